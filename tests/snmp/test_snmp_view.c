/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of locate's decision (switches/snmp/snmp_decide.c, on the view of
 * switches/snmp/snmp_view.c) and the vendor table
 * (switches/snmp/snmp_vendor.c) for the cases the recorded switches
 * (tests/snmp/recordings/) do not show: a MAC on two access ports, on an
 * access port and an uplink, IP phones' LLDP, Junos text PortLists cut by the
 * client's buffer, a filtering database shared by VLANs, hostile index values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp.h"
#include "snmp_vendor.h"
#include "snmp_view.h"

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x0b};

/* Adds one row of column `c`: index `idx` (n parts), integer `i` or string `s`. */
static void
row(struct swv *v, enum swv_col c, uint32_t ctx, const uint32_t *idx, size_t n, int64_t i,
    const char *s, size_t slen)
{
	struct snmpc_vb vb;
	size_t len;
	const uint32_t *col = swv_col_oid(c, &len, NULL);
	memset(&vb, 0, sizeof(vb));
	snmpc_oid_make(&vb.oid, col, len, idx, n);
	if (s) {
		vb.type = SNMPC_STRING;
		vb.slen = slen;
		memcpy(vb.s, s, slen);
	} else {
		vb.type = SNMPC_INTEGER;
		vb.i = i;
	}
	assert_int_equal(swv_add(v, c, ctx, &vb), 0);
}

static void
fdb(struct swv *v, uint32_t fdb_id, const uint8_t *mac, int32_t port)
{
	uint32_t idx[7] = {fdb_id, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]};
	row(v, SWV_QFDB_PORT, 0, idx, 7, port, NULL, 0);
}

/* Bridge ports 1..n on ifIndex 100+port named "p<port>", all in VLAN 10 (dot1qPvid). */
static void
ports(struct swv *v, int n)
{
	char name[16];
	for (uint32_t p = 1; p <= (uint32_t)n; p++) {
		uint32_t ifx = 100 + p;
		row(v, SWV_BASE_PORT_IFINDEX, 0, &p, 1, ifx, NULL, 0);
		snprintf(name, sizeof(name), "p%u", p);
		row(v, SWV_IF_NAME, 0, &ifx, 1, 0, name, strlen(name));
		row(v, SWV_PVID, 0, &p, 1, 10, NULL, 0);
	}
}

static struct swv_opts
opts(void)
{
	struct swv_opts o;
	memset(&o, 0, sizeof(o));
	o.max_macs = 4;
	return o;
}

static void
test_two_access_ports_ambiguous(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	(void)st;
	swv_init(&v);
	ports(&v, 4);
	fdb(&v, 10, MAC_A, 1);
	fdb(&v, 20, MAC_A, 2);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_REFUSED);
	assert_non_null(strstr(r.why, "ambiguous"));
	swv_clear(&v);
}

static void
test_access_port_preferred_to_uplink(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint8_t m[6] = {0x02, 1, 0, 0, 0, 0};
	(void)st;
	swv_init(&v);
	ports(&v, 4);
	fdb(&v, 10, MAC_A, 3);
	fdb(&v, 10, MAC_A, 4);              /* also seen upstream: port 4 carries 6 MACs */
	for (int k = 0; k < 5; k++) {
		m[5] = (uint8_t)k;
		fdb(&v, 10, m, 4);
	}
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_FOUND);
	assert_string_equal(r.port, "p3");
	assert_int_equal(r.vlan, 10);
	assert_int_equal(r.bridge_port, 3);
	assert_int_equal(r.ifindex, 103);
	swv_locate(&v, &o, m, &r);
	assert_int_equal(r.status, SWV_REFUSED);
	assert_non_null(strstr(r.why, "6 MACs"));
	swv_clear(&v);
}

