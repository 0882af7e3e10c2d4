/* SPDX-License-Identifier: ISC */
/*
 * cordon-wormgen: writes the outbreak traffic of one infected host as a pcap
 * file, following the published behaviour of SQL Slammer, Blaster, Welchia
 * and Sasser (scan order, rate, packet shape; see docs/lab-worms.md). The lab
 * replays these files, so a run is repeatable: the output depends only on the
 * options (a seeded PRNG drives every choice).
 *
 * The scanning modes write only the infected host's own packets (its probes
 * and their retransmissions): whatever answers them is the replaying lab's
 * business. The exploit modes (blaster-dcom, sasser-lsass, wannacry) write
 * whole conversations with answering targets, as a mirror port sees them in a
 * dense unpatched LAN: handshake, then the exploit's identifying requests.
 * Every target lies inside --prefix, which must be private or documentation
 * space. No exploit code is generated: the Slammer payload is either the
 * recorded one (which only ever ran on unpatched SQL Server 2000 and is inert
 * as data) or a same-length placeholder, and where an exploit request carries
 * shellcode the exploit modes write a text filler that says what it is.
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

#include "addr.h"
#include "labnet.h"
#include "labopt.h"
#include "pcapw.h"
#include "slammer_payload.h"

#define PROG "cordon-wormgen"

#define DEFAULT_SEED 1
#define DEFAULT_START_S 1700000000ULL      /* 2023-11-14T22:13:20Z: capture time of the first packet */
#define DEFAULT_DST_MAC "02:00:00:00:00:fe" /* the lab's gateway, see docs/lab-worms.md */
#define MAX_COUNT 100000u                   /* first contacts; keeps a file below ~50 MB */
#define MAX_EXPLOIT_COUNT 1000u             /* exploit conversations (WannaCry's are ~70 KB each) */
#define MAX_RATE 1000000.0
#define SNAPLEN 65535

#define ETH_LEN PCAPW_ETH_LEN
#define IP_LEN PCAPW_IPV4_LEN
#define TCP_SYN_LEN 28                      /* Windows XP: MSS, NOP, NOP, SACK permitted */
#define ICMP_ECHO_DATA 64                   /* Welchia's echo payload: 64 bytes of 0xAA */
#define TCP_LEN 20                          /* segments of the exploit modes: no options */
#define MSS 1460                            /* Ethernet: exploit requests are cut at this */
#define MAX_FRAME (ETH_LEN + IP_LEN + TCP_LEN + MSS)

#define WINDOWS_TTL 128
#define XP_EPHEMERAL_LO 1025                /* Windows 2000/XP ephemeral ports: 1025-5000 */
#define XP_EPHEMERAL_HI 5000
#define SYN_RETRANSMITS_US { 3000000, 9000000 } /* XP: RTO 3 s, doubled; TcpMaxConnectRetransmissions 2 */

#define BLASTER_BATCH 20                    /* connect()s per round, then Sleep(1800) */
#define BLASTER_DEFAULT_RATE (20.0 / 1.8)   /* ~11 new addresses per second */

enum worm { WORM_SLAMMER, WORM_BLASTER, WORM_WELCHIA, WORM_SASSER, WORM_BLASTER_DCOM,
	    WORM_SASSER_LSASS, WORM_WANNACRY };

static const char *const worm_names[] = { "slammer", "blaster", "welchia", "sasser",
	"blaster-dcom", "sasser-lsass", "wannacry" };

/* What an unset --count / --rate means for each worm: small files, published rates. */
static const uint32_t default_count[] = { 2000, 200, 254, 500, 20, 20, 20 };
static const double default_rate[] = { 2000.0, BLASTER_DEFAULT_RATE, 100.0, 100.0,
	BLASTER_DEFAULT_RATE, 100.0, 10.0 };

enum pkt_kind { PKT_SLAMMER, PKT_SYN, PKT_ECHO, PKT_SEG };

/*
 * The messages of the exploit modes, built once per run (the same bytes to
 * every target). MSG_NONE: a segment without payload.
 */
enum msg_id {
	MSG_NONE, MSG_DCOM_BIND, MSG_DCOM_BIND_ACK, MSG_DCOM_REQUEST, MSG_LSASS_BIND,
	MSG_LSASS_REQUEST, MSG_EB_NT_TRANS, MSG_EB_TRANS2_SECONDARY, MSG_DP_PING, MSG_DP_REPLY,
	MSG_COUNT
};
#define MSG_MAX 8192

struct msg {
	uint8_t b[MSG_MAX];
	uint32_t len;
};

/* One packet to write; sorted by time before writing so retransmissions interleave. */
struct pkt {
	uint64_t t_us;           /* from the start of the capture */
	uint32_t order;          /* creation order: ties keep it */
	uint32_t dst;
	uint32_t seq;            /* TCP sequence or ICMP sequence number */
	uint16_t sport;
	uint16_t dport;
	uint8_t kind;
	/* PKT_SEG only: */
	uint8_t tcp_flags;
	uint8_t from_target;     /* sent by `dst` to the infected host */
	uint8_t msg;             /* enum msg_id */
	uint32_t ack;
	uint16_t msg_off, seg_len;
};

struct wormgen {
	enum worm worm;
	uint32_t src;
	uint8_t src_mac[6], dst_mac[6];
	struct labnet_prefix prefix;
	uint32_t count;
	double rate;
	uint64_t start_s;
	struct labnet_rng rng;
	uint8_t slammer[SLAMMER_PAYLOAD_LEN];
	bool real_payload;

	struct pkt *pkts;        /* owned */
	uint32_t npkts, cap;
	uint16_t next_sport;
	uint16_t ip_id;
	uint16_t icmp_id;
	uint32_t first_contacts;
	uint8_t frame[MAX_FRAME];
	struct msg msgs[MSG_COUNT];
};

/* ---- packet list --------------------------------------------------------------- */

static struct pkt *
pkt_add(struct wormgen *g, uint8_t kind, uint64_t t_us, uint32_t dst)
{
	struct pkt *p;

	if (g->npkts == g->cap) {
		/* Sized up front from the count, so this is only a safety net. */
		fprintf(stderr, PROG ": internal error: packet list full (%u)\n", g->cap);
		exit(1);
	}
	/* The single rule of this program: nothing outside the lab prefix, ever. */
	if (!labnet_is_target(&g->prefix, dst) || dst == g->src) {
		char shown[16];
		fprintf(stderr, PROG ": internal error: target %s is not a host of the prefix\n",
		    labnet_ip_str(dst, shown, sizeof(shown)));
		abort();
	}
	p = &g->pkts[g->npkts];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->t_us = t_us;
	p->dst = dst;
	p->order = g->npkts++;
	return p;
}

