/* SPDX-License-Identifier: ISC */
/*
 * snmp_view: the tables locate walked (swv_add), and the lookups in them
 * that the decision (snmp_decide.c) makes: rows by index, the maps by value
 * swv_view_prepare makes, the forwarding table's rows (rule 1 of the list at the
 * top of snmp_decide.c), bridge ports, VLAN memberships (PortLists) and LLDP
 * neighbours. What the two files share is in snmp_view_priv.h.
 */
#include "snmp_view_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct col_def {
	uint32_t oid[16];
	size_t len;
	uint8_t idxlen_min, idxlen_max;
	const char *name;
};

static const struct col_def COLS[SWV_NCOLS] = {
	[SWV_QFDB_PORT] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2}, 13, 7, 8, "dot1qTpFdbPort"},
	[SWV_DFDB_PORT] = {{1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2}, 11, 6, 7, "dot1dTpFdbPort"},
	[SWV_BASE_PORT_IFINDEX] = {{1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2}, 11, 1, 1, "dot1dBasePortIfIndex"},
	[SWV_IF_NAME] = {{1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1}, 11, 1, 1, "ifName"},
	[SWV_IF_DESCR] = {{1, 3, 6, 1, 2, 1, 2, 2, 1, 2}, 10, 1, 1, "ifDescr"},
	[SWV_PVID] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1}, 13, 1, 1, "dot1qPvid"},
	[SWV_VLAN_FDB_ID] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 3}, 13, 2, 2, "dot1qVlanFdbId"},
	[SWV_STATIC_EGRESS] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2}, 13, 1, 1,
			       "dot1qVlanStaticEgressPorts"},
	[SWV_STATIC_UNTAGGED] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4}, 13, 1, 1,
				 "dot1qVlanStaticUntaggedPorts"},
	[SWV_CUR_EGRESS] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 4}, 13, 2, 2,
			    "dot1qVlanCurrentEgressPorts"},
	[SWV_CUR_UNTAGGED] = {{1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 5}, 13, 2, 2,
			      "dot1qVlanCurrentUntaggedPorts"},
	[SWV_LLDP_LOC_PORT_ID] = {{1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 3}, 11, 1, 1, "lldpLocPortId"},
	[SWV_LLDP_LOC_PORT_DESC] = {{1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 4}, 11, 1, 1, "lldpLocPortDesc"},
	[SWV_LLDP_REM_CAP] = {{1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 12}, 11, 3, 3, "lldpRemSysCapEnabled"},
	[SWV_LLDP_REM_NAME] = {{1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 9}, 11, 3, 3, "lldpRemSysName"},
	[SWV_VM_VLAN] = {{1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 2}, 14, 1, 1, "vmVlan"},
	[SWV_TRUNK_STATUS] = {{1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 6, 1, 1, 14}, 14, 1, 1,
			      "vlanTrunkPortDynamicStatus"},
	[SWV_VOICE_VLAN] = {{1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 5, 1, 1, 1}, 14, 1, 1, "vmVoiceVlanId"},
};

/* LLDP-MIB LldpSystemCapabilitiesMap: bit 0 is the first octet's high bit. */
#define LLDP_CAP_BRIDGE 0x20     /* bit 2 */
#define LLDP_CAP_ROUTER 0x08     /* bit 4 */
#define LLDP_CAP_TELEPHONE 0x04  /* bit 5 */

void
swv_init(struct swv *v)
{
	memset(v, 0, sizeof(*v));
}

void
swv_clear(struct swv *v)
{
	for (int c = 0; c < SWV_NCOLS; c++) {
		struct swv_table *t = &v->t[c];
		for (size_t i = 0; i < t->n; i++)
			free(t->rows[i].s);
		free(t->rows);
	}
	free(v->infra_by_ifx);
	free(v->bp_by_ifx);
	free(v->vid_by_fdb);
	free(v->names);
	swv_init(v);
}

