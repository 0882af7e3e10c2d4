/* SPDX-License-Identifier: ISC */
/*
 * snmp: SNMP-managed switches as enforcement points (enforce.h).
 *
 * One point per switch. Operations run asynchronously on the caller's
 * event loop (common/loop.h) and complete through their enf_done_fn from that loop
 * (never from inside the call that starts them). Per switch, operations run
 * in arrival order (a queue of at most `max_queue`), never two at once,
 * because an isolation reads and rewrites VLAN membership bitmaps that a
 * concurrent operation on the same switch would overwrite; isolations and
 * releases queued back to back for distinct ports run together as one batch
 * (one GET, one SET, one read-back GET; a refused batch SET is retried port by
 * port). Switches run independently of each other, so a slow or dead switch
 * delays only its own queue.
 *
 *   locate   walks the switch's forwarding tables (Q-BRIDGE-MIB, else
 *            BRIDGE-MIB; Cisco: per VLAN context too), bridge ports, port
 *            names, VLANs and memberships, LLDP neighbours, and decides from
 *            them as a whole (snmp_view.h): the MAC's port (ifName), its
 *            access VLAN and the VLAN it was learned in. Refuses
 *            (ENF_REFUSED), with the reason, configured uplinks, trunks
 *            (tagged memberships, Cisco trunk status, too many MACs or
 *            VLANs), ports behind an LLDP bridge or router, and port
 *            identities that are ambiguous. The tables are cached for
 *            fdb_cache_ms; a MAC missing from the cache triggers one fresh
 *            walk.
 *   isolate  reads the port's VLAN (stored as orig_vlan) and its tagged
 *            memberships (orig_tagged), sets the quarantine VLAN and takes
 *            the tagged memberships away (driver qbridge: dot1qPvid plus the
 *            egress/untagged bitmaps of both VLANs and of the tagged ones in
 *            the same SET; driver cisco: vmVlan, and vmVoiceVlanId none),
 *            optionally bounces the port (ifAdminStatus down, pause, up),
 *            reads back.
 *   release  restores orig_vlan and orig_tagged the same way and reads back.
 *   check    reads the port's VLAN (and tagged VLANs): ENF_OK while it is the
 *            quarantine VLAN and no recorded tagged membership is back.
 *
 * When a point is created it sends a write probe (reads sysLocation.0 and
 * sysObjectID.0, writes the same sysLocation.0 back, wants the answer to echo
 * it and reads it back) and reports through `probe_cb` whether it may write:
 * a read-only community or v3 user, or an agent that does not echo the value,
 * is reported at once (ENF_DENIED). Driver auto takes the driver and vendor
 * quirks from sysObjectID (snmp_vendor.h).
 *
 * Secrets (community, v3 pass phrases) are never put in a message or log.
 * See docs/snmp.md for OIDs, drivers and config keys.
 */
#ifndef CORDON_SWITCHES_SNMP_H
#define CORDON_SWITCHES_SNMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce.h"

struct loop;

#define SNMPSW_ADDR_LEN 128
#define SNMPSW_SECRET_LEN 128
#define SNMPSW_USER_LEN 64
#define SNMPSW_MAX_UPLINKS 32

enum snmpsw_version { SNMPSW_V2C = 0, SNMPSW_V3 };

enum snmpsw_driver {
	SNMPSW_DRIVER_QBRIDGE = 0,   /* Q-BRIDGE-MIB dot1qPvid + membership bitmaps */
	SNMPSW_DRIVER_CISCO,         /* CISCO-VLAN-MEMBERSHIP-MIB vmVlan */
	SNMPSW_DRIVER_AUTO,          /* one of them, chosen from sysObjectID (snmp_vendor.c) */
};

/* Plain data: copied by snmpsw_point_new. */
struct snmpsw_config {
	char name[ENF_NAME_LEN];           /* the point's name in results and messages */
	char address[SNMPSW_ADDR_LEN];     /* IPv4/IPv6 literal or host name */
	uint16_t port;                     /* UDP port, 161 */
	enum snmpsw_version version;
	char community[SNMPSW_SECRET_LEN]; /* v2c, read-write; secret */
	char v3_user[SNMPSW_USER_LEN];     /* v3: authPriv with HMAC-SHA-96 and AES-128 */
	char v3_auth_pass[SNMPSW_SECRET_LEN]; /* secret, >= 8 characters */
	char v3_priv_pass[SNMPSW_SECRET_LEN]; /* secret, >= 8 characters */
	unsigned timeout_ms;               /* per attempt (1000) */
	unsigned retries;                  /* attempts after the first (2) */
	int32_t quarantine_vlan;           /* 1..4094, required */
	unsigned n_uplinks;
	char uplinks[SNMPSW_MAX_UPLINKS][ENF_NAME_LEN]; /* ifNames never touched */
	unsigned max_macs_per_port;        /* more learned MACs: a trunk, never touched (4) */
	bool bounce;                       /* ifAdminStatus down/up after a move (off) */
	unsigned bounce_pause_ms;          /* time the port stays down (1000) */
	unsigned fdb_cache_ms;             /* forwarding-table cache lifetime (5000) */
	unsigned max_queue;                /* operations waiting per switch (4096) */
	enum snmpsw_driver driver;
};

