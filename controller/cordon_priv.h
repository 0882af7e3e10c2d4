/* SPDX-License-Identifier: ISC */
/*
 * cordon_priv: the core's state, shared by core.c, enforcer.c and actions.c
 * only. Everything else in the controller sees struct cordon through cordon.h.
 *
 * The controller's modules form a line: each calls only modules to its right.
 *
 *   daemon -> ctl, http, verify -> actions -> enforcer -> core
 *          -> policy, registry, backends (the enforcement points), loop, log
 *
 *   daemon    cordond's lifecycle: the loop, sensor input, the tick; starts
 *             the front ends and owns everything (daemon.c, daemon.h)
 *   ctl, http the control socket and the HTTP API; verify: release by
 *             verification. Front ends: they act and read through cordon.h
 *   actions   detections (the policy step), asset reports, the operator's
 *             quarantine/release/approve (actions.c)
 *   enforcer  the host state machine and its enforcement operations
 *   core      struct cordon: making and freeing it with its points, the
 *             accessors, the audit log and its subscribers (core.c)
 *
 * A lower module never calls up: what it must tell the front ends goes
 * through callbacks they register (cordon_done_fn for an operation's end,
 * cordon_audit_fn for new audit entries).
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
	struct loop *loop;                        /* borrowed: the daemon's */
	struct registry *reg;                     /* owned */
	struct enf_point *points[CONF_MAX_POINTS]; /* owned */
	struct point_stats pstats[CONF_MAX_POINTS];
	size_t npoints;
	struct rate_cap cap;
	struct cordon_breaker breaker;            /* held counted on demand, not kept */
	struct op *ops;                           /* owned list */
	struct waiter *waiters;                   /* owned list */
	struct subscriber *subs;                  /* owned list */
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
bool enforcer_busy(const struct cordon *c, const struct ip_addr *ip);
int enforcer_point_index(const struct cordon *c, const struct ip_addr *ip);
void enforcer_notify(struct cordon *c, const struct ip_addr *ip, bool ok,
    const struct host_rec *h, const char *msg);
void enforcer_add_waiter(struct cordon *c, const struct ip_addr *ip,
    cordon_done_fn fn, void *arg);

/* core.c */
/* Hosts copied out of a registry walk (registry_foreach with host_list_add). */
struct host_list {
	struct host_rec *v;  /* owned by the caller (free) */
	size_t n, cap;
};
/* A registry_host_fn: appends *h to the host_list `arg`; -1 when out of memory. */
int host_list_add(void *arg, const struct host_rec *h);
/* Stores the breaker's state; 0, or -1 (logged) on a database error. */
int core_breaker_store(struct cordon *c);

#endif
