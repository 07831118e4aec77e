/* SPDX-License-Identifier: GPL-2.0 */
/* The bench's frame: 64 bytes of Ethernet, IPv4 and UDP (no UDP
 * checksum), or TCP (no checksum either, 10 bytes of data), built once for
 * bench_cost and bench_rate. */
#ifndef FLOWLET_BENCH_FRAME_H
#define FLOWLET_BENCH_FRAME_H

#include <stdbool.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/types.h>

#define FRAME_LEN 64

static inline __u16 ip_header_checksum(const struct iphdr *ip)
{
	const __u16 *p = (const __u16 *)ip;
	__u32 sum = 0;

	for (size_t i = 0; i < sizeof(*ip) / 2; i++)
		sum += p[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* A UDP frame @src_mac -> @dst_mac, @saddr:@sport -> @daddr:@dport (host
 * order), TTL 64, into @frame (FRAME_LEN bytes); with @tcp a TCP segment
 * of data instead (sequence number 1). */
static inline void build_frame(__u8 *frame, const __u8 *dst_mac,
			       const __u8 *src_mac, __u32 saddr, __u32 daddr,
			       __u16 sport, __u16 dport, bool tcp)
{
	struct ethhdr *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct tcphdr *th = (void *)(ip + 1);

	memset(frame, 0, FRAME_LEN);
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	ip->tot_len = htons(FRAME_LEN - sizeof(*eth));
	ip->saddr = htonl(saddr);
	ip->daddr = htonl(daddr);
	ip->check = ip_header_checksum(ip);
	if (tcp) {
		th->source = htons(sport);
		th->dest = htons(dport);
		th->seq = htonl(1);
		th->doff = sizeof(*th) / 4;
		th->ack = 1;
		return;
	}
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(FRAME_LEN - sizeof(*eth) - sizeof(*ip));
}

/* The TCP segment in @frame becomes its flow's next one: its sequence
 * number moves past its data. */
static inline void next_segment(__u8 *frame)
{
	struct tcphdr *th =
		(void *)(frame + sizeof(struct ethhdr) + sizeof(struct iphdr));

	th->seq = htonl(ntohl(th->seq) + FRAME_LEN - sizeof(struct ethhdr) -
			sizeof(struct iphdr) - sizeof(*th));
}

#endif /* FLOWLET_BENCH_FRAME_H */
