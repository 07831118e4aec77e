// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "parse.h"

const struct duration_unit duration_units[] = {
	{ "s", 1000000000ULL },
	{ "ms", 1000000ULL },
	{ "us", 1000ULL },
	{ "ns", 1ULL },
};
const size_t duration_unit_count =
	sizeof(duration_units) / sizeof(duration_units[0]);

#define MAX_DURATION_NS (3600ULL * 1000000000ULL)

int parse_mode(const char *text, __u32 *mode)
{
	int found = mode_lookup(text);
	char modes[96];

	if (found >= 0) {
		*mode = found;
		return 0;
	}
	mode_list(modes, sizeof(modes));
	pr_err("unknown mode '%s' (expected %s)", text, modes);
	return -1;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int parse_on_off(const char *what, const char *text, bool *on)
{
	if (!strcmp(text, "on") || !strcmp(text, "off")) {
		*on = !strcmp(text, "on");
		return 0;
	}
	pr_err("bad %s '%s': expected on or off", what, text);
	return -1;
}

/* A decimal number at the start of @text (no sign, no space); *end is
 * what follows it. */
static bool leading_number(const char *text, unsigned long long *v, char **end)
{
	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	*v = strtoull(text, end, 10);
	return !errno;
}

int parse_uint(const char *opt, const char *text, __u64 min, __u64 max,
	       __u64 *value)
{
	unsigned long long v;
	char *end;

	if (!leading_number(text, &v, &end) || *end || v < min || v > max)
		goto bad;
	*value = v;
	return 0;
bad:
	pr_err("bad %s '%s': expected an integer from %llu to %llu", opt, text,
	       (unsigned long long)min, (unsigned long long)max);
	return -1;
}

int parse_duration(const char *opt, const char *text, __u64 *ns)
{
	unsigned long long v;
	char *end;

	if (!leading_number(text, &v, &end))
		goto bad;
	for (size_t i = 0; i < duration_unit_count; i++) {
		if (strcmp(end, duration_units[i].suffix))
			continue;
		if (v == 0 || v > MAX_DURATION_NS / duration_units[i].ns)
			goto bad;
		*ns = v * duration_units[i].ns;
		return 0;
	}
bad:
	pr_err("bad %s '%s': expected a duration from 1ns to 3600s with a unit "
	       "(ns, us, ms, s), e.g. 50ms",
	       opt, text);
	return -1;
}

void format_duration(__u64 ns, char *buf, size_t len)
{
	for (size_t i = 0; i < duration_unit_count; i++) {
		if (ns % duration_units[i].ns == 0) {
			snprintf(
				buf, len, "%llu%s",
				(unsigned long long)(ns / duration_units[i].ns),
				duration_units[i].suffix);
			return;
		}
	}
}

int parse_weights(const char *text, __u32 *weights, int *count)
{
	const char *pos = text;
	int n = 0;

	for (;;) {
		unsigned long long v;
		char *end;

		if (n == FLOWLET_MAX_PATHS) {
			pr_err("bad --weights '%s': more than %d weights", text,
			       FLOWLET_MAX_PATHS);
			return -1;
		}
		if (!leading_number(pos, &v, &end) || v > FLOWLET_MAX_WEIGHT ||
		    (*end && *end != ','))
			goto bad;
		weights[n++] = v;
		if (!*end)
			break;
		pos = end + 1;
	}
	*count = n;
	return 0;
bad:
	pr_err("bad --weights '%s': expected comma-separated integers from 0 "
	       "(out of rotation) to %d, one per path, e.g. 7,3 for two "
	       "paths",
	       text, FLOWLET_MAX_WEIGHT);
	return -1;
}

int parse_ip(const char *text, struct ip_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, text, addr->bytes) == 1) {
		addr->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr->bytes) == 1) {
		addr->family = 6;
		return 0;
	}
	return -1;
}

void format_ip(const __u8 *bytes, __u8 family, char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes, buf, len))
		snprintf(buf, len, "?");
}

void format_mac(const __u8 *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

bool prefix_match(const __u8 *a, const __u8 *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !rest || !((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)));
}

bool prefix_equal(const struct flowlet_prefix_key *a,
		  const struct flowlet_prefix_key *b)
{
	return a->prefixlen == b->prefixlen && a->family == b->family &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

void host_prefix_key(__u8 family, const __u8 *addr,
		     struct flowlet_prefix_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = family;
	key->prefixlen = 8 + (family == 4 ? 32 : 128);
	memcpy(key->addr, addr, family == 4 ? 4 : 16);
}

void format_prefix(const struct flowlet_prefix_key *key, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	format_ip(key->addr, key->family, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, key->prefixlen - 8);
}

int parse_prefix(const char *text, struct flowlet_prefix_key *key)
{
	char addr_text[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	struct ip_addr addr;
	unsigned long long len, max;
	char *end;

	if (!slash || (size_t)(slash - text) >= sizeof(addr_text))
		goto bad;
	memcpy(addr_text, text, slash - text);
	addr_text[slash - text] = '\0';
	if (parse_ip(addr_text, &addr))
		goto bad;
	max = addr.family == 4 ? 32 : 128;
	if (!leading_number(slash + 1, &len, &end) || *end || len > max)
		goto bad;
	for (unsigned long long bit = len; bit < max; bit++) {
		if (addr.bytes[bit / 8] & (0x80 >> (bit % 8))) {
			pr_err("bad prefix '%s': address has bits set beyond "
			       "the prefix length",
			       text);
			return -1;
		}
	}
	memset(key, 0, sizeof(*key));
	key->prefixlen = 8 + len;
	key->family = addr.family;
	memcpy(key->addr, addr.bytes, sizeof(key->addr));
	return 0;
bad:
	pr_err("bad prefix '%s': expected ADDRESS/LENGTH, e.g. 10.0.6.0/24 "
	       "or "
	       "2001:db8::/32",
	       text);
	return -1;
}

int parse_path(const char *text, struct path_arg *path)
{
	const char *at = strchr(text, '@');

	memset(path, 0, sizeof(*path));
	if (!at || at == text || (size_t)(at - text) >= sizeof(path->dev) ||
	    parse_ip(at + 1, &path->nexthop)) {
		pr_err("bad --path '%s': expected DEV@NEXTHOP, e.g. "
		       "s1-eth2@10.0.2.2",
		       text);
		return -1;
	}
	memcpy(path->dev, text, at - text);
	return 0;
}

const char *format_proto(__u8 proto, char *buf)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	snprintf(buf, 8, "%u", proto);
	return buf;
}

void format_endpoint(const __u8 *addr, __u8 family, __u16 port, char *buf,
		     size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	format_ip(addr, family, ip, sizeof(ip));
	if (family == 6)
		snprintf(buf, len, "[%s]:%u", ip, ntohs(port));
	else
		snprintf(buf, len, "%s:%u", ip, ntohs(port));
}
