/* SPDX-License-Identifier: ISC */
/*
 * snmp_session: snmp_client's sessions, net-snmp's single-session API driven by
 * Cordon's event loop (common/loop.h).
 *
 * Each session's UDP socket is watched for readability (loop_watch), which calls
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
 *
 * The other parts of snmp_client: snmp_request.c (requests and net-snmp's
 * callback), snmp_v3.c (engine ID discovery), snmp_oid.c, snmp_client_test.c
 * (the test hook of snmp_fuzz.h).
 */
#include "snmp_client.h"
#include "snmpc_int.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool global_ready;

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

/* ---- completion and dispatch ---- */

void
session_free(struct snmpc_session *s)
{
	loop_unwatch(s->rd_watch);
	loop_unwatch(s->probe_rd_watch);
	loop_timer_free(s->timer);
	loop_timer_free(s->dispatch);
	free(s->v3_user);
	if (s->community) {
		explicit_bzero(s->community, strlen(s->community));
		free(s->community);
	}
	explicit_bzero(&s->v3tmpl, sizeof(s->v3tmpl));
	free(s);
}

/* Runs the completed requests' callbacks; frees the session if one of them closed it. */
void
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
on_dispatch(void *arg)
{
	session_after(arg);
}

/* ---- the event handlers ---- */

void
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
		loop_timer_arm(s->timer, (double)best.tv_sec + (double)best.tv_usec / 1e6);
	else
		loop_timer_cancel(s->timer);
}

void
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

/* After any net-snmp call: (re)send, run callbacks, re-arm the timer. */
void
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
				loop_unwatch(s->rd_watch);
				s->rd_watch = NULL;
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

void
sess_read(void *sessp, int fd)
{
	netsnmp_large_fd_set lfs;

	netsnmp_large_fd_set_init(&lfs, fd + 1);
	NETSNMP_LARGE_FD_SET(fd, &lfs);
	snmp_sess_read2(sessp, &lfs);
	netsnmp_large_fd_set_cleanup(&lfs);
}

void
on_read(void *arg)
{
	struct snmpc_session *s = arg;

	sess_read(s->sessp, snmp_sess_transport(s->sessp)->sock);
	session_after(s);
}

void
on_probe_read(void *arg)
{
	struct snmpc_session *s = arg;

	sess_read(s->probe_sessp, snmp_sess_transport(s->probe_sessp)->sock);
	session_after(s);
}

static void
on_timer(void *arg)
{
	struct snmpc_session *s = arg;

	if (s->sessp)
		snmp_sess_timeout(s->sessp);
	if (s->probe_sessp)
		snmp_sess_timeout(s->probe_sessp);
	session_after(s);
}

/* ---- sessions ---- */

struct snmpc_session *
snmpc_open(struct loop *loop, const struct snmpc_params *p, char *err, size_t errlen)
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
	s->loop = loop;
	snprintf(s->label, sizeof(s->label), "%s", p->label ? p->label : p->address);
	if (strchr(p->address, ':'))
		snprintf(s->peer, sizeof(s->peer), "udp6:[%s]:%u", p->address, p->port ? p->port : 161);
	else
		snprintf(s->peer, sizeof(s->peer), "udp:%s:%u", p->address, p->port ? p->port : 161);
	s->version = p->version;
	s->timeout_ms = p->timeout_ms ? p->timeout_ms : 1000;
	s->retries = p->retries;
	s->timer = loop_timer_new(loop, on_timer, s);
	s->dispatch = loop_timer_new(loop, on_dispatch, s);
	if (!s->timer || !s->dispatch) {
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
		s->rd_watch = loop_watch(loop, snmp_sess_transport(s->sessp)->sock, on_read, s);
		if (!s->rd_watch) {
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
	loop_unwatch(s->rd_watch);
	s->rd_watch = NULL;
	v3_stop_discovery(s);
	if (s->sessp) {
		snmp_sess_close(s->sessp);
		s->sessp = NULL;
	}
	loop_timer_cancel(s->timer);
	loop_timer_cancel(s->dispatch);
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

void
snmpc_get_stats(const struct snmpc_session *s, struct snmpc_stats *out)
{
	*out = s->stats;
}
