// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "ethtool.h"

static int ethtool_ioctl(int fd, const char *dev, void *cmd)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

static bool is_xdp_xmit_stat(const char *name)
{
	static const char prefix[] = "tx_queue_", suffix[] = "_xdp_xmit";
	size_t len = strnlen(name, ETH_GSTRING_LEN);

	return len > sizeof(prefix) + sizeof(suffix) - 2 &&
	       !strncmp(name, prefix, sizeof(prefix) - 1) &&
	       !strcmp(name + len - (sizeof(suffix) - 1), suffix);
}

long long netdev_xdp_xmit(int ifindex)
{
	struct ethtool_sset_info *sset = NULL;
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *stats = NULL;
	char dev[IF_NAMESIZE];
	long long sum = -1;
	__u32 n;
	int fd;

	if (!if_indextoname(ifindex, dev))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sset = calloc(1, sizeof(*sset) + sizeof(__u32));
	if (!sset)
		goto out;
	sset->cmd = ETHTOOL_GSSET_INFO;
	sset->sset_mask = 1ULL << ETH_SS_STATS;
	if (ethtool_ioctl(fd, dev, sset) || !sset->sset_mask)
		goto out;
	n = sset->data[0];
	names = calloc(1, sizeof(*names) + n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + n * sizeof(__u64));
	if (!names || !stats)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	if (ethtool_ioctl(fd, dev, names) || ethtool_ioctl(fd, dev, stats))
		goto out;
	for (__u32 i = 0; i < n && i < stats->n_stats; i++) {
		if (is_xdp_xmit_stat((char *)names->data + i * ETH_GSTRING_LEN))
			sum = (sum < 0 ? 0 : sum) + stats->data[i];
	}
out:
	free(sset);
	free(names);
	free(stats);
	close(fd);
	return sum;
}
