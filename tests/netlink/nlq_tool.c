/* SPDX-License-Identifier: ISC */
/*
 * nlq_tool: drives the netlink enforcement point from the command line the
 * way the daemon does, for the integration tests: it records each isolation
 * in a state file before acting (so that a SIGKILL at any moment leaves a
 * state that reconcile can finish), removes a host from the state only after
 * its release, and reconciles the kernel against that state.
 *
 *   nlq_tool [-n NETNS] [-c KEY=VALUE]... [-s STATEFILE] COMMAND ARGS
 *     locate HOST | isolate HOST... | release HOST... | check HOST...
 *     isolate-seq FIRST COUNT [DELAY_US]   isolate COUNT consecutive addresses
 *     reconcile                            state file against the kernel
 *     count                                Cordon rules, routes and hosts per family
 *
 * Exit: 0 every operation ok, 1 some operation failed, 2 usage or setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlink.h"

#define POINT_NAME "router"
#define MAX_STATE_HOSTS 100000

struct state {
	const char *path;        /* NULL: no state kept */
	struct ip_addr *hosts;   /* owned */
	size_t n;
};

static int
state_load(struct state *st)
{
	FILE *f;
	char line[128];

	st->n = 0;
	st->hosts = calloc(MAX_STATE_HOSTS, sizeof(*st->hosts));
	if (st->hosts == NULL)
		return -1;
	if (st->path == NULL)
		return 0;
	f = fopen(st->path, "r");
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f) && st->n < MAX_STATE_HOSTS) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (ip_from_str(line, &st->hosts[st->n]) < 0) {
			fprintf(stderr, "nlq_tool: %s: bad line '%s'\n", st->path, line);
			fclose(f);
			return -1;
		}
		st->n++;
	}
	fclose(f);
	return 0;
}

static bool
state_has(const struct state *st, const struct ip_addr *h)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (memcmp(&st->hosts[i], h, sizeof(*h)) == 0)
			return true;
	return false;
}

/* Appends and syncs: the record must be on disk before the kernel changes. */
static int
state_add(struct state *st, const struct ip_addr *h)
{
	char a[64];
	int fd;
	ssize_t w;
	size_t len;

	if (st->path == NULL || state_has(st, h))
		return 0;
	if (st->n >= MAX_STATE_HOSTS)
		return -1;
	fd = open(st->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ip_to_str(h, a, sizeof(a));
	len = strlen(a);
	a[len++] = '\n';
	w = write(fd, a, len);
	if (w != (ssize_t)len || fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	st->hosts[st->n++] = *h;
	return 0;
}

/* Rewrites the state without `h` (temporary file, then rename). */
static int
state_remove(struct state *st, const struct ip_addr *h)
{
	char tmp[4096], a[64];
	FILE *f;
	size_t i, k;

	if (st->path == NULL || !state_has(st, h))
		return 0;
	for (i = 0, k = 0; i < st->n; i++)
		if (memcmp(&st->hosts[i], h, sizeof(*h)) != 0)
			st->hosts[k++] = st->hosts[i];
	st->n = k;
	snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	for (i = 0; i < st->n; i++)
		fprintf(f, "%s\n", ip_to_str(&st->hosts[i], a, sizeof(a)));
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return rename(tmp, st->path);
}

struct op_outcome {
	bool called;
	struct enf_result res;
};

static void
op_done(void *arg, const struct enf_result *res)
{
	struct op_outcome *o = arg;

	o->called = true;
	o->res = *res;
}

static void
make_location(struct enf_location *l, const struct ip_addr *h)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->point, sizeof(l->point), "%s", POINT_NAME);
	l->orig_vlan = -1;
	l->quarantine_vlan = -1;
	l->host.ip = *h;
}

/* Runs one operation and prints its outcome; returns true when ok. */
static bool
run_op(struct enf_point *p, const char *op, const struct ip_addr *h)
{
	struct op_outcome o = { 0 };
	struct enf_location l;
	char a[64];

	make_location(&l, h);
	if (!strcmp(op, "isolate"))
		enf_isolate(p, &l, op_done, &o);
	else if (!strcmp(op, "release"))
		enf_release(p, &l, op_done, &o);
	else if (!strcmp(op, "check"))
		enf_check(p, &l, op_done, &o);
	else {
		struct enf_host host = { .ip = *h };
		enf_locate(p, &host, op_done, &o);
	}
	if (!o.called) {
		printf("%s %s: no callback\n", op, ip_to_str(h, a, sizeof(a)));
		return false;
	}
	printf("%s %s: %s: %s\n", op, ip_to_str(h, a, sizeof(a)), enf_status_name(o.res.status),
	       o.res.message);
	if (!strcmp(op, "locate"))
		printf("detail: %s\n", o.res.loc.detail);
	return o.res.status == ENF_OK;
}

static void
print_diff(void *arg, const struct netlink_diff *d)
{
	(void)arg;
	printf("diff: %s\n", d->message);
}

/* FIRST + i, counting in the last 32 bits of the address. */
static void
addr_add(const struct ip_addr *first, uint32_t i, struct ip_addr *out)
{
	uint32_t v = ((uint32_t)first->b[12] << 24) | ((uint32_t)first->b[13] << 16) |
		     ((uint32_t)first->b[14] << 8) | first->b[15];

	*out = *first;
	v += i;
	out->b[12] = (uint8_t)(v >> 24);
	out->b[13] = (uint8_t)(v >> 16);
	out->b[14] = (uint8_t)(v >> 8);
	out->b[15] = (uint8_t)v;
}

