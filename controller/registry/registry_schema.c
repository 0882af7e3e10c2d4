/* SPDX-License-Identifier: ISC */
/* registry: the schema, for both backends, its version and its migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_priv.h"


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
int
reg_migrate(struct db *db, char *err, size_t errlen)
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


/* The upsert registry_put runs: every column from the new values. */
char *
reg_put_sql(void)
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

