/* SPDX-License-Identifier: ISC */
/* slammer_payload: the real Slammer payload from a capture (see slammer_payload.h). */
#include "slammer_payload.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#define MAX_PACKETS_SCANNED 100000   /* the shared capture has one; stop on a huge wrong file */

/* Offset of the IPv4 header in a frame of this link type, or -1. */
static int
ip_offset(int linktype, const u_char *frame, uint32_t caplen)
{
	switch (linktype) {
	case DLT_EN10MB:
		if (caplen < 14 || frame[12] != 0x08 || frame[13] != 0x00)
			return -1;
		return 14;
	case DLT_RAW:
		return 0;
	case DLT_LINUX_SLL:
		if (caplen < 16 || frame[14] != 0x08 || frame[15] != 0x00)
			return -1;
		return 16;
	default:
		return -1;
	}
}

int
slammer_payload_read(const char *path, uint8_t payload[SLAMMER_PAYLOAD_LEN], char *err,
    size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, errbuf);
	struct pcap_pkthdr *h;
	const u_char *frame;
	int linktype, rc = 0, n = 0;

	if (p == NULL) {
		/* libpcap names the file in some messages and not in others. */
		if (strncmp(errbuf, path, strlen(path)) == 0)
			snprintf(err, errlen, "%s", errbuf);
		else
			snprintf(err, errlen, "%s: %s", path, errbuf);
		return -1;
	}
	linktype = pcap_datalink(p);
	while (n++ < MAX_PACKETS_SCANNED && (rc = pcap_next_ex(p, &h, &frame)) == 1) {
		int off = ip_offset(linktype, frame, h->caplen);
		const u_char *ip, *udp;
		uint32_t ihl, total;

		if (off < 0 || h->caplen < (uint32_t)off + 20)
			continue;
		ip = frame + off;
		ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		total = (uint32_t)(ip[2] << 8 | ip[3]);
		if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || (ip[6] & 0x3f) != 0 || ip[7] != 0)
			continue;
		if (h->caplen < (uint32_t)off + ihl + 8 + SLAMMER_PAYLOAD_LEN)
			continue;
		udp = ip + ihl;
		if ((udp[2] << 8 | udp[3]) != 1434 ||
		    (udp[4] << 8 | udp[5]) != 8 + SLAMMER_PAYLOAD_LEN ||
		    total != ihl + 8 + SLAMMER_PAYLOAD_LEN || udp[8] != 0x04)
			continue;
		memcpy(payload, udp + 8, SLAMMER_PAYLOAD_LEN);
		pcap_close(p);
		return 0;
	}
	if (n <= MAX_PACKETS_SCANNED && rc == -1)
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(p));
	else
		snprintf(err, errlen, "%s: no UDP datagram to port 1434 with a 376-byte payload "
		    "starting 0x04 (not a Slammer capture)", path);
	pcap_close(p);
	return -1;
}
