/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A path's delay from its round-trip samples: the last
 * FLOWLET_DELAY_WINDOW of them, their percentiles, and the probes that
 * got no reply. Pure arithmetic, no clock and no socket: probe.c feeds it,
 * the unit tests check it.
 */
#ifndef FLOWLET_DELAY_H
#define FLOWLET_DELAY_H

#include <stdbool.h>
#include <linux/types.h>

#include "flowlet.h"

struct delay_window {
	__u64 rtt_ns[FLOWLET_DELAY_WINDOW]; /* a ring, oldest overwritten */
	__u32 count;			    /* samples held (<= the window) */
	__u32 next;			    /* where the next one goes */
};

/* Adds a sample to @w. */
void delay_add(struct delay_window *w, __u64 rtt_ns);

/* The @pct-th percentile (0-100) of the samples in @w, nearest rank
 * (the smallest sample at or above pct% of them); 0 if there are none. */
__u64 delay_percentile(const struct delay_window *w, unsigned int pct);

/* The sample of a probe sent at @sent_ns and answered at @now_ns, or -1
 * if it is no round trip (a clock stepped back, or more than @max_ns). */
long long delay_sample(__u64 sent_ns, __u64 now_ns, __u64 max_ns);

/* Fills @d's delays from @w (its counters are the caller's). */
void delay_summarise(const struct delay_window *w, struct flowlet_delay *d);

enum delay_state {
	DELAY_OK,	/* replies, the last one recent */
	DELAY_WAITING,	/* no probe answered yet, none lost */
	DELAY_NO_REPLY, /* probes lost, none answered */
	DELAY_STALE,	/* no reply for 10 intervals (and 1 s) */
};

/* What @d says now (@now_ns: CLOCK_MONOTONIC). */
enum delay_state delay_state(const struct flowlet_delay *d, __u64 now_ns);
const char *delay_state_name(enum delay_state state);

/*
 * --timeout auto: the flowlet timeout the delays of one group's paths call
 * for. A flowlet that moves from path a to path b after a gap g arrives
 * in order when g > delay(a) - delay(b); the largest such difference is
 * the slowest path's p99 against the fastest one's least (round trips to
 * one target share everything but the path, so their differences are
 * the paths'). The timeout is that, plus a quarter of it and
 * DELAY_MARGIN_NS, within [DELAY_MIN_TIMEOUT_NS, DELAY_MAX_TIMEOUT_NS].
 * With fewer than two paths nothing can reorder: DELAY_MIN_TIMEOUT_NS.
 * 0 when a path has no recent delay (not DELAY_OK): the caller keeps its
 * fixed timeout. @spread_ns gets the difference (if not NULL).
 */
#define DELAY_MARGIN_NS	     200000ULL	  /* 200us */
#define DELAY_MIN_TIMEOUT_NS 1000000ULL	  /* 1ms */
#define DELAY_MAX_TIMEOUT_NS 500000000ULL /* 500ms */

__u64 delay_timeout(const struct flowlet_delay *const *paths, int count,
		    __u64 now_ns, __u64 *spread_ns);

#endif /* FLOWLET_DELAY_H */
