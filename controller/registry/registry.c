/* SPDX-License-Identifier: ISC */
#include "registry_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * registry: opening, group commit, the fencing of a deposed leader's
 * writes, and the writes themselves (registry.h).
 */

/* The index of `name` among `n` names, or -1. */
static int
name_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static const char *const mac_source_names[MAC_SRC_COUNT] = {
	"", "sensor", "router", "segment", "operator",
};

const char *
mac_source_name(enum mac_source s)
{
	return (unsigned)s < MAC_SRC_COUNT ? mac_source_names[s] : "";
}

int
mac_source_from_name(const char *name)
{
	return name_index(mac_source_names, MAC_SRC_COUNT, name);
}


static const char *const state_names[HS_COUNT] = {
	"observed", "suspected", "quarantining", "quarantined", "releasing",
	"probation", "clear", "failed",
};

const char *
host_state_name(enum host_state s)
{
	return (unsigned)s < HS_COUNT ? state_names[s] : "?";
}

int
host_state_from_name(const char *name)
{
	return name_index(state_names, HS_COUNT, name);
}

void
reg_set_error(struct registry *r, const char *what)
{
	snprintf(r->error, sizeof(r->error), "%s: %s", what, db_errmsg(r->db));
}

const char *
registry_error(const struct registry *r)
{
	return r->error;
}

