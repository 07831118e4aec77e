// SPDX-License-Identifier: GPL-2.0
/*
 * Churn: many more distinct flows than the flow table holds (200,000 in
 * make test, 10 million in make stress, FLOWLET_CHURN_FLOWS to choose),
 * two packets each, so that each is created in flowlet_new and then
 * established in the default 64K-entry flowlet_flows. Nothing may fail:
 * every frame is redirected, every flow is created and established once,
 * the counters add up, and the LRU keeps the tables within their sizes.
 * Reading the tables and the counters the way flowletctl does is timed
 * and printed (not asserted: timing is for make bench).
 *
 * Flood: a flood of one-packet flows does not evict established flows,
 * which keep their entries and paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "unit.h"

/* The frame of flow @i: source 11.0.0.0 + i, checksum redone. */
static void set_flow(__u8 *ip, long long i)
{
	ip[12] = 11 + (i >> 24);
	ip[13] = i >> 16;
	ip[14] = i >> 8;
	ip[15] = i;
	ip[10] = ip[11] = 0;
	put16(ip + 10, ip_checksum(ip, 20));
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

UNIT_TEST(churn)
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
		set_flow(ip, i);
		for (int twice = 0; twice < 2; twice++)
			not_redirected +=
				run(frame, len, NULL, NULL) != XDP_REDIRECT;
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
		      st.flows_established == (__u64)flows &&
		      st.redirected == (__u64)(2 * flows) &&
		      path_packets == (__u64)(2 * flows),
	      "churn: %lld distinct flows of 2 packets through a %d-entry "
	      "table: all redirected (%lld not), each created (%llu) and "
	      "established (%llu) once, per-path counters add up (%llu)",
	      flows, FLOWLET_MAX_FLOWS, not_redirected,
	      (unsigned long long)st.flows_created,
	      (unsigned long long)st.flows_established,
	      (unsigned long long)path_packets);
	CHECK(entries > 0 && entries <= FLOWLET_MAX_FLOWS &&
		      (flows < FLOWLET_MAX_FLOWS || entries < flows),
	      "churn: the LRU evicts and the tables stay within their sizes "
	      "(%lld entries)",
	      entries);
	printf("# churn: %.1f s to send (%.2f us per frame), %.1f ms to read "
	       "the flow table, %.2f ms to read the counters\n",
	       t_send, t_send * 1e6 / (2 * flows), t_flows * 1e3,
	       t_stats * 1e3);
}

UNIT_TEST(flood)
{
	long long established = 1000,
		  flood = env_count("FLOWLET_FLOOD_FLOWS",
				    stress_run() ? 5000000 : 300000);
	__u8 frame[MAX_FRAME], out[MAX_FRAME];
	size_t len = build_packet(&(struct pkt_spec){ 0 }, frame);
	__u8 *ip = frame + 14, *paths = calloc(established, 1);
	long long kept = 0, same_path = 0;
	struct flowlet_config cfg;

	configure(&cfg, 4, NULL, FLOWLET_MODE_LETFLOW);
	for (long long i = 0; i < established; i++) {
		set_flow(ip, i);
		run(frame, len, NULL, NULL);
		run(frame, len, out, NULL);
		paths[i] = out[5];
	}
	/* One packet per flow, far more flows than either table holds. */
	for (long long i = 0; i < flood; i++) {
		set_flow(ip, established + i);
		run(frame, len, NULL, NULL);
	}
	for (long long i = 0; i < established; i++) {
		struct flowlet_flow_key4 key = { .sport = htons(1234),
						 .dport = htons(80),
						 .proto = IPPROTO_TCP };
		struct flowlet_flow flow;

		set_flow(ip, i);
		memcpy(&key.src, ip + 12, 4);
		memcpy(&key.dst, ip + 16, 4);
		kept += !bpf_map_lookup_elem(map_fd(skel->maps.flowlet_flows),
					     &key, &flow) &&
			flow.packets == 2;
		same_path += run(frame, len, out, NULL) == XDP_REDIRECT &&
			     out[5] == paths[i];
	}
	free(paths);
	CHECK(kept == established && same_path == established,
	      "flood: %lld established flows keep their entries (%lld) and, "
	      "in letflow mode, their paths (%lld) through a flood of %lld "
	      "one-packet flows",
	      established, kept, same_path, flood);
}
