/* SPDX-License-Identifier: ISC */
/*
 * conf: cordond's configuration, one file, validated as a whole before use
 * (the one controller module that includes libconfig). Errors name the
 * file, the line and the offending value. See docs/man/cordon.conf.5.
 */
#ifndef CORDON_CONF_H
#define CORDON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "detcfg.h"
#include "detection.h"
#include "prefix.h"
#include "secret.h"

#define CONF_PATH_LEN 256
#define CONF_MAX_LISTEN 8
#define CONF_MAX_PREFIXES 64
#define CONF_MAX_POINTS 32
#define CONF_MAX_PARAMS 32
#define CONF_MAX_VERIFY 8
#define CONF_MAX_NETWORKS 32
#define CONF_MAX_SEGMENT_SENSORS 16
#define CONF_MAX_ACCOUNTS 64
#define CONF_MAX_HOSTNAMES 8
#define CONF_DEFAULT_PATH "/etc/cordon/cordon.conf"

/* A backend-specific setting, as text; the backend validates it. */
struct conf_param {
	char key[64];
	char value[256];
	int line;
};

struct conf_point {
	char name[64];
	char kind[32];            /* "netlink", "snmp-qbridge", "snmp-cisco", ... */
	struct prefix prefixes[CONF_MAX_PREFIXES];
	size_t nprefixes;
	struct conf_param params[CONF_MAX_PARAMS];
	size_t nparams;
	int line;
};

/*
 * A network (networks section): the router that answers IP -> MAC for the
 * addresses in its prefixes, and the sensors on the hosts' own segment,
 * whose reported MACs are the hosts' own (any other sensor's are the
 * router's). See docs/snmp.md, "Identity".
 */
struct conf_network {
	char name[64];
	struct prefix prefixes[CONF_MAX_PREFIXES];
	size_t nprefixes;
	/* The router's SNMP settings as text (snmp_router.h keys; secrets among
	 * them): wiped by conf_wipe_point_settings once the router is made. */
	struct conf_param router[CONF_MAX_PARAMS];
	size_t nrouter;            /* 0: no router */
	int router_line;
	char segment_sensors[CONF_MAX_SEGMENT_SENSORS][64];
	size_t nsegment_sensors;
	int line;
};

struct conf_verify {
	struct prefix prefixes[CONF_MAX_PREFIXES];
	size_t nprefixes;
	char command[512];        /* run with {ip} replaced; exit 0 = patched */
	uint32_t interval_s;
	uint32_t timeout_s;
};

/*
 * Following quarantined hosts that move (section `follow`, docs/snmp.md):
 * the periodic check and the SNMP notification listener. The secrets are
 * needed only to open the listener: the daemon wipes them once it is open
 * (conf_wipe_follow_secrets).
 */
#define CONF_MAX_ENGINE_IDS 8
struct conf_follow {
	uint32_t interval_s;      /* periodic check of every point holding quarantined hosts; 0: off */
	uint32_t queue;           /* ports waiting for a re-check at most */
	char listen[128];         /* notification listener "ADDRESS:PORT"; "" off */
	char community[128];      /* v1/v2c community accepted; secret; "" refuses v1/v2c */
	char v3_user[64];         /* SNMPv3 user accepted (authPriv); "" refuses v3 */
	char v3_auth_pass[128];   /* secret */
	char v3_priv_pass[128];   /* secret */
	char v3_engine_ids[CONF_MAX_ENGINE_IDS][80];  /* hex engine IDs of switches sending v3 Traps */
	size_t nv3_engine_ids;
	int line;                 /* where the section starts, for messages */
};

struct engine_policy {
	bool isolate;             /* may this engine's detection isolate a host? */
	uint32_t min_probes;      /* evidence.probes must reach this */
};

/* The console's accounts (console section): who may read and who may act. */
enum conf_role { CONF_ROLE_VIEWER = 1, CONF_ROLE_OPERATOR = 2 };

struct conf_account {
	char name[33];
	enum conf_role role;
	bool token;                     /* an API token: `secret` is its SHA-256 in hex */
	char secret[SECRET_HASH_MAX];   /* a user's crypt(3) password hash */
	int line;
};

struct conf_console {
	struct conf_account accounts[CONF_MAX_ACCOUNTS];
	size_t naccounts;
	/* Names this server answers to besides its address (Host, Origin). */
	char hostnames[CONF_MAX_HOSTNAMES][128];
	size_t nhostnames;
	/* The origin browsers use when a TLS proxy stands in front, e.g.
	 * "https://noc.example.net": its Host and Origin are accepted, and
	 * cookies are Secure when it is https. "" for none. */
	char public_url[256];
	/* HTTPS for the server itself: PEM files, both or neither. */
	char tls_certificate[CONF_PATH_LEN];
	char tls_key[CONF_PATH_LEN];
	uint32_t session_idle_s;
	uint32_t session_max_s;
	uint32_t login_failures;        /* failed logins per window, per client and per user */
	uint32_t login_window_s;
};

