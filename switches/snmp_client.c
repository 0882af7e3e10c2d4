/* SPDX-License-Identifier: ISC */
/*
 * snmp_client: net-snmp's single-session API driven by libevent.
 *
 * Each session's UDP socket is a persistent EV_READ event that calls
 * snmp_sess_read2(); one timer per session is armed for the earliest
 * retransmission deadline net-snmp reports (snmp_sess_select_info2) and calls
 * snmp_sess_timeout(). net-snmp itself never retries (session retries = 0):
 * this module resends a copy of the request, so that attempts are counted and
 * a walk or a discovery follows the same rules as a GET.
 *
 * Callbacks are never run from inside net-snmp: net-snmp's callback only
 * records the outcome; after net-snmp returns, the session sends what must be
 * (re)sent, then runs the completed requests' callbacks, then re-arms its
 * timer. Users may therefore submit, or close the session, from a callback.
 *
 * SNMPv3: net-snmp's snmp_sess_open() would discover the agent's engine ID
 * with a blocking exchange. Instead a throw-away noAuthNoPriv session sends
 * the discovery probe asynchronously; the engine ID from the agent's report is
 * put into the real session's parameters, and snmp_sess_open() then only
 * localizes the keys (no packet). Requests submitted meanwhile wait.
 */
#include "snmp_client.h"
#include "snmp_client_netsnmp.h"
#include "snmp_fuzz.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <event2/event.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_REPETITIONS 40       /* GETBULK max-repetitions per step */
/*
 * The first step asks for fewer: many of the tables locate walks are empty
 * or absent on a given switch, and an agent fills a GETBULK with the rows
 * that follow the table, which a slow management link pays for.
 */
#define WALK_FIRST_REPETITIONS 10
#define WALK_MAX_STEPS 10000      /* a walk never runs longer than this many PDUs */

enum req_kind { RQ_GET, RQ_SET, RQ_WALK };

struct snmpc_req {
	struct snmpc_session *s;
	enum req_kind kind;
	netsnmp_pdu *tmpl;        /* owned: the PDU of the current step, cloned for each send */
	snmpc_cb cb;
	void *arg;
	unsigned attempts;        /* sends of the current step */
	unsigned total_sends;
	bool in_flight;
	bool want_send;           /* send (again) once net-snmp has returned */
	bool rediscovered;        /* already resent once after a new engine discovery */
	uint32_t ctx_vlan;        /* 0: default context; else Cisco's per-VLAN bridge context */
	/* walk */
	struct snmpc_oid root;
	size_t max_rows;
	unsigned steps;
	/* the outcome */
	struct snmpc_reply reply;
	struct snmpc_vb *vbs;     /* owned */
	size_t nvbs, capvbs;
	struct snmpc_req *next;
};

enum v3_state { V3_NONE, V3_NEED_DISCOVERY, V3_DISCOVERING, V3_DISCOVERED, V3_FAILED };

struct snmpc_session {
	struct event_base *base;
	char label[64];
	char peer[200];           /* "udp:ADDR:PORT" */
	enum snmpc_version version;
	unsigned timeout_ms, retries;
	void *sessp;              /* net-snmp single session; NULL for v3 until discovered */
	char *community;          /* owned, v2c, secret (wiped): for "community@vlan" requests */
	struct event *rd_ev, *timer_ev, *dispatch_ev;
	/* v3 */
	netsnmp_session v3tmpl;   /* the real session's parameters; holds Ku keys (secret), wiped at close */
	char *v3_user;            /* owned */
	enum v3_state v3;
	void *probe_sessp;
	struct event *probe_rd_ev;
	unsigned probe_attempts;
	bool probe_in_flight, probe_want_send;
	u_char engine_id[64];
	size_t engine_id_len;
	char v3_failure[SNMPC_MSG_LEN];
	bool v3_failure_timeout;  /* the discovery got no answer (vs. could not be sent) */
	/*
	 * An agent that lost its persistent state comes back with a new engine
	 * ID, and net-snmp drops its unknownEngineID reports (they do not match
	 * the request's engine ID): requests just time out. So the first timeout
	 * of a v3 request starts a discovery beside the open session ("recheck");
	 * a different engine ID resets the session and resends what was pending.
	 */
	bool v3_recheck;          /* start a recheck once net-snmp has returned */
	bool v3_reset;            /* reopen the session ... */
	bool v3_reset_known;      /* ... with engine_id (true) or after a new discovery (false) */
	/* requests */
	struct snmpc_req *active;           /* submitted, not complete */
	struct snmpc_req *done_head, *done_tail;
	int in_dispatch;
	bool closing;
	struct snmpc_stats stats;
};

