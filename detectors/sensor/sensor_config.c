/* SPDX-License-Identifier: ISC */
#include "sensor_config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>

static int
where(char *err, size_t errlen, const char *path, const config_setting_t *st)
{
	int line = st ? (int)config_setting_source_line(st) : 0;
	size_t n;

	n = (size_t)snprintf(err, errlen, "%s:%d: ", path, line);
	return n < errlen ? (int)n : (int)errlen - 1;
}

int
sensor_config_setting_text(const void *setting, char *buf, size_t len)
{
	const config_setting_t *st = setting;

	switch (config_setting_type(st)) {
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s", config_setting_get_bool(st) ? "true" : "false");
		return 0;
	case CONFIG_TYPE_INT:
		snprintf(buf, len, "%d", config_setting_get_int(st));
		return 0;
	case CONFIG_TYPE_INT64:
		snprintf(buf, len, "%lld", config_setting_get_int64(st));
		return 0;
	case CONFIG_TYPE_FLOAT:
		snprintf(buf, len, "%.17g", config_setting_get_float(st));
		return 0;
	case CONFIG_TYPE_STRING:
		if (strlen(config_setting_get_string(st)) >= len)
			return -1;
		snprintf(buf, len, "%s", config_setting_get_string(st));
		return 0;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST: {
		int i, n = config_setting_length(st);
		size_t off = 0;
		buf[0] = '\0';
		for (i = 0; i < n; i++) {
			char item[128];
			const config_setting_t *e = config_setting_get_elem(st, (unsigned)i);
			if (config_setting_is_aggregate(e) || sensor_config_setting_text(e, item, sizeof(item)) != 0)
				return -1;
			if (off + strlen(item) + 2 > len)
				return -1;
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", item);
		}
		return 0;
	}
	default:
		return -1;
	}
}

static int
load_detectors(const char *path, const config_setting_t *grp, const char *prefix,
    struct det_config *c, char *err, size_t errlen)
{
	int i, n = config_setting_length(grp);

	for (i = 0; i < n; i++) {
		const config_setting_t *st = config_setting_get_elem(grp, (unsigned)i);
		char key[128], value[600], msg[512];
		int off;

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
		    config_setting_name(st));
		if (config_setting_type(st) == CONFIG_TYPE_GROUP) {
			if (load_detectors(path, st, key, c, err, errlen) != 0)
				return -1;
			continue;
		}
		if (sensor_config_setting_text(st, value, sizeof(value)) != 0) {
			off = where(err, errlen, path, st);
			snprintf(err + off, errlen - (size_t)off,
			    "detectors.%s: expected a number, a string or a list of them", key);
			return -1;
		}
		if (detcfg_set(c, key, value, msg, sizeof(msg)) != 0) {
			off = where(err, errlen, path, st);
			snprintf(err + off, errlen - (size_t)off, "detectors.%s", msg);
			return -1;
		}
	}
	return 0;
}

static int
load_string(const char *path, const config_setting_t *grp, const char *name,
    char *dst, size_t len, char *err, size_t errlen)
{
	const config_setting_t *st = config_setting_get_member(grp, name);
	const char *v;
	int off;

	if (st == NULL)
		return 0;
	v = config_setting_get_string(st);
	if (v == NULL || strlen(v) >= len || *v == '\0') {
		off = where(err, errlen, path, st);
		snprintf(err + off, errlen - (size_t)off,
		    "sensor.%s: expected a non-empty string of at most %zu characters",
		    name, len - 1);
		return -1;
	}
	snprintf(dst, len, "%s", v);
	return 0;
}

int
sensor_config_load(const char *path, struct sensor_settings *s,
    struct det_config *c, char *err, size_t errlen)
{
	static const char *const sensor_keys[] = { "name", "interface", "filter", "output", "user",
	    "tls_certificate", "tls_key", "tls_ca", NULL };
	config_t cfg;
	const config_setting_t *root, *grp;
	FILE *f;
	int rc = -1, i, j;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	config_init(&cfg);
	if (config_read(&cfg, f) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
		    config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	for (i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *st = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(st);
		if (strcmp(name, "sensor") != 0 && strcmp(name, "detectors") != 0) {
			int off = where(err, errlen, path, st);
			snprintf(err + off, errlen - (size_t)off,
			    "unknown section '%s' (expected sensor or detectors)", name);
			goto out;
		}
		if (config_setting_type(st) != CONFIG_TYPE_GROUP) {
			int off = where(err, errlen, path, st);
			snprintf(err + off, errlen - (size_t)off, "'%s' must be a group { ... }", name);
			goto out;
		}
	}
	grp = config_lookup(&cfg, "sensor");
	if (grp != NULL) {
		for (i = 0; i < config_setting_length(grp); i++) {
			const config_setting_t *st = config_setting_get_elem(grp, (unsigned)i);
			const char *name = config_setting_name(st);
			for (j = 0; sensor_keys[j] && strcmp(sensor_keys[j], name) != 0; j++)
				;
			if (sensor_keys[j] == NULL) {
				int off = where(err, errlen, path, st);
				snprintf(err + off, errlen - (size_t)off,
				    "unknown setting 'sensor.%s' (expected name, interface, filter, output, user, "
				    "tls_certificate, tls_key or tls_ca)", name);
				goto out;
			}
		}
		if (load_string(path, grp, "name", s->name, sizeof(s->name), err, errlen) ||
		    load_string(path, grp, "interface", s->interface, sizeof(s->interface), err, errlen) ||
		    load_string(path, grp, "filter", s->filter, sizeof(s->filter), err, errlen) ||
		    load_string(path, grp, "output", s->output, sizeof(s->output), err, errlen) ||
		    load_string(path, grp, "user", s->user, sizeof(s->user), err, errlen) ||
		    load_string(path, grp, "tls_certificate", s->tls_certificate, sizeof(s->tls_certificate),
			err, errlen) ||
		    load_string(path, grp, "tls_key", s->tls_key, sizeof(s->tls_key), err, errlen) ||
		    load_string(path, grp, "tls_ca", s->tls_ca, sizeof(s->tls_ca), err, errlen))
			goto out;
		if (s->user[0])
			s->user_line = config_setting_source_line(config_setting_get_member(grp, "user"));
	}
	grp = config_lookup(&cfg, "detectors");
	if (grp != NULL && load_detectors(path, grp, "", c, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	config_destroy(&cfg);
	fclose(f);
	return rc;
}

int
sensor_config_detectors(const void *group, const char *path, struct det_config *c,
    char *err, size_t errlen)
{
	return load_detectors(path, group, "", c, err, errlen);
}
