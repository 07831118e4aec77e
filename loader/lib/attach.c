// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "attach.h"
#include "flowlet.skel.h"
#include "hook.h"
#include "log.h"
#include "names.h"
#include "paths.h"

/* The paths given with --path: interfaces, MACs, next hops. */
static int resolve_paths(const struct attach_spec *spec,
			 struct instance_config *c)
{
	struct flowlet_config *cfg = &c->cfg;

	for (int i = 0; i < spec->path_count; i++) {
		const struct path_arg *arg = &spec->paths[i];
		int ifindex;

		for (int j = 0; j < i; j++) {
			if (!strcmp(spec->paths[j].dev, arg->dev) &&
			    !memcmp(&spec->paths[j].nexthop, &arg->nexthop,
				    sizeof(arg->nexthop))) {
				pr_err("--path %s@... is given twice",
				       arg->dev);
				return -1;
			}
		}
		ifindex = netdev_index(arg->dev);
		if (!ifindex)
			return -1;
		if (config_is_ingress(cfg, ifindex) &&
		    spec->hook != FLOWLET_HOOK_TC_EGRESS) {
			pr_err("--path %s: the egress interface is an ingress "
			       "interface",
			       arg->dev);
			return -1;
		}
		if (path_resolve(c, i, ifindex, &arg->nexthop,
				 FLOWLET_NEIGH_TIMEOUT_MS, true))
			return -1;
	}
	cfg->path_count = spec->path_count;
	return 0;
}

static const char *route_error(int err)
{
	switch (err) {
	case ENOENT:
		return "no such route (ip route show table TABLE lists them)";
	case E2BIG:
		return "more next hops than flowlet has paths";
	case EOPNOTSUPP:
		return "not a unicast route through gateways (a blackhole, a "
		       "device route, a nested group?)";
	}
	return strerror(err);
}

/* A new next hop took the places in @reused: its counters start at 0. */
static void reset_paths(const struct instance *in,
			const struct flowlet_config *cfg, __u32 reused)
{
	for (__u32 i = 0; reused && i < cfg->path_count; i++) {
		if (reused & (1u << i))
			instance_reset_path(in, i);
	}
}

int instance_follow_route(const struct instance *in, struct instance_config *c,
			  int timeout_ms)
{
	const struct flowlet_meta *meta = &c->meta;
	struct flowlet_config *cfg = &c->cfg;
	struct nl_route route;
	char prefix[64];
	__u32 reused;

	if (nl_route_get(&meta->route, meta->route_table, &route)) {
		format_prefix(&meta->route, prefix, sizeof(prefix));
		pr_err("route %s in table %u: %s", prefix, meta->route_table,
		       route_error(errno));
		return -1;
	}
	for (int h = 0; h < route.count; h++) {
		char dev[IF_NAMESIZE] = "?";

		if (config_is_ingress(cfg, route.hops[h].ifindex) &&
		    in->hook != FLOWLET_HOOK_TC_EGRESS) {
			if_indextoname(route.hops[h].ifindex, dev);
			pr_err("the route leaves through the ingress "
			       "interface %s",
			       dev);
			return -1;
		}
	}
	if (paths_from_route(c, &route, timeout_ms, &reused))
		return -1;
	reset_paths(in, cfg, reused);
	return 0;
}

int instance_follow_routes(const struct instance *in, struct instance_config *c,
			   struct route_plan *plan, int timeout_ms)
{
	__u32 reused;

	if (route_plan_read(plan, c->meta.route_table,
			    in->hook == FLOWLET_HOOK_TC_EGRESS ? NULL
							       : &c->cfg))
		return -1;
	if (routes_to_config(c, plan, timeout_ms, &reused))
		return -1;
	reset_paths(in, &c->cfg, reused);
	return 0;
}

/*
 * With native XDP, the kernel silently drops frames redirected into a
 * device that cannot take them (a veth whose peer has neither an XDP
 * program nor GRO). Generic XDP transmits skbs and has no such limit.
 */
