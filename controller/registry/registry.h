/* SPDX-License-Identifier: ISC */
/*
 * registry: the controller's durable state, in SQLite (WAL, synchronous
 * FULL; the default) or in PostgreSQL shared by several controllers, on
 * the same SQL (db/db.h, the one module that includes either library).
 *
 * - hosts: one record per host with its state, the enforcement point and the
 *   location (what undoes the isolation), retry and probation timers;
 * - audit: every action, with time, actor, host, reason and result;
 * - events: the detections received;
 * - services: the services each host was seen answering on (the exposure map).
 *
 * A state change is written (and on disk) before the action it announces:
 * callers act only when registry_put returned 0.
 */
#ifndef CORDON_REGISTRY_H
#define CORDON_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "detection.h"
#include "enforce.h"

enum host_state {
	HS_OBSERVED = 0,  /* seen, nothing against it */
	HS_SUSPECTED,     /* detected; waiting (approval, rate cap) or not acted on (dry run, policy) */
	HS_QUARANTINING,  /* isolation under way */
	HS_QUARANTINED,   /* isolated and verified */
	HS_RELEASING,     /* release under way */
	HS_PROBATION,     /* released; a detection re-isolates at once */
	HS_CLEAR,         /* probation over */
	HS_FAILED,        /* enforcement could not be applied or verified; retried */
	HS_COUNT
};

const char *host_state_name(enum host_state s);
/* Returns the state of that name, or -1. */
int host_state_from_name(const char *name);

/* Why a suspected host waits. */
#define HOLD_NONE ""
#define HOLD_APPROVAL "approval"
#define HOLD_BREAKER "breaker"   /* the circuit breaker tripped: waits for an operator */
#define HOLD_STALE "stale"       /* its evidence was too old when the breaker was reset */
#define HOLD_DRY_RUN "dry-run"
#define HOLD_POLICY "policy"
#define HOLD_PROTECTED "protected"
#define HOLD_NO_POINT "no-point"
#define HOLD_NO_MAC "no-mac"        /* the network's router did not name its MAC */

/*
 * Where the host's MAC comes from, ranked: a MAC from one source replaces a
 * MAC on record only from a source ranked the same or lower (ident.c,
 * mac_source_may_replace), so that a router's MAC reported by a sensor
 * behind the router never replaces the host's own.
 */
enum mac_source {
	MAC_SRC_NONE = 0,   /* no MAC on record */
	MAC_SRC_SENSOR,     /* a sensor's report for a host in no configured network,
	                       or recorded before Cordon kept the source */
	MAC_SRC_ROUTER,     /* the network's router's neighbour table (IP-MIB) */
	MAC_SRC_SEGMENT,    /* a sensor on the host's own segment (networks.segment_sensors) */
	MAC_SRC_OPERATOR,   /* cordonctl quarantine --mac */
	MAC_SRC_COUNT
};

/* "", "sensor", "router", "segment", "operator". */
const char *mac_source_name(enum mac_source s);
/* The source of that name ("" is none), or -1. */
int mac_source_from_name(const char *name);

struct host_rec {
	struct ip_addr ip;
	bool has_mac;
	uint8_t mac[6];
	enum mac_source mac_source; /* MAC_SRC_NONE exactly when !has_mac */
	enum host_state state;
	char hold[16];            /* with HS_SUSPECTED: HOLD_* */
	char failed_op[16];       /* with HS_FAILED: "isolate" or "release" */
	char reason[256];         /* why the current action was taken */
	char actor[64];           /* who took it: "policy" or "uid:N" */
	char point[64];           /* enforcement point, "" until chosen */
	bool has_loc;             /* loc holds a located position (undo info) */
	struct enf_location loc;
	/*
	 * A quarantined host found on another port: where it is being isolated
	 * now, with that port's own configuration (what undoes it), written
	 * before the port is changed; loc still names the old port until the
	 * move is recorded whole (follower.c).
	 */
	bool has_move;
	struct enf_location move;
	uint32_t attempts;        /* enforcement attempts since the last success */
	double next_retry;        /* epoch seconds, 0 when none */
	double probation_until;   /* epoch seconds, with HS_PROBATION */
	double first_seen, last_seen, updated;
	char last_error[512];
	uint64_t detections;
};

struct registry;

enum registry_backend { REGISTRY_SQLITE, REGISTRY_POSTGRESQL };

/*
 * Opens the database and creates or brings up its schema: `where` is a file
 * path (created if needed) for REGISTRY_SQLITE, a libpq connection string
 * for REGISTRY_POSTGRESQL. Returns NULL with a message in err, which never
 * holds the connection string. The caller owns the result (registry_close).
 */
struct registry *registry_open(enum registry_backend backend, const char *where, char *err,
    size_t errlen);
void registry_close(struct registry *r);

