/* SPDX-License-Identifier: ISC */
/*
 * The sensor's output queues against a real Unix-socket consumer that holds
 * its end without reading: asset ("seen") reports fill the queues, and a
 * detection written then is neither dropped nor sent after them; every line
 * the consumer gets is whole.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "detection.h"
#include "output.h"

/* How long the consumer waits for a line before the test fails. */
#define READ_TIMEOUT_MS 5000
/* Bounds the fill loops: far more lines than any socket buffer plus the queues hold. */
#define MAX_FILL_LINES 1000000u
#define NOT_RECEIVED UINT32_MAX

/* A listening socket in a directory of its own; the output connects to it. */
struct peer {
	char dir[64];
	char path[128];
	int lfd;            /* listening */
	int cfd;            /* accepted, -1 until the consumer starts reading */
	char buf[1 << 16];
	size_t have;        /* bytes in buf not yet split into lines */
};

static int
peer_setup(void **state)
{
	struct peer *p = calloc(1, sizeof(*p));
	struct sockaddr_un sun;

	assert_non_null(p);
	p->cfd = -1;
	strcpy(p->dir, "/tmp/cordon-test-output.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->path, sizeof(p->path), "%s/ctl.sock", p->dir);
	p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->lfd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, p->path);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(p->lfd, 1), 0);
	*state = p;
	return 0;
}

static int
peer_teardown(void **state)
{
	struct peer *p = *state;

	if (p->cfd >= 0)
		close(p->cfd);
	close(p->lfd);
	unlink(p->path);
	rmdir(p->dir);
	free(p);
	return 0;
}

static struct output *
open_output(const struct peer *p)
{
	char spec[160], err[256];
	struct output *o;

	snprintf(spec, sizeof(spec), "unix:%s", p->path);
	o = output_open(spec, err, sizeof(err));
	assert_non_null(o);
	return o;
}

/* Asset report number `n`: its address, 10.x.y.z, carries n. */
static size_t
seen_line(uint32_t n, char *buf, size_t len)
{
	struct seen_host h;
	uint8_t v4[4] = { 10, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	int r;

	memset(&h, 0, sizeof(h));
	ip_from_v4(&h.ip, v4);
	h.vlan = -1;
	h.time_us = 1700000000000000ULL;
	h.first_seen_us = h.last_seen_us = h.time_us;
	r = seen_to_json(&h, "t", buf, len);
	assert_true(r > 0);
	return (size_t)r;
}

/* The number a received asset report carries. */
static uint32_t
seen_number(const char *line, size_t len)
{
	struct seen_host h;
	char err[128];

	assert_int_equal(seen_from_json(line, len, &h, err, sizeof(err)), 0);
	assert_true(ip_is_v4(&h.ip));
	return (uint32_t)h.ip.b[13] << 16 | (uint32_t)h.ip.b[14] << 8 | h.ip.b[15];
}

static size_t
detection_line(uint32_t n, char *buf, size_t len)
{
	struct detection d;
	uint8_t v4[4] = { 192, 168, (uint8_t)(n >> 8), (uint8_t)n };
	int r;

	memset(&d, 0, sizeof(d));
	d.engine = ENGINE_FANOUT;
	ip_from_v4(&d.src, v4);
	d.vlan = -1;
	d.proto = IPPROTO_NUM_TCP;
	d.has_dport = true;
	d.dport = 445;
	d.time_us = 1700000000000000ULL;
	d.first_seen_us = d.time_us;
	d.probes = d.distinct_dsts = 10;
	d.alert_packet = n;
	r = detection_to_json(&d, "t", buf, len);
	assert_true(r > 0);
	return (size_t)r;
}

/* Writes asset reports numbered from *next on until one is dropped. */
static void
fill_with_seen(struct output *o, uint32_t *next)
{
	struct output_stats st;
	char line[1024];
	uint32_t i;

	for (i = 0; i < MAX_FILL_LINES; i++) {
		size_t n = seen_line((*next)++, line, sizeof(line));
		output_line(o, OUTPUT_SEEN, line, n);
		output_get_stats(o, &st);
		if (st.dropped[OUTPUT_SEEN] > 0)
			return;
	}
	fail_msg("no asset report was dropped after %u lines", MAX_FILL_LINES);
}

/*
 * The consumer reads one more line into `line` (without its '\n'), flushing
 * the output between reads. Fails if none comes within READ_TIMEOUT_MS.
 */
static size_t
peer_read_line(struct peer *p, struct output *o, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->have);
		struct pollfd pfd;
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - p->buf);
			assert_true(len < cap);
			memcpy(line, p->buf, len);
			line[len] = '\0';
			memmove(p->buf, nl + 1, p->have - len - 1);
			p->have -= len + 1;
			return len;
		}
		assert_true(p->have < sizeof(p->buf));
		output_flush(o);
		pfd.fd = p->cfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, READ_TIMEOUT_MS) != 1)
			fail_msg("no line within %d ms", READ_TIMEOUT_MS);
		n = read(p->cfd, p->buf + p->have, sizeof(p->buf) - p->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_msg("the consumer's read failed or met the end (%zd)", n);
		p->have += (size_t)n;
	}
}

