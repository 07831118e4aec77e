/* SPDX-License-Identifier: GPL-2.0 */
/*
 * All of flowlet's netlink, through libmnl: links, addresses, neighbours,
 * routes and nexthop objects (rtnetlink), their events, TC filters, and the
 * netdev generic netlink family's XDP features. Everything works in the
 * caller's network namespace and needs no /sys. libbpf's own XDP attach calls
 * are libbpf's. Functions return 0, or -1 with errno set (they print nothing:
 * the caller knows what it was asking for).
 */
#ifndef FLOWLET_NL_H
#define FLOWLET_NL_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "flowlet.h"
#include "parse.h"

struct nl_link {
	int ifindex;
	char name[IF_NAMESIZE];
	__u8 mac[6];
	bool up; /* administratively up and with carrier (IFF_LOWER_UP) */
};

/* The link @ifindex (errno ENODEV when there is none). */
int nl_link_get(int ifindex, struct nl_link *link);

struct nl_neigh {
	__u16 state; /* NUD_* */
	bool managed;
	bool has_mac;
	__u8 mac[6];
};

/* The neighbour entry for @addr on @ifindex (errno ENOENT: none). */
int nl_neigh_get(int ifindex, const struct ip_addr *addr,
		 struct nl_neigh *neigh);

/* A usable MAC: an entry with a link-layer address that is not FAILED or
 * INCOMPLETE. */
bool nl_neigh_usable(const struct nl_neigh *neigh);

/*
 * Makes the entry for @addr on @ifindex managed (NTF_EXT_MANAGED),
 * creating it if there is none: the kernel then resolves it and keeps it
 * resolved by probing, which XDP forwarding alone never makes it do.
 * Call it for no entry, or one nl_neigh_manageable() says yes to.
 */
int nl_neigh_manage(int ifindex, const struct ip_addr *addr);

/* Neither managed already nor permanent (which is left alone). */
bool nl_neigh_manageable(const struct nl_neigh *neigh);

/* Calls @fn for every IPv4/IPv6 address of this namespace. */
int nl_addr_for_each(void (*fn)(const struct ip_addr *addr, void *ctx),
		     void *ctx);

/* The first address of @family (4 or 6, not link-local) on @ifindex: 0,
 * or -1 with errno set (EADDRNOTAVAIL: none). */
int nl_addr_of(int ifindex, __u8 family, struct ip_addr *addr);

/* The interface with an address whose subnet holds @addr (the longest
 * such prefix wins); 0 if none, -1 after an error. */
int nl_addr_subnet_ifindex(const struct ip_addr *addr);

struct nl_nexthop {
	int ifindex;
	struct ip_addr gateway; /* family 0: none (a device route) */
	__u32 weight;		/* 1-256 (1-65536 in a nexthop group) */
};

struct nl_route {
	__u32 nhid; /* the nexthop object it uses, 0 if none */
	int count;
	struct nl_nexthop hops[FLOWLET_MAX_PATHS];
};

/*
 * The unicast route to exactly @prefix in table @table: its next hops
 * (one, a multipath route's, or a nexthop group's). errno ENOENT: no such
 * route; E2BIG: more than FLOWLET_MAX_PATHS next hops; EOPNOTSUPP: a
 * kind of route flowlet cannot balance (blackhole, a nested group).
 */
int nl_route_get(const struct flowlet_prefix_key *prefix, __u32 table,
		 struct nl_route *route);

/* One route of a table: its prefix, and its next hops unless @err says
 * why flowlet cannot balance it (EOPNOTSUPP: not a unicast route through
 * gateways; E2BIG: more next hops than flowlet has paths). */
struct nl_route_entry {
	struct flowlet_prefix_key prefix;
	__u32 priority; /* the route's metric */
	int err;
	struct nl_route route;
};

/* Every IPv4 and IPv6 route of table @table (of several to one prefix, the
 * lowest metric's), into *@entries, which the caller frees: their number,
 * or -1. */
int nl_route_list(__u32 table, struct nl_route_entry **entries);

/* The device's XDP feature bits (NETDEV_XDP_ACT_*) from the netdev
 * generic netlink family (Linux 6.3+). */
#define NETDEV_XDP_ACT_NDO_XMIT 4 /* accepts frames redirected into it */
int nl_xdp_features(int ifindex, __u64 *features);

/* Adds to *@count the TC filters under @parent of @ifindex (e.g. a
 * clsact's ingress, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)). */
int nl_tc_filter_count(int ifindex, __u32 parent, int *count);

/* Events: a socket subscribed to link, address, neighbour, route and
 * nexthop changes. */
enum nl_event {
	NL_EVENT_LINK,
	NL_EVENT_ADDR,
	NL_EVENT_NEIGH,
	NL_EVENT_ROUTE,
	NL_EVENT_NEXTHOP,
	NL_EVENT_OVERRUN, /* events were lost: read everything again */
};

struct nl_events;
struct nl_events *nl_events_open(void);
void nl_events_close(struct nl_events *ev);
int nl_events_fd(const struct nl_events *ev);

/*
 * Reads what has arrived without blocking and calls @fn once per event
 * with the interface it concerns (0 when none, e.g. a route). Returns the
 * number of events, or -1.
 */
int nl_events_read(struct nl_events *ev,
		   void (*fn)(enum nl_event event, int ifindex, void *ctx),
		   void *ctx);

#endif /* FLOWLET_NL_H */
