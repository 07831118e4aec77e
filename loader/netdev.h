/* SPDX-License-Identifier: GPL-2.0 */
/* What flowletctl asks the kernel about interfaces and neighbours. All of
 * it works in the caller's network namespace and needs no /sys. */
#ifndef FLOWLET_NETDEV_H
#define FLOWLET_NETDEV_H

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

/* tx_dropped of @ifindex (where the kernel counts redirected frames it
 * could not deliver), or -1 if the interface is gone. */
long long netdev_tx_dropped(int ifindex);

/* Calls @fn for every IPv4/IPv6 address of this namespace. */
int netdev_for_each_addr(void (*fn)(const struct ip_addr *addr, void *ctx),
			 void *ctx);

#endif /* FLOWLET_NETDEV_H */
