/* SPDX-License-Identifier: ISC */
/* A router's neighbour table as IP -> MAC lookups (see snmp_router.h). */
#include "snmp_router.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "snmp_client.h"
#include "snmp_config.h"
#include "snmp_neigh.h"

void
snmprt_config_init(struct snmprt_config *c)
{
	memset(c, 0, sizeof(*c));
	snmpsw_config_init(&c->sw);
	c->cache_ms = 30000;
	c->max_rows = 65536;
	c->max_waiting = 1024;
}

int
snmprt_config_set(struct snmprt_config *c, const char *key, const char *v, char *err,
		  size_t errlen)
{
	static const char *const sw_keys[] = {"name", "address", "port", "version", "community",
		"v3_user", "v3_auth_pass", "v3_priv_pass", "timeout_ms", "retries", NULL};
	struct { const char *key; unsigned *dst; unsigned long min, max; } nums[] = {
		{"cache_ms", &c->cache_ms, 0, 86400000},
		{"max_rows", &c->max_rows, 1, 1000000},
		{"max_waiting", &c->max_waiting, 1, 1000000},
	};

	for (size_t i = 0; sw_keys[i]; i++)
		if (strcmp(key, sw_keys[i]) == 0)
			return snmpsw_config_set(&c->sw, key, v, err, errlen);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char *end;
		unsigned long x;
		if (strcmp(key, nums[i].key) != 0)
			continue;
		errno = 0;
		x = isdigit((unsigned char)*v) ? strtoul(v, &end, 10) : 0;
		if (!isdigit((unsigned char)*v) || errno || *end || x < nums[i].min || x > nums[i].max) {
			snprintf(err, errlen, "%s: '%.*s' is not a number in [%lu, %lu]", key, 64, v,
				 nums[i].min, nums[i].max);
			return -1;
		}
		*nums[i].dst = (unsigned)x;
		return 0;
	}
	snprintf(err, errlen, "unknown key '%.*s' (a router takes name, address, port, version, "
		 "community, v3_user, v3_auth_pass, v3_priv_pass, timeout_ms, retries, cache_ms, "
		 "max_rows, max_waiting)", 64, key);
	return -1;
}

/* Messages start with the key at fault: the caller says whose router it is. */
int
snmprt_config_check(const struct snmprt_config *c, char *err, size_t errlen)
{
	const struct snmpsw_config *s = &c->sw;

	if (!*s->name) {
		snprintf(err, errlen, "name: required");
		return -1;
	}
	if (!*s->address) {
		snprintf(err, errlen, "address: required");
		return -1;
	}
	if (s->version == SNMPSW_V2C && !*s->community) {
		snprintf(err, errlen, "community: required with SNMPv2c (read access is enough)");
		return -1;
	}
	if (s->version == SNMPSW_V3 &&
	    (!*s->v3_user || strlen(s->v3_auth_pass) < 8 || strlen(s->v3_priv_pass) < 8)) {
		snprintf(err, errlen, "v3_user: SNMPv3 needs v3_user, and v3_auth_pass and "
			 "v3_priv_pass of at least 8 characters");
		return -1;
	}
	return 0;
}

/* A lookup waiting for a read or for its deferred answer. */
struct lookup {
	struct ip_addr ip;
	snmprt_fn cb;
	void *arg;                 /* borrowed: the caller's */
	struct snmprt_answer ans;  /* filled once answered */
	struct lookup *next;
};

struct snmprt {
	struct snmprt_config cfg;          /* holds the secrets; wiped on free */
	struct loop *loop;                 /* borrowed */
	struct snmpc_session *sess;        /* owned; NULL when detached (tests) */
	int (*read)(void *read_arg);       /* detached: starts a read */
	void *read_arg;
	struct loop_timer *deliver;        /* owned: answers from the cache, from the loop */
	struct snmpnb_entry *e;            /* owned: the last table read */
	size_t n;
	double table_time;                 /* epoch seconds; 0: never read */
	bool reading, freeing;
	struct lookup *waiting, **waiting_tail; /* owned FIFO: waiting for the read */
	size_t nwaiting;
	struct lookup *ready, **ready_tail;     /* owned FIFO: answered, to be delivered */
	struct snmprt_stats st;
};

