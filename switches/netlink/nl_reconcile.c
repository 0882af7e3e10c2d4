/* SPDX-License-Identifier: ISC */
/*
 * reconcile: the kernel's Cordon rules and routes against what the isolated
 * hosts need; each difference reported, and fixed unless asked not to.
 */
#include "netlink.h"
#include "nl_dump.h"
#include "nl_kernel.h"
#include "nl_objects.h"
#include "nl_point.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reconcile {
	struct netlink_impl *im;
	netlink_diff_fn report;
	void *arg;
	struct netlink_reconcile_stats st;
	char first_err[ENF_DETAIL_LEN];
};

static void
diff_emit(struct reconcile *rc, enum netlink_diff_kind kind, const struct fib_obj *s, bool fixed,
	  const char *result)
{
	struct netlink_diff d;
	char a[INET6_ADDRSTRLEN] = "?";
	bool marker;
	static const char *const what[] = {
		[NETLINK_DIFF_MISSING] = "missing",
		[NETLINK_DIFF_EXTRA] = "extra",
		[NETLINK_DIFF_DUPLICATE] = "duplicate",
	};

	memset(&d, 0, sizeof(d));
	d.kind = kind;
	d.fixed = fixed;
	d.has_host = obj_host(s, rc->im->cfg.priority_base, &d.host, &marker);
	if (d.has_host)
		ip_to_str(&d.host, a, sizeof(a));
	obj_text(s, d.object, sizeof(d.object));
	snprintf(d.message, sizeof(d.message), "%s: %s %s '%s'%s%s: %s", rc->im->where, what[kind],
		 d.has_host ? "object" : "shared object", d.object, d.has_host ? " of host " : "",
		 d.has_host ? a : "", result);
	if (rc->report)
		rc->report(rc->arg, &d);
}

static void
note_error(struct reconcile *rc, const char *msg)
{
	rc->st.errors++;
	if (rc->first_err[0] == '\0')
		snprintf(rc->first_err, sizeof(rc->first_err), "%s", msg);
}

static void
reconcile_missing(struct reconcile *rc, const struct fib_obj *s)
{
	int r = kernel_add(rc->im, s);
	char msg[ENF_DETAIL_LEN], t[NETLINK_RULE_TEXT_LEN];
	const char *why;

	rc->st.missing++;
	if (r == 0) {
		rc->st.reinstalled++;
		diff_emit(rc, NETLINK_DIFF_MISSING, s, true, "re-installed");
		return;
	}
	why = kernel_exists(r) ? "an object with the same selectors (another action, type or "
				"protocol) is in the way"
			      : error_text(r);
	snprintf(msg, sizeof(msg), "re-installing failed: %s", why);
	diff_emit(rc, NETLINK_DIFF_MISSING, s, false, msg);
	obj_text(s, t, sizeof(t));
	snprintf(msg, sizeof(msg), "reconcile in %s: re-installing '%s' failed: %s", rc->im->where, t,
		 why);
	note_error(rc, msg);
}

static void
reconcile_extra(struct reconcile *rc, const struct fib_obj *s, enum netlink_diff_kind kind)
{
	char msg[ENF_DETAIL_LEN], t[NETLINK_RULE_TEXT_LEN];
	int r;

	rc->st.extra++;
	if (kind == NETLINK_DIFF_DUPLICATE)
		rc->st.duplicates++;
	if (!rc->im->cfg.remove_extra) {
		diff_emit(rc, kind, s, false, "kept (remove_extra is off)");
		return;
	}
	if (s->foreign) {
		/* Deleting by our shape would not match it, or would match another object. */
		diff_emit(rc, kind, s, false, "kept: it has selectors Cordon never sets, remove it by hand");
		return;
	}
	r = kernel_del(rc->im, s);
	if (r == 0 || kernel_absent(r)) {
		rc->st.removed += r == 0;
		diff_emit(rc, kind, s, r == 0, r == 0 ? "removed" : "already gone");
		return;
	}
	snprintf(msg, sizeof(msg), "removing failed: %s", error_text(r));
	diff_emit(rc, kind, s, false, msg);
	obj_text(s, t, sizeof(t));
	snprintf(msg, sizeof(msg), "reconcile in %s: removing '%s' failed: %s", rc->im->where, t,
		 error_text(r));
	note_error(rc, msg);
}

