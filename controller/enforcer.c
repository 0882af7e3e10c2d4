/* SPDX-License-Identifier: ISC */
/*
 * enforcer: the host state machine and its enforcement operations.
 *
 *   suspected/observed/probation --isolate--> quarantining --locate, isolate,
 *   read back--> quarantined --release--> releasing --restore, read back-->
 *   probation --time--> clear;  any step failing --> failed (retried with
 *   exponential backoff; a failed release leaves the host isolated).
 *
 * Every transition is written to the registry before the action it
 * announces; if the write fails, nothing is done (acting unrecorded could
 * leave a host isolated with no record of how to undo it). The registry is
 * the truth: each callback re-reads the host before it moves it on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_priv.h"
#include "failpoint.h"
#include "log.h"

static void on_located(void *arg, const struct enf_result *res);
static void on_isolated(void *arg, const struct enf_result *res);
static void on_released(void *arg, const struct enf_result *res);
static void on_checked(void *arg, const struct enf_result *res);
static void finish_release(struct cordon *c, struct host_rec *hp, const char *detail);

int
enforcer_point_index(const struct cordon *c, const struct ip_addr *ip)
{
	const struct conf_point *cp = conf_point_for(&c->conf, ip);

	if (cp == NULL)
		return -1;
	return (int)(cp - c->conf.points);
}

int
enforcer_point_named(const struct cordon *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->npoints; i++)
		if (strcmp(c->points[i]->name, name) == 0)
			return (int)i;
	return -1;
}

bool
enforcer_busy(const struct cordon *c, const struct ip_addr *ip)
{
	return cordon_op_running(c, ip);
}

struct op *
enforcer_op_new(struct cordon *c, enum op_kind kind, const struct ip_addr *ip, size_t point)
{
	struct op *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->c = c;
	o->epoch = c->lead_epoch;
	o->kind = kind;
	o->ip = *ip;
	o->point = point;
	o->started = loop_now();
	o->next = c->ops;
	c->ops = o;
	return o;
}

bool
enforcer_op_stale(const struct op *o)
{
	return o->c->stopping || o->epoch != o->c->lead_epoch;
}

void
enforcer_op_end(struct op *o)
{
	struct cordon *c = o->c;
	struct op **pp;

	for (pp = &c->ops; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	free(o);
	/* A release may wait for this operation: from the loop, once the
	 * callback that ends it has returned (it may still write the host). */
	if (c->deferred != NULL && !c->stopping && cordon_leading(c))
		loop_timer_fire(c->deferred_kick);
}

/* Starts the waiting releases whose host is no longer busy. */
static void
run_deferred(void *arg)
{
	struct cordon *c = arg;
	struct deferred_release **pp = &c->deferred;

	while (*pp) {
		struct deferred_release *d = *pp;
		struct host_rec h;
		int rc;
		if (enforcer_busy(c, &d->ip)) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		rc = registry_get(c->reg, &d->ip, &h);
		if (rc != 1 || h.state != d->state)
			enforcer_notify(c, &d->ip, false, rc == 1 ? &h : NULL,
			    "the host changed while its release waited for a check: see its state");
		else if (enforcer_begin_release(c, &h, d->actor, d->reason) != 0)
			enforcer_notify(c, &d->ip, false, &h, "not started: see the daemon's log");
		free(d);
	}
}

/*
 * A check of the host is running (reconcile's, or a follow re-check): the
 * release starts when it ends, rather than being refused. 0, or -1 when out
 * of memory.
 */
static int
defer_release(struct cordon *c, const struct host_rec *h, const char *actor, const char *reason)
{
	struct deferred_release *d;
	char ipt[64];

	if (c->deferred_kick == NULL &&
	    (c->deferred_kick = loop_timer_new(c->loop, run_deferred, c)) == NULL)
		return -1;
	for (d = c->deferred; d; d = d->next)
		if (memcmp(&d->ip, &h->ip, sizeof(d->ip)) == 0)
			break;
	if (d == NULL) {
		if ((d = calloc(1, sizeof(*d))) == NULL)
			return -1;
		d->ip = h->ip;
		d->next = c->deferred;
		c->deferred = d;
	}
	d->state = h->state;
	snprintf(d->actor, sizeof(d->actor), "%s", actor);
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
	log_info("releasing %s once the check of it that runs now ends",
	    ip_to_str(&h->ip, ipt, sizeof(ipt)));
	return 0;
}

/* Whether the operation running on `ip` is a check (OP_CHECK, OP_FOLLOW). */
static bool
checking(const struct cordon *c, const struct ip_addr *ip)
{
	const struct op *o;

	for (o = c->ops; o; o = o->next)
		if (memcmp(&o->ip, ip, sizeof(*ip)) == 0)
			return o->kind == OP_CHECK || o->kind == OP_FOLLOW;
	return false;
}

