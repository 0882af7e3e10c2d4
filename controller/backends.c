/* backends: enforcement backends by kind, registered at start. */
#include <string.h>

#include "cordon.h"

#define MAX_BACKENDS 16

static struct {
	const char *kind;       /* borrowed: static string */
	backend_factory make;
} backends[MAX_BACKENDS];
static int nbackends;

int
backend_register(const char *kind, backend_factory f)
{
	int i;

	for (i = 0; i < nbackends; i++)
		if (strcmp(backends[i].kind, kind) == 0) {
			backends[i].make = f;
			return 0;
		}
	if (nbackends == MAX_BACKENDS)
		return -1;
	backends[nbackends].kind = kind;
	backends[nbackends].make = f;
	nbackends++;
	return 0;
}

backend_factory
backend_find(const char *kind)
{
	int i;

	for (i = 0; i < nbackends; i++)
		if (strcmp(backends[i].kind, kind) == 0)
			return backends[i].make;
	return NULL;
}
