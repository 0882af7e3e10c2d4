/* SPDX-License-Identifier: ISC */
/*
 * test_batching: a batching detector (detector_set_batching, as
 * cordon-sensor runs it) does exactly what an unbatched one does.
 *
 *   test_batching [CAPTURE.pcap ...]
 *
 * Every capture in ../shared/captures/ and every capture named on the
 * command line (the enterprise LAN corpus, with and without worms), and a
 * script of frames made for the batch's edges (script_edges), are read by
 * two detectors with the same settings and hash seed, one batched and one
 * not. Both get the same extra calls at the same packets (detector_tick a
 * little ahead of capture time, as a live sensor's timer does, and
 * detector_next_deadline, whose answers are compared); the batched one is
 * also flushed at irregular points besides the end of each read. Compared:
 * every detection and asset report, byte for byte as the sensor would send
 * it (times, evidence and alert_packet included), the deadlines, and the
 * statistics at the end. Batched, no detection may come earlier (during
 * or after which packet) than unbatched; and if any came during a packet's
 * call unbatched, at least one must come later batched (when the batch
 * runs), or the batch was never used.
 *
 * Without the shared captures (a user's machine) they are reported as
 * skipped; with CI=true they must be there.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "detector.h"
#include "pktbuild.h"

#ifndef CAPTURES_DIR
#error CAPTURES_DIR must name the shared captures directory
#endif

/* Everything a run reports, as text. */
struct transcript {
	char *buf;                 /* owned */
	size_t len, cap;
	uint64_t detections;
	uint64_t in_packet;        /* detections delivered during a detector_packet call */
	uint64_t *at;              /* owned: per detection, when it came: 2k - 1 during
	                            * the k-th packet's call, 2k after it */
	size_t at_cap;
	int packet_call;
};

struct feed {
	struct detector *det;      /* owned */
	int linktype;
	int batched;
	uint64_t packets;
	uint64_t rng;              /* this run's flush points (batched only) */
	struct transcript t;
};

static void
say(struct transcript *t, const char *text, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 65536;
		while (cap < t->len + n + 1)
			cap *= 2;
		t->buf = realloc(t->buf, cap);
		assert_non_null(t->buf);
		t->cap = cap;
	}
	memcpy(t->buf + t->len, text, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
on_detection(void *arg, const struct detection *d)
{
	struct feed *f = arg;
	char line[4096];
	int n = detection_to_json(d, "test", line, sizeof(line));

	assert_true(n > 0);
	say(&f->t, line, (size_t)n);
	if (f->t.detections == f->t.at_cap) {
		f->t.at_cap = f->t.at_cap ? f->t.at_cap * 2 : 64;
		f->t.at = realloc(f->t.at, f->t.at_cap * sizeof(*f->t.at));
		assert_non_null(f->t.at);
	}
	f->t.at[f->t.detections++] = 2 * f->packets + (f->t.packet_call ? 1 : 0);
	if (f->t.packet_call)
		f->t.in_packet++;
}

static void
on_seen(void *arg, const struct seen_host *h)
{
	struct feed *f = arg;
	char line[8192];
	int n = seen_to_json(h, "test", line, sizeof(line));

	assert_true(n > 0);
	say(&f->t, line, (size_t)n);
}

/* xorshift64: the same points for every run of the test. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
on_packet(void *arg, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_us, uint64_t index)
{
	struct feed *f = arg;
	/* Calls both runs make, at packets chosen by their index alone. */
	uint64_t h = index * 0x9e3779b97f4a7c15ULL;

	f->t.packet_call = 1;
	detector_packet(f->det, f->linktype, data, caplen, wirelen, ts_us, index);
	f->t.packet_call = 0;
	f->packets++;
	if ((h >> 40) % 997 == 0) {
		/* A live sensor's timer: a little after the packet's time. */
		detector_tick(f->det, ts_us + (h >> 20) % 2000000);
	}
	if ((h >> 40) % 331 == 0) {
		char line[64];
		int n = snprintf(line, sizeof(line), "deadline %llu at %llu\n",
		    (unsigned long long)detector_next_deadline(f->det),
		    (unsigned long long)index);
		say(&f->t, line, (size_t)n);
	}
	if (f->batched && next_rand(&f->rng) % 509 == 0)
		detector_flush(f->det);
}

