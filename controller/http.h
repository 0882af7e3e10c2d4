/* SPDX-License-Identifier: ISC */
/*
 * http: cordond's read-only HTTP API and Prometheus metrics, served from the
 * daemon's loop with libevent's evhttp (the one module that includes the
 * evhttp headers). Endpoints and metric names: docs/http-api.md.
 *
 *   GET /api/v1/hosts[?state=S]            {"hosts":[...]}
 *   GET /api/v1/hosts/{ip}                 {"host":{...},"history":[...]}
 *   GET /api/v1/events[?limit=N][&after=ID] {"events":[...]}
 *   GET /metrics                           Prometheus text format 0.0.4
 *
 * Nothing here changes state: acting stays with the control socket, whose
 * file permissions say who may act and whose audit records the caller's uid.
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

#endif
