/* SPDX-License-Identifier: ISC */
/*
 * What is not a probe, and how fast a probe that goes unanswered counts:
 * replies to group queries, discovery and DHCP datagrams, a DHCP server's
 * conflict checks, first-contact timeouts learned from the answers seen,
 * UDP probes from low ports, IPv6 neighbour-discovery sweeps, and evidence
 * that survives an IPv6 source's change of address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "harness.h"

#define SYN TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)

static int
flagged(const struct harness *h, const char *ip)
{
	struct ip_addr a;
	int i, n = 0;

	assert_int_equal(ip_from_str(ip, &a), 0);
	for (i = 0; i < h->n; i++)
		if (h->got[i].engine != ENGINE_BUSY &&
		    memcmp(&h->got[i].src, &a, sizeof(a)) == 0)
			n++;
	return n;
}

/* Six hosts send a query to `group` from port 40001+i; one server answers each by unicast. */
static void
queries_to(struct harness *h, const char *group, bool send_queries, uint64_t t0)
{
	char q[20];
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(q, sizeof(q), "10.20.1.%d", 10 + i);
		if (send_queries) {
			h_feed(h, pb_udp(h->f, q, (uint16_t)(40001 + i), group, 9999, 20, 1, 0),
			    t0 + (uint64_t)i * 100);
		}
		/* The answer comes from another port than the query went to. */
		h_feed(h, pb_udp(h->f, "10.20.1.200", 51000, q, (uint16_t)(40001 + i), 60, 2, 0),
		    t0 + (uint64_t)i * 100 + 2);
	}
}

/* The same to the limited broadcast address. */
static void
group_queries(struct harness *h, bool send_queries, uint64_t t0)
{
	queries_to(h, "255.255.255.255", send_queries, t0);
}

/*
 * Queries to IPv4 multicast groups on a port that is no discovery port
 * (9999; the frames' MAC is unicast, so only the address tells): answered
 * from another port, the answers are replies all the same.
 */
static void
reply_to_multicast_query_is_not_a_probe(void **state)
{
	static const char *const groups[] = { "239.255.255.250", "224.0.0.252", "239.1.2.3" };
	struct harness *h;
	size_t g;

	(void)state;
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		h = h_new(NULL);
		queries_to(h, groups[g], true, 20000);
		h_finish(h);
		if (flagged(h, "10.20.1.200") != 0)
			fail_msg("answers to queries sent to %s were taken for probes", groups[g]);
		h_free(h);
	}
}

static void
reply_to_group_query_is_not_a_probe(void **state)
{
	struct harness *h = h_new(NULL);

	(void)state;
	group_queries(h, true, 20000);
	h_finish(h);
	assert_int_equal(flagged(h, "10.20.1.200"), 0);
	h_free(h);
	/* The same answers without the queries are six failed first contacts:
	 * the server is flagged, so the queries are what keeps it clean. */
	h = h_new(NULL);
	group_queries(h, false, 20000);
	h_finish(h);
	assert_int_equal(flagged(h, "10.20.1.200"), 1);
	h_free(h);
}

static void
subnet_1020(struct det_config *c)
{
	char err[128];

	assert_int_equal(detcfg_set(c, "subnets", "10.20.1.0/24", err, sizeof(err)), 0);
}

/* Queries to the subnet's directed broadcast, sent with a unicast MAC (a routed one). */
static void
directed_broadcast_queries(struct harness *h)
{
	char q[20];
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(q, sizeof(q), "10.20.1.%d", 10 + i);
		h_feed(h, pb_udp(h->f, q, (uint16_t)(40001 + i), "10.20.1.255", 9999, 20, 1, 0),
		    20000 + (uint64_t)i * 100);
		h_feed(h, pb_udp(h->f, "10.20.1.200", 51000, q, (uint16_t)(40001 + i), 60, 2, 0),
		    20000 + (uint64_t)i * 100 + 2);
	}
}

static void
directed_broadcast_from_configured_subnet(void **state)
{
	struct harness *h = h_new(subnet_1020);

	(void)state;
	directed_broadcast_queries(h);
	h_finish(h);
	assert_int_equal(flagged(h, "10.20.1.200"), 0);
	h_free(h);
}

static void
directed_broadcast_learned_from_dhcp(void **state)
{
	struct harness *h = h_new(NULL);
	struct detector_stats st;

	(void)state;
	h_feed(h, pb_dhcp_ack(h->f), 10000);
	detector_get_stats(h->d, &st);
	assert_int_equal(st.subnets_learned, 1);
	directed_broadcast_queries(h);
	h_finish(h);
	assert_int_equal(flagged(h, "10.20.1.200"), 0);
	h_free(h);
}

