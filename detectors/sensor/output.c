/* SPDX-License-Identifier: ISC */
#include "output.h"
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RECONNECT_INTERVAL_MS 1000
/* A connection with nothing to send for this long gets an empty line, which
 * the controller ignores: it closes sensor connections that stay quiet
 * (sensors.idle_timeout, 300 s by default) to free their slots. */
#define KEEPALIVE_MS 60000

enum output_kind { OUT_STDOUT, OUT_UNIX, OUT_TCP, OUT_TLS };

struct line {
	char *text;       /* owned */
	size_t len;
	size_t off;       /* bytes already sent */
	bool keepalive;   /* the empty line of KEEPALIVE_MS: not counted as sent */
};

/* A FIFO of lines of one class; the oldest is at `head`. */
struct queue {
	struct line q[OUTPUT_QUEUE_LINES];
	size_t head, len;
};

struct output {
	enum output_kind kind;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char host[256];
	char port[16];
	/* tcp: the addresses HOST resolved to, tried in order on each connect. */
	struct sockaddr_storage addrs[OUTPUT_MAX_ADDRS];
	socklen_t addrlens[OUTPUT_MAX_ADDRS];
	size_t naddrs;          /* 0: not resolved yet */
	int fd;                 /* -1 when not connected */
	int connecting;         /* a non-blocking connect is under way on fd */
	struct tls_ctx *tls;    /* tls: borrowed (output_set_tls) */
	void *ssl;              /* tls: owned, the connection's; NULL when not connected */
	int handshaking;        /* tls: connected, the handshake under way */
	uint64_t last_try_ms;
	int tried;
	struct queue qs[OUTPUT_CLASSES];
	int sending;            /* class whose head line is partly sent, or -1 */
	struct output_stats st;
	uint64_t last_sent_ms;  /* when a line was last sent whole, or the connection made */
	char error[640];
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct output *
output_open(const char *spec, char *err, size_t errlen)
{
	struct output *o;

	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		snprintf(err, errlen, "output: out of memory");
		return NULL;
	}
	o->fd = -1;
	o->sending = -1;
	if (strcmp(spec, "-") == 0) {
		o->kind = OUT_STDOUT;
		o->fd = STDOUT_FILENO;
	} else if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5;
		if (*path == '\0' || strlen(path) >= sizeof(o->path)) {
			snprintf(err, errlen, "output '%s': the socket path must be 1 to %zu characters",
			    spec, sizeof(o->path) - 1);
			free(o);
			return NULL;
		}
		o->kind = OUT_UNIX;
		strcpy(o->path, path);
	} else if (strncmp(spec, "tcp:", 4) == 0 || strncmp(spec, "tls:", 4) == 0) {
		const char *hp = spec + 4, *colon;
		size_t hlen;
		if (*hp == '[') {
			const char *rb = strchr(hp, ']');
			if (rb == NULL || rb[1] != ':') {
				snprintf(err, errlen, "output '%s': expected %.3s:[ADDRESS]:PORT", spec, spec);
				free(o);
				return NULL;
			}
			hp++;
			hlen = (size_t)(rb - hp);
			colon = rb + 1;
		} else {
			colon = strrchr(hp, ':');
			if (colon == NULL) {
				snprintf(err, errlen, "output '%s': expected %.3s:HOST:PORT", spec, spec);
				free(o);
				return NULL;
			}
			hlen = (size_t)(colon - hp);
		}
		if (hlen == 0 || hlen >= sizeof(o->host) || strlen(colon + 1) == 0 ||
		    strlen(colon + 1) >= sizeof(o->port) ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535) {
			snprintf(err, errlen, "output '%s': expected %.3s:HOST:PORT with a port from 1 to 65535",
			    spec, spec);
			free(o);
			return NULL;
		}
		o->kind = strncmp(spec, "tls:", 4) == 0 ? OUT_TLS : OUT_TCP;
		memcpy(o->host, hp, hlen);
		o->host[hlen] = '\0';
		strcpy(o->port, colon + 1);
	} else {
		snprintf(err, errlen, "output '%s': expected '-', unix:PATH, tls:HOST:PORT or tcp:HOST:PORT", spec);
		free(o);
		return NULL;
	}
	return o;
}

static int
connect_unix(struct output *o)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, o->path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		o->connecting = 1;
		return fd;
	}
	snprintf(o->error, sizeof(o->error), "unix:%s: %s", o->path, strerror(errno));
	close(fd);
	return -1;
}

