/* SPDX-License-Identifier: ISC */
/*
 * The loop's deferred calls (loop_timer_fire), sub-second timers and fd
 * watches that the caller ends (loop_watch/loop_unwatch), as the SNMP client
 * uses them; and the limits of a line server (loop_server_set_limits) with a
 * client on a Unix socket in the same process: back-pressure (pause_above),
 * the output cap (close_above) and the idle timeout (idle_s).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* ---- a line server's limits ----------------------------------------------- */

/*
 * The server answers each line "N" with N bytes ("x"... and a '\n'), so that
 * the client chooses how much output each request makes. Connections are
 * told apart by the first byte of their first line (loop_conn_data).
 */
struct lsrv {
	struct loop *loop;
	struct loop_server *s;
	struct loop_timer *guard;       /* bounds each wait of lsrv_step */
	char dir[64];
	char path[96];
	struct loop_limits lim;
	struct loop_conn *conn;         /* the latest connection that sent a line */
	int lines;                      /* lines answered, all connections */
	int closes;                     /* on_close calls */
	int limits;                     /* on_limit calls */
	int closes_of_b;                /* on_close of the connection whose lines start 'b' */
	int lines_after_close;          /* on_line of a connection already limited */
	int write_failed;               /* loop_conn_write returned -1 */
	int closes_at_write_failure;    /* on_close calls by then */
	size_t queued;                  /* bytes loop_conn_write took */
	size_t max_pending;             /* the most output seen waiting before a line's answer */
	bool watch_resume;              /* record the output waiting at the next line */
	size_t pending_at_resume;
	bool resumed;
	char why[160];                  /* on_limit's reason, the last one */
};

static void
lsrv_line(void *arg, struct loop_conn *c, const char *line, size_t len)
{
	struct lsrv *s = arg;
	size_t n = (size_t)strtoul(line[0] == 'b' ? line + 1 : line, NULL, 10);
	size_t pending = loop_conn_pending(c);
	char *reply;

	(void)len;
	if (loop_conn_data(c) == NULL)
		loop_conn_set_data(c, line[0] == 'b' ? (void *)"b" : (void *)"-");
	if (s->limits > 0 && c == s->conn)
		s->lines_after_close++;
	s->conn = c;
	s->lines++;
	if (pending > s->max_pending)
		s->max_pending = pending;
	if (s->watch_resume && !s->resumed) {
		s->resumed = true;
		s->pending_at_resume = pending;
	}
	if (n == 0)
		return;
	reply = malloc(n);
	assert_non_null(reply);
	memset(reply, 'x', n);
	reply[n - 1] = '\n';
	if (loop_conn_write(c, reply, n) == 0)
		s->queued += n;
	else if (s->write_failed++ == 0)
		s->closes_at_write_failure = s->closes;
	free(reply);
}

static void
lsrv_close(void *arg, struct loop_conn *c)
{
	struct lsrv *s = arg;
	const char *tag = loop_conn_data(c);

	s->closes++;
	if (tag != NULL && tag[0] == 'b')
		s->closes_of_b++;
	if (c == s->conn)
		s->conn = NULL;
}

static void
lsrv_limit(void *arg, struct loop_conn *c, const char *why)
{
	struct lsrv *s = arg;

	(void)c;
	s->limits++;
	snprintf(s->why, sizeof(s->why), "%s", why);
}

static const struct loop_conn_ops lsrv_ops = { lsrv_line, NULL, lsrv_close, NULL, lsrv_limit,
	NULL, NULL };

/* The files of the running test's server, until lsrv_stop, for lsrv_teardown
 * to remove after a failed test (copies: the test's frame is gone then). */
static char lsrv_left_dir[64], lsrv_left_path[96];

static void
guard_fired(void *arg)
{
	(void)arg;
}

static void
lsrv_start(struct lsrv *s, const struct loop_limits *lim)
{
	char spec[128], err[256];

	memset(s, 0, sizeof(*s));
	s->loop = loop_new();
	assert_non_null(s->loop);
	snprintf(s->dir, sizeof(s->dir), "/tmp/cordon-test-loop.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/s.sock", s->dir);
	snprintf(spec, sizeof(spec), "unix:%s", s->path);
	memcpy(lsrv_left_dir, s->dir, sizeof(lsrv_left_dir));
	memcpy(lsrv_left_path, s->path, sizeof(lsrv_left_path));
	s->s = loop_listen(s->loop, spec, 0600, (gid_t)-1, 1024, &lsrv_ops, s, err, sizeof(err));
	if (s->s == NULL)
		fail_msg("loop_listen: %s", err);
	s->lim = *lim;
	loop_server_set_limits(s->s, lim);
	s->guard = loop_timer_new(s->loop, guard_fired, NULL);
	assert_non_null(s->guard);
}

