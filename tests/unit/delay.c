// SPDX-License-Identifier: GPL-2.0
/* The delay estimator of watch --probe, without a network: percentiles
 * over the window, the window's age-out, samples that are no round
 * trip; --timeout auto's rule over delays and gaps. */
#include <string.h>

#include "delay.h"
#include "flowlet_helpers.h"
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
		delay_add(&w, 1000000000ULL, i);
	for (int i = 0; i < 64; i++)
		delay_add(&w, (1 + (i * 37) % 64) * 1000000ULL, 36 + i);
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
	delay_add(&w, 5000, 0);
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

/* flowlet_gaps' buckets, as the data path fills them: 4 per octave from
 * 2^20 ns, each edge in its bucket and the ns below it in the one
 * before. */
UNIT_TEST(gap_buckets)
{
	bool ok = true;

	for (__u32 b = 1; b < FLOWLET_GAP_BUCKETS; b++)
		ok &= flowlet_gap_bucket(flowlet_gap_edge(b)) == b &&
		      flowlet_gap_bucket(flowlet_gap_edge(b) - 1) == b - 1 &&
		      flowlet_gap_edge(b) > flowlet_gap_edge(b - 1);
	CHECK(ok && flowlet_gap_edge(0) == 1ULL << FLOWLET_GAP_SHIFT &&
		      flowlet_gap_edge(1) == 5ULL << (FLOWLET_GAP_SHIFT - 2) &&
		      flowlet_gap_edge(4) == 2ULL << FLOWLET_GAP_SHIFT,
	      "gaps: every bucket starts at its edge, 4 per octave (1.25 x "
	      "2^20 ns is bucket %u)",
	      flowlet_gap_bucket(5ULL << (FLOWLET_GAP_SHIFT - 2)));
	CHECK(flowlet_gap_bucket(1ULL << 45) == FLOWLET_GAP_BUCKETS - 1 &&
		      flowlet_gap_bucket(~0ULL) == FLOWLET_GAP_BUCKETS - 1,
	      "gaps: a gap of hours, or of 2^64 ns, is in the last bucket");
}

/* @count gaps of @ns into @g. */
static void gaps_of(struct delay_gaps *g, __u64 ns, __u64 count)
{
	g->seen.count[flowlet_gap_bucket(ns)] += count;
}

/* @n samples, one a round from round @first on, evenly from @from to @to
 * ns (either may be the greater), into a fresh @w. */
static void rounds(struct delay_window *w, long long from, long long to, int n,
		   __u32 first)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < n; i++)
		delay_add(w, from + (to - from) * i / (n > 1 ? n - 1 : 1),
			  first + i);
}

/* The same from round 0 on. */
static void samples(struct delay_window *w, long long from, long long to, int n)
{
	rounds(w, from, to, n, 0);
}

/* The least edge of a flowlet_gaps bucket above a gap of @ns. */
static __u64 above(__u64 ns)
{
	return flowlet_gap_edge(flowlet_gap_bucket(ns) + 1);
}

/* The move timeout of @g's flows over the two paths @two, with no safe
 * gap below the most. */
static __u64 move_timeout(const struct delay_gaps *g,
			  const struct delay_window *const *two)
{
	return delay_move_timeout(g, two, 2, DELAY_MAX_TIMEOUT_NS, NULL);
}

/* How often a move reorders: two paths' samples, in the same rounds or
 * not. */
