// SPDX-License-Identifier: GPL-2.0
/* attach, set and detach: everything that changes what the kernel runs. */
#include <errno.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "args.h"
#include "commands.h"
#include "config.h"
#include "flowlet.skel.h"
#include "instance.h"
#include "log.h"
#include "netdev.h"

#define MAX_PREFIXES	 64
#define NEIGH_TIMEOUT_MS 3000

/* Options shared by attach and set; unset ones leave the config alone. */
struct tuning {
	__u32 mode;
	bool mode_set;
	__u64 timeout_ns;
	__u64 load_halflife_ns;
	__u32 weights[FLOWLET_MAX_PATHS];
	int weight_count;
};

struct attach_args {
	const char *iface;
	struct path_arg paths[FLOWLET_MAX_PATHS];
	int path_count;
	struct flowlet_prefix_key prefixes[MAX_PREFIXES];
	int prefix_count;
	struct tuning tuning;
	__u32 xdp_flags;
	__u64 flow_table;
};

enum {
	OPT_PATH = 'p',
	OPT_PREFIX = 'P',
	OPT_MODE = 'm',
	OPT_TIMEOUT = 't',
	OPT_WEIGHTS = 'w',
	OPT_XDP_MODE = 256,
	OPT_HALFLIFE,
	OPT_FLOW_TABLE,
};

/* Parses an option attach and set share; 1 if @opt was one of them. */
static int parse_tuning(int opt, const char *value, struct tuning *t,
			int *status)
{
	int err = 0;

	switch (opt) {
	case OPT_MODE:
		err = parse_mode(value, &t->mode);
		t->mode_set = true;
		break;
	case OPT_TIMEOUT:
		err = parse_duration("--timeout", value, &t->timeout_ns);
		break;
	case OPT_HALFLIFE:
		err = parse_duration("--load-halflife", value,
				     &t->load_halflife_ns);
		break;
	case OPT_WEIGHTS:
		err = parse_weights(value, t->weights, &t->weight_count);
		break;
	default:
		return 0;
	}
	if (err)
		*status = EXIT_USAGE;
	return 1;
}

/* Applies the tuning to @cfg and refills the slot table. */
static int apply_tuning(const struct tuning *t, struct flowlet_config *cfg)
{
	if (t->mode_set)
		cfg->mode = t->mode;
	if (t->timeout_ns)
		cfg->timeout_ns = t->timeout_ns;
	if (t->load_halflife_ns)
		cfg->load_halflife_ns = t->load_halflife_ns;
	if (t->weight_count &&
	    config_set_weights(cfg, t->weights, t->weight_count))
		return -1;
	return config_fill_slots(cfg);
}

static void print_config(const char *iface, const struct flowlet_config *cfg,
			 const char *verb)
{
	char timeout[32];

	format_duration(cfg->timeout_ns, timeout, sizeof(timeout));
	printf("%s: %s: mode %s, timeout %s, %u paths, weights", iface, verb,
	       mode_name(cfg->mode), timeout, cfg->path_count);
	for (__u32 i = 0; i < cfg->path_count; i++)
		printf("%c%u", i ? ',' : ' ', cfg->paths[i].weight);
	printf("\n");
}

