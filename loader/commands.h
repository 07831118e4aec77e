/* SPDX-License-Identifier: GPL-2.0 */
/* flowletctl's subcommands. Each gets argv from its own name on and
 * returns the process exit status; main.c only dispatches. */
#ifndef FLOWLET_COMMANDS_H
#define FLOWLET_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "flowlet.h"
#include "names.h"
#include "parse.h"

/* The exit statuses: EXIT_name, its value, what it says. */
#define EXIT_STATUSES(X)                                \
	X(OK, 0, "ok")                                  \
	X(FAIL, 1, "the kernel or the network refused") \
	X(USAGE, 2, "bad arguments")

enum exit_status {
#define X(name, value, what) EXIT_##name = value,
	EXIT_STATUSES(X)
#undef X
};

/* "0 ok, 1 the kernel or the network refused, 2 bad arguments." */
void exit_status_help(FILE *out);

/* FLOWLET_VERSION comes from the Makefile (debian/changelog). */

/*
 * One row per option of a command: the one description of it. The
 * command's getopt table, its synopsis and --help, the man page, the bash
 * completion and the reference in docs/ (cmd_docs.c) are made from it.
 * Its help may name @0, @1 and @2, the row's args, printed as @kinds says
 * ('n' a number, 'd' a duration in ns), so that a default or a limit is
 * printed from the C constant that sets it.
 */
struct cmd_option {
	const char *name;    /* --NAME */
	int val;	     /* what command_getopt() returns for it */
	const char *metavar; /* its value, e.g. "DURATION"; NULL: a flag */
	const char *help;    /* one paragraph, wrapped when printed */
	const char *kinds;   /* of args, one letter each */
	unsigned long long args[3];
	bool repeat; /* may be given several times */
	/* What its value completes to: fixed words, or a name table's. */
	const char *words;
	void (*words_fn)(char *buf, size_t len);
};

/* A row of a table of struct cmd_option; what follows @help: .kinds and
 * .args, .repeat, .words or .words_fn. */
#define OPTION(name_, val_, metavar_, help_, ...)                      \
	{                                                              \
		.name = (name_), .val = (val_), .metavar = (metavar_), \
		.help = (help_), __VA_ARGS__                           \
	}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	/* The synopsis before the options' brackets: arguments, and options
	 * that go together ("IFACE (--path DEV@NEXTHOP ... | ...)"); every
	 * option it names is a row of @opts. */
	const char *args;
	const char *description;       /* one paragraph, wrapped when printed */
	bool modes;		       /* its --help lists the modes */
	bool hooks;		       /* and the hooks */
	const struct cmd_option *opts; /* ends with { 0 } */
};

/* table.c: every command. */
extern const struct command command_table[];
extern const size_t command_count;

extern const struct cmd_option attach_options[], set_options[], watch_options[],
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

/* The command's synopsis ("flowletctl NAME ARGS [--opt V] ...", wrapped),
 * its usage (the synopsis, the description and a line per option), and
 * an option's help with its args filled in. */
void command_synopsis(const struct command *cmd, FILE *out);
void command_usage(const struct command *cmd, FILE *out);
/* The usage without the modes' and hooks' lists. */
void command_help(const struct command *cmd, FILE *out);
/* "Durations take ns, us, ms or s.", each unit between @quote. */
void duration_help(FILE *out, const char *quote);
void command_option_help(const struct cmd_option *o, char *buf, size_t len);
/* Whether @text names --@name (as a whole word). */
bool command_names_option(const char *text, const char *name);

/*
 * getopt_long() for a subcommand: returns the option, or -1 at the end.
 * --help prints the command's usage and ends the process; an unknown
 * option or a missing value prints one line and sets *status to EXIT_USAGE
 * (the caller returns it).
 */
int command_getopt(int argc, char **argv, const struct cmd_option *opts,
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
/* --timeout of a live instance (attach, set) and of a replay, where
 * nothing is measured. */
#define TIMEOUT_OPTION_LIVE                                                  \
	OPTION("timeout", OPT_TIMEOUT, "DURATION|auto",                      \
	       "the flowlet gap: a flow may change paths after a gap this "  \
	       "long; auto (the default): each path group's from its "       \
	       "paths' delays, which watch measures (@0 until it has)",      \
	       .kinds = "d", .args = { FLOWLET_DEFAULT_TIMEOUT_NS })
#define TIMEOUT_OPTION_FIXED                                                 \
	OPTION("timeout", OPT_TIMEOUT, "DURATION",                           \
	       "the flowlet gap: a flow may change paths after a gap this "  \
	       "long (default @0)",                                          \
	       .kinds = "d", .args = { FLOWLET_DEFAULT_TIMEOUT_NS })
#define TUNING_OPTIONS(timeout_option)                                       \
	OPTION("mode", OPT_MODE, "MODE", "how paths are chosen: see Modes",  \
	       .words_fn = mode_words),                                      \
	timeout_option,                                                      \
	OPTION("weights", OPT_WEIGHTS, "W1,W2,...",                          \
	       "one weight 0-@0 per path (default all 1), adding up to at "  \
	       "most @1; 0 takes a path out of rotation",                    \
	       .kinds = "nn", .args = { FLOWLET_MAX_WEIGHT, FLOWLET_SLOTS }), \
	OPTION("load-halflife", OPT_HALFLIFE, "DURATION",                    \
	       "the half-life of leastload's rate estimate (default @0)",    \
	       .kinds = "d", .args = { FLOWLET_DEFAULT_LOAD_HALFLIFE_NS }),  \
	OPTION("telemetry", OPT_TELEMETRY, "on|off",                         \
	       "histograms of gaps and flowlet sizes, shown by stats "       \
	       "(default on)", .words = "on off")
/* clang-format on */
struct config_tuning;
int command_tuning(int opt, const char *value, struct config_tuning *t,
		   int *status);

/* --hook HOOK: which of an interface's instances (HOOK_OPTION in a
 * struct option table); command_hook() parses it into *hook (1 if @opt
 * was it; *status is EXIT_USAGE after a bad value). */
#define HOOK_OPTION                                                     \
	OPTION("hook", OPT_HOOK, "HOOK",                                \
	       "which instance, when flowlet runs at several hooks of " \
	       "IFACE: see Hooks",                                      \
	       .words_fn = hook_words)
int command_hook(int opt, const char *value, enum flowlet_hook *hook,
		 int *status);

struct instance;
/* After the options: the IFACE argument and flowlet's instance at @hook
 * of it (FLOWLET_HOOK_COUNT: the one hook where it runs). Returns
 * EXIT_OK, or the status to exit with after an error. */
int command_instance(int argc, char **argv, enum flowlet_hook hook,
		     struct instance *in);

#endif /* FLOWLET_COMMANDS_H */
