/* SPDX-License-Identifier: ISC */
/*
 * policy: what to do about a detection. A pure function of the
 * configuration, the host's current record and the rate limiter, so that it
 * is tested without a daemon.
 */
#ifndef CORDON_POLICY_H
#define CORDON_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "detection.h"
#include "registry.h"

enum policy_action {
	POLICY_IGNORE,        /* already being isolated, isolated or released: record only */
	POLICY_ISOLATE,       /* start an isolation now */
	POLICY_RELAPSE,       /* on probation: isolate at once, ahead of the cap (not past a tripped breaker) */
	POLICY_REFUSE,        /* a protected host: never isolated */
	POLICY_NOT_ACTING,    /* this engine does not isolate, or its evidence is too thin */
	POLICY_DRY_RUN,       /* would isolate; dry run changes nothing */
	POLICY_APPROVAL,      /* would isolate once an operator approves */
	POLICY_BREAKER,       /* would isolate; the cap is reached or the breaker tripped: an operator decides */
	POLICY_NO_POINT,      /* no enforcement point serves the host */
};

const char *policy_action_name(enum policy_action a);

/*
 * Decides for a detection about a host whose record is `h` (state
 * HS_OBSERVED for a new host). `tripped` tells whether the circuit breaker
 * has stopped automatic isolation; `cap_free` whether the per-minute cap
 * has room (when it has not, the caller trips the breaker). The reason
 * (for logs and the audit) goes into `why`.
 */
enum policy_action policy_decide(const struct cordon_conf *c,
    const struct host_rec *h, const struct detection *d, bool tripped,
    bool cap_free, char *why, size_t whylen);

/*
 * Whether a host held by the breaker still has current evidence at `now`:
 * its last detection (`last_detection`, epoch seconds; 0: none stored) is at
 * most policy.breaker_evidence_age seconds old. Only such hosts are isolated
 * when an operator resets the breaker. (Not the host's last_seen: asset
 * reports keep that fresh for any host that is merely online.)
 */
bool policy_evidence_current(const struct cordon_conf *c, double last_detection, double now);

/*
 * The per-minute isolation cap: a sliding 60-second window of start times.
 * `stamps` has room for c->max_per_minute entries.
 */
struct rate_cap {
	double *stamps;      /* owned */
	unsigned cap, head, len;
};

int rate_cap_init(struct rate_cap *r, unsigned per_minute);
void rate_cap_free(struct rate_cap *r);
bool rate_cap_free_now(struct rate_cap *r, double now);
void rate_cap_take(struct rate_cap *r, double now);
/* Seconds until a slot frees (0 when one is free). */
double rate_cap_wait(struct rate_cap *r, double now);
/* Empties the window: an operator's reset of the breaker starts a new minute. */
void rate_cap_clear(struct rate_cap *r);

#endif
