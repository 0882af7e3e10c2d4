/* SPDX-License-Identifier: ISC */
/*
 * snmp_notify: decoding a switch's notification (see snmp_notify.h).
 *
 * Sources of the facts used here:
 *   - RFC 3416 section 4.2.6: a v2 notification's first two bindings are
 *     sysUpTime.0 and snmpTrapOID.0 (1.3.6.1.6.3.1.1.4.1.0);
 *   - RFC 2863: linkDown 1.3.6.1.6.3.1.1.5.3, linkUp .4, each with
 *     ifIndex.<i> (1.3.6.1.2.1.2.2.1.1.<i>), ifAdminStatus, ifOperStatus;
 *   - CISCO-MAC-NOTIFICATION-MIB: cmnMacChangedNotification
 *     1.3.6.1.4.1.9.9.215.2.0.1 carries cmnHistMacChangedMsg
 *     (1.3.6.1.4.1.9.9.215.1.1.8.1.2.<histIndex>, OCTET STRING 1..254):
 *     11-octet tuples <operation 1><VLAN 2><MAC 6><dot1dBasePort 2>, VLAN and
 *     port in network order, operation 1 learnt, 2 removed, 0 the end of the
 *     object; cmnMacMoveNotification 1.3.6.1.4.1.9.9.215.2.0.2 carries
 *     cmnMACMoveAddress (.215.1.3.3, 6 octets), cmnMACMoveVlanNumber (.1.3.4),
 *     cmnMACMoveFromPortId (.1.3.5) and cmnMACMoveToPortId (.1.3.6), ports as
 *     dot1dBasePort.
 */
#include "snmp_notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TUPLE_LEN 11

static const uint32_t oid_snmp_trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
static const uint32_t oid_if_index[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 1};
static const uint32_t oid_hist_msg[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 1, 8, 1, 2};
static const uint32_t oid_move_address[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 3};
static const uint32_t oid_move_vlan[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 4};
static const uint32_t oid_move_from[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 5};
static const uint32_t oid_move_to[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 6};

#define TRAP_LINK_DOWN "1.3.6.1.6.3.1.1.5.3"
#define TRAP_LINK_UP "1.3.6.1.6.3.1.1.5.4"
#define TRAP_MAC_CHANGED "1.3.6.1.4.1.9.9.215.2.0.1"
#define TRAP_MAC_MOVE "1.3.6.1.4.1.9.9.215.2.0.2"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *snmpn_kind_name(enum snmpn_kind kind)
{
	switch (kind) {
	case SNMPN_LINK_DOWN: return "link-down";
	case SNMPN_LINK_UP: return "link-up";
	case SNMPN_MAC_LEARNT: return "mac-learnt";
	case SNMPN_MAC_REMOVED: return "mac-removed";
	case SNMPN_MAC_MOVED: return "mac-moved";
	}
	return "unknown";
}

/* The binding's OID is prefix.X (extra == 1) or exactly prefix (extra == 0). */
static bool oid_is(const struct snmpc_oid *o, const uint32_t *prefix, size_t plen, size_t extra)
{
	if (o->len != plen + extra || o->len > SNMPC_MAX_OID)
		return false;
	for (size_t i = 0; i < plen; i++)
		if (o->n[i] != prefix[i])
			return false;
	return true;
}

/* A scalar accessible-for-notify object: sent as the object itself or as instance .0. */
static bool oid_is_scalar(const struct snmpc_oid *o, const uint32_t *prefix, size_t plen)
{
	return oid_is(o, prefix, plen, 0) || (oid_is(o, prefix, plen, 1) && o->n[plen] == 0);
}

