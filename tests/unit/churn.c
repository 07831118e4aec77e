// SPDX-License-Identifier: GPL-2.0
/*
 * Churn: many more distinct flows than the flow table holds (200,000 in
 * make test, 10 million in make stress, FLOWLET_CHURN_FLOWS to choose)
 * through the default 64K-entry LRU table. Nothing may fail: every frame
 * is redirected, every flow is created once, the counters add up, and
 * the LRU keeps the table full without growing past it. Reading the table
 * and the counters the way flowletctl does is timed and printed (not
 * asserted: timing is for make bench).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/bpf.h>

#include "unit.h"

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void test_churn(void)
{
	long long flows = env_count("FLOWLET_CHURN_FLOWS",
				    stress_run() ? 10000000 : 200000);
	__u8 frame[MAX_FRAME];
	size_t len = build_packet(&(struct pkt_spec){ 0 }, frame);
	__u8 *ip = frame + 14;
	long long not_redirected = 0, entries;
	__u64 path_packets = 0;
	struct flowlet_config cfg;
	struct flowlet_stats st;
	double t0, t_send, t_flows, t_stats;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	t0 = seconds();
	for (long long i = 0; i < flows; i++) {
		/* Source 11.0.0.0 + i: a new flow each frame. */
		ip[12] = 11 + (i >> 24);
		ip[13] = i >> 16;
		ip[14] = i >> 8;
		ip[15] = i;
		ip[10] = ip[11] = 0;
		put16(ip + 10, ip_checksum(ip, 20));
		not_redirected += run(frame, len, NULL, NULL) != XDP_REDIRECT;
	}
	t_send = seconds() - t0;

	t0 = seconds();
	entries = instance_count_flows(&unit_in);
	t_flows = seconds() - t0;
	t0 = seconds();
	st = read_stats();
	for (__u32 p = 0; p < 4; p++)
		path_packets += read_path_stats(p).packets;
	t_stats = seconds() - t0;

	CHECK(not_redirected == 0 && st.flows_created == (__u64)flows &&
		      st.redirected == (__u64)flows &&
		      path_packets == (__u64)flows,
	      "churn: %lld distinct flows through a %d-entry table: all "
	      "redirected (%lld not), each created once (%llu), per-path "
	      "counters add up (%llu)",
	      flows, FLOWLET_MAX_FLOWS, not_redirected,
	      (unsigned long long)st.flows_created,
	      (unsigned long long)path_packets);
	CHECK(entries > 0 && entries <= FLOWLET_MAX_FLOWS &&
		      (flows < FLOWLET_MAX_FLOWS || entries < flows),
	      "churn: the LRU evicts and the table stays within its size "
	      "(%lld entries)",
	      entries);
	printf("# churn: %.1f s to send (%.2f us per frame), %.1f ms to read "
	       "the flow table, %.2f ms to read the counters\n",
	       t_send, t_send * 1e6 / flows, t_flows * 1e3, t_stats * 1e3);
}
