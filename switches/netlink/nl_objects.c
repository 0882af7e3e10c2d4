/* SPDX-License-Identifier: ISC */
/*
 * Cordon's rules and routes as values (struct fib_obj): the shared rules and
 * each host's objects built from the configuration, their order, their `ip`
 * text, and sorted vectors of them. No kernel here (nl_kernel.c).
 */
#include "nl_objects.h"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- objects ---- */

unsigned
fam_index(uint8_t family)
{
	return family == AF_INET6 ? 1 : 0;
}

static uint8_t
deny_rule_action(enum netlink_deny_action a)
{
	switch (a) {
	case NETLINK_DENY_BLACKHOLE: return FR_ACT_BLACKHOLE;
	case NETLINK_DENY_UNREACHABLE: return FR_ACT_UNREACHABLE;
	case NETLINK_DENY_PROHIBIT:
	default: return FR_ACT_PROHIBIT;
	}
}

static uint8_t
deny_route_type(enum netlink_deny_action a)
{
	switch (a) {
	case NETLINK_DENY_BLACKHOLE: return RTN_BLACKHOLE;
	case NETLINK_DENY_UNREACHABLE: return RTN_UNREACHABLE;
	case NETLINK_DENY_PROHIBIT:
	default: return RTN_PROHIBIT;
	}
}

/* Family and bytes of a project address, as the kernel carries them. */
uint8_t
addr_to_kernel(const struct ip_addr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (ip_is_v4(a)) {
		memcpy(out, a->b + 12, 4);
		return AF_INET;
	}
	memcpy(out, a->b, 16);
	return AF_INET6;
}

void
kernel_to_addr(uint8_t family, const uint8_t bytes[16], struct ip_addr *a)
{
	if (family == AF_INET)
		ip_from_v4(a, bytes);
	else
		memcpy(a->b, bytes, 16);
}

/* The shared rules of `family`, in the order they are added. */
unsigned
shared_objs(const struct netlink_point_config *c, uint8_t family, struct fib_obj out[MAX_SHARED])
{
	unsigned n = 0, i;

	memset(out, 0, sizeof(struct fib_obj) * MAX_SHARED);
	for (i = 0; i < c->n_remediation; i++) {
		const struct prefix *r = &c->remediation[i];
		uint8_t rb[16];

		if (addr_to_kernel(&r->addr, rb) != family)
			continue;
		out[n].kind = OBJ_RULE;
		out[n].family = family;
		out[n].action = FR_ACT_TO_TBL;
		out[n].table = c->remediation_table;
		out[n].prio = c->priority_base + SLOT_TO_REMEDIATION;
		memcpy(out[n].dst, rb, 16);
		out[n].dst_len = (uint8_t)prefix_bits(r);
		n++;
		out[n].kind = OBJ_RULE;
		out[n].family = family;
		out[n].action = FR_ACT_TO_TBL;
		out[n].table = c->remediation_table;
		out[n].prio = c->priority_base + SLOT_FROM_REMEDIATION;
		memcpy(out[n].src, rb, 16);
		out[n].src_len = (uint8_t)prefix_bits(r);
		n++;
	}
	out[n].kind = OBJ_RULE;
	out[n].family = family;
	out[n].action = FR_ACT_TO_TBL;
	out[n].table = c->table;
	out[n].prio = c->priority_base + SLOT_CORDON_TABLE;
	n++;
	return n;
}

/*
 * The objects of one host, in the order isolate adds them: first the one on
 * its source (its outbound traffic, the worm's, stops at once), then the
 * route towards it. The first is also what marks the host as isolated.
 * IPv4 routes cannot match a source, so for IPv4 the first is a rule; IPv6
 * routes can (source-specific routes), and a route costs the kernel far
 * less to add than a rule does once there are thousands.
 */
void
host_objs(const struct netlink_point_config *c, const struct ip_addr *host,
	  struct fib_obj out[HOST_OBJECTS])
{
	uint8_t h[16];
	uint8_t fam = addr_to_kernel(host, h);
	uint8_t full = fam == AF_INET ? 32 : 128;

	memset(out, 0, sizeof(struct fib_obj) * HOST_OBJECTS);
	out[0].family = fam;
	memcpy(out[0].src, h, 16);
	out[0].src_len = full;
	if (fam == AF_INET) {
		out[0].kind = OBJ_RULE;
		out[0].action = deny_rule_action(c->deny_action);
		out[0].prio = c->priority_base + SLOT_FROM_HOST;
	} else {
		out[0].kind = OBJ_ROUTE;   /* ::/0 from H */
		out[0].action = deny_route_type(c->deny_action);
		out[0].table = c->table;
	}
	out[1].kind = OBJ_ROUTE;
	out[1].family = fam;
	out[1].action = deny_route_type(c->deny_action);
	out[1].table = c->table;
	memcpy(out[1].dst, h, 16);
	out[1].dst_len = full;
}

