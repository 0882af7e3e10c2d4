/* SPDX-License-Identifier: ISC */
/*
 * snmp_config.h: beyond snmp.h's snmpsw_config_*, what the point needs of its
 * configuration (snmp_config.c). Internal to switches/snmp/.
 */
#ifndef CORDON_SNMP_CONFIG_H
#define CORDON_SNMP_CONFIG_H

#include "snmp.h"

/* Wipes the whole configuration, secrets included, in a way the compiler keeps. */
void config_wipe(struct snmpsw_config *c);

#endif