static uint16_t
next_ephemeral(struct wormgen *g)
{
	uint16_t p = g->next_sport;

	g->next_sport = (uint16_t)(p >= XP_EPHEMERAL_HI ? XP_EPHEMERAL_LO : p + 1);
	return p;
}

/* A connect() on Windows XP: one SYN, retransmitted at +3 s and +9 s without an answer. */
static void
add_connect(struct wormgen *g, uint64_t t_us, uint32_t dst, uint16_t dport)
{
	static const uint64_t retransmits[] = SYN_RETRANSMITS_US;
	uint16_t sport = next_ephemeral(g);
	uint32_t seq = (uint32_t)labnet_rng_next(&g->rng);
	size_t i;

	for (i = 0; i <= sizeof(retransmits) / sizeof(retransmits[0]); i++) {
		struct pkt *p = pkt_add(g, PKT_SYN, t_us + (i == 0 ? 0 : retransmits[i - 1]), dst);
		p->sport = sport;
		p->dport = dport;
		p->seq = seq;
	}
}

/* ---- targets ----------------------------------------------------------------------- */

/* Number of addresses of the prefix that can be targets (not network, broadcast, or us). */
static uint32_t
target_space(const struct wormgen *g)
{
	return (uint32_t)(labnet_broadcast(&g->prefix) - g->prefix.net - 1) - 1;
}

/* The next usable address after `a`, walking the prefix and wrapping around inside it. */
static uint32_t
next_sequential(const struct wormgen *g, uint32_t a)
{
	int i;

	/* At most three skips: network, broadcast, ourselves. */
	for (i = 0; i < 4; i++) {
		a = a >= labnet_broadcast(&g->prefix) ? g->prefix.net : a + 1;
		if (labnet_is_target(&g->prefix, a) && a != g->src)
			return a;
	}
	return a;   /* unreachable for a prefix of at most /30 */
}

/* A random usable address of `block` (a part of the prefix). */
static uint32_t
random_in(struct wormgen *g, const struct labnet_prefix *block)
{
	uint32_t size = ~labnet_mask(block->len) + 1, a;
	int tries;

	/* Blocks are at least /8 and at most /30 (checked on the prefix), so size
	 * is 4 to 2^24. A /30 holds two hosts, one possibly us: 64 draws all miss
	 * with probability 2^-64, and the fallback keeps the loop bounded anyway. */
	for (tries = 0; tries < 64; tries++) {
		a = block->net + labnet_rng_below(&g->rng, size);
		if (labnet_is_target(&g->prefix, a) && a != g->src)
			return a;
	}
	return next_sequential(g, block->net);
}

/* ---- the worms ---------------------------------------------------------------------- */

/*
 * Slammer: one 404-byte UDP datagram to port 1434 per random address, as fast
 * as the host can send; all through one socket, so one source port per run.
 */
static void
gen_slammer(struct wormgen *g)
{
	uint16_t sport = (uint16_t)(XP_EPHEMERAL_LO +
	    labnet_rng_below(&g->rng, XP_EPHEMERAL_HI - XP_EPHEMERAL_LO + 1));
	double gap_us = 1e6 / g->rate;
	uint32_t i;

	for (i = 0; i < g->count; i++) {
		struct pkt *p = pkt_add(g, PKT_SLAMMER, (uint64_t)(gap_us * i),
		    random_in(g, &g->prefix));
		p->sport = sport;
		p->dport = 1434;
		g->first_contacts++;
	}
}

/*
 * Blaster: sequential addresses from a random point of the local /24, in
 * rounds of 20 connect()s to tcp/135 with a pause between rounds that gives
 * --rate new addresses per second (1.8 s by default, as the worm sleeps).
 */
/* Blaster's first target: a random address of the local /24 (inside the prefix). */
static uint32_t
blaster_start(struct wormgen *g)
{
	struct labnet_prefix local = labnet_local_block(&g->prefix, g->src, 24);
	uint32_t size = ~labnet_mask(local.len) + 1;
	uint32_t a = local.net + labnet_rng_below(&g->rng, size);

	if (!labnet_is_target(&g->prefix, a) || a == g->src)
		a = next_sequential(g, a);
	return a;
}

/* When Blaster connects to its i-th target: the 20 connect()s of a round leave within a few ms. */
static uint64_t
blaster_time(struct wormgen *g, uint32_t i)
{
	uint64_t round_us = (uint64_t)(1e6 * BLASTER_BATCH / g->rate);

	return (i / BLASTER_BATCH) * round_us + (i % BLASTER_BATCH) * 150 +
	    labnet_rng_below(&g->rng, 100);
}

static void
gen_blaster(struct wormgen *g)
{
	uint32_t a = blaster_start(g), i;

	for (i = 0; i < g->count; i++) {
		add_connect(g, blaster_time(g, i), a, 135);
		g->first_contacts++;
		a = next_sequential(g, a);
	}
}

/*
 * Welchia: an ICMP echo sweep of the local /24 in address order (64 bytes of
 * 0xAA), then tcp/135 connect()s to the swept hosts. The worm connects only
 * to hosts that answered; a file holds no answers, so every swept address is
 * treated as one and the lab's own hosts decide by answering or not.
 */
static void
gen_welchia(struct wormgen *g)
{
	struct labnet_prefix local = labnet_local_block(&g->prefix, g->src, 24);
	uint32_t a = next_sequential(g, local.net), i, first = a;
	double gap_us = 1e6 / g->rate;
	uint64_t t = 0;

	g->icmp_id = (uint16_t)labnet_rng_next(&g->rng);
	for (i = 0; i < g->count; i++) {
		struct pkt *p;
		t = (uint64_t)(gap_us * i);
		p = pkt_add(g, PKT_ECHO, t, a);
		p->seq = i + 1;
		g->first_contacts++;
		a = next_sequential(g, a);
	}
	/* The worm waits for the last replies before it connects. */
	t += 1000000;
	a = first;
	for (i = 0; i < g->count; i++) {
		/* The same hosts again: not new first contacts. */
		add_connect(g, t + (uint64_t)(gap_us * i), a, 135);
		a = next_sequential(g, a);
	}
}

/*
 * Sasser: tcp/445 to random addresses: half anywhere in the prefix, a quarter
 * in the local /8 and a quarter in the local /16 (each narrowed to the
 * prefix). 128 threads connect independently, so arrivals are Poisson.
 */
static uint32_t
sasser_target(struct wormgen *g)
{
	struct labnet_prefix l8 = labnet_local_block(&g->prefix, g->src, 8);
	struct labnet_prefix l16 = labnet_local_block(&g->prefix, g->src, 16);
	uint32_t pick = labnet_rng_below(&g->rng, 4);

	return random_in(g, pick < 2 ? &g->prefix : pick == 2 ? &l8 : &l16);
}

