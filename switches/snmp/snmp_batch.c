/* SPDX-License-Identifier: ISC */
/*
 * Isolations and releases ("moves"), run in batches (struct batch): one GET
 * reads every member's VLAN and the membership of every VLAN involved, one
 * SET moves every port, optionally a bounce (ifAdminStatus down, a pause, up),
 * and one GET reads it all back. An agent that refuses a SET of several ports
 * gets each again alone.
 */
#include "snmp_batch.h"
#include "snmp_driver.h"
#include "snmp_op.h"
#include "snmp_point.h"

#include "loop.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct vlan_members *
vl_find(struct batch *b, int32_t vid)
{
	for (size_t i = 0; i < b->nvl; i++)
		if (b->vl[i].vid == vid)
			return &b->vl[i];
	return NULL;
}

const struct vlan_members *
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
	struct snmpc_oid oids[2 * BATCH_MAX + 2 * BATCH_VLANS];
	size_t n = 0;

	if (step != ST_MOVE_READ_FROM)
		for (size_t i = 0; i < b->n; i++)
			if (b->op[i]) {
				b->op[i]->cur_vlan = -1;
				b->op[i]->cur_voice = -1;
				vlan_oid(b->op[i], &oids[n++]);
				if (sw->drv->voice && b->op[i]->ntag > 0)
					voice_oid(b->op[i], &oids[n++]);
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
			mine = b->op[i] && (store_vlan(b->op[i], &r->vb[k]) ||
					    store_voice(b->op[i], &r->vb[k]));
		if (!mine && sw->drv->member_store)
			sw->drv->member_store(b, &r->vb[k]);
	}
}

static void batch_set(struct sw *sw);

/* "swp2 VLAN 10 (tagged 20) -> 999": what isolation recorded and where the port is now. */
static void
move_detail(struct op *op, const char *pl, int32_t orig)
{
	char tl[ENF_MAX_TAGGED * 6 + 16];
	snprintf(op->loc.detail, sizeof(op->loc.detail), "%s VLAN %d%s -> %d", pl, orig,
		 tagged_label(&op->loc, tl, sizeof(tl)), op->to_vlan);
}

/*
 * The op's tagged VLANs against the bitmaps just read. Isolate: keeps those
 * the port is still a tagged member of (a membership gone since locate has
 * nothing to restore), all of them when the port is in quarantine already
 * (a retry: the first isolation took them); release: every one must still
 * exist. *pending: some
 * membership is not yet as the move wants it. False, with why, when the
 * port is untagged in one of them or its VLAN is one of them: the port is
 * not what was recorded, and nothing is changed.
 */