UNIT_TEST(delay_reorder_share)
{
	struct delay_window a, b;
	const struct delay_window *two[] = { &a, &b };

	subtest("standing");
	samples(&a, 10000000, 10000000, 8);
	samples(&b, 1000000, 1000000, 8);
	CHECK(delay_reorder_share(two, 2, 5000000) == 0.5 &&
		      delay_reorder_share(two, 2, 9000000) == 0 &&
		      delay_reorder_share(two, 2, 0) == 0.5,
	      "reorder: 10ms against 1ms: from a to b reorders below 9ms, "
	      "from b to a never");

	subtest("together");
	/* Two queues of 1-51 ms, 1 ms apart, that fill and drain together:
	 * at the same moment they are equal, and no move reorders. */
	samples(&a, 1000000, 51000000, 51);
	samples(&b, 1000000, 51000000, 51);
	CHECK(delay_reorder_share(two, 2, 0) == 0,
	      "reorder: queues that fill together: no move reorders (%.4f)",
	      delay_reorder_share(two, 2, 0));

	subtest("in_turn");
	/* The same queues, one full when the other is empty. From a at or
	 * above its median (26-51 ms, rounds 25-50), b is at 26-1 ms: a is
	 * 0 to 50 ms above it, 2 ms apart; more than 20 ms in 15 of the
	 * 26 rounds. The same from b to a. */
	samples(&b, 51000000, 1000000, 51);
	CHECK(delay_reorder_share(two, 2, 20000000) == 15.0 / 26,
	      "reorder: queues in turn: 15 of 26 moves from the fuller "
	      "reorder after 20ms (%.4f)",
	      delay_reorder_share(two, 2, 20000000));

	subtest("apart");
	/* Samples of no common round: a at its p99 (51 ms) against each of
	 * b's, 30 of its 51 more than 20 ms below. */
	rounds(&b, 1000000, 51000000, 51, 100);
	CHECK(delay_reorder_share(two, 2, 20000000) == 30.0 / 51,
	      "reorder: no round in common: a full against any of b's, 30 "
	      "of 51 reorder (%.4f)",
	      delay_reorder_share(two, 2, 20000000));
	CHECK(delay_reorder_share(two, 1, 0) == 0,
	      "reorder: one path has no other to move to");
}

/* The move timeout: the least bucket edge at which the flows' gaps would
 * have made no more reordering moves than they resent segments (at least
 * DELAY_REORDERS_MIN_PER_S, at most DELAY_REORDERS_MAX_PER_S per flow
 * per second), over the paths' samples. */
