/* SPDX-License-Identifier: GPL-2.0 */
/* What flowletctl asks the kernel about interfaces and neighbours. All of
 * it works in the caller's network namespace and needs no /sys. */
#ifndef FLOWLET_NETDEV_H
#define FLOWLET_NETDEV_H

#include <stdbool.h>
#include <linux/types.h>

#include "args.h"

/* ifindex of @name, or 0 after an error. */
int netdev_index(const char *name);
int netdev_mac(const char *name, __u8 mac[6]);

/*
 * The MAC of @nexthop behind @dev from the neighbour table. When there is
 * no usable entry, a datagram to the discard port makes the kernel resolve
 * it; waits up to @timeout_ms. Returns 0, or -1 after an error.
 */
int neigh_resolve(const char *dev, int ifindex, const struct ip_addr *nexthop,
		  __u8 mac[6], int timeout_ms);

/*
 * The device's XDP feature bits (NETDEV_XDP_ACT_*), from the netdev
 * generic netlink family; -1 where the kernel does not report them.
 */
#define NETDEV_XDP_ACT_NDO_XMIT 4 /* accepts frames redirected into it */
int netdev_xdp_features(int ifindex, __u64 *features);

/*
 * Frames the driver took from XDP redirects (ndo_xdp_xmit), summed over
 * its queues; -1 where the driver does not count them (veth does, as
 * tx_queue_N_xdp_xmit).
 */
long long netdev_xdp_xmit(int ifindex);

/* Calls @fn for every IPv4/IPv6 address of this namespace. */
int netdev_for_each_addr(void (*fn)(const struct ip_addr *addr, void *ctx),
			 void *ctx);

#endif /* FLOWLET_NETDEV_H */
