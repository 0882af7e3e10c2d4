/* SPDX-License-Identifier: ISC */
/*
 * test_corpus: the detectors, with default settings, over the enterprise LAN
 * captures cordon-genlan writes (docs/benign-corpus.md).
 *
 *   test_corpus BENIGN.pcap BENIGN.json WORMS.pcap WORMS.json
 *
 * - benign run (--no-worms): no detection from any engine but "busy" (a
 *   notice for answered fan-out that isolates nothing; counted and printed);
 * - worm run: every worm of the truth file flagged, nothing else (again
 *   "busy" aside); for each worm the probes it had sent up to and including
 *   the alerting packet and the seconds since its first probe: the fast TCP
 *   and UDP worms and the RST worm within 5 probes and 1.0 s, the slow
 *   scanner within 10 probes.
 * Each wrong detection is printed with its host, role, engine and evidence,
 * and a table of the worms' figures closes each run. Probes are counted
 * from the capture itself: first contacts of the worm's address on its port
 * (SYN or datagram), and ARP requests for new addresses (a target on the
 * worm's own subnet never sees a probe frame, only ARP).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "capture.h"
#include "detector.h"

#define MAX_HOSTS 1024
#define MAX_WORMS 8
#define MAX_REPORT 64

struct worm {
	char ip[16], kind[32];
	uint32_t addr;                /* host order */
	uint8_t proto;
	uint16_t port;
	uint64_t first_probe_us;      /* from the truth file */
	double rate;
	/* measured */
	uint8_t seen[65536 / 8];      /* targets in 10.20/16 already probed (low 16 bits) */
	uint32_t probes;
	uint64_t first_seen_us;
	bool detected;
	char engine[32];
	uint32_t probes_at_alert;
	double secs_at_alert;
	struct detection det;
};

struct truth {
	uint64_t start_us;            /* capture start */
	char ip[MAX_HOSTS][16];
	char role[MAX_HOSTS][24];
	int nhosts;
	struct worm worms[MAX_WORMS];
	int nworms;
};

struct run {
	struct truth *truth;
	struct detector *det;
	int linktype;
	uint64_t busy, wrong, total;
	char report[MAX_REPORT][256];     /* wrong detections */
	int nreport;
	char busy_report[MAX_REPORT][256];
	int nbusy_report;
};

static const char *paths[4];

static void
load_truth(const char *path, struct truth *t)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err), *hosts, *worms, *v;
	size_t i;

	if (root == NULL)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	memset(t, 0, sizeof(*t));
	t->start_us = (uint64_t)json_integer_value(json_object_get(root, "start_us"));
	assert_true(t->start_us > 0);
	hosts = json_object_get(root, "hosts");
	worms = json_object_get(root, "worms");
	assert_true(json_is_array(hosts) && json_is_array(worms));
	json_array_foreach(hosts, i, v) {
		const char *ip = json_string_value(json_object_get(v, "ip"));
		const char *role = json_string_value(json_object_get(v, "role"));
		assert_true(ip != NULL && role != NULL && t->nhosts < MAX_HOSTS);
		snprintf(t->ip[t->nhosts], sizeof(t->ip[0]), "%s", ip);
		snprintf(t->role[t->nhosts], sizeof(t->role[0]), "%s", role);
		t->nhosts++;
	}
	json_array_foreach(worms, i, v) {
		struct worm *w = &t->worms[t->nworms];
		const char *ip = json_string_value(json_object_get(v, "ip"));
		const char *kind = json_string_value(json_object_get(v, "kind"));
		const char *proto = json_string_value(json_object_get(v, "proto"));
		struct in_addr a;
		assert_true(ip && kind && proto && t->nworms < MAX_WORMS);
		assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
		snprintf(w->ip, sizeof(w->ip), "%s", ip);
		snprintf(w->kind, sizeof(w->kind), "%s", kind);
		w->addr = ntohl(a.s_addr);
		w->proto = strcmp(proto, "udp") == 0 ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
		w->port = (uint16_t)json_integer_value(json_object_get(v, "port"));
		w->first_probe_us = (uint64_t)json_integer_value(json_object_get(v, "first_probe_us"));
		w->rate = json_real_value(json_object_get(v, "rate"));
		assert_true(w->first_probe_us > 0 && w->port > 0);
		t->nworms++;
	}
	json_decref(root);
}

