/* SPDX-License-Identifier: ISC */
/* Decoder tests: every link layer, tags, options, fragments, quotes, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include <jansson.h>

#include "decode.h"
#include "detection.h"
#include "pktbuild.h"

static void
tcp_syn_fields(void **state)
{
	uint8_t f[PB_MAX];
	struct pkt p;
	char ip[64];
	size_t n = pb_tcp(f, "10.0.0.1", 1234, "10.0.0.2", 445, TCPF_SYN);

	(void)state;
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_int_equal(p.l3, L3_IPV4);
	assert_string_equal(ip_to_str(&p.src, ip, sizeof(ip)), "10.0.0.1");
	assert_string_equal(ip_to_str(&p.dst, ip, sizeof(ip)), "10.0.0.2");
	assert_int_equal(p.proto, IPPROTO_NUM_TCP);
	assert_true(p.has_ports);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 445);
	assert_int_equal(p.tcp_flags, TCPF_SYN);
	assert_int_equal(p.vlan, -1);
	assert_true(p.has_mac);
	assert_int_equal(p.payload_len, 0);
}

static void
every_truncation_is_caught(void **state)
{
	uint8_t f[PB_MAX], *copy;
	struct pkt p;
	size_t n = pb_tcp(f, "10.0.0.1", 1234, "10.0.0.2", 445, TCPF_SYN), len;

	(void)state;
	for (len = 0; len < n; len++) {
		/* an exact-size heap copy lets ASan catch a read past caplen */
		copy = malloc(len ? len : 1);
		memcpy(copy, f, len);
		assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, copy, (uint32_t)len, &p),
		    DECODE_TRUNCATED);
		free(copy);
	}
}

static void
ethernet_padding_does_not_become_payload(void **state)
{
	uint8_t f[PB_MAX];
	struct pkt p;
	size_t n = pb_udp(f, "10.0.0.1", 1000, "10.0.0.2", 1434, 8, 0x02, 0);

	(void)state;
	/* pad the 50-byte frame to Ethernet's 60-byte minimum */
	memset(f + n, 0, 60 - n);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, 60, &p), DECODE_OK);
	assert_int_equal(p.payload_len, 8);
}

static size_t
with_tags(uint8_t *out, const uint8_t *f, size_t n, const uint16_t *tpids,
    const uint16_t *vids, int ntags)
{
	size_t off = 12;
	int i;

	memcpy(out, f, 12);
	for (i = 0; i < ntags; i++) {
		pb_put16(out + off, tpids[i]);
		pb_put16(out + off + 2, vids[i]);
		off += 4;
	}
	memcpy(out + off, f + 12, n - 12);
	return n + 4 * (size_t)ntags;
}

static void
vlan_and_qinq(void **state)
{
	uint8_t f[PB_MAX], t[PB_MAX];
	struct pkt p;
	size_t n = pb_tcp(f, "10.0.0.1", 1234, "10.0.0.2", 445, TCPF_SYN), m;
	const uint16_t q1[] = { 0x8100 }, v1[] = { 42 };
	const uint16_t q2[] = { 0x88a8, 0x8100 }, v2[] = { 100, 0x2000 | 200 };
	const uint16_t q5[] = { 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 }, v5[] = { 1, 2, 3, 4, 5 };

	(void)state;
	m = with_tags(t, f, n, q1, v1, 1);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, t, (uint32_t)m, &p), DECODE_OK);
	assert_int_equal(p.vlan, 42);
	assert_int_equal(p.dport, 445);
	m = with_tags(t, f, n, q2, v2, 2);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, t, (uint32_t)m, &p), DECODE_OK);
	assert_int_equal(p.vlan, 100);
	assert_int_equal(p.dport, 445);
	/* more tags than any real network stacks */
	m = with_tags(t, f, n, q5, v5, 5);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, t, (uint32_t)m, &p), DECODE_MALFORMED);
}

static void
ipv4_options_and_fragments(void **state)
{
	uint8_t f[PB_MAX], g[PB_MAX];
	struct pkt p;
	size_t n = pb_tcp(f, "10.0.0.1", 1234, "10.0.0.2", 445, TCPF_SYN);

	(void)state;
	/* insert 4 bytes of options (NOPs): IHL 6 */
	memcpy(g, f, 34);
	memset(g + 34, 1, 4);
	memcpy(g + 38, f + 34, n - 34);
	g[14] = 0x46;
	pb_put16(g + 16, 20 + 4 + 20);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, g, (uint32_t)n + 4, &p), DECODE_OK);
	assert_int_equal(p.dport, 445);
	/* first fragment (MF set, offset 0) carries ports */
	pb_put16(f + 20, 0x2000);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_true(p.has_ports);
	/* a later fragment does not: its first bytes are data, not a header */
	pb_put16(f + 20, 0x0010);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_false(p.has_ports);
	/* IHL below 5 is impossible */
	f[14] = 0x44;
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_MALFORMED);
}

