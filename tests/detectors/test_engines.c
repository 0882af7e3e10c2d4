/* SPDX-License-Identifier: ISC */
/* Engine tests on crafted packets, with exact expectations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "harness.h"

#define SYN TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)
#define RSTACK (TCPF_RST | TCPF_ACK)

static const char *
host(char *buf, int net, int i)
{
	snprintf(buf, 20, "10.%d.%d.%d", net & 0xff, (i / 250) & 0xff, 1 + i % 250);
	return buf;
}

/* Scanner 10.9.9.9 probes target i on tcp/port; the target answers RST or SYN-ACK. */
static void
probe(struct harness *h, int i, uint16_t port, int answer, uint64_t t_ms)
{
	char dst[20];

	host(dst, 1, i);
	h_feed(h, pb_tcp(h->f, "10.9.9.9", 40000, dst, port, SYN), t_ms);
	if (answer == 'F')
		h_feed(h, pb_tcp(h->f, dst, port, "10.9.9.9", 40000, RSTACK), t_ms);
	else if (answer == 'S')
		h_feed(h, pb_tcp(h->f, dst, port, "10.9.9.9", 40000, SYNACK), t_ms);
}

/* Plays a sequence like "FFFSF" of outcomes on port 8081 (not exposed). */
static void
walk(struct harness *h, const char *seq, int *next)
{
	for (; *seq; seq++, (*next)++)
		probe(h, *next, 8081, *seq, 0);
}

static void
trw_flags_at_fourth_failure(void **state)
{
	struct harness *h = h_new(NULL);
	const struct detection *det;
	int i = 0;

	(void)state;
	walk(h, "FFF", &i);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	walk(h, "F", &i);
	assert_int_equal(h_count(h, ENGINE_TRW), 1);
	det = h_last(h, ENGINE_TRW);
	assert_int_equal(det->probes, 4);
	assert_int_equal(det->failures, 4);
	assert_int_equal(det->distinct_dsts, 4);
	assert_int_equal(det->proto, IPPROTO_NUM_TCP);
	assert_int_equal(det->dport, 8081);
	/* packet 8 is the fourth RST (SYN, RST per probe) */
	assert_int_equal(det->alert_packet, 8);
	h_free(h);
}

static void
trw_success_weighs_against_failures(void **state)
{
	struct harness *h = h_new(NULL);
	int i = 0;

	(void)state;
	/* 4*4*4 * 1/4 * 4 = 64 < 99: not yet */
	walk(h, "FFFSF", &i);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	/* x4 = 256 >= 99 */
	walk(h, "F", &i);
	assert_int_equal(h_count(h, ENGINE_TRW), 1);
	assert_int_equal(h_last(h, ENGINE_TRW)->failures, 5);
	assert_int_equal(h_last(h, ENGINE_TRW)->probes, 6);
	h_free(h);
}

static void
trw_benign_verdict_restarts_walk(void **state)
{
	struct harness *h = h_new(NULL);
	int i = 0;

	(void)state;
	/* Successes never take the ratio below 1 (the walk's CUSUM floor):
	 * without it FFFF would only bring it back to 1. */
	walk(h, "SSSSFFF", &i);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	walk(h, "F", &i);
	assert_int_equal(h_count(h, ENGINE_TRW), 1);
	assert_int_equal(h_last(h, ENGINE_TRW)->probes, 4);
	h_free(h);
}

static void
trw_repeat_contact_is_not_first_contact(void **state)
{
	struct harness *h = h_new(NULL);
	int k;

	(void)state;
	/* Ten failed SYNs to the same host are one first contact. */
	for (k = 0; k < 10; k++) {
		h_feed(h, pb_tcp(h->f, "10.9.9.9", (uint16_t)(40000 + k), "10.1.0.1", 8081, SYN), 0);
		h_feed(h, pb_tcp(h->f, "10.1.0.1", 8081, "10.9.9.9", (uint16_t)(40000 + k), RSTACK), 0);
	}
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	h_free(h);
}

static void
trw_no_answer_fails_after_timeout(void **state)
{
	struct harness *h = h_new(NULL);
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		probe(h, i, 8081, 0, 0);
	/* An unrelated packet moves the clock: 2.999 s is within the timeout. */
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 2999);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 3000);
	assert_int_equal(h_count(h, ENGINE_TRW), 1);
	assert_int_equal(h_last(h, ENGINE_TRW)->failures, 4);
	h_free(h);
}

