/* SPDX-License-Identifier: ISC */
/*
 * snmp_receiver: switches' notifications on the event loop (see
 * snmp_receiver.h).
 *
 * net-snmp's single-session API over a server transport, as its own
 * snmptrapd does: netsnmp_transport_open_server() binds the socket,
 * snmp_sess_add() makes a session around it whose callback gets every parsed
 * PDU (SNMPv3 security processing included: a message from an unknown user or
 * with a bad digest never reaches the callback), and the socket is watched by
 * the event loop (loop_watch), which calls snmp_sess_read2() when it is readable. A receiver has
 * no requests of its own outstanding, so it needs no retransmission timer.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_receiver.h"
#include "snmpc_int.h"

#define RX_MAX_BINDINGS 32        /* more than any notification Cordon decodes carries */
#define RX_MAX_ENGINES 64
#define RX_COMMUNITY_MAX 128

struct snmprx {
	void *sessp;                  /* net-snmp single session; owned */
	struct loop_watch *rd_watch;  /* owned */
	int fd;                       /* the session's socket (net-snmp's) */
	snmprx_fn fn;
	void *arg;
	bool v2c;
	char community[RX_COMMUNITY_MAX];
	size_t community_len;
	bool v3;
	char v3_user[64];
	struct usmUser *users[RX_MAX_ENGINES + 1]; /* added to net-snmp's table; removed at close */
	size_t nusers;
	unsigned port;
	struct snmprx_stats st;
	struct snmpc_vb vbs[RX_MAX_BINDINGS + 1]; /* +1: a v1 Trap's snmpTrapOID.0 */
};

