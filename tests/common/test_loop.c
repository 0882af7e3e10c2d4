/* SPDX-License-Identifier: ISC */
/*
 * The loop's deferred calls (loop_timer_fire), sub-second timers and fd
 * watches that the caller ends (loop_watch/loop_unwatch), as the SNMP client
 * uses them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include <unistd.h>

#include "loop.h"

struct count {
	struct loop *loop;
	struct loop_timer *t;
	struct loop_watch *w;
	int fd;
	int calls;
	int order;              /* the value of `seq` at the call */
	int *seq;               /* shared between timers: who ran first */
	bool unwatch_self;
	bool in_caller;         /* set while the test is inside loop_timer_fire */
	bool ran_in_caller;
};

static void
counted(void *arg)
{
	struct count *c = arg;

	c->calls++;
	if (c->in_caller)
		c->ran_in_caller = true;
	if (c->seq)
		c->order = ++*c->seq;
}

static void
fire_runs_later_once(void **state)
{
	struct loop *l = loop_new();
	struct count c = {0};

	(void)state;
	assert_non_null(l);
	c.t = loop_timer_new(l, counted, &c);
	assert_non_null(c.t);
	c.in_caller = true;
	loop_timer_fire(c.t);
	loop_timer_fire(c.t);   /* already fired, not yet run: still one call */
	c.in_caller = false;
	assert_int_equal(c.calls, 0);
	/* Without waiting: the deferred call runs in the next round. */
	assert_int_not_equal(loop_run_once(l, false), -1);
	assert_int_equal(c.calls, 1);
	assert_false(c.ran_in_caller);
	assert_int_not_equal(loop_run_once(l, false), -1);
	assert_int_equal(c.calls, 1);
	loop_timer_free(c.t);
	loop_free(l);
}

static void
fire_replaces_delay_and_cancel_withdraws(void **state)
{
	struct loop *l = loop_new();
	struct count c = {0};

	(void)state;
	assert_non_null(l);
	c.t = loop_timer_new(l, counted, &c);
	assert_non_null(c.t);
	loop_timer_arm(c.t, 3600);
	loop_timer_fire(c.t);
	assert_int_not_equal(loop_run_once(l, false), -1);
	assert_int_equal(c.calls, 1);
	/* The hour-long delay went with the call: nothing is left to wait for. */
	assert_int_equal(loop_run_once(l, true), 1);

	loop_timer_fire(c.t);
	loop_timer_cancel(c.t);
	assert_int_equal(loop_run_once(l, false), 1);
	assert_int_equal(c.calls, 1);
	loop_timer_free(c.t);
	loop_free(l);
}

static void
stop_on_call(void *arg)
{
	struct count *c = arg;

	counted(c);
	loop_stop(c->loop);
}

static void
timers_keep_sub_second_order(void **state)
{
	struct loop *l = loop_new();
	int seq = 0;
	struct count early = {.loop = l, .seq = &seq}, late = {.loop = l, .seq = &seq};
	double t0;

	(void)state;
	assert_non_null(l);
	early.t = loop_timer_new(l, counted, &early);
	late.t = loop_timer_new(l, stop_on_call, &late);
	assert_non_null(early.t);
	assert_non_null(late.t);
	/* Armed late first: only the fractions of a second order them. */
	loop_timer_arm(late.t, 0.25);
	loop_timer_arm(early.t, 0.05);
	t0 = loop_now();
	assert_int_equal(loop_run_for(l, 10), 0);
	assert_int_equal(early.calls, 1);
	assert_int_equal(late.calls, 1);
	assert_int_equal(early.order, 1);
	assert_int_equal(late.order, 2);
	/* The later one waited its quarter second (wall clock: a margin for its steps). */
	assert_true(loop_now() - t0 >= 0.2);
	loop_timer_free(early.t);
	loop_timer_free(late.t);
	loop_free(l);
}

static void
on_readable(void *arg)
{
	struct count *c = arg;
	char b;

	c->calls++;
	assert_int_equal(read(c->fd, &b, 1), 1);
	if (c->unwatch_self) {
		loop_unwatch(c->w);
		c->w = NULL;
	}
}

static void
unwatch_stops_calls(void **state)
{
	struct loop *l = loop_new();
	struct count c = {0};
	int p[2];

	(void)state;
	assert_non_null(l);
	assert_int_equal(pipe(p), 0);
	c.fd = p[0];
	c.w = loop_watch(l, p[0], on_readable, &c);
	assert_non_null(c.w);
	assert_int_equal(write(p[1], "a", 1), 1);
	assert_int_not_equal(loop_run_once(l, true), -1);
	assert_int_equal(c.calls, 1);

	loop_unwatch(c.w);
	c.w = NULL;
	assert_int_equal(write(p[1], "b", 1), 1);
	/* Nothing is registered any more, although the pipe is readable. */
	assert_int_equal(loop_run_once(l, false), 1);
	assert_int_equal(c.calls, 1);

	/* From its own callback: one call, although a byte is still waiting. */
	c.w = loop_watch(l, p[0], on_readable, &c);
	assert_non_null(c.w);
	c.unwatch_self = true;
	assert_int_equal(write(p[1], "c", 1), 1);
	assert_int_not_equal(loop_run_once(l, true), -1);
	assert_int_equal(c.calls, 2);
	assert_null(c.w);
	assert_int_equal(loop_run_once(l, false), 1);
	assert_int_equal(c.calls, 2);
	loop_unwatch(NULL);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fire_runs_later_once),
		cmocka_unit_test(fire_replaces_delay_and_cancel_withdraws),
		cmocka_unit_test(timers_keep_sub_second_order),
		cmocka_unit_test(unwatch_stops_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
