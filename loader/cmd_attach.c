// SPDX-License-Identifier: GPL-2.0
/* attach, set and detach: the command lines of what changes what the
 * kernel runs; the work is the library's (attach.h, instance.h). */
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "attach.h"
#include "commands.h"
#include "log.h"
#include "names.h"

enum {
	OPT_PATH = 'p',
	OPT_PREFIX = 'P',
	OPT_XDP_MODE = OPT_COMMAND_FIRST,
	OPT_FLOW_TABLE,
	OPT_FROM_ROUTE,
	OPT_FROM_ROUTES,
	OPT_TABLE,
	OPT_INGRESS,
	OPT_SEED,
};

static void print_config(const char *iface, const struct instance_config *c,
			 const char *verb)
{
	const struct flowlet_config *cfg = &c->cfg;
	char fixed[32], timeout[64];

	format_duration(cfg->timeout_ns, fixed, sizeof(fixed));
	snprintf(timeout, sizeof(timeout),
		 c->meta.timeout_auto ? "auto (%s until measured)" : "%s",
		 fixed);
	printf("%s: %s", iface, verb);
	for (__u32 i = 1; i < cfg->ingress_count; i++) {
		char dev[IF_NAMESIZE] = "?";

		if_indextoname(cfg->ingress[i].ifindex, dev);
		printf("%s%s", i == 1 ? " (also on " : ", ", dev);
	}
	printf("%s: mode %s, timeout %s, %u paths, ",
	       cfg->ingress_count > 1 ? ")" : "", mode_name(cfg->mode), timeout,
	       cfg->path_count);
	if (c->meta.from_routes) {
		printf("%d path groups from table %u", routes_group_count(cfg),
		       c->meta.route_table);
	} else {
		printf("weights");
		for (__u32 i = 0; i < cfg->path_count; i++)
			printf("%c%u", i ? ',' : ' ', cfg->paths[i].weight);
	}
	printf(", telemetry %s\n", cfg->telemetry ? "on" : "off");
}

const struct cmd_option attach_options[] = {
	OPTION("path", OPT_PATH, "DEV@NEXTHOP",
	       "an egress interface and the neighbour behind it (its MAC is "
	       "resolved from the kernel); 1-@0 of them",
	       .kinds = "n", .args = { FLOWLET_MAX_PATHS }, .repeat = true),
	OPTION("from-route", OPT_FROM_ROUTE, "PREFIX",
	       "the paths are the next hops (and weights) of the kernel's "
	       "route to PREFIX: a multipath route or a nexthop group; watch "
	       "follows it"),
	OPTION("from-routes", OPT_FROM_ROUTES, NULL,
	       "every route through gateways of the table, each balanced over "
	       "its own next hops (a path group, like the kernel's nexthop "
	       "groups; up to @0); other routes (connected subnets) stay the "
	       "kernel's; watch follows them all",
	       .kinds = "n", .args = { FLOWLET_MAX_GROUPS }),
	OPTION("table", OPT_TABLE, "T",
	       "the routing table of --from-route(s) (default main)"),
	OPTION("prefix", OPT_PREFIX, "CIDR",
	       "balance only these destinations (up to @0); default "
	       "--from-route's PREFIX, else all of IPv4 and IPv6. Local, "
	       "link-local and multicast addresses are never balanced",
	       .kinds = "n", .args = { FLOWLET_MAX_PREFIXES }, .repeat = true),
	TUNING_OPTIONS(TIMEOUT_OPTION_LIVE),
	HOOK_OPTION,
	OPTION("xdp-mode", OPT_XDP_MODE, "native|generic",
	       "the XDP mode (default: native where the driver has it)",
	       .words = "native generic"),
	OPTION("flow-table", OPT_FLOW_TABLE, "N",
	       "flow table entries per address family (default @0)",
	       .kinds = "n", .args = { FLOWLET_MAX_FLOWS }),
	OPTION("seed", OPT_SEED, "N",
	       "the flow hash's seed, for runs that must repeat (default "
	       "random; a re-attach keeps the instance's)"),
	OPTION("ingress", OPT_INGRESS, "IFACE",
	       "one more ingress port (up to @0): the same instance (program, "
	       "flows, counters) runs there; stats and detach on any port act "
	       "on the instance",
	       .kinds = "n", .args = { FLOWLET_MAX_INGRESS - 1 },
	       .repeat = true),
	{ 0 },
};