static int
cmp_u(unsigned a, unsigned b)
{
	return a < b ? -1 : a > b;
}

int
fib_obj_cmp(const void *pa, const void *pb)
{
	const struct fib_obj *a = pa, *b = pb;
	int c;

	if ((c = cmp_u(a->kind, b->kind)) || (c = cmp_u(a->family, b->family)) ||
	    (c = cmp_u(a->prio, b->prio)) || (c = cmp_u(a->action, b->action)) ||
	    (c = cmp_u(a->table, b->table)) || (c = cmp_u(a->src_len, b->src_len)) ||
	    (c = cmp_u(a->dst_len, b->dst_len)) || (c = memcmp(a->src, b->src, 16)) ||
	    (c = memcmp(a->dst, b->dst, 16)))
		return c;
	return cmp_u(a->foreign, b->foreign);
}

static const char *
deny_text(uint8_t kind, uint8_t action)
{
	if (kind == OBJ_RULE) {
		switch (action) {
		case FR_ACT_PROHIBIT: return "prohibit";
		case FR_ACT_BLACKHOLE: return "blackhole";
		case FR_ACT_UNREACHABLE: return "unreachable";
		default: return "?";
		}
	}
	switch (action) {
	case RTN_PROHIBIT: return "prohibit";
	case RTN_BLACKHOLE: return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	default: return "?";
	}
}

static void
prefix_text(uint8_t family, const uint8_t *bytes, uint8_t len, char *buf, size_t buflen)
{
	char a[INET6_ADDRSTRLEN];
	uint8_t full = family == AF_INET ? 32 : 128;

	if (inet_ntop(family, bytes, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	if (len == full)
		snprintf(buf, buflen, "%s", a);
	else
		snprintf(buf, buflen, "%s/%u", a, len);
}

/*
 * `ip` syntax: "rule pref 9103 from 10.1.0.5 prohibit",
 * "rule pref 9100 to 198.51.100.0/24 lookup 254", "route prohibit 10.1.0.5 table 9100".
 */
void
obj_text(const struct fib_obj *s, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN + 5], dst[INET6_ADDRSTRLEN + 5], act[32];
	const char *extra = s->foreign ? " (+ selectors Cordon never sets)" : "";

	prefix_text(s->family, s->src, s->src_len, src, sizeof(src));
	prefix_text(s->family, s->dst, s->dst_len, dst, sizeof(dst));
	if (s->kind == OBJ_ROUTE) {
		snprintf(buf, len, "route %s %s%s%s table %u%s", deny_text(s->kind, s->action),
			 s->dst_len ? dst : "default", s->src_len ? " from " : "",
			 s->src_len ? src : "", s->table, extra);
		return;
	}
	if (s->action == FR_ACT_TO_TBL)
		snprintf(act, sizeof(act), "lookup %u", s->table);
	else
		snprintf(act, sizeof(act), "%s", deny_text(s->kind, s->action));
	snprintf(buf, len, "rule pref %u%s%s%s%s %s%s", s->prio, s->src_len ? " from " : "",
		 s->src_len ? src : "", s->dst_len ? " to " : "", s->dst_len ? dst : "", act, extra);
}

/*
 * The host a per-host object is about; false for shared rules and foreign
 * shapes. `marker` tells whether it is the host's first object, the one
 * that counts the host as isolated.
 */
bool
obj_host(const struct fib_obj *s, uint32_t base, struct ip_addr *host, bool *marker)
{
	uint8_t full = s->family == AF_INET ? 32 : 128;
	bool from_host = s->src_len == full && s->dst_len == 0;

	if (s->foreign)
		return false;
	if ((s->kind == OBJ_RULE && s->prio == base + SLOT_FROM_HOST && from_host) ||
	    (s->kind == OBJ_ROUTE && s->family == AF_INET6 && from_host)) {
		kernel_to_addr(s->family, s->src, host);
		*marker = true;
		return true;
	}
	if (s->kind == OBJ_ROUTE && s->dst_len == full && s->src_len == 0) {
		kernel_to_addr(s->family, s->dst, host);
		*marker = false;
		return true;
	}
	return false;
}

int
vec_push(struct obj_vec *v, const struct fib_obj *s)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		struct fib_obj *nv = realloc(v->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *s;
	return 0;
}

/* qsort and bsearch must not see the NULL array of an empty vector. */
void
vec_sort(struct obj_vec *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), fib_obj_cmp);
}

bool
vec_contains(const struct obj_vec *v, const struct fib_obj *s)
{
	return v->n > 0 && bsearch(s, v->v, v->n, sizeof(*v->v), fib_obj_cmp) != NULL;
}

void
vec_free(struct obj_vec *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}