static void
trw_late_answer_takes_back_the_failure(void **state)
{
	struct harness *h = h_new(NULL);
	struct detector_stats st;
	char dst[20];
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		probe(h, i, 8081, 0, 0);
	/* The SYN-ACKs arrive after the timeout: the failures are taken back
	 * and the answers count as the successes they are. */
	for (i = 0; i < 3; i++)
		h_feed(h, pb_tcp(h->f, host(dst, 1, i), 8081, "10.9.9.9", 40000, SYNACK), 4000);
	detector_get_stats(h->d, &st);
	assert_int_equal(st.answers_late, 3);
	probe(h, 3, 8081, 'F', 4000);
	probe(h, 4, 8081, 'F', 4000);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	h_free(h);
}

static void
trw_icmp_unreachable_is_failure(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		host(dst, 1, i);
		h_feed(h, pb_tcp(h->f, "10.9.9.9", 40000, dst, 8081, SYN), 0);
		/* a router answers for the unreachable host, quoting the SYN */
		h_feed(h, pb_icmp_unreach(h->f, "10.0.0.254", "10.9.9.9", dst, 40000, 8081, 1), 1);
		assert_int_equal(h_count(h, ENGINE_TRW), i == 3 ? 1 : 0);
	}
	h_free(h);
}

static void
trw_udp_reply_is_success(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	int i;

	(void)state;
	/* UDP probes that all get replies never flag, even past the timeout. */
	for (i = 0; i < 20; i++) {
		host(dst, 1, i);
		h_feed(h, pb_udp(h->f, "10.9.9.9", 5353, dst, 5000, 10, 1, 0), (uint64_t)i * 100);
		h_feed(h, pb_udp(h->f, dst, 5000, "10.9.9.9", 5353, 10, 1, 0), (uint64_t)i * 100 + 1);
	}
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 10000);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	h_free(h);
}

static void
fanout_counts_failed_destinations(void **state)
{
	struct harness *h = h_new(NULL);
	const struct detection *det;
	int i;

	(void)state;
	/* 445's threshold is 10 distinct destinations whose first contact failed. */
	for (i = 0; i < 9; i++) {
		probe(h, i, 445, 'F', 0);
		probe(h, i, 445, 'F', 0);   /* a repeat is no new destination */
	}
	assert_int_equal(h_count(h, ENGINE_FANOUT), 0);
	probe(h, 9, 445, 'F', 0);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 1);
	det = h_last(h, ENGINE_FANOUT);
	assert_int_equal(det->failures, 10);
	assert_int_equal(det->distinct_dsts, 10);
	assert_int_equal(det->probes, 19);
	assert_int_equal(det->dport, 445);
	assert_int_equal(det->proto, IPPROTO_NUM_TCP);
	h_free(h);
}

static void
answered_fanout_is_a_busy_notice(void **state)
{
	struct harness *h = h_new(NULL);
	const struct detection *det;
	int i;

	(void)state;
	/* A client of 40 file servers, all answering, within a minute. */
	for (i = 0; i < 40; i++)
		probe(h, i, 445, 'S', (uint64_t)i * 1000);
	h_finish(h);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 0);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	assert_int_equal(h_count(h, ENGINE_BUSY), 1);
	det = h_last(h, ENGINE_BUSY);
	assert_int_equal(det->distinct_dsts, 10);
	assert_int_equal(det->failures, 0);
	h_free(h);
}

static void
fanout_ignores_unexposed_port(void **state)
{
	struct harness *h = h_new(NULL);
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		probe(h, i, 8081, 'S', 0);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 0);
	h_free(h);
}

static void
web_ports(struct det_config *c)
{
	char err[128];
	assert_int_equal(detcfg_set(c, "ports", "8081:5", err, sizeof(err)), 0);
}

static void
fanout_ports_are_configurable(void **state)
{
	struct harness *h = h_new(web_ports);
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		probe(h, i, 8081, 'F', 0);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 0);
	probe(h, 4, 8081, 'F', 0);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 1);
	/* 445 is no longer in the list */
	for (i = 10; i < 40; i++)
		probe(h, i, 445, 'F', 0);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 1);
	h_free(h);
}

static void
fanout_window_slides(void **state)
{
	struct harness *h = h_new(NULL);
	int i;

	(void)state;
	/* 9 destinations, then 9 more two windows later: the first nine have
	 * left the window, so no detection. */
	for (i = 0; i < 9; i++)
		probe(h, i, 445, 'F', 0);
	for (i = 9; i < 18; i++)
		probe(h, i, 445, 'F', 120000);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 0);
	h_free(h);
}

