/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: the decoder and the detector's per-packet path.
 * Input: byte 0 picks the link type, byte 1 advances the clock (10 ms
 * steps, so timeouts, windows and ageing are reached), the rest is the frame.
 * One detector lives across inputs, so state built by one input meets the next.
 * Also checked on every input: decode_tcp_peek says what decode_frame says
 * (and takes every frame of its kind), and a batched detector
 * (detector_set_batching), fed the same frames through detector_frame (the
 * capture callback), has reported exactly the same detections whenever its
 * batch has run (every 7th input).
 */
#include <stddef.h>
#include <stdint.h>

#include "detection.h"
#include "detector.h"

static struct detector *det, *batched;
static uint64_t ts_us = 1000000000ULL * 1000000;
static uint64_t idx;
/* FNV-1a over every detection each detector reported, in order. */
static uint64_t seen_plain = 14695981039346656037ULL, seen_batched = 14695981039346656037ULL;

static void
on_detection(void *arg, const struct detection *d)
{
	uint64_t *h = arg;
	char buf[2048];
	int n = detection_to_json(d, "fuzz", buf, sizeof(buf));

	if (n < 0)
		__builtin_trap();   /* every detection must encode */
	for (int i = 0; i < n; i++)
		*h = (*h ^ (uint8_t)buf[i]) * 1099511628211ULL;
}

/* A peek's fields against decode_frame's. */
static void
check_peek_fields(const struct tcp_peek *tp, const struct pkt *p)
{
	if (!p->has_ports || tp->flags != p->tcp_flags || tp->dport != p->dport ||
	    tp->payload_len != p->payload_len || tp->payload != p->payload)
		__builtin_trap();
}

/*
 * The peeks against decode_frame on the same frame: each on its own, for
 * the detector uses them apart (the common one first, the general one for
 * the frames it is unsure of), and as decode_tcp_peek joins them.
 */
static void
check_peek(int lt, const uint8_t *f, uint32_t n, enum decode_status st, const struct pkt *p)
{
	struct tcp_peek tp;
	enum tcp_peek_verdict v;
	bool kind = lt == DECODE_LINK_ETHERNET && st == DECODE_OK && p->l3 == L3_IPV4 &&
	    p->vlan == -1 && p->proto == IPPROTO_NUM_TCP && p->first_fragment;

	if (decode_tcp_peek(lt, f, n, &tp) != kind)
		__builtin_trap();
	if (kind)
		check_peek_fields(&tp, p);
	if (decode_tcp_peek_general(lt, f, n, &tp) != kind)
		__builtin_trap();
	if (kind)
		check_peek_fields(&tp, p);
	v = decode_tcp_peek_common(lt, f, n, &tp);
	if (v != TCP_PEEK_UNSURE && (v == TCP_PEEK_SEGMENT) != kind)
		__builtin_trap();
	if (v == TCP_PEEK_SEGMENT)
		check_peek_fields(&tp, p);
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
	enum decode_status st;
	uint32_t n;
	int lt;

	if (det == NULL) {
		struct det_config cfg;
		detcfg_defaults(&cfg);
		cfg.max_sources = 256;
		cfg.max_pairs = 1024;
		cfg.max_fanout = 256;
		cfg.hash_seed = 1;
		det = detector_new(&cfg, on_detection, &seen_plain);
		batched = detector_new(&cfg, on_detection, &seen_batched);
		if (det == NULL || batched == NULL || detector_set_batching(batched, true) != 0)
			__builtin_trap();
	}
	if (size < 2)
		return 0;
	lt = links[data[0] & 3];
	ts_us += (uint64_t)data[1] * 10000;
	n = (uint32_t)(size - 2);
	st = decode_frame(lt, data + 2, n, &p);
	check_peek(lt, data + 2, n, st, &p);
	detector_packet(det, lt, data + 2, n, n, ts_us, ++idx);
	/* The capture callback's way in, at the link type set for it. */
	detector_set_linktype(batched, lt);
	detector_frame(batched, data + 2, n, n, ts_us, idx);
	if (idx % 7 == 0) {
		detector_flush(batched);
		if (seen_plain != seen_batched)
			__builtin_trap();
	}
	return 0;
}
