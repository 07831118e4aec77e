// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <pcap/pcap.h>

#include "log.h"
#include "trace.h"

struct link {
	int dlt;
	const char *name;
	int header; /* bytes before the network header */
	int proto;  /* offset of the ethertype in it, or -1: from IP's
		     * version */
};

static const struct link links[] = {
	{ DLT_EN10MB, "Ethernet", 0, -1 },
	{ DLT_LINUX_SLL, "Linux cooked", 16, 14 },
	{ DLT_LINUX_SLL2, "Linux cooked v2", 20, 0 },
	{ DLT_RAW, "raw IP", 0, -1 },
	{ DLT_IPV4, "raw IPv4", 0, -1 },
	{ DLT_IPV6, "raw IPv6", 0, -1 },
};

struct trace {
	pcap_t *pcap;
	const struct link *link;
	const char *path;
};

struct trace *trace_open(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct trace *t = calloc(1, sizeof(*t));

	if (!t) {
		pr_err("out of memory");
		return NULL;
	}
	t->path = path;
	t->pcap = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!t->pcap) {
		/* libpcap names the file in some messages, not in others. */
		if (!strncmp(errbuf, path, strlen(path)))
			pr_err("%s", errbuf);
		else
			pr_err("%s: %s", path, errbuf);
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (links[i].dlt == pcap_datalink(t->pcap))
			t->link = &links[i];
	}
	if (!t->link) {
		const char *name =
			pcap_datalink_val_to_name(pcap_datalink(t->pcap));

		pr_err("%s: link type %s is not replayed (Ethernet, Linux "
		       "cooked and raw IP are)",
		       path, name ? name : "unknown");
		trace_close(t);
		return NULL;
	}
	return t;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	pcap_close(t->pcap);
	free(t);
}

const char *trace_link_name(const struct trace *t)
{
	return t->link->name;
}

enum trace_next trace_next(struct trace *t, const __u8 *dst_mac,
			   const __u8 *src_mac, __u8 *frame, int *len,
			   __u64 *ns)
{
	const struct link *link = t->link;
	struct pcap_pkthdr *hdr;
	const __u8 *data;
	__u32 full, have;
	int ret = pcap_next_ex(t->pcap, &hdr, &data);

	if (ret == PCAP_ERROR_BREAK)
		return TRACE_END;
	if (ret != 1) {
		pr_err("%s: %s", t->path, pcap_geterr(t->pcap));
		return TRACE_ERROR;
	}
	/* Nanosecond precision: tv_usec holds nanoseconds. */
	*ns = hdr->ts.tv_sec * 1000000000ULL + hdr->ts.tv_usec;
	if (hdr->caplen < (__u32)link->header + (link->header ? 0 : 1) ||
	    hdr->len < hdr->caplen)
		return TRACE_TOO_SHORT;
	if (link->dlt == DLT_EN10MB) {
		if (hdr->caplen < ETH_HLEN)
			return TRACE_TOO_SHORT;
		full = hdr->len;
		have = hdr->caplen;
		if (full > TRACE_MAX_FRAME)
			return TRACE_TOO_LARGE;
		memcpy(frame, data, have);
	} else {
		__u16 proto;

		if (link->proto >= 0)
			proto = data[link->proto] << 8 | data[link->proto + 1];
		else
			proto = (data[link->header] >> 4) == 6 ? ETH_P_IPV6
							       : ETH_P_IP;
		full = ETH_HLEN + hdr->len - link->header;
		have = ETH_HLEN + hdr->caplen - link->header;
		if (full > TRACE_MAX_FRAME)
			return TRACE_TOO_LARGE;
		memcpy(frame + ETH_ALEN, src_mac, ETH_ALEN);
		frame[12] = proto >> 8;
		frame[13] = proto & 0xff;
		memcpy(frame + ETH_HLEN, data + link->header, have - ETH_HLEN);
	}
	memcpy(frame, dst_mac, ETH_ALEN);
	/* Cut at the snap length: the rest reads as zeros (the data path
	 * looks at headers only). */
	memset(frame + have, 0, full - have);
	*len = full;
	return TRACE_FRAME;
}
