// SPDX-License-Identifier: GPL-2.0
/*
 * The command table: every command, its arguments, what it does, and its
 * options (the rows next to each command's code, commands.h). It is the
 * one description of flowletctl's command line: --help, the man page
 * source, the bash completion and the reference in docs/ are made from
 * it (commands.c, cmd_docs.c).
 */
#include "commands.h"

const struct command command_table[] = {
	{ "attach", cmd_attach,
	  "IFACE (--path DEV@NEXTHOP ... | --from-route PREFIX | "
	  "--from-routes)",
	  "Load flowlet, configure it and attach it to IFACE, the ingress "
	  "interface (with --hook tc-egress, a host's interface its own "
	  "packets leave by); the program stays attached after flowletctl "
	  "exits. Attaching again replaces the program atomically and keeps "
	  "the flow table and counters.",
	  true, true, attach_options },
	{ "set", cmd_set, "IFACE",
	  "Change the running configuration; flows keep their state. A "
	  "weight of 0 takes a path out of rotation: no new flowlet goes "
	  "there, flowlets on it finish.",
	  true, false, set_options },
	{ "watch", cmd_watch, "IFACE",
	  "Keep flowlet on IFACE true to the kernel, in the foreground until "
	  "SIGINT or SIGTERM: a path whose link goes down or whose next hop "
	  "fails is taken out of rotation and put back when it recovers; a "
	  "next hop's new MAC is used; local addresses are never balanced; "
	  "with --from-route, the route's next hops and weights are "
	  "followed, with --from-routes every route's, and its prefix's "
	  "group. Next hops' neighbour entries are made managed, so the "
	  "kernel keeps them resolved. One line per change (--json: one "
	  "object).",
	  false, false, watch_options },
	{ "stats", cmd_stats, "IFACE",
	  "Counters per path and per reason, and each path's state; SHARE is "
	  "each path's part of the packets.",
	  false, false, stats_options },
	{ "flows", cmd_flows, "IFACE",
	  "The flow table, most recently active first.", false, false,
	  flows_options },
	{ "top", cmd_top, "IFACE",
	  "A live view on a terminal: the timeout in force (with --timeout "
	  "auto, what group 0's came from), each path's rate and share (a "
	  "bar) and, while watch measures it, its round trip (p50, p99, "
	  "samples, age), the flowlet rate and the busiest flows of the "
	  "interval. q quits.",
	  false, false, top_options },
	{ "status", cmd_status, "",
	  "Every interface of this network namespace that runs flowlet, and "
	  "whether a watcher keeps it true to the kernel.",
	  false, false, status_options },
	{ "replay", cmd_replay,
	  "TRACE [--timeout DURATION | --sweep D1,D2,...]",
	  "Run flowlet's data path over a packet trace (pcap: Ethernet, "
	  "Linux cooked or raw IP), its clock the trace's timestamps: flows, "
	  "flowlets, path changes, the balance, and histograms of gaps, "
	  "flowlet sizes and flowlets per flow. Nothing is attached; every "
	  "packet is addressed to flowlet.",
	  true, false, replay_options },
	{ "exporter", cmd_exporter, "[IFACE...]",
	  "Serve every flowlet instance of this network namespace (or those "
	  "on IFACE...) to Prometheus at http://ADDR:PORT/metrics, in the "
	  "foreground until SIGINT or SIGTERM; instances are found again at "
	  "every scrape. stats IFACE --prometheus prints the same for one "
	  "instance.",
	  false, false, exporter_options },
	{ "docs", cmd_docs, "man|bash|readme|check|json",
	  "This command table as the man page's scdoc source, the bash "
	  "completion, the command reference of docs/flowletctl.md, or JSON "
	  "(commands, options, modes, hooks, defaults, exit statuses: for "
	  "scripts); check: every option the synopses name is a row of its "
	  "command, and every row has its help. Needs no root.",
	  false, false, docs_options },
	{ "detach", cmd_detach, "IFACE",
	  "Remove flowlet from IFACE: forwarding returns to the kernel.", false,
	  false, detach_options },
};

const size_t command_count = sizeof(command_table) / sizeof(command_table[0]);
