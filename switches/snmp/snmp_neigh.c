/* SPDX-License-Identifier: ISC */
/*
 * snmp_neigh: a router's neighbour table over SNMP (see snmp_neigh.h).
 *
 * OIDs (RFC 4293, IP-MIB):
 *   ipNetToPhysicalPhysAddress 1.3.6.1.2.1.4.35.1.4.<ifIndex>.<type>.<len>.<addr>
 *   ipNetToPhysicalType        1.3.6.1.2.1.4.35.1.6.<same index>
 *   ipNetToMediaPhysAddress    1.3.6.1.2.1.4.22.1.2.<ifIndex>.<a>.<b>.<c>.<d>
 *   ipNetToMediaType           1.3.6.1.2.1.4.22.1.4.<same index>
 * InetAddressType 1 is ipv4 (4 octets), 2 ipv6 (16 octets); the zone-scoped
 * types (3, 4) are link-local neighbours, which Cordon does not look up.
 */
#include "snmp_neigh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t PHYS_ADDR[] = {1, 3, 6, 1, 2, 1, 4, 35, 1, 4};
static const uint32_t PHYS_TYPE[] = {1, 3, 6, 1, 2, 1, 4, 35, 1, 6};
static const uint32_t MEDIA_ADDR[] = {1, 3, 6, 1, 2, 1, 4, 22, 1, 2};
static const uint32_t MEDIA_TYPE[] = {1, 3, 6, 1, 2, 1, 4, 22, 1, 4};
#define COL_LEN 10   /* every column above */
#define TYPE_INVALID 2
#define MAX_INVALID 4096

void snmpnb_table_free(struct snmpnb_table *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

/* The index after the column: ifIndex, then the address; 0 if malformed. */
static int parse_index(enum snmpnb_source source, const struct snmpc_oid *o,
		       struct snmpnb_entry *e)
{
	const uint32_t *x = o->n + COL_LEN;
	size_t n = o->len - COL_LEN;
	size_t alen;

	if (n < 1 || x[0] == 0 || x[0] > 2147483647u)
		return 0;
	e->if_index = x[0];
	if (source == SNMPNB_MEDIA) {
		if (n != 5)
			return 0;
		e->family = 4;
		alen = 4;
		x += 1;
	} else {
		if (n < 3)
			return 0;
		if (x[1] == 1)
			e->family = 4, alen = 4;
		else if (x[1] == 2)
			e->family = 6, alen = 16;
		else
			return 0;
		if (x[2] != alen || n != 3 + alen)
			return 0;
		x += 3;
	}
	for (size_t i = 0; i < alen; i++) {
		if (x[i] > 255)
			return 0;
		e->ip[i] = (uint8_t)x[i];
	}
	return 1;
}

int snmpnb_add_row(struct snmpnb_table *t, enum snmpnb_source source, const struct snmpc_vb *vb,
		   bool invalid)
{
	static const uint8_t zero[6];
	const uint32_t *col = source == SNMPNB_MEDIA ? MEDIA_ADDR : PHYS_ADDR;
	struct snmpnb_entry e;

	memset(&e, 0, sizeof(e));
	if (invalid || vb->oid.len <= COL_LEN || !snmpc_oid_has_prefix(&vb->oid, col, COL_LEN) ||
	    vb->type != SNMPC_STRING || vb->slen != 6 || (vb->s[0] & 1) ||
	    memcmp(vb->s, zero, 6) == 0 || !parse_index(source, &vb->oid, &e)) {
		t->skipped++;
		return 0;
	}
	memcpy(e.mac, vb->s, 6);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct snmpnb_entry *ne = realloc(t->e, cap * sizeof(*ne));
		if (!ne)
			return -1;
		t->e = ne;
		t->cap = cap;
	}
	t->e[t->n++] = e;
	t->source = source;
	return 1;
}

int snmpnb_find(const struct snmpnb_table *t, int family, const uint8_t *ip, uint8_t mac[6])
{
	size_t alen = family == 6 ? 16 : 4;
	bool found = false;

	for (size_t i = 0; i < t->n; i++) {
		const struct snmpnb_entry *e = &t->e[i];
		if (e->family != family || memcmp(e->ip, ip, alen) != 0)
			continue;
		if (found && memcmp(mac, e->mac, 6) != 0)
			return -1;
		memcpy(mac, e->mac, 6);
		found = true;
	}
	return found;
}

/* ---- the read: the type column (to know the invalid rows), then the addresses ---- */

struct neigh_read {
	struct snmpc_session *s;
	size_t max_rows;
	snmpnb_cb cb;
	void *arg;
	enum snmpnb_source source;
	size_t ninvalid;
	struct snmpc_oid *invalid;   /* owned: index parts of invalid(2) rows (OIDs from the index on) */
	struct snmpnb_table table;
};

