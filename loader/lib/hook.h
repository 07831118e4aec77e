/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an instance runs (FLOWLET_HOOKS in flowlet.h): XDP on an
 * interface, or a clsact filter (TC) on its ingress or egress. This is
 * all the loader does differently per hook: find the program there,
 * attach one, take it away.
 *
 * flowlet's TC filter is the one with handle FLOWLET_TC_HANDLE at
 * priority FLOWLET_TC_PRIORITY (first), direct action; other filters on
 * the same clsact are left alone and see what flowlet passes on.
 */
#ifndef FLOWLET_HOOK_H
#define FLOWLET_HOOK_H

#include <linux/types.h>

#include "flowlet.h"

#define FLOWLET_TC_HANDLE   0xf10e
#define FLOWLET_TC_PRIORITY 1

/* The program at @hook on @ifindex: its id (0: none) and, for XDP, its
 * mode (XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE). 0, or -errno. */
int hook_query(int ifindex, enum flowlet_hook hook, __u32 *prog_id,
	       __u32 *xdp_flags);

/*
 * Attaches @prog_fd at @hook on @ifindex (@iface in messages): in place
 * of @old_prog_fd if >= 0 (atomically: packets see one program or the
 * other), else where nothing of ours runs. @xdp_flags: the XDP mode
 * (0: native where the driver has it); for a replacement, the old one's.
 * 0, or -1 after an error it printed.
 */
int hook_attach(const char *iface, int ifindex, enum flowlet_hook hook,
		int prog_fd, int old_prog_fd, __u32 xdp_flags);

/* Takes @prog_fd away from @hook on @ifindex (TC: and the clsact qdisc,
 * if no filter is left on it). 0, or -errno. */
int hook_detach(int ifindex, enum flowlet_hook hook, int prog_fd,
		__u32 xdp_flags);

#endif /* FLOWLET_HOOK_H */