/* LLDP: a phone (bridge + telephone) is a host's port; a router is not. */
static void
test_lldp_phone_and_router(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint32_t phone[3] = {0, 1, 1}, router[3] = {0, 2, 1};
	(void)st;
	swv_init(&v);
	ports(&v, 2);
	fdb(&v, 10, MAC_A, 1);
	fdb(&v, 10, MAC_B, 2);
	row(&v, SWV_LLDP_REM_CAP, 0, phone, 3, 0, "\x24", 1);    /* bridge, telephone */
	row(&v, SWV_LLDP_REM_CAP, 0, router, 3, 0, "\x08", 1);   /* router */
	row(&v, SWV_LLDP_REM_NAME, 0, router, 3, 0, "core-1", 6);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_FOUND);
	swv_locate(&v, &o, MAC_B, &r);
	assert_int_equal(r.status, SWV_REFUSED);
	assert_non_null(strstr(r.why, "core-1"));
	swv_clear(&v);
}

/* Junos PortLists as text; one cut by the client's buffer is not read at all. */
static void
test_text_portlists(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	char big[SNMPC_MAX_STR];
	uint32_t v20 = 20, v30 = 30;
	(void)st;
	o.portlist_text = true;
	swv_init(&v);
	ports(&v, 12);
	fdb(&v, 1, MAC_A, 12);
	row(&v, SWV_STATIC_EGRESS, 0, &v20, 1, 0, "3,12", 4);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v20, 1, 0, "", 0);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_REFUSED);      /* tagged only: a trunk */
	assert_non_null(strstr(r.why, "tagged"));
	swv_clear(&v);

	swv_init(&v);
	ports(&v, 12);
	fdb(&v, 1, MAC_A, 1);
	/* "...,1" at the end of a full buffer may be "...,12" cut: not a member */
	for (size_t k = 0; k < sizeof(big); k++)
		big[k] = k % 2 ? ',' : '5';
	big[sizeof(big) - 2] = ',';
	big[sizeof(big) - 1] = '1';
	row(&v, SWV_STATIC_EGRESS, 0, &v30, 1, 0, big, sizeof(big));
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_FOUND);
	swv_clear(&v);
}

/*
 * An LLDP neighbour's local port named by lldpLocPortId: the interface of
 * that ifName. A bridge there makes the port an uplink (a MAC on it is
 * refused); with two interfaces of that name the neighbour's port is not
 * known, and the port is judged as any other.
 */
static void
test_lldp_port_by_name(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint32_t lpn = 7, rem[3] = {0, 7, 1}, ifx = 105, zero = 0;
	(void)st;
	for (int twice = 0; twice < 2; twice++) {
		swv_init(&v);
		ports(&v, 4);
		/* ifIndex 0 is no interface: its row names none */
		row(&v, SWV_IF_NAME, 0, &zero, 1, 0, "p3", 2);
		if (twice)
			row(&v, SWV_IF_NAME, 0, &ifx, 1, 0, "p3", 2);   /* a second "p3" */
		row(&v, SWV_LLDP_LOC_PORT_ID, 0, &lpn, 1, 0, "p3", 2);
		row(&v, SWV_LLDP_REM_CAP, 0, rem, 3, 0, "\x20", 1);   /* a bridge */
		row(&v, SWV_LLDP_REM_NAME, 0, rem, 3, 0, "core-sw", 7);
		fdb(&v, 10, MAC_A, 3);
		fdb(&v, 10, MAC_B, 1);
		swv_locate(&v, &o, MAC_A, &r);
		if (!twice) {
			assert_int_equal(r.status, SWV_REFUSED);
			assert_non_null(strstr(r.why, "core-sw"));
		} else {
			assert_int_equal(r.status, SWV_FOUND);
			assert_string_equal(r.port, "p3");
		}
		swv_locate(&v, &o, MAC_B, &r);
		assert_int_equal(r.status, SWV_FOUND);
		assert_string_equal(r.port, "p1");
		swv_clear(&v);
	}
}

/*
 * Member rows indexed by no VLAN ID (0, 4095, 5000, 2^32-1) name no
 * membership: with PVID 10, p1 untagged in VLAN 10 and "tagged" only in those
 * is an access port of VLAN 10 with no tagged VLAN; without a PVID, an
 * untagged row of 5000 alone gives it no VLAN at all.
 */
