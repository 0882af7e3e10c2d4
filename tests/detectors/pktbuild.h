/* SPDX-License-Identifier: ISC */
/*
 * pktbuild: crafts Ethernet frames for the detector tests. Every builder
 * writes into a caller buffer and returns the frame length.
 */
#ifndef CORDON_TEST_PKTBUILD_H
#define CORDON_TEST_PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PB_MAX 2048

static inline void
pb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet header; returns 14. */
static inline size_t
pb_eth(uint8_t *f, uint8_t src_last, uint16_t type)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0xfe };
	uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0 };

	src[5] = src_last;
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	pb_put16(f + 12, type);
	return 14;
}

static inline uint32_t
pb_v4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;   /* network order */
}

/* IPv4 header at f, no options; returns 20. */
static inline size_t
pb_ipv4(uint8_t *f, const char *src, const char *dst, uint8_t proto,
    uint16_t payload_len)
{
	uint32_t s = pb_v4(src), d = pb_v4(dst);

	memset(f, 0, 20);
	f[0] = 0x45;
	pb_put16(f + 2, (uint16_t)(20 + payload_len));
	f[8] = 64;
	f[9] = proto;
	memcpy(f + 12, &s, 4);
	memcpy(f + 16, &d, 4);
	return 20;
}

/* A TCP segment from src:sport to dst:dport with flags and no payload. */
static inline size_t
pb_tcp(uint8_t *f, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint8_t flags)
{
	size_t n = pb_eth(f, (uint8_t)(pb_v4(src) >> 24), 0x0800);
	uint8_t *t;

	n += pb_ipv4(f + n, src, dst, 6, 20);
	t = f + n;
	memset(t, 0, 20);
	pb_put16(t, sport);
	pb_put16(t + 2, dport);
	t[12] = 5 << 4;
	t[13] = flags;
	return n + 20;
}

/* A TCP segment (flags PSH|ACK) carrying `len` bytes of `data`; returns the frame length. */
static inline size_t
pb_tcp_data(uint8_t *f, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, const uint8_t *data, uint16_t len)
{
	size_t n = pb_tcp(f, src, sport, dst, dport, 0x18);

	pb_put16(f + 14 + 2, (uint16_t)(20 + 20 + len));
	memcpy(f + n, data, len);
	return n + len;
}

/* A UDP datagram with `len` payload bytes of value `fill` (first byte `first`). */
static inline size_t
pb_udp(uint8_t *f, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint16_t len, uint8_t first, uint8_t fill)
{
	size_t n = pb_eth(f, (uint8_t)(pb_v4(src) >> 24), 0x0800);
	uint8_t *u;

	n += pb_ipv4(f + n, src, dst, 17, (uint16_t)(8 + len));
	u = f + n;
	pb_put16(u, sport);
	pb_put16(u + 2, dport);
	pb_put16(u + 4, (uint16_t)(8 + len));
	pb_put16(u + 6, 0);
	memset(u + 8, fill, len);
	if (len)
		u[8] = first;
	return n + 8 + len;
}

/* A DHCPACK from 10.20.1.1 giving 10.20.1.77 a /24 (RFC 2131 2, RFC 2132). */
static inline size_t
pb_dhcp_ack(uint8_t *f)
{
	size_t n = pb_udp(f, "10.20.1.1", 67, "10.20.1.77", 68, 250, 2, 0);
	uint8_t *b = f + n - 250;
	static const uint8_t opts[] = { 99, 130, 83, 99, 53, 1, 5, 1, 4, 255, 255, 255, 0, 255 };

	b[16] = 10, b[17] = 20, b[18] = 1, b[19] = 77;        /* yiaddr */
	memcpy(b + 236, opts, sizeof(opts));                  /* cookie, ACK, mask, end */
	return n;
}

/* ICMP echo request (type 8) or reply (0) with `len` bytes of `fill`. */
static inline size_t
pb_icmp_echo(uint8_t *f, const char *src, const char *dst, uint8_t type,
    uint16_t len, uint8_t fill)
{
	size_t n = pb_eth(f, (uint8_t)(pb_v4(src) >> 24), 0x0800);
	uint8_t *ic;

	n += pb_ipv4(f + n, src, dst, 1, (uint16_t)(8 + len));
	ic = f + n;
	memset(ic, 0, 8);
	ic[0] = type;
	memset(ic + 8, fill, len);
	return n + 8 + len;
}

