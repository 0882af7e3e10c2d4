/* SPDX-License-Identifier: ISC */
/*
 * trw: Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, IEEE S&P
 * 2004), a sequential hypothesis test over the outcomes of a source's first
 * contacts with new destinations.
 *
 * Each success multiplies the likelihood ratio by theta1/theta0, each failure
 * by (1-theta1)/(1-theta0). At or above eta1 = beta/alpha the source is a
 * scanner. With the defaults (0.8, 0.2, 0.01, 0.99) a failure is x4 and
 * eta1 = 99: four consecutive failures flag (4^4 = 256), three do not (64).
 *
 * The lower side is Page's CUSUM (Biometrika 1954) rather than Jung et al.'s
 * eta0: the ratio never drops below 1, and a walk that reaches 1 from above
 * ends benign and starts again. A worm infection is a change in a host's
 * behaviour; a host that was answered a hundred times before it was
 * infected must not need a hundred and four failures to be flagged. The
 * price is a walk that forgets successes: a benign host needs four net
 * failures with no success between them, which answered traffic between
 * failed contacts prevents.
 *
 * The ratio is kept as its natural logarithm in a float.
 */
#ifndef CORDON_TRW_H
#define CORDON_TRW_H

#include <stdbool.h>

struct trw_params {
	double step_success;   /* ln(theta1/theta0), negative */
	double step_failure;   /* ln((1-theta1)/(1-theta0)), positive */
	double upper;          /* ln(beta/alpha) */
	double lower;          /* ln((1-beta)/(1-alpha)) */
};

enum trw_verdict { TRW_PENDING = 0, TRW_SCANNER, TRW_BENIGN };

void trw_params_init(struct trw_params *p, double theta0, double theta1,
    double alpha, double beta);

/*
 * Adds one outcome to the walk `*llr`. On a verdict the walk is reset to 0
 * (ratio 1), so that the caller only has to act on the verdict.
 */
enum trw_verdict trw_update(const struct trw_params *p, float *llr,
    bool failure);

/*
 * Takes one failure already in the walk back (a first contact that was timed
 * out was answered after all) and, with `as_success`, counts a success in its
 * place. Returns TRW_BENIGN (walk reset) when that takes the walk to eta0,
 * else TRW_PENDING.
 */
enum trw_verdict trw_credit(const struct trw_params *p, float *llr, bool as_success);

#endif
