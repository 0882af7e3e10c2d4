/* SPDX-License-Identifier: ISC */
/*
 * secret: the console's credentials (docs/http-api.md, "Users and tokens").
 * The one module that includes libxcrypt's <crypt.h> and OpenSSL's libcrypto.
 *
 * Passwords are kept as crypt(3) hashes of a strong method (yescrypt, scrypt,
 * bcrypt, SHA-512); a check costs tens of milliseconds on purpose, so the
 * daemon runs it on a thread of its own (passcheck.h), never on its loop. API
 * tokens are 32 random bytes: their SHA-256 is all the config holds, and a
 * check is one hash and a constant-time compare.
 */
#ifndef CORDON_SECRET_H
#define CORDON_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_HASH_MAX 128      /* longest crypt(3) hash accepted, with its NUL */
#define SECRET_SHA256_HEX 65     /* 64 hex digits and the NUL */
#define SECRET_TOKEN_BYTES 32

/*
 * Whether `hash` is a crypt(3) hash of a method strong enough for a password
 * ($y$ yescrypt, $gy$ gost-yescrypt, $7$ scrypt, $2b$ bcrypt, $6$ SHA-512)
 * that this system's libcrypt can check. 0, or -1 with why (never the hash).
 */
int secret_hash_usable(const char *hash, char *why, size_t whylen);

/* A new yescrypt hash of `password` into out. 0, or -1 with why. */
int secret_hash_password(const char *password, char *out, size_t outlen,
    char *why, size_t whylen);

/* A hash of `password` with the method, cost and salt of `like` (a usable
 * hash): checking a password against it takes as long as against `like`.
 * 0, or -1 with why. */
int secret_hash_like(const char *password, const char *like, char *out, size_t outlen,
    char *why, size_t whylen);

/* Whether `password` hashes to `hash` (blocking: tens of milliseconds). */
bool secret_password_matches(const char *password, const char *hash);

/* The SHA-256 of n bytes as 64 lowercase hex digits. */
void secret_sha256_hex(const void *data, size_t n, char out[SECRET_SHA256_HEX]);

/* a and b, n bytes each, compared in a time that does not depend on them. */
bool secret_equal(const void *a, const void *b, size_t n);

/* `nbytes` random bytes (getrandom) as 2*nbytes hex digits into out, which
 * holds 2*nbytes+1. 0, or -1 with errno. */
int secret_random_hex(char *out, size_t nbytes);

#endif