/* One round of the loop, waiting for something to be ready, 0.1 s at most:
 * a test waiting for an event that never comes still reaches its deadline. */
static void
lsrv_step(struct lsrv *s)
{
	loop_timer_arm(s->guard, 0.1);
	assert_int_not_equal(loop_run_once(s->loop, true), -1);
}

static void
lsrv_stop(struct lsrv *s)
{
	loop_timer_free(s->guard);
	loop_free(s->loop);
	rmdir(s->dir);
	lsrv_left_dir[0] = lsrv_left_path[0] = '\0';
}

/* After a failed test (an assertion may have left from inside a callback of
 * the loop, which is not freed then): only its files are removed. */
static int
lsrv_teardown(void **state)
{
	(void)state;
	if (lsrv_left_dir[0]) {
		unlink(lsrv_left_path);
		rmdir(lsrv_left_dir);
		lsrv_left_dir[0] = lsrv_left_path[0] = '\0';
	}
	return 0;
}

/* A client socket connected to the server, non-blocking. */
static int
lsrv_connect(struct lsrv *s)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	return fd;
}

/*
 * A client that asks: sends up to `max` more lines of `line` (with its
 * '\n'), as much as the socket takes without blocking. `*sent` counts the
 * bytes sent so far on this socket (a line may be cut between two calls).
 * Returns false when the socket took nothing (full, or closed by the server).
 */
static bool
client_send(int fd, const char *line, int max, size_t *sent)
{
	size_t ll = strlen(line);
	char buf[4096];
	size_t n = 0, off = *sent % ll, want;
	ssize_t w;

	/* The rest of a line cut last time, then whole lines. */
	while (n + ll <= sizeof(buf) && (int)(n / ll) < max) {
		memcpy(buf + n, line, ll);
		n += ll;
	}
	want = n - off;
	w = send(fd, buf + off, want, MSG_NOSIGNAL);
	if (w < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EPIPE ||
		    errno == ECONNRESET);
		return false;
	}
	*sent += (size_t)w;
	return w > 0;
}

/* Reads what the socket has, without blocking, adding the bytes to *got
 * (NULL: not counted). Returns true at end of file (the server closed). */
static bool
client_drain(int fd, size_t *got)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0) {
			if (got != NULL)
				*got += (size_t)r;
			continue;
		}
		if (r == 0)
			return true;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return false;
	}
}

/*
 * pause_above: a client that sends requests and reads nothing is no longer
 * read from once more than pause_above of output waits (its requests stay
 * unanswered, the rest in its socket), and is not closed for it; reading
 * resumes once the output has drained to half of pause_above or less.
 */
static void
pause_stops_reading_until_output_drains(void **state)
{
	/* Half of pause_above is more than libevent writes at a time (16 KiB):
	 * the output drains past pause_above in steps, and reading must wait
	 * for the step that takes it to half or less. */
	const struct loop_limits lim = { .pause_above = 65536, .close_above = 262144 };
	struct lsrv s;
	size_t sent = 0;
	int fd, lines, i;
	double deadline;
	bool full = false;

	(void)state;
	lsrv_start(&s, &lim);
	fd = lsrv_connect(&s);

	/* Asks for 4 KiB answers until its socket takes no more, reading none. */
	deadline = loop_now() + 10;
	while (s.closes == 0 && loop_now() < deadline) {
		full = !client_send(fd, "4096\n", 16, &sent);
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
		if (full && s.conn != NULL && loop_conn_pending(s.conn) > lim.pause_above)
			break;
	}
	/* Held back, not closed (close_above is never reached). */
	assert_int_equal(s.limits, 0);
	assert_int_equal(s.closes, 0);
	assert_true(full);
	assert_non_null(s.conn);
	/* Read up to the line whose answer went past pause_above, and no further. */
	assert_true(loop_conn_pending(s.conn) > lim.pause_above);
	assert_true(loop_conn_pending(s.conn) <= lim.pause_above + 4096);
	assert_true((size_t)s.lines < sent / 5);
	/* Nothing more is read, however long the loop runs; the client's
	 * requests wait (its socket stays full). */
	lines = s.lines;
	for (i = 0; i < 50; i++)
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
	assert_int_equal(loop_run_for(s.loop, 0.2), 0);
	assert_int_equal(s.lines, lines);
	assert_false(client_send(fd, "4096\n", 16, &sent));
	assert_int_equal(s.closes, 0);
	assert_true(s.max_pending <= lim.pause_above);

	/* The client reads its answers: reading resumes, with at most half of
	 * pause_above waiting. */
	s.watch_resume = true;
	deadline = loop_now() + 10;
	while (!s.resumed && loop_now() < deadline) {
		assert_false(client_drain(fd, NULL));
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
	}
	assert_true(s.resumed);
	assert_true(s.pending_at_resume <= lim.pause_above / 2);
	assert_true(s.lines > lines);
	assert_int_equal(s.closes, 0);
	assert_int_equal(s.limits, 0);
	close(fd);
	lsrv_stop(&s);
}

