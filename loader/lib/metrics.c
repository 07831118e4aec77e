// SPDX-License-Identifier: GPL-2.0
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "metrics.h"
#include "names.h"
#include "parse.h"
#include "routes.h"
#include "watcher.h"

/* name{iface="...",hook="..." with the instance's labels; the caller
 * adds its own and ends the sample with sample_end(). */
static void sample_start(FILE *out, const char *name,
			 const struct metrics_source *src)
{
	/* Interface names are [^/ \t\n:] and hook names ours: nothing to
	 * escape. */
	fprintf(out, "%s{iface=\"%s\",hook=\"%s\"", name, src->in->iface,
		hook_name(src->in->hook));
}

static void sample_end(FILE *out, unsigned long long value)
{
	fprintf(out, "} %llu\n", value);
}

static void sample_end_double(FILE *out, double value)
{
	fprintf(out, "} %.9g\n", value);
}

static void info(FILE *out, const char *name, const struct metrics_source *src,
		 size_t unused)
{
	(void)unused;
	sample_start(out, name, src);
	fprintf(out, ",mode=\"%s\",prog_id=\"%u\"", mode_name(src->s->cfg.mode),
		src->in->prog_id);
	sample_end(out, 1);
}

static void watched(FILE *out, const char *name,
		    const struct metrics_source *src, size_t unused)
{
	(void)unused;
	sample_start(out, name, src);
	sample_end(out, watcher_pid(src->in->ifindex, src->in->hook) > 0);
}

static void timeout(FILE *out, const char *name,
		    const struct metrics_source *src, size_t unused)
{
	(void)unused;
	sample_start(out, name, src);
	sample_end_double(out, src->s->cfg.timeout_ns / 1e9);
}

static void group_timeout(FILE *out, const char *name,
			  const struct metrics_source *src, size_t unused)
{
	const struct flowlet_config *cfg = &src->s->cfg;

	(void)unused;
	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++) {
		if (!cfg->groups[g].members)
			continue;
		sample_start(out, name, src);
		fprintf(out, ",group=\"%u\"", g);
		sample_end_double(out, cfg->groups[g].timeout_ns / 1e9);
	}
}

/* One sample of a group's --timeout auto: group @g's @value, or with
 * @input that input's, in ns (as seconds). */
static void auto_sample(FILE *out, const char *name,
			const struct metrics_source *src, __u32 g,
			const char *input, __u64 value)
{
	sample_start(out, name, src);
	fprintf(out, ",group=\"%u\"", g);
	if (!input) {
		sample_end(out, value);
		return;
	}
	fprintf(out, ",input=\"%s\"", input);
	sample_end_double(out, value / 1e9);
}

/* What group_auto() samples: the delays, or one count. */
enum auto_metric { AUTO_DELAYS, AUTO_RESENT, AUTO_RESENT_AFTER_MOVES };

/* --timeout auto: what watch set each group's timeout from (@what). */
static void group_auto(FILE *out, const char *name,
		       const struct metrics_source *src, size_t what)
{
	for (__u32 g = 0; g < src->s->cfg.group_count; g++) {
		const struct flowlet_auto *a = snapshot_auto(src->s, g);

		if (!a || !a->timeout_ns)
			continue;
		if (what != AUTO_DELAYS) {
			auto_sample(out, name, src, g, NULL,
				    what == AUTO_RESENT
					    ? a->retransmits
					    : a->resent_after_moves);
			continue;
		}
		auto_sample(out, name, src, g, "spread", a->spread_ns);
		auto_sample(out, name, src, g, "base", a->base_ns);
		auto_sample(out, name, src, g, "move", a->move_ns);
	}
}

static void flows(FILE *out, const char *name, const struct metrics_source *src,
		  size_t unused)
{
	(void)unused;
	sample_start(out, name, src);
	sample_end(out, src->s->flows < 0 ? 0 : src->s->flows);
}

/* A __u64 of struct flowlet_stats at @offset. */
static void global(FILE *out, const char *name,
		   const struct metrics_source *src, size_t offset)
{
	sample_start(out, name, src);
	sample_end(out,
		   *(const __u64 *)((const char *)&src->s->stats + offset));
}

/* One sample per reason of @counts, named by @reason_name. */
static void by_reason(FILE *out, const char *name,
		      const struct metrics_source *src, const __u64 *counts,
		      __u32 count, const char *(*reason_name)(__u32))
{
	for (__u32 r = 0; r < count; r++) {
		sample_start(out, name, src);
		fprintf(out, ",reason=\"%s\"", reason_name(r));
		sample_end(out, counts[r]);
	}
}

