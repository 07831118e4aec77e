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
#ifndef FLOWLET_MAX_FLOWS
#define FLOWLET_MAX_FLOWS 65536 /* default flow table size (LRU) */
#endif
/* The table of flows seen once (see flowlet_new): a quarter of the flow
 * table, so that a flood of new flows churns it, not the flow table. */
#define FLOWLET_NEW_FLOWS_DIVISOR 4

/* The config ring: packets read the active slot while flowletctl writes
 * the other, then moves the active index (see flowlet_active). Each slot
 * has its own range of FLOWLET_MAX_PATHS devmap entries. */
#define FLOWLET_CONFIG_SLOTS 2
#define FLOWLET_PORT_SLOTS   (FLOWLET_CONFIG_SLOTS * FLOWLET_MAX_PATHS)

#ifndef FLOWLET_NEW_FLOWLET_LOAD
#define FLOWLET_NEW_FLOWLET_LOAD 16384 /* leastload: a new flowlet's charge */
#endif

#define FLOWLET_PROG_NAME "flowlet_xdp"

enum flowlet_mode {
	FLOWLET_MODE_FLOWLET, /* hash(flow, flowlet counter): the P4 exercise */
	FLOWLET_MODE_ECMP,    /* hash(flow): one path per flow */
	FLOWLET_MODE_LETFLOW, /* random weighted path per flowlet */
	FLOWLET_MODE_LEASTLOAD, /* least (load / weight) path per flowlet */
	FLOWLET_MODE_SPRAY,	/* per-packet weighted round robin */
	FLOWLET_MODE_COUNT,
};

/* Why a packet went to the kernel (XDP_PASS) instead of a path. */
enum flowlet_pass_reason {
	FLOWLET_PASS_NOT_IP,	 /* ARP, LLDP, unknown ethertype, 3+ tags */
	FLOWLET_PASS_NOT_FOR_US, /* destination MAC is not the ingress MAC */
	FLOWLET_PASS_MALFORMED,	 /* truncated or invalid IP/L4 header */
	FLOWLET_PASS_IP_OPTIONS, /* IPv4 options, IPv6 hop-by-hop: slow path */
	FLOWLET_PASS_TTL,	 /* TTL/hop limit <= 1: kernel sends ICMP */
	FLOWLET_PASS_NOT_BALANCED, /* destination outside the prefixes */
	FLOWLET_PASS_NO_PATH,	   /* no path configured or up */
	FLOWLET_PASS_COUNT,
};

/* Why a packet was dropped (only when it cannot go anywhere else). */
enum flowlet_drop_reason {
	FLOWLET_DROP_NO_PORT, /* devmap slot empty for a configured path */
	FLOWLET_DROP_COUNT,
};

/* flowlet_flows and flowlet_new key: one transport flow. IPv4 uses the
 * first 4 bytes. */
struct flowlet_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport; /* network order; 0 for fragments and non-TCP/UDP */
	__u16 dport;
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 pad;
} __attribute__((aligned(4))); /* hashed as 32-bit words */

/* flowlet_flows and flowlet_new value: updated in place by the data path. */
struct flowlet_flow {
	__u64 last_seen_ns; /* bpf_ktime_get_ns() of the last packet */
	__u64 packets;
	__u64 bytes;
	__u32 flowlet; /* flowlets this flow has started (the flowlet id) */
	__u32 path;    /* current path index */
};

struct flowlet_path {
	__u32 ifindex; /* egress interface (also its devmap slot's target) */
	__u32 weight;  /* 0 = not in the slot table */
	__u8 dst_mac[6];
	__u8 src_mac[6];
	__u8 nexthop[16]; /* for display; IPv4 in the first 4 bytes */
	__u8 nexthop_family;
	__u8 up; /* 0 = never chosen */
	__u16 pad;
	__s64 xmit_offset; /* loader only: the egress driver's XDP xmit count
			    * minus this path's packets, at attach */
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
	__u32 slot_count;	/* slots[0..slot_count) are in use */
	__u32 hash_seed;	/* per instance, kept across re-attach */
	__u8 ingress_mac[6];	/* frames to other MACs are not routed */
	__u16 pad;
	__u8 slots[FLOWLET_SLOTS]; /* path index per slot, by weight */
	struct flowlet_path paths[FLOWLET_MAX_PATHS];
};

/* flowlet_prefix key: LPM over (family, address). prefixlen counts the
 * family byte, so an IPv4 /24 is prefixlen 8 + 24. */
struct flowlet_prefix_key {
	__u32 prefixlen;
	__u8 family;
	__u8 addr[16];
};

/* flowlet_prefix value */
enum flowlet_prefix_action {
	FLOWLET_PREFIX_SKIP,	/* local and link-scope addresses */
	FLOWLET_PREFIX_BALANCE, /* forward over the paths */
};

/* flowlet_path_stats: per CPU, per path. */
struct flowlet_path_stats {
	__u64 packets;
	__u64 bytes;
	__u64 flowlets; /* flowlets that started on this path */
};

/* flowlet_stats[0]: per CPU, global. */
struct flowlet_stats {
	__u64 flows_created;	 /* into flowlet_new, at their first packet */
	__u64 flows_established; /* into flowlet_flows, at their second */
	__u64 flowlets;		 /* new flows included */
	__u64 path_changes;
	__u64 redirected;
	__u64 passed[FLOWLET_PASS_COUNT];
	__u64 dropped[FLOWLET_DROP_COUNT];
};

/* flowlet_load: per path, shared by CPUs; only leastload keeps it. */
struct flowlet_load {
	__u64 bytes;	/* decayed byte count (DRE) */
	__u64 stamp_ns; /* time the decay was last applied */
};

#endif /* FLOWLET_H */
