// SPDX-License-Identifier: GPL-2.0
/* stats, flows and status: reading an instance's maps for people (aligned
 * tables) and for programs (--json), one print call per field. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "clock.h"
#include "commands.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "routes.h"
#include "snapshot.h"
#include "watcher.h"

#define DEFAULT_FLOW_LIMIT 100

enum {
	OPT_JSON = 'j',
	OPT_WATCH = 'W',
	OPT_LIMIT = 'n',
	OPT_PROMETHEUS = 'P',
	OPT_RESET = 'R',
};

static void path_dev(const struct flowlet_path *p, char *dev)
{
	if (!if_indextoname(p->ifindex, dev))
		snprintf(dev, IF_NAMESIZE, "#%u", p->ifindex);
}

/* The instance's identity and config: the first line of stats, a row of
 * status. */
static void print_instance(const struct instance *in,
			   const struct flowlet_config *cfg,
			   const struct flowlet_meta *meta)
{
	char timeout[32], route[64];
	int watcher = watcher_pid(in->ifindex, in->hook);

	format_duration(cfg->timeout_ns, timeout, sizeof(timeout));
	print_str("iface", "%s: flowlet", in->iface);
	print_str("hook", NULL, hook_name(in->hook));
	if (in->hook == FLOWLET_HOOK_XDP)
		print_str("xdp_mode", " (%s XDP,",
			  xdp_mode_name(in->xdp_flags));
	else
		print_text(" (%s,", hook_name(in->hook));
	print_u64("prog_id", " prog %llu),", in->prog_id);
	print_str("mode", " mode %s,", mode_name(cfg->mode));
	print_u64("timeout_ns", NULL, cfg->timeout_ns);
	print_bool("timeout_auto", NULL, meta->timeout_auto);
	if (meta->timeout_auto && cfg->group_count == 1) {
		char now[32];

		format_duration(cfg->groups[0].timeout_ns, now, sizeof(now));
		print_text(" timeout auto: %s (%s until measured)", now,
			   timeout);
	} else if (meta->timeout_auto) {
		print_text(" timeout auto (each group's below; %s until "
			   "measured)",
			   timeout);
	} else {
		print_text(" timeout %s", timeout);
	}
	print_open("group_timeouts_ns", '[');
	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++)
		print_u64(NULL, NULL, cfg->groups[g].timeout_ns);
	print_close(']');
	print_bool("from_routes", NULL, meta->from_routes);
	if (meta->from_routes) {
		print_u64("route_table",
			  ", paths and groups from the routes of table %llu",
			  meta->route_table);
	} else if (meta->route.family) {
		format_prefix(&meta->route, route, sizeof(route));
		print_str("route", ", paths from route %s", route);
		print_u64("route_table", " table %llu", meta->route_table);
	}
	print_open("ingress", '[');
	for (__u32 i = 0; i < cfg->ingress_count && i < FLOWLET_MAX_INGRESS;
	     i++) {
		char dev[IF_NAMESIZE];

		if (!if_indextoname(cfg->ingress[i].ifindex, dev))
			snprintf(dev, sizeof(dev), "#%u",
				 cfg->ingress[i].ifindex);
		if (cfg->ingress_count > 1)
			print_str(NULL, i ? ", %s" : ", ingress ports %s", dev);
		else
			print_str(NULL, NULL, dev);
	}
	print_close(']');
	print_bool("watched", NULL, watcher > 0);
	if (watcher > 0)
		print_u64("watcher_pid", ", watched (pid %llu)", watcher);
}

/* Path @i's packets since @prev (all of them without @prev). */
static __u64 path_packets(const struct snapshot *s, const struct snapshot *prev,
			  __u32 i)
{
	__u64 now = s->paths[i].packets,
	      then = prev ? prev->paths[i].packets : 0;

	/* A reset or a new path in between: count from zero. */
	return now >= then ? now - then : now;
}

/* @total: every path's path_packets(); SHARE is this path's part of it,
 * so under --watch the split of the last interval. */
