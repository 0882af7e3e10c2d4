/* SPDX-License-Identifier: ISC */
/*
 * actions: what comes in from sensors and operators. The policy step that
 * turns a detection into a host transition, the asset reports, and the
 * operator's quarantine, release and approval; each hands the host to the
 * enforcer (enforcer.c). Calls only the enforcer and the core below it.
 */
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_priv.h"
#include "log.h"

/* ---- detections ------------------------------------------------------------- */

static void breaker_trip(struct cordon *c, const char *at_host);

static void
hold(struct cordon *c, struct host_rec *h, const char *why_hold, const char *reason,
    const char *result)
{
	bool changed = h->state != HS_SUSPECTED || strcmp(h->hold, why_hold) != 0;

	h->state = HS_SUSPECTED;
	snprintf(h->hold, sizeof(h->hold), "%s", why_hold);
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	snprintf(h->actor, sizeof(h->actor), "policy");
	h->updated = loop_now();
	if (registry_put(c->reg, h) != 0) {
		log_warnx("cannot record host state: %s", registry_error(c->reg));
		return;
	}
	/* Repeated detections of a host already held for the same reason are
	 * events, not new decisions. */
	if (changed)
		cordon_audit(c, "policy", "isolate", &h->ip, reason, result);
}

/* A detection waiting for the router's answer (ident_lookup's argument). */
struct detection_wait {
	struct detection d;
};

static void decide(struct cordon *c, struct host_rec *h, const struct detection *d,
    bool router_asked);

/* Whether a detection of `ip` already waits for its router. */
static bool detection_waits(const struct cordon *c, const struct ip_addr *ip);

static void
on_detection_router(struct cordon *c, void *arg, const struct ip_addr *ip,
    const struct snmprt_answer *a, const char *router)
{
	struct detection_wait *w = arg;
	struct host_rec h;
	char ipt[64], msg[400], reason[sizeof(msg) + 128];
	int rc;

	ip_to_str(ip, ipt, sizeof(ipt));
	if (!cordon_leading(c)) {
		/* Asked under a lead this controller no longer holds (or before
		 * it acts again): the leader decides, from its own detections. */
		log_info("detection for %s not acted on: this controller does not lead now", ipt);
		free(w);
		return;
	}
	rc = registry_get(c->reg, ip, &h);
	if (rc <= 0) {
		log_warnx("detection for %s not acted on: %s", ipt,
		    rc < 0 ? registry_error(c->reg) : "its record is gone");
		free(w);
		return;
	}
	if (a->status == SNMPRT_FOUND) {
		if (ident_learn(c, &h, a->mac, MAC_SRC_ROUTER, "policy") == 0)
			decide(c, &h, &w->d, true);
		free(w);
		return;
	}
	ident_router_refusal(a, router, ipt, msg, sizeof(msg));
	snprintf(reason, sizeof(reason), "%s%s%s: cannot be located: %s", det_engine_name(w->d.engine),
	    w->d.signature ? " " : "", w->d.signature ? w->d.signature : "", msg);
	log_warnx("ALERT: %s should be isolated but cannot be located: %s", ipt, msg);
	hold(c, &h, HOLD_NO_MAC, reason, "refused: no MAC to locate it");
	free(w);
}

static bool
detection_waits(const struct cordon *c, const struct ip_addr *ip)
{
	const struct ident_lookup *l;

	for (l = c->lookups; l; l = l->next)
		if (l->fn == on_detection_router &&
		    memcmp(&((const struct detection_wait *)l->arg)->d.src, ip, sizeof(*ip)) == 0)
			return true;
	return false;
}

/*
 * The policy step and what follows it. An isolation of a host without a
 * trustworthy MAC in a network with a router asks the router first
 * (router_asked false), and comes back here with its answer.
 */
