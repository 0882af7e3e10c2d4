/* SPDX-License-Identifier: ISC */
/*
 * snmp: the SNMP enforcement point. One `struct sw` per switch, holding its
 * session (snmp_client), its queue of operations and its caches. Every
 * operation is a small state machine advanced by the replies of snmp_client;
 * the two drivers share all of it and differ only by the tables and hooks in
 * `struct driver` (which forwarding tables to walk, which object holds a
 * port's VLAN and how it is indexed, whether VLAN membership bitmaps must be
 * rewritten alongside it).
 */
#include "snmp.h"
#include "snmp_client.h"
#include "snmp_fuzz.h"
#include "snmp_vendor.h"
#include "snmp_view.h"

#include <event2/event.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- OIDs (numeric: Debian's MIB files are not installable here) ---- */

struct oid_ref {
	const uint32_t *n;
	size_t len;
	const char *name;   /* the MIB object's name, for messages */
};

#define OREF(a, nm) {a, sizeof(a) / sizeof((a)[0]), nm}

/* SNMPv2-MIB */
static const uint32_t OID_SYS_LOCATION_0[] = {1, 3, 6, 1, 2, 1, 1, 6, 0};
static const uint32_t OID_SYS_OBJECT_ID_0[] = {1, 3, 6, 1, 2, 1, 1, 2, 0};
/* IF-MIB */
static const uint32_t OID_IF_ADMIN_STATUS[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 7};
/* BRIDGE-MIB (RFC 4188) */
/* Q-BRIDGE-MIB (RFC 4363) */
static const uint32_t OID_DOT1Q_VLAN_STATIC_EGRESS[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2};
static const uint32_t OID_DOT1Q_VLAN_STATIC_UNTAGGED[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4};
static const uint32_t OID_DOT1Q_PVID[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1};
/* CISCO-VLAN-MEMBERSHIP-MIB */
static const uint32_t OID_VM_VLAN[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 2};
/* CISCO-VTP-MIB: vtpVlanState, indexed by management domain and VLAN */
static const uint32_t OID_VTP_VLAN_STATE[] = {1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 3, 1, 1, 2};

static const struct oid_ref SYS_LOCATION = OREF(OID_SYS_LOCATION_0, "sysLocation.0");
static const struct oid_ref SYS_OBJECT_ID = OREF(OID_SYS_OBJECT_ID_0, "sysObjectID.0");
static const struct oid_ref IF_ADMIN_STATUS = OREF(OID_IF_ADMIN_STATUS, "ifAdminStatus");
static const struct oid_ref EGRESS = OREF(OID_DOT1Q_VLAN_STATIC_EGRESS, "dot1qVlanStaticEgressPorts");
static const struct oid_ref UNTAGGED = OREF(OID_DOT1Q_VLAN_STATIC_UNTAGGED, "dot1qVlanStaticUntaggedPorts");
static const struct oid_ref VTP_VLAN_STATE = OREF(OID_VTP_VLAN_STATE, "vtpVlanState");

#define MAX_CONTEXT_VLANS 4094

#define IF_ADMIN_UP 1
#define IF_ADMIN_DOWN 2
#define FDB_MAX_ROWS 65536      /* a walk stops there: far above any access switch */
#define PORTLIST_MAX SNMPC_MAX_STR

/* ---- drivers: tables of OIDs and small hooks ---- */

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
};

static size_t qbridge_member_reads(int32_t vid, struct snmpc_oid *out);
static void qbridge_member_store(struct batch *b, const struct snmpc_vb *vb);
static int qbridge_member_sets(const struct batch *b, struct snmpc_vb *out, size_t *n, char *msg,
			       size_t len);
static bool qbridge_member_verify(const struct batch *b, const struct op *op, char *msg,
				  size_t len);

/*
 * Every table a standard switch may hold the answer in; an agent without one
 * answers an empty walk, which costs one request. The current VLAN table is
 * walked only when the static one is empty (locate_walk_next).
 */
static const enum swv_col WALK_QBRIDGE[] = {
	SWV_QFDB_PORT, SWV_DFDB_PORT, SWV_BASE_PORT_IFINDEX, SWV_IF_NAME, SWV_IF_DESCR, SWV_PVID,
	SWV_VLAN_FDB_ID, SWV_STATIC_EGRESS, SWV_STATIC_UNTAGGED, SWV_CUR_EGRESS, SWV_CUR_UNTAGGED,
	SWV_LLDP_REM_CAP, SWV_LLDP_REM_NAME, SWV_LLDP_LOC_PORT_ID, SWV_LLDP_LOC_PORT_DESC,
};
static const enum swv_col WALK_CISCO[] = {
	SWV_QFDB_PORT, SWV_DFDB_PORT, SWV_BASE_PORT_IFINDEX, SWV_IF_NAME, SWV_IF_DESCR,
	SWV_VM_VLAN, SWV_TRUNK_STATUS,
	SWV_LLDP_REM_CAP, SWV_LLDP_REM_NAME, SWV_LLDP_LOC_PORT_ID, SWV_LLDP_LOC_PORT_DESC,
};

/*
 * Tables not worth a walk, given what the walks before found: each costs a
 * round trip, and a GETBULK's worth of the following table when empty.
 */
static bool
walk_needless(const struct swv *v, enum swv_col c)
{
	switch (c) {
	case SWV_DFDB_PORT:       /* BRIDGE-MIB's table: only without a usable Q-BRIDGE one */
		return swv_fdb_usable(v) > 0;
	case SWV_IF_DESCR:        /* port names: ifDescr only without ifName */
		return v->t[SWV_IF_NAME].n > 0;
	case SWV_VLAN_FDB_ID:     /* fdbId -> VLAN: only for a Q-BRIDGE forwarding table */
		return v->t[SWV_QFDB_PORT].n == 0;
	case SWV_STATIC_UNTAGGED:
		return v->t[SWV_STATIC_EGRESS].n == 0;
	case SWV_CUR_EGRESS:      /* the current VLAN table only without a static one */
		return v->t[SWV_STATIC_EGRESS].n > 0;
	case SWV_CUR_UNTAGGED:
		return v->t[SWV_CUR_EGRESS].n == 0;
	case SWV_LLDP_REM_NAME:   /* LLDP details only when there are neighbours */
	case SWV_LLDP_LOC_PORT_ID:
	case SWV_LLDP_LOC_PORT_DESC:
		return v->t[SWV_LLDP_REM_CAP].n == 0;
	default:
		return false;
	}
}

static const struct driver DRIVER_QBRIDGE = {
	.kind = "snmp-qbridge",
	.walk = WALK_QBRIDGE,
	.nwalk = sizeof(WALK_QBRIDGE) / sizeof(WALK_QBRIDGE[0]),
	.vlan = OREF(OID_DOT1Q_PVID, "dot1qPvid"),
	.vlan_index = IDX_BRIDGE_PORT,
	.vlan_type = SNMPC_UNSIGNED,
	.member_reads = qbridge_member_reads,
	.member_store = qbridge_member_store,
	.member_sets = qbridge_member_sets,
	.member_verify = qbridge_member_verify,
};

static const struct driver DRIVER_CISCO = {
	.kind = "snmp-cisco",
	.walk = WALK_CISCO,
	.nwalk = sizeof(WALK_CISCO) / sizeof(WALK_CISCO[0]),
	.vlan_contexts = &VTP_VLAN_STATE,
	.vlan = OREF(OID_VM_VLAN, "vmVlan"),
	.vlan_index = IDX_IFINDEX,
	.vlan_type = SNMPC_INTEGER,
	/* vmVlan alone moves the port; the switch keeps its own membership. */
};

/* ---- state ---- */

struct portlist {
	bool present;
	size_t len;
	uint8_t b[PORTLIST_MAX];
};

enum op_kind { OP_PROBE, OP_LOCATE, OP_ISOLATE, OP_RELEASE, OP_CHECK, OP_SURVEY };

enum op_step {
	ST_PROBE_READ, ST_PROBE_WRITE, ST_PROBE_VERIFY,
	ST_WALK, ST_VLAN_LIST, ST_CTX_FDB, ST_CTX_PORTS, ST_PORT_VLAN,
	ST_MOVE_READ, ST_MOVE_READ_FROM, ST_MOVE_SET, ST_BOUNCE_DOWN, ST_BOUNCE_PAUSE, ST_BOUNCE_UP,
	ST_MOVE_VERIFY,
	ST_CHECK_READ,
};

struct op {
	struct sw *sw;
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
 * rewrites each VLAN's bitmaps once, one GET reads it all back. A batch of one
 * is the plain case. Small, because agents limit their message size.
 */
#define BATCH_MAX 8
#define BATCH_VLANS (2 * BATCH_MAX)

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
	struct event_base *base;
	struct snmpc_session *sess;     /* owned; NULL for a test point */
	snmpsw_send_fn test_send;       /* a test point's requests go here (snmp_fuzz.h); else NULL */
	void *test_send_arg;
	struct op *head, *tail;         /* waiting, owned */
	size_t queued;
	struct op *cur;                 /* running (not a move), owned */
	struct batch batch;             /* moves running */
	bool batch_running;
	struct event *kick_ev, *pause_ev;
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

/* ---- config ---- */

void
snmpsw_config_init(struct snmpsw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 161;
	c->version = SNMPSW_V2C;
	c->timeout_ms = 1000;
	c->retries = 2;
	c->max_macs_per_port = 4;
	c->bounce_pause_ms = 1000;
	c->fdb_cache_ms = 5000;
	c->max_queue = 4096;
	c->driver = SNMPSW_DRIVER_QBRIDGE;
}

static int
parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	if (!*v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || *end || x > max)
		return -1;
	*out = x;
	return 0;
}

static int
copy_str(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);
	if (n >= size)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

