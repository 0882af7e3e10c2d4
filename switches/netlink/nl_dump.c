/* SPDX-License-Identifier: ISC */
/*
 * Reading Cordon's rules and routes back from the kernel. Dumps are parsed
 * here rather than with libnl's caches: the rule cache treats rules that
 * differ only in their protocol as the same object and silently merges them,
 * which would hide exactly the duplicates reconcile must report, and its
 * duplicate search is linear per object, quadratic over tens of thousands of
 * them.
 */
#include "nl_dump.h"
#include "nl_objects.h"

#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

/* ---- dumps ---- */

struct dump_ctx {
	const struct netlink_impl *im;
	struct obj_vec *owned;       /* Cordon's objects */
	struct obj_vec unmarked;     /* rules in our range without any protocol attribute */
	bool kernel_reports_protocol;
	bool nomem;
};

/* Parses one RTM_NEWRULE of a dump; keeps the rules in Cordon's range. */
static int
dump_rule_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *ctx = arg;
	const struct netlink_point_config *c = &ctx->im->cfg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct fib_rule_hdr *frh;
	struct nlattr *a;
	struct fib_obj s;
	bool has_proto = false, has_prio = false;
	uint8_t proto = 0;
	size_t alen;
	int rem;

	if (nlh->nlmsg_type != RTM_NEWRULE || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return NL_OK;
	frh = nlmsg_data(nlh);
	if (frh->family != AF_INET && frh->family != AF_INET6)
		return NL_OK;
	alen = frh->family == AF_INET ? 4 : 16;
	memset(&s, 0, sizeof(s));
	s.kind = OBJ_RULE;
	s.family = frh->family;
	s.action = frh->action;
	s.table = frh->table;
	s.src_len = frh->src_len;
	s.dst_len = frh->dst_len;
	/* Selectors in the header that Cordon never sets. */
	if (frh->tos || (frh->flags & FIB_RULE_INVERT))
		s.foreign = true;

	nlmsg_for_each_attr(a, nlh, sizeof(*frh), rem) {
		switch (nla_type(a)) {
		case FRA_PRIORITY:
			if (nla_len(a) >= 4) {
				s.prio = nla_get_u32(a);
				has_prio = true;
			}
			break;
		case FRA_TABLE:
			if (nla_len(a) >= 4)
				s.table = nla_get_u32(a);
			break;
		case FRA_PROTOCOL:
			if (nla_len(a) >= 1) {
				proto = nla_get_u8(a);
				has_proto = true;
				ctx->kernel_reports_protocol = true;
			}
			break;
		case FRA_SRC:
			if ((size_t)nla_len(a) == alen)
				memcpy(s.src, nla_data(a), alen);
			else
				s.foreign = true;
			break;
		case FRA_DST:
			if ((size_t)nla_len(a) == alen)
				memcpy(s.dst, nla_data(a), alen);
			else
				s.foreign = true;
			break;
		case FRA_SUPPRESS_PREFIXLEN:
		case FRA_SUPPRESS_IFGROUP:
			/* Always dumped; -1 means unset. */
			if (nla_len(a) >= 4 && nla_get_u32(a) != UINT32_MAX)
				s.foreign = true;
			break;
		case FRA_PAD:
			break;
		default:
			/* iif, oif, fwmark, goto, uid range, ports, ...: not Cordon's shape. */
			s.foreign = true;
			break;
		}
	}
	if (!has_prio || s.prio < c->priority_base || s.prio - c->priority_base >= c->priority_range)
		return NL_OK;
	/* The deny actions carry no table; normalise so they compare with ours. */
	if (s.action != FR_ACT_TO_TBL)
		s.table = 0;
	if (has_proto) {
		if (proto != c->protocol)
			return NL_OK;
		if (vec_push(ctx->owned, &s) < 0)
			ctx->nomem = true;
	} else if (vec_push(&ctx->unmarked, &s) < 0) {
		ctx->nomem = true;
	}
	return NL_OK;
}

