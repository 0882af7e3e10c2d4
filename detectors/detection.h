/* SPDX-License-Identifier: ISC */
/*
 * detection: what an engine found, with its evidence. The JSON form of a
 * detection (one object per line) is documented in docs/detection-events.md.
 */
#ifndef CORDON_DETECTION_H
#define CORDON_DETECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

enum det_engine {
	ENGINE_FANOUT = 0,   /* many destinations on one exposed port */
	ENGINE_TRW,          /* threshold random walk on first contacts */
	ENGINE_VSCAN,        /* many ports on one destination */
	ENGINE_SIGNATURE,    /* one packet is proof */
	ENGINE_ICMP_SWEEP,   /* ICMP echo to many destinations */
	ENGINE_ARP_SWEEP,    /* ARP who-has for many addresses */
	ENGINE_ND_SWEEP,     /* IPv6 neighbour solicitations for many addresses */
	ENGINE_BUSY,         /* a notice, not evidence: high fan-out, all of it answered */
	ENGINE_COUNT
};
/* The engine names, comma separated, for messages. */
#define DET_ENGINE_LIST "fanout, trw, vscan, signature, icmp_sweep, arp_sweep, nd_sweep, busy"
enum {
	DET_ENGINE_COUNT_CHECK = 1 / (ENGINE_COUNT <= 8)   /* a source's alert bits are one byte */
};

/* A sensor's name as its reports carry it ("sensor"), with the NUL. */
#define DET_SENSOR_LEN 64

struct detection {
	enum det_engine engine;
	const char *signature;  /* static name when engine is SIGNATURE, else NULL */
	struct ip_addr src;
	bool has_mac;
	uint8_t mac[6];
	int vlan;               /* -1 when untagged */
	uint8_t proto;          /* IP protocol number; 0 for ARP */
	bool is_arp;
	bool has_dport;
	uint16_t dport;
	bool has_dst;           /* the single target (vscan, signature) */
	struct ip_addr dst;
	uint64_t time_us;       /* capture time of the alerting packet, µs since the epoch */
	/* evidence */
	uint32_t probes;
	uint32_t failures;
	uint32_t distinct_dsts;
	uint32_t distinct_ports;
	uint64_t first_seen_us;
	uint64_t alert_packet;  /* 1-based index of the alerting packet in the capture */
	char sensor[DET_SENSOR_LEN]; /* the reporting sensor's name ("" when the line has none);
	                                read from the line, not written by detection_to_json */
};

/*
 * Services a seen report lists at most: each exposed port (DETCFG_MAX_PORTS)
 * over TCP and UDP.
 */
#define SEEN_MAX_SERVICES 32

/* A service a host was seen answering on (a SYN-ACK, a UDP reply from the port). */
struct seen_service {
	uint8_t proto;          /* IPPROTO_NUM_TCP or IPPROTO_NUM_UDP */
	uint16_t port;
	uint64_t first_seen_us;
	uint64_t last_seen_us;
};

/* A host a sensor saw (the controller's asset list). */
struct seen_host {
	struct ip_addr ip;
	bool has_mac;
	uint8_t mac[6];
	int vlan;               /* -1 when untagged */
	uint64_t time_us;       /* when the report was made (capture time) */
	uint64_t first_seen_us;
	uint64_t last_seen_us;
	char sensor[DET_SENSOR_LEN]; /* as in struct detection */
	unsigned nservices;     /* at most SEEN_MAX_SERVICES */
	struct seen_service services[SEEN_MAX_SERVICES];
};

/* {"type":"seen",...} line (with '\n'); returns the length or -1. */
int seen_to_json(const struct seen_host *h, const char *sensor, char *buf, size_t len);
/* Parses a "seen" line. Returns 0, or -1 with the offending field in err. */
int seen_from_json(const char *line, size_t len, struct seen_host *h, char *err,
    size_t errlen);
/* Whether a line is a "seen" report rather than a detection (cheap check). */
bool event_line_is_seen(const char *line, size_t len);

const char *det_engine_name(enum det_engine e);
/* Returns the engine of that name, or -1. */
int det_engine_from_name(const char *name);

/*
 * Writes the detection as one JSON object followed by '\n' into buf, NUL
 * terminated. `sensor` names the sensor (may be NULL). Returns the length
 * written, or -1 if it did not fit.
 */
int detection_to_json(const struct detection *d, const char *sensor, char *buf,
    size_t len);

/*
 * Parses one event line (the JSON form above) into `d`. Hostile input: every
 * field is type- and range-checked. Returns 0, or -1 with the offending
 * field and value in err. d->signature then points to a static name.
 */
int detection_from_json(const char *line, size_t len, struct detection *d,
    char *err, size_t errlen);

/*
 * Messages that quote a refused value (the detectors' and the controller's
 * parsers): the value as compact JSON, printable ASCII only (anything else,
 * DEL too, \u-escaped: safe in a JSON reply or a log line, and a cut never
 * splits a character); its first 60 characters, cut at a whole escape
 * sequence (a surrogate pair kept whole) and then followed by "...";
 * "nothing" when `v` is NULL (the field is missing). `v` is a jansson
 * json_t, borrowed (this header does not include jansson).
 *
 * Ownership: the text is written into the caller's `buf` of `len` bytes
 * (QUOTE_LEN holds any; a shorter buf gets a shorter cut) and buf is
 * returned. Nothing is allocated for the caller, nothing is to be freed.
 */
#define QUOTE_LEN 64
struct json_t;
char *quote_json_value(const struct json_t *v, char *buf, size_t len);
/*
 * The same for text that is not (yet) a JSON value, such as a query
 * string's parameter (any bytes): shown as a JSON string, with each byte
 * outside printable ASCII as '?' when the text is not valid UTF-8. NULL:
 * "nothing". Writes into the caller's `buf` and returns it, as above.
 */
char *quote_json_text(const char *s, char *buf, size_t len);

/* Parses ISO 8601 UTC ("2003-10-10T22:02:49.239104Z", fraction optional). */
int time_us_from_iso(const char *s, uint64_t *us);

/* ISO 8601 UTC text of a µs timestamp, e.g. 2003-10-10T22:02:49.239104Z; buf needs 32. */
char *time_us_to_iso(uint64_t us, char *buf, size_t len);

#endif
