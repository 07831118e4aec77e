/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A path's delay from its round-trip samples: the last
 * FLOWLET_DELAY_WINDOW of them, their percentiles, and the probes that
 * got no reply. Pure arithmetic, no clock and no socket: probe.c feeds it,
 * the unit tests check it.
 *
 * The prober sends one probe on each of a target's paths at once, a
 * round; each sample keeps its round's number, so that the paths' delays
 * at the same moment can be compared.
 */
#ifndef FLOWLET_DELAY_H
#define FLOWLET_DELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "flowlet.h"

struct delay_window {
	__u64 rtt_ns[FLOWLET_DELAY_WINDOW]; /* a ring, oldest overwritten */
	__u32 round[FLOWLET_DELAY_WINDOW];  /* the round of each sample */
	__u32 count;			    /* samples held (<= the window) */
	__u32 next;			    /* where the next one goes */
};

/* Adds the sample of round @round to @w. */
void delay_add(struct delay_window *w, __u64 rtt_ns, __u32 round);

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

/* @d holds a probed target's path: one probe at least went out on it. */
static inline bool delay_probed(const struct flowlet_delay *d)
{
	return d->family && d->sent;
}

/* What @d says now (@now_ns: CLOCK_MONOTONIC). */
enum delay_state delay_state(const struct flowlet_delay *d, __u64 now_ns);
const char *delay_state_name(enum delay_state state);

/* The gaps of one group's flows over the last looks (DELAY_GAP_LOOKS of
 * about a second): what flowlet_gaps counted (summed over CPUs, the
 * difference over them: gaps by bucket, TCP retransmits), the flows that
 * sent in the last look (two packets or more), the sum over the looks
 * of their flows times their length (flow-nanoseconds), and the
 * group's timeout in force (the caller's). */
#define DELAY_GAP_LOOKS 10

struct delay_gaps {
	struct flowlet_gaps seen;
	__u64 flows;
	__u64 flow_ns;
	__u64 timeout_ns;
};

/*
 * How often a move after a gap of @gap_ns would reorder, over the @count
 * paths whose round trips are in @windows: averaged over the ordered
 * pairs of paths a != b, the share of moments at which a's round trip
 * was more than @gap_ns above b's (0 to 1). The moments are the rounds
 * both answered in which a was at or above its median over them: TCP
 * pauses after a loss, when its path's queue is full, and the queue of
 * the path it moves to is the one of that moment (queues that fill
 * together reorder little). Two paths with no round in common are
 * priced as if they never were at the same moment: a at its p99 against
 * each of b's samples.
 */
double delay_reorder_share(const struct delay_window *const *windows, int count,
			   __u64 gap_ns);

/*
 * What a flowlet that reordered cost @gaps' flows, in segments they sent
 * again: the ones resent soon after a move below the safe gap
 * (flowlet_gaps.resent_after_moves), per reordering flowlet @expected at
 * the timeout in force, both counted from one: (resent + 1) / (expected
 * + 1). A reordering the receiver absorbs costs nothing; one the sender
 * takes for a loss costs a fast retransmit of what it sent on the old
 * path in the time the new one was ahead, which on deep queues is tens
 * of segments. Shown (stats' move_cost); the move timeout does not use
 * it yet.
 */
double delay_move_cost(const struct delay_gaps *gaps, double expected);

/*
 * The least timeout at which @gaps' flows would have made no more moves
 * that reorder than they resent segments on their own, and at least
 * DELAY_REORDERS_MIN_PER_S, at most DELAY_REORDERS_MAX_PER_S each per
 * second: a move that reorders costs a TCP flow about what a loss does
 * (a fast retransmit at most), so reordering at most doubles what the
 * flows pay already; flows that never resend (UDP, or TCP that does not
 * fill a queue) still may move now and then, and flows that lose a lot
 * do not buy more. Each gap below @safe_ns (a move after a longer one is
 * safe) above the timeout starts a flowlet, which reorders as often as
 * delay_reorder_share() of the gap says over the paths of @windows. The
 * least edge of a flowlet_gaps bucket for which the expected count stays
 * within that, at most @safe_ns, DELAY_MIN_TIMEOUT_NS if every bucket's
 * does; 0 without flows. @why gets the reordering moves expected at the
 * timeout in force and what one cost (delay_move_cost(); if not NULL).
 */
