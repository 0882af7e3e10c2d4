/* SPDX-License-Identifier: ISC */
/*
 * daemon: cordond's lifecycle: the command line, the loop, the sensor inputs
 * (listeners and in-process sensors on local interfaces), the periodic tick,
 * and the front ends it starts (ctl, http, verify). The top of the
 * controller: it calls everything, nothing calls it (see cordon_priv.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/random.h>
#include <netdb.h>
#include <sys/socket.h>

#include "capture.h"
#include "cordon.h"
#include "ctl.h"
#include "daemon.h"
#include "http.h"
#include "detector.h"
#include "log.h"
#include "tls.h"
#include "daemon_user.h"
#include "snmp_receiver.h"
#include "verify.h"

#define TICK_SECONDS 1.0

/* cordond: the core and what the daemon runs around it. */
struct daemon {
	struct loop *loop;                /* owned */
	struct cordon *c;                 /* owned */
	struct loop_timer *tick;          /* owned */
	struct http_server *http;         /* owned; NULL when off */
	struct tls_ctx *sensor_tls;       /* owned; NULL without tls: listeners */
	struct verifier *verify;          /* owned */
	struct local_sensor *locals;      /* owned list: in-process sensors */
	struct loop_timer *follow_timer;  /* owned; NULL when follow.interval is 0 */
	double follow_interval;
	struct snmprx *rx;                /* owned; NULL when follow.listen is unset */
	struct sender *senders;           /* owned: the points' addresses */
	size_t nsenders;
	uint64_t unknown_senders;         /* notifications from no point's address */
};

/* An enforcement point's address, to know which point sent a notification. */
struct sender {
	struct ip_addr addr;              /* IPv4 as ::ffff:a.b.c.d, as the receiver's text parses */
	char point[ENF_NAME_LEN];
};

/* ---- sensor input ------------------------------------------------------------ */

/* Where a sensor line came from, for messages: the listener, and over TCP
 * or TLS the peer (and its certificate's name). */
static const char *
sensor_from(struct loop_conn *conn, char *buf, size_t len)
{
	const char *peer = loop_conn_peer(conn), *name = loop_conn_peer_name(conn);

	if (*name)
		snprintf(buf, len, "%s (%s, certificate '%s')", loop_conn_server(conn), peer, name);
	else if (*peer)
		snprintf(buf, len, "%s (%s)", loop_conn_server(conn), peer);
	else
		snprintf(buf, len, "%s", loop_conn_server(conn));
	return buf;
}

/*
 * A rejected sensor line: counted, and said in the log for the first and
 * then every 1000th of its connection (with the count), so that a sender of
 * garbage cannot flood the log.
 */
static void
sensor_rejected(struct cordon *c, struct loop_conn *conn, bool oversize, const char *what,
    const char *err)
{
	/* A sensor connection's data is not a pointer but the count of its
	 * rejected lines: nothing to free, whichever way it closes. */
	uintptr_t n = (uintptr_t)loop_conn_data(conn) + 1;
	char from[500];

	cordon_input_rejected(c, oversize);
	loop_conn_set_data(conn, (void *)n);
	if (n % 1000 != 1)
		return;
	if (n == 1)
		log_warnx("sensor %s: rejected %s: %s", sensor_from(conn, from, sizeof(from)), what, err);
	else
		log_warnx("sensor %s: rejected %s: %s (its rejected line %" PRIuPTR "; the first and every "
		    "1000th of a connection are logged)", sensor_from(conn, from, sizeof(from)), what, err, n);
}