static void on_types(void *arg, const struct snmpc_reply *r);

static void finish(struct neigh_read *nr, int status, const char *message)
{
	nr->cb(nr->arg, status, &nr->table, message);
	snmpnb_table_free(&nr->table);
	free(nr->invalid);
	free(nr);
}

static int start_source(struct neigh_read *nr, enum snmpnb_source source)
{
	struct snmpc_oid root;
	nr->source = source;
	nr->ninvalid = 0;
	snmpc_oid_make(&root, source == SNMPNB_MEDIA ? MEDIA_TYPE : PHYS_TYPE, COL_LEN, NULL, 0);
	return snmpc_walk(nr->s, &root, nr->max_rows, on_types, nr);
}

static bool index_invalid(const struct neigh_read *nr, const struct snmpc_oid *o)
{
	size_t n = o->len - COL_LEN;
	for (size_t i = 0; i < nr->ninvalid; i++)
		if (nr->invalid[i].len == n &&
		    memcmp(nr->invalid[i].n, o->n + COL_LEN, n * sizeof(uint32_t)) == 0)
			return true;
	return false;
}

static void on_addresses(void *arg, const struct snmpc_reply *r)
{
	struct neigh_read *nr = arg;
	char msg[SNMPC_MSG_LEN + 64];

	if (r->status != SNMPC_OK) {
		snprintf(msg, sizeof(msg), "reading %s: %s",
			 nr->source == SNMPNB_MEDIA ? "ipNetToMediaPhysAddress" : "ipNetToPhysicalPhysAddress",
			 r->message);
		finish(nr, -1, msg);
		return;
	}
	for (size_t i = 0; i < r->nvb; i++) {
		const struct snmpc_vb *vb = &r->vb[i];
		bool invalid = vb->oid.len > COL_LEN && index_invalid(nr, &vb->oid);
		if (snmpnb_add_row(&nr->table, nr->source, vb, invalid) < 0) {
			finish(nr, -1, "out of memory");
			return;
		}
	}
	/* A router without ipNetToPhysicalTable (or with it empty): the older table. */
	if (nr->table.n == 0 && nr->source == SNMPNB_PHYSICAL) {
		if (start_source(nr, SNMPNB_MEDIA) < 0)
			finish(nr, -1, "cannot send the request");
		return;
	}
	nr->table.source = nr->table.n ? nr->source : SNMPNB_NONE;
	finish(nr, 0, "");
}

static void on_types(void *arg, const struct snmpc_reply *r)
{
	struct neigh_read *nr = arg;
	struct snmpc_oid root;

	if (r->status == SNMPC_OK) {
		free(nr->invalid);
		nr->invalid = NULL;
		size_t bad = 0;
		for (size_t i = 0; i < r->nvb; i++)
			bad += r->vb[i].type == SNMPC_INTEGER && r->vb[i].i == TYPE_INVALID;
		if (bad > MAX_INVALID)
			bad = MAX_INVALID;
		if (bad && !(nr->invalid = calloc(bad, sizeof(*nr->invalid)))) {
			finish(nr, -1, "out of memory");
			return;
		}
		for (size_t i = 0; i < r->nvb && nr->ninvalid < bad; i++) {
			const struct snmpc_vb *vb = &r->vb[i];
			if (vb->type != SNMPC_INTEGER || vb->i != TYPE_INVALID || vb->oid.len <= COL_LEN)
				continue;
			struct snmpc_oid *x = &nr->invalid[nr->ninvalid++];
			x->len = vb->oid.len - COL_LEN;
			memcpy(x->n, vb->oid.n + COL_LEN, x->len * sizeof(uint32_t));
		}
	}
	/* Without the type column every row counts as valid: the MAC check still applies. */
	snmpc_oid_make(&root, nr->source == SNMPNB_MEDIA ? MEDIA_ADDR : PHYS_ADDR, COL_LEN, NULL, 0);
	if (snmpc_walk(nr->s, &root, nr->max_rows, on_addresses, nr) < 0)
		finish(nr, -1, "cannot send the request");
}

int snmpnb_read(struct snmpc_session *s, size_t max_rows, snmpnb_cb cb, void *arg)
{
	struct neigh_read *nr = calloc(1, sizeof(*nr));
	if (!nr)
		return -1;
	nr->s = s;
	nr->max_rows = max_rows;
	nr->cb = cb;
	nr->arg = arg;
	if (start_source(nr, SNMPNB_PHYSICAL) < 0) {
		free(nr);
		return -1;
	}
	return 0;
}
