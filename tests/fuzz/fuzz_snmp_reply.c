/* SPDX-License-Identifier: ISC */
/*
 * fuzz_snmp_reply: what a broken or hostile switch may answer to the SNMP
 * point. The input is a script: a few config bytes, then operations queued on
 * a point (locate, isolate, release, check, the survey of cordon-switch-check;
 * several moves at once form a batch) and
 * the switch's answer to every request the point makes. Each answer is one of
 *
 *   - the bytes of an SNMP message, parsed by net-snmp (snmp_parse) and
 *     handled by snmp_client's response handler (snmp_fuzz.h);
 *   - a response PDU built here with net-snmp's own API from a compact
 *     description (any ASN.1 type, any OID, any length, error-status and
 *     error-index, Report), handled by the same response handler;
 *   - a timeout after the last retry.
 *
 * The reply snmp_client makes of it goes to the point's real state machine
 * (write probe, locate's walks and lookups, the batch's read, SET, bounce,
 * read-back, check). Nothing here copies Cordon's logic; it checks what must
 * always hold, and aborts otherwise:
 *
 *   - every operation (and the write probe) completes through its callback
 *     exactly once, never from inside the call that queued it;
 *   - the point never has two requests outstanding;
 *   - an ENF_OK result carries VLANs in 1..4094 (orig_vlan of a locate may be
 *     -1: already in quarantine), the configured quarantine VLAN, and
 *     (locate) a bridge port and ifIndex > 0 and a port name that is what the
 *     switch answered for ifName.<ifIndex> or ifDescr.<ifIndex> (up to the first NUL, cut to the
 *     field) or "ifIndex N";
 *   - an ENF_OK location's tagged VLANs are at most ENF_MAX_TAGGED, distinct
 *     VLAN IDs, neither its original nor its quarantine VLAN; an isolation
 *     records a part of those it was given, a release keeps them all;
 *   - every SET writes a VLAN in 1..4094, ifAdminStatus 1 or 2, a voice VLAN
 *     (vmVoiceVlanId) in 1..4094 or 4096 (none);
 *   - no secret (community, v3 pass phrases) appears in any result, unless
 *     the input itself contains it;
 *   - no crash, leak or sanitizer report (the build is ASan+UBSan).
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>


#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "snmp.h"
#include "snmp_client.h"
#include "snmp_fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COMMUNITY "Cfz-S3cr3t-comm"
#define AUTH_PASS "Afz-S3cr3t-auth"
#define PRIV_PASS "Pfz-S3cr3t-priv"
#define NAME "fz-edge"

#define MAX_OPS 48
#define MAX_ROUNDS 400
#define MAX_NAMES 256

#define CHECK(c)                                                                       \
	do {                                                                           \
		if (!(c)) {                                                            \
			fprintf(stderr, "fuzz_snmp_reply: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* ---- the input ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t
u16(struct in *in)
{
	return (uint16_t)(u8(in) | u8(in) << 8);
}

static uint32_t
u32(struct in *in)
{
	return (uint32_t)u16(in) | (uint32_t)u16(in) << 16;
}

/* Values a switch gets wrong: VLAN and port bounds, signs, widths. */
static const int64_t INTERESTING[] = {
	0, 1, -1, 2, 10, 20, 999, 4094, 4095, 4096, 65535, 65536, 2147483647,
	-2147483648LL, 4294967295LL, 1002,
};

static int64_t
value(struct in *in)
{
	uint8_t s = u8(in);
	if (s < 0x80)
		return INTERESTING[s % (sizeof(INTERESTING) / sizeof(INTERESTING[0]))];
	if (s < 0xc0)
		return (int64_t)(int32_t)u32(in);
	return (int64_t)((uint64_t)u32(in) | (uint64_t)u32(in) << 32);
}

/* ---- the run's state ---- */

enum opk { K_LOCATE, K_ISOLATE, K_RELEASE, K_CHECK, K_PROBE, K_SURVEY };

