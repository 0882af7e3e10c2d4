/* SPDX-License-Identifier: ISC */
/*
 * ctl_request_parse: every command, every field's checks (the control
 * socket's input is hostile), and the JSON form of a host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "ctl_proto.h"

static int
parse(const char *line, struct ctl_request *rq, char *err, size_t errlen)
{
	err[0] = '\0';
	return ctl_request_parse(line, strlen(line), rq, err, errlen);
}

static void
assert_parses(const char *line, struct ctl_request *rq)
{
	char err[512];

	if (parse(line, rq, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", line, err);
}

static void
assert_refused(const char *line, const char *message)
{
	struct ctl_request rq;
	char err[512];

	assert_int_equal(parse(line, &rq, err, sizeof(err)), -1);
	assert_string_equal(err, message);
}

static void
assert_host(const struct ctl_request *rq, const char *text)
{
	struct ip_addr a;

	assert_true(rq->has_host);
	assert_int_equal(ip_from_str(text, &a), 0);
	assert_memory_equal(&rq->host, &a, sizeof(a));
}

static void
test_every_command(void **state)
{
	struct ctl_request rq;

	(void)state;
	assert_parses("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"beaconing\"}", &rq);
	assert_int_equal(rq.cmd, CTL_QUARANTINE);
	assert_host(&rq, "10.0.0.7");
	assert_string_equal(rq.reason, "beaconing");
	assert_false(rq.has_mac);

	assert_parses("{\"cmd\":\"quarantine\",\"host\":\"2001:db8::7\",\"reason\":\"r\",\"mac\":\"02:00:0a:0B:ff:01\"}", &rq);
	assert_host(&rq, "2001:db8::7");
	assert_true(rq.has_mac);
	assert_int_equal(rq.mac[0], 0x02);
	assert_int_equal(rq.mac[3], 0x0b);
	assert_int_equal(rq.mac[4], 0xff);

	assert_parses("{\"cmd\":\"release\",\"host\":\"10.0.0.7\",\"patched\":true}", &rq);
	assert_int_equal(rq.cmd, CTL_RELEASE);
	assert_true(rq.patched);
	/* A release without a reason is recorded as "patched". */
	assert_string_equal(rq.reason, "patched");
	assert_parses("{\"cmd\":\"release\",\"host\":\"10.0.0.7\",\"patched\":true,\"reason\":\"KB4012598\"}", &rq);
	assert_string_equal(rq.reason, "KB4012598");

	assert_parses("{\"cmd\":\"approve\",\"host\":\"10.0.0.7\"}", &rq);
	assert_int_equal(rq.cmd, CTL_APPROVE);
	assert_host(&rq, "10.0.0.7");

	assert_parses("{\"cmd\":\"list\"}", &rq);
	assert_int_equal(rq.cmd, CTL_LIST);
	assert_int_equal(rq.state, -1);
	assert_false(rq.has_host);
	assert_parses("{\"cmd\":\"list\",\"state\":\"quarantined\"}", &rq);
	assert_int_equal(rq.state, HS_QUARANTINED);
	assert_parses("{\"cmd\":\"list\",\"state\":\"failed\"}", &rq);
	assert_int_equal(rq.state, HS_FAILED);
	assert_parses("{\"cmd\":\"list\",\"after\":\"10.0.0.7\",\"limit\":50}", &rq);
	assert_true(rq.has_after);
	assert_int_equal(rq.limit, 50);
	{
		struct ip_addr a;
		assert_int_equal(ip_from_str("10.0.0.7", &a), 0);
		assert_memory_equal(&rq.after, &a, sizeof(a));
	}

	assert_parses("{\"cmd\":\"show\",\"host\":\"10.0.0.7\"}", &rq);
	assert_int_equal(rq.cmd, CTL_SHOW);

	assert_parses("{\"cmd\":\"events\"}", &rq);
	assert_int_equal(rq.cmd, CTL_EVENTS);
	assert_false(rq.follow);
	assert_int_equal(rq.limit, 0);
	assert_parses("{\"cmd\":\"events\",\"follow\":true,\"limit\":10000,\"host\":\"10.0.0.7\"}", &rq);
	assert_true(rq.follow);
	assert_int_equal(rq.limit, 10000);
	assert_host(&rq, "10.0.0.7");
	assert_parses("{\"cmd\":\"events\",\"follow\":false,\"limit\":1}", &rq);
	assert_false(rq.follow);
	assert_int_equal(rq.limit, 1);

	assert_parses("{\"cmd\":\"switches\"}", &rq);
	assert_int_equal(rq.cmd, CTL_SWITCHES);
	assert_parses("{\"cmd\":\"status\"}", &rq);
	assert_int_equal(rq.cmd, CTL_STATUS);
	assert_parses("{\"cmd\":\"breaker\"}", &rq);
	assert_int_equal(rq.cmd, CTL_BREAKER);
	assert_parses("{\"cmd\":\"breaker-reset\",\"reason\":\"burst checked\"}", &rq);
	assert_int_equal(rq.cmd, CTL_BREAKER_RESET);
	assert_string_equal(rq.reason, "burst checked");
	assert_parses("{\"cmd\":\"resolve\",\"host\":\"10.0.0.7\",\"as\":\"released\",\"reason\":\"port fixed\"}", &rq);
	assert_int_equal(rq.cmd, CTL_RESOLVE);
	assert_int_equal(rq.resolve_as, RESOLVE_RELEASED);
	assert_parses("{\"cmd\":\"resolve\",\"host\":\"10.0.0.7\",\"as\":\"isolated\",\"reason\":\"r\"}", &rq);
	assert_int_equal(rq.resolve_as, RESOLVE_ISOLATED);
	assert_parses("{\"cmd\":\"assets\"}", &rq);
	assert_int_equal(rq.cmd, CTL_ASSETS);
	assert_int_equal(rq.exposed, -1);
	assert_int_equal(rq.state, -1);
	assert_parses("{\"cmd\":\"assets\",\"exposed\":445,\"state\":\"quarantined\",\"after\":\"10.0.0.7\",\"limit\":5}", &rq);
	assert_int_equal(rq.exposed, 445);
	assert_int_equal(rq.state, HS_QUARANTINED);
	assert_true(rq.has_after);
	assert_int_equal(rq.limit, 5);
}