size_t
swv_col_max_rows(enum swv_col c)
{
	switch (c) {
	case SWV_QFDB_PORT:
	case SWV_DFDB_PORT:
		return 65536;
	case SWV_IF_NAME:
	case SWV_IF_DESCR:
		return 16384;
	case SWV_LLDP_REM_CAP:
	case SWV_LLDP_REM_NAME:
		return 2048;
	default:            /* bridge ports, VLANs, per-port settings */
		return 8192;
	}
}

const uint32_t *
swv_col_oid(enum swv_col c, size_t *len, const char **name)
{
	*len = COLS[c].len;
	if (name)
		*name = COLS[c].name;
	return COLS[c].oid;
}

int
swv_add(struct swv *v, enum swv_col c, uint32_t ctx, const struct snmpc_vb *vb)
{
	const struct col_def *d = &COLS[c];
	struct swv_table *t = &v->t[c];

	if (vb->oid.len < d->len + d->idxlen_min || vb->oid.len > d->len + d->idxlen_max ||
	    !snmpc_oid_has_prefix(&vb->oid, d->oid, d->len))
		return 0;
	if (vb->type != SNMPC_INTEGER && vb->type != SNMPC_UNSIGNED && vb->type != SNMPC_STRING)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct swv_row *n = realloc(t->rows, cap * sizeof(*n));
		if (!n)
			return -1;
		t->rows = n;
		t->cap = cap;
	}
	struct swv_row *r = &t->rows[t->n];
	memset(r, 0, sizeof(*r));
	r->idxlen = (uint8_t)(vb->oid.len - d->len);
	memcpy(r->idx, vb->oid.n + d->len, r->idxlen * sizeof(uint32_t));
	r->ctx = ctx;
	if (vb->type == SNMPC_STRING) {
		r->is_str = true;
		r->slen = (uint16_t)vb->slen;
		r->truncated = vb->cut || vb->slen >= SNMPC_MAX_STR;
		r->s = malloc(vb->slen ? vb->slen : 1);
		if (!r->s)
			return -1;
		memcpy(r->s, vb->s, vb->slen);
	} else {
		r->i = vb->i;
	}
	t->n++;
	t->sorted = false;
	return 0;
}

/* ---- lookups ---- */

static int
row_key_cmp(uint32_t ctx, const uint32_t *idx, size_t len, const struct swv_row *r)
{
	if (ctx != r->ctx)
		return ctx < r->ctx ? -1 : 1;
	for (size_t i = 0; i < len && i < r->idxlen; i++)
		if (idx[i] != r->idx[i])
			return idx[i] < r->idx[i] ? -1 : 1;
	return len == r->idxlen ? 0 : len < r->idxlen ? -1 : 1;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct swv_row *x = a, *y = b;
	return row_key_cmp(x->ctx, x->idx, x->idxlen, y);
}

/* Sorted copies keep walk order where it matters: only lookup tables are sorted. */
static void
table_sort(struct swv_table *t)
{
	if (!t->sorted && t->n > 1)
		qsort(t->rows, t->n, sizeof(t->rows[0]), row_cmp);
	t->sorted = true;
}

