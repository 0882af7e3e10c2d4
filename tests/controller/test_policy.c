/* SPDX-License-Identifier: ISC */
/*
 * policy_decide for every action and the order in which its rules apply,
 * and the per-minute isolation cap's sliding window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

/* A config as conf_load would give for:
 *   policy = { protected = [ "10.1.0.1", "10.2.0.0/16" ];
 *              approval = [ "10.3.0.0/24" ]; max_isolations_per_minute = 10; };
 *   enforcement = ( { name = "lan"; kind = "netlink"; prefixes = [ "10.0.0.0/8" ]; } );
 */
static void
make_conf(struct cordon_conf *c)
{
	char err[160];

	conf_defaults(c);
	assert_int_equal(prefix_parse("10.1.0.1", 0, &c->protected_[0], err, sizeof(err)), 0);
	assert_int_equal(prefix_parse("10.2.0.0/16", 0, &c->protected_[1], err, sizeof(err)), 0);
	c->nprotected = 2;
	assert_int_equal(prefix_parse("10.3.0.0/24", 0, &c->approval[0], err, sizeof(err)), 0);
	c->napproval = 1;
	snprintf(c->points[0].name, sizeof(c->points[0].name), "lan");
	snprintf(c->points[0].kind, sizeof(c->points[0].kind), "netlink");
	assert_int_equal(prefix_parse("10.0.0.0/8", 0, &c->points[0].prefixes[0], err, sizeof(err)), 0);
	c->points[0].nprefixes = 1;
	c->npoints = 1;
}

static void
make_det(struct detection *d, const char *src, enum det_engine e, uint32_t probes)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(ip_from_str(src, &d->src), 0);
	d->engine = e;
	d->vlan = -1;
	d->probes = probes;
	d->failures = probes;
	d->distinct_dsts = probes;
}

static void
make_host(struct host_rec *h, const struct detection *d, enum host_state s)
{
	memset(h, 0, sizeof(*h));
	h->ip = d->src;
	h->state = s;
}

/* Decides for a host in state `s`; the reason goes to `why`. */
static enum policy_action
decide(const struct cordon_conf *c, const char *src, enum det_engine e, uint32_t probes,
    enum host_state s, bool cap_free, char *why, size_t whylen)
{
	struct detection d;
	struct host_rec h;

	make_det(&d, src, e, probes);
	make_host(&h, &d, s);
	why[0] = '\0';
	return policy_decide(c, &h, &d, false, cap_free, why, whylen);
}

/* As decide(), with the circuit breaker tripped. */
static enum policy_action
decide_tripped(const struct cordon_conf *c, const char *src, enum det_engine e, uint32_t probes,
    enum host_state s, char *why, size_t whylen)
{
	struct detection d;
	struct host_rec h;

	make_det(&d, src, e, probes);
	make_host(&h, &d, s);
	why[0] = '\0';
	return policy_decide(c, &h, &d, true, true, why, whylen);
}

static void
test_isolate(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
	assert_string_equal(why, "12 probes, 12 failures, 12 destinations");
	/* A host cleared after its probation is a new case, not a relapse. */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_TRW, 4, HS_CLEAR, true, why, sizeof(why)),
	    POLICY_ISOLATE);
	/* So is one held earlier (e.g. a dry run since switched off). */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_SIGNATURE, 1, HS_SUSPECTED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
	/* But one held for an operator's approval stays with the operator:
	 * a new detection does not take it through the isolation again. */
	{
		struct detection d;
		struct host_rec h;

		make_det(&d, "10.9.0.1", ENGINE_FANOUT, 12);
		make_host(&h, &d, HS_SUSPECTED);
		snprintf(h.hold, sizeof(h.hold), "%s", HOLD_APPROVAL);
		assert_int_equal(policy_decide(&c, &h, &d, false, true, why, sizeof(why)), POLICY_IGNORE);
		assert_string_equal(why, "awaiting approval already");
		snprintf(h.hold, sizeof(h.hold), "%s", HOLD_BREAKER);
		assert_int_equal(policy_decide(&c, &h, &d, false, true, why, sizeof(why)), POLICY_ISOLATE);
	}
	/* IPv6 hosts go through the same rules: no point serves ::/0 here. */
	assert_int_equal(decide(&c, "2001:db8::1", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NO_POINT);
}

