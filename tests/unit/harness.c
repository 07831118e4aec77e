// SPDX-License-Identifier: GPL-2.0
/*
 * The unit suite's runner: loads the production object with the test
 * clock on, runs every test of the table below (or those whose name
 * starts with argv[1]) and ends with "N passed, N failed".
 *
 *   build/test_unit            every test
 *   build/test_unit fuzz       the tests named fuzz*
 *   build/test_unit --list     the test names
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "parse.h"
#include "config.h"
#include "unit.h"

struct flowlet *skel;
struct instance unit_in;
static int passed, failed, skipped;

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "btf_layout", test_btf_layout },
	{ "fixtures", test_fixtures },
	{ "tc_hooks", test_tc_hooks },
	{ "fragments", test_fragments_share_flow },
	{ "prefix_change", test_prefix_change },
	{ "truncations", test_truncations },
	{ "slot_table", test_slot_table },
	{ "route_paths", test_route_paths },
	{ "ecmp_weights", test_ecmp_weights },
	{ "ecmp_sticky", test_ecmp_sticky },
	{ "ecmp_commits", test_ecmp_follows_commits },
	{ "spray", test_spray_round_robin },
	{ "flowlet_gaps", test_flowlet_gaps },
	{ "clock_behind", test_clock_behind },
	{ "telemetry", test_telemetry },
	{ "flowlet_weights", test_flowlet_mode_weights },
	{ "leastload", test_leastload },
	{ "down_path", test_down_path },
	{ "drain_and_down", test_drain_and_down },
	{ "live_change", test_live_change },
	{ "hostile_config", test_hostile_config },
	{ "missing_port", test_missing_port },
	{ "counters", test_counters },
	{ "update", test_update },
	{ "atomic_config", test_atomic_config },
	{ "two_cpus", test_two_cpus },
	{ "fuzz", test_fuzz },
	{ "churn", test_churn },
	{ "flood", test_flood },
};

static void vresult(bool ok, const char *fmt, va_list ap, const char *extra)
{
	printf(ok ? "ok   - " : "FAIL - ");
	vprintf(fmt, ap);
	printf("%s\n", ok ? "" : extra);
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

void check_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresult(ok, fmt, ap, "");
	va_end(ap);
}

void check_eq_result(long long got, long long want, const char *fmt, ...)
{
	char extra[96];
	va_list ap;

	snprintf(extra, sizeof(extra), ": got %lld, expected %lld", got, want);
	va_start(ap, fmt);
	vresult(got == want, fmt, ap, extra);
	va_end(ap);
}

void check_skip(const char *fmt, ...)
{
	va_list ap;

	printf("skip - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	skipped++;
}

long long env_count(const char *name, long long dflt)
{
	const char *text = getenv(name);

	return text && *text ? strtoll(text, NULL, 0) : dflt;
}

bool stress_run(void)
{
	return env_count("FLOWLET_STRESS", 0) != 0;
}

int map_fd(struct bpf_map *map)
{
	return bpf_map__fd(map);
}

void set_clock(__u64 ns)
{
	__atomic_store_n(&skel->bss->flowlet_clock_ns, ns, __ATOMIC_RELAXED);
}

__u64 clock_now(void)
{
	return __atomic_load_n(&skel->bss->flowlet_clock_ns, __ATOMIC_RELAXED);
}

void advance(__s64 ns)
{
	set_clock(clock_now() + ns);
}

void path_mac(__u32 path, __u8 mac[6], bool src)
{
	const __u8 base[6] = { 0x02, 0, 0, 0, src ? 0x02 : 0x01, 0 };

	memcpy(mac, base, 6);
	mac[5] = path;
}

void reset_state(void)
{
	int cpus = libbpf_num_possible_cpus();
	void *zeros = calloc(cpus, sizeof(struct flowlet_stats));
	struct flowlet_load load = { 0 };
	static const enum instance_map tables[] = { MAP_FLOWS, MAP_NEW,
						    MAP_FLOWS6, MAP_NEW6 };
	struct flowlet_flow_key key; /* the larger of the two keys */
	__u32 zero = 0;
	__u64 cursor = 0;

	for (int t = 0; t < 4; t++) {
		int fd = unit_in.fds[tables[t]];

		while (!bpf_map_get_next_key(fd, NULL, &key))
			bpf_map_delete_elem(fd, &key);
	}
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
		bpf_map_update_elem(map_fd(skel->maps.flowlet_pstats), &i,
				    zeros, BPF_ANY);
		bpf_map_update_elem(map_fd(skel->maps.flowlet_load), &i, &load,
				    BPF_ANY);
	}
	bpf_map_update_elem(map_fd(skel->maps.flowlet_stats), &zero, zeros,
			    BPF_ANY);
	bpf_map_update_elem(map_fd(skel->maps.flowlet_spray), &zero, &cursor,
			    BPF_ANY);
	free(zeros);
	set_clock(1000000000ULL);
}

