/* SPDX-License-Identifier: ISC */
#include "track.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Transparent huge pages are this size on x86-64 and arm64 (4 KiB base pages). */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)

/*
 * Maps `bytes` of zeroed memory; *mapped gets the length to unmap. Tables of
 * 2 MB or more start on a huge-page boundary and ask for huge pages: lookups
 * land at random over the whole table, and with 4 KiB pages nearly every one
 * of them misses the TLB, and first touches fault page by page.
 */
static void *
map_zeroed(size_t bytes, size_t *mapped)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (bytes + page - 1) & ~(page - 1);
	size_t align = len >= HUGE_PAGE_BYTES ? HUGE_PAGE_BYTES : page;
	uint8_t *raw, *p;
	size_t head, tail;

	if (len < bytes || len + align < len)
		return NULL;
	raw = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	head = (size_t)(p - raw);
	tail = align - head;
	if (head > 0)
		munmap(raw, head);
	if (tail > 0)
		munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
	/* Advice only: without huge pages the table works the same, slower. */
	if (align == HUGE_PAGE_BYTES)
		madvise(p, len, MADV_HUGEPAGE);
#endif
	*mapped = len;
	return p;
}

static inline uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finaliser: the hash's secrets from the seed. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

int
track_init(struct track_table *t, size_t capacity, uint32_t recsize,
    uint32_t keysize, uint32_t idle_ms, uint64_t seed)
{
	size_t nb = 1, slots;
	unsigned i;

	memset(t, 0, sizeof(*t));
	if (keysize == 0 || keysize > TRACK_KEY_MAX)
		return -1;
	while (nb * 2 * TRACK_WAYS <= capacity && nb < (1u << 30))
		nb *= 2;
	slots = nb * TRACK_WAYS;
	if (slots > SIZE_MAX / ((size_t)recsize + 1))
		return -1;
	t->nbuckets = (uint32_t)nb;
	t->recsize = recsize;
	t->keysize = keysize;
	t->idle_ms = idle_ms;
	for (i = 0; i < TRACK_SECRETS; i++) {
		seed += 0x9e3779b97f4a7c15ULL;      /* splitmix64's sequence */
		t->secret[i] = mix64(seed);
	}
	/* Records and tags in one mapping: the records first, so that they
	 * start on the huge-page boundary. */
	t->recs = map_zeroed(slots * ((size_t)recsize + 1), &t->mapped);
	if (t->recs == NULL)
		return -1;
	t->tags = t->recs + slots * recsize;
	return 0;
}

void
track_free(struct track_table *t)
{
	if (t->recs != NULL)
		munmap(t->recs, t->mapped);
	t->recs = NULL;
	t->tags = NULL;
	t->mapped = 0;
	t->nbuckets = 0;
}

void
track_clear(struct track_table *t)
{
	memset(t->tags, 0, (size_t)t->nbuckets * TRACK_WAYS);
	t->live = 0;
}

size_t
track_bytes(const struct track_table *t)
{
	return (size_t)t->nbuckets * TRACK_WAYS * (t->recsize + 1);
}

size_t
track_capacity(const struct track_table *t)
{
	return (size_t)t->nbuckets * TRACK_WAYS;
}

/* The 128-bit product of a and b, its halves folded into 64 bits. */
static inline uint64_t
mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A hash keyed by the table's secrets: each 16 bytes of the key are two
 * words, each mixed with a secret of its own position (so that a pair and
 * its reverse differ), multiplied together; the products are added, and one
 * more multiplication mixes the sum with the key's length. The products do
 * not wait on each other: a 32-byte key is two multiplications side by side
 * and one after, where a chain of word-by-word mixes would take four in a
 * row. Without the secrets, nobody can aim keys at one bucket.
 */
uint64_t
track_hash(const struct track_table *t, const void *key)
{
	const uint8_t *p = key;
	uint32_t n = t->keysize, i;
	uint64_t acc = 0, a, b;

	for (i = 0; i + 16 <= n; i += 16) {
		memcpy(&a, p + i, 8);
		memcpy(&b, p + i + 8, 8);
		acc += mum(a ^ t->secret[i / 8], b ^ t->secret[i / 8 + 1]);
	}
	if (i < n) {
		uint8_t rest[16] = { 0 };
		memcpy(rest, p + i, n - i);
		memcpy(&a, rest, 8);
		memcpy(&b, rest + 8, 8);
		acc += mum(a ^ t->secret[i / 8], b ^ t->secret[i / 8 + 1]);
	}
	return mum(acc ^ t->secret[TRACK_SECRETS - 2], n ^ t->secret[TRACK_SECRETS - 1]);
}

