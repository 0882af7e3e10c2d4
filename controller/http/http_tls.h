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

struct evhttp;
struct http_tls;

/*
 * Loads the certificate chain and the private key (PEM files; they must
 * match). TLS 1.2 at least. NULL with the file and OpenSSL's reason in err.
 * Owned by the caller (http_tls_free, after the evhttp using it is freed).
 */
struct http_tls *http_tls_new(const char *cert_path, const char *key_path, char *err, size_t errlen);
/* Every connection evhttp accepts from now on speaks TLS. */
void http_tls_serve(struct http_tls *t, struct evhttp *http);
void http_tls_free(struct http_tls *t);

#endif
