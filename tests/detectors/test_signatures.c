/* SPDX-License-Identifier: ISC */
/*
 * Exploit signatures on crafted packets: each exploit request is flagged
 * with its name and its source, its target never; ordinary requests of the
 * same protocols are not; truncated requests match exactly when the bytes
 * the signature needs were captured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "detection.h"
#include "harness.h"
#include "signature.h"

#define ATTACKER "10.0.0.5"
#define TARGET "10.0.0.9"
#define CPORT 1100

/* ---- byte builders ---------------------------------------------------------------- */

static void
le16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void
le32(uint8_t *b, uint32_t v)
{
	le16(b, (uint16_t)v);
	le16(b + 2, (uint16_t)(v >> 16));
}

struct uuid {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
};

static const struct uuid ISYSTEMACTIVATOR = { 0x000001a0, 0, 0, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } };
static const struct uuid IREMOTEACTIVATION = { 0x4d9f4ab8, 0x7d1c, 0x11cf,
	{ 0x86, 0x1e, 0x00, 0x20, 0xaf, 0x6e, 0x7c, 0x57 } };
static const struct uuid DSSETUP = { 0x3919286a, 0xb10c, 0x11d0,
	{ 0x9b, 0xa8, 0x00, 0xc0, 0x4f, 0xd9, 0x2e, 0xf5 } };
static const struct uuid LSARPC = { 0x12345778, 0x1234, 0xabcd,
	{ 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab } };
static const struct uuid NDR_SYNTAX = { 0x8a885d04, 0x1ceb, 0x11c9,
	{ 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } };

/* A UUID in little-endian data representation (16 bytes). */
static void
put_uuid(uint8_t *b, const struct uuid *u)
{
	le32(b, u->a);
	le16(b + 4, u->b);
	le16(b + 6, u->c);
	memcpy(b + 8, u->d, 8);
}

static void
rpc_common(uint8_t *b, uint8_t ptype, uint16_t frag_len)
{
	memset(b, 0, 16);
	b[0] = 5;
	b[2] = ptype;
	b[3] = 0x03;            /* first and last fragment */
	b[4] = 0x10;            /* little endian, ASCII, IEEE */
	le16(b + 8, frag_len);
	le32(b + 12, 1);        /* call id */
}

/* A bind (or alter context) of one context to `iface`; returns its length (72). */
static size_t
rpc_bind(uint8_t *b, uint8_t ptype, uint16_t ctx_id, const struct uuid *iface)
{
	rpc_common(b, ptype, 72);
	le16(b + 16, 5840);
	le16(b + 18, 5840);
	le32(b + 20, 0);
	b[24] = 1;              /* one context */
	b[25] = b[26] = b[27] = 0;
	le16(b + 28, ctx_id);
	b[30] = 1;              /* one transfer syntax */
	b[31] = 0;
	put_uuid(b + 32, iface);
	le32(b + 48, 0);        /* version 0.0 */
	put_uuid(b + 52, &NDR_SYNTAX);
	le32(b + 68, 2);
	return 72;
}

/* A request on `ctx_id` for `opnum` with the stub given; alloc_hint as given. */
static size_t
rpc_request(uint8_t *b, uint16_t ctx_id, uint16_t opnum, const uint8_t *stub, size_t len,
    uint32_t alloc_hint)
{
	rpc_common(b, 0, (uint16_t)(24 + len));
	le32(b + 16, alloc_hint);
	le16(b + 20, ctx_id);
	le16(b + 22, opnum);
	memcpy(b + 24, stub, len);
	return 24 + len;
}

/* Offset of the server name in the stubs dcom_stub() writes. */
#define DCOM_NAME_AT 48

/*
 * An activation stub: 32 bytes standing for ORPCTHIS, then an NDR conformant
 * varying string "\\" + `name_units` units of `fill` + "\C$\x.doc" + NUL.
 */
