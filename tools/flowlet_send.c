// SPDX-License-Identifier: GPL-2.0
/*
 * flowlet-send: N TCP packets of one 5-tuple with a pause between them, the
 * P4 flowlet exercise's send.py as a raw-socket tool. Pauses longer than
 * the flowlet timeout make each packet a new flowlet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD 1400

static const char usage[] =
	"usage: flowlet-send [--sport PORT] [--dport PORT] [--size BYTES]\n"
	"                    [--quiet] DST N PAUSE\n"
	"  Send N TCP packets (ACK, no connection) of one 5-tuple to DST (an\n"
	"  IPv4 or IPv6 address), PAUSE apart: seconds (0.1) or a duration\n"
	"  (100ms).\n"
	"  --sport, --dport  ports of the 5-tuple (default 1234 -> 80)\n"
	"  --size BYTES      TCP payload per packet, 0-1400 (default 64)\n"
	"  --quiet           print only the summary\n";

static int fail(const char *fmt, const char *what)
{
	fprintf(stderr, "flowlet-send: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n");
	return 2;
}

static bool parse_long(const char *text, long min, long max, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	return !errno && *text && !*end && *value >= min && *value <= max;
}

/* "0.1" (seconds) or "100ms", "500us", "1s". */
static bool parse_pause(const char *text, double *seconds)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 } };
	char *end;

	errno = 0;
	*seconds = strtod(text, &end);
	if (errno || end == text || *seconds < 0 || *seconds > 3600)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			*seconds *= units[i].scale;
			return true;
		}
	}
	return false;
}

