/* SPDX-License-Identifier: ISC */
/*
 * http_console: what the browser console needs besides the read API (see
 * http_console.h and docs/console.md): its files, the overview, the list of
 * stored detections, and the live event stream.
 *
 * The stream is Server-Sent Events over one chunked reply: the daemon tells
 * its subscribers when audit entries or detections were stored, and each
 * stream sends what came after its own two cursors. A stream opened with a
 * session ends when the session does.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cordon.h"
#include "ctl_proto.h"
#include "http_console.h"
#include "http_priv.h"
#include "log.h"
#include "loop.h"

#define MAX_STREAMS 64
/* An account's share: one viewer's tabs cannot lock others out. */
#define MAX_STREAMS_PER_ACCOUNT 8
/* Below the server's idle timeout (10 s), which a stream's connection keeps. */
#define STREAM_KEEPALIVE_S 4.0
/* Output a client has not read: beyond, its stream ends (it reconnects and
 * reads the rest from /api/v1/events and /api/v1/detections). */
#define STREAM_MAX_PENDING (1024 * 1024)
#define STREAM_MAX_INPUT 4096
/* Entries one telling sends at most per kind; the rest follow at the next. */
#define STREAM_BATCH 500
#define DETECTIONS_DEFAULT_LIMIT 100
#define DETECTIONS_MAX_LIMIT 10000
/* The overview's chart: the last hour in minutes. */
#define HISTORY_BUCKET_S 60
#define HISTORY_BUCKETS CORDON_HISTORY_MINUTES

struct http_stream {
	LIST_ENTRY(http_stream) entry;
	struct http_server *hs;              /* borrowed */
	struct evhttp_request *req;          /* evhttp's; ours to end */
	struct evhttp_connection *evcon;     /* evhttp's */
	struct loop_timer *keepalive;        /* owned */
	struct loop_timer *more;             /* owned: a full batch calls for another at once */
	const struct conf_account *account;  /* borrowed from the config; NULL: anonymous */
	int64_t audit_cursor, detection_cursor;
	bool session;                        /* opened with a session: check it lives */
	char session_id[ACCESS_ID_HEX];
};

/* Pages are the console's only HTML: no framing, no inline script, nothing
 * from elsewhere, and never sniffed as another type. */
static void
page_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
}

void
http_console_file(struct http_server *hs, struct evhttp_request *req, const char *name)
{
	const struct console_file *f;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	(void)hs;
	for (f = console_files; f->name; f++)
		if (strcmp(f->name, name) == 0)
			break;
	if (f->name == NULL) {
		char shown[128];
		snprintf(shown, sizeof(shown), "%s", name);
		http_reply_error(req, 404, "no console file '%s'", http_printable(shown));
		return;
	}
	page_headers(req);
	evhttp_add_header(h, "Content-Type", f->type);
	/* A new cordond may bring new files under the same names. */
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evbuffer_add_reference(evhttp_request_get_output_buffer(req), f->data, f->len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", NULL);
}

void
http_overview(struct http_server *hs, struct evhttp_request *req)
{
	static const char *const known[] = { NULL };
	uint32_t det[HISTORY_BUCKETS], iso[HISTORY_BUCKETS];
	struct evkeyvalq q;
	char err[300];
	json_t *status, *d, *i, *sensors;
	const struct cordon_sensor *sn;
	size_t nsensors;
	uint64_t unlisted;
	double now = loop_now(), since;
	int k;

	if (http_query_parse(req, &q, known) != 0)
		goto out;
	status = ctl_status_json(hs->c, err, sizeof(err));
	if (status == NULL) {
		http_reply_error(req, 500, "%s", err);
		goto out;
	}
	/* Whole minutes, the current one last, counted in memory (cordon_history). */
	cordon_history(hs->c, now, &since, det, iso);
	d = json_array();
	i = json_array();
	for (k = 0; k < HISTORY_BUCKETS; k++) {
		json_array_append_new(d, json_integer(det[k]));
		json_array_append_new(i, json_integer(iso[k]));
	}
	sensors = json_array();
	nsensors = cordon_sensors(hs->c, &sn, &unlisted);
	for (k = 0; k < (int)nsensors; k++)
		json_array_append_new(sensors, json_pack("{s:o, s:f, s:f, s:I, s:I}", "name", ctl_text_json(sn[k].name),
		    "first_heard", sn[k].first_heard, "last_heard", sn[k].last_heard,
		    "detections", (json_int_t)sn[k].detections, "reports", (json_int_t)sn[k].reports));
	http_reply_json(req, 200, json_pack("{s:o, s:o, s:{s:f, s:i, s:o, s:o}, s:o, s:I, s:i}",
	    "status", status, "points", ctl_points_json(hs->c),
	    "history", "since", since, "bucket_s", HISTORY_BUCKET_S, "detections", d, "isolations", i,
	    "sensors", sensors, "sensors_unlisted", (json_int_t)unlisted, "streams", (int)hs->nstreams));
out:
	evhttp_clear_headers(&q);
}

/* A stored detection as the API gives it: the sensor's event as it came. */
static json_t *
detection_json(const struct event_rec *e)
{
	json_t *ev = json_loads(e->json, 0, NULL);

	return json_pack("{s:I, s:f, s:s, s:s, s:o}", "id", (json_int_t)e->id, "time", e->time,
	    "host", e->host, "engine", e->engine, "detection", ev ? ev : json_string(e->json));
}

int
http_collect_detection(void *arg, const struct event_rec *e)
{
	json_array_append_new((json_t *)arg, detection_json(e));
	return 0;
}

void
http_detections(struct http_server *hs, struct evhttp_request *req)
{
	static const char *const known[] = { "after", "limit", "host", NULL };
	struct registry *reg = cordon_registry(hs->c);
	struct evkeyvalq q;
	long long after = -1, limit = DETECTIONS_DEFAULT_LIMIT;
	struct ip_addr host;
	const char *v;
	json_t *arr;

	if (http_query_parse(req, &q, known) != 0)
		goto out;
	if ((v = evhttp_find_header(&q, "after")) != NULL && http_parse_int(v, 0, INT64_MAX, &after) != 0) {
		http_reply_bad_param(req, "after", v, "expected a detection id (a whole number from 0)");
		goto out;
	}
	if ((v = evhttp_find_header(&q, "limit")) != NULL &&
	    http_parse_int(v, 1, DETECTIONS_MAX_LIMIT, &limit) != 0) {
		http_reply_bad_param(req, "limit", v, "expected a whole number from 1 to %d", DETECTIONS_MAX_LIMIT);
		goto out;
	}
	v = evhttp_find_header(&q, "host");
	if (v != NULL && ip_from_str(v, &host) != 0) {
		http_reply_bad_param(req, "host", v, "expected an IPv4 or IPv6 address");
		goto out;
	}
	arr = json_array();
	if (registry_event_list(reg, v ? &host : NULL, after, (unsigned)limit, http_collect_detection, arr) != 0) {
		json_decref(arr);
		http_reply_error(req, 500, "state database: %s", registry_error(reg));
		goto out;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "detections", arr));
out:
	evhttp_clear_headers(&q);
}

