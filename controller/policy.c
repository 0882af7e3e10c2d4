/* SPDX-License-Identifier: ISC */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_IGNORE: return "ignore";
	case POLICY_ISOLATE: return "isolate";
	case POLICY_RELAPSE: return "relapse";
	case POLICY_REFUSE: return "refuse";
	case POLICY_NOT_ACTING: return "not-acting";
	case POLICY_DRY_RUN: return "dry-run";
	case POLICY_APPROVAL: return "approval";
	case POLICY_BREAKER: return "breaker";
	case POLICY_NO_POINT: return "no-point";
	default: return "?";
	}
}

enum policy_action
policy_decide(const struct cordon_conf *c, const struct host_rec *h,
    const struct detection *d, bool tripped, bool cap_free, char *why, size_t whylen)
{
	const struct engine_policy *ep = &c->engines[d->engine];
	const struct prefix *p;
	char pbuf[64];

	switch (h->state) {
	case HS_QUARANTINING:
	case HS_QUARANTINED:
	case HS_RELEASING:
		snprintf(why, whylen, "already %s", host_state_name(h->state));
		return POLICY_IGNORE;
	case HS_FAILED:
		/* A failed isolation is retried on its own schedule; a failed
		 * release leaves the host isolated. */
		snprintf(why, whylen, "enforcement failed earlier (%s); retrying on schedule",
		    h->failed_op);
		return POLICY_IGNORE;
	case HS_SUSPECTED:
		/* Held for an operator's approval (an approval prefix, a shared
		 * port): the operator decides. Going through the isolation again
		 * would only hold it again, and while it did, the host would not
		 * be awaiting approval: an operator approving then was refused. */
		if (strcmp(h->hold, HOLD_APPROVAL) == 0) {
			snprintf(why, whylen, "awaiting approval already");
			return POLICY_IGNORE;
		}
		break;
	default:
		break;
	}
	p = conf_match(c->protected_, c->nprotected, &d->src);
	if (p != NULL) {
		snprintf(why, whylen, "protected (%s)", prefix_to_str(p, pbuf, sizeof(pbuf)));
		return POLICY_REFUSE;
	}
	if (h->state == HS_PROBATION) {
		if (c->dry_run) {
			snprintf(why, whylen, "relapse during probation: %s detection", det_engine_name(d->engine));
			return POLICY_DRY_RUN;
		}
		if (tripped) {
			snprintf(why, whylen, "relapse during probation: %s detection; the circuit breaker"
			    " has stopped automatic isolation", det_engine_name(d->engine));
			return POLICY_BREAKER;
		}
		snprintf(why, whylen, "relapse during probation: %s detection", det_engine_name(d->engine));
		return POLICY_RELAPSE;
	}
	if (!ep->isolate) {
		snprintf(why, whylen, "engine %s does not isolate (policy.engines.%s.isolate)",
		    det_engine_name(d->engine), det_engine_name(d->engine));
		return POLICY_NOT_ACTING;
	}
	if (d->probes < ep->min_probes) {
		snprintf(why, whylen, "%u probes, below policy.engines.%s.min_probes %u",
		    d->probes, det_engine_name(d->engine), ep->min_probes);
		return POLICY_NOT_ACTING;
	}
	if (conf_point_for(c, &d->src) == NULL) {
		snprintf(why, whylen, "no enforcement point serves this address");
		return POLICY_NO_POINT;
	}
	if (c->dry_run) {
		snprintf(why, whylen, "dry run: would isolate on %s detection", det_engine_name(d->engine));
		return POLICY_DRY_RUN;
	}
	p = conf_match(c->approval, c->napproval, &d->src);
	if (p != NULL) {
		snprintf(why, whylen, "needs approval (%s)", prefix_to_str(p, pbuf, sizeof(pbuf)));
		return POLICY_APPROVAL;
	}
	if (tripped) {
		snprintf(why, whylen, "the circuit breaker has stopped automatic isolation");
		return POLICY_BREAKER;
	}
	if (!cap_free) {
		snprintf(why, whylen, "isolation cap of %u per minute reached", c->max_per_minute);
		return POLICY_BREAKER;
	}
	snprintf(why, whylen, "%u probes, %u failures, %u destinations", d->probes,
	    d->failures, d->distinct_dsts);
	return POLICY_ISOLATE;
}

bool
policy_evidence_current(const struct cordon_conf *c, double last_detection, double now)
{
	return last_detection > 0 && now - last_detection <= (double)c->breaker_evidence_age_s;
}

int
rate_cap_init(struct rate_cap *r, unsigned per_minute)
{
	r->stamps = calloc(per_minute ? per_minute : 1, sizeof(double));
	r->cap = per_minute;
	r->head = r->len = 0;
	return r->stamps ? 0 : -1;
}

void
rate_cap_free(struct rate_cap *r)
{
	free(r->stamps);
	r->stamps = NULL;
}

static void
expire(struct rate_cap *r, double now)
{
	while (r->len > 0 && now - r->stamps[r->head] >= 60.0) {
		r->head = (r->head + 1) % r->cap;
		r->len--;
	}
}

bool
rate_cap_free_now(struct rate_cap *r, double now)
{
	expire(r, now);
	return r->len < r->cap;
}

void
rate_cap_take(struct rate_cap *r, double now)
{
	expire(r, now);
	if (r->len == r->cap) {
		/* Taken over the cap (an operator's or a relapse's isolation): the
		 * oldest stamp gives way, the window stays full. */
		r->head = (r->head + 1) % r->cap;
		r->len--;
	}
	r->stamps[(r->head + r->len) % r->cap] = now;
	r->len++;
}

double
rate_cap_wait(struct rate_cap *r, double now)
{
	expire(r, now);
	if (r->len < r->cap)
		return 0;
	return 60.0 - (now - r->stamps[r->head]);
}

void
rate_cap_clear(struct rate_cap *r)
{
	r->head = r->len = 0;
}
