/* SPDX-License-Identifier: ISC */
/*
 * conf_load on real files: the defaults, every section, and the errors,
 * which must name the file, the line and the offending value.
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

/* The file under test: written by load(), removed by teardown. */
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

/* Writes `text` to a new temporary file and loads it into *c. Returns
 * conf_load's result; the message is in err. */
static int
load(const char *text, struct cordon_conf *c, char *err, size_t errlen)
{
	int fd;
	size_t len = strlen(text);

	if (path[0])
		unlink(path);
	snprintf(path, sizeof(path), "/tmp/cordon-test-conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	err[0] = '\0';
	return conf_load(path, c, err, errlen);
}

/* Asserts that `text` is rejected with "PATH:LINE: MESSAGE". */
static void
assert_rejected(const char *text, int line, const char *message)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[1024], want[1024];

	assert_non_null(c);
	assert_int_equal(load(text, c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, message);
	assert_string_equal(err, want);
	free(c);
}

/* Asserts that `text` is rejected at `line` with a message containing `part`. */
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
	free(c);
}

static bool
ip_in(const struct prefix *list, size_t n, const char *text)
{
	struct ip_addr a;

	assert_int_equal(ip_from_str(text, &a), 0);
	return conf_match(list, n, &a) != NULL;
}

static void
test_defaults(void **state)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[512];
	int e;

	(void)state;
	assert_non_null(c);
	/* An empty file is a valid config: every setting has a default. */
	assert_int_equal(load("# nothing\n", c, err, sizeof(err)), 0);
	assert_string_equal(c->path, path);
	assert_string_equal(c->state_path, "/var/lib/cordon/state.db");
	assert_string_equal(c->control_path, "/run/cordon/control.sock");
	assert_string_equal(c->control_ro_path, "/run/cordon/control-ro.sock");
	assert_int_equal(c->control_mode, 0660);
	assert_int_equal(c->control_gid, (gid_t)-1);
	assert_string_equal(c->http_listen, "127.0.0.1:8477");
	assert_false(c->use_syslog);
	assert_int_equal(c->nsensor_listen, 0);
	assert_int_equal(c->ninterfaces, 0);
	assert_int_equal(c->max_line, 8192);
	assert_int_equal(c->max_per_minute, 10);
	assert_int_equal(c->retention_events_s, 30 * 86400);
	assert_int_equal(c->retention_audit_s, 365 * 86400);
	assert_int_equal(c->breaker_evidence_age_s, 300);
	assert_int_equal(c->max_attempts, 10);
	assert_true(c->shared_port_approval);
	assert_false(c->dry_run);
	assert_int_equal(c->probation_s, 3600);
	assert_int_equal(c->retry_initial_s, 5);
	assert_int_equal(c->retry_max_s, 300);
	assert_int_equal(c->nprotected, 0);
	assert_int_equal(c->napproval, 0);
	assert_int_equal(c->npoints, 0);
	assert_int_equal(c->nverify, 0);
	for (e = 0; e < ENGINE_COUNT; e++) {
		/* Every engine isolates except the vertical scan (a person
		 * looking at one host, not a worm) and the busy notice
		 * (answered contacts are never evidence). */
		assert_int_equal(c->engines[e].isolate, e != ENGINE_VSCAN && e != ENGINE_BUSY);
		assert_int_equal(c->engines[e].min_probes, 0);
	}
	free(c);
}

