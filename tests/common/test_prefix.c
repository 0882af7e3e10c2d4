/* SPDX-License-Identifier: ISC */
/* Prefixes: parsing with each flag, the reasons given, matching, text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "prefix.h"

static struct ip_addr
addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_from_str(s, &a), 0);
	return a;
}

/* Parses `s` with `flags`, which must succeed; returns the prefix's text. */
static const char *
parsed(const char *s, unsigned flags, struct prefix *p)
{
	static char text[64];
	char err[192] = "";

	if (prefix_parse(s, flags, p, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	return prefix_to_str(p, text, sizeof(text));
}

/* Parses `s` with `flags`, which must fail with exactly `why`. */
static void
refused(const char *s, unsigned flags, const char *why)
{
	struct prefix p;
	char err[192] = "";

	assert_int_equal(prefix_parse(s, flags, &p, err, sizeof(err)), -1);
	assert_string_equal(err, why);
}

static void
parses_both_families(void **state)
{
	struct prefix p;

	(void)state;
	assert_string_equal(parsed("10.0.0.0/8", 0, &p), "10.0.0.0/8");
	assert_int_equal(p.len, 96 + 8);
	assert_int_equal(prefix_bits(&p), 8);
	assert_string_equal(parsed("2001:db8::/32", 0, &p), "2001:db8::/32");
	assert_int_equal(p.len, 32);
	assert_string_equal(parsed("0.0.0.0/0", 0, &p), "0.0.0.0/0");
	assert_string_equal(parsed("::/0", 0, &p), "::/0");
	/* A bare address is a host prefix. */
	assert_string_equal(parsed("10.1.2.3", 0, &p), "10.1.2.3/32");
	assert_int_equal(p.len, 128);
	assert_string_equal(parsed("2001:db8::1", 0, &p), "2001:db8::1/128");
	assert_true(prefix_is_network(&p));
}

static void
host_bits_cleared_or_refused(void **state)
{
	struct prefix p;

	(void)state;
	assert_string_equal(parsed("10.1.2.3/16", 0, &p), "10.1.0.0/16");
	assert_true(prefix_is_network(&p));
	assert_string_equal(parsed("2001:db8::1/64", 0, &p), "2001:db8::/64");
	refused("10.1.2.3/16", PREFIX_NETWORK,
		"'10.1.2.3/16': bits set past the prefix length (the network is 10.1.0.0/16)");
	refused("2001:db8::1/64", PREFIX_NETWORK,
		"'2001:db8::1/64': bits set past the prefix length (the network is 2001:db8::/64)");
	assert_string_equal(parsed("10.1.0.0/16", PREFIX_NETWORK, &p), "10.1.0.0/16");
}

static void
reasons_name_the_text(void **state)
{
	char longtext[200];

	(void)state;
	refused("10.300.0.0/16", 0, "'10.300.0.0' is not an IPv4 or IPv6 address");
	refused("printer", 0, "'printer' is not an IPv4 or IPv6 address");
	refused("/24", 0, "'/24' has no address before the length");
	refused("10.0.0.0/33", 0, "'10.0.0.0/33': prefix length must be 0 to 32");
	refused("2001:db8::/129", 0, "'2001:db8::/129': prefix length must be 0 to 128");
	refused("10.0.0.0/", 0, "'10.0.0.0/': prefix length must be 0 to 32");
	refused("10.0.0.0/-1", 0, "'10.0.0.0/-1': prefix length must be 0 to 32");
	refused("10.0.0.0/+8", 0, "'10.0.0.0/+8': prefix length must be 0 to 32");
	refused("10.0.0.0/ 8", 0, "'10.0.0.0/ 8': prefix length must be 0 to 32");
	refused("10.0.0.0/8x", 0, "'10.0.0.0/8x': prefix length must be 0 to 32");
	refused("10.0.0.0/99999999999999999999", 0,
		"'10.0.0.0/99999999999999999999': prefix length must be 0 to 32");
	refused("10.0.0.0", PREFIX_LENGTH_REQUIRED,
		"'10.0.0.0' has no length: a prefix is ADDRESS/LENGTH");
	refused("10.0.0.0/0", PREFIX_NONZERO, "'10.0.0.0/0': prefix length must be 1 to 32");
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	refused(longtext, 0, "'1111111111111111111111111111111111111111...' is too long for an address");
}

static void
contains(void **state)
{
	struct prefix p;
	struct ip_addr a;

	(void)state;
	parsed("10.1.0.0/16", 0, &p);
	a = addr("10.1.255.7");
	assert_true(prefix_contains(&p, &a));
	a = addr("10.2.0.1");
	assert_false(prefix_contains(&p, &a));
	a = addr("::ffff:10.1.0.1");
	assert_true(prefix_contains(&p, &a));
	a = addr("2001:db8::1");
	assert_false(prefix_contains(&p, &a));
	parsed("10.1.2.3", 0, &p);
	a = addr("10.1.2.3");
	assert_true(prefix_contains(&p, &a));
	a = addr("10.1.2.4");
	assert_false(prefix_contains(&p, &a));
	parsed("2001:db8::/33", 0, &p);
	a = addr("2001:db8:7fff::1");
	assert_true(prefix_contains(&p, &a));
	a = addr("2001:db8:8000::1");
	assert_false(prefix_contains(&p, &a));
	/* The 128-bit forms are compared: ::/0 holds IPv4 hosts too, 0.0.0.0/0 no IPv6 one. */
	parsed("::/0", 0, &p);
	a = addr("10.0.0.1");
	assert_true(prefix_contains(&p, &a));
	parsed("0.0.0.0/0", 0, &p);
	assert_true(prefix_contains(&p, &a));
	a = addr("2001:db8::1");
	assert_false(prefix_contains(&p, &a));
}

static void
network_check_of_built_prefixes(void **state)
{
	struct prefix p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.addr = addr("10.0.0.0");
	p.len = 96 + 8;
	assert_true(prefix_is_network(&p));
	p.len = 8;             /* shorter than the IPv4-mapped part */
	assert_false(prefix_is_network(&p));
	p.len = 129;
	assert_false(prefix_is_network(&p));
	p.addr = addr("10.0.0.1");
	p.len = 96 + 24;
	assert_false(prefix_is_network(&p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_both_families),
		cmocka_unit_test(host_bits_cleared_or_refused),
		cmocka_unit_test(reasons_name_the_text),
		cmocka_unit_test(contains),
		cmocka_unit_test(network_check_of_built_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
