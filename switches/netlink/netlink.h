/* SPDX-License-Identifier: ISC */
/*
 * netlink: the local enforcement point. Where Cordon runs on (or next to) the
 * router of a segment, it isolates a host with policy-routing (FIB) rules in
 * that router's kernel instead of moving a switch port. This header is the
 * whole interface; the modules of switches/netlink/ implement it, and only
 * nl_kernel.c and nl_dump.c include libnl.
 *
 * Layout, per address family, with B the configured priority base, T
 * Cordon's own routing table and M the table that routes to the remediation
 * network (main by default):
 *
 *   shared, while at least one host of the family is isolated:
 *     rule  pref B+0  to R lookup M        one per remediation prefix R
 *     rule  pref B+1  from R lookup M      one per remediation prefix R
 *     rule  pref B+2  lookup T             consult Cordon's table
 *   per isolated IPv4 host H:
 *     rule  pref B+3  from H prohibit      its traffic, wherever it goes
 *     route prohibit H table T             traffic towards it
 *   per isolated IPv6 host H:
 *     route prohibit ::/0 from H table T   its traffic (a source-specific route)
 *     route prohibit H table T             traffic towards it
 *
 * (prohibit, or blackhole / unreachable by configuration). Every object is
 * tagged with the configured protocol and added with NLM_F_EXCL, so an
 * identical object is never added twice. An object is Cordon's when it
 * carries Cordon's protocol and is a rule in [B, B + range) or a route in T.
 * Hosts get routes rather than rules wherever a route can do it, because the
 * kernel keeps rules in a list that every rule change walks (the cost grows
 * with the number of isolated hosts) while routes live in a trie; only the
 * source of an IPv4 packet needs a rule. IPv6 source-specific routes need a
 * kernel with CONFIG_IPV6_SUBTREES. See docs/netlink.md.
 *
 * All operations are synchronous: the enf_done_fn is called before the
 * operation returns.
 */
#ifndef CORDON_SWITCHES_NETLINK_H
#define CORDON_SWITCHES_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce.h"
#include "prefix.h"

#define NETLINK_MAX_REMEDIATION 8
#define NETLINK_NETNS_LEN 256
#define NETLINK_RULE_TEXT_LEN 160

/* Defaults; see docs/netlink.md for why these numbers. */
#define NETLINK_DEFAULT_TABLE 9100         /* Cordon's own table */
#define NETLINK_DEFAULT_REMEDIATION_TABLE 254   /* main */
#define NETLINK_DEFAULT_PRIORITY_BASE 9100
#define NETLINK_DEFAULT_PRIORITY_RANGE 10
#define NETLINK_DEFAULT_PROTOCOL 77        /* unassigned in iproute2's rt_protos */

enum netlink_deny_action {
	NETLINK_DENY_PROHIBIT = 0,   /* ICMP administratively prohibited: a fast, visible refusal */
	NETLINK_DENY_BLACKHOLE,      /* silent drop */
	NETLINK_DENY_UNREACHABLE,    /* ICMP network unreachable */
};

/* Plain data: copied by netlink_point_new. */
struct netlink_point_config {
	char netns[NETLINK_NETNS_LEN];  /* "" = the daemon's own; a name under /run/netns; or a path */
	uint32_t table;                 /* Cordon's own table: the per-host routes */
	uint32_t remediation_table;     /* the table that routes to the remediation prefixes */
	uint32_t priority_base;
	uint32_t priority_range;        /* >= 4; every rule in the range with our protocol is ours */
	uint8_t protocol;               /* FRA_PROTOCOL value marking Cordon's rules */
	enum netlink_deny_action deny_action;
	bool remove_extra;              /* reconcile removes Cordon rules no state accounts for */
	unsigned n_remediation;
	struct prefix remediation[NETLINK_MAX_REMEDIATION];   /* network addresses (PREFIX_NETWORK) */
};

/* Fills `c` with the defaults: own namespace, no remediation prefix. */
void netlink_config_init(struct netlink_point_config *c);

