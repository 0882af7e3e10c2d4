/* SPDX-License-Identifier: ISC */
/*
 * cordon-switch-check: checks an SNMP switch before Cordon is trusted with it,
 * changing nothing on it: is it reachable, may Cordon write (sysLocation.0
 * written back with its own value, the answer's echo and a read-back
 * compared), which driver and vendor quirks it gets, which ports it will never
 * touch (trunks, uplinks, infrastructure behind LLDP) and why, and where given
 * MACs are, exactly as locate would answer.
 *
 *   cordon-switch-check [-c CONFIG] [-S STATE_DIR] [-t SECONDS] POINT [MAC...]
 *   cordon-switch-check [-f FILE] [-o KEY=VALUE]... [-S STATE_DIR] [-t SECONDS] [MAC...]
 *
 * The first form reads the point's settings from cordond's configuration
 * (default /etc/cordon/cordon.conf); the second takes the SNMP backend's keys
 * (docs/snmp.md) from FILE (KEY=VALUE lines: keep secrets there, not on the
 * command line) and -o, for a switch not configured yet. Exit 0 when the
 * switch is reachable, writable and every MAC was located; 1 otherwise; 2 on
 * a usage or configuration error.
 */
#include "conf.h"
#include "cordon.h"
#include "loop.h"
#include "snmp.h"


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MACS 32

struct check {
	struct loop *loop;           /* owned */
	struct enf_point *pt;
	int pending;                 /* callbacks still expected, probe included */
	bool failed;                 /* something the operator must look at */
	struct enf_result probe;
	bool probe_done;
};

/* One expected callback has come: the loop stops when none is left. */
static void
check_answered(struct check *c)
{
	if (--c->pending == 0)
		loop_stop(c->loop);
}

static void
on_deadline(void *arg)
{
	struct check *c = arg;
	loop_stop(c->loop);
}

struct mac_item {
	struct check *c;
	char text[20];
	struct enf_host host;
	struct enf_result res;
	bool done;
};

static void
on_probe(void *arg, const struct enf_result *res)
{
	struct check *c = arg;
	c->probe = *res;
	c->probe_done = true;
	check_answered(c);
	printf("reachable:     %s\n", res->status == ENF_TIMEOUT ? "no" : "yes");
	printf("write access:  %s: %s\n", res->status == ENF_OK ? "verified" : "NOT verified",
	       res->message);
	c->failed = c->failed || res->status != ENF_OK;
}

static void
on_locate(void *arg, const struct enf_result *res)
{
	struct mac_item *m = arg;
	m->res = *res;
	m->done = true;
	check_answered(m->c);
}

static void
on_survey(void *arg, const struct snmpsw_survey *s)
{
	struct check *c = arg;
	size_t access = 0, with_hosts = 0;

	check_answered(c);
	printf("driver:        %s (%s)\n", s->driver, s->vendor);
	if (s->status != ENF_OK) {
		printf("survey:        %s: %s\n", enf_status_name(s->status), s->message);
		c->failed = true;
		return;
	}
	printf("forwarding table: %zu rows, %zu bridge ports", s->fdb_rows, s->nports);
	if (s->unresolved_rows)
		printf(", %zu rows on port numbers that name no port for sure (ambiguous, or no "
		       "bridge port: locate refuses their MACs)", s->unresolved_rows);
	if (s->silent_contexts)
		printf(", %zu per-VLAN contexts did not answer", s->silent_contexts);
	printf("\nnever isolated (trunks, uplinks, infrastructure):\n");
	for (size_t i = 0; i < s->nports; i++) {
		const struct snmpsw_port *p = &s->ports[i];
		if (p->access) {
			access++;
			with_hosts += p->macs > 0;
			continue;
		}
		char vlan[16];
		if (p->vlan > 0)
			snprintf(vlan, sizeof(vlan), "%d", p->vlan);
		else
			snprintf(vlan, sizeof(vlan), "?");
		printf("  %-16s ifIndex %-7d VLAN %-5s %5u MACs  %s\n", p->port, p->ifindex, vlan,
		       p->macs, p->why);
	}
	printf("access ports:  %zu, %zu with learned MACs\n", access, with_hosts);
}