#define DELAY_REORDERS_MIN_PER_S 0.1
#define DELAY_REORDERS_MAX_PER_S 1.0

__u64 delay_move_timeout(const struct delay_gaps *gaps,
			 const struct delay_window *const *windows, int count,
			 __u64 safe_ns, struct flowlet_auto *why);

/* What @a says, for a line of text: "delay spread S, base B, move M
 * over F flows, R segments resent (A after moves, C per reordering
 * move)" (or "no flows"), into @buf of @len bytes. */
void delay_describe(const struct flowlet_auto *a, char *buf, size_t len);

/*
 * --timeout auto: the flowlet timeout one group's paths and flows call
 * for. A flowlet that moves from path a to path b after a gap g arrives
 * in order when g > delay(a) - delay(b). Round trips to one target share
 * everything but the path, so their differences are the paths'.
 *
 * - The spread, the slowest path's p99 against the fastest one's least,
 *   bounds every such difference: at a timeout above it no move reorders.
 * - The base, the slowest path's least against the fastest one's least,
 *   is the difference that lasts (lengths, standing queues): a move below
 *   it reorders every time the flow goes to a faster path.
 * - Between the two, queues come and go, and a move reorders only when
 *   it leaves a queue that is full for one that is not. How often, the
 *   paths' samples say (delay_reorder_share()); how many moves a timeout
 *   lets the flows make, their gaps say (flowlet_gaps). The timeout is
 *   the least one at which the flows would have made no more
 *   reordering moves than they resent segments (between 0.1 and 1 per
 *   flow per second), delay_move_timeout(). On
 *   shallow queues that is a few milliseconds, and flows leave crowded
 *   paths often; on deep ones it grows toward the spread.
 *
 * Each bound is its difference plus a quarter of it and DELAY_MARGIN_NS;
 * the timeout is the move timeout between them (the spread's without
 * flows), within
 * [DELAY_MIN_TIMEOUT_NS, DELAY_MAX_TIMEOUT_NS]. With fewer
 * than two paths nothing can reorder: DELAY_MIN_TIMEOUT_NS. 0 when a path
 * has no recent delay (not DELAY_OK): the caller keeps its fixed timeout.
 * @windows holds each path's samples (their summaries in @paths); it and
 * @gaps may be NULL (no move rule: the spread's bound); @why gets the
 * spread, the base, the move timeout and the resend window: twice the
 * slowest path's p99 round trip, within which a segment resent after a
 * move is the move's (if not NULL).
 */
#define DELAY_MARGIN_NS	     200000ULL	  /* 200us */
#define DELAY_MIN_TIMEOUT_NS 1000000ULL	  /* 1ms */
#define DELAY_MAX_TIMEOUT_NS 500000000ULL /* 500ms */

__u64 delay_timeout(const struct flowlet_delay *const *paths,
		    const struct delay_window *const *windows, int count,
		    const struct delay_gaps *gaps, __u64 now_ns,
		    struct flowlet_auto *why);

/*
 * Whether the watcher commits a group's new timeout @want over @was, the
 * one in force (@measured: both come from measurements, neither is the
 * fixed value), the group having had @flows active flows in the last
 * look: when it moves by more than a tenth (and 100 us); but a measured
 * timeout does not fall to another while the group has no flows: idle
 * queues say nothing of the ones its next flows will build, which would
 * start at the idle paths' timeout (after 10 s without flows the target
 * goes, and the fixed value comes back).
 */
bool delay_commits(__u64 want, __u64 was, bool measured, __u64 flows);

#endif /* FLOWLET_DELAY_H */
