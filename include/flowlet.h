/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the XDP data path (bpf/) and flowletctl (loader/):
 * the key and value layouts of every map, and the names of modes and
 * counter slots. Fixed-width types only: the same bytes are read by the
 * kernel, by the loader and, through BTF, by bpftool.
 */
#ifndef FLOWLET_H
#define FLOWLET_H

#include <linux/types.h>

#ifndef FLOWLET_MAX_PATHS
#define FLOWLET_MAX_PATHS 16 /* egress paths per instance */
#endif
#ifndef FLOWLET_SLOTS
#define FLOWLET_SLOTS 256 /* weighted slot table; sum of weights <= this */
#endif
#ifndef FLOWLET_MAX_GROUPS
#define FLOWLET_MAX_GROUPS 64 /* path groups per instance (--from-routes) */
#endif
#ifndef FLOWLET_MAX_PREFIX_ENTRIES
#define FLOWLET_MAX_PREFIX_ENTRIES 16384 /* flowlet_prefix: routes, locals */
#endif
#ifndef FLOWLET_MAX_INGRESS
#define FLOWLET_MAX_INGRESS 16 /* ingress ports per instance (--ingress) */
#endif
#ifndef FLOWLET_MAX_FLOWS
#define FLOWLET_MAX_FLOWS 65536 /* default flow table size (LRU) */
#endif
/* The table of flows seen once (see flowlet_new): a sixteenth of the flow
 * table, so that a flood of new flows churns it, not the flow table. */
#define FLOWLET_NEW_FLOWS_DIVISOR 16

/* The config ring: packets read the active slot while flowletctl writes
 * the other, then moves the active index (see flowlet_active). Each slot
 * has its own range of FLOWLET_MAX_PATHS devmap entries. */
#define FLOWLET_CONFIG_SLOTS 2
#define FLOWLET_PORT_SLOTS   (FLOWLET_CONFIG_SLOTS * FLOWLET_MAX_PATHS)

#ifndef FLOWLET_NEW_FLOWLET_LOAD
#define FLOWLET_NEW_FLOWLET_LOAD 16384 /* leastload: a new flowlet's charge */
#endif

/*
 * Where an instance runs, and its program (the function in
 * bpf/flowlet.bpf.c, also the name the kernel reports):
 * X(ID, "name", program, "what it is for").
 */
#define FLOWLET_HOOKS(X)                                                  \
	X(XDP, "xdp", flowlet_xdp,                                        \
	  "XDP on a router's ingress interface (default)")                \
	X(TC_INGRESS, "tc-ingress", flowlet_tc_in,                        \
	  "TC on a router's ingress: as xdp, also for partial checksums") \
	X(TC_EGRESS, "tc-egress", flowlet_tc_out,                         \
	  "TC on a host's egress: its own traffic, TTL untouched")

/* A frame flowlet's tc-egress redirects to another interface carries this
 * in skb->tc_index (unused since Linux 6.3 removed tcindex and dsmark),
 * so that a flowlet tc-egress there passes it on instead of balancing it
 * again: a redirect from one clsact egress runs the target's clsact
 * egress too. The interface is in it so that a mark the target did not
 * clear (no flowlet there) rarely matches further on. */
#define FLOWLET_STEERED_MARK(ifindex) (0xf000 | ((ifindex)&0x0fff))

/*
 * The names of modes, reasons and path states: one table each, expanded
 * into the enums here and into the names flowletctl parses and prints
 * (loader/lib/names.c), its --help, and topo/flowlet_mininet.py (which
 * reads FLOWLET_MODES from this file). X(ID, "name", "what it means").
 */
#define FLOWLET_MODES(X)                                                    \
	X(FLOWLET, "flowlet", "hash(flow, flowlet id): the P4 exercise")    \
	X(ECMP, "ecmp", "hash(flow): one path per flow")                    \
	X(LETFLOW, "letflow", "a random weighted path per flowlet")         \
	X(LEASTLOAD, "leastload", "the least load per weight, per flowlet") \
	X(SPRAY, "spray", "per-packet weighted round robin")

/* Why a packet went to the kernel (XDP_PASS) instead of a path. */
#define FLOWLET_PASS_REASONS(X)                                               \
	X(NOT_IP, "not_ip", "ARP, LLDP, unknown ethertype, 3+ tags")          \
	X(NOT_FOR_US, "not_for_us", "destination MAC is not the ingress MAC") \
	X(MALFORMED, "malformed", "truncated or invalid IP/L4 header")        \
	X(IP_OPTIONS, "ip_options", "IPv4 options, IPv6 hop-by-hop")          \
	X(TTL, "ttl", "TTL/hop limit <= 1: the kernel sends the ICMP error")  \
	X(NOT_BALANCED, "not_balanced", "destination outside the prefixes")   \
	X(NO_PATH, "no_path", "no path configured or up")                     \
	X(STEERED, "steered", "tc-egress: balanced by flowlet on another port")

