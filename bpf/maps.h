/* SPDX-License-Identifier: GPL-2.0 */
/* The flowlet maps. flowletctl finds them through the attached program's
 * map ids, by these names; every map has BTF for bpftool map dump. */
#ifndef FLOWLET_MAPS_H
#define FLOWLET_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "flowlet.h"

/* Per-flow state of established flows (seen at least twice), IPv4 and
 * IPv6 in tables of their own (an IPv4 key is 16 bytes, an IPv6 one 40);
 * the data path moves them here from flowlet_new(6), updates them in
 * place. Only established flows evict each other: a flood of new flows
 * cannot. An entry here is also the data path's memory that the flow's
 * destination is balanced (see flowlet.bpf.c): flowletctl deletes the
 * entries a prefix change leaves outside the balanced prefixes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOWLET_MAX_FLOWS);
	__type(key, struct flowlet_flow_key4);
	__type(value, struct flowlet_flow);
} flowlet_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOWLET_MAX_FLOWS);
	__type(key, struct flowlet_flow_key);
	__type(value, struct flowlet_flow);
} flowlet_flows6 SEC(".maps");

/* Per-flow state of flows seen once (admission, as in a 2Q cache); the
 * data path creates entries here. flowletctl sizes them to
 * 1/FLOWLET_NEW_FLOWS_DIVISOR of the flow tables. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOWLET_MAX_FLOWS / FLOWLET_NEW_FLOWS_DIVISOR);
	__type(key, struct flowlet_flow_key4);
	__type(value, struct flowlet_flow);
} flowlet_new SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOWLET_MAX_FLOWS / FLOWLET_NEW_FLOWS_DIVISOR);
	__type(key, struct flowlet_flow_key);
	__type(value, struct flowlet_flow);
} flowlet_new6 SEC(".maps");

/* The config ring: mode, timeout, weights, paths; flowletctl writes the
 * slot that is not active. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_CONFIG_SLOTS);
	__type(key, __u32);
	__type(value, struct flowlet_config);
} flowlet_config SEC(".maps");

/* What flowletctl keeps about each config slot (nexthops, the routes it
 * follows), committed with it. The data path never reads it; flowletctl
 * binds it to the program (bpf_prog_bind_map()) so that it is found
 * through the program's map ids like the others (loader_maps in
 * loader/lib/attach.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_CONFIG_SLOTS);
	__type(key, __u32);
	__type(value, struct flowlet_meta);
} flowlet_meta SEC(".maps");

/* Per probe target and path: the delays flowletctl watch --probe
 * measures. The data path never reads it; bound to the program as
 * flowlet_meta is. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_MAX_PROBE_TARGETS *FLOWLET_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct flowlet_delay);
} flowlet_delay SEC(".maps");

/* [0]: the config slot packets use now (< FLOWLET_CONFIG_SLOTS, so one
 * byte changes and a reader never sees a torn index); flowletctl. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} flowlet_active SEC(".maps");

/* Config slot * FLOWLET_MAX_PATHS + path index -> egress interface, for
 * bpf_redirect_map(); flowletctl, with the config slot. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, FLOWLET_PORT_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} flowlet_ports SEC(".maps");

/* Destinations to balance (or to leave to the kernel); flowletctl. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FLOWLET_MAX_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct flowlet_prefix_key);
	__type(value, struct flowlet_prefix_value);
} flowlet_prefix SEC(".maps");

/* Per-path counters; the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOWLET_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct flowlet_path_stats);
} flowlet_pstats SEC(".maps");

/* Global counters; the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flowlet_stats);
} flowlet_stats SEC(".maps");

/* Per path group: what watch set its auto timeout from (struct
 * flowlet_auto); the loader's, like flowlet_delay. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct flowlet_auto);
} flowlet_auto SEC(".maps");

/* Per path group, per CPU: its flows' gaps (struct flowlet_gaps); the data
 * path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOWLET_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct flowlet_gaps);
} flowlet_gaps SEC(".maps");

/* Per path group: spray's round-robin cursor, shared by the CPUs (one
 * atomic add per sprayed packet) so that the split is exact; the data
 * path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_MAX_GROUPS);
	__type(key, __u32);
	__type(value, __u64);
} flowlet_spray SEC(".maps");

/* Per-path decaying byte counts for leastload; the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct flowlet_load);
} flowlet_load SEC(".maps");

/* Per path group and path, share's traffic counts; the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_MAX_GROUPS *FLOWLET_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct flowlet_share);
} flowlet_share SEC(".maps");

/* Per path group and path, share's capacity estimates; the watcher
 * writes them, the data path reads them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOWLET_MAX_GROUPS *FLOWLET_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct flowlet_capacity);
} flowlet_cap SEC(".maps");

#endif /* FLOWLET_MAPS_H */
