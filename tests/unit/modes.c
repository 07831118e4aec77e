// SPDX-License-Identifier: GPL-2.0
/*
 * Each mode's path choices on the test clock, weights, down paths, live
 * changes, hostile configs and counters.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>

#include "config.h"
#include "flowlet_helpers.h"
#include "names.h"
#include "paths.h"
#include "unit.h"

UNIT_TEST(ecmp_weights)
{
	const __u32 weights[2] = { 7, 3 };
	struct flowlet_config cfg;
	int count[2] = { 0 }, flows = 10000, lost = 0;
	double share;

	configure(&cfg, 2, weights, FLOWLET_MODE_ECMP);
	for (int i = 0; i < flows; i++) {
		struct pkt_spec spec = { .sport = 1024 + i % 50000,
					 .dport = 80 + i / 50000 };
		int path = send_spec(&spec);

		if (path < 0 || path > 1)
			lost++;
		else
			count[path]++;
	}
	share = 100.0 * count[0] / flows;
	CHECK(!lost && fabs(share - 70.0) <= 2.0,
	      "ecmp 7,3: 10000 flows split %.1f%% / %.1f%% (70/30 +- 2)", share,
	      100.0 - share);
}

/* Sends one flow (source port @sport) @steps + 1 times, moving the clock
 * by @step ns before each later packet; returns how many packets took
 * another path than the first, or -1 if the first was not forwarded. */
static int moves_over_steps(__u32 mode, __u16 sport, __s64 step, int steps)
{
	struct flowlet_config cfg;
	int first, moved = 0;

	configure(&cfg, 4, NULL, mode);
	first = send_port(sport);
	for (int i = 0; i < steps; i++) {
		advance(step);
		moved += send_port(sport) != first;
	}
	return first < 0 ? -1 : moved;
}

UNIT_TEST(ecmp_sticky)
{
	CHECK(moves_over_steps(FLOWLET_MODE_ECMP, 4242, 2 * TIMEOUT_NS, 50) ==
		      0,
	      "ecmp: one flow stays on one path across 50 gaps");
}

/* ecmp keeps a flow's path while the config that chose it is in force,
 * and hashes again after a commit: weights 1,0,0,0 then 0,1,0,0 move
 * every flow from path 0 to path 1 (a path of weight 0 is still usable:
 * a path kept from before the commit would stay). */
UNIT_TEST(ecmp_commits)
{
	const __u32 before[4] = { 1, 0, 0, 0 }, after[4] = { 0, 1, 0, 0 };
	struct flowlet_config cfg;
	int on0 = 0, on1 = 0;

	configure(&cfg, 4, before, FLOWLET_MODE_ECMP);
	for (int f = 0; f < 32; f++)
		on0 += send_port(6000 + f) == 0 && send_port(6000 + f) == 0;
	for (int i = 0; i < 4; i++)
		cfg.paths[i].weight = after[i];
	fill_slots(&cfg);
	commit(&cfg);
	for (int f = 0; f < 32; f++)
		on1 += send_port(6000 + f) == 1;
	CHECK(on0 == 32 && on1 == 32,
	      "ecmp: 32 flows on path 0 (%d) all move to path 1 when a commit "
	      "gives it the weight (%d)",
	      on0, on1);
}

UNIT_TEST(spray)
{
	const __u32 weights[3] = { 3, 1, 2 };
	struct flowlet_config cfg;
	int count[3] = { 0 }, window_bad = 0, seq[600];

	configure(&cfg, 3, weights, FLOWLET_MODE_SPRAY);
	for (int i = 0; i < 600; i++) {
		seq[i] = send_port(5555);
		if (seq[i] >= 0 && seq[i] < 3)
			count[seq[i]]++;
	}
	/* Every window of one weight sum (6 packets) within a round holds
	 * each path exactly weight times. */
	for (int w = 0; w + 6 <= 600; w += 6) {
		int c[3] = { 0 };

		for (int i = w; i < w + 6; i++)
			c[seq[i] < 0 || seq[i] > 2 ? 0 : seq[i]]++;
		window_bad += c[0] != 3 || c[1] != 1 || c[2] != 2;
	}
	CHECK(count[0] == 300 && count[1] == 100 && count[2] == 200 &&
		      !window_bad,
	      "spray 3,1,2: 600 packets of one flow split %d/%d/%d, "
	      "%d uneven windows",
	      count[0], count[1], count[2], window_bad);
}

UNIT_TEST(flowlet_gaps)
{
	struct flowlet_config cfg;
	int seen[4] = { 0 }, within_moves = 0, repicks = 0, path, distinct = 0;
	struct flowlet_flow flow = { 0 };

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	path = send_port(7777);
	for (int f = 0; f < 40; f++) {
		int next;

		/* Within a flowlet: gaps just under the timeout. */
		for (int i = 0; i < 5; i++) {
			advance(TIMEOUT_NS - 1);
			within_moves += send_port(7777) != path;
		}
		advance(TIMEOUT_NS + 1);
		next = send_port(7777);
		repicks += next != path;
		path = next;
		if (path >= 0 && path < 4)
			seen[path]++;
	}
	for (int i = 0; i < 4; i++)
		distinct += seen[i] > 0;
	lookup_flow4("10.0.1.1", "10.0.6.2", 7777, 80, IPPROTO_TCP, &flow);
	CHECK(!within_moves && distinct == 4 && repicks >= 20,
	      "flowlet: one flow keeps its path within a flowlet (%d moves), "
	      "re-picks after gaps (%d of 40 changed, %d paths)",
	      within_moves, repicks, distinct);
	CHECK(flow.flowlet == 41 && flow.packets == 241,
	      "flowlet: the flow entry counts 41 flowlets, 241 packets "
	      "(got %u, %llu)",
	      flow.flowlet, (unsigned long long)flow.packets);
}

