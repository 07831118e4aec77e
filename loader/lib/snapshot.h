/* SPDX-License-Identifier: GPL-2.0 */
/* One reading of an instance: its config, its counters and what the
 * egress drivers say, for stats (and later the exporter). */
#ifndef FLOWLET_SNAPSHOT_H
#define FLOWLET_SNAPSHOT_H

#include "delay.h"
#include "instance.h"

struct snapshot {
	struct flowlet_config cfg;
	struct flowlet_meta meta;
	struct flowlet_stats stats;
	struct flowlet_path_stats paths[FLOWLET_MAX_PATHS];
	/* Redirected frames the egress driver did not take since attach; -1
	 * where the driver does not count what it takes. */
	long long tx_failed[FLOWLET_MAX_PATHS];
	/* 1/0: the device accepts redirected frames now; -1 unknown. */
	int xmit_ready[FLOWLET_MAX_PATHS];
	/* 1/0: the egress link is up now (the kernel's view, which the
	 * config follows only under watch); -1 unknown. */
	int link_up[FLOWLET_MAX_PATHS];
	long long flows;
	double when; /* seconds, monotonic */
	/* watch --probe's delays (flowlet_delay), target * FLOWLET_MAX_PATHS
	 * + path; family 0 where nothing is probed. */
	struct flowlet_delay
		delay[FLOWLET_MAX_PROBE_TARGETS * FLOWLET_MAX_PATHS];
	/* What watch set each group's auto timeout from (flowlet_auto);
	 * updated_ns 0 where it did not. */
	struct flowlet_auto autos[FLOWLET_MAX_GROUPS];
	/* Mode share: each group's paths' counts and capacities
	 * (flowlet_share, flowlet_cap), group * FLOWLET_MAX_PATHS + path;
	 * zero elsewhere. */
	struct flowlet_share share[FLOWLET_MAX_GROUPS * FLOWLET_MAX_PATHS];
	struct flowlet_capacity
		capacity[FLOWLET_MAX_GROUPS * FLOWLET_MAX_PATHS];
	__u64 now_ns; /* CLOCK_MONOTONIC when it was read */
};

/* 0, or -1 after an error. */
int snapshot_read(const struct instance *in, struct snapshot *s);

/* --timeout auto: what watch set group @g's timeout from, or NULL where
 * the timeout is fixed, the group is empty or watch did not set it. */
const struct flowlet_auto *snapshot_auto(const struct snapshot *s, __u32 g);

/* watch --probe's delays over path @path: the first target's (in the
 * table's order) that probes it, or NULL where none does; into *@targets
 * (if not NULL) how many targets probe it. */
const struct flowlet_delay *snapshot_path_delay(const struct snapshot *s,
						__u32 path, int *targets);

/* Why path @i lost frames or will, for a warning; NULL if it does not. */
const char *snapshot_path_problem(const struct snapshot *s, __u32 i);

#endif /* FLOWLET_SNAPSHOT_H */
