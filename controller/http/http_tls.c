/* SPDX-License-Identifier: ISC */
/* http_tls: HTTPS for the HTTP server (see http_tls.h), on common/tls. */
#include "http_tls.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "tls.h"

struct http_tls {
	struct tls_ctx *ctx;        /* owned */
};

struct http_tls *
http_tls_new(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	struct http_tls *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* No CA: browsers present no certificate; they log in. */
	t->ctx = tls_ctx_new(TLS_SERVER, cert_path, key_path, NULL, "console.tls_", err, errlen);
	if (t->ctx == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

/* (NULL, when memory runs out, makes evhttp use a plain socket for this
 * one connection: a client then gets no TLS handshake, and no answer it
 * would accept either.) */
struct bufferevent *
http_tls_bufferevent(struct http_tls *t, struct event_base *base)
{
	void *ssl = tls_ssl_new(t->ctx, NULL);
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		tls_ssl_free(ssl);
	return bev;
}

void
http_tls_free(struct http_tls *t)
{
	if (t == NULL)
		return;
	tls_ctx_free(t->ctx);
	free(t);
}
