/* SPDX-License-Identifier: ISC */
/* frames: Ethernet/IPv4 frame builders (see frames.h). */
#include "frames.h"

#include <string.h>

#define ETH_LEN PCAPW_ETH_LEN
#define IP_LEN PCAPW_IPV4_LEN

/* Ethernet + IPv4 header for `l4len` transport bytes; returns the L4 offset. */
static size_t
eth_ipv4(uint8_t *f, const struct frames_ip *ip, uint8_t proto, uint32_t l4len)
{
	memcpy(f, ip->dst_mac, 6);
	memcpy(f + 6, ip->src_mac, 6);
	pcapw_put16(f + 12, 0x0800);
	pcapw_ipv4(f + ETH_LEN, ip->src, ip->dst, proto, ip->ttl, ip->id, ip->frag, l4len);
	return ETH_LEN + IP_LEN;
}

/* Frames below Ethernet's minimum are padded with zeros, as a NIC sends them. */
static size_t
pad(uint8_t *f, size_t len)
{
	if (len < FRAMES_MIN_LEN) {
		memset(f + len, 0, FRAMES_MIN_LEN - len);
		return FRAMES_MIN_LEN;
	}
	return len;
}

static size_t
padded_len(size_t len)
{
	return len < FRAMES_MIN_LEN ? FRAMES_MIN_LEN : len;
}

size_t
frames_tcp(uint8_t *f, size_t cap, const struct frames_ip *ip, const struct frames_tcp *t,
    const uint8_t *payload, uint32_t paylen)
{
	uint32_t hlen = (t->flags & FRAMES_TH_SYN) ? FRAMES_TCP_SYN_LEN :
	    (t->flags & FRAMES_TH_RST) ? 20 : FRAMES_TCP_LEN;
	size_t off;
	uint8_t *h, *o;

	if (paylen > 65535 - IP_LEN - hlen || padded_len(ETH_LEN + IP_LEN + hlen + paylen) > cap)
		return 0;
	off = eth_ipv4(f, ip, 6, hlen + paylen);
	h = f + off;
	o = h + 20;
	pcapw_put16(h, t->sport);
	pcapw_put16(h + 2, t->dport);
	pcapw_put32(h + 4, t->seq);
	pcapw_put32(h + 8, (t->flags & FRAMES_TH_ACK) ? t->ack : 0);
	h[12] = (uint8_t)((hlen / 4) << 4);
	h[13] = t->flags;
	pcapw_put16(h + 14, (t->flags & FRAMES_TH_SYN) ? 64240 : (t->flags & FRAMES_TH_RST) ? 0 : 502);
	pcapw_put16(h + 16, 0);
	pcapw_put16(h + 18, 0);
	if (t->flags & FRAMES_TH_SYN) {
		o[0] = 2; o[1] = 4; pcapw_put16(o + 2, 1460);              /* MSS */
		o[4] = 4; o[5] = 2;                                        /* SACK permitted */
		o[6] = 8; o[7] = 10; pcapw_put32(o + 8, t->tsval);         /* timestamps */
		pcapw_put32(o + 12, (t->flags & FRAMES_TH_ACK) ? t->tsval - 1 : 0);
		o[16] = 1; o[17] = 3; o[18] = 3; o[19] = 7;                /* NOP, window scale 7 */
	} else if (hlen == FRAMES_TCP_LEN) {
		o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;                   /* NOP NOP timestamps */
		pcapw_put32(o + 4, t->tsval);
		pcapw_put32(o + 8, t->tsval - 1);
	}
	if (paylen > 0)
		memcpy(h + hlen, payload, paylen);
	pcapw_put16(h + 16, pcapw_l4_csum(ip->src, ip->dst, 6, h, hlen + paylen));
	return pad(f, off + hlen + paylen);
}

size_t
frames_udp(uint8_t *f, size_t cap, const struct frames_ip *ip, uint16_t sport, uint16_t dport,
    const uint8_t *payload, uint32_t paylen)
{
	size_t off;
	uint8_t *u;

	if (paylen > 65535 - IP_LEN - 8 || padded_len(ETH_LEN + IP_LEN + 8 + paylen) > cap)
		return 0;
	off = eth_ipv4(f, ip, 17, 8 + paylen);
	u = f + off;
	pcapw_put16(u, sport);
	pcapw_put16(u + 2, dport);
	pcapw_put16(u + 4, (uint16_t)(8 + paylen));
	pcapw_put16(u + 6, 0);
	if (paylen > 0)
		memcpy(u + 8, payload, paylen);
	pcapw_put16(u + 6, pcapw_l4_csum(ip->src, ip->dst, 17, u, 8 + paylen));
	return pad(f, off + 8 + paylen);
}

size_t
frames_icmp(uint8_t *f, size_t cap, const struct frames_ip *ip, uint8_t type, uint8_t code,
    uint32_t rest, const uint8_t *data, uint32_t datalen)
{
	size_t off;
	uint8_t *ic;

	if (datalen > 65535 - IP_LEN - 8 || padded_len(ETH_LEN + IP_LEN + 8 + datalen) > cap)
		return 0;
	off = eth_ipv4(f, ip, 1, 8 + datalen);
	ic = f + off;
	ic[0] = type;
	ic[1] = code;
	pcapw_put16(ic + 2, 0);
	pcapw_put32(ic + 4, rest);
	if (datalen > 0)
		memcpy(ic + 8, data, datalen);
	pcapw_put16(ic + 2, pcapw_csum_fold(pcapw_csum_add(0, ic, 8 + datalen)));
	return pad(f, off + 8 + datalen);
}

void
frames_quote(uint8_t quote[28], uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t l4len)
{
	pcapw_ipv4(quote, src, dst, proto, ttl, 0, 0x4000, l4len);
	pcapw_put16(quote + 20, sport);
	pcapw_put16(quote + 22, dport);
	if (proto == 17) {
		pcapw_put16(quote + 24, (uint16_t)l4len);
		pcapw_put16(quote + 26, 0);
	} else {
		pcapw_put32(quote + 24, seq);
	}
}

size_t
frames_arp(uint8_t *f, size_t cap, uint16_t op, const uint8_t *eth_dst,
    const uint8_t sender_mac[6], uint32_t sender, const uint8_t *target_mac, uint32_t target)
{
	static const uint8_t zero[6], bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = f + ETH_LEN;

	if (cap < FRAMES_MIN_LEN)
		return 0;
	if (eth_dst != NULL)
		memcpy(f, eth_dst, 6);
	else
		memcpy(f, op == 1 ? bcast : (target_mac != NULL ? target_mac : bcast), 6);
	memcpy(f + 6, sender_mac, 6);
	pcapw_put16(f + 12, 0x0806);
	pcapw_put16(a, 1);
	pcapw_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	pcapw_put16(a + 6, op);
	memcpy(a + 8, sender_mac, 6);
	pcapw_put32(a + 14, sender);
	memcpy(a + 18, op == 1 || target_mac == NULL ? zero : target_mac, 6);
	pcapw_put32(a + 24, target);
	memset(a + 28, 0, FRAMES_MIN_LEN - ETH_LEN - 28);
	return FRAMES_MIN_LEN;
}

void
frames_multicast_mac(uint32_t group, uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((group >> 16) & 0x7f);
	mac[4] = (uint8_t)(group >> 8);
	mac[5] = (uint8_t)group;
}
