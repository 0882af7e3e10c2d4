/* SPDX-License-Identifier: ISC */
/*
 * http_session: who is asking the HTTP API, login and logout (see
 * http_priv.h, access.h and docs/http-api.md, "Users and tokens").
 *
 * A bearer token (Authorization: Bearer T) is checked on every request; a
 * browser logs in once (POST /api/v1/login) and then sends the session
 * cookie, which the browser adds by itself, also to requests another site
 * makes it send. That is why a session's state-changing requests must also
 * carry the session's CSRF token in a header, which another site can neither
 * read nor set, and must not come from another origin.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cordon.h"
#include "http.h"
#include "http_priv.h"
#include "log.h"
#include "loop.h"
#include "passcheck.h"

static void
peer(struct evhttp_request *req, char *out, size_t outlen)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(out, outlen, "%s", addr ? addr : "?");
}

static void
retry_after(struct evhttp_request *req, double seconds)
{
	char v[32];

	snprintf(v, sizeof(v), "%.0f", ceil(seconds < 1 ? 1 : seconds));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", v);
}

int
http_identify(struct http_server *hs, struct evhttp_request *req, struct http_caller *who)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *authz = evhttp_find_header(in, "Authorization");
	const char *cookie = evhttp_find_header(in, "Cookie");
	char id[ACCESS_ID_HEX + 1];
	double now = loop_now();

	memset(who, 0, sizeof(*who));
	who->via = HTTP_ANONYMOUS;
	snprintf(who->actor, sizeof(who->actor), "anonymous");
	peer(req, who->client, sizeof(who->client));
	if (authz != NULL) {
		double wait;
		if (strncasecmp(authz, "Bearer ", 7) != 0) {
			http_reply_error(req, 401, "Authorization: only 'Bearer TOKEN' is accepted");
			return -1;
		}
		wait = access_token_wait(hs->acc, who->client, now);
		if (wait > 0) {
			retry_after(req, wait);
			http_reply_error(req, 429, "too many wrong tokens from %s; try again in %.0f s",
			    who->client, ceil(wait));
			return -1;
		}
		who->acc = access_token(hs->acc, authz + 7);
		if (who->acc == NULL) {
			access_token_failed(hs->acc, who->client, now);
			log_warnx("http: a wrong API token from %s", who->client);
			evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
			    "Bearer realm=\"cordon\"");
			http_reply_error(req, 401, "the bearer token is not one of console.tokens");
			return -1;
		}
		who->via = HTTP_TOKEN;
		snprintf(who->actor, sizeof(who->actor), "token:%s", who->acc->name);
		return 0;
	}
	if (access_cookie(cookie, ACCESS_COOKIE, id, sizeof(id)) == 0) {
		who->session = access_session_find(hs->acc, id, now);
		explicit_bzero(id, sizeof(id));
		/* An unknown or expired session is no session: the request goes on
		 * as anonymous, and is refused where that is not enough. */
		if (who->session != NULL) {
			who->via = HTTP_SESSION;
			who->acc = who->session->account;
			snprintf(who->actor, sizeof(who->actor), "user:%s", who->acc->name);
		}
	}
	return 0;
}

/* Requests a browser makes for another site's page either carry that site's
 * Origin or, in newer browsers, Sec-Fetch-Site: cross-site. */
static bool
same_origin(struct http_server *hs, struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *origin = evhttp_find_header(in, "Origin");
	const char *site = evhttp_find_header(in, "Sec-Fetch-Site");
	char shown[128];

	if (origin != NULL && !access_origin_allowed(hs->acc, origin)) {
		snprintf(shown, sizeof(shown), "%s", origin);
		http_reply_error(req, 403, "cross-origin request refused (Origin '%s' is not this server)",
		    http_printable(shown));
		return false;
	}
	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
		snprintf(shown, sizeof(shown), "%s", site);
		http_reply_error(req, 403, "cross-site request refused (Sec-Fetch-Site: %s)",
		    http_printable(shown));
		return false;
	}
	return true;
}

bool
http_csrf_ok(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who)
{
	const char *t;

	if (who->via != HTTP_SESSION)
		return true;    /* a token is sent on purpose, never added by a browser */
	if (!same_origin(hs, req))
		return false;
	t = evhttp_find_header(evhttp_request_get_input_headers(req), "X-CSRF-Token");
	if (t == NULL || strlen(t) != ACCESS_ID_HEX - 1 ||
	    !secret_equal(t, who->session->csrf, ACCESS_ID_HEX - 1)) {
		http_reply_error(req, 403, "%s X-CSRF-Token header: send the csrf_token of "
		    "POST /api/v1/login or GET /api/v1/session", t == NULL ? "no" : "a wrong");
		return false;
	}
	return true;
}

static json_t *
session_json(const struct access_session *s)
{
	return json_pack("{s:s, s:s, s:s}", "user", s->account->name,
	    "role", access_role_name(s->account->role), "csrf_token", s->csrf);
}

