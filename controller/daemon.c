/* SPDX-License-Identifier: ISC */
/*
 * daemon: cordond's lifecycle, its sensor inputs and the policy step that
 * turns a detection into a host transition.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/random.h>

#include "capture.h"
#include "cordon_priv.h"
#include "http.h"
#include "detector.h"
#include "log.h"
#include "daemon_user.h"

#define TICK_SECONDS 1.0

/* ---- accessors ------------------------------------------------------------ */

const struct cordon_conf *
cordon_conf(const struct cordon *c)
{
	return &c->conf;
}

struct registry *
cordon_registry(struct cordon *c)
{
	return c->reg;
}

const struct cordon_stats *
cordon_stats(const struct cordon *c)
{
	return &c->st;
}

size_t
cordon_npoints(const struct cordon *c)
{
	return c->npoints;
}

const struct enf_point *
cordon_point(const struct cordon *c, size_t i)
{
	return i < c->npoints ? c->points[i] : NULL;
}

const struct point_stats *
cordon_point_stats(const struct cordon *c, size_t i)
{
	return i < c->npoints ? &c->pstats[i] : NULL;
}

size_t
cordon_pending(const struct cordon *c)
{
	return c->npending;
}

/* ---- audit and its subscribers -------------------------------------------- */

void
cordon_subscribe(struct cordon *c, cordon_audit_fn fn, void *arg)
{
	struct subscriber *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return;
	s->fn = fn;
	s->arg = arg;
	s->next = c->subs;
	c->subs = s;
}

void
cordon_unsubscribe(struct cordon *c, void *arg)
{
	struct subscriber **pp = &c->subs;

	while (*pp) {
		if ((*pp)->arg == arg) {
			struct subscriber *s = *pp;
			*pp = s->next;
			free(s);
		} else {
			pp = &(*pp)->next;
		}
	}
}

void
cordon_audit(struct cordon *c, const char *actor, const char *action,
    const struct ip_addr *host, const char *reason, const char *result)
{
	struct subscriber *s, *next;

	if (registry_audit(c->reg, loop_now(), actor, action, host, reason, result) != 0) {
		log_warnx("ALERT: cannot write the audit log: %s", registry_error(c->reg));
		return;
	}
	for (s = c->subs; s; s = next) {
		next = s->next;
		s->fn(s->arg, 0);
	}
}

/* ---- detections ------------------------------------------------------------- */

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

void
cordon_detection(struct cordon *c, const struct detection *d, const char *json)
{
	struct host_rec h;
	char ipt[64], why[300], reason[400];
	enum policy_action a;
	int rc;
	double now = loop_now();

	c->st.detections++;
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
		h.has_mac = true;
		memcpy(h.mac, d->mac, 6);
	}
	if (registry_event(c->reg, now, &d->src, det_engine_name(d->engine), json) != 0)
		log_warnx("cannot store a detection for %s: %s", ipt, registry_error(c->reg));
	a = policy_decide(&c->conf, &h, d, rate_cap_free_now(&c->cap, now), why, sizeof(why));
	snprintf(reason, sizeof(reason), "%s%s%s: %s", det_engine_name(d->engine),
	    d->signature ? " " : "", d->signature ? d->signature : "", why);
	log_info("detection: %s %s%s%s (probes %u, failures %u, dsts %u) -> %s",
	    ipt, det_engine_name(d->engine), d->signature ? " " : "",
	    d->signature ? d->signature : "", d->probes, d->failures, d->distinct_dsts,
	    policy_action_name(a));
	switch (a) {
	case POLICY_IGNORE:
		if (registry_put(c->reg, &h) != 0)
			log_warnx("cannot record host %s: %s", ipt, registry_error(c->reg));
		break;
	case POLICY_NO_POINT:
		/* Nothing can isolate it (an address outside every point's
		 * prefixes, often a spoofed one): reported once, not retried. */
		log_warnx("cannot isolate %s: %s", ipt, why);
		hold(c, &h, HOLD_NO_POINT, reason, "refused: no enforcement point serves this address");
		break;
	case POLICY_ISOLATE:
	case POLICY_RELAPSE:
		if (enforcer_begin_isolation(c, &h, "policy", reason) != 0)
			log_warnx("ALERT: %s should be isolated (%s) but was not", ipt, reason);
		break;
	case POLICY_REFUSE:
		c->st.refused++;
		log_warnx("refused to isolate %s: %s", ipt, why);
		hold(c, &h, HOLD_PROTECTED, reason, "refused: protected");
		break;
	case POLICY_NOT_ACTING:
		hold(c, &h, HOLD_POLICY, reason, "not acting");
		break;
	case POLICY_DRY_RUN:
		log_notice("dry run: would isolate %s (%s)", ipt, reason);
		hold(c, &h, HOLD_DRY_RUN, reason, "dry run: would isolate");
		break;
	case POLICY_APPROVAL:
		log_notice("%s awaits approval: cordonctl approve %s", ipt, ipt);
		hold(c, &h, HOLD_APPROVAL, reason, "awaiting approval");
		break;
	case POLICY_RATE_LIMITED:
		log_warnx("rate cap: %s queued (%s)", ipt, why);
		hold(c, &h, HOLD_RATE, reason, "queued: rate cap");
		enforcer_pending_push(c, &h.ip);
		break;
	}
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