/* The gap to Sasser's next connect: exponential, capped at 20 means so one draw cannot stall the file. */
static double
sasser_gap_us(struct wormgen *g)
{
	double mean_gap_us = 1e6 / g->rate;
	double u = labnet_rng_unit(&g->rng), gap = -mean_gap_us * log(1.0 - u);

	return gap < 20 * mean_gap_us ? gap : 20 * mean_gap_us;
}

static void
gen_sasser(struct wormgen *g)
{
	double t = 0;
	uint32_t i;

	for (i = 0; i < g->count; i++) {
		add_connect(g, (uint64_t)t, sasser_target(g), 445);
		g->first_contacts++;
		t += sasser_gap_us(g);
	}
}

/* ---- the exploit modes: conversations with answering targets ------------------------ */

/*
 * Where an exploit request carries its shellcode, these modes write this
 * text instead (repeated): the bytes the detectors key on are the protocol
 * framing and the lengths around it, never the code.
 */
static const char filler_text[] = "CORDON-LAB FILLER, NO CODE. ";

static void
le16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *b, uint32_t v)
{
	le16(b, (uint16_t)v);
	le16(b + 2, (uint16_t)(v >> 16));
}

static void
fill_text(uint8_t *b, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)filler_text[i % (sizeof(filler_text) - 1)];
}

/* Interface UUIDs as they go on the wire (little-endian data representation). */
static const uint8_t uuid_isystemactivator[16] = {   /* 000001a0-0000-0000-c000-000000000046 */
	0xa0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 };
static const uint8_t uuid_dssetup[16] = {           /* 3919286a-b10c-11d0-9ba8-00c04fd92ef5 */
	0x6a, 0x28, 0x19, 0x39, 0x0c, 0xb1, 0xd0, 0x11,
	0x9b, 0xa8, 0x00, 0xc0, 0x4f, 0xd9, 0x2e, 0xf5 };
static const uint8_t uuid_ndr[16] = {               /* 8a885d04-1ceb-11c9-9fe8-08002b104860 */
	0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };

#define RPC_BIND_LEN 72
#define RPC_BIND_ACK_LEN 60
#define RPC_REQUEST_HDR 24

/* DCE/RPC connection-oriented header (C706 12.6.3): version 5.0, first+last fragment, little endian. */
static void
rpc_header(uint8_t *b, uint8_t ptype, uint32_t frag_len, uint32_t call_id)
{
	memset(b, 0, 16);
	b[0] = 5;
	b[2] = ptype;
	b[3] = 0x03;
	b[4] = 0x10;
	le16(b + 8, (uint16_t)frag_len);
	le32(b + 12, call_id);
}

/* A bind of context `ctx_id` to the interface (version 0.0) with the NDR transfer syntax. */
static uint32_t
rpc_bind(uint8_t *b, uint16_t ctx_id, const uint8_t uuid[16])
{
	rpc_header(b, 11, RPC_BIND_LEN, 1);
	le16(b + 16, 5840);                     /* max transmit / receive fragment */
	le16(b + 18, 5840);
	le32(b + 20, 0);                        /* new association group */
	b[24] = 1;                              /* one presentation context */
	b[25] = b[26] = b[27] = 0;
	le16(b + 28, ctx_id);
	b[30] = 1;                              /* one transfer syntax */
	b[31] = 0;
	memcpy(b + 32, uuid, 16);
	le32(b + 48, 0);
	memcpy(b + 52, uuid_ndr, 16);
	le32(b + 68, 2);
	return RPC_BIND_LEN;
}

/* The server's bind_ack accepting the context, secondary address "135". */
static uint32_t
rpc_bind_ack(uint8_t *b)
{
	rpc_header(b, 12, RPC_BIND_ACK_LEN, 1);
	le16(b + 16, 5840);
	le16(b + 18, 5840);
	le32(b + 20, 0x00012345);               /* association group */
	le16(b + 24, 4);
	memcpy(b + 26, "135", 4);
	b[30] = b[31] = 0;                      /* pad to 4 */
	b[32] = 1;                              /* one result */
	b[33] = b[34] = b[35] = 0;
	le16(b + 36, 0);                        /* acceptance */
	le16(b + 38, 0);
	memcpy(b + 40, uuid_ndr, 16);
	le32(b + 56, 2);
	return RPC_BIND_ACK_LEN;
}

/* A request header for `stub_len` bytes of arguments that follow it. */
static void
rpc_request(uint8_t *b, uint16_t ctx_id, uint16_t opnum, uint32_t stub_len)
{
	rpc_header(b, 0, RPC_REQUEST_HDR + stub_len, 2);
	le32(b + 16, stub_len);                 /* alloc hint */
	le16(b + 20, ctx_id);
	le16(b + 22, opnum);
}

/* Blaster's units of filler where its shellcode sits in the server name. */
#define DCOM_FILLER_UNITS 720

/*
 * Blaster's RemoteCreateInstance (ISystemActivator opnum 4, context 1): the
 * activation arguments (ORPCTHIS, then the path of the object to activate)
 * with a path "\\" + a server name of DCOM_FILLER_UNITS filler units +
 * "\C$\123456111111111111111.doc", the shape of the worm's request.
 */
static uint32_t
dcom_request(uint8_t *b)
{
	static const char tail[] = "\\C$\\123456111111111111111.doc";
	uint32_t n = RPC_REQUEST_HDR, units, i;

	/* ORPCTHIS: COM version 5.1, flags, reserved, causality id, no extensions. */
	memset(b + n, 0, 32);
	le16(b + n, 5);
	le16(b + n + 2, 1);
	for (i = 0; i < 16; i++)
		b[n + 12 + i] = (uint8_t)(0x11 * (i + 1));
	n += 32;
	/* The path, an NDR conformant varying string. */
	units = 2 + DCOM_FILLER_UNITS + (uint32_t)(sizeof(tail) - 1) + 1;
	le32(b + n, units);
	le32(b + n + 4, 0);
	le32(b + n + 8, units);
	n += 12;
	le16(b + n, '\\');
	le16(b + n + 2, '\\');
	n += 4;
	for (i = 0; i < DCOM_FILLER_UNITS; i++, n += 2)
		le16(b + n, (uint16_t)filler_text[i % (sizeof(filler_text) - 1)]);
	for (i = 0; i < sizeof(tail) - 1; i++, n += 2)
		le16(b + n, (uint16_t)tail[i]);
	le16(b + n, 0);
	n += 2;
	/* The rest of the activation arguments, as zeros. */
	memset(b + n, 0, 32);
	n += 32;
	rpc_request(b, 1, 4, n - RPC_REQUEST_HDR);
	return n;
}

