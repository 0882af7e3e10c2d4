/* SPDX-License-Identifier: ISC */
/*
 * registry: a location's tagged VLANs survive a write and a reopen; a database
 * written by an older Cordon (hosts without loc_orig_tagged) opens, gains the
 * column, and its hosts keep their state and location; a tagged list Cordon
 * did not write is marked so that the point refuses the location; hosts an
 * older Cordon queued over its isolation cap are held by a tripped breaker;
 * the lasting settings (registry_meta_*); a move under way (has_move) kept
 * across a reopen; registry_put_audited writes a record and its audit
 * entries all together or not at all. Also enf_tagged_text/
 * enf_tagged_parse, the stored form. The MAC's source: a database without
 * mac_source gains it (a MAC already there counts as a sensor's), asset
 * reports replace a MAC only from a source ranked as high, a MAC is found at
 * another address, and a record moves (DHCP). Services from asset reports
 * (the exposure map): stored, widened, listed by exposed port and state,
 * kept across a state change, a move and a reopen; an older database gains
 * the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "registry.h"

/*
 * The backend under test: SQLite in a temporary file (the default), or the
 * PostgreSQL database named by CORDON_TEST_PG (libpq's connection string)
 * with --postgresql, emptied before each case (tests/controller/postgresql.sh
 * starts a server of its own for it).
 */
static enum registry_backend backend = REGISTRY_SQLITE;
static const char *pg_conninfo;

/* The hosts table as the first schema had it (before loc_orig_tagged). */
static const char old_schema[] =
    "CREATE TABLE hosts ("
    " ip TEXT PRIMARY KEY, ipbin BLOB NOT NULL, mac TEXT, state TEXT NOT NULL,"
    " hold TEXT NOT NULL DEFAULT '', failed_op TEXT NOT NULL DEFAULT '',"
    " reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '',"
    " point TEXT NOT NULL DEFAULT '', has_loc INTEGER NOT NULL DEFAULT 0,"
    " loc_point TEXT, loc_port TEXT, loc_ifindex INTEGER, loc_bridge_port INTEGER,"
    " loc_orig_vlan INTEGER, loc_quarantine_vlan INTEGER, loc_detail TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_retry REAL NOT NULL DEFAULT 0,"
    " probation_until REAL NOT NULL DEFAULT 0, first_seen REAL, last_seen REAL,"
    " updated REAL, last_error TEXT NOT NULL DEFAULT '', detections INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, host TEXT, reason TEXT, result TEXT);"
    "INSERT INTO hosts (ip, ipbin, mac, state, point, has_loc, loc_point, loc_port,"
    " loc_ifindex, loc_bridge_port, loc_orig_vlan, loc_quarantine_vlan, loc_detail, detections)"
    " VALUES ('10.0.0.7', zeroblob(16), '02:00:00:ab:cd:ef', 'quarantined', 'sw1', 1, 'sw1',"
    " 'swp3', 3, 3, 10, 999, 'swp3 VLAN 10 -> 999', 4);"
    "INSERT INTO audit (time, actor, action, host, reason, result)"
    " VALUES (1.0, 'policy', 'isolate', '10.0.0.7', 'scan', 'ok');";

struct dbfile {
	char path[64];
};

/* Empties the test database: the schema is made again by registry_open. */
static int
pg_wipe(void)
{
	char err[256];
	struct db *db = db_open(DB_POSTGRESQL, pg_conninfo, err, sizeof(err));
	int rc;

	if (db == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	rc = db_exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
	if (rc != 0)
		fprintf(stderr, "emptying the test database: %s\n", db_errmsg(db));
	db_close(db);
	return rc;
}

static int
setup(void **state)
{
	static struct dbfile f;
	if (backend == REGISTRY_POSTGRESQL && pg_wipe() != 0)
		return -1;
	snprintf(f.path, sizeof(f.path), "/tmp/cordon-test-registry-XXXXXX");
	int fd = mkstemp(f.path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(f.path);   /* SQLite creates it */
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct dbfile *f = *state;
	char p[96];
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	return 0;
}

static struct registry *
open_ok(const char *path)
{
	char err[256] = "";
	struct registry *r = registry_open(backend, backend == REGISTRY_POSTGRESQL ? pg_conninfo : path,
	    err, sizeof(err));
	int64_t term;
	if (!r)
		fail_msg("registry_open: %s", err);
	/* The first registry open on the database leads (and writes); a second
	 * one at the same time only reads. */
	if (registry_lead(r, "test", 1.0, &term) < 0)
		fail_msg("registry_lead: %s", registry_error(r));
	return r;
}

static void
test_tagged_text(void **state)
{
	struct enf_location l;
	char buf[64];

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(enf_tagged_parse("20,30", &l), 0);
	assert_int_equal(l.norig_tagged, 2);
	assert_int_equal(l.orig_tagged[0], 20);
	assert_int_equal(l.orig_tagged[1], 30);
	enf_tagged_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "20,30");
	assert_int_equal(enf_tagged_parse("", &l), 0);
	assert_int_equal(l.norig_tagged, 0);
	enf_tagged_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_int_equal(enf_tagged_parse(NULL, &l), 0);
	assert_int_equal(enf_tagged_parse("1,2,3,4094", &l), 0);
	assert_int_equal(l.norig_tagged, 4);
	/* The short buffer gets a cut, terminated text and the full length. */
	assert_int_equal(enf_tagged_text(&l, buf, 4), (int)strlen("1,2,3,4094"));
	assert_string_equal(buf, "1,2");

	static const char *const bad[] = {
		"0", "4095", "20,", ",20", "20,,30", "20 30", "20,20", "1,2,3,4,5", "x",
		"99999", "123456789012", "-1", "20;30",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0, sizeof(l));
		l.norig_tagged = 1;
		l.orig_tagged[0] = 7;
		if (enf_tagged_parse(bad[i], &l) == 0)
			fail_msg("'%s' accepted", bad[i]);
		/* unchanged on refusal */
		assert_int_equal(l.norig_tagged, 1);
		assert_int_equal(l.orig_tagged[0], 7);
	}
}

