/* SPDX-License-Identifier: ISC */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

struct registry {
	struct db *db;        /* owned */
	bool in_group;        /* a group transaction is open (registry_group) */
	bool group_broken;    /* the database ended the open group after an error */
	void (*group_opened)(void *arg);   /* NULL: every write is its own transaction */
	void *group_arg;      /* borrowed */
	struct db_stmt *get;  /* owned: prepared once */
	struct db_stmt *put;
	struct db_stmt *audit;
	struct db_stmt *event;
	struct db_stmt *at;   /* registry_foreach_at's, prepared on first use (once per isolation) */
	struct db_stmt *fence;  /* owned, PostgreSQL: the leader's term, read FOR SHARE */
	bool shared;          /* PostgreSQL: leadership applies (registry_lead) */
	bool leading;         /* shared: holds the lock, as last known */
	int64_t term;         /* shared and leading: its term */
	unsigned lead_gen;    /* the connection (db_generation) that holds the lock */
	char error[512];
};

/* The advisory lock of leadership (two-key form: "CORD", 2) and of schema
 * changes (one key), in lock spaces that do not overlap. */
#define LEAD_LOCK_KEYS "1129270852, 2"
#define SCHEMA_LOCK_KEY "1129270852"

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

/* What registry_put writes, in its order. */
#define PUT_COLUMNS "ip, ipbin, mac, state, hold, failed_op, reason," \
	" actor, point, has_loc, loc_point, loc_port, loc_ifindex, loc_bridge_port," \
	" loc_orig_vlan, loc_quarantine_vlan, loc_detail, attempts, next_retry," \
	" probation_until, first_seen, last_seen, updated, last_error, detections," \
	" loc_orig_tagged, loc_port_macs, " MOVE_COLUMNS ", mac_source"
#define PUT_NCOLUMNS 37

