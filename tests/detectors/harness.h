/* SPDX-License-Identifier: ISC */
/*
 * harness: a detector with default settings and a fixed hash seed that
 * collects its detections, for the engine tests.
 */
#ifndef CORDON_TEST_HARNESS_H
#define CORDON_TEST_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "pktbuild.h"

#define H_MAX_DETECTIONS 256
#define H_T0 (1700000000ULL * 1000000)   /* µs */

struct harness {
	struct det_config cfg;
	struct detector *d;
	struct detection got[H_MAX_DETECTIONS];
	int n;
	uint64_t idx;
	uint8_t f[PB_MAX];
};

static void
h_collect(void *arg, const struct detection *det)
{
	struct harness *h = arg;

	if (h->n < H_MAX_DETECTIONS)
		h->got[h->n++] = *det;
}

/* Allocates a harness; `tweak` may change the defaults first (may be NULL). */
static inline struct harness *
h_new(void (*tweak)(struct det_config *))
{
	struct harness *h = calloc(1, sizeof(*h));

	detcfg_defaults(&h->cfg);
	h->cfg.hash_seed = 42;
	h->cfg.max_sources = 1024;
	h->cfg.max_pairs = 4096;
	h->cfg.max_fanout = 1024;
	if (tweak)
		tweak(&h->cfg);
	h->d = detector_new(&h->cfg, h_collect, h);
	return h;
}

static inline void
h_free(struct harness *h)
{
	detector_free(h->d);
	free(h);
}

/* Feeds the frame in h->f of `len` bytes at T0 + t_ms. */
static inline void
h_feed(struct harness *h, size_t len, uint64_t t_ms)
{
	detector_packet(h->d, 1, h->f, (uint32_t)len, (uint32_t)len,
	    H_T0 + t_ms * 1000, ++h->idx);
}

/* The capture ends: pending first contacts reach their deadlines. */
static inline void
h_finish(struct harness *h)
{
	detector_finish(h->d);
}

/* Number of detections by engine. */
static inline int
h_count(const struct harness *h, enum det_engine e)
{
	int i, n = 0;

	for (i = 0; i < h->n; i++)
		if (h->got[i].engine == e)
			n++;
	return n;
}

/* The last detection of an engine, or NULL. */
static inline const struct detection *
h_last(const struct harness *h, enum det_engine e)
{
	int i;

	for (i = h->n - 1; i >= 0; i--)
		if (h->got[i].engine == e)
			return &h->got[i];
	return NULL;
}

#endif
