// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "flowlet.h"
#include "parse.h"
#include "print.h"

#define MAX_DEPTH 8

static struct {
	bool json;
	int depth;
	bool has_items[MAX_DEPTH];
} out;

void print_start(bool json)
{
	out.json = json;
	out.depth = 0;
	out.has_items[0] = false;
}

bool print_json(void)
{
	return out.json;
}

static void json_key(const char *key)
{
	if (out.has_items[out.depth])
		putchar(',');
	out.has_items[out.depth] = true;
	if (key)
		printf("\"%s\":", key);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void print_open(const char *key, char bracket)
{
	if (!out.json)
		return;
	json_key(key);
	putchar(bracket);
	if (out.depth < MAX_DEPTH - 1)
		out.depth++;
	out.has_items[out.depth] = false;
}

void print_close(char bracket)
{
	if (!out.json)
		return;
	putchar(bracket);
	if (out.depth > 0)
		out.depth--;
}

void print_str(const char *key, const char *fmt, const char *value)
{
	if (out.json) {
		json_key(key);
		json_string(value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_u64(const char *key, const char *fmt, __u64 value)
{
	if (out.json) {
		json_key(key);
		printf("%llu", (unsigned long long)value);
	} else if (fmt) {
		printf(fmt, (unsigned long long)value);
	}
}

void print_double(const char *key, const char *fmt, double value)
{
	if (out.json) {
		json_key(key);
		printf("%.3f", value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_bool(const char *key, const char *fmt, bool value)
{
	if (out.json) {
		json_key(key);
		fputs(value ? "true" : "false", stdout);
	} else if (fmt) {
		printf(fmt, value ? "yes" : "no");
	}
}

void print_counter(const char *key, __u64 value)
{
	if (out.json)
		print_u64(key, NULL, value);
	else
		printf(" %s %llu", key, (unsigned long long)value);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_end(void)
{
	/* The next top-level value starts a new line, not a list. */
	out.depth = 0;
	out.has_items[0] = false;
	if (out.json)
		putchar('\n');
	fflush(stdout);
}

/* @v in ns as a short duration: 512ns, 8.39ms, 1.07s (the largest unit
 * of duration_units it reaches). */
static void short_duration(__u64 v, char *buf, size_t len)
{
	size_t u = 0;

	while (u + 1 < duration_unit_count && v < duration_units[u].ns)
		u++;
	snprintf(buf, len, "%.3g%s", (double)v / duration_units[u].ns,
		 duration_units[u].suffix);
}

/* "[2^i, 2^(i+1))" of bucket @b, durations if @ns. */
static void bucket_label(int b, bool ns, char *buf, size_t len)
{
	__u64 lo = b ? 1ULL << b : 0, hi = 1ULL << (b + 1);
	char l[32], h[32];

	if (ns) {
		short_duration(lo, l, sizeof(l));
		short_duration(hi, h, sizeof(h));
	} else {
		snprintf(l, sizeof(l), "%llu", (unsigned long long)lo);
		snprintf(h, sizeof(h), "%llu", (unsigned long long)hi);
	}
	snprintf(buf, len, "[%s, %s)", l, h);
}

void print_histogram(const char *key, const char *title, bool ns,
		     const __u64 *a, const char *a_name, const __u64 *b,
		     const char *b_name)
{
	int first = FLOWLET_HIST_BUCKETS, last = -1;

	for (int i = 0; i < FLOWLET_HIST_BUCKETS; i++) {
		if (a[i] || (b && b[i])) {
			first = i < first ? i : first;
			last = i;
		}
	}
	print_text("\n%s\n", title);
	if (last < 0)
		print_text("  none yet\n");
	else if (b)
		print_text("%-24s %12s %12s\n", "", a_name, b_name);
	else
		print_text("%-24s %12s\n", "", a_name);
	print_open(key, '[');
	for (int i = first; i <= last; i++) {
		char label[80];

		bucket_label(i, ns, label, sizeof(label));
		print_open(NULL, '{');
		print_u64("from", NULL, i ? 1ULL << i : 0);
		print_u64("to", NULL, 1ULL << (i + 1));
		print_text("  %-22s", label);
		print_u64(a_name, " %12llu", a[i]);
		if (b)
			print_u64(b_name, " %12llu", b[i]);
		print_text("\n");
		print_close('}');
	}
	print_close(']');
}

void print_gaps(const __u64 *started, const __u64 *continued)
{
	print_histogram("gaps",
			"gaps between a flow's packets, by whether they "
			"started a flowlet:",
			true, started, "started", continued, "continued");
}