#define SMB_HDR 32
#define NBSS_HDR 4
#define SMB_FID 0x4000
#define SMB_TID 0x0800
#define SMB_UID 0x0800

/*
 * An SMBv1 message in a NetBIOS session message: header, `wc` parameter
 * words (copied from `words`), byte count and `nbytes` bytes from `bytes`.
 */
static uint32_t
smb_msg(uint8_t *b, uint8_t cmd, bool reply, uint32_t status, uint16_t mid,
    const uint8_t *words, uint8_t wc, const uint8_t *bytes, uint32_t nbytes)
{
	uint8_t *s = b + NBSS_HDR;
	uint32_t len = SMB_HDR + 1 + (uint32_t)wc * 2 + 2 + nbytes;

	b[0] = 0;
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	memset(s, 0, SMB_HDR);
	s[0] = 0xff;
	s[1] = 'S';
	s[2] = 'M';
	s[3] = 'B';
	s[4] = cmd;
	le32(s + 5, status);
	s[9] = reply ? 0x98 : 0x18;             /* canonical paths, case insensitive (+ reply) */
	le16(s + 10, 0xc007);                   /* unicode, NT status, long names */
	le16(s + 24, SMB_TID);
	le16(s + 26, 0xfeff);                   /* PID */
	le16(s + 28, SMB_UID);
	le16(s + 30, mid);
	s[SMB_HDR] = wc;
	memcpy(s + SMB_HDR + 1, words, (size_t)wc * 2);
	le16(s + SMB_HDR + 1 + wc * 2, (uint16_t)nbytes);
	memcpy(s + SMB_HDR + 3 + wc * 2, bytes, nbytes);
	return NBSS_HDR + len;
}

/* Sasser's bind to DSSETUP: a Transaction (TransactNmPipe) on \PIPE\lsarpc's FID. */
static uint32_t
lsass_bind(uint8_t *b)
{
	static const char name[] = "\\PIPE\\";
	uint8_t w[32], bytes[128], pdu[RPC_BIND_LEN];
	uint16_t data_off = SMB_HDR + 1 + sizeof(w) + 2 + sizeof(name);

	rpc_bind(pdu, 0, uuid_dssetup);
	memset(w, 0, sizeof(w));
	le16(w + 2, RPC_BIND_LEN);              /* total data */
	le16(w + 6, 1024);                      /* max data */
	le16(w + 20, data_off);                 /* parameter offset (no parameters) */
	le16(w + 22, RPC_BIND_LEN);             /* data count */
	le16(w + 24, data_off);
	w[26] = 2;                              /* setup count */
	le16(w + 28, 0x0026);                   /* TransactNmPipe */
	le16(w + 30, SMB_FID);
	memcpy(bytes, name, sizeof(name));
	memcpy(bytes + sizeof(name), pdu, RPC_BIND_LEN);
	return smb_msg(b, 0x25, false, 0, 1, w, 16, bytes, sizeof(name) + RPC_BIND_LEN);
}

/* The long string argument of Sasser's call (Metasploit's Windows 2000 case: 3500 units). */
#define LSASS_STRING_UNITS 3500

/*
 * DsRolerUpgradeDownlevelServer (DSSETUP opnum 9, context 0) written to the
 * pipe with Write AndX: an NDR string of LSASS_STRING_UNITS filler units
 * where the exploit's return address and shellcode sit, then empty strings
 * for the other arguments.
 */
static uint32_t
lsass_request(uint8_t *b)
{
	uint8_t w[28], bytes[MSG_MAX];
	uint8_t *pdu = bytes + 1, *stub = pdu + RPC_REQUEST_HDR;
	uint32_t n = 0, i, pdu_len;

	le32(stub, LSASS_STRING_UNITS);
	le32(stub + 4, 0);
	le32(stub + 8, LSASS_STRING_UNITS);
	n = 12;
	for (i = 0; i < LSASS_STRING_UNITS; i++, n += 2)
		le16(stub + n, (uint16_t)filler_text[i % (sizeof(filler_text) - 1)]);
	for (i = 0; i < 4; i++, n += 12) {      /* four empty strings */
		le32(stub + n, 1);
		le32(stub + n + 4, 0);
		le32(stub + n + 8, 1);
	}
	rpc_request(pdu, 0, 9, n);
	pdu_len = RPC_REQUEST_HDR + n;
	bytes[0] = 0;                           /* pad */
	memset(w, 0, sizeof(w));
	w[0] = 0xff;                            /* no AndX command */
	le16(w + 4, SMB_FID);
	le16(w + 14, 0x0008);                   /* write mode: start of a message */
	le16(w + 16, (uint16_t)pdu_len);        /* remaining */
	le16(w + 20, (uint16_t)pdu_len);        /* data length */
	le16(w + 22, SMB_HDR + 1 + sizeof(w) + 2 + 1);   /* data offset */
	return smb_msg(b, 0x2f, false, 0, 2, w, 14, bytes, 1 + pdu_len);
}

/* EternalBlue: the NT transaction's total data and what its first message carries. */
#define EB_TOTAL_DATA 0x10016u
#define EB_FIRST_DATA 2000u
#define EB_SECONDARY_DATA 4096u
#define EB_MID 0x40
#define DP_PING_MID 0x41
#define DP_ANSWER_MID 0x51                  /* the implant answers with MID + 0x10 */

/*
 * EternalBlue's NT Trans: function 0, 30 parameter bytes, a total data count
 * above 65535 of which this message holds EB_FIRST_DATA bytes of filler
 * (where the exploit's FEA list begins).
 */
static uint32_t
eb_nt_trans(uint8_t *b)
{
	uint8_t w[40], bytes[1 + 30 + 2 + EB_FIRST_DATA];

	memset(w, 0, sizeof(w));
	w[0] = 1;                               /* max setup count */
	le32(w + 3, 30);                        /* total parameters */
	le32(w + 7, EB_TOTAL_DATA);
	le32(w + 11, 30);                       /* max parameters */
	le32(w + 15, 0);                        /* max data */
	le32(w + 19, 30);                       /* parameters here */
	le32(w + 23, SMB_HDR + 1 + sizeof(w) + 2 + 1);
	le32(w + 27, EB_FIRST_DATA);
	le32(w + 31, SMB_HDR + 1 + sizeof(w) + 2 + 1 + 30 + 2);
	w[35] = 1;                              /* setup count */
	le16(w + 36, 0);                        /* function 0 */
	le16(w + 38, 0);
	memset(bytes, 0, 1 + 30 + 2);
	fill_text(bytes + 33, EB_FIRST_DATA);
	return smb_msg(b, 0xa0, false, 0, EB_MID, w, 20, bytes, sizeof(bytes));
}

