/* SPDX-License-Identifier: ISC */
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

static struct netlink_counts
counts(struct enf_point *p)
{
	struct netlink_counts c;
	char err[256];

	assert_int_equal(netlink_count(p, &c, err, sizeof(err)), 0);
	return c;
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
	assert_int_equal(c.table, NETLINK_DEFAULT_TABLE);
	assert_int_equal(c.remediation_table, 254);
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
	assert_int_equal(prefix_bits(&c.remediation[1]), 32);
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
	/* Cordon's table must be its own: never main, and not the remediation table. */
	assert_int_equal(netlink_config_set(&c, "table", "254", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "main (254)"));
	assert_int_equal(netlink_config_set(&c, "table", "300", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_set(&c, "remediation_table", "300", err, sizeof(err)), 0);
	assert_int_equal(netlink_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "remediation_table 300"));
	netlink_config_init(&c);
	assert_int_equal(netlink_config_set(&c, "priority_base", "32766", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "priority_range", "3", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "protocol", "2", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "protocol '2'"));
	assert_int_equal(netlink_config_set(&c, "deny_action", "drop", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "netns", "../etc", err, sizeof(err)), -1);
	assert_int_equal(netlink_config_set(&c, "remediation", "192.0.2.1/24", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "192.0.2.1/24"));
	assert_non_null(strstr(err, "192.0.2.0/24"));   /* the network it meant */
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
	assert_non_null(strstr(o.res.loc.detail, "rule pref 9103 from 10.71.1.10 prohibit"));
	assert_non_null(strstr(o.res.loc.detail, "route prohibit 10.71.1.10 table 9100"));

	{
		char text[1024];
		unsigned n = netlink_describe(p, &h.ip, text, sizeof(text));

		assert_int_equal(n, 5);
		assert_string_equal(text, "rule pref 9100 to 198.51.100.0/24 lookup 254\n"
				    "rule pref 9101 from 198.51.100.0/24 lookup 254\n"
				    "rule pref 9102 lookup 9100\n"
				    "rule pref 9103 from 10.71.1.10 prohibit\n"
				    "route prohibit 10.71.1.10 table 9100\n");
	}

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
check_isolate_release(const char *host, bool v6)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct netlink_counts n;
	struct outcome o;

	o = run(p, "check", host);
	assert_int_equal(o.res.status, ENF_MISMATCH);

	o = run(p, "isolate", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "added '"));
	assert_non_null(strstr(o.res.message, host));
	/*
	 * Three shared rules (two for the remediation prefix, one to Cordon's
	 * table); IPv4: the host's rule and route, IPv6: its two routes.
	 */
	n = counts(p);
	assert_int_equal(v6 ? n.rules6 : n.rules4, v6 ? 3 : 4);
	assert_int_equal(v6 ? n.routes6 : n.routes4, v6 ? 2 : 1);
	assert_int_equal(v6 ? n.hosts6 : n.hosts4, 1);
	assert_int_equal(v6 ? n.rules4 + n.routes4 : n.rules6 + n.routes6, 0);

	/* Twice: EXCL makes the kernel refuse the copies; one set stays. */
	o = run(p, "isolate", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "already isolated"));
	n = counts(p);
	assert_int_equal(v6 ? n.rules6 : n.rules4, v6 ? 3 : 4);
	assert_int_equal(v6 ? n.routes6 : n.routes4, v6 ? 2 : 1);

	o = run(p, "check", host);
	assert_int_equal(o.res.status, ENF_OK);

	o = run(p, "release", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "removed '"));
	assert_non_null(strstr(o.res.message, "shared rules removed"));
	n = counts(p);
	assert_int_equal(n.rules4 + n.rules6 + n.routes4 + n.routes6, 0);

	o = run(p, "release", host);
	assert_int_equal(o.res.status, ENF_OK);
	assert_non_null(strstr(o.res.message, "not isolated"));
	enf_destroy(p);
}

static void
test_isolate_release_v4(void **state)
{
	(void)state;
	check_isolate_release("10.71.1.10", false);
}

static void
test_isolate_release_v6(void **state)
{
	(void)state;
	check_isolate_release("2001:db8:71:1::10", true);
}

