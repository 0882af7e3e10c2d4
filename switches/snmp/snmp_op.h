/* SPDX-License-Identifier: ISC */
/*
 * snmp_op.h: what every operation shares (snmp_op.c), internal to
 * switches/snmp/: completion, requests, and a port's location and VLAN.
 */
#ifndef CORDON_SNMP_OP_H
#define CORDON_SNMP_OP_H

#include "snmp_int.h"

/* "aa:bb:cc:dd:ee:ff" into buf. */
void mac_text(const uint8_t *m, char *buf, size_t len);
/* Milliseconds of CLOCK_MONOTONIC since t. */
double ms_since(const struct timespec *t);
/* The port's name, or "bridge port N" before it is known; returns buf. */
const char *port_label(const struct op *op, char *buf, size_t len);
/* " (tagged 20,30)" for a location with tagged VLANs, else ""; returns buf. */
const char *tagged_label(const struct enf_location *l, char *buf, size_t len);
/* col.idx */
void oid_of(struct snmpc_oid *o, const struct oid_ref *col, uint32_t idx);
/* The OID holding the op's port's VLAN for the point's driver. */
void vlan_oid(const struct op *op, struct snmpc_oid *o);
/* op->cur_vlan from a VLAN object's answer: 1..4094, 0 for another number. */
void read_vlan_vb(struct op *op, const struct snmpc_vb *vb);
/* Reads the op's own VLAN object out of a reply; true if it was there. */
bool store_vlan(struct op *op, const struct snmpc_vb *vb);
/* The port's voice VLAN object (drv->voice must be set). */
void voice_oid(const struct op *op, struct snmpc_oid *o);
/* op->cur_voice from a reply's varbind when it is the port's voice VLAN object; true if it was. */
bool store_voice(struct op *op, const struct snmpc_vb *vb);

/*
 * Completes the op: its callback (or the survey's) runs, the op is freed, and
 * the point's queue is kicked. The callback may destroy the point.
 */
void op_finish(struct op *op, enum enf_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Maps a failed reply to a status and a message naming the switch and `what`. */
void describe_failure(const struct op *op, const struct snmpc_reply *r, const char *what,
		      enum enf_status *stp, char *msg, size_t len);
/* op_finish with describe_failure's status and message. */
void op_fail_reply(struct op *op, const struct snmpc_reply *r, const char *what);

/* The point's requests: to snmp_client, or to a test point's send function (snmp_fuzz.h). */
int sw_get(struct sw *sw, const struct snmpc_oid *oids, size_t n, snmpc_cb cb, void *arg);
int sw_set(struct sw *sw, const struct snmpc_vb *vbs, size_t n, snmpc_cb cb, void *arg);
int sw_walk_in(struct sw *sw, uint32_t ctx_vlan, const struct snmpc_oid *root, size_t max_rows,
	       snmpc_cb cb, void *arg);
/* An op's GET or SET, answered to on_reply (snmp_point.c) at `step`; finishes the op when it cannot be built. */
void op_get(struct op *op, enum op_step step, const struct snmpc_oid *oids, size_t n);
void op_set(struct op *op, enum op_step step, const struct snmpc_vb *vbs, size_t n);

/* Why the op cannot act on `l` (op->loc is set from `l` either way); false when it can. */
bool location_refused(struct op *op, const struct enf_location *l, enum enf_status *st, char *msg,
		      size_t len);
/* location_refused, finishing the op when refused; true when it may go on. */
bool check_location(struct op *op, const struct enf_location *l);

#endif
