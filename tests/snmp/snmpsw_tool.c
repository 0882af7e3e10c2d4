/* SPDX-License-Identifier: ISC */
/*
 * snmpsw-tool: drives one SNMP enforcement point from the command line, for
 * the integration tests (tests/snmp/snmp_point.sh) and by hand against a lab
 * switch.
 *
 *   snmpsw-tool [-c FILE] [-o KEY=VALUE]... [-S STATE_DIR] [-t SECONDS] COMMAND
 *     probe                 the write probe's outcome
 *     locate MAC LOCFILE [MAC LOCFILE]...
 *                           finds MAC, writes the location to LOCFILE; with several
 *                           pairs, all are queued at once on one point (the later ones
 *                           use the forwarding table the first one walked) and each
 *                           result line starts with "locate MAC: "
 *     isolate LOCFILE       isolates the location (LOCFILE is updated)
 *     release LOCFILE       restores the stored VLAN
 *     check LOCFILE         is the quarantine in place?
 *     flow MAC LOCFILE      locate then isolate, as the controller chains them
 *     many OP:LOCFILE...    isolate/release/check several locations at once (queued
 *                           together, so that the point may batch them); LOCFILEs of
 *                           successful isolations and releases are updated
 *     check-twice LOCFILE WAITFILE
 *                           check, then wait until WAITFILE exists, then check
 *                           again on the same session (agent restarts between)
 *
 * KEY=VALUE are snmpsw_config_set keys; FILE holds one KEY=VALUE per line.
 * Prints "STATUS: message" and a stats line; exits 0 for ok, else 10 + the
 * enf_status. The probe outcome is printed as "probe STATUS: message".
 */
#include "addr.h"
#include "loop.h"
#include "snmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
	struct loop *loop;           /* owned */
	struct enf_point *pt;
	int pending;                 /* callbacks still expected */
	enum enf_status last;
	struct enf_result res;
	const char *locfile;
	bool chain_isolate;          /* flow: isolate after a successful locate */
	bool probe_reported;
	enum enf_status worst;       /* many: the first non-ok status */
};

static int loc_save(const char *path, const struct enf_location *l);

/* One location of "many": its file and the run it reports to. */
struct many_item {
	struct run *run;
	const char *locfile;
	struct enf_location loc;
};

static void
on_many_done(void *arg, const struct enf_result *res)
{
	struct many_item *it = arg;
	struct run *r = it->run;
	r->pending--;
	if (res->status != ENF_OK && r->worst == ENF_OK)
		r->worst = res->status;
	printf("%s: %s: %s\n", it->locfile, enf_status_name(res->status), res->message);
	if (res->status == ENF_OK && res->loc.bridge_port > 0 && loc_save(it->locfile, &res->loc) < 0)
		fprintf(stderr, "snmpsw-tool: cannot write %s: %s\n", it->locfile, strerror(errno));
	fflush(stdout);
}

static int
loc_save(const char *path, const struct enf_location *l)
{
	char tagged[ENF_MAX_TAGGED * 6 + 1];
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	enf_tagged_text(l, tagged, sizeof(tagged));
	fprintf(f, "point=%s\nport=%s\nifindex=%d\nbridge_port=%d\norig_vlan=%d\n"
		"orig_tagged=%s\nquarantine_vlan=%d\nmac=%02x:%02x:%02x:%02x:%02x:%02x\ndetail=%s\n",
		l->point, l->port, l->ifindex, l->bridge_port, l->orig_vlan, tagged,
		l->quarantine_vlan, l->host.mac[0], l->host.mac[1], l->host.mac[2], l->host.mac[3],
		l->host.mac[4], l->host.mac[5], l->detail);
	return fclose(f);
}

