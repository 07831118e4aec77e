/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path selection: one function per mode, all over the weighted slot table
 * of the destination's path group, which flowletctl fills (slot_count is a
 * multiple of the sum of the weights, so every pick is exactly
 * proportional). The caller has checked 1 <= slot_count <= FLOWLET_SLOTS;
 * every index read here is masked or bounds-checked, so a torn or hostile
 * config cannot leave the arrays.
 */
#ifndef FLOWLET_PICK_H
#define FLOWLET_PICK_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "flowlet.h"
#include "hash.h"
#include "maps.h"

#define FLOWLET_NO_PATH 0xffffffffu

_Static_assert(sizeof(struct flowlet_flow_key4) % 8 == 0 &&
		       sizeof(struct flowlet_flow_key) % 8 == 0 &&
		       sizeof(struct flowlet_flow_key) <= 40,
	       "hash_words() takes 64-bit pairs, at most five");

/* A flow key (struct flowlet_flow_key4 or flowlet_flow_key) of
 * @key_words words. */
static __always_inline __u32 flow_hash(const void *key, int key_words,
				       __u32 seed)
{
	return hash_words(key, key_words, seed);
}

/* Maps a 32-bit value onto [0, n) without a division. */
static __always_inline __u32 scale(__u32 value, __u32 n)
{
	return ((__u64)value * n) >> 32;
}

_Static_assert((FLOWLET_MAX_PATHS & (FLOWLET_MAX_PATHS - 1)) == 0,
	       "path indexes are masked: FLOWLET_MAX_PATHS is a power of two");
_Static_assert((FLOWLET_SLOTS & (FLOWLET_SLOTS - 1)) == 0,
	       "slot indexes are masked: FLOWLET_SLOTS is a power of two");

_Static_assert(
	(FLOWLET_MAX_GROUPS & (FLOWLET_MAX_GROUPS - 1)) == 0,
	"group indexes are masked: FLOWLET_MAX_GROUPS is a power of two");
_Static_assert(FLOWLET_MAX_PATHS <= 32, "a group's members are 32 bits");

/* The mask keeps the verifier (and a bad index) inside the array. The
 * empty asm hides the index from clang, which would otherwise drop the mask
 * after a range check it made on another register. */
static __always_inline const struct flowlet_path *
path_at(const struct flowlet_config *cfg, __u32 path)
{
	asm volatile("" : "+r"(path));
	return &cfg->paths[path & (FLOWLET_MAX_PATHS - 1)];
}

static __always_inline const struct flowlet_group *
group_at(const struct flowlet_config *cfg, __u32 group)
{
	asm volatile("" : "+r"(group));
	return &cfg->groups[group & (FLOWLET_MAX_GROUPS - 1)];
}

/* A path of @grp that is up. */
static __always_inline bool path_usable(const struct flowlet_config *cfg,
					const struct flowlet_group *grp,
					__u32 path)
{
	return path < cfg->path_count && path < FLOWLET_MAX_PATHS &&
	       (grp->members >> path & 1) && !path_at(cfg, path)->down;
}

/* A weighted pick: the slot that @h falls in. */
static __always_inline __u32 slot_path(const struct flowlet_group *grp, __u32 h)
{
	return grp->slots[scale(h, grp->slot_count) & (FLOWLET_SLOTS - 1)];
}

/* Weighted round robin: one cursor per group for every CPU walks the
 * group's slot table, so that the split is exact whichever CPU runs a
 * packet. */
static __always_inline __u32 spray_path(const struct flowlet_group *grp,
					__u32 group)
{
	__u64 *cursor = bpf_map_lookup_elem(&flowlet_spray, &group);
	__u64 slot;

	if (!cursor)
		return FLOWLET_NO_PATH;
	slot = __sync_fetch_and_add(cursor, 1) % grp->slot_count;
	return grp->slots[slot & (FLOWLET_SLOTS - 1)];
}

/*
 * A load estimate @elapsed ns later: halved once per half-life, and within
 * a half-life scaled by 1 - x/2 (x the fraction elapsed), a linear stand-in
 * for 2^-x that is exact at both ends. Another CPU may have stamped the
 * estimate after this CPU read its clock: a negative elapsed time is none.
 */
static __always_inline __u64 load_decay(const struct flowlet_config *cfg,
					__u64 bytes, __u64 elapsed)
{
	__u64 halflife = cfg->load_halflife_ns;
	__u64 halvings, rest;

	if (!halflife || (__s64)elapsed <= 0)
		return bytes;
	halvings = elapsed / halflife;
	if (halvings > 63)
		return 0;
	bytes >>= halvings;
	rest = elapsed - halvings * halflife;
	return bytes - bytes * rest / (2 * halflife);
}