/* One of the Trans2 Secondary fragments that carry the rest of the NT transaction's data. */
static uint32_t
eb_trans2_secondary(uint8_t *b)
{
	uint8_t w[18], bytes[EB_SECONDARY_DATA];

	memset(w, 0, sizeof(w));
	le16(w + 2, (uint16_t)EB_TOTAL_DATA);   /* the low 16 bits: Trans2 counts are 16-bit */
	le16(w + 10, EB_SECONDARY_DATA);
	le16(w + 12, SMB_HDR + 1 + sizeof(w) + 2);
	le16(w + 14, 0);                        /* displacement (filled per fragment by real senders) */
	fill_text(bytes, sizeof(bytes));
	return smb_msg(b, 0x33, false, 0, EB_MID, w, 9, bytes, sizeof(bytes));
}

/* DoublePulsar's ping: Trans2 with subcommand 0x000e (TRANS2_SESSION_SETUP), MID 0x41. */
static uint32_t
dp_ping(uint8_t *b)
{
	uint8_t w[30], bytes[1 + 12];

	memset(w, 0, sizeof(w));
	le16(w + 0, 12);                        /* total parameters */
	le16(w + 4, 1);                         /* max parameters */
	le16(w + 18, 12);                       /* parameters here */
	le16(w + 20, SMB_HDR + 1 + sizeof(w) + 2 + 1);
	le16(w + 24, SMB_HDR + 1 + sizeof(w) + 2 + 1 + 12);
	w[26] = 1;                              /* setup count */
	le16(w + 28, 0x000e);
	memset(bytes, 0, sizeof(bytes));
	return smb_msg(b, 0x32, false, 0, DP_PING_MID, w, 15, bytes, sizeof(bytes));
}

/* An implanted target's answer: STATUS_NOT_IMPLEMENTED with MID 0x51. */
static uint32_t
dp_reply(uint8_t *b)
{
	static const uint8_t none[1];

	return smb_msg(b, 0x32, true, 0xc0000002u, DP_ANSWER_MID, none, 0, none, 0);
}

static void
build_messages(struct wormgen *g)
{
	struct msg *m = g->msgs;

	m[MSG_DCOM_BIND].len = rpc_bind(m[MSG_DCOM_BIND].b, 1, uuid_isystemactivator);
	m[MSG_DCOM_BIND_ACK].len = rpc_bind_ack(m[MSG_DCOM_BIND_ACK].b);
	m[MSG_DCOM_REQUEST].len = dcom_request(m[MSG_DCOM_REQUEST].b);
	m[MSG_LSASS_BIND].len = lsass_bind(m[MSG_LSASS_BIND].b);
	m[MSG_LSASS_REQUEST].len = lsass_request(m[MSG_LSASS_REQUEST].b);
	m[MSG_EB_NT_TRANS].len = eb_nt_trans(m[MSG_EB_NT_TRANS].b);
	m[MSG_EB_TRANS2_SECONDARY].len = eb_trans2_secondary(m[MSG_EB_TRANS2_SECONDARY].b);
	m[MSG_DP_PING].len = dp_ping(m[MSG_DP_PING].b);
	m[MSG_DP_REPLY].len = dp_reply(m[MSG_DP_REPLY].b);
}

/* What one exploit connection sends, in order: message ids, negative for the target's. */
#define SCRIPT_MAX 24
#define EB_SECONDARIES ((EB_TOTAL_DATA - EB_FIRST_DATA + EB_SECONDARY_DATA - 1) / EB_SECONDARY_DATA)
#define SEGMENTS_PER_TARGET 80              /* upper bound over the scripts, handshake included */

struct conn {
	uint32_t dst;
	uint16_t sport, dport;
	uint32_t cseq, sseq;                    /* next sequence number of each side */
	uint64_t t_us;
};

static void
add_seg(struct wormgen *g, struct conn *c, bool from_target, uint8_t flags, uint8_t msg,
    uint32_t off, uint32_t len)
{
	struct pkt *p = pkt_add(g, PKT_SEG, c->t_us, c->dst);

	p->sport = c->sport;
	p->dport = c->dport;
	p->from_target = from_target;
	p->tcp_flags = flags;
	p->msg = msg;
	p->msg_off = (uint16_t)off;
	p->seg_len = (uint16_t)len;
	p->seq = from_target ? c->sseq : c->cseq;
	p->ack = from_target ? c->cseq : c->sseq;
	if (from_target)
		c->sseq += len;
	else
		c->cseq += len;
	c->t_us += 200;                         /* a LAN's round trip */
}

/* One connection to an answering target: handshake, then the script's messages in MSS segments. */
static void
add_exploit_conn(struct wormgen *g, uint64_t t_us, uint32_t dst, uint16_t dport,
    const int *script, size_t n)
{
	struct conn c;
	struct pkt *syn;
	size_t i;

	c.dst = dst;
	c.dport = dport;
	c.sport = next_ephemeral(g);
	c.cseq = (uint32_t)labnet_rng_next(&g->rng);
	c.sseq = (uint32_t)labnet_rng_next(&g->rng);
	c.t_us = t_us;
	syn = pkt_add(g, PKT_SYN, c.t_us, dst);
	syn->sport = c.sport;
	syn->dport = dport;
	syn->seq = c.cseq++;
	c.t_us += 200;
	add_seg(g, &c, true, 0x12, MSG_NONE, 0, 0);   /* SYN-ACK */
	c.sseq++;                                     /* its SYN counts one */
	add_seg(g, &c, false, 0x10, MSG_NONE, 0, 0);  /* ACK */
	for (i = 0; i < n; i++) {
		bool from_target = script[i] < 0;
		uint8_t id = (uint8_t)(from_target ? -script[i] : script[i]);
		uint32_t off;
		for (off = 0; off < g->msgs[id].len; off += MSS) {
			uint32_t len = g->msgs[id].len - off < MSS ? g->msgs[id].len - off : MSS;
			add_seg(g, &c, from_target, 0x18, id, off, len);
		}
	}
}

/* The exploit modes' scripts. */
static size_t
exploit_script(enum worm w, int *script)
{
	size_t n = 0, i;

	switch (w) {
	case WORM_BLASTER_DCOM:
		script[n++] = MSG_DCOM_BIND;
		script[n++] = -MSG_DCOM_BIND_ACK;
		script[n++] = MSG_DCOM_REQUEST;
		break;
	case WORM_SASSER_LSASS:
		script[n++] = MSG_LSASS_BIND;
		script[n++] = MSG_LSASS_REQUEST;
		break;
	default:    /* WORM_WANNACRY: the exploit, then the ping that checks the implant */
		script[n++] = MSG_EB_NT_TRANS;
		for (i = 0; i < EB_SECONDARIES; i++)
			script[n++] = MSG_EB_TRANS2_SECONDARY;
		script[n++] = MSG_DP_PING;
		script[n++] = -MSG_DP_REPLY;
		break;
	}
	return n;
}

