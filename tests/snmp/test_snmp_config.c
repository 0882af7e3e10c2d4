/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the SNMP enforcement point that need no switch: the config
 * keys (defaults, parsing, errors that never echo a secret), the whole-config
 * check, the OID helpers, and a point on an address nothing answers
 * (loopback port 9, discard) whose operations time out with a clear message
 * and complete exactly once.
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
#include "snmp_client.h"

static char state_dir[64];

static void
test_defaults(void **st)
{
	(void)st;
	struct snmpsw_config c;
	snmpsw_config_init(&c);
	assert_int_equal(c.port, 161);
	assert_int_equal(c.version, SNMPSW_V2C);
	assert_int_equal(c.timeout_ms, 1000);
	assert_int_equal(c.retries, 2);
	assert_int_equal(c.max_macs_per_port, 4);
	assert_false(c.bounce);
	assert_int_equal(c.driver, SNMPSW_DRIVER_QBRIDGE);
}

static void
test_keys(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	snmpsw_config_init(&c);
	assert_int_equal(snmpsw_config_set(&c, "name", "edge-1", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "address", "192.0.2.1", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "version", "3", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "driver", "cisco", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "uplinks", "Gi1/0/48, Gi1/0/47", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "uplinks", "Po1", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "bounce", "yes", err, sizeof(err)), 0);
	assert_int_equal(snmpsw_config_set(&c, "timeout_ms", "250", err, sizeof(err)), 0);
	assert_string_equal(c.name, "edge-1");
	assert_int_equal(c.version, SNMPSW_V3);
	assert_int_equal(c.driver, SNMPSW_DRIVER_CISCO);
	assert_int_equal(c.quarantine_vlan, 999);
	assert_int_equal(c.n_uplinks, 3);
	assert_string_equal(c.uplinks[0], "Gi1/0/48");
	assert_string_equal(c.uplinks[1], "Gi1/0/47");
	assert_string_equal(c.uplinks[2], "Po1");
	assert_true(c.bounce);
	assert_int_equal(c.timeout_ms, 250);
}

static void
test_bad_values(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	snmpsw_config_init(&c);
	assert_int_equal(snmpsw_config_set(&c, "quarantine_vlan", "4095", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "quarantine_vlan"));
	assert_int_equal(snmpsw_config_set(&c, "port", "0", err, sizeof(err)), -1);
	assert_int_equal(snmpsw_config_set(&c, "retries", "-1", err, sizeof(err)), -1);
	assert_int_equal(snmpsw_config_set(&c, "version", "1", err, sizeof(err)), -1);
	assert_int_equal(snmpsw_config_set(&c, "driver", "juniper", err, sizeof(err)), -1);
	assert_int_equal(snmpsw_config_set(&c, "bounce", "maybe", err, sizeof(err)), -1);
	assert_int_equal(snmpsw_config_set(&c, "colour", "blue", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "colour"));
}

static void
test_secret_never_echoed(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256], big[300];
	snmpsw_config_init(&c);
	memset(big, 'S', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "TOPSECRET", 9);
	const char *keys[] = {"community", "v3_auth_pass", "v3_priv_pass"};
	for (size_t i = 0; i < 3; i++) {
		err[0] = '\0';
		assert_int_equal(snmpsw_config_set(&c, keys[i], big, err, sizeof(err)), -1);
		assert_null(strstr(err, "TOPSECRET"));
		assert_non_null(strstr(err, keys[i]));
	}
}

static void
test_check(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	snmpsw_config_init(&c);
	assert_int_equal(snmpsw_config_check(&c, err, sizeof(err)), -1);   /* no name */
	snmpsw_config_set(&c, "name", "sw", err, sizeof(err));
	snmpsw_config_set(&c, "address", "192.0.2.1", err, sizeof(err));
	assert_int_equal(snmpsw_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "quarantine_vlan"));
	snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err));
	assert_int_equal(snmpsw_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "community"));
	snmpsw_config_set(&c, "community", "x-secret-x", err, sizeof(err));
	assert_int_equal(snmpsw_config_check(&c, err, sizeof(err)), 0);
	snmpsw_config_set(&c, "version", "3", err, sizeof(err));
	snmpsw_config_set(&c, "v3_user", "u", err, sizeof(err));
	snmpsw_config_set(&c, "v3_auth_pass", "short", err, sizeof(err));
	snmpsw_config_set(&c, "v3_priv_pass", "long-enough", err, sizeof(err));
	assert_int_equal(snmpsw_config_check(&c, err, sizeof(err)), -1);
	assert_null(strstr(err, "short"));
	assert_null(strstr(err, "long-enough"));
}

