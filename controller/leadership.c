/* SPDX-License-Identifier: ISC */
/*
 * leadership: which of the controllers sharing one PostgreSQL database
 * acts (cordon.h, cordon_start and cordon_lead_tick; registry.h for the
 * lock, the term and the fencing of a deposed leader's writes).
 *
 * Taking the lead is a restart without the restart: what the last leader
 * left under way is in the shared records, so the new leader first
 * reconciles with the enforcement points (finishing or undoing the steps
 * that were interrupted, never releasing a host silently), as a daemon does
 * at start, and only then acts on new input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_priv.h"
#include "log.h"

/* Acts: reconciles with the points first, as a daemon does at start. */
static void
finish_take(struct cordon *c)
{
	c->lead.taking = false;
	c->lead.leading = true;
	log_warnx("ALERT: %s leads the controllers sharing the state database (term %lld):"
	    " reconciling with the enforcement points first", c->conf.state_name,
	    (long long)c->lead.term);
	core_reload(c);
	cordon_reconcile(c);
	cordon_follow_resume(c);
}

/* Whether an operation of an earlier lead of this controller is still waiting for its point. */
static bool
own_stale_ops(const struct cordon *c)
{
	for (const struct op *o = c->ops; o; o = o->next)
		if (enforcer_op_stale(o))
			return true;
	return false;
}

static void
on_take(void *arg)
{
	struct cordon *c = arg;

	if (!c->lead.taking)
		return;
	if (!registry_leading(c->reg))
		return;   /* the lead tick steps down */
	if (loop_now() - c->lead.taken_at < c->conf.takeover_delay_s || own_stale_ops(c)) {
		loop_timer_arm(c->lead.take, 0.1);
		return;
	}
	finish_take(c);
}

/*
 * Holds the lead; acts after state.takeover_delay: a deposed leader that
 * is still alive stopped starting anything when it lost its connection
 * (at most a second before this one got the lock), and the last request
 * it had sent to a point has landed by then. No wait when the last leader
 * was this controller or none. This controller's own operations from an
 * earlier lead are awaited in any case.
 */
static void
take_lead(struct cordon *c, int64_t term, const char *last)
{
	/* The last leader was this controller (a restart: that process is
	 * gone) or there was none: nobody else can have a request in flight. */
	bool after_self = last[0] == '\0' || strcmp(last, c->conf.state_name) == 0;

	c->lead.taking = true;
	c->lead.taken_at = after_self ? loop_now() - c->conf.takeover_delay_s : loop_now();
	c->lead.term = term;
	c->lead.unreachable = false;
	snprintf(c->lead.known, sizeof(c->lead.known), "%s", c->conf.state_name);
	if (after_self)
		log_info("%s took the lead (term %lld)", c->conf.state_name, (long long)term);
	else
		log_warnx("%s took the lead from %s (term %lld): acting in %u s, once the last"
		    " leader's requests have landed", c->conf.state_name, last, (long long)term,
		    c->conf.takeover_delay_s);
	if (c->lead.take == NULL && (c->lead.take = loop_timer_new(c->loop, on_take, c)) == NULL)
		return;   /* without the timer: the next lead ticks finish it */
	on_take(c);
}

/*
 * Stops acting at once: every operation in flight is abandoned (its
 * callbacks end it and write and start nothing), releases waiting for a
 * check are dropped (the new leader finds the records), callers waiting
 * for a result are told.
 */
static void
step_down(struct cordon *c, const char *why)
{
	char msg[200];

	c->lead.leading = c->lead.taking = false;
	c->lead_epoch++;
	registry_step_down(c->reg);
	c->lead.unreachable = !registry_reachable(c->reg);
	/* The follow run's operation is abandoned with the rest: the next
	 * lead starts its checks afresh (cordon_follow_resume). */
	c->run.in_op = false;
	c->run.active = false;
	/* Asset reports waiting for the next tick: the leader records its own. */
	c->nseen = 0;
	if (c->lead.take != NULL)
		loop_timer_cancel(c->lead.take);
	while (c->deferred) {
		struct deferred_release *d = c->deferred;
		c->deferred = d->next;
		free(d);
	}
	snprintf(msg, sizeof(msg), "%s no longer leads the controllers sharing the state database:"
	    " nothing more is done here; ask the leader", c->conf.state_name);
	while (c->waiters) {
		struct waiter *w = c->waiters;
		c->waiters = w->next;
		w->fn(w->arg, false, NULL, msg);
		free(w);
	}
	log_warnx("ALERT: %s no longer leads (%s): not acting until it leads again",
	    c->conf.state_name, why);
}

void
cordon_start(struct cordon *c)
{
	if (!registry_shared(c->reg)) {
		cordon_reconcile(c);
		cordon_follow_resume(c);
		return;
	}
	log_info("state shared in PostgreSQL: %s acts only while it leads", c->conf.state_name);
	cordon_lead_tick(c);
}

void
cordon_lead_tick(struct cordon *c)
{
	char name[64], last[64];
	int64_t term;
	double since;
	int rc;

	if (!registry_shared(c->reg))
		return;
	if (c->lead.leading || c->lead.taking) {
		if (registry_still_leading(c->reg) == 1) {
			if (c->lead.taking && c->lead.take == NULL)
				on_take(c);
			return;
		}
		/* Lost with the connection, or fenced by a newer term. */
		step_down(c, *registry_error(c->reg) ? registry_error(c->reg) :
		    "the connection that held the lead was lost");
		return;
	}
	/* Who led last, read before the lock is tried: whether to wait ("?"
	 * when it cannot be read: another controller, to be safe). */
	rc = registry_leader(c->reg, last, sizeof(last), &term, &since);
	if (rc == 0)
		last[0] = '\0';
	else if (rc < 0)
		snprintf(last, sizeof(last), "?");
	rc = registry_lead(c->reg, c->conf.state_name, loop_now(), &term);
	if (rc == 1) {
		take_lead(c, term, last);
		return;
	}
	if (rc < 0) {
		if (!c->lead.unreachable)
			log_warnx("cannot take part in the election of a leader: %s", registry_error(c->reg));
		c->lead.unreachable = true;
		return;
	}
	c->lead.unreachable = false;
	if (registry_leader(c->reg, name, sizeof(name), &term, &since) == 1 &&
	    strcmp(name, c->lead.known) != 0) {
		snprintf(c->lead.known, sizeof(c->lead.known), "%s", name);
		log_info("following: %s leads (term %lld); %s acts only once it is gone", name,
		    (long long)term, c->conf.state_name);
	}
}
