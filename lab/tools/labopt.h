/* SPDX-License-Identifier: ISC */
/*
 * labopt: the command line as every lab tool reads it. The tools parse their
 * options with getopt_long, answer -h/--help with their usage on stdout (exit
 * 0), and any bad usage with a message on stderr and exit code 2; these are
 * the pieces they share, so that a bad option, a number out of range and a
 * stray argument are met the same way in each.
 */
#ifndef CORDON_LABOPT_H
#define CORDON_LABOPT_H

#include <stdint.h>
#include <stdio.h>

/*
 * A whole decimal number from `min` to `max`, digits only (no sign, no
 * space). 0, or -1 when `arg` is anything else; says nothing.
 */
int labopt_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *v);

/*
 * The same as the argument of option `opt` ("--duration"). Bad usage ends a
 * lab tool: anything else is said on stderr, prefixed with `prog`, and the
 * program exits 2.
 */
uint64_t labopt_arg_u64(const char *prog, const char *opt, const char *arg, uint64_t min,
    uint64_t max);

/*
 * A --rate: a decimal number from `min` to `max` `unit` ("probes per
 * second"); anything else exits 2 as above.
 */
double labopt_arg_rate(const char *prog, const char *arg, double min, double max,
    const char *unit);

/*
 * What getopt_long's switch does with an option the tool does not handle
 * itself: -h gets the usage on stdout, anything else (an unknown option, a
 * missing argument: getopt has said which) the usage on stderr. Returns the
 * exit code: 0 after -h, else 2.
 */
int labopt_other(int opt, void (*usage)(FILE *f));

/*
 * After the options (getopt's optind): 0 when nothing is left, else 2 after
 * naming the first stray argument on stderr, prefixed with `prog`.
 */
int labopt_no_operands(const char *prog, int argc, char **argv);

#endif
