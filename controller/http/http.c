/* SPDX-License-Identifier: ISC */
/*
 * http: the server, its routing and the read API (see http.h and
 * docs/http-api.md); who is asking is worked out in http_session.c, actions
 * are in http_act.c. Reads are answered at once from the registry and the
 * daemon's counters, on the daemon's loop; a login's password check and an
 * action answer later (struct http_op). A slow client only holds its own
 * connection (evhttp buffers the reply and times idle connections out).
 *
 * The exception to "only common/loop includes libevent": this module includes
 * evhttp's headers and hands evhttp the loop's base. evhttp is a whole HTTP
 * server (request parser, URI and query decoding, header and body limits, idle
 * timeouts) and everything here is about using it; wrapping it in the loop
 * module would restate its request/response API one call for one call, and
 * carry HTTP into the sensor, which links the loop but serves no HTTP. So the
 * loop wraps libevent's core, and HTTP stays wrapped here, in one module.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cordon.h"
#include "ctl_proto.h"
#include "detection.h"
#include "http.h"
#include "http_console.h"
#include "http_priv.h"
#include "http_tls.h"
#include "loop.h"
#include "passcheck.h"
#include "log.h"

#define API_HOSTS "/api/v1/hosts"
#define API_ASSETS "/api/v1/assets"
/* Hosts per page of /api/v1/hosts: by default, and at most. */
#define HOSTS_DEFAULT_LIMIT 1000
#define HOSTS_MAX_LIMIT 10000
#define API_EVENTS "/api/v1/events"
#define METRICS "/metrics"
#define API_SESSION "/api/v1/session"
#define API_LOGIN "/api/v1/login"
#define API_LOGOUT "/api/v1/logout"
#define API_OVERVIEW "/api/v1/overview"
#define API_DETECTIONS "/api/v1/detections"
#define API_STREAM "/api/v1/stream"
#define CONSOLE_DIR "/console/"

/* The same bounds as the control socket's `events` and `show`. */
#define EVENTS_DEFAULT_LIMIT 100
#define EVENTS_MAX_LIMIT 10000
/* Detections a host's page shows: the newest. */
#define HOST_DETECTIONS 100

/* Requests are a line and a few headers; bodies are a login or an action's reason. */
#define MAX_HEADERS_SIZE 8192
#define MAX_BODY_SIZE 4096
#define IDLE_TIMEOUT_S 10
#define LISTEN_BACKLOG 64


/* ---- replies ------------------------------------------------------------- */

static const char *
status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 415: return "Unsupported Media Type";
	case 421: return "Misdirected Request";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static void
reply(struct evhttp_request *req, int code, const char *content_type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", content_type);
	/* Host states change from one second to the next; a cached answer
	 * would show a quarantined host as still free or the other way round. */
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, status_text(code), NULL);
}

/* Sends `o` (a json_t, consumed) as the JSON body with `code`. */
void
http_reply_json(struct evhttp_request *req, int code, void *json)
{
	json_t *o = json;
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	json_decref(o);
	if (s == NULL) {
		evbuffer_add_printf(out, "{\"error\":\"out of memory\",\"status\":500}\n");
		reply(req, 500, "application/json");
		return;
	}
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
	reply(req, code, "application/json");
}

/* Replaces what is not printable ASCII with '?': error messages and logs
 * quote the client's path and parameters, which may hold any byte (and
 * jansson refuses a string that is not UTF-8). */
char *
http_printable(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return s;
}

void
http_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_printable(msg);
	http_reply_json(req, code, json_pack("{s:s, s:i}", "error", msg, "status", code));
}

/* ---- query strings --------------------------------------------------------- */

/* 400: "parameter 'NAME': WHY, got VALUE", the value as the control socket
 * quotes one (quote_json_text: any bytes, cut, printable ASCII). */
