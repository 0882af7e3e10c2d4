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
