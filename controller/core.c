/* SPDX-License-Identifier: ISC */
/*
 * core: the controller's shared state (struct cordon, cordon_priv.h): its
 * making and freeing with the enforcement points, the accessors the front
 * ends read, and the audit log with its subscribers. The bottom of the
 * controller's own modules: it calls none of them (see cordon_priv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_priv.h"
#include "failpoint.h"
#include "log.h"
#include "outbox.h"

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

bool
cordon_op_running(const struct cordon *c, const struct ip_addr *ip)
{
	const struct op *o;

	for (o = c->ops; o; o = o->next)
		if (memcmp(&o->ip, ip, sizeof(*ip)) == 0)
			return true;
	return false;
}

int
host_list_add(void *arg, const struct host_rec *h)
{
	struct host_list *k = arg;

	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 64;
		struct host_rec *nv = realloc(k->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		k->v = nv;
		k->cap = ncap;
	}
	k->v[k->n++] = *h;
	return 0;
}

/* ---- the circuit breaker's lasting state ---------------------------------- */

/* Stored as "TRIPPED SINCE REASON" under the key "breaker". */
int
core_breaker_store(struct cordon *c)
{
	char v[320];

	snprintf(v, sizeof(v), "%d %.3f %s", c->breaker.tripped ? 1 : 0, c->breaker.since,
	    c->breaker.reason);
	if (registry_meta_put(c->reg, "breaker", v) != 0) {
		log_warnx("cannot store the circuit breaker's state: %s", registry_error(c->reg));
		return -1;
	}
	return 0;
}

static int
breaker_load(struct cordon *c, char *err, size_t errlen)
{
	char v[320];
	int tripped, n = 0;
	double since;
	int rc = registry_meta_get(c->reg, "breaker", v, sizeof(v));

	if (rc < 0) {
		snprintf(err, errlen, "state database %s: %s", c->conf.state_backend == CONF_STATE_POSTGRESQL ?
		    "(PostgreSQL)" : c->conf.state_path, registry_error(c->reg));
		return -1;
	}
	if (rc == 0)
		return 0;
	if (sscanf(v, "%d %lf %n", &tripped, &since, &n) != 2 || n == 0 ||
	    (tripped != 0 && tripped != 1)) {
		snprintf(err, errlen, "state database %s: the circuit breaker's stored state '%.64s'"
		    " is not understood", c->conf.state_backend == CONF_STATE_POSTGRESQL ?
		    "(PostgreSQL)" : c->conf.state_path, v);
		return -1;
	}
	c->breaker.tripped = tripped == 1;
	c->breaker.since = since;
	snprintf(c->breaker.reason, sizeof(c->breaker.reason), "%s", v + n);
	if (c->breaker.tripped)
		log_warnx("ALERT: the circuit breaker is tripped (since %.0f: %s): no isolation starts"
		    " on its own until `cordonctl breaker reset`", since, c->breaker.reason);
	return 0;
}

static int
count_held(void *arg, const struct host_rec *h)
{
	if (strcmp(h->hold, HOLD_BREAKER) == 0)
		(*(uint64_t *)arg)++;
	return 0;
}

int
cordon_breaker_state(struct cordon *c, struct cordon_breaker *out)
{
	*out = c->breaker;
	out->held = 0;
	return registry_foreach(c->reg, HS_SUSPECTED, count_held, &out->held);
}


void
cordon_input_rejected(struct cordon *c, bool oversize)
{
	c->st.bad_lines++;
	if (oversize)
		c->st.oversize_lines++;
}

void
cordon_conn_refused(struct cordon *c)
{
	c->st.conns_refused++;
}

static void history_note(struct cordon *c, bool isolation);

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
	if (registry_audit(c->reg, loop_now(), actor, action, host, reason, result) != 0) {
		log_warnx("ALERT: cannot write the audit log: %s", registry_error(c->reg));
		return;
	}
	if (strcmp(action, "isolate") == 0 && result != NULL && strcmp(result, "started") == 0)
		history_note(c, true);
	core_audit_written(c);
}

/* Moves the history to minute `m`: the minutes passed meanwhile count nothing. */
static void
history_advance(struct cordon *c, int64_t m)
{
	int64_t k;

	if (m <= c->history.last)
		return;
	for (k = c->history.last + 1; k <= m && k <= c->history.last + CORDON_HISTORY_MINUTES; k++) {
		c->history.det[k % CORDON_HISTORY_MINUTES] = 0;
		c->history.iso[k % CORDON_HISTORY_MINUTES] = 0;
	}
	c->history.last = m;
}