static void
test_port_macs_text(void **state)
{
	struct enf_location l;
	char buf[256];

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(enf_port_macs_parse("2,02:00:00:00:00:01,aa:bb:cc:dd:ee:ff", &l), 0);
	assert_int_equal(l.nport_macs, 2);
	assert_int_equal(l.port_macs[1][0], 0xaa);
	assert_int_equal(l.port_macs[1][5], 0xff);
	enf_port_macs_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "2,02:00:00:00:00:01,aa:bb:cc:dd:ee:ff");
	assert_int_equal(enf_port_macs_parse("", &l), 0);
	assert_int_equal(l.nport_macs, 0);
	enf_port_macs_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	/* More MACs than a location lists: the count stays true, the list is cut. */
	memset(&l, 0, sizeof(l));
	l.nport_macs = 12;
	enf_port_macs_text(&l, buf, sizeof(buf));
	assert_int_equal(enf_port_macs_parse(buf, &l), 0);
	assert_int_equal(l.nport_macs, 12);
	/* The short buffer gets a cut, terminated text and the full length. */
	assert_int_equal(enf_port_macs_text(&l, buf, 4), (int)(2 + ENF_MAX_PORT_MACS * 18));
	assert_string_equal(buf, "12,");

	static const char *const bad[] = {
		"x", "1", "1,02:00:00:00:00:0", "2,02:00:00:00:00:01", "1,02:00:00:00:00:01,",
		"0,02:00:00:00:00:01", "1,02-00-00-00-00-01", "1,02:00:00:00:00:01x", "99999999",
		"-1", ",02:00:00:00:00:01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0, sizeof(l));
		l.nport_macs = 1;
		l.port_macs[0][0] = 7;
		if (enf_port_macs_parse(bad[i], &l) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(l.nport_macs, 1);
		assert_int_equal(l.port_macs[0][0], 7);
	}
}

static int
collect_ip(void *arg, const struct host_rec *h)
{
	char (*ips)[64] = arg;
	int i = 0;
	while (ips[i][0])
		i++;
	ip_to_str(&h->ip, ips[i], 64);
	return 0;
}

/* Takes the first host, then stops the walk. */
static int
collect_first_then_stop(void *arg, const struct host_rec *h)
{
	collect_ip(arg, h);
	return 1;
}

static void
test_hosts_at_a_port(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct host_rec h;
	char ips[8][64];
	static const struct { const char *ip, *point; int ifindex; bool has_loc; } hosts[] = {
		{ "10.0.0.21", "sw1", 3, true },     /* the PC */
		{ "10.0.0.22", "sw1", 3, true },     /* the phone, same port */
		{ "10.0.0.23", "sw1", 4, true },     /* another port */
		{ "10.0.0.24", "sw2", 3, true },     /* another switch */
		{ "10.0.0.25", "sw1", 3, false },    /* released: no location */
		{ "10.0.0.26", "router", 0, true },  /* netlink: never a port */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		memset(&h, 0, sizeof(h));
		assert_int_equal(ip_from_str(hosts[i].ip, &h.ip), 0);
		h.state = HS_QUARANTINED;
		h.has_loc = hosts[i].has_loc;
		snprintf(h.loc.point, sizeof(h.loc.point), "%s", hosts[i].point);
		h.loc.ifindex = hosts[i].ifindex;
		h.loc.port_macs[0][5] = (uint8_t)i;
		h.loc.nport_macs = 2;
		assert_int_equal(registry_put(r, &h), 0);
	}
	memset(&h, 0, sizeof(h));
	snprintf(h.loc.point, sizeof(h.loc.point), "sw1");
	h.loc.ifindex = 3;
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_foreach_at(r, &h.loc, collect_ip, ips), 0);
	assert_string_equal(ips[0], "10.0.0.21");
	assert_string_equal(ips[1], "10.0.0.22");
	assert_string_equal(ips[2], "");
	/* A walk its caller stops is an error, not a short list; the statement
	 * kept for these walks serves the next one whole. */
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_foreach_at(r, &h.loc, collect_first_then_stop, ips), -1);
	assert_non_null(strstr(registry_error(r), "listing a port's hosts: stopped by the caller"));
	assert_string_equal(ips[1], "");
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_foreach_at(r, &h.loc, collect_ip, ips), 0);
	assert_string_equal(ips[1], "10.0.0.22");
	assert_int_equal(registry_page(r, -1, NULL, 10, collect_first_then_stop, ips), -1);
	assert_non_null(strstr(registry_error(r), "listing hosts: stopped by the caller"));
	snprintf(h.loc.point, sizeof(h.loc.point), "router");
	h.loc.ifindex = 0;
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_foreach_at(r, &h.loc, collect_ip, ips), 0);
	assert_string_equal(ips[0], "");
	/* The port's MACs come back as written. */
	assert_int_equal(ip_from_str("10.0.0.22", &h.ip), 0);
	assert_int_equal(registry_get(r, &h.ip, &h), 1);
	assert_int_equal(h.loc.nport_macs, 2);
	assert_int_equal(h.loc.port_macs[0][5], 1);
	registry_close(r);
}

static void
test_pages(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct host_rec h;
	char ips[8][64];
	struct ip_addr after;
	static const char *const hosts[] = {   /* put in no order; listed in address order */
		"10.0.0.30", "10.0.0.4", "2001:db8::1", "10.0.0.200", "10.0.1.1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		memset(&h, 0, sizeof(h));
		assert_int_equal(ip_from_str(hosts[i], &h.ip), 0);
		h.state = i == 2 ? HS_QUARANTINED : HS_OBSERVED;
		assert_int_equal(registry_put(r, &h), 0);
	}
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_page(r, -1, NULL, 2, collect_ip, ips), 2);
	assert_string_equal(ips[0], "10.0.0.4");
	assert_string_equal(ips[1], "10.0.0.30");
	assert_int_equal(ip_from_str(ips[1], &after), 0);
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_page(r, -1, &after, 2, collect_ip, ips), 2);
	assert_string_equal(ips[0], "10.0.0.200");
	assert_string_equal(ips[1], "10.0.1.1");
	assert_int_equal(ip_from_str(ips[1], &after), 0);
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_page(r, -1, &after, 2, collect_ip, ips), 1);
	assert_string_equal(ips[0], "2001:db8::1");
	assert_int_equal(ip_from_str(ips[0], &after), 0);
	assert_int_equal(registry_page(r, -1, &after, 2, collect_ip, ips), 0);
	/* by state */
	memset(ips, 0, sizeof(ips));
	assert_int_equal(registry_page(r, HS_QUARANTINED, NULL, 10, collect_ip, ips), 1);
	assert_string_equal(ips[0], "2001:db8::1");
	registry_close(r);
}

