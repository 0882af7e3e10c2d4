/* SPDX-License-Identifier: ISC */
/*
 * pcapw: writes classic pcap files (Ethernet, microsecond timestamps) and
 * builds the IPv4 headers and checksums of the frames that go into them.
 *
 * Shared by the lab's worm emulator (cordon-wormgen) and the capture
 * generators (tests/bench/gen_capture, tests/corpus/gen_lan), which
 * synthesise traffic frame by frame and need byte-exact, reproducible output;
 * frames.h builds whole frames on top of it. No libpcap: the
 * format is 40 lines of code and a writer must not depend on the reader.
 */
#ifndef CORDON_PCAPW_H
#define CORDON_PCAPW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPW_LINKTYPE_ETHERNET 1
#define PCAPW_ETH_LEN 14
#define PCAPW_IPV4_LEN 20

struct pcapw {
	FILE *file;              /* owned; NULL once closed */
	uint64_t packets;        /* records written */
	uint64_t bytes;          /* frame bytes written (record headers excluded) */
};

/*
 * Creates (truncates) `path` and writes the file header: pcap 2.4 in host
 * byte order with the matching magic, as libpcap writes it. Returns 0, or -1
 * with errno set.
 */
int pcapw_open(struct pcapw *w, const char *path, uint32_t snaplen);

/* Appends one record of `len` bytes, captured in full, stamped sec.usec. 0 or -1/errno. */
int pcapw_write(struct pcapw *w, uint64_t sec, uint32_t usec, const void *frame, uint32_t len);

/* Flushes and closes. 0, or -1 with errno set (a full disk shows up here). */
int pcapw_close(struct pcapw *w);

/* Network byte order stores. */
void pcapw_put16(uint8_t *p, uint16_t v);
void pcapw_put32(uint8_t *p, uint32_t v);

/* The Internet checksum (RFC 1071): add bytes to a running sum, then fold. */
uint32_t pcapw_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t pcapw_csum_fold(uint32_t sum);

/*
 * Writes a 20-byte IPv4 header (no options) with its checksum at `ip`.
 * `frag` is the flags/fragment-offset word (0x4000: don't fragment).
 * Addresses in host byte order.
 */
void pcapw_ipv4(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
    uint16_t id, uint16_t frag, uint32_t l4len);

/* TCP/UDP checksum over the IPv4 pseudo-header and `l4len` bytes at `l4`. */
uint16_t pcapw_l4_csum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
    uint32_t l4len);

#endif
