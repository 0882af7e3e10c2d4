/* SPDX-License-Identifier: ISC */
/*
 * gen_capture: writes a synthetic but realistic Ethernet pcap (µs timestamps)
 * for benchmarking cordon-sensor: benign TCP sessions among a few thousand
 * hosts of 10.20.0.0/16, some DNS and ARP, plus a few scanning worms.
 *
 * The output depends only on the options (a fixed-seed PRNG drives every
 * choice), so a capture can be regenerated instead of stored.
 *
 * Traffic:
 * - hosts: distinct random addresses of 10.20.0.0/16; two are DNS resolvers,
 *   about 6% are servers offering one or two services, the rest are clients.
 *   Each client keeps a short list of favourite services (popular servers
 *   are favoured) and opens sessions to them: handshake, one to three
 *   request/response rounds of realistic sizes with delayed ACKs, FIN close.
 *   A few sessions are refused (RST) on a closed port. Clients also ask their
 *   resolver (UDP 53) and now and then ARP for the gateway.
 * - scanners: addresses of the /16 outside the host set, probing tcp/445
 *   and/or tcp/23 (2323) on random addresses of the /16. Most probes get no
 *   answer (half are retransmitted after 1 s), some an ICMP host unreachable
 *   from the gateway, live hosts answer RST (or SYN-ACK where the service
 *   runs, which the scanner resets).
 * Sessions interleave on one capture clock paced at a target packet rate.
 *
 * The scanners' addresses are printed on stdout ("scanner A.B.C.D ...") for
 * the benchmark to check the sensor against.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "pcapw.h"

#define DEFAULT_PACKETS 5000000ULL
#define SMALL_PACKETS 10000ULL
#define DEFAULT_HOSTS 2000
#define DEFAULT_SCANNERS 3
#define DEFAULT_RATE 75000.0          /* packets per second of capture time */
#define SMALL_RATE 2000.0             /* --small: a quiet network, a few seconds long */
#define DEFAULT_SEED 20261122ULL
#define BASE_TIME_S 1700000000ULL     /* 2023-11-14T22:13:20Z */

#define NET_PREFIX 0x0a140000u        /* 10.20.0.0/16 */
#define GATEWAY (NET_PREFIX | 1u)     /* 10.20.0.1 */
#define MAX_FLOWS (1u << 16)          /* concurrent flows; arrivals beyond wait */
#define MSS 1448                      /* 1460 less the timestamp option */
#define SNAPLEN 65535

#define TH_FIN FRAMES_TH_FIN
#define TH_SYN FRAMES_TH_SYN
#define TH_RST FRAMES_TH_RST
#define TH_PSH FRAMES_TH_PSH
#define TH_ACK FRAMES_TH_ACK

/* ---- PRNG ------------------------------------------------------------------ */

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rnd_unit(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static uint32_t
rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd() % ((uint64_t)hi - lo + 1));
}

static bool
rnd_chance(double p)
{
	return rnd_unit() < p;
}

/* Exponentially distributed, of the given mean. */
static double
rnd_exp(double mean)
{
	return -mean * log(1.0 - rnd_unit());
}

/* Skewed towards 0: index n * u^2, so the first entries are the popular ones. */
static uint32_t
rnd_skewed(uint32_t n)
{
	double u = rnd_unit();
	uint32_t i = (uint32_t)(n * u * u);

	return i < n ? i : n - 1;
}

/* ---- network ----------------------------------------------------------------- */

struct service_weight {
	uint16_t port;
	unsigned weight;
};

/* What servers offer, by share; worm ports (445, 135, 1433, 3389) included
 * because benign clients use them too. */