struct oprec {
	enum opk kind;
	int calls;
	struct enf_location given;
};

struct name_seen {
	int32_t ifindex;
	char name[ENF_NAME_LEN];
};

static struct {
	struct loop *loop;           /* kept across inputs */
	struct snmpsw_config cfg;
	struct enf_point *pt;
	/* the outstanding request */
	struct snmpc_test_req *q;
	snmpc_cb cb;
	void *cb_arg;
	struct snmpc_oid rq_oids[64];
	size_t rq_n;
	bool rq_walk;
	int queuing;          /* inside enf_locate etc. */
	struct oprec ops[MAX_OPS + 1];
	size_t nops;
	struct name_seen names[MAX_NAMES];
	size_t nnames;
	bool names_full;
	bool secret_in_input;
	bool verbose;
	bool have_loc;
	struct enf_location loc;
} g;

static const uint32_t OID_IF_NAME[] = {1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1};
static const uint32_t OID_IF_DESCR[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 2};
static const uint32_t OID_IF_ADMIN[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 7};
static const uint32_t OID_PVID[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1};
static const uint32_t OID_VM_VLAN[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 2};
static const uint32_t OID_VM_VOICE_VLAN[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 5, 1, 1, 1};

/* Every column the point reads or writes, to aim answers at them. */
static const struct {
	const uint32_t *n;
	size_t len;
} COLUMNS[] = {
#define C(...) {(const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / 4}
	C(1, 3, 6, 1, 2, 1, 1, 6),                              /* sysLocation */
	C(1, 3, 6, 1, 2, 1, 2, 2, 1, 7),                        /* ifAdminStatus */
	C(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1),                    /* ifName */
	C(1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2),                    /* dot1dBasePortIfIndex */
	C(1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2),                    /* dot1dTpFdbPort */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2),              /* dot1qTpFdbPort */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2),              /* dot1qVlanStaticEgressPorts */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4),              /* dot1qVlanStaticUntaggedPorts */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1),              /* dot1qPvid */
	C(1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 2),           /* vmVlan */
	C(1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 3, 1, 1, 2),           /* vtpVlanState */
	C(1, 3, 6, 1, 2, 1, 1, 2),                              /* sysObjectID */
	C(1, 3, 6, 1, 2, 1, 2, 2, 1, 2),                        /* ifDescr */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 3),              /* dot1qVlanFdbId */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 4),              /* dot1qVlanCurrentEgressPorts */
	C(1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 5),              /* dot1qVlanCurrentUntaggedPorts */
	C(1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 12),                 /* lldpRemSysCapEnabled */
	C(1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 5, 1, 1, 1),           /* vmVoiceVlanId */
	C(1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 3),                  /* lldpLocPortId */
	C(1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 6, 1, 1, 14),          /* vlanTrunkPortDynamicStatus */
#undef C
};
#define NCOLUMNS (sizeof(COLUMNS) / sizeof(COLUMNS[0]))

static bool
has_prefix(const struct snmpc_oid *o, const uint32_t *p, size_t len)
{
	return o->len >= len && memcmp(o->n, p, len * sizeof(uint32_t)) == 0;
}

static bool
contains_secret(const void *p, size_t len)
{
	static const char *const secrets[] = {COMMUNITY, AUTH_PASS, PRIV_PASS};
	for (size_t i = 0; i < 3; i++)
		if (memmem(p, len, secrets[i], strlen(secrets[i])))
			return true;
	return false;
}

static bool
vlan_ok(int32_t v)
{
	return v >= 1 && v <= 4094;
}

/* ---- results ---- */

static bool
name_was_read(int32_t ifindex, const char *port)
{
	char alt[ENF_NAME_LEN];
	snprintf(alt, sizeof(alt), "ifIndex %d", ifindex);
	if (strcmp(port, alt) == 0)
		return true;
	for (size_t i = 0; i < g.nnames; i++)
		if (g.names[i].ifindex == ifindex && strcmp(g.names[i].name, port) == 0)
			return true;
	return g.names_full;   /* not every answer recorded: cannot tell */
}

