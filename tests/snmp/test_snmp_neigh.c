/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the neighbour-table rows (switches/snmp_neigh.c): IPv4 and
 * IPv6 rows of ipNetToPhysicalTable, IPv4 rows of ipNetToMediaTable, rows
 * left out (invalid type, incomplete entries without a MAC, malformed
 * indexes, another column), and an address with two MACs (ambiguous).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "snmp_neigh.h"

static const uint32_t PHYS[] = {1, 3, 6, 1, 2, 1, 4, 35, 1, 4};
static const uint32_t MEDIA[] = {1, 3, 6, 1, 2, 1, 4, 22, 1, 2};
static const uint8_t MAC_A[6] = {0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c};
static const uint8_t MAC_B[6] = {0x3c, 0x4a, 0x92, 0x73, 0x0f, 0xfc};

static void row(struct snmpc_vb *vb, const uint32_t *col, const uint32_t *idx, size_t n,
		const uint8_t *mac, size_t maclen)
{
	memset(vb, 0, sizeof(*vb));
	snmpc_oid_make(&vb->oid, col, 10, idx, n);
	vb->type = SNMPC_STRING;
	vb->slen = maclen;
	memcpy(vb->s, mac, maclen);
}

static void test_physical_v4_v6(void **state)
{
	(void)state;
	struct snmpnb_table t = {0};
	struct snmpc_vb vb;
	uint8_t mac[6];
	static const uint32_t v4[] = {7, 1, 4, 10, 20, 0, 5};
	static const uint32_t v6[] = {7, 2, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t ip4[4] = {10, 20, 0, 5};
	static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	row(&vb, PHYS, v4, 7, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 1);
	row(&vb, PHYS, v6, 19, MAC_B, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 1);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.e[0].if_index, 7);
	assert_int_equal(snmpnb_find(&t, 4, ip4, mac), 1);
	assert_memory_equal(mac, MAC_A, 6);
	assert_int_equal(snmpnb_find(&t, 6, ip6, mac), 1);
	assert_memory_equal(mac, MAC_B, 6);
	/* The same octets in the other family are another address. */
	assert_int_equal(snmpnb_find(&t, 6, (const uint8_t *)"\x0a\x14\x00\x05\0\0\0\0\0\0\0\0\0\0\0\0", mac), 0);
	snmpnb_table_free(&t);
}

static void test_media_v4(void **state)
{
	(void)state;
	struct snmpnb_table t = {0};
	struct snmpc_vb vb;
	uint8_t mac[6];
	static const uint32_t idx[] = {3, 192, 168, 1, 20};
	static const uint8_t ip4[4] = {192, 168, 1, 20};

	row(&vb, MEDIA, idx, 5, MAC_B, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_MEDIA, &vb, false), 1);
	assert_int_equal(t.source, SNMPNB_MEDIA);
	assert_int_equal(snmpnb_find(&t, 4, ip4, mac), 1);
	assert_memory_equal(mac, MAC_B, 6);
	snmpnb_table_free(&t);
}

static void test_rows_left_out(void **state)
{
	(void)state;
	struct snmpnb_table t = {0};
	struct snmpc_vb vb;
	static const uint8_t zero[6];
	static const uint8_t group[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	static const uint32_t v4[] = {7, 1, 4, 10, 20, 0, 5};
	static const uint32_t no_len[] = {7, 1, 10, 20, 0, 5};       /* length octet missing */
	static const uint32_t bad_octet[] = {7, 1, 4, 10, 256, 0, 5};
	static const uint32_t zone[] = {7, 3, 8, 0xfe, 0x80, 0, 0, 0, 0, 0, 1};
	static const uint32_t if0[] = {0, 1, 4, 10, 20, 0, 5};

	row(&vb, PHYS, v4, 7, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, true), 0);   /* type invalid(2) */
	row(&vb, PHYS, v4, 7, zero, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);  /* being resolved */
	row(&vb, PHYS, v4, 7, MAC_A, 0);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	row(&vb, PHYS, v4, 7, group, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	row(&vb, PHYS, no_len, 6, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	row(&vb, PHYS, bad_octet, 7, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	row(&vb, PHYS, zone, 11, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	row(&vb, PHYS, if0, 7, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	row(&vb, MEDIA, v4, 7, MAC_A, 6);   /* a MEDIA column read as PHYSICAL */
	assert_int_equal(snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.skipped, 9);
	snmpnb_table_free(&t);
}

static void test_two_macs_are_ambiguous(void **state)
{
	(void)state;
	struct snmpnb_table t = {0};
	struct snmpc_vb vb;
	uint8_t mac[6];
	static const uint32_t on7[] = {7, 1, 4, 10, 20, 0, 5};
	static const uint32_t on8[] = {8, 1, 4, 10, 20, 0, 5};
	static const uint8_t ip4[4] = {10, 20, 0, 5};

	row(&vb, PHYS, on7, 7, MAC_A, 6);
	snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false);
	row(&vb, PHYS, on8, 7, MAC_A, 6);
	snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false);
	assert_int_equal(snmpnb_find(&t, 4, ip4, mac), 1);   /* the same MAC twice: fine */
	row(&vb, PHYS, on8, 7, MAC_B, 6);
	snmpnb_add_row(&t, SNMPNB_PHYSICAL, &vb, false);
	assert_int_equal(snmpnb_find(&t, 4, ip4, mac), -1);
	snmpnb_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_physical_v4_v6),
		cmocka_unit_test(test_media_v4),
		cmocka_unit_test(test_rows_left_out),
		cmocka_unit_test(test_two_macs_are_ambiguous),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
