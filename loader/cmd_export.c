// SPDX-License-Identifier: GPL-2.0
/* exporter: every instance's counters for Prometheus, served over HTTP by
 * libmicrohttpd. Instances are looked up again at every scrape, so the
 * exporter stays up while they come and go. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "paths.h"

#define DEFAULT_LISTEN "127.0.0.1:9477"
#define MAX_IFACES     64
#define MAX_SOURCES    (MAX_IFACES * FLOWLET_HOOK_COUNT)

struct exporter {
	int ifindexes[MAX_IFACES]; /* the IFACEs given; none: all */
	int iface_count;
};

/* A scrape's readings. */
struct scrape {
	struct metrics_source src[MAX_SOURCES];
	struct instance in[MAX_SOURCES];
	struct snapshot s[MAX_SOURCES];
	int count;
};

static int add_source(struct instance *in, void *ctx)
{
	struct scrape *sc = ctx;

	if (sc->count == MAX_SOURCES)
		return 1;
	if (snapshot_read(in, &sc->s[sc->count]))
		return 0;
	/* The instance is closed after this call: keep a copy that owns
	 * nothing (the metrics need its name, hook and program id). */
	sc->in[sc->count] = *in;
	sc->in[sc->count].prog_fd = -1;
	for (int m = 0; m < MAP_COUNT; m++)
		sc->in[sc->count].fds[m] = -1;
	sc->src[sc->count] = (struct metrics_source){ &sc->in[sc->count],
						      &sc->s[sc->count] };
	sc->count++;
	return 0;
}

/* The text of /metrics now, malloc()ed, its length in *len. */
static char *metrics_text(const struct exporter *ex, size_t *len)
{
	struct scrape *sc = calloc(1, sizeof(*sc));
	char *text = NULL;
	FILE *out;

	if (!sc)
		return NULL;
	if (!ex->iface_count)
		instance_for_each(0, add_source, sc);
	for (int i = 0; i < ex->iface_count; i++)
		instance_for_each(ex->ifindexes[i], add_source, sc);
	out = open_memstream(&text, len);
	if (out) {
		metrics_write(out, sc->src, sc->count);
		fclose(out);
	}
	free(sc);
	return text;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	static const char not_found[] = "flowlet exporter: see /metrics\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	size_t len = 0;
	char *text;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO; /* closes the connection */
	if (strcmp(url, "/metrics")) {
		code = MHD_HTTP_NOT_FOUND;
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1,
						       (void *)not_found,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		text = metrics_text(cls, &len);
		if (!text)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, text,
						       MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4; "
					"charset=utf-8");
	}
	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ADDR:PORT, [ADDR6]:PORT, or :PORT (loopback). */
static int parse_listen(const char *text, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	size_t hostlen;
	__u64 port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || parse_uint("--listen's port", colon + 1, 1, 65535, &port))
		goto bad;
	hostlen = colon - text;
	if (hostlen >= sizeof(host))
		goto bad;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (!hostlen)
		strcpy(host, "127.0.0.1");
	if (host[0] == '[' && hostlen > 2 && host[hostlen - 1] == ']') {
		host[hostlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		goto bad;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return 0;
bad:
	pr_err("exporter: bad --listen '%s' (ADDR:PORT, [ADDR6]:PORT or "
	       ":PORT)",
	       text);
	return -1;
}

/* A listening socket on @ss (@text in messages), or -1 after an error. */
static int listen_on(const struct sockaddr_storage *ss, const char *text)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);

	if (fd >= 0 &&
	    !setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) &&
	    !bind(fd, (const struct sockaddr *)ss, len) && !listen(fd, 16))
		return fd;
	pr_err("exporter: cannot listen on %s: %s", text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (log_verbose)
		vfprintf(stderr, fmt, ap);
}

const struct cmd_option exporter_options[] = {
	OPTION("listen", 'l', "ADDR:PORT",
	       "where to serve: ADDR:PORT, [ADDR6]:PORT or :PORT "
	       "(default " DEFAULT_LISTEN ", loopback only)"),
	{ 0 },
};

int cmd_exporter(int argc, char **argv)
{
	const char *listen = DEFAULT_LISTEN;
	struct sockaddr_storage ss;
	struct exporter ex = { 0 };
	struct MHD_Daemon *daemon;
	int opt, sig, fd, status = EXIT_OK;
	sigset_t stop;

	while (status == EXIT_OK &&
	       (opt = command_getopt(argc, argv, exporter_options, &status)) !=
		       -1) {
		if (opt == 'l')
			listen = optarg;
	}
	if (status != EXIT_OK)
		return status;
	if (parse_listen(listen, &ss))
		return EXIT_USAGE;
	for (int i = optind; i < argc; i++) {
		if (ex.iface_count == MAX_IFACES) {
			pr_err("exporter: more than %d interfaces", MAX_IFACES);
			return EXIT_USAGE;
		}
		ex.ifindexes[ex.iface_count] = netdev_index(argv[i]);
		if (!ex.ifindexes[ex.iface_count++])
			return EXIT_FAIL;
	}
	/* The server's thread must not take the signals that end us. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	fd = listen_on(&ss, listen);
	if (fd < 0)
		return EXIT_FAIL;
	daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
		NULL, answer, &ex, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_END);
	if (!daemon) {
		pr_err("exporter: the HTTP server did not start");
		close(fd);
		return EXIT_FAIL;
	}
	printf("exporter: serving http://%s/metrics (pid %d)\n", listen,
	       getpid());
	fflush(stdout);
	sigwait(&stop, &sig);
	MHD_stop_daemon(daemon);
	return EXIT_OK;
}
