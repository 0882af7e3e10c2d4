/* SPDX-License-Identifier: ISC */
/*
 * passcheck: password checks off the daemon's loop. A crypt(3) check costs
 * tens of milliseconds by design; done on the loop, a few logins would hold
 * up sensor events and enforcement. One worker thread takes checks from a
 * bounded queue and hands each answer back to the loop through a pipe.
 */
#ifndef CORDON_PASSCHECK_H
#define CORDON_PASSCHECK_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct passcheck;

typedef void (*passcheck_done_fn)(void *arg, bool matches);

/* Checks waiting at most; more are refused (the caller says "try later"). */
#define PASSCHECK_QUEUE 16

/* Starts the thread. NULL with why on failure; owned by the caller
 * (passcheck_free, before the loop is freed). */
struct passcheck *passcheck_new(struct loop *loop, char *why, size_t whylen);
/* Waits for the check under way, drops the rest and their answers. NULL: nothing. */
void passcheck_free(struct passcheck *pc);

/*
 * Queues a check of `password` against the crypt(3) `hash` (both copied; the
 * password's copy is wiped once checked). `done(arg, matches)` runs later on
 * the loop, never from within this call, unless the passcheck is freed first.
 * Returns 0, or -1 when the queue is full, the password is longer than 255
 * bytes or memory ran out.
 */
int passcheck_start(struct passcheck *pc, const char *password, const char *hash,
    passcheck_done_fn done, void *arg);

#endif
