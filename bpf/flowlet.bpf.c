// SPDX-License-Identifier: GPL-2.0
/*
 * flowlet: flowlet switching at XDP, or TC (FLOWLET_HOOKS in flowlet.h).
 *
 * Per packet: parse (parse.h), find the flow's state, or create it if the
 * destination is inside the configured prefixes, start a new flowlet after
 * a gap longer than the timeout, pick the path by mode (pick.h) among the
 * destination's path group, rewrite the MACs and the TTL, and redirect:
 * through the devmap at XDP, to the path's interface at TC. Anything else goes
 * to the kernel, counted by reason. decide() is what every hook does; each
 * hook's program only sends.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "flowlet.h"
#include "maps.h"
#include "parse.h"
#include "pick.h"

_Static_assert(
	(FLOWLET_CONFIG_SLOTS & (FLOWLET_CONFIG_SLOTS - 1)) == 0,
	"config slots are masked: FLOWLET_CONFIG_SLOTS is a power of two");

/* Set before load by the unit tests (and trace replay): the clock is then
 * flowlet_clock_ns, which they move; else the branch is verified away. */
const volatile bool flowlet_use_test_clock = false;
__u64 flowlet_clock_ns = 0;

struct flowlet_decision flowlet_last = {};

/* With the test clock: the flow and what was decided, for replay. */
static __always_inline void record(const void *key, __u8 family,
				   const struct flowlet_flow *flow,
				   bool new_flow, bool new_flowlet)
{
	struct flowlet_decision *d = &flowlet_last;

	if (family == 4) {
		const struct flowlet_flow_key4 *k4 = key;

		d->key = (struct flowlet_flow_key){ .sport = k4->sport,
						    .dport = k4->dport,
						    .proto = k4->proto,
						    .family = 4 };
		__builtin_memcpy(d->key.src, &k4->src, 4);
		__builtin_memcpy(d->key.dst, &k4->dst, 4);
	} else {
		__builtin_memcpy(&d->key, key, sizeof(d->key));
	}
	d->flowlet = flow->flowlet;
	d->path = flow->path;
	d->new_flow = new_flow;
	d->new_flowlet = new_flowlet;
}

static __always_inline __u64 clock_ns(void)
{
	if (flowlet_use_test_clock)
		return *(volatile __u64 *)&flowlet_clock_ns;
	return bpf_ktime_get_ns();
}

static __always_inline bool to_kernel(struct flowlet_stats *stats, __u32 reason)
{
	if (reason < FLOWLET_PASS_COUNT)
		stats->passed[reason]++;
	return false;
}

/* flow_path(), destination_group(): the destination is not balanced. */
#define FLOWLET_UNBALANCED 0xfffffffeu

/* The path group of the destination @dst of a @family packet (the caller
 * passes a constant family), or FLOWLET_UNBALANCED when it lies outside
 * the balanced prefixes. */
static __always_inline __u32 destination_group(__u8 family, const void *dst)
{
	struct flowlet_prefix_key lpm = {
		.prefixlen = 8 + (family == 4 ? 32 : 128),
		.family = family,
	};
	struct flowlet_prefix_value *v;

	if (family == 4)
		__builtin_memcpy(lpm.addr, dst, 4);
	else
		__builtin_memcpy(lpm.addr, dst, 16);
	v = bpf_map_lookup_elem(&flowlet_prefix, &lpm);
	if (!v || v->action != FLOWLET_PREFIX_BALANCE)
		return FLOWLET_UNBALANCED;
	return v->group;
}

/* Telemetry for a packet of an existing @flow that came @gap ns after the
 * flow's previous one: the gap's histogram, and when it starts a
 * flowlet, the size of the flowlet it ends (before @flow counts it). */
static __always_inline void telemetry(struct flowlet_hist *hist,
				      const struct flowlet_flow *flow,
				      __u64 gap, bool new_flowlet)
{
	/* A negative gap (see flow_path) is no gap. */
	if ((__s64)gap < 0)
		gap = 0;
	if (!new_flowlet) {
		hist->gap_continued[flowlet_log2(gap)]++;
		return;
	}
	hist->gap_started[flowlet_log2(gap)]++;
	hist->flowlet_packets[flowlet_log2((__u32)flow->packets -
					   flow->flowlet_packets0)]++;
	hist->flowlet_bytes[flowlet_log2((__u32)flow->bytes -
					 flow->flowlet_bytes0)]++;
}

/* A gap of @gap ns between two packets of an established flow of @group
 * into flowlet_gaps, if it is one of the gaps counted there. */
static __always_inline void count_gap(__u32 group, __u64 gap)
{
	struct flowlet_gaps *gaps;

	if ((__s64)gap < (__s64)(1ULL << FLOWLET_GAP_SHIFT))
		return;
	gaps = bpf_map_lookup_elem(&flowlet_gaps, &group);
	if (gaps)
		gaps->count[flowlet_gap_bucket(gap)]++;
}

