// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "ethtool.h"
#include "hook.h"
#include "clock.h"
#include "flowlet.skel.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "paths.h"

static const char *const map_names[MAP_COUNT] = {
#define X(id, name) [MAP_##id] = #name,
	INSTANCE_MAPS(X)
#undef X
};

/* The key and value sizes of each map in the object flowletctl carries,
 * read from it once. */
static struct {
	__u32 key_size;
	__u32 value_size;
} map_layouts[MAP_COUNT];

static int read_map_layouts(void)
{
	static int state; /* 0 not yet, 1 read, -1 failed */
	struct flowlet *skel;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	skel = flowlet__open();
	if (!skel) {
		pr_err("cannot open the flowlet object flowletctl carries");
		return -1;
	}
	for (int m = 0; m < MAP_COUNT; m++) {
		struct bpf_map *map =
			bpf_object__find_map_by_name(skel->obj, map_names[m]);

		if (!map) {
			pr_err("the flowlet object has no map %s",
			       map_names[m]);
			flowlet__destroy(skel);
			return -1;
		}
		map_layouts[m].key_size = bpf_map__key_size(map);
		map_layouts[m].value_size = bpf_map__value_size(map);
	}
	flowlet__destroy(skel);
	state = 1;
	return 0;
}

const char *instance_map_name(enum instance_map map)
{
	return map_names[map];
}

const char *xdp_mode_name(__u32 xdp_flags)
{
	return xdp_flags & XDP_FLAGS_SKB_MODE ? "generic" : "native";
}

void instance_init(struct instance *in, int ifindex, enum flowlet_hook hook)
{
	memset(in, 0, sizeof(*in));
	in->ifindex = ifindex;
	in->hook = hook;
	in->prog_fd = -1;
	for (int i = 0; i < MAP_COUNT; i++)
		in->fds[i] = -1;
	if_indextoname(ifindex, in->iface);
}

void instance_close(struct instance *in)
{
	if (in->prog_fd >= 0)
		close(in->prog_fd);
	for (int i = 0; i < MAP_COUNT; i++) {
		if (in->fds[i] >= 0)
			close(in->fds[i]);
	}
	instance_init(in, in->ifindex, in->hook);
}

/* Opens the maps of the program by name and checks their layout. */
static enum instance_status instance_open_maps(struct instance *in,
					       __u32 *map_ids, __u32 nr_maps)
{
	if (read_map_layouts())
		return INSTANCE_ERROR;
	for (__u32 i = 0; i < nr_maps; i++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		for (int m = 0; m < MAP_COUNT; m++) {
			if (strcmp(info.name, map_names[m]) || in->fds[m] >= 0)
				continue;
			if (info.key_size != map_layouts[m].key_size ||
			    info.value_size != map_layouts[m].value_size) {
				close(fd);
				return INSTANCE_STALE;
			}
			in->fds[m] = fd;
			fd = -1;
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	for (int m = 0; m < MAP_COUNT; m++) {
		/* The devmap is XDP's alone (see instance_write_ports()). */
		if (in->fds[m] < 0 &&
		    (m != MAP_PORTS || in->hook == FLOWLET_HOOK_XDP))
			return INSTANCE_STALE;
	}
	return INSTANCE_FOUND;
}

enum instance_status instance_probe(int ifindex, enum flowlet_hook hook,
				    struct instance *in)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info),
	      map_ids[32] /* its maps, .rodata and .bss too */, prog_id;
	enum instance_status status;
	int err;

	instance_init(in, ifindex, hook);
	err = hook_query(ifindex, hook, &prog_id, &in->xdp_flags);
	if (err) {
		pr_err("%s: cannot query %s: %s", in->iface, hook_name(hook),
		       strerror(-err));
		return INSTANCE_ERROR;
	}
	if (!prog_id)
		return INSTANCE_NONE;
	in->prog_id = prog_id;
	in->prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (in->prog_fd < 0) {
		pr_err("%s: cannot open the %s program id %u: %s", in->iface,
		       hook_name(hook), prog_id, strerror(errno));
		return INSTANCE_ERROR;
	}
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(in->prog_fd, &info, &len)) {
		pr_err("%s: cannot read the %s program id %u: %s", in->iface,
		       hook_name(hook), prog_id, strerror(errno));
		return INSTANCE_ERROR;
	}
	memcpy(in->prog_name, info.name, sizeof(in->prog_name));
	if (strcmp(info.name, hook_prog_name(hook)))
		return INSTANCE_OTHER;
	if (info.nr_map_ids > sizeof(map_ids) / sizeof(map_ids[0]))
		info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	status = instance_open_maps(in, map_ids, info.nr_map_ids);
	if (status == INSTANCE_STALE) {
		/* Keep the program (attach replaces it), not the maps. */
		for (int m = 0; m < MAP_COUNT; m++) {
			if (in->fds[m] >= 0)
				close(in->fds[m]);
			in->fds[m] = -1;
		}
	}
	return status;
}

