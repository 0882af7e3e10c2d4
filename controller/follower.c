/* SPDX-License-Identifier: ISC */
/*
 * follower: keeps a quarantined host isolated when it moves to another port.
 *
 * Switch notifications (cordon_follow_events) and the periodic check
 * (cordon_follow_all) queue re-checks per (point, port) in the follow queue
 * (follow.h: bounded, de-duplicated). The queue is drained from the loop,
 * one queued port at a time and one host at a time: each quarantined host
 * recorded there is located again (a fresh read of the point's tables; then
 * the other points that serve its address, when the recorded one does not
 * have it) and follow_decide() says what to do:
 *
 *   in place / absent / unknown   nothing changes (counted; unknown is a
 *                                 check failure, logged)
 *   moved                         isolate the new port; only once that
 *                                 succeeded, restore the old one as a release
 *                                 does; then the new location and both steps'
 *                                 audit entries in one transaction, and an
 *                                 ALERT line
 *
 * A failed isolation of the new port leaves the record as it was (the old
 * port stays isolated); the failure is audited and the next check retries.
 * While a host's re-check runs it is busy (enforcer_busy): a release asked
 * meanwhile starts when it ends (enforcer.c, defer_release), and a re-check
 * does not start while another operation on the host runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_priv.h"
#include "failpoint.h"
#include "log.h"

static void drain(void *arg);
static void on_located(void *arg, const struct enf_result *res);
static void on_move_checked(void *arg, const struct enf_result *res);
static double settle_later(struct cordon *c);

/* The queue and its timer, made on first use. -1 when out of memory. */
static int
ready(struct cordon *c)
{
	if (c->fq == NULL && (c->fq = follow_queue_new(c->conf.follow.queue)) == NULL)
		return -1;
	if (c->follow_kick == NULL && (c->follow_kick = loop_timer_new(c->loop, drain, c)) == NULL)
		return -1;
	return 0;
}

/* Drains from the loop, after the running callback (never recursively). */
static void
kick(struct cordon *c)
{
	if (!c->run.in_op && !c->stopping && cordon_leading(c))
		loop_timer_fire(c->follow_kick);
}

/* Queues a re-check: 0, or -1 when it could not be queued (logged). */
static int
push(struct cordon *c, const char *point, int32_t bridge_port)
{
	if (ready(c) != 0) {
		log_warnx("follow: out of memory: a re-check of %s port %d is not queued", point,
		    bridge_port);
		return -1;
	}
	if (follow_queue_push(c->fq, point, bridge_port) < 0) {
		log_debug("follow: the queue is full: a re-check of %s port %d is left to the periodic check",
		    point, bridge_port);
		return -1;
	}
	kick(c);
	return 0;
}

/* The quarantined hosts, a copy (owned by the caller), or NULL with n = 0. */
struct hosts {
	struct host_rec *v;
	size_t n, cap;
};

static int
add_host(void *arg, const struct host_rec *h)
{
	struct hosts *k = arg;

	if (!h->has_loc)
		return 0;
	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 32;
		struct host_rec *nv = realloc(k->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		k->v = nv;
		k->cap = ncap;
	}
	k->v[k->n++] = *h;
	return 0;
}

static int
quarantined(struct cordon *c, struct hosts *k)
{
	memset(k, 0, sizeof(*k));
	if (registry_foreach(c->reg, HS_QUARANTINED, add_host, k) != 0) {
		log_warnx("follow: cannot read the quarantined hosts: %s", registry_error(c->reg));
		free(k->v);
		memset(k, 0, sizeof(*k));
		return -1;
	}
	return 0;
}

