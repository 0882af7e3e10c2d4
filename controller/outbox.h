/* SPDX-License-Identifier: ISC */
/*
 * outbox: group commit for the daemon. Every transition is written before
 * the action it announces; writing each on its own costs a sync per write,
 * which caps an outbreak at a few thousand decisions a second. Instead the
 * writes of one round of the event loop (a sensor's read batch, a tick)
 * share one transaction (registry_group), and the enforcement points'
 * actions wait here until it is committed:
 *
 *   write, write, ... action -> queued ... | commit | run the queued actions
 *
 * outbox_wrap() puts a point behind the outbox: its locate, isolate,
 * release and check are queued and run, in order, once everything written
 * before them is on disk. A point that answers at once (netlink) writes the
 * next step's record from its callback; that opens the next group, so the
 * outbox goes round again until nothing is left (one sync per step for all
 * the hosts in flight). When the commit fails nothing of the group happened,
 * and each action queued behind it ends with an error and is not taken.
 */
#ifndef CORDON_OUTBOX_H
#define CORDON_OUTBOX_H

#include "enforce.h"
#include "registry.h"

struct loop;
struct outbox;

/* A new outbox for `reg` on `l` (both borrowed, outliving it); it sets
 * reg's group hook. NULL when out of memory. Owned by the caller. */
struct outbox *outbox_new(struct loop *l, struct registry *reg);
/*
 * A point whose actions go through the outbox, in place of `real`, which
 * it owns from then on (enf_destroy of the result destroys both). Name and
 * kind are real's; reconcile goes straight through. NULL when out of memory
 * (`real` is then still the caller's).
 */
struct enf_point *outbox_wrap(struct outbox *ob, struct enf_point *real);
/* Commits the open group and runs what waits for it, until nothing is left. */
void outbox_flush(struct outbox *ob);
/*
 * Commits what is open and drops the queued actions without calling their
 * callbacks (the daemon is stopping: the records say what to resume), then
 * frees the outbox. The wrapped points must be destroyed first.
 */
void outbox_free(struct outbox *ob);

#endif
