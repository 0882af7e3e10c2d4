/* SPDX-License-Identifier: ISC */
/*
 * snmp_int.h: what the SNMP point's modules share, inside switches/snmp/ only
 * (the API is snmp.h): the state of a point (struct sw), of an operation
 * (struct op) and of a batch of moves (struct batch), and the shape of a
 * driver (struct driver, whose two instances are in snmp_driver.c).
 */
#ifndef CORDON_SNMP_INT_H
#define CORDON_SNMP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "enforce.h"
#include "snmp.h"
#include "snmp_client.h"
#include "snmp_fuzz.h"    /* snmpsw_send_fn: a test point's requests */
#include "snmp_view.h"

struct loop;
struct loop_timer;
struct snmp_vendor;

struct oid_ref {
	const uint32_t *n;
	size_t len;
	const char *name;   /* the MIB object's name, for messages */
};

#define OREF(a, nm) {a, sizeof(a) / sizeof((a)[0]), nm}

#define MAX_CONTEXT_VLANS 4094

#define IF_ADMIN_UP 1
#define IF_ADMIN_DOWN 2
#define PORTLIST_MAX SNMPC_MAX_STR

enum vlan_index { IDX_BRIDGE_PORT, IDX_IFINDEX };

struct sw;
struct op;
struct batch;

struct driver {
	const char *kind;
	/* the tables locate walks (snmp_view.h), in this order */
	const enum swv_col *walk;
	size_t nwalk;
	/*
	 * When the default context does not hold the MAC: the list of VLANs (a
	 * column indexed by ....VLAN, value 1 = operational) whose per-VLAN
	 * bridge contexts hold BRIDGE-MIB (Cisco's community string indexing).
	 */
	const struct oid_ref *vlan_contexts;
	struct oid_ref vlan;            /* the port's VLAN, read and written */
	enum vlan_index vlan_index;
	enum snmpc_type vlan_type;
	/*
	 * Hooks for VLAN membership kept with the ports' VLANs, for a whole
	 * batch of moves; NULL when the switch derives membership itself.
	 */
	size_t (*member_reads)(int32_t vid, struct snmpc_oid *out);
	void (*member_store)(struct batch *b, const struct snmpc_vb *vb);
	int (*member_sets)(const struct batch *b, struct snmpc_vb *out, size_t *n, char *msg,
			   size_t len);
	bool (*member_verify)(const struct batch *b, const struct op *op, char *msg, size_t len);
	/*
	 * The port's voice VLAN (INTEGER, by ifIndex), or NULL: recorded as the
	 * location's one tagged VLAN, set to VOICE_VLAN_NONE while isolated and
	 * put back on release, in the same SET as the port's VLAN.
	 */
	const struct oid_ref *voice;
};

#define VOICE_VLAN_NONE 4096   /* vmVoiceVlanId: no voice VLAN (0 dot1p, 4095 untagged) */

/* ---- state ---- */

struct portlist {
	bool present;
	bool cut;            /* the switch's list was longer than PORTLIST_MAX: never written back */
	size_t len;
	uint8_t b[PORTLIST_MAX];
};

enum op_kind { OP_PROBE, OP_LOCATE, OP_ISOLATE, OP_RELEASE, OP_CHECK, OP_SURVEY };

enum op_step {
	ST_PROBE_READ, ST_PROBE_WRITE, ST_PROBE_VERIFY, ST_PROBE_APART,
	ST_WALK, ST_VLAN_LIST, ST_CTX_FDB, ST_CTX_PORTS, ST_PORT_VLAN,
	ST_MOVE_READ, ST_MOVE_READ_FROM, ST_MOVE_SET, ST_BOUNCE_DOWN, ST_BOUNCE_PAUSE, ST_BOUNCE_UP,
	ST_MOVE_VERIFY,
	ST_CHECK_READ,
};

