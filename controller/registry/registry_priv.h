/* SPDX-License-Identifier: ISC */
/*
 * registry's own: the handle, the columns both drivers read and write, and
 * what the registry's files share (registry.c: open, group commit, fencing,
 * the writes; registry_schema.c: the schema and its migrations;
 * registry_read.c: the listings; registry_lead.c: leadership).
 */
#ifndef CORDON_REGISTRY_PRIV_H
#define CORDON_REGISTRY_PRIV_H

#include "db.h"
#include "registry.h"

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

/* The rank of a stored source in SQL (mac_source_may_replace's order). */
#define SQL_SOURCE_RANK(col) \
    "(CASE " col " WHEN 'operator' THEN 4 WHEN 'segment' THEN 3 WHEN 'router' THEN 2" \
    " WHEN 'sensor' THEN 1 ELSE 0 END)"

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

/* registry.c */
/* Sets the error: "WHAT: the database's message". */
void reg_set_error(struct registry *r, const char *what);
/* Column i as text into dst ("" for NULL). */
void reg_col_text(struct db_stmt *st, int i, char *dst, size_t len);
/* A row of HOST_COLUMNS. */
void reg_row_to_host(struct db_stmt *st, struct host_rec *h);

/* registry_schema.c */
/* Creates or brings up the schema, in one transaction. 0, or -1 with err. */
int reg_migrate(struct db *db, char *err, size_t errlen);
/* The upsert registry_put runs (the caller frees it); NULL when out of memory. */
char *reg_put_sql(void);

#endif
