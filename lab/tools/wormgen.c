/*
 * cordon-wormgen: writes the outbreak traffic of one infected host as a pcap
 * file, following the published behaviour of SQL Slammer, Blaster, Welchia
 * and Sasser (scan order, rate, packet shape; see docs/lab-worms.md). The lab
 * replays these files, so a run is repeatable: the output depends only on the
 * options (a seeded PRNG drives every choice).
 *
 * Only the infected host's own packets are written (its probes and their
 * retransmissions): whatever answers them is the replaying lab's business.
 * Every target lies inside --prefix, which must be private or documentation
 * space. No exploit code is generated: the Slammer payload is either the
 * recorded one (which only ever ran on unpatched SQL Server 2000 and is inert
 * as data) or a same-length placeholder.
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

#include "labnet.h"
#include "pcapw.h"
#include "slammer_payload.h"

#define PROG "cordon-wormgen"

#define DEFAULT_SEED 1
#define DEFAULT_START_S 1700000000ULL      /* 2023-11-14T22:13:20Z: capture time of the first packet */
#define DEFAULT_DST_MAC "02:00:00:00:00:fe" /* the lab's gateway, see docs/lab-worms.md */
#define MAX_COUNT 100000u                   /* first contacts; keeps a file below ~50 MB */
#define MAX_RATE 1000000.0
#define SNAPLEN 65535

#define ETH_LEN PCAPW_ETH_LEN
#define IP_LEN PCAPW_IPV4_LEN
#define TCP_SYN_LEN 28                      /* Windows XP: MSS, NOP, NOP, SACK permitted */
#define ICMP_ECHO_DATA 64                   /* Welchia's echo payload: 64 bytes of 0xAA */
#define MAX_FRAME (ETH_LEN + IP_LEN + 8 + SLAMMER_PAYLOAD_LEN)

#define WINDOWS_TTL 128
#define XP_EPHEMERAL_LO 1025                /* Windows 2000/XP ephemeral ports: 1025-5000 */
#define XP_EPHEMERAL_HI 5000
#define SYN_RETRANSMITS_US { 3000000, 9000000 } /* XP: RTO 3 s, doubled; TcpMaxConnectRetransmissions 2 */

#define BLASTER_BATCH 20                    /* connect()s per round, then Sleep(1800) */
#define BLASTER_DEFAULT_RATE (20.0 / 1.8)   /* ~11 new addresses per second */

enum worm { WORM_SLAMMER, WORM_BLASTER, WORM_WELCHIA, WORM_SASSER };

static const char *const worm_names[] = { "slammer", "blaster", "welchia", "sasser" };

/* What an unset --count / --rate means for each worm: small files, published rates. */
static const uint32_t default_count[] = { 2000, 200, 254, 500 };
static const double default_rate[] = { 2000.0, BLASTER_DEFAULT_RATE, 100.0, 100.0 };

enum pkt_kind { PKT_SLAMMER, PKT_SYN, PKT_ECHO };