static void
history_note(struct cordon *c, bool isolation)
{
	int64_t m = (int64_t)(loop_now() / 60);

	history_advance(c, m);
	if (m < c->history.last - (CORDON_HISTORY_MINUTES - 1))
		return;       /* the clock went back more than the window */
	if (isolation)
		c->history.iso[m % CORDON_HISTORY_MINUTES]++;
	else
		c->history.det[m % CORDON_HISTORY_MINUTES]++;
}

/* At start: the last hour from the state database. */
static void
history_load(struct cordon *c)
{
	int64_t now_m = (int64_t)(loop_now() / 60), first = now_m - (CORDON_HISTORY_MINUTES - 1), k;
	uint32_t det[CORDON_HISTORY_MINUTES], iso[CORDON_HISTORY_MINUTES];

	c->history.last = now_m;
	if (registry_histogram(c->reg, (double)first * 60, 60, CORDON_HISTORY_MINUTES, det, iso) != 0) {
		log_warnx("the last hour's detections and isolations could not be read (%s): the chart "
		    "starts empty", registry_error(c->reg));
		return;
	}
	for (k = 0; k < CORDON_HISTORY_MINUTES; k++) {
		c->history.det[(first + k) % CORDON_HISTORY_MINUTES] = det[k];
		c->history.iso[(first + k) % CORDON_HISTORY_MINUTES] = iso[k];
	}
}

void
core_reload(struct cordon *c)
{
	char err[512];

	if (breaker_load(c, err, sizeof(err)) != 0)
		log_warnx("%s", err);
	history_load(c);
}

bool
cordon_leading(const struct cordon *c)
{
	return !registry_shared(c->reg) || (c->lead.leading && registry_leading(c->reg));
}

void
cordon_who_leads(struct cordon *c, char *buf, size_t len)
{
	char name[64];
	int64_t term;
	double since;
	int rc = registry_leader(c->reg, name, sizeof(name), &term, &since);

	if (rc == 1)
		snprintf(buf, len, "not the leader: %s leads (term %lld); ask it", name, (long long)term);
	else
		snprintf(buf, len, "not the leader: no controller leads now (%s)",
		    rc < 0 ? registry_error(c->reg) : "none has yet");
}

void
cordon_leadership(struct cordon *c, struct cordon_lead_info *out)
{
	memset(out, 0, sizeof(*out));
	out->shared = registry_shared(c->reg);
	out->leading = cordon_leading(c);
	out->ignored = c->lead.ignored;
	if (!out->shared) {
		snprintf(out->leader, sizeof(out->leader), "%s", c->conf.state_name);
		return;
	}
	if (registry_leader(c->reg, out->leader, sizeof(out->leader), &out->term, &out->since) != 1)
		out->leader[0] = '\0';
}

void
cordon_history(struct cordon *c, double now, double *since,
    uint32_t det[CORDON_HISTORY_MINUTES], uint32_t iso[CORDON_HISTORY_MINUTES])
{
	int64_t m = (int64_t)(now / 60), first = m - (CORDON_HISTORY_MINUTES - 1), k;

	history_advance(c, m);
	*since = (double)first * 60;
	for (k = 0; k < CORDON_HISTORY_MINUTES; k++) {
		int64_t b = first + k;
		bool known = b > c->history.last - CORDON_HISTORY_MINUTES && b <= c->history.last;
		det[k] = known ? c->history.det[b % CORDON_HISTORY_MINUTES] : 0;
		iso[k] = known ? c->history.iso[b % CORDON_HISTORY_MINUTES] : 0;
	}
}

void
core_sensor_heard(struct cordon *c, const char *name, bool detection)
{
	struct cordon_sensor *s = NULL;
	double now = loop_now();
	size_t i;

	for (i = 0; i < c->nsensors && s == NULL; i++)
		if (strcmp(c->sensors[i].name, name) == 0)
			s = &c->sensors[i];
	if (s == NULL) {
		if (c->nsensors == CORDON_MAX_SENSORS) {
			c->sensors_unlisted++;
			return;
		}
		s = &c->sensors[c->nsensors++];
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->first_heard = now;
	}
	s->last_heard = now;
	if (detection)
		s->detections++;
	else
		s->reports++;
}

size_t
cordon_sensors(const struct cordon *c, const struct cordon_sensor **out, uint64_t *unlisted)
{
	*out = c->sensors;
	*unlisted = c->sensors_unlisted;
	return c->nsensors;
}

static void
tell_detections(void *arg)
{
	struct cordon *c = arg;

	c->detections_due = false;
	core_audit_written(c);
}

void
core_detection_stored(struct cordon *c)
{
	history_note(c, false);
	if (c->detections_due || c->stopping)
		return;
	if (c->detections_told == NULL &&
	    (c->detections_told = loop_timer_new(c->loop, tell_detections, c)) == NULL)
		return;    /* out of memory: the next audit entry tells */
	c->detections_due = true;
	loop_timer_arm(c->detections_told, DETECTIONS_TELL_S);
}

