/* SPDX-License-Identifier: ISC */
/*
 * loop: the event loop of cordond and cordon-sensor: timers, signals, fd
 * readiness, child commands, and line-oriented stream servers on Unix and TCP
 * sockets with a size limit per line and the peer's uid. This is the one
 * module that includes libevent's core headers; the rest of the code sees
 * only the types below.
 *
 * One user registers libevent events of its own on the loop's base
 * (loop_event_base): controller/http/, which serves HTTP with libevent's
 * evhttp (see there). Only these two files include <event2/...>;
 * scripts/include-graph --check enforces it.
 */
#ifndef CORDON_LOOP_H
#define CORDON_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct loop_timer;
struct loop_server;
struct loop_conn;

/* Owned by the caller; loop_free releases it and every server it holds. */
struct loop *loop_new(void);
void loop_free(struct loop *l);
/* Runs until loop_stop. Returns 0, or -1 if the loop failed. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
/*
 * For programs that drive the loop step by step (tools, tests). Runs the
 * callbacks of what is ready once; with `wait`, first waits until something
 * is (a timer, an fd, a signal). Returns 0, 1 when nothing at all is
 * registered (nothing could become ready), or -1 if the loop failed.
 */
int loop_run_once(struct loop *l, bool wait);
/* Runs until loop_stop, or for `seconds` at most. Returns 0, or -1. */
int loop_run_for(struct loop *l, double seconds);
/*
 * The loop's libevent base (borrowed, lives as long as the loop), for
 * controller/http/ only, which hands it to evhttp. Everything else uses the
 * functions of this header. Declared opaque here: no libevent header is
 * needed to pass it on.
 */
struct event_base;
struct event_base *loop_event_base(struct loop *l);
double loop_now(void);   /* wall clock, epoch seconds */

/* A one-shot timer, re-armed at will. Owned by the caller (loop_timer_free). */
struct loop_timer *loop_timer_new(struct loop *l, void (*fn)(void *arg), void *arg);
/* (Re)arms for `seconds` from now (microsecond precision; 0: the next round). */
void loop_timer_arm(struct loop_timer *t, double seconds);
/*
 * A deferred call: runs fn in the loop's current round of callbacks, after
 * the running callback returns (never from inside this call). Replaces an
 * armed delay; firing a timer already fired and not yet run does nothing
 * more. loop_timer_cancel withdraws it.
 */
