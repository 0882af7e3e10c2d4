/* SPDX-License-Identifier: ISC */
/*
 * cordon_priv: the daemon context shared by daemon.c, enforcer.c and ctl.c.
 * Nothing outside the controller library includes this.
 */
#ifndef CORDON_CORDON_PRIV_H
#define CORDON_CORDON_PRIV_H

#include "cordon.h"

struct waiter {
	struct ip_addr ip;
	cordon_done_fn fn;
	void *arg;               /* borrowed: the caller's */
	struct waiter *next;
};

struct subscriber {
	cordon_audit_fn fn;
	void *arg;               /* borrowed */
	struct subscriber *next;
};

enum op_kind { OP_ISOLATE, OP_RELEASE, OP_CHECK };

/* An enforcement operation in flight, the backend's callback argument. */
struct op {
	struct cordon *c;
	enum op_kind kind;
	struct ip_addr ip;
	size_t point;            /* index into c->points */
	double started;
	struct op *next;
};

struct cordon {
	struct cordon_conf conf;
	struct loop *loop;                        /* owned */
	struct registry *reg;                     /* owned */
	struct enf_point *points[CONF_MAX_POINTS]; /* owned */
	struct point_stats pstats[CONF_MAX_POINTS];
	size_t npoints;
	struct rate_cap cap;
	struct ip_addr *pending;                  /* owned: FIFO of rate-limited hosts */
	size_t npending, pending_cap;
	struct op *ops;                           /* owned list */
	struct waiter *waiters;                   /* owned list */
	struct subscriber *subs;                  /* owned list */
	struct loop_timer *tick;                  /* owned */
	struct http_server *http;                 /* owned (http_stop); NULL when off */
	struct verify_entry *verifies;            /* owned list: verification runs, verify.c */
	struct local_sensor *locals;              /* owned list: in-process sensors, daemon.c */
	struct seen_host *seen;                   /* owned: asset reports waiting for the next tick */
	size_t nseen;
	struct cordon_stats st;
	bool stopping;                            /* cordon_free under way: callbacks write nothing */
};

/* enforcer.c */
int enforcer_begin_isolation(struct cordon *c, struct host_rec *h,
    const char *actor, const char *reason);
int enforcer_begin_release(struct cordon *c, struct host_rec *h,
    const char *actor, const char *reason);
void enforcer_tick(struct cordon *c);
void enforcer_reconcile(struct cordon *c);
bool enforcer_busy(const struct cordon *c, const struct ip_addr *ip);
int enforcer_point_index(const struct cordon *c, const struct ip_addr *ip);
void enforcer_pending_push(struct cordon *c, const struct ip_addr *ip);
void enforcer_notify(struct cordon *c, const struct ip_addr *ip, bool ok,
    const struct host_rec *h, const char *msg);
void enforcer_add_waiter(struct cordon *c, const struct ip_addr *ip,
    cordon_done_fn fn, void *arg);

/* verify.c: runs the configured verification commands for isolated hosts */
void verify_tick(struct cordon *c);
void verify_free(struct cordon *c);

/* ctl.c */
int ctl_start(struct cordon *c, char *err, size_t errlen);

#endif
