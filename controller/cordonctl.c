/* SPDX-License-Identifier: ISC */
/*
 * cordonctl: the on-call engineer's command. Talks to cordond over its
 * control socket; human tables by default, --json for scripts.
 *
 * Exit codes: 0 done; 1 usage; 2 the daemon cannot be reached; 3 the daemon
 * refused or the operation failed; 4 the host is not on record; 5 the
 * command needs the read-write socket and only the read-only one is open to
 * the caller.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl_client.h"
#include "secret.h"

#define EXIT_USAGE 1
#define EXIT_UNREACHABLE 2
#define EXIT_FAILED 3
#define EXIT_NOT_FOUND 4
#define EXIT_READ_ONLY 5

#define DEFAULT_SOCKET "/run/cordon/control.sock"
#define DEFAULT_RO_SOCKET "/run/cordon/control-ro.sock"
#define OP_TIMEOUT_MS (10 * 60 * 1000)

static bool opt_json;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cordonctl [-s SOCKET] [-r RO_SOCKET] [--json] COMMAND [ARGS]\n"
	    "  quarantine HOST --reason TEXT [--mac MAC]\n"
	    "                                  isolate a host now; prints where once verified\n"
	    "                                  (--mac: where a switch should look for it)\n"
	    "  release HOST --patched [--reason TEXT]\n"
	    "                                  restore what was there before; probation follows\n"
	    "  approve HOST                    isolate a host that awaits approval\n"
	    "  list [--state STATE]            hosts on record\n"
	    "  assets [--exposed PORT] [--state STATE]\n"
	    "                                  hosts with the services sensors saw them answer on\n"
	    "                                  (--exposed: only hosts answering on tcp or udp PORT)\n"
	    "  show HOST                       a host's state, location and history\n"
	    "  events [--follow] [--limit N] [--host HOST]\n"
	    "                                  the audit log\n"
	    "  switches                        enforcement points and their health\n"
	    "  status                          the daemon's counters\n"
	    "  resolve HOST --as released|isolated --reason TEXT\n"
	    "                                  after fixing by hand a host whose isolation or\n"
	    "                                  release failed for good: record what is true now\n"
	    "  breaker                         the circuit breaker: tripped or not, why, hosts held\n"
	    "  breaker reset --reason TEXT     let Cordon isolate on its own again; held hosts\n"
	    "                                  with current evidence are isolated\n"
	    "  hash-password                   read a password on stdin, print its yescrypt hash\n"
	    "                                  for console.users (no daemon needed)\n"
	    "  new-token                       print a new API token and its SHA-256 for\n"
	    "                                  console.tokens (no daemon needed)\n"
	    "Sockets: -s (default %s, or $CORDON_SOCKET); read-only commands fall back to\n"
	    "-r (default %s) when the control socket is not open to the caller.\n"
	    "Exit: 0 done, 1 usage, 2 daemon unreachable, 3 refused or failed, 4 not on record,\n"
	    "5 needs the read-write socket.\n", DEFAULT_SOCKET, DEFAULT_RO_SOCKET);
}

static const char *
fmt_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : "-";
}

static const char *
where(json_t *host, char *buf, size_t len)
{
	json_t *loc = json_object_get(host, "location");

	if (!json_is_object(loc)) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s", str(loc, "detail"));
	return buf;
}

static void
print_host_line(json_t *h)
{
	char w[300], t[32];

	printf("%-39s %-17s %-12s %-10s %-12s %-20s %s\n", str(h, "ip"), str(h, "mac"),
	    str(h, "state"), str(h, "hold"), str(h, "point"),
	    fmt_time(json_real_value(json_object_get(h, "updated")), t, sizeof(t)),
	    where(h, w, sizeof(w)));
}

static void
print_host(json_t *h)
{
	json_t *loc = json_object_get(h, "location");
	char t[32];

	printf("host        %s\n", str(h, "ip"));
	printf("mac         %s%s%s%s\n", str(h, "mac"), *str(h, "mac_source") != '-' ? " (" : "",
	    *str(h, "mac_source") != '-' ? str(h, "mac_source") : "",
	    *str(h, "mac_source") != '-' ? ")" : "");
	printf("state       %s%s%s%s\n", str(h, "state"), *str(h, "hold") != '-' ? " (" : "",
	    *str(h, "hold") != '-' ? str(h, "hold") : "", *str(h, "hold") != '-' ? ")" : "");
	printf("reason      %s\n", str(h, "reason"));
	printf("by          %s\n", str(h, "actor"));
	printf("point       %s\n", str(h, "point"));
	if (json_is_object(loc)) {
		printf("port        %s (ifIndex %lld)\n", str(loc, "port"),
		    (long long)json_integer_value(json_object_get(loc, "ifindex")));
		if (json_integer_value(json_object_get(loc, "orig_vlan")) >= 0)
			printf("vlan        %lld%s%s%s -> %lld\n",
			    (long long)json_integer_value(json_object_get(loc, "orig_vlan")),
			    *str(loc, "orig_tagged") != '-' ? " (tagged " : "",
			    *str(loc, "orig_tagged") != '-' ? str(loc, "orig_tagged") : "",
			    *str(loc, "orig_tagged") != '-' ? ")" : "",
			    (long long)json_integer_value(json_object_get(loc, "quarantine_vlan")));
		printf("where       %s\n", str(loc, "detail"));
		json_t *aff = json_object_get(loc, "affected");
		if (json_array_size(aff) > 0) {
			size_t i;
			printf("affected    %zu other MAC%s behind the port:", json_array_size(aff),
			    json_array_size(aff) > 1 ? "s" : "");
			for (i = 0; i < json_array_size(aff); i++)
				printf("%s %s", i ? "," : "", json_string_value(json_array_get(aff, i)));
			printf("\n");
		}
	}
	json_t *move = json_object_get(h, "moving_to");
	if (json_is_object(move))
		printf("moving to   %s %s (%s): not settled yet\n", str(move, "point"), str(move, "port"),
		    str(move, "detail"));
	if (*str(h, "last_error") != '-' && *str(h, "failed_op") == '-')
		printf("note        %s\n", str(h, "last_error"));
	else if (*str(h, "last_error") != '-')
		printf("last error  %s (%s, attempt %lld)\n", str(h, "last_error"), str(h, "failed_op"),
		    (long long)json_integer_value(json_object_get(h, "attempts")));
	printf("first seen  %s\n", fmt_time(json_real_value(json_object_get(h, "first_seen")), t, sizeof(t)));
	printf("last seen   %s\n", fmt_time(json_real_value(json_object_get(h, "last_seen")), t, sizeof(t)));
	if (json_real_value(json_object_get(h, "probation_until")) > 0 &&
	    strcmp(str(h, "state"), "probation") == 0)
		printf("probation   until %s\n", fmt_time(json_real_value(json_object_get(h, "probation_until")), t, sizeof(t)));
	printf("detections  %lld\n", (long long)json_integer_value(json_object_get(h, "detections")));
}

static void
print_event(json_t *e)
{
	char t[32];

	printf("%-20s %-10s %-10s %-39s %-30s %s\n",
	    fmt_time(json_real_value(json_object_get(e, "time")), t, sizeof(t)),
	    str(e, "actor"), str(e, "action"), str(e, "host"), str(e, "result"), str(e, "reason"));
}

/* Maps a daemon error code to an exit code. */
static int
exit_for(json_t *resp)
{
	const char *code = json_string_value(json_object_get(resp, "code"));

	if (code == NULL)
		return EXIT_FAILED;
	if (strcmp(code, "usage") == 0)
		return EXIT_USAGE;
	if (strcmp(code, "not-found") == 0)
		return EXIT_NOT_FOUND;
	if (strcmp(code, "read-only") == 0)
		return EXIT_READ_ONLY;
	return EXIT_FAILED;
}

