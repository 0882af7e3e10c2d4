/* SPDX-License-Identifier: ISC */
/* The netlink point's configuration keys (netlink.h) and remediation prefixes. */
#include "netlink.h"
#include "nl_config.h"
#include "nl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- config ---- */

void
netlink_config_init(struct netlink_point_config *c)
{
	memset(c, 0, sizeof(*c));
	c->table = NETLINK_DEFAULT_TABLE;
	c->remediation_table = NETLINK_DEFAULT_REMEDIATION_TABLE;
	c->priority_base = NETLINK_DEFAULT_PRIORITY_BASE;
	c->priority_range = NETLINK_DEFAULT_PRIORITY_RANGE;
	c->protocol = NETLINK_DEFAULT_PROTOCOL;
	c->deny_action = NETLINK_DENY_PROHIBIT;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * A remediation prefix holds an address: its family alone, as the kernel
 * matches rules of one family (an IPv6 ::/n never holds an IPv4 host here).
 */
bool
netlink_remediation_contains(const struct prefix *p, const struct ip_addr *a)
{
	return ip_is_v4(&p->addr) == ip_is_v4(a) && prefix_contains(p, a);
}

static int
parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "off")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int
add_remediation(struct netlink_point_config *c, const char *text, char *err, size_t errlen)
{
	struct prefix p;
	char why[192];

	if (prefix_parse(text, PREFIX_NETWORK, &p, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "netlink remediation: %s", why);
		return -1;
	}
	if (c->n_remediation >= NETLINK_MAX_REMEDIATION) {
		snprintf(err, errlen, "netlink remediation '%s': at most %d prefixes", text,
			 NETLINK_MAX_REMEDIATION);
		return -1;
	}
	c->remediation[c->n_remediation++] = p;
	return 0;
}

int
netlink_config_set(struct netlink_point_config *c, const char *key, const char *value,
		   char *err, size_t errlen)
{
	uint32_t v;

	if (!strcmp(key, "netns")) {
		if (strlen(value) >= sizeof(c->netns)) {
			snprintf(err, errlen, "netlink netns: name longer than %zu characters",
				 sizeof(c->netns) - 1);
			return -1;
		}
		/* A name is looked up under /run/netns; anything with a slash must be a full path. */
		if (value[0] != '/' && (strchr(value, '/') || !strcmp(value, ".") || !strcmp(value, ".."))) {
			snprintf(err, errlen, "netlink netns '%s': give a name under /run/netns or an "
				 "absolute path", value);
			return -1;
		}
		snprintf(c->netns, sizeof(c->netns), "%s", value);
		return 0;
	}
	if (!strcmp(key, "table") || !strcmp(key, "remediation_table")) {
		if (parse_u32(value, 1, UINT32_MAX, &v) < 0) {
			snprintf(err, errlen, "netlink %s '%s': not a table number 1..4294967295", key,
				 value);
			return -1;
		}
		if (!strcmp(key, "table"))
			c->table = v;
		else
			c->remediation_table = v;
		return 0;
	}
	if (!strcmp(key, "priority_base")) {
		if (parse_u32(value, 1, 32765, &v) < 0) {
			snprintf(err, errlen, "netlink priority_base '%s': not a priority 1..32765", value);
			return -1;
		}
		c->priority_base = v;
		return 0;
	}
	if (!strcmp(key, "priority_range")) {
		if (parse_u32(value, SLOT_COUNT, 1000, &v) < 0) {
			snprintf(err, errlen, "netlink priority_range '%s': not a number %d..1000", value,
				 SLOT_COUNT);
			return -1;
		}
		c->priority_range = v;
		return 0;
	}
	if (!strcmp(key, "protocol")) {
		/* 0..4 are the kernel's own (unspec, redirect, kernel, boot, static). */
		if (parse_u32(value, 5, 255, &v) < 0) {
			snprintf(err, errlen, "netlink protocol '%s': not a rule protocol 5..255", value);
			return -1;
		}
		c->protocol = (uint8_t)v;
		return 0;
	}
	if (!strcmp(key, "deny_action")) {
		if (!strcmp(value, "prohibit"))
			c->deny_action = NETLINK_DENY_PROHIBIT;
		else if (!strcmp(value, "blackhole"))
			c->deny_action = NETLINK_DENY_BLACKHOLE;
		else if (!strcmp(value, "unreachable"))
			c->deny_action = NETLINK_DENY_UNREACHABLE;
		else {
			snprintf(err, errlen, "netlink deny_action '%s': prohibit, blackhole or unreachable",
				 value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "remove_extra")) {
		if (parse_bool(value, &c->remove_extra) < 0) {
			snprintf(err, errlen, "netlink remove_extra '%s': yes or no", value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "remediation")) {
		char list[512];
		char *save = NULL, *tok;

		if (strlen(value) >= sizeof(list)) {
			snprintf(err, errlen, "netlink remediation: list too long");
			return -1;
		}
		snprintf(list, sizeof(list), "%s", value);
		for (tok = strtok_r(list, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
			if (add_remediation(c, tok, err, errlen) < 0)
				return -1;
		return 0;
	}
	snprintf(err, errlen, "netlink: unknown key '%s'", key);
	return -1;
}

int
netlink_config_validate(const struct netlink_point_config *c, char *err, size_t errlen)
{
	unsigned i;

	if (c->priority_range < SLOT_COUNT) {
		snprintf(err, errlen, "netlink priority_range %u: needs at least %d priorities",
			 c->priority_range, SLOT_COUNT);
		return -1;
	}
	/* Must stay between the local table's rule (0) and main's (32766). */
	if (c->priority_base < 1 || (uint64_t)c->priority_base + c->priority_range - 1 > 32765) {
		snprintf(err, errlen, "netlink priorities %u..%u: must lie within 1..32765 (before the "
			 "main table's rule)", c->priority_base,
			 c->priority_base + c->priority_range - 1);
		return -1;
	}
	/* Cordon's table holds nothing but its own routes: never one the system uses. */
	if (c->table == 0 || (c->table >= 253 && c->table <= 255)) {
		snprintf(err, errlen, "netlink table %u: must be a table of Cordon's own, not 0, "
			 "default (253), main (254) or local (255)", c->table);
		return -1;
	}
	if (c->remediation_table == 0 || c->remediation_table == c->table) {
		snprintf(err, errlen, "netlink remediation_table %u: must be a routing table other "
			 "than Cordon's own (%u)", c->remediation_table, c->table);
		return -1;
	}
	if (c->protocol <= 4) {
		snprintf(err, errlen, "netlink protocol %u: reserved for the kernel", c->protocol);
		return -1;
	}
	if (c->n_remediation > NETLINK_MAX_REMEDIATION) {
		snprintf(err, errlen, "netlink: at most %d remediation prefixes", NETLINK_MAX_REMEDIATION);
		return -1;
	}
	for (i = 0; i < c->n_remediation; i++) {
		if (!prefix_is_network(&c->remediation[i])) {
			char a[64];
			snprintf(err, errlen, "netlink remediation %s (length %u of the 128-bit form): "
				 "not a network prefix", ip_to_str(&c->remediation[i].addr, a, sizeof(a)),
				 c->remediation[i].len);
			return -1;
		}
	}
	return 0;
}