/*
 * close_above: a client that asks and never reads, on a server that does not
 * pause, is closed once more than close_above of output waits; its output is
 * dropped (it gets less than was answered, then end of file), on_limit says
 * why and on_close is called once.
 */
static void
close_above_closes_a_reader_that_does_not_read(void **state)
{
	const struct loop_limits lim = { .close_above = 65536 };
	struct lsrv s;
	size_t sent = 0, got = 0;
	int fd, i;
	bool eof = false;
	double deadline;

	(void)state;
	lsrv_start(&s, &lim);
	fd = lsrv_connect(&s);

	/* A few requests a round: the kernel's socket buffer fills first, then
	 * the server's output. */
	deadline = loop_now() + 10;
	while (s.limits == 0 && loop_now() < deadline) {
		client_send(fd, "4096\n", 4, &sent);
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
		if (s.conn != NULL)
			assert_true(loop_conn_pending(s.conn) <= lim.close_above);
	}
	assert_int_equal(s.limits, 1);
	assert_non_null(strstr(s.why, "more than 65536"));
	assert_int_equal(s.write_failed, 1);
	/* Closed from the loop, not from inside the write. */
	assert_int_equal(s.closes_at_write_failure, 0);

	deadline = loop_now() + 10;
	while (!eof && loop_now() < deadline) {
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
		eof = client_drain(fd, &got);
	}
	assert_true(eof);
	assert_int_equal(s.closes, 1);
	/* Everything it was sent had been answered; not all of it arrived. */
	assert_true(got < s.queued);
	assert_true(s.queued - got > lim.close_above - 4096);
	/* Once: nothing more comes of it. */
	for (i = 0; i < 20; i++)
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
	assert_int_equal(loop_run_for(s.loop, 0.1), 0);
	assert_int_equal(s.closes, 1);
	assert_int_equal(s.limits, 1);
	assert_int_equal(s.lines_after_close, 0);
	close(fd);
	lsrv_stop(&s);
}

struct idle_run {
	struct lsrv *s;
	struct loop_timer *t;
	int fd;                 /* the busy client */
	size_t sent;
	bool eof;               /* the busy client was closed by the server */
};

/* The busy client: one line every 50 ms, reading its answers. */
static void
idle_tick(void *arg)
{
	struct idle_run *r = arg;

	if (client_drain(r->fd, NULL))
		r->eof = true;
	client_send(r->fd, "b8\n", 1, &r->sent);
	loop_timer_arm(r->t, 0.05);
}

/*
 * idle_s: a client that connects and sends nothing is closed after idle_s
 * (on_limit says so, on_close once, the client sees end of file), while one
 * that keeps sending lines (and reads its answers) stays open.
 */
static void
idle_closes_quiet_connections_only(void **state)
{
	const struct loop_limits lim = { .idle_s = 0.5 };
	struct lsrv s;
	struct idle_run busy = {0};
	int quiet;
	double t0, closed_at = 0, deadline;
	char b;

	(void)state;
	lsrv_start(&s, &lim);
	busy.s = &s;
	busy.t = loop_timer_new(s.loop, idle_tick, &busy);
	assert_non_null(busy.t);

	t0 = loop_now();
	quiet = lsrv_connect(&s);
	busy.fd = lsrv_connect(&s);
	idle_tick(&busy);
	/* Until the quiet one is closed, 5 s at most. */
	deadline = t0 + 5;
	while (closed_at == 0 && loop_now() < deadline) {
		lsrv_step(&s);
		if (recv(quiet, &b, 1, MSG_DONTWAIT) == 0)
			closed_at = loop_now();
	}
	assert_true(closed_at > 0);
	/* Not before idle_s (20 ms: libevent's clock is a coarse one, ours is
	 * the wall clock), nor long after. */
	assert_true(closed_at - t0 >= lim.idle_s - 0.02);
	assert_true(closed_at - t0 < lim.idle_s + 2);
	assert_int_equal(s.limits, 1);
	assert_non_null(strstr(s.why, "nothing received for 0.5 s"));
	assert_int_equal(s.closes, 1);
	assert_int_equal(s.closes_of_b, 0);

	/* The busy one, three idle timeouts on. */
	deadline = t0 + 4 * lim.idle_s;
	while (loop_now() < deadline)
		lsrv_step(&s);
	assert_false(busy.eof);
	assert_int_equal(s.closes_of_b, 0);
	assert_int_equal(s.closes, 1);
	assert_true(s.lines >= 20);

	loop_timer_free(busy.t);
	close(quiet);
	close(busy.fd);
	lsrv_stop(&s);
}

