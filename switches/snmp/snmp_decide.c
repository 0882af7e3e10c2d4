/* SPDX-License-Identifier: ISC */
/*
 * snmp_decide: the decision where a MAC is (swv_locate) and how each port is
 * judged (swv_ports), on the tables snmp_view.c keeps. The rules (docs/snmp.md,
 * "How locate decides") in the order they are applied:
 *  1. Forwarding-table rows: dot1qTpFdbPort.fdbId.MAC and dot1dTpFdbPort.MAC,
 *     also with a length octet before the MAC (fdbId.6.MAC, 6.MAC); port 0
 *     (not learned on a port) ignored. fdbId -> VLAN by dot1qVlanFdbId when
 *     the switch has it, else fdbId taken as the VLAN ID when in 1..4094.
 *  2. A row's port number is a bridge port (dot1dBasePortIfIndex). When the
 *     table holds numbers that only an ifIndex explains, the switch numbers
 *     its rows by ifIndex: then a number that is both a bridge port and the
 *     ifIndex of another bridge port is ambiguous, and refused. An ifIndex
 *     that is no bridge port's (a link aggregate, the switch itself) is
 *     refused too.
 *  3. A port is not an access port (refused) when it is a configured uplink,
 *     Cisco trunking, a tagged member of two VLANs or tagged only, has an
 *     LLDP neighbour with bridge or router capability (not a phone), more
 *     than max_macs MACs, or MACs in more than two VLANs.
 *  4. A MAC on several ports: the access port if there is one, refused as
 *     ambiguous if there are several.
 *  5. The access VLAN: vmVlan (Cisco), dot1qPvid by bridge port or ifIndex,
 *     else the one VLAN whose untagged ports hold the port.
 *
 * Rule 1's rows are read in snmp_view.c (swv_fdb_collect); rules 2 to 5 are here.
 */
#include "snmp_view_priv.h"
#include "snmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CISCO_TRUNKING 1         /* vlanTrunkPortDynamicStatus trunking(1) */
#define MAX_VLANS_ON_ACCESS 2    /* data and voice */

/* ---- ports' names, the forwarding table's port numbers ---- */

static void
port_name(const struct swv *v, int32_t ifx, char *buf, size_t len)
{
	if (!swv_if_name(v, ifx, buf, len))
		snprintf(buf, len, "ifIndex %d", ifx);
}

/* Port numbers that only an ifIndex explains: the switch numbers its rows by ifIndex. */
static bool
ifindex_evidence(const struct swv *v, const struct fdb *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->h[i].ctx == 0 && !swv_find1(v, SWV_BASE_PORT_IFINDEX, 0, (uint32_t)f->h[i].n) &&
		    swv_if_name(v, f->h[i].n, NULL, 0))
			return true;
	return false;
}

/* The ifIndex a row's port number names; 0 with `why` when it names none for sure. */
static int32_t
identify(const struct swv *v, const struct fdb_hit *h, bool ifx_numbering, char *why, size_t len)
{
	int32_t as_bp = 0;
	bool bp_known = row_index(swv_find1(v, SWV_BASE_PORT_IFINDEX, h->ctx, (uint32_t)h->n), &as_bp);
	bool as_ifx = h->ctx == 0 && swv_if_name(v, h->n, NULL, 0);
	char a[ENF_NAME_LEN], b[ENF_NAME_LEN];

	if (bp_known && ifx_numbering && as_ifx && as_bp != h->n && swv_bridge_port_of(v, 0, h->n)) {
		port_name(v, as_bp, a, sizeof(a));
		port_name(v, h->n, b, sizeof(b));
		snprintf(why, len, "its forwarding-table port %d is ambiguous: bridge port %d (%s) or "
			 "ifIndex %d (%s), and this switch numbers some rows by ifIndex", h->n, h->n,
			 a, h->n, b);
		return 0;
	}
	if (bp_known)
		return as_bp;
	if (as_ifx) {
		if (!swv_bridge_port_of(v, 0, h->n)) {
			port_name(v, h->n, b, sizeof(b));
			snprintf(why, len, "its forwarding-table port %d is ifIndex %d (%s), which is no "
				 "bridge port (a link aggregate or the switch itself)", h->n, h->n, b);
			return 0;
		}
		return h->n;
	}
	snprintf(why, len, "its forwarding-table port %d is neither a bridge port nor an ifIndex",
		 h->n);
	return 0;
}