void
enforcer_add_waiter(struct cordon *c, const struct ip_addr *ip,
    cordon_done_fn fn, void *arg)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		fn(arg, false, NULL, "out of memory");
		return;
	}
	w->ip = *ip;
	w->fn = fn;
	w->arg = arg;
	w->next = c->waiters;
	c->waiters = w;
}

void
enforcer_notify(struct cordon *c, const struct ip_addr *ip, bool ok,
    const struct host_rec *h, const char *msg)
{
	struct waiter **pp = &c->waiters;

	while (*pp) {
		struct waiter *w = *pp;
		if (memcmp(&w->ip, ip, sizeof(*ip)) == 0) {
			*pp = w->next;
			w->fn(w->arg, ok, h, msg);
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static double
backoff(const struct cordon *c, uint32_t attempts)
{
	double d = c->conf.retry_initial_s * pow(2.0, attempts > 0 ? attempts - 1 : 0);

	return d > c->conf.retry_max_s ? c->conf.retry_max_s : d;
}

void
enforcer_point_result(struct cordon *c, size_t pi, const struct op *o, const struct enf_result *res)
{
	struct point_stats *ps = &c->pstats[pi];

	ps->last_latency_s = loop_now() - o->started;
	if (res->status == ENF_OK) {
		ps->ok++;
	} else {
		ps->failed++;
		snprintf(ps->last_error, sizeof(ps->last_error), "%s", res->message);
	}
}

/* Re-reads the host; NULL-safe logging when the record vanished or moved on. */
static int
reread(struct cordon *c, const struct ip_addr *ip, enum host_state want,
    struct host_rec *h)
{
	char ipt[64];
	int rc = registry_get(c->reg, ip, h);

	if (rc <= 0) {
		log_warnx("host %s: cannot re-read its record (%s)", ip_to_str(ip, ipt, sizeof(ipt)),
		    rc < 0 ? registry_error(c->reg) : "gone");
		/* (gone: the group that created it was rolled back) Nobody may
		 * wait for an answer that will not come. */
		enforcer_notify(c, ip, false, NULL, rc < 0 ? "the state database cannot be read" :
		    "the state database could not record it: nothing was done");
		return -1;
	}
	if (h->state != want) {
		log_warnx("host %s: expected state %s, found %s; dropping a stale result",
		    ip_to_str(ip, ipt, sizeof(ipt)), host_state_name(want), host_state_name(h->state));
		/* Nobody may wait for an answer that will not come. */
		enforcer_notify(c, ip, false, h, "the operation was overtaken; see the host's state");
		return -1;
	}
	return 0;
}

/* Moves the host to failed and schedules the retry. */
static void
fail_host(struct cordon *c, struct host_rec *h, const char *op, const char *msg)
{
	char ipt[64], result[ENF_DETAIL_LEN + 64];
	double wait = backoff(c, h->attempts);
	bool give_up = h->attempts >= c->conf.max_attempts;

	ip_to_str(&h->ip, ipt, sizeof(ipt));
	h->state = HS_FAILED;
	snprintf(h->failed_op, sizeof(h->failed_op), "%s", op);
	snprintf(h->last_error, sizeof(h->last_error), "%s", msg);
	/* No endless retries: after policy.max_attempts an operator decides. */
	h->next_retry = give_up ? 0 : loop_now() + wait;
	h->updated = loop_now();
	if (registry_put(c->reg, h) != 0)
		log_warnx("ALERT: %s of %s failed (%s) and the failure could not be recorded: %s",
		    op, ipt, msg, registry_error(c->reg));
	if (give_up)
		log_warnx("ALERT: %s of %s failed (attempt %u of policy.max_attempts %u): %s; no more"
		    " retries%s: see to it, then `cordonctl resolve %s --as released|isolated --reason TEXT`",
		    op, ipt, h->attempts, c->conf.max_attempts, msg,
		    strcmp(op, "release") == 0 ? "; the host stays isolated" : "", ipt);
	else
		log_warnx("ALERT: %s of %s failed (attempt %u): %s; retrying in %.0f s%s", op, ipt,
		    h->attempts, msg, wait,
		    strcmp(op, "release") == 0 ? "; the host stays isolated" : "");
	snprintf(result, sizeof(result), "failed: %s%s", msg, give_up ? " (no more retries)" : "");
	cordon_audit(c, h->actor[0] ? h->actor : "policy", op, &h->ip, h->reason, result);
	if (strcmp(op, "isolate") == 0)
		c->st.isolations_failed++;
	else
		c->st.releases_failed++;
	enforcer_notify(c, &h->ip, false, h, msg);
}

/* The locate step with the host's MAC as the record has it. */
static void
locate(struct cordon *c, const struct host_rec *h, struct op *o)
{
	struct enf_host eh;

	memset(&eh, 0, sizeof(eh));
	eh.ip = h->ip;
	eh.has_mac = h->has_mac;
	memcpy(eh.mac, h->mac, 6);
	enf_locate(c->points[o->point], &eh, on_located, o);
}

/* An isolation waiting for the router's answer (ident_lookup's argument). */
struct router_wait {
	struct op *o;            /* in c->ops: freed by the core when it goes first */
};

/*
 * The router's answer for a host about to be located (one that reached an
 * isolation with no trustworthy MAC: after an approval, the rate cap, a
 * retry): its MAC is recorded (the enforcer records no move: the record is
 * the isolation's) and the host located; no answer fails the isolation,
 * retried on the usual schedule.
 */
static void
on_router(struct cordon *c, void *arg, const struct ip_addr *ip, const struct snmprt_answer *a,
    const char *router)
{
	struct router_wait *w = arg;
	struct op *o = w->o;
	struct host_rec h;
	char ipt[64], msg[400];

	free(w);
	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return;
	}
	if (reread(c, ip, HS_QUARANTINING, &h) != 0) {
		enforcer_op_end(o);
		return;
	}
	ip_to_str(ip, ipt, sizeof(ipt));
	if (a->status != SNMPRT_FOUND) {
		ident_router_refusal(a, router, ipt, msg, sizeof(msg));
		enforcer_op_end(o);
		fail_host(c, &h, "isolate", msg);
		return;
	}
	if (ident_take_mac(&h, a->mac, MAC_SRC_ROUTER)) {
		h.updated = loop_now();
		if (registry_put(c->reg, &h) != 0) {
			snprintf(msg, sizeof(msg), "cannot record its MAC: %s", registry_error(c->reg));
			enforcer_op_end(o);
			fail_host(c, &h, "isolate", msg);
			return;
		}
	}
	locate(c, &h, o);
}

static void
start_locate_or_isolate(struct cordon *c, struct host_rec *h, size_t pi)
{
	struct op *o = enforcer_op_new(c, OP_ISOLATE, &h->ip, pi);

	if (o == NULL) {
		fail_host(c, h, "isolate", "out of memory");
		return;
	}
	if (!h->has_loc && ident_needs_lookup(&c->conf, h)) {
		struct router_wait *w;
		char why[300];
		if ((w = calloc(1, sizeof(*w))) == NULL) {
			enforcer_op_end(o);
			fail_host(c, h, "isolate", "out of memory");
			return;
		}
		w->o = o;
		if (ident_lookup(c, &h->ip, on_router, w, why, sizeof(why)) != 0) {
			free(w);
			enforcer_op_end(o);
			fail_host(c, h, "isolate", why);
		}
		return;
	}
	if (h->has_loc) {
		enf_isolate(c->points[pi], &h->loc, on_isolated, o);
	} else {
		locate(c, h, o);
	}
}

/*
 * What starting an isolation and a release share: dry run and a running
 * operation stop it (-1); otherwise who and why are set on the record.
 */
static int
begin_common(struct cordon *c, struct host_rec *h, const char *verb, const char *actor,
    const char *reason)
{
	char ipt[64], a[sizeof(h->actor)], r[sizeof(h->reason)];

	/* The caller may pass the record's own fields: copy before writing them. */
	snprintf(a, sizeof(a), "%s", actor);
	snprintf(r, sizeof(r), "%s", reason);
	ip_to_str(&h->ip, ipt, sizeof(ipt));
	if (c->conf.dry_run) {
		log_notice("dry run: would %s %s (%s); nothing changed", verb, ipt, r);
		return -1;
	}
	if (enforcer_busy(c, &h->ip)) {
		log_warnx("host %s: an enforcement operation is already running", ipt);
		return -1;
	}
	memcpy(h->actor, a, sizeof(a));
	memcpy(h->reason, r, sizeof(r));
	return 0;
}

int
enforcer_begin_isolation(struct cordon *c, struct host_rec *h, const char *actor,
    const char *reason)
{
	char ipt[64];
	int pi = enforcer_point_index(c, &h->ip);

	if (begin_common(c, h, "isolate", actor, reason) != 0)
		return -1;
	ip_to_str(&h->ip, ipt, sizeof(ipt));
	actor = h->actor;
	reason = h->reason;
	h->hold[0] = '\0';
	h->attempts++;
	h->updated = loop_now();
	if (pi < 0) {
		h->point[0] = '\0';
		fail_host(c, h, "isolate", "no enforcement point serves this address");
		return 0;
	}
	if (h->has_loc && strcmp(h->loc.point, c->points[pi]->name) != 0) {
		/* Recorded at a point that no longer serves the address (the
		 * config changed): what is there may still be applied, and this
		 * record is all that undoes it. */
		char msg[ENF_DETAIL_LEN + 64];
		snprintf(msg, sizeof(msg), "recorded at point '%s' (%s), which no longer serves this "
		    "address: release it there first", h->loc.point, h->loc.port);
		h->point[0] = '\0';
		fail_host(c, h, "isolate", msg);
		return 0;
	}
	snprintf(h->point, sizeof(h->point), "%s", c->points[pi]->name);
	h->state = HS_QUARANTINING;
	if (registry_put(c->reg, h) != 0) {
		log_warnx("refusing to isolate %s: the state database cannot record it (%s)",
		    ipt, registry_error(c->reg));
		return -1;
	}
	failpoint("isolate-recorded");
	c->st.isolations_started++;
	rate_cap_take(&c->cap, loop_now());
	log_info("isolating %s via %s (%s, by %s)", ipt, h->point, reason, actor);
	cordon_audit(c, actor, "isolate", &h->ip, reason, "started");
	start_locate_or_isolate(c, h, (size_t)pi);
	return 0;
}

/*
 * The common start of an operation's completion: nothing at all while the
 * daemon stops, the point's figures, the host re-read in the state the
 * operation expects, and a failure recorded as such. Returns the daemon when
 * the caller goes on with `h` (the op ended unless keep_op), NULL when all is
 * done.
 */
static struct cordon *
op_completed(struct op *o, const struct enf_result *res, enum host_state want,
    const char *op, const char *step, bool keep_op, struct host_rec *h)
{
	struct cordon *c = o->c;
	char msg[ENF_DETAIL_LEN + 64];

	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return NULL;
	}
	enforcer_point_result(c, o->point, o, res);
	if (reread(c, &o->ip, want, h) != 0) {
		enforcer_op_end(o);
		return NULL;
	}
	if (res->status != ENF_OK) {
		enforcer_op_end(o);
		snprintf(msg, sizeof(msg), "%s (%s): %s", step, enf_status_name(res->status), res->message);
		fail_host(c, h, op, msg);
		return NULL;
	}
	if (!keep_op)
		enforcer_op_end(o);
	return c;
}

/* ---- shared ports ------------------------------------------------------------- */

/* Whether `h`'s record holds its port isolated (or may: a failed step). */
static bool
holds_port(const struct host_rec *h)
{
	switch (h->state) {
	case HS_QUARANTINING:
	case HS_QUARANTINED:
	case HS_RELEASING:
		return true;
	case HS_FAILED:
		return strcmp(h->failed_op, "release") == 0 || h->has_loc;
	default:
		return false;
	}
}

static int
peer_cb(void *arg, const struct host_rec *h)
{
	struct port_peers *pp = arg;

	if (memcmp(&h->ip, &pp->self, sizeof(pp->self)) == 0 || !holds_port(h))
		return 0;
	if (pp->n++ == 0)
		pp->first = *h;
	return 0;
}

/* Other hosts whose records hold the port of `h` isolated: -1 on a database error. */
int
enforcer_port_peers(struct cordon *c, const struct host_rec *h, struct port_peers *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->self = h->ip;
	if (!h->has_loc || h->loc.ifindex <= 0)
		return 0;
	return registry_foreach_at(c->reg, &h->loc, peer_cb, pp);
}

static void
macs_text(const struct enf_location *l, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < l->nport_macs && i < ENF_MAX_PORT_MACS && used < len; i++) {
		const uint8_t *m = l->port_macs[i];
		int n = snprintf(buf + used, len - used, "%s%02x:%02x:%02x:%02x:%02x:%02x",
		    i ? ", " : "", m[0], m[1], m[2], m[3], m[4], m[5]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (l->nport_macs > ENF_MAX_PORT_MACS && used < len)
		snprintf(buf + used, len - used, ", ...");
}

/*
 * Policy found a host behind a port that carries other MACs too: isolating
 * the port cuts them all off, so an operator decides (policy.shared_port_approval).
 */
static void
hold_shared_port(struct cordon *c, struct host_rec *h)
{
	char ipt[64], macs[ENF_MAX_PORT_MACS * 19 + 8], msg[ENF_DETAIL_LEN + 256];

	ip_to_str(&h->ip, ipt, sizeof(ipt));
	macs_text(&h->loc, macs, sizeof(macs));
	snprintf(msg, sizeof(msg), "port %s of %s carries %u MACs (%s): isolating it cuts every host"
	    " behind it off; approve to isolate", h->loc.port, h->loc.point, h->loc.nport_macs, macs);
	h->state = HS_SUSPECTED;
	snprintf(h->hold, sizeof(h->hold), "%s", HOLD_APPROVAL);
	snprintf(h->last_error, sizeof(h->last_error), "%s", msg);
	h->has_loc = false;      /* located again when approved: hosts move */
	h->attempts = 0;
	h->updated = loop_now();
	if (registry_put(c->reg, h) != 0)
		log_warnx("cannot record host %s: %s", ipt, registry_error(c->reg));
	log_notice("%s awaits approval: %s (cordonctl approve %s)", ipt, msg, ipt);
	cordon_audit(c, "policy", "isolate", &h->ip, h->reason, "awaiting approval: shared port");
	enforcer_notify(c, &h->ip, false, h, msg);
}

/*
 * A second host isolated behind a port already in quarantine finds the
 * quarantine VLAN there: what the port had before comes from the record of
 * the host isolated first, so that the last release restores it exactly.
 */
void
enforcer_inherit_port_config(struct host_rec *h, const struct port_peers *pp)
{
	char ipt[64], first[64];

	if (pp->n == 0 || !pp->first.has_loc || pp->first.loc.orig_vlan <= 0)
		return;
	if (h->loc.orig_vlan > 0 && h->loc.orig_vlan != pp->first.loc.quarantine_vlan)
		return;   /* the port is not isolated yet: what locate read is the original */
	h->loc.orig_vlan = pp->first.loc.orig_vlan;
	memcpy(h->loc.orig_tagged, pp->first.loc.orig_tagged, sizeof(h->loc.orig_tagged));
	h->loc.norig_tagged = pp->first.loc.norig_tagged;
	log_info("%s shares %s with %s, already isolated: its original VLAN %d comes from that record",
	    ip_to_str(&h->ip, ipt, sizeof(ipt)), h->loc.port,
	    ip_to_str(&pp->first.ip, first, sizeof(first)), h->loc.orig_vlan);
}

static void
on_located(void *arg, const struct enf_result *res)
{
	struct op *o = arg;
	struct cordon *c;
	struct host_rec h;
	char msg[ENF_DETAIL_LEN + 64];
	size_t pi = o->point;

	c = op_completed(o, res, HS_QUARANTINING, "isolate", "locate", true, &h);
	if (c == NULL)
		return;
	/* The location and what is there now (the undo) are recorded before
	 * anything is changed. */
	h.loc = res->loc;
	h.has_loc = true;
	if (h.loc.nport_macs > 1 && c->conf.shared_port_approval && strcmp(h.actor, "policy") == 0) {
		enforcer_op_end(o);
		hold_shared_port(c, &h);
		return;
	}
	{
		struct port_peers pp;
		if (enforcer_port_peers(c, &h, &pp) != 0) {
			enforcer_op_end(o);
			snprintf(msg, sizeof(msg), "cannot read the port's other hosts: %s",
			    registry_error(c->reg));
			fail_host(c, &h, "isolate", msg);
			return;
		}
		enforcer_inherit_port_config(&h, &pp);
	}
	h.updated = loop_now();
	if (registry_put(c->reg, &h) != 0) {
		enforcer_op_end(o);
		snprintf(msg, sizeof(msg), "cannot record the location: %s", registry_error(c->reg));
		fail_host(c, &h, "isolate", msg);
		return;
	}
	failpoint("location-recorded");
	enf_isolate(c->points[pi], &h.loc, on_isolated, o);
}

static void
on_isolated(void *arg, const struct enf_result *res)
{
	struct cordon *c;
	struct host_rec h;
	char ipt[64], msg[ENF_DETAIL_LEN + 64];

	c = op_completed(arg, res, HS_QUARANTINING, "isolate", "isolate", false, &h);
	if (c == NULL)
		return;
	failpoint("isolation-applied");
	if (res->loc.detail[0])
		snprintf(h.loc.detail, sizeof(h.loc.detail), "%s", res->loc.detail);
	h.state = HS_QUARANTINED;
	h.attempts = 0;
	h.next_retry = 0;
	h.last_error[0] = '\0';
	h.failed_op[0] = '\0';
	h.updated = loop_now();
	if (registry_put(c->reg, &h) != 0)
		log_warnx("ALERT: %s is isolated but the state database cannot record it: %s",
		    ip_to_str(&h.ip, ipt, sizeof(ipt)), registry_error(c->reg));
	c->st.isolations_ok++;
	log_notice("isolated %s: %s", ip_to_str(&h.ip, ipt, sizeof(ipt)), h.loc.detail);
	snprintf(msg, sizeof(msg), "ok: %s", h.loc.detail);
	cordon_audit(c, h.actor, "isolate", &h.ip, h.reason, msg);
	enforcer_notify(c, &h.ip, true, &h, h.loc.detail);
}

int
enforcer_begin_release(struct cordon *c, struct host_rec *h, const char *actor,
    const char *reason)
{
	char ipt[64];
	int pi = enforcer_point_named(c, h->loc.point);
	struct op *o;

	if (!c->conf.dry_run && checking(c, &h->ip))
		return defer_release(c, h, actor, reason);
	if (h->has_move) {
		/* Releasing the old port only could leave the new one isolated
		 * with nothing left to undo it. The follower settles it (its
		 * retries, or the check cordon_release starts). */
		log_warnx("not releasing %s: its move to %s %s is not settled yet; try again once it "
		    "is settled", ip_to_str(&h->ip, ipt, sizeof(ipt)), h->move.point, h->move.port);
		return -1;
	}
	if (begin_common(c, h, "release", actor, reason) != 0)
		return -1;
	ip_to_str(&h->ip, ipt, sizeof(ipt));
	actor = h->actor;
	reason = h->reason;
	h->state = HS_RELEASING;
	h->attempts++;
	h->updated = loop_now();
	if (registry_put(c->reg, h) != 0) {
		log_warnx("refusing to release %s: the state database cannot record it (%s)",
		    ipt, registry_error(c->reg));
		return -1;
	}
	cordon_audit(c, actor, "release", &h->ip, reason, "started");
	failpoint("release-recorded");
	if (pi < 0) {
		fail_host(c, h, "release", "its enforcement point is no longer configured");
		return 0;
	}
	{
		/* A port is restored only when no quarantined host is left behind it. */
		struct port_peers pp;
		char first[64], detail[ENF_DETAIL_LEN + 128];
		if (enforcer_port_peers(c, h, &pp) != 0) {
			char msg[ENF_DETAIL_LEN];
			snprintf(msg, sizeof(msg), "cannot read the port's other hosts: %s",
			    registry_error(c->reg));
			fail_host(c, h, "release", msg);
			return 0;
		}
		if (pp.n > 0) {
			snprintf(detail, sizeof(detail), "%s stays isolated: %zu other host%s quarantined"
			    " behind it (%s%s); restored with the last", h->loc.port, pp.n,
			    pp.n > 1 ? "s are" : " is", ip_to_str(&pp.first.ip, first, sizeof(first)),
			    pp.n > 1 ? ", ..." : "");
			finish_release(c, h, detail);
			return 0;
		}
	}
	log_info("releasing %s via %s (%s, by %s)", ipt, h->loc.point, reason, actor);
	o = enforcer_op_new(c, OP_RELEASE, &h->ip, (size_t)pi);
	if (o == NULL) {
		fail_host(c, h, "release", "out of memory");
		return 0;
	}
	enf_release(c->points[pi], &h->loc, on_released, o);
	return 0;
}

/* The released host's record: probation (or clear), no location; audited. */
static void
finish_release(struct cordon *c, struct host_rec *hp, const char *detail)
{
	struct host_rec h = *hp;
	char ipt[64], msg[ENF_DETAIL_LEN + 128];

	h.attempts = 0;
	h.next_retry = 0;
	h.last_error[0] = '\0';
	h.failed_op[0] = '\0';
	h.has_loc = false;
	h.updated = loop_now();
	if (c->conf.probation_s > 0) {
		h.state = HS_PROBATION;
		h.probation_until = loop_now() + c->conf.probation_s;
	} else {
		h.state = HS_CLEAR;
	}
	if (registry_put(c->reg, &h) != 0)
		log_warnx("ALERT: %s is released but the state database cannot record it: %s",
		    ip_to_str(&h.ip, ipt, sizeof(ipt)), registry_error(c->reg));
	c->st.releases_ok++;
	log_notice("released %s: %s; %s", ip_to_str(&h.ip, ipt, sizeof(ipt)), detail,
	    h.state == HS_PROBATION ? "on probation" : "clear");
	snprintf(msg, sizeof(msg), "ok: %s", detail);
	cordon_audit(c, h.actor, "release", &h.ip, h.reason, msg);
	enforcer_notify(c, &h.ip, true, &h, msg + 4);
}

static void
on_released(void *arg, const struct enf_result *res)
{
	struct cordon *c;
	struct host_rec h;

	c = op_completed(arg, res, HS_RELEASING, "release", "release", false, &h);
	if (c == NULL)
		return;
	failpoint("release-applied");
	finish_release(c, &h, res->loc.detail[0] ? res->loc.detail :
	    h.loc.detail[0] ? h.loc.detail : "restored");
}

/* ---- restart: reconcile the registry with the enforcement points -------- */

static void
on_checked(void *arg, const struct enf_result *res)
{
	struct op *o = arg;
	struct cordon *c = o->c;
	struct host_rec h;
	char ipt[64], msg[ENF_DETAIL_LEN + 64];

	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return;
	}
	enforcer_point_result(c, o->point, o, res);
	if (reread(c, &o->ip, HS_QUARANTINED, &h) != 0) {
		enforcer_op_end(o);
		return;
	}
	enforcer_op_end(o);
	ip_to_str(&h.ip, ipt, sizeof(ipt));
	if (res->status == ENF_OK) {
		log_info("reconcile: %s is isolated as recorded (%s)", ipt, h.loc.detail);
		if (h.attempts != 0 || h.last_error[0] != '\0') {
			/* Checks that failed while the point was away are over: they
			 * must not use up the attempts of a later isolation. */
			h.attempts = 0;
			h.last_error[0] = '\0';
			h.updated = loop_now();
			if (registry_put(c->reg, &h) != 0)
				log_warnx("cannot record host %s: %s", ipt, registry_error(c->reg));
		}
		return;
	}
	if ((res->status == ENF_MISMATCH || res->status == ENF_NOT_FOUND) && c->conf.dry_run) {
		log_warnx("reconcile: %s differs from the record (%s); dry run: not re-applied",
		    ipt, res->message);
		return;
	}
	if (res->status == ENF_MISMATCH || res->status == ENF_NOT_FOUND) {
		/* The point lost the quarantine (rebooted switch, flushed rules):
		 * put it back. Never a silent release. */
		snprintf(msg, sizeof(msg), "differs from the record: %s; re-applying", res->message);
		log_warnx("reconcile: %s %s", ipt, msg);
		cordon_audit(c, "reconcile", "isolate", &h.ip, msg, "started");
		snprintf(h.actor, sizeof(h.actor), "reconcile");
		h.state = HS_QUARANTINING;
		h.attempts = 1;      /* a new isolation: failed checks before it do not count */
		h.last_error[0] = '\0';
		h.updated = loop_now();
		if (registry_put(c->reg, &h) != 0) {
			log_warnx("refusing to re-isolate %s: %s", ipt, registry_error(c->reg));
			return;
		}
		start_locate_or_isolate(c, &h, (size_t)enforcer_point_named(c, h.loc.point));
		return;
	}
	/* Could not read back (switch away): the host stays recorded as
	 * isolated; the check is repeated on the retry schedule. */
	snprintf(h.last_error, sizeof(h.last_error), "check (%s): %s",
	    enf_status_name(res->status), res->message);
	h.next_retry = loop_now() + backoff(c, ++h.attempts);
	registry_put(c->reg, &h);
	log_warnx("reconcile: cannot verify %s: %s; checking again in %.0f s", ipt,
	    h.last_error, h.next_retry - loop_now());
}

static void
start_check(struct cordon *c, const struct host_rec *h)
{
	int pi = enforcer_point_named(c, h->loc.point);
	struct op *o;
	char ipt[64];

	if (pi < 0 || !h->has_loc) {
		log_warnx("reconcile: %s is recorded isolated via '%s', which is not configured: "
		    "left as it is, release it by hand once the point is back",
		    ip_to_str(&h->ip, ipt, sizeof(ipt)), h->loc.point);
		return;
	}
	o = enforcer_op_new(c, OP_CHECK, &h->ip, (size_t)pi);
	if (o)
		enf_check(c->points[pi], &h->loc, on_checked, o);
}

static void
report_point_diff(void *arg, const char *message)
{
	const struct enf_point *p = arg;

	log_warnx("reconcile: %s: %s", p->name, message);
}

/*
 * Points that hold state of their own (netlink rules) compare all of it
 * with the registry first: extra objects are reported (and removed only if
 * the point is configured to), missing ones put back.
 */
static void
reconcile_points(struct cordon *c, const struct host_list *k)
{
	struct enf_location *locs = calloc(k->n ? k->n : 1, sizeof(*locs));
	char err[512];
	size_t pi, i, n;

	if (locs == NULL)
		return;
	for (pi = 0; pi < c->npoints; pi++) {
		struct enf_point *p = c->points[pi];
		if (p->ops->reconcile == NULL)
			continue;
		for (i = n = 0; i < k->n; i++) {
			const struct host_rec *h = &k->v[i];
			if (!h->has_loc || strcmp(h->loc.point, p->name) != 0)
				continue;
			if (h->state == HS_QUARANTINED || h->state == HS_QUARANTINING ||
			    h->state == HS_RELEASING ||
			    (h->state == HS_FAILED && strcmp(h->failed_op, "release") == 0))
				locs[n++] = h->loc;
		}
		if (p->ops->reconcile(p, locs, n, report_point_diff, p, err, sizeof(err)) != 0)
			log_warnx("reconcile: %s: %s", p->name, err);
		else
			log_info("reconcile: %s: %zu isolations compared with the point's own state", p->name, n);
	}
	free(locs);
}

void
cordon_reconcile(struct cordon *c)
{
	struct host_list k = { NULL, 0, 0 };
	size_t i, resumed = 0, checked = 0, held = 0;
	char ipt[64];
	double t0 = loop_now();

	/* Only the states that hold or await enforcement: the asset list of
	 * observed hosts may be long and is of no concern here. */
	{
		static const int states[] = { HS_QUARANTINING, HS_QUARANTINED, HS_RELEASING,
			HS_FAILED, HS_SUSPECTED };
		size_t si;
		for (si = 0; si < sizeof(states) / sizeof(states[0]); si++) {
			if (registry_foreach(c->reg, states[si], host_list_add, &k) != 0) {
				/* A partial picture must not drive the points' reconcile,
				 * which could remove what it did not see. */
				log_warnx("ALERT: reconcile: cannot read the state database (%s): "
				    "nothing is reconciled; hosts stay as they are", registry_error(c->reg));
				free(k.v);
				return;
			}
		}
	}
	for (i = 0; i < k.n && c->conf.dry_run; i++) {
		/* Dry run changes nothing, not even to finish what a previous run began. */
		if (k.v[i].state == HS_QUARANTINING || k.v[i].state == HS_RELEASING)
			log_notice("dry run: %s was left %s by an earlier run; not resumed",
			    ip_to_str(&k.v[i].ip, ipt, sizeof(ipt)), host_state_name(k.v[i].state));
	}
	if (!c->conf.dry_run)
		reconcile_points(c, &k);
	for (i = 0; i < k.n && !c->conf.dry_run; i++) {
		struct host_rec *h = &k.v[i];
		int pi;
		ip_to_str(&h->ip, ipt, sizeof(ipt));
		/* An operation on it already runs (started since the lead was
		 * taken): that one finishes it. */
		if (enforcer_busy(c, &h->ip)) {
			log_notice("reconcile: %s has an operation under way; left to it", ipt);
			continue;
		}
		switch (h->state) {
		case HS_QUARANTINING:
			pi = h->point[0] ? enforcer_point_named(c, h->point) : -1;
			log_notice("reconcile: resuming the isolation of %s (interrupted)", ipt);
			cordon_audit(c, "reconcile", "isolate", &h->ip, "resumed after restart", "started");
			if (pi < 0)
				fail_host(c, h, "isolate", "its enforcement point is no longer configured");
			else
				start_locate_or_isolate(c, h, (size_t)pi);
			resumed++;
			break;
		case HS_RELEASING:
			pi = enforcer_point_named(c, h->loc.point);
			log_notice("reconcile: resuming the release of %s (interrupted)", ipt);
			cordon_audit(c, "reconcile", "release", &h->ip, "resumed after restart", "started");
			if (pi < 0) {
				fail_host(c, h, "release", "its enforcement point is no longer configured");
			} else {
				struct op *o = enforcer_op_new(c, OP_RELEASE, &h->ip, (size_t)pi);
				if (o)
					enf_release(c->points[pi], &h->loc, on_released, o);
			}
			resumed++;
			break;
		case HS_QUARANTINED:
			/* A move under way when the daemon stopped: the follower
			 * resolves it (cordon_follow_resume), checking both ports. */
			if (h->has_move)
				break;
			start_check(c, h);
			checked++;
			break;
		case HS_SUSPECTED:
			if (strcmp(h->hold, HOLD_BREAKER) == 0)
				held++;
			break;
		default:
			break;
		}
	}
	free(k.v);
	log_info("reconcile: %zu hosts on record; %zu isolations checked, %zu operations resumed,"
	    " %zu held by the circuit breaker; %.3f s", k.n, checked, resumed, held, loop_now() - t0);
}

/* ---- timers: retries and probation ----------------------------------------- */

static int
due_host(void *arg, const struct host_rec *h)
{
	struct host_list *k = arg;
	double now = loop_now();

	if ((h->state == HS_FAILED && h->next_retry > 0 && h->next_retry <= now) ||
	    (h->state == HS_PROBATION && h->probation_until <= now) ||
	    (h->state == HS_QUARANTINED && h->next_retry > 0 && h->next_retry <= now))
		return host_list_add(k, h);
	return 0;
}

void
enforcer_tick(struct cordon *c)
{
	struct host_list k = { NULL, 0, 0 };
	size_t i;
	char ipt[64];

	registry_foreach(c->reg, HS_FAILED, due_host, &k);
	registry_foreach(c->reg, HS_PROBATION, due_host, &k);
	registry_foreach(c->reg, HS_QUARANTINED, due_host, &k);
	for (i = 0; i < k.n; i++) {
		struct host_rec *h = &k.v[i];
		if (enforcer_busy(c, &h->ip))
			continue;
		ip_to_str(&h->ip, ipt, sizeof(ipt));
		if (c->conf.dry_run && h->state != HS_PROBATION)
			continue;   /* retries would change things */
		if (h->state == HS_PROBATION) {
			h->state = HS_CLEAR;
			h->updated = loop_now();
			if (registry_put(c->reg, h) == 0) {
				log_info("%s: probation over, clear", ipt);
				cordon_audit(c, "policy", "clear", &h->ip, "probation over", "ok");
			}
		} else if (h->state == HS_QUARANTINED) {
			h->next_retry = 0;
			registry_put(c->reg, h);
			start_check(c, h);
		} else if (strcmp(h->failed_op, "release") == 0) {
			enforcer_begin_release(c, h, h->actor[0] ? h->actor : "policy", h->reason);
		} else {
			enforcer_begin_isolation(c, h, h->actor[0] ? h->actor : "policy", h->reason);
		}
	}
	free(k.v);
}