/*
 * Group commit. Once `opened` is set, the first write outside a transaction
 * opens one and calls opened(arg), and every write until registry_commit
 * joins it: one sync for them all. The caller takes no action that a write
 * of the group announces before registry_commit has returned 0 (the outbox
 * does this for the enforcement points). registry_commit returns 0 (also
 * when nothing is open), or -1 when the group was rolled back: none of its
 * writes happened. Without `opened` (NULL, the default) every write is its
 * own transaction. registry_close commits what is open.
 */
void registry_group(struct registry *r, void (*opened)(void *arg), void *arg);
int registry_commit(struct registry *r);
bool registry_in_group(const struct registry *r);

/* The last error, for messages. */
const char *registry_error(const struct registry *r);

/* Returns 1 and fills *out when the host is known, 0 when not, -1 on error. */
int registry_get(struct registry *r, const struct ip_addr *ip, struct host_rec *out);

/* Inserts or replaces the host's record; durable when it returns 0. */
int registry_put(struct registry *r, const struct host_rec *h);

/* Appends to the audit log. `result` says how it ended ("ok", "refused: ..."). */
int registry_audit(struct registry *r, double when, const char *actor,
    const char *action, const struct ip_addr *host, const char *reason,
    const char *result);

/* One audit entry of registry_put_audited; the strings are borrowed for the call. */
struct registry_audit_entry {
	const char *actor, *action, *reason, *result;
};
/*
 * Writes the host's record and n audit entries about it in one transaction:
 * all of them or (on -1) none.
 */
int registry_put_audited(struct registry *r, const struct host_rec *h, double when,
    const struct registry_audit_entry *a, size_t n);

/* Stores a received detection (its JSON line). */
int registry_event(struct registry *r, double when, const struct ip_addr *host,
    const char *engine, const char *json);

typedef int (*registry_host_fn)(void *arg, const struct host_rec *h);
/*
 * Calls fn for each host (in address order), only `state` unless it is -1.
 * Stops when fn returns non-zero, and then returns -1 (the walk is partial).
 */
int registry_foreach(struct registry *r, int state, registry_host_fn fn, void *arg);
/*
 * One page of the hosts, in address order: those after `after` (NULL: from
 * the first), only `state` unless it is -1, at most `limit`. Returns how
 * many fn was called for, or -1 (fn returning non-zero stops the walk with
 * -1, as registry_foreach). Each page is one bounded query: a caller walks
 * any number of hosts without holding them all.
 */
int registry_page(struct registry *r, int state, const struct ip_addr *after, unsigned limit,
    registry_host_fn fn, void *arg);
/*
 * Calls fn for each host whose recorded location is the switch port of `l`
 * (same point and ifIndex; never a netlink location), in address order.
 * Stops and returns -1 as registry_foreach does.
 */
int registry_foreach_at(struct registry *r, const struct enf_location *l, registry_host_fn fn,
    void *arg);

struct audit_rec {
	int64_t id;
	double time;
	char actor[64];
	char action[32];
	char host[64];
	char reason[256];
	char result[256];
};
typedef int (*registry_audit_fn)(void *arg, const struct audit_rec *a);
/* Audit entries with id > after_id, for one host (NULL: all), oldest first, at most `limit`. */
int registry_audit_list(struct registry *r, const struct ip_addr *host,
    int64_t after_id, unsigned limit, registry_audit_fn fn, void *arg);

/* A stored detection (registry_event). */
struct event_rec {
	int64_t id;
	double time;
	char host[64];
	char engine[32];
	const char *json;          /* the detection's JSON line; valid during the callback only */
};
typedef int (*registry_event_fn)(void *arg, const struct event_rec *e);
/*
 * Stored detections with id > after_id, for one host (NULL: all), oldest
 * first, at most `limit`. after_id < 0: the newest `limit` ones, oldest first.
 * Returns 0, or -1 (fn returning non-zero stops the walk, and is not an error).
 */
int registry_event_list(struct registry *r, const struct ip_addr *host, int64_t after_id,
    unsigned limit, registry_event_fn fn, void *arg);
/* The newest stored detection's id (0 when none), or -1 on error. */
int64_t registry_event_last_id(struct registry *r);
/*
 * Detections stored, and isolations started (audit: isolate/started), in
 * `n` buckets of `bucket_s` seconds from `since`. 0, or -1.
 */
int registry_histogram(struct registry *r, double since, unsigned bucket_s, unsigned n,
    uint32_t *detections, uint32_t *isolations);

/*
 * Records hosts seen by sensors (the asset list), in one transaction: new
 * hosts are added as observed; known ones get their seen times widened and
 * the report's MAC when its source, src[i], may replace the one on record
 * (mac_source_may_replace; a report with MAC_SRC_NONE leaves the MAC alone).
 * Each reported service (the exposure map) is added, or has its seen times
 * widened. `src` NULL: every report's MAC is MAC_SRC_SENSOR. States are
 * never touched.
 */
