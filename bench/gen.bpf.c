// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's packet generator: run with BPF_F_TEST_XDP_LIVE_FRAMES on a
 * 64-byte UDP frame, it gives each frame the ports of the next of
 * gen_flows flows and transmits it out of the interface it was given
 * (XDP_TX), at the rate one CPU can. Live frames come back to it after a
 * forwarder rewrote them (MACs, TTL, checksum): it writes the headers
 * again from gen_headers each time.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "flows.h"

#define HEADERS (sizeof(struct ethhdr) + sizeof(struct iphdr) + 8)

const volatile __u32 gen_flows = 64;
__u8 gen_headers[HEADERS] = {}; /* the bench writes it */
__u64 gen_count = 0;

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp =
		data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u32 flow;

	if ((void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, gen_headers, HEADERS);
	flow = gen_count++ % gen_flows;
	udp->source = bpf_htons(GEN_SPORT(flow));
	udp->dest = bpf_htons(GEN_DPORT(flow));
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