static void
test_member_rows_out_of_vid_range(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint32_t v10 = 10, bad[] = {0, 4095, 5000, 4294967295u};
	(void)st;
	swv_init(&v);
	ports(&v, 4);
	fdb(&v, 10, MAC_A, 1);
	row(&v, SWV_STATIC_EGRESS, 0, &v10, 1, 0, "\x80", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v10, 1, 0, "\x80", 1);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		row(&v, SWV_STATIC_EGRESS, 0, &bad[k], 1, 0, "\x80", 1);
		row(&v, SWV_STATIC_UNTAGGED, 0, &bad[k], 1, 0, "\x00", 1);
	}
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_FOUND);
	assert_int_equal(r.vlan, 10);
	assert_int_equal(r.ntagged, 0);
	swv_clear(&v);

	/* No dot1qPvid: the VLAN would come from the untagged membership. */
	uint32_t one = 1, ifx = 101, v5000 = 5000;
	swv_init(&v);
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &one, 1, ifx, NULL, 0);
	row(&v, SWV_IF_NAME, 0, &ifx, 1, 0, "p1", 2);
	fdb(&v, 10, MAC_A, 1);
	row(&v, SWV_STATIC_EGRESS, 0, &v5000, 1, 0, "\x80", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v5000, 1, 0, "\x80", 1);
	swv_locate(&v, &o, MAC_A, &r);
	assert_true(r.status != SWV_FOUND || (r.vlan >= 1 && r.vlan <= 4094));
	assert_int_not_equal(r.vlan, 5000);
	swv_clear(&v);
}

/*
 * A voice VLAN: p1 untagged in VLAN 10 and tagged in VLAN 20 is an access
 * port whose tagged VLAN the result names (a location records it); tagged in
 * VLANs 20 and 30 it is a trunk. Binary PortLists: bridge port 1 is 0x80.
 */
static void
test_tagged_membership_recorded(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint32_t v10 = 10, v20 = 20, v30 = 30;
	(void)st;
	swv_init(&v);
	ports(&v, 4);
	fdb(&v, 10, MAC_A, 1);
	row(&v, SWV_STATIC_EGRESS, 0, &v10, 1, 0, "\xf0", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v10, 1, 0, "\xf0", 1);
	row(&v, SWV_STATIC_EGRESS, 0, &v20, 1, 0, "\x80", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v20, 1, 0, "\x00", 1);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_FOUND);
	assert_int_equal(r.vlan, 10);
	assert_int_equal(r.ntagged, 1);
	assert_int_equal(r.tagged[0], 20);
	fdb(&v, 10, MAC_B, 2);              /* p2: untagged in VLAN 10 only */
	swv_locate(&v, &o, MAC_B, &r);
	assert_int_equal(r.status, SWV_FOUND);
	assert_int_equal(r.ntagged, 0);
	row(&v, SWV_STATIC_EGRESS, 0, &v30, 1, 0, "\x80", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v30, 1, 0, "\x00", 1);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_REFUSED);
	assert_non_null(strstr(r.why, "trunk: a tagged member of 2 VLANs"));
	swv_clear(&v);
}

/* Cisco: the voice VLAN is the tagged VLAN recorded; 0 (dot1p), 4095 (untagged), 4096 (none) are no VLAN. */
static void
test_voice_vlan_recorded(void **st)
{
	static const struct {
		int64_t voice;
		uint32_t ntagged;
	} cases[] = {{20, 1}, {0, 0}, {4095, 0}, {4096, 0}, {10, 0}, {-1, 0}, {70000, 0}};
	struct swv_opts o = opts();
	struct swv_result r;
	(void)st;
	o.cisco = true;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct swv v;
		uint32_t ifx = 101;
		swv_init(&v);
		ports(&v, 2);
		row(&v, SWV_VM_VLAN, 0, &ifx, 1, 10, NULL, 0);
		row(&v, SWV_VOICE_VLAN, 0, &ifx, 1, cases[k].voice, NULL, 0);
		fdb(&v, 10, MAC_A, 1);
		swv_locate(&v, &o, MAC_A, &r);
		assert_int_equal(r.status, SWV_FOUND);
		assert_int_equal(r.vlan, 10);
		assert_int_equal(r.ntagged, cases[k].ntagged);
		if (cases[k].ntagged)
			assert_int_equal(r.tagged[0], cases[k].voice);
		swv_clear(&v);
	}
}

