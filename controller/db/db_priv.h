/* SPDX-License-Identifier: ISC */
/* db: what the two drivers implement (db.c dispatches to them). */
#ifndef CORDON_DB_PRIV_H
#define CORDON_DB_PRIV_H

#include "db.h"

struct db_ops {
	void (*close)(struct db *db);
	const char *(*errmsg)(const struct db *db);
	int (*exec)(struct db *db, const char *sql);
	enum db_tx (*tx_state)(struct db *db);
	unsigned (*generation)(const struct db *db);
	bool (*reachable)(const struct db *db);
	int64_t (*changes)(const struct db *db);
	int (*prepare)(struct db *db, const char *sql, bool persistent, struct db_stmt **out);
	void (*finalize)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	bool (*busy)(const struct db_stmt *st);
	void (*bind_null)(struct db_stmt *st, int i);
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	void (*bind_double)(struct db_stmt *st, int i, double v);
	void (*bind_text)(struct db_stmt *st, int i, const char *v);
	void (*bind_blob)(struct db_stmt *st, int i, const void *v, size_t n);
	int (*step)(struct db_stmt *st);
	bool (*col_null)(struct db_stmt *st, int i);
	int64_t (*col_int64)(struct db_stmt *st, int i);
	double (*col_double)(struct db_stmt *st, int i);
	const char *(*col_text)(struct db_stmt *st, int i);
};

/* Every driver's struct db and struct db_stmt begin with these. */
struct db {
	const struct db_ops *ops;
	enum db_dialect dialect;
};

struct db_stmt {
	const struct db_ops *ops;
};

struct db *db_sqlite_open(const char *path, char *err, size_t errlen);
struct db *db_pg_open(const char *conninfo, char *err, size_t errlen);

#endif
