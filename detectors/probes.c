/* SPDX-License-Identifier: ISC */
/*
 * probes: what a decoded packet starts (see detector_priv.h).
 */
#include "detector_priv.h"

#include <string.h>

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

/* ---- probes ------------------------------------------------------------------ */

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
	report_detection(d, s, &det);
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
	report_detection(d, s, &det);
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
	report_detection(d, s, &det);
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
 * What the engines do with a decoded packet, `sig` its packet_signature.
 * Out of line: the common path (decode, clock, a segment nobody reads) then
 * keeps few registers and no frame of its own to set up.
 */
__attribute__((noinline)) void
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

