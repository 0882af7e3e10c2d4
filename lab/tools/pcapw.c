/* SPDX-License-Identifier: ISC */
/* pcapw: classic pcap writer and IPv4 frame helpers (see pcapw.h). */
#include "pcapw.h"

#include <errno.h>
#include <string.h>

#define PCAPW_BUFFER (1 << 20)   /* generators write millions of small records */

int
pcapw_open(struct pcapw *w, const char *path, uint32_t snaplen)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} h = { 0xa1b2c3d4u, 2, 4, 0, 0, snaplen, PCAPW_LINKTYPE_ETHERNET };
	_Static_assert(sizeof(h) == 24, "the pcap file header is 24 bytes");

	memset(w, 0, sizeof(*w));
	w->file = fopen(path, "wb");
	if (w->file == NULL)
		return -1;
	setvbuf(w->file, NULL, _IOFBF, PCAPW_BUFFER);
	if (fwrite(&h, sizeof(h), 1, w->file) != 1) {
		int saved = errno;
		fclose(w->file);
		w->file = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

int
pcapw_write(struct pcapw *w, uint64_t sec, uint32_t usec, const void *frame, uint32_t len)
{
	uint32_t hdr[4];

	/* The format's seconds field is 32 bits: fine until 2106. */
	hdr[0] = (uint32_t)sec;
	hdr[1] = usec;
	hdr[2] = len;
	hdr[3] = len;
	if (fwrite(hdr, sizeof(hdr), 1, w->file) != 1 || fwrite(frame, len, 1, w->file) != 1)
		return -1;
	w->packets++;
	w->bytes += len;
	return 0;
}

int
pcapw_close(struct pcapw *w)
{
	int rc;

	if (w->file == NULL)
		return 0;
	rc = fclose(w->file);
	w->file = NULL;
	return rc == 0 ? 0 : -1;
}

void
pcapw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pcapw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t
pcapw_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t
pcapw_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
pcapw_ipv4(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
    uint16_t id, uint16_t frag, uint32_t l4len)
{
	ip[0] = 0x45;
	ip[1] = 0;
	pcapw_put16(ip + 2, (uint16_t)(PCAPW_IPV4_LEN + l4len));
	pcapw_put16(ip + 4, id);
	pcapw_put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = proto;
	pcapw_put16(ip + 10, 0);
	pcapw_put32(ip + 12, src);
	pcapw_put32(ip + 16, dst);
	pcapw_put16(ip + 10, pcapw_csum_fold(pcapw_csum_add(0, ip, PCAPW_IPV4_LEN)));
}

uint16_t
pcapw_l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, uint32_t l4len)
{
	uint8_t ph[12];

	pcapw_put32(ph, src);
	pcapw_put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	pcapw_put16(ph + 10, (uint16_t)l4len);
	return pcapw_csum_fold(pcapw_csum_add(pcapw_csum_add(0, ph, sizeof(ph)), l4, l4len));
}
