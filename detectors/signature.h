/* SPDX-License-Identifier: ISC */
/*
 * signature: packets that are proof of a worm by themselves, and the exploit
 * requests worms send to the hosts they infect.
 *
 * One-packet signatures:
 * - slammer: UDP to port 1434 with a 376-byte payload whose first byte is 0x04
 *   (the SQL Server Resolution Service request the worm overflows). An 8-byte
 *   SQL ping to 1434 also starts with a small request code but is not Slammer.
 * - welchia: ICMP echo request whose payload (at least 16 bytes) is all 0xAA,
 *   Welchia's probe before it attacks tcp/135.
 * - blaster: the Blaster shell stage, TCP to port 4444 carrying "msblast.exe"
 *   (the infector's "start msblast.exe"), or a TFTP request for msblast.exe
 *   (UDP to port 69; the requester has just been exploited).
 * - eternalblue: an SMBv1 NT Trans request (0xA0) with function 0 and a total
 *   data count above 65535, the opening of the MS17-010 FEA-list overflow.
 * - doublepulsar: an SMBv1 Trans2 request (0x32) with subcommand 0x000E
 *   (TRANS2_SESSION_SETUP), DoublePulsar's ping and command channel.
 *
 * Signatures over a short sequence of one TCP connection (client to server
 * port 135, 139 or 445; each request must start in the segment that carries
 * its header, as the exploits' requests do):
 * - dcom_rpc: a DCE/RPC bind to ISystemActivator or IRemoteActivation, then a
 *   request on that context (RemoteGetClassObject / RemoteCreateInstance /
 *   RemoteActivation) whose arguments hold a UNC path "\\" with a server name
 *   of DCOM_SERVER_NAME_MAX or more UTF-16 code units (MS03-026, Blaster,
 *   Welchia). Over tcp/135, or over an SMB named pipe.
 * - lsass: a DCE/RPC bind to DSSETUP over an SMB named pipe, then opnum 9
 *   (DsRolerUpgradeDownlevelServer) with arguments of LSASS_STUB_MIN bytes or
 *   more (MS04-011, Sasser).
 * - eternalblue: an NT Trans request that announces more data, then an SMB
 *   Trans2 Secondary (0x33) with the same multiplex id: the NT transaction
 *   completed by Trans2 fragments, as EternalBlue does.
 *
 * The match is always on what the client sends to the server port, so the
 * exploiting host is the packet's source; its target is never flagged.
 * docs/detectors.md ("Exploit signatures") lists the bytes and sources.
 */
#ifndef CORDON_SIGNATURE_H
#define CORDON_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* Connections whose RPC binds and open NT transactions are remembered. */
#define SIG_FLOWS 4096
/* A connection silent this long is forgotten (the exploits send at once). */
#define SIG_FLOW_IDLE_MS (120 * 1000)
/* UTF-16 units of a UNC server name from which it is MS03-026's overflow. */
#define DCOM_SERVER_NAME_MAX 64
/* Argument bytes of a DsRolerUpgradeDownlevelServer call that are MS04-011's. */
#define LSASS_STUB_MIN 2048

/* Per-connection state of the sequence signatures: fixed-size, allocated once. */
struct sig_state;

/*
 * Allocates the state for SIG_FLOWS connections; `seed` seeds its hash.
 * Returns NULL if memory is short. Free with sig_free().
 */
struct sig_state *sig_new(uint64_t seed);
void sig_free(struct sig_state *s);
/* Bytes the state holds. */
size_t sig_bytes(const struct sig_state *s);

/*
 * Returns the name of the signature the packet matches (a static string), or
 * NULL. `s` (not NULL) is the caller's state, updated by binds and NT
 * transactions; `now_ms` is the caller's clock (ms, wrapping) for its ageing.
 * No allocation.
 */
const char *sig_match(struct sig_state *s, const struct pkt *p, uint32_t now_ms);

#define SIG_PORT_BLASTER_SHELL 4444
#define SIG_PORT_RPC 135             /* DCE/RPC endpoint mapper and DCOM activation */
#define SIG_PORT_NETBIOS_SSN 139     /* SMB over NetBIOS session service */
#define SIG_PORT_SMB 445             /* SMB direct hosting */

/*
 * Whether `dport` is a server port the TCP signatures read (the exploits'
 * targets and Blaster's shell): sig_match returns NULL for every TCP
 * segment to another port, and for every one without payload, and keeps
 * no state for them, so a caller may skip those. Four compares inline: the
 * per-packet path asks it of most TCP segments, and a 64 KB table indexed
 * by port would push other lines out of the first-level cache.
 */
static inline bool
sig_tcp_port(uint16_t dport)
{
	return dport == SIG_PORT_BLASTER_SHELL || dport == SIG_PORT_RPC ||
	    dport == SIG_PORT_NETBIOS_SSN || dport == SIG_PORT_SMB;
}

/* What the first bytes of a request the TCP signatures read hold. */
#define SIG_RPC_VERS 5               /* DCE/RPC connection-oriented version 5 */
#define SIG_RPC_COMMON_LEN 16        /* its common header */
#define SIG_NBSS_HDR_LEN 4           /* NetBIOS session service header */
#define SIG_NBSS_SESSION_MESSAGE 0x00
#define SIG_SMB1_HDR_LEN 32
#define SIG_SMB1_FLAGS_REPLY 0x80

/* Whether `b` (`len` bytes) starts a DCE/RPC PDU: its common header whole, version 5.0 or 5.1. */
static inline bool
sig_rpc_start(const uint8_t *b, uint32_t len)
{
	return len >= SIG_RPC_COMMON_LEN && b[0] == SIG_RPC_VERS && b[1] <= 1;
}

/*
 * Whether `b` (`len` bytes) starts an SMBv1 request: an NBSS session message
 * whose SMB header (0xFF 'S' 'M' 'B', not a reply) and word count are
 * captured. SMB2 and SMB3 (0xFE 'S' 'M' 'B'), what a campus's file servers
 * mostly carry, do not.
 */
static inline bool
sig_smb1_start(const uint8_t *b, uint32_t len)
{
	return len >= SIG_NBSS_HDR_LEN + SIG_SMB1_HDR_LEN + 1 &&
	    b[0] == SIG_NBSS_SESSION_MESSAGE && b[4] == 0xff && b[5] == 'S' &&
	    b[6] == 'M' && b[7] == 'B' && !(b[4 + 9] & SIG_SMB1_FLAGS_REPLY);
}

/*
 * Whether sig_match could match a TCP segment to `dport` whose payload (as
 * captured) is `b`, `len` bytes. False for every segment it returns NULL for
 * without looking further or keeping state: to another port, without
 * payload, or not starting a request its port's signatures read (each
 * request must start in the segment with its header: the rest of a file
 * transfer, SMB2 and SMB3 never do). A caller may pass over those without
 * decoding them. sig_match makes the same first tests, through these helpers.
 */
static inline bool
sig_tcp_segment(uint16_t dport, const uint8_t *b, uint32_t len)
{
	if (len == 0 || !sig_tcp_port(dport))
		return false;
	if (dport == SIG_PORT_RPC)
		return sig_rpc_start(b, len);
	if (dport == SIG_PORT_NETBIOS_SSN || dport == SIG_PORT_SMB)
		return sig_smb1_start(b, len);
	return true;    /* Blaster's shell: any payload may carry its command */
}

/* The static name equal to `name` if it is a signature's name, else NULL. */
const char *sig_name_known(const char *name);

#endif
