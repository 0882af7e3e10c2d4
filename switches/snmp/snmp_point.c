/* SPDX-License-Identifier: ISC */
/*
 * snmp: the SNMP enforcement point. One `struct sw` per switch (snmp_int.h),
 * holding its session (snmp_client), its queue of operations and its caches.
 * Every operation is a small state machine advanced by the replies of
 * snmp_client; the two drivers share all of it and differ only by the tables
 * and hooks of snmp_driver.c.
 *
 * This module is the point itself: the queue (one operation at a time, moves
 * in batches), the dispatch of replies to the operation's module, driver auto
 * (sysObjectID before the first operation), and the enf_ops.
 */
#include "snmp_point.h"
#include "snmp.h"
#include "snmp_batch.h"
#include "snmp_check.h"
#include "snmp_client.h"
#include "snmp_config.h"
#include "snmp_driver.h"
#include "snmp_fuzz.h"
#include "snmp_locate.h"
#include "snmp_context.h"
#include "snmp_op.h"
#include "snmp_probe.h"
#include "snmp_vendor.h"
#include "snmp_view.h"

#include "loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- dispatch of replies and the queue ---- */

void
on_reply(void *arg, const struct snmpc_reply *r)
{
	struct op *op = arg;

	if (r->status == SNMPC_CANCELLED)
		return;   /* the point is being destroyed; it completes the op itself */
	switch (op->kind) {
	case OP_PROBE:
		if (op->step == ST_PROBE_VERIFY)
			probe_verify_reply(op, r);
		else if (op->step == ST_PROBE_APART)
			probe_apart_reply(op, r);
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
on_kick(void *arg)
{
	struct sw *sw = arg;

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

void
sw_kick(struct sw *sw)
{
	if (!sw->cur && !sw->batch_running && !sw->detecting && sw->head)
		loop_timer_fire(sw->kick);
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
		loop_timer_cancel(sw->kick);
		loop_timer_cancel(sw->pause);
		return;
	}
	sw_free(sw);
}

void
sw_free(struct sw *sw)
{
	loop_timer_free(sw->kick);
	loop_timer_free(sw->pause);
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
point_new(struct loop *loop, const struct snmpsw_config *cfg, snmpsw_send_fn test_send,
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
	sw->loop = loop;
	sw->pt = p;
	/* driver auto: qbridge until the sysObjectID says otherwise (vendor_from) */
	sw->drv = cfg->driver == SNMPSW_DRIVER_CISCO ? &DRIVER_CISCO : &DRIVER_QBRIDGE;
	sw->vendor = snmp_vendor_standard();
	swv_init(&sw->view);
	sw->probe_cb = probe_cb;
	sw->probe_arg = probe_arg;
	sw->stats.probe = ENF_ERROR;
	sw->kick = loop_timer_new(loop, on_kick, sw);
	sw->pause = loop_timer_new(loop, on_pause, sw);
	if (!sw->kick || !sw->pause) {
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
	if (!test_send && !(sw->sess = snmpc_open(loop, &sp, err, errlen)))
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
		loop_timer_free(sw->kick);
		loop_timer_free(sw->pause);
		config_wipe(&sw->cfg);
		free(sw);
	}
	free(p);
	return NULL;
}

struct enf_point *
snmpsw_point_new(struct loop *loop, const struct snmpsw_config *cfg, enf_done_fn probe_cb,
		 void *probe_arg, char *err, size_t errlen)
{
	return point_new(loop, cfg, NULL, NULL, probe_cb, probe_arg, err, errlen);
}

struct enf_point *
snmpsw_test_point_new(struct loop *loop, const struct snmpsw_config *cfg,
		      snmpsw_send_fn send, void *send_arg, enf_done_fn probe_cb, void *probe_arg,
		      char *err, size_t errlen)
{
	if (!send) {
		snprintf(err, errlen, "switch %s: a test point needs a send function", cfg->name);
		return NULL;
	}
	return point_new(loop, cfg, send, send_arg, probe_cb, probe_arg, err, errlen);
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
