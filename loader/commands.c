// SPDX-License-Identifier: GPL-2.0
/* What every command shares: options, the IFACE argument, --help. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "parse.h"

const struct command *command_current;

#define WIDTH	  78 /* of --help's lines */
#define HELP_COL  23 /* where an option's help starts */
#define MAX_LONGS 32 /* options of one command */

/* Prints @text from column @col, wrapped at @width, continuation lines
 * indented by @indent; @keep: a character that joins words never to be
 * split (printed as a space). Ends the line. */
static void wrap(FILE *out, const char *text, int col, int indent, int width,
		 char keep)
{
	const char *word = text;
	bool first = true;

	while (*word) {
		size_t len = strcspn(word, " ");

		if (!first && col + 1 + (int)len > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		for (size_t i = 0; i < len; i++)
			fputc(word[i] == keep ? ' ' : word[i], out);
		col += len;
		word += len;
		while (*word == ' ')
			word++;
		first = false;
	}
	fputc('\n', out);
}

bool command_names_option(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *at = strstr(text, "--"); at;
	     at = strstr(at + 2, "--")) {
		char next = at[2 + len];

		if (!strncmp(at + 2, name, len) &&
		    !(isalnum((unsigned char)next) || next == '-'))
			return true;
	}
	return false;
}

void command_synopsis(const struct command *cmd, FILE *out)
{
	char line[1024];
	size_t n;

	n = snprintf(line, sizeof(line), "flowletctl %s%s%s", cmd->name,
		     *cmd->args ? " " : "", cmd->args);
	for (const struct cmd_option *o = cmd->opts;
	     o->name && n < sizeof(line); o++) {
		if (command_names_option(cmd->args, o->name))
			continue;
		/* '\1' keeps an option and its value on one line */
		n += snprintf(line + n, sizeof(line) - n, " [--%s%s%s%s]",
			      o->name, o->metavar ? "\1" : "",
			      o->metavar ? o->metavar : "",
			      o->repeat ? "\1..." : "");
	}
	/* room for the "usage: " of --help */
	wrap(out, line, 0, 7, WIDTH - 7, '\1');
}

void command_option_help(const struct cmd_option *o, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *c = o->help; *c && n + 1 < len; c++) {
		int arg = c[0] == '@' ? c[1] - '0' : -1;

		if (arg < 0 || arg > 2 || !o->kinds ||
		    strlen(o->kinds) <= (size_t)arg) {
			buf[n++] = *c;
			continue;
		}
		if (o->kinds[arg] == 'd')
			format_duration(o->args[arg], buf + n, len - n);
		else
			snprintf(buf + n, len - n, "%llu", o->args[arg]);
		n += strlen(buf + n);
		c++;
	}
	buf[n < len ? n : len - 1] = '\0';
}

void command_help(const struct command *cmd, FILE *out)
{
	char help[512], name[64];

	command_synopsis(cmd, out);
	fprintf(out, "  ");
	wrap(out, cmd->description, 2, 2, WIDTH, 0);
	for (const struct cmd_option *o = cmd->opts; o->name; o++) {
		int col = snprintf(name, sizeof(name), "  --%s%s%s", o->name,
				   o->metavar ? " " : "",
				   o->metavar ? o->metavar : "");

		command_option_help(o, help, sizeof(help));
		fprintf(out, "%s", name);
		if (col + 1 > HELP_COL)
			fprintf(out, "\n%*s", HELP_COL, "");
		else
			fprintf(out, "%*s", HELP_COL - col, "");
		wrap(out, help, HELP_COL, HELP_COL, WIDTH, 0);
	}
}

void command_usage(const struct command *cmd, FILE *out)
{
	command_help(cmd, out);
	if (cmd->modes) {
		fprintf(out, "Modes:\n");
		mode_help(out);
	}
	if (cmd->hooks) {
		fprintf(out, "Hooks:\n");
		hook_help(out);
	}
}

void duration_help(FILE *out, const char *quote)
{
	fprintf(out, "Durations take");
	for (size_t i = duration_unit_count; i-- > 0;) {
		const char *sep = i > 1 ? "," : i ? " or" : ".";

		fprintf(out, " %s%s%s%s", quote, duration_units[i].suffix,
			quote, sep);
	}
}

