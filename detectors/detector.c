#include "detector.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/* A sliding-window distinct count: the current and the previous window. */
struct wincount {
	uint16_t cur, prev;
};

#define SRC_HAS_MAC 0x01
#define SRC_LAST_UDP 0x02   /* last_dport is a UDP port (else TCP) */

struct src_rec {
	uint32_t last_ms;
	struct ip_addr addr;        /* key */
	uint8_t mac[6];
	int16_t vlan;
	uint32_t first_ms;
	uint32_t trw_first_ms;      /* first contact of the current walk */
	uint32_t win_epoch;         /* sweep window number of icmp/arp */
	uint32_t alert_ms;          /* start of the current alert interval */
	float trw_llr;
	uint16_t trw_probes;
	uint16_t trw_failures;
	struct wincount icmp;       /* distinct echo destinations */
	struct wincount arp;        /* distinct ARP targets */
	uint16_t last_dport;
	uint8_t alerted;            /* engines reported in this alert interval */
	uint8_t flags;
};
_Static_assert(sizeof(struct src_rec) == 64, "source record must stay at 64 bytes");

struct pair_key {
	struct ip_addr src, dst;
};

#define PAIR_CONTACT 0x01   /* a TCP/UDP first contact was seen */
#define PAIR_ICMP 0x02      /* an ICMP echo request was seen */
#define PAIR_ARP 0x04       /* an ARP who-has was seen */

enum pair_trw { PAIR_TRW_NONE = 0, PAIR_TRW_PENDING, PAIR_TRW_ANSWERED, PAIR_TRW_FAILED };

struct pair_rec {
	uint32_t last_ms;
	struct pair_key key;
	uint32_t vs_start_ms;       /* vertical-scan window start */
	uint64_t probed;            /* ports probed, by port % VSCAN_SLOTS */
	uint64_t answered;          /* ports that answered (open) */
	uint32_t probe_ms;          /* time of the pending first contact */
	uint16_t exposed;           /* exposed ports probed, by index in cfg.ports */
	uint8_t kinds;
	uint8_t trw_state;
};
_Static_assert(sizeof(struct pair_rec) == 64, "pair record must stay at 64 bytes");

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
	struct wincount dsts;
	uint32_t first_ms;
	uint32_t probes;
};
_Static_assert(sizeof(struct fan_rec) == 40, "fan-out record must stay at 40 bytes");

struct pending {
	uint32_t slot;              /* pair table slot */
	uint32_t probe_ms;
};

struct detector {
	struct det_config cfg;
	struct trw_params trw;
	detector_emit_fn emit;
	void *emit_arg;              /* borrowed: the caller's */
	struct track_table srcs, pairs, fans;
	struct sig_state *sigs;      /* owned: the sequence signatures' connections */
	struct pending *ring;        /* owned: FIFO of pending first contacts */
	uint32_t ring_cap, ring_head, ring_len;
	bool started;
	uint64_t base_us, now_us;
	uint32_t now_ms, next_age_ms;
	uint32_t age_slice[3];
	uint64_t index;
	detector_seen_fn seen_fn;
	void *seen_arg;              /* borrowed */
	uint32_t seen_since_ms;      /* sources touched since then are due */
	uint32_t next_seen_ms;
	struct detector_stats st;
	uint8_t port_index[65536];   /* 0, or 1 + index of an exposed port in cfg.ports */
};

static void
sat_inc16(uint16_t *v)
{
	if (*v != UINT16_MAX)
		(*v)++;
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

	return (uint32_t)s->trw_probes + s->icmp.cur + s->arp.cur + (s->alerted ? 1000u : 0);
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

	return (uint32_t)f->dsts.cur + f->dsts.prev;
}

