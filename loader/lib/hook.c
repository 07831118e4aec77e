// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>

#include "hook.h"
#include "log.h"
#include "nl.h"

static enum bpf_tc_attach_point tc_point(enum flowlet_hook hook)
{
	return hook == FLOWLET_HOOK_TC_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

int hook_query(int ifindex, enum flowlet_hook hook, __u32 *prog_id,
	       __u32 *xdp_flags)
{
	static const __u32 modes[] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	LIBBPF_OPTS(bpf_tc_hook, tc, .ifindex = ifindex,
		    .attach_point = tc_point(hook));
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FLOWLET_TC_HANDLE,
		    .priority = FLOWLET_TC_PRIORITY);
	int err;

	*prog_id = 0;
	*xdp_flags = 0;
	if (hook == FLOWLET_HOOK_XDP) {
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			err = bpf_xdp_query_id(ifindex, modes[i], prog_id);
			if (err)
				return err;
			if (*prog_id) {
				*xdp_flags = modes[i];
				break;
			}
		}
		return 0;
	}
	/* No clsact qdisc (EINVAL), no such filter (ENOENT), a device
	 * without qdiscs (EOPNOTSUPP): none. */
	err = bpf_tc_query(&tc, &opts);
	if (err == -ENOENT || err == -EINVAL || err == -EOPNOTSUPP)
		return 0;
	if (!err)
		*prog_id = opts.prog_id;
	return err;
}

static int xdp_attach(const char *iface, int ifindex, int prog_fd,
		      int old_prog_fd, __u32 flags)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int err;

	if (old_prog_fd >= 0) {
		flags |= XDP_FLAGS_REPLACE;
		opts.old_prog_fd = old_prog_fd;
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	err = bpf_xdp_attach(ifindex, prog_fd, flags, &opts);
	if (!err)
		return 0;
	if (err == -EOPNOTSUPP)
		pr_err("%s: the driver has no native XDP: use --xdp-mode "
		       "generic",
		       iface);
	else if (err == -EEXIST || err == -EBUSY)
		pr_err("%s: another XDP program was attached meanwhile", iface);
	else
		pr_err("%s: the kernel refused to attach XDP: %s", iface,
		       strerror(-err));
	return -1;
}

static int tc_attach(const char *iface, int ifindex, enum flowlet_hook hook,
		     int prog_fd, bool replace)
{
	LIBBPF_OPTS(bpf_tc_hook, tc, .ifindex = ifindex,
		    .attach_point = tc_point(hook));
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FLOWLET_TC_HANDLE,
		    .priority = FLOWLET_TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = replace ? BPF_TC_F_REPLACE : 0);
	int err = bpf_tc_hook_create(&tc);

	if (err && err != -EEXIST) {
		pr_err("%s: cannot add the clsact qdisc: %s", iface,
		       strerror(-err));
		return -1;
	}
	err = bpf_tc_attach(&tc, &opts);
	if (!err)
		return 0;
	if (err == -EEXIST)
		pr_err("%s: another filter took flowlet's handle meanwhile",
		       iface);
	else
		pr_err("%s: the kernel refused to attach the TC filter: %s",
		       iface, strerror(-err));
	return -1;
}

int hook_attach(const char *iface, int ifindex, enum flowlet_hook hook,
		int prog_fd, int old_prog_fd, __u32 xdp_flags)
{
	if (hook == FLOWLET_HOOK_XDP)
		return xdp_attach(iface, ifindex, prog_fd, old_prog_fd,
				  xdp_flags);
	return tc_attach(iface, ifindex, hook, prog_fd, old_prog_fd >= 0);
}

int hook_detach(int ifindex, enum flowlet_hook hook, int prog_fd,
		__u32 xdp_flags)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, xdp, .old_prog_fd = prog_fd);
	LIBBPF_OPTS(bpf_tc_hook, tc, .ifindex = ifindex,
		    .attach_point = tc_point(hook));
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FLOWLET_TC_HANDLE,
		    .priority = FLOWLET_TC_PRIORITY);
	int err, left = 0;

	if (hook == FLOWLET_HOOK_XDP)
		return bpf_xdp_detach(ifindex, xdp_flags | XDP_FLAGS_REPLACE,
				      &xdp);
	err = bpf_tc_detach(&tc, &opts);
	if (err)
		return err;
	/* The clsact qdisc goes too once no filter is left on it. */
	if (nl_tc_filter_count(
		    ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), &left) ||
	    nl_tc_filter_count(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
			       &left) ||
	    left)
		return 0;
	tc.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&tc);
	return 0;
}
