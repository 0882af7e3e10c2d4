/* SPDX-License-Identifier: ISC */
/* registry: the listings (hosts, a port's hosts, assets, audit, detections, counts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_priv.h"

/*
 * Calls `fn` for each host row `st` yields, then finalizes `st` (resets it,
 * when `keep`: a statement the registry keeps prepared). `what` names the
 * listing in the error. Returns the number of hosts, or -1: an error, or
 * the caller stopped the walk (it must not mistake a part for the whole).
 */
static int
host_walk(struct registry *r, struct db_stmt *st, bool keep, const char *what,
    registry_host_fn fn, void *arg)
{
	int rc, n = 0;

	while ((rc = db_step(st)) == DB_ROW) {
		struct host_rec h;
		reg_row_to_host(st, &h);
		if (fn(arg, &h) != 0) {
			keep ? db_reset(st) : db_finalize(st);
			snprintf(r->error, sizeof(r->error), "%s: stopped by the caller", what);
			return -1;
		}
		n++;
	}
	keep ? db_reset(st) : db_finalize(st);
	if (rc != DB_DONE) {
		reg_set_error(r, what);
		return -1;
	}
	return n;
}

int
registry_foreach(struct registry *r, int state, registry_host_fn fn, void *arg)
{
	struct db_stmt *st;

	if (db_prepare(r->db, HOST_COLUMNS " FROM hosts"
		" WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 ORDER BY ipbin", false, &st) != 0) {
		reg_set_error(r, "listing hosts");
		return -1;
	}
	if (state >= 0)
		db_bind_text(st, 1, host_state_name((enum host_state)state));
	return host_walk(r, st, false, "listing hosts", fn, arg) < 0 ? -1 : 0;
}

/*
 * Binds parameter `i` to the address a page starts after. Always a bound: a
 * range on hosts_ipbin, where "?2 IS NULL OR" would make SQLite walk the
 * index from its start for every page. The empty blob (no `after`) sorts
 * before every address.
 */
static void
bind_after(struct db_stmt *st, int i, const struct ip_addr *after)
{
	if (after != NULL)
		db_bind_blob(st, i, after->b, 16);
	else
		db_bind_blob(st, i, "", 0);
}

int
registry_page(struct registry *r, int state, const struct ip_addr *after, unsigned limit,
    registry_host_fn fn, void *arg)
{
	struct db_stmt *st;

	if (db_prepare(r->db, state >= 0 ?
		HOST_COLUMNS " FROM hosts WHERE state = ?1 AND ipbin > ?2 ORDER BY ipbin LIMIT ?3" :
		HOST_COLUMNS " FROM hosts WHERE ipbin > ?2 ORDER BY ipbin LIMIT ?3", false, &st) != 0) {
		reg_set_error(r, "listing hosts");
		return -1;
	}
	if (state >= 0)
		db_bind_text(st, 1, host_state_name((enum host_state)state));
	bind_after(st, 2, after);
	db_bind_int64(st, 3, (int64_t)limit);
	return host_walk(r, st, false, "listing hosts", fn, arg);
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
		reg_set_error(r, "listing assets");
		return -1;
	}
	if (db_prepare(r->db, "SELECT proto, port, first_seen, last_seen FROM services"
		" WHERE ip = ?1 ORDER BY proto, port LIMIT " REGISTRY_MAX_SERVICES_SQL, false, &svc) != 0) {
		reg_set_error(r, "listing assets");
		db_finalize(st);
		return -1;
	}
	if (state >= 0)
		db_bind_text(st, 1, host_state_name((enum host_state)state));
	bind_after(st, 2, after);
	db_bind_int64(st, 3, (int64_t)limit);
	if (exposed_port >= 0)
		db_bind_int64(st, 4, exposed_port);
	while ((rc = db_step(st)) == DB_ROW) {
		struct host_rec h;
		struct host_service sv[REGISTRY_MAX_SERVICES];
		size_t ns = 0;
		int src;
		reg_row_to_host(st, &h);
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
		reg_set_error(r, "listing assets");
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

	if (l->ifindex <= 0)
		return 0;     /* a netlink location: never a shared port */
	/* Prepared once and kept: this runs for every isolation. A walk
	 * started from inside another one gets a statement of its own. */
	if (r->at == NULL && db_prepare(r->db, sql, true, &r->at) != 0) {
		reg_set_error(r, "listing a port's hosts");
		return -1;
	}
	st = r->at;
	if (db_busy(st)) {
		if (db_prepare(r->db, sql, false, &st) != 0) {
			reg_set_error(r, "listing a port's hosts");
			return -1;
		}
		own = true;
	}
	db_bind_text(st, 1, l->point);
	db_bind_int64(st, 2, l->ifindex);
	return host_walk(r, st, !own, "listing a port's hosts", fn, arg) < 0 ? -1 : 0;
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
		reg_set_error(r, "reading audit");
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
		reg_col_text(st, 2, a.actor, sizeof(a.actor));
		reg_col_text(st, 3, a.action, sizeof(a.action));
		reg_col_text(st, 4, a.host, sizeof(a.host));
		reg_col_text(st, 5, a.reason, sizeof(a.reason));
		reg_col_text(st, 6, a.result, sizeof(a.result));
		if (fn(arg, &a) != 0) {
			rc = DB_DONE;
			break;
		}
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		reg_set_error(r, "reading audit");
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
		reg_set_error(r, "counting hosts");
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
		reg_set_error(r, "counting hosts");
		return -1;
	}
	return 0;
}

/* The largest id of a log (`sql`: its SELECT), 0 when empty, -1 on error (`what`). */
static int64_t
last_id(struct registry *r, const char *sql, const char *what)
{
	struct db_stmt *st;
	int64_t id = -1;

	if (db_prepare(r->db, sql, false, &st) != 0) {
		reg_set_error(r, what);
		return -1;
	}
	if (db_step(st) == DB_ROW)
		id = db_col_int64(st, 0);
	else
		reg_set_error(r, what);
	db_finalize(st);
	return id;
}

int64_t
registry_audit_last_id(struct registry *r)
{
	return last_id(r, "SELECT COALESCE(MAX(id), 0) FROM audit", "reading audit");
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
		reg_set_error(r, "reading detections");
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
		reg_col_text(st, 2, e.host, sizeof(e.host));
		reg_col_text(st, 3, e.engine, sizeof(e.engine));
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
		reg_set_error(r, "reading detections");
		return -1;
	}
	return 0;
}

int64_t
registry_event_last_id(struct registry *r)
{
	return last_id(r, "SELECT COALESCE(MAX(id), 0) FROM events", "reading detections");
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
			reg_set_error(r, "counting over time");
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
			reg_set_error(r, "counting over time");
			return -1;
		}
	}
	return 0;
}


double
registry_last_detection(struct registry *r, const struct ip_addr *ip)
{
	struct db_stmt *st;
	char text[64];
	double t = 0;

	if (db_prepare(r->db, "SELECT MAX(time) FROM events WHERE host = ?", false, &st) != 0) {
		reg_set_error(r, "reading detections");
		return 0;
	}
	db_bind_text(st, 1, ip_to_str(ip, text, sizeof(text)));
	if (db_step(st) == DB_ROW && !db_col_null(st, 0))
		t = db_col_double(st, 0);
	db_finalize(st);
	return t;
}

