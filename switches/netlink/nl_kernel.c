/* SPDX-License-Identifier: ISC */
/*
 * The kernel through libnl: the route socket (opened inside the configured
 * namespace), and adds and deletes of rules and routes, each built from one
 * constructor (rule_from_obj, route_from_obj) so that a delete matches the
 * add exactly. With nl_dump.c, the only modules that include libnl.
 */
#include "nl_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

/* ---- kernel requests ---- */

static struct nl_addr *
obj_addr(const struct fib_obj *s, const uint8_t *bytes, uint8_t len)
{
	struct nl_addr *a = nl_addr_build(s->family, bytes, s->family == AF_INET ? 4 : 16);

	if (a != NULL)
		nl_addr_set_prefixlen(a, len);
	return a;
}

/* One constructor for add and delete, so that a delete matches what was added. */
static struct rtnl_rule *
rule_from_obj(const struct netlink_impl *im, const struct fib_obj *s)
{
	struct rtnl_rule *r = rtnl_rule_alloc();
	struct nl_addr *a;
	int rc = 0;

	if (r == NULL)
		return NULL;
	rtnl_rule_set_family(r, s->family);
	rtnl_rule_set_prio(r, s->prio);
	rtnl_rule_set_action(r, s->action);
	rtnl_rule_set_table(r, s->table);
	rtnl_rule_set_protocol(r, im->cfg.protocol);
	if (s->src_len) {
		if ((a = obj_addr(s, s->src, s->src_len)) == NULL)
			goto fail;
		rc = rtnl_rule_set_src(r, a);
		nl_addr_put(a);
	}
	if (rc == 0 && s->dst_len) {
		if ((a = obj_addr(s, s->dst, s->dst_len)) == NULL)
			goto fail;
		rc = rtnl_rule_set_dst(r, a);
		nl_addr_put(a);
	}
	if (rc == 0)
		return r;
fail:
	rtnl_rule_put(r);
	return NULL;
}

/*
 * Same for routes. The scope is set explicitly: libnl's default for a route
 * without a gateway is link, `ip`'s is global, and a delete must match it.
 */
static struct rtnl_route *
route_from_obj(const struct netlink_impl *im, const struct fib_obj *s)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *a;

	if (r == NULL)
		return NULL;
	rtnl_route_set_family(r, s->family);
	rtnl_route_set_table(r, s->table);
	rtnl_route_set_type(r, s->action);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(r, im->cfg.protocol);
	a = obj_addr(s, s->dst, s->dst_len);
	if (a == NULL || rtnl_route_set_dst(r, a) < 0)
		goto fail;
	nl_addr_put(a);
	if (s->src_len) {
		a = obj_addr(s, s->src, s->src_len);
		if (a == NULL || rtnl_route_set_src(r, a) < 0)
			goto fail;
		nl_addr_put(a);
	}
	return r;
fail:
	nl_addr_put(a);
	rtnl_route_put(r);
	return NULL;
}

/*
 * Adds one object. Returns 0, or a negative libnl error; -NLE_EXIST when an
 * identical object is there (NLM_F_EXCL: the kernel refuses a copy).
 */
int
kernel_add(struct netlink_impl *im, const struct fib_obj *s)
{
	int rc;

	if (s->kind == OBJ_RULE) {
		struct rtnl_rule *r = rule_from_obj(im, s);
		if (r == NULL)
			return -NLE_NOMEM;
		rc = rtnl_rule_add(im->sk, r, NLM_F_EXCL);
		rtnl_rule_put(r);
	} else {
		struct rtnl_route *r = route_from_obj(im, s);
		if (r == NULL)
			return -NLE_NOMEM;
		rc = rtnl_route_add(im->sk, r, NLM_F_EXCL);
		rtnl_route_put(r);
	}
	return rc;
}