/* One filtering database for two VLANs: the learned VLAN is unknown, the access VLAN still read. */
static void
test_shared_fdb_id(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint32_t a[2] = {0, 10}, b[2] = {0, 20};
	(void)st;
	swv_init(&v);
	ports(&v, 2);
	row(&v, SWV_VLAN_FDB_ID, 0, a, 2, 7, NULL, 0);
	row(&v, SWV_VLAN_FDB_ID, 0, b, 2, 7, NULL, 0);
	fdb(&v, 7, MAC_A, 1);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_FOUND);
	assert_int_equal(r.learned_vlan, 0);
	assert_int_equal(r.vlan, 10);
	swv_clear(&v);
}

/* Rows a hostile switch may send: MAC parts above 255, port 0, a negative port, wrong lengths. */
static void
test_hostile_rows(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	struct swv_result r;
	uint32_t bad_mac[7] = {1, 2, 0, 0, 0, 0, 256};
	uint32_t short_idx[3] = {1, 2, 3};
	(void)st;
	swv_init(&v);
	ports(&v, 2);
	row(&v, SWV_QFDB_PORT, 0, bad_mac, 7, 1, NULL, 0);
	row(&v, SWV_QFDB_PORT, 0, short_idx, 3, 1, NULL, 0);   /* too short: not stored */
	fdb(&v, 1, MAC_A, 0);
	fdb(&v, 1, MAC_B, -5);
	assert_int_equal(swv_fdb_usable(&v), 0);
	swv_locate(&v, &o, MAC_A, &r);
	assert_int_equal(r.status, SWV_NOT_FOUND);
	swv_clear(&v);
}

/* One port of a survey (swv_ports) as it must read. */
struct want_port {
	const char *port;
	int32_t bp, ifx, vlan;
	unsigned macs;
	bool access;
	const char *why;
};

/* The survey of `v` is exactly `w` (n ports), also when asked for fewer, and `unresolved` FDB rows. */
static void
assert_survey(struct swv *v, const struct swv_opts *o, const struct want_port *w, size_t n,
	      size_t unresolved)
{
	struct snmpsw_port got[32];
	assert_true(n <= 32);
	memset(got, 0x5a, sizeof(got));
	size_t all = swv_ports(v, o, got, 32);
	for (size_t k = 0; k < all && getenv("SURVEY_PRINT"); k++)   /* to pin a new case */
		printf("\t\t{\"%s\", %d, %d, %d, %u, %s, \"%s\"},\n", got[k].port,
		       got[k].bridge_port, got[k].ifindex, got[k].vlan, got[k].macs,
		       got[k].access ? "true" : "false", got[k].why);
	if (getenv("SURVEY_PRINT"))
		printf("\t%zu ports, %zu unresolved\n", all, v->unresolved);
	assert_int_equal(all, n);
	assert_int_equal(v->unresolved, unresolved);
	for (size_t k = 0; k < n; k++) {
		assert_string_equal(got[k].port, w[k].port);
		assert_int_equal(got[k].bridge_port, w[k].bp);
		assert_int_equal(got[k].ifindex, w[k].ifx);
		assert_int_equal(got[k].vlan, w[k].vlan);
		assert_int_equal(got[k].macs, w[k].macs);
		assert_int_equal(got[k].access, w[k].access);
		assert_string_equal(got[k].why, w[k].why);
	}
	assert_int_equal(swv_ports(v, o, NULL, 0), n);
	memset(got, 0x5a, sizeof(got));
	assert_int_equal(swv_ports(v, o, got, 2), n);   /* fills the first two only */
	assert_int_equal((unsigned char)got[2].port[0], 0x5a);
	assert_string_equal(got[1].port, w[1].port);
}

/*
 * The survey over a view with what walks of real and hostile switches hold:
 * repeated rows (a walk repeating itself, per-VLAN contexts repeating
 * ports), ifIndex 0 and bridge port 0, values that are no index, forwarding
 * rows on port 0 and on numbers naming nothing, the same MAC in both
 * forwarding tables, fdbIds and member rows of no VLAN ID, an uplink, trunks
 * by tagging, by MAC count and by VLAN count, an LLDP router, names from
 * ifDescr: every port, in bridge-port order, each ifIndex once.
 */
