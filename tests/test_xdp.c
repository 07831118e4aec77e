// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the data path through BPF_PROG_TEST_RUN, on the test build
 * of the program (its clock is the flowlet_clock map, so flowlet gaps need
 * no sleeping). The configuration is built by the loader's own code.
 *
 * Part 1 is a fixture table: input packet, expected verdict, the reason
 * counted for XDP_PASS, and for redirects the exact output bytes (built
 * independently, IPv4 checksum recomputed from scratch). Part 2 checks
 * every truncation. Part 3 checks each mode's path choices.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <netinet/in.h>

#include "args.h"
#include "config.h"
#include "flowlet_test.skel.h"
#include "instance.h"
#include "packets.h"

#define LO_IFINDEX 1
#define TIMEOUT_NS 50000000ULL

static struct flowlet_test *skel;
static int passed, failed;

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok   - " : "FAIL - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

static int fd_of(struct bpf_map *map)
{
	return bpf_map__fd(map);
}

static void set_clock(__u64 ns)
{
	__u32 zero = 0;

	bpf_map_update_elem(fd_of(skel->maps.flowlet_clock), &zero, &ns,
			    BPF_ANY);
}

static __u64 clock_now(void)
{
	__u32 zero = 0;
	__u64 ns = 0;

	bpf_map_lookup_elem(fd_of(skel->maps.flowlet_clock), &zero, &ns);
	return ns;
}

static void advance(__s64 ns)
{
	set_clock(clock_now() + ns);
}

static void path_mac(__u32 path, __u8 mac[6], bool src)
{
	const __u8 base[6] = { 0x02, 0, 0, 0, src ? 0x02 : 0x01, 0 };

	memcpy(mac, base, 6);
	mac[5] = path;
}

/* Empties the flow table and zeroes every counter and load estimate. */
static void reset_state(void)
{
	int cpus = libbpf_num_possible_cpus();
	struct flowlet_flow_key key;
	void *zeros = calloc(cpus, sizeof(struct flowlet_stats));
	struct flowlet_load load = { 0 };

	while (!bpf_map_get_next_key(fd_of(skel->maps.flowlet_flows), NULL,
				     &key))
		bpf_map_delete_elem(fd_of(skel->maps.flowlet_flows), &key);
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
		bpf_map_update_elem(fd_of(skel->maps.flowlet_pstats), &i, zeros,
				    BPF_ANY);
		bpf_map_update_elem(fd_of(skel->maps.flowlet_load), &i, &load,
				    BPF_ANY);
	}
	__u32 zero = 0;
	bpf_map_update_elem(fd_of(skel->maps.flowlet_stats), &zero, zeros,
			    BPF_ANY);
	free(zeros);
	set_clock(1000000000ULL);
}

static void write_config(const struct flowlet_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(fd_of(skel->maps.flowlet_config), &zero, cfg,
				BPF_ANY))
		fprintf(stderr, "test: cannot write config: %s\n",
			strerror(errno));
}

/* @n paths on lo with the given weights (NULL: all 1) and mode. */
static void configure(struct flowlet_config *cfg, int n, const __u32 *weights,
		      __u32 mode)
{
	config_init(cfg);
	memcpy(cfg->ingress_mac, ingress_mac, 6);
	cfg->mode = mode;
	cfg->timeout_ns = TIMEOUT_NS;
	cfg->hash_seed = 0x5eed;
	cfg->path_count = n;
	for (int i = 0; i < n; i++) {
		struct flowlet_path *p = &cfg->paths[i];
		__u32 ifindex = LO_IFINDEX, idx = i;

		p->ifindex = LO_IFINDEX;
		p->weight = weights ? weights[i] : 1;
		p->up = 1;
		path_mac(i, p->dst_mac, false);
		path_mac(i, p->src_mac, true);
		bpf_map_update_elem(fd_of(skel->maps.flowlet_ports), &idx,
				    &ifindex, BPF_ANY);
	}
	for (__u32 i = n; i < FLOWLET_MAX_PATHS; i++)
		bpf_map_delete_elem(fd_of(skel->maps.flowlet_ports), &i);
	if (config_fill_slots(cfg))
		fprintf(stderr, "test: bad weights\n");
	write_config(cfg);
	reset_state();
}