static unsigned int sum16(const void *data, size_t len, unsigned int sum)
{
	const unsigned char *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static unsigned short fold(unsigned int sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* The source address the kernel would use to reach @dst (of @len bytes):
 * into @src, of the same family. */
static int source_for(const struct sockaddr *dst, socklen_t len,
		      struct sockaddr_storage *src)
{
	socklen_t src_len = sizeof(*src);
	int fd = socket(dst->sa_family, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	err = connect(fd, dst, len) ||
	      getsockname(fd, (struct sockaddr *)src, &src_len);
	close(fd);
	return err ? -1 : 0;
}

/* @addr with @port, as "a.b.c.d:port" or "[a:b::c]:port". */
static void endpoint(char *buf, size_t len, const char *addr, long port)
{
	snprintf(buf, len, strchr(addr, ':') ? "[%s]:%ld" : "%s:%ld", addr,
		 port);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sport", required_argument, NULL, 's' },
		{ "dport", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 'z' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long sport = 1234, dport = 80, size = 64, count;
	unsigned char packet[sizeof(struct iphdr) + sizeof(struct tcphdr) +
			     MAX_PAYLOAD];
	struct iphdr *ip = (struct iphdr *)packet;
	struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} dst = { 0 };
	struct sockaddr_storage src;
	char src_text[INET6_ADDRSTRLEN], from[INET6_ADDRSTRLEN + 8],
		to[INET6_ADDRSTRLEN + 8];
	socklen_t dst_len;
	const void *out;
	size_t len;
	struct timespec pause;
	bool quiet = false, v6;
	double seconds;
	int opt, fd;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!parse_long(optarg, 1, 65535, &sport))
				return fail(
					"bad --sport '%s': expected 1-65535",
					optarg);
			break;
		case 'd':
			if (!parse_long(optarg, 1, 65535, &dport))
				return fail(
					"bad --dport '%s': expected 1-65535",
					optarg);
			break;
		case 'z':
			if (!parse_long(optarg, 0, MAX_PAYLOAD, &size))
				return fail("bad --size '%s': expected 0-1400",
					    optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return fail("bad option '%s' (see flowlet-send --help)",
				    argv[optind - 1]);
		}
	}
	if (argc - optind != 3)
		return fail("%s",
			    "expected DST N PAUSE (see flowlet-send --help)");
	if (inet_pton(AF_INET, argv[optind], &dst.v4.sin_addr) == 1) {
		dst.v4.sin_family = AF_INET;
		dst_len = sizeof(dst.v4);
	} else if (inet_pton(AF_INET6, argv[optind], &dst.v6.sin6_addr) == 1) {
		dst.v6.sin6_family = AF_INET6;
		dst_len = sizeof(dst.v6);
	} else {
		return fail("bad DST '%s': expected an IPv4 or IPv6 address",
			    argv[optind]);
	}
	v6 = dst.sa.sa_family == AF_INET6;
	if (!parse_long(argv[optind + 1], 1, 100000000, &count))
		return fail("bad N '%s': expected a packet count >= 1",
			    argv[optind + 1]);
	if (!parse_pause(argv[optind + 2], &seconds))
		return fail("bad PAUSE '%s': expected seconds (0.1) or a "
			    "duration (100ms)",
			    argv[optind + 2]);
	pause.tv_sec = (time_t)seconds;
	pause.tv_nsec = (long)((seconds - pause.tv_sec) * 1e9);

	/* IPv4: the whole datagram, its header ours. IPv6: the segment; the
	 * kernel adds the header and, told where the checksum goes,
	 * computes it in full (XDP cannot complete a partial one). */
	fd = socket(dst.sa.sa_family, SOCK_RAW, v6 ? IPPROTO_TCP : IPPROTO_RAW);
	if (fd < 0)
		return fail("cannot open a raw socket: %s (run as root)",
			    strerror(errno));
	if (v6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM,
		       &(int){ offsetof(struct tcphdr, check) }, sizeof(int))) {
		close(fd);
		return fail("cannot have the checksum computed: %s",
			    strerror(errno));
	}
	memset(packet, 0, sizeof(packet));
	if (source_for(&dst.sa, dst_len, &src)) {
		close(fd);
		return fail("no route to %s", argv[optind]);
	}
	if (v6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&src)->sin6_addr,
			  src_text, sizeof(src_text));
	} else {
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons(sizeof(*ip) + sizeof(*tcp) + size);
		ip->saddr = ((struct sockaddr_in *)&src)->sin_addr.s_addr;
		ip->daddr = dst.v4.sin_addr.s_addr;
		inet_ntop(AF_INET, &ip->saddr, src_text, sizeof(src_text));
	}
	tcp->source = htons(sport);
	tcp->dest = htons(dport);
	tcp->doff = 5;
	tcp->ack = 1;
	tcp->psh = 1;
	tcp->window = htons(65535);
	endpoint(from, sizeof(from), src_text, sport);
	endpoint(to, sizeof(to), argv[optind], dport);
	/* IPv6: the segment alone (see the socket above). */
	out = v6 ? (const void *)tcp : packet;
	len = (v6 ? 0 : sizeof(*ip)) + sizeof(*tcp) + size;

	for (long i = 0; i < count; i++) {
		unsigned int sum;

		tcp->seq = htonl(1 + i * size);
		memset(tcp + 1, 'a' + i % 26, size);
		tcp->check = 0;
		if (!v6) {
			/* Pseudo-header, then the segment: a full
			 * checksum. */
			sum = sum16(&ip->saddr, 8,
				    IPPROTO_TCP + sizeof(*tcp) + size);
			tcp->check = fold(sum16(tcp, sizeof(*tcp) + size, sum));
			ip->id = htons(i);
		}
		if (sendto(fd, out, len, 0, &dst.sa, dst_len) < 0) {
			fprintf(stderr, "flowlet-send: packet %ld: %s\n", i + 1,
				strerror(errno));
			close(fd);
			return 1;
		}
		if (!quiet)
			printf("sent %ld/%ld %s -> %s\n", i + 1, count, from,
			       to);
		if (i + 1 < count)
			nanosleep(&pause, NULL);
	}
	close(fd);
	printf("sent %ld TCP packets %s -> %s, %gs apart\n", count, from, to,
	       seconds);
	return 0;
}
