/* SPDX-License-Identifier: ISC */
/*
 * snmpsw-bench: isolation latency and throughput of the SNMP enforcement
 * point against many lab switches at once (driven by tests/snmp/snmp-bench,
 * and by tests/snmp/snmp_concurrency.sh for the dead-switch check).
 *
 *   snmpsw-bench -S STATE_DIR [-L N] [-R ROUNDS] [-T SECONDS] SPEC
 *
 * SPEC has one line per switch: "CONFIG_FILE MAC [MAC...]" for a live
 * switch, or "dead CONFIG_FILE COUNT" for a switch that does not answer, on
 * which COUNT isolations are queued while the live switches work.
 *
 * 1. every host is located (all switches at once);
 * 2. latency: N isolations one at a time (round robin over the hosts), each
 *    timed from enf_isolate to its verified completion, each followed by a
 *    release;
 * 3. throughput: ROUNDS times, every host of every live switch is isolated
 *    at once, then released at once; the total time for the isolations is
 *    reported, and per-isolation latency under that load.
 * Prints a summary; exits 0 when every operation succeeded (and, with a dead
 * switch, when the live work finished before the dead switch's first timeout).
 */
#include "addr.h"
#include "loop.h"
#include "snmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SWITCHES 128
#define MAX_HOSTS_PER_SWITCH 64

struct bsw;

struct bhost {
	struct bsw *sw;
	uint8_t mac[6];
	struct enf_location loc;
	bool located;
	double t0;
	int failures;
};

struct bsw {
	struct snmpsw_config cfg;
	struct enf_point *pt;
	bool dead;
	int dead_count, dead_done;
	double dead_first_done;
	int nhosts;
	struct bhost hosts[MAX_HOSTS_PER_SWITCH];
	bool probed;
};

static struct loop *loop;
static struct bsw switches[MAX_SWITCHES];
static int nswitches;
static int outstanding;
static int failures;
static double *lat;
static size_t nlat, caplat;

static double
now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void
lat_add(double v)
{
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 1024;
		lat = realloc(lat, caplat * sizeof(*lat));
		if (!lat) {
			perror("snmpsw-bench");
			exit(1);
		}
	}
	lat[nlat++] = v;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
pct(double p)
{
	if (!nlat)
		return 0;
	size_t i = (size_t)(p / 100.0 * (double)(nlat - 1) + 0.5);
	return lat[i < nlat ? i : nlat - 1];
}

static void
lat_report(const char *what)
{
	qsort(lat, nlat, sizeof(*lat), dcmp);
	printf("%s: n=%zu p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms\n", what, nlat, pct(50),
	       pct(90), pct(99), nlat ? lat[nlat - 1] : 0.0);
	nlat = 0;
}

/* Runs the loop until nothing is outstanding, or `limit_ms` passes. */
static bool
run_until_idle(double limit_ms)
{
	double end = now_ms() + limit_ms;
	for (long i = 0; i < 100000000L && outstanding > 0; i++) {
		if (now_ms() > end)
			return false;
		loop_run_once(loop, true);
	}
	return outstanding == 0;
}

static void
on_probe(void *arg, const struct enf_result *res)
{
	struct bsw *s = arg;
	s->probed = true;
	if (!s->dead)
		outstanding--;
	if (res->status != ENF_OK && !s->dead) {
		fprintf(stderr, "probe: %s\n", res->message);
		failures++;
	}
}

static void
on_locate(void *arg, const struct enf_result *res)
{
	struct bhost *h = arg;
	outstanding--;
	if (res->status != ENF_OK) {
		fprintf(stderr, "locate: %s\n", res->message);
		failures++;
		return;
	}
	h->loc = res->loc;
	h->located = true;
}

static bool record_latency;

static void
on_isolated(void *arg, const struct enf_result *res)
{
	struct bhost *h = arg;
	outstanding--;
	if (record_latency)
		lat_add(now_ms() - h->t0);
	if (res->status != ENF_OK) {
		fprintf(stderr, "isolate: %s\n", res->message);
		failures++;
		h->failures++;
		return;
	}
	h->loc = res->loc;
}

static void
on_released(void *arg, const struct enf_result *res)
{
	(void)arg;
	outstanding--;
	if (res->status != ENF_OK) {
		fprintf(stderr, "release: %s\n", res->message);
		failures++;
	}
}

