/* SPDX-License-Identifier: ISC */
/*
 * sensor: the cordon-sensor program's run context, tying a capture, the
 * detector and an output together. sensor_loop.c holds the live loop (on
 * common/loop); main.c only parses options.
 */
#ifndef CORDON_SENSOR_H
#define CORDON_SENSOR_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "detector.h"
#include "output.h"

/* Controllers a sensor sends to at most (-o given several times). */
#define SENSOR_MAX_OUTPUTS 4

struct sensor {
	struct capture *cap;          /* owned */
	struct detector *det;         /* owned */
	/*
	 * Owned, each with its own queue: every line goes to every output.
	 * Several controllers sharing one database (a leader and followers)
	 * all hear the sensor; the followers ignore it, and the one that leads
	 * after a failover has heard everything since (docs/state.md).
	 */
	struct output *out[SENSOR_MAX_OUTPUTS];
	const char *outspec[SENSOR_MAX_OUTPUTS];   /* borrowed: for messages */
	size_t nout;
	const char *name;             /* borrowed: sensor name in events, may be NULL */
	const char *source;           /* borrowed: file or interface, for messages */
	int linktype;
	uint64_t json_errors;         /* detections too large to encode */
	uint64_t seen_reports;        /* asset ("seen") lines written */
	volatile sig_atomic_t summary_requested;
	volatile sig_atomic_t stop_requested;
	/* Called once by the loops, when everything is open and set up and
	 * before the first packet is read: gives up privileges. May be NULL;
	 * exits the program when it cannot confine it. */
	void (*confine)(struct sensor *s);
};

/* The detector's emit callback; `arg` is the struct sensor. */
void sensor_emit(void *arg, const struct detection *d);

/* The detector's asset-report callback; `arg` is the struct sensor. */
void sensor_seen(void *arg, const struct seen_host *h);

/* Reads the whole file. Returns 0, or -1 on a capture error (message on stderr). */
int sensor_run_file(struct sensor *s);

/* Runs the live capture until SIGINT/SIGTERM. Returns 0, or -1 on error. */
int sensor_run_live(struct sensor *s);

/* Delivers the packets a capture has ready; for both loops. */
int sensor_dispatch(struct sensor *s, int max);

void sensor_print_summary(struct sensor *s, FILE *f);

#endif
