/* SPDX-License-Identifier: ISC */
/*
 * detection: engine names, timestamps, and the JSON form of a detection.
 * This is the one module of the detectors that includes jansson.
 */
#include "detection.h"
#include "signature.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const engine_names[ENGINE_COUNT] = {
	[ENGINE_FANOUT] = "fanout",
	[ENGINE_TRW] = "trw",
	[ENGINE_VSCAN] = "vscan",
	[ENGINE_SIGNATURE] = "signature",
	[ENGINE_ICMP_SWEEP] = "icmp_sweep",
	[ENGINE_ARP_SWEEP] = "arp_sweep",
	[ENGINE_ND_SWEEP] = "nd_sweep",
	[ENGINE_BUSY] = "busy",
};

const char *
det_engine_name(enum det_engine e)
{
	if ((unsigned)e >= ENGINE_COUNT)
		return "?";
	return engine_names[e];
}

int
det_engine_from_name(const char *name)
{
	int i;

	for (i = 0; i < ENGINE_COUNT; i++)
		if (strcmp(engine_names[i], name) == 0)
			return i;
	return -1;
}

char *
time_us_to_iso(uint64_t us, char *buf, size_t len)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	char date[24];

	if (gmtime_r(&secs, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%s.%06uZ", date, (unsigned)(us % 1000000));
	return buf;
}

static const char *
proto_name(const struct detection *d, char *buf, size_t len)
{
	if (d->is_arp)
		return "arp";
	switch (d->proto) {
	case IPPROTO_NUM_TCP: return "tcp";
	case IPPROTO_NUM_UDP: return "udp";
	case IPPROTO_NUM_ICMP: return "icmp";
	case IPPROTO_NUM_ICMPV6: return "icmpv6";
	default:
		snprintf(buf, len, "%u", d->proto);
		return buf;
	}
}

/* The "mac" and "vlan" members of an event object. */
static void
put_mac_vlan(json_t *o, bool has_mac, const uint8_t mac[6], int vlan)
{
	char text[24];

	if (has_mac) {
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		    mac[2], mac[3], mac[4], mac[5]);
		json_object_set_new(o, "mac", json_string(text));
	} else {
		json_object_set_new(o, "mac", json_null());
	}
	json_object_set_new(o, "vlan", vlan >= 0 ? json_integer(vlan) : json_null());
}

/* Writes `o` (consumed) as one line with its '\n' into buf. */
static int
dump_line(json_t *o, char *buf, size_t len)
{
	size_t n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (n == 0 || n + 2 > len)
		return -1;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)(n + 1);
}

int
detection_to_json(const struct detection *d, const char *sensor, char *buf,
    size_t len)
{
	char ip[64], ts[40], first[40], pbuf[8];
	json_t *o, *ev;

	o = json_object();
	ev = json_object();
	if (o == NULL || ev == NULL) {
		json_decref(o);
		json_decref(ev);
		return -1;
	}
	json_object_set_new(o, "time", json_string(time_us_to_iso(d->time_us, ts, sizeof(ts))));
	if (sensor != NULL)
		json_object_set_new(o, "sensor", json_string(sensor));
	json_object_set_new(o, "src", json_string(ip_to_str(&d->src, ip, sizeof(ip))));
	put_mac_vlan(o, d->has_mac, d->mac, d->vlan);
	json_object_set_new(o, "engine", json_string(det_engine_name(d->engine)));
	if (d->signature != NULL)
		json_object_set_new(o, "signature", json_string(d->signature));
	json_object_set_new(o, "proto", json_string(proto_name(d, pbuf, sizeof(pbuf))));
	json_object_set_new(o, "dport", d->has_dport ? json_integer(d->dport) : json_null());
	if (d->has_dst)
		json_object_set_new(o, "dst", json_string(ip_to_str(&d->dst, ip, sizeof(ip))));
	json_object_set_new(ev, "probes", json_integer(d->probes));
	json_object_set_new(ev, "failures", json_integer(d->failures));
	json_object_set_new(ev, "distinct_dsts", json_integer(d->distinct_dsts));
	if (d->engine == ENGINE_VSCAN)
		json_object_set_new(ev, "distinct_ports", json_integer(d->distinct_ports));
	json_object_set_new(ev, "first_seen",
	    json_string(time_us_to_iso(d->first_seen_us, first, sizeof(first))));
	json_object_set_new(ev, "alert_packet", json_integer((json_int_t)d->alert_packet));
	json_object_set_new(o, "evidence", ev);
	return dump_line(o, buf, len);
}