/*
 * idle_s with output waiting: a client that leaves an answer unread is
 * closed after idle_s of its output not moving, also while it goes on
 * sending lines (here one in every round of the loop), each answered.
 */
static void
idle_closes_unread_output_while_lines_come(void **state)
{
	const struct loop_limits lim = { .idle_s = 0.5 };
	struct lsrv s;
	size_t sent = 0;
	int fd;
	bool eof = false;
	double t0, deadline;

	(void)state;
	lsrv_start(&s, &lim);
	fd = lsrv_connect(&s);
	/* An answer of 4 MiB, more than the socket buffers hold. */
	client_send(fd, "4194304\n", 1, &sent);
	t0 = loop_now();
	deadline = t0 + 5;
	while (s.limits == 0 && loop_now() < deadline) {
		client_send(fd, "8\n", 1, &sent);
		lsrv_step(&s);
	}
	assert_int_equal(s.limits, 1);
	assert_non_null(strstr(s.why, "of output not read for 0.5 s"));
	assert_true(loop_now() - t0 >= lim.idle_s - 0.02);
	assert_true(loop_now() - t0 < lim.idle_s + 2);
	/* It was read from meanwhile: only its output stood still. */
	assert_true(s.lines > 10);
	deadline = loop_now() + 5;
	while (!eof && loop_now() < deadline) {
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
		eof = client_drain(fd, NULL);
	}
	assert_true(eof);
	assert_int_equal(s.closes, 1);
	close(fd);
	lsrv_stop(&s);
}

/*
 * A client that shuts down its sending side after its request (as socat
 * does at the end of its input) gets its whole answer, larger than the
 * socket buffers, and then end of file; on_close once. One that shuts down
 * its side and does not read is closed after idle_s all the same.
 */
static void
half_closed_client_gets_its_whole_answer(void **state)
{
	const struct loop_limits lim = { .idle_s = 1, .pause_above = 65536, .close_above = 4194304 };
	struct lsrv s;
	size_t sent = 0, got = 0;
	int fd;
	bool eof = false;
	double deadline;

	(void)state;
	lsrv_start(&s, &lim);
	fd = lsrv_connect(&s);
	assert_true(client_send(fd, "1000000\n", 1, &sent));
	assert_int_equal(sent, 8);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	deadline = loop_now() + 10;
	while (!eof && loop_now() < deadline) {
		assert_int_not_equal(loop_run_once(s.loop, false), -1);
		eof = client_drain(fd, &got);
	}
	assert_true(eof);
	assert_int_equal(s.lines, 1);
	assert_int_equal(got, 1000000);
	assert_int_equal(s.closes, 1);
	assert_int_equal(s.limits, 0);
	close(fd);

	/* One that shuts down its side and reads nothing is still closed
	 * after idle_s, its output dropped. */
	fd = lsrv_connect(&s);
	sent = 0;
	assert_true(client_send(fd, "1000000\n", 1, &sent));
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	deadline = loop_now() + 10;
	while (s.closes < 2 && loop_now() < deadline)
		lsrv_step(&s);
	assert_int_equal(s.closes, 2);
	assert_int_equal(s.limits, 1);
	assert_non_null(strstr(s.why, "of output not read for 1 s"));
	close(fd);
	lsrv_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fire_runs_later_once),
		cmocka_unit_test(fire_replaces_delay_and_cancel_withdraws),
		cmocka_unit_test(timers_keep_sub_second_order),
		cmocka_unit_test(unwatch_stops_calls),
		cmocka_unit_test_teardown(pause_stops_reading_until_output_drains, lsrv_teardown),
		cmocka_unit_test_teardown(close_above_closes_a_reader_that_does_not_read, lsrv_teardown),
		cmocka_unit_test_teardown(idle_closes_quiet_connections_only, lsrv_teardown),
		cmocka_unit_test_teardown(idle_closes_unread_output_while_lines_come, lsrv_teardown),
		cmocka_unit_test_teardown(half_closed_client_gets_its_whole_answer, lsrv_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
