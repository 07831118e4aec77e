// SPDX-License-Identifier: GPL-2.0
/* replay: the data path over a packet trace (the work is lib/replay.c). */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "replay.h"

enum {
	OPT_PATHS = OPT_COMMAND_FIRST,
	OPT_SEED,
	OPT_SWEEP,
	OPT_JSON,
};

#define MAX_SWEEP     32
#define DEFAULT_PATHS 4

static void print_result(const char *trace, const struct replay_result *r)
{
	const struct flowlet_config *cfg = &r->cfg;
	char timeout[32];
	__u64 total = 0;

	format_duration(cfg->timeout_ns, timeout, sizeof(timeout));
	print_open(NULL, '{');
	print_str("trace", "%s: ", trace);
	print_str("link_type", "%s, ", r->link_type);
	print_u64("packets", "%llu packets", r->packets);
	print_double("seconds", " over %.3f s\n",
		     r->packets ? (r->last_ns - r->first_ns) / 1e9 : 0);
	print_str("mode", "mode %s", mode_name(cfg->mode));
	print_u64("timeout_ns", NULL, cfg->timeout_ns);
	print_text(", timeout %s", timeout);
	print_u64("paths", ", %llu paths\n", cfg->path_count);
	print_u64("redirected", "redirected %llu", r->redirected);
	print_u64("too_large", ", too large to run %llu", r->too_large);
	print_u64("too_short", ", too short %llu", r->too_short);
	print_open("passed", '{');
	print_text("; to the kernel:");
	for (int i = 0; i < FLOWLET_PASS_COUNT; i++)
		print_counter(pass_reason_name(i), r->passed[i]);
	print_close('}');
	print_text("\n");
	print_u64("flows", "flows %llu", r->flows);
	print_u64("flowlets", ", flowlets %llu", r->flowlets);
	print_double("flowlets_per_flow", " (%.2f per flow)",
		     r->flows ? (double)r->flowlets / r->flows : 0);
	print_u64("path_changes", ", path changes %llu\n", r->path_changes);
	for (__u32 i = 0; i < cfg->path_count; i++)
		total += r->path_bytes[i];
	print_double("balance", "balance (max/mean bytes per path) %.3f\n",
		     replay_balance(r));
	print_text("%-6s %12s %14s %7s\n", "path", "packets", "bytes", "share");
	print_open("per_path", '[');
	for (__u32 i = 0; i < cfg->path_count; i++) {
		print_open(NULL, '{');
		print_u64("path", "%-6llu", i);
		print_u64("packets", " %12llu", r->path_packets[i]);
		print_u64("bytes", " %14llu", r->path_bytes[i]);
		print_double("share", " %6.1f%%\n",
			     total ? 100.0 * r->path_bytes[i] / total : 0);
		print_close('}');
	}
	print_close(']');
	print_gaps(r->gap_started, r->gap_continued);
	print_histogram("flowlet_packets", "flowlet sizes in packets:", false,
			r->flowlet_packets, "flowlets", NULL, NULL);
	print_histogram("flowlet_bytes", "flowlet sizes in bytes:", false,
			r->flowlet_bytes, "flowlets", NULL, NULL);
	print_histogram("flow_flowlets", "flowlets per flow:", false,
			r->flow_flowlets, "flows", NULL, NULL);
	print_close('}');
	print_end();
}

/* One row per timeout of a sweep. */
static int sweep(const char *trace, struct replay_opts *ro,
		 const __u64 *timeouts, int count, struct replay_result *r)
{
	print_open(NULL, '{');
	print_str("trace", "%s: ", trace);
	print_text("%s over %d paths\n",
		   mode_name(ro->tuning.mode_set ? ro->tuning.mode
						 : FLOWLET_MODE_FLOWLET),
		   ro->paths);
	print_text("%-10s %10s %10s %8s %12s %9s\n", "timeout", "flowlets",
		   "per flow", "packets", "path changes", "balance");
	print_open("sweep", '[');
	for (int i = 0; i < count; i++) {
		char timeout[32];

		ro->tuning.timeout_ns = timeouts[i];
		if (replay_pcap(trace, ro, r))
			return -1;
		format_duration(timeouts[i], timeout, sizeof(timeout));
		print_open(NULL, '{');
		print_u64("timeout_ns", NULL, timeouts[i]);
		print_text("%-10s", timeout);
		print_u64("flowlets", " %10llu", r->flowlets);
		print_double("flowlets_per_flow", " %10.2f",
			     r->flows ? (double)r->flowlets / r->flows : 0);
		print_double("packets_per_flowlet", " %8.1f",
			     r->flowlets ? (double)r->redirected / r->flowlets
					 : 0);
		print_u64("path_changes", " %12llu", r->path_changes);
		print_double("balance", " %9.3f\n", replay_balance(r));
		print_close('}');
	}
	print_close(']');
	print_close('}');
	print_end();
	return 0;
}

