/* SPDX-License-Identifier: ISC */
/*
 * cordond_test: cordond with the "recording" enforcement point added (see
 * recording.h), for tests and benchmarks that must not touch a switch or
 * the kernel. Everything else is the real daemon.
 */
#include "cordon.h"
#include "daemon.h"
#include "recording.h"

int
main(int argc, char **argv)
{
	backend_register("recording", recording_point_new, NULL);
	backends_register_builtin();
	return cordond_main(argc, argv);
}
