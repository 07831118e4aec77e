// SPDX-License-Identifier: GPL-2.0
/*
 * The command table: every command, its usage (what --help prints) and
 * its options (what getopt parses). It is the one description of
 * flowletctl's command line: `flowletctl docs` renders it as the man page
 * source, the bash completion and the README's reference (cmd_docs.c).
 */
#include "commands.h"

const struct command command_table[] = {
	{ "attach", cmd_attach,
	  "attach IFACE (--path DEV@NEXTHOP ... | --from-route PREFIX |\n"
	  "       --from-routes) [--table T]\n"
	  "       [--prefix CIDR ...] [--mode MODE] [--timeout DURATION]\n"
	  "       [--weights W1,W2,...] [--hook HOOK] [--xdp-mode "
	  "native|generic]\n"
	  "       [--load-halflife DURATION] [--telemetry on|off]\n"
	  "       [--flow-table N] [--seed N] [--ingress IFACE ...]\n"
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
	  "  --from-routes        every route through gateways of the table,\n"
	  "                       each balanced over its own next hops (a\n"
	  "                       path group: like the kernel's nexthop\n"
	  "                       groups); other routes (connected subnets)\n"
	  "                       stay the kernel's; watch follows them all\n"
	  "  --table T            the routing table of --from-route(s) "
	  "(main)\n"
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
	  "  --ingress IFACE      one more ingress port (repeat, up to 15): "
	  "the\n"
	  "                       same instance (program, flows, counters)\n"
	  "                       runs there; stats and detach on any port\n"
	  "                       act on the instance\n"
	  "  --seed N             the flow hash's seed, for runs that must\n"
	  "                       repeat (default random; a re-attach keeps\n"
	  "                       the instance's)\n",
	  true, true, attach_options },
	{ "set", cmd_set,
	  "set IFACE [--mode MODE] [--timeout DURATION] [--weights W1,W2,...]\n"
	  "       [--load-halflife DURATION] [--telemetry on|off] [--hook "
	  "HOOK]\n"
	  "  Change the running configuration; flows keep their state. A\n"
	  "  weight of 0 takes a path out of rotation: no new flowlet goes\n"
	  "  there, flowlets on it finish.\n",
	  true, false, set_options },
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
	  "followed,\n"
	  "  with --from-routes every route's, and its prefix's group.\n"
	  "  Next hops' neighbour entries are made managed, so the kernel\n"
	  "  keeps them resolved. One line per change (--json: one object).\n",
	  false, false, watch_options },
	{ "stats", cmd_stats,
	  "stats IFACE [--json] [--watch SECONDS] [--reset] [--prometheus]\n"
	  "       [--hook HOOK]\n"
	  "  Counters per path and per reason, and each path's state; SHARE\n"
	  "  is each path's part of the packets. --watch prints them again\n"
	  "  every SECONDS with the rates and SHARE of that interval, until\n"
	  "  interrupted (on a terminal in place). --reset zeroes the\n"
	  "  counters after printing them (the flows stay). --prometheus\n"
	  "  prints them in Prometheus's text format.\n",
	  false, false, stats_options },
	{ "flows", cmd_flows,
	  "flows IFACE [--json] [--limit N] [--hook HOOK]\n"
	  "  The flow table, most recently active first (default limit 100,\n"
	  "  0 for all).\n",
	  false, false, flows_options },
	{ "top", cmd_top,
	  "top IFACE [--interval SECONDS] [--hook HOOK]\n"
	  "  A live view on a terminal, redrawn every SECONDS (default 1):\n"
	  "  each path's rate and share (a bar), the flowlet rate and the\n"
	  "  busiest flows of the interval. q quits.\n",
	  false, false, top_options },
	{ "status", cmd_status,
	  "status [--json]\n"
	  "  Every interface of this network namespace that runs flowlet,\n"
	  "  and whether a watcher keeps it true to the kernel.\n",
	  false, false, status_options },
	{ "replay", cmd_replay,
	  "replay TRACE [--mode MODE] [--timeout DURATION | --sweep "
	  "D1,D2,...]\n"
	  "       [--paths N] [--weights W1,W2,...] [--load-halflife D] "
	  "[--json]\n"
	  "       [--seed N] [--telemetry on|off]\n"
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
	  true, false, replay_options },
	{ "exporter", cmd_exporter,
	  "exporter [--listen ADDR:PORT] [IFACE...]\n"
	  "  Serve every flowlet instance of this network namespace (or "
	  "those\n"
	  "  on IFACE...) to Prometheus at http://ADDR:PORT/metrics, in the\n"
	  "  foreground until SIGINT or SIGTERM; instances are found again at\n"
	  "  every scrape. --listen: ADDR:PORT, [ADDR6]:PORT or :PORT\n"
	  "  (default 127.0.0.1:9477, loopback only). stats IFACE\n"
	  "  --prometheus prints the same for one instance.\n",
	  false, false, exporter_options },
	{ "docs", cmd_docs,
	  "docs man|bash|readme|check\n"
	  "  This command table as the man page's scdoc source, the bash\n"
	  "  completion, or the README's command reference; check: every\n"
	  "  option a command takes is in its usage (make builds the first\n"
	  "  two, and the tests compare the README). Needs no root.\n",
	  false, false, docs_options },
	{ "detach", cmd_detach,
	  "detach IFACE [--hook HOOK]\n"
	  "  Remove flowlet from IFACE: forwarding returns to the kernel.\n"
	  "  --hook (for watch, stats, flows, set and detach too) says which\n"
	  "  instance when flowlet runs at several hooks of IFACE.\n",
	  false, false, detach_options },
};

const size_t command_count = sizeof(command_table) / sizeof(command_table[0]);
