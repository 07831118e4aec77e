// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "attach.h"
#include "config.h"
#include "follow.h"
#include "log.h"
#include "paths.h"
#include "routes.h"

/* Reports what differs between path @i of @old and of @now. */
static void report_path(const struct follow_report *r,
			const struct instance_config *old,
			const struct instance_config *now, __u32 i)
{
	static const struct flowlet_path none;
	static const struct flowlet_path_meta no_hop;
	struct follow_change c = {
		.path = i,
		.old = i < old->cfg.path_count ? &old->cfg.paths[i] : &none,
		.now = &now->cfg.paths[i],
		.old_hop =
			i < old->cfg.path_count ? &old->meta.paths[i] : &no_hop,
		.now_hop = &now->meta.paths[i],
	};
	const struct flowlet_path *a = c.old, *b = c.now;
	bool weight = false, state = false,
	     replaced = a->ifindex != b->ifindex ||
			memcmp(c.old_hop->nexthop, c.now_hop->nexthop,
			       sizeof(c.now_hop->nexthop)) ||
			(a->down & FLOWLET_DOWN(ROUTE) &&
			 !(b->down & FLOWLET_DOWN(ROUTE)));

	if (!r || !r->change)
		return;
	if (replaced) {
		c.kind = FOLLOW_ADDED;
		r->change(&c, r->ctx);
		return;
	}
	state = a->down != b->down || !a->weight != !b->weight;
	weight = !state && a->weight != b->weight;
	if (state || weight) {
		c.kind = state ? FOLLOW_STATE : FOLLOW_WEIGHT;
		r->change(&c, r->ctx);
	}
	if (memcmp(a->dst_mac, b->dst_mac, sizeof(a->dst_mac)) ||
	    memcmp(a->src_mac, b->src_mac, sizeof(a->src_mac))) {
		c.kind = FOLLOW_MAC;
		r->change(&c, r->ctx);
	}
}

/* The local addresses config_sync_local() added and removed, reported
 * once established flows to the added ones are gone. */
struct local_sync {
	struct flowlet_prefix_key *keys;
	bool *added;
	int count, n_added, cap;
	bool failed;
};

static void collect_local(const struct flowlet_prefix_key *key, bool added,
			  void *ctx)
{
	struct local_sync *l = ctx;

	if (l->count == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		void *k = realloc(l->keys, cap * sizeof(*l->keys));
		void *a = k ? realloc(l->added, cap * sizeof(*l->added)) : NULL;

		if (k)
			l->keys = k;
		if (!a) {
			l->failed = true;
			return;
		}
		l->added = a;
		l->cap = cap;
	}
	l->keys[l->count] = *key;
	l->added[l->count++] = added;
	l->n_added += added;
}

/* Syncs the local addresses into the prefixes; established flows to an
 * address that became local would go on being forwarded (the data path
 * looks up only new flows' destinations), so they are deleted before the
 * changes are reported. */
static int sync_local(const struct instance *in, const struct follow_report *r)
{
	struct local_sync l = { 0 };
	int err = config_sync_local(in->fds[MAP_PREFIX], collect_local, &l);

	if (!err && l.failed) {
		pr_err("%s: out of memory", in->iface);
		err = -1;
	}
	/* Within every changed address: flows to a removed one are
	 * balanced again, and stay. */
	if (!err && l.n_added &&
	    instance_drop_unbalanced(in, l.keys, l.count) < 0)
		err = -1;
	for (int i = 0; !err && i < l.count && r && r->change; i++) {
		struct follow_change c = { .kind = FOLLOW_LOCAL,
					   .local = &l.keys[i],
					   .added = l.added[i] };

		r->change(&c, r->ctx);
	}
	free(l.keys);
	free(l.added);
	return err;
}

/* The part of a config that sync may change, compared. */
static bool same_config(const struct instance_config *x,
			const struct instance_config *y)
{
	const struct flowlet_config *a = &x->cfg, *b = &y->cfg;

	if (a->path_count != b->path_count ||
	    a->group_count != b->group_count ||
	    memcmp(a->ingress, b->ingress, sizeof(a->ingress)) ||
	    memcmp(a->groups, b->groups, a->group_count * sizeof(a->groups[0])))
		return false;
	for (__u32 i = 0; i < a->path_count; i++) {
		const struct flowlet_path *p = &a->paths[i], *q = &b->paths[i];
		const struct flowlet_path_meta *m = &x->meta.paths[i],
					       *n = &y->meta.paths[i];

		if (p->ifindex != q->ifindex || p->weight != q->weight ||
		    p->down != q->down || m->route_weight != n->route_weight ||
		    memcmp(p->dst_mac, q->dst_mac, sizeof(p->dst_mac)) ||
		    memcmp(p->src_mac, q->src_mac, sizeof(p->src_mac)) ||
		    memcmp(m->nexthop, n->nexthop, sizeof(m->nexthop)))
			return false;
	}
	return true;
}

struct sync {
	const struct instance *in;
	bool manage;
	struct instance_config old;
	struct route_plan plan; /* --from-routes: the routes read, if */
	bool routes_read;
};

/* The config in force, brought in line with the kernel: 1 if it already
 * is, 0 to commit it. */