const char *
snmprt_name(const struct snmprt *r)
{
	return r->cfg.sw.name;
}

const char *
snmprt_address(const struct snmprt *r)
{
	return r->cfg.sw.address;
}

void
snmprt_stats(const struct snmprt *r, struct snmprt_stats *out)
{
	*out = r->st;
	out->waiting = r->nwaiting;
	out->table_time = r->table_time;
	out->table_rows = r->n;
}

/* The answer for `ip` from the table held: found, not found or ambiguous. */
static void
answer_from_table(const struct snmprt *r, const struct ip_addr *ip, struct snmprt_answer *a)
{
	struct snmpnb_table t = {.n = r->n, .cap = r->n, .e = r->e};
	bool v4 = ip_is_v4(ip);
	int rc = snmpnb_find(&t, v4 ? 4 : 6, v4 ? ip->b + 12 : ip->b, a->mac);

	a->status = rc > 0 ? SNMPRT_FOUND : rc == 0 ? SNMPRT_NOT_FOUND : SNMPRT_AMBIGUOUS;
	a->age_s = loop_now() - r->table_time;
	if (a->age_s < 0)
		a->age_s = 0;
}

static void
deliver_list(struct lookup *l)
{
	while (l) {
		struct lookup *next = l->next;
		l->cb(l->arg, &l->ip, &l->ans);
		free(l);
		l = next;
	}
}

static void
on_deliver(void *arg)
{
	struct snmprt *r = arg;
	struct lookup *l = r->ready;

	r->ready = NULL;
	r->ready_tail = &r->ready;
	deliver_list(l);
}

static int start_read(struct snmprt *r);

static void
on_table(void *arg, int status, const struct snmpnb_table *t, const char *message)
{
	struct snmprt *r = arg;
	struct lookup *l;

	if (r->freeing)
		return;
	r->reading = false;
	if (status == 0) {
		struct snmpnb_entry *e = t->n ? malloc(t->n * sizeof(*e)) : NULL;
		if (t->n && !e) {
			status = -1;
			message = "out of memory";
		} else {
			if (t->n)
				memcpy(e, t->e, t->n * sizeof(*e));
			free(r->e);
			r->e = e;
			r->n = t->n;
			r->table_time = loop_now();
		}
	}
	if (status != 0)
		r->st.read_errors++;
	l = r->waiting;
	r->waiting = NULL;
	r->waiting_tail = &r->waiting;
	r->nwaiting = 0;
	for (struct lookup *x = l; x; x = x->next) {
		if (status == 0) {
			answer_from_table(r, &x->ip, &x->ans);
		} else {
			x->ans.status = SNMPRT_ERROR;
			snprintf(x->ans.message, sizeof(x->ans.message), "%s", message);
		}
	}
	/* The callbacks may look up more: a miss among them starts the next read. */
	deliver_list(l);
}

void
snmprt_table_done(struct snmprt *r, int status, const struct snmpnb_table *t, const char *message)
{
	on_table(r, status, t, message);
}

static int
start_read(struct snmprt *r)
{
	if (r->read ? r->read(r->read_arg) != 0
		    : snmpnb_read(r->sess, r->cfg.max_rows, on_table, r) != 0)
		return -1;
	r->reading = true;
	r->st.reads++;
	return 0;
}