void
core_audit_written(struct cordon *c)
{
	struct subscriber *s, *next;

	for (s = c->subs; s; s = next) {
		next = s->next;
		s->fn(s->arg, 0);
	}
}


/* ---- lifecycle -------------------------------------------------------------- */

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
		{
			/* Its actions wait for the commit of what announces them. */
			struct enf_point *w = outbox_wrap(c->outbox, c->points[i]);
			if (w == NULL) {
				enf_destroy(c->points[i]);
				c->points[i] = NULL;
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->points[i] = w;
		}
		c->npoints++;
	}
	return 0;
}

/* A crash test's kill lands after what was decided is on disk, as before
 * group commit: the step's record is there, its action is not taken. */
static void
commit_before_kill(void *arg)
{
	struct cordon *c = arg;

	if (registry_commit(c->reg) != 0)
		log_warnx("failpoint: cannot commit: %s", registry_error(c->reg));
}

/* The networks' routers (IP -> MAC), through the factory cordond registers. */
static int
make_routers(struct cordon *c, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < c->conf.nnetworks; i++) {
		const struct conf_network *n = &c->conf.networks[i];
		router_factory f = router_find();
		char why[512];
		if (n->nrouter == 0)
			continue;
		if (f == NULL) {
			snprintf(err, errlen, "%s:%d: network '%s': no router backend in this program",
			    c->conf.path, n->router_line, n->name);
			return -1;
		}
		c->routers[i] = f(n, c->loop, why, sizeof(why));
		if (c->routers[i] == NULL) {
			snprintf(err, errlen, "%s:%d: network '%s'.router: %s", c->conf.path,
			    n->router_line, n->name, why);
			return -1;
		}
	}
	return 0;
}

struct cordon *
cordon_new(const struct cordon_conf *conf, struct loop *loop, char *err, size_t errlen)
{
	struct cordon *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->conf = *conf;
	c->loop = loop;
	c->st.started = loop_now();
	if (rate_cap_init(&c->cap, conf->max_per_minute) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (conf->state_backend == CONF_STATE_POSTGRESQL)
		c->reg = registry_open(REGISTRY_POSTGRESQL, conf->state_conninfo, err, errlen);
	else
		c->reg = registry_open(REGISTRY_SQLITE, conf->state_path, err, errlen);
	/* libpq keeps what it needs to connect again; no other copy stays. */
	explicit_bzero(c->conf.state_conninfo, sizeof(c->conf.state_conninfo));
	if (c->reg == NULL)
		goto fail;
	history_load(c);
	c->outbox = outbox_new(loop, c->reg);
	if (c->outbox == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	failpoint_before_kill(commit_before_kill, c);
	if (breaker_load(c, err, errlen) != 0)
		goto fail;
	if (make_points(c, err, errlen) != 0 || make_routers(c, err, errlen) != 0)
		goto fail;
	conf_wipe_point_settings(&c->conf);
	conf_wipe_follow_secrets(&c->conf);   /* the daemon's listener holds its own */
	return c;
fail:
	cordon_free(c);
	return NULL;
}

void
cordon_free(struct cordon *c)
{
	size_t i;

	if (c == NULL)
		return;
	/*
	 * Destroying a point completes its pending operations through their
	 * callbacks: they must find their op and see that the daemon is
	 * stopping, so that they write nothing (the interrupted step is
	 * resumed from the registry at the next start).
	 */
	c->stopping = true;
	for (i = 0; i < c->npoints; i++)
		enf_destroy(c->points[i]);
	/* A router drops its waiting lookups without calling back: freed here. */
	for (i = 0; i < CONF_MAX_NETWORKS; i++)
		snmprt_free(c->routers[i]);
	while (c->lookups) {
		struct ident_lookup *l = c->lookups;
		c->lookups = l->next;
		free(l->arg);
		free(l);
	}
	backends_shutdown();
	failpoint_before_kill(NULL, NULL);
	/* Commits what was decided; actions still queued are not taken (the
	 * records say what the next start resumes). */
	outbox_free(c->outbox);
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
	while (c->deferred) {
		struct deferred_release *d = c->deferred;
		c->deferred = d->next;
		free(d);
	}
	loop_timer_free(c->deferred_kick);
	loop_timer_free(c->detections_told);
	loop_timer_free(c->follow_kick);
	loop_timer_free(c->settle_retry);
	loop_timer_free(c->lead.take);
	follow_queue_free(c->fq);
	free(c->run.hosts);
	registry_close(c->reg);
	rate_cap_free(&c->cap);
	free(c->seen);
	free(c->seen_src);
	conf_wipe_point_settings(&c->conf);   /* still set if the points were never made */
	conf_wipe_follow_secrets(&c->conf);
	free(c);
}
