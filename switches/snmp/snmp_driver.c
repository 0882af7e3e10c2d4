/* SPDX-License-Identifier: ISC */
/*
 * The two drivers: tables of OIDs and small hooks (struct driver). Q-BRIDGE
 * and Cisco share every state machine; they differ by which forwarding tables
 * locate walks, which object holds a port's VLAN and how it is indexed, and
 * whether VLAN membership bitmaps are rewritten alongside it (the Q-BRIDGE
 * hooks below).
 */
#include "snmp_driver.h"
#include "snmp_batch.h"
#include "snmp_op.h"

#include <stdio.h>
#include <string.h>

/* ---- OIDs (numeric: Debian's MIB files are not installable here) ---- */

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
static const uint32_t OID_VM_VOICE_VLAN_ID[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 5, 1, 1, 1};
/* CISCO-PRIVATE-VLAN-MIB: cpvlanVlanPrivateVlanType, indexed as vtpVlanState */
static const uint32_t OID_CPVLAN_VLAN_TYPE[] = {1, 3, 6, 1, 4, 1, 9, 9, 173, 1, 1, 1, 1, 1};
/* CISCO-VTP-MIB: vtpVlanState, indexed by management domain and VLAN */
static const uint32_t OID_VTP_VLAN_STATE[] = {1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 3, 1, 1, 2};

const struct oid_ref SYS_LOCATION = OREF(OID_SYS_LOCATION_0, "sysLocation.0");
const struct oid_ref SYS_OBJECT_ID = OREF(OID_SYS_OBJECT_ID_0, "sysObjectID.0");
const struct oid_ref IF_ADMIN_STATUS = OREF(OID_IF_ADMIN_STATUS, "ifAdminStatus");
const struct oid_ref CPVLAN_VLAN_TYPE = OREF(OID_CPVLAN_VLAN_TYPE, "cpvlanVlanPrivateVlanType");
static const struct oid_ref EGRESS = OREF(OID_DOT1Q_VLAN_STATIC_EGRESS, "dot1qVlanStaticEgressPorts");
static const struct oid_ref UNTAGGED = OREF(OID_DOT1Q_VLAN_STATIC_UNTAGGED, "dot1qVlanStaticUntaggedPorts");
static const struct oid_ref VTP_VLAN_STATE = OREF(OID_VTP_VLAN_STATE, "vtpVlanState");
static const struct oid_ref VM_VOICE_VLAN = OREF(OID_VM_VOICE_VLAN_ID, "vmVoiceVlanId");

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
	SWV_VM_VLAN, SWV_TRUNK_STATUS, SWV_VOICE_VLAN,
	SWV_LLDP_REM_CAP, SWV_LLDP_REM_NAME, SWV_LLDP_LOC_PORT_ID, SWV_LLDP_LOC_PORT_DESC,
};

/*
 * Tables not worth a walk, given what the walks before found: each costs a
 * round trip, and a GETBULK's worth of the following table when empty.
 */
bool
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

const struct driver DRIVER_QBRIDGE = {
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

const struct driver DRIVER_CISCO = {
	.kind = "snmp-cisco",
	.walk = WALK_CISCO,
	.nwalk = sizeof(WALK_CISCO) / sizeof(WALK_CISCO[0]),
	.vlan_contexts = &VTP_VLAN_STATE,
	.vlan = OREF(OID_VM_VLAN, "vmVlan"),
	.vlan_index = IDX_IFINDEX,
	.vlan_type = SNMPC_INTEGER,
	/* vmVlan alone moves the port; the switch keeps its own membership. */
	.voice = &VM_VOICE_VLAN,
};

/* ---- Q-BRIDGE-MIB membership hooks ---- */

/* Whether the move changes the port's tagged membership of VLAN vid. */
static bool
op_tags(const struct op *op, int32_t vid)
{
	for (uint32_t k = 0; k < op->ntag && k < ENF_MAX_TAGGED; k++)
		if (op->tag[k] == vid)
			return true;
	return false;
}

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
	pl->cut = vb->cut;
	pl->len = vb->slen;
	memcpy(pl->b, vb->s, vb->slen);
}

bool
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
			if (!op || (op->to_vlan != vm->vid && op->from_vlan != vm->vid &&
				    !op_tags(op, vm->vid)))
				continue;
			if ((size_t)(op->loc.bridge_port - 1) / 8 >= PORTLIST_MAX) {
				snprintf(msg, len, "bridge port %d is beyond the %d ports a PortList holds",
					 op->loc.bridge_port, PORTLIST_MAX * 8);
				return -1;
			}
			involved = true;
			if (op_tags(op, vm->vid)) {
				/* A tagged membership: leaves on isolate, back on release, never untagged. */
				portlist_put(&eg, op->loc.bridge_port, op->kind == OP_RELEASE);
				portlist_put(&un, op->loc.bridge_port, false);
			} else {
				portlist_put(&eg, op->loc.bridge_port, op->to_vlan == vm->vid);
				portlist_put(&un, op->loc.bridge_port, op->to_vlan == vm->vid);
			}
		}
		if (!involved)
			continue;
		/* Written back cut, the list would drop every port beyond its end
		 * from the VLAN (uplinks and aggregates among them). */
		if (vm->eg.cut || vm->un.cut) {
			snprintf(msg, len, "VLAN %d's member list (dot1qVlanStatic%sPorts) is longer than the "
				 "%d octets Cordon reads: writing it back would drop the ports beyond bridge port %d",
				 vm->vid, vm->eg.cut ? "Egress" : "Untagged", PORTLIST_MAX, PORTLIST_MAX * 8);
			return -1;
		}
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
	if (from && from != to && (portlist_has(&from->eg, port) || portlist_has(&from->un, port))) {
		snprintf(msg, len, "VLAN %d's egress/untagged ports still include bridge port %d",
			 op->from_vlan, port);
		return false;
	}
	for (uint32_t k = 0; k < op->ntag; k++) {
		const struct vlan_members *t = vl_find_const(b, op->tag[k]);
		bool member = t && portlist_has(&t->eg, port);
		if (op->kind == OP_RELEASE && (!member || portlist_has(&t->un, port))) {
			snprintf(msg, len, "VLAN %d's egress ports do not include bridge port %d as a "
				 "tagged member again", op->tag[k], port);
			return false;
		}
		if (op->kind == OP_ISOLATE && member) {
			snprintf(msg, len, "VLAN %d's egress ports still include bridge port %d (tagged)",
				 op->tag[k], port);
			return false;
		}
	}
	return true;
}