static void
test_roundtrip(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct host_rec h, got;

	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.0.0.8", &h.ip), 0);
	h.state = HS_QUARANTINED;
	h.has_loc = true;
	snprintf(h.loc.point, sizeof(h.loc.point), "sw1");
	snprintf(h.loc.port, sizeof(h.loc.port), "swp2");
	h.loc.ifindex = 2;
	h.loc.bridge_port = 2;
	h.loc.orig_vlan = 10;
	h.loc.quarantine_vlan = 999;
	h.loc.orig_tagged[0] = 20;
	h.loc.orig_tagged[1] = 30;
	h.loc.norig_tagged = 2;
	assert_int_equal(registry_put(r, &h), 0);
	registry_close(r);

	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_int_equal(got.loc.norig_tagged, 2);
	assert_int_equal(got.loc.orig_tagged[0], 20);
	assert_int_equal(got.loc.orig_tagged[1], 30);
	assert_int_equal(got.loc.orig_vlan, 10);

	/* Released: no tagged VLANs any more, stored as none. */
	got.loc.norig_tagged = 0;
	assert_int_equal(registry_put(r, &got), 0);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_int_equal(got.loc.norig_tagged, 0);
	registry_close(r);
}

static int
count_host(void *arg, const struct host_rec *h)
{
	(void)h;
	(*(int *)arg)++;
	return 0;
}

static void
test_old_database(void **state)
{
	struct dbfile *f = *state;
	sqlite3 *db;
	struct ip_addr ip;
	struct host_rec got;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, old_schema, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("old schema: %s", msg);
	sqlite3_close(db);

	struct registry *r = open_ok(f->path);
	assert_int_equal(ip_from_str("10.0.0.7", &ip), 0);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_int_equal(got.state, HS_QUARANTINED);
	assert_true(got.has_loc);
	assert_string_equal(got.loc.port, "swp3");
	assert_int_equal(got.loc.orig_vlan, 10);
	assert_int_equal(got.loc.quarantine_vlan, 999);
	assert_int_equal(got.loc.norig_tagged, 0);
	assert_int_equal(got.detections, 4);
	assert_false(got.has_move);   /* the move columns added with their defaults */
	int n = 0;
	assert_int_equal(registry_foreach(r, -1, count_host, &n), 0);
	assert_int_equal(n, 1);
	assert_true(registry_audit_last_id(r) >= 1);

	/* The migrated database takes a tagged list, and keeps it across a reopen. */
	got.loc.orig_tagged[0] = 20;
	got.loc.norig_tagged = 1;
	assert_int_equal(registry_put(r, &got), 0);
	registry_close(r);
	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_int_equal(got.loc.norig_tagged, 1);
	assert_int_equal(got.loc.orig_tagged[0], 20);
	registry_close(r);

	/* A list Cordon did not write: past the bound, so that the point refuses it. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE hosts SET loc_orig_tagged = '20,x'", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_true(got.loc.norig_tagged > ENF_MAX_TAGGED);
	registry_close(r);
}

static void
test_meta(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	char v[64];

	assert_int_equal(registry_meta_get(r, "breaker", v, sizeof(v)), 0);
	assert_int_equal(registry_meta_put(r, "breaker", "1 1000.000 burst"), 0);
	assert_int_equal(registry_meta_put(r, "breaker", "0 1000.000 burst"), 0);
	registry_close(r);
	r = open_ok(f->path);
	assert_int_equal(registry_meta_get(r, "breaker", v, sizeof(v)), 1);
	assert_string_equal(v, "0 1000.000 burst");
	/* A value longer than the buffer is cut, never overrun. */
	assert_int_equal(registry_meta_get(r, "breaker", v, 6), 1);
	assert_string_equal(v, "0 100");
	registry_close(r);
}

static void
test_legacy_rate_holds(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct host_rec h, got;
	char v[320];
	int tripped = -1;

	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.70.0.8", &h.ip), 0);
	h.state = HS_SUSPECTED;
	snprintf(h.hold, sizeof(h.hold), "rate-limit");   /* as an older Cordon wrote it */
	assert_int_equal(registry_put(r, &h), 0);
	registry_close(r);

	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_int_equal(got.state, HS_SUSPECTED);
	assert_string_equal(got.hold, HOLD_BREAKER);
	assert_int_equal(registry_meta_get(r, "breaker", v, sizeof(v)), 1);
	assert_int_equal(sscanf(v, "%d", &tripped), 1);
	assert_int_equal(tripped, 1);
	assert_non_null(strstr(v, "queued by the isolation cap of an older Cordon"));
	/* Reopening again changes nothing: a reset breaker stays reset. */
	assert_int_equal(registry_meta_put(r, "breaker", "0 1.000 reset"), 0);
	registry_close(r);
	r = open_ok(f->path);
	assert_int_equal(registry_meta_get(r, "breaker", v, sizeof(v)), 1);
	assert_string_equal(v, "0 1.000 reset");
	registry_close(r);
}

/* The hosts table of the Cordon before mac_source (with loc_orig_tagged). */
static const char tagged_schema[] =
    "CREATE TABLE hosts ("
    " ip TEXT PRIMARY KEY, ipbin BLOB NOT NULL, mac TEXT, state TEXT NOT NULL,"
    " hold TEXT NOT NULL DEFAULT '', failed_op TEXT NOT NULL DEFAULT '',"
    " reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '',"
    " point TEXT NOT NULL DEFAULT '', has_loc INTEGER NOT NULL DEFAULT 0,"
    " loc_point TEXT, loc_port TEXT, loc_ifindex INTEGER, loc_bridge_port INTEGER,"
    " loc_orig_vlan INTEGER, loc_quarantine_vlan INTEGER, loc_detail TEXT,"
    " loc_orig_tagged TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0, next_retry REAL NOT NULL DEFAULT 0,"
    " probation_until REAL NOT NULL DEFAULT 0, first_seen REAL, last_seen REAL,"
    " updated REAL, last_error TEXT NOT NULL DEFAULT '', detections INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO hosts (ip, ipbin, mac, state, has_loc, loc_port, loc_orig_tagged)"
    " VALUES ('10.0.0.7', zeroblob(16), '02:00:00:ab:cd:ef', 'quarantined', 1, 'swp3', '20');"
    "INSERT INTO hosts (ip, ipbin, state) VALUES ('10.0.0.8', zeroblob(16), 'observed');";

