/* SPDX-License-Identifier: ISC */
#include "delay.h"

#include <string.h>

/* A timeout is this many times the 99th percentile of the answer delays. */
#define DELAY_FACTOR 2
/* A cached timeout is recomputed after this long (ms). */
#define DELAY_RECOMPUTE_MS 1000

/* Lower edge of bucket b in µs: 50 * 2^(b/2), so an edge overstates by < 42 %. */
static uint64_t
bucket_floor_us(unsigned b)
{
	uint64_t v = 50ULL << (b / 2);

	return b % 2 ? v * 1414 / 1000 : v;
}

static unsigned
bucket_of(uint64_t us)
{
	unsigned b = 0;

	while (b + 1 < DELAY_BUCKETS && bucket_floor_us(b + 1) <= us)
		b++;
	return b;
}

static void
hist_roll(struct delay_hist *h, uint32_t now_ms, uint32_t window_ms)
{
	uint32_t e = now_ms / window_ms;
	unsigned i;

	if (e == h->epoch)
		return;
	if (e == h->epoch + 1)
		memcpy(h->prev, h->cur, sizeof(h->cur));
	else
		memset(h->prev, 0, sizeof(h->prev));
	memset(h->cur, 0, sizeof(h->cur));
	h->epoch = e;
	h->samples = 0;
	for (i = 0; i < DELAY_BUCKETS; i++)
		h->samples += h->prev[i];
	h->timeout_ms = 0;
}

static uint32_t
hist_timeout(struct delay_hist *h, const struct delay_est *e, uint32_t now_ms)
{
	uint64_t want, seen = 0, us;
	unsigned b;

	if (h->timeout_ms != 0 && now_ms - h->computed_ms < DELAY_RECOMPUTE_MS)
		return h->timeout_ms;
	if (h->samples < DELAY_MIN_SAMPLES)
		return 0;
	/* The smallest bucket at or under which 99 % of the samples lie. */
	want = ((uint64_t)h->samples * 99 + 99) / 100;
	for (b = 0; b < DELAY_BUCKETS; b++) {
		seen += (uint64_t)h->cur[b] + h->prev[b];
		if (seen >= want)
			break;
	}
	if (b >= DELAY_BUCKETS - 1)
		us = (uint64_t)e->max_timeout_ms * 1000;
	else
		us = bucket_floor_us(b + 1) * DELAY_FACTOR;
	if (us < (uint64_t)e->min_timeout_ms * 1000)
		us = (uint64_t)e->min_timeout_ms * 1000;
	if (us > (uint64_t)e->max_timeout_ms * 1000)
		us = (uint64_t)e->max_timeout_ms * 1000;
	h->timeout_ms = (uint32_t)((us + 999) / 1000);
	h->computed_ms = now_ms;
	return h->timeout_ms;
}

static void
hist_add(struct delay_hist *h, uint32_t delay_ms, uint32_t now_ms, uint32_t window_ms)
{
	unsigned b = bucket_of((uint64_t)delay_ms * 1000);

	hist_roll(h, now_ms, window_ms);
	if (h->cur[b] != UINT32_MAX) {
		h->cur[b]++;
		h->samples++;
	}
	/* A sample above the current timeout must count at once. */
	if (h->timeout_ms != 0 && delay_ms * DELAY_FACTOR > h->timeout_ms)
		h->timeout_ms = 0;
}

/* /16 of an IPv4 destination, /48 of an IPv6 one; the top byte tells them apart. */
static uint64_t
prefix_key(const struct ip_addr *a)
{
	uint64_t k;

	if (ip_is_v4(a))
		return 0x0400000000000000ULL | (uint64_t)a->b[12] << 8 | a->b[13];
	k = 0;
	memcpy((uint8_t *)&k + 1, a->b, 6);   /* 48 bits; byte order does not matter, only equality */
	return k | 0x0600000000000000ULL;
}

static struct delay_prefix *
prefix_slot(struct delay_est *e, const struct ip_addr *a, bool create, uint32_t now_ms)
{
	uint64_t k = prefix_key(a);
	uint64_t h = k * 0x9e3779b97f4a7c15ULL;
	unsigned base = (unsigned)(h >> 56) % DELAY_PREFIXES, i;
	struct delay_prefix *victim = NULL;

	/* Four places per key; a new prefix takes the least recently used. */
	for (i = 0; i < 4; i++) {
		struct delay_prefix *p = &e->prefixes[(base + i) % DELAY_PREFIXES];
		if (p->key == k)
			return p;
		if (victim == NULL || p->key == 0 ||
		    (victim->key != 0 && (int32_t)(p->used_ms - victim->used_ms) < 0))
			victim = p;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->key = k;
	victim->used_ms = now_ms;
	victim->h.epoch = now_ms / e->window_ms;
	return victim;
}

void
delay_init(struct delay_est *e, uint32_t min_timeout_ms, uint32_t max_timeout_ms,
    uint32_t window_ms)
{
	memset(e, 0, sizeof(*e));
	e->min_timeout_ms = min_timeout_ms;
	e->max_timeout_ms = max_timeout_ms;
	e->window_ms = window_ms ? window_ms : 1;
}

void
delay_clear(struct delay_est *e)
{
	delay_init(e, e->min_timeout_ms, e->max_timeout_ms, e->window_ms);
}

void
delay_add(struct delay_est *e, const struct ip_addr *dst, uint32_t delay_ms,
    uint32_t now_ms, bool late)
{
	struct delay_prefix *p = prefix_slot(e, dst, true, now_ms);

	p->used_ms = now_ms;
	hist_add(&p->h, delay_ms, now_ms, e->window_ms);
	hist_add(&e->all, delay_ms, now_ms, e->window_ms);
	e->samples++;
	if (late)
		e->late++;
}

uint32_t
delay_timeout_all(struct delay_est *e, uint32_t now_ms)
{
	uint32_t t;

	hist_roll(&e->all, now_ms, e->window_ms);
	t = hist_timeout(&e->all, e, now_ms);
	return t ? t : e->max_timeout_ms;
}

uint32_t
delay_timeout(struct delay_est *e, const struct ip_addr *dst, uint32_t now_ms)
{
	struct delay_prefix *p = prefix_slot(e, dst, false, now_ms);
	uint32_t t;

	if (p != NULL) {
		hist_roll(&p->h, now_ms, e->window_ms);
		t = hist_timeout(&p->h, e, now_ms);
		if (t != 0)
			return t;
	}
	return delay_timeout_all(e, now_ms);
}
