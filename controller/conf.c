/* SPDX-License-Identifier: ISC */
#include "conf.h"

#include "sensor_config.h"
#include "snmp_router.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

void
conf_defaults(struct cordon_conf *c)
{
	int e;

	memset(c, 0, sizeof(*c));
	snprintf(c->state_path, sizeof(c->state_path), "/var/lib/cordon/state.db");
	if (gethostname(c->state_name, sizeof(c->state_name)) != 0 || c->state_name[0] == '\0')
		snprintf(c->state_name, sizeof(c->state_name), "cordond");
	c->state_name[sizeof(c->state_name) - 1] = '\0';
	/* An SNMP point's default request: 1 s, 3 attempts. */
	c->takeover_delay_s = 3;
	snprintf(c->control_path, sizeof(c->control_path), "/run/cordon/control.sock");
	snprintf(c->control_ro_path, sizeof(c->control_ro_path), "/run/cordon/control-ro.sock");
	c->control_mode = 0660;
	c->control_gid = (gid_t)-1;
	snprintf(c->http_listen, sizeof(c->http_listen), "127.0.0.1:8477");
	c->max_line = 8192;
	/* Well above a sensor's keepalive (an empty line every 60 s when it
	 * has nothing else to send: detectors/sensor/output.c). */
	c->sensor_idle_s = 300;
	c->sensor_handshake_s = 5;
	c->control_idle_s = 600;
	/* As many as a sensor or control listener holds (LOOP_MAX_CONNS): a
	 * console and a few scrapers need a handful. */
	c->http_max_conns = 256;
	detcfg_defaults(&c->det);
	for (e = 0; e < ENGINE_COUNT; e++) {
		c->engines[e].isolate = true;
		c->engines[e].min_probes = 0;
	}
	/* A vertical scan is a person or a tool looking at one host, not a worm
	 * spreading: recorded and reported, not isolated, unless configured. */
	c->engines[ENGINE_VSCAN].isolate = false;
	/* A busy host's contacts were answered: that is a notice for the
	 * operator, never evidence (docs/detectors.md). */
	c->engines[ENGINE_BUSY].isolate = false;
	c->max_per_minute = 10;
	c->retention_events_s = 30 * 86400;
	c->retention_audit_s = 365 * 86400;
	c->breaker_evidence_age_s = 300;
	c->max_attempts = 10;
	c->shared_port_approval = true;
	c->probation_s = 3600;
	c->retry_initial_s = 5;
	c->retry_max_s = 300;
	c->follow.interval_s = 60;
	c->follow.queue = 1024;
	c->console.session_idle_s = 1800;
	c->console.session_max_s = 12 * 3600;
	c->console.login_failures = 5;
	c->console.login_window_s = 300;
}

struct ctx {
	const char *path;
	char *err;
	size_t errlen;
};

