/* SPDX-License-Identifier: ISC */
#include "trw.h"

#include <math.h>

void
trw_params_init(struct trw_params *p, double theta0, double theta1,
    double alpha, double beta)
{
	p->step_success = log(theta1 / theta0);
	p->step_failure = log((1.0 - theta1) / (1.0 - theta0));
	p->upper = log(beta / alpha);
	p->lower = log((1.0 - beta) / (1.0 - alpha));
}

enum trw_verdict
trw_update(const struct trw_params *p, float *llr, bool failure)
{
	/* Sum in double: a float walk could drift across a threshold it sits on. */
	double v = (double)*llr + (failure ? p->step_failure : p->step_success);

	if (v >= p->upper - 1e-9) {
		*llr = 0.0f;
		return TRW_SCANNER;
	}
	/* Page's CUSUM form: the walk never banks more than a ratio of 1 for
	 * the benign hypothesis (see trw.h). */
	if (v <= 1e-9 || v <= p->lower + 1e-9) {
		*llr = 0.0f;
		return TRW_BENIGN;
	}
	*llr = (float)v;
	return TRW_PENDING;
}

enum trw_verdict
trw_credit(const struct trw_params *p, float *llr, bool as_success)
{
	double v = (double)*llr - p->step_failure + (as_success ? p->step_success : 0.0);

	if (v <= 1e-9 || v <= p->lower + 1e-9) {
		*llr = 0.0f;
		return TRW_BENIGN;
	}
	*llr = (float)v;
	return TRW_PENDING;
}
