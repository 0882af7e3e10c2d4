/* SPDX-License-Identifier: ISC */
/*
 * snmp_receiver: listens for switches' SNMP notifications on the event loop
 * (the daemon's notification port) and hands each accepted one, decoded by
 * snmp_notify, to its owner.
 *
 * Accepted: SNMPv2c Traps and Informs carrying the configured community, and
 * SNMPv3 Traps and Informs from the configured user at authPriv (SHA/AES;
 * Informs are authenticated with the receiver's own engine ID, Traps need
 * the sender's engine ID in `v3_engine_ids`). SNMPv1 Traps are converted to
 * the v2 form (RFC 3584) and accepted with the community. Informs are
 * acknowledged once accepted. Everything else is counted and dropped: wrong
 * community or user, a security level below authPriv, other PDU types, and
 * notifications the decoder rejects; nothing of a community or key is ever
 * logged.
 *
 * Secrets: snmprx_open copies what it needs into net-snmp's user table (keys
 * localised, pass phrases wiped) and the community into the receiver; the
 * caller may wipe its configuration after the call.
 */
#ifndef CORDON_SWITCHES_SNMP_RECEIVER_H
#define CORDON_SWITCHES_SNMP_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "snmp_notify.h"

struct loop;
struct snmprx;

struct snmprx_conf {
	const char *listen;          /* "ADDR:PORT" (IPv4) or "[ADDR]:PORT"; borrowed for the call */
	const char *community;       /* v1/v2c community accepted; NULL or "": v1/v2c refused */
	const char *v3_user;         /* SNMPv3 user accepted (authPriv); NULL: v3 refused */
	const char *v3_auth_pass;    /* SHA pass phrase */
	const char *v3_priv_pass;    /* AES pass phrase */
	const char *const *v3_engine_ids; /* hex engine IDs of switches that send v3 Traps; NULL-ended, may be NULL */
};

/*
 * Called once per accepted notification: `from` is the sender's address as
 * text ("10.200.1.1"), `d` the decoding (SNMPN_EVENTS or SNMPN_IGNORED).
 * Both are borrowed for the call. Runs on the event loop.
 */
typedef void (*snmprx_fn)(void *arg, const char *from, const struct snmpn_decoded *d);

struct snmprx_stats {
	uint64_t received;           /* datagrams net-snmp parsed into a PDU */
	uint64_t accepted;           /* handed to the callback */
	uint64_t informs_acked;
	uint64_t refused_auth;       /* wrong community, user or security level */
	uint64_t refused_type;       /* not a Trap or Inform */
	uint64_t malformed;          /* the decoder rejected it (last reason in last_error) */
	uint64_t records_rejected;   /* MAC records rejected inside accepted notifications */
	char last_error[256];
};

/*
 * Opens the listening socket, watched on `loop` (borrowed; must outlive the
 * receiver). snmpc_global_init must have run. Returns the
 * receiver (owned by the caller, freed by snmprx_close) or NULL with err
 * filled (the address and the reason; never a secret).
 */
struct snmprx *snmprx_open(struct loop *loop, const struct snmprx_conf *conf, snmprx_fn fn,
			   void *arg, char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
unsigned snmprx_port(const struct snmprx *rx);

void snmprx_get_stats(const struct snmprx *rx, struct snmprx_stats *out);

/* Closes the socket and frees the receiver; wipes the community. NULL is fine. */
void snmprx_close(struct snmprx *rx);

#endif
