/* SPDX-License-Identifier: ISC */
/*
 * detector_priv: what the detector's three files share, and no one else.
 *
 *   detector.c  the public API: a detector's life, the capture clock, the
 *               packets' way in (decoding, batching), statistics and the
 *               asset list;
 *   probes.c    what a decoded packet starts: probes, answers, sweeps,
 *               signatures, DHCP and the local subnets;
 *   contacts.c  what first contacts come to (answered, rejected, unanswered
 *               by their deadline), the records they are kept in, and the
 *               verdicts and reports that follow.
 *
 * Calls go one way: detector.c -> probes.c -> contacts.c (detector.c also
 * calls contacts.c for the deadlines and the records), never back.
 */
#ifndef CORDON_DETECTOR_PRIV_H
#define CORDON_DETECTOR_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "delay.h"
#include "detector.h"
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

/* Sets a fan-out key, padding included (keys are hashed and compared whole). */
static inline void
fan_key_set(struct fan_key *k, const struct ip_addr *src, uint16_t port, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	k->src = *src;
	k->port = port;
	k->proto = proto;
}

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
/* Every table's key fits the tables' hash (track_init refuses longer ones). */
_Static_assert(sizeof(struct ip_addr) <= TRACK_KEY_MAX && sizeof(struct pair_key) <= TRACK_KEY_MAX &&
    sizeof(struct fan_key) <= TRACK_KEY_MAX && sizeof(struct query_key) <= TRACK_KEY_MAX &&
    sizeof(struct claim_key) <= TRACK_KEY_MAX && sizeof(struct svc_key) <= TRACK_KEY_MAX,
    "a table's key is longer than TRACK_KEY_MAX");

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
	/*
	 * st.packets and st.bytes, counted here (detector_get_stats copies them):
	 * apart, because the compiler turns two adds to neighbours into seven
	 * vector instructions on every packet, where two scalar ones do.
	 */
	uint64_t packets;
	struct batch_entry *batch;   /* owned: BATCH_CAP entries when batching, else NULL */
	const struct batch_entry *running; /* in `batch`: the packet batch_run is running, else NULL */
	uint32_t nbatch;
	bool batch_running;          /* batch_run is under way (its callbacks may not end the batch) */
	detector_seen_fn seen_fn;
	void *seen_arg;              /* borrowed */
	uint32_t seen_since_ms;      /* sources touched since then are due */
	uint32_t next_seen_ms;
	int linktype;                /* detector_frame's frames (DECODE_LINK_*) */
	uint64_t bytes;              /* see `packets` */
	struct detector_stats st;
	uint8_t port_class[65536];   /* 1 + exposed port index, | PORT_DISCOVERY */
};

static inline void
sat_inc16(uint16_t *v)
{
	if (*v != UINT16_MAX)
		(*v)++;
}

static inline void
sat_inc8(uint8_t *v)
{
	if (*v != UINT8_MAX)
		(*v)++;
}

/* Takes one back from a window count: from the current window if it has any. */
static inline void
wc_dec(struct wincount *c)
{
	if (c->cur > 0)
		c->cur--;
	else if (c->prev > 0)
		c->prev--;
}

/* The capture time (us) of millisecond `ms` of the clock, or its start if older. */
static inline uint64_t
ms_to_us(const struct detector *d, uint32_t ms)
{
	uint32_t ago = d->now_ms - ms;
	uint64_t now_ms64 = (d->now_us - d->base_us) / 1000;

	if (ago > now_ms64)
		return d->base_us;
	return d->base_us + (now_ms64 - ago) * 1000;
}


/* The previous window's count weighted by how much of it still overlaps. */
static inline uint32_t
win_estimate(const struct wincount *c, uint32_t now, uint32_t win)
{
	uint32_t into = now % win;

	return c->cur + (uint32_t)((uint64_t)c->prev * (win - into) / win);
}

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

static inline void
det_init(struct detection *det, enum det_engine e)
{
	memset(det, 0, sizeof(*det));
	det->engine = e;
}

/* ---- across the files (see the top) ---- */

/* probes.c */
void packet_engines(struct detector *d, const struct pkt *p, const char *sig);

/* contacts.c */
void wheel_reset(struct detector *d);
void wheel_advance(struct detector *d);
void pending_start(struct detector *d, struct pair_rec *pr, enum contact_kind kind,
    const struct ip_addr *dst);
struct src_rec *src_touch_hashed(struct detector *d, const struct pkt *p, uint64_t hash);
struct src_rec *src_touch(struct detector *d, const struct pkt *p);
struct pair_rec *pair_get_hashed(struct detector *d, const struct pair_key *k, uint64_t hash);
void query_note(struct detector *d, const struct pkt *p);
bool query_answered(struct detector *d, const struct pkt *p);
void report_detection(struct detector *d, struct src_rec *s, struct detection *det);
struct fan_rec *fan_get(struct detector *d, const struct ip_addr *src, uint16_t port, uint8_t proto);
void on_answer(struct detector *d, const struct ip_addr *prober,
    const struct ip_addr *responder, enum contact_kind kind, bool rejected,
    bool has_port, uint16_t port);
void src_roll(struct detector *d, struct src_rec *s);

/* Small: inline wherever they are called. */

static inline struct src_rec *
src_find(struct detector *d, const struct ip_addr *a)
{
	return track_find(&d->srcs, a, track_hash(&d->srcs, a), d->now_ms);
}

static inline struct pair_rec *
pair_get(struct detector *d, const struct ip_addr *src, const struct ip_addr *dst)
{
	struct pair_key k;

	k.src = *src;
	k.dst = *dst;
	return pair_get_hashed(d, &k, pair_hash(d, &k, src, dst));
}

static inline struct pair_rec *
pair_find(struct detector *d, const struct ip_addr *src, const struct ip_addr *dst)
{
	struct pair_key k;

	k.src = *src;
	k.dst = *dst;
	return track_find(&d->pairs, &k, pair_hash(d, &k, src, dst), d->now_ms);
}

/*
 * The exploit signature a packet matches, or NULL. Read when the packet
 * comes, batched or not: it is the one engine that reads the payload, and
 * its state (sequences per connection) is its own.
 */
static inline const char *
packet_signature(struct detector *d, const struct pkt *p)
{
	if (p->l3 == L3_ARP || (p->proto == IPPROTO_NUM_ICMPV6 && p->nd_solicit) ||
	    ip_is_special(&p->src))
		return NULL;
	return sig_match(d->sigs, p, d->now_ms);
}

#endif