void
http_reply_bad_param(struct evhttp_request *req, const char *name, const char *value,
    const char *fmt, ...)
{
	char why[256], text[QUOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	http_reply_error(req, 400, "parameter '%s': %s, got %s", name, why,
	    quote_json_text(value, text, sizeof(text)));
}

/*
 * Parses the request's query into q (freed by the caller with
 * evhttp_clear_headers) and checks that every parameter is one of `known`
 * (NULL-terminated) and given once. Returns 0, or -1 after answering 400.
 */
int
http_query_parse(struct evhttp_request *req, struct evkeyvalq *q, const char *const *known)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *s = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyval *kv, *k2;
	size_t i;

	TAILQ_INIT(q);
	if (s == NULL || *s == '\0')
		return 0;
	if (evhttp_parse_query_str(s, q) != 0) {
		http_reply_error(req, 400, "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(kv, q, next) {
		for (i = 0; known[i] && strcmp(known[i], kv->key) != 0; i++)
			;
		if (known[i] == NULL) {
			http_reply_error(req, 400, "unknown parameter '%.64s'", kv->key);
			return -1;
		}
		for (k2 = TAILQ_NEXT(kv, next); k2; k2 = TAILQ_NEXT(k2, next)) {
			if (strcmp(k2->key, kv->key) == 0) {
				http_reply_error(req, 400, "parameter '%.64s' given twice", kv->key);
				return -1;
			}
		}
	}
	return 0;
}

/* A whole decimal number from lo to hi. Returns 0, or -1. */
int
http_parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- the JSON API ---------------------------------------------------------- */

static int
collect_host(void *arg, const struct host_rec *h)
{
	json_array_append_new((json_t *)arg, ctl_host_json(h));
	return 0;
}

/* An audit entry in the control socket's shape, so that scripts read one
 * shape from either interface. */
static int
collect_audit(void *arg, const struct audit_rec *a)
{
	json_array_append_new((json_t *)arg, ctl_audit_json(a));
	return 0;
}

static int
collect_asset(void *arg, const struct host_rec *h, const struct host_service *s, size_t n)
{
	json_array_append_new((json_t *)arg, ctl_asset_json(h, s, n));
	return 0;
}

/* A page of hosts as /api/v1/hosts and /api/v1/assets take it. */
struct host_page {
	int state;                  /* -1: any */
	int exposed;                /* assets: a port, or -1 */
	long long limit;
	bool has_after;
	struct ip_addr after;
};

/* Reads state, limit, after (and exposed) from q. Returns 0, or -1 after answering 400. */
static int
host_page_parse(struct evhttp_request *req, struct evkeyvalq *q, struct host_page *pg)
{
	const char *sv;
	long long port;

	pg->state = -1;
	pg->exposed = -1;
	pg->limit = HOSTS_DEFAULT_LIMIT;
	pg->has_after = false;
	sv = evhttp_find_header(q, "state");
	if (sv != NULL && (pg->state = host_state_from_name(sv)) < 0) {
		http_reply_bad_param(req, "state", sv, "expected one of observed, suspected, quarantining, "
		    "quarantined, releasing, probation, clear, failed");
		return -1;
	}
	sv = evhttp_find_header(q, "limit");
	if (sv != NULL && http_parse_int(sv, 1, HOSTS_MAX_LIMIT, &pg->limit) != 0) {
		http_reply_bad_param(req, "limit", sv, "expected a whole number from 1 to %d", HOSTS_MAX_LIMIT);
		return -1;
	}
	sv = evhttp_find_header(q, "after");
	if (sv != NULL) {
		if (ip_from_str(sv, &pg->after) != 0) {
			http_reply_bad_param(req, "after", sv,
			    "expected an IPv4 or IPv6 address (the last one of the previous page)");
			return -1;
		}
		pg->has_after = true;
	}
	sv = evhttp_find_header(q, "exposed");
	if (sv != NULL) {
		if (http_parse_int(sv, 1, 65535, &port) != 0) {
			http_reply_bad_param(req, "exposed", sv, "expected a port number from 1 to 65535");
			return -1;
		}
		pg->exposed = (int)port;
	}
	return 0;
}

/* /api/v1/hosts, or with `assets` /api/v1/assets: one page, {"hosts":[...],"next":ip|null}. */
static void
get_host_page(struct http_server *hs, struct evhttp_request *req, bool assets)
{
	static const char *const known_hosts[] = { "state", "after", "limit", "mac", NULL };
	static const char *const known_assets[] = { "state", "after", "limit", "exposed", NULL };
	struct registry *reg = cordon_registry(hs->c);
	struct evkeyvalq q;
	struct host_page pg;
	json_t *arr, *next = json_null();
	const char *mac;
	int n;

	if (http_query_parse(req, &q, assets ? known_assets : known_hosts) != 0 ||
	    host_page_parse(req, &q, &pg) != 0)
		goto out;
	mac = assets ? NULL : evhttp_find_header(&q, "mac");
	if (mac != NULL) {
		/* The console's search by MAC: the host seen last with it. */
		uint8_t b[6];
		struct host_rec h;
		int rc;
		if (mac_from_str(mac, b) != 0) {
			http_reply_bad_param(req, "mac", mac, "expected aa:bb:cc:dd:ee:ff");
			goto out;
		}
		rc = registry_find_mac(reg, b, NULL, &h);
		if (rc < 0) {
			http_reply_error(req, 500, "state database: %s", registry_error(reg));
			goto out;
		}
		arr = json_array();
		if (rc > 0 && (pg.state < 0 || (int)h.state == pg.state))
			json_array_append_new(arr, ctl_host_json(&h));
		http_reply_json(req, 200, json_pack("{s:o, s:n}", "hosts", arr, "next"));
		goto out;
	}
	/* A page at a time: the daemon never holds the whole table. */
	arr = json_array();
	if (assets)
		n = registry_assets_page(reg, pg.state, pg.exposed, pg.has_after ? &pg.after : NULL,
		    (unsigned)pg.limit, collect_asset, arr);
	else
		n = registry_page(reg, pg.state, pg.has_after ? &pg.after : NULL, (unsigned)pg.limit,
		    collect_host, arr);
	if (n < 0) {
		json_decref(arr);
		http_reply_error(req, 500, "state database: %s", registry_error(reg));
		goto out;
	}
	if (n == pg.limit && n > 0)
		next = json_incref(json_object_get(json_array_get(arr, (size_t)n - 1), "ip"));
	http_reply_json(req, 200, json_pack("{s:o, s:o}", "hosts", arr, "next", next));
out:
	evhttp_clear_headers(&q);
}

/* The address just before `ip` in the registry's order (its 16 bytes, big
 * endian): a page after it starts at `ip`. false for the very first address. */
static bool
ip_before(const struct ip_addr *ip, struct ip_addr *out)
{
	int i;

	*out = *ip;
	for (i = 15; i >= 0; i--) {
		if (out->b[i]-- != 0)
			return true;
	}
	return false;
}

struct own_services {
	const struct ip_addr *ip;
	json_t *arr;
};

/* The services of the host asked for, from a one-host asset page that
 * starts at its address. */
static int
collect_own_services(void *arg, const struct host_rec *h, const struct host_service *s, size_t n)
{
	struct own_services *o = arg;
	json_t *a;

	if (memcmp(&h->ip, o->ip, sizeof(h->ip)) != 0)
		return 0;
	a = ctl_asset_json(h, s, n);
	json_array_extend(o->arr, json_object_get(a, "services"));
	json_decref(a);
	return 0;
}

/* `raw` is the path after "/api/v1/hosts/", still percent-encoded. */
static void
get_host(struct http_server *hs, struct evhttp_request *req, const char *raw)
{
	static const char *const known[] = { NULL };
	struct registry *reg = cordon_registry(hs->c);
	struct evkeyvalq q;
	struct host_rec h;
	struct ip_addr ip;
	json_t *hist, *dets, *services;
	struct own_services own;
	struct ip_addr before;
	size_t n = 0;
	char *text;
	int rc;

	if (http_query_parse(req, &q, known) != 0)
		goto out;
	/* An IPv6 address may come with its colons percent-encoded. */
	text = evhttp_uridecode(raw, 0, &n);
	if (text == NULL) {
		http_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (n != strlen(text) || ip_from_str(text, &ip) != 0 || ip_is_special(&ip)) {
		http_reply_error(req, 400, "'%.64s' is not a unicast IPv4 or IPv6 address", text);
		free(text);
		goto out;
	}
	rc = registry_get(reg, &ip, &h);
	if (rc <= 0) {
		if (rc < 0)
			http_reply_error(req, 500, "state database: %s", registry_error(reg));
		else
			http_reply_error(req, 404, "%s is not on record", text);
		free(text);
		goto out;
	}
	free(text);
	hist = json_array();
	if (registry_audit_list(reg, &ip, 0, EVENTS_MAX_LIMIT, collect_audit, hist) != 0) {
		json_decref(hist);
		http_reply_error(req, 500, "state database: %s", registry_error(reg));
		goto out;
	}
	dets = json_array();
	services = json_array();
	own.ip = &ip;
	own.arr = services;
	if (registry_event_list(reg, &ip, -1, HOST_DETECTIONS, http_collect_detection, dets) != 0 ||
	    registry_assets_page(reg, -1, -1, ip_before(&ip, &before) ? &before : NULL, 1,
		collect_own_services, &own) < 0) {
		json_decref(hist);
		json_decref(dets);
		json_decref(services);
		http_reply_error(req, 500, "state database: %s", registry_error(reg));
		goto out;
	}
	http_reply_json(req, 200, json_pack("{s:o, s:o, s:o, s:o}", "host", ctl_host_json(&h),
	    "history", hist, "detections", dets, "services", services));
out:
	evhttp_clear_headers(&q);
}

static void
get_events(struct http_server *hs, struct evhttp_request *req)
{
	static const char *const known[] = { "limit", "after", NULL };
	struct registry *reg = cordon_registry(hs->c);
	struct evkeyvalq q;
	const char *v;
	long long limit = EVENTS_DEFAULT_LIMIT, after;
	json_t *arr;

	if (http_query_parse(req, &q, known) != 0)
		goto out;
	v = evhttp_find_header(&q, "limit");
	if (v != NULL && http_parse_int(v, 1, EVENTS_MAX_LIMIT, &limit) != 0) {
		http_reply_bad_param(req, "limit", v, "expected a whole number from 1 to %d", EVENTS_MAX_LIMIT);
		goto out;
	}
	v = evhttp_find_header(&q, "after");
	if (v != NULL) {
		if (http_parse_int(v, 0, INT64_MAX, &after) != 0) {
			http_reply_bad_param(req, "after", v, "expected an event id (a whole number from 0)");
			goto out;
		}
	} else {
		/* Without a cursor: the newest `limit` entries, as `cordonctl
		 * events` shows them. Audit ids count up from 1 without gaps. */
		int64_t last = registry_audit_last_id(reg);
		if (last < 0) {
			http_reply_error(req, 500, "state database: %s", registry_error(reg));
			goto out;
		}
		after = last > limit ? last - limit : 0;
	}
	arr = json_array();
	if (registry_audit_list(reg, NULL, (int64_t)after, (unsigned)limit, collect_audit, arr) != 0) {
		json_decref(arr);
		http_reply_error(req, 500, "state database: %s", registry_error(reg));
		goto out;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "events", arr));
out:
	evhttp_clear_headers(&q);
}

/* ---- /metrics ---------------------------------------------------------------- */

/* A label value in the exposition format: backslash, quote and newline
 * escaped (point names come from the config file and may hold any of them). */
static void
label_value(struct evbuffer *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			evbuffer_add(b, "\\\\", 2);
		else if (*s == '"')
			evbuffer_add(b, "\\\"", 2);
		else if (*s == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, s, 1);
	}
}

