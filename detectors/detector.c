/* SPDX-License-Identifier: ISC */
#include "detector.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "delay.h"
#include "signature.h"
#include "track.h"
#include "trw.h"

/*
 * Vertical-scan port sets are 64-bit maps indexed by port modulo a prime, so
 * that ports in a regular stride (every 64th) do not all land on one bit.
 */
#define VSCAN_SLOTS 61
/* Capture time that jumps further than this resets the state (serial u32 ms stays valid). */
#define CLOCK_JUMP_US (24ULL * 86400 * 1000000)
/* Idle records are swept in slices every tick of capture time. */
#define AGE_TICK_MS 100
/* Pending first contacts wait on a wheel of WHEEL_SLOTS slots of WHEEL_MS each. */
#define WHEEL_MS 4
#define WHEEL_SLOTS 1024
#define PEND_NONE UINT32_MAX
/* Subnets learned from DHCP acknowledgements. */
#define LEARNED_SUBNETS 32
/* Addresses claimed per MAC (IPv6 duplicate address detection), for carrying evidence. */
#define CLAIMS_PER_MAC_TABLE 16384
/* (host, exposed port, protocol) services seen answering: 16384 records of 40 bytes. */
#define SERVICES_TABLE 16384
/* A port-table entry: 1 + index of an exposed port, or'ed with PORT_DISCOVERY. */
#define PORT_EXPOSED_MASK 0x1f
#define PORT_DISCOVERY 0x80

/* A sliding-window distinct count: the current and the previous window. */
struct wincount {
	uint16_t cur, prev;
};

/* The same in one byte each, for counts whose thresholds are small. */
struct wincount8 {
	uint8_t cur, prev;
};

#define SRC_HAS_MAC 0x01
#define SRC_LAST_UDP 0x02   /* last_dport is a UDP port (else TCP) */
#define SRC_DHCP_SERVER 0x04 /* answers DHCP: its pings and ARPs are conflict checks */

struct src_rec {
	uint32_t last_ms;
	struct ip_addr addr;        /* key */
	uint8_t mac[6];
	int16_t vlan;
	uint32_t first_ms;
	uint32_t trw_first_ms;      /* first contact of the current walk */
	uint32_t win_epoch;         /* sweep window number */
	uint32_t alert_ms;          /* start of the current alert interval */
	float trw_llr;
	uint16_t trw_probes;
	uint16_t trw_failures;
	struct wincount8 echo_failed; /* echo destinations that did not answer */
	struct wincount8 echo_all;  /* echo destinations */
	struct wincount neigh;      /* ARP / neighbour-solicitation targets that did not answer */
	uint16_t last_dport;
	uint8_t alerted;            /* engines reported in this alert interval */
	uint8_t flags;
};
_Static_assert(sizeof(struct src_rec) == 64, "source record must stay at 64 bytes");

struct pair_key {
	struct ip_addr src, dst;
};

/*
 * What a pair's first contacts of each kind came to, two bits each: a
 * connection attempt (TCP SYN, UDP request), an ICMP echo, an ARP who-has or
 * IPv6 neighbour solicitation.
 */
enum contact_kind { KIND_CONTACT = 0, KIND_ECHO = 1, KIND_NEIGH = 2 };
enum contact_state { ST_NONE = 0, ST_PENDING, ST_ANSWERED, ST_FAILED };

struct pair_rec {
	uint32_t last_ms;
	struct pair_key key;
	uint32_t vs_start_ms;       /* vertical-scan window start */
	uint64_t probed;            /* ports probed, by port % VSCAN_SLOTS */
	uint64_t answered;          /* ports that answered (open) */
	uint32_t probe_ms;          /* time of the first connection attempt */
	uint16_t exposed;           /* exposed ports probed, by index in cfg.ports */
	uint8_t proto;              /* IP protocol of the first connection attempt */
	uint8_t states;             /* enum contact_state per enum contact_kind */
};
_Static_assert(sizeof(struct pair_rec) == 64, "pair record must stay at 64 bytes");

static inline enum contact_state
pair_state(const struct pair_rec *pr, enum contact_kind k)
{
	return (enum contact_state)((pr->states >> (2 * k)) & 3);
}

static inline void
pair_set_state(struct pair_rec *pr, enum contact_kind k, enum contact_state st)
{
	pr->states = (uint8_t)((pr->states & ~(3u << (2 * k))) | ((unsigned)st << (2 * k)));
}

struct fan_key {
	struct ip_addr src;
	uint16_t port;
	uint8_t proto;
	uint8_t zero;               /* keeps the key free of padding */
};

struct fan_rec {
	uint32_t last_ms;
	struct fan_key key;
	uint32_t epoch;
	struct wincount dsts;       /* distinct destinations contacted */
	struct wincount failed;     /* ... whose first contact failed (next to dsts: rolled together) */
	uint32_t first_ms;
	uint32_t probes;
};
_Static_assert(sizeof(struct fan_rec) == 44, "fan-out record must stay at 44 bytes");

/* A query a host sent to a group (multicast, broadcast): answers to it are replies. */
struct query_key {
	struct ip_addr querier;
	uint16_t port;              /* the querier's source port */
	uint8_t proto;
	uint8_t zero;
};

struct query_rec {
	uint32_t last_ms;
	struct query_key key;
};

/* The address a MAC last claimed with IPv6 duplicate address detection. */
struct claim_key {
	uint8_t mac[6];
	int16_t vlan;
};

struct claim_rec {
	uint32_t last_ms;
	struct claim_key key;
	struct ip_addr addr;
};

/*
 * A service a host answers on: a SYN-ACK from one of the exposed ports, or a
 * UDP reply from one to a contact the detector tracked. Only answers reach
 * this table, never the common path. The host's MAC and VLAN are kept for a
 * host that only answers (a server is no source, and has no source record).
 */
struct svc_key {
	struct ip_addr host;
	uint16_t port;
	uint8_t proto;
	uint8_t zero;               /* keeps the key free of padding */
};

struct svc_rec {
	uint32_t last_ms;
	struct svc_key key;
	uint32_t first_ms;
	uint8_t mac[6];
	int16_t vlan;
	uint8_t has_mac;
	uint8_t pad[3];
};
_Static_assert(sizeof(struct svc_rec) == 40, "service record must stay at 40 bytes");

/* A first contact waiting for its answer. */
struct pending {
	uint32_t slot;              /* pair table slot | kind << 30 */
	uint32_t sent_ms;
	uint32_t deadline_ms;
	uint32_t next;              /* next in its wheel slot, or free list; PEND_NONE */
};

/*
 * A batch (detector_set_batching): the packets the engines will see and the
 * moves of the clock between them, in capture order, each with the clock
 * and packet index it came with, so that running the batch later does
 * exactly what running each at once would have done.
 */
enum clock_move { CLOCK_SAME, CLOCK_ADVANCED, CLOCK_STARTED, CLOCK_RESTARTED };
enum batch_kind { BATCH_PACKET, BATCH_CLOCK };
struct batch_entry {
	struct pkt p;               /* BATCH_PACKET; payload NULL: read when queued */
	const char *sig;            /* BATCH_PACKET: the signature it matched, or NULL */
	uint64_t index;             /* d->index then */
	uint64_t now_us, base_us;   /* the clock then */
	uint32_t now_ms;
	uint8_t kind;               /* enum batch_kind */
	uint8_t move;               /* BATCH_CLOCK: enum clock_move */
	uint8_t lookups;            /* BATCH_PACKET: LOOKUP_* whose hashes follow (batch_prefetch) */
	uint64_t h_src, h_dst, h_fwd, h_rev, h_fan;
};
/* What batch_prefetch loads for an entry, and whose hashes it keeps. */
#define LOOKUP_SRC 0x01     /* the source's record */
#define LOOKUP_DST 0x02     /* the destination's record (the prober an answer accepts) */
#define LOOKUP_FWD 0x04     /* the pair (source, destination) */
#define LOOKUP_REV 0x08     /* the pair (destination, source) */
#define LOOKUP_FAN 0x10     /* the source's fan-out on an exposed destination port */
/* Entries per batch: about 110 KB, which stays in the core's L2 cache. */
#define BATCH_CAP 512
/* How many entries ahead a batch loads the records an entry will touch. */
#define BATCH_PREFETCH 4

struct detector {
	struct det_config cfg;
	struct trw_params trw;
	detector_emit_fn emit;
	void *emit_arg;              /* borrowed: the caller's */
	struct track_table srcs, pairs, fans, queries, claims, svcs;
	struct sig_state *sigs;      /* owned: the sequence signatures' connections */
	struct pending *pend;        /* owned: pool of pending first contacts */
	uint32_t pend_cap, pend_free;
	uint32_t pend_unused;        /* entries from here on were never taken: no list holds them */
	uint32_t wheel[WHEEL_SLOTS]; /* heads of the wheel's lists */
	uint32_t wheel_ms;           /* the wheel has fired everything before this */
	uint32_t wheel_run_ms;       /* when the slot under way was last run */
	struct delay_est delays;     /* answer delays, for the timeouts */
	struct detcfg_subnet learned[LEARNED_SUBNETS]; /* from DHCP; plen 0: free */
	unsigned learned_next;
	bool started;
	uint64_t base_us, now_us;
	uint64_t next_ms_us;         /* the capture time at which now_ms next changes */
	uint32_t now_ms, next_age_ms;
	uint32_t age_slice[6];
	uint64_t index;
	struct batch_entry *batch;   /* owned: BATCH_CAP entries when batching, else NULL */
	const struct batch_entry *running; /* in `batch`: the packet batch_run is running, else NULL */
	uint32_t nbatch;
	bool batch_running;          /* batch_run is under way (its callbacks may not end the batch) */
	detector_seen_fn seen_fn;
	void *seen_arg;              /* borrowed */
	uint32_t seen_since_ms;      /* sources touched since then are due */
	uint32_t next_seen_ms;
	struct detector_stats st;
	uint8_t port_class[65536];   /* 1 + exposed port index, | PORT_DISCOVERY */
};

