/* SPDX-License-Identifier: ISC */
/*
 * The write probe: sysLocation.0 read, written back unchanged, the echo
 * checked and read back; its answer also tells the vendor (sysObjectID.0),
 * from which driver auto chooses.
 */
#include "snmp_probe.h"
#include "snmp_driver.h"
#include "snmp_op.h"
#include "snmp_vendor.h"

#include <stdio.h>
#include <string.h>

void
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
void
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

void
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

void
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
	/*
	 * Write access confirmed. Then whether the quarantine VLAN keeps its
	 * hosts apart, where a MIB tells: a Cisco private VLAN's type (domain 1,
	 * as vtpVlanState). Other switches answer noSuchObject: not told.
	 */
	struct snmpc_oid o;
	uint32_t idx[2] = { 1, (uint32_t)sw->cfg.quarantine_vlan };
	snmpc_oid_make(&o, CPVLAN_VLAN_TYPE.n, CPVLAN_VLAN_TYPE.len, idx, 2);
	op_get(op, ST_PROBE_APART, &o, 1);
}

static const char *
pvlan_type_name(long t)
{
	static const char *const names[] = { "?", "normal", "primary", "isolated", "community",
					     "twoWayCommunity" };
	return t >= 1 && t <= 5 ? names[t] : "unknown";
}

void
probe_apart_reply(struct op *op, const struct snmpc_reply *r)
{
	struct sw *sw = op->sw;
	const struct snmpc_vb *vb = r->status == SNMPC_OK && r->nvb == 1 ? &r->vb[0] : NULL;
	const size_t len = CPVLAN_VLAN_TYPE.len;
	enum enf_apart apart = ENF_APART_UNTOLD;
	char how[160];

	if (r->status != SNMPC_OK) {
		/* A switch that has the MIB may time out: unread, not "not told". */
		snprintf(how, sizeof(how), "whether quarantine VLAN %d keeps its hosts apart could not be "
			 "read (%s)", (int)sw->cfg.quarantine_vlan,
			 r->status == SNMPC_AGENT_ERROR ? snmpc_error_status_name(r->error_status)
			 : r->status == SNMPC_TIMEOUT ? "no answer"
			 : r->status == SNMPC_AUTH ? "authentication failure"
			 : r->status == SNMPC_CANCELLED ? "cancelled" : "not sent");
	} else if (vb && vb->type == SNMPC_INTEGER && vb->oid.len == len + 2 &&
		   snmpc_oid_has_prefix(&vb->oid, CPVLAN_VLAN_TYPE.n, len) && vb->oid.n[len] == 1 &&
		   vb->oid.n[len + 1] == (uint32_t)sw->cfg.quarantine_vlan) {
		apart = vb->i == 3 ? ENF_APART_YES : ENF_APART_NO;
		snprintf(how, sizeof(how), "quarantine VLAN %d is a private VLAN of type %s (%lld)%s",
			 (int)sw->cfg.quarantine_vlan, pvlan_type_name((long)vb->i), (long long)vb->i,
			 apart == ENF_APART_YES ? ": quarantined hosts are kept apart"
						: ", not isolated: quarantined hosts can reach each other");
	} else {
		snprintf(how, sizeof(how), "whether quarantine VLAN %d keeps its hosts apart: not told "
			 "(no CISCO-PRIVATE-VLAN-MIB answer)", (int)sw->cfg.quarantine_vlan);
	}
	op->apart = apart;
	/* What the quarantine does first: the message may be cut at ENF_DETAIL_LEN. */
	op_finish(op, ENF_OK, "switch %s: write access confirmed; %s", sw->cfg.name, how);
}
