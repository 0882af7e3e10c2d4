/* SPDX-License-Identifier: ISC */
/*
 * ctl: the control sockets. One JSON object per line each way (the protocol
 * is in docs/control-protocol.md). The read-write socket's file permissions
 * decide who may act; the read-only socket serves list, assets, show,
 * events, switches and status to anyone allowed to connect. Every acting request is
 * audited with the caller's uid.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon.h"
#include "ctl.h"
#include "ctl_proto.h"
#include "log.h"

#define CTL_MAX_LINE 65536
#define EVENTS_DEFAULT_LIMIT 100
#define EVENTS_MAX_LIMIT 10000
/* A client that asks faster than it reads is not read from while more than
 * this waits for it (one `list` page of 10 000 hosts is a few MB, so one
 * answer fits whatever it holds)... */
#define CTL_PAUSE_ABOVE (1024 * 1024)
/* ...and is closed past this (it asked for more than it will ever read). */
#define CTL_CLOSE_ABOVE (32 * 1024 * 1024)

/* The two control sockets; one daemon per process. */
struct ctl_server {
	struct cordon *c;
	bool read_only;
};

struct ctl_conn {
	struct cordon *c;
	struct loop_conn *conn;
	bool read_only;
	bool following;
	bool waiting;            /* an operation will answer */
	struct ip_addr follow_host;
	bool follow_has_host;
	int64_t cursor;          /* last audit id sent */
};

static void
send_json(struct ctl_conn *cc, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	if (s == NULL) {
		/* Every request gets an answer, even one the daemon could not build. */
		static const char fallback[] =
		    "{\"ok\":false,\"code\":\"failed\",\"error\":\"the answer could not be encoded\"}\n";
		loop_conn_write(cc->conn, fallback, sizeof(fallback) - 1);
		return;
	}
	loop_conn_write(cc->conn, s, strlen(s));
	loop_conn_write(cc->conn, "\n", 1);
	free(s);
}

