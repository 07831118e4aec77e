// SPDX-License-Identifier: GPL-2.0
#include "log.h"

int log_verbose; /* -v: libbpf output and debug messages */

static void print_stderr(enum log_level level, const char *fmt, va_list args)
{
	if (level == LOG_DEBUG && !log_verbose)
		return;
	fprintf(stderr, "flowletctl: %s", level == LOG_WARN ? "warning: " : "");
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

static log_print_fn printer = print_stderr;

log_print_fn log_set_print(log_print_fn fn)
{
	log_print_fn before = printer;

	printer = fn ? fn : print_stderr;
	return before;
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	printer(level, fmt, args);
	va_end(args);
}
