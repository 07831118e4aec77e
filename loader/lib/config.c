// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "config.h"
#include "log.h"
#include "names.h"
#include "nl.h"

void config_init(struct instance_config *c)
{
	struct flowlet_config *cfg = &c->cfg;

	memset(c, 0, sizeof(*c));
	cfg->mode = FLOWLET_MODE_FLOWLET;
	/* auto: watch measures the paths; the fixed value until it has. */
	cfg->timeout_ns = FLOWLET_DEFAULT_TIMEOUT_NS;
	c->meta.timeout_auto = true;
	cfg->load_halflife_ns = FLOWLET_DEFAULT_LOAD_HALFLIFE_NS;
	cfg->telemetry = 1;
}

int config_apply_tuning(const struct config_tuning *t,
			struct instance_config *c)
{
	struct flowlet_config *cfg = &c->cfg;

	if (t->mode_set)
		cfg->mode = t->mode;
	if (t->timeout_ns) {
		cfg->timeout_ns = t->timeout_ns;
		c->meta.timeout_auto = t->timeout_auto;
		/* Every group starts from it (auto: until measured). */
		for (__u32 g = 0; g < FLOWLET_MAX_GROUPS; g++)
			cfg->groups[g].timeout_ns = cfg->groups[g].safe_ns =
				cfg->groups[g].resend_window_ns = 0;
	}
	if (t->load_halflife_ns)
		cfg->load_halflife_ns = t->load_halflife_ns;
	if (t->telemetry_set)
		cfg->telemetry = t->telemetry;
	if (t->weight_count &&
	    config_set_weights(cfg, t->weights, t->weight_count))
		return -1;
	if (config_fill_slots(c))
		return -1;
	return config_check_usable(c);
}

/* Fills @grp's slot table from the weights of its members that are up
 * (see config_fill_slots()). */
static int group_fill_slots(const struct flowlet_config *cfg,
			    struct flowlet_group *grp)
{
	long credit[FLOWLET_MAX_PATHS] = { 0 };
	__u32 weight[FLOWLET_MAX_PATHS] = { 0 };
	__u32 total = 0, round;

	for (__u32 i = 0; i < cfg->path_count; i++) {
		if (grp->members & (1u << i) && !cfg->paths[i].down)
			weight[i] = grp->weights[i];
		total += weight[i];
	}
	grp->slot_count = 0;
	if (total == 0)
		return 0;
	if (total > FLOWLET_SLOTS) {
		pr_err("weights add up to %u: at most %d", total,
		       FLOWLET_SLOTS);
		return -1;
	}
	/* Smooth weighted round robin: each step, every path earns its
	 * weight and the richest pays the total. */
	for (__u32 s = 0; s < total; s++) {
		__u32 best = 0;
		long best_credit = -1;

		for (__u32 i = 0; i < cfg->path_count; i++) {
			if (!weight[i])
				continue;
			credit[i] += weight[i];
			if (credit[i] > best_credit) {
				best = i;
				best_credit = credit[i];
			}
		}
		credit[best] -= total;
		grp->slots[s] = best;
	}
	round = FLOWLET_SLOTS / total;
	for (__u32 r = 1; r < round; r++)
		memcpy(&grp->slots[r * total], grp->slots, total);
	grp->slot_count = round * total;
	return 0;
}

int config_fill_slots(struct instance_config *c)
{
	struct flowlet_config *cfg = &c->cfg;
	struct flowlet_group *grp = &cfg->groups[0];

	if (!c->meta.from_routes) {
		__u64 timeout = grp->timeout_ns, safe = grp->safe_ns,
		      window = grp->resend_window_ns;

		/* One group: every path, with the paths' weights. */
		memset(grp, 0, sizeof(*grp));
		grp->timeout_ns = timeout;
		grp->safe_ns = safe;
		grp->resend_window_ns = window;
		cfg->group_count = 1;
		for (__u32 i = 0; i < cfg->path_count; i++) {
			grp->members |= 1u << i;
			grp->weights[i] = cfg->paths[i].weight;
		}
	}
	for (__u32 g = 0; g < cfg->group_count; g++) {
		/* A fixed timeout is every group's; auto keeps what watch
		 * measured, and starts from the fixed one. */
		if (!c->meta.timeout_auto || !cfg->groups[g].timeout_ns) {
			cfg->groups[g].timeout_ns = cfg->timeout_ns;
			cfg->groups[g].safe_ns = 0;
			cfg->groups[g].resend_window_ns = 0;
		}
		if (group_fill_slots(cfg, &cfg->groups[g]))
			return -1;
	}
	return 0;
}

