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

#include "commands.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "snapshot.h"
#include "watcher.h"

#define DEFAULT_FLOW_LIMIT 100

enum { OPT_JSON = 'j', OPT_WATCH = 'W', OPT_LIMIT = 'n' };

static void path_dev(const struct flowlet_path *p, char *dev)
{
	if (!if_indextoname(p->ifindex, dev))
		snprintf(dev, IF_NAMESIZE, "#%u", p->ifindex);
}

/* The instance's identity and config: the first line of stats, a row of
 * status. */
static void print_instance(const struct instance *in,
			   const struct flowlet_config *cfg)
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
	print_text(" timeout %s", timeout);
	if (cfg->route.family) {
		format_prefix(&cfg->route, route, sizeof(route));
		print_str("route", ", paths from route %s", route);
		print_u64("route_table", " table %llu", cfg->route_table);
	}
	print_bool("watched", NULL, watcher > 0);
	if (watcher > 0)
		print_u64("watcher_pid", ", watched (pid %llu)", watcher);
}

static void print_path(const struct snapshot *s, const struct snapshot *prev,
		       __u32 i, __u64 total)
{
	const struct flowlet_path *p = &s->cfg.paths[i];
	const struct flowlet_path_stats *ps = &s->paths[i];
	char dev[IF_NAMESIZE], hop[INET6_ADDRSTRLEN], mac[18];
	double secs = prev ? s->when - prev->when : 0;

	path_dev(p, dev);
	format_ip(p->nexthop, p->nexthop_family, hop, sizeof(hop));
	format_mac(p->dst_mac, mac, sizeof(mac));
	print_open(NULL, '{');
	print_u64("index", "%-4llu ", i);
	print_str("dev", "%-15s ", dev);
	print_str("nexthop", "%-25s ", hop);
	print_str("nexthop_mac", NULL, mac);
	print_u64("weight", "%6llu ", p->weight);
	if (s->cfg.route.family)
		print_u64("route_weight", "%7llu ", p->route_weight);
	print_str("state", "%-16s ", path_state(p));
	print_bool("up", NULL, !p->down);
	print_u64("packets", "%12llu ", ps->packets);
	print_u64("bytes", "%14llu ", ps->bytes);
	print_u64("flowlets", "%9llu ", ps->flowlets);
	print_text("%5.1f%% ", total ? 100.0 * ps->packets / total : 0.0);
	if (s->tx_failed[i] >= 0)
		print_u64("tx_failed", "%9llu", s->tx_failed[i]);
	else
		print_text("%9s", "-");
	if (s->xmit_ready[i] >= 0)
		print_bool("accepts_redirects", NULL, s->xmit_ready[i]);
	if (prev && secs > 0) {
		print_text(" %10.0f %10.2f",
			   (ps->packets - prev->paths[i].packets) / secs,
			   (ps->bytes - prev->paths[i].bytes) * 8 / secs / 1e6);
	}
	print_text("\n");
	print_close('}');
}