static __always_inline __u64 load_now(const struct flowlet_config *cfg,
				      const struct flowlet_load *load,
				      __u64 now)
{
	return load_decay(cfg, load->bytes, now - load->stamp_ns);
}

/* DRE: decay @load to @now, then add @bytes. CPUs race on the update;
 * the estimate only needs to be roughly right. The decay (two divisions)
 * is applied at most once per sixteenth of a half-life: bytes in between
 * decay from the last stamp, under 5% early. */
static __always_inline void load_add(const struct flowlet_config *cfg,
				     struct flowlet_load *load, __u64 now,
				     __u64 bytes)
{
	if ((__s64)(now - load->stamp_ns) >
	    (__s64)(cfg->load_halflife_ns >> 4)) {
		load->bytes = load_now(cfg, load, now);
		load->stamp_ns = now;
	}
	__sync_fetch_and_add(&load->bytes, bytes);
}

/* leastload: @bytes into @path's estimate, whichever groups it serves. */
static __always_inline void load_account(const struct flowlet_config *cfg,
					 __u32 path, __u64 now, __u64 bytes)
{
	struct flowlet_load *load = bpf_map_lookup_elem(&flowlet_load, &path);

	if (load)
		load_add(cfg, load, now, bytes);
}

/* The @i-th path of a scan over @count paths that starts at @start (<
 * @count), wrapping around. */
static __always_inline __u32 scan_path(__u32 start, __u32 i, __u32 count)
{
	__u32 path = start + i;

	return path >= count ? path - count : path;
}

/* The usable path of @grp with the least load per unit of its weight.
 * The scan starts at a per-flowlet offset so that idle paths share new
 * flowlets. A global function, verified once on its own: inlined into
 * each family's flow handling, its loop would be explored once per caller
 * state. */
__noinline __u32 least_loaded_path(const struct flowlet_config *cfg,
				   const struct flowlet_group *grp, __u32 h,
				   __u64 now)
{
	__u32 count, start, best = FLOWLET_NO_PATH;
	__u64 best_load = 0, best_weight = 1;

	/* the verifier sees a global function's pointers alone */
	if (!cfg || !grp)
		return FLOWLET_NO_PATH;
	count = cfg->path_count;
	start = scale(h, count);

#pragma unroll
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
		__u32 path = scan_path(start, i, count);
		struct flowlet_load *load;
		__u64 bytes, weight;

		if (i >= count)
			break;
		if (!path_usable(cfg, grp, path))
			continue;
		weight = grp->weights[path & (FLOWLET_MAX_PATHS - 1)];
		if (!weight)
			continue;
		load = bpf_map_lookup_elem(&flowlet_load, &path);
		if (!load)
			continue;
		bytes = load_now(cfg, load, now);
		if (best == FLOWLET_NO_PATH ||
		    bytes * best_weight < best_load * weight) {
			best = path;
			best_load = bytes;
			best_weight = weight;
		}
	}
	return best;
}

/* share: the index of @group's @path in flowlet_share and flowlet_cap. */
static __always_inline __u32 share_key(__u32 group, __u32 path)
{
	return (group & (FLOWLET_MAX_GROUPS - 1)) * FLOWLET_MAX_PATHS +
	       (path & (FLOWLET_MAX_PATHS - 1));
}

/* share: whether @flow is one that counts on its path: it has sent
 * FLOWLET_SHARE_FLOW_BYTES (flows that send little do not take a part of
 * a path's capacity). */
static __always_inline bool share_counted(const struct flowlet_flow *flow)
{
	return flow->bytes >= FLOWLET_SHARE_FLOW_BYTES;
}

/*
 * share: the @bytes of a packet of @flow (before the packet is counted in
 * it; packets 0: a new flow) sent over the group's path at @key
 * (share_key()) at @now, into the path's counter and its estimate (a new
 * flowlet charged FLOWLET_NEW_FLOWLET_LOAD in advance there, so that
 * flowlets starting together spread). The flow counts on the path at its
 * first packet there in an epoch, or when it reaches
 * FLOWLET_SHARE_FLOW_BYTES. CPUs race on an epoch's reset, and may drop
 * a count there: the count only needs to be roughly right. A global
 * function, so that the packet's own verification sees one call.
 */