UNIT_TEST(delay_move_timeout)
{
	struct delay_gaps g = { .flows = 4,
				.flow_ns = 4000000000ULL,
				.timeout_ns = DELAY_MAX_TIMEOUT_NS };
	struct flowlet_auto why = { 0 };
	struct delay_window a, b;
	const struct delay_window *two[] = { &a, &b };
	__u64 t;

	subtest("shallow");
	/* Queues of up to 3 ms, one full when the other is empty: a move
	 * after 4.2 ms never reorders. No segment resent: 0.1 reordering
	 * moves per flow per second. */
	samples(&a, 1000000, 4000000, 64);
	samples(&b, 4000000, 1000000, 64);
	gaps_of(&g, 4200000, 100);
	CHECK(move_timeout(&g, two) == DELAY_MIN_TIMEOUT_NS,
	      "move: 100 gaps of 4.2ms a second over queues of 3ms at most: "
	      "the least timeout");
	gaps_of(&g, 2000000, 100);
	t = move_timeout(&g, two);
	CHECK(t == above(2000000),
	      "move: and 100 of 2ms, which do reorder: above them (%llu ns)",
	      (unsigned long long)t);
	g.flow_ns = 0;
	CHECK(move_timeout(&g, two) == 0, "move: no flows, no move timeout");

	subtest("deep");
	/* One queue of 0-50 ms, one idle: a move after 10 ms reorders half
	 * the time (from the upper half of the full queue), one after 40 ms
	 * less often. 8 flows may make 0.8 such moves a second: the one gap
	 * of 40 ms, not the five of 10 ms. */
	memset(&g.seen, 0, sizeof(g.seen));
	g.flow_ns = 8000000000ULL;
	samples(&a, 1000000, 51000000, 51);
	samples(&b, 1000000, 1000000, 51);
	gaps_of(&g, 10000000, 5);
	gaps_of(&g, 40000000, 1);
	t = move_timeout(&g, two);
	CHECK(t == above(10000000),
	      "move: above the 10ms gaps, below the 40ms ones (%llu ns)",
	      (unsigned long long)t);
	g.flow_ns = 800000000; /* the same gaps in 0.1 s */
	t = move_timeout(&g, two);
	CHECK(t == above(40000000),
	      "move: the same gaps in 0.1s: above the 40ms ones too (%llu ns)",
	      (unsigned long long)t);

	subtest("resent");
	/* The same gaps over 8 s: they reorder 2.8 times. Flows that
	 * resent 4 segments may pay that; 2 segments, not. */
	g.flow_ns = 8000000000ULL;
	g.seen.retransmits = 4;
	CHECK(move_timeout(&g, two) == DELAY_MIN_TIMEOUT_NS,
	      "move: flows that resent 4 segments may reorder 4 times: the "
	      "least timeout");
	g.seen.retransmits = 2;
	t = move_timeout(&g, two);
	CHECK(t == above(10000000),
	      "move: 2 segments resent: above the 10ms gaps (%llu ns)",
	      (unsigned long long)t);
	/* 20 more gaps of 10 ms: 12.8 reordering moves, more than 8 flows
	 * may make in a second however much they resend. */
	g.seen.retransmits = 1000;
	gaps_of(&g, 10000000, 20);
	t = move_timeout(&g, two);
	CHECK(t == above(10000000),
	      "move: 1000 segments resent buy at most one reordering move "
	      "per flow per second (%llu ns)",
	      (unsigned long long)t);
	g.seen.retransmits = 0;

	subtest("cost");
	/* What a reordering move cost, shown: 5 gaps of 10 ms and one of
	 * 40 ms at a timeout in force of 1 ms reorder 2.8 times; 30
	 * segments resent after moves make 8.1 each. The move timeout
	 * stays what the resent segments allow. */
	memset(&g.seen, 0, sizeof(g.seen));
	g.flow_ns = 8000000000ULL;
	gaps_of(&g, 10000000, 5);
	gaps_of(&g, 40000000, 1);
	g.timeout_ns = DELAY_MIN_TIMEOUT_NS;
	CHECK(delay_move_cost(&g, 2.8) == 1 / 3.8,
	      "cost: no segment resent after 2.8 reordering moves: (0 + 1) / "
	      "(2.8 + 1) each");
	g.seen.retransmits = 40;
	g.seen.resent_after_moves = 30;
	t = delay_move_timeout(&g, two, 2, DELAY_MAX_TIMEOUT_NS, &why);
	CHECK(why.reorders_milli / 100 == 28 && why.move_cost_milli / 100 == 81,
	      "cost: shown: %llu reordering moves /1000, %llu segments /1000 "
	      "each",
	      (unsigned long long)why.reorders_milli,
	      (unsigned long long)why.move_cost_milli);
	CHECK(t == DELAY_MIN_TIMEOUT_NS,
	      "cost: 40 segments resent allow the 2.8 reordering moves: the "
	      "least timeout (%llu ns)",
	      (unsigned long long)t);
	g.timeout_ns = DELAY_MAX_TIMEOUT_NS;

	subtest("safe_gaps");
	/* Gaps of 30 ms, 10 a second, would reorder; not below a safe bound
	 * of 20 ms, above which a move is safe. */
	memset(&g.seen, 0, sizeof(g.seen));
	g.flow_ns = 2000000000;
	gaps_of(&g, 30000000, 10);
	CHECK(delay_move_timeout(&g, two, 2, 20000000, NULL) ==
		      DELAY_MIN_TIMEOUT_NS,
	      "move: gaps above the safe bound are no risk");
	CHECK(delay_move_timeout(&g, two, 2, 200000000, NULL) ==
		      above(30000000),
	      "move: below a safe 200ms they are: above them");
	gaps_of(&g, 19000000, 10);
	CHECK(delay_move_timeout(&g, two, 2, 20000000, NULL) == 20000000,
	      "move: too many in the bucket the safe 20ms falls in: 20ms");
}

/* --timeout auto's rule: the move timeout between the base and the
 * spread, each plus a quarter and the margin; bounded; nothing without
 * recent delays. */
