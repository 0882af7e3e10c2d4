/* SPDX-License-Identifier: ISC */
/*
 * detector_feed: what Cordon's own code costs per packet, apart from reading
 * the file. The first packets of a capture (as many as fit in -m MB) are
 * read into memory once; each run then copies every packet into one reused
 * buffer, as libpcap does, and gives it to a detector set up and called as
 * cordon-sensor does (default settings, batching on, detector_frame, a
 * flush every 4096 packets; a fixed hash seed where the sensor draws one),
 * or, in the runs it alternates with, to nothing. The difference is the
 * detector's.
 * Without the kernel's reads, the figure varies less from run to run than
 * the sensor's own time does (it still varies with the machine's memory
 * traffic). Over only the first packets of a capture, the tables are still
 * filling and fixed costs weigh more: compare figures over the same packets.
 *
 * usage: detector_feed FILE [-m MB] [-r RUNS]
 * Prints: packets N, then per kind (copy only, detector) the best of RUNS in
 * ns per packet and ms, then the difference.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "decode.h"
#include "detcfg.h"
#include "detector.h"

/* As cordon-sensor reads a file (FILE_BATCH): a flush after each read. */
#define FLUSH_EVERY 4096

struct frame {
	uint32_t caplen, wirelen;
	uint64_t ts_us;
};

struct frames {
	uint8_t *data;          /* owned: the packets' bytes, one after another */
	struct frame *frame;    /* owned: n of them (room for cap) */
	size_t n, cap, used, size;
	uint32_t max_caplen;
	int linktype;
};

static unsigned long detections;

static void
on_detection(void *arg, const struct detection *det)
{
	(void)arg;
	(void)det;
	detections++;
}

static int
load(const char *path, size_t limit, struct frames *f)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *b;
	pcap_t *p;
	int rc;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		fprintf(stderr, "detector_feed: %s: %s\n", path, ebuf);
		return -1;
	}
	f->linktype = pcap_datalink(p);
	if (!decode_link_supported(f->linktype)) {
		fprintf(stderr, "detector_feed: %s: link type %d is not one Cordon decodes\n",
		    path, f->linktype);
		pcap_close(p);
		return -1;
	}
	f->size = limit;
	f->data = malloc(limit);
	if (f->data == NULL) {
		fprintf(stderr, "detector_feed: %zu bytes: out of memory\n", limit);
		pcap_close(p);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &b)) == 1) {
		if (f->used + h->caplen > f->size)
			break;
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 65536;
			struct frame *fr = realloc(f->frame, cap * sizeof(*fr));
			if (fr == NULL) {
				fprintf(stderr, "detector_feed: out of memory\n");
				pcap_close(p);
				return -1;
			}
			f->frame = fr;
			f->cap = cap;
		}
		memcpy(f->data + f->used, b, h->caplen);
		f->used += h->caplen;
		f->frame[f->n].caplen = h->caplen;
		f->frame[f->n].wirelen = h->len;
		f->frame[f->n].ts_us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
		if (h->caplen > f->max_caplen)
			f->max_caplen = h->caplen;
		f->n++;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "detector_feed: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	return 0;
}

/*
 * One run: every frame copied into `buf`, then given to `d` (NULL: to
 * nothing). Returns the seconds it took.
 */
static double
run(const struct frames *f, uint8_t *buf, struct detector *d)
{
	const uint8_t *src = f->data;
	double t0 = bench_now_s();
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct frame *fr = &f->frame[i];
		memcpy(buf, src, fr->caplen);
		src += fr->caplen;
		if (d == NULL) {
			/* What the detector reads first, so that the copy is not
			 * left for the next one to wait on. */
			__asm__ volatile("" : : "r"(buf[12]) : "memory");
			continue;
		}
		detector_frame(d, buf, fr->caplen, fr->wirelen, fr->ts_us, i + 1);
		if ((i + 1) % FLUSH_EVERY == 0)
			detector_flush(d);
	}
	if (d != NULL)
		detector_finish(d);
	return bench_now_s() - t0;
}

int
main(int argc, char **argv)
{
	struct frames f;
	struct det_config cfg;
	size_t mb = 1024;
	int runs = 5, r, i;
	double best_copy = 0, best_det = 0;
	uint8_t *buf;
	char *end;

	memset(&f, 0, sizeof(f));
	if (argc < 2) {
		fprintf(stderr, "usage: detector_feed FILE [-m MB] [-r RUNS]\n");
		return 2;
	}
	for (i = 2; i + 1 < argc; i += 2) {
		unsigned long v = strtoul(argv[i + 1], &end, 10);
		if (*end != '\0' || v == 0 || v > 65536) {
			fprintf(stderr, "detector_feed: %s '%s': a number from 1 to 65536\n",
			    argv[i], argv[i + 1]);
			return 2;
		}
		if (strcmp(argv[i], "-m") == 0) {
			mb = v;
		} else if (strcmp(argv[i], "-r") == 0) {
			runs = (int)v;
		} else {
			fprintf(stderr, "detector_feed: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (i < argc) {
		fprintf(stderr, "detector_feed: '%s' needs a value\n", argv[i]);
		return 2;
	}
	if (load(argv[1], mb << 20, &f) != 0)
		return 1;
	if (f.n == 0) {
		fprintf(stderr, "detector_feed: %s: no packets\n", argv[1]);
		return 1;
	}
	buf = malloc(f.max_caplen > 0 ? f.max_caplen : 1);   /* as libpcap's: one buffer for the largest packet */
	if (buf == NULL)
		return 1;
	detcfg_defaults(&cfg);
	for (r = 0; r < runs; r++) {
		struct detector *d = detector_new(&cfg, on_detection, NULL);
		double t;
		if (d == NULL || detector_set_batching(d, true) != 0) {
			fprintf(stderr, "detector_feed: no detector (out of memory)\n");
			return 1;
		}
		detector_set_linktype(d, f.linktype);
		t = run(&f, buf, NULL);
		if (r == 0 || t < best_copy)
			best_copy = t;
		t = run(&f, buf, d);
		if (r == 0 || t < best_det)
			best_det = t;
		detector_free(d);
	}
	printf("packets %zu\n", f.n);
	printf("copy %.2f ns/packet %.1f ms\n", best_copy * 1e9 / (double)f.n, best_copy * 1e3);
	printf("detector %.2f ns/packet %.1f ms\n", best_det * 1e9 / (double)f.n, best_det * 1e3);
	printf("difference %.2f ns/packet %.1f ms\n", (best_det - best_copy) * 1e9 / (double)f.n,
	    (best_det - best_copy) * 1e3);
	printf("detections per run %lu\n", detections / (unsigned long)runs);
	free(buf);
	free(f.data);
	free(f.frame);
	return 0;
}