static void
sat_inc16(uint16_t *v)
{
	if (*v != UINT16_MAX)
		(*v)++;
}

static void
sat_inc8(uint8_t *v)
{
	if (*v != UINT8_MAX)
		(*v)++;
}

/* Takes one back from a window count: from the current window if it has any. */
static void
wc_dec(struct wincount *c)
{
	if (c->cur > 0)
		c->cur--;
	else if (c->prev > 0)
		c->prev--;
}

/*
 * Eviction ranks: evidence is worth more than a single packet. A spoofed
 * flood creates records with one first contact each; a scanner's record has
 * many, and survives the flood.
 */
static uint32_t
src_rank(const void *rec)
{
	const struct src_rec *s = rec;

	return (uint32_t)s->trw_probes + s->echo_all.cur + s->neigh.cur + (s->alerted ? 1000u : 0);
}

static uint32_t
pair_rank(const void *rec)
{
	const struct pair_rec *p = rec;

	return (uint32_t)__builtin_popcountll(p->probed) + (uint32_t)__builtin_popcount(p->exposed);
}

static uint32_t
fan_rank(const void *rec)
{
	const struct fan_rec *f = rec;

	return (uint32_t)f->dsts.cur + f->dsts.prev + 4u * ((uint32_t)f->failed.cur + f->failed.prev);
}

static uint32_t
age_slice(const struct track_table *t, uint32_t idle_ms)
{
	/* Sweep the whole table about once per idle period. */
	uint64_t n = (uint64_t)t->nbuckets * AGE_TICK_MS / idle_ms + 1;
	return n > t->nbuckets ? t->nbuckets : (uint32_t)n;
}

static void
wheel_reset(struct detector *d)
{
	uint32_t i;

	for (i = 0; i < WHEEL_SLOTS; i++)
		d->wheel[i] = PEND_NONE;
	/* The pool is taken from its start as needed (pending_start): its pages
	 * are touched only as far as first contacts are ever pending at once. */
	d->pend_free = PEND_NONE;
	d->pend_unused = 0;
	d->wheel_ms = 0;
}

struct detector *
detector_new(const struct det_config *cfg, detector_emit_fn emit, void *arg)
{
	struct detector *d = calloc(1, sizeof(*d));
	unsigned i;

	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	d->emit = emit;
	d->emit_arg = arg;
	trw_params_init(&d->trw, cfg->trw_theta0, cfg->trw_theta1, cfg->trw_alpha,
	    cfg->trw_beta);
	for (i = 0; i < cfg->nports; i++)
		d->port_class[cfg->ports[i].port] = (uint8_t)(i + 1);
	for (i = 0; i < cfg->ndiscovery_ports; i++)
		d->port_class[cfg->discovery_ports[i]] |= PORT_DISCOVERY;
	if (track_init(&d->srcs, cfg->max_sources, sizeof(struct src_rec),
		sizeof(struct ip_addr), cfg->source_idle_ms, cfg->hash_seed) != 0 ||
	    track_init(&d->pairs, cfg->max_pairs, sizeof(struct pair_rec),
		sizeof(struct pair_key), cfg->pair_idle_ms, cfg->hash_seed ^ 0x5bd1e995) != 0 ||
	    track_init(&d->fans, cfg->max_fanout, sizeof(struct fan_rec),
		sizeof(struct fan_key), cfg->fanout_window_ms * 2, cfg->hash_seed ^ 0x9e3779b9) != 0 ||
	    track_init(&d->queries, cfg->max_queries, sizeof(struct query_rec),
		sizeof(struct query_key), cfg->reply_window_ms, cfg->hash_seed ^ 0x85ebca6b) != 0 ||
	    track_init(&d->claims, CLAIMS_PER_MAC_TABLE, sizeof(struct claim_rec),
		sizeof(struct claim_key), cfg->source_idle_ms, cfg->hash_seed ^ 0xc2b2ae35) != 0 ||
	    track_init(&d->svcs, SERVICES_TABLE, sizeof(struct svc_rec),
		sizeof(struct svc_key), cfg->source_idle_ms, cfg->hash_seed ^ 0x27d4eb2f) != 0)
		goto fail;
	d->srcs.rank = src_rank;
	d->pairs.rank = pair_rank;
	d->fans.rank = fan_rank;
	d->pend_cap = (uint32_t)track_capacity(&d->pairs);
	d->pend = calloc(d->pend_cap, sizeof(*d->pend));
	d->sigs = sig_new(cfg->hash_seed ^ 0xc2b2ae35);
	if (d->pend == NULL || d->sigs == NULL)
		goto fail;
	wheel_reset(d);
	delay_init(&d->delays, cfg->trw_min_timeout_ms, cfg->trw_timeout_ms,
	    5 * 60 * 1000);
	d->age_slice[0] = age_slice(&d->srcs, cfg->source_idle_ms);
	d->age_slice[1] = age_slice(&d->pairs, cfg->pair_idle_ms);
	d->age_slice[2] = age_slice(&d->fans, cfg->fanout_window_ms * 2);
	d->age_slice[3] = age_slice(&d->queries, cfg->reply_window_ms);
	d->age_slice[4] = age_slice(&d->claims, cfg->source_idle_ms);
	d->age_slice[5] = age_slice(&d->svcs, cfg->source_idle_ms);
	d->st.memory_bytes = sizeof(*d) + track_bytes(&d->srcs) +
	    track_bytes(&d->pairs) + track_bytes(&d->fans) +
	    track_bytes(&d->queries) + track_bytes(&d->claims) + track_bytes(&d->svcs) +
	    (uint64_t)d->pend_cap * sizeof(*d->pend) + sig_bytes(d->sigs);
	d->st.source_record_bytes = sizeof(struct src_rec);
	d->st.pair_record_bytes = sizeof(struct pair_rec);
	d->st.fanout_record_bytes = sizeof(struct fan_rec);
	return d;
fail:
	detector_free(d);
	return NULL;
}

void
detector_free(struct detector *d)
{
	if (d == NULL)
		return;
	track_free(&d->srcs);
	track_free(&d->pairs);
	track_free(&d->fans);
	track_free(&d->queries);
	track_free(&d->claims);
	track_free(&d->svcs);
	free(d->pend);
	free(d->batch);
	sig_free(d->sigs);
	free(d);
}

/* ---- time ---------------------------------------------------------------- */

static uint64_t
ms_to_us(const struct detector *d, uint32_t ms)
{
	uint32_t ago = d->now_ms - ms;
	uint64_t now_ms64 = (d->now_us - d->base_us) / 1000;

	if (ago > now_ms64)
		return d->base_us;
	return d->base_us + (now_ms64 - ago) * 1000;
}

static void contact_failed(struct detector *d, struct pair_rec *pr,
    enum contact_kind kind);

static void
wheel_insert(struct detector *d, uint32_t idx)
{
	uint32_t at = d->pend[idx].deadline_ms;
	uint32_t slot;

	/* Due before the wheel's position: the slot under way. */
	if ((int32_t)(at - d->wheel_ms) < 0)
		at = d->wheel_ms;
	slot = (at / WHEEL_MS) % WHEEL_SLOTS;
	d->pend[idx].next = d->wheel[slot];
	d->wheel[slot] = idx;
}

/*
 * Starts the clock of a first contact of `kind` on pair `pr`, to `dst`. When
 * the pool is full the contact is not timed (counted): it can still be
 * answered or rejected, it just never fails by silence.
 */
static void
pending_start(struct detector *d, struct pair_rec *pr, enum contact_kind kind,
    const struct ip_addr *dst)
{
	uint32_t idx = d->pend_free, timeout;

	if (idx != PEND_NONE) {
		d->pend_free = d->pend[idx].next;
	} else if (d->pend_unused < d->pend_cap) {
		idx = d->pend_unused++;
	} else {
		d->st.timeouts_dropped++;
		return;
	}
	timeout = d->cfg.trw_adaptive ? delay_timeout(&d->delays, dst, d->now_ms) :
	    d->cfg.trw_timeout_ms;
	d->pend[idx].slot = track_slot_of(&d->pairs, pr) | (uint32_t)kind << 30;
	d->pend[idx].sent_ms = d->now_ms;
	d->pend[idx].deadline_ms = d->now_ms + timeout;
	wheel_insert(d, idx);
}

