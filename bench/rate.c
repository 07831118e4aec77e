// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, part 2's tools (bench/rate.sh drives them, in namespaces):
 *
 * bench_rate send IFACE DST_MAC FLOWS FRAMES
 *     Sends FRAMES 64-byte UDP frames 10.0.1.1 -> 10.0.6.2 over FLOWS
 *     flows out of IFACE to DST_MAC, with bench/gen.bpf.c under
 *     BPF_F_TEST_XDP_LIVE_FRAMES; prints the seconds it took.
 * bench_rate establish FLOWS
 *     Sends two UDP datagrams of each of the generator's FLOWS flows, one
 *     flow after the other, through the kernel's stack (a few hundred thousand
 * a second, slower than any forwarder here), so that a forwarder holds every
 * flow before the generator's frames, most of which a slower forwarder never
 * sees, are timed. bench_rate floor stateless|minimal IFACE FLOWS DEV...
 *     Attaches that floor of bench/floors.bpf.c to IFACE (native XDP),
 *     with a flow table of FLOWS entries, redirecting over DEV...; it
 *     stays attached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include "clock.h"
#include "floors.skel.h"
#include "flows.h"
#include "frame.h"
#include "gen.skel.h"
#include "nl.h"

static int fail(const char *what)
{
	fprintf(stderr, "bench_rate: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_mac(const char *text, __u8 mac[6])
{
	return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6
		       ? 0
		       : -1;
}

static int send_frames(const char *iface, const char *dst, long flows,
		       long frames)
{
	__u8 frame[FRAME_LEN], dst_mac[6];
	struct xdp_md ctx = { .data_end = FRAME_LEN };
	struct nl_link link;
	struct gen *gen;
	double start;
	int err;

	ctx.ingress_ifindex = if_nametoindex(iface);
	if (!ctx.ingress_ifindex || nl_link_get(ctx.ingress_ifindex, &link))
		return fail(iface);
	if (parse_mac(dst, dst_mac)) {
		fprintf(stderr, "bench_rate: bad MAC '%s'\n", dst);
		return 2;
	}
	/* 10.0.1.1 -> 10.0.6.2; the generator sets the ports. */
	build_frame(frame, dst_mac, link.mac, 0x0a000101, 0x0a000602, 0, 0,
		    false);

	gen = gen__open();
	if (!gen)
		return fail("open the generator");
	gen->rodata->gen_flows = flows;
	if (gen__load(gen)) {
		gen__destroy(gen);
		return fail("load the generator");
	}
	memcpy(gen->bss->gen_headers, frame, sizeof(gen->bss->gen_headers));
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = FRAME_LEN, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = frames,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		start = monotonic_seconds();
		err = bpf_prog_test_run_opts(
			bpf_program__fd(gen->progs.bench_gen), &opts);
		start = monotonic_seconds() - start;
	}
	gen__destroy(gen);
	if (err)
		return fail("live frames");
	printf("%.6f\n", start);
	return 0;
}

static int establish(long flows)
{
	int socks[256] = { 0 }, count = flows < 256 ? flows : 256, err = 0;
	struct sockaddr_in to = { .sin_family = AF_INET };

	inet_pton(AF_INET, "10.0.6.2", &to.sin_addr);
	for (int s = 0; s < count && !err; s++) {
		struct sockaddr_in from = { .sin_family = AF_INET,
					    .sin_port = htons(GEN_SPORT(s)) };

		inet_pton(AF_INET, "10.0.1.1", &from.sin_addr);
		socks[s] = socket(AF_INET, SOCK_DGRAM, 0);
		err = socks[s] < 0 ||
		      bind(socks[s], (struct sockaddr *)&from, sizeof(from));
	}
	/* Back to back: a flow whose second packet comes after more new
	 * flows than flowlet's admission table holds is never established. */
	for (long flow = 0; flow < flows && !err; flow++) {
		to.sin_port = htons(GEN_DPORT(flow));
		for (int copy = 0; copy < 2 && !err; copy++)
			err = sendto(socks[flow & 0xff], "flowlet", 7, 0,
				     (struct sockaddr *)&to, sizeof(to)) < 0;
	}
	for (int s = 0; s < count; s++) {
		if (socks[s] > 0)
			close(socks[s]);
	}
	return err ? fail("establish the flows") : 0;
}

static int attach_floor(const char *name, const char *iface, long flows,
			char **devs, int count)
{
	int ifindex = if_nametoindex(iface), err;
	struct floors *floors = floors__open();
	struct bpf_program *prog;

	if (!ifindex || !floors)
		return fail(iface);
	prog = !strcmp(name, "stateless") ? floors->progs.bench_stateless
	       : !strcmp(name, "minimal") ? floors->progs.bench_minimal
					  : NULL;
	if (!prog) {
		fprintf(stderr, "bench_rate: no floor '%s'\n", name);
		floors__destroy(floors);
		return 2;
	}
	bpf_map__set_max_entries(floors->maps.bench_flows, flows);
	if (floors__load(floors)) {
		floors__destroy(floors);
		return fail("load the floors");
	}
	for (__u32 i = 0; i < 4; i++) {
		__u32 dev = if_nametoindex(devs[i % count]);

		if (!dev ||
		    bpf_map_update_elem(bpf_map__fd(floors->maps.bench_ports),
					&i, &dev, BPF_ANY)) {
			floors__destroy(floors);
			return fail(devs[i % count]);
		}
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE,
			     NULL);
	floors__destroy(floors);
	if (err) {
		errno = -err;
		return fail("attach the floor");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send_frames(argv[2], argv[3], atol(argv[4]),
				   atol(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "establish"))
		return establish(atol(argv[2]));
	if (argc >= 6 && !strcmp(argv[1], "floor"))
		return attach_floor(argv[2], argv[3], atol(argv[4]), argv + 5,
				    argc - 5);
	fprintf(stderr, "usage: bench_rate send IFACE DST_MAC FLOWS FRAMES\n"
			"       bench_rate establish FLOWS\n"
			"       bench_rate floor stateless|minimal IFACE FLOWS "
			"DEV...\n");
	return 2;
}
