/* SPDX-License-Identifier: ISC */
/*
 * cordon-sensor: watches a capture file or a live interface for scanning
 * worms and writes one JSON detection event per line.
 *
 * Exit codes: 0 done; 1 bad usage, option, config or input file; 2 capture
 * failed while running; 3 events could not be delivered to the output.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "detcfg.h"
#include "detector.h"
#include "privdrop.h"
#include "tls.h"
#include "sandbox.h"
#include "sensor.h"
#include "sensor_config.h"

#define EXIT_USAGE 1
#define EXIT_RUNTIME 2
#define EXIT_UNDELIVERED 3
#define MAX_OVERRIDES 64
#define DRAIN_TIMEOUT_MS 5000
/* Who the sensor becomes once its capture and output are open. */
#define DEFAULT_USER "cordon"

static struct sensor *the_sensor;

#ifdef CORDON_SENSOR_TEST_HOOKS
/* Defined by a test program built from this file (tests/detectors), never
 * part of cordon-sensor: runs right after the sensor is confined. */
void sensor_test_after_confine(void);
#endif

/* The user to become, as main() worked it out before opening anything. */
static struct {
	int drop;              /* 0: not root to begin with, or root kept (-U root) */
	uid_t uid;
	gid_t gid;
	const char *name;      /* borrowed from argv, the settings or DEFAULT_USER */
} become;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cordon-sensor (-r FILE | -i IFACE) [-F FILTER] [-c CONFIG] [-o OUTPUT]...\n"
	    "                     [-N NAME] [-p PORTS] [-T KEY=VALUE]... [-U USER]\n"
	    "  -r FILE        read a pcap or pcapng file\n"
	    "  -i IFACE       capture live on an interface\n"
	    "  -F FILTER      BPF filter expression (tcpdump syntax)\n"
	    "  -c CONFIG      config file (sections sensor {} and detectors {})\n"
	    "  -o OUTPUT      - (stdout, default), unix:PATH, tcp:HOST:PORT or tls:HOST:PORT;\n"
	    "                 up to 4, each sent every line (controllers sharing a database)\n"
	    "  -N NAME        sensor name carried in each event\n"
	    "  -p PORTS       exposed ports and fan-out thresholds, e.g. 135:10,445:10,80:64\n"
	    "  -U USER        user to run as once the capture and output are open\n"
	    "                 (default " DEFAULT_USER "; root only when named)\n"
	    "  -T KEY=VALUE   detector setting; keys:");
	for (const char *const *k = detcfg_keys; *k; k++)
		fprintf(f, " %s", *k);
	fprintf(f,
	    "\n"
	    "  -h             this help\n"
	    "A summary goes to stderr at the end and on SIGUSR1.\n"
	    "Exit: 0 done, 1 bad usage or input, 2 capture error, 3 events undelivered.\n");
}

static void
on_usr1(int sig)
{
	(void)sig;
	if (the_sensor)
		the_sensor->summary_requested = 1;
}

static void
on_stop(int sig)
{
	(void)sig;
	if (the_sensor)
		the_sensor->stop_requested = 1;
}

/*
 * Works out whom to become (before anything is opened, so that a wrong user
 * fails fast). Returns 0, or -1 with a message on stderr.
 */