static int parse_attach_args(int argc, char **argv, struct attach_args *a)
{
	static const struct option opts[] = {
		{ "path", required_argument, NULL, OPT_PATH },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "load-halflife", required_argument, NULL, OPT_HALFLIFE },
		{ "flow-table", required_argument, NULL, OPT_FLOW_TABLE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, status = EXIT_OK;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, opts, &status)) != -1) {
		if (parse_tuning(opt, optarg, &a->tuning, &status))
			continue;
		switch (opt) {
		case OPT_PATH:
			if (a->path_count == FLOWLET_MAX_PATHS) {
				pr_err("attach: more than %d --path options",
				       FLOWLET_MAX_PATHS);
				return EXIT_USAGE;
			}
			if (parse_path(optarg, &a->paths[a->path_count++]))
				return EXIT_USAGE;
			break;
		case OPT_PREFIX:
			if (a->prefix_count == MAX_PREFIXES) {
				pr_err("attach: more than %d --prefix options",
				       MAX_PREFIXES);
				return EXIT_USAGE;
			}
			if (parse_prefix(optarg,
					 &a->prefixes[a->prefix_count++]))
				return EXIT_USAGE;
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "native")) {
				a->xdp_flags = XDP_FLAGS_DRV_MODE;
			} else if (!strcmp(optarg, "generic")) {
				a->xdp_flags = XDP_FLAGS_SKB_MODE;
			} else {
				pr_err("bad --xdp-mode '%s': expected native "
				       "or generic",
				       optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_FLOW_TABLE:
			if (parse_uint("--flow-table", optarg, 16, 1 << 24,
				       &a->flow_table))
				return EXIT_USAGE;
			break;
		}
	}
	if (status != EXIT_OK)
		return status;
	a->iface = command_iface(argc, argv, true);
	if (!a->iface)
		return EXIT_USAGE;
	if (!a->path_count) {
		pr_err("attach: at least one --path DEV@NEXTHOP is needed");
		return EXIT_USAGE;
	}
	if (a->tuning.weight_count &&
	    config_check_weight_count(a->tuning.weight_count, a->path_count))
		return EXIT_USAGE;
	return EXIT_OK;
}

/* Fills the paths of @cfg: interfaces, MACs, next hops. */
static int resolve_paths(const struct attach_args *a, int ingress,
			 struct flowlet_config *cfg)
{
	for (int i = 0; i < a->path_count; i++) {
		const struct path_arg *arg = &a->paths[i];
		struct flowlet_path *p = &cfg->paths[i];

		for (int j = 0; j < i; j++) {
			if (!strcmp(a->paths[j].dev, arg->dev) &&
			    !memcmp(&a->paths[j].nexthop, &arg->nexthop,
				    sizeof(arg->nexthop))) {
				pr_err("--path %s@... is given twice",
				       arg->dev);
				return -1;
			}
		}
		p->ifindex = netdev_index(arg->dev);
		if (!p->ifindex)
			return -1;
		if ((int)p->ifindex == ingress) {
			pr_err("--path %s: the egress interface is the ingress "
			       "interface",
			       arg->dev);
			return -1;
		}
		if (netdev_mac(arg->dev, p->src_mac) ||
		    neigh_resolve(arg->dev, p->ifindex, &arg->nexthop,
				  p->dst_mac, NEIGH_TIMEOUT_MS))
			return -1;
		memcpy(p->nexthop, arg->nexthop.bytes, sizeof(p->nexthop));
		p->nexthop_family = arg->nexthop.family;
		p->weight = 1;
		p->up = 1;
	}
	cfg->path_count = a->path_count;
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

		if (netdev_xdp_features(cfg->paths[i].ifindex, &features) ||
		    features & NETDEV_XDP_ACT_NDO_XMIT)
			continue;
		if_indextoname(cfg->paths[i].ifindex, dev);
		pr_warn("%s: path %u (%s) does not accept redirected frames, "
			"the kernel will drop them: if it is a veth, enable "
			"GRO "
			"on its peer (ethtool -K PEER gro on, in the peer's "
			"namespace) or attach an XDP program there",
			iface, i, dev);
	}
}

/* Remembers each egress driver's XDP xmit count against the path's packet
 * count, so that stats can tell redirected frames the driver never took. */
static void record_xmit_offsets(struct flowlet_config *cfg, int pstats_fd)
{
	for (__u32 i = 0; i < cfg->path_count; i++) {
		struct flowlet_path_stats ps;
		long long xmit = netdev_xdp_xmit(cfg->paths[i].ifindex);

		if (percpu_sum(pstats_fd, i, &ps, sizeof(ps)))
			ps.packets = 0;
		cfg->paths[i].xmit_offset = xmit - (long long)ps.packets;
	}
}

/* The configuration for a (re)attach: paths, tuning and, on a re-attach,
 * the old instance's hash seed so that ecmp flows keep their paths. */
