// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nl.h"

#define NL_BUF_SIZE 32768
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP (1 << 16) /* linux/if.h, which net/if.h excludes */
#endif

static unsigned int nl_seq;

static int family_af(__u8 family)
{
	return family == 4 ? AF_INET : AF_INET6;
}

static int addr_len(__u8 family)
{
	return family == 4 ? 4 : 16;
}

/*
 * One request on a socket of its own: sends @nlh (with NLM_F_ACK or a
 * dump, so that an answer always ends it) and runs @cb over every answer.
 * 0, or -1 with errno set (an NLMSG_ERROR's errno included).
 */
static int nl_talk(int bus, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[NL_BUF_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1, ret = -1, saved;
	unsigned int portid;

	if (!nl)
		return -1;
	/* The kernel checks requests strictly and filters dumps for us. */
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_seq = ++nl_seq ? nl_seq : ++nl_seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			break;
		ret = mnl_cb_run(buf, ret, nlh->nlmsg_seq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
out:
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return ret < 0 ? -1 : 0;
}

static struct nlmsghdr *nl_request(char *buf, __u16 type, __u16 flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* Indexes the attributes of a message by type; skips unknown ones. */
struct attrs {
	const struct nlattr *tb[64];
};

static int attr_index(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type < 64)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_attrs(const struct nlmsghdr *nlh, size_t hdr_len,
			struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	mnl_attr_parse(nlh, hdr_len, attr_index, a);
}

static bool attr_copy(const struct nlattr *attr, void *out, size_t len)
{
	if (!attr || mnl_attr_get_payload_len(attr) != len)
		return false;
	memcpy(out, mnl_attr_get_payload(attr), len);
	return true;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nl_link *link = data;
	struct attrs a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*ifi), &a);
	link->ifindex = ifi->ifi_index;
	link->up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
	if (a.tb[IFLA_IFNAME])
		snprintf(link->name, sizeof(link->name), "%s",
			 mnl_attr_get_str(a.tb[IFLA_IFNAME]));
	attr_copy(a.tb[IFLA_ADDRESS], link->mac, sizeof(link->mac));
	return MNL_CB_OK;
}

int nl_link_get(int ifindex, struct nl_link *link)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(buf, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	memset(link, 0, sizeof(*link));
	if (nl_talk(NETLINK_ROUTE, nlh, link_cb, link))
		return -1;
	if (link->ifindex != ifindex) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

struct neigh_query {
	struct nl_neigh *neigh;
	bool found;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct neigh_query *q = data;
	struct attrs a;
	__u32 ext = 0;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*nd), &a);
	memset(q->neigh, 0, sizeof(*q->neigh));
	q->neigh->state = nd->ndm_state;
	q->neigh->has_mac = attr_copy(a.tb[NDA_LLADDR], q->neigh->mac,
				      sizeof(q->neigh->mac));
	attr_copy(a.tb[NDA_FLAGS_EXT], &ext, sizeof(ext));
	q->neigh->managed = ext & NTF_EXT_MANAGED;
	q->found = true;
	return MNL_CB_OK;
}

int nl_neigh_get(int ifindex, const struct ip_addr *addr,
		 struct nl_neigh *neigh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(buf, RTM_GETNEIGH, NLM_F_ACK);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	struct neigh_query q = { .neigh = neigh };

	nd->ndm_family = family_af(addr->family);
	nd->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, addr_len(addr->family), addr->bytes);
	if (nl_talk(NETLINK_ROUTE, nlh, neigh_cb, &q))
		return -1;
	if (!q.found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

bool nl_neigh_manageable(const struct nl_neigh *neigh)
{
	return !neigh->managed && !(neigh->state & (NUD_PERMANENT | NUD_NOARP));
}

bool nl_neigh_usable(const struct nl_neigh *neigh)
{
	return neigh->has_mac &&
	       !(neigh->state & (NUD_FAILED | NUD_INCOMPLETE | NUD_NONE));
}

int nl_neigh_manage(int ifindex, const struct ip_addr *addr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *nd;

	nlh = nl_request(buf, RTM_NEWNEIGH,
			 NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = family_af(addr->family);
	nd->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, addr_len(addr->family), addr->bytes);
	mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	return nl_talk(NETLINK_ROUTE, nlh, NULL, NULL);
}

struct addr_walk {
	void (*fn)(const struct ip_addr *addr, int ifindex, __u8 prefixlen,
		   void *ctx);
	void *ctx;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_walk *walk = data;
	struct ip_addr addr = { .family = ifa->ifa_family == AF_INET ? 4 : 6 };
	const struct nlattr *attr;
	struct attrs a;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*ifa), &a);
	/* IFA_LOCAL is the local address on point-to-point links, where
	 * IFA_ADDRESS is the peer's. */
	attr = a.tb[IFA_LOCAL] ? a.tb[IFA_LOCAL] : a.tb[IFA_ADDRESS];
	if (attr_copy(attr, addr.bytes, addr_len(addr.family)))
		walk->fn(&addr, ifa->ifa_index, ifa->ifa_prefixlen, walk->ctx);
	return MNL_CB_OK;
}