static uint32_t
age_slice(const struct track_table *t, uint32_t idle_ms)
{
	/* Sweep the whole table about once per idle period. */
	uint64_t n = (uint64_t)t->nbuckets * AGE_TICK_MS / idle_ms + 1;
	return n > t->nbuckets ? t->nbuckets : (uint32_t)n;
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
		d->port_index[cfg->ports[i].port] = (uint8_t)(i + 1);
	if (track_init(&d->srcs, cfg->max_sources, sizeof(struct src_rec),
		sizeof(struct ip_addr), cfg->source_idle_ms, cfg->hash_seed) != 0 ||
	    track_init(&d->pairs, cfg->max_pairs, sizeof(struct pair_rec),
		sizeof(struct pair_key), cfg->pair_idle_ms, cfg->hash_seed ^ 0x5bd1e995) != 0 ||
	    track_init(&d->fans, cfg->max_fanout, sizeof(struct fan_rec),
		sizeof(struct fan_key), cfg->fanout_window_ms * 2, cfg->hash_seed ^ 0x9e3779b9) != 0)
		goto fail;
	d->srcs.rank = src_rank;
	d->pairs.rank = pair_rank;
	d->fans.rank = fan_rank;
	d->ring_cap = (uint32_t)track_capacity(&d->pairs);
	d->ring = calloc(d->ring_cap, sizeof(*d->ring));
	d->sigs = sig_new(cfg->hash_seed ^ 0xc2b2ae35);
	if (d->ring == NULL || d->sigs == NULL)
		goto fail;
	d->age_slice[0] = age_slice(&d->srcs, cfg->source_idle_ms);
	d->age_slice[1] = age_slice(&d->pairs, cfg->pair_idle_ms);
	d->age_slice[2] = age_slice(&d->fans, cfg->fanout_window_ms * 2);
	d->st.memory_bytes = sizeof(*d) + track_bytes(&d->srcs) +
	    track_bytes(&d->pairs) + track_bytes(&d->fans) +
	    (uint64_t)d->ring_cap * sizeof(*d->ring) + sig_bytes(d->sigs);
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
	free(d->ring);
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

static void trw_outcome(struct detector *d, struct pair_rec *pr, bool failure);

static void
expire_pending(struct detector *d)
{
	while (d->ring_len > 0) {
		struct pending pe = d->ring[d->ring_head];
		struct pair_rec *pr;

		if (d->now_ms - pe.probe_ms < d->cfg.trw_timeout_ms)
			break;
		d->ring_head = (d->ring_head + 1) % d->ring_cap;
		d->ring_len--;
		if (!track_slot_live(&d->pairs, pe.slot))
			continue;
		pr = track_rec_at(&d->pairs, pe.slot);
		/* The slot may hold another pair by now: only its own probe counts. */
		if (pr->trw_state != PAIR_TRW_PENDING || pr->probe_ms != pe.probe_ms)
			continue;
		trw_outcome(d, pr, true);
	}
}

static void
ring_push(struct detector *d, struct pair_rec *pr)
{
	uint32_t tail;

	if (d->ring_len == d->ring_cap) {
		/* Full: forget the oldest; its pair simply never times out. */
		d->ring_head = (d->ring_head + 1) % d->ring_cap;
		d->ring_len--;
		d->st.timeouts_dropped++;
	}
	tail = (d->ring_head + d->ring_len) % d->ring_cap;
	d->ring[tail].slot = track_slot_of(&d->pairs, pr);
	d->ring[tail].probe_ms = pr->probe_ms;
	d->ring_len++;
}

static void
reset_state(struct detector *d)
{
	track_clear(&d->srcs);
	track_clear(&d->pairs);
	track_clear(&d->fans);
	d->ring_head = d->ring_len = 0;
}

static void report_seen(struct detector *d);

static void
clock_advance(struct detector *d, uint64_t ts_us)
{
	if (!d->started || ts_us > d->now_us + CLOCK_JUMP_US) {
		if (d->started) {
			reset_state(d);
			d->st.clock_resets++;
		}
		d->started = true;
		d->base_us = d->now_us = ts_us;
		d->now_ms = 0;
		d->next_age_ms = AGE_TICK_MS;
		d->seen_since_ms = 0;
		d->next_seen_ms = d->cfg.seen_interval_ms;
		return;
	}
	if (ts_us <= d->now_us)
		return;
	d->now_us = ts_us;
	d->now_ms = (uint32_t)((ts_us - d->base_us) / 1000);
	expire_pending(d);
	if ((int32_t)(d->now_ms - d->next_age_ms) >= 0) {
		track_age(&d->srcs, d->now_ms, d->age_slice[0]);
		track_age(&d->pairs, d->now_ms, d->age_slice[1]);
		track_age(&d->fans, d->now_ms, d->age_slice[2]);
		d->next_age_ms = d->now_ms + AGE_TICK_MS;
	}
	if (d->seen_fn != NULL && d->cfg.seen_interval_ms != 0 &&
	    (int32_t)(d->now_ms - d->next_seen_ms) >= 0) {
		report_seen(d);
		d->next_seen_ms = d->now_ms + d->cfg.seen_interval_ms;
	}
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

/* ---- records --------------------------------------------------------------- */

static struct src_rec *
src_touch(struct detector *d, const struct pkt *p)
{
	int created;
	struct src_rec *s = track_get(&d->srcs, &p->src, d->now_ms, &created);

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

static struct pair_rec *
pair_get(struct detector *d, const struct ip_addr *src, const struct ip_addr *dst)
{
	struct pair_key k;
	struct pair_rec *pr;
	int created;

	k.src = *src;
	k.dst = *dst;
	pr = track_get(&d->pairs, &k, d->now_ms, &created);
	pr->last_ms = d->now_ms;
	if (created)
		pr->vs_start_ms = d->now_ms;
	return pr;
}

static struct pair_rec *
pair_find(struct detector *d, const struct ip_addr *src, const struct ip_addr *dst)
{
	struct pair_key k;

	k.src = *src;
	k.dst = *dst;
	return track_find(&d->pairs, &k, track_hash(&d->pairs, &k), d->now_ms);
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
trw_outcome(struct detector *d, struct pair_rec *pr, bool failure)
{
	struct src_rec *s;
	struct detection det;
	enum trw_verdict v;

	pr->trw_state = failure ? PAIR_TRW_FAILED : PAIR_TRW_ANSWERED;
	s = track_find(&d->srcs, &pr->key.src, track_hash(&d->srcs, &pr->key.src),
	    d->now_ms);
	if (s == NULL)
		return;     /* the source was evicted: its walk is gone with it */
	if (failure)
		sat_inc16(&s->trw_failures);
	v = trw_update(&d->trw, &s->trw_llr, failure);
	if (v == TRW_PENDING)
		return;
	if (v == TRW_SCANNER) {
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
	/* A verdict ends the walk: the next first contact starts a new one. */
	s->trw_probes = 0;
	s->trw_failures = 0;
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

static void
fanout_probe(struct detector *d, struct src_rec *s, struct pair_rec *pr,
    const struct pkt *p, unsigned pi)
{
	struct fan_key k;
	struct fan_rec *fr;
	struct detection det;
	uint32_t est;
	int created;

	memset(&k, 0, sizeof(k));
	k.src = p->src;
	k.port = p->dport;
	k.proto = p->proto;
	fr = track_get(&d->fans, &k, d->now_ms, &created);
	fr->last_ms = d->now_ms;
	if (created) {
		fr->first_ms = d->now_ms;
		fr->epoch = d->now_ms / d->cfg.fanout_window_ms;
	}
	win_roll(&fr->epoch, &fr->dsts, 1, d->now_ms, d->cfg.fanout_window_ms);
	if (fr->probes != UINT32_MAX)
		fr->probes++;
	if (pr->exposed & (1u << pi))
		return;
	pr->exposed |= (uint16_t)(1u << pi);
	sat_inc16(&fr->dsts.cur);
	est = win_estimate(&fr->dsts, d->now_ms, d->cfg.fanout_window_ms);
	if (est < d->cfg.ports[pi].threshold)
		return;
	det_init(&det, ENGINE_FANOUT);
	det.proto = p->proto;
	det.has_dport = true;
	det.dport = p->dport;
	det.probes = fr->probes;
	det.failures = s->trw_failures;
	det.distinct_dsts = est;
	det.first_seen_us = ms_to_us(d, fr->first_ms);
	report(d, s, &det);
}

/* A TCP SYN or a UDP datagram that is not a reply: a connection attempt. */
static void
on_probe(struct detector *d, const struct pkt *p)
{
	struct src_rec *s = src_touch(d, p);
	struct pair_rec *pr = pair_get(d, &p->src, &p->dst);
	unsigned pi;

	s->last_dport = p->dport;
	if (p->proto == IPPROTO_NUM_UDP)
		s->flags |= SRC_LAST_UDP;
	else
		s->flags &= (uint8_t)~SRC_LAST_UDP;
	if (!(pr->kinds & PAIR_CONTACT)) {
		pr->kinds |= PAIR_CONTACT;
		if (s->trw_probes == 0)
			s->trw_first_ms = d->now_ms;
		sat_inc16(&s->trw_probes);
		pr->trw_state = PAIR_TRW_PENDING;
		pr->probe_ms = d->now_ms;
		ring_push(d, pr);
	}
	vscan_probe(d, s, pr, p);
	pi = d->port_index[p->dport];
	if (pi != 0)
		fanout_probe(d, s, pr, p, pi - 1);
}

/* An answer from `responder` to `prober`'s first contact. */
static void
on_answer(struct detector *d, const struct ip_addr *prober,
    const struct ip_addr *responder, bool failure, bool has_port, uint16_t port)
{
	struct pair_rec *pr = pair_find(d, prober, responder);

	if (pr == NULL)
		return;
	pr->last_ms = d->now_ms;
	if (!failure && has_port)
		pr->answered |= 1ULL << (port % VSCAN_SLOTS);
	if (pr->trw_state == PAIR_TRW_PENDING)
		trw_outcome(d, pr, failure);
}

static void
on_tcp(struct detector *d, const struct pkt *p)
{
	uint8_t f = p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST);

	if (f == TCPF_SYN)
		on_probe(d, p);
	else if (f == (TCPF_SYN | TCPF_ACK))
		on_answer(d, &p->dst, &p->src, false, true, p->sport);
	else if (f & TCPF_RST)
		on_answer(d, &p->dst, &p->src, true, false, 0);
}

static void
on_udp(struct detector *d, const struct pkt *p)
{
	struct pair_rec *rev = pair_find(d, &p->dst, &p->src);

	if (rev != NULL && (rev->kinds & PAIR_CONTACT)) {
		on_answer(d, &p->dst, &p->src, false, true, p->sport);
		return;
	}
	/* From a well-known service port to an ephemeral one: a reply whose
	 * request came before the capture started, not a probe. */
	if (p->sport < 1024 && p->dport >= 1024 && d->port_index[p->dport] == 0)
		return;
	on_probe(d, p);
}

static void
sweep_probe(struct detector *d, const struct pkt *p, uint8_t kind)
{
	struct src_rec *s = src_touch(d, p);
	struct pair_rec *pr = pair_get(d, &p->src, &p->dst);
	bool arp = kind == PAIR_ARP;
	struct wincount *c;
	struct detection det;
	uint32_t est, thr;

	if (pr->kinds & kind)
		return;
	pr->kinds |= kind;
	win_roll(&s->win_epoch, &s->icmp, 2, d->now_ms, d->cfg.sweep_window_ms);
	c = arp ? &s->arp : &s->icmp;
	sat_inc16(&c->cur);
	est = win_estimate(c, d->now_ms, d->cfg.sweep_window_ms);
	thr = arp ? d->cfg.arp_sweep_dsts : d->cfg.icmp_sweep_dsts;
	if (est < thr)
		return;
	det_init(&det, arp ? ENGINE_ARP_SWEEP : ENGINE_ICMP_SWEEP);
	det.is_arp = arp;
	det.proto = arp ? 0 : p->proto;
	det.probes = est;
	det.distinct_dsts = est;
	det.first_seen_us = ms_to_us(d, s->first_ms);
	report(d, s, &det);
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

void
detector_packet(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t index)
{
	struct pkt p;
	enum decode_status st;
	const char *sig;

	d->st.packets++;
	d->st.bytes += wirelen;
	st = decode_frame(linktype, frame, caplen, &p);
	d->st.decode[st]++;
	if (st != DECODE_OK)
		return;
	d->index = index;
	clock_advance(d, ts_us);

	if (p.l3 == L3_ARP) {
		if (p.arp_op == 1 && !ip_is_special(&p.src) && !ip_is_special(&p.dst) &&
		    memcmp(&p.src, &p.dst, sizeof(p.src)) != 0)
			sweep_probe(d, &p, PAIR_ARP);
		return;
	}
	if (ip_is_special(&p.src))
		return;
	sig = sig_match(d->sigs, &p, d->now_ms);
	if (sig != NULL)
		on_signature(d, &p, sig);
	switch (p.proto) {
	case IPPROTO_NUM_TCP:
		if (p.has_ports && !ip_is_special(&p.dst))
			on_tcp(d, &p);
		break;
	case IPPROTO_NUM_UDP:
		if (p.has_ports && !ip_is_special(&p.dst))
			on_udp(d, &p);
		break;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		if (p.icmp_error)
			on_answer(d, &p.quoted.src, &p.quoted.dst, true, false, 0);
		else if (p.icmp_echo_request && !ip_is_special(&p.dst))
			sweep_probe(d, &p, PAIR_ICMP);
		break;
	default:
		break;
	}
}

void
detector_get_stats(const struct detector *d, struct detector_stats *s)
{
	*s = d->st;
	s->sources_tracked = d->srcs.live;
	s->evictions_sources = d->srcs.evictions;
	s->evictions_pairs = d->pairs.evictions;
	s->evictions_fanout = d->fans.evictions;
	s->evictions = s->evictions_sources + s->evictions_pairs + s->evictions_fanout;
}

/* ---- the asset list ---------------------------------------------------------- */

static void
report_seen(struct detector *d)
{
	size_t slot, n = track_capacity(&d->srcs);

	for (slot = 0; slot < n; slot++) {
		const struct src_rec *s;
		struct seen_host h;
		if (!track_slot_live(&d->srcs, (uint32_t)slot))
			continue;
		s = track_rec_at(&d->srcs, (uint32_t)slot);
		/* Active since the last report, and not expired. */
		if ((int32_t)(s->last_ms - d->seen_since_ms) < 0 ||
		    d->now_ms - s->last_ms > d->cfg.source_idle_ms)
			continue;
		memset(&h, 0, sizeof(h));
		h.ip = s->addr;
		h.has_mac = (s->flags & SRC_HAS_MAC) != 0;
		memcpy(h.mac, s->mac, 6);
		h.vlan = s->vlan;
		h.time_us = d->now_us;
		h.first_seen_us = ms_to_us(d, s->first_ms);
		h.last_seen_us = ms_to_us(d, s->last_ms);
		d->seen_fn(d->seen_arg, &h);
	}
	d->seen_since_ms = d->now_ms;   /* a source touched in this very ms may be reported twice: harmless */
}

void
detector_set_seen_report(struct detector *d, detector_seen_fn fn, void *arg)
{
	d->seen_fn = fn;
	d->seen_arg = arg;
}

void
detector_report_seen(struct detector *d)
{
	if (d->seen_fn != NULL && d->started)
		report_seen(d);
}