static int
show_result(const char *cmd, json_t *resp)
{
	bool ok = json_is_true(json_object_get(resp, "ok"));
	json_t *h = json_object_get(resp, "host");

	if (opt_json) {
		char *s = json_dumps(resp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "{}");
		free(s);
		return ok ? 0 : exit_for(resp);
	}
	if (!ok) {
		fprintf(stderr, "cordonctl: %s: %s\n", cmd,
		    json_string_value(json_object_get(resp, "error")) ?
		    json_string_value(json_object_get(resp, "error")) : str(resp, "message"));
		return exit_for(resp);
	}
	if (strcmp(cmd, "quarantine") == 0 || strcmp(cmd, "approve") == 0) {
		printf("%s isolated: %s\n", str(h, "ip"), str(resp, "message"));
		print_host(h);
	} else if (strcmp(cmd, "release") == 0) {
		printf("%s released: %s\n", str(h, "ip"), str(resp, "message"));
		print_host(h);
	} else if (strcmp(cmd, "show") == 0) {
		size_t i;
		json_t *hist = json_object_get(resp, "history");
		print_host(h);
		printf("\nhistory:\n");
		for (i = 0; i < json_array_size(hist); i++)
			print_event(json_array_get(hist, i));
	} else if (strcmp(cmd, "switches") == 0) {
		size_t i, j;
		json_t *arr = json_object_get(resp, "points");
		printf("%-16s %-14s %-8s %-8s %-10s %-28s %s\n", "POINT", "KIND", "OK", "FAILED",
		    "LAST(ms)", "PREFIXES", "LAST ERROR");
		for (i = 0; i < json_array_size(arr); i++) {
			json_t *p = json_array_get(arr, i), *pf = json_object_get(p, "prefixes");
			char pfx[256] = "";
			for (j = 0; j < json_array_size(pf); j++)
				snprintf(pfx + strlen(pfx), sizeof(pfx) - strlen(pfx), "%s%s", j ? "," : "",
				    json_string_value(json_array_get(pf, j)));
			printf("%-16s %-14s %-8lld %-8lld %-10.1f %-28s %s\n", str(p, "name"), str(p, "kind"),
			    (long long)json_integer_value(json_object_get(p, "ok")),
			    (long long)json_integer_value(json_object_get(p, "failed")),
			    json_real_value(json_object_get(p, "last_latency_ms")), pfx, str(p, "last_error"));
		}
	} else if (strcmp(cmd, "resolve") == 0) {
		printf("%s %s\n", str(h, "ip"), str(resp, "message"));
		print_host(h);
	} else if (strcmp(cmd, "breaker-reset") == 0) {
		printf("%s\n", str(resp, "message"));
	} else if (strcmp(cmd, "breaker") == 0) {
		json_t *b = json_object_get(resp, "breaker");
		char t[32];
		if (json_is_true(json_object_get(b, "tripped")))
			printf("tripped since %s: %s\n",
			    fmt_time(json_real_value(json_object_get(b, "since")), t, sizeof(t)),
			    str(b, "reason"));
		else
			printf("not tripped\n");
		printf("hosts held  %lld\ntrips       %lld (since the daemon started)\n",
		    (long long)json_integer_value(json_object_get(b, "held")),
		    (long long)json_integer_value(json_object_get(b, "trips")));
	} else if (strcmp(cmd, "status") == 0) {
		const char *k;
		json_t *v;
		json_object_foreach(resp, k, v) {
			if (strcmp(k, "ok") == 0)
				continue;
			if (json_is_object(v)) {
				const char *k2;
				json_t *v2;
				printf("%-20s", k);
				json_object_foreach(v, k2, v2) {
					if (json_is_string(v2))
						printf(" %s=\"%s\"", k2, json_string_value(v2));
					else if (json_is_boolean(v2))
						printf(" %s=%s", k2, json_is_true(v2) ? "yes" : "no");
					else if (json_is_real(v2))
						printf(" %s=%.0f", k2, json_real_value(v2));
					else
						printf(" %s=%lld", k2, (long long)json_integer_value(v2));
				}
				printf("\n");
			} else if (json_is_real(v)) {
				printf("%-20s %.0f\n", k, json_real_value(v));
			} else if (json_is_boolean(v)) {
				printf("%-20s %s\n", k, json_is_true(v) ? "yes" : "no");
			} else {
				printf("%-20s %lld\n", k, (long long)json_integer_value(v));
			}
		}
	}
	return 0;
}