/*
 * The schema, for both backends: @REAL, @BLOB, @INT64 and @ID stand for the
 * types that are spelt differently (schema_sql). The hosts table is the
 * first one's; the columns added since come from added_columns.
 */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS hosts ("
    " ip TEXT PRIMARY KEY, ipbin @BLOB NOT NULL, mac TEXT, state TEXT NOT NULL,"
    " hold TEXT NOT NULL DEFAULT '', failed_op TEXT NOT NULL DEFAULT '',"
    " reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '',"
    " point TEXT NOT NULL DEFAULT '', has_loc INTEGER NOT NULL DEFAULT 0,"
    " loc_point TEXT, loc_port TEXT, loc_ifindex INTEGER, loc_bridge_port INTEGER,"
    " loc_orig_vlan INTEGER, loc_quarantine_vlan INTEGER, loc_detail TEXT,"
    " attempts @INT64 NOT NULL DEFAULT 0, next_retry @REAL NOT NULL DEFAULT 0,"
    " probation_until @REAL NOT NULL DEFAULT 0, first_seen @REAL, last_seen @REAL,"
    " updated @REAL, last_error TEXT NOT NULL DEFAULT '', detections @INT64 NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS audit ("
    " id @ID, time @REAL NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, host TEXT, reason TEXT, result TEXT);"
    "CREATE INDEX IF NOT EXISTS audit_host ON audit(host, id);"
    "CREATE TABLE IF NOT EXISTS events ("
    " id @ID, time @REAL NOT NULL, host TEXT NOT NULL,"
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
    " first_seen @REAL NOT NULL, last_seen @REAL NOT NULL, PRIMARY KEY (ip, proto, port));"
    "CREATE INDEX IF NOT EXISTS services_port ON services(port);"
    /* Who leads the controllers sharing this database, and its term
     * (registry_lead); one row. Unused on SQLite. */
    "CREATE TABLE IF NOT EXISTS leader ("
    " id INTEGER PRIMARY KEY, term @INT64 NOT NULL, name TEXT NOT NULL, since @REAL NOT NULL);";

/* The hosts' indexes, made once every column is there (hosts_port names a later one). */
static const char host_indexes[] =
    "CREATE INDEX IF NOT EXISTS hosts_state ON hosts(state);"
    "CREATE INDEX IF NOT EXISTS hosts_ipbin ON hosts(ipbin);"
    /* A page of one state's hosts (the console's filter) is a range of
     * this, not a walk of every host in address order. */
    "CREATE INDEX IF NOT EXISTS hosts_state_ipbin ON hosts(state, ipbin);"
    "CREATE INDEX IF NOT EXISTS hosts_port ON hosts(loc_point, loc_ifindex) WHERE has_loc = 1;"
    "CREATE INDEX IF NOT EXISTS hosts_mac ON hosts(mac);";

/*
 * The schema's version, kept in meta as "schema_version". Version 2 is the
 * first that records it: a database without it is of version 1 or an
 * older Cordon, brought up by the column checks below. A database of a
 * newer version than this Cordon knows is refused, not written to.
 */
#define REGISTRY_SCHEMA_VERSION 2

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

/* The schema with the backend's type names; NULL when out of memory (the caller frees it). */
static char *
schema_sql(enum db_dialect d)
{
	static const struct { const char *token, *sqlite, *pg; } types[] = {
		{ "@REAL", "REAL", "DOUBLE PRECISION" },
		{ "@BLOB", "BLOB", "BYTEA" },
		{ "@INT64", "INTEGER", "BIGINT" },
		{ "@ID", "INTEGER PRIMARY KEY AUTOINCREMENT",
		  "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
	};
	char *out = malloc(sizeof(schema) * 2), *o = out;

	if (out == NULL)
		return NULL;
	for (const char *p = schema; *p;) {
		size_t k;
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
			size_t n = strlen(types[k].token);
			/* @INT64 before @ID's prefix check: tokens end at a non-letter */
			if (strncmp(p, types[k].token, n) == 0 &&
			    !(p[n] >= 'A' && p[n] <= 'Z') && !(p[n] >= '0' && p[n] <= '9')) {
				const char *t = d == DB_POSTGRESQL ? types[k].pg : types[k].sqlite;
				o += sprintf(o, "%s", t);
				p += n;
				break;
			}
		}
		if (k == sizeof(types) / sizeof(types[0]))
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* 1 when hosts has the column, 0 when not, -1 on error (SQLite only: PostgreSQL says IF NOT EXISTS). */
static int
hosts_has_column(struct db *db, const char *column)
{
	struct db_stmt *st;
	int rc, found = 0;

	if (db_prepare(db, "SELECT name FROM pragma_table_info('hosts')", false, &st) != 0)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		if (name && strcmp(name, column) == 0)
			found = 1;
	}
	db_finalize(st);
	return rc == DB_DONE ? found : -1;
}

/*
 * An older Cordon queued hosts over its isolation cap ("rate-limit" holds)
 * and isolated them later on its own. Such hosts are now held by the
 * circuit breaker, tripped, for an operator to decide. (SQLite only: no
 * such Cordon ever wrote to PostgreSQL.)
 */
static const char legacy_rate_holds[] =
    "INSERT OR IGNORE INTO meta (key, value) SELECT 'breaker',"
    " '1 ' || CAST(strftime('%s', 'now') AS TEXT) || ' hosts queued by the isolation cap of an older Cordon'"
    " WHERE EXISTS (SELECT 1 FROM hosts WHERE hold = 'rate-limit');"
    "UPDATE hosts SET hold = '" HOLD_BREAKER "' WHERE hold = 'rate-limit';";

/* The stored schema version: 0 when none is stored (version 1 or older), -1 on error. */
static int
stored_version(struct db *db)
{
	struct db_stmt *st;
	int rc, v = 0;

	if (db_prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", false, &st) != 0)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *t = db_col_text(st, 0);
		v = t ? atoi(t) : 0;
		if (v <= 0)
			v = REGISTRY_SCHEMA_VERSION + 1;   /* not a version this Cordon wrote */
	}
	db_finalize(st);
	return rc < 0 ? -1 : v;
}

/*
 * Creates or brings up the schema, in one transaction: all of it or none.
 * On PostgreSQL a transaction-scoped advisory lock makes controllers that
 * start together on one database do it one after the other. 0, or -1 with
 * a message in err.
 */
static int
migrate(struct db *db, char *err, size_t errlen)
{
	enum db_dialect d = db_dialect(db);
	char *sql = schema_sql(d), alter[256];
	int v;

	if (sql == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (db_exec(db, d == DB_POSTGRESQL ?
		"BEGIN; SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")" : "BEGIN IMMEDIATE") != 0 ||
	    db_exec(db, sql) != 0)
		goto fail;
	free(sql);
	sql = NULL;
	if ((v = stored_version(db)) < 0)
		goto fail;
	if (v > REGISTRY_SCHEMA_VERSION) {
		snprintf(err, errlen, "written by a newer Cordon (schema version %d; this one knows"
		    " versions up to %d): not opened, nothing changed", v, REGISTRY_SCHEMA_VERSION);
		db_exec(db, "ROLLBACK");
		return -1;
	}
	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++) {
		if (d == DB_SQLITE) {
			int has = hosts_has_column(db, added_columns[i].column);
			if (has < 0)
				goto fail;
			if (has)
				continue;
		}
		snprintf(alter, sizeof(alter), "ALTER TABLE hosts ADD COLUMN %s%s %s",
		    d == DB_POSTGRESQL ? "IF NOT EXISTS " : "", added_columns[i].column,
		    added_columns[i].definition);
		if (db_exec(db, alter) != 0)
			goto fail;
	}
	if (db_exec(db, host_indexes) != 0 ||
	    (d == DB_SQLITE && db_exec(db, legacy_rate_holds) != 0))
		goto fail;
	snprintf(alter, sizeof(alter), "INSERT INTO meta (key, value) VALUES ('schema_version', '%d')"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", REGISTRY_SCHEMA_VERSION);
	if (db_exec(db, alter) != 0 || db_exec(db, "COMMIT") != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s", db_errmsg(db));
	free(sql);
	db_exec(db, "ROLLBACK");
	return -1;
}

static void
set_error(struct registry *r, const char *what)
{
	snprintf(r->error, sizeof(r->error), "%s: %s", what, db_errmsg(r->db));
}

const char *
registry_error(const struct registry *r)
{
	return r->error;
}

/* The upsert registry_put runs: every column from the new values. */
static char *
put_sql(void)
{
	static const char cols[] = PUT_COLUMNS;
	size_t cap = sizeof(cols) * 4 + 256;
	char *out = malloc(cap), *o;
	const char *p = cols;

	if (out == NULL)
		return NULL;
	o = out + sprintf(out, "INSERT INTO hosts (" PUT_COLUMNS ") VALUES (");
	for (int i = 1; i <= PUT_NCOLUMNS; i++)
		o += sprintf(o, "%s?%d", i > 1 ? "," : "", i);
	o += sprintf(o, ") ON CONFLICT (ip) DO UPDATE SET ");
	while (*p) {
		size_t n;
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ", ");
		if (n == 0)
			break;
		if (strncmp(p, "ip", n) != 0 || n != 2)
			o += sprintf(o, "%s%.*s = excluded.%.*s", o[-1] == ' ' ? "" : ", ",
			    (int)n, p, (int)n, p);
		p += n;
	}
	return out;
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
	if (migrate(r->db, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s%s: %s", backend == REGISTRY_POSTGRESQL ? "" : "state database ",
		    name, why);
		goto fail;
	}
	put = put_sql();
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
		set_error(r, "checking the leader's term");
		return -1;
	}
	db_reset(r->fence);
	rc = db_step(r->fence);
	t = rc == DB_ROW ? db_col_int64(r->fence, 0) : -1;
	db_reset(r->fence);
	if (rc < 0) {
		set_error(r, "checking the leader's term");
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
		set_error(r, "opening a transaction");
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
		if (r->in_group && db_tx_state(r->db) != DB_TX_NONE)
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
	set_error(r, "committing");
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

static void
col_text(struct db_stmt *st, int i, char *dst, size_t len)
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

static void
row_to_host(struct db_stmt *st, struct host_rec *h)
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
	h->has_loc = (int)db_col_int64(st, 8) != 0;
	col_text(st, 9, h->loc.point, sizeof(h->loc.point));
	col_text(st, 10, h->loc.port, sizeof(h->loc.port));
	h->loc.ifindex = (int)db_col_int64(st, 11);
	h->loc.bridge_port = (int)db_col_int64(st, 12);
	h->loc.orig_vlan = (int)db_col_int64(st, 13);
	h->loc.quarantine_vlan = (int)db_col_int64(st, 14);
	col_text(st, 15, h->loc.detail, sizeof(h->loc.detail));
	h->loc.host.ip = h->ip;
	h->loc.host.has_mac = h->has_mac;
	memcpy(h->loc.host.mac, h->mac, 6);
	h->attempts = (uint32_t)(int)db_col_int64(st, 16);
	h->next_retry = db_col_double(st, 17);
	h->probation_until = db_col_double(st, 18);
	h->first_seen = db_col_double(st, 19);
	h->last_seen = db_col_double(st, 20);
	h->updated = db_col_double(st, 21);
	col_text(st, 22, h->last_error, sizeof(h->last_error));
	h->detections = (uint64_t)db_col_int64(st, 23);
	col_text(st, 24, buf, sizeof(buf));
	if (enf_tagged_parse(buf, &h->loc) < 0)
		/* Not a list Cordon wrote: past the bound, so that the point refuses the
		 * location (nothing written to the switch) rather than drop memberships. */
		h->loc.norig_tagged = ENF_MAX_TAGGED + 1;
	col_text(st, 25, buf, sizeof(buf));
	if (enf_port_macs_parse(buf, &h->loc) < 0)
		h->loc.nport_macs = 0;   /* shown as unknown; nothing is acted on from it */
	h->has_move = (int)db_col_int64(st, COL_MOVE) != 0;
	if (h->has_move) {
		col_text(st, COL_MOVE + 1, h->move.point, sizeof(h->move.point));
		col_text(st, COL_MOVE + 2, h->move.port, sizeof(h->move.port));
		h->move.ifindex = (int)db_col_int64(st, COL_MOVE + 3);
		h->move.bridge_port = (int)db_col_int64(st, COL_MOVE + 4);
		h->move.orig_vlan = (int)db_col_int64(st, COL_MOVE + 5);
		h->move.quarantine_vlan = (int)db_col_int64(st, COL_MOVE + 6);
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
	db_reset(r->get);
	db_bind_text(r->get, 1, text);
	rc = db_step(r->get);
	if (rc == DB_ROW) {
		row_to_host(r->get, out);
		db_reset(r->get);
		return 1;
	}
	db_reset(r->get);
	if (rc == DB_DONE)
		return 0;
	set_error(r, "reading host");
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
		set_error(r, "writing event");
		return -1;
	}
	return 0;
}

int
registry_foreach(struct registry *r, int state, registry_host_fn fn, void *arg)
{
	struct db_stmt *st;
	int rc;

	if (db_prepare(r->db, HOST_COLUMNS " FROM hosts"
		" WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 ORDER BY ipbin", false, &st) != 0) {
		set_error(r, "listing hosts");
		return -1;
	}
	if (state >= 0)
		db_bind_text(st, 1, host_state_name((enum host_state)state));
	while ((rc = db_step(st)) == DB_ROW) {
		struct host_rec h;
		row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			/* The caller stopped the walk (out of memory, or done): it
			 * must not mistake a part for the whole. */
			db_finalize(st);
			snprintf(r->error, sizeof(r->error), "listing hosts: stopped by the caller");
			return -1;
		}
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "listing hosts");
		return -1;
	}
	return 0;
}

int
registry_page(struct registry *r, int state, const struct ip_addr *after, unsigned limit,
    registry_host_fn fn, void *arg)
{
	struct db_stmt *st;
	int rc, n = 0;

	if (db_prepare(r->db, state >= 0 ?
		HOST_COLUMNS " FROM hosts WHERE state = ?1 AND ipbin > ?2 ORDER BY ipbin LIMIT ?3" :
		HOST_COLUMNS " FROM hosts WHERE ipbin > ?2 ORDER BY ipbin LIMIT ?3", false, &st) != 0) {
		set_error(r, "listing hosts");
		return -1;
	}
	if (state >= 0)
		db_bind_text(st, 1, host_state_name((enum host_state)state));
	/* Always a bound: a range on hosts_ipbin, where "?2 IS NULL OR" would
	 * make SQLite walk the index from its start for every page. The empty
	 * blob sorts before every address. */
	if (after != NULL)
		db_bind_blob(st, 2, after->b, 16);
	else
		db_bind_blob(st, 2, "", 0);
	db_bind_int64(st, 3, (int64_t)limit);
	while ((rc = db_step(st)) == DB_ROW) {
		struct host_rec h;
		row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			db_finalize(st);
			snprintf(r->error, sizeof(r->error), "listing hosts: stopped by the caller");
			return -1;
		}
		n++;
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "listing hosts");
		return -1;
	}
	return n;
}