__noinline int share_account(const struct flowlet_config *cfg,
			     const struct flowlet_flow *flow, __u32 key,
			     __u64 now, __u32 bytes)
{
	struct flowlet_share *s = bpf_map_lookup_elem(&flowlet_share, &key);
	__u32 epoch = flowlet_share_epoch(now), i = epoch & 1;
	bool new_flowlet;

	if (!s || !flow || !cfg)
		return 0;
	new_flowlet = flow->flowlet_packets0 == (__u32)flow->packets;
	__sync_fetch_and_add(&s->bytes, bytes);
	load_add(cfg, &s->load, now,
		 bytes + (new_flowlet ? FLOWLET_NEW_FLOWLET_LOAD : 0));
	if (flow->bytes + bytes < FLOWLET_SHARE_FLOW_BYTES ||
	    (share_counted(flow) && flow->packets &&
	     flow->path == key % FLOWLET_MAX_PATHS &&
	     flowlet_share_epoch(flow->last_seen_ns) == epoch))
		return 0;
	if (s->epoch[i] != epoch) {
		s->epoch[i] = epoch;
		s->flows[i] = 0;
	}
	__sync_fetch_and_add(&s->flows[i], 1);
	return 0;
}

#define SHARE_MAX_CAPACITY ((1ULL << 43) - 1)
#define SHARE_UNMEASURED   (1ULL << 20) /* as every path counts then */
#define SHARE_FLOW_SHIFT   12
#define SHARE_LN2_NS	   693147181ULL /* ln 2 x 10^9 */

/*
 * share: what a new flowlet of @flow would get on @path of group @group
 * (@cfg's) at @now, as a score: the path's capacity (flowlet_cap, which
 * the watcher fills; where it has not, every path counts the same) over
 * its flows, the flow included, or what of it the path does not carry
 * now (flowlet_share.load) if more, times 2^SHARE_FLOW_SHIFT (below
 * 2^55), at least 1. 0: the path is not usable, or takes no new flowlets
 * (weight 0). A global function: the verifier checks it once, and its
 * caller's scan sees only a number.
 */
__noinline __u64 share_score(const struct flowlet_config *cfg, __u32 group,
			     __u32 path, const struct flowlet_flow *flow,
			     __u64 now)
{
	const struct flowlet_capacity *cap;
	const struct flowlet_group *grp;
	const struct flowlet_share *s;
	__u64 capacity, spare, flows, score, rate;
	__u32 key;

	if (!cfg || !flow)
		return 0;
	grp = group_at(cfg, group);
	if (!path_usable(cfg, grp, path) ||
	    !grp->weights[path & (FLOWLET_MAX_PATHS - 1)])
		return 0;
	key = share_key(group, path);
	s = bpf_map_lookup_elem(&flowlet_share, &key);
	cap = bpf_map_lookup_elem(&flowlet_cap, &key);
	if (!s || !cap)
		return 0;
	capacity = cap->bytes_per_s;
	if (capacity > SHARE_MAX_CAPACITY)
		capacity = SHARE_MAX_CAPACITY;
	if (!capacity)
		capacity = SHARE_UNMEASURED;
	/* What the path does not carry now (its estimate as a rate: a
	 * steady R bytes/s holds R * half-life / ln 2). */
	rate = cfg->load_halflife_ns
		       ? load_now(cfg, &s->load, now) * SHARE_LN2_NS /
				 cfg->load_halflife_ns
		       : 0;
	spare = rate < capacity ? capacity - rate : 0;
	flows = flowlet_share_flows(s, flowlet_share_epoch(now));
	/* The flow counts where it goes; on its own path it is counted
	 * already if it sent enough, unless it sent nothing there in this
	 * epoch or the one before. */
	if (path != flow->path || !share_counted(flow) || !flows)
		flows++;
	/* Its part, or what the path has spare if that is more. */
	score = (capacity << SHARE_FLOW_SHIFT) / flows;
	if (score < spare << SHARE_FLOW_SHIFT)
		score = spare << SHARE_FLOW_SHIFT;
	return score ? score : 1;
}

/* share_best()'s answer: the path in the low 32 bits, and in the high 32
 * how much more it gives than the flow's own path, in 64ths (at most
 * SHARE_GAIN_NONE, also when the flow has no usable path of its own). */
#define SHARE_GAIN_UNIT 64
#define SHARE_GAIN_NONE 0xffffffffULL

/*
 * The usable path of group @group on which a new flowlet of @flow (a new
 * flow: path FLOWLET_NO_PATH) would get the most (share_score()), and its
 * gain over the flow's path. Equal scores go to the first in a scan that
 * starts at a per-flowlet offset (@h). A global function, verified once
 * on its own.
 */
