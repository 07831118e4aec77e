// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "config.h"
#include "log.h"

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
	pr_err("--weights has %d weights for %u paths: give one weight per path",
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