static void
test_every_section(void **state)
{
	static const char text[] =
	    "daemon = { state = \"/srv/cordon/s.db\"; control = \"/srv/cordon/c.sock\";\n"   /* 1 */
	    "  control_ro = \"\"; control_mode = \"0600\"; control_group = \"root\";\n"       /* 2 */
	    "  http = \"[::1]:9000\"; syslog = true; };\n"                                     /* 3 */
	    "sensors = { listen = [ \"unix:/run/cordon/sensor.sock\", \"tcp:0.0.0.0:8478\" ];\n" /* 4 */
	    "  max_line = 4096; interfaces = [ \"eth1\", \"eth2\" ]; };\n"                     /* 5 */
	    "detectors = { ports = [ \"135:10\", \"445:12\" ]; trw = { timeout = 3.0; };\n"    /* 6 */
	    "  vscan = { ports = 20; }; };\n"                                                  /* 7 */
	    "policy = {\n"                                                                     /* 8 */
	    "  engines = { vscan = { isolate = true; min_probes = 30; };\n"                    /* 9 */
	    "              trw = { isolate = false; }; };\n"                                   /* 10 */
	    "  protected = [ \"10.0.0.1\", \"10.0.53.0/24\", \"2001:db8::1\" ];\n"             /* 11 */
	    "  approval = [ \"10.9.0.0/16\" ];\n"                                              /* 12 */
	    "  max_isolations_per_minute = 25; dry_run = true; probation = 600;\n"             /* 13 */
	    "  retry_initial = 2; retry_max = 60.0; };\n"                                      /* 14 */
	    "enforcement = (\n"                                                                /* 15 */
	    "  { name = \"core\"; kind = \"netlink\"; prefixes = [ \"10.0.0.0/8\", \"2001:db8::/32\" ];\n" /* 16 */
	    "    netns = \"router\";\n"                                                        /* 17 */
	    "    remediation = [ \"10.99.0.0/24\", \"10.98.0.0/24\" ]; table = 100;\n"         /* 18 */
	    "    remove_extra = true; },\n"                                                    /* 19 */
	    "  { name = \"sw1\"; kind = \"snmp-qbridge\"; prefixes = [ \"10.5.0.0/16\" ];\n"   /* 20 */
	    "    quarantine_vlan = 999; } );\n"                                                /* 21 */
	    "verification = ( { prefixes = [ \"10.5.0.0/16\" ];\n"                             /* 22 */
	    "  command = \"/usr/lib/cordon/patched {ip}\"; interval = 120; timeout = 10; } );\n"; /* 23 */
	struct cordon_conf *c = calloc(1, sizeof(*c));
	const struct conf_point *p;
	struct ip_addr a;
	char err[512];

	(void)state;
	assert_non_null(c);
	if (load(text, c, err, sizeof(err)) != 0)
		fail_msg("rejected: %s", err);
	/* daemon */
	assert_string_equal(c->state_path, "/srv/cordon/s.db");
	assert_string_equal(c->control_path, "/srv/cordon/c.sock");
	assert_string_equal(c->control_ro_path, "");
	assert_int_equal(c->control_mode, 0600);
	assert_int_equal(c->control_gid, 0);
	assert_string_equal(c->http_listen, "[::1]:9000");
	assert_true(c->use_syslog);
	/* sensors */
	assert_int_equal(c->nsensor_listen, 2);
	assert_string_equal(c->sensor_listen[0], "unix:/run/cordon/sensor.sock");
	assert_string_equal(c->sensor_listen[1], "tcp:0.0.0.0:8478");
	assert_int_equal(c->max_line, 4096);
	assert_int_equal(c->ninterfaces, 2);
	assert_string_equal(c->interfaces[1], "eth2");
	/* detectors: nested groups become the dotted keys of detcfg */
	assert_int_equal(c->det.nports, 2);
	assert_int_equal(c->det.ports[1].port, 445);
	assert_int_equal(c->det.ports[1].threshold, 12);
	assert_int_equal(c->det.trw_timeout_ms, 3000);
	assert_int_equal(c->det.vscan_ports, 20);
	/* policy */
	assert_true(c->engines[ENGINE_VSCAN].isolate);
	assert_int_equal(c->engines[ENGINE_VSCAN].min_probes, 30);
	assert_false(c->engines[ENGINE_TRW].isolate);
	assert_true(c->engines[ENGINE_FANOUT].isolate);
	assert_int_equal(c->nprotected, 3);
	assert_true(ip_in(c->protected_, c->nprotected, "10.0.53.200"));
	assert_true(ip_in(c->protected_, c->nprotected, "2001:db8::1"));
	assert_false(ip_in(c->protected_, c->nprotected, "10.0.0.2"));
	assert_int_equal(c->napproval, 1);
	assert_true(ip_in(c->approval, c->napproval, "10.9.255.1"));
	assert_int_equal(c->max_per_minute, 25);
	assert_true(c->dry_run);
	assert_int_equal(c->probation_s, 600);
	assert_int_equal(c->retry_initial_s, 2);
	assert_int_equal(c->retry_max_s, 60);   /* a float with a whole value is accepted */
	/* enforcement: the backend's own settings stay text, with their lines */
	assert_int_equal(c->npoints, 2);
	p = &c->points[0];
	assert_string_equal(p->name, "core");
	assert_string_equal(p->kind, "netlink");
	assert_int_equal(p->line, 16);
	assert_int_equal(p->nprefixes, 2);
	assert_int_equal(p->nparams, 4);
	assert_string_equal(p->params[0].key, "netns");
	assert_string_equal(p->params[0].value, "router");
	assert_int_equal(p->params[0].line, 17);
	assert_string_equal(p->params[1].key, "remediation");
	assert_string_equal(p->params[1].value, "10.99.0.0/24,10.98.0.0/24");
	assert_int_equal(p->params[1].line, 18);
	assert_string_equal(p->params[2].key, "table");
	assert_string_equal(p->params[2].value, "100");
	assert_string_equal(p->params[3].key, "remove_extra");
	assert_string_equal(p->params[3].value, "true");
	assert_int_equal(p->params[3].line, 19);
	assert_string_equal(c->points[1].kind, "snmp-qbridge");
	assert_int_equal(c->points[1].nparams, 1);
	assert_string_equal(c->points[1].params[0].value, "999");
	/* the longest prefix picks the point */
	assert_int_equal(ip_from_str("10.5.1.1", &a), 0);
	assert_ptr_equal(conf_point_for(c, &a), &c->points[1]);
	assert_int_equal(ip_from_str("10.6.1.1", &a), 0);
	assert_ptr_equal(conf_point_for(c, &a), &c->points[0]);
	assert_int_equal(ip_from_str("2001:db8::7", &a), 0);
	assert_ptr_equal(conf_point_for(c, &a), &c->points[0]);
	assert_int_equal(ip_from_str("192.168.1.1", &a), 0);
	assert_null(conf_point_for(c, &a));
	assert_ptr_equal(conf_point_named(c, "sw1"), &c->points[1]);
	assert_null(conf_point_named(c, "sw2"));
	/* verification */
	assert_int_equal(c->nverify, 1);
	assert_string_equal(c->verify[0].command, "/usr/lib/cordon/patched {ip}");
	assert_int_equal(c->verify[0].interval_s, 120);
	assert_int_equal(c->verify[0].timeout_s, 10);
	assert_true(ip_in(c->verify[0].prefixes, c->verify[0].nprefixes, "10.5.3.3"));
	free(c);
}

