// SPDX-License-Identifier: GPL-2.0
/* Mode share's capacity estimates (loader/lib/capacity.h), without a
 * network: which looks saw a path full, what a full look and an
 * unqueued one do to the estimate, the age-out, and what the data path
 * is given for paths without one. */
#include "capacity.h"
#include "unit.h"

#define MS	1000000ULL
#define SECOND	1000000000ULL
#define MBYTE_S 1000000ULL /* 1 MB/s */

UNIT_TEST(capacity_queued)
{
	struct delay_window w = { 0 };

	/* Rounds 0-9: 10 us above a least of 100 us; rounds 10-13: 3 of 4
	 * samples 5 ms up. */
	for (__u32 r = 0; r < 10; r++)
		delay_add(&w, 100000 + 10000 * (r % 2), r);
	delay_add(&w, 5 * MS, 10);
	delay_add(&w, 5 * MS, 11);
	delay_add(&w, 100000, 12);
	delay_add(&w, 5 * MS, 13);
	CHECK(capacity_queued(&w, 0) == 3.0 / 14,
	      "over every round: 3 of 14 found a queue (%.3f)",
	      capacity_queued(&w, 0));
	CHECK(capacity_queued(&w, 10) == 0.75,
	      "over the last look's rounds: 3 of 4 (%.2f)",
	      capacity_queued(&w, 10));
	CHECK(capacity_queued(&w, 12) == -1,
	      "a look with 2 samples says nothing (%.0f)",
	      capacity_queued(&w, 12));
	/* 400 us above the least is no queue (jitter); 600 us is. */
	delay_add(&w, 500000, 14);
	delay_add(&w, 700000, 15);
	delay_add(&w, 700000, 16);
	CHECK(capacity_queued(&w, 14) == 2.0 / 3,
	      "500 us is within the 500 us beyond the least, 700 us is not "
	      "(%.2f)",
	      capacity_queued(&w, 14));
}

/* One look, a second after the last, at @c carrying @mbyte MB/s. */
static void look_mb(struct capacity *c, __u64 *bytes, __u64 *now, __u64 mbyte,
		    double queued)
{
	*bytes += mbyte * MBYTE_S;
	*now += SECOND;
	capacity_look(c, *bytes, SECOND, queued, *now);
}

UNIT_TEST(capacity_look)
{
	struct capacity c = { 0 };
	__u64 bytes = 5 * MBYTE_S, now = 100 * SECOND;

	capacity_look(&c, bytes, 0, 1, now);
	CHECK(c.read && !c.bytes_per_s,
	      "the first look only reads the counter");
	look_mb(&c, &bytes, &now, 3, 0);
	CHECK(!c.bytes_per_s,
	      "3 MB/s without a queue is no estimate: the path may carry "
	      "more");
	look_mb(&c, &bytes, &now, 6, 0.8);
	CHECK(c.bytes_per_s == 6 * MBYTE_S,
	      "6 MB/s with a queue in 8 of 10 probes: capacity 6 MB/s (%llu)",
	      (unsigned long long)c.bytes_per_s);
	look_mb(&c, &bytes, &now, 2, 0.5);
	CHECK(c.bytes_per_s == 4 * MBYTE_S,
	      "then 2 MB/s with a queue in half: averaged, 4 MB/s (%llu)",
	      (unsigned long long)c.bytes_per_s);
	look_mb(&c, &bytes, &now, 9, 0.1);
	CHECK(c.bytes_per_s == 9 * MBYTE_S,
	      "9 MB/s without a queue: it carried more, 9 MB/s (%llu)",
	      (unsigned long long)c.bytes_per_s);
	look_mb(&c, &bytes, &now, 1, -1);
	CHECK(c.bytes_per_s == 9 * MBYTE_S,
	      "1 MB/s, not probed: the estimate stands (%llu)",
	      (unsigned long long)c.bytes_per_s);
	{
		struct capacity other = c;

		capacity_look(&other, MBYTE_S, SECOND, 1, now + SECOND);
		CHECK(!other.bytes_per_s && other.bytes == MBYTE_S,
		      "a counter that went back (another path took its place) "
		      "is read again, and the estimate forgotten");
	}
	now += SECOND;
	bytes += MBYTE_S;
	/* The last full look was at 103 s; now is 106 s. */
	for (int i = 0; i < 7; i++)
		look_mb(&c, &bytes, &now, 0, 0);
	CHECK(c.bytes_per_s == 9 * MBYTE_S,
	      "10 s after the last full look: the estimate stands (%llu)",
	      (unsigned long long)c.bytes_per_s);
	look_mb(&c, &bytes, &now, 0, 0);
	CHECK(!c.bytes_per_s,
	      "past 10 s it is forgotten: the path is tried again");
}

UNIT_TEST(capacity_fill)
{
	struct capacity a = { .bytes_per_s = 6, .carried = 6 },
			b = { .carried = 1 },
			c = { .bytes_per_s = 2, .carried = 3 },
			d = { .carried = 8 }, idle = { 0 };
	const struct capacity *caps[3] = { &a, &b, &c }, *more[2] = { &a, &d },
			      *none[1] = { &idle };
	struct flowlet_capacity out[3];

	capacity_fill(caps, 3, out);
	CHECK(out[0].bytes_per_s == 6 && out[1].bytes_per_s == 6 &&
		      out[2].bytes_per_s == 2,
	      "a path without an estimate counts as the best one: %llu %llu "
	      "%llu",
	      (unsigned long long)out[0].bytes_per_s,
	      (unsigned long long)out[1].bytes_per_s,
	      (unsigned long long)out[2].bytes_per_s);
	capacity_fill(more, 2, out);
	CHECK(out[0].bytes_per_s == 6 && out[1].bytes_per_s == 8,
	      "or as what one carried if more (%llu)",
	      (unsigned long long)out[1].bytes_per_s);
	capacity_fill(none, 1, out);
	CHECK(!out[0].bytes_per_s, "nothing known: 0");
}
