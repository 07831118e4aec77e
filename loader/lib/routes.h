/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --from-routes: every route of a routing table as paths, path groups and
 * balanced prefixes, as the kernel's FIB has them. A route through
 * gateways is balanced over the group of its next hops, with the route's
 * weights; routes with the same next hops and weights share a group. Any
 * other route (a connected subnet, a blackhole, one through the ingress
 * interface) is left to the kernel, so that it shadows less specific
 * routes as it does in the FIB.
 *
 * A change reaches the data path in three steps, so that every packet
 * finds its group in the config it is decided under: a commit with the
 * new groups beside the old ones (routes_to_config()), the prefixes
 * (routes_put_prefixes()), a commit without the groups no route uses any
 * more (routes_drop_unused_groups()), after which established flows look
 * their destination's group up again.
 */
#ifndef FLOWLET_ROUTES_H
#define FLOWLET_ROUTES_H

#include <stdbool.h>

#include "config.h"
#include "flowlet.h"
#include "nl.h"

#define ROUTE_NOT_BALANCED 0xff /* route_plan.group: left to the kernel */

struct route_plan {
	struct nl_route_entry *entries;
	int count;
	int balanced; /* entries with a group */
	__u8 *group;  /* per entry: its group, or ROUTE_NOT_BALANCED */
};

/* Reads table @table's routes; routes through an ingress port of @ports
 * (NULL: none) are left to the kernel. 0, or -1 after an error. */
int route_plan_read(struct route_plan *plan, __u32 table,
		    const struct flowlet_config *ports);
void route_plan_free(struct route_plan *plan);

/*
 * Makes @c's paths every next hop of the plan's balanced routes
 * (keeping each path that stays at its index; *reused as in
 * paths_from_route()) and gives every balanced route a group: an existing
 * group with its next hops and weights, else a new one. The groups in
 * @c stay (without paths whose index a new next hop took), since the
 * prefixes still name them. 0, or -1 after an error (more than
 * FLOWLET_MAX_PATHS next hops or FLOWLET_MAX_GROUPS groups).
 */
int routes_to_config(struct instance_config *c, struct route_plan *plan,
		     int timeout_ms, __u32 *reused);

/* What routes_put_prefixes() changed, for each prefix (@now NULL when it
 * went). */
typedef void (*route_change_fn)(const struct flowlet_prefix_key *prefix,
				const struct flowlet_prefix_value *now,
				void *ctx);

/* Makes the route entries of the flowlet_prefix map @fd the plan's,
 * calling @fn (if not NULL) for each change: the number of changes, or
 * -1 after an error. */
int routes_put_prefixes(int fd, const struct route_plan *plan,
			route_change_fn fn, void *ctx);

/* Empties the groups of @c no route of the plan uses and refills the
 * slot tables. */
int routes_drop_unused_groups(struct instance_config *c,
			      const struct route_plan *plan);

/* The number of groups in use (with members). */
int routes_group_count(const struct flowlet_config *cfg);

struct route_prefix {
	struct flowlet_prefix_key key;
	struct flowlet_prefix_value value;
};

/* The route entries of the flowlet_prefix map @fd, into *@out (the caller
 * frees it): their number, or -1 with errno set. */
int routes_read_prefixes(int fd, struct route_prefix **out);

#endif /* FLOWLET_ROUTES_H */
