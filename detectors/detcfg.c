/* SPDX-License-Identifier: ISC */
#include "detcfg.h"
#include "prefix.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Exposed ports and fan-out thresholds (distinct destinations per source per
 * port in fanout.window). Worm ports are held tighter than Zeek's general
 * address-scan threshold of 25 hosts in 5 minutes: a Windows or IoT client has
 * no business opening 135/139/445/1433/1434/23/2323 on ten hosts a minute.
 * Service ports that browsers and mail relays fan out on legitimately get
 * Zeek's 25 and, for the web, more (a single page load reaches 15+ hosts).
 */
static const struct detcfg_port default_ports[] = {
	{ 135, 10 }, { 139, 10 }, { 445, 10 }, { 1433, 10 }, { 1434, 10 },
	{ 23, 10 }, { 2323, 10 }, { 80, 64 }, { 3389, 10 }, { 22, 25 },
	{ 25, 25 },
};

/*
 * Discovery and address-configuration protocols: their datagrams are queries
 * to a group or answers to one, never a connection attempt. DHCP (67, 68;
 * RFC 2131) and DHCPv6 (546, 547; RFC 8415), NetBIOS name and datagram
 * service (137, 138; RFC 1002), SSDP (1900; UPnP Device Architecture 1.1),
 * WS-Discovery (3702; OASIS WS-Discovery 1.1), mDNS (5353; RFC 6762), LLMNR
 * (5355; RFC 4795).
 */
static const uint16_t default_discovery_ports[] = {
	67, 68, 137, 138, 546, 547, 1900, 3702, 5353, 5355,
};

void
detcfg_defaults(struct det_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->ports, default_ports, sizeof(default_ports));
	c->nports = sizeof(default_ports) / sizeof(default_ports[0]);
	c->fanout_window_ms = 60 * 1000;
	/* Jung, Paxson, Berger, Balakrishnan, "Fast Portscan Detection Using
	 * Sequential Hypothesis Testing", IEEE S&P 2004, section 5. */
	c->trw_theta0 = 0.8;
	c->trw_theta1 = 0.2;
	c->trw_alpha = 0.01;
	c->trw_beta = 0.99;
	c->trw_timeout_ms = 3 * 1000;     /* TCP's initial SYN retransmission timer (RFC 6298 2.1: 1 s, Windows 3 s) */
	c->trw_min_timeout_ms = 25;       /* well above a LAN's answer delay (docs/detectors.md) */
	c->trw_adaptive = 1;
	c->vscan_ports = 15;              /* Zeek scan.zeek port_scan_threshold */
	c->vscan_window_ms = 5 * 60 * 1000; /* Zeek port_scan_interval */
	c->icmp_sweep_dsts = 5;
	c->icmp_sweep_share = 0.25;
	c->arp_sweep_dsts = 24;
	c->nd_sweep_dsts = 24;
	memcpy(c->discovery_ports, default_discovery_ports, sizeof(default_discovery_ports));
	c->ndiscovery_ports = sizeof(default_discovery_ports) / sizeof(default_discovery_ports[0]);
	c->reply_window_ms = 30 * 1000;  /* UPnP's MX is at most 5 s; NBNS and WS-Discovery retry within seconds */
	c->startup_grace_ms = 10 * 1000;
	c->sweep_window_ms = 60 * 1000;
	c->alert_interval_ms = 5 * 60 * 1000;
	c->max_sources = 65536;
	c->max_pairs = 262144;
	c->max_fanout = 65536;
	c->max_queries = 16384;
	c->source_idle_ms = 10 * 60 * 1000;
	c->pair_idle_ms = 10 * 60 * 1000;
	c->hash_seed = 0;
	/* Asset reports matter to a controller, not to a person reading stdout:
	 * cordon-sensor turns them on when its output is a socket. */
	c->seen_interval_ms = DETCFG_AUTO;
}

const char *const detcfg_keys[] = {
	"ports", "fanout.window", "trw.theta0", "trw.theta1", "trw.alpha",
	"trw.beta", "trw.timeout", "trw.min_timeout", "trw.adaptive",
	"vscan.ports", "vscan.window", "icmp_sweep.dsts", "icmp_sweep.share",
	"arp_sweep.dsts", "nd_sweep.dsts", "sweep.window", "subnets",
	"discovery.ports", "reply.window", "reply.startup_grace", "alert.interval",
	"table.sources", "table.pairs", "table.fanout", "table.queries", "table.source_idle",
	"table.pair_idle", "table.seed", "report.seen_interval", NULL,
};

static int
fail(char *err, size_t errlen, const char *key, const char *value,
    const char *why)
{
	snprintf(err, errlen, "%s: bad value '%s': %s", key, value, why);
	return -1;
}

static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A whole string as a finite number. */
static int
parse_double(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*out))
		return -1;
	return 0;
}

