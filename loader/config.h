/* SPDX-License-Identifier: GPL-2.0 */
/* Building struct flowlet_config: shared by flowletctl and the tests. */
#ifndef FLOWLET_CONFIG_H
#define FLOWLET_CONFIG_H

#include "flowlet.h"

#define FLOWLET_DEFAULT_TIMEOUT_NS	 50000000ULL /* 50ms */
#define FLOWLET_DEFAULT_LOAD_HALFLIFE_NS 10000000ULL /* 10ms */

/* Defaults for everything but paths and MACs. */
void config_init(struct flowlet_config *cfg);

/*
 * Refills the slot table from the weights of the usable paths: a smooth
 * weighted round robin sequence repeated as often as fits, so every slot
 * count is a multiple of the weight sum and picks are exactly weighted.
 * Returns 0, or -1 after an error if no path is usable or the weights add
 * up to more than FLOWLET_SLOTS.
 */
int config_fill_slots(struct flowlet_config *cfg);

/* 0 if there is one weight per path, else -1 after an error. */
int config_check_weight_count(int count, __u32 path_count);

/* Sets paths[i].weight from @weights; -1 (with an error) on a count other
 * than cfg->path_count. */
int config_set_weights(struct flowlet_config *cfg, const __u32 *weights,
		       int count);

/*
 * Fills the flowlet_prefix map @fd: @prefixes to balance (all of IPv4 and
 * IPv6 when @count is 0), then what a router must never forward this way:
 * this namespace's own addresses, link-local, multicast and broadcast.
 */
int config_fill_prefixes(int fd, const struct flowlet_prefix_key *prefixes,
			 int count);

#endif /* FLOWLET_CONFIG_H */