void
cordon_follow_events(struct cordon *c, const char *point, const struct cordon_port_event *ev,
    size_t n)
{
	struct hosts k;
	size_t i, j;
	bool holds = false;

	if (n == 0 || quarantined(c, &k) != 0)
		return;
	for (j = 0; j < k.n; j++)
		holds |= strcmp(k.v[j].loc.point, point) == 0;
	for (i = 0; i < n; i++) {
		const struct cordon_port_event *e = &ev[i];
		bool matched = false;
		for (j = 0; j < k.n; j++) {
			const struct host_rec *h = &k.v[j];
			bool here = strcmp(h->loc.point, point) == 0;
			if (e->kind == CPE_MAC ?
			    ((h->has_mac && memcmp(h->mac, e->mac, 6) == 0) ||
				(here && h->loc.bridge_port == e->bridge_port)) :
			    (here && h->loc.ifindex > 0 && (uint32_t)h->loc.ifindex == e->ifindex)) {
				push(c, h->loc.point, h->loc.bridge_port);
				matched = true;
			}
		}
		if (!matched && e->kind == CPE_LINK_UP && holds)
			push(c, point, 0);
	}
	free(k.v);
}

void
cordon_follow_all(struct cordon *c)
{
	struct hosts k;
	size_t j;

	if (quarantined(c, &k) != 0)
		return;
	for (j = 0; j < k.n; j++)
		push(c, k.v[j].loc.point, 0);   /* one request per point: the queue merges the rest */
	free(k.v);
}

void
cordon_follow_set_notifications(struct cordon *c, uint64_t accepted, uint64_t rejected)
{
	c->fst.notifications = accepted;
	c->fst.notifications_rejected = rejected;
}

void
cordon_follow_get_stats(const struct cordon *c, struct cordon_follow_stats *out)
{
	*out = c->fst;
	if (c->fq != NULL)
		follow_queue_stats(c->fq, &out->queue);
	else
		memset(&out->queue, 0, sizeof(out->queue));
}

/* ---- the re-check of one host --------------------------------------------- */

static char *
mac_text(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* "point port (bridge port N)", how a location is named in messages. */
static char *
where(const struct enf_location *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s (bridge port %d)", l->point, l->port[0] ? l->port : "-",
	    (int)l->bridge_port);
	return buf;
}

/* The operation is over: the next host (or queued port) from the loop. */
static void
op_done(struct op *o)
{
	struct cordon *c = o->c;

	enforcer_op_end(o);
	c->run.in_op = false;
	kick(c);
}

static void
locate_next(struct op *o)
{
	struct cordon *c = o->c;
	size_t pi = o->cand[o->icand];
	struct enf_host eh;

	memset(&eh, 0, sizeof(eh));
	eh.ip = o->ip;
	eh.has_mac = o->from.host.has_mac;
	memcpy(eh.mac, o->from.host.mac, 6);
	/* The first look at a point in this re-check reads its tables afresh: a
	 * view cached before the move would show the host where it was. */
	eh.fresh = !c->run.walked[pi];
	c->run.walked[pi] = true;
	o->point = pi;
	o->started = loop_now();
	enf_locate(c->points[pi], &eh, on_located, o);
}

