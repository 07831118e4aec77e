// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

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
