/* SPDX-License-Identifier: GPL-2.0 */
/* Parsers for command-line values. Each returns 0, or -1 after printing one
 * line that names the bad value and says what was expected. */
#ifndef FLOWLET_VALUES_H
#define FLOWLET_VALUES_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "flowlet.h"

#define FLOWLET_MAX_WEIGHT 255

/* The units durations take and print in, largest first. */
struct duration_unit {
	const char *suffix;
	__u64 ns;
};
extern const struct duration_unit duration_units[];
extern const size_t duration_unit_count;

struct ip_addr {
	__u8 family; /* 4 or 6 */
	__u8 bytes[16];
};

struct path_arg {
	char dev[IF_NAMESIZE];
	struct ip_addr nexthop;
};

int parse_duration(const char *opt, const char *text, __u64 *ns);
int parse_mode(const char *text, __u32 *mode);

/* "on" or "off" for option @what: 0, or -1 after an error. */
int parse_on_off(const char *what, const char *text, bool *on);
int parse_weights(const char *text, __u32 *weights, int *count);
int parse_prefix(const char *text, struct flowlet_prefix_key *key);
int parse_path(const char *text, struct path_arg *path);
int parse_ip(const char *text, struct ip_addr *addr);
int parse_uint(const char *opt, const char *text, __u64 min, __u64 max,
	       __u64 *value);

/* "50ms", "1.5s": the shortest exact rendering of a duration. */
void format_duration(__u64 ns, char *buf, size_t len);
void format_ip(const __u8 *bytes, __u8 family, char *buf, size_t len);
void format_mac(const __u8 *mac, char *buf, size_t len);
/* "tcp", "udp", "icmp", "icmpv6" or the number (in @buf, 8 bytes). */
const char *format_proto(__u8 proto, char *buf);
/* ADDR:PORT, [ADDR6]:PORT; @port in network order. */
void format_endpoint(const __u8 *addr, __u8 family, __u16 port, char *buf,
		     size_t len);
/* "10.0.6.0/24" */
void format_prefix(const struct flowlet_prefix_key *key, char *buf, size_t len);

/* Whether addresses @a and @b agree on their first @bits bits. */
bool prefix_match(const __u8 *a, const __u8 *b, int bits);
/* The same prefix (padding aside). */
bool prefix_equal(const struct flowlet_prefix_key *a,
		  const struct flowlet_prefix_key *b);
/* The flowlet_prefix key of one address (a /32 or /128), for lookups. */
void host_prefix_key(__u8 family, const __u8 *addr,
		     struct flowlet_prefix_key *key);

#endif /* FLOWLET_VALUES_H */