static const struct service_weight services[] = {
	{ 443, 40 }, { 80, 15 }, { 445, 12 }, { 8080, 5 }, { 22, 5 }, { 389, 4 },
	{ 88, 3 }, { 135, 3 }, { 3389, 3 }, { 25, 2 }, { 1433, 2 }, { 5432, 2 },
	{ 3306, 2 }, { 993, 2 },
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

#define MAX_FAVOURITES 8

struct host {
	uint32_t addr;
	uint16_t next_sport;     /* ephemeral ports, handed out in turn */
	uint16_t ip_id;
	uint8_t ttl;
	uint8_t nports;          /* services offered (servers only) */
	uint16_t ports[2];
	uint8_t nfav;            /* favourite services (clients only) */
	struct { uint32_t server; uint16_t port; } fav[MAX_FAVOURITES];
	uint32_t resolver;       /* host index of its DNS resolver */
};

struct scanner {
	uint32_t addr;
	uint16_t next_sport;
	uint16_t ip_id;
	double rate;             /* probes per second */
	unsigned mode;           /* 0: tcp/445, 1: tcp/23 and 2323, 2: both */
	uint64_t probes;
};

/* ---- flows --------------------------------------------------------------------- */

enum flow_kind { FLOW_ARRIVALS, FLOW_SCANNER, FLOW_TCP, FLOW_DNS, FLOW_ARP, FLOW_PROBE };

enum tcp_phase {
	TCP_SYN, TCP_SYNACK, TCP_REFUSED, TCP_ACK3, TCP_XFER, TCP_XFER_ACK,
	TCP_FIN_C, TCP_FIN_S, TCP_LAST_ACK
};

enum probe_phase { PROBE_SYN, PROBE_ANSWER, PROBE_RESET, PROBE_DONE };

/*
 * One flow produces one packet per step; the heap orders flows by the time of
 * their next packet. Which fields matter depends on the kind.
 */
struct flow {
	uint64_t t_us;           /* time of the next packet, from capture start */
	uint8_t kind;
	uint8_t phase;
	uint8_t dir;             /* XFER: 0 client sends, 1 server sends */
	uint8_t segs_unacked;
	uint8_t rounds_left;
	uint8_t retrans_left;
	uint8_t answer;          /* probes: 0 none, 1 RST, 2 SYN-ACK, 3 unreachable */
	uint32_t a, b;           /* client/server (host indexes), scanner/target */
	uint16_t sport, dport;
	uint32_t seq_a, seq_b;   /* next sequence number each way */
	uint32_t bytes_left;     /* of the current transfer */
	uint32_t rtt_us;
	uint32_t pkts;           /* packets written so far */
};

static struct flow flows[MAX_FLOWS];
static uint32_t free_flows[MAX_FLOWS], nfree;
static uint32_t heap[MAX_FLOWS], nheap;

static bool
heap_less(uint32_t x, uint32_t y)
{
	/* Ties go to the lower index so that the order never depends on the heap. */
	if (flows[x].t_us != flows[y].t_us)
		return flows[x].t_us < flows[y].t_us;
	return x < y;
}

static void
heap_push(uint32_t f)
{
	uint32_t i = nheap++;

	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!heap_less(f, heap[up]))
			break;
		heap[i] = heap[up];
		i = up;
	}
	heap[i] = f;
}

static uint32_t
heap_pop(void)
{
	uint32_t top = heap[0], last = heap[--nheap], i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && heap_less(heap[c + 1], heap[c]))
			c++;
		if (!heap_less(heap[c], last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap > 0)
		heap[i] = last;
	return top;
}

static struct flow *
flow_new(uint32_t *idx)
{
	if (nfree == 0)
		return NULL;
	*idx = free_flows[--nfree];
	memset(&flows[*idx], 0, sizeof(flows[*idx]));
	return &flows[*idx];
}

/* ---- the generator ------------------------------------------------------------- */

struct gen {
	struct pcapw out;
	uint64_t max_packets, packets, bytes;
	double rate;
	struct host *hosts;      /* owned */
	uint32_t nhosts, nservers;
	uint16_t *host_of_addr;  /* owned: 65536 entries, 1 + host index or 0 */
	struct scanner *scanners; /* owned */
	uint32_t nscanners;
	uint64_t benign_flows_done, benign_pkts_done;
	uint64_t sessions, refused, dns, arp, arrivals_waited;
	uint64_t probe_pkts;
	uint8_t payload[2 * MSS];   /* filler bytes that segments are cut from */
	uint8_t frame[PCAPW_ETH_LEN + PCAPW_IPV4_LEN + FRAMES_TCP_SYN_LEN + 2 * MSS];
};

static uint32_t
addr_at(uint32_t host_part)
{
	return NET_PREFIX | (host_part & 0xffff);
}

static void
mac_of(uint32_t addr, uint8_t mac[6])
{
	/* Locally administered, derived from the address: stable across runs. */
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(addr >> 24);
	mac[3] = (uint8_t)(addr >> 16);
	mac[4] = (uint8_t)(addr >> 8);
	mac[5] = (uint8_t)addr;
}

static void
write_record(struct gen *g, uint64_t t_us, const uint8_t *frame, uint32_t len)
{
	if (pcapw_write(&g->out, BASE_TIME_S + t_us / 1000000, (uint32_t)(t_us % 1000000),
	    frame, len) != 0) {
		fprintf(stderr, "gen_capture: write: %s\n", strerror(errno));
		exit(1);
	}
	g->packets++;
	g->bytes += len;
}

/* The IPv4 frame header from `src` to `dst`, with the next IP id of the sender. */
static struct frames_ip
ip_hdr(uint32_t src, uint32_t dst, uint8_t ttl, uint16_t *ip_id, uint8_t src_mac[6],
    uint8_t dst_mac[6])
{
	struct frames_ip ip = { dst_mac, src_mac, src, dst, ttl, (*ip_id)++, 0x4000 /* DF */ };

	mac_of(src, src_mac);
	mac_of(dst, dst_mac);
	return ip;
}

