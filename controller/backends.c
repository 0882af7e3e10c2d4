/* SPDX-License-Identifier: ISC */
/* backends: enforcement backends by kind, registered at start. */
#include <stdio.h>
#include <string.h>

#include "cordon.h"

#define MAX_BACKENDS 16

static struct {
	const char *kind;       /* borrowed: static string */
	backend_factory make;
	backend_checker check;     /* may be NULL */
} backends[MAX_BACKENDS];
static int nbackends;

int
backend_register(const char *kind, backend_factory f, backend_checker check)
{
	int i;

	for (i = 0; i < nbackends; i++)
		if (strcmp(backends[i].kind, kind) == 0) {
			backends[i].make = f;
			backends[i].check = check;
			return 0;
		}
	if (nbackends == MAX_BACKENDS)
		return -1;
	backends[nbackends].kind = kind;
	backends[nbackends].make = f;
	backends[nbackends].check = check;
	nbackends++;
	return 0;
}

backend_checker
backend_find_checker(const char *kind)
{
	int i;

	for (i = 0; i < nbackends; i++)
		if (strcmp(backends[i].kind, kind) == 0)
			return backends[i].check;
	return NULL;
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

static router_factory the_router_factory;

void
router_register(router_factory f)
{
	the_router_factory = f;
}

router_factory
router_find(void)
{
	return the_router_factory;
}

static char state_dir[256] = "/var/lib/cordon";
static void (*shutdown_fns[MAX_BACKENDS])(void);
static int nshutdown;

void
backends_set_state_dir(const char *dir)
{
	snprintf(state_dir, sizeof(state_dir), "%s", dir);
}

const char *
backends_state_dir(void)
{
	return state_dir;
}

void
backend_on_shutdown(void (*fn)(void))
{
	int i;

	for (i = 0; i < nshutdown; i++)
		if (shutdown_fns[i] == fn)
			return;
	if (nshutdown < MAX_BACKENDS)
		shutdown_fns[nshutdown++] = fn;
}

void
backends_shutdown(void)
{
	while (nshutdown > 0)
		shutdown_fns[--nshutdown]();
}