static void passed(FILE *out, const char *name,
		   const struct metrics_source *src, size_t unused)
{
	(void)unused;
	by_reason(out, name, src, src->s->stats.passed, FLOWLET_PASS_COUNT,
		  pass_reason_name);
}

static void dropped(FILE *out, const char *name,
		    const struct metrics_source *src, size_t unused)
{
	(void)unused;
	by_reason(out, name, src, src->s->stats.dropped, FLOWLET_DROP_COUNT,
		  drop_reason_name);
}

static void path_start(FILE *out, const char *name,
		       const struct metrics_source *src, __u32 i)
{
	const struct flowlet_path *p = &src->s->cfg.paths[i];
	const struct flowlet_path_meta *m = &src->s->meta.paths[i];
	char dev[IF_NAMESIZE], hop[INET6_ADDRSTRLEN];

	if (!if_indextoname(p->ifindex, dev))
		snprintf(dev, sizeof(dev), "#%u", p->ifindex);
	format_ip(m->nexthop, m->nexthop_family, hop, sizeof(hop));
	sample_start(out, name, src);
	fprintf(out, ",path=\"%u\",dev=\"%s\",nexthop=\"%s\"", i, dev, hop);
}

/* A __u64 of struct flowlet_path_stats at @offset, per path. */
static void per_path(FILE *out, const char *name,
		     const struct metrics_source *src, size_t offset)
{
	for (__u32 i = 0; i < src->s->cfg.path_count; i++) {
		path_start(out, name, src, i);
		sample_end(out,
			   *(const __u64 *)((const char *)&src->s->paths[i] +
					    offset));
	}
}

static void path_up(FILE *out, const char *name,
		    const struct metrics_source *src, size_t unused)
{
	(void)unused;
	for (__u32 i = 0; i < src->s->cfg.path_count; i++) {
		path_start(out, name, src, i);
		sample_end(out, !src->s->cfg.paths[i].down);
	}
}

/* Where the egress driver counts what it takes: the redirected frames it
 * did not take. */
static void path_tx_failed(FILE *out, const char *name,
			   const struct metrics_source *src, size_t unused)
{
	(void)unused;
	for (__u32 i = 0; i < src->s->cfg.path_count; i++) {
		if (src->s->tx_failed[i] < 0)
			continue;
		path_start(out, name, src, i);
		sample_end(out, src->s->tx_failed[i]);
	}
}

static void path_weight(FILE *out, const char *name,
			const struct metrics_source *src, size_t unused)
{
	(void)unused;
	for (__u32 i = 0; i < src->s->cfg.path_count; i++) {
		path_start(out, name, src, i);
		sample_end(out, src->s->cfg.paths[i].weight);
	}
}

/* --from-routes: each group's paths and their weights in it. */
static void group_weight(FILE *out, const char *name,
			 const struct metrics_source *src, size_t unused)
{
	const struct flowlet_config *cfg = &src->s->cfg;

	(void)unused;
	for (__u32 g = 0; src->s->meta.from_routes && g < cfg->group_count &&
			  g < FLOWLET_MAX_GROUPS;
	     g++) {
		for (__u32 i = 0; i < cfg->path_count; i++) {
			if (!(cfg->groups[g].members & (1u << i)))
				continue;
			path_start(out, name, src, i);
			fprintf(out, ",group=\"%u\"", g);
			sample_end(out, cfg->groups[g].weights[i]);
		}
	}
}

/* --from-routes: the routes balanced over each group. */
static void group_routes(FILE *out, const char *name,
			 const struct metrics_source *src, size_t unused)
{
	const struct flowlet_config *cfg = &src->s->cfg;
	unsigned long long count[FLOWLET_MAX_GROUPS] = { 0 };
	struct route_prefix *routes = NULL;
	int n;

	(void)unused;
	if (!src->s->meta.from_routes)
		return;
	n = routes_read_prefixes(src->in->fds[MAP_PREFIX], &routes);
	for (int r = 0; r < n; r++) {
		if (routes[r].value.action == FLOWLET_PREFIX_BALANCE)
			count[routes[r].value.group % FLOWLET_MAX_GROUPS]++;
	}
	free(routes);
	for (__u32 g = 0; g < cfg->group_count && g < FLOWLET_MAX_GROUPS; g++) {
		if (!cfg->groups[g].members)
			continue;
		sample_start(out, name, src);
		fprintf(out, ",group=\"%u\"", g);
		sample_end(out, count[g]);
	}
}