static int build_config(const struct attach_args *a, int ingress,
			const struct instance *old, struct flowlet_config *cfg)
{
	struct flowlet_config old_cfg;

	config_init(cfg);
	if (netdev_mac(a->iface, cfg->ingress_mac) ||
	    resolve_paths(a, ingress, cfg))
		return -1;
	if (old->fds[MAP_CONFIG] >= 0 && !instance_read_config(old, &old_cfg)) {
		cfg->hash_seed = old_cfg.hash_seed;
		cfg->generation = old_cfg.generation;
	} else if (getrandom(&cfg->hash_seed, sizeof(cfg->hash_seed), 0) < 0)
		return -1;
	return apply_tuning(&a->tuning, cfg);
}

static bool same_paths(const struct flowlet_config *a,
		       const struct flowlet_config *b)
{
	if (a->path_count != b->path_count)
		return false;
	for (__u32 i = 0; i < a->path_count; i++) {
		if (a->paths[i].ifindex != b->paths[i].ifindex ||
		    memcmp(a->paths[i].nexthop, b->paths[i].nexthop,
			   sizeof(a->paths[i].nexthop)))
			return false;
	}
	return true;
}

/* A re-attach keeps the flow table and the global counters, and the
 * per-path counters and loads while the paths stay the same. */
static int reuse_maps(struct flowlet *skel, const struct instance *old,
		      const struct attach_args *a,
		      const struct flowlet_config *cfg)
{
	static const enum instance_map kept[] = { MAP_FLOWS, MAP_NEW, MAP_STATS,
						  MAP_PSTATS, MAP_LOAD };
	struct flowlet_config old_cfg;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	size_t count = 3;

	if (bpf_obj_get_info_by_fd(old->fds[MAP_FLOWS], &info, &len))
		return -1;
	if (a->flow_table && a->flow_table != info.max_entries) {
		pr_err("%s: the flow table has %u entries; a live re-attach "
		       "keeps it (detach first to resize)",
		       a->iface, info.max_entries);
		return -1;
	}
	if (!instance_read_config(old, &old_cfg) && same_paths(&old_cfg, cfg))
		count = 5;
	for (size_t i = 0; i < count; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(
			skel->obj, instance_map_name(kept[i]));

		if (!map || bpf_map__reuse_fd(map, old->fds[kept[i]])) {
			pr_err("%s: cannot reuse map %s", a->iface,
			       instance_map_name(kept[i]));
			return -1;
		}
	}
	return 0;
}