static void
test_oids(void **st)
{
	(void)st;
	struct snmpc_oid o;
	char buf[128];
	assert_int_equal(snmpc_oid_parse(&o, ".1.3.6.1.2.1.17.7.1.4.5.1.1"), 0);
	assert_int_equal(o.len, 13);
	snmpc_oid_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "1.3.6.1.2.1.17.7.1.4.5.1.1");
	assert_int_equal(snmpc_oid_parse(&o, "1.3.x"), -1);
	assert_int_equal(snmpc_oid_parse(&o, "1"), -1);
	const uint32_t base[] = {1, 3, 6}, idx[] = {10, 20};
	snmpc_oid_make(&o, base, 3, idx, 2);
	assert_int_equal(o.len, 5);
	assert_true(snmpc_oid_has_prefix(&o, base, 3));
	assert_false(snmpc_oid_has_prefix(&o, idx, 2));
	assert_string_equal(snmpc_error_status_name(12), "inconsistentValue");
	assert_string_equal(snmpc_error_status_name(6), "noAccess");
	assert_string_equal(snmpc_error_status_name(99), "unknownError");
}

struct counter {
	int calls;
	enum enf_status last;
	char msg[ENF_DETAIL_LEN];
};

static void
count_cb(void *arg, const struct enf_result *res)
{
	struct counter *c = arg;
	c->calls++;
	c->last = res->status;
	snprintf(c->msg, sizeof(c->msg), "%s", res->message);
}

static void
test_silent_point(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	struct loop *loop = loop_new();
	assert_non_null(loop);
	struct counter probe = {0}, iso = {0}, destroyed = {0};

	snmpsw_config_init(&c);
	snmpsw_config_set(&c, "name", "silent", err, sizeof(err));
	/* UDP discard on loopback: packets go nowhere, nothing answers. */
	snmpsw_config_set(&c, "address", "127.0.0.1", err, sizeof(err));
	snmpsw_config_set(&c, "port", "9", err, sizeof(err));
	snmpsw_config_set(&c, "community", "unit-secret", err, sizeof(err));
	snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err));
	snmpsw_config_set(&c, "timeout_ms", "50", err, sizeof(err));
	snmpsw_config_set(&c, "retries", "1", err, sizeof(err));
	struct enf_point *p = snmpsw_point_new(loop,
	    &c, count_cb, &probe, err, sizeof(err));
	assert_non_null(p);
	assert_string_equal(p->ops->kind, "snmp-qbridge");

	struct enf_location loc;
	memset(&loc, 0, sizeof(loc));
	loc.bridge_port = 3;
	loc.ifindex = 7;
	loc.orig_vlan = 10;
	snprintf(loc.port, sizeof(loc.port), "swp3");
	enf_isolate(p, &loc, count_cb, &iso);
	assert_int_equal(iso.calls, 0);   /* never from inside the call */
	for (int i = 0; i < 200 && iso.calls == 0; i++)
		loop_run_once(loop, true);
	assert_int_equal(probe.calls, 1);
	assert_int_equal(probe.last, ENF_TIMEOUT);
	assert_int_equal(iso.calls, 1);
	assert_int_equal(iso.last, ENF_TIMEOUT);
	assert_non_null(strstr(iso.msg, "switch silent"));
	assert_non_null(strstr(iso.msg, "swp3"));
	assert_non_null(strstr(iso.msg, "after 2 attempts"));
	assert_null(strstr(iso.msg, "unit-secret"));

	struct snmpsw_stats s;
	snmpsw_point_stats(p, &s);
	assert_int_equal(s.retries, 2);     /* one per request: probe GET and pvid GET */
	assert_int_equal(s.timeouts, 2);

	/* Queued and running operations complete once when the point goes away. */
	enf_isolate(p, &loc, count_cb, &destroyed);
	enf_check(p, &loc, count_cb, &destroyed);
	loop_run_once(loop, false);
	enf_destroy(p);
	assert_int_equal(destroyed.calls, 2);
	assert_int_equal(destroyed.last, ENF_ERROR);
	loop_free(loop);
}

