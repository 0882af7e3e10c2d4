/*
 * output: where the sensor sends its detection events (JSON lines): standard
 * output, a Unix stream socket or a TCP connection to the controller.
 *
 * Lines go through a bounded queue. When the peer is away the queue keeps
 * them and the connection is retried (at most once a second); only when the
 * queue is full is a line dropped, and counted.
 */
#ifndef CORDON_OUTPUT_H
#define CORDON_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#define OUTPUT_QUEUE_LINES 8192

struct output;

struct output_stats {
	uint64_t sent;
	uint64_t dropped;    /* lost because the queue was full */
	uint64_t queued;     /* waiting now */
	uint64_t reconnects;
};

/*
 * `spec` is "-" (stdout), "unix:PATH" or "tcp:HOST:PORT" ("tcp:[V6]:PORT").
 * Returns NULL with a message in err when the spec is malformed; a peer that
 * is not there yet is not an error (lines wait in the queue).
 */
struct output *output_open(const char *spec, char *err, size_t errlen);

/* Queues one line (with its '\n') and tries to send what is queued. */
void output_line(struct output *o, const char *line, size_t len);

/* Tries to (re)connect and send the queue. Returns the number still queued. */
size_t output_flush(struct output *o);

/* Flushes for at most `timeout_ms`, retrying. Returns the number still queued. */
size_t output_drain(struct output *o, unsigned timeout_ms);

/* Last connection error, for the summary ("" when none). */
const char *output_error(const struct output *o);

void output_get_stats(const struct output *o, struct output_stats *s);
void output_close(struct output *o);

#endif
