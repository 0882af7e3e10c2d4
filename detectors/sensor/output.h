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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lines queued at most, both classes together. */
#define OUTPUT_QUEUE_LINES 8192
/* Addresses of a tcp: host kept at most (tried in order). */
#define OUTPUT_MAX_ADDRS 8

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
 * `spec` is "-" (stdout), "unix:PATH", "tcp:HOST:PORT" ("tcp:[V6]:PORT") or
 * "tls:HOST:PORT" (TLS with a client certificate: output_set_tls).
 * Returns NULL with a message in err when the spec is malformed; a peer that
 * is not there yet is not an error (lines wait in the queue).
 */
struct output *output_open(const char *spec, char *err, size_t errlen);

/*
 * Gets the output going before the program gives up its privileges: a
 * tcp: host name is resolved here, once (reconnects use these addresses, so
 * that a confined sensor needs no resolver, files or name service), and a
 * first connection is tried. Optional: without it a tcp: host is resolved
 * on the first connect. Returns 0, or -1 with err when the host does not
 * resolve; a peer that is not listening yet is not an error.
 */
int output_start(struct output *o, char *err, size_t errlen);
/* tls:HOST:PORT outputs: whether this is one, and the client context it
 * uses (tls.h; borrowed, outliving the output), set before output_start. */
struct tls_ctx;
bool output_wants_tls(const struct output *o);
void output_set_tls(struct output *o, struct tls_ctx *tls);

/*
 * What reconnecting needs (for the sandbox): the address families of the
 * sockets a reconnect opens (none for stdout), and whether it finds its
 * peer by a path in the file system (unix:).
 */
struct output_reach {
	int families[OUTPUT_MAX_ADDRS];
	size_t nfamilies;
	int by_path;
};
void output_reach(const struct output *o, struct output_reach *r);

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