static void print_path(const struct snapshot *s, const struct snapshot *prev,
		       __u32 i, __u64 total)
{
	const struct flowlet_path *p = &s->cfg.paths[i];
	const struct flowlet_path_meta *m = &s->meta.paths[i];
	const struct flowlet_path_stats *ps = &s->paths[i];
	char dev[IF_NAMESIZE], hop[INET6_ADDRSTRLEN], mac[18];
	double secs = prev ? s->when - prev->when : 0;
	__u64 bytes = ps->bytes;

	path_dev(p, dev);
	format_ip(m->nexthop, m->nexthop_family, hop, sizeof(hop));
	format_mac(p->dst_mac, mac, sizeof(mac));
	print_open(NULL, '{');
	print_u64("index", "%-4llu ", i);
	print_str("dev", "%-15s ", dev);
	print_str("nexthop", "%-25s ", hop);
	print_str("nexthop_mac", NULL, mac);
	print_u64("weight", "%6llu ", p->weight);
	if (s->meta.route.family)
		print_u64("route_weight", "%7llu ", m->route_weight);
	print_str("state", "%-16s ", path_state(p));
	print_bool("up", NULL, !p->down);
	print_u64("packets", "%12llu ", ps->packets);
	print_u64("bytes", "%14llu ", ps->bytes);
	print_u64("flowlets", "%9llu ", ps->flowlets);
	print_double("share", "%5.1f%% ",
		     total ? 100.0 * path_packets(s, prev, i) / total : 0.0);
	if (s->tx_failed[i] >= 0)
		print_u64("tx_failed", "%9llu", s->tx_failed[i]);
	else
		print_text("%9s", "-");
	if (s->xmit_ready[i] >= 0)
		print_bool("accepts_redirects", NULL, s->xmit_ready[i]);
	if (prev && secs > 0) {
		if (bytes >= prev->paths[i].bytes)
			bytes -= prev->paths[i].bytes;
		print_double("pps", " %10.0f", path_packets(s, prev, i) / secs);
		print_double("mbps", " %10.2f", bytes * 8 / secs / 1e6);
	}
	print_text("\n");
	print_close('}');
}

static bool weights_scaled(const struct snapshot *s)
{
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		const struct flowlet_path *p = &s->cfg.paths[i];
		__u32 route_weight = s->meta.paths[i].route_weight;

		if (route_weight && !(p->down & FLOWLET_DOWN(ROUTE)) &&
		    p->weight != route_weight)
			return true;
	}
	return false;
}

static int by_prefix(const void *a, const void *b)
{
	const struct flowlet_prefix_key *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, sizeof(x->addr))
		       ?: (int)x->prefixlen - (int)y->prefixlen;
}

/* --from-routes: each path group, its paths and weights and the routes
 * balanced over it. */
static void print_groups(const struct instance *in,
			 const struct flowlet_config *cfg)
{
	struct route_prefix *routes = NULL;
	int n = routes_read_prefixes(in->fds[MAP_PREFIX], &routes);
	char prefix[64];

	if (n < 0) {
		pr_warn("%s: cannot read the prefixes: %s", in->iface,
			strerror(errno));
		n = 0;
	}
	qsort(routes, n, sizeof(*routes), by_prefix);
	print_text("\n%-5s %-20s %-20s %-9s %s\n", "GROUP", "PATHS", "WEIGHTS",
		   "TIMEOUT", "ROUTES");
	print_open("groups", '[');
	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++) {
		const struct flowlet_group *grp = &cfg->groups[g];
		char paths[64] = "", weights[64] = "", timeout[32];
		size_t pl = 0, wl = 0;

		if (!grp->members)
			continue;
		format_duration(grp->timeout_ns, timeout, sizeof(timeout));
		for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
			if (!(grp->members & (1u << i)))
				continue;
			pl += snprintf(paths + pl, sizeof(paths) - pl, "%s%u",
				       pl ? "," : "", i);
			wl += snprintf(weights + wl, sizeof(weights) - wl,
				       "%s%u", wl ? "," : "", grp->weights[i]);
		}
		print_open(NULL, '{');
		print_u64("group", "%-5llu ", g);
		print_text("%-20s %-20s %-9s", paths, weights, timeout);
		print_u64("timeout_ns", NULL, grp->timeout_ns);
		print_open("paths", '[');
		for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
			if (grp->members & (1u << i))
				print_u64(NULL, NULL, i);
		}
		print_close(']');
		print_open("weights", '[');
		for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
			if (grp->members & (1u << i))
				print_u64(NULL, NULL, grp->weights[i]);
		}
		print_close(']');
		print_bool("usable", NULL, grp->slot_count > 0);
		print_open("routes", '[');
		for (int r = 0; r < n; r++) {
			if (routes[r].value.action != FLOWLET_PREFIX_BALANCE ||
			    routes[r].value.group != g)
				continue;
			format_prefix(&routes[r].key, prefix, sizeof(prefix));
			print_str(NULL, " %s", prefix);
		}
		print_close(']');
		print_text("\n");
		print_close('}');
	}
	print_close(']');
	free(routes);
}

