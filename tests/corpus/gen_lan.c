/* SPDX-License-Identifier: ISC */
/*
 * cordon-genlan: writes an enterprise LAN capture (classic pcap, Ethernet,
 * µs timestamps) that a worm detector must stay silent on, with worms woven
 * in that it must flag. The output depends only on the options: a seeded
 * PRNG drives every choice, and the worms draw from their own stream, so
 * --no-worms leaves every benign packet exactly as it was.
 *
 * The network (docs/benign-corpus.md says what each part models and why it
 * matters for false positives):
 * - 10.20.0.0/16, five /24 subnets, each with its router interface at .1
 *   (its own MAC): 10.20.1.0/24 servers (two domain controllers that also
 *   resolve DNS and serve NTP, the DHCP server, 14 file servers, the NMS,
 *   the configuration-management host), 10.20.2-5.0/24 clients with three
 *   printers, a NAS box and two Windows servers each. About 270 hosts; MACs
 *   carry their vendors' OUIs. Internet servers sit in the documentation
 *   ranges (192.0.2/24, 198.51.100/24, 203.0.113/24).
 * - The sensor sees each frame once, on the segment of the host that started
 *   the exchange: off-link traffic carries the gateway's MAC (outbound: the
 *   destination MAC; inbound: the source MAC). DHCP crosses two segments
 *   (client VLAN and server VLAN through the router's relay) and both legs
 *   are written.
 * - Every exchange is two-way: on-link and routed LAN answers come 0.1-3 ms
 *   after the request (two slow file servers up to 20 ms), recursive DNS
 *   1-80 ms, Internet 10-200 ms. TCP sessions: handshake, a few data
 *   segments with ACKs, FIN/ACK close.
 * - ARP: a host resolves an on-link peer it has no entry for (broadcast
 *   who-has, unicast reply), then sends. Entries of hosts that were up
 *   before the capture started are warm for the peers they use regularly
 *   (gateway, servers, printers, the NMS's targets); client-to-client pairs
 *   and new DHCP clients start cold. Entries do not expire within the
 *   capture.
 * Benign categories: discovery (SSDP, WS-Discovery, LLMNR, mDNS, NBNS; the
 * responders answer every querier by unicast), DHCP (a burst of new clients
 * at the start of the working day with the server's ping check, renewals),
 * SMB to many file servers, Kerberos/LDAP/DNS/RPC to the DCs, an NMS pinging
 * and polling SNMP on every host each minute, SSH from the configuration
 * management host into more than 100 hosts, printing (9100, IPP), web
 * browsing after DNS lookups, NTP, a client retrying a dead server and a
 * syslog sender whose collector is gone.
 * Worms (each on its own client, from a known time to the end): tcp/445 at
 * 12 probes/s and udp/1434 (100-byte datagrams, not Slammer's) at 15/s to
 * silent addresses of the /16, a 2/s tcp/23 scanner, and a tcp/135 worm in
 * a dense LAN whose every target answers with a RST. A target on the worm's
 * own subnet shows as ARP requests that nobody answers (no frame of the
 * probe itself reaches the wire).
 *
 * --truth FILE writes a JSON description: subnets, every host with its
 * role, the silent addresses, and each worm (address, MAC, kind, first
 * probe time, rate), so tests need not know any address.
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
#include <stdarg.h>
#include <time.h>

#include "frames.h"
#include "labnet.h"
#include "pcapw.h"

#define PROG "cordon-genlan"

#define DEFAULT_SEED 20260302ULL
#define START_S UINT64_C(1772441700)         /* 2026-03-02T08:55:00Z, a Monday morning */
#define DURATION_US (UINT64_C(660) * 1000000) /* 11 minutes */
#define SNAPLEN 65535
#define MSS 1448

#define NET 0x0a140000u                /* 10.20.0.0/16 */
#define NSUBNETS 5                     /* 10.20.1-5.0/24; subnet 0 holds the servers */
#define CLIENTS_PER_SUBNET 48          /* up before the capture starts */
#define FILE_SERVERS 14
#define JOIN_BURST 26                  /* new DHCP clients in the first minutes */
#define JOIN_LATER 8                   /* and laptops arriving later */
#define INTERNET_HOSTS 150
#define MAX_HOSTS 512
#define MAX_WORMS 4

#define US(ms) ((uint64_t)((ms) * 1000.0))

enum role {
	ROLE_GATEWAY, ROLE_DC, ROLE_DHCP, ROLE_FILE, ROLE_NMS, ROLE_CFGMGMT, ROLE_NAS,
	ROLE_WINSRV, ROLE_PRINTER, ROLE_CLIENT, ROLE_INTERNET,
	ROLE_ABSENT,             /* a LAN address nothing answers on (a dead server) */
	ROLE_COUNT
};

static const char *const role_names[ROLE_COUNT] = {
	"gateway", "dc", "dhcp_server", "file_server", "nms", "config_mgmt", "nas",
	"windows_server", "printer", "client", "internet", "absent",
};

struct host {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t role;
	uint8_t subnet;          /* 0-4 for LAN hosts */
	uint8_t ttl;             /* initial TTL: 128 Windows, 64 the rest */
	uint8_t hops;            /* Internet hosts: routers on the way */
	bool windows;
	bool lan;
	bool slow;               /* answers in 5-20 ms (loaded file servers) */
	uint64_t join_us;        /* DHCP clients: when they get their lease; else 0 */
	uint16_t next_port;      /* ephemeral ports, handed out in turn */
	uint16_t ip_id;          /* assigned when the frames are written, in time order */
	uint32_t rtt_us;         /* Internet hosts: base round trip */
	uint32_t dc;             /* clients: host index of their domain controller */
	uint32_t ts_base;        /* TCP timestamp clock offset */
};

/* A frame waiting in the arena for the final sort by time. */
struct rec {
	uint64_t t_us;
	uint32_t order;          /* creation order: ties keep it */
	uint32_t off;            /* into the arena */
	uint16_t len;
	int16_t sender;          /* host whose IP id the frame takes; -1: none (ARP) */
};

/* Something to expand into frames; expanded in time order (ARP caches, ports). */
enum sess_kind {
	S_WEB, S_SMB, S_DC_LOGON, S_DC_REFRESH, S_NMS_ROUND, S_SSH, S_PRINT, S_NTP,
	S_NTP_UPSTREAM, S_DHCP_JOIN, S_DHCP_RENEW, S_SSDP, S_WSD, S_LLMNR, S_MDNS, S_NBNS,
	S_DEAD_TCP, S_SYSLOG
};

static const char *const sess_names[] = { "web pages", "smb", "dc logons", "dc refreshes",
	"nms rounds", "ssh", "print jobs", "ntp", "ntp upstream", "dhcp joins", "dhcp renews",
	"ssdp", "ws-discovery", "llmnr", "mdns", "nbns", "dead tcp", "syslog" };

struct sess {
	uint64_t t_us;
	uint32_t order;
	uint8_t kind;
	uint32_t a, b;           /* host indexes; meaning by kind */
};

enum worm_kind { W_TCP445, W_UDP1434, W_TELNET, W_RST135 };

static const char *const worm_kind_names[] = { "tcp445_silent", "udp1434_silent",
	"tcp23_slow", "tcp135_rst" };

struct worm {
	enum worm_kind kind;
	uint32_t host;
	uint64_t first_us;       /* its first probe, from capture start */
	double rate;             /* probes per second */
	uint8_t proto;
	uint16_t port;
	uint32_t probes;         /* first contacts written */
	uint32_t arp_only;       /* of which on its own subnet: ARP requests only */
};

struct gen {
	struct labnet_rng rng;   /* benign traffic */
	struct labnet_rng wrng;  /* worms: their own stream */
	struct host hosts[MAX_HOSTS];
	uint32_t nhosts;
	uint32_t gw[NSUBNETS];
	uint32_t dcs[2], dhcp, nms, cfgmgmt, files[FILE_SERVERS];
	uint32_t nas[NSUBNETS], winsrv[NSUBNETS][2], printers[NSUBNETS][3];
	uint32_t first_internet, ninternet;
	uint32_t dead_server, dead_collector, retry_client, syslog_sender;
	uint16_t *host_of_ip;    /* owned: 65536 entries, 1 + host index or 0, for 10.20/16 */

	struct sess *sess;       /* owned */
	uint32_t nsess, sess_cap;

	struct rec *recs;        /* owned */
	uint32_t nrecs, recs_cap;
	uint8_t *arena;          /* owned */
	size_t arena_len, arena_cap;

	uint64_t *arp_cache;     /* owned: open-addressed set of (host << 32 | ip) + 1 */
	uint32_t arp_cap;

	struct worm worms[MAX_WORMS];
	uint32_t nworms;
	uint64_t counts[S_SYSLOG + 1];
	uint8_t fill[2 * MSS];   /* filler bytes that payloads are cut from */
	uint8_t frame[PCAPW_ETH_LEN + PCAPW_IPV4_LEN + FRAMES_TCP_SYN_LEN + MSS + 64];
};

/* ---- small helpers ------------------------------------------------------------ */

static void
die(const char *what)
{
	fprintf(stderr, PROG ": %s\n", what);
	exit(1);
}

static void *
grow(void *p, uint32_t *cap, size_t elem)
{
	uint32_t ncap = *cap ? *cap * 2 : 4096;
	void *q = realloc(p, (size_t)ncap * elem);

	if (q == NULL)
		die("out of memory");
	*cap = ncap;
	return q;
}

static uint32_t
rnd_range(struct labnet_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + labnet_rng_below(r, hi - lo + 1);
}

static double
rnd_exp(struct labnet_rng *r, double mean)
{
	return -mean * log(1.0 - labnet_rng_unit(r));
}

static bool
chance(struct labnet_rng *r, double p)
{
	return labnet_rng_unit(r) < p;
}

static uint32_t
subnet_addr(unsigned subnet, unsigned host)
{
	return NET | (uint32_t)(subnet + 1) << 8 | host;
}

static uint32_t
subnet_of(uint32_t ip)
{
	return ((ip >> 8) & 0xff) - 1;   /* 0-4 for the LAN's subnets */
}

static uint16_t
ephemeral(struct host *h)
{
	uint16_t p = h->next_port;

	if (h->windows)
		h->next_port = (uint16_t)(p >= 65535 ? 49152 : p + 1);
	else
		h->next_port = (uint16_t)(p >= 60999 ? 32768 : p + 1);
	return p;
}