int config_check_usable(const struct instance_config *c)
{
	/* Groups come and go with the routes. */
	if (c->meta.from_routes)
		return 0;
	for (__u32 g = 0; g < c->cfg.group_count; g++) {
		if (c->cfg.groups[g].slot_count)
			return 0;
	}
	pr_err("no usable path: every path is down or has weight 0");
	return -1;
}

void weights_scale(__u32 *w, int n)
{
	__u32 sum = 0, scaled = 0;

	for (int i = 0; i < n; i++)
		sum += w[i];
	for (int i = 0; sum > FLOWLET_SLOTS && i < n; i++) {
		if (w[i])
			w[i] = w[i] * FLOWLET_SLOTS / sum ?: 1;
	}
	for (int i = 0; i < n; i++)
		scaled += w[i];
	/* Rounding up the smallest to 1 may overshoot: take the excess from
	 * the largest weights. */
	while (scaled > FLOWLET_SLOTS) {
		int big = 0;

		for (int i = 1; i < n; i++) {
			if (w[i] > w[big])
				big = i;
		}
		w[big]--;
		scaled--;
	}
}

int config_scale_weights(struct instance_config *c)
{
	struct flowlet_config *cfg = &c->cfg;
	__u32 w[FLOWLET_MAX_PATHS] = { 0 };

	for (__u32 i = 0; i < cfg->path_count; i++) {
		if (!(cfg->paths[i].down & FLOWLET_DOWN(ROUTE)))
			w[i] = c->meta.paths[i].route_weight;
	}
	weights_scale(w, cfg->path_count);
	for (__u32 i = 0; i < cfg->path_count; i++)
		cfg->paths[i].weight = w[i];
	return config_fill_slots(c);
}

void config_copy_paths(struct instance_config *c,
		       const struct instance_config *from)
{
	c->cfg.path_count = from->cfg.path_count;
	memcpy(c->cfg.paths, from->cfg.paths, sizeof(c->cfg.paths));
	memcpy(c->meta.paths, from->meta.paths, sizeof(c->meta.paths));
}

bool config_is_ingress(const struct flowlet_config *cfg, int ifindex)
{
	for (__u32 i = 0; i < cfg->ingress_count && i < FLOWLET_MAX_INGRESS;
	     i++) {
		if ((int)cfg->ingress[i].ifindex == ifindex)
			return true;
	}
	return false;
}

int config_check_weight_count(int count, __u32 path_count)
{
	if ((__u32)count == path_count)
		return 0;
	pr_err("--weights has %d weights for %u paths: give one weight per "
	       "path",
	       count, path_count);
	return -1;
}

int config_set_weights(struct flowlet_config *cfg, const __u32 *weights,
		       int count)
{
	if (config_check_weight_count(count, cfg->path_count))
		return -1;
	for (int i = 0; i < count; i++)
		cfg->paths[i].weight = weights[i];
	return 0;
}

int config_prefix_put(int fd, const struct flowlet_prefix_key *key,
		      enum flowlet_prefix_action action, __u32 group)
{
	struct flowlet_prefix_value v = { .action = action, .group = group };

