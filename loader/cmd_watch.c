// SPDX-License-Identifier: GPL-2.0
/* watch: keeps an instance true to the kernel (lib/follow.c) while it
 * runs, printing one line per change it makes. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "commands.h"
#include "follow.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "nl.h"
#include "parse.h"
#include "print.h"
#include "probe.h"
#include "watcher.h"

enum { OPT_JSON = 'j', OPT_PROBE = OPT_COMMAND_FIRST, OPT_PROBE_INTERVAL };

/* How often the watcher checks that flowlet is still attached (the
 * kernel sends no event for an XDP program replaced or removed). */
#define CHECK_MS 500

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct watch {
	struct instance in;
	int ifindex;
	const char *iface;
	/* The paths' interfaces, as of the last sync: link and neighbour
	 * events elsewhere change nothing. */
	int path_ifindex[FLOWLET_MAX_PATHS];
	__u32 path_count;
	int ingress_ifindex[FLOWLET_MAX_INGRESS]; /* also the ports' */
	__u32 ingress_count;
	bool relevant; /* an event since the last sync may matter */
	struct instance_config config; /* in force, as of the last sync */
	struct prober *prober;	       /* --probe, or NULL */
	double auto_at; /* --timeout auto: when the timeouts were last set */
	double read_at; /* when the config in force was last read */
};

/* The start of every line: when, and on which instance. */
static void print_head(const struct watch *w, const char *event)
{
	print_open(NULL, '{');
	print_double("time", "%.3f ", wall_seconds());
	print_str("iface", "%s: ", w->iface);
	print_str("event", "%s", event);
}

/* A path's device and next hop, with a format for each. */
static void print_hop(const struct flowlet_path *p,
		      const struct flowlet_path_meta *m, const char *dev_fmt,
		      const char *hop_fmt)
{
	char dev[IF_NAMESIZE], hop[INET6_ADDRSTRLEN];

	if (!if_indextoname(p->ifindex, dev))
		snprintf(dev, sizeof(dev), "#%u", p->ifindex);
	format_ip(m->nexthop, m->nexthop_family, hop, sizeof(hop));
	print_str("dev", dev_fmt, dev);
	print_str("nexthop", hop_fmt, hop);
}

/* A route that came, changed or went, and its group's paths. */
static void print_route(const struct follow_change *c)
{
	const struct flowlet_group *grp;
	char prefix[64];

	format_prefix(c->prefix, prefix, sizeof(prefix));
	print_str("prefix", " %s:", prefix);
	if (!c->route) {
		print_str("to", " %s", "gone");
		return;
	}
	if (c->route->action != FLOWLET_PREFIX_BALANCE) {
		print_str("to", " %s", "left to the kernel");
		return;
	}
	print_str("to", " %s", "balanced");
	print_u64("group", " over group %llu:", c->route->group);
	grp = &c->cfg->groups[c->route->group % FLOWLET_MAX_GROUPS];
	print_open("paths", '[');
	print_text(" paths");
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
		if (grp->members & (1u << i))
			print_u64(NULL, " %llu", i);
	}
	print_close(']');
}

