/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of access (controller/access.c) and secret (controller/secret.c):
 * Host and Origin matching, accounts by name and by token, sessions (their
 * identifiers, idle and absolute lifetimes, eviction), login throttling per
 * user and per address, the Cookie header, and password hashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "secret.h"

static struct conf_console cc;

static int
setup(void **state)
{
	char why[256];

	(void)state;
	memset(&cc, 0, sizeof(cc));
	cc.session_idle_s = 100;
	cc.session_max_s = 1000;
	cc.login_failures = 3;
	cc.login_window_s = 60;
	snprintf(cc.accounts[0].name, sizeof(cc.accounts[0].name), "alice");
	cc.accounts[0].role = CONF_ROLE_OPERATOR;
	if (secret_hash_password("alice's password", cc.accounts[0].secret,
	    sizeof(cc.accounts[0].secret), why, sizeof(why)) != 0)
		return -1;
	snprintf(cc.accounts[1].name, sizeof(cc.accounts[1].name), "grafana");
	cc.accounts[1].role = CONF_ROLE_VIEWER;
	cc.accounts[1].token = true;
	secret_sha256_hex("t0ken", 5, cc.accounts[1].secret);
	cc.naccounts = 2;
	snprintf(cc.hostnames[0], sizeof(cc.hostnames[0]), "NOC.example.net");
	cc.nhostnames = 1;
	return 0;
}

static void test_hosts_and_origins(void **state)
{
	(void)state;
	struct access *a = access_new(&cc, "127.0.0.1", 8477, false);
	assert_non_null(a);
	assert_true(access_host_allowed(a, "127.0.0.1:8477"));
	assert_true(access_host_allowed(a, "localhost:8477"));
	assert_true(access_host_allowed(a, "noc.example.NET:8477"));   /* names are caseless */
	assert_false(access_host_allowed(a, "127.0.0.1"));             /* 8477 is not http's default */
	assert_false(access_host_allowed(a, "127.0.0.1:8478"));
	assert_false(access_host_allowed(a, "attacker.example:8477")); /* DNS rebinding */
	assert_false(access_host_allowed(a, "noc.example.net.attacker.example:8477"));
	assert_false(access_host_allowed(a, ""));
	assert_false(access_host_allowed(a, NULL));
	assert_true(access_origin_allowed(a, "http://noc.example.net:8477"));
	assert_false(access_origin_allowed(a, "https://noc.example.net:8477"));   /* other scheme */
	assert_false(access_origin_allowed(a, "http://evil.example"));
	assert_false(access_origin_allowed(a, "null"));
	access_free(a);

	/* A non-loopback address is not "localhost"; port 443 of https may go unsaid. */
	a = access_new(&cc, "10.0.0.5", 443, true);
	assert_true(access_host_allowed(a, "10.0.0.5"));
	assert_true(access_host_allowed(a, "10.0.0.5:443"));
	assert_false(access_host_allowed(a, "localhost:443"));
	assert_true(access_origin_allowed(a, "https://noc.example.net"));
	access_free(a);

	a = access_new(&cc, "::1", 8477, false);
	assert_true(access_host_allowed(a, "[::1]:8477"));
	assert_true(access_host_allowed(a, "localhost:8477"));
	assert_false(access_host_allowed(a, "::1:8477"));
	access_free(a);
}

static void test_accounts(void **state)
{
	(void)state;
	struct access *a = access_new(&cc, "127.0.0.1", 8477, false);
	assert_true(access_required(a));
	assert_ptr_equal(access_user(a, "alice"), &cc.accounts[0]);
	assert_null(access_user(a, "grafana"));          /* a token is no user */
	assert_null(access_user(a, "mallory"));
	assert_ptr_equal(access_token(a, "t0ken"), &cc.accounts[1]);
	assert_null(access_token(a, "t0ken "));
	assert_null(access_token(a, ""));
	assert_true(secret_password_matches("alice's password", cc.accounts[0].secret));
	assert_false(secret_password_matches("alice's passwore", cc.accounts[0].secret));
	access_free(a);
}

