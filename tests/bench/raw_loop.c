/* SPDX-License-Identifier: ISC */
/*
 * raw_loop: the floor any pcap reader pays. Reads a capture file with
 * libpcap's pcap_dispatch and counts packets and bytes, nothing else, so
 * cordon-sensor's speed on the same file can be put next to it.
 *
 * Prints: packets N, bytes N (captured), seconds S (open to end of file),
 * packets/s P.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_clock.h"

struct counts {
	uint64_t packets;
	uint64_t bytes;
};

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct counts *c = (struct counts *)user;

	(void)bytes;
	c->packets++;
	c->bytes += h->caplen;
}

int
main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct counts c = { 0, 0 };
	pcap_t *p;
	double t0, secs;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: raw_loop FILE\n");
		return 1;
	}
	t0 = bench_now_s();
	/* The same open call as cordon-sensor, so both convert timestamps alike. */
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		fprintf(stderr, "raw_loop: %s: %s\n", argv[1], ebuf);
		return 1;
	}
	/* Batches of the size cordon-sensor uses for files. */
	while ((n = pcap_dispatch(p, 4096, on_packet, (u_char *)&c)) > 0)
		;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "raw_loop: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	secs = bench_now_s() - t0;
	printf("packets %llu\nbytes %llu\nseconds %.6f\npackets/s %.0f\n",
	    (unsigned long long)c.packets, (unsigned long long)c.bytes, secs,
	    secs > 0 ? (double)c.packets / secs : 0.0);
	return 0;
}