/* Same length and same octets, in time that does not depend on where they differ. */
static bool secret_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = alen != blen;
	for (size_t i = 0; i < alen && i < blen; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

static void sender_text(const netsnmp_pdu *pdu, char *buf, size_t len)
{
	snprintf(buf, len, "?");
	if (!pdu->transport_data || pdu->transport_data_length < (int)sizeof(netsnmp_indexed_addr_pair))
		return;
	const netsnmp_indexed_addr_pair *p = pdu->transport_data;
	if (p->remote_addr.sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &p->remote_addr.sin.sin_addr, buf, (socklen_t)len);
	else if (p->remote_addr.sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &p->remote_addr.sin6.sin6_addr, buf, (socklen_t)len);
}

/* Who may send: the community (v1, v2c) or the v3 user at authPriv. */
static bool authorised(const struct snmprx *rx, const netsnmp_pdu *pdu)
{
	if (pdu->version == SNMP_VERSION_1 || pdu->version == SNMP_VERSION_2c)
		return rx->v2c && pdu->community &&
		       secret_equal(pdu->community, pdu->community_len, rx->community,
				    rx->community_len);
	if (pdu->version == SNMP_VERSION_3)
		return rx->v3 && pdu->securityModel == SNMP_SEC_MODEL_USM &&
		       pdu->securityLevel == SNMP_SEC_LEVEL_AUTHPRIV && pdu->securityName &&
		       strlen(rx->v3_user) == pdu->securityNameLen &&
		       memcmp(pdu->securityName, rx->v3_user, pdu->securityNameLen) == 0;
	return false;
}

/*
 * RFC 3584 section 3.1: a v1 Trap's snmpTrapOID.0 is snmpTraps.(generic+1)
 * for a generic trap, else enterprise.0.specific. Written as the first
 * binding, as the v2 form has it second (after sysUpTime.0, which the
 * decoder does not need). False, with why, for a trap that names none or one
 * too long for the buffer (an OID of up to 128 sub-identifiers parses).
 */
static bool v1_trap_oid(const netsnmp_pdu *pdu, struct snmpc_vb *vb, char *why, size_t whylen)
{
	static const uint32_t trap_oid_name[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
	char *s = (char *)vb->s;
	size_t off = 0;

	memset(vb, 0, sizeof(*vb));
	memcpy(vb->oid.n, trap_oid_name, sizeof(trap_oid_name));
	vb->oid.len = sizeof(trap_oid_name) / sizeof(trap_oid_name[0]);
	vb->type = SNMPC_OBJECT_ID;
	if (pdu->trap_type >= 0 && pdu->trap_type <= 5) {
		off = (size_t)snprintf(s, SNMPC_MAX_STR, "1.3.6.1.6.3.1.1.5.%ld", pdu->trap_type + 1);
	} else if (pdu->trap_type == 6) {
		if (!pdu->enterprise || pdu->enterprise_length == 0) {
			snprintf(why, whylen, "an enterprise-specific trap without an enterprise OID");
			return false;
		}
		/* Each step writes at most 11 characters ('.' and 10 digits), the
		 * end at most 23 (".0." and a long): stop while they still fit. */
		for (size_t i = 0; i < pdu->enterprise_length; i++) {
			if (off + 12 + 24 >= SNMPC_MAX_STR) {
				snprintf(why, whylen, "its enterprise OID of %zu sub-identifiers is longer "
					 "than any notification Cordon reads", pdu->enterprise_length);
				return false;
			}
			off += (size_t)snprintf(s + off, SNMPC_MAX_STR - off, "%s%lu", i ? "." : "",
						(unsigned long)pdu->enterprise[i]);
		}
		off += (size_t)snprintf(s + off, SNMPC_MAX_STR - off, ".0.%ld", pdu->specific_type);
	} else {
		snprintf(why, whylen, "generic-trap %ld is not 0..6", pdu->trap_type);
		return false;
	}
	vb->slen = off < SNMPC_MAX_STR ? off : SNMPC_MAX_STR - 1;
	return true;
}

static void acknowledge_inform(struct snmprx *rx, netsnmp_pdu *pdu)
{
	netsnmp_pdu *reply = snmp_clone_pdu(pdu);
	if (!reply)
		return;
	reply->command = SNMP_MSG_RESPONSE;
	reply->errstat = 0;
	reply->errindex = 0;
	if (snmp_sess_send(rx->sessp, reply) == 0) {
		snmp_free_pdu(reply);
		snprintf(rx->st.last_error, sizeof(rx->st.last_error), "acknowledging an Inform failed");
		return;
	}
	rx->st.informs_acked++;
}

static int rx_on_pdu(int op, netsnmp_session *ns, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmprx *rx = magic;
	char from[INET6_ADDRSTRLEN];
	(void)ns;
	(void)reqid;

	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || !pdu)
		return 1;
	rx->st.received++;
	sender_text(pdu, from, sizeof(from));
	if (pdu->command != SNMP_MSG_TRAP && pdu->command != SNMP_MSG_TRAP2 &&
	    pdu->command != SNMP_MSG_INFORM) {
		rx->st.refused_type++;
		return 1;
	}
	if (!authorised(rx, pdu)) {
		rx->st.refused_auth++;
		snprintf(rx->st.last_error, sizeof(rx->st.last_error),
			 "notification from %s refused: not the configured community or user", from);
		return 1;
	}
	if (pdu->command == SNMP_MSG_INFORM)
		acknowledge_inform(rx, pdu);

	size_t n = 0;
	char why[128];
	if (pdu->command == SNMP_MSG_TRAP && !v1_trap_oid(pdu, &rx->vbs[n++], why, sizeof(why))) {
		rx->st.malformed++;
		snprintf(rx->st.last_error, sizeof(rx->st.last_error), "SNMPv1 Trap from %s: %s", from, why);
		return 1;
	}
	for (netsnmp_variable_list *v = pdu->variables; v && n < RX_MAX_BINDINGS + 1; v = v->next_variable)
		snmpc_vb_from_netsnmp(&rx->vbs[n++], v);

	struct snmpn_decoded d;
	if (snmpn_decode(rx->vbs, n, &d) == SNMPN_MALFORMED) {
		rx->st.malformed++;
		snprintf(rx->st.last_error, sizeof(rx->st.last_error), "notification from %s: %.100s",
			 from, d.why);
		return 1;
	}
	if (d.rejected) {
		rx->st.records_rejected += d.rejected;
		snprintf(rx->st.last_error, sizeof(rx->st.last_error), "notification from %s: %.100s",
			 from, d.why);
	}
	rx->st.accepted++;
	rx->fn(rx->arg, from, &d);
	return 1;
}

static void rx_on_read(void *arg)
{
	struct snmprx *rx = arg;

	sess_read(rx->sessp, rx->fd);
}

static int hex_engine_id(const char *hex, u_char *out, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2 || n < 10 || n > 64)
		return -1;  /* RFC 3411: 5..32 octets */
	for (size_t i = 0; i < n; i += 2) {
		if (!isxdigit((unsigned char)hex[i]) || !isxdigit((unsigned char)hex[i + 1]))
			return -1;
		char b[3] = {hex[i], hex[i + 1], 0};
		out[i / 2] = (u_char)strtoul(b, NULL, 16);
	}
	*len = n / 2;
	return 0;
}

/*
 * Adds the v3 user for one engine ID to net-snmp's user table with keys
 * localised to that engine (SHA, AES-128); the pass phrases' derived master
 * keys are wiped.
 */