static void
sensor_line(void *arg, struct loop_conn *conn, const char *line, size_t len)
{
	struct cordon *c = arg;
	struct detection d;
	/* Over TLS the sensor is who its certificate names, whatever it says. */
	const char *identity = loop_conn_peer_name(conn);
	char err[256];

	if (len == 0)
		return;
	if (event_line_is_seen(line, len)) {
		struct seen_host h;
		if (seen_from_json(line, len, &h, err, sizeof(err)) != 0) {
			sensor_rejected(c, conn, false, "a seen report", err);
			return;
		}
		if (*identity)
			snprintf(h.sensor, sizeof(h.sensor), "%.*s", (int)sizeof(h.sensor) - 1, identity);
		cordon_seen(c, &h);
		return;
	}
	if (detection_from_json(line, len, &d, err, sizeof(err)) != 0) {
		sensor_rejected(c, conn, false, "a line", err);
		return;
	}
	if (*identity && strcmp(d.sensor, identity) != 0) {
		/* The canonical form of any detection fits: numbers, addresses, a
		 * signature's name and a sensor name of DET_SENSOR_LEN escaped. */
		char named[2048];
		snprintf(d.sensor, sizeof(d.sensor), "%.*s", (int)sizeof(d.sensor) - 1, identity);
		/* What is stored says the same as what is decided on: never the
		 * line itself, which names another sensor. */
		if (detection_to_json(&d, d.sensor, named, sizeof(named)) < 0) {
			sensor_rejected(c, conn, false, "a line", "it cannot be stored under its certificate's name");
			return;
		}
		cordon_detection(c, &d, named);
		return;
	}
	cordon_detection(c, &d, line);
}

static void
sensor_refused(void *arg, struct loop_conn *conn, const char *why)
{
	struct cordon *c = arg;
	char from[500];

	cordon_input_rejected(c, false);
	log_warnx("sensor %s: refused: %s", sensor_from(conn, from, sizeof(from)), why);
}

static void
sensor_oversize(void *arg, struct loop_conn *conn)
{
	struct cordon *c = arg;

	char why[64];

	snprintf(why, sizeof(why), "longer than %u bytes", cordon_conf(c)->max_line);
	sensor_rejected(c, conn, true, "a line", why);
}

static void
sensor_close(void *arg, struct loop_conn *conn)
{
	uintptr_t rejected = (uintptr_t)loop_conn_data(conn);   /* sensor_rejected's count */
	char from[500];

	(void)arg;
	if (rejected > 1)
		log_warnx("sensor %s: closed after %" PRIuPTR " rejected lines",
		    sensor_from(conn, from, sizeof(from)), rejected);
}

static void
sensor_limit(void *arg, struct loop_conn *conn, const char *why)
{
	char from[500];

	(void)arg;
	log_warnx("sensor %s: closed: %s", sensor_from(conn, from, sizeof(from)), why);
}

static void
sensor_full(void *arg, const char *spec, uint64_t refused)
{
	struct cordon *c = arg;

	cordon_conn_refused(c);
	/* Whoever fills the listener would otherwise flood the log too. */
	if (refused == 1 || refused % 1000 == 0)
		log_warnx("sensor listener %s: refused a connection, %d already open (%llu refused so far; "
		    "quiet ones are closed after sensors.idle_timeout, %u s)", spec, LOOP_MAX_CONNS,
		    (unsigned long long)refused, cordon_conf(c)->sensor_idle_s);
}

static void
sensor_accept_error(void *arg, const char *spec, int err, double pause_s)
{
	(void)arg;
	/* Once per episode (loop.h): sensors retrying must not flood the log. */
	log_warnx("sensor listener %s: accept failed: %s; not accepting for %g s, then again "
	    "(logged once until one succeeds)", spec, strerror(err), pause_s);
}

static const struct loop_conn_ops sensor_ops = { sensor_line, sensor_oversize, sensor_close,
	sensor_refused, sensor_limit, sensor_full, sensor_accept_error };

/* ---- sensors on local interfaces (the detectors library in process) ---------- */

#define LOCAL_BATCH 1024

struct local_sensor {
	struct cordon *c;
	struct capture *cap;          /* owned */
	struct detector *det;         /* owned */
	char name[80];                /* "local:IFACE", carried in the stored events */
	int linktype;
	struct local_sensor *next;
};

static void
local_emit(void *arg, const struct detection *d)
{
	struct local_sensor *ls = arg;
	struct detection named = *d;
	char line[2048];

	/* Named as a remote sensor's line would be (networks.segment_sensors). */
	snprintf(named.sensor, sizeof(named.sensor), "%.*s", DET_SENSOR_LEN - 1, ls->name);
	if (detection_to_json(d, ls->name, line, sizeof(line)) < 0)
		return;
	line[strcspn(line, "\n")] = '\0';
	cordon_detection(ls->c, &named, line);
}

