/* SPDX-License-Identifier: ISC */
/*
 * db: one SQL interface over the two state backends, SQLite (embedded, the
 * default) and PostgreSQL (shared by several controllers). The registry
 * writes its SQL once, in the dialect both accept (parameters as ?N,
 * upserts as ON CONFLICT, no functions of only one), and asks db_dialect()
 * for the few statements that must differ (the schema, a truncation).
 *
 * Calls are synchronous, on the caller's thread, as SQLite's are: the
 * registry's contract is that a state change is durable before the action
 * it announces, so the caller waits for the commit either way
 * (docs/state.md says why this is not a thread of its own).
 *
 * Only db_sqlite.c includes sqlite3.h and only db_pg.c includes libpq-fe.h.
 */
#ifndef CORDON_DB_H
#define CORDON_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum db_dialect { DB_SQLITE, DB_POSTGRESQL };

/* Where a transaction stands: none open, open, or open and failed (PostgreSQL
 * refuses every statement of a failed transaction until it is rolled back). */
enum db_tx { DB_TX_NONE, DB_TX_OPEN, DB_TX_FAILED };

struct db;
struct db_stmt;

/*
 * Opens the database: a file path for DB_SQLITE (created if missing, WAL,
 * synchronous FULL), a libpq connection string for DB_POSTGRESQL. NULL with
 * a message in err; the message never holds the connection string (it may
 * hold a password). The caller owns the result (db_close).
 */
struct db *db_open(enum db_dialect d, const char *where, char *err, size_t errlen);
void db_close(struct db *db);

/*
 * 0 when libpq can parse the connection string, else -1 with a reason in
 * err that does not quote it (it may hold a password). Connects to nothing.
 */
int db_conninfo_check(const char *conninfo, char *err, size_t errlen);

enum db_dialect db_dialect(const struct db *db);

/* The last error's message (one line), for messages. Owned by db. */
const char *db_errmsg(const struct db *db);

/* Runs statements without parameters or rows (several, separated by ';'). 0 or -1. */
int db_exec(struct db *db, const char *sql);

enum db_tx db_tx_state(struct db *db);

/* Counts the connections made (1 at open; more after each reconnection):
 * what a session held (an advisory lock) is gone when it changed. */
unsigned db_generation(const struct db *db);
/* False while the last attempt to connect again failed (PostgreSQL). */
bool db_reachable(const struct db *db);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(const struct db *db);

/*
 * Prepares a statement. Parameters are written ?N (or ?, numbered in order).
 * `persistent`: the statement is kept and run many times (prepared once on
 * the server too). 0 with *out set (owned by the caller: db_finalize), or -1.
 */
int db_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt **out);
void db_finalize(struct db_stmt *st);
/* Ends a run and keeps the bindings' slots for the next one. */
void db_reset(struct db_stmt *st);
/* True while a run has rows left to step through. */
bool db_busy(const struct db_stmt *st);

/* Bindings (index from 1); the values are copied. Text NULL binds SQL NULL. */
void db_bind_null(struct db_stmt *st, int i);
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_double(struct db_stmt *st, int i, double v);
void db_bind_text(struct db_stmt *st, int i, const char *v);
void db_bind_blob(struct db_stmt *st, int i, const void *v, size_t n);

#define DB_ROW 1
#define DB_DONE 0
/* Runs the statement (on the first call after a reset) and moves to its next row. */
int db_step(struct db_stmt *st);

bool db_col_null(struct db_stmt *st, int i);
int64_t db_col_int64(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
/* NULL for SQL NULL; valid until the next step, reset or finalize. */
const char *db_col_text(struct db_stmt *st, int i);

#endif
