/* SPDX-License-Identifier: ISC */
/* The SNMP point's configuration keys (snmp.h), checked before a point is made. */
#include "snmp.h"
#include "snmp_client.h"
#include "snmp_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
snmpsw_config_init(struct snmpsw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 161;
	c->version = SNMPSW_V2C;
	c->timeout_ms = 1000;
	c->retries = 2;
	c->max_macs_per_port = 4;
	c->bounce_pause_ms = 1000;
	c->fdb_cache_ms = 5000;
	c->max_queue = 4096;
	c->driver = SNMPSW_DRIVER_QBRIDGE;
}

static int
parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	if (!*v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || *end || x > max)
		return -1;
	*out = x;
	return 0;
}

static int
copy_str(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);
	if (n >= size)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

int
snmpsw_config_set(struct snmpsw_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	unsigned long x;
	struct { const char *key; unsigned *dst; unsigned long min, max; } nums[] = {
		{"timeout_ms", &c->timeout_ms, 1, 600000},
		{"retries", &c->retries, 0, 20},
		{"max_macs_per_port", &c->max_macs_per_port, 1, 100000},
		{"bounce_pause_ms", &c->bounce_pause_ms, 0, 60000},
		{"fdb_cache_ms", &c->fdb_cache_ms, 0, 3600000},
		{"max_queue", &c->max_queue, 1, 1000000},
	};
	struct { const char *key; char *dst; size_t size; } secrets[] = {
		{"community", c->community, sizeof(c->community)},
		{"v3_auth_pass", c->v3_auth_pass, sizeof(c->v3_auth_pass)},
		{"v3_priv_pass", c->v3_priv_pass, sizeof(c->v3_priv_pass)},
	};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (parse_uint(v, nums[i].max, &x) < 0 || x < nums[i].min) {
			snprintf(err, errlen, "%s: '%s' is not a number in [%lu, %lu]", key, v,
				 nums[i].min, nums[i].max);
			return -1;
		}
		*nums[i].dst = (unsigned)x;
		return 0;
	}
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (strcmp(key, secrets[i].key) != 0)
			continue;
		if (copy_str(secrets[i].dst, secrets[i].size, v) < 0) {
			/* Never echo a secret, not even a wrong one. */
			snprintf(err, errlen, "%s: too long (at most %zu characters)", key,
				 secrets[i].size - 1);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "name") == 0 || strcmp(key, "address") == 0 || strcmp(key, "v3_user") == 0) {
		char *dst = key[0] == 'n' ? c->name : key[0] == 'a' ? c->address : c->v3_user;
		size_t size = key[0] == 'n' ? sizeof(c->name) : key[0] == 'a' ? sizeof(c->address)
									  : sizeof(c->v3_user);
		if (!*v || copy_str(dst, size, v) < 0) {
			snprintf(err, errlen, "%s: '%.*s' is empty or too long (at most %zu characters)",
				 key, 64, v, size - 1);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "port") == 0) {
		if (parse_uint(v, 65535, &x) < 0 || x == 0) {
			snprintf(err, errlen, "port: '%s' is not a UDP port", v);
			return -1;
		}
		c->port = (uint16_t)x;
		return 0;
	}
	if (strcmp(key, "quarantine_vlan") == 0) {
		if (parse_uint(v, 4094, &x) < 0 || x == 0) {
			snprintf(err, errlen, "quarantine_vlan: '%s' is not a VLAN ID (1..4094)", v);
			return -1;
		}
		c->quarantine_vlan = (int32_t)x;
		return 0;
	}
	if (strcmp(key, "version") == 0) {
		if (strcmp(v, "2c") == 0 || strcmp(v, "v2c") == 0)
			c->version = SNMPSW_V2C;
		else if (strcmp(v, "3") == 0 || strcmp(v, "v3") == 0)
			c->version = SNMPSW_V3;
		else {
			snprintf(err, errlen, "version: '%s' is neither 2c nor 3", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "driver") == 0) {
		if (strcmp(v, "qbridge") == 0)
			c->driver = SNMPSW_DRIVER_QBRIDGE;
		else if (strcmp(v, "cisco") == 0)
			c->driver = SNMPSW_DRIVER_CISCO;
		else if (strcmp(v, "auto") == 0)
			c->driver = SNMPSW_DRIVER_AUTO;
		else {
			snprintf(err, errlen, "driver: '%s' is not qbridge, cisco or auto", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "bounce") == 0) {
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
			c->bounce = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
			c->bounce = false;
		else {
			snprintf(err, errlen, "bounce: '%s' is not yes or no", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "uplinks") == 0) {
		const char *p = v;
		for (int guard = 0; *p && guard < 1000; guard++) {
			size_t n = strcspn(p, ", ");
			if (n) {
				if (c->n_uplinks == SNMPSW_MAX_UPLINKS || n >= ENF_NAME_LEN) {
					snprintf(err, errlen, "uplinks: at most %d names of at most %d "
						 "characters", SNMPSW_MAX_UPLINKS, ENF_NAME_LEN - 1);
					return -1;
				}
				memcpy(c->uplinks[c->n_uplinks], p, n);
				c->uplinks[c->n_uplinks][n] = '\0';
				c->n_uplinks++;
			}
			p += n;
			p += strspn(p, ", ");
		}
		return 0;
	}
	snprintf(err, errlen, "unknown key '%.*s'", 64, key);
	return -1;
}

int
snmpsw_config_check(const struct snmpsw_config *c, char *err, size_t errlen)
{
	const char *n = *c->name ? c->name : "(unnamed)";
	if (!*c->name) {
		snprintf(err, errlen, "switch: a name is required");
		return -1;
	}
	if (!*c->address) {
		snprintf(err, errlen, "switch %s: address is required", n);
		return -1;
	}
	if (c->quarantine_vlan < 1 || c->quarantine_vlan > 4094) {
		snprintf(err, errlen, "switch %s: quarantine_vlan (1..4094) is required", n);
		return -1;
	}
	if (c->version == SNMPSW_V2C && !*c->community) {
		snprintf(err, errlen, "switch %s: SNMPv2c needs a (read-write) community", n);
		return -1;
	}
	if (c->version == SNMPSW_V3 &&
	    (!*c->v3_user || strlen(c->v3_auth_pass) < 8 || strlen(c->v3_priv_pass) < 8)) {
		snprintf(err, errlen, "switch %s: SNMPv3 needs v3_user, and v3_auth_pass and "
			 "v3_priv_pass of at least 8 characters", n);
		return -1;
	}
	if (c->timeout_ms == 0) {
		snprintf(err, errlen, "switch %s: timeout_ms must be > 0", n);
		return -1;
	}
	return 0;
}

/* The secrets must not outlive the point in freed memory. */
void __attribute__((noinline))
config_wipe(struct snmpsw_config *c)
{
	explicit_bzero(c, sizeof(*c));
}

int
snmpsw_global_init(const char *state_dir, char *err, size_t errlen)
{
	return snmpc_global_init(state_dir, err, errlen);
}

void
snmpsw_global_shutdown(void)
{
	snmpc_global_shutdown();
}