static void
one_detection_per_engine_per_interval(void **state)
{
	struct harness *h = h_new(NULL);
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		probe(h, i, 445, 'F', (uint64_t)i);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 1);
	/* after alert.interval (300 s) the still-scanning source is reported again */
	for (i = 100; i < 200; i++)
		probe(h, i, 445, 'F', 301000 + (uint64_t)i);
	assert_int_equal(h_count(h, ENGINE_FANOUT), 2);
	h_free(h);
}

static void
vscan_counts_unanswered_ports(void **state)
{
	struct harness *h = h_new(NULL);
	const struct detection *det;
	uint16_t port;

	(void)state;
	/* 20 open ports (answered) are not a scan; 1952..1971 take the port
	 * set's slots 0..19 (port % 61), clear of the closed ports' 21..35 */
	for (port = 1952; port < 1972; port++) {
		h_feed(h, pb_tcp(h->f, "10.9.9.9", 40000, "10.1.0.1", port, SYN), 0);
		h_feed(h, pb_tcp(h->f, "10.1.0.1", port, "10.9.9.9", 40000, SYNACK), 0);
	}
	assert_int_equal(h_count(h, ENGINE_VSCAN), 0);
	/* 14 closed ports are not yet; the 15th is */
	for (port = 21; port <= 34; port++) {
		h_feed(h, pb_tcp(h->f, "10.9.9.9", 40000, "10.1.0.1", port, SYN), 0);
		h_feed(h, pb_tcp(h->f, "10.1.0.1", port, "10.9.9.9", 40000, RSTACK), 0);
	}
	assert_int_equal(h_count(h, ENGINE_VSCAN), 0);
	h_feed(h, pb_tcp(h->f, "10.9.9.9", 40000, "10.1.0.1", 35, SYN), 0);
	assert_int_equal(h_count(h, ENGINE_VSCAN), 1);
	det = h_last(h, ENGINE_VSCAN);
	assert_int_equal(det->distinct_ports, 15);
	assert_int_equal(det->dport, 35);
	assert_true(det->has_dst);
	h_free(h);
}

static void
slammer_signature(void **state)
{
	struct harness *h = h_new(NULL);
	const struct detection *det;

	(void)state;
	/* an 8-byte SQL ping is not Slammer, nor is a 376-byte payload starting 0x02 */
	h_feed(h, pb_udp(h->f, "10.9.9.9", 1111, "10.1.0.1", 1434, 8, 0x02, 0), 0);
	h_feed(h, pb_udp(h->f, "10.9.9.9", 1111, "10.1.0.2", 1434, 376, 0x02, 0x01), 0);
	assert_int_equal(h_count(h, ENGINE_SIGNATURE), 0);
	h_feed(h, pb_udp(h->f, "10.9.9.8", 20199, "10.1.0.3", 1434, 376, 0x04, 0x01), 0);
	assert_int_equal(h_count(h, ENGINE_SIGNATURE), 1);
	det = h_last(h, ENGINE_SIGNATURE);
	assert_string_equal(det->signature, "slammer");
	assert_int_equal(det->alert_packet, 3);
	assert_int_equal(det->dport, 1434);
	assert_int_equal(det->proto, IPPROTO_NUM_UDP);
	h_free(h);
}

static void
welchia_signature(void **state)
{
	struct harness *h = h_new(NULL);

	(void)state;
	h_feed(h, pb_icmp_echo(h->f, "10.9.9.9", "10.1.0.1", 8, 64, 0x00), 0);
	h_feed(h, pb_icmp_echo(h->f, "10.9.9.9", "10.1.0.1", 0, 64, 0xAA), 0);  /* a reply */
	assert_int_equal(h_count(h, ENGINE_SIGNATURE), 0);
	h_feed(h, pb_icmp_echo(h->f, "10.9.9.8", "10.1.0.1", 8, 64, 0xAA), 0);
	assert_int_equal(h_count(h, ENGINE_SIGNATURE), 1);
	assert_string_equal(h_last(h, ENGINE_SIGNATURE)->signature, "welchia");
	h_free(h);
}