/* A pending first contact's deadline passed: it failed, unless it is stale. */
static void
pending_fire(struct detector *d, const struct pending *pe)
{
	uint32_t slot = pe->slot & 0x3fffffffu;
	enum contact_kind kind = (enum contact_kind)(pe->slot >> 30);
	struct pair_rec *pr;

	if (!track_slot_live(&d->pairs, slot))
		return;
	pr = track_rec_at(&d->pairs, slot);
	if (pair_state(pr, kind) != ST_PENDING)
		return;
	/*
	 * The slot may hold another pair by now. A connection attempt carries
	 * its time; for echoes and neighbour lookups a reused slot whose own
	 * lookup is pending fails at this deadline (at most its timeout early).
	 */
	if (kind == KIND_CONTACT && pr->probe_ms != pe->sent_ms)
		return;
	pair_set_state(pr, kind, ST_FAILED);
	contact_failed(d, pr, kind);
}

/* Takes wheel slot `slot`'s list: fires what is due by `limit`, re-files the rest. */
static void
wheel_slot_run(struct detector *d, uint32_t slot, uint32_t limit)
{
	uint32_t idx = d->wheel[slot];

	d->wheel[slot] = PEND_NONE;
	while (idx != PEND_NONE) {
		struct pending *pe = &d->pend[idx];
		uint32_t next = pe->next;
		if ((int32_t)(pe->deadline_ms - limit) > 0) {
			wheel_insert(d, idx);     /* later in this slot, or a later turn */
		} else {
			pending_fire(d, pe);
			pe->next = d->pend_free;
			d->pend_free = idx;
		}
		idx = next;
	}
}

/* Fires every pending first contact whose deadline is now or past. */
static void
wheel_advance(struct detector *d)
{
	uint32_t slot;

	if (d->now_ms - d->wheel_ms >= (uint32_t)WHEEL_MS * WHEEL_SLOTS) {
		/* Quiet for more than a turn: every slot once, against now. */
		d->wheel_ms = d->now_ms - d->now_ms % WHEEL_MS;
		for (slot = 0; slot < WHEEL_SLOTS; slot++)
			wheel_slot_run(d, slot, d->now_ms);
		return;
	}
	while (d->now_ms - d->wheel_ms >= WHEEL_MS) {
		slot = (d->wheel_ms / WHEEL_MS) % WHEEL_SLOTS;
		d->wheel_ms += WHEEL_MS;
		wheel_slot_run(d, slot, d->wheel_ms - 1);
	}
	/* The slot now under way, up to this millisecond (once per millisecond). */
	slot = (d->wheel_ms / WHEEL_MS) % WHEEL_SLOTS;
	if (d->wheel[slot] != PEND_NONE && d->wheel_run_ms != d->now_ms) {
		d->wheel_run_ms = d->now_ms;
		wheel_slot_run(d, slot, d->now_ms);
	}
}

static void
reset_state(struct detector *d)
{
	track_clear(&d->srcs);
	track_clear(&d->pairs);
	track_clear(&d->fans);
	track_clear(&d->queries);
	track_clear(&d->claims);
	track_clear(&d->svcs);
	wheel_reset(d);
	delay_clear(&d->delays);
	memset(d->learned, 0, sizeof(d->learned));
}

static void report_seen(struct detector *d);
static void batch_add_clock(struct detector *d, enum clock_move m);

/*
 * Moves the clock's own fields (started, base_us, now_us, now_ms,
 * next_ms_us) to `ts_us`. What follows from the move is clock_effects':
 * apart, so that a batch can hold it back until the packets before it
 * have been seen.
 */
static enum clock_move
clock_move(struct detector *d, uint64_t ts_us)
{
	if (!d->started || ts_us > d->now_us + CLOCK_JUMP_US) {
		enum clock_move m = d->started ? CLOCK_RESTARTED : CLOCK_STARTED;
		d->started = true;
		d->base_us = d->now_us = ts_us;
		d->next_ms_us = ts_us + 1000;
		d->now_ms = 0;
		return m;
	}
	if (ts_us <= d->now_us)
		return CLOCK_SAME;
	d->now_us = ts_us;
	d->now_ms = (uint32_t)((ts_us - d->base_us) / 1000);
	d->next_ms_us = ts_us - (ts_us - d->base_us) % 1000 + 1000;
	return CLOCK_ADVANCED;
}

/* Deadlines, ageing and reports due at the clock's time (d->now_ms). */
static void
clock_effects(struct detector *d, enum clock_move m)
{
	switch (m) {
	case CLOCK_SAME:
		return;
	case CLOCK_RESTARTED:
		reset_state(d);
		d->st.clock_resets++;
		/* FALLTHROUGH */
	case CLOCK_STARTED:
		d->wheel_ms = 0;
		d->next_age_ms = AGE_TICK_MS;
		d->seen_since_ms = 0;
		d->next_seen_ms = d->cfg.seen_interval_ms;
		return;
	case CLOCK_ADVANCED:
		break;
	}
	wheel_advance(d);
	if ((int32_t)(d->now_ms - d->next_age_ms) >= 0) {
		track_age(&d->srcs, d->now_ms, d->age_slice[0]);
		track_age(&d->pairs, d->now_ms, d->age_slice[1]);
		track_age(&d->fans, d->now_ms, d->age_slice[2]);
		track_age(&d->queries, d->now_ms, d->age_slice[3]);
		track_age(&d->claims, d->now_ms, d->age_slice[4]);
		track_age(&d->svcs, d->now_ms, d->age_slice[5]);
		d->next_age_ms = d->now_ms + AGE_TICK_MS;
	}
	if (d->seen_fn != NULL && d->cfg.seen_interval_ms != 0 &&
	    (int32_t)(d->now_ms - d->next_seen_ms) >= 0) {
		report_seen(d);
		d->next_seen_ms = d->now_ms + d->cfg.seen_interval_ms;
	}
}

static void
clock_advance(struct detector *d, uint64_t ts_us)
{
	enum clock_move m = clock_move(d, ts_us);

	if (d->nbatch > 0 && m != CLOCK_SAME)
		batch_add_clock(d, m);
	else
		clock_effects(d, m);
}

/*
 * clock_advance for every packet. Deadlines, ageing and reports are all
 * kept in whole milliseconds of now_ms, so a packet within the millisecond
 * under way only moves now_us: most packets (75 000 a second spread over
 * 1 000 milliseconds) take this path and skip the rest.
 */
static inline void
clock_packet(struct detector *d, uint64_t ts_us)
{
	if (d->started && ts_us < d->next_ms_us) {
		if (ts_us > d->now_us)
			d->now_us = ts_us;
		return;
	}
	clock_advance(d, ts_us);
}

/* ---- windows ------------------------------------------------------------- */

static void
win_roll(uint32_t *epoch, struct wincount *c, unsigned n, uint32_t now,
    uint32_t win)
{
	uint32_t e = now / win;
	unsigned i;

	if (e == *epoch)
		return;
	for (i = 0; i < n; i++) {
		c[i].prev = e == *epoch + 1 ? c[i].cur : 0;
		c[i].cur = 0;
	}
	*epoch = e;
}

/* The previous window's count weighted by how much of it still overlaps. */
static uint32_t
win_estimate(const struct wincount *c, uint32_t now, uint32_t win)
{
	uint32_t into = now % win;

	return c->cur + (uint32_t)((uint64_t)c->prev * (win - into) / win);
}

/* A source's sweep counters share one window. */
static void
src_roll(struct detector *d, struct src_rec *s)
{
	uint32_t e = d->now_ms / d->cfg.sweep_window_ms;
	bool next = e == s->win_epoch + 1;

	if (e == s->win_epoch)
		return;
	s->echo_failed.prev = next ? s->echo_failed.cur : 0;
	s->echo_all.prev = next ? s->echo_all.cur : 0;
	s->neigh.prev = next ? s->neigh.cur : 0;
	s->echo_failed.cur = s->echo_all.cur = 0;
	s->neigh.cur = 0;
	s->win_epoch = e;
}

static uint32_t
win8_estimate(const struct wincount8 *c, uint32_t now, uint32_t win)
{
	struct wincount w = { c->cur, c->prev };

	return win_estimate(&w, now, win);
}

/* ---- local subnets ------------------------------------------------------------ */

/* A directed broadcast of a configured or learned IPv4 subnet. */
static bool
subnet_broadcast_one(const struct detcfg_subnet *s, const struct ip_addr *a)
{
	unsigned bit;

	if (s->plen == 0 || s->plen > 96 + 30 || !ip_is_v4(&s->addr) ||
	    !detcfg_subnet_contains(s, a))
		return false;
	for (bit = s->plen; bit < 128; bit++)
		if (!(a->b[bit / 8] & (0x80 >> (bit % 8))))
			return false;
	return true;
}

static bool
is_directed_broadcast(const struct detector *d, const struct ip_addr *a)
{
	unsigned i;

	/* Every subnet broadcast of a prefix up to /31 ends in a 1 bit. */
	if (!ip_is_v4(a) || !(a->b[15] & 1))
		return false;
	for (i = 0; i < d->cfg.nsubnets; i++)
		if (subnet_broadcast_one(&d->cfg.subnets[i], a))
			return true;
	/* Per packet: skip the learned table while no DHCP answer filled it, and its free slots. */
	if (d->st.subnets_learned == 0)
		return false;
	for (i = 0; i < LEARNED_SUBNETS; i++)
		if (d->learned[i].plen != 0 && subnet_broadcast_one(&d->learned[i], a))
			return true;
	return false;
}