int
registry_assets_page(struct registry *r, int state, int exposed_port, const struct ip_addr *after,
    unsigned limit, registry_asset_fn fn, void *arg)
{
	struct db_stmt *st, *svc;
	int rc, n = 0;

	/* Hosts in address order, as registry_page; the exposed filter is an
	 * EXISTS on the services' primary key (ip first). */
	if (db_prepare(r->db, state >= 0 ?
		HOST_COLUMNS " FROM hosts WHERE state = ?1 AND ipbin > ?2"
		" AND (CAST(?4 AS INTEGER) IS NULL OR EXISTS (SELECT 1 FROM services s WHERE s.ip = hosts.ip AND s.port = ?4))"
		" ORDER BY ipbin LIMIT ?3" :
		HOST_COLUMNS " FROM hosts WHERE ipbin > ?2"
		" AND (CAST(?4 AS INTEGER) IS NULL OR EXISTS (SELECT 1 FROM services s WHERE s.ip = hosts.ip AND s.port = ?4))"
		" ORDER BY ipbin LIMIT ?3", false, &st) != 0) {
		set_error(r, "listing assets");
		return -1;
	}
	if (db_prepare(r->db, "SELECT proto, port, first_seen, last_seen FROM services"
		" WHERE ip = ?1 ORDER BY proto, port LIMIT " REGISTRY_MAX_SERVICES_SQL, false, &svc) != 0) {
		set_error(r, "listing assets");
		db_finalize(st);
		return -1;
	}
	if (state >= 0)
		db_bind_text(st, 1, host_state_name((enum host_state)state));
	/* Always a bound: a range on hosts_ipbin, where "?2 IS NULL OR" would
	 * make SQLite walk the index from its start for every page. The empty
	 * blob sorts before every address. */
	if (after != NULL)
		db_bind_blob(st, 2, after->b, 16);
	else
		db_bind_blob(st, 2, "", 0);
	db_bind_int64(st, 3, (int64_t)limit);
	if (exposed_port >= 0)
		db_bind_int64(st, 4, exposed_port);
	while ((rc = db_step(st)) == DB_ROW) {
		struct host_rec h;
		struct host_service sv[REGISTRY_MAX_SERVICES];
		size_t ns = 0;
		int src;
		row_to_host(st, &h);
		db_reset(svc);
		db_bind_text(svc, 1, db_col_text(st, 0));
		while ((src = db_step(svc)) == DB_ROW && ns < REGISTRY_MAX_SERVICES) {
			const char *p = db_col_text(svc, 0);
			sv[ns].proto = p && strcmp(p, "udp") == 0 ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
			sv[ns].port = (uint16_t)(int)db_col_int64(svc, 1);
			sv[ns].first_seen = db_col_double(svc, 2);
			sv[ns].last_seen = db_col_double(svc, 3);
			ns++;
		}
		if (src != DB_DONE && src != DB_ROW) {
			rc = src;
			break;
		}
		if (fn(arg, &h, sv, ns) != 0) {
			db_finalize(st);
			db_finalize(svc);
			snprintf(r->error, sizeof(r->error), "listing assets: stopped by the caller");
			return -1;
		}
		n++;
	}
	db_finalize(st);
	db_finalize(svc);
	if (rc != DB_DONE) {
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
	struct db_stmt *st;
	bool own = false;
	int rc;

	if (l->ifindex <= 0)
		return 0;     /* a netlink location: never a shared port */
	/* Prepared once and kept: this runs for every isolation. A walk
	 * started from inside another one gets a statement of its own. */
	if (r->at == NULL && db_prepare(r->db, sql, true, &r->at) != 0) {
		set_error(r, "listing a port's hosts");
		return -1;
	}
	st = r->at;
	if (db_busy(st)) {
		if (db_prepare(r->db, sql, false, &st) != 0) {
			set_error(r, "listing a port's hosts");
			return -1;
		}
		own = true;
	}
	db_bind_text(st, 1, l->point);
	db_bind_int64(st, 2, l->ifindex);
	while ((rc = db_step(st)) == DB_ROW) {
		struct host_rec h;
		row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			own ? db_finalize(st) : db_reset(st);
			snprintf(r->error, sizeof(r->error), "listing a port's hosts: stopped by the caller");
			return -1;
		}
	}
	own ? db_finalize(st) : db_reset(st);
	if (rc != DB_DONE) {
		set_error(r, "listing a port's hosts");
		return -1;
	}
	return 0;
}

