/* SPDX-License-Identifier: ISC */
/*
 * http: cordond's HTTP API and Prometheus metrics, served from the daemon's
 * loop with libevent's evhttp (this directory is the one module that
 * includes the evhttp headers). Endpoints and metric names: docs/http-api.md.
 *
 *   GET  /api/v1/hosts[?state=S]              {"hosts":[...]}
 *   GET  /api/v1/hosts/{ip}                   {"host":{...},"history":[...]}
 *   GET  /api/v1/assets[?exposed=PORT]        {"hosts":[...]}
 *   GET  /api/v1/events[?limit=N][&after=ID]  {"events":[...]}
 *   GET  /metrics                             Prometheus text format 0.0.4
 *   POST /api/v1/login, /api/v1/logout; GET /api/v1/session
 *   POST /api/v1/hosts/{ip}/patched|approve|quarantine   (operators)
 *
 * Without accounts in the config's console section the API reads only and
 * asks no one. With them, every request authenticates (a session cookie or a
 * bearer token), and operators act with the same effect, audit included, as
 * cordonctl. The Host header must name this server in either case.
 */
#ifndef CORDON_HTTP_H
#define CORDON_HTTP_H

#include <stddef.h>

struct cordon;
struct loop;
struct http_server;

/*
 * Listens on the configured daemon.http address ("ADDRESS:PORT", IPv6 as
 * "[::1]:8477"; conf_load has checked its form) and serves requests about
 * `c` from `loop` (both borrowed, and outliving the server). Returns the
 * server, owned by the caller (http_stop, before the loop is freed), or NULL
 * with a message naming the address and the reason (e.g. the address is in
 * use) in err.
 */
struct http_server *http_start(struct cordon *c, struct loop *loop, char *err, size_t errlen);

/* Closes the listener and every open HTTP connection; safe with NULL. */
void http_stop(struct http_server *hs);

/*
 * The parsers of the bodies the API reads, here for the fuzzer
 * (tests/fuzz/fuzz_http_input.c); the server calls them itself.
 *
 * http_login_parse: a login's {"user": U, "password": P} into user and
 * password (each NUL-terminated, shorter than its buffer). 0, or -1 with why.
 *
 * http_act_request: an action's body (act 0 patched, 1 approve,
 * 2 quarantine; "" for none) on the host `ip`, as the control protocol's
 * request. 0, or -1 with why.
 */
struct ctl_request;
int http_login_parse(const char *body, char *user, size_t userlen, char *password,
    size_t passlen, char *err, size_t errlen);
int http_act_request(int act, const char *ip, const char *body, struct ctl_request *r,
    char *err, size_t errlen);

#endif