static void
local_seen(void *arg, const struct seen_host *h)
{
	struct local_sensor *ls = arg;
	struct seen_host named = *h;

	snprintf(named.sensor, sizeof(named.sensor), "%.*s", DET_SENSOR_LEN - 1, ls->name);
	cordon_seen(ls->c, &named);
}

static void
local_readable(void *arg)
{
	struct local_sensor *ls = arg;
	char err[512];

	if (capture_dispatch(ls->cap, LOCAL_BATCH, detector_frame, ls->det, err,
	    sizeof(err)) < 0)
		log_warnx("sensor %s: %s", ls->name, err);
}

static int
local_sensors_start(struct daemon *dm, char *err, size_t errlen)
{
	const struct cordon_conf *conf = cordon_conf(dm->c);
	struct det_config det = conf->det;
	size_t i;

	if (det.seen_interval_ms == DETCFG_AUTO)
		det.seen_interval_ms = DETCFG_SEEN_INTERVAL_MS;
	if (det.hash_seed == 0 &&
	    getrandom(&det.hash_seed, sizeof(det.hash_seed), 0) != sizeof(det.hash_seed))
		det.hash_seed = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < conf->ninterfaces; i++) {
		struct local_sensor *ls = calloc(1, sizeof(*ls));
		char why[512];
		if (ls == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		ls->c = dm->c;
		snprintf(ls->name, sizeof(ls->name), "local:%s", conf->interfaces[i]);
		ls->next = dm->locals;
		dm->locals = ls;
		ls->cap = capture_open_live(conf->interfaces[i], why, sizeof(why));
		if (ls->cap == NULL) {
			snprintf(err, errlen, "sensors.interfaces: %s", why);
			return -1;
		}
		ls->linktype = capture_linktype(ls->cap);
		if (!decode_link_supported(ls->linktype)) {
			snprintf(err, errlen, "sensors.interfaces: %s: link type %s is not supported",
			    conf->interfaces[i], capture_linktype_name(ls->cap));
			return -1;
		}
		ls->det = detector_new(&det, local_emit, ls);
		if (ls->det == NULL) {
			snprintf(err, errlen, "sensors.interfaces: %s: cannot allocate the detector's tables",
			    conf->interfaces[i]);
			return -1;
		}
		detector_set_linktype(ls->det, ls->linktype);
		detector_set_seen_report(ls->det, local_seen, ls);
		if (loop_watch_fd(dm->loop, capture_fd(ls->cap), local_readable, ls) != 0) {
			snprintf(err, errlen, "sensors.interfaces: %s: cannot watch the capture", conf->interfaces[i]);
			return -1;
		}
		log_info("sensor on %s (link type %s)", conf->interfaces[i], capture_linktype_name(ls->cap));
	}
	return 0;
}

static void
local_sensors_free(struct daemon *dm)
{
	while (dm->locals) {
		struct local_sensor *ls = dm->locals;
		dm->locals = ls->next;
		detector_free(ls->det);
		capture_close(ls->cap);
		free(ls);
	}
}

/* ---- following quarantined hosts that move ------------------------------------ */

/*
 * The points' configured addresses (their "address" setting), resolved once
 * at start: a name is looked up then, not for every notification.
 */
