// SPDX-License-Identifier: GPL-2.0
/*
 * The floors make bench measures flowlet against, built only for the
 * bench: what an XDP forwarder costs at all, without flowlet's features.
 *
 * bench_empty:     returns at once: test_run's own overhead per call.
 * bench_stateless: parse Ethernet/IPv4/ports, hash the 5-tuple, pick one
 *                  of the paths, rewrite the MACs and the TTL, redirect
 *                  through a devmap.
 * bench_minimal:   the same plus one clock read, one LRU hash lookup
 *                  updated in place (an update call for a new flow only)
 *                  and the flowlet decision (a gap starts a new flowlet,
 *                  which is hashed to its path).
 * IPv4 only, no VLANs, no validation beyond the bounds the verifier asks.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "hash.h"

#define BENCH_PATHS 4

struct bench_key {
	__u32 src;
	__u32 dst;
	__u16 sport;
	__u16 dport;
	__u32 proto;
};

struct bench_flow {
	__u64 last_seen_ns;
	__u32 flowlet;
	__u32 path;
};

/* The bench sizes it to the flows it runs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bench_key);
	__type(value, struct bench_flow);
} bench_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, BENCH_PATHS);
	__type(key, __u32);
	__type(value, __u32);
} bench_ports SEC(".maps");

const volatile __u64 bench_timeout_ns = 50000000;

static const __u8 path_macs[BENCH_PATHS][6] = {
	{ 0x02, 0, 0, 0, 1, 0 },
	{ 0x02, 0, 0, 0, 1, 1 },
	{ 0x02, 0, 0, 0, 1, 2 },
	{ 0x02, 0, 0, 0, 1, 3 },
};
static const __u8 our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

/* Parses the frame into @key; returns the IPv4 header, or NULL. */
static __always_inline struct iphdr *parse(void *data, void *data_end,
					   struct bench_key *key)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u16 *ports = (void *)(ip + 1);

	if ((void *)(ports + 2) > data_end ||
	    eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->ttl <= 1)
		return NULL;
	key->src = ip->saddr;
	key->dst = ip->daddr;
	key->sport = ports[0];
	key->dport = ports[1];
	key->proto = ip->protocol;
	return ip;
}

/* flowlet's flow hash (a bench_key is laid out as flowlet's IPv4 key). */
static __always_inline __u32 key_hash(const struct bench_key *key)
{
	return hash_words((const __u32 *)key, sizeof(*key) / 4, 0);
}

static __always_inline int forward(void *data, struct iphdr *ip, __u32 path)
{
	struct ethhdr *eth = data;
	__u32 check;

	path &= BENCH_PATHS - 1;
	__builtin_memcpy(eth->h_dest, path_macs[path], ETH_ALEN);
	__builtin_memcpy(eth->h_source, our_mac, ETH_ALEN);
	check = ip->check + bpf_htons(0x0100);
	ip->check = check + (check >= 0xffff);
	ip->ttl--;
	return bpf_redirect_map(&bench_ports, path, XDP_DROP);
}

SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int bench_stateless(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bench_key key = {};
	struct iphdr *ip = parse(data, data_end, &key);

	if (!ip)
		return XDP_PASS;
	return forward(data, ip, key_hash(&key) % BENCH_PATHS);
}

SEC("xdp")
int bench_minimal(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bench_key key = {};
	struct iphdr *ip = parse(data, data_end, &key);
	struct bench_flow *flow, fresh = {};
	__u64 now;
	__u32 h;

	if (!ip)
		return XDP_PASS;
	h = key_hash(&key);
	now = bpf_ktime_get_ns();
	flow = bpf_map_lookup_elem(&bench_flows, &key);
	if (!flow) {
		fresh.last_seen_ns = now;
		fresh.path = h % BENCH_PATHS;
		bpf_map_update_elem(&bench_flows, &key, &fresh, BPF_ANY);
		return forward(data, ip, fresh.path);
	}
	if (now - flow->last_seen_ns > bench_timeout_ns) {
		flow->flowlet++;
		flow->path =
			hash_final(hash_step(h, flow->flowlet)) % BENCH_PATHS;
	}
	flow->last_seen_ns = now;
	return forward(data, ip, flow->path);
}

char LICENSE[] SEC("license") = "GPL";
