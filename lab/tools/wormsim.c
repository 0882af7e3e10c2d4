/* SPDX-License-Identifier: ISC */
/*
 * cordon-wormsim: the live outbreak of the lab. Each lab host runs one copy,
 * a harmless service on the emulated worm's port. When a "vulnerable" copy
 * receives the worm's marker probe it becomes "infected" and starts scanning
 * like the worm (sending the same marker probe), so an outbreak spreads
 * through the lab host by host and Cordon can be measured containing it.
 *
 * There is no exploit anywhere: "infection" is a flag set by a fixed text
 * string (docs/lab-worms.md, "The marker protocol"). The safety rules:
 * - every target lies inside --prefix, which must be private or
 *   documentation space; send_probe() checks each one and aborts otherwise;
 * - every loop is bounded in time (--duration, at most an hour; the program
 *   exits by itself) and in count (--max-probes, bounded connection tables);
 * - the seed mode (--infect) sends exactly one probe, to a private or
 *   documentation address.
 *
 * Service:  cordon-wormsim --worm W --listen IP --prefix CIDR [--vulnerable] ...
 * Seed:     cordon-wormsim --infect TARGET --worm W [--from IP] [--prefix CIDR]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labnet.h"
#include "labopt.h"

#define PROG "cordon-wormsim"

#define MARKER_PREFIX "CORDON-LAB-WORM-PROBE v1 "
#define SLAMMER_DATAGRAM 376       /* the size of Slammer's payload, so sensors see its shape */
#define MAX_INBOUND 32             /* probes being read at once */
#define MAX_OUTBOUND 64            /* connect()s in flight at once */
#define INBOUND_TIMEOUT_MS 2000    /* a prober has this long to send the marker */
#define INBOUND_BUF 128            /* the marker is shorter; more is not a probe */
#define MAX_PROBED_LINES 100       /* "probed" lines per run; later ones are only counted */
#define MAX_DURATION_S 3600
#define MAX_PROBES 1000000
#define MAX_RATE 10000.0
#define DEFAULT_DURATION_S 60
#define DEFAULT_MAX_PROBES 1000
#define DEFAULT_CONNECT_TIMEOUT_MS 500
#define SEED_TIMEOUT_MS 2000

enum worm { WORM_BLASTER, WORM_SASSER, WORM_SLAMMER };

struct worm_info {
	const char *name;
	uint16_t port;
	bool udp;
	double default_rate;       /* probes per second once infected */
};

/* Blaster ~10 addresses/s; Sasser's 128 threads are faster; Slammer is limited by bandwidth only. */
static const struct worm_info worms[] = {
	[WORM_BLASTER] = { "blaster", 135, false, 10.0 },
	[WORM_SASSER] = { "sasser", 445, false, 50.0 },
	[WORM_SLAMMER] = { "slammer", 1434, true, 200.0 },
};
#define NWORMS (sizeof(worms) / sizeof(worms[0]))

struct inbound {
	int fd;                    /* -1: free */
	uint32_t peer;
	int64_t deadline_ms;
	size_t len;
	char buf[INBOUND_BUF];
};

struct outbound {
	int fd;                    /* -1: free */
	uint32_t target;
	int64_t deadline_ms;
};

struct sim {
	enum worm worm;
	const struct worm_info *info;
	uint32_t self;
	struct labnet_prefix prefix;
	bool vulnerable;
	double rate;
	uint64_t max_probes;
	int64_t connect_timeout_ms;
	struct labnet_rng rng;
	int log_fd;
	char marker[64];
	size_t marker_len;

	int listen_fd;             /* TCP listener or UDP socket on the worm's port */
	int send_fd;               /* UDP: the socket probes leave from */
	struct inbound in[MAX_INBOUND];
	struct outbound out[MAX_OUTBOUND];

	bool infected;
	uint32_t infected_by;
	int64_t next_probe_us;     /* when the next probe is due (monotonic) */
	uint32_t next_sequential;  /* Blaster's walk */
	struct labnet_prefix local8, local16;

