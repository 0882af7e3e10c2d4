/* SPDX-License-Identifier: ISC */
/*
 * detector: the per-packet path. Decodes a frame, keeps per-source and
 * per-pair evidence in fixed-size tables, runs the engines and hands each
 * detection to a callback. No I/O and no clock of its own: time is the
 * packets' capture time, so a replay gives the same result as live traffic.
 *
 * State (see docs/detectors.md for the figures):
 * - sources: one 64-byte record per tracked source address;
 * - pairs: one 64-byte record per (source, destination) contacted, which
 *   tells first contacts apart and holds the vertical-scan port set;
 * - fan-out: one 44-byte record per (source, exposed port, protocol);
 * - queries: one 24-byte record per (host, port) that queried a group
 *   recently, so that unicast answers to it are known as replies;
 * - services: one 40-byte record per (host, exposed port, protocol) the host
 *   was seen answering on, for the asset report (reached by answers only).
 * A pending first contact also takes 16 bytes on a timer wheel.
 */
#ifndef CORDON_DETECTOR_H
#define CORDON_DETECTOR_H

#include <stdint.h>

#include "decode.h"
#include "detcfg.h"
#include "detection.h"

struct detector;

/*
 * Called once per detection; `d` is only valid during the call. The
 * callback runs inside the detector's functions and must not call any of
 * them.
 */
typedef void (*detector_emit_fn)(void *arg, const struct detection *d);

struct detector_stats {
	uint64_t packets;
	uint64_t bytes;                    /* on the wire */
	uint64_t decode[DECODE_STATUS_COUNT]; /* by outcome; [DECODE_OK] decoded */
	uint64_t sources_tracked;          /* live source records now */
	uint64_t sources_created;
	uint64_t evictions;                /* all tables */
	uint64_t evictions_sources;
	uint64_t evictions_pairs;
	uint64_t evictions_fanout;
	uint64_t evictions_queries;
	uint64_t evictions_services;
	uint64_t services_tracked;         /* live (host, exposed port, protocol) records now */
	uint64_t timeouts_dropped;         /* first contacts not timed: the pending pool was full */
	uint64_t answers_late;             /* answers after their timeout (failures taken back) */
	uint64_t answer_samples;           /* answer delays measured */
	uint32_t timeout_ms;               /* first-contact timeout for destinations without their own estimate */
	uint64_t group_queries;            /* datagrams to multicast/broadcast groups (query records made) */
	uint64_t group_replies;            /* unicast datagrams taken as replies to such queries */
	uint64_t discovery_datagrams;      /* DHCP and discovery datagrams (never probes) */
	uint64_t subnets_learned;          /* from DHCP acknowledgements */
	uint64_t evidence_carried;         /* IPv6 renumberings that carried a source's evidence */
	uint64_t clock_resets;             /* state cleared on a jump in capture time */
	uint64_t detections[ENGINE_COUNT];
	uint64_t memory_bytes;             /* allocated once at detector_new (and the batch's, when batching) */
	uint32_t source_record_bytes;
	uint32_t pair_record_bytes;
	uint32_t fanout_record_bytes;
};

/*
 * Creates a detector. `cfg` is copied and must have passed detcfg_validate.
 * Returns NULL if memory is short. The caller owns the result and frees it
 * with detector_free.
 */
struct detector *detector_new(const struct det_config *cfg,
    detector_emit_fn emit, void *emit_arg);
/* What a batch (below) still holds is dropped: detector_flush or
 * detector_finish first. */
void detector_free(struct detector *d);

/*
 * Batching, for a program that hands over many packets at a time
 * (cordon-sensor, one capture read of up to 4096): each packet is decoded,
 * and its signature read, when it comes; what the other engines do with it,
 * and what the clock brings between packets (deadlines, ageing, asset
 * reports), waits in a batch of up to 512 until it fills or until
 * detector_flush. The batch then runs in capture order, each entry at the
 * clock and packet index it came with: detections, their times and counts
 * are those of unbatched processing, only delivered at the end of the
 * batch. Why: the engines' lookups land at random in tables of many MB;
 * run together, their cache misses overlap (the next entries' records are
 * loaded ahead), and they no longer come between the capture's reads, whose
 * copies from the page cache they slowed (docs/detectors.md, Throughput).
 * Every other function here runs the batch first. Returns -1 if memory is
 * short (the detector then goes on unbatched), or if called from a
 * callback while the batch runs. Off by default.
 */
int detector_set_batching(struct detector *d, bool on);
/* Runs what the batch holds; the caller's batch of packets has ended. */
void detector_flush(struct detector *d);

/*
 * Feeds one captured frame. `ts_us` is its capture time in µs since the
 * epoch, `index` its 1-based position in the capture (reported as
 * alert_packet). Time that runs backwards is held at the latest time seen.
 */
void detector_packet(struct detector *d, int linktype, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t index);

/*
 * The link type (DECODE_LINK_*) of the frames detector_frame is given: one
 * capture's, set before its first frame. A detector starts with Ethernet.
 */
void detector_set_linktype(struct detector *d, int linktype);

/*
 * detector_packet in the shape of a capture's per-packet callback, `arg`
 * the detector, at the link type set by detector_set_linktype. A capture
 * calls it directly: no hop of the caller's own on every packet, and every
 * argument in a register.
 */
void detector_frame(void *arg, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t index);

/*
 * Lets capture time pass without a packet: a live sensor calls it with the
 * wall clock when the link is quiet, so that unanswered first contacts fail
 * on time. Time that runs backwards is ignored.
 */
void detector_tick(struct detector *d, uint64_t ts_us);

/*
 * The capture time (µs since the epoch) at which the earliest pending first
 * contact reaches its deadline, or 0 when none is pending. A live sensor
 * calls detector_tick then, so that a silent target's failure counts at its
 * deadline, not at whatever packet comes next. A contact answered since may
 * still be listed: its tick then finds nothing to do.
 */
uint64_t detector_next_deadline(struct detector *d);

/*
 * The capture has ended (end of a file): every first contact still waiting
 * for its answer reaches its deadline now, and what that decides is reported.
 */
void detector_finish(struct detector *d);

void detector_get_stats(struct detector *d, struct detector_stats *s);

/*
 * The asset list: every `cfg.seen_interval_ms` of capture time (0: never),
 * `fn` is called for each tracked source active since the previous report,
 * and for each host seen answering on an exposed port since then. Sources
 * are the hosts that initiate traffic (connections, datagrams, pings, ARP
 * requests); a host that only answers is reported for its services alone.
 * Each report lists the host's services (h->services). `h` is valid only
 * during the call, which, like the emit callback's, must not call the
 * detector's functions.
 */
typedef void (*detector_seen_fn)(void *arg, const struct seen_host *h);
void detector_set_seen_report(struct detector *d, detector_seen_fn fn, void *arg);
/* Reports now what is due (at the end of a capture). */
void detector_report_seen(struct detector *d);

#endif
