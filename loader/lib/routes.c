// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "config.h"
#include "log.h"
#include "paths.h"
#include "routes.h"

/* Whether route @r leaves through one of @ports' ingress ports. */
static bool through_ingress(const struct nl_route *r,
			    const struct flowlet_config *ports)
{
	for (int h = 0; ports && h < r->count; h++) {
		if (config_is_ingress(ports, r->hops[h].ifindex))
			return true;
	}
	return false;
}

int route_plan_read(struct route_plan *plan, __u32 table,
		    const struct flowlet_config *ports)
{
	int n;

	memset(plan, 0, sizeof(*plan));
	n = nl_route_list(table, &plan->entries);
	if (n < 0) {
		pr_err("cannot read the routes of table %u: %s", table,
		       strerror(errno));
		return -1;
	}
	plan->count = n;
	plan->group = malloc(n ? n : 1);
	if (!plan->group) {
		pr_err("out of memory");
		route_plan_free(plan);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const struct nl_route_entry *e = &plan->entries[i];
		bool ours = !e->err && !through_ingress(&e->route, ports);

		plan->group[i] = ours ? 0 : ROUTE_NOT_BALANCED;
		plan->balanced += ours;
	}
	return 0;
}

void route_plan_free(struct route_plan *plan)
{
	free(plan->entries);
	free(plan->group);
	memset(plan, 0, sizeof(*plan));
}

static bool same_hop(const struct nl_nexthop *a, const struct nl_nexthop *b)
{
	return a->ifindex == b->ifindex &&
	       a->gateway.family == b->gateway.family &&
	       !memcmp(a->gateway.bytes, b->gateway.bytes,
		       sizeof(a->gateway.bytes));
}

/* Every next hop of the balanced routes once, in the order first seen. */
static int union_of_hops(const struct route_plan *plan, struct nl_route *all)
{
	memset(all, 0, sizeof(*all));
	for (int i = 0; i < plan->count; i++) {
		const struct nl_route *r = &plan->entries[i].route;

		if (plan->group[i] == ROUTE_NOT_BALANCED)
			continue;
		for (int h = 0; h < r->count; h++) {
			int k = 0;

			while (k < all->count &&
			       !same_hop(&all->hops[k], &r->hops[h]))
				k++;
			if (k < all->count)
				continue;
			if (all->count == FLOWLET_MAX_PATHS) {
				pr_err("the routes have more than %d next "
				       "hops",
				       FLOWLET_MAX_PATHS);
				return -1;
			}
			all->hops[all->count] = r->hops[h];
			all->hops[all->count++].weight = 1;
		}
	}
	return 0;
}

/* The path index of next hop @h in @c, or -1. */
static int path_of(const struct instance_config *c, const struct nl_nexthop *h)
{
	for (__u32 i = 0; i < c->cfg.path_count; i++) {
		if (path_is_hop(c, i, h))
			return i;
	}
	return -1;
}

/* The group a route's next hops make: members and scaled weights. */
static void route_group(const struct instance_config *c,
			const struct nl_route *r, struct flowlet_group *grp)
{
	__u32 w[FLOWLET_MAX_PATHS] = { 0 };

	memset(grp, 0, sizeof(*grp));
	for (int h = 0; h < r->count; h++) {
		int i = path_of(c, &r->hops[h]);

		if (i < 0)
			continue; /* cannot be: every hop is a path */
		grp->members |= 1u << i;
		w[i] += r->hops[h].weight ? r->hops[h].weight : 1;
	}
	weights_scale(w, FLOWLET_MAX_PATHS);
	for (int i = 0; i < FLOWLET_MAX_PATHS; i++)
		grp->weights[i] = w[i];
}

static bool same_group(const struct flowlet_group *a,
		       const struct flowlet_group *b)
{
	return a->members == b->members &&
	       !memcmp(a->weights, b->weights, sizeof(a->weights));
}

int routes_to_config(struct instance_config *c, struct route_plan *plan,
		     int timeout_ms, __u32 *reused)
{
	struct flowlet_config *cfg = &c->cfg;
	__u64 taken = 0;
	struct nl_route all;

	if (union_of_hops(plan, &all))
		return -1;
	/* Group 0 of a config that did not follow routes before is its
	 * --path paths' group: none of these. */
	if (!c->meta.from_routes)
		cfg->group_count = 0;
	c->meta.from_routes = 1;
	if (paths_from_route(c, &all, timeout_ms, reused))
		return -1;
	for (__u32 g = 0; g < cfg->group_count; g++) {
		struct flowlet_group *grp = &cfg->groups[g];

		if (grp->members)
			taken |= 1ull << g;
		/* A new next hop at a path's index is no member of the
		 * groups the prefixes name now. */
		grp->members &= ~*reused;
		for (int i = 0; i < FLOWLET_MAX_PATHS; i++) {
			if (*reused & (1u << i))
				grp->weights[i] = 0;
		}
	}
	for (int i = 0; i < plan->count; i++) {
		struct flowlet_group want;
		__u32 g;

		if (plan->group[i] == ROUTE_NOT_BALANCED)
			continue;
		route_group(c, &plan->entries[i].route, &want);
		for (g = 0; g < cfg->group_count; g++) {
			if (cfg->groups[g].members &&
			    same_group(&cfg->groups[g], &want))
				break;
		}
		if (g == cfg->group_count) {
			for (g = 0; g < FLOWLET_MAX_GROUPS; g++) {
				if (!(taken & (1ull << g)))
					break;
			}
			if (g == FLOWLET_MAX_GROUPS) {
				pr_err("the routes need more than %d path "
				       "groups (distinct sets of next hops "
				       "and weights)",
				       FLOWLET_MAX_GROUPS);
				return -1;
			}
			cfg->groups[g] = want;
			if (g >= cfg->group_count)
				cfg->group_count = g + 1;
		}
		taken |= 1ull << g;
		plan->group[i] = g;
	}
	return config_fill_slots(c);
}