static void
test_mac_source_migration(void **state)
{
	struct dbfile *f = *state;
	struct ip_addr a, b;
	struct host_rec got;
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, tagged_schema, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("older schema: %s", msg);
	sqlite3_close(db);

	struct registry *r = open_ok(f->path);
	assert_int_equal(ip_from_str("10.0.0.7", &a), 0);
	assert_int_equal(ip_from_str("10.0.0.8", &b), 0);
	assert_int_equal(registry_get(r, &a, &got), 1);
	assert_true(got.has_mac);
	assert_int_equal(got.mac_source, MAC_SRC_SENSOR);   /* as recorded before: a report's */
	assert_int_equal(got.state, HS_QUARANTINED);
	assert_string_equal(got.loc.port, "swp3");
	assert_int_equal(got.loc.norig_tagged, 1);
	assert_int_equal(registry_get(r, &b, &got), 1);
	assert_false(got.has_mac);
	assert_int_equal(got.mac_source, MAC_SRC_NONE);
	/* the new column takes a source and keeps it across a reopen */
	got.has_mac = true;
	memcpy(got.mac, "\x02\x00\x00\x00\x00\x08", 6);
	got.mac_source = MAC_SRC_ROUTER;
	assert_int_equal(registry_put(r, &got), 0);
	registry_close(r);
	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &b, &got), 1);
	assert_int_equal(got.mac_source, MAC_SRC_ROUTER);
	/* a second open migrates nothing again: the first host's source stays */
	assert_int_equal(registry_get(r, &a, &got), 1);
	got.mac_source = MAC_SRC_SEGMENT;
	assert_int_equal(registry_put(r, &got), 0);
	registry_close(r);
	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &a, &got), 1);
	assert_int_equal(got.mac_source, MAC_SRC_SEGMENT);
	registry_close(r);
}

static void
seen_one(struct registry *r, const char *ip, const uint8_t *mac, enum mac_source src)
{
	struct seen_host s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(ip_from_str(ip, &s.ip), 0);
	s.has_mac = mac != NULL;
	if (mac)
		memcpy(s.mac, mac, 6);
	s.first_seen_us = 1000000;
	s.last_seen_us = 2000000;
	assert_int_equal(registry_seen(r, &s, &src, 1), 0);
}

static void
test_seen_sources(void **state)
{
	struct dbfile *f = *state;
	static const uint8_t host[6] = {2, 0, 0, 0, 0, 1}, router[6] = {2, 0, 0, 0, 0, 0xfe};
	struct registry *r = open_ok(f->path);
	struct ip_addr ip;
	struct host_rec got;

	assert_int_equal(ip_from_str("10.20.0.5", &ip), 0);
	/* a router's MAC from behind it: the host is recorded, without a MAC */
	seen_one(r, "10.20.0.5", router, MAC_SRC_NONE);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_false(got.has_mac);
	seen_one(r, "10.20.0.5", host, MAC_SRC_SEGMENT);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_memory_equal(got.mac, host, 6);
	assert_int_equal(got.mac_source, MAC_SRC_SEGMENT);
	/* lower sources never replace it */
	seen_one(r, "10.20.0.5", router, MAC_SRC_NONE);
	seen_one(r, "10.20.0.5", router, MAC_SRC_SENSOR);
	seen_one(r, "10.20.0.5", router, MAC_SRC_ROUTER);
	seen_one(r, "10.20.0.5", NULL, MAC_SRC_SEGMENT);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_memory_equal(got.mac, host, 6);
	assert_int_equal(got.mac_source, MAC_SRC_SEGMENT);
	/* the same rank does (a new network card on the segment) */
	seen_one(r, "10.20.0.5", router, MAC_SRC_SEGMENT);
	assert_int_equal(registry_get(r, &ip, &got), 1);
	assert_memory_equal(got.mac, router, 6);
	/* no sources given: every report is a sensor's, as before */
	struct seen_host s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(ip_from_str("10.30.0.5", &s.ip), 0);
	s.has_mac = true;
	memcpy(s.mac, host, 6);
	assert_int_equal(registry_seen(r, &s, NULL, 1), 0);
	assert_int_equal(registry_get(r, &s.ip, &got), 1);
	assert_int_equal(got.mac_source, MAC_SRC_SENSOR);
	/* a host with a recorded location keeps its MAC, whatever the rank:
	 * its address taken over by another host must not hand over the port */
	got.has_loc = true;
	got.state = HS_QUARANTINED;
	snprintf(got.loc.point, sizeof(got.loc.point), "sw1");
	got.loc.ifindex = 3;
	assert_int_equal(registry_put(r, &got), 0);
	seen_one(r, "10.30.0.5", router, MAC_SRC_SEGMENT);
	assert_int_equal(registry_get(r, &s.ip, &got), 1);
	assert_memory_equal(got.mac, host, 6);
	assert_int_equal(got.state, HS_QUARANTINED);
	registry_close(r);
}

static void
test_find_and_move(void **state)
{
	struct dbfile *f = *state;
	static const uint8_t m[6] = {2, 0, 0, 0, 0, 1};
	struct registry *r = open_ok(f->path);
	struct host_rec h, got;
	struct ip_addr old_ip, new_ip;

	assert_int_equal(ip_from_str("10.20.0.11", &old_ip), 0);
	assert_int_equal(ip_from_str("10.20.0.21", &new_ip), 0);
	memset(&h, 0, sizeof(h));
	h.ip = old_ip;
	h.has_mac = true;
	memcpy(h.mac, m, 6);
	h.mac_source = MAC_SRC_SEGMENT;
	h.state = HS_QUARANTINED;
	h.has_loc = true;
	snprintf(h.loc.port, sizeof(h.loc.port), "swp1");
	assert_int_equal(registry_put(r, &h), 0);
	memset(&got, 0, sizeof(got));
	got.ip = new_ip;
	assert_int_equal(registry_put(r, &got), 0);

	assert_int_equal(registry_find_mac(r, m, &new_ip, &got), 1);
	assert_memory_equal(&got.ip, &old_ip, sizeof(old_ip));
	assert_int_equal(registry_find_mac(r, m, &old_ip, &got), 0);   /* only there */

	h.ip = new_ip;
	assert_int_equal(registry_move(r, &old_ip, &h), 0);
	assert_int_equal(registry_get(r, &old_ip, &got), 0);
	assert_int_equal(registry_get(r, &new_ip, &got), 1);
	assert_int_equal(got.state, HS_QUARANTINED);
	assert_string_equal(got.loc.port, "swp1");
	assert_memory_equal(got.mac, m, 6);
	assert_int_equal(registry_find_mac(r, m, &new_ip, &got), 0);
	registry_close(r);
}

