/* SPDX-License-Identifier: ISC */
/*
 * snmp_probe.h: the write probe (snmp_probe.c), internal to switches/snmp/.
 */
#ifndef CORDON_SNMP_PROBE_H
#define CORDON_SNMP_PROBE_H

#include "snmp_int.h"

void probe_start(struct op *op);
/* The answers to the read and the write-back (ST_PROBE_READ, ST_PROBE_WRITE). */
void probe_reply(struct op *op, const struct snmpc_reply *r);
/* The answer to the read-back (ST_PROBE_VERIFY). */
void probe_verify_reply(struct op *op, const struct snmpc_reply *r);
/* The answer to the quarantine VLAN's private VLAN type (ST_PROBE_APART). */
void probe_apart_reply(struct op *op, const struct snmpc_reply *r);
/* Driver auto: the switch's family, and so its driver, from a sysObjectID.0 varbind (others ignored). */
void vendor_from(struct sw *sw, const struct snmpc_vb *vb);

#endif