static void
check_result(const struct oprec *o, const struct enf_result *res)
{
	CHECK(memchr(res->message, '\0', sizeof(res->message)));
	CHECK(memchr(res->loc.port, '\0', sizeof(res->loc.port)));
	CHECK(memchr(res->loc.point, '\0', sizeof(res->loc.point)));
	CHECK(memchr(res->loc.detail, '\0', sizeof(res->loc.detail)));
	CHECK(res->status >= ENF_OK && res->status <= ENF_ERROR);
	if (!g.secret_in_input) {
		CHECK(!contains_secret(res->message, sizeof(res->message)));
		CHECK(!contains_secret(res->loc.point, sizeof(res->loc.point)));
		CHECK(!contains_secret(res->loc.port, sizeof(res->loc.port)));
		CHECK(!contains_secret(res->loc.detail, sizeof(res->loc.detail)));
	}
	if (res->status != ENF_OK || o->kind == K_PROBE)
		return;
	const struct enf_location *l = &res->loc;
	CHECK(strcmp(l->point, NAME) == 0);
	CHECK(l->bridge_port > 0 && l->ifindex > 0);
	CHECK(l->norig_tagged <= ENF_MAX_TAGGED);
	for (uint32_t i = 0; i < l->norig_tagged && i < ENF_MAX_TAGGED; i++) {
		CHECK(vlan_ok(l->orig_tagged[i]));
		CHECK(l->orig_tagged[i] != l->orig_vlan && l->orig_tagged[i] != l->quarantine_vlan);
		for (uint32_t k = 0; k < i; k++)
			CHECK(l->orig_tagged[k] != l->orig_tagged[i]);
		if (o->kind == K_ISOLATE) {
			bool given = false;
			for (uint32_t k = 0; k < o->given.norig_tagged && k < ENF_MAX_TAGGED; k++)
				given = given || o->given.orig_tagged[k] == l->orig_tagged[i];
			CHECK(given);
		}
	}
	if (o->kind == K_RELEASE) {
		CHECK(l->norig_tagged == o->given.norig_tagged);
		CHECK(memcmp(l->orig_tagged, o->given.orig_tagged,
			     l->norig_tagged * sizeof(l->orig_tagged[0])) == 0);
	}
	switch (o->kind) {
	case K_LOCATE:
		CHECK(l->orig_vlan == -1 || vlan_ok(l->orig_vlan));
		CHECK(l->quarantine_vlan == g.cfg.quarantine_vlan);
		CHECK(l->port[0] != '\0');
		CHECK(name_was_read(l->ifindex, l->port));
		break;
	case K_ISOLATE:
		CHECK(vlan_ok(l->orig_vlan) || l->orig_vlan == o->given.orig_vlan);
		CHECK(l->quarantine_vlan == g.cfg.quarantine_vlan);
		CHECK(strcmp(l->port, o->given.port) == 0);
		break;
	case K_RELEASE:
		CHECK(vlan_ok(l->orig_vlan));
		CHECK(vlan_ok(l->quarantine_vlan));
		CHECK(strcmp(l->port, o->given.port) == 0);
		break;
	case K_CHECK:
		CHECK(vlan_ok(l->quarantine_vlan));
		break;
	default:
		break;
	}
}

static void
on_done(void *arg, const struct enf_result *res)
{
	struct oprec *o = arg;
	CHECK(g.queuing == 0);   /* never from inside the call that queued it */
	CHECK(o->calls == 0);    /* exactly once */
	o->calls++;
	if (g.verbose)   /* FUZZ_SNMP_VERBOSE=1: what each operation ended with, to read a seed */
		fprintf(stderr, "op %d: %s: %s [%s]\n", (int)o->kind, enf_status_name(res->status),
			res->message, res->loc.detail);
	check_result(o, res);
	if (res->status == ENF_OK && o->kind != K_PROBE && o->kind != K_CHECK) {
		g.loc = res->loc;
		g.have_loc = true;
	}
}