static int
count_audit(void *arg, const struct audit_rec *a)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static void
test_prune(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct ip_addr ip;
	int i, n;

	assert_int_equal(ip_from_str("10.0.0.9", &ip), 0);
	/* 1200 detections and audit entries at 1000..2199 s, in order. */
	for (i = 0; i < 1200; i++) {
		assert_int_equal(registry_event(r, 1000.0 + i, &ip, "trw", "{}"), 0);
		assert_int_equal(registry_audit(r, 1000.0 + i, "policy", "isolate", &ip, "r", "ok"), 0);
	}
	/* Older than 2000 s: 1000 rows, gone in slices of at most 300. */
	assert_int_equal(registry_prune(r, REGISTRY_EVENTS, 2000.0, 300), 300);
	assert_int_equal(registry_prune(r, REGISTRY_EVENTS, 2000.0, 300), 300);
	assert_int_equal(registry_prune(r, REGISTRY_EVENTS, 2000.0, 300), 300);
	assert_int_equal(registry_prune(r, REGISTRY_EVENTS, 2000.0, 300), 100);
	assert_int_equal(registry_prune(r, REGISTRY_EVENTS, 2000.0, 300), 0);
	/* The audit log is its own table, pruned on its own. */
	n = 0;
	assert_int_equal(registry_audit_list(r, NULL, 0, 10000, count_audit, &n), 0);
	assert_int_equal(n, 1200);
	assert_int_equal(registry_prune(r, REGISTRY_AUDIT, 1100.0, 1000), 100);
	n = 0;
	assert_int_equal(registry_audit_list(r, NULL, 0, 10000, count_audit, &n), 0);
	assert_int_equal(n, 1100);
	/* Nothing old: nothing goes. */
	assert_int_equal(registry_prune(r, REGISTRY_AUDIT, 0.0, 1000), 0);
	/* The newest detection of a host, for the breaker's evidence. */
	assert_true(registry_last_detection(r, &ip) == 2199.0);
	{
		struct ip_addr other;
		assert_int_equal(ip_from_str("10.0.0.10", &other), 0);
		assert_true(registry_last_detection(r, &other) == 0);
	}
	/* A row stamped in the future (a clock once wrong) does not stop the
	 * pruning of the old rows appended after it. */
	assert_int_equal(registry_event(r, 99999.0, &ip, "trw", "{}"), 0);
	assert_int_equal(registry_event(r, 10.0, &ip, "trw", "{}"), 0);
	/* (2000..2099 s left from above, and the one at 10 s) */
	assert_int_equal(registry_prune(r, REGISTRY_EVENTS, 2100.0, 1000), 101);
	assert_int_equal(registry_prune(r, (enum registry_log)7, 3000.0, 10), -1);
	registry_close(r);
}

/* A followed move: the new location and both audit entries, all or none. */
static void
test_put_audited(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct host_rec h, got;
	int n = 0;
	const struct registry_audit_entry ok[2] = {
		{ "follow", "isolate", "moved from swp2 to swp4", "ok: swp4 VLAN 10 -> 999" },
		{ "follow", "release", "moved from swp2 to swp4", "ok: swp2 VLAN 10 restored" },
	};
	const struct registry_audit_entry broken[2] = {
		{ "follow", "isolate", "moved from swp4 to swp5", "ok" },
		{ NULL, "release", "moved from swp4 to swp5", "ok" },   /* actor NOT NULL: refused */
	};

	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.0.0.9", &h.ip), 0);
	h.state = HS_QUARANTINED;
	h.has_loc = true;
	snprintf(h.loc.point, sizeof(h.loc.point), "sw1");
	snprintf(h.loc.port, sizeof(h.loc.port), "swp2");
	h.loc.bridge_port = 2;
	assert_int_equal(registry_put(r, &h), 0);

	snprintf(h.loc.port, sizeof(h.loc.port), "swp4");
	h.loc.bridge_port = 4;
	assert_int_equal(registry_put_audited(r, &h, 2.0, ok, 2), 0);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_string_equal(got.loc.port, "swp4");
	assert_int_equal(registry_audit_list(r, &h.ip, 0, 100, count_audit, &n), 0);
	assert_int_equal(n, 2);

	/* The second entry fails: the record keeps swp4 and no entry is added. */
	snprintf(h.loc.port, sizeof(h.loc.port), "swp5");
	h.loc.bridge_port = 5;
	assert_int_equal(registry_put_audited(r, &h, 3.0, broken, 2), -1);
	assert_true(strlen(registry_error(r)) > 0);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_string_equal(got.loc.port, "swp4");
	assert_int_equal(got.loc.bridge_port, 4);
	n = 0;
	assert_int_equal(registry_audit_list(r, &h.ip, 0, 100, count_audit, &n), 0);
	assert_int_equal(n, 2);
	/* ... and the registry goes on working (no transaction left open). */
	assert_int_equal(registry_put(r, &h), 0);
	registry_close(r);
	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_string_equal(got.loc.port, "swp5");
	registry_close(r);
}

/* A move under way (has_move) survives a reopen with its location; cleared, it is gone. */
static void
test_move_roundtrip(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct host_rec h, got;

	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.0.0.10", &h.ip), 0);
	h.state = HS_QUARANTINED;
	h.has_mac = true;
	memcpy(h.mac, "\x02\x00\x00\x00\x00\x0a", 6);
	h.has_loc = true;
	snprintf(h.loc.point, sizeof(h.loc.point), "sw1");
	snprintf(h.loc.port, sizeof(h.loc.port), "swp1");
	h.loc.bridge_port = 1;
	h.has_move = true;
	snprintf(h.move.point, sizeof(h.move.point), "sw2");
	snprintf(h.move.port, sizeof(h.move.port), "ge-0/0/4");
	h.move.ifindex = 504;
	h.move.bridge_port = 4;
	h.move.orig_vlan = 30;
	h.move.quarantine_vlan = 999;
	h.move.orig_tagged[0] = 40;
	h.move.norig_tagged = 1;
	snprintf(h.move.detail, sizeof(h.move.detail), "ge-0/0/4 VLAN 30 (tagged 40) -> 999");
	assert_int_equal(registry_put(r, &h), 0);
	registry_close(r);

	r = open_ok(f->path);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_true(got.has_move);
	assert_string_equal(got.move.point, "sw2");
	assert_string_equal(got.move.port, "ge-0/0/4");
	assert_int_equal(got.move.ifindex, 504);
	assert_int_equal(got.move.bridge_port, 4);
	assert_int_equal(got.move.orig_vlan, 30);
	assert_int_equal(got.move.quarantine_vlan, 999);
	assert_int_equal(got.move.norig_tagged, 1);
	assert_int_equal(got.move.orig_tagged[0], 40);
	assert_string_equal(got.move.detail, "ge-0/0/4 VLAN 30 (tagged 40) -> 999");
	assert_true(got.move.host.has_mac);
	assert_memory_equal(got.move.host.mac, h.mac, 6);
	assert_string_equal(got.loc.port, "swp1");   /* the old port stays recorded */

	got.has_move = false;
	assert_int_equal(registry_put(r, &got), 0);
	assert_int_equal(registry_get(r, &h.ip, &got), 1);
	assert_false(got.has_move);
	assert_string_equal(got.move.point, "");
	assert_int_equal(got.move.bridge_port, 0);
	registry_close(r);
}

