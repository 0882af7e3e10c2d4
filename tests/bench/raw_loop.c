/* SPDX-License-Identifier: ISC */
/*
 * raw_loop: the floor any pcap reader pays. Reads a capture file with
 * libpcap's pcap_dispatch and counts packets and bytes, nothing else, so
 * cordon-sensor's speed on the same file can be put next to it.
 *
 * usage: raw_loop [-s] FILE
 *   -s  confined as cordon-sensor is once the file is open: the same seccomp
 *       filter (sandbox_enter, the sensor's own module; no socket, as with
 *       the sensor's stdout output). Every read(2) then goes through the
 *       kernel's seccomp entry path; the difference from the bare loop is
 *       what the sandbox costs the sensor on the same reads.
 *
 * Prints: packets N, bytes N (captured), seconds S (open to end of file),
 * packets/s P.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_clock.h"
#include "sandbox.h"

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
	char ebuf[PCAP_ERRBUF_SIZE], err[256], out[160];
	struct counts c = { 0, 0 };
	const char *path;
	pcap_t *p;
	double t0, secs;
	int n, confined = 0;

	if (argc == 3 && strcmp(argv[1], "-s") == 0)
		confined = 1;
	/* A file named like an option would be a mistyped option. */
	if ((argc != 2 && !confined) || argv[argc - 1][0] == '-') {
		fprintf(stderr, "usage: raw_loop [-s] FILE\n");
		return 1;
	}
	path = argv[argc - 1];
	t0 = bench_now_s();
	/* The same open call as cordon-sensor, so both convert timestamps alike. */
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		fprintf(stderr, "raw_loop: %s: %s\n", path, ebuf);
		return 1;
	}
	if (confined && sandbox_enter(NULL, 0, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "raw_loop: cannot enter the sandbox: %s\n", err);
		pcap_close(p);
		return 1;
	}
	/* Batches of the size cordon-sensor uses for files. */
	while ((n = pcap_dispatch(p, 4096, on_packet, (u_char *)&c)) > 0)
		;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "raw_loop: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return 2;
	}
	pcap_close(p);
	secs = bench_now_s() - t0;
	/* Formatted here and written whole: stdio's first write to stdout
	 * would fstat it, which the sandbox does not allow. */
	n = snprintf(out, sizeof(out), "packets %llu\nbytes %llu\nseconds %.6f\npackets/s %.0f\n",
	    (unsigned long long)c.packets, (unsigned long long)c.bytes, secs,
	    secs > 0 ? (double)c.packets / secs : 0.0);
	if (n < 0 || (size_t)n >= sizeof(out) || write(STDOUT_FILENO, out, (size_t)n) != n) {
		fprintf(stderr, "raw_loop: cannot write the result to stdout\n");
		return 2;
	}
	return 0;
}
