/* SPDX-License-Identifier: GPL-2.0 */
/* Building an instance's config: shared by flowletctl and the tests. */
#ifndef FLOWLET_CONFIG_H
#define FLOWLET_CONFIG_H

#include <stdbool.h>

#include "flowlet.h"

#define FLOWLET_DEFAULT_TIMEOUT_NS	 50000000ULL /* 50ms */
#define FLOWLET_DEFAULT_LOAD_HALFLIFE_NS 10000000ULL /* 10ms */

/* A config slot as flowletctl reads and commits it: what packets read
 * (flowlet_config[slot]) and what flowletctl keeps about it
 * (flowlet_meta[slot]). */
struct instance_config {
	struct flowlet_config cfg;
	struct flowlet_meta meta;
};

/* Defaults for everything but paths and MACs. */
void config_init(struct instance_config *c);

/* What attach and set may change; unset fields leave the config alone. */
struct config_tuning {
	__u32 mode;
	bool mode_set;
	__u64 timeout_ns;  /* with timeout_auto: the value until measured */
	bool timeout_auto; /* --timeout auto */
	__u64 load_halflife_ns;
	__u32 weights[FLOWLET_MAX_PATHS];
	int weight_count;
	bool telemetry_set;
	bool telemetry;
};

/* Applies @t to @c and refills the slot table: 0, or -1 after an error
 * (a weight count other than the path count, no usable path left). */
int config_apply_tuning(const struct config_tuning *t,
			struct instance_config *c);

/*
 * Refills every group's slot table from the weights of its paths that are
 * up (group 0 is every path, with the paths' weights, unless the config
 * follows every route): a smooth weighted round robin sequence repeated as
 * often as fits, so every slot count is a multiple of the weight sum and
 * picks are exactly weighted. No path up, or all weights 0, leaves it
 * empty (slot_count 0: packets go to the kernel). Returns 0, or -1 after
 * an error if the weights add up to more than FLOWLET_SLOTS.
 */
int config_fill_slots(struct instance_config *c);

/* 0 if some path of some group takes new flowlets (or the groups follow
 * the routes, which may have none yet), else -1 after an error. */
int config_check_usable(const struct instance_config *c);

/* Scales the @n weights @w down in proportion if they add up to more than
 * FLOWLET_SLOTS (each that was not 0 at least 1). */
void weights_scale(__u32 *w, int n);

/*
 * Sets the weights of paths that follow a route from their route_weight:
 * as they are if they add up to FLOWLET_SLOTS or less, else scaled down
 * in proportion (each at least 1). Paths no longer in the route get 0.
 * Then refills the slot table.
 */
int config_scale_weights(struct instance_config *c);

/* Makes @c's paths (what packets read and their next hops) @from's. */
void config_copy_paths(struct instance_config *c,
		       const struct instance_config *from);

/* Whether @ifindex is one of @cfg's ingress ports. */
bool config_is_ingress(const struct flowlet_config *cfg, int ifindex);

/* 0 if there is one weight per path, else -1 after an error. */
int config_check_weight_count(int count, __u32 path_count);

/* Sets paths[i].weight from @weights; -1 (with an error) on a count other
 * than cfg->path_count. */
int config_set_weights(struct flowlet_config *cfg, const __u32 *weights,
		       int count);

/* Puts @key into the flowlet_prefix map @fd; 0, or -1 after an error. */
int config_prefix_put(int fd, const struct flowlet_prefix_key *key,
		      enum flowlet_prefix_action action, __u32 group);

/*
 * Fills the flowlet_prefix map @fd: @prefixes to balance (all of IPv4 and
 * IPv6 when @count is 0), then what a router must never forward this way:
 * this namespace's own addresses, link-local, multicast and broadcast.
 * config_put_prefixes() leaves out the namespace's addresses (replay:
 * the trace's are not ours).
 */
int config_put_prefixes(int fd, const struct flowlet_prefix_key *prefixes,
			int count);
/* What a router never forwards this way: link-local, multicast,
 * broadcast. */
int config_put_never(int fd);
int config_fill_prefixes(int fd, const struct flowlet_prefix_key *prefixes,
			 int count);

/*
 * Deletes the entries of the flowlet_prefix map @fd for which @doomed
 * holds, a batch at a time (a trie is not walked while it changes), and
 * calls @gone (if not NULL) for each: the number deleted, or -1 after an
 * error.
 */
int config_prefix_delete_if(int fd,
			    bool (*doomed)(const struct flowlet_prefix_key *key,
					   const struct flowlet_prefix_value *v,
					   void *ctx),
			    void (*gone)(const struct flowlet_prefix_key *key,
					 void *ctx),
			    void *ctx);

/*
 * Makes the local addresses in the flowlet_prefix map @fd this
 * namespace's addresses now: adds the new ones, removes the ones that
 * went away, and calls @fn (if not NULL) for each change. 0 or -1.
 */
int config_sync_local(int fd,
		      void (*fn)(const struct flowlet_prefix_key *key,
				 bool added, void *ctx),
		      void *ctx);

#endif /* FLOWLET_CONFIG_H */
