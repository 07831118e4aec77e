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
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdbool.h>
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
	"  Send N TCP packets (ACK, no connection) of one 5-tuple to the IPv4\n"
	"  address DST, PAUSE apart: seconds (0.1) or a duration (100ms).\n"
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

/* The source address the kernel would use to reach @dst. */
static int source_for(const struct sockaddr_in *dst, struct in_addr *src)
{
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	err = connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) ||
	      getsockname(fd, (struct sockaddr *)&local, &len);
	close(fd);
	if (!err)
		*src = local.sin_addr;
	return err ? -1 : 0;
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
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char src_text[INET_ADDRSTRLEN];
	struct timespec pause;
	bool quiet = false;
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
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		return fail("bad DST '%s': expected an IPv4 address",
			    argv[optind]);
	if (!parse_long(argv[optind + 1], 1, 100000000, &count))
		return fail("bad N '%s': expected a packet count >= 1",
			    argv[optind + 1]);
	if (!parse_pause(argv[optind + 2], &seconds))
		return fail("bad PAUSE '%s': expected seconds (0.1) or a "
			    "duration (100ms)",
			    argv[optind + 2]);
	pause.tv_sec = (time_t)seconds;
	pause.tv_nsec = (long)((seconds - pause.tv_sec) * 1e9);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return fail("cannot open a raw socket: %s (run as root)",
			    strerror(errno));
	memset(packet, 0, sizeof(packet));
	if (source_for(&dst, (struct in_addr *)&ip->saddr)) {
		close(fd);
		return fail("no route to %s", argv[optind]);
	}
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*tcp) + size);
	ip->daddr = dst.sin_addr.s_addr;
	tcp->source = htons(sport);
	tcp->dest = htons(dport);
	tcp->doff = 5;
	tcp->ack = 1;
	tcp->psh = 1;
	tcp->window = htons(65535);
	inet_ntop(AF_INET, &ip->saddr, src_text, sizeof(src_text));

	for (long i = 0; i < count; i++) {
		unsigned int sum;

		tcp->seq = htonl(1 + i * size);
		memset(tcp + 1, 'a' + i % 26, size);
		tcp->check = 0;
		/* Pseudo-header, then the segment: a full checksum. */
		sum = sum16(&ip->saddr, 8, IPPROTO_TCP + sizeof(*tcp) + size);
		tcp->check = fold(sum16(tcp, sizeof(*tcp) + size, sum));
		ip->id = htons(i);
		if (sendto(fd, packet, sizeof(*ip) + sizeof(*tcp) + size, 0,
			   (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			fprintf(stderr, "flowlet-send: packet %ld: %s\n", i + 1,
				strerror(errno));
			close(fd);
			return 1;
		}
		if (!quiet)
			printf("sent %ld/%ld %s:%ld -> %s:%ld\n", i + 1, count,
			       src_text, sport, argv[optind], dport);
		if (i + 1 < count)
			nanosleep(&pause, NULL);
	}
	close(fd);
	printf("sent %ld TCP packets %s:%ld -> %s:%ld, %gs apart\n", count,
	       src_text, sport, argv[optind], dport, seconds);
	return 0;
}
