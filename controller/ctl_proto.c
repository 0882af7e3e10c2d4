/* SPDX-License-Identifier: ISC */
#include "ctl_proto.h"

#include "conf.h"
#include "cordon.h"
#include "detection.h"
#include "loop.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum ctl_cmd cmd;
	bool acts;
	bool needs_host;
} cmds[] = {
	{ "quarantine", CTL_QUARANTINE, true, true },
	{ "release", CTL_RELEASE, true, true },
	{ "approve", CTL_APPROVE, true, true },
	{ "list", CTL_LIST, false, false },
	{ "show", CTL_SHOW, false, true },
	{ "events", CTL_EVENTS, false, false },
	{ "switches", CTL_SWITCHES, false, false },
	{ "status", CTL_STATUS, false, false },
	{ "breaker", CTL_BREAKER, false, false },
	{ "breaker-reset", CTL_BREAKER_RESET, true, false },
	{ "resolve", CTL_RESOLVE, true, true },
	{ "assets", CTL_ASSETS, false, false },
};

const char *
ctl_cmd_name(enum ctl_cmd cmd)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return "?";
}

bool
ctl_cmd_acts(enum ctl_cmd cmd)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].acts;
	return true;
}

/*
 * A refused request: "field 'FIELD': WHY, got VALUE" as the detectors'
 * parser says it (VALUE: quote_json_value, "nothing" when `got` is NULL).
 * Returns -1.
 */