int
registry_audit_list(struct registry *r, const struct ip_addr *host,
    int64_t after_id, unsigned limit, registry_audit_fn fn, void *arg)
{
	struct db_stmt *st;
	char ip[64];
	int rc;

	/* Two statements rather than "?2 IS NULL OR host = ?2", which would
	 * walk the whole log: the rowid from after_id, or audit_host(host, id). */
	if (db_prepare(r->db, host != NULL ?
		"SELECT id, time, actor, action, COALESCE(host, ''), reason, result FROM audit"
		" WHERE host = ?2 AND id > ?1 ORDER BY id LIMIT ?3" :
		"SELECT id, time, actor, action, COALESCE(host, ''), reason, result FROM audit"
		" WHERE id > ?1 ORDER BY id LIMIT ?3", false, &st) != 0) {
		set_error(r, "reading audit");
		return -1;
	}
	db_bind_int64(st, 1, after_id);
	if (host)
		db_bind_text(st, 2, ip_to_str(host, ip, sizeof(ip)));
	db_bind_int64(st, 3, (int)limit);
	while ((rc = db_step(st)) == DB_ROW) {
		struct audit_rec a;
		memset(&a, 0, sizeof(a));
		a.id = db_col_int64(st, 0);
		a.time = db_col_double(st, 1);
		col_text(st, 2, a.actor, sizeof(a.actor));
		col_text(st, 3, a.action, sizeof(a.action));
		col_text(st, 4, a.host, sizeof(a.host));
		col_text(st, 5, a.reason, sizeof(a.reason));
		col_text(st, 6, a.result, sizeof(a.result));
		if (fn(arg, &a) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "reading audit");
		return -1;
	}
	return 0;
}