static void test_sessions(void **state)
{
	(void)state;
	struct access *a = access_new(&cc, "127.0.0.1", 8477, false);
	struct access_session *s, *t, *other;
	char id[ACCESS_ID_HEX], other_id[ACCESS_ID_HEX];
	unsigned n0;

	s = access_session_open(a, &cc.accounts[0], 1000.0);
	assert_non_null(s);
	assert_int_equal(strlen(s->id), 64);
	assert_int_equal(strlen(s->csrf), 64);
	assert_string_not_equal(s->id, s->csrf);
	snprintf(id, sizeof(id), "%s", s->id);
	assert_ptr_equal(access_session_find(a, id, 1050.0), s);
	assert_ptr_equal(access_session_find(a, id, 1149.0), s);     /* idle clock restarted at 1050 */
	assert_null(access_session_find(a, "00", 1149.0));
	id[0] = id[0] == 'a' ? 'b' : 'a';
	assert_null(access_session_find(a, id, 1149.0));
	id[0] = s->id[0];
	/* A stream's check leaves the idle clock alone. */
	assert_true(access_session_alive(a, id, 1248.0));
	assert_false(access_session_alive(a, id, 1250.0));
	assert_null(access_session_find(a, id, 1250.0));             /* idle > 100 s */
	assert_null(access_session_find(a, id, 1251.0));             /* and gone */

	/* The absolute lifetime holds however busy the session is. */
	s = access_session_open(a, &cc.accounts[0], 2000.0);
	snprintf(id, sizeof(id), "%s", s->id);
	for (double now = 2000.0; now <= 3000.0; now += 50.0)
		assert_non_null(access_session_find(a, id, now));
	assert_null(access_session_find(a, id, 3050.0));

	/* An account's 17th session ends its own least recently used one, and
	 * never another account's. */
	cc.session_idle_s = cc.session_max_s = 100000;
	other = access_session_open(a, &cc.accounts[1], 4999.0);
	snprintf(other_id, sizeof(other_id), "%s", other->id);
	t = NULL;
	for (int i = 0; i < ACCESS_SESSIONS_PER_ACCOUNT; i++) {
		s = access_session_open(a, &cc.accounts[0], 5000.0 + i);
		if (i == 0) {
			t = s;
			snprintf(id, sizeof(id), "%s", s->id);
		}
	}
	n0 = access_session_count(a, 5100.0);
	s = access_session_open(a, &cc.accounts[0], 6000.0);
	assert_ptr_equal(s, t);
	assert_null(access_session_find(a, id, 6000.0));
	assert_int_equal(access_session_count(a, 6000.0), n0);
	assert_non_null(access_session_find(a, other_id, 6000.0));
	access_session_close(a, s);
	assert_int_equal(access_session_count(a, 6000.0), n0 - 1);
	cc.session_idle_s = 100;
	cc.session_max_s = 1000;
	access_free(a);
}