/* The clock of flowlet_flow.moved_at at @now; never 0 (0: never moved). */
static __always_inline __u32 moved_clock(__u64 now)
{
	__u32 at = (__u32)(now >> FLOWLET_MOVED_SHIFT);

	return at ? at : 1;
}

/*
 * A TCP data segment of @flow (of @grp, number @group) ending at @end in
 * its sequence space, at @now: data past the flow's highest so far is
 * new; other data is sent again, and counted in flowlet_gaps (when
 * @count), as the last unsafe move's too if it came within the group's
 * resend window. A flow's first data is new, and counts if sent again.
 */
static __always_inline void track_tcp(const struct flowlet_group *grp,
				      __u32 group, struct flowlet_flow *flow,
				      __u32 end, __u64 now, bool count)
{
	struct flowlet_gaps *gaps;

	if (!flow->tcp_next || (__s32)(end - flow->tcp_next) > 0) {
		flow->tcp_next = end;
		return;
	}
	if (!count)
		return;
	gaps = bpf_map_lookup_elem(&flowlet_gaps, &group);
	if (!gaps)
		return;
	gaps->retransmits++;
	if (flow->moved_at && grp->resend_window_ns &&
	    moved_clock(now) - flow->moved_at <=
		    (__u32)(grp->resend_window_ns >> FLOWLET_MOVED_SHIFT))
		gaps->resent_after_moves++;
}

/*
 * Finds or creates the flow's state in @flows (established flows) or
 * @admitted (flows seen once), both keyed by @key, a flow key of
 * @key_words words to @family's destination @dst, of IP protocol @proto
 * (whether it is measured: flowlet_measured), a TCP segment's data ending
 * at @tcp_end (0: none); decides whether this
 * packet starts a flowlet (*new_flowlet), and returns the path,
 * FLOWLET_NO_PATH if none is usable, or FLOWLET_UNBALANCED. The state is
 * updated in place. A new flow costs one map update, into @admitted; its
 * second packet moves it into @flows (one update, one delete), so that
 * flows seen once, a flood of them included, never evict established
 * ones. A packet that races with its flow's move may update the copy
 * being deleted: its path stands, the flow's packet count misses it.
 *
 * The destination's path group is looked up in the prefixes for a new
 * flow, and for an established one after every commit (its config_tag is
 * then old): flowletctl changes prefixes, then commits, so a flow follows
 * its destination into another group (keeping its path if the path is in
 * both) or out of the balanced prefixes. Local addresses change without a
 * commit: flowletctl deletes the established flows to a new one.
 */
static __always_inline __u32 flow_path(const struct flowlet_config *cfg,
				       struct flowlet_stats *stats, void *flows,
				       void *admitted, const void *key,
				       int key_words, __u8 family,
				       const void *dst, __u8 proto,
				       __u32 tcp_end, __u64 now, __u32 bytes,
				       bool *new_flowlet_out)
{
	bool measured = flowlet_measured(proto);
	/* A new flow's state, until it is stored; no path yet. */
	struct flowlet_flow fresh = { .path = (__u8)FLOWLET_NO_PATH };
	struct flowlet_flow *flow = bpf_map_lookup_elem(flows, key);
	const struct flowlet_group *grp;
	bool new_flowlet = true, seen_once = false;
	__u32 path, group;
	__u64 gap = 0;

	if (flow && flow->config_tag == (__u16)cfg->generation) {
		group = flow->group;
	} else {
		group = destination_group(family, dst);
		if (group == FLOWLET_UNBALANCED)
			return FLOWLET_UNBALANCED;
	}
	grp = group_at(cfg, group);
	if (group >= cfg->group_count || group >= FLOWLET_MAX_GROUPS ||
	    grp->slot_count == 0 || grp->slot_count > FLOWLET_SLOTS)
		return FLOWLET_NO_PATH;
	if (!flow) {
		flow = bpf_map_lookup_elem(admitted, key);
		seen_once = flow != NULL;
	}
	/* Another CPU may have moved it between the two lookups (it adds to
	 * @flows before it deletes from @admitted): look again, or the flow
	 * would be created a second time. New flows only. */
	if (!flow)
		flow = bpf_map_lookup_elem(flows, key);
	/* Signed: a CPU whose clock read predates another CPU's update of
	 * last_seen sees a negative gap, not a huge one. */
	if (flow) {
		gap = now - flow->last_seen_ns;
		new_flowlet = (__s64)gap > (__s64)grp->timeout_ns;
		if (measured && cfg->count_gaps)
			count_gap(group, gap);
		if (cfg->telemetry)
			telemetry(&stats->hist, flow, gap, new_flowlet);
	} else
		flow = &fresh;
	if (cfg->mode == FLOWLET_MODE_SHARE && !new_flowlet &&
	    share_reroute(cfg, group, flow, now)) {
		new_flowlet = true;
		stats->rerouted++;
	}
	if (new_flowlet) {
		flow->flowlet++;
		flow->flowlet_packets0 = flow->packets;
		flow->flowlet_bytes0 = flow->bytes;
	}

	path = select_path(cfg, grp, group, key, key_words, flow, new_flowlet,
			   now);
	if (!path_usable(cfg, grp, path))
		return FLOWLET_NO_PATH;

	if (flow != &fresh && flow->path != path) {
		stats->path_changes++;
		if (grp->safe_ns && measured) {
			if ((__s64)gap > (__s64)grp->safe_ns) {
				stats->path_changes_safe++;
			} else {
				stats->path_changes_unsafe++;
				flow->moved_at = moved_clock(now);
			}
		}
	}
	if (cfg->mode == FLOWLET_MODE_SHARE)
		share_account(cfg, flow, share_key(group, path), now, bytes);
	flow->path = path;
	flow->group = group;
	flow->config_tag = cfg->generation;
	flow->last_seen_ns = now;
	flow->packets++;
	flow->bytes += bytes;
	if (tcp_end)
		track_tcp(grp, group, flow, tcp_end, now, cfg->count_gaps);
	/* Another CPU may have created or moved it meanwhile: then that CPU
	 * counted it. */
	if (flow == &fresh &&
	    !bpf_map_update_elem(admitted, key, &fresh, BPF_NOEXIST))
		stats->flows_created++;
	if (seen_once && !bpf_map_update_elem(flows, key, flow, BPF_NOEXIST)) {
		bpf_map_delete_elem(admitted, key);
		stats->flows_established++;
	}
	if (flowlet_use_test_clock)
		record(key, family, flow, flow == &fresh, new_flowlet);
	*new_flowlet_out = new_flowlet;
	return path;
}