static void
learn_subnet(struct detector *d, const uint8_t addr[4], const uint8_t mask[4])
{
	struct detcfg_subnet s;
	uint32_t m = (uint32_t)mask[0] << 24 | (uint32_t)mask[1] << 16 |
	    (uint32_t)mask[2] << 8 | mask[3];
	unsigned plen = (unsigned)__builtin_popcount(m), i;

	/* A contiguous mask between /8 and /30 names a subnet; anything else is noise. */
	if (plen < 8 || plen > 30 || (m << plen) != 0)
		return;
	memset(&s, 0, sizeof(s));
	ip_from_v4(&s.addr, addr);
	for (i = 0; i < 4; i++)
		s.addr.b[12 + i] &= mask[i];
	s.plen = (uint8_t)(96 + plen);
	for (i = 0; i < LEARNED_SUBNETS; i++)
		if (d->learned[i].plen == s.plen &&
		    memcmp(d->learned[i].addr.b, s.addr.b, 16) == 0)
			return;
	d->learned[d->learned_next] = s;
	d->learned_next = (d->learned_next + 1) % LEARNED_SUBNETS;
	d->st.subnets_learned++;
}

/*
 * A DHCP server's answer (udp 67 -> 68). The server is marked (its conflict
 * checks are not sweeps) and an ACK's subnet mask is learned, so that the
 * subnet's directed broadcast is known as one.
 */
static void
on_dhcp_reply(struct detector *d, struct src_rec *server, const struct pkt *p)
{
	const uint8_t *b = p->payload;
	uint32_t len = p->payload_len, off = 240;
	const uint8_t *mask = NULL;
	int type = -1;

	server->flags |= SRC_DHCP_SERVER;
	/* BOOTREPLY with the magic cookie (RFC 2131 3; RFC 2132 2). */
	if (len < 240 || b[0] != 2 || b[236] != 99 || b[237] != 130 ||
	    b[238] != 83 || b[239] != 99)
		return;
	while (off < len && b[off] != 255) {
		uint8_t code = b[off], olen;
		if (code == 0) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return;
		olen = b[off + 1];
		if (off + 2 + olen > len)
			return;
		if (code == 53 && olen == 1)
			type = b[off + 2];
		else if (code == 1 && olen == 4)
			mask = b + off + 2;
		off += 2u + olen;
	}
	if (type == 5 && mask != NULL)   /* DHCPACK */
		learn_subnet(d, b + 16, mask);
}

/* ---- records --------------------------------------------------------------- */

/*
 * A key's hash: batch_prefetch's for the packet batch_run is running, when
 * the key is made of that very packet's addresses (compared by where they
 * are, not by value: a copy, as on_dad makes, is hashed anew), else
 * computed.
 */
static inline uint64_t
src_hash(const struct detector *d, const struct ip_addr *a)
{
	const struct batch_entry *e = d->running;

	if (e != NULL) {
		if (a == &e->p.src && (e->lookups & LOOKUP_SRC))
			return e->h_src;
		if (a == &e->p.dst && (e->lookups & LOOKUP_DST))
			return e->h_dst;
	}
	return track_hash(&d->srcs, a);
}

static inline uint64_t
pair_hash(const struct detector *d, const struct pair_key *k, const struct ip_addr *src,
    const struct ip_addr *dst)
{
	const struct batch_entry *e = d->running;

	if (e != NULL) {
		if (src == &e->p.src && dst == &e->p.dst && (e->lookups & LOOKUP_FWD))
			return e->h_fwd;
		if (src == &e->p.dst && dst == &e->p.src && (e->lookups & LOOKUP_REV))
			return e->h_rev;
	}
	return track_hash(&d->pairs, k);
}

static struct src_rec *
src_touch_hashed(struct detector *d, const struct pkt *p, uint64_t hash)
{
	int created;
	struct src_rec *s = track_get_hashed(&d->srcs, &p->src, hash, d->now_ms, &created);

	s->last_ms = d->now_ms;
	if (created) {
		s->first_ms = d->now_ms;
		s->win_epoch = d->now_ms / d->cfg.sweep_window_ms;
		d->st.sources_created++;
	}
	if (p->has_mac) {
		memcpy(s->mac, p->src_mac, 6);
		s->flags |= SRC_HAS_MAC;
	}
	s->vlan = (int16_t)p->vlan;
	return s;
}

static struct src_rec *
src_touch(struct detector *d, const struct pkt *p)
{
	return src_touch_hashed(d, p, src_hash(d, &p->src));
}

static struct src_rec *
src_find(struct detector *d, const struct ip_addr *a)
{
	return track_find(&d->srcs, a, track_hash(&d->srcs, a), d->now_ms);
}

static struct pair_rec *
pair_get_hashed(struct detector *d, const struct pair_key *k, uint64_t hash)
{
	struct pair_rec *pr;
	int created;

	pr = track_get_hashed(&d->pairs, k, hash, d->now_ms, &created);
	pr->last_ms = d->now_ms;
	if (created)
		pr->vs_start_ms = d->now_ms;
	return pr;
}

static struct pair_rec *
pair_get(struct detector *d, const struct ip_addr *src, const struct ip_addr *dst)
{
	struct pair_key k;

	k.src = *src;
	k.dst = *dst;
	return pair_get_hashed(d, &k, pair_hash(d, &k, src, dst));
}

static struct pair_rec *
pair_find(struct detector *d, const struct ip_addr *src, const struct ip_addr *dst)
{
	struct pair_key k;

	k.src = *src;
	k.dst = *dst;
	return track_find(&d->pairs, &k, pair_hash(d, &k, src, dst), d->now_ms);
}

static void
query_note(struct detector *d, const struct pkt *p)
{
	struct query_key k;
	struct query_rec *q;
	int created;

	memset(&k, 0, sizeof(k));
	k.querier = p->src;
	k.port = p->sport;
	k.proto = p->proto;
	q = track_get(&d->queries, &k, d->now_ms, &created);
	q->last_ms = d->now_ms;
	if (created)
		d->st.group_queries++;
}

/* Whether a datagram to `dst`:`dport` answers a group query `dst` sent from that port. */
static bool
query_answered(struct detector *d, const struct pkt *p)
{
	struct query_key k;

	memset(&k, 0, sizeof(k));
	k.querier = p->dst;
	k.port = p->dport;
	k.proto = p->proto;
	return track_find(&d->queries, &k, track_hash(&d->queries, &k), d->now_ms) != NULL;
}

/* ---- reporting ------------------------------------------------------------- */

static void
report(struct detector *d, struct src_rec *s, struct detection *det)
{
	uint8_t bit = (uint8_t)(1u << det->engine);

	if (d->now_ms - s->alert_ms > d->cfg.alert_interval_ms)
		s->alerted = 0;
	if (s->alerted & bit)
		return;
	if (s->alerted == 0)
		s->alert_ms = d->now_ms;
	s->alerted |= bit;

	det->src = s->addr;
	det->has_mac = (s->flags & SRC_HAS_MAC) != 0;
	memcpy(det->mac, s->mac, 6);
	det->vlan = s->vlan;
	det->time_us = d->now_us;
	det->alert_packet = d->index;
	d->st.detections[det->engine]++;
	d->emit(d->emit_arg, det);
}

static void
det_init(struct detection *det, enum det_engine e)
{
	memset(det, 0, sizeof(*det));
	det->engine = e;
}

/* ---- engines ----------------------------------------------------------------- */

static void
trw_report(struct detector *d, struct src_rec *s)
{
	struct detection det;

	det_init(&det, ENGINE_TRW);
	det.proto = (s->flags & SRC_LAST_UDP) ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
	det.has_dport = true;
	det.dport = s->last_dport;
	det.probes = s->trw_probes;
	det.failures = s->trw_failures;
	det.distinct_dsts = s->trw_probes;
	det.first_seen_us = ms_to_us(d, s->trw_first_ms);
	report(d, s, &det);
}

/* One outcome of a first contact in the source's walk. */
static void
trw_outcome(struct detector *d, struct src_rec *s, bool failure)
{
	enum trw_verdict v;

	if (failure)
		sat_inc16(&s->trw_failures);
	v = trw_update(&d->trw, &s->trw_llr, failure);
	if (v == TRW_PENDING)
		return;
	if (v == TRW_SCANNER)
		trw_report(d, s);
	/* A verdict ends the walk: the next first contact starts a new one. */
	s->trw_probes = 0;
	s->trw_failures = 0;
}

static struct fan_rec *
fan_get(struct detector *d, const struct ip_addr *src, uint16_t port, uint8_t proto)
{
	struct fan_key k;
	struct fan_rec *fr;
	uint64_t hash;
	int created;

	memset(&k, 0, sizeof(k));
	k.src = *src;
	k.port = port;
	k.proto = proto;
	if (d->running != NULL && src == &d->running->p.src && port == d->running->p.dport &&
	    proto == d->running->p.proto && (d->running->lookups & LOOKUP_FAN))
		hash = d->running->h_fan;
	else
		hash = track_hash(&d->fans, &k);
	fr = track_get_hashed(&d->fans, &k, hash, d->now_ms, &created);
	fr->last_ms = d->now_ms;
	if (created) {
		fr->first_ms = d->now_ms;
		fr->epoch = d->now_ms / d->cfg.fanout_window_ms;
	}
	win_roll(&fr->epoch, &fr->dsts, 2, d->now_ms, d->cfg.fanout_window_ms);
	return fr;
}

/*
 * Fan-out counts destinations whose first contact on an exposed port failed
 * (rejected or unanswered). `credit`: a failure turned out answered after all.
 */
