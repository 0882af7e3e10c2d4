/* SPDX-License-Identifier: ISC */
#include "loop.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

struct loop_watch {
	struct event *ev;                 /* owned */
	void (*fn)(void *);
	void *arg;                        /* borrowed */
	struct loop_watch *next;         /* in the loop's list: loop_watch_fd only */
};

struct loop_child {
	struct loop *loop;
	pid_t pid;
	double deadline;
	struct event *poll;               /* owned: waitpid poll timer */
	void (*done)(void *, int);
	void *arg;                        /* borrowed */
	struct loop_child *next;
};

struct loop {
	struct event_base *base;          /* owned */
	struct loop_server *servers;      /* owned list */
	struct loop_watch *watches;       /* owned list */
	struct loop_child *children;      /* owned list */
	struct event *signals[8];         /* owned */
	int nsignals;
	int failed;
};

struct loop_timer {
	struct event *ev;                 /* owned */
	void (*fn)(void *);
	void *arg;                        /* borrowed */
};

struct loop_server {
	struct loop *loop;
	struct evconnlistener *lst;       /* owned */
	char spec[300];
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t max_line;
	const struct loop_conn_ops *ops;
	void *arg;                        /* borrowed */
	struct loop_conn *conns;          /* owned list */
	unsigned nconns;
	struct tls_ctx *tls;              /* borrowed; NULL: no TLS */
	struct loop_limits lim;           /* 0 in a field: no such limit */
	uint64_t refused;                 /* connections refused at LOOP_MAX_CONNS */
	struct loop_accept_guard *guard;  /* owned: pauses lst when accept() fails */
	struct loop_server *next;
};

struct loop_accept_guard {
	struct evconnlistener *lst;       /* borrowed */
	struct event *resume;             /* owned: re-enables lst after the pause */
	bool in_episode;                  /* reported; no accept has worked since */
	void (*report)(void *, int, double);
	void *arg;                        /* borrowed */
	struct loop_accept_guard *next;   /* in `guards` */
};

/* Every guard of the process, for guard_error to find its own by listener
 * (libevent passes it no argument of its own). Not owned: each guard
 * belongs to whoever made it and unlinks itself when freed. */
static struct loop_accept_guard *guards;

struct loop_conn {
	struct loop_server *srv;
	struct bufferevent *bev;          /* owned */
	long uid;
	bool discarding;                  /* inside an oversized line */
	bool closing;
	bool in_read;                     /* inside conn_read: freeing is deferred */
	bool dead;                        /* freed once conn_read returns */
	void *data;                       /* borrowed */
	char peer[64];                    /* TCP: the peer's address and port */
	char peer_name[128];              /* TLS: its verified certificate's name */
	bool greeted;                     /* TLS: the handshake is done and the name read */
	bool handshaken;                  /* TLS: the handshake is done (plain: true) */
	bool paused;                      /* not reading: too much output waits */
	bool limited;                     /* closed for a limit: on_limit was called */
	bool no_idle_input;               /* loop_conn_no_idle_input */
	struct event *later;              /* owned: closes after a limit, from the loop */
	struct event *out_idle;           /* owned: output waits and has not moved for idle_s */
	struct evbuffer_cb_entry *out_cb; /* conn_output_moved on the output buffer */
	struct loop_conn *next;
};

struct sig_cb {
	void (*fn)(void *, int);
	void *arg;
};

