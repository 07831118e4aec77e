// SPDX-License-Identifier: GPL-2.0
/* top: a live view of one instance, drawn with ncurses: per path its rate
 * and share as a bar and its measured delay, the flowlet rate, and the
 * busiest flows of the last interval. q quits and gives the terminal
 * back as it was. */
#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>

#include "clock.h"
#include "commands.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "snapshot.h"

#define TOP_FLOWS	   8
#define DEFAULT_INTERVAL_S 1

const struct cmd_option top_options[] = {
	OPTION("interval", 'i', "SECONDS", "redraw every SECONDS (default @0)",
	       .kinds = "n", .args = { DEFAULT_INTERVAL_S }),
	HOOK_OPTION,
	{ 0 },
};

/* One reading: the counters and the flow table, by key for lookups. */
struct reading {
	struct snapshot s;
	struct flowlet_flow_key *keys;
	struct flowlet_flow *values;
	size_t *order; /* by key */
	long long count;
};

static const struct reading *sort_reading;

static int by_key(const void *a, const void *b)
{
	return memcmp(&sort_reading->keys[*(const size_t *)a],
		      &sort_reading->keys[*(const size_t *)b],
		      sizeof(struct flowlet_flow_key));
}

static void reading_free(struct reading *r)
{
	free(r->keys);
	free(r->values);
	free(r->order);
	memset(r, 0, sizeof(*r));
}

static int reading_take(const struct instance *in, struct reading *r)
{
	reading_free(r);
	if (snapshot_read(in, &r->s))
		return -1;
	r->count = instance_read_flows(in, &r->keys, &r->values);
	if (r->count < 0)
		return -1;
	r->order = calloc(r->count + 1, sizeof(*r->order));
	if (!r->order)
		return -1;
	for (long long i = 0; i < r->count; i++)
		r->order[i] = i;
	sort_reading = r;
	qsort(r->order, r->count, sizeof(*r->order), by_key);
	return 0;
}