static void
test_rules_in_kernel(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	static const char *const want[] = {
		"9100:\tfrom all to 198.51.100.0/24 lookup main proto 77",
		"9101:\tfrom 198.51.100.0/24 lookup main proto 77",
		"9102:\tfrom all lookup 9100 proto 77",
		"9103:\tfrom 10.71.1.11 prohibit proto 77",
	};
	FILE *f;
	char line[256];
	unsigned seen = 0, i;

	(void)state;
	assert_int_equal(run(p, "isolate", "10.71.1.11").res.status, ENF_OK);
	/* What `ip rule` shows: the layout of netlink.h, tagged with protocol 77. */
	f = popen("ip -4 rule show", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < 4; i++)
			if (!strcmp(line, want[i]))
				seen |= 1u << i;
		if (strstr(line, "proto 77") && !(seen & (1u << (line[3] - '0'))))
			fail_msg("unexpected rule: %s", line);
	}
	pclose(f);
	assert_int_equal(seen, 0xf);
	sh("test \"$(ip -4 route show table 9100)\" = \"prohibit 10.71.1.11 proto 77 \"");
	assert_int_equal(run(p, "release", "10.71.1.11").res.status, ENF_OK);
	sh("test -z \"$(ip -4 route show table 9100)\"");
	/* IPv6: the source is blocked by a source-specific route, no rule per host. */
	assert_int_equal(run(p, "isolate", "2001:db8:71:1::11").res.status, ENF_OK);
	sh("ip -6 route show table 9100 | grep -q '^prohibit default from 2001:db8:71:1::11 .*proto 77'");
	sh("ip -6 route show table 9100 | grep -q '^prohibit 2001:db8:71:1::11 .*proto 77'");
	sh("test \"$(ip -6 rule show | grep -c 'proto 77')\" = 3");
	assert_int_equal(run(p, "release", "2001:db8:71:1::11").res.status, ENF_OK);
	sh("test -z \"$(ip -6 route show table 9100)$(ip -6 rule show | grep 'proto 77')\"");
	enf_destroy(p);
}

static void
test_shared_rules_follow_last_host(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct netlink_counts n;

	(void)state;
	assert_int_equal(run(p, "isolate", "10.71.1.40").res.status, ENF_OK);
	assert_int_equal(run(p, "isolate", "10.71.1.41").res.status, ENF_OK);
	assert_int_equal(run(p, "isolate", "2001:db8:71:1::40").res.status, ENF_OK);
	n = counts(p);
	assert_int_equal(n.rules4, 5);
	assert_int_equal(n.routes4, 2);
	assert_int_equal(n.rules6, 3);
	assert_int_equal(n.routes6, 2);
	assert_int_equal(n.hosts4, 2);
	assert_int_equal(n.hosts6, 1);
	/* A shared rule removed behind Cordon's back is back with the next isolate. */
	sh("ip -4 rule del pref 9102 lookup 9100");
	assert_int_equal(run(p, "check", "10.71.1.40").res.status, ENF_MISMATCH);
	assert_int_equal(run(p, "isolate", "10.71.1.40").res.status, ENF_OK);
	sh("ip -4 rule show pref 9102 | grep -q 'lookup 9100 proto 77'");
	assert_int_equal(run(p, "check", "10.71.1.40").res.status, ENF_OK);
	/* A host remains: the shared rules stay. */
	assert_int_equal(run(p, "release", "10.71.1.40").res.status, ENF_OK);
	n = counts(p);
	assert_int_equal(n.rules4, 4);
	assert_int_equal(n.routes4, 1);
	/* A new point (a restarted daemon) learns the hosts from the kernel. */
	enf_destroy(p);
	p = make_point(&c);
	assert_int_equal(run(p, "release", "2001:db8:71:1::40").res.status, ENF_OK);
	n = counts(p);
	assert_int_equal(n.rules6 + n.routes6, 0);
	assert_int_equal(n.rules4, 4);
	assert_int_equal(run(p, "release", "10.71.1.41").res.status, ENF_OK);
	n = counts(p);
	assert_int_equal(n.rules4 + n.routes4, 0);
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
	assert_non_null(strstr(d->message, d->object));
}

