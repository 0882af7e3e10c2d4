/* SPDX-License-Identifier: ISC */
#include "enforce.h"

#include <stdio.h>
#include <stdlib.h>

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
