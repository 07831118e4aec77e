// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "capacity.h"
#include "clock.h"
#include "delay.h"
#include "log.h"
#include "names.h"
#include "nl.h"
#include "probe.h"

#define PROBE_MAGIC 0x666c7774 /* "flwt" */
#define OUTSTANDING 4096       /* probes in flight, by sequence number */
#define PAIRS	    (FLOWLET_MAX_PROBE_TARGETS * FLOWLET_MAX_PATHS)

/* Every PICK_EVERY_NS, while the timeout is auto in a mode with flowlets
 * or the mode is share, the watcher looks at the flows: how many each
 * group has, and their gaps (flowlet_gaps). Without --probe, the targets are
 * the flows' destinations: a group with no target gets the destination of its
 * largest flow that sent within PICK_RECENT_NS. A target no flow went to
 * for PICK_IDLE_NS is let go, and so is one that answered none of
 * PICK_SILENT_PROBES probes on any path (not picked again for
 * SILENT_NS). */
#define PICK_EVERY_NS	   1000000000ULL  /* 1s */
#define PICK_RECENT_NS	   2000000000ULL  /* 2s */
#define PICK_IDLE_NS	   10000000000ULL /* 10s */
#define PICK_SILENT_PROBES 30
#define SILENT_NS	   60000000000ULL /* 1min */

/* What a probe carries after its ICMP echo header. */
struct probe_payload {
	__be32 magic;
	__be32 pair;   /* target * FLOWLET_MAX_PATHS + path */
	__u64 sent_ns; /* CLOCK_REALTIME, as the kernel stamps replies */
};

struct pair {
	struct delay_window window;
	struct flowlet_delay out;
	int ifindex;	    /* where the last probe went, and to which MAC: */
	__u8 mac[ETH_ALEN]; /* another next hop starts a new window */
	bool active;	    /* the target's group has this path */
	bool dirty;	    /* not written to flowlet_delay since a change */
	__u32 look_round;   /* mode share: the target's round at the last
			     * look, where this look's samples begin */
};

struct target {
	struct ip_addr addr, source;
	bool used;
	bool fixed;    /* --probe; else picked from the flows (auto) */
	__u32 round;   /* the next round: one probe on each of its paths */
	__u64 next_ns; /* CLOCK_MONOTONIC: it is due (0: no path active) */
	__u64 seen_ns; /* auto: when flows last went there (MONOTONIC) */
};

/* An auto target that never answered: not picked again for a while. */
struct silent {
	struct ip_addr addr;
	__u64 until_ns;
};

/* A group's flows over the last DELAY_GAP_LOOKS looks. */
struct group_flows {
	struct flowlet_gaps read; /* flowlet_gaps at the last look */
	struct {
		struct flowlet_gaps seen; /* its difference */
		__u64 flow_ns;		  /* its flows x its length */
	} looks[DELAY_GAP_LOOKS];	  /* a ring */
	int next;			  /* the oldest look */
	struct delay_gaps last;		  /* the sum over the ring */
};

/* flowlet_gaps as counters, each read the same way. */
#define GAP_COUNTERS (sizeof(struct flowlet_gaps) / sizeof(__u64))
_Static_assert(sizeof(struct flowlet_gaps) % sizeof(__u64) == 0,
	       "struct flowlet_gaps holds __u64 counters only");

struct prober {
	const struct instance *in;
	struct target targets[FLOWLET_MAX_PROBE_TARGETS];
	bool automatic; /* no --probe: targets picked from the flows */
	__u64 interval_ns;
	__u64 pick_ns;	   /* the next look at the flows */
	__u64 looked_ns;   /* the last one (0: none yet) */
	__u64 capacity_ns; /* mode share: the last look at the capacities */
	struct group_flows groups[FLOWLET_MAX_GROUPS];
	/* mode share: each group's paths' capacities */
	struct capacity capacity[FLOWLET_MAX_GROUPS][FLOWLET_MAX_PATHS];
	struct silent silent[FLOWLET_MAX_PROBE_TARGETS];
	int silent_next;
	void (*notify)(void *ctx, const struct ip_addr *target, int group,
		       enum prober_change why);
	void *notify_ctx;
	struct pair pairs[PAIRS];
	struct {
		__u64 sent_mono_ns; /* 0: free */
		__u32 pair;
		__u32 round;
	} outstanding[OUTSTANDING];
	__u16 id, seq;
	int send_fd;	/* AF_PACKET: frames out of a given interface */
	int recv_fd[2]; /* raw ICMP and ICMPv6: the replies */
};

