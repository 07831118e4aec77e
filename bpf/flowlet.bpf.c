// SPDX-License-Identifier: GPL-2.0
/*
 * flowlet: flowlet switching at XDP.
 *
 * Per packet: parse (parse.h), find the flow's state, or create it if the
 * destination is inside the configured prefixes, start a new flowlet after
 * a gap longer than the timeout, pick the path by mode (pick.h), rewrite the
 * MACs and the TTL, and redirect through the devmap. Anything else goes to
 * the kernel, counted by reason.
 */
#include <stdbool.h>
#include <linux/bpf.h>
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

static __always_inline int to_kernel(struct flowlet_stats *stats, __u32 reason)
{
	if (reason < FLOWLET_PASS_COUNT)
		stats->passed[reason]++;
	return XDP_PASS;
}

/* Whether the destination @dst of a @family packet is inside the balanced
 * prefixes (the caller passes a constant family). */
static __always_inline bool destination_balanced(__u8 family, const void *dst)
{
	struct flowlet_prefix_key lpm = {
		.prefixlen = 8 + (family == 4 ? 32 : 128),
		.family = family,
	};
	__u8 *action;

	if (family == 4)
		__builtin_memcpy(lpm.addr, dst, 4);
	else
		__builtin_memcpy(lpm.addr, dst, 16);
	action = bpf_map_lookup_elem(&flowlet_prefix, &lpm);
	return action && *action == FLOWLET_PREFIX_BALANCE;
}