static void
icmp_sweep_counts_silent_destinations(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	int i;

	(void)state;
	/* Four silent destinations (each pinged twice) are not a sweep. */
	for (i = 0; i < 4; i++) {
		h_feed(h, pb_icmp_echo(h->f, "10.9.9.9", host(dst, 1, i), 8, 8, 0), 0);
		h_feed(h, pb_icmp_echo(h->f, "10.9.9.9", host(dst, 1, i), 8, 8, 0), 0);
	}
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 5000);
	assert_int_equal(h_count(h, ENGINE_ICMP_SWEEP), 0);
	/* The fifth is, once it has had its time to answer. */
	h_feed(h, pb_icmp_echo(h->f, "10.9.9.9", host(dst, 1, 4), 8, 8, 0), 5000);
	assert_int_equal(h_count(h, ENGINE_ICMP_SWEEP), 0);
	h_finish(h);
	assert_int_equal(h_count(h, ENGINE_ICMP_SWEEP), 1);
	assert_int_equal(h_last(h, ENGINE_ICMP_SWEEP)->failures, 5);
	h_free(h);
}

static void
icmp_monitoring_host_is_not_a_sweep(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	int i;

	(void)state;
	/* An NMS pings 60 hosts a minute; 55 answer, 5 are down (8 %). */
	for (i = 0; i < 60; i++) {
		h_feed(h, pb_icmp_echo(h->f, "10.9.9.9", host(dst, 1, i), 8, 8, 0), (uint64_t)i * 500);
		if (i % 12 != 11)
			h_feed(h, pb_icmp_echo(h->f, host(dst, 1, i), "10.9.9.9", 0, 8, 0),
			    (uint64_t)i * 500 + 1);
	}
	h_finish(h);
	assert_int_equal(h_count(h, ENGINE_ICMP_SWEEP), 0);
	h_free(h);
}

static void
arp_sweep_counts_unanswered_lookups(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	int i;

	(void)state;
	/* gratuitous ARP (sender = target) is not a probe */
	for (i = 0; i < 30; i++)
		h_feed(h, pb_arp_request(h->f, "10.1.0.200", "10.1.0.200"), 0);
	/* 40 answered lookups count for nothing */
	for (i = 100; i < 140; i++) {
		h_feed(h, pb_arp_request(h->f, "10.1.0.200", host(dst, 1, i)), 0);
		h_feed(h, pb_arp_reply(h->f, host(dst, 1, i), "10.1.0.200"), 0);
	}
	for (i = 0; i < 23; i++)
		h_feed(h, pb_arp_request(h->f, "10.1.0.200", host(dst, 1, i)), 0);
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 5000);
	assert_int_equal(h_count(h, ENGINE_ARP_SWEEP), 0);
	h_feed(h, pb_arp_request(h->f, "10.1.0.200", host(dst, 1, 23)), 5000);
	h_finish(h);
	assert_int_equal(h_count(h, ENGINE_ARP_SWEEP), 1);
	assert_true(h_last(h, ENGINE_ARP_SWEEP)->is_arp);
	assert_int_equal(h_last(h, ENGINE_ARP_SWEEP)->failures, 24);
	h_free(h);
}

static void
small_tables(struct det_config *c)
{
	c->max_sources = 64;
	c->max_pairs = 64;
	c->max_fanout = 64;
}

static void
spoofed_flood_is_evicted_within_budget(void **state)
{
	struct harness *h = h_new(small_tables);
	struct detector_stats st0, st;
	char src[16];
	int i;

	(void)state;
	detector_get_stats(h->d, &st0);
	for (i = 0; i < 5000; i++) {
		snprintf(src, sizeof(src), "172.%d.%d.%d", 16 + i / 62500, (i / 250) % 250, 1 + i % 250);
		h_feed(h, pb_tcp(h->f, src, 1234, "10.1.0.1", 80, SYN), (uint64_t)i / 10);
	}
	detector_get_stats(h->d, &st);
	assert_int_equal(st.memory_bytes, st0.memory_bytes);
	assert_true(st.sources_tracked <= 64);
	assert_true(st.evictions_sources >= 5000 - 64);
	assert_int_equal(st.sources_created, 5000);
	h_free(h);
}

static void
idle_sources_age_out(void **state)
{
	struct harness *h = h_new(NULL);
	struct detector_stats st;
	char src[16];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "172.16.0.%d", 1 + i);
		h_feed(h, pb_tcp(h->f, src, 1234, "10.1.0.1", 80, SYN), 0);
	}
	detector_get_stats(h->d, &st);
	assert_int_equal(st.sources_tracked, 100);
	/* keep the clock moving past table.source_idle (600 s) */
	for (i = 0; i <= 7000; i++)
		h_feed(h, pb_tcp(h->f, "10.7.7.7", 1, "10.7.7.8", 2, TCPF_ACK), (uint64_t)i * 100);
	detector_get_stats(h->d, &st);
	assert_int_equal(st.sources_tracked, 0);
	assert_int_equal(st.evictions, 0);
	h_free(h);
}