/* The data path's telemetry: histograms since attach. */
static void print_telemetry(const struct flowlet_hist *h)
{
	print_open("histograms", '{');
	print_gaps(h->gap_started, h->gap_continued);
	print_histogram("flowlet_packets",
			"sizes of flowlets that ended, in packets:", false,
			h->flowlet_packets, "flowlets", NULL, NULL);
	print_histogram("flowlet_bytes",
			"sizes of flowlets that ended, in bytes:", false,
			h->flowlet_bytes, "flowlets", NULL, NULL);
	print_close('}');
}

/* The probe traffic's bits per second over one path, and the share of
 * the interface's speed it takes (-1: the speed is unknown). */
static double probe_share(const struct flowlet_delay *d, int ifindex,
			  double *bps)
{
	char dev[IF_NAMESIZE], path[64];
	long long mbps = -1;
	FILE *f;

	*bps = d->interval_ns ? 1e9 / d->interval_ns * d->frame_bytes * 8 : 0;
	if (!if_indextoname(ifindex, dev))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", dev);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &mbps) != 1)
			mbps = -1;
		fclose(f);
	}
	return mbps > 0 ? *bps / (mbps * 1e6) : -1;
}

/* watch --probe's delays: each target over each path of its group. */
static void print_delays(const struct snapshot *s)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	bool any = false;

	print_open("delay", '[');
	for (__u32 k = 0; k < FLOWLET_MAX_PROBE_TARGETS * FLOWLET_MAX_PATHS;
	     k++) {
		const struct flowlet_delay *d = &s->delay[k];
		__u32 path = k % FLOWLET_MAX_PATHS;
		char target[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];
		enum delay_state state;
		double bps, share;

		if (!delay_probed(d) || path >= s->cfg.path_count)
			continue;
		if (!any)
			print_text(
				"\n%-25s %-4s %-15s %-8s %8s %8s %8s %7s %7s "
				"%8s %6s %9s\n",
				"PROBED", "PATH", "DEV", "STATE", "P50_MS",
				"P99_MS", "MIN_MS", "SAMPLES", "AGE_S", "SENT",
				"LOST", "PROBE_B/S");
		any = true;
		state = delay_state(d, now);
		format_ip(d->target, d->family, target, sizeof(target));
		path_dev(&s->cfg.paths[path], dev);
		share = probe_share(d, s->cfg.paths[path].ifindex, &bps);
		print_open(NULL, '{');
		print_str("target", "%-25s ", target);
		print_u64("path", "%-4llu ", path);
		print_str("dev", "%-15s ", dev);
		print_str("state", "%-8s ", delay_state_name(state));
		print_u64("p50_ns", NULL, d->p50_ns);
		print_u64("p99_ns", NULL, d->p99_ns);
		print_u64("min_ns", NULL, d->min_ns);
		print_u64("last_ns", NULL, d->last_ns);
		print_text("%8.3f %8.3f %8.3f ", d->p50_ns / 1e6,
			   d->p99_ns / 1e6, d->min_ns / 1e6);
		print_u64("samples", "%7llu ", d->samples);
		if (d->answered) {
			print_double("age_s", "%7.1f ",
				     (now - d->updated_ns) / 1e9);
		} else {
			print_text("%7s ", "-");
		}
		print_u64("sent", "%8llu ", d->sent);
		print_u64("answered", NULL, d->answered);
		print_u64("lost", "%6llu ", d->lost);
		print_u64("probe_interval_ns", NULL, d->interval_ns);
		print_double("probe_bps", "%9.0f", bps);
		if (share >= 0)
			print_double("probe_share", NULL, share);
		print_text("\n");
		print_close('}');
	}
	print_close(']');
}