/* ---- the event stream ----------------------------------------------------------- */

static void
stream_free(struct http_stream *st)
{
	struct http_server *hs = st->hs;

	cordon_unsubscribe(hs->c, st);
	loop_timer_free(st->keepalive);
	loop_timer_free(st->more);
	LIST_REMOVE(st, entry);
	hs->nstreams--;
	explicit_bzero(st->session_id, sizeof(st->session_id));
	free(st);
}

/*
 * The client went (or its connection failed). evhttp frees the connection
 * after this; a request it detached from it first (a reply under way on a
 * connection that timed out or hit EOF) is ours to end, which frees it.
 */
static void
stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct http_stream *st = arg;

	(void)evcon;
	if (evhttp_request_get_connection(st->req) == NULL)
		evhttp_send_reply_end(st->req);
	stream_free(st);
}

static void stream_end(struct http_stream *st);

/*
 * Whether the client keeps up: false (and the stream ended) when it has not
 * read STREAM_MAX_PENDING bytes of what was sent. What it sent meanwhile is
 * dropped: nothing reads it while the reply streams (its reading stops at
 * STREAM_MAX_INPUT bytes, set in http_stream, so it cannot pile up).
 */
static bool
stream_keeps_up(struct http_stream *st)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(st->evcon);

	if (bev == NULL)
		return true;
	evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
	if (evbuffer_get_length(bufferevent_get_output(bev)) > STREAM_MAX_PENDING) {
		log_warnx("http: event stream of %s: more than %d bytes unread; ended",
		    st->account ? st->account->name : "an anonymous client", STREAM_MAX_PENDING);
		stream_end(st);
		return false;
	}
	return true;
}

/* Ends the reply (the client sees the stream end) and forgets the stream. */
static void
stream_end(struct http_stream *st)
{
	evhttp_connection_set_closecb(st->evcon, NULL, NULL);
	evhttp_send_reply_end(st->req);
	stream_free(st);
}

static void
send_event(struct evbuffer *b, const char *kind, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (s == NULL)
		return;
	/* JSON on one line: a data field cannot be cut by a newline. */
	evbuffer_add_printf(b, "event: %s\ndata: %s\n\n", kind, s);
	free(s);
}

struct stream_batch {
	struct evbuffer *b;
	int64_t *cursor;
	unsigned n;                          /* entries sent of this kind */
};

static int
stream_audit(void *arg, const struct audit_rec *a)
{
	struct stream_batch *sb = arg;

	send_event(sb->b, "audit", ctl_audit_json(a));
	*sb->cursor = a->id;
	sb->n++;
	return 0;
}

static int
stream_detection(void *arg, const struct event_rec *e)
{
	struct stream_batch *sb = arg;

	send_event(sb->b, "detection", detection_json(e));
	*sb->cursor = e->id;
	sb->n++;
	return 0;
}

/* Without touching the session's idle clock: an open console tab is not use. */
static bool
stream_session_lives(struct http_stream *st)
{
	return !st->session || access_session_alive(st->hs->acc, st->session_id, loop_now());
}