/* ---- hosts -------------------------------------------------------------------- */

/* OUIs of the vendors whose boxes these are. */
static const uint8_t oui_dell[3] = { 0xf8, 0xbc, 0x12 }, oui_hp[3] = { 0x3c, 0xd9, 0x2b },
    oui_lenovo[3] = { 0x54, 0xee, 0x75 }, oui_vmware[3] = { 0x00, 0x50, 0x56 },
    oui_cisco[3] = { 0x00, 0x1b, 0x54 }, oui_synology[3] = { 0x00, 0x11, 0x32 },
    oui_brother[3] = { 0x00, 0x80, 0x77 }, oui_intel[3] = { 0x8c, 0x16, 0x45 };

static uint32_t
add_host(struct gen *g, uint32_t ip, enum role role, const uint8_t oui[3], bool windows)
{
	struct host *h;
	uint32_t i = g->nhosts, j;

	if (i >= MAX_HOSTS)
		die("internal error: too many hosts");
	h = &g->hosts[g->nhosts++];
	memset(h, 0, sizeof(*h));
	h->ip = ip;
	h->role = (uint8_t)role;
	h->windows = windows;
	h->ttl = windows ? 128 : 64;
	h->lan = role != ROLE_INTERNET;
	h->subnet = h->lan ? (uint8_t)subnet_of(ip) : 0;
	h->next_port = (uint16_t)(windows ? rnd_range(&g->rng, 49152, 65000) :
	    rnd_range(&g->rng, 32768, 60000));
	h->ip_id = (uint16_t)labnet_rng_next(&g->rng);
	h->ts_base = (uint32_t)labnet_rng_next(&g->rng);
	if (h->lan && role != ROLE_ABSENT) {
		/* Vendor OUI plus a NIC-specific part, distinct across the LAN (24
		 * random bits for a few hundred hosts: a redraw is rare, 100 in a
		 * row never happens). */
		int tries = 0;
		do {
			uint64_t r = labnet_rng_next(&g->rng);
			if (++tries > 100)
				die("internal error: no free MAC address");
			memcpy(h->mac, oui, 3);
			h->mac[3] = (uint8_t)r;
			h->mac[4] = (uint8_t)(r >> 8);
			h->mac[5] = (uint8_t)(r >> 16);
			for (j = 0; j < i && memcmp(g->hosts[j].mac, h->mac, 6) != 0; j++)
				;
		} while (j < i);
		g->host_of_ip[ip & 0xffff] = (uint16_t)(i + 1);
	}
	return i;
}

static int32_t
host_at(const struct gen *g, uint32_t ip)
{
	if ((ip & 0xffff0000u) != NET || g->host_of_ip[ip & 0xffff] == 0)
		return -1;
	return g->host_of_ip[ip & 0xffff] - 1;
}

static void
build_network(struct gen *g)
{
	static const uint8_t *const client_ouis[] = { oui_dell, oui_hp, oui_lenovo, oui_intel };
	uint32_t s, i, next[NSUBNETS];

	for (s = 0; s < NSUBNETS; s++) {
		/* The router's interfaces share one base MAC with a per-VLAN suffix. */
		g->gw[s] = add_host(g, subnet_addr(s, 1), ROLE_GATEWAY, oui_cisco, false);
		g->hosts[g->gw[s]].ttl = 255;
		next[s] = 10;
	}
	g->dcs[0] = add_host(g, subnet_addr(0, 10), ROLE_DC, oui_vmware, true);
	g->dcs[1] = add_host(g, subnet_addr(0, 11), ROLE_DC, oui_vmware, true);
	g->dhcp = add_host(g, subnet_addr(0, 12), ROLE_DHCP, oui_vmware, false);
	for (i = 0; i < FILE_SERVERS; i++) {
		g->files[i] = add_host(g, subnet_addr(0, 20 + i), ROLE_FILE, oui_vmware, true);
		g->hosts[g->files[i]].slow = i == 3 || i == 9;
	}
	g->nms = add_host(g, subnet_addr(0, 40), ROLE_NMS, oui_vmware, false);
	g->cfgmgmt = add_host(g, subnet_addr(0, 41), ROLE_CFGMGMT, oui_vmware, false);
	for (s = 1; s < NSUBNETS; s++) {
		for (i = 0; i < 3; i++)
			g->printers[s][i] = add_host(g, subnet_addr(s, 5 + i), ROLE_PRINTER,
			    i == 2 ? oui_brother : oui_hp, false);
		g->nas[s] = add_host(g, subnet_addr(s, 8), ROLE_NAS, oui_synology, false);
		g->winsrv[s][0] = add_host(g, subnet_addr(s, 3), ROLE_WINSRV, oui_dell, true);
		g->winsrv[s][1] = add_host(g, subnet_addr(s, 4), ROLE_WINSRV, oui_dell, true);
		next[s] = 20;
	}
	/* Clients up before the capture starts, at DHCP-assigned addresses. */
	for (s = 1; s < NSUBNETS; s++)
		for (i = 0; i < CLIENTS_PER_SUBNET; i++) {
			uint32_t h = add_host(g, subnet_addr(s, next[s]), ROLE_CLIENT,
			    client_ouis[labnet_rng_below(&g->rng, 4)], true);
			next[s] += rnd_range(&g->rng, 1, 3);
			g->hosts[h].dc = g->dcs[h & 1];
		}
	/* Clients that join during the capture: the addresses the DHCP server
	 * will offer them. */
	for (i = 0; i < JOIN_BURST + JOIN_LATER; i++) {
		uint32_t sn = 1 + i % (NSUBNETS - 1);
		uint32_t h = add_host(g, subnet_addr(sn, next[sn]), ROLE_CLIENT,
		    client_ouis[labnet_rng_below(&g->rng, 4)], true);
		next[sn] += rnd_range(&g->rng, 1, 2);
		g->hosts[h].dc = g->dcs[h & 1];
		/* The working day starts: most arrive within a minute. */
		g->hosts[h].join_us = i < JOIN_BURST ? US(30000 + 55000.0 * i / JOIN_BURST) +
		    rnd_range(&g->rng, 0, 1500000) : rnd_range(&g->rng, 120000000, 600000000);
	}
	g->first_internet = g->nhosts;
	for (i = 0; i < INTERNET_HOSTS; i++) {
		static const uint32_t nets[3] = { 0xc0000200u, 0xc6336400u, 0xcb007100u };
		uint32_t h = add_host(g, nets[i % 3] | (uint32_t)rnd_range(&g->rng, 2, 254),
		    ROLE_INTERNET, oui_cisco, false);
		struct host *x = &g->hosts[h];
		x->hops = (uint8_t)rnd_range(&g->rng, 8, 20);
		x->ttl = chance(&g->rng, 0.7) ? 64 : 128;
		/* Content delivery nearby, the rest further away. */
		x->rtt_us = chance(&g->rng, 0.5) ? rnd_range(&g->rng, 10000, 40000) :
		    rnd_range(&g->rng, 40000, 180000);   /* plus up to 10% jitter: <= 198 ms */
	}
	g->ninternet = INTERNET_HOSTS;
	/* The dead server and syslog collector: addresses without a box. */
	g->dead_server = add_host(g, subnet_addr(0, 99), ROLE_ABSENT, oui_vmware, true);
	g->dead_collector = add_host(g, subnet_addr(0, 70), ROLE_ABSENT, oui_vmware, false);
	g->syslog_sender = g->nas[2];
}

static bool
is_client(const struct host *h)
{
	return h->role == ROLE_CLIENT;
}

/* ---- ARP caches ------------------------------------------------------------------ */

static uint64_t
arp_key(uint32_t host, uint32_t ip)
{
	return ((uint64_t)host << 32 | ip) + 1;
}

static bool
arp_has(struct gen *g, uint32_t host, uint32_t ip, bool insert)
{
	uint64_t k = arp_key(host, ip), h = k * 0x9e3779b97f4a7c15ULL;
	uint32_t i = (uint32_t)(h >> 40) & (g->arp_cap - 1), n;

	for (n = 0; n < g->arp_cap; n++, i = (i + 1) & (g->arp_cap - 1)) {
		if (g->arp_cache[i] == k)
			return true;
		if (g->arp_cache[i] == 0) {
			if (insert)
				g->arp_cache[i] = k;
			return false;
		}
	}
	die("internal error: ARP cache full");
	return false;
}

/* Entries of hosts up before the capture: everyone knows its gateway; peers
 * that talk regularly know each other; two clients do not. */
static void
warm_arp_caches(struct gen *g)
{
	uint32_t i, j;

	for (i = 0; i < g->nhosts; i++) {
		const struct host *a = &g->hosts[i];
		if (!a->lan || a->join_us || a->role == ROLE_ABSENT)
			continue;
		for (j = 0; j < g->nhosts; j++) {
			const struct host *b = &g->hosts[j];
			if (i == j || !b->lan || b->join_us || b->subnet != a->subnet ||
			    b->role == ROLE_ABSENT)
				continue;
			if (is_client(a) && is_client(b))
				continue;
			arp_has(g, i, b->ip, true);
		}
	}
}

/* ---- frames ------------------------------------------------------------------------ */

static void
push(struct gen *g, uint64_t t_us, size_t len, int32_t sender)
{
	struct rec *r;

	if (len == 0)
		die("internal error: frame larger than its buffer");
	if (t_us >= DURATION_US)
		return;     /* past the end of the capture */
	if (g->nrecs == g->recs_cap)
		g->recs = grow(g->recs, &g->recs_cap, sizeof(*g->recs));
	while (g->arena_len + len > g->arena_cap) {
		size_t ncap = g->arena_cap ? g->arena_cap * 2 : (1u << 24);
		uint8_t *p = realloc(g->arena, ncap);
		if (p == NULL)
			die("out of memory");
		g->arena = p;
		g->arena_cap = ncap;
	}
	memcpy(g->arena + g->arena_len, g->frame, len);
	r = &g->recs[g->nrecs];
	r->t_us = t_us;
	r->order = g->nrecs++;
	r->off = (uint32_t)g->arena_len;
	r->len = (uint16_t)len;
	r->sender = (int16_t)sender;
	g->arena_len += len;
}