/*
 * ICMP destination unreachable (code) sent by `from` to `prober`, quoting a
 * TCP SYN prober:sport -> target:dport.
 */
static inline size_t
pb_icmp_unreach(uint8_t *f, const char *from, const char *prober,
    const char *target, uint16_t sport, uint16_t dport, uint8_t code)
{
	size_t n = pb_eth(f, (uint8_t)(pb_v4(from) >> 24), 0x0800);
	uint8_t *ic;

	n += pb_ipv4(f + n, from, prober, 1, 8 + 20 + 8);
	ic = f + n;
	memset(ic, 0, 8);
	ic[0] = 3;
	ic[1] = code;
	pb_ipv4(ic + 8, prober, target, 6, 20);
	pb_put16(ic + 28, sport);
	pb_put16(ic + 30, dport);
	memset(ic + 32, 0, 4);
	return n + 8 + 20 + 8;
}

/* ARP who-has `target` from `sender`. */
static inline size_t
pb_arp_request(uint8_t *f, const char *sender, const char *target)
{
	size_t n = pb_eth(f, (uint8_t)(pb_v4(sender) >> 24), 0x0806);
	uint8_t *a = f + n;
	uint32_t s = pb_v4(sender), t = pb_v4(target);

	memset(a, 0, 28);
	pb_put16(a, 1);
	pb_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	pb_put16(a + 6, 1);
	a[13] = 0x01;
	memcpy(a + 14, &s, 4);
	memcpy(a + 24, &t, 4);
	return n + 28;
}

/* ARP is-at: `sender` answers `target`'s who-has. */
static inline size_t
pb_arp_reply(uint8_t *f, const char *sender, const char *target)
{
	size_t n = pb_arp_request(f, sender, target);

	pb_put16(f + 14 + 6, 2);
	return n;
}

/* Makes the frame in f go to the Ethernet broadcast address. */
static inline void
pb_to_broadcast(uint8_t *f)
{
	memset(f, 0xff, 6);
}

/* IPv6 header at f; returns 40. `src`/`dst` are text. */
static inline size_t
pb_ipv6(uint8_t *f, const char *src, const char *dst, uint8_t nh, uint16_t payload_len)
{
	memset(f, 0, 40);
	f[0] = 0x60;
	pb_put16(f + 4, payload_len);
	f[6] = nh;
	f[7] = 255;
	inet_pton(AF_INET6, src, f + 8);
	inet_pton(AF_INET6, dst, f + 24);
	return 40;
}

/* A TCP segment over IPv6 from the host whose MAC ends in `mac_last`. */
static inline size_t
pb_tcp6(uint8_t *f, uint8_t mac_last, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint8_t flags)
{
	size_t n = pb_eth(f, mac_last, 0x86dd);
	uint8_t *t;

	n += pb_ipv6(f + n, src, dst, 6, 20);
	t = f + n;
	memset(t, 0, 20);
	pb_put16(t, sport);
	pb_put16(t + 2, dport);
	t[12] = 5 << 4;
	t[13] = flags;
	return n + 20;
}

/*
 * ICMPv6 neighbour solicitation (135) or advertisement (136) for `target`,
 * from `src` (":: " for duplicate address detection) to `dst`.
 */
static inline size_t
pb_nd6(uint8_t *f, uint8_t mac_last, uint8_t type, const char *src,
    const char *dst, const char *target)
{
	size_t n = pb_eth(f, mac_last, 0x86dd);
	uint8_t *ic;

	n += pb_ipv6(f + n, src, dst, 58, 24);
	ic = f + n;
	memset(ic, 0, 24);
	ic[0] = type;
	inet_pton(AF_INET6, target, ic + 8);
	if (dst[0] == 'f' && dst[1] == 'f')
		f[0] = 0x33, f[1] = 0x33;   /* IPv6 multicast MAC */
	return n + 24;
}

#endif