static void
stream_told(void *arg, int64_t unused)
{
	struct http_stream *st = arg;
	struct registry *reg = cordon_registry(st->hs->c);
	struct stream_batch sb;
	bool full;

	(void)unused;
	if (!stream_session_lives(st)) {
		stream_end(st);
		return;
	}
	if (!stream_keeps_up(st))
		return;
	sb.b = evbuffer_new();
	if (sb.b == NULL)
		return;
	sb.n = 0;
	sb.cursor = &st->audit_cursor;
	registry_audit_list(reg, NULL, st->audit_cursor, STREAM_BATCH, stream_audit, &sb);
	full = sb.n == STREAM_BATCH;
	sb.n = 0;
	sb.cursor = &st->detection_cursor;
	registry_event_list(reg, NULL, st->detection_cursor, STREAM_BATCH, stream_detection, &sb);
	full |= sb.n == STREAM_BATCH;
	if (evbuffer_get_length(sb.b) > 0)
		evhttp_send_reply_chunk(st->req, sb.b);
	evbuffer_free(sb.b);
	/* More came than one batch: the rest at once, not at the next telling. */
	if (full)
		loop_timer_arm(st->more, 0);
}

static void
stream_more(void *arg)
{
	stream_told(arg, 0);
}

static void
stream_keepalive(void *arg)
{
	struct http_stream *st = arg;
	struct evbuffer *b;

	if (!stream_session_lives(st)) {
		stream_end(st);
		return;
	}
	if (!stream_keeps_up(st))
		return;
	/* A comment line: proxies and the browser see the stream is alive. */
	b = evbuffer_new();
	if (b != NULL) {
		evbuffer_add_printf(b, ": keepalive\n\n");
		evhttp_send_reply_chunk(st->req, b);
		evbuffer_free(b);
	}
	loop_timer_arm(st->keepalive, STREAM_KEEPALIVE_S);
}

void
http_stream(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who)
{
	static const char *const known[] = { NULL };
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct registry *reg = cordon_registry(hs->c);
	struct http_stream *st;
	struct evkeyvalq q;
	struct evbuffer *b;

	if (http_query_parse(req, &q, known) != 0)
		goto out;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evhttp_add_header(h, "Content-Type", "text/event-stream");
		evhttp_send_reply(req, 200, "OK", NULL);
		goto out;
	}
	if (hs->nstreams >= MAX_STREAMS) {
		evhttp_add_header(h, "Retry-After", "10");
		http_reply_error(req, 503, "%d event streams are open already", MAX_STREAMS);
		goto out;
	}
	if (who->acc != NULL) {
		unsigned mine = 0;
		LIST_FOREACH(st, &hs->streams, entry)
			mine += st->account == who->acc;
		if (mine >= MAX_STREAMS_PER_ACCOUNT) {
			evhttp_add_header(h, "Retry-After", "10");
			http_reply_error(req, 503, "%s has %d event streams open already", who->actor,
			    MAX_STREAMS_PER_ACCOUNT);
			goto out;
		}
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->keepalive = loop_timer_new(hs->loop, stream_keepalive, st)) == NULL ||
	    (st->more = loop_timer_new(hs->loop, stream_more, st)) == NULL) {
		if (st != NULL)
			loop_timer_free(st->keepalive);
		free(st);
		http_reply_error(req, 500, "out of memory");
		goto out;
	}
	st->account = who->acc;
	st->hs = hs;
	st->req = req;
	st->evcon = evhttp_request_get_connection(req);
	st->audit_cursor = registry_audit_last_id(reg);
	st->detection_cursor = registry_event_last_id(reg);
	if (st->audit_cursor < 0 || st->detection_cursor < 0) {
		loop_timer_free(st->keepalive);
		loop_timer_free(st->more);
		free(st);
		http_reply_error(req, 500, "state database: %s", registry_error(reg));
		goto out;
	}
	if (who->via == HTTP_SESSION) {
		st->session = true;
		snprintf(st->session_id, sizeof(st->session_id), "%s", who->session->id);
	}
	LIST_INSERT_HEAD(&hs->streams, st, entry);
	hs->nstreams++;
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	/* The reply is under way: from here on the connection is ours to watch. */
	evhttp_connection_set_closecb(st->evcon, stream_closed, st);
	/* Nothing reads what the client sends now: reading stops once this
	 * much waits (stream_keeps_up drops it). */
	bufferevent_setwatermark(evhttp_connection_get_bufferevent(st->evcon), EV_READ, 0, STREAM_MAX_INPUT);
	b = evbuffer_new();
	if (b != NULL) {
		evbuffer_add_printf(b, "retry: 2000\n: stream open\n\n");
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
	cordon_subscribe(hs->c, stream_told, st);
	loop_timer_arm(st->keepalive, STREAM_KEEPALIVE_S);
out:
	evhttp_clear_headers(&q);
}

void
http_streams_close(struct http_server *hs)
{
	while (!LIST_EMPTY(&hs->streams))
		stream_end(LIST_FIRST(&hs->streams));
}