/* ---- services (the exposure map) ------------------------------------------- */

struct asset_got {
	int n;
	char ip[8][64];
	size_t nsvc[8];
	struct host_service svc[8][4];
	enum host_state state[8];
};

static int
collect_assets(void *arg, const struct host_rec *h, const struct host_service *s, size_t n)
{
	struct asset_got *g = arg;

	assert_true(g->n < 8);
	ip_to_str(&h->ip, g->ip[g->n], sizeof(g->ip[g->n]));
	g->nsvc[g->n] = n;
	memcpy(g->svc[g->n], s, (n < 4 ? n : 4) * sizeof(*s));
	g->state[g->n] = h->state;
	g->n++;
	return 0;
}

static struct asset_got
assets(struct registry *r, int state, int exposed, const char *after, unsigned limit)
{
	struct asset_got g;
	struct ip_addr a;
	int n;

	memset(&g, 0, sizeof(g));
	if (after)
		assert_int_equal(ip_from_str(after, &a), 0);
	n = registry_assets_page(r, state, exposed, after ? &a : NULL, limit, collect_assets, &g);
	assert_int_equal(n, g.n);
	return g;
}

static void
add_service(struct seen_host *s, uint8_t proto, uint16_t port, double first, double last)
{
	struct seen_service *sv = &s->services[s->nservices++];

	sv->proto = proto;
	sv->port = port;
	sv->first_seen_us = (uint64_t)(first * 1e6);
	sv->last_seen_us = (uint64_t)(last * 1e6);
}

static void
seen_init(struct seen_host *s, const char *ip)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(ip_from_str(ip, &s->ip), 0);
	s->vlan = -1;
	s->first_seen_us = 1000000;
	s->last_seen_us = 2000000;
	s->time_us = 2000000;
}

static int group_opens;

static void
group_opened(void *arg)
{
	(void)arg;
	group_opens++;
}