static int addr_dump(struct addr_walk *walk)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_UNSPEC;
	return nl_talk(NETLINK_ROUTE, nlh, addr_cb, walk);
}

struct each_addr {
	void (*fn)(const struct ip_addr *addr, void *ctx);
	void *ctx;
};

static void each_addr_fn(const struct ip_addr *addr, int ifindex,
			 __u8 prefixlen, void *ctx)
{
	struct each_addr *each = ctx;

	(void)ifindex;
	(void)prefixlen;
	each->fn(addr, each->ctx);
}

int nl_addr_for_each(void (*fn)(const struct ip_addr *addr, void *ctx),
		     void *ctx)
{
	struct each_addr each = { fn, ctx };
	struct addr_walk walk = { each_addr_fn, &each };

	return addr_dump(&walk);
}

struct subnet_query {
	const struct ip_addr *addr;
	int ifindex;
	int best_len;
};

static void subnet_fn(const struct ip_addr *addr, int ifindex, __u8 prefixlen,
		      void *ctx)
{
	struct subnet_query *q = ctx;

	if (addr->family == q->addr->family && prefixlen > q->best_len &&
	    prefix_match(addr->bytes, q->addr->bytes, prefixlen)) {
		q->ifindex = ifindex;
		q->best_len = prefixlen;
	}
}

int nl_addr_subnet_ifindex(const struct ip_addr *addr)
{
	struct subnet_query q = { .addr = addr, .best_len = -1 };
	struct addr_walk walk = { subnet_fn, &q };

	return addr_dump(&walk) ? -1 : q.ifindex;
}

struct addr_of_query {
	int ifindex;
	struct ip_addr *out;
	bool found;
};

static void addr_of_fn(const struct ip_addr *addr, int ifindex, __u8 prefixlen,
		       void *ctx)
{
	struct addr_of_query *q = ctx;
	bool link_local = addr->family == 6 && addr->bytes[0] == 0xfe &&
			  (addr->bytes[1] & 0xc0) == 0x80;

	(void)prefixlen;
	if (ifindex == q->ifindex && addr->family == q->out->family &&
	    !link_local && !q->found) {
		*q->out = *addr;
		q->found = true;
	}
}