static void check_paths_accept_redirects(const struct flowlet_config *cfg,
					 const char *iface)
{
	for (__u32 i = 0; i < cfg->path_count; i++) {
		char dev[IF_NAMESIZE] = "?";
		__u64 features;

		if (cfg->paths[i].down & FLOWLET_DOWN(ROUTE) ||
		    nl_xdp_features(cfg->paths[i].ifindex, &features) ||
		    features & NETDEV_XDP_ACT_NDO_XMIT)
			continue;
		if_indextoname(cfg->paths[i].ifindex, dev);
		pr_warn("%s: path %u (%s) does not accept redirected frames, "
			"the kernel will drop them: if it is a veth, enable "
			"GRO on its peer (ethtool -K PEER gro on, in the "
			"peer's namespace) or attach an XDP program there",
			iface, i, dev);
	}
}

static bool same_route(const struct flowlet_meta *a,
		       const struct flowlet_meta *b)
{
	return a->route_table == b->route_table &&
	       a->from_routes == b->from_routes &&
	       (a->from_routes || prefix_equal(&a->route, &b->route));
}

/* The paths and groups of a config following every route of a table: on a
 * re-attach to the same table the old ones, so that flows keep their
 * paths. None of the old groups outlives the attach: the new program
 * starts with the plan's prefixes. */
static int routes_config(const struct attach_spec *spec,
			 const struct instance *old,
			 const struct instance_config *was,
			 struct instance_config *c, struct route_plan *plan)
{
	struct flowlet_config *cfg = &c->cfg;
	char table[16];

	c->meta.from_routes = 1;
	c->meta.route_table = spec->route_table;
	if (was && same_route(&was->meta, &c->meta)) {
		config_copy_paths(c, was);
		cfg->group_count = was->cfg.group_count;
		memcpy(cfg->groups, was->cfg.groups, sizeof(cfg->groups));
	}
	if (instance_follow_routes(old, c, plan, FLOWLET_NEIGH_TIMEOUT_MS))
		return -1;
	/* At boot, before the routing daemon has installed its routes:
	 * watch balances them when they come. */
	if (!plan->balanced) {
		snprintf(table, sizeof(table), "%u", spec->route_table);
		pr_warn("table %s has no route through gateways yet (ip route "
			"show table %s): everything goes to the kernel until "
			"flowletctl watch sees one",
			table, table);
	}
	return routes_drop_unused_groups(c, plan);
}

/* The configuration for a (re)attach: paths, tuning and, on a re-attach,
 * the old instance's hash seed so that ecmp flows keep their paths (and,
 * following the same route, its path order), unless --seed gives one. */
/* The ingress ports: the interface named, then --ingress's. */
static int ingress_ports(const struct attach_spec *spec, int ingress,
			 struct flowlet_config *cfg)
{
	struct nl_link link;

	cfg->ingress_count = 1 + spec->more_ingress_count;
	for (__u32 i = 0; i < cfg->ingress_count; i++) {
		const char *name = i ? spec->more_ingress[i - 1] : spec->iface;
		int ifindex = i ? netdev_index(name) : ingress;

		if (!ifindex)
			return -1;
		for (__u32 j = 0; j < i; j++) {
			if ((int)cfg->ingress[j].ifindex == ifindex) {
				pr_err("--ingress %s: already an ingress port",
				       name);
				return -1;
			}
		}
		if (nl_link_get(ifindex, &link)) {
			pr_err("%s: cannot read the interface: %s", name,
			       strerror(errno));
			return -1;
		}
		cfg->ingress[i].ifindex = ifindex;
		memcpy(cfg->ingress[i].mac, link.mac, sizeof(link.mac));
	}
	return 0;
}

static int build_config(const struct attach_spec *spec, int ingress,
			const struct instance *old, struct instance_config *c,
			struct route_plan *plan)
{
	struct flowlet_config *cfg = &c->cfg;
	struct instance_config was;
	bool have_old =
		old->fds[MAP_CONFIG] >= 0 && !instance_read_config(old, &was);