/* Fills `c` with the defaults above (no name, address, credentials or VLAN). */
void snmpsw_config_init(struct snmpsw_config *c);

/*
 * Sets one key from its text value (config file, test tools). Keys: name,
 * address, port, version (2c|3), community, v3_user, v3_auth_pass,
 * v3_priv_pass, timeout_ms, retries, quarantine_vlan, uplinks (comma
 * separated ifNames, appended), max_macs_per_port, bounce (yes|no|true|false|
 * 1|0), bounce_pause_ms, fdb_cache_ms, max_queue, driver (qbridge|cisco|auto).
 * Returns 0, or -1 with `err` naming the key (and the value unless secret).
 */
int snmpsw_config_set(struct snmpsw_config *c, const char *key, const char *value,
		      char *err, size_t errlen);

/* Checks the config as a whole; 0 or -1 with `err`. */
int snmpsw_config_check(const struct snmpsw_config *c, char *err, size_t errlen);

/*
 * Once per process, before the first point: net-snmp's persistent directory
 * becomes `state_dir` (created 0700 when missing) so that nothing is written
 * to /var/lib/snmp, and neither the host's snmp.conf nor MIB files are read.
 */
int snmpsw_global_init(const char *state_dir, char *err, size_t errlen);
/* After every point is destroyed. */
void snmpsw_global_shutdown(void);

/*
 * Creates the point for one switch on `loop` (borrowed; must outlive the
 * point) and starts the write probe, whose outcome is reported once through
 * `probe_cb(probe_arg, res)` from the loop (NULL: not reported). Returns a
 * point owned by the caller (enf_destroy), or NULL with `err` filled.
 * Destroying a point (enf_destroy) completes its queued and running
 * operations with ENF_ERROR ("destroyed"); it may be done from one of the
 * point's own callbacks. An operation started on a point while it is being
 * destroyed completes at once, from inside the call, with ENF_ERROR.
 */
struct enf_point *snmpsw_point_new(struct loop *loop, const struct snmpsw_config *cfg,
				   enf_done_fn probe_cb, void *probe_arg,
				   char *err, size_t errlen);

struct snmpsw_stats {
	uint64_t ops_started, ops_done;
	uint64_t requests, sends, retries, timeouts, agent_errors;
	uint64_t rediscoveries;        /* SNMPv3: sessions reopened for the agent's new engine ID */
	uint64_t fdb_walks;
	size_t queued;                 /* operations waiting now */
	enum enf_status probe;         /* the write probe's outcome; ENF_ERROR while pending */
	bool probe_done;
};

/* `p` must be a point made by snmpsw_point_new. */
void snmpsw_point_stats(const struct enf_point *p, struct snmpsw_stats *out);

/* One port as the survey sees it (snmp_view.h: the rules locate applies). */
struct snmpsw_port {
	char port[ENF_NAME_LEN];   /* ifName, ifDescr or "ifIndex N" */
	int32_t bridge_port, ifindex;
	int32_t vlan;              /* its access VLAN; 0: not readable */
	unsigned macs;             /* distinct MACs learned on it */
	bool access;               /* locate would name it; else `why` says why not */
	char why[ENF_DETAIL_LEN];
};

struct snmpsw_survey {
	enum enf_status status;
	char message[ENF_DETAIL_LEN];
	const char *vendor, *driver;   /* the family (snmp_vendor.c) and driver in use; static */
	const struct snmpsw_port *ports; /* borrowed for the callback only */
	size_t nports;
	size_t fdb_rows;
	size_t unresolved_rows;        /* rows whose port number is ambiguous or no bridge port */
	size_t silent_contexts;        /* Cisco per-VLAN contexts that did not answer */
};

typedef void (*snmpsw_survey_fn)(void *arg, const struct snmpsw_survey *s);

/*
 * Reads the switch as locate does (a fresh walk) and reports every bridge port:
 * name, VLAN, MACs, and whether locate would take it for an access port or
 * why not (trunk, uplink, LLDP neighbour). Changes nothing. Queued like the
 * other operations; `cb` is called once, from the loop (or from inside the
 * call when the point is being destroyed or memory is short).
 */
void snmpsw_point_survey(struct enf_point *p, snmpsw_survey_fn cb, void *arg);

#endif
