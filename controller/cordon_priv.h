/* SPDX-License-Identifier: ISC */
/*
 * cordon_priv: the core's state, shared by core.c, enforcer.c and actions.c
 * only. Everything else in the controller sees struct cordon through cordon.h.
 *
 * The controller's modules form a line: each calls only modules to its right.
 *
 *   daemon -> ctl, http, verify -> actions, follower -> enforcer -> core
 *          -> policy, registry, backends (the enforcement points), loop, log
 *   actions, enforcer -> ident -> core
 *
 *   daemon    cordond's lifecycle: the loop, sensor input, the tick; starts
 *             the front ends and owns everything (daemon.c, daemon.h)
 *   ctl, http the control socket and the HTTP API; verify: release by
 *             verification. Front ends: they act and read through cordon.h
 *   actions   detections (the policy step), asset reports, the operator's
 *             quarantine/release/approve (actions.c)
 *   follower  quarantined hosts that move: the re-check queue drained on
 *             the loop, the move to the new port (follower.c)
 *   enforcer  the host state machine and its enforcement operations
 *   ident     the host's MAC and its source, the routers' answers, DHCP
 *             moves (ident.c, ident.h)
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
#include "follow.h"

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

enum op_kind { OP_ISOLATE, OP_RELEASE, OP_CHECK, OP_FOLLOW };

/* An enforcement operation in flight, the backend's callback argument. */
struct op {
	struct cordon *c;
	unsigned epoch;          /* c->lead_epoch when it started (enforcer_op_stale) */
	enum op_kind kind;
	struct ip_addr ip;
	size_t point;            /* index into c->points */
	double started;
	struct op *next;
	/* OP_FOLLOW only (follower.c): where to look and what was found. */
	struct enf_location from;        /* where the host is recorded isolated */
	struct enf_location to;          /* where locate found it now */
	size_t to_point;
	size_t cand[CONF_MAX_POINTS];    /* points to ask, the recorded one first */
	size_t ncand, icand;
	enum enf_status other;           /* the last answer other than ok/not-found */
	char why[ENF_DETAIL_LEN];        /* ... and its message */
};

/*
 * A release asked for while a check of the host ran (a reconcile check, a
 * follow re-check): started as soon as that check ends (enforcer.c).
 */
struct deferred_release {
	struct ip_addr ip;
	enum host_state state;           /* the state it was asked in; still required then */
	char actor[64];
	char reason[256];
	struct deferred_release *next;
};

/* The re-check under way (follower.c): the hosts of one queued port or point. */
struct follow_run {
	bool active;                     /* hosts[] is being worked through */
	bool in_op;                      /* an OP_FOLLOW is running; the next waits for it */
	struct follow_item item;
	struct ip_addr *hosts;           /* owned */
	size_t n, next;
	bool walked[CONF_MAX_POINTS];    /* a fresh locate already read this point's tables */
};

#include "ident.h"

/* A router lookup in flight (ident_lookup), the router's callback argument. */
struct ident_lookup {
	struct cordon *c;
	ident_lookup_fn fn;
	void *arg;               /* the caller's on the callback; freed by cordon_free if none comes */
	size_t network;          /* index into conf.networks and routers */
	struct ident_lookup *next;
};

