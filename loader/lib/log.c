// SPDX-License-Identifier: GPL-2.0
#include "log.h"

int log_verbose; /* -v: libbpf output and debug messages */
