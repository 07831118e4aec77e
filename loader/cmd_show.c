// SPDX-License-Identifier: GPL-2.0
/* stats, flows and status: reading an instance's maps for people (aligned
 * tables) and for programs (--json). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <linux/if_link.h>

#include "args.h"
#include "commands.h"
#include "instance.h"
#include "json.h"
#include "log.h"
#include "netdev.h"

#define DEFAULT_FLOW_LIMIT 100

enum { OPT_JSON = 'j', OPT_WATCH = 'W', OPT_LIMIT = 'n' };

struct snapshot {
	struct flowlet_config cfg;
	struct flowlet_stats stats;
	struct flowlet_path_stats paths[FLOWLET_MAX_PATHS];
	/* Redirected frames the egress driver did not take since attach; -1
	 * where the driver does not count what it takes. */
	long long tx_failed[FLOWLET_MAX_PATHS];
	/* 1/0: the device accepts redirected frames now; -1 unknown. */
	int xmit_ready[FLOWLET_MAX_PATHS];
	long long flows;
	double when; /* seconds, monotonic */
};

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int snapshot_read(const struct instance *in, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (instance_read_config(in, &s->cfg) ||
	    percpu_sum(in->fds[MAP_STATS], 0, &s->stats, sizeof(s->stats))) {
		pr_err("%s: cannot read counters: %s", in->iface,
		       strerror(errno));
		return -1;
	}
	if (s->cfg.path_count > FLOWLET_MAX_PATHS)
		s->cfg.path_count = FLOWLET_MAX_PATHS;
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		const struct flowlet_path *p = &s->cfg.paths[i];
		long long xmit, failed;
		__u64 features;

		if (percpu_sum(in->fds[MAP_PSTATS], i, &s->paths[i],
			       sizeof(s->paths[i])))
			return -1;
		/* Generic XDP transmits skbs: no XDP xmit counter, no limit. */
		if (in->xdp_flags & XDP_FLAGS_SKB_MODE) {
			s->tx_failed[i] = s->xmit_ready[i] = -1;
			continue;
		}
		xmit = netdev_xdp_xmit(p->ifindex);
		failed = (long long)s->paths[i].packets -
			 (xmit - p->xmit_offset);
		/* Other XDP senders into the same device make it negative. */
		s->tx_failed[i] = xmit < 0 ? -1 : failed < 0 ? 0 : failed;
		s->xmit_ready[i] =
			netdev_xdp_features(p->ifindex, &features)
				? -1
				: !!(features & NETDEV_XDP_ACT_NDO_XMIT);
	}
	s->flows = instance_count_flows(in);
	s->when = monotonic_seconds();
	return 0;
}

static void path_dev(const struct flowlet_path *p, char *dev)
{
	if (!if_indextoname(p->ifindex, dev))
		snprintf(dev, IF_NAMESIZE, "#%u", p->ifindex);
}