/* The instances at @ifindex's hooks; 1 when @fn said stop. */
static int for_each_hook(int ifindex, int (*fn)(struct instance *in, void *ctx),
			 void *ctx)
{
	for (int hook = 0; hook < FLOWLET_HOOK_COUNT; hook++) {
		struct instance in;
		int stop = 0;

		if (instance_probe(ifindex, hook, &in) == INSTANCE_FOUND)
			stop = fn(&in, ctx);
		instance_close(&in);
		if (stop)
			return 1;
	}
	return 0;
}

int instance_for_each(int ifindex, int (*fn)(struct instance *in, void *ctx),
		      void *ctx)
{
	struct if_nameindex *ifs;

	if (ifindex) {
		for_each_hook(ifindex, fn, ctx);
		return 0;
	}
	ifs = if_nameindex();
	if (!ifs)
		return -1;
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		if (for_each_hook(i->if_index, fn, ctx))
			break;
	}
	if_freenameindex(ifs);
	return 0;
}

long long instance_prog_now(const struct instance *in)
{
	__u32 prog_id, xdp_flags;

	if (hook_query(in->ifindex, in->hook, &prog_id, &xdp_flags))
		return -1;
	return prog_id;
}

/* The one hook of @ifindex where flowlet runs: FOUND (or STALE) there;
 * OTHER when another program runs and flowlet nowhere; NONE; or ERROR
 * (printed) when flowlet runs at several or a query failed. */
static enum instance_status probe_any(int ifindex, const char *iface,
				      struct instance *in)
{
	enum instance_status best = INSTANCE_NONE, status;
	struct instance other;
	int found = -1;

	instance_init(in, ifindex, FLOWLET_HOOK_XDP);
	for (int hook = 0; hook < FLOWLET_HOOK_COUNT; hook++) {
		status = instance_probe(ifindex, hook, &other);
		if (status == INSTANCE_ERROR) {
			instance_close(&other);
			instance_close(in);
			return status;
		}
		if (status == INSTANCE_OTHER && best == INSTANCE_NONE) {
			/* Reported if flowlet runs nowhere. */
			best = status;
			in->hook = hook;
			in->prog_id = other.prog_id;
			memcpy(in->prog_name, other.prog_name,
			       sizeof(in->prog_name));
		}
		if (status != INSTANCE_FOUND && status != INSTANCE_STALE) {
			instance_close(&other);
			continue;
		}
		if (found >= 0) {
			pr_err("%s: flowlet runs at %s and at %s: say which "
			       "with --hook",
			       iface, hook_name(found), hook_name(hook));
			instance_close(&other);
			instance_close(in);
			return INSTANCE_ERROR;
		}
		found = hook;
		best = status;
		*in = other;
	}
	return best;
}

int instance_open(const char *iface, enum flowlet_hook hook,
		  struct instance *in)
{
	int ifindex = netdev_index(iface);
	enum instance_status status;

