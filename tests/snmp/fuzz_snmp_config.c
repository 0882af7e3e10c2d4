/* SPDX-License-Identifier: ISC */
/*
 * fuzz_snmp_config: the SNMP point's config keys (snmpsw_config_set) and the
 * whole-config check, fed "key=value" lines. Besides memory errors it checks
 * that no message depends on a secret's content (only its length may
 * matter): the same input with every secret replaced by filler of the same
 * length must give the very same messages. So no message can carry a secret.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
is_secret(const char *key)
{
	return !strcmp(key, "community") || !strcmp(key, "v3_auth_pass") ||
	       !strcmp(key, "v3_priv_pass");
}

static void
filler(char *s)
{
	for (; *s; s++)
		*s = '#';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snmpsw_config c, f;
	char err[256], ferr[256];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	snmpsw_config_init(&c);
	snmpsw_config_init(&f);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *value = eq + 1;
		err[0] = ferr[0] = '\0';
		int rc = snmpsw_config_set(&c, line, value, err, sizeof(err));
		if (is_secret(line))
			filler(value);
		int frc = snmpsw_config_set(&f, line, value, ferr, sizeof(ferr));
		if (rc != frc || strcmp(err, ferr) != 0)
			abort();   /* a message (or outcome) depends on a secret's content */
	}
	err[0] = ferr[0] = '\0';
	if (snmpsw_config_check(&c, err, sizeof(err)) != snmpsw_config_check(&f, ferr, sizeof(ferr)) ||
	    strcmp(err, ferr) != 0)
		abort();
	free(text);
	return 0;
}
