/* SPDX-License-Identifier: ISC */
/*
 * detector: the public API (detector.h). A detector's life, the capture
 * clock, the packets' way in (decoding, batching), statistics and the asset
 * list; the engines are in probes.c and contacts.c (see detector_priv.h).
 */
#include "detector_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- life ------------------------------------------------------------------ */

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
	d->linktype = DECODE_LINK_ETHERNET;
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

/* ---- the clock ------------------------------------------------------------- */

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
	/* next_ms_us is 0 until the clock has started: no time is before it. */
	if (ts_us < d->next_ms_us) {
		if (ts_us > d->now_us)
			d->now_us = ts_us;
		return;
	}
	clock_advance(d, ts_us);
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


/* A key's hash, and its bucket on its way into the cache. */
static inline uint64_t
hash_and_prefetch(const struct track_table *t, const void *key)
{
	uint64_t hash = track_hash(t, key);

	track_prefetch(t, hash);
	return hash;
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
	struct fan_key fk;
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
	if (want & LOOKUP_SRC)
		e->h_src = hash_and_prefetch(&d->srcs, &p->src);
	if (want & LOOKUP_DST)
		e->h_dst = hash_and_prefetch(&d->srcs, &p->dst);
	if (want & LOOKUP_FWD) {
		k.src = p->src;
		k.dst = p->dst;
		e->h_fwd = hash_and_prefetch(&d->pairs, &k);
	}
	if (want & LOOKUP_REV) {
		k.src = p->dst;
		k.dst = p->src;
		e->h_rev = hash_and_prefetch(&d->pairs, &k);
	}
	if (want & LOOKUP_FAN) {
		fan_key_set(&fk, &p->src, p->dport, p->proto);
		e->h_fan = hash_and_prefetch(&d->fans, &fk);
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
	if (st != DECODE_OK) {
		d->st.decode[st]++;
		return;
	}
	d->index = index;
	clock_packet(d, ts_us);

	/* The same segments in other frames (tagged, other links, IPv6). */
	if (p.proto == IPPROTO_NUM_TCP && !(p.tcp_flags & (TCPF_SYN | TCPF_RST)) &&
	    !sig_tcp_segment(p.dport, p.payload, p.payload_len))
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

/*
 * Most packets are TCP segments of established connections: no SYN, no RST
 * (on_tcp ignores them) and not the start of a request an exploit signature
 * reads (most to its ports are SMB2/3 or the rest of a transfer). Nothing in
 * packet_engines would look at them: the clock moves, and that is all.
 */
static inline __attribute__((always_inline)) bool
segment_passed_over(struct detector *d, const struct tcp_peek *tp,
    uint64_t ts_us, uint64_t index)
{
	if ((tp->flags & (TCPF_SYN | TCPF_RST)) ||
	    sig_tcp_segment(tp->dport, tp->payload, tp->payload_len))
		return false;
	d->index = index;
	clock_packet(d, ts_us);
	return true;
}

/* A frame other than the commonest: the general peek, then as packet_in. */
static __attribute__((noinline)) void
packet_in_other(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint64_t ts_us, uint64_t index)
{
	struct tcp_peek tp;

	if (decode_tcp_peek_general(linktype, frame, caplen, &tp) &&
	    segment_passed_over(d, &tp, ts_us, index))
		return;
	packet_decode(d, linktype, frame, caplen, ts_us, index);
}

/*
 * Every packet's way in (detector_packet, detector_frame). Every way out of
 * it is a return or a tail call, and the commonest frame's peek needs few
 * registers: the path most packets take saves none.
 */
static inline __attribute__((always_inline)) void
packet_in(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t index)
{
	struct tcp_peek tp;

	d->packets++;
	d->bytes += wirelen;
	switch (decode_tcp_peek_common(linktype, frame, caplen, &tp)) {
	case TCP_PEEK_SEGMENT:
		if (segment_passed_over(d, &tp, ts_us, index))
			return;
		break;
	case TCP_PEEK_UNSURE:
		packet_in_other(d, linktype, frame, caplen, ts_us, index);
		return;
	case TCP_PEEK_OTHER:
		break;
	}
	packet_decode(d, linktype, frame, caplen, ts_us, index);
}

void
detector_packet(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t index)
{
	packet_in(d, linktype, frame, caplen, wirelen, ts_us, index);
}

void
detector_set_linktype(struct detector *d, int linktype)
{
	d->linktype = linktype;
}

void
detector_frame(void *arg, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t index)
{
	struct detector *d = arg;

	packet_in(d, d->linktype, frame, caplen, wirelen, ts_us, index);
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
	s->packets = d->packets;
	s->bytes = d->bytes;
	/* Every packet has one outcome: those decoded are not counted one by
	 * one (an increment fewer on every packet). */
	s->decode[DECODE_OK] = s->packets - s->decode[DECODE_UNSUPPORTED] -
	    s->decode[DECODE_TRUNCATED] - s->decode[DECODE_MALFORMED];
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