static void
test_verification_defaults(void **state)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[512];

	(void)state;
	assert_non_null(c);
	assert_int_equal(load("verification = ( { prefixes = [ \"10.0.0.0/8\" ]; command = \"/bin/true\"; } );\n",
	    c, err, sizeof(err)), 0);
	assert_int_equal(c->verify[0].interval_s, 300);
	assert_int_equal(c->verify[0].timeout_s, 30);
	free(c);
}

static void
test_bad_values(void **state)
{
	(void)state;
	assert_rejected("\npolicy = { max_isolations_per_minute = 0; };\n", 2,
	    "policy.max_isolations_per_minute: 0 is out of range (1 to 100000)");
	assert_rejected("policy = {\n  dry_run = 7;\n};\n", 2,
	    "policy.dry_run: expected true or false");
	assert_rejected("policy = { probation = 1.5; };\n", 1,
	    "policy.probation: expected a whole number from 0 to 7776000");
	/* Floats too big for any integer type (1e400 reads as inf) are refused,
	 * not converted: the fuzzer found that conversion. */
	assert_rejected("policy = { probation = 1e400; };\n", 1,
	    "policy.probation: expected a whole number from 0 to 7776000");
	assert_rejected("policy = { probation = -1e300; };\n", 1,
	    "policy.probation: expected a whole number from 0 to 7776000");
	assert_rejected("policy = { probation = 7776001.0; };\n", 1,
	    "policy.probation: expected a whole number from 0 to 7776000");
	assert_rejected("policy = { retry_initial = 30;\n retry_max = 10; };\n", 2,
	    "policy.retry_max (10) must be at least policy.retry_initial (30)");
	assert_rejected("daemon = { control_mode = \"0999\"; };\n", 1,
	    "daemon.control_mode: '0999' is not an octal mode from 0000 to 0777");
	assert_rejected("daemon = { control_mode = 660; };\n", 1,
	    "daemon.control_mode: expected an octal mode as a string, e.g. \"0660\"");
	assert_rejected("daemon = {\n syslog = \"yes\"; };\n", 2,
	    "daemon.syslog: expected true or false");
	assert_rejected("daemon = { control_group = \"no-such-group-cordon\"; };\n", 1,
	    "daemon.control_group: no group named 'no-such-group-cordon'");
	assert_rejected("daemon = { retention_events = -1; };\n", 1,
	    "daemon.retention_events: -1 is out of range (0 to 3153600000)");
	assert_rejected("policy = { max_attempts = 0; };\n", 1,
	    "policy.max_attempts: 0 is out of range (1 to 1000)");
	assert_rejected("policy = { shared_port_approval = 1; };\n", 1,
	    "policy.shared_port_approval: expected true or false");
	assert_rejected("daemon = { state = \"\"; };\n", 1,
	    "daemon.state: '' must be 1 to 255 characters");
	assert_rejected_with("daemon = { http = \"localhost:8477\"; };\n", 1,
	    "daemon.http: 'localhost' is not a numeric IPv4 address");
	assert_rejected("sensors = {\n\n listen = [ \"udp:10.0.0.1:9\" ]; };\n", 3,
	    "sensors.listen: 'udp:10.0.0.1:9' must be unix:/PATH, tls:ADDRESS:PORT or tcp:ADDRESS:PORT");
	assert_rejected("sensors = { max_line = 100; };\n", 1,
	    "sensors.max_line: 100 is out of range (256 to 1048576)");
	assert_rejected_with("policy = {\n protected = [ \"10.0.0.0/8\",\n \"10.300.0.0/16\" ]; };\n", 3,
	    "policy.protected: ");
	assert_rejected_with("policy = {\n protected = [ \"10.0.0.0/8\",\n \"10.300.0.0/16\" ]; };\n", 3,
	    "'10.300.0.0' is not an IPv4 or IPv6 address");
	assert_rejected("policy = { approval = \"10.0.0.0/8\"; };\n", 1,
	    "policy.approval: expected a list of addresses or prefixes, e.g. [ \"10.0.0.1\", \"10.9.0.0/16\" ]");
	assert_rejected("policy = { engines = { fanout = { min_probes = -1; }; }; };\n", 1,
	    "policy.engines.fanout.min_probes: -1 is out of range (0 to 1000000)");
	/* The detectors' own messages carry the key and the value. */
	assert_rejected("detectors = {\n trw = { timeout = -1; }; };\n", 2,
	    "detectors.trw.timeout: bad value '-1': expected seconds, from 0.001 to 2073600");
	assert_rejected_with("detectors = {\n trw = { theta0 = 0.2; theta1 = 0.8; }; };\n", 1,
	    "detectors: trw.theta1 (0.8) must be below trw.theta0 (0.2)");
	assert_rejected("verification = ( { prefixes = [ \"10.0.0.0/8\" ];\n command = \"patched {ip}\"; } );\n", 1,
	    "verification[0]: 'command' must be an absolute path with arguments");
	assert_rejected("verification = ( { command = \"/bin/true\"; } );\n", 1,
	    "verification[0]: 'prefixes' is required");
	assert_rejected("verification = ( { prefixes = [ \"10.0.0.0/8\" ]; command = \"/bin/true\";\n timeout = 0; } );\n", 2,
	    "verification.timeout: 0 is out of range (1 to 3600)");
}