static int sync_change(struct instance_config *c, void *ctx)
{
	struct flowlet_config *now = &c->cfg;
	const struct flowlet_meta *meta = &c->meta;
	struct sync *s = ctx;
	struct nl_link ingress;

	s->old = *c;
	/* Frames are routed only when sent to an ingress port's MAC. */
	for (__u32 i = 0; i < now->ingress_count && i < FLOWLET_MAX_INGRESS;
	     i++) {
		if (!nl_link_get(now->ingress[i].ifindex, &ingress))
			memcpy(now->ingress[i].mac, ingress.mac,
			       sizeof(ingress.mac));
	}
	/* A route that cannot be read (being replaced, or gone) leaves the
	 * paths as they are: the next route event tries again. */
	route_plan_free(&s->plan);
	s->routes_read = meta->from_routes;
	if (meta->from_routes &&
	    instance_follow_routes(s->in, c, &s->plan, 0)) {
		s->routes_read = false;
		config_copy_paths(c, &s->old);
		now->group_count = s->old.cfg.group_count;
		memcpy(now->groups, s->old.cfg.groups, sizeof(now->groups));
	} else if (!meta->from_routes && meta->route.family &&
		   instance_follow_route(s->in, c, 0)) {
		config_copy_paths(c, &s->old);
	}
	for (__u32 i = 0; i < now->path_count; i++) {
		if (now->paths[i].down & FLOWLET_DOWN(ROUTE))
			continue;
		if (path_refresh(c, i, s->manage))
			pr_warn("%s: cannot read path %u from the kernel: %m",
				s->in->iface, i);
	}
	if (meta->route.family && !meta->from_routes ? config_scale_weights(c)
						     : config_fill_slots(c))
		return -1;
	return same_config(&s->old, c) ? 1 : 0;
}

/* Routes whose prefix changed, reported once the commit that drops the
 * groups they left is in force. */
struct route_changes {
	struct flowlet_prefix_key *keys;
	struct flowlet_prefix_value *values; /* action 0xff: gone */
	int count, cap;
	bool failed;
};

static void collect_route(const struct flowlet_prefix_key *prefix,
			  const struct flowlet_prefix_value *now, void *ctx)
{
	static const struct flowlet_prefix_value gone = { .action = 0xff };
	struct route_changes *rc = ctx;

	if (rc->count == rc->cap) {
		int cap = rc->cap ? 2 * rc->cap : 16;
		void *k = realloc(rc->keys, cap * sizeof(*rc->keys));
		void *v = k ? realloc(rc->values, cap * sizeof(*rc->values))
			    : NULL;

		if (k)
			rc->keys = k;
		if (!v) {
			rc->failed = true;
			return;
		}
		rc->values = v;
		rc->cap = cap;
	}
	rc->keys[rc->count] = *prefix;
	rc->values[rc->count++] = now ? *now : gone;
}

/* The second commit of a route change: without the groups no route uses
 * now; it also makes established flows look their group up again. */
static int drop_groups(struct instance_config *c, void *ctx)
{
	return routes_drop_unused_groups(c, ctx);
}

/* After the commit of the paths and groups: the prefixes, then the
 * commit that drops unused groups. Reports each route that changed;
 * *prefixes_at: when the prefixes were updated, if they changed. */
static int sync_routes(const struct instance *in, struct sync *s,
		       const struct follow_report *r,
		       struct instance_config *in_force, double *prefixes_at)
{
	struct route_changes rc = { 0 };
	int changes = routes_put_prefixes(in->fds[MAP_PREFIX], &s->plan,
					  collect_route, &rc);
	int err = changes < 0 || rc.failed;

	*prefixes_at = monotonic_seconds();
	if (!err && changes &&
	    instance_update(in, drop_groups, &s->plan, in_force))
		err = -1;
	for (int i = 0; !err && i < rc.count && r && r->change; i++) {
		struct follow_change c = { .kind = FOLLOW_ROUTE,
					   .prefix = &rc.keys[i],
					   .cfg = &in_force->cfg };

		if (rc.values[i].action != 0xff)
			c.route = &rc.values[i];
		r->change(&c, r->ctx);
	}
	free(rc.keys);
	free(rc.values);
	return err ? -1 : changes;
}

int follow_sync(const struct instance *in, bool manage,
		const struct follow_report *report, double since,
		struct instance_config *in_force)
{
	struct sync s = { .in = in, .manage = manage };
	struct flowlet_config *now = &in_force->cfg;
	double switch_at = 0, prefixes_at = 0;
	int ret, routes = 0;

	if (sync_local(in, report))
		return -1;
	ret = instance_update(in, sync_change, &s, in_force);
	if (ret > 0)
		*in_force = s.old; /* nothing changed: the config read stands */
	if (ret == 0)
		switch_at = instance_last_flip();
	if (ret >= 0 && s.routes_read)
		routes = sync_routes(in, &s, report, in_force, &prefixes_at);
	route_plan_free(&s.plan);
	if (ret < 0 || routes < 0)
		return -1;
	if (ret > 0 && !routes)
		return 0;
	for (__u32 i = 0; i < now->path_count; i++)
		report_path(report, &s.old, in_force, i);
	for (__u32 i = 0; i < now->ingress_count && i < FLOWLET_MAX_INGRESS &&
			  report && report->change;
	     i++) {
		struct follow_change c = { .kind = FOLLOW_INGRESS,
					   .ifindex = now->ingress[i].ifindex,
					   .mac = now->ingress[i].mac };

		if (memcmp(s.old.cfg.ingress[i].mac, now->ingress[i].mac,
			   sizeof(now->ingress[i].mac)))
			report->change(&c, report->ctx);
	}
	if (report && report->committed)
		report->committed(
			now->generation,
			switch_at ? (switch_at - since) * 1000 : -1,
			routes > 0 ? (prefixes_at - since) * 1000 : -1,
			(monotonic_seconds() - since) * 1000, report->ctx);
	return 0;
}
