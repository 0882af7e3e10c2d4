/* SPDX-License-Identifier: ISC */
/*
 * snmp_view: what locate learned of one switch (the tables it walked) and the
 * decision where a MAC is, made from those tables alone. No I/O and no
 * net-snmp here: snmp_locate.c walks the tables and stores their rows (swv_add), then
 * asks swv_locate. Kept apart because the decision is the part
 * that differs between real switches; docs/snmp.md lists each rule with the
 * switches it was derived from, tests/snmp/recordings/ holds those switches.
 */
#ifndef CORDON_SWITCHES_SNMP_VIEW_H
#define CORDON_SWITCHES_SNMP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce.h"
#include "snmp_client.h"

/* The tables locate reads; swv_col_oid() gives each one's OID. */
enum swv_col {
	SWV_QFDB_PORT,        /* dot1qTpFdbPort.fdbId.MAC (or fdbId.6.MAC) */
	SWV_DFDB_PORT,        /* dot1dTpFdbPort.MAC (or 6.MAC) */
	SWV_BASE_PORT_IFINDEX,/* dot1dBasePortIfIndex.port */
	SWV_IF_NAME,          /* ifName.ifIndex */
	SWV_IF_DESCR,         /* ifDescr.ifIndex */
	SWV_PVID,             /* dot1qPvid.port (Junos: .ifIndex) */
	SWV_VLAN_FDB_ID,      /* dot1qVlanFdbId.timeMark.VID = fdbId */
	SWV_STATIC_EGRESS,    /* dot1qVlanStaticEgressPorts.VID */
	SWV_STATIC_UNTAGGED,  /* dot1qVlanStaticUntaggedPorts.VID */
	SWV_CUR_EGRESS,       /* dot1qVlanCurrentEgressPorts.timeMark.VID */
	SWV_CUR_UNTAGGED,     /* dot1qVlanCurrentUntaggedPorts.timeMark.VID */
	SWV_LLDP_LOC_PORT_ID, /* lldpLocPortId.portNum */
	SWV_LLDP_LOC_PORT_DESC, /* lldpLocPortDesc.portNum */
	SWV_LLDP_REM_CAP,     /* lldpRemSysCapEnabled.timeMark.portNum.index */
	SWV_LLDP_REM_NAME,    /* lldpRemSysName.timeMark.portNum.index */
	SWV_VM_VLAN,          /* Cisco vmVlan.ifIndex */
	SWV_TRUNK_STATUS,     /* Cisco vlanTrunkPortDynamicStatus.ifIndex */
	SWV_VOICE_VLAN,       /* Cisco vmVoiceVlanId.ifIndex */
	SWV_NCOLS
};

/* One stored row: the index after the column's OID and the value. */
struct swv_row {
	uint32_t idx[8];
	uint8_t idxlen;
	bool is_str;
	bool truncated;       /* the value filled snmp_client's buffer: maybe cut */
	uint32_t ctx;         /* Cisco per-VLAN context the row came from; 0: default */
	int64_t i;
	uint16_t slen;
	uint8_t *s;           /* owned; NULL unless is_str */
};

struct swv_table {
	struct swv_row *rows; /* owned */
	size_t n, cap;
	bool sorted;
};

/* A table's rows by a number they hold (swv_view_prepare): `row` indexes the table. */
struct swv_key {
	int64_t key;
	uint32_t row;
};

/* An interface's name (ifName, else ifDescr) and ifIndex (swv_view_prepare). */
struct swv_named {
	char name[ENF_NAME_LEN];
	int32_t ifx;
};

struct swv {
	struct swv_table t[SWV_NCOLS];
	uint32_t silent_ctx[16];   /* per-VLAN contexts that did not answer (first 16) */
	size_t nsilent;
	size_t unresolved;         /* swv_ports: FDB rows whose port number names no port for sure */
	/*
	 * Made by swv_view_prepare for the lookups made once per forwarding-table
	 * row, LLDP neighbour or port, which scanned a whole table each: a switch
	 * answering tens of thousands of rows would otherwise hold the daemon
	 * for minutes. Each owned; valid until rows are added or cleared.
	 */
	struct swv_key *bp_by_ifx; /* dot1dBasePortIfIndex rows by the ifIndex they hold */
	size_t nbp_by_ifx;
	struct swv_key *vid_by_fdb;/* dot1qVlanFdbId rows by the fdbId they hold */
	size_t nvid_by_fdb;
	struct swv_named *names;   /* interfaces by name, each ifIndex once */
	size_t nnames;
	struct swv_key *infra_by_ifx; /* lldpRemSysCapEnabled rows of bridges and routers (not
				       * phones) by their local port's ifIndex, 0 unknown */
	size_t ninfra_by_ifx;
};

