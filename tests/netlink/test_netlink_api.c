/*
 * The netlink enforcement point through its API, in a private network
 * namespace made with unshare(CLONE_NEWNET) at start: it has no name, holds
 * nothing but this process, and vanishes with it, so nothing outside is ever
 * touched and nothing is left behind. Config parsing is tested first without
 * any namespace. Exits 77 (skipped) without the privilege to unshare.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "netlink.h"

#define POINT "r1"

static struct ip_addr
addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_from_str(s, &a), 0);
	return a;
}

static struct enf_location
location(const char *host)
{
	struct enf_location l;

	memset(&l, 0, sizeof(l));
	snprintf(l.point, sizeof(l.point), "%s", POINT);
	l.orig_vlan = l.quarantine_vlan = -1;
	l.host.ip = addr(host);
	return l;
}

struct outcome {
	int calls;
	struct enf_result res;
};

static void
done(void *arg, const struct enf_result *res)
{
	struct outcome *o = arg;

	o->calls++;
	o->res = *res;
}

static struct outcome
run(struct enf_point *p, const char *op, const char *host)
{
	struct outcome o = { 0 };
	struct enf_location l = location(host);

	if (!strcmp(op, "isolate"))
		enf_isolate(p, &l, done, &o);
	else if (!strcmp(op, "release"))
		enf_release(p, &l, done, &o);
	else
		enf_check(p, &l, done, &o);
	/* Synchronous: called exactly once before returning. */
	assert_int_equal(o.calls, 1);
	return o;
}

static struct netlink_point_config
test_config(void)
{
	struct netlink_point_config c;
	char err[256];

	netlink_config_init(&c);
	assert_int_equal(netlink_config_set(&c, "remediation", "198.51.100.0/24, 2001:db8:99::/64",
					    err, sizeof(err)), 0);
	return c;
}

static struct enf_point *
make_point(const struct netlink_point_config *c)
{
	char err[256];
	struct enf_point *p = netlink_point_new(POINT, c, err, sizeof(err));

	if (p == NULL)
		fail_msg("netlink_point_new: %s", err);
	return p;
}

static void
counts(struct enf_point *p, unsigned *v4, unsigned *v6)
{
	char err[256];

	assert_int_equal(netlink_count_rules(p, v4, v6, err, sizeof(err)), 0);
}

/* Runs a shell command inside this process's private namespace. */
static void
sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("command failed: %s", cmd);
}

/* ---- config, no namespace needed ---- */

static void
test_config_keys(void **state)
{
	struct netlink_point_config c;
	char err[256];

	(void)state;
	netlink_config_init(&c);
	assert_int_equal(c.table, 254);
	assert_int_equal(c.priority_base, NETLINK_DEFAULT_PRIORITY_BASE);
	assert_int_equal(netlink_config_set(&c, "table", "4242", err, sizeof(err)), 0);
	assert_int_equal(c.table, 4242);
	assert_int_equal(netlink_config_set(&c, "priority_base", "500", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "priority_range", "4", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "protocol", "200", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "deny_action", "blackhole", err, sizeof(err)), 0);
	assert_int_equal(c.deny_action, NETLINK_DENY_BLACKHOLE);
	assert_int_equal(netlink_config_set(&c, "remove_extra", "yes", err, sizeof(err)), 0);
	assert_true(c.remove_extra);
	assert_int_equal(netlink_config_set(&c, "netns", "lab-router", err, sizeof(err)), 0);
	assert_string_equal(c.netns, "lab-router");
	assert_int_equal(netlink_config_set(&c, "remediation", "192.0.2.0/24,2001:db8::/32", err,
					    sizeof(err)), 0);
	assert_int_equal(c.n_remediation, 2);
	assert_int_equal(c.remediation[1].len, 32);
	assert_int_equal(netlink_config_validate(&c, err, sizeof(err)), 0);
}

