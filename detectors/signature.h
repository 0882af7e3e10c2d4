/*
 * signature: worms whose single packet is proof of infection.
 *
 * - slammer: UDP to port 1434 with a 376-byte payload whose first byte is 0x04
 *   (the SQL Server Resolution Service request the worm overflows). An 8-byte
 *   SQL ping to 1434 also starts with a small request code but is not Slammer.
 * - welchia: ICMP echo request whose payload (at least 16 bytes) is all 0xAA,
 *   Welchia's probe before it attacks tcp/135.
 * - blaster: the Blaster shell stage, TCP to port 4444 carrying "msblast.exe"
 *   (the infector's "start msblast.exe"), or a TFTP request for msblast.exe
 *   (UDP to port 69; the requester has just been exploited).
 */
#ifndef CORDON_SIGNATURE_H
#define CORDON_SIGNATURE_H

#include "decode.h"

/* Returns the name of the signature the packet matches (static), or NULL. */
const char *sig_match(const struct pkt *p);

#endif
