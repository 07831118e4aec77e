/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer: keys are NULL inside arrays. */
#ifndef FLOWLET_JSON_H
#define FLOWLET_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 8

struct json {
	FILE *out;
	int depth;
	bool has_items[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *out);
void json_open(struct json *j, const char *key, char bracket);
void json_close(struct json *j, char bracket);
void json_str(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, __u64 value);
void json_double(struct json *j, const char *key, double value);
void json_bool(struct json *j, const char *key, bool value);

#endif /* FLOWLET_JSON_H */
