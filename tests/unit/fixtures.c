// SPDX-License-Identifier: GPL-2.0
/*
 * The fixture table: input packet, expected verdict, the reason counted
 * for XDP_PASS, and for redirects the exact output bytes (built
 * independently, IPv4 checksum recomputed from scratch). Then fragments
 * and every truncation of a few well-formed frames.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <linux/pkt_cls.h>

#include "instance.h"
#include "names.h"
#include "parse.h"
#include "unit.h"

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

UNIT_TEST(fixtures)
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
		CHECK(ok, "fixture: %s -> %s%s%s (got verdict %d)", f->name,
		      f->verdict == XDP_PASS ? "pass" : "redirect",
		      f->verdict == XDP_PASS ? ", " : "",
		      f->verdict == XDP_PASS ? pass_reason_name(f->reason) : "",
		      verdict);
	}
}

/*
 * The TC programs decide as XDP does. At a router's TC ingress every
 * fixture gets the TC form of its XDP verdict (the kernel's is the next
 * filter's, TC_ACT_UNSPEC) and the same bytes out. At a host's egress
 * frames to any MAC are balanced, their TTL untouched: one whose path
 * leaves through the interface it is on (lo, in BPF_PROG_TEST_RUN) is
 * let go, one for another interface redirected.
 */
UNIT_TEST(tc_hooks)
{
	struct flowlet_config cfg;
	int seen[2] = { 0, 0 }, wrong = 0;

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		__u8 frame[MAX_FRAME], out[MAX_FRAME], tc_out[MAX_FRAME];
		size_t len = build_packet(&f->pkt, frame);
		__u32 out_len = 0, tc_len = 0;
		int xdp = run(frame, len, out, &out_len);
		int tc = run_prog(skel->progs.flowlet_tc_in, frame, len, tc_out,
				  &tc_len);

		CHECK(tc == (xdp == XDP_REDIRECT ? TC_ACT_REDIRECT
						 : TC_ACT_UNSPEC) &&
			      tc_len == out_len &&
			      !memcmp(tc_out, out, out_len),
		      "tc-ingress: %s as at XDP (verdicts %d, %d)", f->name,
		      xdp, tc);
	}

	configure(&cfg, 2, NULL, FLOWLET_MODE_ECMP);
	/* TC programs redirect by ifindex, without the devmap (which takes
	 * only real interfaces); a test run carries no redirect out. */
	cfg.paths[1].ifindex = 0x7ffe;
	write_active_config(&cfg);
	for (__u16 port = 1; port <= 64; port++) {
		struct pkt_spec spec = { .sport = port, .dmac = other_mac };
		__u8 frame[MAX_FRAME], out[MAX_FRAME];
		size_t len = build_packet(&spec, frame);
		__u32 out_len = 0;
		int verdict = run_prog(skel->progs.flowlet_tc_out, frame, len,
				       out, &out_len);
		int path = out[5];

		path_mac(path & 1, frame, false);
		path_mac(path & 1, frame + 6, true);
		if (path > 1 || out_len != len || memcmp(out, frame, len) ||
		    verdict != (path ? TC_ACT_REDIRECT : TC_ACT_OK))
			wrong++;
		else
			seen[path]++;
	}
	CHECK(!wrong && seen[0] && seen[1],
	      "tc-egress: 64 flows to another MAC balanced, TTL untouched, "
	      "%d let go on lo, %d redirected elsewhere (%d wrong)",
	      seen[0], seen[1], wrong);
}

/* All fragments of a datagram must share a flow (ports 0): the first and
 * a later fragment find the same flow table entry. */
UNIT_TEST(fragments)
{
	struct pkt_spec first = { .frag_off = 0x2000, .sport = 999 };
	struct pkt_spec later = { .frag_off = 0x00b9 };
	struct flowlet_flow flow;
	struct flowlet_config cfg;
	int err;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	send_spec(&first);
	send_spec(&later);
	err = lookup_flow4("10.0.1.1", "10.0.6.2", 0, 0, IPPROTO_TCP, &flow);
	CHECK(!err && flow.packets == 2,
	      "fragments: first and later fragment share one 3-tuple flow "
	      "(packets %llu)",
	      err ? 0ULL : (unsigned long long)flow.packets);
}

