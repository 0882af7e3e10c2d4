/* SPDX-License-Identifier: ISC */
/*
 * snmpnb-tool: reads a router's neighbour table with Cordon's snmp_neigh and
 * looks addresses up in it, for the tests and by hand.
 *
 *   snmpnb-tool -a ADDRESS -c COMMUNITY -s STATEDIR [-t SECONDS] IP...
 *
 * Prints "table SOURCE ROWS SKIPPED" (SOURCE: physical, media or none), then
 * per IP "IP MAC ifIndex", "IP not-found" or "IP ambiguous". Exit 0 when the
 * table was read, 1 when not (the reason on stderr), 2 on a usage error. The
 * community on the command line is a lab secret only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "snmp_client.h"
#include "snmp_neigh.h"

struct tool {
	char **ips;
	int nips;
	int status;
	struct loop *loop;
};

static void on_table(void *arg, int status, const struct snmpnb_table *t, const char *message)
{
	struct tool *tool = arg;
	static const char *const names[] = {"none", "physical", "media"};

	tool->status = status;
	loop_stop(tool->loop);
	if (status != 0) {
		fprintf(stderr, "snmpnb-tool: %s\n", message);
		return;
	}
	printf("table %s %zu %zu\n", names[t->source], t->n, t->skipped);
	for (int i = 0; i < tool->nips; i++) {
		uint8_t ip[16], mac[6];
		int family = strchr(tool->ips[i], ':') ? 6 : 4;
		if (inet_pton(family == 6 ? AF_INET6 : AF_INET, tool->ips[i], ip) != 1) {
			printf("%s not-an-address\n", tool->ips[i]);
			continue;
		}
		int r = snmpnb_find(t, family, ip, mac);
		if (r < 0) {
			printf("%s ambiguous\n", tool->ips[i]);
		} else if (r == 0) {
			printf("%s not-found\n", tool->ips[i]);
		} else {
			uint32_t ifx = 0;
			for (size_t k = 0; k < t->n; k++)
				if (t->e[k].family == family && !memcmp(t->e[k].ip, ip, family == 6 ? 16 : 4))
					ifx = t->e[k].if_index;
			printf("%s %02x:%02x:%02x:%02x:%02x:%02x %u\n", tool->ips[i], mac[0], mac[1], mac[2],
			       mac[3], mac[4], mac[5], ifx);
		}
	}
}

int main(int argc, char **argv)
{
	struct snmpc_params p = {.label = "router", .port = 161, .version = SNMPC_V2C,
				 .timeout_ms = 1000, .retries = 1};
	const char *state = NULL;
	struct tool tool = {.status = -1};
	char err[256];
	int c;

	while ((c = getopt(argc, argv, "a:c:s:")) != -1) {
		switch (c) {
		case 'a': p.address = optarg; break;
		case 'c': p.community = optarg; break;
		case 's': state = optarg; break;
		default:
			fprintf(stderr, "usage: snmpnb-tool -a ADDRESS -c COMMUNITY -s STATEDIR IP...\n");
			return 2;
		}
	}
	if (!p.address || !p.community || !state) {
		fprintf(stderr, "usage: snmpnb-tool -a ADDRESS -c COMMUNITY -s STATEDIR IP...\n");
		return 2;
	}
	tool.ips = argv + optind;
	tool.nips = argc - optind;
	if (snmpc_global_init(state, err, sizeof(err)) < 0) {
		fprintf(stderr, "snmpnb-tool: %s\n", err);
		return 2;
	}
	tool.loop = loop_new();
	struct snmpc_session *s = tool.loop ? snmpc_open(tool.loop, &p, err, sizeof(err))
					    : NULL;
	if (!s) {
		fprintf(stderr, "snmpnb-tool: %s\n", tool.loop ? err : "no event loop");
		return 2;
	}
	if (snmpnb_read(s, 100000, on_table, &tool) < 0) {
		fprintf(stderr, "snmpnb-tool: cannot send the request\n");
		return 1;
	}
	loop_run(tool.loop);
	snmpc_close(s);
	loop_free(tool.loop);
	snmpc_global_shutdown();
	return tool.status == 0 ? 0 : 1;
}
