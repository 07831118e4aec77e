/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instances' counters in Prometheus's text exposition format (version
 * 0.0.4): `stats --prometheus` and the exporter. Every sample carries
 * the instance's iface and hook labels; per-path ones also path, dev and
 * nexthop. The metric families are the table in metrics.c.
 */
#ifndef FLOWLET_METRICS_H
#define FLOWLET_METRICS_H

#include <stdio.h>

#include "instance.h"
#include "snapshot.h"

struct metrics_source {
	const struct instance *in;
	const struct snapshot *s;
};

/* Writes every metric family of @count instances to @out, each family's
 * samples together (as the format requires). */
void metrics_write(FILE *out, const struct metrics_source *src, int count);

#endif /* FLOWLET_METRICS_H */