static void print_change(const struct follow_change *c, void *ctx)
{
	static const char *const kinds[] = {
		[FOLLOW_STATE] = "state", [FOLLOW_MAC] = "mac",
		[FOLLOW_ADDED] = "added", [FOLLOW_WEIGHT] = "weight",
		[FOLLOW_LOCAL] = "local", [FOLLOW_INGRESS] = "ingress",
		[FOLLOW_ROUTE] = "route",
	};
	char a[24], b[24], prefix[64];

	print_head(ctx, kinds[c->kind]);
	if (c->kind == FOLLOW_LOCAL) {
		format_prefix(c->local, prefix, sizeof(prefix));
		print_str("address", " %s", prefix);
		print_str("change", " %s (never balanced)",
			  c->added ? "added" : "removed");
		goto end;
	}
	if (c->kind == FOLLOW_INGRESS) {
		char dev[IF_NAMESIZE];

		if (!if_indextoname(c->ifindex, dev))
			snprintf(dev, sizeof(dev), "#%d", c->ifindex);
		format_mac(c->mac, b, sizeof(b));
		print_str("port", " %s", dev);
		print_str("to", " MAC -> %s", b);
		goto end;
	}
	if (c->kind == FOLLOW_ROUTE) {
		print_route(c);
		goto end;
	}
	print_u64("path", " path %llu", c->path);
	print_hop(c->now, c->now_hop, " (%s", " %s):");
	switch (c->kind) {
	case FOLLOW_STATE:
		print_str("from", " %s", path_state(c->old));
		print_str("to", " -> %s", path_state(c->now));
		break;
	case FOLLOW_MAC:
		format_mac(c->old->dst_mac, a, sizeof(a));
		format_mac(c->now->dst_mac, b, sizeof(b));
		print_str("from", " next hop MAC %s", a);
		print_str("to", " -> %s", b);
		break;
	case FOLLOW_ADDED:
		print_str("to", " added from the route, %s",
			  path_state(c->now));
		print_u64("weight", ", weight %llu", c->now->weight);
		if (c->old->ifindex) {
			print_open("replaced", '{');
			print_hop(c->old, c->old_hop, ", in place of %s",
				  " %s");
			print_close('}');
		}
		break;
	case FOLLOW_WEIGHT:
		print_u64("from", " weight %llu", c->old->weight);
		print_u64("to", " -> %llu", c->now->weight);
		break;
	case FOLLOW_LOCAL:
	case FOLLOW_INGRESS:
	case FOLLOW_ROUTE:
		break;
	}
	if (c->now_hop->route_weight &&
	    c->now_hop->route_weight != c->now->weight &&
	    !(c->now->down & FLOWLET_DOWN(ROUTE)))
		print_u64("route_weight", " (route weight %llu, scaled)",
			  c->now_hop->route_weight);
end:
	print_text("\n");
	print_close('}');
	print_end();
}

/* When the change was in force for new packets: the later of the
 * config's switch and the prefixes' update. */
static void print_commit(__u64 generation, double switch_ms, double prefixes_ms,
			 double done_ms, void *ctx)
{
	print_head(ctx, "commit");
	print_u64("generation", " of config %llu:", generation);
	print_double("ms", " in force %.1f ms after the event",
		     switch_ms > prefixes_ms ? switch_ms : prefixes_ms);
	if (switch_ms >= 0)
		print_double("switch_ms", " (config %.1f ms", switch_ms);
	if (prefixes_ms >= 0)
		print_double("prefixes_ms",
			     switch_ms >= 0 ? ", prefixes %.1f ms"
					    : " (prefixes %.1f ms",
			     prefixes_ms);
	print_double("done_ms", "), done after %.1f ms\n", done_ms);
	print_close('}');
	print_end();
}

/* Events only say that something changed: the sync reads the kernel. */
static void note_event(enum nl_event event, int ifindex, void *ctx)
{
	struct watch *w = ctx;

	if (event != NL_EVENT_LINK && event != NL_EVENT_NEIGH) {
		w->relevant = true;
		return;
	}
	if (ifindex == w->ifindex)
		w->relevant = true;
	for (__u32 i = 0; i < w->path_count; i++)
		w->relevant |= ifindex == w->path_ifindex[i];
	for (__u32 i = 0; i < w->ingress_count; i++)
		w->relevant |= ifindex == w->ingress_ifindex[i];
}

/* follow_sync(), then the paths' interfaces for note_event(). */
static int watch_sync(struct watch *w, double since)
{
	const struct follow_report report = { print_change, print_commit, w };
	const struct flowlet_config *cfg = &w->config.cfg;

	w->relevant = false;
	if (follow_sync(&w->in, true, &report, since, &w->config))
		return -1;
	w->path_count = cfg->path_count < FLOWLET_MAX_PATHS ? cfg->path_count
							    : FLOWLET_MAX_PATHS;
	for (__u32 i = 0; i < w->path_count; i++)
		w->path_ifindex[i] = cfg->paths[i].ifindex;
	w->ingress_count = cfg->ingress_count < FLOWLET_MAX_INGRESS
				   ? cfg->ingress_count
				   : FLOWLET_MAX_INGRESS;
	for (__u32 i = 0; i < w->ingress_count; i++)
		w->ingress_ifindex[i] = cfg->ingress[i].ifindex;
	return 0;
}

/* The instance again if a re-attach replaced it; -1 if it is gone. */
static int check_instance(struct watch *w)
{
	struct instance now;

	/* The same program at the same hook: nothing to open again. */
	if (instance_prog_now(&w->in) == w->in.prog_id)
		return 0;
	if (instance_probe(w->ifindex, w->in.hook, &now) != INSTANCE_FOUND) {
		instance_close(&now);
		pr_err("%s: flowlet is no longer attached; watch ends",
		       w->iface);
		return -1;
	}
	if (now.prog_id == w->in.prog_id) {
		instance_close(&now);
		return 0;
	}
	instance_close(&w->in);
	w->in = now;
	return 1;
}

