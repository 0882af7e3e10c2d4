/* SPDX-License-Identifier: ISC */
/*
 * snmp_client: asynchronous SNMP (v2c, v3 authPriv SHA/AES) on Cordon's event
 * loop (common/loop.h), one session per switch. Internal to the SNMP enforcement point: only
 * its own modules (snmp_session.c, snmp_request.c, snmp_v3.c, snmp_oid.c,
 * snmp_client_test.c, sharing snmpc_int.h) include net-snmp, and they
 * register net-snmp's sockets and timeouts with the loop; its users see the
 * plain types below.
 *
 * Every request completes through its callback exactly once, always from the
 * event loop (never from inside the submitting call): with the agent's answer,
 * a timeout after the configured retries, an error, or SNMPC_CANCELLED when
 * the session is closed with the request still pending. A session never
 * blocks the loop: SNMPv3 engine ID discovery is asynchronous too.
 */
#ifndef CORDON_SWITCHES_SNMP_CLIENT_H
#define CORDON_SWITCHES_SNMP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

#define SNMPC_MAX_OID 32     /* sub-identifiers: the longest OID Cordon uses is 20 */
#define SNMPC_MAX_STR 256    /* octet string values (DisplayString, PortList) */
#define SNMPC_MSG_LEN 160

struct snmpc_oid {
	uint32_t n[SNMPC_MAX_OID];
	size_t len;
};

enum snmpc_type {
	SNMPC_NULL = 0,
	SNMPC_INTEGER,           /* INTEGER / Integer32 */
	SNMPC_UNSIGNED,          /* Gauge32 / Unsigned32 */
	SNMPC_COUNTER,           /* Counter32, TimeTicks: read only */
	SNMPC_STRING,            /* OCTET STRING */
	SNMPC_NO_SUCH_OBJECT,
	SNMPC_NO_SUCH_INSTANCE,
	SNMPC_END_OF_MIB,
	SNMPC_OBJECT_ID,         /* OBJECT IDENTIFIER: dotted text in s ("1.3.6.1.4.1.9.1.1208") */
	SNMPC_OTHER,             /* a type Cordon does not use */
};

struct snmpc_vb {
	struct snmpc_oid oid;
	enum snmpc_type type;
	int64_t i;               /* INTEGER, UNSIGNED, COUNTER */
	size_t slen;
	uint8_t s[SNMPC_MAX_STR];/* STRING */
	bool cut;                /* STRING: the agent's value was longer; s holds its start */
};

enum snmpc_status {
	SNMPC_OK = 0,            /* the agent answered with error-status noError */
	SNMPC_AGENT_ERROR,       /* the agent answered with an error-status (see error_status) */
	SNMPC_TIMEOUT,           /* no answer after all attempts */
	SNMPC_AUTH,              /* SNMPv3: the agent reported an authentication/user/privacy failure */
	SNMPC_CANCELLED,         /* the session was closed first */
	SNMPC_FAILED,            /* could not build or send; the message says why */
};

struct snmpc_reply {
	enum snmpc_status status;
	long error_status;       /* SNMP error-status (RFC 3416) for SNMPC_AGENT_ERROR */
	long error_index;        /* 1-based varbind the error is about; 0: none */
	unsigned attempts;       /* how many times the request was sent */
	size_t nvb;
	const struct snmpc_vb *vb;   /* borrowed: valid only during the callback */
	char message[SNMPC_MSG_LEN]; /* what went wrong, never a secret */
};

typedef void (*snmpc_cb)(void *arg, const struct snmpc_reply *r);

enum snmpc_version { SNMPC_V2C = 0, SNMPC_V3 };

/* Connection parameters; the strings are borrowed for the duration of snmpc_open only. */
struct snmpc_params {
	const char *label;       /* for messages: the switch's name */
	const char *address;     /* IPv4/IPv6 literal or host name */
	uint16_t port;
	enum snmpc_version version;
	const char *community;   /* v2c; secret */
	const char *v3_user;
	const char *v3_auth_pass;/* HMAC-SHA-96; secret */
	const char *v3_priv_pass;/* AES-128; secret */
	unsigned timeout_ms;     /* per attempt */
	unsigned retries;        /* attempts after the first */
};