/*
 * The IPv4 header of a frame from host `a` to host `b` (either may be an
 * Internet host), as seen on the segment of LAN host `view`: a peer that is
 * not on that segment is represented by the segment's gateway.
 */
static struct frames_ip
ip_of(const struct gen *g, uint32_t a, uint32_t b, uint32_t view)
{
	const struct host *s = &g->hosts[a], *d = &g->hosts[b], *v = &g->hosts[view];
	const struct host *gw = &g->hosts[g->gw[v->subnet]];
	struct frames_ip ip;
	bool s_here = s->lan && s->subnet == v->subnet, d_here = d->lan && d->subnet == v->subnet;

	ip.src_mac = s_here ? s->mac : gw->mac;
	ip.dst_mac = d_here ? d->mac : gw->mac;
	ip.src = s->ip;
	ip.dst = d->ip;
	ip.ttl = (uint8_t)(s->ttl - (s_here ? 0 : s->lan ? 1 : s->hops));
	ip.id = 0;          /* set in time order when written */
	ip.frag = 0x4000;
	return ip;
}

static uint32_t
tsval(const struct host *h, uint64_t t_us)
{
	return h->ts_base + (uint32_t)((START_S * 1000 + t_us / 1000) & 0xffffffffu);
}

static void
emit_tcp(struct gen *g, uint64_t t, uint32_t a, uint32_t b, uint32_t view, uint16_t sport,
    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload,
    uint32_t paylen)
{
	struct frames_ip ip = ip_of(g, a, b, view);
	struct frames_tcp tcp = { sport, dport, seq, ack, flags, tsval(&g->hosts[a], t) };

	push(g, t, frames_tcp(g->frame, sizeof(g->frame), &ip, &tcp,
	    payload ? payload : g->fill + (seq % MSS), paylen), (int32_t)a);
}

static void
emit_udp(struct gen *g, uint64_t t, uint32_t a, uint32_t b, uint32_t view, uint16_t sport,
    uint16_t dport, const uint8_t *payload, uint32_t paylen)
{
	struct frames_ip ip = ip_of(g, a, b, view);

	push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, sport, dport, payload, paylen),
	    (int32_t)a);
}

/* A datagram from LAN host `a` to a multicast or broadcast address. */
static void
emit_udp_group(struct gen *g, uint64_t t, uint32_t a, uint32_t group, uint8_t ttl,
    uint16_t sport, uint16_t dport, const uint8_t *payload, uint32_t paylen)
{
	const struct host *s = &g->hosts[a];
	uint8_t dmac[6];
	struct frames_ip ip = { dmac, s->mac, s->ip, group, ttl, 0, 0 };

	if ((group >> 28) == 0xe)
		frames_multicast_mac(group, dmac);
	else
		memset(dmac, 0xff, 6);
	push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, sport, dport, payload, paylen),
	    (int32_t)a);
}

static void
emit_icmp(struct gen *g, uint64_t t, uint32_t a, uint32_t b, uint32_t view, uint8_t type,
    uint32_t rest, const uint8_t *data, uint32_t len)
{
	struct frames_ip ip = ip_of(g, a, b, view);

	push(g, t, frames_icmp(g->frame, sizeof(g->frame), &ip, type, 0, rest, data, len),
	    (int32_t)a);
}

/* ARP who-has `ip` from LAN host `a`; `reply_from` >= 0 answers it after 0.1-1 ms. */
static uint64_t
emit_arp_exchange(struct gen *g, uint64_t t, uint32_t a, uint32_t ip, int32_t reply_from,
    struct labnet_rng *r)
{
	const struct host *s = &g->hosts[a];

	push(g, t, frames_arp(g->frame, sizeof(g->frame), 1, NULL, s->mac, s->ip, NULL, ip), -1);
	if (reply_from < 0)
		return t;
	t += rnd_range(r, 100, 1000);
	push(g, t, frames_arp(g->frame, sizeof(g->frame), 2, NULL, g->hosts[reply_from].mac,
	    ip, s->mac, s->ip), -1);
	/* The requester's address is learnt from its request. */
	arp_has(g, (uint32_t)reply_from, s->ip, true);
	arp_has(g, a, ip, true);
	return t + rnd_range(r, 15, 60);
}

/*
 * Before host `a` sends to `b`: an on-link peer it has no entry for is
 * resolved first. Returns when the first frame can leave.
 */
static uint64_t
resolve(struct gen *g, uint64_t t, uint32_t a, uint32_t b)
{
	const struct host *s = &g->hosts[a], *d = &g->hosts[b];

	if (!s->lan || !d->lan || s->subnet != d->subnet || arp_has(g, a, d->ip, false))
		return t;
	return emit_arp_exchange(g, t, a, d->ip, (int32_t)b, &g->rng);
}

/* ---- round trips ---------------------------------------------------------------- */

/* Time for `b` to answer `a`: LAN 0.1-3 ms (slow servers 5-20 ms), Internet its RTT. */
static uint32_t
rtt(struct gen *g, uint32_t a, uint32_t b)
{
	const struct host *s = &g->hosts[a], *d = &g->hosts[b];

	if (!d->lan)
		return d->rtt_us + rnd_range(&g->rng, 0, d->rtt_us / 10);
	if (!s->lan)
		return s->rtt_us + rnd_range(&g->rng, 0, s->rtt_us / 10);
	if (d->slow)
		return rnd_range(&g->rng, 5000, 20000);
	if (s->subnet == d->subnet)
		return rnd_range(&g->rng, 100, 1500);
	return rnd_range(&g->rng, 250, 3000);  /* through the router */
}

/*
 * `bytes` of data from `a` to `b` in full segments, the receiver ACKing every
 * second one and the last (delayed ACKs). Seen on `view`'s segment. Returns
 * the time of the last frame.
 */
static uint64_t
send_data(struct gen *g, uint64_t t, uint32_t a, uint32_t b, uint32_t view, uint16_t sport,
    uint16_t dport, uint32_t *seq, uint32_t ack, uint32_t bytes, uint32_t r)
{
	uint32_t n, segs = 0;

	while (bytes > 0) {
		n = bytes < MSS ? bytes : MSS;
		bytes -= n;
		emit_tcp(g, t, a, b, view, sport, dport, *seq, ack,
		    (uint8_t)(FRAMES_TH_ACK | (bytes == 0 ? FRAMES_TH_PSH : 0)), NULL, n);
		*seq += n;
		if (++segs % 2 == 0 || bytes == 0)
			emit_tcp(g, t + r / 2 + rnd_range(&g->rng, 30, 200), b, a, view, dport, sport,
			    ack, *seq, FRAMES_TH_ACK, NULL, 0);
		if (bytes > 0)
			t += rnd_range(&g->rng, 12, 120);   /* wire time and jitter */
	}
	return t + r / 2 + 200;
}

/*
 * A TCP session from client `c` to server `s`: handshake, `rounds` request/
 * response rounds (sizes drawn around `req` and `resp` bytes), FIN/ACK close.
 * Seen on the client's segment. Returns the time of its last frame.
 */
static uint64_t
tcp_session(struct gen *g, uint64_t t, uint32_t c, uint32_t s, uint16_t dport,
    unsigned rounds, uint32_t req, uint32_t resp)
{
	uint16_t sport = ephemeral(&g->hosts[c]);
	uint32_t sa = (uint32_t)labnet_rng_next(&g->rng), sb = (uint32_t)labnet_rng_next(&g->rng);
	uint32_t r = rtt(g, c, s);
	unsigned i;

	t = resolve(g, t, c, s);
	emit_tcp(g, t, c, s, c, sport, dport, sa, 0, FRAMES_TH_SYN, NULL, 0);
	sa++;
	t += r;
	emit_tcp(g, t, s, c, c, dport, sport, sb, sa, FRAMES_TH_SYN | FRAMES_TH_ACK, NULL, 0);
	sb++;
	t += rnd_range(&g->rng, 20, 200);
	emit_tcp(g, t, c, s, c, sport, dport, sa, sb, FRAMES_TH_ACK, NULL, 0);
	for (i = 0; i < rounds; i++) {
		t += rnd_range(&g->rng, 20, 300);
		t = send_data(g, t, c, s, c, sport, dport, &sa, sb,
		    rnd_range(&g->rng, req / 2 + 1, req * 3 / 2), r);
		t += rnd_range(&g->rng, 100, 4000);   /* the server works */
		t = send_data(g, t, s, c, c, dport, sport, &sb, sa,
		    rnd_range(&g->rng, resp / 2 + 1, resp * 3 / 2), r);
		t += rnd_range(&g->rng, 300, 2000);
	}
	t += rnd_range(&g->rng, 1000, 50000);
	emit_tcp(g, t, c, s, c, sport, dport, sa, sb, FRAMES_TH_FIN | FRAMES_TH_ACK, NULL, 0);
	sa++;
	t += r;
	emit_tcp(g, t, s, c, c, dport, sport, sb, sa, FRAMES_TH_FIN | FRAMES_TH_ACK, NULL, 0);
	sb++;
	t += rnd_range(&g->rng, 20, 200);
	emit_tcp(g, t, c, s, c, sport, dport, sa, sb, FRAMES_TH_ACK, NULL, 0);
	return t;
}

/* A request and its answer over UDP, seen on `a`'s segment; returns the answer's time. */
static uint64_t
udp_exchange(struct gen *g, uint64_t t, uint32_t a, uint32_t b, uint16_t sport,
    uint16_t dport, const uint8_t *q, uint32_t qlen, const uint8_t *ans, uint32_t alen,
    uint32_t delay_us)
{
	t = resolve(g, t, a, b);
	emit_udp(g, t, a, b, a, sport, dport, q, qlen);
	t += delay_us;
	emit_udp(g, t, b, a, a, dport, sport, ans, alen);
	return t;
}

/* ---- payloads ------------------------------------------------------------------ */

/* A DNS-format name from dotted text into `m`; returns its length. */
static uint32_t
dns_name(uint8_t *m, const char *dotted)
{
	uint32_t len = 0;

	while (*dotted != '\0') {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
		m[len++] = (uint8_t)n;
		memcpy(m + len, dotted, n);
		len += (uint32_t)n;
		dotted += n + (dot ? 1 : 0);
	}
	m[len++] = 0;
	return len;
}

/*
 * A DNS, LLMNR or mDNS message with one question; a response carries one
 * answer (A: `addr`, PTR/SRV: a name) . `flags` as on the wire.
 */