static void
test_unreadable_and_syntax(void **state)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[512];

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_load("/nonexistent/cordon.conf", c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/cordon.conf: No such file or directory");
	assert_rejected_with("policy = {\n dry_run = true;\n probation = ; };\n", 3, "syntax error");
	free(c);
}

static void
test_unknown_keys(void **state)
{
	(void)state;
	assert_rejected("\n\ndeamon = { };\n", 3, "unknown setting '(top level).deamon'");
	assert_rejected("policy = {\n dry_rn = true; };\n", 2, "unknown setting 'policy.dry_rn'");
	assert_rejected("daemon = { statepath = \"/x\"; };\n", 1, "unknown setting 'daemon.statepath'");
	assert_rejected("sensors = { interface = [ \"eth0\" ]; };\n", 1, "unknown setting 'sensors.interface'");
	assert_rejected("policy = { engines = {\n trw = { isolat = false; }; }; };\n", 2,
	    "unknown setting 'policy.engines.trw.isolat'");
	assert_rejected("policy = { engines = {\n telepathy = { isolate = true; }; }; };\n", 2,
	    "policy.engines: unknown engine 'telepathy' (fanout, trw, vscan, signature, icmp_sweep, arp_sweep, nd_sweep, busy)");
	assert_rejected("policy = { engines = {\n busy = { isolate = true; }; }; };\n", 2,
	    "policy.engines.busy: isolate = true refused: a busy notice reports answered "
	    "contacts, which are never evidence of a worm");
	assert_rejected("verification = ( { prefixes = [ \"10.0.0.0/8\" ]; command = \"/bin/true\";\n every = 5; } );\n", 2,
	    "unknown setting 'verification.every'");
	assert_rejected_with("detectors = { trw = {\n speed = 5; }; };\n", 2, "detectors.trw.speed: unknown setting");
}