static int add_user(struct snmprx *rx, const u_char *engine, size_t engine_len,
		    const struct snmprx_conf *c, char *err, size_t errlen)
{
	u_char ku[SNMP_MAXBUF_SMALL];
	size_t ku_len;
	struct usmUser *u = usm_create_user();
	if (!u)
		goto oom;
	u->engineID = netsnmp_memdup(engine, engine_len);
	u->engineIDLen = engine_len;
	u->name = strdup(c->v3_user);
	u->secName = strdup(c->v3_user);
	/* usm_create_user() set "no auth" and "no priv": replaced, not leaked. */
	free(u->authProtocol);
	free(u->privProtocol);
	u->authProtocol = snmp_duplicate_objid(usmHMACSHA1AuthProtocol, USM_AUTH_PROTO_SHA_LEN);
	u->authProtocolLen = USM_AUTH_PROTO_SHA_LEN;
	u->privProtocol = snmp_duplicate_objid(usmAESPrivProtocol, USM_PRIV_PROTO_AES_LEN);
	u->privProtocolLen = USM_PRIV_PROTO_AES_LEN;
	u->authKey = malloc(SNMP_MAXBUF_SMALL);
	u->privKey = malloc(SNMP_MAXBUF_SMALL);
	if (!u->engineID || !u->name || !u->secName || !u->authProtocol || !u->privProtocol ||
	    !u->authKey || !u->privKey)
		goto oom;

	ku_len = sizeof(ku);
	u->authKeyLen = SNMP_MAXBUF_SMALL;
	if (generate_Ku(u->authProtocol, (u_int)u->authProtocolLen, (const u_char *)c->v3_auth_pass,
			strlen(c->v3_auth_pass), ku, &ku_len) != SNMPERR_SUCCESS ||
	    generate_kul(u->authProtocol, (u_int)u->authProtocolLen, engine, engine_len, ku, ku_len,
			 u->authKey, &u->authKeyLen) != SNMPERR_SUCCESS)
		goto keyfail;
	/* The privacy key is derived with the authentication hash (RFC 3826 section 1.2). */
	ku_len = sizeof(ku);
	u->privKeyLen = SNMP_MAXBUF_SMALL;
	if (generate_Ku(u->authProtocol, (u_int)u->authProtocolLen, (const u_char *)c->v3_priv_pass,
			strlen(c->v3_priv_pass), ku, &ku_len) != SNMPERR_SUCCESS ||
	    generate_kul(u->authProtocol, (u_int)u->authProtocolLen, engine, engine_len, ku, ku_len,
			 u->privKey, &u->privKeyLen) != SNMPERR_SUCCESS)
		goto keyfail;
	if (u->privKeyLen > 16)
		u->privKeyLen = 16;   /* AES-128 */
	explicit_bzero(ku, sizeof(ku));
	u->userStatus = RS_ACTIVE;
	u->userStorageType = ST_VOLATILE;
	rx->users[rx->nusers++] = usm_add_user(u);
	return 0;
keyfail:
	explicit_bzero(ku, sizeof(ku));
	usm_free_user(u);
	snprintf(err, errlen, "snmp receiver: cannot derive the keys of v3 user '%s' "
		 "(pass phrases must be at least 8 characters)", c->v3_user);
	return -1;
oom:
	usm_free_user(u);
	snprintf(err, errlen, "snmp receiver: out of memory");
	return -1;
}

static int setup_v3(struct snmprx *rx, const struct snmprx_conf *c, char *err, size_t errlen)
{
	u_char engine[64];
	size_t len;

	if (!c->v3_auth_pass || !c->v3_priv_pass || strlen(c->v3_user) >= sizeof(rx->v3_user)) {
		snprintf(err, errlen, "snmp receiver: v3 user '%.63s' needs a name under 64 characters "
			 "and both pass phrases", c->v3_user);
		return -1;
	}
	snprintf(rx->v3_user, sizeof(rx->v3_user), "%s", c->v3_user);
	/* Informs: authenticated with this receiver's own engine ID. */
	len = snmpv3_get_engineID(engine, sizeof(engine));
	if (len == 0) {
		snprintf(err, errlen, "snmp receiver: no local SNMP engine ID");
		return -1;
	}
	if (add_user(rx, engine, len, c, err, errlen) < 0)
		return -1;
	/* Traps: with each sending switch's engine ID. */
	for (size_t i = 0; c->v3_engine_ids && c->v3_engine_ids[i]; i++) {
		if (rx->nusers > RX_MAX_ENGINES) {
			snprintf(err, errlen, "snmp receiver: more than %d v3 engine IDs", RX_MAX_ENGINES);
			return -1;
		}
		if (hex_engine_id(c->v3_engine_ids[i], engine, &len) < 0) {
			snprintf(err, errlen, "snmp receiver: v3 engine ID '%.70s' is not 5..32 octets "
				 "in hexadecimal", c->v3_engine_ids[i]);
			return -1;
		}
		if (add_user(rx, engine, len, c, err, errlen) < 0)
			return -1;
	}
	rx->v3 = true;
	return 0;
}

