/* SPDX-License-Identifier: ISC */
/*
 * snmp_driver.h: the drivers (snmp_driver.c), internal to switches/snmp/. A
 * driver is a table (struct driver in snmp_int.h), not a copy of the code.
 */
#ifndef CORDON_SNMP_DRIVER_H
#define CORDON_SNMP_DRIVER_H

#include "snmp_int.h"

extern const struct driver DRIVER_QBRIDGE;
extern const struct driver DRIVER_CISCO;

/* Scalars and columns the point reads or writes itself (the rest are locate's, snmp_view.c). */
extern const struct oid_ref SYS_LOCATION;       /* sysLocation.0 */
extern const struct oid_ref SYS_OBJECT_ID;      /* sysObjectID.0 */
extern const struct oid_ref IF_ADMIN_STATUS;    /* ifAdminStatus */
extern const struct oid_ref CPVLAN_VLAN_TYPE;   /* cpvlanVlanPrivateVlanType.<domain>.<vlan> */

/* Whether the PortList (as read, binary) holds bridge port `port`. */
bool portlist_has(const struct portlist *pl, int32_t port);

/* A table of drv->walk not worth a walk, given what the walks before it found. */
bool walk_needless(const struct swv *v, enum swv_col c);

#endif
