/* SPDX-License-Identifier: GPL-2.0 */
/* The names of modes, hooks, reasons and path states, from the tables in
 * flowlet.h: what flowletctl parses, prints and lists in --help. */
#ifndef FLOWLET_NAMES_H
#define FLOWLET_NAMES_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "flowlet.h"

const char *mode_name(__u32 mode);
/* Whether @mode switches per flowlet (the timeout matters to it). */
bool mode_flowlets(__u32 mode);
/* The mode called @name, or -1. */
int mode_lookup(const char *name);
/* "flowlet, ecmp, ... or spray"; "flowlet ecmp ... spray" (words). */
void mode_list(char *buf, size_t len);
void mode_words(char *buf, size_t len);
/* One line per mode, "  name  what it does", for --help. */
void mode_help(FILE *out);

/* The hook's name, its program's name (FLOWLET_HOOK_COUNT: "any"). */
const char *hook_name(__u32 hook);
const char *hook_prog_name(__u32 hook);
/* The hook called @name, or -1. */
int hook_lookup(const char *name);
/* "xdp, tc-ingress or tc-egress"; "xdp tc-ingress tc-egress". */
void hook_list(char *buf, size_t len);
void hook_words(char *buf, size_t len);
/* One line per hook, "  name  what it is for", for --help. */
void hook_help(FILE *out);

const char *pass_reason_name(__u32 reason);
const char *drop_reason_name(__u32 reason);

/* "up", "weight 0" or why the path is down ("link down", ...). */
const char *path_state(const struct flowlet_path *p);

#endif /* FLOWLET_NAMES_H */