/* ---- the ports whose VLAN memberships are read (swv_memberships()) ---- */

/* A nonzero int32_t of `arg` (an array of them). */
static bool
key_id(const void *arg, size_t i, int64_t *key)
{
	*key = ((const int32_t *)arg)[i];
	return *key != 0;
}

static void
set_free(struct port_set *s)
{
	if (s->n > 1) {
		free(s->by_bp);
		free(s->in);
		free(s->in_u);
		free(s->hits);
	}
}

/* -1: out of memory (only with more than one port). */
static int
set_init(struct port_set *s, const int32_t *bp, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->bp = bp;
	s->n = n;
	if (n <= 1) {
		s->in = &s->one[0];
		s->in_u = &s->one[1];
		s->hits = &s->one_hit;
		return 0;
	}
	s->in = calloc(n, sizeof(*s->in));
	s->in_u = calloc(n, sizeof(*s->in_u));
	s->hits = calloc(n, sizeof(*s->hits));
	if (!s->in || !s->in_u || !s->hits || swv_keys_make(bp, n, key_id, &s->by_bp, &s->nby_bp) < 0) {
		set_free(s);
		return -1;
	}
	return 0;
}

/* ---- the decision ---- */

struct cand {
	int32_t ifx, bp;
	int32_t vid;          /* the one VLAN it was learned in on this port; -1: several */
	const struct membership *m; /* swv_ports: read for every port at once; NULL: when asked */
	bool refused;
	char why[ENF_DETAIL_LEN];
};

/* The VLAN memberships of the candidate's bridge port. */
static void
cand_memberships(const struct swv *v, const struct swv_opts *o, const struct cand *c,
		 struct membership *m)
{
	struct port_set s;
	if (c->m) {
		*m = *c->m;
		return;
	}
	set_init(&s, &c->bp, 1);   /* one port: nothing allocated */
	swv_memberships(v, o, &s, m);
}

static bool
is_uplink(const struct swv_opts *o, const char *name)
{
	for (unsigned i = 0; i < o->nuplinks; i++)
		if (strcmp(o->uplinks[i], name) == 0)
			return true;
	return false;
}

static int
mac_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

/*
 * Distinct MACs and VLANs (up to 3) learned on `ifx`, over the whole table;
 * ids[i]: row i's ifIndex. The first `max` distinct MACs, in MAC order, go
 * to `list` (may be NULL with max 0).
 */
static void
port_load(const struct fdb *f, const int32_t *ids, int32_t ifx, size_t *macs, size_t *vlans,
	  uint8_t (*list)[6], size_t max)
{
	/* the rows on `ifx` in table order: from the map when there is one, else all of them */
	size_t first = 0, end = f->n;
	if (f->by_port) {
		first = swv_keys_first(f->by_port, f->nby_port, ifx);
		for (end = first; end < f->nby_port && f->by_port[end].key == ifx; end++)
			;
	}
	uint8_t (*m)[6] = calloc(end - first + 1, 6);
	int32_t seen_vid[3];
	size_t nm = 0, nv = 0;
	for (size_t j = first; j < end; j++) {
		size_t i = f->by_port ? f->by_port[j].row : j;
		const struct fdb_hit *h = &f->h[i];
		if (ids[i] != ifx)
			continue;
		if (m)
			memcpy(m[nm++], h->mac, 6);
		if (h->vid > 0 && nv < 3) {
			bool known = false;
			for (size_t k = 0; k < nv; k++)
				known = known || seen_vid[k] == h->vid;
			if (!known)
				seen_vid[nv++] = h->vid;
		}
	}
	*macs = 0;
	if (m) {
		qsort(m, nm, 6, mac_cmp);
		for (size_t i = 0; i < nm; i++)
			if (i == 0 || memcmp(m[i - 1], m[i], 6) != 0) {
				if (*macs < max)
					memcpy(list[*macs], m[i], 6);
				(*macs)++;
			}
		free(m);
	} else {
		*macs = SIZE_MAX;   /* out of memory: counted as too many, never as an access port */
	}
	*vlans = nv;
}