/* The source the kernel picks toward @t (a UDP socket connected there
 * sends nothing). */
static int kernel_source(struct target *t)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int fd, err;

	if (t->addr.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, t->addr.bytes, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, t->addr.bytes, 16);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	err = connect(fd, (struct sockaddr *)&ss, len) ||
	      getsockname(fd, (struct sockaddr *)&ss,
			  &(socklen_t){ sizeof(ss) });
	close(fd);
	if (err)
		return -1;
	t->source.family = t->addr.family;
	if (t->addr.family == 4)
		memcpy(t->source.bytes, &((struct sockaddr_in *)&ss)->sin_addr,
		       4);
	else
		memcpy(t->source.bytes,
		       &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return 0;
}

/* The source of @t's probes: an address of the ingress port, whose
 * subnet is where the traffic flowlet balances comes from, so the far
 * side routes back to it; else the kernel's. */
static int source_for(const struct instance_config *c, struct target *t)
{
	if (c->cfg.ingress_count &&
	    !nl_addr_of(c->cfg.ingress[0].ifindex, t->addr.family, &t->source))
		return 0;
	return kernel_source(t);
}

/* The group @addr is balanced over, or -1 if it is not balanced. */
static int group_of(const struct instance *in, const struct ip_addr *addr)
{
	struct flowlet_prefix_key key = { .family = addr->family };
	struct flowlet_prefix_value v;

	key.prefixlen = 8 + (addr->family == 4 ? 32 : 128);
	memcpy(key.addr, addr->bytes, addr->family == 4 ? 4 : 16);
	if (bpf_map_lookup_elem(in->fds[MAP_PREFIX], &key, &v) ||
	    v.action != FLOWLET_PREFIX_BALANCE)
		return -1;
	return v.group;
}

static int open_sockets(struct prober *p)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	static const int protos[2] = { IPPROTO_ICMP, IPPROTO_ICMPV6 };
	int on = 1;

	p->send_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->send_fd < 0)
		return -1;
	/* What XDP redirects skips the egress qdiscs of its path: so do the
	 * probes, so that they see what the traffic sees. */
	if (p->in->hook == FLOWLET_HOOK_XDP &&
	    setsockopt(p->send_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &on,
		       sizeof(on)))
		return -1;
	for (int f = 0; f < 2; f++) {
		p->recv_fd[f] = socket(families[f],
				       SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
				       protos[f]);
		if (p->recv_fd[f] < 0 ||
		    setsockopt(p->recv_fd[f], SOL_SOCKET, SO_TIMESTAMPNS, &on,
			       sizeof(on)))
			return -1;
	}
	{
		struct icmp6_filter filter;

		ICMP6_FILTER_SETBLOCKALL(&filter);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
		if (setsockopt(p->recv_fd[1], IPPROTO_ICMPV6, ICMP6_FILTER,
			       &filter, sizeof(filter)))
			return -1;
	}
	return 0;
}

struct prober *prober_open(const struct instance *in,
			   const struct ip_addr *targets, int count,
			   __u64 interval_ns)
{
	struct prober *p = calloc(1, sizeof(*p));
	char name[INET6_ADDRSTRLEN];
	struct instance_config c;

	if (!p) {
		pr_err("watch: out of memory");
		return NULL;
	}
	p->send_fd = p->recv_fd[0] = p->recv_fd[1] = -1;
	/* A host's own traffic goes through flowlet there: so would the
	 * probes, balanced instead of sent over their path. */
	if (in->hook == FLOWLET_HOOK_TC_EGRESS) {
		pr_err("--probe: not at tc-egress, where flowlet would balance "
		       "the probes themselves");
		goto fail;
	}
	if (instance_read_config(in, &c))
		goto fail;
	p->in = in;
	p->automatic = !count;
	p->interval_ns = interval_ns;
	p->id = getpid() & 0xffff;
	for (int t = 0; t < count; t++) {
		p->targets[t].addr = targets[t];
		p->targets[t].used = p->targets[t].fixed = true;
		format_ip(targets[t].bytes, targets[t].family, name,
			  sizeof(name));
		if (group_of(in, &targets[t]) < 0) {
			pr_err("--probe %s: not a destination %s balances",
			       name, in->iface);
			goto fail;
		}
		if (source_for(&c, &p->targets[t])) {
			pr_err("--probe %s: no route there: %s", name,
			       strerror(errno));
			goto fail;
		}
	}
	if (open_sockets(p)) {
		pr_err("watch: cannot open the probe sockets: %s",
		       strerror(errno));
		goto fail;
	}
	/* What an earlier watcher measured is no measurement now. */
	for (__u32 key = 0; key < PAIRS; key++) {
		if (bpf_map_update_elem(in->fds[MAP_DELAY], &key,
					&p->pairs[key].out, BPF_ANY) ||
		    (key < FLOWLET_MAX_GROUPS &&
		     bpf_map_update_elem(in->fds[MAP_AUTO], &key,
					 &(struct flowlet_auto){ 0 },
					 BPF_ANY))) {
			pr_err("watch: cannot clear the delays: %s",
			       strerror(errno));
			goto fail;
		}
	}
	return p;
fail:
	prober_close(p);
	return NULL;
}

