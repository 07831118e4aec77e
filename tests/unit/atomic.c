// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration changes under traffic, and two CPUs at once.
 *
 * atomic_config: one thread commits configs (2,000; 100,000 in make
 * stress; FLOWLET_CHANGES to choose) with the loader's
 * instance_commit() (mode, weights, path count and down paths all change)
 * while another sends frames through BPF_PROG_TEST_RUN. Each config writes
 * its generation into its paths' MACs, so every output frame tells which
 * config decided it: the path must exist and be up in that config, both
 * MACs must come from it, and no frame sent after a commit returned may
 * be decided under an older config. A control run then rewrites the
 * active config in place (what flowletctl set did before the ring) and
 * prints how many frames that tore: proof that the check can fail.
 *
 * two_cpus: two threads pinned to two CPUs send the same flows at once;
 * every frame goes to a path of the config, the per-CPU counters match
 * what each CPU sent, and spray's split is exact over both CPUs.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "unit.h"

#define FLOWS 64

struct gen_info {
	__u32 path_count;
	__u32 up_mask;
};

struct race {
	struct gen_info *info; /* by generation - first */
	__u64 first, last;     /* generations the committer may write */
	__u64 committed;       /* the last generation whose commit returned */
	bool done;
	long long misnumbered; /* commits that did not count one up */
	/* Results of the sender. */
	long long frames, bad, stale;
	char first_bad[160];
};

/* The config of generation @gen: 1-4 paths, every mode, weights 1-5, and
 * every third config has one path down. */
static void generation_config(__u64 gen, struct flowlet_config *cfg,
			      struct gen_info *info)
{
	__u32 n = 1 + gen % 4;

	configure_defaults(cfg);
	cfg->mode = gen % FLOWLET_MODE_COUNT;
	cfg->timeout_ns = TIMEOUT_NS;
	cfg->hash_seed = 0x5eed;
	cfg->path_count = n;
	info->path_count = n;
	info->up_mask = 0;
	for (__u32 i = 0; i < n; i++) {
		struct flowlet_path *p = &cfg->paths[i];
		const __u8 mac[6] = { 0x02, gen >> 16, gen >> 8, gen, 0, i };

		p->ifindex = LO_IFINDEX;
		p->weight = 1 + (gen * 7 + i * 3) % 5;
		p->down = n > 1 && gen % 3 == 0 && i == gen % n
				  ? FLOWLET_DOWN(LINK)
				  : 0;
		memcpy(p->dst_mac, mac, 6);
		memcpy(p->src_mac, mac, 6);
		p->src_mac[4] = 1;
		info->up_mask |= !p->down << i;
	}
	fill_slots(cfg);
}

/* Checks one output frame against the config it names; returns a
 * description of what is wrong, or NULL. */
static const char *check_frame(struct race *r, int verdict, const __u8 *out,
			       __u64 committed, __u64 *gen_out)
{
	__u64 gen = (__u64)out[1] << 16 | out[2] << 8 | out[3];
	__u32 path = out[5];
	const struct gen_info *info;

	/* 24 bits of generation: the committer never laps them. */
	gen |= r->first & ~0xffffffULL;
	*gen_out = gen;
	if (verdict != XDP_REDIRECT)
		return "not redirected (a devmap slot of another config?)";
	if (gen < r->first || gen > r->last)
		return "a generation the test never committed";
	info = &r->info[gen - r->first];
	if (memcmp(out, out + 6, 4) || out[4] != 0 || out[10] != 1 ||
	    out[11] != path)
		return "source and destination MACs of different configs";
	if (path >= __atomic_load_n(&info->path_count, __ATOMIC_ACQUIRE))
		return "a path the config does not have";
	if (!(info->up_mask >> path & 1))
		return "a path that is down in the config";
	if (gen < committed)
		return "decided under a config older than a finished commit";
	return NULL;
}

static void *sender(void *arg)
{
	struct race *r = arg;
	__u8 frame[MAX_FRAME], out[MAX_FRAME];

	for (long long i = 0; !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
	     i++) {
		struct pkt_spec spec = { .sport = 1000 + i % FLOWS };
		size_t len = build_packet(&spec, frame);
		__u64 committed =
			__atomic_load_n(&r->committed, __ATOMIC_ACQUIRE);
		__u64 gen = 0;
		int verdict;
		const char *bad;

		if (i % 8 == 0)
			advance(TIMEOUT_NS + 1);
		verdict = run(frame, len, out, NULL);
		bad = check_frame(r, verdict, out, committed, &gen);
		r->frames++;
		if (!bad)
			continue;
		if (!r->bad++)
			snprintf(r->first_bad, sizeof(r->first_bad),
				 "frame %lld (verdict %d, generation %llu, "
				 "path %u): %s",
				 i, verdict, (unsigned long long)gen, out[5],
				 bad);
		if (bad[0] == 'd')
			r->stale++;
	}
	return NULL;
}

