/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit suite: the production flowlet object, loaded with its test
 * clock switched on (flowlet_use_test_clock), run through
 * BPF_PROG_TEST_RUN one frame per call. harness.c loads it and runs the
 * tests (all, or those the command line names); the other files hold the
 * tests, one subject each.
 */
#ifndef FLOWLET_UNIT_H
#define FLOWLET_UNIT_H

#include <stdbool.h>
#include <linux/types.h>

#include "flowlet.h"
#include "flowlet.skel.h"
#include "instance.h"
#include "packets.h"

#define LO_IFINDEX 1
#define TIMEOUT_NS FLOWLET_DEFAULT_TIMEOUT_NS

extern struct flowlet *skel;
/* The maps of the loaded object, as the loader's library sees them. */
extern struct instance unit_in;

/*
 * A test is UNIT_TEST(name) { ... } in any file of tests/unit: the Makefile
 * finds the UNIT_TEST lines and registers them (build/unit_tests.h), in
 * the order of the files and of their lines. Its results are named
 * "name: ..." or, after subtest("sub"), "name/sub: ...".
 */
#define UNIT_TEST(name) void test_##name(void)

/* Starts subtest @name of the running test: false when the command line
 * chose another subtest, and then the caller skips it. */
bool subtest(const char *name);

/* The checks: each prints one result (tests/tap.h) naming the test and,
 * when it fails, file:line; each returns whether it held, so that a test
 * can stop at its first failure: if (!CHECK(...)) return; */
bool check_result(const char *file, int line, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool check_eq_result(const char *file, int line, long long got, long long want,
		     const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* ok when @cond holds; the message says what was checked. */
#define CHECK(cond, ...) check_result(__FILE__, __LINE__, !!(cond), __VA_ARGS__)
/* ok when @got == @want; on failure both values are printed. */
#define CHECK_EQ(got, want, ...)                              \
	check_eq_result(__FILE__, __LINE__, (long long)(got), \
			(long long)(want), __VA_ARGS__)

/* A test this machine cannot run: counted as skipped, never passed. */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define SKIP(...) check_skip(__VA_ARGS__)

/* The library's last message (pr_err(), pr_warn() ...), and forgetting
 * it before a call whose message a test checks. */
const char *last_message(void);
void forget_message(void);

/* Environment knobs for make stress: a count, or @dflt when unset. */
long long env_count(const char *name, long long dflt);
bool stress_run(void);

int map_fd(struct bpf_map *map);

/* The test clock. */
void set_clock(__u64 ns);
__u64 clock_now(void);
void advance(__s64 ns);

/* The MACs path @path gets in configure(): 02:00:00:00:01|02:path. */
void path_mac(__u32 path, __u8 mac[6], bool src);

/* Empties the flow tables, zeroes counters, loads and the spray cursor. */
void reset_state(void);

/* config_init()'s defaults, with the harness's ingress port. */
void configure_defaults(struct flowlet_config *cfg);
/* @n paths on lo with @weights (NULL: all 1) and @mode, committed with
 * the loader's instance_commit(); then reset_state(). */
void configure(struct flowlet_config *cfg, int n, const __u32 *weights,
	       __u32 mode);
/* Commits @cfg as it is (slots refilled by the caller), as a --path
 * config (no route followed). */
void commit(struct flowlet_config *cfg);
/* config_fill_slots() for such a config. */
int fill_slots(struct flowlet_config *cfg);
/* Writes @cfg into the active slot in place, bypassing the commit: for
 * hostile configs only. */
void write_active_config(const struct flowlet_config *cfg);

/* Runs one frame through flowlet_xdp (run()) or @prog (an skb on lo for
 * the TC programs); the verdict, or -1 if the run failed. @out may be
 * NULL. */
int run(const __u8 *frame, size_t len, __u8 *out, __u32 *out_len);
int run_prog(struct bpf_program *prog, const __u8 *frame, size_t len, __u8 *out,
	     __u32 *out_len);
/* The path a redirected frame took (its destination MAC's last byte); -1
 * if it was not redirected. */
int send_spec(const struct pkt_spec *spec);
int send_port(__u16 sport);

struct flowlet_stats read_stats(void);
/* The established IPv4 flow (ports in host order): 0, or -1 if absent. */
int lookup_flow4(const char *src, const char *dst, __u16 sport, __u16 dport,
		 __u8 proto, struct flowlet_flow *flow);
struct flowlet_path_stats read_path_stats(__u32 path);

#endif /* FLOWLET_UNIT_H */