	uint64_t probes_received, probes_ignored, probed_lines;
	uint64_t probes_sent, connected, failed, timed_out, send_errors, deferred;
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- log ------------------------------------------------------------------------- */

/*
 * One JSON line: {"time":...,"utc":...,"event":EVENT,"host":...,"worm":..., REST}, written
 * whole by labnet_log_line, so the lines of many hosts sharing a log never
 * interleave.
 */
static void
log_event(struct sim *s, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
log_event(struct sim *s, const char *event, const char *fmt, ...)
{
	char worm[96];
	va_list ap;
	int rc;

	snprintf(worm, sizeof(worm), ",\"worm\":\"%s\"", s->info->name);
	va_start(ap, fmt);
	rc = labnet_log_line(s->log_fd, s->self, event, worm, fmt, ap);
	va_end(ap);
	if (rc != 0) {
		/* A lost log line loses the experiment's result: say so loudly once. */
		static bool warned;
		if (!warned)
			fprintf(stderr, PROG ": writing the log: %s\n", strerror(errno));
		warned = true;
	}
}

/* ---- targets --------------------------------------------------------------------- */

static uint32_t
random_in(struct sim *s, const struct labnet_prefix *block)
{
	uint32_t size = ~labnet_mask(block->len) + 1;

	return block->net + labnet_rng_below(&s->rng, size);
}

/*
 * The next address the worm probes, or 0 when none was found in a few
 * draws (a tiny prefix): the caller simply waits for the next tick.
 */
static uint32_t
next_target(struct sim *s)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		uint32_t a, pick;
		switch (s->worm) {
		case WORM_BLASTER:
			/* Sequential through the prefix, wrapping inside it. */
			a = s->next_sequential;
			s->next_sequential = a >= labnet_broadcast(&s->prefix) ? s->prefix.net : a + 1;
			break;
		case WORM_SASSER:
			/* Half anywhere, a quarter in the local /8, a quarter in the local /16. */
			pick = labnet_rng_below(&s->rng, 4);
			a = random_in(s, pick < 2 ? &s->prefix : pick == 2 ? &s->local8 : &s->local16);
			break;
		default:
			a = random_in(s, &s->prefix);
			break;
		}
		if (labnet_is_target(&s->prefix, a) && a != s->self)
			return a;
	}
	return 0;
}

/* ---- probes out -------------------------------------------------------------------- */

static void
close_outbound(struct outbound *o)
{
	close(o->fd);
	o->fd = -1;
}

/* Sends one probe to `target`. Returns false when no connection slot was free. */
static bool
send_probe(struct sim *s, uint32_t target, int64_t now)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(s->info->port) };
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(s->self) };
	struct outbound *o = NULL;
	int fd, i;

	/* The one rule that must never break: nothing leaves for outside the lab prefix. */
	if (!labnet_is_target(&s->prefix, target) || !labnet_addr_allowed(target)) {
		char shown[16];
		fprintf(stderr, PROG ": internal error: target %s outside the lab prefix; aborting\n",
		    labnet_ip_str(target, shown, sizeof(shown)));
		abort();
	}
	to.sin_addr.s_addr = htonl(target);
	if (s->info->udp) {
		uint8_t dgram[SLAMMER_DATAGRAM];
		memset(dgram, 0x01, sizeof(dgram));
		dgram[0] = 0x04;
		memcpy(dgram + 1, s->marker, s->marker_len);
		if (sendto(s->send_fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			s->send_errors++;
		s->probes_sent++;
		return true;
	}
	for (i = 0; i < MAX_OUTBOUND && o == NULL; i++)
		if (s->out[i].fd < 0)
			o = &s->out[i];
	if (o == NULL)
		return false;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		s->send_errors++;
		return true;
	}
	/* From the host's lab address, whatever else the namespace holds. */
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0) {
		close(fd);
		s->send_errors++;
		return true;
	}
	s->probes_sent++;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS) {
		close(fd);
		s->failed++;
		return true;
	}
	o->fd = fd;
	o->target = target;
	o->deadline_ms = now + s->connect_timeout_ms;
	return true;
}

