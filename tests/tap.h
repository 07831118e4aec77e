/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test results in TAP, for the C suites (the unit suite, bench_cost
 * --check); tests/lib.sh and tests/tap.py print the same lines:
 *
 *   ok 1 - what was checked
 *   not ok 2 - what was checked: why not
 *   # a diagnostic (where a check failed)
 *   ok 3 - what could not be checked # SKIP why
 *   1..3
 *   1 passed, 1 failed, 1 skipped
 *
 * The last line is what tests/run.sh adds up over the suites.
 */
#ifndef FLOWLET_TAP_H
#define FLOWLET_TAP_H

#include <stdarg.h>
#include <stdbool.h>

/* One result, "@prefix@fmt..."; returns @ok. */
bool tap_vresult(bool ok, const char *prefix, const char *fmt, va_list ap);
bool tap_result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_vskip(const char *prefix, const char *fmt, va_list ap);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The plan and the summary line; the exit status (1 on any failure). */
int tap_finish(void);

#endif /* FLOWLET_TAP_H */