static size_t
dcom_stub(uint8_t *b, unsigned name_units, char fill)
{
	static const char tail[] = "\\C$\\x.doc";
	size_t n = 0, i, units = 2 + name_units + (sizeof(tail) - 1) + 1;

	memset(b, 0, 32);
	le16(b, 5);             /* COM version 5.1 */
	le16(b + 2, 1);
	n = 32;
	le32(b + n, (uint32_t)units);
	le32(b + n + 4, 0);
	le32(b + n + 8, (uint32_t)units);
	n += 12;
	le16(b + n, '\\');
	le16(b + n + 2, '\\');
	n += 4;
	for (i = 0; i < name_units; i++, n += 2)
		le16(b + n, (uint16_t)fill);
	for (i = 0; i < sizeof(tail) - 1; i++, n += 2)
		le16(b + n, (uint16_t)tail[i]);
	le16(b + n, 0);
	return n + 2;
}

/* A NetBIOS session message holding an SMBv1 request (or reply) with these words and bytes. */
static size_t
smb_msg(uint8_t *b, uint8_t cmd, bool reply, uint16_t mid, const uint8_t *words, uint8_t wc,
    const uint8_t *bytes, uint16_t nbytes)
{
	uint8_t *s = b + 4;
	size_t len = 32 + 1 + (size_t)wc * 2 + 2 + nbytes;

	b[0] = 0;
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	memset(s, 0, 32);
	s[0] = 0xff;
	s[1] = 'S';
	s[2] = 'M';
	s[3] = 'B';
	s[4] = cmd;
	s[9] = reply ? 0x98 : 0x18;
	le16(s + 10, 0xc807);
	le16(s + 24, 0x0800);   /* TID */
	le16(s + 26, 0xfeff);   /* PID */
	le16(s + 28, 0x0800);   /* UID */
	le16(s + 30, mid);
	s[32] = wc;
	memcpy(s + 33, words, (size_t)wc * 2);
	le16(s + 33 + wc * 2, nbytes);
	memcpy(s + 35 + wc * 2, bytes, nbytes);
	return 4 + len;
}

#define FID 0x4000

/* Transaction TransactNmPipe on \PIPE\ carrying `data` (how a bind goes over SMB). */
static size_t
smb_transact_nmpipe(uint8_t *b, const uint8_t *data, uint16_t len)
{
	uint8_t w[32], bytes[PB_MAX];
	static const char name[] = "\\PIPE\\";
	uint16_t data_off = 32 + 1 + 32 + 2 + sizeof(name);

	memset(w, 0, sizeof(w));
	le16(w + 2, len);               /* total data */
	le16(w + 6, 1024);              /* max data */
	le16(w + 20, data_off);         /* parameter offset (no parameters) */
	le16(w + 22, len);              /* data count */
	le16(w + 24, data_off);         /* data offset */
	w[26] = 2;                      /* setup count */
	le16(w + 28, 0x0026);           /* TransactNmPipe */
	le16(w + 30, FID);
	memcpy(bytes, name, sizeof(name));
	memcpy(bytes + sizeof(name), data, len);
	return smb_msg(b, 0x25, false, 1, w, 16, bytes, (uint16_t)(sizeof(name) + len));
}

/* Write AndX to the pipe carrying `data`; with `len_prefix` the data leads with its 2-byte length. */
static size_t
smb_write_andx(uint8_t *b, const uint8_t *data, uint16_t len, bool len_prefix)
{
	uint8_t w[28], bytes[PB_MAX];
	uint16_t n = (uint16_t)(len + (len_prefix ? 2 : 0));

	memset(w, 0, sizeof(w));
	w[0] = 0xff;                    /* no AndX command */
	le16(w + 4, FID);
	le16(w + 14, len_prefix ? 0x000c : 0x0008);   /* write mode: message start (raw) */
	le16(w + 16, n);                /* remaining */
	le16(w + 20, n);                /* data length */
	le16(w + 22, 32 + 1 + 28 + 2 + 1);   /* data offset, after one pad byte */
	bytes[0] = 0;
	if (len_prefix)
		le16(bytes + 1, len);
	memcpy(bytes + 1 + (len_prefix ? 2 : 0), data, len);
	return smb_msg(b, 0x2f, false, 2, w, 14, bytes, (uint16_t)(1 + n));
}