/* Starts the re-check of `h`: 0 when an operation runs, -1 when none could start. */
static int
check_host(struct cordon *c, const struct host_rec *h)
{
	size_t cand[CONF_MAX_POINTS], ncand = 0, i;
	int rec = enforcer_point_named(c, h->loc.point);
	char ipt[64];
	struct op *o;

	if (rec >= 0)
		cand[ncand++] = (size_t)rec;
	for (i = 0; i < c->npoints; i++)
		if ((int)i != rec && conf_match(c->conf.points[i].prefixes,
			c->conf.points[i].nprefixes, &h->ip) != NULL)
			cand[ncand++] = i;
	c->fst.checks++;
	if (ncand == 0 || !h->has_mac) {
		c->fst.unknown++;
		c->fst.check_failures++;
		log_warnx("follow: %s cannot be looked for: %s", ip_to_str(&h->ip, ipt, sizeof(ipt)),
		    h->has_mac ? "no configured point serves it" : "its MAC is not known");
		return -1;
	}
	o = enforcer_op_new(c, OP_FOLLOW, &h->ip, cand[0]);
	if (o == NULL) {
		c->fst.unknown++;
		c->fst.check_failures++;
		log_warnx("follow: out of memory checking %s", ip_to_str(&h->ip, ipt, sizeof(ipt)));
		return -1;
	}
	o->from = h->loc;
	o->from.host.has_mac = true;
	memcpy(o->from.host.mac, h->mac, 6);
	memcpy(o->cand, cand, ncand * sizeof(cand[0]));
	o->ncand = ncand;
	o->icand = 0;
	o->other = ENF_OK;
	c->run.in_op = true;
	if (h->has_move) {
		/* A move was under way (the daemon stopped, or the new port's
		 * isolation failed): what does the new port have now? */
		int mp = enforcer_point_named(c, h->move.point);
		if (mp >= 0) {
			o->to = h->move;
			o->to.host = o->from.host;
			o->to_point = (size_t)mp;
			o->point = (size_t)mp;
			enf_check(c->points[mp], &o->to, on_move_checked, o);
			return 0;
		}
		/* Its point is gone from the config: nothing there can be read or undone. */
		c->fst.unknown++;
		c->fst.check_failures++;
		log_warnx("ALERT: follow: %s: its move to point '%s' (%s) cannot be settled: the point "
		    "is not configured", ip_to_str(&h->ip, ipt, sizeof(ipt)), h->move.point, h->move.port);
		op_done(o);
		return 0;
	}
	locate_next(o);
	return 0;
}

/*
 * The host as recorded now, if it is still quarantined where this re-check
 * found it recorded (an operator's action or another re-check may have
 * moved it on meanwhile): 0, else -1 (the result is stale, dropped).
 */
static int
still_there(struct cordon *c, const struct op *o, struct host_rec *h)
{
	return registry_get(c->reg, &o->ip, h) == 1 && h->state == HS_QUARANTINED && h->has_loc &&
	    strcmp(h->loc.point, o->from.point) == 0 && h->loc.bridge_port == o->from.bridge_port ? 0 : -1;
}

static void on_isolated(void *arg, const struct enf_result *res);
static void on_released(void *arg, const struct enf_result *res);
static void record_move(struct op *o, struct host_rec *h, bool restored, const char *detail);