/* Calls @fn for each probed target and path of @src (watch --probe),
 * after the sample's labels: path, dev, nexthop, target. */
static void
each_delay(FILE *out, const char *name, const struct metrics_source *src,
	   void (*fn)(FILE *out, const struct flowlet_delay *d, size_t offset),
	   size_t offset)
{
	for (__u32 k = 0; k < FLOWLET_MAX_PROBE_TARGETS * FLOWLET_MAX_PATHS;
	     k++) {
		const struct flowlet_delay *d = &src->s->delay[k];
		char target[INET6_ADDRSTRLEN];

		if (!delay_probed(d) ||
		    k % FLOWLET_MAX_PATHS >= src->s->cfg.path_count)
			continue;
		format_ip(d->target, d->family, target, sizeof(target));
		path_start(out, name, src, k % FLOWLET_MAX_PATHS);
		fprintf(out, ",target=\"%s\"", target);
		fn(out, d, offset);
	}
}

static void delay_counter(FILE *out, const struct flowlet_delay *d,
			  size_t offset)
{
	sample_end(out, *(const __u64 *)((const char *)d + offset));
}

static void probe_counter(FILE *out, const char *name,
			  const struct metrics_source *src, size_t offset)
{
	each_delay(out, name, src, delay_counter, offset);
}

static void delay_quantile(FILE *out, const struct flowlet_delay *d,
			   size_t offset)
{
	static const char *const percentiles[] = { "0", "50", "99" };
	const __u64 value[] = { d->min_ns, d->p50_ns, d->p99_ns };

	fprintf(out, ",percentile=\"%s\"", percentiles[offset]);
	sample_end_double(out, value[offset] / 1e9);
}

/* min, p50 and p99, each a sample with its percentile label. */
static void delays(FILE *out, const char *name,
		   const struct metrics_source *src, size_t unused)
{
	(void)unused;
	for (size_t q = 0; q < 3; q++)
		each_delay(out, name, src, delay_quantile, q);
}

/*
 * A log2 histogram (struct flowlet_hist) as a Prometheus histogram with
 * the label @label (may be ""): bucket i counts values in [2^i, 2^(i+1)),
 * integers, so its upper bound is 2^(i+1) - 1 (times @scale: seconds for
 * ns); the last bucket is open, +Inf only. No _sum: the data path counts
 * per bucket only.
 */
static void histogram(FILE *out, const char *name,
		      const struct metrics_source *src, const __u64 *bucket,
		      const char *label, double scale)
{
	unsigned long long total = 0;
	char series[96];

	snprintf(series, sizeof(series), "%s_bucket", name);
	for (int i = 0; i < FLOWLET_HIST_BUCKETS; i++) {
		total += bucket[i];
		sample_start(out, series, src);
		if (i < FLOWLET_HIST_BUCKETS - 1)
			fprintf(out, "%s,le=\"%.9g\"", label,
				((double)(1ULL << (i + 1)) - 1) * scale);
		else
			fprintf(out, "%s,le=\"+Inf\"", label);
		sample_end(out, total);
	}
	snprintf(series, sizeof(series), "%s_count", name);
	sample_start(out, series, src);
	fprintf(out, "%s", label);
	sample_end(out, total);
}

static void gaps(FILE *out, const char *name, const struct metrics_source *src,
		 size_t unused)
{
	const struct flowlet_hist *h = &src->s->stats.hist;

	(void)unused;
	if (!src->s->cfg.telemetry)
		return;
	histogram(out, name, src, h->gap_started, ",kind=\"started\"", 1e-9);
	histogram(out, name, src, h->gap_continued, ",kind=\"continued\"",
		  1e-9);
}

/* The histogram of struct flowlet_stats at @offset. */
static void sizes(FILE *out, const char *name, const struct metrics_source *src,
		  size_t offset)
{
	if (src->s->cfg.telemetry)
		histogram(
			out, name, src,
			(const __u64 *)((const char *)&src->s->stats + offset),
			"", 1);
}

#define STAT(field) offsetof(struct flowlet_stats, field)
#define PATH(field) offsetof(struct flowlet_path_stats, field)