/* NT Trans request: one setup word, `data_count` bytes of data sent of `total_data`. */
static size_t
smb_nt_trans(uint8_t *b, uint16_t mid, uint16_t function, uint32_t total_data,
    uint16_t data_count)
{
	uint8_t w[40], bytes[PB_MAX];

	memset(w, 0, sizeof(w));
	w[0] = 1;                       /* max setup count */
	le32(w + 3, 30);                /* total parameters */
	le32(w + 7, total_data);
	le32(w + 11, 30);               /* max parameters */
	le32(w + 19, 30);               /* parameters in this message */
	le32(w + 23, 76);
	le32(w + 27, data_count);
	le32(w + 31, 108);
	w[35] = 1;                      /* setup count */
	le16(w + 36, function);
	memset(bytes, 0, sizeof(bytes));
	memset(bytes + 32, 0x41, data_count);
	return smb_msg(b, 0xa0, false, mid, w, 20, bytes, (uint16_t)(32 + data_count));
}

/* Trans2 request with one setup word (the subcommand) and `nparams` parameter bytes. */
static size_t
smb_trans2(uint8_t *b, bool reply, uint16_t mid, uint16_t subcommand, uint16_t nparams)
{
	uint8_t w[30], bytes[64];

	memset(w, 0, sizeof(w));
	le16(w + 0, nparams);           /* total parameters */
	le16(w + 4, 10);                /* max parameters */
	le16(w + 6, 4096);              /* max data */
	le16(w + 18, nparams);
	le16(w + 20, 68);
	le16(w + 24, 68 + nparams);
	w[26] = 1;
	le16(w + 28, subcommand);
	memset(bytes, 0, sizeof(bytes));
	return smb_msg(b, 0x32, reply, mid, w, 15, bytes, (uint16_t)(3 + nparams));
}

/* Trans2 Secondary carrying `count` more data bytes. */
static size_t
smb_trans2_secondary(uint8_t *b, uint16_t mid, uint16_t count)
{
	uint8_t w[18], bytes[PB_MAX];

	memset(w, 0, sizeof(w));
	le16(w + 2, 4096);              /* total data */
	le16(w + 10, count);
	le16(w + 12, 56);
	le16(w + 14, 1000);             /* displacement */
	memset(bytes, 0x41, count);
	return smb_msg(b, 0x33, false, mid, w, 9, bytes, count);
}

/* ---- feeding and counting ------------------------------------------------------------ */

/* SYN, SYN-ACK, ACK: the target answers, as in a dense unpatched LAN. */
static void
handshake(struct harness *h, const char *cli, uint16_t cport, uint16_t sport)
{
	h_feed(h, pb_tcp(h->f, cli, cport, TARGET, sport, TCPF_SYN), 0);
	h_feed(h, pb_tcp(h->f, TARGET, sport, cli, cport, TCPF_SYN | TCPF_ACK), 0);
	h_feed(h, pb_tcp(h->f, cli, cport, TARGET, sport, TCPF_ACK), 0);
}

static void
send_cli(struct harness *h, const char *cli, uint16_t cport, uint16_t sport, const uint8_t *d,
    size_t len)
{
	h_feed(h, pb_tcp_data(h->f, cli, cport, TARGET, sport, d, (uint16_t)len), 1);
}

static void
send_srv(struct harness *h, const char *cli, uint16_t cport, uint16_t sport, const uint8_t *d,
    size_t len)
{
	h_feed(h, pb_tcp_data(h->f, TARGET, sport, cli, cport, d, (uint16_t)len), 1);
}

static int
sig_count(const struct harness *h, const char *name)
{
	int i, n = 0;

	for (i = 0; i < h->n; i++)
		if (h->got[i].engine == ENGINE_SIGNATURE && strcmp(h->got[i].signature, name) == 0)
			n++;
	return n;
}

static bool
flagged(const struct harness *h, const char *ip)
{
	struct ip_addr a;
	int i;

	ip_from_str(ip, &a);
	for (i = 0; i < h->n; i++)
		if (memcmp(&h->got[i].src, &a, sizeof(a)) == 0)
			return true;
	return false;
}

/* The one signature detection: from ATTACKER to TARGET on `dport`, named `name`. */
static void
assert_exploit(const struct harness *h, const char *name, uint16_t dport)
{
	const struct detection *det = h_last(h, ENGINE_SIGNATURE);
	struct ip_addr a;

	assert_int_equal(h_count(h, ENGINE_SIGNATURE), 1);
	assert_non_null(det);
	assert_string_equal(det->signature, name);
	ip_from_str(ATTACKER, &a);
	assert_memory_equal(&det->src, &a, sizeof(a));
	ip_from_str(TARGET, &a);
	assert_true(det->has_dst);
	assert_memory_equal(&det->dst, &a, sizeof(a));
	assert_int_equal(det->dport, dport);
	assert_false(flagged(h, TARGET));
}

