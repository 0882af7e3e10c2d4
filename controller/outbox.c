/* SPDX-License-Identifier: ISC */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"

enum action { ACT_LOCATE, ACT_ISOLATE, ACT_RELEASE, ACT_CHECK };

/* An action waiting for the commit of what announces it. */
struct queued {
	enum action what;
	struct enf_point *real;      /* borrowed: the wrapped point */
	struct enf_host host;        /* ACT_LOCATE */
	struct enf_location loc;     /* the others */
	enf_done_fn cb;
	void *arg;                   /* the caller's */
	struct queued *next;
};

struct outbox {
	struct loop *loop;           /* borrowed */
	struct registry *reg;        /* borrowed */
	struct loop_timer *timer;    /* owned: the flush, after the running callback */
	struct queued *head, **tail; /* owned, in order */
	bool flushing;
	bool armed;                  /* the timer waits OUTBOX_GATHER_S */
};

/*
 * How long a group gathers writes before its commit: what arrives
 * meanwhile (the rest of a sensor's burst, the next steps of the
 * isolations already under way) shares its one sync. An action waits for
 * its commit anyway; this adds at most that much to it.
 */
#define OUTBOX_GATHER_S 0.002

/* The point put in front of a real one. */
struct wrapped {
	struct enf_point pub;        /* what the daemon holds; first: enf_destroy frees it */
	struct enf_ops ops;          /* real's, with the actions queued */
	struct enf_point *real;      /* owned */
	struct outbox *ob;           /* borrowed */
};

static void
schedule(struct outbox *ob)
{
	if (!ob->flushing && !ob->armed) {
		ob->armed = true;
		loop_timer_arm(ob->timer, OUTBOX_GATHER_S);
	}
}

static void
group_opened(void *arg)
{
	schedule(arg);
}

static void
flush_cb(void *arg)
{
	struct outbox *ob = arg;

	ob->armed = false;
	outbox_flush(ob);
}

struct outbox *
outbox_new(struct loop *l, struct registry *reg)
{
	struct outbox *ob = calloc(1, sizeof(*ob));

	if (ob == NULL)
		return NULL;
	ob->loop = l;
	ob->reg = reg;
	ob->tail = &ob->head;
	ob->timer = loop_timer_new(l, flush_cb, ob);
	if (ob->timer == NULL) {
		free(ob);
		return NULL;
	}
	registry_group(reg, group_opened, ob);
	return ob;
}

static void
push(struct wrapped *w, struct queued *q)
{
	struct outbox *ob = w->ob;

	q->real = w->real;
	q->next = NULL;
	*ob->tail = q;
	ob->tail = &q->next;
	schedule(ob);
}

static struct queued *
queued_new(enum action what, enf_done_fn cb, void *arg)
{
	struct queued *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->what = what;
	q->cb = cb;
	q->arg = arg;
	return q;
}

/* Out of memory: the action ends at once, with an error, untaken. */
static void
fail_now(enf_done_fn cb, void *arg, const struct enf_location *loc)
{
	struct enf_result res;

	memset(&res, 0, sizeof(res));
	if (loc != NULL)
		res.loc = *loc;
	res.status = ENF_ERROR;
	snprintf(res.message, sizeof(res.message), "out of memory: nothing was done");
	cb(arg, &res);
}

static void
w_locate(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg)
{
	struct wrapped *w = (struct wrapped *)p;
	struct queued *q = queued_new(ACT_LOCATE, cb, arg);

	if (q == NULL) {
		fail_now(cb, arg, NULL);
		return;
	}
	q->host = *h;
	push(w, q);
}

static void
queue_loc(struct enf_point *p, enum action what, const struct enf_location *l,
    enf_done_fn cb, void *arg)
{
	struct wrapped *w = (struct wrapped *)p;
	struct queued *q = queued_new(what, cb, arg);

	if (q == NULL) {
		fail_now(cb, arg, l);
		return;
	}
	q->loc = *l;
	push(w, q);
}

static void
w_isolate(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	queue_loc(p, ACT_ISOLATE, l, cb, arg);
}

static void
w_release(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	queue_loc(p, ACT_RELEASE, l, cb, arg);
}

static void
w_check(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	queue_loc(p, ACT_CHECK, l, cb, arg);
}

static int
w_reconcile(struct enf_point *p, const struct enf_location *isolated, size_t n,
    void (*report)(void *arg, const char *message), void *arg, char *err, size_t errlen)
{
	struct wrapped *w = (struct wrapped *)p;

	return w->real->ops->reconcile(w->real, isolated, n, report, arg, err, errlen);
}

