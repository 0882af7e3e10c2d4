/*
 * sensor_config: reads the sensor's config file (libconfig syntax, the one
 * module of the sensor that includes libconfig). See docs/cordon-sensor.md.
 *
 *   sensor:    { name = "edge-1"; interface = "eth1"; filter = "not port 22";
 *                output = "unix:/run/cordon/sensor.sock"; };
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
};

/*
 * Reads `path` into `s` and `c` (which hold their defaults or earlier values).
 * Returns 0, or -1 with "FILE:LINE: what is wrong" in err.
 */
int sensor_config_load(const char *path, struct sensor_settings *s,
    struct det_config *c, char *err, size_t errlen);

#endif