static int
senders_load(struct daemon *dm, const struct cordon_conf *conf, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < conf->npoints; i++) {
		const struct conf_point *cp = &conf->points[i];
		for (j = 0; j < cp->nparams; j++) {
			struct addrinfo hints, *res = NULL, *ai;
			struct sender *nv;
			int rc;
			if (strcmp(cp->params[j].key, "address") != 0)
				continue;
			memset(&hints, 0, sizeof(hints));
			hints.ai_socktype = SOCK_DGRAM;
			rc = getaddrinfo(cp->params[j].value, NULL, &hints, &res);
			if (rc != 0) {
				snprintf(err, errlen, "%s:%d: enforcement '%s': address '%s': %s (needed to "
				    "know its notifications)", conf->path, cp->params[j].line, cp->name,
				    cp->params[j].value, gai_strerror(rc));
				return -1;
			}
			for (ai = res; ai; ai = ai->ai_next) {
				struct ip_addr a;
				if (ai->ai_family == AF_INET &&
				    ai->ai_addrlen >= sizeof(struct sockaddr_in))
					ip_from_v4(&a, (const uint8_t *)&((const struct sockaddr_in *)
					    (const void *)ai->ai_addr)->sin_addr);
				else if (ai->ai_family == AF_INET6 &&
				    ai->ai_addrlen >= sizeof(struct sockaddr_in6))
					memcpy(a.b, ((const struct sockaddr_in6 *)(const void *)ai->ai_addr)
					    ->sin6_addr.s6_addr, sizeof(a.b));
				else
					continue;
				nv = realloc(dm->senders, (dm->nsenders + 1) * sizeof(*nv));
				if (nv == NULL) {
					freeaddrinfo(res);
					snprintf(err, errlen, "out of memory");
					return -1;
				}
				dm->senders = nv;
				memset(&nv[dm->nsenders], 0, sizeof(*nv));
				nv[dm->nsenders].addr = a;
				snprintf(nv[dm->nsenders].point, sizeof(nv->point), "%s", cp->name);
				dm->nsenders++;
			}
			freeaddrinfo(res);
		}
	}
	return 0;
}

static const char *
sender_point(const struct daemon *dm, const char *from)
{
	struct ip_addr a;
	size_t i;

	if (ip_from_str(from, &a) != 0)
		return NULL;
	for (i = 0; i < dm->nsenders; i++)
		if (memcmp(&a, &dm->senders[i].addr, sizeof(a)) == 0)
			return dm->senders[i].point;
	return NULL;
}

static void
follow_figures(struct daemon *dm)
{
	struct snmprx_stats st;

	if (dm->rx == NULL)
		return;
	snmprx_get_stats(dm->rx, &st);
	cordon_follow_set_notifications(dm->c, st.accepted - dm->unknown_senders,
	    st.refused_auth + st.refused_type + st.malformed + dm->unknown_senders);
}

static void
on_notification(void *arg, const char *from, const struct snmpn_decoded *d)
{
	struct daemon *dm = arg;
	struct cordon_port_event ev[SNMPN_MAX_EVENTS];
	const char *point = sender_point(dm, from);
	size_t i, n = 0;

	if (point == NULL) {
		/* The first and then every 1000th: a stray sender must not flood the log. */
		if (dm->unknown_senders++ % 1000 == 0)
			log_warnx("follow: a notification from %s, which is no enforcement point's address: "
			    "dropped (%" PRIu64 " so far)", from, dm->unknown_senders);
		follow_figures(dm);
		return;
	}
	for (i = 0; i < d->n && n < SNMPN_MAX_EVENTS; i++) {
		const struct snmpn_event *e = &d->ev[i];
		memset(&ev[n], 0, sizeof(ev[n]));
		switch (e->kind) {
		case SNMPN_LINK_DOWN:
		case SNMPN_LINK_UP:
			ev[n].kind = e->kind == SNMPN_LINK_UP ? CPE_LINK_UP : CPE_LINK_DOWN;
			ev[n].ifindex = e->if_index;
			n++;
			break;
		case SNMPN_MAC_MOVED:
			/* Where it left counts too: the host may be recorded there. */
			ev[n].kind = CPE_MAC;
			ev[n].bridge_port = (int32_t)e->from_port;
			memcpy(ev[n].mac, e->mac, 6);
			if (++n == SNMPN_MAX_EVENTS)
				break;
			memset(&ev[n], 0, sizeof(ev[n]));
			/* FALLTHROUGH */
		case SNMPN_MAC_LEARNT:
		case SNMPN_MAC_REMOVED:
			ev[n].kind = CPE_MAC;
			ev[n].bridge_port = (int32_t)e->bridge_port;
			memcpy(ev[n].mac, e->mac, 6);
			n++;
			break;
		}
	}
	log_debug("follow: notification from %s (%s): %zu events", point,
	    d->result == SNMPN_EVENTS ? "used" : "ignored", n);
	if (cordon_leading(dm->c))
		cordon_follow_events(dm->c, point, ev, n);
	follow_figures(dm);
}

