/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output for people and for programs from one call per field, after
 * iproute2's json_print: print_u64("packets", "%12llu ", v) prints v with
 * the format as text, or "packets": v inside the current JSON object
 * (--json). A NULL format prints the field in JSON only; print_text()
 * prints in text only. Keys are NULL inside arrays.
 */
#ifndef FLOWLET_PRINT_H
#define FLOWLET_PRINT_H

#include <stdbool.h>
#include <linux/types.h>

void print_start(bool json);
bool print_json(void);

void print_open(const char *key, char bracket);
void print_close(char bracket);

void print_str(const char *key, const char *fmt, const char *value);
void print_u64(const char *key, const char *fmt, __u64 value);
void print_double(const char *key, const char *fmt, double value);
void print_bool(const char *key, const char *fmt, bool value);
/* " key value" as text. */
void print_counter(const char *key, __u64 value);

__attribute__((format(printf, 1, 2))) void print_text(const char *fmt, ...);

/* A log2 histogram of FLOWLET_HIST_BUCKETS (see struct flowlet_hist)
 * under @key, titled @title: one row per bucket from the first to the
 * last used, of column @a (and @b if not NULL); ns durations if @ns. */
void print_histogram(const char *key, const char *title, bool ns,
		     const __u64 *a, const char *a_name, const __u64 *b,
		     const char *b_name);

/* The gap histograms of the telemetry (struct flowlet_hist), "gaps". */
void print_gaps(const __u64 *started, const __u64 *continued);

/* Ends a top-level JSON value (a newline) and flushes. */
void print_end(void);

#endif /* FLOWLET_PRINT_H */