/* Puts @action for @cidr into the prefixes, or takes it out (-1). */
static void set_prefix(const char *cidr, int action)
{
	struct flowlet_prefix_key key;
	struct flowlet_prefix_value value = { .action = action };

	if (parse_prefix(cidr, &key))
		return;
	if (action < 0)
		bpf_map_delete_elem(unit_in.fds[MAP_PREFIX], &key);
	else
		bpf_map_update_elem(unit_in.fds[MAP_PREFIX], &key, &value,
				    BPF_ANY);
}

/* An established flow's packets skip the prefix lookup: after a prefix
 * change instance_drop_unbalanced() deletes the established flows the
 * change left outside (those inside its @within only), no others. */
UNIT_TEST(prefix_change)
{
	const struct pkt_spec a4 = { .dst = "10.0.6.2" },
			      b4 = { .dst = "10.0.6.3" },
			      a6 = { .family = 6, .dst = "2001:db8:6::2" };
	struct flowlet_prefix_key within[2], elsewhere;
	struct flowlet_flow flow;
	struct flowlet_config cfg;
	long long none, dropped;
	int before, passed, kept;
	__u64 unbalanced;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	for (int i = 0; i < 2; i++) {
		send_spec(&a4);
		send_spec(&b4);
		send_spec(&a6);
	}
	set_prefix("10.0.6.2/32", FLOWLET_PREFIX_LOCAL);
	set_prefix("2001:db8:6::2/128", FLOWLET_PREFIX_SKIP);
	before = (send_spec(&a4) >= 0) + (send_spec(&a6) >= 0);
	parse_prefix("10.0.9.0/24", &elsewhere);
	none = instance_drop_unbalanced(&unit_in, &elsewhere, 1);
	parse_prefix("10.0.6.0/24", &within[0]);
	parse_prefix("2001:db8:6::/48", &within[1]);
	dropped = instance_drop_unbalanced(&unit_in, within, 2);
	unbalanced = read_stats().passed[FLOWLET_PASS_NOT_BALANCED];
	passed = (send_spec(&a4) < 0) + (send_spec(&a6) < 0);
	unbalanced =
		read_stats().passed[FLOWLET_PASS_NOT_BALANCED] - unbalanced;
	kept = send_spec(&b4) >= 0 &&
	       !lookup_flow4("10.0.1.1", "10.0.6.3", 1234, 80, IPPROTO_TCP,
			     &flow) &&
	       flow.packets == 3;
	set_prefix("10.0.6.2/32", -1);
	set_prefix("2001:db8:6::2/128", -1);
	CHECK(before == 2 && none == 0 && dropped == 2 && passed == 2 &&
		      unbalanced == 2 && kept,
	      "prefix change: established flows to a new local or skipped "
	      "address forwarded until swept (%d of 2), none swept outside "
	      "the change (%lld), then swept (%lld of 2) and left to the "
	      "kernel (%d of 2, %llu not_balanced); other flows kept (%d)",
	      before, none, dropped, passed, (unsigned long long)unbalanced,
	      kept);
}

static void truncations(const char *name, const struct pkt_spec *spec)
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
	CHECK(bad == 0 && run(frame, full, out, NULL) == XDP_REDIRECT,
	      "truncation: %s cut at every length 14..%zu goes to the kernel "
	      "(%zu wrong, first at %zu)",
	      name, full - 1, bad, first_bad);
}

UNIT_TEST(truncations)
{
	truncations("ipv4 tcp", &(struct pkt_spec){ 0 });
	truncations("ipv4 udp, two VLAN tags",
		    &(struct pkt_spec){ .proto = IPPROTO_UDP, .vlans = 2 });
	truncations("ipv6 tcp", &(struct pkt_spec){ .family = 6 });
	truncations("ipv6 udp behind a routing header",
		    &(struct pkt_spec){ .family = 6,
					.proto = IPPROTO_UDP,
					.ipv6_ext = IPPROTO_ROUTING });
}