static void
judge(struct swv *v, const struct swv_opts *o, const struct fdb *f, const int32_t *ids,
      struct cand *c)
{
	char name[ENF_NAME_LEN], nb[ENF_NAME_LEN];
	struct membership m;
	int32_t st;
	size_t macs, vlans;

	port_name(v, c->ifx, name, sizeof(name));
	c->refused = true;
	if (is_uplink(o, name)) {
		snprintf(c->why, sizeof(c->why), "%s is a configured uplink", name);
		return;
	}
	if (row_index(swv_find1(v, SWV_TRUNK_STATUS, 0, (uint32_t)c->ifx), &st) && st == CISCO_TRUNKING) {
		snprintf(c->why, sizeof(c->why), "%s is a trunk (vlanTrunkPortDynamicStatus trunking)",
			 name);
		return;
	}
	if (o->cisco && !swv_find1(v, SWV_VM_VLAN, 0, (uint32_t)c->ifx)) {
		snprintf(c->why, sizeof(c->why), "%s has no vmVlan: not a static access port (a trunk "
			 "or a dynamic port)", name);
		return;
	}
	cand_memberships(v, o, c, &m);
	if (m.ntagged >= 2 || (m.ntagged == 1 && m.nuntagged == 0)) {
		snprintf(c->why, sizeof(c->why), "%s is a trunk: a tagged member of %d VLAN%s (%d%s)",
			 name, m.ntagged, m.ntagged > 1 ? "s" : "", m.tagged[0],
			 m.ntagged > 1 ? ", ..." : "");
		return;
	}
	if (swv_lldp_infra(v, c->ifx, nb, sizeof(nb))) {
		snprintf(c->why, sizeof(c->why), "%s leads to LLDP neighbour %s, a bridge or router",
			 name, nb);
		return;
	}
	port_load(f, ids, c->ifx, &macs, &vlans, NULL, 0);
	if (macs > o->max_macs) {
		snprintf(c->why, sizeof(c->why), "%s is a trunk or uplink: %zu MACs are learned there "
			 "(more than max_macs_per_port %u)", name, macs, o->max_macs);
		return;
	}
	if (vlans > MAX_VLANS_ON_ACCESS) {
		snprintf(c->why, sizeof(c->why), "%s is a trunk: MACs are learned there in more than "
			 "%d VLANs", name, MAX_VLANS_ON_ACCESS);
		return;
	}
	c->refused = false;
}

/* The port's access VLAN and where it was read; 0 when unknown. */
static int32_t
access_vlan(const struct swv *v, const struct swv_opts *o, const struct cand *c, const char **src)
{
	const struct swv_row *r;
	struct membership m;
	if (o->cisco) {
		*src = "vmVlan";
		r = swv_find1(v, SWV_VM_VLAN, 0, (uint32_t)c->ifx);
	} else {
		*src = "dot1qPvid";
		r = swv_find1(v, SWV_PVID, 0, (uint32_t)(o->pvid_by_ifindex ? c->ifx : c->bp));
		if (!r || r->is_str || r->i == 0) {
			cand_memberships(v, o, c, &m);
			*src = "the untagged VLAN membership";
			return m.nuntagged == 1 ? m.untagged[0] : 0;
		}
	}
	if (!r || r->is_str || r->i < 1 || r->i > 4094)
		return 0;
	return (int32_t)r->i;
}