/* The metric families, in the order they are written. */
static const struct family {
	const char *name;
	const char *type;
	const char *help;
	void (*samples)(FILE *out, const char *name,
			const struct metrics_source *src, size_t offset);
	size_t offset;
} families[] = {
	{ "flowlet_info", "gauge", "1 per instance; its mode and program.",
	  info, 0 },
	{ "flowlet_watched", "gauge",
	  "1 while flowletctl watch keeps the instance true to the kernel "
	  "(links, neighbours, routes) and measures its paths.",
	  watched, 0 },
	{ "flowlet_timeout_seconds", "gauge",
	  "The flowlet timeout (with --timeout auto: until measured).", timeout,
	  0 },
	{ "flowlet_group_timeout_seconds", "gauge",
	  "The flowlet timeout in force in the path group.", group_timeout, 0 },
	{ "flowlet_group_auto_seconds", "gauge",
	  "--timeout auto: what watch set the group's timeout from: the delay "
	  "spread and base between its paths, and the move timeout of its "
	  "flows' gaps (0: no flows).",
	  group_auto, AUTO_DELAYS },
	{ "flowlet_group_auto_retransmits", "gauge",
	  "--timeout auto: the TCP segments the group's senders sent again "
	  "over watch's last 10 looks (about 10 s), after a loss or a "
	  "reordering they took for one.",
	  group_auto, AUTO_RESENT },
	{ "flowlet_group_auto_resent_after_moves", "gauge",
	  "--timeout auto: of flowlet_group_auto_retransmits, the ones sent "
	  "within the resend window of their flow's last move below the safe "
	  "gap: what the moves cost.",
	  group_auto, AUTO_RESENT_AFTER_MOVES },
	{ "flowlet_flows", "gauge", "Entries in the flow tables.", flows, 0 },
#define X(field, label, help) \
	{ "flowlet_" #field "_total", "counter", help, global, STAT(field) },
	FLOWLET_COUNTERS(X)
#undef X
		{ "flowlet_passed_total", "counter",
		  "Packets left to the kernel, by reason.", passed, 0 },
	{ "flowlet_dropped_total", "counter", "Packets dropped, by reason.",
	  dropped, 0 },
	{ "flowlet_path_packets_total", "counter",
	  "Packets sent over the path.", per_path, PATH(packets) },
	{ "flowlet_path_bytes_total", "counter", "Bytes sent over the path.",
	  per_path, PATH(bytes) },
	{ "flowlet_path_flowlets_total", "counter",
	  "Flowlets started on the path.", per_path, PATH(flowlets) },
	{ "flowlet_path_up", "gauge",
	  "1 if the path may be chosen (up; its weight aside).", path_up, 0 },
	{ "flowlet_path_tx_failed_total", "counter",
	  "Redirected frames the path's egress driver did not take since "
	  "attach (where the driver counts them).",
	  path_tx_failed, 0 },
	{ "flowlet_path_weight", "gauge", "The path's weight.", path_weight,
	  0 },
	{ "flowlet_group_path_weight", "gauge",
	  "--from-routes: the path's weight in the path group.", group_weight,
	  0 },
	{ "flowlet_group_routes", "gauge",
	  "--from-routes: routes balanced over the path group.", group_routes,
	  0 },
	{ "flowlet_path_delay_seconds", "gauge",
	  "watch --probe: the round trip to the target over the path, over "
	  "its last samples (percentile 0: the least).",
	  delays, 0 },
	{ "flowlet_path_probes_total", "counter",
	  "watch --probe: echo requests sent to the target over the path.",
	  probe_counter, offsetof(struct flowlet_delay, sent) },
	{ "flowlet_path_probes_answered_total", "counter",
	  "watch --probe: of them, answered in time.", probe_counter,
	  offsetof(struct flowlet_delay, answered) },
	{ "flowlet_path_probes_lost_total", "counter",
	  "watch --probe: of them, not answered in time.", probe_counter,
	  offsetof(struct flowlet_delay, lost) },
	{ "flowlet_gap_seconds", "histogram",
	  "Gaps between a flow's packets, by whether they started a flowlet "
	  "(telemetry).",
	  gaps, 0 },
	{ "flowlet_flowlet_packets", "histogram",
	  "Sizes of flowlets that ended, in packets (telemetry).", sizes,
	  STAT(hist.flowlet_packets) },
	{ "flowlet_flowlet_bytes", "histogram",
	  "Sizes of flowlets that ended, in bytes (telemetry).", sizes,
	  STAT(hist.flowlet_bytes) },
};

void metrics_write(FILE *out, const struct metrics_source *src, int count)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", families[f].name,
			families[f].help, families[f].name, families[f].type);
		for (int i = 0; i < count; i++)
			families[f].samples(out, families[f].name, &src[i],
					    families[f].offset);
	}
}
