/* SPDX-License-Identifier: ISC */
/*
 * sensor_config: reads the sensor's config file (libconfig syntax, the one
 * module of the sensor that includes libconfig). See docs/cordon-sensor.md.
 *
 *   sensor:    { name = "edge-1"; interface = "eth1"; filter = "not port 22";
 *                output = "unix:/run/cordon/sensor.sock"; user = "cordon"; };
 *   detectors: { ports = "135:10,445:10"; trw = { timeout = 3.0; }; ... };
 *
 * Every key under `detectors` is a detcfg key ("trw.timeout" is trw { timeout }).
 */
#ifndef CORDON_SENSOR_CONFIG_H
#define CORDON_SENSOR_CONFIG_H

#include <stddef.h>

#include "detcfg.h"

struct sensor_settings {
	char name[64];
	char interface[64];
	char filter[1024];
	char output[512];
	char user[64];         /* "" when the file names none */
	int user_line;         /* the line of `user`, for messages */
	/* A tls: output: the sensor's certificate and key, and the CA that signs
	 * cordond's certificate (PEM files). */
	char tls_certificate[256];
	char tls_key[256];
	char tls_ca[256];
};

/*
 * Reads `path` into `s` and `c` (which hold their defaults or earlier values).
 * Returns 0, or -1 with "FILE:LINE: what is wrong" in err.
 */
int sensor_config_load(const char *path, struct sensor_settings *s,
    struct det_config *c, char *err, size_t errlen);

/*
 * Applies a `detectors { }` group to `c`: `group` is a libconfig
 * config_setting_t (void * so that callers need not include libconfig);
 * errors read "FILE:LINE: detectors.KEY: ...". cordond's config shares it.
 */
int sensor_config_detectors(const void *group, const char *path, struct det_config *c,
    char *err, size_t errlen);

/* The text of a scalar setting, or of a list of scalars joined by ','
 * (`setting` is a const config_setting_t *). Returns 0, or -1. */
int sensor_config_setting_text(const void *setting, char *buf, size_t len);

#endif
