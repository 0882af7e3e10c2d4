/* SPDX-License-Identifier: ISC */
/*
 * sensor_loop: the live capture loop, on the common event loop (loop.h).
 */
#include "sensor.h"

#include <stdio.h>
#include <signal.h>
#include <sys/time.h>

#include "loop.h"

#define LIVE_BATCH 1024
/* How often a quiet link is polled, the output flushed and reports made. */
#define LIVE_TICK_S 0.25

struct live {
	struct sensor *s;
	struct loop *loop;
	struct loop_timer *tick;
	struct loop_timer *due;  /* owned by sensor_run_live: the next first-contact deadline */
	int failed;
};

static uint64_t
wall_us(void)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_usec;
}

/*
 * Wakes the loop at the earliest pending first contact's deadline. Without
 * it a silent target's failure would count only when the next packet (or
 * the 250 ms tick) came: a worm whose probes are as far apart as the
 * deadline would have sent one more probe by then.
 */
static void
arm_due(struct live *l)
{
	uint64_t due = detector_next_deadline(l->s->det), now;

	if (due == 0) {
		loop_timer_cancel(l->due);
		return;
	}
	now = wall_us();
	loop_timer_arm(l->due, due > now ? (double)(due - now) / 1e6 : 0.0);
}

static void
fail(struct live *l)
{
	l->failed = 1;
	loop_stop(l->loop);
}

static void
on_due(void *arg)
{
	struct live *l = arg;
	uint64_t now = wall_us();

	/* What was captured before now first: an answer waiting in the ring
	 * must count as the answer it is, not come after its deadline. */
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		fail(l);
		return;
	}
	detector_tick(l->s->det, now);
	arm_due(l);
}

static void
on_readable(void *arg)
{
	struct live *l = arg;

	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		fail(l);
		return;
	}
	arm_due(l);
}

static void
on_tick(void *arg)
{
	struct live *l = arg;

	loop_timer_arm(l->tick, LIVE_TICK_S);
	/* Retries the connection to the controller and sends what waits. */
	for (size_t i = 0; i < l->s->nout; i++)
		output_flush(l->s->out[i]);
	/* A quiet link: ageing and reports go on. */
	detector_tick(l->s->det, wall_us());
	/* A capture fd may stay quiet while packets wait in the ring: poll it too. */
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		fail(l);
		return;
	}
	arm_due(l);
}

static void
on_signal(void *arg, int sig)
{
	struct live *l = arg;

	if (sig == SIGUSR1) {
		sensor_print_summary(l->s, stderr);
		return;
	}
	loop_stop(l->loop);
}

int
sensor_run_live(struct sensor *s)
{
	struct live l = { s, NULL, NULL, NULL, 0 };
	static const int sigs[3] = { SIGUSR1, SIGINT, SIGTERM };
	int fd = capture_fd(s->cap), i, rc = -1;

	if (fd < 0) {
		fprintf(stderr, "cordon-sensor: %s: the capture offers no descriptor to poll\n", s->source);
		return -1;
	}
	l.loop = loop_new();
	if (l.loop == NULL) {
		fprintf(stderr, "cordon-sensor: cannot create the event loop\n");
		return -1;
	}
	l.tick = loop_timer_new(l.loop, on_tick, &l);
	l.due = loop_timer_new(l.loop, on_due, &l);
	if (l.tick == NULL || l.due == NULL || loop_watch_fd(l.loop, fd, on_readable, &l) != 0) {
		fprintf(stderr, "cordon-sensor: cannot create loop events\n");
		goto out;
	}
	for (i = 0; i < 3; i++)
		if (loop_on_signal(l.loop, sigs[i], on_signal, &l) != 0) {
			fprintf(stderr, "cordon-sensor: cannot create loop events\n");
			goto out;
		}
	loop_timer_arm(l.tick, LIVE_TICK_S);
	/* Confined from here on (sandbox.c): everything the loop needs is open. */
	if (s->confine != NULL)
		s->confine(s);
	if (loop_run(l.loop) == 0 && !l.failed)
		rc = 0;
out:
	loop_timer_free(l.due);
	loop_timer_free(l.tick);
	loop_free(l.loop);
	return rc;
}
