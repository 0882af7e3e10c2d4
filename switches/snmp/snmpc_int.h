/* SPDX-License-Identifier: ISC */
/*
 * snmpc_int.h: what snmp_client's modules share (snmp_session.c,
 * snmp_request.c, snmp_v3.c, snmp_oid.c, snmp_client_test.c, and the
 * notification receiver snmp_receiver.c); internal to
 * switches/snmp/, the API is snmp_client.h. Includes net-snmp: only these
 * modules include it.
 */
#ifndef CORDON_SNMPC_INT_H
#define CORDON_SNMPC_INT_H

#include "snmp_client.h"
#include "loop.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WALK_REPETITIONS 40       /* GETBULK max-repetitions per step */
/*
 * The first step asks for fewer: many of the tables locate walks are empty
 * or absent on a given switch, and an agent fills a GETBULK with the rows
 * that follow the table, which a slow management link pays for.
 */
#define WALK_FIRST_REPETITIONS 10
#define WALK_MAX_STEPS 10000      /* a walk never runs longer than this many PDUs */

enum req_kind { RQ_GET, RQ_SET, RQ_WALK };

/* One net-snmp variable in Cordon's plain form (*vb overwritten; v borrowed). snmp_request.c */
void snmpc_vb_from_netsnmp(struct snmpc_vb *vb, const netsnmp_variable_list *v);

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
	struct loop *loop;        /* borrowed */
	char label[64];
	char peer[200];           /* "udp:ADDR:PORT" */
	enum snmpc_version version;
	unsigned timeout_ms, retries;
	void *sessp;              /* net-snmp single session; NULL for v3 until discovered */
	char *community;          /* owned, v2c, secret (wiped): for "community@vlan" requests */
	struct loop_watch *rd_watch;          /* owned: the open session's socket */
	struct loop_timer *timer, *dispatch;  /* owned: retransmissions; deferred completion */
	/* v3 */
	netsnmp_session v3tmpl;   /* the real session's parameters; holds Ku keys (secret), wiped at close */
	char *v3_user;            /* owned */
	enum v3_state v3;
	void *probe_sessp;
	struct loop_watch *probe_rd_watch;    /* owned: the discovery session's socket */
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

/* ---- snmp_oid.c ---- */

/* Lexicographic order of OIDs: <0, 0, >0. */
int oid_cmp(const struct snmpc_oid *a, const struct snmpc_oid *b);

/* ---- snmp_session.c ---- */

/* After any net-snmp call: (re)send, run callbacks, re-arm the timer; frees a closing session. */
void session_after(struct snmpc_session *s);
/* Runs the completed requests' callbacks. */
void session_dispatch(struct snmpc_session *s);
/* Frees the session and wipes its secrets (its requests are gone already). */
void session_free(struct snmpc_session *s);
/* Arms the session's timer for net-snmp's earliest retransmission deadline. */
void rearm(struct snmpc_session *s);
/* Fails every request not in flight with the SNMPv3 discovery's failure. */
void fail_waiting(struct snmpc_session *s);
/* Lets net-snmp read the single session's socket `fd`, which is readable. */
void sess_read(void *sessp, int fd);
/* The open session's socket is readable. */
void on_read(void *arg);
/* The discovery session's socket is readable. */
void on_probe_read(void *arg);

/* ---- snmp_request.c ---- */

/* An OID in net-snmp's type; returns its length. */
size_t to_netsnmp_oid(oid *out, const struct snmpc_oid *o);
/* The request's outcome: unlinked from the active list, queued for dispatch. */
void req_complete(struct snmpc_req *r, enum snmpc_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void req_free(struct snmpc_req *r);
/* Sends a copy of the request's PDU (net-snmp keeps and frees the copy). */
void req_send(struct snmpc_req *r);
/* A request with its PDU template; NULL when out of memory. */
struct snmpc_req *req_new(struct snmpc_session *s, enum req_kind kind, int pdu_type,
			  uint32_t ctx_vlan, snmpc_cb cb, void *arg);
/* net-snmp's callback for every request: records the outcome, never runs a user callback. */
int nsnmp_cb(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic);
/* Selects Cisco's per-VLAN context (vlan > 0) in the PDU; -1 when out of memory. */
int pdu_set_context(struct snmpc_session *s, netsnmp_pdu *pdu, uint32_t vlan);

/* ---- snmp_v3.c ---- */

/* Starts the discovery of the agent's engine ID (also a recheck beside an open session). */
void v3_start_discovery(struct snmpc_session *s);
void v3_stop_discovery(struct snmpc_session *s);
/* (Re)sends the discovery probe. */
void probe_send(struct snmpc_session *s);
/* Opens the real session with the discovered engine ID. */
void v3_open_real(struct snmpc_session *s);

#endif