static int
choose_user(const char *user, const char *conf, const struct sensor_settings *set)
{
	char origin[600], err[256];
	int named = user != NULL || set->user[0];

	if (user != NULL)
		snprintf(origin, sizeof(origin), "given with -U");
	else if (set->user[0]) {
		user = set->user;
		snprintf(origin, sizeof(origin), "set at %s:%d, sensor.user", conf, set->user_line);
	} else {
		user = DEFAULT_USER;
		snprintf(origin, sizeof(origin),
		    "the default: create it, or name another with -U USER or sensor.user");
	}
	become.name = user;
	/* Not root: there is nothing to give up but system calls, and no
	 * user to look up unless one was named. */
	if (geteuid() != 0 && !named)
		return 0;
	if (privdrop_lookup(user, &become.uid, &become.gid, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: %s (%s)\n", err, origin);
		return -1;
	}
	if (geteuid() != 0) {
		if (become.uid != geteuid()) {
			fprintf(stderr, "cordon-sensor: cannot become user %s (%s): "
			    "not running as root\n", user, origin);
			return -1;
		}
		return 0;
	}
	if (become.uid == 0) {
		/* Only a user named on purpose: the default is never root. */
		fprintf(stderr, "cordon-sensor: warning: staying root (user %s, %s): "
		    "the packet parsers run with every privilege\n", user, origin);
		return 0;
	}
	become.drop = 1;
	return 0;
}

/* What every output's reconnects need, together (for the sandbox). */
static void
outputs_reach(const struct sensor *s, struct output_reach *all)
{
	memset(all, 0, sizeof(*all));
	for (size_t i = 0; i < s->nout; i++) {
		struct output_reach r;
		output_reach(s->out[i], &r);
		all->by_path |= r.by_path;
		for (size_t k = 0; k < r.nfamilies; k++) {
			size_t j;
			for (j = 0; j < all->nfamilies && all->families[j] != r.families[k]; j++)
				;
			if (j == all->nfamilies && all->nfamilies < OUTPUT_MAX_ADDRS)
				all->families[all->nfamilies++] = r.families[k];
		}
	}
}

static bool
outputs_want_tls(const struct sensor *s)
{
	for (size_t i = 0; i < s->nout; i++)
		if (output_wants_tls(s->out[i]))
			return true;
	return false;
}

static void
outputs_close(struct sensor *s)
{
	for (size_t i = 0; i < s->nout; i++)
		output_close(s->out[i]);
	s->nout = 0;
}

/*
 * Opens and starts each output (TLS ones with one client context, made
 * here from the config's files, before the sensor gives up its user and
 * its file system). 0, or -1 with a message in err (all closed).
 */
static int
outputs_open(struct sensor *s, const char *const *specs, size_t n,
    const struct sensor_settings *set, struct tls_ctx **tls, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct output *o = output_open(specs[i], err, errlen);
		if (o == NULL)
			goto fail;
		s->out[s->nout] = o;
		s->outspec[s->nout++] = specs[i];
		if (!output_wants_tls(o))
			continue;
		if (!set->tls_certificate[0] || !set->tls_key[0] || !set->tls_ca[0]) {
			snprintf(err, errlen, "output %s: needs sensor.tls_certificate, tls_key and tls_ca "
			    "in the config file (-c)", specs[i]);
			goto fail;
		}
		if (*tls == NULL) {
			char why[400];
			*tls = tls_ctx_new(TLS_CLIENT, set->tls_certificate, set->tls_key, set->tls_ca,
			    "sensor.tls_", why, sizeof(why));
			if (*tls == NULL) {
				snprintf(err, errlen, "output %s: %s", specs[i], why);
				goto fail;
			}
		}
		output_set_tls(o, *tls);
	}
	for (size_t i = 0; i < s->nout; i++)
		if (output_start(s->out[i], err, errlen) != 0)
			goto fail;
	return 0;
fail:
	outputs_close(s);
	tls_ctx_free(*tls);
	*tls = NULL;
	return -1;
}

/*
 * The sensor's struct sensor confine hook: everything is open, nothing read
 * yet. Becomes the chosen user, then enters the seccomp sandbox.
 */