static int
loc_load(const char *path, struct enf_location *l)
{
	char line[512];
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	memset(l, 0, sizeof(*l));
	for (int n = 0; n < 100 && fgets(line, sizeof(line), f); n++) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "point"))
			snprintf(l->point, sizeof(l->point), "%s", eq);
		else if (!strcmp(line, "port"))
			snprintf(l->port, sizeof(l->port), "%s", eq);
		else if (!strcmp(line, "ifindex"))
			l->ifindex = atoi(eq);
		else if (!strcmp(line, "bridge_port"))
			l->bridge_port = atoi(eq);
		else if (!strcmp(line, "orig_vlan"))
			l->orig_vlan = atoi(eq);
		else if (!strcmp(line, "orig_tagged") && enf_tagged_parse(eq, l) < 0)
			l->norig_tagged = ENF_MAX_TAGGED + 1;   /* refused by the point, visibly */
		else if (!strcmp(line, "quarantine_vlan"))
			l->quarantine_vlan = atoi(eq);
		else if (!strcmp(line, "mac"))
			l->host.has_mac = mac_from_str(eq, l->host.mac) == 0;
		else if (!strcmp(line, "detail"))
			snprintf(l->detail, sizeof(l->detail), "%s", eq);
	}
	fclose(f);
	return 0;
}

static void
print_stats(struct run *r)
{
	struct snmpsw_stats st;
	snmpsw_point_stats(r->pt, &st);
	printf("stats: requests=%llu sends=%llu retries=%llu timeouts=%llu agent_errors=%llu "
	       "fdb_walks=%llu rediscoveries=%llu\n", (unsigned long long)st.requests,
	       (unsigned long long)st.sends, (unsigned long long)st.retries,
	       (unsigned long long)st.timeouts, (unsigned long long)st.agent_errors,
	       (unsigned long long)st.fdb_walks, (unsigned long long)st.rediscoveries);
}

/* One MAC of a "locate" with several MACs. */
struct locate_item {
	struct run *run;
	const char *mac, *locfile;
};

static void
on_locate_item(void *arg, const struct enf_result *res)
{
	struct locate_item *it = arg;
	struct run *r = it->run;
	r->pending--;
	if (res->status != ENF_OK && r->worst == ENF_OK)
		r->worst = res->status;
	printf("locate %s: %s: %s\n", it->mac, enf_status_name(res->status), res->message);
	if (res->status == ENF_OK && res->loc.bridge_port > 0) {
		printf("location %s: %s orig_vlan=%d quarantine_vlan=%d bridge_port=%d ifindex=%d\n",
		       it->mac, res->loc.port, res->loc.orig_vlan, res->loc.quarantine_vlan,
		       res->loc.bridge_port, res->loc.ifindex);
		if (loc_save(it->locfile, &res->loc) < 0)
			fprintf(stderr, "snmpsw-tool: cannot write %s: %s\n", it->locfile, strerror(errno));
	}
	fflush(stdout);
}

static void
on_probe(void *arg, const struct enf_result *res)
{
	struct run *r = arg;
	printf("probe %s: %s\n", enf_status_name(res->status), res->message);
	fflush(stdout);
	r->probe_reported = true;
}

static void on_done(void *arg, const struct enf_result *res);

static void
on_done(void *arg, const struct enf_result *res)
{
	struct run *r = arg;
	r->pending--;
	r->last = res->status;
	r->res = *res;
	printf("%s: %s\n", enf_status_name(res->status), res->message);
	if (res->status == ENF_OK && r->locfile && res->loc.bridge_port > 0) {
		if (loc_save(r->locfile, &res->loc) < 0)
			fprintf(stderr, "snmpsw-tool: cannot write %s: %s\n", r->locfile, strerror(errno));
		printf("location: %s orig_vlan=%d quarantine_vlan=%d bridge_port=%d ifindex=%d\n",
		       res->loc.port, res->loc.orig_vlan, res->loc.quarantine_vlan,
		       res->loc.bridge_port, res->loc.ifindex);
	}
	fflush(stdout);
	if (r->chain_isolate && res->status == ENF_OK) {
		r->chain_isolate = false;
		r->pending++;
		enf_isolate(r->pt, &res->loc, on_done, r);
	}
}