static void
test_points(void **state)
{
	(void)state;
	assert_rejected("enforcement = (\n { name = \"a\"; kind = \"netlink\"; prefixes = [ \"10.0.0.0/8\" ]; },\n"
	    " { name = \"a\"; kind = \"netlink\"; prefixes = [ \"10.1.0.0/16\" ]; } );\n", 3,
	    "enforcement: the name 'a' is used twice");
	assert_rejected("enforcement = (\n { kind = \"netlink\"; prefixes = [ \"10.0.0.0/8\" ]; } );\n", 2,
	    "enforcement[0]: 'name' is required");
	assert_rejected("enforcement = (\n { name = \"a\"; prefixes = [ \"10.0.0.0/8\" ]; } );\n", 2,
	    "enforcement 'a': 'kind' is required");
	assert_rejected("enforcement = (\n { name = \"a\"; kind = \"netlink\"; } );\n", 2,
	    "enforcement 'a': 'prefixes' is required (which hosts it serves)");
	assert_rejected("enforcement = { name = \"a\"; };\n", 1,
	    "enforcement: expected a list ( { name = ...; kind = ...; }, ... )");
	assert_rejected("enforcement = ( { name = \"a\"; kind = \"netlink\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    " extra = { x = 1; }; } );\n", 2,
	    "enforcement 'a'.extra: expected a number, a string, a boolean or a list of them");
}

static void
test_point_settings_are_wiped(void **state)
{
	static const char text[] =
	    "enforcement = ( { name = \"sw1\"; kind = \"snmp-qbridge\"; prefixes = [ \"10.0.0.0/8\" ];\n"
	    "  address = \"192.0.2.1\"; community = \"Wiped-Community-7\"; quarantine_vlan = 999; } );\n";
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[512];

	(void)state;
	assert_non_null(c);
	assert_int_equal(load(text, c, err, sizeof(err)), 0);
	assert_non_null(memmem(c, sizeof(*c), "Wiped-Community-7", 17));
	conf_wipe_point_settings(c);
	/* No copy left anywhere in the structure, and the point is still named. */
	assert_null(memmem(c, sizeof(*c), "Wiped-Community-7", 17));
	assert_int_equal(c->points[0].nparams, 0);
	assert_string_equal(c->points[0].name, "sw1");
	free(c);
}

