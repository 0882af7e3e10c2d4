/* SPDX-License-Identifier: ISC */
/*
 * secret: password hashes (libxcrypt), token digests (libcrypto), random
 * session identifiers (getrandom). See secret.h.
 */
#include "secret.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

/* The prefixes of the methods a password may be kept in. MD5, DES and the
 * SHA-256 method ($5$) are refused: too cheap to guess against. */
static const char *const strong_methods[] = { "$y$", "$gy$", "$7$", "$2b$", "$6$", NULL };

int
secret_hash_usable(const char *hash, char *why, size_t whylen)
{
	struct crypt_data cd;
	const char *out;
	size_t i;

	for (i = 0; strong_methods[i] && strncmp(hash, strong_methods[i], strlen(strong_methods[i])) != 0; i++)
		;
	if (strong_methods[i] == NULL) {
		snprintf(why, whylen, "not a crypt(3) hash of a strong method (yescrypt \"$y$...\", "
		    "scrypt \"$7$\", bcrypt \"$2b$\", SHA-512 \"$6$\"); make one with "
		    "'cordonctl hash-password'");
		return -1;
	}
	if (strlen(hash) >= SECRET_HASH_MAX) {
		snprintf(why, whylen, "longer than %d characters", SECRET_HASH_MAX - 1);
		return -1;
	}
	/* Checking any password against it tells whether libcrypt can use it:
	 * on a malformed setting it fails, or answers with a "*" failure token. */
	memset(&cd, 0, sizeof(cd));
	out = crypt_rn("", hash, &cd, sizeof(cd));
	/* A whole hash is the setting and the hashed password: what comes out
	 * for any password has the same setting and the same length. A hash cut
	 * short is a valid setting, but no password would ever match it. */
	if (out == NULL || out[0] == '*' || strlen(out) != strlen(hash) ||
	    strncmp(out, hash, (size_t)(strrchr(hash, '$') - hash)) != 0) {
		explicit_bzero(&cd, sizeof(cd));
		snprintf(why, whylen, "a malformed %s hash (cut short or altered?)", strong_methods[i]);
		return -1;
	}
	explicit_bzero(&cd, sizeof(cd));
	return 0;
}

int
secret_hash_password(const char *password, char *out, size_t outlen, char *why, size_t whylen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;

	/* NULL entropy: libcrypt reads the salt's randomness from the kernel. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
		snprintf(why, whylen, "cannot make a yescrypt salt: %s", strerror(errno));
		return -1;
	}
	memset(&cd, 0, sizeof(cd));
	h = crypt_rn(password, salt, &cd, sizeof(cd));
	if (h == NULL || h[0] == '*' || strlen(h) >= outlen) {
		explicit_bzero(&cd, sizeof(cd));
		snprintf(why, whylen, "yescrypt failed: %s", strerror(errno));
		return -1;
	}
	snprintf(out, outlen, "%s", h);
	explicit_bzero(&cd, sizeof(cd));
	return 0;
}

int
secret_hash_like(const char *password, const char *like, char *out, size_t outlen,
    char *why, size_t whylen)
{
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	h = crypt_rn(password, like, &cd, sizeof(cd));
	if (h == NULL || h[0] == '*' || strlen(h) >= outlen) {
		explicit_bzero(&cd, sizeof(cd));
		snprintf(why, whylen, "crypt failed: %s", strerror(errno));
		return -1;
	}
	snprintf(out, outlen, "%s", h);
	explicit_bzero(&cd, sizeof(cd));
	return 0;
}

bool
secret_password_matches(const char *password, const char *hash)
{
	struct crypt_data cd;
	const char *h;
	bool ok;

	memset(&cd, 0, sizeof(cd));
	h = crypt_rn(password, hash, &cd, sizeof(cd));
	ok = h != NULL && h[0] != '*' && strlen(h) == strlen(hash) &&
	    secret_equal(h, hash, strlen(hash));
	explicit_bzero(&cd, sizeof(cd));
	return ok;
}

void
secret_sha256_hex(const void *data, size_t n, char out[SECRET_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256(data, n, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * SHA256_DIGEST_LENGTH] = '\0';
}

bool
secret_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
secret_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[64];
	size_t i, got = 0;

	if (nbytes > sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	while (got < nbytes) {
		ssize_t r = getrandom(buf + got, nbytes - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * nbytes] = '\0';
	explicit_bzero(buf, sizeof(buf));
	return 0;
}