/*
 * The exploit modes. blaster-dcom: Blaster's scan (sequential from a random
 * point of the local /24, rounds of 20) to tcp/135; sasser-lsass: Sasser's
 * targets and arrivals on tcp/445; wannacry: the local /24 in address order
 * on tcp/445 at --rate. Every target answers and gets the exploit.
 */
static void
gen_exploit(struct wormgen *g)
{
	struct labnet_prefix local = labnet_local_block(&g->prefix, g->src, 24);
	int script[SCRIPT_MAX];
	size_t n = exploit_script(g->worm, script);
	uint16_t dport = g->worm == WORM_BLASTER_DCOM ? 135 : 445;
	uint32_t a, i;
	double t = 0;

	build_messages(g);
	a = g->worm == WORM_BLASTER_DCOM ? blaster_start(g) : next_sequential(g, local.net);
	for (i = 0; i < g->count; i++) {
		switch (g->worm) {
		case WORM_BLASTER_DCOM:
			add_exploit_conn(g, blaster_time(g, i), a, dport, script, n);
			a = next_sequential(g, a);
			break;
		case WORM_SASSER_LSASS:
			add_exploit_conn(g, (uint64_t)t, sasser_target(g), dport, script, n);
			t += sasser_gap_us(g);
			break;
		default:
			add_exploit_conn(g, (uint64_t)t, a, dport, script, n);
			a = next_sequential(g, a);
			t += 1e6 / g->rate;
			break;
		}
		g->first_contacts++;
	}
}

/* ---- frames ---------------------------------------------------------------------------- */

/* Ethernet and IPv4 headers of a frame from the infected host to `dst`, or back. */
static uint32_t
build_eth_ip_dir(struct wormgen *g, uint32_t dst, bool from_target, uint8_t proto,
    uint16_t frag, uint32_t l4len)
{
	if (from_target) {
		/* A lab host's MAC: 02:00 and its IPv4 address. */
		uint8_t mac[6] = { 0x02, 0x00, (uint8_t)(dst >> 24), (uint8_t)(dst >> 16),
			(uint8_t)(dst >> 8), (uint8_t)dst };
		memcpy(g->frame, g->src_mac, 6);
		memcpy(g->frame + 6, mac, 6);
		pcapw_ipv4(g->frame + ETH_LEN, dst, g->src, proto, WINDOWS_TTL, g->ip_id++, frag,
		    l4len);
	} else {
		memcpy(g->frame, g->dst_mac, 6);
		memcpy(g->frame + 6, g->src_mac, 6);
		pcapw_ipv4(g->frame + ETH_LEN, g->src, dst, proto, WINDOWS_TTL, g->ip_id++, frag,
		    l4len);
	}
	pcapw_put16(g->frame + 12, 0x0800);
	return ETH_LEN + IP_LEN;
}

static uint32_t
build_eth_ip(struct wormgen *g, uint32_t dst, uint8_t proto, uint16_t frag, uint32_t l4len)
{
	return build_eth_ip_dir(g, dst, false, proto, frag, l4len);
}

/* A segment of an exploit mode's connection: 20-byte TCP header and a slice of a message. */
static uint32_t
build_seg(struct wormgen *g, const struct pkt *p)
{
	uint32_t off = build_eth_ip_dir(g, p->dst, p->from_target, 6, 0x4000, TCP_LEN + p->seg_len);
	uint8_t *l4 = g->frame + off;
	uint32_t from = p->from_target ? p->dst : g->src, to = p->from_target ? g->src : p->dst;

	pcapw_put16(l4, p->from_target ? p->dport : p->sport);
	pcapw_put16(l4 + 2, p->from_target ? p->sport : p->dport);
	pcapw_put32(l4 + 4, p->seq);
	pcapw_put32(l4 + 8, p->ack);
	l4[12] = (TCP_LEN / 4) << 4;
	l4[13] = p->tcp_flags;
	pcapw_put16(l4 + 14, 64240);
	pcapw_put16(l4 + 16, 0);
	pcapw_put16(l4 + 18, 0);
	if (p->seg_len > 0)
		memcpy(l4 + TCP_LEN, g->msgs[p->msg].b + p->msg_off, p->seg_len);
	pcapw_put16(l4 + 16, pcapw_l4_csum(from, to, 6, l4, TCP_LEN + p->seg_len));
	return off + TCP_LEN + p->seg_len;
}

static uint32_t
build_frame(struct wormgen *g, const struct pkt *p)
{
	uint32_t off;
	uint8_t *l4;

	switch (p->kind) {
	case PKT_SLAMMER:
		off = build_eth_ip(g, p->dst, 17, 0, 8 + SLAMMER_PAYLOAD_LEN);
		l4 = g->frame + off;
		pcapw_put16(l4, p->sport);
		pcapw_put16(l4 + 2, p->dport);
		pcapw_put16(l4 + 4, 8 + SLAMMER_PAYLOAD_LEN);
		pcapw_put16(l4 + 6, 0);
		memcpy(l4 + 8, g->slammer, SLAMMER_PAYLOAD_LEN);
		pcapw_put16(l4 + 6, pcapw_l4_csum(g->src, p->dst, 17, l4, 8 + SLAMMER_PAYLOAD_LEN));
		return off + 8 + SLAMMER_PAYLOAD_LEN;
	case PKT_SYN:
		off = build_eth_ip(g, p->dst, 6, 0x4000, TCP_SYN_LEN);
		l4 = g->frame + off;
		pcapw_put16(l4, p->sport);
		pcapw_put16(l4 + 2, p->dport);
		pcapw_put32(l4 + 4, p->seq);
		pcapw_put32(l4 + 8, 0);
		l4[12] = (TCP_SYN_LEN / 4) << 4;
		l4[13] = 0x02;                          /* SYN */
		pcapw_put16(l4 + 14, 64240);            /* 44 * MSS, as XP offers */
		pcapw_put16(l4 + 16, 0);
		pcapw_put16(l4 + 18, 0);
		l4[20] = 2; l4[21] = 4; pcapw_put16(l4 + 22, 1460);   /* MSS */
		l4[24] = 1; l4[25] = 1;                                /* NOP NOP */
		l4[26] = 4; l4[27] = 2;                                /* SACK permitted */
		pcapw_put16(l4 + 16, pcapw_l4_csum(g->src, p->dst, 6, l4, TCP_SYN_LEN));
		return off + TCP_SYN_LEN;
	case PKT_SEG:
		return build_seg(g, p);
	default:    /* PKT_ECHO */
		off = build_eth_ip(g, p->dst, 1, 0, 8 + ICMP_ECHO_DATA);
		l4 = g->frame + off;
		l4[0] = 8;                              /* echo request */
		l4[1] = 0;
		pcapw_put16(l4 + 2, 0);
		pcapw_put16(l4 + 4, g->icmp_id);
		pcapw_put16(l4 + 6, (uint16_t)p->seq);
		memset(l4 + 8, 0xaa, ICMP_ECHO_DATA);
		pcapw_put16(l4 + 2, pcapw_csum_fold(pcapw_csum_add(0, l4, 8 + ICMP_ECHO_DATA)));
		return off + 8 + ICMP_ECHO_DATA;
	}
}

