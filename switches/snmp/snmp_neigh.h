/* SPDX-License-Identifier: ISC */
/*
 * snmp_neigh: a router's (or layer-3 switch's) neighbour table over SNMP,
 * IP -> MAC, for hosts whose sensor sits behind the router and so sees the
 * router's MAC, not theirs.
 *
 * IP-MIB (RFC 4293) ipNetToPhysicalTable, indexed by ifIndex, address type
 * and the length-prefixed address, for IPv4 and IPv6; where the router has
 * no such table, the deprecated IPv4-only ipNetToMediaTable (RFC 1213,
 * indexed by ifIndex and the four octets). Rows whose type is invalid(2)
 * or whose physical address is not 6 octets of a unicast, non-zero MAC (an
 * entry still being resolved) are left out: they name no host.
 *
 * The row decoding is pure (snmpnb_add_row, unit-tested and fuzzed); the
 * read is two walks on an snmp_client session.
 */
#ifndef CORDON_SWITCHES_SNMP_NEIGH_H
#define CORDON_SWITCHES_SNMP_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snmp_client.h"

struct snmpnb_entry {
	uint8_t family;          /* 4 or 6 */
	uint8_t ip[16];          /* IPv4 in the first 4 octets */
	uint8_t mac[6];
	uint32_t if_index;
};

enum snmpnb_source { SNMPNB_NONE = 0, SNMPNB_PHYSICAL, SNMPNB_MEDIA };

struct snmpnb_table {
	enum snmpnb_source source;
	size_t n, cap;
	struct snmpnb_entry *e;  /* owned; freed by snmpnb_table_free */
	size_t skipped;          /* rows left out (invalid, incomplete, no MAC, bad index) */
};

void snmpnb_table_free(struct snmpnb_table *t);

/*
 * Decodes one row of ipNetToPhysicalPhysAddress (source PHYSICAL) or
 * ipNetToMediaPhysAddress (MEDIA) into the table; `invalid` says the row's
 * type column is invalid(2). Returns 1 added, 0 left out (counted in
 * skipped), -1 out of memory.
 */
int snmpnb_add_row(struct snmpnb_table *t, enum snmpnb_source source, const struct snmpc_vb *vb,
		   bool invalid);

/*
 * The MAC of `ip` (family 4 or 6): 1 found (*mac set), 0 not in the table,
 * -1 ambiguous (the address has different MACs on different interfaces:
 * nothing is named).
 */
int snmpnb_find(const struct snmpnb_table *t, int family, const uint8_t *ip, uint8_t mac[6]);

/* `t` is borrowed for the call; on failure (status != 0) `message` says why. */
typedef void (*snmpnb_cb)(void *arg, int status, const struct snmpnb_table *t, const char *message);

/*
 * Reads the neighbour table of the device behind `s` (at most max_rows
 * rows per column). 0 when started (cb follows exactly once, from the loop),
 * -1 when not (no callback).
 */
int snmpnb_read(struct snmpc_session *s, size_t max_rows, snmpnb_cb cb, void *arg);

#endif
