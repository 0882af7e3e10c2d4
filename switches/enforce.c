/* SPDX-License-Identifier: ISC */
#include "enforce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
enf_status_name(enum enf_status s)
{
	switch (s) {
	case ENF_OK: return "ok";
	case ENF_NOT_FOUND: return "not-found";
	case ENF_REFUSED: return "refused";
	case ENF_TIMEOUT: return "timeout";
	case ENF_DENIED: return "denied";
	case ENF_MISMATCH: return "mismatch";
	case ENF_BAD_REQUEST: return "bad-request";
	case ENF_ERROR: return "error";
	default: return "?";
	}
}

void
enf_destroy(struct enf_point *p)
{
	if (p == NULL)
		return;
	if (p->ops && p->ops->destroy)
		p->ops->destroy(p);
	free(p);
}

int
enf_tagged_text(const struct enf_location *l, char *buf, size_t len)
{
	int total = 0;
	if (len)
		buf[0] = '\0';
	for (uint32_t i = 0; i < l->norig_tagged && i < ENF_MAX_TAGGED; i++) {
		size_t used = (size_t)total < len ? (size_t)total : len;
		int n = snprintf(buf + used, len - used, "%s%d", i ? "," : "", (int)l->orig_tagged[i]);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int
enf_tagged_parse(const char *s, struct enf_location *l)
{
	int32_t vid[ENF_MAX_TAGGED];
	uint32_t n = 0;
	size_t i = 0;

	if (s == NULL || s[0] == '\0') {
		l->norig_tagged = 0;
		return 0;
	}
	for (;;) {
		int32_t v = 0;
		size_t digits = 0;
		while (s[i] >= '0' && s[i] <= '9' && digits < 5) {
			v = v * 10 + (s[i++] - '0');
			digits++;
		}
		if (digits == 0 || v < 1 || v > 4094 || n == ENF_MAX_TAGGED)
			return -1;
		for (uint32_t k = 0; k < n; k++)
			if (vid[k] == v)
				return -1;
		vid[n++] = v;
		if (s[i] == '\0')
			break;
		if (s[i++] != ',')
			return -1;
	}
	for (uint32_t k = 0; k < n; k++)
		l->orig_tagged[k] = vid[k];
	l->norig_tagged = n;
	return 0;
}

int
enf_port_macs_text(const struct enf_location *l, char *buf, size_t len)
{
	int total = snprintf(buf, len, "%u", (unsigned)l->nport_macs);

	for (uint32_t i = 0; total >= 0 && i < l->nport_macs && i < ENF_MAX_PORT_MACS; i++) {
		const uint8_t *m = l->port_macs[i];
		size_t used = (size_t)total < len ? (size_t)total : len;
		int n = snprintf(buf + used, len - used, ",%02x:%02x:%02x:%02x:%02x:%02x",
		    m[0], m[1], m[2], m[3], m[4], m[5]);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int
enf_port_macs_parse(const char *s, struct enf_location *l)
{
	uint8_t macs[ENF_MAX_PORT_MACS][6];
	unsigned long count;
	uint32_t listed = 0;
	char *end;

	if (s == NULL || s[0] == '\0') {
		l->nport_macs = 0;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return -1;
	count = strtoul(s, &end, 10);
	if (count > 1000000)
		return -1;
	while (*end == ',') {
		unsigned v[6];
		int n = 0;
		if (listed == ENF_MAX_PORT_MACS ||
		    sscanf(end + 1, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4],
			&v[5], &n) != 6 || n != 17)
			return -1;
		for (int k = 0; k < 6; k++)
			macs[listed][k] = (uint8_t)v[k];
		listed++;
		end += 1 + n;
	}
	if (*end != '\0' || listed != (count < ENF_MAX_PORT_MACS ? count : ENF_MAX_PORT_MACS))
		return -1;
	memcpy(l->port_macs, macs, sizeof(macs[0]) * listed);
	l->nport_macs = (uint32_t)count;
	return 0;
}

bool
enf_same_port(const struct enf_location *a, const struct enf_location *b)
{
	return a->ifindex > 0 && a->ifindex == b->ifindex && strcmp(a->point, b->point) == 0;
}
