/* SPDX-License-Identifier: GPL-2.0 */
/* The names of modes, reasons and path states, from the tables in
 * flowlet.h: what flowletctl parses, prints and lists in --help. */
#ifndef FLOWLET_NAMES_H
#define FLOWLET_NAMES_H

#include <stdio.h>
#include <linux/types.h>

#include "flowlet.h"

const char *mode_name(__u32 mode);
/* The mode called @name, or -1. */
int mode_lookup(const char *name);
/* "flowlet, ecmp, ... or spray" */
void mode_list(char *buf, size_t len);
/* One line per mode, "  name  what it does", for --help. */
void mode_help(FILE *out);

const char *pass_reason_name(__u32 reason);
const char *drop_reason_name(__u32 reason);

/* "up", "weight 0" or why the path is down ("link down", ...). */
const char *path_state(const struct flowlet_path *p);

#endif /* FLOWLET_NAMES_H */