int
registry_count(struct registry *r, uint64_t counts[HS_COUNT])
{
	struct db_stmt *st;
	int rc;

	memset(counts, 0, sizeof(uint64_t) * HS_COUNT);
	if (db_prepare(r->db, "SELECT state, COUNT(*) FROM hosts GROUP BY state", false, &st) != 0) {
		set_error(r, "counting hosts");
		return -1;
	}
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		int s = name ? host_state_from_name(name) : -1;
		if (s >= 0)
			counts[s] = (uint64_t)db_col_int64(st, 1);
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "counting hosts");
		return -1;
	}
	return 0;
}

int64_t
registry_audit_last_id(struct registry *r)
{
	struct db_stmt *st;
	int64_t id = -1;

	if (db_prepare(r->db, "SELECT COALESCE(MAX(id), 0) FROM audit", false, &st) != 0) {
		set_error(r, "reading audit");
		return -1;
	}
	if (db_step(st) == DB_ROW)
		id = db_col_int64(st, 0);
	else
		set_error(r, "reading audit");
	db_finalize(st);
	return id;
}

int
registry_event_list(struct registry *r, const struct ip_addr *host, int64_t after_id,
    unsigned limit, registry_event_fn fn, void *arg)
{
	struct db_stmt *st;
	char ip[64];
	int rc;

	/* Four statements rather than one with "?2 IS NULL OR": each walks the
	 * rowid (all hosts) or the host's index in id order, from where it starts.
	 * The newest `limit` ones are a descending read put back in order. */
	static const char *const sql[2][2] = {
		{ "SELECT id, time, host, engine, json FROM events WHERE id > ?1 ORDER BY id LIMIT ?3",
		  "SELECT * FROM (SELECT id, time, host, engine, json FROM events"
		  " ORDER BY id DESC LIMIT ?3) AS t ORDER BY id" },
		{ "SELECT id, time, host, engine, json FROM events WHERE host = ?2 AND id > ?1"
		  " ORDER BY id LIMIT ?3",
		  "SELECT * FROM (SELECT id, time, host, engine, json FROM events WHERE host = ?2"
		  " ORDER BY id DESC LIMIT ?3) AS t ORDER BY id" },
	};

	if (db_prepare(r->db, sql[host != NULL][after_id < 0], false, &st) != 0) {
		set_error(r, "reading detections");
		return -1;
	}
	db_bind_int64(st, 1, after_id < 0 ? 0 : after_id);
	if (host)
		db_bind_text(st, 2, ip_to_str(host, ip, sizeof(ip)));
	db_bind_int64(st, 3, (int)limit);
	while ((rc = db_step(st)) == DB_ROW) {
		struct event_rec e;
		memset(&e, 0, sizeof(e));
		e.id = db_col_int64(st, 0);
		e.time = db_col_double(st, 1);
		col_text(st, 2, e.host, sizeof(e.host));
		col_text(st, 3, e.engine, sizeof(e.engine));
		e.json = db_col_text(st, 4);
		if (e.json == NULL)
			e.json = "{}";
		if (fn(arg, &e) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "reading detections");
		return -1;
	}
	return 0;
}

