/* SPDX-License-Identifier: ISC */
/*
 * netlink: the local enforcement point (see netlink.h for the layout of rules
 * and routes): locate, isolate, release and check of one host, built from
 * the objects of nl_objects.c, added and deleted through nl_kernel.c.
 * libnl stays behind nl_kernel.c and nl_dump.c.
 */
#include "netlink.h"
#include "nl_config.h"
#include "nl_dump.h"
#include "nl_kernel.h"
#include "nl_objects.h"
#include "nl_point.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the enforcement point ---- */

static const struct enf_ops netlink_ops;

struct netlink_impl *
impl_of(const struct enf_point *p)
{
	return p->impl;
}

bool
netlink_point_is(const struct enf_point *p)
{
	return p != NULL && p->ops == &netlink_ops;
}

const struct netlink_point_config *
netlink_point_config(const struct enf_point *p)
{
	return &impl_of(p)->cfg;
}

/* Shared rules of the host's family, then its own objects. Returns the count. */
unsigned
all_objs(const struct netlink_point_config *c, const struct ip_addr *host,
	 struct fib_obj out[MAX_SHARED + HOST_OBJECTS])
{
	uint8_t b[16];
	unsigned n = shared_objs(c, addr_to_kernel(host, b), out);

	host_objs(c, host, out + n);
	return n + HOST_OBJECTS;
}