static void
fanout_outcome(struct detector *d, struct src_rec *s, struct pair_rec *pr, bool credit)
{
	unsigned pi;

	for (pi = 0; pi < d->cfg.nports; pi++) {
		struct fan_rec *fr;
		struct detection det;
		uint32_t est;
		if (!(pr->exposed & (1u << pi)))
			continue;
		fr = fan_get(d, &pr->key.src, d->cfg.ports[pi].port, pr->proto);
		if (credit) {
			wc_dec(&fr->failed);
			continue;
		}
		sat_inc16(&fr->failed.cur);
		est = win_estimate(&fr->failed, d->now_ms, d->cfg.fanout_window_ms);
		if (est < d->cfg.ports[pi].threshold)
			continue;
		det_init(&det, ENGINE_FANOUT);
		det.proto = pr->proto;
		det.has_dport = true;
		det.dport = d->cfg.ports[pi].port;
		det.probes = fr->probes;
		det.failures = est;
		det.distinct_dsts = win_estimate(&fr->dsts, d->now_ms, d->cfg.fanout_window_ms);
		det.first_seen_us = ms_to_us(d, fr->first_ms);
		report(d, s, &det);
	}
}

static void
sweep_report(struct detector *d, struct src_rec *s, enum det_engine e,
    uint32_t failed, uint32_t all)
{
	struct detection det;

	det_init(&det, e);
	det.is_arp = e == ENGINE_ARP_SWEEP;
	det.proto = e == ENGINE_ARP_SWEEP ? 0 :
	    ip_is_v4(&s->addr) ? IPPROTO_NUM_ICMP : IPPROTO_NUM_ICMPV6;
	det.probes = all;
	det.failures = failed;
	det.distinct_dsts = all;
	det.first_seen_us = ms_to_us(d, s->first_ms);
	report(d, s, &det);
}

/* A first contact of `kind` on `pr` failed: rejected, or no answer in time. */
static void
contact_failed(struct detector *d, struct pair_rec *pr, enum contact_kind kind)
{
	struct src_rec *s = src_find(d, &pr->key.src);
	uint32_t failed, all;

	if (s == NULL)
		return;     /* the source was evicted: its evidence is gone with it */
	src_roll(d, s);
	switch (kind) {
	case KIND_CONTACT:
		trw_outcome(d, s, true);
		fanout_outcome(d, s, pr, false);
		break;
	case KIND_ECHO:
		sat_inc8(&s->echo_failed.cur);
		failed = win8_estimate(&s->echo_failed, d->now_ms, d->cfg.sweep_window_ms);
		all = win8_estimate(&s->echo_all, d->now_ms, d->cfg.sweep_window_ms);
		/* Many silent destinations, and a good share of all pinged: a
		 * monitoring host whose few down hosts are a small share is not one. */
		if (failed >= d->cfg.icmp_sweep_dsts &&
		    (double)failed >= d->cfg.icmp_sweep_share * (double)all)
			sweep_report(d, s, ENGINE_ICMP_SWEEP, failed, all);
		break;
	case KIND_NEIGH:
		/* A lookup nobody answered is a first contact that failed: a worm's
		 * probes to silent addresses on its own link never leave as more. */
		if (s->trw_probes == 0)
			s->trw_first_ms = d->now_ms;
		sat_inc16(&s->trw_probes);
		trw_outcome(d, s, true);
		sat_inc16(&s->neigh.cur);
		failed = win_estimate(&s->neigh, d->now_ms, d->cfg.sweep_window_ms);
		if (ip_is_v4(&s->addr) ? failed >= d->cfg.arp_sweep_dsts :
		    failed >= d->cfg.nd_sweep_dsts)
			sweep_report(d, s, ip_is_v4(&s->addr) ? ENGINE_ARP_SWEEP :
			    ENGINE_ND_SWEEP, failed, failed);
		break;
	}
}

/*
 * A failed first contact was answered after all (its timeout was too short):
 * the failure is taken back. An answered connection attempt then counts as
 * the success it was; an answered lookup counts for nothing (the connection
 * that follows it is what counts).
 */
static void
contact_credit(struct detector *d, struct pair_rec *pr, enum contact_kind kind)
{
	struct src_rec *s = src_find(d, &pr->key.src);

	if (s == NULL)
		return;
	src_roll(d, s);
	switch (kind) {
	case KIND_CONTACT:
	case KIND_NEIGH:
		if (s->trw_failures > 0) {
			/* The failure is still in this walk: take it back. */
			s->trw_failures--;
			if (kind == KIND_NEIGH && s->trw_probes > 0)
				s->trw_probes--;
			if (trw_credit(&d->trw, &s->trw_llr, kind == KIND_CONTACT) == TRW_BENIGN) {
				s->trw_probes = 0;
				s->trw_failures = 0;
			}
		} else if (kind == KIND_CONTACT) {
			trw_outcome(d, s, false);   /* a new walk: the answer is a success in it */
		}
		if (kind == KIND_CONTACT)
			fanout_outcome(d, s, pr, true);
		else
			wc_dec(&s->neigh);
		break;
	case KIND_ECHO:
		if (s->echo_failed.cur > 0)
			s->echo_failed.cur--;
		else if (s->echo_failed.prev > 0)
			s->echo_failed.prev--;
		break;
	}
}

/* An answer from `responder` to a first contact of `kind` from `prober`. */
static void
on_answer(struct detector *d, const struct ip_addr *prober,
    const struct ip_addr *responder, enum contact_kind kind, bool rejected,
    bool has_port, uint16_t port)
{
	struct pair_key k;
	struct pair_rec *pr;
	enum contact_state st;
	uint32_t sent;
	uint64_t hs = 0;

	/* The pair, and for an accepted connection the prober's record:
	 * their cache misses overlap (track_prefetch). */
	k.src = *prober;
	k.dst = *responder;
	if (kind == KIND_CONTACT && !rejected) {
		hs = src_hash(d, prober);
		if (!d->srcs.staged)
			track_prefetch(&d->srcs, hs);
	}
	pr = track_find(&d->pairs, &k, pair_hash(d, &k, prober, responder), d->now_ms);
	if (pr == NULL)
		return;
	pr->last_ms = d->now_ms;
	if (kind == KIND_CONTACT && !rejected && has_port)
		pr->answered |= 1ULL << (port % VSCAN_SLOTS);
	st = pair_state(pr, kind);
	if (st != ST_PENDING && !(st == ST_FAILED && !rejected))
		return;
	/* How long the answer took, for the timeouts (a connection attempt
	 * knows its time; other kinds are timed by their pair's last probe). */
	sent = kind == KIND_CONTACT ? pr->probe_ms : 0;
	if (kind == KIND_CONTACT && d->now_ms - sent < 0x80000000u)
		delay_add(&d->delays, responder, d->now_ms - sent, d->now_ms, st == ST_FAILED);
	if (st == ST_FAILED) {
		/* Late: the failure is taken back and the answer counts. */
		d->st.answers_late++;
		pair_set_state(pr, kind, ST_ANSWERED);
		contact_credit(d, pr, kind);
		return;
	}
	if (rejected) {
		pair_set_state(pr, kind, ST_FAILED);
		contact_failed(d, pr, kind);
		return;
	}
	pair_set_state(pr, kind, ST_ANSWERED);
	if (kind == KIND_CONTACT) {
		struct src_rec *s = track_find(&d->srcs, prober, hs, d->now_ms);
		if (s != NULL)
			trw_outcome(d, s, false);
	}
}

static void
vscan_probe(struct detector *d, struct src_rec *s, struct pair_rec *pr,
    const struct pkt *p)
{
	uint64_t bit = 1ULL << (p->dport % VSCAN_SLOTS);
	uint32_t n;
	struct detection det;

	if (d->now_ms - pr->vs_start_ms > d->cfg.vscan_window_ms) {
		pr->probed = pr->answered = 0;
		pr->vs_start_ms = d->now_ms;
	}
	if (pr->probed & bit)
		return;
	pr->probed |= bit;
	/* Ports that answered are services in use, not evidence of a scan. */
	n = (uint32_t)__builtin_popcountll(pr->probed & ~pr->answered);
	if (n < d->cfg.vscan_ports)
		return;
	det_init(&det, ENGINE_VSCAN);
	det.proto = p->proto;
	det.has_dport = true;
	det.dport = p->dport;
	det.has_dst = true;
	det.dst = p->dst;
	det.probes = (uint32_t)__builtin_popcountll(pr->probed);
	det.failures = n;
	det.distinct_dsts = 1;
	det.distinct_ports = n;
	det.first_seen_us = ms_to_us(d, pr->vs_start_ms);
	report(d, s, &det);
}

/*
 * Every contact on an exposed port counts toward the busy notice (distinct
 * destinations, answered or not); only failed ones count toward fan-out.
 */
static void
fanout_probe(struct detector *d, struct src_rec *s, struct pair_rec *pr,
    const struct pkt *p, unsigned pi)
{
	struct fan_rec *fr = fan_get(d, &p->src, p->dport, p->proto);
	struct detection det;
	uint32_t est;

	if (fr->probes != UINT32_MAX)
		fr->probes++;
	if (pr->exposed & (1u << pi))
		return;
	pr->exposed |= (uint16_t)(1u << pi);
	sat_inc16(&fr->dsts.cur);
	est = win_estimate(&fr->dsts, d->now_ms, d->cfg.fanout_window_ms);
	if (est < d->cfg.ports[pi].threshold)
		return;
	det_init(&det, ENGINE_BUSY);
	det.proto = p->proto;
	det.has_dport = true;
	det.dport = p->dport;
	det.probes = fr->probes;
	det.failures = win_estimate(&fr->failed, d->now_ms, d->cfg.fanout_window_ms);
	det.distinct_dsts = est;
	det.first_seen_us = ms_to_us(d, fr->first_ms);
	report(d, s, &det);
}