static void
on_located(void *arg, const struct enf_result *res)
{
	struct op *o = arg;
	struct cordon *c = o->c;
	struct host_rec h;
	enum follow_verdict v;
	char ipt[64], mac[24], a[160], b[160], reason[512], started[ENF_DETAIL_LEN + 16];

	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return;
	}
	enforcer_point_result(c, o->point, o, res);
	if (res->status == ENF_OK) {
		v = follow_decide(&o->from, ENF_OK, &res->loc);
	} else {
		if (res->status != ENF_NOT_FOUND) {
			o->other = res->status;
			snprintf(o->why, sizeof(o->why), "%s", res->message);
		}
		if (++o->icand < o->ncand) {
			locate_next(o);
			return;
		}
		v = follow_decide(&o->from, o->other != ENF_OK ? o->other : ENF_NOT_FOUND, NULL);
	}
	ip_to_str(&o->ip, ipt, sizeof(ipt));
	mac_text(o->from.host.mac, mac, sizeof(mac));
	if (still_there(c, o, &h) != 0) {
		log_info("follow: %s changed while it was looked for; result dropped", ipt);
		op_done(o);
		return;
	}
	if (v == FOLLOW_MOVED) {
		/* Onto a port already isolated for another host (a shared port):
		 * what it had comes from that host's record, as for an isolation. */
		struct host_rec t = h;
		struct port_peers pp;
		t.loc = res->loc;
		if (enforcer_port_peers(c, &t, &pp) == 0)
			enforcer_inherit_port_config(&t, &pp);
		o->to = t.loc;
		o->to.host = h.loc.host;
		o->to_point = o->point;
	}
	if (v == FOLLOW_MOVED && o->to.quarantine_vlan > 0 && o->to.orig_vlan < 0) {
		/* Already in the quarantine VLAN with no record of what it had:
		 * isolating changes nothing and nothing could restore it. */
		v = FOLLOW_UNKNOWN;
		o->other = ENF_REFUSED;
		snprintf(o->why, sizeof(o->why), "found on %s, already in the quarantine VLAN with no "
		    "record of its own VLAN: left for the operator", where(&o->to, a, sizeof(a)));
	}
	switch (v) {
	case FOLLOW_IN_PLACE:
		c->fst.in_place++;
		log_debug("follow: %s (%s) is still on %s", ipt, mac, where(&o->from, a, sizeof(a)));
		op_done(o);
		return;
	case FOLLOW_ABSENT:
		c->fst.absent++;
		log_info("follow: %s (%s) is in no forwarding table now; %s stays isolated", ipt, mac,
		    where(&o->from, a, sizeof(a)));
		op_done(o);
		return;
	case FOLLOW_UNKNOWN:
		c->fst.unknown++;
		c->fst.check_failures++;
		log_warnx("follow: cannot tell where %s (%s) is (%s): %s; %s stays isolated", ipt, mac,
		    enf_status_name(o->other), o->why, where(&o->from, a, sizeof(a)));
		op_done(o);
		return;
	case FOLLOW_MOVED:
		break;
	}
	where(&o->from, a, sizeof(a));
	where(&o->to, b, sizeof(b));
	if (c->conf.dry_run) {
		log_notice("dry run: %s (%s) moved from %s to %s; not followed", ipt, mac, a, b);
		op_done(o);
		return;
	}
	o->started = loop_now();
	/* Written before the change: the new port and what undoes it. */
	h.has_move = true;
	h.move = o->to;
	h.updated = loop_now();
	if (registry_put(c->reg, &h) != 0) {
		c->fst.check_failures++;
		log_warnx("ALERT: follow: %s (%s) moved from %s to %s and is not followed: the state "
		    "database cannot record the move (%s)", ipt, mac, a, b, registry_error(c->reg));
		op_done(o);
		return;
	}
	snprintf(reason, sizeof(reason), "moved from %s to %s", a, b);
	snprintf(started, sizeof(started), "started: %s", o->to.detail);
	cordon_audit(c, "follow", "isolate", &o->ip, reason, started);
	log_notice("follow: %s (%s) %s: isolating the new port", ipt, mac, reason);
	enf_isolate(c->points[o->to_point], &o->to, on_isolated, o);
}

/*
 * The new port is isolated: the old one is restored as a release restores
 * it (on_released records the move).
 */
static void
release_old(struct op *o)
{
	struct cordon *c = o->c;
	struct host_rec h;
	char ipt[64], b[160];
	int old;

	if (still_there(c, o, &h) != 0 || (old = enforcer_point_named(c, o->from.point)) < 0) {
		/* The record keeps the move (has_move) if it still exists: the
		 * next check settles it; nothing is undone without a record. */
		c->fst.check_failures++;
		log_warnx("ALERT: follow: %s was isolated on %s (%s) but its record changed meanwhile "
		    "or its old point is gone: see the host's state", ip_to_str(&o->ip, ipt, sizeof(ipt)),
		    where(&o->to, b, sizeof(b)), o->to.detail);
		op_done(o);
		return;
	}
	{
		/* A port is restored only when no quarantined host is left behind it. */
		struct port_peers pp;
		char first[64], detail[ENF_DETAIL_LEN + 128];
		h.loc = o->from;
		if (enforcer_port_peers(c, &h, &pp) != 0) {
			snprintf(detail, sizeof(detail), "cannot read the port's other hosts: %s",
			    registry_error(c->reg));
			record_move(o, &h, false, detail);
			return;
		}
		if (pp.n > 0) {
			snprintf(detail, sizeof(detail), "%s stays isolated: %zu other host%s quarantined "
			    "behind it (%s%s); restored with the last", o->from.port, pp.n,
			    pp.n > 1 ? "s are" : " is", ip_to_str(&pp.first.ip, first, sizeof(first)),
			    pp.n > 1 ? ", ..." : "");
			record_move(o, &h, true, detail);
			return;
		}
	}
	o->point = (size_t)old;
	o->started = loop_now();
	enf_release(c->points[old], &o->from, on_released, o);
}

