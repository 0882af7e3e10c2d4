/* SPDX-License-Identifier: ISC */
#include "registry.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct registry {
	sqlite3 *db;          /* owned */
	bool in_group;        /* a group transaction is open (registry_group) */
	bool group_broken;    /* SQLite rolled the open group back after an error */
	void (*group_opened)(void *arg);   /* NULL: every write is its own transaction */
	void *group_arg;      /* borrowed */
	sqlite3_stmt *get;    /* owned: prepared once */
	sqlite3_stmt *put;
	sqlite3_stmt *audit;
	sqlite3_stmt *event;
	sqlite3_stmt *at;     /* registry_foreach_at's, prepared on first use (once per isolation) */
	char error[512];
};

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
	int i;

	for (i = 0; i < MAC_SRC_COUNT; i++)
		if (strcmp(mac_source_names[i], name) == 0)
			return i;
	return -1;
}

/* The rank of a stored source in SQL (mac_source_may_replace's order). */
#define SQL_SOURCE_RANK(col) \
    "(CASE " col " WHEN 'operator' THEN 4 WHEN 'segment' THEN 3 WHEN 'router' THEN 2" \
    " WHEN 'sensor' THEN 1 ELSE 0 END)"

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
	int i;

	for (i = 0; i < HS_COUNT; i++)
		if (strcmp(state_names[i], name) == 0)
			return i;
	return -1;
}

/* The columns of host_rec.move, in the order row_to_host and registry_put use. */
#define MOVE_COLUMNS "has_move, move_point, move_port, move_ifindex, move_bridge_port," \
	" move_orig_vlan, move_quarantine_vlan, move_detail, move_orig_tagged"
#define COL_MOVE 26   /* has_move's index in a row of HOST_COLUMNS */
#define COL_MAC_SOURCE (COL_MOVE + 9)   /* after MOVE_COLUMNS */

/* What row_to_host reads, in its order. */
#define HOST_COLUMNS \
    "SELECT ip, mac, state, hold, failed_op, reason, actor, point, has_loc," \
    " loc_point, loc_port, loc_ifindex, loc_bridge_port, loc_orig_vlan," \
    " loc_quarantine_vlan, loc_detail, attempts, next_retry, probation_until," \
    " first_seen, last_seen, updated, last_error, detections, loc_orig_tagged, loc_port_macs, " \
    MOVE_COLUMNS ", mac_source"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS hosts ("
    " ip TEXT PRIMARY KEY, ipbin BLOB NOT NULL, mac TEXT, state TEXT NOT NULL,"
    " hold TEXT NOT NULL DEFAULT '', failed_op TEXT NOT NULL DEFAULT '',"
    " reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '',"
    " point TEXT NOT NULL DEFAULT '', has_loc INTEGER NOT NULL DEFAULT 0,"
    " loc_point TEXT, loc_port TEXT, loc_ifindex INTEGER, loc_bridge_port INTEGER,"
    " loc_orig_vlan INTEGER, loc_quarantine_vlan INTEGER, loc_detail TEXT,"
    " loc_orig_tagged TEXT NOT NULL DEFAULT '', loc_port_macs TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0, next_retry REAL NOT NULL DEFAULT 0,"
    " probation_until REAL NOT NULL DEFAULT 0, first_seen REAL, last_seen REAL,"
    " updated REAL, last_error TEXT NOT NULL DEFAULT '', detections INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS hosts_state ON hosts(state);"
    "CREATE INDEX IF NOT EXISTS hosts_ipbin ON hosts(ipbin);"
    /* A page of one state's hosts (the console's filter) is a range of
     * this, not a walk of every host in address order. */
    "CREATE INDEX IF NOT EXISTS hosts_state_ipbin ON hosts(state, ipbin);"
    "CREATE INDEX IF NOT EXISTS hosts_port ON hosts(loc_point, loc_ifindex) WHERE has_loc = 1;"
    "CREATE INDEX IF NOT EXISTS hosts_mac ON hosts(mac);"
    "CREATE TABLE IF NOT EXISTS audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, host TEXT, reason TEXT, result TEXT);"
    "CREATE INDEX IF NOT EXISTS audit_host ON audit(host, id);"
    "CREATE TABLE IF NOT EXISTS events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, host TEXT NOT NULL,"
    " engine TEXT NOT NULL, json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_host ON events(host, time);"
    "CREATE INDEX IF NOT EXISTS events_time ON events(time);"
    "CREATE INDEX IF NOT EXISTS audit_time ON audit(time);"
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    /* Services hosts were seen answering on (the exposure map). Keyed by the
     * host's address, with no foreign key: registry_put replaces host rows,
     * and a host's services outlive that. A database of an older Cordon
     * gains the table here, empty. */
    "CREATE TABLE IF NOT EXISTS services ("
    " ip TEXT NOT NULL, proto TEXT NOT NULL, port INTEGER NOT NULL,"
    " first_seen REAL NOT NULL, last_seen REAL NOT NULL, PRIMARY KEY (ip, proto, port));"
    "CREATE INDEX IF NOT EXISTS services_port ON services(port);";

/*
 * Columns added since the first schema, each with its default for the rows
 * already there: a database of an older Cordon opens, and its hosts keep
 * their state and locations.
 */
static const struct {
	const char *column;
	const char *definition;
} added_columns[] = {
	/* where the MAC comes from (mac_source_name). "" with a MAC: recorded
	 * before sources were kept, a sensor's report or an operator's that cannot
	 * be told apart now; read as "sensor", the lowest rank of a MAC, so that
	 * any later source may correct it (row_to_host) */
	{"mac_source", "TEXT NOT NULL DEFAULT ''"},
	/* a location's tagged VLANs (enf_tagged_text), "" for none */
	{"loc_orig_tagged", "TEXT NOT NULL DEFAULT ''"},
	/* the MACs learned on a location's port (enf_port_macs_text), "" for none */
	{"loc_port_macs", "TEXT NOT NULL DEFAULT ''"},
	/* a move under way (host_rec.move): the port being isolated, same fields as loc_* */
	{"has_move", "INTEGER NOT NULL DEFAULT 0"},
	{"move_point", "TEXT NOT NULL DEFAULT ''"},
	{"move_port", "TEXT NOT NULL DEFAULT ''"},
	{"move_ifindex", "INTEGER NOT NULL DEFAULT 0"},
	{"move_bridge_port", "INTEGER NOT NULL DEFAULT 0"},
	{"move_orig_vlan", "INTEGER NOT NULL DEFAULT 0"},
	{"move_quarantine_vlan", "INTEGER NOT NULL DEFAULT 0"},
	{"move_detail", "TEXT NOT NULL DEFAULT ''"},
	{"move_orig_tagged", "TEXT NOT NULL DEFAULT ''"},
};

static bool
hosts_has_column(sqlite3 *db, const char *column, int *rc)
{
	sqlite3_stmt *st;
	bool found = false;

	*rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('hosts')", -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return false;
	while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		if (name && strcmp((const char *)name, column) == 0)
			found = true;
	}
	sqlite3_finalize(st);
	if (*rc == SQLITE_DONE)
		*rc = SQLITE_OK;
	return found;
}

