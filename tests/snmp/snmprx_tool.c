/* SPDX-License-Identifier: ISC */
/*
 * snmprx-tool: Cordon's SNMP notification receiver (switches/snmp_receiver.c)
 * on its own, for the tests. Listens, prints one line per event of every
 * accepted notification, and exits after COUNT events or SECONDS.
 *
 *   snmprx-tool -l ADDR:PORT [-c COMMUNITY] [-u USER -A AUTHPASS -X PRIVPASS]
 *               [-e ENGINEID]... [-n COUNT] [-t SECONDS] -s STATEDIR
 *
 * Output (stdout, line-buffered):
 *   listening PORT                                  once the socket is bound
 *   FROM mac-learnt|mac-removed VLAN PORT MAC       a MAC record
 *   FROM mac-moved VLAN FROMPORT>PORT MAC
 *   FROM link-up|link-down IFINDEX
 *   FROM ignored TRAPOID                            a notification of another kind
 *   stats received=N accepted=N refused_auth=N refused_type=N malformed=N
 *         records_rejected=N informs_acked=N        at exit
 * Exit: 0 when COUNT events (ignored notifications not counted) were printed (or no -n), 1 on timeout, 2 on a
 * usage or start error.
 * The pass phrases on the command line are the lab's test secrets only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "snmp_client.h"
#include "snmp_receiver.h"

struct tool {
	struct loop *loop;
	long want;
	long seen;
};

static void on_notification(void *arg, const char *from, const struct snmpn_decoded *d)
{
	struct tool *t = arg;
	if (d->result == SNMPN_IGNORED) {
		printf("%s ignored %s\n", from, d->trap_oid);  /* not counted in -n */
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct snmpn_event *e = &d->ev[i];
		const uint8_t *m = e->mac;
		switch (e->kind) {
		case SNMPN_LINK_UP:
		case SNMPN_LINK_DOWN:
			printf("%s %s %u\n", from, snmpn_kind_name(e->kind), e->if_index);
			break;
		case SNMPN_MAC_MOVED:
			printf("%s %s %u %u>%u %02x:%02x:%02x:%02x:%02x:%02x\n", from,
			       snmpn_kind_name(e->kind), e->vlan, e->from_port, e->bridge_port, m[0], m[1],
			       m[2], m[3], m[4], m[5]);
			break;
		default:
			printf("%s %s %u %u %02x:%02x:%02x:%02x:%02x:%02x\n", from,
			       snmpn_kind_name(e->kind), e->vlan, e->bridge_port, m[0], m[1], m[2], m[3],
			       m[4], m[5]);
		}
		t->seen++;
	}
	if (t->want > 0 && t->seen >= t->want)
		loop_stop(t->loop);
}

static void on_timeout(void *arg)
{
	loop_stop(arg);
}

int main(int argc, char **argv)
{
	struct snmprx_conf conf = {0};
	const char *engines[9] = {0};
	size_t nengines = 0;
	const char *state = NULL;
	long seconds = 20;
	struct tool t = {0};
	char err[256];
	int c;

	while ((c = getopt(argc, argv, "l:c:u:A:X:e:n:t:s:")) != -1) {
		switch (c) {
		case 'l': conf.listen = optarg; break;
		case 'c': conf.community = optarg; break;
		case 'u': conf.v3_user = optarg; break;
		case 'A': conf.v3_auth_pass = optarg; break;
		case 'X': conf.v3_priv_pass = optarg; break;
		case 'e':
			if (nengines == 8) {
				fprintf(stderr, "snmprx-tool: at most 8 -e\n");
				return 2;
			}
			engines[nengines++] = optarg;
			break;
		case 'n': t.want = strtol(optarg, NULL, 10); break;
		case 't': seconds = strtol(optarg, NULL, 10); break;
		case 's': state = optarg; break;
		default:
			fprintf(stderr, "usage: snmprx-tool -l ADDR:PORT [-c COMMUNITY] [-u USER -A AUTH -X PRIV] "
				"[-e ENGINEID]... [-n COUNT] [-t SECONDS] -s STATEDIR\n");
			return 2;
		}
	}
	if (seconds < 1 || seconds > 300) {
		fprintf(stderr, "snmprx-tool: -t %ld: not in 1..300\n", seconds);
		return 2;
	}
	conf.v3_engine_ids = nengines ? engines : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (snmpc_global_init(state, err, sizeof(err)) < 0) {
		fprintf(stderr, "snmprx-tool: %s\n", err);
		return 2;
	}
	t.loop = loop_new();
	struct snmprx *rx = t.loop ? snmprx_open(t.loop, &conf, on_notification, &t,
						 err, sizeof(err))
				   : NULL;
	struct loop_timer *timer = rx ? loop_timer_new(t.loop, on_timeout, t.loop) : NULL;
	if (!timer) {
		fprintf(stderr, "snmprx-tool: %s\n", rx ? "out of memory" : t.loop ? err : "no event loop");
		return 2;
	}
	loop_timer_arm(timer, (double)seconds);
	printf("listening %u\n", snmprx_port(rx));
	loop_run(t.loop);

	struct snmprx_stats st;
	snmprx_get_stats(rx, &st);
	printf("stats received=%llu accepted=%llu refused_auth=%llu refused_type=%llu malformed=%llu "
	       "records_rejected=%llu informs_acked=%llu\n",
	       (unsigned long long)st.received, (unsigned long long)st.accepted,
	       (unsigned long long)st.refused_auth, (unsigned long long)st.refused_type,
	       (unsigned long long)st.malformed, (unsigned long long)st.records_rejected,
	       (unsigned long long)st.informs_acked);
	if (st.last_error[0])
		printf("last_error %s\n", st.last_error);
	loop_timer_free(timer);
	snmprx_close(rx);
	loop_free(t.loop);
	snmpc_global_shutdown();
	return t.want > 0 && t.seen < t.want ? 1 : 0;
}