/* A survey (cordon-switch-check's view of every port): once, sane, no secret. */
static void
on_survey(void *arg, const struct snmpsw_survey *s)
{
	struct oprec *o = arg;
	CHECK(g.queuing == 0);
	CHECK(o->calls == 0);
	o->calls++;
	CHECK(memchr(s->message, '\0', sizeof(s->message)));
	CHECK(s->vendor && s->driver);
	CHECK(s->status != ENF_OK || s->nports == 0 || s->ports);
	for (size_t i = 0; s->status == ENF_OK && i < s->nports; i++) {
		const struct snmpsw_port *p = &s->ports[i];
		CHECK(memchr(p->port, '\0', sizeof(p->port)) && memchr(p->why, '\0', sizeof(p->why)));
		CHECK(p->ifindex > 0 && p->vlan >= 0 && p->vlan <= 4094);
		CHECK(p->access == (p->why[0] == '\0'));
		if (!g.secret_in_input)
			CHECK(!contains_secret(p->port, sizeof(p->port)) &&
			      !contains_secret(p->why, sizeof(p->why)));
	}
	if (!g.secret_in_input)
		CHECK(!contains_secret(s->message, sizeof(s->message)));
}

/* ---- requests and answers ---- */

/* What the point writes must be sane, whatever it read before: only these objects, sane values. */
static void
check_set(const struct snmpsw_request *rq)
{
	static const uint32_t SYS_LOCATION_0[] = {1, 3, 6, 1, 2, 1, 1, 6, 0};
	for (size_t i = 0; i < rq->n; i++) {
		const struct snmpc_vb *vb = &rq->vbs[i];
		const struct snmpc_oid *o = &vb->oid;
		if (o->len == 9 && has_prefix(o, SYS_LOCATION_0, 9))
			CHECK(vb->type == SNMPC_STRING);
		else if (o->len == 14 && has_prefix(o, OID_PVID, 13))
			CHECK(vb->type == SNMPC_UNSIGNED && vb->i >= 1 && vb->i <= 4094 && o->n[13] > 0);
		else if (o->len == 15 && has_prefix(o, OID_VM_VLAN, 14))
			CHECK(vb->type == SNMPC_INTEGER && vb->i >= 1 && vb->i <= 4094 && o->n[14] > 0);
		else if (o->len == 15 && has_prefix(o, OID_VM_VOICE_VLAN, 14))
			CHECK(vb->type == SNMPC_INTEGER && ((vb->i >= 1 && vb->i <= 4094) || vb->i == 4096) &&
			      o->n[14] > 0);
		else if (o->len == 11 && has_prefix(o, OID_IF_ADMIN, 10))
			CHECK(vb->type == SNMPC_INTEGER && (vb->i == 1 || vb->i == 2) && o->n[10] > 0);
		else if (o->len == 14 && (has_prefix(o, COLUMNS[6].n, 13) || has_prefix(o, COLUMNS[7].n, 13)))
			CHECK(vb->type == SNMPC_STRING && vb->slen <= SNMPC_MAX_STR &&
			      o->n[13] >= 1 && o->n[13] <= 4094);
		else
			CHECK(!"a SET of an object the point never writes");
	}
}

static int
fz_send(void *arg, const struct snmpsw_request *rq, snmpc_cb cb, void *cb_arg)
{
	(void)arg;
	CHECK(g.q == NULL);   /* one request at a time per switch */
	CHECK(rq->n > 0);
	if (rq->kind == SNMPSW_REQ_SET)
		check_set(rq);
	g.q = snmpc_test_req_new(NAME, g.cfg.version == SNMPSW_V3 ? SNMPC_V3 : SNMPC_V2C,
				 g.cfg.version == SNMPSW_V3 ? NULL : g.cfg.community, rq);
	CHECK(g.q);
	g.cb = cb;
	g.cb_arg = cb_arg;
	g.rq_walk = rq->kind == SNMPSW_REQ_WALK;
	g.rq_n = 0;
	for (size_t i = 0; i < rq->n && g.rq_n < 64; i++)
		g.rq_oids[g.rq_n++] = rq->kind == SNMPSW_REQ_SET ? rq->vbs[i].oid : rq->oids[i];
	return 0;
}

