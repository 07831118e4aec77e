// SPDX-License-Identifier: GPL-2.0
/* The delay estimator of watch --probe, without a network: percentiles
 * over the window, the window's age-out, samples that are no round
 * trip. */
#include <string.h>

#include "delay.h"
#include "unit.h"

UNIT_TEST(delay_window)
{
	struct delay_window w = { 0 };
	struct flowlet_delay d = { 0 };

	subtest("empty");
	delay_summarise(&w, &d);
	CHECK(!d.samples && !d.p50_ns && !d.p99_ns && !d.min_ns && !d.last_ns,
	      "delay: no samples, no delay (p50 %llu)",
	      (unsigned long long)d.p50_ns);

	subtest("percentiles");
	/* 36 samples of 1 s that age out, then 1..64 ms in a shuffled order
	 * (a stride prime to 64). */
	for (int i = 0; i < 36; i++)
		delay_add(&w, 1000000000ULL);
	for (int i = 0; i < 64; i++)
		delay_add(&w, (1 + (i * 37) % 64) * 1000000ULL);
	delay_summarise(&w, &d);
	/* Nearest rank: p50 is the 32nd of 64, p99 the 64th. */
	CHECK(d.samples == 64 && d.p50_ns == 32000000 && d.p99_ns == 64000000 &&
		      d.min_ns == 1000000,
	      "delay: the window holds the last 64 samples (p50 %llu, p99 "
	      "%llu, min %llu)",
	      (unsigned long long)d.p50_ns, (unsigned long long)d.p99_ns,
	      (unsigned long long)d.min_ns);
	CHECK(d.last_ns == (1 + (63 * 37) % 64) * 1000000ULL,
	      "delay: the last sample is the newest (%llu)",
	      (unsigned long long)d.last_ns);

	subtest("one_sample");
	memset(&w, 0, sizeof(w));
	delay_add(&w, 5000);
	delay_summarise(&w, &d);
	CHECK(d.samples == 1 && d.p50_ns == 5000 && d.p99_ns == 5000 &&
		      d.min_ns == 5000,
	      "delay: one sample is every percentile");

	subtest("not_a_round_trip");
	CHECK(delay_sample(1000, 4000, 10000) == 3000 &&
		      delay_sample(5000, 4000, 10000) == -1 &&
		      delay_sample(1000, 12000, 10000) == -1 &&
		      delay_sample(1000, 11000, 10000) == 10000,
	      "delay: a clock stepped back, or a reply after the timeout, is "
	      "no sample; one at the timeout is");
}
