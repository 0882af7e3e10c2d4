/* SPDX-License-Identifier: ISC */
/*
 * The sensor's lines as cordond reads them (detection_from_json,
 * seen_from_json): a line refused names the offending field, what it must
 * be and the value it had; a MAC is exactly aa:bb:cc:dd:ee:ff and a host's
 * (no group or zero address), whatever sscanf would have taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "detection.h"

static void
assert_detection_refused(const char *line, const char *message)
{
	struct detection d;
	char err[512];

	if (detection_from_json(line, strlen(line), &d, err, sizeof(err)) == 0)
		fail_msg("'%s' was taken", line);
	assert_string_equal(err, message);
}

static void
test_refusals_name_field_and_value(void **state)
{
	(void)state;
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"trw\",\"vlan\":5000}",
	    "field 'vlan': expected 0 to 4095 or null, got 5000");
	assert_detection_refused("{\"engine\":\"trw\"}",
	    "field 'src': expected a unicast IPv4 or IPv6 address, got nothing");
	assert_detection_refused("{\"src\":\"224.0.0.1\",\"engine\":\"trw\"}",
	    "field 'src': expected a unicast IPv4 or IPv6 address, got \"224.0.0.1\"");
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"worm\"}",
	    "field 'engine': expected one of " DET_ENGINE_LIST ", got \"worm\"");
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"trw\",\"evidence\":{\"probes\":-3}}",
	    "field 'probes': expected a whole number within range, got -3");
	assert_detection_refused("[1,2]", "field '(line)': expected a JSON object, got [1,2]");
	/* An escaped backslash across the 60th character: the value is cut before it. */
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\\\bbbb\"}",
	    "field 'engine': expected one of " DET_ENGINE_LIST ", got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
	/* A long value: its first 60 characters; other than ASCII escaped, so never cut inside a character. */
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}",
	    "field 'engine': expected one of " DET_ENGINE_LIST ", got \"\\u00E9\\u00E9\\u00E9\\u00E9\\u00E9\\u00E9\\u00E9\\u00E9\\u00E9...");
	/* A surrogate pair across the 60th character: cut before the pair, not inside it. */
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\ud83d\\ude00\"}",
	    "field 'engine': expected one of " DET_ENGINE_LIST ", got \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
	/* DEL, which JSON leaves unescaped, is escaped: only printable ASCII in the message. */
	assert_detection_refused("{\"src\":\"10.0.0.5\",\"engine\":\"a\\u007f\"}",
	    "field 'engine': expected one of " DET_ENGINE_LIST ", got \"a\\u007F\"");
}

/* quote_json_value and quote_json_text, which the controller's parsers use too. */
static void
test_quote(void **state)
{
	char buf[QUOTE_LEN], small[12], text[128];
	json_t *v;

	(void)state;
	assert_string_equal(quote_json_value(NULL, buf, sizeof(buf)), "nothing");
	v = json_pack("{s:[i,b,n], s:f}", "a", 1, 1, "x", 2.5);
	assert_string_equal(quote_json_value(v, buf, sizeof(buf)), "{\"a\":[1,true,null],\"x\":2.5}");
	/* A buffer shorter than QUOTE_LEN: the text is cut to fit, still with "...". */
	assert_string_equal(quote_json_value(v, small, sizeof(small)), "{\"a\":[1,...");
	json_decref(v);
	/* Control characters and quotes are escaped: one line, safe in a log or JSON. */
	v = json_string("a\nb\"c\x01");
	assert_string_equal(quote_json_value(v, buf, sizeof(buf)), "\"a\\nb\\\"c\\u0001\"");
	json_decref(v);
	/* DEL too, which JSON itself leaves as it is. */
	v = json_string("a\x7f");
	assert_string_equal(quote_json_value(v, buf, sizeof(buf)), "\"a\\u007F\"");
	assert_string_equal(quote_json_value(v, small, 4), "...");
	assert_string_equal(quote_json_value(v, small, 2), ".");
	json_decref(v);
	/* A character beyond U+FFFF is two escapes (a surrogate pair), never cut between them. */
	memset(text, 'x', 50);
	snprintf(text + 50, sizeof(text) - 50, "\xf0\x9f\x98\x80yz");
	v = json_string(text);
	assert_string_equal(quote_json_value(v, buf, sizeof(buf)),
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...");
	json_decref(v);
	memset(text, 'x', 40);
	snprintf(text + 40, sizeof(text) - 40, "\xf0\x9f\x98\x80yz");
	v = json_string(text);
	assert_string_equal(quote_json_value(v, buf, sizeof(buf)),
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\uD83D\\uDE00yz\"");
	json_decref(v);
	/* Text from outside: as a JSON string; bytes that are not UTF-8 as '?'. */
	assert_string_equal(quote_json_text("10.0.0.256", buf, sizeof(buf)), "\"10.0.0.256\"");
	assert_string_equal(quote_json_text("caf\xc3\xa9\t", buf, sizeof(buf)), "\"caf\\u00E9\\t\"");
	assert_string_equal(quote_json_text("a\xff\xfe\x01z", buf, sizeof(buf)), "\"a???z\"");
	assert_string_equal(quote_json_text(NULL, buf, sizeof(buf)), "nothing");
	memset(text, '\xff', 100);
	text[100] = '\0';
	assert_string_equal(quote_json_text(text, buf, sizeof(buf)),
	    "\"???????????????????????????????????????????????????????????...");
}

static void
test_mac_is_a_hosts(void **state)
{
	struct detection d;
	char err[512];
	static const char *refused[] = {
		"-1:-1:-1:-1:-1:-1", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb", "00:00:00:00:00:00",
		" 2:00:00:00:00:01", "02:00:00:00:00:1", "02:00:00:00:00:01x",
	};
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(line, sizeof(line), "{\"src\":\"10.0.0.5\",\"engine\":\"trw\",\"mac\":\"%s\"}", refused[i]);
		if (detection_from_json(line, strlen(line), &d, err, sizeof(err)) == 0)
			fail_msg("mac '%s' was taken", refused[i]);
		assert_non_null(strstr(err, "field 'mac'"));
		assert_non_null(strstr(err, refused[i]));
	}
	snprintf(line, sizeof(line), "{\"src\":\"10.0.0.5\",\"engine\":\"trw\",\"mac\":\"02:0A:0b:00:00:01\"}");
	assert_int_equal(detection_from_json(line, strlen(line), &d, err, sizeof(err)), 0);
	assert_true(d.has_mac);
	assert_int_equal(d.mac[1], 0x0a);
	assert_int_equal(d.mac[2], 0x0b);

	/* A seen report: the same rule. */
	struct seen_host h;
	snprintf(line, sizeof(line), "{\"type\":\"seen\",\"src\":\"10.0.0.5\",\"mac\":\"ff:ff:ff:ff:ff:ff\","
	    "\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:01Z\"}");
	assert_int_not_equal(seen_from_json(line, strlen(line), &h, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "field 'mac'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals_name_field_and_value),
		cmocka_unit_test(test_mac_is_a_hosts),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
