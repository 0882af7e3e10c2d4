/* SPDX-License-Identifier: ISC */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

char *
ip_to_str(const struct ip_addr *a, char *buf, unsigned len)
{
	if (ip_is_v4(a)) {
		if (inet_ntop(AF_INET, a->b + 12, buf, len) == NULL)
			snprintf(buf, len, "?");
	} else if (inet_ntop(AF_INET6, a->b, buf, len) == NULL) {
		snprintf(buf, len, "?");
	}
	return buf;
}

int
ip_from_str(const char *s, struct ip_addr *a)
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		ip_from_v4(a, v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1)
		return 0;
	return -1;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mac_from_str(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
		if (lo < 0 || p[2] != (i < 5 ? ':' : '\0'))
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, 6);
	return 0;
}
