/* SPDX-License-Identifier: ISC */
/*
 * snmp_client's requests: GET, SET and walks (GETBULK steps) built as
 * net-snmp PDUs, net-snmp's callback that records each outcome (never runs a
 * user callback: snmp_session.c does, once net-snmp has returned), and
 * per-VLAN contexts.
 */
#include "snmp_client.h"
#include "snmpc_int.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>


#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
to_netsnmp_oid(oid *out, const struct snmpc_oid *o)
{
	for (size_t i = 0; i < o->len; i++)
		out[i] = o->n[i];
	return o->len;
}

/* ---- varbinds ---- */

void
snmpc_vb_from_netsnmp(struct snmpc_vb *vb, const netsnmp_variable_list *v)
{
	memset(vb, 0, offsetof(struct snmpc_vb, s));
	vb->oid.len = v->name_length < SNMPC_MAX_OID ? v->name_length : SNMPC_MAX_OID;
	for (size_t i = 0; i < vb->oid.len; i++)
		vb->oid.n[i] = (uint32_t)v->name[i];
	switch (v->type) {
	case ASN_INTEGER:
		vb->type = SNMPC_INTEGER;
		vb->i = *v->val.integer;
		break;
	case ASN_GAUGE:   /* == ASN_UNSIGNED */
		vb->type = SNMPC_UNSIGNED;
		vb->i = (int64_t)(u_long)*v->val.integer;
		break;
	case ASN_COUNTER:
	case ASN_TIMETICKS:
		vb->type = SNMPC_COUNTER;
		vb->i = (int64_t)(u_long)*v->val.integer;
		break;
	case ASN_OCTET_STR:
		vb->type = SNMPC_STRING;
		vb->slen = v->val_len < SNMPC_MAX_STR ? v->val_len : SNMPC_MAX_STR;
		vb->cut = v->val_len > SNMPC_MAX_STR;
		memcpy(vb->s, v->val.string, vb->slen);
		break;
	case SNMP_NOSUCHOBJECT: vb->type = SNMPC_NO_SUCH_OBJECT; break;
	case SNMP_NOSUCHINSTANCE: vb->type = SNMPC_NO_SUCH_INSTANCE; break;
	case SNMP_ENDOFMIBVIEW: vb->type = SNMPC_END_OF_MIB; break;
	case ASN_NULL: vb->type = SNMPC_NULL; break;
	case ASN_OBJECT_ID: {
		/* As text: sysObjectID is compared with dotted prefixes (snmp_vendor.c). */
		size_t off = 0, n = v->val_len / sizeof(oid);
		vb->type = SNMPC_OBJECT_ID;
		for (size_t i = 0; i < n && off + 12 < SNMPC_MAX_STR; i++)
			off += (size_t)snprintf((char *)vb->s + off, SNMPC_MAX_STR - off, "%s%lu",
						 i ? "." : "", (unsigned long)v->val.objid[i]);
		vb->slen = off;
		if (n > 0 && off + 12 >= SNMPC_MAX_STR)
			vb->type = SNMPC_OTHER;   /* longer than any sysObjectID */
		break;
	}
	default: vb->type = SNMPC_OTHER; break;
	}
	if (vb->oid.len < v->name_length)
		vb->type = SNMPC_OTHER;   /* longer than Cordon ever asks for */
}

int
req_push_vb(struct snmpc_req *r, const netsnmp_variable_list *v)
{
	if (r->nvbs == r->capvbs) {
		size_t cap = r->capvbs ? r->capvbs * 2 : 8;
		struct snmpc_vb *n = realloc(r->vbs, cap * sizeof(*n));
		if (!n)
			return -1;
		r->vbs = n;
		r->capvbs = cap;
	}
	snmpc_vb_from_netsnmp(&r->vbs[r->nvbs++], v);
	return 0;
}

/* ---- completion ---- */

static void
req_unlink(struct snmpc_req *r)
{
	struct snmpc_session *s = r->s;
	for (struct snmpc_req **pp = &s->active; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	r->next = NULL;
}

void
req_complete(struct snmpc_req *r, enum snmpc_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void
req_complete(struct snmpc_req *r, enum snmpc_status st, const char *fmt, ...)
{
	struct snmpc_session *s = r->s;
	req_unlink(r);
	r->reply.status = st;
	r->reply.attempts = r->total_sends;
	r->in_flight = false;
	r->want_send = false;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->reply.message, sizeof(r->reply.message), fmt, ap);
		va_end(ap);
	}
	if (st == SNMPC_TIMEOUT)
		s->stats.timeouts++;
	if (st == SNMPC_AGENT_ERROR)
		s->stats.agent_errors++;
	if (s->done_tail)
		s->done_tail->next = r;
	else
		s->done_head = r;
	s->done_tail = r;
}