static void
metric_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
counter(struct evbuffer *b, const char *name, const char *help, uint64_t v)
{
	metric_head(b, name, "counter", help);
	evbuffer_add_printf(b, "%s %" PRIu64 "\n", name, v);
}

static void
gauge(struct evbuffer *b, const char *name, const char *help, double v)
{
	metric_head(b, name, "gauge", help);
	evbuffer_add_printf(b, "%s %.17g\n", name, v);
}

/* Starts a sample of `name` labelled with an enforcement point: its name and
 * kind only, never its settings (community strings, SNMPv3 keys). */
static void
point_sample(struct evbuffer *b, const char *name, const struct enf_point *p)
{
	evbuffer_add_printf(b, "%s{point=\"", name);
	label_value(b, p->name);
	evbuffer_add_printf(b, "\",kind=\"");
	label_value(b, p->ops->kind);
	evbuffer_add_printf(b, "\"} ");
}

/* Following quarantined hosts that move (docs/snmp.md). */
static void
follow_metrics(struct evbuffer *b, const struct cordon *c)
{
	struct cordon_follow_stats f;

	cordon_follow_get_stats(c, &f);
	gauge(b, "cordon_follow_queue_depth", "Ports or points waiting for a re-check of their quarantined hosts.",
	    (double)f.queue.depth);
	gauge(b, "cordon_follow_queue_max_depth", "The most re-checks ever waiting at once.",
	    (double)f.queue.max_depth);
	counter(b, "cordon_follow_queued_total", "Re-checks queued.", f.queue.queued);
	counter(b, "cordon_follow_merged_total",
	    "Re-check requests merged with one already waiting for the same port or point.", f.queue.merged);
	counter(b, "cordon_follow_dropped_total",
	    "Re-check requests dropped because the queue was full (follow.queue); the periodic check covers them.",
	    f.queue.dropped);
	counter(b, "cordon_follow_notifications_total",
	    "SNMP notifications accepted from enforcement points (follow.listen).", f.notifications);
	counter(b, "cordon_follow_notifications_rejected_total",
	    "SNMP notifications refused: credentials, PDU type, malformed, or from no point's address.",
	    f.notifications_rejected);
	counter(b, "cordon_follow_checks_total", "Quarantined hosts looked for by a re-check.", f.checks);
	metric_head(b, "cordon_follow_verdicts_total", "counter",
	    "Re-check outcomes other than a move: on its port, in no forwarding table, cannot tell.");
	evbuffer_add_printf(b, "cordon_follow_verdicts_total{verdict=\"in-place\"} %" PRIu64 "\n", f.in_place);
	evbuffer_add_printf(b, "cordon_follow_verdicts_total{verdict=\"absent\"} %" PRIu64 "\n", f.absent);
	evbuffer_add_printf(b, "cordon_follow_verdicts_total{verdict=\"unknown\"} %" PRIu64 "\n", f.unknown);
	counter(b, "cordon_follow_moves_total",
	    "Quarantined hosts isolated on the port they moved to.", f.moves);
	counter(b, "cordon_follow_check_failures_total",
	    "Re-checks that failed: where a host is could not be told, a new port could not be isolated or an old one not restored.",
	    f.check_failures);
}