/* IPv6 TCP SYN with a hop-by-hop header and a fragment header. */
static size_t
ipv6_syn(uint8_t *f, uint16_t frag_off)
{
	size_t n = pb_eth(f, 1, 0x86dd);
	uint8_t *ip = f + n, *h;

	memset(ip, 0, 40 + 8 + 8 + 20);
	ip[0] = 0x60;
	pb_put16(ip + 4, 8 + 8 + 20);
	ip[6] = 0;                       /* hop-by-hop */
	ip[7] = 64;
	ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8; ip[23] = 1;
	ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[39] = 2;
	h = ip + 40;
	h[0] = 44;                       /* next: fragment */
	h[1] = 0;                        /* 8 bytes */
	h += 8;
	h[0] = 6;                        /* next: TCP */
	pb_put16(h + 2, frag_off);
	h += 8;
	pb_put16(h, 5555);
	pb_put16(h + 2, 22);
	h[12] = 5 << 4;
	h[13] = TCPF_SYN;
	return n + 40 + 8 + 8 + 20;
}

static void
ipv6_extension_headers(void **state)
{
	uint8_t f[PB_MAX];
	struct pkt p;
	char ip[64];
	size_t n = ipv6_syn(f, 0);

	(void)state;
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_int_equal(p.l3, L3_IPV6);
	assert_string_equal(ip_to_str(&p.src, ip, sizeof(ip)), "2001:db8::1");
	assert_int_equal(p.proto, IPPROTO_NUM_TCP);
	assert_true(p.has_ports);
	assert_int_equal(p.dport, 22);
	n = ipv6_syn(f, 8 << 3);
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_false(p.has_ports);
	/* cut inside the fragment header */
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, 14 + 40 + 8 + 4, &p), DECODE_TRUNCATED);
}

static void
icmp_unreachable_quotes_probe(void **state)
{
	uint8_t f[PB_MAX];
	struct pkt p;
	char ip[64];
	size_t n = pb_icmp_unreach(f, "10.0.0.254", "10.0.0.1", "10.0.9.9", 4321, 135, 1);

	(void)state;
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_true(p.icmp_error);
	assert_string_equal(ip_to_str(&p.quoted.src, ip, sizeof(ip)), "10.0.0.1");
	assert_string_equal(ip_to_str(&p.quoted.dst, ip, sizeof(ip)), "10.0.9.9");
	assert_int_equal(p.quoted.proto, IPPROTO_NUM_TCP);
	assert_true(p.quoted.has_ports);
	assert_int_equal(p.quoted.dport, 135);
	/* a quote cut before its ports still names the pair */
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n - 8, &p), DECODE_OK);
	assert_true(p.icmp_error);
	assert_false(p.quoted.has_ports);
	/* a quote cut inside the quoted IP header is truncated */
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n - 20, &p), DECODE_TRUNCATED);
}

static void
linux_cooked_and_raw(void **state)
{
	uint8_t f[PB_MAX], g[PB_MAX];
	struct pkt p;
	size_t n = pb_tcp(f, "10.0.0.1", 1234, "10.0.0.2", 445, TCPF_SYN);
	size_t ipn = n - 14;

	(void)state;
	/* SLL v1: packet type, ARPHRD_ETHER, address length 6, address, protocol */
	memset(g, 0, 16);
	pb_put16(g + 2, 1);
	pb_put16(g + 4, 6);
	memcpy(g + 6, f + 6, 6);
	pb_put16(g + 14, 0x0800);
	memcpy(g + 16, f + 14, ipn);
	assert_int_equal(decode_frame(DECODE_LINK_LINUX_SLL, g, (uint32_t)(16 + ipn), &p), DECODE_OK);
	assert_true(p.has_mac);
	assert_memory_equal(p.src_mac, f + 6, 6);
	assert_int_equal(p.dport, 445);
	/* SLL v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address */
	memset(g, 0, 20);
	pb_put16(g, 0x0800);
	pb_put16(g + 8, 1);
	g[11] = 6;
	memcpy(g + 12, f + 6, 6);
	memcpy(g + 20, f + 14, ipn);
	assert_int_equal(decode_frame(DECODE_LINK_LINUX_SLL2, g, (uint32_t)(20 + ipn), &p), DECODE_OK);
	assert_true(p.has_mac);
	assert_int_equal(p.dport, 445);
	/* raw IP: no MAC */
	assert_int_equal(decode_frame(DECODE_LINK_RAW, f + 14, (uint32_t)ipn, &p), DECODE_OK);
	assert_false(p.has_mac);
	assert_int_equal(p.dport, 445);
	assert_int_equal(decode_frame(12345, f, (uint32_t)n, &p), DECODE_UNSUPPORTED);
	assert_false(decode_link_supported(12345));
}