/* An auto target came or went: a line. */
static void on_target(void *ctx, const struct ip_addr *target, int group,
		      enum prober_change why)
{
	static const char *const whys[] = {
		[PROBER_PICKED] = "its group's largest recent flow goes there",
		[PROBER_IDLE] = "no flow went there for a while",
		[PROBER_SILENT] = "it answered no probe",
		[PROBER_UNWANTED] = "the timeout is fixed or the mode has no "
				    "flowlets",
	};
	char addr[INET6_ADDRSTRLEN];

	format_ip(target->bytes, target->family, addr, sizeof(addr));
	print_head(ctx, why == PROBER_PICKED ? "probe" : "unprobe");
	print_str("target", " %s", addr);
	if (group >= 0)
		print_u64("group", " (group %llu)", group);
	print_str("why", ": %s\n", whys[why]);
	print_close('}');
	print_end();
}

/* What auto_timeouts() commits: per group, the timeout (0: the fixed
 * one), the gap above which a move is safe and the resend window after
 * a move below it (0: not known). */
struct group_timeouts {
	__u64 timeout_ns[FLOWLET_MAX_GROUPS];
	__u64 safe_ns[FLOWLET_MAX_GROUPS];
	__u64 resend_window_ns[FLOWLET_MAX_GROUPS];
};

/* The groups' timeouts @ctx (a struct group_timeouts) into the config in
 * force if it still wants them (--timeout auto): 1 if nothing changes. */
static int set_timeouts(struct instance_config *c, void *ctx)
{
	const struct group_timeouts *want = ctx;
	int changed = 0;

	if (!c->meta.timeout_auto)
		return 1;
	for (__u32 g = 0; g < c->cfg.group_count && g < FLOWLET_MAX_GROUPS;
	     g++) {
		struct flowlet_group *grp = &c->cfg.groups[g];
		__u64 t = want->timeout_ns[g] ? want->timeout_ns[g]
					      : c->cfg.timeout_ns,
		      safe = want->timeout_ns[g] ? want->safe_ns[g] : 0,
		      window = want->timeout_ns[g] ? want->resend_window_ns[g]
						   : 0;

		changed |= grp->timeout_ns != t || grp->safe_ns != safe ||
			   grp->resend_window_ns != window;
		grp->timeout_ns = t;
		grp->safe_ns = safe;
		grp->resend_window_ns = window;
	}
	return changed ? 0 : 1;
}

/* The config in force into w->config, once a second: `set` may have
 * changed the mode or the timeout, or reset the groups to the fixed
 * value, since the watcher last committed. */
static void read_config(struct watch *w)
{
	double now = monotonic_seconds();

	if (now - w->read_at >= 1 && !instance_read_config(&w->in, &w->config))
		w->read_at = now;
}

/* What the groups' timeouts came from @autos, into flowlet_auto for
 * stats (the groups in use: stats reads no others); a failure is only a
 * stats line less. */
static void write_autos(const struct watch *w, const struct flowlet_auto *autos)
{
	for (__u32 g = 0;
	     g < w->config.cfg.group_count && g < FLOWLET_MAX_GROUPS; g++)
		bpf_map_update_elem(w->in.fds[MAP_AUTO], &g, &autos[g],
				    BPF_ANY);
}

/* A watch line: group @g's timeout moved from @was to @now, for @a. */
static void print_timeout(struct watch *w, __u32 g, __u64 was, __u64 now,
			  const struct flowlet_auto *a)
{
	char from[32], to[32], why[160];

	format_duration(was, from, sizeof(from));
	format_duration(now, to, sizeof(to));
	print_head(w, "timeout");
	print_u64("group", " group %llu:", g);
	print_u64("from_ns", NULL, was);
	print_u64("to_ns", NULL, now);
	print_text(" %s -> %s", from, to);
	if (!a->timeout_ns) {
		print_str("why", " (%s)\n", "not measured on every path");
	} else {
		print_u64("spread_ns", NULL, a->spread_ns);
		print_u64("base_ns", NULL, a->base_ns);
		print_u64("move_ns", NULL, a->move_ns);
		print_u64("flows", NULL, a->flows);
		print_u64("retransmits", NULL, a->retransmits);
		print_u64("resent_after_moves", NULL, a->resent_after_moves);
		print_double("move_cost", NULL, a->move_cost_milli / 1000.0);
		delay_describe(a, why, sizeof(why));
		print_text(" (%s)\n", why);
	}
	print_close('}');
	print_end();
}