static void
test_already_under_enforcement(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_QUARANTINED, true, why, sizeof(why)),
	    POLICY_IGNORE);
	assert_string_equal(why, "already quarantined");
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_QUARANTINING, true, why, sizeof(why)),
	    POLICY_IGNORE);
	assert_string_equal(why, "already quarantining");
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_RELEASING, true, why, sizeof(why)),
	    POLICY_IGNORE);
	assert_string_equal(why, "already releasing");
	/* Even a protected host already isolated (by an older config) is left
	 * to its state machine, not refused anew. */
	assert_int_equal(decide(&c, "10.1.0.1", ENGINE_FANOUT, 12, HS_QUARANTINED, true, why, sizeof(why)),
	    POLICY_IGNORE);
}

static void
test_failed_is_retried_on_schedule(void **state)
{
	struct cordon_conf c;
	struct detection d;
	struct host_rec h;
	char why[300];

	(void)state;
	make_conf(&c);
	make_det(&d, "10.9.0.1", ENGINE_FANOUT, 12);
	make_host(&h, &d, HS_FAILED);
	snprintf(h.failed_op, sizeof(h.failed_op), "release");
	assert_int_equal(policy_decide(&c, &h, &d, false, true, why, sizeof(why)), POLICY_IGNORE);
	assert_non_null(strstr(why, "enforcement failed earlier (release)"));
}

static void
test_protected(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "10.1.0.1", ENGINE_SIGNATURE, 1, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_REFUSE);
	assert_string_equal(why, "protected (10.1.0.1/32)");
	assert_int_equal(decide(&c, "10.2.77.3", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_REFUSE);
	assert_string_equal(why, "protected (10.2.0.0/16)");
	/* Its neighbours are not. */
	assert_int_equal(decide(&c, "10.1.0.2", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_APPROVAL);
	/* Protection wins over everything that would act: probation, dry run, the cap. */
	assert_int_equal(decide(&c, "10.2.0.1", ENGINE_FANOUT, 12, HS_PROBATION, false, why, sizeof(why)),
	    POLICY_REFUSE);
	c.dry_run = true;
	assert_int_equal(decide(&c, "10.2.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_REFUSE);
}

static void
test_protected_wins_over_approval(void **state)
{
	struct cordon_conf c;
	char why[300], err[160];

	(void)state;
	make_conf(&c);
	/* 10.3.0.5 is in the approval prefix and also protected. */
	assert_int_equal(prefix_parse("10.3.0.5", 0, &c.protected_[c.nprotected++], err, sizeof(err)), 0);
	assert_int_equal(decide(&c, "10.3.0.5", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_REFUSE);
}

static void
test_approval(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_TRW, 4, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_APPROVAL);
	assert_string_equal(why, "needs approval (10.3.0.0/24)");
	/* Waiting for a human is not held up by the cap, nor counted in it. */
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_TRW, 4, HS_OBSERVED, false, why, sizeof(why)),
	    POLICY_APPROVAL);
	/* A relapse on probation does not wait for approval again. */
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_TRW, 4, HS_PROBATION, true, why, sizeof(why)),
	    POLICY_RELAPSE);
	/* Outside the /24 no approval is needed. */
	assert_int_equal(decide(&c, "10.3.1.9", ENGINE_TRW, 4, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
}

static void
test_dry_run(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	c.dry_run = true;
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_DRY_RUN);
	assert_string_equal(why, "dry run: would isolate on fanout detection");
	/* Dry run changes nothing: not an approval, not a relapse, not a queued host. */
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_DRY_RUN);
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_PROBATION, true, why, sizeof(why)),
	    POLICY_DRY_RUN);
	assert_non_null(strstr(why, "relapse during probation"));
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, false, why, sizeof(why)),
	    POLICY_DRY_RUN);
	/* What would not be isolated anyway is not reported as "would isolate". */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_VSCAN, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NOT_ACTING);
	assert_int_equal(decide(&c, "192.0.2.1", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NO_POINT);
}

static void
test_cap_reached_trips_the_breaker(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, false, why, sizeof(why)),
	    POLICY_BREAKER);
	assert_string_equal(why, "isolation cap of 10 per minute reached");
	/* A relapse goes ahead of the cap. */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_PROBATION, false, why, sizeof(why)),
	    POLICY_RELAPSE);
}

static void
test_tripped_breaker_holds_everything_it_would_isolate(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide_tripped(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, why, sizeof(why)),
	    POLICY_BREAKER);
	assert_string_equal(why, "the circuit breaker has stopped automatic isolation");
	/* Relapses too: no isolation starts on its own. */
	assert_int_equal(decide_tripped(&c, "10.9.0.1", ENGINE_TRW, 4, HS_PROBATION, why, sizeof(why)),
	    POLICY_BREAKER);
	assert_non_null(strstr(why, "relapse during probation: trw detection"));
	/* What would not be isolated anyway keeps its own answer. */
	assert_int_equal(decide_tripped(&c, "10.9.0.1", ENGINE_VSCAN, 12, HS_OBSERVED, why, sizeof(why)),
	    POLICY_NOT_ACTING);
	assert_int_equal(decide_tripped(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_QUARANTINED, why, sizeof(why)),
	    POLICY_IGNORE);
	c.dry_run = true;
	assert_int_equal(decide_tripped(&c, "10.9.0.1", ENGINE_FANOUT, 12, HS_OBSERVED, why, sizeof(why)),
	    POLICY_DRY_RUN);
}