static bool global_ready;

static const char *const error_status_names[] = {
	"noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess",
	"wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
	"inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
	"authorizationError", "notWritable", "inconsistentName",
};

const char *
snmpc_error_status_name(long e)
{
	if (e >= 0 && e < (long)(sizeof(error_status_names) / sizeof(error_status_names[0])))
		return error_status_names[e];
	return "unknownError";
}

/* ---- OIDs ---- */

int
snmpc_oid_parse(struct snmpc_oid *o, const char *text)
{
	const char *p = text;
	o->len = 0;
	if (*p == '.')
		p++;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9' || o->len == SNMPC_MAX_OID)
			return -1;
		unsigned long v = strtoul(p, &end, 10);
		if (v > UINT32_MAX)
			return -1;
		o->n[o->len++] = (uint32_t)v;
		if (*end == '.')
			end++;
		else if (*end != '\0')
			return -1;
		p = end;
	}
	return o->len >= 2 ? 0 : -1;
}

void
snmpc_oid_make(struct snmpc_oid *o, const uint32_t *base, size_t baselen, const uint32_t *idx,
	       size_t idxlen)
{
	if (baselen > SNMPC_MAX_OID)
		baselen = SNMPC_MAX_OID;
	if (idxlen > SNMPC_MAX_OID - baselen)
		idxlen = SNMPC_MAX_OID - baselen;
	memcpy(o->n, base, baselen * sizeof(uint32_t));
	if (idxlen)
		memcpy(o->n + baselen, idx, idxlen * sizeof(uint32_t));
	o->len = baselen + idxlen;
}

bool
snmpc_oid_has_prefix(const struct snmpc_oid *o, const uint32_t *prefix, size_t len)
{
	return o->len >= len && memcmp(o->n, prefix, len * sizeof(uint32_t)) == 0;
}

void
snmpc_oid_format(const struct snmpc_oid *o, char *buf, size_t len)
{
	size_t off = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < o->len && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%u", i ? "." : "", o->n[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static size_t
to_netsnmp_oid(oid *out, const struct snmpc_oid *o)
{
	for (size_t i = 0; i < o->len; i++)
		out[i] = o->n[i];
	return o->len;
}

static int
oid_cmp(const struct snmpc_oid *a, const struct snmpc_oid *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < n; i++)
		if (a->n[i] != b->n[i])
			return a->n[i] < b->n[i] ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* ---- process-wide setup ---- */

int
snmpc_global_init(const char *state_dir, char *err, size_t errlen)
{
	if (global_ready)
		return 0;
	if (!state_dir || !*state_dir) {
		snprintf(err, errlen, "snmp: a private state directory is required "
			 "(net-snmp would otherwise write to /var/lib/snmp)");
		return -1;
	}
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "snmp: cannot create state directory %s: %s", state_dir,
			 strerror(errno));
		return -1;
	}
	/* net-snmp creates this one itself, announcing it on stderr each time. */
	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/cert_indexes", state_dir);
	if (mkdir(sub, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "snmp: cannot create %s: %s", sub, strerror(errno));
		return -1;
	}
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, state_dir);
	/* The host's snmp.conf and MIB files have no say in what Cordon sends. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	setenv("MIBS", "", 1);
	init_snmp("cordon");
	global_ready = true;
	return 0;
}

bool
snmpc_global_ready(void)
{
	return global_ready;
}

void
snmpc_global_shutdown(void)
{
	if (!global_ready)
		return;
	snmp_shutdown("cordon");
	global_ready = false;
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

static int
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

/* ---- completion and dispatch ---- */

