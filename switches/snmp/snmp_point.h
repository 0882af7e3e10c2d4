/* SPDX-License-Identifier: ISC */
/*
 * snmp_point.h: the point's queue (snmp_point.c), as its operations' modules
 * need it. Internal to switches/snmp/.
 */
#ifndef CORDON_SNMP_POINT_H
#define CORDON_SNMP_POINT_H

#include "snmp_int.h"

/* Runs the next queued op from the loop, unless one (or a batch) is running. */
void sw_kick(struct sw *sw);
/* Frees the point's state (its ops are finished already). */
void sw_free(struct sw *sw);
/* Every op's reply (op_get, op_set, walks): to the module of the op's kind and step. */
void on_reply(void *arg, const struct snmpc_reply *r);

#endif