struct loop *
loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->base = event_base_new();
	if (l->base == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

static void conn_free(struct loop_conn *c, bool notify);

void
loop_free(struct loop *l)
{
	int i;

	if (l == NULL)
		return;
	while (l->servers) {
		struct loop_server *s = l->servers;
		l->servers = s->next;
		while (s->conns)
			conn_free(s->conns, false);
		loop_accept_guard_free(s->guard);
		evconnlistener_free(s->lst);
		if (s->unix_path[0])
			unlink(s->unix_path);
		free(s);
	}
	while (l->watches) {
		struct loop_watch *w = l->watches;
		l->watches = w->next;
		event_free(w->ev);
		free(w);
	}
	while (l->children) {
		struct loop_child *ch = l->children;
		l->children = ch->next;
		/* The daemon is going away: its checks go with it. */
		kill(-ch->pid, SIGKILL);
		waitpid(ch->pid, NULL, 0);
		event_free(ch->poll);
		free(ch);
	}
	for (i = 0; i < l->nsignals; i++) {
		free(event_get_callback_arg(l->signals[i]));
		event_free(l->signals[i]);
	}
	event_base_free(l->base);
	free(l);
}

int
loop_run(struct loop *l)
{
	if (event_base_dispatch(l->base) < 0)
		return -1;
	return l->failed ? -1 : 0;
}

void
loop_stop(struct loop *l)
{
	event_base_loopbreak(l->base);
}

int
loop_run_once(struct loop *l, bool wait)
{
	return event_base_loop(l->base, wait ? EVLOOP_ONCE : EVLOOP_NONBLOCK);
}

static struct timeval
timeval_of(double seconds)
{
	struct timeval tv;

	if (seconds < 0)
		seconds = 0;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	return tv;
}

static void
run_for_over(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

int
loop_run_for(struct loop *l, double seconds)
{
	struct timeval tv = timeval_of(seconds);
	/* Its own timer, freed after: a run ended early by loop_stop leaves
	 * nothing behind to cut a later run short. */
	struct event *over = evtimer_new(l->base, run_for_over, l->base);
	int rc;

	if (over == NULL || evtimer_add(over, &tv) != 0) {
		if (over)
			event_free(over);
		return -1;
	}
	rc = event_base_dispatch(l->base);
	event_free(over);
	return rc < 0 ? -1 : 0;
}

struct event_base *
loop_event_base(struct loop *l)
{
	return l->base;
}

double
loop_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_timer *t = arg;

	(void)fd;
	(void)what;
	t->fn(t->arg);
}

struct loop_timer *
loop_timer_new(struct loop *l, void (*fn)(void *), void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->ev = evtimer_new(l->base, timer_cb, t);
	if (t->ev == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
loop_timer_arm(struct loop_timer *t, double seconds)
{
	struct timeval tv = timeval_of(seconds);

	evtimer_add(t->ev, &tv);
}

void
loop_timer_fire(struct loop_timer *t)
{
	event_active(t->ev, EV_TIMEOUT, 0);
}

void
loop_timer_cancel(struct loop_timer *t)
{
	evtimer_del(t->ev);
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct sig_cb *s = arg;

	(void)what;
	s->fn(s->arg, (int)sig);
}

int
loop_on_signal(struct loop *l, int sig, void (*fn)(void *, int), void *arg)
{
	struct sig_cb *s;
	struct event *ev;

	if (l->nsignals == (int)(sizeof(l->signals) / sizeof(l->signals[0])))
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->fn = fn;
	s->arg = arg;
	ev = evsignal_new(l->base, sig, signal_cb, s);
	if (ev == NULL || event_add(ev, NULL) != 0) {
		free(s);
		if (ev)
			event_free(ev);
		return -1;
	}
	l->signals[l->nsignals++] = ev;
	return 0;
}

static void
conn_free(struct loop_conn *c, bool notify)
{
	struct loop_conn **pp;

	for (pp = &c->srv->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			c->srv->nconns--;
			break;
		}
	if (notify && c->srv->ops->on_close)
		c->srv->ops->on_close(c->srv->arg, c);
	/* The buffer may outlive the bufferevent for a while (libevent frees
	 * it once its own callbacks are done): nothing of it may call back. */
	if (c->out_cb)
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	bufferevent_free(c->bev);
	if (c->later)
		event_free(c->later);
	if (c->out_idle)
		event_free(c->out_idle);
	free(c);
}

/* Frees now, or once the line handler that asked for it has returned. */
static void
conn_release(struct loop_conn *c)
{
	if (c->in_read) {
		c->dead = true;
		return;
	}
	conn_free(c, true);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct loop_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->in_read = true;
	/* The handshake verified the peer's certificate against the CA before
	 * any byte arrived; its name is the peer's identity. */
	if (c->srv->tls != NULL && !c->greeted) {
		c->greeted = true;
		if (tls_peer_name(bufferevent_openssl_get_ssl(bev), c->peer_name, sizeof(c->peer_name)) != 0) {
			if (c->srv->ops->on_refused)
				c->srv->ops->on_refused(c->srv->arg, c, "its certificate has no common name");
			c->dead = true;
		}
	}
	while (!c->closing && !c->dead && !c->paused) {
		struct evbuffer_ptr nl = evbuffer_search(in, "\n", 1, NULL);
		size_t len;
		char *line;

		if (nl.pos < 0) {
			/* No end of line yet: keep waiting unless the line is already too long. */
			if (evbuffer_get_length(in) > c->srv->max_line) {
				if (!c->discarding && c->srv->ops->on_oversize)
					c->srv->ops->on_oversize(c->srv->arg, c);
				c->discarding = true;
				evbuffer_drain(in, evbuffer_get_length(in));
			}
			break;
		}
		len = (size_t)nl.pos;
		if (c->discarding || len > c->srv->max_line) {
			if (!c->discarding && c->srv->ops->on_oversize)
				c->srv->ops->on_oversize(c->srv->arg, c);
			c->discarding = false;
			evbuffer_drain(in, len + 1);
			continue;
		}
		line = malloc(len + 1);
		if (line == NULL) {
			evbuffer_drain(in, len + 1);
			continue;
		}
		evbuffer_remove(in, line, len + 1);
		line[len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		c->srv->ops->on_line(c->srv->arg, c, line, len);
		free(line);
		/* The peer asks faster than it reads the answers: its next
		 * requests wait in its socket, not as answers in our memory. */
		if (c->srv->lim.pause_above && !c->closing && !c->dead &&
		    loop_conn_pending(c) > c->srv->lim.pause_above) {
			c->paused = true;
			bufferevent_disable(bev, EV_READ);
		}
	}
	c->in_read = false;
	if (c->dead)
		conn_free(c, true);
}

/* Called when the output drains to the write low-watermark (half of
 * pause_above, or empty). */
static void
conn_write_done(struct bufferevent *bev, void *arg)
{
	struct loop_conn *c = arg;
	size_t pending = evbuffer_get_length(bufferevent_get_output(bev));

	if (c->closing) {
		if (pending == 0)
			conn_release(c);
		return;
	}
	if (c->paused && pending <= c->srv->lim.pause_above / 2) {
		c->paused = false;
		bufferevent_enable(bev, EV_READ);
		/* Lines already read wait in the input buffer: no read event
		 * would come for them. */
		if (!c->in_read)
			conn_read(bev, c);
	}
}

static void
conn_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_release(arg);
}

/* Closes `c` for a limit: says why once, drops its output, and frees it
 * from the loop (the caller may be writing to it still). */
static void
conn_limit(struct loop_conn *c, const char *why)
{
	if (c->limited)
		return;
	c->limited = true;
	c->closing = true;
	if (c->srv->ops->on_limit)
		c->srv->ops->on_limit(c->srv->arg, c, why);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	evbuffer_drain(bufferevent_get_output(c->bev), evbuffer_get_length(bufferevent_get_output(c->bev)));
	event_active(c->later, EV_TIMEOUT, 0);
}

/*
 * The timeouts of c's state: the handshake's until it is done, then idle.
 * Once the handshake is done, waiting output is timed by out_idle rather
 * than by libevent's write timeout: a line that comes in the round in which
 * that timeout falls due queues its answer, which re-adds the write event
 * and so withdraws the timeout (and starts it anew), so that a peer that
 * keeps sending was never closed for the output it leaves unread.
 */
static void
conn_set_timeouts(struct loop_conn *c)
{
	const struct loop_limits *lim = &c->srv->lim;
	double s = !c->handshaken && lim->handshake_s > 0 ? lim->handshake_s : lim->idle_s;
	struct timeval tv = timeval_of(s);

	if (s <= 0)
		bufferevent_set_timeouts(c->bev, NULL, NULL);
	else if (!c->handshaken)
		bufferevent_set_timeouts(c->bev, &tv, &tv);
	else
		bufferevent_set_timeouts(c->bev, c->no_idle_input ? NULL : &tv, NULL);
}

/* idle_s of output waiting with not a byte of it sent. */
static void
conn_out_idle(evutil_socket_t fd, short what, void *arg)
{
	struct loop_conn *c = arg;
	char why[120];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "%zu bytes of output not read for %g s",
	    loop_conn_pending(c), c->srv->lim.idle_s);
	conn_limit(c, why);
}

/* The output buffer changed: out_idle runs from when output starts waiting
 * and again from each byte sent, and stops when none waits. */
static void
conn_output_moved(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct loop_conn *c = arg;
	struct timeval tv = timeval_of(c->srv->lim.idle_s);

	if (c->limited || c->srv->lim.idle_s <= 0 || !c->handshaken)
		return;
	if (evbuffer_get_length(buf) == 0)
		evtimer_del(c->out_idle);
	else if (info->n_deleted > 0 || !evtimer_pending(c->out_idle, NULL))
		evtimer_add(c->out_idle, &tv);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct loop_conn *c = arg;

	/* A TLS peer that failed the handshake (no certificate, another CA,
	 * expired, not TLS at all) never got to send a line: say why. */
	if (c->srv->tls != NULL && !c->greeted && (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) &&
	    c->srv->ops->on_refused) {
		char why[300];
		unsigned long e = bufferevent_get_openssl_error(bev);
		void *ssl = bufferevent_openssl_get_ssl(bev);
		if (tls_peer_refused(ssl, why, sizeof(why)) != 0)
			tls_error_text(e, what & BEV_EVENT_EOF ? "closed during the handshake" : NULL,
			    why, sizeof(why));
		c->srv->ops->on_refused(c->srv->arg, c, why);
	}
	if (what & BEV_EVENT_CONNECTED) {
		/* TLS: the handshake is done; from now on the idle timeout. */
		c->handshaken = true;
		conn_set_timeouts(c);
	}
	if (what & BEV_EVENT_TIMEOUT) {
		char why[120];
		if (!c->handshaken)
			snprintf(why, sizeof(why), "no TLS handshake within %g s", c->srv->lim.handshake_s);
		else
			snprintf(why, sizeof(why), "nothing received for %g s", c->srv->lim.idle_s);
		conn_limit(c, why);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !c->limited &&
	    loop_conn_pending(c) > 0) {
		/* The peer has done sending, and may still read: a client that
		 * shuts down its side after its request (socat, nc -N) gets the
		 * whole answer, then the connection is closed (conn_write_done;
		 * the limits still hold meanwhile). */
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_release(c);
}

static void
on_accept(struct evconnlistener *lst, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct loop_server *s = arg;
	struct loop_conn *c;

	(void)lst;
	(void)salen;
	loop_accept_guard_ok(s->guard);
	if (s->nconns >= LOOP_MAX_CONNS) {
		/* A local user opening connections must not exhaust the daemon;
		 * the idle timeout frees the slots of those that stay quiet. */
		close(fd);
		s->refused++;
		if (s->ops->on_full)
			s->ops->on_full(s->arg, s->spec, s->refused);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->later = evtimer_new(s->loop->base, conn_later, c);
	c->out_idle = evtimer_new(s->loop->base, conn_out_idle, c);
	if (c->later == NULL || c->out_idle == NULL) {
		close(fd);
		if (c->later)
			event_free(c->later);
		if (c->out_idle)
			event_free(c->out_idle);
		free(c);
		return;
	}
	c->srv = s;
	c->uid = -1;
	c->handshaken = s->tls == NULL;
	if (sa->sa_family == AF_UNIX) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			c->uid = (long)cred.uid;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		char a[INET6_ADDRSTRLEN] = "?";
		const void *ad = sa->sa_family == AF_INET ? (const void *)&((struct sockaddr_in *)sa)->sin_addr
		    : (const void *)&((struct sockaddr_in6 *)sa)->sin6_addr;
		unsigned port = ntohs(sa->sa_family == AF_INET ? ((struct sockaddr_in *)sa)->sin_port
		    : ((struct sockaddr_in6 *)sa)->sin6_port);
		inet_ntop(sa->sa_family, ad, a, sizeof(a));
		snprintf(c->peer, sizeof(c->peer), sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	}
	if (s->tls != NULL) {
		void *ssl = tls_ssl_new(s->tls, NULL);
		c->bev = ssl ? bufferevent_openssl_socket_new(s->loop->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) : NULL;
		if (c->bev == NULL && ssl != NULL)
			tls_ssl_free(ssl);
	} else {
		c->bev = bufferevent_socket_new(s->loop->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (c->bev == NULL) {
		close(fd);
		event_free(c->later);
		event_free(c->out_idle);
		free(c);
		return;
	}
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), conn_output_moved, c);
	if (c->out_cb == NULL) {
		bufferevent_free(c->bev);
		event_free(c->later);
		event_free(c->out_idle);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_read, conn_write_done, conn_event, c);
	if (s->lim.pause_above)
		bufferevent_setwatermark(c->bev, EV_WRITE, s->lim.pause_above / 2, 0);
	conn_set_timeouts(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
}

/* ---- accept() failures ------------------------------------------------------ */

static void
guard_resume(evutil_socket_t fd, short what, void *arg)
{
	struct loop_accept_guard *g = arg;

	(void)fd;
	(void)what;
	/* Still failing: the error callback pauses it again, unreported. */
	evconnlistener_enable(g->lst);
}

/* libevent calls this for accept() errors other than EAGAIN, EINTR and
 * ECONNABORTED, which it retries itself. `arg` is the listener's accept
 * argument (for evhttp's listener, evhttp's own), so the guard is looked up
 * by listener. */
static void
guard_error(struct evconnlistener *lst, void *arg)
{
	struct loop_accept_guard *g;
	int err = errno;
	struct timeval tv = timeval_of(LOOP_ACCEPT_PAUSE_S);

	(void)arg;
	for (g = guards; g != NULL && g->lst != lst; g = g->next)
		;
	if (g == NULL)
		return;

	/* The connection that could not be accepted stays in the backlog, so
	 * the listener would be readable again at once: it waits instead, and
	 * whatever holds the descriptors (or memory) has time to let go. */
	evconnlistener_disable(lst);
	event_add(g->resume, &tv);
	if (!g->in_episode) {
		g->in_episode = true;
		g->report(g->arg, err, LOOP_ACCEPT_PAUSE_S);
	}
}

struct loop_accept_guard *
loop_accept_guard_new(struct loop *l, struct evconnlistener *lst,
    void (*report)(void *arg, int err, double pause_s), void *arg)
{
	struct loop_accept_guard *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->resume = evtimer_new(l->base, guard_resume, g);
	if (g->resume == NULL) {
		free(g);
		return NULL;
	}
	g->lst = lst;
	g->report = report;
	g->arg = arg;
	g->next = guards;
	guards = g;
	evconnlistener_set_error_cb(lst, guard_error);
	return g;
}

void
loop_accept_guard_ok(struct loop_accept_guard *g)
{
	if (g != NULL)
		g->in_episode = false;
}

void
loop_accept_guard_free(struct loop_accept_guard *g)
{
	struct loop_accept_guard **pp;

	if (g == NULL)
		return;
	for (pp = &guards; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	evconnlistener_set_error_cb(g->lst, NULL);
	event_free(g->resume);
	free(g);
}

/* A server's accept() failed: its owner says so (loop.c does not log). */
static void
server_accept_error(void *arg, int err, double pause_s)
{
	struct loop_server *s = arg;

	if (s->ops->on_accept_error)
		s->ops->on_accept_error(s->arg, s->spec, err, pause_s);
}

struct loop_server *
loop_listen(struct loop *l, const char *spec, mode_t mode, gid_t gid,
    size_t max_line, const struct loop_conn_ops *ops, void *arg, char *err,
    size_t errlen)
{
	return loop_listen_tls(l, spec, NULL, mode, gid, max_line, ops, arg, err, errlen);
}

struct loop_server *
loop_listen_tls(struct loop *l, const char *spec, struct tls_ctx *tls, mode_t mode, gid_t gid,
    size_t max_line, const struct loop_conn_ops *ops, void *arg, char *err, size_t errlen)
{
	struct loop_server *s = calloc(1, sizeof(*s));
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

	if (s == NULL) {
		snprintf(err, errlen, "%s: out of memory", spec);
		return NULL;
	}
	s->loop = l;
	s->max_line = max_line;
	s->ops = ops;
	s->arg = arg;
	snprintf(s->spec, sizeof(s->spec), "%s", spec);
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un sun;
		const char *path = spec + 5;
		mode_t old;
		if (strlen(path) >= sizeof(sun.sun_path) || *path != '/') {
			snprintf(err, errlen, "%s: a socket path must be absolute and shorter than %zu",
			    spec, sizeof(sun.sun_path));
			free(s);
			return NULL;
		}
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, path);
		strcpy(s->unix_path, path);
		/* A socket file left by a killed daemon would make bind fail. */
		{
			struct stat sb;
			if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
				unlink(path);
		}
		old = umask(0177);
		s->lst = evconnlistener_new_bind(l->base, on_accept, s, flags, 64,
		    (struct sockaddr *)&sun, sizeof(sun));
		umask(old);
		if (s->lst == NULL) {
			snprintf(err, errlen, "%s: %s", spec, strerror(errno));
			s->unix_path[0] = '\0';
			free(s);
			return NULL;
		}
		if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) != 0) {
			snprintf(err, errlen, "%s: chown to group %ld: %s", spec, (long)gid, strerror(errno));
			evconnlistener_free(s->lst);
			unlink(path);
			free(s);
			return NULL;
		}
		if (chmod(path, mode) != 0) {
			snprintf(err, errlen, "%s: chmod %04o: %s", spec, (unsigned)mode, strerror(errno));
			evconnlistener_free(s->lst);
			unlink(path);
			free(s);
			return NULL;
		}
	} else if (strncmp(spec, "tcp:", 4) == 0 || strncmp(spec, "tls:", 4) == 0) {
		char host[256], *colon;
		struct addrinfo hints, *res;
		int rc;
		if (strncmp(spec, "tls:", 4) == 0 && tls == NULL) {
			snprintf(err, errlen, "%s: a TLS listener needs a certificate, a key and a CA", spec);
			free(s);
			return NULL;
		}
		s->tls = strncmp(spec, "tls:", 4) == 0 ? tls : NULL;
		snprintf(host, sizeof(host), "%s", spec + 4);
		colon = strrchr(host, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "%s: expected %.3s:ADDRESS:PORT", spec, spec);
			free(s);
			return NULL;
		}
		*colon = '\0';
		if (host[0] == '[' && colon[-1] == ']') {
			memmove(host, host + 1, strlen(host));
			host[strlen(host) - 1] = '\0';
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
		rc = getaddrinfo(host, colon + 1, &hints, &res);
		if (rc != 0) {
			snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
			free(s);
			return NULL;
		}
		s->lst = evconnlistener_new_bind(l->base, on_accept, s,
		    flags | LEV_OPT_REUSEABLE, 64, res->ai_addr, (int)res->ai_addrlen);
		freeaddrinfo(res);
		if (s->lst == NULL) {
			snprintf(err, errlen, "%s: %s", spec, strerror(errno));
			free(s);
			return NULL;
		}
	} else {
		snprintf(err, errlen, "'%s': expected unix:/PATH, tls:ADDRESS:PORT or tcp:ADDRESS:PORT", spec);
		free(s);
		return NULL;
	}
	s->guard = loop_accept_guard_new(l, s->lst, server_accept_error, s);
	if (s->guard == NULL) {
		snprintf(err, errlen, "%s: out of memory", spec);
		evconnlistener_free(s->lst);
		if (s->unix_path[0])
			unlink(s->unix_path);
		free(s);
		return NULL;
	}
	s->next = l->servers;
	l->servers = s;
	return s;
}

void
loop_server_set_limits(struct loop_server *s, const struct loop_limits *lim)
{
	s->lim = *lim;
}

int
loop_conn_write(struct loop_conn *c, const char *data, size_t len)
{
	size_t cap = c->srv->lim.close_above;

	if (c->limited)
		return -1;
	if (cap && loop_conn_pending(c) + len > cap) {
		char why[120];
		snprintf(why, sizeof(why), "%zu bytes of output waiting, more than %zu",
		    loop_conn_pending(c) + len, cap);
		conn_limit(c, why);
		return -1;
	}
	return bufferevent_write(c->bev, data, len) == 0 ? 0 : -1;
}

void
loop_conn_no_idle_input(struct loop_conn *c)
{
	c->no_idle_input = true;
	conn_set_timeouts(c);
}

void
loop_conn_close_after_write(struct loop_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_release(c);
}

void
loop_conn_close(struct loop_conn *c)
{
	c->closing = true;
	conn_release(c);
}

size_t
loop_conn_pending(const struct loop_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

long
loop_conn_uid(const struct loop_conn *c)
{
	return c->uid;
}

void
loop_conn_set_data(struct loop_conn *c, void *data)
{
	c->data = data;
}

void *
loop_conn_data(const struct loop_conn *c)
{
	return c->data;
}

const char *
loop_conn_peer(const struct loop_conn *c)
{
	return c->peer;
}

const char *
loop_conn_peer_name(const struct loop_conn *c)
{
	return c->peer_name;
}

const char *
loop_conn_server(const struct loop_conn *c)
{
	return c->srv->spec;
}

static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop_watch *w = arg;

	(void)fd;
	(void)what;
	w->fn(w->arg);
}

struct loop_watch *
loop_watch(struct loop *l, int fd, void (*fn)(void *), void *arg)
{
	struct loop_watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fn = fn;
	w->arg = arg;
	w->ev = event_new(l->base, fd, EV_READ | EV_PERSIST, watch_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
		if (w->ev)
			event_free(w->ev);
		free(w);
		return NULL;
	}
	return w;
}

void
loop_unwatch(struct loop_watch *w)
{
	if (w == NULL)
		return;
	/* libevent allows freeing an event from inside its own callback. */
	event_free(w->ev);
	free(w);
}

int
loop_watch_fd(struct loop *l, int fd, void (*fn)(void *), void *arg)
{
	struct loop_watch *w = loop_watch(l, fd, fn, arg);

	if (w == NULL)
		return -1;
	w->next = l->watches;
	l->watches = w;
	return 0;
}

#define CHILD_POLL_US 100000

static void
child_unlink(struct loop_child *ch)
{
	struct loop_child **pp;

	for (pp = &ch->loop->children; *pp; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	event_free(ch->poll);
	free(ch);
}

static void
child_poll(evutil_socket_t fd, short what, void *arg)
{
	struct loop_child *ch = arg;
	struct timeval tv = { 0, CHILD_POLL_US };
	int status, result;
	pid_t r;

	(void)fd;
	(void)what;
	r = waitpid(ch->pid, &status, WNOHANG);
	if (r == 0) {
		if (loop_now() < ch->deadline) {
			evtimer_add(ch->poll, &tv);
			return;
		}
		kill(-ch->pid, SIGKILL);
		waitpid(ch->pid, &status, 0);
		result = -1;
	} else if (r == ch->pid && WIFEXITED(status)) {
		result = WEXITSTATUS(status);
	} else {
		result = -1;
	}
	{
		void (*done)(void *, int) = ch->done;
		void *darg = ch->arg;
		child_unlink(ch);
		done(darg, result);
	}
}

int
loop_run_command(struct loop *l, char *const argv[], double timeout_s,
    void (*done)(void *arg, int status), void *arg)
{
	struct loop_child *ch = calloc(1, sizeof(*ch));
	struct timeval tv = { 0, CHILD_POLL_US };
	pid_t pid;

	if (ch == NULL)
		return -1;
	ch->poll = evtimer_new(l->base, child_poll, ch);
	if (ch->poll == NULL) {
		free(ch);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		event_free(ch->poll);
		free(ch);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		/* A verification command gets none of the daemon's capabilities. */
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		setpgid(0, 0);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* Nothing of the daemon's: no sockets, no database. */
		close_range(3, ~0U, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	ch->loop = l;
	ch->pid = pid;
	ch->deadline = loop_now() + timeout_s;
	ch->done = done;
	ch->arg = arg;
	ch->next = l->children;
	l->children = ch;
	evtimer_add(ch->poll, &tv);
	return 0;
}
