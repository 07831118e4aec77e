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

#endif /* FLOWLET_DELAY_H */