static __always_inline bool packet_balanced(const struct packet *pkt)
{
	if (pkt->ip4)
		return destination_balanced(4, &pkt->key4.dst);
	return destination_balanced(6, pkt->key6.dst);
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

/* flow_path(): the destination is not balanced. */
#define FLOWLET_UNBALANCED 0xfffffffeu

/*
 * Finds or creates the flow's state in @flows (established flows) or
 * @admitted (flows seen once), both keyed by @key, a flow key of
 * @key_words words to @family's destination @dst; decides whether this
 * packet starts a flowlet (*new_flowlet), and returns the path,
 * FLOWLET_NO_PATH if none is usable, or FLOWLET_UNBALANCED. The state is
 * updated in place. A new flow costs one map update, into @admitted; its
 * second packet moves it into @flows (one update, one delete), so that
 * flows seen once, a flood of them included, never evict established
 * ones. A packet that races with its flow's move may update the copy
 * being deleted: its path stands, the flow's packet count misses it.
 *
 * Only a packet that did not find an established flow looks its
 * destination up in the prefixes: an entry enters @flows only from a
 * packet that found its destination balanced, and flowletctl, after a
 * prefix change and a grace period (no packet is still deciding under the
 * old prefixes), deletes the established flows the change left outside.
 */
static __always_inline __u32 flow_path(const struct flowlet_config *cfg,
				       struct flowlet_stats *stats, void *flows,
				       void *admitted, const void *key,
				       int key_words, __u8 family,
				       const void *dst, __u64 now, __u32 bytes,
				       bool *new_flowlet_out)
{
	/* A new flow's state, until it is stored; no path yet. */
	struct flowlet_flow fresh = { .path = (__u8)FLOWLET_NO_PATH };
	struct flowlet_flow *flow = bpf_map_lookup_elem(flows, key);
	bool new_flowlet = true, seen_once = false;
	__u64 gap = 0;
	__u32 path;

	if (!flow) {
		if (!destination_balanced(family, dst))
			return FLOWLET_UNBALANCED;
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
		new_flowlet = (__s64)gap > (__s64)cfg->timeout_ns;
		if (cfg->telemetry)
			telemetry(&stats->hist, flow, gap, new_flowlet);
	} else
		flow = &fresh;
	if (new_flowlet) {
		flow->flowlet++;
		flow->flowlet_packets0 = flow->packets;
		flow->flowlet_bytes0 = flow->bytes;
	}

	path = select_path(cfg, key, key_words, flow, new_flowlet, now);
	if (!path_usable(cfg, path))
		return FLOWLET_NO_PATH;

	if (flow != &fresh && flow->path != path)
		stats->path_changes++;
	flow->path = path;
	flow->config_tag = cfg->generation;
	flow->last_seen_ns = now;
	flow->packets++;
	flow->bytes += bytes;
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

static __always_inline void rewrite(struct packet *pkt,
				    const struct flowlet_path *path)
{
	__builtin_memcpy(pkt->eth->h_dest, path->dst_mac, ETH_ALEN);
	__builtin_memcpy(pkt->eth->h_source, path->src_mac, ETH_ALEN);
	if (pkt->ip4) {
		/* RFC 1624: TTL is the high byte of its 16-bit word. */
		__u32 check = pkt->ip4->check + bpf_htons(0x0100);

		pkt->ip4->check = check + (check >= 0xffff);
		pkt->ip4->ttl--;
	} else if (pkt->ip6) {
		pkt->ip6->hop_limit--;
	}
}

SEC("xdp")
int flowlet_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 bytes = data_end - data;
	const struct flowlet_config *cfg;
	struct flowlet_path_stats *pstats;
	struct flowlet_stats *stats;
	struct packet pkt;
	__u32 zero = 0, slot, path;
	bool new_flowlet = false;
	__u32 *active;
	__u64 now;
	int verdict;

	stats = bpf_map_lookup_elem(&flowlet_stats, &zero);
	active = bpf_map_lookup_elem(&flowlet_active, &zero);
	if (!stats || !active)
		return XDP_PASS;
	/* Read once: the whole packet is decided under this slot's config
	 * and sent through this slot's devmap range. */
	slot = *(volatile __u32 *)active & (FLOWLET_CONFIG_SLOTS - 1);
	cfg = bpf_map_lookup_elem(&flowlet_config, &slot);
	if (!cfg)
		return XDP_PASS;
	if (!parse_packet(data, data_end, cfg->ingress_mac, &pkt))
		return to_kernel(stats, pkt.pass_reason);
	if (cfg->slot_count == 0 || cfg->slot_count > FLOWLET_SLOTS)
		return to_kernel(stats, packet_balanced(&pkt)
						? FLOWLET_PASS_NO_PATH
						: FLOWLET_PASS_NOT_BALANCED);

	now = clock_ns();
	if (pkt.ip4)
		path = flow_path(cfg, stats, &flowlet_flows, &flowlet_new,
				 &pkt.key4, sizeof(pkt.key4) / 4, 4,
				 &pkt.key4.dst, now, bytes, &new_flowlet);
	else
		path = flow_path(cfg, stats, &flowlet_flows6, &flowlet_new6,
				 &pkt.key6, sizeof(pkt.key6) / 4, 6,
				 pkt.key6.dst, now, bytes, &new_flowlet);
	if (path == FLOWLET_UNBALANCED)
		return to_kernel(stats, FLOWLET_PASS_NOT_BALANCED);
	if (path >= FLOWLET_MAX_PATHS)
		return to_kernel(stats, FLOWLET_PASS_NO_PATH);

	rewrite(&pkt, path_at(cfg, path));
	verdict = bpf_redirect_map(&flowlet_ports,
				   slot * FLOWLET_MAX_PATHS + path, XDP_DROP);
	if (verdict != XDP_REDIRECT) {
		stats->dropped[FLOWLET_DROP_NO_PORT]++;
		return verdict;
	}
	/* A new flowlet is charged a burst in advance, so that flowlets
	 * starting together spread instead of all seeing one idle path. */
	if (cfg->mode == FLOWLET_MODE_LEASTLOAD)
		load_account(
			cfg, path, now,
			bytes + (new_flowlet ? FLOWLET_NEW_FLOWLET_LOAD : 0));
	stats->redirected++;
	stats->flowlets += new_flowlet;
	pstats = bpf_map_lookup_elem(&flowlet_pstats, &path);
	if (pstats) {
		pstats->packets++;
		pstats->bytes += bytes;
		pstats->flowlets += new_flowlet;
	}
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
