/* SPDX-License-Identifier: ISC */
/*
 * contacts: what first contacts come to, the records they are kept in, and
 * the verdicts and reports that follow (see detector_priv.h).
 */
#include "detector_priv.h"

#include <string.h>

/* ---- deadlines of first contacts ------------------------------------------- */

void
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
void
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
void
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

/* A source's sweep counters share one window. */
void
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

/* ---- records --------------------------------------------------------------- */

struct src_rec *
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

struct src_rec *
src_touch(struct detector *d, const struct pkt *p)
{
	return src_touch_hashed(d, p, src_hash(d, &p->src));
}

struct pair_rec *
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

void
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
bool
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

void
report_detection(struct detector *d, struct src_rec *s, struct detection *det)
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

/* ---- outcomes and verdicts ---------------------------------------------------- */

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
	report_detection(d, s, &det);
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

struct fan_rec *
fan_get(struct detector *d, const struct ip_addr *src, uint16_t port, uint8_t proto)
{
	struct fan_key k;
	struct fan_rec *fr;
	uint64_t hash;
	int created;

	fan_key_set(&k, src, port, proto);
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
		report_detection(d, s, &det);
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
	report_detection(d, s, &det);
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
void
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