void prober_close(struct prober *p)
{
	if (!p)
		return;
	if (p->send_fd >= 0)
		close(p->send_fd);
	for (int f = 0; f < 2; f++) {
		if (p->recv_fd[f] >= 0)
			close(p->recv_fd[f]);
	}
	free(p);
}

void prober_notify(struct prober *p,
		   void (*fn)(void *ctx, const struct ip_addr *target,
			      int group, enum prober_change why),
		   void *ctx)
{
	p->notify = fn;
	p->notify_ctx = ctx;
}

void prober_reopen(struct prober *p, const struct instance *in)
{
	p->in = in;
	for (int i = 0; i < PAIRS; i++)
		p->pairs[i].dirty = p->pairs[i].active;
}

int prober_fds(const struct prober *p, int *fds)
{
	fds[0] = p->recv_fd[0];
	fds[1] = p->recv_fd[1];
	return 2;
}

int prober_wait_ms(const struct prober *p)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC), next = UINT64_MAX;

	for (int t = 0; t < FLOWLET_MAX_PROBE_TARGETS; t++) {
		if (p->targets[t].next_ns && p->targets[t].next_ns < next)
			next = p->targets[t].next_ns;
	}
	if (p->pick_ns < next)
		next = p->pick_ns;
	if (next == UINT64_MAX)
		return 1000;
	return next <= now ? 0 : (next - now + 999999) / 1000000;
}

/* The Internet checksum of @len bytes, added to @sum. */
static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

static __be16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* An echo request from @t's source to @t through @path, as a frame into
 * @frame; its length. */
static size_t build_probe(const struct target *t,
			  const struct flowlet_path *path, __u16 id, __u16 seq,
			  const struct probe_payload *pl, __u8 *frame)
{
	struct ethhdr *eth = (struct ethhdr *)frame;
	size_t l4_len = sizeof(struct icmphdr) + sizeof(*pl);
	__u8 *l4;

	memcpy(eth->h_dest, path->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, path->src_mac, ETH_ALEN);
	if (t->addr.family == 4) {
		struct iphdr *ip = (struct iphdr *)(eth + 1);
		struct icmphdr *icmp = (struct icmphdr *)(ip + 1);

		eth->h_proto = htons(ETH_P_IP);
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(sizeof(*ip) + l4_len);
		ip->id = htons(seq);
		ip->ttl = 64;
		ip->protocol = IPPROTO_ICMP;
		memcpy(&ip->saddr, t->source.bytes, 4);
		memcpy(&ip->daddr, t->addr.bytes, 4);
		ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
		memset(icmp, 0, sizeof(*icmp));
		icmp->type = ICMP_ECHO;
		icmp->un.echo.id = htons(id);
		icmp->un.echo.sequence = htons(seq);
		l4 = (__u8 *)icmp;
		memcpy(l4 + sizeof(*icmp), pl, sizeof(*pl));
		icmp->checksum = csum_fold(csum_add(0, l4, l4_len));
		return sizeof(*eth) + sizeof(*ip) + l4_len;
	} else {
		struct ip6_hdr *ip6 = (struct ip6_hdr *)(eth + 1);
		struct icmp6_hdr *icmp6 = (struct icmp6_hdr *)(ip6 + 1);
		__be32 upper = htonl(l4_len), next = htonl(IPPROTO_ICMPV6);
		__u32 sum;

		eth->h_proto = htons(ETH_P_IPV6);
		memset(ip6, 0, sizeof(*ip6));
		ip6->ip6_flow = htonl(6u << 28);
		ip6->ip6_plen = htons(l4_len);
		ip6->ip6_nxt = IPPROTO_ICMPV6;
		ip6->ip6_hlim = 64;
		memcpy(&ip6->ip6_src, t->source.bytes, 16);
		memcpy(&ip6->ip6_dst, t->addr.bytes, 16);
		memset(icmp6, 0, sizeof(*icmp6));
		icmp6->icmp6_type = ICMP6_ECHO_REQUEST;
		icmp6->icmp6_id = htons(id);
		icmp6->icmp6_seq = htons(seq);
		l4 = (__u8 *)icmp6;
		memcpy(l4 + sizeof(*icmp6), pl, sizeof(*pl));
		sum = csum_add(0, &ip6->ip6_src, 32);
		sum = csum_add(sum, &upper, 4);
		sum = csum_add(sum, &next, 4);
		icmp6->icmp6_cksum = csum_fold(csum_add(sum, l4, l4_len));
		return sizeof(*eth) + sizeof(*ip6) + l4_len;
	}
}