struct registry *
registry_open(enum registry_backend backend, const char *where, char *err, size_t errlen)
{
	struct registry *r = calloc(1, sizeof(*r));
	const char *name = backend == REGISTRY_POSTGRESQL ? "PostgreSQL state database" : where;
	char why[512];
	char *put;

	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	r->db = db_open(backend == REGISTRY_POSTGRESQL ? DB_POSTGRESQL : DB_SQLITE, where, err, errlen);
	if (r->db == NULL) {
		free(r);
		return NULL;
	}
	if (reg_migrate(r->db, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s%s: %s", backend == REGISTRY_POSTGRESQL ? "" : "state database ",
		    name, why);
		goto fail;
	}
	put = reg_put_sql();
	if (put == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	if (db_prepare(r->db, HOST_COLUMNS " FROM hosts WHERE ip = ?1", true, &r->get) != 0 ||
	    db_prepare(r->db, put, true, &r->put) != 0 ||
	    db_prepare(r->db,
		"INSERT INTO audit (time, actor, action, host, reason, result) VALUES (?,?,?,?,?,?)",
		true, &r->audit) != 0 ||
	    db_prepare(r->db,
		"INSERT INTO events (time, host, engine, json) VALUES (?,?,?,?)",
		true, &r->event) != 0) {
		snprintf(err, errlen, "%s%s: %s", backend == REGISTRY_POSTGRESQL ? "" : "state database ",
		    name, db_errmsg(r->db));
		free(put);
		goto fail;
	}
	free(put);
	r->shared = backend == REGISTRY_POSTGRESQL;
	r->leading = !r->shared;
	return r;
fail:
	registry_close(r);
	return NULL;
}

/* ---- group commit ---------------------------------------------------------------- */

void
registry_group(struct registry *r, void (*opened)(void *arg), void *arg)
{
	r->group_opened = opened;
	r->group_arg = arg;
}

bool
registry_in_group(const struct registry *r)
{
	/* A group the database ended is still one to end: its commit fails,
	 * and the actions waiting for it are not taken. */
	return r->in_group || r->group_broken;
}

/*
 * In an open transaction on a shared database: 0 when this registry still
 * leads with its term, else -1 (the caller rolls back). Outside a
 * transaction (no group): only whether it believes it leads.
 */
static int
fence(struct registry *r, bool in_tx)
{
	int rc;
	int64_t t;

	if (!r->shared)
		return 0;
	if (!r->leading || db_generation(r->db) != r->lead_gen) {
		r->leading = false;
		snprintf(r->error, sizeof(r->error), "not the leader: this controller does not lead"
		    " the controllers sharing the database");
		return -1;
	}
	if (!in_tx)
		return 0;
	if (r->fence == NULL &&
	    db_prepare(r->db, "SELECT term FROM leader WHERE id = 1 FOR SHARE", true, &r->fence) != 0) {
		reg_set_error(r, "checking the leader's term");
		return -1;
	}
	db_reset(r->fence);
	rc = db_step(r->fence);
	t = rc == DB_ROW ? db_col_int64(r->fence, 0) : -1;
	db_reset(r->fence);
	if (rc < 0) {
		reg_set_error(r, "checking the leader's term");
		return -1;
	}
	if (t != r->term || db_generation(r->db) != r->lead_gen) {
		r->leading = false;
		snprintf(r->error, sizeof(r->error), "fenced: this controller's term %lld is over (the"
		    " database's is %lld): another controller leads", (long long)r->term, (long long)t);
		return -1;
	}
	return 0;
}

/* Before a write: opens the group transaction if grouping and none is open. */
static int
group_open(struct registry *r)
{
	if (r->group_opened == NULL)
		return fence(r, false);
	if (r->in_group) {
		enum db_tx t = db_tx_state(r->db);
		if (t == DB_TX_OPEN)
			return 0;
		/* The database ended or failed the group itself (an I/O error, a
		 * full disk, a lost connection, a failed statement on PostgreSQL):
		 * what it held is gone, so the whole turn must fail at its commit,
		 * and the writes after this one go into a group that will be undone. */
		if (t == DB_TX_FAILED)
			db_exec(r->db, "ROLLBACK");
		r->group_broken = true;
		r->in_group = false;
	}
	if (db_exec(r->db, db_dialect(r->db) == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN") != 0) {
		reg_set_error(r, "opening a transaction");
		return -1;
	}
	if (fence(r, true) != 0) {
		db_exec(r->db, "ROLLBACK");
		return -1;
	}
	r->in_group = true;
	r->group_opened(r->group_arg);
	return 0;
}

int
registry_commit(struct registry *r)
{
	bool broken = r->group_broken || (r->in_group && db_tx_state(r->db) != DB_TX_OPEN);

	r->group_broken = false;
	if (broken) {
		/* Also when the database reports no transaction (a lost
		 * connection): the driver then learns that it ended. */
		if (r->in_group && (db_tx_state(r->db) != DB_TX_NONE || db_dialect(r->db) != DB_SQLITE))
			db_exec(r->db, "ROLLBACK");
		r->in_group = false;
		snprintf(r->error, sizeof(r->error), "committing: the transaction was ended by the"
		    " database after an error; its changes are undone");
		return -1;
	}
	if (!r->in_group)
		return 0;
	r->in_group = false;
	/* PostgreSQL answers COMMIT of a failed transaction with a rollback,
	 * not an error: the state was checked above. */
	if (db_exec(r->db, "COMMIT") == 0 && db_tx_state(r->db) == DB_TX_NONE)
		return 0;
	reg_set_error(r, "committing");
	db_exec(r->db, "ROLLBACK");
	return -1;
}

/*
 * A write of several statements that is all or nothing: its own
 * transaction, or a savepoint inside the open group.
 */
static int
tx_begin(struct registry *r)
{
	if (group_open(r) != 0)
		return -1;
	if (r->in_group)
		return db_exec(r->db, "SAVEPOINT part");
	if (db_exec(r->db, db_dialect(r->db) == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN") != 0)
		return -1;
	if (fence(r, true) != 0) {
		db_exec(r->db, "ROLLBACK");
		return -1;
	}
	return 0;
}

static int
tx_end(struct registry *r, bool ok)
{
	if (!ok) {
		db_exec(r->db, r->in_group ? "ROLLBACK TO part; RELEASE part" : "ROLLBACK");
		return -1;
	}
	if (db_tx_state(r->db) == DB_TX_OPEN &&
	    db_exec(r->db, r->in_group ? "RELEASE part" : "COMMIT") == 0 &&
	    (r->in_group || db_tx_state(r->db) == DB_TX_NONE))
		return 0;
	/* Not kept: inside a group the savepoint's writes must not ride along
	 * with the group's commit. */
	db_exec(r->db, r->in_group ? "ROLLBACK TO part; RELEASE part" : "ROLLBACK");
	return -1;
}

void
registry_close(struct registry *r)
{
	if (r == NULL)
		return;
	/* What the daemon decided is kept; actions still waiting for it were
	 * never taken, and the next start resumes them from these records. */
	if (r->in_group && registry_commit(r) != 0)
		fprintf(stderr, "cordond: state database: the last changes could not be committed: %s\n",
		    r->error);
	db_finalize(r->get);
	db_finalize(r->put);
	db_finalize(r->audit);
	db_finalize(r->event);
	db_finalize(r->at);
	db_finalize(r->fence);
	db_close(r->db);
	free(r);
}

void
reg_col_text(struct db_stmt *st, int i, char *dst, size_t len)
{
	const char *t = db_col_text(st, i);

	snprintf(dst, len, "%s", t ? t : "");
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void
reg_row_to_host(struct db_stmt *st, struct host_rec *h)
{
	char buf[256];
	int s;

	memset(h, 0, sizeof(*h));
	reg_col_text(st, 0, buf, sizeof(buf));
	ip_from_str(buf, &h->ip);
	reg_col_text(st, 1, buf, sizeof(buf));
	h->has_mac = buf[0] && parse_mac(buf, h->mac) == 0;
	reg_col_text(st, 2, buf, sizeof(buf));
	s = host_state_from_name(buf);
	h->state = s < 0 ? HS_FAILED : (enum host_state)s;
	reg_col_text(st, 3, h->hold, sizeof(h->hold));
	reg_col_text(st, 4, h->failed_op, sizeof(h->failed_op));
	reg_col_text(st, 5, h->reason, sizeof(h->reason));
	reg_col_text(st, 6, h->actor, sizeof(h->actor));
	reg_col_text(st, 7, h->point, sizeof(h->point));
	h->has_loc = (int)db_col_int64(st, 8) != 0;
	reg_col_text(st, 9, h->loc.point, sizeof(h->loc.point));
	reg_col_text(st, 10, h->loc.port, sizeof(h->loc.port));
	h->loc.ifindex = (int)db_col_int64(st, 11);
	h->loc.bridge_port = (int)db_col_int64(st, 12);
	h->loc.orig_vlan = (int)db_col_int64(st, 13);
	h->loc.quarantine_vlan = (int)db_col_int64(st, 14);
	reg_col_text(st, 15, h->loc.detail, sizeof(h->loc.detail));
	h->loc.host.ip = h->ip;
	h->loc.host.has_mac = h->has_mac;
	memcpy(h->loc.host.mac, h->mac, 6);
	h->attempts = (uint32_t)(int)db_col_int64(st, 16);
	h->next_retry = db_col_double(st, 17);
	h->probation_until = db_col_double(st, 18);
	h->first_seen = db_col_double(st, 19);
	h->last_seen = db_col_double(st, 20);
	h->updated = db_col_double(st, 21);
	reg_col_text(st, 22, h->last_error, sizeof(h->last_error));
	h->detections = (uint64_t)db_col_int64(st, 23);
	reg_col_text(st, 24, buf, sizeof(buf));
	if (enf_tagged_parse(buf, &h->loc) < 0)
		/* Not a list Cordon wrote: past the bound, so that the point refuses the
		 * location (nothing written to the switch) rather than drop memberships. */
		h->loc.norig_tagged = ENF_MAX_TAGGED + 1;
	reg_col_text(st, 25, buf, sizeof(buf));
	if (enf_port_macs_parse(buf, &h->loc) < 0)
		h->loc.nport_macs = 0;   /* shown as unknown; nothing is acted on from it */
	h->has_move = (int)db_col_int64(st, COL_MOVE) != 0;
	if (h->has_move) {
		reg_col_text(st, COL_MOVE + 1, h->move.point, sizeof(h->move.point));
		reg_col_text(st, COL_MOVE + 2, h->move.port, sizeof(h->move.port));
		h->move.ifindex = (int)db_col_int64(st, COL_MOVE + 3);
		h->move.bridge_port = (int)db_col_int64(st, COL_MOVE + 4);
		h->move.orig_vlan = (int)db_col_int64(st, COL_MOVE + 5);
		h->move.quarantine_vlan = (int)db_col_int64(st, COL_MOVE + 6);
		reg_col_text(st, COL_MOVE + 7, h->move.detail, sizeof(h->move.detail));
		h->move.host = h->loc.host;
		reg_col_text(st, COL_MOVE + 8, buf, sizeof(buf));
		if (enf_tagged_parse(buf, &h->move) < 0)
			h->move.norig_tagged = ENF_MAX_TAGGED + 1;   /* as for loc */
	}
	reg_col_text(st, COL_MAC_SOURCE, buf, sizeof(buf));
	s = mac_source_from_name(buf);
	h->mac_source = !h->has_mac ? MAC_SRC_NONE : s <= 0 ? MAC_SRC_SENSOR : (enum mac_source)s;
}

int
registry_get(struct registry *r, const struct ip_addr *ip, struct host_rec *out)
{
	char text[64];
	int rc;

	ip_to_str(ip, text, sizeof(text));
	db_reset(r->get);
	db_bind_text(r->get, 1, text);
	rc = db_step(r->get);
	if (rc == DB_ROW) {
		reg_row_to_host(r->get, out);
		db_reset(r->get);
		return 1;
	}
	db_reset(r->get);
	if (rc == DB_DONE)
		return 0;
	reg_set_error(r, "reading host");
	return -1;
}

int
registry_put(struct registry *r, const struct host_rec *h)
{
	struct db_stmt *st = r->put;
	char ip[64], mac[24], tagged[ENF_MAX_TAGGED * 6 + 1], macs[16 + ENF_MAX_PORT_MACS * 18];
	int i = 1, rc;

	if (group_open(r) != 0)
		return -1;
	ip_to_str(&h->ip, ip, sizeof(ip));
	if (h->has_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0],
		    h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	db_reset(st);
	db_bind_text(st, i++, ip);
	db_bind_blob(st, i++, h->ip.b, 16);
	if (h->has_mac)
		db_bind_text(st, i++, mac);
	else
		db_bind_null(st, i++);
	db_bind_text(st, i++, host_state_name(h->state));
	db_bind_text(st, i++, h->hold);
	db_bind_text(st, i++, h->failed_op);
	db_bind_text(st, i++, h->reason);
	db_bind_text(st, i++, h->actor);
	db_bind_text(st, i++, h->point);
	db_bind_int64(st, i++, h->has_loc);
	db_bind_text(st, i++, h->loc.point);
	db_bind_text(st, i++, h->loc.port);
	db_bind_int64(st, i++, h->loc.ifindex);
	db_bind_int64(st, i++, h->loc.bridge_port);
	db_bind_int64(st, i++, h->loc.orig_vlan);
	db_bind_int64(st, i++, h->loc.quarantine_vlan);
	db_bind_text(st, i++, h->loc.detail);
	db_bind_int64(st, i++, (int)h->attempts);
	db_bind_double(st, i++, h->next_retry);
	db_bind_double(st, i++, h->probation_until);
	db_bind_double(st, i++, h->first_seen);
	db_bind_double(st, i++, h->last_seen);
	db_bind_double(st, i++, h->updated);
	db_bind_text(st, i++, h->last_error);
	db_bind_int64(st, i++, (int64_t)h->detections);
	enf_tagged_text(&h->loc, tagged, sizeof(tagged));
	db_bind_text(st, i++, tagged);
	enf_port_macs_text(&h->loc, macs, sizeof(macs));
	db_bind_text(st, i++, macs);
	/* MOVE_COLUMNS; empty without a move */
	db_bind_int64(st, i++, h->has_move);
	db_bind_text(st, i++, h->has_move ? h->move.point : "");
	db_bind_text(st, i++, h->has_move ? h->move.port : "");
	db_bind_int64(st, i++, h->has_move ? h->move.ifindex : 0);
	db_bind_int64(st, i++, h->has_move ? h->move.bridge_port : 0);
	db_bind_int64(st, i++, h->has_move ? h->move.orig_vlan : 0);
	db_bind_int64(st, i++, h->has_move ? h->move.quarantine_vlan : 0);
	db_bind_text(st, i++, h->has_move ? h->move.detail : "");
	if (h->has_move)
		enf_tagged_text(&h->move, tagged, sizeof(tagged));
	else
		tagged[0] = '\0';
	db_bind_text(st, i++, tagged);
	db_bind_text(st, i++, h->has_mac ? mac_source_name(h->mac_source) : "");
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "writing host");
		return -1;
	}
	return 0;
}

int
registry_audit(struct registry *r, double when, const char *actor,
    const char *action, const struct ip_addr *host, const char *reason,
    const char *result)
{
	struct db_stmt *st = r->audit;
	char ip[64];
	int rc;

	if (group_open(r) != 0)
		return -1;
	db_reset(st);
	db_bind_double(st, 1, when);
	db_bind_text(st, 2, actor);
	db_bind_text(st, 3, action);
	if (host)
		db_bind_text(st, 4, ip_to_str(host, ip, sizeof(ip)));
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, reason ? reason : "");
	db_bind_text(st, 6, result ? result : "");
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "writing audit");
		return -1;
	}
	return 0;
}

