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
#include <string.h>

#include "cordon_priv.h"
#include "log.h"

static void
take_lead(struct cordon *c, int64_t term)
{
	c->lead.leading = true;
	c->lead.unreachable = false;
	snprintf(c->lead.known, sizeof(c->lead.known), "%s", c->conf.state_name);
	log_warnx("ALERT: %s leads the controllers sharing the state database (term %lld):"
	    " reconciling with the enforcement points first", c->conf.state_name, (long long)term);
	core_reload(c);
	cordon_reconcile(c);
	cordon_follow_resume(c);
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
	char name[64];
	int64_t term;
	double since;
	int rc;

	if (!registry_shared(c->reg))
		return;
	if (c->lead.leading) {
		if (registry_still_leading(c->reg) == 1)
			return;
		/* Lost with the connection, or fenced by a newer term: whatever
		 * is in flight writes nothing more (its writes fail), and nothing
		 * new starts here. The next tick tries to lead again. */
		c->lead.leading = false;
		registry_step_down(c->reg);
		log_warnx("ALERT: %s no longer leads (%s): not acting until it leads again",
		    c->conf.state_name, *registry_error(c->reg) ? registry_error(c->reg) :
		    "the connection that held the lead was lost");
		return;
	}
	rc = registry_lead(c->reg, c->conf.state_name, loop_now(), &term);
	if (rc == 1) {
		take_lead(c, term);
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
