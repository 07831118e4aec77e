// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delay.h"
#include "flowlet_helpers.h"
#include "parse.h"

void delay_add(struct delay_window *w, __u64 rtt_ns, __u32 round)
{
	w->rtt_ns[w->next] = rtt_ns;
	w->round[w->next] = round;
	w->next = (w->next + 1) % FLOWLET_DELAY_WINDOW;
	if (w->count < FLOWLET_DELAY_WINDOW)
		w->count++;
}

static int by_value(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

/* The @n values of @v, sorted, into @out. */
static void sorted_copy(const __u64 *v, __u32 n, __u64 *out)
{
	memcpy(out, v, n * sizeof(*out));
	qsort(out, n, sizeof(*out), by_value);
}

/* The index of the @pct-th percentile (0-100) of @n sorted samples:
 * nearest rank, ceil(pct/100 * n), at least the first. */
static __u32 nearest_rank(unsigned int pct, __u32 n)
{
	__u32 rank = (pct * n + 99) / 100;

	return rank ? rank - 1 : 0;
}

__u64 delay_percentile(const struct delay_window *w, unsigned int pct)
{
	__u64 sorted[FLOWLET_DELAY_WINDOW];

	if (!w->count)
		return 0;
	if (pct > 100)
		pct = 100;
	sorted_copy(w->rtt_ns, w->count, sorted);
	return sorted[nearest_rank(pct, w->count)];
}

long long delay_sample(__u64 sent_ns, __u64 now_ns, __u64 max_ns)
{
	if (now_ns < sent_ns || now_ns - sent_ns > max_ns)
		return -1;
	return now_ns - sent_ns;
}

void delay_summarise(const struct delay_window *w, struct flowlet_delay *d)
{
	d->samples = w->count;
	d->p50_ns = delay_percentile(w, 50);
	d->p99_ns = delay_percentile(w, 99);
	d->min_ns = delay_percentile(w, 0);
	d->last_ns = w->count ? w->rtt_ns[(w->next + FLOWLET_DELAY_WINDOW - 1) %
					  FLOWLET_DELAY_WINDOW]
			      : 0;
}

enum delay_state delay_state(const struct flowlet_delay *d, __u64 now_ns)
{
	__u64 stale = 10 * d->interval_ns;

	if (stale < 1000000000ULL)
		stale = 1000000000ULL;
	if (!d->answered)
		return d->lost ? DELAY_NO_REPLY : DELAY_WAITING;
	return now_ns - d->updated_ns > stale ? DELAY_STALE : DELAY_OK;
}

const char *delay_state_name(enum delay_state state)
{
	static const char *const names[] = {
		[DELAY_OK] = "ok",
		[DELAY_WAITING] = "waiting",
		[DELAY_NO_REPLY] = "no reply",
		[DELAY_STALE] = "stale",
	};

	return names[state];
}

/* Moves from one path to another: for each ordered pair of paths (a, b),
 * by how much a's round trip was above b's at the moments
 * delay_reorder_share() weighs (ns, below 0 if it was below). */
struct moves {
	long long above[FLOWLET_MAX_PATHS][FLOWLET_MAX_PATHS]
		       [FLOWLET_DELAY_WINDOW];
	__u32 n[FLOWLET_MAX_PATHS][FLOWLET_MAX_PATHS];
	int count;
};

/* The round trips @a and @b took in the rounds both answered, into @x and
 * @y; how many (each round has one sample on a path at most). */
static __u32 same_rounds(const struct delay_window *a,
			 const struct delay_window *b, __u64 *x, __u64 *y)
{
	__u32 n = 0;

	for (__u32 i = 0; i < a->count; i++) {
		for (__u32 j = 0; j < b->count; j++) {
			if (a->round[i] == b->round[j]) {
				x[n] = a->rtt_ns[i];
				y[n++] = b->rtt_ns[j];
				break;
			}
		}
	}
	return n;
}

/* The moves from @a to @b into @above: in each round both answered in
 * which a was at or above its median over those rounds, a's round trip
 * less b's; without such rounds, a's p99 less each of b's samples. How
 * many. */
static __u32 pair_moves(const struct delay_window *a,
			const struct delay_window *b, long long *above)
{
	__u64 x[FLOWLET_DELAY_WINDOW], y[FLOWLET_DELAY_WINDOW],
		sorted[FLOWLET_DELAY_WINDOW], median;
	__u32 n = same_rounds(a, b, x, y), m = 0;

	if (!n) {
		__u64 p99 = delay_percentile(a, 99);

		for (__u32 j = 0; a->count && j < b->count; j++)
			above[m++] = (long long)(p99 - b->rtt_ns[j]);
		return m;
	}
	sorted_copy(x, n, sorted);
	median = sorted[nearest_rank(50, n)];
	for (__u32 i = 0; i < n; i++) {
		if (x[i] >= median)
			above[m++] = (long long)(x[i] - y[i]);
	}
	return m;
}

/* The moves between each two of the @count paths of @windows into @mv. */
static void moves_of(const struct delay_window *const *windows, int count,
		     struct moves *mv)
{
	if (count > FLOWLET_MAX_PATHS)
		count = FLOWLET_MAX_PATHS;
	mv->count = count;
	for (int a = 0; a < count; a++) {
		for (int b = 0; b < count; b++) {
			mv->n[a][b] = 0;
			if (a != b)
				mv->n[a][b] = pair_moves(windows[a], windows[b],
							 mv->above[a][b]);
		}
	}
}

/* Over the ordered pairs of paths with moves in @mv: the share of moves
 * that left a path more than @gap_ns above the new one, on average. */
static double reorder_share(const struct moves *mv, __u64 gap_ns)
{
	double pairs = 0, late = 0;

	for (int a = 0; a < mv->count; a++) {
		for (int b = 0; b < mv->count; b++) {
			__u32 n = mv->n[a][b], j = 0;

			if (!n)
				continue;
			for (__u32 i = 0; i < n; i++)
				j += mv->above[a][b][i] > (long long)gap_ns;
			late += (double)j / n;
			pairs++;
		}
	}
	return pairs ? late / pairs : 0;
}

double delay_reorder_share(const struct delay_window *const *windows, int count,
			   __u64 gap_ns)
{
	struct moves mv;

	moves_of(windows, count, &mv);
	return reorder_share(&mv, gap_ns);
}

double delay_move_cost(const struct delay_gaps *gaps, double expected)
{
	return (gaps->seen.resent_after_moves + 1.0) / (expected + 1.0);
}

__u64 delay_move_timeout(const struct delay_gaps *gaps,
			 const struct delay_window *const *windows, int count,
			 __u64 safe_ns, struct flowlet_auto *why)
{
	const struct flowlet_gaps *seen = &gaps->seen;
	struct moves mv;
	/* after[b]: how many of the gaps of bucket b and the buckets above
	 * it, below @safe_ns (a move after a longer gap is safe), would
	 * reorder if they started a flowlet: each as often as a move after
	 * its bucket's edge (its gaps are at least that). */
	double after[FLOWLET_GAP_BUCKETS + 1],
		flow_s = gaps->flow_ns / 1e9, expected = 0,
		allowed = (double)seen->retransmits;
	__u64 timeout = safe_ns;

	if (!gaps->flow_ns)
		return 0;
	if (allowed < DELAY_REORDERS_MIN_PER_S * flow_s)
		allowed = DELAY_REORDERS_MIN_PER_S * flow_s;
	if (allowed > DELAY_REORDERS_MAX_PER_S * flow_s)
		allowed = DELAY_REORDERS_MAX_PER_S * flow_s;
	moves_of(windows, count, &mv);
	after[FLOWLET_GAP_BUCKETS] = 0;
	for (int b = FLOWLET_GAP_BUCKETS - 1; b >= 0; b--) {
		__u64 edge = flowlet_gap_edge(b);

		after[b] = after[b + 1];
		if (edge < safe_ns && seen->count[b])
			after[b] += seen->count[b] * reorder_share(&mv, edge);
		/* The timeout in force started flowlets from here up. */
		if (edge >= gaps->timeout_ns)
			expected = after[b];
	}
	if (why) {
		why->reorders_milli = (__u64)(expected * 1000);
		why->move_cost_milli =
			(__u64)(delay_move_cost(gaps, expected) * 1000);
	}
	for (int b = FLOWLET_GAP_BUCKETS - 1; b >= 0; b--) {
		__u64 edge = flowlet_gap_edge(b);

		if (edge >= safe_ns)
			continue; /* a move after such gaps is safe */
		if (after[b] > allowed)
			return timeout;
		timeout = edge;
	}
	/* Few enough gaps at every edge: the least. */
	return DELAY_MIN_TIMEOUT_NS < timeout ? DELAY_MIN_TIMEOUT_NS : timeout;
}

void delay_describe(const struct flowlet_auto *a, char *buf, size_t len)
{
	char spread[32], base[32], move[32];

	format_duration(a->spread_ns, spread, sizeof(spread));
	format_duration(a->base_ns, base, sizeof(base));
	format_duration(a->move_ns, move, sizeof(move));
	if (a->move_ns)
		snprintf(buf, len,
			 "delay spread %s, base %s, move %s over %llu "
			 "flows, %llu segments resent (%llu after moves, "
			 "%.1f per reordering move)",
			 spread, base, move, (unsigned long long)a->flows,
			 (unsigned long long)a->retransmits,
			 (unsigned long long)a->resent_after_moves,
			 a->move_cost_milli / 1000.0);
	else
		snprintf(buf, len, "delay spread %s, base %s, no flows", spread,
			 base);
}

/* @d plus a quarter of it and the margin. */
static __u64 bound(__u64 d)
{
	return d + d / 4 + DELAY_MARGIN_NS;
}

__u64 delay_timeout(const struct flowlet_delay *const *paths,
		    const struct delay_window *const *windows, int count,
		    const struct delay_gaps *gaps, __u64 now_ns,
		    struct flowlet_auto *why)
{
	__u64 slowest = 0, slowest_least = 0, fastest = UINT64_MAX, timeout;
	struct flowlet_auto b = { 0 };

	for (int i = 0; i < count; i++) {
		if (delay_state(paths[i], now_ns) != DELAY_OK)
			return 0;
		if (paths[i]->p99_ns > slowest)
			slowest = paths[i]->p99_ns;
		if (paths[i]->min_ns > slowest_least)
			slowest_least = paths[i]->min_ns;
		if (paths[i]->min_ns < fastest)
			fastest = paths[i]->min_ns;
	}
	if (count > 1) {
		b.spread_ns = slowest > fastest ? slowest - fastest : 0;
		b.base_ns = slowest_least - fastest;
	}
	timeout = b.safe_ns = bound(b.spread_ns);
	b.resend_window_ns = 2 * slowest;
	b.move_ns =
		gaps && windows && count > 1
			? delay_move_timeout(gaps, windows, count, timeout, &b)
			: 0;
	if (why)
		*why = b;
	if (count < 2)
		return DELAY_MIN_TIMEOUT_NS;
	if (b.move_ns)
		timeout = b.move_ns;
	if (timeout < bound(b.base_ns))
		timeout = bound(b.base_ns);
	if (timeout < DELAY_MIN_TIMEOUT_NS)
		return DELAY_MIN_TIMEOUT_NS;
	return timeout > DELAY_MAX_TIMEOUT_NS ? DELAY_MAX_TIMEOUT_NS : timeout;
}

bool delay_commits(__u64 want, __u64 was, bool measured, __u64 flows)
{
	__u64 d = want > was ? want - was : was - want, tenth = was / 10;

	if (want < was && measured && !flows)
		return false;
	return d > (tenth > 100000 ? tenth : 100000);
}
