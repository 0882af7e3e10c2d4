/* SPDX-License-Identifier: ISC */
/*
 * db_pg: the PostgreSQL backend, on libpq's synchronous calls.
 *
 * Statements are sent with their parameters apart from the SQL text
 * (PQexecParams, PQexecPrepared): nothing a sensor or a switch wrote is
 * ever spliced into SQL. Parameters go as text with their type left for
 * the server to infer from where they are used, except byte strings, sent
 * binary as bytea. A persistent statement is prepared on the server on its
 * first run, and again after a reconnection.
 *
 * A connection that broke is made again before the next statement, but
 * only between transactions: a statement of a transaction whose connection
 * broke fails, as the transaction is gone with it, and the caller's
 * rollback ends it (db.h's DB_TX_NONE tells the registry what happened).
 *
 * Text must be valid UTF-8 for the server; what is not (a switch's port
 * description in another encoding) is stored with '?' for each bad byte.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_priv.h"
#include "log.h"

#define BYTEA_OID 17   /* pg_type.h: bytea */
#define TEXT_OID 25

struct db_pg {
	struct db base;
	PGconn *conn;          /* owned */
	unsigned gen;          /* counts connections made: prepared statements are per connection */
	unsigned next_name;    /* names prepared statements */
	bool in_tx;            /* a transaction was open after the last statement */
	bool down;             /* the last attempt to connect again failed (said once) */
	double last_attempt;   /* when it was made (monotonic seconds) */
	bool need_setup;       /* the session could not be set up: made again before use */
	int64_t changes;
	char error[512];
};

struct stmt_pg {
	struct db_stmt base;
	struct db_pg *db;      /* borrowed */
	char *sql;             /* owned: the SQL with $N parameters */
	int nparams;
	char **values;         /* owned, each owned; NULL: SQL NULL */
	int *lengths, *formats;
	unsigned *types;       /* Oid: 0 (inferred) or BYTEA_OID */
	bool persistent;
	char name[24];         /* with persistent: its name on the server */
	unsigned prepared_gen; /* the connection it was prepared on (0: none) */
	PGresult *res;         /* owned: the run's rows, NULL between runs */
	int row, nrows;
};

#define DB(d) ((struct db_pg *)(void *)(d))
#define ST(s) ((struct stmt_pg *)(void *)(s))

/* libpq's messages end with a newline and may run over several lines: one line. */
static void
set_error(struct db_pg *d, const char *msg)
{
	size_t i, n = 0;

	for (i = 0; msg[i] && n + 1 < sizeof(d->error); i++) {
		char ch = msg[i] == '\n' || msg[i] == '\t' ? ' ' : msg[i];
		if (ch == ' ' && (n == 0 || d->error[n - 1] == ' '))
			continue;
		d->error[n++] = ch;
	}
	while (n > 0 && d->error[n - 1] == ' ')
		n--;
	d->error[n] = '\0';
}

static void
ignore_notice(void *arg, const char *message)
{
	/* "relation already exists, skipping" and the like: not for the log. */
	(void)arg;
	(void)message;
}

static void
note_tx(struct db_pg *d)
{
	PGTransactionStatusType t = PQtransactionStatus(d->conn);

	/* Unknown: the connection broke. A transaction that was open stays
	 * "open" here, so that ready() fails its next statement rather than
	 * run it on a new connection outside any transaction. */
	if (t != PQTRANS_UNKNOWN)
		d->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/*
 * What every connection needs, on the first and each one made again:
 * UTF-8 both ways, and commits that return only once on disk whatever the
 * server's default (a state change is durable before its action).
 */
static int
session_setup(struct db_pg *d)
{
	PGresult *res;
	int ok;

	PQsetNoticeProcessor(d->conn, ignore_notice, NULL);
	if (PQsetClientEncoding(d->conn, "UTF8") != 0) {
		set_error(d, PQerrorMessage(d->conn));
		return -1;
	}
	res = PQexec(d->conn, "SET synchronous_commit = on");
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		set_error(d, res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn));
	PQclear(res);
	return ok ? 0 : -1;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Before a statement: 0 when the connection is usable (made again if it
 * broke between transactions), -1 with the error set. */
static int
ready(struct db_pg *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK && !d->need_setup)
		return 0;
	if (d->in_tx) {
		/* The transaction went with the connection; the caller rolls back,
		 * and that rollback (outside any transaction now) reconnects. */
		d->in_tx = false;
		snprintf(d->error, sizeof(d->error),
		    "the connection to the database was lost; the open transaction is undone");
		return -1;
	}
	/* At most one attempt a second: while the server is away every
	 * statement would otherwise wait for a connect of its own. */
	if (d->down && mono_s() - d->last_attempt < 1.0) {
		snprintf(d->error, sizeof(d->error), "the database cannot be reached (tried again"
		    " at most once a second)");
		return -1;
	}
	PQreset(d->conn);
	/* Stamped after the attempt: a connect that waited its timeout must
	 * not leave the next one free to wait again at once. */
	d->last_attempt = mono_s();
	/* A new session, whatever follows: what the last one held (prepared
	 * statements, the lead's lock) is gone. */
	d->gen++;
	d->need_setup = PQstatus(d->conn) != CONNECTION_OK || session_setup(d) != 0;
	if (d->need_setup) {
		if (PQstatus(d->conn) != CONNECTION_OK)
			set_error(d, PQerrorMessage(d->conn));
		if (!d->down)
			log_warnx("ALERT: the PostgreSQL state database cannot be reached (%s): nothing"
			    " is recorded, so nothing is acted on, until it is back", d->error);
		d->down = true;
		return -1;
	}
	if (d->down)
		log_info("the PostgreSQL state database is reached again");
	d->down = false;
	return 0;
}

