/* SPDX-License-Identifier: ISC */
/*
 * registry: leadership of the controllers sharing one PostgreSQL database
 * (registry.h); the fencing of writes is registry.c's (fence).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_priv.h"

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
	/* A connection made again does not hold the lock. */
	return r->leading && (!r->shared || db_generation(r->db) == r->lead_gen);
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
		reg_set_error(r, "taking the lead");
		return -1;
	}
	rc = db_step(st);
	v = rc == DB_ROW ? db_col_text(st, 0) : NULL;
	rc = rc < 0 ? -1 : v != NULL && strcmp(v, "t") == 0;
	db_finalize(st);
	if (rc <= 0) {
		if (rc < 0)
			reg_set_error(r, "taking the lead");
		return rc;
	}
	gen = db_generation(r->db);
	/* A new term: the increment waits for the transactions of a deposed
	 * leader still holding the row FOR SHARE; they fail their check after. */
	if (db_exec(r->db, "BEGIN") != 0 ||
	    db_prepare(r->db, "INSERT INTO leader (id, term, name, since) VALUES (1, 1, ?1, ?2)"
		" ON CONFLICT (id) DO UPDATE SET term = leader.term + 1, name = excluded.name,"
		" since = excluded.since RETURNING term", false, &st) != 0) {
		reg_set_error(r, "taking the lead");
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
		reg_set_error(r, "taking the lead");
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
		reg_set_error(r, "reading the leader");
		return -1;
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		reg_col_text(st, 0, name, len);
		*term = db_col_int64(st, 1);
		*since = db_col_double(st, 2);
	}
	db_finalize(st);
	if (rc < 0) {
		reg_set_error(r, "reading the leader");
		return -1;
	}
	return rc == DB_ROW;
}

