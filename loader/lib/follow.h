/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeping an instance true to the kernel: what `flowletctl watch` runs
 * after every batch of netlink events. One sync reads the kernel's view of
 * every path (link, neighbour, MAC), of the route the paths follow, and of
 * the local addresses, and commits a config only if something changed.
 */
#ifndef FLOWLET_FOLLOW_H
#define FLOWLET_FOLLOW_H

#include <stdbool.h>

#include "instance.h"

enum follow_kind {
	FOLLOW_STATE,	/* a path went up or down (or to weight 0) */
	FOLLOW_MAC,	/* a next hop's MAC changed */
	FOLLOW_ADDED,	/* the route gained a next hop */
	FOLLOW_WEIGHT,	/* a path's weight changed */
	FOLLOW_LOCAL,	/* a local address came or went */
	FOLLOW_INGRESS, /* an ingress port's MAC changed */
	FOLLOW_ROUTE,	/* --from-routes: a route came, changed or went */
};

struct follow_change {
	enum follow_kind kind;
	__u32 path; /* the path's index (not for FOLLOW_LOCAL) */
	const struct flowlet_path *old, *now;
	const struct flowlet_path_meta *old_hop, *now_hop; /* their next hops */
	const struct flowlet_prefix_key *local;		   /* FOLLOW_LOCAL */
	bool added;					   /* FOLLOW_LOCAL */
	const __u8 *mac; /* FOLLOW_INGRESS: the new */
	int ifindex;	 /* FOLLOW_INGRESS: the ingress port's */
	/* FOLLOW_ROUTE: the route's prefix and what it is now (NULL: gone),
	 * in @cfg, the config committed with it (its groups). */
	const struct flowlet_prefix_key *prefix;
	const struct flowlet_prefix_value *route;
	const struct flowlet_config *cfg;
};

struct follow_report {
	void (*change)(const struct follow_change *c, void *ctx);
	/* After a commit: its generation, and from the event, how long
	 * until the config switched (@switch_ms; -1: it did not, only
	 * prefixes changed): from then on paths that went or went down are
	 * not used and groups have their new weights; until routes'
	 * prefixes named their new groups (@prefixes_ms; -1: none changed);
	 * and until all of it was done (@done_ms: grace periods waited,
	 * the groups no route uses dropped). */
	void (*committed)(__u64 generation, double switch_ms,
			  double prefixes_ms, double done_ms, void *ctx);
	void *ctx;
};

/*
 * Brings @in's config and local addresses in line with the kernel (with
 * --from-routes: the paths, groups and prefixes of every route), with
 * @manage making next hops' neighbour entries managed. Reports each
 * change, then the commit. @since is when the first event of the batch
 * arrived (CLOCK_MONOTONIC seconds); the config in force afterwards goes
 * to @in_force. 0, or -1 after an error (printed).
 */
int follow_sync(const struct instance *in, bool manage,
		const struct follow_report *report, double since,
		struct instance_config *in_force);

#endif /* FLOWLET_FOLLOW_H */
