// SPDX-License-Identifier: GPL-2.0
/* Somebody else's XDP program: flowletctl must refuse to replace it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int other_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
