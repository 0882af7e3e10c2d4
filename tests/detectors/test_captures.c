/* SPDX-License-Identifier: ISC */
/*
 * The sensor's library over the recorded captures in ../shared/captures/:
 * every host their README lists under Flag is flagged, nothing else is, and
 * no benign capture yields any detection.
 *
 * Without the captures (a user's machine) each case is reported as skipped;
 * with CI=true a missing capture fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "detector.h"

#ifndef CAPTURES_DIR
#error CAPTURES_DIR must name the shared captures directory
#endif

#define MAX_HOSTS 8

struct case_spec {
	const char *file;
	const char *flag[MAX_HOSTS];       /* must be flagged */
	const char *may_flag[MAX_HOSTS];   /* may be flagged (infected victims) */
	uint64_t first_alert_packet;       /* 0: not checked */
};

static const struct case_spec cases[] = {
	{ "worm_slammer_udp1434.pcap", { "213.76.212.22" }, { NULL }, 1 },
	{ "worm_blaster_tcp4444_shell.pcap", { "10.234.0.239" }, { "10.234.2.116" }, 0 },
	{ "worm_iot_hidenseek_tcp23_2323.pcap", { "192.168.2.16" }, { NULL }, 0 },
	{ "scan_icmp_sweep_slips.pcap", { "192.168.1.109" }, { NULL }, 0 },
	{ "scan_arp_sweep_slips.pcap", { "192.168.1.247" }, { NULL }, 0 },
	{ "scan_nmap_syn_1000ports_ppa.pcap", { "172.16.0.8" }, { NULL }, 0 },
	{ "scan_portscan_ppa.pcap", { "10.100.25.14" }, { NULL }, 0 },
	{ "benign_dns_http_ppa.pcap", { NULL }, { NULL }, 0 },
	{ "benign_enterprise_mapi_zeek.pcap", { NULL }, { NULL }, 0 },
	{ "benign_http_browsing_zeek.pcap", { NULL }, { NULL }, 0 },
	{ "benign_http_espn_ppa.pcap", { NULL }, { NULL }, 0 },
	{ "benign_mixed_tcpreplay_test.pcap", { NULL }, { NULL }, 0 },
	{ "benign_netbios_lan_ndpi.pcap", { NULL }, { NULL }, 0 },
	{ "benign_smb2_fileshare_zeek.pcap", { NULL }, { NULL }, 0 },
};

struct run {
	struct detector *det;
	int linktype;
	char flagged[64][64];
	int nflagged;
	int ndetections;
	uint64_t first_alert_packet;
};

static void
on_detection(void *arg, const struct detection *d)
{
	struct run *r = arg;
	char ip[64];
	int i;

	if (r->ndetections++ == 0)
		r->first_alert_packet = d->alert_packet;
	ip_to_str(&d->src, ip, sizeof(ip));
	for (i = 0; i < r->nflagged; i++)
		if (strcmp(r->flagged[i], ip) == 0)
			return;
	if (r->nflagged < 64)
		strcpy(r->flagged[r->nflagged++], ip);
}

static void
on_packet(void *arg, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_us, uint64_t index)
{
	struct run *r = arg;

	detector_packet(r->det, r->linktype, data, caplen, wirelen, ts_us, index);
}

static int
listed(const char *const *list, const char *ip)
{
	int i;

	for (i = 0; i < MAX_HOSTS && list[i]; i++)
		if (strcmp(list[i], ip) == 0)
			return 1;
	return 0;
}

static void
run_case(void **state)
{
	const struct case_spec *c = *state;
	struct det_config cfg;
	struct capture *cap;
	struct run r;
	char path[1024], err[512];
	int i, n;

	snprintf(path, sizeof(path), "%s/%s", CAPTURES_DIR, c->file);
	if (access(path, R_OK) != 0) {
		const char *ci = getenv("CI");
		if (ci != NULL && strcmp(ci, "true") == 0)
			fail_msg("%s is missing (CI=true: recorded captures are required)", path);
		print_message("SKIPPED: %s is not here (no ../shared/captures)\n", path);
		skip();
	}
	memset(&r, 0, sizeof(r));
	detcfg_defaults(&cfg);
	cfg.hash_seed = 7;
	r.det = detector_new(&cfg, on_detection, &r);
	assert_non_null(r.det);
	cap = capture_open_file(path, err, sizeof(err));
	if (cap == NULL)
		fail_msg("%s", err);
	r.linktype = capture_linktype(cap);
	assert_true(decode_link_supported(r.linktype));
	while ((n = capture_dispatch(cap, 1000, on_packet, &r, err, sizeof(err))) > 0)
		;
	assert_int_equal(n, 0);
	detector_finish(r.det);
	capture_close(cap);
	detector_free(r.det);

	for (i = 0; i < MAX_HOSTS && c->flag[i]; i++) {
		int j, found = 0;
		for (j = 0; j < r.nflagged; j++)
			found |= strcmp(r.flagged[j], c->flag[i]) == 0;
		if (!found)
			fail_msg("%s: %s was not flagged", c->file, c->flag[i]);
	}
	for (i = 0; i < r.nflagged; i++)
		if (!listed(c->flag, r.flagged[i]) && !listed(c->may_flag, r.flagged[i]))
			fail_msg("%s: %s was flagged but must not be", c->file, r.flagged[i]);
	if (strncmp(c->file, "benign_", 7) == 0)
		assert_int_equal(r.ndetections, 0);
	if (c->first_alert_packet)
		assert_int_equal(r.first_alert_packet, c->first_alert_packet);
}

int
main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0])];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].file;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	return _cmocka_run_group_tests("captures", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
}
