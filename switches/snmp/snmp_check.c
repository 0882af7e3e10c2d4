/* SPDX-License-Identifier: ISC */
/*
 * check: is a located port in the quarantine VLAN now, and out of the VLANs it
 * was a tagged member of? One GET of its VLAN object and those VLANs'
 * membership (driver qbridge) or its voice VLAN (driver cisco).
 */
#include "snmp_check.h"
#include "snmp_driver.h"
#include "snmp_op.h"

#include <stdio.h>
#include <stdlib.h>

void
check_start(struct op *op, const struct enf_location *l)
{
	struct snmpc_oid o[2 + 2 * ENF_MAX_TAGGED];
	size_t n = 1;
	if (!check_location(op, l))
		return;
	if (op->loc.quarantine_vlan <= 0)
		op->loc.quarantine_vlan = op->sw->cfg.quarantine_vlan;
	vlan_oid(op, &o[0]);
	/* location_refused: tagged VLANs only with member hooks, at most ENF_MAX_TAGGED */
	for (uint32_t k = 0; k < op->loc.norig_tagged && op->sw->drv->member_reads; k++)
		n += op->sw->drv->member_reads(op->loc.orig_tagged[k], &o[n]);
	op->cur_voice = -1;
	if (op->sw->drv->voice && op->loc.norig_tagged > 0)
		voice_oid(op, &o[n++]);
	op_get(op, ST_CHECK_READ, o, n);
}

/* The first recorded tagged VLAN whose egress ports hold the port again; 0: none (-1: out of memory). */
static int32_t
tagged_again(const struct op *op, const struct snmpc_reply *r)
{
	const struct driver *d = op->sw->drv;
	int32_t found = 0;
	if (op->loc.norig_tagged == 0 || !d->member_store)
		return 0;
	/* The driver's decoding, as a batch of these VLANs holds it. */
	struct batch *b = calloc(1, sizeof(*b));
	if (!b)
		return -1;
	for (uint32_t k = 0; k < op->loc.norig_tagged; k++)
		b->vl[b->nvl++].vid = op->loc.orig_tagged[k];
	for (size_t i = 0; i < r->nvb; i++)
		d->member_store(b, &r->vb[i]);
	for (size_t k = 0; k < b->nvl && !found; k++)
		if (portlist_has(&b->vl[k].eg, op->loc.bridge_port))
			found = b->vl[k].vid;
	free(b);
	return found;
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
		if (!store_vlan(op, &r->vb[i]))
			store_voice(op, &r->vb[i]);
	int32_t tagged = tagged_again(op, r);
	bool voice_back = sw->drv->voice && op->loc.norig_tagged > 0 &&
			  op->cur_voice != VOICE_VLAN_NONE;
	if (op->cur_vlan != op->loc.quarantine_vlan)
		op_finish(op, ENF_MISMATCH, "switch %s: %s is in VLAN %d, not in quarantine VLAN %d",
			  sw->cfg.name, pl, op->cur_vlan, op->loc.quarantine_vlan);
	else if (tagged < 0)
		op_finish(op, ENF_ERROR, "switch %s: out of memory", sw->cfg.name);
	else if (tagged > 0)
		op_finish(op, ENF_MISMATCH, "switch %s: %s is in quarantine VLAN %d but a tagged member "
			  "of VLAN %d again", sw->cfg.name, pl, op->cur_vlan, tagged);
	else if (voice_back)
		op_finish(op, ENF_MISMATCH, "switch %s: %s is in quarantine VLAN %d but its %s is %d, "
			  "not none (%d)", sw->cfg.name, pl, op->cur_vlan, sw->drv->voice->name,
			  op->cur_voice, VOICE_VLAN_NONE);
	else
		op_finish(op, ENF_OK, "switch %s: %s is in quarantine VLAN %d", sw->cfg.name, pl,
			  op->cur_vlan);
}