unsigned
netlink_describe(const struct enf_point *p, const struct ip_addr *host, char *buf, size_t buflen)
{
	struct fib_obj objs[MAX_SHARED + HOST_OBJECTS];
	unsigned n = all_objs(&impl_of(p)->cfg, host, objs), i;
	size_t off = 0;

	if (buflen > 0)
		buf[0] = '\0';
	for (i = 0; i < n && off < buflen; i++) {
		char t[NETLINK_RULE_TEXT_LEN];
		int w;

		obj_text(&objs[i], t, sizeof(t));
		w = snprintf(buf + off, buflen - off, "%s\n", t);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return n;
}

/* The location detail: the host's own objects first (they are what undoes it). */
void
location_detail(const struct netlink_impl *im, const struct ip_addr *host, char *buf, size_t len)
{
	struct fib_obj objs[HOST_OBJECTS];
	char t0[NETLINK_RULE_TEXT_LEN], t1[NETLINK_RULE_TEXT_LEN];

	host_objs(&im->cfg, host, objs);
	obj_text(&objs[0], t0, sizeof(t0));
	obj_text(&objs[1], t1, sizeof(t1));
	snprintf(buf, len, "%s, protocol %u: %s; %s; shared: pref %u-%u remediation via table %u, "
		 "pref %u lookup %u", im->where, im->cfg.protocol, t0, t1, im->cfg.priority_base,
		 im->cfg.priority_base + SLOT_FROM_REMEDIATION, im->cfg.remediation_table,
		 im->cfg.priority_base + SLOT_CORDON_TABLE, im->cfg.table);
}

void
result_init(struct enf_result *res, const struct enf_location *l)
{
	memset(res, 0, sizeof(*res));
	if (l != NULL)
		res->loc = *l;
}

/*
 * Checks that a stored location is one this point can act on. Fills res and
 * returns false when not.
 */
bool
location_usable(struct enf_point *p, const struct enf_location *l, const char *op,
		struct enf_result *res)
{
	struct netlink_impl *im = impl_of(p);
	char a[INET6_ADDRSTRLEN];
	unsigned i;

	ip_to_str(&l->host.ip, a, sizeof(a));
	if (strncmp(l->point, p->name, ENF_NAME_LEN) != 0) {
		res->status = ENF_BAD_REQUEST;
		snprintf(res->message, sizeof(res->message), "%s %s: location belongs to point '%.*s', "
			 "not '%s'", op, a, ENF_NAME_LEN, l->point, p->name);
		return false;
	}
	if (ip_is_special(&l->host.ip)) {
		res->status = ENF_BAD_REQUEST;
		snprintf(res->message, sizeof(res->message), "%s %s: not a unicast host address", op, a);
		return false;
	}
	for (i = 0; i < im->cfg.n_remediation; i++) {
		if (netlink_remediation_contains(&im->cfg.remediation[i], &l->host.ip)) {
			char r[64];
			res->status = ENF_REFUSED;
			snprintf(res->message, sizeof(res->message), "%s %s: inside remediation prefix "
				 "%s, which must stay reachable", op, a,
				 prefix_to_str(&im->cfg.remediation[i], r, sizeof(r)));
			return false;
		}
	}
	return true;
}

/*
 * Removes the shared rules of a family once no host of it is isolated.
 * Returns 0, or the first kernel error (the text of the rule in `what`).
 */
int
remove_shared(struct netlink_impl *im, uint8_t family, char *what, size_t whatlen)
{
	struct fib_obj shared[MAX_SHARED];
	unsigned n = shared_objs(&im->cfg, family, shared), i;
	int first = 0;

	for (i = n; i-- > 0;) {
		int rc = kernel_del(im, &shared[i]);
		if (rc < 0 && !kernel_absent(rc) && first == 0) {
			first = rc;
			obj_text(&shared[i], what, whatlen);
		}
	}
	return first;
}

/*
 * Adds whichever shared rules of the family are missing. Asked at every
 * isolate, so that rules someone removed behind Cordon's back come back
 * before a host depends on them; cheap, see enum rule_slot. Returns 0 or
 * the first error.
 */
int
ensure_shared(struct netlink_impl *im, uint8_t family, char *what, size_t whatlen)
{
	struct fib_obj shared[MAX_SHARED];
	unsigned n, i;

	n = shared_objs(&im->cfg, family, shared);
	for (i = 0; i < n; i++) {
		int rc = kernel_add(im, &shared[i]);
		if (rc < 0 && !kernel_exists(rc)) {
			obj_text(&shared[i], what, whatlen);
			return rc;
		}
	}
	return 0;
}

static void
nl_locate(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg)
{
	struct netlink_impl *im = impl_of(p);
	struct enf_result res;
	char a[INET6_ADDRSTRLEN];

	result_init(&res, NULL);
	snprintf(res.loc.point, sizeof(res.loc.point), "%s", p->name);
	res.loc.orig_vlan = -1;
	res.loc.quarantine_vlan = -1;
	res.loc.host = *h;
	if (!location_usable(p, &res.loc, "locate", &res)) {
		cb(arg, &res);
		return;
	}
	/* The router filters whatever it forwards: any unicast host is "behind" it. */
	location_detail(im, &h->ip, res.loc.detail, sizeof(res.loc.detail));
	res.status = ENF_OK;
	snprintf(res.message, sizeof(res.message), "%s: to be isolated by FIB rules and routes in %s",
		 ip_to_str(&h->ip, a, sizeof(a)), im->where);
	cb(arg, &res);
}

static void
nl_isolate(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct netlink_impl *im = impl_of(p);
	struct fib_obj objs[HOST_OBJECTS];
	bool added[HOST_OBJECTS] = { false };
	unsigned i, nadded = 0, present = 0, fi;
	struct enf_result res;
	char a[INET6_ADDRSTRLEN], t[NETLINK_RULE_TEXT_LEN], t1[NETLINK_RULE_TEXT_LEN];
	int rc;

	result_init(&res, l);
	if (!location_usable(p, l, "isolate", &res)) {
		cb(arg, &res);
		return;
	}
	ip_to_str(&l->host.ip, a, sizeof(a));
	host_objs(&im->cfg, &l->host.ip, objs);
	fi = fam_index(objs[0].family);
	rc = ensure_shared(im, objs[0].family, t, sizeof(t));
	if (rc < 0) {
		if (im->hosts[fi] == 0) {
			char ignored[NETLINK_RULE_TEXT_LEN];
			remove_shared(im, objs[0].family, ignored, sizeof(ignored));
		}
		res.status = status_of(rc);
		snprintf(res.message, sizeof(res.message), "isolate %s in %s: adding shared '%s' failed: "
			 "%s; host not isolated", a, im->where, t, error_text(rc));
		cb(arg, &res);
		return;
	}
	for (i = 0; i < HOST_OBJECTS; i++) {
		unsigned undone = 0, j;

		rc = kernel_add(im, &objs[i]);
		if (rc == 0) {
			added[i] = true;
			nadded++;
			if (i == 0)
				im->hosts[fi]++;
			continue;
		}
		if (kernel_exists(rc)) {
			present++;
			continue;
		}
		/* Leave nothing half-done: take back what this call added. */
		for (j = i; j-- > 0;) {
			if (!added[j] || kernel_del(im, &objs[j]) != 0)
				continue;
			undone++;
			if (j == 0 && im->hosts[fi] > 0)
				im->hosts[fi]--;
		}
		obj_text(&objs[i], t, sizeof(t));
		res.status = status_of(rc);
		/* A kernel without IPv6 subtrees refuses source-specific routes as invalid. */
		if (objs[i].kind == OBJ_ROUTE && objs[i].src_len &&
		    kernel_unsupported(rc))
			snprintf(t1, sizeof(t1), "%s (IPv6 source routes need CONFIG_IPV6_SUBTREES)",
				 error_text(rc));
		else
			snprintf(t1, sizeof(t1), "%s", error_text(rc));
		if (nadded == 0)
			snprintf(res.message, sizeof(res.message), "isolate %s in %s: adding '%s' failed: "
				 "%s; host not isolated", a, im->where, t, t1);
		else
			snprintf(res.message, sizeof(res.message), "isolate %s in %s: adding '%s' failed: "
				 "%s; %u of the %u objects added before were removed again", a,
				 im->where, t, t1, undone, nadded);
		cb(arg, &res);
		return;
	}
	location_detail(im, &l->host.ip, res.loc.detail, sizeof(res.loc.detail));
	res.status = ENF_OK;
	obj_text(&objs[0], t, sizeof(t));
	obj_text(&objs[1], t1, sizeof(t1));
	if (present == 0)
		snprintf(res.message, sizeof(res.message), "isolated %s in %s: added '%s' and '%s'", a,
			 im->where, t, t1);
	else if (nadded == 0)
		snprintf(res.message, sizeof(res.message), "%s already isolated in %s: '%s' and '%s' "
			 "present, nothing added", a, im->where, t, t1);
	else
		snprintf(res.message, sizeof(res.message), "isolated %s in %s: %u of its objects added, "
			 "%u were already present", a, im->where, nadded, present);
	cb(arg, &res);
}

static void
nl_release(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct netlink_impl *im = impl_of(p);
	struct fib_obj objs[HOST_OBJECTS];
	unsigned i, removed = 0, failed = 0, fi;
	struct enf_result res;
	char a[INET6_ADDRSTRLEN], first[ENF_DETAIL_LEN] = "", t[NETLINK_RULE_TEXT_LEN];
	const char *shared_note = "";
	int first_rc = 0, rc;

	result_init(&res, l);
	if (!location_usable(p, l, "release", &res)) {
		cb(arg, &res);
		return;
	}
	ip_to_str(&l->host.ip, a, sizeof(a));
	host_objs(&im->cfg, &l->host.ip, objs);
	fi = fam_index(objs[0].family);
	/* The route first, the rule on its source last: a release cut short leaves it contained. */
	for (i = HOST_OBJECTS; i-- > 0;) {
		rc = kernel_del(im, &objs[i]);
		if (rc == 0) {
			removed++;
			if (i == 0 && im->hosts[fi] > 0)
				im->hosts[fi]--;
		} else if (!kernel_absent(rc) && failed++ == 0) {
			obj_text(&objs[i], t, sizeof(t));
			snprintf(first, sizeof(first), "removing '%s' failed: %s", t, error_text(rc));
			first_rc = rc;
		}
	}
	if (failed == 0 && im->hosts[fi] == 0) {
		rc = remove_shared(im, objs[0].family, t, sizeof(t));
		if (rc < 0) {
			failed++;
			snprintf(first, sizeof(first), "removing shared '%s' failed: %s", t,
				 error_text(rc));
			first_rc = rc;
		} else if (removed > 0) {
			shared_note = "; no host of its family left: shared rules removed";
		}
	}
	if (failed) {
		res.status = status_of(first_rc);
		snprintf(res.message, sizeof(res.message), "release %s in %s: %s (%u removed)", a,
			 im->where, first, removed);
		location_detail(im, &l->host.ip, res.loc.detail, sizeof(res.loc.detail));
	} else {
		char t0[NETLINK_RULE_TEXT_LEN], t1[NETLINK_RULE_TEXT_LEN];

		obj_text(&objs[0], t0, sizeof(t0));
		obj_text(&objs[1], t1, sizeof(t1));
		res.status = ENF_OK;
		if (removed == 0)
			snprintf(res.message, sizeof(res.message), "release %s in %s: not isolated, neither "
				 "'%s' nor '%s' present, nothing to remove%s", a, im->where, t0, t1,
				 shared_note);
		else if (removed == HOST_OBJECTS)
			snprintf(res.message, sizeof(res.message), "released %s in %s: removed '%s' and "
				 "'%s'%s", a, im->where, t0, t1, shared_note);
		else
			snprintf(res.message, sizeof(res.message), "released %s in %s: removed what was "
				 "left of '%s' and '%s'%s", a, im->where, t0, t1, shared_note);
		snprintf(res.loc.detail, sizeof(res.loc.detail), "%s: no Cordon objects for %s",
			 im->where, a);
	}
	cb(arg, &res);
}

static void
nl_check(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct netlink_impl *im = impl_of(p);
	struct fib_obj objs[MAX_SHARED + HOST_OBJECTS];
	struct obj_vec have = { 0 };
	unsigned n, i, missing = 0;
	struct enf_result res;
	char a[INET6_ADDRSTRLEN], first[NETLINK_RULE_TEXT_LEN] = "", err[ENF_DETAIL_LEN];

	result_init(&res, l);
	if (!location_usable(p, l, "check", &res)) {
		cb(arg, &res);
		return;
	}
	ip_to_str(&l->host.ip, a, sizeof(a));
	if (dump_owned(im, &have, err, sizeof(err)) < 0) {
		res.status = ENF_ERROR;
		snprintf(res.message, sizeof(res.message), "check %s: %s", a, err);
		cb(arg, &res);
		return;
	}
	n = all_objs(&im->cfg, &l->host.ip, objs);
	for (i = 0; i < n; i++) {
		if (vec_contains(&have, &objs[i]))
			continue;
		if (missing++ == 0)
			obj_text(&objs[i], first, sizeof(first));
	}
	/* The dump is the truth: refresh what isolate and release rely on. */
	count_hosts(im, &have, im->hosts);
	vec_free(&have);
	if (missing) {
		res.status = ENF_MISMATCH;
		snprintf(res.message, sizeof(res.message), "check %s in %s: %u of %u objects missing, "
			 "first '%s'", a, im->where, missing, n, first);
	} else {
		res.status = ENF_OK;
		location_detail(im, &l->host.ip, res.loc.detail, sizeof(res.loc.detail));
		snprintf(res.message, sizeof(res.message), "%s isolated in %s: its %d objects and %u "
			 "shared rules present", a, im->where, HOST_OBJECTS, n - HOST_OBJECTS);
	}
	cb(arg, &res);
}

static void
nl_destroy(struct enf_point *p)
{
	struct netlink_impl *im = impl_of(p);

	if (im == NULL)
		return;
	if (im->sk)
		kernel_close(im);
	free(im);
	p->impl = NULL;
}

/* enf_ops.reconcile: netlink_reconcile with each difference as one line. */
struct nl_report {
	void (*report)(void *arg, const char *message);
	void *arg;
};

static void
nl_report_diff(void *arg, const struct netlink_diff *d)
{
	const struct nl_report *r = arg;
	char line[NETLINK_RULE_TEXT_LEN + ENF_DETAIL_LEN + 64];

	snprintf(line, sizeof(line), "%s '%s': %s",
		 d->kind == NETLINK_DIFF_MISSING ? "missing" :
		 d->kind == NETLINK_DIFF_EXTRA ? "extra" : "duplicate",
		 d->object, d->message);
	r->report(r->arg, line);
}

static int
nl_reconcile(struct enf_point *p, const struct enf_location *isolated, size_t n,
	     void (*report)(void *arg, const char *message), void *arg, char *err, size_t errlen)
{
	struct nl_report r = { report, arg };

	return netlink_reconcile(p, isolated, n, report ? nl_report_diff : NULL, &r, NULL,
				 err, errlen);
}

static const struct enf_ops netlink_ops = {
	.kind = "netlink",
	.locate = nl_locate,
	.isolate = nl_isolate,
	.release = nl_release,
	.check = nl_check,
	.reconcile = nl_reconcile,
	.destroy = nl_destroy,
};

struct enf_point *
netlink_point_new(const char *name, const struct netlink_point_config *cfg, char *err,
		  size_t errlen)
{
	struct enf_point *p;
	struct netlink_impl *im;
	struct obj_vec have = { 0 };

	if (name == NULL || name[0] == '\0' || strlen(name) >= ENF_NAME_LEN) {
		snprintf(err, errlen, "netlink point: name must be 1..%d characters", ENF_NAME_LEN - 1);
		return NULL;
	}
	if (netlink_config_validate(cfg, err, errlen) < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	im = calloc(1, sizeof(*im));
	if (p == NULL || im == NULL) {
		free(p);
		free(im);
		snprintf(err, errlen, "netlink point %s: out of memory", name);
		return NULL;
	}
	im->cfg = *cfg;
	if (cfg->netns[0])
		snprintf(im->where, sizeof(im->where), "netns %s", cfg->netns);
	else
		snprintf(im->where, sizeof(im->where), "own netns");
	p->ops = &netlink_ops;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->impl = im;
	if (open_route_socket(im, err, errlen) < 0) {
		enf_destroy(p);
		return NULL;
	}
	/* A dump proves the kernel answers there, and says what is already in place. */
	if (dump_owned(im, &have, err, errlen) < 0) {
		enf_destroy(p);
		return NULL;
	}
	count_hosts(im, &have, im->hosts);
	vec_free(&have);
	return p;
}

int
netlink_count(struct enf_point *p, struct netlink_counts *out, char *err, size_t errlen)
{
	struct obj_vec have = { 0 };
	size_t i;
	unsigned hosts[2];

	if (!netlink_point_is(p)) {
		snprintf(err, errlen, "not a netlink enforcement point");
		return -1;
	}
	if (dump_owned(impl_of(p), &have, err, errlen) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < have.n; i++) {
		bool v6 = have.v[i].family == AF_INET6;
		if (have.v[i].kind == OBJ_RULE)
			(*(v6 ? &out->rules6 : &out->rules4))++;
		else
			(*(v6 ? &out->routes6 : &out->routes4))++;
	}
	count_hosts(impl_of(p), &have, hosts);
	out->hosts4 = hosts[0];
	out->hosts6 = hosts[1];
	vec_free(&have);
	return 0;
}
