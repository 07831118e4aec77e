// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, part 1: what a packet costs in every flowlet mode, next to
 * the two floors of bench/floors.bpf.c, at 1, 1K, 64K and 1M active flows.
 *
 * Method: one 64-byte IPv4 frame per BPF_PROG_TEST_RUN call (repeat > 1
 * would rerun the frame the program already rewrote, whose destination
 * MAC is no longer ours), timed by the kernel around that one run; the
 * empty program's time in the same round is subtracted (test_run's own
 * overhead). The variants take turns, batch by batch (A B C, B C A, ...:
 * each round starts one later), and each figure is the median over rounds
 * of a batch's median, so that a noisy neighbour moves every variant
 * alike. Every timed frame's verdict
 * is counted: a figure whose frames were not all redirected says so.
 *
 * Flows are established first (two packets each, so that flowlet admits
 * them into its flow table); the flowlet timeout is 60 s, so the timed
 * packets continue their flowlets, the common case.
 *
 * --largest also finds the largest flow table (a power of two, for each
 * family) whose flowlet object loads within half of MemAvailable (the
 * machine is shared), loads it, and times the load.
 *
 * usage: bench_cost [--quick] [--largest] [--json FILE]
 *        bench_cost --check [VARIANT | --list]
 *            (make test: the harness itself, no timing: every variant, or
 *            VARIANT's checks alone, redirects every timed frame; all
 *            variants are measured, interleaved, either way)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include "attach.h"
#include "clock.h"
#include "config.h"
#include "floors.skel.h"
#include "flowlet.skel.h"
#include "frame.h"
#include "instance.h"
#include "names.h"
#include "snapshot.h"
#include "tap.h"

#define LO_IFINDEX 1
#define PATHS	   4
#define TIMEOUT_NS (60ULL * 1000000000ULL)
#define MAX_ROUNDS 16

static const __u8 ingress_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 host_mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };

/* The variants, in the order they take turns: the floors, every flowlet
 * mode (telemetry on and --timeout auto, the defaults), flowlet mode
 * without telemetry (the telemetry's cost), flowlet mode with a fixed
 * timeout (the cost of counting gaps for auto), then flowlet mode
 * following routes: GROUP_PREFIXES prefixes in GROUPS path groups, the
 * flows spread over them (the cost of per-destination groups), and
 * flowlet mode over TCP flows, each frame its flow's next segment (the
 * cost of following their senders' sequence numbers for auto). Every
 * flowlet variant's timeout in force is TIMEOUT_NS: no watcher runs. */
enum { V_EMPTY, V_STATELESS, V_MINIMAL, V_MODES };
#define V_NO_TELEMETRY (V_MODES + FLOWLET_MODE_COUNT)
#define V_FIXED	       (V_NO_TELEMETRY + 1)
#define V_GROUPS       (V_FIXED + 1)
#define V_TCP	       (V_GROUPS + 1)
#define VARIANTS       (V_TCP + 1)
#define GROUPS	       50
#define GROUP_PREFIXES 1000

static const char *variant_name(int v)
{
	static const char *const floors[] = { "empty", "stateless", "minimal" };

	if (v == V_NO_TELEMETRY)
		return "no-telemetry";
	if (v == V_FIXED)
		return "fixed-timeout";
	if (v == V_GROUPS)
		return "groups";
	if (v == V_TCP)
		return "tcp";
	return v < V_MODES ? floors[v] : mode_name(v - V_MODES);
}

/* One flowlet object, its config and the frames of its flows. */
struct bench_flowlet {
	struct flowlet *skel;
	struct instance in;
	struct instance_config config;
	__u8 *frames; /* flows * FRAME_LEN */
};

struct run {
	struct bench_flowlet plain, groups, tcp;
	struct floors *floors;
	size_t flows;
};

/* One call: the verdict, and the kernel's time for the run in *ns. */
static int run_once(int prog_fd, const __u8 *frame, __u32 *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = FRAME_LEN, .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	*ns = opts.duration;
	return opts.retval;
}

