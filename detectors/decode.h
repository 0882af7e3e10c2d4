/* SPDX-License-Identifier: ISC */
/*
 * decode: bounds-checked decoding of captured frames into the few fields the
 * detection engines use. No allocation; the result points into the frame.
 *
 * Link layers: Ethernet (with any number of 802.1Q / 802.1ad tags up to
 * DECODE_MAX_TAGS), Linux cooked v1 and v2, raw IP. Network: IPv4 (options
 * skipped; only first fragments carry ports), IPv6 (hop-by-hop, routing,
 * fragment, destination options and AH headers skipped), ARP. Transport: TCP,
 * UDP, ICMP, ICMPv6; ICMP errors also decode the quoted header of the packet
 * that caused them, so a failure can be tied to its probe.
 *
 * A frame that ends before a header it announces is an error: the decoder
 * never reads past `caplen`.
 */
#ifndef CORDON_DECODE_H
#define CORDON_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"   /* struct ip_addr and its helpers (common/) */

/* Link types, numbered as in pcap files (LINKTYPE_*). */
#define DECODE_LINK_ETHERNET 1
#define DECODE_LINK_RAW 101
#define DECODE_LINK_LINUX_SLL 113
#define DECODE_LINK_LINUX_SLL2 276

#define DECODE_MAX_TAGS 4

enum decode_status {
	DECODE_OK = 0,
	DECODE_UNSUPPORTED,  /* well-formed, but nothing the engines look at */
	DECODE_TRUNCATED,    /* a header runs past the captured length */
	DECODE_MALFORMED,    /* a header field is impossible */
	DECODE_STATUS_COUNT
};

enum decode_l3 { L3_NONE = 0, L3_IPV4, L3_IPV6, L3_ARP };

/* IANA protocol numbers for the ones we read. */
#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ICMPV6 58

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

/* The header an ICMP error quotes: the probe it answers. */
struct quoted_probe {
	struct ip_addr src, dst;
	uint8_t proto;
	bool has_ports;
	uint16_t sport, dport;
};

struct pkt {
	/* link */
	bool has_mac;
	uint8_t src_mac[6];
	bool l2_group;          /* sent to a link-layer broadcast or multicast address */
	int vlan;               /* outermost VLAN id, -1 when untagged */
	/* network */
	enum decode_l3 l3;
	struct ip_addr src, dst;
	uint8_t proto;          /* IP protocol of the transport header */
	bool first_fragment;    /* false for a non-first fragment: no ports */
	/* transport */
	bool has_ports;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	bool icmp_echo_request; /* ICMP type 8 / ICMPv6 type 128 */
	bool icmp_echo_reply;   /* ICMP type 0 / ICMPv6 type 129 */
	/* IPv6 neighbour discovery: a solicitation (135) or advertisement (136) for `nd_target` */
	bool nd_solicit, nd_advert;
	struct ip_addr nd_target;
	bool icmp_error;        /* unreachable: `quoted` is set */
	struct quoted_probe quoted;
	/* ARP (Ethernet/IPv4 only) */
	uint16_t arp_op;        /* 1 request, 2 reply */
	/* payload of TCP/UDP/ICMP echo; points into the frame */
	const uint8_t *payload;
	uint32_t payload_len;
};

/* Decodes `caplen` bytes of a frame of link type `linktype` into `*p`. */
enum decode_status decode_frame(int linktype, const uint8_t *frame,
    uint32_t caplen, struct pkt *p);

#define ETHERTYPE_NUM_IPV4 0x0800

/* The header helpers below are decode_frame's own, inline here so that
 * the peeks below cost no call. */
static inline uint16_t
decode_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Four bytes in network order (one load where the compiler can). */
static inline uint32_t
decode_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The IPv4 header at `p`, `*len` bytes captured: its length in *ihl, and in
 * *len the end of the packet (Ethernet pads short frames: the IP total
 * length says where the packet ends).
 */
static inline enum decode_status
decode_ipv4_header(const uint8_t *p, uint32_t *len, uint32_t *ihl)
{
	uint32_t tot;

	if (*len < 20)
		return DECODE_TRUNCATED;
	if ((p[0] >> 4) != 4)
		return DECODE_MALFORMED;
	*ihl = (uint32_t)(p[0] & 0x0f) * 4;
	tot = decode_rd16(p + 2);
	if (*ihl < 20 || tot < *ihl)
		return DECODE_MALFORMED;
	if (*ihl > *len)
		return DECODE_TRUNCATED;
	if (tot < *len)
		*len = tot;
	return DECODE_OK;
}

