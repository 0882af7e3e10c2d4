/* SPDX-License-Identifier: ISC */
/*
 * prefix: IPv4/IPv6 prefixes ("10.0.0.0/8", "2001:db8::/32", or a single
 * address) parsed from configuration text, and matching addresses against
 * them.
 */
#ifndef CORDON_PREFIX_H
#define CORDON_PREFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

struct prefix {
	struct ip_addr addr;   /* host bits cleared; IPv4 as ::ffff:a.b.c.d */
	unsigned len;          /* in bits of the 128-bit form: an IPv4 /n is 96 + n */
};

/* prefix_parse's flags: what a caller does not accept. */
#define PREFIX_LENGTH_REQUIRED 0x1   /* a bare address ("10.0.0.1") is refused */
#define PREFIX_NONZERO 0x2           /* length 0 ("0.0.0.0/0", "::/0") is refused */
#define PREFIX_NETWORK 0x4           /* bits set past the length are refused, not cleared */

/*
 * Parses "ADDRESS/LENGTH", or a bare address as a full-length prefix.
 * Returns 0, or -1 with a reason naming the offending text in err (the
 * caller adds where the text came from).
 */
int prefix_parse(const char *s, unsigned flags, struct prefix *p, char *err, size_t errlen);
/* Whether `a` is inside p (the 128-bit forms compared: ::/0 holds IPv4 too). */
bool prefix_contains(const struct prefix *p, const struct ip_addr *a);
/* A length valid for the family, and no bit set past it (as PREFIX_NETWORK parses). */
bool prefix_is_network(const struct prefix *p);
/* The length in the family's own bits: 24 for 10.0.0.0/24. */
unsigned prefix_bits(const struct prefix *p);
/* "ADDRESS/LENGTH"; buf needs 64 bytes. Returns buf. */
char *prefix_to_str(const struct prefix *p, char *buf, size_t len);

#endif
