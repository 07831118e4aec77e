/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the data path and flowletctl agree on besides the maps' layouts:
 * the limits (each overridable with -D, as the tests' other-layout build
 * does), the config ring's shape, and the name tables of hooks, modes,
 * reasons and path states, expanded into the enums here and into the
 * names flowletctl parses and prints (loader/lib/names.c).
 */
#ifndef FLOWLET_CONSTS_H
#define FLOWLET_CONSTS_H

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
#ifndef FLOWLET_MAX_PROBE_TARGETS
#define FLOWLET_MAX_PROBE_TARGETS 8 /* watch --probe targets per instance */
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

/* share: a flow that sent FLOWLET_SHARE_FLOW_BYTES counts on a path
 * (flowlet_share.flows) in every epoch of 2^FLOWLET_SHARE_EPOCH_SHIFT ns
 * (about 134 ms) in which it sends there; a new flowlet moves only to a
 * path whose share per flow is more than 1 + 1/2^FLOWLET_SHARE_MARGIN_SHIFT
 * times its own path's. */
#define FLOWLET_SHARE_FLOW_BYTES   100000
#define FLOWLET_SHARE_EPOCH_SHIFT  27
#define FLOWLET_SHARE_MARGIN_SHIFT 3
/* share: a flow that sent FLOWLET_SHARE_REROUTE_BYTES in its flowlet
 * (Hermes's S) leaves its path without a gap, at its first packet of an
 * epoch, for one where it would get 1 + 1/2^FLOWLET_SHARE_REROUTE_SHIFT
 * times as much (two flows on a path beside an empty one get twice as
 * much there, three beside one 1.5 times): one reordering, against a path
 * much worse than another. */
#define FLOWLET_SHARE_REROUTE_BYTES 600000
#define FLOWLET_SHARE_REROUTE_SHIFT 1

/*
 * Where an instance runs, and its program (the function in
 * bpf/flowlet.bpf.c, also the name the kernel reports):
 * X(ID, "name", program, "what it is for").
 */
#define FLOWLET_HOOKS(X)                                                  \
	X(XDP, "xdp", flowlet_xdp,                                        \
	  "XDP on a router's ingress interface (default)")                \
	X(TC_INGRESS, "tc-ingress", flowlet_tc_in,                        \
	  "TC on a router's ingress: as xdp, also for partial checksums " \
	  "and beside other TC filters")                                  \
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
 * (loader/lib/names.c), its --help and `flowletctl docs json` (which
 * the Python side reads). X(ID, "name", "what it means"); a mode also
 * says whether it switches per flowlet (1: the timeout, and --timeout
 * auto's probes, matter to it).
 */
#define FLOWLET_MODES(X)                                                       \
	X(FLOWLET, "flowlet", 1, "hash(flow, flowlet id): the P4 exercise")    \
	X(ECMP, "ecmp", 0, "hash(flow): one path per flow")                    \
	X(LETFLOW, "letflow", 1, "a random weighted path per flowlet")         \
	X(LEASTLOAD, "leastload", 1, "the least load per weight, per flowlet") \
	X(SPRAY, "spray", 0, "per-packet weighted round robin")                \
	X(SHARE, "share", 1, "the most measured capacity per flow, per flowlet")

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
#define FLOWLET_MODE_ENTRY(id, name, flowlets, help) FLOWLET_MODE_##id,
#define FLOWLET_PASS_ENTRY(id, name, help)	     FLOWLET_PASS_##id,
#define FLOWLET_DROP_ENTRY(id, name, help)	     FLOWLET_DROP_##id,
#define FLOWLET_HOOK_ENTRY(id, name, prog, help)     FLOWLET_HOOK_##id,
#define FLOWLET_DOWN_ENTRY(id, name, help)	     FLOWLET_DOWN_BIT_##id,

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

#endif /* FLOWLET_CONSTS_H */
