/* SPDX-License-Identifier: ISC */
/*
 * tls: mutually authenticated TLS between sensors and cordond (see
 * docs/cordon-sensor.md, "TLS"), and the console's HTTPS. The one module
 * that includes OpenSSL's TLS headers. Both ends present a certificate signed by the configured CA and
 * verify the other's: the controller takes the sensor's certificate name
 * (its CN) as the sensor's identity; the sensor checks the controller's
 * certificate names the host it dialled.
 *
 * An SSL connection object is handed out as `void *` (an SSL *), so that the
 * loop (libevent's OpenSSL bufferevents) and the sensor's output can drive it
 * without including OpenSSL themselves.
 */
#ifndef CORDON_TLS_H
#define CORDON_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct tls_ctx;

enum tls_role { TLS_SERVER, TLS_CLIENT };

/*
 * A context for `role` with this certificate (chain) and key (PEM) and the
 * CA (PEM) the peer's certificate must chain to. TLS 1.2 at least; peers
 * without a certificate are refused. A server without a CA (NULL) asks
 * clients for none (the console's HTTPS). NULL with the file and the reason
 * in err, the files named as settings: `setting` followed by "certificate",
 * "key" or "ca" (e.g. "console.tls_"). Owned by the caller (tls_ctx_free).
 */
struct tls_ctx *tls_ctx_new(enum tls_role role, const char *cert, const char *key, const char *ca,
    const char *setting, char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *t);

/* A new connection object (an SSL *) of the context, or NULL. For a client,
 * `host` is the name (or address) the peer's certificate must name. */
void *tls_ssl_new(struct tls_ctx *t, const char *host);
void tls_ssl_free(void *ssl);

/*
 * A client's connection on a connected, non-blocking socket (the fd stays
 * the caller's to close). tls_handshake: 1 done, 0 under way (call again
 * when the socket is ready), -1 failed (tls_error says why). tls_write:
 * bytes written (possibly fewer than len), 0 when the socket is full, -1
 * failed.
 */
int tls_set_fd(void *ssl, int fd);
int tls_handshake(void *ssl);
long tls_write(void *ssl, const void *buf, size_t len);

/* The verified peer certificate's common name into out: 0, or -1 when there
 * is none (no handshake yet, or no CN). Non-printable bytes become '?'. */
int tls_peer_name(void *ssl, char *out, size_t outlen);

/* Why the last TLS operation of this thread failed, as text (the queue is
 * then cleared): the verification result when the peer's certificate was
 * refused, else OpenSSL's first error. */
const char *tls_error(void *ssl, char *buf, size_t len);

/* The peer's certificate's verification failure as text: 0, or -1 when it
 * did not fail (or there was none to verify). */
int tls_peer_refused(void *ssl, char *buf, size_t len);
/* An OpenSSL error code as text; 0 gives `none` (or "unknown error"). */
const char *tls_error_text(unsigned long e, const char *none, char *buf, size_t len);

#endif
