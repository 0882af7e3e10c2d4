/* SPDX-License-Identifier: ISC */
/*
 * netlink: the local enforcement point (see netlink.h for the layout of
 * rules and routes). The only module that includes libnl.
 *
 * Rules and routes are added and deleted with libnl's rtnl_rule and
 * rtnl_route requests, each built from one constructor (rule_from_obj,
 * route_from_obj) so that a delete matches the add exactly. They are read
 * back with dumps parsed here rather than with libnl's caches: the rule cache
 * treats rules that differ only in their protocol as the same object and
 * silently merges them, which would hide exactly the duplicates reconcile
 * must report, and its duplicate search is linear per object, quadratic
 * over tens of thousands of them.
 */
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rtnl.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

/*
 * Messages go into the fixed-size fields of enforce.h and reconcile's diffs;
 * cutting a long one short is intended, not a fault.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/*
 * Offsets of Cordon's rules from the priority base. The shared rules come
 * before the per-host ones: the kernel keeps rules in a list ordered by
 * priority and looks for an identical rule from its head, so re-adding a
 * shared rule that is there is answered (EEXIST) after a few entries, not
 * after walking every isolated host.
 */
enum rule_slot {
	SLOT_TO_REMEDIATION = 0,    /* to R lookup M (shared) */
	SLOT_FROM_REMEDIATION = 1,  /* from R lookup M (shared) */
	SLOT_CORDON_TABLE = 2,      /* lookup T (shared) */
	SLOT_FROM_HOST = 3,         /* from H <deny> (per IPv4 host) */
	SLOT_COUNT = 4,
};

/* Shared rules of one family: two per remediation prefix and the table rule. */
#define MAX_SHARED (1 + 2 * NETLINK_MAX_REMEDIATION)
/* Objects of one host: what blocks its source, what blocks its address. */
#define HOST_OBJECTS 2

/* Dumps interrupted by a concurrent change are retried this many times. */
#define DUMP_ATTEMPTS 5

enum obj_kind { OBJ_RULE = 0, OBJ_ROUTE = 1 };

/*
 * One rule or route in the shape Cordon makes, ordered by fib_obj_cmp.
 * Addresses in network order; IPv4 in the first 4 bytes, the rest zero.
 */
struct fib_obj {
	uint8_t kind;        /* enum obj_kind */
	uint8_t family;      /* AF_INET, AF_INET6 */
	uint8_t action;      /* rule: FR_ACT_*; route: RTN_* type */
	uint8_t src_len;     /* 0 = any */
	uint8_t dst_len;
	uint32_t prio;       /* rule priority; 0 for routes */
	uint32_t table;      /* rule: FR_ACT_TO_TBL's table, else 0; route: its table */
	uint8_t src[16];
	uint8_t dst[16];
	bool foreign;        /* from a dump: carries selectors Cordon never sets */
};

struct obj_vec {
	struct fib_obj *v;   /* owned */
	size_t n, cap;
};

struct netlink_impl {
	struct netlink_point_config cfg;
	struct nl_sock *sk;                 /* owned; connected inside cfg.netns */
	char where[NETLINK_NETNS_LEN + 16]; /* "netns NAME" or "own netns", for messages */
	/*
	 * Per family (0 IPv4, 1 IPv6): hosts whose source block is in the
	 * kernel, counted from a dump at start and kept by the exact results of
	 * our own adds and deletes. The shared rules go when the last host goes.
	 */
	unsigned hosts[2];
	bool strict_dumps;   /* NETLINK_GET_STRICT_CHK on: the kernel filters route dumps */
};

static const struct enf_ops netlink_ops;

/* ---- config ---- */