static void
test_names_and_acting(void **state)
{
	(void)state;
	assert_string_equal(ctl_cmd_name(CTL_QUARANTINE), "quarantine");
	assert_string_equal(ctl_cmd_name(CTL_STATUS), "status");
	assert_string_equal(ctl_cmd_name((enum ctl_cmd)77), "?");
	/* Only these four change anything: the read-only socket refuses them. */
	assert_true(ctl_cmd_acts(CTL_QUARANTINE));
	assert_true(ctl_cmd_acts(CTL_RELEASE));
	assert_true(ctl_cmd_acts(CTL_APPROVE));
	assert_true(ctl_cmd_acts(CTL_BREAKER_RESET));
	assert_true(ctl_cmd_acts(CTL_RESOLVE));
	assert_false(ctl_cmd_acts(CTL_BREAKER));
	assert_false(ctl_cmd_acts(CTL_LIST));
	assert_false(ctl_cmd_acts(CTL_SHOW));
	assert_false(ctl_cmd_acts(CTL_EVENTS));
	assert_false(ctl_cmd_acts(CTL_SWITCHES));
	assert_false(ctl_cmd_acts(CTL_STATUS));
	assert_false(ctl_cmd_acts(CTL_ASSETS));
	/* An unknown command is treated as acting: refused where acting is. */
	assert_true(ctl_cmd_acts((enum ctl_cmd)77));
}

