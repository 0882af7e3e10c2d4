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

#include "detcfg.h"
#include "detector.h"
#include "sensor.h"
#include "sensor_config.h"

#define EXIT_USAGE 1
#define EXIT_RUNTIME 2
#define EXIT_UNDELIVERED 3
#define MAX_OVERRIDES 64
#define DRAIN_TIMEOUT_MS 5000

static struct sensor *the_sensor;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cordon-sensor (-r FILE | -i IFACE) [-F FILTER] [-c CONFIG] [-o OUTPUT]\n"
	    "                     [-N NAME] [-p PORTS] [-T KEY=VALUE]...\n"
	    "  -r FILE        read a pcap or pcapng file\n"
	    "  -i IFACE       capture live on an interface\n"
	    "  -F FILTER      BPF filter expression (tcpdump syntax)\n"
	    "  -c CONFIG      config file (sections sensor {} and detectors {})\n"
	    "  -o OUTPUT      - (stdout, default), unix:PATH or tcp:HOST:PORT\n"
	    "  -N NAME        sensor name carried in each event\n"
	    "  -p PORTS       exposed ports and fan-out thresholds, e.g. 135:10,445:10,80:64\n"
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
	struct sensor s;
	const char *file = NULL, *iface = NULL, *filter = NULL, *conf = NULL;
	const char *outspec = NULL, *name = NULL, *overrides[MAX_OVERRIDES];
	char err[1024];
	int nover = 0, opt, i, rc, exitcode = 0;
	struct sigaction sa;

	detcfg_defaults(&cfg);
	memset(&set, 0, sizeof(set));
	memset(&s, 0, sizeof(s));
	while ((opt = getopt(argc, argv, "r:i:F:c:o:N:p:T:h")) != -1) {
		switch (opt) {
		case 'r': file = optarg; break;
		case 'i': iface = optarg; break;
		case 'F': filter = optarg; break;
		case 'c': conf = optarg; break;
		case 'o': outspec = optarg; break;
		case 'N': name = optarg; break;
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
	if (outspec == NULL)
		outspec = set.output[0] ? set.output : "-";
	if (name == NULL && set.name[0])
		name = set.name;
	if ((file == NULL) == (iface == NULL)) {
		fprintf(stderr, "cordon-sensor: give exactly one of -r FILE or -i IFACE\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cfg.seen_interval_ms == DETCFG_AUTO)
		cfg.seen_interval_ms = strcmp(outspec, "-") == 0 ? 0 : DETCFG_SEEN_INTERVAL_MS;
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
	s.out = output_open(outspec, err, sizeof(err));
	if (s.out == NULL) {
		fprintf(stderr, "cordon-sensor: %s\n", err);
		capture_close(s.cap);
		return EXIT_USAGE;
	}
	s.det = detector_new(&cfg, sensor_emit, &s);
	if (s.det == NULL) {
		fprintf(stderr, "cordon-sensor: cannot allocate the detector's tables "
		    "(table.sources %u, table.pairs %u, table.fanout %u)\n",
		    cfg.max_sources, cfg.max_pairs, cfg.max_fanout);
		output_close(s.out);
		capture_close(s.cap);
		return EXIT_RUNTIME;
	}

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
	rc = file ? sensor_run_file(&s) : sensor_run_live(&s);
	if (rc != 0)
		exitcode = EXIT_RUNTIME;
	/* The hosts seen since the last report, so that none is left out. */
	detector_report_seen(s.det);
	if (output_drain(s.out, DRAIN_TIMEOUT_MS) > 0) {
		fprintf(stderr, "cordon-sensor: %s: events not delivered: %s\n", outspec,
		    output_error(s.out));
		if (exitcode == 0)
			exitcode = EXIT_UNDELIVERED;
	}
	sensor_print_summary(&s, stderr);
	the_sensor = NULL;
	detector_free(s.det);
	output_close(s.out);
	capture_close(s.cap);
	return exitcode;
}