static void
feed_start(struct feed *f, int batched)
{
	struct det_config cfg;

	memset(f, 0, sizeof(*f));
	f->batched = batched;
	f->rng = 0x2545f4914f6cdd1dULL;
	detcfg_defaults(&cfg);
	cfg.hash_seed = 11;
	cfg.seen_interval_ms = 5000;   /* asset reports come from the clock too */
	f->det = detector_new(&cfg, on_detection, f);
	assert_non_null(f->det);
	detector_set_seen_report(f->det, on_seen, f);
	if (batched)
		assert_int_equal(detector_set_batching(f->det, true), 0);
	f->linktype = DECODE_LINK_ETHERNET;
}

/* The end of the input: what is pending decided, reported, counted. */
static void
feed_end(struct feed *f, struct detector_stats *st)
{
	detector_finish(f->det);
	detector_report_seen(f->det);
	memset(st, 0, sizeof(*st));
	detector_get_stats(f->det, st);
	st->memory_bytes = 0;   /* the batch is memory of its own */
	detector_free(f->det);
	f->det = NULL;
}

static void
run(const char *path, int batched, struct feed *f, struct detector_stats *st)
{
	struct capture *cap;
	char err[512];
	int n;

	feed_start(f, batched);
	cap = capture_open_file(path, err, sizeof(err));
	if (cap == NULL)
		fail_msg("%s", err);
	f->linktype = capture_linktype(cap);
	/* Reads of the sensor's size, each followed by a flush as it does. */
	while ((n = capture_dispatch(cap, 4096, on_packet, f, err, sizeof(err))) > 0)
		if (batched)
			detector_flush(f->det);
	if (n < 0)
		fail_msg("%s: %s", path, err);
	capture_close(cap);
	feed_end(f, st);
}

/*
 * When the detections came. Unbatched, a detection comes during the packet
 * that decides it; batched, the batch holds it until the batch runs (when
 * it fills, at a flush, at the end): never earlier, and, if any came during
 * a packet's call unbatched, at least one later, or the batch was never
 * used. Returns how many came later.
 */
static size_t
compare_timing(const char *path, const struct transcript *plain, const struct transcript *batched)
{
	size_t i, later = 0;

	assert_int_equal(plain->detections, batched->detections);
	for (i = 0; i < plain->detections; i++) {
		if (batched->at[i] < plain->at[i])
			fail_msg("%s: detection %zu came at %llu batched, before %llu unbatched "
			    "(2k - 1: during the k-th packet, 2k: after it)",
			    path, i + 1, (unsigned long long)batched->at[i],
			    (unsigned long long)plain->at[i]);
		if (batched->at[i] > plain->at[i])
			later++;
	}
	if (plain->in_packet > 0 && later == 0)
		fail_msg("%s: batched, every detection came when it did unbatched", path);
	return later;
}

/* Where two transcripts part, for the failure message. */
static void
show_difference(const char *path, const struct transcript *a, const struct transcript *b)
{
	size_t i = 0, line_start = 0;

	while (i < a->len && i < b->len && a->buf[i] == b->buf[i]) {
		if (a->buf[i] == '\n')
			line_start = i + 1;
		i++;
	}
	fail_msg("%s: batched and unbatched runs differ at byte %zu:\n  unbatched: %.300s\n  batched:   %.300s",
	    path, i, a->buf ? a->buf + line_start : "", b->buf ? b->buf + line_start : "");
}

static void
compare_capture(void **state)
{
	const char *path = *state;
	struct feed plain, batched;
	struct detector_stats s1, s2;
	size_t later;

	run(path, 0, &plain, &s1);
	run(path, 1, &batched, &s2);
	if (plain.t.len != batched.t.len ||
	    (plain.t.len > 0 && memcmp(plain.t.buf, batched.t.buf, plain.t.len) != 0))
		show_difference(path, &plain.t, &batched.t);
	assert_int_equal(plain.packets, batched.packets);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	later = compare_timing(path, &plain.t, &batched.t);
	print_message("%s: %llu packets, %llu detections (%llu delivered by the packet that "
	    "decided them, %zu later when batched), %zu bytes of reports\n",
	    path, (unsigned long long)plain.packets, (unsigned long long)plain.t.detections,
	    (unsigned long long)plain.t.in_packet, later, plain.t.len);
	free(plain.t.buf);
	free(batched.t.buf);
	free(plain.t.at);
	free(batched.t.at);
}

