/* SPDX-License-Identifier: ISC */
/* access: accounts, sessions, login throttling, Host and Origin (access.h). */
#include "access.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secret.h"

#define MAX_ALLOWED_HOSTS (2 * CONF_MAX_HOSTNAMES + 8)
#define MAX_FAILURE_RECORDS 512

/* Failed logins (and wrong tokens) of one client address or one user. */
struct failures {
	char key[64];          /* the client's address; "" for a free record (users: unused) */
	uint32_t count;
	double since;          /* start of the counting window */
};

struct access {
	const struct conf_console *cc;     /* borrowed */
	bool tls;
	char hosts[MAX_ALLOWED_HOSTS][140];   /* Host values accepted, lower case */
	size_t nhosts;
	const char *public_url;               /* borrowed from cc; "" for none */
	struct access_session sessions[ACCESS_MAX_SESSIONS];
	struct failures fails[MAX_FAILURE_RECORDS];      /* per client address */
	struct failures user_fails[CONF_MAX_ACCOUNTS];   /* per account, as cc->accounts */
};

static void
allow_host(struct access *a, const char *fmt, const char *name, unsigned port)
{
	size_t i;

	if (a->nhosts == MAX_ALLOWED_HOSTS)
		return;
	snprintf(a->hosts[a->nhosts], sizeof(a->hosts[0]), fmt, name, (unsigned)port);
	for (i = 0; a->hosts[a->nhosts][i]; i++)
		if (a->hosts[a->nhosts][i] >= 'A' && a->hosts[a->nhosts][i] <= 'Z')
			a->hosts[a->nhosts][i] = (char)(a->hosts[a->nhosts][i] - 'A' + 'a');
	a->nhosts++;
}

/* NAME:PORT, and NAME alone when PORT is the scheme's default (browsers
 * leave it out of Host and Origin then). */
static void
allow_name(struct access *a, const char *name, uint16_t port, bool v6)
{
	allow_host(a, v6 ? "[%s]:%u" : "%s:%u", name, port);
	if (port == (a->tls ? 443 : 80))
		allow_host(a, v6 ? "[%s]" : "%s", name, 0);
}

static bool
is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

struct access *
access_new(const struct conf_console *cc, const char *addr, uint16_t port, bool tls)
{
	struct access *a = calloc(1, sizeof(*a));
	size_t i;

	if (a == NULL)
		return NULL;
	a->cc = cc;
	a->tls = tls;
	allow_name(a, addr, port, strchr(addr, ':') != NULL);
	/* A browser on the machine itself reaches a loopback server by these. */
	if (is_loopback(addr))
		allow_name(a, "localhost", port, false);
	for (i = 0; i < cc->nhostnames; i++)
		allow_name(a, cc->hostnames[i], port, strchr(cc->hostnames[i], ':') != NULL);
	/* Behind a proxy, browsers send the proxy's name (conf checked the form). */
	a->public_url = cc->public_url;
	if (cc->public_url[0])
		allow_host(a, "%s", strstr(cc->public_url, "://") + 3, 0);
	return a;
}

void
access_free(struct access *a)
{
	if (a == NULL)
		return;
	explicit_bzero(a->sessions, sizeof(a->sessions));
	free(a);
}

bool
access_required(const struct access *a)
{
	return a->cc->naccounts > 0;
}

bool
access_host_allowed(const struct access *a, const char *host)
{
	size_t i;

	if (host == NULL)
		return false;
	for (i = 0; i < a->nhosts; i++)
		if (strcasecmp(a->hosts[i], host) == 0)
			return true;
	return false;
}

bool
access_origin_allowed(const struct access *a, const char *origin)
{
	const char *scheme = a->tls ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (origin == NULL)
		return false;
	if (a->public_url[0] && strcasecmp(origin, a->public_url) == 0)
		return true;
	if (strncasecmp(origin, scheme, n) != 0)
		return false;
	return access_host_allowed(a, origin + n);
}