/* Seconds with an optional fraction, e.g. "60" or "0.5", to ms in [1, 24 days]. */
static int
parse_seconds(const char *s, uint32_t *ms)
{
	double v;

	if (parse_double(s, &v) != 0 || v < 0.001 || v > 24.0 * 86400)
		return -1;
	*ms = (uint32_t)(v * 1000.0 + 0.5);
	return 0;
}

static int
parse_prob(const char *s, double *out)
{
	double v;

	if (parse_double(s, &v) != 0 || !(v > 0.0 && v < 1.0))
		return -1;
	*out = v;
	return 0;
}

/* "135:10,445,80:64": a port with an optional threshold (default 10). */
static int
parse_ports(struct det_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	struct detcfg_port ports[DETCFG_MAX_PORTS];
	unsigned n = 0, i;
	char buf[512], *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf))
		return fail(err, errlen, key, value, "too long");
	strcpy(buf, value);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		unsigned long long port, thr = 10;
		while (*tok == ' ')
			tok++;
		if (colon)
			*colon = '\0';
		if (parse_uint(tok, 65535, &port) != 0 || port == 0)
			return fail(err, errlen, key, value, "a port is a number from 1 to 65535");
		if (colon && (parse_uint(colon + 1, 65535, &thr) != 0 || thr < 2))
			return fail(err, errlen, key, value, "a threshold is a number from 2 to 65535");
		for (i = 0; i < n; i++)
			if (ports[i].port == port)
				return fail(err, errlen, key, value, "a port is listed twice");
		if (n == DETCFG_MAX_PORTS)
			return fail(err, errlen, key, value, "at most 16 ports");
		ports[n].port = (uint16_t)port;
		ports[n].threshold = (uint16_t)thr;
		n++;
	}
	if (n == 0)
		return fail(err, errlen, key, value, "no port given");
	memcpy(c->ports, ports, sizeof(ports));
	c->nports = n;
	return 0;
}

/* "10.20.0.0/16,fd00:1::/64": local subnets (at most DETCFG_MAX_SUBNETS). */
static int
parse_subnets(struct det_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	struct detcfg_subnet subs[DETCFG_MAX_SUBNETS];
	unsigned n = 0;
	char buf[2048], *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf))
		return fail(err, errlen, key, value, "too long");
	strcpy(buf, value);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		struct prefix p;
		char why[192];
		if (n == DETCFG_MAX_SUBNETS)
			return fail(err, errlen, key, value, "at most 32 subnets");
		if (prefix_parse(tok, PREFIX_LENGTH_REQUIRED | PREFIX_NONZERO, &p, why, sizeof(why)) != 0)
			return fail(err, errlen, key, value, why);
		subs[n].addr = p.addr;
		subs[n].plen = (uint8_t)p.len;
		n++;
	}
	if (n == 0)
		return fail(err, errlen, key, value, "no subnet given");
	memcpy(c->subnets, subs, sizeof(subs));
	c->nsubnets = n;
	return 0;
}

/* "67,68,137": ports whose datagrams are never probes ("none": no such port). */
static int
parse_port_list(struct det_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	uint16_t ports[DETCFG_MAX_DISCOVERY_PORTS];
	unsigned n = 0;
	char buf[512], *save = NULL, *tok;

	if (strcmp(value, "none") == 0) {
		c->ndiscovery_ports = 0;
		return 0;
	}
	if (strlen(value) >= sizeof(buf))
		return fail(err, errlen, key, value, "too long");
	strcpy(buf, value);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		unsigned long long port;
		if (parse_uint(tok, 65535, &port) != 0 || port == 0)
			return fail(err, errlen, key, value, "a port is a number from 1 to 65535");
		if (n == DETCFG_MAX_DISCOVERY_PORTS)
			return fail(err, errlen, key, value, "at most 32 ports");
		ports[n++] = (uint16_t)port;
	}
	if (n == 0)
		return fail(err, errlen, key, value, "no port given (\"none\" for none)");
	memcpy(c->discovery_ports, ports, sizeof(ports));
	c->ndiscovery_ports = n;
	return 0;
}

bool
detcfg_subnet_contains(const struct detcfg_subnet *s, const struct ip_addr *a)
{
	return ip_prefix_equal(&s->addr, a, s->plen);
}

