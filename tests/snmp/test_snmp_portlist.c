/* SPDX-License-Identifier: ISC */
/*
 * A Q-BRIDGE isolation writes back the VLANs' member lists
 * (dot1qVlanStaticEgressPorts/UntaggedPorts) with the moved port's bit
 * changed. A switch's list longer than snmp_client keeps (SNMPC_MAX_STR
 * octets: bridge ports above 2048, as on stacks and chassis) must never be
 * written back cut: the switch would drop every port beyond its end from
 * the VLAN. The point's real state machine (snmp_fuzz.h) gets the lists as
 * snmp_client makes them of the agent's values (snmpc_vb_from_netsnmp);
 * this test plays the switch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "snmp.h"
#include "snmp_fuzz.h"
#include "snmpc_int.h"

static const uint32_t SYS_LOCATION[] = {1, 3, 6, 1, 2, 1, 1, 6, 0};
static const uint32_t PVID[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1};
static const uint32_t EGRESS[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2};
static const uint32_t UNTAGGED[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4};

#define FAR_PORT 1500       /* a bridge port far down the list */
#define MOVED_PORT 5

/* The switch this test plays, and what the point asked of it. */
static struct {
	struct loop *loop;
	struct loop_timer *answer;
	snmpc_cb cb;
	void *cb_arg;
	struct snmpc_vb vb[16];
	size_t nvb;
	struct snmpc_vb written[16];   /* what SETs wrote: GETs read it back */
	size_t nwritten;
	size_t list_octets;      /* the length of every member list it holds */
	size_t moves, list_sets; /* SETs of a PVID or member list, member lists written */
	size_t max_written;      /* the longest member list written */
	bool far_port_kept;      /* FAR_PORT still in every list written */
	int done;
	enum enf_status status;
	char message[512];
} sw;

static bool
same_oid(const struct snmpc_oid *a, const struct snmpc_oid *b)
{
	return a->len == b->len && memcmp(a->n, b->n, a->len * sizeof(a->n[0])) == 0;
}

static bool
has_prefix(const struct snmpc_oid *o, const uint32_t *p, size_t n)
{
	return o->len == n + 1 && memcmp(o->n, p, n * sizeof(*p)) == 0;
}

/* A member list as the agent sends it, made a struct snmpc_vb by snmp_client's own conversion. */
static void
member_list(struct snmpc_vb *vb, const struct snmpc_oid *name, uint32_t vid)
{
	uint8_t *val = calloc(1, sw.list_octets);
	oid o[SNMPC_MAX_OID];
	netsnmp_variable_list v;

	assert_non_null(val);
	for (size_t i = 0; i < name->len; i++)
		o[i] = name->n[i];
	val[(FAR_PORT - 1) / 8] |= (uint8_t)(0x80 >> ((FAR_PORT - 1) % 8));
	if (vid == 10)
		val[(MOVED_PORT - 1) / 8] |= (uint8_t)(0x80 >> ((MOVED_PORT - 1) % 8));
	memset(&v, 0, sizeof(v));
	v.name = o;
	v.name_length = name->len;
	v.type = ASN_OCTET_STR;
	v.val.string = val;
	v.val_len = sw.list_octets;
	snmpc_vb_from_netsnmp(vb, &v);
	free(val);
}

static void
answer(void *arg)
{
	struct snmpc_reply r;

	(void)arg;
	memset(&r, 0, sizeof(r));
	r.status = SNMPC_OK;
	r.vb = sw.vb;
	r.nvb = sw.nvb;
	sw.cb(sw.cb_arg, &r);
}

static int
send_fn(void *arg, const struct snmpsw_request *rq, snmpc_cb cb, void *cb_arg)
{
	(void)arg;
	assert_true(rq->n <= sizeof(sw.vb) / sizeof(sw.vb[0]));
	sw.cb = cb;
	sw.cb_arg = cb_arg;
	sw.nvb = 0;
	if (rq->kind == SNMPSW_REQ_SET) {
		bool move = false;
		for (size_t i = 0; i < rq->n; i++) {
			const struct snmpc_vb *v = &rq->vbs[i];
			move |= has_prefix(&v->oid, PVID, 13);
			if (has_prefix(&v->oid, EGRESS, 13) || has_prefix(&v->oid, UNTAGGED, 13)) {
				size_t byte = (FAR_PORT - 1) / 8;
				sw.list_sets++;
				move = true;
				if (v->slen > sw.max_written)
					sw.max_written = v->slen;
				if (!(byte < v->slen && (v->s[byte] & (0x80 >> ((FAR_PORT - 1) % 8)))))
					sw.far_port_kept = false;
			}
			sw.vb[sw.nvb++] = *v;
			size_t w = 0;
			while (w < sw.nwritten && !same_oid(&sw.written[w].oid, &v->oid))
				w++;
			assert_true(w < sizeof(sw.written) / sizeof(sw.written[0]));
			sw.written[w] = *v;
			if (w == sw.nwritten)
				sw.nwritten++;
		}
		sw.moves += move;
	} else {
		assert_int_equal(rq->kind, SNMPSW_REQ_GET);
		for (size_t i = 0; i < rq->n; i++) {
			struct snmpc_vb *v = &sw.vb[sw.nvb++];
			const struct snmpc_oid *o = &rq->oids[i];
			size_t w = 0;
			while (w < sw.nwritten && !same_oid(&sw.written[w].oid, o))
				w++;
			if (w < sw.nwritten) {
				*v = sw.written[w];
				continue;
			}
			memset(v, 0, sizeof(*v));
			v->oid = *o;
			if (has_prefix(o, SYS_LOCATION, 8)) {
				v->type = SNMPC_STRING;
				v->slen = 3;
				memcpy(v->s, "lab", 3);
			} else if (has_prefix(o, PVID, 13)) {
				v->type = SNMPC_UNSIGNED;
				v->i = 10;
			} else if (has_prefix(o, EGRESS, 13) || has_prefix(o, UNTAGGED, 13)) {
				member_list(v, o, o->n[13]);
			} else {
				v->type = SNMPC_NO_SUCH_OBJECT;
			}
		}
	}
	loop_timer_fire(sw.answer);
	return 0;
}

