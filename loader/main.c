// SPDX-License-Identifier: GPL-2.0
/* flowletctl: attach, configure and inspect flowlet's XDP data path. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "instance.h"
#include "log.h"

#define FLOWLET_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "attach", cmd_attach,
	  "attach IFACE --path DEV@NEXTHOP [--path DEV@NEXTHOP ...]\n"
	  "       [--prefix CIDR ...] [--mode MODE] [--timeout DURATION]\n"
	  "       [--weights W1,W2,...] [--xdp-mode native|generic]\n"
	  "       [--load-halflife DURATION] [--flow-table N]\n"
	  "  Load flowlet, configure it and attach it to IFACE, the ingress\n"
	  "  interface; the program stays attached after flowletctl exits.\n"
	  "  Attaching again replaces the program atomically and keeps the\n"
	  "  flow table and counters.\n"
	  "  --path DEV@NEXTHOP   egress interface and the neighbour behind "
	  "it\n"
	  "                       (its MAC is resolved from the kernel); 1-16\n"
	  "  --prefix CIDR        balance only these destinations (repeat);\n"
	  "                       default all of IPv4 and IPv6. Local,\n"
	  "                       link-local and multicast addresses are "
	  "never\n"
	  "                       balanced\n"
	  "  --mode MODE          flowlet (default), ecmp, letflow, "
	  "leastload,\n"
	  "                       spray\n"
	  "  --timeout DURATION   flowlet gap, e.g. 50ms (default), 500us\n"
	  "  --weights W,...      one weight 1-255 per path (default all 1),\n"
	  "                       sum at most 256\n"
	  "  --xdp-mode M         native or generic (default: native where\n"
	  "                       the driver has it)\n"
	  "  --load-halflife D    leastload's rate estimate half-life (10ms)\n"
	  "  --flow-table N       flow table entries (default 65536)\n" },
	{ "set", cmd_set,
	  "set IFACE [--mode MODE] [--timeout DURATION] [--weights W1,W2,...]\n"
	  "       [--load-halflife DURATION]\n"
	  "  Change the running configuration; flows keep their state.\n" },
	{ "stats", cmd_stats,
	  "stats IFACE [--json] [--watch SECONDS]\n"
	  "  Counters per path and per reason. --watch prints them again "
	  "every\n"
	  "  SECONDS with rates, until interrupted.\n" },
	{ "flows", cmd_flows,
	  "flows IFACE [--json] [--limit N]\n"
	  "  The flow table, most recently active first (default limit 100,\n"
	  "  0 for all).\n" },
	{ "status", cmd_status,
	  "status [--json]\n"
	  "  Every interface of this network namespace that runs flowlet.\n" },
	{ "detach", cmd_detach,
	  "detach IFACE\n"
	  "  Remove flowlet from IFACE: forwarding returns to the kernel.\n" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *current;

static void print_usage(FILE *out)
{
	fprintf(out, "usage: flowletctl [-v] COMMAND [ARGS]\n"
		     "       flowletctl --help | --version | COMMAND --help\n\n"
		     "Flowlet switching at XDP: balance traffic arriving on an "
		     "interface\nover several next hops, per flowlet.\n\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "flowletctl %s\n", commands[i].usage);
	fprintf(out, "Durations take ns, us, ms or s. Exit status: 0 ok, "
		     "1 failed, 2 bad arguments.\n");
}

int command_getopt(int argc, char **argv, const struct option *opts,
		   int *status)
{
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
		printf("usage: flowletctl %s", current->usage);
		exit(EXIT_OK);
	case ':':
		pr_err("%s: option '%s' needs a value", current->name,
		       argv[optind - 1]);
		*status = EXIT_USAGE;
		break;
	case '?':
		pr_err("%s: unknown option '%s' (see flowletctl %s --help)",
		       current->name, argv[optind - 1], current->name);
		*status = EXIT_USAGE;
		break;
	}
	return opt;
}

const char *command_iface(int argc, char **argv, bool required)
{
	if (optind < argc - 1) {
		pr_err("%s: unexpected argument '%s'", current->name,
		       argv[optind + 1]);
		return NULL;
	}
	if (optind == argc) {
		if (required)
			pr_err("%s: missing IFACE (see flowletctl %s --help)",
			       current->name, current->name);
		return NULL;
	}
	return argv[optind];
}

int command_instance(int argc, char **argv, struct instance *in)
{
	const char *iface = command_iface(argc, argv, true);

	if (!iface)
		return EXIT_USAGE;
	return instance_open(iface, in) ? EXIT_FAIL : EXIT_OK;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	(void)level;
	if (!log_verbose)
		return 0; /* flowletctl reports failures itself */
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	int first = 1;

	libbpf_set_print(libbpf_print);
	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "-v") ||
		    !strcmp(argv[first], "--verbose")) {
			log_verbose = 1;
		} else if (!strcmp(argv[first], "-h") ||
			   !strcmp(argv[first], "--help")) {
			print_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[first], "-V") ||
			   !strcmp(argv[first], "--version")) {
			printf("flowletctl %s (libbpf %s)\n", FLOWLET_VERSION,
			       libbpf_version_string());
			return EXIT_OK;
		} else {
			pr_err("unknown option '%s' (see flowletctl --help)",
			       argv[first]);
			return EXIT_USAGE;
		}
		first++;
	}
	if (first == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (!strcmp(argv[first], commands[i].name)) {
			current = &commands[i];
			return commands[i].run(argc - first, argv + first);
		}
	}
	pr_err("unknown command '%s' (see flowletctl --help)", argv[first]);
	return EXIT_USAGE;
}
