/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the decoder and the detector's per-packet path.
 * Input: byte 0 picks the link type, byte 1 advances the clock (10 ms
 * steps, so timeouts, windows and ageing are reached), the rest is the frame.
 * One detector lives across inputs, so state built by one input meets the next.
 */
#include <stddef.h>
#include <stdint.h>

#include "detection.h"
#include "detector.h"

static struct detector *det;
static uint64_t ts_us = 1000000000ULL * 1000000;
static uint64_t idx;

static void
on_detection(void *arg, const struct detection *d)
{
	char buf[2048];

	(void)arg;
	if (detection_to_json(d, "fuzz", buf, sizeof(buf)) < 0)
		__builtin_trap();   /* every detection must encode */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[4] = {
		DECODE_LINK_ETHERNET, DECODE_LINK_RAW, DECODE_LINK_LINUX_SLL,
		DECODE_LINK_LINUX_SLL2,
	};
	struct pkt p;
	int lt;

	if (det == NULL) {
		struct det_config cfg;
		detcfg_defaults(&cfg);
		cfg.max_sources = 256;
		cfg.max_pairs = 1024;
		cfg.max_fanout = 256;
		cfg.hash_seed = 1;
		det = detector_new(&cfg, on_detection, NULL);
		if (det == NULL)
			__builtin_trap();
	}
	if (size < 2)
		return 0;
	lt = links[data[0] & 3];
	ts_us += (uint64_t)data[1] * 10000;
	(void)decode_frame(lt, data + 2, (uint32_t)(size - 2), &p);
	detector_packet(det, lt, data + 2, (uint32_t)(size - 2), (uint32_t)(size - 2),
	    ts_us, ++idx);
	return 0;
}