size_t
swv_ports(struct swv *v, const struct swv_opts *o, struct snmpsw_port *out, size_t max)
{
	struct fdb f;
	char why[ENF_DETAIL_LEN];
	size_t n = 0, nfill = 0, ok = 0;
	int32_t *ids, *ifxs = NULL, *bps = NULL;
	struct membership *ms = NULL;
	struct port_set set;

	if (swv_view_prepare(v) < 0 || swv_fdb_collect(v, &f) < 0)
		return 0;
	bool ifx_numbering = ifindex_evidence(v, &f);
	if (!(ids = calloc(f.n + 1, sizeof(*ids))))
		goto out;
	v->unresolved = 0;
	for (size_t i = 0; i < f.n; i++) {
		ids[i] = identify(v, &f.h[i], ifx_numbering, why, sizeof(why));
		v->unresolved += ids[i] == 0;
	}
	const struct swv_table *t = &v->t[SWV_BASE_PORT_IFINDEX];
	size_t cap = max < t->n ? max : t->n;
	if (!(ifxs = calloc(cap + 1, sizeof(*ifxs))) || !(bps = calloc(cap + 1, sizeof(*bps))))
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		int64_t key;
		if (!swv_key_bp_ifx(t, i, &key))
			continue;
		/* Each ifIndex once, at its first row: per-VLAN contexts repeat ports. */
		if (v->bp_by_ifx[swv_keys_first(v->bp_by_ifx, v->nbp_by_ifx, key)].row != i)
			continue;
		if (n < cap) {
			ifxs[n] = (int32_t)key;
			bps[n] = swv_bridge_port_of(v, 0, ifxs[n]);
			if (!bps[n])
				bps[n] = (int32_t)t->rows[i].idx[0];
			nfill++;
		}
		n++;
	}
	/*
	 * Every port's load and VLAN memberships are asked for: read once for
	 * all of them (the rows by port; each member list once), not by a scan
	 * of the tables per port, which took seconds.
	 */
	if (nfill) {
		if (swv_keys_make(ids, f.n, key_id, &f.by_port, &f.nby_port) < 0 ||
		    !(ms = calloc(nfill, sizeof(*ms))) || set_init(&set, bps, nfill) < 0)
			goto out;
		swv_memberships(v, o, &set, ms);
		set_free(&set);
	}
	for (size_t k = 0; k < nfill; k++) {
		struct snmpsw_port *p = &out[k];
		struct cand c;
		size_t macs, vlans;
		const char *src;
		memset(&c, 0, sizeof(c));
		c.ifx = ifxs[k];
		c.bp = bps[k];
		c.m = &ms[k];
		judge(v, o, &f, ids, &c);
		port_load(&f, ids, c.ifx, &macs, &vlans, NULL, 0);
		memset(p, 0, sizeof(*p));
		port_name(v, c.ifx, p->port, sizeof(p->port));
		p->bridge_port = c.bp;
		p->ifindex = c.ifx;
		p->macs = macs > UINT32_MAX ? UINT32_MAX : (unsigned)macs;
		p->access = !c.refused;
		snprintf(p->why, sizeof(p->why), "%s", c.refused ? c.why : "");
		p->vlan = access_vlan(v, o, &c, &src);
	}
	ok = n;
out:
	free(ms);
	free(bps);
	free(ifxs);
	free(f.by_port);
	free(ids);
	free(f.h);
	return ok;
}

