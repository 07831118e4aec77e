// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's NFQUEUE forwarder, the Weighted Tunnels way of splitting
 * traffic by weight: the kernel queues every packet to user space
 * (iptables -j NFQUEUE, bench/rate.sh installs the rule), which picks a
 * path per packet by smooth weighted round robin and gives the packet
 * back marked path + 1; policy routing (ip rule fwmark) sends each mark
 * through its path. Built only for the bench, with libnetfilter_queue.
 *
 * bench_nfq QUEUE W1,W2,...
 *     Runs until SIGINT or SIGTERM, then prints the packets it forwarded
 *     (by path) on one line.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define MAX_PATHS 16

struct forwarder {
	struct nfq_q_handle *queue;
	int weights[MAX_PATHS], current[MAX_PATHS], total, paths;
	unsigned long long forwarded[MAX_PATHS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Smooth weighted round robin (nginx's): every path gains its weight, the
 * richest is picked and pays the total; exact per cycle, evenly spread. */
static int next_path(struct forwarder *f)
{
	int best = 0;

	for (int i = 0; i < f->paths; i++) {
		f->current[i] += f->weights[i];
		if (f->current[i] > f->current[best])
			best = i;
	}
	f->current[best] -= f->total;
	return best;
}

static int on_packet(struct nfq_q_handle *queue, struct nfgenmsg *msg,
		     struct nfq_data *data, void *ctx)
{
	struct nfqnl_msg_packet_hdr *hdr = nfq_get_msg_packet_hdr(data);
	struct forwarder *f = ctx;
	int path = next_path(f);

	(void)msg;
	if (!hdr)
		return -1;
	f->forwarded[path]++;
	return nfq_set_verdict2(queue, ntohl(hdr->packet_id), NF_ACCEPT,
				path + 1, 0, NULL);
}

static int parse_weights(const char *text, struct forwarder *f)
{
	char *end;

	do {
		long w = strtol(text, &end, 10);

		if (end == text || w < 1 || w > 256 || f->paths == MAX_PATHS)
			return -1;
		f->weights[f->paths++] = w;
		f->total += w;
		text = end + 1;
	} while (*end == ',');
	return *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct forwarder f = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct nfq_handle *h;
	int fd, queue_num;
	char *end;

	if (argc != 3 || (queue_num = strtol(argv[1], &end, 10)) < 0 || *end ||
	    parse_weights(argv[2], &f)) {
		fprintf(stderr, "usage: bench_nfq QUEUE W1,W2,... (weights "
				"1-256, at most 16)\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	h = nfq_open();
	if (!h || nfq_bind_pf(h, AF_INET) < 0) {
		fprintf(stderr, "bench_nfq: cannot open NFQUEUE: %s\n",
			strerror(errno));
		return 1;
	}
	f.queue = nfq_create_queue(h, queue_num, on_packet, &f);
	if (!f.queue || nfq_set_mode(f.queue, NFQNL_COPY_META, 0) < 0 ||
	    nfq_set_queue_maxlen(f.queue, 4096) < 0) {
		fprintf(stderr, "bench_nfq: cannot set up queue %d: %s\n",
			queue_num, strerror(errno));
		nfq_close(h);
		return 1;
	}
	/* A queue that outruns the socket loses packets (ENOBUFS), as a
	 * full queue does: both are the forwarder's limit, not errors. */
	nfnl_rcvbufsiz(nfq_nfnlh(h), 8 << 20);
	fd = nfq_fd(h);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n >= 0)
			nfq_handle_packet(h, buf, n);
		else if (errno != ENOBUFS && errno != EINTR)
			break;
	}
	nfq_destroy_queue(f.queue);
	nfq_close(h);
	for (int i = 0; i < f.paths; i++)
		printf("%s%llu", i ? " " : "forwarded ", f.forwarded[i]);
	printf("\n");
	return 0;
}