/* Bounded: runs the loop until every answer is in (probe included), or the time limit. */
static int
run_loop(struct run *r, int limit_s)
{
	for (int i = 0; i < limit_s * 50 && (r->pending > 0 || !r->probe_reported); i++)
		loop_run_for(r->loop, 0.02);
	return r->pending > 0 ? -1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: snmpsw-tool [-c FILE] [-o KEY=VALUE]... [-S STATE_DIR] [-t SECONDS]\n"
		"         probe | locate MAC LOCFILE [MAC LOCFILE]... | isolate LOCFILE | release LOCFILE |\n"
		"         check LOCFILE | flow MAC LOCFILE | check-twice LOCFILE WAITFILE |\n"
		"         many OP:LOCFILE...\n");
	exit(2);
}

static int
set_kv(struct snmpsw_config *cfg, char *kv, const char *where)
{
	char err[256];
	char *eq = strchr(kv, '=');
	if (!eq) {
		fprintf(stderr, "snmpsw-tool: %s: expected KEY=VALUE\n", where);
		return -1;
	}
	*eq = '\0';
	if (snmpsw_config_set(cfg, kv, eq + 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "snmpsw-tool: %s: %s\n", where, err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct snmpsw_config cfg;
	struct run r;
	char err[256], line[512];
	const char *state = NULL;
	int limit_s = 30, c;

	snmpsw_config_init(&cfg);
	memset(&r, 0, sizeof(r));
	while ((c = getopt(argc, argv, "c:o:S:t:h")) != -1) {
		switch (c) {
		case 'c': {
			FILE *f = fopen(optarg, "r");
			if (!f) {
				fprintf(stderr, "snmpsw-tool: %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			for (int n = 1; n < 1000 && fgets(line, sizeof(line), f); n++) {
				line[strcspn(line, "\r\n")] = '\0';
				if (!line[0] || line[0] == '#')
					continue;
				char where[300];
				snprintf(where, sizeof(where), "%s:%d", optarg, n);
				if (set_kv(&cfg, line, where) < 0) {
					fclose(f);
					return 2;
				}
			}
			fclose(f);
			break;
		}
		case 'o':
			if (set_kv(&cfg, optarg, "-o") < 0)
				return 2;
			break;
		case 'S': state = optarg; break;
		case 't': limit_s = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	const char *cmd = argv[optind];
	char **args = argv + optind + 1;
	int nargs = argc - optind - 1;

	char defstate[64];
	if (!state) {
		snprintf(defstate, sizeof(defstate), "/tmp/cordon-snmpsw-tool.%d", (int)getpid());
		state = defstate;
	}
	if (snmpsw_global_init(state, err, sizeof(err)) < 0) {
		fprintf(stderr, "snmpsw-tool: %s\n", err);
		return 2;
	}
	r.loop = loop_new();
	if (!r.loop) {
		fprintf(stderr, "snmpsw-tool: cannot create the event loop\n");
		return 2;
	}
	bool want_probe = strcmp(cmd, "probe") == 0;
	r.pt = snmpsw_point_new(r.loop, &cfg, on_probe, &r, err, sizeof(err));
	if (!r.pt) {
		fprintf(stderr, "snmpsw-tool: %s\n", err);
		return 2;
	}

	struct enf_host host;
	struct enf_location loc;
	memset(&host, 0, sizeof(host));
	if (want_probe) {
		/* the probe runs by itself */
	} else if ((!strcmp(cmd, "locate") || !strcmp(cmd, "flow")) && nargs == 2) {
		if (mac_from_str(args[0], host.mac) < 0) {
			fprintf(stderr, "snmpsw-tool: '%s' is not a MAC address\n", args[0]);
			return 2;
		}
		host.has_mac = true;
		r.locfile = args[1];
		r.chain_isolate = !strcmp(cmd, "flow");
		r.pending = 1;
		enf_locate(r.pt, &host, on_done, &r);
	} else if (!strcmp(cmd, "locate") && nargs > 2 && nargs % 2 == 0 && nargs <= 128) {
		static struct locate_item litems[64];
		static struct enf_host hosts[64];
		r.worst = ENF_OK;
		for (int i = 0; i < nargs / 2; i++) {
			memset(&hosts[i], 0, sizeof(hosts[i]));
			if (mac_from_str(args[2 * i], hosts[i].mac) < 0) {
				fprintf(stderr, "snmpsw-tool: '%s' is not a MAC address\n", args[2 * i]);
				return 2;
			}
			hosts[i].has_mac = true;
			litems[i] = (struct locate_item){&r, args[2 * i], args[2 * i + 1]};
		}
		r.pending = nargs / 2;
		for (int i = 0; i < nargs / 2; i++)
			enf_locate(r.pt, &hosts[i], on_locate_item, &litems[i]);
		run_loop(&r, limit_s);
		r.last = r.worst;
	} else if (!strcmp(cmd, "many") && nargs >= 1 && nargs <= 64) {
		static struct many_item items[64];
		for (int i = 0; i < nargs; i++) {
			char *colon = strchr(args[i], ':');
			if (!colon) {
				fprintf(stderr, "snmpsw-tool: many: expected OP:LOCFILE, got '%s'\n", args[i]);
				return 2;
			}
			*colon = '\0';
			items[i].run = &r;
			items[i].locfile = colon + 1;
			if (loc_load(items[i].locfile, &items[i].loc) < 0) {
				fprintf(stderr, "snmpsw-tool: cannot read %s: %s\n", items[i].locfile,
					strerror(errno));
				return 2;
			}
		}
		r.worst = ENF_OK;
		r.pending = nargs;
		for (int i = 0; i < nargs; i++) {
			if (!strcmp(args[i], "isolate"))
				enf_isolate(r.pt, &items[i].loc, on_many_done, &items[i]);
			else if (!strcmp(args[i], "release"))
				enf_release(r.pt, &items[i].loc, on_many_done, &items[i]);
			else if (!strcmp(args[i], "check"))
				enf_check(r.pt, &items[i].loc, on_many_done, &items[i]);
			else {
				fprintf(stderr, "snmpsw-tool: many: unknown operation '%s'\n", args[i]);
				return 2;
			}
		}
		run_loop(&r, limit_s);
		r.last = r.worst;
	} else if (!strcmp(cmd, "check-twice") && nargs == 2) {
		if (loc_load(args[0], &loc) < 0) {
			fprintf(stderr, "snmpsw-tool: cannot read %s: %s\n", args[0], strerror(errno));
			return 2;
		}
		r.pending = 1;
		enf_check(r.pt, &loc, on_done, &r);
		if (run_loop(&r, limit_s) < 0 || r.last != ENF_OK) {
			printf("error: the first check failed\n");
			return 3;
		}
		/* Bounded wait for the test to restart the agent. */
		for (int i = 0; i < limit_s * 20 && access(args[1], F_OK) != 0; i++)
			loop_run_for(r.loop, 0.05);
		r.pending = 1;
		enf_check(r.pt, &loc, on_done, &r);
	} else if ((!strcmp(cmd, "isolate") || !strcmp(cmd, "release") || !strcmp(cmd, "check")) &&
		   nargs == 1) {
		if (loc_load(args[0], &loc) < 0) {
			fprintf(stderr, "snmpsw-tool: cannot read %s: %s\n", args[0], strerror(errno));
			return 2;
		}
		r.locfile = strcmp(cmd, "check") ? args[0] : NULL;
		r.pending = 1;
		if (!strcmp(cmd, "isolate"))
			enf_isolate(r.pt, &loc, on_done, &r);
		else if (!strcmp(cmd, "release"))
			enf_release(r.pt, &loc, on_done, &r);
		else
			enf_check(r.pt, &loc, on_done, &r);
	} else {
		usage();
	}

	run_loop(&r, limit_s);
	int rc = 0;
	if (r.pending > 0 || (want_probe && !r.probe_reported)) {
		printf("error: no result within %d s\n", limit_s);
		rc = 3;
	} else if (!want_probe) {
		rc = r.last == ENF_OK ? 0 : 10 + (int)r.last;
	}
	print_stats(&r);
	enf_destroy(r.pt);
	loop_free(r.loop);
	snmpsw_global_shutdown();
	if (state == defstate) {
		/* net-snmp may leave nothing or a few files there; the directory is ours. */
		char cmdline[128];
		snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", defstate);
		if (system(cmdline) != 0)
			fprintf(stderr, "snmpsw-tool: could not remove %s\n", defstate);
	}
	return rc;
}