/* Resolves HOST:PORT into o->addrs. Returns 0, or -1 with o->error set. */
static int
resolve_tcp(struct output *o)
{
	struct addrinfo hints, *res, *ai;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(o->host, o->port, &hints, &res);
	if (rc != 0) {
		snprintf(o->error, sizeof(o->error), "tcp:%s:%s: %s", o->host, o->port,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	o->naddrs = 0;
	for (ai = res; ai != NULL && o->naddrs < OUTPUT_MAX_ADDRS; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(o->addrs[0]))
			continue;
		memcpy(&o->addrs[o->naddrs], ai->ai_addr, ai->ai_addrlen);
		o->addrlens[o->naddrs++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (o->naddrs == 0) {
		snprintf(o->error, sizeof(o->error), "tcp:%s:%s: no IPv4 or IPv6 address", o->host,
		    o->port);
		return -1;
	}
	return 0;
}

static int
connect_tcp(struct output *o)
{
	size_t i;
	int fd = -1;

	if (o->naddrs == 0 && resolve_tcp(o) != 0)
		return -1;
	for (i = 0; i < o->naddrs; i++) {
		/* Non-blocking: a collector that does not answer must not stall
		 * the capture; the connect completes on a later flush. */
		fd = socket(o->addrs[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			snprintf(o->error, sizeof(o->error), "tcp:%s:%s: socket: %s", o->host, o->port,
			    strerror(errno));
			continue;
		}
		if (connect(fd, (struct sockaddr *)&o->addrs[i], o->addrlens[i]) == 0 ||
		    errno == EINPROGRESS) {
			o->connecting = 1;
			break;
		}
		snprintf(o->error, sizeof(o->error), "tcp:%s:%s: %s", o->host, o->port, strerror(errno));
		close(fd);
		fd = -1;
	}
	return fd;
}

static void disconnect(struct output *o, int err);

/* tls: the handshake on a connected socket; 0 once done, -1 while not (yet). */
static int
tls_progress(struct output *o)
{
	int rc;

	if (o->ssl == NULL) {
		o->ssl = tls_ssl_new(o->tls, o->host);
		if (o->ssl == NULL || tls_set_fd(o->ssl, o->fd) != 0) {
			snprintf(o->error, sizeof(o->error), "tls:%s:%s: cannot start TLS", o->host, o->port);
			disconnect(o, 0);
			return -1;
		}
		o->handshaking = 1;
	}
	rc = tls_handshake(o->ssl);
	if (rc == 0)
		return -1;
	if (rc < 0) {
		char why[300];
		snprintf(o->error, sizeof(o->error), "tls:%s:%s: %s", o->host, o->port,
		    tls_error(o->ssl, why, sizeof(why)));
		disconnect(o, 0);
		return -1;
	}
	o->handshaking = 0;
	o->st.reconnects++;
	o->error[0] = '\0';
	o->last_sent_ms = mono_ms();
	return 0;
}

/* 0 when connected, -1 when not (yet): the queue waits. */
static int
ensure_connected(struct output *o)
{
	uint64_t now;

	if (o->fd >= 0 && !o->connecting && !o->handshaking) {
		/* The controller never sends: its side shut means it closed the
		 * connection (a restart, or quiet too long). A line written now
		 * would be lost; connect again instead. */
		struct pollfd pfd = { o->fd, POLLRDHUP, 0 };
		if (o->kind == OUT_STDOUT || poll(&pfd, 1, 0) <= 0 ||
		    !(pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return 0;
		snprintf(o->error, sizeof(o->error), "%s%s%s: closed by the controller",
		    o->kind == OUT_UNIX ? o->path : o->host, o->kind == OUT_UNIX ? "" : ":",
		    o->kind == OUT_UNIX ? "" : o->port);
		disconnect(o, 0);
		o->tried = 0;              /* not a failure: no wait before reconnecting */
	}
	if (o->fd >= 0 && o->handshaking)
		return tls_progress(o);
	if (o->fd >= 0 && o->connecting) {
		struct pollfd pfd = { o->fd, POLLOUT, 0 };
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (poll(&pfd, 1, 0) <= 0)
			return -1;                        /* still connecting */
		if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
			snprintf(o->error, sizeof(o->error), "tcp:%s:%s: %s", o->host, o->port,
			    strerror(soerr ? soerr : errno));
			close(o->fd);
			o->fd = -1;
			o->connecting = 0;
			return -1;
		}
		o->connecting = 0;
		if (o->kind == OUT_TLS)
			return tls_progress(o);
		o->st.reconnects++;
		o->error[0] = '\0';
		o->last_sent_ms = mono_ms();
		return 0;
	}
	now = mono_ms();
	if (o->tried && now - o->last_try_ms < RECONNECT_INTERVAL_MS)
		return -1;
	o->tried = 1;
	o->last_try_ms = now;
	o->connecting = 0;
	o->fd = o->kind == OUT_UNIX ? connect_unix(o) : connect_tcp(o);
	if (o->fd < 0)
		return -1;
	/* A line cut by the old connection is sent whole on the new one. */
	if (o->sending >= 0) {
		struct queue *q = &o->qs[o->sending];
		q->q[q->head].off = 0;
		o->sending = -1;
	}
	if (o->connecting)
		return ensure_connected(o);
	if (o->kind == OUT_TLS)
		return tls_progress(o);
	o->st.reconnects++;
	o->error[0] = '\0';
	o->last_sent_ms = mono_ms();
	return 0;
}

/* Drops the connection; err (an errno) says why, or 0 when o->error does. */
static void
disconnect(struct output *o, int err)
{
	if (err != 0)
		snprintf(o->error, sizeof(o->error), "%s: %s",
		    o->kind == OUT_STDOUT ? "stdout" : "connection", strerror(err));
	if (o->kind != OUT_STDOUT) {
		tls_ssl_free(o->ssl);
		o->ssl = NULL;
		o->handshaking = 0;
		close(o->fd);
		o->fd = -1;
		o->connecting = 0;
	}
}

static size_t
queued_total(const struct output *o)
{
	return o->qs[OUTPUT_DETECTION].len + o->qs[OUTPUT_SEEN].len;
}

/* Removes the head line of `q`, which has been sent or is dropped. */
static void
queue_pop(struct queue *q)
{
	free(q->q[q->head].text);
	q->q[q->head].text = NULL;
	q->head = (q->head + 1) % OUTPUT_QUEUE_LINES;
	q->len--;
}

/*
 * Drops the oldest asset report that is not partly sent, and counts it.
 * Returns 0, or -1 when there is none to drop.
 */
static int
drop_oldest_seen(struct output *o)
{
	struct queue *q = &o->qs[OUTPUT_SEEN];

	if (o->sending != OUTPUT_SEEN) {
		if (q->len == 0)
			return -1;
		queue_pop(q);
	} else {
		/* The head is on the wire: the one behind it goes, and the head
		 * moves into its slot. */
		size_t second = (q->head + 1) % OUTPUT_QUEUE_LINES;
		if (q->len < 2)
			return -1;
		free(q->q[second].text);
		q->q[second] = q->q[q->head];
		q->q[q->head].text = NULL;
		q->head = second;
		q->len--;
	}
	o->st.dropped[OUTPUT_SEEN]++;
	return 0;
}

/* The class whose head line goes next: a partly sent line first, then detections. */
static int
next_class(const struct output *o)
{
	if (o->sending >= 0)
		return o->sending;
	if (o->qs[OUTPUT_DETECTION].len > 0)
		return OUTPUT_DETECTION;
	if (o->qs[OUTPUT_SEEN].len > 0)
		return OUTPUT_SEEN;
	return -1;
}

size_t
output_flush(struct output *o)
{
	int cls;

	if (o->kind != OUT_STDOUT && o->fd >= 0 && !o->connecting && !o->handshaking &&
	    queued_total(o) == 0 && mono_ms() - o->last_sent_ms >= KEEPALIVE_MS) {
		struct queue *q = &o->qs[OUTPUT_SEEN];
		struct line *l = &q->q[(q->head + q->len) % OUTPUT_QUEUE_LINES];
		if ((l->text = strdup("\n")) != NULL) {
			l->len = 1;
			l->off = 0;
			l->keepalive = true;
			q->len++;
		}
	}

	while ((cls = next_class(o)) >= 0) {
		struct queue *q = &o->qs[cls];
		struct line *l = &q->q[q->head];
		ssize_t n;

		if (ensure_connected(o) != 0)
			break;
		/* ensure_connected may have restarted a cut line: choose again. */
		if (next_class(o) != cls)
			continue;
		if (o->kind == OUT_TLS) {
			long w = tls_write(o->ssl, l->text + l->off, l->len - l->off);
			if (w == 0)
				break;                    /* the peer is slow: the queues wait */
			if (w < 0) {
				char why[300];
				snprintf(o->error, sizeof(o->error), "tls:%s:%s: %s", o->host, o->port,
				    tls_error(o->ssl, why, sizeof(why)));
				disconnect(o, 0);
				continue;
			}
			n = (ssize_t)w;
		} else {
			n = o->kind == OUT_STDOUT ?
			    write(o->fd, l->text + l->off, l->len - l->off) :
			    send(o->fd, l->text + l->off, l->len - l->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;                    /* the peer is slow: the queues wait */
			disconnect(o, errno);
			if (o->kind == OUT_STDOUT)
				break;
			continue;
		}
		l->off += (size_t)n;
		if (l->off < l->len) {
			o->sending = cls;
			continue;
		}
		o->sending = -1;
		if (!l->keepalive)
			o->st.sent[cls]++;
		queue_pop(q);
		o->last_sent_ms = mono_ms();
	}
	return queued_total(o);
}

void
output_line(struct output *o, enum output_class cls, const char *text, size_t len)
{
	struct queue *q = &o->qs[cls];
	struct line *l;

	if (queued_total(o) == OUTPUT_QUEUE_LINES && drop_oldest_seen(o) != 0) {
		/* Only detections are queued (and perhaps one asset report on
		 * the wire): the new line is the one that goes. */
		o->st.dropped[cls]++;
		output_flush(o);
		return;
	}
	l = &q->q[(q->head + q->len) % OUTPUT_QUEUE_LINES];
	l->text = malloc(len);
	if (l->text == NULL) {
		o->st.dropped[cls]++;
		return;
	}
	memcpy(l->text, text, len);
	l->len = len;
	l->off = 0;
	l->keepalive = false;
	q->len++;
	output_flush(o);
}

size_t
output_drain(struct output *o, unsigned timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms;

	while (output_flush(o) > 0 && mono_ms() < deadline)
		poll(NULL, 0, 20);
	return queued_total(o);
}

void
output_set_tls(struct output *o, struct tls_ctx *tls)
{
	o->tls = tls;
}

bool
output_wants_tls(const struct output *o)
{
	return o->kind == OUT_TLS;
}

int
output_start(struct output *o, char *err, size_t errlen)
{
	if (o->kind == OUT_TLS && o->tls == NULL) {
		snprintf(err, errlen, "output tls:%s:%s: needs sensor.tls_certificate, tls_key and tls_ca",
		    o->host, o->port);
		return -1;
	}
	if ((o->kind == OUT_TCP || o->kind == OUT_TLS) && resolve_tcp(o) != 0) {
		snprintf(err, errlen, "%s", o->error);
		o->error[0] = '\0';
		return -1;
	}
	if (o->kind != OUT_STDOUT)
		ensure_connected(o);     /* a peer that is not there yet is retried later */
	return 0;
}

void
output_reach(const struct output *o, struct output_reach *r)
{
	size_t i, j;

	memset(r, 0, sizeof(*r));
	if (o->kind == OUT_UNIX) {
		r->families[r->nfamilies++] = AF_UNIX;
		r->by_path = 1;
	}
	for (i = 0; (o->kind == OUT_TCP || o->kind == OUT_TLS) && i < o->naddrs; i++) {
		for (j = 0; j < r->nfamilies && r->families[j] != o->addrs[i].ss_family; j++)
			;
		if (j == r->nfamilies)
			r->families[r->nfamilies++] = o->addrs[i].ss_family;
	}
}

const char *
output_error(const struct output *o)
{
	return o->error;
}

void
output_get_stats(const struct output *o, struct output_stats *s)
{
	int c;

	*s = o->st;
	for (c = 0; c < OUTPUT_CLASSES; c++)
		s->queued[c] = o->qs[c].len;
}

void
output_close(struct output *o)
{
	int c;

	if (o == NULL)
		return;
	for (c = 0; c < OUTPUT_CLASSES; c++)
		while (o->qs[c].len > 0)
			queue_pop(&o->qs[c]);
	tls_ssl_free(o->ssl);
	if (o->fd >= 0 && o->kind != OUT_STDOUT)
		close(o->fd);
	free(o);
}