static void format_mac(const __u8 *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static void stats_json(const struct instance *in, const struct snapshot *s)
{
	struct json j;

	json_init(&j, stdout);
	json_open(&j, NULL, '{');
	json_str(&j, "iface", in->iface);
	json_u64(&j, "prog_id", in->prog_id);
	json_str(&j, "xdp_mode", xdp_mode_name(in->xdp_flags));
	json_str(&j, "mode", mode_name(s->cfg.mode));
	json_u64(&j, "timeout_ns", s->cfg.timeout_ns);
	json_u64(&j, "load_halflife_ns", s->cfg.load_halflife_ns);
	json_u64(&j, "config_generation", s->cfg.generation);
	json_u64(&j, "flows_active", s->flows);
	json_u64(&j, "flows_created", s->stats.flows_created);
	json_u64(&j, "flows_established", s->stats.flows_established);
	json_u64(&j, "flowlets_total", s->stats.flowlets);
	json_u64(&j, "path_changes", s->stats.path_changes);
	json_u64(&j, "redirected", s->stats.redirected);
	json_open(&j, "paths", '[');
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		const struct flowlet_path *p = &s->cfg.paths[i];
		char dev[IF_NAMESIZE], hop[INET6_ADDRSTRLEN], mac[18];

		path_dev(p, dev);
		format_ip(p->nexthop, p->nexthop_family, hop, sizeof(hop));
		format_mac(p->dst_mac, mac, sizeof(mac));
		json_open(&j, NULL, '{');
		json_u64(&j, "index", i);
		json_str(&j, "dev", dev);
		json_str(&j, "nexthop", hop);
		json_str(&j, "nexthop_mac", mac);
		json_u64(&j, "weight", p->weight);
		json_bool(&j, "up", p->up);
		json_u64(&j, "packets", s->paths[i].packets);
		json_u64(&j, "bytes", s->paths[i].bytes);
		json_u64(&j, "flowlets", s->paths[i].flowlets);
		if (s->tx_failed[i] >= 0)
			json_u64(&j, "tx_failed", s->tx_failed[i]);
		if (s->xmit_ready[i] >= 0)
			json_bool(&j, "accepts_redirects", s->xmit_ready[i]);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_open(&j, "passed", '{');
	for (__u32 r = 0; r < FLOWLET_PASS_COUNT; r++)
		json_u64(&j, pass_reason_name(r), s->stats.passed[r]);
	json_close(&j, '}');
	json_open(&j, "dropped", '{');
	for (__u32 r = 0; r < FLOWLET_DROP_COUNT; r++)
		json_u64(&j, drop_reason_name(r), s->stats.dropped[r]);
	json_close(&j, '}');
	json_u64(&j, "time_ms", (__u64)(s->when * 1000));
	json_close(&j, '}');
	fflush(stdout);
}

/* Rates since @prev, or totals when @prev is NULL. */
static void stats_text(const struct instance *in, const struct snapshot *s,
		       const struct snapshot *prev)
{
	double secs = prev ? s->when - prev->when : 0;
	__u64 total = 0;
	char timeout[32];

	for (__u32 i = 0; i < s->cfg.path_count; i++)
		total += s->paths[i].packets;
	format_duration(s->cfg.timeout_ns, timeout, sizeof(timeout));
	printf("%s: flowlet (%s XDP, prog %u), mode %s, timeout %s\n",
	       in->iface, xdp_mode_name(in->xdp_flags), in->prog_id,
	       mode_name(s->cfg.mode), timeout);
	printf("flows %lld, created %llu, established %llu, flowlets %llu, "
	       "path changes %llu, redirected %llu\n\n",
	       s->flows, (unsigned long long)s->stats.flows_created,
	       (unsigned long long)s->stats.flows_established,
	       (unsigned long long)s->stats.flowlets,
	       (unsigned long long)s->stats.path_changes,
	       (unsigned long long)s->stats.redirected);
	printf("%-4s %-15s %-25s %6s %3s %12s %14s %9s %6s %9s", "PATH", "DEV",
	       "NEXTHOP", "WEIGHT", "UP", "PACKETS", "BYTES", "FLOWLETS",
	       "SHARE", "TX_FAILED");
	if (prev)
		printf(" %10s %10s", "PKT/S", "MBIT/S");
	printf("\n");
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		const struct flowlet_path *p = &s->cfg.paths[i];
		const struct flowlet_path_stats *ps = &s->paths[i];
		char dev[IF_NAMESIZE], hop[INET6_ADDRSTRLEN], failed[24];

		path_dev(p, dev);
		format_ip(p->nexthop, p->nexthop_family, hop, sizeof(hop));
		if (s->tx_failed[i] >= 0)
			snprintf(failed, sizeof(failed), "%lld",
				 s->tx_failed[i]);
		else
			snprintf(failed, sizeof(failed), "-");
		printf("%-4u %-15s %-25s %6u %3s %12llu %14llu %9llu %5.1f%% "
		       "%9s",
		       i, dev, hop, p->weight, p->up ? "yes" : "no",
		       (unsigned long long)ps->packets,
		       (unsigned long long)ps->bytes,
		       (unsigned long long)ps->flowlets,
		       total ? 100.0 * ps->packets / total : 0.0, failed);
		if (prev && secs > 0)
			printf(" %10.0f %10.2f",
			       (ps->packets - prev->paths[i].packets) / secs,
			       (ps->bytes - prev->paths[i].bytes) * 8 / secs /
				       1e6);
		printf("\n");
	}
	printf("\npassed to kernel:");
	for (__u32 r = 0; r < FLOWLET_PASS_COUNT; r++)
		printf(" %s %llu", pass_reason_name(r),
		       (unsigned long long)s->stats.passed[r]);
	printf("\ndropped:");
	for (__u32 r = 0; r < FLOWLET_DROP_COUNT; r++)
		printf(" %s %llu", drop_reason_name(r),
		       (unsigned long long)s->stats.dropped[r]);
	printf("\n");
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		char dev[IF_NAMESIZE];

		if (s->tx_failed[i] <= 0 && s->xmit_ready[i] != 0)
			continue;
		path_dev(&s->cfg.paths[i], dev);
		printf("warning: path %u (%s) %s: if it is a veth, enable GRO "
		       "on "
		       "its peer (ethtool -K PEER gro on) or attach an XDP "
		       "program there\n",
		       i, dev,
		       s->xmit_ready[i] == 0
			       ? "does not accept redirected frames"
			       : "lost redirected frames");
	}
	fflush(stdout);
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
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
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
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	if (snapshot_read(&in, &snaps[cur]))
		goto out;
	if (json)
		stats_json(&in, &snaps[cur]);
	else
		stats_text(&in, &snaps[cur], NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (watch && !stop) {
		sleep(watch);
		if (stop)
			break;
		cur = !cur;
		if (snapshot_read(&in, &snaps[cur]))
			goto out;
		if (json) {
			stats_json(&in, &snaps[cur]);
		} else {
			printf("\n");
			stats_text(&in, &snaps[cur], &snaps[!cur]);
		}
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

int cmd_flows(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
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
	struct json j;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, opts, &status)) != -1) {
		if (opt == OPT_JSON)
			json = true;
		else if (opt == OPT_LIMIT &&
			 parse_uint("--limit", optarg, 0, 1 << 30, &limit))
			status = EXIT_USAGE;
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, &in);
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

	json_init(&j, stdout);
	if (json)
		json_open(&j, NULL, '[');
	else
		printf("%-6s %-45s %-45s %-12s %8s %10s %12s %10s\n", "PROTO",
		       "SOURCE", "DESTINATION", "PATH", "FLOWLETS", "PACKETS",
		       "BYTES", "IDLE_MS");
	for (long long i = 0; i < count; i++) {
		const struct flowlet_flow_key *key = &keys[order[i]];
		const struct flowlet_flow *flow = &values[order[i]];
		char src[64], dst[64], dev[IF_NAMESIZE] = "-", proto[8];
		double idle_ms = flow->last_seen_ns < now_ns
					 ? (now_ns - flow->last_seen_ns) / 1e6
					 : 0;

		format_endpoint(key->src, key->family, key->sport, src,
				sizeof(src));
		format_endpoint(key->dst, key->family, key->dport, dst,
				sizeof(dst));
		if (flow->path < cfg.path_count &&
		    flow->path < FLOWLET_MAX_PATHS)
			path_dev(&cfg.paths[flow->path], dev);
		if (!json) {
			printf("%-6s %-45s %-45s %-12s %8u %10llu %12llu "
			       "%10.1f\n",
			       proto_name(key->proto, proto), src, dst, dev,
			       flow->flowlet, (unsigned long long)flow->packets,
			       (unsigned long long)flow->bytes, idle_ms);
			continue;
		}
		json_open(&j, NULL, '{');
		json_str(&j, "proto", proto_name(key->proto, proto));
		json_str(&j, "src", src);
		json_str(&j, "dst", dst);
		json_u64(&j, "path", flow->path);
		json_str(&j, "dev", dev);
		json_u64(&j, "flowlets", flow->flowlet);
		json_u64(&j, "packets", flow->packets);
		json_u64(&j, "bytes", flow->bytes);
		json_u64(&j, "last_seen_ns", flow->last_seen_ns);
		json_double(&j, "idle_ms", idle_ms);
		json_close(&j, '}');
	}
	if (json)
		json_close(&j, ']');
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
	struct json j;

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
	json_init(&j, stdout);
	if (json) {
		json_open(&j, NULL, '{');
		json_open(&j, "instances", '[');
	}
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		struct flowlet_config cfg;
		struct instance in;
		char timeout[32];

		if (instance_probe(i->if_index, &in) != INSTANCE_FOUND ||
		    instance_read_config(&in, &cfg)) {
			instance_close(&in);
			continue;
		}
		format_duration(cfg.timeout_ns, timeout, sizeof(timeout));
		if (json) {
			json_open(&j, NULL, '{');
			json_str(&j, "iface", in.iface);
			json_u64(&j, "prog_id", in.prog_id);
			json_str(&j, "xdp_mode", xdp_mode_name(in.xdp_flags));
			json_str(&j, "mode", mode_name(cfg.mode));
			json_u64(&j, "timeout_ns", cfg.timeout_ns);
			json_u64(&j, "paths", cfg.path_count);
			json_u64(&j, "flows_active", instance_count_flows(&in));
			json_close(&j, '}');
		} else {
			if (!found)
				printf("%-15s %-8s %-8s %-10s %-10s %5s %8s\n",
				       "IFACE", "XDP", "PROG", "MODE",
				       "TIMEOUT", "PATHS", "FLOWS");
			printf("%-15s %-8s %-8u %-10s %-10s %5u %8lld\n",
			       in.iface, xdp_mode_name(in.xdp_flags),
			       in.prog_id, mode_name(cfg.mode), timeout,
			       cfg.path_count, instance_count_flows(&in));
		}
		found++;
		instance_close(&in);
	}
	if_freenameindex(ifs);
	if (json) {
		json_close(&j, ']');
		json_close(&j, '}');
	} else if (!found) {
		printf("no flowlet instance in this network namespace\n");
	}
	return EXIT_OK;
}