	config_init(c);
	if (have_old)
		cfg->generation = was.cfg.generation;
	if (spec->seed_set)
		cfg->hash_seed = spec->seed;
	else if (have_old)
		cfg->hash_seed = was.cfg.hash_seed;
	else if (getrandom(&cfg->hash_seed, sizeof(cfg->hash_seed), 0) < 0)
		return -1;
	if (ingress_ports(spec, ingress, cfg))
		return -1;
	if (spec->from_routes) {
		if (routes_config(spec, old, have_old ? &was : NULL, c, plan))
			return -1;
	} else if (spec->route.family) {
		c->meta.route = spec->route;
		c->meta.route_table = spec->route_table;
		if (have_old && same_route(&was.meta, &c->meta))
			config_copy_paths(c, &was);
		if (instance_follow_route(old, c, FLOWLET_NEIGH_TIMEOUT_MS))
			return -1;
	} else if (resolve_paths(spec, c)) {
		return -1;
	}
	return config_apply_tuning(&spec->tuning, c);
}

static bool same_paths(const struct instance_config *a,
		       const struct instance_config *b)
{
	if (a->cfg.path_count != b->cfg.path_count)
		return false;
	for (__u32 i = 0; i < a->cfg.path_count; i++) {
		if (a->cfg.paths[i].ifindex != b->cfg.paths[i].ifindex ||
		    memcmp(a->meta.paths[i].nexthop, b->meta.paths[i].nexthop,
			   sizeof(a->meta.paths[i].nexthop)))
			return false;
	}
	return true;
}

/* A re-attach keeps the flow tables and the global counters, and the
 * per-path counters and loads while the paths stay the same. */
static int reuse_maps(struct flowlet *skel, const struct instance *old,
		      const struct attach_spec *spec,
		      const struct instance_config *c)
{
	struct instance_config was;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	bool paths_kept;
	struct {
		enum instance_map map;
		bool kept;
	} maps[] = {
		{ MAP_FLOWS, true },  { MAP_NEW, true },
		{ MAP_FLOWS6, true }, { MAP_NEW6, true },
		{ MAP_STATS, true },  { MAP_PSTATS, false },
		{ MAP_LOAD, false },  { MAP_DELAY, false },
		{ MAP_GAPS, true },   { MAP_AUTO, false },
		{ MAP_SHARE, false }, { MAP_CAPACITY, false },
	};

	if (bpf_obj_get_info_by_fd(old->fds[MAP_FLOWS], &info, &len))
		return -1;
	if (spec->flow_table && spec->flow_table != info.max_entries) {
		pr_err("%s: the flow table has %u entries; a live re-attach "
		       "keeps it (detach first to resize)",
		       spec->iface, info.max_entries);
		return -1;
	}
	paths_kept = !instance_read_config(old, &was) && same_paths(&was, c);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct bpf_map *map;

		if (!maps[i].kept && !paths_kept)
			continue;
		map = bpf_object__find_map_by_name(
			skel->obj, instance_map_name(maps[i].map));
		if (!map || bpf_map__reuse_fd(map, old->fds[maps[i].map])) {
			pr_err("%s: cannot reuse map %s", spec->iface,
			       instance_map_name(maps[i].map));
			return -1;
		}
	}
	return 0;
}

/* An ingress port: the instance there before, or none. */
struct port {
	struct instance old;
	bool attached; /* the new program runs there */
};

/* The XDP mode for @spec: a re-attach keeps the old one. */
static int xdp_flags_for(const struct attach_spec *spec,
			 const struct instance *old, __u32 *flags)
{
	*flags = spec->xdp_flags;
	if (old->prog_fd < 0 || spec->hook != FLOWLET_HOOK_XDP)
		return 0;
	if (*flags && *flags != old->xdp_flags) {
		pr_err("%s: flowlet runs in %s XDP mode; detach before "
		       "switching to %s",
		       spec->iface, xdp_mode_name(old->xdp_flags),
		       xdp_mode_name(*flags));
		return -1;
	}
	*flags = old->xdp_flags;
	return 0;
}

/* What to do about another program where flowlet would attach, after the
 * refusal: an interface runs one XDP program (libxdp's dispatcher, which
 * would let several share it, is refused by a locked-down kernel), while
 * a clsact hook holds many filters. */