static void
decide(struct cordon *c, struct host_rec *h, const struct detection *d, bool router_asked)
{
	char ipt[64], why[300], reason[400];
	enum policy_action a;
	struct detection_wait *w;

	ip_to_str(&d->src, ipt, sizeof(ipt));
	a = policy_decide(&c->conf, h, d, c->breaker.tripped, rate_cap_free_now(&c->cap, loop_now()),
	    why, sizeof(why));
	snprintf(reason, sizeof(reason), "%s%s%s: %s", det_engine_name(d->engine),
	    d->signature ? " " : "", d->signature ? d->signature : "", why);
	/* A repeat about a host already dealt with changes nothing: stored,
	 * and logged only with -v (a scanning host repeats for as long as it
	 * runs; its first detection and every decision are logged). */
	if (!router_asked)
		(a == POLICY_IGNORE ? log_debug : log_info)(
		    "detection: %s %s%s%s (probes %u, failures %u, dsts %u) -> %s",
		    ipt, det_engine_name(d->engine), d->signature ? " " : "",
		    d->signature ? d->signature : "", d->probes, d->failures, d->distinct_dsts,
		    policy_action_name(a));
	if ((a == POLICY_ISOLATE || a == POLICY_RELAPSE) && !router_asked &&
	    ident_needs_lookup(&c->conf, h)) {
		char msg[300];
		if (registry_put(c->reg, h) != 0)
			log_warnx("cannot record host %s: %s", ipt, registry_error(c->reg));
		if (detection_waits(c, &h->ip))
			return;   /* the one waiting acts on the answer */
		if ((w = calloc(1, sizeof(*w))) == NULL) {
			log_warnx("ALERT: %s should be isolated (%s) but was not: out of memory", ipt, reason);
			return;
		}
		w->d = *d;
		if (ident_lookup(c, &h->ip, on_detection_router, w, msg, sizeof(msg)) != 0) {
			free(w);
			log_warnx("ALERT: %s should be isolated but cannot be located: %s", ipt, msg);
			hold(c, h, HOLD_NO_MAC, reason, "refused: no MAC to locate it");
		}
		return;
	}
	switch (a) {
	case POLICY_IGNORE:
		if (registry_put(c->reg, h) != 0)
			log_warnx("cannot record host %s: %s", ipt, registry_error(c->reg));
		break;
	case POLICY_NO_POINT:
		/* Nothing can isolate it (an address outside every point's
		 * prefixes, often a spoofed one): reported once, not retried. */
		log_warnx("cannot isolate %s: %s", ipt, why);
		hold(c, h, HOLD_NO_POINT, reason, "refused: no enforcement point serves this address");
		break;
	case POLICY_ISOLATE:
	case POLICY_RELAPSE:
		if (enforcer_begin_isolation(c, h, "policy", reason) != 0)
			log_warnx("ALERT: %s should be isolated (%s) but was not", ipt, reason);
		break;
	case POLICY_REFUSE:
		c->st.refused++;
		log_warnx("refused to isolate %s: %s", ipt, why);
		hold(c, h, HOLD_PROTECTED, reason, "refused: protected");
		break;
	case POLICY_NOT_ACTING:
		hold(c, h, HOLD_POLICY, reason, "not acting");
		break;
	case POLICY_DRY_RUN:
		log_notice("dry run: would isolate %s (%s)", ipt, reason);
		hold(c, h, HOLD_DRY_RUN, reason, "dry run: would isolate");
		break;
	case POLICY_APPROVAL:
		log_notice("%s awaits approval: cordonctl approve %s", ipt, ipt);
		hold(c, h, HOLD_APPROVAL, reason, "awaiting approval");
		break;
	case POLICY_BREAKER:
		if (!c->breaker.tripped)
			breaker_trip(c, ipt);
		log_warnx("circuit breaker: %s held for an operator (%s)", ipt, why);
		hold(c, h, HOLD_BREAKER, reason, "held: circuit breaker tripped");
		break;
	}
}

