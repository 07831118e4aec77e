// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

#define NAME_ENTRY(id, name, help) name,
#define HELP_ENTRY(id, name, help) help,

#define MODE_NAME_ENTRY(id, name, flowlets, help)     name,
#define MODE_FLOWLETS_ENTRY(id, name, flowlets, help) flowlets,
#define MODE_HELP_ENTRY(id, name, flowlets, help)     help,
static const char *const mode_names[] = { FLOWLET_MODES(MODE_NAME_ENTRY) };
static const bool mode_flowlets_[] = { FLOWLET_MODES(MODE_FLOWLETS_ENTRY) };
static const char *const mode_helps[] = { FLOWLET_MODES(MODE_HELP_ENTRY) };
#define HOOK_NAME_ENTRY(id, name, prog, help) name,
#define HOOK_PROG_ENTRY(id, name, prog, help) #prog,
#define HOOK_HELP_ENTRY(id, name, prog, help) help,
static const char *const hook_names[] = { FLOWLET_HOOKS(HOOK_NAME_ENTRY) };
static const char *const hook_progs[] = { FLOWLET_HOOKS(HOOK_PROG_ENTRY) };
static const char *const hook_helps[] = { FLOWLET_HOOKS(HOOK_HELP_ENTRY) };
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

bool mode_flowlets(__u32 mode)
{
	return mode < FLOWLET_MODE_COUNT && mode_flowlets_[mode];
}

static int name_lookup(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++) {
		if (!strcmp(name, names[i]))
			return i;
	}
	return -1;
}

/* The names joined: @sep between them, @last before the last one ("a, b
 * or c"; "a b c"). */
static void name_list(const char *const *names, int count, const char *sep,
		      const char *last, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < count && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 !i		  ? ""
				 : i == count - 1 ? last
						  : sep,
				 names[i]);
}

int mode_lookup(const char *name)
{
	return name_lookup(mode_names, FLOWLET_MODE_COUNT, name);
}

void mode_list(char *buf, size_t len)
{
	name_list(mode_names, FLOWLET_MODE_COUNT, ", ", " or ", buf, len);
}

void mode_words(char *buf, size_t len)
{
	name_list(mode_names, FLOWLET_MODE_COUNT, " ", " ", buf, len);
}

const char *hook_name(__u32 hook)
{
	return hook == FLOWLET_HOOK_COUNT
		       ? "any"
		       : name_at(hook_names, FLOWLET_HOOK_COUNT, hook);
}

const char *hook_prog_name(__u32 hook)
{
	return name_at(hook_progs, FLOWLET_HOOK_COUNT, hook);
}

int hook_lookup(const char *name)
{
	return name_lookup(hook_names, FLOWLET_HOOK_COUNT, name);
}

void hook_list(char *buf, size_t len)
{
	name_list(hook_names, FLOWLET_HOOK_COUNT, ", ", " or ", buf, len);
}

void hook_words(char *buf, size_t len)
{
	name_list(hook_names, FLOWLET_HOOK_COUNT, " ", " ", buf, len);
}

void mode_help(FILE *out)
{
	for (int i = 0; i < FLOWLET_MODE_COUNT; i++)
		fprintf(out, "  %-10s %s%s\n", mode_names[i], mode_helps[i],
			i == FLOWLET_MODE_FLOWLET ? " (default)" : "");
}

void hook_help(FILE *out)
{
	for (int i = 0; i < FLOWLET_HOOK_COUNT; i++)
		fprintf(out, "  %-10s %s\n", hook_names[i], hook_helps[i]);
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
