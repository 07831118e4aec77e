/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key and value layouts of every map (bpf/maps.h says which map holds
 * which). Fixed-width types only: the same bytes are read by the kernel,
 * by flowletctl and, through BTF, by bpftool.
 */
#ifndef FLOWLET_STRUCTS_H
#define FLOWLET_STRUCTS_H

#include <linux/types.h>

#include "flowlet_consts.h"

/* flowlet_flows and flowlet_new key: one IPv4 transport flow, 16 bytes
 * (the LRU hashes fewer bytes, an entry takes less memory). */
struct flowlet_flow_key4 {
	__be32 src;
	__be32 dst;
	__u16 sport; /* network order; 0 for fragments and non-TCP/UDP */
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
} __attribute__((aligned(4))); /* hashed as 32-bit words */

/* flowlet_flows6 and flowlet_new6 key: one IPv6 transport flow (family
 * 6). flowletctl shows IPv4 flows in this form too (family 4, the
 * addresses in the first 4 bytes). */
struct flowlet_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport; /* network order; 0 for fragments and non-TCP/UDP */
	__u16 dport;
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 pad;
} __attribute__((aligned(4))); /* hashed as 32-bit words */

/* The value of every flow table: updated in place by the data path. */
struct flowlet_flow {
	__u64 last_seen_ns; /* bpf_ktime_get_ns() of the last packet */
	__u64 packets;
	__u64 bytes;
	__u32 flowlet; /* flowlets this flow has started (the flowlet id) */
	__u8 path;     /* current path index */
	__u8 group;    /* the path group of its destination (see config_tag) */
	__u16 config_tag; /* the low 16 bits of the generation of the config
			   * that chose path and group: after a commit the
			   * destination's group is looked up again, and ecmp
			   * hashes again (the commit may have moved the flow)
			   */
	/* Telemetry: the low 32 bits of packets and bytes before the
	 * current flowlet, whose size is then exact below 4 GiB. */
	__u32 flowlet_packets0;
	__u32 flowlet_bytes0;
	/* TCP, its sender's losses (see struct flowlet_gaps): where the
	 * highest data sent so far ends (0: none seen). */
	__u32 tcp_next;
	/* --timeout auto: when it last moved after a gap below its group's
	 * safe_ns, in units of 2^FLOWLET_MOVED_SHIFT ns of
	 * bpf_ktime_get_ns(), low 32 bits (0: never): a segment it sends
	 * again soon after is counted as the move's (flowlet_gaps). */
	__u32 moved_at;
};

#define FLOWLET_MOVED_SHIFT 16 /* about 66 us; 32 bits span 78 hours */

/* Telemetry (flowlet_stats.hist, per CPU): log2 histograms, bucket i counting
 * values in [2^i, 2^(i+1)) (bucket 0 holds 0 too, the last bucket
 * everything above). Gaps in ns between a flow's packets, by whether
 * they started a flowlet; the sizes of flowlets that ended, counted when
 * their flow's next flowlet starts (a flow's last flowlet is not). */
#define FLOWLET_HIST_BUCKETS 40

struct flowlet_hist {
	__u64 gap_started[FLOWLET_HIST_BUCKETS];
	__u64 gap_continued[FLOWLET_HIST_BUCKETS];
	__u64 flowlet_packets[FLOWLET_HIST_BUCKETS];
	__u64 flowlet_bytes[FLOWLET_HIST_BUCKETS];
};

/* flowlet_gaps[group]: per CPU, the gaps in ns between the packets of the
 * group's established flows, FLOWLET_GAP_SUBS buckets per octave from
 * 2^FLOWLET_GAP_SHIFT ns (about 1 ms; shorter gaps are not counted, the
 * last bucket holds everything above), whatever the timeout: how often
 * the flows would start a flowlet at each timeout (--timeout auto; see
 * flowlet_gap_bucket()). */
#define FLOWLET_GAP_SHIFT   20
#define FLOWLET_GAP_SUBS    4
#define FLOWLET_GAP_BUCKETS 40 /* 10 octaves: up to about 1 s */

