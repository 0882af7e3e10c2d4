/* SPDX-License-Identifier: ISC */
/*
 * access: who may use the HTTP API and the console, and from where
 * (docs/http-api.md, "Users and tokens"). No I/O and no third-party header:
 * the HTTP module asks, this module answers.
 *
 *  - accounts: the console section's users (crypt(3) password hashes) and
 *    API tokens (their SHA-256), each a viewer or an operator;
 *  - sessions: a random identifier in an HttpOnly, SameSite=Strict cookie,
 *    a CSRF token to send back on every state-changing request, an idle and
 *    an absolute lifetime; kept in memory (a restart logs everyone out);
 *  - login throttling: failures counted per client address and per user name;
 *  - Host and Origin: only the names this server was configured under, so a
 *    page from elsewhere cannot reach it through DNS rebinding or post to it.
 */
#ifndef CORDON_ACCESS_H
#define CORDON_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define ACCESS_SESSIONS_PER_ACCOUNT 16
#define ACCESS_MAX_SESSIONS (ACCESS_SESSIONS_PER_ACCOUNT * CONF_MAX_ACCOUNTS)
#define ACCESS_ID_HEX 65          /* 32 random bytes as hex, and the NUL */
#define ACCESS_COOKIE "cordon_session"
/* A client address may fail this many times console.login_failures. */
#define ACCESS_CLIENT_FAILURES_FACTOR 4

struct access_session {
	char id[ACCESS_ID_HEX];       /* the cookie's value; "" for a free slot */
	char csrf[ACCESS_ID_HEX];     /* sent back in X-CSRF-Token */
	const struct conf_account *account;   /* borrowed from the access's config */
	double created, last;         /* epoch seconds */
};

struct access;

/*
 * The access rules for a server listening on `addr` (numeric, no brackets)
 * and `port`, with `tls` telling the scheme. `cc` is borrowed and must
 * outlive the access. NULL if out of memory. Owned by the caller (access_free).
 */
struct access *access_new(const struct conf_console *cc, const char *addr, uint16_t port,
    bool tls);
/* Forgets every session (wiping their identifiers); safe with NULL. */
void access_free(struct access *a);

/* Whether accounts are configured: then every request must authenticate. */
bool access_required(const struct access *a);

/* Whether a Host header value names this server. */
bool access_host_allowed(const struct access *a, const char *host);
/* Whether an Origin header value is this server's own origin. */
bool access_origin_allowed(const struct access *a, const char *origin);

/* The user (not token) account with this name, or NULL. */
const struct conf_account *access_user(const struct access *a, const char *name);
/* The token account whose token this is (compared by SHA-256 in constant
 * time), or NULL. */
const struct conf_account *access_token(const struct access *a, const char *token);

/*
 * A new session for `acc`. An account has at most ACCESS_SESSIONS_PER_ACCOUNT:
 * beyond, its own least recently used one ends (never another account's).
 * NULL if no random bytes could be had. The pointer stays
 * valid until the session is closed, expires or is evicted: look it up again
 * (access_session_find) rather than keep it across loop turns.
 */
struct access_session *access_session_open(struct access *a, const struct conf_account *acc,
    double now);
/* The live session with this identifier (its idle clock restarted), or NULL:
 * unknown, idle longer than session_idle, or older than session_max. */
struct access_session *access_session_find(struct access *a, const char *id, double now);
/* Whether a live session has this identifier, leaving its idle clock alone. */
bool access_session_alive(const struct access *a, const char *id, double now);
void access_session_close(struct access *a, struct access_session *s);
/* Live sessions, for the metrics. */
unsigned access_session_count(const struct access *a, double now);

/*
 * Login throttling. A user (an account) may fail console.login_failures
 * times per console.login_window; a client address
 * ACCESS_CLIENT_FAILURES_FACTOR times as many, logins and wrong tokens
 * together. A name that is no account has no count of its own.
 *
 * access_login_wait: seconds the client at `client` (its address as text)
 * must still wait before a password is checked for `user`; 0: it may try.
 * access_login_attempt counts the attempt as a failure when its check is
 * queued, so attempts checked at the same time count too;
 * access_login_succeeded takes the client's back and forgets the user's.
 * access_token_wait and access_token_failed: the same for bearer tokens,
 * against the address only (a token names no user).
 */
double access_login_wait(const struct access *a, const char *client, const char *user, double now);
void access_login_attempt(struct access *a, const char *client, const char *user, double now);
void access_login_succeeded(struct access *a, const char *client, const char *user);
double access_token_wait(const struct access *a, const char *client, double now);
void access_token_failed(struct access *a, const char *client, double now);

/*
 * The value of cookie `name` in a Cookie header ("a=1; b=2"), copied into
 * out. 0, or -1 when absent, empty or longer than outlen - 1.
 */
int access_cookie(const char *header, const char *name, char *out, size_t outlen);

/* "viewer", "operator". */
const char *access_role_name(enum conf_role r);

#endif
