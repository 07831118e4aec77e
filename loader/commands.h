/* SPDX-License-Identifier: GPL-2.0 */
/* flowletctl's subcommands. Each gets argv from its own name on and
 * returns the process exit status; main.c only dispatches. */
#ifndef FLOWLET_COMMANDS_H
#define FLOWLET_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "flowlet.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	/* the kernel or the network said no */
	EXIT_USAGE = 2, /* a bad argument */
};

#define FLOWLET_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	bool modes;		   /* its --help lists the modes */
	bool hooks;		   /* and the hooks */
	const struct option *opts; /* what it parses */
};

/* table.c: every command. */
extern const struct command command_table[];
extern const size_t command_count;

extern const struct option attach_options[], set_options[], watch_options[],
	stats_options[], flows_options[], status_options[], replay_options[],
	exporter_options[], detach_options[], docs_options[], top_options[];

int cmd_attach(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
int cmd_docs(int argc, char **argv);
int cmd_top(int argc, char **argv);

/* The command main() runs (for messages and --help). */
extern const struct command *command_current;

void command_usage(const struct command *cmd, FILE *out);

/*
 * getopt_long() for a subcommand: returns the option, or -1 at the end.
 * --help prints the command's usage and ends the process; an unknown
 * option or a missing value prints one line and sets *status to EXIT_USAGE
 * (the caller returns it).
 */
int command_getopt(int argc, char **argv, const struct option *opts,
		   int *status);

/* The single positional argument after the options (@what names it in
 * messages), or NULL after an error; command_iface() for an IFACE. */
const char *command_arg(int argc, char **argv, const char *what, bool required);
const char *command_iface(int argc, char **argv, bool required);

/* The options of a config's tuning (attach, set, replay): their codes,
 * TUNING_OPTIONS in a struct option table, command_tuning() to parse
 * one (1 if @opt was one; *status is EXIT_USAGE after a bad value). A
 * command's own long-only options start at OPT_COMMAND_FIRST. */
enum {
	OPT_MODE = 'm',
	OPT_TIMEOUT = 't',
	OPT_WEIGHTS = 'w',
	OPT_HALFLIFE = 256,
	OPT_TELEMETRY,
	OPT_HOOK,
	OPT_COMMAND_FIRST,
};
/* clang-format off */
#define TUNING_OPTIONS                                               \
	{ "mode", required_argument, NULL, OPT_MODE },               \
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },         \
	{ "weights", required_argument, NULL, OPT_WEIGHTS },         \
	{ "load-halflife", required_argument, NULL, OPT_HALFLIFE },   \
	{ "telemetry", required_argument, NULL, OPT_TELEMETRY }
/* clang-format on */
struct config_tuning;
int command_tuning(int opt, const char *value, struct config_tuning *t,
		   int *status);

/* --hook HOOK: which of an interface's instances (HOOK_OPTION in a
 * struct option table); command_hook() parses it into *hook (1 if @opt
 * was it; *status is EXIT_USAGE after a bad value). */
#define HOOK_OPTION                                       \
	{                                                 \
		"hook", required_argument, NULL, OPT_HOOK \
	}
int command_hook(int opt, const char *value, enum flowlet_hook *hook,
		 int *status);

struct instance;
/* After the options: the IFACE argument and flowlet's instance at @hook
 * of it (FLOWLET_HOOK_COUNT: the one hook where it runs). Returns
 * EXIT_OK, or the status to exit with after an error. */
int command_instance(int argc, char **argv, enum flowlet_hook hook,
		     struct instance *in);

#endif /* FLOWLET_COMMANDS_H */
