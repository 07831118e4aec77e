/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the data path (bpf/) and flowletctl (loader/),
 * by role, as Katran's balancer_consts.h and balancer_structs.h:
 *   flowlet_consts.h   limits, the config ring, the name tables and enums
 *   flowlet_structs.h  every map's key and value layout
 *   flowlet_helpers.h  code both sides run
 */
#ifndef FLOWLET_H
#define FLOWLET_H

#include "flowlet_consts.h"
#include "flowlet_structs.h"
#include "flowlet_helpers.h"

#endif /* FLOWLET_H */