static void
usage(void)
{
	fprintf(stderr, "usage: cordon-switch-check [-c CONFIG] [-S STATE_DIR] [-t SECONDS] POINT [MAC...]\n"
		"       cordon-switch-check [-f FILE] [-o KEY=VALUE]... [-S STATE_DIR] [-t SECONDS] [MAC...]\n");
	exit(2);
}

static int
parse_mac(const char *s, uint8_t *m)
{
	unsigned v[6];
	char end;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		m[i] = (uint8_t)v[i];
	}
	return 0;
}

/* The point's settings: from cordond's config (POINT) or from -o KEY=VALUE. */
static int
set_kv(struct snmpsw_config *sc, const char *text, const char *where)
{
	char kv[600], err[512], *eq;
	snprintf(kv, sizeof(kv), "%s", text);
	if (!(eq = strchr(kv, '='))) {
		fprintf(stderr, "cordon-switch-check: %s: expected KEY=VALUE\n", where);
		return -1;
	}
	*eq = '\0';
	if (snmpsw_config_set(sc, kv, eq + 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "cordon-switch-check: %s: %s\n", where, err);
		explicit_bzero(kv, sizeof(kv));
		return -1;
	}
	explicit_bzero(kv, sizeof(kv));
	return 0;
}

static int
load_config(const char *conf_path, const char *kv_file, int nopts, char **opts,
	    const char *point, struct snmpsw_config *sc)
{
	char err[512];
	if (nopts == 0 && !kv_file) {
		static struct cordon_conf conf;   /* large */
		backends_register_builtin();
		if (conf_load(conf_path, &conf, err, sizeof(err)) < 0) {
			fprintf(stderr, "cordon-switch-check: %s\n", err);
			return -1;
		}
		const struct conf_point *cp = conf_point_named(&conf, point);
		if (!cp) {
			fprintf(stderr, "cordon-switch-check: %s has no point '%s'\n", conf_path, point);
			return -1;
		}
		if (strncmp(cp->kind, "snmp-", 5) != 0) {
			fprintf(stderr, "cordon-switch-check: point '%s' is of kind %s, not an SNMP "
				"switch\n", point, cp->kind);
			return -1;
		}
		if (builtin_snmp_config(cp, sc, err, sizeof(err)) < 0) {
			fprintf(stderr, "cordon-switch-check: point '%s': %s\n", point, err);
			return -1;
		}
		return 0;
	}
	snmpsw_config_init(sc);
	snprintf(sc->name, sizeof(sc->name), "switch");
	/* A check may run before a quarantine VLAN is chosen: it moves nothing. */
	sc->quarantine_vlan = 4094;
	if (kv_file) {
		char line[600], where[300];
		FILE *f = fopen(kv_file, "r");
		if (!f) {
			fprintf(stderr, "cordon-switch-check: %s: %s\n", kv_file, strerror(errno));
			return -1;
		}
		for (int n = 1; n < 1000 && fgets(line, sizeof(line), f); n++) {
			line[strcspn(line, "\r\n")] = '\0';
			if (!line[0] || line[0] == '#')
				continue;
			snprintf(where, sizeof(where), "%.200s:%d", kv_file, n);
			if (set_kv(sc, line, where) < 0) {
				fclose(f);
				return -1;
			}
		}
		explicit_bzero(line, sizeof(line));
		fclose(f);
	}
	for (int i = 0; i < nopts; i++)
		if (set_kv(sc, opts[i], "-o") < 0)
			return -1;
	if (snmpsw_config_check(sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "cordon-switch-check: %s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf_path = "/etc/cordon/cordon.conf", *state = NULL, *kv_file = NULL;
	char *opts[64];
	int nopts = 0, limit_s = 60, ch;
	static struct mac_item macs[MAX_MACS];
	struct snmpsw_config sc;
	struct check c;
	char err[512], tmpl[] = "/tmp/cordon-switch-check.XXXXXX";

	while ((ch = getopt(argc, argv, "c:f:o:S:t:h")) != -1) {
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'f': kv_file = optarg; break;
		case 'o':
			if (nopts == (int)(sizeof(opts) / sizeof(opts[0])))
				usage();
			opts[nopts++] = optarg;
			break;
		case 'S': state = optarg; break;
		case 't': limit_s = atoi(optarg); break;
		default: usage();
		}
	}
	const char *point = NULL;
	if (nopts == 0 && !kv_file) {
		if (optind >= argc)
			usage();
		point = argv[optind++];
	}
	int nmacs = argc - optind;
	if (nmacs > MAX_MACS || limit_s <= 0)
		usage();
	for (int i = 0; i < nmacs; i++) {
		if (parse_mac(argv[optind + i], macs[i].host.mac) < 0) {
			fprintf(stderr, "cordon-switch-check: '%s' is not a MAC address\n", argv[optind + i]);
			return 2;
		}
		macs[i].host.has_mac = true;
		snprintf(macs[i].text, sizeof(macs[i].text), "%s", argv[optind + i]);
	}
	if (load_config(conf_path, kv_file, nopts, opts, point, &sc) < 0)
		return 2;
	bool own_state = !state;
	if (own_state && !(state = mkdtemp(tmpl))) {
		fprintf(stderr, "cordon-switch-check: %s: %s\n", tmpl, strerror(errno));
		return 2;
	}
	if (snmpsw_global_init(state, err, sizeof(err)) < 0) {
		fprintf(stderr, "cordon-switch-check: %s\n", err);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	c.loop = loop_new();
	if (!c.loop) {
		fprintf(stderr, "cordon-switch-check: cannot create the event loop\n");
		return 2;
	}
	printf("switch %s at %s port %u, SNMP%s\n", sc.name, sc.address, sc.port,
	       sc.version == SNMPSW_V3 ? "v3" : "v2c");
	c.pending = 1;   /* the write probe */
	c.pt = snmpsw_point_new(c.loop, &sc, on_probe, &c, err, sizeof(err));
	explicit_bzero(&sc, sizeof(sc));   /* the point keeps its own copy of the secrets */
	if (!c.pt) {
		fprintf(stderr, "cordon-switch-check: %s\n", err);
		return 2;
	}
	/* All queued at once: the point runs them in order (probe, survey, each MAC). */
	c.pending++;
	snmpsw_point_survey(c.pt, on_survey, &c);
	for (int i = 0; i < nmacs; i++) {
		macs[i].c = &c;
		c.pending++;
		enf_locate(c.pt, &macs[i].host, on_locate, &macs[i]);
	}
	struct loop_timer *deadline = loop_timer_new(c.loop, on_deadline, &c);
	if (!deadline) {
		fprintf(stderr, "cordon-switch-check: out of memory\n");
		return 2;
	}
	loop_timer_arm(deadline, limit_s);
	if (c.pending > 0)
		loop_run(c.loop);
	loop_timer_free(deadline);
	if (!c.probe_done)
		c.failed = true;
	for (int i = 0; i < nmacs; i++) {
		if (!macs[i].done) {
			c.failed = true;
			continue;
		}
		printf("MAC %s: %s: %s\n", macs[i].text, enf_status_name(macs[i].res.status),
		       macs[i].res.message);
		c.failed = c.failed || macs[i].res.status != ENF_OK;
	}
	if (c.pending > 0) {
		printf("error: no answer to everything within %d s\n", limit_s);
		c.failed = true;
	}
	enf_destroy(c.pt);
	loop_free(c.loop);
	snmpsw_global_shutdown();
	if (own_state) {
		/* net-snmp may leave a file or two in its persistent directory: ours, removed. */
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
		if (system(cmd) != 0)
			fprintf(stderr, "cordon-switch-check: could not remove %s\n", state);
	}
	return c.failed ? 1 : 0;
}