static int prog_fd(const struct run *r, int v)
{
	switch (v) {
	case V_EMPTY:
		return bpf_program__fd(r->floors->progs.bench_empty);
	case V_STATELESS:
		return bpf_program__fd(r->floors->progs.bench_stateless);
	case V_MINIMAL:
		return bpf_program__fd(r->floors->progs.bench_minimal);
	case V_GROUPS:
		return bpf_program__fd(r->groups.skel->progs.flowlet_xdp);
	case V_TCP:
		return bpf_program__fd(r->tcp.skel->progs.flowlet_xdp);
	}
	return bpf_program__fd(r->plain.skel->progs.flowlet_xdp);
}

/* The frames variant @v sends. */
static __u8 *frames_of(const struct run *r, int v)
{
	if (v == V_TCP)
		return r->tcp.frames;
	return v == V_GROUPS ? r->groups.frames : r->plain.frames;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A batch of @calls frames through variant @v, visiting the flows in a
 * scattered order; returns the median ns and counts redirects. */
static double batch(struct run *r, int v, size_t calls, size_t *offset,
		    __u32 *ns, long long *redirected, long long *timed)
{
	int fd = prog_fd(r, v);
	__u8 *frames = frames_of(r, v);

	if (v >= V_MODES && v != V_GROUPS && v != V_TCP) {
		__u32 mode = v >= V_NO_TELEMETRY ? FLOWLET_MODE_FLOWLET
						 : (__u32)(v - V_MODES);
		__u8 telemetry = v != V_NO_TELEMETRY;
		bool timeout_auto = v != V_FIXED;
		struct flowlet_config *cfg = &r->plain.config.cfg;
		struct flowlet_meta *meta = &r->plain.config.meta;

		if (cfg->mode != mode || cfg->telemetry != telemetry ||
		    meta->timeout_auto != timeout_auto) {
			cfg->mode = mode;
			cfg->telemetry = telemetry;
			meta->timeout_auto = timeout_auto;
			if (instance_commit(&r->plain.in, &r->plain.config))
				return -1;
		}
	}
	for (size_t i = 0; i < calls; i++) {
		/* An odd stride over a power-of-two count visits them all. */
		size_t flow = (*offset + i * 40503) % r->flows;
		int verdict;

		if (v == V_TCP)
			next_segment(frames + flow * FRAME_LEN);
		verdict = run_once(fd, frames + flow * FRAME_LEN, &ns[i]);

		if (verdict < 0)
			return -1;
		*redirected += verdict == XDP_REDIRECT;
		(*timed)++;
	}
	*offset += calls;
	qsort(ns, calls, sizeof(*ns), cmp_u32);
	return ns[calls / 2];
}

static size_t table_size(size_t flows)
{
	size_t size = flows + flows / 2;

	return size < 1024 ? 1024 : size;
}

/* Opens a flowlet object with flow tables for @table flows, and frames
 * for @flows flows to @dst (0: flow i to a prefix of its own), UDP or
 * with @tcp TCP. */
static int open_flowlet(struct bench_flowlet *f, size_t flows, size_t table,
			__u32 dst, bool tcp)
{
	instance_init(&f->in, 0, FLOWLET_HOOK_XDP);
	f->frames = malloc(flows * FRAME_LEN);
	f->skel = flowlet__open();
	if (!f->frames || !f->skel)
		return -1;
	flowlet_select_hook(f->skel->obj, FLOWLET_HOOK_XDP);
	/* Flow i: 10.0.<i/256>:<port of i> -> dst:80, or to 10.(100 +
	 * p / 250).(p % 250).2, p = i % GROUP_PREFIXES. */
	for (size_t i = 0; i < flows; i++) {
		size_t p = i % GROUP_PREFIXES;

		build_frame(f->frames + i * FRAME_LEN, ingress_mac, host_mac,
			    0x0a000000 | (i >> 8),
			    dst ? dst
				: 0x0a000002 | (100 + p / 250) << 16 |
					    (p % 250) << 8,
			    1024 + (i & 0xff), 80, tcp);
	}
	flowlet_size_tables(f->skel, table);
	return 0;
}

/* PATHS paths on lo, and the config's defaults. */
static void bench_config(struct instance_config *c)
{
	struct flowlet_config *cfg = &c->cfg;

	config_init(c);
	memcpy(cfg->ingress[0].mac, ingress_mac, 6);
	cfg->ingress_count = 1;
	cfg->timeout_ns = TIMEOUT_NS;
	cfg->hash_seed = 0x5eed;
	cfg->path_count = PATHS;
	for (__u32 i = 0; i < PATHS; i++) {
		struct flowlet_path *p = &cfg->paths[i];

		p->ifindex = LO_IFINDEX;
		p->weight = 1;
		memcpy(p->src_mac, ingress_mac, 6);
		memcpy(p->dst_mac, host_mac, 6);
		p->dst_mac[5] = i;
	}
}

/* One group over the PATHS paths, every destination in it (flowlet mode,
 * telemetry on, --timeout auto: the defaults). */
static int plain_config(struct bench_flowlet *f)
{
	bench_config(&f->config);
	return config_fill_slots(&f->config) ||
	       instance_commit(&f->in, &f->config) ||
	       config_fill_prefixes(f->in.fds[MAP_PREFIX], NULL, 0);
}

/* As --from-routes would make it: GROUPS groups over the PATHS paths
 * (weights 1-5, every group its own), GROUP_PREFIXES /24 prefixes
 * spread over them. */
static int groups_config(struct bench_flowlet *f)
{
	bench_config(&f->config);
	f->config.meta.from_routes = 1;
	f->config.cfg.group_count = GROUPS;
	for (__u32 g = 0; g < GROUPS; g++) {
		struct flowlet_group *grp = &f->config.cfg.groups[g];
		const __u32 w[PATHS] = { 1 + g % 5, 1 + g / 5 % 5, 1 + g / 25,
					 1 };

		grp->members = (1u << PATHS) - 1;
		for (__u32 i = 0; i < PATHS; i++)
			grp->weights[i] = w[i];
	}
	if (config_fill_slots(&f->config) ||
	    instance_commit(&f->in, &f->config) ||
	    config_put_never(f->in.fds[MAP_PREFIX]))
		return -1;
	for (__u32 p = 0; p < GROUP_PREFIXES; p++) {
		struct flowlet_prefix_key key = { .prefixlen = 8 + 24,
						  .family = 4 };

		key.addr[0] = 10;
		key.addr[1] = 100 + p / 250;
		key.addr[2] = p % 250;
		if (config_prefix_put(f->in.fds[MAP_PREFIX], &key,
				      FLOWLET_PREFIX_BALANCE, p % GROUPS))
			return -1;
	}
	return 0;
}

/* Established flows: twice in a row through flowlet (its second packet
 * moves a flow from flowlet_new into flowlet_flows); a TCP flow's second
 * is its next segment. */
static int establish(struct bench_flowlet *f, size_t flows, bool tcp)
{
	int fd = bpf_program__fd(f->skel->progs.flowlet_xdp);
	struct flowlet_stats stats;

	for (size_t i = 0; i < flows; i++) {
		__u8 *frame = f->frames + i * FRAME_LEN;
		__u32 ns;

		if (run_once(fd, frame, &ns) != XDP_REDIRECT)
			return -1;
		if (tcp)
			next_segment(frame);
		if (run_once(fd, frame, &ns) != XDP_REDIRECT)
			return -1;
	}
	if (percpu_sum(f->in.fds[MAP_STATS], 0, &stats, sizeof(stats)) ||
	    stats.flows_established != flows) {
		fprintf(stderr,
			"bench_cost: %llu of %zu flows established in "
			"flowlet\n",
			(unsigned long long)stats.flows_established, flows);
		return -1;
	}
	return 0;
}

static int setup(struct run *r, size_t flows)
{
	__u32 lo = LO_IFINDEX;
	size_t table = table_size(flows);

	memset(r, 0, sizeof(*r));
	r->flows = flows;
	r->floors = floors__open();
	if (!r->floors ||
	    open_flowlet(&r->plain, flows, table, 0x0a000602, false) ||
	    open_flowlet(&r->groups, flows, table, 0, false) ||
	    open_flowlet(&r->tcp, flows, table, 0x0a000602, true))
		return -1;
	bpf_map__set_max_entries(r->floors->maps.bench_flows, table);
	r->floors->rodata->bench_timeout_ns = TIMEOUT_NS;
	if (flowlet__load(r->plain.skel) || flowlet__load(r->groups.skel) ||
	    flowlet__load(r->tcp.skel) || floors__load(r->floors) ||
	    instance_from_object(r->plain.skel->obj, 0, FLOWLET_HOOK_XDP,
				 &r->plain.in) ||
	    instance_from_object(r->groups.skel->obj, 0, FLOWLET_HOOK_XDP,
				 &r->groups.in) ||
	    instance_from_object(r->tcp.skel->obj, 0, FLOWLET_HOOK_XDP,
				 &r->tcp.in))
		return -1;
	for (__u32 i = 0; i < PATHS; i++) {
		if (bpf_map_update_elem(
			    bpf_map__fd(r->floors->maps.bench_ports), &i, &lo,
			    BPF_ANY))
			return -1;
	}
	if (plain_config(&r->plain) || plain_config(&r->tcp) ||
	    groups_config(&r->groups))
		return -1;
	if (establish(&r->plain, flows, false) ||
	    establish(&r->groups, flows, false) ||
	    establish(&r->tcp, flows, true))
		return -1;
	/* Once through the minimal floor. */
	for (size_t i = 0; i < flows; i++) {
		__u32 ns;

		if (run_once(prog_fd(r, V_MINIMAL),
			     r->plain.frames + i * FRAME_LEN,
			     &ns) != XDP_REDIRECT)
			return -1;
	}
	return 0;
}

static void teardown(struct run *r)
{
	struct bench_flowlet *objs[] = { &r->plain, &r->groups, &r->tcp };

	for (int i = 0; i < 3; i++) {
		instance_close(&objs[i]->in);
		flowlet__destroy(objs[i]->skel);
		free(objs[i]->frames);
	}
	floors__destroy(r->floors);
}

struct result {
	double ns[VARIANTS]; /* median over rounds, empty subtracted */
	long long redirected[VARIANTS];
	long long timed[VARIANTS];
	double empty_ns;
	/* Kernel memory per flow of table capacity (memlock / entries):
	 * flowlet's flow table and admission table for IPv4 and for IPv6,
	 * and the floor's table. */
	double bytes_per_flow, bytes_per_flow6, floor_bytes_per_flow;
	/* With the tables full: reading them (flows), a stats snapshot
	 * (which counts them), and a config commit (set); medians, ms. */
	double read_flows_ms, stats_ms, commit_ms;
};

/* The number after "@key:" in the /proc file @path, or -1. */
static double proc_field(const char *path, const char *key)
{
	size_t len = strlen(key);
	double value = -1;
	char line[128];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':')
			value = strtod(line + len + 1, NULL);
	}
	fclose(f);
	return value;
}

