// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "config.h"
#include "log.h"
#include "netdev.h"

void config_init(struct flowlet_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = FLOWLET_MODE_FLOWLET;
	cfg->timeout_ns = FLOWLET_DEFAULT_TIMEOUT_NS;
	cfg->load_halflife_ns = FLOWLET_DEFAULT_LOAD_HALFLIFE_NS;
}

int config_fill_slots(struct flowlet_config *cfg)
{
	long credit[FLOWLET_MAX_PATHS] = { 0 };
	__u32 total = 0, round;

	for (__u32 i = 0; i < cfg->path_count; i++) {
		if (cfg->paths[i].up)
			total += cfg->paths[i].weight;
	}
	if (total == 0) {
		pr_err("no usable path: every path is down or has weight 0");
		return -1;
	}
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
			if (!cfg->paths[i].up || !cfg->paths[i].weight)
				continue;
			credit[i] += cfg->paths[i].weight;
			if (credit[i] > best_credit) {
				best = i;
				best_credit = credit[i];
			}
		}
		credit[best] -= total;
		cfg->slots[s] = best;
	}
	round = FLOWLET_SLOTS / total;
	for (__u32 r = 1; r < round; r++)
		memcpy(&cfg->slots[r * total], cfg->slots, total);
	cfg->slot_count = round * total;
	return 0;
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

static int prefix_put(int fd, const struct flowlet_prefix_key *key, __u8 action)
{
	if (bpf_map_update_elem(fd, key, &action, BPF_ANY)) {
		pr_err("cannot fill flowlet_prefix: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct prefix_walk {
	int fd;
	int err;
};

static void skip_local_addr(const struct ip_addr *addr, void *ctx)
{
	struct prefix_walk *walk = ctx;
	struct flowlet_prefix_key key = { .family = addr->family };

	key.prefixlen = 8 + (addr->family == 4 ? 32 : 128);
	memcpy(key.addr, addr->bytes, sizeof(key.addr));
	walk->err |= prefix_put(walk->fd, &key, FLOWLET_PREFIX_SKIP);
}

int config_fill_prefixes(int fd, const struct flowlet_prefix_key *prefixes,
			 int count)
{
	static const char *const defaults[] = { "0.0.0.0/0", "::/0" };
	static const char *const never[] = { "224.0.0.0/4", "169.254.0.0/16",
					     "255.255.255.255/32", "fe80::/10",
					     "ff00::/8" };
	struct prefix_walk walk = { .fd = fd };
	struct flowlet_prefix_key key;

	for (int i = 0; i < count; i++) {
		if (prefix_put(fd, &prefixes[i], FLOWLET_PREFIX_BALANCE))
			return -1;
	}
	for (size_t i = 0; !count && i < 2; i++) {
		if (parse_prefix(defaults[i], &key) ||
		    prefix_put(fd, &key, FLOWLET_PREFIX_BALANCE))
			return -1;
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (parse_prefix(never[i], &key) ||
		    prefix_put(fd, &key, FLOWLET_PREFIX_SKIP))
			return -1;
	}
	if (netdev_for_each_addr(skip_local_addr, &walk) || walk.err) {
		pr_err("cannot list this namespace's addresses");
		return -1;
	}
	return 0;
}
