/* SPDX-License-Identifier: ISC */
/* The address type: text forms both ways, the IPv4-mapped form, the classes and prefix bits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "addr.h"

static struct ip_addr
addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_from_str(s, &a), 0);
	return a;
}

static void
text_round_trips(void **state)
{
	static const char *const texts[] = {
		"0.0.0.0", "10.1.2.3", "255.255.255.255", "::", "::1", "2001:db8::1",
		"fe80::1:2:3:4", "ff02::1", "2001:db8:0:1:2:3:4:5",
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct ip_addr a = addr(texts[i]);
		assert_string_equal(ip_to_str(&a, buf, sizeof(buf)), texts[i]);
	}
	/* IPv6 text is printed in its canonical form. */
	struct ip_addr a = addr("2001:0db8:0000:0000:0000:0000:0000:0001");
	assert_string_equal(ip_to_str(&a, buf, sizeof(buf)), "2001:db8::1");
}

static void
ipv4_is_mapped(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 7 };
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7 };
	struct ip_addr a, b;

	(void)state;
	ip_from_v4(&a, v4);
	assert_memory_equal(a.b, mapped, 16);
	b = addr("192.0.2.7");
	assert_memory_equal(b.b, mapped, 16);
	assert_true(ip_is_v4(&a));
	b = addr("::ffff:192.0.2.7");   /* the mapped IPv6 text is the same address */
	assert_memory_equal(b.b, mapped, 16);
	assert_true(ip_is_v4(&b));
	b = addr("::192.0.2.7");        /* IPv4-compatible: not IPv4 */
	assert_false(ip_is_v4(&b));
	b = addr("2001:db8::1");
	assert_false(ip_is_v4(&b));
}

static void
not_addresses_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "10.1.2", "10.1.2.3.4", "10.1.2.256", "10.1.2.3/24", " 10.1.2.3", "10.1.2.3 ",
		"2001:db8:::1", "2001:db8::g", "printer", "1.2.3.-4", "::1%eth0",
	};
	struct ip_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ip_from_str(bad[i], &a), -1);
}

static void
special_addresses(void **state)
{
	static const char *const special[] = {
		"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "ff02::1", "ff05::1:3",
	};
	static const char *const ordinary[] = {
		"10.0.0.1", "192.168.1.255", "223.255.255.254", "::1", "2001:db8::1", "fe80::1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		struct ip_addr a = addr(special[i]);
		assert_true(ip_is_special(&a));
	}
	for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++) {
		struct ip_addr a = addr(ordinary[i]);
		assert_false(ip_is_special(&a));
	}
}

static void
prefix_bits_compare(void **state)
{
	struct ip_addr a = addr("10.1.2.3"), b = addr("10.1.3.4"), c = addr("2001:db8::1");

	(void)state;
	assert_true(ip_prefix_equal(&a, &b, 0));
	assert_true(ip_prefix_equal(&a, &b, 96 + 16));
	assert_true(ip_prefix_equal(&a, &b, 96 + 23));   /* 2 = ...10, 3 = ...11: 23 bits agree */
	assert_false(ip_prefix_equal(&a, &b, 96 + 24));
	assert_true(ip_prefix_equal(&a, &a, 128));
	assert_true(ip_prefix_equal(&a, &c, 2));      /* 0x00 and 0x20 agree in 2 bits */
	assert_false(ip_prefix_equal(&a, &c, 3));
	assert_false(ip_prefix_equal(&a, &c, 96));
	/* Past the address: never equal, never a read beyond it. */
	assert_false(ip_prefix_equal(&a, &a, 129));
}

/* MACs: exactly six hex pairs and five colons; group and zero addresses are no host's. */
static void
mac_text(void **state)
{
	uint8_t m[6];
	static const char *refused[] = {
		"", "02:00:00:00:00", "02:00:00:00:00:01:", "02:00:00:00:00:010", "02-00-00-00-00-01",
		"-1:-1:-1:-1:-1:-1", " 2:00:00:00:00:01", "+2:00:00:00:00:01", "2:0:0:0:0:1",
		"0x:00:00:00:00:01", "02:00:00:00:00:0g", "02:00:00:00:00:01 ",
	};

	(void)state;
	assert_int_equal(mac_from_str("02:aB:0c:Dd:ee:FF", m), 0);
	assert_memory_equal(m, ((uint8_t[6]){0x02, 0xab, 0x0c, 0xdd, 0xee, 0xff}), 6);
	assert_true(mac_is_host(m));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (mac_from_str(refused[i], m) == 0)
			fail_msg("'%s' was taken for a MAC", refused[i]);
	assert_int_equal(mac_from_str("ff:ff:ff:ff:ff:ff", m), 0);
	assert_false(mac_is_host(m));
	assert_int_equal(mac_from_str("01:00:5e:00:00:fb", m), 0);
	assert_false(mac_is_host(m));
	assert_int_equal(mac_from_str("33:33:00:00:00:01", m), 0);
	assert_false(mac_is_host(m));
	assert_int_equal(mac_from_str("00:00:00:00:00:00", m), 0);
	assert_false(mac_is_host(m));
	assert_int_equal(mac_from_str("00:00:00:00:00:01", m), 0);
	assert_true(mac_is_host(m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_round_trips),
		cmocka_unit_test(ipv4_is_mapped),
		cmocka_unit_test(not_addresses_are_refused),
		cmocka_unit_test(special_addresses),
		cmocka_unit_test(prefix_bits_compare),
		cmocka_unit_test(mac_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