int nl_addr_of(int ifindex, __u8 family, struct ip_addr *addr)
{
	struct addr_of_query q = { ifindex, addr, false };
	struct addr_walk walk = { addr_of_fn, &q };

	memset(addr, 0, sizeof(*addr));
	addr->family = family;
	if (addr_dump(&walk))
		return -1;
	if (!q.found) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

static int route_add_hop(struct nl_route *route, int ifindex,
			 const struct nlattr *gateway, __u8 family,
			 __u32 weight)
{
	struct nl_nexthop *hop;

	if (route->count == FLOWLET_MAX_PATHS)
		return E2BIG;
	hop = &route->hops[route->count];
	memset(hop, 0, sizeof(*hop));
	hop->ifindex = ifindex;
	hop->weight = weight;
	if (gateway && attr_copy(gateway, hop->gateway.bytes, addr_len(family)))
		hop->gateway.family = family;
	route->count++;
	return 0;
}

static int route_multipath(struct nl_route *route, const struct nlattr *mp,
			   __u8 family)
{
	const struct rtnexthop *rtnh = mnl_attr_get_payload(mp);
	int len = mnl_attr_get_payload_len(mp);

	while (len >= (int)sizeof(*rtnh) && rtnh->rtnh_len >= sizeof(*rtnh) &&
	       rtnh->rtnh_len <= len) {
		const struct nlattr *gw = NULL, *attr;
		int err;

		const void *attrs = (const char *)rtnh + RTNH_LENGTH(0);

		mnl_attr_for_each_payload(attrs,
					  rtnh->rtnh_len - RTNH_LENGTH(0))
		{
			if (mnl_attr_get_type(attr) == RTA_GATEWAY)
				gw = attr;
		}
		err = route_add_hop(route, rtnh->rtnh_ifindex, gw, family,
				    rtnh->rtnh_hops + 1u);
		if (err)
			return err;
		len -= RTNH_ALIGN(rtnh->rtnh_len);
		rtnh = (const void *)((const char *)rtnh +
				      RTNH_ALIGN(rtnh->rtnh_len));
	}
	return 0;
}

/* A route message into @e (its next hops not resolved yet: see
 * route_resolve()) and its table; false if it is none of ours to read
 * (not a route, a cloned one). */
static bool route_parse(const struct nlmsghdr *nlh, struct nl_route_entry *e,
			__u32 *table)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	__u8 family = rtm->rtm_family == AF_INET ? 4 : 6;
	struct attrs a;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_flags & RTM_F_CLONED ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return false;
	parse_attrs(nlh, sizeof(*rtm), &a);
	memset(e, 0, sizeof(*e));
	*table = a.tb[RTA_TABLE] ? mnl_attr_get_u32(a.tb[RTA_TABLE])
				 : rtm->rtm_table;
	e->prefix.family = family;
	e->prefix.prefixlen = 8 + rtm->rtm_dst_len;
	if (a.tb[RTA_DST] &&
	    !attr_copy(a.tb[RTA_DST], e->prefix.addr, addr_len(family)))
		return false;
	if (a.tb[RTA_PRIORITY])
		e->priority = mnl_attr_get_u32(a.tb[RTA_PRIORITY]);
	if (rtm->rtm_type != RTN_UNICAST)
		e->err = EOPNOTSUPP;
	else if (a.tb[RTA_NH_ID])
		e->route.nhid = mnl_attr_get_u32(a.tb[RTA_NH_ID]);
	else if (a.tb[RTA_MULTIPATH])
		e->err =
			route_multipath(&e->route, a.tb[RTA_MULTIPATH], family);
	else if (a.tb[RTA_OIF])
		e->err = route_add_hop(&e->route,
				       mnl_attr_get_u32(a.tb[RTA_OIF]),
				       a.tb[RTA_GATEWAY], family, 1);
	return true;
}

/* Route lookups: the route that matches, and its next hops. */
struct route_query {
	const struct flowlet_prefix_key *prefix;
	__u32 table;
	struct nl_route_entry entry;
	bool found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_query *q = data;
	struct nl_route_entry e;
	__u32 table;

	if (q->found || !route_parse(nlh, &e, &table) || table != q->table ||
	    !prefix_equal(&e.prefix, q->prefix))
		return MNL_CB_OK;
	q->found = true;
	q->entry = e;
	return MNL_CB_OK;
}

/* A nexthop object: a group's members, or one next hop. */
struct nexthop_query {
	struct nexthop_grp group[FLOWLET_MAX_PATHS];
	int members; /* -1: not a group */
	int ifindex;
	struct ip_addr gateway;
	bool blackhole;
	int err;
};

static int nexthop_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	struct nexthop_query *q = data;
	struct attrs a;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP)
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof(*nhm), &a);
	q->members = -1;
	if (a.tb[NHA_GROUP]) {
		size_t len = mnl_attr_get_payload_len(a.tb[NHA_GROUP]);

		if (len > sizeof(q->group)) {
			q->err = E2BIG;
			return MNL_CB_OK;
		}
		memcpy(q->group, mnl_attr_get_payload(a.tb[NHA_GROUP]), len);
		q->members = len / sizeof(q->group[0]);
	}
	q->blackhole = a.tb[NHA_BLACKHOLE] != NULL;
	if (a.tb[NHA_OIF])
		q->ifindex = mnl_attr_get_u32(a.tb[NHA_OIF]);
	q->gateway.family = nhm->nh_family == AF_INET ? 4 : 6;
	if (!attr_copy(a.tb[NHA_GATEWAY], q->gateway.bytes,
		       addr_len(q->gateway.family)))
		q->gateway.family = 0;
	return MNL_CB_OK;
}

static int nexthop_get(__u32 id, struct nexthop_query *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(buf, RTM_GETNEXTHOP, NLM_F_ACK);

	memset(q, 0, sizeof(*q));
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	mnl_attr_put_u32(nlh, NHA_ID, id);
	return nl_talk(NETLINK_ROUTE, nlh, nexthop_cb, q);
}