static void
dhcp_server_and_discovery_never_count(void **state)
{
	struct harness *h = h_new(NULL);
	char c[20];
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		snprintf(c, sizeof(c), "10.20.2.%d", 10 + i);
		/* conflict check: a ping to the address about to be offered, unanswered */
		h_feed(h, pb_icmp_echo(h->f, "10.20.2.1", c, 8, 28, 0), 20000 + (uint64_t)i * 300);
		/* the OFFER, unicast to the new client */
		h_feed(h, pb_udp(h->f, "10.20.2.1", 67, c, 68, 300, 2, 0), 20000 + (uint64_t)i * 300 + 200);
		/* a printer's unicast SSDP answer to a querier it never heard from */
		h_feed(h, pb_udp(h->f, "10.20.2.250", 1900, c, 50000, 200, 'H', 'x'), 20000 + (uint64_t)i * 300 + 250);
		/* an NBNS answer from a Windows server */
		h_feed(h, pb_udp(h->f, "10.20.2.251", 137, c, 137, 50, 1, 0), 20000 + (uint64_t)i * 300 + 260);
	}
	h_finish(h);
	assert_int_equal(h->n, 0);
	h_free(h);
}

/* 40 answered first contacts to 10.30.x.x, 1 ms each: the prefix's delays. */
static void
learn_fast_prefix(struct harness *h, uint64_t t0)
{
	char dst[20];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(dst, sizeof(dst), "10.30.5.%d", 1 + i);
		h_feed(h, pb_tcp(h->f, "10.30.9.1", 40000, dst, 80, SYN), t0 + (uint64_t)i * 20);
		h_feed(h, pb_tcp(h->f, dst, 80, "10.30.9.1", 40000, SYNACK), t0 + (uint64_t)i * 20 + 1);
	}
}

/* Probes from `src` at `rate` per second to silent 10.30.x.x addresses; returns the probes sent until flagged. */
static int
silent_worm(struct harness *h, const char *src, uint16_t port, bool udp, int rate,
    uint64_t t0, uint64_t *took_ms)
{
	char dst[20];
	int i;

	for (i = 0; i < 100; i++) {
		uint64_t t = t0 + (uint64_t)i * 1000 / (uint64_t)rate;
		snprintf(dst, sizeof(dst), "10.30.%d.%d", 100 + i / 200, 1 + i % 200);
		if (udp)
			h_feed(h, pb_udp(h->f, src, 1025, dst, port, 100, 7, 7), t);
		else
			h_feed(h, pb_tcp(h->f, src, 1025, dst, port, SYN), t);
		if (flagged(h, src)) {
			*took_ms = t - t0;
			return i + 1;
		}
	}
	return -1;
}

static void
silent_targets_fail_fast(void **state)
{
	struct harness *h = h_new(NULL);
	uint64_t took = 0;
	int probes;

	(void)state;
	learn_fast_prefix(h, 1000);
	probes = silent_worm(h, "10.30.7.7", 445, false, 10, 5000, &took);
	print_message("tcp worm at 10/s: flagged at probe %d, %llu ms after its first\n",
	    probes, (unsigned long long)took);
	assert_true(probes > 0 && probes <= 5);
	assert_true(took <= 1000);
	probes = silent_worm(h, "10.30.7.8", 1434, true, 10, 10000, &took);
	print_message("udp worm at 10/s: flagged at probe %d, %llu ms after its first\n",
	    probes, (unsigned long long)took);
	assert_true(probes > 0 && probes <= 5);
	assert_true(took <= 1000);
	h_free(h);
}

/*
 * A live sensor wakes at the deadline detector_next_deadline names. The
 * lab's Sasser sends a probe every 25 ms while slow UDP answers (13 ms) put
 * the deadline at 37 ms: the fourth failure is due 12 ms after the fifth
 * probe. Counted only at the next packet, it would come with the sixth;
 * woken at its deadline, the sensor flags the worm before that.
 */
