/* SPDX-License-Identifier: ISC */
/*
 * verify: release by verification (verify.c), a front end of the core: it
 * runs the configured verification commands for isolated hosts and releases
 * a host through cordon_release when its command says it is patched.
 */
#ifndef CORDON_VERIFY_H
#define CORDON_VERIFY_H

struct cordon;
struct loop;

struct verifier;

/* `c` and `loop` are borrowed. NULL when out of memory. The caller owns the
 * result (verify_free), freed after the loop (which kills running commands). */
struct verifier *verify_new(struct cordon *c, struct loop *loop);
/* Starts the checks that are due; forgets hosts no longer isolated. */
void verify_tick(struct verifier *v);
void verify_free(struct verifier *v);

#endif