/* The follow section: defaults, every key, the secrets wiped, and each refusal with its line. */
static void
test_follow(void **state)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[512];

	(void)state;
	assert_non_null(c);
	assert_int_equal(load("# nothing\n", c, err, sizeof(err)), 0);
	assert_int_equal(c->follow.interval_s, 60);
	assert_int_equal(c->follow.queue, 1024);
	assert_string_equal(c->follow.listen, "");
	/* A listener needs a point whose address its notifications come from. */
	assert_rejected("follow = {\n listen = \"10.0.0.1:162\"; community = \"x\"; };\n", 2,
	    "follow.listen: no enforcement point has an address to take notifications from");
	assert_int_equal(load("enforcement = ( { name = \"sw\"; kind = \"snmp-qbridge\"; prefixes = [ \"10.0.0.0/8\" ];"
	    " address = \"192.0.2.1\"; } );\n"
	    "follow = {\n interval = 0;\n queue = 8;\n listen = \"[::1]:1162\";\n"
	    " community = \"c0mmunity\";\n v3_user = \"nms\";\n v3_auth_pass = \"authpass1\";\n"
	    " v3_priv_pass = \"privpass1\";\n v3_engine_ids = [ \"80001f8880aabbccdd\" ];\n};\n",
	    c, err, sizeof(err)), 0);
	assert_int_equal(c->follow.interval_s, 0);
	assert_int_equal(c->follow.queue, 8);
	assert_string_equal(c->follow.listen, "[::1]:1162");
	assert_string_equal(c->follow.community, "c0mmunity");
	assert_string_equal(c->follow.v3_user, "nms");
	assert_string_equal(c->follow.v3_auth_pass, "authpass1");
	assert_string_equal(c->follow.v3_priv_pass, "privpass1");
	assert_int_equal(c->follow.nv3_engine_ids, 1);
	assert_string_equal(c->follow.v3_engine_ids[0], "80001f8880aabbccdd");
	assert_int_equal(c->follow.line, 2);
	conf_wipe_follow_secrets(c);
	for (size_t i = 0; i < sizeof(c->follow.community); i++)
		assert_int_equal(c->follow.community[i], 0);
	for (size_t i = 0; i < sizeof(c->follow.v3_auth_pass); i++)
		assert_int_equal(c->follow.v3_auth_pass[i] | c->follow.v3_priv_pass[i], 0);
	assert_string_equal(c->follow.v3_user, "nms");   /* a name, not a secret */
	free(c);

	assert_rejected("follow = {\n interval = -1; };\n", 2,
	    "follow.interval: -1 is out of range (0 to 86400)");
	assert_rejected("follow = {\n interval = 86401; };\n", 2,
	    "follow.interval: 86401 is out of range (0 to 86400)");
	assert_rejected("follow = {\n interval = \"60\"; };\n", 2,
	    "follow.interval: expected a whole number from 0 to 86400");
	assert_rejected("follow = {\n queue = 0; };\n", 2, "follow.queue: 0 is out of range (1 to 65536)");
	assert_rejected("follow = {\n\n listen = \"10.0.0.1\"; community = \"x\"; };\n", 3,
	    "follow.listen: '10.0.0.1' must be ADDRESS:PORT, e.g. 127.0.0.1:8477 or [::1]:8477 (\"\" turns it off)");
	assert_rejected("follow = {\n listen = \"switch.example:162\"; community = \"x\"; };\n", 2,
	    "follow.listen: 'switch.example' is not a numeric IPv4 address (host names are not looked up)");
	assert_rejected("follow = {\n listen = \"10.0.0.1:0\"; community = \"x\"; };\n", 2,
	    "follow.listen: port '0' is not a number from 1 to 65535");
	assert_rejected("follow = {\n listen = \"10.0.0.1:162\"; };\n", 2,
	    "follow.listen '10.0.0.1:162': needs community or v3_user (whom to accept notifications from)");
	assert_rejected("follow = {\n community = \"x\"; };\n", 1,
	    "follow: community and v3_user are for the notification listener: set follow.listen too");
	assert_rejected("follow = { listen = \"10.0.0.1:162\";\n v3_user = \"nms\"; v3_auth_pass = \"authpass1\"; };\n", 2,
	    "follow.v3_user 'nms': v3_auth_pass and v3_priv_pass are required (authPriv, SHA/AES)");
	assert_rejected("follow = { listen = \"10.0.0.1:162\"; v3_auth_pass = \"authpass1\"; };\n", 1,
	    "follow: v3_auth_pass, v3_priv_pass and v3_engine_ids need v3_user");
	/* A secret too short is refused without being repeated. */
	assert_rejected("follow = { listen = \"10.0.0.1:162\"; v3_user = \"nms\";\n v3_auth_pass = \"s3cr3t\";"
	    " v3_priv_pass = \"privpass1\"; };\n", 2,
	    "follow.v3_auth_pass: must be 8 to 127 characters (the value is not shown)");
	assert_rejected("follow = { listen = \"10.0.0.1:162\"; community = \"\"; };\n", 1,
	    "follow.community: must be 1 to 127 characters (the value is not shown)");
	assert_rejected("follow = { listen = \"10.0.0.1:162\"; v3_user = \"nms\"; v3_auth_pass = \"authpass1\";"
	    " v3_priv_pass = \"privpass1\";\n v3_engine_ids = [ \"80001f88zz\" ]; };\n", 2,
	    "follow.v3_engine_ids[0]: '80001f88zz' is not an engine ID (10 to 64 hex digits, 5 to 32 octets)");
	assert_rejected("follow = {\n intervall = 5; };\n", 2, "unknown setting 'follow.intervall'");
	assert_rejected("follow = 5;\n", 1,
	    "follow: expected a group { interval = 60; listen = \"ADDRESS:PORT\"; ... }");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_point_settings_are_wiped, teardown),
		cmocka_unit_test_teardown(test_every_section, teardown),
		cmocka_unit_test_teardown(test_verification_defaults, teardown),
		cmocka_unit_test_teardown(test_bad_values, teardown),
		cmocka_unit_test_teardown(test_unreadable_and_syntax, teardown),
		cmocka_unit_test_teardown(test_unknown_keys, teardown),
		cmocka_unit_test_teardown(test_points, teardown),
		cmocka_unit_test_teardown(test_follow, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