/* Between snmp_client and the point: records what the switch said each ifName is. */
static void
deliver(void *arg, const struct snmpc_reply *r)
{
	(void)arg;
	for (size_t i = 0; i < r->nvb; i++) {
		const struct snmpc_vb *vb = &r->vb[i];
		CHECK(vb->oid.len <= SNMPC_MAX_OID && vb->slen <= SNMPC_MAX_STR);
		/* locate names a port by ifName, or by ifDescr on a switch without ifName */
		if (vb->type != SNMPC_STRING ||
		    !((vb->oid.len == 12 && has_prefix(&vb->oid, OID_IF_NAME, 11)) ||
		      (vb->oid.len == 11 && has_prefix(&vb->oid, OID_IF_DESCR, 10))))
			continue;
		if (g.nnames == MAX_NAMES) {
			g.names_full = true;
			continue;
		}
		struct name_seen *ns = &g.names[g.nnames++];
		size_t n = strnlen((const char *)vb->s, vb->slen);
		if (n > ENF_NAME_LEN - 1)
			n = ENF_NAME_LEN - 1;
		ns->ifindex = (int32_t)vb->oid.n[vb->oid.len - 1];
		memcpy(ns->name, vb->s, n);
		ns->name[n] = '\0';
	}
	snmpc_cb cb = g.cb;
	void *cb_arg = g.cb_arg;
	g.q = NULL;   /* completed: the point may send its next request from the callback */
	cb(cb_arg, r);
}

static size_t
make_oid(struct in *in, oid *name, const oid *prev, size_t prevlen)
{
	uint8_t sel = u8(in);
	size_t len = 0, k;
	const struct snmpc_oid *rq = &g.rq_oids[g.rq_n ? u8(in) % g.rq_n : 0];

	switch (sel % 8) {
	case 0: /* exactly what was asked (a walk: its root) */
	case 1: /* ... plus index parts */
	case 7: /* ... with its last part changed */
		for (size_t i = 0; i < rq->len; i++)
			name[len++] = rq->n[i];
		if (sel % 8 == 7 && len)
			name[len - 1] = (oid)(uint32_t)value(in);
		if (sel % 8 == 1)
			for (k = u8(in) % 9; k > 0 && len < MAX_OID_LEN; k--)
				name[len++] = (sel & 0x80) ? (oid)u32(in) : (oid)u8(in);
		break;
	case 2: { /* a column the point knows, plus index parts */
		size_t c = u8(in) % NCOLUMNS;
		for (size_t i = 0; i < COLUMNS[c].len; i++)
			name[len++] = COLUMNS[c].n[i];
		for (k = u8(in) % 9; k > 0 && len < MAX_OID_LEN; k--)
			name[len++] = (sel & 0x80) ? (oid)(uint32_t)value(in) : (oid)u8(in);
		break;
	}
	case 3: /* anything, up to 128 parts */
		for (k = u8(in) % (MAX_OID_LEN + 1); k > 0; k--)
			name[len++] = (sel & 0x80) ? (oid)u32(in) : (oid)u8(in);
		break;
	case 4: /* the previous one again */
	case 5: /* the previous one, backwards */
		memcpy(name, prev, prevlen * sizeof(oid));
		len = prevlen;
		if (sel % 8 == 5 && len && name[len - 1] > 0)
			name[len - 1]--;
		break;
	case 6: { /* the next forwarding-table row: [fdbId.]MAC after the request's root */
		for (size_t i = 0; i < rq->len; i++)
			name[len++] = rq->n[i];
		if (sel & 0x80)
			name[len++] = u8(in);
		for (k = 0; k < 6; k++)
			name[len++] = u8(in);
		break;
	}
	}
	if (len == 0 && !(sel % 8 == 3 || sel % 8 == 4))
		name[len++] = 1;
	return len;
}

