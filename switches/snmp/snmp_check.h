/* SPDX-License-Identifier: ISC */
/*
 * snmp_check.h: check (snmp_check.c), internal to switches/snmp/.
 */
#ifndef CORDON_SNMP_CHECK_H
#define CORDON_SNMP_CHECK_H

#include "snmp_int.h"

void check_start(struct op *op, const struct enf_location *l);
/* The answer to the VLAN read (ST_CHECK_READ). */
void check_reply(struct op *op, const struct snmpc_reply *r);

#endif
