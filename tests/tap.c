// SPDX-License-Identifier: GPL-2.0
/* TAP results for the C suites (tap.h). */
#include <stdio.h>

#include "tap.h"

static int passed, failed, skipped;

static int tap_count(void)
{
	return passed + failed + skipped;
}

/* One result line: "ok N - " or "not ok N - ", @prefix, @fmt, @suffix. */
static void line(bool ok, const char *prefix, const char *fmt, va_list ap,
		 const char *suffix)
{
	printf("%sok %d - %s", ok ? "" : "not ", tap_count() + 1, prefix);
	vprintf(fmt, ap);
	printf("%s\n", suffix);
	fflush(stdout);
}

bool tap_vresult(bool ok, const char *prefix, const char *fmt, va_list ap)
{
	line(ok, prefix, fmt, ap, "");
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

bool tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(ok, "", fmt, ap);
	va_end(ap);
	return ok;
}

void tap_vskip(const char *prefix, const char *fmt, va_list ap)
{
	line(true, prefix, fmt, ap, " # SKIP");
	skipped++;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int tap_finish(void)
{
	printf("1..%d\n", tap_count());
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