/* A response PDU from a compact description, made with net-snmp's API as its parser would. */
static netsnmp_pdu *
make_pdu(struct in *in)
{
	static const u_char TYPES[] = {
		ASN_INTEGER, ASN_GAUGE, ASN_COUNTER, ASN_TIMETICKS, ASN_OCTET_STR, ASN_NULL,
		ASN_OBJECT_ID, ASN_IPADDRESS, ASN_COUNTER64, ASN_OPAQUE, SNMP_NOSUCHOBJECT,
		SNMP_NOSUCHINSTANCE, SNMP_ENDOFMIBVIEW, ASN_BIT_STR, ASN_OCTET_STR, ASN_INTEGER,
	};
	uint8_t hdr = u8(in);
	netsnmp_pdu *pdu = snmp_pdu_create((hdr & 1) ? SNMP_MSG_REPORT : SNMP_MSG_RESPONSE);
	oid name[MAX_OID_LEN], prev[MAX_OID_LEN];
	size_t prevlen = 0;

	CHECK(pdu);
	pdu->errstat = pdu->errindex = 0;   /* snmp_pdu_create's defaults are "unset" (-1) */
	if (hdr & 2) {
		pdu->errstat = (hdr & 4) ? (long)(int32_t)u32(in) : u8(in) % 20;
		pdu->errindex = (hdr & 8) ? (long)(int32_t)u32(in) : u8(in) % 8;
	}
	for (size_t nv = u8(in) % 48; nv > 0 && in->n; nv--) {
		size_t len = make_oid(in, name, prev, prevlen);
		uint8_t t = u8(in);
		u_char type = (t & 0x80) ? t : TYPES[t % (sizeof(TYPES) / sizeof(TYPES[0]))];
		u_char buf[4096];
		size_t vlen = 0;
		const void *val = NULL;
		long lv;
		struct counter64 c64;
		oid ov[MAX_OID_LEN];

		switch (type) {
		case ASN_INTEGER: case ASN_GAUGE: case ASN_COUNTER: case ASN_TIMETICKS:
			lv = (long)value(in);
			val = &lv;
			vlen = sizeof(lv);
			break;
		case ASN_COUNTER64:
			c64.high = u32(in);
			c64.low = u32(in);
			val = &c64;
			vlen = sizeof(c64);
			break;
		case ASN_OBJECT_ID:
			for (size_t k = u8(in) % (MAX_OID_LEN + 1); k > 0; k--)
				ov[vlen++] = u8(in);
			val = ov;
			vlen *= sizeof(oid);
			break;
		case ASN_IPADDRESS:
			lv = (long)u32(in);
			val = &lv;
			vlen = 4;
			break;
		case ASN_NULL: case SNMP_NOSUCHOBJECT: case SNMP_NOSUCHINSTANCE: case SNMP_ENDOFMIBVIEW:
			break;
		default: { /* strings: raw bytes, or a long run of one byte (a bitmap, a huge name) */
			uint8_t s = u8(in);
			if (s & 0x80) {
				vlen = u16(in) % sizeof(buf);
				memset(buf, u8(in), vlen);
			} else {
				vlen = s % 72;
				for (size_t k = 0; k < vlen; k++)
					buf[k] = u8(in);
			}
			val = buf;
			break;
		}
		}
		/* net-snmp refuses some combinations (as its parser never makes them): skipped. */
		(void)snmp_pdu_add_variable(pdu, name, len, type, val, vlen);
		memcpy(prev, name, len * sizeof(oid));
		prevlen = len;
	}
	return pdu;
}