/* The next hops of nexthop object @id: a group's members, or itself. */
static int route_nexthops(struct nl_route *route, __u32 id)
{
	struct nexthop_query group, member;
	int n;

	if (nexthop_get(id, &group))
		return errno;
	if (group.err)
		return group.err;
	if (group.members < 0) {
		group.group[0] = (struct nexthop_grp){ .id = id };
		n = 1;
	} else {
		n = group.members;
	}
	for (int i = 0; i < n; i++) {
		struct nl_nexthop *hop;

		if (nexthop_get(group.group[i].id, &member))
			return errno;
		if (member.members >= 0 || member.blackhole)
			return EOPNOTSUPP;
		if (route->count == FLOWLET_MAX_PATHS)
			return E2BIG;
		hop = &route->hops[route->count++];
		hop->ifindex = member.ifindex;
		hop->gateway = member.gateway;
		hop->weight = nexthop_grp_weight(&group.group[i]);
	}
	return 0;
}

/* Completes a parsed route: a nexthop object's next hops, and a route
 * flowlet cannot balance told by its errno (a device route has no next
 * hop to rewrite to). */
static void route_resolve(struct nl_route_entry *e)
{
	struct nl_route *route = &e->route;

	if (!e->err && route->nhid)
		e->err = route_nexthops(route, route->nhid);
	for (int i = 0; !e->err && i < route->count; i++) {
		if (!route->hops[i].gateway.family)
			e->err = EOPNOTSUPP;
	}
	if (!e->err && !route->count)
		e->err = EOPNOTSUPP;
}

/* A dump of the routes of @table of both families into @cb. */
static int route_dump(__u32 table, __u8 family, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family_af(family);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	return nl_talk(NETLINK_ROUTE, nlh, cb, data);
}

int nl_route_get(const struct flowlet_prefix_key *prefix, __u32 table,
		 struct nl_route *route)
{
	struct route_query q = { .prefix = prefix, .table = table };

	if (route_dump(table, prefix->family, route_cb, &q))
		return -1;
	if (!q.found) {
		errno = ENOENT;
		return -1;
	}
	route_resolve(&q.entry);
	*route = q.entry.route;
	errno = q.entry.err;
	return q.entry.err ? -1 : 0;
}

struct route_list {
	__u32 table;
	struct nl_route_entry *v;
	int count, cap;
	bool failed;
};

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	struct nl_route_entry e;
	__u32 table;

	if (!route_parse(nlh, &e, &table) || table != l->table)
		return MNL_CB_OK;
	/* Of routes to one prefix, the kernel uses the lowest metric. */
	for (int i = 0; i < l->count; i++) {
		if (prefix_equal(&l->v[i].prefix, &e.prefix)) {
			if (e.priority < l->v[i].priority)
				l->v[i] = e;
			return MNL_CB_OK;
		}
	}
	if (l->count == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v) {
			l->failed = true;
			return MNL_CB_ERROR;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->count++] = e;
	return MNL_CB_OK;
}

int nl_route_list(__u32 table, struct nl_route_entry **entries)
{
	struct route_list l = { .table = table };

	if (route_dump(table, 4, route_list_cb, &l) ||
	    route_dump(table, 6, route_list_cb, &l)) {
		if (l.failed)
			errno = ENOMEM;
		free(l.v);
		return -1;
	}
	for (int i = 0; i < l.count; i++) {
		struct nl_route_entry *e = &l.v[i];
		int j = 0;

		/* Routes through one nexthop object (FRR installs hundreds
		 * over a few) share its next hops: asked for once. */
		while (e->route.nhid && !e->err && j < i &&
		       l.v[j].route.nhid != e->route.nhid)
			j++;
		if (e->route.nhid && !e->err && j < i) {
			e->route = l.v[j].route;
			e->err = l.v[j].err;
		} else {
			route_resolve(e);
		}
	}
	*entries = l.v;
	return l.count;
}

/* The netdev generic netlink family (Linux 6.3+); its uapi header is newer
 * than Debian 12's, so the few constants needed are here. */
#define NETDEV_FAMILY_NAME	  "netdev"
#define NETDEV_CMD_DEV_GET	  1
#define NETDEV_A_DEV_IFINDEX	  1
#define NETDEV_A_DEV_XDP_FEATURES 3

struct genl_answer {
	__u16 want;
	void *out;
	size_t len;
	bool found;
};