/* Deletes one object. Returns 0, or a negative libnl error; -NLE_OBJ_NOTFOUND when absent. */
int
kernel_del(struct netlink_impl *im, const struct fib_obj *s)
{
	int rc;

	if (s->kind == OBJ_RULE) {
		struct rtnl_rule *r = rule_from_obj(im, s);
		if (r == NULL)
			return -NLE_NOMEM;
		rc = rtnl_rule_delete(im->sk, r, 0);
		rtnl_rule_put(r);
	} else {
		struct rtnl_route *r = route_from_obj(im, s);
		if (r == NULL)
			return -NLE_NOMEM;
		rc = rtnl_route_delete(im->sk, r, 0);
		rtnl_route_put(r);
	}
	return rc;
}

enum enf_status
status_of(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
	case NLE_NOACCESS:
		return ENF_DENIED;
	case NLE_INVAL:
	case NLE_RANGE:
	case NLE_OPNOTSUPP:
	case NLE_AF_NOSUPPORT:
	case NLE_MSGTYPE_NOSUPPORT:
		return ENF_BAD_REQUEST;
	case NLE_EXIST:
	case NLE_OBJ_NOTFOUND:
		return ENF_MISMATCH;
	default:
		return ENF_ERROR;
	}
}

const char *
error_text(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
	case NLE_NOACCESS:
		return "permission denied (needs CAP_NET_ADMIN in that namespace)";
	case NLE_EXIST:
		return "exists already";
	case NLE_OBJ_NOTFOUND:
		return "not found";
	default:
		return nl_geterror(nlerr);
	}
}

bool
kernel_exists(int rc)
{
	return rc == -NLE_EXIST;
}

bool
kernel_absent(int rc)
{
	return rc == -NLE_OBJ_NOTFOUND;
}

bool
kernel_unsupported(int rc)
{
	return rc == -NLE_INVAL || rc == -NLE_OPNOTSUPP;
}

/* ---- the route socket ---- */

int
open_route_socket(struct netlink_impl *im, char *err, size_t errlen)
{
	const char *ns = im->cfg.netns;
	char path[NETLINK_NETNS_LEN + 16];
	int own = -1, target = -1, rc, one = 1;

	im->sk = nl_socket_alloc();
	if (im->sk == NULL) {
		snprintf(err, errlen, "netlink socket: out of memory");
		return -1;
	}
	if (ns[0] != '\0') {
		if (ns[0] == '/')
			snprintf(path, sizeof(path), "%s", ns);
		else
			snprintf(path, sizeof(path), "/run/netns/%s", ns);
		target = open(path, O_RDONLY | O_CLOEXEC);
		if (target < 0) {
			snprintf(err, errlen, "netns %s: cannot open %s: %s", ns, path, strerror(errno));
			goto fail;
		}
		/* The thread's own namespace, to come back to once the socket exists. */
		own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (own < 0) {
			snprintf(err, errlen, "netns %s: cannot open own namespace: %s", ns, strerror(errno));
			goto fail;
		}
		if (setns(target, CLONE_NEWNET) < 0) {
			snprintf(err, errlen, "netns %s: cannot enter: %s", ns, strerror(errno));
			goto fail;
		}
	}
	/* A netlink socket stays bound to the namespace it was created in. */
	rc = nl_connect(im->sk, NETLINK_ROUTE);
	if (own >= 0 && setns(own, CLONE_NEWNET) < 0) {
		/* Going on would run the rest of the daemon in the router's namespace. */
		fprintf(stderr, "cordon netlink: cannot return from netns %s to own namespace: %s\n",
			ns, strerror(errno));
		abort();
	}
	if (rc < 0) {
		snprintf(err, errlen, "netlink socket in %s: %s", im->where, nl_geterror(rc));
		goto fail;
	}
	/* Kernels before 4.20 lack the option: then dumps are filtered here instead. */
	im->strict_dumps = setsockopt(nl_socket_get_fd(im->sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK,
				      &one, sizeof(one)) == 0;
	if (own >= 0)
		close(own);
	if (target >= 0)
		close(target);
	return 0;
fail:
	if (own >= 0)
		close(own);
	if (target >= 0)
		close(target);
	nl_socket_free(im->sk);
	im->sk = NULL;
	return -1;
}

void
kernel_close(struct netlink_impl *im)
{
	nl_socket_free(im->sk);
	im->sk = NULL;
}