	if (bpf_map_update_elem(fd, key, &v, BPF_ANY)) {
		pr_err("cannot fill flowlet_prefix: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#define MAX_LOCAL_ADDRS 4096

/* This namespace's addresses as flowlet_prefix keys. */
struct local_addrs {
	struct flowlet_prefix_key keys[MAX_LOCAL_ADDRS];
	int count;
};

static void add_local(const struct ip_addr *addr, void *ctx)
{
	struct local_addrs *local = ctx;

	if (local->count < MAX_LOCAL_ADDRS)
		host_prefix_key(addr->family, addr->bytes,
				&local->keys[local->count++]);
}

static bool is_local(const struct local_addrs *local,
		     const struct flowlet_prefix_key *key)
{
	for (int i = 0; i < local->count; i++) {
		if (!memcmp(&local->keys[i], key, sizeof(*key)))
			return true;
	}
	return false;
}

#define DELETE_BATCH 64

int config_prefix_delete_if(int fd,
			    bool (*doomed)(const struct flowlet_prefix_key *key,
					   const struct flowlet_prefix_value *v,
					   void *ctx),
			    void (*gone)(const struct flowlet_prefix_key *key,
					 void *ctx),
			    void *ctx)
{
	struct flowlet_prefix_key key, batch[DELETE_BATCH];
	struct flowlet_prefix_value v;
	int deleted = 0, n;

	do {
		void *prev = NULL;

		n = 0;
		while (n < DELETE_BATCH &&
		       !bpf_map_get_next_key(fd, prev, &key)) {
			prev = &key;
			if (!bpf_map_lookup_elem(fd, &key, &v) &&
			    doomed(&key, &v, ctx))
				batch[n++] = key;
		}
		for (int i = 0; i < n; i++) {
			if (bpf_map_delete_elem(fd, &batch[i]) &&
			    errno != ENOENT) {
				pr_err("cannot update flowlet_prefix: %s",
				       strerror(errno));
				return -1;
			}
			if (gone)
				gone(&batch[i], ctx);
			deleted++;
		}
	} while (n == DELETE_BATCH);
	return deleted;
}

/* config_sync_local()'s addresses and report. */
struct local_sync_ctx {
	const struct local_addrs *local;
	void (*fn)(const struct flowlet_prefix_key *key, bool added, void *ctx);
	void *ctx;
};

/* A local address that went away. */
static bool local_gone(const struct flowlet_prefix_key *key,
		       const struct flowlet_prefix_value *v, void *ctx)
{
	const struct local_sync_ctx *l = ctx;

	return v->action == FLOWLET_PREFIX_LOCAL && !is_local(l->local, key);
}

static void report_gone(const struct flowlet_prefix_key *key, void *ctx)
{
	const struct local_sync_ctx *l = ctx;

	if (l->fn)
		l->fn(key, false, l->ctx);
}

int config_sync_local(int fd,
		      void (*fn)(const struct flowlet_prefix_key *key,
				 bool added, void *ctx),
		      void *ctx)
{
	struct local_addrs *local = calloc(1, sizeof(*local));
	struct local_sync_ctx l = { local, fn, ctx };
	struct flowlet_prefix_value v;
	int err = -1;

	if (!local)
		return -1;
	if (nl_addr_for_each(add_local, local)) {
		pr_err("cannot list this namespace's addresses: %s",
		       strerror(errno));
		goto out;
	}
	if (config_prefix_delete_if(fd, local_gone, report_gone, &l) < 0)
		goto out;
	for (int i = 0; i < local->count; i++) {
		if (!bpf_map_lookup_elem(fd, &local->keys[i], &v) &&
		    v.action == FLOWLET_PREFIX_LOCAL)
			continue;
		if (config_prefix_put(fd, &local->keys[i], FLOWLET_PREFIX_LOCAL,
				      0))
			goto out;
		if (fn)
			fn(&local->keys[i], true, ctx);
	}
	err = 0;
out:
	free(local);
	return err;
}

int config_put_never(int fd)
{
	static const char *const never[] = { "224.0.0.0/4", "169.254.0.0/16",
					     "255.255.255.255/32", "fe80::/10",
					     "ff00::/8" };
	struct flowlet_prefix_key key;

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (parse_prefix(never[i], &key) ||
		    config_prefix_put(fd, &key, FLOWLET_PREFIX_SKIP, 0))
			return -1;
	}
	return 0;
}

int config_put_prefixes(int fd, const struct flowlet_prefix_key *prefixes,
			int count)
{
	static const char *const defaults[] = { "0.0.0.0/0", "::/0" };
	struct flowlet_prefix_key key;

	for (int i = 0; i < count; i++) {
		if (config_prefix_put(fd, &prefixes[i], FLOWLET_PREFIX_BALANCE,
				      0))
			return -1;
	}
	for (size_t i = 0; !count && i < 2; i++) {
		if (parse_prefix(defaults[i], &key) ||
		    config_prefix_put(fd, &key, FLOWLET_PREFIX_BALANCE, 0))
			return -1;
	}
	return config_put_never(fd);
}

int config_fill_prefixes(int fd, const struct flowlet_prefix_key *prefixes,
			 int count)
{
	if (config_put_prefixes(fd, prefixes, count))
		return -1;
	return config_sync_local(fd, NULL, NULL);
}