static bool
tagged_as_read(const struct sw *sw, struct op *op, bool *pending, char *why, size_t len)
{
	const struct batch *b = &sw->batch;
	int32_t port = op->loc.bridge_port;
	uint32_t kept = 0;

	*pending = false;
	if (sw->drv->voice) {
		/* location_refused: at most one, the voice VLAN */
		if (op->ntag == 0)
			return true;
		if (op->cur_voice < 0) {
			snprintf(why, len, "its %s is not readable (0..4096)", sw->drv->voice->name);
			return false;
		}
		if (op->kind == OP_ISOLATE && op->cur_vlan == op->to_vlan) {
			/* In quarantine already (a retry): the record stays; any voice VLAN goes. */
			*pending = op->cur_voice != VOICE_VLAN_NONE;
			return true;
		}
		if (op->kind == OP_ISOLATE) {
			if (op->cur_voice != op->tag[0] && op->cur_voice != VOICE_VLAN_NONE) {
				snprintf(why, len, "its %s is %d, not the %d recorded", sw->drv->voice->name,
					 op->cur_voice, op->tag[0]);
				return false;
			}
			*pending = op->cur_voice == op->tag[0];
			if (!*pending)
				op->ntag = 0;   /* gone since locate: nothing to restore */
			return true;
		}
		if (op->cur_voice != op->tag[0] && op->cur_voice != VOICE_VLAN_NONE) {
			snprintf(why, len, "its %s is %d, neither none (%d) nor the %d recorded",
				 sw->drv->voice->name, op->cur_voice, VOICE_VLAN_NONE, op->tag[0]);
			return false;
		}
		*pending = op->cur_voice != op->tag[0];
		return true;
	}
	for (uint32_t k = 0; k < op->ntag; k++) {
		const struct vlan_members *vm = vl_find_const(b, op->tag[k]);
		bool exists = vm && vm->eg.present;
		if (op->tag[k] == op->cur_vlan || (exists && portlist_has(&vm->un, port))) {
			snprintf(why, len, "it is an untagged member of VLAN %d, recorded as tagged",
				 op->tag[k]);
			return false;
		}
		if (op->kind == OP_RELEASE) {
			if (!exists) {
				snprintf(why, len, "its tagged VLAN %d no longer exists "
					 "(dot1qVlanStaticEgressPorts.%d)", op->tag[k], op->tag[k]);
				return false;
			}
			*pending = *pending || !portlist_has(&vm->eg, port);
			continue;
		}
		if (exists && portlist_has(&vm->eg, port)) {
			op->tag[kept++] = op->tag[k];
			*pending = true;
		} else if (op->cur_vlan == op->to_vlan) {
			/* In quarantine already (a retry): the record stays whole. */
			op->tag[kept++] = op->tag[k];
		}
	}
	if (op->kind == OP_ISOLATE)
		op->ntag = kept;
	return true;
}

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
		op->ntag = l->norig_tagged;
		memcpy(op->tag, l->orig_tagged, sizeof(op->tag));
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
			for (uint32_t k = 0; k < op->ntag; k++)
				vl_add(b, op->tag[k]);
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
		char tag_why[ENF_DETAIL_LEN];
		bool tag_pending = false;
		if (op->cur_vlan <= 0) {
			ok = batch_finish(sw, i, ENF_ERROR, "switch %s: %s has no readable %s (or not a "
					  "VLAN ID 1..4094) (driver %s)", sw->cfg.name, pl,
					  sw->drv->vlan.name, sw->drv->kind);
		} else if (sw->drv->member_reads && (!to || !to->eg.present)) {
			ok = batch_finish(sw, i, ENF_BAD_REQUEST, "switch %s: the switch has no VLAN %d "
					  "(dot1qVlanStaticEgressPorts.%d does not exist); %s not changed",
					  sw->cfg.name, op->to_vlan, op->to_vlan, pl);
		} else if (!tagged_as_read(sw, op, &tag_pending, tag_why, sizeof(tag_why))) {
			ok = batch_finish(sw, i, ENF_MISMATCH, "switch %s: %s: %s; not changed",
					  sw->cfg.name, pl, tag_why);
		} else if (op->cur_vlan == op->to_vlan && !tag_pending) {
			/* Already there (a retry after a lost answer, or a restart): nothing to undo. */
			if (op->kind == OP_ISOLATE)
				move_detail(op, pl, op->loc.orig_vlan);
			ok = batch_finish(sw, i, ENF_OK, "switch %s: %s is already in VLAN %d%s",
					  sw->cfg.name, pl, op->to_vlan,
					  op->kind == OP_ISOLATE ? " (quarantine)" : "");
		} else if (op->kind == OP_RELEASE && op->cur_vlan != op->loc.quarantine_vlan &&
			   op->cur_vlan != op->to_vlan) {
			ok = batch_finish(sw, i, ENF_MISMATCH, "switch %s: %s is in VLAN %d, neither the "
					  "quarantine VLAN %d nor its original VLAN %d: not changed",
					  sw->cfg.name, pl, op->cur_vlan, op->loc.quarantine_vlan,
					  op->to_vlan);
		} else {
			/* cur_vlan == to_vlan here: only tagged memberships are left to change. */
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
	struct snmpc_vb vbs[2 * BATCH_MAX + 2 * BATCH_VLANS];
	size_t n = 0;
	char msg[ENF_DETAIL_LEN];

	for (size_t i = 0; i < b->n; i++) {
		const struct op *op = b->op[i];
		if (!op)
			continue;
		memset(&vbs[n], 0, sizeof(vbs[n]));
		vlan_oid(op, &vbs[n].oid);
		vbs[n].type = sw->drv->vlan_type;
		vbs[n].i = op->to_vlan;
		n++;
		if (sw->drv->voice && op->ntag > 0) {
			/* The voice VLAN leaves with the port and comes back with it. */
			memset(&vbs[n], 0, sizeof(vbs[n]));
			voice_oid(op, &vbs[n].oid);
			vbs[n].type = SNMPC_INTEGER;
			vbs[n].i = op->kind == OP_ISOLATE ? VOICE_VLAN_NONE : op->tag[0];
			n++;
		}
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
	char pl[ENF_NAME_LEN + 16], msg[ENF_DETAIL_LEN], tl[ENF_MAX_TAGGED * 6 + 16];

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
		} else if (sw->drv->voice && op->ntag > 0 &&
			   op->cur_voice != (op->kind == OP_ISOLATE ? VOICE_VLAN_NONE : op->tag[0])) {
			ok = batch_finish(sw, i, ENF_MISMATCH, "switch %s: after the SET, %s reads %s %d, "
					  "not %d", sw->cfg.name, pl, sw->drv->voice->name, op->cur_voice,
					  op->kind == OP_ISOLATE ? VOICE_VLAN_NONE : op->tag[0]);
		} else if (op->kind == OP_ISOLATE) {
			/* from == to: it was in quarantine already; only tagged memberships left. */
			if (op->from_vlan != op->to_vlan)
				op->loc.orig_vlan = op->from_vlan;
			op->loc.norig_tagged = op->ntag;
			memcpy(op->loc.orig_tagged, op->tag, sizeof(op->tag));
			move_detail(op, pl, op->loc.orig_vlan);
			ok = batch_finish(sw, i, ENF_OK, "switch %s: %s moved from VLAN %d%s to quarantine "
					  "VLAN %d%s (read back)", sw->cfg.name, pl, op->loc.orig_vlan,
					  tagged_label(&op->loc, tl, sizeof(tl)), op->to_vlan,
					  sw->cfg.bounce ? ", port bounced" : "");
		} else {
			snprintf(op->loc.detail, sizeof(op->loc.detail), "%s VLAN %d%s (restored)", pl,
				 op->to_vlan, tagged_label(&op->loc, tl, sizeof(tl)));
			ok = batch_finish(sw, i, ENF_OK, "switch %s: %s restored from VLAN %d to VLAN %d%s%s "
					  "(read back)", sw->cfg.name, pl, op->from_vlan, op->to_vlan, tl,
					  sw->cfg.bounce ? ", port bounced" : "");
		}
		if (!ok)
			return;
	}
	batch_end(sw);
}

void
on_pause(void *arg)
{
	struct sw *sw = arg;
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
		sw->batch.step = ST_BOUNCE_PAUSE;
		loop_timer_arm(sw->pause, (double)sw->cfg.bounce_pause_ms / 1000.0);
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
void
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