/* Why a packet was dropped (only when it cannot go anywhere else). */
#define FLOWLET_DROP_REASONS(X) \
	X(NO_PORT, "no_port", "devmap slot empty for a configured path")

/* Why a path is down (flowlet_path.down bits); flowletctl watch sets and
 * clears them from the kernel's link, neighbour and route events. */
#define FLOWLET_DOWN_REASONS(X)                                      \
	X(LINK, "link down", "the egress link is down or deleted")   \
	X(NEIGH, "neighbour failed", "the next hop does not answer") \
	X(ROUTE, "not in route", "the route no longer has this next hop")

/* The id is pasted directly, never passed on: an id may be a macro
 * elsewhere (IP_OPTIONS is one in netinet/in.h). */
#define FLOWLET_MODE_ENTRY(id, name, help)	 FLOWLET_MODE_##id,
#define FLOWLET_PASS_ENTRY(id, name, help)	 FLOWLET_PASS_##id,
#define FLOWLET_DROP_ENTRY(id, name, help)	 FLOWLET_DROP_##id,
#define FLOWLET_HOOK_ENTRY(id, name, prog, help) FLOWLET_HOOK_##id,
#define FLOWLET_DOWN_ENTRY(id, name, help)	 FLOWLET_DOWN_BIT_##id,

enum flowlet_mode { FLOWLET_MODES(FLOWLET_MODE_ENTRY) FLOWLET_MODE_COUNT };
enum flowlet_pass_reason {
	FLOWLET_PASS_REASONS(FLOWLET_PASS_ENTRY) FLOWLET_PASS_COUNT
};
enum flowlet_drop_reason {
	FLOWLET_DROP_REASONS(FLOWLET_DROP_ENTRY) FLOWLET_DROP_COUNT
};
enum flowlet_hook { FLOWLET_HOOKS(FLOWLET_HOOK_ENTRY) FLOWLET_HOOK_COUNT };
enum flowlet_down_bit {
	FLOWLET_DOWN_REASONS(FLOWLET_DOWN_ENTRY) FLOWLET_DOWN_COUNT
};
#define FLOWLET_DOWN(id) (1u << FLOWLET_DOWN_BIT_##id)

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
};

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
	__u8 nexthop[16]; /* for display; IPv4 in the first 4 bytes */
	__u8 nexthop_family;
	__u8 down;	    /* FLOWLET_DOWN() bits; a path that is down is
			     * never chosen */
	__u16 route_weight; /* loader: the route's weight (1-256) before
			     * scaling to the slot table; 0 for --path */
	__s64 xmit_offset;  /* loader only: the egress driver's XDP xmit count
			     * minus this path's packets, at attach */
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
	__u8 route;  /* loader: a route's (--from-routes), kept in sync */
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
	__u64 timeout_ns;	/* flowlet gap */
	__u64 load_halflife_ns; /* leastload: rate estimate half-life */
	__u32 mode;		/* enum flowlet_mode */
	__u32 path_count;	/* paths[0..path_count) are configured */
	__u32 hash_seed;	/* per instance, kept across re-attach */
	__u8 telemetry;		/* 1: fill flowlet_stats.hist */
	__u8 from_routes;	/* loader: the paths and groups follow every
				 * route through gateways in route_table */
	/* loader: the paths follow the kernel's route to this prefix in
	 * table route_table (family 0: the paths are --path's). */
	struct flowlet_prefix_key route;
	__u32 route_table;
	__u32 group_count; /* groups[0..group_count) may be in use */
	/* ingress[0..ingress_count): frames to other MACs than these ports'
	 * are not routed; [0] is the interface attach named. */
	__u32 ingress_count;
	struct flowlet_ingress ingress[FLOWLET_MAX_INGRESS];
	struct flowlet_path paths[FLOWLET_MAX_PATHS];
	struct flowlet_group groups[FLOWLET_MAX_GROUPS];
};

enum flowlet_prefix_action {
	FLOWLET_PREFIX_SKIP,	/* link-scope, multicast, broadcast */
	FLOWLET_PREFIX_BALANCE, /* forward over the paths */
	FLOWLET_PREFIX_LOCAL,	/* an address of this namespace: skipped */
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

#endif /* FLOWLET_H */
