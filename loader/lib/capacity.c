// SPDX-License-Identifier: GPL-2.0
#include "capacity.h"

double capacity_queued(const struct delay_window *w, __u32 since)
{
	__u32 recent = 0, queued = 0;
	__u64 least = delay_percentile(w, 0);

	for (__u32 i = 0; i < w->count; i++) {
		if ((__s32)(w->round[i] - since) < 0)
			continue;
		recent++;
		queued += w->rtt_ns[i] > least + CAPACITY_QUEUED_NS;
	}
	return recent < CAPACITY_MIN_SAMPLES ? -1 : (double)queued / recent;
}

void capacity_look(struct capacity *c, __u64 bytes, __u64 elapsed_ns,
		   double queued, __u64 now_ns)
{
	__u64 rate;

	if (c->read && bytes < c->bytes)
		*c = (struct capacity){ 0 }; /* another path took its place */
	if (!c->read || !elapsed_ns) {
		c->bytes = bytes;
		c->read = true;
		return;
	}
	rate = (__u64)((bytes - c->bytes) * 1e9 / elapsed_ns);
	c->bytes = bytes;
	c->carried = rate;
	if (queued >= 0.5 && rate) {
		c->bytes_per_s =
			c->bytes_per_s ? (c->bytes_per_s + rate) / 2 : rate;
		c->full_ns = now_ns;
	} else if (c->bytes_per_s && rate > c->bytes_per_s) {
		c->bytes_per_s = rate;
	}
	if (c->bytes_per_s && now_ns - c->full_ns > CAPACITY_AGE_NS)
		c->bytes_per_s = 0;
}

void capacity_fill(const struct capacity *const *caps, int count,
		   struct flowlet_capacity *out)
{
	__u64 top = 0;

	for (int i = 0; i < count; i++) {
		if (caps[i]->bytes_per_s > top)
			top = caps[i]->bytes_per_s;
		if (caps[i]->carried > top)
			top = caps[i]->carried;
	}
	for (int i = 0; i < count; i++)
		out[i].bytes_per_s =
			caps[i]->bytes_per_s ? caps[i]->bytes_per_s : top;
}
