/* SPDX-License-Identifier: ISC */
/*
 * sensor_loop: the live capture loop on libevent, the one module of the
 * sensor that includes it.
 */
#include "sensor.h"

#include <event2/event.h>
#include <stdio.h>
#include <signal.h>
#include <sys/time.h>

#define LIVE_BATCH 1024

struct live {
	struct sensor *s;
	struct event_base *base;
	struct event *ev_due;   /* owned by sensor_run_live: the next first-contact deadline */
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
	uint64_t due = detector_next_deadline(l->s->det), now, wait;
	struct timeval tv;

	if (due == 0) {
		evtimer_del(l->ev_due);
		return;
	}
	now = wall_us();
	wait = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(wait / 1000000);
	tv.tv_usec = (suseconds_t)(wait % 1000000);
	evtimer_add(l->ev_due, &tv);
}

static void
on_due(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;
	uint64_t now = wall_us();

	(void)fd;
	(void)what;
	/* What was captured before now first: an answer waiting in the ring
	 * must count as the answer it is, not come after its deadline. */
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		l->failed = 1;
		event_base_loopbreak(l->base);
		return;
	}
	detector_tick(l->s->det, now);
	arm_due(l);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	(void)fd;
	(void)what;
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		l->failed = 1;
		event_base_loopbreak(l->base);
		return;
	}
	arm_due(l);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	(void)fd;
	(void)what;
	/* Retries the connection to the controller and sends what waits. */
	output_flush(l->s->out);
	/* A quiet link: ageing and reports go on. */
	detector_tick(l->s->det, wall_us());
	/* A capture fd may stay quiet while packets wait in the ring: poll it too. */
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		l->failed = 1;
		event_base_loopbreak(l->base);
		return;
	}
	arm_due(l);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct live *l = arg;

	(void)what;
	if (sig == SIGUSR1) {
		sensor_print_summary(l->s, stderr);
		return;
	}
	event_base_loopbreak(l->base);
}

int
sensor_run_live(struct sensor *s)
{
	struct live l = { s, NULL, NULL, 0 };
	struct event *ev_read = NULL, *ev_tick = NULL, *ev_sig[3] = { NULL, NULL, NULL };
	static const int sigs[3] = { SIGUSR1, SIGINT, SIGTERM };
	struct timeval tick = { 0, 250000 };
	int fd = capture_fd(s->cap), i, rc = -1;

	if (fd < 0) {
		fprintf(stderr, "cordon-sensor: %s: the capture offers no descriptor to poll\n", s->source);
		return -1;
	}
	l.base = event_base_new();
	if (l.base == NULL) {
		fprintf(stderr, "cordon-sensor: cannot create the event loop\n");
		return -1;
	}
	ev_read = event_new(l.base, fd, EV_READ | EV_PERSIST, on_readable, &l);
	ev_tick = event_new(l.base, -1, EV_PERSIST, on_tick, &l);
	l.ev_due = evtimer_new(l.base, on_due, &l);
	for (i = 0; i < 3; i++)
		ev_sig[i] = evsignal_new(l.base, sigs[i], on_signal, &l);
	if (ev_read == NULL || ev_tick == NULL || l.ev_due == NULL || ev_sig[0] == NULL ||
	    ev_sig[1] == NULL || ev_sig[2] == NULL) {
		fprintf(stderr, "cordon-sensor: cannot create loop events\n");
		goto out;
	}
	event_add(ev_read, NULL);
	event_add(ev_tick, &tick);
	for (i = 0; i < 3; i++)
		event_add(ev_sig[i], NULL);
	event_base_dispatch(l.base);
	rc = l.failed ? -1 : 0;
out:
	for (i = 0; i < 3; i++)
		if (ev_sig[i])
			event_free(ev_sig[i]);
	if (l.ev_due)
		event_free(l.ev_due);
	if (ev_tick)
		event_free(ev_tick);
	if (ev_read)
		event_free(ev_read);
	event_base_free(l.base);
	return rc;
}
