/* SPDX-License-Identifier: ISC */
/*
 * The test hook of snmp_fuzz.h: one request, answered without a socket, as
 * net-snmp would answer it (snmp_parse, then net-snmp's callback).
 */
#include "snmp_client.h"
#include "snmp_fuzz.h"
#include "snmpc_int.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- test hook (snmp_fuzz.h): one request, answered without a socket ---- */

struct snmpc_test_req {
	struct snmpc_session *s;  /* owned: a session with no socket, event or net-snmp session */
	struct snmpc_req *r;      /* owned by s until it completes */
};

struct snmpc_test_req *
snmpc_test_req_new(const char *label, enum snmpc_version version, const char *community,
		   const struct snmpsw_request *rq)
{
	static const int pdu_types[] = {
		[SNMPSW_REQ_GET] = SNMP_MSG_GET,
		[SNMPSW_REQ_SET] = SNMP_MSG_SET,
		[SNMPSW_REQ_WALK] = SNMP_MSG_GETBULK,
	};
	static const enum req_kind kinds[] = {
		[SNMPSW_REQ_GET] = RQ_GET, [SNMPSW_REQ_SET] = RQ_SET, [SNMPSW_REQ_WALK] = RQ_WALK,
	};
	struct snmpc_test_req *q;

	if (!snmpc_global_ready() || rq->kind > SNMPSW_REQ_WALK || !(q = calloc(1, sizeof(*q))))
		return NULL;
	if (!(q->s = calloc(1, sizeof(*q->s))))
		goto fail;
	snprintf(q->s->label, sizeof(q->s->label), "%s", label);
	snprintf(q->s->peer, sizeof(q->s->peer), "udp:192.0.2.1:161");
	q->s->version = version;
	q->s->timeout_ms = 1000;
	if (community && !(q->s->community = strdup(community)))
		goto fail;
	/* As snmpc_get_in/snmpc_set/snmpc_walk_in make it; the PDU's varbinds are never read. */
	if (!(q->r = req_new(q->s, kinds[rq->kind], pdu_types[rq->kind], rq->ctx_vlan, NULL, NULL)))
		goto fail;
	if (rq->kind == SNMPSW_REQ_WALK) {
		q->r->root = rq->oids[0];
		q->r->max_rows = rq->max_rows;
	}
	q->s->active = q->r;
	q->r->attempts = q->r->total_sends = 1;
	q->r->in_flight = true;   /* sent once, no retry left (retries 0) */
	return q;
fail:
	snmpc_test_req_free(q);
	return NULL;
}

void
snmpc_test_req_free(struct snmpc_test_req *q)
{
	if (!q)
		return;
	if (q->r)
		req_free(q->r);
	if (q->s)
		session_free(q->s);
	free(q);
}

/* After nsnmp_cb: a completed request's callback runs (session_dispatch frees it), as from the loop. */
static int
test_req_after(struct snmpc_test_req *q, snmpc_cb cb, void *arg)
{
	struct snmpc_req *r = q->r;
	if (q->s->done_head != r) {
		/* A walk's next step: it would be sent now. */
		r->want_send = false;
		r->in_flight = true;
		r->attempts = 1;
		r->total_sends++;
		return 0;
	}
	r->cb = cb;
	r->arg = arg;
	q->r = NULL;
	session_dispatch(q->s);
	snmpc_test_req_free(q);
	return 1;
}

int
snmpc_test_req_pdu(struct snmpc_test_req *q, struct snmp_pdu *pdu, snmpc_cb cb, void *arg)
{
	nsnmp_cb(NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE, NULL, 0, pdu, q->r);
	return test_req_after(q, cb, arg);
}

int
snmpc_test_req_timeout(struct snmpc_test_req *q, snmpc_cb cb, void *arg)
{
	nsnmp_cb(NETSNMP_CALLBACK_OP_TIMED_OUT, NULL, 0, NULL, q->r);
	return test_req_after(q, cb, arg);
}

int
snmpc_test_req_packet(struct snmpc_test_req *q, const uint8_t *pkt, size_t len, snmpc_cb cb,
		      void *arg)
{
	netsnmp_session ns;
	netsnmp_pdu *pdu;
	u_char *copy;
	int rc = -1;

	/* A private copy of exactly `len` bytes: a read past the datagram is a sanitizer report. */
	if (!(copy = malloc(len ? len : 1)))
		return -1;
	memcpy(copy, pkt, len);
	if (!(pdu = calloc(1, sizeof(*pdu)))) {
		free(copy);
		return -1;
	}
	/*
	 * What net-snmp does with a datagram read on a session
	 * (_sess_process_packet): snmp_parse() for the session, then only a
	 * Response or a Report goes to the request's callback. The request ID is
	 * not matched: any answer is taken as this request's.
	 */
	snmp_sess_init(&ns);
	ns.version = q->s->version == SNMPC_V3 ? SNMP_VERSION_3 : SNMP_VERSION_2c;
	if (q->s->community) {
		ns.community = (u_char *)q->s->community;
		ns.community_len = strlen(q->s->community);
	}
	if (snmp_parse(NULL, &ns, pdu, copy, len) == 0 &&
	    (pdu->command == SNMP_MSG_RESPONSE || pdu->command == SNMP_MSG_REPORT))
		rc = snmpc_test_req_pdu(q, pdu, cb, arg);
	snmp_free_pdu(pdu);
	free(copy);
	return rc;
}