static void
on_isolated(void *arg, const struct enf_result *res)
{
	struct op *o = arg;
	struct cordon *c = o->c;
	char ipt[64], a[160], b[160], msg[ENF_DETAIL_LEN + 400];

	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return;
	}
	enforcer_point_result(c, o->point, o, res);
	ip_to_str(&o->ip, ipt, sizeof(ipt));
	where(&o->from, a, sizeof(a));
	where(&o->to, b, sizeof(b));
	if (res->status != ENF_OK) {
		/* The record stays as it was, the move noted in it: the next check
		 * reads the new port and settles it (isolated after all, or not). */
		c->fst.check_failures++;
		snprintf(msg, sizeof(msg), "failed (%s): %s; still recorded on %s, which stays isolated; "
		    "tried again in %.0f s (or at the next check)", enf_status_name(res->status),
		    res->message, a, settle_later(c));
		log_warnx("ALERT: follow: %s moved to %s but isolating it there %s", ipt, b, msg);
		cordon_audit(c, "follow", "isolate", &o->ip, "moved", msg);
		op_done(o);
		return;
	}
	failpoint("follow-isolated");
	if (res->loc.detail[0])
		snprintf(o->to.detail, sizeof(o->to.detail), "%s", res->loc.detail);
	release_old(o);
}

/*
 * The move's end: the host recorded on the new port, the move cleared, both
 * steps audited, in one transaction. `restored`: the old port was restored
 * (or stays isolated for other hosts); `detail` says what happened to it.
 */
static void
record_move(struct op *o, struct host_rec *h, bool restored, const char *detail)
{
	struct cordon *c = o->c;
	char ipt[64], mac[24], a[160], b[160], reason[400];
	char iso[ENF_DETAIL_LEN + 8], rel[ENF_DETAIL_LEN * 2 + 200];
	struct registry_audit_entry audit[2];

	c->settle_delay_s = 0;   /* a move settled: the next failure starts the backoff afresh */
	ip_to_str(&o->ip, ipt, sizeof(ipt));
	mac_text(o->from.host.mac, mac, sizeof(mac));
	where(&o->from, a, sizeof(a));
	where(&o->to, b, sizeof(b));
	snprintf(reason, sizeof(reason), "moved from %s to %s", a, b);
	snprintf(iso, sizeof(iso), "ok: %s", o->to.detail);
	if (restored)
		snprintf(rel, sizeof(rel), "ok: %s", detail);
	else
		snprintf(rel, sizeof(rel), "failed: %s; the old port stays isolated (%s): restore it "
		    "by hand", detail, o->from.detail);
	audit[0] = (struct registry_audit_entry){ "follow", "isolate", reason, iso };
	audit[1] = (struct registry_audit_entry){ "follow", "release", reason, rel };
	/* The host is isolated on the new port now: that is what the record says. */
	h->loc = o->to;
	h->loc.host.ip = h->ip;
	h->has_move = false;
	snprintf(h->point, sizeof(h->point), "%s", c->points[o->to_point]->name);
	h->updated = loop_now();
	if (registry_put_audited(c->reg, h, loop_now(), audit, 2) != 0)
		log_warnx("ALERT: follow: %s is isolated on %s but the state database cannot record it "
		    "(%s): the record still names %s, the move noted", ipt, b, registry_error(c->reg), a);
	else
		core_audit_written(c);
	c->fst.moves++;
	if (!restored)
		c->fst.check_failures++;
	log_warnx("ALERT: quarantined host %s (MAC %s) moved from %s to %s: isolated on %s; %s", ipt,
	    mac, a, b, o->to.port[0] ? o->to.port : o->to.point, restored ? detail : rel);
	op_done(o);
}