static void
deadlines_are_announced(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	uint64_t due, t0 = 5000, ticks = 0;
	int i;

	(void)state;
	assert_int_equal(detector_next_deadline(h->d), 0);
	for (i = 0; i < 40; i++) {
		snprintf(dst, sizeof(dst), "10.30.5.%d", 1 + i);
		h_feed(h, pb_udp(h->f, "10.30.9.1", 40000, dst, 161, 40, 0, 0), 1000 + (uint64_t)i * 20);
		h_feed(h, pb_udp(h->f, dst, 161, "10.30.9.1", 40000, 40, 0, 0), 1000 + (uint64_t)i * 20 + 13);
	}
	/* Answered requests stay on the wheel until their deadlines (3 s: too
	 * few answers yet when they were sent); waking for them does nothing. */
	while ((due = detector_next_deadline(h->d)) != 0 && ticks++ < 100) {
		assert_true(due < H_T0 + t0 * 1000);
		detector_tick(h->d, due);
	}
	assert_int_equal(h->n, 0);
	ticks = 0;
	for (i = 0; i < 4; i++) {
		snprintf(dst, sizeof(dst), "10.30.100.%d", 1 + i);
		h_feed(h, pb_tcp(h->f, "10.30.7.7", 1025, dst, 445, SYN), t0 + (uint64_t)i * 25);
		/* The earliest deadline: 37 ms (2 x the 18.1 ms bucket edge) after
		 * the first probe not yet failed by a later one's arrival. */
		assert_int_equal(detector_next_deadline(h->d),
		    H_T0 + (t0 + (i < 2 ? 0 : (uint64_t)(i - 1) * 25) + 37) * 1000);
	}
	while ((due = detector_next_deadline(h->d)) != 0 && ticks++ < 10)
		detector_tick(h->d, due);
	assert_int_equal(flagged(h, "10.30.7.7"), 1);
	/* Flagged at the fourth probe's deadline, before a sixth probe (t0 + 125). */
	assert_int_equal(h->got[h->n - 1].time_us, H_T0 + (t0 + 75 + 37) * 1000);
	assert_int_equal(detector_next_deadline(h->d), 0);
	h_free(h);
}

static void
fixed_timeout(struct det_config *c)
{
	char err[128];

	assert_int_equal(detcfg_set(c, "trw.adaptive", "no", err, sizeof(err)), 0);
}

static void
without_adaptive_timeouts_it_waits(void **state)
{
	struct harness *h = h_new(fixed_timeout);
	uint64_t took = 0;
	int probes;

	(void)state;
	/* The same worm with the fixed 3 s timeout: about 34 probes. */
	learn_fast_prefix(h, 1000);
	probes = silent_worm(h, "10.30.7.7", 445, false, 10, 5000, &took);
	assert_true(probes > 30);
	h_free(h);
}

static void
low_source_port_udp_probes_count(void **state)
{
	struct harness *h = h_new(NULL);
	char dst[20];
	int i;

	(void)state;
	/* nmap -sU -g 53 after the start-up grace: from 53 to high ports */
	h_feed(h, pb_tcp(h->f, "10.7.7.7", 1, "10.7.7.8", 2, TCPF_ACK), 0);
	for (i = 0; i < 5; i++) {
		snprintf(dst, sizeof(dst), "10.40.0.%d", 1 + i);
		h_feed(h, pb_udp(h->f, "10.40.9.9", 53, dst, 20000, 10, 0, 0), 30000 + (uint64_t)i * 10);
	}
	h_finish(h);
	assert_int_equal(flagged(h, "10.40.9.9"), 1);
	h_free(h);
	/* In the first seconds such datagrams are replies whose requests came
	 * before the capture started. */
	h = h_new(NULL);
	for (i = 0; i < 5; i++) {
		snprintf(dst, sizeof(dst), "10.40.0.%d", 1 + i);
		h_feed(h, pb_udp(h->f, "10.40.9.9", 53, dst, 20000, 10, 0, 0), (uint64_t)i * 10);
	}
	h_finish(h);
	assert_int_equal(flagged(h, "10.40.9.9"), 0);
	h_free(h);
}

static void
nd_sweep_counts_unanswered_solicitations(void **state)
{
	struct harness *h = h_new(NULL);
	char t[48];
	int i;

	(void)state;
	/* 30 answered solicitations count for nothing */
	for (i = 0; i < 30; i++) {
		snprintf(t, sizeof(t), "fd00:1::%x", 0x100 + i);
		h_feed(h, pb_nd6(h->f, 9, 135, "fd00:1::9", "ff02::1:ff00:1", t), 0);
		h_feed(h, pb_nd6(h->f, 10, 136, t, "fd00:1::9", t), 1);
	}
	for (i = 0; i < 23; i++) {
		snprintf(t, sizeof(t), "fd00:1::%x", 0x200 + i);
		h_feed(h, pb_nd6(h->f, 9, 135, "fd00:1::9", "ff02::1:ff00:2", t), 10);
	}
	h_feed(h, pb_tcp(h->f, "10.7.7.7", 1, "10.7.7.8", 2, TCPF_ACK), 5000);
	assert_int_equal(h_count(h, ENGINE_ND_SWEEP), 0);
	h_feed(h, pb_nd6(h->f, 9, 135, "fd00:1::9", "ff02::1:ff00:2", "fd00:1::300"), 5000);
	h_finish(h);
	assert_int_equal(h_count(h, ENGINE_ND_SWEEP), 1);
	assert_int_equal(h_last(h, ENGINE_ND_SWEEP)->failures, 24);
	h_free(h);
}