static int run(const __u8 *frame, size_t len, __u8 *out, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = out,
		    .data_size_out = out ? MAX_FRAME : 0, .repeat = 1);
	int err = bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.flowlet_xdp), &opts);

	if (err) {
		fprintf(stderr, "test: BPF_PROG_TEST_RUN: %s\n",
			strerror(errno));
		return -1;
	}
	if (out_len)
		*out_len = opts.data_size_out;
	return opts.retval;
}

static struct flowlet_stats read_stats(void)
{
	struct flowlet_stats sum = { 0 };

	percpu_sum(fd_of(skel->maps.flowlet_stats), 0, &sum, sizeof(sum));
	return sum;
}

/* The path a redirected frame took, from its destination MAC; -1 if the
 * frame was not redirected. */
static int send_spec(const struct pkt_spec *spec)
{
	__u8 frame[MAX_FRAME], out[MAX_FRAME];
	size_t len = build_packet(spec, frame);
	__u32 out_len;

	if (run(frame, len, out, &out_len) != XDP_REDIRECT)
		return -1;
	return out[5];
}

static int send_port(__u16 sport)
{
	struct pkt_spec spec = { .sport = sport };

	return send_spec(&spec);
}

/* ---- Part 1: the fixture table ---------------------------------------- */

struct fixture {
	const char *name;
	struct pkt_spec pkt;
	int verdict;
	int reason; /* enum flowlet_pass_reason for XDP_PASS */
};

static const __u8 other_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
static const __u8 multicast_mac[6] = { 0x01, 0x00, 0x5e, 0, 0, 0x01 };

