/* SPDX-License-Identifier: ISC */
/*
 * locate walks the tables of drv->walk into sw->view (one walk after the
 * other), for Cisco also the per-VLAN contexts (snmp_context.c) when the
 * default context does not hold the MAC, then asks snmp_view where the MAC
 * is. A decision taken from a cached view reads the port's VLAN again, as it
 * may have moved. A survey walks the same tables and lists the ports.
 */
#include "snmp_locate.h"
#include "snmp_context.h"
#include "snmp_driver.h"
#include "snmp_op.h"
#include "snmp_point.h"
#include "snmp_vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void locate_resolve(struct op *op);

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
	if (sw_walk_in(op->sw, 0, &root, swv_col_max_rows(op->sw->drv->walk[op->iwalk]), on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a walk request", op->sw->cfg.name);
}

void
locate_walk(struct op *op)
{
	fdb_reset(op->sw);
	op->iwalk = 0;
	locate_walk_col(op);
}

void
locate_start(struct op *op)
{
	struct sw *sw = op->sw;

	if (!op->host.has_mac) {
		op_finish(op, ENF_BAD_REQUEST, "switch %s: locating a host needs its MAC address "
			  "(from the sensor's frames or ARP)", sw->cfg.name);
		return;
	}
	if (!op->host.fresh && sw->fdb_valid && ms_since(&sw->fdb_time) < sw->cfg.fdb_cache_ms) {
		locate_resolve(op);
		return;
	}
	locate_walk(op);
}

/* The view is complete: start its cache lifetime and decide. */
void
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

void
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
		for (uint32_t k = 0; k < op->found.ntagged && k < ENF_MAX_TAGGED; k++)
			if (op->found.tagged[k] == sw->cfg.quarantine_vlan) {
				/* Release would take it out of the quarantine VLAN altogether. */
				op_finish(op, ENF_REFUSED, "switch %s: MAC %s is behind %s, a tagged "
					  "member of the quarantine VLAN %d: never isolated", sw->cfg.name,
					  mac, op->loc.port, sw->cfg.quarantine_vlan);
				return;
			}
		op->loc.orig_vlan = op->cur_vlan;
		/* From the view; isolate reads them again before it takes them away. */
		op->loc.norig_tagged = 0;
		for (uint32_t k = 0; k < op->found.ntagged && k < ENF_MAX_TAGGED; k++)
			if (op->found.tagged[k] != op->cur_vlan)
				op->loc.orig_tagged[op->loc.norig_tagged++] = op->found.tagged[k];
		char learned[48] = "", tagged[ENF_MAX_TAGGED * 6 + 16];
		if (op->found.learned_vlan && op->found.learned_vlan != op->cur_vlan)
			snprintf(learned, sizeof(learned), ", MAC learned in VLAN %d",
				 op->found.learned_vlan);
		tagged_label(&op->loc, tagged, sizeof(tagged));
		snprintf(op->loc.detail, sizeof(op->loc.detail), "%s (bridge port %d, ifIndex %d) "
			 "VLAN %d%s%s", op->loc.port, op->loc.bridge_port, op->loc.ifindex, op->cur_vlan,
			 tagged, learned);
	}
	memcpy(op->loc.port_macs, op->found.port_macs, sizeof(op->loc.port_macs));
	op->loc.nport_macs = op->found.nport_macs;
	op_finish(op, ENF_OK, "switch %s: MAC %s found on %s in VLAN %d (%s%s)", sw->cfg.name, mac,
		  op->loc.port, op->cur_vlan, op->found.how,
		  op->found.nport_macs > 1 ? "; a shared port: other MACs are learned there" : "");
}

void
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