static uint32_t
dns_message(uint8_t *m, uint16_t id, uint16_t flags, const char *name, uint16_t qtype,
    uint16_t qclass, bool answer, uint32_t addr)
{
	uint32_t len = 12;

	pcapw_put16(m, id);
	pcapw_put16(m + 2, flags);
	pcapw_put16(m + 4, 1);
	pcapw_put16(m + 6, answer ? 1 : 0);
	pcapw_put16(m + 8, 0);
	pcapw_put16(m + 10, 0);
	len += dns_name(m + len, name);
	pcapw_put16(m + len, qtype);
	pcapw_put16(m + len + 2, qclass);
	len += 4;
	if (answer) {
		pcapw_put16(m + len, 0xc00c);            /* the question's name */
		pcapw_put16(m + len + 2, qtype == 12 ? 12 : 1);
		pcapw_put16(m + len + 4, 1);
		pcapw_put32(m + len + 6, qtype == 12 ? 4500 : 300);
		len += 10;
		if (qtype == 12) {
			uint32_t n = dns_name(m + len + 2, "printer._ipp._tcp.local");
			pcapw_put16(m + len, (uint16_t)n);
			len += 2 + n;
		} else {
			pcapw_put16(m + len, 4);
			pcapw_put32(m + len + 2, addr);
			len += 6;
		}
	}
	return len;
}

/* NetBIOS first-level encoding of a 15-character name plus suffix 0x20. */
static uint32_t
nbns_message(uint8_t *m, uint16_t id, const char *name, bool answer, uint32_t addr)
{
	char padded[16];
	uint32_t len = 12, i;

	memset(padded, ' ', 15);
	memcpy(padded, name, strlen(name) < 15 ? strlen(name) : 15);
	padded[15] = 0x20;
	pcapw_put16(m, id);
	pcapw_put16(m + 2, answer ? 0x8500 : 0x0110);   /* response, or broadcast query */
	pcapw_put16(m + 4, answer ? 0 : 1);
	pcapw_put16(m + 6, answer ? 1 : 0);
	pcapw_put16(m + 8, 0);
	pcapw_put16(m + 10, 0);
	m[len++] = 32;
	for (i = 0; i < 16; i++) {
		m[len++] = (uint8_t)('A' + ((uint8_t)padded[i] >> 4));
		m[len++] = (uint8_t)('A' + ((uint8_t)padded[i] & 0xf));
	}
	m[len++] = 0;
	pcapw_put16(m + len, 0x20);      /* NB */
	pcapw_put16(m + len + 2, 1);
	len += 4;
	if (answer) {
		pcapw_put32(m + len, 300000);
		pcapw_put16(m + len + 4, 6);
		pcapw_put16(m + len + 6, 0);   /* unique name, B-node */
		pcapw_put32(m + len + 8, addr);
		len += 12;
	}
	return len;
}

static uint32_t
text_payload(uint8_t *m, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static uint32_t
text_payload(uint8_t *m, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)m, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		die("internal error: payload too long");
	return (uint32_t)n;
}

static void
uuid_text(struct labnet_rng *r, char out[37])
{
	uint64_t a = labnet_rng_next(r), b = labnet_rng_next(r);

	snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(a >> 32),
	    (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(b >> 52) & 0xfff,
	    (unsigned long long)(b & 0xffffffffffffULL));
}

/* BOOTP/DHCP message (RFC 2131) padded to the 300 bytes clients send. */
static uint32_t
dhcp_message(uint8_t *m, uint8_t op, uint8_t type, uint32_t xid, const uint8_t chaddr[6],
    uint32_t ciaddr, uint32_t yiaddr, uint32_t giaddr, uint32_t server, uint32_t router,
    const uint32_t dns[2])
{
	uint32_t len = 240;

	memset(m, 0, 300);
	m[0] = op;
	m[1] = 1;
	m[2] = 6;
	m[3] = giaddr ? 1 : 0;          /* hops: one relay */
	pcapw_put32(m + 4, xid);
	pcapw_put32(m + 12, ciaddr);
	pcapw_put32(m + 16, yiaddr);
	pcapw_put32(m + 24, giaddr);
	memcpy(m + 28, chaddr, 6);
	pcapw_put32(m + 236, 0x63825363);
	m[len++] = 53; m[len++] = 1; m[len++] = type;
	if (op == 1) {
		m[len++] = 61; m[len++] = 7; m[len++] = 1;
		memcpy(m + len, chaddr, 6);
		len += 6;
		if (type == 3 && ciaddr == 0) {
			m[len++] = 50; m[len++] = 4; pcapw_put32(m + len, yiaddr); len += 4;
			m[len++] = 54; m[len++] = 4; pcapw_put32(m + len, server); len += 4;
		}
		m[len++] = 12; m[len++] = 9; memcpy(m + len, "DESKTOP-7", 9); len += 9;
		m[len++] = 55; m[len++] = 6;
		m[len++] = 1; m[len++] = 3; m[len++] = 6; m[len++] = 15; m[len++] = 31; m[len++] = 33;
	} else {
		m[len++] = 54; m[len++] = 4; pcapw_put32(m + len, server); len += 4;
		m[len++] = 51; m[len++] = 4; pcapw_put32(m + len, 28800); len += 4;
		m[len++] = 1; m[len++] = 4; pcapw_put32(m + len, 0xffffff00u); len += 4;
		m[len++] = 3; m[len++] = 4; pcapw_put32(m + len, router); len += 4;
		m[len++] = 6; m[len++] = 8; pcapw_put32(m + len, dns[0]); pcapw_put32(m + len + 4, dns[1]);
		len += 8;
		m[len++] = 15; m[len++] = 10; memcpy(m + len, "corp.local", 10); len += 10;
	}
	m[len++] = 255;
	return len < 300 ? 300 : len;
}

/* SNMPv2c GetRequest / Response for sysUpTime.0 (BER, fixed shape). */
static uint32_t
snmp_message(uint8_t *m, uint32_t reqid, bool response, uint32_t uptime)
{
	static const uint8_t oid[] = { 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00 };
	static const char community[] = "n0c-ro";
	uint8_t vb[32], pdu[64];
	uint32_t vblen = 0, plen = 0, len = 0, vlen = response ? 6 : 2;

	vb[vblen++] = 0x30;            /* varbind list */
	vb[vblen++] = (uint8_t)(2 + sizeof(oid) + vlen);
	vb[vblen++] = 0x30;            /* varbind */
	vb[vblen++] = (uint8_t)(sizeof(oid) + vlen);
	memcpy(vb + vblen, oid, sizeof(oid));
	vblen += sizeof(oid);
	if (response) {
		vb[vblen++] = 0x43; vb[vblen++] = 4;   /* TimeTicks */
		pcapw_put32(vb + vblen, uptime);
		vblen += 4;
	} else {
		vb[vblen++] = 0x05; vb[vblen++] = 0;   /* NULL */
	}
	pdu[plen++] = 0x02; pdu[plen++] = 4; pcapw_put32(pdu + plen, reqid); plen += 4;
	pdu[plen++] = 0x02; pdu[plen++] = 1; pdu[plen++] = 0;   /* error-status */
	pdu[plen++] = 0x02; pdu[plen++] = 1; pdu[plen++] = 0;   /* error-index */
	memcpy(pdu + plen, vb, vblen);
	plen += vblen;
	m[len++] = 0x30;
	m[len++] = (uint8_t)(3 + 2 + sizeof(community) - 1 + 2 + plen);
	m[len++] = 0x02; m[len++] = 1; m[len++] = 1;           /* version: v2c */
	m[len++] = 0x04; m[len++] = sizeof(community) - 1;
	memcpy(m + len, community, sizeof(community) - 1);
	len += sizeof(community) - 1;
	m[len++] = response ? 0xa2 : 0xa0;
	m[len++] = (uint8_t)plen;
	memcpy(m + len, pdu, plen);
	return len + plen;
}

/* NTPv4 client (mode 3) or server (mode 4) message. */
static uint32_t
ntp_message(uint8_t *m, bool server, uint64_t t_us)
{
	uint64_t secs = START_S + t_us / 1000000 + 2208988800ULL;

	memset(m, 0, 48);
	m[0] = server ? 0x24 : 0x23;
	m[1] = server ? 2 : 0;
	m[2] = 6;
	m[3] = (uint8_t)(server ? 0xe9 : 0xe7);
	pcapw_put32(m + 40, (uint32_t)secs);
	pcapw_put32(m + 44, (uint32_t)((t_us % 1000000) * 4294u));
	if (server) {
		pcapw_put32(m + 32, (uint32_t)secs);
		pcapw_put32(m + 16, (uint32_t)secs - 512);
	}
	return 48;
}

/* ---- benign exchanges ---------------------------------------------------------- */

static const char *const web_names[] = {
	"www.example.com", "cdn.example.net", "fonts.example.org", "api.example.com",
	"static.example.net", "login.example.com", "news.example.org", "img.example.net",
};

/* DNS lookup from `c` to its DC; returns the answer's time. */
static uint64_t
dns_lookup(struct gen *g, uint64_t t, uint32_t c, const char *name, uint32_t answer)
{
	uint8_t q[256], a[256];
	uint16_t id = (uint16_t)labnet_rng_next(&g->rng);
	/* Cached names come back at once; the rest after the resolver recursed. */
	uint32_t delay = chance(&g->rng, 0.6) ? rnd_range(&g->rng, 1000, 3000) :
	    rnd_range(&g->rng, 10000, 80000);
	uint32_t ql = dns_message(q, id, 0x0100, name, 1, 1, false, 0);
	uint32_t al = dns_message(a, id, 0x8180, name, 1, 1, true, answer);

	return udp_exchange(g, t, c, g->hosts[c].dc, ephemeral(&g->hosts[c]), 53, q, ql, a, al,
	    delay);
}