const struct conf_account *
access_user(const struct access *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->cc->naccounts; i++)
		if (!a->cc->accounts[i].token && strcmp(a->cc->accounts[i].name, name) == 0)
			return &a->cc->accounts[i];
	return NULL;
}

const struct conf_account *
access_token(const struct access *a, const char *token)
{
	char digest[SECRET_SHA256_HEX];
	const struct conf_account *found = NULL;
	size_t i;

	secret_sha256_hex(token, strlen(token), digest);
	/* Every token is compared, matched or not: the time taken says nothing
	 * about which one came close. */
	for (i = 0; i < a->cc->naccounts; i++)
		if (a->cc->accounts[i].token &&
		    secret_equal(a->cc->accounts[i].secret, digest, SECRET_SHA256_HEX - 1) && found == NULL)
			found = &a->cc->accounts[i];
	return found;
}

static bool
session_live(const struct access *a, const struct access_session *s, double now)
{
	return s->id[0] && now - s->last <= a->cc->session_idle_s &&
	    now - s->created <= a->cc->session_max_s;
}

struct access_session *
access_session_open(struct access *a, const struct conf_account *acc, double now)
{
	struct access_session *s = NULL, *own = NULL;
	unsigned n_own = 0;
	size_t i;

	/* A free slot, unless the account has all its sessions: then its own
	 * least recently used one goes, never another account's. With
	 * ACCESS_SESSIONS_PER_ACCOUNT for each of CONF_MAX_ACCOUNTS there is
	 * always room otherwise. */
	for (i = 0; i < ACCESS_MAX_SESSIONS; i++) {
		struct access_session *t = &a->sessions[i];
		if (!session_live(a, t, now)) {
			if (s == NULL)
				s = t;
			continue;
		}
		if (t->account == acc) {
			n_own++;
			if (own == NULL || t->last < own->last)
				own = t;
		}
	}
	if (n_own >= ACCESS_SESSIONS_PER_ACCOUNT || s == NULL)
		s = own;
	if (s == NULL)
		return NULL;
	explicit_bzero(s, sizeof(*s));
	if (secret_random_hex(s->id, 32) != 0 || secret_random_hex(s->csrf, 32) != 0) {
		explicit_bzero(s, sizeof(*s));
		return NULL;
	}
	s->account = acc;
	s->created = s->last = now;
	return s;
}

struct access_session *
access_session_find(struct access *a, const char *id, double now)
{
	struct access_session *found = NULL;
	size_t i;

	if (strlen(id) != ACCESS_ID_HEX - 1)
		return NULL;
	for (i = 0; i < ACCESS_MAX_SESSIONS; i++) {
		struct access_session *s = &a->sessions[i];
		if (s->id[0] && secret_equal(s->id, id, ACCESS_ID_HEX - 1) && found == NULL)
			found = s;
	}
	if (found == NULL)
		return NULL;
	if (!session_live(a, found, now)) {
		explicit_bzero(found, sizeof(*found));
		return NULL;
	}
	found->last = now;
	return found;
}

bool
access_session_alive(const struct access *a, const char *id, double now)
{
	size_t i;
	bool found = false;

	if (strlen(id) != ACCESS_ID_HEX - 1)
		return false;
	for (i = 0; i < ACCESS_MAX_SESSIONS; i++) {
		const struct access_session *s = &a->sessions[i];
		if (s->id[0] && secret_equal(s->id, id, ACCESS_ID_HEX - 1) && session_live(a, s, now))
			found = true;
	}
	return found;
}

void
access_session_close(struct access *a, struct access_session *s)
{
	(void)a;
	if (s != NULL)
		explicit_bzero(s, sizeof(*s));
}

unsigned
access_session_count(const struct access *a, double now)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < ACCESS_MAX_SESSIONS; i++)
		n += session_live(a, &a->sessions[i], now);
	return n;
}

/* ---- login throttling ------------------------------------------------------ */

