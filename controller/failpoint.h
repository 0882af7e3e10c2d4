/* SPDX-License-Identifier: ISC */
/*
 * failpoint: crash tests. When the environment variable CORDON_FAILPOINT
 * names a step, the daemon kills itself with SIGKILL exactly there, as a
 * `kill -9` landing between two steps would. Unset, a failpoint costs one
 * string comparison. The steps are listed in docs/man/cordond.8.
 */
#ifndef CORDON_FAILPOINT_H
#define CORDON_FAILPOINT_H

void failpoint(const char *step);

#endif