static const struct swv_row *
find(const struct swv_table *t, uint32_t ctx, const uint32_t *idx, size_t len)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = row_key_cmp(ctx, idx, len, &t->rows[mid]);
		if (c == 0)
			return &t->rows[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct swv_row *
swv_find1(const struct swv *v, enum swv_col c, uint32_t ctx, uint32_t i)
{
	return find(&v->t[c], ctx, &i, 1);
}

/* Text of a string row up to its first NUL; 0 when there is none. */
static size_t
row_text(const struct swv_row *r, const char **s)
{
	if (!r || !r->is_str)
		return 0;
	*s = (const char *)r->s;
	return strnlen(*s, r->slen);
}

bool
swv_if_name(const struct swv *v, int32_t ifx, char *buf, size_t len)
{
	const char *s;
	size_t n = row_text(swv_find1(v, SWV_IF_NAME, 0, (uint32_t)ifx), &s);
	if (!n)
		n = row_text(swv_find1(v, SWV_IF_DESCR, 0, (uint32_t)ifx), &s);
	if (!n)
		return false;
	if (buf) {
		if (n > len - 1)
			n = len - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	return true;
}

/* ---- lookups by value (swv_view_prepare makes them) ---- */

static int
key_cmp(const void *a, const void *b)
{
	const struct swv_key *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * The rows 0..nrows-1 of `arg` (a table, or what a decision made of one)
 * that `keyof` gives a key, by key and then in row order. -1: out of memory.
 */
int
swv_keys_make(const void *arg, size_t nrows, bool (*keyof)(const void *arg, size_t i, int64_t *key),
    struct swv_key **out, size_t *n)
{
	struct swv_key *k = calloc(nrows + 1, sizeof(*k));
	*n = 0;
	free(*out);
	*out = k;
	if (!k)
		return -1;
	for (size_t i = 0; i < nrows; i++)
		if (keyof(arg, i, &k[*n].key))
			k[(*n)++].row = (uint32_t)i;
	qsort(k, *n, sizeof(*k), key_cmp);
	return 0;
}

/* The first of `k` with this key: its position, or n when none has it. */
size_t
swv_keys_first(const struct swv_key *k, size_t n, int64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo].key == key ? lo : n;
}

/* A dot1dBasePortIfIndex row's ifIndex, when its bridge port is one (`arg`: the table). */
bool
swv_key_bp_ifx(const void *arg, size_t i, int64_t *key)
{
	const struct swv_row *r = &((const struct swv_table *)arg)->rows[i];
	int32_t x;
	if (r->idxlen != 1 || r->idx[0] > INT32_MAX || !row_index(r, &x))
		return false;
	*key = x;
	return true;
}

/* A dot1qVlanFdbId row's fdbId, when it names a VLAN (1..4094) (`arg`: the table). */
static bool
key_fdb_id(const void *arg, size_t i, int64_t *key)
{
	const struct swv_row *r = &((const struct swv_table *)arg)->rows[i];
	if (r->is_str || r->idxlen < 2 || r->idx[1] < 1 || r->idx[1] > 4094)
		return false;
	*key = r->i;
	return true;
}

/* The bridge port (in context `ctx`, else the first in another) whose ifIndex is `ifx`; 0: none. */
int32_t
swv_bridge_port_of(const struct swv *v, uint32_t ctx, int32_t ifx)
{
	const struct swv_table *t = &v->t[SWV_BASE_PORT_IFINDEX];
	int32_t found = 0;
	for (size_t i = swv_keys_first(v->bp_by_ifx, v->nbp_by_ifx, ifx);
	     i < v->nbp_by_ifx && v->bp_by_ifx[i].key == ifx; i++) {
		const struct swv_row *r = &t->rows[v->bp_by_ifx[i].row];
		if (r->ctx == ctx)
			return (int32_t)r->idx[0];
		if (!found)
			found = (int32_t)r->idx[0];
	}
	return found;
}

/* ---- the forwarding table ---- */

/* The MAC of an FDB row's index (after the column), with or without a length octet. */
static bool
fdb_row(const struct swv_row *r, bool qbridge, struct fdb_hit *h)
{
	const uint32_t *m;
	size_t off = qbridge ? 1 : 0;
	if (r->is_str || r->i <= 0 || r->i > INT32_MAX)
		return false;   /* port 0: learned, but not on a port (the switch itself) */
	if (r->idxlen == off + 6)
		m = r->idx + off;
	else if (r->idxlen == off + 7 && r->idx[off] == 6)
		m = r->idx + off + 1;
	else
		return false;
	for (int k = 0; k < 6; k++) {
		if (m[k] > 255)
			return false;
		h->mac[k] = (uint8_t)m[k];
	}
	h->n = (int32_t)r->i;
	h->ctx = r->ctx;
	h->vid = r->ctx ? (int32_t)r->ctx : 0;
	return true;
}

/* fdbId -> VLAN: dot1qVlanFdbId when the switch has it, else the fdbId itself (1..4094). */
static int32_t
fdb_vid(const struct swv *v, uint32_t fdb_id)
{
	const struct swv_table *t = &v->t[SWV_VLAN_FDB_ID];
	int32_t vid = 0;
	if (t->n == 0)
		return fdb_id >= 1 && fdb_id <= 4094 ? (int32_t)fdb_id : 0;
	for (size_t i = swv_keys_first(v->vid_by_fdb, v->nvid_by_fdb, fdb_id);
	     i < v->nvid_by_fdb && v->vid_by_fdb[i].key == (int64_t)fdb_id; i++) {
		const struct swv_row *r = &t->rows[v->vid_by_fdb[i].row];
		if (vid && vid != (int32_t)r->idx[1])
			return 0;   /* one filtering database for several VLANs: unknown */
		vid = (int32_t)r->idx[1];
	}
	return vid;
}

/* Rows by MAC, port number and context (the VLAN aside). */
static int
hit_cmp(const void *a, const void *b)
{
	const struct fdb_hit *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, 6);
	if (c)
		return c;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->ctx < y->ctx ? -1 : x->ctx > y->ctx;
}

/*
 * Q-BRIDGE rows, then the BRIDGE-MIB rows no Q-BRIDGE row has (same MAC,
 * port and context). -1: out of memory.
 */
int
swv_fdb_collect(const struct swv *v, struct fdb *f)
{
	const struct swv_table *q = &v->t[SWV_QFDB_PORT], *d = &v->t[SWV_DFDB_PORT];
	struct fdb_hit *qs = NULL;
	f->n = 0;
	f->by_port = NULL;
	f->nby_port = 0;
	f->h = calloc(q->n + d->n + 1, sizeof(*f->h));
	if (!f->h)
		return -1;
	for (size_t i = 0; i < q->n; i++) {
		struct fdb_hit *h = &f->h[f->n];
		if (!fdb_row(&q->rows[i], true, h))
			continue;
		h->vid = fdb_vid(v, q->rows[i].idx[0]);
		f->n++;
	}
	size_t nq = f->n;
	if (d->n && nq) {
		/* looked up in a sorted copy: a scan of them per row took seconds */
		if (!(qs = malloc(nq * sizeof(*qs)))) {
			free(f->h);
			f->h = NULL;
			return -1;
		}
		memcpy(qs, f->h, nq * sizeof(*qs));
		qsort(qs, nq, sizeof(*qs), hit_cmp);
	}
	for (size_t i = 0; i < d->n; i++) {
		struct fdb_hit *h = &f->h[f->n];
		if (!fdb_row(&d->rows[i], false, h))
			continue;
		if (!qs || !bsearch(h, qs, nq, sizeof(*qs), hit_cmp))
			f->n++;
	}
	free(qs);
	return 0;
}

size_t
swv_fdb_rows(const struct swv *v)
{
	return v->t[SWV_QFDB_PORT].n + v->t[SWV_DFDB_PORT].n;
}

size_t
swv_fdb_usable(const struct swv *v)
{
	const struct swv_table *t = &v->t[SWV_QFDB_PORT];
	size_t n = 0;
	struct fdb_hit h;
	for (size_t i = 0; i < t->n; i++)
		n += fdb_row(&t->rows[i], true, &h);
	return n;
}

bool
swv_has_mac(const struct swv *v, const uint8_t mac[6])
{
	static const enum swv_col cols[2] = {SWV_QFDB_PORT, SWV_DFDB_PORT};
	for (int c = 0; c < 2; c++) {
		const struct swv_table *t = &v->t[cols[c]];
		for (size_t i = 0; i < t->n; i++) {
			struct fdb_hit h;
			if (fdb_row(&t->rows[i], c == 0, &h) && memcmp(h.mac, mac, 6) == 0)
				return true;
		}
	}
	return false;
}

/* ---- VLAN membership (Q-BRIDGE PortLists) ---- */

/*
 * The next bridge port of the PortList `r` from position *pos (0: the
 * first); false when there is none. Junos: a text list "3,4434,..."; a cut
 * one names none, and nothing after a number beyond 2^31-1 is read.
 */
static bool
portlist_next(const struct swv_row *r, bool as_text, size_t *pos, int32_t *port)
{
	if (!r || !r->is_str)
		return false;
	if (!as_text) {
		while (*pos < (size_t)r->slen * 8) {
			size_t i = (*pos)++;
			if (!r->s[i / 8])
				*pos = (i / 8 + 1) * 8;   /* no port in this octet */
			else if (r->s[i / 8] & (0x80 >> (i % 8))) {
				*port = (int32_t)(i + 1);
				return true;
			}
		}
		return false;
	}
	if (r->truncated)
		return false;   /* a cut list may end in a cut number */
	int64_t x = -1;
	for (; *pos <= r->slen; (*pos)++) {
		char c = *pos < r->slen ? (char)r->s[*pos] : ',';
		if (c >= '0' && c <= '9') {
			x = (x < 0 ? 0 : x) * 10 + (c - '0');
			if (x > INT32_MAX) {
				*pos = (size_t)r->slen + 1;
				return false;
			}
		} else if (x >= 0) {
			(*pos)++;
			*port = (int32_t)x;
			return true;
		}
	}
	return false;
}

/* Is bridge port `port` in the PortList `r`? */
static bool
portlist_has(const struct swv_row *r, int32_t port, bool as_text)
{
	size_t pos = 0;
	int32_t p;
	if (!r || !r->is_str || port <= 0)
		return false;
	if (!as_text) {
		size_t byte = (size_t)(port - 1) / 8;
		return byte < r->slen && (r->s[byte] & (0x80 >> ((port - 1) % 8)));
	}
	while (portlist_next(r, as_text, &pos, &p))
		if (p == port)
			return true;
	return false;
}

/* Adds vid to the first `cap` of list; past cap only the count grows ("more than cap"). */
static void
add_vid(int32_t *list, int cap, int *n, int32_t vid)
{
	for (int k = 0; k < *n && k < cap; k++)
		if (list[k] == vid)
			return;
	if (*n < cap)
		list[*n] = vid;
	(*n)++;
}

/*
 * Stamps in[] (a new s->stamp) for each port of `s` in the PortList `r`;
 * `list`: also lists them in hits[]. Returns how many it listed.
 */
static size_t
set_read(struct port_set *s, const struct swv_row *r, bool as_text, uint32_t *in, bool list)
{
	size_t nh = 0, pos = 0;
	int32_t p;
	uint32_t st = ++s->stamp;
	if (!s->by_bp) {
		for (size_t j = 0; j < s->n; j++)
			if (portlist_has(r, s->bp[j], as_text)) {
				in[j] = st;
				if (list)
					s->hits[nh++] = j;
			}
		return nh;
	}
	while (portlist_next(r, as_text, &pos, &p))
		for (size_t k = swv_keys_first(s->by_bp, s->nby_bp, p);
		     k < s->nby_bp && s->by_bp[k].key == p; k++) {
			size_t j = s->by_bp[k].row;
			if (in[j] == st)
				continue;   /* named twice in a text list */
			in[j] = st;
			if (list)
				s->hits[nh++] = j;
		}
	return nh;
}

/* The memberships of each port of `s` (m[j]: of s->bp[j]). */
void
swv_memberships(const struct swv *v, const struct swv_opts *o, struct port_set *s,
	    struct membership *m)
{
	enum swv_col eg = SWV_STATIC_EGRESS, un = SWV_STATIC_UNTAGGED;
	memset(m, 0, s->n * sizeof(*m));
	if (v->t[eg].n == 0) {
		eg = SWV_CUR_EGRESS;
		un = SWV_CUR_UNTAGGED;
	}
	const struct swv_table *te = &v->t[eg], *tu = &v->t[un];
	/* A row indexed by no VLAN ID (0, 4095, beyond) names no membership. */
	for (size_t i = 0; i < tu->n; i++) {
		const struct swv_row *r = &tu->rows[i];
		uint32_t vid = r->idx[r->idxlen - 1];
		if (r->ctx != 0 || vid < 1 || vid > 4094)
			continue;
		size_t nh = set_read(s, r, o->portlist_text, s->in, true);
		for (size_t k = 0; k < nh; k++) {
			struct membership *mj = &m[s->hits[k]];
			add_vid(mj->untagged, 2, &mj->nuntagged, (int32_t)vid);
		}
	}
	for (size_t i = 0; i < te->n; i++) {
		const struct swv_row *r = &te->rows[i];
		uint32_t vid = r->idx[r->idxlen - 1];
		if (r->ctx != 0 || vid < 1 || vid > 4094)
			continue;
		size_t nh = set_read(s, r, o->portlist_text, s->in, true);
		if (!nh)
			continue;
		set_read(s, find(tu, 0, r->idx, r->idxlen), o->portlist_text, s->in_u, false);
		for (size_t k = 0; k < nh; k++) {
			struct membership *mj = &m[s->hits[k]];
			if (s->in_u[s->hits[k]] != s->stamp)   /* untagged there: not tagged */
				add_vid(mj->tagged, ENF_MAX_TAGGED, &mj->ntagged, (int32_t)vid);
		}
	}
}

/* ---- LLDP ---- */

/* The ifIndex of an LLDP local port number: by its id/description, else as bridge port, else as ifIndex. */
static int32_t
lldp_ifindex(const struct swv *v, uint32_t pn)
{
	static const enum swv_col loc[2] = {SWV_LLDP_LOC_PORT_ID, SWV_LLDP_LOC_PORT_DESC};
	int32_t x;
	for (int l = 0; l < 2; l++) {
		const char *s;
		char nm[ENF_NAME_LEN];
		size_t n = row_text(swv_find1(v, loc[l], 0, pn), &s);
		if (!n || n >= sizeof(nm))
			continue;
		memcpy(nm, s, n);
		nm[n] = '\0';
		/* The one interface of that name; two of it name none for sure. */
		size_t lo = 0, hi = v->nnames;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(v->names[mid].name, nm) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < v->nnames && strcmp(v->names[lo].name, nm) == 0 &&
		    (lo + 1 == v->nnames || strcmp(v->names[lo + 1].name, nm) != 0))
			return v->names[lo].ifx;
	}
	if (row_index(swv_find1(v, SWV_BASE_PORT_IFINDEX, 0, pn), &x))
		return x;
	return pn <= INT32_MAX && swv_if_name(v, (int32_t)pn, NULL, 0) ? (int32_t)pn : 0;
}

