/* SPDX-License-Identifier: ISC */
/*
 * snmp_batch.h: isolations and releases run in batches (snmp_batch.c),
 * internal to switches/snmp/.
 */
#ifndef CORDON_SNMP_BATCH_H
#define CORDON_SNMP_BATCH_H

#include "snmp_int.h"

/* Takes consecutive moves on distinct ports from the head of the queue and starts them. */
void batch_gather(struct sw *sw);
/* The bounce's pause is over (sw->pause): the ports go up again. */
void on_pause(void *arg);
/* The batch's entry for VLAN vid; NULL when the VLAN is not involved. */
struct vlan_members *vl_find(struct batch *b, int32_t vid);
const struct vlan_members *vl_find_const(const struct batch *b, int32_t vid);

#endif
