/* SPDX-License-Identifier: ISC */
/*
 * cordon: the controller's core as the rest of the controller sees it (the
 * daemon and the front ends ctl, http and verify): the enforcement backends
 * by kind, and struct cordon with its operations. How the modules are
 * layered: cordon_priv.h.
 */
#ifndef CORDON_CORDON_H
#define CORDON_CORDON_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "detection.h"
#include "enforce.h"
#include "follow.h"
#include "loop.h"
#include "policy.h"
#include "registry.h"

struct cordon;

/* ---- backends ---------------------------------------------------------- */

/*
 * Makes an enforcement point for a configured point. `loop` lets
 * asynchronous backends register events. Returns NULL with a message naming
 * the offending setting in err. The caller owns the result (enf_destroy).
 */
typedef struct enf_point *(*backend_factory)(const struct conf_point *cp,
    struct loop *loop, char *err, size_t errlen);

/*
 * Checks a configured point's settings without touching the network, for
 * `cordond -n`. Returns 0, or -1 with a message naming the setting in err.
 */
typedef int (*backend_checker)(const struct conf_point *cp, char *err, size_t errlen);

/* Registers a backend kind ("netlink", ...); kind is borrowed (static);
 * `check` may be NULL. */
int backend_register(const char *kind, backend_factory f, backend_checker check);
backend_factory backend_find(const char *kind);
backend_checker backend_find_checker(const char *kind);
/* Registers the backends built into cordond. */
void backends_register_builtin(void);
/*
 * An SNMP point's settings (kinds snmp-qbridge, snmp-cisco, snmp-auto) as the
 * SNMP backend's config (builtin.c); for cordon-switch-check. 0, or -1 with
 * err (never a secret).
 */
struct snmpsw_config;
int builtin_snmp_config(const struct conf_point *cp, struct snmpsw_config *sc, char *err,
    size_t errlen);

/*
 * Makes the SNMP router of a network (networks: IP -> MAC), on `loop`.
 * NULL with a message in err (never a secret). The caller owns the result
 * (snmprt_free). One factory: cordond registers it (builtin.c).
 */
struct snmprt;
struct conf_network;
typedef struct snmprt *(*router_factory)(const struct conf_network *n, struct loop *loop,
    char *err, size_t errlen);
void router_register(router_factory f);
router_factory router_find(void);

/*
 * The daemon's state directory (where the state database lives), set before
 * any point is made: backends keep their own files under it.
 */
void backends_set_state_dir(const char *dir);
const char *backends_state_dir(void);
/* Called once after every point is destroyed (a backend's global teardown). */
void backend_on_shutdown(void (*fn)(void));
void backends_shutdown(void);

/* ---- the core ---------------------------------------------------------- */

/*
 * Makes the core on `loop` (borrowed; it must outlive the core): a copy of
 * conf, the state database, every enforcement point. The point settings'
 * secrets in the copy are wiped once the points hold them. Returns NULL with
 * a message in err. The caller owns the result (cordon_free), and frees it
 * before the loop: the points' events are the loop's.
 */
struct loop;
struct cordon *cordon_new(const struct cordon_conf *conf, struct loop *loop,
    char *err, size_t errlen);
/* Destroys the points (their pending operations write nothing: the next
 * start resumes them from the registry), then everything else. */
void cordon_free(struct cordon *c);
/* Once a second: stores the waiting asset reports, retries, ends probation,
 * prunes a slice of aged detections and audit entries. */
void cordon_tick(struct cordon *c);
/* At start: resumes interrupted steps and compares the points' state with
 * the registry's (never releasing anything silently). */
void cordon_reconcile(struct cordon *c);

/*
 * Leadership (leadership.c). On SQLite the one controller always acts. On
 * PostgreSQL the controllers sharing the database elect one (registry_lead):
 * it acts; the others keep answering read requests from the shared records,
 * refuse acting ones saying who leads, and ignore what sensors send.
 *
 * cordon_start: at start, after the listeners: acts at once (SQLite), or
 * tries to lead. cordon_lead_tick, once a second: a leader checks that it
 * still leads (its connection holds the lock) and stops acting at once when
 * not; a follower tries to lead, and when it does it first reconciles with
 * the enforcement points and resumes the steps the last leader left.
 */