/* A page: DNS lookups, then parallel connections to several servers at once. */
static void
x_web(struct gen *g, uint64_t t, uint32_t c)
{
	uint32_t nserv = rnd_range(&g->rng, 2, 5), i, k;
	uint64_t ready;

	for (i = 0; i < nserv; i++) {
		/* Popular sites first; every page also pulls from a host seen rarely. */
		uint32_t pick = i == 0 ? labnet_rng_below(&g->rng, 10) :
		    labnet_rng_below(&g->rng, g->ninternet);
		uint32_t srv = g->first_internet + pick;
		ready = dns_lookup(g, t + i * rnd_range(&g->rng, 50, 3000), c,
		    web_names[(pick + i) % 8], g->hosts[srv].ip);
		/* A browser opens up to six connections to a host; here one to three. */
		for (k = rnd_range(&g->rng, 1, 3); k > 0; k--)
			tcp_session(g, ready + rnd_range(&g->rng, 200, 3000), c, srv,
			    chance(&g->rng, 0.85) ? 443 : 80, rnd_range(&g->rng, 1, 2), 600, 2000);
	}
}

static void
x_dc(struct gen *g, uint64_t t, uint32_t c, bool logon)
{
	uint32_t dc = g->hosts[c].dc;
	uint8_t q[256], a[256];
	uint16_t id = (uint16_t)labnet_rng_next(&g->rng);
	uint32_t ql, al;

	/* Locate the DC (SRV lookup), ping it over CLDAP, get tickets, read the
	 * directory, and reach a service through the RPC endpoint mapper. */
	ql = dns_message(q, id, 0x0100, "_ldap._tcp.dc._msdcs.corp.local", 33, 1, false, 0);
	al = dns_message(a, id, 0x8580, "_ldap._tcp.dc._msdcs.corp.local", 1, 1, true,
	    g->hosts[dc].ip);
	t = udp_exchange(g, t, c, dc, ephemeral(&g->hosts[c]), 53, q, ql, a, al, rtt(g, c, dc));
	t += rnd_range(&g->rng, 200, 2000);
	t = udp_exchange(g, t, c, dc, ephemeral(&g->hosts[c]), 389, g->fill, 180, g->fill + 7,
	    rnd_range(&g->rng, 150, 250), rtt(g, c, dc));
	t = tcp_session(g, t + rnd_range(&g->rng, 200, 2000), c, dc, 88, logon ? 2 : 1, 1400, 1500);
	t = tcp_session(g, t + rnd_range(&g->rng, 200, 2000), c, dc, 389, 3, 300, 1200);
	if (!logon)
		return;
	t = tcp_session(g, t + rnd_range(&g->rng, 200, 2000), c, dc, 135, 1, 160, 150);
	/* The port the endpoint mapper named: Windows' dynamic RPC range. */
	t = tcp_session(g, t + rnd_range(&g->rng, 100, 1000), c, dc,
	    (uint16_t)rnd_range(&g->rng, 49664, 49700), 2, 500, 800);
	tcp_session(g, t + rnd_range(&g->rng, 100, 1000), c, dc, 445, 2, 400, 2000);
}

/* The NMS's minute: ICMP echo and SNMP GET to every host it watches. */
static void
x_nms_round(struct gen *g, uint64_t t, uint32_t round)
{
	uint32_t i;
	uint16_t icmp_id = (uint16_t)(0x4d00 + round);
	uint8_t echo[56], q[96], a[96];

	for (i = 0; i < g->nhosts; i++) {
		const struct host *h = &g->hosts[i];
		uint32_t ql, al, j, r;
		uint64_t te;
		if (i == g->nms || !h->lan || h->role == ROLE_ABSENT || h->join_us > t)
			continue;
		/* Linux ping: an 8-byte timestamp, then 0x10, 0x11, ... */
		t += rnd_range(&g->rng, 15000, 35000);
		te = START_S * 1000000 + t;
		pcapw_put32(echo, (uint32_t)(te / 1000000));
		pcapw_put32(echo + 4, (uint32_t)(te % 1000000));
		for (j = 8; j < sizeof(echo); j++)
			echo[j] = (uint8_t)(j + 8);
		r = rtt(g, g->nms, i);
		emit_icmp(g, t, g->nms, i, g->nms, 8, (uint32_t)icmp_id << 16 | i, echo, sizeof(echo));
		emit_icmp(g, t + r, i, g->nms, g->nms, 0, (uint32_t)icmp_id << 16 | i, echo, sizeof(echo));
		ql = snmp_message(q, round << 16 | i, false, 0);
		al = snmp_message(a, round << 16 | i, true, (uint32_t)(t / 10000) + i * 360000);
		udp_exchange(g, t + r + rnd_range(&g->rng, 2000, 8000), g->nms, i,
		    ephemeral(&g->hosts[g->nms]), 161, q, ql, a, al, rtt(g, g->nms, i));
	}
}

static void
x_print(struct gen *g, uint64_t t, uint32_t c, uint32_t printer)
{
	if (chance(&g->rng, 0.6))
		tcp_session(g, t, c, printer, 9100, 1, 6000, 1);     /* raw job, no answer data */
	else
		tcp_session(g, t, c, printer, 631, 2, 4000, 300);    /* IPP: HTTP POSTs */
}

static void
x_ntp(struct gen *g, uint64_t t, uint32_t a, uint32_t server)
{
	uint8_t q[48], r[48];

	ntp_message(q, false, t);
	ntp_message(r, true, t);
	udp_exchange(g, t, a, server, 123, 123, q, 48, r, 48, rtt(g, a, server));
}

/* A frame between the DHCP server and the router's relay address `relay`
 * (a client subnet's gateway) on the server segment. */
static void
emit_relay_leg(struct gen *g, uint64_t t, bool to_server, uint32_t relay, const uint8_t *msg,
    uint32_t len)
{
	const struct host *srv = &g->hosts[g->dhcp], *gw0 = &g->hosts[g->gw[0]];
	struct frames_ip ip;

	ip.src_mac = to_server ? gw0->mac : srv->mac;
	ip.dst_mac = to_server ? srv->mac : gw0->mac;
	ip.src = to_server ? g->hosts[relay].ip : srv->ip;
	ip.dst = to_server ? srv->ip : g->hosts[relay].ip;
	ip.ttl = to_server ? 255 : 64;
	ip.id = 0;
	ip.frag = 0;
	push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, 67, 67, msg, len),
	    to_server ? (int32_t)relay : (int32_t)g->dhcp);
}

/* A frame from the relay to the client on its segment: 67 -> 68, to yiaddr. */
static void
emit_relay_to_client(struct gen *g, uint64_t t, uint32_t c, const uint8_t *msg, uint32_t len)
{
	const struct host *ch = &g->hosts[c], *gw = &g->hosts[g->gw[ch->subnet]];
	struct frames_ip ip = { ch->mac, gw->mac, gw->ip, ch->ip, 255, 0, 0 };

	push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, 67, 68, msg, len),
	    (int32_t)g->gw[ch->subnet]);
}

/* A new client's lease through the router's relay, with the server's ping check. */
static void
x_dhcp_join(struct gen *g, uint64_t t, uint32_t c)
{
	struct host *ch = &g->hosts[c];
	uint32_t relay = g->gw[ch->subnet], xid = (uint32_t)labnet_rng_next(&g->rng), len;
	uint32_t dns[2] = { g->hosts[g->dcs[0]].ip, g->hosts[g->dcs[1]].ip };
	uint32_t gwip = g->hosts[relay].ip, srv = g->hosts[g->dhcp].ip;
	uint8_t m[400], probe[8];
	uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct frames_ip ip = { bcast, ch->mac, 0, 0xffffffffu, 128, 0, 0 };
	uint64_t tp;

	/* DISCOVER, relayed to the server. */
	len = dhcp_message(m, 1, 1, xid, ch->mac, 0, 0, 0, 0, 0, dns);
	push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, 68, 67, m, len), (int32_t)c);
	len = dhcp_message(m, 1, 1, xid, ch->mac, 0, 0, gwip, 0, 0, dns);
	t += rnd_range(&g->rng, 200, 800);
	emit_relay_leg(g, t, true, relay, m, len);
	/* The ping check: an echo to the address about to be offered, which nobody
	 * answers; the router's ARP for it goes unanswered too. */
	tp = t + rnd_range(&g->rng, 300, 2000);
	memset(probe, 0, sizeof(probe));
	emit_icmp(g, tp, g->dhcp, c, g->dhcp, 8, (uint32_t)(xid & 0xffff) << 16 | 1, probe,
	    sizeof(probe));
	push(g, tp + rnd_range(&g->rng, 300, 1500), frames_arp(g->frame, sizeof(g->frame), 1, NULL,
	    g->hosts[relay].mac, gwip, NULL, ch->ip), -1);
	/* OFFER 0.5-1 s later, through the relay. */
	t = tp + rnd_range(&g->rng, 500000, 1000000);
	len = dhcp_message(m, 2, 2, xid, ch->mac, 0, ch->ip, gwip, srv, gwip, dns);
	emit_relay_leg(g, t, false, relay, m, len);
	t += rnd_range(&g->rng, 200, 800);
	emit_relay_to_client(g, t, c, m, len);
	/* REQUEST (broadcast), relayed; ACK back. */
	t += rnd_range(&g->rng, 3000, 40000);
	len = dhcp_message(m, 1, 3, xid, ch->mac, 0, ch->ip, 0, srv, 0, dns);
	push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, 68, 67, m, len), (int32_t)c);
	len = dhcp_message(m, 1, 3, xid, ch->mac, 0, ch->ip, gwip, srv, 0, dns);
	t += rnd_range(&g->rng, 200, 800);
	emit_relay_leg(g, t, true, relay, m, len);
	t += rnd_range(&g->rng, 500, 3000);
	len = dhcp_message(m, 2, 5, xid, ch->mac, 0, ch->ip, gwip, srv, gwip, dns);
	emit_relay_leg(g, t, false, relay, m, len);
	t += rnd_range(&g->rng, 200, 800);
	emit_relay_to_client(g, t, c, m, len);
	/* Address conflict probe (sender 0.0.0.0), then the gateway. */
	t += rnd_range(&g->rng, 5000, 20000);
	push(g, t, frames_arp(g->frame, sizeof(g->frame), 1, NULL, ch->mac, 0, NULL, ch->ip), -1);
	t += rnd_range(&g->rng, 1000000, 2000000);
	emit_arp_exchange(g, t, c, gwip, (int32_t)relay, &g->rng);
}