static void
peer_accept(struct peer *p)
{
	p->cfd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(p->cfd >= 0);
}

/*
 * Asset reports fill the queues while the consumer does not read; a detection
 * then is kept (the oldest queued asset report makes room) and goes before
 * the asset reports that wait, and every line arrives whole.
 */
static void
test_detection_survives_full_queue(void **state)
{
	struct peer *p = *state;
	struct output *o = open_output(p);
	struct output_stats st;
	char line[2048], det[2048];
	size_t detlen, len;
	uint32_t next = 0, emitted, sent_before, got_seen = 0, seen_after_det = 0;
	uint32_t *seen_got = NULL, i, missing = 0, first_missing = NOT_RECEIVED;
	uint64_t seen_dropped;
	int got_det = 0;

	fill_with_seen(o, &next);
	output_get_stats(o, &st);
	assert_int_equal(st.queued[OUTPUT_SEEN], OUTPUT_QUEUE_LINES);
	assert_int_equal(st.dropped[OUTPUT_DETECTION], 0);
	sent_before = (uint32_t)st.sent[OUTPUT_SEEN];
	seen_dropped = st.dropped[OUTPUT_SEEN];

	detlen = detection_line(1, det, sizeof(det));
	output_line(o, OUTPUT_DETECTION, det, detlen);
	output_get_stats(o, &st);
	assert_int_equal(st.dropped[OUTPUT_DETECTION], 0);
	assert_int_equal(st.queued[OUTPUT_DETECTION], 1);
	/* The room came from an asset report. */
	assert_int_equal(st.dropped[OUTPUT_SEEN], seen_dropped + 1);
	assert_int_equal(st.queued[OUTPUT_SEEN], OUTPUT_QUEUE_LINES - 1);
	/* More asset reports behind it only push out older ones. */
	for (i = 0; i < 100; i++) {
		len = seen_line(next++, line, sizeof(line));
		output_line(o, OUTPUT_SEEN, line, len);
	}
	output_get_stats(o, &st);
	assert_int_equal(st.dropped[OUTPUT_DETECTION], 0);
	assert_int_equal(st.queued[OUTPUT_DETECTION], 1);
	emitted = next;

	/* The consumer starts reading: everything queued arrives. */
	peer_accept(p);
	seen_got = calloc(emitted, sizeof(*seen_got));
	assert_non_null(seen_got);
	for (;;) {
		output_get_stats(o, &st);
		if (got_seen + (uint32_t)got_det ==
		    st.sent[OUTPUT_SEEN] + st.sent[OUTPUT_DETECTION] &&
		    st.queued[OUTPUT_SEEN] + st.queued[OUTPUT_DETECTION] == 0 && p->have == 0)
			break;
		len = peer_read_line(p, o, line, sizeof(line));
		if (!event_line_is_seen(line, len)) {
			assert_int_equal(len, detlen - 1);
			assert_memory_equal(line, det, len);
			assert_false(got_det);
			got_det = 1;
			continue;
		}
		i = seen_number(line, len);
		assert_true(i < emitted);
		assert_int_equal(seen_got[i], 0);
		seen_got[i] = 1;
		got_seen++;
		if (got_det)
			seen_after_det++;
	}
	output_get_stats(o, &st);
	assert_true(got_det);
	assert_int_equal(st.sent[OUTPUT_DETECTION], 1);
	assert_int_equal(st.dropped[OUTPUT_DETECTION], 0);
	assert_true(st.dropped[OUTPUT_SEEN] > 0);
	/* Every asset report was either delivered or counted as dropped. */
	assert_int_equal(got_seen + st.dropped[OUTPUT_SEEN], emitted);
	/* Only the asset reports already sent, and at most one on the wire,
	 * came before the detection. */
	assert_true(got_seen - seen_after_det <= sent_before + 1);
	assert_true(seen_after_det >= OUTPUT_QUEUE_LINES - 2);
	/* What was dropped are the oldest: the delivered reports are the first
	 * ones (sent before the queue filled) and one run of the newest. */
	for (i = 0; i < emitted; i++) {
		if (!seen_got[i]) {
			if (first_missing == NOT_RECEIVED)
				first_missing = i;
			missing++;
		} else if (first_missing != NOT_RECEIVED) {
			assert_true(i >= first_missing + missing);
		}
	}
	assert_int_equal(missing, st.dropped[OUTPUT_SEEN]);
	assert_true(seen_got[emitted - 1]);
	free(seen_got);
	output_close(o);
}