static void send_probe(struct prober *p, __u32 index,
		       const struct flowlet_path *path, __u64 now)
{
	struct pair *pr = &p->pairs[index];
	const struct target *t = &p->targets[index / FLOWLET_MAX_PATHS];
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = path->ifindex,
				  .sll_halen = ETH_ALEN };
	struct probe_payload pl = { .magic = htonl(PROBE_MAGIC),
				    .pair = htonl(index) };
	__u8 frame[128];
	__u16 seq = p->seq++;
	size_t len;

	/* Another next hop (a route change): a new path, a new window. */
	if (pr->ifindex != (int)path->ifindex ||
	    memcmp(pr->mac, path->dst_mac, ETH_ALEN)) {
		memset(&pr->window, 0, sizeof(pr->window));
		pr->ifindex = path->ifindex;
		memcpy(pr->mac, path->dst_mac, ETH_ALEN);
		pr->dirty = true;
	}
	memcpy(to.sll_addr, path->dst_mac, ETH_ALEN);
	pl.sent_ns = clock_ns(CLOCK_REALTIME);
	len = build_probe(t, path, p->id, seq, &pl, frame);
	to.sll_protocol = ((struct ethhdr *)frame)->h_proto;
	if (sendto(p->send_fd, frame, len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return; /* the interface went: the path goes down */
	/* A slot still in flight after OUTSTANDING probes never came back. */
	if (p->outstanding[seq % OUTSTANDING].sent_mono_ns) {
		p->pairs[p->outstanding[seq % OUTSTANDING].pair].out.lost++;
		p->pairs[p->outstanding[seq % OUTSTANDING].pair].dirty = true;
	}
	p->outstanding[seq % OUTSTANDING].sent_mono_ns = now;
	p->outstanding[seq % OUTSTANDING].pair = index;
	p->outstanding[seq % OUTSTANDING].round = t->round;
	pr->out.sent++;
	pr->out.frame_bytes = len;
	pr->dirty = true;
}

/* Probes older than the timeout: lost. */
static void expire(struct prober *p, __u64 now)
{
	for (int s = 0; s < OUTSTANDING; s++) {
		__u64 sent = p->outstanding[s].sent_mono_ns;

		if (!sent || now - sent <= PROBE_TIMEOUT_NS)
			continue;
		p->pairs[p->outstanding[s].pair].out.lost++;
		p->pairs[p->outstanding[s].pair].dirty = true;
		p->outstanding[s].sent_mono_ns = 0;
	}
}

static bool same_addr(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16);
}

/* Target @t's slot is free again (@why): its pairs forget what they
 * measured, and flowlet_delay with them (at the next write). */
static void release(struct prober *p, int t, enum prober_change why)
{
	if (p->notify)
		p->notify(p->notify_ctx, &p->targets[t].addr,
			  group_of(p->in, &p->targets[t].addr), why);
	for (int i = t * FLOWLET_MAX_PATHS; i < (t + 1) * FLOWLET_MAX_PATHS;
	     i++) {
		p->pairs[i] = (struct pair){ .dirty = true };
	}
	for (int s = 0; s < OUTSTANDING; s++) {
		if (p->outstanding[s].pair / FLOWLET_MAX_PATHS == (__u32)t)
			p->outstanding[s].sent_mono_ns = 0;
	}
	p->targets[t] = (struct target){ 0 };
}

/* Whether auto target @t was probed enough on some path, and answered on
 * none. */
static bool silent(const struct prober *p, int t)
{
	bool probed = false;

	for (int i = t * FLOWLET_MAX_PATHS; i < (t + 1) * FLOWLET_MAX_PATHS;
	     i++) {
		if (p->pairs[i].out.answered)
			return false;
		probed |= p->pairs[i].out.sent >= PICK_SILENT_PROBES;
	}
	return probed;
}

