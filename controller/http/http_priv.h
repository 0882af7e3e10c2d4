/* SPDX-License-Identifier: ISC */
/*
 * http_priv: what the HTTP module's files share (http.c: the server, routing
 * and the read API; http_session.c: who is asking, login and logout;
 * http_act.c: the operator's actions). Not for use outside them.
 */
#ifndef CORDON_HTTP_PRIV_H
#define CORDON_HTTP_PRIV_H

#include <stdbool.h>
#include <sys/queue.h>

#include <event2/http.h>

#include "access.h"
#include "conf.h"

struct cordon;
struct loop;
struct passcheck;
struct http_tls;
struct http_stream;
struct evkeyvalq;
struct bufferevent;
struct loop_accept_guard;
struct loop_timer;

/* A request answered later: a login's password check, an operator's action. */
struct http_op {
	LIST_ENTRY(http_op) entry;
	struct http_server *hs;          /* NULL once the server has stopped */
	struct evhttp_request *req;      /* NULL once the server has stopped */
	bool login;
	const struct conf_account *acc;  /* login: the user, NULL when unknown */
	char user[65];                   /* login: the name given, printable */
	char client[64];
};

struct http_server {
	struct cordon *c;                /* borrowed: the daemon owns this server */
	struct loop *loop;               /* borrowed: the daemon's */
	struct evhttp *http;             /* owned */
	char listen[128];                /* the configured ADDRESS:PORT, for messages */
	struct access *acc;              /* owned */
	struct passcheck *pc;            /* owned; NULL without user accounts */
	char dummy_hash[SECRET_HASH_MAX];   /* checked for unknown users: same time taken */
	struct http_tls *tls;            /* owned; NULL: plain HTTP */
	bool secure_cookies;               /* browsers come by https (console.public_url) */
	LIST_HEAD(, http_op) ops;        /* requests answered later */
	LIST_HEAD(, http_stream) streams;   /* open event streams (http_console.c), owned */
	unsigned nstreams;
	/* The connection cap (daemon.http_max_connections), which evhttp has
	 * not: connections are counted as evhttp makes them (new_connection)
	 * and as it frees them (its close callback). */
	struct loop_accept_guard *guard; /* owned: pauses evhttp's listener when accept fails */
	struct loop_timer *count;        /* owned: counts the connections just accepted */
	struct bufferevent **fresh;      /* owned array: those, each with a reference of ours */
	size_t nfresh, fresh_cap;
	unsigned nconns;                 /* open and counted */
	unsigned max_conns;
	uint64_t refused;                /* refused at max_conns since the start */
};

/* Who is asking (http_identify). */
enum http_via { HTTP_ANONYMOUS, HTTP_SESSION, HTTP_TOKEN };

struct http_caller {
	enum http_via via;
	const struct conf_account *acc;  /* borrowed from the config; NULL when anonymous */
	struct access_session *session;  /* HTTP_SESSION: valid for this loop turn only */
	char actor[48];                  /* "user:NAME", "token:NAME" or "anonymous" */
	char client[64];                 /* the peer's address */
};

/* ---- http.c ---- */
void http_reply_json(struct evhttp_request *req, int code, void *json);   /* consumes a json_t */
void http_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *http_printable(char *s);
/* 400 for a query parameter: "parameter 'NAME': WHY, got VALUE" (the value
 * quoted with quote_json_text, so any bytes are safe). */
void http_reply_bad_param(struct evhttp_request *req, const char *name, const char *value,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The request's body as a NUL-terminated string (malloc'd, the caller
 * frees), or NULL after answering 400/415/500. Empty bodies give "". */
char *http_json_body(struct evhttp_request *req);
void http_op_free(struct http_op *op);
/* Parses the query into q (the caller clears it with evhttp_clear_headers)
 * and checks that each parameter is one of `known` (NULL-terminated), given
 * once. 0, or -1 after answering 400. */
int http_query_parse(struct evhttp_request *req, struct evkeyvalq *q, const char *const *known);
/* A whole decimal number from lo to hi into *out: 0, or -1. */
int http_parse_int(const char *s, long long lo, long long hi, long long *out);

/* ---- http_session.c ---- */
/*
 * Works out who is asking from a bearer token or the session cookie. Returns
 * 0, or -1 after answering (a wrong or throttled token: 401/429).
 */
int http_identify(struct http_server *hs, struct evhttp_request *req, struct http_caller *who);
/* For state-changing requests of a session: Origin, Sec-Fetch-Site and the
 * X-CSRF-Token header. true, or false after answering 403. */
bool http_csrf_ok(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who);
void http_login(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who);
void http_logout(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who);
void http_session_get(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who);

/* ---- http_act.c ---- */
enum http_action { HTTP_ACT_PATCHED, HTTP_ACT_APPROVE, HTTP_ACT_QUARANTINE };
/* `raw_ip` still percent-encoded. The caller has checked the role and CSRF. */
void http_act(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who,
    const char *raw_ip, enum http_action act);
const char *http_action_name(enum http_action act);

#endif
