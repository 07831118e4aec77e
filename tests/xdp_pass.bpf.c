// SPDX-License-Identifier: GPL-2.0
/*
 * Somebody else's programs. other_xdp: flowletctl must refuse to replace
 * it. Built with -DVERDICT=XDP_DROP (build/xdp_drop.bpf.o), it is the far
 * end of a cut cable: every frame that reaches it is lost. other_tc: a
 * clsact filter beside flowlet's, which counts the packets it sees in
 * other_tc_seen and hands them on to the next filter.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#ifndef VERDICT
#define VERDICT XDP_PASS
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} other_tc_seen SEC(".maps");

SEC("xdp")
int other_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return VERDICT;
}

SEC("tc")
int other_tc(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *seen = bpf_map_lookup_elem(&other_tc_seen, &key);

	(void)skb;
	if (seen)
		__sync_fetch_and_add(seen, 1);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