int64_t
registry_event_last_id(struct registry *r)
{
	struct db_stmt *st;
	int64_t id = -1;

	if (db_prepare(r->db, "SELECT COALESCE(MAX(id), 0) FROM events", false, &st) != 0) {
		set_error(r, "reading detections");
		return -1;
	}
	if (db_step(st) == DB_ROW)
		id = db_col_int64(st, 0);
	else
		set_error(r, "reading detections");
	db_finalize(st);
	return id;
}

int
registry_histogram(struct registry *r, double since, unsigned bucket_s, unsigned n,
    uint32_t *detections, uint32_t *isolations)
{
	/* A bucket's number: SQLite's CAST truncates, PostgreSQL's rounds. */
	const char *bucket = db_dialect(r->db) == DB_POSTGRESQL ? "FLOOR((time - ?1) / ?2)" :
	    "CAST((time - ?1) / ?2 AS INTEGER)";
	static const char *const from[2] = {
		"FROM events WHERE time >= ?1 AND time < ?3 GROUP BY b",
		"FROM audit WHERE time >= ?1 AND time < ?3 AND action = 'isolate' AND result = 'started'"
		" GROUP BY b",
	};
	uint32_t *out[2] = { detections, isolations };
	int k;

	memset(detections, 0, n * sizeof(*detections));
	memset(isolations, 0, n * sizeof(*isolations));
	for (k = 0; k < 2; k++) {
		struct db_stmt *st;
		char sql[256];
		int rc;
		snprintf(sql, sizeof(sql), "SELECT %s AS b, COUNT(*) %s", bucket, from[k]);
		/* Both tables have an index on time: a range, not a scan. */
		if (db_prepare(r->db, sql, false, &st) != 0) {
			set_error(r, "counting over time");
			return -1;
		}
		db_bind_double(st, 1, since);
		db_bind_double(st, 2, (double)bucket_s);
		db_bind_double(st, 3, since + (double)bucket_s * n);
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t b = db_col_int64(st, 0);
			if (b >= 0 && b < (int64_t)n)
				out[k][b] = (uint32_t)db_col_int64(st, 1);
		}
		db_finalize(st);
		if (rc != DB_DONE) {
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
	struct db_stmt *st, *svc;
	size_t i;
	int rc = 0;

	if (n == 0)
		return 0;
	if (tx_begin(r) != 0) {
		set_error(r, "recording seen hosts");
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
		set_error(r, "recording seen hosts");
		tx_end(r, false);
		return -1;
	}
	if (db_prepare(r->db, "INSERT INTO services (ip, proto, port, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(ip, proto, port) DO UPDATE SET"
		" first_seen = CASE WHEN services.first_seen < excluded.first_seen"
		"   THEN services.first_seen ELSE excluded.first_seen END,"
		" last_seen = CASE WHEN services.last_seen > excluded.last_seen"
		"   THEN services.last_seen ELSE excluded.last_seen END", false, &svc) != 0) {
		set_error(r, "recording seen services");
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
		set_error(r, "recording seen hosts");
		db_finalize(st);
		db_finalize(svc);
		tx_end(r, false);
		return -1;
	}
	db_finalize(st);
	db_finalize(svc);
	if (tx_end(r, true) != 0) {
		set_error(r, "recording seen hosts");
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
		set_error(r, "reading settings");
		return -1;
	}
	db_bind_text(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ROW) {
		col_text(st, 0, value, len);
		found = 1;
	} else if (rc != DB_DONE) {
		set_error(r, "reading settings");
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
		set_error(r, "writing settings");
		return -1;
	}
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "writing settings");
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
		set_error(r, "finding a MAC");
		return -1;
	}
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
	    mac[3], mac[4], mac[5]);
	db_bind_text(st, 1, text);
	db_bind_text(st, 2, except ? ip_to_str(except, ip, sizeof(ip)) : "");
	rc = db_step(st);
	if (rc == DB_ROW)
		row_to_host(st, out);
	db_finalize(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	set_error(r, "finding a MAC");
	return -1;
}