/* Sends gaps of 0.5 ms, 5 ms, 2 s and one behind on a UDP flow and of 5
 * ms on an ICMP one; returns what group 0's flowlet_gaps counted, and
 * whether its 5 ms and 2 s buckets hold one each. */
static __u64 send_gaps(bool *buckets)
{
	struct pkt_spec icmp = { .proto = IPPROTO_ICMP };
	struct flowlet_gaps g = { 0 };
	__u64 total = 0;

	send_port(7001);
	advance(500000); /* 0.5 ms: not counted */
	send_port(7001);
	advance(5000000); /* 5 ms, within the 50 ms timeout */
	send_port(7001);
	advance(2000000000ULL); /* 2 s: the last bucket */
	send_port(7001);
	advance(-1000000); /* a clock read behind the last: no gap */
	send_port(7001);
	send_spec(&icmp);
	advance(5000000);
	send_spec(&icmp);
	percpu_sum(map_fd(skel->maps.flowlet_gaps), 0, &g, sizeof(g));
	for (int b = 0; b < FLOWLET_GAP_BUCKETS; b++)
		total += g.count[b];
	*buckets = g.count[flowlet_gap_bucket(5000000)] == 1 &&
		   g.count[FLOWLET_GAP_BUCKETS - 1] == 1;
	return total;
}

/* flowlet_gaps: while the timeout is auto in a mode with flowlets (a
 * commit sets count_gaps), a TCP or UDP flow's gaps of 1 ms or more, by
 * bucket, in its group, whatever the timeout; never an ICMP flow's; and
 * none with a fixed timeout or in a mode without flowlets. */
UNIT_TEST(gap_counts)
{
	static const struct {
		__u32 mode;
		bool timeout_auto;
	} cases[] = { { FLOWLET_MODE_FLOWLET, true },
		      { FLOWLET_MODE_FLOWLET, false },
		      { FLOWLET_MODE_ECMP, true } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct instance_config c = { 0 };
		bool buckets, counts = cases[i].timeout_auto &&
				       cases[i].mode == FLOWLET_MODE_FLOWLET;
		__u64 total;

		configure(&c.cfg, 4, NULL, cases[i].mode);
		c.meta.timeout_auto = cases[i].timeout_auto;
		if (instance_commit(&unit_in, &c))
			fprintf(stderr, "unit: cannot commit the config\n");
		total = send_gaps(&buckets);
		CHECK(c.cfg.count_gaps == counts && total == (counts ? 2 : 0) &&
			      (buckets || !counts),
		      "gaps: %s, timeout %s: count_gaps %u; of 0.5 ms, 5 ms, "
		      "2 s and one behind, and an ICMP flow's 5 ms, group 0 "
		      "counts %s (%llu in all)",
		      mode_name(cases[i].mode),
		      cases[i].timeout_auto ? "auto" : "fixed",
		      c.cfg.count_gaps,
		      counts ? "the UDP flow's 5 ms and 2 s" : "none",
		      (unsigned long long)total);
	}
}

/* One TCP data segment of @len bytes from @seq on @port (family
 * @family), or a pure ACK with @len 0; the path it went out on, or -1. */
static int send_segment(int family, __u16 port, __u32 seq, int len)
{
	struct pkt_spec s = { .family = family,
			      .sport = port,
			      .seq = seq,
			      .payload = len ? len : -1 };

	return send_spec(&s);
}

/* What group 0's flowlet_gaps holds now, summed over CPUs, into @now. */
static void read_gaps_now(struct flowlet_gaps *now)
{
	memset(now, 0, sizeof(*now));
	percpu_sum(map_fd(skel->maps.flowlet_gaps), 0, now, sizeof(*now));
}

/* Segments of two flows, and how many of them count as sent again: one
 * flow resends 3 segments; one resends 2 across the wrap of the sequence
 * space; acks between them. */
static __u64 send_resends(int family, __u16 port)
{
	send_segment(family, port, 1000, 100);
	send_segment(family, port, 1100, 100);
	send_segment(family, port, 1200, 0); /* an ACK */
	send_segment(family, port, 1000, 100);
	send_segment(family, port, 1100, 100);
	send_segment(family, port, 1200, 100);
	send_segment(family, port, 1200, 100);
	port++;
	send_segment(family, port, 0xffffff00u, 0x80);
	send_segment(family, port, 0xffffff80u, 0x100); /* ends at 0x80 */
	send_segment(family, port, 0xffffff80u, 0x100);
	send_segment(family, port, 0xffffff00u, 0x80);
	return 3 + 2;
}

/* flowlet_gaps' retransmits: data at or below a flow's highest is sent
 * again; across the wrap of the sequence space too; never a pure ACK;
 * IPv6 as IPv4; and nothing while gaps are not counted. */