static bool silenced(const struct prober *p, const struct ip_addr *a, __u64 now)
{
	for (int i = 0; i < FLOWLET_MAX_PROBE_TARGETS; i++) {
		if (p->silent[i].until_ns > now &&
		    same_addr(&p->silent[i].addr, a))
			return true;
	}
	return false;
}

/* The flows: in each group, the largest recent flow's destination
 * (@best, with its bytes in @bytes), skipping silenced ones, and the
 * measured flows (flowlet_measured) that sent since @since (@active);
 * marks the auto targets flows still go to. */
static void look_at_flows(struct prober *p, __u64 now, __u64 since,
			  struct ip_addr *best, __u64 *bytes, __u64 *active)
{
	struct flowlet_flow_key *keys;
	struct flowlet_flow *values;
	long long n = instance_read_flows(p->in, &keys, &values);

	for (long long i = 0; i < n; i++) {
		const struct flowlet_flow *f = &values[i];
		struct ip_addr dst = { .family = keys[i].family };

		if (f->group < FLOWLET_MAX_GROUPS && f->packets >= 2 &&
		    flowlet_measured(keys[i].proto) &&
		    (__s64)(f->last_seen_ns - since) > 0)
			active[f->group]++;
		if ((__s64)(now - f->last_seen_ns) > (__s64)PICK_RECENT_NS)
			continue;
		memcpy(dst.bytes, keys[i].dst, sizeof(dst.bytes));
		for (int t = 0; t < FLOWLET_MAX_PROBE_TARGETS; t++) {
			if (p->targets[t].used && !p->targets[t].fixed &&
			    same_addr(&p->targets[t].addr, &dst))
				p->targets[t].seen_ns = now;
		}
		if (f->group < FLOWLET_MAX_GROUPS &&
		    f->bytes > bytes[f->group] && !silenced(p, &dst, now)) {
			best[f->group] = dst;
			bytes[f->group] = f->bytes;
		}
	}
	free(keys);
	free(values);
}

/* Each group's gaps since the last look, over @elapsed_ns, with its
 * @active flows, into its ring and the sum over the ring. The first look
 * (@elapsed_ns 0) only reads the counters, and so does every look while
 * the timeout is not auto (!@want): the ring starts empty when it is
 * again, since gaps counted without flow time would hold its timeout
 * up. A counter below the last read (a new map) starts again from 0. */
static void read_gaps(struct prober *p, const struct instance_config *c,
		      __u64 elapsed_ns, bool want, const __u64 *active)
{
	for (__u32 g = 0; g < FLOWLET_MAX_GROUPS; g++) {
		struct group_flows *gf = &p->groups[g];
		struct delay_gaps *sum = &gf->last;
		struct flowlet_gaps now;
		__u64 *look, *read = (__u64 *)&gf->read,
			     *total = (__u64 *)&sum->seen;
		const __u64 *seen = (const __u64 *)&now;

		if (g >= c->cfg.group_count ||
		    percpu_sum(p->in->fds[MAP_GAPS], g, &now, sizeof(now))) {
			memset(gf, 0, sizeof(*gf));
			continue;
		}
		if (!elapsed_ns || !want) {
			memset(gf, 0, sizeof(*gf));
			gf->read = now;
			continue;
		}
		look = (__u64 *)&gf->looks[gf->next].seen;
		sum->flow_ns -= gf->looks[gf->next].flow_ns;
		for (size_t i = 0; i < GAP_COUNTERS; i++) {
			total[i] -= look[i];
			look[i] = seen[i] >= read[i] ? seen[i] - read[i]
						     : seen[i];
			total[i] += look[i];
			read[i] = seen[i];
		}
		gf->looks[gf->next].flow_ns = active[g] * elapsed_ns;
		sum->flow_ns += gf->looks[gf->next].flow_ns;
		sum->flows = active[g];
		gf->next = (gf->next + 1) % DELAY_GAP_LOOKS;
	}
}

/*
 * Without --probe: while the timeout is auto in a mode with flowlets, or
 * the mode is share (@want), each group balancing traffic gets a target, the
 * destination of its largest recent flow (@best, with its @bytes); see
 * PICK_EVERY_NS.
 */
