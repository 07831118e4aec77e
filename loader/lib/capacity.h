/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mode share: what each path carries for a group, estimated by `flowletctl
 * watch` once a look (CAPACITY_LOOK_NS) from two things the path shows. A
 * path whose queue builds up (its probes' round trips rise above its
 * least) carries what it can: what it carried over that look is its
 * capacity for the group, whether the bottleneck is local or remote, and
 * whether other traffic takes a part of it. A path with no queue says
 * only that it could carry what it did. Pure arithmetic: probe.c feeds it,
 * the unit tests check it.
 */
#ifndef FLOWLET_CAPACITY_H
#define FLOWLET_CAPACITY_H

#include <stdbool.h>
#include <linux/types.h>

#include "delay.h"

/* The watcher looks at the paths this often. */
#define CAPACITY_LOOK_NS 500000000ULL /* 500ms */
/* A round trip more than this above its path's least found a queue. */
#define CAPACITY_QUEUED_NS 500000ULL /* 500us */
/* A look in which at least half the probes (and 3) found one saw the
 * path full. */
#define CAPACITY_MIN_SAMPLES 3
/* An estimate no full look has confirmed for this long is forgotten, so
 * that a path whose congestion has gone is tried again. */
#define CAPACITY_AGE_NS 10000000000ULL /* 10s */

struct capacity {
	__u64 bytes;	   /* the path's byte counter at the last look */
	__u64 bytes_per_s; /* the estimate; 0: none */
	__u64 carried;	   /* bytes per second over the last look */
	__u64 full_ns;	   /* the last look that saw the path full */
	bool read;	   /* bytes holds a reading */
};

/* Of @w's samples from round @since on (one look's), the share that
 * found a queue (CAPACITY_QUEUED_NS above the least sample of @w); -1
 * if fewer than CAPACITY_MIN_SAMPLES are that recent. */
double capacity_queued(const struct delay_window *w, __u32 since);

/*
 * One look at a path: its byte counter @bytes, @elapsed_ns after the last
 * look, at @now_ns, and the share of its probes that found a queue
 * (@queued, capacity_queued(); -1: not probed). At half or more, what it
 * carried is its capacity (averaged with the estimate before: a look may
 * begin before the queue does); below, an estimate it exceeded rises to
 * what it carried. A counter that went back (another path took its
 * place) starts it again, without an estimate.
 */
void capacity_look(struct capacity *c, __u64 bytes, __u64 elapsed_ns,
		   double queued, __u64 now_ns);

/* What the data path is given for each of @count paths into @out: its
 * estimate, or for a path without one the most any of them is known to
 * carry (the largest estimate, or what one carried in the last look if
 * more): it is tried as if it were as good, and then measured. 0 where
 * nothing is known. */
void capacity_fill(const struct capacity *const *caps, int count,
		   struct flowlet_capacity *out);

#endif /* FLOWLET_CAPACITY_H */