/*
 * An older Cordon queued hosts over its isolation cap ("rate-limit" holds)
 * and isolated them later on its own. Such hosts are now held by the
 * circuit breaker, tripped, for an operator to decide.
 */
static const char legacy_rate_holds[] =
    "INSERT OR IGNORE INTO meta (key, value) SELECT 'breaker',"
    " '1 ' || CAST(strftime('%s', 'now') AS TEXT) || ' hosts queued by the isolation cap of an older Cordon'"
    " WHERE EXISTS (SELECT 1 FROM hosts WHERE hold = 'rate-limit');"
    "UPDATE hosts SET hold = '" HOLD_BREAKER "' WHERE hold = 'rate-limit';";

/* Adds what an older database lacks; SQLite's code, with *msg (sqlite3_free) on failure. */
static int
migrate(sqlite3 *db, char **msg)
{
	int rc;

	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		if (hosts_has_column(db, added_columns[i].column, &rc))
			continue;
		if (rc != SQLITE_OK) {
			*msg = sqlite3_mprintf("reading the hosts table: %s", sqlite3_errmsg(db));
			return rc;
		}
		char *sql = sqlite3_mprintf("ALTER TABLE hosts ADD COLUMN %s %s",
		    added_columns[i].column, added_columns[i].definition);
		if (sql == NULL) {
			*msg = sqlite3_mprintf("out of memory");
			return SQLITE_NOMEM;
		}
		rc = sqlite3_exec(db, sql, NULL, NULL, msg);
		sqlite3_free(sql);
		if (rc != SQLITE_OK)
			return rc;
	}
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, legacy_rate_holds, NULL, NULL, msg);
	if (rc == SQLITE_OK)
		return sqlite3_exec(db, "COMMIT", NULL, NULL, msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void
set_error(struct registry *r, const char *what)
{
	snprintf(r->error, sizeof(r->error), "%s: %s", what, sqlite3_errmsg(r->db));
}

const char *
registry_error(const struct registry *r)
{
	return r->error;
}

struct registry *
registry_open(const char *path, char *err, size_t errlen)
{
	struct registry *r = calloc(1, sizeof(*r));
	char *msg = NULL;

	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "state database %s: %s", path,
		    r->db ? sqlite3_errmsg(r->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(r->db, 5000);
	if (sqlite3_exec(r->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    migrate(r->db, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "state database %s: %s", path, msg ? msg : "schema failed");
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v2(r->db,
		HOST_COLUMNS " FROM hosts WHERE ip = ?",
		-1, &r->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db,
		"INSERT OR REPLACE INTO hosts (ip, ipbin, mac, state, hold, failed_op, reason,"
		" actor, point, has_loc, loc_point, loc_port, loc_ifindex, loc_bridge_port,"
		" loc_orig_vlan, loc_quarantine_vlan, loc_detail, attempts, next_retry,"
		" probation_until, first_seen, last_seen, updated, last_error, detections,"
		" loc_orig_tagged, loc_port_macs, " MOVE_COLUMNS ", mac_source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		-1, &r->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db,
		"INSERT INTO audit (time, actor, action, host, reason, result) VALUES (?,?,?,?,?,?)",
		-1, &r->audit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(r->db,
		"INSERT INTO events (time, host, engine, json) VALUES (?,?,?,?)",
		-1, &r->event, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "state database %s: %s", path, sqlite3_errmsg(r->db));
		goto fail;
	}
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
	return r->in_group;
}

/* Before a write: opens the group transaction if grouping and none is open. */
static int
group_open(struct registry *r)
{
	if (r->group_opened == NULL)
		return 0;
	if (r->in_group) {
		if (!sqlite3_get_autocommit(r->db))
			return 0;
		/* SQLite ended the group itself (an I/O error, a full disk): what
		 * it held is gone, so the whole turn must fail at its commit, and
		 * the writes after this one go into a group that will be undone. */
		r->group_broken = true;
		r->in_group = false;
	}
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		set_error(r, "opening a transaction");
		return -1;
	}
	r->in_group = true;
	r->group_opened(r->group_arg);
	return 0;
}

int
registry_commit(struct registry *r)
{
	bool broken = r->group_broken || (r->in_group && sqlite3_get_autocommit(r->db));

	r->group_broken = false;
	if (broken) {
		if (r->in_group && !sqlite3_get_autocommit(r->db))
			sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		r->in_group = false;
		snprintf(r->error, sizeof(r->error), "committing: the transaction was ended by SQLite"
		    " after an error; its changes are undone");
		return -1;
	}
	if (!r->in_group)
		return 0;
	r->in_group = false;
	if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	set_error(r, "committing");
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
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
	return sqlite3_exec(r->db, r->in_group ? "SAVEPOINT part" : "BEGIN IMMEDIATE", NULL, NULL,
	    NULL) == SQLITE_OK ? 0 : -1;
}

static int
tx_end(struct registry *r, bool ok)
{
	if (!ok) {
		sqlite3_exec(r->db, r->in_group ? "ROLLBACK TO part; RELEASE part" : "ROLLBACK", NULL,
		    NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(r->db, r->in_group ? "RELEASE part" : "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	/* Not kept: inside a group the savepoint's writes must not ride along
	 * with the group's commit. */
	sqlite3_exec(r->db, r->in_group ? "ROLLBACK TO part; RELEASE part" : "ROLLBACK", NULL, NULL,
	    NULL);
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
	sqlite3_finalize(r->get);
	sqlite3_finalize(r->put);
	sqlite3_finalize(r->audit);
	sqlite3_finalize(r->event);
	sqlite3_finalize(r->at);
	sqlite3_close(r->db);
	free(r);
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
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

static void
row_to_host(sqlite3_stmt *st, struct host_rec *h)
{
	char buf[256];
	int s;

	memset(h, 0, sizeof(*h));
	col_text(st, 0, buf, sizeof(buf));
	ip_from_str(buf, &h->ip);
	col_text(st, 1, buf, sizeof(buf));
	h->has_mac = buf[0] && parse_mac(buf, h->mac) == 0;
	col_text(st, 2, buf, sizeof(buf));
	s = host_state_from_name(buf);
	h->state = s < 0 ? HS_FAILED : (enum host_state)s;
	col_text(st, 3, h->hold, sizeof(h->hold));
	col_text(st, 4, h->failed_op, sizeof(h->failed_op));
	col_text(st, 5, h->reason, sizeof(h->reason));
	col_text(st, 6, h->actor, sizeof(h->actor));
	col_text(st, 7, h->point, sizeof(h->point));
	h->has_loc = sqlite3_column_int(st, 8) != 0;
	col_text(st, 9, h->loc.point, sizeof(h->loc.point));
	col_text(st, 10, h->loc.port, sizeof(h->loc.port));
	h->loc.ifindex = sqlite3_column_int(st, 11);
	h->loc.bridge_port = sqlite3_column_int(st, 12);
	h->loc.orig_vlan = sqlite3_column_int(st, 13);
	h->loc.quarantine_vlan = sqlite3_column_int(st, 14);
	col_text(st, 15, h->loc.detail, sizeof(h->loc.detail));
	h->loc.host.ip = h->ip;
	h->loc.host.has_mac = h->has_mac;
	memcpy(h->loc.host.mac, h->mac, 6);
	h->attempts = (uint32_t)sqlite3_column_int(st, 16);
	h->next_retry = sqlite3_column_double(st, 17);
	h->probation_until = sqlite3_column_double(st, 18);
	h->first_seen = sqlite3_column_double(st, 19);
	h->last_seen = sqlite3_column_double(st, 20);
	h->updated = sqlite3_column_double(st, 21);
	col_text(st, 22, h->last_error, sizeof(h->last_error));
	h->detections = (uint64_t)sqlite3_column_int64(st, 23);
	col_text(st, 24, buf, sizeof(buf));
	if (enf_tagged_parse(buf, &h->loc) < 0)
		/* Not a list Cordon wrote: past the bound, so that the point refuses the
		 * location (nothing written to the switch) rather than drop memberships. */
		h->loc.norig_tagged = ENF_MAX_TAGGED + 1;
	col_text(st, 25, buf, sizeof(buf));
	if (enf_port_macs_parse(buf, &h->loc) < 0)
		h->loc.nport_macs = 0;   /* shown as unknown; nothing is acted on from it */
	h->has_move = sqlite3_column_int(st, COL_MOVE) != 0;
	if (h->has_move) {
		col_text(st, COL_MOVE + 1, h->move.point, sizeof(h->move.point));
		col_text(st, COL_MOVE + 2, h->move.port, sizeof(h->move.port));
		h->move.ifindex = sqlite3_column_int(st, COL_MOVE + 3);
		h->move.bridge_port = sqlite3_column_int(st, COL_MOVE + 4);
		h->move.orig_vlan = sqlite3_column_int(st, COL_MOVE + 5);
		h->move.quarantine_vlan = sqlite3_column_int(st, COL_MOVE + 6);
		col_text(st, COL_MOVE + 7, h->move.detail, sizeof(h->move.detail));
		h->move.host = h->loc.host;
		col_text(st, COL_MOVE + 8, buf, sizeof(buf));
		if (enf_tagged_parse(buf, &h->move) < 0)
			h->move.norig_tagged = ENF_MAX_TAGGED + 1;   /* as for loc */
	}
	col_text(st, COL_MAC_SOURCE, buf, sizeof(buf));
	s = mac_source_from_name(buf);
	h->mac_source = !h->has_mac ? MAC_SRC_NONE : s <= 0 ? MAC_SRC_SENSOR : (enum mac_source)s;
}

int
registry_get(struct registry *r, const struct ip_addr *ip, struct host_rec *out)
{
	char text[64];
	int rc;

	ip_to_str(ip, text, sizeof(text));
	sqlite3_reset(r->get);
	sqlite3_bind_text(r->get, 1, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(r->get);
	if (rc == SQLITE_ROW) {
		row_to_host(r->get, out);
		sqlite3_reset(r->get);
		return 1;
	}
	sqlite3_reset(r->get);
	if (rc == SQLITE_DONE)
		return 0;
	set_error(r, "reading host");
	return -1;
}

int
registry_put(struct registry *r, const struct host_rec *h)
{
	sqlite3_stmt *st = r->put;
	char ip[64], mac[24], tagged[ENF_MAX_TAGGED * 6 + 1], macs[16 + ENF_MAX_PORT_MACS * 18];
	int i = 1, rc;

	if (group_open(r) != 0)
		return -1;
	ip_to_str(&h->ip, ip, sizeof(ip));
	if (h->has_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0],
		    h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
	sqlite3_reset(st);
	sqlite3_bind_text(st, i++, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, i++, h->ip.b, 16, SQLITE_TRANSIENT);
	if (h->has_mac)
		sqlite3_bind_text(st, i++, mac, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i++);
	sqlite3_bind_text(st, i++, host_state_name(h->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, h->hold, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->failed_op, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->point, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, h->has_loc);
	sqlite3_bind_text(st, i++, h->loc.point, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->loc.port, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, h->loc.ifindex);
	sqlite3_bind_int(st, i++, h->loc.bridge_port);
	sqlite3_bind_int(st, i++, h->loc.orig_vlan);
	sqlite3_bind_int(st, i++, h->loc.quarantine_vlan);
	sqlite3_bind_text(st, i++, h->loc.detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, (int)h->attempts);
	sqlite3_bind_double(st, i++, h->next_retry);
	sqlite3_bind_double(st, i++, h->probation_until);
	sqlite3_bind_double(st, i++, h->first_seen);
	sqlite3_bind_double(st, i++, h->last_seen);
	sqlite3_bind_double(st, i++, h->updated);
	sqlite3_bind_text(st, i++, h->last_error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, i++, (sqlite3_int64)h->detections);
	enf_tagged_text(&h->loc, tagged, sizeof(tagged));
	sqlite3_bind_text(st, i++, tagged, -1, SQLITE_TRANSIENT);
	enf_port_macs_text(&h->loc, macs, sizeof(macs));
	sqlite3_bind_text(st, i++, macs, -1, SQLITE_TRANSIENT);
	/* MOVE_COLUMNS; empty without a move */
	sqlite3_bind_int(st, i++, h->has_move);
	sqlite3_bind_text(st, i++, h->has_move ? h->move.point : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->has_move ? h->move.port : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, h->has_move ? h->move.ifindex : 0);
	sqlite3_bind_int(st, i++, h->has_move ? h->move.bridge_port : 0);
	sqlite3_bind_int(st, i++, h->has_move ? h->move.orig_vlan : 0);
	sqlite3_bind_int(st, i++, h->has_move ? h->move.quarantine_vlan : 0);
	sqlite3_bind_text(st, i++, h->has_move ? h->move.detail : "", -1, SQLITE_TRANSIENT);
	if (h->has_move)
		enf_tagged_text(&h->move, tagged, sizeof(tagged));
	else
		tagged[0] = '\0';
	sqlite3_bind_text(st, i++, tagged, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, h->has_mac ? mac_source_name(h->mac_source) : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "writing host");
		return -1;
	}
	return 0;
}

int
registry_audit(struct registry *r, double when, const char *actor,
    const char *action, const struct ip_addr *host, const char *reason,
    const char *result)
{
	sqlite3_stmt *st = r->audit;
	char ip[64];
	int rc;

	if (group_open(r) != 0)
		return -1;
	sqlite3_reset(st);
	sqlite3_bind_double(st, 1, when);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	if (host)
		sqlite3_bind_text(st, 4, ip_to_str(host, ip, sizeof(ip)), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, reason ? reason : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, result ? result : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "writing audit");
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
		set_error(r, "beginning a transaction");
		return -1;
	}
	if (registry_put(r, h) != 0)
		goto rollback;
	for (i = 0; i < n; i++)
		if (registry_audit(r, when, a[i].actor, a[i].action, &h->ip, a[i].reason,
			a[i].result) != 0)
			goto rollback;
	if (tx_end(r, true) != 0) {
		set_error(r, "committing");
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
	sqlite3_stmt *st = r->event;
	char ip[64];
	int rc;

	if (group_open(r) != 0)
		return -1;
	sqlite3_reset(st);
	sqlite3_bind_double(st, 1, when);
	sqlite3_bind_text(st, 2, ip_to_str(host, ip, sizeof(ip)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, engine, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, json, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "writing event");
		return -1;
	}
	return 0;
}

int
registry_foreach(struct registry *r, int state, registry_host_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(r->db,
		HOST_COLUMNS " FROM hosts"
		" WHERE ?1 IS NULL OR state = ?1 ORDER BY ipbin", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "listing hosts");
		return -1;
	}
	if (state >= 0)
		sqlite3_bind_text(st, 1, host_state_name((enum host_state)state), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct host_rec h;
		row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			/* The caller stopped the walk (out of memory, or done): it
			 * must not mistake a part for the whole. */
			sqlite3_finalize(st);
			snprintf(r->error, sizeof(r->error), "listing hosts: stopped by the caller");
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "listing hosts");
		return -1;
	}
	return 0;
}

int
registry_page(struct registry *r, int state, const struct ip_addr *after, unsigned limit,
    registry_host_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(r->db, state >= 0 ?
		HOST_COLUMNS " FROM hosts WHERE state = ?1 AND ipbin > ?2 ORDER BY ipbin LIMIT ?3" :
		HOST_COLUMNS " FROM hosts WHERE ipbin > ?2 ORDER BY ipbin LIMIT ?3", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "listing hosts");
		return -1;
	}
	if (state >= 0)
		sqlite3_bind_text(st, 1, host_state_name((enum host_state)state), -1, SQLITE_STATIC);
	/* Always a bound: a range on hosts_ipbin, where "?2 IS NULL OR" would
	 * make SQLite walk the index from its start for every page. The empty
	 * blob sorts before every address. */
	if (after != NULL)
		sqlite3_bind_blob(st, 2, after->b, 16, SQLITE_TRANSIENT);
	else
		sqlite3_bind_zeroblob(st, 2, 0);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct host_rec h;
		row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			sqlite3_finalize(st);
			snprintf(r->error, sizeof(r->error), "listing hosts: stopped by the caller");
			return -1;
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "listing hosts");
		return -1;
	}
	return n;
}

int
registry_assets_page(struct registry *r, int state, int exposed_port, const struct ip_addr *after,
    unsigned limit, registry_asset_fn fn, void *arg)
{
	sqlite3_stmt *st, *svc;
	int rc, n = 0;

	/* Hosts in address order, as registry_page; the exposed filter is an
	 * EXISTS on the services' primary key (ip first). */
	if (sqlite3_prepare_v2(r->db, state >= 0 ?
		HOST_COLUMNS " FROM hosts WHERE state = ?1 AND ipbin > ?2"
		" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM services s WHERE s.ip = hosts.ip AND s.port = ?4))"
		" ORDER BY ipbin LIMIT ?3" :
		HOST_COLUMNS " FROM hosts WHERE ipbin > ?2"
		" AND (?4 IS NULL OR EXISTS (SELECT 1 FROM services s WHERE s.ip = hosts.ip AND s.port = ?4))"
		" ORDER BY ipbin LIMIT ?3", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "listing assets");
		return -1;
	}
	if (sqlite3_prepare_v2(r->db, "SELECT proto, port, first_seen, last_seen FROM services"
		" WHERE ip = ?1 ORDER BY proto, port LIMIT " REGISTRY_MAX_SERVICES_SQL, -1, &svc,
		NULL) != SQLITE_OK) {
		set_error(r, "listing assets");
		sqlite3_finalize(st);
		return -1;
	}
	if (state >= 0)
		sqlite3_bind_text(st, 1, host_state_name((enum host_state)state), -1, SQLITE_STATIC);
	/* Always a bound: a range on hosts_ipbin, where "?2 IS NULL OR" would
	 * make SQLite walk the index from its start for every page. The empty
	 * blob sorts before every address. */
	if (after != NULL)
		sqlite3_bind_blob(st, 2, after->b, 16, SQLITE_TRANSIENT);
	else
		sqlite3_bind_zeroblob(st, 2, 0);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	if (exposed_port >= 0)
		sqlite3_bind_int(st, 4, exposed_port);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct host_rec h;
		struct host_service sv[REGISTRY_MAX_SERVICES];
		size_t ns = 0;
		int src;
		row_to_host(st, &h);
		sqlite3_reset(svc);
		sqlite3_bind_text(svc, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
		while ((src = sqlite3_step(svc)) == SQLITE_ROW && ns < REGISTRY_MAX_SERVICES) {
			const unsigned char *p = sqlite3_column_text(svc, 0);
			sv[ns].proto = p && strcmp((const char *)p, "udp") == 0 ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
			sv[ns].port = (uint16_t)sqlite3_column_int(svc, 1);
			sv[ns].first_seen = sqlite3_column_double(svc, 2);
			sv[ns].last_seen = sqlite3_column_double(svc, 3);
			ns++;
		}
		if (src != SQLITE_DONE && src != SQLITE_ROW) {
			rc = src;
			break;
		}
		if (fn(arg, &h, sv, ns) != 0) {
			sqlite3_finalize(st);
			sqlite3_finalize(svc);
			snprintf(r->error, sizeof(r->error), "listing assets: stopped by the caller");
			return -1;
		}
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(svc);
	if (rc != SQLITE_DONE) {
		set_error(r, "listing assets");
		return -1;
	}
	return n;
}

int
registry_foreach_at(struct registry *r, const struct enf_location *l, registry_host_fn fn, void *arg)
{
	/* Equality on both columns of hosts_port: a range on loc_ifindex here
	 * would make SQLite walk every host of the point. */
	static const char sql[] = HOST_COLUMNS " FROM hosts"
	    " WHERE has_loc = 1 AND loc_point = ?1 AND loc_ifindex = ?2 ORDER BY ipbin";
	sqlite3_stmt *st;
	bool own = false;
	int rc;

	if (l->ifindex <= 0)
		return 0;     /* a netlink location: never a shared port */
	/* Prepared once and kept: this runs for every isolation. A walk
	 * started from inside another one gets a statement of its own. */
	if (r->at == NULL && sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &r->at,
		NULL) != SQLITE_OK) {
		set_error(r, "listing a port's hosts");
		return -1;
	}
	st = r->at;
	if (sqlite3_stmt_busy(st)) {
		if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
			set_error(r, "listing a port's hosts");
			return -1;
		}
		own = true;
	}
	sqlite3_bind_text(st, 1, l->point, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, l->ifindex);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct host_rec h;
		row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			own ? sqlite3_finalize(st) : sqlite3_reset(st);
			snprintf(r->error, sizeof(r->error), "listing a port's hosts: stopped by the caller");
			return -1;
		}
	}
	own ? sqlite3_finalize(st) : sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "listing a port's hosts");
		return -1;
	}
	return 0;
}