static void session_after(struct snmpc_session *s);

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

static void
req_complete(struct snmpc_req *r, enum snmpc_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
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

static void
req_free(struct snmpc_req *r)
{
	if (r->tmpl)
		snmp_free_pdu(r->tmpl);
	free(r->vbs);
	free(r);
}

static void
session_free(struct snmpc_session *s)
{
	if (s->rd_ev)
		event_free(s->rd_ev);
	if (s->probe_rd_ev)
		event_free(s->probe_rd_ev);
	if (s->timer_ev)
		event_free(s->timer_ev);
	if (s->dispatch_ev)
		event_free(s->dispatch_ev);
	free(s->v3_user);
	if (s->community) {
		explicit_bzero(s->community, strlen(s->community));
		free(s->community);
	}
	explicit_bzero(&s->v3tmpl, sizeof(s->v3tmpl));
	free(s);
}

/* Runs the completed requests' callbacks; frees the session if one of them closed it. */
static void
session_dispatch(struct snmpc_session *s)
{
	s->in_dispatch++;
	for (int guard = 0; s->done_head && guard < 1000000; guard++) {
		struct snmpc_req *r = s->done_head;
		s->done_head = r->next;
		if (!s->done_head)
			s->done_tail = NULL;
		r->reply.vb = r->vbs;
		r->reply.nvb = r->nvbs;
		if (r->cb)
			r->cb(r->arg, &r->reply);
		req_free(r);
	}
	s->in_dispatch--;
}

static void
on_dispatch(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	session_after(arg);
}

/* ---- sending ---- */

static int nsnmp_cb(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic);

static void
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

static int pdu_set_context(struct snmpc_session *s, netsnmp_pdu *pdu, uint32_t vlan);

/* ---- SNMPv3 engine ID discovery ---- */

static int probe_cb(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic);

static void
v3_fail(struct snmpc_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
v3_fail(struct snmpc_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->v3_failure, sizeof(s->v3_failure), fmt, ap);
	va_end(ap);
	s->v3 = V3_FAILED;
	s->v3_failure_timeout = false;
}

static void
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

static void on_probe_read(evutil_socket_t fd, short what, void *arg);

static void
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
	s->probe_rd_ev = event_new(s->base, snmp_sess_transport(s->probe_sessp)->sock,
				   EV_READ | EV_PERSIST, on_probe_read, s);
	if (!s->probe_rd_ev || event_add(s->probe_rd_ev, NULL) < 0) {
		v3_fail(s, "%s: cannot watch the discovery socket", s->label);
		return;
	}
	s->v3 = V3_DISCOVERING;
	s->probe_attempts = 0;
	probe_send(s);
}

static void
v3_stop_discovery(struct snmpc_session *s)
{
	if (s->probe_rd_ev) {
		event_free(s->probe_rd_ev);
		s->probe_rd_ev = NULL;
	}
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

/* ---- net-snmp callback and the event handlers ---- */

static void
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

static int
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

static void
rearm(struct snmpc_session *s)
{
	struct timeval best = {0, 0};
	bool any = false;
	void *sess[2] = {s->sessp, s->probe_sessp};

	for (int i = 0; i < 2; i++) {
		if (!sess[i])
			continue;
		netsnmp_large_fd_set lfs;
		struct timeval tv = {0, 0};
		int numfds = 0, block = 1;
		netsnmp_large_fd_set_init(&lfs, FD_SETSIZE);
		snmp_sess_select_info2(sess[i], &numfds, &lfs, &tv, &block);
		netsnmp_large_fd_set_cleanup(&lfs);
		if (!block && (!any || timercmp(&tv, &best, <))) {
			best = tv;
			any = true;
		}
	}
	if (any)
		evtimer_add(s->timer_ev, &best);
	else
		evtimer_del(s->timer_ev);
}

static void
fail_waiting(struct snmpc_session *s)
{
	bool timeout = s->v3_failure_timeout;
	for (int guard = 0; guard < 1000000; guard++) {
		struct snmpc_req *r = s->active;
		while (r && r->in_flight)
			r = r->next;
		if (!r)
			break;
		req_complete(r, timeout ? SNMPC_TIMEOUT : SNMPC_FAILED, "%s", s->v3_failure);
	}
}

static void on_read(evutil_socket_t fd, short what, void *arg);

static void
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
	s->rd_ev = event_new(s->base, snmp_sess_transport(s->sessp)->sock, EV_READ | EV_PERSIST,
			     on_read, s);
	if (!s->rd_ev || event_add(s->rd_ev, NULL) < 0)
		v3_fail(s, "%s: cannot watch the session's socket", s->label);
}

