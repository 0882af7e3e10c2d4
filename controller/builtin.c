/* SPDX-License-Identifier: ISC */
/* builtin: the enforcement backends compiled into cordond. */
#include <stdio.h>

#include <stdbool.h>
#include <string.h>

#include "cordon.h"
#include "log.h"
#include "netlink.h"
#include "snmp.h"
#include "snmp_router.h"

/*
 * kind "netlink": every setting of the point's config group except name,
 * kind and prefixes goes to the backend's own parser (see docs/netlink.md).
 */
static int
netlink_parse(const struct conf_point *cp, struct netlink_point_config *nc, char *err,
    size_t errlen)
{
	char why[512];
	size_t i;

	netlink_config_init(nc);
	for (i = 0; i < cp->nparams; i++) {
		if (netlink_config_set(nc, cp->params[i].key, cp->params[i].value, why,
			sizeof(why)) != 0) {
			snprintf(err, errlen, "line %d: %s", cp->params[i].line, why);
			return -1;
		}
	}
	if (netlink_config_validate(nc, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

static int
check_netlink(const struct conf_point *cp, char *err, size_t errlen)
{
	struct netlink_point_config nc;

	return netlink_parse(cp, &nc, err, errlen);
}

static struct enf_point *
make_netlink(const struct conf_point *cp, struct loop *loop, char *err, size_t errlen)
{
	struct netlink_point_config nc;

	(void)loop;   /* netlink completes synchronously */
	if (netlink_parse(cp, &nc, err, errlen) != 0)
		return NULL;
	return netlink_point_new(cp->name, &nc, err, errlen);
}

/* The write probe's outcome: a read-only community is reported at once. */
static void
snmp_probe_done(void *arg, const struct enf_result *res)
{
	const char *name = arg;

	if (res->status == ENF_OK && res->apart == ENF_APART_NO)
		log_warnx("ALERT: switch %s: write probe ok, but quarantined hosts are not kept apart: "
		    "%s (docs/snmp.md, \"Quarantined hosts kept apart\")", name, res->message);
	else if (res->status == ENF_OK)
		log_info("switch %s: write probe ok: %s", name, res->message);
	else
		log_warnx("ALERT: switch %s: write probe failed (%s): %s", name,
		    enf_status_name(res->status), res->message);
}

static bool snmp_ready;

static void
snmp_shutdown(void)
{
	if (snmp_ready)
		snmpsw_global_shutdown();
	snmp_ready = false;
}

/*
 * kinds "snmp-qbridge", "snmp-cisco" and "snmp-auto" (the driver chosen from
 * the switch's sysObjectID): the point's settings go to the SNMP backend's
 * parser (see docs/snmp.md); errors never repeat a secret.
 */
int
builtin_snmp_config(const struct conf_point *cp, struct snmpsw_config *sc, char *err, size_t errlen)
{
	char why[512];
	size_t i;

	snmpsw_config_init(sc);
	snprintf(sc->name, sizeof(sc->name), "%s", cp->name);
	sc->driver = strcmp(cp->kind, "snmp-cisco") == 0 ? SNMPSW_DRIVER_CISCO
		   : strcmp(cp->kind, "snmp-auto") == 0 ? SNMPSW_DRIVER_AUTO : SNMPSW_DRIVER_QBRIDGE;
	for (i = 0; i < cp->nparams; i++) {
		if (strcmp(cp->params[i].key, "driver") == 0) {
			snprintf(err, errlen, "line %d: the driver follows from the kind (snmp-qbridge, snmp-cisco or snmp-auto)",
			    cp->params[i].line);
			return -1;
		}
		if (snmpsw_config_set(sc, cp->params[i].key, cp->params[i].value, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "line %d: %s", cp->params[i].line, why);
			return -1;
		}
	}
	if (snmpsw_config_check(sc, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

/* net-snmp's process-wide setup, once, for the first point or router. */
static int
snmp_global_ready(char *err, size_t errlen)
{
	char why[512], dir[300];

	if (snmp_ready)
		return 0;
	snprintf(dir, sizeof(dir), "%s/snmp", backends_state_dir());
	if (snmpsw_global_init(dir, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	snmp_ready = true;
	backend_on_shutdown(snmp_shutdown);
	return 0;
}

/* A network's router (networks: IP -> MAC), from its settings (conf.c checked them). */
static struct snmprt *
make_router(const struct conf_network *n, struct loop *loop, char *err, size_t errlen)
{
	struct snmprt_config rc;
	struct snmprt *r = NULL;

	if (conf_network_router(n, &rc, err, errlen) == 0 && snmp_global_ready(err, errlen) == 0)
		r = snmprt_new(loop, &rc, err, errlen);
	/* The router keeps its own copy of the secrets. */
	explicit_bzero(&rc, sizeof(rc));
	return r;
}

static int
check_snmp(const struct conf_point *cp, char *err, size_t errlen)
{
	struct snmpsw_config sc;
	int rc = builtin_snmp_config(cp, &sc, err, errlen);

	explicit_bzero(&sc, sizeof(sc));   /* holds the secrets */
	return rc;
}

static struct enf_point *
make_snmp(const struct conf_point *cp, struct loop *loop, char *err, size_t errlen)
{
	struct snmpsw_config sc;
	struct enf_point *p;

	if (builtin_snmp_config(cp, &sc, err, errlen) != 0 || snmp_global_ready(err, errlen) != 0) {
		explicit_bzero(&sc, sizeof(sc));
		return NULL;
	}
	/* `cp` is the daemon's own copy of the config: its name outlives the point. */
	p = snmpsw_point_new(loop, &sc, snmp_probe_done, (void *)cp->name,
	    err, errlen);
	/* The point keeps its own copy of the secrets; this one is not needed. */
	explicit_bzero(&sc, sizeof(sc));
	return p;
}

void
backends_register_builtin(void)
{
	backend_register("netlink", make_netlink, check_netlink);
	backend_register("snmp-qbridge", make_snmp, check_snmp);
	backend_register("snmp-cisco", make_snmp, check_snmp);
	backend_register("snmp-auto", make_snmp, check_snmp);
	router_register(make_router);
}