int
snmprt_lookup(struct snmprt *r, const struct ip_addr *ip, snmprt_fn cb, void *arg)
{
	struct lookup *l;
	double now = loop_now();

	if (r->freeing)
		return -1;
	if (!(l = calloc(1, sizeof(*l))))
		return -1;
	l->ip = *ip;
	l->cb = cb;
	l->arg = arg;
	r->st.lookups++;
	if (r->table_time > 0 && (now - r->table_time) * 1000 < r->cfg.cache_ms) {
		answer_from_table(r, ip, &l->ans);
		if (l->ans.status != SNMPRT_NOT_FOUND) {
			r->st.cached++;
			*r->ready_tail = l;
			r->ready_tail = &l->next;
			loop_timer_fire(r->deliver);
			return 0;
		}
	}
	if (r->nwaiting >= r->cfg.max_waiting) {
		r->st.refused++;
		free(l);
		return -1;
	}
	if (!r->reading && start_read(r) != 0) {
		/* The session could not send: answered as an error, from the loop. */
		l->ans.status = SNMPRT_ERROR;
		snprintf(l->ans.message, sizeof(l->ans.message), "cannot send the request");
		r->st.read_errors++;
		*r->ready_tail = l;
		r->ready_tail = &l->next;
		loop_timer_fire(r->deliver);
		return 0;
	}
	*r->waiting_tail = l;
	r->waiting_tail = &l->next;
	r->nwaiting++;
	return 0;
}

/* The router without its session. */
static struct snmprt *
router_alloc(struct loop *loop, const struct snmprt_config *cfg)
{
	struct snmprt *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cfg = *cfg;
	r->loop = loop;
	r->waiting_tail = &r->waiting;
	r->ready_tail = &r->ready;
	if (!(r->deliver = loop_timer_new(loop, on_deliver, r))) {
		config_wipe(&r->cfg.sw);
		free(r);
		return NULL;
	}
	return r;
}

struct snmprt *
snmprt_new_detached(struct loop *loop, const struct snmprt_config *cfg,
		    int (*read)(void *read_arg), void *read_arg)
{
	struct snmprt *r = router_alloc(loop, cfg);

	if (r) {
		r->read = read;
		r->read_arg = read_arg;
	}
	return r;
}

struct snmprt *
snmprt_new(struct loop *loop, const struct snmprt_config *cfg, char *err, size_t errlen)
{
	struct snmpc_params sp;
	struct snmprt *r;
	char why[200];

	if (snmprt_config_check(cfg, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "router %s: %s", cfg->sw.name, why);
		return NULL;
	}
	if (!snmpc_global_ready()) {
		snprintf(err, errlen, "router %s: snmpsw_global_init was not called", cfg->sw.name);
		return NULL;
	}
	if (!(r = router_alloc(loop, cfg))) {
		snprintf(err, errlen, "router %s: out of memory", cfg->sw.name);
		return NULL;
	}
	memset(&sp, 0, sizeof(sp));
	sp.label = cfg->sw.name;
	sp.address = cfg->sw.address;
	sp.port = cfg->sw.port;
	sp.version = cfg->sw.version == SNMPSW_V3 ? SNMPC_V3 : SNMPC_V2C;
	sp.community = cfg->sw.community;
	sp.v3_user = cfg->sw.v3_user;
	sp.v3_auth_pass = cfg->sw.v3_auth_pass;
	sp.v3_priv_pass = cfg->sw.v3_priv_pass;
	sp.timeout_ms = cfg->sw.timeout_ms;
	sp.retries = cfg->sw.retries;
	if (!(r->sess = snmpc_open(loop, &sp, err, errlen))) {
		loop_timer_free(r->deliver);
		config_wipe(&r->cfg.sw);
		free(r);
		return NULL;
	}
	return r;
}

static void
free_list(struct lookup *l)
{
	while (l) {
		struct lookup *next = l->next;
		free(l);
		l = next;
	}
}

void
snmprt_free(struct snmprt *r)
{
	if (!r)
		return;
	r->freeing = true;
	/* The read in flight ends (SNMPC_CANCELLED) inside snmpc_close: on_table ignores it. */
	if (r->sess)
		snmpc_close(r->sess);
	loop_timer_free(r->deliver);
	free_list(r->waiting);
	free_list(r->ready);
	free(r->e);
	config_wipe(&r->cfg.sw);
	free(r);
}
