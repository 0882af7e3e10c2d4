/* SPDX-License-Identifier: ISC */
/*
 * snmp_vendor: what Cordon knows of switch families, found by sysObjectID:
 * the driver to use when the configuration says `driver=auto`, and the
 * quirks of how a family serves the standard MIBs. docs/snmp.md ("Vendors")
 * gives the source of each fact; tests/snmp/recordings/ holds recorded walks
 * of most of these families.
 */
#ifndef CORDON_SWITCHES_SNMP_VENDOR_H
#define CORDON_SWITCHES_SNMP_VENDOR_H

#include <stdbool.h>
#include <stddef.h>

#include "snmp.h"

struct snmp_vendor {
	const char *prefix;          /* sysObjectID prefix, dotted */
	const char *name;
	enum snmpsw_driver driver;   /* qbridge or cisco */
	bool pvid_by_ifindex;        /* dot1qPvid indexed by ifIndex, not by bridge port */
	bool portlist_text;          /* PortLists as text lists of bridge ports */
	const char *no_vlan_writes;  /* non-NULL: VLANs are never written over SNMP, and why */
};

/*
 * The family of a sysObjectID ("1.3.6.1.4.1.9.1.1208"; a leading dot is
 * ignored); the generic standard switch when none matches. Never NULL;
 * static storage.
 */
const struct snmp_vendor *snmp_vendor_find(const char *sysobjectid);
/* The generic standard switch (Q-BRIDGE-MIB by bridge port). */
const struct snmp_vendor *snmp_vendor_standard(void);

#endif