/*
 * An lldpRemSysCapEnabled row of a bridge or router (and not a phone): the
 * ifIndex of its local port (`arg`: the view; 0 unknown).
 */
static bool
key_infra_ifx(const void *arg, size_t i, int64_t *key)
{
	const struct swv *v = arg;
	const struct swv_row *r = &v->t[SWV_LLDP_REM_CAP].rows[i];
	if (r->idxlen != 3 || !r->is_str || r->slen < 1)
		return false;
	uint8_t c = r->s[0];
	if (!(c & (LLDP_CAP_BRIDGE | LLDP_CAP_ROUTER)) || (c & LLDP_CAP_TELEPHONE))
		return false;
	*key = lldp_ifindex(v, r->idx[1]);
	return true;
}

/* The first LLDP neighbour on `ifx` that is a bridge or router (and not a phone): its name. */
bool
swv_lldp_infra(const struct swv *v, int32_t ifx, char *name, size_t len)
{
	/* mapped once per decision (swv_view_prepare) */
	size_t k = swv_keys_first(v->infra_by_ifx, v->ninfra_by_ifx, ifx);
	if (k == v->ninfra_by_ifx)
		return false;
	const struct swv_row *r = &v->t[SWV_LLDP_REM_CAP].rows[v->infra_by_ifx[k].row];
	const char *s;
	size_t n = row_text(find(&v->t[SWV_LLDP_REM_NAME], 0, r->idx, 3), &s);
	if (n > len - 1)
		n = len - 1;
	if (n)
		memcpy(name, s, n);
	else
		snprintf(name, len, "?"), n = 1;
	name[n] = '\0';
	return true;
}