static int attach_program(const struct attach_args *a, int ifindex,
			  const struct instance *old, struct flowlet *skel)
{
	__u32 flags = a->xdp_flags;
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int err;

	if (old->prog_fd >= 0) {
		if (flags && flags != old->xdp_flags) {
			pr_err("%s: flowlet runs in %s XDP mode; detach before "
			       "switching to %s",
			       a->iface, xdp_mode_name(old->xdp_flags),
			       xdp_mode_name(flags));
			return -1;
		}
		flags = old->xdp_flags | XDP_FLAGS_REPLACE;
		opts.old_prog_fd = old->prog_fd;
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.flowlet_xdp),
			     flags, &opts);
	if (!err)
		return 0;
	if (err == -EOPNOTSUPP)
		pr_err("%s: the driver has no native XDP: use --xdp-mode "
		       "generic",
		       a->iface);
	else if (err == -EEXIST || err == -EBUSY)
		pr_err("%s: another XDP program was attached meanwhile",
		       a->iface);
	else
		pr_err("%s: the kernel refused to attach XDP: %s", a->iface,
		       strerror(-err));
	return -1;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_args a = { 0 };
	struct flowlet_config cfg;
	struct instance old, now, fresh;
	struct flowlet *skel = NULL;
	int ifindex, status, ret = EXIT_FAIL;

	instance_init(&fresh, 0);
	status = parse_attach_args(argc, argv, &a);
	if (status != EXIT_OK)
		return status;
	ifindex = netdev_index(a.iface);
	if (!ifindex)
		return EXIT_FAIL;
	switch (instance_probe(ifindex, &old)) {
	case INSTANCE_OTHER:
		pr_err("%s: already runs XDP program '%s' (id %u); detach it "
		       "first",
		       a.iface, old.prog_name, old.prog_id);
		goto out;
	case INSTANCE_ERROR:
		goto out;
	case INSTANCE_STALE:
		pr_warn("%s: replacing flowlet prog %u of another version: "
			"its flows and counters are not kept",
			a.iface, old.prog_id);
		break;
	case INSTANCE_NONE:
	case INSTANCE_FOUND:
		break;
	}
	if (build_config(&a, ifindex, &old, &cfg))
		goto out;

	skel = flowlet__open();
	if (!skel) {
		pr_err("cannot open the flowlet BPF object: %s",
		       strerror(errno));
		goto out;
	}
	if (a.flow_table) {
		bpf_map__set_max_entries(skel->maps.flowlet_flows,
					 a.flow_table);
		bpf_map__set_max_entries(skel->maps.flowlet_new,
					 a.flow_table /
						 FLOWLET_NEW_FLOWS_DIVISOR);
	}
	if (old.fds[MAP_FLOWS] >= 0 && reuse_maps(skel, &old, &a, &cfg))
		goto out;
	if (flowlet__load(skel)) {
		pr_err("the kernel refused the flowlet program: %s (run "
		       "flowletctl -v attach ... for the verifier log)",
		       strerror(errno));
		goto out;
	}
	if (instance_from_object(skel->obj, ifindex, &fresh))
		goto out;
	record_xmit_offsets(&cfg, fresh.fds[MAP_PSTATS]);
	if (instance_commit(&fresh, &cfg) ||
	    config_fill_prefixes(fresh.fds[MAP_PREFIX], a.prefixes,
				 a.prefix_count))
		goto out;
	if (attach_program(&a, ifindex, &old, skel))
		goto out;

	print_config(a.iface, &cfg, old.prog_fd >= 0 ? "replaced" : "attached");
	if (instance_probe(ifindex, &now) == INSTANCE_FOUND &&
	    now.xdp_flags == XDP_FLAGS_DRV_MODE)
		check_paths_accept_redirects(&cfg, a.iface);
	instance_close(&now);
	ret = EXIT_OK;
out:
	instance_close(&fresh);
	flowlet__destroy(skel);
	instance_close(&old);
	return ret;
}

int cmd_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "load-halflife", required_argument, NULL, OPT_HALFLIFE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct tuning tuning = { 0 };
	struct flowlet_config cfg;
	struct instance in;
	int opt, status = EXIT_OK;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, opts, &status)) != -1)
		parse_tuning(opt, optarg, &tuning, &status);
	if (status == EXIT_OK && !tuning.mode_set && !tuning.timeout_ns &&
	    !tuning.load_halflife_ns && !tuning.weight_count) {
		pr_err("set: nothing to change (give --mode, --timeout, "
		       "--weights or --load-halflife)");
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	if (!instance_read_config(&in, &cfg) && !apply_tuning(&tuning, &cfg) &&
	    !instance_commit(&in, &cfg)) {
		print_config(in.iface, &cfg, "set");
		status = EXIT_OK;
	}
	instance_close(&in);
	return status;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	LIBBPF_OPTS(bpf_xdp_attach_opts, xopts);
	struct instance in;
	int opt, err, status = EXIT_OK;

	while ((opt = command_getopt(argc, argv, opts, &status)) != -1 &&
	       status == EXIT_OK)
		;
	if (status == EXIT_OK)
		status = command_instance(argc, argv, &in);
	if (status != EXIT_OK)
		return status;
	xopts.old_prog_fd = in.prog_fd;
	err = bpf_xdp_detach(in.ifindex, in.xdp_flags | XDP_FLAGS_REPLACE,
			     &xopts);
	if (err)
		pr_err("%s: cannot detach: %s", in.iface, strerror(-err));
	else
		printf("%s: detached\n", in.iface);
	instance_close(&in);
	return err ? EXIT_FAIL : EXIT_OK;
}