UNIT_TEST(tcp_retransmits)
{
	static const struct {
		int family;
		bool timeout_auto;
		__u16 port;
	} cases[] = { { 4, true, 7003 },
		      { 6, true, 7003 },
		      { 4, false, 7006 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct instance_config c = { 0 };
		struct flowlet_gaps before, after;
		bool counts = cases[i].timeout_auto;
		__u64 want;

		configure(&c.cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
		c.meta.timeout_auto = counts;
		if (instance_commit(&unit_in, &c))
			fprintf(stderr, "unit: cannot commit the config\n");
		read_gaps_now(&before);
		want = send_resends(cases[i].family, cases[i].port);
		read_gaps_now(&after);
		if (!counts)
			want = 0;
		CHECK(after.retransmits - before.retransmits == want,
		      "tcp: IPv%d, timeout %s: 3 resends of one flow, 2 of "
		      "another across the wrap: %llu retransmits (want %llu)",
		      cases[i].family, counts ? "auto" : "fixed",
		      (unsigned long long)(after.retransmits -
					   before.retransmits),
		      (unsigned long long)want);
	}
}

/* --timeout auto's safe gap (the group's safe_ns): path changes after a
 * longer gap are safe, after a shorter one (above the timeout) unsafe;
 * with none known, neither; an ICMP flow's, neither. */
UNIT_TEST(safe_path_changes)
{
	struct flowlet_config cfg;
	struct pkt_spec icmp = { .proto = IPPROTO_ICMP };
	struct flowlet_stats s;
	__u64 changes, split;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	cfg.groups[0].timeout_ns = 2000000;
	cfg.groups[0].safe_ns = 10000000;
	write_active_config(&cfg);
	send_port(7002);
	for (int i = 0; i < 40; i++) {
		advance(5000000);
		send_port(7002);
	}
	s = read_stats();
	changes = s.path_changes;
	CHECK(changes >= 10 && s.path_changes_unsafe == changes &&
		      !s.path_changes_safe,
	      "safe: 40 gaps of 5ms, above the 2ms timeout and below the safe "
	      "10ms: %llu path changes, every one unsafe (%llu)",
	      (unsigned long long)changes,
	      (unsigned long long)s.path_changes_unsafe);
	for (int i = 0; i < 40; i++) {
		advance(20000000);
		send_port(7002);
	}
	s = read_stats();
	CHECK(s.path_changes >= changes + 10 &&
		      s.path_changes_safe == s.path_changes - changes &&
		      s.path_changes_unsafe == changes,
	      "safe: 40 gaps of 20ms: every new path change safe (%llu of "
	      "%llu)",
	      (unsigned long long)s.path_changes_safe,
	      (unsigned long long)(s.path_changes - changes));
	changes = s.path_changes;
	send_spec(&icmp);
	for (int i = 0; i < 40; i++) {
		advance(5000000);
		send_spec(&icmp);
	}
	s = read_stats();
	CHECK(s.path_changes >= changes + 10 &&
		      s.path_changes_safe + s.path_changes_unsafe == changes,
	      "safe: an ICMP flow's %llu path changes: neither safe nor "
	      "unsafe",
	      (unsigned long long)(s.path_changes - changes));
	split = s.path_changes_safe + s.path_changes_unsafe;
	changes = s.path_changes;
	cfg.groups[0].safe_ns = 0;
	write_active_config(&cfg);
	for (int i = 0; i < 40; i++) {
		advance(5000000);
		send_port(7002);
	}
	s = read_stats();
	CHECK(s.path_changes >= changes + 10 &&
		      s.path_changes_safe + s.path_changes_unsafe == split,
	      "safe: no safe gap known (a fixed timeout): neither counted");
}

/* flowlet_gaps' resent_after_moves: a segment sent again within the
 * group's resend window of its flow's last move below the safe gap is
 * the move's; later, or with no window known, it is not; a move after a
 * gap above the safe one starts no window. */
UNIT_TEST(resent_after_moves)
{
	struct flowlet_config cfg;
	struct flowlet_gaps before, after;
	struct flowlet_stats s;
	__u32 seq = 1000;
	__u64 unsafe;
	int i;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	cfg.count_gaps = 1;
	cfg.groups[0].timeout_ns = 2000000;
	cfg.groups[0].safe_ns = 10000000;
	cfg.groups[0].resend_window_ns = 20000000;
	write_active_config(&cfg);
	send_segment(4, 7010, seq, 100);
	/* Gaps of 5 ms (above the timeout, below the safe gap) until the
	 * flow moves: with 4 paths, 40 gaps leave it in place with a
	 * chance of (1/4)^40 at most. */
	unsafe = read_stats().path_changes_unsafe;
	for (i = 0; i < 40 && read_stats().path_changes_unsafe == unsafe; i++) {
		advance(5000000);
		send_segment(4, 7010, seq += 100, 100);
	}
	read_gaps_now(&before);
	advance(1000000);
	send_segment(4, 7010, seq, 100); /* sent again, 1 ms after */
	advance(1000000);
	send_segment(4, 7010, seq - 100, 100); /* 2 ms after */
	read_gaps_now(&after);
	CHECK(i < 40 && after.retransmits - before.retransmits == 2 &&
		      after.resent_after_moves - before.resent_after_moves == 2,
	      "resent: 2 segments sent again 1 and 2 ms after a move below "
	      "the safe gap: the move's (%llu of %llu)",
	      (unsigned long long)(after.resent_after_moves -
				   before.resent_after_moves),
	      (unsigned long long)(after.retransmits - before.retransmits));
	/* New data every 1 ms (no flowlet starts) up to 21 ms after. */
	for (i = 0; i < 19; i++) {
		advance(1000000);
		send_segment(4, 7010, seq += 100, 100);
	}
	read_gaps_now(&before);
	send_segment(4, 7010, seq, 100);
	read_gaps_now(&after);
	CHECK(after.retransmits - before.retransmits == 1 &&
		      after.resent_after_moves == before.resent_after_moves,
	      "resent: 21 ms after the move, beyond the 20 ms window: a "
	      "loss's");
	/* Gaps of 30 ms, above the safe gap: its moves start no window. */
	s = read_stats();
	for (i = 0;
	     i < 40 && read_stats().path_changes_safe == s.path_changes_safe;
	     i++) {
		advance(30000000);
		send_segment(4, 7010, seq += 100, 100);
	}
	read_gaps_now(&before);
	advance(1000000);
	send_segment(4, 7010, seq, 100);
	read_gaps_now(&after);
	CHECK(i < 40 && after.retransmits - before.retransmits == 1 &&
		      after.resent_after_moves == before.resent_after_moves,
	      "resent: 1 ms after a move above the safe gap: a loss's");
	/* No window known: a move below the safe gap starts none. */
	cfg.groups[0].resend_window_ns = 0;
	write_active_config(&cfg);
	unsafe = read_stats().path_changes_unsafe;
	for (i = 0; i < 40 && read_stats().path_changes_unsafe == unsafe; i++) {
		advance(5000000);
		send_segment(4, 7010, seq += 100, 100);
	}
	read_gaps_now(&before);
	send_segment(4, 7010, seq, 100);
	read_gaps_now(&after);
	CHECK(i < 40 && after.retransmits - before.retransmits == 1 &&
		      after.resent_after_moves == before.resent_after_moves,
	      "resent: no resend window known: no segment is a move's");
}

/* A packet whose clock read is older than the flow's last_seen (another
 * CPU updated it meanwhile) is inside the flowlet, not after a huge gap. */
UNIT_TEST(clock_behind)
{
	CHECK(moves_over_steps(FLOWLET_MODE_FLOWLET, 4343, -1000, 20) == 0,
	      "flowlet: packets stamped before last_seen stay in the flowlet");
}

static struct flowlet_hist read_hist(void)
{
	return read_stats().hist;
}

static __u64 hist_total(const __u64 *buckets)
{
	__u64 total = 0;

	for (int i = 0; i < FLOWLET_HIST_BUCKETS; i++)
		total += buckets[i];
	return total;
}

/* The log2 buckets at their edges, then the histograms one flow fills:
 * two gaps inside a flowlet, one that starts the next (which ends a
 * flowlet of 3 packets); with telemetry off, nothing. */
UNIT_TEST(telemetry)
{
	static const struct {
		__u64 v;
		__u32 bucket;
	} edges[] = { { 0, 0 },
		      { 1, 0 },
		      { 2, 1 },
		      { 3, 1 },
		      { 4, 2 },
		      { 1023, 9 },
		      { 1024, 10 },
		      { 1ULL << 38, 38 },
		      { (1ULL << 39) - 1, 38 },
		      { 1ULL << 39, 39 },
		      { ~0ULL, 39 } };
	struct flowlet_config cfg;
	struct flowlet_hist h;
	__u64 len, bytes = 0;
	bool edges_ok = true;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		edges_ok &= flowlet_log2(edges[i].v) == edges[i].bucket;
	CHECK(edges_ok, "telemetry: log2 buckets at 0, 1, 2^k-1, 2^k and "
			"beyond the last");

	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	CHECK(cfg.telemetry, "telemetry: on by default");
	send_port(7000);
	advance(1000);
	send_port(7000);
	advance(1000);
	send_port(7000);
	advance(TIMEOUT_NS + 1);
	send_port(7000);
	for (__u32 p = 0; p < 2; p++)
		bytes += read_path_stats(p).bytes;
	len = bytes / 4;
	h = read_hist();
	CHECK(h.gap_continued[9] == 2 && hist_total(h.gap_continued) == 2 &&
		      h.gap_started[flowlet_log2(TIMEOUT_NS + 1)] == 1 &&
		      hist_total(h.gap_started) == 1,
	      "telemetry: gaps of 1us twice inside the flowlet, one of "
	      "timeout+1 that started one (the first packet has none)");
	CHECK(h.flowlet_packets[1] == 1 && hist_total(h.flowlet_packets) == 1 &&
		      h.flowlet_bytes[flowlet_log2(3 * len)] == 1 &&
		      hist_total(h.flowlet_bytes) == 1,
	      "telemetry: the flowlet that ended: 3 packets, %llu bytes",
	      (unsigned long long)(3 * len));

	cfg.telemetry = 0;
	commit(&cfg);
	advance(1000);
	send_port(7000);
	advance(TIMEOUT_NS + 1);
	send_port(7000);
	h = read_hist();
	CHECK(hist_total(h.gap_continued) == 2 &&
		      hist_total(h.gap_started) == 1 &&
		      hist_total(h.flowlet_packets) == 1,
	      "telemetry off: the histograms stay as they were");
}

/* Many flowlets of one flow follow the weights. */
static void flowlet_mode_weights(__u32 mode, const char *name)
{
	const __u32 weights[2] = { 7, 3 };
	struct flowlet_config cfg;
	int count[2] = { 0 }, n = 20000;
	double share;

	configure(&cfg, 2, weights, mode);
	for (int i = 0; i < n; i++) {
		int path;

		advance(TIMEOUT_NS + 1);
		path = send_port(8888);
		if (path == 0 || path == 1)
			count[path]++;
	}
	share = 100.0 * count[0] / n;
	/* letflow draws at random: the share's standard deviation is
	 * sqrt(0.21 / 20000) = 0.32 points, so 2 points are 6.2 of them and
	 * a correct program fails this with a chance below 1e-9. */
	CHECK(count[0] + count[1] == n && fabs(share - 70.0) <= 2.0,
	      "%s 7,3: 20000 flowlets of one flow split %.1f%% / %.1f%% "
	      "(70/30 +- 2)",
	      name, share, 100.0 - share);
}

UNIT_TEST(flowlet_weights)
{
	flowlet_mode_weights(FLOWLET_MODE_FLOWLET, "flowlet");
	flowlet_mode_weights(FLOWLET_MODE_LETFLOW, "letflow");
}

static void set_load_stamped(__u32 path, __u64 bytes, __u64 stamp)
{
	struct flowlet_load load = { .bytes = bytes, .stamp_ns = stamp };

	bpf_map_update_elem(map_fd(skel->maps.flowlet_load), &path, &load,
			    BPF_ANY);
}

static void set_load(__u32 path, __u64 bytes)
{
	set_load_stamped(path, bytes, clock_now());
}

UNIT_TEST(leastload)
{
	struct flowlet_config cfg;
	int path;

	if (subtest("per_weight")) {
		const __u32 weights[3] = { 1, 1, 2 };
		int ok = 0;

		configure(&cfg, 3, weights, FLOWLET_MODE_LEASTLOAD);
		/* Path 2 has twice the weight: 150000 bytes there weigh
		 * 75000. */
		for (int i = 0; i < 20; i++) {
			advance(TIMEOUT_NS + 1);
			set_load(0, 100000);
			set_load(1, 90000);
			set_load(2, 150000);
			path = send_spec(
				&(struct pkt_spec){ .sport = 2000 + i });
			ok += path == 2;
		}
		CHECK(ok == 20,
		      "20 new flowlets all go to the least load per weight "
		      "(%d of 20)",
		      ok);
	}

	/* The data path keeps the estimate: the next flowlet avoids the
	 * path the previous one loaded. */
	if (subtest("own_estimate")) {
		configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
		path = send_spec(
			&(struct pkt_spec){ .sport = 3000, .payload = 400 });
		advance(TIMEOUT_NS + 1);
		CHECK(path >= 0 && send_spec(&(struct pkt_spec){
					   .sport = 3001 }) == !path,
		      "a new flow avoids the path another flow just loaded");
	}

	/* Decay within a half-life (10ms): 100000 bytes 5ms old weigh
	 * 75000, less than a fresh 80000. */
	if (subtest("decay")) {
		configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
		set_load_stamped(0, 100000, clock_now() - 5000000);
		set_load(1, 80000);
		CHECK(send_spec(&(struct pkt_spec){ .sport = 3003 }) == 0,
		      "the estimate decays within a half-life, not only per "
		      "half-life");
	}

	/* A packet that continues its flowlet adds its bytes; the decay is
	 * applied (and the estimate stamped) only once a sixteenth of a
	 * half-life has passed since the last stamp. */
	if (subtest("stamp")) {
		const struct pkt_spec spec = { .sport = 3004 };
		struct flowlet_load near, far;
		__u8 frame[MAX_FRAME];
		__u32 zero = 0;

		configure(&cfg, 1, NULL, FLOWLET_MODE_LEASTLOAD);
		__u64 len = build_packet(&spec, frame),
		      half = cfg.load_halflife_ns;
		__u64 stamp = clock_now() - half / 32;

		send_spec(&spec);
		set_load_stamped(0, 100000, stamp);
		send_spec(&spec);
		bpf_map_lookup_elem(map_fd(skel->maps.flowlet_load), &zero,
				    &near);
		set_load_stamped(0, 100000, clock_now() - half / 2);
		send_spec(&spec);
		bpf_map_lookup_elem(map_fd(skel->maps.flowlet_load), &zero,
				    &far);
		CHECK(near.bytes == 100000 + len && near.stamp_ns == stamp &&
			      far.bytes == 75000 + len &&
			      far.stamp_ns == clock_now(),
		      "within a sixteenth of a half-life bytes add up (%llu), "
		      "half a half-life decays them first (%llu)",
		      (unsigned long long)near.bytes,
		      (unsigned long long)far.bytes);
	}

	/* Four flows start together 2ms after a small flow (an iperf3
	 * control connection): each takes a path of its own, the fourth the
	 * small flow's, because a new flowlet is charged a burst. */
	if (subtest("burst")) {
		int used[4] = { 0 }, distinct = 0, small;

		configure(&cfg, 4, NULL, FLOWLET_MODE_LEASTLOAD);
		small = send_spec(
			&(struct pkt_spec){ .sport = 5201, .payload = 400 });
		advance(2000000);
		for (int i = 0; i < 4; i++) {
			path = send_spec(&(struct pkt_spec){ .sport = 6001 + i,
							     .payload = -1 });
			if (path >= 0 && path < 4 && !used[path]++)
				distinct++;
		}
		CHECK(small >= 0 && distinct == 4,
		      "four flows starting together take four paths (%d)",
		      distinct);
	}

	/* Another CPU stamped path 0's estimate after this CPU's clock read:
	 * the estimate stands, it is not decayed to nothing. */
	if (subtest("clock_behind")) {
		configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
		set_load_stamped(0, 100000, clock_now() + 1000);
		set_load(1, 50000);
		CHECK(send_spec(&(struct pkt_spec){ .sport = 3002 }) == 1,
		      "an estimate stamped after this CPU's clock read is not "
		      "reset");
	}
}

/* share: path @path's capacity for group 0, as the watcher writes it. */
static void set_capacity(__u32 path, __u64 bytes_per_s)
{
	struct flowlet_capacity cap = { .bytes_per_s = bytes_per_s };

	bpf_map_update_elem(map_fd(skel->maps.flowlet_cap), &path, &cap,
			    BPF_ANY);
}

/* share: path @path's estimate of what it carries (group 0), @bytes
 * stamped now. */
static void set_share_load(__u32 path, __u64 bytes)
{
	struct flowlet_share s;
	int fd = map_fd(skel->maps.flowlet_share);

	if (bpf_map_lookup_elem(fd, &path, &s))
		return;
	s.load.bytes = bytes;
	s.load.stamp_ns = clock_now();
	bpf_map_update_elem(fd, &path, &s, BPF_ANY);
}

/* share: the flows path @path of group 0 counted in the epoch of now. */
static __u32 share_flows_now(__u32 path)
{
	__u32 epoch = clock_now() >> FLOWLET_SHARE_EPOCH_SHIFT;
	struct flowlet_share s;

	if (bpf_map_lookup_elem(map_fd(skel->maps.flowlet_share), &path, &s) ||
	    s.epoch[epoch & 1] != epoch)
		return 0;
	return s.flows[epoch & 1];
}

/* share: @n new flows (source ports from @sport), each sending 104 KB
 * (230 frames of 454 bytes, 1 us apart: enough to count on its path,
 * FLOWLET_SHARE_FLOW_BYTES); their first packets' paths counted into
 * @count (room for 4). */
static void share_new_flows(int n, __u16 sport, int *count)
{
	for (int i = 0; i < n; i++) {
		const struct pkt_spec spec = { .sport = sport + i,
					       .payload = 400 };
		int path = send_spec(&spec);

		if (path >= 0 && path < 4)
			count[path]++;
		for (int k = 1; k < 230; k++) {
			advance(1000);
			send_spec(&spec);
		}
	}
}

UNIT_TEST(share)
{
	struct flowlet_config cfg;

	/* Capacities 4:1: each new flow takes the path where it gets the
	 * most per flow, 4 on path 1 for each on path 0 (a tie, at 4 to 1,
	 * may go either way). */
	if (subtest("capacity")) {
		int count[4] = { 0 };

		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		set_capacity(0, 100000);
		set_capacity(1, 400000);
		share_new_flows(3, 7000, count);
		CHECK(count[1] == 3,
		      "capacities 1:4: the first 3 flows go to "
		      "the faster path (%d)",
		      count[1]);
		share_new_flows(7, 7003, count);
		CHECK(count[0] + count[1] == 10 && count[1] >= 7 &&
			      count[1] <= 8,
		      "10 flows split %d:%d (2:8 or 3:7)", count[0], count[1]);
		CHECK(share_flows_now(0) == (__u32)count[0] &&
			      share_flows_now(1) == (__u32)count[1],
		      "the data path counted them (%u, %u)", share_flows_now(0),
		      share_flows_now(1));
	}

	/* No capacity measured: every path counts as 1, and flows spread
	 * by their count alone. */
	if (subtest("unmeasured")) {
		int count[4] = { 0 };

		configure(&cfg, 4, NULL, FLOWLET_MODE_SHARE);
		share_new_flows(8, 7100, count);
		CHECK(count[0] == 2 && count[1] == 2 && count[2] == 2 &&
			      count[3] == 2,
		      "8 flows over 4 unmeasured paths: %d/%d/%d/%d (2 each)",
		      count[0], count[1], count[2], count[3]);
	}

	/* Flows that sent less than FLOWLET_SHARE_FLOW_BYTES take no part
	 * of a path: 20 of one packet each count nowhere. */
	if (subtest("mice")) {
		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		for (int i = 0; i < 20; i++)
			send_port(7800 + i);
		CHECK(share_flows_now(0) + share_flows_now(1) == 0,
		      "20 flows of a packet: none counted (%u)",
		      share_flows_now(0) + share_flows_now(1));
	}

	/* A path whose flows leave capacity spare (they send little now)
	 * is worth what it does not carry: 3 flows on path 0 and 4 on path 1,
	 * each path of 100 kB/s; path 0 carries it all now, path 1 nothing.
	 * A new flow goes to path 1 (100 spare, against 100/4), and its
	 * flowlet is charged 16 KB in advance there, so the next goes to
	 * path 0 (100/4 against 100/5): flows starting together spread. */
	if (subtest("spare")) {
		int count[4] = { 0 }, first, second;

		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		set_capacity(0, 100000);
		set_capacity(1, 1);
		share_new_flows(3, 7700, count);
		set_capacity(0, 1);
		set_capacity(1, 100000);
		share_new_flows(4, 7710, count);
		set_capacity(0, 100000);
		advance(100000000); /* 10 half-lives: both estimates gone */
		set_share_load(0, 2000); /* 139 kB/s */
		first = send_port(7720);
		second = send_port(7721);
		CHECK(count[0] == 3 && count[1] == 4 && first == 1 &&
			      second == 0,
		      "3 flows on a full path 0, 4 on an idle path 1: a new "
		      "flow goes to path 1 (%d), the next to path 0 (%d)",
		      first, second);
	}

	/* A flow's new flowlet stays unless another path gives it more by
	 * an eighth: alone on 100, it stays beside an idle 110 and moves
	 * to an idle 120. */
	if (subtest("margin")) {
		int first, stayed, moved;

		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		set_capacity(0, 1000000);
		set_capacity(1, 1);
		first = send_port(7200);
		set_capacity(0, 100000);
		set_capacity(1, 110000);
		advance(TIMEOUT_NS + 1);
		stayed = send_port(7200);
		set_capacity(1, 120000);
		advance(TIMEOUT_NS + 1);
		moved = send_port(7200);
		CHECK(first == 0 && stayed == 0 && moved == 1,
		      "on 100 beside 110 it stays (%d), beside 120 it moves "
		      "(%d)",
		      stayed, moved);
	}

	/* Within its flowlet a flow keeps its path whatever the shares. */
	if (subtest("flowlet")) {
		int first, then;

		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		set_capacity(0, 1000000);
		set_capacity(1, 1);
		first = send_port(7300);
		set_capacity(1, 100000000);
		advance(TIMEOUT_NS / 2);
		then = send_port(7300);
		CHECK(first == 0 && then == 0,
		      "a packet within the timeout stays on its path (%d)",
		      then);
	}

	/* Counts last the epoch and the next, then go: 3 flows on path 0
	 * are still there one epoch on, and gone two epochs on. */
	if (subtest("epochs")) {
		__u64 epoch = 1ULL << FLOWLET_SHARE_EPOCH_SHIFT;
		int count[4] = { 0 }, next[4] = { 0 }, later[4] = { 0 };

		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		set_clock((clock_now() | (epoch - 1)) + 1);
		set_capacity(0, 1000);
		set_capacity(1, 1);
		share_new_flows(3, 7400, count);
		set_capacity(0, 1);
		advance(epoch);
		share_new_flows(1, 7410, next);
		advance(epoch);
		share_new_flows(1, 7420, later);
		CHECK(count[0] == 3 && next[1] == 1 && later[0] == 1,
		      "3 flows on path 0 (%d); one epoch on a new flow avoids "
		      "it (%d), two on they are no longer counted, and the "
		      "next one goes there (%d)",
		      count[0], next[1], later[0]);
		CHECK(share_flows_now(0) + share_flows_now(1) == 1,
		      "the epoch counts only the flow that sent in it (%u)",
		      share_flows_now(0) + share_flows_now(1));
	}

	/* Within a flowlet, after 600 KB, at the first packet of an epoch,
	 * a flow leaves its path for one that gives it 1.5 times as much
	 * or more (one reordering), not for one that gives it 1.4 times as
	 * much; a flow that sent less (beside it on path 0, too little to
	 * count there) stays. */
	if (subtest("reroute")) {
		__u64 epoch = 1ULL << FLOWLET_SHARE_EPOCH_SHIFT, start;
		int big = -1, at_1_4 = -1, at_2_5 = -1, small_first, small = -1;
		__u64 before;

		configure(&cfg, 2, NULL, FLOWLET_MODE_SHARE);
		start = (clock_now() | (epoch - 1)) + 1;
		set_clock(start);
		set_capacity(0, 1000000000);
		set_capacity(1, 1);
		small_first = send_port(7601);
		/* 1400 frames of 454 bytes: 635600 */
		for (int i = 0; i < 1400; i++) {
			big = send_spec(&(struct pkt_spec){ .sport = 7600,
							    .payload = 400 });
			advance(2000);
		}
		/* The small flow does not count: the big one alone has 100000
		 * on path 0. */
		set_capacity(0, 100000);
		set_capacity(1, 140000);
		before = read_stats().rerouted;
		while (clock_now() < start + epoch + 1000000) {
			advance(10000000);
			at_1_4 = send_port(7600);
			small = send_port(7601);
		}
		set_capacity(1, 250000);
		while (clock_now() < start + 2 * epoch + 1000000) {
			advance(10000000);
			at_2_5 = send_port(7600);
			small = send_port(7601);
		}
		CHECK(big == 0 && at_1_4 == 0 && at_2_5 == 1 &&
			      read_stats().rerouted == before + 1,
		      "600 KB on path 0: it stays beside 1.4 times as much "
		      "(%d), and moves to 2.5 times as much (%d, %llu "
		      "rerouted)",
		      at_1_4, at_2_5,
		      (unsigned long long)(read_stats().rerouted - before));
		CHECK(small_first == 0 && small == 0,
		      "a flow that sent less stays (%d)", small);
	}

	/* Paths of weight 0 take no new flowlets; down paths none at all. */
	if (subtest("weight0_down")) {
		const __u32 weights[3] = { 1, 0, 1 };
		int count[4] = { 0 };

		configure(&cfg, 3, weights, FLOWLET_MODE_SHARE);
		set_capacity(1, 1000000000);
		cfg.paths[2].down = FLOWLET_DOWN(LINK);
		commit(&cfg);
		share_new_flows(6, 7500, count);
		CHECK(count[0] == 6,
		      "weight 0 and a down path: 6 flows on the "
		      "one left (%d)",
		      count[0]);
	}
}

UNIT_TEST(down_path)
{
	struct flowlet_config cfg;
	int on_down = 0;

	for (__u32 mode = 0; mode < FLOWLET_MODE_COUNT; mode++) {
		configure(&cfg, 4, NULL, mode);
		cfg.paths[2].down = FLOWLET_DOWN(LINK);
		fill_slots(&cfg);
		commit(&cfg);
		for (int i = 0; i < 400; i++) {
			advance(TIMEOUT_NS + 1);
			on_down += send_port(100 + i % 40) == 2;
		}
	}
	CHECK(!on_down,
	      "every mode: a path marked down is never chosen "
	      "(%d packets on it)",
	      on_down);
}

/*
 * Weight 0 drains a path: no new flowlet goes there, the flowlet on it
 * finishes there. Down moves a flow at its next packet, gap or not.
 */
UNIT_TEST(drain_and_down)
{
	struct flowlet_config cfg;
	int path, kept, after_gap, on_drained = 0;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	path = send_port(700);
	cfg.paths[path].weight = 0;
	fill_slots(&cfg);
	commit(&cfg);
	advance(TIMEOUT_NS / 2);
	kept = send_port(700);
	advance(TIMEOUT_NS + 1);
	after_gap = send_port(700);
	for (int i = 0; i < 400; i++) {
		advance(TIMEOUT_NS + 1);
		on_drained += send_port(800 + i % 40) == path;
	}
	CHECK(kept == path && after_gap != path && after_gap >= 0 &&
		      !on_drained,
	      "weight 0 drains path %d: the running flowlet stays (%d), the "
	      "next leaves (%d), no new flowlet comes (%d)",
	      path, kept, after_gap, on_drained);

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	path = send_port(700);
	cfg.paths[path].down = FLOWLET_DOWN(NEIGH);
	fill_slots(&cfg);
	commit(&cfg);
	advance(TIMEOUT_NS / 2);
	kept = send_port(700);
	CHECK(kept != path && kept >= 0,
	      "a path marked down loses its flows at their next packet, "
	      "without a gap (%d -> %d)",
	      path, kept);
}

UNIT_TEST(live_change)
{
	struct flowlet_config cfg;
	long long before, after;
	int path;

	configure(&cfg, 4, NULL, FLOWLET_MODE_FLOWLET);
	for (int i = 0; i < 100; i++)
		send_port(6000 + i);
	before = instance_count_flows(&unit_in);
	cfg.mode = FLOWLET_MODE_SPRAY;
	commit(&cfg);
	path = send_port(6000);
	after = instance_count_flows(&unit_in);
	CHECK(before == 100 && after == 100 && path >= 0,
	      "live config change keeps the flow table (%lld -> %lld flows)",
	      before, after);
}

/* A destination whose prefix names a group the config does not have (past
 * group_count, past the array) goes to the kernel as no_path. */
static void hostile_groups(void)
{
	static const __u32 bad[] = { 1, FLOWLET_MAX_GROUPS - 1,
				     FLOWLET_MAX_GROUPS, 255 };
	struct flowlet_prefix_key key;
	struct flowlet_config cfg;
	__u64 before;
	int wrong = 0;

	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	parse_prefix("10.0.6.2/32", &key);
	before = read_stats().passed[FLOWLET_PASS_NO_PATH];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_prefix_put(unit_in.fds[MAP_PREFIX], &key,
				  FLOWLET_PREFIX_BALANCE, bad[i]);
		wrong += send_port(20 + i) != -1;
	}
	bpf_map_delete_elem(unit_in.fds[MAP_PREFIX], &key);
	CHECK(!wrong && read_stats().passed[FLOWLET_PASS_NO_PATH] - before ==
				sizeof(bad) / sizeof(bad[0]),
	      "hostile prefixes: groups past group_count or the array (1, "
	      "63, 64, 255) go to the kernel as no_path (%d wrong)",
	      wrong);
}

/* Whatever the config map holds, the program stays in bounds and passes
 * to the kernel what it cannot place. */
UNIT_TEST(hostile_config)
{
	struct flowlet_config cfg;
	struct flowlet_stats st;
	int bad = 0, verdict;

	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	cfg.groups[0].slot_count = 0;
	write_active_config(&cfg);
	bad += send_port(1) != -1;
	cfg.groups[0].slot_count = 100000;
	write_active_config(&cfg);
	bad += send_port(2) != -1;
	fill_slots(&cfg);
	memset(cfg.groups[0].slots, 200, sizeof(cfg.groups[0].slots));
	write_active_config(&cfg);
	bad += send_port(3) != -1;
	st = read_stats();
	CHECK(!bad && st.passed[FLOWLET_PASS_NO_PATH] == 3,
	      "hostile config: empty, oversized and out-of-range slot tables "
	      "go to the kernel as no_path (%llu)",
	      (unsigned long long)st.passed[FLOWLET_PASS_NO_PATH]);
	fill_slots(&cfg);
	cfg.group_count = 0;
	write_active_config(&cfg);
	bad += send_port(10) != -1;
	cfg.group_count = 1000;
	cfg.groups[0].members = 0;
	write_active_config(&cfg);
	bad += send_port(11) != -1;
	st = read_stats();
	CHECK(!bad && st.passed[FLOWLET_PASS_NO_PATH] == 5,
	      "hostile config: no group, or a group without members, goes to "
	      "the kernel as no_path (%llu)",
	      (unsigned long long)st.passed[FLOWLET_PASS_NO_PATH]);
	/* Path 15 is zeroed (no down bit) and has no devmap entry. */
	cfg.path_count = 1000;
	cfg.groups[0].members = ~0u;
	memset(cfg.groups[0].slots, 15, sizeof(cfg.groups[0].slots));
	write_active_config(&cfg);
	verdict = send_port(4);
	st = read_stats();
	CHECK(verdict == -1 && st.dropped[FLOWLET_DROP_NO_PORT] == 1,
	      "hostile config: a path count beyond the paths written picks "
	      "a path without a port: dropped as no_port (%llu)",
	      (unsigned long long)st.dropped[FLOWLET_DROP_NO_PORT]);

	configure(&cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	cfg.mode = 99;
	cfg.timeout_ns = 0;
	cfg.groups[0].timeout_ns = 0;
	cfg.load_halflife_ns = 0;
	write_active_config(&cfg);
	verdict = send_port(5);
	CHECK(verdict == 0 || verdict == 1,
	      "hostile config: unknown mode and zero timeout still forward");

	configure(&cfg, 2, NULL, FLOWLET_MODE_LEASTLOAD);
	cfg.load_halflife_ns = 0;
	write_active_config(&cfg);
	verdict = send_port(6);
	CHECK(verdict == 0 || verdict == 1,
	      "hostile config: leastload with a zero half-life forwards");

	hostile_groups();
}

UNIT_TEST(missing_port)
{
	struct flowlet_config cfg;
	struct flowlet_stats st;
	__u8 frame[MAX_FRAME];
	struct pkt_spec spec = { 0 };
	size_t len = build_packet(&spec, frame);
	__u32 idx;
	int verdict;

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	idx = instance_active_slot(&unit_in) * FLOWLET_MAX_PATHS;
	bpf_map_delete_elem(map_fd(skel->maps.flowlet_ports), &idx);
	verdict = run(frame, len, NULL, NULL);
	st = read_stats();
	CHECK(verdict == XDP_DROP && st.dropped[FLOWLET_DROP_NO_PORT] == 1,
	      "a path without a devmap entry drops and counts no_port");
}

UNIT_TEST(counters)
{
	__u64 packets = 0, bytes = 0, flowlets = 0;
	struct flowlet_config cfg;
	struct flowlet_stats st;
	__u8 frame[MAX_FRAME];
	size_t len = build_packet(&(struct pkt_spec){ 0 }, frame);

	configure(&cfg, 3, NULL, FLOWLET_MODE_FLOWLET);
	for (int i = 0; i < 30; i++) {
		frame[14 + 20] = i; /* source port high byte: 30 flows */
		run(frame, len, NULL, NULL);
	}
	for (__u32 p = 0; p < 3; p++) {
		struct flowlet_path_stats ps = read_path_stats(p);

		packets += ps.packets;
		bytes += ps.bytes;
		flowlets += ps.flowlets;
	}
	st = read_stats();
	CHECK(packets == 30 && bytes == 30 * len && flowlets == 30 &&
		      st.flows_created == 30 && st.flowlets == 30 &&
		      st.redirected == 30,
	      "counters: per-path packets/bytes/flowlets and global counters "
	      "add up for 30 flows");
}