void
req_free(struct snmpc_req *r)
{
	if (r->tmpl)
		snmp_free_pdu(r->tmpl);
	free(r->vbs);
	free(r);
}

/* ---- sending ---- */

void
req_send(struct snmpc_req *r)
{
	struct snmpc_session *s = r->s;
	netsnmp_pdu *pdu = snmp_clone_pdu(r->tmpl);

	r->want_send = false;
	if (!pdu) {
		req_complete(r, SNMPC_FAILED, "%s: out of memory building a request", s->label);
		return;
	}
	if (snmp_sess_async_send(s->sessp, pdu, nsnmp_cb, r) == 0) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;
		snmp_sess_error(s->sessp, &liberr, &syserr, &msg);
		snmp_free_pdu(pdu);
		req_complete(r, SNMPC_FAILED, "%s: cannot send to %s: %s", s->label, s->peer,
			     msg ? msg : "unknown error");
		free(msg);
		return;
	}
	r->attempts++;
	r->total_sends++;
	r->in_flight = true;
	s->stats.sends++;
}

/* ---- net-snmp callback ---- */

void
walk_step(struct snmpc_req *r, netsnmp_pdu *pdu)
{
	struct snmpc_session *s = r->s;
	const struct snmpc_oid *last = r->nvbs ? &r->vbs[r->nvbs - 1].oid : &r->root;
	bool done = false;
	int got = 0;

	for (netsnmp_variable_list *v = pdu->variables; v && !done; v = v->next_variable) {
		struct snmpc_vb vb;
		snmpc_vb_from_netsnmp(&vb, v);
		if (vb.type == SNMPC_END_OF_MIB || vb.type == SNMPC_NO_SUCH_OBJECT ||
		    vb.type == SNMPC_NO_SUCH_INSTANCE ||
		    !snmpc_oid_has_prefix(&vb.oid, r->root.n, r->root.len) || vb.oid.len == r->root.len) {
			done = true;
			break;
		}
		if (oid_cmp(&vb.oid, last) <= 0) {
			req_complete(r, SNMPC_FAILED, "%s: the agent's walk of a table went backwards",
				     s->label);
			return;
		}
		if (req_push_vb(r, v) < 0) {
			req_complete(r, SNMPC_FAILED, "%s: out of memory in a walk", s->label);
			return;
		}
		last = &r->vbs[r->nvbs - 1].oid;
		got++;
		if (r->nvbs >= r->max_rows) {
			snprintf(r->reply.message, sizeof(r->reply.message),
				 "%s: walk stopped after %zu rows", s->label, r->nvbs);
			done = true;
		}
	}
	if (!got)
		done = true;
	if (done) {
		req_complete(r, SNMPC_OK, NULL);
		return;
	}
	if (++r->steps >= WALK_MAX_STEPS) {
		req_complete(r, SNMPC_FAILED, "%s: walk of more than %d steps abandoned", s->label,
			     WALK_MAX_STEPS);
		return;
	}
	netsnmp_pdu *next = snmp_pdu_create(SNMP_MSG_GETBULK);
	oid name[SNMPC_MAX_OID];
	if (!next) {
		req_complete(r, SNMPC_FAILED, "%s: out of memory in a walk", s->label);
		return;
	}
	next->non_repeaters = 0;
	next->max_repetitions = WALK_REPETITIONS;
	snmp_add_null_var(next, name, to_netsnmp_oid(name, last));
	if (pdu_set_context(s, next, r->ctx_vlan) < 0) {
		snmp_free_pdu(next);
		req_complete(r, SNMPC_FAILED, "%s: out of memory in a walk", s->label);
		return;
	}
	snmp_free_pdu(r->tmpl);
	r->tmpl = next;
	r->attempts = 0;
	r->want_send = true;
}

