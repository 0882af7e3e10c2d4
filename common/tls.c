/* SPDX-License-Identifier: ISC */
/* tls: mutually authenticated TLS contexts (see tls.h). */
#include "tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct tls_ctx {
	SSL_CTX *ctx;            /* owned */
	enum tls_role role;
};

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

struct tls_ctx *
tls_ctx_new(enum tls_role role, const char *cert, const char *key, const char *ca,
    const char *setting, char *err, size_t errlen)
{
	struct tls_ctx *t = calloc(1, sizeof(*t));
	char why[256];

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->role = role;
	t->ctx = SSL_CTX_new(role == TLS_SERVER ? TLS_server_method() : TLS_client_method());
	if (t->ctx == NULL) {
		snprintf(err, errlen, "TLS: %s", ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "TLS: cannot require TLS 1.2: %s", ssl_reason(why, sizeof(why)));
		goto fail;
	}
	/* No renegotiation, no compression; a server picks the cipher. */
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    (role == TLS_SERVER ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
		snprintf(err, errlen, "%scertificate %s: %s", setting, cert, ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			snprintf(err, errlen, "%skey %s does not match %scertificate %s", setting, key,
			    setting, cert);
		} else {
			snprintf(err, errlen, "%skey %s: %s", setting, key, ssl_reason(why, sizeof(why)));
		}
		goto fail;
	}
	/* No CA (a server only): clients are not asked for a certificate. */
	if (ca == NULL)
		return t;
	if (SSL_CTX_load_verify_locations(t->ctx, ca, NULL) != 1) {
		snprintf(err, errlen, "%sca %s: %s", setting, ca, ssl_reason(why, sizeof(why)));
		goto fail;
	}
	/* Only the configured CA: not the system's store. */
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	if (role == TLS_SERVER) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(t->ctx, names);
		ERR_clear_error();
	}
	return t;
fail:
	SSL_CTX_free(t->ctx);
	free(t);
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

void *
tls_ssl_new(struct tls_ctx *t, const char *host)
{
	SSL *ssl = SSL_new(t->ctx);
	unsigned char a[16];

	if (ssl == NULL || t->role == TLS_SERVER || host == NULL)
		return ssl;
	/* The controller's certificate must name the host the sensor dialled:
	 * an address against its IP subjectAltNames, a name against its DNS
	 * names (and then also sent as SNI). */
	if (inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1)
			goto fail;
	} else if (SSL_set1_host(ssl, host) != 1 || SSL_set_tlsext_host_name(ssl, host) != 1) {
		goto fail;
	}
	return ssl;
fail:
	ERR_clear_error();
	SSL_free(ssl);
	return NULL;
}

void
tls_ssl_free(void *ssl)
{
	SSL_free(ssl);
}

int
tls_peer_name(void *ssl, char *out, size_t outlen)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	char cn[256];
	int n;
	size_t i;

	if (peer == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return -1;
	n = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
	if (n <= 0)
		return -1;
	for (i = 0; cn[i]; i++)
		if ((unsigned char)cn[i] < 0x20 || (unsigned char)cn[i] > 0x7e)
			cn[i] = '?';
	snprintf(out, outlen, "%s", cn);
	return 0;
}

const char *
tls_error(void *ssl, char *buf, size_t len)
{
	long v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (v != X509_V_OK) {
		snprintf(buf, len, "certificate refused: %s", X509_verify_cert_error_string(v));
		ERR_clear_error();
		return buf;
	}
	return ssl_reason(buf, len);
}

int
tls_peer_refused(void *ssl, char *buf, size_t len)
{
	long v;

	if (ssl == NULL)
		return -1;
	v = SSL_get_verify_result(ssl);
	if (v == X509_V_OK)
		return -1;
	snprintf(buf, len, "certificate refused: %s", X509_verify_cert_error_string(v));
	return 0;
}

const char *
tls_error_text(unsigned long e, const char *none, char *buf, size_t len)
{
	if (e == 0)
		snprintf(buf, len, "%s", none ? none : "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

int
tls_set_fd(void *ssl, int fd)
{
	if (SSL_set_fd(ssl, fd) != 1)
		return -1;
	/* A line cut short by a full socket is offered again from another
	 * place of the same buffer: allowed, and partial writes are fine. */
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_connect_state(ssl);
	return 0;
}

/* The result rc of an SSL call: 0 when it only waits for the socket, -1 when it failed. */
static int
waits_or_fails(void *ssl, int rc)
{
	int e = SSL_get_error(ssl, rc);

	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

int
tls_handshake(void *ssl)
{
	int rc = SSL_do_handshake(ssl);

	return rc == 1 ? 1 : waits_or_fails(ssl, rc);
}

long
tls_write(void *ssl, const void *buf, size_t len)
{
	size_t done = 0;
	int rc = SSL_write_ex(ssl, buf, len, &done);

	return rc == 1 ? (long)done : waits_or_fails(ssl, rc);
}
