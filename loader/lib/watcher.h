/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A running `flowletctl watch` announces itself with an abstract unix
 * socket named after the instance (interface index and hook): abstract names
 * belong to the network namespace and vanish with the process, so a watcher
 * that was killed leaves nothing behind that could lie.
 */
#ifndef FLOWLET_WATCHER_H
#define FLOWLET_WATCHER_H

#include "flowlet.h"

/* Claims the instance at @hook of @ifindex for this process: a listening
 * socket the caller keeps open (and accept()s from, see
 * watcher_accept()), or -1 with errno EADDRINUSE when another process
 * watches it. */
int watcher_claim(int ifindex, enum flowlet_hook hook);

/* Answers (and closes) the connections status made to @fd. */
void watcher_accept(int fd);

/* The pid of the process watching that instance, or 0 if none. */
int watcher_pid(int ifindex, enum flowlet_hook hook);

#endif /* FLOWLET_WATCHER_H */
