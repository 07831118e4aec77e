/* SPDX-License-Identifier: GPL-2.0 */
/* Code the data path and flowletctl both run. */
#ifndef FLOWLET_HELPERS_H
#define FLOWLET_HELPERS_H

#include <stdbool.h>
#include <linux/types.h>

#include "flowlet_structs.h"

/* The histogram bucket of @v: floor(log2(v)), at most the last. Written
 * out because clang 14 crashes on __builtin_clz for the BPF target; used
 * by the data path and by flowletctl replay alike. */
static inline __attribute__((always_inline)) __u32 flowlet_log2(__u64 v)
{
	__u32 b = 0;

	if (v >> 32) {
		v >>= 32;
		b += 32;
	}
	if (v >> 16) {
		v >>= 16;
		b += 16;
	}
	if (v >> 8) {
		v >>= 8;
		b += 8;
	}
	if (v >> 4) {
		v >>= 4;
		b += 4;
	}
	if (v >> 2) {
		v >>= 2;
		b += 2;
	}
	if (v >> 1)
		b += 1;
	return b < FLOWLET_HIST_BUCKETS ? b : FLOWLET_HIST_BUCKETS - 1;
}

/* The flowlet_gaps bucket of a gap of @ns >= 2^FLOWLET_GAP_SHIFT: its
 * octave's, and which quarter of the octave (the two bits below the
 * highest), at most the last. */
static inline __attribute__((always_inline)) __u32 flowlet_gap_bucket(__u64 ns)
{
	__u32 octave = flowlet_log2(ns), b;

	b = (octave - FLOWLET_GAP_SHIFT) * FLOWLET_GAP_SUBS +
	    ((ns >> (octave - 2)) & (FLOWLET_GAP_SUBS - 1));
	return b < FLOWLET_GAP_BUCKETS ? b : FLOWLET_GAP_BUCKETS - 1;
}

/* The least gap in flowlet_gaps bucket @b, in ns. */
static inline __attribute__((always_inline)) __u64 flowlet_gap_edge(__u32 b)
{
	return (__u64)(FLOWLET_GAP_SUBS + b % FLOWLET_GAP_SUBS)
	       << (FLOWLET_GAP_SHIFT + b / FLOWLET_GAP_SUBS - 2);
}

/* Whether a flow of IP protocol @proto is measured for --timeout auto:
 * its gaps go into flowlet_gaps, its path changes into
 * path_changes_safe or _unsafe, and it counts among a group's active
 * flows. TCP and UDP, whose order matters; not ICMP, such as the echo
 * replies to another flowlet router's probes, which cross this one in
 * a steady stream at the probe interval. */
static inline __attribute__((always_inline)) bool flowlet_measured(__u8 proto)
{
	return proto == 6 /* IPPROTO_TCP */ || proto == 17 /* IPPROTO_UDP */;
}

/* share: the epoch of @now (bpf_ktime_get_ns(), CLOCK_MONOTONIC). */
static inline __attribute__((always_inline)) __u32
flowlet_share_epoch(__u64 now)
{
	return (__u32)(now >> FLOWLET_SHARE_EPOCH_SHIFT);
}

/* share: the flows on a path in @epoch, or in the one before if it had
 * more (an epoch that just began has seen few of them yet). */
static inline __attribute__((always_inline)) __u32
flowlet_share_flows(const struct flowlet_share *s, __u32 epoch)
{
	__u32 now = s->epoch[epoch & 1] == epoch ? s->flows[epoch & 1] : 0,
	      before = s->epoch[(epoch - 1) & 1] == epoch - 1
			       ? s->flows[(epoch - 1) & 1]
			       : 0;

	return now > before ? now : before;
}

#endif /* FLOWLET_HELPERS_H */