int
time_us_from_iso(const char *s, uint64_t *us)
{
	struct tm tm;
	int n = 0, y, mo, d, h, mi, sec;
	unsigned long frac = 0;
	int fdigits = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	s += n;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (fdigits < 6) {
				frac = frac * 10 + (unsigned long)(*s - '0');
				fdigits++;
			}
			s++;
		}
		if (fdigits == 0)
			return -1;
		while (fdigits < 6) {
			frac *= 10;
			fdigits++;
		}
	}
	if (strcmp(s, "Z") != 0)
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t < 0)
		return -1;
	*us = (uint64_t)t * 1000000 + frac;
	return 0;
}

/* The length of the escape sequence or character at s[k] of JSON text that
 * is ASCII only: \uXXXX six, a surrogate pair twelve, the others two. */
static size_t
escape_len(const char *s, size_t k)
{
	if (s[k] != '\\')
		return 1;
	if (s[k + 1] != 'u')
		return 2;
	if ((s[k + 2] == 'D' || s[k + 2] == 'd') && s[k + 3] != '\0' &&
	    strchr("89ABab", s[k + 3]) != NULL)
		return 12;
	return 6;
}

/*
 * Copies JSON text `s` (ASCII only) into buf, whole escape sequences or
 * none, at most `max` characters, with DEL (which JSON leaves as it is)
 * escaped too. Returns the length written (not terminated); *whole says
 * whether all of s fit.
 */
static size_t
copy_cut(const char *s, char *buf, size_t max, bool *whole)
{
	size_t k, next, out = 0;

	*whole = false;
	for (k = 0; s[k] != '\0'; k = next) {
		const char *unit = s + k;
		size_t ulen = escape_len(s, k);
		next = k + ulen;
		if (memchr(unit, '\0', ulen) != NULL)    /* a sequence cut short: not from jansson */
			return out;
		if (*unit == 0x7f) {
			unit = "\\u007F";
			ulen = 6;
		}
		if (out + ulen > max)
			return out;
		memcpy(buf + out, unit, ulen);
		out += ulen;
	}
	*whole = true;
	return out;
}

char *
quote_json_value(const struct json_t *v, char *buf, size_t len)
{
	char *s;
	size_t out;
	bool whole;

	if (len == 0)
		return buf;
	if (v == NULL) {
		snprintf(buf, len, "nothing");
		return buf;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s == NULL) {        /* out of memory */
		snprintf(buf, len, "(a value that could not be shown)");
		return buf;
	}
	out = copy_cut(s, buf, len - 1 < 60 ? len - 1 : 60, &whole);
	if (!whole) {
		/* Cut, with room for "..." and the NUL after it. */
		out = copy_cut(s, buf, len < 4 ? 0 : len - 4 < 60 ? len - 4 : 60, &whole);
		out += (size_t)snprintf(buf + out, len - out, "...");
		if (out >= len)
			out = len - 1;
	}
	buf[out] = '\0';
	free(s);
	return buf;
}

char *
quote_json_text(const char *s, char *buf, size_t len)
{
	json_t *j;

	if (s == NULL)
		return quote_json_value(NULL, buf, len);
	j = json_string(s);
	if (j == NULL) {
		/* Not UTF-8. Its first 63 bytes are enough: more than are shown. */
		char shown[64];
		size_t i;
		for (i = 0; s[i] && i + 1 < sizeof(shown); i++)
			shown[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
		shown[i] = '\0';
		j = json_string(shown);
	}
	quote_json_value(j, buf, len);
	json_decref(j);
	return buf;
}

/* The offending field, what it must be and what it was (quote_json_value). */
static int
bad(char *err, size_t errlen, const char *field, const json_t *got, const char *why)
{
	char text[QUOTE_LEN];

	snprintf(err, errlen, "field '%s': %s, got %s", field, why,
	    quote_json_value(got, text, sizeof(text)));
	return -1;
}

static int
get_count(json_t *obj, const char *key, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return bad(err, errlen, key, v, "expected a whole number within range");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* The "mac" and "vlan" fields (each may be absent or null). */
static int
get_mac_vlan(json_t *o, bool *has_mac, uint8_t mac[6], int *vlan, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "mac");

	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || mac_from_str(json_string_value(v), mac) != 0 ||
		    !mac_is_host(mac))
			return bad(err, errlen, "mac", v,
			    "expected a host's MAC aa:bb:cc:dd:ee:ff (no group or zero address) or null");
		*has_mac = true;
	}
	v = json_object_get(o, "vlan");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4095)
			return bad(err, errlen, "vlan", v, "expected 0 to 4095 or null");
		*vlan = (int)json_integer_value(v);
	}
	return 0;
}