int
registry_move(struct registry *r, const struct ip_addr *old_ip, const struct host_rec *h)
{
	struct db_stmt *st;
	char ip[64], newip[64];
	int rc;

	if (tx_begin(r) != 0) {
		set_error(r, "moving a host");
		return -1;
	}
	if (db_prepare(r->db, "DELETE FROM hosts WHERE ip = ?", false, &st) != 0) {
		set_error(r, "moving a host");
		tx_end(r, false);
		return -1;
	}
	db_bind_text(st, 1, ip_to_str(old_ip, ip, sizeof(ip)));
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "moving a host");
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
			set_error(r, "moving a host's services");
			tx_end(r, false);
			return -1;
		}
		db_bind_text(st, 1, ip);
		db_bind_text(st, 2, newip);
		rc = db_step(st);
		db_finalize(st);
		if (rc != DB_DONE) {
			set_error(r, "moving a host's services");
			tx_end(r, false);
			return -1;
		}
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
	struct db_stmt *st;
	int rc;

	if ((unsigned)log > REGISTRY_AUDIT)
		return -1;
	if (group_open(r) != 0)
		return -1;
	if (db_prepare(r->db, sql[log], false, &st) != 0) {
		set_error(r, "pruning old rows");
		return -1;
	}
	db_bind_double(st, 1, before);
	db_bind_int64(st, 2, (int64_t)max_rows);
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE) {
		set_error(r, "pruning old rows");
		return -1;
	}
	return (int)db_changes(r->db);
}