static void
test_survey_exact(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	static const char uplinks[1][ENF_NAME_LEN] = {"p6"};
	uint32_t zero = 0, bp, ifx, vid, two[2], idx[7];
	uint8_t m[6] = {0x02, 7, 0, 0, 0, 0};
	(void)st;
	o.uplinks = uplinks;
	o.nuplinks = 1;
	swv_init(&v);
	ports(&v, 6);
	bp = 3, ifx = 103;
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, ifx, NULL, 0);    /* a repeated row */
	bp = 1, ifx = 101;
	row(&v, SWV_BASE_PORT_IFINDEX, 20, &bp, 1, ifx, NULL, 0);   /* a context repeating p1 */
	bp = 7, ifx = 107;
	row(&v, SWV_BASE_PORT_IFINDEX, 20, &bp, 1, ifx, NULL, 0);   /* a port of VLAN 20's context only */
	bp = 8;
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, 0, NULL, 0);      /* ifIndex 0: no port */
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &zero, 1, 109, NULL, 0);  /* bridge port 0 */
	bp = 10;
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, 0, "x", 1);       /* a string */
	bp = 11;
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, 2147483648LL, NULL, 0);
	bp = 12, ifx = 112;
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, ifx, NULL, 0);    /* no PVID, no name */
	row(&v, SWV_IF_DESCR, 0, &ifx, 1, 0, "Port 12", 7);
	bp = 13, ifx = 113;
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, ifx, NULL, 0);    /* no PVID, untagged in 5000 */
	row(&v, SWV_IF_NAME, 0, &ifx, 1, 0, "p13", 3);
	row(&v, SWV_IF_NAME, 0, &zero, 1, 0, "p1", 2);              /* ifIndex 0: no interface */

	/* fdbId 7 is VLAN 10; fdbIds 0, 4095 and 5000 name none; fdbId 9 VLAN 5000 (none) */
	two[0] = 0, two[1] = 10;
	row(&v, SWV_VLAN_FDB_ID, 0, two, 2, 7, NULL, 0);
	two[1] = 5000;
	row(&v, SWV_VLAN_FDB_ID, 0, two, 2, 9, NULL, 0);
	two[1] = 20;
	row(&v, SWV_VLAN_FDB_ID, 0, two, 2, 20, NULL, 0);
	two[1] = 30;
	row(&v, SWV_VLAN_FDB_ID, 0, two, 2, 30, NULL, 0);
	two[1] = 40;
	row(&v, SWV_VLAN_FDB_ID, 0, two, 2, 40, NULL, 0);

	fdb(&v, 7, MAC_A, 1);
	fdb(&v, 7, MAC_A, 1);                                     /* repeated */
	idx[0] = 6;
	memcpy(&idx[1], (uint32_t[]){MAC_A[0], MAC_A[1], MAC_A[2], MAC_A[3], MAC_A[4], MAC_A[5]},
	       6 * sizeof(uint32_t));
	row(&v, SWV_DFDB_PORT, 0, idx, 7, 1, NULL, 0);            /* 6.MAC in dot1dTpFdbPort, again */
	fdb(&v, 0, MAC_B, 1);                                     /* fdbId 0 */
	fdb(&v, 4095, MAC_B, 2);
	fdb(&v, 5000, MAC_B, 2);
	fdb(&v, 9, MAC_B, 2);
	fdb(&v, 7, MAC_B, 0);                                     /* port 0: the switch */
	fdb(&v, 7, MAC_B, 50);                                    /* no bridge port, no ifIndex */
	fdb(&v, 7, MAC_B, 12);
	fdb(&v, 7, MAC_B, 7);                                     /* a context's port, default row */
	for (int k = 0; k < 5; k++) {                             /* p3: 5 MACs */
		m[5] = (uint8_t)k;
		fdb(&v, 7, m, 3);
	}
	m[1] = 8;
	fdb(&v, 20, m, 4);                                        /* p4: MACs in 3 VLANs */
	fdb(&v, 30, m, 4);
	fdb(&v, 40, m, 4);
	fdb(&v, 7, m, 6);
	row(&v, SWV_DFDB_PORT, 20, &idx[1], 6, 7, NULL, 0);       /* MAC_A on p7 in context 20 */
	memcpy(&idx[1], (uint32_t[]){MAC_B[0], MAC_B[1], MAC_B[2], MAC_B[3], MAC_B[4], MAC_B[5]},
	       6 * sizeof(uint32_t));
	row(&v, SWV_DFDB_PORT, 0, &idx[1], 6, 50, NULL, 0);       /* the same row: once */
	row(&v, SWV_DFDB_PORT, 21, &idx[1], 6, 50, NULL, 0);      /* in a context: another */

	/* p5 tagged in 30, then 20 (walk order); p2 untagged in 10 and tagged in 20 */
	vid = 30;
	row(&v, SWV_STATIC_EGRESS, 0, &vid, 1, 0, "\x08", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &vid, 1, 0, "\x00", 1);
	vid = 20;
	row(&v, SWV_STATIC_EGRESS, 0, &vid, 1, 0, "\x48", 1);
	row(&v, SWV_STATIC_UNTAGGED, 0, &vid, 1, 0, "\x00", 1);
	vid = 10;
	row(&v, SWV_STATIC_EGRESS, 0, &vid, 1, 0, "\xff\xf8", 2);
	row(&v, SWV_STATIC_UNTAGGED, 0, &vid, 1, 0, "\xf7\xe0", 2);
	vid = 5000;                                                /* no VLAN ID */
	row(&v, SWV_STATIC_EGRESS, 0, &vid, 1, 0, "\xff\xff", 2);
	row(&v, SWV_STATIC_UNTAGGED, 0, &vid, 1, 0, "\x00\x08", 2);
	vid = 0;
	row(&v, SWV_STATIC_EGRESS, 0, &vid, 1, 0, "\xff\xff", 2);
	row(&v, SWV_STATIC_UNTAGGED, 0, &vid, 1, 0, "\x00\x00", 2);
	vid = 40;                                                  /* a context's rows name no membership */
	row(&v, SWV_STATIC_EGRESS, 20, &vid, 1, 0, "\xff\xff", 2);

	/* an LLDP router on p2, a phone on p1 */
	uint32_t rem[3] = {0, 2, 1}, phone[3] = {0, 1, 1};
	row(&v, SWV_LLDP_REM_CAP, 0, rem, 3, 0, "\x08", 1);
	row(&v, SWV_LLDP_REM_NAME, 0, rem, 3, 0, "core-1", 6);
	row(&v, SWV_LLDP_REM_CAP, 0, phone, 3, 0, "\x24", 1);

	static const struct want_port w[] = {
		{"ifIndex 109", 0, 109, 0, 0, true, ""},
		{"p1", 1, 101, 10, 2, true, ""},
		{"p2", 2, 102, 10, 1, false, "p2 leads to LLDP neighbour core-1, a bridge or router"},
		{"p3", 3, 103, 10, 5, false, "p3 is a trunk or uplink: 5 MACs are learned there "
		 "(more than max_macs_per_port 4)"},
		{"p4", 4, 104, 10, 1, false, "p4 is a trunk: MACs are learned there in more than 2 VLANs"},
		{"p5", 5, 105, 10, 0, false, "p5 is a trunk: a tagged member of 3 VLANs (30, ...)"},
		{"p6", 6, 106, 10, 1, false, "p6 is a configured uplink"},
		{"Port 12", 12, 112, 0, 1, false, "Port 12 is a trunk: a tagged member of 1 VLAN (10)"},
		{"p13", 13, 113, 0, 0, false, "p13 is a trunk: a tagged member of 1 VLAN (10)"},
		{"ifIndex 107", 7, 107, 10, 1, true, ""},
	};
	assert_survey(&v, &o, w, sizeof(w) / sizeof(w[0]), 3);
	swv_clear(&v);
}

