/* SPDX-License-Identifier: ISC */
/* Fuzz target: a control-socket request line (ctl_request_parse). */
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request rq;
	char err[300];

	if (ctl_request_parse((const char *)data, size, &rq, err, sizeof(err)) == 0) {
		/* What parsed must be coherent: a command that needs a host has one. */
		if ((rq.cmd == CTL_QUARANTINE || rq.cmd == CTL_RELEASE || rq.cmd == CTL_SHOW ||
		    rq.cmd == CTL_APPROVE) && !rq.has_host)
			__builtin_trap();
	}
	return 0;
}