static const char *other_program_hint(enum flowlet_hook hook)
{
	return hook == FLOWLET_HOOK_XDP
		       ? ": an interface runs one XDP program; attach with "
			 "--hook tc-ingress, which shares it with other TC "
			 "filters, or detach that program first"
		       : ": it holds flowlet's filter handle and priority; "
			 "detach it first";
}

/* What runs at the hook of each ingress port beside the first, which must
 * be nothing or the instance being replaced. 0, or -1 after an error. */
static int probe_ports(const struct attach_spec *spec,
		       const struct flowlet_config *cfg,
		       const struct instance *old, struct port *ports)
{
	for (__u32 i = 1; i < cfg->ingress_count; i++) {
		struct instance *in = &ports[i].old;

		switch (instance_probe(cfg->ingress[i].ifindex, spec->hook,
				       in)) {
		case INSTANCE_NONE:
			continue;
		case INSTANCE_FOUND:
			if (old->prog_fd >= 0 && in->prog_id == old->prog_id)
				continue;
			pr_err("--ingress %s: another flowlet instance runs "
			       "there (prog %u); detach it first",
			       in->iface, in->prog_id);
			return -1;
		case INSTANCE_OTHER:
			pr_err("--ingress %s: already runs %s program '%s' (id "
			       "%u)%s",
			       in->iface, hook_name(spec->hook), in->prog_name,
			       in->prog_id, other_program_hint(spec->hook));
			return -1;
		case INSTANCE_STALE:
			pr_err("--ingress %s: flowlet of another version runs "
			       "there (prog %u); detach it first",
			       in->iface, in->prog_id);
			return -1;
		case INSTANCE_ERROR:
			return -1;
		}
	}
	return 0;
}

/* Puts back what ran at each port before the new program: used when a
 * later port refused it. */
static void restore_ports(const struct attach_spec *spec,
			  const struct flowlet_config *cfg, struct port *ports,
			  int prog_fd, __u32 flags)
{
	for (__u32 i = 0; i < cfg->ingress_count; i++) {
		const struct instance *old = &ports[i].old;

		if (!ports[i].attached)
			continue;
		if (old->prog_fd >= 0)
			hook_attach(old->iface, old->ifindex, spec->hook,
				    old->prog_fd, prog_fd, flags);
		else
			hook_detach(cfg->ingress[i].ifindex, spec->hook,
				    prog_fd, flags);
	}
}

/* Attaches the loaded program at every ingress port, replacing the old
 * instance where it ran; all or none. */
static int attach_ports(const struct attach_spec *spec,
			const struct flowlet_config *cfg, struct port *ports,
			struct flowlet *skel)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(
		skel->obj, hook_prog_name(spec->hook));
	int prog_fd = prog ? bpf_program__fd(prog) : -1;
	__u32 flags;

	if (prog_fd < 0 || xdp_flags_for(spec, &ports[0].old, &flags))
		return -1;
	for (__u32 i = 0; i < cfg->ingress_count; i++) {
		const struct instance *old = &ports[i].old;
		char name[IF_NAMESIZE] = "?";

		if_indextoname(cfg->ingress[i].ifindex, name);
		if (hook_attach(name, cfg->ingress[i].ifindex, spec->hook,
				prog_fd, old->prog_fd,
				old->prog_fd >= 0 ? old->xdp_flags : flags)) {
			restore_ports(spec, cfg, ports, prog_fd, flags);
			return -1;
		}
		ports[i].attached = true;
	}
	return 0;
}

/* After a re-attach: the old instance leaves the ports it no longer has. */
static void leave_old_ports(const struct attach_spec *spec,
			    const struct instance *old,
			    const struct flowlet_config *cfg)
{
	struct instance_config was;

	if (old->fds[MAP_CONFIG] < 0 || instance_read_config(old, &was))
		return;
	for (__u32 i = 1; i < was.cfg.ingress_count; i++) {
		int ifindex = was.cfg.ingress[i].ifindex;
		struct instance there;

		if (config_is_ingress(cfg, ifindex))
			continue;
		if (instance_probe(ifindex, spec->hook, &there) ==
			    INSTANCE_FOUND &&
		    there.prog_id == old->prog_id)
			hook_detach(ifindex, spec->hook, there.prog_fd,
				    there.xdp_flags);
		instance_close(&there);
	}
}