/*
 * The survey of a Cisco switch numbering some forwarding rows by ifIndex:
 * numbers that are a bridge port and another port's ifIndex, and an
 * aggregate's ifIndex, name no port (unresolved); a trunk by its status, a
 * port without vmVlan.
 */
static void
test_survey_exact_cisco_ifindex(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	static const struct {
		uint32_t bp, ifx;
		const char *name;
	} pp[] = {{1, 2, "g2"}, {2, 3, "g3"}, {3, 40, "g40"}, {4, 60, "g60"}, {0, 50, "Po1"}};
	uint8_t m[6] = {0x02, 9, 0, 0, 0, 0};
	uint32_t ifx;
	(void)st;
	o.cisco = true;
	swv_init(&v);
	for (size_t k = 0; k < sizeof(pp) / sizeof(pp[0]); k++) {
		if (pp[k].bp)
			row(&v, SWV_BASE_PORT_IFINDEX, 0, &pp[k].bp, 1, pp[k].ifx, NULL, 0);
		row(&v, SWV_IF_NAME, 0, &pp[k].ifx, 1, 0, pp[k].name, strlen(pp[k].name));
	}
	ifx = 2;
	row(&v, SWV_VM_VLAN, 0, &ifx, 1, 10, NULL, 0);
	ifx = 3;
	row(&v, SWV_VM_VLAN, 0, &ifx, 1, 20, NULL, 0);
	ifx = 40;
	row(&v, SWV_VM_VLAN, 0, &ifx, 1, 10, NULL, 0);
	row(&v, SWV_TRUNK_STATUS, 0, &ifx, 1, 1, NULL, 0);       /* trunking */
	ifx = 2;
	row(&v, SWV_TRUNK_STATUS, 0, &ifx, 1, 2, NULL, 0);       /* not trunking */
	static const int32_t on[] = {40, 40, 2, 3, 50, 1, 1, 4, 60};
	for (size_t k = 0; k < sizeof(on) / sizeof(on[0]); k++) {
		m[5] = (uint8_t)k;
		fdb(&v, 10, m, on[k]);
	}
	static const struct want_port w[] = {
		{"g2", 1, 2, 10, 2, true, ""},
		{"g3", 2, 3, 20, 0, true, ""},
		{"g40", 3, 40, 10, 2, false, "g40 is a trunk (vlanTrunkPortDynamicStatus trunking)"},
		{"g60", 4, 60, 0, 2, false, "g60 has no vmVlan: not a static access port (a trunk or a "
		 "dynamic port)"},
	};
	assert_survey(&v, &o, w, sizeof(w) / sizeof(w[0]), 3);
	swv_clear(&v);
}