static void pick_targets(struct prober *p, const struct instance_config *c,
			 __u64 now, bool want, const struct ip_addr *best,
			 __u64 *bytes)
{
	int free_slot = -1;

	for (int t = FLOWLET_MAX_PROBE_TARGETS - 1; t >= 0; t--) {
		struct target *tg = &p->targets[t];
		int g;

		if (tg->used && !want) {
			release(p, t, PROBER_UNWANTED);
		} else if (tg->used && silent(p, t)) {
			p->silent[p->silent_next].addr = tg->addr;
			p->silent[p->silent_next].until_ns = now + SILENT_NS;
			p->silent_next = (p->silent_next + 1) %
					 FLOWLET_MAX_PROBE_TARGETS;
			release(p, t, PROBER_SILENT);
		} else if (tg->used && now - tg->seen_ns > PICK_IDLE_NS) {
			release(p, t, PROBER_IDLE);
		}
		if (!tg->used) {
			free_slot = t;
			continue;
		}
		g = group_of(p->in, &tg->addr);
		if (g >= 0 && g < FLOWLET_MAX_GROUPS)
			bytes[g] = 0; /* it has one */
	}
	while (free_slot >= 0) {
		struct target *tg = &p->targets[free_slot];
		int g = 0;

		for (int i = 1; i < FLOWLET_MAX_GROUPS; i++) {
			if (bytes[i] > bytes[g])
				g = i;
		}
		if (!bytes[g])
			break;
		bytes[g] = 0;
		/* The flow's group may predate a commit: ask the prefixes;
		 * and one silenced just now is no candidate. */
		if (group_of(p->in, &best[g]) != g ||
		    silenced(p, &best[g], now))
			continue;
		tg->addr = best[g];
		if (source_for(c, tg)) {
			*tg = (struct target){ 0 };
			continue;
		}
		tg->used = true;
		tg->seen_ns = now;
		if (p->notify)
			p->notify(p->notify_ctx, &tg->addr, g, PROBER_PICKED);
		free_slot = -1;
		for (int t = 0; t < FLOWLET_MAX_PROBE_TARGETS; t++) {
			if (!p->targets[t].used)
				free_slot = t;
		}
	}
}

/* Mode share (@want): each group's paths' capacities from what they
 * carried over the last @elapsed_ns and whether the probes of the group's
 * targets found their queues full meanwhile (capacity.h), into
 * flowlet_cap; otherwise they are forgotten. */
static void look_capacity(struct prober *p, const struct instance_config *c,
			  __u64 now, __u64 elapsed_ns, bool want)
{
	double queued[FLOWLET_MAX_GROUPS][FLOWLET_MAX_PATHS];

	if (!want) {
		memset(p->capacity, 0, sizeof(p->capacity));
		return;
	}
	for (int g = 0; g < FLOWLET_MAX_GROUPS; g++) {
		for (int i = 0; i < FLOWLET_MAX_PATHS; i++)
			queued[g][i] = -1;
	}
	for (int t = 0; t < FLOWLET_MAX_PROBE_TARGETS; t++) {
		int g = p->targets[t].used
				? group_of(p->in, &p->targets[t].addr)
				: -1;

		for (int i = 0; i < FLOWLET_MAX_PATHS; i++) {
			struct pair *pr = &p->pairs[t * FLOWLET_MAX_PATHS + i];
			double q = capacity_queued(&pr->window, pr->look_round);

			pr->look_round = p->targets[t].round;
			if (g >= 0 && g < FLOWLET_MAX_GROUPS && pr->active &&
			    q > queued[g][i])
				queued[g][i] = q;
		}
	}
	for (__u32 g = 0; g < c->cfg.group_count && g < FLOWLET_MAX_GROUPS;
	     g++) {
		const struct capacity *caps[FLOWLET_MAX_PATHS];
		__u32 index[FLOWLET_MAX_PATHS];
		struct flowlet_capacity fill[FLOWLET_MAX_PATHS];
		int n = 0;

		for (__u32 i = 0; i < c->cfg.path_count; i++) {
			struct flowlet_share s;
			__u32 key = g * FLOWLET_MAX_PATHS + i;

			if (!(c->cfg.groups[g].members & (1u << i)) ||
			    bpf_map_lookup_elem(p->in->fds[MAP_SHARE], &key,
						&s))
				continue;
			capacity_look(&p->capacity[g][i], s.bytes, elapsed_ns,
				      queued[g][i], now);
			caps[n] = &p->capacity[g][i];
			index[n++] = key;
		}
		capacity_fill(caps, n, fill);
		for (int i = 0; i < n; i++)
			bpf_map_update_elem(p->in->fds[MAP_CAPACITY], &index[i],
					    &fill[i], BPF_ANY);
	}
}