static void
on_done(void *arg, const struct enf_result *r)
{
	if (strcmp((const char *)arg, "isolate") != 0)
		return;   /* the write probe */
	sw.done++;
	sw.status = r->status;
	snprintf(sw.message, sizeof(sw.message), "%s", r->message);
}

/* Isolates bridge port MOVED_PORT from VLAN 10 on a switch whose lists are `octets` long. */
static void
isolate_with_lists(size_t octets)
{
	char err[256];
	struct snmpsw_config c;
	struct enf_location loc;

	memset(&sw, 0, sizeof(sw));
	sw.list_octets = octets;
	sw.far_port_kept = true;
	snmpsw_config_init(&c);
	assert_int_equal(snmpsw_config_set(&c, "name", "sw1", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "address", "192.0.2.1", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "community", "portlist-test", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err)), 0);
	sw.loop = loop_new();
	assert_non_null(sw.loop);
	sw.answer = loop_timer_new(sw.loop, answer, NULL);
	assert_non_null(sw.answer);
	struct enf_point *p = snmpsw_test_point_new(sw.loop, &c, send_fn, NULL, on_done, "probe",
						    err, sizeof(err));
	assert_non_null(p);
	memset(&loc, 0, sizeof(loc));
	snprintf(loc.point, sizeof(loc.point), "sw1");
	snprintf(loc.port, sizeof(loc.port), "ge5");
	loc.ifindex = MOVED_PORT;
	loc.bridge_port = MOVED_PORT;
	loc.orig_vlan = 10;
	loc.quarantine_vlan = 999;
	enf_isolate(p, &loc, on_done, "isolate");
	for (int i = 0; i < 200 && sw.done == 0; i++)
		loop_run_once(sw.loop, false);
	enf_destroy(p);
	loop_timer_free(sw.answer);
	loop_free(sw.loop);
	assert_int_equal(sw.done, 1);
}

/* Lists of 200 octets are kept whole: the far port stays in both VLANs' lists. */
static void
test_whole_lists_written_back(void **st)
{
	(void)st;
	isolate_with_lists(200);
	if (sw.status != ENF_OK)
		fail_msg("isolation failed: %s", sw.message);
	assert_true(sw.list_sets >= 2);
	assert_int_equal(sw.max_written, 200);
	assert_true(sw.far_port_kept);
}

/* Lists of 300 octets do not fit: the move is refused, nothing is written, and the message says why. */
static void
test_cut_lists_never_written(void **st)
{
	(void)st;
	isolate_with_lists(300);
	assert_int_not_equal(sw.status, ENF_OK);
	assert_int_equal(sw.moves, 0);
	assert_int_equal(sw.list_sets, 0);
	assert_non_null(strstr(sw.message, "longer than the 256 octets Cordon reads"));
	assert_non_null(strstr(sw.message, "VLAN "));
}

/* net-snmp's state, once for the group (a second init leaks its MIB tables). */
static char state_dir[] = "/tmp/cordon-test-portlist.XXXXXX";

static int
group_setup(void **st)
{
	char err[256];

	(void)st;
	if (mkdtemp(state_dir) == NULL) {
		perror("test_snmp_portlist: mkdtemp");
		return -1;
	}
	if (snmpsw_global_init(state_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "test_snmp_portlist: %s\n", err);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **st)
{
	char sub[sizeof(state_dir) + 16];

	(void)st;
	snmpsw_global_shutdown();
	/* net-snmp made cert_indexes there, empty */
	snprintf(sub, sizeof(sub), "%s/cert_indexes", state_dir);
	rmdir(sub);
	if (rmdir(state_dir) != 0)
		perror("test_snmp_portlist: removing its state directory");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_lists_written_back),
		cmocka_unit_test(test_cut_lists_never_written),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