static void
pg_close(struct db *db)
{
	PQfinish(DB(db)->conn);
	free(db);
}

static const char *
pg_errmsg(const struct db *db)
{
	return DB(db)->error;
}

/* A command's result: 0, or -1 with the error set. Clears res. */
static int
command_result(struct db_pg *d, PGresult *res)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc = 0;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		const char *n = PQcmdTuples(res);
		d->changes = n && *n ? strtoll(n, NULL, 10) : 0;
	} else {
		set_error(d, res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn));
		rc = -1;
	}
	PQclear(res);
	note_tx(d);
	return rc;
}

static int
pg_exec(struct db *db, const char *sql)
{
	struct db_pg *d = DB(db);

	if (ready(d) != 0)
		return -1;
	return command_result(d, PQexec(d->conn, sql));
}

static enum db_tx
pg_tx_state(struct db *db)
{
	switch (PQtransactionStatus(DB(db)->conn)) {
	case PQTRANS_INTRANS:
		return DB_TX_OPEN;
	case PQTRANS_INERROR:
		return DB_TX_FAILED;
	default:
		/* idle, or no connection (a transaction then is gone) */
		return DB_TX_NONE;
	}
}

static unsigned
pg_generation(const struct db *db)
{
	return DB(db)->gen;
}

static bool
pg_reachable(const struct db *db)
{
	return !DB(db)->down && PQstatus(DB(db)->conn) == CONNECTION_OK;
}

static int64_t
pg_changes(const struct db *db)
{
	return DB(db)->changes;
}

/*
 * ?N becomes $N, and a bare ? the next number; quoted text is copied as it
 * is. Returns the new SQL (the caller frees it) with the highest parameter
 * number in *nparams and used[N] set for each number that appears (N < 100),
 * or NULL when out of memory.
 */
static char *
translate(const char *sql, int *nparams, unsigned char used[static 100])
{
	size_t len = strlen(sql);
	/* A bare ? becomes $N (N < 100: three bytes more at most). */
	char *out = malloc(len * 4 + 1), *o = out;
	char quote = 0;
	int bare = 0, max = 0;

	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
		} else if (*p == '?') {
			int n;
			*o++ = '$';
			if (p[1] >= '0' && p[1] <= '9') {
				n = (int)strtol(p + 1, NULL, 10);
				while (p[1] >= '0' && p[1] <= '9')
					*o++ = *++p;
			} else {
				n = ++bare;
				o += sprintf(o, "%d", n);
			}
			if (n > max)
				max = n;
			if (n <= 0 || n >= 100) {
				free(out);
				return NULL;   /* not a statement of the registry's */
			}
			used[n] = 1;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static void
pg_finalize(struct db_stmt *st)
{
	struct stmt_pg *s = ST(st);

	PQclear(s->res);
	for (int i = 0; i < s->nparams; i++)
		free(s->values[i]);
	if (s->persistent && s->prepared_gen == s->db->gen && PQstatus(s->db->conn) == CONNECTION_OK) {
		char sql[48];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->db->conn, sql));
	}
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->types);
	free(s->sql);
	free(s);
}