static void
get_metrics(struct http_server *hs, struct evhttp_request *req)
{
	static const char *const known[] = { NULL };
	struct cordon *c = hs->c;
	const struct cordon_stats *st = cordon_stats(c);
	struct evbuffer *b = evhttp_request_get_output_buffer(req);
	struct evkeyvalq q;
	uint64_t counts[HS_COUNT];
	struct cordon_breaker br;
	size_t i, np = cordon_npoints(c);
	int s;

	if (http_query_parse(req, &q, known) != 0)
		goto out;
	/* Count first: a scrape that cannot read the hosts fails as a whole
	 * rather than reporting zero quarantined hosts. */
	if (registry_count(cordon_registry(c), counts) != 0 || cordon_breaker_state(c, &br) != 0) {
		evbuffer_add_printf(b, "state database: %s\n", registry_error(cordon_registry(c)));
		reply(req, 500, "text/plain; charset=utf-8");
		goto out;
	}
	counter(b, "cordon_detections_total", "Detection events received from sensors.",
	    st->detections);
	counter(b, "cordon_sensor_bad_lines_total",
	    "Sensor lines rejected (not a valid detection event, or too long).", st->bad_lines);
	counter(b, "cordon_sensor_oversize_lines_total",
	    "Sensor lines rejected for being longer than sensors.max_line.", st->oversize_lines);
	counter(b, "cordon_connections_refused_total",
	    "Sensor, control and HTTP connections refused because their listener held its maximum.",
	    st->conns_refused);
	counter(b, "cordon_isolations_started_total", "Isolations begun (by policy or an operator).",
	    st->isolations_started);
	counter(b, "cordon_isolations_ok_total", "Isolations applied and verified.",
	    st->isolations_ok);
	counter(b, "cordon_isolations_failed_total",
	    "Isolation attempts that failed (each retry counts).", st->isolations_failed);
	counter(b, "cordon_releases_ok_total", "Releases applied.", st->releases_ok);
	counter(b, "cordon_releases_failed_total",
	    "Release attempts that failed (each retry counts).", st->releases_failed);
	counter(b, "cordon_refused_total",
	    "Isolations refused because the host is protected (policy.protected).", st->refused);
	metric_head(b, "cordon_pruned_rows_total", "counter",
	    "Stored rows aged out (daemon.retention_events, daemon.retention_audit).");
	evbuffer_add_printf(b, "cordon_pruned_rows_total{table=\"events\"} %" PRIu64 "\n",
	    st->pruned_events);
	evbuffer_add_printf(b, "cordon_pruned_rows_total{table=\"audit\"} %" PRIu64 "\n",
	    st->pruned_audit);
	gauge(b, "cordon_breaker_tripped",
	    "1 while the circuit breaker has stopped automatic isolation (policy.max_isolations_per_minute).",
	    br.tripped ? 1.0 : 0.0);
	counter(b, "cordon_breaker_trips_total", "Times the circuit breaker tripped since the daemon started.",
	    br.trips);
	gauge(b, "cordon_breaker_held", "Hosts held by the circuit breaker for an operator.",
	    (double)br.held);
	metric_head(b, "cordon_hosts", "gauge", "Hosts on record, by state.");
	for (s = 0; s < HS_COUNT; s++)
		evbuffer_add_printf(b, "cordon_hosts{state=\"%s\"} %" PRIu64 "\n",
		    host_state_name((enum host_state)s), counts[s]);
	gauge(b, "cordon_dry_run", "1 when the daemon decides and logs but changes nothing.",
	    cordon_conf(c)->dry_run ? 1 : 0);
	gauge(b, "cordon_start_time_seconds", "When the daemon started, in seconds since the epoch.",
	    st->started);
	metric_head(b, "cordon_point_operations_ok_total", "counter",
	    "Operations (locate, isolate, release, check) an enforcement point completed.");
	for (i = 0; i < np; i++) {
		point_sample(b, "cordon_point_operations_ok_total", cordon_point(c, i));
		evbuffer_add_printf(b, "%" PRIu64 "\n", cordon_point_stats(c, i)->ok);
	}
	metric_head(b, "cordon_point_operations_failed_total", "counter",
	    "Operations an enforcement point failed (SNMP timeouts and errors for SNMP switches).");
	for (i = 0; i < np; i++) {
		point_sample(b, "cordon_point_operations_failed_total", cordon_point(c, i));
		evbuffer_add_printf(b, "%" PRIu64 "\n", cordon_point_stats(c, i)->failed);
	}
	metric_head(b, "cordon_point_last_operation_seconds", "gauge",
	    "How long the enforcement point's last operation took (0 before the first).");
	for (i = 0; i < np; i++) {
		point_sample(b, "cordon_point_last_operation_seconds", cordon_point(c, i));
		evbuffer_add_printf(b, "%.9f\n", cordon_point_stats(c, i)->last_latency_s);
	}
	follow_metrics(b, c);
	reply(req, 200, "text/plain; version=0.0.4; charset=utf-8");
out:
	evhttp_clear_headers(&q);
}