int lookup_flow4(const char *src, const char *dst, __u16 sport, __u16 dport,
		 __u8 proto, struct flowlet_flow *flow)
{
	struct flowlet_flow_key4 key = { .sport = htons(sport),
					 .dport = htons(dport),
					 .proto = proto };

	if (inet_pton(AF_INET, src, &key.src) != 1 ||
	    inet_pton(AF_INET, dst, &key.dst) != 1)
		return -1;
	return bpf_map_lookup_elem(unit_in.fds[MAP_FLOWS], &key, flow) ? -1 : 0;
}

void commit(struct flowlet_config *cfg)
{
	if (instance_commit(&unit_in, cfg))
		fprintf(stderr, "unit: cannot commit the config\n");
}

void write_active_config(const struct flowlet_config *cfg)
{
	int slot = instance_active_slot(&unit_in);

	if (slot < 0 || bpf_map_update_elem(map_fd(skel->maps.flowlet_config),
					    &slot, cfg, BPF_ANY))
		fprintf(stderr, "unit: cannot write the config: %s\n",
			strerror(errno));
}

void configure(struct flowlet_config *cfg, int n, const __u32 *weights,
	       __u32 mode)
{
	config_init(cfg);
	memcpy(cfg->ingress[0].mac, ingress_mac, 6);
	cfg->ingress_count = 1;
	cfg->mode = mode;
	cfg->timeout_ns = TIMEOUT_NS;
	cfg->hash_seed = 0x5eed;
	cfg->path_count = n;
	for (int i = 0; i < n; i++) {
		struct flowlet_path *p = &cfg->paths[i];

		p->ifindex = LO_IFINDEX;
		p->weight = weights ? weights[i] : 1;
		path_mac(i, p->dst_mac, false);
		path_mac(i, p->src_mac, true);
	}
	if (config_fill_slots(cfg))
		fprintf(stderr, "unit: bad weights\n");
	commit(cfg);
	reset_state();
}

int run_prog(struct bpf_program *prog, const __u8 *frame, size_t len, __u8 *out,
	     __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .data_out = out,
		    .data_size_out = out ? MAX_FRAME : 0, .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	if (err) {
		fprintf(stderr, "unit: BPF_PROG_TEST_RUN: %s\n",
			strerror(errno));
		return -1;
	}
	if (out_len)
		*out_len = opts.data_size_out;
	return opts.retval;
}

int run(const __u8 *frame, size_t len, __u8 *out, __u32 *out_len)
{
	return run_prog(skel->progs.flowlet_xdp, frame, len, out, out_len);
}

int send_spec(const struct pkt_spec *spec)
{
	__u8 frame[MAX_FRAME], out[MAX_FRAME];
	size_t len = build_packet(spec, frame);
	__u32 out_len;

	if (run(frame, len, out, &out_len) != XDP_REDIRECT)
		return -1;
	return out[5];
}

int send_port(__u16 sport)
{
	struct pkt_spec spec = { .sport = sport };

	return send_spec(&spec);
}

struct flowlet_stats read_stats(void)
{
	struct flowlet_stats sum = { 0 };

	percpu_sum(map_fd(skel->maps.flowlet_stats), 0, &sum, sizeof(sum));
	return sum;
}

struct flowlet_path_stats read_path_stats(__u32 path)
{
	struct flowlet_path_stats sum = { 0 };

	percpu_sum(map_fd(skel->maps.flowlet_pstats), path, &sum, sizeof(sum));
	return sum;
}

static int load(void)
{
	struct flowlet_prefix_key prefixes[2];

	skel = flowlet__open();
	if (!skel)
		return -1;
	skel->rodata->flowlet_use_test_clock = true;
	if (flowlet__load(skel) ||
	    instance_from_object(skel->obj, 0, FLOWLET_HOOK_XDP, &unit_in))
		return -1;
	if (parse_prefix("10.0.6.0/24", &prefixes[0]) ||
	    parse_prefix("2001:db8:6::/48", &prefixes[1]) ||
	    config_fill_prefixes(unit_in.fds[MAP_PREFIX], prefixes, 2))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	size_t count = sizeof(tests) / sizeof(tests[0]), ran = 0;

	if (only && !strcmp(only, "--list")) {
		for (size_t i = 0; i < count; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (load()) {
		printf("FAIL - cannot load the flowlet object with the test "
		       "clock: %s\n",
		       strerror(errno));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (size_t i = 0; i < count; i++) {
		if (only && strncmp(tests[i].name, only, strlen(only)))
			continue;
		tests[i].fn();
		ran++;
	}
	if (!ran)
		check_result(false, "no unit test is named %s* (--list)", only);
	instance_close(&unit_in);
	flowlet__destroy(skel);
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