static void
x_dhcp_renew(struct gen *g, uint64_t t, uint32_t c)
{
	const struct host *ch = &g->hosts[c];
	uint32_t dns[2] = { g->hosts[g->dcs[0]].ip, g->hosts[g->dcs[1]].ip };
	uint32_t xid = (uint32_t)labnet_rng_next(&g->rng), gwip = g->hosts[g->gw[ch->subnet]].ip;
	uint8_t q[400], a[400];
	uint32_t ql = dhcp_message(q, 1, 3, xid, ch->mac, ch->ip, 0, 0, 0, 0, dns);
	uint32_t al = dhcp_message(a, 2, 5, xid, ch->mac, ch->ip, ch->ip, 0,
	    g->hosts[g->dhcp].ip, gwip, dns);

	udp_exchange(g, t, c, g->dhcp, 68, 67, q, ql, a, al, rtt(g, c, g->dhcp));
}

/* One responder's unicast answer to a querier, after resolving it. */
static void
answer(struct gen *g, uint64_t t, uint32_t responder, uint32_t q, uint16_t sport,
    uint16_t dport, const uint8_t *msg, uint32_t len)
{
	t = resolve(g, t, responder, q);
	emit_udp(g, t, responder, q, q, sport, dport, msg, len);
}

static void
x_discovery(struct gen *g, uint64_t t, uint8_t kind, uint32_t q)
{
	struct host *qh = &g->hosts[q];
	uint32_t s = qh->subnet, responders[6], nresp = 0, i, len;
	uint32_t group = 0xeffffffau;   /* 239.255.255.250 */
	uint8_t m[1400], a[1400];
	char uuid[37], uuid2[37];
	uint16_t sport, id = (uint16_t)labnet_rng_next(&g->rng);
	const struct host *owner;

	switch (kind) {
	case S_SSDP:
		sport = ephemeral(qh);
		len = text_payload(m, sizeof(m), "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
		    "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: upnp:rootdevice\r\nUSER-AGENT: Microsoft-Windows/10.0 UPnP/1.0\r\n\r\n");
		emit_udp_group(g, t, q, group, 2, sport, 1900, m, len);
		for (i = 0; i < 3; i++)
			responders[nresp++] = g->printers[s][i];
		responders[nresp++] = g->nas[s];
		for (i = 0; i < nresp; i++) {
			owner = &g->hosts[responders[i]];
			uuid_text(&g->rng, uuid);
			len = text_payload(a, sizeof(a), "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\n"
			    "EXT:\r\nLOCATION: http://%u.%u.%u.%u:%u/description.xml\r\nSERVER: Linux/4.4 "
			    "UPnP/1.0 %s\r\nST: upnp:rootdevice\r\nUSN: uuid:%s::upnp:rootdevice\r\n\r\n",
			    owner->ip >> 24, (owner->ip >> 16) & 0xff, (owner->ip >> 8) & 0xff,
			    owner->ip & 0xff, owner->role == ROLE_NAS ? 5000 : 8080,
			    owner->role == ROLE_NAS ? "Synology/DSM" : "HP-Printer/1.0", uuid);
			answer(g, t + rtt(g, q, responders[i]), responders[i], q, 1900, sport, a, len);
		}
		break;
	case S_WSD:
		sport = ephemeral(qh);
		uuid_text(&g->rng, uuid);
		len = text_payload(m, sizeof(m), "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope "
		    "xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsa=\"http://schemas."
		    "xmlsoap.org/ws/2004/08/addressing\" xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/"
		    "04/discovery\" xmlns:wsdp=\"http://schemas.xmlsoap.org/ws/2006/02/devprof\"><soap:"
		    "Header><wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action>"
		    "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action><wsa:MessageID>"
		    "urn:uuid:%s</wsa:MessageID></soap:Header><soap:Body><wsd:Probe><wsd:Types>wsdp:"
		    "Device</wsd:Types></wsd:Probe></soap:Body></soap:Envelope>", uuid);
		emit_udp_group(g, t, q, group, 1, sport, 3702, m, len);
		for (i = 0; i < 3; i++)
			responders[nresp++] = g->printers[s][i];
		responders[nresp++] = g->winsrv[s][0];
		responders[nresp++] = g->winsrv[s][1];
		for (i = 0; i < nresp; i++) {
			uuid_text(&g->rng, uuid2);
			len = text_payload(a, sizeof(a), "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:"
			    "Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsa=\""
			    "http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:wsd=\"http://schemas."
			    "xmlsoap.org/ws/2005/04/discovery\"><soap:Header><wsa:To>http://schemas.xmlsoap"
			    ".org/ws/2004/08/addressing/role/anonymous</wsa:To><wsa:Action>http://schemas."
			    "xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action><wsa:MessageID>urn:"
			    "uuid:%s</wsa:MessageID><wsa:RelatesTo>urn:uuid:%s</wsa:RelatesTo></soap:Header>"
			    "<soap:Body><wsd:ProbeMatches><wsd:ProbeMatch><wsa:EndpointReference><wsa:"
			    "Address>urn:uuid:%s</wsa:Address></wsa:EndpointReference><wsd:Types>wsdp:Device"
			    "</wsd:Types><wsd:MetadataVersion>2</wsd:MetadataVersion></wsd:ProbeMatch></wsd:"
			    "ProbeMatches></soap:Body></soap:Envelope>", uuid2, uuid, uuid2);
			/* Each answers from a socket of its own. */
			answer(g, t + rtt(g, q, responders[i]), responders[i], q,
			    ephemeral(&g->hosts[responders[i]]), sport, a, len);
		}
		break;
	case S_LLMNR:
	case S_NBNS: {
		/* A name only its owner answers: a department server or the NAS. */
		static const char *const names[3] = { "deptsrv1", "deptsrv2", "nas" };
		uint32_t pick = labnet_rng_below(&g->rng, 3);
		uint32_t who = pick == 2 ? g->nas[s] : g->winsrv[s][pick];
		owner = &g->hosts[who];
		if (kind == S_LLMNR) {
			sport = ephemeral(qh);
			len = dns_message(m, id, 0, names[pick], 1, 1, false, 0);
			emit_udp_group(g, t, q, 0xe00000fcu, 1, sport, 5355, m, len);
			len = dns_message(a, id, 0x8000, names[pick], 1, 1, true, owner->ip);
			answer(g, t + rtt(g, q, who), who, q, 5355, sport, a, len);
		} else {
			len = nbns_message(m, id, names[pick], false, 0);
			emit_udp_group(g, t, q, subnet_addr(s, 255), 128, 137, 137, m, len);
			len = nbns_message(a, id, names[pick], true, owner->ip);
			answer(g, t + rtt(g, q, who), who, q, 137, 137, a, len);
		}
		break;
	}
	default:    /* S_MDNS: a one-shot query asking for unicast answers (QU) */
		len = dns_message(m, 0, 0, "_ipp._tcp.local", 12, 0x8001, false, 0);
		emit_udp_group(g, t, q, 0xe00000fbu, 255, 5353, 5353, m, len);
		for (i = 0; i < 3; i++)
			responders[nresp++] = g->printers[s][i];
		responders[nresp++] = g->nas[s];
		len = dns_message(a, 0, 0x8400, "_ipp._tcp.local", 12, 1, true, 0);
		for (i = 0; i < nresp; i++)
			answer(g, t + rtt(g, q, responders[i]), responders[i], q, 5353, 5353, a, len);
		break;
	}
}

/* A client's connect() to a server that is gone: SYN, retransmitted at +3 s and +9 s. */
static void
x_dead_tcp(struct gen *g, uint64_t t, uint32_t c)
{
	uint16_t sport = ephemeral(&g->hosts[c]);
	uint32_t seq = (uint32_t)labnet_rng_next(&g->rng);
	static const uint32_t retrans_ms[3] = { 0, 3000, 9000 };
	unsigned i;

	for (i = 0; i < 3; i++)
		emit_tcp(g, t + US(retrans_ms[i]), c, g->dead_server, c, sport, 8443, seq, 0,
		    FRAMES_TH_SYN, NULL, 0);
}

