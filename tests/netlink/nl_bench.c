/* SPDX-License-Identifier: ISC */
/*
 * nl_bench: time to isolate and then release COUNT hosts through the netlink
 * enforcement point, per operation (p50, p99, max) and in total, with the
 * counts of Cordon's rules and routes checked after each phase. Run it in a
 * namespace of its own (tests/netlink/nl-bench does that); it changes that
 * namespace's rules and routes only.
 *
 *   nl_bench [-n NETNS] [-c KEY=VALUE]... COUNT [v4|v6|mixed]
 *
 * Exit: 0 when every operation succeeded and the counts are as expected.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlink.h"

#define POINT_NAME "bench"
#define MAX_COUNT 1000000

struct outcome {
	bool called;
	enum enf_status status;
	char message[ENF_DETAIL_LEN];
};

static void
done(void *arg, const struct enf_result *res)
{
	struct outcome *o = arg;

	o->called = true;
	o->status = res->status;
	snprintf(o->message, sizeof(o->message), "%s", res->message);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(const double *sorted, size_t n, double q)
{
	size_t i = (size_t)ceil(q * (double)n);

	if (i == 0)
		i = 1;
	return sorted[i - 1];
}

/* Host i: 10.80.0.0 + 1 + i, or 2001:db8:80::1 + i. */
static void
host_addr(size_t i, bool v6, struct ip_addr *a)
{
	uint32_t v = (uint32_t)i + 1;

	if (v6) {
		ip_from_str("2001:db8:80::", a);
		a->b[12] = (uint8_t)(v >> 24);
		a->b[13] = (uint8_t)(v >> 16);
		a->b[14] = (uint8_t)(v >> 8);
		a->b[15] = (uint8_t)v;
	} else {
		uint8_t b[4] = { 10, 80, (uint8_t)(v >> 8), (uint8_t)v };
		b[1] = (uint8_t)(80 + (v >> 16));
		ip_from_v4(a, b);
	}
}

static void
report(const char *what, double *lat, size_t n, double total_us)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("%-8s %zu hosts: p50 %.1f us  p99 %.1f us  max %.1f us  total %.3f s  (%.0f ops/s)\n",
	       what, n, percentile(lat, n, 0.50), percentile(lat, n, 0.99), lat[n - 1],
	       total_us / 1e6, (double)n / (total_us / 1e6));
}