struct op {
	struct sw *sw;
	enum enf_apart apart;      /* OP_PROBE: what ST_PROBE_APART found */
	enum op_kind kind;
	enum op_step step;
	enf_done_fn cb;
	void *arg;
	struct enf_host host;
	struct enf_location loc;        /* the result's location, built up as the op goes */
	/* locate */
	size_t iwalk;                   /* the table of drv->walk being walked */
	bool walked;                    /* this op walked the forwarding table itself */
	uint32_t *ctx_vlans;            /* owned: VLANs whose contexts are walked */
	size_t nctx, ictx;
	size_t ctx_first;               /* rows of dot1dTpFdbPort before this context's walk */
	struct swv_result found;        /* the decision, before the VLAN is read again */
	/* port data read so far */
	int32_t cur_vlan;               /* -1: not read */
	/* isolate / release */
	int32_t to_vlan, from_vlan, spec_from_vlan;
	/*
	 * The VLANs whose tagged membership of the port this move changes:
	 * isolate takes the port out of their egress ports, release puts it
	 * back (never untagged). Isolate keeps only those the port is still a
	 * tagged member of when read, and records them in loc.orig_tagged.
	 */
	int32_t tag[ENF_MAX_TAGGED];
	uint32_t ntag;
	int32_t cur_voice;              /* drv->voice as read; -1: not read */
	bool solo;                      /* runs in a batch of its own (after a batch SET failed) */
	char note[ENF_DETAIL_LEN];      /* something to add to the final message */
	/* probe */
	struct snmpc_vb location;
	/* survey: its own callback and the ports found (owned) */
	snmpsw_survey_fn survey_cb;
	void *survey_arg;
	struct snmpsw_port *survey_ports;
	size_t nsurvey_ports;
	/* a refusal decided before the op could start, delivered from the loop */
	bool rejected;
	enum enf_status reject_status;
	char reject_msg[ENF_DETAIL_LEN];
	struct op *next;
};

/*
 * Consecutive isolations and releases queued for one switch run together, at
 * most BATCH_MAX of them on distinct ports: one GET reads every port's VLAN
 * and the membership of every VLAN involved, one SET moves every port and
 * rewrites each VLAN's bitmaps once (the VLANs it leaves and joins, and
 * those it is a tagged member of), one GET reads it all back. A batch of one
 * is the plain case. Small, because agents limit their message size.
 */
#define BATCH_MAX 8
#define BATCH_VLANS ((2 + ENF_MAX_TAGGED) * BATCH_MAX)

struct vlan_members {
	int32_t vid;
	bool requested;
	struct portlist eg, un;          /* as read (qbridge) */
};

struct batch {
	struct op *op[BATCH_MAX];       /* members still running, owned; NULL once finished */
	size_t n;
	enum op_step step;
	struct vlan_members vl[BATCH_VLANS];
	size_t nvl;
};

struct sw {
	struct enf_point *pt;
	struct snmpsw_config cfg;       /* holds the secrets: wiped when destroyed */
	const struct driver *drv;
	struct loop *loop;              /* borrowed */
	struct snmpc_session *sess;     /* owned; NULL for a test point */
	snmpsw_send_fn test_send;       /* a test point's requests go here (snmp_fuzz.h); else NULL */
	void *test_send_arg;
	struct op *head, *tail;         /* waiting, owned */
	size_t queued;
	struct op *cur;                 /* running (not a move), owned */
	struct batch batch;             /* moves running */
	bool batch_running;
	struct loop_timer *kick;        /* owned: deferred start of the next op (loop_timer_fire) */
	struct loop_timer *pause;       /* owned: the bounce's pause */
	/* what the switch is (driver auto: from sysObjectID) */
	const struct snmp_vendor *vendor;
	bool vendor_known;
	bool detecting;                 /* the sysObjectID GET is out */
	/* the tables locate walked (snmp_view.h), cached for fdb_cache_ms */
	struct swv view;
	struct timespec fdb_time;
	bool fdb_valid;
	/* the write probe */
	enf_done_fn probe_cb;
	void *probe_arg;
	struct snmpsw_stats stats;
	bool destroying;
	int in_callback;                /* a user callback of this point is running */
	bool free_pending;              /* destroyed from a callback: freed once it returns */
};

/* ---- queued operations ---- */

/* What an operation acts on, as given to enf_ops. */
struct op_args {
	struct enf_host host;
	struct enf_location loc;
};

/* Queued ops keep their arguments with them until they start. */
struct queued_op {
	struct op op;
	struct op_args args;
};

#endif
