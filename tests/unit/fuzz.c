// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer: random and mutated frames, most of them addressed to the
 * ingress MAC so that they get parsed, one BPF_PROG_TEST_RUN each. Every
 * verdict is checked by a parser of the test's own: XDP_PASS must leave
 * the frame untouched, XDP_DROP is allowed, and XDP_REDIRECT only for a
 * well-formed IPv4/IPv6 packet to a balanced prefix, whose output is the
 * input with one path's MACs, TTL/hop limit down by one and (IPv4) a
 * valid header checksum. Anything else fails.
 *
 * FLOWLET_FUZZ_FRAMES (default 100000; 10M in make stress) and
 * FLOWLET_FUZZ_SEED (default: from the time) set the run; the seed is
 * printed so that a failure replays.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "config.h"
#include "unit.h"

/* BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header. */
#define ETH_MIN 14

static __u64 rng_state;

/* splitmix64: a seedable generator whose runs replay exactly. */
static __u64 rnd(void)
{
	__u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 below(__u32 n)
{
	return rnd() % n;
}

static __u16 get16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

static void random_spec(struct pkt_spec *s)
{
	static const __u8 protos[] = { IPPROTO_TCP,  IPPROTO_UDP,
				       IPPROTO_ICMP, IPPROTO_ICMPV6,
				       47,	     0 };
	static const int ttls[] = { 0, 1, 2, 255, TTL_ZERO };
	static const char *const dst4[] = { NULL, "10.0.6.77", "10.0.7.1",
					    "224.0.0.5" };
	static const char *const dst6[] = { NULL, "2001:db8:6:1::9",
					    "2001:db8:7::2", "fe80::1" };

	memset(s, 0, sizeof(*s));
	s->family = below(2) ? 4 : 6;
	s->proto = protos[below(sizeof(protos))];
	if (!s->proto)
		s->proto = below(256) | 1; /* never 0: that means TCP */
	s->sport = rnd();
	s->dport = rnd();
	s->ttl = below(3) ? ttls[below(5)] : 1 + (int)below(255);
	s->vlans = below(4) ? 0 : below(4);
	s->payload = (int)below(202) - 1;
	s->pad = below(4) ? 0 : below(21);
	s->dst = s->family == 4 ? dst4[below(4)] : dst6[below(4)];
	if (s->family == 4) {
		static const __u16 frags[] = { 0, 0x2000, 0x4000, 0x00b9 };

		s->frag_off = below(4) ? frags[below(4)] : rnd() & 0x3fff;
		s->ip_options = below(5) ? 0 : 4 * below(11);
	} else {
		s->ipv6_frag = !below(5);
		s->ipv6_ext = below(4)	 ? 0
			      : below(2) ? IPPROTO_ROUTING
					 : IPPROTO_DSTOPTS;
		s->hop_by_hop = !s->ipv6_ext && !below(10);
	}
}

/* One frame to try; returns its length. */
static size_t fuzz_frame(__u8 *frame)
{
	struct pkt_spec spec;
	size_t len;
	__u32 how = below(8);

	if (how == 0) { /* random bytes behind a plausible Ethernet header */
		static const __u16 types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8 };

		len = ETH_MIN + below(MAX_FRAME - ETH_MIN + 1);
		for (size_t i = 0; i < len; i++)
			frame[i] = rnd();
		memcpy(frame, ingress_mac, 6);
		put16(frame + 12, types[below(4)]);
		return len;
	}
	random_spec(&spec);
	if (how == 1) { /* bad header fields */
		spec.version = below(3) ? 0 : below(16);
		spec.ihl = spec.family == 4 && below(2) ? below(16) : 0;
		spec.len_delta = below(2) ? 0 : (int)below(81) - 40;
		spec.l4_len = below(3) ? 0 : below(21);
		spec.bad_csum = !below(8);
	}
	len = build_packet(&spec, frame);
	if (how == 2) /* cut anywhere */
		len = ETH_MIN + below(len - ETH_MIN + 1);
	if (how == 3) { /* flip bytes of the headers, not the MAC */
		for (int i = 1 + below(4); i > 0 && len > 6; i--)
			frame[6 + below(len - 6 < 74 ? len - 6 : 74)] ^=
				1 + below(255);
	}
	if (how == 4 && len > 14) { /* one random byte anywhere */
		frame[below(len)] = rnd();
	}
	return len;
}

/* The L3 offset behind up to two VLAN tags, or 0 if the frame has no
 * IPv4/IPv6 ethertype there. */
static size_t l3_offset(const __u8 *f, size_t len, __u16 *proto)
{
	size_t off = 12;

	for (int i = 0; i <= 2; i++) {
		if (off + 2 > len)
			return 0;
		*proto = get16(f + off);
		if (*proto != 0x8100 && *proto != 0x88a8)
			break;
		if (i == 2)
			return 0;
		off += 4;
	}
	return *proto == 0x0800 || *proto == 0x86dd ? off + 2 : 0;
}