int
registry_audit_list(struct registry *r, const struct ip_addr *host,
    int64_t after_id, unsigned limit, registry_audit_fn fn, void *arg)
{
	sqlite3_stmt *st;
	char ip[64];
	int rc;

	/* Two statements rather than "?2 IS NULL OR host = ?2", which would
	 * walk the whole log: the rowid from after_id, or audit_host(host, id). */
	if (sqlite3_prepare_v2(r->db, host != NULL ?
		"SELECT id, time, actor, action, COALESCE(host, ''), reason, result FROM audit"
		" WHERE host = ?2 AND id > ?1 ORDER BY id LIMIT ?3" :
		"SELECT id, time, actor, action, COALESCE(host, ''), reason, result FROM audit"
		" WHERE id > ?1 ORDER BY id LIMIT ?3",
		-1, &st, NULL) != SQLITE_OK) {
		set_error(r, "reading audit");
		return -1;
	}
	sqlite3_bind_int64(st, 1, after_id);
	if (host)
		sqlite3_bind_text(st, 2, ip_to_str(host, ip, sizeof(ip)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, (int)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_rec a;
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(st, 0);
		a.time = sqlite3_column_double(st, 1);
		col_text(st, 2, a.actor, sizeof(a.actor));
		col_text(st, 3, a.action, sizeof(a.action));
		col_text(st, 4, a.host, sizeof(a.host));
		col_text(st, 5, a.reason, sizeof(a.reason));
		col_text(st, 6, a.result, sizeof(a.result));
		if (fn(arg, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "reading audit");
		return -1;
	}
	return 0;
}

int
registry_count(struct registry *r, uint64_t counts[HS_COUNT])
{
	sqlite3_stmt *st;
	int rc;

	memset(counts, 0, sizeof(uint64_t) * HS_COUNT);
	if (sqlite3_prepare_v2(r->db, "SELECT state, COUNT(*) FROM hosts GROUP BY state",
		-1, &st, NULL) != SQLITE_OK) {
		set_error(r, "counting hosts");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		int s = name ? host_state_from_name((const char *)name) : -1;
		if (s >= 0)
			counts[s] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "counting hosts");
		return -1;
	}
	return 0;
}

int64_t
registry_audit_last_id(struct registry *r)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (sqlite3_prepare_v2(r->db, "SELECT COALESCE(MAX(id), 0) FROM audit", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "reading audit");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		set_error(r, "reading audit");
	sqlite3_finalize(st);
	return id;
}

int
registry_event_list(struct registry *r, const struct ip_addr *host, int64_t after_id,
    unsigned limit, registry_event_fn fn, void *arg)
{
	sqlite3_stmt *st;
	char ip[64];
	int rc;

	/* Four statements rather than one with "?2 IS NULL OR": each walks the
	 * rowid (all hosts) or the host's index in id order, from where it starts.
	 * The newest `limit` ones are a descending read put back in order. */
	static const char *const sql[2][2] = {
		{ "SELECT id, time, host, engine, json FROM events WHERE id > ?1 ORDER BY id LIMIT ?3",
		  "SELECT * FROM (SELECT id, time, host, engine, json FROM events"
		  " ORDER BY id DESC LIMIT ?3) ORDER BY id" },
		{ "SELECT id, time, host, engine, json FROM events WHERE host = ?2 AND id > ?1"
		  " ORDER BY id LIMIT ?3",
		  "SELECT * FROM (SELECT id, time, host, engine, json FROM events WHERE host = ?2"
		  " ORDER BY id DESC LIMIT ?3) ORDER BY id" },
	};

	if (sqlite3_prepare_v2(r->db, sql[host != NULL][after_id < 0], -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "reading detections");
		return -1;
	}
	sqlite3_bind_int64(st, 1, after_id < 0 ? 0 : after_id);
	if (host)
		sqlite3_bind_text(st, 2, ip_to_str(host, ip, sizeof(ip)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, (int)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct event_rec e;
		memset(&e, 0, sizeof(e));
		e.id = sqlite3_column_int64(st, 0);
		e.time = sqlite3_column_double(st, 1);
		col_text(st, 2, e.host, sizeof(e.host));
		col_text(st, 3, e.engine, sizeof(e.engine));
		e.json = (const char *)sqlite3_column_text(st, 4);
		if (e.json == NULL)
			e.json = "{}";
		if (fn(arg, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "reading detections");
		return -1;
	}
	return 0;
}

int64_t
registry_event_last_id(struct registry *r)
{
	sqlite3_stmt *st;
	int64_t id = -1;

	if (sqlite3_prepare_v2(r->db, "SELECT COALESCE(MAX(id), 0) FROM events", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "reading detections");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		set_error(r, "reading detections");
	sqlite3_finalize(st);
	return id;
}

int
registry_histogram(struct registry *r, double since, unsigned bucket_s, unsigned n,
    uint32_t *detections, uint32_t *isolations)
{
	static const char *const sql[2] = {
		"SELECT CAST((time - ?1) / ?2 AS INTEGER) AS b, COUNT(*) FROM events"
		" WHERE time >= ?1 AND time < ?3 GROUP BY b",
		"SELECT CAST((time - ?1) / ?2 AS INTEGER) AS b, COUNT(*) FROM audit"
		" WHERE time >= ?1 AND time < ?3 AND action = 'isolate' AND result = 'started' GROUP BY b",
	};
	uint32_t *out[2] = { detections, isolations };
	int k;

	memset(detections, 0, n * sizeof(*detections));
	memset(isolations, 0, n * sizeof(*isolations));
	for (k = 0; k < 2; k++) {
		sqlite3_stmt *st;
		int rc;
		/* Both tables have an index on time: a range, not a scan. */
		if (sqlite3_prepare_v2(r->db, sql[k], -1, &st, NULL) != SQLITE_OK) {
			set_error(r, "counting over time");
			return -1;
		}
		sqlite3_bind_double(st, 1, since);
		sqlite3_bind_double(st, 2, (double)bucket_s);
		sqlite3_bind_double(st, 3, since + (double)bucket_s * n);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 b = sqlite3_column_int64(st, 0);
			if (b >= 0 && b < (sqlite3_int64)n)
				out[k][b] = (uint32_t)sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			set_error(r, "counting over time");
			return -1;
		}
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
	sqlite3_stmt *st, *svc;
	size_t i;
	int rc = SQLITE_OK;

	if (n == 0)
		return 0;
	if (tx_begin(r) != 0) {
		set_error(r, "recording seen hosts");
		return -1;
	}
	if (sqlite3_prepare_v2(r->db,
		"INSERT INTO hosts (ip, ipbin, mac, state, first_seen, last_seen, updated, mac_source)"
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
		" last_seen = MAX(COALESCE(hosts.last_seen, 0), excluded.last_seen)",
		-1, &st, NULL) != SQLITE_OK) {
		set_error(r, "recording seen hosts");
		tx_end(r, false);
		return -1;
	}
	if (sqlite3_prepare_v2(r->db,
		"INSERT INTO services (ip, proto, port, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(ip, proto, port) DO UPDATE SET"
		" first_seen = MIN(services.first_seen, excluded.first_seen),"
		" last_seen = MAX(services.last_seen, excluded.last_seen)",
		-1, &svc, NULL) != SQLITE_OK) {
		set_error(r, "recording seen services");
		sqlite3_finalize(st);
		tx_end(r, false);
		return -1;
	}
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		char ip[64], mac[24];
		ip_to_str(&v[i].ip, ip, sizeof(ip));
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 2, v[i].ip.b, 16, SQLITE_TRANSIENT);
		enum mac_source ms = src ? src[i] : MAC_SRC_SENSOR;
		if (v[i].has_mac && ms != MAC_SRC_NONE) {
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v[i].mac[0],
			    v[i].mac[1], v[i].mac[2], v[i].mac[3], v[i].mac[4], v[i].mac[5]);
			sqlite3_bind_text(st, 3, mac, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 7, mac_source_name(ms), -1, SQLITE_STATIC);
		} else {
			sqlite3_bind_null(st, 3);
			sqlite3_bind_text(st, 7, "", -1, SQLITE_STATIC);
		}
		sqlite3_bind_int(st, 8, (int)ms);
		sqlite3_bind_double(st, 4, v[i].first_seen_us / 1e6);
		sqlite3_bind_double(st, 5, v[i].last_seen_us / 1e6);
		sqlite3_bind_double(st, 6, v[i].time_us / 1e6);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = SQLITE_ERROR;
		for (size_t k = 0; k < v[i].nservices && k < SEEN_MAX_SERVICES && rc == SQLITE_OK; k++) {
			const struct seen_service *sv = &v[i].services[k];
			sqlite3_reset(svc);
			sqlite3_bind_text(svc, 1, ip, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(svc, 2, service_proto_name(sv->proto), -1, SQLITE_STATIC);
			sqlite3_bind_int(svc, 3, sv->port);
			sqlite3_bind_double(svc, 4, sv->first_seen_us / 1e6);
			sqlite3_bind_double(svc, 5, sv->last_seen_us / 1e6);
			if (sqlite3_step(svc) != SQLITE_DONE)
				rc = SQLITE_ERROR;
		}
	}
	if (rc != SQLITE_OK) {
		set_error(r, "recording seen hosts");
		sqlite3_finalize(st);
		sqlite3_finalize(svc);
		tx_end(r, false);
		return -1;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(svc);
	if (tx_end(r, true) != 0) {
		set_error(r, "recording seen hosts");
		return -1;
	}
	return 0;
}

int
registry_meta_get(struct registry *r, const char *key, char *value, size_t len)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "reading settings");
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, value, len);
		found = 1;
	} else if (rc != SQLITE_DONE) {
		set_error(r, "reading settings");
		found = -1;
	}
	sqlite3_finalize(st);
	return found;
}

