/* SPDX-License-Identifier: ISC */
/*
 * enforce: the one interface behind which every enforcement point sits: SNMP
 * switches (Q-BRIDGE-MIB, Cisco VLAN membership) and the local netlink
 * backend. The controller sees only this header.
 *
 * An isolation is done in steps so that the controller can record each one
 * before it acts (the registry writes the location and the original state
 * before the change, so that a crash in between can be finished or undone):
 *
 *   locate(host)            -> where the host is and what is there now
 *   isolate(location)       -> apply the quarantine, read it back
 *   release(location)       -> restore what locate found, read it back
 *   check(location)         -> is the quarantine still in place?
 *
 * Every operation completes through its callback, exactly once: at once
 * (netlink) or later from the event loop (SNMP). The callback may start the
 * next operation. An operation that cannot even start still calls back.
 */
#ifndef CORDON_ENFORCE_H
#define CORDON_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"   /* struct ip_addr */

#define ENF_NAME_LEN 64
#define ENF_DETAIL_LEN 256
/*
 * Tagged memberships a location records (a phone's voice VLAN on a PC's
 * port). Locate refuses a port tagged in two VLANs or more as a trunk
 * (snmp_decide.c), so an access port has at most one; the bound is the stored
 * format's, and a location with more is refused rather than cut.
 */
#define ENF_MAX_TAGGED 4
#define ENF_MAX_PORT_MACS 8    /* MACs behind a shared port that a location lists */

enum enf_status {
	ENF_OK = 0,
	ENF_NOT_FOUND,      /* the host is not behind this point (no port learns its MAC) */
	ENF_REFUSED,        /* found on a port that must not be touched (uplink, trunk) */
	ENF_TIMEOUT,        /* the point did not answer (after its retries) */
	ENF_DENIED,         /* the point refused: wrong community/credentials, read-only */
	ENF_MISMATCH,       /* the read-back differs from what was set or recorded */
	ENF_BAD_REQUEST,    /* e.g. a VLAN the switch does not have */
	ENF_ERROR,          /* anything else; the message says what */
};

/*
 * Whether a point keeps quarantined hosts apart from each other, as its
 * write probe found out: only where a MIB tells (a Cisco private VLAN's type);
 * ENF_APART_UNTOLD elsewhere (docs/snmp.md, "Quarantined hosts kept apart").
 */
enum enf_apart {
	ENF_APART_UNTOLD = 0,
	ENF_APART_YES,      /* the quarantine VLAN is an isolated private VLAN */
	ENF_APART_NO,       /* it is a VLAN of another type: its hosts reach each other */
};

/* A host to find: its address and, when a sensor saw its frames, its MAC. */
struct enf_host {
	struct ip_addr ip;
	bool has_mac;
	uint8_t mac[6];
	/*
	 * locate: read the point's tables now rather than answer from a view
	 * it cached (checking whether a host moved: a cached view would show
	 * it where it was). Not stored with a location.
	 */
	bool fresh;
};

/*
 * Where a host is isolated and what undoes it. The controller stores this
 * whole (it is plain data) and hands it back for isolate/release/check, also
 * after a restart.
 */
struct enf_location {
	char point[ENF_NAME_LEN];    /* enforcement point name from the config */
	char port[ENF_NAME_LEN];     /* switch: ifName; netlink: "" */
	int32_t ifindex;             /* switch: ifIndex; netlink: 0 */
	int32_t bridge_port;         /* switch: dot1dBasePort; netlink: 0 */
	int32_t orig_vlan;           /* switch: VLAN before isolation; netlink: -1 */
	int32_t quarantine_vlan;     /* switch: the quarantine VLAN; netlink: -1 */
	/*
	 * switch: the VLANs the port was a tagged (egress, not untagged) member
	 * of before isolation, removed while isolated and put back on release;
	 * the first norig_tagged are valid (1..4094, distinct, none the
	 * original or quarantine VLAN). netlink: 0.
	 */
	int32_t orig_tagged[ENF_MAX_TAGGED];
	uint32_t norig_tagged;
	/*
	 * switch: the distinct MACs learned on the port when it was located,
	 * the host's own included: more than one is a shared port (an IP phone
	 * and its PC, a small switch), whose isolation cuts them all off. The
	 * first min(nport_macs, ENF_MAX_PORT_MACS) are listed. netlink: 0.
	 */
	uint8_t port_macs[ENF_MAX_PORT_MACS][6];
	uint32_t nport_macs;
	struct enf_host host;
	char detail[ENF_DETAIL_LEN]; /* human-readable: "swp3 VLAN 10 (tagged 20) -> 999" or the rules */
};

struct enf_result {
	enum enf_status status;
	char message[ENF_DETAIL_LEN];  /* for the operator: what happened, never a secret */
	struct enf_location loc;       /* locate: filled; others: the location as it is now */
	enum enf_apart apart;          /* the write probe: does the quarantine keep hosts apart? */
};

/* `res` is valid only during the call. */
typedef void (*enf_done_fn)(void *arg, const struct enf_result *res);

struct enf_point;

struct enf_ops {
	const char *kind;   /* "snmp-qbridge", "snmp-cisco", "netlink", ... */
	void (*locate)(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg);
	void (*isolate)(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg);
	void (*release)(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg);
	void (*check)(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg);
	/*
	 * Optional (NULL when the point holds nothing of Cordon's beyond what
	 * check reads host by host). At start: compares everything of
	 * Cordon's that the point holds with `isolated`, the n locations the
	 * state says are isolated (or being isolated or released) there; puts
	 * back what is missing, removes what no location accounts for only
	 * when the point is configured to, and reports every difference
	 * through `report`. Synchronous. Returns 0, or -1 with err.
	 */
	int (*reconcile)(struct enf_point *p, const struct enf_location *isolated, size_t n,
	    void (*report)(void *arg, const char *message), void *arg, char *err, size_t errlen);
	void (*destroy)(struct enf_point *p);
};

struct enf_point {
	const struct enf_ops *ops;
	char name[ENF_NAME_LEN];
	void *impl;          /* owned by the backend */
};

const char *enf_status_name(enum enf_status s);

/*
 * The location's tagged VLANs as text, "20,30" ("" when none), as stored by
 * the registry and shown to the operator. Returns snprintf's count.
 */
int enf_tagged_text(const struct enf_location *l, char *buf, size_t len);
/*
 * Parses enf_tagged_text's form into l->orig_tagged/norig_tagged (NULL or ""
 * is none). -1, with l unchanged, when it is not a list of at most
 * ENF_MAX_TAGGED distinct VLAN IDs 1..4094.
 */
int enf_tagged_parse(const char *s, struct enf_location *l);

/*
 * The port's MACs as stored: "N" then ",aa:bb:cc:dd:ee:ff" for each listed
 * ("0" or "" for none). Returns snprintf's count.
 */
int enf_port_macs_text(const struct enf_location *l, char *buf, size_t len);
/* Parses that form into l->port_macs/nport_macs; -1, with l unchanged, when malformed. */
int enf_port_macs_parse(const char *s, struct enf_location *l);
/* Whether two locations are the same switch port (never for netlink locations). */
bool enf_same_port(const struct enf_location *a, const struct enf_location *b);

static inline void
enf_locate(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg)
{
	p->ops->locate(p, h, cb, arg);
}

static inline void
enf_isolate(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	p->ops->isolate(p, l, cb, arg);
}

static inline void
enf_release(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	p->ops->release(p, l, cb, arg);
}

static inline void
enf_check(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	p->ops->check(p, l, cb, arg);
}

/* Frees the point and its backend state. */
void enf_destroy(struct enf_point *p);

#endif