struct cordon {
	struct cordon_conf conf;
	struct loop *loop;                        /* borrowed: the daemon's */
	struct registry *reg;                     /* owned */
	struct outbox *outbox;                    /* owned: group commit (outbox.h) */
	struct enf_point *points[CONF_MAX_POINTS]; /* owned */
	struct point_stats pstats[CONF_MAX_POINTS];
	size_t npoints;
	struct rate_cap cap;
	struct cordon_breaker breaker;            /* held counted on demand, not kept */
	struct op *ops;                           /* owned list */
	struct waiter *waiters;                   /* owned list */
	struct subscriber *subs;                  /* owned list */
	struct seen_host *seen;                   /* owned: asset reports waiting for the next tick */
	enum mac_source *seen_src;                /* owned: their MACs' sources, at the flush */
	size_t nseen;
	struct snmprt *routers[CONF_MAX_NETWORKS];  /* owned; NULL for a network without one */
	struct ident_lookup *lookups;             /* owned list: router lookups in flight */
	struct cordon_stats st;
	/* follower.c, made on first use; freed by cordon_free */
	struct follow_queue *fq;                  /* owned */
	struct loop_timer *follow_kick;           /* owned: drains the queue from the loop */
	struct loop_timer *settle_retry;          /* owned: settles unsettled moves again */
	double settle_delay_s;                    /* its next delay; 0 after a success */
	struct follow_run run;
	struct cordon_follow_stats fst;
	/* enforcer.c: releases waiting for a check to end */
	struct deferred_release *deferred;        /* owned list */
	struct loop_timer *deferred_kick;         /* owned, made on first use */
	bool stopping;                            /* cordon_free under way: callbacks write nothing */
	/* core.c: subscribers hear of stored detections at most this often */
	struct loop_timer *detections_told;       /* owned, made on first use; armed: a telling is due */
	bool detections_due;
	/* core.c: detections stored and isolations started per minute, the
	 * console's chart: read from the state database once at start, then
	 * counted as they happen. Bucket m % CORDON_HISTORY_MINUTES is minute m
	 * (epoch minutes); `last` is the newest minute the buckets know. */
	struct {
		int64_t last;
		uint32_t det[CORDON_HISTORY_MINUTES], iso[CORDON_HISTORY_MINUTES];
	} history;
	/* core.c: the sensors heard from (cordon_sensors) */
	struct cordon_sensor sensors[CORDON_MAX_SENSORS];
	size_t nsensors;
	uint64_t sensors_unlisted;          /* lines from names beyond the table */
	/* leadership.c: counts the times this controller stopped leading; an
	 * operation started under an older count is abandoned (its callbacks
	 * end it and write and start nothing: enforcer_op_stale) */
	unsigned lead_epoch;
	struct {
		bool leading;                   /* leads, and has reconciled: acts */
		bool taking;                    /* holds the lead; acts once taken_at + delay passed */
		double taken_at;
		int64_t term;
		struct loop_timer *take;        /* owned, made on first use: ends the taking */
		bool unreachable;               /* the last attempt failed (said once) */
		char known[64];                 /* the leader last seen, for messages */
		uint64_t ignored;               /* sensor lines ignored while following */
	} lead;
};

/* core.c: reads again what a controller keeps in memory from the database
 * (the circuit breaker, the last hour's chart): when it takes the lead. */
void core_reload(struct cordon *c);

/* core.c: whether an enforcement operation on `ip` is in flight. */
bool cordon_op_running(const struct cordon *c, const struct ip_addr *ip);

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
/* An operation on `ip` at point index `point`, listed (the host is busy) until enforcer_op_end. */
struct op *enforcer_op_new(struct cordon *c, enum op_kind kind, const struct ip_addr *ip,
    size_t point);
void enforcer_op_end(struct op *o);
/*
 * Whether an operation's callback must only end it: the daemon is stopping,
 * or this controller stopped leading since the operation started (another
 * controller acts now, from the records; this one writes and starts
 * nothing more for it).
 */
bool enforcer_op_stale(const struct op *o);
/* The index of the point of that name, or -1. */
int enforcer_point_named(const struct cordon *c, const char *name);
/* Counts an operation's outcome in its point's figures. */
void enforcer_point_result(struct cordon *c, size_t pi, const struct op *o,
    const struct enf_result *res);

/* The other hosts whose records hold a host's port isolated (a shared port). */
struct port_peers {
	struct ip_addr self;
	struct host_rec first;   /* the first other host holding the port */
	size_t n;                /* other hosts holding it */
};
/* Fills *pp for `h`'s recorded location: 0, or -1 on a database error. */
int enforcer_port_peers(struct cordon *c, const struct host_rec *h, struct port_peers *pp);
/*
 * A port already isolated for another host: what it had before comes from
 * that host's record (h->loc's original VLAN and tagged memberships).
 */
void enforcer_inherit_port_config(struct host_rec *h, const struct port_peers *pp);

/* core.c: tells the audit subscribers that entries were written (by the registry directly). */
void core_audit_written(struct cordon *c);
/* A detection was stored: subscribers hear of it within DETECTIONS_TELL_S,
 * once for all that came meanwhile (an outbreak stores thousands a second). */
void core_detection_stored(struct cordon *c);
/* A line from sensor `name` was accepted: a detection or an asset report. */
void core_sensor_heard(struct cordon *c, const char *name, bool detection);
#define DETECTIONS_TELL_S 0.1

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