/* The switch answers the outstanding request; false when the input is used up. */
static bool
answer(struct in *in)
{
	if (!in->n)
		return false;
	uint8_t m = u8(in);
	struct snmpc_test_req *q = g.q;
	switch (m % 8) {
	case 0:
	case 1: { /* a datagram */
		size_t len = u16(in);
		if (len > in->n)
			len = in->n;
		int rc = snmpc_test_req_packet(q, in->p, len, deliver, NULL);
		in->p += len;
		in->n -= len;
		(void)rc;   /* -1: dropped, the request still waits; 0: a walk's next step */
		break;
	}
	case 6:
		CHECK(snmpc_test_req_timeout(q, deliver, NULL) == 1);
		break;
	default: {
		netsnmp_pdu *pdu = make_pdu(in);
		snmpc_test_req_pdu(q, pdu, deliver, NULL);
		snmp_free_pdu(pdu);
		break;
	}
	}
	return true;
}

/* ---- operations ---- */

static const char *const PORTS[] = {"swp1", "swp2", "swp4", "Gi1/0/48", "", "ifIndex 3"};

static void
make_location(struct in *in, struct enf_location *l)
{
	uint8_t sel = u8(in);
	if (g.have_loc && sel < 0xa0) {
		*l = g.loc;
		if (sel & 1)
			l->orig_vlan = (int32_t)value(in);
		return;
	}
	memset(l, 0, sizeof(*l));
	snprintf(l->point, sizeof(l->point), "%s", (sel & 1) ? "other" : (sel & 2) ? "" : NAME);
	snprintf(l->port, sizeof(l->port), "%s", PORTS[u8(in) % 6]);
	l->bridge_port = (int32_t)((sel & 4) ? value(in) : u8(in));
	l->ifindex = (int32_t)((sel & 8) ? value(in) : u8(in));
	l->orig_vlan = (int32_t)value(in);
	l->quarantine_vlan = (sel & 16) ? (int32_t)value(in) : g.cfg.quarantine_vlan;
	if (sel & 32) {
		/* Tagged VLANs, also more than the bound, duplicates, out of range. */
		l->norig_tagged = u8(in) % (ENF_MAX_TAGGED + 2);
		for (uint32_t i = 0; i < l->norig_tagged && i < ENF_MAX_TAGGED; i++)
			l->orig_tagged[i] = (int32_t)value(in);
	}
}

