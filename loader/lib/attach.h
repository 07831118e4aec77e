/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching flowlet to an interface, and detaching it: what the attach
 * and detach commands and the tests share; hook.h has what differs
 * between XDP and TC. */
#ifndef FLOWLET_ATTACH_H
#define FLOWLET_ATTACH_H

#include <stdbool.h>

#include "config.h"
#include "instance.h"
#include "parse.h"
#include "routes.h"

#define FLOWLET_MAX_PREFIXES	 64
#define FLOWLET_NEIGH_TIMEOUT_MS 3000

struct attach_spec {
	const char *iface; /* the ingress interface (tc-egress: the egress) */
	/* More ingress ports running the same instance (--ingress). */
	const char *more_ingress[FLOWLET_MAX_INGRESS - 1];
	int more_ingress_count;
	enum flowlet_hook hook;
	/* The paths: these (--path), or the next hops of the kernel's route
	 * to @route in table @route_table (route.family != 0), or of every
	 * route through gateways in that table, each prefix over its own
	 * path group (@from_routes). */
	struct path_arg paths[FLOWLET_MAX_PATHS];
	int path_count;
	struct flowlet_prefix_key route;
	__u32 route_table;
	bool from_routes;
	/* Destinations to balance; none: @route's, else all. */
	struct flowlet_prefix_key prefixes[FLOWLET_MAX_PREFIXES];
	int prefix_count;
	struct config_tuning tuning;
	__u32 xdp_flags;  /* 0: native where the driver has it */
	__u64 flow_table; /* 0: FLOWLET_MAX_FLOWS */
	__u32 seed;	  /* the flow hash's seed, if seed_set (else random, or
			   * the instance's on a re-attach) */
	bool seed_set;
};

struct flowlet; /* the skeleton */

/* Loads only @hook's program of the object, and only the maps it uses
 * (before it is loaded). */
void flowlet_select_hook(struct bpf_object *obj, enum flowlet_hook hook);

/* Sizes the flow tables of an object not loaded yet: @flows entries for
 * each family's established flows, 1/FLOWLET_NEW_FLOWS_DIVISOR of that
 * for its flows seen once. */
void flowlet_size_tables(struct flowlet *skel, __u32 flows);

/*
 * Loads flowlet, configures it from @spec and attaches it at the hook of
 * the interface, replacing (hitless: flows and counters kept) a flowlet
 * already there. Fills @c with the config committed, *replaced with
 * whether an instance was there. 0, or -1 after an error that leaves the
 * interface as it was.
 */
int flowlet_attach(const struct attach_spec *spec, struct instance_config *c,
		   bool *replaced);

/* Removes flowlet from @in's hook on every ingress port of the instance;
 * forwarding returns to the kernel. Prints "PORT: detached" for each. 0,
 * or -1 after an error. */
int flowlet_detach(const struct instance *in);

/* The next hops of @c's route as its paths (see paths_from_route()),
 * their counters reset where a new next hop took a removed one's place. */
int instance_follow_route(const struct instance *in, struct instance_config *c,
			  int timeout_ms);

/* The routes of @c's table read into @plan (route_plan_free() it) and
 * made @c's paths and groups (see routes_to_config()), the counters of
 * reused paths reset. 0, or -1 after an error. */
int instance_follow_routes(const struct instance *in, struct instance_config *c,
			   struct route_plan *plan, int timeout_ms);

#endif /* FLOWLET_ATTACH_H */
