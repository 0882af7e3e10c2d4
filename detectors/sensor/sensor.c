/* SPDX-License-Identifier: ISC */
#include "sensor.h"

#include <string.h>
#include <sys/resource.h>

#include "detection.h"

#define FILE_BATCH 4096

void
sensor_emit(void *arg, const struct detection *d)
{
	struct sensor *s = arg;
	char line[2048];
	int n = detection_to_json(d, s->name, line, sizeof(line));

	if (n < 0) {
		s->json_errors++;
		return;
	}
	for (size_t i = 0; i < s->nout; i++)
		output_line(s->out[i], OUTPUT_DETECTION, line, (size_t)n);
}

void
sensor_seen(void *arg, const struct seen_host *h)
{
	struct sensor *s = arg;
	char line[8192];   /* a report with SEEN_MAX_SERVICES services takes about 4 KiB */
	int n = seen_to_json(h, s->name, line, sizeof(line));

	if (n < 0) {
		s->json_errors++;
		return;
	}
	s->seen_reports++;
	for (size_t i = 0; i < s->nout; i++)
		output_line(s->out[i], OUTPUT_SEEN, line, (size_t)n);
}

int
sensor_dispatch(struct sensor *s, int max)
{
	char err[512];
	int n = capture_dispatch(s->cap, max, detector_frame, s->det, err,
	    sizeof(err));

	/* What the read brought is seen before anything else happens. */
	detector_flush(s->det);

	if (n < 0)
		fprintf(stderr, "cordon-sensor: %s: %s\n", s->source, err);
	return n;
}

int
sensor_run_file(struct sensor *s)
{
	int n;

	if (s->confine != NULL)
		s->confine(s);
	while (!s->stop_requested) {
		n = sensor_dispatch(s, FILE_BATCH);
		if (n < 0)
			return -1;
		if (n == 0) {
			detector_finish(s->det);
			break;
		}
		if (s->summary_requested) {
			s->summary_requested = 0;
			sensor_print_summary(s, stderr);
		}
	}
	return 0;
}

void
sensor_print_summary(struct sensor *s, FILE *f)
{
	struct detector_stats ds;
	struct output_stats os;
	uint64_t drop = 0, ifdrop = 0, total = 0, errors;
	int e;

	detector_get_stats(s->det, &ds);
	capture_drops(s->cap, &drop, &ifdrop);
	for (e = 0; e < ENGINE_COUNT; e++)
		total += ds.detections[e];
	errors = ds.decode[DECODE_TRUNCATED] + ds.decode[DECODE_MALFORMED];
	fprintf(f, "cordon-sensor summary (%s, link type %s)\n", s->source,
	    capture_linktype_name(s->cap));
	fprintf(f, "  packets          %llu (%llu bytes)\n",
	    (unsigned long long)ds.packets, (unsigned long long)ds.bytes);
	fprintf(f, "  decode errors    %llu (truncated %llu, malformed %llu); not IP/ARP %llu\n",
	    (unsigned long long)errors, (unsigned long long)ds.decode[DECODE_TRUNCATED],
	    (unsigned long long)ds.decode[DECODE_MALFORMED],
	    (unsigned long long)ds.decode[DECODE_UNSUPPORTED]);
	if (drop || ifdrop)
		fprintf(f, "  kernel drops     %llu (interface %llu)\n",
		    (unsigned long long)drop, (unsigned long long)ifdrop);
	fprintf(f, "  sources tracked  %llu now, %llu seen\n",
	    (unsigned long long)ds.sources_tracked, (unsigned long long)ds.sources_created);
	fprintf(f, "  evictions        %llu (sources %llu, pairs %llu, fan-out %llu)\n",
	    (unsigned long long)ds.evictions, (unsigned long long)ds.evictions_sources,
	    (unsigned long long)ds.evictions_pairs, (unsigned long long)ds.evictions_fanout);
	fprintf(f, "  services         %llu tracked now (evicted %llu)\n",
	    (unsigned long long)ds.services_tracked, (unsigned long long)ds.evictions_services);
	fprintf(f, "  first contacts   timeout %u ms (from %llu answers; %llu answered late), "
	    "%llu not timed\n", ds.timeout_ms, (unsigned long long)ds.answer_samples,
	    (unsigned long long)ds.answers_late, (unsigned long long)ds.timeouts_dropped);
	fprintf(f, "  replies          %llu group queries, %llu answers to them, %llu discovery/DHCP, "
	    "%llu subnets learned\n", (unsigned long long)ds.group_queries,
	    (unsigned long long)ds.group_replies, (unsigned long long)ds.discovery_datagrams,
	    (unsigned long long)ds.subnets_learned);
	fprintf(f, "  state memory     %llu bytes (%u per source, %u per pair, %u per fan-out record)\n",
	    (unsigned long long)ds.memory_bytes, ds.source_record_bytes,
	    ds.pair_record_bytes, ds.fanout_record_bytes);
	fprintf(f, "  detections       %llu:", (unsigned long long)total);
	for (e = 0; e < ENGINE_COUNT; e++)
		fprintf(f, " %s %llu", det_engine_name((enum det_engine)e),
		    (unsigned long long)ds.detections[e]);
	fprintf(f, "\n");
	fprintf(f, "  asset reports    %llu\n", (unsigned long long)s->seen_reports);
	{
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			fprintf(f, "  peak memory      %ld KiB (resident)\n", ru.ru_maxrss);
	}
	for (size_t i = 0; i < s->nout; i++) {
		output_get_stats(s->out[i], &os);
		if (s->nout > 1)
			fprintf(f, "  to %s\n", s->outspec[i]);
		fprintf(f, "  events           sent %llu, queued %llu, dropped %llu "
		    "(queue full: detections %llu, asset reports %llu; too large %llu)%s%s\n",
		    (unsigned long long)(os.sent[OUTPUT_DETECTION] + os.sent[OUTPUT_SEEN]),
		    (unsigned long long)(os.queued[OUTPUT_DETECTION] + os.queued[OUTPUT_SEEN]),
		    (unsigned long long)(os.dropped[OUTPUT_DETECTION] + os.dropped[OUTPUT_SEEN] +
			s->json_errors),
		    (unsigned long long)os.dropped[OUTPUT_DETECTION],
		    (unsigned long long)os.dropped[OUTPUT_SEEN],
		    (unsigned long long)s->json_errors,
		    *output_error(s->out[i]) ? "; last error: " : "", output_error(s->out[i]));
	}
	fflush(f);
}