/* After any net-snmp call: (re)send, run callbacks, re-arm the timer. */
static void
session_after(struct snmpc_session *s)
{
	if (s->in_dispatch)
		return;   /* the dispatch loop below, further up the stack, finishes the job */
	for (int round = 0; round < 100; round++) {
		if (!s->closing && s->version == SNMPC_V3) {
			if (s->v3_reset && s->sessp) {
				/* Requests in flight on the old session are sent again on the new one. */
				for (struct snmpc_req *r = s->active; r; r = r->next)
					if (r->in_flight) {
						r->in_flight = false;
						r->want_send = true;
					}
				event_free(s->rd_ev);
				s->rd_ev = NULL;
				snmp_sess_close(s->sessp);
				s->sessp = NULL;
				v3_stop_discovery(s);
				s->v3 = s->v3_reset_known ? V3_DISCOVERED : V3_NEED_DISCOVERY;
				s->stats.rediscoveries++;
			}
			s->v3_reset = false;
			if (s->v3_recheck && s->sessp && s->v3 == V3_DISCOVERED && !s->probe_sessp)
				v3_start_discovery(s);
			s->v3_recheck = false;
			if (s->v3 == V3_DISCOVERED && s->sessp && s->probe_sessp)
				v3_stop_discovery(s);   /* a recheck is over */
			if (s->v3 == V3_NEED_DISCOVERY && s->active)
				v3_start_discovery(s);
			if (s->v3 == V3_DISCOVERING && s->probe_want_send)
				probe_send(s);
			if (s->v3 == V3_DISCOVERED && !s->sessp) {
				v3_stop_discovery(s);
				v3_open_real(s);
			}
			if (s->v3 == V3_FAILED) {
				v3_stop_discovery(s);
				fail_waiting(s);
				s->v3 = V3_NEED_DISCOVERY;   /* the next request tries again */
			}
		}
		if (!s->closing && s->sessp) {
			/* req_send may complete a request (unlinking it): rescan after each send. */
			for (int guard = 0; guard < 1000000; guard++) {
				struct snmpc_req *r = s->active;
				while (r && !(r->want_send && !r->in_flight))
					r = r->next;
				if (!r)
					break;
				req_send(r);
			}
		}
		if (!s->done_head)
			break;
		session_dispatch(s);
	}
	if (s->closing) {
		session_free(s);
		return;
	}
	rearm(s);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct snmpc_session *s = arg;
	netsnmp_large_fd_set lfs;
	(void)what;

	netsnmp_large_fd_set_init(&lfs, fd + 1);
	NETSNMP_LARGE_FD_SET(fd, &lfs);
	snmp_sess_read2(s->sessp, &lfs);
	netsnmp_large_fd_set_cleanup(&lfs);
	session_after(s);
}

static void
on_probe_read(evutil_socket_t fd, short what, void *arg)
{
	struct snmpc_session *s = arg;
	netsnmp_large_fd_set lfs;
	(void)what;

	netsnmp_large_fd_set_init(&lfs, fd + 1);
	NETSNMP_LARGE_FD_SET(fd, &lfs);
	snmp_sess_read2(s->probe_sessp, &lfs);
	netsnmp_large_fd_set_cleanup(&lfs);
	session_after(s);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct snmpc_session *s = arg;
	(void)fd;
	(void)what;

	if (s->sessp)
		snmp_sess_timeout(s->sessp);
	if (s->probe_sessp)
		snmp_sess_timeout(s->probe_sessp);
	session_after(s);
}