static void
test_missing_fields(void **state)
{
	(void)state;
	assert_refused("{\"cmd\":\"quarantine\",\"reason\":\"x\"}", "field 'host': expected a unicast IPv4 or IPv6 address ('quarantine' needs one), got nothing");
	assert_refused("{\"cmd\":\"release\",\"patched\":true}", "field 'host': expected a unicast IPv4 or IPv6 address ('release' needs one), got nothing");
	assert_refused("{\"cmd\":\"approve\"}", "field 'host': expected a unicast IPv4 or IPv6 address ('approve' needs one), got nothing");
	assert_refused("{\"cmd\":\"breaker-reset\"}", "field 'reason': expected a non-empty string ('breaker-reset' needs a reason), got nothing");
	assert_refused("{\"cmd\":\"list\",\"after\":\"nowhere\"}",
	    "field 'after': expected an IPv4 or IPv6 address, got \"nowhere\"");
	assert_refused("{\"cmd\":\"assets\",\"after\":167772161}",
	    "field 'after': expected an IPv4 or IPv6 address, got 167772161");
	assert_refused("{\"cmd\":\"events\",\"after\":\"10.0.0.1\"}",
	    "field 'after': only 'list' and 'assets' take it, not 'events', got \"10.0.0.1\"");
	assert_refused("{\"cmd\":\"assets\",\"exposed\":0}",
	    "field 'exposed': expected a port number from 1 to 65535, got 0");
	assert_refused("{\"cmd\":\"assets\",\"exposed\":65536}",
	    "field 'exposed': expected a port number from 1 to 65535, got 65536");
	assert_refused("{\"cmd\":\"assets\",\"exposed\":\"445\"}",
	    "field 'exposed': expected a port number from 1 to 65535, got \"445\"");
	assert_refused("{\"cmd\":\"list\",\"exposed\":445}",
	    "field 'exposed': only 'assets' takes it, not 'list', got 445");
	assert_refused("{\"cmd\":\"resolve\",\"as\":\"released\",\"reason\":\"r\"}", "field 'host': expected a unicast IPv4 or IPv6 address ('resolve' needs one), got nothing");
	assert_refused("{\"cmd\":\"resolve\",\"host\":\"10.0.0.7\",\"reason\":\"r\"}",
	    "field 'as': expected \"released\" or \"isolated\" ('resolve' needs one), got nothing");
	assert_refused("{\"cmd\":\"resolve\",\"host\":\"10.0.0.7\",\"as\":\"gone\",\"reason\":\"r\"}",
	    "field 'as': expected \"released\" or \"isolated\", got \"gone\"");
	assert_refused("{\"cmd\":\"resolve\",\"host\":\"10.0.0.7\",\"as\":\"released\"}", "field 'reason': expected a non-empty string ('resolve' needs a reason), got nothing");
	assert_refused("{\"cmd\":\"show\"}", "field 'host': expected a unicast IPv4 or IPv6 address ('show' needs one), got nothing");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\"}",
	    "field 'reason': expected a non-empty string ('quarantine' needs a reason), got nothing");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"\"}",
	    "field 'reason': expected a non-empty string ('quarantine' needs a reason), got \"\"");
	assert_refused("{\"cmd\":\"release\",\"host\":\"10.0.0.7\"}",
	    "field 'patched': expected true ('release' is only for patched hosts), got nothing");
	assert_refused("{\"cmd\":\"release\",\"host\":\"10.0.0.7\",\"patched\":false}",
	    "field 'patched': expected true ('release' is only for patched hosts), got false");
}

