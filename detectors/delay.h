/* SPDX-License-Identifier: ISC */
/*
 * delay: how long first contacts take to be answered, as the sensor sees it,
 * and the timeout that follows from it.
 *
 * A first contact that gets no answer is evidence against its source, but
 * "no answer" needs a deadline. A fixed one (TCP's 3 s SYN retransmission)
 * lets a worm send dozens of probes before its first failure counts; the
 * answers the sensor does see tell how long a live target takes on this
 * network. Delays are kept per destination prefix (/16 for IPv4, /48 for
 * IPv6: the local campus answers in milliseconds, the Internet in tens or
 * hundreds) and for all destinations together, each as a histogram of
 * half-octave buckets over a sliding window of two periods. A destination's
 * timeout is a multiple of the 99th percentile of its prefix's delays, or of
 * all delays while the prefix has too few samples, clamped to
 * [min_timeout, max_timeout]; with too few samples overall it is max_timeout.
 * A contact that was timed out and answered later is added with its real
 * delay, so a timeout that is too short corrects itself.
 *
 * Fixed memory, no allocation after delay_init.
 */
#ifndef CORDON_DELAY_H
#define CORDON_DELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"

#define DELAY_BUCKETS 40            /* 50 µs * 2^(b/2): up to ~52 s */
#define DELAY_PREFIXES 256          /* prefixes with their own estimate */
#define DELAY_MIN_SAMPLES 20        /* fewer: the estimate is not used */

struct delay_hist {
	uint32_t cur[DELAY_BUCKETS];
	uint32_t prev[DELAY_BUCKETS];
	uint32_t epoch;             /* window number of `cur` */
	uint32_t samples;           /* in cur + prev at the last roll or add */
	uint32_t timeout_ms;        /* cached result; 0: to be computed */
	uint32_t computed_ms;       /* when timeout_ms was computed */
};

struct delay_prefix {
	uint64_t key;               /* 0: free */
	uint32_t used_ms;           /* last sample or lookup */
	struct delay_hist h;
};

struct delay_est {
	struct delay_hist all;
	struct delay_prefix prefixes[DELAY_PREFIXES];
	uint32_t window_ms;         /* one period of the sliding window */
	uint32_t min_timeout_ms, max_timeout_ms;
	uint64_t samples;           /* answers recorded since start */
	uint64_t late;              /* of which came after their timeout */
};

void delay_init(struct delay_est *e, uint32_t min_timeout_ms,
    uint32_t max_timeout_ms, uint32_t window_ms);
void delay_clear(struct delay_est *e);

/* Records that a first contact to `dst` was answered `delay_ms` after it was sent. */
void delay_add(struct delay_est *e, const struct ip_addr *dst, uint32_t delay_ms,
    uint32_t now_ms, bool late);

/* How long a first contact to `dst` sent now may wait for its answer. */
uint32_t delay_timeout(struct delay_est *e, const struct ip_addr *dst, uint32_t now_ms);

/* The timeout for destinations without an estimate of their own (summary, docs). */
uint32_t delay_timeout_all(struct delay_est *e, uint32_t now_ms);

#endif
