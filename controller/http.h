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

/*
 * Listens on the configured daemon.http address ("ADDRESS:PORT", IPv6 as
 * "[::1]:8477"; conf_load has checked its form) and serves requests from the
 * daemon's loop. Returns 0, or -1 with a message naming the address and the
 * reason (e.g. the address is in use) in err. The server is kept in c->http,
 * owned by the daemon and released by http_stop.
 */
int http_start(struct cordon *c, char *err, size_t errlen);

/* Closes the listener and every open HTTP connection; safe when none. */
void http_stop(struct cordon *c);

#endif
