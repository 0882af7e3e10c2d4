/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of follow (controller/follow.c): the per-port re-check queue
 * (de-duplication, whole-point requests absorbing port ones, the bound and
 * its counters, arrival order) and the verdict on a quarantined host's
 * location.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "follow.h"

static void test_queue_merges_a_waiting_port(void **state)
{
	(void)state;
	struct follow_queue *q = follow_queue_new(8);
	struct follow_stats st;
	struct follow_item it;
	assert_non_null(q);
	assert_int_equal(follow_queue_push(q, "edge1", 3), 1);
	assert_int_equal(follow_queue_push(q, "edge1", 3), 0);   /* flapping port: once */
	assert_int_equal(follow_queue_push(q, "edge1", 4), 1);
	assert_int_equal(follow_queue_push(q, "edge2", 3), 1);   /* same port number, other switch */
	follow_queue_stats(q, &st);
	assert_int_equal(st.depth, 3);
	assert_int_equal(st.merged, 1);
	assert_int_equal(st.queued, 3);
	assert_int_equal(follow_queue_pop(q, &it), 1);
	assert_string_equal(it.point, "edge1");
	assert_int_equal(it.bridge_port, 3);
	/* Popped: the same port may be asked for again. */
	assert_int_equal(follow_queue_push(q, "edge1", 3), 1);
	assert_int_equal(follow_queue_pop(q, &it), 1);
	assert_int_equal(it.bridge_port, 4);
	follow_queue_free(q);
}

static void test_whole_point_absorbs_ports(void **state)
{
	(void)state;
	struct follow_queue *q = follow_queue_new(8);
	struct follow_stats st;
	struct follow_item it;
	follow_queue_push(q, "edge1", 3);
	follow_queue_push(q, "edge2", 7);
	follow_queue_push(q, "edge1", 5);
	assert_int_equal(follow_queue_push(q, "edge1", 0), 1);
	assert_int_equal(follow_queue_push(q, "edge1", 9), 0);   /* covered by the whole point */
	follow_queue_stats(q, &st);
	assert_int_equal(st.depth, 2);
	assert_int_equal(st.merged, 3);
	assert_int_equal(follow_queue_pop(q, &it), 1);
	assert_string_equal(it.point, "edge2");
	assert_int_equal(follow_queue_pop(q, &it), 1);
	assert_string_equal(it.point, "edge1");
	assert_int_equal(it.bridge_port, 0);
	assert_int_equal(follow_queue_pop(q, &it), 0);
	follow_queue_free(q);
}

static void test_bound_counts_drops_and_order_survives_wrap(void **state)
{
	(void)state;
	struct follow_queue *q = follow_queue_new(3);
	struct follow_stats st;
	struct follow_item it;
	for (int p = 1; p <= 3; p++)
		assert_int_equal(follow_queue_push(q, "edge1", p), 1);
	assert_int_equal(follow_queue_push(q, "edge1", 4), -1);
	follow_queue_pop(q, &it);
	follow_queue_pop(q, &it);
	assert_int_equal(follow_queue_push(q, "edge1", 5), 1);   /* wraps around the ring */
	assert_int_equal(follow_queue_push(q, "edge1", 6), 1);
	follow_queue_stats(q, &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.max_depth, 3);
	int want[] = {3, 5, 6};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(follow_queue_pop(q, &it), 1);
		assert_int_equal(it.bridge_port, want[i]);
	}
	assert_null(follow_queue_new(0));
	follow_queue_free(q);
}

static void test_verdicts(void **state)
{
	(void)state;
	struct enf_location isolated, seen;
	memset(&isolated, 0, sizeof(isolated));
	snprintf(isolated.point, sizeof(isolated.point), "edge1");
	isolated.bridge_port = 3;
	seen = isolated;
	assert_int_equal(follow_decide(&isolated, ENF_OK, &seen), FOLLOW_IN_PLACE);
	seen.bridge_port = 7;
	assert_int_equal(follow_decide(&isolated, ENF_OK, &seen), FOLLOW_MOVED);
	seen.bridge_port = 3;
	snprintf(seen.point, sizeof(seen.point), "edge2");
	assert_int_equal(follow_decide(&isolated, ENF_OK, &seen), FOLLOW_MOVED);
	assert_int_equal(follow_decide(&isolated, ENF_NOT_FOUND, NULL), FOLLOW_ABSENT);
	assert_int_equal(follow_decide(&isolated, ENF_REFUSED, &seen), FOLLOW_UNKNOWN);
	assert_int_equal(follow_decide(&isolated, ENF_TIMEOUT, NULL), FOLLOW_UNKNOWN);
	assert_string_equal(follow_verdict_name(FOLLOW_MOVED), "moved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_merges_a_waiting_port),
		cmocka_unit_test(test_whole_point_absorbs_ports),
		cmocka_unit_test(test_bound_counts_drops_and_order_survives_wrap),
		cmocka_unit_test(test_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