struct snmprx *snmprx_open(struct loop *loop, const struct snmprx_conf *c, snmprx_fn fn,
			   void *arg, char *err, size_t errlen)
{
	char spec[160];
	netsnmp_session sess;
	netsnmp_transport *t = NULL;

	if (!snmpc_global_ready()) {
		snprintf(err, errlen, "snmp receiver: net-snmp is not initialised");
		return NULL;
	}
	if (!c->listen || !*c->listen || strlen(c->listen) > 120) {
		snprintf(err, errlen, "snmp receiver: listen address '%.120s' is empty or too long",
			 c->listen ? c->listen : "");
		return NULL;
	}
	bool v2c = c->community && *c->community;
	if (!v2c && !c->v3_user) {
		snprintf(err, errlen, "snmp receiver on %s: neither a community nor a v3 user "
			 "would be accepted", c->listen);
		return NULL;
	}
	struct snmprx *rx = calloc(1, sizeof(*rx));
	if (!rx) {
		snprintf(err, errlen, "snmp receiver: out of memory");
		return NULL;
	}
	rx->fn = fn;
	rx->arg = arg;
	if (v2c) {
		rx->community_len = strlen(c->community);
		if (rx->community_len >= sizeof(rx->community)) {
			snprintf(err, errlen, "snmp receiver on %s: community longer than %d characters",
				 c->listen, RX_COMMUNITY_MAX - 1);
			goto fail;
		}
		memcpy(rx->community, c->community, rx->community_len);
		rx->v2c = true;
	}
	if (c->v3_user && setup_v3(rx, c, err, errlen) < 0)
		goto fail;

	snprintf(spec, sizeof(spec), "%s%s", c->listen[0] == '[' ? "udp6:" : "udp:", c->listen);
	t = netsnmp_transport_open_server("snmptrap", spec);
	if (!t) {
		snprintf(err, errlen, "snmp receiver: cannot listen on %s (in use, not a local "
			 "address, or not ADDR:PORT)", c->listen);
		goto fail;
	}
	snmp_sess_init(&sess);
	sess.peername = SNMP_DEFAULT_PEERNAME;
	sess.version = SNMP_DEFAULT_VERSION;
	sess.community_len = SNMP_DEFAULT_COMMUNITY_LEN;
	sess.retries = SNMP_DEFAULT_RETRIES;
	sess.timeout = SNMP_DEFAULT_TIMEOUT;
	sess.callback = rx_on_pdu;
	sess.callback_magic = rx;
	sess.isAuthoritative = SNMP_SESS_UNKNOWNAUTH;
	int fd = t->sock;
	rx->sessp = snmp_sess_add(&sess, t, NULL, NULL);   /* owns t from here, also on failure */
	t = NULL;
	if (!rx->sessp) {
		snprintf(err, errlen, "snmp receiver on %s: cannot create the session", c->listen);
		goto fail;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		rx->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							  : ((struct sockaddr_in *)&ss)->sin_port);
	rx->fd = fd;
	rx->rd_watch = loop_watch(loop, fd, rx_on_read, rx);
	if (!rx->rd_watch) {
		snprintf(err, errlen, "snmp receiver on %s: cannot watch the socket", c->listen);
		goto fail;
	}
	return rx;
fail:
	if (t)
		netsnmp_transport_free(t);
	snmprx_close(rx);
	return NULL;
}

unsigned snmprx_port(const struct snmprx *rx)
{
	return rx->port;
}

void snmprx_get_stats(const struct snmprx *rx, struct snmprx_stats *out)
{
	*out = rx->st;
}

void snmprx_close(struct snmprx *rx)
{
	if (!rx)
		return;
	loop_unwatch(rx->rd_watch);
	if (rx->sessp)
		snmp_sess_close(rx->sessp);
	/* usm_remove_user() unlinks the user (it returns the list, not the user). */
	for (size_t i = 0; i < rx->nusers; i++)
		if (rx->users[i]) {
			usm_remove_user(rx->users[i]);
			usm_free_user(rx->users[i]);
		}
	explicit_bzero(rx->community, sizeof(rx->community));
	free(rx);
}
