/* SPDX-License-Identifier: ISC */
#include "prefix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
prefix_parse(const char *s, struct prefix *p, char *err, size_t errlen)
{
	char buf[128], *slash, *end;
	unsigned long len;
	bool v4;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...' is too long for an address", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (ip_from_str(buf, &p->addr) != 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	v4 = ip_is_v4(&p->addr);
	if (slash == NULL) {
		p->len = 128;
		return 0;
	}
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || errno != 0 || len > (v4 ? 32u : 128u)) {
		snprintf(err, errlen, "'%s': prefix length must be 0 to %u", s, v4 ? 32 : 128);
		return -1;
	}
	p->len = (unsigned)len + (v4 ? 96 : 0);
	mask(&p->addr, p->len);
	return 0;
}

bool
prefix_contains(const struct prefix *p, const struct ip_addr *a)
{
	struct ip_addr m = *a;

	mask(&m, p->len);
	return memcmp(&m, &p->addr, sizeof(m)) == 0;
}

char *
prefix_to_str(const struct prefix *p, char *buf, size_t len)
{
	char ip[64];
	bool v4 = ip_is_v4(&p->addr);

	ip_to_str(&p->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, v4 ? p->len - 96 : p->len);
	return buf;
}