/* A TCP SYN or a UDP datagram that is not a reply: a connection attempt. */
static void
on_probe(struct detector *d, const struct pkt *p)
{
	struct pair_key k;
	struct src_rec *s;
	struct pair_rec *pr;
	uint64_t hs, hp;
	unsigned pi;

	/* Both records, and the pending entry a new first contact takes, are
	 * loaded at once: their cache misses overlap (track_prefetch). */
	k.src = p->src;
	k.dst = p->dst;
	hs = src_hash(d, &p->src);
	hp = pair_hash(d, &k, &p->src, &p->dst);
	if (!d->srcs.staged) {
		track_prefetch(&d->srcs, hs);
		track_prefetch(&d->pairs, hp);
	}
	if (d->pend_free != PEND_NONE)
		__builtin_prefetch(&d->pend[d->pend_free], 0);
	else if (d->pend_unused < d->pend_cap)
		__builtin_prefetch(&d->pend[d->pend_unused], 1);
	s = src_touch_hashed(d, p, hs);
	pr = pair_get_hashed(d, &k, hp);

	s->last_dport = p->dport;
	if (p->proto == IPPROTO_NUM_UDP)
		s->flags |= SRC_LAST_UDP;
	else
		s->flags &= (uint8_t)~SRC_LAST_UDP;
	if (pair_state(pr, KIND_CONTACT) == ST_NONE) {
		if (s->trw_probes == 0)
			s->trw_first_ms = d->now_ms;
		sat_inc16(&s->trw_probes);
		pair_set_state(pr, KIND_CONTACT, ST_PENDING);
		pr->probe_ms = d->now_ms;
		pr->proto = p->proto;
		pending_start(d, pr, KIND_CONTACT, &p->dst);
	}
	vscan_probe(d, s, pr, p);
	pi = d->port_class[p->dport] & PORT_EXPOSED_MASK;
	if (pi != 0)
		fanout_probe(d, s, pr, p, pi - 1);
}

/*
 * p->src answered from p->sport, one of the exposed ports: the service is
 * noted for the asset report (which hosts expose a worm's port). Reached by
 * answers only (SYN-ACKs, UDP replies), never by the common path.
 */
static void
service_seen(struct detector *d, const struct pkt *p)
{
	struct svc_key k;
	struct svc_rec *r;
	int created;

	memset(&k, 0, sizeof(k));
	k.host = p->src;
	k.port = p->sport;
	k.proto = p->proto;
	r = track_get(&d->svcs, &k, d->now_ms, &created);
	r->last_ms = d->now_ms;
	if (created)
		r->first_ms = d->now_ms;
	if (p->has_mac) {
		memcpy(r->mac, p->src_mac, 6);
		r->has_mac = 1;
	}
	r->vlan = (int16_t)p->vlan;
}

static void
on_tcp(struct detector *d, const struct pkt *p)
{
	uint8_t f = p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST);

	if (f == TCPF_SYN) {
		on_probe(d, p);
	} else if (f == (TCPF_SYN | TCPF_ACK)) {
		if (d->port_class[p->sport] & PORT_EXPOSED_MASK)
			service_seen(d, p);
		on_answer(d, &p->dst, &p->src, KIND_CONTACT, false, true, p->sport);
	}
	else if (f & TCPF_RST)
		on_answer(d, &p->dst, &p->src, KIND_CONTACT, true, false, 0);
}

/*
 * A datagram is a connection attempt unless it is a reply: to a request the
 * other side sent (matched by address, from any port), to a query its
 * destination sent to a group (matched by the querier's port), a discovery
 * or DHCP datagram, or, just after the capture started, a datagram from a
 * service port whose request came before the capture.
 */
static void
on_udp(struct detector *d, const struct pkt *p)
{
	struct pair_rec *rev;

	if ((d->port_class[p->sport] | d->port_class[p->dport]) & PORT_DISCOVERY) {
		d->st.discovery_datagrams++;
		return;
	}
	rev = pair_find(d, &p->dst, &p->src);
	if (rev != NULL && pair_state(rev, KIND_CONTACT) != ST_NONE) {
		if (d->port_class[p->sport] & PORT_EXPOSED_MASK)
			service_seen(d, p);
		on_answer(d, &p->dst, &p->src, KIND_CONTACT, false, true, p->sport);
		return;
	}
	if (query_answered(d, p)) {
		d->st.group_replies++;
		return;
	}
	if (d->now_ms < d->cfg.startup_grace_ms && p->sport < 1024 && p->dport >= 1024)
		return;
	on_probe(d, p);
}

/* An ICMP echo request, ARP who-has or neighbour solicitation for `target`. */
static void
lookup_probe(struct detector *d, const struct pkt *p, const struct ip_addr *target,
    enum contact_kind kind)
{
	struct src_rec *s = src_touch(d, p);
	struct pair_rec *pr;

	/* A DHCP server pings and resolves the address it is about to offer,
	 * and expects no answer (RFC 2131 4.4.1): a conflict check, not a sweep. */
	if (s->flags & SRC_DHCP_SERVER)
		return;
	pr = pair_get(d, &p->src, target);
	if (pair_state(pr, kind) != ST_NONE)
		return;
	pair_set_state(pr, kind, ST_PENDING);
	if (kind == KIND_ECHO) {
		src_roll(d, s);
		sat_inc8(&s->echo_all.cur);
	}
	pending_start(d, pr, kind, target);
}

/*
 * IPv6 hosts change addresses (privacy extensions, RFC 8981); each new one
 * is announced by duplicate address detection from the host's own MAC
 * (RFC 4862 5.4). Evidence against the old address carries over to the new
 * one, so that a worm cannot shed its walk by renumbering. A router never
 * runs DAD for the addresses it forwards, so routed sources do not merge.
 */
static void
on_dad(struct detector *d, const struct pkt *p)
{
	struct claim_key k;
	struct claim_rec *c;
	struct src_rec *old, *cur;
	struct pkt np;
	int created;

	if (!p->has_mac || ip_is_special(&p->nd_target))
		return;
	memset(&k, 0, sizeof(k));
	memcpy(k.mac, p->src_mac, 6);
	k.vlan = (int16_t)p->vlan;
	c = track_get(&d->claims, &k, d->now_ms, &created);
	c->last_ms = d->now_ms;
	if (!created && memcmp(&c->addr, &p->nd_target, sizeof(c->addr)) != 0 &&
	    (old = src_find(d, &c->addr)) != NULL &&
	    (old->trw_probes > 0 || old->neigh.cur > 0 || old->alerted)) {
		np = *p;
		np.src = p->nd_target;
		cur = src_touch(d, &np);
		if (cur != old) {
			cur->trw_llr = old->trw_llr;
			cur->trw_probes = old->trw_probes;
			cur->trw_failures = old->trw_failures;
			cur->trw_first_ms = old->trw_first_ms;
			cur->neigh = old->neigh;
			cur->echo_failed = old->echo_failed;
			cur->echo_all = old->echo_all;
			cur->win_epoch = old->win_epoch;
			cur->alerted = old->alerted;
			cur->alert_ms = old->alert_ms;
			d->st.evidence_carried++;
		}
	}
	c->addr = p->nd_target;
}

static void
on_signature(struct detector *d, const struct pkt *p, const char *name)
{
	struct src_rec *s = src_touch(d, p);
	struct detection det;

	det_init(&det, ENGINE_SIGNATURE);
	det.signature = name;
	det.proto = p->proto;
	det.has_dport = p->has_ports;
	det.dport = p->dport;
	det.has_dst = true;
	det.dst = p->dst;
	det.probes = 1;
	det.distinct_dsts = 1;
	det.first_seen_us = d->now_us;
	report(d, s, &det);
}

static void
on_arp(struct detector *d, const struct pkt *p)
{
	if (ip_is_special(&p->src) || ip_is_special(&p->dst) ||
	    memcmp(&p->src, &p->dst, sizeof(p->src)) == 0)
		return;     /* probes (RFC 5227) and gratuitous announcements */
	if (p->arp_op == 1)
		lookup_probe(d, p, &p->dst, KIND_NEIGH);
	else if (p->arp_op == 2)
		on_answer(d, &p->dst, &p->src, KIND_NEIGH, false, false, 0);
}

static void
on_icmp(struct detector *d, const struct pkt *p, bool group)
{
	if (p->icmp_error) {
		on_answer(d, &p->quoted.src, &p->quoted.dst, KIND_CONTACT, true, false, 0);
	} else if (p->icmp_echo_request) {
		if (!group)
			lookup_probe(d, p, &p->dst, KIND_ECHO);
	} else if (p->icmp_echo_reply) {
		if (!group)
			on_answer(d, &p->dst, &p->src, KIND_ECHO, false, false, 0);
	} else if (p->nd_solicit) {
		if (ip_is_special(&p->src)) {
			if (memcmp(&p->src, &(struct ip_addr){ { 0 } }, sizeof(p->src)) == 0)
				on_dad(d, p);   /* from :: : duplicate address detection */
			return;
		}
		if (memcmp(&p->src, &p->nd_target, sizeof(p->src)) != 0 &&
		    !ip_is_special(&p->nd_target))
			lookup_probe(d, p, &p->nd_target, KIND_NEIGH);
	} else if (p->nd_advert) {
		/* A solicited advertisement goes back to the solicitor. */
		if (!group)
			on_answer(d, &p->dst, &p->nd_target, KIND_NEIGH, false, false, 0);
	}
}

