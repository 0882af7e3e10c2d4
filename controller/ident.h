/* SPDX-License-Identifier: ISC */
/*
 * ident: who a host is. A host is a MAC with its current address; the MAC
 * comes from a sensor on the host's own segment, from the network's router
 * (its neighbour table over SNMP, snmp_router.h), or from the operator, and
 * a MAC from a lower source never replaces one from a higher
 * (mac_source_may_replace): a sensor behind a router sees the router's MAC,
 * which is never taken for the host's. When a MAC on record shows up at a
 * new address (a DHCP lease moved), the record follows it (ident_learn):
 * a quarantined MAC stays quarantined.
 *
 * Between actions/enforcer and the core: it calls only the core, the
 * registry and the routers.
 */
#ifndef CORDON_IDENT_H
#define CORDON_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "registry.h"
#include "snmp_router.h"

struct cordon;

/* ---- pure decisions ---------------------------------------------------------- */

/* Whether a MAC from `next` may replace one on record from `cur` (next ranks at least as high). */
bool mac_source_may_replace(enum mac_source cur, enum mac_source next);

/*
 * What a MAC that `sensor` reports for `ip` is: MAC_SRC_SEGMENT when the
 * address is in a network that lists the sensor among its segment_sensors,
 * MAC_SRC_NONE (not the host's: the router's) when it is in a network that
 * does not, MAC_SRC_SENSOR when it is in no network.
 */
enum mac_source ident_report_source(const struct cordon_conf *conf, const struct ip_addr *ip,
    const char *sensor);

/*
 * Whether the network's router must be asked for h's MAC before the host can
 * be located: its network has a router and h has no MAC from the router, its
 * own segment or the operator.
 */
bool ident_needs_lookup(const struct cordon_conf *conf, const struct host_rec *h);

/*
 * Takes `mac` from `src` into h when the source may replace h's, unless h has
 * a recorded location and another MAC (the location is that MAC's: what
 * undoes its isolation); true when h changed.
 */
bool ident_take_mac(struct host_rec *h, const uint8_t mac[6], enum mac_source src);

/*
 * A DHCP move: `moving` (the record of a MAC at its old address) now at
 * `new_ip`, where `at_new` (NULL: none) is on record. 0 with *out the merged
 * record (moving's identity, state and location; at_new's counts and times
 * added; at_new's state kept when only it holds one), or -1 with `why` when
 * the move would lose what undoes an isolation (at_new has its own
 * enforcement state, with another MAC).
 */
int ident_merge_move(const struct host_rec *moving, const struct host_rec *at_new,
    const struct ip_addr *new_ip, struct host_rec *out, char *why, size_t whylen);

/*
 * Why a router's answer names no MAC, for the operator and the log: "router
 * campus (10.20.0.1) has no neighbour entry for 10.20.0.9 (table 3 s old)".
 * `router` as ident_lookup_fn gets it.
 */
void ident_router_refusal(const struct snmprt_answer *a, const char *router, const char *ipt,
    char *buf, size_t len);

/* ---- with the daemon's state ------------------------------------------------- */

/*
 * Takes `mac` (from `src`) into h as ident_take_mac does; when the source is
 * trustworthy (segment, router, operator) and the MAC is on record at
 * another address, the other record moves to h's address (registry_move,
 * audited as "move" by `actor`) and *h becomes the merged record. A move
 * that cannot be done (an operation running on the old address, or
 * ident_merge_move refuses) is logged and left; h is then only updated in
 * memory. 0, or -1 when the state database failed (logged).
 */
int ident_learn(struct cordon *c, struct host_rec *h, const uint8_t mac[6],
    enum mac_source src, const char *actor);

/* The router's answer; `router` names it ("campus (10.0.0.1)"). */
typedef void (*ident_lookup_fn)(struct cordon *c, void *arg, const struct ip_addr *ip,
    const struct snmprt_answer *a, const char *router);

/*
 * Asks the router of ip's network for its MAC. 0: `fn` follows once, from the
 * loop, and gets `arg` back (the caller's again); if the core is freed first,
 * fn never comes and `arg` is freed with free(): it must be one malloc'd
 * block owning nothing else. -1 with `why` (no router for the address, too
 * many lookups waiting): `arg` stays the caller's.
 */
int ident_lookup(struct cordon *c, const struct ip_addr *ip, ident_lookup_fn fn, void *arg,
    char *why, size_t whylen);

#endif