static void
confine(struct sensor *s)
{
	struct output_reach reach;
	char err[512];

	/* What libraries would otherwise open on first use, once the file
	 * system is out of reach: glibc reads the time zone on the first
	 * gmtime_r, jansson its hash seed from /dev/urandom on the first
	 * object. */
	tzset();
	json_object_seed(0);
	outputs_reach(s, &reach);
	/*
	 * The chroot (to an empty directory, as OpenBSD's daemons do) is only
	 * for an output that never needs the file system again: stdout or a
	 * tcp: peer whose addresses were resolved before. A unix: output
	 * reconnects by path after a controller restart, and that path is
	 * outside any empty root; there the file system stays visible, but
	 * only as the unprivileged user, and the seccomp filter admits no
	 * open, exec or stat of it. (A sanitizer build reads /proc at exit.)
	 */
	if (become.drop && privdrop_switch(become.uid, become.gid, 0,
	    !reach.by_path && !sandbox_needs_file_system(), err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: cannot become user %s: %s\n", become.name, err);
		exit(EXIT_RUNTIME);
	}
	if (sandbox_enter(reach.families, reach.nfamilies, outputs_want_tls(s), err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: cannot enter the sandbox: %s\n", err);
		exit(EXIT_RUNTIME);
	}
#ifdef CORDON_SENSOR_TEST_HOOKS
	sensor_test_after_confine();
#endif
}

static int
apply_override(struct det_config *c, const char *kv)
{
	char key[128], err[512];
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		fprintf(stderr, "cordon-sensor: -T '%s': expected KEY=VALUE\n", kv);
		return -1;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	if (detcfg_set(c, key, eq + 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: -T: %s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct det_config cfg;
	struct sensor_settings set;
	struct tls_ctx *tls = NULL;     /* owned: a tls: output's client context */
	struct sensor s;
	const char *file = NULL, *iface = NULL, *filter = NULL, *conf = NULL;
	const char *outspecs[SENSOR_MAX_OUTPUTS], *name = NULL, *user = NULL, *overrides[MAX_OVERRIDES];
	size_t noutspecs = 0;
	char err[1024];
	int nover = 0, opt, i, rc, exitcode = 0;
	struct sigaction sa;

	detcfg_defaults(&cfg);
	memset(&set, 0, sizeof(set));
	memset(&s, 0, sizeof(s));
	while ((opt = getopt(argc, argv, "r:i:F:c:o:N:p:T:U:h")) != -1) {
		switch (opt) {
		case 'r': file = optarg; break;
		case 'i': iface = optarg; break;
		case 'F': filter = optarg; break;
		case 'c': conf = optarg; break;
		case 'o':
			if (noutspecs == SENSOR_MAX_OUTPUTS) {
				fprintf(stderr, "cordon-sensor: more than %d -o options\n", SENSOR_MAX_OUTPUTS);
				return EXIT_USAGE;
			}
			outspecs[noutspecs++] = optarg;
			break;
		case 'N': name = optarg; break;
		case 'U': user = optarg; break;
		case 'p':
		case 'T':
			if (nover == MAX_OVERRIDES) {
				fprintf(stderr, "cordon-sensor: more than %d -p/-T options\n", MAX_OVERRIDES);
				return EXIT_USAGE;
			}
			if (opt == 'p') {
				static char pbuf[MAX_OVERRIDES][600];
				if (strlen(optarg) > 500) {
					fprintf(stderr, "cordon-sensor: -p: list too long\n");
					return EXIT_USAGE;
				}
				snprintf(pbuf[nover], sizeof(pbuf[nover]), "ports=%s", optarg);
				overrides[nover] = pbuf[nover];
				nover++;
			} else {
				overrides[nover++] = optarg;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cordon-sensor: unexpected argument '%s' (a filter goes after -F)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (conf != NULL && sensor_config_load(conf, &set, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: %s\n", err);
		return EXIT_USAGE;
	}
	for (i = 0; i < nover; i++)
		if (apply_override(&cfg, overrides[i]) != 0)
			return EXIT_USAGE;
	if (detcfg_validate(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: %s\n", err);
		return EXIT_USAGE;
	}
	/* The command line wins over the config file. */
	if (iface == NULL && file == NULL && set.interface[0])
		iface = set.interface;
	if (filter == NULL && set.filter[0])
		filter = set.filter;
	if (noutspecs == 0)
		outspecs[noutspecs++] = set.output[0] ? set.output : "-";
	if (name == NULL && set.name[0])
		name = set.name;
	if ((file == NULL) == (iface == NULL)) {
		fprintf(stderr, "cordon-sensor: give exactly one of -r FILE or -i IFACE\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (choose_user(user, conf, &set) != 0)
		return EXIT_USAGE;
	if (cfg.seen_interval_ms == DETCFG_AUTO)
		cfg.seen_interval_ms = noutspecs == 1 && strcmp(outspecs[0], "-") == 0 ? 0 :
		    DETCFG_SEEN_INTERVAL_MS;
	if (cfg.hash_seed == 0 &&
	    getrandom(&cfg.hash_seed, sizeof(cfg.hash_seed), 0) != sizeof(cfg.hash_seed))
		cfg.hash_seed = 0x2545f4914f6cdd1dULL;

	s.source = file ? file : iface;
	s.name = name;
	s.cap = file ? capture_open_file(file, err, sizeof(err)) :
	    capture_open_live(iface, err, sizeof(err));
	if (s.cap == NULL) {
		fprintf(stderr, "cordon-sensor: %s\n", err);
		return EXIT_USAGE;
	}
	s.linktype = capture_linktype(s.cap);
	if (!decode_link_supported(s.linktype)) {
		fprintf(stderr,
		    "cordon-sensor: %s: link type %s (%d) is not supported "
		    "(Ethernet, Linux cooked v1/v2 and raw IP are)\n",
		    s.source, capture_linktype_name(s.cap), s.linktype);
		capture_close(s.cap);
		return EXIT_USAGE;
	}
	if (filter != NULL && capture_set_filter(s.cap, filter, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: %s\n", err);
		capture_close(s.cap);
		return EXIT_USAGE;
	}
	if (outputs_open(&s, outspecs, noutspecs, &set, &tls, err, sizeof(err)) != 0) {
		fprintf(stderr, "cordon-sensor: %s\n", err);
		capture_close(s.cap);
		return EXIT_USAGE;
	}
	s.det = detector_new(&cfg, sensor_emit, &s);
	if (s.det == NULL) {
		fprintf(stderr, "cordon-sensor: cannot allocate the detector's tables "
		    "(table.sources %u, table.pairs %u, table.fanout %u)\n",
		    cfg.max_sources, cfg.max_pairs, cfg.max_fanout);
		outputs_close(&s);
		tls_ctx_free(tls);
		capture_close(s.cap);
		return EXIT_RUNTIME;
	}
	detector_set_linktype(s.det, s.linktype);
	/* The engines run a read's packets together (detector.h): same
	 * detections, each read's at its end. */
	if (detector_set_batching(s.det, true) != 0)
		fprintf(stderr, "cordon-sensor: no memory for the detector's batch: "
		    "packets go to the engines one at a time\n");

	the_sensor = &s;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (cfg.seen_interval_ms != 0)
		detector_set_seen_report(s.det, sensor_seen, &s);
	s.confine = confine;
	rc = file ? sensor_run_file(&s) : sensor_run_live(&s);
	if (rc != 0)
		exitcode = EXIT_RUNTIME;
	/* The hosts seen since the last report, so that none is left out. */
	detector_report_seen(s.det);
	/* One deadline for them all: a controller that is away does not
	 * hold the others' lines up for longer. */
	{
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t k = 0; k < s.nout; k++) {
			long spent;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
			if (output_drain(s.out[k], spent < DRAIN_TIMEOUT_MS ?
				(unsigned)(DRAIN_TIMEOUT_MS - spent) : 0) > 0) {
				fprintf(stderr, "cordon-sensor: %s: events not delivered: %s\n", s.outspec[k],
				    output_error(s.out[k]));
				if (exitcode == 0)
					exitcode = EXIT_UNDELIVERED;
			}
		}
	}
	sensor_print_summary(&s, stderr);
	the_sensor = NULL;
	detector_free(s.det);
	outputs_close(&s);
	tls_ctx_free(tls);
	capture_close(s.cap);
	return exitcode;
}