static void
write_frame(struct gen *g, uint64_t t_us, size_t len)
{
	if (len == 0) {
		fprintf(stderr, "gen_capture: internal error: frame larger than its buffer\n");
		exit(1);
	}
	write_record(g, t_us, g->frame, (uint32_t)len);
}

/* Writes one TCP segment with `paylen` filler bytes (options as frames_tcp shapes them). */
static void
emit_tcp(struct gen *g, uint64_t t_us, uint32_t src, uint32_t dst, uint8_t ttl,
    uint16_t *ip_id, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    uint8_t flags, uint32_t paylen)
{
	uint8_t smac[6], dmac[6];
	struct frames_ip ip = ip_hdr(src, dst, ttl, ip_id, smac, dmac);
	struct frames_tcp t = { sport, dport, seq, ack, flags,
	    (uint32_t)(t_us / 1000) + (src & 0xffff) * 7919u };

	write_frame(g, t_us, frames_tcp(g->frame, sizeof(g->frame), &ip, &t,
	    g->payload + (seq % MSS), paylen));
}

static void
emit_udp(struct gen *g, uint64_t t_us, uint32_t src, uint32_t dst, uint8_t ttl,
    uint16_t *ip_id, uint16_t sport, uint16_t dport, const uint8_t *payload,
    uint32_t paylen)
{
	uint8_t smac[6], dmac[6];
	struct frames_ip ip = ip_hdr(src, dst, ttl, ip_id, smac, dmac);

	write_frame(g, t_us, frames_udp(g->frame, sizeof(g->frame), &ip, sport, dport,
	    payload, paylen));
}

static void
emit_arp(struct gen *g, uint64_t t_us, uint16_t op, uint32_t sender, uint32_t target)
{
	uint8_t smac[6], tmac[6];

	mac_of(sender, smac);
	mac_of(target, tmac);
	write_frame(g, t_us, frames_arp(g->frame, sizeof(g->frame), op, NULL, smac, sender,
	    tmac, target));
}

/* ICMP host unreachable from the gateway to `src`, quoting its SYN to `dst`. */
static void
emit_unreachable(struct gen *g, uint64_t t_us, uint32_t src, uint32_t dst,
    uint16_t sport, uint16_t dport, uint32_t seq)
{
	static uint16_t gw_id = 1;
	uint8_t quote[28], smac[6], dmac[6];
	struct frames_ip ip = ip_hdr(GATEWAY, src, 255, &gw_id, smac, dmac);

	frames_quote(quote, src, dst, 6, 63, sport, dport, seq, FRAMES_TCP_SYN_LEN);
	write_frame(g, t_us, frames_icmp(g->frame, sizeof(g->frame), &ip, 3 /* unreachable */,
	    1 /* host */, 0, quote, sizeof(quote)));
}

/* ---- benign flows ---------------------------------------------------------------- */

static uint16_t
ephemeral_port(uint16_t *next)
{
	/* Linux's default range, 32768-60999, walked in order. */
	uint16_t p = *next;

	*next = (uint16_t)(p >= 60999 ? 32768 : p + 1);
	return p;
}

/* Request and response sizes of a round: small requests, heavy-tailed responses. */
static uint32_t
request_bytes(uint16_t port)
{
	if (port == 445 && rnd_chance(0.2))
		return rnd_range(4096, 65536);  /* a file write */
	return rnd_range(80, 900);
}

static uint32_t
response_bytes(void)
{
	double r = rnd_unit();

	if (r < 0.5)
		return rnd_range(60, 1200);
	if (r < 0.88)
		return rnd_range(1200, 16000);
	if (r < 0.99)
		return rnd_range(16000, 120000);
	return rnd_range(120000, 400000);
}

static void
start_session(struct gen *g, uint64_t t_us, uint32_t client)
{
	struct host *c = &g->hosts[client];
	uint32_t idx, fi = rnd_skewed(c->nfav);
	struct flow *f = flow_new(&idx);

	if (f == NULL) {
		g->arrivals_waited++;
		return;
	}
	f->kind = FLOW_TCP;
	f->t_us = t_us;
	f->phase = TCP_SYN;
	f->a = client;
	f->b = c->fav[fi].server;
	f->sport = ephemeral_port(&c->next_sport);
	f->dport = c->fav[fi].port;
	f->seq_a = (uint32_t)rnd();
	f->seq_b = (uint32_t)rnd();
	f->rtt_us = rnd_range(150, 2500);
	f->rounds_left = (uint8_t)(rnd_chance(0.7) ? 1 : rnd_range(2, 3));
	/* Now and then a client tries a port its server does not offer. */
	if (rnd_chance(0.004)) {
		f->dport = rnd_chance(0.5) ? 8443 : 8000;
		f->phase = TCP_SYN;
		f->answer = 1;
	}
	g->sessions++;
	heap_push(idx);
}