/* Every PICK_EVERY_NS: the flows' gaps and counts (while the timeout
 * is auto in a mode with flowlets), and without --probe the targets (then,
 * or in mode share). */
static void look(struct prober *p, const struct instance_config *c, __u64 now)
{
	struct ip_addr best[FLOWLET_MAX_GROUPS];
	__u64 bytes[FLOWLET_MAX_GROUPS] = { 0 },
	      active[FLOWLET_MAX_GROUPS] = { 0 }, since = p->looked_ns;
	bool want = c->cfg.count_gaps, /* auto, in a mode with flowlets */
		share = c->cfg.mode == FLOWLET_MODE_SHARE;

	if (now < p->pick_ns)
		return;
	p->pick_ns = now + PICK_EVERY_NS;
	p->looked_ns = now;
	if (want || share)
		look_at_flows(p, now, since ? since : now - PICK_EVERY_NS, best,
			      bytes, active);
	read_gaps(p, c, since ? now - since : 0, want, active);
	if (p->automatic)
		pick_targets(p, c, now, want || share, best, bytes);
}

void prober_tick(struct prober *p, const struct instance_config *c)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	int npairs = PAIRS;

	look(p, c, now);
	if (now - p->capacity_ns >= CAPACITY_LOOK_NS) {
		look_capacity(p, c, now,
			      p->capacity_ns ? now - p->capacity_ns : 0,
			      c->cfg.mode == FLOWLET_MODE_SHARE);
		p->capacity_ns = now;
	}
	for (int t = 0; t < FLOWLET_MAX_PROBE_TARGETS; t++) {
		struct target *tg = &p->targets[t];
		int g = tg->used ? group_of(p->in, &tg->addr) : -1;
		__u32 members = g >= 0 && (__u32)g < c->cfg.group_count
					? c->cfg.groups[g].members
					: 0,
		      active = 0;

		for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
			struct pair *pr = &p->pairs[t * FLOWLET_MAX_PATHS + i];

			if (members & (1u << i) && i < c->cfg.path_count &&
			    !c->cfg.paths[i].down)
				active |= 1u << i;
			if (active & (1u << i) && !pr->active) {
				pr->out.family = tg->addr.family;
				memcpy(pr->out.target, tg->addr.bytes, 16);
				pr->out.interval_ns = p->interval_ns;
				pr->dirty = true;
			}
			pr->active = active & (1u << i);
		}
		if (!active) {
			tg->next_ns = 0;
			continue;
		}
		/* The targets take turns over one interval. */
		if (!tg->next_ns)
			tg->next_ns = now + p->interval_ns * t /
						    FLOWLET_MAX_PROBE_TARGETS;
		if (tg->next_ns > now)
			continue;
		/* A round: every path at once, so that their delays can be
		 * compared moment by moment. */
		for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
			if (active & (1u << i))
				send_probe(p, t * FLOWLET_MAX_PATHS + i,
					   &c->cfg.paths[i], now);
		}
		tg->round++;
		tg->next_ns += p->interval_ns;
		if (tg->next_ns <= now)
			tg->next_ns = now + p->interval_ns;
	}
	expire(p, now);
	for (int i = 0; i < npairs; i++) {
		struct pair *pr = &p->pairs[i];
		__u32 key = i;

		if (!pr->dirty)
			continue;
		delay_summarise(&pr->window, &pr->out);
		if (!bpf_map_update_elem(p->in->fds[MAP_DELAY], &key, &pr->out,
					 BPF_ANY))
			pr->dirty = false;
	}
}

/* The echo reply in @data (@len bytes from the ICMP header on): its
 * sequence number and payload, or -1 if it is none of ours. */
static int parse_reply(const struct prober *p, const __u8 *data, size_t len,
		       bool v6, __u16 *seq, struct probe_payload *pl)
{
	__u16 id;

	if (len < sizeof(struct icmphdr) + sizeof(*pl))
		return -1;
	if (v6) {
		const struct icmp6_hdr *h = (const void *)data;

		if (h->icmp6_type != ICMP6_ECHO_REPLY)
			return -1;
		id = ntohs(h->icmp6_id);
		*seq = ntohs(h->icmp6_seq);
	} else {
		const struct icmphdr *h = (const void *)data;

		if (h->type != ICMP_ECHOREPLY)
			return -1;
		id = ntohs(h->un.echo.id);
		*seq = ntohs(h->un.echo.sequence);
	}
	memcpy(pl, data + sizeof(struct icmphdr), sizeof(*pl));
	if (id != p->id || ntohl(pl->magic) != PROBE_MAGIC ||
	    ntohl(pl->pair) >= PAIRS ||
	    !p->targets[ntohl(pl->pair) / FLOWLET_MAX_PATHS].used)
		return -1;
	return 0;
}