void exit_status_help(FILE *out)
{
	const char *sep = "";

#define X(name, value, what)                             \
	fprintf(out, "%s%d %s", sep, EXIT_##name, what); \
	sep = ", ";
	EXIT_STATUSES(X)
#undef X
	fprintf(out, ".");
}

int command_getopt(int argc, char **argv, const struct cmd_option *opts,
		   int *status)
{
	const struct command *cmd = command_current;
	struct option longs[MAX_LONGS + 2] = { 0 };
	char shorts[2 * MAX_LONGS + 2] = ":";
	size_t n = 1, count = 0;
	int opt;

	for (const struct cmd_option *o = opts; o->name && count < MAX_LONGS;
	     o++, count++) {
		longs[count] = (struct option){ o->name,
						o->metavar ? required_argument
							   : no_argument,
						NULL, o->val };
		if (o->val > ' ' && o->val < 127) {
			shorts[n++] = o->val;
			if (o->metavar)
				shorts[n++] = ':';
		}
	}
	longs[count] = (struct option){ "help", no_argument, NULL, 'h' };
	shorts[n] = '\0';
	opterr = 0;
	opt = getopt_long(argc, argv, shorts, longs, NULL);
	switch (opt) {
	case 'h':
		printf("usage: ");
		command_usage(cmd, stdout);
		exit(EXIT_OK);
	case ':':
		pr_err("%s: option '%s' needs a value", cmd->name,
		       argv[optind - 1]);
		*status = EXIT_USAGE;
		break;
	case '?':
		pr_err("%s: unknown option '%s' (see flowletctl %s --help)",
		       cmd->name, argv[optind - 1], cmd->name);
		*status = EXIT_USAGE;
		break;
	}
	return opt;
}

const char *command_arg(int argc, char **argv, const char *what, bool required)
{
	const char *name = command_current->name;

	if (optind < argc - 1) {
		pr_err("%s: unexpected argument '%s'", name, argv[optind + 1]);
		return NULL;
	}
	if (optind == argc) {
		if (required)
			pr_err("%s: missing %s (see flowletctl %s --help)",
			       name, what, name);
		return NULL;
	}
	return argv[optind];
}

const char *command_iface(int argc, char **argv, bool required)
{
	return command_arg(argc, argv, "IFACE", required);
}

int command_hook(int opt, const char *value, enum flowlet_hook *hook,
		 int *status)
{
	char hooks[64];
	int found;

	if (opt != OPT_HOOK)
		return 0;
	found = hook_lookup(value);
	if (found < 0) {
		hook_list(hooks, sizeof(hooks));
		pr_err("--hook: unknown hook '%s' (%s)", value, hooks);
		*status = EXIT_USAGE;
	} else {
		*hook = found;
	}
	return 1;
}

int command_instance(int argc, char **argv, enum flowlet_hook hook,
		     struct instance *in)
{
	const char *iface = command_iface(argc, argv, true);

	if (!iface)
		return EXIT_USAGE;
	return instance_open(iface, hook, in) ? EXIT_FAIL : EXIT_OK;
}

int command_tuning(int opt, const char *value, struct config_tuning *t,
		   int *status)
{
	int err = 0;

	switch (opt) {
	case OPT_MODE:
		err = parse_mode(value, &t->mode);
		t->mode_set = true;
		break;
	case OPT_TIMEOUT:
		t->timeout_auto = !strcmp(value, "auto");
		if (t->timeout_auto)
			t->timeout_ns = FLOWLET_DEFAULT_TIMEOUT_NS;
		else
			err = parse_duration("--timeout", value,
					     &t->timeout_ns);
		break;
	case OPT_HALFLIFE:
		err = parse_duration("--load-halflife", value,
				     &t->load_halflife_ns);
		break;
	case OPT_WEIGHTS:
		err = parse_weights(value, t->weights, &t->weight_count);
		break;
	case OPT_TELEMETRY:
		err = parse_on_off("--telemetry", value, &t->telemetry);
		t->telemetry_set = true;
		break;
	default:
		return 0;
	}
	if (err)
		*status = EXIT_USAGE;
	return 1;
}