static void
start_dns(struct gen *g, uint64_t t_us, uint32_t client)
{
	uint32_t idx;
	struct flow *f = flow_new(&idx);

	if (f == NULL) {
		g->arrivals_waited++;
		return;
	}
	f->kind = FLOW_DNS;
	f->t_us = t_us;
	f->a = client;
	/* A client asks its own resolver, and the other one once in a while. */
	f->b = rnd_chance(0.05) ? g->hosts[client].resolver ^ 1 : g->hosts[client].resolver;
	f->sport = ephemeral_port(&g->hosts[client].next_sport);
	f->dport = 53;
	f->seq_a = (uint32_t)rnd();      /* the query id and name choice */
	f->rtt_us = rnd_chance(0.8) ? rnd_range(200, 2000) : rnd_range(5000, 60000);
	g->dns++;
	heap_push(idx);
}

static void
start_arp(struct gen *g, uint64_t t_us, uint32_t client)
{
	uint32_t idx;
	struct flow *f = flow_new(&idx);

	if (f == NULL) {
		g->arrivals_waited++;
		return;
	}
	f->kind = FLOW_ARP;
	f->t_us = t_us;
	f->a = client;
	f->rtt_us = rnd_range(50, 400);
	g->arp++;
	heap_push(idx);
}

static const char *const dns_names[] = {
	"\x03www\x07""example\x03""com", "\x04mail\x04""corp\x05local",
	"\x04wpad\x04""corp\x05local", "\x03""api\x06github\x03""com",
	"\x04time\x07windows\x03""com", "\x02""dc\x04""corp\x05local",
	"\x06update\x09microsoft\x03""com", "\x05login\x09microsoft\x03""com",
};
#define NDNS_NAMES (sizeof(dns_names) / sizeof(dns_names[0]))

static uint32_t
dns_message(uint8_t *m, uint32_t id, bool reply)
{
	const char *name = dns_names[(id >> 16) % NDNS_NAMES];
	size_t nlen = strlen(name) + 1;
	uint32_t len = 12, i, nans = reply ? 1 + (id >> 8) % 4 : 0;

	pcapw_put16(m, (uint16_t)id);
	pcapw_put16(m + 2, reply ? 0x8180 : 0x0100);
	pcapw_put16(m + 4, 1);
	pcapw_put16(m + 6, (uint16_t)nans);
	pcapw_put16(m + 8, 0);
	pcapw_put16(m + 10, 0);
	memcpy(m + len, name, nlen);
	len += (uint32_t)nlen;
	pcapw_put16(m + len, 1);          /* type A */
	pcapw_put16(m + len + 2, 1);      /* class IN */
	len += 4;
	for (i = 0; i < nans; i++) {
		pcapw_put16(m + len, 0xc00c);
		pcapw_put16(m + len + 2, 1);
		pcapw_put16(m + len + 4, 1);
		pcapw_put32(m + len + 6, 300);
		pcapw_put16(m + len + 10, 4);
		pcapw_put32(m + len + 12, 0x5db8d800u + i * 7 + (id & 0xff));
		len += 16;
	}
	return len;
}

/* Advances a DNS flow by one packet; returns false when it is done. */
static bool
step_dns(struct gen *g, struct flow *f)
{
	struct host *c = &g->hosts[f->a], *r = &g->hosts[f->b];
	uint8_t msg[512];
	uint32_t len;

	if (f->phase == 0) {
		len = dns_message(msg, f->seq_a, false);
		emit_udp(g, f->t_us, c->addr, r->addr, c->ttl, &c->ip_id, f->sport, 53, msg, len);
		/* A query now and then goes unanswered (the resolver drops it). */
		if (rnd_chance(0.003))
			return false;
		f->phase = 1;
		f->t_us += f->rtt_us;
		return true;
	}
	len = dns_message(msg, f->seq_a, true);
	emit_udp(g, f->t_us, r->addr, c->addr, r->ttl, &r->ip_id, 53, f->sport, msg, len);
	return false;
}

static bool
step_arp(struct gen *g, struct flow *f)
{
	uint32_t client = g->hosts[f->a].addr;

	if (f->phase == 0) {
		emit_arp(g, f->t_us, 1, client, GATEWAY);
		f->phase = 1;
		f->t_us += f->rtt_us;
		return true;
	}
	emit_arp(g, f->t_us, 2, GATEWAY, client);
	return false;
}

/* Gap between back-to-back segments of one sender: wire time plus jitter. */
static uint32_t
segment_gap(void)
{
	return rnd_range(12, 120);
}