/* ---- the script ------------------------------------------------------------ */

#define SCRIPT_T0 (1700000000ULL * 1000000)   /* µs */
#define DAY_MS (86400ULL * 1000)

static void
frame(struct feed *f, const uint8_t *b, size_t len, uint64_t t_ms)
{
	on_packet(f, b, (uint32_t)len, (uint32_t)len, SCRIPT_T0 + t_ms * 1000, f->packets + 1);
}

/*
 * Frames for the batch's edges, each preceded by a packet the engines want
 * so that the batch is not empty when it comes: the clock's moves alone
 * (an established connection, one segment a millisecond) filling a batch;
 * a DHCP acknowledgement (run at once) and queries to the subnet it teaches
 * (directed broadcasts) with their answers; worms on silent and answering
 * targets, a ping sweep, an ARP sweep; then a jump of 25 days in capture
 * time (the state cleared) while packets wait, and a worm after it.
 */
static void
script(struct feed *f)
{
	uint8_t b[PB_MAX];
	char a[32], c[32];
	uint64_t t;
	int i;

	frame(f, b, pb_tcp(b, "10.20.1.5", 40000, "10.20.1.6", 80, 0x02), 0);
	for (i = 1; i <= 700; i++)
		frame(f, b, pb_tcp(b, "10.20.1.6", 80, "10.20.1.5", 40000, 0x10), (uint64_t)i);
	frame(f, b, pb_tcp(b, "10.20.1.99", 40001, "10.20.1.200", 445, 0x02), 705);
	/* To the subnet's broadcast address before the subnet is known: a probe. */
	frame(f, b, pb_udp(b, "10.20.1.51", 40000, "10.20.1.255", 9999, 20, 1, 0), 705);
	frame(f, b, pb_dhcp_ack(b), 706);
	frame(f, b, pb_udp(b, "10.20.1.50", 40000, "10.20.1.255", 9999, 20, 1, 0), 707);
	for (i = 0; i < 10; i++) {
		snprintf(a, sizeof(a), "10.20.1.%d", 60 + i);
		frame(f, b, pb_udp(b, a, 9999, "10.20.1.50", 40000, 20, 2, 0), 708 + (uint64_t)i);
	}
	for (i = 0; i < 40; i++) {
		t = 1000 + (uint64_t)i * 80;
		snprintf(a, sizeof(a), "10.20.2.%d", 10 + i);
		frame(f, b, pb_tcp(b, "10.20.1.99", (uint16_t)(40100 + i), a, 445, 0x02), t);
		snprintf(c, sizeof(c), "10.20.3.%d", 10 + i);
		frame(f, b, pb_tcp(b, "10.20.1.98", (uint16_t)(40100 + i), c, 22, 0x02), t + 1);
		frame(f, b, pb_tcp(b, c, 22, "10.20.1.98", (uint16_t)(40100 + i), 0x12), t + 2);
		snprintf(c, sizeof(c), "10.20.4.%d", 10 + i);
		frame(f, b, pb_icmp_echo(b, "10.20.1.97", c, 8, 28, 0), t + 3);
		if (i % 4 == 0)
			frame(f, b, pb_icmp_echo(b, c, "10.20.1.97", 0, 28, 0), t + 4);
		snprintf(c, sizeof(c), "10.20.1.%d", 100 + i);
		frame(f, b, pb_arp_request(b, "10.20.1.96", c), t + 5);
		snprintf(c, sizeof(c), "10.20.5.%d", 10 + i);
		frame(f, b, pb_tcp(b, "10.20.1.95", (uint16_t)(40100 + i), c, 135, 0x02), t + 6);
		frame(f, b, pb_tcp(b, c, 135, "10.20.1.95", (uint16_t)(40100 + i), 0x14), t + 7);
	}
	frame(f, b, pb_tcp(b, "10.20.1.99", 41000, "10.20.6.1", 445, 0x02), 5000);
	frame(f, b, pb_tcp(b, "10.20.1.99", 41001, "10.20.6.2", 445, 0x02), 25 * DAY_MS);
	for (i = 0; i < 20; i++) {
		snprintf(a, sizeof(a), "10.20.7.%d", 10 + i);
		frame(f, b, pb_tcp(b, "10.20.1.94", (uint16_t)(41100 + i), a, 23, 0x02),
		    25 * DAY_MS + 100 + (uint64_t)i * 100);
	}
}