int
registry_meta_put(struct registry *r, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc;

	if (group_open(r) != 0)
		return -1;
	if (sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
		-1, &st, NULL) != SQLITE_OK) {
		set_error(r, "writing settings");
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "writing settings");
		return -1;
	}
	return 0;
}

int
registry_find_mac(struct registry *r, const uint8_t mac[6], const struct ip_addr *except,
    struct host_rec *out)
{
	sqlite3_stmt *st;
	char text[24], ip[64];
	int rc;

	if (sqlite3_prepare_v2(r->db, HOST_COLUMNS " FROM hosts WHERE mac = ?1"
		" AND ip <> ?2 ORDER BY last_seen DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "finding a MAC");
		return -1;
	}
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
	    mac[3], mac[4], mac[5]);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, except ? ip_to_str(except, ip, sizeof(ip)) : "", -1,
	    SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_host(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	set_error(r, "finding a MAC");
	return -1;
}

int
registry_move(struct registry *r, const struct ip_addr *old_ip, const struct host_rec *h)
{
	sqlite3_stmt *st;
	char ip[64], newip[64];
	int rc;

	if (tx_begin(r) != 0) {
		set_error(r, "moving a host");
		return -1;
	}
	if (sqlite3_prepare_v2(r->db, "DELETE FROM hosts WHERE ip = ?", -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "moving a host");
		tx_end(r, false);
		return -1;
	}
	sqlite3_bind_text(st, 1, ip_to_str(old_ip, ip, sizeof(ip)), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "moving a host");
		tx_end(r, false);
		return -1;
	}
	if (registry_put(r, h) != 0) {
		tx_end(r, false);
		return -1;
	}
	/* The services are the machine's: they follow it to its new address. */
	if (sqlite3_prepare_v2(r->db, "UPDATE OR REPLACE services SET ip = ?2 WHERE ip = ?1", -1, &st,
		NULL) != SQLITE_OK) {
		set_error(r, "moving a host's services");
		tx_end(r, false);
		return -1;
	}
	sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ip_to_str(&h->ip, newip, sizeof(newip)), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "moving a host's services");
		tx_end(r, false);
		return -1;
	}
	if (tx_end(r, true) != 0) {
		set_error(r, "moving a host");
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
	sqlite3_stmt *st;
	int rc;

	if ((unsigned)log > REGISTRY_AUDIT)
		return -1;
	if (group_open(r) != 0)
		return -1;
	if (sqlite3_prepare_v2(r->db, sql[log], -1, &st, NULL) != SQLITE_OK) {
		set_error(r, "pruning old rows");
		return -1;
	}
	sqlite3_bind_double(st, 1, before);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max_rows);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_error(r, "pruning old rows");
		return -1;
	}
	return sqlite3_changes(r->db);
}

double
registry_last_detection(struct registry *r, const struct ip_addr *ip)
{
	sqlite3_stmt *st;
	char text[64];
	double t = 0;

	if (sqlite3_prepare_v2(r->db, "SELECT MAX(time) FROM events WHERE host = ?", -1, &st,
		NULL) != SQLITE_OK) {
		set_error(r, "reading detections");
		return 0;
	}
	sqlite3_bind_text(st, 1, ip_to_str(ip, text, sizeof(text)), -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return t;
}