static int
refuse(char *err, size_t errlen, const char *field, const json_t *got, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
refuse(char *err, size_t errlen, const char *field, const json_t *got, const char *fmt, ...)
{
	char why[256], text[QUOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "field '%s': %s, got %s", field, why,
	    quote_json_value(got, text, sizeof(text)));
	return -1;
}

#define STATE_NAMES "observed, suspected, quarantining, quarantined, releasing, probation, clear, failed"

int
ctl_request_parse(const char *line, size_t len, struct ctl_request *rq,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o, *v;
	const char *name;
	size_t i;
	int rc = -1;

	memset(rq, 0, sizeof(*rq));
	rq->state = -1;
	rq->exposed = -1;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		/* jansson's text quotes the request near the error, raw: its bytes
		 * outside printable ASCII are shown as '?' (a cut character would
		 * make the reply invalid UTF-8). */
		for (char *p = jerr.text; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
		snprintf(err, errlen, "request is not JSON: %s", jerr.text);
		return -1;
	}
	if (!json_is_object(o)) {
		char text[QUOTE_LEN];
		snprintf(err, errlen, "request: expected a JSON object, got %s",
		    quote_json_value(o, text, sizeof(text)));
		goto out;
	}
	v = json_object_get(o, "cmd");
	name = json_is_string(v) ? json_string_value(v) : NULL;
	for (i = 0; name && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			break;
	if (name == NULL || i == sizeof(cmds) / sizeof(cmds[0])) {
		refuse(err, errlen, "cmd", v, "expected one of quarantine, release, approve, list, "
		    "show, events, switches, status, breaker, breaker-reset, resolve, assets");
		goto out;
	}
	rq->cmd = cmds[i].cmd;
	v = json_object_get(o, "host");
	if (v != NULL) {
		if (!json_is_string(v) || ip_from_str(json_string_value(v), &rq->host) != 0 ||
		    ip_is_special(&rq->host)) {
			refuse(err, errlen, "host", v, "expected a unicast IPv4 or IPv6 address");
			goto out;
		}
		rq->has_host = true;
	}
	if (cmds[i].needs_host && !rq->has_host) {
		refuse(err, errlen, "host", NULL, "expected a unicast IPv4 or IPv6 address ('%s' needs one)",
		    cmds[i].name);
		goto out;
	}
	v = json_object_get(o, "reason");
	if (v != NULL) {
		if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(rq->reason)) {
			if (json_is_string(v))
				refuse(err, errlen, "reason", v, "expected at most %zu bytes (this one has %zu)",
				    sizeof(rq->reason) - 1, strlen(json_string_value(v)));
			else
				refuse(err, errlen, "reason", v, "expected a string of at most %zu bytes",
				    sizeof(rq->reason) - 1);
			goto out;
		}
		snprintf(rq->reason, sizeof(rq->reason), "%s", json_string_value(v));
	}
	v = json_object_get(o, "as");
	if (v != NULL) {
		const char *as = json_is_string(v) ? json_string_value(v) : "";
		if (strcmp(as, "released") == 0)
			rq->resolve_as = RESOLVE_RELEASED;
		else if (strcmp(as, "isolated") == 0)
			rq->resolve_as = RESOLVE_ISOLATED;
		else {
			refuse(err, errlen, "as", v, "expected \"released\" or \"isolated\"");
			goto out;
		}
	}
	if (rq->cmd == CTL_RESOLVE && rq->resolve_as == RESOLVE_NONE) {
		refuse(err, errlen, "as", NULL, "expected \"released\" or \"isolated\" ('resolve' needs one)");
		goto out;
	}
	if ((rq->cmd == CTL_QUARANTINE || rq->cmd == CTL_BREAKER_RESET || rq->cmd == CTL_RESOLVE) &&
	    rq->reason[0] == '\0') {
		refuse(err, errlen, "reason", json_object_get(o, "reason"),
		    "expected a non-empty string ('%s' needs a reason)", cmds[i].name);
		goto out;
	}
	v = json_object_get(o, "mac");
	if (v != NULL) {
		if (!json_is_string(v) || mac_from_str(json_string_value(v), rq->mac) != 0 ||
		    !mac_is_host(rq->mac)) {
			refuse(err, errlen, "mac", v,
			    "expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address)");
			goto out;
		}
		rq->has_mac = true;
	}
	v = json_object_get(o, "patched");
	if (v != NULL && !json_is_boolean(v)) {
		refuse(err, errlen, "patched", v, "expected true or false");
		goto out;
	}
	rq->patched = v != NULL && json_is_true(v);
	if (rq->cmd == CTL_RELEASE && !rq->patched) {
		refuse(err, errlen, "patched", v, "expected true ('release' is only for patched hosts)");
		goto out;
	}
	if (rq->cmd == CTL_RELEASE && rq->reason[0] == '\0')
		snprintf(rq->reason, sizeof(rq->reason), "patched");
	v = json_object_get(o, "state");
	if (v != NULL) {
		if (!json_is_string(v) || (rq->state = host_state_from_name(json_string_value(v))) < 0) {
			refuse(err, errlen, "state", v, "expected one of " STATE_NAMES);
			goto out;
		}
	}
	v = json_object_get(o, "follow");
	if (v != NULL && !json_is_boolean(v)) {
		refuse(err, errlen, "follow", v, "expected true or false");
		goto out;
	}
	rq->follow = v != NULL && json_is_true(v);
	v = json_object_get(o, "limit");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 10000) {
			refuse(err, errlen, "limit", v, "expected a whole number from 1 to 10000");
			goto out;
		}
		rq->limit = (unsigned)json_integer_value(v);
	}
	v = json_object_get(o, "after");
	if (v != NULL) {
		if (rq->cmd != CTL_LIST && rq->cmd != CTL_ASSETS) {
			refuse(err, errlen, "after", v, "only 'list' and 'assets' take it, not '%s'",
			    cmds[i].name);
			goto out;
		}
		if (!json_is_string(v) || ip_from_str(json_string_value(v), &rq->after) != 0) {
			refuse(err, errlen, "after", v, "expected an IPv4 or IPv6 address");
			goto out;
		}
		rq->has_after = true;
	}
	v = json_object_get(o, "exposed");
	if (v != NULL) {
		if (rq->cmd != CTL_ASSETS) {
			refuse(err, errlen, "exposed", v, "only 'assets' takes it, not '%s'", cmds[i].name);
			goto out;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535) {
			refuse(err, errlen, "exposed", v, "expected a port number from 1 to 65535");
			goto out;
		}
		rq->exposed = (int)json_integer_value(v);
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* ctl_text_json_new, typed for this module. */
static json_t *
jtext(const char *s)
{
	char buf[1024];
	size_t i;
	json_t *j = json_string(s);

	if (j != NULL)
		return j;
	for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	return json_string(buf);
}

void *
ctl_host_json_new(const struct host_rec *h)
{
	char ip[64], mac[24];
	json_t *o, *loc = json_null(), *move = NULL;

	ip_to_str(&h->ip, ip, sizeof(ip));
	if (h->has_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
		    h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	if (h->has_loc) {
		char tagged[ENF_MAX_TAGGED * 6 + 1];
		enf_tagged_text(&h->loc, tagged, sizeof(tagged));
		json_t *macs = json_array(), *affected = json_array();
		for (uint32_t i = 0; i < h->loc.nport_macs && i < ENF_MAX_PORT_MACS; i++) {
			const uint8_t *m = h->loc.port_macs[i];
			char t[24];
			snprintf(t, sizeof(t), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			    m[4], m[5]);
			json_array_append_new(macs, json_string(t));
			/* Everyone else behind the port: cut off with the host. */
			if (!h->has_mac || memcmp(m, h->mac, 6) != 0)
				json_array_append_new(affected, json_string(t));
		}
		loc = json_pack("{s:o, s:o, s:i, s:i, s:s, s:i, s:o, s:i, s:o, s:o}", "point",
		    jtext(h->loc.point), "port", jtext(h->loc.port), "ifindex", h->loc.ifindex,
		    "orig_vlan", h->loc.orig_vlan, "orig_tagged", tagged,
		    "quarantine_vlan", h->loc.quarantine_vlan, "detail", jtext(h->loc.detail),
		    "port_mac_count", (int)h->loc.nport_macs, "port_macs", macs, "affected", affected);
	}
	if (h->has_move)
		/* A move to another port under way (docs/snmp.md, following a host that moves). */
		move = json_pack("{s:o, s:o, s:i, s:o}", "point", jtext(h->move.point),
		    "port", jtext(h->move.port), "ifindex", h->move.ifindex,
		    "detail", jtext(h->move.detail));
	o = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:f, s:f, s:f, s:f, s:f, s:I, s:o}",
	    "ip", ip, "mac", h->has_mac ? json_string(mac) : json_null(),
	    "state", host_state_name(h->state), "hold", jtext(h->hold), "reason", jtext(h->reason),
	    "actor", jtext(h->actor), "point", jtext(h->point), "location", loc ? loc : json_null(),
	    "attempts", (int)h->attempts, "failed_op", jtext(h->failed_op), "last_error", jtext(h->last_error),
	    "next_retry", h->next_retry, "probation_until", h->probation_until,
	    "first_seen", h->first_seen, "last_seen", h->last_seen, "updated", h->updated,
	    "detections", (json_int_t)h->detections, "moving_to", move ? move : json_null());
	if (o != NULL)
		json_object_set_new(o, "mac_source", h->has_mac ? json_string(mac_source_name(h->mac_source))
		    : json_null());
	return o;
}

