/* SPDX-License-Identifier: ISC */
/*
 * verify: release by verification. For an isolated host that a
 * `verification` rule covers, the rule's command (e.g. a scanner that checks
 * the vulnerable service through the remediation network) runs every
 * `interval` seconds; when it exits 0 the host is released as patched,
 * audited with the actor "verify". A command that fails, times out or cannot
 * start leaves the host isolated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon.h"
#include "log.h"
#include "verify.h"

#define VERIFY_MAX_ARGS 32

struct verifier {
	struct cordon *c;                 /* borrowed */
	struct loop *loop;                /* borrowed */
	struct verify_entry *entries;     /* owned list: one per isolated host a rule covers */
};

struct verify_entry {
	struct cordon *c;                 /* borrowed */
	struct ip_addr ip;
	double next;             /* when the next run may start */
	bool running;
	bool alive;              /* seen isolated in this tick */
	const struct conf_verify *rule;   /* borrowed: points into the core's conf */
	struct verify_entry *next_entry;
};

static struct verify_entry *
entry_for(struct verifier *v, const struct ip_addr *ip)
{
	struct verify_entry *e;

	for (e = v->entries; e; e = e->next_entry)
		if (memcmp(&e->ip, ip, sizeof(*ip)) == 0)
			return e;
	return NULL;
}

static void
release_done(void *arg, bool ok, const struct host_rec *h, const char *message)
{
	char ipt[64];

	(void)arg;
	if (h != NULL)
		log_notice("verification release of %s: %s: %s", ip_to_str(&h->ip, ipt, sizeof(ipt)),
		    ok ? "done" : "failed", message);
}

static void
run_done(void *arg, int status)
{
	struct verify_entry *e = arg;
	char ipt[64], reason[600];

	e->running = false;
	e->next = loop_now() + e->rule->interval_s;
	ip_to_str(&e->ip, ipt, sizeof(ipt));
	if (status != 0) {
		log_info("verification of %s: not patched yet (%s %d); next check in %u s", ipt,
		    status < 0 ? "killed, timed out or could not start:" : "exit", status,
		    e->rule->interval_s);
		return;
	}
	snprintf(reason, sizeof(reason), "patched: verification command exited 0 (%s)", e->rule->command);
	log_notice("verification of %s passed: releasing", ipt);
	cordon_release(e->c, &e->ip, "verify", reason, release_done, NULL);
}

/* Splits the command at spaces (no shell), replacing {ip} with the host. */
static int
build_argv(const char *command, const char *ip, char *buf, size_t buflen, char **argv)
{
	size_t off = 0;
	int argc = 0;
	const char *p = command;

	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (argc == VERIFY_MAX_ARGS - 1)
			return -1;
		argv[argc++] = buf + off;
		while (*p && *p != ' ') {
			if (strncmp(p, "{ip}", 4) == 0) {
				size_t n = strlen(ip);
				if (off + n + 1 >= buflen)
					return -1;
				memcpy(buf + off, ip, n);
				off += n;
				p += 4;
			} else {
				if (off + 2 >= buflen)
					return -1;
				buf[off++] = *p++;
			}
		}
		buf[off++] = '\0';
	}
	argv[argc] = NULL;
	return argc > 0 ? 0 : -1;
}

static int
visit(void *arg, const struct host_rec *h)
{
	struct verifier *v = arg;
	const struct cordon_conf *conf = cordon_conf(v->c);
	struct verify_entry *e;
	const struct conf_verify *rule = NULL;
	char ipt[64], buf[1024], *argv[VERIFY_MAX_ARGS];
	size_t i;

	for (i = 0; i < conf->nverify && rule == NULL; i++)
		if (conf_match(conf->verify[i].prefixes, conf->verify[i].nprefixes, &h->ip))
			rule = &conf->verify[i];
	if (rule == NULL)
		return 0;
	e = entry_for(v, &h->ip);
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			return 0;
		e->c = v->c;
		e->ip = h->ip;
		/* The first check waits one interval: the host was just cut off. */
		e->next = loop_now() + rule->interval_s;
		e->next_entry = v->entries;
		v->entries = e;
	}
	e->alive = true;
	e->rule = rule;
	if (e->running || loop_now() < e->next)
		return 0;
	ip_to_str(&h->ip, ipt, sizeof(ipt));
	if (build_argv(rule->command, ipt, buf, sizeof(buf), argv) != 0) {
		log_warnx("verification of %s: command '%s' is too long or empty", ipt, rule->command);
		e->next = loop_now() + rule->interval_s;
		return 0;
	}
	if (loop_run_command(v->loop, argv, rule->timeout_s, run_done, e) != 0) {
		log_warn("verification of %s: cannot run %s", ipt, argv[0]);
		e->next = loop_now() + rule->interval_s;
		return 0;
	}
	e->running = true;
	log_info("verification of %s: running %s", ipt, rule->command);
	return 0;
}

struct verifier *
verify_new(struct cordon *c, struct loop *loop)
{
	struct verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->c = c;
	v->loop = loop;
	return v;
}

void
verify_tick(struct verifier *v)
{
	struct verify_entry **pp, *e;

	if (cordon_conf(v->c)->nverify == 0)
		return;
	for (e = v->entries; e; e = e->next_entry)
		e->alive = false;
	registry_foreach(cordon_registry(v->c), HS_QUARANTINED, visit, v);
	/* Forget hosts no longer isolated, unless their command still runs
	 * (its completion holds a pointer to the entry). */
	pp = &v->entries;
	while (*pp) {
		e = *pp;
		if (!e->alive && !e->running) {
			*pp = e->next_entry;
			free(e);
		} else {
			pp = &e->next_entry;
		}
	}
}

void
verify_free(struct verifier *v)
{
	if (v == NULL)
		return;
	while (v->entries) {
		struct verify_entry *e = v->entries;
		v->entries = e->next_entry;
		free(e);
	}
	free(v);
}