static void
test_evidence_current(void **state)
{
	struct cordon_conf c;

	(void)state;
	make_conf(&c);
	assert_int_equal(c.breaker_evidence_age_s, 300);
	assert_true(policy_evidence_current(&c, 1000.0, 1000.0));
	assert_true(policy_evidence_current(&c, 1000.0, 1300.0));
	assert_false(policy_evidence_current(&c, 1000.0, 1300.5));
	/* No stored detection: nothing to go on. */
	assert_false(policy_evidence_current(&c, 0, 1000.0));
	c.breaker_evidence_age_s = 5;
	assert_false(policy_evidence_current(&c, 1000.0, 1006.0));
}

static void
test_probation_relapse(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_TRW, 4, HS_PROBATION, true, why, sizeof(why)),
	    POLICY_RELAPSE);
	assert_string_equal(why, "relapse during probation: trw detection");
	/* On probation any detection is enough: an engine that does not isolate
	 * and thin evidence still re-isolate. */
	c.engines[ENGINE_TRW].min_probes = 100;
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_TRW, 4, HS_PROBATION, true, why, sizeof(why)),
	    POLICY_RELAPSE);
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_VSCAN, 1, HS_PROBATION, true, why, sizeof(why)),
	    POLICY_RELAPSE);
}

static void
test_engine_not_isolating(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	/* vscan does not isolate by default (conf_defaults). */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_VSCAN, 50, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NOT_ACTING);
	assert_string_equal(why, "engine vscan does not isolate (policy.engines.vscan.isolate)");
	c.engines[ENGINE_VSCAN].isolate = true;
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_VSCAN, 50, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
	c.engines[ENGINE_ARP_SWEEP].isolate = false;
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_ARP_SWEEP, 50, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NOT_ACTING);
	/* Not acting comes before the approval and the cap. */
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_ARP_SWEEP, 50, HS_OBSERVED, false, why, sizeof(why)),
	    POLICY_NOT_ACTING);
	/* The other engines are unaffected. */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_ICMP_SWEEP, 50, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
}

static void
test_min_probes(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	c.engines[ENGINE_FANOUT].min_probes = 20;
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 19, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NOT_ACTING);
	assert_string_equal(why, "19 probes, below policy.engines.fanout.min_probes 20");
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_FANOUT, 20, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
	/* Another engine's threshold does not apply. */
	assert_int_equal(decide(&c, "10.9.0.1", ENGINE_TRW, 4, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_ISOLATE);
}

static void
test_no_point(void **state)
{
	struct cordon_conf c;
	char why[300];

	(void)state;
	make_conf(&c);
	assert_int_equal(decide(&c, "192.168.1.5", ENGINE_FANOUT, 12, HS_OBSERVED, true, why, sizeof(why)),
	    POLICY_NO_POINT);
	assert_string_equal(why, "no enforcement point serves this address");
	/* No point comes before approval and the cap: nobody could act on it. */
	c.npoints = 0;
	assert_int_equal(decide(&c, "10.3.0.9", ENGINE_FANOUT, 12, HS_OBSERVED, false, why, sizeof(why)),
	    POLICY_NO_POINT);
}

static void
test_action_names(void **state)
{
	(void)state;
	assert_string_equal(policy_action_name(POLICY_IGNORE), "ignore");
	assert_string_equal(policy_action_name(POLICY_ISOLATE), "isolate");
	assert_string_equal(policy_action_name(POLICY_RELAPSE), "relapse");
	assert_string_equal(policy_action_name(POLICY_REFUSE), "refuse");
	assert_string_equal(policy_action_name(POLICY_NOT_ACTING), "not-acting");
	assert_string_equal(policy_action_name(POLICY_DRY_RUN), "dry-run");
	assert_string_equal(policy_action_name(POLICY_APPROVAL), "approval");
	assert_string_equal(policy_action_name(POLICY_BREAKER), "breaker");
	assert_string_equal(policy_action_name(POLICY_NO_POINT), "no-point");
	assert_string_equal(policy_action_name((enum policy_action)99), "?");
}

/* ---- rate_cap ---------------------------------------------------------------- */

