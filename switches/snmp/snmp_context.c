/* SPDX-License-Identifier: ISC */
/*
 * Per-VLAN bridge contexts (Cisco): BRIDGE-MIB served once per VLAN, the
 * VLANs listed by the driver's vlan_contexts column. A context that does not
 * answer is skipped and named in a not-found message.
 */
#include "snmp_context.h"
#include "snmp_driver.h"
#include "snmp_locate.h"
#include "snmp_op.h"
#include "snmp_point.h"

#include <stdio.h>
#include <stdlib.h>

void
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
	if (sw_walk_in(op->sw, op->ctx_vlans[op->ictx], &root, swv_col_max_rows(c), on_reply, op) < 0)
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

void
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