static int parse_attach_args(int argc, char **argv, struct attach_spec *a)
{
	int opt, status = EXIT_OK;
	__u64 table = RT_TABLE_MAIN, value;
	bool table_set = false;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, attach_options, &status)) !=
		       -1) {
		if (command_tuning(opt, optarg, &a->tuning, &status) ||
		    command_hook(opt, optarg, &a->hook, &status))
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
			if (a->prefix_count == FLOWLET_MAX_PREFIXES) {
				pr_err("attach: more than %d --prefix options",
				       FLOWLET_MAX_PREFIXES);
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
		case OPT_SEED:
			if (parse_uint("--seed", optarg, 0, 0xffffffffu,
				       &value))
				return EXIT_USAGE;
			a->seed = value;
			a->seed_set = true;
			break;
		case OPT_FLOW_TABLE:
			if (parse_uint("--flow-table", optarg, 16, 1 << 24,
				       &a->flow_table))
				return EXIT_USAGE;
			break;
		case OPT_FROM_ROUTE:
			if (parse_prefix(optarg, &a->route))
				return EXIT_USAGE;
			break;
		case OPT_FROM_ROUTES:
			a->from_routes = true;
			break;
		case OPT_INGRESS:
			if (a->more_ingress_count == FLOWLET_MAX_INGRESS - 1) {
				pr_err("attach: more than %d --ingress options",
				       FLOWLET_MAX_INGRESS - 1);
				return EXIT_USAGE;
			}
			a->more_ingress[a->more_ingress_count++] = optarg;
			break;
		case OPT_TABLE:
			if (parse_uint("--table", optarg, 1, 0xffffffffu,
				       &table))
				return EXIT_USAGE;
			table_set = true;
			break;
		}
	}
	if (status != EXIT_OK)
		return status;
	if (a->xdp_flags && a->hook != FLOWLET_HOOK_XDP) {
		pr_err("attach: --xdp-mode is for --hook xdp");
		return EXIT_USAGE;
	}
	if (a->more_ingress_count && a->hook == FLOWLET_HOOK_TC_EGRESS) {
		pr_err("attach: --ingress is for the ingress hooks (xdp, "
		       "tc-ingress)");
		return EXIT_USAGE;
	}
	a->iface = command_iface(argc, argv, true);
	if (!a->iface)
		return EXIT_USAGE;
	a->route_table = table;
	if (a->from_routes) {
		const char *other = a->path_count	     ? "--path"
				    : a->route.family	     ? "--from-route"
				    : a->prefix_count	     ? "--prefix"
				    : a->tuning.weight_count ? "--weights"
							     : NULL;

		if (other) {
			pr_err("attach: %s and --from-routes: the routes give "
			       "the paths, weights and prefixes",
			       other);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (a->route.family) {
		if (a->path_count) {
			pr_err("attach: --path and --from-route: the paths "
			       "come from one or the other");
			return EXIT_USAGE;
		}
		if (a->tuning.weight_count) {
			pr_err("attach: --weights and --from-route: the "
			       "route's weights are used (change them with ip "
			       "route)");
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (table_set) {
		pr_err("attach: --table is for --from-route(s)");
		return EXIT_USAGE;
	}
	if (!a->path_count) {
		pr_err("attach: give the paths: --path DEV@NEXTHOP ..., "
		       "--from-route PREFIX or --from-routes");
		return EXIT_USAGE;
	}
	if (a->tuning.weight_count &&
	    config_check_weight_count(a->tuning.weight_count, a->path_count))
		return EXIT_USAGE;
	return EXIT_OK;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_spec *spec = calloc(1, sizeof(*spec));
	struct instance_config cfg;
	int status = EXIT_USAGE;
	bool replaced;

	if (!spec) {
		pr_err("attach: out of memory");
		return EXIT_FAIL;
	}
	status = parse_attach_args(argc, argv, spec);
	if (status == EXIT_OK) {
		status = EXIT_FAIL;
		if (!flowlet_attach(spec, &cfg, &replaced)) {
			print_config(spec->iface, &cfg,
				     replaced ? "replaced" : "attached");
			status = EXIT_OK;
		}
	}
	free(spec);
	return status;
}

struct set_change {
	const struct instance *in;
	const struct config_tuning *tuning;
};

/* The tuning applied to the config in force; the weights of paths that
 * follow a route are the route's. */
static int apply_set(struct instance_config *c, void *ctx)
{
	const struct set_change *set = ctx;
	char route[64];

	if (set->tuning->weight_count && c->meta.from_routes) {
		pr_err("set: %s takes its paths and weights from the routes of "
		       "table %u: change the routes' weights",
		       set->in->iface, c->meta.route_table);
		return -1;
	}
	if (set->tuning->weight_count && c->meta.route.family) {
		format_prefix(&c->meta.route, route, sizeof(route));
		pr_err("set: %s takes its paths and weights from the route to "
		       "%s: change the route's weights (ip route replace ...)",
		       set->in->iface, route);
		return -1;
	}
	return config_apply_tuning(set->tuning, c);
}

const struct cmd_option set_options[] = {
	TUNING_OPTIONS(TIMEOUT_OPTION_LIVE),
	HOOK_OPTION,
	{ 0 },
};

int cmd_set(int argc, char **argv)
{
	struct config_tuning tuning = { 0 };
	struct set_change set = { .tuning = &tuning };
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	struct instance_config cfg;
	struct instance in;
	int opt, status = EXIT_OK;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, set_options, &status)) != -1) {
		if (!command_tuning(opt, optarg, &tuning, &status))
			command_hook(opt, optarg, &hook, &status);
	}
	if (status == EXIT_OK && !tuning.mode_set && !tuning.timeout_ns &&
	    !tuning.load_halflife_ns && !tuning.weight_count &&
	    !tuning.telemetry_set) {
		char names[128] = "";

		for (const struct cmd_option *o = set_options; o->name; o++) {
			if (o->val != OPT_HOOK)
				snprintf(names + strlen(names),
					 sizeof(names) - strlen(names),
					 "%s--%s", *names ? ", " : "", o->name);
		}
		pr_err("set: nothing to change (give %s)", names);
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	set.in = &in;
	if (!instance_update(&in, apply_set, &set, &cfg)) {
		print_config(in.iface, &cfg, "set");
		status = EXIT_OK;
	}
	instance_close(&in);
	return status;
}

enum { OPT_UNLESS_FAILED = OPT_COMMAND_FIRST };

const struct cmd_option detach_options[] = {
	HOOK_OPTION,
	OPTION("unless-failed", OPT_UNLESS_FAILED, NULL,
	       "as a systemd unit's ExecStopPost: detach after a stop, and "
	       "after a failure of the service ($SERVICE_RESULT other than "
	       "success: the watcher crashed) leave flowlet attached and "
	       "forwarding for the restarted watcher to adopt"),
	{ 0 },
};

int cmd_detach(int argc, char **argv)
{
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	const char *result = NULL;
	struct instance in;
	int opt, err, status = EXIT_OK;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, detach_options, &status)) !=
		       -1) {
		if (opt == OPT_UNLESS_FAILED)
			result = getenv("SERVICE_RESULT");
		else
			command_hook(opt, optarg, &hook, &status);
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &in);
	if (status != EXIT_OK)
		return status;
	if (result && *result && strcmp(result, "success")) {
		pr_info("%s: left attached: the service failed (%s); its "
			"restarted watcher adopts flowlet",
			in.iface, result);
		instance_close(&in);
		return EXIT_OK;
	}
	err = flowlet_detach(&in);
	instance_close(&in);
	return err ? EXIT_FAIL : EXIT_OK;
}
