/* SPDX-License-Identifier: ISC */
/*
 * A host's identity (controller/ident.c) and its configuration: the
 * networks section (router settings checked, refused with the file, the line
 * and the value, never a secret; wiped after use), which sensor's MAC is the
 * host's, which source may replace which, when the router must be asked,
 * and how a DHCP move merges two records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "ident.h"

static char path[64];

static int
teardown(void **state)
{
	(void)state;
	if (path[0])
		unlink(path);
	path[0] = '\0';
	return 0;
}

/* Writes `text` to a temporary file and loads it; conf_load's result, message in err. */
static int
load(const char *text, struct cordon_conf *c, char *err, size_t errlen)
{
	size_t len = strlen(text);
	int fd;

	if (path[0])
		unlink(path);
	snprintf(path, sizeof(path), "/tmp/cordon-test-ident.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	err[0] = '\0';
	return conf_load(path, c, err, errlen);
}

static const char good[] =
    "networks = (\n"
    "  { name = \"campus\"; prefixes = [ \"10.20.0.0/16\" ];\n"
    "    router = { address = \"10.20.0.1\"; community = \"s3cret-ro\"; timeout_ms = 500;\n"
    "               cache_ms = 10000; };\n"
    "    segment_sensors = [ \"edge-a\", \"local:eth1\" ]; },\n"
    "  { name = \"lab\"; prefixes = [ \"10.20.5.0/24\" ]; }\n"
    ");\n";

static struct cordon_conf *
loaded(void)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[1024];

	assert_non_null(c);
	if (load(good, c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return c;
}

static struct ip_addr
ip(const char *s)
{
	struct ip_addr a;
	assert_int_equal(ip_from_str(s, &a), 0);
	return a;
}

static void
test_networks_loaded(void **state)
{
	struct cordon_conf *c = loaded();
	struct ip_addr a = ip("10.20.9.9"), b = ip("10.20.5.9"), o = ip("10.30.0.1");
	struct snmprt_config rc;
	char err[256];

	(void)state;
	assert_int_equal(c->nnetworks, 2);
	assert_string_equal(conf_network_for(c, &a)->name, "campus");
	assert_string_equal(conf_network_for(c, &b)->name, "lab");   /* longest prefix */
	assert_null(conf_network_for(c, &o));
	assert_int_equal(c->networks[0].nsegment_sensors, 2);
	assert_int_equal(conf_network_router(&c->networks[0], &rc, err, sizeof(err)), 0);
	assert_string_equal(rc.sw.name, "campus");
	assert_string_equal(rc.sw.address, "10.20.0.1");
	assert_string_equal(rc.sw.community, "s3cret-ro");
	assert_int_equal(rc.sw.timeout_ms, 500);
	assert_int_equal(rc.cache_ms, 10000);
	/* once the routers are made, no copy of the community stays */
	conf_wipe_point_settings(c);
	assert_int_equal(c->networks[0].nrouter, 0);
	for (size_t i = 0; i < sizeof(c->networks[0].router); i++)
		assert_int_equal(((const unsigned char *)c->networks[0].router)[i], 0);
	free(c);
}

static void
assert_rejected_with(const char *text, int line, const char *part)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[1024], prefix[128];

	assert_non_null(c);
	assert_int_equal(load(text, c, err, sizeof(err)), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, part) == NULL)
		fail_msg("expected '%s...%s...', got '%s'", prefix, part, err);
	assert_null(strstr(err, "s3cret"));
	free(c);
}

