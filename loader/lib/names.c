// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "names.h"

#define NAME_ENTRY(id, name, help) name,
#define HELP_ENTRY(id, name, help) help,

static const char *const mode_names[] = { FLOWLET_MODES(NAME_ENTRY) };
static const char *const mode_helps[] = { FLOWLET_MODES(HELP_ENTRY) };
static const char *const pass_names[] = { FLOWLET_PASS_REASONS(NAME_ENTRY) };
static const char *const drop_names[] = { FLOWLET_DROP_REASONS(NAME_ENTRY) };
static const char *const down_names[] = { FLOWLET_DOWN_REASONS(NAME_ENTRY) };

_Static_assert(sizeof(mode_names) / sizeof(mode_names[0]) == FLOWLET_MODE_COUNT,
	       "one name per mode");

static const char *name_at(const char *const *names, __u32 count, __u32 i)
{
	return i < count ? names[i] : "unknown";
}

const char *mode_name(__u32 mode)
{
	return name_at(mode_names, FLOWLET_MODE_COUNT, mode);
}

int mode_lookup(const char *name)
{
	for (int i = 0; i < FLOWLET_MODE_COUNT; i++) {
		if (!strcmp(name, mode_names[i]))
			return i;
	}
	return -1;
}

void mode_list(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < FLOWLET_MODE_COUNT && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 !i			       ? ""
				 : i == FLOWLET_MODE_COUNT - 1 ? " or "
							       : ", ",
				 mode_names[i]);
}

void mode_help(FILE *out)
{
	for (int i = 0; i < FLOWLET_MODE_COUNT; i++)
		fprintf(out, "  %-10s %s%s\n", mode_names[i], mode_helps[i],
			i == FLOWLET_MODE_FLOWLET ? " (default)" : "");
}

const char *pass_reason_name(__u32 reason)
{
	return name_at(pass_names, FLOWLET_PASS_COUNT, reason);
}

const char *drop_reason_name(__u32 reason)
{
	return name_at(drop_names, FLOWLET_DROP_COUNT, reason);
}

const char *path_state(const struct flowlet_path *p)
{
	for (__u32 bit = 0; bit < FLOWLET_DOWN_COUNT; bit++) {
		if (p->down & (1u << bit))
			return down_names[bit];
	}
	if (p->down)
		return "down";
	return p->weight ? "up" : "weight 0";
}
