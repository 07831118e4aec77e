// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* tdestroy */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "attach.h"
#include "instance.h"
#include "log.h"
#include "replay.h"
#include "trace.h"
#include "flowlet.skel.h" /* after flowlet.h: its types */

#define LO_IFINDEX 1 /* every path: test runs transmit nothing */

static const __u8 replay_mac[ETH_ALEN] = { 0x02, 0x66, 0x6c, 0, 0, 0x01 };
static const __u8 trace_mac[ETH_ALEN] = { 0x02, 0x66, 0x6c, 0, 0, 0x02 };

double replay_balance(const struct replay_result *r)
{
	__u64 total = 0, max = 0;

	for (__u32 i = 0; i < r->cfg.path_count && i < FLOWLET_MAX_PATHS; i++) {
		total += r->path_bytes[i];
		max = r->path_bytes[i] > max ? r->path_bytes[i] : max;
	}
	return total ? (double)max * r->cfg.path_count / total : 0;
}

/* One flow as the replay follows it. */
struct flow {
	struct flowlet_flow_key key;
	__u64 packets, bytes; /* of its current flowlet */
	__u32 flowlets, path;
};

static int flow_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct flow *)a)->key,
		      &((const struct flow *)b)->key,
		      sizeof(struct flowlet_flow_key));
}

static void flowlet_done(struct replay_result *r, const struct flow *f)
{
	r->flowlet_packets[flowlet_log2(f->packets)]++;
	r->flowlet_bytes[flowlet_log2(f->bytes)]++;
}

/* Accounts the packet the data path just redirected. */
static int account(struct replay_result *r, void **flows,
		   const struct flowlet_decision *d, __u32 bytes)
{
	struct flow probe = { .key = d->key }, *f, **node;

	node = tsearch(&probe, flows, flow_cmp);
	if (!node)
		return -1;
	if (*node == &probe) {
		f = calloc(1, sizeof(*f));
		if (!f) {
			tdelete(&probe, flows, flow_cmp);
			return -1;
		}
		*f = probe;
		*node = f;
		r->flows++;
	}
	f = *node;
	if (!d->new_flow && f->flowlets)
		r->path_changes += d->path != f->path;
	if (d->new_flowlet || !f->flowlets) {
		if (f->flowlets)
			flowlet_done(r, f);
		f->packets = 0;
		f->bytes = 0;
		f->flowlets++;
		r->flowlets++;
	}
	f->packets++;
	f->bytes += bytes;
	f->path = d->path;
	if (d->path < FLOWLET_MAX_PATHS) {
		r->path_packets[d->path]++;
		r->path_bytes[d->path] += bytes;
	}
	return 0;
}

static struct replay_result *walk_result;

static void walk_flow(const void *node, VISIT which, int depth)
{
	const struct flow *f = *(struct flow *const *)node;

	(void)depth;
	if (which != postorder && which != leaf)
		return;
	flowlet_done(walk_result, f);
	walk_result->flow_flowlets[flowlet_log2(f->flowlets)]++;
}

static int setup(struct flowlet *skel, const struct replay_opts *opts,
		 struct instance *in, struct flowlet_config *out)
{
	struct instance_config c;
	struct flowlet_config *cfg = &c.cfg;

	config_init(&c);
	c.meta.timeout_auto = false; /* nothing is measured in a replay */
	cfg->hash_seed = opts->seed;
	memcpy(cfg->ingress[0].mac, replay_mac, ETH_ALEN);
	cfg->ingress_count = 1;
	cfg->path_count = opts->paths;
	for (int i = 0; i < opts->paths; i++) {
		struct flowlet_path *p = &cfg->paths[i];

		p->ifindex = LO_IFINDEX;
		p->weight = 1;
		memcpy(p->src_mac, replay_mac, ETH_ALEN);
		memcpy(p->dst_mac, trace_mac, ETH_ALEN);
		p->dst_mac[5] = 0x10 + i;
	}
	if (config_apply_tuning(&opts->tuning, &c))
		return -1;
	if (instance_from_object(skel->obj, 0, FLOWLET_HOOK_XDP, in) ||
	    instance_commit(in, &c) ||
	    config_put_prefixes(in->fds[MAP_PREFIX], NULL, 0))
		return -1;
	*out = c.cfg;
	return 0;
}

int replay_pcap(const char *path, const struct replay_opts *opts,
		struct replay_result *r)
{
	struct trace *trace = trace_open(path);
	struct flowlet *skel = NULL;
	struct flowlet_stats stats;
	enum trace_next next;
	void *flows = NULL;
	struct instance in;
	int err = -1, fd;

	memset(r, 0, sizeof(*r));
	instance_init(&in, 0, FLOWLET_HOOK_XDP);
	if (!trace)
		return -1;
	r->link_type = trace_link_name(trace);
	skel = flowlet__open();
	if (skel)
		flowlet_select_hook(skel->obj, FLOWLET_HOOK_XDP);
	if (!skel) {
		pr_err("cannot open the flowlet BPF object: %s",
		       strerror(errno));
		goto out;
	}
	skel->rodata->flowlet_use_test_clock = true;
	if (flowlet__load(skel)) {
		pr_err("the kernel refused the flowlet program: %s",
		       strerror(errno));
		goto out;
	}
	if (setup(skel, opts, &in, &r->cfg)) {
		pr_err("cannot configure the replay's data path");
		goto out;
	}
	fd = bpf_program__fd(skel->progs.flowlet_xdp);
	for (;;) {
		static __u8 frame[TRACE_MAX_FRAME];
		__u64 ns;
		int len;

		next = trace_next(trace, replay_mac, trace_mac, frame, &len,
				  &ns);
		if (next == TRACE_END || next == TRACE_ERROR)
			break;
		if (!r->packets++)
			r->first_ns = ns;
		r->last_ns = ns;
		r->too_large += next == TRACE_TOO_LARGE;
		r->too_short += next == TRACE_TOO_SHORT;
		if (next != TRACE_FRAME)
			continue;

		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
			    .data_size_in = len, .repeat = 1);

		skel->bss->flowlet_clock_ns = ns;
		if (bpf_prog_test_run_opts(fd, &run)) {
			pr_err("%s: packet %llu: the test run failed: %s", path,
			       (unsigned long long)r->packets, strerror(errno));
			goto out;
		}
		if (run.retval != XDP_REDIRECT)
			continue;
		r->redirected++;
		if (account(r, &flows, &skel->bss->flowlet_last, len)) {
			pr_err("out of memory");
			goto out;
		}
	}
	if (next == TRACE_ERROR)
		goto out;
	if (percpu_sum(in.fds[MAP_STATS], 0, &stats, sizeof(stats))) {
		pr_err("cannot read the replay's counters");
		goto out;
	}
	memcpy(r->passed, stats.passed, sizeof(r->passed));
	/* The gaps are the data path's own telemetry. */
	memcpy(r->gap_started, stats.hist.gap_started, sizeof(r->gap_started));
	memcpy(r->gap_continued, stats.hist.gap_continued,
	       sizeof(r->gap_continued));
	walk_result = r;
	twalk(flows, walk_flow);
	err = 0;
out:
	tdestroy(flows, free);
	instance_close(&in);
	flowlet__destroy(skel);
	trace_close(trace);
	return err;
}