/* Two rejected first contacts from `src` (host with MAC ..:09) to new targets. */
static void
two_rejections6(struct harness *h, const char *src, int base, uint64_t t)
{
	char dst[48];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(dst, sizeof(dst), "fd00:2::%x", base + i);
		h_feed(h, pb_tcp6(h->f, 9, src, 40000, dst, 445, SYN), t);
		h_feed(h, pb_tcp6(h->f, 20, dst, 445, src, 40000, TCPF_RST | TCPF_ACK), t + 1);
	}
}

static void
ipv6_renumbering_keeps_evidence(void **state)
{
	struct harness *h = h_new(NULL);

	(void)state;
	h_feed(h, pb_nd6(h->f, 9, 135, "::", "ff02::1:ff00:a", "fd00:2::a"), 0);
	two_rejections6(h, "fd00:2::a", 0x100, 10);
	/* a new privacy address, announced by DAD from the same MAC */
	h_feed(h, pb_nd6(h->f, 9, 135, "::", "ff02::1:ff00:b", "fd00:2::b"), 20);
	two_rejections6(h, "fd00:2::b", 0x200, 30);
	assert_int_equal(flagged(h, "fd00:2::b"), 1);
	h_free(h);
	/* Without the announcement the two addresses are two sources. */
	h = h_new(NULL);
	h_feed(h, pb_nd6(h->f, 9, 135, "::", "ff02::1:ff00:a", "fd00:2::a"), 0);
	two_rejections6(h, "fd00:2::a", 0x100, 10);
	two_rejections6(h, "fd00:2::b", 0x200, 30);
	assert_int_equal(flagged(h, "fd00:2::b"), 0);
	h_free(h);
}

static void
settings_are_checked(void **state)
{
	struct det_config c;
	char err[256];

	(void)state;
	detcfg_defaults(&c);
	assert_int_equal(detcfg_set(&c, "subnets", "10.20.0.0", err, sizeof(err)), -1);
	assert_string_equal(err, "subnets: bad value '10.20.0.0': '10.20.0.0' has no length: "
	    "a prefix is ADDRESS/LENGTH");
	assert_int_equal(detcfg_set(&c, "subnets", "10.0.0.0/8,10.20.0.0/33", err, sizeof(err)), -1);
	assert_string_equal(err, "subnets: bad value '10.0.0.0/8,10.20.0.0/33': '10.20.0.0/33': "
	    "prefix length must be 1 to 32");
	assert_int_equal(detcfg_set(&c, "subnets", "printer/24", err, sizeof(err)), -1);
	assert_string_equal(err, "subnets: bad value 'printer/24': 'printer' is not an IPv4 or "
	    "IPv6 address");
	assert_int_equal(detcfg_set(&c, "subnets", "10.20.0.0/16,fd00:1::/64", err, sizeof(err)), 0);
	assert_int_equal(c.nsubnets, 2);
	assert_int_equal(c.subnets[0].plen, 96 + 16);
	assert_int_equal(c.subnets[1].plen, 64);
	assert_int_equal(detcfg_set(&c, "discovery.ports", "67,0", err, sizeof(err)), -1);
	assert_int_equal(detcfg_set(&c, "discovery.ports", "none", err, sizeof(err)), 0);
	assert_int_equal(c.ndiscovery_ports, 0);
	assert_int_equal(detcfg_set(&c, "trw.adaptive", "maybe", err, sizeof(err)), -1);
	assert_string_equal(err, "trw.adaptive: bad value 'maybe': expected yes or no");
	assert_int_equal(detcfg_set(&c, "icmp_sweep.dsts", "300", err, sizeof(err)), -1);
	assert_int_equal(detcfg_set(&c, "trw.min_timeout", "5", err, sizeof(err)), 0);
	assert_int_equal(detcfg_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "trw.min_timeout (5.000 s) must not exceed trw.timeout (3.000 s)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_to_group_query_is_not_a_probe),
		cmocka_unit_test(directed_broadcast_from_configured_subnet),
		cmocka_unit_test(directed_broadcast_learned_from_dhcp),
		cmocka_unit_test(reply_to_multicast_query_is_not_a_probe),
		cmocka_unit_test(dhcp_server_and_discovery_never_count),
		cmocka_unit_test(silent_targets_fail_fast),
		cmocka_unit_test(deadlines_are_announced),
		cmocka_unit_test(without_adaptive_timeouts_it_waits),
		cmocka_unit_test(low_source_port_udp_probes_count),
		cmocka_unit_test(nd_sweep_counts_unanswered_solicitations),
		cmocka_unit_test(ipv6_renumbering_keeps_evidence),
		cmocka_unit_test(settings_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
