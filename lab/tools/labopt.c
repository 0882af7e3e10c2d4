/* SPDX-License-Identifier: ISC */
#include "labopt.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

int
labopt_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;
	bool digit = *arg >= '0' && *arg <= '9';

	errno = 0;
	x = digit ? strtoull(arg, &end, 10) : 0;
	if (!digit || errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

uint64_t
labopt_arg_u64(const char *prog, const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (labopt_u64(arg, min, max, &v) == 0)
		return v;
	fprintf(stderr, "%s: %s '%s': a whole number from %" PRIu64 " to %" PRIu64 "\n",
	    prog, opt, arg, min, max);
	exit(2);
}

double
labopt_arg_rate(const char *prog, const char *arg, double min, double max, const char *unit)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(arg, &end);
	/* !(x >= min) also refuses NaN. */
	if (errno != 0 || end == arg || *end != '\0' || !(x >= min) || x > max) {
		fprintf(stderr, "%s: --rate '%s': %s, %g to %.0f\n", prog, arg, unit, min, max);
		exit(2);
	}
	return x;
}

int
labopt_other(int opt, void (*usage)(FILE *f))
{
	if (opt == 'h') {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}

int
labopt_no_operands(const char *prog, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return 2;
	}
	return 0;
}
