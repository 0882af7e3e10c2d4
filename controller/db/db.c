/* SPDX-License-Identifier: ISC */
/* db: the calls of db.h, passed to the driver that opened the database. */
#include <stdio.h>

#include "db_priv.h"

struct db *
db_open(enum db_dialect d, const char *where, char *err, size_t errlen)
{
	switch (d) {
	case DB_SQLITE:
		return db_sqlite_open(where, err, errlen);
	case DB_POSTGRESQL:
		return db_pg_open(where, err, errlen);
	}
	snprintf(err, errlen, "unknown state backend %d", (int)d);
	return NULL;
}

void
db_close(struct db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

enum db_dialect db_dialect(const struct db *db) { return db->dialect; }
const char *db_errmsg(const struct db *db) { return db->ops->errmsg(db); }
int db_exec(struct db *db, const char *sql) { return db->ops->exec(db, sql); }
enum db_tx db_tx_state(struct db *db) { return db->ops->tx_state(db); }
unsigned db_generation(const struct db *db) { return db->ops->generation(db); }
bool db_reachable(const struct db *db) { return db->ops->reachable(db); }
int64_t db_changes(const struct db *db) { return db->ops->changes(db); }

int
db_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt **out)
{
	return db->ops->prepare(db, sql, persistent, out);
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->ops->finalize(st);
}

void db_reset(struct db_stmt *st) { st->ops->reset(st); }
bool db_busy(const struct db_stmt *st) { return st->ops->busy(st); }
void db_bind_null(struct db_stmt *st, int i) { st->ops->bind_null(st, i); }
void db_bind_int64(struct db_stmt *st, int i, int64_t v) { st->ops->bind_int64(st, i, v); }
void db_bind_double(struct db_stmt *st, int i, double v) { st->ops->bind_double(st, i, v); }
void db_bind_text(struct db_stmt *st, int i, const char *v) { st->ops->bind_text(st, i, v); }

void
db_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	st->ops->bind_blob(st, i, v, n);
}

int db_step(struct db_stmt *st) { return st->ops->step(st); }
bool db_col_null(struct db_stmt *st, int i) { return st->ops->col_null(st, i); }
int64_t db_col_int64(struct db_stmt *st, int i) { return st->ops->col_int64(st, i); }
double db_col_double(struct db_stmt *st, int i) { return st->ops->col_double(st, i); }
const char *db_col_text(struct db_stmt *st, int i) { return st->ops->col_text(st, i); }