/* --sweep's list of durations. */
static int parse_sweep(const char *text, __u64 *timeouts, int *count)
{
	char *copy = strdup(text), *tok, *save = NULL;
	int err = 0;

	*count = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*count == MAX_SWEEP) {
			pr_err("--sweep: at most %d timeouts", MAX_SWEEP);
			err = -1;
		} else {
			err = parse_duration("--sweep", tok,
					     &timeouts[(*count)++]);
		}
	}
	if (!err && !*count) {
		pr_err("--sweep: no timeout");
		err = -1;
	}
	free(copy);
	return err;
}

const struct cmd_option replay_options[] = {
	TUNING_OPTIONS(TIMEOUT_OPTION_FIXED),
	OPTION("sweep", OPT_SWEEP, "D1,D2,...",
	       "replay once per timeout (up to @0): one row each (flowlets, "
	       "packets per flowlet, path changes, balance)",
	       .kinds = "n", .args = { MAX_SWEEP }),
	OPTION("paths", OPT_PATHS, "N", "over N paths, 1-@0 (default @1)",
	       .kinds = "nn", .args = { FLOWLET_MAX_PATHS, DEFAULT_PATHS }),
	OPTION("seed", OPT_SEED, "N", "the flow hash's seed (default 0)"),
	OPTION("json", OPT_JSON, NULL, "one JSON object"),
	{ 0 },
};

int cmd_replay(int argc, char **argv)
{
	struct replay_opts ro = { .paths = DEFAULT_PATHS };
	struct config_tuning *t = &ro.tuning;
	struct replay_result *r;
	int opt, status = EXIT_OK, err, sweeps = 0;
	__u64 timeouts[MAX_SWEEP];
	bool json = false;
	const char *trace;
	__u64 paths, value;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, replay_options, &status)) !=
		       -1) {
		if (command_tuning(opt, optarg, t, &status))
			continue;
		switch (opt) {
		case OPT_PATHS:
			if (parse_uint("--paths", optarg, 1, FLOWLET_MAX_PATHS,
				       &paths))
				status = EXIT_USAGE;
			ro.paths = paths;
			break;
		case OPT_SEED:
			if (parse_uint("--seed", optarg, 0, 0xffffffffu,
				       &value))
				status = EXIT_USAGE;
			ro.seed = value;
			break;
		case OPT_SWEEP:
			if (parse_sweep(optarg, timeouts, &sweeps))
				status = EXIT_USAGE;
			break;
		case OPT_JSON:
			json = true;
			break;
		}
	}
	if (status == EXIT_OK && t->timeout_auto) {
		pr_err("replay: --timeout auto follows a live instance's "
		       "measured delays: give a duration");
		status = EXIT_USAGE;
	}
	if (status != EXIT_OK)
		return status;
	trace = command_arg(argc, argv, "TRACE", true);
	if (!trace)
		return EXIT_USAGE;
	if (sweeps && t->timeout_ns) {
		pr_err("--timeout and --sweep: one or the other");
		return EXIT_USAGE;
	}
	if (t->weight_count && t->weight_count != ro.paths) {
		pr_err("%d weights for %d paths", t->weight_count, ro.paths);
		return EXIT_USAGE;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	print_start(json);
	if (sweeps) {
		err = sweep(trace, &ro, timeouts, sweeps, r);
	} else {
		err = replay_pcap(trace, &ro, r);
		if (!err)
			print_result(trace, r);
	}
	free(r);
	return err ? EXIT_FAIL : EXIT_OK;
}