struct flowlet_gaps {
	__u64 count[FLOWLET_GAP_BUCKETS];
	/* Its TCP flows' senders, while gaps are counted: data segments sent
	 * again (ending at or below the flow's highest data so far), after a
	 * loss or after a reordering they took for one. */
	__u64 retransmits;
	/* Of those, the ones sent again within the group's resend_window_ns
	 * of their flow's last move after a gap below safe_ns: what such
	 * moves cost (a reordering the sender took for a loss), as far as
	 * a loss that happens to come then does not add to it. */
	__u64 resent_after_moves;
};

/* flowlet_last: what the data path decided for the last packet it ran;
 * kept only with the test clock (flowletctl replay, the unit tests), the
 * branch is verified away otherwise. */
struct flowlet_decision {
	struct flowlet_flow_key key; /* IPv4 in the first 4 bytes */
	__u32 flowlet;		     /* the flow's flowlet id now */
	__u32 path;
	__u8 new_flow; /* its first packet */
	__u8 new_flowlet;
	__u8 pad[6];
};

struct flowlet_path {
	__u32 ifindex; /* egress interface (also its devmap slot's target) */
	__u32 weight;  /* in group 0 (--path, --from-route; with
			* --from-routes 1 while a route uses the path); 0 =
			* out of rotation: no new flowlet goes there */
	__u8 dst_mac[6];
	__u8 src_mac[6];
	__u8 down; /* FLOWLET_DOWN() bits; a path that is down is never
		    * chosen */
	__u8 pad[3];
};

/* An ingress port: the interface attach names, and more given with
 * --ingress, where the same program runs with the same maps. */
struct flowlet_ingress {
	__u32 ifindex;
	__u8 mac[6];
	__u16 pad;
};

/* flowlet_prefix key: LPM over (family, address). prefixlen counts the
 * family byte, so an IPv4 /24 is prefixlen 8 + 24. */
struct flowlet_prefix_key {
	__u32 prefixlen;
	__u8 family;
	__u8 addr[16];
};

/* flowlet_prefix value */
struct flowlet_prefix_value {
	__u8 action; /* enum flowlet_prefix_action */
	__u8 group;  /* FLOWLET_PREFIX_BALANCE: over this path group */
};

/*
 * A path group: the paths one destination is balanced over, like the
 * kernel's nexthop groups. Group 0 holds every path of an instance
 * with --path or --from-route (weights from the paths); with
 * --from-routes each distinct set of next hops and weights of the
 * table's routes is a group, and each route's prefix names its group.
 */
struct flowlet_group {
	__u32 slot_count; /* slots[0..slot_count) are in use; 0: no path */
	__u32 members;	  /* bit i: path i belongs to the group */
	/* The flowlet gap of the group's flows: the config's timeout_ns,
	 * or with --timeout auto what its paths' delays call for. */
	__u64 timeout_ns;
	/* --timeout auto: the gap after which no move reorders (the delay
	 * spread's bound, see struct flowlet_auto); 0: not known. */
	__u64 safe_ns;
	/* --timeout auto: how long after a move below safe_ns a segment its
	 * flow sends again is the move's (flowlet_gaps.resent_after_moves;
	 * twice the slowest path's p99 round trip); 0: not known. */
	__u64 resend_window_ns;
	__u16 weights[FLOWLET_MAX_PATHS]; /* of members; 0: no new flowlet */
	__u8 slots[FLOWLET_SLOTS];	  /* path index per slot, by weight */
};

/*
 * flowlet_config[slot]: everything flowletctl set may change live. A slot
 * is written only while it is not active and no packet is still decided
 * under it (flowletctl waits a grace period after each switch), so every
 * packet sees one whole config; the path indexes of slot s are the
 * devmap keys s * FLOWLET_MAX_PATHS + path.
 */
