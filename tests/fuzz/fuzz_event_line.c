/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: a sensor event line as cordond receives it (hostile input
 * from the network). A line that parses must encode back and parse again
 * to the same detection.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detection.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct detection d, d2;
	char err[256], line[2048];
	int n;

	if (detection_from_json((const char *)data, size, &d, err, sizeof(err)) != 0)
		return 0;
	n = detection_to_json(&d, NULL, line, sizeof(line));
	if (n < 0)
		__builtin_trap();
	if (detection_from_json(line, (size_t)n, &d2, err, sizeof(err)) != 0)
		__builtin_trap();
	if (d2.engine != d.engine || memcmp(&d2.src, &d.src, sizeof(d.src)) != 0 ||
	    d2.probes != d.probes || d2.dport != d.dport || d2.vlan != d.vlan)
		__builtin_trap();
	return 0;
}