/*
 * A default-context row whose bridge port is no number a port has (above
 * 2^31-1) is no port: the same ifIndex in a per-VLAN context is still
 * surveyed (that row hid it).
 */
static void
test_survey_bad_row_hides_no_port(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	uint32_t bp = 3000000000u, ifx = 111;
	(void)st;
	swv_init(&v);
	ports(&v, 1);
	row(&v, SWV_BASE_PORT_IFINDEX, 0, &bp, 1, ifx, NULL, 0);
	bp = 11;
	row(&v, SWV_BASE_PORT_IFINDEX, 20, &bp, 1, ifx, NULL, 0);
	row(&v, SWV_IF_NAME, 0, &ifx, 1, 0, "p11", 3);
	static const struct want_port w[] = {
		{"p1", 1, 101, 10, 0, true, ""},
		{"p11", 11, 111, 0, 0, true, ""},
	};
	assert_survey(&v, &o, w, sizeof(w) / sizeof(w[0]), 0);
	swv_clear(&v);
}

/*
 * The survey of a switch with text PortLists (Junos) and no dot1qPvid: a
 * port named twice in a list, separators other than commas, nothing read
 * after a number beyond 2^31-1, a cut list read as none, a VLAN's egress row
 * repeated by the walk, more tagged VLANs than a location records.
 */