static int
failf(struct ctx *x, const config_setting_t *st, const char *fmt, ...)
{
	va_list ap;
	int off;

	off = snprintf(x->err, x->errlen, "%s:%d: ", x->path,
	    st ? (int)config_setting_source_line(st) : 0);
	if (off < 0 || (size_t)off >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + off, x->errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -1;
}

/* Checks that every member of `grp` is one of `keys`. */
static int
known_keys(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *const *keys)
{
	int i, j;

	for (i = 0; i < config_setting_length(grp); i++) {
		const config_setting_t *st = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(st);
		if (name == NULL)
			continue;
		for (j = 0; keys[j] && strcmp(keys[j], name) != 0; j++)
			;
		if (keys[j] == NULL)
			return failf(x, st, "unknown setting '%s.%s'", section, name);
	}
	return 0;
}

static int
get_string(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *name, char *dst, size_t len, bool allow_empty)
{
	const config_setting_t *st = config_setting_get_member(grp, name);
	const char *v;

	if (st == NULL)
		return 0;
	v = config_setting_get_string(st);
	if (v == NULL)
		return failf(x, st, "%s.%s: expected a string", section, name);
	if ((!allow_empty && *v == '\0') || strlen(v) >= len)
		return failf(x, st, "%s.%s: '%s' must be 1 to %zu characters", section,
		    name, v, len - 1);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int
get_bool(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *name, bool *dst)
{
	const config_setting_t *st = config_setting_get_member(grp, name);

	if (st == NULL)
		return 0;
	if (config_setting_type(st) != CONFIG_TYPE_BOOL)
		return failf(x, st, "%s.%s: expected true or false", section, name);
	*dst = config_setting_get_bool(st) != 0;
	return 0;
}

/*
 * A float such as 30.0 is taken as a whole number, but only once it is known
 * to be finite and within [lo, hi]: converting inf, NaN or 1e300 to an integer
 * type is undefined behaviour, and the config file is operator input.
 */
static bool
whole_in_range(double f, uint32_t lo, uint32_t hi)
{
	return f >= (double)lo && f <= (double)hi && f == floor(f);
}

static int
get_uint(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *name, uint32_t lo, uint32_t hi, uint32_t *dst)
{
	const config_setting_t *st = config_setting_get_member(grp, name);
	long long v;

	if (st == NULL)
		return 0;
	if (config_setting_type(st) == CONFIG_TYPE_INT)
		v = config_setting_get_int(st);
	else if (config_setting_type(st) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(st);
	else if (config_setting_type(st) == CONFIG_TYPE_FLOAT &&
	    whole_in_range(config_setting_get_float(st), lo, hi))
		v = (long long)config_setting_get_float(st);
	else
		return failf(x, st, "%s.%s: expected a whole number from %u to %u",
		    section, name, lo, hi);
	if (v < lo || v > hi)
		return failf(x, st, "%s.%s: %lld is out of range (%u to %u)", section,
		    name, v, lo, hi);
	*dst = (uint32_t)v;
	return 0;
}

static int
get_prefixes(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *name, struct prefix *out, size_t *n)
{
	const config_setting_t *st = config_setting_get_member(grp, name);
	int i;

	*n = 0;
	if (st == NULL)
		return 0;
	if (!config_setting_is_aggregate(st) || config_setting_is_group(st))
		return failf(x, st, "%s.%s: expected a list of addresses or prefixes, e.g. [ \"10.0.0.1\", \"10.9.0.0/16\" ]",
		    section, name);
	for (i = 0; i < config_setting_length(st); i++) {
		const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
		const char *v = config_setting_get_string(e);
		char why[160];
		if (v == NULL)
			return failf(x, e, "%s.%s[%d]: expected a string", section, name, i);
		if (*n == CONF_MAX_PREFIXES)
			return failf(x, e, "%s.%s: at most %d entries", section, name, CONF_MAX_PREFIXES);
		if (prefix_parse(v, 0, &out[*n], why, sizeof(why)) != 0)
			return failf(x, e, "%s.%s: %s", section, name, why);
		(*n)++;
	}
	return 0;
}

static int
get_strings(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *name, char *out, size_t width, size_t max, size_t *n)
{
	const config_setting_t *st = config_setting_get_member(grp, name);
	int i;

	*n = 0;
	if (st == NULL)
		return 0;
	if (!config_setting_is_array(st) && !config_setting_is_list(st))
		return failf(x, st, "%s.%s: expected a list of strings", section, name);
	for (i = 0; i < config_setting_length(st); i++) {
		const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
		const char *v = config_setting_get_string(e);
		if (v == NULL || *v == '\0' || strlen(v) >= width)
			return failf(x, e, "%s.%s[%d]: expected a string of 1 to %zu characters",
			    section, name, i, width - 1);
		if (*n == max)
			return failf(x, e, "%s.%s: at most %zu entries", section, name, max);
		snprintf(out + *n * width, width, "%s", v);
		(*n)++;
	}
	return 0;
}

int
conf_parse_http_listen(const char *spec, char *addr, size_t addrlen,
    uint16_t *port, char *why, size_t whylen)
{
	const char *start = spec, *colon, *p;
	unsigned char bin[16];
	size_t alen;
	unsigned long v = 0;
	bool v6 = spec[0] == '[';

	if (v6) {
		const char *close = strchr(spec, ']');
		if (close == NULL || close[1] != ':') {
			snprintf(why, whylen, "'%s' must be [IPV6]:PORT, e.g. [::1]:8477", spec);
			return -1;
		}
		colon = close + 1;
		start = spec + 1;
		alen = (size_t)(close - start);
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			snprintf(why, whylen, "'%s' must be ADDRESS:PORT, e.g. 127.0.0.1:8477 or [::1]:8477 (\"\" turns it off)",
			    spec);
			return -1;
		}
		alen = (size_t)(colon - spec);
		if (memchr(spec, ':', alen) != NULL) {
			snprintf(why, whylen, "'%s': an IPv6 address goes in brackets, e.g. [::1]:8477", spec);
			return -1;
		}
	}
	if (alen == 0 || alen >= addrlen) {
		snprintf(why, whylen, "'%s' has no usable address", spec);
		return -1;
	}
	memcpy(addr, start, alen);
	addr[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1) {
		snprintf(why, whylen, "'%s' is not a numeric %s address (host names are not looked up)",
		    addr, v6 ? "IPv6" : "IPv4");
		return -1;
	}
	for (p = colon + 1; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == colon + 1 || *p != '\0' || v < 1 || v > 65535) {
		snprintf(why, whylen, "port '%s' is not a number from 1 to 65535", colon + 1);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

static int
load_daemon(struct ctx *x, const config_setting_t *g, struct cordon_conf *c)
{
	static const char *const keys[] = { "state", "control", "control_ro",
		"control_mode", "control_group", "http", "syslog", "user", "retention_events",
		"retention_audit", "control_idle_timeout", "http_max_connections", NULL };
	const config_setting_t *st;
	char buf[64];

	if (known_keys(x, g, "daemon", keys) ||
	    get_string(x, g, "daemon", "state", c->state_path, sizeof(c->state_path), false) ||
	    get_string(x, g, "daemon", "control", c->control_path, sizeof(c->control_path), false) ||
	    get_string(x, g, "daemon", "control_ro", c->control_ro_path, sizeof(c->control_ro_path), true) ||
	    get_string(x, g, "daemon", "http", c->http_listen, sizeof(c->http_listen), true) ||
	    get_bool(x, g, "daemon", "syslog", &c->use_syslog) ||
	    get_string(x, g, "daemon", "user", c->user, sizeof(c->user), false) ||
	    get_uint(x, g, "daemon", "retention_events", 0, 100u * 365 * 86400, &c->retention_events_s) ||
	    get_uint(x, g, "daemon", "retention_audit", 0, 100u * 365 * 86400, &c->retention_audit_s) ||
	    get_uint(x, g, "daemon", "control_idle_timeout", 0, 86400, &c->control_idle_s) ||
	    get_uint(x, g, "daemon", "http_max_connections", 1, 65536, &c->http_max_conns))
		return -1;
	if (c->state_path[0] != '/')
		return failf(x, config_setting_get_member(g, "state"),
		    "daemon.state: '%s' must be an absolute path", c->state_path);
	if (c->user[0]) {
		struct passwd *pw = getpwnam(c->user);
		if (pw == NULL)
			return failf(x, config_setting_get_member(g, "user"),
			    "daemon.user: no user named '%s'", c->user);
		if (pw->pw_uid == 0)
			return failf(x, config_setting_get_member(g, "user"),
			    "daemon.user: '%s' is root; leave the setting out to stay root", c->user);
		c->uid = pw->pw_uid;
		c->gid = pw->pw_gid;
	}
	if (c->http_listen[0]) {
		char addr[INET6_ADDRSTRLEN], why[256];
		uint16_t port;
		if (conf_parse_http_listen(c->http_listen, addr, sizeof(addr), &port, why, sizeof(why)) != 0)
			return failf(x, config_setting_get_member(g, "http"), "daemon.http: %s", why);
	}
	st = config_setting_get_member(g, "control_mode");
	if (st != NULL) {
		const char *v = config_setting_get_string(st);
		char *end;
		long m;
		if (v == NULL)
			return failf(x, st, "daemon.control_mode: expected an octal mode as a string, e.g. \"0660\"");
		m = strtol(v, &end, 8);
		if (*v == '\0' || *end != '\0' || m < 0 || m > 0777)
			return failf(x, st, "daemon.control_mode: '%s' is not an octal mode from 0000 to 0777", v);
		c->control_mode = (mode_t)m;
	}
	buf[0] = '\0';
	if (get_string(x, g, "daemon", "control_group", buf, sizeof(buf), false))
		return -1;
	if (buf[0]) {
		struct group *gr = getgrnam(buf);
		if (gr == NULL)
			return failf(x, config_setting_get_member(g, "control_group"),
			    "daemon.control_group: no group named '%s'", buf);
		c->control_gid = gr->gr_gid;
	}
	return 0;
}

static int
check_listen(struct ctx *x, const config_setting_t *g, const char *spec)
{
	if (strncmp(spec, "unix:/", 6) == 0)
		return 0;
	if ((strncmp(spec, "tcp:", 4) == 0 || strncmp(spec, "tls:", 4) == 0) && strrchr(spec + 4, ':') != NULL)
		return 0;
	return failf(x, config_setting_get_member(g, "listen"),
	    "sensors.listen: '%s' must be unix:/PATH, tls:ADDRESS:PORT or tcp:ADDRESS:PORT", spec);
}

static int
load_sensors(struct ctx *x, const config_setting_t *g, struct cordon_conf *c)
{
	static const char *const keys[] = { "listen", "max_line", "interfaces", "tls_certificate",
		"tls_key", "tls_ca", "idle_timeout", "handshake_timeout", NULL };
	const char *const tls[3][2] = { { "tls_certificate", c->sensor_tls_cert },
		{ "tls_key", c->sensor_tls_key }, { "tls_ca", c->sensor_tls_ca } };
	size_t i, ntls = 0, k;
	bool tls_listener = false;

	if (known_keys(x, g, "sensors", keys) ||
	    get_string(x, g, "sensors", "tls_certificate", c->sensor_tls_cert, sizeof(c->sensor_tls_cert), false) ||
	    get_string(x, g, "sensors", "tls_key", c->sensor_tls_key, sizeof(c->sensor_tls_key), false) ||
	    get_string(x, g, "sensors", "tls_ca", c->sensor_tls_ca, sizeof(c->sensor_tls_ca), false) ||
	    get_strings(x, g, "sensors", "listen", &c->sensor_listen[0][0],
		sizeof(c->sensor_listen[0]), CONF_MAX_LISTEN, &c->nsensor_listen) ||
	    get_strings(x, g, "sensors", "interfaces", &c->interfaces[0][0],
		sizeof(c->interfaces[0]), CONF_MAX_LISTEN, &c->ninterfaces) ||
	    get_uint(x, g, "sensors", "max_line", 256, 1048576, &c->max_line) ||
	    get_uint(x, g, "sensors", "idle_timeout", 0, 86400, &c->sensor_idle_s) ||
	    get_uint(x, g, "sensors", "handshake_timeout", 0, 3600, &c->sensor_handshake_s))
		return -1;
	for (i = 0; i < c->nsensor_listen; i++) {
		if (check_listen(x, g, c->sensor_listen[i]) != 0)
			return -1;
		tls_listener |= strncmp(c->sensor_listen[i], "tls:", 4) == 0;
	}
	for (k = 0; k < 3; k++) {
		if (!tls[k][1][0])
			continue;
		ntls++;
		if (access(tls[k][1], R_OK) != 0)
			return failf(x, config_setting_get_member(g, tls[k][0]), "sensors.%s: %s: %s",
			    tls[k][0], tls[k][1], strerror(errno));
	}
	if (tls_listener && ntls != 3)
		return failf(x, config_setting_get_member(g, "listen"),
		    "sensors.listen: a tls: listener needs sensors.tls_certificate, tls_key and tls_ca "
		    "(the CA that signs the sensors' certificates)");
	if (!tls_listener && ntls > 0)
		return failf(x, config_setting_get_member(g, tls[0][1][0] ? "tls_certificate" :
		    tls[1][1][0] ? "tls_key" : "tls_ca"),
		    "sensors: tls_certificate, tls_key and tls_ca are for tls: listeners, and there is none");
	return 0;
}

static int
load_policy(struct ctx *x, const config_setting_t *g, struct cordon_conf *c)
{
	static const char *const keys[] = { "engines", "protected", "approval",
		"max_isolations_per_minute", "breaker_evidence_age", "dry_run", "probation",
		"retry_initial", "retry_max", "max_attempts", "shared_port_approval", NULL };
	const config_setting_t *eng;
	int i;

	if (known_keys(x, g, "policy", keys) ||
	    get_prefixes(x, g, "policy", "protected", c->protected_, &c->nprotected) ||
	    get_prefixes(x, g, "policy", "approval", c->approval, &c->napproval) ||
	    get_uint(x, g, "policy", "max_isolations_per_minute", 1, 100000, &c->max_per_minute) ||
	    get_uint(x, g, "policy", "breaker_evidence_age", 1, 7 * 86400, &c->breaker_evidence_age_s) ||
	    get_bool(x, g, "policy", "dry_run", &c->dry_run) ||
	    get_uint(x, g, "policy", "probation", 0, 90 * 86400, &c->probation_s) ||
	    get_uint(x, g, "policy", "retry_initial", 1, 3600, &c->retry_initial_s) ||
	    get_uint(x, g, "policy", "retry_max", 1, 86400, &c->retry_max_s) ||
	    get_uint(x, g, "policy", "max_attempts", 1, 1000, &c->max_attempts) ||
	    get_bool(x, g, "policy", "shared_port_approval", &c->shared_port_approval))
		return -1;
	if (c->retry_max_s < c->retry_initial_s)
		return failf(x, config_setting_get_member(g, "retry_max"),
		    "policy.retry_max (%u) must be at least policy.retry_initial (%u)",
		    c->retry_max_s, c->retry_initial_s);
	eng = config_setting_get_member(g, "engines");
	if (eng == NULL)
		return 0;
	if (!config_setting_is_group(eng))
		return failf(x, eng, "policy.engines: expected a group { trw = { isolate = true; }; ... }");
	for (i = 0; i < config_setting_length(eng); i++) {
		static const char *const ekeys[] = { "isolate", "min_probes", NULL };
		const config_setting_t *st = config_setting_get_elem(eng, (unsigned)i);
		const char *name = config_setting_name(st);
		int e = det_engine_from_name(name);
		char section[64];
		if (e < 0)
			return failf(x, st, "policy.engines: unknown engine '%s' (" DET_ENGINE_LIST ")", name);
		if (!config_setting_is_group(st))
			return failf(x, st, "policy.engines.%s: expected a group { isolate = true; min_probes = 0; }", name);
		snprintf(section, sizeof(section), "policy.engines.%s", name);
		if (known_keys(x, st, section, ekeys) ||
		    get_bool(x, st, section, "isolate", &c->engines[e].isolate) ||
		    get_uint(x, st, section, "min_probes", 0, 1000000, &c->engines[e].min_probes))
			return -1;
		if (e == ENGINE_BUSY && c->engines[e].isolate)
			return failf(x, st, "policy.engines.busy: isolate = true refused: a busy notice "
			    "reports answered contacts, which are never evidence of a worm");
	}
	return 0;
}

static int
load_points(struct ctx *x, const config_setting_t *list, struct cordon_conf *c)
{
	int i, j;

	if (!config_setting_is_list(list))
		return failf(x, list, "enforcement: expected a list ( { name = ...; kind = ...; }, ... )");
	for (i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_point *p;
		size_t k;
		if (!config_setting_is_group(g))
			return failf(x, g, "enforcement[%d]: expected a group { name = ...; kind = ...; }", i);
		if (c->npoints == CONF_MAX_POINTS)
			return failf(x, g, "enforcement: at most %d points", CONF_MAX_POINTS);
		p = &c->points[c->npoints];
		memset(p, 0, sizeof(*p));
		p->line = (int)config_setting_source_line(g);
		if (get_string(x, g, "enforcement", "name", p->name, sizeof(p->name), false) ||
		    get_string(x, g, "enforcement", "kind", p->kind, sizeof(p->kind), false) ||
		    get_prefixes(x, g, "enforcement", "prefixes", p->prefixes, &p->nprefixes))
			return -1;
		if (p->name[0] == '\0')
			return failf(x, g, "enforcement[%d]: 'name' is required", i);
		if (p->kind[0] == '\0')
			return failf(x, g, "enforcement '%s': 'kind' is required", p->name);
		if (p->nprefixes == 0)
			return failf(x, g, "enforcement '%s': 'prefixes' is required (which hosts it serves)", p->name);
		for (k = 0; k < c->npoints; k++)
			if (strcmp(c->points[k].name, p->name) == 0)
				return failf(x, g, "enforcement: the name '%s' is used twice", p->name);
		for (j = 0; j < config_setting_length(g); j++) {
			const config_setting_t *st = config_setting_get_elem(g, (unsigned)j);
			const char *name = config_setting_name(st);
			struct conf_param *pa;
			if (strcmp(name, "name") == 0 || strcmp(name, "kind") == 0 ||
			    strcmp(name, "prefixes") == 0)
				continue;
			if (p->nparams == CONF_MAX_PARAMS)
				return failf(x, st, "enforcement '%s': at most %d settings", p->name, CONF_MAX_PARAMS);
			pa = &p->params[p->nparams];
			if (strlen(name) >= sizeof(pa->key) ||
			    sensor_config_setting_text(st, pa->value, sizeof(pa->value)) != 0)
				return failf(x, st, "enforcement '%s'.%s: expected a number, a string, a boolean or a list of them",
				    p->name, name);
			snprintf(pa->key, sizeof(pa->key), "%s", name);
			pa->line = (int)config_setting_source_line(st);
			p->nparams++;
		}
		c->npoints++;
	}
	return 0;
}

/* ---- networks: identity (IP -> MAC) --------------------------------------- */

/* conf_network_router with the offending line apart (the router group's for the whole). */
static int
router_config(const struct conf_network *n, struct snmprt_config *out, int *line, char *why,
    size_t whylen)
{
	size_t i;

	snmprt_config_init(out);
	snprintf(out->sw.name, sizeof(out->sw.name), "%s", n->name);
	for (i = 0; i < n->nrouter; i++) {
		*line = n->router[i].line;
		if (strcmp(n->router[i].key, "name") == 0) {
			snprintf(why, whylen, "name: the router is named after its network");
			return -1;
		}
		if (snmprt_config_set(out, n->router[i].key, n->router[i].value, why, whylen) != 0)
			return -1;
	}
	*line = n->router_line;
	return snmprt_config_check(out, why, whylen);
}

int
conf_network_router(const struct conf_network *n, struct snmprt_config *out, char *err,
    size_t errlen)
{
	char why[400];
	int line = 0;

	if (router_config(n, out, &line, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "line %d: %s", line, why);
		return -1;
	}
	return 0;
}

static int
load_networks(struct ctx *x, const config_setting_t *list, struct cordon_conf *c)
{
	static const char *const keys[] = { "name", "prefixes", "router", "segment_sensors", NULL };
	int i, j;

	if (!config_setting_is_list(list))
		return failf(x, list, "networks: expected a list ( { name = ...; prefixes = [...]; router = { ... }; }, ... )");
	for (i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		const config_setting_t *rt;
		struct conf_network *n;
		struct snmprt_config rc;
		char why[400];
		size_t k;
		int line = 0;
		bool bad;
		if (!config_setting_is_group(g))
			return failf(x, g, "networks[%d]: expected a group { name = ...; prefixes = [...]; }", i);
		if (c->nnetworks == CONF_MAX_NETWORKS)
			return failf(x, g, "networks: at most %d networks", CONF_MAX_NETWORKS);
		n = &c->networks[c->nnetworks];
		memset(n, 0, sizeof(*n));
		n->line = (int)config_setting_source_line(g);
		if (known_keys(x, g, "networks", keys) ||
		    get_string(x, g, "networks", "name", n->name, sizeof(n->name), false) ||
		    get_prefixes(x, g, "networks", "prefixes", n->prefixes, &n->nprefixes) ||
		    get_strings(x, g, "networks", "segment_sensors", &n->segment_sensors[0][0],
			sizeof(n->segment_sensors[0]), CONF_MAX_SEGMENT_SENSORS, &n->nsegment_sensors))
			return -1;
		if (n->name[0] == '\0')
			return failf(x, g, "networks[%d]: 'name' is required", i);
		if (n->nprefixes == 0)
			return failf(x, g, "network '%s': 'prefixes' is required (the addresses it holds)", n->name);
		for (k = 0; k < c->nnetworks; k++)
			if (strcmp(c->networks[k].name, n->name) == 0)
				return failf(x, g, "networks: the name '%s' is used twice", n->name);
		rt = config_setting_get_member(g, "router");
		if (rt != NULL) {
			if (!config_setting_is_group(rt))
				return failf(x, rt, "network '%s'.router: expected a group { address = ...; community = ...; }",
				    n->name);
			n->router_line = (int)config_setting_source_line(rt);
			for (j = 0; j < config_setting_length(rt); j++) {
				const config_setting_t *st = config_setting_get_elem(rt, (unsigned)j);
				const char *name = config_setting_name(st);
				struct conf_param *pa;
				if (n->nrouter == CONF_MAX_PARAMS)
					return failf(x, st, "network '%s'.router: at most %d settings", n->name, CONF_MAX_PARAMS);
				pa = &n->router[n->nrouter];
				if (strlen(name) >= sizeof(pa->key) ||
				    sensor_config_setting_text(st, pa->value, sizeof(pa->value)) != 0)
					return failf(x, st, "network '%s'.router.%s: expected a number, a string or a boolean",
					    n->name, name);
				snprintf(pa->key, sizeof(pa->key), "%s", name);
				pa->line = (int)config_setting_source_line(st);
				n->nrouter++;
			}
			if (n->nrouter == 0)
				return failf(x, rt, "network '%s'.router: address and credentials are required", n->name);
			/* Checked here, so that `cordond -n` refuses what the router would. */
			bad = router_config(n, &rc, &line, why, sizeof(why)) != 0;
			explicit_bzero(&rc, sizeof(rc));
			if (bad) {
				snprintf(x->err, x->errlen, "%s:%d: network '%s'.router.%s", x->path, line,
				    n->name, why);
				return -1;
			}
		}
		c->nnetworks++;
	}
	return 0;
}

static int
load_verify(struct ctx *x, const config_setting_t *list, struct cordon_conf *c)
{
	static const char *const keys[] = { "prefixes", "command", "interval", "timeout", NULL };
	int i;

	if (!config_setting_is_list(list))
		return failf(x, list, "verification: expected a list ( { prefixes = [...]; command = \"...\"; }, ... )");
	for (i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_verify *v;
		if (!config_setting_is_group(g))
			return failf(x, g, "verification[%d]: expected a group", i);
		if (c->nverify == CONF_MAX_VERIFY)
			return failf(x, g, "verification: at most %d rules", CONF_MAX_VERIFY);
		v = &c->verify[c->nverify];
		memset(v, 0, sizeof(*v));
		v->interval_s = 300;
		v->timeout_s = 30;
		if (known_keys(x, g, "verification", keys) ||
		    get_prefixes(x, g, "verification", "prefixes", v->prefixes, &v->nprefixes) ||
		    get_string(x, g, "verification", "command", v->command, sizeof(v->command), false) ||
		    get_uint(x, g, "verification", "interval", 1, 86400, &v->interval_s) ||
		    get_uint(x, g, "verification", "timeout", 1, 3600, &v->timeout_s))
			return -1;
		if (v->command[0] == '\0' || v->command[0] != '/')
			return failf(x, g, "verification[%d]: 'command' must be an absolute path with arguments", i);
		if (v->nprefixes == 0)
			return failf(x, g, "verification[%d]: 'prefixes' is required", i);
		c->nverify++;
	}
	return 0;
}

/* A secret: checked like get_string, but its value never goes into a message. */
static int
get_secret(struct ctx *x, const config_setting_t *grp, const char *section,
    const char *name, char *dst, size_t len, size_t min)
{
	const config_setting_t *st = config_setting_get_member(grp, name);
	const char *v;

	if (st == NULL)
		return 0;
	v = config_setting_get_string(st);
	if (v == NULL)
		return failf(x, st, "%s.%s: expected a string", section, name);
	if (strlen(v) < min || strlen(v) >= len)
		return failf(x, st, "%s.%s: must be %zu to %zu characters (the value is not shown)",
		    section, name, min, len - 1);
	snprintf(dst, len, "%s", v);
	return 0;
}

/* An account's name: letters, digits, '.', '_', '-'; 1 to 32 of them. */
static bool
account_name_ok(const char *v)
{
	size_t n = strlen(v);

	return n >= 1 && n <= 32 &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int
load_accounts(struct ctx *x, const config_setting_t *list, const char *what, bool token,
    struct conf_console *cc)
{
	static const char *const ukeys[] = { "name", "role", "password", NULL };
	static const char *const tkeys[] = { "name", "role", "sha256", NULL };
	int i;

	if (!config_setting_is_list(list))
		return failf(x, list, "console.%s: expected a list ( { name = \"...\"; role = \"viewer\"; %s }, ... )",
		    what, token ? "sha256 = \"...\";" : "password = \"$y$...\";");
	for (i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct conf_account *acc;
		char section[64], role[16] = "", why[300];
		size_t j;

		snprintf(section, sizeof(section), "console.%s[%d]", what, i);
		if (!config_setting_is_group(g))
			return failf(x, g, "%s: expected a group", section);
		if (cc->naccounts == CONF_MAX_ACCOUNTS)
			return failf(x, g, "console: at most %d users and tokens in all", CONF_MAX_ACCOUNTS);
		acc = &cc->accounts[cc->naccounts];
		memset(acc, 0, sizeof(*acc));
		acc->token = token;
		acc->line = (int)config_setting_source_line(g);
		if (known_keys(x, g, section, token ? tkeys : ukeys) ||
		    get_string(x, g, section, "name", acc->name, sizeof(acc->name), false) ||
		    get_string(x, g, section, "role", role, sizeof(role), false) ||
		    get_secret(x, g, section, token ? "sha256" : "password", acc->secret,
			sizeof(acc->secret), 1))
			return -1;
		if (!acc->name[0])
			return failf(x, g, "%s: 'name' is required", section);
		if (!account_name_ok(acc->name))
			return failf(x, config_setting_get_member(g, "name"),
			    "%s.name: '%s' must be 1 to 32 letters, digits, '.', '_' or '-'", section, acc->name);
		for (j = 0; j < cc->naccounts; j++)
			if (strcmp(cc->accounts[j].name, acc->name) == 0)
				return failf(x, config_setting_get_member(g, "name"),
				    "%s.name: '%s' is also the name of the %s at line %d", section, acc->name,
				    cc->accounts[j].token ? "token" : "user", cc->accounts[j].line);
		if (strcmp(role, "viewer") == 0)
			acc->role = CONF_ROLE_VIEWER;
		else if (strcmp(role, "operator") == 0)
			acc->role = CONF_ROLE_OPERATOR;
		else
			return failf(x, role[0] ? config_setting_get_member(g, "role") : g,
			    "%s.role: '%s' is not a role (viewer: reads; operator: reads and acts)", section, role);
		if (!acc->secret[0])
			return failf(x, g, "%s: '%s' is required", section, token ? "sha256" : "password");
		if (token) {
			size_t n = strlen(acc->secret);
			if (n != SECRET_SHA256_HEX - 1 || strspn(acc->secret, "0123456789abcdef") != n)
				return failf(x, config_setting_get_member(g, "sha256"),
				    "%s.sha256: not a SHA-256 in 64 lowercase hex digits (the value is not shown); "
				    "'cordonctl new-token' makes a token and its digest", section);
		} else if (secret_hash_usable(acc->secret, why, sizeof(why)) != 0) {
			return failf(x, config_setting_get_member(g, "password"),
			    "%s.password: %s (the value is not shown)", section, why);
		}
		cc->naccounts++;
	}
	return 0;
}

static int
load_console(struct ctx *x, const config_setting_t *g, struct cordon_conf *c)
{
	static const char *const keys[] = { "users", "tokens", "hostnames", "public_url", "session_idle",
		"session_max", "login_failures", "login_window", "tls_certificate", "tls_key", NULL };
	struct conf_console *cc = &c->console;
	const config_setting_t *st;
	size_t i;

	if (!config_setting_is_group(g))
		return failf(x, g, "console: expected a group { users = ( ... ); tokens = ( ... ); }");
	if (known_keys(x, g, "console", keys) ||
	    get_uint(x, g, "console", "session_idle", 60, 86400, &cc->session_idle_s) ||
	    get_uint(x, g, "console", "session_max", 60, 30 * 86400, &cc->session_max_s) ||
	    get_uint(x, g, "console", "login_failures", 1, 1000, &cc->login_failures) ||
	    get_uint(x, g, "console", "login_window", 1, 86400, &cc->login_window_s) ||
	    get_strings(x, g, "console", "hostnames", &cc->hostnames[0][0], sizeof(cc->hostnames[0]),
		CONF_MAX_HOSTNAMES, &cc->nhostnames) ||
	    get_string(x, g, "console", "public_url", cc->public_url, sizeof(cc->public_url), true) ||
	    get_string(x, g, "console", "tls_certificate", cc->tls_certificate, sizeof(cc->tls_certificate), false) ||
	    get_string(x, g, "console", "tls_key", cc->tls_key, sizeof(cc->tls_key), false))
		return -1;
	if (!cc->tls_certificate[0] != !cc->tls_key[0])
		return failf(x, config_setting_get_member(g, cc->tls_key[0] ? "tls_key" : "tls_certificate"),
		    "console.%s: tls_certificate and tls_key go together (PEM files; both or neither)",
		    cc->tls_key[0] ? "tls_key" : "tls_certificate");
	{
		const char *const tls[2][2] = { { "tls_certificate", cc->tls_certificate },
			{ "tls_key", cc->tls_key } };
		for (size_t k = 0; k < 2; k++)
			if (tls[k][1][0] && access(tls[k][1], R_OK) != 0)
				return failf(x, config_setting_get_member(g, tls[k][0]), "console.%s: %s: %s",
				    tls[k][0], tls[k][1], strerror(errno));
	}
	if (cc->public_url[0]) {
		const char *u = cc->public_url, *hp = strstr(u, "://");
		size_t n = hp ? strlen(hp + 3) : 0;
		if (hp == NULL || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) || n == 0 ||
		    strspn(hp + 3, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != n)
			return failf(x, config_setting_get_member(g, "public_url"),
			    "console.public_url: '%s' is not SCHEME://HOST[:PORT] (http or https, no path), "
			    "e.g. \"https://noc.example.net\"", u);
	}
	for (i = 0; i < cc->nhostnames; i++) {
		const char *h = cc->hostnames[i];
		size_t n = strlen(h);
		unsigned char bin[16];
		bool name = n > 0 && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n &&
		    h[0] != '-' && h[0] != '.';
		if (!name && inet_pton(AF_INET6, h, bin) != 1)
			return failf(x, config_setting_get_elem(config_setting_get_member(g, "hostnames"),
			    (unsigned)i), "console.hostnames[%zu]: '%s' is not a host name or address "
			    "(no port, no scheme; IPv6 without brackets)", i, h);
	}
	if ((st = config_setting_get_member(g, "users")) && load_accounts(x, st, "users", false, cc))
		return -1;
	if ((st = config_setting_get_member(g, "tokens")) && load_accounts(x, st, "tokens", true, cc))
		return -1;
	return 0;
}

static int
load_follow(struct ctx *x, const config_setting_t *g, struct cordon_conf *c)
{
	static const char *const keys[] = { "interval", "queue", "listen", "community",
		"v3_user", "v3_auth_pass", "v3_priv_pass", "v3_engine_ids", NULL };
	struct conf_follow *f = &c->follow;
	const config_setting_t *listen = config_setting_get_member(g, "listen");
	size_t i;

	f->line = (int)config_setting_source_line(g);
	if (!config_setting_is_group(g))
		return failf(x, g, "follow: expected a group { interval = 60; listen = \"ADDRESS:PORT\"; ... }");
	if (known_keys(x, g, "follow", keys) ||
	    get_uint(x, g, "follow", "interval", 0, 86400, &f->interval_s) ||
	    get_uint(x, g, "follow", "queue", 1, 65536, &f->queue) ||
	    get_string(x, g, "follow", "listen", f->listen, sizeof(f->listen), true) ||
	    get_secret(x, g, "follow", "community", f->community, sizeof(f->community), 1) ||
	    get_string(x, g, "follow", "v3_user", f->v3_user, sizeof(f->v3_user), false) ||
	    get_secret(x, g, "follow", "v3_auth_pass", f->v3_auth_pass, sizeof(f->v3_auth_pass), 8) ||
	    get_secret(x, g, "follow", "v3_priv_pass", f->v3_priv_pass, sizeof(f->v3_priv_pass), 8) ||
	    get_strings(x, g, "follow", "v3_engine_ids", &f->v3_engine_ids[0][0],
		sizeof(f->v3_engine_ids[0]), CONF_MAX_ENGINE_IDS, &f->nv3_engine_ids))
		return -1;
	for (i = 0; i < f->nv3_engine_ids; i++) {
		const char *e = f->v3_engine_ids[i];
		size_t n = strlen(e);
		if (n < 10 || n > 64 || n % 2 != 0 || strspn(e, "0123456789abcdefABCDEF") != n)
			return failf(x, config_setting_get_elem(config_setting_get_member(g, "v3_engine_ids"),
			    (unsigned)i), "follow.v3_engine_ids[%zu]: '%s' is not an engine ID "
			    "(10 to 64 hex digits, 5 to 32 octets)", i, e);
	}
	if ((f->v3_auth_pass[0] || f->v3_priv_pass[0] || f->nv3_engine_ids) && !f->v3_user[0])
		return failf(x, g, "follow: v3_auth_pass, v3_priv_pass and v3_engine_ids need v3_user");
	if (f->v3_user[0] && (!f->v3_auth_pass[0] || !f->v3_priv_pass[0]))
		return failf(x, config_setting_get_member(g, "v3_user"),
		    "follow.v3_user '%s': v3_auth_pass and v3_priv_pass are required (authPriv, SHA/AES)",
		    f->v3_user);
	if (f->listen[0]) {
		char addr[INET6_ADDRSTRLEN], why[256];
		uint16_t port;
		if (conf_parse_http_listen(f->listen, addr, sizeof(addr), &port, why, sizeof(why)) != 0)
			return failf(x, listen, "follow.listen: %s", why);
		if (!f->community[0] && !f->v3_user[0])
			return failf(x, listen, "follow.listen '%s': needs community or v3_user (whom to accept notifications from)",
			    f->listen);
	} else if (f->community[0] || f->v3_user[0]) {
		return failf(x, g, "follow: community and v3_user are for the notification listener: set follow.listen too");
	}
	return 0;
}

/* Whether some enforcement point has an `address` (an SNMP switch's). */
static bool
any_point_address(const struct cordon_conf *c)
{
	size_t i, j;

	for (i = 0; i < c->npoints; i++)
		for (j = 0; j < c->points[i].nparams; j++)
			if (strcmp(c->points[i].params[j].key, "address") == 0)
				return true;
	return false;
}

/*
 * libconfig frees its strings without clearing them: the enforcement points'
 * settings (communities, SNMPv3 pass phrases) are cleared in place first.
 * (The parser's own read buffers are libconfig's and are not reached.)
 */
static void
wipe_setting_strings(config_setting_t *st)
{
	int i, n;

	if (st == NULL)
		return;
	if (config_setting_type(st) == CONFIG_TYPE_STRING) {
		char *v = (char *)config_setting_get_string(st);
		if (v != NULL)
			explicit_bzero(v, strlen(v));
		return;
	}
	n = config_setting_length(st);
	for (i = 0; i < n; i++)
		wipe_setting_strings(config_setting_get_elem(st, (unsigned)i));
}

static void
wipe_enforcement_strings(config_t *cfg)
{
	wipe_setting_strings(config_lookup(cfg, "networks"));
	wipe_setting_strings(config_lookup(cfg, "enforcement"));
	wipe_setting_strings(config_lookup(cfg, "follow"));
}

void
conf_wipe_follow_secrets(struct cordon_conf *c)
{
	explicit_bzero(c->follow.community, sizeof(c->follow.community));
	explicit_bzero(c->follow.v3_auth_pass, sizeof(c->follow.v3_auth_pass));
	explicit_bzero(c->follow.v3_priv_pass, sizeof(c->follow.v3_priv_pass));
}

void
conf_wipe_point_settings(struct cordon_conf *c)
{
	size_t i;

	for (i = 0; i < c->npoints; i++) {
		explicit_bzero(c->points[i].params, sizeof(c->points[i].params));
		c->points[i].nparams = 0;
	}
	for (i = 0; i < c->nnetworks; i++) {
		explicit_bzero(c->networks[i].router, sizeof(c->networks[i].router));
		c->networks[i].nrouter = 0;
	}
}

/* state { backend; path; conninfo; }: where the registry keeps its records. */
static int
load_state(struct ctx *x, const config_setting_t *g, const config_setting_t *daemon,
    struct cordon_conf *c)
{
	static const char *const keys[] = { "backend", "path", "conninfo", "name", "takeover_delay",
		NULL };
	const config_setting_t *st;
	char backend[16] = "sqlite";
	char why[256];

	if (known_keys(x, g, "state", keys) ||
	    get_string(x, g, "state", "backend", backend, sizeof(backend), false) ||
	    get_string(x, g, "state", "path", c->state_path, sizeof(c->state_path), false) ||
	    get_string(x, g, "state", "name", c->state_name, sizeof(c->state_name), false) ||
	    get_uint(x, g, "state", "takeover_delay", 0, 60, &c->takeover_delay_s))
		return -1;
	if (config_setting_get_member(g, "path") && daemon && config_setting_get_member(daemon, "state"))
		return failf(x, config_setting_get_member(g, "path"),
		    "state.path: daemon.state says the same; keep one of them");
	if (c->state_path[0] != '/')
		return failf(x, config_setting_get_member(g, "path"),
		    "state.path: '%s' must be an absolute path", c->state_path);
	if (strcmp(backend, "sqlite") == 0)
		c->state_backend = CONF_STATE_SQLITE;
	else if (strcmp(backend, "postgresql") == 0)
		c->state_backend = CONF_STATE_POSTGRESQL;
	else
		return failf(x, config_setting_get_member(g, "backend"),
		    "state.backend: '%s' is not a backend (sqlite, postgresql)", backend);
	st = config_setting_get_member(g, "conninfo");
	if (st == NULL) {
		if (c->state_backend == CONF_STATE_POSTGRESQL)
			return failf(x, g, "state: backend \"postgresql\" needs conninfo, libpq's"
			    " connection string (e.g. \"host=db1 dbname=cordon user=cordon\")");
		return 0;
	}
	/* Never echoed: it may hold a password. */
	const char *v = config_setting_get_string(st);
	if (v == NULL)
		return failf(x, st, "state.conninfo: expected a string");
	if (c->state_backend != CONF_STATE_POSTGRESQL)
		return failf(x, st, "state.conninfo: only for backend \"postgresql\"");
	if (*v == '\0' || strlen(v) >= sizeof(c->state_conninfo))
		return failf(x, st, "state.conninfo: must be 1 to %zu characters",
		    sizeof(c->state_conninfo) - 1);
	if (db_conninfo_check(v, why, sizeof(why)) != 0)
		return failf(x, st, "state.conninfo: %s", why);
	snprintf(c->state_conninfo, sizeof(c->state_conninfo), "%s", v);
	return 0;
}

int
conf_load(const char *path, struct cordon_conf *c, char *err, size_t errlen)
{
	static const char *const sections[] = { "daemon", "state", "sensors", "detectors",
		"policy", "enforcement", "verification", "follow", "networks", "console", NULL };
	struct ctx x = { path, err, errlen };
	config_t cfg;
	const config_setting_t *root, *st;
	FILE *f;
	int rc = -1;
	char msg[512];

	conf_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	config_init(&cfg);
	if (config_read(&cfg, f) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
		    config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	if (known_keys(&x, root, "(top level)", sections) != 0)
		goto out;
	if ((st = config_lookup(&cfg, "daemon")) && load_daemon(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "state")) &&
	    load_state(&x, st, config_lookup(&cfg, "daemon"), c))
		goto out;
	if ((st = config_lookup(&cfg, "sensors")) && load_sensors(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "detectors")) &&
	    sensor_config_detectors(st, path, &c->det, err, errlen) != 0)
		goto out;
	if ((st = config_lookup(&cfg, "policy")) && load_policy(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "enforcement")) && load_points(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "networks")) && load_networks(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "verification")) && load_verify(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "follow")) && load_follow(&x, st, c))
		goto out;
	if ((st = config_lookup(&cfg, "console")) && load_console(&x, st, c))
		goto out;
	if (c->follow.listen[0] && !any_point_address(c)) {
		failf(&x, config_setting_get_member(config_lookup(&cfg, "follow"), "listen"),
		    "follow.listen: no enforcement point has an address to take notifications from");
		goto out;
	}
	if (detcfg_validate(&c->det, msg, sizeof(msg)) != 0) {
		failf(&x, config_lookup(&cfg, "detectors"), "detectors: %s", msg);
		goto out;
	}
	rc = 0;
out:
	wipe_enforcement_strings(&cfg);
	config_destroy(&cfg);
	fclose(f);
	return rc;
}