static void
set_cookie(struct http_server *hs, struct evhttp_request *req, const char *value, long max_age)
{
	char v[256];

	snprintf(v, sizeof(v), "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
	    ACCESS_COOKIE, value, max_age, hs->secure_cookies ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", v);
	explicit_bzero(v, sizeof(v));
}

/* The password check's answer, on the loop. */
static void
login_checked(void *arg, bool matches)
{
	struct http_op *op = arg;
	struct http_server *hs = op->hs;
	struct access_session *s;
	double now = loop_now();

	if (!matches || op->acc == NULL) {
		/* Counted when the check was queued (access_login_attempt). */
		log_warnx("console: failed login as '%s' from %s", op->user, op->client);
		http_reply_error(op->req, 401, "wrong user name or password");
		http_op_free(op);
		return;
	}
	access_login_succeeded(hs->acc, op->client, op->user);
	s = access_session_open(hs->acc, op->acc, now);
	if (s == NULL) {
		http_reply_error(op->req, 500, "no random bytes for a session");
		http_op_free(op);
		return;
	}
	log_notice("console: %s (%s) logged in from %s", op->acc->name,
	    access_role_name(op->acc->role), op->client);
	set_cookie(hs, op->req, s->id, (long)cordon_conf(hs->c)->console.session_max_s);
	http_reply_json(op->req, 200, session_json(s));
	http_op_free(op);
}

int
http_login_parse(const char *body, char *user, size_t userlen, char *password, size_t passlen,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o, *v;
	const char *key, *u, *p;
	int rc = -1;

	o = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		snprintf(err, errlen, "the body must be a JSON object {\"user\": \"...\", \"password\": \"...\"}");
		goto out;
	}
	json_object_foreach(o, key, v) {
		if (strcmp(key, "user") != 0 && strcmp(key, "password") != 0) {
			char shown[64];
			snprintf(shown, sizeof(shown), "%s", key);
			snprintf(err, errlen, "unknown field '%s' (user, password)", http_printable(shown));
			goto out;
		}
	}
	u = json_string_value(json_object_get(o, "user"));
	p = json_string_value(json_object_get(o, "password"));
	if (u == NULL || p == NULL || *u == '\0' || strlen(u) >= userlen || strlen(p) >= passlen ||
	    strlen(u) != json_string_length(json_object_get(o, "user")) ||
	    strlen(p) != json_string_length(json_object_get(o, "password"))) {
		snprintf(err, errlen, "user (1 to %zu characters) and password (at most %zu) are required strings",
		    userlen - 1, passlen - 1);
		goto out;
	}
	snprintf(user, userlen, "%s", u);
	snprintf(password, passlen, "%s", p);
	rc = 0;
out:
	if (o != NULL) {
		v = json_object_get(o, "password");
		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v), json_string_length(v));
		json_decref(o);
	}
	return rc;
}

void
http_login(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who)
{
	struct http_op *op;
	char *body, user[65], password[256], err[200];
	double wait;

	if (!access_required(hs->acc) || hs->pc == NULL) {
		http_reply_error(req, 403, "no user accounts are configured (console.users in %s)",
		    cordon_conf(hs->c)->path);
		return;
	}
	/* Login CSRF: another site must not log a browser in, either. */
	if (!same_origin(hs, req))
		return;
	body = http_json_body(req);
	if (body == NULL)
		return;
	if (http_login_parse(body, user, sizeof(user), password, sizeof(password), err, sizeof(err)) != 0) {
		explicit_bzero(body, strlen(body));
		free(body);
		http_reply_error(req, 400, "%s", err);
		return;
	}
	explicit_bzero(body, strlen(body));
	free(body);
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		http_reply_error(req, 500, "out of memory");
		goto out;
	}
	op->hs = hs;
	op->req = req;
	op->login = true;
	op->acc = access_user(hs->acc, user);
	snprintf(op->user, sizeof(op->user), "%s", user);
	http_printable(op->user);
	snprintf(op->client, sizeof(op->client), "%s", who->client);
	wait = access_login_wait(hs->acc, op->client, op->user, loop_now());
	if (wait > 0) {
		log_warnx("console: login as '%s' from %s refused: too many failures (%.0f s left)",
		    op->user, op->client, ceil(wait));
		retry_after(req, wait);
		http_reply_error(req, 429, "too many failed logins; try again in %.0f s", ceil(wait));
		free(op);
		goto out;
	}
	/* An unknown user's password is checked against a hash of nothing in
	 * particular: the answer takes as long as for a real user. */
	if (passcheck_start(hs->pc, password, op->acc ? op->acc->secret : hs->dummy_hash,
	    login_checked, op) != 0) {
		retry_after(req, 1);
		http_reply_error(req, 503, "too many logins under way; try again");
		free(op);
		goto out;
	}
	access_login_attempt(hs->acc, op->client, op->user, loop_now());
	LIST_INSERT_HEAD(&hs->ops, op, entry);
out:
	explicit_bzero(password, sizeof(password));
}

void
http_logout(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who)
{
	if (who->via != HTTP_SESSION) {
		http_reply_error(req, 401, "not logged in (no live session cookie)");
		return;
	}
	if (!http_csrf_ok(hs, req, who))
		return;
	log_notice("console: %s logged out from %s", who->acc->name, who->client);
	access_session_close(hs->acc, who->session);
	set_cookie(hs, req, "", 0);
	http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

void
http_session_get(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who)
{
	switch (who->via) {
	case HTTP_SESSION:
		http_reply_json(req, 200, session_json(who->session));
		return;
	case HTTP_TOKEN:
		http_reply_json(req, 200, json_pack("{s:s, s:s}", "token", who->acc->name,
		    "role", access_role_name(who->acc->role)));
		return;
	case HTTP_ANONYMOUS:
		if (access_required(hs->acc))
			http_reply_error(req, 401, "not logged in");
		else   /* no accounts: anyone who reaches the server reads */
			http_reply_json(req, 200, json_pack("{s:n, s:s}", "user", "role", "viewer"));
		return;
	}
}