/* --timeout auto: what watch set each group's timeout from, if it did. */
static void print_autos(const struct snapshot *s)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	bool any = false;

	print_open("auto", '[');
	for (__u32 g = 0; g < s->cfg.group_count; g++) {
		const struct flowlet_auto *a = snapshot_auto(s, g);

		if (!a)
			continue;
		if (!any)
			print_text("\n%-5s %10s %9s %9s %9s %7s %10s %11s "
				   "%6s\n",
				   "AUTO", "TIMEOUT_MS", "SPREAD_MS", "BASE_MS",
				   "MOVE_MS", "FLOWS", "RESENT", "AFTER_MOVES",
				   "AGE_S");
		any = true;
		print_open(NULL, '{');
		print_u64("group", "%-5llu ", g);
		print_u64("timeout_ns", NULL, a->timeout_ns);
		print_u64("spread_ns", NULL, a->spread_ns);
		print_u64("base_ns", NULL, a->base_ns);
		print_u64("safe_ns", NULL, a->safe_ns);
		print_u64("move_ns", NULL, a->move_ns);
		if (a->timeout_ns)
			print_text("%10.3f %9.3f %9.3f ", a->timeout_ns / 1e6,
				   a->spread_ns / 1e6, a->base_ns / 1e6);
		else
			print_text("%10s %9s %9s ", "-", "-", "-");
		if (a->timeout_ns && a->move_ns)
			print_text("%9.3f ", a->move_ns / 1e6);
		else
			print_text("%9s ", "-");
		print_u64("flows", "%7llu ", a->flows);
		print_u64("retransmits", "%10llu ", a->retransmits);
		print_u64("resent_after_moves", "%11llu ",
			  a->resent_after_moves);
		print_u64("resend_window_ns", NULL, a->resend_window_ns);
		print_double("reorders", NULL, a->reorders_milli / 1000.0);
		print_double("move_cost", NULL, a->move_cost_milli / 1000.0);
		print_double("age_s", "%6.1f\n", (now - a->updated_ns) / 1e9);
		print_close('}');
	}
	print_close(']');
}

/* Mode share: what each group's paths offer a new flowlet. */
static void print_shares(const struct snapshot *s)
{
	__u32 epoch = flowlet_share_epoch(s->now_ns);
	bool any = false;

	print_open("share", '[');
	for (__u32 g = 0; s->cfg.mode == FLOWLET_MODE_SHARE &&
			  g < s->cfg.group_count && g < FLOWLET_MAX_GROUPS;
	     g++) {
		for (__u32 i = 0; i < s->cfg.path_count; i++) {
			__u32 k = g * FLOWLET_MAX_PATHS + i;
			const struct flowlet_capacity *c = &s->capacity[k];
			char dev[IF_NAMESIZE];

			if (!(s->cfg.groups[g].members & (1u << i)))
				continue;
			if (!any)
				print_text("\n%-5s %-4s %-15s %9s %6s\n",
					   "SHARE", "PATH", "DEV", "CAP_MBIT",
					   "FLOWS");
			any = true;
			path_dev(&s->cfg.paths[i], dev);
			print_open(NULL, '{');
			print_u64("group", "%-5llu ", g);
			print_u64("path", "%-4llu ", i);
			print_str("dev", "%-15s ", dev);
			print_u64("capacity_bytes_per_s", NULL, c->bytes_per_s);
			if (c->bytes_per_s)
				print_text("%9.1f ", c->bytes_per_s * 8 / 1e6);
			else
				print_text("%9s ", "-");
			print_u64("flows", "%6llu\n",
				  flowlet_share_flows(&s->share[k], epoch));
			print_close('}');
		}
	}
	print_close(']');
}