struct snmpc_stats {
	uint64_t requests;       /* submitted */
	uint64_t sends;          /* PDUs sent, retries included */
	uint64_t retries;
	uint64_t timeouts;       /* requests that ended in SNMPC_TIMEOUT */
	uint64_t agent_errors;
	uint64_t rediscoveries;  /* SNMPv3 sessions reopened for an agent's new engine ID */
};

struct snmpc_session;

/*
 * Process-wide setup, once, before any session: keeps net-snmp away from
 * /var/lib/snmp (its persistent directory becomes `state_dir`, created 0700
 * when missing), from the system's snmp.conf and from MIB files. Returns 0 or
 * -1 with `err` filled.
 */
int snmpc_global_init(const char *state_dir, char *err, size_t errlen);
bool snmpc_global_ready(void);
void snmpc_global_shutdown(void);

/*
 * Opens a session (a UDP socket; no packet is sent yet) on `loop` (borrowed;
 * must outlive the session). The returned session
 * is owned by the caller and freed with snmpc_close. NULL with `err` filled
 * on failure; secrets are never copied into `err`.
 */
struct snmpc_session *snmpc_open(struct loop *loop, const struct snmpc_params *p,
				 char *err, size_t errlen);

/*
 * Pending requests, and answers not yet delivered, complete with
 * SNMPC_CANCELLED before this returns (when called from a callback of this
 * session: right after that callback returns); their callbacks must not
 * submit to this session. The memory is released once no callback of the
 * session is running.
 */
void snmpc_close(struct snmpc_session *s);

/* The requests: 0 when submitted (the callback will follow), -1 when not (no callback). */
int snmpc_get(struct snmpc_session *s, const struct snmpc_oid *oids, size_t n,
	      snmpc_cb cb, void *arg);
int snmpc_set(struct snmpc_session *s, const struct snmpc_vb *vbs, size_t n,
	      snmpc_cb cb, void *arg);
/*
 * Every object under `root` (GETBULK, `max_rows` at most, then it stops with
 * status OK and what it has). An empty subtree is OK with nvb == 0.
 */
int snmpc_walk(struct snmpc_session *s, const struct snmpc_oid *root, size_t max_rows,
	       snmpc_cb cb, void *arg);

/*
 * The same in one VLAN's bridge context, as Cisco serves BRIDGE-MIB per VLAN:
 * SNMPv2c sends "community@VLAN", SNMPv3 the context "vlan-VLAN". ctx_vlan 0
 * is the default context (snmpc_get, snmpc_walk).
 */
int snmpc_get_in(struct snmpc_session *s, uint32_t ctx_vlan, const struct snmpc_oid *oids,
		 size_t n, snmpc_cb cb, void *arg);
int snmpc_walk_in(struct snmpc_session *s, uint32_t ctx_vlan, const struct snmpc_oid *root,
		  size_t max_rows, snmpc_cb cb, void *arg);

void snmpc_get_stats(const struct snmpc_session *s, struct snmpc_stats *out);

/* "noAccess", "inconsistentValue", ... for an SNMP error-status. */
const char *snmpc_error_status_name(long error_status);

/* OID helpers: "1.3.6.1.2.1.17.7.1.4.5.1.1" text to OID (-1 if malformed), OID plus index parts. */
int snmpc_oid_parse(struct snmpc_oid *o, const char *text);
void snmpc_oid_make(struct snmpc_oid *o, const uint32_t *base, size_t baselen,
		    const uint32_t *idx, size_t idxlen);
bool snmpc_oid_has_prefix(const struct snmpc_oid *o, const uint32_t *prefix, size_t len);
void snmpc_oid_format(const struct snmpc_oid *o, char *buf, size_t len);

#endif