/* Hosts per page asked of the daemon. */
#define LIST_PAGE 1000

/* A host of `assets`: address, MAC, state, last seen, services (proto/port). */
static void
print_asset_line(json_t *h)
{
	json_t *svcs = json_object_get(h, "services");
	char t[32];
	size_t i;

	printf("%-39s %-17s %-12s %-20s ", str(h, "ip"), str(h, "mac"), str(h, "state"),
	    fmt_time(json_real_value(json_object_get(h, "last_seen")), t, sizeof(t)));
	if (json_array_size(svcs) == 0)
		printf("-");
	for (i = 0; i < json_array_size(svcs); i++) {
		json_t *sv = json_array_get(svcs, i);
		printf("%s%s/%lld", i ? "," : "", str(sv, "proto"),
		    (long long)json_integer_value(json_object_get(sv, "port")));
	}
	printf("\n");
}

/*
 * `list` and `assets`, a page at a time (the daemon answers at most
 * LIST_PAGE hosts per request, with the address to go on after): printed as
 * each page arrives, as a table or, with --json, as one
 * {"ok":true,"hosts":[...]} object. `req` is the request (its filters);
 * returns the exit status.
 */
static int
list_pages(struct ctl_client *cl, json_t *req, const char *sock, bool assets)
{
	const char *resp_line;
	size_t shown = 0;
	int rc = 0;

	json_object_set_new(req, "limit", json_integer(LIST_PAGE));
	if (opt_json)
		printf("{\"ok\":true,\"hosts\":[");
	else if (assets)
		printf("%-39s %-17s %-12s %-20s %s\n", "HOST", "MAC", "STATE", "LAST SEEN",
		    "SERVICES");
	else
		printf("%-39s %-17s %-12s %-10s %-12s %-20s %s\n", "HOST", "MAC", "STATE", "HOLD",
		    "POINT", "UPDATED", "WHERE");
	for (;;) {
		char *line = json_dumps(req, JSON_COMPACT);
		json_t *resp, *arr, *next;
		json_error_t jerr;
		size_t i;

		if (line == NULL || ctl_client_send(cl, line) != 0) {
			free(line);
			fprintf(stderr, "cordonctl: cannot send the request to %s\n", sock);
			return EXIT_UNREACHABLE;
		}
		free(line);
		resp_line = ctl_client_read(cl, OP_TIMEOUT_MS);
		if (resp_line == NULL) {
			fprintf(stderr, "cordonctl: no answer from cordond on %s\n", sock);
			return EXIT_UNREACHABLE;
		}
		resp = json_loads(resp_line, 0, &jerr);
		if (resp == NULL) {
			fprintf(stderr, "cordonctl: unreadable answer from cordond: %s\n", jerr.text);
			return EXIT_FAILED;
		}
		if (!json_is_true(json_object_get(resp, "ok"))) {
			fprintf(stderr, "cordonctl: %s: %s\n", assets ? "assets" : "list",
			    str(resp, "error"));
			rc = exit_for(resp);
			json_decref(resp);
			return rc;
		}
		arr = json_object_get(resp, "hosts");
		for (i = 0; i < json_array_size(arr); i++) {
			json_t *h = json_array_get(arr, i);
			if (opt_json) {
				char *t = json_dumps(h, JSON_COMPACT);
				printf("%s%s", shown ? "," : "", t ? t : "null");
				free(t);
			} else if (assets) {
				print_asset_line(h);
			} else {
				print_host_line(h);
			}
			shown++;
		}
		next = json_object_get(resp, "next");
		if (!json_is_string(next)) {
			json_decref(resp);
			break;
		}
		json_object_set(req, "after", next);
		json_decref(resp);
	}
	if (opt_json)
		printf("]}\n");
	return rc;
}

