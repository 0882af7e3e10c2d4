/* SPDX-License-Identifier: ISC */
/*
 * prefix: IPv4/IPv6 prefixes ("10.0.0.0/8", "2001:db8::/32", or a single
 * address) and matching addresses against them.
 */
#ifndef CORDON_PREFIX_H
#define CORDON_PREFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "decode.h"

struct prefix {
	struct ip_addr addr;   /* masked; IPv4 as ::ffff:a.b.c.d */
	unsigned len;          /* in bits of the 128-bit form */
};

/* Parses text; returns 0, or -1 with a reason in err. */
int prefix_parse(const char *s, struct prefix *p, char *err, size_t errlen);
bool prefix_contains(const struct prefix *p, const struct ip_addr *a);
/* Text form; buf needs 64 bytes. */
char *prefix_to_str(const struct prefix *p, char *buf, size_t len);

#endif