void loop_timer_fire(struct loop_timer *t);
void loop_timer_cancel(struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

/* Calls fn from the loop when `sig` arrives. */
int loop_on_signal(struct loop *l, int sig, void (*fn)(void *arg, int sig), void *arg);

/*
 * Calls fn whenever `fd` is readable, until loop_free. Returns 0 or -1.
 * The fd stays the caller's.
 */
int loop_watch_fd(struct loop *l, int fd, void (*fn)(void *arg), void *arg);

/*
 * The same until loop_unwatch: the watch is owned by the caller and must be
 * unwatched before loop_free. Returns NULL if out of memory. The fd stays
 * the caller's; unwatch before closing it.
 */
struct loop_watch;
struct loop_watch *loop_watch(struct loop *l, int fd, void (*fn)(void *arg), void *arg);
/* Stops watching and frees the watch (NULL: nothing); allowed from its own fn. */
void loop_unwatch(struct loop_watch *w);

/*
 * Runs argv[0] (an absolute path, no shell) with argv, stdin from /dev/null
 * and output discarded, in its own process group. Calls done(arg, status)
 * once with its exit status (0..255), or -1 if it could not start, was
 * killed, or ran past `timeout_s` (then the whole group is killed).
 * Returns 0 if started.
 */
int loop_run_command(struct loop *l, char *const argv[], double timeout_s,
    void (*done)(void *arg, int status), void *arg);

struct loop_conn_ops {
	/* One complete line, without its '\n'; valid during the call. */
	void (*on_line)(void *arg, struct loop_conn *c, const char *line, size_t len);
	/* A line longer than the limit was discarded (up to its '\n'). */
	void (*on_oversize)(void *arg, struct loop_conn *c);
	/* The peer went away or the connection was closed; `c` dies after this.
	 * A peer that only ends its sending side is sent what waits for it
	 * first (within the server's limits). */
	void (*on_close)(void *arg, struct loop_conn *c);
	/* TLS only (may be NULL): the peer was refused before it sent anything
	 * (handshake failed, certificate refused); on_close follows. */
	void (*on_refused)(void *arg, struct loop_conn *c, const char *why);
	/* May be NULL: the loop closes `c` for one of its server's limits
	 * (loop_server_set_limits; `why` says which, with the value); on_close
	 * follows. Called once per connection. */
	void (*on_limit)(void *arg, struct loop_conn *c, const char *why);
	/* May be NULL: a connection to server `spec` was refused at accept,
	 * LOOP_MAX_CONNS being open; `refused` counts them since the server
	 * started (1 the first time), so that a caller can log the first and
	 * every n-th rather than each one. */
	void (*on_full)(void *arg, const char *spec, uint64_t refused);
	/* May be NULL: accept() on server `spec` failed with `err` (errno;
	 * EMFILE when the daemon is out of descriptors) and the listener
	 * stops accepting for `pause_s` seconds, retrying then (see
	 * loop_accept_guard_new). Called once per episode: not again until an
	 * accept has succeeded in between. */
	void (*on_accept_error)(void *arg, const char *spec, int err, double pause_s);
};

/* Connections a server holds at most; more are refused at accept. */
#define LOOP_MAX_CONNS 256

/*
 * What one connection may hold of the daemon, set per server with
 * loop_server_set_limits; 0 in a field: no such limit (the default of a new
 * server for all four).
 */
struct loop_limits {
	/* Seconds without a byte received (while reading) or, with output
	 * waiting, without a byte sent: then the connection is closed. Frees
	 * the slots of peers that connect and go quiet. */
	double idle_s;
	/* TLS: seconds from accept to a finished handshake. */
	double handshake_s;
	/* Back-pressure: while more than this many bytes wait to be sent, no
	 * further line is read from the peer (its requests wait in its own
	 * socket); reading resumes once the output drains below half of it. */
	size_t pause_above;
	/* More than this many bytes waiting to be sent (a peer that does not
	 * read what it asked for): the connection is closed, its output dropped. */
	size_t close_above;
};
void loop_server_set_limits(struct loop_server *s, const struct loop_limits *lim);

/*
 * Listens on "unix:/PATH" (created with `mode`, group `gid` unless
 * (gid_t)-1; a stale socket file is replaced) or "tcp:ADDRESS:PORT".
 * Returns NULL with a message in err. The server belongs to the loop.
 */
struct loop_server *loop_listen(struct loop *l, const char *spec, mode_t mode,
    gid_t gid, size_t max_line, const struct loop_conn_ops *ops, void *arg,
    char *err, size_t errlen);
/*
 * The same, and also "tls:ADDRESS:PORT": TLS with `tls` (borrowed, outliving
 * the server; tls.h), the peer's certificate verified before its first line,
 * its name then in loop_conn_peer_name.
 */
struct tls_ctx;
struct loop_server *loop_listen_tls(struct loop *l, const char *spec, struct tls_ctx *tls,
    mode_t mode, gid_t gid, size_t max_line, const struct loop_conn_ops *ops, void *arg,
    char *err, size_t errlen);

/*
 * Keeps a libevent listener from spinning when accept() fails. Without it,
 * a daemon out of descriptors (EMFILE, ENFILE) or memory (ENOBUFS, ENOMEM)
 * is woken for the same pending connection at once, again and again, and
 * logs each failure: millions of lines a minute while the rest of the
 * daemon waits. With it, on such a failure (or any other accept() error
 * libevent does not retry itself) the listener stops accepting for
 * LOOP_ACCEPT_PAUSE_S and then tries again; the pending connections wait in
 * the kernel's backlog meanwhile. report(arg, err, pause_s) is called at
 * the first failure of an episode, which ends at the next
 * loop_accept_guard_ok (an accept that worked).
 *
 * Every server of loop_listen is guarded so already (on_accept_error);
 * this is for the one listener the loop does not make: evhttp's
 * (controller/http/). `lst` is borrowed and must outlive the guard; the
 * guard is owned by the caller (loop_accept_guard_free before the
 * listener is freed). NULL if out of memory.
 */
#define LOOP_ACCEPT_PAUSE_S 1.0
struct evconnlistener;
struct loop_accept_guard;
struct loop_accept_guard *loop_accept_guard_new(struct loop *l, struct evconnlistener *lst,
    void (*report)(void *arg, int err, double pause_s), void *arg);
/* A connection was accepted: a later failure is a new episode, reported. */
void loop_accept_guard_ok(struct loop_accept_guard *g);
void loop_accept_guard_free(struct loop_accept_guard *g);

/* Queues bytes to send. Returns 0, or -1 if the connection is gone or
 * closing; past the server's close_above it is closed (on_limit, then
 * on_close from the loop, never from inside this call). */
int loop_conn_write(struct loop_conn *c, const char *data, size_t len);
/* No idle timeout on input for `c` from now on (a stream the peer only
 * reads, such as a subscription); output it does not read still times out. */
void loop_conn_no_idle_input(struct loop_conn *c);
/* Bytes queued and not yet sent (a reader that does not read). */
size_t loop_conn_pending(const struct loop_conn *c);
/* Closes now, dropping queued output. on_close is called. */
void loop_conn_close(struct loop_conn *c);
/* Closes after the queued output is sent. on_close is called then. */
void loop_conn_close_after_write(struct loop_conn *c);
/* The peer's uid on a Unix socket, or -1 (TCP). */
long loop_conn_uid(const struct loop_conn *c);
/* A caller pointer kept with the connection (borrowed). */
void loop_conn_set_data(struct loop_conn *c, void *data);
void *loop_conn_data(const struct loop_conn *c);
/* TCP and TLS: the peer's "ADDRESS:PORT"; "" on a Unix socket. */
const char *loop_conn_peer(const struct loop_conn *c);
/* TLS: the peer certificate's common name, verified; "" otherwise. */
const char *loop_conn_peer_name(const struct loop_conn *c);
/* The spec of the server the connection came in on. */
const char *loop_conn_server(const struct loop_conn *c);

#endif