static void
on_follow_timer(void *arg)
{
	struct daemon *dm = arg;

	if (cordon_leading(dm->c))
		cordon_follow_all(dm->c);
	loop_timer_arm(dm->follow_timer, dm->follow_interval);
}

/* The periodic check and the notification listener, as configured. */
static int
follow_start(struct daemon *dm, const struct cordon_conf *conf, char *err, size_t errlen)
{
	const struct conf_follow *f = &conf->follow;
	const char *engines[CONF_MAX_ENGINE_IDS + 1];
	struct snmprx_conf rc;
	char why[512];
	size_t i;

	if (f->interval_s > 0) {
		dm->follow_interval = f->interval_s;
		if ((dm->follow_timer = loop_timer_new(dm->loop, on_follow_timer, dm)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (f->listen[0] == '\0')
		return 0;
	if (!snmpc_global_ready()) {
		snprintf(err, errlen, "%s:%d: follow.listen: notifications come from SNMP switches, and no "
		    "SNMP enforcement point is configured", conf->path, f->line);
		return -1;
	}
	if (senders_load(dm, conf, err, errlen) != 0)
		return -1;
	for (i = 0; i < f->nv3_engine_ids; i++)
		engines[i] = f->v3_engine_ids[i];
	engines[f->nv3_engine_ids] = NULL;
	memset(&rc, 0, sizeof(rc));
	rc.listen = f->listen;
	rc.community = f->community[0] ? f->community : NULL;
	rc.v3_user = f->v3_user[0] ? f->v3_user : NULL;
	rc.v3_auth_pass = f->v3_auth_pass;
	rc.v3_priv_pass = f->v3_priv_pass;
	rc.v3_engine_ids = f->nv3_engine_ids ? engines : NULL;
	dm->rx = snmprx_open(dm->loop, &rc, on_notification, dm, why, sizeof(why));
	if (dm->rx == NULL) {
		snprintf(err, errlen, "%s:%d: follow.listen: %s", conf->path, f->line, why);
		return -1;
	}
	log_info("follow: notifications on %s (%s%s%s), %zu point addresses", f->listen,
	    f->community[0] ? "v1/v2c" : "", f->community[0] && f->v3_user[0] ? ", " : "",
	    f->v3_user[0] ? "v3 authPriv" : "", dm->nsenders);
	return 0;
}

/* ---- lifecycle -------------------------------------------------------------- */

static void
on_tick(void *arg)
{
	struct daemon *dm = arg;
	struct local_sensor *ls;

	/* A capture descriptor can stay quiet while packets wait in the ring;
	 * and on a quiet link unanswered first contacts must still fail on time. */
	for (ls = dm->locals; ls; ls = ls->next) {
		struct timeval now;
		local_readable(ls);
		gettimeofday(&now, NULL);
		detector_tick(ls->det, (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_usec);
	}
	cordon_lead_tick(dm->c);
	/* A follower acts on nothing: no retries, checks, probation or pruning. */
	if (cordon_leading(dm->c)) {
		cordon_tick(dm->c);
		verify_tick(dm->verify);
	}
	follow_figures(dm);
	loop_timer_arm(dm->tick, TICK_SECONDS);
}

static void
on_stop_signal(void *arg, int sig)
{
	struct daemon *dm = arg;

	log_info("signal %d: stopping (isolations stay in place)", sig);
	loop_stop(dm->loop);
}

static void
daemon_free(struct daemon *dm)
{
	if (dm == NULL)
		return;
	/* Its connections are events of the loop: gone before the loop is. */
	http_stop(dm->http);
	/* The listener's socket too, and before the SNMP library goes (cordon_free). */
	snmprx_close(dm->rx);
	loop_timer_free(dm->follow_timer);
	free(dm->senders);
	/* So are the points' (cordon_free destroys them). */
	cordon_free(dm->c);
	loop_timer_free(dm->tick);
	/* The loop kills running verification commands; their entries go after. */
	loop_free(dm->loop);
	/* After the loop: its TLS listeners borrowed it. */
	tls_ctx_free(dm->sensor_tls);
	verify_free(dm->verify);
	local_sensors_free(dm);
	free(dm);
}

/* Creates every part of the daemon; nothing acts until the loop runs. */
static struct daemon *
daemon_new(const struct cordon_conf *conf, char *err, size_t errlen)
{
	struct daemon *dm = calloc(1, sizeof(*dm));
	size_t i;

	if (dm == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((dm->loop = loop_new()) == NULL ||
	    (dm->tick = loop_timer_new(dm->loop, on_tick, dm)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	{
		char dir[CONF_PATH_LEN];
		char *slash;
		snprintf(dir, sizeof(dir), "%s", conf->state_path);
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		backends_set_state_dir(dir);
	}
	dm->c = cordon_new(conf, dm->loop, err, errlen);
	if (dm->c == NULL)
		goto fail;
	if (conf->sensor_tls_cert[0]) {
		char why[600];
		dm->sensor_tls = tls_ctx_new(TLS_SERVER, conf->sensor_tls_cert, conf->sensor_tls_key,
		    conf->sensor_tls_ca, "sensors.tls_", why, sizeof(why));
		if (dm->sensor_tls == NULL) {
			snprintf(err, errlen, "sensors' TLS: %s (in %s)", why, conf->path);
			goto fail;
		}
	}
	for (i = 0; i < conf->nsensor_listen; i++) {
		char why[512];
		/* A sensor only sends: nothing to pause on, only quiet peers to drop. */
		const struct loop_limits lim = { .idle_s = conf->sensor_idle_s,
			.handshake_s = conf->sensor_handshake_s };
		struct loop_server *srv = loop_listen_tls(dm->loop, conf->sensor_listen[i], dm->sensor_tls,
		    0660, (gid_t)-1, conf->max_line, &sensor_ops, dm->c, why, sizeof(why));
		if (srv == NULL) {
			snprintf(err, errlen, "sensor listener %s", why);
			goto fail;
		}
		loop_server_set_limits(srv, &lim);
		if (strncmp(conf->sensor_listen[i], "tcp:", 4) == 0)
			log_warnx("sensor listener %s: plain TCP: anyone who reaches it can send detections "
			    "(a tls: listener verifies the sensors' certificates)", conf->sensor_listen[i]);
	}
	if (ctl_start(dm->c, dm->loop, err, errlen) != 0)
		goto fail;
	if (conf->http_listen[0] && (dm->http = http_start(dm->c, dm->loop, err, errlen)) == NULL)
		goto fail;
	if ((dm->verify = verify_new(dm->c, dm->loop)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (local_sensors_start(dm, err, errlen) != 0)
		goto fail;
	if (follow_start(dm, conf, err, errlen) != 0)
		goto fail;
	loop_on_signal(dm->loop, SIGINT, on_stop_signal, dm);
	loop_on_signal(dm->loop, SIGTERM, on_stop_signal, dm);
	return dm;
fail:
	daemon_free(dm);
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: cordond [-d] [-n] [-v] [-f FILE]\n"
	    "  -f FILE  config file (default %s)\n"
	    "  -n       check the config file and exit (0 valid, 1 not)\n"
	    "  -d       log to stderr even if the config asks for syslog\n"
	    "  -v       verbose logging\n", CONF_DEFAULT_PATH);
}

/* Creates the directory of `path` when missing: 1 if created, 0 if there, -1. */
static int
make_parent_dir(const char *path)
{
	char dir[CONF_PATH_LEN];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) == 0)
		return 1;
	return errno == EEXIST ? 0 : -1;
}

int
cordond_main(int argc, char **argv)
{
	struct cordon_conf *conf;
	const struct cordon_conf *run;        /* the core's copy, once the daemon runs */
	struct daemon *dm;
	const char *path = CONF_DEFAULT_PATH;
	bool check_only = false, force_stderr = false;
	int state_dir_created;
	int verbose = 0, opt, rc;
	char err[1024];

	while ((opt = getopt(argc, argv, "dnvf:h")) != -1) {
		switch (opt) {
		case 'd': force_stderr = true; break;
		case 'n': check_only = true; break;
		case 'v': verbose++; break;
		case 'f': path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cordond: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL) {
		fprintf(stderr, "cordond: out of memory\n");
		return 1;
	}
	if (conf_load(path, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordond: %s\n", err);
		explicit_bzero(conf, sizeof(*conf));   /* what was read before the error: secrets too */
		free(conf);
		return 1;
	}
	if (check_only) {
		size_t i;
		for (i = 0; i < conf->npoints; i++) {
			backend_checker check = backend_find_checker(conf->points[i].kind);
			if (backend_find(conf->points[i].kind) == NULL) {
				fprintf(stderr, "cordond: %s:%d: enforcement '%s': unknown kind '%s'\n",
				    path, conf->points[i].line, conf->points[i].name, conf->points[i].kind);
				explicit_bzero(conf, sizeof(*conf));   /* the other points' secrets */
				free(conf);
				return 1;
			}
			/* The backend's own settings, checked without touching the network. */
			if (check != NULL && check(&conf->points[i], err, sizeof(err)) != 0) {
				fprintf(stderr, "cordond: %s:%d: enforcement '%s': %s\n", path,
				    conf->points[i].line, conf->points[i].name, err);
				explicit_bzero(conf, sizeof(*conf));
				free(conf);
				return 1;
			}
		}
		printf("cordond: %s: configuration OK (%zu enforcement points, %zu sensor listeners)\n",
		    path, conf->npoints, conf->nsensor_listen);
		explicit_bzero(conf, sizeof(*conf));
		free(conf);
		return 0;
	}
	log_init("cordond", conf->use_syslog && !force_stderr, verbose);
	signal(SIGPIPE, SIG_IGN);
	state_dir_created = make_parent_dir(conf->state_path);
	if (state_dir_created < 0 || make_parent_dir(conf->control_path) < 0)
		log_warn("cannot create the directory of %s or %s", conf->state_path, conf->control_path);
	dm = daemon_new(conf, err, sizeof(err));
	explicit_bzero(conf, sizeof(*conf));   /* the daemon's copy is wiped once its points exist */
	free(conf);
	if (dm == NULL)
		fatalx("%s", err);
	run = cordon_conf(dm->c);
	if (run->user[0]) {
		char wal[CONF_PATH_LEN + 8], shm[CONF_PATH_LEN + 8], snmpdir[CONF_PATH_LEN + 8];
		const char *paths[5 + CONF_MAX_LISTEN];
		size_t np = 0, i;
		snprintf(wal, sizeof(wal), "%s-wal", run->state_path);
		snprintf(shm, sizeof(shm), "%s-shm", run->state_path);
		snprintf(snmpdir, sizeof(snmpdir), "%s/snmp", backends_state_dir());
		/* The directory itself only when cordond made it: it may be shared. */
		if (state_dir_created == 1)
			paths[np++] = backends_state_dir();
		paths[np++] = run->state_path;
		paths[np++] = wal;
		paths[np++] = shm;
		paths[np++] = snmpdir;
		/*
		 * The Unix sensor sockets it just made (mode 0660): a sensor that
		 * drops to the same user reconnects after cordond restarts without
		 * an operator changing their owner.
		 */
		for (i = 0; i < run->nsensor_listen; i++)
			if (strncmp(run->sensor_listen[i], "unix:", 5) == 0)
				paths[np++] = run->sensor_listen[i] + 5;
		if (daemon_become_user(run->uid, run->gid, paths, np, err, sizeof(err)) != 0) {
			char who[sizeof(run->user)];
			snprintf(who, sizeof(who), "%s", run->user);
			daemon_free(dm);
			fatalx("cannot drop privileges to %s: %s", who, err);
		}
		log_info("running as %s (uid %ld) with CAP_NET_ADMIN only", run->user,
		    (long)run->uid);
	}
	log_info("started: %zu enforcement points, %zu sensor listeners, state in %s%s",
	    cordon_npoints(dm->c), run->nsensor_listen,
	    run->state_backend == CONF_STATE_POSTGRESQL ? "PostgreSQL" : run->state_path,
	    run->dry_run ? ", DRY RUN" : "");
	cordon_start(dm->c);
	loop_timer_arm(dm->tick, TICK_SECONDS);
	if (dm->follow_timer != NULL)
		loop_timer_arm(dm->follow_timer, dm->follow_interval);
	rc = loop_run(dm->loop);
	cordon_flush_seen(dm->c);
	log_info("stopped");
	daemon_free(dm);
	return rc == 0 ? 0 : 1;
}
