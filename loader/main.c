// SPDX-License-Identifier: GPL-2.0
/* flowletctl: attach, configure and inspect flowlet's XDP data path. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "log.h"
#include "names.h"

#define FLOWLET_VERSION "0.1.0"

static const struct command commands[] = {
	{ "attach", cmd_attach,
	  "attach IFACE (--path DEV@NEXTHOP ... | --from-route PREFIX "
	  "[--table T])\n"
	  "       [--prefix CIDR ...] [--mode MODE] [--timeout DURATION]\n"
	  "       [--weights W1,W2,...] [--hook HOOK] [--xdp-mode "
	  "native|generic]\n"
	  "       [--load-halflife DURATION] [--telemetry on|off]\n"
	  "       [--flow-table N] [--seed N]\n"
	  "  Load flowlet, configure it and attach it to IFACE, the ingress\n"
	  "  interface (with --hook tc-egress, a host's interface its own\n"
	  "  packets leave by); the program stays attached after flowletctl\n"
	  "  exits. Attaching again replaces the program atomically and keeps\n"
	  "  the flow table and counters.\n"
	  "  --path DEV@NEXTHOP   egress interface and the neighbour behind "
	  "it\n"
	  "                       (its MAC is resolved from the kernel); 1-16\n"
	  "  --from-route PREFIX  the paths are the next hops (and weights) "
	  "of\n"
	  "                       the kernel's route to PREFIX: a multipath\n"
	  "                       route or a nexthop group; watch follows it\n"
	  "  --table T            the routing table of --from-route (main)\n"
	  "  --prefix CIDR        balance only these destinations (repeat);\n"
	  "                       default --from-route's PREFIX, else all of\n"
	  "                       IPv4 and IPv6. Local, link-local and\n"
	  "                       multicast addresses are never balanced\n"
	  "  --mode MODE          see Modes\n"
	  "  --timeout DURATION   flowlet gap, e.g. 50ms (default), 500us\n"
	  "  --weights W,...      one weight 0-255 per path (default all 1),\n"
	  "                       sum at most 256; 0 takes a path out of\n"
	  "                       rotation\n"
	  "  --hook HOOK          where it runs, see Hooks (default xdp)\n"
	  "  --xdp-mode M         native or generic (default: native where\n"
	  "                       the driver has it)\n"
	  "  --load-halflife D    leastload's rate estimate half-life (10ms)\n"
	  "  --telemetry on|off   histograms of gaps and flowlet sizes, shown\n"
	  "                       by stats (default on)\n"
	  "  --flow-table N       flow table entries (default 65536)\n"
	  "  --seed N             the flow hash's seed, for runs that must\n"
	  "                       repeat (default random; a re-attach keeps\n"
	  "                       the instance's)\n",
	  true, true },
	{ "set", cmd_set,
	  "set IFACE [--mode MODE] [--timeout DURATION] [--weights W1,W2,...]\n"
	  "       [--load-halflife DURATION] [--telemetry on|off] [--hook "
	  "HOOK]\n"
	  "  Change the running configuration; flows keep their state. A\n"
	  "  weight of 0 takes a path out of rotation: no new flowlet goes\n"
	  "  there, flowlets on it finish.\n",
	  true, false },
	{ "watch", cmd_watch,
	  "watch IFACE [--json] [--hook HOOK]\n"
	  "  Keep flowlet on IFACE true to the kernel, in the foreground "
	  "until\n"
	  "  SIGINT or SIGTERM: a path whose link goes down or whose next "
	  "hop\n"
	  "  fails is taken out of rotation and put back when it recovers; "
	  "a\n"
	  "  next hop's new MAC is used; local addresses are never "
	  "balanced;\n"
	  "  with --from-route, the route's next hops and weights are "
	  "followed.\n"
	  "  Next hops' neighbour entries are made managed, so the kernel\n"
	  "  keeps them resolved. One line per change (--json: one object).\n",
	  false, false },
	{ "stats", cmd_stats,
	  "stats IFACE [--json] [--watch SECONDS] [--hook HOOK]\n"
	  "  Counters per path and per reason, and each path's state. "
	  "--watch\n"
	  "  prints them again every SECONDS with rates, until "
	  "interrupted.\n",
	  false, false },
	{ "flows", cmd_flows,
	  "flows IFACE [--json] [--limit N] [--hook HOOK]\n"
	  "  The flow table, most recently active first (default limit 100,\n"
	  "  0 for all).\n",
	  false, false },
	{ "status", cmd_status,
	  "status [--json]\n"
	  "  Every interface of this network namespace that runs flowlet,\n"
	  "  and whether a watcher keeps it true to the kernel.\n",
	  false, false },
	{ "replay", cmd_replay,
	  "replay TRACE [--mode MODE] [--timeout DURATION | --sweep "
	  "D1,D2,...]\n"
	  "       [--paths N] [--weights W1,W2,...] [--load-halflife D] "
	  "[--json]\n"
	  "  Run flowlet's data path over a packet trace (pcap: Ethernet,\n"
	  "  Linux cooked or raw IP), its clock the trace's timestamps, "
	  "over\n"
	  "  N paths (default 4): flows, flowlets, path changes, the "
	  "balance,\n"
	  "  and histograms of gaps, flowlet sizes and flowlets per flow.\n"
	  "  Nothing is attached; every packet is addressed to flowlet.\n"
	  "  --sweep replays once per timeout: one row each (flowlets,\n"
	  "  packets per flowlet, path changes, balance). --seed: the flow\n"
	  "  hash's seed (default 0).\n",
	  true, false },
	{ "detach", cmd_detach,
	  "detach IFACE [--hook HOOK]\n"
	  "  Remove flowlet from IFACE: forwarding returns to the kernel.\n"
	  "  --hook (for watch, stats, flows, set and detach too) says which\n"
	  "  instance when flowlet runs at several hooks of IFACE.\n",
	  false, false },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: flowletctl [-v] COMMAND [ARGS]\n"
		"       flowletctl --help | --version | COMMAND --help\n\n"
		"Flowlet switching at XDP or TC: balance traffic arriving on "
		"an interface,\nor a host's own, over several next hops, "
		"per flowlet.\n\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "flowletctl %s\n", commands[i].usage);
	fprintf(out, "Modes:\n");
	mode_help(out);
	fprintf(out, "Hooks:\n");
	hook_help(out);
	fprintf(out, "Durations take ns, us, ms or s. Exit status: 0 ok, "
		     "1 failed, 2 bad arguments.\n");
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
			command_current = &commands[i];
			return commands[i].run(argc - first, argv + first);
		}
	}
	pr_err("unknown command '%s' (see flowletctl --help)", argv[first]);
	return EXIT_USAGE;
}