/* ---- MS03-026 ------------------------------------------------------------------------ */

/* Bind of ctx 1 to `iface`, the server's bind_ack, then a request with a server name of `units`. */
static void
dcom_exchange(struct harness *h, uint16_t cport, const struct uuid *iface, uint16_t opnum,
    unsigned units)
{
	uint8_t pdu[PB_MAX], stub[PB_MAX];
	size_t n;

	handshake(h, ATTACKER, cport, 135);
	send_cli(h, ATTACKER, cport, 135, pdu, rpc_bind(pdu, 11, 1, iface));
	rpc_common(pdu, 12, 60);        /* bind_ack: nothing to look at */
	send_srv(h, ATTACKER, cport, 135, pdu, 60);
	n = dcom_stub(stub, units, 'A');
	send_cli(h, ATTACKER, cport, 135, pdu, rpc_request(pdu, 1, opnum, stub, n, (uint32_t)n));
}

static void
dcom_overlong_server_name_flagged(void **state)
{
	struct harness *h = h_new(NULL);

	(void)state;
	dcom_exchange(h, CPORT, &ISYSTEMACTIVATOR, 4, 300);       /* RemoteCreateInstance */
	assert_exploit(h, "dcom_rpc", 135);
	h_free(h);
	h = h_new(NULL);
	dcom_exchange(h, CPORT, &IREMOTEACTIVATION, 0, 300);      /* RemoteActivation */
	assert_exploit(h, "dcom_rpc", 135);
	h_free(h);
	h = h_new(NULL);
	dcom_exchange(h, CPORT, &ISYSTEMACTIVATOR, 4, DCOM_SERVER_NAME_MAX);
	assert_exploit(h, "dcom_rpc", 135);
	h_free(h);
}

static void
dcom_near_misses_not_flagged(void **state)
{
	struct harness *h = h_new(NULL);
	uint8_t pdu[PB_MAX], stub[PB_MAX];
	size_t n;

	(void)state;
	/* An ordinary activation: "\\FILESRV01\C$\x.doc"-like, and one unit short of the limit. */
	dcom_exchange(h, CPORT, &ISYSTEMACTIVATOR, 4, 10);
	dcom_exchange(h, CPORT + 10, &ISYSTEMACTIVATOR, 4, DCOM_SERVER_NAME_MAX - 1);
	/* The long name on another opnum of the interface, and on another interface. */
	dcom_exchange(h, CPORT + 11, &ISYSTEMACTIVATOR, 5, 300);
	dcom_exchange(h, CPORT + 12, &LSARPC, 4, 300);
	assert_int_equal(h->n, 0);
	/* No bind seen on this connection: a request alone is not enough. */
	n = dcom_stub(stub, 300, 'A');
	send_cli(h, ATTACKER, CPORT + 1, 135, pdu, rpc_request(pdu, 1, 4, stub, n, (uint32_t)n));
	/* The bound context rebound to another interface is forgotten. */
	send_cli(h, ATTACKER, CPORT + 2, 135, pdu, rpc_bind(pdu, 11, 1, &ISYSTEMACTIVATOR));
	send_cli(h, ATTACKER, CPORT + 2, 135, pdu, rpc_bind(pdu, 14, 1, &LSARPC));
	send_cli(h, ATTACKER, CPORT + 2, 135, pdu, rpc_request(pdu, 1, 4, stub, n, (uint32_t)n));
	/* The same bytes from the server's side are not a request. */
	send_srv(h, ATTACKER, CPORT + 3, 135, pdu, rpc_bind(pdu, 11, 1, &ISYSTEMACTIVATOR));
	send_srv(h, ATTACKER, CPORT + 3, 135, pdu, rpc_request(pdu, 1, 4, stub, n, (uint32_t)n));
	assert_int_equal(h->n, 0);
	h_free(h);
}

/* ---- MS04-011 ------------------------------------------------------------------------ */