static void
script_edges(void **state)
{
	struct feed plain, batched;
	struct detector_stats s1, s2;
	size_t later;

	(void)state;
	feed_start(&plain, 0);
	script(&plain);
	feed_end(&plain, &s1);
	feed_start(&batched, 1);
	script(&batched);
	feed_end(&batched, &s2);
	if (plain.t.len != batched.t.len || memcmp(plain.t.buf, batched.t.buf, plain.t.len) != 0)
		show_difference("script", &plain.t, &batched.t);
	later = compare_timing("script", &plain.t, &batched.t);
	print_message("script: %llu packets, %llu detections (%llu delivered by the packet that "
	    "decided them, %zu later when batched), %llu clock resets, %llu subnets learned\n",
	    (unsigned long long)plain.packets, (unsigned long long)plain.t.detections,
	    (unsigned long long)plain.t.in_packet, later,
	    (unsigned long long)s1.clock_resets, (unsigned long long)s1.subnets_learned);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	/* The script reaches what it was written for. */
	assert_int_equal(s1.clock_resets, 1);
	assert_int_equal(s1.subnets_learned, 1);
	assert_true(s1.group_replies >= 10);
	assert_true(s1.detections[ENGINE_TRW] >= 2);
	assert_true(s1.detections[ENGINE_ICMP_SWEEP] >= 1);
	assert_true(s1.detections[ENGINE_ARP_SWEEP] >= 1);
	assert_true(plain.t.in_packet > 0);
	free(plain.t.buf);
	free(batched.t.buf);
	free(plain.t.at);
	free(batched.t.at);
}

static int
is_pcap(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".pcap") == 0;
}

int
main(int argc, char **argv)
{
	struct CMUnitTest tests[64];
	char *paths[64];
	size_t ntests = 0, nowned, i;
	int rc;
	DIR *dir = opendir(CAPTURES_DIR);
	const char *ci = getenv("CI");

	if (dir == NULL) {
		if (ci != NULL && strcmp(ci, "true") == 0) {
			fprintf(stderr, "test_batching: %s is missing (CI=true: recorded captures are required)\n",
			    CAPTURES_DIR);
			return 1;
		}
		printf("SKIPPED: the shared captures (%s are not here)\n", CAPTURES_DIR);
	} else {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL && ntests < 48) {
			if (!is_pcap(e->d_name))
				continue;
			paths[ntests] = malloc(strlen(CAPTURES_DIR) + strlen(e->d_name) + 2);
			if (paths[ntests] == NULL)
				return 1;
			sprintf(paths[ntests], "%s/%s", CAPTURES_DIR, e->d_name);
			ntests++;
		}
		closedir(dir);
		if (ntests == 0) {
			fprintf(stderr, "test_batching: no capture in %s\n", CAPTURES_DIR);
			return 1;
		}
	}
	nowned = ntests;
	for (i = 1; i < (size_t)argc && ntests < 63; i++)
		paths[ntests++] = argv[i];
	for (i = 0; i < ntests; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = paths[i];
		tests[i].test_func = compare_capture;
		tests[i].initial_state = paths[i];
	}
	memset(&tests[ntests], 0, sizeof(tests[ntests]));
	tests[ntests].name = "script_edges";
	tests[ntests].test_func = script_edges;
	rc = _cmocka_run_group_tests("batching", tests, ntests + 1, NULL, NULL);
	for (i = 0; i < nowned; i++)
		free(paths[i]);
	return rc;
}