/* ---- commands that need no daemon ------------------------------------------------ */

/* One line of stdin without its newline; without echo when it is a terminal. */
static int
read_secret_line(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	size_t n;
	int rc = 0;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		rc = -1;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (rc != 0)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == len - 1)
		return -2;    /* longer than the buffer */
	return 0;
}

static int
hash_password(void)
{
	char pw[256], again[256], hash[SECRET_HASH_MAX], why[256];
	int rc;

	rc = read_secret_line("password: ", pw, sizeof(pw));
	if (rc == 0 && isatty(STDIN_FILENO)) {
		rc = read_secret_line("again: ", again, sizeof(again));
		if (rc == 0 && strcmp(pw, again) != 0) {
			fprintf(stderr, "cordonctl: hash-password: the two passwords differ\n");
			rc = 1;
		}
		explicit_bzero(again, sizeof(again));
	}
	if (rc == 0 && (strlen(pw) < 8)) {
		fprintf(stderr, "cordonctl: hash-password: a password needs at least 8 characters\n");
		rc = 1;
	} else if (rc == -1 || rc == -2) {
		fprintf(stderr, "cordonctl: hash-password: %s\n", rc == -1 ?
		    "no password on stdin" : "the password is longer than 254 characters");
		rc = 1;
	}
	if (rc == 0 && secret_hash_password(pw, hash, sizeof(hash), why, sizeof(why)) != 0) {
		fprintf(stderr, "cordonctl: hash-password: %s\n", why);
		rc = 1;
	}
	explicit_bzero(pw, sizeof(pw));
	if (rc != 0)
		return EXIT_USAGE;
	printf("%s\n", hash);
	return 0;
}