int
registry_put_audited(struct registry *r, const struct host_rec *h, double when,
    const struct registry_audit_entry *a, size_t n)
{
	size_t i;

	if (tx_begin(r) != 0) {
		reg_set_error(r, "beginning a transaction");
		return -1;
	}
	if (registry_put(r, h) != 0)
		goto rollback;
	for (i = 0; i < n; i++)
		if (registry_audit(r, when, a[i].actor, a[i].action, &h->ip, a[i].reason,
			a[i].result) != 0)
			goto rollback;
	if (tx_end(r, true) != 0) {
		reg_set_error(r, "committing");
		return -1;
	}
	return 0;
rollback:
	/* r->error keeps the failed step's message, not the rollback's. */
	tx_end(r, false);
	return -1;
}

int
registry_event(struct registry *r, double when, const struct ip_addr *host,
    const char *engine, const char *json)
{
	struct db_stmt *st = r->event;
	char ip[64];
	int rc;

	if (group_open(r) != 0)
		return -1;
	db_reset(st);
	db_bind_double(st, 1, when);
	db_bind_text(st, 2, ip_to_str(host, ip, sizeof(ip)));
	db_bind_text(st, 3, engine);
	db_bind_text(st, 4, json);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "writing event");
		return -1;
	}
	return 0;
}