/* ---- once the walks are done ---- */

static int
named_cmp(const void *a, const void *b)
{
	const struct swv_named *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->ifx > y->ifx) - (x->ifx < y->ifx);
}

/* Every interface with a name (ifName, else ifDescr), each ifIndex once, by name. -1: out of memory. */
static int
names_make(struct swv *v)
{
	static const enum swv_col cols[2] = {SWV_IF_NAME, SWV_IF_DESCR};
	size_t cap = v->t[SWV_IF_NAME].n + v->t[SWV_IF_DESCR].n + 1, n = 0;

	free(v->names);
	v->nnames = 0;
	if (!(v->names = calloc(cap, sizeof(*v->names))))
		return -1;
	for (int c = 0; c < 2; c++) {
		const struct swv_table *t = &v->t[cols[c]];
		for (size_t i = 0; i < t->n; i++) {
			int32_t ifx = (int32_t)t->rows[i].idx[0];
			/* An ifIndex in both tables gets the same name twice:
			 * dropped below with the repeats. ifIndex 0 is no
			 * interface (a row of it names none). */
			if (t->rows[i].idx[0] == 0 || t->rows[i].idx[0] > INT32_MAX ||
			    !swv_if_name(v, ifx, v->names[n].name, sizeof(v->names[n].name)))
				continue;
			v->names[n++].ifx = ifx;
		}
	}
	qsort(v->names, n, sizeof(*v->names), named_cmp);
	/* Each ifIndex once (both tables; a walk repeating a row). */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v->names[i].ifx != v->names[k - 1].ifx ||
		    strcmp(v->names[i].name, v->names[k - 1].name) != 0)
			v->names[k++] = v->names[i];
	v->nnames = k;
	return 0;
}

