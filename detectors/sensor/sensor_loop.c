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
	int failed;
};

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	(void)fd;
	(void)what;
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		l->failed = 1;
		event_base_loopbreak(l->base);
	}
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct live *l = arg;

	(void)fd;
	(void)what;
	/* Retries the connection to the controller and sends what waits. */
	output_flush(l->s->out);
	/* A quiet link: unanswered first contacts still fail on time. */
	{
		struct timeval now;
		gettimeofday(&now, NULL);
		detector_tick(l->s->det, (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_usec);
	}
	/* A capture fd may stay quiet while packets wait in the ring: poll it too. */
	if (sensor_dispatch(l->s, LIVE_BATCH) < 0) {
		l->failed = 1;
		event_base_loopbreak(l->base);
	}
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
	struct live l = { s, NULL, 0 };
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
	for (i = 0; i < 3; i++)
		ev_sig[i] = evsignal_new(l.base, sigs[i], on_signal, &l);
	if (ev_read == NULL || ev_tick == NULL || ev_sig[0] == NULL ||
	    ev_sig[1] == NULL || ev_sig[2] == NULL) {
		fprintf(stderr, "cordon-sensor: cannot create loop events\n");
		goto out;
	}
	event_add(ev_read, NULL);
	event_add(ev_tick, &tick);
	for (i = 0; i < 3; i++)
		event_add(ev_sig[i], NULL);
	if (s->confine != NULL)
		s->confine(s);
	event_base_dispatch(l.base);
	rc = l.failed ? -1 : 0;
out:
	for (i = 0; i < 3; i++)
		if (ev_sig[i])
			event_free(ev_sig[i]);
	if (ev_tick)
		event_free(ev_tick);
	if (ev_read)
		event_free(ev_read);
	event_base_free(l.base);
	return rc;
}
