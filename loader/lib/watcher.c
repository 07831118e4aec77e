// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "names.h"
#include "watcher.h"

static socklen_t watcher_addr(int ifindex, enum flowlet_hook hook,
			      struct sockaddr_un *sun)
{
	int len;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': an abstract name; XDP's has no hook in it. */
	len = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
		       "flowlet-watch-%d%s%s", ifindex,
		       hook == FLOWLET_HOOK_XDP ? "" : "-",
		       hook == FLOWLET_HOOK_XDP ? "" : hook_name(hook));
	return offsetof(struct sockaddr_un, sun_path) + 1 + len;
}

int watcher_claim(int ifindex, enum flowlet_hook hook)
{
	struct sockaddr_un sun;
	socklen_t len = watcher_addr(ifindex, hook, &sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int saved;

	if (fd < 0)
		return -1;
	if (!bind(fd, (struct sockaddr *)&sun, len) && !listen(fd, 8))
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

void watcher_accept(int fd)
{
	int conn;

	while ((conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(conn);
}

int watcher_pid(int ifindex, enum flowlet_hook hook)
{
	struct sockaddr_un sun;
	socklen_t len = watcher_addr(ifindex, hook, &sun);
	struct ucred cred = { 0 };
	socklen_t cred_len = sizeof(cred);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sun, len) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len))
		cred.pid = 0;
	close(fd);
	return cred.pid;
}