/* One packet to write; sorted by time before writing so retransmissions interleave. */
struct pkt {
	uint64_t t_us;           /* from the start of the capture */
	uint32_t order;          /* creation order: ties keep it */
	uint32_t dst;
	uint32_t seq;            /* TCP sequence or ICMP sequence number */
	uint16_t sport;
	uint16_t dport;
	uint8_t kind;
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
static void
gen_blaster(struct wormgen *g)
{
	struct labnet_prefix local = labnet_local_block(&g->prefix, g->src, 24);
	uint32_t size = ~labnet_mask(local.len) + 1;
	uint32_t a = local.net + labnet_rng_below(&g->rng, size), i;
	uint64_t round_us = (uint64_t)(1e6 * BLASTER_BATCH / g->rate);

	if (!labnet_is_target(&g->prefix, a) || a == g->src)
		a = next_sequential(g, a);
	for (i = 0; i < g->count; i++) {
		/* The 20 connect()s of a round leave within a few milliseconds. */
		uint64_t t = (i / BLASTER_BATCH) * round_us + (i % BLASTER_BATCH) * 150 +
		    labnet_rng_below(&g->rng, 100);
		add_connect(g, t, a, 135);
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
static void
gen_sasser(struct wormgen *g)
{
	struct labnet_prefix l8 = labnet_local_block(&g->prefix, g->src, 8);
	struct labnet_prefix l16 = labnet_local_block(&g->prefix, g->src, 16);
	double mean_gap_us = 1e6 / g->rate, t = 0;
	uint32_t i;

	for (i = 0; i < g->count; i++) {
		uint32_t pick = labnet_rng_below(&g->rng, 4);
		const struct labnet_prefix *block = pick < 2 ? &g->prefix : pick == 2 ? &l8 : &l16;
		add_connect(g, (uint64_t)t, random_in(g, block), 445);
		g->first_contacts++;
		/* Exponential gaps, capped at 20 means so one draw cannot stall the file. */
		double u = labnet_rng_unit(&g->rng), gap = -mean_gap_us * log(1.0 - u);
		t += gap < 20 * mean_gap_us ? gap : 20 * mean_gap_us;
	}
}

/* ---- frames ---------------------------------------------------------------------------- */

static uint32_t
build_eth_ip(struct wormgen *g, uint32_t dst, uint8_t proto, uint16_t frag, uint32_t l4len)
{
	memcpy(g->frame, g->dst_mac, 6);
	memcpy(g->frame + 6, g->src_mac, 6);
	pcapw_put16(g->frame + 12, 0x0800);
	pcapw_ipv4(g->frame + ETH_LEN, g->src, dst, proto, WINDOWS_TTL, g->ip_id++, frag, l4len);
	return ETH_LEN + IP_LEN;
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
	    "usage: " PROG " --worm slammer|blaster|welchia|sasser --src IP --src-mac MAC\n"
	    "                      --prefix CIDR [--dst-mac MAC] [--count N] [--rate PPS]\n"
	    "                      [--seed S] [--start EPOCH] [--slammer-payload PCAP] -o OUT.pcap\n"
	    "  --worm W              the worm to emulate\n"
	    "  --src IP              the infected host (inside --prefix)\n"
	    "  --src-mac MAC         its MAC address\n"
	    "  --prefix CIDR         the lab prefix: every target lies inside it; private or\n"
	    "                        documentation space only (10/8, 172.16/12, 192.168/16,\n"
	    "                        192.0.2/24, 198.51.100/24, 203.0.113/24)\n"
	    "  --dst-mac MAC         destination MAC of every frame (default " DEFAULT_DST_MAC ",\n"
	    "                        the lab gateway; the replay rewrites it as needed)\n"
	    "  --count N             addresses probed (slammer 2000, blaster 200, welchia 254,\n"
	    "                        sasser 500; 1-%u)\n"
	    "  --rate PPS            new addresses per second of capture time (slammer 2000,\n"
	    "                        blaster 11.1, welchia 100, sasser 100)\n"
	    "  --seed S              PRNG seed (default %d); same options, same file\n"
	    "  --start EPOCH         capture time of the first packet (default %llu)\n"
	    "  --slammer-payload F   take Slammer's real 376-byte payload from capture F\n"
	    "                        (else a placeholder of the same length starting 0x04)\n"
	    "  -o OUT.pcap           the file to write\n"
	    "Prints one JSON line describing the file on stdout.\n",
	    MAX_COUNT, DEFAULT_SEED, (unsigned long long)DEFAULT_START_S);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (*s == '-' || *s == '\0')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*v = x;
	return 0;
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
	bool count_set = false, rate_set = false;
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
			if (parse_u64(optarg, 1, MAX_COUNT, &v) != 0) {
				fprintf(stderr, PROG ": --count '%s': a number from 1 to %u\n", optarg,
				    MAX_COUNT);
				return 2;
			}
			g.count = (uint32_t)v;
			count_set = true;
			break;
		case OPT_RATE: {
			char *end;
			errno = 0;
			g.rate = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(g.rate >= 0.01) ||
			    g.rate > MAX_RATE) {
				fprintf(stderr, PROG ": --rate '%s': packets per second, 0.01 to %.0f\n",
				    optarg, MAX_RATE);
				return 2;
			}
			rate_set = true;
			break;
		}
		case OPT_SEED:
			if (parse_u64(optarg, 0, UINT64_MAX, &seed) != 0) {
				fprintf(stderr, PROG ": --seed '%s': an unsigned integer\n", optarg);
				return 2;
			}
			break;
		case OPT_START:
			if (parse_u64(optarg, 0, 4000000000ULL, &g.start_s) != 0) {
				fprintf(stderr, PROG ": --start '%s': seconds since 1970 (pcap holds 32 bits)\n",
				    optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (worm_arg == NULL || src_arg == NULL || src_mac_arg == NULL || prefix_arg == NULL ||
	    out == NULL) {
		fprintf(stderr, PROG ": --worm, --src, --src-mac, --prefix and -o are required\n");
		usage(stderr);
		return 2;
	}
	if (parse_worm(worm_arg, &g.worm) != 0) {
		fprintf(stderr, PROG ": --worm '%s': one of slammer, blaster, welchia, sasser\n",
		    worm_arg);
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
	if (labnet_parse_mac(src_mac_arg, g.src_mac) != 0) {
		fprintf(stderr, PROG ": --src-mac '%s': not a MAC address (aa:bb:cc:dd:ee:ff)\n",
		    src_mac_arg);
		return 2;
	}
	if (labnet_parse_mac(dst_mac_arg, g.dst_mac) != 0) {
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
	if ((g.worm == WORM_BLASTER || g.worm == WORM_WELCHIA) && g.count > space && !count_set) {
		g.count = space;   /* a sweep of the whole prefix when it is smaller than the default */
	} else if ((g.worm == WORM_BLASTER || g.worm == WORM_WELCHIA) && g.count > space) {
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
	g.cap = g.count * 4;
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