/* A connect() finished: send the marker if it succeeded. */
static void
outbound_ready(struct sim *s, struct outbound *o)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		s->failed++;
	} else {
		/* A few dozen bytes into an empty socket buffer: never short. */
		if (send(o->fd, s->marker, s->marker_len, MSG_NOSIGNAL) == (ssize_t)s->marker_len)
			s->connected++;
		else
			s->send_errors++;
	}
	close_outbound(o);
}

/* Called every loop turn once infected: the probes due by `now`, at --rate. */
static void
scan_tick(struct sim *s, int64_t now)
{
	int64_t now_us = now * 1000, gap_us = (int64_t)(1e6 / s->rate);
	int burst = 0;

	if (!s->infected || s->probes_sent >= s->max_probes)
		return;
	/* After a stall, resume the pace instead of catching up in one burst. */
	if (now_us - s->next_probe_us > 1000000)
		s->next_probe_us = now_us;
	/* At most 64 per turn, so that one turn stays short whatever the rate. */
	while (s->next_probe_us <= now_us && s->probes_sent < s->max_probes && burst++ < 64) {
		uint32_t target = next_target(s);
		if (target != 0 && !send_probe(s, target, now)) {
			s->deferred++;
			return;     /* all connection slots busy: again when one frees */
		}
		s->next_probe_us += gap_us;
	}
	if (s->probes_sent >= s->max_probes)
		log_event(s, "scan_done", ",\"reason\":\"max-probes\",\"probes_sent\":%" PRIu64,
		    s->probes_sent);
}

/* ---- probes in ---------------------------------------------------------------------- */

static void
become_infected(struct sim *s, uint32_t by, int64_t now)
{
	char shown[16];

	s->infected = true;
	s->infected_by = by;
	s->next_probe_us = now * 1000;
	log_event(s, "infected", ",\"by\":\"%s\"", labnet_ip_str(by, shown, sizeof(shown)));
}

/* A marker probe from `by` arrived. */
static void
probe_received(struct sim *s, uint32_t by, int64_t now)
{
	char shown[16];

	s->probes_received++;
	if (s->vulnerable && !s->infected) {
		become_infected(s, by, now);
	} else if (!s->vulnerable && s->probed_lines < MAX_PROBED_LINES) {
		s->probed_lines++;
		log_event(s, "probed", ",\"by\":\"%s\"", labnet_ip_str(by, shown, sizeof(shown)));
	}
}

/* Whether the marker of this worm is at `p` (the whole marker line). */
static bool
has_marker(const struct sim *s, const char *p, size_t len)
{
	return len >= s->marker_len && memcmp(p, s->marker, s->marker_len) == 0;
}

static void
accept_probes(struct sim *s, int64_t now)
{
	int burst;

	for (burst = 0; burst < MAX_INBOUND; burst++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		struct inbound *c = NULL;
		int fd, i;

		for (i = 0; i < MAX_INBOUND && c == NULL; i++)
			if (s->in[i].fd < 0)
				c = &s->in[i];
		if (c == NULL)
			return;     /* full: the rest wait in the backlog */
		fd = accept4(s->listen_fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c->fd = fd;
		c->peer = ntohl(peer.sin_addr.s_addr);
		c->deadline_ms = now + INBOUND_TIMEOUT_MS;
		c->len = 0;
	}
}

static void
read_probe(struct sim *s, struct inbound *c, int64_t now)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->len += (size_t)n;
	if (has_marker(s, c->buf, c->len)) {
		probe_received(s, c->peer, now);
	} else if (n > 0 && c->len < sizeof(c->buf) && c->len < s->marker_len &&
	    memcmp(c->buf, s->marker, c->len) == 0) {
		return;     /* a prefix of the marker so far: wait for the rest */
	} else {
		s->probes_ignored++;   /* not our marker, or closed before it */
	}
	close(c->fd);
	c->fd = -1;
}