/* The MACs, and the TTL when the packet is routed here (not on a host's
 * own egress: the host's stack has set it). */
static __always_inline void rewrite(struct packet *pkt,
				    const struct flowlet_path *path, bool route)
{
	__builtin_memcpy(pkt->eth->h_dest, path->dst_mac, ETH_ALEN);
	__builtin_memcpy(pkt->eth->h_source, path->src_mac, ETH_ALEN);
	if (!route)
		return;
	if (pkt->ip4) {
		/* RFC 1624: TTL is the high byte of its 16-bit word. */
		__u32 check = pkt->ip4->check + bpf_htons(0x0100);

		pkt->ip4->check = check + (check >= 0xffff);
		pkt->ip4->ttl--;
	} else if (pkt->ip6) {
		pkt->ip6->hop_limit--;
	}
}

/* A packet decide() sends over a path: the path, the config slot it was
 * decided under (whose devmap range XDP redirects through). */
struct forward {
	const struct flowlet_config *cfg;
	struct flowlet_stats *stats;
	__u64 now;
	__u32 slot;
	__u32 path;
	bool new_flowlet;
};

/*
 * What every hook does with a packet of @len bytes, [data, data_end) of
 * it readable: parse it, find its flow and path, and rewrite it for the
 * path. true: it goes over @fwd's path (the hook sends it, then calls
 * sent()); false: to the kernel, counted by reason (@steered: because
 * flowlet on another interface balanced it already).
 */
static __always_inline bool decide(void *data, void *data_end, __u32 len,
				   enum flowlet_hook hook, bool steered,
				   struct forward *fwd)
{
	const struct flowlet_config *cfg;
	struct flowlet_stats *stats;
	struct packet pkt;
	__u32 zero = 0, slot, path;
	__u32 *active;

	stats = bpf_map_lookup_elem(&flowlet_stats, &zero);
	active = bpf_map_lookup_elem(&flowlet_active, &zero);
	if (!stats || !active)
		return false;
	if (steered)
		return to_kernel(stats, FLOWLET_PASS_STEERED);
	/* Read once: the whole packet is decided under this slot's config
	 * and sent through this slot's devmap range. */
	slot = *(volatile __u32 *)active & (FLOWLET_CONFIG_SLOTS - 1);
	cfg = bpf_map_lookup_elem(&flowlet_config, &slot);
	if (!cfg)
		return false;
	/* A host's own frames are addressed to the kernel's next hop. */
	if (!parse_packet(data, data_end, len,
			  hook == FLOWLET_HOOK_TC_EGRESS ? NULL : cfg, &pkt))
		return to_kernel(stats, pkt.pass_reason);
	fwd->now = clock_ns();
	fwd->new_flowlet = false;
	if (pkt.ip4)
		path = flow_path(cfg, stats, &flowlet_flows, &flowlet_new,
				 &pkt.key4, sizeof(pkt.key4) / 4, 4,
				 &pkt.key4.dst, pkt.key4.proto, pkt.tcp_end,
				 fwd->now, len, &fwd->new_flowlet);
	else
		path = flow_path(cfg, stats, &flowlet_flows6, &flowlet_new6,
				 &pkt.key6, sizeof(pkt.key6) / 4, 6,
				 pkt.key6.dst, pkt.key6.proto, pkt.tcp_end,
				 fwd->now, len, &fwd->new_flowlet);
	if (path == FLOWLET_UNBALANCED)
		return to_kernel(stats, FLOWLET_PASS_NOT_BALANCED);
	if (path >= FLOWLET_MAX_PATHS)
		return to_kernel(stats, FLOWLET_PASS_NO_PATH);