int
nsnmp_cb(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmpc_req *r = magic;
	struct snmpc_session *s = r->s;
	(void)ns;
	(void)reqid;

	if (s->closing || !r->in_flight)
		return 1;
	r->in_flight = false;
	switch (op) {
	case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
		if (pdu->command == SNMP_MSG_REPORT) {
			req_complete(r, SNMPC_AUTH, "%s: the agent refused the SNMPv3 request: %s",
				     s->label, snmp_api_errstring(snmpv3_get_report_type(pdu)));
		} else if (pdu->errstat != SNMP_ERR_NOERROR) {
			r->reply.error_status = pdu->errstat;
			r->reply.error_index = pdu->errindex;
			for (netsnmp_variable_list *v = pdu->variables; v; v = v->next_variable)
				if (req_push_vb(r, v) < 0)
					break;
			req_complete(r, SNMPC_AGENT_ERROR, "%s: the agent answered %s", s->label,
				     snmpc_error_status_name(pdu->errstat));
		} else if (r->kind == RQ_WALK) {
			walk_step(r, pdu);
		} else {
			for (netsnmp_variable_list *v = pdu->variables; v; v = v->next_variable)
				if (req_push_vb(r, v) < 0) {
					req_complete(r, SNMPC_FAILED, "%s: out of memory", s->label);
					return 1;
				}
			req_complete(r, SNMPC_OK, NULL);
		}
		break;
	case NETSNMP_CALLBACK_OP_SEC_ERROR: {
		int report = pdu ? snmpv3_get_report_type(pdu) : SNMPERR_GENERR;
		if (report == SNMPERR_UNKNOWN_ENG_ID && !r->rediscovered) {
			/*
			 * The agent has a new engine ID (its persistent state was
			 * lost): discover it again and resend, once.
			 */
			r->rediscovered = true;
			r->want_send = true;
			s->v3_reset = true;
			s->v3_reset_known = false;
			break;
		}
		/* A report the USM could not accept: wrong digest, unknown user, decryption error. */
		req_complete(r, SNMPC_AUTH, "%s: the agent refused the SNMPv3 request: %s", s->label,
			     snmp_api_errstring(report));
		break;
	}
	case NETSNMP_CALLBACK_OP_RESEND:
		r->in_flight = true;   /* net-snmp resent it (notInTimeWindow): still waiting */
		break;
	case NETSNMP_CALLBACK_OP_TIMED_OUT:
		if (s->version == SNMPC_V3 && r->attempts == 1 && s->v3 == V3_DISCOVERED)
			s->v3_recheck = true;
		if (r->attempts <= s->retries) {
			r->want_send = true;
			s->stats.retries++;
		} else {
			req_complete(r, SNMPC_TIMEOUT, "%s: no answer from %s after %u attempts of %u ms",
				     s->label, s->peer, r->attempts, s->timeout_ms);
		}
		break;
	default:
		req_complete(r, SNMPC_FAILED, "%s: sending to %s failed", s->label, s->peer);
		break;
	}
	return 1;
}

/* ---- requests ---- */

/*
 * Cisco serves BRIDGE-MIB once per VLAN: SNMPv2c selects the VLAN by
 * "community@VLAN" (community string indexing), SNMPv3 by the context
 * "vlan-VLAN". Returns 0, or -1 when out of memory.
 */
int
pdu_set_context(struct snmpc_session *s, netsnmp_pdu *pdu, uint32_t vlan)
{
	char buf[SNMPC_MAX_STR + 16];
	if (vlan == 0)
		return 0;
	if (s->version == SNMPC_V2C) {
		int n = snprintf(buf, sizeof(buf), "%s@%u", s->community, vlan);
		if (n < 0 || (size_t)n >= sizeof(buf))
			return -1;
		free(pdu->community);
		pdu->community = (u_char *)strdup(buf);
		explicit_bzero(buf, sizeof(buf));
		if (!pdu->community)
			return -1;
		pdu->community_len = (size_t)n;
	} else {
		snprintf(buf, sizeof(buf), "vlan-%u", vlan);
		free(pdu->contextName);
		if (!(pdu->contextName = strdup(buf)))
			return -1;
		pdu->contextNameLen = strlen(buf);
	}
	return 0;
}