/*
 * The exploit signature a packet matches, or NULL. Read when the packet
 * comes, batched or not: it is the one engine that reads the payload, and
 * its state (sequences per connection) is its own.
 */
static const char *
packet_signature(struct detector *d, const struct pkt *p)
{
	if (p->l3 == L3_ARP || (p->proto == IPPROTO_NUM_ICMPV6 && p->nd_solicit) ||
	    ip_is_special(&p->src))
		return NULL;
	return sig_match(d->sigs, p, d->now_ms);
}

/*
 * What the engines do with a decoded packet, `sig` its packet_signature.
 * Out of line: the common path (decode, clock, a segment nobody reads) then
 * keeps few registers and no frame of its own to set up.
 */
static __attribute__((noinline)) void
packet_engines(struct detector *d, const struct pkt *p, const char *sig)
{
	bool group;

	if (p->l3 == L3_ARP) {
		on_arp(d, p);
		return;
	}
	if (p->proto == IPPROTO_NUM_ICMPV6 && p->nd_solicit) {
		on_icmp(d, p, true);   /* from :: (DAD) or to a solicited-node group */
		return;
	}
	if (ip_is_special(&p->src))
		return;
	if (sig != NULL)
		on_signature(d, p, sig);
	/* To a group: multicast, broadcast (by address or by link layer), or a
	 * local subnet's directed broadcast. Never a probe; its answers are replies. */
	group = ip_is_special(&p->dst) || p->l2_group || is_directed_broadcast(d, &p->dst);
	switch (p->proto) {
	case IPPROTO_NUM_TCP:
		if (p->has_ports && !group)
			on_tcp(d, p);
		break;
	case IPPROTO_NUM_UDP:
		if (!p->has_ports)
			break;
		if (group)
			query_note(d, p);
		else
			on_udp(d, p);
		if (p->sport == 67 && p->dport == 68)
			on_dhcp_reply(d, src_touch(d, p), p);
		break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		on_icmp(d, p, group);
		break;
	default:
		break;
	}
}

/* ---- batches ------------------------------------------------------------- */

static struct batch_entry *
batch_add(struct detector *d, enum batch_kind kind)
{
	struct batch_entry *e = &d->batch[d->nbatch++];

	e->kind = (uint8_t)kind;
	e->index = d->index;
	e->now_us = d->now_us;
	e->base_us = d->base_us;
	e->now_ms = d->now_ms;
	return e;
}


/*
 * Starts loading the records the engines will look up for `e` (on_probe,
 * on_answer, on_udp, lookup_probe): a connection attempt, ping or ARP
 * request looks up its source and the pair; an answer the reversed pair
 * and, when it accepts, the prober (its destination). A datagram may be
 * either; a probe to an exposed port also looks up its fan-out record.
 * Hashing costs a little; waiting for each of these misses one after the
 * other costs far more. While a batch runs, the engines leave
 * these lookups unprefetched (track_table.staged).
 */
static void
batch_prefetch(const struct detector *d, struct batch_entry *e)
{
	const struct pkt *p = &e->p;
	struct pair_key k;
	unsigned want = 0, f;

	if (e->kind != BATCH_PACKET)
		return;
	if (p->l3 == L3_ARP) {
		want = p->arp_op == 1 ? LOOKUP_SRC | LOOKUP_FWD : LOOKUP_REV;
	} else if (p->proto == IPPROTO_NUM_TCP && p->has_ports) {
		f = p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST);
		if (f == TCPF_SYN)
			want = LOOKUP_SRC | LOOKUP_FWD | LOOKUP_FAN;
		else if (f == (TCPF_SYN | TCPF_ACK))
			want = LOOKUP_REV | LOOKUP_DST;
		else if (f & TCPF_RST)
			want = LOOKUP_REV;
	} else if (p->proto == IPPROTO_NUM_UDP && p->has_ports) {
		want = LOOKUP_REV | LOOKUP_SRC | LOOKUP_FWD | LOOKUP_FAN;
	} else if (p->icmp_echo_request) {
		want = LOOKUP_SRC | LOOKUP_FWD;
	} else if (p->icmp_echo_reply) {
		want = LOOKUP_REV;
	}
	if (!(d->port_class[p->dport] & PORT_EXPOSED_MASK))
		want &= ~(unsigned)LOOKUP_FAN;
	e->lookups = (uint8_t)want;
	if (want & LOOKUP_SRC) {
		e->h_src = track_hash(&d->srcs, &p->src);
		track_prefetch(&d->srcs, e->h_src);
	}
	if (want & LOOKUP_DST) {
		e->h_dst = track_hash(&d->srcs, &p->dst);
		track_prefetch(&d->srcs, e->h_dst);
	}
	if (want & LOOKUP_FWD) {
		k.src = p->src;
		k.dst = p->dst;
		e->h_fwd = track_hash(&d->pairs, &k);
		track_prefetch(&d->pairs, e->h_fwd);
	}
	if (want & LOOKUP_REV) {
		k.src = p->dst;
		k.dst = p->src;
		e->h_rev = track_hash(&d->pairs, &k);
		track_prefetch(&d->pairs, e->h_rev);
	}
	if (want & LOOKUP_FAN) {
		struct fan_key fk;
		memset(&fk, 0, sizeof(fk));
		fk.src = p->src;
		fk.port = p->dport;
		fk.proto = p->proto;
		e->h_fan = track_hash(&d->fans, &fk);
		track_prefetch(&d->fans, e->h_fan);
	}
}

/* Runs what the batch holds, in order, each entry at its own clock. */
static void
batch_run(struct detector *d)
{
	uint64_t now_us = d->now_us, base_us = d->base_us, index = d->index;
	uint32_t now_ms = d->now_ms, n = d->nbatch, i;

	d->nbatch = 0;
	d->batch_running = true;
	/* batch_prefetch has loaded what the engines look up first: their own
	 * prefetches would only take room for misses again. */
	d->srcs.staged = d->pairs.staged = d->fans.staged = true;
	for (i = 0; i < n && i < BATCH_PREFETCH; i++)
		batch_prefetch(d, &d->batch[i]);
	for (i = 0; i < n; i++) {
		const struct batch_entry *e = &d->batch[i];

		if (i + BATCH_PREFETCH < n)
			batch_prefetch(d, &d->batch[i + BATCH_PREFETCH]);
		d->index = e->index;
		d->now_us = e->now_us;
		d->base_us = e->base_us;
		d->now_ms = e->now_ms;
		if (e->kind == BATCH_PACKET) {
			d->running = e;
			packet_engines(d, &e->p, e->sig);
			d->running = NULL;
		} else {
			clock_effects(d, (enum clock_move)e->move);
		}
	}
	d->srcs.staged = d->pairs.staged = d->fans.staged = false;
	d->batch_running = false;
	d->index = index;
	d->now_us = now_us;
	d->base_us = base_us;
	d->now_ms = now_ms;
}

static void
batch_add_clock(struct detector *d, enum clock_move m)
{
	if (d->nbatch == BATCH_CAP) {
		batch_run(d);
		clock_effects(d, m);
		return;
	}
	batch_add(d, BATCH_CLOCK)->move = (uint8_t)m;
}

static void
batch_add_packet(struct detector *d, const struct pkt *p, const char *sig)
{
	struct batch_entry *e;

	if (d->nbatch == BATCH_CAP)
		batch_run(d);
	e = batch_add(d, BATCH_PACKET);
	e->p = *p;
	e->p.payload = NULL;
	e->sig = sig;
}

int
detector_set_batching(struct detector *d, bool on)
{
	if (d->batch_running)
		return -1;
	if (d->nbatch > 0)
		batch_run(d);
	if (!on) {
		if (d->batch != NULL)
			d->st.memory_bytes -= BATCH_CAP * sizeof(*d->batch);
		free(d->batch);
		d->batch = NULL;
		return 0;
	}
	if (d->batch == NULL) {
		d->batch = calloc(BATCH_CAP, sizeof(*d->batch));
		if (d->batch == NULL)
			return -1;
		d->st.memory_bytes += BATCH_CAP * sizeof(*d->batch);
	}
	return 0;
}

void
detector_flush(struct detector *d)
{
	if (d->nbatch > 0)
		batch_run(d);
}

/* ---- packets --------------------------------------------------------------- */

/*
 * A packet that is not a segment of an established connection in the
 * commonest frame: decoded whole, and given to the engines (or to the
 * batch) if they may want it. Out of line: detector_packet's own path then
 * saves no registers.
 */