static int genl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_answer *ans = data;
	struct attrs a;

	parse_attrs(nlh, GENL_HDRLEN, &a);
	if (ans->want < 64 && a.tb[ans->want] &&
	    mnl_attr_get_payload_len(a.tb[ans->want]) >= ans->len) {
		memcpy(ans->out, mnl_attr_get_payload(a.tb[ans->want]),
		       ans->len);
		ans->found = true;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_request(char *buf, __u16 family, __u8 cmd)
{
	struct nlmsghdr *nlh = nl_request(buf, family, NLM_F_ACK);
	struct genlmsghdr *gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));

	gh->cmd = cmd;
	gh->version = 1;
	return nlh;
}

static int genl_call(struct nlmsghdr *nlh, __u16 want, void *out, size_t len)
{
	struct genl_answer ans = { want, out, len, false };

	if (nl_talk(NETLINK_GENERIC, nlh, genl_cb, &ans))
		return -1;
	if (!ans.found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int nl_xdp_features(int ifindex, __u64 *features)
{
	static __u16 family;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!family) {
		nlh = genl_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME,
				  NETDEV_FAMILY_NAME);
		if (genl_call(nlh, CTRL_ATTR_FAMILY_ID, &family,
			      sizeof(family)))
			return -1;
	}
	nlh = genl_request(buf, family, NETDEV_CMD_DEV_GET);
	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, ifindex);
	return genl_call(nlh, NETDEV_A_DEV_XDP_FEATURES, features,
			 sizeof(*features));
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);

	/* A filter's handle; handle 0 is its priority's header entry. */
	if (nlh->nlmsg_type == RTM_NEWTFILTER && tcm->tcm_handle)
		(*(int *)data)++;
	return MNL_CB_OK;
}

int nl_tc_filter_count(int ifindex, __u32 parent, int *count)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_request(buf, RTM_GETTFILTER, NLM_F_DUMP);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	return nl_talk(NETLINK_ROUTE, nlh, filter_cb, count);
}

struct nl_events {
	struct mnl_socket *nl;
};

struct nl_events *nl_events_open(void)
{
	static const unsigned int groups =
		RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_IFADDR |
		RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	struct nl_events *ev = calloc(1, sizeof(*ev));
	int nexthops = RTNLGRP_NEXTHOP, rcvbuf = 4 << 20, saved;

	if (!ev)
		return NULL;
	ev->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!ev->nl)
		goto fail;
	/* A burst of neighbour events must not overrun us; if it does
	 * anyway, the reader is told (NL_EVENT_OVERRUN). */
	setsockopt(mnl_socket_get_fd(ev->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	if (mnl_socket_bind(ev->nl, groups, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(ev->nl, NETLINK_ADD_MEMBERSHIP, &nexthops,
				  sizeof(nexthops)) < 0)
		goto fail;
	return ev;
fail:
	saved = errno;
	nl_events_close(ev);
	errno = saved;
	return NULL;
}

void nl_events_close(struct nl_events *ev)
{
	if (!ev)
		return;
	if (ev->nl)
		mnl_socket_close(ev->nl);
	free(ev);
}

int nl_events_fd(const struct nl_events *ev)
{
	return mnl_socket_get_fd(ev->nl);
}

struct event_walk {
	void (*fn)(enum nl_event event, int ifindex, void *ctx);
	void *ctx;
	int count;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct event_walk *walk = data;
	enum nl_event event;
	int ifindex = 0;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		event = NL_EVENT_LINK;
		ifindex = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))
				  ->ifi_index;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		event = NL_EVENT_ADDR;
		ifindex = ((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))
				  ->ifa_index;
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		event = NL_EVENT_NEIGH;
		ifindex = ((const struct ndmsg *)mnl_nlmsg_get_payload(nlh))
				  ->ndm_ifindex;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		event = NL_EVENT_ROUTE;
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		event = NL_EVENT_NEXTHOP;
		break;
	default:
		return MNL_CB_OK;
	}
	walk->fn(event, ifindex, walk->ctx);
	walk->count++;
	return MNL_CB_OK;
}

int nl_events_read(struct nl_events *ev,
		   void (*fn)(enum nl_event event, int ifindex, void *ctx),
		   void *ctx)
{
	static char buf[NL_BUF_SIZE];
	struct event_walk walk = { fn, ctx, 0 };

	for (;;) {
		int len = mnl_socket_recvfrom(ev->nl, buf, sizeof(buf));

		if (len < 0 && errno == ENOBUFS) {
			fn(NL_EVENT_OVERRUN, 0, ctx);
			walk.count++;
			continue;
		}
		if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return walk.count;
		if (len < 0 || mnl_cb_run(buf, len, 0, 0, event_cb, &walk) < 0)
			return -1;
	}
}