static void
on_released(void *arg, const struct enf_result *res)
{
	struct op *o = arg;
	struct cordon *c = o->c;
	struct host_rec h;
	char ipt[64], b[160], msg[ENF_DETAIL_LEN * 2 + 32];

	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return;
	}
	enforcer_point_result(c, o->point, o, res);
	if (still_there(c, o, &h) != 0) {
		c->fst.check_failures++;
		log_warnx("ALERT: follow: %s: its record changed while it moved to %s (%s): "
		    "see the host's state", ip_to_str(&o->ip, ipt, sizeof(ipt)),
		    where(&o->to, b, sizeof(b)), o->to.detail);
		op_done(o);
		return;
	}
	if (res->status == ENF_OK)
		snprintf(msg, sizeof(msg), "%s", res->loc.detail[0] ? res->loc.detail : "the old port restored");
	else
		snprintf(msg, sizeof(msg), "(%s) %s", enf_status_name(res->status), res->message);
	record_move(o, &h, res->status == ENF_OK, msg);
}

static void
settle_retry_fire(void *arg)
{
	/* A new leader settles what was left when it takes the lead. */
	if (cordon_leading(arg))
		cordon_follow_resume(arg);
}

/*
 * A move could not be settled (its new port unreadable): both ports stay
 * isolated, and the settling is tried again after the policy's retry delay,
 * doubling up to retry_max, whether or not a periodic check or a
 * notification comes (follow.interval may be 0). Returns the delay.
 */
static double
settle_later(struct cordon *c)
{
	if (c->settle_retry == NULL &&
	    (c->settle_retry = loop_timer_new(c->loop, settle_retry_fire, c)) == NULL)
		return 0;
	c->settle_delay_s = c->settle_delay_s > 0 ? c->settle_delay_s * 2 : c->conf.retry_initial_s;
	if (c->settle_delay_s > c->conf.retry_max_s)
		c->settle_delay_s = c->conf.retry_max_s;
	loop_timer_arm(c->settle_retry, c->settle_delay_s);
	return c->settle_delay_s;
}

/* What the port of an unsettled move has now (check_host). */
static void
on_move_checked(void *arg, const struct enf_result *res)
{
	struct op *o = arg;
	struct cordon *c = o->c;
	struct host_rec h;
	char ipt[64], a[160], b[160], reason[400], msg[ENF_DETAIL_LEN + 64];

	if (enforcer_op_stale(o)) {
		enforcer_op_end(o);
		return;
	}
	enforcer_point_result(c, o->point, o, res);
	ip_to_str(&o->ip, ipt, sizeof(ipt));
	where(&o->from, a, sizeof(a));
	where(&o->to, b, sizeof(b));
	if (still_there(c, o, &h) != 0 || !h.has_move) {
		op_done(o);
		return;
	}
	snprintf(reason, sizeof(reason), "moved from %s to %s; settling the move", a, b);
	if (res->status == ENF_OK) {
		/* The new port was isolated before the stop: finish the move. */
		c->settle_delay_s = 0;
		log_notice("follow: %s: %s is isolated as the unsettled move left it; restoring %s",
		    ipt, b, a);
		snprintf(msg, sizeof(msg), "found applied: %s", o->to.detail);
		cordon_audit(c, "follow", "isolate", &o->ip, reason, msg);
		release_old(o);
		return;
	}
	if (res->status == ENF_MISMATCH || res->status == ENF_NOT_FOUND) {
		/* Not applied there: nothing to undo; look for the host afresh.
		 * The old port was not checked at start either (reconcile leaves
		 * an unsettled move to this): the enforcer's next tick checks it,
		 * and puts the isolation back if the switch lost it. */
		h.has_move = false;
		h.next_retry = loop_now();
		h.updated = loop_now();
		c->settle_delay_s = 0;
		if (registry_put(c->reg, &h) != 0) {
			c->fst.check_failures++;
			log_warnx("follow: %s: cannot record that the move to %s was not applied: %s", ipt,
			    b, registry_error(c->reg));
			op_done(o);
			return;
		}
		snprintf(msg, sizeof(msg), "not applied (%s): %s", enf_status_name(res->status),
		    res->message);
		cordon_audit(c, "follow", "isolate", &o->ip, reason, msg);
		log_info("follow: %s: the unsettled move to %s was not applied; looking again", ipt, b);
		locate_next(o);
		return;
	}
	c->fst.unknown++;
	c->fst.check_failures++;
	{
		double later = settle_later(c);
		log_warnx("follow: %s: cannot read %s to settle its move (%s): %s; %s stays isolated, "
		    "tried again in %.0f s (or at the next check)", ipt, b, enf_status_name(res->status),
		    res->message, a, later);
	}
	op_done(o);
}