static void
test_reconcile(void **state)
{
	struct netlink_point_config c = test_config();
	struct enf_point *p = make_point(&c);
	struct enf_location st[3] = { location("10.71.1.20"), location("10.71.1.21"),
				      location("2001:db8:71:1::22") };
	struct netlink_reconcile_stats rs;
	struct netlink_counts n;
	struct diffs d = { 0 };
	char err[256];

	(void)state;
	/* Kernel: .20 whole, .21 without its route, .23 not in the state; ::22 absent. */
	assert_int_equal(run(p, "isolate", "10.71.1.20").res.status, ENF_OK);
	assert_int_equal(run(p, "isolate", "10.71.1.21").res.status, ENF_OK);
	assert_int_equal(run(p, "isolate", "10.71.1.23").res.status, ENF_OK);
	sh("ip route del prohibit 10.71.1.21 table 9100");
	/* Not Cordon's (no protocol 77): never counted, never touched. */
	sh("ip rule add pref 9103 from 10.71.1.99 prohibit");
	assert_int_equal(run(p, "check", "10.71.1.21").res.status, ENF_MISMATCH);

	assert_int_equal(netlink_reconcile(p, st, 3, collect, &d, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.hosts, 3);
	assert_int_equal(rs.expected, 12);    /* per family 3 shared; 2 per host */
	assert_int_equal(rs.found, 8);        /* 3 shared + .20's 2 + .21's rule + .23's 2 */
	assert_int_equal(rs.missing, 6);      /* the route of .21; ::22 and its shared rules */
	assert_int_equal(rs.reinstalled, 6);
	assert_int_equal(rs.extra, 2);        /* .23's rule and route: reported, kept */
	assert_int_equal(rs.removed, 0);
	assert_int_equal(d.missing, 6);
	assert_int_equal(d.extra, 2);
	assert_int_equal(d.fixed, 6);
	n = counts(p);
	assert_int_equal(n.rules4, 6);
	assert_int_equal(n.routes4, 3);
	assert_int_equal(n.rules6, 3);
	assert_int_equal(n.routes6, 2);
	assert_int_equal(run(p, "check", "10.71.1.21").res.status, ENF_OK);
	assert_int_equal(run(p, "check", "2001:db8:71:1::22").res.status, ENF_OK);

	/* Again: nothing missing; with remove_extra the extra objects go. */
	enf_destroy(p);
	c.remove_extra = true;
	p = make_point(&c);
	memset(&d, 0, sizeof(d));
	assert_int_equal(netlink_reconcile(p, st, 3, collect, &d, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.missing, 0);
	assert_int_equal(rs.extra, 2);
	assert_int_equal(rs.removed, 2);
	n = counts(p);
	assert_int_equal(n.rules4, 5);
	assert_int_equal(n.routes4, 2);
	sh("ip rule show pref 9103 | grep -q 'from 10.71.1.99 prohibit'");

	/* Empty state with remove_extra: everything of Cordon's goes, the rest stays. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(netlink_reconcile(p, NULL, 0, collect, &d, &rs, err, sizeof(err)), 0);
	assert_int_equal(rs.removed, 12);
	n = counts(p);
	assert_int_equal(n.rules4 + n.rules6 + n.routes4 + n.routes6, 0);
	sh("ip rule del pref 9103 from 10.71.1.99 prohibit");
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
	sh("ip rule show pref 703 | grep -q 'from 10.71.1.30 blackhole proto 77'");
	sh("ip rule show pref 700 | grep -q 'to 198.51.100.0/24 lookup main'");
	sh("ip rule show pref 702 | grep -q 'lookup 4242'");
	sh("ip route show table 4242 | grep -q '^blackhole 10.71.1.30 proto 77'");
	assert_int_equal(run(p, "check", "10.71.1.30").res.status, ENF_OK);
	assert_int_equal(run(p, "release", "10.71.1.30").res.status, ENF_OK);
	sh("test -z \"$(ip rule show pref 703)$(ip route show table 4242)\"");
	enf_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_missing_netns),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_isolate_release_v4),
		cmocka_unit_test(test_isolate_release_v6),
		cmocka_unit_test(test_rules_in_kernel),
		cmocka_unit_test(test_shared_rules_follow_last_host),
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