/* ---- request bodies and pending requests ----------------------------------------- */

char *
http_json_body(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t n = evbuffer_get_length(in);
	char *s;

	/* Only JSON: a form another site posts cannot be application/json
	 * without the browser asking this server first (CORS), which it never
	 * allows. */
	if (n > 0 && (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';'))) {
		http_reply_error(req, 415, "the body must be Content-Type: application/json");
		return NULL;
	}
	s = malloc(n + 1);
	if (s == NULL) {
		http_reply_error(req, 500, "out of memory");
		return NULL;
	}
	if (evbuffer_remove(in, s, n) != (int)n) {
		free(s);
		http_reply_error(req, 500, "cannot read the body");
		return NULL;
	}
	s[n] = '\0';
	if (strlen(s) != n) {
		explicit_bzero(s, n);
		free(s);
		http_reply_error(req, 400, "the body holds a NUL byte");
		return NULL;
	}
	return s;
}

void
http_op_free(struct http_op *op)
{
	if (op->hs != NULL)
		LIST_REMOVE(op, entry);
	free(op);
}

/* ---- routing -------------------------------------------------------------------- */

enum route {
	R_HOSTS, R_HOST, R_ASSETS, R_EVENTS, R_METRICS,     /* reads: GET, HEAD */
	R_OVERVIEW, R_DETECTIONS, R_STREAM,
	R_CONSOLE,                                          /* the console's files: anyone */
	R_SESSION,                                          /* GET */
	R_LOGIN, R_LOGOUT, R_ACT,                           /* POST */
};

/* The route of `path`; *rest gets the address of /api/v1/hosts/{ip}[/verb]
 * (still percent-encoded, the verb cut off into *act). -1 if none. */
static int
route_of(const char *path, char *rest, size_t restlen, enum http_action *act)
{
	static const struct { const char *verb; enum http_action act; } verbs[] = {
		{ "patched", HTTP_ACT_PATCHED }, { "approve", HTTP_ACT_APPROVE },
		{ "quarantine", HTTP_ACT_QUARANTINE },
	};
	static const struct { const char *path; enum route route; } exact[] = {
		{ API_HOSTS, R_HOSTS }, { API_ASSETS, R_ASSETS }, { API_EVENTS, R_EVENTS },
		{ METRICS, R_METRICS }, { API_SESSION, R_SESSION }, { API_OVERVIEW, R_OVERVIEW },
		{ API_DETECTIONS, R_DETECTIONS }, { API_STREAM, R_STREAM }, { API_LOGIN, R_LOGIN },
		{ API_LOGOUT, R_LOGOUT },
	};
	const char *tail, *slash;
	size_t i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(path, exact[i].path) == 0)
			return (int)exact[i].route;
	if (strcmp(path, "/") == 0 || strcmp(path, CONSOLE_DIR) == 0) {
		snprintf(rest, restlen, "index.html");
		return R_CONSOLE;
	}
	if (strncmp(path, CONSOLE_DIR, sizeof(CONSOLE_DIR) - 1) == 0 &&
	    strlen(path + sizeof(CONSOLE_DIR) - 1) < restlen) {
		snprintf(rest, restlen, "%s", path + sizeof(CONSOLE_DIR) - 1);
		return R_CONSOLE;
	}
	if (strncmp(path, API_HOSTS "/", sizeof(API_HOSTS)) != 0)
		return -1;
	tail = path + sizeof(API_HOSTS);
	slash = strchr(tail, '/');
	if (slash == NULL) {
		if (*tail == '\0' || strlen(tail) >= restlen)
			return -1;
		snprintf(rest, restlen, "%s", tail);
		return R_HOST;
	}
	if (slash == tail || (size_t)(slash - tail) >= restlen)
		return -1;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(slash + 1, verbs[i].verb) == 0) {
			memcpy(rest, tail, (size_t)(slash - tail));
			rest[slash - tail] = '\0';
			*act = verbs[i].act;
			return R_ACT;
		}
	return -1;
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_POST: return "POST";
	default: return "other";
	}
}

