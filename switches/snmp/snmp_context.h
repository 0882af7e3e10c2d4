/* SPDX-License-Identifier: ISC */
/*
 * snmp_context.h: per-VLAN bridge contexts (snmp_context.c), internal to
 * switches/snmp/.
 */
#ifndef CORDON_SNMP_CONTEXT_H
#define CORDON_SNMP_CONTEXT_H

#include "snmp_int.h"

/* Lists the VLANs, then walks each one's context into the view; ends in locate_walked. */
void ctx_start(struct op *op);
/* The answers of ST_VLAN_LIST, ST_CTX_FDB and ST_CTX_PORTS. */
void ctx_reply(struct op *op, const struct snmpc_reply *r);

#endif