static void
x_syslog(struct gen *g, uint64_t t, uint32_t sender)
{
	static const char *const msgs[] = {
		"smbd[2211]: connection from 10.20.3.47 closed",
		"kernel: md2: resync done",
		"synoscgi: system successfully backed up to remote target",
		"sshd[3107]: Accepted publickey for admin",
	};
	uint8_t m[256];
	uint64_t now = START_S + t / 1000000;
	struct tm tm;
	char stamp[32];
	time_t tt = (time_t)now;
	uint32_t len;

	gmtime_r(&tt, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	len = text_payload(m, sizeof(m), "<134>%s nas-%u %s", stamp, g->hosts[sender].subnet + 1,
	    msgs[labnet_rng_below(&g->rng, 4)]);
	emit_udp(g, t, sender, g->dead_collector, sender, 514, 514, m, len);
}

static void
expand(struct gen *g, const struct sess *s)
{
	g->counts[s->kind]++;
	switch (s->kind) {
	case S_WEB: x_web(g, s->t_us, s->a); break;
	case S_SMB: tcp_session(g, s->t_us, s->a, s->b, 445, rnd_range(&g->rng, 2, 3), 350, 1800); break;
	case S_DC_LOGON: x_dc(g, s->t_us, s->a, true); break;
	case S_DC_REFRESH: x_dc(g, s->t_us, s->a, false); break;
	case S_NMS_ROUND: x_nms_round(g, s->t_us, s->a); break;
	case S_SSH: tcp_session(g, s->t_us, s->a, s->b, 22, 4, 400, 900); break;
	case S_PRINT: x_print(g, s->t_us, s->a, s->b); break;
	case S_NTP: case S_NTP_UPSTREAM: x_ntp(g, s->t_us, s->a, s->b); break;
	case S_DHCP_JOIN: x_dhcp_join(g, s->t_us, s->a); break;
	case S_DHCP_RENEW: x_dhcp_renew(g, s->t_us, s->a); break;
	case S_SSDP: case S_WSD: case S_LLMNR: case S_MDNS: case S_NBNS:
		x_discovery(g, s->t_us, s->kind, s->a);
		break;
	case S_DEAD_TCP: x_dead_tcp(g, s->t_us, s->a); break;
	default: x_syslog(g, s->t_us, s->a); break;
	}
}

/* ---- the plan ---------------------------------------------------------------------- */

static void
plan(struct gen *g, uint64_t t, uint8_t kind, uint32_t a, uint32_t b)
{
	struct sess *s;

	if (t >= DURATION_US)
		return;
	if (g->nsess == g->sess_cap)
		g->sess = grow(g->sess, &g->sess_cap, sizeof(*g->sess));
	s = &g->sess[g->nsess];
	s->t_us = t;
	s->order = g->nsess++;
	s->kind = kind;
	s->a = a;
	s->b = b;
}

static uint64_t
at_s(struct gen *g, double lo, double hi)
{
	return (uint64_t)(1e6 * (lo + (hi - lo) * labnet_rng_unit(&g->rng)));
}

/* What one client does during the capture, from `start` on. */
static void
plan_client(struct gen *g, uint32_t c, uint64_t start, bool joined)
{
	struct host *h = &g->hosts[c];
	uint32_t s = h->subnet, fav[3], i;
	uint64_t t;
	static const uint8_t disc[5] = { S_SSDP, S_WSD, S_LLMNR, S_MDNS, S_NBNS };
	static const double disc_p[5] = { 0.6, 0.5, 0.4, 0.4, 0.45 };

	for (i = 0; i < 3; i++)
		fav[i] = g->files[labnet_rng_below(&g->rng, FILE_SERVERS)];
	if (joined) {
		plan(g, start, S_DHCP_JOIN, c, 0);
		plan(g, start + at_s(g, 2, 6), S_DC_LOGON, c, 0);
		/* Explorer and the name service probe the new network. */
		for (i = 0; i < 5; i++)
			plan(g, start + at_s(g, 3, 20), disc[i], c, 0);
		for (i = 0; i < 2; i++)
			plan(g, start + at_s(g, 8, 40), S_SMB, c, fav[i]);
	} else {
		for (i = 0; i < 5; i++)
			if (chance(&g->rng, disc_p[i]))
				plan(g, at_s(g, 0, 650), disc[i], c, 0);
		if (chance(&g->rng, 0.25))
			plan(g, at_s(g, 0, 650), S_DHCP_RENEW, c, 0);
		if (chance(&g->rng, 0.2))
			plan(g, at_s(g, 0, 650), S_NTP, c, h->dc);
	}
	for (t = start + at_s(g, 10, 80); t < DURATION_US; t += (uint64_t)rnd_exp(&g->rng, 110e6) + 5000000)
		plan(g, t, S_WEB, c, 0);
	for (t = start + at_s(g, 20, 300); t < DURATION_US; t += (uint64_t)rnd_exp(&g->rng, 200e6) + 1000000)
		plan(g, t, S_SMB, c, fav[labnet_rng_below(&g->rng, 3)]);
	for (t = start + at_s(g, 30, 400); t < DURATION_US; t += (uint64_t)rnd_exp(&g->rng, 300e6) + 1000000)
		plan(g, t, S_DC_REFRESH, c, 0);
	if (chance(&g->rng, 0.35))
		for (i = rnd_range(&g->rng, 1, 2); i > 0; i--)
			plan(g, start + at_s(g, 5, 600), S_PRINT, c,
			    g->printers[s][labnet_rng_below(&g->rng, 3)]);
}

static void
plan_all(struct gen *g)
{
	uint32_t i, k, n, targets[MAX_HOSTS], power = 0;
	uint64_t t;

	for (i = 0; i < g->nhosts; i++) {
		const struct host *h = &g->hosts[i];
		if (is_client(h))
			plan_client(g, i, h->join_us, h->join_us != 0);
	}
	/* Power users: a logon script maps a dozen department shares at once. */
	for (i = 0; i < g->nhosts && power < 8; i++) {
		if (!is_client(&g->hosts[i]) || g->hosts[i].join_us || !chance(&g->rng, 0.1))
			continue;
		t = at_s(g, 40, 500);
		for (k = 0, n = rnd_range(&g->rng, 11, FILE_SERVERS); k < n; k++)
			plan(g, t + at_s(g, 0, 40), S_SMB, i, g->files[(k + i) % FILE_SERVERS]);
		power++;
	}
	/* The NMS's minute. */
	for (k = 0, t = 5000000; t < DURATION_US; t += 60000000, k++)
		plan(g, t, S_NMS_ROUND, k, 0);
	/* A configuration run over SSH, five hosts at a time. */
	for (i = 0, n = 0; i < g->nhosts; i++) {
		const struct host *h = &g->hosts[i];
		if (h->lan && h->role != ROLE_ABSENT && h->role != ROLE_GATEWAY &&
		    h->role != ROLE_PRINTER && i != g->cfgmgmt && h->join_us == 0)
			targets[n++] = i;
	}
	for (i = n - 1; i > 0; i--) {
		uint32_t j = labnet_rng_below(&g->rng, i + 1), x = targets[i];
		targets[i] = targets[j];
		targets[j] = x;
	}
	for (k = 0; k < n && k < 140; k++)
		plan(g, 150000000 + (uint64_t)(k / 5) * 6000000 + at_s(g, 0, 4), S_SSH, g->cfgmgmt,
		    targets[k]);
	/* The DCs keep time with two Internet servers. */
	for (t = 2000000; t < DURATION_US; t += 64000000)
		for (i = 0; i < 2; i++)
			plan(g, t + at_s(g, 0, 2), S_NTP_UPSTREAM, g->dcs[i], g->first_internet + 20 + i);
	/* A client whose application keeps retrying a server that is gone. */
	for (t = 20000000; t < DURATION_US; t += 30000000)
		plan(g, t, S_DEAD_TCP, g->retry_client, 0);
	for (t = at_s(g, 0, 5); t < DURATION_US; t += (uint64_t)rnd_exp(&g->rng, 8e6) + 200000)
		plan(g, t, S_SYSLOG, g->syslog_sender, 0);
}

static int
sess_cmp(const void *x, const void *y)
{
	const struct sess *a = x, *b = y;

	if (a->t_us != b->t_us)
		return a->t_us < b->t_us ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* ---- worms --------------------------------------------------------------------------- */

/* A silent address of the /16 for a worm: never a live host, the network's
 * subnet or broadcast addresses, or the worm itself. */
static uint32_t
silent_target(struct gen *g, uint32_t self)
{
	uint32_t a;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		a = NET | labnet_rng_below(&g->wrng, 65536);
		if ((a & 0xff) != 0 && (a & 0xff) != 255 && a != g->hosts[self].ip &&
		    host_at(g, a) < 0)
			return a;
	}
	die("internal error: no silent address found");
	return 0;
}

/* A worm probe to an address on its own subnet: ARP requests nobody answers. */
static void
worm_arp_silent(struct gen *g, uint64_t t, uint32_t w, uint32_t target)
{
	unsigned i;

	for (i = 0; i < 3; i++)     /* three tries a second apart */
		push(g, t + i * 1000000ULL, frames_arp(g->frame, sizeof(g->frame), 1, NULL,
		    g->hosts[w].mac, g->hosts[w].ip, NULL, target), -1);
}

/* A frame from worm `w` to an address that is no host: via its gateway. */
static void
worm_send(struct gen *g, uint64_t t, uint32_t w, uint32_t target, uint8_t proto,
    uint16_t sport, uint16_t dport, uint32_t seq, const uint8_t *payload, uint32_t len)
{
	const struct host *h = &g->hosts[w];
	struct frames_ip ip = { g->hosts[g->gw[h->subnet]].mac, h->mac, h->ip, target, h->ttl, 0,
	    0x4000 };
	struct frames_tcp tcp = { sport, dport, seq, 0, FRAMES_TH_SYN, tsval(h, t) };

	if (proto == 6)
		push(g, t, frames_tcp(g->frame, sizeof(g->frame), &ip, &tcp, NULL, 0), (int32_t)w);
	else
		push(g, t, frames_udp(g->frame, sizeof(g->frame), &ip, sport, dport, payload, len),
		    (int32_t)w);
}

static void
run_worm(struct gen *g, struct worm *wm)
{
	uint32_t w = wm->host, target, seq;
	const struct host *h = &g->hosts[w];
	uint16_t port = (uint16_t)rnd_range(&g->wrng, 1025, 5000);   /* its own sockets */
	uint16_t udp_port = port;
	uint8_t payload[100];
	uint64_t t = wm->first_us;
	uint32_t live[MAX_HOSTS], nlive = 0, i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)labnet_rng_next(&g->wrng);
	payload[0] = 0x02;   /* not Slammer's 0x04 */
	if (wm->kind == W_RST135) {
		/* Every live host without an RPC listener, in random order. */
		for (i = 0; i < g->nhosts; i++) {
			const struct host *x = &g->hosts[i];
			if (i != w && x->lan && x->role != ROLE_ABSENT && x->role != ROLE_GATEWAY &&
			    !(x->windows && x->role != ROLE_CLIENT) && x->join_us == 0)
				live[nlive++] = i;
		}
		for (i = nlive - 1; i > 0; i--) {
			uint32_t j = labnet_rng_below(&g->wrng, i + 1), x = live[i];
			live[i] = live[j];
			live[j] = x;
		}
	}
	for (i = 0; t < DURATION_US; i++) {
		seq = (uint32_t)labnet_rng_next(&g->wrng);
		port = (uint16_t)(port >= 5000 ? 1025 : port + 1);
		if (wm->kind == W_RST135) {
			const struct host *x;
			uint32_t r;
			if (i >= nlive)
				break;
			x = &g->hosts[live[i]];
			r = x->subnet == h->subnet ? rnd_range(&g->wrng, 100, 1500) :
			    rnd_range(&g->wrng, 300, 3000);
			if (x->subnet == h->subnet && is_client(x)) {
				/* A client it never talked to: resolved first. */
				push(g, t, frames_arp(g->frame, sizeof(g->frame), 1, NULL, h->mac, h->ip,
				    NULL, x->ip), -1);
				push(g, t + r / 2, frames_arp(g->frame, sizeof(g->frame), 2, NULL, x->mac,
				    x->ip, h->mac, h->ip), -1);
				t += r / 2 + 40;
			}
			emit_tcp(g, t, w, live[i], w, port, 135, seq, 0, FRAMES_TH_SYN, NULL, 0);
			emit_tcp(g, t + r, live[i], w, w, 135, port, 0, seq + 1,
			    FRAMES_TH_RST | FRAMES_TH_ACK, NULL, 0);
		} else {
			target = silent_target(g, w);
			if (subnet_of(target) == h->subnet) {
				worm_arp_silent(g, t, w, target);
				wm->arp_only++;
			} else if (wm->kind == W_UDP1434) {
				worm_send(g, t, w, target, 17, udp_port, 1434, 0, payload, sizeof(payload));
			} else if (wm->kind == W_TELNET) {
				/* A raw-socket scanner: one SYN, never retransmitted. */
				worm_send(g, t, w, target, 6, port, 23, seq, NULL, 0);
			} else {
				/* connect(): SYN, retransmitted at +3 s and +9 s. */
				worm_send(g, t, w, target, 6, port, 445, seq, NULL, 0);
				worm_send(g, t + 3000000, w, target, 6, port, 445, seq, NULL, 0);
				worm_send(g, t + 9000000, w, target, 6, port, 445, seq, NULL, 0);
			}
		}
		wm->probes++;
		/* Threads connecting independently: exponential gaps, capped. */
		{
			double gap = rnd_exp(&g->wrng, 1e6 / wm->rate);
			t += (uint64_t)(gap < 5e6 / wm->rate ? gap : 5e6 / wm->rate) + 1;
		}
	}
}

