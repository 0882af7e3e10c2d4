/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: a sensor event line as cordond receives it (hostile input
 * from the network). A line that parses must encode back and parse again
 * to the same detection, or the same seen report.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detection.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A seen report (the asset list, with its services) the same way. */
static void
seen_line(const uint8_t *data, size_t size)
{
	static struct seen_host h, h2;
	char err[256];
	static char line[8192];
	int n;
	unsigned i;

	if (seen_from_json((const char *)data, size, &h, err, sizeof(err)) != 0)
		return;
	if (h.nservices > SEEN_MAX_SERVICES)
		__builtin_trap();
	n = seen_to_json(&h, NULL, line, sizeof(line));
	if (n < 0)
		__builtin_trap();
	if (seen_from_json(line, (size_t)n, &h2, err, sizeof(err)) != 0)
		__builtin_trap();
	if (memcmp(&h2.ip, &h.ip, sizeof(h.ip)) != 0 || h2.nservices != h.nservices)
		__builtin_trap();
	for (i = 0; i < h.nservices; i++)
		if (h2.services[i].port != h.services[i].port ||
		    h2.services[i].proto != h.services[i].proto ||
		    h2.services[i].first_seen_us != h.services[i].first_seen_us ||
		    h2.services[i].last_seen_us != h.services[i].last_seen_us)
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct detection d, d2;
	char err[256], line[2048];
	int n;

	if (event_line_is_seen((const char *)data, size)) {
		seen_line(data, size);
		return 0;
	}
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
