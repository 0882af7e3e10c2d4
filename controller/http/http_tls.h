/* SPDX-License-Identifier: ISC */
/*
 * http_tls: HTTPS for the HTTP server (console.tls_certificate and
 * console.tls_key): a server context of common/tls.h, and evhttp's
 * connections made as TLS bufferevents. Private to controller/http/; the one
 * file there that includes libevent's TLS header.
 */
#ifndef CORDON_HTTP_TLS_H
#define CORDON_HTTP_TLS_H

#include <stddef.h>

struct event_base;
struct bufferevent;
struct http_tls;

/*
 * Loads the certificate chain and the private key (PEM files; they must
 * match). TLS 1.2 at least. NULL with the file and OpenSSL's reason in err.
 * Owned by the caller (http_tls_free, after the evhttp using it is freed).
 */
struct http_tls *http_tls_new(const char *cert_path, const char *key_path, char *err, size_t errlen);
/*
 * A TLS bufferevent on `base` for a connection evhttp is accepting (its
 * socket set by evhttp; closed when the bufferevent is freed), for
 * evhttp's bufferevent callback. NULL when out of memory.
 */
struct bufferevent *http_tls_bufferevent(struct http_tls *t, struct event_base *base);
void http_tls_free(struct http_tls *t);

#endif