static const char *
role_of(const struct truth *t, const char *ip)
{
	int i;

	for (i = 0; i < t->nworms; i++)
		if (strcmp(t->worms[i].ip, ip) == 0)
			return "worm";
	for (i = 0; i < t->nhosts; i++)
		if (strcmp(t->ip[i], ip) == 0)
			return t->role[i];
	return "not a LAN host";
}

static uint32_t
v4_of(const struct ip_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 | a->b[15];
}

/* Counts a worm's first contacts, before the detector sees the frame. */
static void
count_probe(struct truth *t, const struct pkt *p, uint64_t ts_us)
{
	uint32_t src = v4_of(&p->src), dst = v4_of(&p->dst);
	int i;

	if (!ip_is_v4(&p->src) || !ip_is_v4(&p->dst))
		return;
	for (i = 0; i < t->nworms; i++) {
		struct worm *w = &t->worms[i];
		bool probe;
		if (src != w->addr || ts_us < w->first_probe_us)
			continue;
		if (p->l3 == L3_ARP)
			probe = p->arp_op == 1 && (dst & 0xff) != 1;   /* not its gateway */
		else if (p->proto == IPPROTO_NUM_TCP)
			probe = w->proto == IPPROTO_NUM_TCP && p->has_ports && p->dport == w->port &&
			    (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
		else
			probe = p->proto == w->proto && p->has_ports && p->dport == w->port;
		if (!probe || (dst & 0xffff0000u) != (w->addr & 0xffff0000u))
			continue;
		if (w->seen[(dst & 0xffff) / 8] & (1u << (dst & 7)))
			continue;
		w->seen[(dst & 0xffff) / 8] |= (uint8_t)(1u << (dst & 7));
		if (w->probes++ == 0)
			w->first_seen_us = ts_us;
	}
}

static void
on_detection(void *arg, const struct detection *d)
{
	struct run *r = arg;
	const char *engine = det_engine_name(d->engine);
	char ip[64], line[256];
	int i;

	r->total++;
	ip_to_str(&d->src, ip, sizeof(ip));
	snprintf(line, sizeof(line), "  %-15s %-15s %-10s %s port %u probes %u failures %u dsts %u "
	    "ports %u at %.3f s (packet %llu)", ip, role_of(r->truth, ip), engine,
	    d->proto == IPPROTO_NUM_UDP ? "udp" : d->proto == IPPROTO_NUM_TCP ? "tcp" :
	    d->is_arp ? "arp" : "ip", d->has_dport ? d->dport : 0, d->probes, d->failures,
	    d->distinct_dsts, d->distinct_ports, (double)(d->time_us - r->truth->start_us) / 1e6,
	    (unsigned long long)d->alert_packet);
	if (strcmp(engine, "busy") == 0) {
		/* A notice that isolates nothing: listed, never a failure. */
		r->busy++;
		if (r->nbusy_report < MAX_REPORT)
			snprintf(r->busy_report[r->nbusy_report++], sizeof(r->busy_report[0]), "%s", line);
		return;
	}
	for (i = 0; i < r->truth->nworms; i++) {
		struct worm *w = &r->truth->worms[i];
		if (strcmp(w->ip, ip) != 0 || d->time_us < w->first_probe_us)
			continue;
		if (!w->detected) {
			w->detected = true;
			snprintf(w->engine, sizeof(w->engine), "%s%s%s", engine,
			    d->signature ? "/" : "", d->signature ? d->signature : "");
			w->probes_at_alert = w->probes;
			w->secs_at_alert = (double)(d->time_us - w->first_seen_us) / 1e6;
			w->det = *d;
		}
		return;
	}
	r->wrong++;
	if (r->nreport < MAX_REPORT)
		snprintf(r->report[r->nreport++], sizeof(r->report[0]), "%s", line);
}

static void
on_packet(void *arg, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_us, uint64_t index)
{
	struct run *r = arg;
	struct pkt p;

	if (r->truth->nworms > 0 && decode_frame(r->linktype, data, caplen, &p) == DECODE_OK)
		count_probe(r->truth, &p, ts_us);
	detector_packet(r->det, r->linktype, data, caplen, wirelen, ts_us, index);
}

static void
run_capture(const char *pcap, struct run *r)
{
	struct det_config cfg;
	struct capture *cap;
	char err[512];
	int n, i;

	detcfg_defaults(&cfg);
	cfg.hash_seed = 7;
	r->det = detector_new(&cfg, on_detection, r);
	assert_non_null(r->det);
	cap = capture_open_file(pcap, err, sizeof(err));
	if (cap == NULL)
		fail_msg("%s", err);
	r->linktype = capture_linktype(cap);
	while ((n = capture_dispatch(cap, 1000, on_packet, r, err, sizeof(err))) > 0)
		;
	capture_close(cap);
	detector_free(r->det);
	if (n < 0)
		fail_msg("%s", err);
	print_message("%s: %llu detections, %llu from \"busy\", %llu wrong\n", pcap,
	    (unsigned long long)r->total, (unsigned long long)r->busy,
	    (unsigned long long)r->wrong);
	if (r->nbusy_report > 0) {
		print_message("\"busy\" notices (host, role, evidence; first %d):\n", r->nbusy_report);
		for (i = 0; i < r->nbusy_report; i++)
			print_message("%s\n", r->busy_report[i]);
	}
	if (r->nreport > 0) {
		print_message("wrongly flagged (host, role, engine, evidence; first %d):\n", r->nreport);
		for (i = 0; i < r->nreport; i++)
			print_message("%s\n", r->report[i]);
	}
}

static void
test_benign(void **state)
{
	static struct truth t;
	static struct run r;

	(void)state;
	load_truth(paths[1], &t);
	assert_int_equal(t.nworms, 0);
	memset(&r, 0, sizeof(r));
	r.truth = &t;
	run_capture(paths[0], &r);
	print_message("benign run: %llu detections that would isolate a host, %llu \"busy\" notices\n",
	    (unsigned long long)r.wrong, (unsigned long long)r.busy);
	assert_int_equal(r.wrong, 0);
}

/* Probe and time budgets by worm kind (see the header). */
static void
budget(const struct worm *w, uint32_t *probes, double *secs)
{
	if (strcmp(w->kind, "tcp23_slow") == 0) {
		*probes = 10;
		*secs = 0;     /* not judged: at 2 probes/s, 10 probes take ~5 s */
	} else {
		*probes = 5;
		*secs = 1.0;
	}
}

static void
test_worms(void **state)
{
	static struct truth t;
	static struct run r;
	int i, bad = 0;

	(void)state;
	load_truth(paths[3], &t);
	assert_true(t.nworms >= 4);
	memset(&r, 0, sizeof(r));
	r.truth = &t;
	run_capture(paths[2], &r);
	print_message("%-15s %-15s %5s %-10s %6s %7s  %-32s %s\n", "worm", "kind", "rate", "engine",
	    "probes", "seconds", "engine's evidence", "verdict");
	for (i = 0; i < t.nworms; i++) {
		const struct worm *w = &t.worms[i];
		uint32_t max_probes;
		double max_secs;
		bool ok;
		budget(w, &max_probes, &max_secs);
		ok = w->detected && w->probes_at_alert <= max_probes &&
		    (max_secs == 0 || w->secs_at_alert <= max_secs);
		if (w->detected) {
			/* What the engine counted, and since when relative to the first
			 * probe: a walk that began before the infection carries the
			 * host's own earlier outcomes. */
			char ev[64];
			snprintf(ev, sizeof(ev), "%u probes %u failures since %+.1f s",
			    w->det.probes, w->det.failures,
			    ((double)w->det.first_seen_us - (double)w->first_seen_us) / 1e6);
			print_message("%-15s %-15s %5.1f %-10s %6u %7.3f  %-32s %s (budget %u probes%s)\n",
			    w->ip, w->kind, w->rate, w->engine, w->probes_at_alert, w->secs_at_alert, ev,
			    ok ? "ok" : "LATE", max_probes, max_secs > 0 ? ", 1.0 s" : "");
		} else {
			print_message("%-15s %-15s %5.1f %-10s %6u %7s  %-32s NOT FLAGGED\n", w->ip,
			    w->kind, w->rate, "-", w->probes, "-", "-");
		}
		/* The truth file and the capture agree on when each worm starts. */
		assert_true(w->probes > 0);
		assert_true(w->first_seen_us >= w->first_probe_us &&
		    w->first_seen_us - w->first_probe_us < 1000);
		bad += !ok;
	}
	if (bad > 0 || r.wrong > 0)
		fail_msg("%d worm(s) not flagged within budget, %llu wrong detection(s)", bad,
		    (unsigned long long)r.wrong);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_benign),
		cmocka_unit_test(test_worms),
	};

	if (argc != 5) {
		fprintf(stderr, "usage: test_corpus BENIGN.pcap BENIGN.json WORMS.pcap WORMS.json\n");
		return 2;
	}
	memcpy(paths, argv + 1, sizeof(paths));
	return cmocka_run_group_tests_name("corpus", tests, NULL, NULL);
}
