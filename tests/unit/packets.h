/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test packets built from a short description. Zero fields take defaults
 * (IPv4 TCP 10.0.1.1:1234 -> 10.0.6.2:80, TTL 64, 32 bytes of payload,
 * addressed to the test's ingress MAC), so a fixture names only what it
 * is about. Checksums are computed from scratch, never incrementally.
 */
#ifndef FLOWLET_TEST_PACKETS_H
#define FLOWLET_TEST_PACKETS_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#define TTL_ZERO  256 /* .ttl for a real TTL of 0 (0 means the default) */
#define MAX_FRAME 512

static const __u8 ingress_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 host_mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };

struct pkt_spec {
	int family; /* 4 (default) or 6 */
	bool arp;
	__u8 proto; /* default IPPROTO_TCP */
	const char *src, *dst;
	__u16 sport, dport;
	int ttl;
	int vlans;	  /* 802.1ad + 802.1Q tags before the IP header */
	__u16 frag_off;	  /* IPv4 flags and offset, host order */
	bool ipv6_frag;	  /* an IPv6 fragment header */
	__u8 ipv6_ext;	  /* an IPv6 routing or destination options header */
	bool hop_by_hop;  /* an IPv6 hop-by-hop options header */
	int ip_options;	  /* bytes of IPv4 options (NOP) */
	int payload;	  /* L4 payload bytes; default 32, -1 for none */
	int pad;	  /* Ethernet padding after the IP packet */
	const __u8 *dmac; /* default ingress_mac */
	const __u8 *smac; /* default host_mac */
	int version;	  /* overrides the IP version nibble */
	int ihl;	  /* overrides the IPv4 header length */
	int len_delta;	  /* added to the IP total/payload length */
	bool bad_csum;	  /* corrupts the IPv4 header checksum */
	int l4_len;	  /* L4 header bytes actually present; default full */
	__u32 seq;	  /* TCP: a data segment from this sequence number (its
			   * header length set); 0: the header's fields stay 0 */
};

static inline __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* RFC 1071 checksum of @len bytes (even). */
static inline __u16 ip_checksum(const __u8 *p, size_t len)
{
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	return csum_fold(sum);
}

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A TCP header's sequence number and header length, when @s sets one. */
static inline void put_seq(const struct pkt_spec *s, __u8 proto, int l4,
			   __u8 *tcp)
{
	if (proto != IPPROTO_TCP || !s->seq || l4 < 20)
		return;
	put16(tcp + 4, s->seq >> 16);
	put16(tcp + 6, s->seq & 0xffff);
	tcp[12] = 5 << 4;
}

/* Builds the frame into @buf (MAX_FRAME bytes); returns its length. */
static inline size_t build_packet(const struct pkt_spec *s, __u8 *buf)
{
	int family = s->family ? s->family : 4;
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	int payload = s->payload > 0 ? s->payload : s->payload ? 0 : 32;
	int ttl = s->ttl ? s->ttl : 64;
	int l4_full = proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP ? 8 : 8;
	int l4 = s->l4_len ? s->l4_len : l4_full;
	__u8 *p = buf, *ip;
	size_t l3_len;

	if (14 + 4 * s->vlans + 40 + 16 + s->ip_options + l4 + payload +
		    s->pad >
	    MAX_FRAME)
		abort(); /* a fixture too large for the buffer */
	memset(buf, 0, MAX_FRAME);
	memcpy(p, s->dmac ? s->dmac : ingress_mac, 6);
	memcpy(p + 6, s->smac ? s->smac : host_mac, 6);
	p += 12;
	for (int v = 0; v < s->vlans; v++) {
		put16(p, v == 0 && s->vlans > 1 ? 0x88a8 : 0x8100);
		put16(p + 2, 100 + v);
		p += 4;
	}
	if (s->arp) {
		put16(p, 0x0806);
		memset(p + 2, 0x01, 28);
		return p + 30 - buf;
	}
	put16(p, family == 4 ? 0x0800 : 0x86dd);
	ip = p + 2;
	if (family == 4) {
		int ihl = s->ihl ? s->ihl : 5 + s->ip_options / 4;
		__u8 *l4p = ip + 20 + s->ip_options;

		l3_len = 20 + s->ip_options + l4 + payload;
		ip[0] = ((s->version ? s->version : 4) << 4) | ihl;
		put16(ip + 2, l3_len + s->len_delta);
		put16(ip + 4, 0x4242);
		put16(ip + 6, s->frag_off);
		ip[8] = ttl;
		ip[9] = proto;
		inet_pton(AF_INET, s->src ? s->src : "10.0.1.1", ip + 12);
		inet_pton(AF_INET, s->dst ? s->dst : "10.0.6.2", ip + 16);
		memset(ip + 20, 1, s->ip_options); /* NOP options */
		put16(ip + 10, ip_checksum(ip, 20 + s->ip_options) ^
				       (s->bad_csum ? 0x5555 : 0));
		if (!(s->frag_off & 0x1fff)) {
			put16(l4p, s->sport ? s->sport : 1234);
			put16(l4p + 2, s->dport ? s->dport : 80);
			put_seq(s, proto, l4, l4p);
		}
	} else {
		__u8 *pos = ip + 40, nexthdr = proto;
		bool has_ext = s->ipv6_ext || s->hop_by_hop;
		size_t ext = (has_ext ? 8 : 0) + (s->ipv6_frag ? 8 : 0);

		l3_len = 40 + ext + l4 + payload;
		ip[0] = (s->version ? s->version : 6) << 4;
		put16(ip + 4, l3_len - 40 + s->len_delta);
		ip[7] = ttl;
		inet_pton(AF_INET6, s->src ? s->src : "2001:db8:1::1", ip + 8);
		inet_pton(AF_INET6, s->dst ? s->dst : "2001:db8:6::2", ip + 24);
		if (s->ipv6_frag) {
			pos[0] = nexthdr;
			put16(pos + 2, 0x0001); /* offset 0, more fragments */
			nexthdr = 44;
			pos += 8;
		}
		if (has_ext) {
			/* The extension header goes first: move the rest. */
			memmove(ip + 48, ip + 40, pos - (ip + 40));
			ip[40] = nexthdr;
			nexthdr = s->hop_by_hop ? IPPROTO_HOPOPTS : s->ipv6_ext;
			pos += 8;
		}
		ip[6] = nexthdr;
		put16(pos, s->sport ? s->sport : 1234);
		put16(pos + 2, s->dport ? s->dport : 80);
		put_seq(s, proto, l4, pos);
	}
	memset(ip + l3_len - payload, 0xab, payload);
	return ip + l3_len + s->pad - buf;
}

#endif /* FLOWLET_TEST_PACKETS_H */