struct flowlet_config {
	__u64 generation;	/* counts configs committed to this instance */
	__u64 timeout_ns;	/* flowlet gap (each group's, see its own) */
	__u64 load_halflife_ns; /* leastload: rate estimate half-life */
	__u32 mode;		/* enum flowlet_mode */
	__u32 path_count;	/* paths[0..path_count) are configured */
	__u32 hash_seed;	/* per instance, kept across re-attach */
	__u8 telemetry;		/* 1: fill flowlet_stats.hist */
	__u8 count_gaps; /* 1: fill flowlet_gaps (--timeout auto, a mode with
			  * flowlets: set by every commit) */
	__u8 pad[2];
	__u32 group_count; /* groups[0..group_count) may be in use */
	/* ingress[0..ingress_count): frames to other MACs than these ports'
	 * are not routed; [0] is the interface attach named. */
	__u32 ingress_count;
	struct flowlet_ingress ingress[FLOWLET_MAX_INGRESS];
	struct flowlet_path paths[FLOWLET_MAX_PATHS];
	struct flowlet_group groups[FLOWLET_MAX_GROUPS];
};

/*
 * flowlet_delay[target * FLOWLET_MAX_PATHS + path]: the round trip of
 * `flowletctl watch --probe`'s echo requests to a target over one path,
 * written by the watcher (the data path never reads it). Delays are over
 * the last samples (at most FLOWLET_DELAY_WINDOW), in ns.
 */
#define FLOWLET_DELAY_WINDOW 64

struct flowlet_delay {
	__u8 target[16]; /* IPv4 in the first 4 bytes */
	__u8 family;	 /* 0: no target at this index */
	__u8 pad[3];
	__u32 samples;	/* in the window */
	__u64 sent;	/* probes sent */
	__u64 answered; /* replies in time */
	__u64 lost;	/* no reply within the probe timeout */
	__u64 p50_ns;	/* of the window */
	__u64 p99_ns;
	__u64 min_ns;
	__u64 last_ns;	   /* the last sample */
	__u64 updated_ns;  /* CLOCK_MONOTONIC of the last reply (0: none) */
	__u64 interval_ns; /* between two probes to the target on the path */
	__u32 frame_bytes; /* of one probe on the wire, Ethernet header on */
	__u32 pad2;
};

/*
 * flowlet_auto[group]: what `flowletctl watch` last derived the group's
 * --timeout auto from (delay_timeout() in loader/lib/delay.h), written
 * by the watcher once a second; the data path never reads it.
 */
struct flowlet_auto {
	__u64 timeout_ns; /* what they call for; 0: not every path measured */
	__u64 spread_ns;  /* the slowest path's p99 against the fastest least */
	__u64 base_ns;	  /* the slowest path's least against the fastest */
	__u64 safe_ns;	  /* the spread's bound: no move after a longer gap
			   * reorders */
	__u64 move_ns;	  /* the move timeout below the spread's bound; 0: no
			   * flows */
	__u64 flows;	  /* the group's flows that sent in the last second */
	__u64 retransmits;	  /* its TCP senders' over the last looks (about
				   * 10 s, see struct flowlet_gaps) */
	__u64 resent_after_moves; /* of those, soon after a move below
				   * safe_ns: what the moves cost */
	__u64 resend_window_ns;	  /* "soon": see struct flowlet_group */
	__u64 reorders_milli;	  /* reordering moves x 1000 the timeout in
				   * force allowed over the looks */
	__u64 move_cost_milli;	  /* segments x 1000 one cost (shown) */
	__u64 updated_ns;	  /* CLOCK_MONOTONIC of the write; 0: never */
};

enum flowlet_prefix_action {
	FLOWLET_PREFIX_SKIP,	/* link-scope, multicast, broadcast */
	FLOWLET_PREFIX_BALANCE, /* forward over the paths */
	FLOWLET_PREFIX_LOCAL,	/* an address of this namespace: skipped */
	FLOWLET_PREFIX_KERNEL,	/* --from-routes: a route the kernel forwards
				 * alone (one next hop, or none through the
				 * paths): skipped */
};

/*
 * flowlet_meta[slot]: what flowletctl keeps about config slot s, written
 * with it by the same commit. The data path never reads it; it lives with
 * the instance so that every flowletctl (show, watch, a restarted one)
 * finds it.
 */
struct flowlet_path_meta {
	__u8 nexthop[16]; /* IPv4 in the first 4 bytes */
	__u8 nexthop_family;
	__u8 pad;
	__u16 route_weight; /* the route's weight (1-256) before scaling to
			     * the slot table; 0 for --path */
	__u32 pad2;
	__s64 xmit_offset; /* the egress driver's XDP xmit count minus this
			    * path's packets, when counters were last reset */
};