static void
lsass_exchange(struct harness *h, const struct uuid *iface, uint16_t opnum, uint32_t stub_len,
    bool len_prefix)
{
	uint8_t pdu[PB_MAX], msg[PB_MAX], stub[512];
	size_t n;

	memset(stub, 0x41, sizeof(stub));
	handshake(h, ATTACKER, CPORT, 445);
	n = rpc_bind(pdu, 11, 0, iface);
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_transact_nmpipe(msg, pdu, (uint16_t)n));
	/* The first fragment of the call: its header announces the whole stub. */
	n = rpc_request(pdu, 0, opnum, stub, stub_len < sizeof(stub) ? stub_len : sizeof(stub),
	    stub_len);
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_write_andx(msg, pdu, (uint16_t)n, len_prefix));
}

static void
lsass_upgrade_downlevel_flagged(void **state)
{
	struct harness *h = h_new(NULL);

	(void)state;
	lsass_exchange(h, &DSSETUP, 9, 7000, false);
	assert_exploit(h, "lsass", 445);
	h_free(h);
	h = h_new(NULL);
	lsass_exchange(h, &DSSETUP, 9, LSASS_STUB_MIN, true);
	assert_exploit(h, "lsass", 445);
	h_free(h);
}

static void
lsass_near_misses_not_flagged(void **state)
{
	struct harness *h = h_new(NULL);

	(void)state;
	/* DsRoleGetPrimaryDomainInformation (opnum 0, level 1): what every domain member asks. */
	lsass_exchange(h, &DSSETUP, 0, 2, false);
	/* Opnum 9 with arguments too short to overflow anything. */
	lsass_exchange(h, &DSSETUP, 9, LSASS_STUB_MIN - 1, false);
	/* A long call on the LSA interface of the same pipe. */
	lsass_exchange(h, &LSARPC, 9, 7000, false);
	assert_int_equal(h->n, 0);
	h_free(h);
}

/* ---- MS17-010 ------------------------------------------------------------------------ */

static void
eternalblue_nt_trans_flagged(void **state)
{
	struct harness *h = h_new(NULL);
	uint8_t msg[PB_MAX];

	(void)state;
	handshake(h, ATTACKER, CPORT, 445);
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_nt_trans(msg, 0x40, 0x0000, 0x10016, 976));
	assert_exploit(h, "eternalblue", 445);
	h_free(h);
}

static void
eternalblue_trans2_secondary_after_nt_trans_flagged(void **state)
{
	struct harness *h = h_new(NULL);
	uint8_t msg[PB_MAX];

	(void)state;
	handshake(h, ATTACKER, CPORT, 445);
	/* A fragmented NT transaction with sane counts is not a signature by itself... */
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_nt_trans(msg, 0x40, 0x0001, 4096, 1000));
	/* ...nor is a Trans2 Secondary of another transaction... */
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_trans2_secondary(msg, 0x41, 1000));
	assert_int_equal(h->n, 0);
	/* ...but a Trans2 Secondary continuing the NT transaction is. */
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_trans2_secondary(msg, 0x40, 1000));
	assert_exploit(h, "eternalblue", 445);
	h_free(h);
}

static void
smb_near_misses_not_flagged(void **state)
{
	struct harness *h = h_new(NULL);
	uint8_t msg[PB_MAX];

	(void)state;
	handshake(h, ATTACKER, CPORT, 445);
	/* TRANS2_FIND_FIRST2, the directory listing every SMBv1 client sends. */
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_trans2(msg, false, 7, 0x0001, 20));
	/* NT_TRANSACT_QUERY_SECURITY_DESC with sane counts, whole in one message. */
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_nt_trans(msg, 8, 0x0006, 0, 0));
	/* Function 0 with little data cannot overflow the FEA list conversion. */
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_nt_trans(msg, 9, 0x0000, 4096, 976));
	/* A huge NT Trans of a real function (e.g. setting a large security descriptor). */
	send_cli(h, ATTACKER, CPORT + 1, 445, msg, smb_nt_trans(msg, 10, 0x0003, 0x20000, 976));
	assert_int_equal(sig_count(h, "eternalblue") + sig_count(h, "doublepulsar"), 0);
	assert_int_equal(h_count(h, ENGINE_SIGNATURE), 0);
	h_free(h);
}