const char *
service_proto_name(uint8_t proto)
{
	return proto == IPPROTO_NUM_UDP ? "udp" : "tcp";
}

int
registry_seen(struct registry *r, const struct seen_host *v, const enum mac_source *src,
    size_t n)
{
	struct db_stmt *st, *svc;
	size_t i;
	int rc = 0;

	if (n == 0)
		return 0;
	if (tx_begin(r) != 0) {
		reg_set_error(r, "recording seen hosts");
		return -1;
	}
	if (db_prepare(r->db, "INSERT INTO hosts (ip, ipbin, mac, state, first_seen, last_seen, updated, mac_source)"
		" VALUES (?1, ?2, ?3, 'observed', ?4, ?5, ?6, ?7)"
		" ON CONFLICT(ip) DO UPDATE SET"
		/* A recorded location keeps its MAC: isolation, following and release
		 * act on it, and an address taken over by another host must not hand
		 * them its MAC (ident_take_mac says the same for detections). */
		" mac = CASE WHEN excluded.mac IS NOT NULL AND (hosts.mac IS NULL OR (hosts.has_loc = 0 AND ?8 >= "
		SQL_SOURCE_RANK("hosts.mac_source") ")) THEN excluded.mac ELSE hosts.mac END,"
		" mac_source = CASE WHEN excluded.mac IS NOT NULL AND (hosts.mac IS NULL OR (hosts.has_loc = 0 AND ?8 >= "
		SQL_SOURCE_RANK("hosts.mac_source") ")) THEN excluded.mac_source ELSE hosts.mac_source END,"
		" first_seen = CASE WHEN hosts.first_seen IS NULL OR hosts.first_seen = 0"
		"   OR excluded.first_seen < hosts.first_seen THEN excluded.first_seen ELSE hosts.first_seen END,"
		" last_seen = CASE WHEN COALESCE(hosts.last_seen, 0) > excluded.last_seen"
		"   THEN hosts.last_seen ELSE excluded.last_seen END", false, &st) != 0) {
		reg_set_error(r, "recording seen hosts");
		tx_end(r, false);
		return -1;
	}
	if (db_prepare(r->db, "INSERT INTO services (ip, proto, port, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(ip, proto, port) DO UPDATE SET"
		" first_seen = CASE WHEN services.first_seen < excluded.first_seen"
		"   THEN services.first_seen ELSE excluded.first_seen END,"
		" last_seen = CASE WHEN services.last_seen > excluded.last_seen"
		"   THEN services.last_seen ELSE excluded.last_seen END", false, &svc) != 0) {
		reg_set_error(r, "recording seen services");
		db_finalize(st);
		tx_end(r, false);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		char ip[64], mac[24];
		ip_to_str(&v[i].ip, ip, sizeof(ip));
		db_reset(st);
		db_bind_text(st, 1, ip);
		db_bind_blob(st, 2, v[i].ip.b, 16);
		enum mac_source ms = src ? src[i] : MAC_SRC_SENSOR;
		if (v[i].has_mac && ms != MAC_SRC_NONE) {
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v[i].mac[0],
			    v[i].mac[1], v[i].mac[2], v[i].mac[3], v[i].mac[4], v[i].mac[5]);
			db_bind_text(st, 3, mac);
			db_bind_text(st, 7, mac_source_name(ms));
		} else {
			db_bind_null(st, 3);
			db_bind_text(st, 7, "");
		}
		db_bind_int64(st, 8, (int)ms);
		db_bind_double(st, 4, v[i].first_seen_us / 1e6);
		db_bind_double(st, 5, v[i].last_seen_us / 1e6);
		db_bind_double(st, 6, v[i].time_us / 1e6);
		if (db_step(st) != DB_DONE)
			rc = -1;
		for (size_t k = 0; k < v[i].nservices && k < SEEN_MAX_SERVICES && rc == 0; k++) {
			const struct seen_service *sv = &v[i].services[k];
			db_reset(svc);
			db_bind_text(svc, 1, ip);
			db_bind_text(svc, 2, service_proto_name(sv->proto));
			db_bind_int64(svc, 3, sv->port);
			db_bind_double(svc, 4, sv->first_seen_us / 1e6);
			db_bind_double(svc, 5, sv->last_seen_us / 1e6);
			if (db_step(svc) != DB_DONE)
				rc = -1;
		}
	}
	if (rc != 0) {
		reg_set_error(r, "recording seen hosts");
		db_finalize(st);
		db_finalize(svc);
		tx_end(r, false);
		return -1;
	}
	db_finalize(st);
	db_finalize(svc);
	if (tx_end(r, true) != 0) {
		reg_set_error(r, "recording seen hosts");
		return -1;
	}
	return 0;
}