static int
pg_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt **out)
{
	extern const struct db_ops db_pg_ops;
	struct stmt_pg *s = calloc(1, sizeof(*s));
	unsigned char used[100] = { 0 };
	int n = 0;

	if (s == NULL || (s->sql = translate(sql, &n, used)) == NULL)
		goto nomem;
	s->base.ops = &db_pg_ops;
	s->db = DB(db);
	s->nparams = n;
	s->persistent = persistent;
	if (persistent)
		snprintf(s->name, sizeof(s->name), "cordon_%u", ++DB(db)->next_name);
	if (n > 0 && ((s->values = calloc((size_t)n, sizeof(char *))) == NULL ||
	    (s->lengths = calloc((size_t)n, sizeof(int))) == NULL ||
	    (s->formats = calloc((size_t)n, sizeof(int))) == NULL ||
	    (s->types = calloc((size_t)n, sizeof(unsigned))) == NULL))
		goto nomem;
	/* A number the SQL does not use (the registry binds ?1 to ?3 where a
	 * statement needs only ?2 and ?3) gets a type of its own: the server
	 * cannot infer one. */
	for (int i = 1; i <= n; i++)
		if (i >= 100 || !used[i])
			s->types[i - 1] = TEXT_OID;
	*out = &s->base;
	return 0;
nomem:
	if (s != NULL) {
		s->nparams = 0;   /* no values to free */
		s->persistent = false;
		s->db = DB(db);
		pg_finalize(&s->base);
	}
	snprintf(DB(db)->error, sizeof(DB(db)->error), "out of memory");
	return -1;
}

static void
pg_reset(struct db_stmt *st)
{
	PQclear(ST(st)->res);
	ST(st)->res = NULL;
	ST(st)->row = ST(st)->nrows = 0;
}

static bool
pg_busy(const struct db_stmt *st)
{
	return ST(st)->res != NULL && ST(st)->row < ST(st)->nrows;
}

/* Sets parameter i (from 1) to an owned copy of v[n]; binary as bytea or text. */
static void
bind(struct stmt_pg *s, int i, char *v, int n, bool binary)
{
	if (i < 1 || i > s->nparams) {
		free(v);
		return;
	}
	free(s->values[i - 1]);
	s->values[i - 1] = v;
	s->lengths[i - 1] = n;
	s->formats[i - 1] = binary;
	if (s->types[i - 1] != TEXT_OID)
		s->types[i - 1] = binary ? BYTEA_OID : 0;
}

static void pg_bind_null(struct db_stmt *st, int i) { bind(ST(st), i, NULL, 0, false); }

static void
pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	bind(ST(st), i, strdup(buf), 0, false);
}

static void
pg_bind_double(struct db_stmt *st, int i, double v)
{
	char buf[32];

	if (isnan(v))
		snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		snprintf(buf, sizeof(buf), "%sInfinity", v < 0 ? "-" : "");
	else
		snprintf(buf, sizeof(buf), "%.17g", v);
	bind(ST(st), i, strdup(buf), 0, false);
}

/* The length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))
			return 0;   /* overlong, or a surrogate */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static void
pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	size_t n, k = 0;
	char *copy;
	const unsigned char *p = (const unsigned char *)v;

	if (v == NULL) {
		bind(ST(st), i, NULL, 0, false);
		return;
	}
	n = strlen(v);
	copy = malloc(n + 1);
	if (copy == NULL) {
		/* Sent as NULL: the statement then fails on its NOT NULL column, or
		 * stores no text, rather than store another value. */
		bind(ST(st), i, NULL, 0, false);
		return;
	}
	while (*p) {
		size_t l = utf8_len(p);
		if (l == 0) {
			copy[k++] = '?';
			p++;
		} else {
			memcpy(copy + k, p, l);
			k += l;
			p += l;
		}
	}
	copy[k] = '\0';
	bind(ST(st), i, copy, 0, false);
}

static void
pg_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	char *copy = malloc(n ? n : 1);

	if (copy == NULL) {
		bind(ST(st), i, NULL, 0, true);
		return;
	}
	if (n)
		memcpy(copy, v, n);
	bind(ST(st), i, copy, (int)n, true);
}

static int
run_once(struct stmt_pg *s)
{
	struct db_pg *d = s->db;
	PGresult *res;
	ExecStatusType status;

	if (ready(d) != 0)
		return -2;   /* not sent */
	if (s->persistent) {
		if (s->prepared_gen != d->gen || s->prepared_gen == 0) {
			res = PQprepare(d->conn, s->name, s->sql, s->nparams, (const unsigned *)s->types);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				set_error(d, PQresultErrorMessage(res));
				PQclear(res);
				note_tx(d);
				return -1;
			}
			PQclear(res);
			s->prepared_gen = d->gen ? d->gen : 1;
		}
		res = PQexecPrepared(d->conn, s->name, s->nparams, (const char *const *)s->values,
		    s->lengths, s->formats, 0);
	} else {
		res = PQexecParams(d->conn, s->sql, s->nparams, (const unsigned *)s->types,
		    (const char *const *)s->values, s->lengths, s->formats, 0);
	}
	status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (status == PGRES_TUPLES_OK) {
		s->res = res;
		s->row = -1;
		s->nrows = PQntuples(res);
		note_tx(d);
		return 0;
	}
	if (command_result(d, res) != 0)
		return -1;
	s->res = NULL;
	s->row = s->nrows = 0;
	return 1;   /* done, no rows */
}