/*
 * The Host header must name this server: a page from elsewhere that made its
 * own name resolve to this address (DNS rebinding) sends its own name. true,
 * or false after answering.
 */
static bool
host_ok(struct http_server *hs, struct evhttp_request *req)
{
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	char shown[128];

	if (host == NULL) {
		http_reply_error(req, 400, "a Host header is required");
		return false;
	}
	if (!access_host_allowed(hs->acc, host)) {
		snprintf(shown, sizeof(shown), "%s", host);
		http_reply_error(req, 421, "Host '%s' is not a name of this server (daemon.http %s, console.hostnames)",
		    http_printable(shown), hs->listen);
		return false;
	}
	return true;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct http_server *hs = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct http_caller who;
	enum http_action act = HTTP_ACT_APPROVE;
	char rest[256], shown[256];
	bool post;
	int route;

	if (path == NULL || *path == '\0')
		path = "/";
	if (!host_ok(hs, req))
		return;
	route = route_of(path, rest, sizeof(rest), &act);
	if (route < 0) {
		snprintf(shown, sizeof(shown), "%s", path);
		http_reply_error(req, 404, "no such endpoint '%.128s' (/api/v1/hosts, /api/v1/hosts/{ip}, "
		    "/api/v1/hosts/{ip}/{patched,approve,quarantine}, /api/v1/assets, /api/v1/events, "
		    "/api/v1/detections, /api/v1/overview, /api/v1/stream, /api/v1/session, /api/v1/login, "
		    "/api/v1/logout, /metrics, /console/)", http_printable(shown));
		return;
	}
	/* HEAD is GET without the body (evhttp leaves the body out), as HTTP
	 * asks of every server. */
	post = route == R_LOGIN || route == R_LOGOUT || route == R_ACT;
	if (post ? m != EVHTTP_REQ_POST : (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD)) {
		evhttp_add_header(out, "Allow", post ? "POST" : "GET, HEAD");
		http_reply_error(req, 405, "%s is served with %s only", path, post ? "POST" : "GET and HEAD");
		return;
	}
	if (http_identify(hs, req, &who) != 0)
		return;
	snprintf(shown, sizeof(shown), "%s", path);
	log_debug("http: %s %s by %s from %s", method_name(m), http_printable(shown), who.actor, who.client);
	/* The console's files hold nothing of the network's: its page asks who
	 * is there (GET /api/v1/session) and shows the login form. */
	if (access_required(hs->acc) && who.via == HTTP_ANONYMOUS && route != R_LOGIN &&
	    route != R_SESSION && route != R_CONSOLE) {
		evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"cordon\"");
		http_reply_error(req, 401, "log in first (POST /api/v1/login) or send Authorization: Bearer TOKEN");
		return;
	}
	switch (route) {
	case R_HOSTS: get_host_page(hs, req, false); break;
	case R_ASSETS: get_host_page(hs, req, true); break;
	case R_HOST: get_host(hs, req, rest); break;
	case R_EVENTS: get_events(hs, req); break;
	case R_METRICS: get_metrics(hs, req); break;
	case R_SESSION: http_session_get(hs, req, &who); break;
	case R_OVERVIEW: http_overview(hs, req); break;
	case R_DETECTIONS: http_detections(hs, req); break;
	case R_STREAM: http_stream(hs, req, &who); break;
	case R_CONSOLE: http_console_file(hs, req, rest); break;
	case R_LOGIN: http_login(hs, req, &who); break;
	case R_LOGOUT: http_logout(hs, req, &who); break;
	case R_ACT:
		if (!access_required(hs->acc)) {
			http_reply_error(req, 403, "acting over HTTP needs accounts: console.users or "
			    "console.tokens in %s; until then, act with cordonctl", cordon_conf(hs->c)->path);
			return;
		}
		if (!http_csrf_ok(hs, req, &who))
			return;
		if (who.acc->role != CONF_ROLE_OPERATOR) {
			http_reply_error(req, 403, "%s is a viewer: only an operator may %s a host",
			    who.actor, http_action_name(act));
			return;
		}
		http_act(hs, req, &who, rest, act);
		break;
	}
}

/* ---- lifecycle ------------------------------------------------------------------ */

/* jansson's memory, wiped before it goes back: login bodies pass through
 * its parser, which keeps its own copies of the text (the password). */