static void
test_bad_types(void **state)
{
	(void)state;
	assert_refused("{\"cmd\":\"show\",\"host\":167772167}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got 167772167");
	assert_refused("{\"cmd\":\"show\",\"host\":\"10.0.0.256\"}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got \"10.0.0.256\"");
	assert_refused("{\"cmd\":\"show\",\"host\":\"router.example\"}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got \"router.example\"");
	/* Addresses no host has are refused as well. */
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"224.0.0.1\",\"reason\":\"x\"}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got \"224.0.0.1\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"0.0.0.0\",\"reason\":\"x\"}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got \"0.0.0.0\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"::\",\"reason\":\"x\"}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got \"::\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":42}",
	    "field 'reason': expected a string of at most 255 bytes, got 42");
	assert_refused("{\"cmd\":\"release\",\"host\":\"10.0.0.7\",\"patched\":\"yes\"}",
	    "field 'patched': expected true or false, got \"yes\"");
	assert_refused("{\"cmd\":\"release\",\"host\":\"10.0.0.7\",\"patched\":1}",
	    "field 'patched': expected true or false, got 1");
	assert_refused("{\"cmd\":\"events\",\"follow\":1}", "field 'follow': expected true or false, got 1");
	assert_refused("{\"cmd\":\"events\",\"follow\":null}", "field 'follow': expected true or false, got null");
	assert_refused("{\"cmd\":\"events\",\"limit\":\"5\"}",
	    "field 'limit': expected a whole number from 1 to 10000, got \"5\"");
	assert_refused("{\"cmd\":\"events\",\"limit\":0}", "field 'limit': expected a whole number from 1 to 10000, got 0");
	assert_refused("{\"cmd\":\"events\",\"limit\":10001}",
	    "field 'limit': expected a whole number from 1 to 10000, got 10001");
	assert_refused("{\"cmd\":\"events\",\"limit\":2.5}", "field 'limit': expected a whole number from 1 to 10000, got 2.5");
	assert_refused("{\"cmd\":\"list\",\"limit\":-9223372036854775808}",
	    "field 'limit': expected a whole number from 1 to 10000, got -9223372036854775808");
	assert_refused("{\"cmd\":\"list\",\"limit\":[1]}", "field 'limit': expected a whole number from 1 to 10000, got [1]");
	assert_refused("{\"cmd\":\"list\",\"state\":\"infected\"}",
	    "field 'state': expected one of observed, suspected, quarantining, quarantined, releasing, probation, clear, failed, got \"infected\"");
	assert_refused("{\"cmd\":\"list\",\"state\":3}",
	    "field 'state': expected one of observed, suspected, quarantining, quarantined, releasing, probation, clear, failed, got 3");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"02:00:00:00:00\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"02:00:00:00:00\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"02:00:00:00:00:01:02\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"02:00:00:00:00:01:02\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"02-00-00-00-00-01\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"02-00-00-00-00-01\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":2}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got 2");
	/* sscanf's %x took signs: -1 became ff */
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"-1:-1:-1:-1:-1:-1\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"-1:-1:-1:-1:-1:-1\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\" 2:00:00:00:00:01\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \" 2:00:00:00:00:01\"");
	/* broadcast, multicast, zero: no host's */
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"ff:ff:ff:ff:ff:ff\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"ff:ff:ff:ff:ff:ff\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"01:00:5e:00:00:fb\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"01:00:5e:00:00:fb\"");
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"00:00:00:00:00:00\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"00:00:00:00:00:00\"");
	/* Quoted as JSON, ASCII only: what is not printable ASCII is escaped. */
	assert_refused("{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"x\",\"mac\":\"\\u00e9\\t\"}",
	    "field 'mac': expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address), got \"\\u00E9\\t\"");
}