/* The kernel's memlock figure for map @fd (/proc/self/fdinfo). */
static double map_memlock(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return proc_field(path, "memlock");
}

static double median_ms(double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

#define SCALE_RUNS 5

/* Memory per flow, and what reading and changing a full instance takes. */
static void measure_scale(struct run *r, struct result *res)
{
	int floor_fd = bpf_map__fd(r->floors->maps.bench_flows);
	double read[SCALE_RUNS], stats[SCALE_RUNS], commit[SCALE_RUNS];
	size_t capacity =
		bpf_map__max_entries(r->plain.skel->maps.flowlet_flows);

	res->bytes_per_flow = (map_memlock(r->plain.in.fds[MAP_FLOWS]) +
			       map_memlock(r->plain.in.fds[MAP_NEW])) /
			      capacity;
	res->bytes_per_flow6 = (map_memlock(r->plain.in.fds[MAP_FLOWS6]) +
				map_memlock(r->plain.in.fds[MAP_NEW6])) /
			       capacity;
	res->floor_bytes_per_flow =
		map_memlock(floor_fd) /
		bpf_map__max_entries(r->floors->maps.bench_flows);
	for (int i = 0; i < SCALE_RUNS; i++) {
		struct flowlet_flow_key *keys;
		struct flowlet_flow *values;
		static struct snapshot snap;
		double start = monotonic_seconds();

		if (instance_read_flows(&r->plain.in, &keys, &values) >= 0) {
			free(keys);
			free(values);
		}
		read[i] = (monotonic_seconds() - start) * 1000;
		start = monotonic_seconds();
		snapshot_read(&r->plain.in, &snap);
		stats[i] = (monotonic_seconds() - start) * 1000;
		start = monotonic_seconds();
		instance_commit(&r->plain.in, &r->plain.config);
		commit[i] = (monotonic_seconds() - start) * 1000;
	}
	res->read_flows_ms = median_ms(read, SCALE_RUNS);
	res->stats_ms = median_ms(stats, SCALE_RUNS);
	res->commit_ms = median_ms(commit, SCALE_RUNS);
}

static int measure(size_t flows, int rounds, size_t calls, struct result *res)
{
	double per_round[VARIANTS][MAX_ROUNDS], empty[MAX_ROUNDS];
	__u32 *ns = calloc(calls, sizeof(*ns));
	size_t offset = 0;
	struct run r;
	int err = -1;

	memset(res, 0, sizeof(*res));
	if (!ns || setup(&r, flows)) {
		fprintf(stderr, "bench_cost: cannot set up %zu flows: %s\n",
			flows, strerror(errno));
		goto out;
	}
	for (int round = 0; round < rounds; round++) {
		/* Each round starts one variant later, so that no variant
		 * always follows the same one (whose table the caches and
		 * TLB still hold: every flowlet mode shares flowlet's). */
		for (int k = 0; k < VARIANTS; k++) {
			int v = (k + round) % VARIANTS;

			per_round[v][round] =
				batch(&r, v, calls, &offset, ns,
				      &res->redirected[v], &res->timed[v]);
			if (per_round[v][round] < 0)
				goto out;
		}
		/* The overhead of this round, off every variant's figure. */
		empty[round] = per_round[V_EMPTY][round];
		for (int v = 0; v < VARIANTS; v++)
			per_round[v][round] -= empty[round];
	}
	qsort(empty, rounds, sizeof(double), cmp_double);
	res->empty_ns = empty[rounds / 2];
	measure_scale(&r, res);
	for (int v = 0; v < VARIANTS; v++) {
		qsort(per_round[v], rounds, sizeof(double), cmp_double);
		res->ns[v] = per_round[v][rounds / 2];
	}
	err = 0;
out:
	teardown(&r);
	free(ns);
	return err;
}

/* make test's view: one line per variant and flow count, then the
 * suite's result line; timings are not looked at. */
static int check_verdicts(const struct result *res, const size_t *flows,
			  int counts, int only)
{
	for (int c = 0; c < counts; c++) {
		for (int v = V_STATELESS; v < VARIANTS; v++)
			if (only < 0 || v == only)
				tap_result(res[c].timed[v] > 0 &&
						   res[c].redirected[v] ==
							   res[c].timed[v],
					   "bench harness: %s redirects all it "
					   "times "
					   "at %zu flows (%lld of %lld)",
					   variant_name(v), flows[c],
					   res[c].redirected[v],
					   res[c].timed[v]);
	}
	return tap_finish();
}

/* The largest table: flows per family, the kernel memory of the flow
 * tables (memlock), MemAvailable before, and the load's time. */
struct largest {
	size_t flows;
	double bytes, available, load_ms;
};

static double mem_available(void)
{
	double kb = proc_field("/proc/meminfo", "MemAvailable");

	return kb < 0 ? -1 : kb * 1024;
}

/* Loads flowlet with @flows per family; the flow tables' memlock bytes
 * and the load's time, or -1 if the kernel refused. */
static double load_tables(size_t flows, double *load_ms)
{
	static const enum instance_map tables[] = { MAP_FLOWS, MAP_NEW,
						    MAP_FLOWS6, MAP_NEW6 };
	struct flowlet *skel = flowlet__open();
	struct instance in;
	double start, bytes = 0;

	if (!skel)
		return -1;
	flowlet_select_hook(skel->obj, FLOWLET_HOOK_XDP);
	flowlet_size_tables(skel, flows);
	start = monotonic_seconds();
	if (flowlet__load(skel)) {
		flowlet__destroy(skel);
		return -1;
	}
	*load_ms = (monotonic_seconds() - start) * 1000;
	if (instance_from_object(skel->obj, 0, FLOWLET_HOOK_XDP, &in)) {
		flowlet__destroy(skel);
		return -1;
	}
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		bytes += map_memlock(in.fds[tables[t]]);
	instance_close(&in);
	flowlet__destroy(skel);
	return bytes;
}

static int measure_largest(struct largest *out)
{
	double per_flow, ms;
	size_t flows = 1;

	libbpf_set_print(NULL); /* a refusal is an answer here */
	out->available = mem_available();
	per_flow = load_tables(FLOWLET_MAX_FLOWS, &ms) / FLOWLET_MAX_FLOWS;
	if (out->available <= 0 || per_flow <= 0)
		return -1;
	while ((flows * 2) * per_flow <= out->available / 2 &&
	       flows * 2 <= 0x80000000u)
		flows *= 2;
	for (; flows >= FLOWLET_MAX_FLOWS; flows /= 2) {
		out->bytes = load_tables(flows, &out->load_ms);
		if (out->bytes > 0 && out->bytes <= out->available / 2) {
			out->flows = flows;
			return 0;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const size_t all_flows[] = { 1, 1024, 65536, 1048576 };
	bool quick = false, check = false, largest = false;
	int only = -1; /* --check VARIANT: its checks alone */
	struct largest big = { 0 };
	const char *json = NULL;
	int counts = 4, rounds = 7;
	size_t calls = 20000;
	struct result res[4];
	struct utsname uts;
	FILE *out;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--check")) {
			check = true;
			if (i + 1 < argc && !strcmp(argv[i + 1], "--list")) {
				for (int v = V_STATELESS; v < VARIANTS; v++)
					printf("%s\n", variant_name(v));
				return 0;
			}
			if (i + 1 < argc && argv[i + 1][0] != '-') {
				for (int v = V_STATELESS; v < VARIANTS; v++)
					if (!strcmp(argv[i + 1],
						    variant_name(v)))
						only = v;
				if (only < 0) {
					fprintf(stderr,
						"bench_cost: no variant '%s' "
						"(--check --list)\n",
						argv[i + 1]);
					return 2;
				}
				i++;
			}
		} else if (!strcmp(argv[i], "--largest"))
			largest = true;
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else {
			fprintf(stderr,
				"usage: bench_cost [--quick] [--largest] "
				"[--json FILE] | --check [VARIANT | --list]\n");
			return 2;
		}
	}
	if (quick) {
		counts = 3;
		rounds = 3;
		calls = 5000;
	}
	if (check) {
		counts = 2;
		rounds = 1;
		calls = 1000;
	}
	for (int c = 0; c < counts; c++) {
		fprintf(stderr, "bench: %zu flows...\n", all_flows[c]);
		if (measure(all_flows[c], rounds, calls, &res[c]))
			return 1;
	}

	if (check)
		return check_verdicts(res, all_flows, counts, only);
	printf("ns per packet: one 64-byte IPv4 frame per BPF_PROG_TEST_RUN "
	       "call, minus test_run's own time (the empty program's, %.0f ns "
	       "at 1 flow);\nmedian of %d interleaved rounds of %zu calls; "
	       "(x): the ratio to the minimal flowlet switch in the same run\n",
	       res[0].empty_ns, rounds, calls);
	printf("%-12s", "");
	for (int c = 0; c < counts; c++)
		printf(" %16zu", all_flows[c]);
	printf("   flows\n");
	for (int v = V_STATELESS; v < VARIANTS; v++) {
		bool all = true;

		printf("%-12s", variant_name(v));
		for (int c = 0; c < counts; c++) {
			printf(" %8.1f (%4.2fx)", res[c].ns[v],
			       res[c].ns[v] / res[c].ns[V_MINIMAL]);
			all &= res[c].redirected[v] == res[c].timed[v];
		}
		printf("%s\n", all ? "" : "   NOT ALL REDIRECTED");
	}
	printf("\nwith every flow in the tables, ms (median of %d):\n",
	       SCALE_RUNS);
	for (int row = 0; row < 3; row++) {
		static const char *const names[] = { "read flows", "stats",
						     "set" };

		printf("%-10s", names[row]);
		for (int c = 0; c < counts; c++)
			printf(" %16.3f", row == 0   ? res[c].read_flows_ms
					  : row == 1 ? res[c].stats_ms
						     : res[c].commit_ms);
		printf("\n");
	}
	printf("\nkernel memory per flow of table capacity (memlock / "
	       "entries, flow table and admission table): flowlet %.0f "
	       "bytes per IPv4 flow,\n%.0f per IPv6 flow; the minimal floor "
	       "%.0f (one table, a 16-byte key)\n",
	       res[counts - 1].bytes_per_flow, res[counts - 1].bytes_per_flow6,
	       res[counts - 1].floor_bytes_per_flow);
	if (largest) {
		fprintf(stderr, "bench: the largest table...\n");
		if (measure_largest(&big)) {
			fprintf(stderr,
				"bench_cost: no flow table loads within "
				"half of MemAvailable\n");
			return 1;
		}
		printf("\nthe largest flow table within half of MemAvailable "
		       "(%.1f GiB): %zu flows per family, %.2f GiB of flow "
		       "tables, loaded in %.0f ms\n",
		       big.available / (1 << 30), big.flows,
		       big.bytes / (1 << 30), big.load_ms);
	}
	if (!json)
		return 0;
	out = fopen(json, "w");
	if (!out) {
		fprintf(stderr, "bench_cost: %s: %s\n", json, strerror(errno));
		return 1;
	}
	uname(&uts);
	fprintf(out,
		"{\"machine\":\"%s %s %s\",\"time\":%lld,"
		"\"per_packet\":{\"method\":\"test_run, one frame per "
		"call, empty program subtracted\",\"rounds\":%d,"
		"\"calls\":%zu,\"flows\":[",
		uts.nodename, uts.release, uts.machine, (long long)time(NULL),
		rounds, calls);
	for (int c = 0; c < counts; c++)
		fprintf(out, "%s%zu", c ? "," : "", all_flows[c]);
	fprintf(out, "],\"ns\":{");
	for (int v = V_STATELESS; v < VARIANTS; v++) {
		fprintf(out, "%s\"%s\":[", v > V_STATELESS ? "," : "",
			variant_name(v));
		for (int c = 0; c < counts; c++)
			fprintf(out, "%s%.2f", c ? "," : "", res[c].ns[v]);
		fprintf(out, "]");
	}
	fprintf(out, "},\"redirected\":{");
	for (int v = V_STATELESS; v < VARIANTS; v++) {
		fprintf(out, "%s\"%s\":[", v > V_STATELESS ? "," : "",
			variant_name(v));
		for (int c = 0; c < counts; c++)
			fprintf(out, "%s[%lld,%lld]", c ? "," : "",
				res[c].redirected[v], res[c].timed[v]);
		fprintf(out, "]");
	}
	fprintf(out,
		"}},\"scale\":{\"bytes_per_flow\":%.1f,"
		"\"bytes_per_flow6\":%.1f,\"floor_bytes_per_flow\":%.1f,"
		"\"read_flows_ms\":[",
		res[counts - 1].bytes_per_flow, res[counts - 1].bytes_per_flow6,
		res[counts - 1].floor_bytes_per_flow);
	for (int c = 0; c < counts; c++)
		fprintf(out, "%s%.3f", c ? "," : "", res[c].read_flows_ms);
	fprintf(out, "],\"stats_ms\":[");
	for (int c = 0; c < counts; c++)
		fprintf(out, "%s%.3f", c ? "," : "", res[c].stats_ms);
	fprintf(out, "],\"set_ms\":[");
	for (int c = 0; c < counts; c++)
		fprintf(out, "%s%.3f", c ? "," : "", res[c].commit_ms);
	fprintf(out, "]");
	if (largest)
		fprintf(out,
			",\"largest\":{\"flows\":%zu,\"bytes\":%.0f,"
			"\"mem_available\":%.0f,\"load_ms\":%.1f}",
			big.flows, big.bytes, big.available, big.load_ms);
	fprintf(out, "}}\n");
	fclose(out);
	return 0;
}
