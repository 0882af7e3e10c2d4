/* SPDX-License-Identifier: ISC */
/*
 * snmp_router: a router (or layer-3 switch) that answers IP -> MAC from its
 * neighbour table over SNMP (snmp_neigh.h), for hosts whose sensor sits
 * behind it. The controller asks it when no trustworthy MAC is on record
 * for a host, and locates the host on its switch with the answer.
 *
 * Asynchronous on the caller's loop, never blocking it, and bounded: one
 * table read at a time per router (lookups that arrive meanwhile wait for
 * that read, at most `max_waiting` of them), at most `max_rows` rows per
 * column. The table is kept for `cache_ms`: an address found in a table that
 * young is answered from it; an address not in it makes one fresh read
 * (a host that just came up), whose answer is final for every lookup
 * waiting on it. Every answer carries the age of the table it came from.
 *
 * The credentials are the SNMP points' (snmp.h): v2c community or v3
 * authPriv; read access is enough. Secrets are never put in a message and
 * are wiped when the router is freed.
 */
#ifndef CORDON_SWITCHES_SNMP_ROUTER_H
#define CORDON_SWITCHES_SNMP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "snmp.h"

struct loop;

/* Plain data: copied by snmprt_new. */
struct snmprt_config {
	struct snmpsw_config sw;   /* name, address, port, version, credentials, timeout_ms, retries */
	unsigned cache_ms;         /* how long a table read answers lookups (30000) */
	unsigned max_rows;         /* rows read per column at most (65536) */
	unsigned max_waiting;      /* lookups waiting for a read at most (1024) */
};

void snmprt_config_init(struct snmprt_config *c);
/*
 * Sets one key from its text value. Keys: name, address, port, version,
 * community, v3_user, v3_auth_pass, v3_priv_pass, timeout_ms, retries (as for
 * an SNMP point, snmpsw_config_set), cache_ms, max_rows, max_waiting.
 * Returns 0, or -1 with `err` naming the key (and the value unless secret).
 */
int snmprt_config_set(struct snmprt_config *c, const char *key, const char *value,
		      char *err, size_t errlen);
/* Checks the config as a whole (name, address, credentials); 0 or -1 with `err`. */
int snmprt_config_check(const struct snmprt_config *c, char *err, size_t errlen);

enum snmprt_status {
	SNMPRT_FOUND = 0,    /* mac is the address's */
	SNMPRT_NOT_FOUND,    /* the router's table has no entry for it */
	SNMPRT_AMBIGUOUS,    /* different MACs on different interfaces: none named */
	SNMPRT_ERROR,        /* the table could not be read (timeout, denied, ...); message says why */
};

struct snmprt_answer {
	enum snmprt_status status;
	uint8_t mac[6];            /* with SNMPRT_FOUND */
	double age_s;              /* age of the table the answer comes from */
	char message[192];         /* with SNMPRT_ERROR; never a secret */
};

/* `a` is valid only during the call. */
typedef void (*snmprt_fn)(void *arg, const struct ip_addr *ip, const struct snmprt_answer *a);

struct snmprt;

/*
 * Makes the router on `loop` (borrowed; must outlive it). snmpsw_global_init
 * must have been called. Returns a router owned by the caller (snmprt_free),
 * or NULL with `err` filled (never a secret).
 */
struct snmprt *snmprt_new(struct loop *loop, const struct snmprt_config *cfg, char *err,
			  size_t errlen);
/* Waiting lookups are dropped without a callback (their callers are going too). */
void snmprt_free(struct snmprt *r);

/*
 * Looks `ip` up. 0: the callback follows exactly once, from the loop (never
 * from inside this call), unless the router is freed first; -1: not started
 * (too many lookups waiting), no callback. A callback may start lookups; it
 * must not free the router.
 */
int snmprt_lookup(struct snmprt *r, const struct ip_addr *ip, snmprt_fn cb, void *arg);

const char *snmprt_name(const struct snmprt *r);
const char *snmprt_address(const struct snmprt *r);

struct snmprt_stats {
	uint64_t lookups, cached, reads, read_errors, refused;
	size_t waiting;
	double table_time;         /* when the table was read (epoch s), 0: never */
	size_t table_rows;
};
void snmprt_stats(const struct snmprt *r, struct snmprt_stats *out);

/*
 * For Cordon's tests of the cache and the queue, without a network: a router
 * with no session, whose table reads go to `read(read_arg)` (0: started,
 * -1: cannot send), and end when the test calls snmprt_table_done with the
 * table (borrowed for the call; status 0) or a failure (status -1, message).
 */
struct snmpnb_table;
struct snmprt *snmprt_new_detached(struct loop *loop, const struct snmprt_config *cfg,
				   int (*read)(void *read_arg), void *read_arg);
void snmprt_table_done(struct snmprt *r, int status, const struct snmpnb_table *t,
		       const char *message);

#endif