static void
read_datagram(struct sim *s, int64_t now)
{
	int burst;

	for (burst = 0; burst < 64; burst++) {
		char buf[2048];
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(s->listen_fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&peer, &len);

		if (n < 0)
			return;
		/* Slammer's shape: the first byte 0x04, then the marker. */
		if (n > 1 && buf[0] == 0x04 && has_marker(s, buf + 1, (size_t)n - 1))
			probe_received(s, ntohl(peer.sin_addr.s_addr), now);
		else
			s->probes_ignored++;
	}
}

/* ---- set-up ------------------------------------------------------------------------- */

static int
open_service(struct sim *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->info->port),
	    .sin_addr.s_addr = htonl(s->self) };
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(s->self) };
	int one = 1;

	s->listen_fd = socket(AF_INET, (s->info->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return -1;
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	if (!s->info->udp && listen(s->listen_fd, 64) != 0)
		return -1;
	if (s->info->udp) {
		/* Probes leave from an ephemeral port, as Slammer's own socket did. */
		s->send_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->send_fd < 0 || bind(s->send_fd, (struct sockaddr *)&any, sizeof(any)) != 0)
			return -1;
	}
	return 0;
}

static int
parse_worm(const char *arg, enum worm *w)
{
	size_t i;

	for (i = 0; i < NWORMS; i++) {
		if (strcmp(arg, worms[i].name) == 0) {
			*w = (enum worm)i;
			return 0;
		}
	}
	fprintf(stderr, PROG ": --worm '%s': one of blaster, sasser, slammer\n", arg);
	return -1;
}

/*
 * The seed mode: one marker probe to `target` to start an outbreak (patient
 * zero). Exit status 0 when the probe was delivered (TCP: connected and sent;
 * UDP: sent), 1 otherwise.
 */
static int
seed(struct sim *s, uint32_t target, bool from_set)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(s->info->port),
	    .sin_addr.s_addr = htonl(target) };
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(s->self) };
	char shown[16];
	int fd, err = 0, rc = 1;
	socklen_t len = sizeof(err);
	struct pollfd p;

	labnet_ip_str(target, shown, sizeof(shown));
	fd = socket(AF_INET, (s->info->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (from_set && bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0)) {
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (s->info->udp) {
		uint8_t dgram[SLAMMER_DATAGRAM];
		memset(dgram, 0x01, sizeof(dgram));
		dgram[0] = 0x04;
		memcpy(dgram + 1, s->marker, s->marker_len);
		if (sendto(fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&to, sizeof(to)) ==
		    (ssize_t)sizeof(dgram))
			rc = 0;
		else
			fprintf(stderr, PROG ": --infect %s: %s\n", shown, strerror(errno));
		close(fd);
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS) {
		fprintf(stderr, PROG ": --infect %s: connect: %s\n", shown, strerror(errno));
		close(fd);
		return 1;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, SEED_TIMEOUT_MS) != 1) {
		fprintf(stderr, PROG ": --infect %s: no answer on tcp/%u within %d ms\n", shown,
		    s->info->port, SEED_TIMEOUT_MS);
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		fprintf(stderr, PROG ": --infect %s: connect: %s\n", shown, strerror(err));
	} else if (send(fd, s->marker, s->marker_len, MSG_NOSIGNAL) != (ssize_t)s->marker_len) {
		fprintf(stderr, PROG ": --infect %s: send: %s\n", shown, strerror(errno));
	} else {
		rc = 0;
	}
	close(fd);
out:
	if (rc == 0)
		printf("{\"event\":\"seeded\",\"target\":\"%s\",\"worm\":\"%s\",\"proto\":\"%s\","
		    "\"port\":%u}\n", shown, s->info->name, s->info->udp ? "udp" : "tcp", s->info->port);
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --worm blaster|sasser|slammer --listen IP --prefix CIDR [--vulnerable]\n"
	    "                      [--rate PPS] [--max-probes N] [--duration S] [--log FILE]\n"
	    "                      [--seed S] [--connect-timeout MS]\n"
	    "       " PROG " --infect TARGET --worm W [--from IP] [--prefix CIDR]\n"
	    "A lab host's harmless worm service: listens on the worm's port (blaster tcp/135,\n"
	    "sasser tcp/445, slammer udp/1434) for the marker probe \"" MARKER_PREFIX "W\".\n"
	    "  --listen IP           this host's lab address (inside --prefix)\n"
	    "  --prefix CIDR         the lab prefix; probes go only there (private or\n"
	    "                        documentation space only)\n"
	    "  --vulnerable          a probe infects this host: it then scans --prefix itself\n"
	    "  --rate PPS            probes per second once infected (blaster 10, sasser 50,\n"
	    "                        slammer 200; at most %.0f)\n"
	    "  --max-probes N        probes sent at most (default %d)\n"
	    "  --duration S          exit after S seconds (default %d, at most %d)\n"
	    "  --log FILE            JSON lines appended here (default stdout)\n"
	    "  --seed S              PRNG seed for the targets (default: from --listen)\n"
	    "  --connect-timeout MS  a probe's connect() gives up after MS (default %d)\n"
	    "  --infect TARGET       send one marker probe to TARGET and exit (patient zero)\n"
	    "  --from IP             with --infect: the source address to use\n",
	    MAX_RATE, DEFAULT_MAX_PROBES, DEFAULT_DURATION_S, MAX_DURATION_S,
	    DEFAULT_CONNECT_TIMEOUT_MS);
}

