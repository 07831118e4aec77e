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

/* A measured path: delays (ns) of a recent reply at @now. */
static struct flowlet_delay measured(__u64 min, __u64 p99, __u64 now)
{
	struct flowlet_delay d = { .sent = 10,
				   .answered = 10,
				   .samples = 10,
				   .min_ns = min,
				   .p50_ns = min,
				   .p99_ns = p99,
				   .updated_ns = now,
				   .interval_ns = 100000000 };

	return d;
}

/* --timeout auto's rule: the slowest p99 against the fastest least, plus
 * a quarter and the margin, bounded; nothing without recent delays. */
UNIT_TEST(delay_timeout)
{
	const __u64 now = 100000000000ULL; /* 100 s */
	struct flowlet_delay a = measured(1000000, 2000000, now),
			     b = measured(3000000, 10000000, now);
	const struct flowlet_delay *two[] = { &a, &b }, *one[] = { &b };
	__u64 spread = 0, t;

	subtest("spread");
	t = delay_timeout(two, 2, now, &spread);
	CHECK(spread == 9000000 && t == 9000000 + 2250000 + DELAY_MARGIN_NS,
	      "timeout: p99 10ms against a least of 1ms: spread %llu, timeout "
	      "%llu",
	      (unsigned long long)spread, (unsigned long long)t);

	subtest("bounds");
	a = measured(10000, 20000, now);
	b = measured(10000, 30000, now);
	CHECK(delay_timeout(two, 2, now, NULL) == DELAY_MIN_TIMEOUT_NS,
	      "timeout: equal idle paths get the least timeout");
	b = measured(10000, 900000000, now);
	CHECK(delay_timeout(two, 2, now, NULL) == DELAY_MAX_TIMEOUT_NS,
	      "timeout: a spread of 900ms is held to the most");
	CHECK(delay_timeout(one, 1, now, NULL) == DELAY_MIN_TIMEOUT_NS,
	      "timeout: one path cannot reorder: the least");

	subtest("not_measured");
	b = measured(3000000, 10000000, now);
	b.updated_ns = now - 2000000000ULL; /* 20 intervals ago */
	CHECK(delay_timeout(two, 2, now, NULL) == 0 &&
		      delay_state(&b, now) == DELAY_STALE,
	      "timeout: a stale path leaves the fixed timeout");
	b = measured(0, 0, now);
	b.answered = 0;
	b.lost = 3;
	CHECK(delay_timeout(two, 2, now, NULL) == 0 &&
		      delay_state(&b, now) == DELAY_NO_REPLY,
	      "timeout: a path whose probes are all lost leaves the fixed "
	      "timeout");
	b.lost = 0;
	CHECK(delay_timeout(two, 2, now, NULL) == 0 &&
		      delay_state(&b, now) == DELAY_WAITING,
	      "timeout: a path not answered yet leaves the fixed timeout");
}