/* Writes @cfg and its ports into the active slot in place. */
static void write_in_place(struct flowlet_config *cfg)
{
	instance_write_ports(&unit_in, instance_active_slot(&unit_in), cfg);
	write_active_config(cfg);
}

/* @changes configs while frames flow; returns the sender's results. */
static void race_configs(struct race *r, long long changes, bool in_place)
{
	struct instance_config active;
	struct flowlet_config cfg;
	pthread_t thread;

	instance_read_config(&unit_in, &active);
	memset(r, 0, sizeof(*r));
	r->first = active.cfg.generation + 1;
	r->last = r->first + changes;
	r->info = calloc(changes + 1, sizeof(*r->info));
	/* Start from a committed config of the series. */
	generation_config(r->first, &cfg, &r->info[0]);
	commit(&cfg);
	r->committed = r->first;
	pthread_create(&thread, NULL, sender, r);
	for (__u64 gen = r->first + 1; gen <= r->last; gen++) {
		generation_config(gen, &cfg, &r->info[gen - r->first]);
		if (in_place) {
			cfg.generation = gen;
			write_in_place(&cfg);
			continue;
		}
		commit(&cfg);
		r->misnumbered += cfg.generation != gen;
		__atomic_store_n(&r->committed, gen, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	free(r->info);
}

/* Sets the timeout, and the route table the loader keeps beside it. */
static int change_timeout(struct instance_config *c, void *ctx)
{
	c->cfg.timeout_ns = *(__u64 *)ctx;
	c->meta.route_table = 4242;
	return 0;
}

static int change_nothing(struct instance_config *c, void *ctx)
{
	(void)c;
	return *(int *)ctx;
}

/* instance_update(): read, change and commit under one lock, or nothing;
 * what the loader keeps (flowlet_meta) is committed with the config. */
UNIT_TEST(update)
{
	struct instance_config c, before, after;
	__u64 timeout = 12345;
	int one = 1, fail = -1, unchanged, failed, changed;

	configure(&c.cfg, 2, NULL, FLOWLET_MODE_FLOWLET);
	instance_read_config(&unit_in, &before);
	unchanged = instance_update(&unit_in, change_nothing, &one, NULL);
	failed = instance_update(&unit_in, change_nothing, &fail, NULL);
	instance_read_config(&unit_in, &after);
	CHECK(unchanged == 1 && failed == -1 &&
		      after.cfg.generation == before.cfg.generation,
	      "update: a change that changes nothing, or fails, commits "
	      "nothing (generation %llu -> %llu)",
	      (unsigned long long)before.cfg.generation,
	      (unsigned long long)after.cfg.generation);
	changed = instance_update(&unit_in, change_timeout, &timeout, &c);
	instance_read_config(&unit_in, &after);
	CHECK(changed == 0 && after.cfg.timeout_ns == 12345 &&
		      after.meta.route_table == 4242 &&
		      after.cfg.generation == before.cfg.generation + 1 &&
		      c.cfg.generation == after.cfg.generation &&
		      after.cfg.path_count == 2,
	      "update: the change is made to the config in force and "
	      "committed with the loader's part (timeout %llu, route table "
	      "%u, generation %llu)",
	      (unsigned long long)after.cfg.timeout_ns, after.meta.route_table,
	      (unsigned long long)after.cfg.generation);
}

UNIT_TEST(atomic_config)
{
	long long changes =
		env_count("FLOWLET_CHANGES", stress_run() ? 100000 : 2000);
	struct flowlet_config cfg;
	struct race r;

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	race_configs(&r, changes, false);
	CHECK(r.bad == 0 && r.frames > changes,
	      "atomic config: %lld commits of mode, weights, paths and down "
	      "paths under %lld frames from another thread: every frame went "
	      "to an up path of the one config that decided it (%lld bad%s%s)",
	      changes, r.frames, r.bad, r.bad ? "; first: " : "", r.first_bad);
	CHECK_EQ(r.stale, 0,
		 "atomic config: no frame sent after a commit returned was "
		 "decided under an older config");
	CHECK_EQ(r.misnumbered, 0,
		 "atomic config: each commit counted the generation one up");

	configure(&cfg, 1, NULL, FLOWLET_MODE_FLOWLET);
	race_configs(&r, changes, true);
	printf("# control: %lld in-place rewrites of the active config tore "
	       "%lld of %lld frames%s%s\n",
	       changes, r.bad, r.frames, r.bad ? "; first: " : "", r.first_bad);
}

struct cpu_sender {
	int cpu;
	long long rounds, sent, bad;
	pthread_t thread;
};

static void *cpu_send(void *arg)
{
	struct cpu_sender *s = arg;
	__u8 frame[FLOWS][MAX_FRAME], out[MAX_FRAME];
	size_t len[FLOWS];
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		s->bad = -1;
		return NULL;
	}
	for (int f = 0; f < FLOWS; f++)
		len[f] = build_packet(&(struct pkt_spec){ .sport = 2000 + f },
				      frame[f]);
	for (long long i = 0; i < s->rounds; i++) {
		for (int f = 0; f < FLOWS; f++) {
			int verdict = run(frame[f], len[f], out, NULL);

			s->sent++;
			s->bad += verdict != XDP_REDIRECT || out[5] >= 4;
		}
	}
	return NULL;
}

/* The frames CPU @cpu redirected. */
static __u64 cpu_redirected(int cpu)
{
	int cpus = libbpf_num_possible_cpus();
	struct flowlet_stats *values = calloc(cpus, sizeof(*values));
	__u32 zero = 0;
	__u64 v = 0;

	if (values && cpu < cpus &&
	    !bpf_map_lookup_elem(map_fd(skel->maps.flowlet_stats), &zero,
				 values))
		v = values[cpu].redirected;
	free(values);
	return v;
}

static void two_cpus(__u32 mode, const char *name)
{
	const __u32 weights[4] = { 1, 2, 3, 4 };
	struct cpu_sender s[2] = { { .cpu = 0, .rounds = 1000 },
				   { .cpu = 1, .rounds = 1000 } };
	long long total = 2 * 1000 * FLOWS, split_bad = 0, path_sum = 0;
	__u64 flowlets = 0;
	struct flowlet_config cfg;
	struct flowlet_stats st;

	configure(&cfg, 4, weights, mode);
	for (int i = 0; i < 2; i++)
		pthread_create(&s[i].thread, NULL, cpu_send, &s[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(s[i].thread, NULL);
	st = read_stats();
	for (__u32 p = 0; p < 4; p++) {
		struct flowlet_path_stats ps = read_path_stats(p);

		path_sum += ps.packets;
		flowlets += ps.flowlets;
		split_bad += ps.packets != (__u64)total * weights[p] / 10;
	}
	CHECK(s[0].bad == 0 && s[1].bad == 0 && s[0].sent + s[1].sent == total,
	      "two CPUs, %s: %lld frames of the same %d flows from CPUs 0 "
	      "and 1 at once all went to paths of the config (%lld, %lld "
	      "bad)",
	      name, total, FLOWS, s[0].bad, s[1].bad);
	CHECK(cpu_redirected(0) == (__u64)s[0].sent &&
		      cpu_redirected(1) == (__u64)s[1].sent &&
		      st.redirected == (__u64)total && path_sum == total &&
		      flowlets == st.flowlets,
	      "two CPUs, %s: each CPU's counters hold what it sent (%llu, "
	      "%llu), per-path and global counters add up",
	      name, (unsigned long long)cpu_redirected(0),
	      (unsigned long long)cpu_redirected(1));
	if (mode == FLOWLET_MODE_SPRAY)
		CHECK_EQ(split_bad, 0,
			 "two CPUs, spray 1,2,3,4: the shared cursor splits "
			 "both CPUs' frames exactly by weight (paths that are "
			 "off)");
	else
		CHECK(st.flows_created == FLOWS && st.path_changes == 0,
		      "two CPUs, %s: each flow created once (%llu of %d), no "
		      "path changes (%llu)",
		      name, (unsigned long long)st.flows_created, FLOWS,
		      (unsigned long long)st.path_changes);
}

UNIT_TEST(two_cpus)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		SKIP("two CPUs: this machine has one");
		return;
	}
	two_cpus(FLOWLET_MODE_SPRAY, "spray");
	two_cpus(FLOWLET_MODE_FLOWLET, "flowlet");
}
