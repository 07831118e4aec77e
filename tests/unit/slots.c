// SPDX-License-Identifier: GPL-2.0
/*
 * What the loader computes for the data path, without a packet: the
 * weighted slot tables, and paths that follow a route's next hops.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "paths.h"
#include "unit.h"

UNIT_TEST(slot_table)
{
	struct instance_config c;
	struct flowlet_config *cfg = &c.cfg;
	char want[64];
	int count[2] = { 0 };

	config_init(&c);
	cfg->path_count = 2;
	cfg->paths[0].weight = 7;
	cfg->paths[1].weight = 3;
	config_fill_slots(&c);
	for (__u32 i = 0; i < cfg->groups[0].slot_count; i++)
		count[cfg->groups[0].slots[i]]++;
	CHECK(cfg->groups[0].slot_count == 250 && count[0] == 175 &&
		      count[1] == 75,
	      "slot table 7,3: 250 slots, 175/75");
	cfg->paths[0].weight = 200;
	cfg->paths[1].weight = 100;
	forget_message();
	snprintf(want, sizeof(want), "weights add up to 300: at most %d",
		 FLOWLET_SLOTS);
	CHECK(config_fill_slots(&c) == -1 && !strcmp(last_message(), want),
	      "slot table: weights summing over %d are refused, saying so "
	      "(%s)",
	      FLOWLET_SLOTS, last_message());
	cfg->paths[0].weight = 7;
	cfg->paths[1].weight = 0;
	config_fill_slots(&c);
	count[1] = 0;
	for (__u32 i = 0; i < cfg->groups[0].slot_count; i++)
		count[1] += cfg->groups[0].slots[i] == 1;
	CHECK(cfg->groups[0].slot_count == 252 && count[1] == 0,
	      "slot table 7,0: the path of weight 0 has no slot (%u slots, "
	      "%d of them its)",
	      cfg->groups[0].slot_count, count[1]);
	cfg->paths[0].down = FLOWLET_DOWN(NEIGH);
	CHECK(!config_fill_slots(&c) && cfg->groups[0].slot_count == 0 &&
		      config_check_usable(&c) == -1,
	      "slot table: no usable path leaves it empty, and commands "
	      "refuse that");
}

/* A route's next hop on lo, 127.0.0.@host, with @weight. */
static void route_hop(struct nl_route *route, __u8 host, __u32 weight)
{
	struct nl_nexthop *hop = &route->hops[route->count++];

	memset(hop, 0, sizeof(*hop));
	hop->ifindex = LO_IFINDEX;
	hop->weight = weight;
	hop->gateway.family = 4;
	hop->gateway.bytes[0] = 127;
	hop->gateway.bytes[3] = host;
}

static __u8 path_host(const struct instance_config *c, __u32 i)
{
	return c->cfg.paths[i].down & FLOWLET_DOWN(ROUTE)
		       ? 0
		       : c->meta.paths[i].nexthop[3];
}

/* Paths follow a route's next hops: those that remain keep their index
 * (their flows stay), new ones take removed ones' places, weights over
 * the slot table are scaled. */
UNIT_TEST(route_paths)
{
	struct instance_config c;
	struct flowlet_config *cfg = &c.cfg;
	struct nl_route route = { 0 };
	__u32 reused;

	config_init(&c);
	route_hop(&route, 2, 3);
	route_hop(&route, 3, 1);
	paths_from_route(&c, &route, 0, &reused);
	CHECK(cfg->path_count == 2 && path_host(&c, 0) == 2 &&
		      path_host(&c, 1) == 3 && cfg->paths[0].weight == 3 &&
		      cfg->paths[1].weight == 1 && !reused,
	      "route paths: the next hops in order, with their weights");
	route.count = 0;
	route_hop(&route, 4, 1); /* new, listed before the one that stays */
	route_hop(&route, 2, 1);
	paths_from_route(&c, &route, 0, &reused);
	CHECK(cfg->path_count == 2 && path_host(&c, 0) == 2 &&
		      path_host(&c, 1) == 4 && reused == 1u << 1,
	      "route paths: a next hop that remains keeps its index, a new "
	      "one takes the removed one's (paths .%u .%u, reused %#x)",
	      path_host(&c, 0), path_host(&c, 1), reused);
	route.count = 0;
	route_hop(&route, 2, 200);
	route_hop(&route, 4, 100);
	route_hop(&route, 5, 256);
	paths_from_route(&c, &route, 0, &reused);
	CHECK(cfg->path_count == 3 && cfg->paths[0].weight == 92 &&
		      cfg->paths[1].weight == 46 &&
		      cfg->paths[2].weight == 117 &&
		      c.meta.paths[2].route_weight == 256,
	      "route paths: weights 200,100,256 are scaled to %u,%u,%u",
	      cfg->paths[0].weight, cfg->paths[1].weight, cfg->paths[2].weight);
}