/* ---- sessions ---- */

struct snmpc_session *
snmpc_open(struct event_base *base, const struct snmpc_params *p, char *err, size_t errlen)
{
	struct snmpc_session *s;
	netsnmp_session ss;

	if (!global_ready) {
		snprintf(err, errlen, "snmp: snmpc_global_init was not called");
		return NULL;
	}
	if (!p->address || !*p->address) {
		snprintf(err, errlen, "snmp: %s: no address", p->label ? p->label : "?");
		return NULL;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		snprintf(err, errlen, "snmp: out of memory");
		return NULL;
	}
	s->base = base;
	snprintf(s->label, sizeof(s->label), "%s", p->label ? p->label : p->address);
	if (strchr(p->address, ':'))
		snprintf(s->peer, sizeof(s->peer), "udp6:[%s]:%u", p->address, p->port ? p->port : 161);
	else
		snprintf(s->peer, sizeof(s->peer), "udp:%s:%u", p->address, p->port ? p->port : 161);
	s->version = p->version;
	s->timeout_ms = p->timeout_ms ? p->timeout_ms : 1000;
	s->retries = p->retries;
	s->timer_ev = evtimer_new(base, on_timer, s);
	s->dispatch_ev = event_new(base, -1, 0, on_dispatch, s);
	if (!s->timer_ev || !s->dispatch_ev) {
		snprintf(err, errlen, "snmp: %s: cannot create events", s->label);
		goto fail;
	}

	if (p->version == SNMPC_V2C) {
		if (!p->community || !*p->community) {
			snprintf(err, errlen, "snmp: %s: SNMPv2c needs a community", s->label);
			goto fail;
		}
		snmp_sess_init(&ss);
		ss.peername = s->peer;
		ss.version = SNMP_VERSION_2c;
		ss.community = (u_char *)p->community;
		ss.community_len = strlen(p->community);
		if (!(s->community = strdup(p->community))) {
			snprintf(err, errlen, "snmp: out of memory");
			goto fail;
		}
		ss.timeout = (long)s->timeout_ms * 1000L;
		ss.retries = 0;
		s->sessp = snmp_sess_open(&ss);
		if (!s->sessp) {
			snprintf(err, errlen, "snmp: %s: cannot open a session to %s: %s", s->label,
				 s->peer, snmp_api_errstring(ss.s_snmp_errno));
			goto fail;
		}
		s->rd_ev = event_new(base, snmp_sess_transport(s->sessp)->sock, EV_READ | EV_PERSIST,
				     on_read, s);
		if (!s->rd_ev || event_add(s->rd_ev, NULL) < 0) {
			snprintf(err, errlen, "snmp: %s: cannot watch the session's socket", s->label);
			goto fail;
		}
		s->v3 = V3_NONE;
		return s;
	}

	/* SNMPv3 authPriv, HMAC-SHA-96 and AES-128 (RFC 3414, RFC 3826). */
	if (!p->v3_user || !*p->v3_user) {
		snprintf(err, errlen, "snmp: %s: SNMPv3 needs a user", s->label);
		goto fail;
	}
	if (!p->v3_auth_pass || strlen(p->v3_auth_pass) < 8 || !p->v3_priv_pass ||
	    strlen(p->v3_priv_pass) < 8) {
		snprintf(err, errlen, "snmp: %s: SNMPv3 authPriv needs an auth and a priv pass "
			 "phrase of at least 8 characters each", s->label);
		goto fail;
	}
	if (!(s->v3_user = strdup(p->v3_user))) {
		snprintf(err, errlen, "snmp: out of memory");
		goto fail;
	}
	snmp_sess_init(&s->v3tmpl);
	s->v3tmpl.peername = s->peer;
	s->v3tmpl.version = SNMP_VERSION_3;
	s->v3tmpl.securityName = s->v3_user;
	s->v3tmpl.securityNameLen = strlen(s->v3_user);
	s->v3tmpl.securityModel = SNMP_SEC_MODEL_USM;
	s->v3tmpl.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
	s->v3tmpl.securityAuthProto = usmHMACSHA1AuthProtocol;
	s->v3tmpl.securityAuthProtoLen = USM_AUTH_PROTO_SHA_LEN;
	s->v3tmpl.securityAuthKeyLen = USM_AUTH_KU_LEN;
	s->v3tmpl.securityPrivProto = usmAESPrivProtocol;
	s->v3tmpl.securityPrivProtoLen = USM_PRIV_PROTO_AES_LEN;
	s->v3tmpl.securityPrivKeyLen = USM_PRIV_KU_LEN;
	s->v3tmpl.timeout = (long)s->timeout_ms * 1000L;
	s->v3tmpl.retries = 0;
	if (generate_Ku(s->v3tmpl.securityAuthProto, (u_int)s->v3tmpl.securityAuthProtoLen,
			(const u_char *)p->v3_auth_pass, strlen(p->v3_auth_pass),
			s->v3tmpl.securityAuthKey, &s->v3tmpl.securityAuthKeyLen) != SNMPERR_SUCCESS ||
	    generate_Ku(s->v3tmpl.securityAuthProto, (u_int)s->v3tmpl.securityAuthProtoLen,
			(const u_char *)p->v3_priv_pass, strlen(p->v3_priv_pass),
			s->v3tmpl.securityPrivKey, &s->v3tmpl.securityPrivKeyLen) != SNMPERR_SUCCESS) {
		snprintf(err, errlen, "snmp: %s: cannot derive the SNMPv3 keys from the pass phrases",
			 s->label);
		goto fail;
	}
	s->v3 = V3_NEED_DISCOVERY;
	return s;
fail:
	if (s->sessp)
		snmp_sess_close(s->sessp);
	session_free(s);
	return NULL;
}

