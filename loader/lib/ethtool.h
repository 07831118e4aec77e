/* SPDX-License-Identifier: GPL-2.0 */
/* The one thing flowletctl asks ethtool: how many redirected frames a
 * driver took. */
#ifndef FLOWLET_ETHTOOL_H
#define FLOWLET_ETHTOOL_H

/*
 * Frames the driver took from XDP redirects (ndo_xdp_xmit), summed over
 * its queues; -1 where the driver does not count them (veth does, as
 * tx_queue_N_xdp_xmit).
 */
long long netdev_xdp_xmit(int ifindex);

#endif /* FLOWLET_ETHTOOL_H */