__noinline __u64 share_best(const struct flowlet_config *cfg, __u32 group,
			    __u32 h, const struct flowlet_flow *flow, __u64 now)
{
	__u32 count, start, best = FLOWLET_NO_PATH;
	__u64 best_score = 0, mine = 0, gain = SHARE_GAIN_NONE;

	if (!cfg || !flow)
		return FLOWLET_NO_PATH;
	count = cfg->path_count;
	start = scale(h, count);

#pragma unroll
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
		__u32 path = scan_path(start, i, count);
		__u64 score;

		if (i >= count)
			break;
		score = share_score(cfg, group, path, flow, now);
		if (path == flow->path)
			mine = score;
		if (score > best_score) {
			best = path;
			best_score = score;
		}
	}
	if (mine && best_score / mine < SHARE_GAIN_NONE / SHARE_GAIN_UNIT)
		gain = best_score * SHARE_GAIN_UNIT / mine;
	return gain << 32 | best;
}

/* share: the path of a new flowlet of @flow: the best one (share_best()),
 * unless it gives no more than 1 + 1/2^FLOWLET_SHARE_MARGIN_SHIFT times
 * the flow's own. */
static __always_inline __u32 share_path(const struct flowlet_config *cfg,
					__u32 group, __u32 h,
					const struct flowlet_flow *flow,
					__u64 now)
{
	__u64 pick = share_best(cfg, group, h, flow, now);

	if ((pick >> 32) >
	    SHARE_GAIN_UNIT + (SHARE_GAIN_UNIT >> FLOWLET_SHARE_MARGIN_SHIFT))
		return (__u32)pick;
	return flow->path;
}

/*
 * share: whether @flow (of group @group), at its first packet of an epoch
 * and after FLOWLET_SHARE_REROUTE_BYTES in its flowlet, should leave its
 * path within the flowlet, which may reorder: another path gives it
 * 1 + 1/2^FLOWLET_SHARE_REROUTE_SHIFT times what it gets. A global
 * function, so that the packet's own verification sees one branch.
 */
__noinline bool share_reroute(const struct flowlet_config *cfg, __u32 group,
			      const struct flowlet_flow *flow, __u64 now)
{
	if (!cfg || !flow ||
	    flowlet_share_epoch(flow->last_seen_ns) ==
		    flowlet_share_epoch(now) ||
	    (__u32)flow->bytes - flow->flowlet_bytes0 <
		    FLOWLET_SHARE_REROUTE_BYTES)
		return false;
	return (share_best(cfg, group, flow->flowlet, flow, now) >> 32) >=
	       SHARE_GAIN_UNIT +
		       (SHARE_GAIN_UNIT >> FLOWLET_SHARE_REROUTE_SHIFT);
}

/*
 * The path for this packet, in group @group (@grp, whose slot_count the
 * caller has checked). ecmp and spray decide per packet; the flowlet
 * modes keep the flow's path until a gap starts a new flowlet (or the path
 * leaves the group or goes down). An out-of-range mode behaves as flowlet.
 * The flow is hashed only where the choice needs it: not for spray, nor
 * for a packet that continues its flowlet, nor in ecmp for a flow whose
 * path the config in force chose (a commit changes the generation; 16 bits
 * of it tag the flow, so a flow idle across exactly a multiple of 65,536
 * commits keeps a path that is usable but maybe not its hash's).
 */
static __always_inline __u32 select_path(const struct flowlet_config *cfg,
					 const struct flowlet_group *grp,
					 __u32 group, const void *key,
					 int key_words,
					 const struct flowlet_flow *flow,
					 bool new_flowlet, __u64 now)
{
	__u32 hash;

	switch (cfg->mode) {
	case FLOWLET_MODE_ECMP:
		if (flow->config_tag == (__u16)cfg->generation &&
		    path_usable(cfg, grp, flow->path))
			return flow->path;
		return slot_path(grp,
				 flow_hash(key, key_words, cfg->hash_seed));
	case FLOWLET_MODE_SPRAY:
		return spray_path(grp, group);
	}
	if (!new_flowlet && path_usable(cfg, grp, flow->path))
		return flow->path;
	hash = hash_final(hash_step(flow_hash(key, key_words, cfg->hash_seed),
				    flow->flowlet));
	switch (cfg->mode) {
	case FLOWLET_MODE_LETFLOW:
		return slot_path(grp, bpf_get_prandom_u32());
	case FLOWLET_MODE_LEASTLOAD:
		return least_loaded_path(cfg, grp, hash, now);
	case FLOWLET_MODE_SHARE:
		return share_path(cfg, group, hash, flow, now);
	default:
		return slot_path(grp, hash);
	}
}

#endif /* FLOWLET_PICK_H */