/* Writes `s` as a JSON string: file names may hold quotes or backslashes. */
static void
put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int
pkt_cmp(const void *a, const void *b)
{
	const struct pkt *x = a, *y = b;

	if (x->t_us != y->t_us)
		return x->t_us < y->t_us ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- options ------------------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --worm slammer|blaster|welchia|sasser|blaster-dcom|sasser-lsass|wannacry\n"
	    "                      --src IP --src-mac MAC\n"
	    "                      --prefix CIDR [--dst-mac MAC] [--count N] [--rate PPS]\n"
	    "                      [--seed S] [--start EPOCH] [--slammer-payload PCAP] -o OUT.pcap\n"
	    "  --worm W              the worm to emulate; blaster-dcom, sasser-lsass and wannacry\n"
	    "                        write whole exploit conversations with answering targets\n"
	    "  --src IP              the infected host (inside --prefix)\n"
	    "  --src-mac MAC         its MAC address\n"
	    "  --prefix CIDR         the lab prefix: every target lies inside it; private or\n"
	    "                        documentation space only (10/8, 172.16/12, 192.168/16,\n"
	    "                        192.0.2/24, 198.51.100/24, 203.0.113/24)\n"
	    "  --dst-mac MAC         destination MAC of the infected host's frames (default " DEFAULT_DST_MAC ",\n"
	    "                        the lab gateway; the replay rewrites it as needed)\n"
	    "  --count N             addresses probed (slammer 2000, blaster 200, welchia 254,\n"
	    "                        sasser 500, the exploit modes 20; 1-%u, exploit modes 1-%u)\n"
	    "  --rate PPS            new addresses per second of capture time (slammer 2000,\n"
	    "                        blaster and blaster-dcom 11.1, welchia 100, sasser and\n"
	    "                        sasser-lsass 100, wannacry 10)\n"
	    "  --seed S              PRNG seed (default %d); same options, same file\n"
	    "  --start EPOCH         capture time of the first packet (default %llu)\n"
	    "  --slammer-payload F   take Slammer's real 376-byte payload from capture F\n"
	    "                        (else a placeholder of the same length starting 0x04)\n"
	    "  -o OUT.pcap           the file to write\n"
	    "Prints one JSON line describing the file on stdout.\n",
	    MAX_COUNT, MAX_EXPLOIT_COUNT, DEFAULT_SEED, (unsigned long long)DEFAULT_START_S);
}

static int
parse_worm(const char *s, enum worm *w)
{
	size_t i;

	for (i = 0; i < sizeof(worm_names) / sizeof(worm_names[0]); i++) {
		if (strcmp(s, worm_names[i]) == 0) {
			*w = (enum worm)i;
			return 0;
		}
	}
	return -1;
}

/* A placeholder the detectors see as Slammer (UDP/1434, 376 bytes, first byte 0x04) that is not code. */
static void
synthetic_payload(uint8_t *payload)
{
	static const char text[] = "CORDON-LAB synthetic Slammer-shaped payload (no code)";

	memset(payload, 0x01, SLAMMER_PAYLOAD_LEN);
	payload[0] = 0x04;
	memcpy(payload + 1 + 96, text, sizeof(text) - 1);
}

