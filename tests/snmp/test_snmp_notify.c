/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the notification decoder (switches/snmp_notify.c): linkUp /
 * linkDown, Cisco MAC-change tuples (several per message, the end marker,
 * records cut short or out of range), MAC moves, and notifications of other
 * kinds or without snmpTrapOID.0. The bindings are built the way snmp_client
 * hands them over (struct snmpc_vb).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "snmp_notify.h"

struct vbs {
	struct snmpc_vb v[8];
	size_t n;
};

static struct snmpc_vb *vb_add(struct vbs *b, const char *dotted)
{
	struct snmpc_vb *vb = &b->v[b->n++];
	memset(vb, 0, sizeof *vb);
	const char *p = dotted;
	while (*p) {
		char *end;
		vb->oid.n[vb->oid.len++] = (uint32_t)strtoul(p, &end, 10);
		p = *end == '.' ? end + 1 : end;
	}
	return vb;
}

static void vb_int(struct vbs *b, const char *oid, int64_t i)
{
	struct snmpc_vb *vb = vb_add(b, oid);
	vb->type = SNMPC_INTEGER;
	vb->i = i;
}

static void vb_str(struct vbs *b, const char *oid, const void *s, size_t len)
{
	struct snmpc_vb *vb = vb_add(b, oid);
	vb->type = SNMPC_STRING;
	vb->slen = len;
	memcpy(vb->s, s, len);
}

/* sysUpTime.0 and snmpTrapOID.0, as RFC 3416 puts them first. */
static void header(struct vbs *b, const char *trap)
{
	b->n = 0;
	struct snmpc_vb *up = vb_add(b, "1.3.6.1.2.1.1.3.0");
	up->type = SNMPC_COUNTER;
	up->i = 12345;
	struct snmpc_vb *t = vb_add(b, "1.3.6.1.6.3.1.1.4.1.0");
	t->type = SNMPC_OBJECT_ID;
	t->slen = strlen(trap);
	memcpy(t->s, trap, t->slen);
}

#define HIST "1.3.6.1.4.1.9.9.215.1.1.8.1.2.7"
#define MAC_CHANGED "1.3.6.1.4.1.9.9.215.2.0.1"

static size_t tuple(uint8_t *at, uint8_t op, uint16_t vlan, const uint8_t mac[6], uint16_t port)
{
	at[0] = op;
	at[1] = (uint8_t)(vlan >> 8);
	at[2] = (uint8_t)vlan;
	memcpy(at + 3, mac, 6);
	at[9] = (uint8_t)(port >> 8);
	at[10] = (uint8_t)port;
	return 11;
}

static const uint8_t MAC_A[6] = {0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c};
static const uint8_t MAC_B[6] = {0x3c, 0x4a, 0x92, 0x73, 0x0f, 0xfc};

static void test_link_down_and_up(void **state)
{
	(void)state;
	struct vbs b;
	struct snmpn_decoded d;
	header(&b, "1.3.6.1.6.3.1.1.5.3");
	vb_int(&b, "1.3.6.1.2.1.2.2.1.1.10104", 10104);
	vb_int(&b, "1.3.6.1.2.1.2.2.1.7.10104", 1);
	vb_int(&b, "1.3.6.1.2.1.2.2.1.8.10104", 2);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.ev[0].kind, SNMPN_LINK_DOWN);
	assert_int_equal(d.ev[0].if_index, 10104);
	assert_string_equal(snmpn_kind_name(d.ev[0].kind), "link-down");

	header(&b, "1.3.6.1.6.3.1.1.5.4");
	vb_int(&b, "1.3.6.1.2.1.2.2.1.1.3", 3);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_int_equal(d.ev[0].kind, SNMPN_LINK_UP);
	assert_int_equal(d.ev[0].if_index, 3);

	/* An ifIndex binding whose value is not its instance is not believed. */
	header(&b, "1.3.6.1.6.3.1.1.5.4");
	vb_int(&b, "1.3.6.1.2.1.2.2.1.1.3", 4);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_non_null(strstr(d.why, "binding 3 (1.3.6.1.2.1.2.2.1.1.3)"));
	assert_int_equal(d.n, 0);

	header(&b, "1.3.6.1.6.3.1.1.5.3");
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_string_equal(d.why, "linkDown without ifIndex");
}

static void test_mac_changed_tuples(void **state)
{
	(void)state;
	struct vbs b;
	struct snmpn_decoded d;
	uint8_t msg[64];
	size_t len = 0;
	len += tuple(msg + len, 1, 20, MAC_A, 5);
	len += tuple(msg + len, 2, 4094, MAC_B, 0x0102);
	msg[len++] = 0; /* the end of the object */
	header(&b, MAC_CHANGED);
	vb_str(&b, HIST, msg, len);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_string_equal(d.trap_oid, MAC_CHANGED);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.rejected, 0);
	assert_int_equal(d.ev[0].kind, SNMPN_MAC_LEARNT);
	assert_int_equal(d.ev[0].vlan, 20);
	assert_int_equal(d.ev[0].bridge_port, 5);
	assert_memory_equal(d.ev[0].mac, MAC_A, 6);
	assert_int_equal(d.ev[1].kind, SNMPN_MAC_REMOVED);
	assert_int_equal(d.ev[1].vlan, 4094);
	assert_int_equal(d.ev[1].bridge_port, 258);
	assert_memory_equal(d.ev[1].mac, MAC_B, 6);

	/* Without the end octet, and with several messages in one notification. */
	header(&b, MAC_CHANGED);
	vb_str(&b, HIST, msg, 11);
	vb_str(&b, "1.3.6.1.4.1.9.9.215.1.1.8.1.2.8", msg + 11, 11);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_int_equal(d.n, 2);
}