double
registry_last_detection(struct registry *r, const struct ip_addr *ip)
{
	struct db_stmt *st;
	char text[64];
	double t = 0;

	if (db_prepare(r->db, "SELECT MAX(time) FROM events WHERE host = ?", false, &st) != 0) {
		set_error(r, "reading detections");
		return 0;
	}
	db_bind_text(st, 1, ip_to_str(ip, text, sizeof(text)));
	if (db_step(st) == DB_ROW && !db_col_null(st, 0))
		t = db_col_double(st, 0);
	db_finalize(st);
	return t;
}

/* ---- leadership ------------------------------------------------------------------ */

bool
registry_shared(const struct registry *r)
{
	return r->shared;
}

bool
registry_reachable(const struct registry *r)
{
	return db_reachable(r->db);
}

bool
registry_leading(const struct registry *r)
{
	return r->leading;
}

int
registry_lead(struct registry *r, const char *name, double now, int64_t *term)
{
	struct db_stmt *st;
	unsigned gen;
	int rc;
	const char *v;

	if (!r->shared) {
		*term = 0;
		return 1;
	}
	if (r->leading && registry_still_leading(r) == 1) {
		*term = r->term;
		return 1;
	}
	r->leading = false;
	if (db_prepare(r->db, "SELECT pg_try_advisory_lock(" LEAD_LOCK_KEYS ")", false, &st) != 0) {
		set_error(r, "taking the lead");
		return -1;
	}
	rc = db_step(st);
	v = rc == DB_ROW ? db_col_text(st, 0) : NULL;
	rc = rc < 0 ? -1 : v != NULL && strcmp(v, "t") == 0;
	db_finalize(st);
	if (rc <= 0) {
		if (rc < 0)
			set_error(r, "taking the lead");
		return rc;
	}
	gen = db_generation(r->db);
	/* A new term: the increment waits for the transactions of a deposed
	 * leader still holding the row FOR SHARE; they fail their check after. */
	if (db_exec(r->db, "BEGIN") != 0 ||
	    db_prepare(r->db, "INSERT INTO leader (id, term, name, since) VALUES (1, 1, ?1, ?2)"
		" ON CONFLICT (id) DO UPDATE SET term = leader.term + 1, name = excluded.name,"
		" since = excluded.since RETURNING term", false, &st) != 0) {
		set_error(r, "taking the lead");
		db_exec(r->db, "ROLLBACK");
		registry_step_down(r);
		return -1;
	}
	db_bind_text(st, 1, name);
	db_bind_double(st, 2, now);
	rc = db_step(st);
	*term = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	if (rc != DB_ROW || db_exec(r->db, "COMMIT") != 0 || db_tx_state(r->db) != DB_TX_NONE ||
	    db_generation(r->db) != gen) {
		set_error(r, "taking the lead");
		db_exec(r->db, "ROLLBACK");
		registry_step_down(r);
		return -1;
	}
	r->leading = true;
	r->term = *term;
	r->lead_gen = gen;
	return 1;
}

int
registry_still_leading(struct registry *r)
{
	struct db_stmt *st;
	int rc;

	if (!r->shared)
		return 1;
	if (!r->leading)
		return 0;
	/* Inside a group its commit (fenced when it opened) answers: a failed
	 * statement of the group is not a lost lead. */
	if (r->in_group)
		return db_generation(r->db) == r->lead_gen;
	/* A statement finds a lost connection out (and makes it again: the
	 * lock did not survive that). */
	if (db_prepare(r->db, "SELECT 1", false, &st) != 0) {
		r->leading = false;
		return 0;
	}
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_ROW || db_generation(r->db) != r->lead_gen)
		r->leading = false;
	return r->leading;
}

void
registry_step_down(struct registry *r)
{
	if (!r->shared)
		return;
	r->leading = false;
	/* An open group is undone: its commit then fails, and the actions
	 * waiting for it are refused. */
	if (r->in_group) {
		if (db_tx_state(r->db) != DB_TX_NONE)
			db_exec(r->db, "ROLLBACK");
		r->in_group = false;
		r->group_broken = true;
	}
	db_exec(r->db, "SELECT pg_advisory_unlock_all()");
}

int
registry_leader(struct registry *r, char *name, size_t len, int64_t *term, double *since)
{
	struct db_stmt *st;
	int rc;

	if (db_prepare(r->db, "SELECT name, term, since FROM leader WHERE id = 1", false, &st) != 0) {
		set_error(r, "reading the leader");
		return -1;
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		col_text(st, 0, name, len);
		*term = db_col_int64(st, 1);
		*since = db_col_double(st, 2);
	}
	db_finalize(st);
	if (rc < 0) {
		set_error(r, "reading the leader");
		return -1;
	}
	return rc == DB_ROW;
}