static inline uint8_t
hash_tag(uint64_t h)
{
	uint8_t tag = (uint8_t)(h >> 56);
	return tag ? tag : 1;
}

static inline uint8_t *
rec_at(const struct track_table *t, size_t slot)
{
	return t->recs + slot * t->recsize;
}

static inline int
expired(const struct track_table *t, const uint8_t *rec, uint32_t now_ms)
{
	return now_ms - track_last_ms(rec) > t->idle_ms;
}

/*
 * The detectors' keys are 8, 16, 20, 32 or 36 bytes: compared with constant
 * sizes the compiler inlines the comparison instead of calling memcmp.
 */
static inline int
key_equal(const uint8_t *a, const void *b, uint32_t n)
{
	switch (n) {
	case 16: return memcmp(a, b, 16) == 0;
	case 20: return memcmp(a, b, 20) == 0;
	case 32: return memcmp(a, b, 32) == 0;
	default: return memcmp(a, b, n) == 0;
	}
}

void *
track_find(struct track_table *t, const void *key, uint64_t hash,
    uint32_t now_ms)
{
	size_t base = (size_t)(hash & (t->nbuckets - 1)) * TRACK_WAYS;
	uint8_t tag = hash_tag(hash);
	int w;

	if (!t->staged)
		track_prefetch(t, hash);

	for (w = 0; w < TRACK_WAYS; w++) {
		uint8_t *rec;
		if (t->tags[base + w] != tag)
			continue;
		rec = rec_at(t, base + w);
		if (!key_equal(rec + 4, key, t->keysize))
			continue;
		if (expired(t, rec, now_ms)) {
			/* Reclaim now so that a re-insert finds no stale twin. */
			t->tags[base + w] = 0;
			t->live--;
			t->expiries++;
			return NULL;
		}
		return rec;
	}
	return NULL;
}

void *
track_insert(struct track_table *t, const void *key, uint64_t hash,
    uint32_t now_ms)
{
	size_t base = (size_t)(hash & (t->nbuckets - 1)) * TRACK_WAYS;
	size_t victim = base;
	uint32_t oldest_age = 0, low_rank = 0;
	int w, reuse = 0;
	uint8_t *rec;

	for (w = 0; w < TRACK_WAYS; w++) {
		uint32_t age, rank;
		if (t->tags[base + w] == 0) {
			victim = base + w;
			reuse = 1;
			break;
		}
		rec = rec_at(t, base + w);
		age = now_ms - track_last_ms(rec);
		if (age > t->idle_ms) {
			/* An expired record is as good as an empty slot. */
			victim = base + w;
			t->expiries++;
			t->live--;
			reuse = 1;
			break;
		}
		rank = t->rank ? t->rank(rec) : 0;
		if (w == 0 || rank < low_rank || (rank == low_rank && age > oldest_age)) {
			low_rank = rank;
			oldest_age = age;
			victim = base + w;
		}
	}
	if (!reuse) {
		t->evictions++;
		t->live--;
	}
	rec = rec_at(t, victim);
	memset(rec, 0, t->recsize);
	*(uint32_t *)rec = now_ms;
	memcpy(rec + 4, key, t->keysize);
	t->tags[victim] = hash_tag(hash);
	t->live++;
	t->inserts++;
	return rec;
}

void *
track_get(struct track_table *t, const void *key, uint32_t now_ms,
    int *created)
{
	return track_get_hashed(t, key, track_hash(t, key), now_ms, created);
}

void *
track_get_hashed(struct track_table *t, const void *key, uint64_t hash,
    uint32_t now_ms, int *created)
{
	void *rec = track_find(t, key, hash, now_ms);

	*created = rec == NULL;
	if (rec == NULL)
		rec = track_insert(t, key, hash, now_ms);
	return rec;
}

void
track_age(struct track_table *t, uint32_t now_ms, uint32_t nbuckets)
{
	uint32_t n;

	if (nbuckets > t->nbuckets)
		nbuckets = t->nbuckets;
	for (n = 0; n < nbuckets; n++) {
		size_t base = (size_t)t->sweep_pos * TRACK_WAYS;
		int w;
		for (w = 0; w < TRACK_WAYS; w++) {
			if (t->tags[base + w] == 0)
				continue;
			if (expired(t, rec_at(t, base + w), now_ms)) {
				t->tags[base + w] = 0;
				t->live--;
				t->expiries++;
			}
		}
		t->sweep_pos = (t->sweep_pos + 1) & (t->nbuckets - 1);
	}
}
