/*
 * netlink: the local enforcement point. Where Cordon runs on (or next to) the
 * router of a segment, it isolates a host with policy-routing (FIB) rules in
 * that router's kernel instead of moving a switch port. This header is the
 * whole interface; only netlink.c includes libnl.
 *
 * Rule layout for an isolated host H, per address family, with B the
 * configured priority base and T the configured lookup table:
 *
 *   pref B+0  from H to R  lookup T     one per remediation prefix R
 *   pref B+1  from R to H  lookup T     one per remediation prefix R
 *   pref B+2  from H       prohibit     (or blackhole / unreachable)
 *   pref B+3  to H         prohibit
 *
 * every rule tagged with the configured rule protocol (FRA_PROTOCOL), added
 * with NLM_F_EXCL so that an identical rule is never added twice. A rule is
 * Cordon's when its priority lies in [B, B + range) and it carries Cordon's
 * protocol. See docs/netlink.md.
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

#define NETLINK_MAX_REMEDIATION 8
#define NETLINK_NETNS_LEN 256
#define NETLINK_RULE_TEXT_LEN 160

/* Defaults; see docs/netlink.md for why these numbers. */
#define NETLINK_DEFAULT_TABLE 254          /* main */
#define NETLINK_DEFAULT_PRIORITY_BASE 9100
#define NETLINK_DEFAULT_PRIORITY_RANGE 10
#define NETLINK_DEFAULT_PROTOCOL 77        /* unassigned in iproute2's rt_protos */

/* A prefix; `addr` is IPv4-mapped for IPv4, `len` counts the family's own bits. */
struct netlink_prefix {
	struct ip_addr addr;
	uint8_t len;
};

enum netlink_deny_action {
	NETLINK_DENY_PROHIBIT = 0,   /* ICMP administratively prohibited: a fast, visible refusal */
	NETLINK_DENY_BLACKHOLE,      /* silent drop */
	NETLINK_DENY_UNREACHABLE,    /* ICMP network unreachable */
};

/* Plain data: copied by netlink_point_new. */
struct netlink_point_config {
	char netns[NETLINK_NETNS_LEN];  /* "" = the daemon's own; a name under /run/netns; or a path */
	uint32_t table;                 /* table the remediation rules look up */
	uint32_t priority_base;
	uint32_t priority_range;        /* >= 4; every rule in the range with our protocol is ours */
	uint8_t protocol;               /* FRA_PROTOCOL value marking Cordon's rules */
	enum netlink_deny_action deny_action;
	bool remove_extra;              /* reconcile removes Cordon rules no state accounts for */
	unsigned n_remediation;
	struct netlink_prefix remediation[NETLINK_MAX_REMEDIATION];
};

/* Fills `c` with the defaults: own namespace, no remediation prefix. */
void netlink_config_init(struct netlink_point_config *c);

/*
 * Sets one config key from its text value (the daemon's config file and the
 * test tool both go through here). Keys: netns, table, priority_base,
 * priority_range, protocol, deny_action (prohibit|blackhole|unreachable),
 * remove_extra (yes|no|true|false|1|0), remediation (a prefix, or several
 * separated by commas; appended). Returns 0, or -1 with `err` naming the key
 * and the value.
 */
int netlink_config_set(struct netlink_point_config *c, const char *key, const char *value,
		       char *err, size_t errlen);

/* Checks the config as a whole (ranges, overlaps). Returns 0, or -1 with `err`. */
int netlink_config_validate(const struct netlink_point_config *c, char *err, size_t errlen);

/* Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (a host prefix). */
int netlink_prefix_parse(const char *text, struct netlink_prefix *p);

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
 * Writes the rules Cordon installs for `host` on this point, one per line,
 * in `ip rule` syntax, into buf. Returns the number of rules.
 */
unsigned netlink_describe_rules(const struct enf_point *p, const struct ip_addr *host,
				char *buf, size_t buflen);

enum netlink_diff_kind {
	NETLINK_DIFF_MISSING,    /* a rule the state needs was absent from the kernel */
	NETLINK_DIFF_EXTRA,      /* a Cordon rule that no isolated host accounts for */
	NETLINK_DIFF_DUPLICATE,  /* a second identical Cordon rule */
};

/* One difference between the state and the kernel; valid only during the callback. */
struct netlink_diff {
	enum netlink_diff_kind kind;
	bool fixed;                  /* missing: re-installed; extra/duplicate: removed */
	bool has_host;               /* false for an extra rule whose shape is not Cordon's */
	struct ip_addr host;
	char rule[NETLINK_RULE_TEXT_LEN];   /* "pref 9102 from 192.0.2.7 prohibit" */
	char message[ENF_DETAIL_LEN];       /* what was found and what was done */
};

typedef void (*netlink_diff_fn)(void *arg, const struct netlink_diff *d);

struct netlink_reconcile_stats {
	unsigned hosts;           /* locations of this point in the state */
	unsigned rules_expected;  /* rules those hosts need */
	unsigned rules_found;     /* Cordon rules in the kernel before reconciling */
	unsigned missing;         /* needed and absent */
	unsigned reinstalled;     /* of those, added again */
	unsigned extra;           /* Cordon rules no host accounts for, duplicates included */
	unsigned duplicates;
	unsigned removed;         /* extra rules deleted (only with remove_extra) */
	unsigned errors;          /* kernel requests that failed */
};

/*
 * Compares the kernel's Cordon rules with `isolated` (the n locations the
 * daemon's state says are isolated; locations of other points are skipped).
 * Re-installs every missing rule; reports extra and duplicate rules and
 * removes them only when the config says remove_extra. Every difference goes
 * to `report` (may be NULL). `stats` (may be NULL) receives the counts.
 * Returns 0 when the kernel now holds every rule the state needs (extra rules
 * kept by configuration do not count as failure), -1 otherwise with `err`
 * naming the first failure.
 */
int netlink_reconcile(struct enf_point *p, const struct enf_location *isolated, size_t n,
		      netlink_diff_fn report, void *arg, struct netlink_reconcile_stats *stats,
		      char *err, size_t errlen);

/* Counts Cordon's rules in the kernel, per family. Returns 0, or -1 with `err`. */
int netlink_count_rules(struct enf_point *p, unsigned *v4, unsigned *v6, char *err, size_t errlen);

#endif
