/* SPDX-License-Identifier: ISC */
/*
 * view-bench: the CPU time of one locate decision (swv_locate) over tables as
 * large as a walk may read (swv_col_max_rows): what a switch answering
 * everything it may, or a hostile one, costs the daemon's event loop. A
 * benchmark, not a test (not part of ctest).
 *
 * usage: view-bench [SCALE]   SCALE in 1..100 percent of the caps (100)
 *
 * The view: the forwarding table full (one MAC per row, spread over the
 * bridge ports, fdbIds naming VLANs), every bridge port with an ifIndex,
 * ifName and PVID, dot1qVlanFdbId full, and the LLDP neighbour table full
 * of phones on port 1 whose local port is named by ifName (each mapped to
 * an interface). Prints the rows and the seconds swv_locate took.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snmp.h"
#include "snmp_view.h"

static void
add(struct swv *v, enum swv_col c, const uint32_t *idx, size_t n, int64_t i, const char *s)
{
	struct snmpc_vb vb;
	size_t len;
	const uint32_t *col = swv_col_oid(c, &len, NULL);

	memset(&vb, 0, sizeof(vb));
	snmpc_oid_make(&vb.oid, col, len, idx, n);
	if (s) {
		vb.type = SNMPC_STRING;
		vb.slen = strlen(s);
		memcpy(vb.s, s, vb.slen);
	} else {
		vb.type = SNMPC_INTEGER;
		vb.i = i;
	}
	if (swv_add(v, c, 0, &vb) < 0) {
		fprintf(stderr, "view-bench: out of memory\n");
		exit(1);
	}
}

static size_t
rows(enum swv_col c, unsigned scale)
{
	return swv_col_max_rows(c) * scale / 100;
}

int
main(int argc, char **argv)
{
	unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
	struct swv v;
	struct swv_opts o;
	struct swv_result r;
	struct timespec t0, t1;
	char name[32];
	uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};

	if (scale < 1 || scale > 100) {
		fprintf(stderr, "usage: view-bench [SCALE] (1..100 percent of the walks' caps)\n");
		return 2;
	}
	swv_init(&v);
	size_t nports = rows(SWV_BASE_PORT_IFINDEX, scale), nfdb = rows(SWV_QFDB_PORT, scale);
	size_t nlldp = rows(SWV_LLDP_REM_CAP, scale), nvlan = rows(SWV_VLAN_FDB_ID, scale);
	if (nvlan > 4094)
		nvlan = 4094;
	for (uint32_t p = 1; p <= nports; p++) {
		uint32_t ifx = 1000 + p;
		add(&v, SWV_BASE_PORT_IFINDEX, &p, 1, ifx, NULL);
		snprintf(name, sizeof(name), "ge%u", p);
		add(&v, SWV_IF_NAME, &ifx, 1, 0, name);
		add(&v, SWV_PVID, &p, 1, 10, NULL);
	}
	for (uint32_t k = 1; k <= nvlan; k++) {
		uint32_t idx[2] = {0, k};
		add(&v, SWV_VLAN_FDB_ID, idx, 2, k, NULL);
	}
	for (uint32_t k = 0; k < nfdb; k++) {
		uint32_t idx[7] = {1 + k % (uint32_t)nvlan, 0x02, 0, 0, (k >> 16) & 0xff, (k >> 8) & 0xff,
				   (k & 0xff) + 1};
		add(&v, SWV_QFDB_PORT, idx, 7, 1 + k % nports, NULL);
	}
	uint32_t one = 1;
	add(&v, SWV_LLDP_LOC_PORT_ID, &one, 1, 0, "ge1");
	for (uint32_t k = 1; k <= nlldp; k++) {
		uint32_t idx[3] = {0, 1, k};
		add(&v, SWV_LLDP_REM_CAP, idx, 3, 0, "\x04");   /* a telephone */
	}
	memset(&o, 0, sizeof(o));
	o.max_macs = 4;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	swv_locate(&v, &o, mac, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("view-bench: %zu forwarding rows, %zu bridge ports (ifName, PVID), %zu VLAN rows, "
	       "%zu LLDP neighbours: swv_locate %.3f s (status %d)\n", nfdb, nports, nvlan, nlldp,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, r.status);
	swv_clear(&v);
	return 0;
}