static const struct fixture fixtures[] = {
	{ "ipv4 tcp", { 0 }, XDP_REDIRECT, 0 },
	{ "ipv4 udp", { .proto = IPPROTO_UDP }, XDP_REDIRECT, 0 },
	{ "ipv4 icmp", { .proto = IPPROTO_ICMP }, XDP_REDIRECT, 0 },
	{ "ipv4 gre (addresses only)", { .proto = 47 }, XDP_REDIRECT, 0 },
	{ "ipv6 tcp", { .family = 6 }, XDP_REDIRECT, 0 },
	{ "ipv6 udp", { .family = 6, .proto = IPPROTO_UDP }, XDP_REDIRECT, 0 },
	{ "ipv6 icmpv6",
	  { .family = 6, .proto = IPPROTO_ICMPV6 },
	  XDP_REDIRECT,
	  0 },
	{ "ipv4 tcp, one 802.1Q tag", { .vlans = 1 }, XDP_REDIRECT, 0 },
	{ "ipv6 udp, 802.1ad + 802.1Q tags",
	  { .family = 6, .proto = IPPROTO_UDP, .vlans = 2 },
	  XDP_REDIRECT,
	  0 },
	{ "three VLAN tags", { .vlans = 3 }, XDP_PASS, FLOWLET_PASS_NOT_IP },
	{ "arp", { .arp = true }, XDP_PASS, FLOWLET_PASS_NOT_IP },
	{ "arp behind a VLAN tag",
	  { .arp = true, .vlans = 1 },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_IP },
	{ "ethernet padding after the IP packet",
	  { .pad = 10 },
	  XDP_REDIRECT,
	  0 },
	{ "ipv4 first fragment", { .frag_off = 0x2000 }, XDP_REDIRECT, 0 },
	{ "ipv4 later fragment", { .frag_off = 0x00b9 }, XDP_REDIRECT, 0 },
	{ "ipv4 don't-fragment bit is no fragment",
	  { .frag_off = 0x4000 },
	  XDP_REDIRECT,
	  0 },
	{ "ipv6 fragment",
	  { .family = 6, .ipv6_frag = true },
	  XDP_REDIRECT,
	  0 },
	{ "ipv6 routing header",
	  { .family = 6, .ipv6_ext = IPPROTO_ROUTING },
	  XDP_REDIRECT,
	  0 },
	{ "ipv6 destination options",
	  { .family = 6, .ipv6_ext = IPPROTO_DSTOPTS },
	  XDP_REDIRECT,
	  0 },
	{ "ipv6 hop-by-hop options",
	  { .family = 6, .hop_by_hop = true },
	  XDP_PASS,
	  FLOWLET_PASS_IP_OPTIONS },
	{ "ipv4 options",
	  { .ip_options = 4 },
	  XDP_PASS,
	  FLOWLET_PASS_IP_OPTIONS },
	{ "ipv4 40 bytes of options",
	  { .ip_options = 40 },
	  XDP_PASS,
	  FLOWLET_PASS_IP_OPTIONS },
	{ "ipv4 ttl 1", { .ttl = 1 }, XDP_PASS, FLOWLET_PASS_TTL },
	{ "ipv4 ttl 0", { .ttl = TTL_ZERO }, XDP_PASS, FLOWLET_PASS_TTL },
	{ "ipv4 ttl 2 is forwarded", { .ttl = 2 }, XDP_REDIRECT, 0 },
	{ "ipv6 hop limit 1",
	  { .family = 6, .ttl = 1 },
	  XDP_PASS,
	  FLOWLET_PASS_TTL },
	{ "ipv4 bad header checksum",
	  { .bad_csum = true },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 version 5",
	  { .version = 5 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 header length 4",
	  { .ihl = 4 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 total length beyond the frame",
	  { .len_delta = 1 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 total length below the header",
	  { .len_delta = -60 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 tcp header cut by total length",
	  { .l4_len = 10, .payload = -1 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 udp header cut by total length",
	  { .proto = IPPROTO_UDP, .l4_len = 6, .payload = -1 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv6 version 4 in an IPv6 ethertype",
	  { .family = 6, .version = 4 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv6 payload length beyond the frame",
	  { .family = 6, .len_delta = 1 },
	  XDP_PASS,
	  FLOWLET_PASS_MALFORMED },
	{ "ipv4 destination outside the prefixes",
	  { .dst = "10.0.7.2" },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_BALANCED },
	{ "ipv6 destination outside the prefixes",
	  { .family = 6, .dst = "2001:db8:7::2" },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_BALANCED },
	{ "ipv4 multicast destination",
	  { .dst = "224.0.0.5" },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_BALANCED },
	{ "ipv6 link-local destination",
	  { .family = 6, .dst = "fe80::1" },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_BALANCED },
	{ "frame to another MAC",
	  { .dmac = other_mac },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_FOR_US },
	{ "frame to a multicast MAC",
	  { .dmac = multicast_mac },
	  XDP_PASS,
	  FLOWLET_PASS_NOT_FOR_US },
};

/* The frame a redirect must produce: path 0's MACs, TTL - 1, and every
 * checksum computed from scratch by the builder. */
static size_t expected_output(const struct pkt_spec *in, __u8 *buf)
{
	struct pkt_spec out = *in;
	__u8 dmac[6], smac[6];

	path_mac(0, dmac, false);
	path_mac(0, smac, true);
	out.dmac = dmac;
	out.smac = smac;
	out.ttl = (in->ttl ? in->ttl : 64) - 1;
	if (out.ttl == 0)
		out.ttl = TTL_ZERO;
	return build_packet(&out, buf);
}

static void test_fixtures(void)
{
	struct flowlet_config cfg;

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		__u8 frame[MAX_FRAME], out[MAX_FRAME], want[MAX_FRAME];
		size_t len = build_packet(&f->pkt, frame), want_len;
		struct flowlet_stats before = read_stats(), after;
		__u32 out_len = 0;
		int verdict = run(frame, len, out, &out_len);
		bool ok = verdict == f->verdict;

		after = read_stats();
		if (ok && f->verdict == XDP_PASS)
			ok = after.passed[f->reason] ==
				     before.passed[f->reason] + 1 &&
			     out_len == len && !memcmp(out, frame, len);
		if (ok && f->verdict == XDP_REDIRECT) {
			want_len = expected_output(&f->pkt, want);
			ok = out_len == want_len && !memcmp(out, want, out_len);
			if (ok && f->pkt.family != 6 && !f->pkt.vlans)
				ok = ip_checksum(out + 14, 20) == 0;
		}
		result(ok, "fixture: %s -> %s%s%s (got verdict %d)", f->name,
		       f->verdict == XDP_PASS ? "pass" : "redirect",
		       f->verdict == XDP_PASS ? ", " : "",
		       f->verdict == XDP_PASS ? pass_reason_name(f->reason)
					      : "",
		       verdict);
	}
}

/* All fragments of a datagram must share a flow (ports 0): the first and
 * a later fragment find the same flow table entry. */
static void test_fragments_share_flow(void)
{
	struct pkt_spec first = { .frag_off = 0x2000, .sport = 999 };
	struct pkt_spec later = { .frag_off = 0x00b9 };
	struct flowlet_flow_key key = { .family = 4, .proto = IPPROTO_TCP };
	struct flowlet_flow flow;
	struct flowlet_config cfg;
	int err;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	send_spec(&first);
	send_spec(&later);
	inet_pton(AF_INET, "10.0.1.1", key.src);
	inet_pton(AF_INET, "10.0.6.2", key.dst);
	err = bpf_map_lookup_elem(fd_of(skel->maps.flowlet_flows), &key, &flow);
	result(!err && flow.packets == 2,
	       "fragments: first and later fragment share one 3-tuple flow "
	       "(packets %llu)",
	       err ? 0ULL : (unsigned long long)flow.packets);
}

/* ---- Part 2: truncation ----------------------------------------------- */

static void test_truncations(const char *name, const struct pkt_spec *spec)
{
	__u8 frame[MAX_FRAME], out[MAX_FRAME];
	size_t full = build_packet(spec, frame);
	size_t bad = 0, first_bad = 0;
	struct flowlet_config cfg;

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	for (size_t len = 14; len < full; len++) {
		if (run(frame, len, out, NULL) != XDP_PASS) {
			if (!bad++)
				first_bad = len;
		}
	}
	result(bad == 0 && run(frame, full, out, NULL) == XDP_REDIRECT,
	       "truncation: %s cut at every length 14..%zu goes to the kernel "
	       "(%zu wrong, first at %zu)",
	       name, full - 1, bad, first_bad);
}

/* ---- Part 3: modes ---------------------------------------------------- */

static void test_ecmp_weights(void)
{
	const __u32 weights[2] = { 7, 3 };
	struct flowlet_config cfg;
	int count[2] = { 0 }, flows = 10000, lost = 0;
	double share;

	configure(&cfg, 2, weights, FLOWLET_MODE_ECMP);
	for (int i = 0; i < flows; i++) {
		struct pkt_spec spec = { .sport = 1024 + i % 50000,
					 .dport = 80 + i / 50000 };
		int path = send_spec(&spec);

		if (path < 0 || path > 1)
			lost++;
		else
			count[path]++;
	}
	share = 100.0 * count[0] / flows;
	result(!lost && fabs(share - 70.0) <= 2.0,
	       "ecmp 7,3: 10000 flows split %.1f%% / %.1f%% (70/30 +- 2)",
	       share, 100.0 - share);
}

/* Sends one flow (source port @sport) @steps + 1 times, moving the clock
 * by @step ns before each later packet; returns how many packets took
 * another path than the first, or -1 if the first was not forwarded. */
static int moves_over_steps(__u32 mode, __u16 sport, __s64 step, int steps)
{
	struct flowlet_config cfg;
	int first, moved = 0;

	configure(&cfg, 4, NULL, mode);
	first = send_port(sport);
	for (int i = 0; i < steps; i++) {
		advance(step);
		moved += send_port(sport) != first;
	}
	return first < 0 ? -1 : moved;
}

static void test_ecmp_sticky(void)
{
	result(moves_over_steps(FLOWLET_MODE_ECMP, 4242, 2 * TIMEOUT_NS, 50) ==
		       0,
	       "ecmp: one flow stays on one path across 50 gaps");
}

static void test_spray_round_robin(void)
{
	const __u32 weights[3] = { 3, 1, 2 };
	struct flowlet_config cfg;
	int count[3] = { 0 }, window_bad = 0, seq[600];

	configure(&cfg, 3, weights, FLOWLET_MODE_SPRAY);
	for (int i = 0; i < 600; i++) {
		seq[i] = send_port(5555);
		if (seq[i] >= 0 && seq[i] < 3)
			count[seq[i]]++;
	}
	/* Every window of one weight sum (6 packets) within a round holds
	 * each path exactly weight times. */
	for (int w = 0; w + 6 <= 600; w += 6) {
		int c[3] = { 0 };

		for (int i = w; i < w + 6; i++)
			c[seq[i] < 0 || seq[i] > 2 ? 0 : seq[i]]++;
		window_bad += c[0] != 3 || c[1] != 1 || c[2] != 2;
	}
	result(count[0] == 300 && count[1] == 100 && count[2] == 200 &&
		       !window_bad,
	       "spray 3,1,2: 600 packets of one flow split %d/%d/%d, "
	       "%d uneven windows",
	       count[0], count[1], count[2], window_bad);
}

static void test_flowlet_gaps(void)
{
	struct flowlet_config cfg;
	int seen[4] = { 0 }, within_moves = 0, repicks = 0, path, distinct = 0;
	struct flowlet_flow_key key = { .family = 4, .proto = IPPROTO_TCP };
	struct flowlet_flow flow = { 0 };

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	path = send_port(7777);
	for (int f = 0; f < 40; f++) {
		int next;

		/* Within a flowlet: gaps just under the timeout. */
		for (int i = 0; i < 5; i++) {
			advance(TIMEOUT_NS - 1);
			within_moves += send_port(7777) != path;
		}
		advance(TIMEOUT_NS + 1);
		next = send_port(7777);
		repicks += next != path;
		path = next;
		if (path >= 0 && path < 4)
			seen[path]++;
	}
	for (int i = 0; i < 4; i++)
		distinct += seen[i] > 0;
	key.sport = htons(7777);
	key.dport = htons(80);
	inet_pton(AF_INET, "10.0.1.1", key.src);
	inet_pton(AF_INET, "10.0.6.2", key.dst);
	bpf_map_lookup_elem(fd_of(skel->maps.flowlet_flows), &key, &flow);
	result(!within_moves && distinct == 4 && repicks >= 20,
	       "flowlet: one flow keeps its path within a flowlet (%d moves), "
	       "re-picks after gaps (%d of 40 changed, %d paths)",
	       within_moves, repicks, distinct);
	result(flow.flowlet == 41 && flow.packets == 241,
	       "flowlet: the flow entry counts 41 flowlets, 241 packets "
	       "(got %u, %llu)",
	       flow.flowlet, (unsigned long long)flow.packets);
}

/* A packet whose clock read is older than the flow's last_seen (another
 * CPU updated it meanwhile) is inside the flowlet, not after a huge gap. */
static void test_clock_behind(void)
{
	result(moves_over_steps(FLOWLET_MODE_FLOWLET, 4343, -1000, 20) == 0,
	       "flowlet: packets stamped before last_seen stay in the flowlet");
}

/* Many flowlets of one flow follow the weights. */
static void test_flowlet_mode_weights(__u32 mode, const char *name)
{
	const __u32 weights[2] = { 7, 3 };
	struct flowlet_config cfg;
	int count[2] = { 0 }, n = 4000;
	double share;

	configure(&cfg, 2, weights, mode);
	for (int i = 0; i < n; i++) {
		int path;

		advance(TIMEOUT_NS + 1);
		path = send_port(8888);
		if (path == 0 || path == 1)
			count[path]++;
	}
	share = 100.0 * count[0] / n;
	result(count[0] + count[1] == n && fabs(share - 70.0) <= 3.0,
	       "%s 7,3: 4000 flowlets of one flow split %.1f%% / %.1f%% "
	       "(70/30 +- 3)",
	       name, share, 100.0 - share);
}

static void set_load_stamped(__u32 path, __u64 bytes, __u64 stamp)
{
	struct flowlet_load load = { .bytes = bytes, .stamp_ns = stamp };

	bpf_map_update_elem(fd_of(skel->maps.flowlet_load), &path, &load,
			    BPF_ANY);
}

static void set_load(__u32 path, __u64 bytes)
{
	set_load_stamped(path, bytes, clock_now());
}

static void test_leastload(void)
{
	const __u32 weights[3] = { 1, 1, 2 };
	struct flowlet_config cfg;
	int ok = 0, path;

	configure(&cfg, 3, weights, FLOWLET_MODE_LEASTLOAD);
	/* Path 2 has twice the weight: 150000 bytes there weigh 75000. */
	set_load(0, 100000);
	set_load(1, 90000);
	set_load(2, 150000);
	for (int i = 0; i < 20; i++) {
		advance(TIMEOUT_NS + 1);
		set_load(0, 100000);
		set_load(1, 90000);
		set_load(2, 150000);
		path = send_spec(&(struct pkt_spec){ .sport = 2000 + i });
		ok += path == 2;
	}
	result(ok == 20,
	       "leastload: 20 new flowlets all go to the least load per weight "
	       "(%d of 20)",
	       ok);

	/* The data path keeps the estimate: the next flowlet avoids the
	 * path the previous one loaded. */
	configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
	path = send_spec(&(struct pkt_spec){ .sport = 3000, .payload = 400 });
	advance(TIMEOUT_NS + 1);
	result(path >= 0 &&
		       send_spec(&(struct pkt_spec){ .sport = 3001 }) == !path,
	       "leastload: a new flow avoids the path another flow just "
	       "loaded");

	/* Decay within a half-life (10ms): 100000 bytes 5ms old weigh 75000,
	 * less than a fresh 80000. */
	configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
	set_load_stamped(0, 100000, clock_now() - 5000000);
	set_load(1, 80000);
	result(send_spec(&(struct pkt_spec){ .sport = 3003 }) == 0,
	       "leastload: the estimate decays within a half-life, not only "
	       "per half-life");

	/* Four flows start together 2ms after a small flow (an iperf3
	 * control connection): each takes a path of its own, the fourth the
	 * small flow's, because a new flowlet is charged a burst. */
	configure(&cfg, 4, NULL, FLOWLET_MODE_LEASTLOAD);
	int small =
		send_spec(&(struct pkt_spec){ .sport = 5201, .payload = 400 });
	int used[4] = { 0 }, distinct = 0;

	advance(2000000);
	for (int i = 0; i < 4; i++) {
		path = send_spec(
			&(struct pkt_spec){ .sport = 6001 + i, .payload = -1 });
		if (path >= 0 && path < 4 && !used[path]++)
			distinct++;
	}
	result(small >= 0 && distinct == 4,
	       "leastload: four flows starting together take four paths "
	       "(%d)",
	       distinct);

	/* Another CPU stamped path 0's estimate after this CPU's clock read:
	 * the estimate stands, it is not decayed to nothing. */
	configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
	set_load_stamped(0, 100000, clock_now() + 1000);
	set_load(1, 50000);
	result(send_spec(&(struct pkt_spec){ .sport = 3002 }) == 1,
	       "leastload: an estimate stamped after this CPU's clock read "
	       "is not reset");
}

static void test_down_path(void)
{
	struct flowlet_config cfg;
	int on_down = 0;

	for (__u32 mode = 0; mode < FLOWLET_MODE_COUNT; mode++) {
		configure(&cfg, 4, NULL, mode);
		cfg.paths[2].up = 0;
		config_fill_slots(&cfg);
		write_config(&cfg);
		for (int i = 0; i < 400; i++) {
			advance(TIMEOUT_NS + 1);
			on_down += send_port(100 + i % 40) == 2;
		}
	}
	result(!on_down,
	       "every mode: a path marked down is never chosen "
	       "(%d packets on it)",
	       on_down);
}

static void test_live_change(void)
{
	struct flowlet_config cfg;
	long long before = 0, after = 0;
	struct flowlet_flow_key key, *prev = NULL;
	int path;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	for (int i = 0; i < 100; i++)
		send_port(6000 + i);
	while (!bpf_map_get_next_key(fd_of(skel->maps.flowlet_flows), prev,
				     &key)) {
		before++;
		prev = &key;
	}
	cfg.mode = FLOWLET_MODE_SPRAY;
	write_config(&cfg);
	path = send_port(6000);
	prev = NULL;
	while (!bpf_map_get_next_key(fd_of(skel->maps.flowlet_flows), prev,
				     &key)) {
		after++;
		prev = &key;
	}
	result(before == 100 && after == 100 && path >= 0,
	       "live config change keeps the flow table (%lld -> %lld flows)",
	       before, after);
}

/* Whatever the config map holds, the program stays in bounds and passes
 * to the kernel what it cannot place. */
static void test_hostile_config(void)
{
	struct flowlet_config cfg;
	struct flowlet_stats st;
	int bad = 0, verdict;

	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	cfg.slot_count = 0;
	write_config(&cfg);
	bad += send_port(1) != -1;
	cfg.slot_count = 100000;
	write_config(&cfg);
	bad += send_port(2) != -1;
	config_fill_slots(&cfg);
	memset(cfg.slots, 200, sizeof(cfg.slots));
	write_config(&cfg);
	bad += send_port(3) != -1;
	cfg.path_count = 1000;
	memset(cfg.slots, 15, sizeof(cfg.slots));
	write_config(&cfg);
	bad += send_port(4) != -1; /* path 15 is not up */
	st = read_stats();
	result(!bad && st.passed[FLOWLET_PASS_NO_PATH] == 4,
	       "hostile config: empty, oversized and out-of-range slot tables "
	       "go to the kernel as no_path (%llu)",
	       (unsigned long long)st.passed[FLOWLET_PASS_NO_PATH]);

	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	cfg.mode = 99;
	cfg.timeout_ns = 0;
	cfg.load_halflife_ns = 0;
	write_config(&cfg);
	verdict = send_port(5);
	result(verdict == 0 || verdict == 1,
	       "hostile config: unknown mode and zero timeout still forward");

	configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
	cfg.load_halflife_ns = 0;
	write_config(&cfg);
	verdict = send_port(6);
	result(verdict == 0 || verdict == 1,
	       "hostile config: leastload with a zero half-life forwards");
}

static void test_missing_port(void)
{
	struct flowlet_config cfg;
	struct flowlet_stats st;
	__u8 frame[MAX_FRAME];
	struct pkt_spec spec = { 0 };
	size_t len = build_packet(&spec, frame);
	__u32 idx = 0;
	int verdict;

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	bpf_map_delete_elem(fd_of(skel->maps.flowlet_ports), &idx);
	verdict = run(frame, len, NULL, NULL);
	st = read_stats();
	result(verdict == XDP_DROP && st.dropped[FLOWLET_DROP_NO_PORT] == 1,
	       "a path without a devmap entry drops and counts no_port");
}

static void test_counters(void)
{
	__u64 packets = 0, bytes = 0, flowlets = 0;
	struct flowlet_config cfg;
	struct flowlet_stats st;
	__u8 frame[MAX_FRAME];
	size_t len = build_packet(&(struct pkt_spec){ 0 }, frame);

	configure(&cfg, 3, NULL, FLOWLET_MODE_FLOWLET);
	for (int i = 0; i < 30; i++) {
		frame[14 + 20] = i; /* source port high byte: 30 flows */
		run(frame, len, NULL, NULL);
	}
	for (__u32 p = 0; p < 3; p++) {
		struct flowlet_path_stats ps;

		percpu_sum(fd_of(skel->maps.flowlet_pstats), p, &ps,
			   sizeof(ps));
		packets += ps.packets;
		bytes += ps.bytes;
		flowlets += ps.flowlets;
	}
	st = read_stats();
	result(packets == 30 && bytes == 30 * len && flowlets == 30 &&
		       st.flows_created == 30 && st.flowlets == 30 &&
		       st.redirected == 30,
	       "counters: per-path packets/bytes/flowlets and global counters "
	       "add up for 30 flows");
}

static void test_slot_table(void)
{
	struct flowlet_config cfg;
	int count[2] = { 0 };

	config_init(&cfg);
	cfg.path_count = 2;
	cfg.paths[0] = (struct flowlet_path){ .weight = 7, .up = 1 };
	cfg.paths[1] = (struct flowlet_path){ .weight = 3, .up = 1 };
	config_fill_slots(&cfg);
	for (__u32 i = 0; i < cfg.slot_count; i++)
		count[cfg.slots[i]]++;
	result(cfg.slot_count == 250 && count[0] == 175 && count[1] == 75,
	       "slot table 7,3: 250 slots, 175/75");
	cfg.paths[0].weight = 200;
	cfg.paths[1].weight = 100;
	result(config_fill_slots(&cfg) == -1,
	       "slot table: weights summing over 256 are refused");
	cfg.paths[0].up = cfg.paths[1].up = 0;
	result(config_fill_slots(&cfg) == -1,
	       "slot table: no usable path is refused");
}

/* The structs flowletctl uses are the ones in the object's BTF: same size,
 * same member offsets (the two compilers could disagree on padding). */
static void test_btf_layout(void)
{
#define MEMBER(s, m)                                            \
	{                                                       \
#s, #m, sizeof(struct s), offsetof(struct s, m) \
	}
	static const struct {
		const char *type, *member;
		size_t size, offset;
	} layout[] = {
		MEMBER(flowlet_flow_key, dport),
		MEMBER(flowlet_flow_key, family),
		MEMBER(flowlet_flow, flowlet),
		MEMBER(flowlet_flow, path),
		MEMBER(flowlet_path, nexthop_family),
		MEMBER(flowlet_path, xmit_offset),
		MEMBER(flowlet_config, slots),
		MEMBER(flowlet_config, paths),
		MEMBER(flowlet_prefix_key, addr),
		MEMBER(flowlet_path_stats, flowlets),
		MEMBER(flowlet_stats, dropped),
		MEMBER(flowlet_stats, spray_next),
		MEMBER(flowlet_load, stamp_ns),
	};
#undef MEMBER
	struct btf *btf = bpf_object__btf(skel->obj);
	int bad = 0;

	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		int id = btf ? btf__find_by_name_kind(btf, layout[i].type,
						      BTF_KIND_STRUCT)
			     : -1;
		const struct btf_type *t =
			id > 0 ? btf__type_by_id(btf, id) : NULL;
		const struct btf_member *m = t ? btf_members(t) : NULL;
		bool found = false;

		for (int k = 0; t && k < btf_vlen(t); k++) {
			if (!strcmp(btf__name_by_offset(btf, m[k].name_off),
				    layout[i].member))
				found = btf_member_bit_offset(t, k) ==
					layout[i].offset * 8;
		}
		if (!t || t->size != layout[i].size || !found) {
			printf("# %s.%s differs between BTF and flowlet.h\n",
			       layout[i].type, layout[i].member);
			bad++;
		}
	}
	result(!bad,
	       "BTF of the object matches flowlet.h (%zu members "
	       "checked)",
	       sizeof(layout) / sizeof(layout[0]));
}

int main(void)
{
	struct flowlet_prefix_key prefixes[2];

	skel = flowlet_test__open_and_load();
	if (!skel) {
		printf("FAIL - cannot load the test build of the program: %s\n",
		       strerror(errno));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (parse_prefix("10.0.6.0/24", &prefixes[0]) ||
	    parse_prefix("2001:db8:6::/48", &prefixes[1]) ||
	    config_fill_prefixes(fd_of(skel->maps.flowlet_prefix), prefixes, 2))
		return 1;

	test_btf_layout();
	test_fixtures();
	test_fragments_share_flow();
	test_truncations("ipv4 tcp", &(struct pkt_spec){ 0 });
	test_truncations(
		"ipv4 udp, two VLAN tags",
		&(struct pkt_spec){ .proto = IPPROTO_UDP, .vlans = 2 });
	test_truncations("ipv6 tcp", &(struct pkt_spec){ .family = 6 });
	test_truncations("ipv6 udp behind a routing header",
			 &(struct pkt_spec){ .family = 6,
					     .proto = IPPROTO_UDP,
					     .ipv6_ext = IPPROTO_ROUTING });
	test_slot_table();
	test_ecmp_weights();
	test_ecmp_sticky();
	test_spray_round_robin();
	test_flowlet_gaps();
	test_clock_behind();
	test_flowlet_mode_weights(FLOWLET_MODE_FLOWLET, "flowlet");
	test_flowlet_mode_weights(FLOWLET_MODE_LETFLOW, "letflow");
	test_leastload();
	test_down_path();
	test_live_change();
	test_hostile_config();
	test_missing_port();
	test_counters();

	flowlet_test__destroy(skel);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