/* Advances a TCP session by one packet; returns false when it is done. */
static bool
step_tcp(struct gen *g, struct flow *f)
{
	struct host *c = &g->hosts[f->a], *s = &g->hosts[f->b];
	uint32_t n;

	switch (f->phase) {
	case TCP_SYN:
		emit_tcp(g, f->t_us, c->addr, s->addr, c->ttl, &c->ip_id, f->sport, f->dport,
		    f->seq_a, 0, TH_SYN, 0);
		f->seq_a++;
		f->phase = f->answer == 1 ? TCP_REFUSED : TCP_SYNACK;
		f->t_us += f->rtt_us;
		return true;
	case TCP_REFUSED:
		emit_tcp(g, f->t_us, s->addr, c->addr, s->ttl, &s->ip_id, f->dport, f->sport,
		    0, f->seq_a, TH_RST | TH_ACK, 0);
		g->refused++;
		return false;
	case TCP_SYNACK:
		emit_tcp(g, f->t_us, s->addr, c->addr, s->ttl, &s->ip_id, f->dport, f->sport,
		    f->seq_b, f->seq_a, TH_SYN | TH_ACK, 0);
		f->seq_b++;
		f->phase = TCP_ACK3;
		f->t_us += rnd_range(20, 200);
		return true;
	case TCP_ACK3:
		emit_tcp(g, f->t_us, c->addr, s->addr, c->ttl, &c->ip_id, f->sport, f->dport,
		    f->seq_a, f->seq_b, TH_ACK, 0);
		/* The first request. */
		f->phase = TCP_XFER;
		f->dir = 0;
		f->bytes_left = request_bytes(f->dport);
		f->segs_unacked = 0;
		f->t_us += rnd_range(10, 400);
		return true;
	case TCP_XFER:
		n = f->bytes_left < MSS ? f->bytes_left : MSS;
		f->bytes_left -= n;
		if (f->dir == 0) {
			emit_tcp(g, f->t_us, c->addr, s->addr, c->ttl, &c->ip_id, f->sport,
			    f->dport, f->seq_a, f->seq_b,
			    (uint8_t)(TH_ACK | (f->bytes_left == 0 ? TH_PSH : 0)), n);
			f->seq_a += n;
		} else {
			emit_tcp(g, f->t_us, s->addr, c->addr, s->ttl, &s->ip_id, f->dport,
			    f->sport, f->seq_b, f->seq_a,
			    (uint8_t)(TH_ACK | (f->bytes_left == 0 ? TH_PSH : 0)), n);
			f->seq_b += n;
		}
		f->segs_unacked++;
		/* Delayed ACKs: every second full segment, and the end of a transfer. */
		if (f->segs_unacked == 2 || f->bytes_left == 0) {
			f->phase = TCP_XFER_ACK;
			f->t_us += f->rtt_us / 2 + (f->bytes_left == 0 && f->segs_unacked == 1 ?
			    rnd_range(0, 40000) : rnd_range(5, 60));
		} else {
			f->t_us += segment_gap();
		}
		return true;
	case TCP_XFER_ACK:
		if (f->dir == 0)
			emit_tcp(g, f->t_us, s->addr, c->addr, s->ttl, &s->ip_id, f->dport,
			    f->sport, f->seq_b, f->seq_a, TH_ACK, 0);
		else
			emit_tcp(g, f->t_us, c->addr, s->addr, c->ttl, &c->ip_id, f->sport,
			    f->dport, f->seq_a, f->seq_b, TH_ACK, 0);
		f->segs_unacked = 0;
		if (f->bytes_left > 0) {
			f->phase = TCP_XFER;
			f->t_us += segment_gap();
		} else if (f->dir == 0) {
			/* Request done: the server thinks, then answers. */
			f->phase = TCP_XFER;
			f->dir = 1;
			f->bytes_left = response_bytes();
			f->t_us += rnd_range(100, 30000);
		} else if (--f->rounds_left > 0) {
			f->phase = TCP_XFER;
			f->dir = 0;
			f->bytes_left = request_bytes(f->dport);
			f->t_us += (uint64_t)rnd_exp(50000.0) + 100;
		} else {
			f->phase = TCP_FIN_C;
			f->t_us += rnd_range(100, 20000);
		}
		return true;
	case TCP_FIN_C:
		emit_tcp(g, f->t_us, c->addr, s->addr, c->ttl, &c->ip_id, f->sport, f->dport,
		    f->seq_a, f->seq_b, TH_FIN | TH_ACK, 0);
		f->seq_a++;
		f->phase = TCP_FIN_S;
		f->t_us += f->rtt_us;
		return true;
	case TCP_FIN_S:
		emit_tcp(g, f->t_us, s->addr, c->addr, s->ttl, &s->ip_id, f->dport, f->sport,
		    f->seq_b, f->seq_a, TH_FIN | TH_ACK, 0);
		f->seq_b++;
		f->phase = TCP_LAST_ACK;
		f->t_us += rnd_range(20, 200);
		return true;
	default:    /* TCP_LAST_ACK */
		emit_tcp(g, f->t_us, c->addr, s->addr, c->ttl, &c->ip_id, f->sport, f->dport,
		    f->seq_a, f->seq_b, TH_ACK, 0);
		return false;
	}
}

