// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "netdev.h"

#define NEIGH_POLL_MS 20

int netdev_index(const char *name)
{
	unsigned int ifindex = if_nametoindex(name);

	if (!ifindex)
		pr_err("interface '%s' not found in this network namespace",
		       name);
	return ifindex;
}

int netdev_mac(const char *name, __u8 mac[6])
{
	struct ifreq ifr = { 0 };
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, name, sizeof(ifr.ifr_name) - 1);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (err) {
		pr_err("cannot read the MAC address of '%s': %s", name,
		       strerror(errno));
		return -1;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* One dump of the neighbour table: 1 if @nexthop has a usable MAC. */
static int neigh_lookup(int ifindex, const struct ip_addr *nexthop,
			__u8 mac[6])
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req = {
		.nh.nlmsg_len = sizeof(req),
		.nh.nlmsg_type = RTM_GETNEIGH,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nd.ndm_family = nexthop->family == 4 ? AF_INET : AF_INET6,
	};
	size_t addr_len = nexthop->family == 4 ? 4 : 16;
	char buf[16384];
	int fd, found = 0, done = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		close(fd);
		return -1;
	}
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len <= 0)
			break;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct ndmsg *nd = NLMSG_DATA(nh);
			int attr_len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
			const void *dst = NULL, *lladdr = NULL;
			struct rtattr *rta;

			if (nh->nlmsg_type == NLMSG_DONE ||
			    nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (nd->ndm_ifindex != ifindex ||
			    nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED))
				continue;
			for (rta = (struct rtattr *)(nd + 1); RTA_OK(rta, attr_len);
			     rta = RTA_NEXT(rta, attr_len)) {
				if (rta->rta_type == NDA_DST &&
				    RTA_PAYLOAD(rta) == addr_len)
					dst = RTA_DATA(rta);
				if (rta->rta_type == NDA_LLADDR &&
				    RTA_PAYLOAD(rta) == 6)
					lladdr = RTA_DATA(rta);
			}
			if (dst && lladdr &&
			    !memcmp(dst, nexthop->bytes, addr_len)) {
				memcpy(mac, lladdr, 6);
				found = 1;
			}
		}
	}
	close(fd);
	return found;
}

/* A datagram to the discard port: the kernel resolves the neighbour to
 * send it. Errors surface later as "no neighbour entry". */
static void neigh_trigger(const char *dev, int ifindex,
			  const struct ip_addr *nexthop)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (nexthop->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, nexthop->bytes, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		sin6->sin6_scope_id = ifindex;
		memcpy(&sin6->sin6_addr, nexthop->bytes, 16);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev)) ||
	    sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, len) < 0)
		pr_debug("resolving neighbour on %s: %s", dev, strerror(errno));
	close(fd);
}

int neigh_resolve(const char *dev, int ifindex, const struct ip_addr *nexthop,
		  __u8 mac[6], int timeout_ms)
{
	struct timespec pause = { 0, NEIGH_POLL_MS * 1000000L };
	char text[INET6_ADDRSTRLEN];

	for (int waited = 0; waited <= timeout_ms; waited += NEIGH_POLL_MS) {
		int found = neigh_lookup(ifindex, nexthop, mac);

		if (found < 0)
			break;
		if (found)
			return 0;
		if (waited % 1000 == 0)
			neigh_trigger(dev, ifindex, nexthop);
		nanosleep(&pause, NULL);
	}
	format_ip(nexthop->bytes, nexthop->family, text, sizeof(text));
	pr_err("cannot resolve next hop %s on %s: no neighbour answered within "
	       "%dms (is it up and on %s's subnet?)",
	       text, dev, timeout_ms, dev);
	return -1;
}

long long netdev_tx_dropped(int ifindex)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *list;
	long long dropped = -1;

	if (!if_indextoname(ifindex, name) || getifaddrs(&list))
		return -1;
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_PACKET &&
		    ifa->ifa_data && !strcmp(ifa->ifa_name, name)) {
			dropped = ((struct rtnl_link_stats *)ifa->ifa_data)
					  ->tx_dropped;
			break;
		}
	}
	freeifaddrs(list);
	return dropped;
}

int netdev_for_each_addr(void (*fn)(const struct ip_addr *addr, void *ctx),
			 void *ctx)
{
	struct ifaddrs *ifa, *list;

	if (getifaddrs(&list))
		return -1;
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		struct ip_addr addr = { 0 };

		if (!ifa->ifa_addr)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET) {
			addr.family = 4;
			memcpy(addr.bytes,
			       &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr,
			       4);
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			addr.family = 6;
			memcpy(addr.bytes,
			       &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr,
			       16);
		} else {
			continue;
		}
		fn(&addr, ctx);
	}
	freeifaddrs(list);
	return 0;
}