int
registry_meta_get(struct registry *r, const char *key, char *value, size_t len)
{
	struct db_stmt *st;
	int rc, found = 0;

	if (db_prepare(r->db, "SELECT value FROM meta WHERE key = ?", false, &st) != 0) {
		reg_set_error(r, "reading settings");
		return -1;
	}
	db_bind_text(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ROW) {
		reg_col_text(st, 0, value, len);
		found = 1;
	} else if (rc != DB_DONE) {
		reg_set_error(r, "reading settings");
		found = -1;
	}
	db_finalize(st);
	return found;
}

int
registry_meta_put(struct registry *r, const char *key, const char *value)
{
	struct db_stmt *st;
	int rc;

	if (group_open(r) != 0)
		return -1;
	if (db_prepare(r->db, "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", false, &st) != 0) {
		reg_set_error(r, "writing settings");
		return -1;
	}
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "writing settings");
		return -1;
	}
	return 0;
}

int
registry_find_mac(struct registry *r, const uint8_t mac[6], const struct ip_addr *except,
    struct host_rec *out)
{
	struct db_stmt *st;
	char text[24], ip[64];
	int rc;

	if (db_prepare(r->db, HOST_COLUMNS " FROM hosts WHERE mac = ?1"
		" AND ip <> ?2 ORDER BY last_seen DESC LIMIT 1", false, &st) != 0) {
		reg_set_error(r, "finding a MAC");
		return -1;
	}
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
	    mac[3], mac[4], mac[5]);
	db_bind_text(st, 1, text);
	db_bind_text(st, 2, except ? ip_to_str(except, ip, sizeof(ip)) : "");
	rc = db_step(st);
	if (rc == DB_ROW)
		reg_row_to_host(st, out);
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	reg_set_error(r, "finding a MAC");
	return -1;
}