static void
test_silent_v3_point(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	struct loop *loop = loop_new();
	assert_non_null(loop);
	struct counter probe = {0}, chk = {0};

	snmpsw_config_init(&c);
	snmpsw_config_set(&c, "name", "silent-v3", err, sizeof(err));
	snmpsw_config_set(&c, "address", "127.0.0.1", err, sizeof(err));
	snmpsw_config_set(&c, "port", "9", err, sizeof(err));
	snmpsw_config_set(&c, "version", "3", err, sizeof(err));
	snmpsw_config_set(&c, "v3_user", "unit", err, sizeof(err));
	snmpsw_config_set(&c, "v3_auth_pass", "unit-auth-secret", err, sizeof(err));
	snmpsw_config_set(&c, "v3_priv_pass", "unit-priv-secret", err, sizeof(err));
	snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err));
	snmpsw_config_set(&c, "timeout_ms", "50", err, sizeof(err));
	snmpsw_config_set(&c, "retries", "1", err, sizeof(err));
	struct enf_point *p = snmpsw_point_new(loop,
	    &c, count_cb, &probe, err, sizeof(err));
	assert_non_null(p);
	struct enf_location loc;
	memset(&loc, 0, sizeof(loc));
	loc.bridge_port = 1;
	loc.ifindex = 5;
	enf_check(p, &loc, count_cb, &chk);
	for (int i = 0; i < 200 && chk.calls == 0; i++)
		loop_run_once(loop, true);
	/* Engine ID discovery is asynchronous and times out like any request. */
	assert_int_equal(probe.last, ENF_TIMEOUT);
	assert_non_null(strstr(probe.msg, "engine discovery"));
	assert_int_equal(chk.calls, 1);
	assert_int_equal(chk.last, ENF_TIMEOUT);
	assert_null(strstr(chk.msg, "secret"));
	enf_destroy(p);
	loop_free(loop);
}

struct destroyer {
	struct enf_point *p;
	int calls;
	enum enf_status first, second;
};

static void
destroy_cb(void *arg, const struct enf_result *res)
{
	struct destroyer *d = arg;
	d->calls++;
	if (d->calls == 1) {
		d->first = res->status;
		enf_destroy(d->p);   /* from the point's own callback */
		d->p = NULL;
	} else {
		d->second = res->status;
	}
}

static void
test_destroy_from_callback(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	struct loop *loop = loop_new();
	assert_non_null(loop);
	struct destroyer d = {0};

	snmpsw_config_init(&c);
	snmpsw_config_set(&c, "name", "sw", err, sizeof(err));
	snmpsw_config_set(&c, "address", "127.0.0.1", err, sizeof(err));
	snmpsw_config_set(&c, "port", "9", err, sizeof(err));
	snmpsw_config_set(&c, "community", "c", err, sizeof(err));
	snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err));
	snmpsw_config_set(&c, "timeout_ms", "20", err, sizeof(err));
	snmpsw_config_set(&c, "retries", "0", err, sizeof(err));
	d.p = snmpsw_point_new(loop, &c, NULL, NULL, err, sizeof(err));
	assert_non_null(d.p);
	struct enf_location loc;
	memset(&loc, 0, sizeof(loc));
	loc.bridge_port = 1;
	loc.ifindex = 2;
	loc.orig_vlan = 10;
	enf_isolate(d.p, &loc, destroy_cb, &d);
	enf_isolate(d.p, &loc, destroy_cb, &d);
	for (int i = 0; i < 200 && d.calls < 2; i++)
		loop_run_once(loop, true);
	assert_int_equal(d.calls, 2);
	assert_int_equal(d.first, ENF_TIMEOUT);
	assert_int_equal(d.second, ENF_ERROR);   /* "destroyed" */
	assert_null(d.p);
	/* Nothing of the point is left on the loop. */
	for (int i = 0; i < 5; i++)
		loop_run_once(loop, false);
	loop_free(loop);
}