int
netlink_reconcile(struct enf_point *p, const struct enf_location *isolated, size_t n,
		  netlink_diff_fn report, void *arg, struct netlink_reconcile_stats *stats,
		  char *err, size_t errlen)
{
	struct reconcile rc;
	struct obj_vec want = { 0 }, have = { 0 };
	bool family_used[2] = { false, false };
	size_t i, j, k;
	unsigned f;
	int ret = -1;

	if (!netlink_point_is(p)) {
		snprintf(err, errlen, "not a netlink enforcement point");
		return -1;
	}
	memset(&rc, 0, sizeof(rc));
	rc.im = impl_of(p);
	rc.report = report;
	rc.arg = arg;

	for (i = 0; i < n; i++) {
		struct fib_obj objs[HOST_OBJECTS];
		struct enf_result res;
		unsigned s;

		if (strncmp(isolated[i].point, p->name, ENF_NAME_LEN) != 0)
			continue;
		rc.st.hosts++;
		result_init(&res, &isolated[i]);
		if (!location_usable(p, &isolated[i], "reconcile", &res)) {
			note_error(&rc, res.message);
			continue;
		}
		host_objs(&rc.im->cfg, &isolated[i].host.ip, objs);
		family_used[fam_index(objs[0].family)] = true;
		for (s = 0; s < HOST_OBJECTS; s++)
			if (vec_push(&want, &objs[s]) < 0)
				goto nomem;
	}
	/* The shared rules of every family that has an isolated host. */
	for (f = 0; f < 2; f++) {
		struct fib_obj shared[MAX_SHARED];
		unsigned m, s;

		if (!family_used[f])
			continue;
		m = shared_objs(&rc.im->cfg, f ? AF_INET6 : AF_INET, shared);
		for (s = 0; s < m; s++)
			if (vec_push(&want, &shared[s]) < 0)
				goto nomem;
	}
	vec_sort(&want);
	/* The same host twice in the state needs its objects once. */
	for (i = 0, k = 0; i < want.n; i++)
		if (k == 0 || fib_obj_cmp(&want.v[k - 1], &want.v[i]) != 0)
			want.v[k++] = want.v[i];
	want.n = k;
	rc.st.expected = (unsigned)want.n;

	if (dump_owned(rc.im, &have, err, errlen) < 0)
		goto out;
	rc.st.found = (unsigned)have.n;

	/* Both sorted: one merge pass finds missing, extra and duplicate objects. */
	for (i = 0, j = 0; i < want.n || j < have.n;) {
		int c;

		if (i == want.n)
			c = 1;
		else if (j == have.n)
			c = -1;
		else
			c = fib_obj_cmp(&want.v[i], &have.v[j]);
		if (c < 0) {
			reconcile_missing(&rc, &want.v[i++]);
			continue;
		}
		if (c > 0)
			reconcile_extra(&rc, &have.v[j], NETLINK_DIFF_EXTRA);
		else
			i++;
		/* Further copies of the same object are duplicates. */
		for (k = j + 1; k < have.n && fib_obj_cmp(&have.v[j], &have.v[k]) == 0; k++)
			reconcile_extra(&rc, &have.v[k], NETLINK_DIFF_DUPLICATE);
		j = k;
	}
	/* What isolate and release rely on, read back from the kernel as it is now. */
	if (dump_owned(rc.im, &have, err, errlen) < 0)
		goto out;
	count_hosts(rc.im, &have, rc.im->hosts);
	if (rc.st.errors) {
		snprintf(err, errlen, "%s", rc.first_err);
		goto out;
	}
	ret = 0;
	goto out;
nomem:
	snprintf(err, errlen, "reconcile in %s: out of memory", rc.im->where);
out:
	if (stats)
		*stats = rc.st;
	vec_free(&want);
	vec_free(&have);
	return ret;
}
