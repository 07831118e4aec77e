/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The library's messages, one line each, after xdp-tools' logging.h: the
 * library calls pr_err()/pr_warn()/pr_info()/pr_debug(), and the front end
 * decides where they go (log_set_print()). Without a printer of its own
 * they go to stderr as "flowletctl: [warning: ]message", debug ones only
 * with log_verbose (-v).
 */
#ifndef FLOWLET_LOG_H
#define FLOWLET_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

extern int log_verbose;

/* A printer gets one message, without its newline. */
typedef void (*log_print_fn)(enum log_level level, const char *fmt,
			     va_list args);
/* Sets the printer (NULL: the default); returns the one before. */
log_print_fn log_set_print(log_print_fn fn);

void log_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(fmt, ...)   log_print(LOG_ERR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  log_print(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  log_print(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_print(LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* FLOWLET_LOG_H */