int
registry_move(struct registry *r, const struct ip_addr *old_ip, const struct host_rec *h)
{
	struct db_stmt *st;
	char ip[64], newip[64];
	int rc;

	if (tx_begin(r) != 0) {
		reg_set_error(r, "moving a host");
		return -1;
	}
	if (db_prepare(r->db, "DELETE FROM hosts WHERE ip = ?", false, &st) != 0) {
		reg_set_error(r, "moving a host");
		tx_end(r, false);
		return -1;
	}
	db_bind_text(st, 1, ip_to_str(old_ip, ip, sizeof(ip)));
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "moving a host");
		tx_end(r, false);
		return -1;
	}
	if (registry_put(r, h) != 0) {
		tx_end(r, false);
		return -1;
	}
	/* The services are the machine's: they follow it to its new address. */
	/* The services are the machine's: they follow it to its new address,
	 * each replacing the same service recorded there. */
	static const char *const move_sql[2] = {
		"DELETE FROM services WHERE ip = ?2 AND EXISTS (SELECT 1 FROM services o"
		" WHERE o.ip = ?1 AND o.proto = services.proto AND o.port = services.port)",
		"UPDATE services SET ip = ?2 WHERE ip = ?1",
	};
	ip_to_str(&h->ip, newip, sizeof(newip));
	for (int k = 0; k < 2; k++) {
		if (db_prepare(r->db, move_sql[k], false, &st) != 0) {
			reg_set_error(r, "moving a host's services");
			tx_end(r, false);
			return -1;
		}
		db_bind_text(st, 1, ip);
		db_bind_text(st, 2, newip);
		rc = db_step(st);
		db_finalize(st);
		if (rc != DB_DONE) {
			reg_set_error(r, "moving a host's services");
			tx_end(r, false);
			return -1;
		}
	}
	if (tx_end(r, true) != 0) {
		reg_set_error(r, "moving a host");
		return -1;
	}
	return 0;
}

int
registry_prune(struct registry *r, enum registry_log log, double before, unsigned max_rows)
{
	/* Found by time (events_time, audit_time), not by id: a row stamped in
	 * the future by a clock once wrong must not stop the pruning behind it. */
	static const char *const sql[] = {
		[REGISTRY_EVENTS] = "DELETE FROM events WHERE id IN"
		    " (SELECT id FROM events WHERE time < ?1 LIMIT ?2)",
		[REGISTRY_AUDIT] = "DELETE FROM audit WHERE id IN"
		    " (SELECT id FROM audit WHERE time < ?1 LIMIT ?2)",
	};
	struct db_stmt *st;
	int rc;

	if ((unsigned)log > REGISTRY_AUDIT)
		return -1;
	if (group_open(r) != 0)
		return -1;
	if (db_prepare(r->db, sql[log], false, &st) != 0) {
		reg_set_error(r, "pruning old rows");
		return -1;
	}
	db_bind_double(st, 1, before);
	db_bind_int64(st, 2, (int64_t)max_rows);
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "pruning old rows");
		return -1;
	}
	return (int)db_changes(r->db);
}