struct flowlet_meta {
	/* The paths follow the kernel's route to this prefix in table
	 * route_table (family 0: the paths are --path's). */
	struct flowlet_prefix_key route;
	__u8 from_routes;  /* the paths and groups follow every route through
			    * gateways in route_table */
	__u8 timeout_auto; /* --timeout auto: watch sets each group's timeout
			    * from its paths' delays (timeout_ns until then) */
	__u8 pad[2];
	__u32 route_table;
	struct flowlet_path_meta paths[FLOWLET_MAX_PATHS];
};

/* flowlet_path_stats: per CPU, per path. */
struct flowlet_path_stats {
	__u64 packets;
	__u64 bytes;
	__u64 flowlets; /* flowlets that started on this path */
};

/* flowlet_stats[0]: per CPU, global. */
/*
 * The global counters of struct flowlet_stats, one row each: its field
 * (also its key in stats --json and, with _total, its Prometheus name),
 * its label in stats' text, and what it counts (Prometheus's HELP).
 */
#define FLOWLET_COUNTERS(X)                                                \
	X(flows_created, "created", "Flows seen for the first time.")      \
	X(flows_established, "established",                                \
	  "Flows seen a second time (moved into the flow table).")         \
	X(flowlets, "flowlets", "Flowlets started, new flows included.")   \
	X(path_changes, "path changes",                                    \
	  "Flowlets that started on another path than their flow's last.") \
	X(path_changes_safe, "safe path changes",                          \
	  "--timeout auto: TCP and UDP flows' path changes after a gap "   \
	  "above the delay spread's bound, which cannot reorder.")         \
	X(path_changes_unsafe, "unsafe path changes",                      \
	  "--timeout auto: TCP and UDP flows' path changes after a "       \
	  "shorter gap, which may reorder.")                               \
	X(rerouted, "rerouted",                                            \
	  "share: flows moved within their flowlet, to a path where they " \
	  "would get 1.5 times as much.")                                  \
	X(redirected, "redirected", "Packets sent over a path.")

struct flowlet_stats {
#define FLOWLET_COUNTER_FIELD(field, label, help) __u64 field;
	FLOWLET_COUNTERS(FLOWLET_COUNTER_FIELD)
#undef FLOWLET_COUNTER_FIELD
	__u64 passed[FLOWLET_PASS_COUNT];
	__u64 dropped[FLOWLET_DROP_COUNT];
	/* Telemetry, when the config asks for it: here, not in a map of its
	 * own, because every packet looks this value up already. */
	struct flowlet_hist hist;
};

/* flowlet_load: per path, shared by CPUs; only leastload keeps it. */
struct flowlet_load {
	__u64 bytes;	/* decayed byte count (DRE) */
	__u64 stamp_ns; /* time the decay was last applied */
};

/*
 * flowlet_share[group * FLOWLET_MAX_PATHS + path], mode share: the
 * group's traffic over the path, counted by the data path (shared by the
 * CPUs: an atomic add per packet, and one per flow per epoch).
 */
struct flowlet_share {
	__u64 bytes; /* sent since the entry was reset */
	/* the same, decaying (leastload's estimate, --load-halflife), each
	 * new flowlet charged FLOWLET_NEW_FLOWLET_LOAD in advance: what the
	 * path carries now */
	struct flowlet_load load;
	__u32 epoch[2]; /* flows[i] counts the flows of epoch epoch[i] */
	__u32 flows[2]; /* (now >> FLOWLET_SHARE_EPOCH_SHIFT: an epoch) */
};

/*
 * flowlet_cap[group * FLOWLET_MAX_PATHS + path], mode share: what
 * the path carries for the group, in bytes per second, estimated by
 * `flowletctl watch` (capacity_update() in loader/lib/delay.h); 0: not
 * known. The data path reads it when a flowlet starts.
 */
struct flowlet_capacity {
	__u64 bytes_per_s;
};

#endif /* FLOWLET_STRUCTS_H */
