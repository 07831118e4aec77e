/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet parsing for the flowlet data path.
 *
 * Contract: every parse_*() takes a cursor positioned at its header, the
 * end of the bytes it may read (data_end) and, for IP, the bytes left in
 * the packet from the cursor on (under TC, an skb may hold the rest
 * outside its linear part); it checks every byte it reads against
 * data_end, lengths against what is left, advances the cursor past the
 * header and returns true; on anything it cannot parse safely it returns
 * false and sets pkt->pass_reason. A false return means "give the frame
 * to the kernel", never "drop".
 */
#ifndef FLOWLET_PARSE_H
#define FLOWLET_PARSE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "flowlet.h"

#define IP_MF	      0x2000
#define IP_OFFSET     0x1fff
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT  3

/* Only what parsing set is initialised: key4 with ip4, key6 with ip6. */
struct packet {
	struct flowlet_flow_key4 key4;
	struct flowlet_flow_key key6;
	struct ethhdr *eth;
	struct iphdr *ip4; /* one of ip4/ip6 is set after parsing */
	struct ipv6hdr *ip6;
	__u32 tcp_end;	   /* a TCP segment with data: its sequence number
			    * plus its length; else 0 */
	__u32 pass_reason; /* enum flowlet_pass_reason when parsing fails */
};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

struct ipv6_ext {
	__u8 nexthdr;
	__u8 len; /* in 8-byte units, not counting the first 8 */
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

static __always_inline bool pass(struct packet *pkt, __u32 reason)
{
	pkt->pass_reason = reason;
	return false;
}

static __always_inline bool mac_equal(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
		(a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

static __always_inline bool proto_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) ||
	       proto == bpf_htons(ETH_P_8021AD);
}

/* RFC 1071 sum of a 20-byte IPv4 header; 0xffff means it is valid. */
static __always_inline __u16 ipv4_csum_fold20(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The ports of a complete TCP or UDP header (inside the IP packet and the
 * frame) into @sport and @dport; other protocols keep ports 0. A TCP
 * segment's data: where it ends in its sequence space, into tcp_end. */
static __always_inline bool parse_ports(void *l4, void *l3_end, void *data_end,
					__u8 proto, __u16 *sport, __u16 *dport,
					struct packet *pkt)
{
	__u32 min_len;
	__u16 *ports = l4;

	if (proto == IPPROTO_TCP)
		min_len = 20;
	else if (proto == IPPROTO_UDP)
		min_len = 8;
	else
		return true;
	if (l4 + min_len > l3_end || l4 + min_len > data_end)
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	*sport = ports[0];
	*dport = ports[1];
	if (proto == IPPROTO_TCP) {
		const struct tcphdr *th = l4;
		void *payload;

		/* Checked above, but the verifier may see the UDP length. */
		if ((void *)(th + 1) > data_end)
			return true;
		payload = l4 + th->doff * 4;
		if (th->doff >= 5 && payload < l3_end)
			pkt->tcp_end = bpf_ntohl(th->seq) + (l3_end - payload);
	}
	return true;
}

static __always_inline bool parse_ipv4(void *pos, void *data_end, __u32 left,
				       struct packet *pkt)
{
	struct iphdr *iph = pos;
	__u16 tot_len;

	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < iph->ihl * 4 || tot_len > left)
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	if (iph->ihl != 5)
		return pass(pkt, FLOWLET_PASS_IP_OPTIONS);
	if (ipv4_csum_fold20(iph) != 0xffff)
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	if (iph->ttl <= 1)
		return pass(pkt, FLOWLET_PASS_TTL);

	pkt->ip4 = iph;
	pkt->key4 = (struct flowlet_flow_key4){
		.src = iph->saddr,
		.dst = iph->daddr,
		.proto = iph->protocol,
	};
	/* All fragments of a datagram share the 3-tuple key (ports 0). */
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return true;
	return parse_ports(iph + 1, pos + tot_len, data_end, iph->protocol,
			   &pkt->key4.sport, &pkt->key4.dport, pkt);
}

static __always_inline bool parse_ipv6(void *pos, void *data_end, __u32 left,
				       struct packet *pkt)
{
	struct ipv6hdr *ip6h = pos;
	void *l3_end;
	__u8 nexthdr;