static void
doublepulsar_ping_flagged_not_its_answer(void **state)
{
	struct harness *h = h_new(NULL);
	uint8_t msg[PB_MAX];

	(void)state;
	handshake(h, ATTACKER, CPORT, 445);
	/* The implant's answer alone (MID 0x51) flags nobody: the target is never flagged. */
	send_srv(h, ATTACKER, CPORT, 445, msg, smb_trans2(msg, true, 0x51, 0x000e, 0));
	assert_int_equal(h->n, 0);
	send_cli(h, ATTACKER, CPORT, 445, msg, smb_trans2(msg, false, 0x41, 0x000e, 12));
	assert_exploit(h, "doublepulsar", 445);
	h_free(h);
}

/* ---- truncation ------------------------------------------------------------------------ */

/*
 * Feeds `bind` (may be NULL) whole, then `req` cut to every captured length,
 * each time on a connection of its own; the request must match `name` exactly
 * when at least `need` bytes of its frame were captured.
 */
static void
truncated_requests(const uint8_t *bind, size_t bind_len, const uint8_t *req, size_t req_len,
    uint16_t dport, const char *name, size_t need)
{
	struct sig_state *s = sig_new(7);
	uint8_t f[PB_MAX];
	size_t cut, flen = 0;
	struct pkt p;

	assert_non_null(s);
	for (cut = 0; cut <= req_len; cut++) {
		uint16_t cport = (uint16_t)(2000 + cut);
		const char *got;
		if (bind != NULL) {
			size_t n = pb_tcp_data(f, ATTACKER, cport, TARGET, dport, bind, (uint16_t)bind_len);
			assert_int_equal(decode_frame(1, f, (uint32_t)n, &p), DECODE_OK);
			assert_null(sig_match(s, &p, 0));
		}
		flen = pb_tcp_data(f, ATTACKER, cport, TARGET, dport, req, (uint16_t)req_len);
		/* The frame as captured: headers whole, the payload cut. */
		assert_int_equal(decode_frame(1, f, (uint32_t)(flen - req_len + cut), &p), DECODE_OK);
		assert_int_equal(p.payload_len, cut);
		got = sig_match(s, &p, 0);
		if (cut >= need) {
			assert_non_null(got);
			assert_string_equal(got, name);
		} else {
			assert_null(got);
		}
	}
	sig_free(s);
}

static void
truncated_payloads_handled(void **state)
{
	uint8_t bind[PB_MAX], req[PB_MAX], stub[PB_MAX], m1[PB_MAX], m2[PB_MAX];
	size_t nb, nr, n;

	(void)state;
	/* DCOM: the server name's 64th unit must be there. */
	nb = rpc_bind(bind, 11, 1, &ISYSTEMACTIVATOR);
	n = dcom_stub(stub, 300, 'A');
	nr = rpc_request(req, 1, 4, stub, n, (uint32_t)n);
	truncated_requests(bind, nb, req, nr, 135, "dcom_rpc",
	    24 + DCOM_NAME_AT + 2 * DCOM_SERVER_NAME_MAX);
	/* LSASS over SMB: the request header (24 bytes) after the Write AndX's 64-byte header. */
	nb = smb_transact_nmpipe(m1, bind, (uint16_t)rpc_bind(bind, 11, 0, &DSSETUP));
	memset(stub, 0x41, 64);
	nr = smb_write_andx(m2, req, (uint16_t)rpc_request(req, 0, 9, stub, 64, 7000), false);
	truncated_requests(m1, nb, m2, nr, 445, "lsass", 4 + 64 + 24);
	/* EternalBlue: all 20 NT Trans words (the function code is in them). */
	nr = smb_nt_trans(m2, 0x40, 0, 0x10016, 976);
	truncated_requests(NULL, 0, m2, nr, 445, "eternalblue", 4 + 33 + 40);
	/* DoublePulsar: all 15 Trans2 words. */
	nr = smb_trans2(m2, false, 0x41, 0x000e, 12);
	truncated_requests(NULL, 0, m2, nr, 445, "doublepulsar", 4 + 33 + 30);
}

