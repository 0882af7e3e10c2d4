/* SPDX-License-Identifier: ISC */
/*
 * snmp_client_netsnmp: what the SNMP backend's net-snmp wrappers share
 * (snmp_client.c, snmp_receiver.c). Internal: include after net-snmp's
 * headers, only from files that are allowed to include them.
 */
#ifndef CORDON_SWITCHES_SNMP_CLIENT_NETSNMP_H
#define CORDON_SWITCHES_SNMP_CLIENT_NETSNMP_H

#include "snmp_client.h"

struct variable_list;   /* net-snmp's netsnmp_variable_list */

/* Converts one net-snmp variable into Cordon's plain form (*vb overwritten; v borrowed). */
void snmpc_vb_from_netsnmp(struct snmpc_vb *vb, const struct variable_list *v);

#endif