int
snmpsw_config_set(struct snmpsw_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	unsigned long x;
	struct { const char *key; unsigned *dst; unsigned long min, max; } nums[] = {
		{"timeout_ms", &c->timeout_ms, 1, 600000},
		{"retries", &c->retries, 0, 20},
		{"max_macs_per_port", &c->max_macs_per_port, 1, 100000},
		{"bounce_pause_ms", &c->bounce_pause_ms, 0, 60000},
		{"fdb_cache_ms", &c->fdb_cache_ms, 0, 3600000},
		{"max_queue", &c->max_queue, 1, 1000000},
	};
	struct { const char *key; char *dst; size_t size; } secrets[] = {
		{"community", c->community, sizeof(c->community)},
		{"v3_auth_pass", c->v3_auth_pass, sizeof(c->v3_auth_pass)},
		{"v3_priv_pass", c->v3_priv_pass, sizeof(c->v3_priv_pass)},
	};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (parse_uint(v, nums[i].max, &x) < 0 || x < nums[i].min) {
			snprintf(err, errlen, "%s: '%s' is not a number in [%lu, %lu]", key, v,
				 nums[i].min, nums[i].max);
			return -1;
		}
		*nums[i].dst = (unsigned)x;
		return 0;
	}
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (strcmp(key, secrets[i].key) != 0)
			continue;
		if (copy_str(secrets[i].dst, secrets[i].size, v) < 0) {
			/* Never echo a secret, not even a wrong one. */
			snprintf(err, errlen, "%s: too long (at most %zu characters)", key,
				 secrets[i].size - 1);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "name") == 0 || strcmp(key, "address") == 0 || strcmp(key, "v3_user") == 0) {
		char *dst = key[0] == 'n' ? c->name : key[0] == 'a' ? c->address : c->v3_user;
		size_t size = key[0] == 'n' ? sizeof(c->name) : key[0] == 'a' ? sizeof(c->address)
									  : sizeof(c->v3_user);
		if (!*v || copy_str(dst, size, v) < 0) {
			snprintf(err, errlen, "%s: '%.*s' is empty or too long (at most %zu characters)",
				 key, 64, v, size - 1);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "port") == 0) {
		if (parse_uint(v, 65535, &x) < 0 || x == 0) {
			snprintf(err, errlen, "port: '%s' is not a UDP port", v);
			return -1;
		}
		c->port = (uint16_t)x;
		return 0;
	}
	if (strcmp(key, "quarantine_vlan") == 0) {
		if (parse_uint(v, 4094, &x) < 0 || x == 0) {
			snprintf(err, errlen, "quarantine_vlan: '%s' is not a VLAN ID (1..4094)", v);
			return -1;
		}
		c->quarantine_vlan = (int32_t)x;
		return 0;
	}
	if (strcmp(key, "version") == 0) {
		if (strcmp(v, "2c") == 0 || strcmp(v, "v2c") == 0)
			c->version = SNMPSW_V2C;
		else if (strcmp(v, "3") == 0 || strcmp(v, "v3") == 0)
			c->version = SNMPSW_V3;
		else {
			snprintf(err, errlen, "version: '%s' is neither 2c nor 3", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "driver") == 0) {
		if (strcmp(v, "qbridge") == 0)
			c->driver = SNMPSW_DRIVER_QBRIDGE;
		else if (strcmp(v, "cisco") == 0)
			c->driver = SNMPSW_DRIVER_CISCO;
		else if (strcmp(v, "auto") == 0)
			c->driver = SNMPSW_DRIVER_AUTO;
		else {
			snprintf(err, errlen, "driver: '%s' is not qbridge, cisco or auto", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "bounce") == 0) {
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
			c->bounce = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
			c->bounce = false;
		else {
			snprintf(err, errlen, "bounce: '%s' is not yes or no", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "uplinks") == 0) {
		const char *p = v;
		for (int guard = 0; *p && guard < 1000; guard++) {
			size_t n = strcspn(p, ", ");
			if (n) {
				if (c->n_uplinks == SNMPSW_MAX_UPLINKS || n >= ENF_NAME_LEN) {
					snprintf(err, errlen, "uplinks: at most %d names of at most %d "
						 "characters", SNMPSW_MAX_UPLINKS, ENF_NAME_LEN - 1);
					return -1;
				}
				memcpy(c->uplinks[c->n_uplinks], p, n);
				c->uplinks[c->n_uplinks][n] = '\0';
				c->n_uplinks++;
			}
			p += n;
			p += strspn(p, ", ");
		}
		return 0;
	}
	snprintf(err, errlen, "unknown key '%.*s'", 64, key);
	return -1;
}

int
snmpsw_config_check(const struct snmpsw_config *c, char *err, size_t errlen)
{
	const char *n = *c->name ? c->name : "(unnamed)";
	if (!*c->name) {
		snprintf(err, errlen, "switch: a name is required");
		return -1;
	}
	if (!*c->address) {
		snprintf(err, errlen, "switch %s: address is required", n);
		return -1;
	}
	if (c->quarantine_vlan < 1 || c->quarantine_vlan > 4094) {
		snprintf(err, errlen, "switch %s: quarantine_vlan (1..4094) is required", n);
		return -1;
	}
	if (c->version == SNMPSW_V2C && !*c->community) {
		snprintf(err, errlen, "switch %s: SNMPv2c needs a (read-write) community", n);
		return -1;
	}
	if (c->version == SNMPSW_V3 &&
	    (!*c->v3_user || strlen(c->v3_auth_pass) < 8 || strlen(c->v3_priv_pass) < 8)) {
		snprintf(err, errlen, "switch %s: SNMPv3 needs v3_user, and v3_auth_pass and "
			 "v3_priv_pass of at least 8 characters", n);
		return -1;
	}
	if (c->timeout_ms == 0) {
		snprintf(err, errlen, "switch %s: timeout_ms must be > 0", n);
		return -1;
	}
	return 0;
}

/* The secrets must not outlive the point in freed memory. */
static void __attribute__((noinline))
config_wipe(struct snmpsw_config *c)
{
	explicit_bzero(c, sizeof(*c));
}

int
snmpsw_global_init(const char *state_dir, char *err, size_t errlen)
{
	return snmpc_global_init(state_dir, err, errlen);
}

void
snmpsw_global_shutdown(void)
{
	snmpc_global_shutdown();
}

/* ---- helpers ---- */

static void
mac_text(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static double
ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

static bool
is_uplink(const struct sw *sw, const char *ifname)
{
	for (unsigned i = 0; i < sw->cfg.n_uplinks; i++)
		if (strcmp(sw->cfg.uplinks[i], ifname) == 0)
			return true;
	return false;
}

static const char *
port_label(const struct op *op, char *buf, size_t len)
{
	if (op->loc.port[0])
		snprintf(buf, len, "%s", op->loc.port);
	else
		snprintf(buf, len, "bridge port %d", op->loc.bridge_port);
	return buf;
}

static void
oid_of(struct snmpc_oid *o, const struct oid_ref *col, uint32_t idx)
{
	snmpc_oid_make(o, col->n, col->len, &idx, 1);
}

/* The OID holding the port's VLAN for this driver. */
static void
vlan_oid(const struct op *op, struct snmpc_oid *o)
{
	const struct driver *d = op->sw->drv;
	/* Junos indexes dot1qPvid by ifIndex (snmp_vendor.c). */
	bool by_port = d->vlan_index == IDX_BRIDGE_PORT && !op->sw->vendor->pvid_by_ifindex;
	oid_of(o, &d->vlan, (uint32_t)(by_port ? op->loc.bridge_port : op->loc.ifindex));
}

/* ---- completion ---- */

static void sw_kick(struct sw *sw);
static void sw_free(struct sw *sw);

static void
op_finish(struct op *op, enum enf_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
op_finish(struct op *op, enum enf_status st, const char *fmt, ...)
{
	struct sw *sw = op->sw;
	struct enf_result res;
	va_list ap;

	memset(&res, 0, sizeof(res));
	res.status = st;
	va_start(ap, fmt);
	vsnprintf(res.message, sizeof(res.message), fmt, ap);
	va_end(ap);
	res.loc = op->loc;
	if (op->kind == OP_PROBE) {
		sw->stats.probe = st;
		sw->stats.probe_done = true;
	}
	if (sw->cur == op)
		sw->cur = NULL;
	sw->stats.ops_done++;
	free(op->ctx_vlans);
	op->ctx_vlans = NULL;
	sw->in_callback++;
	if (op->kind == OP_SURVEY && op->survey_cb) {
		struct snmpsw_survey sv;
		memset(&sv, 0, sizeof(sv));
		sv.status = st;
		snprintf(sv.message, sizeof(sv.message), "%s", res.message);
		sv.vendor = sw->vendor->name;
		sv.driver = sw->drv == &DRIVER_CISCO ? "cisco" : "qbridge";
		sv.ports = op->survey_ports;
		sv.nports = op->nsurvey_ports;
		sv.fdb_rows = swv_fdb_rows(&sw->view);
		sv.unresolved_rows = sw->view.unresolved;
		sv.silent_contexts = sw->view.nsilent;
		op->survey_cb(op->survey_arg, &sv);
	} else if (op->cb) {
		op->cb(op->arg, &res);
	}
	sw->in_callback--;
	free(op->survey_ports);
	free(op);
	/* The callback may have destroyed the point: then nothing here may touch it after this. */
	if (sw->free_pending) {
		if (sw->in_callback == 0)
			sw_free(sw);
		return;
	}
	if (!sw->destroying)
		sw_kick(sw);
}

/* Maps a failed reply to a status and a message naming the switch and what was being done. */
static void
describe_failure(const struct op *op, const struct snmpc_reply *r, const char *what,
		 enum enf_status *stp, char *msg, size_t len)
{
	const struct sw *sw = op->sw;
	enum enf_status st = ENF_ERROR;
	const char *hint = "";

	switch (r->status) {
	case SNMPC_TIMEOUT:
		st = ENF_TIMEOUT;
		hint = sw->cfg.version == SNMPSW_V2C
			? ": switch down or unreachable, or a wrong community (an agent ignores one)"
			: ": switch down or unreachable";
		break;
	case SNMPC_AUTH:
		st = ENF_DENIED;
		hint = ": check the SNMPv3 user and pass phrases";
		break;
	case SNMPC_AGENT_ERROR:
		switch (r->error_status) {
		case 4: case 6: case 16: case 17:   /* readOnly noAccess authorizationError notWritable */
			st = ENF_DENIED;
			hint = ": no write access (read-only community or user?)";
			break;
		case 3: case 7: case 8: case 10: case 11: case 12: case 18:
			/* badValue wrongType wrongLength wrongValue noCreation inconsistentValue inconsistentName */
			st = ENF_BAD_REQUEST;
			break;
		default:
			st = ENF_ERROR;
			break;
		}
		break;
	default:
		st = ENF_ERROR;
		break;
	}
	/* snmp_client names the switch too: say it once. */
	const char *m = r->message;
	size_t nl = strlen(sw->cfg.name);
	if (strncmp(m, sw->cfg.name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ')
		m += nl + 2;
	*stp = st;
	/* A message longer than the result's field is cut; its start says what matters. */
	const char *parts[] = {"switch ", sw->cfg.name, ": ", what, ": ", m, hint,
			       op->note[0] ? "; " : "", op->note};
	size_t off = 0;
	msg[0] = '\0';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && off + 1 < len; i++) {
		size_t n = strlen(parts[i]);
		if (n > len - 1 - off)
			n = len - 1 - off;
		memcpy(msg + off, parts[i], n);
		off += n;
		msg[off] = '\0';
	}
}

static void
op_fail_reply(struct op *op, const struct snmpc_reply *r, const char *what)
{
	enum enf_status st;
	char msg[ENF_DETAIL_LEN];
	describe_failure(op, r, what, &st, msg, sizeof(msg));
	op_finish(op, st, "%s", msg);
}

/* ---- requests ---- */

/*
 * Every request of the point goes through here: to snmp_client, or to a test
 * point's send function (snmp_fuzz.h). snmpc_get and snmpc_walk are
 * snmpc_get_in and snmpc_walk_in in the default context (ctx_vlan 0).
 */
static int
sw_request(struct sw *sw, const struct snmpsw_request *rq, snmpc_cb cb, void *arg)
{
	if (sw->test_send)
		return sw->test_send(sw->test_send_arg, rq, cb, arg);
	switch (rq->kind) {
	case SNMPSW_REQ_GET:
		return snmpc_get_in(sw->sess, rq->ctx_vlan, rq->oids, rq->n, cb, arg);
	case SNMPSW_REQ_SET:
		return snmpc_set(sw->sess, rq->vbs, rq->n, cb, arg);
	case SNMPSW_REQ_WALK:
		return snmpc_walk_in(sw->sess, rq->ctx_vlan, rq->oids, rq->max_rows, cb, arg);
	}
	return -1;
}

static int
sw_get(struct sw *sw, const struct snmpc_oid *oids, size_t n, snmpc_cb cb, void *arg)
{
	struct snmpsw_request rq = {.kind = SNMPSW_REQ_GET, .oids = oids, .n = n};
	return sw_request(sw, &rq, cb, arg);
}

static int
sw_set(struct sw *sw, const struct snmpc_vb *vbs, size_t n, snmpc_cb cb, void *arg)
{
	struct snmpsw_request rq = {.kind = SNMPSW_REQ_SET, .vbs = vbs, .n = n};
	return sw_request(sw, &rq, cb, arg);
}

static int
sw_walk_in(struct sw *sw, uint32_t ctx_vlan, const struct snmpc_oid *root, size_t max_rows,
	   snmpc_cb cb, void *arg)
{
	struct snmpsw_request rq = {.kind = SNMPSW_REQ_WALK, .ctx_vlan = ctx_vlan, .oids = root,
				    .n = 1, .max_rows = max_rows};
	return sw_request(sw, &rq, cb, arg);
}

static void on_reply(void *arg, const struct snmpc_reply *r);

static void
op_get(struct op *op, enum op_step step, const struct snmpc_oid *oids, size_t n)
{
	op->step = step;
	if (sw_get(op->sw, oids, n, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a GET request", op->sw->cfg.name);
}

static void
op_set(struct op *op, enum op_step step, const struct snmpc_vb *vbs, size_t n)
{
	op->step = step;
	if (sw_set(op->sw, vbs, n, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a SET request", op->sw->cfg.name);
}

/* ---- the write probe ---- */

static void
probe_start(struct op *op)
{
	struct snmpc_oid o[2];
	snmpc_oid_make(&o[0], SYS_LOCATION.n, SYS_LOCATION.len, NULL, 0);
	snmpc_oid_make(&o[1], SYS_OBJECT_ID.n, SYS_OBJECT_ID.len, NULL, 0);
	op_get(op, ST_PROBE_READ, o, 2);
}

static bool
vb_is_scalar(const struct snmpc_vb *vb, const struct oid_ref *ref)
{
	return vb->oid.len == ref->len && snmpc_oid_has_prefix(&vb->oid, ref->n, ref->len);
}

/* Driver auto: the family of the switch from its sysObjectID answer (snmp_vendor.c). */
static void
vendor_from(struct sw *sw, const struct snmpc_vb *vb)
{
	char oid[SNMPC_MAX_STR + 1];
	if (!vb_is_scalar(vb, &SYS_OBJECT_ID) || vb->type != SNMPC_OBJECT_ID)
		return;
	memcpy(oid, vb->s, vb->slen);
	oid[vb->slen] = '\0';
	sw->vendor = snmp_vendor_find(oid);
	sw->vendor_known = true;
	if (sw->cfg.driver == SNMPSW_DRIVER_AUTO)
		sw->drv = sw->vendor->driver == SNMPSW_DRIVER_CISCO ? &DRIVER_CISCO : &DRIVER_QBRIDGE;
}

static void
probe_reply(struct op *op, const struct snmpc_reply *r)
{
	struct sw *sw = op->sw;

	if (op->step == ST_PROBE_READ) {
		if (r->status != SNMPC_OK) {
			op_fail_reply(op, r, "write probe: reading sysLocation.0");
			return;
		}
		/*
		 * Only sysLocation.0 itself is written back: the value is the
		 * switch's, the OID never is (an answer naming another object would
		 * otherwise make the probe write there).
		 */
		const struct snmpc_vb *loc = NULL;
		for (size_t i = 0; i < r->nvb; i++) {
			if (vb_is_scalar(&r->vb[i], &SYS_LOCATION) && r->vb[i].type == SNMPC_STRING)
				loc = &r->vb[i];
			vendor_from(sw, &r->vb[i]);
		}
		if (r->nvb > 2 || !loc) {
			op_finish(op, ENF_ERROR, "switch %s: write probe: the switch has no sysLocation.0; "
				  "write access not verified", sw->cfg.name);
			return;
		}
		op->location = *loc;
		snmpc_oid_make(&op->location.oid, SYS_LOCATION.n, SYS_LOCATION.len, NULL, 0);
		op_set(op, ST_PROBE_WRITE, &op->location, 1);
		return;
	}
	if (r->status == SNMPC_AGENT_ERROR &&
	    (r->error_status == 4 || r->error_status == 6 || r->error_status == 16 ||
	     r->error_status == 17)) {
		op_finish(op, ENF_DENIED, "switch %s: write probe refused (%s): the %s is read-only; "
			  "isolations on this switch will fail", sw->cfg.name,
			  snmpc_error_status_name(r->error_status),
			  sw->cfg.version == SNMPSW_V2C ? "community" : "SNMPv3 user");
		return;
	}
	if (r->status != SNMPC_OK) {
		op_fail_reply(op, r, "write probe: writing sysLocation.0 back");
		return;
	}
	/*
	 * A noError answer is not enough: some agents answer a SET they did not
	 * apply with noError and noSuchInstance, or another value, in the
	 * varbind. The answer must echo what was written.
	 */
	if (r->nvb != 1 || !vb_is_scalar(&r->vb[0], &SYS_LOCATION) ||
	    r->vb[0].type != SNMPC_STRING || r->vb[0].slen != op->location.slen ||
	    memcmp(r->vb[0].s, op->location.s, op->location.slen) != 0) {
		op_finish(op, ENF_DENIED, "switch %s: write probe: the agent answered the SET of "
			  "sysLocation.0 without echoing the value written (%s): write access not "
			  "verified; isolations on this switch may fail", sw->cfg.name,
			  r->nvb != 1 ? "no single varbind"
			  : !vb_is_scalar(&r->vb[0], &SYS_LOCATION) ? "another object"
			  : r->vb[0].type != SNMPC_STRING ? "no string, e.g. noSuchInstance"
			  : "another value");
		return;
	}
	/* Read back: the value must still be there (an agent may echo what it discarded). */
	struct snmpc_oid o;
	snmpc_oid_make(&o, SYS_LOCATION.n, SYS_LOCATION.len, NULL, 0);
	op_get(op, ST_PROBE_VERIFY, &o, 1);
}

static void
probe_verify_reply(struct op *op, const struct snmpc_reply *r)
{
	struct sw *sw = op->sw;
	if (r->status != SNMPC_OK) {
		op_fail_reply(op, r, "write probe: reading sysLocation.0 back");
		return;
	}
	if (r->nvb != 1 || !vb_is_scalar(&r->vb[0], &SYS_LOCATION) ||
	    r->vb[0].type != SNMPC_STRING || r->vb[0].slen != op->location.slen ||
	    memcmp(r->vb[0].s, op->location.s, op->location.slen) != 0) {
		op_finish(op, ENF_MISMATCH, "switch %s: write probe: sysLocation.0 read back differs from "
			  "the value written: write access not verified", sw->cfg.name);
		return;
	}
	op_finish(op, ENF_OK, "switch %s: write access confirmed (sysLocation.0 written back, "
		  "echoed and read back)", sw->cfg.name);
}

/* ---- locate ---- */

/*
 * locate walks the tables of drv->walk into sw->view (one walk after the
 * other), for Cisco also the per-VLAN contexts when the default context does
 * not hold the MAC, then asks snmp_view where the MAC is. A decision taken
 * from a cached view reads the port's VLAN again, as it may have moved.
 */

static void locate_resolve(struct op *op);
static void ctx_start(struct op *op);

static struct swv_opts
view_opts(const struct sw *sw)
{
	struct swv_opts o;
	memset(&o, 0, sizeof(o));
	o.cisco = sw->drv == &DRIVER_CISCO;
	o.pvid_by_ifindex = sw->vendor->pvid_by_ifindex;
	o.portlist_text = sw->vendor->portlist_text;
	o.max_macs = sw->cfg.max_macs_per_port;
	o.nuplinks = sw->cfg.n_uplinks;
	o.uplinks = sw->cfg.uplinks;
	return o;
}

static void
fdb_reset(struct sw *sw)
{
	swv_clear(&sw->view);
	sw->fdb_valid = false;
}

static void
locate_walk_col(struct op *op)
{
	struct snmpc_oid root;
	size_t len;
	const uint32_t *col = swv_col_oid(op->sw->drv->walk[op->iwalk], &len, NULL);

	snmpc_oid_make(&root, col, len, NULL, 0);
	op->step = ST_WALK;
	if (op->sw->drv->walk[op->iwalk] == SWV_QFDB_PORT || op->sw->drv->walk[op->iwalk] == SWV_DFDB_PORT)
		op->sw->stats.fdb_walks++;
	if (sw_walk_in(op->sw, 0, &root, FDB_MAX_ROWS, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a walk request", op->sw->cfg.name);
}

static void
locate_walk(struct op *op)
{
	fdb_reset(op->sw);
	op->iwalk = 0;
	locate_walk_col(op);
}

static void
locate_start(struct op *op)
{
	struct sw *sw = op->sw;

	if (!op->host.has_mac) {
		op_finish(op, ENF_BAD_REQUEST, "switch %s: locating a host needs its MAC address "
			  "(from the sensor's frames or ARP)", sw->cfg.name);
		return;
	}
	if (sw->fdb_valid && ms_since(&sw->fdb_time) < sw->cfg.fdb_cache_ms) {
		locate_resolve(op);
		return;
	}
	locate_walk(op);
}

/* The view is complete: start its cache lifetime and decide. */
static void
locate_walked(struct op *op)
{
	clock_gettime(CLOCK_MONOTONIC, &op->sw->fdb_time);
	op->sw->fdb_valid = true;
	op->walked = true;
	locate_resolve(op);
}

static bool
walk_col_is_fdb(enum swv_col c)
{
	return c == SWV_QFDB_PORT || c == SWV_DFDB_PORT || c == SWV_BASE_PORT_IFINDEX;
}

static void
locate_walk_reply(struct op *op, const struct snmpc_reply *r)
{
	struct sw *sw = op->sw;
	enum swv_col c = sw->drv->walk[op->iwalk];
	const char *name;
	size_t len;

	swv_col_oid(c, &len, &name);
	/*
	 * An agent error on a table beyond the forwarding table and the bridge
	 * ports (a v1-style noSuchName, genErr): the switch lacks it, read as
	 * empty. A timeout is the switch gone: the locate fails.
	 */
	if (r->status != SNMPC_OK && (walk_col_is_fdb(c) || r->status != SNMPC_AGENT_ERROR)) {
		char what[96];
		snprintf(what, sizeof(what), "walking %s", name);
		op_fail_reply(op, r, what);
		return;
	}
	for (size_t i = 0; r->status == SNMPC_OK && i < r->nvb; i++) {
		if (swv_add(&sw->view, c, 0, &r->vb[i]) < 0) {
			op_finish(op, ENF_ERROR, "switch %s: out of memory storing %s", sw->cfg.name, name);
			return;
		}
	}
	op->iwalk++;
	while (op->iwalk < sw->drv->nwalk && walk_needless(&sw->view, sw->drv->walk[op->iwalk]))
		op->iwalk++;
	if (op->iwalk < sw->drv->nwalk) {
		locate_walk_col(op);
		return;
	}
	if (sw->drv->vlan_contexts && !swv_has_mac(&sw->view, op->host.mac)) {
		ctx_start(op);     /* BRIDGE-MIB per VLAN, as Cisco IOS serves it */
		return;
	}
	locate_walked(op);
}

/* ---- per-VLAN bridge contexts (Cisco) ---- */

static void
ctx_start(struct op *op)
{
	struct snmpc_oid root;
	const struct oid_ref *col = op->sw->drv->vlan_contexts;

	snmpc_oid_make(&root, col->n, col->len, NULL, 0);
	op->step = ST_VLAN_LIST;
	if (sw_walk_in(op->sw, 0, &root, MAX_CONTEXT_VLANS, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a walk request", op->sw->cfg.name);
}

static void
ctx_walk(struct op *op, enum op_step step, enum swv_col c)
{
	struct snmpc_oid root;
	size_t len;
	const uint32_t *col = swv_col_oid(c, &len, NULL);
	snmpc_oid_make(&root, col, len, NULL, 0);
	op->step = step;
	op->sw->stats.fdb_walks++;
	if (sw_walk_in(op->sw, op->ctx_vlans[op->ictx], &root, FDB_MAX_ROWS, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a walk request", op->sw->cfg.name);
}

static void
ctx_next_vlan(struct op *op)
{
	if (op->ictx >= op->nctx) {
		locate_walked(op);
		return;
	}
	op->ctx_first = op->sw->view.t[SWV_DFDB_PORT].n;
	ctx_walk(op, ST_CTX_FDB, SWV_DFDB_PORT);
}

static void
ctx_reply(struct op *op, const struct snmpc_reply *r)
{
	struct sw *sw = op->sw;
	char what[96];

	if (r->status != SNMPC_OK && op->step == ST_VLAN_LIST) {
		snprintf(what, sizeof(what), "walking %s", sw->drv->vlan_contexts->name);
		op_fail_reply(op, r, what);
		return;
	}
	if (r->status != SNMPC_OK) {
		/*
		 * A context that does not answer (a VLAN without a bridge instance,
		 * a community or v3 context the switch does not map) holds nothing
		 * Cordon can read: skipped, named in a not-found message.
		 */
		if (sw->view.nsilent < sizeof(sw->view.silent_ctx) / sizeof(sw->view.silent_ctx[0]))
			sw->view.silent_ctx[sw->view.nsilent] = op->ctx_vlans[op->ictx];
		sw->view.nsilent++;
		op->ictx++;
		ctx_next_vlan(op);
		return;
	}
	switch (op->step) {
	case ST_VLAN_LIST:
		op->ctx_vlans = calloc(r->nvb ? r->nvb : 1, sizeof(*op->ctx_vlans));
		if (!op->ctx_vlans) {
			op_finish(op, ENF_ERROR, "switch %s: out of memory", sw->cfg.name);
			return;
		}
		for (size_t i = 0; i < r->nvb; i++) {
			const struct snmpc_vb *vb = &r->vb[i];
			uint32_t vid = vb->oid.n[vb->oid.len - 1];
			/* operational(1) VLANs; 1002-1005 are the FDDI/Token Ring defaults, no bridge. */
			if (vb->type == SNMPC_INTEGER && vb->i == 1 && vid >= 1 && vid <= 4094 &&
			    (vid < 1002 || vid > 1005))
				op->ctx_vlans[op->nctx++] = vid;
		}
		op->ictx = 0;
		ctx_next_vlan(op);
		return;
	case ST_CTX_FDB:
		for (size_t i = 0; i < r->nvb; i++)
			if (swv_add(&sw->view, SWV_DFDB_PORT, op->ctx_vlans[op->ictx], &r->vb[i]) < 0) {
				op_finish(op, ENF_ERROR, "switch %s: out of memory", sw->cfg.name);
				return;
			}
		if (sw->view.t[SWV_DFDB_PORT].n == op->ctx_first) {
			op->ictx++;   /* nothing learned in this VLAN */
			ctx_next_vlan(op);
			return;
		}
		ctx_walk(op, ST_CTX_PORTS, SWV_BASE_PORT_IFINDEX);
		return;
	default: /* ST_CTX_PORTS: this context's bridge ports -> ifIndex */
		for (size_t i = 0; i < r->nvb; i++)
			if (swv_add(&sw->view, SWV_BASE_PORT_IFINDEX, op->ctx_vlans[op->ictx],
				    &r->vb[i]) < 0) {
				op_finish(op, ENF_ERROR, "switch %s: out of memory", sw->cfg.name);
				return;
			}
		op->ictx++;
		ctx_next_vlan(op);
		return;
	}
}

static void locate_done(struct op *op);

static void
locate_resolve(struct op *op)
{
	struct sw *sw = op->sw;
	struct swv_opts o = view_opts(sw);
	struct swv_result *f = &op->found;
	char mac[20];

	if (op->kind == OP_SURVEY) {
		size_t n = swv_ports(&sw->view, &o, NULL, 0);
		op->survey_ports = calloc(n + 1, sizeof(*op->survey_ports));
		if (!op->survey_ports) {
			op_finish(op, ENF_ERROR, "switch %s: out of memory", sw->cfg.name);
			return;
		}
		op->nsurvey_ports = swv_ports(&sw->view, &o, op->survey_ports, n);
		op_finish(op, ENF_OK, "switch %s: %zu ports, %zu forwarding-table rows", sw->cfg.name,
			  op->nsurvey_ports, swv_fdb_rows(&sw->view));
		return;
	}
	swv_locate(&sw->view, &o, op->host.mac, f);
	mac_text(op->host.mac, mac, sizeof(mac));
	if (f->status == SWV_NOT_FOUND && !op->walked) {
		/* Cached table without this MAC: it may have been learned since. */
		locate_walk(op);
		return;
	}
	if (f->status == SWV_NOT_FOUND) {
		char silent[96] = "";
		if (sw->view.nsilent)
			snprintf(silent, sizeof(silent), "; %zu per-VLAN context%s did not answer (VLAN %u%s)",
				 sw->view.nsilent, sw->view.nsilent > 1 ? "s" : "", sw->view.silent_ctx[0],
				 sw->view.nsilent > 1 ? ", ..." : "");
		op_finish(op, ENF_NOT_FOUND, "switch %s: MAC %s is %s: not behind this switch, or "
			  "silent since its entry aged out%s", sw->cfg.name, mac, f->why, silent);
		return;
	}
	if (f->ifindex > 0) {
		op->loc.ifindex = f->ifindex;
		op->loc.bridge_port = f->bridge_port;
		snprintf(op->loc.port, sizeof(op->loc.port), "%s", f->port);
	}
	if (f->status == SWV_REFUSED) {
		op_finish(op, ENF_REFUSED, "switch %s: MAC %s%s%s: %s: never isolated", sw->cfg.name,
			  mac, f->port[0] ? " is behind " : "", f->port, f->why);
		return;
	}
	if (f->status == SWV_UNKNOWN_VLAN) {
		op_finish(op, ENF_ERROR, "switch %s: MAC %s is behind %s, but %s: does the switch "
			  "implement it? (driver %s, %s)", sw->cfg.name, mac, f->port, f->why,
			  sw->drv->kind, sw->vendor->name);
		return;
	}
	op->cur_vlan = f->vlan;
	if (op->walked) {
		locate_done(op);
		return;
	}
	/* From the cache: the port's VLAN as it is now (an isolation may have moved it). */
	struct snmpc_oid o1;
	vlan_oid(op, &o1);
	op_get(op, ST_PORT_VLAN, &o1, 1);
}

/*
 * A port's VLAN as read: 1..4094; 0 when the switch answered a number that is
 * no VLAN ID (it would otherwise become an orig_vlan, and later be written
 * back); unchanged (-1: not read) for any other answer.
 */
static void
read_vlan_vb(struct op *op, const struct snmpc_vb *vb)
{
	if (vb->type == SNMPC_INTEGER || vb->type == SNMPC_UNSIGNED)
		op->cur_vlan = vb->i >= 1 && vb->i <= 4094 ? (int32_t)vb->i : 0;
}

static void
locate_done(struct op *op)
{
	struct sw *sw = op->sw;
	char mac[20];

	mac_text(op->host.mac, mac, sizeof(mac));
	if (op->cur_vlan <= 0) {
		op_finish(op, ENF_ERROR, "switch %s: %s has no readable %s (or not a VLAN ID "
			  "1..4094): does the switch implement it? (driver %s)", sw->cfg.name,
			  op->loc.port, sw->drv->vlan.name, sw->drv->kind);
		return;
	}
	if (op->cur_vlan == sw->cfg.quarantine_vlan) {
		op->loc.orig_vlan = -1;   /* unknown: it is in quarantine already */
		snprintf(op->loc.detail, sizeof(op->loc.detail), "%s (bridge port %d, ifIndex %d) "
			 "already in quarantine VLAN %d", op->loc.port, op->loc.bridge_port,
			 op->loc.ifindex, op->cur_vlan);
	} else {
		op->loc.orig_vlan = op->cur_vlan;
		char learned[48] = "";
		if (op->found.learned_vlan && op->found.learned_vlan != op->cur_vlan)
			snprintf(learned, sizeof(learned), ", MAC learned in VLAN %d",
				 op->found.learned_vlan);
		snprintf(op->loc.detail, sizeof(op->loc.detail), "%s (bridge port %d, ifIndex %d) "
			 "VLAN %d%s", op->loc.port, op->loc.bridge_port, op->loc.ifindex, op->cur_vlan,
			 learned);
	}
	op_finish(op, ENF_OK, "switch %s: MAC %s found on %s in VLAN %d (%s)", sw->cfg.name, mac,
		  op->loc.port, op->cur_vlan, op->found.how);
}

static void
locate_vlan_reply(struct op *op, const struct snmpc_reply *r)
{
	struct snmpc_oid o1;
	char what[96];

	snprintf(what, sizeof(what), "reading %s of %s", op->sw->drv->vlan.name, op->loc.port);
	if (r->status != SNMPC_OK) {
		op_fail_reply(op, r, what);
		return;
	}
	vlan_oid(op, &o1);
	int32_t from_view = op->cur_vlan;
	op->cur_vlan = -1;
	for (size_t i = 0; i < r->nvb; i++)
		if (r->vb[i].oid.len == o1.len &&
		    snmpc_oid_has_prefix(&r->vb[i].oid, o1.n, o1.len))
			read_vlan_vb(op, &r->vb[i]);
	/* No such object: the VLAN came from the membership bitmaps, as in the view. */
	if (op->cur_vlan < 0)
		op->cur_vlan = from_view;
	locate_done(op);
}

/* ---- isolate / release: one "move" ---- */

struct op_args {
	struct enf_host host;
	struct enf_location loc;
};

/* Queued ops keep their arguments with them until they start. */
struct queued_op {
	struct op op;
	struct op_args args;
};

/* ---- isolate / release: moves, run in batches (see struct batch) ---- */

/* Why the op cannot act on `l` (op->loc is set from `l` either way); false when it can. */
static bool
location_refused(struct op *op, const struct enf_location *l, enum enf_status *st, char *msg,
		 size_t len)
{
	struct sw *sw = op->sw;

	op->loc = *l;
	if (l->point[0] && strcmp(l->point, sw->cfg.name) != 0) {
		/* A location from another switch names some other port here: never act on it. */
		*st = ENF_BAD_REQUEST;
		snprintf(msg, len, "switch %s: the location belongs to point '%.*s'", sw->cfg.name,
			 ENF_NAME_LEN, l->point);
		return true;
	}
	snprintf(op->loc.point, sizeof(op->loc.point), "%s", sw->cfg.name);
	if (l->orig_vlan < -1 || l->orig_vlan > 4094 || l->quarantine_vlan < -1 ||
	    l->quarantine_vlan > 4094) {
		/* Not a location this point made: a VLAN from it would be written to the switch. */
		*st = ENF_BAD_REQUEST;
		snprintf(msg, len, "switch %s: the location's VLANs (%d, quarantine %d) are not "
			 "VLAN IDs (1..4094)", sw->cfg.name, l->orig_vlan, l->quarantine_vlan);
		return true;
	}
	if (l->bridge_port <= 0 || l->ifindex <= 0) {
		*st = ENF_BAD_REQUEST;
		snprintf(msg, len, "switch %s: the location has no bridge port or ifIndex "
			 "(locate the host first)", sw->cfg.name);
		return true;
	}
	if (l->port[0] && is_uplink(sw, l->port)) {
		*st = ENF_REFUSED;
		snprintf(msg, len, "switch %s: %s is a configured uplink: never changed", sw->cfg.name,
			 l->port);
		return true;
	}
	return false;
}

static bool
check_location(struct op *op, const struct enf_location *l)
{
	enum enf_status st;
	char msg[ENF_DETAIL_LEN];

	if (!location_refused(op, l, &st, msg, sizeof(msg)))
		return true;
	op_finish(op, st, "%s", msg);
	return false;
}

/* Reads the op's own VLAN object out of a reply; true if it was there. */
static bool
store_vlan(struct op *op, const struct snmpc_vb *vb)
{
	struct snmpc_oid vo;
	vlan_oid(op, &vo);
	if (vb->oid.len != vo.len || memcmp(vb->oid.n, vo.n, vo.len * sizeof(uint32_t)) != 0)
		return false;
	read_vlan_vb(op, vb);
	return true;
}

static struct vlan_members *
vl_find(struct batch *b, int32_t vid)
{
	for (size_t i = 0; i < b->nvl; i++)
		if (b->vl[i].vid == vid)
			return &b->vl[i];
	return NULL;
}

static const struct vlan_members *
vl_find_const(const struct batch *b, int32_t vid)
{
	for (size_t i = 0; i < b->nvl; i++)
		if (b->vl[i].vid == vid)
			return &b->vl[i];
	return NULL;
}

/* The VLAN's entry, added when new; NULL when the table is full (cannot happen: 2 per member). */
static struct vlan_members *
vl_add(struct batch *b, int32_t vid)
{
	struct vlan_members *v = vl_find(b, vid);
	if (v || b->nvl == BATCH_VLANS)
		return v;
	v = &b->vl[b->nvl++];
	memset(v, 0, sizeof(*v));
	v->vid = vid;
	return v;
}

static size_t
batch_live(const struct batch *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++)
		n += b->op[i] != NULL;
	return n;
}

static void batch_end(struct sw *sw);

/*
 * Completes member i. Its callback may destroy the point: then this returns
 * false, and the caller must return at once without touching `sw`.
 */
static bool
batch_finish(struct sw *sw, size_t i, enum enf_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool
batch_finish(struct sw *sw, size_t i, enum enf_status st, const char *fmt, ...)
{
	struct op *op = sw->batch.op[i];
	char msg[ENF_DETAIL_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sw->batch.op[i] = NULL;
	sw->in_callback++;   /* a destroy from the callback frees the point only after this */
	op_finish(op, st, "%s", msg);
	sw->in_callback--;
	if (sw->free_pending) {
		if (sw->in_callback == 0)
			sw_free(sw);
		return false;
	}
	return !sw->destroying;
}

/* Completes every member still running with the failure described by `r`. */
static void
batch_fail_reply(struct sw *sw, const struct snmpc_reply *r, const char *what_fmt, bool set_note)
{
	struct batch *b = &sw->batch;
	for (size_t i = 0; i < b->n; i++) {
		struct op *op = b->op[i];
		char pl[ENF_NAME_LEN + 16], what[192], msg[ENF_DETAIL_LEN];
		enum enf_status st;
		if (!op)
			continue;
		port_label(op, pl, sizeof(pl));
		if (set_note && r->status == SNMPC_TIMEOUT)
			snprintf(op->note, sizeof(op->note), "the SET may or may not have been "
				 "applied: read back or retry");
		/* what_fmt takes: object name, port, target VLAN, source VLAN, ifIndex */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(what, sizeof(what), what_fmt, sw->drv->vlan.name, pl, op->to_vlan,
			 op->from_vlan, op->loc.ifindex);
#pragma GCC diagnostic pop
		describe_failure(op, r, what, &st, msg, sizeof(msg));
		if (!batch_finish(sw, i, st, "%s", msg))
			return;
	}
	batch_end(sw);
}

static void
batch_fail_all(struct sw *sw, enum enf_status st, const char *msg)
{
	struct batch *b = &sw->batch;
	for (size_t i = 0; i < b->n; i++)
		if (b->op[i] && !batch_finish(sw, i, st, "switch %s: %s", sw->cfg.name, msg))
			return;
	batch_end(sw);
}

static void
batch_end(struct sw *sw)
{
	sw->batch_running = false;
	sw->batch.n = 0;
	sw_kick(sw);
}

static void on_batch_reply(void *arg, const struct snmpc_reply *r);

static void
batch_get(struct sw *sw, enum op_step step, const struct snmpc_oid *oids, size_t n)
{
	sw->batch.step = step;
	if (sw_get(sw, oids, n, on_batch_reply, sw) < 0)
		batch_fail_all(sw, ENF_ERROR, "cannot build a GET request");
}

static void
batch_set_req(struct sw *sw, enum op_step step, const struct snmpc_vb *vbs, size_t n)
{
	sw->batch.step = step;
	if (sw_set(sw, vbs, n, on_batch_reply, sw) < 0)
		batch_fail_all(sw, ENF_ERROR, "cannot build a SET request");
}

/* Reads every member's VLAN and the membership of every VLAN in the table (requested ones only). */
static void
batch_read(struct sw *sw, enum op_step step, bool only_new_vlans)
{
	struct batch *b = &sw->batch;
	struct snmpc_oid oids[BATCH_MAX + 2 * BATCH_VLANS];
	size_t n = 0;

	if (step != ST_MOVE_READ_FROM)
		for (size_t i = 0; i < b->n; i++)
			if (b->op[i]) {
				b->op[i]->cur_vlan = -1;
				vlan_oid(b->op[i], &oids[n++]);
			}
	if (sw->drv->member_reads)
		for (size_t v = 0; v < b->nvl; v++) {
			if (only_new_vlans && b->vl[v].requested)
				continue;
			b->vl[v].requested = true;
			b->vl[v].eg.present = b->vl[v].un.present = false;
			n += sw->drv->member_reads(b->vl[v].vid, &oids[n]);
		}
	batch_get(sw, step, oids, n);
}

static void
batch_store(struct sw *sw, const struct snmpc_reply *r)
{
	struct batch *b = &sw->batch;
	for (size_t k = 0; k < r->nvb; k++) {
		bool mine = false;
		for (size_t i = 0; i < b->n && !mine; i++)
			mine = b->op[i] && store_vlan(b->op[i], &r->vb[k]);
		if (!mine && sw->drv->member_store)
			sw->drv->member_store(b, &r->vb[k]);
	}
}

static void batch_set(struct sw *sw);

static void
batch_start(struct sw *sw)
{
	struct batch *b = &sw->batch;
	char pl[ENF_NAME_LEN + 16], msg[ENF_DETAIL_LEN];
	enum enf_status st;

	b->nvl = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct op *op = b->op[i];
		const struct enf_location *l = &((struct queued_op *)op)->args.loc;
		op->cur_vlan = -1;
		op->from_vlan = 0;
		op->note[0] = '\0';
		if (location_refused(op, l, &st, msg, sizeof(msg))) {
			if (!batch_finish(sw, i, st, "%s", msg))
				return;
			continue;
		}
		if (op->kind == OP_ISOLATE) {
			op->loc.quarantine_vlan = sw->cfg.quarantine_vlan;
			op->to_vlan = sw->cfg.quarantine_vlan;
			op->spec_from_vlan = l->orig_vlan;
		} else {
			if (l->orig_vlan <= 0) {
				if (!batch_finish(sw, i, ENF_BAD_REQUEST, "switch %s: %s: the original VLAN "
						  "is unknown; nothing to restore", sw->cfg.name,
						  port_label(op, pl, sizeof(pl))))
					return;
				continue;
			}

			if (op->loc.quarantine_vlan <= 0)
				op->loc.quarantine_vlan = sw->cfg.quarantine_vlan;
			op->to_vlan = l->orig_vlan;
			op->spec_from_vlan = op->loc.quarantine_vlan;
		}
		if (sw->drv->member_reads) {
			vl_add(b, op->to_vlan);
			if (op->spec_from_vlan > 0)
				vl_add(b, op->spec_from_vlan);
		}
	}
	if (!batch_live(b)) {
		batch_end(sw);
		return;
	}
	batch_read(sw, ST_MOVE_READ, false);
}

static void
batch_read_reply(struct sw *sw, const struct snmpc_reply *r)
{
	struct batch *b = &sw->batch;
	char pl[ENF_NAME_LEN + 16];

	if (r->status != SNMPC_OK) {
		batch_fail_reply(sw, r, "reading %s of %s", false);
		return;
	}
	batch_store(sw, r);
	bool need_from = false;
	for (size_t i = 0; i < b->n; i++) {
		struct op *op = b->op[i];
		bool ok = true;
		if (!op)
			continue;
		port_label(op, pl, sizeof(pl));
		const struct vlan_members *to = vl_find(b, op->to_vlan);
		if (op->cur_vlan <= 0) {
			ok = batch_finish(sw, i, ENF_ERROR, "switch %s: %s has no readable %s (or not a "
					  "VLAN ID 1..4094) (driver %s)", sw->cfg.name, pl,
					  sw->drv->vlan.name, sw->drv->kind);
		} else if (sw->drv->member_reads && (!to || !to->eg.present)) {
			ok = batch_finish(sw, i, ENF_BAD_REQUEST, "switch %s: the switch has no VLAN %d "
					  "(dot1qVlanStaticEgressPorts.%d does not exist); %s not changed",
					  sw->cfg.name, op->to_vlan, op->to_vlan, pl);
		} else if (op->cur_vlan == op->to_vlan) {
			/* Already there (a retry after a lost answer, or a restart): nothing to undo. */
			if (op->kind == OP_ISOLATE)
				snprintf(op->loc.detail, sizeof(op->loc.detail), "%s VLAN %d -> %d", pl,
					 op->loc.orig_vlan, op->to_vlan);
			ok = batch_finish(sw, i, ENF_OK, "switch %s: %s is already in VLAN %d%s",
					  sw->cfg.name, pl, op->to_vlan,
					  op->kind == OP_ISOLATE ? " (quarantine)" : "");
		} else if (op->kind == OP_RELEASE && op->cur_vlan != op->loc.quarantine_vlan) {
			ok = batch_finish(sw, i, ENF_MISMATCH, "switch %s: %s is in VLAN %d, neither the "
					  "quarantine VLAN %d nor its original VLAN %d: not changed",
					  sw->cfg.name, pl, op->cur_vlan, op->loc.quarantine_vlan,
					  op->to_vlan);
		} else {
			op->from_vlan = op->cur_vlan;
			if (sw->drv->member_reads) {
				const struct vlan_members *from = vl_find(b, op->from_vlan);
				if (!from || !from->requested) {
					vl_add(b, op->from_vlan);
					need_from = true;
				}
			}
		}
		if (!ok)
			return;
	}
	if (!batch_live(b)) {
		batch_end(sw);
		return;
	}
	if (need_from) {
		batch_read(sw, ST_MOVE_READ_FROM, true);
		return;
	}
	batch_set(sw);
}

static void
batch_set(struct sw *sw)
{
	struct batch *b = &sw->batch;
	struct snmpc_vb vbs[BATCH_MAX + 2 * BATCH_VLANS];
	size_t n = 0;
	char msg[ENF_DETAIL_LEN];

	for (size_t i = 0; i < b->n; i++) {
		if (!b->op[i])
			continue;
		memset(&vbs[n], 0, sizeof(vbs[n]));
		vlan_oid(b->op[i], &vbs[n].oid);
		vbs[n].type = sw->drv->vlan_type;
		vbs[n].i = b->op[i]->to_vlan;
		n++;
	}
	if (sw->drv->member_sets && sw->drv->member_sets(b, vbs, &n, msg, sizeof(msg)) < 0) {
		batch_fail_all(sw, ENF_ERROR, msg);
		return;
	}
	batch_set_req(sw, ST_MOVE_SET, vbs, n);
}

/* The agent refused a SET of several ports: each tries again alone, first in the queue. */
static void
batch_requeue_solo(struct sw *sw)
{
	struct batch *b = &sw->batch;
	for (size_t k = b->n; k-- > 0;) {
		struct op *op = b->op[k];
		if (!op)
			continue;
		b->op[k] = NULL;
		op->solo = true;
		op->next = sw->head;
		sw->head = op;
		if (!sw->tail)
			sw->tail = op;
		sw->queued++;
	}
	batch_end(sw);
}

static void
batch_admin(struct sw *sw, enum op_step step, int status)
{
	struct batch *b = &sw->batch;
	struct snmpc_vb vbs[BATCH_MAX];
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++) {
		if (!b->op[i])
			continue;
		memset(&vbs[n], 0, sizeof(vbs[n]));
		oid_of(&vbs[n].oid, &IF_ADMIN_STATUS, (uint32_t)b->op[i]->loc.ifindex);
		vbs[n].type = SNMPC_INTEGER;
		vbs[n].i = status;
		n++;
	}
	batch_set_req(sw, step, vbs, n);
}

static void
batch_verify(struct sw *sw)
{
	batch_read(sw, ST_MOVE_VERIFY, false);
}

static void
batch_verify_reply(struct sw *sw, const struct snmpc_reply *r)
{
	struct batch *b = &sw->batch;
	char pl[ENF_NAME_LEN + 16], msg[ENF_DETAIL_LEN];

	if (r->status != SNMPC_OK) {
		batch_fail_reply(sw, r, "reading back %s of %s", false);
		return;
	}
	batch_store(sw, r);
	for (size_t i = 0; i < b->n; i++) {
		struct op *op = b->op[i];
		bool ok;
		if (!op)
			continue;
		port_label(op, pl, sizeof(pl));
		if (op->cur_vlan != op->to_vlan) {
			ok = batch_finish(sw, i, ENF_MISMATCH, "switch %s: after the SET, %s reads %s %d, "
					  "not VLAN %d", sw->cfg.name, pl, sw->drv->vlan.name,
					  op->cur_vlan, op->to_vlan);
		} else if (sw->drv->member_verify && !sw->drv->member_verify(b, op, msg, sizeof(msg))) {
			ok = batch_finish(sw, i, ENF_MISMATCH, "switch %s: %s: %s", sw->cfg.name, pl, msg);
		} else if (op->kind == OP_ISOLATE) {
			op->loc.orig_vlan = op->from_vlan;
			snprintf(op->loc.detail, sizeof(op->loc.detail), "%s VLAN %d -> %d", pl,
				 op->from_vlan, op->to_vlan);
			ok = batch_finish(sw, i, ENF_OK, "switch %s: %s moved from VLAN %d to quarantine "
					  "VLAN %d%s (read back)", sw->cfg.name, pl, op->from_vlan,
					  op->to_vlan, sw->cfg.bounce ? ", port bounced" : "");
		} else {
			snprintf(op->loc.detail, sizeof(op->loc.detail), "%s VLAN %d (restored)", pl,
				 op->to_vlan);
			ok = batch_finish(sw, i, ENF_OK, "switch %s: %s restored from VLAN %d to VLAN %d%s "
					  "(read back)", sw->cfg.name, pl, op->from_vlan, op->to_vlan,
					  sw->cfg.bounce ? ", port bounced" : "");
		}
		if (!ok)
			return;
	}
	batch_end(sw);
}

static void
on_pause(evutil_socket_t fd, short what, void *arg)
{
	struct sw *sw = arg;
	(void)fd;
	(void)what;
	if (sw->batch_running && sw->batch.step == ST_BOUNCE_PAUSE)
		batch_admin(sw, ST_BOUNCE_UP, IF_ADMIN_UP);
}

static void
on_batch_reply(void *arg, const struct snmpc_reply *r)
{
	struct sw *sw = arg;

	if (r->status == SNMPC_CANCELLED)
		return;   /* the point is being destroyed; it completes the members itself */
	if (r->status == SNMPC_AGENT_ERROR && r->error_status == 1 /* tooBig */ &&
	    batch_live(&sw->batch) > 1) {
		/* The agent's messages are smaller than this batch: one port at a time then. */
		batch_requeue_solo(sw);
		return;
	}
	switch (sw->batch.step) {
	case ST_MOVE_READ:
		batch_read_reply(sw, r);
		return;
	case ST_MOVE_READ_FROM:
		if (r->status != SNMPC_OK) {
			batch_fail_reply(sw, r, "reading the membership of the VLAN %4$d that %2$s leaves",
					 false);
			return;
		}
		batch_store(sw, r);
		batch_set(sw);
		return;
	case ST_MOVE_SET:
		if (r->status == SNMPC_AGENT_ERROR && batch_live(&sw->batch) > 1) {
			batch_requeue_solo(sw);
			return;
		}
		if (r->status != SNMPC_OK) {
			batch_fail_reply(sw, r, "SET of %s for %s to VLAN %d (from %d)", true);
			return;
		}
		if (sw->cfg.bounce) {
			batch_admin(sw, ST_BOUNCE_DOWN, IF_ADMIN_DOWN);
			return;
		}
		batch_verify(sw);
		return;
	case ST_BOUNCE_DOWN: {
		if (r->status != SNMPC_OK) {
			for (size_t i = 0; i < sw->batch.n; i++)
				if (sw->batch.op[i])
					snprintf(sw->batch.op[i]->note, sizeof(sw->batch.op[i]->note),
						 "the port was moved to VLAN %d first", sw->batch.op[i]->to_vlan);
			batch_fail_reply(sw, r, "bouncing %2$s (ifAdminStatus.%5$d down)", false);
			return;
		}
		struct timeval tv = {sw->cfg.bounce_pause_ms / 1000,
				     (long)(sw->cfg.bounce_pause_ms % 1000) * 1000};
		sw->batch.step = ST_BOUNCE_PAUSE;
		evtimer_add(sw->pause_ev, &tv);
		return;
	}
	case ST_BOUNCE_UP:
		if (r->status != SNMPC_OK) {
			for (size_t i = 0; i < sw->batch.n; i++)
				if (sw->batch.op[i])
					snprintf(sw->batch.op[i]->note, sizeof(sw->batch.op[i]->note),
						 "the port was moved to VLAN %d and may still be "
						 "administratively down", sw->batch.op[i]->to_vlan);
			batch_fail_reply(sw, r, "bouncing %2$s (ifAdminStatus.%5$d up)", false);
			return;
		}
		batch_verify(sw);
		return;
	case ST_MOVE_VERIFY:
		batch_verify_reply(sw, r);
		return;
	default:
		batch_fail_all(sw, ENF_ERROR, "internal error: unexpected step of a move");
		return;
	}
}

/* Takes consecutive moves on distinct ports from the head of the queue and starts them. */
static void
batch_gather(struct sw *sw)
{
	struct batch *b = &sw->batch;

	b->n = 0;
	for (int guard = 0; sw->head && b->n < BATCH_MAX && guard < BATCH_MAX; guard++) {
		struct op *op = sw->head;
		const struct enf_location *l = &((struct queued_op *)op)->args.loc;
		bool same_port = false;
		if (op->rejected || (op->kind != OP_ISOLATE && op->kind != OP_RELEASE) ||
		    (b->n > 0 && op->solo))
			break;
		for (size_t i = 0; i < b->n && !same_port; i++) {
			const struct enf_location *m = &((struct queued_op *)b->op[i])->args.loc;
			same_port = (m->bridge_port == l->bridge_port && m->ifindex == l->ifindex) ||
				    (l->port[0] && strcmp(m->port, l->port) == 0);
		}
		if (same_port)
			break;
		sw->head = op->next;
		if (!sw->head)
			sw->tail = NULL;
		sw->queued--;
		op->next = NULL;
		b->op[b->n++] = op;
		if (op->solo)
			break;
	}
	sw->batch_running = true;
	sw->stats.ops_started += b->n;
	batch_start(sw);
}

/* ---- Q-BRIDGE-MIB membership hooks ---- */

static size_t
qbridge_member_reads(int32_t vid, struct snmpc_oid *out)
{
	oid_of(&out[0], &EGRESS, (uint32_t)vid);
	oid_of(&out[1], &UNTAGGED, (uint32_t)vid);
	return 2;
}

static void
qbridge_member_store(struct batch *b, const struct snmpc_vb *vb)
{
	if (vb->type != SNMPC_STRING || vb->oid.len != EGRESS.len + 1)
		return;
	struct vlan_members *v = vl_find(b, (int32_t)vb->oid.n[EGRESS.len]);
	struct portlist *pl = NULL;
	if (!v)
		return;
	if (snmpc_oid_has_prefix(&vb->oid, EGRESS.n, EGRESS.len))
		pl = &v->eg;
	else if (snmpc_oid_has_prefix(&vb->oid, UNTAGGED.n, UNTAGGED.len))
		pl = &v->un;
	if (!pl)
		return;
	pl->present = true;
	pl->len = vb->slen;
	memcpy(pl->b, vb->s, vb->slen);
}

static bool
portlist_has(const struct portlist *pl, int32_t port)
{
	size_t byte = (size_t)(port - 1) / 8;
	return pl->present && byte < pl->len && (pl->b[byte] & (0x80 >> ((port - 1) % 8)));
}

static void
portlist_put(struct portlist *pl, int32_t port, bool member)
{
	size_t byte = (size_t)(port - 1) / 8;
	if (byte >= pl->len) {
		memset(pl->b + pl->len, 0, byte + 1 - pl->len);
		pl->len = byte + 1;
	}
	if (member)
		pl->b[byte] |= (uint8_t)(0x80 >> ((port - 1) % 8));
	else
		pl->b[byte] &= (uint8_t)~(0x80 >> ((port - 1) % 8));
}

static int
qbridge_member_sets(const struct batch *b, struct snmpc_vb *out, size_t *n, char *msg, size_t len)
{
	/* Each VLAN's bitmaps once: it gains the ports moving in, loses those moving out. */
	for (size_t v = 0; v < b->nvl; v++) {
		const struct vlan_members *vm = &b->vl[v];
		struct portlist eg = vm->eg, un = vm->un;
		bool involved = false;
		for (size_t i = 0; i < b->n; i++) {
			const struct op *op = b->op[i];
			if (!op || (op->to_vlan != vm->vid && op->from_vlan != vm->vid))
				continue;
			if ((size_t)(op->loc.bridge_port - 1) / 8 >= PORTLIST_MAX) {
				snprintf(msg, len, "bridge port %d is beyond the %d ports a PortList holds",
					 op->loc.bridge_port, PORTLIST_MAX * 8);
				return -1;
			}
			involved = true;
			portlist_put(&eg, op->loc.bridge_port, op->to_vlan == vm->vid);
			portlist_put(&un, op->loc.bridge_port, op->to_vlan == vm->vid);
		}
		if (!involved)
			continue;
		const struct portlist *lists[2] = {&eg, &un};
		const struct oid_ref *cols[2] = {&EGRESS, &UNTAGGED};
		for (int k = 0; k < 2; k++) {
			if (!(k == 0 ? vm->eg.present : vm->un.present))
				continue;   /* a VLAN the switch lacks: nothing to keep consistent */
			struct snmpc_vb *vb = &out[(*n)++];
			memset(vb, 0, sizeof(*vb));
			oid_of(&vb->oid, cols[k], (uint32_t)vm->vid);
			vb->type = SNMPC_STRING;
			vb->slen = lists[k]->len;
			memcpy(vb->s, lists[k]->b, lists[k]->len);
		}
	}
	return 0;
}

static bool
qbridge_member_verify(const struct batch *b, const struct op *op, char *msg, size_t len)
{
	int32_t port = op->loc.bridge_port;
	const struct vlan_members *to = vl_find_const(b, op->to_vlan);
	const struct vlan_members *from = vl_find_const(b, op->from_vlan);

	if (!to || !portlist_has(&to->eg, port) || !portlist_has(&to->un, port)) {
		snprintf(msg, len, "VLAN %d's egress/untagged ports do not include bridge port %d",
			 op->to_vlan, port);
		return false;
	}
	if (from && (portlist_has(&from->eg, port) || portlist_has(&from->un, port))) {
		snprintf(msg, len, "VLAN %d's egress/untagged ports still include bridge port %d",
			 op->from_vlan, port);
		return false;
	}
	return true;
}

/* ---- check ---- */

static void
check_start(struct op *op, const struct enf_location *l)
{
	struct snmpc_oid o;
	if (!check_location(op, l))
		return;
	if (op->loc.quarantine_vlan <= 0)
		op->loc.quarantine_vlan = op->sw->cfg.quarantine_vlan;
	vlan_oid(op, &o);
	op_get(op, ST_CHECK_READ, &o, 1);
}

static void
check_reply(struct op *op, const struct snmpc_reply *r)
{
	struct sw *sw = op->sw;
	char pl[ENF_NAME_LEN + 16], what[128];

	port_label(op, pl, sizeof(pl));
	snprintf(what, sizeof(what), "reading %s of %s", sw->drv->vlan.name, pl);
	if (r->status != SNMPC_OK) {
		op_fail_reply(op, r, what);
		return;
	}
	op->cur_vlan = -1;
	for (size_t i = 0; i < r->nvb; i++)
		store_vlan(op, &r->vb[i]);
	if (op->cur_vlan == op->loc.quarantine_vlan)
		op_finish(op, ENF_OK, "switch %s: %s is in quarantine VLAN %d", sw->cfg.name, pl,
			  op->cur_vlan);
	else
		op_finish(op, ENF_MISMATCH, "switch %s: %s is in VLAN %d, not in quarantine VLAN %d",
			  sw->cfg.name, pl, op->cur_vlan, op->loc.quarantine_vlan);
}

/* ---- dispatch of replies and the queue ---- */

static void
on_reply(void *arg, const struct snmpc_reply *r)
{
	struct op *op = arg;

	if (r->status == SNMPC_CANCELLED)
		return;   /* the point is being destroyed; it completes the op itself */
	switch (op->kind) {
	case OP_PROBE:
		if (op->step == ST_PROBE_VERIFY)
			probe_verify_reply(op, r);
		else
			probe_reply(op, r);
		break;
	case OP_LOCATE:
	case OP_SURVEY:
		if (op->step == ST_WALK)
			locate_walk_reply(op, r);
		else if (op->step == ST_VLAN_LIST || op->step == ST_CTX_FDB || op->step == ST_CTX_PORTS)
			ctx_reply(op, r);
		else
			locate_vlan_reply(op, r);
		break;
	case OP_ISOLATE:
	case OP_RELEASE:
		break;   /* moves run in batches: on_batch_reply */
	case OP_CHECK:
		check_reply(op, r);
		break;
	}
}

static void
op_start(struct op *op, const struct op_args *a)
{
	op->sw->stats.ops_started++;
	switch (op->kind) {
	case OP_PROBE: probe_start(op); break;
	case OP_LOCATE: locate_start(op); break;
	case OP_SURVEY: locate_walk(op); break;
	case OP_ISOLATE:
	case OP_RELEASE: break;   /* moves run in batches: batch_gather */
	case OP_CHECK: check_start(op, &a->loc); break;
	}
}


/* Driver auto: the answer to the sysObjectID GET made before the first operation. */
static void
on_detect(void *arg, const struct snmpc_reply *r)
{
	struct sw *sw = arg;

	if (r->status == SNMPC_CANCELLED)
		return;   /* the point is being destroyed */
	sw->detecting = false;
	if (r->status == SNMPC_OK) {
		for (size_t i = 0; i < r->nvb; i++)
			vendor_from(sw, &r->vb[i]);
		/* No sysObjectID: a standard switch, as the MIBs say. */
		sw->vendor_known = true;
		sw_kick(sw);
		return;
	}
	/* The switch did not answer: the operation waiting for it fails the same way. */
	struct op *op = sw->head;
	if (!op)
		return;
	sw->head = op->next;
	if (!sw->head)
		sw->tail = NULL;
	sw->queued--;
	op->next = NULL;
	sw->cur = op;
	sw->stats.ops_started++;
	op_fail_reply(op, r, "reading sysObjectID.0 to choose the driver (driver auto)");
}

static void
sw_detect(struct sw *sw)
{
	struct snmpc_oid o;
	snmpc_oid_make(&o, SYS_OBJECT_ID.n, SYS_OBJECT_ID.len, NULL, 0);
	sw->detecting = true;
	if (sw_get(sw, &o, 1, on_detect, sw) < 0) {
		sw->detecting = false;
		sw->vendor_known = true;   /* cannot even ask: the standard driver */
		sw_kick(sw);
	}
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct sw *sw = arg;
	(void)fd;
	(void)what;

	/*
	 * One op per kick: op_finish kicks again, and after it (its callback may
	 * have destroyed the point) nothing here touches `sw`.
	 */
	if (!sw->head || sw->cur || sw->batch_running || sw->detecting)
		return;
	struct op *op = sw->head;
	if (!op->rejected && op->kind != OP_PROBE && sw->cfg.driver == SNMPSW_DRIVER_AUTO &&
	    !sw->vendor_known) {
		sw_detect(sw);
		return;
	}
	if (!op->rejected && (op->kind == OP_ISOLATE || op->kind == OP_RELEASE) &&
	    sw->vendor->no_vlan_writes) {
		op->rejected = true;
		op->reject_status = ENF_BAD_REQUEST;
		snprintf(op->reject_msg, sizeof(op->reject_msg), "switch %s (%s): Cordon does not "
			 "move ports on this switch over SNMP: %s", sw->cfg.name, sw->vendor->name,
			 sw->vendor->no_vlan_writes);
	}
	if (!op->rejected && (op->kind == OP_ISOLATE || op->kind == OP_RELEASE)) {
		sw->fdb_valid = false;   /* ports move: a later locate reads the switch again */
		batch_gather(sw);
		return;
	}
	sw->head = op->next;
	if (!sw->head)
		sw->tail = NULL;
	sw->queued--;
	op->next = NULL;
	sw->cur = op;
	if (op->rejected) {
		op_finish(op, op->reject_status, "%s", op->reject_msg);
		return;
	}
	struct op_args a = ((struct queued_op *)op)->args;
	op_start(op, &a);
}

static void
sw_kick(struct sw *sw)
{
	if (!sw->cur && !sw->batch_running && !sw->detecting && sw->head)
		event_active(sw->kick_ev, 0, 0);
}

/* The queued op (NULL when it was answered at once: out of memory, or the point destroyed). */
static struct op *
sw_enqueue(struct sw *sw, enum op_kind kind, const struct enf_host *h, const struct enf_location *l,
	   enf_done_fn cb, void *arg)
{
	struct queued_op *q = sw->destroying ? NULL : calloc(1, sizeof(*q));
	if (!q) {
		/*
		 * Cannot even queue (out of memory, or a callback of a point being
		 * destroyed starting more work on it): answered from inside the call.
		 */
		struct enf_result res;
		memset(&res, 0, sizeof(res));
		res.status = ENF_ERROR;
		snprintf(res.message, sizeof(res.message), "switch %s: %s", sw->cfg.name,
			 sw->destroying ? "enforcement point destroyed" : "out of memory");
		if (l)
			res.loc = *l;
		if (cb)
			cb(arg, &res);
		return NULL;
	}
	struct op *op = &q->op;
	op->sw = sw;
	op->kind = kind;
	op->cb = cb;
	op->arg = arg;
	op->cur_vlan = -1;
	snprintf(op->loc.point, sizeof(op->loc.point), "%s", sw->cfg.name);
	op->loc.orig_vlan = -1;
	op->loc.quarantine_vlan = sw->cfg.quarantine_vlan;
	if (h) {
		q->args.host = *h;
		op->host = *h;
		op->loc.host = *h;
	}
	if (l) {
		q->args.loc = *l;
		op->loc = *l;
	}
	if (sw->queued >= sw->cfg.max_queue) {
		op->rejected = true;
		op->reject_status = ENF_ERROR;
		snprintf(op->reject_msg, sizeof(op->reject_msg), "switch %s: %zu operations already "
			 "waiting (max_queue): refused", sw->cfg.name, sw->queued);
		/* Rejections go first so that they are answered promptly. */
		op->next = sw->head;
		sw->head = op;
		if (!sw->tail)
			sw->tail = op;
	} else {
		if (sw->tail)
			sw->tail->next = op;
		else
			sw->head = op;
		sw->tail = op;
	}
	sw->queued++;
	sw_kick(sw);
	return op;
}

/* ---- enf_ops ---- */

static struct sw *
sw_of(struct enf_point *p)
{
	return p->impl;
}

static void
snmp_locate(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg)
{
	sw_enqueue(sw_of(p), OP_LOCATE, h, NULL, cb, arg);
}

static void
snmp_isolate(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	sw_enqueue(sw_of(p), OP_ISOLATE, &l->host, l, cb, arg);
}

static void
snmp_release(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	sw_enqueue(sw_of(p), OP_RELEASE, &l->host, l, cb, arg);
}

static void
snmp_check(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	sw_enqueue(sw_of(p), OP_CHECK, &l->host, l, cb, arg);
}

void
snmpsw_point_survey(struct enf_point *p, snmpsw_survey_fn cb, void *arg)
{
	struct sw *sw = sw_of(p);
	struct op *op = sw_enqueue(sw, OP_SURVEY, NULL, NULL, NULL, NULL);
	if (!op) {
		struct snmpsw_survey sv;
		memset(&sv, 0, sizeof(sv));
		sv.status = ENF_ERROR;
		snprintf(sv.message, sizeof(sv.message), "switch %s: %s", sw->cfg.name,
			 sw->destroying ? "enforcement point destroyed" : "out of memory");
		sv.vendor = sw->vendor->name;
		sv.driver = sw->drv == &DRIVER_CISCO ? "cisco" : "qbridge";
		cb(arg, &sv);
		return;
	}
	/* It starts from the loop only: set before it can finish. */
	op->survey_cb = cb;
	op->survey_arg = arg;
}

static void
snmp_destroy(struct enf_point *p)
{
	struct sw *sw = sw_of(p);
	if (!sw)
		return;
	sw->destroying = true;
	snmpc_close(sw->sess);   /* pending requests are cancelled; on_reply ignores them */
	sw->sess = NULL;
	if (sw->cur)
		op_finish(sw->cur, ENF_ERROR, "switch %s: enforcement point destroyed", sw->cfg.name);
	for (size_t i = 0; i < sw->batch.n; i++) {
		struct op *op = sw->batch.op[i];
		if (!op)
			continue;
		sw->batch.op[i] = NULL;
		op_finish(op, ENF_ERROR, "switch %s: enforcement point destroyed", sw->cfg.name);
	}
	sw->batch_running = false;
	for (int guard = 0; sw->head && guard < 10000000; guard++) {
		struct op *op = sw->head;
		sw->head = op->next;
		sw->cur = op;
		op_finish(op, ENF_ERROR, "switch %s: enforcement point destroyed", sw->cfg.name);
	}
	p->impl = NULL;
	if (sw->in_callback > 0) {
		/* Destroyed from one of its own callbacks: op_finish frees it once that returns. */
		sw->free_pending = true;
		event_del(sw->kick_ev);
		event_del(sw->pause_ev);
		return;
	}
	sw_free(sw);
}

static void
sw_free(struct sw *sw)
{
	if (sw->kick_ev)
		event_free(sw->kick_ev);
	if (sw->pause_ev)
		event_free(sw->pause_ev);
	swv_clear(&sw->view);
	config_wipe(&sw->cfg);
	free(sw);
}

static const struct enf_ops OPS_QBRIDGE = {
	.kind = "snmp-qbridge", .locate = snmp_locate, .isolate = snmp_isolate,
	.release = snmp_release, .check = snmp_check, .destroy = snmp_destroy,
};

static const struct enf_ops OPS_CISCO = {
	.kind = "snmp-cisco", .locate = snmp_locate, .isolate = snmp_isolate,
	.release = snmp_release, .check = snmp_check, .destroy = snmp_destroy,
};

static const struct enf_ops OPS_AUTO = {
	.kind = "snmp-auto", .locate = snmp_locate, .isolate = snmp_isolate,
	.release = snmp_release, .check = snmp_check, .destroy = snmp_destroy,
};

/* A point with a session (test_send NULL) or a test point (snmp_fuzz.h). */
static struct enf_point *
point_new(struct event_base *base, const struct snmpsw_config *cfg, snmpsw_send_fn test_send,
	  void *test_send_arg, enf_done_fn probe_cb, void *probe_arg, char *err, size_t errlen)
{
	struct snmpc_params sp;
	struct enf_point *p = NULL;
	struct sw *sw = NULL;

	if (snmpsw_config_check(cfg, err, errlen) < 0)
		return NULL;
	if (!snmpc_global_ready()) {
		snprintf(err, errlen, "switch %s: snmpsw_global_init was not called", cfg->name);
		return NULL;
	}
	if (!(p = calloc(1, sizeof(*p))) || !(sw = calloc(1, sizeof(*sw)))) {
		snprintf(err, errlen, "switch %s: out of memory", cfg->name);
		goto fail;
	}
	sw->cfg = *cfg;
	sw->base = base;
	sw->pt = p;
	/* driver auto: qbridge until the sysObjectID says otherwise (vendor_from) */
	sw->drv = cfg->driver == SNMPSW_DRIVER_CISCO ? &DRIVER_CISCO : &DRIVER_QBRIDGE;
	sw->vendor = snmp_vendor_standard();
	swv_init(&sw->view);
	sw->probe_cb = probe_cb;
	sw->probe_arg = probe_arg;
	sw->stats.probe = ENF_ERROR;
	sw->kick_ev = event_new(base, -1, 0, on_kick, sw);
	sw->pause_ev = evtimer_new(base, on_pause, sw);
	if (!sw->kick_ev || !sw->pause_ev) {
		snprintf(err, errlen, "switch %s: cannot create events", cfg->name);
		goto fail;
	}
	sw->test_send = test_send;
	sw->test_send_arg = test_send_arg;
	memset(&sp, 0, sizeof(sp));
	sp.label = cfg->name;
	sp.address = cfg->address;
	sp.port = cfg->port;
	sp.version = cfg->version == SNMPSW_V3 ? SNMPC_V3 : SNMPC_V2C;
	sp.community = cfg->community;
	sp.v3_user = cfg->v3_user;
	sp.v3_auth_pass = cfg->v3_auth_pass;
	sp.v3_priv_pass = cfg->v3_priv_pass;
	sp.timeout_ms = cfg->timeout_ms;
	sp.retries = cfg->retries;
	if (!test_send && !(sw->sess = snmpc_open(base, &sp, err, errlen)))
		goto fail;
	p->ops = cfg->driver == SNMPSW_DRIVER_CISCO ? &OPS_CISCO
		 : cfg->driver == SNMPSW_DRIVER_AUTO ? &OPS_AUTO : &OPS_QBRIDGE;
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	p->impl = sw;
	/* The write probe is the first operation in the queue. */
	sw_enqueue(sw, OP_PROBE, NULL, NULL, sw->probe_cb, sw->probe_arg);
	return p;
fail:
	if (sw) {
		if (sw->kick_ev)
			event_free(sw->kick_ev);
		if (sw->pause_ev)
			event_free(sw->pause_ev);
		config_wipe(&sw->cfg);
		free(sw);
	}
	free(p);
	return NULL;
}

struct enf_point *
snmpsw_point_new(struct event_base *base, const struct snmpsw_config *cfg, enf_done_fn probe_cb,
		 void *probe_arg, char *err, size_t errlen)
{
	return point_new(base, cfg, NULL, NULL, probe_cb, probe_arg, err, errlen);
}

struct enf_point *
snmpsw_test_point_new(struct event_base *base, const struct snmpsw_config *cfg,
		      snmpsw_send_fn send, void *send_arg, enf_done_fn probe_cb, void *probe_arg,
		      char *err, size_t errlen)
{
	if (!send) {
		snprintf(err, errlen, "switch %s: a test point needs a send function", cfg->name);
		return NULL;
	}
	return point_new(base, cfg, send, send_arg, probe_cb, probe_arg, err, errlen);
}

void
snmpsw_point_stats(const struct enf_point *p, struct snmpsw_stats *out)
{
	const struct sw *sw = p->impl;
	struct snmpc_stats cs;

	*out = sw->stats;
	out->queued = sw->queued;
	if (sw->sess) {
		snmpc_get_stats(sw->sess, &cs);
		out->requests = cs.requests;
		out->sends = cs.sends;
		out->retries = cs.retries;
		out->timeouts = cs.timeouts;
		out->agent_errors = cs.agent_errors;
		out->rediscoveries = cs.rediscoveries;
	}
}
