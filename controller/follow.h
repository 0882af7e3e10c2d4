/* SPDX-License-Identifier: ISC */
/*
 * follow: keeping a quarantined host isolated when it moves.
 *
 * A switch's notifications (a MAC learnt on a port, a link that went up or
 * down) and a periodic check both ask the same question: is each quarantined
 * MAC still on the port it was isolated on? Answering it costs SNMP walks, so
 * the requests are queued per (enforcement point, port) and a port already
 * waiting is not queued again: a flapping port or a burst of MAC
 * notifications costs one re-check. The queue is bounded; what does not fit
 * is counted, never silently lost (the periodic check still covers it).
 *
 * follow_decide() compares where a quarantined host was isolated with where
 * locate finds its MAC now. Pure code: no I/O, unit-tested on its own.
 */
#ifndef CORDON_FOLLOW_H
#define CORDON_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "enforce.h"

/* One port to re-check: the point's name and the port's bridge port number (0: the whole point). */
struct follow_item {
	char point[ENF_NAME_LEN];
	int32_t bridge_port;
};

struct follow_stats {
	size_t depth;            /* waiting now */
	size_t max_depth;        /* the most ever waiting */
	uint64_t queued;
	uint64_t merged;         /* requests for a port already waiting */
	uint64_t dropped;        /* the queue was full */
};

struct follow_queue;

/* A queue of at most `cap` ports (cap >= 1). NULL when out of memory. Owned by the caller. */
struct follow_queue *follow_queue_new(size_t cap);
void follow_queue_free(struct follow_queue *q);

/*
 * Asks for a re-check of `bridge_port` on `point` (copied). Returns 1 queued,
 * 0 merged with a request already waiting (or covered by a whole-point one),
 * -1 dropped (full). A whole-point request (bridge_port 0) absorbs the
 * point's waiting port requests.
 */
int follow_queue_push(struct follow_queue *q, const char *point, int32_t bridge_port);

/* The oldest waiting request into *out: 1, or 0 when none waits. */
int follow_queue_pop(struct follow_queue *q, struct follow_item *out);

void follow_queue_stats(const struct follow_queue *q, struct follow_stats *out);

enum follow_verdict {
	FOLLOW_IN_PLACE = 0,     /* on the port it was isolated on */
	FOLLOW_MOVED,            /* found on another port (or another point): isolate there */
	FOLLOW_ABSENT,           /* not in any forwarding table now: nothing to do until it is seen */
	FOLLOW_UNKNOWN,          /* locate failed or refused: keep what is in place, report */
};

/*
 * `isolated` is where the host was isolated; `seen` is locate's answer now
 * (status ENF_OK with a location, ENF_NOT_FOUND, or another status).
 */
enum follow_verdict follow_decide(const struct enf_location *isolated, enum enf_status status,
				  const struct enf_location *seen);

/* "in-place", "moved", "absent", "unknown": static strings. */
const char *follow_verdict_name(enum follow_verdict v);

#endif
