/* SPDX-License-Identifier: ISC */
/*
 * http_console: the browser console's files, the overview, the detections
 * list and the live event stream (http_console.c); the files themselves are
 * compiled in from controller/console/ (embed.cmake writes console_files.c).
 * Private to controller/http/.
 */
#ifndef CORDON_HTTP_CONSOLE_H
#define CORDON_HTTP_CONSOLE_H

#include <stddef.h>

struct console_file {
	const char *name;            /* "index.html", "app.js", ... ; NULL ends the table */
	const char *type;            /* Content-Type */
	const unsigned char *data;   /* static */
	size_t len;
};
extern const struct console_file console_files[];

struct http_server;
struct http_caller;
struct evhttp_request;

/* GET / and /console/NAME: a console file (404 for none). */
void http_console_file(struct http_server *hs, struct evhttp_request *req, const char *name);
/* GET /api/v1/overview: counts, breaker, points, detections and isolations over the last hour. */
void http_overview(struct http_server *hs, struct evhttp_request *req);
/* GET /api/v1/detections[?after=ID][&limit=N][&host=IP]. */
void http_detections(struct http_server *hs, struct evhttp_request *req);
/* GET /api/v1/stream: Server-Sent Events, "audit" and "detection", until the
 * client goes, the session ends or the server stops. */
void http_stream(struct http_server *hs, struct evhttp_request *req, const struct http_caller *who);
/* A registry_event_fn appending each detection, as the API shows it, to a JSON array (arg). */
struct event_rec;
int http_collect_detection(void *arg, const struct event_rec *e);
/* Ends every stream (http_stop, before evhttp_free). */
void http_streams_close(struct http_server *hs);

#endif