void flowlet_select_hook(struct bpf_object *obj, enum flowlet_hook hook)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) bpf_program__set_autoload(
		prog, !strcmp(bpf_program__name(prog), hook_prog_name(hook)));
	/* The devmap is XDP's alone. */
	bpf_map__set_autocreate(
		bpf_object__find_map_by_name(obj, instance_map_name(MAP_PORTS)),
		hook == FLOWLET_HOOK_XDP);
}

/* The prefixes to balance: --from-routes' routes, else --prefix's, else
 * the route's, else all. */
static int fill_prefixes(const struct attach_spec *spec,
			 const struct route_plan *plan, int fd)
{
	if (spec->from_routes)
		return config_put_never(fd) ||
		       routes_put_prefixes(fd, plan, NULL, NULL) < 0 ||
		       config_sync_local(fd, NULL, NULL);
	if (spec->prefix_count || !spec->route.family)
		return config_fill_prefixes(fd, spec->prefixes,
					    spec->prefix_count);
	return config_fill_prefixes(fd, &spec->route, 1);
}

void flowlet_size_tables(struct flowlet *skel, __u32 flows)
{
	struct bpf_map *tables[] = { skel->maps.flowlet_flows,
				     skel->maps.flowlet_flows6,
				     skel->maps.flowlet_new,
				     skel->maps.flowlet_new6 };

	for (int i = 0; i < 4; i++)
		bpf_map__set_max_entries(
			tables[i],
			i < 2 ? flows : flows / FLOWLET_NEW_FLOWS_DIVISOR);
}

/* The maps that are the loader's alone: the program never names them,
 * so the kernel is told to keep them with the program (and to list them
 * among the program's maps, where flowletctl finds them). */
static const enum instance_map loader_maps[] = { MAP_META, MAP_DELAY,
						 MAP_AUTO };