/*
 * Sets one config key from its text value (the daemon's config file and the
 * test tool both go through here). Keys: netns, table, remediation_table, priority_base,
 * priority_range, protocol, deny_action (prohibit|blackhole|unreachable),
 * remove_extra (yes|no|true|false|1|0), remediation (a prefix, or several
 * separated by commas; appended). Returns 0, or -1 with `err` naming the key
 * and the value.
 */
int netlink_config_set(struct netlink_point_config *c, const char *key, const char *value,
		       char *err, size_t errlen);

/* Checks the config as a whole (ranges, overlaps). Returns 0, or -1 with `err`. */
int netlink_config_validate(const struct netlink_point_config *c, char *err, size_t errlen);

/*
 * Makes the netlink enforcement point `name`: validates `cfg`, opens a
 * NETLINK_ROUTE socket inside the configured namespace and checks that the
 * kernel answers a rule dump there. Returns a point the caller owns (free it
 * with enf_destroy), or NULL with `err` saying why.
 */
struct enf_point *netlink_point_new(const char *name, const struct netlink_point_config *cfg,
				    char *err, size_t errlen);

/* True when `p` was made by netlink_point_new. */
bool netlink_point_is(const struct enf_point *p);

/* The config the point runs with (owned by the point). */
const struct netlink_point_config *netlink_point_config(const struct enf_point *p);

/*
 * Writes what Cordon installs for `host` on this point (the shared rules of
 * its family, then its own rule and route), one per line in `ip` syntax,
 * into buf. Returns the number of objects.
 */
unsigned netlink_describe(const struct enf_point *p, const struct ip_addr *host,
			  char *buf, size_t buflen);

enum netlink_diff_kind {
	NETLINK_DIFF_MISSING,    /* a rule or route the state needs was absent from the kernel */
	NETLINK_DIFF_EXTRA,      /* a Cordon object that no isolated host accounts for */
	NETLINK_DIFF_DUPLICATE,  /* a second identical Cordon object */
};

/* One difference between the state and the kernel; valid only during the callback. */
struct netlink_diff {
	enum netlink_diff_kind kind;
	bool fixed;                  /* missing: re-installed; extra/duplicate: removed */
	bool has_host;               /* false for shared rules and shapes Cordon never makes */
	struct ip_addr host;
	char object[NETLINK_RULE_TEXT_LEN]; /* "rule pref 9103 from 192.0.2.7 prohibit" */
	char message[ENF_DETAIL_LEN];       /* what was found and what was done */
};

typedef void (*netlink_diff_fn)(void *arg, const struct netlink_diff *d);

struct netlink_reconcile_stats {
	unsigned hosts;           /* locations of this point in the state */
	unsigned expected;        /* rules and routes those hosts need */
	unsigned found;           /* Cordon rules and routes in the kernel before reconciling */
	unsigned missing;         /* needed and absent */
	unsigned reinstalled;     /* of those, added again */
	unsigned extra;           /* Cordon objects no host accounts for, duplicates included */
	unsigned duplicates;
	unsigned removed;         /* extra objects deleted (only with remove_extra) */
	unsigned errors;          /* kernel requests that failed */
};

/*
 * Compares the kernel's Cordon rules and routes with `isolated` (the n locations the
 * daemon's state says are isolated; locations of other points are skipped).
 * Re-installs everything missing; reports extra and duplicate objects and
 * removes them only when the config says remove_extra. Every difference goes
 * to `report` (may be NULL). `stats` (may be NULL) receives the counts.
 * Returns 0 when the kernel now holds everything the state needs (extra objects
 * kept by configuration do not count as failure), -1 otherwise with `err`
 * naming the first failure.
 */
int netlink_reconcile(struct enf_point *p, const struct enf_location *isolated, size_t n,
		      netlink_diff_fn report, void *arg, struct netlink_reconcile_stats *stats,
		      char *err, size_t errlen);

struct netlink_counts {
	unsigned rules4, rules6;     /* Cordon rules, shared ones included */
	unsigned routes4, routes6;   /* Cordon routes in its table */
	unsigned hosts4, hosts6;     /* hosts with their `from H` rule */
};

/* Counts Cordon's objects in the kernel. Returns 0, or -1 with `err`. */
int netlink_count(struct enf_point *p, struct netlink_counts *out, char *err, size_t errlen);

#endif