static void
test_networks_refused(void **state)
{
	(void)state;
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/33\" ]; } );\n", 1,
	    "10.0.0.0/33");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  router = { address = \"10.0.0.1\";\n    timeout_ms = \"soon\"; community = \"s3cret\"; }; } );\n",
	    3, "network 'n'.router.timeout_ms: 'soon'");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  router = { address = \"10.0.0.1\"; }; } );\n", 2, "network 'n'.router.community: required");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  router = { address = \"10.0.0.1\"; community = \"s3cret\";\n"
	    "    quarantine_vlan = 999; }; } );\n", 3, "unknown key 'quarantine_vlan'");
	/* a secret too long is refused without being repeated */
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  router = { address = \"10.0.0.1\"; community = \"s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-"
	    "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s3cret\"; }; } );\n",
	    2, "community: too long");
	assert_rejected_with("networks = ( { name = \"n\"; } );\n", 1, "'prefixes' is required");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ]; },\n"
	    "  { name = \"n\"; prefixes = [ \"10.1.0.0/16\" ]; } );\n", 2, "the name 'n' is used twice");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  sensors = [ \"a\" ]; } );\n", 2, "unknown setting 'networks.sensors'");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  segment_sensors = [ \"\" ]; } );\n", 2, "networks.segment_sensors[0]");
	assert_rejected_with("networks = ( { name = \"n\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  router = \"gw\"; } );\n", 2, "expected a group");
}

static void
test_report_source(void **state)
{
	struct cordon_conf *c = loaded();
	struct ip_addr campus = ip("10.20.9.9"), lab = ip("10.20.5.9"), out = ip("192.0.2.1");

	(void)state;
	assert_int_equal(ident_report_source(c, &campus, "edge-a"), MAC_SRC_SEGMENT);
	assert_int_equal(ident_report_source(c, &campus, "local:eth1"), MAC_SRC_SEGMENT);
	/* behind the router: the router's MAC, not the host's */
	assert_int_equal(ident_report_source(c, &campus, "core-1"), MAC_SRC_NONE);
	assert_int_equal(ident_report_source(c, &campus, ""), MAC_SRC_NONE);
	/* a network that lists no segment sensor trusts none */
	assert_int_equal(ident_report_source(c, &lab, "edge-a"), MAC_SRC_NONE);
	/* outside every network: as before networks existed */
	assert_int_equal(ident_report_source(c, &out, "core-1"), MAC_SRC_SENSOR);
	free(c);
}

static void
test_may_replace(void **state)
{
	(void)state;
	/* the router's MAC as a sensor saw it never comes in (MAC_SRC_NONE) */
	for (int cur = 0; cur < MAC_SRC_COUNT; cur++)
		assert_false(mac_source_may_replace((enum mac_source)cur, MAC_SRC_NONE));
	assert_true(mac_source_may_replace(MAC_SRC_NONE, MAC_SRC_SENSOR));
	assert_true(mac_source_may_replace(MAC_SRC_SENSOR, MAC_SRC_ROUTER));
	assert_true(mac_source_may_replace(MAC_SRC_ROUTER, MAC_SRC_ROUTER));
	assert_true(mac_source_may_replace(MAC_SRC_ROUTER, MAC_SRC_SEGMENT));
	assert_false(mac_source_may_replace(MAC_SRC_SEGMENT, MAC_SRC_ROUTER));
	assert_false(mac_source_may_replace(MAC_SRC_SEGMENT, MAC_SRC_SENSOR));
	assert_false(mac_source_may_replace(MAC_SRC_OPERATOR, MAC_SRC_SEGMENT));
	assert_true(mac_source_may_replace(MAC_SRC_SEGMENT, MAC_SRC_OPERATOR));
}