static int
usage(void)
{
	fprintf(stderr, "usage: nlq_tool [-n NETNS] [-c KEY=VALUE]... [-s STATEFILE] COMMAND ARGS\n"
		"  locate HOST | isolate HOST... | release HOST... | check HOST...\n"
		"  isolate-seq FIRST COUNT [DELAY_US] | reconcile | count\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct netlink_point_config cfg;
	struct state st = { 0 };
	struct enf_point *p;
	char err[512];
	const char *cmd;
	int opt, rc = 0, i;

	netlink_config_init(&cfg);
	while ((opt = getopt(argc, argv, "n:c:s:")) != -1) {
		char kv[600], *eq;

		switch (opt) {
		case 'n':
			if (netlink_config_set(&cfg, "netns", optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "nlq_tool: %s\n", err);
				return 2;
			}
			break;
		case 'c':
			snprintf(kv, sizeof(kv), "%s", optarg);
			eq = strchr(kv, '=');
			if (eq == NULL)
				return usage();
			*eq = '\0';
			if (netlink_config_set(&cfg, kv, eq + 1, err, sizeof(err)) < 0) {
				fprintf(stderr, "nlq_tool: %s\n", err);
				return 2;
			}
			break;
		case 's':
			st.path = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	cmd = argv[optind++];
	if (state_load(&st) < 0) {
		fprintf(stderr, "nlq_tool: cannot read state %s: %s\n", st.path ? st.path : "-",
			strerror(errno));
		free(st.hosts);
		return 2;
	}
	p = netlink_point_new(POINT_NAME, &cfg, err, sizeof(err));
	if (p == NULL) {
		fprintf(stderr, "nlq_tool: %s\n", err);
		free(st.hosts);
		return 2;
	}

	if (!strcmp(cmd, "isolate") || !strcmp(cmd, "release") || !strcmp(cmd, "check") ||
	    !strcmp(cmd, "locate")) {
		if (optind >= argc)
			rc = usage();
		for (i = optind; i < argc && rc != 2; i++) {
			struct ip_addr h;

			if (ip_from_str(argv[i], &h) < 0) {
				fprintf(stderr, "nlq_tool: '%s' is not an address\n", argv[i]);
				rc = 2;
				break;
			}
			if (!strcmp(cmd, "isolate") && state_add(&st, &h) < 0) {
				fprintf(stderr, "nlq_tool: cannot record %s in %s\n", argv[i], st.path);
				rc = 2;
				break;
			}
			if (!run_op(p, cmd, &h))
				rc = 1;
			else if (!strcmp(cmd, "release") && state_remove(&st, &h) < 0) {
				fprintf(stderr, "nlq_tool: cannot update %s\n", st.path);
				rc = 2;
			}
		}
	} else if (!strcmp(cmd, "isolate-seq")) {
		struct ip_addr first;
		long count, delay_us = 0, k;

		if (optind + 2 > argc || ip_from_str(argv[optind], &first) < 0) {
			rc = usage();
		} else {
			count = strtol(argv[optind + 1], NULL, 10);
			if (optind + 2 < argc)
				delay_us = strtol(argv[optind + 2], NULL, 10);
			if (count < 1 || count > MAX_STATE_HOSTS || delay_us < 0 || delay_us > 1000000)
				rc = usage();
			for (k = 0; k < count && rc == 0; k++) {
				struct ip_addr h;
				struct timespec ts = { 0, delay_us * 1000 };

				addr_add(&first, (uint32_t)k, &h);
				if (state_add(&st, &h) < 0) {
					fprintf(stderr, "nlq_tool: cannot record host in %s\n", st.path);
					rc = 2;
					break;
				}
				if (!run_op(p, "isolate", &h))
					rc = 1;
				fflush(stdout);
				if (delay_us)
					nanosleep(&ts, NULL);
			}
		}
	} else if (!strcmp(cmd, "reconcile")) {
		struct netlink_reconcile_stats rs;
		struct enf_location *locs = calloc(st.n ? st.n : 1, sizeof(*locs));
		size_t k;

		if (locs == NULL) {
			rc = 2;
		} else {
			for (k = 0; k < st.n; k++)
				make_location(&locs[k], &st.hosts[k]);
			if (netlink_reconcile(p, locs, st.n, print_diff, NULL, &rs, err, sizeof(err)) < 0) {
				printf("reconcile failed: %s\n", err);
				rc = 1;
			}
			printf("reconcile: hosts %u expected %u found %u missing %u reinstalled %u "
			       "extra %u duplicates %u removed %u errors %u\n", rs.hosts, rs.expected,
			       rs.found, rs.missing, rs.reinstalled, rs.extra, rs.duplicates, rs.removed,
			       rs.errors);
			free(locs);
		}
	} else if (!strcmp(cmd, "count")) {
		struct netlink_counts c;

		if (netlink_count(p, &c, err, sizeof(err)) < 0) {
			fprintf(stderr, "nlq_tool: %s\n", err);
			rc = 1;
		} else {
			printf("rules4 %u rules6 %u routes4 %u routes6 %u hosts4 %u hosts6 %u\n", c.rules4,
			       c.rules6, c.routes4, c.routes6, c.hosts4, c.hosts6);
		}
	} else {
		rc = usage();
	}
	enf_destroy(p);
	free(st.hosts);
	return rc;
}