static void
send_error(struct ctl_conn *cc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
send_error(struct ctl_conn *cc, const char *code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_json(cc, json_pack("{s:b, s:s, s:s}", "ok", 0, "code", code, "error", msg));
}

/* ---- operations that answer later ------------------------------------------ */

static void
op_done(void *arg, bool ok, const struct host_rec *h, const char *message)
{
	struct ctl_conn *cc = arg;
	json_t *o;

	cc->waiting = false;
	o = json_pack("{s:b, s:s}", "ok", ok, "message", message ? message : "");
	if (!ok)
		json_object_set_new(o, "code", json_string("failed"));
	if (h != NULL)
		json_object_set_new(o, "host", ctl_host_json(h));
	send_json(cc, o);
}

static void
follow_cb(void *arg, int64_t unused);

/* ---- requests ------------------------------------------------------------------ */

/* Hosts per `list` page when the request names no limit (at most 10 000). */
#define LIST_DEFAULT_LIMIT 1000

static int
collect_list(void *arg, const struct host_rec *h)
{
	json_array_append_new((json_t *)arg, ctl_host_json(h));
	return 0;
}

static int
collect_asset(void *arg, const struct host_rec *h, const struct host_service *s, size_t n)
{
	json_array_append_new((json_t *)arg, ctl_asset_json(h, s, n));
	return 0;
}

static int
collect_audit(void *arg, const struct audit_rec *a)
{
	json_array_append_new((json_t *)arg, ctl_audit_json(a));
	return 0;
}

struct follow_ctx {
	struct ctl_conn *cc;
};

static int
send_audit(void *arg, const struct audit_rec *a)
{
	struct ctl_conn *cc = arg;

	cc->cursor = a->id;
	send_json(cc, json_pack("{s:o}", "event", ctl_audit_json(a)));
	return 0;
}

#define FOLLOW_MAX_PENDING (1024 * 1024)

static void
follow_cb(void *arg, int64_t unused)
{
	struct ctl_conn *cc = arg;

	(void)unused;
	if (loop_conn_pending(cc->conn) > FOLLOW_MAX_PENDING) {
		/* A follower that does not read is dropped, not buffered for. */
		log_warnx("control: dropping an events follower that does not read (%zu bytes waiting)",
		    loop_conn_pending(cc->conn));
		loop_conn_close(cc->conn);   /* ctl_close unsubscribes and frees cc */
		return;
	}
	registry_audit_list(cordon_registry(cc->c), cc->follow_has_host ? &cc->follow_host : NULL,
	    cc->cursor, EVENTS_MAX_LIMIT, send_audit, cc);
}

static void
do_status(struct ctl_conn *cc)
{
	char err[300];
	json_t *st = ctl_status_json(cc->c, err, sizeof(err)), *o;

	if (st == NULL) {
		send_error(cc, "failed", "%s", err);
		return;
	}
	o = json_pack("{s:b}", "ok", 1);
	json_object_update(o, st);
	json_decref(st);
	send_json(cc, o);
}

static void
do_switches(struct ctl_conn *cc)
{
	send_json(cc, json_pack("{s:b, s:o}", "ok", 1, "points", ctl_points_json(cc->c)));
}

static void
handle(struct ctl_conn *cc, const struct ctl_request *rq)
{
	struct cordon *c = cc->c;
	char actor[32];
	long uid = loop_conn_uid(cc->conn);

	snprintf(actor, sizeof(actor), "uid:%ld", uid);
	if (cc->read_only && ctl_cmd_acts(rq->cmd)) {
		send_error(cc, "read-only", "'%s' is not served on the read-only socket; use the control socket",
		    ctl_cmd_name(rq->cmd));
		return;
	}
	if (cc->waiting || cc->following) {
		send_error(cc, "busy", "one request at a time on a connection");
		return;
	}
	switch (rq->cmd) {
	case CTL_QUARANTINE:
		cc->waiting = true;
		cordon_quarantine(c, &rq->host, rq->has_mac ? rq->mac : NULL, actor, rq->reason,
		    op_done, cc);
		break;
	case CTL_RELEASE:
		cc->waiting = true;
		cordon_release(c, &rq->host, actor, rq->reason, op_done, cc);
		break;
	case CTL_APPROVE:
		cc->waiting = true;
		cordon_approve(c, &rq->host, actor, op_done, cc);
		break;
	case CTL_BREAKER: {
		struct cordon_breaker br;
		if (cordon_breaker_state(c, &br) != 0) {
			send_error(cc, "failed", "state database: %s", registry_error(cordon_registry(c)));
			return;
		}
		send_json(cc, json_pack("{s:b, s:o}", "ok", 1, "breaker", ctl_breaker_json(&br)));
		break;
	}
	case CTL_RESOLVE:
		cc->waiting = true;
		cordon_resolve(c, &rq->host, rq->resolve_as == RESOLVE_ISOLATED, actor, rq->reason,
		    op_done, cc);
		break;
	case CTL_BREAKER_RESET:
		cc->waiting = true;
		cordon_breaker_reset(c, actor, rq->reason, op_done, cc);
		break;
	case CTL_LIST: {
		/* A page at a time: the daemon never holds the whole table. */
		unsigned limit = rq->limit ? rq->limit : LIST_DEFAULT_LIMIT;
		json_t *arr = json_array(), *next = json_null();
		int n = registry_page(cordon_registry(c), rq->state, rq->has_after ? &rq->after : NULL,
		    limit, collect_list, arr);
		if (n < 0) {
			json_decref(arr);
			send_error(cc, "failed", "state database: %s", registry_error(cordon_registry(c)));
			return;
		}
		if ((unsigned)n == limit && n > 0)
			next = json_incref(json_object_get(json_array_get(arr, (size_t)n - 1), "ip"));
		send_json(cc, json_pack("{s:b, s:o, s:o}", "ok", 1, "hosts", arr, "next", next));
		break;
	}
	case CTL_ASSETS: {
		/* Paged as `list`, each host with its services. */
		unsigned limit = rq->limit ? rq->limit : LIST_DEFAULT_LIMIT;
		json_t *arr = json_array(), *next = json_null();
		int n = registry_assets_page(cordon_registry(c), rq->state, rq->exposed,
		    rq->has_after ? &rq->after : NULL, limit, collect_asset, arr);
		if (n < 0) {
			json_decref(arr);
			send_error(cc, "failed", "state database: %s", registry_error(cordon_registry(c)));
			return;
		}
		if ((unsigned)n == limit && n > 0)
			next = json_incref(json_object_get(json_array_get(arr, (size_t)n - 1), "ip"));
		send_json(cc, json_pack("{s:b, s:o, s:o}", "ok", 1, "hosts", arr, "next", next));
		break;
	}
	case CTL_SHOW: {
		struct host_rec h;
		json_t *hist;
		char ipt[64];
		int rc = registry_get(cordon_registry(c), &rq->host, &h);
		if (rc <= 0) {
			if (rc < 0)
				send_error(cc, "failed", "state database: %s", registry_error(cordon_registry(c)));
			else
				send_error(cc, "not-found", "%s is not on record", ip_to_str(&rq->host, ipt, sizeof(ipt)));
			return;
		}
		hist = json_array();
		registry_audit_list(cordon_registry(c), &rq->host, 0, EVENTS_MAX_LIMIT, collect_audit, hist);
		send_json(cc, json_pack("{s:b, s:o, s:o}", "ok", 1, "host", ctl_host_json(&h), "history", hist));
		break;
	}
	case CTL_EVENTS: {
		int64_t last = registry_audit_last_id(cordon_registry(c));
		unsigned limit = rq->limit ? rq->limit : EVENTS_DEFAULT_LIMIT;
		cc->follow_has_host = rq->has_host;
		cc->follow_host = rq->host;
		cc->cursor = last > (int64_t)limit ? last - (int64_t)limit : 0;
		follow_cb(cc, 0);
		if (rq->follow) {
			cc->following = true;
			/* A follower only reads: it is quiet by design. */
			loop_conn_no_idle_input(cc->conn);
			cordon_subscribe(c, follow_cb, cc);
		} else {
			send_json(cc, json_pack("{s:b}", "ok", 1));
		}
		break;
	}
	case CTL_SWITCHES:
		do_switches(cc);
		break;
	case CTL_STATUS:
		do_status(cc);
		break;
	}
}

static void
ctl_line(void *arg, struct loop_conn *conn, const char *line, size_t len)
{
	struct ctl_conn *cc = loop_conn_data(conn);
	struct ctl_request rq;
	char err[300];

	(void)arg;
	if (len == 0)
		return;
	if (ctl_request_parse(line, len, &rq, err, sizeof(err)) != 0) {
		send_error(cc, "usage", "%s", err);
		return;
	}
	handle(cc, &rq);
}

static struct ctl_conn *conn_state(struct ctl_server *s, struct loop_conn *conn);

static void
ctl_oversize(void *arg, struct loop_conn *conn)
{
	struct ctl_conn *cc = conn_state(arg, conn);

	if (cc != NULL)
		send_error(cc, "usage", "request longer than %d bytes", CTL_MAX_LINE);
}

static void
ctl_close(void *arg, struct loop_conn *conn)
{
	struct ctl_conn *cc = loop_conn_data(conn);

	(void)arg;
	if (cc == NULL)
		return;
	cordon_forget_waiter(cc->c, cc);
	cordon_unsubscribe(cc->c, cc);
	free(cc);
}

static struct ctl_server rw_server, ro_server;

static void
ctl_limit(void *arg, struct loop_conn *conn, const char *why)
{
	(void)arg;
	log_warnx("control: closing a connection of uid %ld on %s: %s", loop_conn_uid(conn),
	    loop_conn_server(conn), why);
}

static void
ctl_full(void *arg, const char *spec, uint64_t refused)
{
	struct ctl_server *s = arg;

	cordon_conn_refused(s->c);
	/* A client opening connections in a loop would flood the log. */
	if (refused == 1 || refused % 1000 == 0)
		log_warnx("control: %s: refused a connection, %d already open (%llu refused so far)",
		    spec, LOOP_MAX_CONNS, (unsigned long long)refused);
}

static void ctl_line_first(void *arg, struct loop_conn *conn, const char *line, size_t len);

static void
ctl_accept_error(void *arg, const char *spec, int err, double pause_s)
{
	(void)arg;
	/* Once per episode (loop.h): a client retrying must not flood the log. */
	log_warnx("control: %s: accept failed: %s; not accepting for %g s, then again "
	    "(logged once until one succeeds)", spec, strerror(err), pause_s);
}

static const struct loop_conn_ops ctl_ops = { ctl_line_first, ctl_oversize, ctl_close, NULL,
	ctl_limit, ctl_full, ctl_accept_error };

static struct ctl_conn *
conn_state(struct ctl_server *s, struct loop_conn *conn)
{
	struct ctl_conn *cc = loop_conn_data(conn);

	if (cc != NULL)
		return cc;
	cc = calloc(1, sizeof(*cc));
	if (cc == NULL)
		return NULL;
	cc->c = s->c;
	cc->conn = conn;
	cc->read_only = s->read_only;
	loop_conn_set_data(conn, cc);
	return cc;
}

static void
ctl_line_first(void *arg, struct loop_conn *conn, const char *line, size_t len)
{
	if (conn_state(arg, conn) == NULL) {
		loop_conn_close_after_write(conn);
		return;
	}
	ctl_line(arg, conn, line, len);
}

int
ctl_start(struct cordon *c, struct loop *loop, char *err, size_t errlen)
{
	const struct cordon_conf *conf = cordon_conf(c);
	char spec[CONF_PATH_LEN + 8], why[512];
	const struct loop_limits lim = { .idle_s = conf->control_idle_s,
		.pause_above = CTL_PAUSE_ABOVE, .close_above = CTL_CLOSE_ABOVE };
	struct loop_server *srv;

	rw_server.c = c;
	rw_server.read_only = false;
	ro_server.c = c;
	ro_server.read_only = true;
	snprintf(spec, sizeof(spec), "unix:%s", conf->control_path);
	if ((srv = loop_listen(loop, spec, conf->control_mode, conf->control_gid, CTL_MAX_LINE,
		&ctl_ops, &rw_server, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "control socket %s", why);
		return -1;
	}
	loop_server_set_limits(srv, &lim);
	if (conf->control_ro_path[0]) {
		snprintf(spec, sizeof(spec), "unix:%s", conf->control_ro_path);
		if ((srv = loop_listen(loop, spec, 0666, (gid_t)-1, CTL_MAX_LINE, &ctl_ops,
			&ro_server, why, sizeof(why))) == NULL) {
			snprintf(err, errlen, "read-only control socket %s", why);
			return -1;
		}
		loop_server_set_limits(srv, &lim);
	}
	return 0;
}