static void test_mac_changed_hostile_records(void **state)
{
	(void)state;
	struct vbs b;
	struct snmpn_decoded d;
	uint8_t msg[80];
	size_t len = 0;
	static const uint8_t group[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	len += tuple(msg + len, 3, 20, MAC_A, 5);   /* unknown operation */
	len += tuple(msg + len, 1, 0, MAC_A, 5);    /* VLAN 0 */
	len += tuple(msg + len, 1, 4095, MAC_A, 5); /* VLAN 4095 */
	len += tuple(msg + len, 1, 20, MAC_A, 0);   /* port 0 */
	len += tuple(msg + len, 1, 20, group, 5);   /* a group address */
	len += tuple(msg + len, 1, 30, MAC_B, 9);   /* the one good record */
	memcpy(msg + len, "\x01\x00\x14\x00", 4);   /* cut short */
	len += 4;
	header(&b, MAC_CHANGED);
	vb_str(&b, HIST, msg, len);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.ev[0].vlan, 30);
	assert_int_equal(d.ev[0].bridge_port, 9);
	assert_int_equal(d.rejected, 6);
	assert_string_equal(d.why, "binding 3, record 1: unknown operation 3");

	/* A message that is not an OCTET STRING rejects the notification. */
	header(&b, MAC_CHANGED);
	vb_int(&b, HIST, 5);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_non_null(strstr(d.why, "not an OCTET STRING"));

	header(&b, MAC_CHANGED);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_string_equal(d.why, "cmnMacChangedNotification without cmnHistMacChangedMsg");
}

static void test_mac_changed_many_records_counted(void **state)
{
	(void)state;
	struct vbs b;
	struct snmpn_decoded d;
	uint8_t msg[254];
	size_t len = 0;
	for (int i = 0; i < 23; i++)
		len += tuple(msg + len, 1, (uint16_t)(i + 1), MAC_A, (uint16_t)(i + 1));
	header(&b, MAC_CHANGED);
	for (int m = 0; m < 3; m++)
		vb_str(&b, HIST, msg, len); /* 69 records, room for SNMPN_MAX_EVENTS */
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_int_equal(d.n, SNMPN_MAX_EVENTS);
	assert_int_equal(d.dropped, 69 - SNMPN_MAX_EVENTS);
}

static void test_mac_move(void **state)
{
	(void)state;
	struct vbs b;
	struct snmpn_decoded d;
	header(&b, "1.3.6.1.4.1.9.9.215.2.0.2");
	vb_str(&b, "1.3.6.1.4.1.9.9.215.1.3.3.0", MAC_B, 6);
	vb_int(&b, "1.3.6.1.4.1.9.9.215.1.3.4.0", 95);
	vb_int(&b, "1.3.6.1.4.1.9.9.215.1.3.5.0", 3);
	vb_int(&b, "1.3.6.1.4.1.9.9.215.1.3.6.0", 17);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_EVENTS);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.ev[0].kind, SNMPN_MAC_MOVED);
	assert_int_equal(d.ev[0].vlan, 95);
	assert_int_equal(d.ev[0].from_port, 3);
	assert_int_equal(d.ev[0].bridge_port, 17);
	assert_memory_equal(d.ev[0].mac, MAC_B, 6);

	b.n--; /* no cmnMACMoveToPortId */
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_string_equal(d.why, "cmnMacMoveNotification lacks cmnMACMoveToPortId");

	header(&b, "1.3.6.1.4.1.9.9.215.2.0.2");
	vb_str(&b, "1.3.6.1.4.1.9.9.215.1.3.3.0", MAC_B, 5);
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_non_null(strstr(d.why, "not a 6-octet MAC"));
}

static void test_other_and_broken_notifications(void **state)
{
	(void)state;
	struct vbs b;
	struct snmpn_decoded d;
	header(&b, "1.3.6.1.6.3.1.1.5.1"); /* coldStart */
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_IGNORED);
	assert_string_equal(d.trap_oid, "1.3.6.1.6.3.1.1.5.1");
	assert_int_equal(d.n, 0);

	/* snmpTrapOID.0 third: not a notification (RFC 3416 puts it second). */
	header(&b, "1.3.6.1.6.3.1.1.5.3");
	struct snmpc_vb moved = b.v[1];
	b.v[1] = b.v[0];
	b.v[2] = moved;
	b.v[0].oid.n[b.v[0].oid.len - 1] = 5;
	b.n = 3;
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_string_equal(d.why, "no snmpTrapOID.0 among the first two bindings");

	header(&b, "1.3.6.1.6.3.1.1.5.3");
	b.v[1].type = SNMPC_STRING;
	assert_int_equal(snmpn_decode(b.v, b.n, &d), SNMPN_MALFORMED);
	assert_non_null(strstr(d.why, "snmpTrapOID.0 is not an OBJECT IDENTIFIER"));

	assert_int_equal(snmpn_decode(b.v, 0, &d), SNMPN_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_down_and_up),
		cmocka_unit_test(test_mac_changed_tuples),
		cmocka_unit_test(test_mac_changed_hostile_records),
		cmocka_unit_test(test_mac_changed_many_records_counted),
		cmocka_unit_test(test_mac_move),
		cmocka_unit_test(test_other_and_broken_notifications),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
