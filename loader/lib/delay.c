// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delay.h"
#include "flowlet_helpers.h"
#include "parse.h"

void delay_add(struct delay_window *w, __u64 rtt_ns)
{
	w->rtt_ns[w->next] = rtt_ns;
	w->next = (w->next + 1) % FLOWLET_DELAY_WINDOW;
	if (w->count < FLOWLET_DELAY_WINDOW)
		w->count++;
}

static int by_value(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

/* @w's samples, sorted, into @out. */
static void sorted_copy(const struct delay_window *w, __u64 *out)
{
	memcpy(out, w->rtt_ns, w->count * sizeof(*out));
	qsort(out, w->count, sizeof(*out), by_value);
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
	sorted_copy(w, sorted);
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

/* The samples of each of @count windows, sorted, into @v, their counts
 * into @n; the paths taken (at most FLOWLET_MAX_PATHS). */
static int sort_windows(const struct delay_window *const *windows, int count,
			__u64 (*v)[FLOWLET_DELAY_WINDOW], __u32 *n)
{
	if (count > FLOWLET_MAX_PATHS)
		count = FLOWLET_MAX_PATHS;
	for (int i = 0; i < count; i++) {
		n[i] = windows[i]->count;
		sorted_copy(windows[i], v[i]);
	}
	return count;
}

/* Over the ordered pairs of paths a != b (their samples sorted in @v, @n
 * of them): the share of b's samples y below a's p99 x by more than
 * @gap_ns, on average. */
static double reorder_share(__u64 (*v)[FLOWLET_DELAY_WINDOW], const __u32 *n,
			    int count, __u64 gap_ns)
{
	double pairs = 0, late = 0;

	for (int a = 0; a < count; a++) {
		__u64 x;

		if (!n[a])
			continue;
		x = v[a][nearest_rank(99, n[a])];
		for (int b = 0; b < count; b++) {
			__u32 j = 0;

			if (a == b || !n[b])
				continue;
			while (j < n[b] && v[b][j] + gap_ns < x)
				j++;
			late += (double)j / n[b];
			pairs++;
		}
	}
	return pairs ? late / pairs : 0;
}

double delay_reorder_share(const struct delay_window *const *windows, int count,
			   __u64 gap_ns)
{
	__u64 v[FLOWLET_MAX_PATHS][FLOWLET_DELAY_WINDOW];
	__u32 n[FLOWLET_MAX_PATHS];

	count = sort_windows(windows, count, v, n);
	return reorder_share(v, n, count, gap_ns);
}

__u64 delay_move_timeout(const struct delay_gaps *gaps,
			 const struct delay_window *const *windows, int count,
			 __u64 safe_ns)
{
	__u64 v[FLOWLET_MAX_PATHS][FLOWLET_DELAY_WINDOW], timeout = safe_ns;
	double allowed = DELAY_REORDERS_PER_S * (gaps->flow_ns / 1e9),
	       expected = 0;
	__u32 n[FLOWLET_MAX_PATHS];

	if (!gaps->flow_ns)
		return 0;
	count = sort_windows(windows, count, v, n);
	for (int b = FLOWLET_GAP_BUCKETS - 1; b >= 0; b--) {
		__u64 edge = flowlet_gap_edge(b);

		if (edge >= safe_ns)
			continue; /* a move after such gaps is safe */
		/* Its gaps are at least the edge: they reorder no more
		 * often than a move after the edge would. */
		if (gaps->seen.count[b])
			expected += gaps->seen.count[b] *
				    reorder_share(v, n, count, edge);
		if (expected > allowed)
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
			 "flows, %llu segments resent",
			 spread, base, move, (unsigned long long)a->flows,
			 (unsigned long long)a->retransmits);
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
	b.move_ns = gaps && windows && count > 1
			    ? delay_move_timeout(gaps, windows, count, timeout)
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