static void
test_unknown_command_and_not_json(void **state)
{
	struct ctl_request rq;
	char err[512];

	(void)state;
	assert_refused("{\"cmd\":\"reboot\"}",
	    "field 'cmd': expected one of quarantine, release, approve, list, show, events, switches, status, breaker, breaker-reset, resolve, assets, got \"reboot\"");
	assert_refused("{\"cmd\":7}",
	    "field 'cmd': expected one of quarantine, release, approve, list, show, events, switches, status, breaker, breaker-reset, resolve, assets, got 7");
	assert_refused("{\"host\":\"10.0.0.7\"}",
	    "field 'cmd': expected one of quarantine, release, approve, list, show, events, switches, status, breaker, breaker-reset, resolve, assets, got nothing");
	assert_refused("[\"status\"]", "request: expected a JSON object, got [\"status\"]");
	/* A bare JSON string is not a request either. */
	assert_int_equal(parse("\"status\"", &rq, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request is not JSON: "));
	/* jansson's own words follow the prefix; the prefix is ours. */
	assert_int_equal(parse("status", &rq, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request is not JSON: "));
	assert_int_equal(parse("{\"cmd\":\"status\"", &rq, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request is not JSON: "));
	/* jansson quotes the request near the error: only printable ASCII of it. */
	assert_refused("\x01", "request is not JSON: '[' or '{' expected near '?'");
	assert_refused("{\"cmd\":\xc3\xa9}", "request is not JSON: invalid token near '?\?'");
	/* A key given twice could mean two things: refused. */
	assert_int_equal(parse("{\"cmd\":\"status\",\"cmd\":\"quarantine\"}", &rq, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "request is not JSON: "));
	assert_non_null(strstr(err, "duplicate"));
	/* Only `len` bytes are read: what follows is not part of the request. */
	assert_int_equal(ctl_request_parse("{\"cmd\":\"status\"}garbage", 16, &rq, err, sizeof(err)), 0);
	assert_int_equal(rq.cmd, CTL_STATUS);
}

/* Every refusal quotes the value it got, as JSON cut to 60 characters and
 * ASCII only: the reply is JSON, and the message goes into logs. */
static void
test_values_quoted(void **state)
{
	struct ctl_request rq;
	char line[512], err[512];
	const char *lines[] = {
		"{\"cmd\":\"show\",\"host\":\"r\\u00e9seau\\n\\u007fx\"}",
		"{\"cmd\":\"list\",\"state\":\"\\u001b[31mred\"}",
		"{\"cmd\":\"qu\\u00e4rantine\\r\"}",
		"{\"cmd\":\"list\",\"after\":\"\\ud83d\\ude00\"}",
		"{\"cmd\":\"assets\",\"exposed\":{\"port\":\"\\t\"}}",
	};

	(void)state;
	assert_refused("{\"cmd\":\"show\",\"host\":\"r\\u00e9seau\\n\"}",
	    "field 'host': expected a unicast IPv4 or IPv6 address, got \"r\\u00E9seau\\n\"");
	assert_refused("{\"cmd\":\"list\",\"state\":{\"is\":[\"infected\"]}}",
	    "field 'state': expected one of observed, suspected, quarantining, quarantined, releasing, probation, clear, failed, got {\"is\":[\"infected\"]}");
	/* A long value: its first 60 characters, then "...". */
	snprintf(line, sizeof(line), "{\"cmd\":\"list\",\"after\":\"%0100d\"}", 7);
	assert_refused(line, "field 'after': expected an IPv4 or IPv6 address, got "
	    "\"00000000000000000000000000000000000000000000000000000000000...");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(parse(lines[i], &rq, err, sizeof(err)), -1);
		for (const char *p = err; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				fail_msg("'%s': byte 0x%02x in the message", lines[i], (unsigned char)*p);
		assert_non_null(strstr(err, ", got "));
	}
}

static void
test_reason_length(void **state)
{
	struct ctl_request rq;
	char reason[300], line[512], err[512];

	(void)state;
	/* 255 characters fit the record's field, with its terminator. */
	memset(reason, 'r', 255);
	reason[255] = '\0';
	snprintf(line, sizeof(line), "{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"%s\"}", reason);
	assert_int_equal(parse(line, &rq, err, sizeof(err)), 0);
	assert_int_equal(strlen(rq.reason), 255);
	/* 256 would be cut: refused rather than stored shortened. */
	memset(reason, 'r', 256);
	reason[256] = '\0';
	snprintf(line, sizeof(line), "{\"cmd\":\"quarantine\",\"host\":\"10.0.0.7\",\"reason\":\"%s\"}", reason);
	assert_refused(line, "field 'reason': expected at most 255 bytes (this one has 256), got "
	    "\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...");
	snprintf(line, sizeof(line), "{\"cmd\":\"release\",\"host\":\"10.0.0.7\",\"patched\":true,\"reason\":\"%s\"}", reason);
	assert_refused(line, "field 'reason': expected at most 255 bytes (this one has 256), got "
	    "\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...");
}

static void
test_host_json(void **state)
{
	struct host_rec h;
	json_t *o, *loc;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.0.0.7", &h.ip), 0);
	h.state = HS_SUSPECTED;
	snprintf(h.hold, sizeof(h.hold), "%s", HOLD_APPROVAL);
	h.detections = 3;
	o = ctl_host_json(&h);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "ip")), "10.0.0.7");
	assert_string_equal(json_string_value(json_object_get(o, "state")), "suspected");
	assert_string_equal(json_string_value(json_object_get(o, "hold")), "approval");
	assert_true(json_is_null(json_object_get(o, "mac")));
	assert_true(json_is_null(json_object_get(o, "location")));
	assert_int_equal(json_integer_value(json_object_get(o, "detections")), 3);
	json_decref(o);

	h.state = HS_QUARANTINED;
	h.has_mac = true;
	memcpy(h.mac, "\x02\x00\x00\xab\xcd\xef", 6);
	h.has_loc = true;
	snprintf(h.loc.point, sizeof(h.loc.point), "sw1");
	snprintf(h.loc.port, sizeof(h.loc.port), "swp3");
	h.loc.ifindex = 3;
	h.loc.orig_vlan = 10;
	h.loc.quarantine_vlan = 999;
	h.loc.orig_tagged[0] = 20;
	h.loc.orig_tagged[1] = 30;
	h.loc.norig_tagged = 2;
	snprintf(h.loc.detail, sizeof(h.loc.detail), "swp3 VLAN 10 (tagged 20,30) -> 999");
	o = ctl_host_json(&h);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "mac")), "02:00:00:ab:cd:ef");
	loc = json_object_get(o, "location");
	assert_true(json_is_object(loc));
	assert_string_equal(json_string_value(json_object_get(loc, "port")), "swp3");
	assert_int_equal(json_integer_value(json_object_get(loc, "orig_vlan")), 10);
	assert_int_equal(json_integer_value(json_object_get(loc, "quarantine_vlan")), 999);
	assert_string_equal(json_string_value(json_object_get(loc, "orig_tagged")), "20,30");
	assert_string_equal(json_string_value(json_object_get(loc, "detail")),
	    "swp3 VLAN 10 (tagged 20,30) -> 999");
	json_decref(o);
}

/*
 * Text from outside in a listing: valid UTF-8 as it is; invalid (a switch's
 * ifName in a latin-1 codepage, a message cut inside a character) still a
 * string, its other bytes as '?', never NULL (json_pack would then drop the
 * whole entry).
 */
static void
test_outside_text(void **state)
{
	json_t *j;

	(void)state;
	j = ctl_text_json("Gi1/0/1 caf\xc3\xa9");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "Gi1/0/1 caf\xc3\xa9");
	json_decref(j);
	j = ctl_text_json("port \xe9t\xe9 cut \xc3");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "port ?t? cut ?");
	json_decref(j);
	j = json_pack("{s:o}", "last_error", ctl_text_json("after the SET, caf\xc3"));
	assert_non_null(j);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command),
		cmocka_unit_test(test_names_and_acting),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_unknown_command_and_not_json),
		cmocka_unit_test(test_values_quoted),
		cmocka_unit_test(test_reason_length),
		cmocka_unit_test(test_host_json),
		cmocka_unit_test(test_outside_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