/* Rates since @prev, or totals when @prev is NULL. */
static void print_stats(const struct instance *in, const struct snapshot *s,
			const struct snapshot *prev)
{
	const struct flowlet_stats *st = &s->stats;
	bool scaled = weights_scaled(s);
	__u64 total = 0;

	for (__u32 i = 0; i < s->cfg.path_count; i++)
		total += path_packets(s, prev, i);
	print_open(NULL, '{');
	print_instance(in, &s->cfg, &s->meta);
	if (prev)
		print_double("interval_s", NULL, s->when - prev->when);
	print_u64("config_generation", NULL, s->cfg.generation);
	print_u64("hash_seed", NULL, s->cfg.hash_seed);
	print_u64("flows_active", "\nflows %llu", s->flows);
#define X(field, label, help) print_u64(#field, ", " label " %llu", st->field);
	FLOWLET_COUNTERS(X)
#undef X
	print_text("\n\n");
	print_bool("weights_scaled", NULL, scaled);
	print_text("%-4s %-15s %-25s %6s ", "PATH", "DEV", "NEXTHOP", "WEIGHT");
	if (s->meta.route.family)
		print_text("%7s ", "ROUTE_W");
	print_text("%-16s %12s %14s %9s %6s %9s", "STATE", "PACKETS", "BYTES",
		   "FLOWLETS", "SHARE", "TX_FAILED");
	if (prev)
		print_text(" %10s %10s", "PKT/S", "MBIT/S");
	print_text("\n");
	print_open("paths", '[');
	for (__u32 i = 0; i < s->cfg.path_count; i++)
		print_path(s, prev, i, total);
	print_close(']');
	if (s->meta.from_routes)
		print_groups(in, &s->cfg);
	print_delays(s);
	print_autos(s);
	print_shares(s);
	print_text("\npassed to kernel:");
	print_open("passed", '{');
	for (__u32 r = 0; r < FLOWLET_PASS_COUNT; r++)
		print_counter(pass_reason_name(r), st->passed[r]);
	print_close('}');
	print_text("\ndropped:");
	print_open("dropped", '{');
	for (__u32 r = 0; r < FLOWLET_DROP_COUNT; r++)
		print_counter(drop_reason_name(r), st->dropped[r]);
	print_close('}');
	print_text("\n");
	print_bool("telemetry", NULL, s->cfg.telemetry);
	/* Text: once, not at every --watch interval. */
	if (s->cfg.telemetry && (!prev || print_json()))
		print_telemetry(&st->hist);
	if (scaled)
		print_text("note: the route's weights add up to more than the "
			   "%d slots flowlet splits by: scaled (WEIGHT) from "
			   "the route's (ROUTE_W)\n",
			   FLOWLET_SLOTS);
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		const char *problem = snapshot_path_problem(s, i);
		char dev[IF_NAMESIZE];

		if (!problem)
			continue;
		path_dev(&s->cfg.paths[i], dev);
		print_text("warning: path %u (%s) %s\n", i, dev, problem);
	}
	print_u64("time_ms", NULL, (__u64)(s->when * 1000));
	print_close('}');
	print_end();
}

static volatile sig_atomic_t stop;

/* Cursor home, clear the screen (ANSI). */
#define CLEAR_SCREEN "\033[H\033[2J"

/* stats --reset, under the commit lock: zeroes the counters (the flows
 * and their state stay) and, at XDP, re-bases each path's transmit
 * check on the zeroed counts (committed with the config). */
