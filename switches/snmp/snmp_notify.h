/* SPDX-License-Identifier: ISC */
/*
 * snmp_notify: what a switch's SNMP notification says about where hosts are.
 * Decodes the variable bindings of one received notification (SNMPv2c/v3
 * Trap or Inform, or an SNMPv1 Trap already converted to the v2 form, RFC
 * 3584 section 3.1) into events Cordon acts on:
 *
 *   - linkDown / linkUp (IF-MIB, RFC 2863): the ifIndex;
 *   - cmnMacChangedNotification (CISCO-MAC-NOTIFICATION-MIB): every record
 *     of each cmnHistMacChangedMsg, a MAC learnt on or removed from a bridge
 *     port in a VLAN;
 *   - cmnMacMoveNotification (same MIB): a MAC that moved from one bridge
 *     port to another in a VLAN.
 *
 * Pure code on plain types (struct snmpc_vb, as snmp_client converts every
 * variable): no net-snmp, no I/O, so the decoder is unit-tested and fuzzed
 * on its own. The receiver that owns the socket converts the PDU and hands
 * the bindings here.
 *
 * Everything in a notification is hostile: a binding of the wrong type or
 * size, a record cut short, a VLAN outside 1..4094, a port 0 or a MAC that
 * is multicast rejects the notification (or the record) with the reason;
 * nothing is guessed.
 */
#ifndef CORDON_SWITCHES_SNMP_NOTIFY_H
#define CORDON_SWITCHES_SNMP_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "snmp_client.h"

enum snmpn_kind {
	SNMPN_LINK_DOWN = 1,
	SNMPN_LINK_UP,
	SNMPN_MAC_LEARNT,        /* cmnHistMacChangedMsg operation 1 */
	SNMPN_MAC_REMOVED,       /* cmnHistMacChangedMsg operation 2 */
	SNMPN_MAC_MOVED,         /* cmnMacMoveNotification */
};

struct snmpn_event {
	enum snmpn_kind kind;
	uint32_t if_index;       /* LINK_*: the interface; else 0 */
	uint32_t bridge_port;    /* MAC_*: dot1dBasePort the MAC is (MOVED: now) on */
	uint32_t from_port;      /* MAC_MOVED: the bridge port it left; else 0 */
	uint16_t vlan;           /* MAC_*: 1..4094 */
	uint8_t mac[6];          /* MAC_*: a unicast MAC */
};

/*
 * One cmnHistMacChangedMsg holds at most 254 octets, 23 records of 11; a
 * notification may carry several messages (one binding each). Records past
 * SNMPN_MAX_EVENTS are counted in `dropped`, never silently lost.
 */
#define SNMPN_MAX_EVENTS 64

enum snmpn_result {
	SNMPN_EVENTS = 0,        /* a notification Cordon uses: see ev[0..n) */
	SNMPN_IGNORED,           /* well formed, of a kind Cordon does not use */
	SNMPN_MALFORMED,         /* rejected: why says which binding and what */
};

struct snmpn_decoded {
	enum snmpn_result result;
	char trap_oid[96];       /* snmpTrapOID.0's value, dotted ("" if missing) */
	size_t n;
	struct snmpn_event ev[SNMPN_MAX_EVENTS];
	size_t rejected;         /* records of a MAC message rejected (reason in why) */
	size_t dropped;          /* records beyond SNMPN_MAX_EVENTS */
	char why[160];           /* MALFORMED, or the first rejected record: the reason */
};

/*
 * Decodes the bindings of one notification into *out (overwritten whole).
 * vbs[0..n) is borrowed for the call. Returns out->result.
 */
enum snmpn_result snmpn_decode(const struct snmpc_vb *vbs, size_t n, struct snmpn_decoded *out);

/* "link-down", "link-up", "mac-learnt", "mac-removed", "mac-moved": static strings. */
const char *snmpn_kind_name(enum snmpn_kind kind);

#endif