void
cordon_detection(struct cordon *c, const struct detection *d, const char *json)
{
	struct host_rec h;
	char ipt[64];
	enum mac_source src;
	int rc;
	double now = loop_now();

	if (!cordon_leading(c)) {
		/* The leader hears the same sensors and acts; a follower's records
		 * are the leader's. With no database, nobody can act: said (the
		 * first and every 1000th). */
		if ((c->lead.unreachable || !registry_reachable(c->reg)) &&
		    c->lead.ignored % 1000 == 0) {
			ip_to_str(&d->src, ipt, sizeof(ipt));
			log_warnx("detection for %s not acted on: the state database cannot be reached"
			    " (%" PRIu64 " lines not acted on)", ipt, c->lead.ignored + 1);
		}
		c->lead.ignored++;
		return;
	}
	c->st.detections++;
	core_sensor_heard(c, d->sensor, true);
	ip_to_str(&d->src, ipt, sizeof(ipt));
	rc = registry_get(c->reg, &d->src, &h);
	if (rc < 0) {
		log_warnx("detection for %s not acted on: state database: %s", ipt, registry_error(c->reg));
		return;
	}
	if (rc == 0) {
		memset(&h, 0, sizeof(h));
		h.ip = d->src;
		h.state = HS_OBSERVED;
		h.first_seen = now;
	}
	h.last_seen = now;
	h.detections++;
	if (d->has_mac) {
		/* A sensor behind the network's router reports the router's MAC:
		 * never the host's (ident.h). */
		src = ident_report_source(&c->conf, &d->src, d->sensor);
		if (src == MAC_SRC_NONE)
			log_debug("detection for %s: MAC from sensor '%s', not on its segment: not the host's",
			    ipt, d->sensor);
		else if (ident_learn(c, &h, d->mac, src, "policy") != 0)
			return;
	}
	if (registry_event(c->reg, now, &d->src, det_engine_name(d->engine), json) != 0)
		log_warnx("cannot store a detection for %s: %s", ipt, registry_error(c->reg));
	else
		core_detection_stored(c);
	decide(c, &h, d, false);
}

/* ---- operator actions ------------------------------------------------------- */