static int reset_counters(struct instance_config *c, void *ctx)
{
	return instance_reset_counters(ctx, c);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

const struct cmd_option stats_options[] = {
	OPTION("json", OPT_JSON, NULL, "one JSON object"),
	OPTION("watch", OPT_WATCH, "SECONDS",
	       "print them again every SECONDS with the rates and SHARE of "
	       "that interval, until interrupted (on a terminal in place)"),
	OPTION("reset", OPT_RESET, NULL,
	       "zero the counters after printing them (the flows stay)"),
	OPTION("prometheus", OPT_PROMETHEUS, NULL,
	       "print them in Prometheus's text format"),
	HOOK_OPTION,
	{ 0 },
};

int cmd_stats(int argc, char **argv)
{
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	bool json = false, prometheus = false, reset = false, redraw;
	struct snapshot snaps[2];
	int opt, status = EXIT_OK, cur = 0;
	__u64 watch = 0;
	struct instance in;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, stats_options, &status)) !=
		       -1) {
		if (opt == OPT_JSON)
			json = true;
		else if (opt == OPT_PROMETHEUS)
			prometheus = true;
		else if (opt == OPT_RESET)
			reset = true;
		else if (opt == OPT_WATCH &&
			 parse_uint("--watch", optarg, 1, 3600, &watch))
			status = EXIT_USAGE;
		else
			command_hook(opt, optarg, &hook, &status);
	}
	if (status == EXIT_OK && prometheus && (json || watch)) {
		pr_err("stats: --prometheus prints one reading, alone (the "
		       "exporter serves them)");
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	print_start(json);
	if (snapshot_read(&in, &snaps[cur]))
		goto out;
	if (prometheus) {
		struct metrics_source src = { &in, &snaps[cur] };

		metrics_write(stdout, &src, 1);
		status = EXIT_OK;
		goto out;
	}
	/* On a terminal --watch redraws in place; into a pipe or a file it
	 * appends, as JSON always does (one object per line). */
	redraw = watch && !json && isatty(STDOUT_FILENO);
	if (redraw)
		print_text(CLEAR_SCREEN);
	print_stats(&in, &snaps[cur], NULL);
	if (reset) {
		if (instance_update(&in, reset_counters, &in, NULL))
			goto out;
		print_text("counters zeroed\n");
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (watch && !stop) {
		sleep(watch);
		if (stop)
			break;
		cur = !cur;
		if (snapshot_read(&in, &snaps[cur]))
			goto out;
		print_text(redraw ? CLEAR_SCREEN : "\n");
		print_stats(&in, &snaps[cur], &snaps[!cur]);
	}
	status = EXIT_OK;
out:
	instance_close(&in);
	return status;
}

/* Flow indexes ordered by last_seen, most recent first. */
static const struct flowlet_flow *sort_values;

static int by_recent(const void *a, const void *b)
{
	__u64 x = sort_values[*(const size_t *)a].last_seen_ns;
	__u64 y = sort_values[*(const size_t *)b].last_seen_ns;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The widths of flows' text columns: as wide as what they show, so
 * that IPv4 flows fit 80 columns. */
struct flow_widths {
	int endpoint, dev;
};

static void flow_columns(const struct flowlet_flow_key *key,
			 const struct flowlet_flow *flow,
			 const struct flowlet_config *cfg, char *src, char *dst,
			 char *dev)
{
	format_endpoint(key->src, key->family, key->sport, src, 64);
	format_endpoint(key->dst, key->family, key->dport, dst, 64);
	strcpy(dev, "-");
	if (flow->path < cfg->path_count && flow->path < FLOWLET_MAX_PATHS)
		path_dev(&cfg->paths[flow->path], dev);
}

static void print_flow(const struct flowlet_flow_key *key,
		       const struct flowlet_flow *flow,
		       const struct flowlet_config *cfg, __u64 now_ns,
		       const struct flow_widths *w)
{
	char src[64], dst[64], dev[IF_NAMESIZE + 2], proto[8];
	double idle_ms = flow->last_seen_ns < now_ns
				 ? (now_ns - flow->last_seen_ns) / 1e6
				 : 0;

	flow_columns(key, flow, cfg, src, dst, dev);
	print_open(NULL, '{');
	print_str("proto", "%-6s ", format_proto(key->proto, proto));
	print_text("%-*s %-*s ", w->endpoint, src, w->endpoint, dst);
	print_str("src", NULL, src);
	print_str("dst", NULL, dst);
	print_u64("path", NULL, flow->path);
	print_u64("group", NULL, flow->group);
	print_text("%-*s ", w->dev, dev);
	print_str("dev", NULL, dev);
	print_u64("flowlets", "%8llu ", flow->flowlet);
	print_u64("packets", "%10llu ", flow->packets);
	print_u64("bytes", NULL, flow->bytes);
	print_u64("last_seen_ns", NULL, flow->last_seen_ns);
	print_double("idle_ms", "%9.1f\n", idle_ms);
	print_close('}');
}

const struct cmd_option flows_options[] = {
	OPTION("json", OPT_JSON, NULL, "a JSON array"),
	OPTION("limit", OPT_LIMIT, "N",
	       "show at most N flows (default @0; 0: all)", .kinds = "n",
	       .args = { DEFAULT_FLOW_LIMIT }),
	HOOK_OPTION,
	{ 0 },
};

int cmd_flows(int argc, char **argv)
{
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	struct flow_widths w = { strlen("DESTINATION"), strlen("PATH") };
	struct flowlet_flow_key *keys = NULL;
	struct flowlet_flow *values = NULL;
	__u64 limit = DEFAULT_FLOW_LIMIT, now_ns;
	int opt, status = EXIT_OK;
	struct instance_config c;
	size_t *order = NULL;
	bool json = false;
	struct instance in;
	long long count;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, flows_options, &status)) !=
		       -1) {
		if (opt == OPT_JSON)
			json = true;
		else if (opt == OPT_LIMIT &&
			 parse_uint("--limit", optarg, 0, 1 << 30, &limit))
			status = EXIT_USAGE;
		else
			command_hook(opt, optarg, &hook, &status);
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	if (instance_read_config(&in, &c))
		goto out;
	count = instance_read_flows(&in, &keys, &values);
	if (count < 0)
		goto out;
	order = calloc(count + 1, sizeof(*order));
	if (!order) {
		pr_err("%s: out of memory sorting the flow table", in.iface);
		goto out;
	}
	for (long long i = 0; i < count; i++)
		order[i] = i;
	sort_values = values;
	qsort(order, count, sizeof(*order), by_recent);
	now_ns = clock_ns(CLOCK_MONOTONIC);
	if (limit && (__u64)count > limit)
		count = limit;

	for (long long i = 0; i < count; i++) {
		char src[64], dst[64], dev[IF_NAMESIZE + 2];
		int n;

		flow_columns(&keys[order[i]], &values[order[i]], &c.cfg, src,
			     dst, dev);
		n = strlen(src) > strlen(dst) ? strlen(src) : strlen(dst);
		w.endpoint = n > w.endpoint ? n : w.endpoint;
		n = strlen(dev);
		w.dev = n > w.dev ? n : w.dev;
	}
	print_start(json);
	print_text("%-6s %-*s %-*s %-*s %8s %10s %9s\n", "PROTO", w.endpoint,
		   "SOURCE", w.endpoint, "DESTINATION", w.dev, "PATH",
		   "FLOWLETS", "PACKETS", "IDLE_MS");
	print_open(NULL, '[');
	for (long long i = 0; i < count; i++)
		print_flow(&keys[order[i]], &values[order[i]], &c.cfg, now_ns,
			   &w);
	print_close(']');
	print_end();
	status = EXIT_OK;
out:
	free(order);
	free(keys);
	free(values);
	instance_close(&in);
	return status;
}