struct cordon_conf {
	char path[CONF_PATH_LEN];
	/* daemon, state */
	char state_path[CONF_PATH_LEN];   /* SQLite: the database file (daemon.state or state.path) */
	enum conf_state_backend { CONF_STATE_SQLITE, CONF_STATE_POSTGRESQL } state_backend;
	/* PostgreSQL: libpq's connection string. A secret (it may hold a
	 * password): never logged, wiped once the database is open. */
	char state_conninfo[1024];
	/* This controller's name among those sharing the database (state.name;
	 * default: the host's name): who leads, in messages and status. */
	char state_name[64];
	/* Seconds a new leader waits before it acts (state.takeover_delay): a
	 * deposed leader's last request to a point, sent before it stepped
	 * down, has landed by then. */
	uint32_t takeover_delay_s;
	char control_path[CONF_PATH_LEN];
	char control_ro_path[CONF_PATH_LEN];
	mode_t control_mode;
	gid_t control_gid;        /* (gid_t)-1: leave the group alone */
	/* Seconds a control connection may stay quiet before it is closed
	 * (daemon.control_idle_timeout; 0: never); `events` followers are not. */
	uint32_t control_idle_s;
	char http_listen[128];    /* "" disables the HTTP API */
	/* HTTP connections open at once; more are refused at accept
	 * (daemon.http_max_connections). */
	uint32_t http_max_conns;
	bool use_syslog;
	char user[64];            /* "" stays root; else drop to this user after start */
	uid_t uid;                /* its ids, looked up at load */
	gid_t gid;
	/* sensors */
	char sensor_listen[CONF_MAX_LISTEN][CONF_PATH_LEN];
	size_t nsensor_listen;
	uint32_t max_line;
	/* Seconds a sensor connection may send nothing, or a TLS sensor take
	 * over its handshake, before it is closed (sensors.idle_timeout,
	 * sensors.handshake_timeout; 0: never). */
	uint32_t sensor_idle_s;
	uint32_t sensor_handshake_s;
	/* tls: listeners: cordond's certificate and key, and the CA that signs
	 * the sensors' certificates (PEM files). */
	char sensor_tls_cert[CONF_PATH_LEN];
	char sensor_tls_key[CONF_PATH_LEN];
	char sensor_tls_ca[CONF_PATH_LEN];
	char interfaces[CONF_MAX_LISTEN][64];
	size_t ninterfaces;
	struct det_config det;
	/* policy */
	struct engine_policy engines[ENGINE_COUNT];
	struct prefix protected_[CONF_MAX_PREFIXES];
	size_t nprotected;
	struct prefix approval[CONF_MAX_PREFIXES];
	size_t napproval;
	uint32_t max_per_minute;
	uint32_t retention_events_s;       /* stored detections older than this go; 0: kept */
	uint32_t retention_audit_s;        /* audit entries older than this go; 0: kept */
	uint32_t breaker_evidence_age_s;   /* a held host's evidence counts this long for a reset */
	uint32_t max_attempts;             /* isolation/release tries before an operator decides */
	bool shared_port_approval;         /* policy holds a host behind a port of several MACs */
	bool dry_run;
	uint32_t probation_s;
	uint32_t retry_initial_s;
	uint32_t retry_max_s;
	/* enforcement */
	struct conf_point points[CONF_MAX_POINTS];
	size_t npoints;
	/* identity: which router answers IP -> MAC, which sensors see hosts' own MACs */
	struct conf_network networks[CONF_MAX_NETWORKS];
	size_t nnetworks;
	struct conf_verify verify[CONF_MAX_VERIFY];
	size_t nverify;
	struct conf_follow follow;
	struct conf_console console;
};

void conf_defaults(struct cordon_conf *c);

/*
 * Reads and validates `path` into `c` (defaults first). Returns 0, or -1 with
 * "FILE:LINE: what is wrong" in err.
 */
int conf_load(const char *path, struct cordon_conf *c, char *err, size_t errlen);

/*
 * Clears the enforcement points' and the networks' routers' settings
 * (communities and SNMPv3 pass phrases among them) once the points and
 * routers are made: each keeps the one copy it needs, and no other copy
 * stays in memory.
 */
void conf_wipe_point_settings(struct cordon_conf *c);

/* Clears the notification listener's community and SNMPv3 pass phrases. */
void conf_wipe_follow_secrets(struct cordon_conf *c);

/* The enforcement point that serves `ip` (longest prefix), or NULL. */
const struct conf_point *conf_point_for(const struct cordon_conf *c,
    const struct ip_addr *ip);
const struct conf_point *conf_point_named(const struct cordon_conf *c,
    const char *name);
/* The network whose prefixes hold `ip` (longest prefix), or NULL. */
const struct conf_network *conf_network_for(const struct cordon_conf *c,
    const struct ip_addr *ip);
/*
 * The network's router settings as the SNMP router's config (snmp_router.h);
 * the router is named after the network. 0, or -1 with "line N: why" in err
 * (never a secret). The caller wipes *out (it holds the secrets).
 */
struct snmprt_config;
int conf_network_router(const struct conf_network *n, struct snmprt_config *out,
    char *err, size_t errlen);
/* The first prefix of `list` that holds `ip`, or NULL. */
const struct prefix *conf_match(const struct prefix *list, size_t n,
    const struct ip_addr *ip);

/*
 * Splits daemon.http's "ADDRESS:PORT" (IPv6 as "[ADDRESS]:PORT") into its
 * numeric address (no names: the daemon must know, not look up, where it
 * listens) and its port (1 to 65535). Returns 0, or -1 with the reason in why.
 */
int conf_parse_http_listen(const char *spec, char *addr, size_t addrlen,
    uint16_t *port, char *why, size_t whylen);

#endif