struct snmpc_req *
req_new(struct snmpc_session *s, enum req_kind kind, int pdu_type, uint32_t ctx_vlan,
	snmpc_cb cb, void *arg)
{
	struct snmpc_req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->tmpl = snmp_pdu_create(pdu_type);
	r->s = s;
	r->kind = kind;
	r->cb = cb;
	r->arg = arg;
	r->ctx_vlan = ctx_vlan;
	if (!r->tmpl || pdu_set_context(s, r->tmpl, ctx_vlan) < 0) {
		req_free(r);
		return NULL;
	}
	return r;
}

int
req_submit(struct snmpc_session *s, struct snmpc_req *r)
{
	r->next = s->active;
	s->active = r;
	s->stats.requests++;
	r->want_send = true;
	if (s->version == SNMPC_V3 && !s->sessp) {
		if (s->v3 == V3_NEED_DISCOVERY)
			v3_start_discovery(s);
		if (s->v3 == V3_FAILED) {
			/* Fails through the loop, never from inside this call. */
			loop_timer_fire(s->dispatch);
			return 0;
		}
	} else if (!s->in_dispatch) {
		req_send(r);
	} else {
		/* From a callback: the dispatch loop sends it once the callback returns. */
	}
	if (s->done_head)
		loop_timer_fire(s->dispatch);
	rearm(s);
	return 0;
}

int
snmpc_get(struct snmpc_session *s, const struct snmpc_oid *oids, size_t n, snmpc_cb cb, void *arg)
{
	return snmpc_get_in(s, 0, oids, n, cb, arg);
}

int
snmpc_get_in(struct snmpc_session *s, uint32_t ctx_vlan, const struct snmpc_oid *oids, size_t n,
	     snmpc_cb cb, void *arg)
{
	oid name[SNMPC_MAX_OID];
	if (!s || s->closing || n == 0)
		return -1;
	struct snmpc_req *r = req_new(s, RQ_GET, SNMP_MSG_GET, ctx_vlan, cb, arg);
	if (!r)
		return -1;
	for (size_t i = 0; i < n; i++)
		snmp_add_null_var(r->tmpl, name, to_netsnmp_oid(name, &oids[i]));
	return req_submit(s, r);
}

int
snmpc_set(struct snmpc_session *s, const struct snmpc_vb *vbs, size_t n, snmpc_cb cb, void *arg)
{
	oid name[SNMPC_MAX_OID];
	if (!s || s->closing || n == 0)
		return -1;
	struct snmpc_req *r = req_new(s, RQ_SET, SNMP_MSG_SET, 0, cb, arg);
	if (!r)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t len = to_netsnmp_oid(name, &vbs[i].oid);
		long iv = (long)vbs[i].i;
		u_long uv = (u_long)vbs[i].i;
		netsnmp_variable_list *ok = NULL;
		switch (vbs[i].type) {
		case SNMPC_INTEGER:
			ok = snmp_pdu_add_variable(r->tmpl, name, len, ASN_INTEGER, &iv, sizeof(iv));
			break;
		case SNMPC_UNSIGNED:
			ok = snmp_pdu_add_variable(r->tmpl, name, len, ASN_GAUGE, &uv, sizeof(uv));
			break;
		case SNMPC_STRING:
			ok = snmp_pdu_add_variable(r->tmpl, name, len, ASN_OCTET_STR, vbs[i].s,
						   vbs[i].slen);
			break;
		default:
			break;
		}
		if (!ok) {
			req_free(r);
			return -1;
		}
	}
	return req_submit(s, r);
}

int
snmpc_walk(struct snmpc_session *s, const struct snmpc_oid *root, size_t max_rows, snmpc_cb cb,
	   void *arg)
{
	return snmpc_walk_in(s, 0, root, max_rows, cb, arg);
}

int
snmpc_walk_in(struct snmpc_session *s, uint32_t ctx_vlan, const struct snmpc_oid *root,
	      size_t max_rows, snmpc_cb cb, void *arg)
{
	oid name[SNMPC_MAX_OID];
	if (!s || s->closing || root->len == 0 || max_rows == 0)
		return -1;
	struct snmpc_req *r = req_new(s, RQ_WALK, SNMP_MSG_GETBULK, ctx_vlan, cb, arg);
	if (!r)
		return -1;
	r->root = *root;
	r->max_rows = max_rows;
	r->tmpl->non_repeaters = 0;
	r->tmpl->max_repetitions = WALK_FIRST_REPETITIONS;
	snmp_add_null_var(r->tmpl, name, to_netsnmp_oid(name, root));
	return req_submit(s, r);
}
