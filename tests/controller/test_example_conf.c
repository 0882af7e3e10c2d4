/* SPDX-License-Identifier: ISC */
/*
 * controller/cordon.conf.example is a config an operator can start from:
 * conf_load accepts it, every enforcement point's kind is built into
 * cordond, and each point's own settings pass its backend's parser (which
 * `cordond -n` does not run: it would open sockets). Nothing here touches
 * the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cordon.h"
#include "netlink.h"
#include "snmp.h"
#include "snmp_router.h"

#ifndef EXAMPLE_CONF
#error "EXAMPLE_CONF must name controller/cordon.conf.example"
#endif

static void
check_netlink(const struct conf_point *cp)
{
	struct netlink_point_config nc;
	char why[512];
	size_t i;

	netlink_config_init(&nc);
	for (i = 0; i < cp->nparams; i++)
		if (netlink_config_set(&nc, cp->params[i].key, cp->params[i].value, why, sizeof(why)) != 0)
			fail_msg("%s line %d: %s", cp->name, cp->params[i].line, why);
	if (netlink_config_validate(&nc, why, sizeof(why)) != 0)
		fail_msg("%s: %s", cp->name, why);
	assert_true(nc.n_remediation > 0);
}

static void
check_snmp(const struct conf_point *cp)
{
	struct snmpsw_config sc;
	char why[512];
	size_t i;

	snmpsw_config_init(&sc);
	/* As builtin.c does: the name from the point, the driver from the kind. */
	assert_int_equal(snmpsw_config_set(&sc, "name", cp->name, why, sizeof(why)), 0);
	assert_int_equal(snmpsw_config_set(&sc, "driver",
	    strcmp(cp->kind, "snmp-cisco") == 0 ? "cisco" : "qbridge", why, sizeof(why)), 0);
	for (i = 0; i < cp->nparams; i++) {
		assert_string_not_equal(cp->params[i].key, "driver");
		if (snmpsw_config_set(&sc, cp->params[i].key, cp->params[i].value, why, sizeof(why)) != 0)
			fail_msg("%s line %d: %s", cp->name, cp->params[i].line, why);
	}
	if (snmpsw_config_check(&sc, why, sizeof(why)) != 0)
		fail_msg("%s: %s", cp->name, why);
	assert_int_equal(sc.quarantine_vlan, 999);
}

static void
test_example(void **state)
{
	struct cordon_conf *c = calloc(1, sizeof(*c));
	char err[1024];
	size_t i;
	bool seen_netlink = false, seen_qbridge = false, seen_cisco = false;

	(void)state;
	assert_non_null(c);
	if (conf_load(EXAMPLE_CONF, c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	backends_register_builtin();
	/* The example shows every kind cordond has. */
	for (i = 0; i < c->npoints; i++) {
		const struct conf_point *cp = &c->points[i];
		if (backend_find(cp->kind) == NULL)
			fail_msg("%s: kind '%s' is not built into cordond", cp->name, cp->kind);
		if (strcmp(cp->kind, "netlink") == 0) {
			check_netlink(cp);
			seen_netlink = true;
		} else if (strncmp(cp->kind, "snmp-", 5) == 0) {
			check_snmp(cp);
			seen_qbridge |= strcmp(cp->kind, "snmp-qbridge") == 0;
			seen_cisco |= strcmp(cp->kind, "snmp-cisco") == 0;
		} else {
			fail_msg("%s: no parser check for kind '%s'", cp->name, cp->kind);
		}
	}
	assert_true(seen_netlink && seen_qbridge && seen_cisco);
	/* The documented defaults are the ones it states. */
	assert_int_equal(c->max_per_minute, 10);
	assert_int_equal(c->probation_s, 3600);
	assert_false(c->dry_run);
	assert_false(c->engines[ENGINE_VSCAN].isolate);
	assert_int_equal(c->nverify, 1);
	/* The example network's router builds (conf_load checked its keys); cordond has the factory. */
	assert_int_equal(c->nnetworks, 1);
	assert_non_null(router_find());
	{
		struct snmprt_config rc;
		if (conf_network_router(&c->networks[0], &rc, err, sizeof(err)) != 0)
			fail_msg("network %s: %s", c->networks[0].name, err);
		assert_int_equal(rc.cache_ms, 30000);
		explicit_bzero(&rc, sizeof(rc));
	}
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