/* --timeout auto: each group's timeout from its paths' delays and its
 * flows' gaps, committed when one moved by more than a tenth, at most
 * once a second; a line per group that changed. */
static void auto_timeouts(struct watch *w)
{
	struct flowlet_auto autos[FLOWLET_MAX_GROUPS];
	struct group_timeouts want;
	__u64 was[FLOWLET_MAX_GROUPS];
	const struct flowlet_config *cfg = &w->config.cfg;
	double now = monotonic_seconds();
	bool moved = false;

	if (!w->prober || !w->config.meta.timeout_auto || now - w->auto_at < 1)
		return;
	w->auto_at = now;
	prober_timeouts(w->prober, &w->config, autos);
	write_autos(w, autos);
	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++) {
		__u64 t = autos[g].timeout_ns ? autos[g].timeout_ns
					      : cfg->timeout_ns;

		was[g] = cfg->groups[g].timeout_ns;
		want.timeout_ns[g] = autos[g].timeout_ns;
		want.safe_ns[g] = autos[g].safe_ns;
		want.resend_window_ns[g] = autos[g].resend_window_ns;
		if (cfg->groups[g].members &&
		    delay_commits(t, was[g],
				  cfg->groups[g].safe_ns && autos[g].timeout_ns,
				  autos[g].flows)) {
			moved = true;
		} else {
			/* Within the tenth, or idle: it stays. */
			want.timeout_ns[g] = was[g];
			want.safe_ns[g] = cfg->groups[g].safe_ns;
			want.resend_window_ns[g] =
				cfg->groups[g].resend_window_ns;
		}
	}
	if (!moved || instance_update(&w->in, set_timeouts, &want, &w->config))
		return;
	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++) {
		if (cfg->groups[g].timeout_ns != was[g])
			print_timeout(w, g, was[g], cfg->groups[g].timeout_ns,
				      &autos[g]);
	}
}