static void
json_free_wiped(void *p)
{
	if (p != NULL)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static const struct conf_account *
console_first_user(const struct conf_console *cc)
{
	size_t i;

	for (i = 0; i < cc->naccounts; i++)
		if (!cc->accounts[i].token)
			return &cc->accounts[i];
	return NULL;
}

/* ---- the connection cap ---------------------------------------------------- */

/*
 * evhttp (2.1) accepts without limit and gives no call per new connection,
 * only one to make its bufferevent. So: new_connection makes it, keeps a
 * reference to it and asks for count_new after the accepting callback
 * returns, when evhttp has tied the bufferevent to its connection (the
 * bufferevent's callback argument). count_new then counts the connection
 * and sets its close callback, which uncounts it; or, with max_conns open,
 * closes it at once. The reference keeps the bufferevent readable if evhttp
 * freed it meanwhile (it failed to set the connection up): its callbacks
 * are cleared then, and it is not counted.
 */

static void
connection_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_server *hs = arg;

	(void)evcon;
	if (hs->nconns > 0)
		hs->nconns--;
}

static void
refuse(struct http_server *hs, struct evhttp_connection *evcon)
{
	char *peer = NULL;
	ev_uint16_t port = 0;

	hs->refused++;
	cordon_conn_refused(hs->c);
	/* Whoever fills the server would otherwise flood the log too. */
	if (hs->refused == 1 || hs->refused % 1000 == 0) {
		evhttp_connection_get_peer(evcon, &peer, &port);
		log_warnx("HTTP %s: refused a connection from %s, %u already open (%llu refused so far; "
		    "daemon.http_max_connections is %u, idle ones are closed after %d s)", hs->listen,
		    peer ? peer : "?", hs->nconns, (unsigned long long)hs->refused, hs->max_conns,
		    IDLE_TIMEOUT_S);
	}
	evhttp_connection_free(evcon);
}

static void
count_new(void *arg)
{
	struct http_server *hs = arg;
	size_t i;

	for (i = 0; i < hs->nfresh; i++) {
		struct bufferevent *bev = hs->fresh[i];
		void *cbarg = NULL;

		bufferevent_getcb(bev, NULL, NULL, NULL, &cbarg);
		if (cbarg != NULL) {
			struct evhttp_connection *evcon = cbarg;
			if (hs->nconns >= hs->max_conns) {
				refuse(hs, evcon);
			} else {
				evhttp_connection_set_closecb(evcon, connection_closed, hs);
				hs->nconns++;
			}
		}
		bufferevent_decref(bev);
	}
	hs->nfresh = 0;
}

/* evhttp's bufferevent callback: called once for each connection it
 * accepts, before it makes the connection around the bufferevent. */
static struct bufferevent *
new_connection(struct event_base *base, void *arg)
{
	struct http_server *hs = arg;
	struct bufferevent *bev;

	loop_accept_guard_ok(hs->guard);
	/* Plain: what evhttp makes itself without this callback (it closes
	 * the socket itself). */
	bev = hs->tls ? http_tls_bufferevent(hs->tls, base) : bufferevent_socket_new(base, -1, 0);
	if (bev == NULL)
		return NULL;
	if (hs->nfresh == hs->fresh_cap) {
		size_t cap = hs->fresh_cap ? hs->fresh_cap * 2 : 64;
		struct bufferevent **f = realloc(hs->fresh, cap * sizeof(*f));
		/* Out of memory: this one connection goes uncounted. */
		if (f == NULL)
			return bev;
		hs->fresh = f;
		hs->fresh_cap = cap;
	}
	bufferevent_incref(bev);
	hs->fresh[hs->nfresh++] = bev;
	loop_timer_fire(hs->count);
	return bev;
}

static void
accept_failed(void *arg, int err, double pause_s)
{
	struct http_server *hs = arg;

	log_warnx("HTTP %s: accept failed: %s; not accepting for %g s, then again "
	    "(logged once until one succeeds)", hs->listen, strerror(err), pause_s);
}

/* A listening socket on the numeric address, made here rather than by
 * evhttp_bind_socket so that the error says exactly what failed and an IPv6
 * address means IPv6 only. Returns the descriptor, or -1 with errno set. */
