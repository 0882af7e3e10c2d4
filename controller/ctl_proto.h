/* SPDX-License-Identifier: ISC */
/*
 * ctl_proto: the control protocol's requests, parsed from one JSON line
 * (hostile input: every field is checked), and the JSON form of a host.
 * See docs/control-protocol.md.
 */
#ifndef CORDON_CTL_PROTO_H
#define CORDON_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

enum ctl_cmd {
	CTL_QUARANTINE, CTL_RELEASE, CTL_APPROVE, CTL_LIST, CTL_SHOW, CTL_EVENTS,
	CTL_SWITCHES, CTL_STATUS, CTL_BREAKER, CTL_BREAKER_RESET, CTL_RESOLVE, CTL_ASSETS,
};

enum { RESOLVE_NONE, RESOLVE_RELEASED, RESOLVE_ISOLATED };

struct ctl_request {
	enum ctl_cmd cmd;
	bool has_host;
	struct ip_addr host;
	char reason[256];
	bool has_mac;       /* quarantine: the host's MAC, to find its switch port */
	uint8_t mac[6];
	bool patched;
	int resolve_as;     /* resolve: RESOLVE_RELEASED or RESOLVE_ISOLATED */
	int state;          /* list, assets: a host state, or -1 for all */
	int exposed;        /* assets: only hosts exposing this port (tcp or udp), or -1 */
	bool follow;        /* events */
	unsigned limit;     /* events, list, assets: how many entries, 0 = default */
	bool has_after;     /* list, assets: the page starts after this address */
	struct ip_addr after;
};

/* Returns 0, or -1 with the reason (naming the field) in err. */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *rq,
    char *err, size_t errlen);

const char *ctl_cmd_name(enum ctl_cmd cmd);
/* Whether the command changes anything (refused on the read-only socket). */
bool ctl_cmd_acts(enum ctl_cmd cmd);

/* A new JSON object (jansson json_t *, returned as void * so that callers
 * need not include jansson) describing the host. The caller owns it. */
void *ctl_host_json_new(const struct host_rec *h);
#define ctl_host_json(h) ((json_t *)ctl_host_json_new(h))

/* A new JSON object for a host of the asset list: address, MAC, state, seen
 * times and its n services `s` (borrowed). The caller owns it. */
void *ctl_asset_json_new(const struct host_rec *h, const struct host_service *s, size_t n);
#define ctl_asset_json(h, s, n) ((json_t *)ctl_asset_json_new(h, s, n))

/* A new JSON object for an audit entry, as `events`, `show` and the HTTP
 * API give it. The caller owns it. */
void *ctl_audit_json_new(const struct audit_rec *a);
#define ctl_audit_json(a) ((json_t *)ctl_audit_json_new(a))

/* The circuit breaker as status and `breaker` show it (struct cordon_breaker). */
struct cordon_breaker;
void *ctl_breaker_json_new(const struct cordon_breaker *br);
#define ctl_breaker_json(br) ((json_t *)ctl_breaker_json_new(br))

/* The daemon's counters and hosts per state, as `status` gives them (without
 * "ok"); NULL with why in err when the state database cannot be read. */
struct cordon;
void *ctl_status_json_new(struct cordon *c, char *err, size_t errlen);
#define ctl_status_json(c, err, len) ((json_t *)ctl_status_json_new(c, err, len))

/*
 * A JSON string (new reference) of text that came from outside: a switch's
 * port name, an error message, a sensor's certificate name. Never NULL for a
 * valid `s`: invalid UTF-8 is shown with its non-ASCII and control bytes as
 * '?', so that nothing drops out of a listing because of one byte.
 */
void *ctl_text_json_new(const char *s);
#define ctl_text_json(s) ((json_t *)ctl_text_json_new(s))

/* The enforcement points with their health, as `switches` lists them. */
void *ctl_points_json_new(struct cordon *c);
#define ctl_points_json(c) ((json_t *)ctl_points_json_new(c))

#endif
