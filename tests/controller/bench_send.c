/* SPDX-License-Identifier: ISC */
/*
 * bench_send: writes detections, one JSON line each, to cordond's sensor
 * socket as fast as the daemon takes them (cordond-bench drives it).
 *
 * usage: bench_send SOCKET FIRST COUNT
 *
 * Host k (FIRST <= k < FIRST + COUNT) is 10.x.y.z with x.y.z the 24 low bits
 * of k, so COUNT distinct hosts up to 2^24; the same FIRST and COUNT again
 * sends repeats. Prints the lines and bytes written and the seconds it took
 * to hand them to the socket (the daemon may still be reading).
 * Exit: 0 sent, 1 usage, 2 socket error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"

#define BATCH_BYTES (256 * 1024)
#define MAX_HOSTS (1u << 24)

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*s == '\0' || *end != '\0' || errno != 0 || *out > max) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	unsigned long first, count, k;
	size_t bytes = 0, used = 0;
	char *buf;
	double t0;
	int fd;

	if (argc != 4 || parse_count(argv[2], MAX_HOSTS - 1, &first) != 0 ||
	    parse_count(argv[3], MAX_HOSTS, &count) != 0 || first + count > MAX_HOSTS) {
		fprintf(stderr, "usage: bench_send SOCKET FIRST COUNT (FIRST + COUNT <= %u)\n", MAX_HOSTS);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "bench_send: socket path too long: %s\n", argv[1]);
		return 1;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	buf = malloc(BATCH_BYTES);
	if (buf == NULL) {
		fprintf(stderr, "bench_send: out of memory\n");
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "bench_send: %s: %s\n", argv[1], strerror(errno));
		free(buf);
		return 2;
	}
	t0 = bench_now_s();
	for (k = first; k < first + count; k++) {
		int n;
		/* The shape cordon-sensor writes (docs/detection-events.md). */
		n = snprintf(buf + used, BATCH_BYTES - used,
		    "{\"time\":\"2026-01-01T00:00:00Z\",\"src\":\"10.%lu.%lu.%lu\","
		    "\"mac\":\"02:00:%02lx:%02lx:%02lx:01\",\"vlan\":null,\"engine\":\"fanout\","
		    "\"proto\":\"tcp\",\"dport\":445,\"evidence\":{\"probes\":12,\"failures\":12,"
		    "\"distinct_dsts\":12,\"first_seen\":\"2026-01-01T00:00:00Z\",\"alert_packet\":12}}\n",
		    (k >> 16) & 255, (k >> 8) & 255, k & 255, (k >> 16) & 255, (k >> 8) & 255, k & 255);
		if (n < 0 || (size_t)n >= BATCH_BYTES - used) {
			/* The line did not fit: send what is there, write it again. */
			if (used == 0 || write_all(fd, buf, used) != 0)
				goto fail;
			bytes += used;
			used = 0;
			k--;
			continue;
		}
		used += (size_t)n;
	}
	if (used > 0 && write_all(fd, buf, used) != 0)
		goto fail;
	bytes += used;
	printf("%lu lines, %zu bytes, %.3f s to write\n", count, bytes, bench_now_s() - t0);
	close(fd);
	free(buf);
	return 0;
fail:
	fprintf(stderr, "bench_send: write: %s\n", strerror(errno));
	close(fd);
	free(buf);
	return 2;
}