static void
queue_ops(struct in *in)
{
	static const uint8_t MACS[][6] = {
		{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
		{0xd2, 0x85, 0x15, 0xd2, 0x82, 0xfe}, {0, 0, 0, 0, 0, 0},
	};
	uint8_t o = u8(in);
	for (size_t count = 1 + (o >> 4) % 4; count > 0 && g.nops < MAX_OPS; count--) {
		struct oprec *rec = &g.ops[g.nops++];
		uint8_t k = u8(in);
		rec->kind = (enum opk)(k % 4);
		if (rec->kind == K_CHECK && (k & 0x20))
			rec->kind = K_SURVEY;
		g.queuing++;
		if (rec->kind == K_SURVEY) {
			snmpsw_point_survey(g.pt, on_survey, rec);
		} else if (rec->kind == K_LOCATE) {
			struct enf_host h;
			memset(&h, 0, sizeof(h));
			h.has_mac = !(k & 0x80);
			if (k & 0x40)
				memcpy(h.mac, MACS[(k >> 2) % 4], 6);
			else
				for (int i = 0; i < 6; i++)
					h.mac[i] = u8(in);
			enf_locate(g.pt, &h, on_done, rec);
		} else {
			make_location(in, &rec->given);
			if (rec->kind == K_ISOLATE)
				enf_isolate(g.pt, &rec->given, on_done, rec);
			else if (rec->kind == K_RELEASE)
				enf_release(g.pt, &rec->given, on_done, rec);
			else
				enf_check(g.pt, &rec->given, on_done, rec);
		}
		g.queuing--;
	}
}

/* Runs the loop until the point waits for an answer or has nothing left to do. */
static void
settle(void)
{
	for (int i = 0; i < 64 && !g.q; i++)
		if (loop_run_once(g.loop, false) != 0)
			break;
}

static char state_dir[] = "/tmp/cordon-fuzz-snmp-XXXXXX";

/*
 * net-snmp's private state directory holds only the (empty) cert_indexes it
 * makes at init, and nothing persists (snmpc_global_init): removed at once,
 * because libFuzzer's exit skips atexit handlers.
 */
static void
remove_state_dir(void)
{
	char sub[sizeof(state_dir) + 16];
	snprintf(sub, sizeof(sub), "%s/cert_indexes", state_dir);
	rmdir(sub);
	rmdir(state_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256] = "cannot create a state directory";
	if (!mkdtemp(state_dir) || snmpsw_global_init(state_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_snmp_reply: %s\n", err);
		abort();
	}
	/*
	 * net-snmp logs each variable of a type it cannot store (they are
	 * skipped), to stderr when no log handler is set: a null handler.
	 */
	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_EMERG);
	remove_state_dir();
	g.loop = loop_new();
	CHECK(g.loop);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int32_t QVLANS[] = {999, 1, 10, 4094, 20, 2};
	struct in in = {data, size};
	char err[256];
	struct loop *loop = g.loop;

	memset(&g, 0, sizeof(g));
	g.loop = loop;
	g.secret_in_input = contains_secret(data, size);
	g.verbose = getenv("FUZZ_SNMP_VERBOSE") != NULL;

	uint8_t flags = u8(&in);
	snmpsw_config_init(&g.cfg);
	snprintf(g.cfg.name, sizeof(g.cfg.name), NAME);
	snprintf(g.cfg.address, sizeof(g.cfg.address), "192.0.2.1");
	snprintf(g.cfg.community, sizeof(g.cfg.community), COMMUNITY);
	snprintf(g.cfg.v3_user, sizeof(g.cfg.v3_user), "fzuser");
	snprintf(g.cfg.v3_auth_pass, sizeof(g.cfg.v3_auth_pass), AUTH_PASS);
	snprintf(g.cfg.v3_priv_pass, sizeof(g.cfg.v3_priv_pass), PRIV_PASS);
	/* bit 64: driver auto (sysObjectID read before the first operation) */
	g.cfg.driver = (flags & 64) ? SNMPSW_DRIVER_AUTO
		       : (flags & 1) ? SNMPSW_DRIVER_CISCO : SNMPSW_DRIVER_QBRIDGE;
	g.cfg.bounce = flags & 2;
	g.cfg.bounce_pause_ms = 0;
	g.cfg.version = (flags & 4) ? SNMPSW_V3 : SNMPSW_V2C;
	g.cfg.max_macs_per_port = (flags & 8) ? 1 : 4;
	if (flags & 16)
		CHECK(snmpsw_config_set(&g.cfg, "uplinks", "swp4,Gi1/0/48", err, sizeof(err)) == 0);
	g.cfg.fdb_cache_ms = (flags & 32) ? 0 : 3600000;
	g.cfg.quarantine_vlan = QVLANS[u8(&in) % 6];

	struct oprec *probe = &g.ops[MAX_OPS];
	probe->kind = K_PROBE;
	g.queuing++;
	g.pt = snmpsw_test_point_new(g.loop, &g.cfg, fz_send, NULL, on_done, probe, err,
				     sizeof(err));
	g.queuing--;
	CHECK(g.pt);

	for (int round = 0; round < MAX_ROUNDS; round++) {
		settle();
		if (g.q) {
			if (!answer(&in))
				break;
		} else {
			if (!in.n)
				break;
			queue_ops(&in);
		}
	}
	/* The switch says no more: whatever runs or waits completes now, once. */
	struct snmpc_test_req *pending = g.q;
	enf_destroy(g.pt);
	snmpc_test_req_free(pending);
	g.q = NULL;
	settle();
	CHECK(probe->calls == 1);
	for (size_t i = 0; i < g.nops; i++)
		CHECK(g.ops[i].calls == 1);
	return 0;
}