static void
test_config_errors(void **state)
{
	struct netlink_point_config c;
	char err[256];

	(void)state;
	netlink_config_init(&c);
	assert_int_equal(netlink_config_set(&c, "table", "0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "table '0'"));
	assert_int_equal(netlink_config_set(&c, "priority_base", "32766", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "priority_range", "3", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "protocol", "2", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "protocol '2'"));
	assert_int_equal(netlink_config_set(&c, "deny_action", "drop", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "netns", "../etc", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "remediation", "192.0.2.1/24", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "192.0.2.1/24"));
	assert_int_equal(netlink_config_set(&c, "remediation", "not-an-address", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "colour", "blue", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "colour"));
	/* Base and range together must stay before main's rule at 32766. */
	assert_int_equal(netlink_config_set(&c, "priority_base", "32760", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "priority_range", "10", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "32760..32769"));
}

static void
test_prefix_parse(void **state)
{
	struct netlink_prefix p;

	(void)state;
	assert_int_equal(netlink_prefix_parse("10.1.2.3", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(netlink_prefix_parse("2001:db8::1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(netlink_prefix_parse("10.0.0.0/33", &p), -1);
	assert_int_equal(netlink_prefix_parse("2001:db8::/129", &p), -1);
	assert_int_equal(netlink_prefix_parse("/24", &p), -1);
}

static void
test_missing_netns(void **state)
{
	struct netlink_point_config c = test_config();
	char err[256];

	(void)state;
	assert_int_equal(netlink_config_set(&c, "netns", "cordon-nl-no-such-ns", err, sizeof(err)), 0);
	assert_null(netlink_point_new(POINT, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "/run/netns/cordon-nl-no-such-ns"));
}

/* ---- in the private namespace ---- */

static void
test_locate(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct outcome o = { 0 };
	struct enf_host h = { .ip = addr("10.71.1.10") };

	(void)state;
	assert_true(netlink_point_is(p));
	assert_string_equal(p->ops->kind, "netlink");
	enf_locate(p, &h, done, &o);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.res.status, ENF_OK);
	assert_string_equal(o.res.loc.point, POINT);
	assert_int_equal(o.res.loc.orig_vlan, -1);
	assert_int_equal(o.res.loc.quarantine_vlan, -1);
	assert_string_equal(o.res.loc.port, "");
	assert_non_null(strstr(o.res.loc.detail, "pref 9102 from 10.71.1.10 prohibit"));
	assert_non_null(strstr(o.res.loc.detail, "to 198.51.100.0/24 lookup 254"));

	/* The remediation server itself must stay reachable. */
	h.ip = addr("198.51.100.7");
	o.calls = 0;
	enf_locate(p, &h, done, &o);
	assert_int_equal(o.res.status, ENF_REFUSED);
	assert_non_null(strstr(o.res.message, "198.51.100.7"));
	h.ip = addr("224.0.0.1");
	enf_locate(p, &h, done, &o);
	assert_int_equal(o.res.status, ENF_BAD_REQUEST);
	enf_destroy(p);
}

static void
check_isolate_release(const char *host, unsigned per_host, bool v6)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct outcome o;
	unsigned v4n, v6n;

	o = run(p, "check", host);
	assert_int_equal(o.res.status, ENF_MISMATCH);

	o = run(p, "isolate", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "rules added"));
	assert_non_null(strstr(o.res.message, host));
	counts(p, &v4n, &v6n);
	assert_int_equal(v6 ? v6n : v4n, per_host);
	assert_int_equal(v6 ? v4n : v6n, 0);

	/* Twice: EXCL makes the kernel refuse the copies; one set stays. */
	o = run(p, "isolate", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "already isolated"));
	counts(p, &v4n, &v6n);
	assert_int_equal(v6 ? v6n : v4n, per_host);

	o = run(p, "check", host);
	assert_int_equal(o.res.status, ENF_OK);

	o = run(p, "release", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "rules removed"));
	counts(p, &v4n, &v6n);
	assert_int_equal(v4n + v6n, 0);

	o = run(p, "release", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "not isolated"));
	enf_destroy(p);
}

static void
test_isolate_release_v4(void **state)
{
	(void)state;
	check_isolate_release("10.71.1.10", 4, false);
}

static void
test_isolate_release_v6(void **state)
{
	(void)state;
	check_isolate_release("2001:db8:71:1::10", 4, true);
}

static void
test_rules_in_kernel(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	FILE *f;
	char line[256];
	int seen = 0;

	(void)state;
	assert_int_equal(run(p, "isolate", "10.71.1.11").res.status, ENF_OK);
	/* What `ip rule` shows: the layout of netlink.h, tagged with protocol 77. */
	f = popen("ip -4 rule show", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "10.71.1.11") == NULL)
			continue;
		assert_non_null(strstr(line, "proto 77"));
		if (!strncmp(line, "9100:\tfrom 10.71.1.11 to 198.51.100.0/24 lookup main", 52) ||
		    !strncmp(line, "9101:\tfrom 198.51.100.0/24 to 10.71.1.11 lookup main", 52) ||
		    !strncmp(line, "9102:\tfrom 10.71.1.11 prohibit", 30) ||
		    !strncmp(line, "9103:\tfrom all to 10.71.1.11 prohibit", 37))
			seen++;
		else
			fail_msg("unexpected rule: %s", line);
	}
	pclose(f);
	assert_int_equal(seen, 4);
	assert_int_equal(run(p, "release", "10.71.1.11").res.status, ENF_OK);
	enf_destroy(p);
}

static void
test_wrong_point(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct enf_location l = location("10.71.1.12");
	struct outcome o = { 0 };

	(void)state;
	snprintf(l.point, sizeof(l.point), "sw-core-1");
	enf_isolate(p, &l, done, &o);
	assert_int_equal(o.res.status, ENF_BAD_REQUEST);
	assert_non_null(strstr(o.res.message, "sw-core-1"));
	enf_destroy(p);
}