static int
new_token(void)
{
	char token[2 * SECRET_TOKEN_BYTES + 1], digest[SECRET_SHA256_HEX];

	if (secret_random_hex(token, SECRET_TOKEN_BYTES) != 0) {
		fprintf(stderr, "cordonctl: new-token: no random bytes: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	secret_sha256_hex(token, strlen(token), digest);
	printf("token   %s\nsha256  %s\n", token, digest);
	printf("# give the token to its user (Authorization: Bearer TOKEN); the config holds only\n"
	    "# { name = \"...\"; role = \"viewer\"; sha256 = \"%s\"; }\n", digest);
	explicit_bzero(token, sizeof(token));
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "reason", required_argument, NULL, 'R' },
		{ "mac", required_argument, NULL, 'M' },
		{ "patched", no_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 'S' },
		{ "follow", no_argument, NULL, 'F' },
		{ "limit", required_argument, NULL, 'L' },
		{ "host", required_argument, NULL, 'H' },
		{ "as", required_argument, NULL, 'A' },
		{ "exposed", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("CORDON_SOCKET"), *rosock = DEFAULT_RO_SOCKET;
	const char *reason = NULL, *state = NULL, *host = NULL, *mac = NULL, *as = NULL, *cmd;
	bool patched = false, follow = false;
	long limit = 0, exposed = 0;
	int opt, rc;
	json_t *req;
	char *line, err[1024];
	struct ctl_client *cl;
	const char *resp_line;
	bool acts;

	if (sock == NULL)
		sock = DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "+s:r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'r': rosock = optarg; break;
		case 'j': opt_json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "hash-password") == 0 || strcmp(cmd, "new-token") == 0) {
		if (optind < argc) {
			fprintf(stderr, "cordonctl: %s takes no arguments\n", cmd);
			return EXIT_USAGE;
		}
		return cmd[0] == 'h' ? hash_password() : new_token();
	}
	/* Options may follow the command and its host. */
	while (optind < argc) {
		if (argv[optind][0] != '-') {
			if (host != NULL) {
				fprintf(stderr, "cordonctl: unexpected argument '%s'\n", argv[optind]);
				return EXIT_USAGE;
			}
			host = argv[optind++];
			continue;
		}
		opt = getopt_long(argc, argv, "+", longopts, NULL);
		switch (opt) {
		case 'j': opt_json = true; break;
		case 'R': reason = optarg; break;
		case 'M': mac = optarg; break;
		case 'P': patched = true; break;
		case 'S': state = optarg; break;
		case 'F': follow = true; break;
		case 'H': host = optarg; break;
		case 'A': as = optarg; break;
		case 'E': {
			char *end;
			exposed = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || exposed < 1 || exposed > 65535) {
				fprintf(stderr, "cordonctl: --exposed '%s': expected a port from 1 to 65535\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'L': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || limit < 1 || limit > 10000) {
				fprintf(stderr, "cordonctl: --limit '%s': expected 1 to 10000\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case -1: break;
		default: usage(stderr); return EXIT_USAGE;
		}
		if (opt == -1)
			break;
	}

	/* "breaker reset": the word after the command is not a host. */
	if (strcmp(cmd, "breaker") == 0 && host != NULL) {
		if (strcmp(host, "reset") != 0) {
			fprintf(stderr, "cordonctl: breaker [reset --reason TEXT]: unexpected '%s'\n", host);
			return EXIT_USAGE;
		}
		if (reason == NULL) {
			fprintf(stderr, "cordonctl: breaker reset --reason TEXT\n");
			return EXIT_USAGE;
		}
		cmd = "breaker-reset";
		host = NULL;
	}
	req = json_object();
	json_object_set_new(req, "cmd", json_string(cmd));
	if (strcmp(cmd, "quarantine") == 0) {
		if (host == NULL || reason == NULL) {
			fprintf(stderr, "cordonctl: quarantine HOST --reason TEXT\n");
			return EXIT_USAGE;
		}
	} else if (strcmp(cmd, "release") == 0) {
		if (host == NULL || !patched) {
			fprintf(stderr, "cordonctl: release HOST --patched: a host is released only once patched\n");
			return EXIT_USAGE;
		}
		json_object_set_new(req, "patched", json_true());
	} else if (strcmp(cmd, "resolve") == 0) {
		if (host == NULL || reason == NULL || as == NULL ||
		    (strcmp(as, "released") != 0 && strcmp(as, "isolated") != 0)) {
			fprintf(stderr, "cordonctl: resolve HOST --as released|isolated --reason TEXT\n");
			return EXIT_USAGE;
		}
		json_object_set_new(req, "as", json_string(as));
	} else if (strcmp(cmd, "approve") == 0 || strcmp(cmd, "show") == 0) {
		if (host == NULL) {
			fprintf(stderr, "cordonctl: %s HOST\n", cmd);
			return EXIT_USAGE;
		}
	} else if (strcmp(cmd, "events") == 0) {
		if (follow)
			json_object_set_new(req, "follow", json_true());
		if (limit)
			json_object_set_new(req, "limit", json_integer(limit));
	} else if (strcmp(cmd, "list") == 0 || strcmp(cmd, "assets") == 0) {
		if (state)
			json_object_set_new(req, "state", json_string(state));
		if (exposed)
			json_object_set_new(req, "exposed", json_integer(exposed));
	} else if (strcmp(cmd, "switches") != 0 && strcmp(cmd, "status") != 0 &&
	    strcmp(cmd, "breaker") != 0 && strcmp(cmd, "breaker-reset") != 0) {
		fprintf(stderr, "cordonctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (host)
		json_object_set_new(req, "host", json_string(host));
	if (reason)
		json_object_set_new(req, "reason", json_string(reason));
	if (exposed && strcmp(cmd, "assets") != 0) {
		fprintf(stderr, "cordonctl: --exposed goes with assets\n");
		return EXIT_USAGE;
	}
	if (mac) {
		if (strcmp(cmd, "quarantine") != 0) {
			fprintf(stderr, "cordonctl: --mac goes with quarantine\n");
			return EXIT_USAGE;
		}
		json_object_set_new(req, "mac", json_string(mac));
	}
	acts = strcmp(cmd, "quarantine") == 0 || strcmp(cmd, "release") == 0 ||
	    strcmp(cmd, "approve") == 0 || strcmp(cmd, "breaker-reset") == 0 ||
	    strcmp(cmd, "resolve") == 0;

	cl = ctl_client_connect(sock, err, sizeof(err));
	if (cl == NULL && !acts && (errno == EACCES || errno == ENOENT || errno == ECONNREFUSED)) {
		char err2[300];
		cl = ctl_client_connect(rosock, err2, sizeof(err2));
		if (cl == NULL)
			snprintf(err + strlen(err), sizeof(err) - strlen(err), "; %s", err2);
	}
	if (cl == NULL) {
		fprintf(stderr, "cordonctl: cannot reach cordond: %s\n", err);
		json_decref(req);
		return acts && errno == EACCES ? EXIT_READ_ONLY : EXIT_UNREACHABLE;
	}
	if (strcmp(cmd, "list") == 0 || strcmp(cmd, "assets") == 0) {
		rc = list_pages(cl, req, sock, strcmp(cmd, "assets") == 0);
		json_decref(req);
		ctl_client_close(cl);
		return rc;
	}
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL || ctl_client_send(cl, line) != 0) {
		fprintf(stderr, "cordonctl: cannot send the request to %s\n", sock);
		free(line);
		ctl_client_close(cl);
		return EXIT_UNREACHABLE;
	}
	free(line);
	rc = 0;
	if (strcmp(cmd, "events") == 0) {
		/* Entries, one per line, then {"ok":true} unless following. */
		if (!opt_json)
			printf("%-20s %-10s %-10s %-39s %-30s %s\n", "TIME", "ACTOR", "ACTION", "HOST",
			    "RESULT", "REASON");
		while ((resp_line = ctl_client_read(cl, follow ? -1 : OP_TIMEOUT_MS)) != NULL) {
			json_t *r = json_loads(resp_line, 0, NULL);
			json_t *ev = json_object_get(r, "event");
			if (r == NULL) {
				rc = EXIT_FAILED;
				break;
			}
			if (ev != NULL) {
				if (opt_json)
					printf("%s\n", resp_line);
				else
					print_event(ev);
				fflush(stdout);
				json_decref(r);
				continue;
			}
			if (!json_is_true(json_object_get(r, "ok")))
				rc = show_result(cmd, r);
			json_decref(r);
			break;
		}
		if (resp_line == NULL && !follow)
			rc = EXIT_UNREACHABLE;
		ctl_client_close(cl);
		return rc;
	}
	resp_line = ctl_client_read(cl, OP_TIMEOUT_MS);
	if (resp_line == NULL) {
		fprintf(stderr, "cordonctl: no answer from cordond on %s\n", sock);
		ctl_client_close(cl);
		return EXIT_UNREACHABLE;
	}
	{
		json_error_t jerr;
		json_t *r = json_loads(resp_line, 0, &jerr);
		if (r == NULL) {
			fprintf(stderr, "cordonctl: unreadable answer from cordond: %s\n", jerr.text);
			rc = EXIT_FAILED;
		} else {
			rc = show_result(cmd, r);
			json_decref(r);
		}
	}
	ctl_client_close(cl);
	return rc;
}
