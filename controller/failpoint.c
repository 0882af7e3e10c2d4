/* SPDX-License-Identifier: ISC */
#include "failpoint.h"

#include <signal.h>
#include <stdbool.h>
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
	size_t n = strlen(step);
	bool stop;

	if (armed == NULL || strncmp(armed, step, n) != 0)
		return;
	/* "STEP:stop": the daemon freezes there instead (SIGSTOP, once), as a
	 * leader that hangs does; SIGCONT lets it go on from that step. */
	stop = strcmp(armed + n, ":stop") == 0;
	if (!stop && armed[n] != '\0')
		return;
	if (before_kill != NULL)
		before_kill(before_kill_arg);
	if (stop) {
		static int stopped;
		if (stopped++)
			return;
		log_warnx("failpoint %s: stopping the daemon (SIGSTOP) for a hang test", step);
		kill(getpid(), SIGSTOP);
		log_warnx("failpoint %s: going on after SIGCONT", step);
		return;
	}
	log_warnx("failpoint %s: killing the daemon (SIGKILL) for a crash test", step);
	kill(getpid(), SIGKILL);
	_exit(137);
}
