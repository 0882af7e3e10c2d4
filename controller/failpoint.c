/* SPDX-License-Identifier: ISC */
#include "failpoint.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static void (*before_kill)(void *arg);
static void *before_kill_arg;

void
failpoint_before_kill(void (*fn)(void *arg), void *arg)
{
	before_kill = fn;
	before_kill_arg = arg;
}

void
failpoint(const char *step)
{
	static const char *armed;
	static int looked;

	if (!looked) {
		armed = getenv("CORDON_FAILPOINT");
		looked = 1;
	}
	if (armed == NULL || strcmp(armed, step) != 0)
		return;
	if (before_kill != NULL)
		before_kill(before_kill_arg);
	log_warnx("failpoint %s: killing the daemon (SIGKILL) for a crash test", step);
	kill(getpid(), SIGKILL);
	_exit(137);
}