static void oid_text(const struct snmpc_oid *o, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < o->len && i < SNMPC_MAX_OID && off < len; i++) {
		int w = snprintf(buf + off, len - off, i ? ".%u" : "%u", (unsigned)o->n[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* idx counts from the notification's first binding, as an operator's trap log does. */
static enum snmpn_result malformed(struct snmpn_decoded *out, const char *what, size_t idx,
				   const struct snmpc_vb *vb)
{
	char oid[SNMPC_MAX_OID * 11 + 1];
	oid_text(&vb->oid, oid, sizeof oid);
	snprintf(out->why, sizeof out->why, "binding %zu (%.60s): %s", idx + 1, oid, what);
	out->result = SNMPN_MALFORMED;
	out->n = 0;
	return out->result;
}

static bool mac_usable(const uint8_t *mac)
{
	static const uint8_t zero[6];
	/* A forwarding table learns source addresses only: never group or zero. */
	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static struct snmpn_event *push(struct snmpn_decoded *out)
{
	if (out->n == SNMPN_MAX_EVENTS) {
		out->dropped++;
		return NULL;
	}
	struct snmpn_event *ev = &out->ev[out->n++];
	memset(ev, 0, sizeof *ev);
	return ev;
}

static void reject_record(struct snmpn_decoded *out, size_t idx, size_t tuple, const char *why,
			  long value)
{
	if (out->rejected++ == 0)
		snprintf(out->why, sizeof out->why, "binding %zu, record %zu: %s %ld", idx + 1,
			 tuple + 1, why, value);
}

/* The tuples of one cmnHistMacChangedMsg. */
static void decode_hist_msg(struct snmpn_decoded *out, size_t idx, const uint8_t *s, size_t len)
{
	size_t off = 0;
	for (size_t tuple = 0; off < len; tuple++) {
		uint8_t op = s[off];
		if (op == 0)
			return; /* the end of the object: what follows is padding */
		if (len - off < TUPLE_LEN) {
			reject_record(out, idx, tuple, "cut short, octets left", (long)(len - off));
			return;
		}
		const uint8_t *t = s + off;
		off += TUPLE_LEN;
		uint16_t vlan = (uint16_t)(t[1] << 8 | t[2]);
		uint16_t port = (uint16_t)(t[9] << 8 | t[10]);
		if (op != 1 && op != 2) {
			reject_record(out, idx, tuple, "unknown operation", op);
			continue;
		}
		if (vlan < 1 || vlan > 4094) {
			reject_record(out, idx, tuple, "VLAN out of 1..4094:", vlan);
			continue;
		}
		if (port == 0) {
			reject_record(out, idx, tuple, "bridge port", 0);
			continue;
		}
		if (!mac_usable(t + 3)) {
			reject_record(out, idx, tuple, "group or zero MAC, first octet", t[3]);
			continue;
		}
		struct snmpn_event *ev = push(out);
		if (!ev)
			continue;
		ev->kind = op == 1 ? SNMPN_MAC_LEARNT : SNMPN_MAC_REMOVED;
		ev->vlan = vlan;
		ev->bridge_port = port;
		memcpy(ev->mac, t + 3, 6);
	}
}

static enum snmpn_result decode_mac_changed(const struct snmpc_vb *vbs, size_t n, size_t first,
					    struct snmpn_decoded *out)
{
	size_t msgs = 0;
	for (size_t i = first; i < n; i++) {
		if (!oid_is(&vbs[i].oid, oid_hist_msg, N(oid_hist_msg), 1))
			continue;
		if (vbs[i].type != SNMPC_STRING)
			return malformed(out, "cmnHistMacChangedMsg is not an OCTET STRING", i, &vbs[i]);
		if (vbs[i].slen < 1 || vbs[i].slen > 254)
			return malformed(out, "cmnHistMacChangedMsg size outside 1..254", i, &vbs[i]);
		msgs++;
		decode_hist_msg(out, i, vbs[i].s, vbs[i].slen);
	}
	if (msgs == 0) {
		snprintf(out->why, sizeof out->why, "cmnMacChangedNotification without cmnHistMacChangedMsg");
		out->result = SNMPN_MALFORMED;
		return out->result;
	}
	out->result = SNMPN_EVENTS;
	return out->result;
}

/* An INTEGER/Unsigned binding in 1..max, or -1. */
static long small_number(const struct snmpc_vb *vb, long max)
{
	if (vb->type != SNMPC_INTEGER && vb->type != SNMPC_UNSIGNED)
		return -1;
	if (vb->i < 1 || vb->i > max)
		return -1;
	return (long)vb->i;
}

static enum snmpn_result decode_mac_move(const struct snmpc_vb *vbs, size_t n, size_t first,
					 struct snmpn_decoded *out)
{
	const struct snmpc_vb *addr = NULL;
	long vlan = 0, from = 0, to = 0;
	for (size_t i = first; i < n; i++) {
		const struct snmpc_oid *o = &vbs[i].oid;
		if (oid_is_scalar(o, oid_move_address, N(oid_move_address))) {
			if (vbs[i].type != SNMPC_STRING || vbs[i].slen != 6)
				return malformed(out, "cmnMACMoveAddress is not a 6-octet MAC", i, &vbs[i]);
			if (!mac_usable(vbs[i].s))
				return malformed(out, "cmnMACMoveAddress is a group or zero MAC", i, &vbs[i]);
			addr = &vbs[i];
		} else if (oid_is_scalar(o, oid_move_vlan, N(oid_move_vlan))) {
			if ((vlan = small_number(&vbs[i], 4094)) < 0)
				return malformed(out, "cmnMACMoveVlanNumber outside 1..4094", i, &vbs[i]);
		} else if (oid_is_scalar(o, oid_move_from, N(oid_move_from))) {
			if ((from = small_number(&vbs[i], 65535)) < 0)
				return malformed(out, "cmnMACMoveFromPortId outside 1..65535", i, &vbs[i]);
		} else if (oid_is_scalar(o, oid_move_to, N(oid_move_to))) {
			if ((to = small_number(&vbs[i], 65535)) < 0)
				return malformed(out, "cmnMACMoveToPortId outside 1..65535", i, &vbs[i]);
		}
	}
	if (!addr || !vlan || !from || !to) {
		snprintf(out->why, sizeof out->why,
			 "cmnMacMoveNotification lacks %s", !addr ? "cmnMACMoveAddress"
			 : !vlan ? "cmnMACMoveVlanNumber" : !from ? "cmnMACMoveFromPortId"
			 : "cmnMACMoveToPortId");
		out->result = SNMPN_MALFORMED;
		return out->result;
	}
	struct snmpn_event *ev = push(out);
	ev->kind = SNMPN_MAC_MOVED;
	memcpy(ev->mac, addr->s, 6);
	ev->vlan = (uint16_t)vlan;
	ev->from_port = (uint32_t)from;
	ev->bridge_port = (uint32_t)to;
	out->result = SNMPN_EVENTS;
	return out->result;
}

static enum snmpn_result decode_link(const struct snmpc_vb *vbs, size_t n, size_t first, bool up,
				     struct snmpn_decoded *out)
{
	for (size_t i = first; i < n; i++) {
		if (!oid_is(&vbs[i].oid, oid_if_index, N(oid_if_index), 1))
			continue;
		uint32_t inst = vbs[i].oid.n[N(oid_if_index)];
		long v = small_number(&vbs[i], 2147483647L);
		if (v < 0 || (uint32_t)v != inst)
			return malformed(out, "ifIndex is not an INTEGER in 1..2^31-1 equal to its instance",
					 i, &vbs[i]);
		struct snmpn_event *ev = push(out);
		ev->kind = up ? SNMPN_LINK_UP : SNMPN_LINK_DOWN;
		ev->if_index = inst;
		out->result = SNMPN_EVENTS;
		return out->result;
	}
	snprintf(out->why, sizeof out->why, "%s without ifIndex", up ? "linkUp" : "linkDown");
	out->result = SNMPN_MALFORMED;
	return out->result;
}

enum snmpn_result snmpn_decode(const struct snmpc_vb *vbs, size_t n, struct snmpn_decoded *out)
{
	memset(out, 0, sizeof *out);
	/* RFC 3416: snmpTrapOID.0 is the second binding; an agent that puts it first
	 * (no sysUpTime.0) is still understood, anything later is not a notification. */
	const struct snmpc_vb *trap = NULL;
	size_t trap_at = 0;
	for (size_t i = 0; i < n && i < 2; i++)
		if (oid_is(&vbs[i].oid, oid_snmp_trap_oid, N(oid_snmp_trap_oid), 0)) {
			trap = &vbs[i];
			trap_at = i;
			break;
		}
	if (!trap) {
		snprintf(out->why, sizeof out->why, "no snmpTrapOID.0 among the first two bindings");
		out->result = SNMPN_MALFORMED;
		return out->result;
	}
	if (trap->type != SNMPC_OBJECT_ID || trap->slen == 0 || trap->slen >= sizeof out->trap_oid ||
	    memchr(trap->s, '\0', trap->slen))
		return malformed(out, "snmpTrapOID.0 is not an OBJECT IDENTIFIER", trap_at, trap);
	memcpy(out->trap_oid, trap->s, trap->slen);
	out->trap_oid[trap->slen] = '\0';

	size_t first = trap_at + 1;
	if (!strcmp(out->trap_oid, TRAP_LINK_DOWN))
		return decode_link(vbs, n, first, false, out);
	if (!strcmp(out->trap_oid, TRAP_LINK_UP))
		return decode_link(vbs, n, first, true, out);
	if (!strcmp(out->trap_oid, TRAP_MAC_CHANGED))
		return decode_mac_changed(vbs, n, first, out);
	if (!strcmp(out->trap_oid, TRAP_MAC_MOVE))
		return decode_mac_move(vbs, n, first, out);
	out->result = SNMPN_IGNORED;
	return out->result;
}