static int watch_loop(struct watch *w, struct nl_events *ev, int claim)
{
	struct pollfd fds[4] = {
		{ .fd = nl_events_fd(ev), .events = POLLIN },
		{ .fd = claim, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	int probe_fds[2];

	if (w->prober) {
		prober_fds(w->prober, probe_fds);
		fds[2].fd = probe_fds[0];
		fds[3].fd = probe_fds[1];
	}

	if (watch_sync(w, monotonic_seconds()))
		return -1;
	/* In line with the kernel, and listening: say so. */
	print_head(w, "watching");
	print_u64("pid", " (pid %llu)\n", getpid());
	print_close('}');
	print_end();
	while (!stop) {
		int wait = w->prober ? prober_wait_ms(w->prober) : CHECK_MS;
		int n = poll(fds, 4, wait < CHECK_MS ? wait : CHECK_MS),
		    changed;
		double since = monotonic_seconds();

		if (n < 0 && errno != EINTR) {
			pr_err("watch: poll: %s", strerror(errno));
			return -1;
		}
		if (stop)
			break;
		if (fds[1].revents)
			watcher_accept(claim);
		for (int i = 2; w->prober && i < 4; i++) {
			if (fds[i].revents & POLLIN)
				prober_read(w->prober, fds[i].fd);
		}
		changed = check_instance(w);
		if (changed < 0)
			return -1;
		if (changed && w->prober)
			prober_reopen(w->prober, &w->in);
		if (w->prober) {
			read_config(w);
			prober_tick(w->prober, &w->config);
			auto_timeouts(w);
		}
		if (!changed && !(fds[0].revents & POLLIN))
			continue;
		if (nl_events_read(ev, note_event, w) < 0) {
			pr_err("watch: reading netlink events: %s",
			       strerror(errno));
			return -1;
		}
		if ((changed || w->relevant) && watch_sync(w, since))
			return -1;
	}
	return 0;
}

const struct cmd_option watch_options[] = {
	OPTION("json", OPT_JSON, NULL, "one JSON object per line"),
	OPTION("probe", OPT_PROBE, "ADDRESS",
	       "measure each path's delay to ADDRESS, a destination the "
	       "instance balances that answers ICMP echo requests: one "
	       "request per path every --probe-interval, out of the path's "
	       "interface to its next hop; up to @0 addresses, each over the "
	       "paths of its group (stats shows the delays). Without it, "
	       "while the timeout is auto in a mode with flowlets or the "
	       "mode is share, each group's largest recent flow's "
	       "destination",
	       .kinds = "n", .args = { FLOWLET_MAX_PROBE_TARGETS },
	       .repeat = true),
	OPTION("probe-interval", OPT_PROBE_INTERVAL, "DURATION",
	       "between two probes to one address over one path (@0 to @1; "
	       "default @2)",
	       .kinds = "ddd",
	       .args = { PROBE_MIN_INTERVAL_NS, PROBE_MAX_INTERVAL_NS,
			 PROBE_INTERVAL_NS }),
	HOOK_OPTION,
	{ 0 },
};

int cmd_watch(int argc, char **argv)
{
	enum flowlet_hook hook = FLOWLET_HOOK_COUNT;
	/* SA_RESTART: a commit under way finishes (poll() returns anyway). */
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };
	int opt, status = EXIT_OK, claim = -1;
	struct ip_addr targets[FLOWLET_MAX_PROBE_TARGETS];
	__u64 interval_ns = PROBE_INTERVAL_NS;
	struct nl_events *ev = NULL;
	struct watch *w = calloc(1, sizeof(*w));
	int target_count = 0;
	bool json = false;

	if (!w) {
		pr_err("watch: out of memory");
		return EXIT_FAIL;
	}
	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, watch_options, &status)) !=
		       -1) {
		if (opt == OPT_JSON) {
			json = true;
		} else if (opt == OPT_PROBE) {
			if (target_count == FLOWLET_MAX_PROBE_TARGETS) {
				pr_err("--probe: at most %d addresses",
				       FLOWLET_MAX_PROBE_TARGETS);
				status = EXIT_USAGE;
			} else if (parse_ip(optarg, &targets[target_count])) {
				pr_err("--probe %s: not an IPv4 or IPv6 "
				       "address",
				       optarg);
				status = EXIT_USAGE;
			} else {
				target_count++;
			}
		} else if (opt == OPT_PROBE_INTERVAL) {
			if (parse_duration("--probe-interval", optarg,
					   &interval_ns))
				status = EXIT_USAGE;
			else if (interval_ns < PROBE_MIN_INTERVAL_NS ||
				 interval_ns > PROBE_MAX_INTERVAL_NS) {
				pr_err("--probe-interval %s: from %llums to "
				       "%llus",
				       optarg, PROBE_MIN_INTERVAL_NS / 1000000,
				       PROBE_MAX_INTERVAL_NS / 1000000000);
				status = EXIT_USAGE;
			}
		} else {
			command_hook(opt, optarg, &hook, &status);
		}
	}
	if (status == EXIT_OK)
		status = command_instance(argc, argv, hook, &w->in);
	if (status != EXIT_OK) {
		free(w);
		return status;
	}
	status = EXIT_FAIL;
	w->ifindex = w->in.ifindex;
	w->iface = w->in.iface;
	claim = watcher_claim(w->ifindex, w->in.hook);
	if (claim < 0) {
		if (errno == EADDRINUSE)
			pr_err("%s: already watched by pid %d", w->iface,
			       watcher_pid(w->ifindex, w->in.hook));
		else
			pr_err("%s: cannot claim the watch: %s", w->iface,
			       strerror(errno));
		goto out;
	}
	/* Without --probe, the flows' destinations; not at tc-egress,
	 * where flowlet would balance the probes themselves. */
	if (target_count || w->in.hook != FLOWLET_HOOK_TC_EGRESS) {
		w->prober =
			prober_open(&w->in, targets, target_count, interval_ns);
		if (!w->prober)
			goto out;
		prober_notify(w->prober, on_target, w);
	}
	/* Subscribe before the first sync, so that no change falls between
	 * reading the kernel and listening to it. */
	ev = nl_events_open();
	if (!ev) {
		pr_err("watch: cannot subscribe to netlink events: %s",
		       strerror(errno));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	print_start(json);
	if (!watch_loop(w, ev, claim))
		status = EXIT_OK;
out:
	nl_events_close(ev);
	if (claim >= 0)
		close(claim);
	prober_close(w->prober);
	instance_close(&w->in);
	free(w);
	return status;
}
