/* SPDX-License-Identifier: ISC */
/*
 * output: where the sensor sends its detection events (JSON lines): standard
 * output, a Unix stream socket or a TCP connection to the controller.
 *
 * Lines go through bounded queues, one per class: detections and asset
 * ("seen") reports. When the peer is away or slow the lines wait and the
 * connection is retried (at most once a second). Detections go first: queued
 * asset reports are sent only when no detection waits, and the queues share
 * OUTPUT_QUEUE_LINES lines. When they are full, a new line of either class
 * makes room by dropping the oldest asset report; only when no asset report
 * is left to drop is a detection dropped. Every drop is counted per class.
 * A line partly written is finished before any other is started, and is
 * never dropped; a reconnect sends it again whole.
 */
#ifndef CORDON_OUTPUT_H
#define CORDON_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* Lines queued at most, both classes together. */
#define OUTPUT_QUEUE_LINES 8192

struct output;

enum output_class {
	OUTPUT_DETECTION = 0,
	OUTPUT_SEEN,           /* asset reports: dropped first */
	OUTPUT_CLASSES
};

/* Per class, indexed by enum output_class. */
struct output_stats {
	uint64_t sent[OUTPUT_CLASSES];
	uint64_t dropped[OUTPUT_CLASSES];  /* lost because the queues were full */
	uint64_t queued[OUTPUT_CLASSES];   /* waiting now */
	uint64_t reconnects;
};

/*
 * `spec` is "-" (stdout), "unix:PATH" or "tcp:HOST:PORT" ("tcp:[V6]:PORT").
 * Returns NULL with a message in err when the spec is malformed; a peer that
 * is not there yet is not an error (lines wait in the queue).
 */
struct output *output_open(const char *spec, char *err, size_t errlen);

/*
 * Queues one line (with its '\n') of class `cls` and tries to send what is
 * queued. The text is copied.
 */
void output_line(struct output *o, enum output_class cls, const char *line,
    size_t len);

/* Tries to (re)connect and send the queues. Returns the number of lines still
 * queued, both classes. */
size_t output_flush(struct output *o);

/* Flushes for at most `timeout_ms`, retrying. Returns the number still queued. */
size_t output_drain(struct output *o, unsigned timeout_ms);

/* Last connection error, for the summary ("" when none). */
const char *output_error(const struct output *o);

void output_get_stats(const struct output *o, struct output_stats *s);
void output_close(struct output *o);

#endif
