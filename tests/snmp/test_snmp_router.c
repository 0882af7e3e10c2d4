/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the router's lookups (switches/snmp/snmp_router.c) without a
 * network: a detached router whose table reads the test completes. One read
 * at a time, lookups meanwhile wait for it; answers always from the loop,
 * never from inside snmprt_lookup; a fresh table answers known addresses
 * without a read, an unknown address reads again; the waiting queue is
 * bounded; a failed read fails every waiting lookup; freeing drops waiting
 * lookups without calling them. Also the router's config keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "loop.h"
#include "snmp_neigh.h"
#include "snmp_router.h"

static const uint32_t PHYS[] = {1, 3, 6, 1, 2, 1, 4, 35, 1, 4};
static const uint8_t MAC_A[6] = {0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c};

struct fixture {
	struct loop *loop;
	struct snmprt *r;
	int reads;            /* reads started */
	int answers;
	struct snmprt_answer last;
	struct ip_addr last_ip;
};

static int on_read(void *arg)
{
	struct fixture *f = arg;
	f->reads++;
	return 0;
}

static void on_answer(void *arg, const struct ip_addr *ip, const struct snmprt_answer *a)
{
	struct fixture *f = arg;
	f->answers++;
	f->last = *a;
	f->last_ip = *ip;
}

static struct ip_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct ip_addr ip;
	const uint8_t o[4] = {a, b, c, d};
	ip_from_v4(&ip, o);
	return ip;
}

/* A table holding 10.20.0.5 -> MAC_A. */
static void table_a(struct snmpnb_table *t)
{
	struct snmpc_vb vb;
	static const uint32_t idx[] = {7, 1, 4, 10, 20, 0, 5};

	memset(t, 0, sizeof(*t));
	memset(&vb, 0, sizeof(vb));
	snmpc_oid_make(&vb.oid, PHYS, 10, idx, 7);
	vb.type = SNMPC_STRING;
	vb.slen = 6;
	memcpy(vb.s, MAC_A, 6);
	assert_int_equal(snmpnb_add_row(t, SNMPNB_PHYSICAL, &vb, false), 1);
}

static int setup(void **state)
{
	static struct fixture f;
	struct snmprt_config c;

	memset(&f, 0, sizeof(f));
	snmprt_config_init(&c);
	c.max_waiting = 2;
	f.loop = loop_new();
	f.r = snmprt_new_detached(f.loop, &c, on_read, &f);
	if (!f.loop || !f.r)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	snmprt_free(f->r);
	loop_free(f->loop);
	return 0;
}

/* Runs the loop's ready callbacks (the deferred answers), a bounded number of rounds. */
static void settle(struct fixture *f)
{
	for (int i = 0; i < 4; i++)
		loop_run_once(f->loop, false);
}

static void test_read_coalesce_cache(void **state)
{
	struct fixture *f = *state;
	struct snmpnb_table t;
	struct ip_addr a = v4(10, 20, 0, 5), b = v4(10, 20, 0, 6);
	struct snmprt_stats st;

	assert_int_equal(snmprt_lookup(f->r, &a, on_answer, f), 0);
	assert_int_equal(snmprt_lookup(f->r, &b, on_answer, f), 0);
	assert_int_equal(f->reads, 1);          /* one read for both */
	assert_int_equal(f->answers, 0);
	table_a(&t);
	snmprt_table_done(f->r, 0, &t, "");
	snmpnb_table_free(&t);
	assert_int_equal(f->answers, 2);
	assert_int_equal(f->last.status, SNMPRT_NOT_FOUND);   /* b, answered last */
	assert_memory_equal(&f->last_ip, &b, sizeof(b));

	/* a fresh table answers a known address: no read, and not from inside the call */
	assert_int_equal(snmprt_lookup(f->r, &a, on_answer, f), 0);
	assert_int_equal(f->answers, 2);
	settle(f);
	assert_int_equal(f->answers, 3);
	assert_int_equal(f->reads, 1);
	assert_int_equal(f->last.status, SNMPRT_FOUND);
	assert_memory_equal(f->last.mac, MAC_A, 6);
	assert_true(f->last.age_s >= 0 && f->last.age_s < 60);

	/* an unknown address reads again (a host that just came up) */
	assert_int_equal(snmprt_lookup(f->r, &b, on_answer, f), 0);
	assert_int_equal(f->reads, 2);
	snmprt_stats(f->r, &st);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.cached, 1);
	table_a(&t);
	snmprt_table_done(f->r, 0, &t, "");
	snmpnb_table_free(&t);
	assert_int_equal(f->answers, 4);
	assert_int_equal(f->last.status, SNMPRT_NOT_FOUND);
}

