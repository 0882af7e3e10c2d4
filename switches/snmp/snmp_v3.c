/* SPDX-License-Identifier: ISC */
/*
 * SNMPv3 engine ID discovery, without blocking: net-snmp's snmp_sess_open()
 * would discover the agent's engine ID with a blocking exchange. Instead a
 * throw-away noAuthNoPriv session sends the discovery probe asynchronously;
 * the engine ID from the agent's report is put into the real session's
 * parameters, and snmp_sess_open() then only localizes the keys (no packet).
 * Requests submitted meanwhile wait. The same discovery rechecks an agent
 * whose requests time out (it may have a new engine ID).
 */
#include "snmpc_int.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int probe_cb(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic);

void
v3_fail(struct snmpc_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void
v3_fail(struct snmpc_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->v3_failure, sizeof(s->v3_failure), fmt, ap);
	va_end(ap);
	s->v3 = V3_FAILED;
	s->v3_failure_timeout = false;
}

void
probe_send(struct snmpc_session *s)
{
	s->probe_want_send = false;
	/* The probe of RFC 3414 4: noAuthNoPriv, empty user, no varbinds; its report carries the engine ID. */
	if (!usm_get_user(NULL, 0, "")) {
		struct usmUser *u = usm_create_user();
		if (!u || !(u->name = strdup("")) || !(u->secName = strdup(""))) {
			v3_fail(s, "%s: out of memory", s->label);
			return;
		}
		usm_add_user(u);
	}
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
	if (!pdu || !(pdu->securityName = strdup(""))) {
		if (pdu)
			snmp_free_pdu(pdu);
		v3_fail(s, "%s: out of memory", s->label);
		return;
	}
	pdu->version = SNMP_VERSION_3;
	pdu->securityNameLen = 0;
	pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	pdu->securityModel = SNMP_SEC_MODEL_USM;
	if (snmp_sess_async_send(s->probe_sessp, pdu, probe_cb, s) == 0) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;
		snmp_sess_error(s->probe_sessp, &liberr, &syserr, &msg);
		snmp_free_pdu(pdu);
		v3_fail(s, "%s: cannot send the SNMPv3 discovery to %s (attempt %u): %s", s->label,
			s->peer, s->probe_attempts + 1, msg ? msg : "unknown error");
		free(msg);
		return;
	}
	s->probe_attempts++;
	s->probe_in_flight = true;
	s->stats.sends++;
}

void
v3_start_discovery(struct snmpc_session *s)
{
	netsnmp_session ps;

	snmp_sess_init(&ps);
	ps.peername = s->peer;
	ps.version = SNMP_VERSION_3;
	ps.flags |= SNMP_FLAGS_DONT_PROBE;
	ps.securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	ps.securityModel = SNMP_SEC_MODEL_USM;
	ps.timeout = (long)s->timeout_ms * 1000L;
	ps.retries = 0;
	s->probe_sessp = snmp_sess_open(&ps);
	if (!s->probe_sessp) {
		v3_fail(s, "%s: cannot open a session to %s: %s", s->label, s->peer,
			snmp_api_errstring(ps.s_snmp_errno));
		return;
	}
	/*
	 * snmp_sess_open clears DONT_PROBE in its copy; without it the first
	 * send would run net-snmp's own discovery, synchronously, blocking the
	 * loop for up to a timeout.
	 */
	snmp_sess_session(s->probe_sessp)->flags |= SNMP_FLAGS_DONT_PROBE;
	s->probe_rd_watch = loop_watch(s->loop, snmp_sess_transport(s->probe_sessp)->sock,
				       on_probe_read, s);
	if (!s->probe_rd_watch) {
		v3_fail(s, "%s: cannot watch the discovery socket", s->label);
		return;
	}
	s->v3 = V3_DISCOVERING;
	s->probe_attempts = 0;
	probe_send(s);
}

void
v3_stop_discovery(struct snmpc_session *s)
{
	loop_unwatch(s->probe_rd_watch);
	s->probe_rd_watch = NULL;
	if (s->probe_sessp) {
		snmp_sess_close(s->probe_sessp);
		s->probe_sessp = NULL;
	}
	s->probe_in_flight = s->probe_want_send = false;
}

static int
probe_cb(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmpc_session *s = magic;
	(void)reqid;

	if (s->closing || s->v3 != V3_DISCOVERING)
		return 1;
	s->probe_in_flight = false;
	switch (op) {
	case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
	case NETSNMP_CALLBACK_OP_SEC_ERROR: {
		/* The probe's expected answer is a report (unknownEngineID), delivered as SEC_ERROR. */
		const u_char *id = pdu ? pdu->securityEngineID : NULL;
		size_t len = pdu ? pdu->securityEngineIDLen : 0;
		if (!len && ns) {
			id = ns->securityEngineID;
			len = ns->securityEngineIDLen;
		}
		if (!len || len > sizeof(s->engine_id)) {
			v3_fail(s, "%s: the agent's answer to SNMPv3 discovery carries no engine ID",
				s->label);
			break;
		}
		if (s->sessp) {
			/* A recheck: only a different engine ID changes anything. */
			if (len != s->engine_id_len || memcmp(id, s->engine_id, len) != 0) {
				s->v3_reset = true;
				s->v3_reset_known = true;
			}
		}
		memcpy(s->engine_id, id, len);
		s->engine_id_len = len;
		s->v3 = V3_DISCOVERED;
		break;
	}
	case NETSNMP_CALLBACK_OP_TIMED_OUT:
		if (s->probe_attempts <= s->retries) {
			s->probe_want_send = true;
			s->stats.retries++;
		} else if (s->sessp) {
			s->v3 = V3_DISCOVERED;   /* a recheck without answer: the requests time out themselves */
		} else {
			v3_fail(s, "%s: no answer from %s to SNMPv3 engine discovery after %u attempts "
				"of %u ms", s->label, s->peer, s->probe_attempts, s->timeout_ms);
			s->v3_failure_timeout = true;
		}
		break;
	case NETSNMP_CALLBACK_OP_RESEND:
		s->probe_in_flight = true;   /* net-snmp sent it again itself; still waiting */
		break;
	default:
		if (s->sessp)
			s->v3 = V3_DISCOVERED;
		else
			v3_fail(s, "%s: SNMPv3 discovery to %s failed (send error)", s->label, s->peer);
		break;
	}
	return 1;
}

void
v3_open_real(struct snmpc_session *s)
{
	s->v3tmpl.securityEngineID = s->engine_id;
	s->v3tmpl.securityEngineIDLen = s->engine_id_len;
	s->sessp = snmp_sess_open(&s->v3tmpl);
	int e = s->v3tmpl.s_snmp_errno;
	s->v3tmpl.securityEngineID = NULL;   /* it points into s, not to be freed by anyone */
	s->v3tmpl.securityEngineIDLen = 0;
	if (!s->sessp) {
		v3_fail(s, "%s: cannot open the SNMPv3 session: %s", s->label, snmp_api_errstring(e));
		return;
	}
	/* Never a synchronous discovery from inside a send (see v3_start_discovery). */
	snmp_sess_session(s->sessp)->flags |= SNMP_FLAGS_DONT_PROBE;
	s->rd_watch = loop_watch(s->loop, snmp_sess_transport(s->sessp)->sock, on_read, s);
	if (!s->rd_watch)
		v3_fail(s, "%s: cannot watch the session's socket", s->label);
}
