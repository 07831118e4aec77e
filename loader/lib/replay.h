/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowletctl replay: the production data path over a packet trace. The
 * object is loaded with its test clock (see flowlet.bpf.c), each packet's
 * clock is its timestamp in the trace, and each packet runs once through
 * BPF_PROG_TEST_RUN, addressed to the replay's own ingress MAC (real
 * traces are not addressed to us). What the data path decided for each
 * packet (flowlet_last) makes the flowlet statistics, its telemetry the
 * gap histograms: nothing here parses a packet but the data path.
 */
#ifndef FLOWLET_REPLAY_H
#define FLOWLET_REPLAY_H

#include <linux/types.h>

#include "config.h"
#include "flowlet.h"

struct replay_opts {
	struct config_tuning tuning; /* mode, timeout, weights */
	int paths;		     /* 1..FLOWLET_MAX_PATHS */
	__u32 seed;		     /* the flow hash's */
};

struct replay_result {
	const char *link_type; /* the trace's, by name */
	__u64 packets;	       /* records in the trace */
	__u64 too_large;       /* longer than a test run takes: not run */
	__u64 too_short;       /* no whole link header: not run */
	__u64 redirected;
	__u64 passed[FLOWLET_PASS_COUNT]; /* to the kernel, by reason */
	__u64 first_ns, last_ns;	  /* timestamps */
	__u64 flows, flowlets, path_changes;
	__u64 path_packets[FLOWLET_MAX_PATHS], path_bytes[FLOWLET_MAX_PATHS];
	/* Gaps between a flow's packets that started a flowlet, and that
	 * did not; ns, from the data path's telemetry (flowlet_stats.hist). The
	 * rest are counted here from flowlet_last, log2 buckets too. */
	__u64 gap_started[FLOWLET_HIST_BUCKETS],
		gap_continued[FLOWLET_HIST_BUCKETS];
	/* Flowlet sizes (packets, bytes), flowlets per flow. */
	__u64 flowlet_packets[FLOWLET_HIST_BUCKETS],
		flowlet_bytes[FLOWLET_HIST_BUCKETS];
	__u64 flow_flowlets[FLOWLET_HIST_BUCKETS];
	struct flowlet_config cfg; /* what the data path ran under */
};

/* Replays the pcap file @path: 0, or -1 after an error (printed). */
int replay_pcap(const char *path, const struct replay_opts *opts,
		struct replay_result *out);

/* The busiest path's bytes over the mean of the paths' (1: even). */
double replay_balance(const struct replay_result *r);

#endif /* FLOWLET_REPLAY_H */