	rewrite(&pkt, path_at(cfg, path), hook != FLOWLET_HOOK_TC_EGRESS);
	fwd->cfg = cfg;
	fwd->stats = stats;
	fwd->slot = slot;
	fwd->path = path;
	return true;
}

/* Counts a packet of @bytes that left over @fwd's path. */
static __always_inline void sent(const struct forward *fwd, __u32 bytes)
{
	struct flowlet_path_stats *pstats;
	__u32 path = fwd->path;

	/* A new flowlet is charged a burst in advance, so that flowlets
	 * starting together spread instead of all seeing one idle path. */
	if (fwd->cfg->mode == FLOWLET_MODE_LEASTLOAD)
		load_account(fwd->cfg, path, fwd->now,
			     bytes + (fwd->new_flowlet
					      ? FLOWLET_NEW_FLOWLET_LOAD
					      : 0));
	fwd->stats->redirected++;
	fwd->stats->flowlets += fwd->new_flowlet;
	pstats = bpf_map_lookup_elem(&flowlet_pstats, &path);
	if (pstats) {
		pstats->packets++;
		pstats->bytes += bytes;
		pstats->flowlets += fwd->new_flowlet;
	}
}

SEC("xdp")
int flowlet_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = data_end - data;
	struct forward fwd;
	int verdict;

	if (!decide(data, data_end, bytes, FLOWLET_HOOK_XDP, false, &fwd))
		return XDP_PASS;
	verdict = bpf_redirect_map(&flowlet_ports,
				   fwd.slot * FLOWLET_MAX_PATHS + fwd.path,
				   XDP_DROP);
	if (verdict != XDP_REDIRECT) {
		fwd.stats->dropped[FLOWLET_DROP_NO_PORT]++;
		return verdict;
	}
	sent(&fwd, bytes);
	return verdict;
}

/* The headers decide() reads, at most: Ethernet, two VLAN tags, IPv6 and
 * its extension headers, TCP's ports. */
#define TC_PULL_BYTES 256

/*
 * The TC hooks: the same decisions on an skb. A packet for the kernel
 * goes to the next filter (TC_ACT_UNSPEC), one for a path is redirected
 * to the path's interface (TC programs cannot use the devmap), into its
 * egress qdisc. On a host's egress a path through the interface the
 * packet is on already just lets it go (a redirect there would run this
 * program again), and a redirect elsewhere carries the steered mark.
 */
static __always_inline int flowlet_tc(struct __sk_buff *skb,
				      enum flowlet_hook hook)
{
	bool steered = false;
	struct forward fwd;
	__u32 ifindex;

	if (hook == FLOWLET_HOOK_TC_EGRESS &&
	    skb->tc_index == FLOWLET_STEERED_MARK(skb->ifindex)) {
		skb->tc_index = 0;
		steered = true;
	}
	if (skb->data + TC_PULL_BYTES > skb->data_end &&
	    skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < TC_PULL_BYTES
					       ? skb->len
					       : TC_PULL_BYTES);
	if (!decide((void *)(long)skb->data, (void *)(long)skb->data_end,
		    skb->len, hook, steered, &fwd))
		return TC_ACT_UNSPEC;
	sent(&fwd, skb->len);
	ifindex = path_at(fwd.cfg, fwd.path)->ifindex;
	if (hook == FLOWLET_HOOK_TC_EGRESS) {
		if (ifindex == skb->ifindex)
			return TC_ACT_OK;
		skb->tc_index = FLOWLET_STEERED_MARK(ifindex);
	}
	return bpf_redirect(ifindex, 0);
}

SEC("tc")
int flowlet_tc_in(struct __sk_buff *skb)
{
	return flowlet_tc(skb, FLOWLET_HOOK_TC_INGRESS);
}

SEC("tc")
int flowlet_tc_out(struct __sk_buff *skb)
{
	return flowlet_tc(skb, FLOWLET_HOOK_TC_EGRESS);
}

char LICENSE[] SEC("license") = "GPL";
