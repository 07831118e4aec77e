// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/neighbour.h>

#include "config.h"
#include "log.h"
#include "paths.h"

#define NEIGH_POLL_MS 20

int netdev_index(const char *name)
{
	unsigned int ifindex = if_nametoindex(name);

	if (!ifindex)
		pr_err("interface '%s' not found in this network namespace",
		       name);
	return ifindex;
}

void path_nexthop(const struct instance_config *c, __u32 i,
		  struct ip_addr *addr)
{
	const struct flowlet_path_meta *m = &c->meta.paths[i];

	addr->family = m->nexthop_family;
	memcpy(addr->bytes, m->nexthop, sizeof(addr->bytes));
}

/* A datagram to the discard port: the kernel resolves the neighbour to
 * send it. A failure shows as the neighbour never answering. */
static void neigh_trigger(int ifindex, const struct ip_addr *nexthop)
{
	struct sockaddr_storage ss = { 0 };
	char dev[IF_NAMESIZE];
	socklen_t len;
	int fd;

	if (!if_indextoname(ifindex, dev))
		return;
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

/* Why @nexthop cannot be resolved behind @link, in one line. */
static void explain_unresolved(const struct nl_link *link,
			       const struct ip_addr *nexthop, int timeout_ms,
			       char *buf, size_t len)
{
	char hop[INET6_ADDRSTRLEN], other[IF_NAMESIZE] = "";
	bool link_local = nexthop->family == 6 && nexthop->bytes[0] == 0xfe &&
			  (nexthop->bytes[1] & 0xc0) == 0x80;
	int on = link_local ? link->ifindex : nl_addr_subnet_ifindex(nexthop);

	format_ip(nexthop->bytes, nexthop->family, hop, sizeof(hop));
	if (!link->up)
		snprintf(buf, len,
			 "cannot resolve next hop %s on %s: %s is down", hop,
			 link->name, link->name);
	else if (on > 0 && on != link->ifindex && if_indextoname(on, other))
		snprintf(buf, len,
			 "next hop %s is not on %s's subnet: it is on %s's",
			 hop, link->name, other);
	else if (on == 0)
		snprintf(buf, len,
			 "next hop %s is not on %s's subnet (nor on any other "
			 "interface's here)",
			 hop, link->name);
	else
		snprintf(buf, len,
			 "cannot resolve next hop %s on %s: no neighbour "
			 "answered within %dms (is it up?)",
			 hop, link->name, timeout_ms);
}

int path_resolve(struct instance_config *c, __u32 i, int ifindex,
		 const struct ip_addr *nexthop, int timeout_ms, bool required)
{
	struct timespec pause = { 0, NEIGH_POLL_MS * 1000000L };
	struct flowlet_path *p = &c->cfg.paths[i];
	struct flowlet_path_meta *m = &c->meta.paths[i];
	struct nl_neigh neigh;
	struct nl_link link;
	char why[160];

	memset(p, 0, sizeof(*p));
	memset(m, 0, sizeof(*m));
	p->ifindex = ifindex;
	p->weight = 1;
	m->nexthop_family = nexthop->family;
	memcpy(m->nexthop, nexthop->bytes, sizeof(m->nexthop));
	if (nl_link_get(ifindex, &link)) {
		pr_err("cannot read interface %d: %s", ifindex,
		       strerror(errno));
		return -1;
	}
	memcpy(p->src_mac, link.mac, sizeof(p->src_mac));
	for (int waited = 0;; waited += NEIGH_POLL_MS) {
		if (!nl_neigh_get(ifindex, nexthop, &neigh) &&
		    nl_neigh_usable(&neigh)) {
			memcpy(p->dst_mac, neigh.mac, sizeof(p->dst_mac));
			return 0;
		}
		if (!link.up)
			break;
		if (waited % 1000 == 0)
			neigh_trigger(ifindex, nexthop);
		if (waited + NEIGH_POLL_MS > timeout_ms)
			break;
		nanosleep(&pause, NULL);
	}
	p->down |= link.up ? FLOWLET_DOWN(NEIGH) : FLOWLET_DOWN(LINK);
	if (!required && !timeout_ms)
		return 0;
	explain_unresolved(&link, nexthop, timeout_ms, why, sizeof(why));
	if (required) {
		pr_err("%s", why);
		return -1;
	}
	pr_warn("%s: the path is down until it answers", why);
	return 0;
}

int path_refresh(struct instance_config *c, __u32 i, bool manage)
{
	struct flowlet_path *p = &c->cfg.paths[i];
	struct ip_addr nexthop;
	struct nl_neigh neigh;
	struct nl_link link;

	path_nexthop(c, i, &nexthop);
	if (nl_link_get(p->ifindex, &link)) {
		if (errno != ENODEV)
			return -1;
		p->down |= FLOWLET_DOWN(LINK); /* deleted */
		return 0;
	}
	if (link.up)
		p->down &= ~FLOWLET_DOWN(LINK);
	else
		p->down |= FLOWLET_DOWN(LINK);
	memcpy(p->src_mac, link.mac, sizeof(p->src_mac));
	if (nl_neigh_get(p->ifindex, &nexthop, &neigh)) {
		if (errno != ENOENT)
			return -1;
		/* No entry (flushed, or never made): keep the last MAC
		 * while the kernel resolves it again, managed from now on
		 * or made to by a datagram. */
		if (link.up && manage)
			nl_neigh_manage(p->ifindex, &nexthop);
		else if (link.up)
			neigh_trigger(p->ifindex, &nexthop);
		return 0;
	}
	if (manage && link.up && nl_neigh_manageable(&neigh))
		nl_neigh_manage(p->ifindex, &nexthop);
	if (nl_neigh_usable(&neigh)) {
		p->down &= ~FLOWLET_DOWN(NEIGH);
		memcpy(p->dst_mac, neigh.mac, sizeof(p->dst_mac));
	} else if (neigh.state & NUD_FAILED) {
		/* Resolving again (INCOMPLETE, PROBE) keeps the state the
		 * path has until the kernel decides. */
		p->down |= FLOWLET_DOWN(NEIGH);
	}
	return 0;
}

bool path_is_hop(const struct instance_config *c, __u32 i,
		 const struct nl_nexthop *h)
{
	const struct flowlet_path_meta *m = &c->meta.paths[i];

	return (int)c->cfg.paths[i].ifindex == h->ifindex &&
	       m->nexthop_family == h->gateway.family &&
	       !memcmp(m->nexthop, h->gateway.bytes, sizeof(m->nexthop));
}

int paths_from_route(struct instance_config *c, const struct nl_route *route,
		     int timeout_ms, __u32 *reused)
{
	struct flowlet_config *cfg = &c->cfg;
	bool kept[FLOWLET_MAX_PATHS] = { false };
	int at[FLOWLET_MAX_PATHS];

	*reused = 0;
	/* First the next hops that remain, at their places... */
	for (int h = 0; h < route->count; h++) {
		at[h] = -1;
		for (__u32 i = 0; i < cfg->path_count; i++) {
			if (!kept[i] && path_is_hop(c, i, &route->hops[h])) {
				kept[i] = true;
				at[h] = i;
				break;
			}
		}
	}
	for (__u32 i = 0; i < cfg->path_count; i++) {
		if (!kept[i])
			cfg->paths[i].down |= FLOWLET_DOWN(ROUTE);
	}
	/* ...then the new ones, in the places of removed ones first. */
	for (int h = 0; h < route->count; h++) {
		const struct nl_nexthop *hop = &route->hops[h];
		__u32 i = 0;

		if (at[h] < 0) {
			while (i < cfg->path_count && kept[i])
				i++;
			if (i == FLOWLET_MAX_PATHS) {
				pr_err("the route has more than %d next hops",
				       FLOWLET_MAX_PATHS);
				return -1;
			}
			if (i < cfg->path_count)
				*reused |= 1u << i;
			if (path_resolve(c, i, hop->ifindex, &hop->gateway,
					 timeout_ms, false))
				return -1;
			if (i == cfg->path_count)
				cfg->path_count++;
			kept[i] = true;
			at[h] = i;
		}
		cfg->paths[at[h]].down &= ~FLOWLET_DOWN(ROUTE);
		c->meta.paths[at[h]].route_weight =
			hop->weight > 0xffff ? 0xffff : hop->weight;
	}
	return config_scale_weights(c);
}
