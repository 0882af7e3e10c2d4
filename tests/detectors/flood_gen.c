/* SPDX-License-Identifier: ISC */
/*
 * flood_gen OUT N: a capture for the spoofed-source flood test. N SYNs from
 * random spoofed sources (half to tcp/8080, half to tcp/445, so that every
 * table is flooded) at 200 000 packets/s of capture time, with one real
 * scanner, 10.99.0.7, woven through it: 40 SYNs to tcp/445 on distinct
 * hosts, each answered by a RST. The sensor must flag the scanner, and only
 * it, with its memory unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

#define PPS 200000
#define SCANNER 0x0a630007u   /* 10.99.0.7 */
#define SCAN_PROBES 40

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int
tcp_frame(struct pcapw *w, uint64_t i, uint32_t src, uint32_t dst, uint16_t sport,
    uint16_t dport, uint8_t flags)
{
	uint8_t f[PCAPW_ETH_LEN + PCAPW_IPV4_LEN + 20];
	uint8_t *ip = f + PCAPW_ETH_LEN, *tcp = ip + PCAPW_IPV4_LEN;
	uint64_t us = i * 1000000 / PPS;

	memset(f, 0, sizeof(f));
	memcpy(f, "\x02\x00\x00\x00\x00\xfe", 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	pcapw_put16(f + 12, 0x0800);
	pcapw_ipv4(ip, src, dst, 6, 64, (uint16_t)i, 0x4000, 20);
	pcapw_put16(tcp, sport);
	pcapw_put16(tcp + 2, dport);
	pcapw_put32(tcp + 4, next32());
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	pcapw_put16(tcp + 14, 64240);
	pcapw_put16(tcp + 16, pcapw_l4_csum(src, dst, 6, tcp, 20));
	return pcapw_write(w, 1700000000 + us / 1000000, (uint32_t)(us % 1000000), f, sizeof(f));
}

int
main(int argc, char **argv)
{
	struct pcapw w;
	uint64_t n, i, every;
	int probe = 0;

	if (argc != 3 || (n = strtoull(argv[2], NULL, 10)) < SCAN_PROBES * 10) {
		fprintf(stderr, "usage: flood_gen OUT N (N >= %d)\n", SCAN_PROBES * 10);
		return 1;
	}
	if (pcapw_open(&w, argv[1], 65535) != 0) {
		perror(argv[1]);
		return 1;
	}
	every = n / SCAN_PROBES;
	for (i = 0; i < n; i++) {
		uint32_t src;
		if (i % every == every / 2 && probe < SCAN_PROBES) {
			uint32_t dst = 0x0a140000u | (uint32_t)(probe * 7 + 1);   /* 10.20.x.y, distinct */
			if (tcp_frame(&w, i, SCANNER, dst, (uint16_t)(40000 + probe), 445, 0x02) != 0 ||
			    tcp_frame(&w, i, dst, SCANNER, 445, (uint16_t)(40000 + probe), 0x14) != 0)
				goto fail;
			probe++;
		}
		/* a spoofed source anywhere in unicast space */
		do
			src = next32();
		while ((src >> 24) == 0 || (src >> 24) >= 224 || (src >> 24) == 127);
		if (tcp_frame(&w, i, src, 0x0a000000u | (next32() & 0xffffff), (uint16_t)(next32() | 1024),
			i & 1 ? 445 : 8080, 0x02) != 0)
			goto fail;
	}
	if (pcapw_close(&w) != 0)
		goto fail;
	return 0;
fail:
	perror(argv[1]);
	return 1;
}
