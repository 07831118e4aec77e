// SPDX-License-Identifier: GPL-2.0
/*
 * flowlet: flowlet switching at XDP.
 *
 * Per packet: parse (parse.h), keep only destinations inside the configured
 * prefixes, find or create the flow's state, start a new flowlet after a
 * gap longer than the timeout, pick the path by mode (pick.h), rewrite the
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

static __always_inline bool destination_balanced(const struct packet *pkt)
{
	struct flowlet_prefix_key lpm = {
		.prefixlen = 8 + (pkt->key.family == 4 ? 32 : 128),
		.family = pkt->key.family,
	};
	__u8 *action;

	__builtin_memcpy(lpm.addr, pkt->key.dst, sizeof(lpm.addr));
	action = bpf_map_lookup_elem(&flowlet_prefix, &lpm);
	return action && *action == FLOWLET_PREFIX_BALANCE;
}

/*
 * Finds or creates the flow's state, decides whether this packet starts a
 * flowlet (*new_flowlet), and returns the path (FLOWLET_NO_PATH if none is
 * usable). The state is updated in place. A new flow costs one map
 * update, into flowlet_new; its second packet moves it into flowlet_flows
 * (one update, one delete), so that flows seen once, a flood of them
 * included, never evict established ones. A packet that races with its
 * flow's move may update the copy being deleted: its path stands, the
 * flow's packet count misses it.
 */
static __always_inline __u32 flow_path(const struct flowlet_config *cfg,
				       struct flowlet_stats *stats,
				       const struct flowlet_flow_key *key,
				       __u64 now, __u32 bytes,
				       bool *new_flowlet_out)
{
	struct flowlet_flow fresh = { .path = FLOWLET_NO_PATH };
	struct flowlet_flow *flow = bpf_map_lookup_elem(&flowlet_flows, key);
	bool new_flowlet = true, seen_once = false;
	__u32 path;

	if (!flow) {
		flow = bpf_map_lookup_elem(&flowlet_new, key);
		seen_once = flow != NULL;
	}
	/* Another CPU may have moved it between the two lookups (it adds to
	 * flowlet_flows before it deletes from flowlet_new): look again, or
	 * the flow would be created a second time. New flows only. */
	if (!flow)
		flow = bpf_map_lookup_elem(&flowlet_flows, key);
	/* Signed: a CPU whose clock read predates another CPU's update of
	 * last_seen sees a negative gap, not a huge one. */
	if (flow)
		new_flowlet = (__s64)(now - flow->last_seen_ns) >
			      (__s64)cfg->timeout_ns;
	else
		flow = &fresh;
	if (new_flowlet)
		flow->flowlet++;

	path = select_path(cfg, key, flow, new_flowlet, now);
	if (!path_usable(cfg, path))
		return FLOWLET_NO_PATH;

	if (flow != &fresh && flow->path != path)
		stats->path_changes++;
	flow->path = path;
	flow->last_seen_ns = now;
	flow->packets++;
	flow->bytes += bytes;
	/* Another CPU may have created or moved it meanwhile: then that CPU
	 * counted it. */
	if (flow == &fresh &&
	    !bpf_map_update_elem(&flowlet_new, key, &fresh, BPF_NOEXIST))
		stats->flows_created++;
	if (seen_once &&
	    !bpf_map_update_elem(&flowlet_flows, key, flow, BPF_NOEXIST)) {
		bpf_map_delete_elem(&flowlet_new, key);
		stats->flows_established++;
	}
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
	struct packet pkt = {};
	__u32 zero = 0, slot, path;
	bool new_flowlet;
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
	if (!destination_balanced(&pkt))
		return to_kernel(stats, FLOWLET_PASS_NOT_BALANCED);
	if (cfg->slot_count == 0 || cfg->slot_count > FLOWLET_SLOTS)
		return to_kernel(stats, FLOWLET_PASS_NO_PATH);

	now = clock_ns();
	path = flow_path(cfg, stats, &pkt.key, now, bytes, &new_flowlet);
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