static void
arp_request(void **state)
{
	uint8_t f[PB_MAX];
	struct pkt p;
	char ip[64];
	size_t n = pb_arp_request(f, "192.168.1.5", "192.168.1.77");

	(void)state;
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n, &p), DECODE_OK);
	assert_int_equal(p.l3, L3_ARP);
	assert_int_equal(p.arp_op, 1);
	assert_string_equal(ip_to_str(&p.src, ip, sizeof(ip)), "192.168.1.5");
	assert_string_equal(ip_to_str(&p.dst, ip, sizeof(ip)), "192.168.1.77");
	assert_int_equal(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)n - 1, &p), DECODE_TRUNCATED);
}

static void
detection_json_schema(void **state)
{
	struct detection d;
	char buf[2048];
	json_t *o, *ev;
	json_error_t jerr;
	int n;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.engine = ENGINE_SIGNATURE;
	d.signature = "slammer";
	ip_from_str("213.76.212.22", &d.src);
	ip_from_str("65.165.167.86", &d.dst);
	d.has_dst = true;
	d.has_mac = true;
	memcpy(d.mac, "\x00\x00\x0c\x55\x46\x2c", 6);
	d.vlan = -1;
	d.proto = IPPROTO_NUM_UDP;
	d.has_dport = true;
	d.dport = 1434;
	d.time_us = 1065823369239104ULL;
	d.first_seen_us = d.time_us;
	d.probes = 1;
	d.distinct_dsts = 1;
	d.alert_packet = 1;
	n = detection_to_json(&d, "s1", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	o = json_loads(buf, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "time")), "2003-10-10T22:02:49.239104Z");
	assert_string_equal(json_string_value(json_object_get(o, "src")), "213.76.212.22");
	assert_string_equal(json_string_value(json_object_get(o, "mac")), "00:00:0c:55:46:2c");
	assert_true(json_is_null(json_object_get(o, "vlan")));
	assert_string_equal(json_string_value(json_object_get(o, "engine")), "signature");
	assert_string_equal(json_string_value(json_object_get(o, "signature")), "slammer");
	assert_string_equal(json_string_value(json_object_get(o, "proto")), "udp");
	assert_int_equal(json_integer_value(json_object_get(o, "dport")), 1434);
	assert_string_equal(json_string_value(json_object_get(o, "sensor")), "s1");
	ev = json_object_get(o, "evidence");
	assert_int_equal(json_integer_value(json_object_get(ev, "probes")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "failures")), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "distinct_dsts")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "alert_packet")), 1);
	assert_string_equal(json_string_value(json_object_get(ev, "first_seen")), "2003-10-10T22:02:49.239104Z");
	json_decref(o);
	/* a buffer too small is refused, not overrun */
	assert_int_equal(detection_to_json(&d, "s1", buf, 40), -1);
}

