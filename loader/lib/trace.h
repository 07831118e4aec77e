/* SPDX-License-Identifier: GPL-2.0 */
/* Packet traces (pcap, through libpcap) as Ethernet frames for the data
 * path: replay's input. Its own file: libpcap's bpf.h and the kernel's
 * cannot be in one compilation unit. */
#ifndef FLOWLET_TRACE_H
#define FLOWLET_TRACE_H

#include <linux/types.h>

/* What one BPF_PROG_TEST_RUN of XDP takes: a page minus the headroom and
 * the shared info. */
#define TRACE_MAX_FRAME 3500

struct trace;

/* Opens the pcap file @path; NULL after an error (printed). */
struct trace *trace_open(const char *path);
void trace_close(struct trace *t);

/* The trace's link type, by name. */
const char *trace_link_name(const struct trace *t);

enum trace_next {
	TRACE_FRAME,	 /* *len bytes in frame */
	TRACE_TOO_LARGE, /* longer than TRACE_MAX_FRAME: not built */
	TRACE_TOO_SHORT, /* no whole link header */
	TRACE_END,
	TRACE_ERROR, /* printed */
};

/*
 * The next record as an Ethernet frame from @src_mac to @dst_mac (an
 * Ethernet capture keeps its source MAC and VLAN tags), its length in
 * *len (what it was on the wire, with an Ethernet header for one), its
 * timestamp in *ns. A record cut at the snap length is padded with zeros
 * to its length on the wire.
 */
enum trace_next trace_next(struct trace *t, const __u8 *dst_mac,
			   const __u8 *src_mac, __u8 *frame, int *len,
			   __u64 *ns);

#endif /* FLOWLET_TRACE_H */