/* The "sensor" field (absent or null: ""); at most DET_SENSOR_LEN - 1 characters. */
static int
get_sensor(json_t *o, char sensor[DET_SENSOR_LEN], char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "sensor");

	sensor[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= DET_SENSOR_LEN ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return bad(err, errlen, "sensor", v, "expected a name of at most 63 characters");
	memcpy(sensor, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int
detection_from_json(const char *line, size_t len, struct detection *d,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o, *v, *ev;
	uint64_t u;
	int rc = -1, e;

	memset(d, 0, sizeof(*d));
	d->vlan = -1;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		snprintf(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return -1;
	}
	if (!json_is_object(o)) {
		bad(err, errlen, "(line)", o, "expected a JSON object");
		goto out;
	}
	v = json_object_get(o, "src");
	if (!json_is_string(v) || ip_from_str(json_string_value(v), &d->src) != 0 ||
	    ip_is_special(&d->src)) {
		bad(err, errlen, "src", v, "expected a unicast IPv4 or IPv6 address");
		goto out;
	}
	v = json_object_get(o, "engine");
	if (!json_is_string(v) || (e = det_engine_from_name(json_string_value(v))) < 0) {
		bad(err, errlen, "engine", v, "expected one of " DET_ENGINE_LIST);
		goto out;
	}
	d->engine = (enum det_engine)e;
	v = json_object_get(o, "time");
	if (v != NULL && (!json_is_string(v) || time_us_from_iso(json_string_value(v), &d->time_us) != 0)) {
		bad(err, errlen, "time", v, "expected ISO 8601 UTC, e.g. 2003-10-10T22:02:49.239104Z");
		goto out;
	}
	if (get_mac_vlan(o, &d->has_mac, d->mac, &d->vlan, err, errlen) != 0 ||
	    get_sensor(o, d->sensor, err, errlen) != 0)
		goto out;
	v = json_object_get(o, "signature");
	if (v != NULL) {
		if (json_is_string(v))
			d->signature = sig_name_known(json_string_value(v));
		if (d->signature == NULL) {
			bad(err, errlen, "signature", v, "expected slammer, welchia, blaster, dcom_rpc, lsass, eternalblue or doublepulsar");
			goto out;
		}
	}
	v = json_object_get(o, "proto");
	if (v != NULL) {
		const char *p = json_is_string(v) ? json_string_value(v) : "";
		if (strcmp(p, "tcp") == 0) d->proto = IPPROTO_NUM_TCP;
		else if (strcmp(p, "udp") == 0) d->proto = IPPROTO_NUM_UDP;
		else if (strcmp(p, "icmp") == 0) d->proto = IPPROTO_NUM_ICMP;
		else if (strcmp(p, "icmpv6") == 0) d->proto = IPPROTO_NUM_ICMPV6;
		else if (strcmp(p, "arp") == 0) d->is_arp = true;
		else {
			char *end;
			unsigned long n = strtoul(p, &end, 10);
			if (*p == '\0' || *end != '\0' || n > 255) {
				bad(err, errlen, "proto", v, "expected tcp, udp, icmp, icmpv6, arp or a protocol number");
				goto out;
			}
			d->proto = (uint8_t)n;
		}
	}
	v = json_object_get(o, "dport");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
			bad(err, errlen, "dport", v, "expected 0 to 65535 or null");
			goto out;
		}
		d->has_dport = true;
		d->dport = (uint16_t)json_integer_value(v);
	}
	v = json_object_get(o, "dst");
	if (v != NULL) {
		if (!json_is_string(v) || ip_from_str(json_string_value(v), &d->dst) != 0) {
			bad(err, errlen, "dst", v, "expected an IPv4 or IPv6 address");
			goto out;
		}
		d->has_dst = true;
	}
	ev = json_object_get(o, "evidence");
	if (ev != NULL) {
		if (!json_is_object(ev)) {
			bad(err, errlen, "evidence", ev, "expected an object");
			goto out;
		}
		if (get_count(ev, "probes", UINT32_MAX, &u, err, errlen)) goto out;
		d->probes = (uint32_t)u;
		if (get_count(ev, "failures", UINT32_MAX, &u, err, errlen)) goto out;
		d->failures = (uint32_t)u;
		if (get_count(ev, "distinct_dsts", UINT32_MAX, &u, err, errlen)) goto out;
		d->distinct_dsts = (uint32_t)u;
		if (get_count(ev, "distinct_ports", UINT32_MAX, &u, err, errlen)) goto out;
		d->distinct_ports = (uint32_t)u;
		if (get_count(ev, "alert_packet", UINT64_MAX >> 1, &d->alert_packet, err, errlen)) goto out;
		v = json_object_get(ev, "first_seen");
		if (v != NULL && (!json_is_string(v) ||
		    time_us_from_iso(json_string_value(v), &d->first_seen_us) != 0)) {
			bad(err, errlen, "evidence.first_seen", v, "expected ISO 8601 UTC");
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* ---- "seen" reports (the asset list) ------------------------------------------ */

/* JSON's whitespace between tokens. */
static size_t
skip_ws(const char *p, size_t i, size_t len)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

bool
event_line_is_seen(const char *line, size_t len)
{
	static const char key[] = "\"type\"", value[] = "\"seen\"";
	const char *p = line, *end = line + len, *k;

	/* "type" : "seen", spaced as any JSON writer may; the full parse
	 * (seen_from_json or the detection's) judges the rest. */
	while ((k = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) != NULL) {
		size_t i = skip_ws(line, (size_t)(k - line) + sizeof(key) - 1, len);
		if (i < len && line[i] == ':') {
			i = skip_ws(line, i + 1, len);
			if (len - i >= sizeof(value) - 1 && memcmp(line + i, value, sizeof(value) - 1) == 0)
				return true;
		}
		p = k + 1;
	}
	return false;
}

int
seen_to_json(const struct seen_host *h, const char *sensor, char *buf, size_t len)
{
	char ip[64], ts[40], first[40], last[40];
	json_t *o = json_object();

	if (o == NULL)
		return -1;
	json_object_set_new(o, "type", json_string("seen"));
	json_object_set_new(o, "time", json_string(time_us_to_iso(h->time_us, ts, sizeof(ts))));
	if (sensor != NULL)
		json_object_set_new(o, "sensor", json_string(sensor));
	json_object_set_new(o, "src", json_string(ip_to_str(&h->ip, ip, sizeof(ip))));
	put_mac_vlan(o, h->has_mac, h->mac, h->vlan);
	json_object_set_new(o, "first_seen", json_string(time_us_to_iso(h->first_seen_us, first, sizeof(first))));
	json_object_set_new(o, "last_seen", json_string(time_us_to_iso(h->last_seen_us, last, sizeof(last))));
	if (h->nservices > 0) {
		json_t *arr = json_array();
		for (unsigned i = 0; i < h->nservices && i < SEEN_MAX_SERVICES; i++) {
			const struct seen_service *sv = &h->services[i];
			json_t *e = json_object();
			json_object_set_new(e, "proto", json_string(sv->proto == IPPROTO_NUM_UDP ? "udp" : "tcp"));
			json_object_set_new(e, "port", json_integer(sv->port));
			json_object_set_new(e, "first_seen",
			    json_string(time_us_to_iso(sv->first_seen_us, first, sizeof(first))));
			json_object_set_new(e, "last_seen",
			    json_string(time_us_to_iso(sv->last_seen_us, last, sizeof(last))));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "services", arr);
	}
	return dump_line(o, buf, len);
}

/*
 * The "services" of a seen line: an array of at most SEEN_MAX_SERVICES
 * objects {"proto":"tcp"|"udp","port":1-65535,"first_seen":...,"last_seen":...}.
 * Absent: none. Errors name the field and the entry ("services[2].port").
 */
static int
get_services(json_t *o, struct seen_host *h, char *err, size_t errlen)
{
	json_t *arr = json_object_get(o, "services"), *e, *v;
	char field[48];
	size_t i;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > SEEN_MAX_SERVICES) {
		snprintf(field, sizeof(field), "expected an array of at most %d services", SEEN_MAX_SERVICES);
		return bad(err, errlen, "services", arr, field);
	}
	json_array_foreach(arr, i, e) {
		struct seen_service *sv = &h->services[i];
		const char *p;
		json_int_t port;

		if (!json_is_object(e)) {
			snprintf(field, sizeof(field), "services[%zu]", i);
			return bad(err, errlen, field, e, "expected an object");
		}
		v = json_object_get(e, "proto");
		p = json_is_string(v) ? json_string_value(v) : "";
		if (strcmp(p, "tcp") == 0)
			sv->proto = IPPROTO_NUM_TCP;
		else if (strcmp(p, "udp") == 0)
			sv->proto = IPPROTO_NUM_UDP;
		else {
			snprintf(field, sizeof(field), "services[%zu].proto", i);
			return bad(err, errlen, field, v, "expected \"tcp\" or \"udp\"");
		}
		v = json_object_get(e, "port");
		port = json_is_integer(v) ? json_integer_value(v) : 0;
		if (port < 1 || port > 65535) {
			snprintf(field, sizeof(field), "services[%zu].port", i);
			return bad(err, errlen, field, v, "expected a port number from 1 to 65535");
		}
		sv->port = (uint16_t)port;
		v = json_object_get(e, "first_seen");
		if (!json_is_string(v) || time_us_from_iso(json_string_value(v), &sv->first_seen_us) != 0) {
			snprintf(field, sizeof(field), "services[%zu].first_seen", i);
			return bad(err, errlen, field, v, "expected ISO 8601 UTC");
		}
		v = json_object_get(e, "last_seen");
		if (!json_is_string(v) || time_us_from_iso(json_string_value(v), &sv->last_seen_us) != 0 ||
		    sv->last_seen_us < sv->first_seen_us) {
			snprintf(field, sizeof(field), "services[%zu].last_seen", i);
			return bad(err, errlen, field, v, "expected ISO 8601 UTC, not before first_seen");
		}
		h->nservices = (unsigned)i + 1;
	}
	return 0;
}

int
seen_from_json(const char *line, size_t len, struct seen_host *h, char *err,
    size_t errlen)
{
	json_error_t jerr;
	json_t *o, *v;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	h->vlan = -1;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		snprintf(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
		return -1;
	}
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "type")) ||
	    strcmp(json_string_value(json_object_get(o, "type")), "seen") != 0) {
		bad(err, errlen, "type", json_is_object(o) ? json_object_get(o, "type") : o, "expected \"seen\"");
		goto out;
	}
	v = json_object_get(o, "src");
	if (!json_is_string(v) || ip_from_str(json_string_value(v), &h->ip) != 0 ||
	    ip_is_special(&h->ip)) {
		bad(err, errlen, "src", v, "expected a unicast IPv4 or IPv6 address");
		goto out;
	}
	if (get_mac_vlan(o, &h->has_mac, h->mac, &h->vlan, err, errlen) != 0 ||
	    get_sensor(o, h->sensor, err, errlen) != 0)
		goto out;
	v = json_object_get(o, "time");
	if (v != NULL && (!json_is_string(v) || time_us_from_iso(json_string_value(v), &h->time_us) != 0)) {
		bad(err, errlen, "time", v, "expected ISO 8601 UTC");
		goto out;
	}
	v = json_object_get(o, "first_seen");
	if (!json_is_string(v) || time_us_from_iso(json_string_value(v), &h->first_seen_us) != 0) {
		bad(err, errlen, "first_seen", v, "expected ISO 8601 UTC");
		goto out;
	}
	v = json_object_get(o, "last_seen");
	if (!json_is_string(v) || time_us_from_iso(json_string_value(v), &h->last_seen_us) != 0 ||
	    h->last_seen_us < h->first_seen_us) {
		bad(err, errlen, "last_seen", v, "expected ISO 8601 UTC, not before first_seen");
		goto out;
	}
	if (get_services(o, h, err, errlen) != 0) {
		h->nservices = 0;
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}
