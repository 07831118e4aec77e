/* SPDX-License-Identifier: GPL-2.0 */
/* flowletctl's messages: one line each, prefixed with the tool's name. */
#ifndef FLOWLET_LOG_H
#define FLOWLET_LOG_H

#include <stdio.h>

extern int log_verbose;

#define pr_err(fmt, ...) fprintf(stderr, "flowletctl: " fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) \
	fprintf(stderr, "flowletctl: warning: " fmt "\n", ##__VA_ARGS__)
#define pr_debug(fmt, ...)                                       \
	do {                                                     \
		if (log_verbose)                                 \
			fprintf(stderr, "flowletctl: " fmt "\n", \
				##__VA_ARGS__);                  \
	} while (0)

#endif /* FLOWLET_LOG_H */
