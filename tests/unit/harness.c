// SPDX-License-Identifier: GPL-2.0
/*
 * The unit suite's runner: loads the production object with the test
 * clock on and runs the tests that UNIT_TEST registered (unit.h), or
 * those the command line names; TAP results (tests/tap.h).
 *
 *   build/test_unit                 every test
 *   build/test_unit ecmp            the tests whose name starts with ecmp
 *   build/test_unit leastload/decay one subtest of one test
 *   build/test_unit --list          the tests and their subtests
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
#include "log.h"
#include "tap.h"
#include "unit.h"

struct flowlet *skel;
struct instance unit_in;

/* build/unit_tests.h: UNIT_TEST_ENTRY(test) for each UNIT_TEST line and
 * UNIT_SUBTEST_ENTRY(test, "sub") for each of its subtest() calls. */
#define UNIT_TEST_ENTRY(name) UNIT_TEST(name);
#define UNIT_SUBTEST_ENTRY(name, sub)
#include "unit_tests.h"
#undef UNIT_TEST_ENTRY
#undef UNIT_SUBTEST_ENTRY

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define UNIT_TEST_ENTRY(name) { #name, test_##name },
#define UNIT_SUBTEST_ENTRY(name, sub)
#include "unit_tests.h"
#undef UNIT_TEST_ENTRY
#undef UNIT_SUBTEST_ENTRY
};

static const char *const listing[] = {
#define UNIT_TEST_ENTRY(name)	      #name,
#define UNIT_SUBTEST_ENTRY(name, sub) #name "/" sub,
#include "unit_tests.h"
#undef UNIT_TEST_ENTRY
#undef UNIT_SUBTEST_ENTRY
};

/* The library's messages: kept (the last one) for tests to check, then
 * handed to the printer before (flowletctl's, on stderr: tests/run.sh
 * shows a suite's stderr when it fails). */
static char message[256];
static log_print_fn next_printer;

static void keep_message(enum log_level level, const char *fmt, va_list args)
{
	va_list copy;

	va_copy(copy, args);
	vsnprintf(message, sizeof(message), fmt, copy);
	va_end(copy);
	next_printer(level, fmt, args);
}

const char *last_message(void)
{
	return message;
}

void forget_message(void)
{
	message[0] = '\0';
}

/* The running test and subtest, and what the command line chose. */
static const char *test_name, *subtest_name, *only_subtest;
static bool subtest_found;
static char result_prefix[96];

static void name_results(void)
{
	snprintf(result_prefix, sizeof(result_prefix), "%s%s%s: ", test_name,
		 subtest_name ? "/" : "", subtest_name ? subtest_name : "");
}

bool subtest(const char *name)
{
	if (only_subtest && strcmp(only_subtest, name))
		return false;
	subtest_found = true;
	subtest_name = name;
	name_results();
	return true;
}

static bool vcheck(const char *file, int line, bool ok, const char *extra,
		   const char *fmt, va_list ap)
{
	char what[512];

	vsnprintf(what, sizeof(what), fmt, ap);
	tap_result(ok, "%s%s%s", result_prefix, what, ok ? "" : extra);
	if (!ok)
		tap_diag("at %s:%d", file, line);
	return ok;
}

bool check_result(const char *file, int line, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(file, line, ok, "", fmt, ap);
	va_end(ap);
	return ok;
}

bool check_eq_result(const char *file, int line, long long got, long long want,
		     const char *fmt, ...)
{
	char extra[96];
	va_list ap;

	snprintf(extra, sizeof(extra), ": got %lld, expected %lld", got, want);
	va_start(ap, fmt);
	vcheck(file, line, got == want, extra, fmt, ap);
	va_end(ap);
	return got == want;
}

void check_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vskip(result_prefix, fmt, ap);
	va_end(ap);
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
	/* Room for the larger of the per-CPU values zeroed below. */
	void *zeros = calloc(cpus, sizeof(struct flowlet_stats) >
						   sizeof(struct flowlet_gaps)
					   ? sizeof(struct flowlet_stats)
					   : sizeof(struct flowlet_gaps));
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
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++)
		instance_reset_path(&unit_in, i);
	for (__u32 g = 0; g < FLOWLET_MAX_GROUPS; g++)
		bpf_map_update_elem(map_fd(skel->maps.flowlet_gaps), &g, zeros,
				    BPF_ANY);
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
	struct instance_config c = { .cfg = *cfg };

	if (instance_commit(&unit_in, &c))
		fprintf(stderr, "unit: cannot commit the config\n");
	*cfg = c.cfg;
}

int fill_slots(struct flowlet_config *cfg)
{
	struct instance_config c = { .cfg = *cfg };
	int err = config_fill_slots(&c);

	*cfg = c.cfg;
	return err;
}

void write_active_config(const struct flowlet_config *cfg)
{
	int slot = instance_active_slot(&unit_in);

	if (slot < 0 || bpf_map_update_elem(map_fd(skel->maps.flowlet_config),
					    &slot, cfg, BPF_ANY))
		fprintf(stderr, "unit: cannot write the config: %s\n",
			strerror(errno));
}

void configure_defaults(struct flowlet_config *cfg)
{
	struct instance_config defaults;

	config_init(&defaults);
	*cfg = defaults.cfg;
	memcpy(cfg->ingress[0].mac, ingress_mac, 6);
	cfg->ingress_count = 1;
}

void configure(struct flowlet_config *cfg, int n, const __u32 *weights,
	       __u32 mode)
{
	configure_defaults(cfg);
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
	if (fill_slots(cfg))
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

/* Runs the tests @only chooses: NAME (a prefix
 * of test names) or NAME/SUBTEST. The number of tests it chose. */
static size_t run_tests(const char *only)
{
	size_t count = sizeof(tests) / sizeof(tests[0]), ran = 0;
	const char *slash = only ? strchr(only, '/') : NULL;
	size_t len = only ? (slash ? (size_t)(slash - only) : strlen(only)) : 0;

	only_subtest = slash ? slash + 1 : NULL;
	for (size_t i = 0; i < count; i++) {
		if (only && (strncmp(tests[i].name, only, len) ||
			     (slash && tests[i].name[len])))
			continue;
		test_name = tests[i].name;
		subtest_name = NULL;
		name_results();
		subtest_found = false;
		tests[i].fn();
		if (only_subtest && !subtest_found)
			tap_result(false, "%s has no subtest %s (--list)",
				   test_name, only_subtest);
		ran++;
	}
	return ran;
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	if (only && !strcmp(only, "--list")) {
		for (size_t i = 0; i < sizeof(listing) / sizeof(listing[0]);
		     i++)
			printf("%s\n", listing[i]);
		return 0;
	}
	next_printer = log_set_print(keep_message);
	if (load()) {
		tap_result(false,
			   "cannot load the flowlet object with the test "
			   "clock: %s",
			   strerror(errno));
		return tap_finish();
	}
	if (!run_tests(only))
		tap_result(false, "no unit test is named %s (--list)", only);
	instance_close(&unit_in);
	flowlet__destroy(skel);
	return tap_finish();
}