/* Why a redirect of @in into @out is wrong, or NULL. */
static const char *bad_redirect(const struct flowlet_config *cfg,
				const __u8 *in, size_t len, const __u8 *out,
				size_t out_len)
{
	static const __u8 prefix6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0, 6 };
	size_t l3, ttl_at, l4, need = 0;
	__u16 proto = 0;
	__u32 path = out[5];
	__u8 l4proto;

	if (out_len != len)
		return "the length changed";
	if (path >= cfg->path_count ||
	    memcmp(out, cfg->paths[path].dst_mac, 6) ||
	    memcmp(out + 6, cfg->paths[path].src_mac, 6))
		return "the MACs are not one path's";
	if (memcmp(in, ingress_mac, 6))
		return "a frame to another MAC was redirected";
	l3 = l3_offset(in, len, &proto);
	if (!l3)
		return "a frame that is not IPv4/IPv6 was redirected";
	if (proto == 0x0800) {
		__u16 tot, frag;

		if (l3 + 20 > len || in[l3] != 0x45)
			return "IPv4 with a bad version or header length";
		tot = get16(in + l3 + 2);
		frag = get16(in + l3 + 6) & 0x3fff; /* MF and offset */
		if (tot < 20 || l3 + tot > len)
			return "IPv4 total length out of the frame";
		if (ip_checksum(in + l3, 20) != 0)
			return "IPv4 with a bad header checksum";
		if (memcmp(in + l3 + 16, "\x0a\x00\x06", 3))
			return "IPv4 outside the balanced prefix";
		if (ip_checksum(out + l3, 20) != 0)
			return "the output's IPv4 header checksum is wrong";
		ttl_at = l3 + 8;
		l4proto = in[l3 + 9];
		l4 = l3 + 20;
		if (!frag) /* fragments are balanced without ports */
			need = l4proto == IPPROTO_TCP	? 20
			       : l4proto == IPPROTO_UDP ? 8
							: 0;
		if (l4 + need > l3 + tot)
			return "IPv4 with a cut TCP/UDP header";
	} else {
		if (l3 + 40 > len || in[l3] >> 4 != 6)
			return "IPv6 with a bad version";
		if (l3 + 40 + get16(in + l3 + 4) > len)
			return "IPv6 payload length out of the frame";
		if (in[l3 + 6] == 0)
			return "IPv6 with hop-by-hop options was redirected";
		if (memcmp(in + l3 + 24, prefix6, 6))
			return "IPv6 outside the balanced prefix";
		ttl_at = l3 + 7;
	}
	if (in[ttl_at] <= 1 || out[ttl_at] != in[ttl_at] - 1)
		return "the TTL/hop limit did not go down by one";
	for (size_t i = 12; i < len; i++) {
		bool csum = proto == 0x0800 && (i == l3 + 10 || i == l3 + 11);

		if (i != ttl_at && !csum && in[i] != out[i])
			return "bytes other than MACs, TTL and checksum "
			       "changed";
	}
	return NULL;
}

UNIT_TEST(fuzz)
{
	long long frames = env_count("FLOWLET_FUZZ_FRAMES",
				     stress_run() ? 10000000 : 100000);
	__u64 seed = env_count("FLOWLET_FUZZ_SEED",
			       (long long)time(NULL) ^ getpid() << 16);
	long long verdicts[5] = { 0 }, bad = 0;
	char first_bad[200] = "";
	struct flowlet_config cfg;

	rng_state = seed;
	printf("# fuzz seed %llu (replay: FLOWLET_FUZZ_SEED=%llu "
	       "tests/run.sh unit fuzz)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	for (long long i = 0; i < frames; i++) {
		__u8 frame[MAX_FRAME], out[MAX_FRAME];
		size_t len = fuzz_frame(frame);
		__u32 out_len = 0;
		int verdict;
		const char *why = NULL;

		if (!below(16))
			advance(TIMEOUT_NS + 1);
		verdict = run(frame, len, out, &out_len);
		if (verdict == XDP_PASS &&
		    (out_len != len || memcmp(out, frame, len)))
			why = "XDP_PASS changed the frame";
		else if (verdict == XDP_REDIRECT)
			why = bad_redirect(&cfg, frame, len, out, out_len);
		else if (verdict != XDP_PASS && verdict != XDP_DROP)
			why = "a verdict other than pass, drop or redirect";
		if (verdict >= 0 && verdict < 5)
			verdicts[verdict]++;
		if (why && !bad++)
			snprintf(first_bad, sizeof(first_bad),
				 "frame %lld (%zu bytes, verdict %d): %s", i,
				 len, verdict, why);
	}
	CHECK(bad == 0,
	      "fuzz: %lld random and mutated frames (seed %llu): %lld "
	      "redirected, %lld passed, %lld dropped, every verdict checked "
	      "(%lld wrong%s%s)",
	      frames, (unsigned long long)seed, verdicts[XDP_REDIRECT],
	      verdicts[XDP_PASS], verdicts[XDP_DROP], bad,
	      bad ? "; first: " : "", first_bad);
}
