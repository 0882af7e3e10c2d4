/* SPDX-License-Identifier: ISC */
/*
 * What every operation of the point shares: its completion (op_finish, one
 * message naming the switch and what was being done), its requests (to
 * snmp_client, or to a test point's send function), and the checks and reads
 * of a port's location and VLAN.
 */
#include "snmp_op.h"
#include "snmp_driver.h"
#include "snmp_fuzz.h"
#include "snmp_point.h"
#include "snmp_vendor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ---- */

void
mac_text(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

double
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

const char *
port_label(const struct op *op, char *buf, size_t len)
{
	if (op->loc.port[0])
		snprintf(buf, len, "%s", op->loc.port);
	else
		snprintf(buf, len, "bridge port %d", op->loc.bridge_port);
	return buf;
}

const char *
tagged_label(const struct enf_location *l, char *buf, size_t len)
{
	char list[ENF_MAX_TAGGED * 6 + 1];
	buf[0] = '\0';
	if (l->norig_tagged > 0 && enf_tagged_text(l, list, sizeof(list)) > 0)
		snprintf(buf, len, " (tagged %s)", list);
	return buf;
}

void
oid_of(struct snmpc_oid *o, const struct oid_ref *col, uint32_t idx)
{
	snmpc_oid_make(o, col->n, col->len, &idx, 1);
}

/* The OID holding the port's VLAN for this driver. */
void
vlan_oid(const struct op *op, struct snmpc_oid *o)
{
	const struct driver *d = op->sw->drv;
	/* Junos indexes dot1qPvid by ifIndex (snmp_vendor.c). */
	bool by_port = d->vlan_index == IDX_BRIDGE_PORT && !op->sw->vendor->pvid_by_ifindex;
	oid_of(o, &d->vlan, (uint32_t)(by_port ? op->loc.bridge_port : op->loc.ifindex));
}

/*
 * A port's VLAN as read: 1..4094; 0 when the switch answered a number that is
 * no VLAN ID (it would otherwise become an orig_vlan, and later be written
 * back); unchanged (-1: not read) for any other answer.
 */
void
read_vlan_vb(struct op *op, const struct snmpc_vb *vb)
{
	if (vb->type == SNMPC_INTEGER || vb->type == SNMPC_UNSIGNED)
		op->cur_vlan = vb->i >= 1 && vb->i <= 4094 ? (int32_t)vb->i : 0;
}

/* ---- completion ---- */

void
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
	res.apart = op->apart;
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
void
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

void
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

int
sw_get(struct sw *sw, const struct snmpc_oid *oids, size_t n, snmpc_cb cb, void *arg)
{
	struct snmpsw_request rq = {.kind = SNMPSW_REQ_GET, .oids = oids, .n = n};
	return sw_request(sw, &rq, cb, arg);
}

int
sw_set(struct sw *sw, const struct snmpc_vb *vbs, size_t n, snmpc_cb cb, void *arg)
{
	struct snmpsw_request rq = {.kind = SNMPSW_REQ_SET, .vbs = vbs, .n = n};
	return sw_request(sw, &rq, cb, arg);
}

int
sw_walk_in(struct sw *sw, uint32_t ctx_vlan, const struct snmpc_oid *root, size_t max_rows,
	   snmpc_cb cb, void *arg)
{
	struct snmpsw_request rq = {.kind = SNMPSW_REQ_WALK, .ctx_vlan = ctx_vlan, .oids = root,
				    .n = 1, .max_rows = max_rows};
	return sw_request(sw, &rq, cb, arg);
}

void
op_get(struct op *op, enum op_step step, const struct snmpc_oid *oids, size_t n)
{
	op->step = step;
	if (sw_get(op->sw, oids, n, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a GET request", op->sw->cfg.name);
}

void
op_set(struct op *op, enum op_step step, const struct snmpc_vb *vbs, size_t n)
{
	op->step = step;
	if (sw_set(op->sw, vbs, n, on_reply, op) < 0)
		op_finish(op, ENF_ERROR, "switch %s: cannot build a SET request", op->sw->cfg.name);
}

/* ---- locations and VLANs ---- */

/* Why the op cannot act on `l` (op->loc is set from `l` either way); false when it can. */
bool
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
	if (l->norig_tagged > ENF_MAX_TAGGED) {
		*st = ENF_BAD_REQUEST;
		snprintf(msg, len, "switch %s: the location records %u tagged VLANs, more than %d",
			 sw->cfg.name, l->norig_tagged, ENF_MAX_TAGGED);
		return true;
	}
	for (uint32_t i = 0; i < l->norig_tagged; i++) {
		int32_t t = l->orig_tagged[i];
		bool dup = false;
		for (uint32_t k = 0; k < i; k++)
			dup = dup || l->orig_tagged[k] == t;
		if (t < 1 || t > 4094 || dup || t == l->orig_vlan || t == l->quarantine_vlan ||
		    t == sw->cfg.quarantine_vlan) {
			/* Written to the switch on release: only what a locate of this point records. */
			*st = ENF_BAD_REQUEST;
			snprintf(msg, len, "switch %s: the location's tagged VLAN %d is not a VLAN ID "
				 "(1..4094) distinct from the others, the original and the quarantine "
				 "VLAN", sw->cfg.name, t);
			return true;
		}
	}
	if (l->norig_tagged > 1 && sw->drv->voice) {
		*st = ENF_BAD_REQUEST;
		snprintf(msg, len, "switch %s: the location records %u tagged VLANs; driver %s "
			 "records one, the voice VLAN", sw->cfg.name, l->norig_tagged, sw->drv->kind);
		return true;
	}
	if (l->norig_tagged > 0 && !sw->drv->member_reads && !sw->drv->voice) {
		*st = ENF_BAD_REQUEST;
		snprintf(msg, len, "switch %s: the location records tagged VLANs, which driver %s "
			 "does not write", sw->cfg.name, sw->drv->kind);
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

bool
check_location(struct op *op, const struct enf_location *l)
{
	enum enf_status st;
	char msg[ENF_DETAIL_LEN];

	if (!location_refused(op, l, &st, msg, sizeof(msg)))
		return true;
	op_finish(op, st, "%s", msg);
	return false;
}

void
voice_oid(const struct op *op, struct snmpc_oid *o)
{
	oid_of(o, op->sw->drv->voice, (uint32_t)op->loc.ifindex);
}

bool
store_voice(struct op *op, const struct snmpc_vb *vb)
{
	struct snmpc_oid vo;
	if (!op->sw->drv->voice)
		return false;
	voice_oid(op, &vo);
	if (vb->oid.len != vo.len || memcmp(vb->oid.n, vo.n, vo.len * sizeof(uint32_t)) != 0)
		return false;
	/* 0..4096 as the MIB defines it; anything else is unreadable. */
	op->cur_voice = vb->type == SNMPC_INTEGER && vb->i >= 0 && vb->i <= VOICE_VLAN_NONE ?
			(int32_t)vb->i : -1;
	return true;
}

/* Reads the op's own VLAN object out of a reply; true if it was there. */
bool
store_vlan(struct op *op, const struct snmpc_vb *vb)
{
	struct snmpc_oid vo;
	vlan_oid(op, &vo);
	if (vb->oid.len != vo.len || memcmp(vb->oid.n, vo.n, vo.len * sizeof(uint32_t)) != 0)
		return false;
	read_vlan_vb(op, vb);
	return true;
}
