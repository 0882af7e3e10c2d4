/* SPDX-License-Identifier: ISC */
/*
 * slammer_payload: takes the 376-byte UDP payload of SQL Slammer out of a
 * recorded capture (../shared/captures/worm_slammer_udp1434.pcap), so that
 * the lab's emulated Slammer carries the real bytes. The one module of the
 * lab tools that includes libpcap's header.
 */
#ifndef CORDON_SLAMMER_PAYLOAD_H
#define CORDON_SLAMMER_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define SLAMMER_PAYLOAD_LEN 376  /* the worm's whole body, one UDP datagram */

/*
 * Reads `path` and copies the UDP payload of the first IPv4 datagram to
 * port 1434 that is 376 bytes long and starts 0x04. 0, or -1 with a reason
 * (naming the file) in `err`.
 */
int slammer_payload_read(const char *path, uint8_t payload[SLAMMER_PAYLOAD_LEN], char *err,
    size_t errlen);

#endif