void
cordon_follow_resume(struct cordon *c)
{
	struct hosts k;
	size_t j;

	if (quarantined(c, &k) != 0)
		return;
	for (j = 0; j < k.n; j++)
		if (k.v[j].has_move)
			push(c, k.v[j].loc.point, k.v[j].loc.bridge_port);
	free(k.v);
}

int
cordon_follow_settle(struct cordon *c, const struct host_rec *h, char *why, size_t whylen)
{
	if (!h->has_loc || h->state != HS_QUARANTINED) {
		snprintf(why, whylen, "only a quarantined host's move is settled (this one is %s)",
		    host_state_name(h->state));
		return -1;
	}
	if (enforcer_point_named(c, h->move.point) < 0) {
		snprintf(why, whylen, "the point of the move, '%s', is no longer configured", h->move.point);
		return -1;
	}
	if (!h->has_mac) {
		snprintf(why, whylen, "its MAC is not known");
		return -1;
	}
	if (push(c, h->loc.point, h->loc.bridge_port) != 0) {
		snprintf(why, whylen, "the follow queue is full or out of memory");
		return -1;
	}
	return 0;
}

/* ---- draining the queue ----------------------------------------------------- */

static void
run_end(struct cordon *c)
{
	free(c->run.hosts);
	memset(&c->run, 0, sizeof(c->run));
}

/* Collects the quarantined hosts recorded at the item's port (or point). */
static int
run_begin(struct cordon *c, const struct follow_item *it)
{
	struct hosts k;
	size_t j;

	if (quarantined(c, &k) != 0)
		return -1;
	run_end(c);
	c->run.hosts = calloc(k.n ? k.n : 1, sizeof(*c->run.hosts));
	if (c->run.hosts == NULL) {
		free(k.v);
		return -1;
	}
	for (j = 0; j < k.n; j++)
		if (strcmp(k.v[j].loc.point, it->point) == 0 &&
		    (it->bridge_port == 0 || k.v[j].loc.bridge_port == it->bridge_port))
			c->run.hosts[c->run.n++] = k.v[j].ip;
	free(k.v);
	c->run.item = *it;
	c->run.active = true;
	return 0;
}

static void
drain(void *arg)
{
	struct cordon *c = arg;
	struct follow_item it;

	/* A follower re-checks nothing: the leader does, from the same records. */
	if (c->stopping || c->run.in_op || !cordon_leading(c))
		return;
	for (;;) {
		while (c->run.active && c->run.next < c->run.n) {
			struct ip_addr ip = c->run.hosts[c->run.next++];
			struct host_rec h;
			if (registry_get(c->reg, &ip, &h) != 1 || h.state != HS_QUARANTINED ||
			    !h.has_loc || enforcer_busy(c, &ip))
				continue;   /* released or busy meanwhile: its own operation decides */
			if (check_host(c, &h) == 0)
				return;     /* the operation's end kicks the next */
		}
		run_end(c);
		if (c->fq == NULL || !follow_queue_pop(c->fq, &it))
			return;
		if (run_begin(c, &it) != 0)
			return;     /* logged; the periodic check asks again */
	}
}
