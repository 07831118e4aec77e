/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paths as the kernel sees them: an egress interface and a next hop,
 * with the interface's MAC, the neighbour's MAC and the state of both.
 * attach resolves them once; watch refreshes them on every event.
 */
#ifndef FLOWLET_PATHS_H
#define FLOWLET_PATHS_H

#include <stdbool.h>

#include "flowlet.h"
#include "config.h"
#include "nl.h"
#include "parse.h"

/* ifindex of @name, or 0 after an error. */
int netdev_index(const char *name);

/*
 * A path is @c's path @i: what packets read in c->cfg.paths[i], its next
 * hop in c->meta.paths[i].
 *
 * Fills path @i of @c for @nexthop behind @ifindex: the interface's MAC and the
 * neighbour's, which the kernel is made to resolve if it has no usable
 * entry (waiting up to @timeout_ms). When it cannot be resolved (the
 * interface is down, the next hop is not on its subnet or does not
 * answer): with @required, -1 after an error that says why; else the path
 * is down (FLOWLET_DOWN(LINK) or (NEIGH)) until watch sees it come up, a
 * warning says why if @timeout_ms was given, and 0.
 */
int path_resolve(struct instance_config *c, __u32 i, int ifindex,
		 const struct ip_addr *nexthop, int timeout_ms, bool required);

/* The next hop of path @i of @c as an address. */
void path_nexthop(const struct instance_config *c, __u32 i,
		  struct ip_addr *addr);

/*
 * Reads the kernel's view of path @i of @c now: its link (FLOWLET_DOWN(LINK)),
 * its neighbour entry (FLOWLET_DOWN(NEIGH) when FAILED or unresolved; the MAC
 * when it changed) and the interface's own MAC. With @manage, makes the
 * neighbour entry managed so the kernel keeps it resolved. Returns 0, or
 * -1 if netlink failed (the path is then unchanged).
 */
int path_refresh(struct instance_config *c, __u32 i, bool manage);

/* Whether path @i of @c goes to next hop @h (interface and gateway). */
bool path_is_hop(const struct instance_config *c, __u32 i,
		 const struct nl_nexthop *h);

/*
 * Makes @c's paths the next hops of @route, keeping every path whose
 * next hop is still there at its index (so its flows stay), marking the
 * others FLOWLET_DOWN(ROUTE), and putting new next hops into the places
 * of removed ones, or after the last (their counters are then reset by
 * the caller: *reused gets one bit per reused index). Weights are the
 * route's, scaled to the slot table if they add up to more.
 * Returns 0, or -1 after an error.
 */
int paths_from_route(struct instance_config *c, const struct nl_route *route,
		     int timeout_ms, __u32 *reused);

#endif /* FLOWLET_PATHS_H */