static void
on_dead(void *arg, const struct enf_result *res)
{
	struct bsw *s = arg;
	if (res->status == ENF_OK) {
		fprintf(stderr, "dead switch %s answered?\n", s->cfg.name);
		failures++;
	}
	if (s->dead_done++ == 0)
		s->dead_first_done = now_ms();
}

static int
load_config(struct snmpsw_config *c, const char *path)
{
	char line[512], err[256];
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "snmpsw-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	snmpsw_config_init(c);
	for (int n = 1; n < 1000 && fgets(line, sizeof(line), f); n++) {
		line[strcspn(line, "\r\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!line[0] || line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		if (snmpsw_config_set(c, line, eq + 1, err, sizeof(err)) < 0) {
			fprintf(stderr, "snmpsw-bench: %s:%d: %s\n", path, n, err);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int
load_spec(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "snmpsw-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int n = 1; n < 10000 && fgets(line, sizeof(line), f); n++) {
		char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || tok[0] == '#')
			continue;
		if (nswitches == MAX_SWITCHES) {
			fprintf(stderr, "snmpsw-bench: at most %d switches\n", MAX_SWITCHES);
			fclose(f);
			return -1;
		}
		struct bsw *s = &switches[nswitches];
		if (strcmp(tok, "dead") == 0) {
			s->dead = true;
			tok = strtok_r(NULL, " \t\r\n", &save);
			char *cnt = strtok_r(NULL, " \t\r\n", &save);
			if (!tok || !cnt) {
				fprintf(stderr, "snmpsw-bench: %s:%d: dead CONFIG COUNT\n", path, n);
				fclose(f);
				return -1;
			}
			s->dead_count = atoi(cnt);
		}
		if (load_config(&s->cfg, tok) < 0) {
			fclose(f);
			return -1;
		}
		for (tok = strtok_r(NULL, " \t\r\n", &save); tok && !s->dead;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (s->nhosts == MAX_HOSTS_PER_SWITCH || mac_from_str(tok, s->hosts[s->nhosts].mac) < 0) {
				fprintf(stderr, "snmpsw-bench: %s:%d: bad or too many MACs\n", path, n);
				fclose(f);
				return -1;
			}
			s->hosts[s->nhosts].sw = s;
			s->nhosts++;
		}
		nswitches++;
	}
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *state = NULL;
	int latency_n = 200, rounds = 10, limit_s = 120, c;
	char err[256];

	while ((c = getopt(argc, argv, "S:L:R:T:")) != -1) {
		switch (c) {
		case 'S': state = optarg; break;
		case 'L': latency_n = atoi(optarg); break;
		case 'R': rounds = atoi(optarg); break;
		case 'T': limit_s = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: snmpsw-bench -S STATE_DIR [-L N] [-R ROUNDS] [-T SECONDS] SPEC\n");
			return 2;
		}
	}
	if (!state || optind + 1 != argc) {
		fprintf(stderr, "usage: snmpsw-bench -S STATE_DIR [-L N] [-R ROUNDS] [-T SECONDS] SPEC\n");
		return 2;
	}
	if (load_spec(argv[optind]) < 0)
		return 2;
	if (snmpsw_global_init(state, err, sizeof(err)) < 0) {
		fprintf(stderr, "snmpsw-bench: %s\n", err);
		return 2;
	}
	loop = loop_new();
	if (!loop) {
		fprintf(stderr, "snmpsw-bench: cannot create the event loop\n");
		return 2;
	}
	double limit = limit_s * 1000.0;

	int live = 0, hosts = 0;
	for (int i = 0; i < nswitches; i++) {
		struct bsw *s = &switches[i];
		s->pt = snmpsw_point_new(loop, &s->cfg, on_probe, s, err, sizeof(err));
		if (!s->pt) {
			fprintf(stderr, "snmpsw-bench: %s\n", err);
			return 2;
		}
		if (!s->dead) {
			outstanding++;
			live++;
			hosts += s->nhosts;
		}
	}
	/* 1. probes and locations, every switch at once */
	for (int i = 0; i < nswitches; i++)
		for (int j = 0; j < switches[i].nhosts; j++) {
			struct enf_host h = {.has_mac = true};
			memcpy(h.mac, switches[i].hosts[j].mac, 6);
			outstanding++;
			enf_locate(switches[i].pt, &h, on_locate, &switches[i].hosts[j]);
		}
	double t = now_ms();
	if (!run_until_idle(limit) || failures) {
		fprintf(stderr, "snmpsw-bench: probing and locating failed\n");
		return 1;
	}
	printf("setup: %d switches, %d hosts located in %.1f ms\n", live, hosts, now_ms() - t);

	/* 2. latency, one isolation at a time */
	record_latency = true;
	for (int k = 0; k < latency_n && hosts > 0; ) {
		for (int i = 0; i < nswitches && k < latency_n; i++) {
			struct bsw *s = &switches[i];
			if (s->dead || !s->nhosts)
				continue;
			struct bhost *h = &s->hosts[(k / live) % s->nhosts];
			outstanding++;
			h->t0 = now_ms();
			enf_isolate(s->pt, &h->loc, on_isolated, h);
			if (!run_until_idle(limit))
				break;
			record_latency = false;
			outstanding++;
			enf_release(s->pt, &h->loc, on_released, h);
			run_until_idle(limit);
			record_latency = true;
			k++;
		}
		if (failures)
			break;
	}
	if (latency_n > 0)
		lat_report("latency (isolate -> verified, one at a time)");

	/* 3. throughput: every host isolated at once, then released at once */
	double iso_ms = 0, rel_ms = 0, t_dead_start = now_ms();
	for (int i = 0; i < nswitches; i++) {
		struct bsw *s = &switches[i];
		if (!s->dead)
			continue;
		struct enf_location fake;
		memset(&fake, 0, sizeof(fake));
		fake.bridge_port = 1;
		fake.ifindex = 2;
		fake.orig_vlan = 10;
		snprintf(fake.port, sizeof(fake.port), "swp1");
		for (int k = 0; k < s->dead_count; k++)
			enf_isolate(s->pt, &fake, on_dead, s);
	}
	long isolations = 0;
	double t_live_end = 0;
	record_latency = true;
	for (int r = 0; r < rounds && !failures; r++) {
		t = now_ms();
		for (int i = 0; i < nswitches; i++)
			for (int j = 0; j < switches[i].nhosts; j++) {
				struct bhost *h = &switches[i].hosts[j];
				outstanding++;
				h->t0 = t;
				enf_isolate(switches[i].pt, &h->loc, on_isolated, h);
				isolations++;
			}
		if (!run_until_idle(limit))
			break;
		iso_ms += now_ms() - t;
		t = now_ms();
		record_latency = false;
		for (int i = 0; i < nswitches; i++)
			for (int j = 0; j < switches[i].nhosts; j++) {
				outstanding++;
				enf_release(switches[i].pt, &switches[i].hosts[j].loc, on_released,
					    &switches[i].hosts[j]);
			}
		if (!run_until_idle(limit))
			break;
		record_latency = true;
		rel_ms += now_ms() - t;
	}
	t_live_end = now_ms();
	if (rounds > 0 && hosts > 0) {
		lat_report("latency under load (isolate -> verified, all hosts at once)");
		printf("throughput: %ld isolations over %d switches in %.1f ms (%.0f/s); "
		       "releases %.1f ms; %d rounds\n", isolations, live, iso_ms,
		       iso_ms > 0 ? (double)isolations / iso_ms * 1e3 : 0.0, rel_ms, rounds);
	}
	int rc = failures || outstanding ? 1 : 0;
	for (int i = 0; i < nswitches; i++) {
		struct bsw *s = &switches[i];
		if (!s->dead)
			continue;
		/* Let the dead switch's first isolation time out, bounded. */
		double end = now_ms() + limit;
		while (s->dead_done == 0 && now_ms() < end)
			loop_run_once(loop, true);
		double live_took = t_live_end - t_dead_start;
		double dead_took = s->dead_first_done - t_dead_start;
		printf("dead switch %s: first isolation failed after %.1f ms; the live switches' work "
		       "took %.1f ms meanwhile (%s)\n", s->cfg.name, dead_took, live_took,
		       s->dead_done && live_took < dead_took ? "not delayed" : "DELAYED");
		if (!s->dead_done || live_took >= dead_took)
			rc = 1;
	}
	for (int i = 0; i < nswitches; i++)
		enf_destroy(switches[i].pt);
	loop_free(loop);
	snmpsw_global_shutdown();
	free(lat);
	printf("result: %s (%d failures)\n", rc ? "FAILED" : "ok", failures);
	return rc;
}
