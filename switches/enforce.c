/* SPDX-License-Identifier: ISC */
#include "enforce.h"

#include <stdlib.h>

const char *
enf_status_name(enum enf_status s)
{
	switch (s) {
	case ENF_OK: return "ok";
	case ENF_NOT_FOUND: return "not-found";
	case ENF_REFUSED: return "refused";
	case ENF_TIMEOUT: return "timeout";
	case ENF_DENIED: return "denied";
	case ENF_MISMATCH: return "mismatch";
	case ENF_BAD_REQUEST: return "bad-request";
	case ENF_ERROR: return "error";
	default: return "?";
	}
}

void
enf_destroy(struct enf_point *p)
{
	if (p == NULL)
		return;
	if (p->ops && p->ops->destroy)
		p->ops->destroy(p);
	free(p);
}