int registry_seen(struct registry *r, const struct seen_host *v,
    const enum mac_source *src, size_t n);

/* "tcp" or "udp" for IPPROTO_NUM_TCP / IPPROTO_NUM_UDP, as the services table stores them. */
const char *service_proto_name(uint8_t proto);

/* Services listed per host at most (registry_assets_page). */
#define REGISTRY_MAX_SERVICES 64
#define REGISTRY_MAX_SERVICES_SQL "64"

/* A service a host was seen answering on, as recorded (registry_seen). */
struct host_service {
	uint8_t proto;            /* IPPROTO_NUM_TCP or IPPROTO_NUM_UDP */
	uint16_t port;
	double first_seen, last_seen;   /* epoch seconds */
};

/* `s` holds n services (borrowed for the call), by protocol then port. */
typedef int (*registry_asset_fn)(void *arg, const struct host_rec *h,
    const struct host_service *s, size_t n);
/*
 * One page of the asset list: hosts in address order as registry_page, each
 * with its services (at most REGISTRY_MAX_SERVICES), only `state` unless it
 * is -1, only hosts exposing `exposed_port` (over TCP or UDP) unless it is
 * -1. Returns how many fn was called for, or -1 (as registry_page).
 */
int registry_assets_page(struct registry *r, int state, int exposed_port,
    const struct ip_addr *after, unsigned limit, registry_asset_fn fn, void *arg);

/*
 * The host on record, other than at `except`, with this MAC (the one seen
 * last when there are several): 1 with *out filled, 0 none, -1 on error.
 */
int registry_find_mac(struct registry *r, const uint8_t mac[6],
    const struct ip_addr *except, struct host_rec *out);

/*
 * A host's new address (a DHCP move): in one transaction, the record at
 * `old_ip` goes and `h` (its new address in h->ip) replaces whatever is at
 * h->ip; the services recorded at `old_ip` move with it. Durable when it
 * returns 0.
 */
int registry_move(struct registry *r, const struct ip_addr *old_ip, const struct host_rec *h);

/* The id of the newest audit entry (0 when none), or -1 on error. */
int64_t registry_audit_last_id(struct registry *r);

/* The tables whose rows age out (registry_prune). */
enum registry_log { REGISTRY_EVENTS, REGISTRY_AUDIT };

/*
 * Deletes at most `max_rows` rows of `log` older than `before` (epoch
 * seconds), found through an index on their time, so that one call stays
 * short however large the table. Returns how many went, or -1 on error.
 */
int registry_prune(struct registry *r, enum registry_log log, double before, unsigned max_rows);

/* When the newest stored detection of `ip` was received (epoch seconds); 0
 * when none is stored (or on error). */
double registry_last_detection(struct registry *r, const struct ip_addr *ip);

/* Counts of hosts per state into counts[HS_COUNT]. */
int registry_count(struct registry *r, uint64_t counts[HS_COUNT]);

/*
 * The daemon's own lasting settings (the circuit breaker's state), by key.
 * registry_meta_get copies the value into value[len]: 1 found, 0 absent,
 * -1 error. registry_meta_put is durable when it returns 0.
 */
int registry_meta_get(struct registry *r, const char *key, char *value, size_t len);
int registry_meta_put(struct registry *r, const char *key, const char *value);

/*
 * Leadership of controllers that share one database (PostgreSQL). Exactly
 * one leads and writes: it holds a session-level advisory lock on its
 * connection, and took a new term when it got it. Every group transaction
 * it opens first checks, with the leader row locked FOR SHARE, that its
 * term is still the database's, so a deposed leader's writes fail (a new
 * leader's term increment waits for those in flight, and they fail after).
 * A registry that does not lead writes nothing: every write fails with
 * "not the leader". On SQLite the one controller always leads (term 0).
 */
/* Whether the database is shared (leadership applies). */
bool registry_shared(const struct registry *r);
/*
 * Tries to lead as `name` (at most 63 bytes kept): 1 leads now, with a new
 * term in *term; 0 another controller leads; -1 error (registry_error).
 */
int registry_lead(struct registry *r, const char *name, double now, int64_t *term);
/*
 * Whether this registry still leads: 1 yes; 0 no longer (the connection was
 * lost, and with it the lock; it then leads no more until registry_lead
 * succeeds again). Asks the database: a lost connection is found out here.
 */
int registry_still_leading(struct registry *r);
/* False while the database cannot be reached (PostgreSQL; as last found). */
bool registry_reachable(const struct registry *r);
/* Whether this registry leads now, as it last knew (no database call). */
bool registry_leading(const struct registry *r);
/* Gives leadership up (the lock is released). */
void registry_step_down(struct registry *r);
/* Who leads as the database says: 1 with name/term/since filled, 0 none yet, -1 error. */
int registry_leader(struct registry *r, char *name, size_t len, int64_t *term, double *since);

#endif