int
main(int argc, char **argv)
{
	enum { OPT_WORM = 256, OPT_SRC, OPT_SRC_MAC, OPT_DST_MAC, OPT_PREFIX, OPT_COUNT, OPT_RATE,
	       OPT_SEED, OPT_START, OPT_PAYLOAD };
	static const struct option longopts[] = {
		{ "worm", required_argument, NULL, OPT_WORM },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
		{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "start", required_argument, NULL, OPT_START },
		{ "slammer-payload", required_argument, NULL, OPT_PAYLOAD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct wormgen g;
	const char *out = NULL, *payload_path = NULL, *worm_arg = NULL, *src_arg = NULL;
	const char *src_mac_arg = NULL, *prefix_arg = NULL, *dst_mac_arg = DEFAULT_DST_MAC;
	bool count_set = false, rate_set = false, sequential, exploit;
	uint64_t v, seed = DEFAULT_SEED;
	char err[256], buf[16];
	struct pcapw w;
	uint32_t i, space;
	int opt;

	g.start_s = DEFAULT_START_S;
	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case OPT_WORM: worm_arg = optarg; break;
		case OPT_SRC: src_arg = optarg; break;
		case OPT_SRC_MAC: src_mac_arg = optarg; break;
		case OPT_DST_MAC: dst_mac_arg = optarg; break;
		case OPT_PREFIX: prefix_arg = optarg; break;
		case OPT_PAYLOAD: payload_path = optarg; break;
		case OPT_COUNT:
			if (labopt_u64(optarg, 1, MAX_COUNT, &v) != 0) {
				fprintf(stderr, PROG ": --count '%s': a number from 1 to %u\n", optarg,
				    MAX_COUNT);
				return 2;
			}
			g.count = (uint32_t)v;
			count_set = true;
			break;
		case OPT_RATE:
			g.rate = labopt_arg_rate(PROG, optarg, 0.01, MAX_RATE, "packets per second");
			rate_set = true;
			break;
		case OPT_SEED:
			if (labopt_u64(optarg, 0, UINT64_MAX, &seed) != 0) {
				fprintf(stderr, PROG ": --seed '%s': an unsigned integer\n", optarg);
				return 2;
			}
			break;
		case OPT_START:
			if (labopt_u64(optarg, 0, 4000000000ULL, &g.start_s) != 0) {
				fprintf(stderr, PROG ": --start '%s': seconds since 1970 (pcap holds 32 bits)\n",
				    optarg);
				return 2;
			}
			break;
		default:
			return labopt_other(opt, usage);
		}
	}
	if (labopt_no_operands(PROG, argc, argv) != 0)
		return 2;
	if (worm_arg == NULL || src_arg == NULL || src_mac_arg == NULL || prefix_arg == NULL ||
	    out == NULL) {
		fprintf(stderr, PROG ": --worm, --src, --src-mac, --prefix and -o are required\n");
		usage(stderr);
		return 2;
	}
	if (parse_worm(worm_arg, &g.worm) != 0) {
		fprintf(stderr, PROG ": --worm '%s': one of slammer, blaster, welchia, sasser, "
		    "blaster-dcom, sasser-lsass, wannacry\n", worm_arg);
		return 2;
	}
	if (labnet_parse_prefix(prefix_arg, &g.prefix, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": --prefix: %s\n", err);
		return 2;
	}
	if (!labnet_prefix_allowed(&g.prefix, err, sizeof(err))) {
		fprintf(stderr, PROG ": --prefix: %s\n", err);
		return 2;
	}
	if (labnet_parse_ip(src_arg, &g.src) != 0) {
		fprintf(stderr, PROG ": --src '%s': not an IPv4 address\n", src_arg);
		return 2;
	}
	if (!labnet_is_target(&g.prefix, g.src)) {
		fprintf(stderr, PROG ": --src %s is not a host address of --prefix %s: the infected "
		    "host is a lab host\n", src_arg, prefix_arg);
		return 2;
	}
	if (mac_from_str(src_mac_arg, g.src_mac) != 0) {
		fprintf(stderr, PROG ": --src-mac '%s': not a MAC address (aa:bb:cc:dd:ee:ff)\n",
		    src_mac_arg);
		return 2;
	}
	if (mac_from_str(dst_mac_arg, g.dst_mac) != 0) {
		fprintf(stderr, PROG ": --dst-mac '%s': not a MAC address (aa:bb:cc:dd:ee:ff)\n",
		    dst_mac_arg);
		return 2;
	}
	if ((g.src_mac[0] & 1) || (g.dst_mac[0] & 1)) {
		fprintf(stderr, PROG ": %s is a group address: the worms' probes are unicast\n",
		    (g.src_mac[0] & 1) ? src_mac_arg : dst_mac_arg);
		return 2;
	}
	if (payload_path != NULL && g.worm != WORM_SLAMMER) {
		fprintf(stderr, PROG ": --slammer-payload is for --worm slammer only\n");
		return 2;
	}
	if (!count_set)
		g.count = default_count[g.worm];
	if (!rate_set)
		g.rate = default_rate[g.worm];
	space = target_space(&g);
	sequential = g.worm == WORM_BLASTER || g.worm == WORM_WELCHIA ||
	    g.worm == WORM_BLASTER_DCOM || g.worm == WORM_WANNACRY;
	exploit = g.worm >= WORM_BLASTER_DCOM;
	if (exploit && g.count > MAX_EXPLOIT_COUNT) {
		fprintf(stderr, PROG ": --count %u: the exploit modes write at most %u conversations\n",
		    g.count, MAX_EXPLOIT_COUNT);
		return 2;
	}
	if (sequential && g.count > space && !count_set) {
		g.count = space;   /* a sweep of the whole prefix when it is smaller than the default */
	} else if (sequential && g.count > space) {
		/* A sequential scan that wrapped would only repeat itself. */
		fprintf(stderr, PROG ": %s: --count %u is more than the %u addresses of %s to scan; "
		    "using %u\n", worm_names[g.worm], g.count, space, prefix_arg, space);
		g.count = space;
	}

	if (g.worm == WORM_SLAMMER) {
		if (payload_path != NULL) {
			if (slammer_payload_read(payload_path, g.slammer, err, sizeof(err)) != 0) {
				fprintf(stderr, PROG ": --slammer-payload: %s\n", err);
				return 1;
			}
			g.real_payload = true;
		} else {
			synthetic_payload(g.slammer);
			fprintf(stderr, PROG ": no --slammer-payload: using a synthetic 376-byte "
			    "payload starting 0x04, not the worm's real bytes\n");
		}
	}

	g.rng.state = seed;
	g.next_sport = (uint16_t)(XP_EPHEMERAL_LO +
	    labnet_rng_below(&g.rng, XP_EPHEMERAL_HI - XP_EPHEMERAL_LO + 1));
	g.ip_id = (uint16_t)labnet_rng_next(&g.rng);
	/* Welchia sends an echo and a connect (3 SYNs) per address; the others at most 3 SYNs. */
	g.cap = g.count * (exploit ? SEGMENTS_PER_TARGET : 4);
	g.pkts = calloc(g.cap, sizeof(*g.pkts));
	if (g.pkts == NULL) {
		fprintf(stderr, PROG ": out of memory for %u packets\n", g.cap);
		return 1;
	}
	switch (g.worm) {
	case WORM_SLAMMER: gen_slammer(&g); break;
	case WORM_BLASTER: gen_blaster(&g); break;
	case WORM_WELCHIA: gen_welchia(&g); break;
	case WORM_SASSER: gen_sasser(&g); break;
	default: gen_exploit(&g); break;
	}
	qsort(g.pkts, g.npkts, sizeof(*g.pkts), pkt_cmp);

	if (pcapw_open(&w, out, SNAPLEN) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", out, strerror(errno));
		free(g.pkts);
		return 1;
	}
	for (i = 0; i < g.npkts; i++) {
		const struct pkt *p = &g.pkts[i];
		uint32_t len = build_frame(&g, p);
		if (pcapw_write(&w, g.start_s + p->t_us / 1000000, (uint32_t)(p->t_us % 1000000),
		    g.frame, len) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", out, strerror(errno));
			pcapw_close(&w);
			free(g.pkts);
			return 1;
		}
	}
	if (pcapw_close(&w) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", out, strerror(errno));
		free(g.pkts);
		return 1;
	}
	printf("{\"file\":");
	put_json_string(stdout, out);
	printf(",\"worm\":\"%s\",\"src\":\"%s\",\"prefix\":\"%s\",\"packets\":%" PRIu64
	    ",\"bytes\":%" PRIu64 ",\"addresses\":%u,\"duration_s\":%.3f,\"rate\":%.2f,"
	    "\"seed\":%" PRIu64 "%s}\n",
	    worm_names[g.worm], labnet_ip_str(g.src, buf, sizeof(buf)), prefix_arg, w.packets,
	    w.bytes, g.first_contacts, g.npkts ? (double)g.pkts[g.npkts - 1].t_us / 1e6 : 0.0, g.rate,
	    seed, g.worm != WORM_SLAMMER ? "" : g.real_payload ? ",\"payload\":\"recorded\"" :
	    ",\"payload\":\"synthetic\"");
	free(g.pkts);
	return 0;
}