void *
ctl_asset_json_new(const struct host_rec *h, const struct host_service *s, size_t n)
{
	char ip[64], mac[24];
	json_t *svcs = json_array();

	ip_to_str(&h->ip, ip, sizeof(ip));
	if (h->has_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
		    h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(svcs, json_pack("{s:s, s:i, s:f, s:f}", "proto",
		    service_proto_name(s[i].proto), "port", (int)s[i].port,
		    "first_seen", s[i].first_seen, "last_seen", s[i].last_seen));
	return json_pack("{s:s, s:o, s:s, s:o, s:f, s:f, s:o}", "ip", ip,
	    "mac", h->has_mac ? json_string(mac) : json_null(), "state", host_state_name(h->state),
	    "hold", jtext(h->hold), "first_seen", h->first_seen, "last_seen", h->last_seen,
	    "services", svcs);
}

void *
ctl_audit_json_new(const struct audit_rec *a)
{
	return json_pack("{s:I, s:f, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)a->id,
	    "time", a->time, "actor", jtext(a->actor), "action", jtext(a->action),
	    "host", jtext(a->host), "reason", jtext(a->reason), "result", jtext(a->result));
}

void *
ctl_breaker_json_new(const struct cordon_breaker *br)
{
	return json_pack("{s:b, s:f, s:s, s:I, s:I}", "tripped", br->tripped, "since", br->since,
	    "reason", br->reason, "trips", (json_int_t)br->trips, "held", (json_int_t)br->held);
}

void *
ctl_status_json_new(struct cordon *c, char *err, size_t errlen)
{
	const struct cordon_stats *st = cordon_stats(c);
	uint64_t counts[HS_COUNT];
	struct cordon_breaker br;
	struct cordon_lead_info lead;
	json_t *hosts, *o;
	int s;

	if (registry_count(cordon_registry(c), counts) != 0 || cordon_breaker_state(c, &br) != 0) {
		snprintf(err, errlen, "state database: %s", registry_error(cordon_registry(c)));
		return NULL;
	}
	hosts = json_object();
	for (s = 0; s < HS_COUNT; s++)
		json_object_set_new(hosts, host_state_name((enum host_state)s), json_integer((json_int_t)counts[s]));
	cordon_leadership(c, &lead);
	o = json_pack("{s:f, s:b, s:{s:s, s:b, s:b, s:s, s:I, s:f, s:I}, s:o, s:o, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "uptime", loop_now() - st->started, "dry_run", cordon_conf(c)->dry_run,
	    "leadership", "name", cordon_conf(c)->state_name, "shared", lead.shared,
	    "leading", lead.leading, "leader", lead.leader, "term", (json_int_t)lead.term,
	    "since", lead.since, "ignored_lines", (json_int_t)lead.ignored,
	    "hosts", hosts, "breaker", ctl_breaker_json(&br),
	    "detections", (json_int_t)st->detections, "bad_lines", (json_int_t)st->bad_lines,
	    "isolations_started", (json_int_t)st->isolations_started,
	    "isolations_ok", (json_int_t)st->isolations_ok,
	    "isolations_failed", (json_int_t)st->isolations_failed,
	    "releases_ok", (json_int_t)st->releases_ok,
	    "releases_failed", (json_int_t)st->releases_failed,
	    "refused", (json_int_t)st->refused,
	    "connections_refused", (json_int_t)st->conns_refused,
	    "pruned_events", (json_int_t)st->pruned_events,
	    "pruned_audit", (json_int_t)st->pruned_audit,
	    "points", (json_int_t)cordon_npoints(c));
	if (o == NULL)
		snprintf(err, errlen, "out of memory");
	return o;
}

void *
ctl_text_json_new(const char *s)
{
	return jtext(s);
}

void *
ctl_points_json_new(struct cordon *c)
{
	const struct cordon_conf *conf = cordon_conf(c);
	json_t *arr = json_array();
	size_t i, j;

	for (i = 0; i < cordon_npoints(c); i++) {
		const struct enf_point *p = cordon_point(c, i);
		const struct point_stats *ps = cordon_point_stats(c, i);
		const struct conf_point *cp = conf_point_named(conf, p->name);
		json_t *pfx = json_array();
		char buf[64];
		for (j = 0; cp && j < cp->nprefixes; j++)
			json_array_append_new(pfx, json_string(prefix_to_str(&cp->prefixes[j], buf, sizeof(buf))));
		/* last_error quotes what a switch said (a port's ifName, cut to fit). */
		json_array_append_new(arr, json_pack("{s:o, s:s, s:o, s:I, s:I, s:o, s:f}",
		    "name", jtext(p->name), "kind", p->ops->kind, "prefixes", pfx,
		    "ok", (json_int_t)ps->ok, "failed", (json_int_t)ps->failed,
		    "last_error", jtext(ps->last_error), "last_latency_ms", ps->last_latency_s * 1000.0));
	}
	return arr;
}