void
netlink_config_init(struct netlink_point_config *c)
{
	memset(c, 0, sizeof(*c));
	c->table = NETLINK_DEFAULT_TABLE;
	c->remediation_table = NETLINK_DEFAULT_REMEDIATION_TABLE;
	c->priority_base = NETLINK_DEFAULT_PRIORITY_BASE;
	c->priority_range = NETLINK_DEFAULT_PRIORITY_RANGE;
	c->protocol = NETLINK_DEFAULT_PROTOCOL;
	c->deny_action = NETLINK_DENY_PROHIBIT;
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Host bits of `a` beyond `len` (in the family's own bits) are all zero. */
static bool
host_bits_clear(const struct ip_addr *a, uint8_t len)
{
	unsigned off = ip_is_v4(a) ? 96 : 0;
	unsigned bit;

	for (bit = off + len; bit < 128; bit++)
		if (a->b[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	return true;
}

int
netlink_prefix_parse(const char *text, struct netlink_prefix *p)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	uint32_t len, max;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (ip_from_str(buf, &p->addr) < 0)
		return -1;
	max = ip_is_v4(&p->addr) ? 32 : 128;
	if (slash == NULL)
		len = max;
	else if (parse_u32(slash + 1, 0, max, &len) < 0)
		return -1;
	p->len = (uint8_t)len;
	return 0;
}

static bool
prefix_contains(const struct netlink_prefix *p, const struct ip_addr *a)
{
	unsigned off, bits, i;

	if (ip_is_v4(&p->addr) != ip_is_v4(a))
		return false;
	off = ip_is_v4(a) ? 12 : 0;
	bits = p->len;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p->addr.b[off + i] != a->b[off + i])
			return false;
	if (bits > 0) {
		uint8_t mask = (uint8_t)(0xffu << (8 - bits));
		if ((p->addr.b[off + i] & mask) != (a->b[off + i] & mask))
			return false;
	}
	return true;
}

static int
parse_bool(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "on")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "off")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int
add_remediation(struct netlink_point_config *c, const char *text, char *err, size_t errlen)
{
	struct netlink_prefix p;

	if (netlink_prefix_parse(text, &p) < 0) {
		snprintf(err, errlen, "netlink remediation '%s': not an IPv4 or IPv6 prefix", text);
		return -1;
	}
	if (!host_bits_clear(&p.addr, p.len)) {
		snprintf(err, errlen, "netlink remediation '%s': bits set past the prefix length "
			 "(give the network address)", text);
		return -1;
	}
	if (c->n_remediation >= NETLINK_MAX_REMEDIATION) {
		snprintf(err, errlen, "netlink remediation '%s': at most %d prefixes", text,
			 NETLINK_MAX_REMEDIATION);
		return -1;
	}
	c->remediation[c->n_remediation++] = p;
	return 0;
}

int
netlink_config_set(struct netlink_point_config *c, const char *key, const char *value,
		   char *err, size_t errlen)
{
	uint32_t v;

	if (!strcmp(key, "netns")) {
		if (strlen(value) >= sizeof(c->netns)) {
			snprintf(err, errlen, "netlink netns: name longer than %zu characters",
				 sizeof(c->netns) - 1);
			return -1;
		}
		/* A name is looked up under /run/netns; anything with a slash must be a full path. */
		if (value[0] != '/' && (strchr(value, '/') || !strcmp(value, ".") || !strcmp(value, ".."))) {
			snprintf(err, errlen, "netlink netns '%s': give a name under /run/netns or an "
				 "absolute path", value);
			return -1;
		}
		snprintf(c->netns, sizeof(c->netns), "%s", value);
		return 0;
	}
	if (!strcmp(key, "table") || !strcmp(key, "remediation_table")) {
		if (parse_u32(value, 1, UINT32_MAX, &v) < 0) {
			snprintf(err, errlen, "netlink %s '%s': not a table number 1..4294967295", key,
				 value);
			return -1;
		}
		if (!strcmp(key, "table"))
			c->table = v;
		else
			c->remediation_table = v;
		return 0;
	}
	if (!strcmp(key, "priority_base")) {
		if (parse_u32(value, 1, 32765, &v) < 0) {
			snprintf(err, errlen, "netlink priority_base '%s': not a priority 1..32765", value);
			return -1;
		}
		c->priority_base = v;
		return 0;
	}
	if (!strcmp(key, "priority_range")) {
		if (parse_u32(value, SLOT_COUNT, 1000, &v) < 0) {
			snprintf(err, errlen, "netlink priority_range '%s': not a number %d..1000", value,
				 SLOT_COUNT);
			return -1;
		}
		c->priority_range = v;
		return 0;
	}
	if (!strcmp(key, "protocol")) {
		/* 0..4 are the kernel's own (unspec, redirect, kernel, boot, static). */
		if (parse_u32(value, 5, 255, &v) < 0) {
			snprintf(err, errlen, "netlink protocol '%s': not a rule protocol 5..255", value);
			return -1;
		}
		c->protocol = (uint8_t)v;
		return 0;
	}
	if (!strcmp(key, "deny_action")) {
		if (!strcmp(value, "prohibit"))
			c->deny_action = NETLINK_DENY_PROHIBIT;
		else if (!strcmp(value, "blackhole"))
			c->deny_action = NETLINK_DENY_BLACKHOLE;
		else if (!strcmp(value, "unreachable"))
			c->deny_action = NETLINK_DENY_UNREACHABLE;
		else {
			snprintf(err, errlen, "netlink deny_action '%s': prohibit, blackhole or unreachable",
				 value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "remove_extra")) {
		if (parse_bool(value, &c->remove_extra) < 0) {
			snprintf(err, errlen, "netlink remove_extra '%s': yes or no", value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "remediation")) {
		char list[512];
		char *save = NULL, *tok;

		if (strlen(value) >= sizeof(list)) {
			snprintf(err, errlen, "netlink remediation: list too long");
			return -1;
		}
		snprintf(list, sizeof(list), "%s", value);
		for (tok = strtok_r(list, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
			if (add_remediation(c, tok, err, errlen) < 0)
				return -1;
		return 0;
	}
	snprintf(err, errlen, "netlink: unknown key '%s'", key);
	return -1;
}

int
netlink_config_validate(const struct netlink_point_config *c, char *err, size_t errlen)
{
	unsigned i;

	if (c->priority_range < SLOT_COUNT) {
		snprintf(err, errlen, "netlink priority_range %u: needs at least %d priorities",
			 c->priority_range, SLOT_COUNT);
		return -1;
	}
	/* Must stay between the local table's rule (0) and main's (32766). */
	if (c->priority_base < 1 || (uint64_t)c->priority_base + c->priority_range - 1 > 32765) {
		snprintf(err, errlen, "netlink priorities %u..%u: must lie within 1..32765 (before the "
			 "main table's rule)", c->priority_base,
			 c->priority_base + c->priority_range - 1);
		return -1;
	}
	/* Cordon's table holds nothing but its own routes: never one the system uses. */
	if (c->table == 0 || (c->table >= 253 && c->table <= 255)) {
		snprintf(err, errlen, "netlink table %u: must be a table of Cordon's own, not 0, "
			 "default (253), main (254) or local (255)", c->table);
		return -1;
	}
	if (c->remediation_table == 0 || c->remediation_table == c->table) {
		snprintf(err, errlen, "netlink remediation_table %u: must be a routing table other "
			 "than Cordon's own (%u)", c->remediation_table, c->table);
		return -1;
	}
	if (c->protocol <= 4) {
		snprintf(err, errlen, "netlink protocol %u: reserved for the kernel", c->protocol);
		return -1;
	}
	if (c->n_remediation > NETLINK_MAX_REMEDIATION) {
		snprintf(err, errlen, "netlink: at most %d remediation prefixes", NETLINK_MAX_REMEDIATION);
		return -1;
	}
	for (i = 0; i < c->n_remediation; i++) {
		uint8_t max = ip_is_v4(&c->remediation[i].addr) ? 32 : 128;
		if (c->remediation[i].len > max || !host_bits_clear(&c->remediation[i].addr,
								  c->remediation[i].len)) {
			char a[64];
			snprintf(err, errlen, "netlink remediation %s/%u: not a network prefix",
				 ip_to_str(&c->remediation[i].addr, a, sizeof(a)), c->remediation[i].len);
			return -1;
		}
	}
	return 0;
}

/* ---- objects ---- */

static unsigned
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
static uint8_t
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

static void
kernel_to_addr(uint8_t family, const uint8_t bytes[16], struct ip_addr *a)
{
	if (family == AF_INET)
		ip_from_v4(a, bytes);
	else
		memcpy(a->b, bytes, 16);
}

/* The shared rules of `family`, in the order they are added. */
static unsigned
shared_objs(const struct netlink_point_config *c, uint8_t family, struct fib_obj out[MAX_SHARED])
{
	unsigned n = 0, i;

	memset(out, 0, sizeof(struct fib_obj) * MAX_SHARED);
	for (i = 0; i < c->n_remediation; i++) {
		const struct netlink_prefix *r = &c->remediation[i];
		uint8_t rb[16];

		if (addr_to_kernel(&r->addr, rb) != family)
			continue;
		out[n].kind = OBJ_RULE;
		out[n].family = family;
		out[n].action = FR_ACT_TO_TBL;
		out[n].table = c->remediation_table;
		out[n].prio = c->priority_base + SLOT_TO_REMEDIATION;
		memcpy(out[n].dst, rb, 16);
		out[n].dst_len = r->len;
		n++;
		out[n].kind = OBJ_RULE;
		out[n].family = family;
		out[n].action = FR_ACT_TO_TBL;
		out[n].table = c->remediation_table;
		out[n].prio = c->priority_base + SLOT_FROM_REMEDIATION;
		memcpy(out[n].src, rb, 16);
		out[n].src_len = r->len;
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
static void
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

static int
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
static void
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
static bool
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

static int
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
static void
vec_sort(struct obj_vec *v)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(*v->v), fib_obj_cmp);
}

static bool
vec_contains(const struct obj_vec *v, const struct fib_obj *s)
{
	return v->n > 0 && bsearch(s, v->v, v->n, sizeof(*v->v), fib_obj_cmp) != NULL;
}

static void
vec_free(struct obj_vec *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

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
static int
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
static int
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

static enum enf_status
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

static const char *
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
static int
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
static void
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

/* ---- the enforcement point ---- */

static int
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

static struct netlink_impl *
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
static unsigned
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
static void
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

static void
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
static bool
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
		if (prefix_contains(&im->cfg.remediation[i], &l->host.ip)) {
			char r[INET6_ADDRSTRLEN];
			res->status = ENF_REFUSED;
			snprintf(res->message, sizeof(res->message), "%s %s: inside remediation prefix "
				 "%s/%u, which must stay reachable", op, a,
				 ip_to_str(&im->cfg.remediation[i].addr, r, sizeof(r)),
				 im->cfg.remediation[i].len);
			return false;
		}
	}
	return true;
}

/*
 * Removes the shared rules of a family once no host of it is isolated.
 * Returns 0, or the first kernel error (the text of the rule in `what`).
 */
static int
remove_shared(struct netlink_impl *im, uint8_t family, char *what, size_t whatlen)
{
	struct fib_obj shared[MAX_SHARED];
	unsigned n = shared_objs(&im->cfg, family, shared), i;
	int first = 0;

	for (i = n; i-- > 0;) {
		int rc = kernel_del(im, &shared[i]);
		if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && first == 0) {
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
static int
ensure_shared(struct netlink_impl *im, uint8_t family, char *what, size_t whatlen)
{
	struct fib_obj shared[MAX_SHARED];
	unsigned n, i;

	n = shared_objs(&im->cfg, family, shared);
	for (i = 0; i < n; i++) {
		int rc = kernel_add(im, &shared[i]);
		if (rc < 0 && rc != -NLE_EXIST) {
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
		if (rc == -NLE_EXIST) {
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
		    (rc == -NLE_INVAL || rc == -NLE_OPNOTSUPP))
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
		} else if (rc != -NLE_OBJ_NOTFOUND && failed++ == 0) {
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
		nl_socket_free(im->sk);
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

/* ---- reconcile ---- */

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
	why = r == -NLE_EXIST ? "an object with the same selectors (another action, type or "
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
	if (r == 0 || r == -NLE_OBJ_NOTFOUND) {
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