static void
test_survey_exact_text_lists(void **st)
{
	struct swv v;
	struct swv_opts o = opts();
	char cut[SNMPC_MAX_STR];
	static const struct {
		enum swv_col c;
		uint32_t vid;
		const char *list;
	} rows[] = {
		{SWV_STATIC_UNTAGGED, 10, "1,2,2,3"},
		{SWV_STATIC_UNTAGGED, 20, "4a5"},
		{SWV_STATIC_UNTAGGED, 30, "6,99999999999,1"},
		{SWV_STATIC_EGRESS, 10, "1,2,3,3,4,5,6"},
		{SWV_STATIC_EGRESS, 50, "5,5"},
		{SWV_STATIC_EGRESS, 60, "5"},
		{SWV_STATIC_EGRESS, 70, "5"},
		{SWV_STATIC_EGRESS, 80, "5"},
		{SWV_STATIC_EGRESS, 60, "5"},
		{SWV_STATIC_EGRESS, 80, "5"},
		{SWV_STATIC_EGRESS, 90, "2"},
	};
	(void)st;
	o.portlist_text = true;
	swv_init(&v);
	for (uint32_t p = 1; p <= 6; p++) {
		uint32_t ifx = 100 + p;
		char name[8];
		snprintf(name, sizeof(name), "p%u", p);
		row(&v, SWV_BASE_PORT_IFINDEX, 0, &p, 1, ifx, NULL, 0);
		row(&v, SWV_IF_NAME, 0, &ifx, 1, 0, name, strlen(name));
	}
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		row(&v, rows[k].c, 0, &rows[k].vid, 1, 0, rows[k].list, strlen(rows[k].list));
	uint32_t v40 = 40;
	memset(cut, ',', sizeof(cut));
	memcpy(cut, "1,2,3,4,5,6", 11);
	row(&v, SWV_STATIC_UNTAGGED, 0, &v40, 1, 0, cut, sizeof(cut));   /* cut: names none */
	static const struct want_port w[] = {
		{"p1", 1, 101, 10, 0, true, ""},
		{"p2", 2, 102, 10, 0, true, ""},
		{"p3", 3, 103, 10, 0, true, ""},
		{"p4", 4, 104, 20, 0, true, ""},
		{"p5", 5, 105, 20, 0, false, "p5 is a trunk: a tagged member of 6 VLANs (10, ...)"},
		{"p6", 6, 106, 30, 0, true, ""},
	};
	assert_survey(&v, &o, w, sizeof(w) / sizeof(w[0]), 0);
	swv_clear(&v);
}

static void
test_vendor_prefixes(void **st)
{
	(void)st;
	assert_string_equal(snmp_vendor_find("1.3.6.1.4.1.14988.1")->name, "MikroTik RouterOS");
	assert_string_equal(snmp_vendor_find(".1.3.6.1.4.1.14988.1.2")->name, "MikroTik RouterOS");
	assert_ptr_equal(snmp_vendor_find("1.3.6.1.4.1.14988.10"), snmp_vendor_standard());
	assert_int_equal(snmp_vendor_find("1.3.6.1.4.1.9.1.1208")->driver, SNMPSW_DRIVER_CISCO);
	assert_int_equal(snmp_vendor_find("1.3.6.1.4.1.9.6.1.1005.24.5")->driver,
			 SNMPSW_DRIVER_QBRIDGE);
	assert_true(snmp_vendor_find("1.3.6.1.4.1.2636.1.1.1.4.63.9")->pvid_by_ifindex);
	assert_non_null(snmp_vendor_find("1.3.6.1.4.1.2636.1.1.1.4.63.9")->no_vlan_writes);
	assert_ptr_equal(snmp_vendor_find(""), snmp_vendor_standard());
	assert_ptr_equal(snmp_vendor_find("1.3.6.1.4.1.11"), snmp_vendor_standard());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_access_ports_ambiguous),
		cmocka_unit_test(test_access_port_preferred_to_uplink),
		cmocka_unit_test(test_lldp_phone_and_router),
		cmocka_unit_test(test_text_portlists),
		cmocka_unit_test(test_tagged_membership_recorded),
		cmocka_unit_test(test_member_rows_out_of_vid_range),
		cmocka_unit_test(test_lldp_port_by_name),
		cmocka_unit_test(test_voice_vlan_recorded),
		cmocka_unit_test(test_shared_fdb_id),
		cmocka_unit_test(test_hostile_rows),
		cmocka_unit_test(test_survey_exact),
		cmocka_unit_test(test_survey_exact_cisco_ifindex),
		cmocka_unit_test(test_survey_bad_row_hides_no_port),
		cmocka_unit_test(test_survey_exact_text_lists),
		cmocka_unit_test(test_vendor_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