static void
test_services(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct seen_host s[3];
	struct asset_got g;
	struct host_rec h;
	struct ip_addr ip, to;

	seen_init(&s[0], "10.1.0.2");
	add_service(&s[0], IPPROTO_NUM_TCP, 445, 10, 20);
	add_service(&s[0], IPPROTO_NUM_UDP, 1434, 11, 12);
	seen_init(&s[1], "10.1.0.3");
	add_service(&s[1], IPPROTO_NUM_TCP, 139, 10, 10);
	seen_init(&s[2], "10.1.0.4");
	/* In a group commit, as the daemon writes: one transaction, committed once. */
	registry_group(r, group_opened, NULL);
	group_opens = 0;
	assert_int_equal(registry_seen(r, s, NULL, 3), 0);
	assert_true(registry_in_group(r));
	/* a later report widens one service's times and adds another */
	seen_init(&s[0], "10.1.0.2");
	add_service(&s[0], IPPROTO_NUM_TCP, 445, 5, 30);
	add_service(&s[0], IPPROTO_NUM_TCP, 3389, 40, 41);
	assert_int_equal(registry_seen(r, s, NULL, 1), 0);
	assert_int_equal(group_opens, 1);
	assert_int_equal(registry_commit(r), 0);

	g = assets(r, -1, -1, NULL, 10);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.ip[0], "10.1.0.2");
	assert_int_equal(g.nsvc[0], 3);     /* by protocol, then port */
	assert_int_equal(g.svc[0][0].proto, IPPROTO_NUM_TCP);
	assert_int_equal(g.svc[0][0].port, 445);
	assert_true(g.svc[0][0].first_seen == 5 && g.svc[0][0].last_seen == 30);
	assert_int_equal(g.svc[0][1].port, 3389);
	assert_int_equal(g.svc[0][2].proto, IPPROTO_NUM_UDP);
	assert_int_equal(g.svc[0][2].port, 1434);
	assert_true(g.svc[0][2].first_seen == 11 && g.svc[0][2].last_seen == 12);
	assert_string_equal(g.ip[1], "10.1.0.3");
	assert_int_equal(g.nsvc[1], 1);
	assert_string_equal(g.ip[2], "10.1.0.4");
	assert_int_equal(g.nsvc[2], 0);
	assert_int_equal(g.state[2], HS_OBSERVED);

	/* exposed: tcp or udp on that port */
	g = assets(r, -1, 445, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.1.0.2");
	g = assets(r, -1, 1434, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.1.0.2");
	g = assets(r, -1, 139, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.1.0.3");
	assert_int_equal(assets(r, -1, 80, NULL, 10).n, 0);
	/* pages */
	g = assets(r, -1, -1, NULL, 1);
	assert_int_equal(g.n, 1);
	g = assets(r, -1, -1, g.ip[0], 1);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.1.0.3");

	/* A state change rewrites the host's row: its services stay. */
	assert_int_equal(ip_from_str("10.1.0.3", &ip), 0);
	assert_int_equal(registry_get(r, &ip, &h), 1);
	h.state = HS_QUARANTINED;
	assert_int_equal(registry_put(r, &h), 0);
	assert_int_equal(registry_commit(r), 0);
	g = assets(r, HS_QUARANTINED, -1, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.1.0.3");
	assert_int_equal(g.nsvc[0], 1);
	assert_int_equal(assets(r, HS_QUARANTINED, 445, NULL, 10).n, 0);

	/* A DHCP move: the services follow the machine. */
	assert_int_equal(ip_from_str("10.1.0.2", &ip), 0);
	assert_int_equal(ip_from_str("10.1.0.9", &to), 0);
	assert_int_equal(registry_get(r, &ip, &h), 1);
	h.ip = to;
	assert_int_equal(registry_move(r, &ip, &h), 0);
	assert_int_equal(registry_commit(r), 0);
	registry_close(r);

	/* ... and all of it is on disk. */
	r = open_ok(f->path);
	g = assets(r, -1, 445, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.1.0.9");
	assert_int_equal(g.nsvc[0], 3);
	registry_close(r);
}

/* A database of an older Cordon (no services table) gains it, empty. */
static void
test_services_old_database(void **state)
{
	struct dbfile *f = *state;
	struct seen_host s;
	struct asset_got g;
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, old_schema, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("old schema: %s", msg);
	sqlite3_close(db);

	struct registry *r = open_ok(f->path);
	g = assets(r, -1, -1, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.ip[0], "10.0.0.7");
	assert_int_equal(g.state[0], HS_QUARANTINED);
	assert_int_equal(g.nsvc[0], 0);
	seen_init(&s, "10.0.0.7");
	add_service(&s, IPPROTO_NUM_TCP, 445, 1, 2);
	assert_int_equal(registry_seen(r, &s, NULL, 1), 0);
	g = assets(r, -1, 445, NULL, 10);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.state[0], HS_QUARANTINED);   /* a seen report never touches the state */
	assert_int_equal(g.nsvc[0], 1);
	registry_close(r);
}

/* A quarantined host at `ip` with a reason. */
static void
put_host(struct registry *r, const char *ip, const char *reason)
{
	struct host_rec h;

	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str(ip, &h.ip), 0);
	h.state = HS_QUARANTINED;
	snprintf(h.reason, sizeof(h.reason), "%s", reason);
	h.updated = 1000.5;
	if (registry_put(r, &h) != 0)
		fail_msg("registry_put %s: %s", ip, registry_error(r));
}

static int
known(struct registry *r, const char *ip)
{
	struct ip_addr a;
	struct host_rec h;

	assert_int_equal(ip_from_str(ip, &a), 0);
	return registry_get(r, &a, &h);
}

/* A group's writes are seen by another connection only once committed, all together. */
static void
test_group_commit(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path), *other = open_ok(f->path);

	registry_group(r, group_opened, NULL);
	group_opens = 0;
	put_host(r, "10.2.0.1", "scan");
	put_host(r, "10.2.0.2", "scan");
	assert_int_equal(registry_audit(r, 5.0, "policy", "isolate", NULL, "scan", "started"), 0);
	assert_int_equal(group_opens, 1);
	assert_true(registry_in_group(r));
	assert_int_equal(known(other, "10.2.0.1"), 0);    /* not yet committed */
	assert_int_equal(registry_commit(r), 0);
	assert_false(registry_in_group(r));
	assert_int_equal(known(other, "10.2.0.1"), 1);
	assert_int_equal(known(other, "10.2.0.2"), 1);
	assert_int_equal(registry_audit_last_id(other), 1);
	/* nothing open: a commit is a no-op */
	assert_int_equal(registry_commit(r), 0);
	registry_close(other);
	registry_close(r);
}

/* A database of a newer schema than this Cordon knows is refused and left as it is. */
static void
test_newer_schema_refused(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	char err[256] = "", v[16];

	put_host(r, "10.2.0.3", "scan");
	assert_int_equal(registry_meta_get(r, "schema_version", v, sizeof(v)), 1);
	assert_string_equal(v, "2");
	assert_int_equal(registry_meta_put(r, "schema_version", "99"), 0);
	registry_close(r);
	r = registry_open(backend, backend == REGISTRY_POSTGRESQL ? pg_conninfo : f->path, err,
	    sizeof(err));
	assert_null(r);
	if (strstr(err, "newer Cordon (schema version 99") == NULL)
		fail_msg("message: %s", err);
	/* The connection string never appears in a message (it may hold a password). */
	if (pg_conninfo != NULL && strstr(err, pg_conninfo) != NULL)
		fail_msg("message shows the connection string: %s", err);
}

/* Text as a switch or a sensor may give it: quotes, SQL, bytes that are not UTF-8. */
static void
test_odd_text(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct ip_addr ip;
	struct host_rec h;
	static const char sqlish[] = "x'); DROP TABLE hosts; -- \"$1\" ?2 \\";

	put_host(r, "10.2.0.4", sqlish);
	put_host(r, "10.2.0.5", "port \xff\xfe ok \xc3\xa9");
	assert_int_equal(ip_from_str("10.2.0.4", &ip), 0);
	assert_int_equal(registry_get(r, &ip, &h), 1);
	assert_string_equal(h.reason, sqlish);
	assert_true(h.updated == 1000.5);
	assert_int_equal(ip_from_str("10.2.0.5", &ip), 0);
	assert_int_equal(registry_get(r, &ip, &h), 1);
	/* SQLite keeps the bytes; PostgreSQL takes UTF-8 only: '?' for each bad byte. */
	assert_string_equal(h.reason, backend == REGISTRY_POSTGRESQL ? "port ?? ok \xc3\xa9" :
	    "port \xff\xfe ok \xc3\xa9");
	registry_close(r);
}

/* Buckets start at `since`: a time in a bucket's last moments is still in it. */
static void
test_histogram(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);
	struct ip_addr ip;
	uint32_t det[3], iso[3];

	assert_int_equal(ip_from_str("10.2.0.6", &ip), 0);
	assert_int_equal(registry_event(r, 1005, &ip, "trw", "{}"), 0);
	assert_int_equal(registry_event(r, 1065, &ip, "trw", "{}"), 0);
	assert_int_equal(registry_event(r, 1119.99, &ip, "trw", "{}"), 0);
	assert_int_equal(registry_event(r, 1180, &ip, "trw", "{}"), 0);   /* past the end */
	assert_int_equal(registry_event(r, 999, &ip, "trw", "{}"), 0);    /* before */
	assert_int_equal(registry_audit(r, 1179.5, "policy", "isolate", &ip, "", "started"), 0);
	assert_int_equal(registry_audit(r, 1170, "policy", "isolate", &ip, "", "ok"), 0);
	assert_int_equal(registry_histogram(r, 1000, 60, 3, det, iso), 0);
	assert_int_equal(det[0], 1);
	assert_int_equal(det[1], 2);
	assert_int_equal(det[2], 0);
	assert_int_equal(iso[0], 0);
	assert_int_equal(iso[1], 0);
	assert_int_equal(iso[2], 1);
	registry_close(r);
}

