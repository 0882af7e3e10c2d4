/* SPDX-License-Identifier: ISC */
/*
 * follow: the re-check queue and the verdict (see follow.h).
 *
 * The queue is a ring of items in arrival order; finding a waiting port is a
 * linear scan, which is fine for the bound it has (ports waiting at once on
 * a campus are hundreds, not millions, and each costs SNMP walks anyway).
 */
#include "follow.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct follow_queue {
	size_t cap, head, n;
	struct follow_item *items;   /* owned; ring of cap */
	struct follow_stats st;
};

struct follow_queue *follow_queue_new(size_t cap)
{
	if (cap == 0)
		return NULL;
	struct follow_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->items = calloc(cap, sizeof(*q->items));
	if (!q->items) {
		free(q);
		return NULL;
	}
	q->cap = cap;
	return q;
}

void follow_queue_free(struct follow_queue *q)
{
	if (!q)
		return;
	free(q->items);
	free(q);
}

static struct follow_item *at(struct follow_queue *q, size_t i)
{
	return &q->items[(q->head + i) % q->cap];
}

/* Removes the i-th waiting item, keeping the order of the others. */
static void remove_at(struct follow_queue *q, size_t i)
{
	for (size_t k = i; k + 1 < q->n; k++)
		*at(q, k) = *at(q, k + 1);
	q->n--;
}

int follow_queue_push(struct follow_queue *q, const char *point, int32_t bridge_port)
{
	if (bridge_port < 0)
		bridge_port = 0;
	for (size_t i = 0; i < q->n; i++) {
		struct follow_item *it = at(q, i);
		if (strcmp(it->point, point) != 0)
			continue;
		if (it->bridge_port == bridge_port || it->bridge_port == 0) {
			q->st.merged++;
			return 0;
		}
	}
	if (bridge_port == 0) {
		/* The whole point will be re-checked: its waiting ports are part of it. */
		for (size_t i = 0; i < q->n;) {
			if (strcmp(at(q, i)->point, point) == 0) {
				remove_at(q, i);
				q->st.merged++;
			} else {
				i++;
			}
		}
	}
	if (q->n == q->cap) {
		q->st.dropped++;
		return -1;
	}
	struct follow_item *it = at(q, q->n++);
	snprintf(it->point, sizeof(it->point), "%s", point);
	it->bridge_port = bridge_port;
	q->st.queued++;
	if (q->n > q->st.max_depth)
		q->st.max_depth = q->n;
	return 1;
}

int follow_queue_pop(struct follow_queue *q, struct follow_item *out)
{
	if (q->n == 0)
		return 0;
	*out = *at(q, 0);
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return 1;
}

void follow_queue_stats(const struct follow_queue *q, struct follow_stats *out)
{
	*out = q->st;
	out->depth = q->n;
}

enum follow_verdict follow_decide(const struct enf_location *isolated, enum enf_status status,
				  const struct enf_location *seen)
{
	if (status == ENF_NOT_FOUND)
		return FOLLOW_ABSENT;
	if (status != ENF_OK || !seen)
		return FOLLOW_UNKNOWN;
	if (strcmp(isolated->point, seen->point) == 0 && isolated->bridge_port == seen->bridge_port)
		return FOLLOW_IN_PLACE;
	return FOLLOW_MOVED;
}

const char *follow_verdict_name(enum follow_verdict v)
{
	switch (v) {
	case FOLLOW_IN_PLACE: return "in-place";
	case FOLLOW_MOVED: return "moved";
	case FOLLOW_ABSENT: return "absent";
	case FOLLOW_UNKNOWN: return "unknown";
	}
	return "unknown";
}
