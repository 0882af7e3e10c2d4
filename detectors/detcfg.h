/* SPDX-License-Identifier: ISC */
/*
 * detcfg: the detectors' thresholds, windows and table sizes, with their
 * defaults and a setter by name that validates every value.
 *
 * Where each default comes from is documented in docs/detectors.md; the
 * names below are the keys used on the command line (-T key=value) and in
 * the `detectors` section of the config file.
 */
#ifndef CORDON_DETCFG_H
#define CORDON_DETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

#define DETCFG_MAX_PORTS 16
#define DETCFG_MAX_SUBNETS 32
#define DETCFG_MAX_DISCOVERY_PORTS 32
#define DETCFG_AUTO UINT32_MAX
#define DETCFG_SEEN_INTERVAL_MS (60 * 1000)   /* when reports go to a controller */

struct detcfg_port {
	uint16_t port;
	uint16_t threshold;    /* distinct destinations in fanout.window */
};

/*
 * A local subnet: `plen` leading bits of `addr` (IPv4 counted in its
 * ::ffff:0:0/96 form), parsed by common/prefix.c; kept this small because the
 * detector matches it per packet.
 */
struct detcfg_subnet {
	struct ip_addr addr;
	uint8_t plen;
};

struct det_config {
	/* fan-out: exposed ports and their thresholds */
	struct detcfg_port ports[DETCFG_MAX_PORTS];
	unsigned nports;
	uint32_t fanout_window_ms;
	/* threshold random walk */
	double trw_theta0, trw_theta1, trw_alpha, trw_beta;
	uint32_t trw_timeout_ms;     /* the longest a first contact may stay unanswered */
	uint32_t trw_min_timeout_ms; /* the shortest (adaptive timeouts never go below) */
	uint32_t trw_adaptive;       /* 1: timeouts from observed answer delays; 0: trw.timeout */
	/* vertical scan */
	uint32_t vscan_ports;
	uint32_t vscan_window_ms;
	/* sweeps */
	uint32_t icmp_sweep_dsts;        /* unanswered echo destinations */
	double icmp_sweep_share;         /* ... and at least this share of all echo destinations */
	uint32_t arp_sweep_dsts;         /* unanswered ARP who-has targets */
	uint32_t nd_sweep_dsts;          /* unanswered IPv6 neighbour solicitation targets */
	uint32_t sweep_window_ms;
	/* replies: local subnets, discovery ports, how long a group query is answered */
	struct detcfg_subnet subnets[DETCFG_MAX_SUBNETS];
	unsigned nsubnets;
	uint16_t discovery_ports[DETCFG_MAX_DISCOVERY_PORTS];
	unsigned ndiscovery_ports;
	uint32_t reply_window_ms;
	uint32_t startup_grace_ms;   /* replies to requests sent before the capture started */
	/* reporting: one detection per source per engine per interval */
	uint32_t alert_interval_ms;
	/* tables: fixed sizes, allocated once */
	uint32_t max_sources;
	uint32_t max_pairs;
	uint32_t max_fanout;
	uint32_t max_queries;
	uint32_t source_idle_ms;
	uint32_t pair_idle_ms;
	uint64_t hash_seed;    /* 0: the sensor picks a random one */
	uint32_t seen_interval_ms; /* asset reports; 0: off; DETCFG_AUTO: the program decides */
};

void detcfg_defaults(struct det_config *c);

/*
 * Sets one key from its text value. On error returns -1 and writes a message
 * naming the key and the value into err.
 */
int detcfg_set(struct det_config *c, const char *key, const char *value,
    char *err, size_t errlen);

/* Checks the values against each other (e.g. theta1 < theta0). */
int detcfg_validate(const struct det_config *c, char *err, size_t errlen);

/* Whether `a` lies in `s`. */
bool detcfg_subnet_contains(const struct detcfg_subnet *s, const struct ip_addr *a);

/* The known keys, NULL-terminated, for help texts. */
extern const char *const detcfg_keys[];

#endif
