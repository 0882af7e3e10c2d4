/* SPDX-License-Identifier: ISC */
/*
 * fuzz-seed-pcap OUTDIR MAX FILE...: writes up to MAX packets of each capture
 * as fuzz_packet inputs (link byte, clock byte, frame) into OUTDIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode.h"

struct seed {
	const char *dir;
	const char *name;
	int link_byte;
	long max, n;
};

static void
on_packet(void *arg, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_us, uint64_t index)
{
	struct seed *s = arg;
	char path[4096];
	FILE *f;

	(void)wirelen;
	(void)ts_us;
	if (s->n >= s->max)
		return;
	snprintf(path, sizeof(path), "%s/%s-%llu", s->dir, s->name, (unsigned long long)index);
	f = fopen(path, "wb");
	if (f == NULL)
		return;
	fputc(s->link_byte, f);
	fputc(1, f);
	fwrite(data, 1, caplen, f);
	fclose(f);
	s->n++;
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: fuzz-seed-pcap OUTDIR MAX FILE...\n");
		return 1;
	}
	for (i = 3; i < argc; i++) {
		char err[512];
		struct capture *c = capture_open_file(argv[i], err, sizeof(err));
		struct seed s;
		const char *base = strrchr(argv[i], '/');
		int lt;

		if (c == NULL) {
			fprintf(stderr, "fuzz-seed-pcap: %s\n", err);
			return 1;
		}
		lt = capture_linktype(c);
		s.dir = argv[1];
		s.name = base ? base + 1 : argv[i];
		s.link_byte = lt == DECODE_LINK_RAW ? 1 : lt == DECODE_LINK_LINUX_SLL ? 2 :
		    lt == DECODE_LINK_LINUX_SLL2 ? 3 : 0;
		s.max = atol(argv[2]);
		s.n = 0;
		while (capture_dispatch(c, 1000, on_packet, &s, err, sizeof(err)) > 0 && s.n < s.max)
			;
		capture_close(c);
	}
	return 0;
}