void
snmpc_close(struct snmpc_session *s)
{
	if (!s || s->closing)
		return;
	/* net-snmp first, while the requests it points at still exist; its callbacks see `closing`. */
	s->closing = true;
	if (s->rd_ev) {
		event_free(s->rd_ev);
		s->rd_ev = NULL;
	}
	v3_stop_discovery(s);
	if (s->sessp) {
		snmp_sess_close(s->sessp);
		s->sessp = NULL;
	}
	evtimer_del(s->timer_ev);
	event_del(s->dispatch_ev);
	for (int guard = 0; s->active && guard < 1000000; guard++)
		req_complete(s->active, SNMPC_CANCELLED, "%s: session closed", s->label);
	/* Answers already in but not yet delivered are cancelled too: nobody waits for them now. */
	for (struct snmpc_req *r = s->done_head; r; r = r->next)
		r->reply.status = SNMPC_CANCELLED;
	if (s->in_dispatch)
		return;   /* the running dispatch delivers the cancellations and frees */
	session_dispatch(s);
	session_free(s);
}

/*
 * Cisco serves BRIDGE-MIB once per VLAN: SNMPv2c selects the VLAN by
 * "community@VLAN" (community string indexing), SNMPv3 by the context
 * "vlan-VLAN". Returns 0, or -1 when out of memory.
 */
static int
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

static void req_free(struct snmpc_req *r);

static struct snmpc_req *
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

static int
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
			event_active(s->dispatch_ev, 0, 0);
			return 0;
		}
	} else if (!s->in_dispatch) {
		req_send(r);
	} else {
		/* From a callback: the dispatch loop sends it once the callback returns. */
	}
	if (s->done_head)
		event_active(s->dispatch_ev, 0, 0);
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

void
snmpc_get_stats(const struct snmpc_session *s, struct snmpc_stats *out)
{
	*out = s->stats;
}

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

	if (!global_ready || rq->kind > SNMPSW_REQ_WALK || !(q = calloc(1, sizeof(*q))))
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