static void
test_take_and_lookup(void **state)
{
	struct cordon_conf *c = loaded();
	static const uint8_t host[6] = {2, 0, 0, 0, 0, 1}, other[6] = {2, 0, 0, 0, 0, 2};
	struct host_rec h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.ip = ip("10.20.9.9");
	assert_true(ident_needs_lookup(c, &h));                 /* no MAC */
	assert_true(ident_take_mac(&h, host, MAC_SRC_SENSOR));
	assert_true(ident_needs_lookup(c, &h));                 /* a sensor's: not trusted here */
	assert_true(ident_take_mac(&h, host, MAC_SRC_ROUTER));
	assert_false(ident_needs_lookup(c, &h));
	assert_int_equal(h.mac_source, MAC_SRC_ROUTER);
	assert_true(ident_take_mac(&h, host, MAC_SRC_SEGMENT));
	assert_false(ident_take_mac(&h, other, MAC_SRC_ROUTER));  /* kept */
	assert_memory_equal(h.mac, host, 6);
	assert_memory_equal(h.loc.host.mac, host, 6);
	assert_false(ident_take_mac(&h, host, MAC_SRC_SEGMENT));  /* nothing changed */
	/* a recorded location belongs to its MAC: another one does not take it over */
	h.has_loc = true;
	assert_false(ident_take_mac(&h, other, MAC_SRC_SEGMENT));
	assert_false(ident_take_mac(&h, other, MAC_SRC_OPERATOR));
	assert_memory_equal(h.mac, host, 6);
	h.has_loc = false;
	/* a network without a router: nobody to ask */
	memset(&h, 0, sizeof(h));
	h.ip = ip("10.20.5.9");
	assert_false(ident_needs_lookup(c, &h));
	/* the routers made: the settings are wiped, the network still has one */
	conf_wipe_point_settings(c);
	h.ip = ip("10.20.9.9");
	assert_true(ident_needs_lookup(c, &h));
	free(c);
}

static void
test_merge_move(void **state)
{
	static const uint8_t m[6] = {2, 0, 0, 0, 0, 1}, other[6] = {2, 0, 0, 0, 0, 2};
	struct host_rec moving, at_new, out;
	struct ip_addr nip = ip("10.20.9.21");
	char why[256];

	(void)state;
	memset(&moving, 0, sizeof(moving));
	moving.ip = ip("10.20.9.11");
	ident_take_mac(&moving, m, MAC_SRC_SEGMENT);
	moving.state = HS_QUARANTINED;
	moving.has_loc = true;
	snprintf(moving.loc.port, sizeof(moving.loc.port), "swp1");
	moving.loc.ifindex = 1;     /* a switch port: isolated by MAC, wherever its address */
	moving.detections = 3;
	moving.first_seen = 100;
	moving.last_seen = 200;

	/* nothing at the new address: the record moves whole, quarantine and all */
	assert_int_equal(ident_merge_move(&moving, NULL, &nip, &out, why, sizeof(why)), 0);
	assert_memory_equal(&out.ip, &nip, sizeof(nip));
	assert_memory_equal(&out.loc.host.ip, &nip, sizeof(nip));
	assert_int_equal(out.state, HS_QUARANTINED);
	assert_string_equal(out.loc.port, "swp1");

	/* an observed record at the new address: counts and times merged */
	memset(&at_new, 0, sizeof(at_new));
	at_new.ip = nip;
	at_new.state = HS_OBSERVED;
	at_new.detections = 2;
	at_new.first_seen = 50;
	at_new.last_seen = 300;
	assert_int_equal(ident_merge_move(&moving, &at_new, &nip, &out, why, sizeof(why)), 0);
	assert_int_equal(out.state, HS_QUARANTINED);
	assert_int_equal(out.detections, 5);
	assert_true(out.first_seen == 50 && out.last_seen == 300);

	/* a suspicion at the new address stays when the moving record holds none */
	moving.state = HS_OBSERVED;
	moving.has_loc = false;
	at_new.state = HS_SUSPECTED;
	snprintf(at_new.hold, sizeof(at_new.hold), "%s", HOLD_APPROVAL);
	assert_int_equal(ident_merge_move(&moving, &at_new, &nip, &out, why, sizeof(why)), 0);
	assert_int_equal(out.state, HS_SUSPECTED);
	assert_string_equal(out.hold, HOLD_APPROVAL);
	assert_memory_equal(out.mac, m, 6);

	/* another MAC isolated at the new address: its undo must not be lost */
	at_new.state = HS_QUARANTINED;
	ident_take_mac(&at_new, other, MAC_SRC_SEGMENT);
	assert_int_equal(ident_merge_move(&moving, &at_new, &nip, &out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "another MAC"));

	/* isolated by address (netlink): the rules hold the old address, the
	 * record stays with them */
	moving.loc.ifindex = 0;
	snprintf(moving.loc.point, sizeof(moving.loc.point), "router");
	moving.has_loc = true;
	assert_int_equal(ident_merge_move(&moving, NULL, &nip, &out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "by address"));
	/* one MAC in both families: a dual-stack host, not a move */
	moving.has_loc = false;
	{
		struct ip_addr v6 = ip("2001:db8::21");
		assert_int_equal(ident_merge_move(&moving, NULL, &v6, &out, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "dual-stack"));
	}
}

