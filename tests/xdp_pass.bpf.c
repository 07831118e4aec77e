// SPDX-License-Identifier: GPL-2.0
/*
 * Somebody else's XDP program: flowletctl must refuse to replace it. Built
 * with -DVERDICT=XDP_DROP (build/xdp_drop.bpf.o), it is the far end of a
 * cut cable: every frame that reaches it is lost.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef VERDICT
#define VERDICT XDP_PASS
#endif

SEC("xdp")
int other_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return VERDICT;
}

char LICENSE[] SEC("license") = "GPL";
