// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "ethtool.h"
#include "log.h"
#include "nl.h"
#include "snapshot.h"

int snapshot_read(const struct instance *in, struct snapshot *s)
{
	struct instance_config c;

	memset(s, 0, sizeof(*s));
	if (instance_read_config(in, &c))
		return -1;
	s->cfg = c.cfg;
	s->meta = c.meta;
	if (percpu_sum(in->fds[MAP_STATS], 0, &s->stats, sizeof(s->stats))) {
		pr_err("%s: cannot read counters: %s", in->iface,
		       strerror(errno));
		return -1;
	}
	if (s->cfg.path_count > FLOWLET_MAX_PATHS)
		s->cfg.path_count = FLOWLET_MAX_PATHS;
	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		const struct flowlet_path *p = &s->cfg.paths[i];
		long long xmit, failed;
		struct nl_link link;
		__u64 features;

		if (percpu_sum(in->fds[MAP_PSTATS], i, &s->paths[i],
			       sizeof(s->paths[i])))
			return -1;
		s->link_up[i] = nl_link_get(p->ifindex, &link) ? -1 : link.up;
		/* Generic XDP and TC transmit skbs: no XDP xmit counter, no
		 * limit. */
		if (in->hook != FLOWLET_HOOK_XDP ||
		    in->xdp_flags & XDP_FLAGS_SKB_MODE) {
			s->tx_failed[i] = s->xmit_ready[i] = -1;
			continue;
		}
		xmit = netdev_xdp_xmit(p->ifindex);
		failed = (long long)s->paths[i].packets -
			 (xmit - s->meta.paths[i].xmit_offset);
		/* Other XDP senders into the same device make it negative. */
		s->tx_failed[i] = xmit < 0 ? -1 : failed < 0 ? 0 : failed;
		s->xmit_ready[i] =
			nl_xdp_features(p->ifindex, &features)
				? -1
				: !!(features & NETDEV_XDP_ACT_NDO_XMIT);
	}
	for (__u32 k = 0; k < FLOWLET_MAX_PROBE_TARGETS * FLOWLET_MAX_PATHS;
	     k++) {
		if (bpf_map_lookup_elem(in->fds[MAP_DELAY], &k, &s->delay[k]))
			memset(&s->delay[k], 0, sizeof(s->delay[k]));
	}
	for (__u32 g = 0; g < s->cfg.group_count && g < FLOWLET_MAX_GROUPS;
	     g++) {
		if (bpf_map_lookup_elem(in->fds[MAP_AUTO], &g, &s->autos[g]))
			memset(&s->autos[g], 0, sizeof(s->autos[g]));
	}
	memset(s->share, 0, sizeof(s->share));
	memset(s->capacity, 0, sizeof(s->capacity));
	for (__u32 g = 0; s->cfg.mode == FLOWLET_MODE_SHARE &&
			  g < s->cfg.group_count && g < FLOWLET_MAX_GROUPS;
	     g++) {
		for (__u32 i = 0; i < s->cfg.path_count; i++) {
			__u32 k = g * FLOWLET_MAX_PATHS + i;

			if (!(s->cfg.groups[g].members & (1u << i)))
				continue;
			if (bpf_map_lookup_elem(in->fds[MAP_SHARE], &k,
						&s->share[k]) ||
			    bpf_map_lookup_elem(in->fds[MAP_CAPACITY], &k,
						&s->capacity[k])) {
				memset(&s->share[k], 0, sizeof(s->share[k]));
				memset(&s->capacity[k], 0,
				       sizeof(s->capacity[k]));
			}
		}
	}
	s->flows = instance_count_flows(in);
	s->when = monotonic_seconds();
	s->now_ns = clock_ns(CLOCK_MONOTONIC);
	return 0;
}

const struct flowlet_auto *snapshot_auto(const struct snapshot *s, __u32 g)
{
	if (!s->meta.timeout_auto || g >= s->cfg.group_count ||
	    g >= FLOWLET_MAX_GROUPS || !s->cfg.groups[g].members ||
	    !s->autos[g].updated_ns)
		return NULL;
	return &s->autos[g];
}

const struct flowlet_delay *snapshot_path_delay(const struct snapshot *s,
						__u32 path, int *targets)
{
	const struct flowlet_delay *first = NULL;
	int n = 0;

	for (__u32 t = 0;
	     path < FLOWLET_MAX_PATHS && t < FLOWLET_MAX_PROBE_TARGETS; t++) {
		const struct flowlet_delay *d =
			&s->delay[t * FLOWLET_MAX_PATHS + path];

		if (delay_probed(d) && !n++)
			first = d;
	}
	if (targets)
		*targets = n;
	return first;
}

const char *snapshot_path_problem(const struct snapshot *s, __u32 i)
{
	bool down = s->link_up[i] == 0 || s->cfg.paths[i].down;

	if (s->tx_failed[i] <= 0 && (s->xmit_ready[i] != 0 || down))
		return NULL;
	/* A device that is down takes no frame: that is the cause, not
	 * GRO. */
	if (s->link_up[i] == 0)
		return "lost redirected frames: its link is down (flowletctl "
		       "watch takes such a path out of rotation)";
	if (s->xmit_ready[i] == 0)
		return "does not accept redirected frames: if it is a veth, "
		       "enable GRO on its peer (ethtool -K PEER gro on) or "
		       "attach an XDP program there";
	return "lost redirected frames: more came than its queue held, its "
	       "link was down for a while, or, if it is a veth, its peer has "
	       "neither GRO (ethtool -K PEER gro on) nor an XDP program";
}