static double
wait_for(const struct failures *f, uint32_t limit, uint32_t window, double now)
{
	double end;

	if (f == NULL || f->count < limit)
		return 0;
	end = f->since + window;
	return end > now ? end - now : 0;
}

static struct failures *
client_record(const struct access *a, const char *client)
{
	size_t i;

	for (i = 0; i < MAX_FAILURE_RECORDS; i++)
		if (a->fails[i].key[0] && strcmp(a->fails[i].key, client) == 0)
			return (struct failures *)&a->fails[i];
	return NULL;
}

/* The user's record: one per account, none for a name that is no account
 * (nobody can log in as it, so there is nothing to guess). */
static struct failures *
user_record(const struct access *a, const char *user)
{
	size_t i;

	for (i = 0; i < a->cc->naccounts; i++)
		if (!a->cc->accounts[i].token && strcmp(a->cc->accounts[i].name, user) == 0)
			return (struct failures *)&a->user_fails[i];
	return NULL;
}

static uint32_t
client_limit(const struct access *a)
{
	return ACCESS_CLIENT_FAILURES_FACTOR * a->cc->login_failures;
}

static void
count(struct failures *f, uint32_t window, double now)
{
	if (f->count == 0 || now - f->since > window) {
		f->count = 0;
		f->since = now;
	}
	f->count++;
}

/*
 * A client's record, made when missing. The table is bounded: a free or
 * expired record is taken first, else the oldest one that is not holding
 * its client back, and only when every record holds a client back the
 * oldest of all. So junk addresses cannot push out a throttled one.
 */
static struct failures *
client_record_make(struct access *a, const char *client, double now)
{
	struct failures *f = client_record(a, client), *oldest = NULL, *oldest_held = NULL;
	uint32_t window = a->cc->login_window_s;
	size_t i;

	if (f != NULL)
		return f;
	for (i = 0; i < MAX_FAILURE_RECORDS && f == NULL; i++) {
		struct failures *t = &a->fails[i];
		if (!t->key[0] || now - t->since > window)
			f = t;
		else if (wait_for(t, client_limit(a), window, now) > 0)
			oldest_held = oldest_held == NULL || t->since < oldest_held->since ? t : oldest_held;
		else
			oldest = oldest == NULL || t->since < oldest->since ? t : oldest;
	}
	if (f == NULL)
		f = oldest ? oldest : oldest_held;
	memset(f, 0, sizeof(*f));
	snprintf(f->key, sizeof(f->key), "%s", client);
	return f;
}

double
access_login_wait(const struct access *a, const char *client, const char *user, double now)
{
	uint32_t window = a->cc->login_window_s;
	double wc = wait_for(client_record(a, client), client_limit(a), window, now);
	double wu = wait_for(user_record(a, user), a->cc->login_failures, window, now);

	return wc > wu ? wc : wu;
}

void
access_login_attempt(struct access *a, const char *client, const char *user, double now)
{
	struct failures *u = user_record(a, user);

	count(client_record_make(a, client, now), a->cc->login_window_s, now);
	if (u != NULL)
		count(u, a->cc->login_window_s, now);
}

void
access_login_succeeded(struct access *a, const char *client, const char *user)
{
	struct failures *c = client_record(a, client), *u = user_record(a, user);

	if (c != NULL && c->count > 0)
		c->count--;
	if (u != NULL)
		memset(u, 0, sizeof(*u));
}

double
access_token_wait(const struct access *a, const char *client, double now)
{
	return wait_for(client_record(a, client), client_limit(a), a->cc->login_window_s, now);
}

void
access_token_failed(struct access *a, const char *client, double now)
{
	count(client_record_make(a, client, now), a->cc->login_window_s, now);
}

/* ---- cookies ------------------------------------------------------------------ */

int
access_cookie(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (header == NULL)
		return -1;
	while (*p) {
		const char *end;
		size_t vlen;
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen == 0 || vlen >= outlen)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

const char *
access_role_name(enum conf_role r)
{
	return r == CONF_ROLE_OPERATOR ? "operator" : "viewer";
}
