/* SPDX-License-Identifier: ISC */
/* check: is a located port in the quarantine VLAN now? One GET of its VLAN object. */
#include "snmp_check.h"
#include "snmp_driver.h"
#include "snmp_op.h"

#include <stdio.h>

void
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

void
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
