/* SPDX-License-Identifier: ISC */
/* OIDs as snmp_client.h holds them (parse, build, compare, format), and agents' error names. */
#include "snmp_client.h"
#include "snmpc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const error_status_names[] = {
	"noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess",
	"wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
	"inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
	"authorizationError", "notWritable", "inconsistentName",
};

const char *
snmpc_error_status_name(long e)
{
	if (e >= 0 && e < (long)(sizeof(error_status_names) / sizeof(error_status_names[0])))
		return error_status_names[e];
	return "unknownError";
}

/* ---- OIDs ---- */

int
snmpc_oid_parse(struct snmpc_oid *o, const char *text)
{
	const char *p = text;
	o->len = 0;
	if (*p == '.')
		p++;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9' || o->len == SNMPC_MAX_OID)
			return -1;
		unsigned long v = strtoul(p, &end, 10);
		if (v > UINT32_MAX)
			return -1;
		o->n[o->len++] = (uint32_t)v;
		if (*end == '.')
			end++;
		else if (*end != '\0')
			return -1;
		p = end;
	}
	return o->len >= 2 ? 0 : -1;
}

void
snmpc_oid_make(struct snmpc_oid *o, const uint32_t *base, size_t baselen, const uint32_t *idx,
	       size_t idxlen)
{
	if (baselen > SNMPC_MAX_OID)
		baselen = SNMPC_MAX_OID;
	if (idxlen > SNMPC_MAX_OID - baselen)
		idxlen = SNMPC_MAX_OID - baselen;
	memcpy(o->n, base, baselen * sizeof(uint32_t));
	if (idxlen)
		memcpy(o->n + baselen, idx, idxlen * sizeof(uint32_t));
	o->len = baselen + idxlen;
}

bool
snmpc_oid_has_prefix(const struct snmpc_oid *o, const uint32_t *prefix, size_t len)
{
	return o->len >= len && memcmp(o->n, prefix, len * sizeof(uint32_t)) == 0;
}

void
snmpc_oid_format(const struct snmpc_oid *o, char *buf, size_t len)
{
	size_t off = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < o->len && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%u", i ? "." : "", o->n[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int
oid_cmp(const struct snmpc_oid *a, const struct snmpc_oid *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < n; i++)
		if (a->n[i] != b->n[i])
			return a->n[i] < b->n[i] ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}