/* Parses one RTM_NEWROUTE of a dump; keeps Cordon's routes in Cordon's table. */
static int
dump_route_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *ctx = arg;
	const struct netlink_point_config *c = &ctx->im->cfg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct rtmsg *rtm;
	struct nlattr *a;
	struct fib_obj s;
	size_t alen;
	int rem;

	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return NL_OK;
	rtm = nlmsg_data(nlh);
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_protocol != c->protocol)
		return NL_OK;
	alen = rtm->rtm_family == AF_INET ? 4 : 16;
	memset(&s, 0, sizeof(s));
	s.kind = OBJ_ROUTE;
	s.family = rtm->rtm_family;
	s.action = rtm->rtm_type;
	s.table = rtm->rtm_table;
	s.dst_len = rtm->rtm_dst_len;
	s.src_len = rtm->rtm_src_len;
	if (rtm->rtm_tos)
		s.foreign = true;
	nlmsg_for_each_attr(a, nlh, sizeof(*rtm), rem) {
		switch (nla_type(a)) {
		case RTA_TABLE:
			if (nla_len(a) >= 4)
				s.table = nla_get_u32(a);
			break;
		case RTA_DST:
			if ((size_t)nla_len(a) == alen)
				memcpy(s.dst, nla_data(a), alen);
			else
				s.foreign = true;
			break;
		case RTA_SRC:
			if ((size_t)nla_len(a) == alen)
				memcpy(s.src, nla_data(a), alen);
			else
				s.foreign = true;
			break;
		case RTA_GATEWAY:
		case RTA_MULTIPATH:
		case RTA_ENCAP:
		case RTA_VIA:
		case RTA_NH_ID:
			s.foreign = true;
			break;
		default:
			/* Metric, cache info, the loopback device of IPv6 reject routes: no selectors. */
			break;
		}
	}
	if (s.table != c->table)
		return NL_OK;
	if (vec_push(ctx->owned, &s) < 0)
		ctx->nomem = true;
	return NL_OK;
}

/*
 * Sends one dump request and reads the answer through `fn`. With strict
 * checking on (im->strict_dumps), a route dump asks the kernel for Cordon's
 * table and protocol only, so that reading back stays proportional to
 * Cordon's routes even on a router that carries a full routing table; an
 * absent table then answers "not found", which means empty.
 */
static int
dump_one(struct netlink_impl *im, int type, int family, nl_recvmsg_msg_cb_t fn,
	 struct dump_ctx *ctx)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	struct nl_msg *msg;
	int rc;

	if (cb == NULL)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, ctx);
	msg = nlmsg_alloc_simple(type, NLM_F_DUMP);
	if (msg == NULL) {
		nl_cb_put(cb);
		return -NLE_NOMEM;
	}
	if (type == RTM_GETRULE) {
		struct fib_rule_hdr frh = { .family = (uint8_t)family };
		rc = nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO);
	} else {
		struct rtmsg rtm = { .rtm_family = (uint8_t)family };
		if (im->strict_dumps) {
			rtm.rtm_table = im->cfg.table < 256 ? (uint8_t)im->cfg.table : RT_TABLE_UNSPEC;
			rtm.rtm_protocol = im->cfg.protocol;
		}
		rc = nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO);
		if (rc >= 0 && im->strict_dumps)
			rc = nla_put_u32(msg, RTA_TABLE, im->cfg.table);
	}
	if (rc >= 0)
		rc = nl_send_auto(im->sk, msg);
	nlmsg_free(msg);
	if (rc >= 0)
		rc = nl_recvmsgs(im->sk, cb);
	nl_cb_put(cb);
	if (type == RTM_GETROUTE && im->strict_dumps && rc == -NLE_OBJ_NOTFOUND)
		rc = 0;
	return rc;
}

/*
 * Reads every Cordon rule and route from the kernel into `out` (sorted). A
 * kernel older than 4.17 reports no rule protocol at all: then the priority
 * range alone says which rules are Cordon's.
 */
int
dump_owned(struct netlink_impl *im, struct obj_vec *out, char *err, size_t errlen)
{
	int attempt, rc = 0;

	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		struct dump_ctx ctx = { .im = im, .owned = out };
		size_t i;

		out->n = 0;
		rc = dump_one(im, RTM_GETRULE, AF_UNSPEC, dump_rule_cb, &ctx);
		if (rc >= 0 && !ctx.kernel_reports_protocol)
			for (i = 0; i < ctx.unmarked.n && !ctx.nomem; i++)
				if (vec_push(out, &ctx.unmarked.v[i]) < 0)
					ctx.nomem = true;
		vec_free(&ctx.unmarked);
		/* Per family: a filtered dump of all families stops at the first absent table. */
		if (rc >= 0)
			rc = dump_one(im, RTM_GETROUTE, AF_INET, dump_route_cb, &ctx);
		if (rc >= 0)
			rc = dump_one(im, RTM_GETROUTE, AF_INET6, dump_route_cb, &ctx);
		if (ctx.nomem) {
			snprintf(err, errlen, "dump in %s: out of memory", im->where);
			return -1;
		}
		if (rc != -NLE_DUMP_INTR)
			break;
		/* The kernel's tables changed during the dump: read them again. */
	}
	if (rc < 0) {
		snprintf(err, errlen, "rule and route dump in %s: %s", im->where, nl_geterror(rc));
		return -1;
	}
	vec_sort(out);
	return 0;
}

/* Isolated hosts per family: those whose source block is in the kernel. */
void
count_hosts(const struct netlink_impl *im, const struct obj_vec *have, unsigned hosts[2])
{
	size_t i;
	struct ip_addr h;
	bool marker;

	hosts[0] = hosts[1] = 0;
	for (i = 0; i < have->n; i++)
		if (obj_host(&have->v[i], im->cfg.priority_base, &h, &marker) && marker)
			hosts[fam_index(have->v[i].family)]++;
}