/* One row of status. */
static int status_row(struct instance *in, void *found)
{
	struct instance_config c;

	if (instance_read_config(in, &c))
		return 0;
	print_open(NULL, '{');
	print_instance(in, &c.cfg, &c.meta);
	print_u64("paths", ", %llu paths", c.cfg.path_count);
	print_u64("flows_active", ", %llu flows\n", instance_count_flows(in));
	print_close('}');
	(*(int *)found)++;
	return 0;
}

const struct cmd_option status_options[] = {
	OPTION("json", OPT_JSON, NULL, "one JSON object"),
	{ 0 },
};

int cmd_status(int argc, char **argv)
{
	int opt, status = EXIT_OK, found = 0;
	bool json = false;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, status_options, &status)) !=
		       -1) {
		if (opt == OPT_JSON)
			json = true;
	}
	if (status != EXIT_OK)
		return status;
	if (optind != argc) {
		pr_err("status: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	print_start(json);
	print_open(NULL, '{');
	print_open("instances", '[');
	if (instance_for_each(0, status_row, &found)) {
		pr_err("cannot list interfaces: %s", strerror(errno));
		return EXIT_FAIL;
	}
	print_close(']');
	print_close('}');
	if (!found)
		print_text("no flowlet instance in this network namespace\n");
	print_end();
	return EXIT_OK;
}
