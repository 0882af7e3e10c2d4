/*
 * detection: engine names, timestamps, and the JSON form of a detection.
 * This is the one module of the detectors that includes jansson.
 */
#include "detection.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const engine_names[ENGINE_COUNT] = {
	[ENGINE_FANOUT] = "fanout",
	[ENGINE_TRW] = "trw",
	[ENGINE_VSCAN] = "vscan",
	[ENGINE_SIGNATURE] = "signature",
	[ENGINE_ICMP_SWEEP] = "icmp_sweep",
	[ENGINE_ARP_SWEEP] = "arp_sweep",
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

	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned)(us % 1000000));
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

int
detection_to_json(const struct detection *d, const char *sensor, char *buf,
    size_t len)
{
	char ip[64], ts[40], first[40], mac[24], pbuf[8];
	json_t *o, *ev;
	size_t n;

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
	if (d->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", d->mac[0],
		    d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5]);
		json_object_set_new(o, "mac", json_string(mac));
	} else {
		json_object_set_new(o, "mac", json_null());
	}
	json_object_set_new(o, "vlan", d->vlan >= 0 ? json_integer(d->vlan) : json_null());
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

	n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (n == 0 || n + 2 > len)
		return -1;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)(n + 1);
}