static void
test_rate_cap_window(void **state)
{
	struct rate_cap r;
	const double t0 = 1700000000.0;

	(void)state;
	assert_int_equal(rate_cap_init(&r, 3), 0);
	assert_true(rate_cap_free_now(&r, t0));
	assert_true(rate_cap_wait(&r, t0) == 0.0);
	rate_cap_take(&r, t0);
	rate_cap_take(&r, t0 + 10);
	assert_true(rate_cap_free_now(&r, t0 + 20));
	rate_cap_take(&r, t0 + 20);
	/* Full: three starts within the last minute. */
	assert_false(rate_cap_free_now(&r, t0 + 30));
	assert_true(rate_cap_wait(&r, t0 + 30) == 30.0);
	assert_false(rate_cap_free_now(&r, t0 + 59.5));
	/* The first start leaves the window exactly 60 s later. */
	assert_true(rate_cap_free_now(&r, t0 + 60));
	assert_true(rate_cap_wait(&r, t0 + 60) == 0.0);
	rate_cap_take(&r, t0 + 60);
	assert_false(rate_cap_free_now(&r, t0 + 65));
	/* Next to leave is the one taken at t0 + 10. */
	assert_true(rate_cap_wait(&r, t0 + 65) == 5.0);
	/* A quiet minute empties the window entirely. */
	assert_true(rate_cap_free_now(&r, t0 + 200));
	rate_cap_take(&r, t0 + 200);
	rate_cap_take(&r, t0 + 200);
	rate_cap_take(&r, t0 + 200);
	assert_false(rate_cap_free_now(&r, t0 + 200));
	rate_cap_free(&r);
	assert_null(r.stamps);
}

static void
test_rate_cap_taken_over_the_cap(void **state)
{
	struct rate_cap r;
	const double t0 = 1700000000.0;

	(void)state;
	assert_int_equal(rate_cap_init(&r, 2), 0);
	rate_cap_take(&r, t0);
	rate_cap_take(&r, t0 + 1);
	/* An operator's or a relapse's isolation is taken although the cap is
	 * reached: the window stays full, its oldest start gives way. */
	rate_cap_take(&r, t0 + 2);
	assert_int_equal(r.len, 2);
	assert_false(rate_cap_free_now(&r, t0 + 3));
	/* Left are the starts at t0 + 1 and t0 + 2. */
	assert_true(rate_cap_wait(&r, t0 + 3) == 58.0);
	assert_false(rate_cap_free_now(&r, t0 + 60.5));
	assert_true(rate_cap_free_now(&r, t0 + 61));
	assert_int_equal(r.len, 1);
	assert_true(rate_cap_free_now(&r, t0 + 62));
	assert_int_equal(r.len, 0);
	rate_cap_free(&r);
}

static void
test_rate_cap_of_one(void **state)
{
	struct rate_cap r;
	int i;

	(void)state;
	assert_int_equal(rate_cap_init(&r, 1), 0);
	/* The ring wraps many times without losing count. */
	for (i = 0; i < 100; i++) {
		double t = 1000.0 + 60.0 * i;
		assert_true(rate_cap_free_now(&r, t));
		rate_cap_take(&r, t);
		assert_false(rate_cap_free_now(&r, t + 59.999));
		assert_int_equal(r.len, 1);
	}
	rate_cap_free(&r);
}

static void
test_rate_cap_clear(void **state)
{
	struct rate_cap r;
	int i;

	(void)state;
	assert_int_equal(rate_cap_init(&r, 3), 0);
	for (i = 0; i < 3; i++)
		rate_cap_take(&r, 1000.0 + i);
	assert_false(rate_cap_free_now(&r, 1010.0));
	rate_cap_clear(&r);
	assert_true(rate_cap_free_now(&r, 1010.0));
	assert_int_equal(r.len, 0);
	rate_cap_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isolate),
		cmocka_unit_test(test_already_under_enforcement),
		cmocka_unit_test(test_failed_is_retried_on_schedule),
		cmocka_unit_test(test_protected),
		cmocka_unit_test(test_protected_wins_over_approval),
		cmocka_unit_test(test_approval),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_cap_reached_trips_the_breaker),
		cmocka_unit_test(test_tripped_breaker_holds_everything_it_would_isolate),
		cmocka_unit_test(test_evidence_current),
		cmocka_unit_test(test_probation_relapse),
		cmocka_unit_test(test_engine_not_isolating),
		cmocka_unit_test(test_min_probes),
		cmocka_unit_test(test_no_point),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_rate_cap_window),
		cmocka_unit_test(test_rate_cap_taken_over_the_cap),
		cmocka_unit_test(test_rate_cap_of_one),
		cmocka_unit_test(test_rate_cap_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