/*
 * How many rows a walk of the column reads at most: 65536 of a forwarding
 * table (far above any access switch), far fewer of the others (none has
 * thousands of LLDP neighbours or VLANs): what a hostile switch can make
 * Cordon store and sort.
 */
size_t swv_col_max_rows(enum swv_col c);

/* How the switch is read: from the driver and the vendor table (snmp_vendor.h). */
struct swv_opts {
	bool cisco;                /* the port's VLAN is vmVlan.ifIndex, trunks by trunk status */
	bool pvid_by_ifindex;      /* dot1qPvid is indexed by ifIndex (Junos) */
	bool portlist_text;        /* PortLists are comma-separated bridge ports in text (Junos) */
	unsigned max_macs;         /* more distinct MACs on a port: a trunk */
	unsigned nuplinks;
	const char (*uplinks)[ENF_NAME_LEN];
};

enum swv_status { SWV_FOUND, SWV_NOT_FOUND, SWV_REFUSED, SWV_UNKNOWN_VLAN };

struct swv_result {
	enum swv_status status;
	int32_t bridge_port;       /* the port's dot1dBasePort (default context when known) */
	int32_t ifindex;
	char port[ENF_NAME_LEN];   /* ifName, else ifDescr, else "ifIndex N" */
	int32_t vlan;              /* SWV_FOUND: the port's access VLAN */
	int32_t learned_vlan;      /* the VLAN of the FDB row; 0: unknown */
	int32_t tagged[ENF_MAX_TAGGED]; /* SWV_FOUND: the VLANs the port is a tagged member of */
	uint32_t ntagged;               /* (Q-BRIDGE egress, not untagged; Cisco: its voice VLAN
					 * 1..4094), other than `vlan` */
	uint8_t port_macs[ENF_MAX_PORT_MACS][6]; /* SWV_FOUND: MACs learned on the port, in MAC order */
	uint32_t nport_macs;       /* SWV_FOUND: how many distinct ones (may exceed the list) */
	size_t nrows;              /* forwarding-table rows seen */
	char why[ENF_DETAIL_LEN];  /* SWV_REFUSED, SWV_UNKNOWN_VLAN, SWV_NOT_FOUND: the reason */
	char how[160];             /* SWV_FOUND: where the VLAN was read, the learned VLAN */
};

void swv_init(struct swv *v);
/* Frees every row; `v` is empty again. */
void swv_clear(struct swv *v);
/* The column's OID (static storage). */
const uint32_t *swv_col_oid(enum swv_col c, size_t *len, const char **name);
/*
 * Stores `vb` (a row of column `c` walked in context `ctx`) when its OID is
 * under the column and its index fits; anything else is ignored. -1: out of
 * memory.
 */
int swv_add(struct swv *v, enum swv_col c, uint32_t ctx, const struct snmpc_vb *vb);
/* Rows of the forwarding tables (both). */
size_t swv_fdb_rows(const struct swv *v);
/* Rows of dot1qTpFdbPort that name a MAC and a port (index variants included). */
size_t swv_fdb_usable(const struct swv *v);
bool swv_has_mac(const struct swv *v, const uint8_t mac[6]);

/*
 * Every bridge port, each ifIndex once at its first dot1dBasePortIfIndex
 * row (the default context's in bridge-port order, then ports only per-VLAN
 * contexts have), judged as locate judges the port of a MAC; fills at most
 * `max` (out may be NULL with max 0) and returns how many there are (0 also
 * when out of memory). Sets `unresolved`.
 */
struct snmpsw_port;
size_t swv_ports(struct swv *v, const struct swv_opts *o, struct snmpsw_port *out, size_t max);

/* Where `mac` is, by the rules of docs/snmp.md ("How locate decides"). */
void swv_locate(struct swv *v, const struct swv_opts *o, const uint8_t mac[6],
		struct swv_result *r);

#endif
