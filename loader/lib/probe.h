/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measuring the paths: `flowletctl watch --probe TARGET` sends ICMP echo
 * requests to TARGET out of each path of the group TARGET is balanced
 * over (the path's interface, to its next hop's MAC, from the address the
 * kernel would use toward TARGET), so that each request crosses that
 * path's queues whatever the routes say. TARGET answers by its own
 * routes, and the round trip is timed per path: the send time just
 * before the frame is handed to the interface, the reply's when the
 * kernel received it (SO_TIMESTAMPNS). The delays go to flowlet_delay,
 * where stats and the exporter read them.
 */
#ifndef FLOWLET_PROBE_H
#define FLOWLET_PROBE_H

#include "config.h"
#include "delay.h"
#include "instance.h"
#include "parse.h"

#define PROBE_INTERVAL_NS     100000000ULL   /* 100ms per target and path */
#define PROBE_MIN_INTERVAL_NS 10000000ULL    /* 10ms */
#define PROBE_MAX_INTERVAL_NS 10000000000ULL /* 10s */
/* A reply later than this is no sample: the probe counts as lost. */
#define PROBE_TIMEOUT_NS 2000000000ULL /* 2s */

struct prober;

/*
 * Probes @count targets (at most FLOWLET_MAX_PROBE_TARGETS) over the
 * paths of @in, each target over each of its group's paths every
 * @interval_ns; with none, targets it picks from the flows while the
 * timeout is auto (see PICK_EVERY_NS in probe.c). NULL after an error
 * (printed): a target that is not a destination @in balances, one with
 * no route, sockets refused.
 */
struct prober *prober_open(const struct instance *in,
			   const struct ip_addr *targets, int count,
			   __u64 interval_ns);
void prober_close(struct prober *p);

/* Why an auto target came or went, for prober_notify(). */
enum prober_change {
	PROBER_PICKED,	/* the largest recent flow of its group goes there */
	PROBER_IDLE,	/* no flow went there for PICK_IDLE_NS */
	PROBER_SILENT,	/* it answered no probe on any path */
	PROBER_UNWANTED /* the timeout is fixed or the mode has no flowlets,
			 * and the mode is not share */
};

/* @fn(@ctx, target, its group, why) each time an auto target comes or
 * goes (watch prints a line). */
void prober_notify(struct prober *p,
		   void (*fn)(void *ctx, const struct ip_addr *target,
			      int group, enum prober_change why),
		   void *ctx);

/* The sockets replies arrive on, for poll(): fills @fds (room for 2). */
int prober_fds(const struct prober *p, int *fds);

/* Milliseconds until the next probe or look at the flows is due (0:
 * now). */
int prober_wait_ms(const struct prober *p);

/* Picks targets if it is time, sends the probes that are due over the
 * paths of @c, counts those that went unanswered as lost, and writes what
 * changed to flowlet_delay. */
void prober_tick(struct prober *p, const struct instance_config *c);

/* Reads the replies waiting on @fd (one of prober_fds()). */
void prober_read(struct prober *p, int fd);

/*
 * --timeout auto: what the delays measured and the flows' gaps call for
 * in each group of @c (delay_timeout() over the group's paths to each of
 * its targets and its flows' gaps between the last two looks, the
 * largest), into autos[g] (room for FLOWLET_MAX_GROUPS): timeout_ns 0
 * where no target of group g is measured on every path yet.
 */
void prober_timeouts(const struct prober *p, const struct instance_config *c,
		     struct flowlet_auto *autos);

/* @in opened again (a re-attach replaced the program): writes there. */
void prober_reopen(struct prober *p, const struct instance *in);

#endif /* FLOWLET_PROBE_H */