int
main(int argc, char **argv)
{
	struct netlink_point_config cfg;
	struct enf_point *p;
	char err[512];
	const char *mix = "v4";
	double *lat, t0;
	size_t count, i;
	struct netlink_counts nc;
	unsigned shared4 = 1, shared6 = 1, hosts4 = 0, hosts6 = 0;
	int opt, rc = 0;

	netlink_config_init(&cfg);
	while ((opt = getopt(argc, argv, "n:c:")) != -1) {
		char kv[600], *eq;

		snprintf(kv, sizeof(kv), "%s", optarg);
		if (opt == 'n') {
			if (netlink_config_set(&cfg, "netns", optarg, err, sizeof(err)) < 0)
				goto config_error;
			continue;
		}
		if (opt != 'c' || (eq = strchr(kv, '=')) == NULL) {
			fprintf(stderr, "usage: nl_bench [-n NETNS] [-c KEY=VALUE]... COUNT [v4|v6|mixed]\n");
			return 2;
		}
		*eq = '\0';
		if (netlink_config_set(&cfg, kv, eq + 1, err, sizeof(err)) < 0)
			goto config_error;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: nl_bench [-n NETNS] [-c KEY=VALUE]... COUNT [v4|v6|mixed]\n");
		return 2;
	}
	count = strtoul(argv[optind], NULL, 10);
	if (optind + 1 < argc)
		mix = argv[optind + 1];
	if (count == 0 || count > MAX_COUNT ||
	    (strcmp(mix, "v4") && strcmp(mix, "v6") && strcmp(mix, "mixed"))) {
		fprintf(stderr, "nl_bench: COUNT 1..%d, family v4, v6 or mixed\n", MAX_COUNT);
		return 2;
	}
	if (cfg.n_remediation == 0 &&
	    netlink_config_set(&cfg, "remediation", "10.89.0.0/24,2001:db8:89::/64", err,
			       sizeof(err)) < 0)
		goto config_error;
	p = netlink_point_new(POINT_NAME, &cfg, err, sizeof(err));
	if (p == NULL) {
		fprintf(stderr, "nl_bench: %s\n", err);
		return 2;
	}
	lat = calloc(count, sizeof(*lat));
	if (lat == NULL) {
		enf_destroy(p);
		return 2;
	}
	for (i = 0; i < cfg.n_remediation; i++) {
		if (ip_is_v4(&cfg.remediation[i].addr))
			shared4 += 2;
		else
			shared6 += 2;
	}
	if (netlink_count(p, &nc, err, sizeof(err)) < 0 ||
	    nc.rules4 + nc.rules6 + nc.routes4 + nc.routes6 != 0) {
		fprintf(stderr, "nl_bench: namespace not clean before the run %s\n", err);
		rc = 1;
		goto out;
	}
	printf("nl_bench: %zu hosts (%s), %u remediation prefixes, priorities %u..%u, table %u, "
	       "protocol %u, netns %s\n", count, mix, cfg.n_remediation, cfg.priority_base,
	       cfg.priority_base + cfg.priority_range - 1, cfg.table, cfg.protocol,
	       cfg.netns[0] ? cfg.netns : "own netns");

	for (int phase = 0; phase < 2 && rc == 0; phase++) {
		const char *what = phase == 0 ? "isolate" : "release";
		double start = now_us();

		for (i = 0; i < count; i++) {
			struct enf_location l;
			struct outcome o = { 0 };
			bool v6host = !strcmp(mix, "v6") || (!strcmp(mix, "mixed") && (i & 1));

			memset(&l, 0, sizeof(l));
			snprintf(l.point, sizeof(l.point), "%s", POINT_NAME);
			l.orig_vlan = l.quarantine_vlan = -1;
			host_addr(i, v6host, &l.host.ip);
			if (phase == 0)
				(*(v6host ? &hosts6 : &hosts4))++;
			t0 = now_us();
			if (phase == 0)
				enf_isolate(p, &l, done, &o);
			else
				enf_release(p, &l, done, &o);
			lat[i] = now_us() - t0;
			if (!o.called || o.status != ENF_OK) {
				fprintf(stderr, "nl_bench: %s host %zu: %s\n", what, i,
					o.called ? o.message : "no callback");
				rc = 1;
				break;
			}
		}
		if (rc)
			break;
		report(what, lat, count, now_us() - start);
		if (netlink_count(p, &nc, err, sizeof(err)) < 0) {
			fprintf(stderr, "nl_bench: %s\n", err);
			rc = 1;
			break;
		}
		{
			/*
			 * After isolate: the shared rules of each family in use; per IPv4
			 * host one rule and one route, per IPv6 host two routes.
			 */
			unsigned r4 = phase == 0 && hosts4 ? hosts4 + shared4 : 0;
			unsigned r6 = phase == 0 && hosts6 ? shared6 : 0;
			unsigned t4 = phase == 0 ? hosts4 : 0, t6 = phase == 0 ? 2 * hosts6 : 0;

			printf("after %s: rules v4 %u v6 %u, routes v4 %u v6 %u (expected rules %u/%u, "
			       "routes %u/%u)\n", what, nc.rules4, nc.rules6, nc.routes4, nc.routes6,
			       r4, r6, t4, t6);
			if (nc.rules4 != r4 || nc.rules6 != r6 || nc.routes4 != t4 || nc.routes6 != t6) {
				fprintf(stderr, "nl_bench: counts differ from the expected\n");
				rc = 1;
			}
		}
	}
out:
	free(lat);
	enf_destroy(p);
	return rc;

config_error:
	fprintf(stderr, "nl_bench: %s\n", err);
	return 2;
}