static void
run(struct sim *s, int64_t duration_ms)
{
	int64_t start = now_ms(), end = start + duration_ms;
	/* Every turn either handles an event or sleeps until the next deadline;
	 * the cap is a second guard besides the clock. */
	uint64_t turns, max_turns = (uint64_t)duration_ms * 1000 + 1000;
	const char *reason = "duration";
	char shown[16];

	for (turns = 0; turns < max_turns; turns++) {
		struct pollfd pfd[1 + MAX_INBOUND + MAX_OUTBOUND];
		struct inbound *pin[MAX_INBOUND];
		struct outbound *pout[MAX_OUTBOUND];
		int64_t now = now_ms(), wake = end;
		int n = 0, nin = 0, nout = 0, i, timeout;

		if (stop_signal != 0) {
			reason = "signal";
			break;
		}
		if (now >= end)
			break;
		scan_tick(s, now);
		if (s->infected && s->probes_sent < s->max_probes && s->next_probe_us / 1000 < wake)
			wake = s->next_probe_us / 1000;
		pfd[n].fd = s->listen_fd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < MAX_INBOUND; i++) {
			struct inbound *c = &s->in[i];
			if (c->fd < 0)
				continue;
			if (now >= c->deadline_ms) {
				s->probes_ignored++;   /* connected, never sent a marker */
				close(c->fd);
				c->fd = -1;
				continue;
			}
			if (c->deadline_ms < wake)
				wake = c->deadline_ms;
			pin[nin++] = c;
			pfd[n].fd = c->fd;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < MAX_OUTBOUND; i++) {
			struct outbound *o = &s->out[i];
			if (o->fd < 0)
				continue;
			if (now >= o->deadline_ms) {
				s->timed_out++;
				close_outbound(o);
				continue;
			}
			if (o->deadline_ms < wake)
				wake = o->deadline_ms;
			pout[nout++] = o;
			pfd[n].fd = o->fd;
			pfd[n++].events = POLLOUT;
		}
		timeout = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			reason = "error";
			break;
		}
		now = now_ms();
		if (pfd[0].revents & POLLIN) {
			if (s->info->udp)
				read_datagram(s, now);
			else
				accept_probes(s, now);
		}
		for (i = 0; i < nin; i++)
			if (pfd[1 + i].revents != 0)
				read_probe(s, pin[i], now);
		for (i = 0; i < nout; i++)
			if (pfd[1 + nin + i].revents != 0)
				outbound_ready(s, pout[i]);
	}
	log_event(s, "summary", ",\"vulnerable\":%s,\"infected\":%s,\"infected_by\":%s%s%s,"
	    "\"probes_received\":%" PRIu64 ",\"probes_ignored\":%" PRIu64 ",\"probes_sent\":%" PRIu64
	    ",\"connected\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"timed_out\":%" PRIu64
	    ",\"send_errors\":%" PRIu64 ",\"exit\":\"%s\",\"seconds\":%.1f",
	    s->vulnerable ? "true" : "false", s->infected ? "true" : "false",
	    s->infected ? "\"" : "null", s->infected ? labnet_ip_str(s->infected_by, shown,
	    sizeof(shown)) : "", s->infected ? "\"" : "", s->probes_received, s->probes_ignored,
	    s->probes_sent, s->connected, s->failed, s->timed_out, s->send_errors, reason,
	    (double)(now_ms() - start) / 1000.0);
}