/*
 * The tables looked up by index are sorted once the walks are done, and the
 * lookups by value made. -1: out of memory.
 */
int
swv_view_prepare(struct swv *v)
{
	static const enum swv_col lookup[] = {
		SWV_BASE_PORT_IFINDEX, SWV_IF_NAME, SWV_IF_DESCR, SWV_PVID, SWV_STATIC_UNTAGGED,
		SWV_CUR_UNTAGGED, SWV_LLDP_LOC_PORT_ID, SWV_LLDP_LOC_PORT_DESC, SWV_LLDP_REM_NAME,
		SWV_VM_VLAN, SWV_TRUNK_STATUS, SWV_VOICE_VLAN,
	};
	for (size_t i = 0; i < sizeof(lookup) / sizeof(lookup[0]); i++)
		table_sort(&v->t[lookup[i]]);
	const struct swv_table *bp = &v->t[SWV_BASE_PORT_IFINDEX], *fi = &v->t[SWV_VLAN_FDB_ID];
	if (swv_keys_make(bp, bp->n, swv_key_bp_ifx, &v->bp_by_ifx, &v->nbp_by_ifx) < 0 ||
	    swv_keys_make(fi, fi->n, key_fdb_id, &v->vid_by_fdb, &v->nvid_by_fdb) < 0 ||
	    names_make(v) < 0)
		return -1;
	/* Each bridge or router neighbour's port, once: every port's judgement asks for it. */
	return swv_keys_make(v, v->t[SWV_LLDP_REM_CAP].n, key_infra_ifx, &v->infra_by_ifx,
			 &v->ninfra_by_ifx);
}