static bool weights_scaled(const struct flowlet_config *cfg)
{
	for (__u32 i = 0; i < cfg->path_count; i++) {
		const struct flowlet_path *p = &cfg->paths[i];

		if (p->route_weight && !(p->down & FLOWLET_DOWN(ROUTE)) &&
		    p->weight != p->route_weight)
			return true;
	}
	return false;
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

/* Rates since @prev, or totals when @prev is NULL. */
static void print_stats(const struct instance *in, const struct snapshot *s,
			const struct snapshot *prev)
{
	const struct flowlet_stats *st = &s->stats;
	bool scaled = weights_scaled(&s->cfg);
	__u64 total = 0;

	for (__u32 i = 0; i < s->cfg.path_count; i++)
		total += s->paths[i].packets;
	print_open(NULL, '{');
	print_instance(in, &s->cfg);
	print_u64("config_generation", NULL, s->cfg.generation);
	print_u64("hash_seed", NULL, s->cfg.hash_seed);
	print_u64("flows_active", "\nflows %llu,", s->flows);
	print_u64("flows_created", " created %llu,", st->flows_created);
	print_u64("flows_established", " established %llu,",
		  st->flows_established);
	print_u64("flowlets_total", " flowlets %llu,", st->flowlets);
	print_u64("path_changes", " path changes %llu,", st->path_changes);
	print_u64("redirected", " redirected %llu\n\n", st->redirected);
	print_bool("weights_scaled", NULL, scaled);
	print_text("%-4s %-15s %-25s %6s ", "PATH", "DEV", "NEXTHOP", "WEIGHT");
	if (s->cfg.route.family)
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

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "watch", required_argument, NULL, OPT_WATCH },
		HOOK_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	struct snapshot snaps[2];
	int opt, status = EXIT_OK, cur = 0;
	__u64 watch = 0;
	bool json = false;
	struct instance in;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, opts, &status)) != -1) {
		if (opt == OPT_JSON)
			json = true;
		else if (opt == OPT_WATCH &&
			 parse_uint("--watch", optarg, 1, 3600, &watch))
			status = EXIT_USAGE;
		else
			command_hook(opt, optarg, &hook, &status);
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	print_start(json);
	if (snapshot_read(&in, &snaps[cur]))
		goto out;
	print_stats(&in, &snaps[cur], NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (watch && !stop) {
		sleep(watch);
		if (stop)
			break;
		cur = !cur;
		if (snapshot_read(&in, &snaps[cur]))
			goto out;
		print_text("\n");
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

static const char *proto_name(__u8 proto, char *buf)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, 8, "%u", proto);
	return buf;
}

static void format_endpoint(const __u8 *addr, __u8 family, __u16 port,
			    char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	format_ip(addr, family, ip, sizeof(ip));
	if (family == 6)
		snprintf(buf, len, "[%s]:%u", ip, ntohs(port));
	else
		snprintf(buf, len, "%s:%u", ip, ntohs(port));
}

static void print_flow(const struct flowlet_flow_key *key,
		       const struct flowlet_flow *flow,
		       const struct flowlet_config *cfg, __u64 now_ns)
{
	char src[64], dst[64], dev[IF_NAMESIZE] = "-", proto[8];
	double idle_ms = flow->last_seen_ns < now_ns
				 ? (now_ns - flow->last_seen_ns) / 1e6
				 : 0;

	format_endpoint(key->src, key->family, key->sport, src, sizeof(src));
	format_endpoint(key->dst, key->family, key->dport, dst, sizeof(dst));
	if (flow->path < cfg->path_count && flow->path < FLOWLET_MAX_PATHS)
		path_dev(&cfg->paths[flow->path], dev);
	print_open(NULL, '{');
	print_str("proto", "%-6s ", proto_name(key->proto, proto));
	print_str("src", "%-45s ", src);
	print_str("dst", "%-45s ", dst);
	print_u64("path", NULL, flow->path);
	print_str("dev", "%-12s ", dev);
	print_u64("flowlets", "%8llu ", flow->flowlet);
	print_u64("packets", "%10llu ", flow->packets);
	print_u64("bytes", "%12llu ", flow->bytes);
	print_u64("last_seen_ns", NULL, flow->last_seen_ns);
	print_double("idle_ms", "%10.1f\n", idle_ms);
	print_close('}');
}

int cmd_flows(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		HOOK_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	struct flowlet_flow_key *keys = NULL;
	struct flowlet_flow *values = NULL;
	__u64 limit = DEFAULT_FLOW_LIMIT, now_ns;
	int opt, status = EXIT_OK;
	struct flowlet_config cfg;
	size_t *order = NULL;
	bool json = false;
	struct instance in;
	struct timespec ts;
	long long count;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, opts, &status)) != -1) {
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
	if (instance_read_config(&in, &cfg))
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
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (limit && (__u64)count > limit)
		count = limit;

	print_start(json);
	print_text("%-6s %-45s %-45s %-12s %8s %10s %12s %10s\n", "PROTO",
		   "SOURCE", "DESTINATION", "PATH", "FLOWLETS", "PACKETS",
		   "BYTES", "IDLE_MS");
	print_open(NULL, '[');
	for (long long i = 0; i < count; i++)
		print_flow(&keys[order[i]], &values[order[i]], &cfg, now_ns);
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

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct if_nameindex *ifs;
	int opt, status = EXIT_OK, found = 0;
	bool json = false;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, opts, &status)) != -1) {
		if (opt == OPT_JSON)
			json = true;
	}
	if (status != EXIT_OK)
		return status;
	if (optind != argc) {
		pr_err("status: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	ifs = if_nameindex();
	if (!ifs) {
		pr_err("cannot list interfaces: %s", strerror(errno));
		return EXIT_FAIL;
	}
	print_start(json);
	print_open(NULL, '{');
	print_open("instances", '[');
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		for (int hook = 0; hook < FLOWLET_HOOK_COUNT; hook++) {
			struct flowlet_config cfg;
			struct instance in;

			if (instance_probe(i->if_index, hook, &in) !=
				    INSTANCE_FOUND ||
			    instance_read_config(&in, &cfg)) {
				instance_close(&in);
				continue;
			}
			print_open(NULL, '{');
			print_instance(&in, &cfg);
			print_u64("paths", ", %llu paths", cfg.path_count);
			print_u64("flows_active", ", %llu flows\n",
				  instance_count_flows(&in));
			print_close('}');
			found++;
			instance_close(&in);
		}
	}
	if_freenameindex(ifs);
	print_close(']');
	print_close('}');
	if (!found)
		print_text("no flowlet instance in this network namespace\n");
	print_end();
	return EXIT_OK;
}