void prober_read(struct prober *p, int fd)
{
	bool v6 = fd == p->recv_fd[1];

	for (;;) {
		__u8 buf[512], control[256];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = control,
				      .msg_controllen = sizeof(control) };
		__u64 received = 0, now = clock_ns(CLOCK_MONOTONIC);
		ssize_t n = recvmsg(fd, &msg, 0);
		struct probe_payload pl;
		const __u8 *icmp = buf;
		long long rtt;
		struct pair *pr;
		__u16 seq;

		if (n < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
		     c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				received =
					ts.tv_sec * 1000000000ULL + ts.tv_nsec;
			}
		}
		/* IPv4 raw sockets see the IP header too. */
		if (!v6) {
			if (n < (ssize_t)sizeof(struct iphdr) ||
			    n < (buf[0] & 0xf) * 4)
				continue;
			icmp += (buf[0] & 0xf) * 4;
			n -= (buf[0] & 0xf) * 4;
		}
		if (!received || parse_reply(p, icmp, n, v6, &seq, &pl) ||
		    p->outstanding[seq % OUTSTANDING].pair != ntohl(pl.pair) ||
		    !p->outstanding[seq % OUTSTANDING].sent_mono_ns)
			continue; /* not ours, late, or a duplicate */
		p->outstanding[seq % OUTSTANDING].sent_mono_ns = 0;
		pr = &p->pairs[ntohl(pl.pair)];
		rtt = delay_sample(pl.sent_ns, received, PROBE_TIMEOUT_NS);
		if (rtt < 0) {
			pr->out.lost++;
		} else {
			delay_add(&pr->window, rtt,
				  p->outstanding[seq % OUTSTANDING].round);
			pr->out.answered++;
			pr->out.updated_ns = now;
		}
		pr->dirty = true;
	}
}

void prober_timeouts(const struct prober *p, const struct instance_config *c,
		     struct flowlet_auto *autos)
{
	__u64 now = clock_ns(CLOCK_MONOTONIC);

	memset(autos, 0, FLOWLET_MAX_GROUPS * sizeof(*autos));
	for (int g = 0; g < FLOWLET_MAX_GROUPS; g++) {
		autos[g].flows = p->groups[g].last.flows;
		autos[g].retransmits = p->groups[g].last.seen.retransmits;
		autos[g].resent_after_moves =
			p->groups[g].last.seen.resent_after_moves;
		autos[g].updated_ns = now;
	}
	for (int t = 0; t < FLOWLET_MAX_PROBE_TARGETS; t++) {
		const struct flowlet_delay *paths[FLOWLET_MAX_PATHS];
		const struct delay_window *windows[FLOWLET_MAX_PATHS];
		int g = p->targets[t].used
				? group_of(p->in, &p->targets[t].addr)
				: -1,
		    n = 0;
		struct flowlet_auto b;
		struct delay_gaps gaps;
		__u64 timeout;

		if (g < 0 || (__u32)g >= c->cfg.group_count ||
		    g >= FLOWLET_MAX_GROUPS)
			continue;
		for (__u32 i = 0; i < c->cfg.path_count; i++) {
			if (c->cfg.groups[g].members & (1u << i) &&
			    !c->cfg.paths[i].down) {
				const struct pair *pr =
					&p->pairs[t * FLOWLET_MAX_PATHS + i];

				windows[n] = &pr->window;
				paths[n++] = &pr->out;
			}
		}
		gaps = p->groups[g].last;
		gaps.timeout_ns = c->cfg.groups[g].timeout_ns;
		timeout = n ? delay_timeout(paths, windows, n, &gaps, now, &b)
			    : 0;
		if (timeout > autos[g].timeout_ns) {
			autos[g].timeout_ns = timeout;
			autos[g].spread_ns = b.spread_ns;
			autos[g].base_ns = b.base_ns;
			autos[g].safe_ns = b.safe_ns;
			autos[g].move_ns = b.move_ns;
			autos[g].resend_window_ns = b.resend_window_ns;
			autos[g].reorders_milli = b.reorders_milli;
			autos[g].move_cost_milli = b.move_cost_milli;
		}
	}
}