static int
listen_socket(const char *addr, uint16_t port, const char **step)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, e;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1) {
			*step = "parse the address";
			errno = EINVAL;
			return -1;
		}
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1) {
			*step = "parse the address";
			errno = EINVAL;
			return -1;
		}
		sl = sizeof(*s4);
	}
	*step = "create a socket";
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A restarted daemon must get its port back while the old connections
	 * sit in TIME_WAIT. */
	*step = "set socket options";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0))
		goto fail;
	*step = "bind";
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		goto fail;
	*step = "listen";
	if (listen(fd, LISTEN_BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

struct http_server *
http_start(struct cordon *c, struct loop *loop, char *err, size_t errlen)
{
	const struct cordon_conf *conf = cordon_conf(c);
	struct http_server *hs;
	char addr[INET6_ADDRSTRLEN], why[256];
	const struct conf_account *first_user;
	const char *step = "";
	struct evhttp_bound_socket *bound;
	uint16_t port;
	int fd;

	if (conf_parse_http_listen(conf->http_listen, addr, sizeof(addr), &port, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: daemon.http: %s", conf->path, why);
		return NULL;
	}
	hs = calloc(1, sizeof(*hs));
	if (hs == NULL) {
		snprintf(err, errlen, "HTTP API: out of memory");
		return NULL;
	}
	hs->c = c;
	hs->loop = loop;
	LIST_INIT(&hs->ops);
	LIST_INIT(&hs->streams);
	snprintf(hs->listen, sizeof(hs->listen), "%s", conf->http_listen);
	if (conf->console.tls_certificate[0]) {
		hs->tls = http_tls_new(conf->console.tls_certificate, conf->console.tls_key, why, sizeof(why));
		if (hs->tls == NULL) {
			snprintf(err, errlen, "HTTP API: %s (in %s)", why, conf->path);
			free(hs);
			return NULL;
		}
	}
	/* Cookies only over TLS when browsers come by https. */
	hs->secure_cookies = hs->tls != NULL || strncmp(conf->console.public_url, "https://", 8) == 0;
	hs->acc = access_new(&conf->console, addr, port, hs->tls != NULL);
	if (hs->acc == NULL) {
		snprintf(err, errlen, "HTTP API: out of memory");
		http_tls_free(hs->tls);
		free(hs);
		return NULL;
	}
	if ((first_user = console_first_user(&conf->console)) != NULL) {
		json_set_alloc_funcs(malloc, json_free_wiped);
		char nonce[33];
		hs->pc = passcheck_new(loop, why, sizeof(why));
		/* Unknown names are checked against this: the same method and cost
		 * as a real user's hash, and a password nobody knows. */
		if (hs->pc == NULL || secret_random_hex(nonce, 16) != 0 ||
		    secret_hash_like(nonce, first_user->secret, hs->dummy_hash, sizeof(hs->dummy_hash),
			why, sizeof(why)) != 0) {
			snprintf(err, errlen, "HTTP API: password checks: %s", why);
			passcheck_free(hs->pc);
			access_free(hs->acc);
			http_tls_free(hs->tls);
			free(hs);
			return NULL;
		}
	}
	hs->max_conns = conf->http_max_conns;
	hs->count = loop_timer_new(loop, count_new, hs);
	hs->http = hs->count ? evhttp_new(loop_event_base(loop)) : NULL;
	if (hs->http == NULL) {
		snprintf(err, errlen, "HTTP API: out of memory");
		loop_timer_free(hs->count);
		passcheck_free(hs->pc);
		access_free(hs->acc);
		http_tls_free(hs->tls);
		free(hs);
		return NULL;
	}
	fd = listen_socket(addr, port, &step);
	if (fd < 0) {
		snprintf(err, errlen, "HTTP API: cannot %s on %s (daemon.http in %s): %s", step,
		    hs->listen, conf->path, strerror(errno));
		evhttp_free(hs->http);
		loop_timer_free(hs->count);
		passcheck_free(hs->pc);
		access_free(hs->acc);
		http_tls_free(hs->tls);
		free(hs);
		return NULL;
	}
	/* Before the first connection can arrive. */
	evhttp_set_bevcb(hs->http, new_connection, hs);
	bound = evhttp_accept_socket_with_handle(hs->http, fd);
	hs->guard = bound ? loop_accept_guard_new(loop, evhttp_bound_socket_get_listener(bound),
	    accept_failed, hs) : NULL;
	if (hs->guard == NULL) {
		/* Not closed here: evhttp may already have (it does when it fails
		 * after taking the socket), and the daemon exits on this error. */
		snprintf(err, errlen, "HTTP API: cannot serve on %s: out of memory", hs->listen);
		evhttp_free(hs->http);
		loop_timer_free(hs->count);
		passcheck_free(hs->pc);
		access_free(hs->acc);
		http_tls_free(hs->tls);
		free(hs);
		return NULL;
	}
	/* Every method reaches on_request, which answers 405 with a JSON body
	 * like every other error, instead of evhttp's own HTML page. */
	evhttp_set_allowed_methods(hs->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(hs->http, MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(hs->http, MAX_BODY_SIZE);
	evhttp_set_timeout(hs->http, IDLE_TIMEOUT_S);
	evhttp_set_gencb(hs->http, on_request, hs);
	if (access_required(hs->acc))
		log_info("HTTP API, metrics and console on %s://%s/ (%zu accounts: log in or send a token)",
		    hs->tls ? "https" : "http", hs->listen, conf->console.naccounts);
	else
		log_info("HTTP API, metrics and console on %s://%s/ (no accounts: read-only, no login)",
		    hs->tls ? "https" : "http", hs->listen);
	return hs;
}

void
http_stop(struct http_server *hs)
{
	struct http_op *op, *next;
	size_t i;

	if (hs == NULL)
		return;
	/* No password check answers after this, and no stream waits for news. */
	passcheck_free(hs->pc);
	http_streams_close(hs);
	for (op = LIST_FIRST(&hs->ops); op; op = next) {
		next = LIST_NEXT(op, entry);
		LIST_REMOVE(op, entry);
		op->hs = NULL;
		op->req = NULL;       /* evhttp_free frees it */
		/* An action's answer may still come (cordon_* calls back); its
		 * callback frees the op then. A login's never will. */
		if (op->login)
			free(op);
	}
	/* The guard first: evhttp_free frees the listener it watches. */
	loop_accept_guard_free(hs->guard);
	/* Calls connection_closed for each open connection: hs is still whole. */
	evhttp_free(hs->http);
	/* Connections accepted in the loop's last round and not counted yet:
	 * count_new will not run, so their references are given up here. */
	for (i = 0; i < hs->nfresh; i++)
		bufferevent_decref(hs->fresh[i]);
	loop_timer_free(hs->count);
	free(hs->fresh);
	access_free(hs->acc);
	http_tls_free(hs->tls);
	free(hs);
}