static void
done_now(cordon_done_fn done, void *arg, bool ok, const struct host_rec *h,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
done_now(cordon_done_fn done, void *arg, bool ok, const struct host_rec *h,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	done(arg, ok, h, msg);
}

/*
 * Only the leader acts: a follower answers with who leads (and where to
 * ask). Returns true when it answered.
 */
static bool
refused_by_follower(struct cordon *c, cordon_done_fn done, void *arg)
{
	char who[200];

	if (cordon_leading(c))
		return false;
	cordon_who_leads(c, who, sizeof(who));
	done_now(done, arg, false, NULL, "%s", who);
	return true;
}

/* An operator's quarantine waiting for the router's answer (ident_lookup's argument). */
struct quarantine_wait {
	cordon_done_fn done;     /* NULL once the caller went (cordon_forget_waiter) */
	void *arg;               /* borrowed: the caller's */
	char actor[64];
	char reason[256];
};

static void quarantine_host(struct cordon *c, struct host_rec *h, const uint8_t *mac,
    const char *actor, const char *reason, cordon_done_fn done, void *arg);

/* Stands in for a caller that went away: the quarantine goes on unobserved. */
static void
nobody_waits(void *arg, bool ok, const struct host_rec *h, const char *message)
{
	(void)arg;
	(void)ok;
	(void)h;
	(void)message;
}

static void
on_quarantine_router(struct cordon *c, void *arg, const struct ip_addr *ip,
    const struct snmprt_answer *a, const char *router)
{
	struct quarantine_wait *w = arg;
	cordon_done_fn done = w->done ? w->done : nobody_waits;
	struct host_rec h;
	char ipt[64], msg[400];
	int rc;

	ip_to_str(ip, ipt, sizeof(ipt));
	if (refused_by_follower(c, done, w->arg)) {
		free(w);
		return;
	}
	rc = registry_get(c->reg, ip, &h);
	if (rc < 0) {
		done_now(done, w->arg, false, NULL, "state database: %s", registry_error(c->reg));
	} else if (a->status != SNMPRT_FOUND) {
		/* Nothing recorded for the host: only the refusal, in the audit log. */
		ident_router_refusal(a, router, ipt, msg, sizeof(msg));
		cordon_audit(c, w->actor, "isolate", ip, w->reason, "refused: no MAC to locate it");
		done_now(done, w->arg, false, rc > 0 ? &h : NULL,
		    "%s: nothing changed; give the host's MAC with --mac", msg);
	} else {
		if (rc == 0) {
			memset(&h, 0, sizeof(h));
			h.ip = *ip;
			h.state = HS_OBSERVED;
			h.first_seen = h.last_seen = loop_now();
		}
		if (ident_learn(c, &h, a->mac, MAC_SRC_ROUTER, w->actor) != 0)
			done_now(done, w->arg, false, &h, "state database: %s", registry_error(c->reg));
		else
			quarantine_host(c, &h, NULL, w->actor, w->reason, done, w->arg);
	}
	free(w);
}

void
cordon_quarantine(struct cordon *c, const struct ip_addr *ip, const uint8_t *mac,
    const char *actor, const char *reason, cordon_done_fn done, void *arg)
{
	struct host_rec h;
	struct quarantine_wait *w;
	char ipt[64], why[300];
	int rc = registry_get(c->reg, ip, &h);

	if (refused_by_follower(c, done, arg))
		return;
	ip_to_str(ip, ipt, sizeof(ipt));
	if (rc < 0) {
		done_now(done, arg, false, NULL, "state database: %s", registry_error(c->reg));
		return;
	}
	if (rc == 0) {
		memset(&h, 0, sizeof(h));
		h.ip = *ip;
		h.state = HS_OBSERVED;
		h.first_seen = h.last_seen = loop_now();
	}
	/*
	 * Without --mac and without a trustworthy MAC on record, the network's
	 * router names it first (unless the host is protected, already
	 * isolated or under way, or has a location recorded by a failed
	 * isolation: quarantine_host answers or resumes those at once).
	 */
	if (mac != NULL || h.has_loc || !ident_needs_lookup(&c->conf, &h) ||
	    conf_match(c->conf.protected_, c->conf.nprotected, ip) != NULL ||
	    h.state == HS_QUARANTINED || h.state == HS_QUARANTINING || h.state == HS_RELEASING) {
		quarantine_host(c, &h, mac, actor, reason, done, arg);
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		done_now(done, arg, false, &h, "out of memory");
		return;
	}
	w->done = done;
	w->arg = arg;
	snprintf(w->actor, sizeof(w->actor), "%s", actor);
	snprintf(w->reason, sizeof(w->reason), "%s", reason);
	if (ident_lookup(c, ip, on_quarantine_router, w, why, sizeof(why)) != 0) {
		free(w);
		done_now(done, arg, false, rc > 0 ? &h : NULL,
		    "%s: cannot ask for its MAC: %s; nothing changed; give it with --mac", ipt, why);
	}
}

/* The quarantine of the host on record (or new) as *h_in. */
static void
quarantine_host(struct cordon *c, struct host_rec *h_in, const uint8_t *mac,
    const char *actor, const char *reason, cordon_done_fn done, void *arg)
{
	struct host_rec h = *h_in;
	const struct ip_addr *ip = &h_in->ip;
	const struct prefix *p;
	char ipt[64], pbuf[64];

	ip_to_str(ip, ipt, sizeof(ipt));
	if (mac != NULL && (!h.has_mac || memcmp(h.mac, mac, 6) != 0) &&
	    !(h.state == HS_FAILED && h.has_loc)) {
		/* The operator knows better than an old report: locate afresh
		 * (a failed isolation's location is kept: see below). */
		h.has_mac = true;
		memcpy(h.mac, mac, 6);
		if (h.state != HS_QUARANTINED && h.state != HS_QUARANTINING)
			h.has_loc = false;
	}
	if (mac != NULL && h.has_mac && memcmp(h.mac, mac, 6) == 0)
		h.mac_source = MAC_SRC_OPERATOR;
	p = conf_match(c->conf.protected_, c->conf.nprotected, ip);
	if (p != NULL) {
		cordon_audit(c, actor, "isolate", ip, reason, "refused: protected");
		done_now(done, arg, false, &h, "%s is protected (%s): never isolated", ipt,
		    prefix_to_str(p, pbuf, sizeof(pbuf)));
		return;
	}
	switch (h.state) {
	case HS_QUARANTINED:
		done_now(done, arg, true, &h, "already isolated: %s", h.loc.detail);
		return;
	case HS_QUARANTINING:
		if (c->conf.dry_run) {
			done_now(done, arg, false, &h, "%s was left quarantining by an earlier run; "
			    "dry run does not resume it", ipt);
			return;
		}
		enforcer_add_waiter(c, ip, done, arg);
		return;
	case HS_RELEASING:
		done_now(done, arg, false, &h, "%s is being released; try again when it is done", ipt);
		return;
	case HS_FAILED:
		if (strcmp(h.failed_op, "release") == 0) {
			done_now(done, arg, false, &h, "%s is still isolated (its release failed: %s)",
			    ipt, h.last_error);
			return;
		}
		break;
	default:
		break;
	}
	if (conf_point_for(&c->conf, ip) == NULL) {
		cordon_audit(c, actor, "isolate", ip, reason, "refused: no enforcement point serves this address");
		done_now(done, arg, false, &h, "no enforcement point serves %s (see the enforcement prefixes)", ipt);
		return;
	}
	if (h.state == HS_FAILED && h.has_loc && strcmp(h.failed_op, "isolate") == 0 &&
	    mac != NULL && (!h.has_mac || memcmp(h.mac, mac, 6) != 0)) {
		/* Its last isolation may be applied at the recorded port: moving on
		 * to another would lose what undoes it. */
		done_now(done, arg, false, &h, "%s has a failed isolation recorded at %s %s; "
		    "release it (cordonctl release --patched) before pointing it elsewhere",
		    ipt, h.loc.point, h.loc.port);
		return;
	}
	if (c->conf.dry_run) {
		hold(c, &h, HOLD_DRY_RUN, reason, "dry run: would isolate");
		done_now(done, arg, false, &h, "dry run: %s would be isolated; nothing changed", ipt);
		return;
	}
	enforcer_add_waiter(c, ip, done, arg);
	if (enforcer_begin_isolation(c, &h, actor, reason) != 0)
		enforcer_notify(c, ip, false, &h, "not started: see the daemon's log");
}

void
cordon_release(struct cordon *c, const struct ip_addr *ip, const char *actor,
    const char *reason, cordon_done_fn done, void *arg)
{
	struct host_rec h;
	char ipt[64];
	int rc = registry_get(c->reg, ip, &h);

	if (refused_by_follower(c, done, arg))
		return;
	ip_to_str(ip, ipt, sizeof(ipt));
	if (rc <= 0) {
		done_now(done, arg, false, NULL, rc < 0 ? "state database: %s" : "%s is not on record",
		    rc < 0 ? registry_error(c->reg) : ipt);
		return;
	}
	switch (h.state) {
	case HS_QUARANTINED:
		if (h.has_move && !enforcer_busy(c, ip)) {
			/* enforcer_begin_release would refuse it: say why to the
			 * operator, and start the check that settles the move. */
			char why[200];
			if (cordon_follow_settle(c, &h, why, sizeof(why)) == 0)
				done_now(done, arg, false, &h, "%s has a move to %s %s that is not settled "
				    "yet; a check to settle it has started: try again once it is settled "
				    "(cordonctl show %s)", ipt, h.move.point, h.move.port, ipt);
			else
				done_now(done, arg, false, &h, "%s has a move to %s %s that is not settled "
				    "and cannot be now (%s); after fixing the ports by hand, cordonctl "
				    "resolve records what is true", ipt, h.move.point, h.move.port, why);
			return;
		}
		break;
	case HS_FAILED:
		if (strcmp(h.failed_op, "release") == 0 || h.has_loc)
			break;
		/* An isolation that never located the host changed nothing: cancel it. */
		h.state = HS_CLEAR;
		h.updated = loop_now();
		if (registry_put(c->reg, &h) != 0) {
			done_now(done, arg, false, &h, "state database: %s", registry_error(c->reg));
			return;
		}
		cordon_audit(c, actor, "release", ip, reason, "ok: pending isolation cancelled");
		done_now(done, arg, true, &h, "nothing was applied; isolation cancelled");
		return;
	case HS_SUSPECTED:
		h.state = HS_CLEAR;
		h.hold[0] = '\0';
		h.updated = loop_now();
		if (registry_put(c->reg, &h) != 0) {
			done_now(done, arg, false, &h, "state database: %s", registry_error(c->reg));
			return;
		}
		cordon_audit(c, actor, "release", ip, reason, "ok: suspicion cleared");
		done_now(done, arg, true, &h, "not isolated; suspicion cleared");
		return;
	case HS_QUARANTINING:
	case HS_RELEASING:
		done_now(done, arg, false, &h, "%s is %s; try again when it is done", ipt,
		    host_state_name(h.state));
		return;
	default:
		done_now(done, arg, false, &h, "%s is not isolated (%s)", ipt, host_state_name(h.state));
		return;
	}
	enforcer_add_waiter(c, ip, done, arg);
	if (enforcer_begin_release(c, &h, actor, reason) != 0)
		enforcer_notify(c, ip, false, &h, "not started: see the daemon's log");
}

void
cordon_approve(struct cordon *c, const struct ip_addr *ip, const char *actor,
    cordon_done_fn done, void *arg)
{
	struct host_rec h;
	char ipt[64], reason[400];
	int rc = registry_get(c->reg, ip, &h);

	if (refused_by_follower(c, done, arg))
		return;
	ip_to_str(ip, ipt, sizeof(ipt));
	/* Hosts held by the circuit breaker are approved one by one too. */
	if (rc <= 0 || h.state != HS_SUSPECTED || (strcmp(h.hold, HOLD_APPROVAL) != 0 &&
	    strcmp(h.hold, HOLD_BREAKER) != 0 && strcmp(h.hold, HOLD_STALE) != 0)) {
		done_now(done, arg, false, rc > 0 ? &h : NULL, "%s is not awaiting approval", ipt);
		return;
	}
	snprintf(reason, sizeof(reason), "approved: %s", h.reason);
	enforcer_add_waiter(c, ip, done, arg);
	if (enforcer_begin_isolation(c, &h, actor, reason) != 0)
		enforcer_notify(c, ip, false, &h, "not started: see the daemon's log");
}

void
cordon_resolve(struct cordon *c, const struct ip_addr *ip, bool isolated, const char *actor,
    const char *reason, cordon_done_fn done, void *arg)
{
	struct host_rec h;
	char ipt[64], was[sizeof(h.last_error) + 64], result[sizeof(was) + 64];
	int rc = registry_get(c->reg, ip, &h);

	if (refused_by_follower(c, done, arg))
		return;
	ip_to_str(ip, ipt, sizeof(ipt));
	if (rc < 0) {
		done_now(done, arg, false, NULL, "state database: %s", registry_error(c->reg));
		return;
	}
	if (rc == 0) {
		done_now(done, arg, false, NULL, "%s is not on record", ipt);
		return;
	}
	/* A failed host, or a quarantined one whose move cannot be settled
	 * (its point gone from the config): the operator fixed the ports. */
	bool unsettled = h.state == HS_QUARANTINED && h.has_move;
	if ((h.state != HS_FAILED && !unsettled) || enforcer_busy(c, ip)) {
		done_now(done, arg, false, &h, "%s is %s, not failed: only a failed host, or a "
		    "quarantined one with an unsettled move, is resolved", ipt,
		    enforcer_busy(c, ip) ? "being worked on" : host_state_name(h.state));
		return;
	}
	if (isolated && !h.has_loc) {
		done_now(done, arg, false, &h, "%s has no recorded location to be isolated at: quarantine"
		    " it instead", ipt);
		return;
	}
	if (unsettled)
		snprintf(was, sizeof(was), "was: quarantined, its move to %s %s unsettled", h.move.point,
		    h.move.port);
	else
		snprintf(was, sizeof(was), "was: %s failed: %s", h.failed_op, h.last_error);
	h.has_move = false;
	h.state = isolated ? HS_QUARANTINED : HS_CLEAR;
	if (!isolated)
		h.has_loc = false;
	h.attempts = 0;
	h.next_retry = 0;
	h.failed_op[0] = '\0';
	h.last_error[0] = '\0';
	h.hold[0] = '\0';
	snprintf(h.actor, sizeof(h.actor), "%s", actor);
	snprintf(h.reason, sizeof(h.reason), "%s", reason);
	h.updated = loop_now();
	if (registry_put(c->reg, &h) != 0) {
		done_now(done, arg, false, NULL, "state database: %s", registry_error(c->reg));
		return;
	}
	snprintf(result, sizeof(result), "ok: recorded as %s (%s)", isolated ? "isolated" : "released",
	    was);
	log_notice("%s resolved by %s as %s (%s; %s)", ipt, actor, isolated ? "isolated" : "released",
	    reason, was);
	cordon_audit(c, actor, "resolve", &h.ip, reason, result);
	done_now(done, arg, true, &h, "recorded as %s", isolated ? "isolated" : "released");
}

void
cordon_forget_waiter(struct cordon *c, void *arg)
{
	struct waiter **pp = &c->waiters;
	struct ident_lookup *l;

	for (l = c->lookups; l; l = l->next)
		if (l->fn == on_quarantine_router && ((struct quarantine_wait *)l->arg)->arg == arg)
			((struct quarantine_wait *)l->arg)->done = NULL;

	while (*pp) {
		if ((*pp)->arg == arg) {
			struct waiter *w = *pp;
			*pp = w->next;
			free(w);
		} else {
			pp = &(*pp)->next;
		}
	}
}

/* ---- the asset list ----------------------------------------------------------- */

#define SEEN_BATCH 4096

/* A MAC seen on its own segment at h->ip: its record follows when it was elsewhere. */
static void
seen_move(struct cordon *c, const struct seen_host *s)
{
	struct host_rec h;

	if (registry_find_mac(c->reg, s->mac, &s->ip, &h) <= 0)
		return;   /* not elsewhere (or an error, logged at the next write) */
	/* One MAC in both families is a dual-stack host, not a move. */
	if (ip_is_v4(&h.ip) != ip_is_v4(&s->ip))
		return;
	if (registry_get(c->reg, &s->ip, &h) <= 0)
		return;
	if (ident_learn(c, &h, s->mac, MAC_SRC_SEGMENT, "policy") == 0 && registry_put(c->reg, &h) != 0)
		log_warnx("cannot record a seen host: %s", registry_error(c->reg));
}

/* Writes the waiting asset reports in one transaction. */
void
cordon_flush_seen(struct cordon *c)
{
	size_t i;

	if (c->nseen == 0)
		return;
	for (i = 0; i < c->nseen; i++)
		c->seen_src[i] = ident_report_source(&c->conf, &c->seen[i].ip, c->seen[i].sensor);
	if (registry_seen(c->reg, c->seen, c->seen_src, c->nseen) != 0)
		log_warnx("cannot record %zu seen hosts: %s", c->nseen, registry_error(c->reg));
	/* A MAC on record at another address, seen on its own segment: a DHCP move. */
	for (i = 0; i < c->nseen; i++)
		if (c->seen[i].has_mac && c->seen_src[i] == MAC_SRC_SEGMENT)
			seen_move(c, &c->seen[i]);
	c->nseen = 0;
}

void
cordon_seen(struct cordon *c, const struct seen_host *h)
{
	if (!cordon_leading(c)) {
		c->lead.ignored++;    /* the leader records the assets */
		return;
	}
	core_sensor_heard(c, h->sensor, false);
	if (c->seen == NULL) {
		c->seen = calloc(SEEN_BATCH, sizeof(*c->seen));
		c->seen_src = calloc(SEEN_BATCH, sizeof(*c->seen_src));
		if (c->seen == NULL || c->seen_src == NULL) {
			free(c->seen);
			free(c->seen_src);
			c->seen = NULL;
			c->seen_src = NULL;
			return;
		}
	}
	c->seen[c->nseen++] = *h;
	c->st.seen_reports++;
	if (c->nseen == SEEN_BATCH)
		cordon_flush_seen(c);
}


/* ---- the periodic step --------------------------------------------------------- */

/* Rows pruned per table and tick: a bounded slice, so that a large backlog
 * (a retention shortened, a long outbreak) never stalls the loop. */
#define PRUNE_SLICE 500

static void
prune_logs(struct cordon *c)
{
	double now = loop_now();
	int n;

	if (c->conf.retention_events_s > 0) {
		n = registry_prune(c->reg, REGISTRY_EVENTS, now - c->conf.retention_events_s, PRUNE_SLICE);
		if (n < 0)
			log_warnx("cannot prune stored detections: %s", registry_error(c->reg));
		else
			c->st.pruned_events += (uint64_t)n;
	}
	if (c->conf.retention_audit_s > 0) {
		n = registry_prune(c->reg, REGISTRY_AUDIT, now - c->conf.retention_audit_s, PRUNE_SLICE);
		if (n < 0)
			log_warnx("cannot prune the audit log: %s", registry_error(c->reg));
		else
			c->st.pruned_audit += (uint64_t)n;
	}
}

void
cordon_tick(struct cordon *c)
{
	cordon_flush_seen(c);
	enforcer_tick(c);
	prune_logs(c);
}

/* ---- the circuit breaker ------------------------------------------------------ */

/*
 * A burst of detections over the cap is more often a detector's mistake (a
 * new kind of benign traffic) than an outbreak that needs no human: Cordon
 * stops acting on its own rather than queueing isolations for later.
 */
static void
breaker_trip(struct cordon *c, const char *at_host)
{
	c->breaker.tripped = true;
	c->breaker.since = loop_now();
	c->breaker.trips++;
	snprintf(c->breaker.reason, sizeof(c->breaker.reason),
	    "more than %u isolations in 60 s (policy.max_isolations_per_minute), at a detection of %s",
	    c->conf.max_per_minute, at_host);
	core_breaker_store(c);
	log_warnx("ALERT: circuit breaker tripped: %s; no isolation starts on its own until an"
	    " operator approves hosts (cordonctl approve) or resets it (cordonctl breaker reset)",
	    c->breaker.reason);
	cordon_audit(c, "policy", "breaker-trip", NULL, c->breaker.reason, "tripped");
}

static int
collect_held(void *arg, const struct host_rec *h)
{
	struct host_list *k = arg;

	return strcmp(h->hold, HOLD_BREAKER) == 0 ? host_list_add(k, h) : 0;
}

void
cordon_breaker_reset(struct cordon *c, const char *actor, const char *reason,
    cordon_done_fn done, void *arg)
{
	struct host_list k = { NULL, 0, 0 };
	size_t i, isolated = 0, stale = 0, held = 0;
	double now = loop_now();
	char ipt[64];

	if (refused_by_follower(c, done, arg))
		return;
	if (!c->breaker.tripped) {
		done_now(done, arg, false, NULL, "the circuit breaker is not tripped");
		return;
	}
	if (registry_foreach(c->reg, HS_SUSPECTED, collect_held, &k) != 0) {
		free(k.v);
		done_now(done, arg, false, NULL, "state database: %s", registry_error(c->reg));
		return;
	}
	c->breaker.tripped = false;
	if (core_breaker_store(c) != 0) {
		c->breaker.tripped = true;
		free(k.v);
		done_now(done, arg, false, NULL, "state database: %s", registry_error(c->reg));
		return;
	}
	cordon_audit(c, actor, "breaker-reset", NULL, reason, "reset");
	log_notice("circuit breaker reset by %s (%s): %zu hosts held", actor, reason, k.n);
	/* The operator's reset starts a new minute for the cap. */
	rate_cap_clear(&c->cap);
	for (i = 0; i < k.n; i++) {
		struct host_rec *h = &k.v[i];
		ip_to_str(&h->ip, ipt, sizeof(ipt));
		double last = c->breaker.tripped ? 0 : registry_last_detection(c->reg, &h->ip);
		if (c->breaker.tripped) {
			held++;
		} else if (!policy_evidence_current(&c->conf, last, now)) {
			char why[200];
			if (last > 0)
				snprintf(why, sizeof(why), "last detected %.0f s before the breaker's reset"
				    " (policy.breaker_evidence_age %u s)", now - last,
				    c->conf.breaker_evidence_age_s);
			else
				snprintf(why, sizeof(why), "no stored detection (retention, or a database"
				    " error) when the breaker was reset");
			log_info("%s not isolated: %s", ipt, why);
			hold(c, h, HOLD_STALE, why, "not isolated: stale evidence");
			stale++;
		} else if (!rate_cap_free_now(&c->cap, now)) {
			breaker_trip(c, ipt);
			held++;
		} else if (enforcer_begin_isolation(c, h, "policy", h->reason) == 0) {
			isolated++;
		} else {
			log_warnx("ALERT: %s should be isolated (%s) but was not", ipt, h->reason);
		}
	}
	free(k.v);
	done_now(done, arg, true, NULL, "circuit breaker reset: %zu isolating, %zu stale, %zu held%s",
	    isolated, stale, held, c->breaker.tripped ? " (it tripped again)" : "");
}