/* Every name a sensor reports survives its event line, so the daemon accepts the detection. */
static void
names_known(void **state)
{
	static const char *const names[] = { "slammer", "welchia", "blaster", "dcom_rpc", "lsass",
		"eternalblue", "doublepulsar" };
	struct detection d, back;
	char line[2048], err[256], *at;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_string_equal(sig_name_known(names[i]), names[i]);
		memset(&d, 0, sizeof(d));
		d.engine = ENGINE_SIGNATURE;
		d.signature = sig_name_known(names[i]);
		ip_from_str(ATTACKER, &d.src);
		d.proto = IPPROTO_NUM_TCP;
		d.has_dport = true;
		d.dport = 445;
		d.probes = d.distinct_dsts = 1;
		d.time_us = d.first_seen_us = H_T0;
		n = detection_to_json(&d, "test", line, sizeof(line));
		assert_true(n > 0);
		assert_int_equal(detection_from_json(line, (size_t)n, &back, err, sizeof(err)), 0);
		assert_string_equal(back.signature, names[i]);
	}
	assert_null(sig_name_known("sasser"));
	assert_null(sig_name_known(""));
	/* The last line (doublepulsar) with a name no signature has: refused for that field. */
	at = strstr(line, "\"doublepulsar\"");
	assert_non_null(at);
	memcpy(at, "\"doublepulsaX\"", 14);
	assert_int_not_equal(detection_from_json(line, strlen(line), &back, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "signature"));
}

/*
 * sig_tcp_segment, which lets the per-packet path pass over a segment
 * undecoded: it keeps every segment that starts a request the signatures
 * read, and passes over SMB2/3, replies, headers cut short, the rest of a
 * transfer and other ports.
 */
static void
segment_filter_keeps_request_starts(void **state)
{
	uint8_t msg[PB_MAX], rpc[16];
	size_t n;

	(void)state;
	n = smb_nt_trans(msg, 0x40, 0x0000, 0x10016, 976);    /* EternalBlue's opening */
	assert_true(n > 100);
	assert_true(sig_tcp_segment(445, msg, (uint32_t)n));
	assert_true(sig_tcp_segment(139, msg, (uint32_t)n));
	assert_false(sig_tcp_segment(80, msg, (uint32_t)n));
	assert_false(sig_tcp_segment(445, msg, 0));
	assert_false(sig_tcp_segment(445, msg + 100, (uint32_t)n - 100));
	assert_false(sig_tcp_segment(445, msg, SIG_NBSS_HDR_LEN + SIG_SMB1_HDR_LEN));
	msg[4] = 0xfe;                                          /* SMB2's protocol id */
	assert_false(sig_tcp_segment(445, msg, (uint32_t)n));
	msg[4] = 0xff;
	msg[4 + 9] |= SIG_SMB1_FLAGS_REPLY;
	assert_false(sig_tcp_segment(445, msg, (uint32_t)n));
	n = smb_trans2(msg, true, 7, 0x000e, 0);                /* DoublePulsar's answer */
	assert_false(sig_tcp_segment(445, msg, (uint32_t)n));

	rpc_common(rpc, 0, 16);
	assert_true(sig_tcp_segment(135, rpc, 16));
	assert_false(sig_tcp_segment(135, rpc, 15));
	rpc[1] = 2;
	assert_false(sig_tcp_segment(135, rpc, 16));
	rpc[1] = 0;
	rpc[0] = 4;
	assert_false(sig_tcp_segment(135, rpc, 16));

	/* Blaster's shell: its command may come in any segment. */
	assert_true(sig_tcp_segment(4444, (const uint8_t *)"x", 1));
	assert_false(sig_tcp_segment(4444, (const uint8_t *)"x", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dcom_overlong_server_name_flagged),
		cmocka_unit_test(dcom_near_misses_not_flagged),
		cmocka_unit_test(lsass_upgrade_downlevel_flagged),
		cmocka_unit_test(lsass_near_misses_not_flagged),
		cmocka_unit_test(eternalblue_nt_trans_flagged),
		cmocka_unit_test(eternalblue_trans2_secondary_after_nt_trans_flagged),
		cmocka_unit_test(smb_near_misses_not_flagged),
		cmocka_unit_test(doublepulsar_ping_flagged_not_its_answer),
		cmocka_unit_test(truncated_payloads_handled),
		cmocka_unit_test(names_known),
		cmocka_unit_test(segment_filter_keeps_request_starts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