static void test_bounded_and_errors(void **state)
{
	struct fixture *f = *state;
	struct ip_addr a = v4(10, 20, 0, 5), b = v4(10, 20, 0, 6), c = v4(10, 20, 0, 7);
	struct snmprt_stats st;

	assert_int_equal(snmprt_lookup(f->r, &a, on_answer, f), 0);
	assert_int_equal(snmprt_lookup(f->r, &b, on_answer, f), 0);
	/* max_waiting 2: the third is refused, with no callback */
	assert_int_equal(snmprt_lookup(f->r, &c, on_answer, f), -1);
	snmprt_stats(f->r, &st);
	assert_int_equal(st.refused, 1);
	snmprt_table_done(f->r, -1, NULL, "timeout");
	assert_int_equal(f->answers, 2);
	assert_int_equal(f->last.status, SNMPRT_ERROR);
	assert_string_equal(f->last.message, "timeout");
	settle(f);
	assert_int_equal(f->answers, 2);
}

static void test_free_drops_waiting(void **state)
{
	struct fixture *f = *state;
	struct ip_addr a = v4(10, 20, 0, 5);

	assert_int_equal(snmprt_lookup(f->r, &a, on_answer, f), 0);
	snmprt_free(f->r);
	f->r = NULL;
	settle(f);
	assert_int_equal(f->answers, 0);
}

static void test_cache_off(void **state)
{
	struct fixture f;
	struct snmprt_config c;
	struct snmpnb_table t;
	struct ip_addr a = v4(10, 20, 0, 5);

	(void)state;
	memset(&f, 0, sizeof(f));
	snmprt_config_init(&c);
	c.cache_ms = 0;
	f.loop = loop_new();
	f.r = snmprt_new_detached(f.loop, &c, on_read, &f);
	assert_non_null(f.r);
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(snmprt_lookup(f.r, &a, on_answer, &f), 0);
		assert_int_equal(f.reads, i);      /* every lookup reads */
		table_a(&t);
		snmprt_table_done(f.r, 0, &t, "");
		snmpnb_table_free(&t);
		assert_int_equal(f.last.status, SNMPRT_FOUND);
	}
	snmprt_free(f.r);
	loop_free(f.loop);
}

static void test_config(void **state)
{
	struct snmprt_config c;
	char err[256];

	(void)state;
	snmprt_config_init(&c);
	assert_int_equal(snmprt_config_set(&c, "name", "campus", err, sizeof(err)), 0);
	assert_int_equal(snmprt_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "address"));
	assert_int_equal(snmprt_config_set(&c, "address", "10.0.0.1", err, sizeof(err)), 0);
	assert_int_equal(snmprt_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "community"));
	assert_int_equal(snmprt_config_set(&c, "community", "s3cret", err, sizeof(err)), 0);
	assert_int_equal(snmprt_config_check(&c, err, sizeof(err)), 0);
	assert_int_equal(snmprt_config_set(&c, "cache_ms", "1500", err, sizeof(err)), 0);
	assert_int_equal(c.cache_ms, 1500);
	assert_int_equal(snmprt_config_set(&c, "cache_ms", "-1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'-1'"));
	assert_int_equal(snmprt_config_set(&c, "max_waiting", "0", err, sizeof(err)), -1);
	/* a switch's key is not a router's */
	assert_int_equal(snmprt_config_set(&c, "quarantine_vlan", "999", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key 'quarantine_vlan'"));
	/* a secret too long is refused without repeating it */
	char longsecret[300];
	memset(longsecret, 'x', sizeof(longsecret) - 1);
	longsecret[sizeof(longsecret) - 1] = '\0';
	assert_int_equal(snmprt_config_set(&c, "community", longsecret, err, sizeof(err)), -1);
	assert_null(strstr(err, "xxxxxxxx"));
	assert_int_equal(snmprt_config_set(&c, "version", "3", err, sizeof(err)), 0);
	assert_int_equal(snmprt_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "v3_user"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_coalesce_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_drops_waiting, setup, teardown),
		cmocka_unit_test(test_cache_off),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