/* The sensor's name comes with its reports: what segment_sensors is matched against. */
static void
test_sensor_in_reports(void **state)
{
	static const char det[] = "{\"src\":\"10.20.9.9\",\"engine\":\"fanout\",\"sensor\":\"edge-a\"}";
	static const char none[] = "{\"src\":\"10.20.9.9\",\"engine\":\"fanout\"}";
	static const char seen[] = "{\"type\":\"seen\",\"src\":\"10.20.9.9\",\"sensor\":\"core-1\","
	    "\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:01Z\"}";
	char longer[200], err[128];
	struct detection d;
	struct seen_host h;

	(void)state;
	assert_int_equal(detection_from_json(det, strlen(det), &d, err, sizeof(err)), 0);
	assert_string_equal(d.sensor, "edge-a");
	assert_int_equal(detection_from_json(none, strlen(none), &d, err, sizeof(err)), 0);
	assert_string_equal(d.sensor, "");
	assert_int_equal(seen_from_json(seen, strlen(seen), &h, err, sizeof(err)), 0);
	assert_string_equal(h.sensor, "core-1");
	/* a name past the bound, or not a string, is refused, not cut */
	snprintf(longer, sizeof(longer), "{\"src\":\"10.20.9.9\",\"engine\":\"fanout\",\"sensor\":\"%064d\"}", 0);
	assert_int_equal(detection_from_json(longer, strlen(longer), &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sensor"));
	snprintf(longer, sizeof(longer), "{\"src\":\"10.20.9.9\",\"engine\":\"fanout\",\"sensor\":7}");
	assert_int_equal(detection_from_json(longer, strlen(longer), &d, err, sizeof(err)), -1);
	snprintf(longer, sizeof(longer), "{\"src\":\"10.20.9.9\",\"engine\":\"fanout\",\"sensor\":\"a\\u0000b\"}");
	assert_int_equal(detection_from_json(longer, strlen(longer), &d, err, sizeof(err)), -1);
}

static void
test_router_refusal(void **state)
{
	struct snmprt_answer a;
	char buf[256];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.status = SNMPRT_NOT_FOUND;
	a.age_s = 3.2;
	ident_router_refusal(&a, "campus (10.20.0.1)", "10.20.0.9", buf, sizeof(buf));
	assert_string_equal(buf, "router campus (10.20.0.1) has no neighbour entry for 10.20.0.9 (table 3 s old)");
	a.status = SNMPRT_AMBIGUOUS;
	ident_router_refusal(&a, "campus (10.20.0.1)", "10.20.0.9", buf, sizeof(buf));
	assert_non_null(strstr(buf, "different MACs for 10.20.0.9"));
	a.status = SNMPRT_ERROR;
	snprintf(a.message, sizeof(a.message), "timeout");
	ident_router_refusal(&a, "campus (10.20.0.1)", "10.20.0.9", buf, sizeof(buf));
	assert_string_equal(buf, "router campus (10.20.0.1) could not be asked for 10.20.0.9: timeout");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_networks_loaded, teardown),
		cmocka_unit_test_teardown(test_networks_refused, teardown),
		cmocka_unit_test_teardown(test_report_source, teardown),
		cmocka_unit_test(test_may_replace),
		cmocka_unit_test_teardown(test_take_and_lookup, teardown),
		cmocka_unit_test(test_merge_move),
		cmocka_unit_test(test_sensor_in_reports),
		cmocka_unit_test(test_router_refusal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