/* Ends every other connection to the test database (as a server restart would). */
static void
pg_kill_others(void)
{
	char err[256];
	struct db *db = db_open(DB_POSTGRESQL, pg_conninfo, err, sizeof(err));
	struct db_stmt *st;

	if (db == NULL)
		fail_msg("%s", err);
	assert_int_equal(db_prepare(db, "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
	    " WHERE datname = current_database() AND pid <> pg_backend_pid()", false, &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_col_int64(st, 0) >= 1);
	db_finalize(st);
	db_close(db);
}

/*
 * A connection that broke: between transactions the next statement makes it
 * again; inside a group the group fails whole at its commit, and the next
 * group works.
 */
static void
test_pg_reconnect(void **state)
{
	struct dbfile *f = *state;
	struct registry *r = open_ok(f->path);

	int64_t t1, t2;

	assert_true(registry_leading(r));
	assert_int_equal(registry_lead(r, "test", 2.0, &t1), 1);   /* leads already: same term */
	put_host(r, "10.3.0.1", "scan");
	pg_kill_others();
	assert_int_equal(known(r, "10.3.0.1"), 1);       /* made again, at once */
	/* The lock went with the connection: no write until it leads again. */
	assert_int_equal(registry_still_leading(r), 0);
	struct host_rec h;
	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.3.0.9", &h.ip), 0);
	assert_int_equal(registry_put(r, &h), -1);
	if (strstr(registry_error(r), "not the leader") == NULL)
		fail_msg("put's message: %s", registry_error(r));
	assert_int_equal(registry_lead(r, "test", 3.0, &t2), 1);
	assert_true(t2 == t1 + 1);
	put_host(r, "10.3.0.2", "scan");

	registry_group(r, group_opened, NULL);
	put_host(r, "10.3.0.3", "scan");
	pg_kill_others();
	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.3.0.4", &h.ip), 0);
	assert_int_equal(registry_put(r, &h), -1);       /* the group went with the connection */
	/* The next write finds the group gone: a new one on a new connection,
	 * which does not hold the lead: refused, and the group still fails. */
	assert_int_equal(ip_from_str("10.3.0.6", &h.ip), 0);
	assert_int_equal(registry_put(r, &h), -1);
	assert_true(registry_in_group(r));
	assert_int_equal(registry_commit(r), -1);
	if (strstr(registry_error(r), "undone") == NULL)
		fail_msg("commit's message: %s", registry_error(r));
	assert_int_equal(registry_lead(r, "test", 4.0, &t1), 1);
	put_host(r, "10.3.0.5", "scan");
	assert_int_equal(registry_commit(r), 0);
	assert_int_equal(known(r, "10.3.0.3"), 0);       /* nothing of the broken group */
	assert_int_equal(known(r, "10.3.0.4"), 0);
	assert_int_equal(known(r, "10.3.0.6"), 0);
	assert_int_equal(known(r, "10.3.0.5"), 1);
	assert_int_equal(known(r, "10.3.0.2"), 1);
	registry_close(r);
}

/* Runs one statement on a connection of its own. */
static void
pg_sql(const char *sql)
{
	char err[256];
	struct db *db = db_open(DB_POSTGRESQL, pg_conninfo, err, sizeof(err));

	if (db == NULL)
		fail_msg("%s", err);
	if (db_exec(db, sql) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
	db_close(db);
}

/*
 * Two controllers on one database: one leads; the other reads and writes
 * nothing. The leader's connection cut, the other takes a new term, and
 * the deposed one (its connection made again) cannot write or lead. A
 * leader whose term the database no longer holds is fenced even on its
 * own connection.
 */
static void
test_pg_leadership(void **state)
{
	struct dbfile *f = *state;
	struct registry *a = open_ok(f->path), *b = open_ok(f->path);
	struct host_rec h;
	char name[64];
	int64_t ta, tb, t;
	double since;

	assert_true(registry_shared(a));
	assert_true(registry_leading(a));
	assert_false(registry_leading(b));
	assert_int_equal(registry_lead(b, "b", 5.0, &tb), 0);     /* a holds the lock */
	assert_int_equal(registry_leader(b, name, sizeof(name), &ta, &since), 1);
	assert_string_equal(name, "test");
	put_host(a, "10.4.0.1", "scan");
	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.4.0.2", &h.ip), 0);
	assert_int_equal(registry_put(b, &h), -1);                /* a follower writes nothing */
	assert_int_equal(known(b, "10.4.0.1"), 1);                /* but reads the leader's records */

	pg_kill_others();                                          /* both connections cut */
	assert_int_equal(registry_lead(b, "b", 6.0, &tb), 1);     /* b gets the free lock */
	assert_true(tb == ta + 1);
	registry_group(a, group_opened, NULL);
	assert_int_equal(registry_put(a, &h), -1);                /* a's connection is a new one */
	assert_int_equal(registry_commit(a), 0);                   /* nothing was opened */
	assert_int_equal(registry_still_leading(a), 0);
	assert_int_equal(registry_lead(a, "test", 7.0, &t), 0);
	assert_int_equal(known(a, "10.4.0.2"), 0);
	put_host(b, "10.4.0.3", "scan");
	assert_int_equal(registry_leader(a, name, sizeof(name), &t, &since), 1);
	assert_string_equal(name, "b");
	assert_true(t == tb && since == 6.0);

	/* A newer term written behind b's back: b's next group is fenced. */
	pg_sql("UPDATE leader SET term = term + 1");
	registry_group(b, group_opened, NULL);
	assert_int_equal(registry_put(b, &h), -1);
	if (strstr(registry_error(b), "fenced") == NULL)
		fail_msg("message: %s", registry_error(b));
	assert_int_equal(registry_commit(b), 0);
	assert_false(registry_leading(b));
	assert_int_equal(known(b, "10.4.0.2"), 0);
	registry_close(a);
	registry_close(b);
}

int
main(int argc, char **argv)
{
	/* The registry's behaviour: the same cases on both backends. */
	const struct CMUnitTest common[] = {
		cmocka_unit_test_setup_teardown(test_hosts_at_a_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seen_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram, setup, teardown),
	};
	/* Text helpers, and databases an older Cordon left in SQLite files
	 * (no Cordon before this one wrote to PostgreSQL). */
	const struct CMUnitTest sqlite_only[] = {
		cmocka_unit_test(test_tagged_text),
		cmocka_unit_test(test_port_macs_text),
		cmocka_unit_test_setup_teardown(test_old_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_rate_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_source_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services_old_database, setup, teardown),
	};
	/* PostgreSQL's own: a connection that breaks. */
	const struct CMUnitTest pg_only[] = {
		cmocka_unit_test_setup_teardown(test_pg_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pg_leadership, setup, teardown),
	};

	if (argc > 1 && strcmp(argv[1], "--postgresql") == 0) {
		pg_conninfo = getenv("CORDON_TEST_PG");
		if (pg_conninfo == NULL || *pg_conninfo == '\0') {
			fprintf(stderr, "test_registry --postgresql: CORDON_TEST_PG names no database\n");
			return 2;
		}
		backend = REGISTRY_POSTGRESQL;
		return cmocka_run_group_tests_name("registry on PostgreSQL", common, NULL, NULL) |
		    cmocka_run_group_tests_name("PostgreSQL connections", pg_only, NULL, NULL);
	}
	return cmocka_run_group_tests_name("registry on SQLite", common, NULL, NULL) |
	    cmocka_run_group_tests_name("SQLite files of older Cordons", sqlite_only, NULL, NULL);
}
