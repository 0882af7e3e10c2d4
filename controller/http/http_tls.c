/* SPDX-License-Identifier: ISC */
/* http_tls: HTTPS for the HTTP server (see http_tls.h). */
#include "http_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct http_tls {
	SSL_CTX *ctx;               /* owned */
};

/* OpenSSL's first queued error as text, the queue then cleared. */
static const char *
ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

struct http_tls *
http_tls_new(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	struct http_tls *t = calloc(1, sizeof(*t));
	char why[256];

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (t->ctx == NULL) {
		snprintf(err, errlen, "TLS: %s", ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "TLS: cannot require TLS 1.2: %s", ssl_reason(why, sizeof(why)));
		goto fail;
	}
	/* No renegotiation, no compression; the server picks the cipher. */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert_path) != 1) {
		snprintf(err, errlen, "console.tls_certificate %s: %s", cert_path, ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key_path, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			snprintf(err, errlen, "console.tls_key %s does not match console.tls_certificate %s",
			    key_path, cert_path);
		} else {
			snprintf(err, errlen, "console.tls_key %s: %s", key_path, ssl_reason(why, sizeof(why)));
		}
		goto fail;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		snprintf(err, errlen, "console.tls_key %s does not match console.tls_certificate %s", key_path,
		    cert_path);
		ERR_clear_error();
		goto fail;
	}
	return t;
fail:
	SSL_CTX_free(t->ctx);
	free(t);
	return NULL;
}

/* evhttp's connection on an accepted socket: a TLS bufferevent around it.
 * (NULL, when memory runs out, would make evhttp use a plain socket for
 * this one connection: a client then gets no TLS handshake, and no answer
 * it would accept either.) */
static struct bufferevent *
tls_bufferevent(struct event_base *base, void *arg)
{
	struct http_tls *t = arg;
	SSL *ssl = SSL_new(t->ctx);

	if (ssl == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
}

void
http_tls_serve(struct http_tls *t, struct evhttp *http)
{
	evhttp_set_bevcb(http, tls_bufferevent, t);
}

void
http_tls_free(struct http_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}