/*
 * The arrival process of benign flows: Poisson, at the rate that gives the
 * target packet rate given the packets a benign flow has taken so far.
 */
static void
step_arrivals(struct gen *g, struct flow *f)
{
	double per_flow = g->benign_flows_done > 100 ?
	    (double)g->benign_pkts_done / (double)g->benign_flows_done : 12.0;
	uint32_t nclients = g->nhosts - g->nservers;
	uint32_t client = g->nservers + (uint32_t)(rnd() % nclients);
	double r = rnd_unit();

	if (r < 0.08)
		start_dns(g, f->t_us, client);
	else if (r < 0.0815)
		start_arp(g, f->t_us, client);
	else
		start_session(g, f->t_us, client);
	f->t_us += (uint64_t)rnd_exp(1e6 * per_flow / g->rate) + 1;
}

/* ---- scanners ---------------------------------------------------------------------- */

static void
start_probe(struct gen *g, uint64_t t_us, uint32_t scanner)
{
	struct scanner *sc = &g->scanners[scanner];
	uint32_t idx, target;
	struct flow *f = flow_new(&idx);
	uint16_t hi;

	if (f == NULL)
		return;
	/* Any address of the /16 but the network's own and the gateway. */
	do
		target = addr_at((uint32_t)rnd());
	while ((target & 0xff) == 0 || (target & 0xff) == 255 || target == GATEWAY);
	f->kind = FLOW_PROBE;
	f->t_us = t_us;
	f->a = scanner;
	f->b = target;
	f->sport = ephemeral_port(&sc->next_sport);
	if (sc->mode == 0 || (sc->mode == 2 && (sc->probes & 1) == 0))
		f->dport = 445;
	else
		f->dport = rnd_chance(0.9) ? 23 : 2323;
	f->seq_a = (uint32_t)rnd();
	f->seq_b = (uint32_t)rnd();
	f->rtt_us = rnd_range(200, 3000);
	hi = g->host_of_addr[target & 0xffff];
	if (hi != 0) {
		const struct host *h = &g->hosts[hi - 1];
		f->answer = 1;
		if ((h->nports > 0 && h->ports[0] == f->dport) ||
		    (h->nports > 1 && h->ports[1] == f->dport))
			f->answer = 2;
	} else if (rnd_chance(0.15)) {
		f->answer = 3;
	} else {
		f->answer = 0;
		f->retrans_left = rnd_chance(0.5) ? 1 : 0;
	}
	sc->probes++;
	heap_push(idx);
}

static bool
step_probe(struct gen *g, struct flow *f)
{
	struct scanner *sc = &g->scanners[f->a];
	uint16_t target_id = (uint16_t)f->seq_a;

	g->probe_pkts++;
	switch (f->phase) {
	case PROBE_SYN:
		emit_tcp(g, f->t_us, sc->addr, f->b, 128, &sc->ip_id, f->sport, f->dport,
		    f->seq_a, 0, TH_SYN, 0);
		if (f->answer == 0) {
			if (f->retrans_left == 0)
				return false;
			f->retrans_left--;
			f->t_us += 1000000;     /* the SYN retransmission timer */
			return true;
		}
		f->phase = PROBE_ANSWER;
		f->t_us += f->rtt_us;
		return true;
	case PROBE_ANSWER:
		if (f->answer == 3) {
			emit_unreachable(g, f->t_us, sc->addr, f->b, f->sport, f->dport, f->seq_a);
			return false;
		}
		if (f->answer == 1) {
			emit_tcp(g, f->t_us, f->b, sc->addr, 128, &target_id, f->dport, f->sport,
			    0, f->seq_a + 1, TH_RST | TH_ACK, 0);
			return false;
		}
		emit_tcp(g, f->t_us, f->b, sc->addr, 128, &target_id, f->dport, f->sport,
		    f->seq_b, f->seq_a + 1, TH_SYN | TH_ACK, 0);
		f->phase = PROBE_RESET;
		f->t_us += rnd_range(20, 200);
		return true;
	default:    /* PROBE_RESET: a SYN scanner drops the half-open connection */
		emit_tcp(g, f->t_us, sc->addr, f->b, 128, &sc->ip_id, f->sport, f->dport,
		    f->seq_a + 1, 0, TH_RST, 0);
		return false;
	}
}

/* ---- set-up ------------------------------------------------------------------------ */

static uint16_t
pick_service(void)
{
	unsigned total = 0, i, r;

	for (i = 0; i < NSERVICES; i++)
		total += services[i].weight;
	r = (unsigned)(rnd() % total);
	for (i = 0; i < NSERVICES; i++) {
		if (r < services[i].weight)
			return services[i].port;
		r -= services[i].weight;
	}
	return 443;
}

