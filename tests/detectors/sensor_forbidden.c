/* SPDX-License-Identifier: ISC */
/*
 * The hook of cordon-sensor-forbidden, a test program built from
 * cordon-sensor's own main.c with CORDON_SENSOR_TEST_HOOKS (so that the
 * shipped program has no such hook): right after the sensor is confined it
 * makes the system call CORDON_TEST_FORBIDDEN names, which the sandbox must
 * answer by killing the process with SIGSYS (or, for "open", by EACCES).
 * Unset or "none": nothing, and the sensor runs as cordon-sensor does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

void sensor_test_after_confine(void);

void
sensor_test_after_confine(void)
{
	const char *what = getenv("CORDON_TEST_FORBIDDEN");
	char *const argv[] = { "/bin/true", NULL };
	int fd;

	if (what == NULL || strcmp(what, "none") == 0)
		return;
	if (strcmp(what, "execve") == 0) {
		execve("/bin/true", argv, environ);
	} else if (strcmp(what, "socket") == 0) {
		/* A packet socket: a confined sensor must not open new captures. */
		socket(AF_PACKET, SOCK_RAW, 0);
	} else if (strcmp(what, "udp") == 0) {
		/* The output's own family, but not a stream. */
		socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	} else if (strcmp(what, "open") == 0) {
		fd = open("/etc/passwd", O_RDONLY);
		fprintf(stderr, "sensor-forbidden: open: %s\n", fd < 0 ? strerror(errno) : "opened");
		return;
	} else {
		fprintf(stderr, "sensor-forbidden: unknown CORDON_TEST_FORBIDDEN '%s'\n", what);
		_exit(98);
	}
	/* Still alive: the sandbox let the call through. */
	fprintf(stderr, "sensor-forbidden: %s was allowed\n", what);
	_exit(99);
}
