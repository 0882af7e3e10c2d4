/* SPDX-License-Identifier: ISC */
/*
 * addr: the IP address type every part of Cordon uses (the sensor's decoder,
 * the controller's records, the enforcement points), with its text forms.
 * One type for both families: IPv4 is kept as ::ffff:a.b.c.d, so that a
 * table keyed by address needs no family field.
 */
#ifndef CORDON_ADDR_H
#define CORDON_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* An IPv4 or IPv6 address; IPv4 is kept as ::ffff:a.b.c.d. */
struct ip_addr {
	uint8_t b[16];
};

static inline bool
ip_is_v4(const struct ip_addr *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	/* A fixed-size memcmp compiles to two word compares; a byte loop
	 * costs a dozen branches on every packet. */
	return memcmp(a->b, pfx, sizeof(pfx)) == 0;
}

/* Unspecified, multicast or limited broadcast: never a probe target or source. */
static inline bool
ip_is_special(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	/* Inline: the detector asks it of most packets' addresses. */
	if (ip_is_v4(a)) {
		const uint8_t *v4 = a->b + 12;
		if (v4[0] == 0 || v4[0] >= 224)   /* this-net, multicast, class E, broadcast */
			return true;
		return false;
	}
	if (a->b[0] == 0xff)                      /* multicast */
		return true;
	return memcmp(a->b, zero, 16) == 0;       /* unspecified */
}

/*
 * Whether the first `bits` bits (0..128, of the 16-byte form: an IPv4 /n is
 * 96 + n) of a and b are equal. Inline: the detector asks it per packet.
 */
static inline bool
ip_prefix_equal(const struct ip_addr *a, const struct ip_addr *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (bits > 128)
		return false;
	if (memcmp(a->b, b->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a->b[full] ^ b->b[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* Text form (inet_ntop); `buf` needs 46 bytes. Returns buf. */
char *ip_to_str(const struct ip_addr *a, char *buf, unsigned len);
/* Parses dotted IPv4 or IPv6 text. Returns 0, or -1 if it is not an address. */
int ip_from_str(const char *s, struct ip_addr *a);

/* ::ffff:a.b.c.d. Inline: the decoder calls it twice for every IPv4 packet,
 * and the fixed-size copies compile to three stores. */
static inline void
ip_from_v4(struct ip_addr *a, const uint8_t v4[4])
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memcpy(a->b, pfx, sizeof(pfx));
	memcpy(a->b + 12, v4, 4);
}

/*
 * Whether a MAC can be a host's own: neither a group address (the I/G bit:
 * multicast, broadcast) nor all zero. Bridges drop frames sent from any
 * other, so no host is ever located by one.
 */
static inline bool
mac_is_host(const uint8_t mac[6])
{
	return !(mac[0] & 0x01) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

/*
 * Parses "aa:bb:cc:dd:ee:ff": exactly six pairs of hex digits (either case)
 * and five colons, nothing else (no signs or spaces, which sscanf's %x
 * takes). Returns 0, or -1 if it is not that form.
 */
int mac_from_str(const char *s, uint8_t mac[6]);

#endif