void cordon_start(struct cordon *c);
void cordon_lead_tick(struct cordon *c);
/* Whether this controller acts now. */
bool cordon_leading(const struct cordon *c);
/* "not the leader: NAME leads (term N)", for a refused request. */
void cordon_who_leads(struct cordon *c, char *buf, size_t len);
struct cordon_lead_info {
	bool shared;          /* PostgreSQL: leadership applies */
	bool leading;
	char leader[64];      /* who leads as the database says ("" unknown) */
	int64_t term;         /* its term */
	double since;         /* since when */
	uint64_t ignored;     /* sensor lines ignored while following */
};
void cordon_leadership(struct cordon *c, struct cordon_lead_info *out);

struct point_stats {
	uint64_t ok, failed;
	char last_error[ENF_DETAIL_LEN];
	double last_latency_s;
};

struct cordon_stats {
	uint64_t detections;
	uint64_t seen_reports;     /* asset reports received */
	uint64_t bad_lines;
	uint64_t oversize_lines;
	uint64_t sensor_conns;
	uint64_t isolations_started;
	uint64_t isolations_ok;
	uint64_t isolations_failed;
	uint64_t releases_ok;
	uint64_t releases_failed;
	uint64_t refused;
	uint64_t conns_refused;    /* connections refused at a listener's cap (LOOP_MAX_CONNS, daemon.http_max_connections) */
	uint64_t pruned_events;    /* stored detections aged out (daemon.retention_events) */
	uint64_t pruned_audit;     /* audit entries aged out (daemon.retention_audit) */
	double started;
};

/* An operation's end, for whoever asked (a control client). */
typedef void (*cordon_done_fn)(void *arg, bool ok, const struct host_rec *h,
    const char *message);

/*
 * The operator's actions. `actor` is "uid:N". Completion through `done`.
 * `mac` (may be NULL) tells a switch where to look for the host when no
 * sensor has reported its MAC.
 */
void cordon_quarantine(struct cordon *c, const struct ip_addr *ip, const uint8_t *mac,
    const char *actor, const char *reason, cordon_done_fn done, void *arg);
void cordon_release(struct cordon *c, const struct ip_addr *ip,
    const char *actor, const char *reason, cordon_done_fn done, void *arg);
void cordon_approve(struct cordon *c, const struct ip_addr *ip,
    const char *actor, cordon_done_fn done, void *arg);
/*
 * The operator's word on a host whose enforcement failed for good (state
 * failed): once seen to by hand, it is recorded as released (clear) or as
 * isolated where its location says (quarantined). Audited with the reason.
 */
void cordon_resolve(struct cordon *c, const struct ip_addr *ip, bool isolated,
    const char *actor, const char *reason, cordon_done_fn done, void *arg);
/* Forgets a waiting caller (its connection closed). */
void cordon_forget_waiter(struct cordon *c, void *arg);

/* A detection from a sensor; `json` is its line (stored with it). */
void cordon_detection(struct cordon *c, const struct detection *d, const char *json);
/* An asset report from a sensor: batched, stored at the next tick (or when
 * the batch is full). */
void cordon_seen(struct cordon *c, const struct seen_host *h);
/* Stores the batched asset reports now. */
void cordon_flush_seen(struct cordon *c);
/* A sensor line was rejected (unparsable, or longer than the limit): counted. */
void cordon_input_rejected(struct cordon *c, bool oversize);
/* A sensor, control or HTTP connection was refused: its listener was full. */
void cordon_conn_refused(struct cordon *c);

const struct cordon_conf *cordon_conf(const struct cordon *c);
struct registry *cordon_registry(struct cordon *c);
const struct cordon_stats *cordon_stats(const struct cordon *c);
size_t cordon_npoints(const struct cordon *c);
const struct enf_point *cordon_point(const struct cordon *c, size_t i);
const struct point_stats *cordon_point_stats(const struct cordon *c, size_t i);

/*
 * The circuit breaker. It trips when a detection would start more isolations
 * in a minute than policy.max_isolations_per_minute allows; from then on no
 * isolation starts on its own: every host policy would isolate is held
 * (hold "breaker") until an operator approves it or resets the breaker.
 * The state is stored in the registry and outlives restarts.
 */
struct cordon_breaker {
	bool tripped;
	double since;              /* when it tripped (0: never) */
	char reason[256];          /* why it tripped */
	uint64_t trips;            /* since the daemon started */
	uint64_t held;             /* hosts held by it now */
};
/* Fills *out (held is counted in the registry): 0, or -1 on a database error. */
int cordon_breaker_state(struct cordon *c, struct cordon_breaker *out);
/*
 * The operator's reset: automatic isolation resumes, and each held host whose
 * evidence is current (policy.breaker_evidence_age) is isolated, up to the
 * cap, which may trip the breaker again; the others become "stale". Audited.
 * Completion through `done` (h is NULL).
 */
