/* SPDX-License-Identifier: ISC */
/*
 * snmp_vendor: the table of switch families. Longest prefix first where two
 * overlap; a family is listed only for a fact that changes what Cordon does,
 * with the source in docs/snmp.md.
 */
#include "snmp_vendor.h"

#include <string.h>

static const struct snmp_vendor STANDARD = {
	"", "standard (Q-BRIDGE-MIB)", SNMPSW_DRIVER_QBRIDGE, false, false, NULL,
};

static const struct snmp_vendor VENDORS[] = {
	/* Cisco Small Business (SG, CBS, C1200): Q-BRIDGE-MIB, not the IOS MIBs. */
	{"1.3.6.1.4.1.9.6.1.", "Cisco Small Business", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	/* Cisco IOS / IOS-XE Catalyst: vmVlan, BRIDGE-MIB per VLAN context. */
	{"1.3.6.1.4.1.9.1.", "Cisco IOS", SNMPSW_DRIVER_CISCO, false, false, NULL},
	{"1.3.6.1.4.1.9.12.3.", "Cisco NX-OS", SNMPSW_DRIVER_CISCO, false, false, NULL},
	/* Juniper Junos: dot1qPvid by ifIndex, PortLists as text; SNMP writes no VLANs. */
	{"1.3.6.1.4.1.2636.", "Juniper Junos", SNMPSW_DRIVER_QBRIDGE, true, true,
	 "Junos is configured through its CLI or NETCONF: its SNMP agent writes only the remote "
	 "operation MIBs"},
	{"1.3.6.1.4.1.11.2.3.7.", "HP ProCurve / ArubaOS-Switch", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.47196.4.1.1.", "Aruba CX", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.171.", "D-Link", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.890.", "Zyxel", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.14988.1", "MikroTik RouterOS", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.45.3.", "Avaya / Extreme ERS", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.11863.", "TP-Link", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.674.10895.", "Dell PowerConnect", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
	{"1.3.6.1.4.1.4526.", "Netgear", SNMPSW_DRIVER_QBRIDGE, false, false, NULL},
};

const struct snmp_vendor *
snmp_vendor_standard(void)
{
	return &STANDARD;
}

const struct snmp_vendor *
snmp_vendor_find(const char *oid)
{
	size_t n = strlen(oid);
	if (*oid == '.')
		oid++, n--;
	for (size_t i = 0; i < sizeof(VENDORS) / sizeof(VENDORS[0]); i++) {
		size_t p = strlen(VENDORS[i].prefix);
		/* "1.3.6.1.4.1.14988.1" must match itself exactly or as a prefix followed by '.' */
		if (n >= p && memcmp(oid, VENDORS[i].prefix, p) == 0 &&
		    (VENDORS[i].prefix[p - 1] == '.' || n == p || oid[p] == '.'))
			return &VENDORS[i];
	}
	return &STANDARD;
}
