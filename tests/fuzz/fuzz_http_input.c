/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: what a client sends the HTTP API besides the path, as
 * cordond reads it (controller/access.c, controller/http/): Host, Origin and
 * Cookie headers, a bearer token, a session identifier, a login body and an
 * action's body. The input is split at the first six newlines into those
 * fields (the last one, the action's body, takes the rest).
 *
 * Checks besides the sanitizers: a cookie value fits its buffer; a parsed
 * login's user and password fit theirs; an accepted action names a unicast
 * host; only the configured token and session are ever found.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "ctl_proto.h"
#include "http.h"
#include "secret.h"

static struct conf_console cc;
static struct access *acc;
static char session_id[ACCESS_ID_HEX];

static void
setup(void)
{
	char why[256];

	cc.session_idle_s = 1800;
	cc.session_max_s = 43200;
	cc.login_failures = 5;
	cc.login_window_s = 300;
	snprintf(cc.accounts[0].name, sizeof(cc.accounts[0].name), "alice");
	cc.accounts[0].role = CONF_ROLE_OPERATOR;
	if (secret_hash_password("a password", cc.accounts[0].secret, sizeof(cc.accounts[0].secret),
	    why, sizeof(why)) != 0)
		abort();
	snprintf(cc.accounts[1].name, sizeof(cc.accounts[1].name), "fleet");
	cc.accounts[1].role = CONF_ROLE_OPERATOR;
	cc.accounts[1].token = true;
	secret_sha256_hex("fleet-token", 11, cc.accounts[1].secret);
	cc.naccounts = 2;
	snprintf(cc.hostnames[0], sizeof(cc.hostnames[0]), "noc.example.net");
	cc.nhostnames = 1;
	acc = access_new(&cc, "127.0.0.1", 8477, false);
	if (acc == NULL)
		abort();
	snprintf(session_id, sizeof(session_id), "%s", access_session_open(acc, &cc.accounts[0], 1000.0)->id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *field[7] = { 0 }, *p;
	char value[128], user[65], password[256], err[300];
	const struct conf_account *a;
	struct access_session *s;
	struct ctl_request r;
	int i;

	if (acc == NULL)
		setup();
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	for (i = 0; i < 7; i++) {
		field[i] = p;
		if (i < 6 && (p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
		else if (p == NULL) {
			for (i++; i < 7; i++)
				field[i] = (char *)"";
			break;
		}
	}
	(void)access_host_allowed(acc, field[0]);
	(void)access_origin_allowed(acc, field[1]);
	if (access_cookie(field[2], ACCESS_COOKIE, value, sizeof(value)) == 0 && strlen(value) >= sizeof(value))
		abort();
	a = access_token(acc, field[3]);
	if (a != NULL && strcmp(field[3], "fleet-token") != 0)
		abort();
	s = access_session_find(acc, field[4], 1001.0);
	if (s != NULL && strcmp(field[4], session_id) != 0)
		abort();
	if (http_login_parse(field[5], user, sizeof(user), password, sizeof(password), err, sizeof(err)) == 0 &&
	    (strlen(user) == 0 || strlen(user) >= sizeof(user) || strlen(password) >= sizeof(password)))
		abort();
	for (i = 0; i < 3; i++)
		if (http_act_request(i, "10.2.0.7", field[6], &r, err, sizeof(err)) == 0 &&
		    (!r.has_host || ip_is_special(&r.host)))
			abort();
	free(buf);
	return 0;
}
