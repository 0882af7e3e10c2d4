/* SPDX-License-Identifier: ISC */
/*
 * view-bench: the CPU time of one locate decision (swv_locate), or of one
 * survey of every port (swv_ports, as cordon-switch-check asks for it), over
 * tables as large as a walk may read (swv_col_max_rows): what a switch
 * answering everything it may, or a hostile one, costs the daemon's event
 * loop. A benchmark, not a test (not part of ctest).
 *
 * usage: view-bench [-s] [-f] [SCALE]   SCALE in 1..100 percent of the caps (100)
 *   -s  time the survey (swv_ports: the count, then the ports) instead of swv_locate
 *   -f  a fuller view: also dot1dTpFdbPort (the same MACs, as switches answering
 *       both forwarding tables do) and each VLAN's static egress and untagged
 *       PortLists (every bridge port up to 2048 in some VLAN)
 *
 * The view: the forwarding table full (one MAC per row, spread over the
 * bridge ports, fdbIds naming VLANs), every bridge port with an ifIndex,
 * ifName and PVID, dot1qVlanFdbId full, and the LLDP neighbour table full
 * of phones on port 1 whose local port is named by ifName (each mapped to
 * an interface). Prints the rows and the CPU seconds the decision took
 * (the process's clock: other work on the machine does not count).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snmp.h"
#include "snmp_view.h"

static void
add(struct swv *v, enum swv_col c, const uint32_t *idx, size_t n, int64_t i, const void *s,
    size_t slen)
{
	struct snmpc_vb vb;
	size_t len;
	const uint32_t *col = swv_col_oid(c, &len, NULL);

	memset(&vb, 0, sizeof(vb));
	snmpc_oid_make(&vb.oid, col, len, idx, n);
	if (s) {
		vb.type = SNMPC_STRING;
		vb.slen = slen;
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

static double
secs(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	unsigned scale = 100;
	bool survey = false, full = false;
	struct swv v;
	struct swv_opts o;
	struct swv_result r;
	struct timespec t0, t1, t2;
	char name[32];
	uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
	int opt;

	while ((opt = getopt(argc, argv, "sf")) != -1) {
		if (opt == 's')
			survey = true;
		else if (opt == 'f')
			full = true;
		else
			goto usage;
	}
	if (optind < argc)
		scale = (unsigned)atoi(argv[optind++]);
	if (optind < argc || scale < 1 || scale > 100) {
usage:
		fprintf(stderr, "usage: view-bench [-s] [-f] [SCALE] (1..100 percent of the walks' caps)\n");
		return 2;
	}
	swv_init(&v);
	size_t nports = rows(SWV_BASE_PORT_IFINDEX, scale), nfdb = rows(SWV_QFDB_PORT, scale);
	size_t nlldp = rows(SWV_LLDP_REM_CAP, scale), nvlan = rows(SWV_VLAN_FDB_ID, scale);
	if (nvlan > 4094)
		nvlan = 4094;
	for (uint32_t p = 1; p <= nports; p++) {
		uint32_t ifx = 1000 + p;
		add(&v, SWV_BASE_PORT_IFINDEX, &p, 1, ifx, NULL, 0);
		snprintf(name, sizeof(name), "ge%u", p);
		add(&v, SWV_IF_NAME, &ifx, 1, 0, name, strlen(name));
		add(&v, SWV_PVID, &p, 1, 10, NULL, 0);
	}
	for (uint32_t k = 1; k <= nvlan; k++) {
		uint32_t idx[2] = {0, k};
		add(&v, SWV_VLAN_FDB_ID, idx, 2, k, NULL, 0);
	}
	for (uint32_t k = 0; k < nfdb; k++) {
		uint32_t idx[7] = {1 + k % (uint32_t)nvlan, 0x02, 0, 0, (k >> 16) & 0xff, (k >> 8) & 0xff,
				   (k & 0xff) + 1};
		add(&v, SWV_QFDB_PORT, idx, 7, 1 + k % nports, NULL, 0);
		if (full)
			add(&v, SWV_DFDB_PORT, idx + 1, 6, 1 + k % nports, NULL, 0);
	}
	if (full) {
		/* Bridge port p (up to 2048, what a PortList holds) untagged in VLAN 1 + p % nvlan. */
		for (uint32_t k = 1; k <= nvlan; k++) {
			uint8_t list[SNMPC_MAX_STR];
			memset(list, 0, sizeof(list));
			for (uint32_t p = 1; p <= nports && p <= 8 * sizeof(list); p++)
				if (1 + p % nvlan == k)
					list[(p - 1) / 8] |= (uint8_t)(0x80 >> ((p - 1) % 8));
			add(&v, SWV_STATIC_EGRESS, &k, 1, 0, list, sizeof(list));
			add(&v, SWV_STATIC_UNTAGGED, &k, 1, 0, list, sizeof(list));
		}
	}
	uint32_t one = 1;
	add(&v, SWV_LLDP_LOC_PORT_ID, &one, 1, 0, "ge1", 3);
	for (uint32_t k = 1; k <= nlldp; k++) {
		uint32_t idx[3] = {0, 1, k};
		add(&v, SWV_LLDP_REM_CAP, idx, 3, 0, "\x04", 1);   /* a telephone */
	}
	memset(&o, 0, sizeof(o));
	o.max_macs = 4;
	printf("view-bench: %zu forwarding rows%s, %zu bridge ports (ifName, PVID), %zu VLAN rows%s, "
	       "%zu LLDP neighbours: ", nfdb, full ? " (twice: Q-BRIDGE and BRIDGE-MIB)" : "", nports,
	       nvlan, full ? " (with PortLists)" : "", nlldp);
	if (!survey) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		swv_locate(&v, &o, mac, &r);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		printf("swv_locate %.3f s (status %d)\n", secs(&t0, &t1), r.status);
	} else {
		/* As snmp_locate.c's survey asks: how many, then each port. */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		size_t n = swv_ports(&v, &o, NULL, 0);
		struct snmpsw_port *p = calloc(n + 1, sizeof(*p));
		if (!p) {
			fprintf(stderr, "view-bench: out of memory\n");
			return 1;
		}
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		size_t got = swv_ports(&v, &o, p, n);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t2);
		size_t access = 0;
		for (size_t k = 0; k < got; k++)
			access += p[k].access;
		printf("swv_ports %.3f s (count %.3f s, ports %.3f s; %zu ports, %zu access)\n",
		       secs(&t0, &t2), secs(&t0, &t1), secs(&t1, &t2), got, access);
		free(p);
	}
	swv_clear(&v);
	return 0;
}