/* Drops what waits for `real` (it is going away), without callbacks. */
static void
drop_queued(struct outbox *ob, const struct enf_point *real)
{
	struct queued **pp = &ob->head;

	while (*pp) {
		struct queued *q = *pp;
		if (q->real == real) {
			*pp = q->next;
			free(q);
		} else {
			pp = &q->next;
		}
	}
	/* The tail pointer is recomputed: the last element may have gone. */
	ob->tail = &ob->head;
	while (*ob->tail)
		ob->tail = &(*ob->tail)->next;
}

static void
w_destroy(struct enf_point *p)
{
	struct wrapped *w = (struct wrapped *)p;

	drop_queued(w->ob, w->real);
	enf_destroy(w->real);
	/* w itself is freed by enf_destroy, which called this (pub comes first). */
}

struct enf_point *
outbox_wrap(struct outbox *ob, struct enf_point *real)
{
	struct wrapped *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->ops = *real->ops;
	w->ops.locate = w_locate;
	w->ops.isolate = w_isolate;
	w->ops.release = w_release;
	w->ops.check = w_check;
	if (real->ops->reconcile != NULL)
		w->ops.reconcile = w_reconcile;
	w->ops.destroy = w_destroy;
	w->pub.ops = &w->ops;
	snprintf(w->pub.name, sizeof(w->pub.name), "%s", real->name);
	w->pub.impl = NULL;
	w->real = real;
	w->ob = ob;
	return &w->pub;
}

static const char *
action_verb(enum action a)
{
	switch (a) {
	case ACT_LOCATE:
	case ACT_ISOLATE: return "isolate";
	case ACT_RELEASE: return "release";
	default: return "check";
	}
}

static void
run(struct queued *q)
{
	switch (q->what) {
	case ACT_LOCATE:
		enf_locate(q->real, &q->host, q->cb, q->arg);
		break;
	case ACT_ISOLATE:
		enf_isolate(q->real, &q->loc, q->cb, q->arg);
		break;
	case ACT_RELEASE:
		enf_release(q->real, &q->loc, q->cb, q->arg);
		break;
	case ACT_CHECK:
		enf_check(q->real, &q->loc, q->cb, q->arg);
		break;
	}
}

/* The group could not be committed: nothing it announced may be done. */
static void
refuse(struct queued *q, const char *why)
{
	struct enf_result res;
	char ipt[64];
	const struct ip_addr *ip = q->what == ACT_LOCATE ? &q->host.ip : &q->loc.host.ip;

	log_warnx("refusing to %s %s: the state database cannot record it (%s)", action_verb(q->what),
	    ip_to_str(ip, ipt, sizeof(ipt)), why);
	memset(&res, 0, sizeof(res));
	if (q->what != ACT_LOCATE)
		res.loc = q->loc;
	res.status = ENF_ERROR;
	snprintf(res.message, sizeof(res.message), "the state database cannot record it (%s): "
	    "nothing was done", why);
	q->cb(q->arg, &res);
}

/*
 * Rounds: commit, then run what waited for it. Actions that answer at once
 * write the next step and queue the next action, hence another round. A
 * bounded number per call; what is left goes to the next turn of the loop.
 */
#define FLUSH_ROUNDS 64

void
outbox_flush(struct outbox *ob)
{
	int round;

	if (ob->flushing)
		return;
	ob->flushing = true;
	for (round = 0; round < FLUSH_ROUNDS; round++) {
		struct queued *list;
		bool failed = false;
		char why[512] = "";

		if (registry_in_group(ob->reg) && registry_commit(ob->reg) != 0) {
			failed = true;
			snprintf(why, sizeof(why), "%s", registry_error(ob->reg));
			log_warnx("ALERT: the state database could not commit the last changes (%s): "
			    "they are undone, and the actions waiting for them are not taken", why);
		} else if (!registry_leading(ob->reg)) {
			/* Committed before the lead was lost, or not: another
			 * controller acts now, from the records. */
			failed = true;
			snprintf(why, sizeof(why), "this controller no longer leads");
		}
		if (ob->head == NULL)
			break;
		list = ob->head;
		ob->head = NULL;
		ob->tail = &ob->head;
		while (list) {
			struct queued *q = list;
			list = q->next;
			if (failed)
				refuse(q, why);
			else
				run(q);
			free(q);
		}
	}
	ob->flushing = false;
	if (ob->head != NULL || registry_in_group(ob->reg))
		loop_timer_fire(ob->timer);
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	registry_group(ob->reg, NULL, NULL);
	if (registry_in_group(ob->reg) && registry_commit(ob->reg) != 0)
		log_warnx("ALERT: the state database could not commit the last changes: %s",
		    registry_error(ob->reg));
	while (ob->head) {
		struct queued *q = ob->head;
		ob->head = q->next;
		free(q);
	}
	loop_timer_free(ob->timer);
	free(ob);
}
