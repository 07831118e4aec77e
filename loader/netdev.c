// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/sockios.h>
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
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
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
static int neigh_lookup(int ifindex, const struct ip_addr *nexthop, __u8 mac[6])
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
			int attr_len =
				nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
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
			for (rta = (struct rtattr *)(nd + 1);
			     RTA_OK(rta, attr_len);
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
 * send it. A failure shows as the neighbour never answering. */
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

/* The netdev generic netlink family (Linux 6.3+); its uapi header is newer
 * than Debian 12's, so the few constants needed are here. */
#define NETDEV_FAMILY_NAME	  "netdev"
#define NETDEV_CMD_DEV_GET	  1
#define NETDEV_A_DEV_IFINDEX	  1
#define NETDEV_A_DEV_XDP_FEATURES 3

struct genl_msg {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void genl_put_attr(struct genl_msg *msg, __u16 type, const void *data,
			  __u16 len)
{
	struct rtattr *rta =
		(struct rtattr *)((char *)msg + NLMSG_ALIGN(msg->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	msg->nh.nlmsg_len =
		NLMSG_ALIGN(msg->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* One generic netlink request; copies attribute @want of the answer into
 * @out (@len bytes). Returns 0, or -1. */
static int genl_call(struct genl_msg *msg, __u16 want, void *out, size_t len)
{
	char buf[4096];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *rta;
	int fd, attr_len, ret = -1;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (send(fd, msg, msg->nh.nlmsg_len, 0) < 0)
		goto out;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(GENL_HDRLEN) || !NLMSG_OK(nh, n) ||
	    nh->nlmsg_type == NLMSG_ERROR)
		goto out;
	attr_len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (rta = (struct rtattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	     RTA_OK(rta, attr_len); rta = RTA_NEXT(rta, attr_len)) {
		if (rta->rta_type == want && RTA_PAYLOAD(rta) >= len) {
			memcpy(out, RTA_DATA(rta), len);
			ret = 0;
			break;
		}
	}
out:
	close(fd);
	return ret;
}

static void genl_init(struct genl_msg *msg, __u16 family, __u8 cmd)
{
	memset(msg, 0, sizeof(*msg));
	msg->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	msg->nh.nlmsg_type = family;
	msg->nh.nlmsg_flags = NLM_F_REQUEST;
	msg->gh.cmd = cmd;
	msg->gh.version = 1;
}

int netdev_xdp_features(int ifindex, __u64 *features)
{
	static __u16 family;
	struct genl_msg msg;
	__u32 index = ifindex;

	if (!family) {
		genl_init(&msg, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
		genl_put_attr(&msg, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME,
			      sizeof(NETDEV_FAMILY_NAME));
		if (genl_call(&msg, CTRL_ATTR_FAMILY_ID, &family,
			      sizeof(family)))
			return -1;
	}
	genl_init(&msg, family, NETDEV_CMD_DEV_GET);
	genl_put_attr(&msg, NETDEV_A_DEV_IFINDEX, &index, sizeof(index));
	return genl_call(&msg, NETDEV_A_DEV_XDP_FEATURES, features,
			 sizeof(*features));
}

static int ethtool_ioctl(int fd, const char *dev, void *cmd)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

static bool is_xdp_xmit_stat(const char *name)
{
	static const char prefix[] = "tx_queue_", suffix[] = "_xdp_xmit";
	size_t len = strnlen(name, ETH_GSTRING_LEN);

	return len > sizeof(prefix) + sizeof(suffix) - 2 &&
	       !strncmp(name, prefix, sizeof(prefix) - 1) &&
	       !strcmp(name + len - (sizeof(suffix) - 1), suffix);
}

long long netdev_xdp_xmit(int ifindex)
{
	struct ethtool_sset_info *sset = NULL;
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *stats = NULL;
	char dev[IF_NAMESIZE];
	long long sum = -1;
	__u32 n;
	int fd;

	if (!if_indextoname(ifindex, dev))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sset = calloc(1, sizeof(*sset) + sizeof(__u32));
	if (!sset)
		goto out;
	sset->cmd = ETHTOOL_GSSET_INFO;
	sset->sset_mask = 1ULL << ETH_SS_STATS;
	if (ethtool_ioctl(fd, dev, sset) || !sset->sset_mask)
		goto out;
	n = sset->data[0];
	names = calloc(1, sizeof(*names) + n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + n * sizeof(__u64));
	if (!names || !stats)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	if (ethtool_ioctl(fd, dev, names) || ethtool_ioctl(fd, dev, stats))
		goto out;
	for (__u32 i = 0; i < n && i < stats->n_stats; i++) {
		if (is_xdp_xmit_stat((char *)names->data + i * ETH_GSTRING_LEN))
			sum = (sum < 0 ? 0 : sum) + stats->data[i];
	}
out:
	free(sset);
	free(names);
	free(stats);
	close(fd);
	return sum;
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
			       &((struct sockaddr_in6 *)ifa->ifa_addr)
					->sin6_addr,
			       16);
		} else {
			continue;
		}
		fn(&addr, ctx);
	}
	freeifaddrs(list);
	return 0;
}
