/* SPDX-License-Identifier: ISC */
/*
 * failpoint: crash tests. When the environment variable CORDON_FAILPOINT
 * names a step, the daemon kills itself with SIGKILL exactly there, as a
 * `kill -9` landing between two steps would; "STEP:stop" freezes it there
 * (SIGSTOP) instead, until SIGCONT, as a hung leader. Unset, a failpoint
 * costs one string comparison. The steps are listed in docs/man/cordond.8.
 */
#ifndef CORDON_FAILPOINT_H
#define CORDON_FAILPOINT_H

void failpoint(const char *step);
/* Called right before a failpoint kills the daemon (NULL: nothing): the
 * core commits what is decided, so that a kill lands between two steps. */
void failpoint_before_kill(void (*fn)(void *arg), void *arg);

#endif