void
cordon_quarantine(struct cordon *c, const struct ip_addr *ip, const uint8_t *mac,
    const char *actor, const char *reason, cordon_done_fn done, void *arg)
{
	struct host_rec h;
	const struct prefix *p;
	char ipt[64], pbuf[64];
	int rc = registry_get(c->reg, ip, &h);

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
	if (mac != NULL && (!h.has_mac || memcmp(h.mac, mac, 6) != 0) &&
	    !(h.state == HS_FAILED && h.has_loc)) {
		/* The operator knows better than an old report: locate afresh
		 * (a failed isolation's location is kept: see below). */
		h.has_mac = true;
		memcpy(h.mac, mac, 6);
		if (h.state != HS_QUARANTINED && h.state != HS_QUARANTINING)
			h.has_loc = false;
	}
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

	ip_to_str(ip, ipt, sizeof(ipt));
	if (rc <= 0) {
		done_now(done, arg, false, NULL, rc < 0 ? "state database: %s" : "%s is not on record",
		    rc < 0 ? registry_error(c->reg) : ipt);
		return;
	}
	switch (h.state) {
	case HS_QUARANTINED:
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

	ip_to_str(ip, ipt, sizeof(ipt));
	if (rc <= 0 || h.state != HS_SUSPECTED || strcmp(h.hold, HOLD_APPROVAL) != 0) {
		done_now(done, arg, false, rc > 0 ? &h : NULL, "%s is not awaiting approval", ipt);
		return;
	}
	snprintf(reason, sizeof(reason), "approved: %s", h.reason);
	enforcer_add_waiter(c, ip, done, arg);
	if (enforcer_begin_isolation(c, &h, actor, reason) != 0)
		enforcer_notify(c, ip, false, &h, "not started: see the daemon's log");
}

void
cordon_forget_waiter(struct cordon *c, void *arg)
{
	struct waiter **pp = &c->waiters;

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

/* Writes the waiting asset reports in one transaction. */
static void
seen_flush(struct cordon *c)
{
	if (c->nseen == 0)
		return;
	if (registry_seen(c->reg, c->seen, c->nseen) != 0)
		log_warnx("cannot record %zu seen hosts: %s", c->nseen, registry_error(c->reg));
	c->nseen = 0;
}

static void
seen_push(struct cordon *c, const struct seen_host *h)
{
	if (c->seen == NULL) {
		c->seen = calloc(SEEN_BATCH, sizeof(*c->seen));
		if (c->seen == NULL)
			return;
	}
	c->seen[c->nseen++] = *h;
	c->st.seen_reports++;
	if (c->nseen == SEEN_BATCH)
		seen_flush(c);
}

/* ---- sensor input ------------------------------------------------------------ */

static void
sensor_line(void *arg, struct loop_conn *conn, const char *line, size_t len)
{
	struct cordon *c = arg;
	struct detection d;
	char err[256];

	if (len == 0)
		return;
	if (event_line_is_seen(line, len)) {
		struct seen_host h;
		if (seen_from_json(line, len, &h, err, sizeof(err)) != 0) {
			c->st.bad_lines++;
			log_warnx("sensor %s: rejected a seen report: %s", loop_conn_server(conn), err);
			return;
		}
		seen_push(c, &h);
		return;
	}
	if (detection_from_json(line, len, &d, err, sizeof(err)) != 0) {
		c->st.bad_lines++;
		log_warnx("sensor %s: rejected a line: %s", loop_conn_server(conn), err);
		return;
	}
	cordon_detection(c, &d, line);
}

static void
sensor_oversize(void *arg, struct loop_conn *conn)
{
	struct cordon *c = arg;

	c->st.oversize_lines++;
	c->st.bad_lines++;
	log_warnx("sensor %s: rejected a line longer than %u bytes", loop_conn_server(conn),
	    c->conf.max_line);
}

static void
sensor_close(void *arg, struct loop_conn *conn)
{
	(void)arg;
	(void)conn;
}

static const struct loop_conn_ops sensor_ops = { sensor_line, sensor_oversize, sensor_close };

/* ---- sensors on local interfaces (the detectors library in process) ---------- */

#define LOCAL_BATCH 1024

struct local_sensor {
	struct cordon *c;
	struct capture *cap;          /* owned */
	struct detector *det;         /* owned */
	char name[80];                /* "local:IFACE", carried in the stored events */
	int linktype;
	struct local_sensor *next;
};

static void
local_emit(void *arg, const struct detection *d)
{
	struct local_sensor *ls = arg;
	char line[2048];

	if (detection_to_json(d, ls->name, line, sizeof(line)) < 0)
		return;
	line[strcspn(line, "\n")] = '\0';
	cordon_detection(ls->c, d, line);
}

static void
local_seen(void *arg, const struct seen_host *h)
{
	struct local_sensor *ls = arg;

	seen_push(ls->c, h);
}

static void
local_packet(void *arg, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_us, uint64_t index)
{
	struct local_sensor *ls = arg;

	detector_packet(ls->det, ls->linktype, data, caplen, wirelen, ts_us, index);
}

static void
local_readable(void *arg)
{
	struct local_sensor *ls = arg;
	char err[512];

	if (capture_dispatch(ls->cap, LOCAL_BATCH, local_packet, ls, err, sizeof(err)) < 0)
		log_warnx("sensor %s: %s", ls->name, err);
}

static int
local_sensors_start(struct cordon *c, char *err, size_t errlen)
{
	struct det_config det = c->conf.det;
	size_t i;

	if (det.seen_interval_ms == DETCFG_AUTO)
		det.seen_interval_ms = DETCFG_SEEN_INTERVAL_MS;
	if (det.hash_seed == 0 &&
	    getrandom(&det.hash_seed, sizeof(det.hash_seed), 0) != sizeof(det.hash_seed))
		det.hash_seed = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < c->conf.ninterfaces; i++) {
		struct local_sensor *ls = calloc(1, sizeof(*ls));
		char why[512];
		if (ls == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		ls->c = c;
		snprintf(ls->name, sizeof(ls->name), "local:%s", c->conf.interfaces[i]);
		ls->next = c->locals;
		c->locals = ls;
		ls->cap = capture_open_live(c->conf.interfaces[i], why, sizeof(why));
		if (ls->cap == NULL) {
			snprintf(err, errlen, "sensors.interfaces: %s", why);
			return -1;
		}
		ls->linktype = capture_linktype(ls->cap);
		if (!decode_link_supported(ls->linktype)) {
			snprintf(err, errlen, "sensors.interfaces: %s: link type %s is not supported",
			    c->conf.interfaces[i], capture_linktype_name(ls->cap));
			return -1;
		}
		ls->det = detector_new(&det, local_emit, ls);
		if (ls->det == NULL) {
			snprintf(err, errlen, "sensors.interfaces: %s: cannot allocate the detector's tables",
			    c->conf.interfaces[i]);
			return -1;
		}
		detector_set_seen_report(ls->det, local_seen, ls);
		if (loop_watch_fd(c->loop, capture_fd(ls->cap), local_readable, ls) != 0) {
			snprintf(err, errlen, "sensors.interfaces: %s: cannot watch the capture", c->conf.interfaces[i]);
			return -1;
		}
		log_info("sensor on %s (link type %s)", c->conf.interfaces[i], capture_linktype_name(ls->cap));
	}
	return 0;
}

static void
local_sensors_free(struct cordon *c)
{
	while (c->locals) {
		struct local_sensor *ls = c->locals;
		c->locals = ls->next;
		detector_free(ls->det);
		capture_close(ls->cap);
		free(ls);
	}
}

/* ---- lifecycle -------------------------------------------------------------- */

static void
on_tick(void *arg)
{
	struct cordon *c = arg;
	struct local_sensor *ls;

	/* A capture descriptor can stay quiet while packets wait in the ring;
	 * and on a quiet link unanswered first contacts must still fail on time. */
	for (ls = c->locals; ls; ls = ls->next) {
		struct timeval now;
		local_readable(ls);
		gettimeofday(&now, NULL);
		detector_tick(ls->det, (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_usec);
	}
	seen_flush(c);
	enforcer_tick(c);
	loop_timer_arm(c->tick, TICK_SECONDS);
}

static void
on_stop_signal(void *arg, int sig)
{
	struct cordon *c = arg;

	log_info("signal %d: stopping (isolations stay in place)", sig);
	loop_stop(c->loop);
}

static int
make_points(struct cordon *c, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < c->conf.npoints; i++) {
		const struct conf_point *cp = &c->conf.points[i];
		backend_factory f = backend_find(cp->kind);
		char why[512];
		if (f == NULL) {
			snprintf(err, errlen, "%s:%d: enforcement '%s': unknown kind '%s'", c->conf.path,
			    cp->line, cp->name, cp->kind);
			return -1;
		}
		c->points[i] = f(cp, c->loop, why, sizeof(why));
		if (c->points[i] == NULL) {
			snprintf(err, errlen, "%s:%d: enforcement '%s': %s", c->conf.path, cp->line,
			    cp->name, why);
			return -1;
		}
		snprintf(c->points[i]->name, sizeof(c->points[i]->name), "%s", cp->name);
		c->npoints++;
	}
	return 0;
}

static void
cordon_free(struct cordon *c)
{
	size_t i;

	if (c == NULL)
		return;
	/* Its connections are events of the loop: gone before the loop is. */
	http_stop(c);
	/*
	 * Destroying a point completes its pending operations through their
	 * callbacks: they must find their op and see that the daemon is
	 * stopping, so that they write nothing (the interrupted step is
	 * resumed from the registry at the next start).
	 */
	c->stopping = true;
	for (i = 0; i < c->npoints; i++)
		enf_destroy(c->points[i]);
	backends_shutdown();
	while (c->ops) {
		struct op *o = c->ops;
		c->ops = o->next;
		free(o);
	}
	while (c->waiters) {
		struct waiter *w = c->waiters;
		c->waiters = w->next;
		free(w);
	}
	while (c->subs) {
		struct subscriber *s = c->subs;
		c->subs = s->next;
		free(s);
	}
	loop_timer_free(c->tick);
	/* The loop kills running verification commands; their entries go after. */
	loop_free(c->loop);
	verify_free(c);
	local_sensors_free(c);
	registry_close(c->reg);
	rate_cap_free(&c->cap);
	free(c->pending);
	free(c->seen);
	conf_wipe_point_settings(&c->conf);   /* still set if the points were never made */
	free(c);
}

/* Creates every part of the daemon; nothing acts until the loop runs. */
static struct cordon *
cordon_new(const struct cordon_conf *conf, char *err, size_t errlen)
{
	struct cordon *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->conf = *conf;
	c->st.started = loop_now();
	if (rate_cap_init(&c->cap, conf->max_per_minute) != 0 ||
	    (c->loop = loop_new()) == NULL ||
	    (c->tick = loop_timer_new(c->loop, on_tick, c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	{
		char dir[CONF_PATH_LEN];
		char *slash;
		snprintf(dir, sizeof(dir), "%s", conf->state_path);
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		backends_set_state_dir(dir);
	}
	c->reg = registry_open(conf->state_path, err, errlen);
	if (c->reg == NULL)
		goto fail;
	if (make_points(c, err, errlen) != 0)
		goto fail;
	conf_wipe_point_settings(&c->conf);
	for (i = 0; i < conf->nsensor_listen; i++) {
		char why[512];
		if (loop_listen(c->loop, conf->sensor_listen[i], 0660, (gid_t)-1,
			conf->max_line, &sensor_ops, c, why, sizeof(why)) == NULL) {
			snprintf(err, errlen, "sensor listener %s", why);
			goto fail;
		}
	}
	if (ctl_start(c, err, errlen) != 0)
		goto fail;
	if (conf->http_listen[0] && http_start(c, err, errlen) != 0)
		goto fail;
	if (local_sensors_start(c, err, errlen) != 0)
		goto fail;
	loop_on_signal(c->loop, SIGINT, on_stop_signal, c);
	loop_on_signal(c->loop, SIGTERM, on_stop_signal, c);
	return c;
fail:
	cordon_free(c);
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: cordond [-d] [-n] [-v] [-f FILE]\n"
	    "  -f FILE  config file (default %s)\n"
	    "  -n       check the config file and exit (0 valid, 1 not)\n"
	    "  -d       log to stderr even if the config asks for syslog\n"
	    "  -v       verbose logging\n", CONF_DEFAULT_PATH);
}

/* Creates the directory of `path` when missing: 1 if created, 0 if there, -1. */
static int
make_parent_dir(const char *path)
{
	char dir[CONF_PATH_LEN];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) == 0)
		return 1;
	return errno == EEXIST ? 0 : -1;
}

int
cordond_main(int argc, char **argv)
{
	struct cordon_conf *conf;
	struct cordon *c;
	const char *path = CONF_DEFAULT_PATH;
	bool check_only = false, force_stderr = false;
	int state_dir_created;
	int verbose = 0, opt, rc;
	char err[1024];

	while ((opt = getopt(argc, argv, "dnvf:h")) != -1) {
		switch (opt) {
		case 'd': force_stderr = true; break;
		case 'n': check_only = true; break;
		case 'v': verbose++; break;
		case 'f': path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cordond: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		fprintf(stderr, "cordond: out of memory\n");
		return 1;
	}
	if (conf_load(path, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordond: %s\n", err);
		free(conf);
		return 1;
	}
	if (check_only) {
		size_t i;
		for (i = 0; i < conf->npoints; i++) {
			backend_checker check = backend_find_checker(conf->points[i].kind);
			if (backend_find(conf->points[i].kind) == NULL) {
				fprintf(stderr, "cordond: %s:%d: enforcement '%s': unknown kind '%s'\n",
				    path, conf->points[i].line, conf->points[i].name, conf->points[i].kind);
				free(conf);
				return 1;
			}
			/* The backend's own settings, checked without touching the network. */
			if (check != NULL && check(&conf->points[i], err, sizeof(err)) != 0) {
				fprintf(stderr, "cordond: %s:%d: enforcement '%s': %s\n", path,
				    conf->points[i].line, conf->points[i].name, err);
				explicit_bzero(conf, sizeof(*conf));
				free(conf);
				return 1;
			}
		}
		printf("cordond: %s: configuration OK (%zu enforcement points, %zu sensor listeners)\n",
		    path, conf->npoints, conf->nsensor_listen);
		explicit_bzero(conf, sizeof(*conf));
		free(conf);
		return 0;
	}
	log_init("cordond", conf->use_syslog && !force_stderr, verbose);
	signal(SIGPIPE, SIG_IGN);
	state_dir_created = make_parent_dir(conf->state_path);
	if (state_dir_created < 0 || make_parent_dir(conf->control_path) < 0)
		log_warn("cannot create the directory of %s or %s", conf->state_path, conf->control_path);
	c = cordon_new(conf, err, sizeof(err));
	explicit_bzero(conf, sizeof(*conf));   /* the daemon's copy is wiped once its points exist */
	free(conf);
	if (c == NULL)
		fatalx("%s", err);
	if (c->conf.user[0]) {
		char wal[CONF_PATH_LEN + 8], shm[CONF_PATH_LEN + 8], snmpdir[CONF_PATH_LEN + 8];
		const char *paths[5];
		size_t np = 0;
		snprintf(wal, sizeof(wal), "%s-wal", c->conf.state_path);
		snprintf(shm, sizeof(shm), "%s-shm", c->conf.state_path);
		snprintf(snmpdir, sizeof(snmpdir), "%s/snmp", backends_state_dir());
		/* The directory itself only when cordond made it: it may be shared. */
		if (state_dir_created == 1)
			paths[np++] = backends_state_dir();
		paths[np++] = c->conf.state_path;
		paths[np++] = wal;
		paths[np++] = shm;
		paths[np++] = snmpdir;
		if (daemon_become_user(c->conf.uid, c->conf.gid, paths, np, err, sizeof(err)) != 0) {
			char who[sizeof(c->conf.user)];
			snprintf(who, sizeof(who), "%s", c->conf.user);
			cordon_free(c);
			fatalx("cannot drop privileges to %s: %s", who, err);
		}
		log_info("running as %s (uid %ld) with CAP_NET_ADMIN only", c->conf.user,
		    (long)c->conf.uid);
	}
	log_info("started: %zu enforcement points, %zu sensor listeners%s", c->npoints,
	    c->conf.nsensor_listen, c->conf.dry_run ? ", DRY RUN" : "");
	enforcer_reconcile(c);
	loop_timer_arm(c->tick, TICK_SECONDS);
	rc = loop_run(c->loop);
	seen_flush(c);
	log_info("stopped");
	cordon_free(c);
	return rc == 0 ? 0 : 1;
}
