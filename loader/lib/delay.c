// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "delay.h"

void delay_add(struct delay_window *w, __u64 rtt_ns)
{
	w->rtt_ns[w->next] = rtt_ns;
	w->next = (w->next + 1) % FLOWLET_DELAY_WINDOW;
	if (w->count < FLOWLET_DELAY_WINDOW)
		w->count++;
}

static int by_value(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

__u64 delay_percentile(const struct delay_window *w, unsigned int pct)
{
	__u64 sorted[FLOWLET_DELAY_WINDOW];
	__u32 rank;

	if (!w->count)
		return 0;
	if (pct > 100)
		pct = 100;
	memcpy(sorted, w->rtt_ns, w->count * sizeof(sorted[0]));
	qsort(sorted, w->count, sizeof(sorted[0]), by_value);
	/* Nearest rank: ceil(pct/100 * n), at least the first. */
	rank = (pct * w->count + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

long long delay_sample(__u64 sent_ns, __u64 now_ns, __u64 max_ns)
{
	if (now_ns < sent_ns || now_ns - sent_ns > max_ns)
		return -1;
	return now_ns - sent_ns;
}

void delay_summarise(const struct delay_window *w, struct flowlet_delay *d)
{
	d->samples = w->count;
	d->p50_ns = delay_percentile(w, 50);
	d->p99_ns = delay_percentile(w, 99);
	d->min_ns = delay_percentile(w, 0);
	d->last_ns = w->count ? w->rtt_ns[(w->next + FLOWLET_DELAY_WINDOW - 1) %
					  FLOWLET_DELAY_WINDOW]
			      : 0;
}
