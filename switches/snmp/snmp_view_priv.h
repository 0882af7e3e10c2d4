/* SPDX-License-Identifier: ISC */
/*
 * snmp_view_priv: what the view's two files share, and no one else.
 *
 *   snmp_view.c    the tables locate walked (the public swv_init, swv_clear,
 *                  swv_add ...), their lookups by index and by value, the
 *                  forwarding table's rows, VLAN memberships read from
 *                  PortLists, LLDP neighbours;
 *   snmp_decide.c  the decision on them: swv_locate and swv_ports, how a
 *                  row's port number is read, how a port is judged, its
 *                  access VLAN.
 *
 * Calls go one way: snmp_decide.c -> snmp_view.c, never back. The lookups
 * below want the view prepared (swv_view_prepare: the tables sorted, the maps
 * made) and hold only until rows are added or cleared.
 */
#ifndef CORDON_SWITCHES_SNMP_VIEW_PRIV_H
#define CORDON_SWITCHES_SNMP_VIEW_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snmp_view.h"

/* A forwarding-table row as swv_fdb_collect reads it. */
struct fdb_hit {
	uint8_t mac[6];
	int32_t n;          /* the port number as the switch gave it */
	uint32_t ctx;
	int32_t vid;        /* 0: unknown */
};

struct fdb {
	struct fdb_hit *h;  /* owned */
	size_t n;
	/* owned, or NULL: the rows by the ifIndex their port names (swv_ports: every port's load) */
	struct swv_key *by_port;
	size_t nby_port;
};

struct membership {
	int ntagged, nuntagged;            /* distinct VLANs */
	int32_t tagged[ENF_MAX_TAGGED];    /* the first ones (a location records them) */
	int32_t untagged[2];
};

/*
 * Bridge ports whose VLAN memberships are read together: one (locate), looked
 * for in each list, or many (swv_ports: every port), found by reading each
 * list once through a map of them.
 */
struct port_set {
	const int32_t *bp;       /* borrowed: the caller's n ports, for the set's life */
	size_t n;
	struct swv_key *by_bp;   /* owned; NULL with one port */
	size_t nby_bp;
	uint32_t *in, *in_u;     /* owned (one port: one[]): the stamp of the last list each is in */
	size_t *hits;            /* owned (one port: &one_hit): those of the last list read */
	uint32_t stamp, one[2];
	size_t one_hit;
};

/* An index-like number (1..2^31-1) from an integer row. */
static inline bool
row_index(const struct swv_row *r, int32_t *out)
{
	if (!r || r->is_str || r->i <= 0 || r->i > INT32_MAX)
		return false;
	*out = (int32_t)r->i;
	return true;
}

/* ---- snmp_view.c ---- */

/*
 * The row of column `c` in context `ctx` whose index is `i`, or NULL; the
 * table must be sorted (swv_view_prepare). Borrowed: the view's, until rows are
 * added or cleared.
 */
const struct swv_row *swv_find1(const struct swv *v, enum swv_col c, uint32_t ctx, uint32_t i);
/*
 * Whether ifIndex `ifx` has a name (ifName, else ifDescr); the name, cut to
 * len - 1, goes to the caller's `buf` when not NULL.
 */
bool swv_if_name(const struct swv *v, int32_t ifx, char *buf, size_t len);
/*
 * Frees *out and replaces it with the rows 0..nrows-1 of `arg` (read during
 * the call only) that `keyof` gives a key, by key; *out is then the caller's
 * (free()), also when NULL after -1 (out of memory).
 */
int swv_keys_make(const void *arg, size_t nrows, bool (*keyof)(const void *arg, size_t i, int64_t *key),
    struct swv_key **out, size_t *n);
/* The first of `k` with this key: its position, or n when none has it. */
size_t swv_keys_first(const struct swv_key *k, size_t n, int64_t key);
/* swv_keys_make's key of a dot1dBasePortIfIndex row: its ifIndex (`arg`: the table). */
bool swv_key_bp_ifx(const void *arg, size_t i, int64_t *key);
/* The bridge port (in context `ctx`, else the first in another) whose ifIndex is `ifx`; 0: none. */
int32_t swv_bridge_port_of(const struct swv *v, uint32_t ctx, int32_t ifx);
/*
 * The forwarding table's usable rows into `f`: f->h is the caller's (free()),
 * f->by_port NULL. -1: out of memory, nothing to free.
 */
int swv_fdb_collect(const struct swv *v, struct fdb *f);
/*
 * The VLAN memberships of each port of `s` into the caller's m[0..s->n-1]
 * (m[j]: of s->bp[j]); `s` is the caller's (set_init, set_free in
 * snmp_decide.c), its stamps updated.
 */
void swv_memberships(const struct swv *v, const struct swv_opts *o, struct port_set *s,
    struct membership *m);
/*
 * Whether an LLDP neighbour on `ifx` is a bridge or router (and not a
 * phone); the first one's name, cut to len - 1, into the caller's `name`.
 */
bool swv_lldp_infra(const struct swv *v, int32_t ifx, char *name, size_t len);
/*
 * Sorts the tables looked up by index and makes the maps by value, owned by
 * the view (swv_clear frees them). -1: out of memory.
 */
int swv_view_prepare(struct swv *v);

#endif
