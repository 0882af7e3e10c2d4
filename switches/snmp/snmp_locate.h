/* SPDX-License-Identifier: ISC */
/*
 * snmp_locate.h: locate and survey (snmp_locate.c), internal to switches/snmp/.
 */
#ifndef CORDON_SNMP_LOCATE_H
#define CORDON_SNMP_LOCATE_H

#include "snmp_int.h"

/* Locate op->host: from the cached view when fresh, else by walking the tables. */
void locate_start(struct op *op);
/* Walks every table of the driver again (a survey, or a cache without the MAC). */
void locate_walk(struct op *op);
/* The view is complete (contexts included): start its cache lifetime and decide. */
void locate_walked(struct op *op);
/* The answer to a table's walk (ST_WALK). */
void locate_walk_reply(struct op *op, const struct snmpc_reply *r);
/* The answer to the port's VLAN read after a decision from the cache (ST_PORT_VLAN). */
void locate_vlan_reply(struct op *op, const struct snmpc_reply *r);

#endif