int
detcfg_set(struct det_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	unsigned long long u;
	uint32_t ms;

	if (strcmp(key, "ports") == 0)
		return parse_ports(c, key, value, err, errlen);
	if (strcmp(key, "subnets") == 0)
		return parse_subnets(c, key, value, err, errlen);
	if (strcmp(key, "discovery.ports") == 0)
		return parse_port_list(c, key, value, err, errlen);

#define SECONDS(name, field)                                                  \
	if (strcmp(key, name) == 0) {                                         \
		if (parse_seconds(value, &ms) != 0)                           \
			return fail(err, errlen, key, value,                  \
			    "expected seconds, from 0.001 to 2073600");       \
		c->field = ms;                                                \
		return 0;                                                     \
	}
#define PROB(name, field)                                                     \
	if (strcmp(key, name) == 0) {                                         \
		if (parse_prob(value, &c->field) != 0)                        \
			return fail(err, errlen, key, value,                  \
			    "expected a probability strictly between 0 and 1"); \
		return 0;                                                     \
	}
#define COUNT(name, field, lo, hi)                                            \
	if (strcmp(key, name) == 0) {                                         \
		if (parse_uint(value, hi, &u) != 0 || u < lo)                 \
			return fail(err, errlen, key, value,                  \
			    "expected a whole number from " #lo " to " #hi);  \
		c->field = (uint32_t)u;                                       \
		return 0;                                                     \
	}
	SECONDS("fanout.window", fanout_window_ms)
	PROB("trw.theta0", trw_theta0)
	PROB("trw.theta1", trw_theta1)
	PROB("trw.alpha", trw_alpha)
	PROB("trw.beta", trw_beta)
	SECONDS("trw.timeout", trw_timeout_ms)
	SECONDS("trw.min_timeout", trw_min_timeout_ms)
	COUNT("vscan.ports", vscan_ports, 2, 61)
	SECONDS("vscan.window", vscan_window_ms)
	COUNT("icmp_sweep.dsts", icmp_sweep_dsts, 2, 255)
	PROB("icmp_sweep.share", icmp_sweep_share)
	COUNT("arp_sweep.dsts", arp_sweep_dsts, 2, 65535)
	COUNT("nd_sweep.dsts", nd_sweep_dsts, 2, 65535)
	SECONDS("reply.window", reply_window_ms)
	SECONDS("reply.startup_grace", startup_grace_ms)
	COUNT("table.queries", max_queries, 64, 67108864)
	SECONDS("sweep.window", sweep_window_ms)
	SECONDS("alert.interval", alert_interval_ms)
	COUNT("table.sources", max_sources, 64, 67108864)
	COUNT("table.pairs", max_pairs, 64, 67108864)
	COUNT("table.fanout", max_fanout, 64, 67108864)
	SECONDS("table.source_idle", source_idle_ms)
	SECONDS("table.pair_idle", pair_idle_ms)
#undef SECONDS
#undef PROB
#undef COUNT
	if (strcmp(key, "report.seen_interval") == 0) {
		if (strcmp(value, "0") == 0) {
			c->seen_interval_ms = 0;
			return 0;
		}
		if (parse_seconds(value, &ms) != 0)
			return fail(err, errlen, key, value, "expected seconds (0 turns the reports off)");
		c->seen_interval_ms = ms;
		return 0;
	}
	if (strcmp(key, "trw.adaptive") == 0) {
		if (strcmp(value, "1") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			c->trw_adaptive = 1;
		else if (strcmp(value, "0") == 0 || strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
			c->trw_adaptive = 0;
		else
			return fail(err, errlen, key, value, "expected yes or no");
		return 0;
	}
	if (strcmp(key, "table.seed") == 0) {
		if (parse_uint(value, UINT64_MAX, &u) != 0)
			return fail(err, errlen, key, value, "expected a whole number");
		c->hash_seed = u;
		return 0;
	}
	snprintf(err, errlen, "%s: unknown setting", key);
	return -1;
}

int
detcfg_validate(const struct det_config *c, char *err, size_t errlen)
{
	if (!(c->trw_theta1 < c->trw_theta0)) {
		snprintf(err, errlen,
		    "trw.theta1 (%g) must be below trw.theta0 (%g): a scanner's "
		    "probes succeed less often than a benign host's", c->trw_theta1,
		    c->trw_theta0);
		return -1;
	}
	if (!(c->trw_alpha < c->trw_beta)) {
		snprintf(err, errlen, "trw.alpha (%g) must be below trw.beta (%g)",
		    c->trw_alpha, c->trw_beta);
		return -1;
	}
	if (c->trw_min_timeout_ms > c->trw_timeout_ms) {
		snprintf(err, errlen,
		    "trw.min_timeout (%.3f s) must not exceed trw.timeout (%.3f s)",
		    c->trw_min_timeout_ms / 1000.0, c->trw_timeout_ms / 1000.0);
		return -1;
	}
	if (c->pair_idle_ms < c->vscan_window_ms) {
		snprintf(err, errlen,
		    "table.pair_idle (%.3f s) must be at least vscan.window (%.3f s)",
		    c->pair_idle_ms / 1000.0, c->vscan_window_ms / 1000.0);
		return -1;
	}
	return 0;
}