int routes_drop_unused_groups(struct instance_config *c,
			      const struct route_plan *plan)
{
	struct flowlet_config *cfg = &c->cfg;
	__u64 used = 0;

	for (int i = 0; i < plan->count; i++) {
		if (plan->group[i] != ROUTE_NOT_BALANCED)
			used |= 1ull << plan->group[i];
	}
	for (__u32 g = 0; g < cfg->group_count; g++) {
		if (!(used & (1ull << g)))
			memset(&cfg->groups[g], 0, sizeof(cfg->groups[g]));
	}
	while (cfg->group_count && !cfg->groups[cfg->group_count - 1].members)
		cfg->group_count--;
	return config_fill_slots(c);
}

int routes_group_count(const struct flowlet_config *cfg)
{
	int n = 0;

	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++)
		n += cfg->groups[g].members != 0;
	return n;
}

/* The plan's entry for @key, or -1. */
static int plan_find(const struct route_plan *plan,
		     const struct flowlet_prefix_key *key)
{
	for (int i = 0; i < plan->count; i++) {
		if (prefix_equal(&plan->entries[i].prefix, key))
			return i;
	}
	return -1;
}

/* delete_stale()'s plan and report. */
struct stale_ctx {
	const struct route_plan *plan;
	route_change_fn fn;
	void *ctx;
};

/* An entry a route put: with --from-routes, every prefix balanced or
 * left to the kernel is a route's (the others are config_put_never()'s
 * and config_sync_local()'s). */
static bool route_entry(const struct flowlet_prefix_value *v)
{
	return v->action == FLOWLET_PREFIX_BALANCE ||
	       v->action == FLOWLET_PREFIX_KERNEL;
}

/* A route entry whose route is no longer in the plan. */
static bool stale(const struct flowlet_prefix_key *key,
		  const struct flowlet_prefix_value *v, void *ctx)
{
	const struct stale_ctx *s = ctx;

	return route_entry(v) && plan_find(s->plan, key) < 0;
}

static void report_stale(const struct flowlet_prefix_key *key, void *ctx)
{
	const struct stale_ctx *s = ctx;

	if (s->fn)
		s->fn(key, NULL, s->ctx);
}

/* Deletes the route entries of map @fd that are not in the plan. */
static int delete_stale(int fd, const struct route_plan *plan,
			route_change_fn fn, void *ctx)
{
	struct stale_ctx s = { plan, fn, ctx };

	return config_prefix_delete_if(fd, stale, report_stale, &s);
}

int routes_put_prefixes(int fd, const struct route_plan *plan,
			route_change_fn fn, void *ctx)
{
	int changes = 0, stale;

	for (int i = 0; i < plan->count; i++) {
		const struct flowlet_prefix_key *key = &plan->entries[i].prefix;
		bool balanced = plan->group[i] != ROUTE_NOT_BALANCED;
		struct flowlet_prefix_value now = {
			.action = balanced ? FLOWLET_PREFIX_BALANCE
					   : FLOWLET_PREFIX_KERNEL,
			.group = balanced ? plan->group[i] : 0,
		};
		struct flowlet_prefix_value old;
		bool had = !bpf_map_lookup_elem(fd, key, &old);

		if (had && (!memcmp(&old, &now, sizeof(now)) ||
			    old.action == FLOWLET_PREFIX_LOCAL))
			continue;
		/* What flowlet itself never balances (multicast, link-local)
		 * stays so for a route the kernel leaves to itself too. */
		if (had && old.action == FLOWLET_PREFIX_SKIP && !balanced)
			continue;
		if (bpf_map_update_elem(fd, key, &now, BPF_ANY)) {
			pr_err("cannot update flowlet_prefix: %s",
			       strerror(errno));
			return -1;
		}
		if (fn)
			fn(key, &now, ctx);
		changes++;
	}
	stale = delete_stale(fd, plan, fn, ctx);
	return stale < 0 ? -1 : changes + stale;
}

int routes_read_prefixes(int fd, struct route_prefix **out)
{
	struct flowlet_prefix_key key;
	struct flowlet_prefix_value v;
	struct route_prefix *list = NULL;
	void *prev = NULL;
	int count = 0, cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || !route_entry(&v))
			continue;
		if (count == cap) {
			void *more;

			cap = cap ? 2 * cap : 64;
			more = realloc(list, cap * sizeof(*list));
			if (!more) {
				free(list);
				errno = ENOMEM;
				return -1;
			}
			list = more;
		}
		list[count].key = key;
		list[count++].value = v;
	}
	if (errno != ENOENT) {
		free(list);
		return -1;
	}
	*out = list;
	return count;
}