const struct prefix *
conf_match(const struct prefix *list, size_t n, const struct ip_addr *ip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&list[i], ip))
			return &list[i];
	return NULL;
}

/* The length of the longest of `n` prefixes that holds `ip`, or -1. */
static int
longest_match(const struct prefix *list, size_t n, const struct ip_addr *ip)
{
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&list[i], ip) && (int)list[i].len > best)
			best = (int)list[i].len;
	return best;
}

const struct conf_point *
conf_point_for(const struct cordon_conf *c, const struct ip_addr *ip)
{
	const struct conf_point *best = NULL;
	int best_len = -1;
	size_t i;

	/* The most specific prefix wins; between equals, the first. */
	for (i = 0; i < c->npoints; i++) {
		int len = longest_match(c->points[i].prefixes, c->points[i].nprefixes, ip);
		if (len > best_len) {
			best = &c->points[i];
			best_len = len;
		}
	}
	return best;
}

const struct conf_point *
conf_point_named(const struct cordon_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->npoints; i++)
		if (strcmp(c->points[i].name, name) == 0)
			return &c->points[i];
	return NULL;
}

const struct conf_network *
conf_network_for(const struct cordon_conf *c, const struct ip_addr *ip)
{
	const struct conf_network *best = NULL;
	int best_len = -1;
	size_t i;

	for (i = 0; i < c->nnetworks; i++) {
		int len = longest_match(c->networks[i].prefixes, c->networks[i].nprefixes, ip);
		if (len > best_len) {
			best = &c->networks[i];
			best_len = len;
		}
	}
	return best;
}