static void
time_running_backwards_is_held(void **state)
{
	struct harness *h = h_new(NULL);
	int i;

	(void)state;
	/* Probes stamped earlier than the latest packet are taken at the latest
	 * time: their timeouts still run from there. */
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 10000);
	for (i = 0; i < 4; i++)
		probe(h, i, 8081, 0, 5000);
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 12999);
	assert_int_equal(h_count(h, ENGINE_TRW), 0);
	h_feed(h, pb_udp(h->f, "10.7.7.7", 5000, "10.7.7.8", 5001, 4, 0, 0), 13000);
	assert_int_equal(h_count(h, ENGINE_TRW), 1);
	h_free(h);
}

/* ---- exposed services in the asset report ------------------------------------ */

#define SEEN_MAX 16

struct seen_got {
	struct seen_host h[SEEN_MAX];
	int n;
};

static void
seen_collect(void *arg, const struct seen_host *sh)
{
	struct seen_got *g = arg;

	assert_true(g->n < SEEN_MAX);
	g->h[g->n++] = *sh;
}

static const struct seen_host *
seen_of(const struct seen_got *g, const char *ip)
{
	struct ip_addr a;
	int i, found = -1;

	assert_int_equal(ip_from_str(ip, &a), 0);
	for (i = 0; i < g->n; i++) {
		if (memcmp(&g->h[i].ip, &a, sizeof(a)) != 0)
			continue;
		assert_int_equal(found, -1);     /* each host once per report */
		found = i;
	}
	return found < 0 ? NULL : &g->h[found];
}

/*
 * A SYN-ACK from an exposed port and a UDP reply from one are services of
 * the answering host; a SYN-ACK from another port, or a datagram from an
 * exposed port that answers nothing, is not.
 */
/* Reports only when the test asks (detector_report_seen). */
static void
seen_on_demand(struct det_config *c)
{
	c->seen_interval_ms = 0;
}

static void
services_seen_answering_on_exposed_ports(void **state)
{
	struct harness *h = h_new(seen_on_demand);
	struct seen_got *g = calloc(1, sizeof(*g));
	const struct seen_host *sh;

	(void)state;
	detector_set_seen_report(h->d, seen_collect, g);
	/* 10.0.0.2 answers on tcp/445 (exposed), 10.0.0.3 on tcp/8080 (not). */
	h_feed(h, pb_tcp(h->f, "10.0.0.1", 40000, "10.0.0.2", 445, SYN), 0);
	h_feed(h, pb_tcp(h->f, "10.0.0.2", 445, "10.0.0.1", 40000, SYNACK), 1);
	h_feed(h, pb_tcp(h->f, "10.0.0.1", 40001, "10.0.0.3", 8080, SYN), 2);
	h_feed(h, pb_tcp(h->f, "10.0.0.3", 8080, "10.0.0.1", 40001, SYNACK), 3);
	/* 10.0.0.4 answers a tracked contact on udp/1434. */
	h_feed(h, pb_udp(h->f, "10.0.0.1", 50000, "10.0.0.4", 1434, 1, 2, 2), 4);
	h_feed(h, pb_udp(h->f, "10.0.0.4", 1434, "10.0.0.1", 50000, 40, 5, 5), 5);
	/* 10.0.0.5 sends from udp/1434 to a host that asked nothing: a probe, not a service. */
	h_feed(h, pb_udp(h->f, "10.0.0.5", 1434, "10.0.0.1", 40000, 40, 5, 5), 20000);
	/* 10.0.0.1, a source, also answers on tcp/139. */
	h_feed(h, pb_tcp(h->f, "10.0.0.6", 40002, "10.0.0.1", 139, SYN), 20001);
	h_feed(h, pb_tcp(h->f, "10.0.0.1", 139, "10.0.0.6", 40002, SYNACK), 20002);
	detector_report_seen(h->d);

	sh = seen_of(g, "10.0.0.2");
	assert_non_null(sh);
	assert_int_equal(sh->nservices, 1);
	assert_int_equal(sh->services[0].proto, IPPROTO_NUM_TCP);
	assert_int_equal(sh->services[0].port, 445);
	assert_int_equal(sh->services[0].first_seen_us, H_T0 + 1000);
	assert_int_equal(sh->services[0].last_seen_us, H_T0 + 1000);
	assert_true(sh->has_mac);     /* the answering frames' source MAC */
	assert_int_equal(sh->first_seen_us, H_T0 + 1000);
	/* Only answered on a port nobody watches: not a source, no service, not reported. */
	assert_null(seen_of(g, "10.0.0.3"));
	sh = seen_of(g, "10.0.0.4");
	assert_non_null(sh);
	assert_int_equal(sh->nservices, 1);
	assert_int_equal(sh->services[0].proto, IPPROTO_NUM_UDP);
	assert_int_equal(sh->services[0].port, 1434);
	sh = seen_of(g, "10.0.0.5");
	assert_non_null(sh);
	assert_int_equal(sh->nservices, 0);
	sh = seen_of(g, "10.0.0.1");
	assert_non_null(sh);
	assert_int_equal(sh->nservices, 1);
	assert_int_equal(sh->services[0].port, 139);

	/* The servers did nothing since: not due. One answers again later:
	 * reported again, its first sighting kept. */
	g->n = 0;
	h_feed(h, pb_tcp(h->f, "10.0.0.9", 1, "10.0.0.8", 2, TCPF_ACK), 30000);
	detector_report_seen(h->d);
	assert_null(seen_of(g, "10.0.0.2"));
	assert_null(seen_of(g, "10.0.0.4"));
	g->n = 0;
	h_feed(h, pb_tcp(h->f, "10.0.0.7", 40003, "10.0.0.2", 445, SYN), 40000);
	h_feed(h, pb_tcp(h->f, "10.0.0.2", 445, "10.0.0.7", 40003, SYNACK), 40001);
	detector_report_seen(h->d);
	sh = seen_of(g, "10.0.0.2");
	assert_non_null(sh);
	assert_int_equal(sh->nservices, 1);
	assert_int_equal(sh->services[0].first_seen_us, H_T0 + 1000);
	assert_int_equal(sh->services[0].last_seen_us, H_T0 + 40001ULL * 1000);
	assert_null(seen_of(g, "10.0.0.4"));   /* not active since the last report */
	free(g);
	h_free(h);
}