/* The TCP header at `h`, `len` bytes to the end of the IP packet: its data offset in *doff. */
static inline enum decode_status
decode_tcp_header(const uint8_t *h, uint32_t len, uint32_t *doff)
{
	if (len < 20)
		return DECODE_TRUNCATED;
	*doff = (uint32_t)(h[12] >> 4) * 4;
	if (*doff < 20)
		return DECODE_MALFORMED;
	if (*doff > len)
		return DECODE_TRUNCATED;
	return DECODE_OK;
}

/*
 * The few fields a reader of every packet looks at first, of the commonest
 * frame: untagged Ethernet, IPv4, TCP (a first fragment). decode_tcp_peek
 * returns true and fills `*t` when the frame is one, and decode_frame would
 * decode it (DECODE_OK) with these values; false otherwise (decode_frame
 * then tells). Lets the detector pass over a segment of an established
 * connection without decoding it whole.
 */
struct tcp_peek {
	uint8_t flags;
	uint16_t dport;
	uint32_t payload_len;
	const uint8_t *payload;     /* borrowed: in the frame */
};

/* What decode_tcp_peek_common says of a frame. */
enum tcp_peek_verdict {
	TCP_PEEK_SEGMENT,   /* a TCP segment decode_frame decodes: `*t` is filled */
	TCP_PEEK_OTHER,     /* anything else: decode_frame tells what */
	TCP_PEEK_UNSURE,    /* not the commonest frame: decode_tcp_peek_general tells */
};

/*
 * The commonest frame of all, untagged Ethernet with a 20-byte IPv4 header,
 * told from a few bytes: the same verdict as decode_tcp_peek_general's
 * checks (fuzz_packet compares each of the two, and both joined, with
 * decode_frame), in fewer instructions on every packet. Any other frame is
 * TCP_PEEK_UNSURE.
 */
static inline __attribute__((always_inline)) enum tcp_peek_verdict
decode_tcp_peek_common(int linktype, const uint8_t *f, uint32_t caplen, struct tcp_peek *t)
{
	uint32_t doff, len;

	if (linktype != DECODE_LINK_ETHERNET || caplen < 14 + 20 + 20 ||
	    (decode_rd32(f + 12) & 0xffffff00u) != 0x08004500u)     /* IPv4, 20-byte header */
		return TCP_PEEK_UNSURE;
	/* No fragment offset (13 bits), protocol TCP; the TTL between is any. */
	if ((decode_rd32(f + 20) & 0x1fff00ffu) != IPPROTO_NUM_TCP)
		return TCP_PEEK_OTHER;
	len = decode_rd16(f + 16);          /* the IP total length */
	if (len < 20 + 20)
		return TCP_PEEK_OTHER;
	if (len > caplen - 14)
		len = caplen - 14;
	doff = (uint32_t)(f[14 + 20 + 12] >> 4) * 4;
	/* 20 <= doff <= len - 20, in one unsigned compare (len >= 40). */
	if (doff - 20 > len - 40)
		return TCP_PEEK_OTHER;
	t->flags = f[14 + 20 + 13];
	t->dport = decode_rd16(f + 14 + 20 + 2);
	t->payload_len = len - 20 - doff;
	t->payload = f + 14 + 20 + doff;
	return TCP_PEEK_SEGMENT;
}

/* Any frame: decode_frame's own checks, in its order, on the TCP path alone. */
static inline bool
decode_tcp_peek_general(int linktype, const uint8_t *f, uint32_t caplen, struct tcp_peek *t)
{
	uint32_t ihl, doff, len;

	if (linktype != DECODE_LINK_ETHERNET || caplen < 14 + 20 ||
	    decode_rd16(f + 12) != ETHERTYPE_NUM_IPV4)
		return false;
	f += 14;
	len = caplen - 14;
	if (decode_ipv4_header(f, &len, &ihl) != DECODE_OK || f[9] != IPPROTO_NUM_TCP ||
	    (decode_rd16(f + 6) & 0x1fff) != 0 ||
	    decode_tcp_header(f + ihl, len - ihl, &doff) != DECODE_OK)
		return false;
	t->flags = f[ihl + 13];
	t->dport = decode_rd16(f + ihl + 2);
	t->payload_len = len - ihl - doff;
	t->payload = f + ihl + doff;
	return true;
}

/* Both in one: true when the frame is such a segment (`*t` filled). */
static inline bool
decode_tcp_peek(int linktype, const uint8_t *f, uint32_t caplen, struct tcp_peek *t)
{
	enum tcp_peek_verdict v = decode_tcp_peek_common(linktype, f, caplen, t);

	if (v == TCP_PEEK_UNSURE)
		return decode_tcp_peek_general(linktype, f, caplen, t);
	return v == TCP_PEEK_SEGMENT;
}

/* Whether the link type is one decode_frame understands. */
bool decode_link_supported(int linktype);

const char *decode_status_name(enum decode_status s);

#endif