static void
test_bad_location(void **st)
{
	(void)st;
	struct snmpsw_config c;
	char err[256];
	struct loop *loop = loop_new();
	assert_non_null(loop);
	struct counter r = {0};

	snmpsw_config_init(&c);
	snmpsw_config_set(&c, "name", "sw", err, sizeof(err));
	snmpsw_config_set(&c, "address", "127.0.0.1", err, sizeof(err));
	snmpsw_config_set(&c, "port", "9", err, sizeof(err));
	snmpsw_config_set(&c, "community", "c", err, sizeof(err));
	snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err));
	snmpsw_config_set(&c, "uplinks", "swp9", err, sizeof(err));
	snmpsw_config_set(&c, "timeout_ms", "20", err, sizeof(err));
	snmpsw_config_set(&c, "retries", "0", err, sizeof(err));
	struct enf_point *p = snmpsw_point_new(loop,
	    &c, NULL, NULL, err, sizeof(err));
	assert_non_null(p);

	struct enf_location loc;
	memset(&loc, 0, sizeof(loc));
	enf_isolate(p, &loc, count_cb, &r);              /* no port */
	loc.bridge_port = 9;
	loc.ifindex = 12;
	snprintf(loc.port, sizeof(loc.port), "swp9");
	enf_isolate(p, &loc, count_cb, &r);              /* an uplink */
	snprintf(loc.port, sizeof(loc.port), "swp3");
	loc.orig_vlan = -1;
	enf_release(p, &loc, count_cb, &r);              /* nothing to restore */
	struct enf_host h;
	memset(&h, 0, sizeof(h));
	enf_locate(p, &h, count_cb, &r);                 /* no MAC */
	snprintf(loc.point, sizeof(loc.point), "other-switch");
	loc.orig_vlan = 10;
	enf_check(p, &loc, count_cb, &r);                /* another point's location */
	for (int i = 0; i < 200 && r.calls < 5; i++)
		loop_run_once(loop, true);
	assert_int_equal(r.calls, 5);
	assert_non_null(strstr(r.msg, "belongs to point 'other-switch'"));
	assert_int_equal(r.last, ENF_BAD_REQUEST);
	enf_destroy(p);
	loop_free(loop);
}

static int
setup(void **st)
{
	(void)st;
	char err[256];
	snprintf(state_dir, sizeof(state_dir), "/tmp/cordon-snmp-unit.%d", (int)getpid());
	return snmpsw_global_init(state_dir, err, sizeof(err));
}

static int
teardown(void **st)
{
	(void)st;
	char cmd[128];
	snmpsw_global_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_needs_global_init(void **st)
{
	(void)st;
	/* Runs first, before setup(): a point cannot exist without the private state dir. */
	struct snmpsw_config c;
	char err[256];
	snmpsw_config_init(&c);
	snmpsw_config_set(&c, "name", "sw", err, sizeof(err));
	snmpsw_config_set(&c, "address", "127.0.0.1", err, sizeof(err));
	snmpsw_config_set(&c, "community", "c", err, sizeof(err));
	snmpsw_config_set(&c, "quarantine_vlan", "999", err, sizeof(err));
	struct loop *loop = loop_new();
	assert_non_null(loop);
	assert_null(snmpsw_point_new(loop, &c, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "snmpsw_global_init"));
	loop_free(loop);
	assert_int_equal(snmpsw_global_init("", err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_needs_global_init),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_secret_never_echoed),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_oids),
	};
	const struct CMUnitTest loop[] = {
		cmocka_unit_test(test_silent_point),
		cmocka_unit_test(test_silent_v3_point),
		cmocka_unit_test(test_destroy_from_callback),
		cmocka_unit_test(test_bad_location),
	};
	int rc = cmocka_run_group_tests_name("snmp config", plain, NULL, NULL);
	return rc + cmocka_run_group_tests_name("snmp point", loop, setup, teardown);
}