/* A seen line's services: written, read back, and every bad entry named. */
static void
seen_services_round_trip_and_rejects(void **state)
{
	static const char base[] = "{\"type\":\"seen\",\"src\":\"10.0.0.2\",\"mac\":null,\"vlan\":null,"
	    "\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:01Z\"";
	static const struct { const char *services, *field; } bad[] = {
		{ "{}", "'services'" },
		{ "[1]", "'services[0]'" },
		{ "[{\"proto\":\"icmp\",\"port\":445,\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:00Z\"}]", "'services[0].proto'" },
		{ "[{\"proto\":\"tcp\",\"port\":0,\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:00Z\"}]", "'services[0].port'" },
		{ "[{\"proto\":\"tcp\",\"port\":65536,\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:00Z\"}]", "'services[0].port'" },
		{ "[{\"proto\":\"tcp\",\"port\":\"445\",\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:00Z\"}]", "'services[0].port'" },
		{ "[{\"proto\":\"tcp\",\"port\":445,\"last_seen\":\"2026-01-01T00:00:00Z\"}]", "'services[0].first_seen'" },
		{ "[{\"proto\":\"tcp\",\"port\":445,\"first_seen\":\"2026-01-01T00:00:00Z\",\"last_seen\":\"2026-01-01T00:00:00Z\"},"
		  "{\"proto\":\"udp\",\"port\":1434,\"first_seen\":\"2026-01-01T00:00:02Z\",\"last_seen\":\"2026-01-01T00:00:01Z\"}]", "'services[1].last_seen'" },
	};
	struct seen_host h, back;
	char buf[8192], line[1024], err[128];
	int n, len;
	unsigned i;

	(void)state;
	memset(&h, 0, sizeof(h));
	ip_from_str("10.0.0.2", &h.ip);
	h.vlan = -1;
	h.time_us = h.first_seen_us = 1700000000000000ULL;
	h.last_seen_us = h.first_seen_us + 5;
	/* Every slot used: the longest line a sensor writes fits its buffer. */
	for (i = 0; i < SEEN_MAX_SERVICES; i++) {
		h.services[i].proto = i % 2 ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
		h.services[i].port = (uint16_t)(60000 + i);
		h.services[i].first_seen_us = h.first_seen_us + i;
		h.services[i].last_seen_us = h.first_seen_us + 2 * i;
	}
	h.nservices = SEEN_MAX_SERVICES;
	n = seen_to_json(&h, "edge", buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(seen_from_json(buf, (size_t)n, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nservices, SEEN_MAX_SERVICES);
	for (i = 0; i < SEEN_MAX_SERVICES; i++) {
		assert_int_equal(back.services[i].proto, h.services[i].proto);
		assert_int_equal(back.services[i].port, h.services[i].port);
		assert_int_equal(back.services[i].first_seen_us, h.services[i].first_seen_us);
		assert_int_equal(back.services[i].last_seen_us, h.services[i].last_seen_us);
	}
	/* One too many is refused. */
	len = snprintf(line, sizeof(line), "%s,\"services\":[", base);
	for (i = 0; i <= SEEN_MAX_SERVICES; i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, "%s{}", i ? "," : "");
	assert_true(len + 2 < (int)sizeof(line));
	len += snprintf(line + len, sizeof(line) - (size_t)len, "]}");
	assert_int_equal(seen_from_json(line, (size_t)len, &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'services'"));
	/* No services: none. */
	len = snprintf(line, sizeof(line), "%s}", base);
	assert_int_equal(seen_from_json(line, (size_t)len, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nservices, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = snprintf(line, sizeof(line), "%s,\"services\":%s}", base, bad[i].services);
		assert_int_equal(seen_from_json(line, (size_t)len, &back, err, sizeof(err)), -1);
		if (strstr(err, bad[i].field) == NULL)
			fail_msg("case %u: '%s' does not name %s", i, err, bad[i].field);
	}
}

/* A "seen" report is told from a detection however a JSON writer spaces it,
 * and a detection whose text merely holds the words is not one. */
static void
seen_lines_told_apart(void **state)
{
	static const struct { const char *line; bool seen; } cases[] = {
		{ "{\"type\":\"seen\",\"src\":\"10.0.0.1\"}", true },
		{ "{\"type\": \"seen\", \"src\": \"10.0.0.1\"}", true },
		{ "{ \"src\":\"10.0.0.1\" ,\n \"type\" :\t\"seen\" }", true },
		{ "{\"src\":\"10.0.0.1\",\"engine\":\"trw\"}", false },
		{ "{\"type\":\"seenx\"}", false },
		{ "{\"type\":\"detection\",\"note\":\"type\"}", false },
		{ "{\"type\"", false },
		{ "{\"type\": ", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(event_line_is_seen(cases[i].line, strlen(cases[i].line)), cases[i].seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcp_syn_fields),
		cmocka_unit_test(seen_services_round_trip_and_rejects),
		cmocka_unit_test(every_truncation_is_caught),
		cmocka_unit_test(ethernet_padding_does_not_become_payload),
		cmocka_unit_test(vlan_and_qinq),
		cmocka_unit_test(ipv4_options_and_fragments),
		cmocka_unit_test(ipv6_extension_headers),
		cmocka_unit_test(icmp_unreachable_quotes_probe),
		cmocka_unit_test(linux_cooked_and_raw),
		cmocka_unit_test(arp_request),
		cmocka_unit_test(detection_json_schema),
		cmocka_unit_test(seen_lines_told_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