UNIT_TEST(delay_timeout)
{
	const __u64 now = 100000000000ULL; /* 100 s */
	struct flowlet_delay a = measured(1000000, 2000000, now),
			     b = measured(3000000, 10000000, now);
	const struct flowlet_delay *two[] = { &a, &b }, *one[] = { &b };
	struct delay_window wa, wb;
	const struct delay_window *windows[] = { &wa, &wb };
	struct delay_gaps g = { .flows = 4, .flow_ns = 4000000000ULL };
	struct flowlet_auto why = { 0 };
	__u64 t;

	samples(&wa, 1000000, 2000000, 64);
	samples(&wb, 3000000, 10000000, 64);

	subtest("spread");
	t = delay_timeout(two, windows, 2, NULL, now, &why);
	CHECK(why.spread_ns == 9000000 && why.base_ns == 2000000 &&
		      !why.move_ns && t == 9000000 + 2250000 + DELAY_MARGIN_NS,
	      "timeout: no flows: p99 10ms against a least of 1ms: spread "
	      "%llu, timeout %llu",
	      (unsigned long long)why.spread_ns, (unsigned long long)t);
	CHECK(delay_timeout(two, NULL, 2, &g, now, NULL) == t,
	      "timeout: no samples: the spread's");

	subtest("moves");
	gaps_of(&g, 4200000, 100);
	t = delay_timeout(two, windows, 2, &g, now, &why);
	CHECK(why.move_ns == above(4200000) && t == why.move_ns,
	      "timeout: flows that pause 4.2ms often, where moves reorder: "
	      "above it (%llu ns), within base and spread",
	      (unsigned long long)t);
	memset(&g.seen, 0, sizeof(g.seen));
	t = delay_timeout(two, windows, 2, &g, now, &why);
	CHECK(why.move_ns == DELAY_MIN_TIMEOUT_NS &&
		      t == 2000000 + 500000 + DELAY_MARGIN_NS,
	      "timeout: flows that never pause: the base's, 2ms a least "
	      "above the other's (%llu ns)",
	      (unsigned long long)t);
	gaps_of(&g, 200000000, 50);
	CHECK(delay_timeout(two, windows, 2, &g, now, &why) == t,
	      "timeout: pauses of 200ms, above the spread, are safe moves");

	subtest("bounds");
	a = measured(10000, 20000, now);
	b = measured(10000, 30000, now);
	CHECK(delay_timeout(two, windows, 2, NULL, now, NULL) ==
		      DELAY_MIN_TIMEOUT_NS,
	      "timeout: equal idle paths get the least timeout");
	b = measured(10000, 900000000, now);
	CHECK(delay_timeout(two, windows, 2, NULL, now, NULL) ==
		      DELAY_MAX_TIMEOUT_NS,
	      "timeout: a spread of 900ms is held to the most");
	b = measured(800000000, 900000000, now);
	CHECK(delay_timeout(two, windows, 2, &g, now, NULL) ==
		      DELAY_MAX_TIMEOUT_NS,
	      "timeout: a base of 800ms is held to the most, whatever the "
	      "gaps");
	CHECK(delay_timeout(one, windows, 1, &g, now, NULL) ==
		      DELAY_MIN_TIMEOUT_NS,
	      "timeout: one path cannot reorder: the least");

	subtest("not_measured");
	b = measured(3000000, 10000000, now);
	b.updated_ns = now - 2000000000ULL; /* 20 intervals ago */
	CHECK(delay_timeout(two, windows, 2, &g, now, NULL) == 0 &&
		      delay_state(&b, now) == DELAY_STALE,
	      "timeout: a stale path leaves the fixed timeout");
	b = measured(0, 0, now);
	b.answered = 0;
	b.lost = 3;
	CHECK(delay_timeout(two, windows, 2, &g, now, NULL) == 0 &&
		      delay_state(&b, now) == DELAY_NO_REPLY,
	      "timeout: a path whose probes are all lost leaves the fixed "
	      "timeout");
	b.lost = 0;
	CHECK(delay_timeout(two, windows, 2, &g, now, NULL) == 0 &&
		      delay_state(&b, now) == DELAY_WAITING,
	      "timeout: a path not answered yet leaves the fixed timeout");
}

/* Which new timeouts the watcher commits: a move of more than a tenth
 * (and 100 us); a measured one does not fall without flows. */
UNIT_TEST(delay_commits)
{
	CHECK(!delay_commits(10500000, 10000000, true, 4) &&
		      delay_commits(11500000, 10000000, true, 4) &&
		      delay_commits(8500000, 10000000, true, 4),
	      "commits: 10ms to 10.5ms stays, to 11.5ms or 8.5ms moves");
	CHECK(!delay_commits(1050000, 1000000, true, 4) &&
		      delay_commits(1150000, 1000000, true, 4),
	      "commits: near 1ms the least move is 100us");
	CHECK(!delay_commits(1000000, 10000000, true, 0) &&
		      delay_commits(20000000, 10000000, true, 0),
	      "commits: without flows a measured 10ms does not fall to the "
	      "idle paths' 1ms, and rises to 20ms");
	CHECK(delay_commits(1000000, 50000000, false, 0),
	      "commits: without flows the fixed 50ms gives way to a first "
	      "measurement");
}
