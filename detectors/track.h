/* SPDX-License-Identifier: ISC */
/*
 * track: fixed-capacity hash tables of fixed-size records, with ageing and
 * eviction, for the detectors' per-source and per-pair state.
 *
 * The memory of a table is allocated once, at track_init(); no operation
 * allocates afterwards, so a flood of spoofed sources costs evictions (counted),
 * never memory. Records live in buckets of TRACK_WAYS slots; a one-byte tag per
 * slot (0 = empty) lets a lookup skip non-matching records without touching
 * them. Lookup and insert are O(TRACK_WAYS).
 *
 * Every record starts with `uint32_t last_ms` (the table's clock, in ms,
 * compared with unsigned wrap-around), followed by the key of `keysize` bytes.
 * The rest of the record belongs to the caller.
 */
#ifndef CORDON_TRACK_H
#define CORDON_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACK_WAYS 4
/* The ways track_prefetch loads. */
#define TRACK_PREFETCH_WAYS 1
/* Keys of up to TRACK_KEY_MAX bytes; the hash has two secrets per 16 bytes, and two more. */
#define TRACK_KEY_MAX 48
#define TRACK_SECRETS (TRACK_KEY_MAX / 8 + 2)

struct track_table {
	uint8_t *recs;       /* owned (a mapping of `mapped` bytes): nbuckets * TRACK_WAYS * recsize bytes */
	uint8_t *tags;       /* in the same mapping, after the records: one tag per slot, 0 = empty */
	size_t mapped;
	uint32_t nbuckets;   /* a power of two */
	bool staged;         /* the caller has prefetched what it looks up: track_find does not */
	uint32_t recsize;    /* bytes per record, a multiple of 4 */
	uint32_t keysize;    /* key bytes at offset 4 */
	uint32_t idle_ms;    /* a record untouched this long is expired */
	uint64_t secret[TRACK_SECRETS]; /* the hash's keys, drawn from the seed (random in
	                                  * production, fixed in tests) */
	uint32_t sweep_pos;  /* next bucket track_age() looks at */
	uint32_t live;       /* records in use (expired ones until reclaimed) */
	uint64_t inserts;    /* records created */
	uint64_t evictions;  /* live records dropped to make room */
	uint64_t expiries;   /* idle records dropped */
	/*
	 * Optional: how much a record is worth keeping. When a bucket is full
	 * the record with the lowest rank goes (the least recently used among
	 * equals), so that a flood of one-packet spoofed sources evicts itself
	 * rather than the sources that carry evidence. NULL: LRU only.
	 */
	uint32_t (*rank)(const void *rec);
};

/*
 * Sets up `t` for at most `capacity` records (rounded down to a power of two
 * of buckets, at least one bucket) with keys of `keysize` bytes, 1 to
 * TRACK_KEY_MAX (callers assert theirs at compile time). Returns 0, or -1 if
 * memory is short or the key size is out of that range.
 */
int track_init(struct track_table *t, size_t capacity, uint32_t recsize,
    uint32_t keysize, uint32_t idle_ms, uint64_t seed);
void track_free(struct track_table *t);
/* Drops every record (counters are kept). */
void track_clear(struct track_table *t);

/* Total bytes the table holds, records and tags. */
size_t track_bytes(const struct track_table *t);
/* Number of record slots. */
size_t track_capacity(const struct track_table *t);

uint64_t track_hash(const struct track_table *t, const void *key);

/*
 * Starts loading the bucket a key with this hash lives in (its tags and the
 * record of its first way) without waiting for it. A packet that needs
 * records of several tables prefetches all of them first, so that their
 * cache misses overlap instead of following one another. One way of four:
 * a record takes the first free way of its bucket, and with the tables'
 * sizes (a quarter full or less in normal traffic) most buckets hold one
 * record or none; loading more lines nobody reads uses up the core's room
 * for outstanding misses and page walks (measured: one way beats two, two
 * beat four). Always inlined: GCC takes a function that only prefetches for
 * one without effects and drops the call.
 */
static inline __attribute__((always_inline)) void
track_prefetch(const struct track_table *t, uint64_t hash)
{
	size_t base = (size_t)(hash & (t->nbuckets - 1)) * TRACK_WAYS;
	const uint8_t *b = t->recs + base * t->recsize;
	const uint8_t *end = b + (size_t)TRACK_PREFETCH_WAYS * t->recsize;

	__builtin_prefetch(t->tags + base, 0);
	for (; b < end; b += 64)
		__builtin_prefetch(b, 0);
	__builtin_prefetch(end - 1, 0);   /* records need not start on a line */
}

/*
 * Returns the live record with this key, or NULL. The pointer stays valid
 * until the next track_insert/track_age/track_clear on the table.
 */
void *track_find(struct track_table *t, const void *key, uint64_t hash,
    uint32_t now_ms);

/*
 * Returns a fresh record for `key` (zeroed, key and last_ms set), reusing an
 * empty or expired slot of its bucket, else evicting the least recently used
 * one. The caller must know the key is absent (track_find first).
 */
void *track_insert(struct track_table *t, const void *key, uint64_t hash,
    uint32_t now_ms);

/* track_find, else track_insert; *created tells which. */
void *track_get(struct track_table *t, const void *key, uint32_t now_ms,
    int *created);
/* track_get with the key's hash (track_hash) already computed. */
void *track_get_hashed(struct track_table *t, const void *key, uint64_t hash,
    uint32_t now_ms, int *created);

/* Expires idle records in the next `nbuckets` buckets (round robin). */
void track_age(struct track_table *t, uint32_t now_ms, uint32_t nbuckets);

/* Slot numbers let a caller refer to a record without a pointer. */
static inline uint32_t
track_slot_of(const struct track_table *t, const void *rec)
{
	return (uint32_t)(((const uint8_t *)rec - t->recs) / t->recsize);
}

static inline void *
track_rec_at(const struct track_table *t, uint32_t slot)
{
	return t->recs + (size_t)slot * t->recsize;
}

static inline int
track_slot_live(const struct track_table *t, uint32_t slot)
{
	return t->tags[slot] != 0;
}

static inline uint32_t
track_last_ms(const void *rec)
{
	return *(const uint32_t *)rec;
}

#endif