struct diffs {
	int missing, extra, duplicate, fixed;
};

static void
collect(void *arg, const struct netlink_diff *d)
{
	struct diffs *s = arg;

	if (d->kind == NETLINK_DIFF_MISSING)
		s->missing++;
	else if (d->kind == NETLINK_DIFF_EXTRA)
		s->extra++;
	else
		s->duplicate++;
	s->fixed += d->fixed;
	assert_non_null(strstr(d->message, d->rule));
}

static void
test_reconcile(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct enf_location st[3] = { location("10.71.1.20"), location("10.71.1.21"),
				      location("2001:db8:71:1::22") };
	struct netlink_reconcile_stats rs;
	struct diffs d = { 0 };
	unsigned v4n, v6n;
	char err[256];

	(void)state;
	/* Kernel: .20 fully, .21 missing one rule, .23 not in the state; .22 absent. */
	assert_int_equal(run(p, "isolate", "10.71.1.20").res.status, ENF_OK);
	assert_int_equal(run(p, "isolate", "10.71.1.21").res.status, ENF_OK);
	assert_int_equal(run(p, "isolate", "10.71.1.23").res.status, ENF_OK);
	sh("ip rule del pref 9103 to 10.71.1.21 prohibit");
	/* Not Cordon's (no protocol 77): never counted, never touched. */
	sh("ip rule add pref 9102 from 10.71.1.99 prohibit");
	assert_int_equal(run(p, "check", "10.71.1.21").res.status, ENF_MISMATCH);

	assert_int_equal(netlink_reconcile(p, st, 3, collect, &d, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.hosts, 3);
	assert_int_equal(rs.rules_expected, 12);
	assert_int_equal(rs.rules_found, 11);
	assert_int_equal(rs.missing, 5);      /* one of .21, four of .22 */
	assert_int_equal(rs.reinstalled, 5);
	assert_int_equal(rs.extra, 4);        /* .23's rules: reported, kept */
	assert_int_equal(rs.removed, 0);
	assert_int_equal(d.missing, 5);
	assert_int_equal(d.extra, 4);
	assert_int_equal(d.fixed, 5);
	counts(p, &v4n, &v6n);
	assert_int_equal(v4n, 12);
	assert_int_equal(v6n, 4);

	/* Again: nothing missing; with remove_extra the extra rules go. */
	enf_destroy(p);
	c.remove_extra = true;
	p = make_point(&c);
	memset(&d, 0, sizeof(d));
	assert_int_equal(netlink_reconcile(p, st, 3, collect, &d, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.missing, 0);
	assert_int_equal(rs.extra, 4);
	assert_int_equal(rs.removed, 4);
	counts(p, &v4n, &v6n);
	assert_int_equal(v4n, 8);
	assert_int_equal(v6n, 4);
	sh("ip rule show pref 9102 | grep -q 'from 10.71.1.99 prohibit'");

	/* Empty state with remove_extra: everything of Cordon's goes, the rest stays. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(netlink_reconcile(p, NULL, 0, collect, &d, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.removed, 12);
	counts(p, &v4n, &v6n);
	assert_int_equal(v4n + v6n, 0);
	sh("ip rule del pref 9102 from 10.71.1.99 prohibit");
	enf_destroy(p);
}

static void
test_deny_action_and_table(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p;
	char err[256];

	(void)state;
	assert_int_equal(netlink_config_set(&c, "deny_action", "blackhole", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "table", "4242", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "priority_base", "700", err, sizeof(err)), 0);
	p = make_point(&c);
	assert_int_equal(run(p, "isolate", "10.71.1.30").res.status, ENF_OK);
	sh("ip rule show pref 702 | grep -q 'from 10.71.1.30 blackhole'");
	sh("ip rule show pref 700 | grep -q 'lookup 4242'");
	assert_int_equal(run(p, "check", "10.71.1.30").res.status, ENF_OK);
	assert_int_equal(run(p, "release", "10.71.1.30").res.status, ENF_OK);
	sh("test -z \"$(ip rule show pref 702)\"");
	enf_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_missing_netns),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_isolate_release_v4),
		cmocka_unit_test(test_isolate_release_v6),
		cmocka_unit_test(test_rules_in_kernel),
		cmocka_unit_test(test_wrong_point),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test(test_deny_action_and_table),
	};
	int failed = cmocka_run_group_tests_name("netlink config", pure, NULL, NULL);

	if (unshare(CLONE_NEWNET) < 0) {
		perror("test_netlink_api: unshare(CLONE_NEWNET) (needs root); kernel tests skipped");
		return failed ? 1 : 77;
	}
	failed += cmocka_run_group_tests_name("netlink in a private namespace", kernel, NULL, NULL);
	return failed ? 1 : 0;
}