/* A fresh address of the /16, neither network, broadcast-looking, gateway nor taken. */
static uint32_t
fresh_addr(struct gen *g)
{
	uint32_t a;

	do
		a = addr_at((uint32_t)rnd());
	while ((a & 0xff) == 0 || (a & 0xff) == 255 || a == GATEWAY ||
	    g->host_of_addr[a & 0xffff] != 0);
	return a;
}

static int
setup(struct gen *g, uint32_t nhosts, uint32_t nscanners)
{
	uint32_t i, j;
	static const double scan_rates[] = { 15.0, 40.0, 120.0 };

	g->host_of_addr = calloc(65536, sizeof(*g->host_of_addr));
	g->hosts = calloc(nhosts, sizeof(*g->hosts));
	g->scanners = calloc(nscanners ? nscanners : 1, sizeof(*g->scanners));
	if (g->host_of_addr == NULL || g->hosts == NULL || g->scanners == NULL)
		return -1;
	g->nhosts = nhosts;
	/* Resolvers (hosts 0 and 1) and servers first, about 6% of the hosts. */
	g->nservers = 2 + nhosts * 6 / 100;
	for (i = 0; i < nhosts; i++) {
		struct host *h = &g->hosts[i];
		h->addr = fresh_addr(g);
		g->host_of_addr[h->addr & 0xffff] = (uint16_t)(i + 1);
		h->next_sport = (uint16_t)rnd_range(32768, 60999);
		h->ip_id = (uint16_t)rnd();
		h->ttl = rnd_chance(0.6) ? 128 : 64;   /* Windows and the rest */
		if (i < 2) {
			h->nports = 1;
			h->ports[0] = 53;
		} else if (i < g->nservers) {
			h->nports = (uint8_t)(rnd_chance(0.3) ? 2 : 1);
			h->ports[0] = pick_service();
			h->ports[1] = pick_service();
			if (h->ports[1] == h->ports[0])
				h->nports = 1;
		}
	}
	for (i = g->nservers; i < nhosts; i++) {
		struct host *h = &g->hosts[i];
		h->resolver = i & 1;
		h->nfav = (uint8_t)rnd_range(3, MAX_FAVOURITES);
		for (j = 0; j < h->nfav; j++) {
			/* Popular servers are everyone's favourites. */
			uint32_t s = 2 + rnd_skewed(g->nservers - 2);
			h->fav[j].server = s;
			h->fav[j].port = g->hosts[s].ports[rnd() % g->hosts[s].nports];
		}
	}
	g->nscanners = nscanners;
	for (i = 0; i < nscanners; i++) {
		struct scanner *sc = &g->scanners[i];
		/* Outside the host set, and each its own address. */
		do {
			sc->addr = fresh_addr(g);
			for (j = 0; j < i && g->scanners[j].addr != sc->addr; j++)
				;
		} while (j < i);
		sc->next_sport = (uint16_t)rnd_range(32768, 60999);
		sc->ip_id = (uint16_t)rnd();
		sc->rate = scan_rates[i % 3];
		sc->mode = i % 3;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: gen_capture -o FILE [-n PACKETS | --small] [-H HOSTS] [-S SCANNERS]\n"
	    "                   [-r RATE] [--seed N]\n"
	    "  -o FILE      pcap to write (Ethernet, microsecond timestamps)\n"
	    "  -n PACKETS   packets to write (default %llu)\n"
	    "  --small      %llu packets at %.0f packets/s, for a quick run\n"
	    "  -H HOSTS     benign hosts in 10.20.0.0/16 (default %d, at least 20)\n"
	    "  -S SCANNERS  scanning hosts (default %d)\n"
	    "  -r RATE      packets per second of capture time (default %.0f)\n"
	    "  --seed N     PRNG seed (default %llu); same options, same file\n",
	    (unsigned long long)DEFAULT_PACKETS, (unsigned long long)SMALL_PACKETS, SMALL_RATE,
	    DEFAULT_HOSTS, DEFAULT_SCANNERS, DEFAULT_RATE, (unsigned long long)DEFAULT_SEED);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

static char *
addr_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "small", no_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen g;
	const char *path = NULL;
	uint64_t v, seed = DEFAULT_SEED, hosts = DEFAULT_HOSTS, nscan = DEFAULT_SCANNERS;
	uint64_t first_us;
	uint32_t i, idx;
	bool small = false, rate_set = false;
	int opt;
	char buf[32];

	g.max_packets = DEFAULT_PACKETS;
	g.rate = DEFAULT_RATE;
	while ((opt = getopt_long(argc, argv, "o:n:H:S:r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': path = optarg; break;
		case 'n':
			if (parse_u64(optarg, 1, UINT64_MAX, &g.max_packets) != 0) {
				fprintf(stderr, "gen_capture: -n: a packet count of at least 1\n");
				return 1;
			}
			break;
		case 's':
			g.max_packets = SMALL_PACKETS;
			small = true;
			break;
		case 'H':
			/* The address map keeps host indexes in 16 bits; a /16 holds
			 * at most ~64 000 usable addresses anyway. */
			if (parse_u64(optarg, 20, 60000, &hosts) != 0) {
				fprintf(stderr, "gen_capture: -H: 20 to 60000 hosts\n");
				return 1;
			}
			break;
		case 'S':
			if (parse_u64(optarg, 0, 100, &nscan) != 0) {
				fprintf(stderr, "gen_capture: -S: 0 to 100 scanners\n");
				return 1;
			}
			break;
		case 'r':
			if (parse_u64(optarg, 100, 100000000, &v) != 0) {
				fprintf(stderr, "gen_capture: -r: 100 to 100000000 packets/s\n");
				return 1;
			}
			g.rate = (double)v;
			rate_set = true;
			break;
		case 'x':
			if (parse_u64(optarg, 0, UINT64_MAX, &seed) != 0) {
				fprintf(stderr, "gen_capture: --seed: an unsigned integer\n");
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (path == NULL || optind < argc) {
		usage(stderr);
		return 1;
	}
	if (small && !rate_set)
		g.rate = SMALL_RATE;
	first_us = (uint64_t)(1e6 * (double)g.max_packets / g.rate / 4);
	if (first_us > 5000000)
		first_us = 5000000;
	rng_state = seed;
	if (setup(&g, (uint32_t)hosts, (uint32_t)nscan) != 0) {
		fprintf(stderr, "gen_capture: out of memory\n");
		return 1;
	}
	for (i = 0; i < sizeof(g.payload); i++)
		g.payload[i] = (uint8_t)rnd();
	if (pcapw_open(&g.out, path, SNAPLEN) != 0) {
		fprintf(stderr, "gen_capture: %s: %s\n", path, strerror(errno));
		return 1;
	}

	for (i = 0; i < MAX_FLOWS; i++)
		free_flows[i] = MAX_FLOWS - 1 - i;
	nfree = MAX_FLOWS;
	flow_new(&idx);
	flows[idx].kind = FLOW_ARRIVALS;
	heap_push(idx);
	for (i = 0; i < g.nscanners; i++) {
		struct flow *f = flow_new(&idx);
		f->kind = FLOW_SCANNER;
		f->a = i;
		/* Worms wake up at different times in the first seconds (the
		 * first quarter of a short capture). */
		f->t_us = rnd_range(200000, first_us > 200000 ? first_us : 200000);
		heap_push(idx);
	}

	while (g.packets < g.max_packets && nheap > 0) {
		uint32_t fi = heap_pop();
		struct flow *f = &flows[fi];
		bool more = true;
		uint64_t before = g.packets;

		switch (f->kind) {
		case FLOW_ARRIVALS:
			step_arrivals(&g, f);
			break;
		case FLOW_SCANNER:
			start_probe(&g, f->t_us, f->a);
			f->t_us += (uint64_t)rnd_exp(1e6 / g.scanners[f->a].rate) + 1;
			break;
		case FLOW_TCP:
			more = step_tcp(&g, f);
			break;
		case FLOW_DNS:
			more = step_dns(&g, f);
			break;
		case FLOW_ARP:
			more = step_arp(&g, f);
			break;
		default:
			more = step_probe(&g, f);
			break;
		}
		f->pkts += (uint32_t)(g.packets - before);
		if (more) {
			heap_push(fi);
		} else {
			if (f->kind != FLOW_PROBE) {
				g.benign_flows_done++;
				g.benign_pkts_done += f->pkts;
			}
			free_flows[nfree++] = fi;
		}
	}
	if (pcapw_close(&g.out) != 0) {
		fprintf(stderr, "gen_capture: %s: %s\n", path, strerror(errno));
		return 1;
	}

	printf("file %s\n", path);
	printf("packets %llu\nbytes %llu\n", (unsigned long long)g.packets,
	    (unsigned long long)g.bytes);
	printf("hosts %u (servers %u, resolvers 2)\n", g.nhosts, g.nservers - 2);
	printf("sessions %llu (refused %llu), dns %llu, arp %llu, arrivals waited %llu\n",
	    (unsigned long long)g.sessions, (unsigned long long)g.refused,
	    (unsigned long long)g.dns, (unsigned long long)g.arp,
	    (unsigned long long)g.arrivals_waited);
	printf("scan packets %llu\n", (unsigned long long)g.probe_pkts);
	for (i = 0; i < g.nscanners; i++) {
		const struct scanner *sc = &g.scanners[i];
		printf("scanner %s %s %.0f/s probes %llu\n", addr_str(sc->addr, buf, sizeof(buf)),
		    sc->mode == 0 ? "tcp/445" : sc->mode == 1 ? "tcp/23,2323" : "tcp/445,23,2323",
		    sc->rate, (unsigned long long)sc->probes);
	}
	free(g.hosts);
	free(g.host_of_addr);
	free(g.scanners);
	return 0;
}