void cordon_breaker_reset(struct cordon *c, const char *actor, const char *reason,
    cordon_done_fn done, void *arg);

/* ---- following quarantined hosts that move (follower.c) ---------------- */

struct cordon_follow_stats {
	struct follow_stats queue;         /* the re-check queue (follow.h) */
	uint64_t notifications;            /* accepted by the notification listener */
	uint64_t notifications_rejected;   /* refused (credentials, type, malformed, unknown sender) */
	uint64_t checks;                   /* quarantined hosts looked for */
	uint64_t in_place, absent, unknown;  /* the verdicts (follow_decide) */
	uint64_t moves;                    /* hosts isolated where they moved */
	uint64_t check_failures;           /* unknown verdicts, failed isolations of a new port,
					      failed restorations of an old one */
};

/* What a switch said about one of its ports (from an SNMP notification). */
enum cordon_port_event_kind { CPE_LINK_DOWN = 1, CPE_LINK_UP, CPE_MAC };
struct cordon_port_event {
	enum cordon_port_event_kind kind;
	uint32_t ifindex;          /* CPE_LINK_*: the interface */
	int32_t bridge_port;       /* CPE_MAC: the bridge port the MAC was learnt on or left */
	uint8_t mac[6];            /* CPE_MAC */
};

/*
 * Events from the point named `point` (borrowed): each queues a re-check of
 * the port it concerns when that matters to a quarantined host: a MAC of a
 * quarantined host (wherever it shows up) re-checks the host's recorded
 * port; a MAC change, or a link going up or down, on a port where a host is
 * recorded re-checks that port; a link coming up elsewhere on a point that
 * holds quarantined hosts re-checks the whole point (one of them may have
 * landed there). The queue is drained on the loop.
 */
void cordon_follow_events(struct cordon *c, const char *point,
    const struct cordon_port_event *ev, size_t n);
/* The periodic check: queues every point that holds quarantined hosts. */
void cordon_follow_all(struct cordon *c);
/* At start, after cordon_reconcile: queues the hosts whose move was under way. */
void cordon_follow_resume(struct cordon *c);
/*
 * Queues a re-check of the port where `h` is recorded now, so that a move
 * left unsettled (h->has_move) is settled without waiting for the periodic
 * check, which may be off (follow.interval = 0). 0 when queued; -1 when it
 * cannot be settled now, `why` (of `whylen` bytes) saying why.
 */
int cordon_follow_settle(struct cordon *c, const struct host_rec *h, char *why, size_t whylen);
/* The listener's totals (accepted, rejected), for the figures. */
void cordon_follow_set_notifications(struct cordon *c, uint64_t accepted, uint64_t rejected);
void cordon_follow_get_stats(const struct cordon *c, struct cordon_follow_stats *out);

/* Subscribers to audit entries and stored detections (events --follow, the
 * HTTP event stream): told that new entries or detections exist (detections
 * within DETECTIONS_TELL_S, in one telling for many); they read them from the
 * registry with their own cursors. The second argument is reserved (0). */
typedef void (*cordon_audit_fn)(void *arg, int64_t unused);
void cordon_subscribe(struct cordon *c, cordon_audit_fn fn, void *arg);
void cordon_unsubscribe(struct cordon *c, void *arg);

/*
 * Detections stored and isolations started (audit: isolate/started) per
 * minute over the last CORDON_HISTORY_MINUTES whole minutes, the current one
 * last: *since is the first minute's start (epoch seconds). Kept in memory,
 * so the console's chart costs nothing however large the log.
 */
#define CORDON_HISTORY_MINUTES 60
void cordon_history(struct cordon *c, double now, double *since,
    uint32_t det[CORDON_HISTORY_MINUTES], uint32_t iso[CORDON_HISTORY_MINUTES]);

/* The sensors heard from (by the name their lines or certificates give;
 * "" for lines without one), for the console: the first CORDON_MAX_SENSORS
 * names; later ones are only counted in `unlisted`. */
#define CORDON_MAX_SENSORS 64
struct cordon_sensor {
	char name[64];
	double first_heard, last_heard;     /* epoch seconds */
	uint64_t detections, reports;       /* lines: detections, asset reports */
};
/* The table (borrowed, valid until the next line is read) and its size. */
size_t cordon_sensors(const struct cordon *c, const struct cordon_sensor **out, uint64_t *unlisted);

/* Records an audit entry and tells subscribers. */
void cordon_audit(struct cordon *c, const char *actor, const char *action,
    const struct ip_addr *host, const char *reason, const char *result);

#endif