/* The packets of flow @key in @r (0: not there). */
static __u64 packets_of(const struct reading *r,
			const struct flowlet_flow_key *key)
{
	long long lo = 0, hi = r->count - 1;

	while (lo <= hi) {
		long long mid = (lo + hi) / 2;
		int c = memcmp(&r->keys[r->order[mid]], key, sizeof(*key));

		if (!c)
			return r->values[r->order[mid]].packets;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

static void draw_paths(const struct reading *now, const struct reading *then,
		       double secs)
{
	const struct flowlet_config *cfg = &now->s.cfg;
	double total = 0, bits[FLOWLET_MAX_PATHS];
	__u64 mono = clock_ns(CLOCK_MONOTONIC);
	int bar = COLS - 97;

	for (__u32 i = 0; i < cfg->path_count; i++) {
		__u64 b = now->s.paths[i].bytes, b0 = then->s.paths[i].bytes;

		bits[i] = (b >= b0 ? b - b0 : b) * 8 / secs;
		total += bits[i];
	}
	attron(A_BOLD);
	mvprintw(2, 0, "%-4s %-12s %-16s %6s %10s %9s %6s %8s %8s %7s %6s  %s",
		 "PATH", "DEV", "STATE", "WEIGHT", "PKT/S", "MBIT/S", "SHARE",
		 "P50_MS", "P99_MS", "SAMPLES", "AGE_S", "");
	attroff(A_BOLD);
	for (__u32 i = 0; i < cfg->path_count; i++) {
		const struct flowlet_path *p = &cfg->paths[i];
		const struct flowlet_delay *d =
			snapshot_path_delay(&now->s, i, NULL);
		__u64 pk = now->s.paths[i].packets,
		      pk0 = then->s.paths[i].packets;
		double share = total > 0 ? bits[i] / total : 0;
		char dev[IF_NAMESIZE] = "?";

		if_indextoname(p->ifindex, dev);
		mvprintw(3 + i, 0, "%-4u %-12s %-16s %6u %10.0f %9.2f %5.1f%% ",
			 i, dev, path_state(p), p->weight,
			 (pk >= pk0 ? pk - pk0 : pk) / secs, bits[i] / 1e6,
			 100 * share);
		if (d && d->samples)
			printw("%8.3f %8.3f %7u %6.1f  ", d->p50_ns / 1e6,
			       d->p99_ns / 1e6, d->samples,
			       (mono - d->updated_ns) / 1e9);
		else
			printw("%8s %8s %7s %6s  ", "-", "-",
			       d ? delay_state_name(delay_state(d, mono)) : "-",
			       "-");
		for (int c = 0; c < bar * share; c++)
			addch('#');
		clrtoeol();
	}
}

static void draw_flows(const struct reading *now, const struct reading *then,
		       double secs, int row)
{
	struct {
		long long index;
		__u64 packets;
	} top[TOP_FLOWS] = { 0 };

	for (long long i = 0; i < now->count; i++) {
		__u64 p = now->values[i].packets, p0;
		int at = TOP_FLOWS;

		p0 = packets_of(then, &now->keys[i]);
		p = p >= p0 ? p - p0 : p;
		while (at > 0 && p > top[at - 1].packets)
			at--;
		if (at == TOP_FLOWS || !p)
			continue;
		memmove(&top[at + 1], &top[at],
			(TOP_FLOWS - at - 1) * sizeof(top[0]));
		top[at].index = i;
		top[at].packets = p;
	}
	attron(A_BOLD);
	mvprintw(row, 0, "%-6s %-45s %-45s %4s %10s", "PROTO", "SOURCE",
		 "DESTINATION", "PATH", "PKT/S");
	attroff(A_BOLD);
	for (int t = 0; t < TOP_FLOWS; t++) {
		const struct flowlet_flow_key *k = &now->keys[top[t].index];
		char src[64], dst[64], proto[8];

		move(row + 1 + t, 0);
		clrtoeol();
		if (!top[t].packets)
			continue;
		format_endpoint(k->src, k->family, k->sport, src, sizeof(src));
		format_endpoint(k->dst, k->family, k->dport, dst, sizeof(dst));
		printw("%-6s %-45s %-45s %4u %10.0f",
		       format_proto(k->proto, proto), src, dst,
		       now->values[top[t].index].path, top[t].packets / secs);
	}
}

/* Whose round trips the paths' delay columns show, on row @row. */
static void draw_probed(const struct snapshot *s, int row)
{
	char target[INET6_ADDRSTRLEN] = "";
	int most = 0;

	for (__u32 i = 0; i < s->cfg.path_count; i++) {
		int n;
		const struct flowlet_delay *d = snapshot_path_delay(s, i, &n);

		if (d && !target[0])
			format_ip(d->target, d->family, target, sizeof(target));
		most = n > most ? n : most;
	}
	move(row, 0);
	clrtoeol();
	if (!target[0])
		printw("delays: no path is probed (flowletctl watch measures "
		       "them)");
	else
		printw("delays: round trips to %s%s", target,
		       most > 1 ? " and other targets (stats lists each)" : "");
}

/* --timeout auto: what group 0's timeout came from, after line 1. */
static void draw_auto(const struct snapshot *s)
{
	const struct flowlet_auto *a = snapshot_auto(s, 0);
	char why[160];

	if (!a || !a->timeout_ns)
		return;
	delay_describe(a, why, sizeof(why));
	printw("; group 0's auto timeout: %s", why);
}

static void draw(const struct instance *in, const struct reading *now,
		 const struct reading *then, double secs)
{
	const struct flowlet_config *cfg = &now->s.cfg;
	__u64 fl = now->s.stats.flowlets, fl0 = then->s.stats.flowlets;
	char timeout[32];

	format_duration(cfg->group_count == 1 ? cfg->groups[0].timeout_ns
					      : cfg->timeout_ns,
			timeout, sizeof(timeout));
	erase();
	mvprintw(0, 0,
		 "flowlet top: %s (%s), mode %s, timeout %s%s, %lld flows, "
		 "%.0f flowlets/s",
		 in->iface, hook_name(in->hook), mode_name(cfg->mode),
		 now->s.meta.timeout_auto ? "auto " : "", timeout, now->s.flows,
		 (fl >= fl0 ? fl - fl0 : fl) / secs);
	mvprintw(1, 0, "q quits; rates over the last %.1f s", secs);
	draw_auto(&now->s);
	draw_paths(now, then, secs);
	draw_probed(&now->s, 3 + cfg->path_count);
	draw_flows(now, then, secs, 5 + cfg->path_count);
	refresh();
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_top(int argc, char **argv)
{
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	struct reading readings[2] = { 0 };
	int opt, status = EXIT_OK, cur = 0;
	__u64 interval = DEFAULT_INTERVAL_S;
	struct instance in;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, top_options, &status)) != -1) {
		if (opt == 'i' &&
		    parse_uint("--interval", optarg, 1, 60, &interval))
			status = EXIT_USAGE;
		else
			command_hook(opt, optarg, &hook, &status);
	}
	if (status == EXIT_OK && !isatty(STDOUT_FILENO)) {
		pr_err("top: needs a terminal (stats --watch prints the "
		       "same as lines)");
		status = EXIT_USAGE;
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &in);
	if (status != EXIT_OK)
		return status;
	status = EXIT_FAIL;
	if (reading_take(&in, &readings[cur]))
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	timeout(100);
	draw(&in, &readings[cur], &readings[cur], interval);
	while (!stop) {
		double start = monotonic_seconds(), secs;
		int key = ERR;

		while (!stop && monotonic_seconds() - start < interval) {
			key = getch();
			if (key == 'q' || key == 'Q')
				stop = 1;
		}
		if (stop)
			break;
		cur = !cur;
		if (reading_take(&in, &readings[cur])) {
			endwin();
			goto out;
		}
		secs = readings[cur].s.when - readings[!cur].s.when;
		draw(&in, &readings[cur], &readings[!cur], secs > 0 ? secs : 1);
	}
	endwin();
	status = EXIT_OK;
out:
	reading_free(&readings[0]);
	reading_free(&readings[1]);
	instance_close(&in);
	return status;
}
