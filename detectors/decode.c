/* SPDX-License-Identifier: ISC */
#include "decode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ETHERTYPE_NUM_ARP 0x0806
#define ETHERTYPE_NUM_IPV6 0x86dd
#define ETHERTYPE_NUM_8021Q 0x8100
#define ETHERTYPE_NUM_8021AD 0x88a8
#define ETHERTYPE_NUM_QINQ_OLD 0x9100

/* Bounds on walks over attacker-controlled chains. */
#define MAX_IPV6_EXT_HEADERS 8


bool
decode_link_supported(int linktype)
{
	switch (linktype) {
	case DECODE_LINK_ETHERNET:
	case DECODE_LINK_RAW:
	case DECODE_LINK_LINUX_SLL:
	case DECODE_LINK_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

const char *
decode_status_name(enum decode_status s)
{
	switch (s) {
	case DECODE_OK: return "ok";
	case DECODE_UNSUPPORTED: return "unsupported";
	case DECODE_TRUNCATED: return "truncated";
	case DECODE_MALFORMED: return "malformed";
	default: return "?";
	}
}

/* Reads the ports of a TCP or UDP header, if at least 4 bytes are there. */
static bool
read_ports(const uint8_t *p, uint32_t len, uint16_t *sport, uint16_t *dport)
{
	if (len < 4)
		return false;
	*sport = decode_rd16(p);
	*dport = decode_rd16(p + 2);
	return true;
}

/*
 * Skips IPv6 extension headers starting with next-header `*nh` at `*off`.
 * Leaves `*nh`/`*off` on the transport header. Returns a decode status.
 */
static enum decode_status
skip_ipv6_ext(const uint8_t *p, uint32_t end, uint32_t *off, uint8_t *nh,
    bool *first_fragment)
{
	int n;

	*first_fragment = true;
	for (n = 0; n < MAX_IPV6_EXT_HEADERS; n++) {
		uint32_t hlen;
		switch (*nh) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
			if (*off + 2 > end)
				return DECODE_TRUNCATED;
			hlen = ((uint32_t)p[*off + 1] + 1) * 8;
			break;
		case 44:  /* fragment */
			if (*off + 8 > end)
				return DECODE_TRUNCATED;
			if ((decode_rd16(p + *off + 2) & 0xfff8) != 0)
				*first_fragment = false;
			hlen = 8;
			break;
		case 51:  /* authentication header */
			if (*off + 2 > end)
				return DECODE_TRUNCATED;
			hlen = ((uint32_t)p[*off + 1] + 2) * 4;
			break;
		default:
			return DECODE_OK;
		}
		if (*off + hlen > end)
			return DECODE_TRUNCATED;
		*nh = p[*off];
		*off += hlen;
	}
	return DECODE_MALFORMED;
}

/*
 * Decodes the IP header an ICMP error quotes. Only the addresses are required;
 * the ports are read when the quote holds them (RFC 792 guarantees 8 bytes).
 */
static enum decode_status
decode_quote(const uint8_t *p, uint32_t len, bool v6, struct quoted_probe *q)
{
	memset(q, 0, sizeof(*q));
	if (!v6) {
		uint32_t ihl;
		bool first;
		if (len < 20)
			return DECODE_TRUNCATED;
		if ((p[0] >> 4) != 4)
			return DECODE_MALFORMED;
		ihl = (uint32_t)(p[0] & 0x0f) * 4;
		if (ihl < 20)
			return DECODE_MALFORMED;
		if (ihl > len)
			return DECODE_TRUNCATED;
		ip_from_v4(&q->src, p + 12);
		ip_from_v4(&q->dst, p + 16);
		q->proto = p[9];
		first = (decode_rd16(p + 6) & 0x1fff) == 0;
		if (first && (q->proto == IPPROTO_NUM_TCP || q->proto == IPPROTO_NUM_UDP))
			q->has_ports = read_ports(p + ihl, len - ihl, &q->sport, &q->dport);
		return DECODE_OK;
	} else {
		uint32_t off = 40;
		uint8_t nh;
		bool first;
		enum decode_status st;
		if (len < 40)
			return DECODE_TRUNCATED;
		if ((p[0] >> 4) != 6)
			return DECODE_MALFORMED;
		memcpy(q->src.b, p + 8, 16);
		memcpy(q->dst.b, p + 24, 16);
		nh = p[6];
		st = skip_ipv6_ext(p, len, &off, &nh, &first);
		/* A quote cut inside its extension headers still names the pair. */
		q->proto = nh;
		if (st == DECODE_OK && first &&
		    (nh == IPPROTO_NUM_TCP || nh == IPPROTO_NUM_UDP))
			q->has_ports = read_ports(p + off, len - off, &q->sport, &q->dport);
		return DECODE_OK;
	}
}

/*
 * ICMP and ICMPv6 at `h` (`len` bytes). Out of line: the TCP and UDP path of
 * decode_transport then needs no saved registers.
 */
static __attribute__((noinline)) enum decode_status
decode_icmp(const uint8_t *h, uint32_t len, struct pkt *pk)
{
	bool v6 = pk->proto == IPPROTO_NUM_ICMPV6;

	if (len < 8)
		return DECODE_TRUNCATED;
	pk->icmp_type = h[0];
	pk->icmp_code = h[1];
	pk->payload = h + 8;
	pk->payload_len = len - 8;
	if ((!v6 && h[0] == 8) || (v6 && h[0] == 128))
		pk->icmp_echo_request = true;
	else if ((!v6 && h[0] == 0) || (v6 && h[0] == 129))
		pk->icmp_echo_reply = true;
	/* RFC 4861 4.3/4.4: 4 reserved bytes, then the target address. */
	if (v6 && (h[0] == 135 || h[0] == 136)) {
		if (len < 24)
			return DECODE_TRUNCATED;
		memcpy(pk->nd_target.b, h + 8, 16);
		pk->nd_solicit = h[0] == 135;
		pk->nd_advert = h[0] == 136;
	}
	if ((!v6 && h[0] == 3) || (v6 && h[0] == 1)) {
		enum decode_status st = decode_quote(h + 8, len - 8, v6, &pk->quoted);
		if (st != DECODE_OK)
			return st;
		pk->icmp_error = true;
	}
	return DECODE_OK;
}

static enum decode_status
decode_transport(const uint8_t *p, uint32_t off, uint32_t end, struct pkt *pk)
{
	const uint8_t *h = p + off;
	uint32_t len = end - off;

	if (!pk->first_fragment)
		return DECODE_OK;
	/* TCP first, then UDP: an if-chain in the order of how common they are
	 * costs less than a switch's jump table. */
	if (pk->proto == IPPROTO_NUM_TCP) {
		uint32_t doff;
		enum decode_status st = decode_tcp_header(h, len, &doff);
		if (st != DECODE_OK)
			return st;
		pk->has_ports = true;
		pk->sport = decode_rd16(h);
		pk->dport = decode_rd16(h + 2);
		pk->tcp_flags = h[13];
		pk->payload = h + doff;
		pk->payload_len = len - doff;
		return DECODE_OK;
	}
	if (pk->proto == IPPROTO_NUM_UDP) {
		uint32_t ulen;
		if (len < 8)
			return DECODE_TRUNCATED;
		ulen = decode_rd16(h + 4);
		if (ulen < 8)
			return DECODE_MALFORMED;
		pk->has_ports = true;
		pk->sport = decode_rd16(h);
		pk->dport = decode_rd16(h + 2);
		pk->payload = h + 8;
		/* The UDP length wins over a padded frame; a short capture wins over both. */
		pk->payload_len = (ulen < len ? ulen : len) - 8;
		return DECODE_OK;
	}
	if (pk->proto == IPPROTO_NUM_ICMP || pk->proto == IPPROTO_NUM_ICMPV6)
		return decode_icmp(h, len, pk);
	return DECODE_OK;
}

static enum decode_status
decode_ipv4(const uint8_t *p, uint32_t len, struct pkt *pk)
{
	uint32_t ihl;
	enum decode_status st = decode_ipv4_header(p, &len, &ihl);

	if (st != DECODE_OK)
		return st;
	pk->l3 = L3_IPV4;
	ip_from_v4(&pk->src, p + 12);
	ip_from_v4(&pk->dst, p + 16);
	pk->proto = p[9];
	pk->first_fragment = (decode_rd16(p + 6) & 0x1fff) == 0;
	return decode_transport(p, ihl, len, pk);
}

static enum decode_status
decode_ipv6(const uint8_t *p, uint32_t len, struct pkt *pk)
{
	uint32_t off = 40, end;
	uint8_t nh;
	enum decode_status st;

	if (len < 40)
		return DECODE_TRUNCATED;
	if ((p[0] >> 4) != 6)
		return DECODE_MALFORMED;
	end = 40 + (uint32_t)decode_rd16(p + 4);
	if (end < len)
		len = end;
	pk->l3 = L3_IPV6;
	memcpy(pk->src.b, p + 8, 16);
	memcpy(pk->dst.b, p + 24, 16);
	nh = p[6];
	st = skip_ipv6_ext(p, len, &off, &nh, &pk->first_fragment);
	if (st != DECODE_OK)
		return st;
	pk->proto = nh;
	return decode_transport(p, off, len, pk);
}

static enum decode_status
decode_arp(const uint8_t *p, uint32_t len, struct pkt *pk)
{
	if (len < 8)
		return DECODE_TRUNCATED;
	/* Ethernet hardware, IPv4 protocol: the only ARP a LAN sweep uses. */
	if (decode_rd16(p) != 1 || decode_rd16(p + 2) != ETHERTYPE_NUM_IPV4 || p[4] != 6 || p[5] != 4)
		return DECODE_UNSUPPORTED;
	if (len < 28)
		return DECODE_TRUNCATED;
	pk->l3 = L3_ARP;
	pk->arp_op = decode_rd16(p + 6);
	ip_from_v4(&pk->src, p + 14);
	ip_from_v4(&pk->dst, p + 24);
	return DECODE_OK;
}

static enum decode_status
decode_ethertype(uint16_t type, const uint8_t *p, uint32_t len, struct pkt *pk)
{
	if (type == ETHERTYPE_NUM_IPV4)
		return decode_ipv4(p, len, pk);
	if (type == ETHERTYPE_NUM_IPV6)
		return decode_ipv6(p, len, pk);
	if (type == ETHERTYPE_NUM_ARP)
		return decode_arp(p, len, pk);
	return DECODE_UNSUPPORTED;
}

/* Strips 802.1Q / 802.1ad tags; records the outermost VLAN id. */
static enum decode_status
strip_vlan_tags(const uint8_t **p, uint32_t *len, uint16_t *type, struct pkt *pk)
{
	int tags = 0;

	while (*type == ETHERTYPE_NUM_8021Q || *type == ETHERTYPE_NUM_8021AD ||
	    *type == ETHERTYPE_NUM_QINQ_OLD) {
		if (tags == DECODE_MAX_TAGS)
			return DECODE_MALFORMED;
		if (*len < 4)
			return DECODE_TRUNCATED;
		if (tags == 0)
			pk->vlan = decode_rd16(*p) & 0x0fff;
		*type = decode_rd16(*p + 2);
		*p += 4;
		*len -= 4;
		tags++;
	}
	return DECODE_OK;
}

/* What decode_frame starts from: all zero, untagged, a first fragment. */
static const struct pkt pkt_empty = { .vlan = -1, .first_fragment = true };

enum decode_status
decode_frame(int linktype, const uint8_t *f, uint32_t caplen, struct pkt *pk)
{
	uint16_t type;
	enum decode_status st;

	/* A copy of a constant compiles to a few vector stores; a memset of this
	 * size to `rep stos`, which costs more than the rest of the decode. */
	memcpy(pk, &pkt_empty, sizeof(*pk));

	/* Ethernet, the common link, tested first (a switch compiles to a
	 * search over all four). */
	if (linktype == DECODE_LINK_ETHERNET) {
		if (caplen < 14)
			return DECODE_TRUNCATED;
		memcpy(pk->src_mac, f + 6, 6);
		/* A group or zero source is no host's (bridges drop such frames). */
		pk->has_mac = mac_is_host(pk->src_mac);
		pk->l2_group = (f[0] & 0x01) != 0;   /* the I/G bit of the destination */
		type = decode_rd16(f + 12);
		f += 14;
		caplen -= 14;
	} else switch (linktype) {
	case DECODE_LINK_LINUX_SLL:
		if (caplen < 16)
			return DECODE_TRUNCATED;
		/* Packet type: 1 broadcast, 2 multicast (to us or to another host). */
		pk->l2_group = decode_rd16(f) == 1 || decode_rd16(f) == 2;
		/* ARPHRD_ETHER with a 6-byte address: the sender's MAC. */
		if (decode_rd16(f + 2) == 1 && decode_rd16(f + 4) == 6) {
			memcpy(pk->src_mac, f + 6, 6);
			pk->has_mac = mac_is_host(pk->src_mac);
		}
		type = decode_rd16(f + 14);
		f += 16;
		caplen -= 16;
		break;
	case DECODE_LINK_LINUX_SLL2:
		if (caplen < 20)
			return DECODE_TRUNCATED;
		pk->l2_group = f[10] == 1 || f[10] == 2;
		if (decode_rd16(f + 8) == 1 && f[11] == 6) {
			memcpy(pk->src_mac, f + 12, 6);
			pk->has_mac = mac_is_host(pk->src_mac);
		}
		type = decode_rd16(f);
		f += 20;
		caplen -= 20;
		break;
	case DECODE_LINK_RAW:
		if (caplen < 1)
			return DECODE_TRUNCATED;
		if ((f[0] >> 4) == 4)
			return decode_ipv4(f, caplen, pk);
		if ((f[0] >> 4) == 6)
			return decode_ipv6(f, caplen, pk);
		return DECODE_MALFORMED;
	default:
		return DECODE_UNSUPPORTED;
	}
	/* Untagged IPv4, the common frame, before the tag loop's three compares. */
	if (type == ETHERTYPE_NUM_IPV4)
		return decode_ipv4(f, caplen, pk);
	st = strip_vlan_tags(&f, &caplen, &type, pk);
	if (st != DECODE_OK)
		return st;
	return decode_ethertype(type, f, caplen, pk);
}
