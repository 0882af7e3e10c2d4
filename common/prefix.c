/* SPDX-License-Identifier: ISC */
#include "prefix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Clears the bits of `a` past the first `len`. */
static void
mask(struct ip_addr *a, unsigned len)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;
		if (bits >= 8)
			continue;
		a->b[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

int
prefix_parse(const char *s, unsigned flags, struct prefix *p, char *err, size_t errlen)
{
	char buf[128], *slash, *end;
	unsigned long len;
	unsigned max, min = flags & PREFIX_NONZERO ? 1 : 0;
	struct ip_addr net;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...' is too long for an address", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	else if (flags & PREFIX_LENGTH_REQUIRED) {
		snprintf(err, errlen, "'%s' has no length: a prefix is ADDRESS/LENGTH", s);
		return -1;
	}
	if (buf[0] == '\0') {
		snprintf(err, errlen, "'%s' has no address before the length", s);
		return -1;
	}
	if (ip_from_str(buf, &p->addr) != 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	max = ip_is_v4(&p->addr) ? 32 : 128;
	if (slash == NULL) {
		p->len = 128;
		return 0;
	}
	/* Digits only: strtoul would take a sign or leading blanks. */
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || len < min ||
	    len > max) {
		snprintf(err, errlen, "'%s': prefix length must be %u to %u", s, min, max);
		return -1;
	}
	p->len = (unsigned)len + (max == 32 ? 96 : 0);
	net = p->addr;
	mask(&net, p->len);
	if ((flags & PREFIX_NETWORK) && memcmp(&net, &p->addr, sizeof(net)) != 0) {
		char a[64];
		snprintf(err, errlen, "'%s': bits set past the prefix length (the network is %s/%lu)",
			 s, ip_to_str(&net, a, sizeof(a)), len);
		return -1;
	}
	p->addr = net;
	return 0;
}

bool
prefix_contains(const struct prefix *p, const struct ip_addr *a)
{
	return ip_prefix_equal(&p->addr, a, p->len);
}

bool
prefix_is_network(const struct prefix *p)
{
	struct ip_addr net = p->addr;

	if (p->len > 128 || (ip_is_v4(&p->addr) && p->len < 96))
		return false;
	mask(&net, p->len);
	return memcmp(&net, &p->addr, sizeof(net)) == 0;
}

unsigned
prefix_bits(const struct prefix *p)
{
	return ip_is_v4(&p->addr) ? p->len - 96 : p->len;
}

char *
prefix_to_str(const struct prefix *p, char *buf, size_t len)
{
	char ip[64];

	ip_to_str(&p->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, prefix_bits(p));
	return buf;
}
