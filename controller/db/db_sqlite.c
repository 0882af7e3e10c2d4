/* SPDX-License-Identifier: ISC */
/*
 * db_sqlite: the embedded backend. One connection, WAL with synchronous
 * FULL (a commit is on disk when it returns), a busy timeout for the
 * moments another process (cordonctl's offline reads, a backup) holds it.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_priv.h"

struct db_sqlite {
	struct db base;
	sqlite3 *h;            /* owned */
	char error[512];
};

struct stmt_sqlite {
	struct db_stmt base;
	struct db_sqlite *db;  /* borrowed */
	sqlite3_stmt *st;      /* owned */
	int last;              /* the last step's SQLite code */
};

#define DB(d) ((struct db_sqlite *)(void *)(d))
#define ST(s) ((struct stmt_sqlite *)(void *)(s))

static void
note_error(struct db_sqlite *d)
{
	snprintf(d->error, sizeof(d->error), "%s", sqlite3_errmsg(d->h));
}

static void
s_close(struct db *db)
{
	sqlite3_close(DB(db)->h);
	free(db);
}

static const char *
s_errmsg(const struct db *db)
{
	return DB(db)->error;
}

static int
s_exec(struct db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(DB(db)->h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(DB(db)->error, sizeof(DB(db)->error), "%s", msg ? msg : sqlite3_errmsg(DB(db)->h));
	sqlite3_free(msg);
	return -1;
}

static enum db_tx
s_tx_state(struct db *db)
{
	/* SQLite ends a transaction itself after some errors (a full disk):
	 * what it held is gone, which callers learn as "none open". */
	return sqlite3_get_autocommit(DB(db)->h) ? DB_TX_NONE : DB_TX_OPEN;
}

static unsigned
s_generation(const struct db *db)
{
	(void)db;
	return 1;   /* a file: never connected again */
}

static bool
s_reachable(const struct db *db)
{
	(void)db;
	return true;
}

static int64_t
s_changes(const struct db *db)
{
	return sqlite3_changes(DB(db)->h);
}

static int
s_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt **out)
{
	extern const struct db_ops db_sqlite_ops;
	struct stmt_sqlite *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(DB(db)->error, sizeof(DB(db)->error), "out of memory");
		return -1;
	}
	if (sqlite3_prepare_v3(DB(db)->h, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
		&s->st, NULL) != SQLITE_OK) {
		note_error(DB(db));
		free(s);
		return -1;
	}
	s->base.ops = &db_sqlite_ops;
	s->db = DB(db);
	*out = &s->base;
	return 0;
}

static void
s_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st)->st);
	free(st);
}

static void
s_reset(struct db_stmt *st)
{
	sqlite3_reset(ST(st)->st);
	ST(st)->last = 0;
}

static bool
s_busy(const struct db_stmt *st)
{
	return sqlite3_stmt_busy(ST(st)->st) != 0;
}

static void s_bind_null(struct db_stmt *st, int i) { sqlite3_bind_null(ST(st)->st, i); }

static void
s_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(ST(st)->st, i, (sqlite3_int64)v);
}

static void s_bind_double(struct db_stmt *st, int i, double v) { sqlite3_bind_double(ST(st)->st, i, v); }

static void
s_bind_text(struct db_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(ST(st)->st, i, v, -1, SQLITE_TRANSIENT);
}

static void
s_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	/* An empty blob, not NULL: it sorts before every address (registry's pages). */
	if (n == 0)
		sqlite3_bind_zeroblob(ST(st)->st, i, 0);
	else
		sqlite3_bind_blob(ST(st)->st, i, v, (int)n, SQLITE_TRANSIENT);
}

static int
s_step(struct db_stmt *st)
{
	int rc = sqlite3_step(ST(st)->st);

	ST(st)->last = rc;
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	note_error(ST(st)->db);
	return -1;
}

static bool
s_col_null(struct db_stmt *st, int i)
{
	return sqlite3_column_type(ST(st)->st, i) == SQLITE_NULL;
}

static int64_t s_col_int64(struct db_stmt *st, int i) { return sqlite3_column_int64(ST(st)->st, i); }
static double s_col_double(struct db_stmt *st, int i) { return sqlite3_column_double(ST(st)->st, i); }

static const char *
s_col_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(ST(st)->st, i);
}

const struct db_ops db_sqlite_ops = {
	.close = s_close, .errmsg = s_errmsg, .exec = s_exec, .tx_state = s_tx_state,
	.generation = s_generation,
	.reachable = s_reachable,
	.changes = s_changes, .prepare = s_prepare, .finalize = s_finalize, .reset = s_reset,
	.busy = s_busy, .bind_null = s_bind_null, .bind_int64 = s_bind_int64,
	.bind_double = s_bind_double, .bind_text = s_bind_text, .bind_blob = s_bind_blob,
	.step = s_step, .col_null = s_col_null, .col_int64 = s_col_int64,
	.col_double = s_col_double, .col_text = s_col_text,
};

struct db *
db_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct db_sqlite *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		snprintf(err, errlen, "state database %s: out of memory", path);
		return NULL;
	}
	d->base.ops = &db_sqlite_ops;
	d->base.dialect = DB_SQLITE;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "state database %s: %s", path,
		    d->h ? sqlite3_errmsg(d->h) : "cannot open");
		s_close(&d->base);
		return NULL;
	}
	sqlite3_busy_timeout(d->h, 5000);
	if (s_exec(&d->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		" PRAGMA foreign_keys=ON;") != 0) {
		snprintf(err, errlen, "state database %s: %s", path, d->error);
		s_close(&d->base);
		return NULL;
	}
	return &d->base;
}