static void test_login_throttling(void **state)
{
	(void)state;
	struct access *a = access_new(&cc, "127.0.0.1", 8477, false);
	char user[16];

	assert_true(access_login_wait(a, "10.0.0.1", "alice", 100.0) == 0);
	for (int i = 0; i < 3; i++)
		access_login_attempt(a, "10.0.0.1", "alice", 100.0 + i);
	/* The account is held until its window (60 s from the first failure) ends,
	 * from any address... */
	assert_true(access_login_wait(a, "10.0.0.1", "alice", 110.0) == 50.0);
	assert_true(access_login_wait(a, "10.0.0.2", "alice", 110.0) == 50.0);
	/* ...other names from that address are not (4 x 3 per address). */
	assert_true(access_login_wait(a, "10.0.0.1", "bob", 110.0) == 0);
	assert_true(access_login_wait(a, "10.0.0.1", "alice", 161.0) == 0);
	/* A fresh window counts from one again. */
	access_login_attempt(a, "10.0.0.1", "alice", 170.0);
	assert_true(access_login_wait(a, "10.0.0.1", "alice", 171.0) == 0);
	/* A success forgets the account's failures and takes back the address's attempt. */
	access_login_attempt(a, "10.0.0.3", "alice", 172.0);
	access_login_attempt(a, "10.0.0.3", "alice", 173.0);
	assert_true(access_login_wait(a, "10.0.0.4", "alice", 174.0) > 0);
	access_login_succeeded(a, "10.0.0.3", "alice");
	assert_true(access_login_wait(a, "10.0.0.4", "alice", 174.0) == 0);

	/* A name that is no account has no count of its own: an address trying
	 * many names is held after 12 attempts. */
	for (int i = 0; i < 12; i++) {
		snprintf(user, sizeof(user), "u%d", i % 2);
		assert_true(access_login_wait(a, "10.0.0.9", user, 300.0) == 0);
		access_login_attempt(a, "10.0.0.9", user, 300.0);
	}
	assert_true(access_login_wait(a, "10.0.0.9", "new", 300.0) == 60.0);
	assert_true(access_login_wait(a, "10.0.0.8", "u0", 300.0) == 0);
	assert_true(access_token_wait(a, "10.0.0.9", 300.0) == 60.0);

	/* Wrong tokens count against the address only: other addresses' tokens work. */
	for (int i = 0; i < 12; i++)
		access_token_failed(a, "10.0.0.66", 400.0);
	assert_true(access_token_wait(a, "10.0.0.66", 401.0) == 59.0);
	assert_true(access_token_wait(a, "10.0.0.67", 401.0) == 0);
	assert_true(access_login_wait(a, "10.0.0.67", "alice", 401.0) == 0);

	/* Junk addresses cannot push a held address or account out. */
	for (int i = 0; i < 3; i++)
		access_login_attempt(a, "10.0.0.70", "alice", 500.0);
	for (int i = 0; i < 2000; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 250, i % 250);
		access_login_attempt(a, addr, "nobody", 501.0);
	}
	assert_true(access_login_wait(a, "10.0.0.71", "alice", 502.0) > 0);
	for (int i = 0; i < 12; i++)
		access_token_failed(a, "10.0.0.99", 503.0);
	for (int i = 0; i < 2000; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "10.2.%d.%d", i / 250, i % 250);
		access_token_failed(a, addr, 504.0);
	}
	assert_true(access_token_wait(a, "10.0.0.99", 505.0) > 0);
	access_free(a);
}

static void test_cookies(void **state)
{
	(void)state;
	char v[80];

	assert_int_equal(access_cookie("cordon_session=abc", "cordon_session", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(access_cookie("a=1; cordon_session=xyz ;b=2", "cordon_session", v, sizeof(v)), 0);
	assert_string_equal(v, "xyz");
	assert_int_equal(access_cookie("x_cordon_session=1; cordon_sessionx=2", "cordon_session", v, sizeof(v)), -1);
	assert_int_equal(access_cookie("cordon_session=", "cordon_session", v, sizeof(v)), -1);
	assert_int_equal(access_cookie("cordon_session", "cordon_session", v, sizeof(v)), -1);
	assert_int_equal(access_cookie(NULL, "cordon_session", v, sizeof(v)), -1);
	assert_int_equal(access_cookie("cordon_session=0123456789", "cordon_session", v, 5), -1);
}

static void test_password_hashes(void **state)
{
	(void)state;
	char why[300], h[SECRET_HASH_MAX];

	assert_int_equal(secret_hash_password("pw", h, sizeof(h), why, sizeof(why)), 0);
	assert_int_equal(strncmp(h, "$y$", 3), 0);
	assert_int_equal(secret_hash_usable(h, why, sizeof(why)), 0);
	assert_int_equal(secret_hash_usable("$1$abc$OGyl6dDvZCDiGmIVbeuCq/", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "strong method"));
	assert_int_equal(secret_hash_usable("garbage", why, sizeof(why)), -1);
	h[10] = '\0';    /* cut short */
	assert_int_equal(secret_hash_usable(h, why, sizeof(why)), -1);
	assert_int_equal(secret_hash_usable("$6$", why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_and_origins),
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_login_throttling),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_password_hashes),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