static void
plan_worms(struct gen *g)
{
	static const struct { enum worm_kind kind; uint32_t subnet; double start_s, rate;
	    uint8_t proto; uint16_t port; } spec[MAX_WORMS] = {
		{ W_TCP445, 1, 240.0, 12.0, 6, 445 },
		{ W_UDP1434, 2, 300.0, 15.0, 17, 1434 },
		{ W_TELNET, 3, 360.0, 2.0, 6, 23 },
		{ W_RST135, 4, 420.0, 10.0, 6, 135 },
	};
	uint32_t i, k, seen;

	for (k = 0; k < MAX_WORMS; k++) {
		struct worm *wm = &g->worms[g->nworms++];
		memset(wm, 0, sizeof(*wm));
		wm->kind = spec[k].kind;
		wm->rate = spec[k].rate;
		wm->proto = spec[k].proto;
		wm->port = spec[k].port;
		wm->first_us = US(spec[k].start_s * 1000) + rnd_range(&g->wrng, 0, 999999);
		/* The sixth client of its subnet that was up from the start. */
		for (i = 0, seen = 0; i < g->nhosts; i++) {
			const struct host *h = &g->hosts[i];
			if (is_client(h) && h->join_us == 0 && h->subnet == spec[k].subnet &&
			    i != g->retry_client && ++seen == 6)
				break;
		}
		if (i == g->nhosts)
			die("internal error: no client for a worm");
		wm->host = i;
	}
}

/* ---- output ------------------------------------------------------------------------- */

static int
rec_cmp(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->t_us != b->t_us)
		return a->t_us < b->t_us ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts the frames by time and writes them; IP ids are handed out in that order. */
static int
write_capture(struct gen *g, const char *path)
{
	struct pcapw w;
	uint32_t i;

	qsort(g->recs, g->nrecs, sizeof(*g->recs), rec_cmp);
	if (pcapw_open(&w, path, SNAPLEN) != 0)
		return -1;
	for (i = 0; i < g->nrecs; i++) {
		const struct rec *r = &g->recs[i];
		uint8_t *f = g->arena + r->off, *ip = f + PCAPW_ETH_LEN;
		uint64_t us = START_S * 1000000 + r->t_us;
		if (r->sender >= 0 && r->len >= PCAPW_ETH_LEN + PCAPW_IPV4_LEN &&
		    f[12] == 0x08 && f[13] == 0x00) {
			pcapw_put16(ip + 4, g->hosts[r->sender].ip_id++);
			pcapw_put16(ip + 10, 0);
			pcapw_put16(ip + 10, pcapw_csum_fold(pcapw_csum_add(0, ip, PCAPW_IPV4_LEN)));
		}
		if (pcapw_write(&w, us / 1000000, (uint32_t)(us % 1000000), f, r->len) != 0) {
			int saved = errno;
			pcapw_close(&w);
			errno = saved;
			return -1;
		}
	}
	return pcapw_close(&w);
}

static void
ip_text(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void
mac_text(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int
write_truth(const struct gen *g, const char *path, uint64_t seed, bool worms)
{
	FILE *f = fopen(path, "w");
	char ip[16], mac[18];
	uint32_t i, n = 0;

	if (f == NULL)
		return -1;
	fprintf(f, "{\n  \"generator\": \"" PROG "\",\n  \"seed\": %" PRIu64 ",\n  \"worms_on\": %s,\n"
	    "  \"start_us\": %" PRIu64 ",\n  \"duration_s\": %.0f,\n  \"packets\": %u,\n  \"subnets\": [",
	    seed, worms ? "true" : "false", START_S * 1000000, DURATION_US / 1e6, g->nrecs);
	for (i = 0; i < NSUBNETS; i++) {
		const struct host *gw = &g->hosts[g->gw[i]];
		ip_text(gw->ip, ip);
		mac_text(gw->mac, mac);
		fprintf(f, "%s\n    {\"prefix\": \"10.20.%u.0/24\", \"gateway\": \"%s\", \"gateway_mac\": \"%s\"}",
		    i ? "," : "", i + 1, ip, mac);
	}
	fprintf(f, "\n  ],\n  \"hosts\": [");
	for (i = 0; i < g->nhosts; i++) {
		const struct host *h = &g->hosts[i];
		if (!h->lan || h->role == ROLE_ABSENT)
			continue;
		ip_text(h->ip, ip);
		mac_text(h->mac, mac);
		fprintf(f, "%s\n    {\"ip\": \"%s\", \"mac\": \"%s\", \"role\": \"%s\"",
		    n++ ? "," : "", ip, mac, role_names[h->role]);
		if (h->join_us)
			fprintf(f, ", \"dhcp_join_s\": %.3f", h->join_us / 1e6);
		if (i == g->retry_client)
			fprintf(f, ", \"note\": \"retries the dead server\"");
		if (i == g->syslog_sender)
			fprintf(f, ", \"note\": \"sends syslog to the dead collector\"");
		fputc('}', f);
	}
	ip_text(g->hosts[g->dead_server].ip, ip);
	fprintf(f, "\n  ],\n  \"silent\": [\"%s\", ", ip);
	ip_text(g->hosts[g->dead_collector].ip, ip);
	fprintf(f, "\"%s\"],\n  \"worms\": [", ip);
	for (i = 0; i < g->nworms; i++) {
		const struct worm *wm = &g->worms[i];
		const struct host *h = &g->hosts[wm->host];
		ip_text(h->ip, ip);
		mac_text(h->mac, mac);
		fprintf(f, "%s\n    {\"ip\": \"%s\", \"mac\": \"%s\", \"kind\": \"%s\", \"proto\": \"%s\", "
		    "\"port\": %u, \"first_probe_us\": %" PRIu64 ", \"first_probe_s\": %.6f, "
		    "\"rate\": %.1f, \"probes\": %u, \"arp_only_probes\": %u, \"targets\": \"%s\"}",
		    i ? "," : "", ip, mac, worm_kind_names[wm->kind], wm->proto == 6 ? "tcp" : "udp",
		    wm->port, START_S * 1000000 + wm->first_us, wm->first_us / 1e6, wm->rate,
		    wm->probes, wm->arp_only, wm->kind == W_RST135 ? "live hosts, answer RST" :
		    "silent addresses of 10.20.0.0/16");
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " -o OUT.pcap [--truth FILE] [--seed N] [--no-worms]\n"
	    "  -o OUT.pcap    the capture to write (11 minutes of an enterprise LAN)\n"
	    "  --truth FILE   JSON: subnets, hosts by role, silent addresses, worms\n"
	    "  --seed N       PRNG seed (default %llu); same options, same files\n"
	    "  --no-worms     benign traffic only (the same benign traffic)\n",
	    (unsigned long long)DEFAULT_SEED);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "truth", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "no-worms", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen g;
	const char *out = NULL, *truth = NULL;
	uint64_t seed = DEFAULT_SEED;
	bool worms = true;
	uint32_t i;
	int opt;

	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 't': truth = optarg; break;
		case 'n': worms = false; break;
		case 's': {
			char *end;
			unsigned long long v;
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-') {
				fprintf(stderr, PROG ": --seed '%s': an unsigned integer\n", optarg);
				return 2;
			}
			seed = v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (out == NULL || optind < argc) {
		usage(stderr);
		return 2;
	}
	g.rng.state = seed;
	g.wrng.state = seed ^ 0x5bd1e9955bd1e995ULL;
	g.host_of_ip = calloc(65536, sizeof(*g.host_of_ip));
	g.arp_cap = 1u << 18;
	g.arp_cache = calloc(g.arp_cap, sizeof(*g.arp_cache));
	if (g.host_of_ip == NULL || g.arp_cache == NULL)
		die("out of memory");
	for (i = 0; i < sizeof(g.fill); i++)
		g.fill[i] = (uint8_t)labnet_rng_next(&g.rng);
	build_network(&g);
	for (i = 0; i < g.nhosts && !(is_client(&g.hosts[i]) && g.hosts[i].subnet == 2); i++)
		;
	g.retry_client = i;
	warm_arp_caches(&g);
	plan_all(&g);
	qsort(g.sess, g.nsess, sizeof(*g.sess), sess_cmp);
	for (i = 0; i < g.nsess; i++)
		expand(&g, &g.sess[i]);
	if (worms) {
		plan_worms(&g);
		for (i = 0; i < g.nworms; i++)
			run_worm(&g, &g.worms[i]);
	}
	if (write_capture(&g, out) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (truth != NULL && write_truth(&g, truth, seed, worms) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", truth, strerror(errno));
		return 1;
	}
	printf("%s: %u frames, %u LAN hosts, %.0f s\n", out, g.nrecs,
	    g.nhosts - g.ninternet - 2, DURATION_US / 1e6);
	for (i = 0; i <= S_SYSLOG; i++)
		printf("  %-12s %6" PRIu64 "\n", sess_names[i], g.counts[i]);
	for (i = 0; i < g.nworms; i++)
		printf("  worm %s: %u probes from %.3f s\n", worm_kind_names[g.worms[i].kind],
		    g.worms[i].probes, g.worms[i].first_us / 1e6);
	free(g.host_of_ip);
	free(g.arp_cache);
	free(g.sess);
	free(g.recs);
	free(g.arena);
	return 0;
}
