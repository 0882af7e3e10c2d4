/* SPDX-License-Identifier: ISC */
/*
 * snmp_fuzz: test hooks that drive the SNMP point's real reply handling
 * without a switch or a socket: for the fuzz target
 * (tests/fuzz/fuzz_snmp_reply.c) and the regression tests that replay its
 * findings (tests/snmp/test_snmp_reply.c). Production code never calls them.
 *
 * Two levels, meant to be chained:
 *
 *  - the point (snmp_point.c): snmpsw_test_point_new() makes a point whose requests
 *    are handed to a test function instead of snmp_client. The test answers
 *    each one by calling the request's snmpc_cb later (from its own loop,
 *    never from inside `send`), exactly as snmp_client would; the point's
 *    state machine (probe, locate, the batch of moves, check) is the real one.
 *
 *  - the client (snmp_client_test.c): snmpc_test_req_new() makes the request that
 *    snmpc_get_in/snmpc_set/snmpc_walk_in would have sent on a session, never
 *    sent; snmpc_test_req_packet() hands it the bytes of an answer, which
 *    net-snmp parses (snmp_parse, as for a received datagram) and
 *    snmp_client's own response handler then interprets (error-status,
 *    reports, the walk's order and subtree checks, the conversion of every
 *    variable into a struct snmpc_vb), ending with the snmpc_reply the point
 *    gets.
 *
 * Both are compiled into the library always: the regression tests in the
 * normal and ASan builds replay fuzz findings through them. They cost the
 * production path one pointer test per request (snmp_op.c: sw_request).
 */
#ifndef CORDON_SWITCHES_SNMP_FUZZ_H
#define CORDON_SWITCHES_SNMP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "snmp.h"
#include "snmp_client.h"

struct loop;
struct snmp_pdu;   /* net-snmp's netsnmp_pdu */

enum snmpsw_req_kind { SNMPSW_REQ_GET, SNMPSW_REQ_SET, SNMPSW_REQ_WALK };

/* One request of the point, as it would go to snmp_client; everything borrowed for the call. */
struct snmpsw_request {
	enum snmpsw_req_kind kind;
	uint32_t ctx_vlan;               /* 0: default context; else a Cisco per-VLAN context */
	const struct snmpc_oid *oids;    /* GET: the OIDs; WALK: the root (n == 1) */
	const struct snmpc_vb *vbs;      /* SET: the values */
	size_t n;
	size_t max_rows;                 /* WALK */
};

/*
 * Takes a request instead of snmp_client: 0 when taken (then `cb(cb_arg, r)`
 * must follow exactly once, from outside any call into the point, unless the
 * point is destroyed first), -1 when refused (no callback), as snmpc_get etc.
 */
typedef int (*snmpsw_send_fn)(void *send_arg, const struct snmpsw_request *rq, snmpc_cb cb,
			      void *cb_arg);

/*
 * snmpsw_point_new() without a session: the same point (config check,
 * timers on `loop`, the write probe queued first), its requests going to
 * `send`. Destroyed with enf_destroy(); pending requests are then dropped by
 * the test (their callbacks must not be called).
 */
struct enf_point *snmpsw_test_point_new(struct loop *loop, const struct snmpsw_config *cfg,
					snmpsw_send_fn send, void *send_arg, enf_done_fn probe_cb,
					void *probe_arg, char *err, size_t errlen);

struct snmpc_test_req;

/*
 * The request `rq` as made on a session labelled `label` (its messages name
 * it) of `version` with `community` (v2c; for community@VLAN contexts; may
 * be NULL for v3). Owned by the caller until it completes; NULL when out of
 * memory. snmpc_global_init() must have been called.
 */
struct snmpc_test_req *snmpc_test_req_new(const char *label, enum snmpc_version version,
					  const char *community, const struct snmpsw_request *rq);

/*
 * An answer arrives: `pkt` (len bytes) is parsed by net-snmp as a
 * community-based message (snmp_parse) and, when net-snmp would deliver it to
 * the request (a parsed Response or Report), handled by snmp_client's
 * response handler. Returns -1 when net-snmp drops it (the request still
 * waits), 0 when a walk asks for its next step, 1 when the request completed:
 * `cb(arg, reply)` has been called once and `q` is freed.
 */
int snmpc_test_req_packet(struct snmpc_test_req *q, const uint8_t *pkt, size_t len, snmpc_cb cb,
			  void *arg);
/* The same with a PDU already decoded (borrowed): 0 or 1 as above. */
int snmpc_test_req_pdu(struct snmpc_test_req *q, struct snmp_pdu *pdu, snmpc_cb cb, void *arg);
/* The request's attempt times out with no retry left: completes it (1) as snmp_client does. */
int snmpc_test_req_timeout(struct snmpc_test_req *q, snmpc_cb cb, void *arg);
/* Frees a request that never completed (the point was destroyed first). */
void snmpc_test_req_free(struct snmpc_test_req *q);

#endif