/*
 * With only detections queued, a new detection is what goes, and an asset
 * report is dropped rather than a queued detection.
 */
static void
test_detections_drop_last(void **state)
{
	struct peer *p = *state;
	struct output *o = open_output(p);
	struct output_stats st;
	char line[2048];
	size_t len;
	uint32_t n;

	for (n = 0; n < MAX_FILL_LINES; n++) {
		len = detection_line(n, line, sizeof(line));
		output_line(o, OUTPUT_DETECTION, line, len);
		output_get_stats(o, &st);
		if (st.dropped[OUTPUT_DETECTION] > 0)
			break;
	}
	assert_int_equal(st.dropped[OUTPUT_DETECTION], 1);
	assert_int_equal(st.queued[OUTPUT_DETECTION], OUTPUT_QUEUE_LINES);
	assert_int_equal(st.dropped[OUTPUT_SEEN], 0);

	len = seen_line(1, line, sizeof(line));
	output_line(o, OUTPUT_SEEN, line, len);
	output_get_stats(o, &st);
	assert_int_equal(st.dropped[OUTPUT_SEEN], 1);
	assert_int_equal(st.dropped[OUTPUT_DETECTION], 1);
	assert_int_equal(st.queued[OUTPUT_SEEN], 0);
	assert_int_equal(st.queued[OUTPUT_DETECTION], OUTPUT_QUEUE_LINES);

	/* The queued detections all arrive, in order, once the consumer reads. */
	peer_accept(p);
	for (uint32_t want = 0; want < st.sent[OUTPUT_DETECTION] + OUTPUT_QUEUE_LINES; want++) {
		char expect[2048];
		size_t elen = detection_line(want, expect, sizeof(expect));
		len = peer_read_line(p, o, line, sizeof(line));
		assert_int_equal(len, elen - 1);
		assert_memory_equal(line, expect, len);
	}
	output_get_stats(o, &st);
	assert_int_equal(st.queued[OUTPUT_DETECTION], 0);
	output_close(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detection_survives_full_queue, peer_setup, peer_teardown),
		cmocka_unit_test_setup_teardown(test_detections_drop_last, peer_setup, peer_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