	if ((void *)(ip6h + 1) > data_end || ip6h->version != 6)
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	if (bpf_ntohs(ip6h->payload_len) > left - sizeof(*ip6h))
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	l3_end = (void *)(ip6h + 1) + bpf_ntohs(ip6h->payload_len);
	if (ip6h->hop_limit <= 1)
		return pass(pkt, FLOWLET_PASS_TTL);

	pkt->ip6 = ip6h;
	pkt->key6 = (struct flowlet_flow_key){ .family = 6 };
	__builtin_memcpy(pkt->key6.src, &ip6h->saddr, 16);
	__builtin_memcpy(pkt->key6.dst, &ip6h->daddr, 16);

	pos = ip6h + 1;
	nexthdr = ip6h->nexthdr;
	/* Hop-by-hop options must be processed by every router. */
	if (nexthdr == IPPROTO_HOPOPTS)
		return pass(pkt, FLOWLET_PASS_IP_OPTIONS);
#pragma unroll
	for (int i = 0; i < MAX_IPV6_EXT; i++) {
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct ipv6_frag *fh = pos;

			if ((void *)(fh + 1) > data_end)
				return pass(pkt, FLOWLET_PASS_MALFORMED);
			pkt->key6.proto = fh->nexthdr;
			return true; /* fragments: ports stay 0 */
		}
		if (nexthdr != IPPROTO_ROUTING && nexthdr != IPPROTO_DSTOPTS)
			break;
		struct ipv6_ext *ext = pos;

		if ((void *)(ext + 1) > data_end)
			return pass(pkt, FLOWLET_PASS_MALFORMED);
		nexthdr = ext->nexthdr;
		pos += (ext->len + 1) * 8;
	}
	if (nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS ||
	    nexthdr == IPPROTO_FRAGMENT)
		return pass(pkt, FLOWLET_PASS_MALFORMED); /* too many headers */
	pkt->key6.proto = nexthdr;
	return parse_ports(pos, l3_end, data_end, nexthdr, &pkt->key6.sport,
			   &pkt->key6.dport, pkt);
}

/* Whether @mac is one of @cfg's ingress ports' MACs. A frame may reach one
 * port addressed to another's: it is still for this router. */
static __always_inline bool ingress_mac(const struct flowlet_config *cfg,
					const __u8 *mac)
{
	__u32 count = cfg->ingress_count;

	if (mac_equal(mac, cfg->ingress[0].mac))
		return true;
	/* A bounded loop, not unrolled: only frames to another port's MAC
	 * run it. */
	for (__u32 i = 1; i < FLOWLET_MAX_INGRESS && i < count; i++) {
		if (mac_equal(mac, cfg->ingress[i].mac))
			return true;
	}
	return false;
}

/*
 * Ethernet, up to two VLAN tags, then IPv4 or IPv6 and the L4 ports, from
 * the bytes [data, data_end) of a packet of @len bytes (more than that
 * when the rest is not in the linear part of an skb). A frame to another
 * destination MAC than @macs' ingress MACs goes to the kernel (NULL: any
 * MAC).
 */
static __always_inline bool parse_packet(void *data, void *data_end, __u32 len,
					 const struct flowlet_config *macs,
					 struct packet *pkt)
{
	struct ethhdr *eth = data;
	void *pos = eth + 1;
	__be16 proto;

	pkt->ip4 = NULL;
	pkt->ip6 = NULL;
	pkt->tcp_end = 0;
	if (pos > data_end)
		return pass(pkt, FLOWLET_PASS_MALFORMED);
	pkt->eth = eth;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_tag *tag = pos;

		if (!proto_is_vlan(proto))
			break;
		if ((void *)(tag + 1) > data_end)
			return pass(pkt, FLOWLET_PASS_MALFORMED);
		proto = tag->proto;
		pos = tag + 1;
	}
	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return pass(pkt, FLOWLET_PASS_NOT_IP);
	if (macs && !ingress_mac(macs, eth->h_dest))
		return pass(pkt, FLOWLET_PASS_NOT_FOR_US);
	/* pos <= data_end <= data + len */
	len -= pos - data;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(pos, data_end, len, pkt);
	return parse_ipv6(pos, data_end, len, pkt);
}

#endif /* FLOWLET_PARSE_H */