static __attribute__((noinline)) void
packet_decode(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint64_t ts_us, uint64_t index)
{
	struct pkt p;
	enum decode_status st;
	const char *sig;

	st = decode_frame(linktype, frame, caplen, &p);
	d->st.decode[st]++;
	if (st != DECODE_OK)
		return;
	d->index = index;
	clock_packet(d, ts_us);

	/* The same segments in other frames (tagged, other links, IPv6). */
	if (p.proto == IPPROTO_NUM_TCP && !(p.tcp_flags & (TCPF_SYN | TCPF_RST)) &&
	    !(p.payload_len != 0 && sig_tcp_port(p.dport)))
		return;
	sig = packet_signature(d, &p);
	/* A segment read only for a signature, which it did not match. */
	if (sig == NULL && p.proto == IPPROTO_NUM_TCP && !(p.tcp_flags & (TCPF_SYN | TCPF_RST)))
		return;
	/* A DHCP acknowledgement's options are read by the engines (the
	 * subnet it hands out): it runs at once, after what is batched. */
	if (d->batch != NULL &&
	    !(p.proto == IPPROTO_NUM_UDP && p.sport == 67 && p.dport == 68)) {
		batch_add_packet(d, &p, sig);
		return;
	}
	detector_flush(d);
	packet_engines(d, &p, sig);
}

void
detector_packet(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t index)
{
	struct tcp_peek tp;

	d->st.packets++;
	d->st.bytes += wirelen;
	/*
	 * Most packets are TCP segments of established connections: no SYN, no
	 * RST (on_tcp ignores them) and not to a server port an exploit
	 * signature reads. Nothing in packet_engines would look at them, and
	 * the commonest frame of them is told from a few bytes.
	 */
	if (decode_tcp_peek(linktype, frame, caplen, &tp) &&
	    !(tp.flags & (TCPF_SYN | TCPF_RST)) &&
	    !(tp.payload_len != 0 && sig_tcp_port(tp.dport))) {
		d->st.decode[DECODE_OK]++;
		d->index = index;
		clock_packet(d, ts_us);
		return;
	}
	packet_decode(d, linktype, frame, caplen, ts_us, index);
}

void
detector_tick(struct detector *d, uint64_t ts_us)
{
	detector_flush(d);
	if (d->started)
		clock_advance(d, ts_us);
}

uint64_t
detector_next_deadline(struct detector *d)
{
	uint32_t i, best = 0;
	bool found = false;

	detector_flush(d);
	if (!d->started)
		return 0;
	/*
	 * The wheel's slots in order from its position. A slot holds the
	 * deadlines of its 4 ms in this turn and in later ones; once the
	 * earliest found lies within the slots seen so far, no later slot
	 * holds an earlier one.
	 */
	for (i = 0; i < WHEEL_SLOTS; i++) {
		uint32_t slot = (d->wheel_ms / WHEEL_MS + i) % WHEEL_SLOTS, idx;
		for (idx = d->wheel[slot]; idx != PEND_NONE; idx = d->pend[idx].next) {
			uint32_t at = d->pend[idx].deadline_ms;
			if (!found || (int32_t)(at - best) < 0) {
				best = at;
				found = true;
			}
		}
		if (found && (int32_t)(best - (d->wheel_ms + (i + 1) * WHEEL_MS)) < 0)
			break;
	}
	if (!found)
		return 0;
	/* now_ms reaches `best` at the start of that millisecond. One due
	 * already waits for the next millisecond, when the slot under way
	 * runs again. */
	if ((int32_t)(best - d->now_ms) <= 0)
		return d->next_ms_us;
	return d->next_ms_us - 1000 + (uint64_t)(best - d->now_ms) * 1000;
}

void
detector_finish(struct detector *d)
{
	uint64_t horizon;

	detector_flush(d);
	if (!d->started)
		return;
	/* Nothing can answer once the capture has ended: let every pending
	 * first contact reach its deadline (the longest is trw.timeout). */
	horizon = ((uint64_t)d->cfg.trw_timeout_ms + 2 * WHEEL_MS) * 1000;
	clock_advance(d, d->now_us + horizon);
}

void
detector_get_stats(struct detector *d, struct detector_stats *s)
{
	detector_flush(d);
	*s = d->st;
	s->sources_tracked = d->srcs.live;
	s->evictions_sources = d->srcs.evictions;
	s->evictions_pairs = d->pairs.evictions;
	s->evictions_fanout = d->fans.evictions;
	s->evictions_queries = d->queries.evictions;
	s->evictions_services = d->svcs.evictions;
	s->services_tracked = d->svcs.live;
	s->evictions = s->evictions_sources + s->evictions_pairs + s->evictions_fanout +
	    s->evictions_queries + s->evictions_services;
	s->answer_samples = d->delays.samples;
	s->timeout_ms = d->cfg.trw_adaptive ? (d->delays.all.timeout_ms ?
	    d->delays.all.timeout_ms : d->delays.max_timeout_ms) : d->cfg.trw_timeout_ms;
}

/* ---- the asset list ---------------------------------------------------------- */

/* Whether a record was active since the last report and has not expired. */
static bool
seen_due(const struct detector *d, uint32_t last_ms)
{
	return (int32_t)(last_ms - d->seen_since_ms) >= 0 &&
	    d->now_ms - last_ms <= d->cfg.source_idle_ms;
}

/*
 * Fills h's services with the host's live service records, looked up by
 * (exposed port, protocol): at most 2 * DETCFG_MAX_PORTS lookups, no walk of
 * the table. Returns the first record found that is due for a report (NULL:
 * none), which stands for the host in report_seen's walk of the service table.
 */
static const struct svc_rec *
seen_services(struct detector *d, const struct ip_addr *host, struct seen_host *h)
{
	static const uint8_t protos[2] = { IPPROTO_NUM_TCP, IPPROTO_NUM_UDP };
	const struct svc_rec *first = NULL;
	struct svc_key k;
	unsigned pi, j;

	h->nservices = 0;
	if (d->svcs.live == 0)
		return NULL;
	memset(&k, 0, sizeof(k));
	k.host = *host;
	for (j = 0; j < 2; j++) {
		k.proto = protos[j];
		for (pi = 0; pi < d->cfg.nports && h->nservices < SEEN_MAX_SERVICES; pi++) {
			const struct svc_rec *r;
			struct seen_service *sv;
			k.port = d->cfg.ports[pi].port;
			r = track_find(&d->svcs, &k, track_hash(&d->svcs, &k), d->now_ms);
			if (r == NULL)
				continue;
			if (first == NULL && seen_due(d, r->last_ms))
				first = r;
			sv = &h->services[h->nservices++];
			sv->proto = k.proto;
			sv->port = k.port;
			sv->first_seen_us = ms_to_us(d, r->first_ms);
			sv->last_seen_us = ms_to_us(d, r->last_ms);
		}
	}
	return first;
}

static void
report_seen(struct detector *d)
{
	size_t slot, n = track_capacity(&d->srcs);
	struct seen_host h;

	for (slot = 0; slot < n; slot++) {
		const struct src_rec *s;
		if (!track_slot_live(&d->srcs, (uint32_t)slot))
			continue;
		s = track_rec_at(&d->srcs, (uint32_t)slot);
		if (!seen_due(d, s->last_ms))
			continue;
		memset(&h, 0, sizeof(h));
		h.ip = s->addr;
		h.has_mac = (s->flags & SRC_HAS_MAC) != 0;
		memcpy(h.mac, s->mac, 6);
		h.vlan = s->vlan;
		h.time_us = d->now_us;
		h.first_seen_us = ms_to_us(d, s->first_ms);
		h.last_seen_us = ms_to_us(d, s->last_ms);
		seen_services(d, &s->addr, &h);
		d->seen_fn(d->seen_arg, &h);
	}
	/*
	 * Hosts that only answer (servers) have no source record: a host with
	 * a service active since the last report is reported from its first
	 * service record, once, unless its source record was reported above.
	 */
	n = track_capacity(&d->svcs);
	for (slot = 0; d->svcs.live > 0 && slot < n; slot++) {
		const struct svc_rec *r;
		const struct src_rec *s;
		uint64_t first_us = UINT64_MAX, last_us = 0;
		unsigned i;
		if (!track_slot_live(&d->svcs, (uint32_t)slot))
			continue;
		r = track_rec_at(&d->svcs, (uint32_t)slot);
		if (!seen_due(d, r->last_ms))
			continue;
		s = src_find(d, &r->key.host);
		if (s != NULL && seen_due(d, s->last_ms))
			continue;
		memset(&h, 0, sizeof(h));
		if (seen_services(d, &r->key.host, &h) != r)
			continue;       /* reported from the host's first record */
		for (i = 0; i < h.nservices; i++) {
			if (h.services[i].first_seen_us < first_us)
				first_us = h.services[i].first_seen_us;
			if (h.services[i].last_seen_us > last_us)
				last_us = h.services[i].last_seen_us;
		}
		h.ip = r->key.host;
		h.has_mac = r->has_mac != 0;
		memcpy(h.mac, r->mac, 6);
		h.vlan = r->vlan;
		h.time_us = d->now_us;
		h.first_seen_us = first_us;
		h.last_seen_us = last_us;
		d->seen_fn(d->seen_arg, &h);
	}
	d->seen_since_ms = d->now_ms;   /* a source touched in this very ms may be reported twice: harmless */
}

void
detector_set_seen_report(struct detector *d, detector_seen_fn fn, void *arg)
{
	/* What is due in the batch goes to the callback that was set then. */
	detector_flush(d);
	d->seen_fn = fn;
	d->seen_arg = arg;
}

void
detector_report_seen(struct detector *d)
{
	detector_flush(d);
	if (d->seen_fn != NULL && d->started)
		report_seen(d);
}
