// SPDX-License-Identifier: GPL-2.0
/* What every command shares: options, the IFACE argument, --help. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "parse.h"

const struct command *command_current;

void command_usage(const struct command *cmd, FILE *out)
{
	fprintf(out, "flowletctl %s", cmd->usage);
	if (cmd->modes) {
		fprintf(out, "Modes:\n");
		mode_help(out);
	}
	if (cmd->hooks) {
		fprintf(out, "Hooks:\n");
		hook_help(out);
	}
}

int command_getopt(int argc, char **argv, const struct option *opts,
		   int *status)
{
	const struct command *cmd = command_current;
	char shorts[64] = ":";
	size_t n = 1;
	int opt;

	for (const struct option *o = opts; o->name && n < sizeof(shorts) - 2;
	     o++) {
		if (o->val > ' ' && o->val < 127) {
			shorts[n++] = o->val;
			if (o->has_arg == required_argument)
				shorts[n++] = ':';
		}
	}
	shorts[n] = '\0';
	opterr = 0;
	opt = getopt_long(argc, argv, shorts, opts, NULL);
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
		err = parse_duration("--timeout", value, &t->timeout_ns);
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