void
swv_locate(struct swv *v, const struct swv_opts *o, const uint8_t mac[6], struct swv_result *r)
{
	struct fdb f;
	struct cand cands[8], *c;
	size_t nc = 0;
	char why[ENF_DETAIL_LEN];

	memset(r, 0, sizeof(*r));
	if (swv_view_prepare(v) < 0 || swv_fdb_collect(v, &f) < 0) {
		r->status = SWV_UNKNOWN_VLAN;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	r->nrows = f.n;
	bool ifx_numbering = ifindex_evidence(v, &f);
	int32_t *ids = calloc(f.n + 1, sizeof(*ids));
	if (!ids) {
		free(f.h);
		r->status = SWV_UNKNOWN_VLAN;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	for (size_t i = 0; i < f.n; i++)
		ids[i] = identify(v, &f.h[i], ifx_numbering, why, sizeof(why));
	for (size_t i = 0; i < f.n; i++) {
		const struct fdb_hit *h = &f.h[i];
		if (memcmp(h->mac, mac, 6) != 0)
			continue;
		int32_t ifx = ids[i];
		if (!ifx) {
			identify(v, h, ifx_numbering, why, sizeof(why));
			r->status = SWV_REFUSED;
			snprintf(r->why, sizeof(r->why), "%s", why);
			goto out;
		}
		size_t k;
		for (k = 0; k < nc && cands[k].ifx != ifx; k++)
			;
		if (k == nc) {
			if (nc == sizeof(cands) / sizeof(cands[0]))
				continue;
			memset(&cands[nc], 0, sizeof(cands[nc]));
			cands[nc].ifx = ifx;
			cands[nc].bp = swv_bridge_port_of(v, 0, ifx);
			if (!cands[nc].bp)
				cands[nc].bp = swv_bridge_port_of(v, h->ctx, ifx);
			cands[nc].vid = h->vid;
			nc++;
		} else if (cands[k].vid != h->vid) {
			cands[k].vid = -1;
		}
	}
	if (nc == 0) {
		r->status = SWV_NOT_FOUND;
		snprintf(r->why, sizeof(r->why), "not in the forwarding table (%zu entries)", f.n);
		goto out;
	}
	struct cand *access = NULL;
	for (size_t k = 0; k < nc; k++) {
		judge(v, o, &f, ids, &cands[k]);
		if (cands[k].refused)
			continue;
		if (access) {
			char a[ENF_NAME_LEN], b[ENF_NAME_LEN];
			port_name(v, access->ifx, a, sizeof(a));
			port_name(v, cands[k].ifx, b, sizeof(b));
			r->status = SWV_REFUSED;
			snprintf(r->why, sizeof(r->why), "it is learned on two access ports, %s and %s: "
				 "ambiguous", a, b);
			goto out;
		}
		access = &cands[k];
	}
	c = access ? access : &cands[0];
	r->ifindex = c->ifx;
	r->bridge_port = c->bp;
	r->learned_vlan = c->vid > 0 ? c->vid : 0;
	port_name(v, c->ifx, r->port, sizeof(r->port));
	if (!access) {
		r->status = SWV_REFUSED;
		snprintf(r->why, sizeof(r->why), "%s", c->why);
		goto out;
	}
	const char *src = "";
	r->vlan = access_vlan(v, o, c, &src);
	if (!r->vlan) {
		r->status = SWV_UNKNOWN_VLAN;
		snprintf(r->why, sizeof(r->why), "the VLAN of %s is not readable (no %s%s)", r->port,
			 src, o->cisco ? "" : ", no untagged membership");
		goto out;
	}
	if (o->cisco) {
		/* The voice VLAN: a VLAN ID only in 1..4094 (0 dot1p, 4095 untagged, 4096 none). */
		const struct swv_row *vr = swv_find1(v, SWV_VOICE_VLAN, 0, (uint32_t)c->ifx);
		if (vr && !vr->is_str && vr->i >= 1 && vr->i <= 4094 && vr->i != r->vlan)
			r->tagged[r->ntagged++] = (int32_t)vr->i;
	} else {
		/* What isolation takes away and release puts back besides the VLAN. */
		struct membership m;
		cand_memberships(v, o, c, &m);
		if (m.ntagged > ENF_MAX_TAGGED) {
			/* judge() refuses two or more as a trunk: this only guards the bound. */
			r->status = SWV_REFUSED;
			snprintf(r->why, sizeof(r->why), "%s is a tagged member of %d VLANs, more than "
				 "the %d a location records", r->port, m.ntagged, ENF_MAX_TAGGED);
			goto out;
		}
		for (int k = 0; k < m.ntagged; k++)
			if (m.tagged[k] != r->vlan)
				r->tagged[r->ntagged++] = m.tagged[k];
	}
	{
		/* Who else is behind the port: isolating it cuts them off too. */
		size_t macs, vlans;
		port_load(&f, ids, c->ifx, &macs, &vlans, r->port_macs, ENF_MAX_PORT_MACS);
		r->nport_macs = macs > UINT32_MAX ? UINT32_MAX : (uint32_t)macs;
	}
	r->status = SWV_FOUND;
	if (r->learned_vlan)
		snprintf(r->how, sizeof(r->how), "VLAN from %s; learned in VLAN %d%s", src,
			 r->learned_vlan, r->learned_vlan != r->vlan ? " (the host tags its frames)" : "");
	else
		snprintf(r->how, sizeof(r->how), "VLAN from %s", src);
out:
	free(ids);
	free(f.h);
}