/* The service table is bounded: a flood of answering hosts evicts, and says so. */
static void
services_table_is_bounded(void **state)
{
	struct harness *h = h_new(NULL);
	struct detector_stats st;
	char src[20];
	int i;

	(void)state;
	for (i = 0; i < 40000; i++) {
		host(src, 3, i);
		h_feed(h, pb_tcp(h->f, src, 445, "10.9.9.9", 40000, SYNACK), (uint64_t)i / 100);
	}
	detector_get_stats(h->d, &st);
	assert_true(st.services_tracked <= 16384);
	assert_true(st.evictions_services >= 40000 - 16384);
	assert_true(st.evictions >= st.evictions_services);
	h_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trw_flags_at_fourth_failure),
		cmocka_unit_test(trw_success_weighs_against_failures),
		cmocka_unit_test(trw_benign_verdict_restarts_walk),
		cmocka_unit_test(trw_repeat_contact_is_not_first_contact),
		cmocka_unit_test(trw_no_answer_fails_after_timeout),
		cmocka_unit_test(trw_late_answer_takes_back_the_failure),
		cmocka_unit_test(trw_icmp_unreachable_is_failure),
		cmocka_unit_test(trw_udp_reply_is_success),
		cmocka_unit_test(fanout_counts_failed_destinations),
		cmocka_unit_test(answered_fanout_is_a_busy_notice),
		cmocka_unit_test(fanout_ignores_unexposed_port),
		cmocka_unit_test(fanout_ports_are_configurable),
		cmocka_unit_test(fanout_window_slides),
		cmocka_unit_test(one_detection_per_engine_per_interval),
		cmocka_unit_test(vscan_counts_unanswered_ports),
		cmocka_unit_test(slammer_signature),
		cmocka_unit_test(welchia_signature),
		cmocka_unit_test(icmp_sweep_counts_silent_destinations),
		cmocka_unit_test(icmp_monitoring_host_is_not_a_sweep),
		cmocka_unit_test(arp_sweep_counts_unanswered_lookups),
		cmocka_unit_test(spoofed_flood_is_evicted_within_budget),
		cmocka_unit_test(idle_sources_age_out),
		cmocka_unit_test(time_running_backwards_is_held),
		cmocka_unit_test(services_seen_answering_on_exposed_ports),
		cmocka_unit_test(services_table_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