	instance_init(in, ifindex, hook);
	if (!ifindex)
		return -1;
	if (hook == FLOWLET_HOOK_COUNT)
		status = probe_any(ifindex, iface, in);
	else
		status = instance_probe(ifindex, hook, in);
	switch (status) {
	case INSTANCE_FOUND:
		return 0;
	case INSTANCE_NONE:
		if (hook == FLOWLET_HOOK_COUNT)
			pr_err("%s: flowlet is not attached", iface);
		else
			pr_err("%s: flowlet is not attached at %s", iface,
			       hook_name(hook));
		break;
	case INSTANCE_OTHER:
		pr_err("%s: the %s program there is '%s' (id %u), not flowlet",
		       iface, hook_name(in->hook), in->prog_name, in->prog_id);
		break;
	case INSTANCE_STALE:
		pr_err("%s: flowlet there (prog %u) has maps of another "
		       "version; attach again with this flowletctl",
		       iface, in->prog_id);
		break;
	case INSTANCE_ERROR:
		break;
	}
	instance_close(in);
	return -1;
}

int instance_from_object(struct bpf_object *obj, int ifindex,
			 enum flowlet_hook hook, struct instance *in)
{
	instance_init(in, ifindex, hook);
	for (int m = 0; m < MAP_COUNT; m++) {
		struct bpf_map *map;

		if (m == MAP_PORTS && hook != FLOWLET_HOOK_XDP)
			continue;
		map = bpf_object__find_map_by_name(obj, map_names[m]);
		in->fds[m] =
			map ? fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 0) : -1;
		if (in->fds[m] < 0) {
			pr_err("the flowlet object has no usable map %s",
			       map_names[m]);
			instance_close(in);
			return -1;
		}
	}
	return 0;
}

int instance_active_slot(const struct instance *in)
{
	__u32 zero = 0, slot;

	if (bpf_map_lookup_elem(in->fds[MAP_ACTIVE], &zero, &slot)) {
		pr_err("%s: cannot read flowlet_active: %s", in->iface,
		       strerror(errno));
		return -1;
	}
	return slot & (FLOWLET_CONFIG_SLOTS - 1);
}

int instance_read_config(const struct instance *in, struct instance_config *c)
{
	int slot = instance_active_slot(in);

	if (slot < 0)
		return -1;
	if (bpf_map_lookup_elem(in->fds[MAP_CONFIG], &slot, &c->cfg) ||
	    bpf_map_lookup_elem(in->fds[MAP_META], &slot, &c->meta)) {
		pr_err("%s: cannot read config slot %d: %s", in->iface, slot,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Returns after an RCU grace period: every XDP program run that started
 * before has finished. The kernel waits for one (synchronize_rcu) when
 * user space updates a map-in-map, so that programs see the new inner
 * map when the call returns; a private outer map of one slot serves.
 */
static int grace_inner = -1, grace_outer = -1;

/* Creates the map grace_period_wait() updates, once per process. */
static int grace_period_prepare(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);

	if (grace_outer >= 0)
		return 0;
	grace_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "flowlet_grace", 4, 4,
				     1, NULL);
	opts.inner_map_fd = grace_inner;
	if (grace_inner >= 0)
		grace_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS,
					     "flowlet_grace", 4, 4, 1, &opts);
	if (grace_outer < 0) {
		pr_err("cannot create the map that waits for a grace period: "
		       "%s",
		       strerror(errno));
		if (grace_inner >= 0)
			close(grace_inner);
		grace_inner = -1;
		return -1;
	}
	return 0;
}

