/* SPDX-License-Identifier: ISC */
/*
 * http_act: the operator's actions over HTTP (see http_priv.h and
 * docs/http-api.md, "Acting"):
 *
 *   POST /api/v1/hosts/{ip}/patched      {"reason": "..."}   (optional body)
 *   POST /api/v1/hosts/{ip}/approve
 *   POST /api/v1/hosts/{ip}/quarantine   {"reason": "...", "mac": "aa:bb:..."}
 *
 * Each becomes the control protocol's request (release --patched, approve,
 * quarantine), checked by the same parser, and goes through the same path as
 * cordonctl's, audited with the account's name ("user:NAME", "token:NAME").
 * The answer waits until the action is done, as cordonctl's does.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "cordon.h"
#include "ctl_proto.h"
#include "detection.h"
#include "http.h"
#include "http_priv.h"
#include "log.h"

const char *
http_action_name(enum http_action act)
{
	switch (act) {
	case HTTP_ACT_PATCHED: return "patched";
	case HTTP_ACT_APPROVE: return "approve";
	case HTTP_ACT_QUARANTINE: return "quarantine";
	}
	return "?";
}

static void
act_done(void *arg, bool ok, const struct host_rec *h, const char *message)
{
	struct http_op *op = arg;
	json_t *o;

	if (op->req == NULL) {     /* the server stopped meanwhile */
		http_op_free(op);
		return;
	}
	o = json_pack("{s:b, s:s}", "ok", ok, "message", message ? message : "");
	if (h != NULL)
		json_object_set_new(o, "host", ctl_host_json(h));
	/* 409: the host's state does not allow it, or enforcement failed; the
	 * message says which, as cordonctl's does. */
	http_reply_json(op->req, ok ? 200 : 409, o);
	http_op_free(op);
}

int
http_act_request(int act, const char *ip, const char *body, struct ctl_request *r,
    char *err, size_t errlen)
{
	static const char *const cmd[] = { "release", "approve", "quarantine" };
	json_error_t jerr;
	json_t *o = NULL, *rq = NULL, *v;
	const char *key;
	char *line = NULL;
	int rc = -1;

	if (act < HTTP_ACT_PATCHED || act > HTTP_ACT_QUARANTINE) {
		snprintf(err, errlen, "no such action");
		return -1;
	}
	o = *body == '\0' ? json_object() : json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		/* jansson's text quotes the body near the error: the caller
		 * shows it through http_printable. */
		snprintf(err, errlen, "the body: expected a JSON object (or nothing), but it is not JSON: %s",
		    jerr.text);
		goto out;
	}
	if (!json_is_object(o)) {
		char text[QUOTE_LEN];
		snprintf(err, errlen, "the body: expected a JSON object (or nothing), got %s",
		    quote_json_value(o, text, sizeof(text)));
		goto out;
	}
	json_object_foreach(o, key, v) {
		bool known = strcmp(key, "reason") == 0 ||
		    (act == HTTP_ACT_QUARANTINE && strcmp(key, "mac") == 0);
		if (!known || act == HTTP_ACT_APPROVE) {
			char shown[64];
			snprintf(shown, sizeof(shown), "%s", key);
			snprintf(err, errlen, "unknown field '%s' for %s (%s)", http_printable(shown),
			    http_action_name(act), act == HTTP_ACT_QUARANTINE ? "reason, mac" :
			    act == HTTP_ACT_PATCHED ? "reason" : "no body");
			goto out;
		}
	}
	/* The control protocol's request, so that both check alike. */
	rq = json_deep_copy(o);
	json_object_set_new(rq, "cmd", json_string(cmd[act]));
	json_object_set_new(rq, "host", json_string(ip));
	if (act == HTTP_ACT_PATCHED) {
		json_object_set_new(rq, "patched", json_true());
		v = json_object_get(o, "reason");
		if (json_is_string(v)) {
			char reason[300];
			snprintf(reason, sizeof(reason), "patched: %s", json_string_value(v));
			json_object_set_new(rq, "reason", json_string(reason));
		}
	}
	line = json_dumps(rq, JSON_COMPACT);
	if (line == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = ctl_request_parse(line, strlen(line), r, err, errlen);
out:
	free(line);
	json_decref(rq);
	json_decref(o);
	return rc;
}

void
http_act(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who,
    const char *raw_ip, enum http_action act)
{
	struct ctl_request r;
	struct http_op *op;
	char *text = NULL, *ip = NULL, err[300];
	size_t n = 0;

	ip = evhttp_uridecode(raw_ip, 0, &n);
	if (ip == NULL || n != strlen(ip)) {
		http_reply_error(req, 400, "the address in the path is not valid");
		goto out;
	}
	text = http_json_body(req);
	if (text == NULL)
		goto out;
	if (http_act_request((int)act, ip, text, &r, err, sizeof(err)) != 0) {
		http_reply_error(req, 400, "%s", err);
		goto out;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		http_reply_error(req, 500, "out of memory");
		goto out;
	}
	op->hs = hs;
	op->req = req;
	snprintf(op->client, sizeof(op->client), "%s", who->client);
	LIST_INSERT_HEAD(&hs->ops, op, entry);
	log_info("http: %s %s by %s from %s", http_action_name(act), ip, who->actor, who->client);
	switch (act) {
	case HTTP_ACT_PATCHED:
		cordon_release(hs->c, &r.host, who->actor, r.reason, act_done, op);
		break;
	case HTTP_ACT_APPROVE:
		cordon_approve(hs->c, &r.host, who->actor, act_done, op);
		break;
	case HTTP_ACT_QUARANTINE:
		cordon_quarantine(hs->c, &r.host, r.has_mac ? r.mac : NULL, who->actor, r.reason,
		    act_done, op);
		break;
	}
out:
	free(text);
	free(ip);
}
