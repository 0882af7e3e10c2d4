/* SPDX-License-Identifier: ISC */
/*
 * frames: builds whole Ethernet/IPv4 frames (TCP, UDP, ICMP, ARP) with their
 * checksums, shaped as common stacks send them, for the programs that
 * synthesise captures (tests/bench/gen_capture, tests/corpus/gen_lan).
 *
 * Every builder writes one frame into the caller's buffer `f` of `cap` bytes
 * and returns its length, or 0 when it would not fit (nothing useful is
 * written then). Addresses are IPv4 in host byte order; MACs are 6 bytes.
 */
#ifndef CORDON_FRAMES_H
#define CORDON_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "pcapw.h"

#define FRAMES_TH_FIN 0x01
#define FRAMES_TH_SYN 0x02
#define FRAMES_TH_RST 0x04
#define FRAMES_TH_PSH 0x08
#define FRAMES_TH_ACK 0x10

#define FRAMES_TCP_SYN_LEN 40   /* SYN header: MSS, SACK permitted, timestamps, window scale */
#define FRAMES_TCP_LEN 32       /* other segments: the timestamp option */
#define FRAMES_MIN_LEN 60       /* Ethernet's minimum frame (without FCS) */

/* The link and network header every IPv4 builder starts with. */
struct frames_ip {
	const uint8_t *dst_mac, *src_mac;
	uint32_t src, dst;
	uint8_t ttl;
	uint16_t id;
	uint16_t frag;          /* flags/fragment offset word; 0x4000: don't fragment */
};

/*
 * A TCP segment as a modern stack sends it: a SYN or SYN-ACK carries MSS
 * 1460, SACK permitted, timestamps and window scale 7 with a 64240 window;
 * a RST no options and a zero window; any other segment the timestamp
 * option and a 502 (scaled) window. `tsval` is the sender's timestamp clock;
 * the echoed one is tsval - 1 (0 on a bare SYN). The ACK field is written
 * only when FRAMES_TH_ACK is set.
 */
struct frames_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t tsval;
};
size_t frames_tcp(uint8_t *f, size_t cap, const struct frames_ip *ip,
    const struct frames_tcp *t, const uint8_t *payload, uint32_t paylen);

size_t frames_udp(uint8_t *f, size_t cap, const struct frames_ip *ip, uint16_t sport,
    uint16_t dport, const uint8_t *payload, uint32_t paylen);

/*
 * An ICMP message: `type`, `code`, the 4-byte rest-of-header word (echo:
 * identifier << 16 | sequence) and `data` (echo payload, or the quoted
 * header of the datagram an error answers).
 */
size_t frames_icmp(uint8_t *f, size_t cap, const struct frames_ip *ip, uint8_t type,
    uint8_t code, uint32_t rest, const uint8_t *data, uint32_t datalen);

/*
 * The 28 bytes an ICMP error quotes of a TCP or UDP datagram: its IPv4
 * header (id 0, don't fragment, TTL `ttl`) and the first 8 transport bytes
 * (ports, then the TCP sequence number or the UDP length and a zero
 * checksum). `l4len` is the quoted datagram's transport length.
 */
void frames_quote(uint8_t quote[28], uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t l4len);

/*
 * An ARP frame padded to 60 bytes: a request (op 1) goes to broadcast unless
 * `eth_dst` is given (a unicast re-check), with a zero target MAC; a reply
 * (op 2) goes to `target_mac`. `sender` 0 is an address probe (RFC 5227).
 */
size_t frames_arp(uint8_t *f, size_t cap, uint16_t op, const uint8_t *eth_dst,
    const uint8_t sender_mac[6], uint32_t sender, const uint8_t *target_mac, uint32_t target);

/* The Ethernet multicast MAC of an IPv4 group address (01:00:5e + its low 23 bits). */
void frames_multicast_mac(uint32_t group, uint8_t mac[6]);

#endif