int
main(int argc, char **argv)
{
	enum { OPT_WORM = 256, OPT_LISTEN, OPT_PREFIX, OPT_VULN, OPT_RATE, OPT_MAXP, OPT_DUR,
	       OPT_LOG, OPT_SEED, OPT_CTO, OPT_INFECT, OPT_FROM };
	static const struct option longopts[] = {
		{ "worm", required_argument, NULL, OPT_WORM },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "vulnerable", no_argument, NULL, OPT_VULN },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "max-probes", required_argument, NULL, OPT_MAXP },
		{ "duration", required_argument, NULL, OPT_DUR },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "connect-timeout", required_argument, NULL, OPT_CTO },
		{ "infect", required_argument, NULL, OPT_INFECT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sim s;
	const char *worm_arg = NULL, *listen_arg = NULL, *prefix_arg = NULL, *log_path = NULL;
	const char *infect_arg = NULL, *from_arg = NULL;
	uint64_t seed_value = 0, duration_s = DEFAULT_DURATION_S;
	bool seed_set = false, rate_set = false;
	char err[256];
	struct sigaction sa;
	int opt, i;

	s.max_probes = DEFAULT_MAX_PROBES;
	s.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_WORM: worm_arg = optarg; break;
		case OPT_LISTEN: listen_arg = optarg; break;
		case OPT_PREFIX: prefix_arg = optarg; break;
		case OPT_VULN: s.vulnerable = true; break;
		case OPT_LOG: log_path = optarg; break;
		case OPT_INFECT: infect_arg = optarg; break;
		case OPT_FROM: from_arg = optarg; break;
		case OPT_RATE:
			s.rate = labopt_arg_rate(PROG, optarg, 0.1, MAX_RATE, "probes per second");
			rate_set = true;
			break;
		case OPT_MAXP:
			s.max_probes = labopt_arg_u64(PROG, "--max-probes", optarg, 0, MAX_PROBES);
			break;
		case OPT_DUR:
			duration_s = labopt_arg_u64(PROG, "--duration", optarg, 1, MAX_DURATION_S);
			break;
		case OPT_SEED:
			seed_value = labopt_arg_u64(PROG, "--seed", optarg, 0, UINT64_MAX);
			seed_set = true;
			break;
		case OPT_CTO:
			s.connect_timeout_ms = (int64_t)labopt_arg_u64(PROG, "--connect-timeout", optarg,
			    10, 60000);
			break;
		default:
			return labopt_other(opt, usage);
		}
	}
	if (labopt_no_operands(PROG, argc, argv) != 0)
		return 2;
	if (worm_arg == NULL) {
		fprintf(stderr, PROG ": --worm is required\n");
		usage(stderr);
		return 2;
	}
	if (parse_worm(worm_arg, &s.worm) != 0)
		return 2;
	s.info = &worms[s.worm];
	s.marker_len = (size_t)snprintf(s.marker, sizeof(s.marker), MARKER_PREFIX "%s\n",
	    s.info->name);
	if (prefix_arg != NULL) {
		if (labnet_parse_prefix(prefix_arg, &s.prefix, err, sizeof(err)) != 0 ||
		    !labnet_prefix_allowed(&s.prefix, err, sizeof(err))) {
			fprintf(stderr, PROG ": --prefix: %s\n", err);
			return 2;
		}
	}

	if (infect_arg != NULL) {
		uint32_t target;
		if (listen_arg != NULL || s.vulnerable) {
			fprintf(stderr, PROG ": --infect sends one probe and exits: no --listen or "
			    "--vulnerable with it\n");
			return 2;
		}
		if (labnet_parse_ip(infect_arg, &target) != 0) {
			fprintf(stderr, PROG ": --infect '%s': not an IPv4 address\n", infect_arg);
			return 2;
		}
		if (!labnet_addr_allowed(target)) {
			fprintf(stderr, PROG ": --infect %s: not a private or documentation address "
			    "(10/8, 172.16/12, 192.168/16, 192.0.2/24, 198.51.100/24, 203.0.113/24): "
			    "refused\n", infect_arg);
			return 2;
		}
		if (prefix_arg != NULL && !labnet_is_target(&s.prefix, target)) {
			fprintf(stderr, PROG ": --infect %s: not a host address of --prefix %s: "
			    "refused\n", infect_arg, prefix_arg);
			return 2;
		}
		if (from_arg != NULL && labnet_parse_ip(from_arg, &s.self) != 0) {
			fprintf(stderr, PROG ": --from '%s': not an IPv4 address\n", from_arg);
			return 2;
		}
		return seed(&s, target, from_arg != NULL);
	}

	if (listen_arg == NULL || prefix_arg == NULL) {
		fprintf(stderr, PROG ": --listen and --prefix are required (or --infect)\n");
		usage(stderr);
		return 2;
	}
	if (from_arg != NULL) {
		fprintf(stderr, PROG ": --from goes with --infect only\n");
		return 2;
	}
	if (labnet_parse_ip(listen_arg, &s.self) != 0) {
		fprintf(stderr, PROG ": --listen '%s': not an IPv4 address\n", listen_arg);
		return 2;
	}
	if (!labnet_is_target(&s.prefix, s.self)) {
		fprintf(stderr, PROG ": --listen %s is not a host address of --prefix %s\n", listen_arg,
		    prefix_arg);
		return 2;
	}
	if (!rate_set)
		s.rate = s.info->default_rate;
	/* Each host draws its own targets; the same host draws the same ones every run. */
	s.rng.state = seed_set ? seed_value : 0x6c61622d776f726dULL ^ s.self;
	s.local8 = labnet_local_block(&s.prefix, s.self, 8);
	s.local16 = labnet_local_block(&s.prefix, s.self, 16);
	{
		/* Blaster: sequential from a random point of the local /24. */
		struct labnet_prefix l24 = labnet_local_block(&s.prefix, s.self, 24);
		s.next_sequential = l24.net + labnet_rng_below(&s.rng, ~labnet_mask(l24.len) + 1);
	}
	for (i = 0; i < MAX_INBOUND; i++)
		s.in[i].fd = -1;
	for (i = 0; i < MAX_OUTBOUND; i++)
		s.out[i].fd = -1;
	s.send_fd = -1;

	if (log_path != NULL) {
		s.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (s.log_fd < 0) {
			fprintf(stderr, PROG ": --log %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	} else {
		s.log_fd = STDOUT_FILENO;
	}
	if (open_service(&s) != 0) {
		fprintf(stderr, PROG ": %s/%u on %s: %s\n", s.info->udp ? "udp" : "tcp", s.info->port,
		    listen_arg, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_event(&s, "listening", ",\"proto\":\"%s\",\"port\":%u,\"vulnerable\":%s,"
	    "\"prefix\":\"%s\",\"duration_s\":%" PRIu64, s.info->udp ? "udp" : "tcp", s.info->port,
	    s.vulnerable ? "true" : "false", prefix_arg, duration_s);
	run(&s, (int64_t)duration_s * 1000);
	for (i = 0; i < MAX_INBOUND; i++)
		if (s.in[i].fd >= 0)
			close(s.in[i].fd);
	for (i = 0; i < MAX_OUTBOUND; i++)
		if (s.out[i].fd >= 0)
			close(s.out[i].fd);
	close(s.listen_fd);
	if (s.send_fd >= 0)
		close(s.send_fd);
	if (log_path != NULL)
		close(s.log_fd);
	return 0;
}