static int bind_loader_maps(struct flowlet *skel)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
	{
		if (!bpf_program__autoload(prog))
			continue;
		for (size_t i = 0;
		     i < sizeof(loader_maps) / sizeof(loader_maps[0]); i++) {
			const char *name = instance_map_name(loader_maps[i]);
			struct bpf_map *map =
				bpf_object__find_map_by_name(skel->obj, name);

			if (!map || bpf_prog_bind_map(bpf_program__fd(prog),
						      bpf_map__fd(map), NULL)) {
				pr_err("cannot bind %s to the program: %s",
				       name, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* An instance is attached again through the interface attach named
 * first: from another of its ports, the name would change. */
static bool not_first_port(const struct instance *old)
{
	struct instance_config was;
	char first[IF_NAMESIZE] = "?";

	if (instance_read_config(old, &was) || was.cfg.ingress_count < 2 ||
	    (int)was.cfg.ingress[0].ifindex == old->ifindex)
		return false;
	if_indextoname(was.cfg.ingress[0].ifindex, first);
	pr_err("%s is an ingress port of the flowlet instance on %s: attach "
	       "there (or detach first)",
	       old->iface, first);
	return true;
}

int flowlet_attach(const struct attach_spec *spec, struct instance_config *c,
		   bool *replaced)
{
	struct flowlet_config *cfg = &c->cfg;
	struct port ports[FLOWLET_MAX_INGRESS] = { 0 };
	struct instance *old = &ports[0].old, now, fresh;
	struct route_plan plan = { 0 };
	struct flowlet *skel = NULL;
	int ifindex, ret = -1;

	for (int i = 0; i < FLOWLET_MAX_INGRESS; i++)
		instance_init(&ports[i].old, 0, spec->hook);
	instance_init(&fresh, 0, spec->hook);
	ifindex = netdev_index(spec->iface);
	if (!ifindex)
		return -1;
	switch (instance_probe(ifindex, spec->hook, old)) {
	case INSTANCE_OTHER:
		pr_err("%s: already runs %s program '%s' (id %u)%s",
		       spec->iface, hook_name(spec->hook), old->prog_name,
		       old->prog_id, other_program_hint(spec->hook));
		goto out;
	case INSTANCE_ERROR:
		goto out;
	case INSTANCE_STALE:
		pr_warn("%s: replacing flowlet prog %u of another version: "
			"its flows and counters are not kept",
			spec->iface, old->prog_id);
		break;
	case INSTANCE_NONE:
	case INSTANCE_FOUND:
		break;
	}
	*replaced = old->prog_fd >= 0;
	if (old->fds[MAP_CONFIG] >= 0 && not_first_port(old))
		goto out;
	if (build_config(spec, ifindex, old, c, &plan) ||
	    probe_ports(spec, cfg, old, ports))
		goto out;

	skel = flowlet__open();
	if (!skel) {
		pr_err("cannot open the flowlet BPF object: %s",
		       strerror(errno));
		goto out;
	}
	flowlet_select_hook(skel->obj, spec->hook);
	if (spec->flow_table)
		flowlet_size_tables(skel, spec->flow_table);
	if (old->fds[MAP_FLOWS] >= 0 && reuse_maps(skel, old, spec, c))
		goto out;
	if (flowlet__load(skel)) {
		pr_err("the kernel refused the flowlet program: %s (run "
		       "flowletctl -v attach ... for the verifier log)",
		       strerror(errno));
		goto out;
	}
	if (bind_loader_maps(skel) ||
	    instance_from_object(skel->obj, ifindex, spec->hook, &fresh))
		goto out;
	if (spec->hook == FLOWLET_HOOK_XDP)
		instance_record_xmit(&fresh, c);
	if (instance_commit(&fresh, c) ||
	    fill_prefixes(spec, &plan, fresh.fds[MAP_PREFIX]))
		goto out;
	if (attach_ports(spec, cfg, ports, skel))
		goto out;
	leave_old_ports(spec, old, cfg);
	/* The flows kept may lead outside the prefixes given now. */
	if (old->fds[MAP_FLOWS] >= 0 &&
	    instance_drop_unbalanced(&fresh, NULL, 0) < 0)
		pr_warn("%s: flows kept to destinations no longer balanced "
			"are forwarded until they end",
			spec->iface);
	if (instance_probe(ifindex, spec->hook, &now) == INSTANCE_FOUND &&
	    now.hook == FLOWLET_HOOK_XDP && now.xdp_flags == XDP_FLAGS_DRV_MODE)
		check_paths_accept_redirects(cfg, spec->iface);
	instance_close(&now);
	ret = 0;
out:
	route_plan_free(&plan);
	instance_close(&fresh);
	flowlet__destroy(skel);
	for (int i = 0; i < FLOWLET_MAX_INGRESS; i++)
		instance_close(&ports[i].old);
	return ret;
}

/* Takes @in's program away from the port @ifindex, if it runs there. */
static int detach_port(const struct instance *in, int ifindex)
{
	struct instance there;
	int err = 0;

	if (instance_probe(ifindex, in->hook, &there) == INSTANCE_FOUND &&
	    there.prog_id == in->prog_id) {
		err = hook_detach(ifindex, in->hook, there.prog_fd,
				  there.xdp_flags);
		if (err)
			pr_err("%s: cannot detach: %s", there.iface,
			       strerror(-err));
		else
			printf("%s: detached\n", there.iface);
	}
	instance_close(&there);
	return err ? -1 : 0;
}

int flowlet_detach(const struct instance *in)
{
	struct instance_config c;
	struct flowlet_config *cfg = &c.cfg;
	int err = 0;

	/* Every port of the instance (one, if its config is unreadable). */
	if (instance_read_config(in, &c) || !cfg->ingress_count) {
		cfg->ingress_count = 1;
		cfg->ingress[0].ifindex = in->ifindex;
	}
	if (!config_is_ingress(cfg, in->ifindex))
		err |= detach_port(in, in->ifindex);
	for (__u32 i = 0; i < cfg->ingress_count && i < FLOWLET_MAX_INGRESS;
	     i++)
		err |= detach_port(in, cfg->ingress[i].ifindex);
	return err ? -1 : 0;
}