/*
 * Runs the statement: 0 with rows, 1 done without rows, -1 on error. A
 * read that finds the connection broken, outside a transaction, is sent
 * once more on a connection made again: libpq learns of a server restart
 * only from the next statement it sends.
 */
static int
run(struct stmt_pg *s)
{
	bool in_tx = s->db->in_tx;
	int rc = run_once(s);

	/* Reads only (a write may have been applied before the answer was
	 * lost), and only when this very statement found the break. */
	if (rc == -1 && !in_tx && PQstatus(s->db->conn) == CONNECTION_BAD &&
	    strncmp(s->sql, "SELECT ", 7) == 0)
		rc = run_once(s);
	return rc < 0 ? -1 : rc;
}

static int
pg_step(struct db_stmt *st)
{
	struct stmt_pg *s = ST(st);

	if (s->res == NULL) {
		if (s->row == -2)
			return DB_DONE;   /* a command already run */
		int rc = run(s);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			s->row = -2;
			return DB_DONE;
		}
	}
	if (++s->row < s->nrows)
		return DB_ROW;
	return DB_DONE;
}

static bool
pg_col_null(struct db_stmt *st, int i)
{
	struct stmt_pg *s = ST(st);

	return s->res == NULL || s->row < 0 || s->row >= s->nrows || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, i);
}

static const char *
pg_col_text(struct db_stmt *st, int i)
{
	return pg_col_null(st, i) ? NULL : PQgetvalue(ST(st)->res, ST(st)->row, i);
}

static int64_t
pg_col_int64(struct db_stmt *st, int i)
{
	const char *v = pg_col_text(st, i);

	return v ? strtoll(v, NULL, 10) : 0;
}

static double
pg_col_double(struct db_stmt *st, int i)
{
	const char *v = pg_col_text(st, i);

	return v ? strtod(v, NULL) : 0;
}

const struct db_ops db_pg_ops = {
	.close = pg_close, .errmsg = pg_errmsg, .exec = pg_exec, .tx_state = pg_tx_state,
	.generation = pg_generation,
	.reachable = pg_reachable,
	.changes = pg_changes, .prepare = pg_prepare, .finalize = pg_finalize, .reset = pg_reset,
	.busy = pg_busy, .bind_null = pg_bind_null, .bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double, .bind_text = pg_bind_text, .bind_blob = pg_bind_blob,
	.step = pg_step, .col_null = pg_col_null, .col_int64 = pg_col_int64,
	.col_double = pg_col_double, .col_text = pg_col_text,
};

struct db *
db_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct db_pg *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		snprintf(err, errlen, "PostgreSQL state database: out of memory");
		return NULL;
	}
	d->base.ops = &db_pg_ops;
	d->base.dialect = DB_POSTGRESQL;
	/* Keywords before dbname are defaults the operator's string overrides
	 * (a connect that cannot hang the daemon for minutes); those after it
	 * are Cordon's own. The operator's application_name (one per
	 * controller, say) wins over the fallback. */
	static const char *const keys[] = { "connect_timeout", "dbname",
		"fallback_application_name", NULL };
	const char *const values[] = { "5", conninfo, "cordond", NULL };
	d->conn = PQconnectdbParams(keys, values, 1);
	if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
		/* libpq's message names the server and the reason, never the password. */
		set_error(d, d->conn ? PQerrorMessage(d->conn) : "out of memory");
		snprintf(err, errlen, "PostgreSQL state database: %s", d->error);
		pg_close(&d->base);
		return NULL;
	}
	d->gen = 1;
	if (session_setup(d) != 0) {
		snprintf(err, errlen, "PostgreSQL state database: %s", d->error);
		pg_close(&d->base);
		return NULL;
	}
	return &d->base;
}

int
db_conninfo_check(const char *conninfo, char *err, size_t errlen)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);

	/* libpq's message may quote a piece of the string: not passed on. */
	PQfreemem(msg);
	if (opts == NULL) {
		snprintf(err, errlen, "libpq cannot parse it as a connection string (key=value"
		    " pairs or a postgresql:// URI); it is not shown here, as it may hold a password");
		return -1;
	}
	PQconninfoFree(opts);
	return 0;
}