static int grace_period_wait(void)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(grace_outer, &zero, &grace_inner, BPF_ANY)) {
		pr_err("cannot wait for a grace period: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#define COMMIT_LOCK "/run/flowlet.lock"

/* Commits by several processes (attach, set, later watch) take turns. */
static int commit_lock(void)
{
	int fd = open(COMMIT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX)) {
		pr_err("cannot lock %s: %s", COMMIT_LOCK, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int instance_write_ports(const struct instance *in, __u32 slot,
			 const struct flowlet_config *cfg)
{
	/* TC programs redirect by the config's ifindex: no devmap. */
	if (in->fds[MAP_PORTS] < 0)
		return 0;
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++) {
		__u32 key = slot * FLOWLET_MAX_PATHS + i;

		if (i >= cfg->path_count) {
			if (bpf_map_delete_elem(in->fds[MAP_PORTS], &key) &&
			    errno != ENOENT)
				goto fail;
			continue;
		}
		if (bpf_map_update_elem(in->fds[MAP_PORTS], &key,
					&cfg->paths[i].ifindex, BPF_ANY))
			goto fail;
	}
	return 0;
fail:
	pr_err("%s: cannot put path interfaces into flowlet_ports: %s",
	       in->iface, strerror(errno));
	return -1;
}

static double last_flip;

double instance_last_flip(void)
{
	return last_flip;
}

int instance_update(const struct instance *in,
		    int (*change)(struct instance_config *c, void *ctx),
		    void *ctx, struct instance_config *out)
{
	struct instance_config old, c;
	int lock = commit_lock(), slot, err = -1;
	__u32 zero = 0, next;

	if (lock < 0)
		return -1;
	if (grace_period_prepare())
		goto out;
	slot = instance_active_slot(in);
	if (slot < 0 || instance_read_config(in, &old))
		goto out;
	c = old;
	err = change(&c, ctx);
	if (err)
		goto out;
	err = -1;
	/* What the watcher measures --timeout auto from. */
	c.cfg.count_gaps = c.meta.timeout_auto && mode_flowlets(c.cfg.mode);
	next = (slot + 1) & (FLOWLET_CONFIG_SLOTS - 1);
	/* A re-attach's first commit continues the old instance's count. */
	if (c.cfg.generation < old.cfg.generation)
		c.cfg.generation = old.cfg.generation;
	c.cfg.generation++;
	if (instance_write_ports(in, next, &c.cfg))
		goto out;
	if (bpf_map_update_elem(in->fds[MAP_META], &next, &c.meta, BPF_ANY) ||
	    bpf_map_update_elem(in->fds[MAP_CONFIG], &next, &c.cfg, BPF_ANY) ||
	    bpf_map_update_elem(in->fds[MAP_ACTIVE], &zero, &next, BPF_ANY)) {
		pr_err("%s: cannot write config slot %u: %s", in->iface, next,
		       strerror(errno));
		goto out;
	}
	last_flip = monotonic_seconds();
	err = grace_period_wait();
	if (!err && out)
		*out = c;
out:
	close(lock);
	return err;
}

static int replace_config(struct instance_config *c, void *ctx)
{
	const struct instance_config *with = ctx;

	*c = *with;
	return 0;
}

int instance_commit(const struct instance *in, struct instance_config *c)
{
	return instance_update(in, replace_config, c, c);
}

void instance_reset_path(const struct instance *in, __u32 path)
{
	int cpus = libbpf_num_possible_cpus();
	struct flowlet_load load = { 0 };
	void *zeros;

	if (cpus <= 0 || in->fds[MAP_PSTATS] < 0)
		return;
	zeros = calloc(cpus, sizeof(struct flowlet_path_stats));
	if (zeros)
		bpf_map_update_elem(in->fds[MAP_PSTATS], &path, zeros, BPF_ANY);
	free(zeros);
	bpf_map_update_elem(in->fds[MAP_LOAD], &path, &load, BPF_ANY);
	for (__u32 g = 0; g < FLOWLET_MAX_GROUPS; g++) {
		__u32 key = g * FLOWLET_MAX_PATHS + path;

		bpf_map_update_elem(in->fds[MAP_SHARE], &key,
				    &(struct flowlet_share){ 0 }, BPF_ANY);
		bpf_map_update_elem(in->fds[MAP_CAPACITY], &key,
				    &(struct flowlet_capacity){ 0 }, BPF_ANY);
	}
}

void instance_record_xmit(const struct instance *in, struct instance_config *c)
{
	for (__u32 i = 0; i < c->cfg.path_count && i < FLOWLET_MAX_PATHS; i++) {
		struct flowlet_path_stats ps;
		long long xmit = netdev_xdp_xmit(c->cfg.paths[i].ifindex);

		if (percpu_sum(in->fds[MAP_PSTATS], i, &ps, sizeof(ps)))
			ps.packets = 0;
		c->meta.paths[i].xmit_offset = xmit - (long long)ps.packets;
	}
}

int instance_reset_counters(const struct instance *in,
			    struct instance_config *c)
{
	int cpus = libbpf_num_possible_cpus();
	void *zeros =
		cpus > 0 ? calloc(cpus, sizeof(struct flowlet_stats)) : NULL;
	__u32 zero = 0;
	int err;

	if (!zeros)
		return -1;
	err = bpf_map_update_elem(in->fds[MAP_STATS], &zero, zeros, BPF_ANY);
	free(zeros);
	if (err) {
		pr_err("%s: cannot zero flowlet_stats: %s", in->iface,
		       strerror(errno));
		return -1;
	}
	for (__u32 i = 0; i < FLOWLET_MAX_PATHS; i++)
		instance_reset_path(in, i);
	if (in->hook == FLOWLET_HOOK_XDP)
		instance_record_xmit(in, c);
	return 0;
}

int percpu_sum(int map_fd, __u32 key, void *sum, size_t size)
{
	int cpus = libbpf_num_possible_cpus();
	size_t stride = (size + 7) & ~(size_t)7;
	__u64 *values, *out = sum;
	int err = -1;

	if (cpus <= 0)
		return -1;
	values = calloc(cpus, stride);
	if (!values)
		return -1;
	memset(sum, 0, size);
	if (!bpf_map_lookup_elem(map_fd, &key, values)) {
		for (int c = 0; c < cpus; c++) {
			const __u64 *v =
				(const void *)((char *)values + c * stride);

			for (size_t f = 0; f < size / 8; f++)
				out[f] += v[f];
		}
		err = 0;
	}
	free(values);
	return err;
}

#define FLOW_BATCH 4096

/* The flow tables, in the order instance_read_flows() lists them. */
static const enum instance_map flow_tables[] = { MAP_FLOWS, MAP_NEW, MAP_FLOWS6,
						 MAP_NEW6 };

static bool is_ipv4_table(enum instance_map map)
{
	return map == MAP_FLOWS || map == MAP_NEW;
}

/* An IPv4 table's key in the form flowletctl shows every flow in. */
static void key_from4(const struct flowlet_flow_key4 *k4,
		      struct flowlet_flow_key *key)
{
	memset(key, 0, sizeof(*key));
	memcpy(key->src, &k4->src, 4);
	memcpy(key->dst, &k4->dst, 4);
	key->sport = k4->sport;
	key->dport = k4->dport;
	key->proto = k4->proto;
	key->family = 4;
}

/* The key of table @map for a flow shown as @key. */
static const void *key_for(enum instance_map map,
			   const struct flowlet_flow_key *key,
			   struct flowlet_flow_key4 *k4)
{
	if (!is_ipv4_table(map))
		return key;
	*k4 = (struct flowlet_flow_key4){ .sport = key->sport,
					  .dport = key->dport,
					  .proto = key->proto };
	memcpy(&k4->src, key->src, 4);
	memcpy(&k4->dst, key->dst, 4);
	return k4;
}

/*
 * Appends the whole table @map with BPF_MAP_LOOKUP_BATCH: consistent while
 * the data path adds and evicts entries, where a get_next_key walk can
 * restart or repeat. Returns the new count, or -1.
 */
static long long read_table(const struct instance *in, enum instance_map map,
			    struct flowlet_flow_key **keys,
			    struct flowlet_flow **values, size_t n, size_t *cap)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	bool first = true, ipv4 = is_ipv4_table(map);
	struct flowlet_flow_key4 *keys4 = NULL;
	__u32 token, count;
	int err = -1;
	bool done;

	if (ipv4 && !(keys4 = malloc(FLOW_BATCH * sizeof(*keys4))))
		return -1;
	do {
		if (*cap - n < FLOW_BATCH) {
			size_t more = *cap + FLOW_BATCH;
			void *k = realloc(*keys, more * sizeof(**keys));
			void *v = k ? realloc(*values, more * sizeof(**values))
				    : NULL;

			if (k)
				*keys = k;
			if (!v)
				break;
			*values = v;
			*cap = more;
		}
		count = FLOW_BATCH;
		err = bpf_map_lookup_batch(in->fds[map], first ? NULL : &token,
					   &token,
					   ipv4 ? (void *)keys4 : *keys + n,
					   *values + n, &count, &opts);
		if (err && errno != ENOENT)
			break;
		for (__u32 i = 0; ipv4 && i < count; i++)
			key_from4(&keys4[i], *keys + n + i);
		n += count;
		first = false;
	} while (!err);
	/* Done when the batch call said ENOENT (no more entries). */
	done = err && errno == ENOENT;
	free(keys4);
	return done ? (long long)n : -1;
}

long long instance_read_flows(const struct instance *in,
			      struct flowlet_flow_key **keys,
			      struct flowlet_flow **values)
{
	long long n = 0;
	size_t cap = 0;

	*keys = NULL;
	*values = NULL;
	for (size_t t = 0; t < sizeof(flow_tables) / sizeof(flow_tables[0]);
	     t++) {
		n = read_table(in, flow_tables[t], keys, values, n, &cap);
		if (n < 0)
			break;
	}
	if (n >= 0)
		return n;
	pr_err("%s: cannot read the flow tables: %s", in->iface,
	       strerror(errno));
	free(*keys);
	free(*values);
	*keys = NULL;
	*values = NULL;
	return -1;
}

long long instance_count_flows(const struct instance *in)
{
	struct flowlet_flow_key *keys;
	struct flowlet_flow *values;
	long long n = instance_read_flows(in, &keys, &values);

	free(keys);
	free(values);
	return n;
}

/* Whether @addr of @family is inside @prefix. */
static bool prefix_contains(const struct flowlet_prefix_key *prefix,
			    __u8 family, const __u8 *addr)
{
	int bits = prefix->prefixlen > 8 ? prefix->prefixlen - 8 : 0;

	return prefix->family == family && bits <= (family == 4 ? 32 : 128) &&
	       prefix_match(prefix->addr, addr, bits);
}

/* Whether flows to @key's destination are to be balanced. */
static bool balanced(const struct instance *in,
		     const struct flowlet_flow_key *key)
{
	struct flowlet_prefix_key lpm;
	struct flowlet_prefix_value v;

	host_prefix_key(key->family, key->dst, &lpm);
	return !bpf_map_lookup_elem(in->fds[MAP_PREFIX], &lpm, &v) &&
	       v.action == FLOWLET_PREFIX_BALANCE;
}

long long instance_drop_unbalanced(const struct instance *in,
				   const struct flowlet_prefix_key *within,
				   int count)
{
	struct flowlet_flow_key *keys = NULL;
	struct flowlet_flow *values = NULL;
	long long dropped = 0, n = 0;
	size_t cap = 0;

	if (grace_period_prepare() || grace_period_wait())
		return -1;
	for (int t = 0; t < 2; t++) {
		enum instance_map map = t ? MAP_FLOWS6 : MAP_FLOWS;

		n = read_table(in, map, &keys, &values, 0, &cap);
		if (n < 0) {
			pr_err("%s: cannot read the flow tables: %s", in->iface,
			       strerror(errno));
			dropped = -1;
			break;
		}
		for (long long i = 0; i < n; i++) {
			struct flowlet_flow_key4 k4;
			bool inside = !count;

			for (int p = 0; p < count && !inside; p++)
				inside = prefix_contains(&within[p],
							 keys[i].family,
							 keys[i].dst);
			if (!inside || balanced(in, &keys[i]))
				continue;
			/* ENOENT: the LRU evicted it meanwhile. */
			if (bpf_map_delete_elem(in->fds[map],
						key_for(map, &keys[i], &k4)) &&
			    errno != ENOENT) {
				pr_err("%s: cannot delete a flow: %s",
				       in->iface, strerror(errno));
				dropped = -1;
				break;
			}
			dropped++;
		}
		if (dropped < 0)
			break;
	}
	free(keys);
	free(values);
	return dropped;
}
