/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An instance is flowlet's program at one hook (hook.h: XDP, or TC ingress
 * or egress) of one interface. It is found again from the interface and
 * the hook alone: the kernel reports the attached program's id, the
 * program's info lists its map ids, and the maps are
 * recognised by name and checked against the structs in flowlet.h. No
 * bpffs pin is involved, so this works inside `ip netns exec` (no
 * /sys/fs/bpf) and in Mininet hosts (one shared mount namespace).
 */
#ifndef FLOWLET_INSTANCE_H
#define FLOWLET_INSTANCE_H

#include <net/if.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "config.h"
#include "flowlet.h"

/*
 * An instance's maps, by the names the BPF object gives them (bpf/maps.h,
 * where each is described); MAP_ID indexes struct instance's fds. Their
 * layouts, what a running instance's maps must match, are those of the
 * object flowletctl carries (its skeleton).
 */
#define INSTANCE_MAPS(X)                   \
	X(CONFIG, flowlet_config)          \
	X(META, flowlet_meta)              \
	X(DELAY, flowlet_delay)            \
	X(FLOWS, flowlet_flows) /* IPv4 */ \
	X(NEW, flowlet_new)                \
	X(FLOWS6, flowlet_flows6)          \
	X(NEW6, flowlet_new6)              \
	X(PORTS, flowlet_ports)            \
	X(PREFIX, flowlet_prefix)          \
	X(PSTATS, flowlet_pstats)          \
	X(STATS, flowlet_stats)            \
	X(LOAD, flowlet_load)              \
	X(ACTIVE, flowlet_active)          \
	X(SPRAY, flowlet_spray)            \
	X(GAPS, flowlet_gaps)              \
	X(AUTO, flowlet_auto)              \
	X(SHARE, flowlet_share)            \
	X(CAPACITY, flowlet_cap)

enum instance_map {
#define INSTANCE_MAP_ID(id, name) MAP_##id,
	INSTANCE_MAPS(INSTANCE_MAP_ID)
#undef INSTANCE_MAP_ID
		MAP_COUNT,
};

struct instance {
	char iface[IF_NAMESIZE];
	int ifindex;
	enum flowlet_hook hook;
	__u32 prog_id;
	__u32 xdp_flags; /* XDP: XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
	char prog_name[16];
	int prog_fd;
	int fds[MAP_COUNT];
};

enum instance_status {
	INSTANCE_FOUND,
	INSTANCE_NONE,	/* no program at the hook */
	INSTANCE_OTHER, /* another program: prog_name, prog_id are set */
	INSTANCE_STALE, /* flowlet of another map layout: prog_fd only */
	INSTANCE_ERROR, /* message printed */
};

const char *instance_map_name(enum instance_map map);

/* Looks for flowlet at @hook of @ifindex; prints nothing for NONE and
 * OTHER. */
enum instance_status instance_probe(int ifindex, enum flowlet_hook hook,
				    struct instance *in);

/* instance_probe() by name, printing one error unless FOUND. @hook
 * FLOWLET_HOOK_COUNT: the one hook where flowlet runs (an error if it
 * runs at several). */
int instance_open(const char *iface, enum flowlet_hook hook,
		  struct instance *in);

/*
 * Calls @fn for every flowlet instance found at any hook of @ifindex
 * (0: of every interface of this network namespace), then closes it;
 * stops early when @fn returns non-zero. 0, or -1 when the interfaces
 * cannot be listed.
 */
int instance_for_each(int ifindex, int (*fn)(struct instance *in, void *ctx),
		      void *ctx);

/* The id of the program at @in's hook now (0: none), or -1. */
long long instance_prog_now(const struct instance *in);
void instance_close(struct instance *in);

/* An instance of nothing yet, at @hook of @ifindex (0: none): safe to
 * close. */
void instance_init(struct instance *in, int ifindex, enum flowlet_hook hook);

/* The maps of a loaded object, to run at @hook of @ifindex once attached
 * (0 for tests): for attach and tests. The instance holds its own fds;
 * instance_close() closes them. */
int instance_from_object(struct bpf_object *obj, int ifindex,
			 enum flowlet_hook hook, struct instance *in);

/* The config packets are decided under now (the active slot). */
int instance_read_config(const struct instance *in, struct instance_config *c);

/* The active config slot, or -1 after an error. */
int instance_active_slot(const struct instance *in);

/* Fills the devmap range of config slot @slot: one entry per path of
 * @cfg, none beyond. Only instance_commit() may touch a slot in use. */
int instance_write_ports(const struct instance *in, __u32 slot,
			 const struct flowlet_config *cfg);

/*
 * Makes @cfg the config every later packet is decided under, atomically:
 * writes it (generation one past the active one's) and its devmap range
 * into the slot packets do not use, switches the active index, and
 * returns after an RCU grace period, when no packet is decided under the
 * old config any more, so that the next commit may rewrite its slot.
 * Commits to any instance are serialised by a lock file. 0 or -1 after
 * an error (the active config is then unchanged).
 */
int instance_commit(const struct instance *in, struct instance_config *c);

/*
 * Reads the active config, lets @change edit it, and commits the result
 * as instance_commit() does, all under the commit lock, so that two
 * writers (set and watch) never undo each other's changes. @change
 * returns 0 to commit, a positive value to commit nothing (then returned),
 * or -1 after an error. The committed config goes to @out (if not NULL).
 * 0, the positive value, or -1 after an error.
 */
int instance_update(const struct instance *in,
		    int (*change)(struct instance_config *c, void *ctx),
		    void *ctx, struct instance_config *out);

/* When (CLOCK_MONOTONIC seconds) this process last switched an instance's
 * active config: from then on new packets were decided under it. */
double instance_last_flip(void);

/* Zeroes path @path's counters, load, share counts and capacities (a
 * new path took its place). */
void instance_reset_path(const struct instance *in, __u32 path);

/* Remembers in @c each egress driver's XDP xmit count against the
 * path's packet count now, so that stats can tell redirected frames the
 * driver never took. */
void instance_record_xmit(const struct instance *in, struct instance_config *c);

/* Zeroes every counter (global and per path; the flow tables stay) and,
 * at XDP, records the xmit counts in @c anew: for instance_update(). 0,
 * or -1 after an error. */
int instance_reset_counters(const struct instance *in,
			    struct instance_config *c);

/* Sums a per-CPU value made only of __u64 fields over every CPU. */
int percpu_sum(int map_fd, __u32 key, void *sum, size_t size);

/* Every flow table (established flows, then flows seen once; IPv4, then
 * IPv6) as two arrays the caller frees, every key in the IPv6 form; the
 * number of entries, or -1 after an error. */
long long instance_read_flows(const struct instance *in,
			      struct flowlet_flow_key **keys,
			      struct flowlet_flow **values);

/* Entries in the flow tables, or -1. */
long long instance_count_flows(const struct instance *in);

/*
 * After the balanced prefixes changed: waits a grace period (no packet is
 * still deciding under the old prefixes), then deletes the established
 * flows whose destination is no longer balanced, which the data path
 * would otherwise go on forwarding without a prefix lookup. Only flows to
 * a destination inside one of @within's @count prefixes are looked up
 * (@count 0: every flow). The number deleted, or -1 after an error.
 */
long long instance_drop_unbalanced(const struct instance *in,
				   const struct flowlet_prefix_key *within,
				   int count);

const char *xdp_mode_name(__u32 xdp_flags);

#endif /* FLOWLET_INSTANCE_H */
