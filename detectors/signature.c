/* SPDX-License-Identifier: ISC */
#include "signature.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"

#define SLAMMER_PORT 1434
#define SLAMMER_PAYLOAD_LEN 376
#define SLAMMER_FIRST_BYTE 0x04
#define WELCHIA_FILL 0xAA
#define WELCHIA_MIN_PAYLOAD 16
#define BLASTER_SHELL_PORT SIG_PORT_BLASTER_SHELL
#define TFTP_PORT 69

#define RPC_PORT SIG_PORT_RPC
#define NETBIOS_SSN_PORT SIG_PORT_NETBIOS_SSN
#define SMB_PORT SIG_PORT_SMB

static const char blaster_file[] = "msblast.exe";

/* Every name sig_match returns, so that sig_name_known hands out the same pointers. */
enum sig_id {
	SIG_SLAMMER, SIG_WELCHIA, SIG_BLASTER, SIG_DCOM_RPC, SIG_LSASS, SIG_ETERNALBLUE,
	SIG_DOUBLEPULSAR, SIG_COUNT
};
static const char *const sig_names[SIG_COUNT] = {
	[SIG_SLAMMER] = "slammer",
	[SIG_WELCHIA] = "welchia",
	[SIG_BLASTER] = "blaster",
	[SIG_DCOM_RPC] = "dcom_rpc",
	[SIG_LSASS] = "lsass",
	[SIG_ETERNALBLUE] = "eternalblue",
	[SIG_DOUBLEPULSAR] = "doublepulsar",
};

const char *
sig_name_known(const char *name)
{
	int i;

	for (i = 0; i < SIG_COUNT; i++)
		if (strcmp(name, sig_names[i]) == 0)
			return sig_names[i];
	return NULL;
}

/* ---- bounded reads ------------------------------------------------------- */

/* Bytes of a captured packet: every read below checks against `len`. */
struct span {
	const uint8_t *b;
	uint32_t len;
};

static bool
rd16(const struct span *s, uint32_t off, bool le, uint16_t *v)
{
	if (off > s->len || s->len - off < 2)
		return false;
	*v = le ? (uint16_t)(s->b[off] | s->b[off + 1] << 8) :
	    (uint16_t)(s->b[off] << 8 | s->b[off + 1]);
	return true;
}

static bool
rd32(const struct span *s, uint32_t off, bool le, uint32_t *v)
{
	const uint8_t *b;

	if (off > s->len || s->len - off < 4)
		return false;
	b = s->b + off;
	*v = le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24 :
	    (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
	return true;
}

/* The part of `s` from `off` on, at most `max` bytes; false if `off` is past the end. */
static bool
sub(const struct span *s, uint32_t off, uint32_t max, struct span *out)
{
	if (off > s->len)
		return false;
	out->b = s->b + off;
	out->len = s->len - off < max ? s->len - off : max;
	return true;
}

/* ---- per-connection state -------------------------------------------------- */

enum rpc_iface { IF_NONE = 0, IF_SYSACT, IF_REMACT, IF_DSSETUP };

/* Presentation contexts remembered per connection (only the interfaces above). */
#define FLOW_CTXS 4

struct flow_key {
	struct ip_addr cli, srv;
	uint16_t cport, sport;
};
_Static_assert(sizeof(struct flow_key) == 36, "flow key must have no padding");
_Static_assert(sizeof(struct flow_key) <= TRACK_KEY_MAX, "flow key too long for a track table");

#define FLOW_NT_OPEN 0x01   /* an NT transaction waits for secondaries (nt_mid) */

struct flow_rec {
	uint32_t last_ms;
	struct flow_key key;
	uint16_t ctx_id[FLOW_CTXS];
	uint8_t ctx_iface[FLOW_CTXS];
	uint16_t nt_mid;
	uint8_t next_ctx;           /* slot the next context goes to (round robin) */
	uint8_t flags;
};
_Static_assert(sizeof(struct flow_rec) == 56, "flow record must stay at 56 bytes");

struct sig_state {
	struct track_table flows;
};

struct sig_state *
sig_new(uint64_t seed)
{
	struct sig_state *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (track_init(&s->flows, SIG_FLOWS, sizeof(struct flow_rec), sizeof(struct flow_key),
		SIG_FLOW_IDLE_MS, seed) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
sig_free(struct sig_state *s)
{
	if (s == NULL)
		return;
	track_free(&s->flows);
	free(s);
}

size_t
sig_bytes(const struct sig_state *s)
{
	return sizeof(*s) + track_bytes(&s->flows);
}

static void
flow_key_of(const struct pkt *p, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->cli = p->src;
	k->srv = p->dst;
	k->cport = p->sport;
	k->sport = p->dport;
}

static struct flow_rec *
flow_find(struct sig_state *s, const struct pkt *p, uint32_t now_ms)
{
	struct flow_key k;
	struct flow_rec *f;

	flow_key_of(p, &k);
	f = track_find(&s->flows, &k, track_hash(&s->flows, &k), now_ms);
	if (f != NULL)
		f->last_ms = now_ms;
	return f;
}

static struct flow_rec *
flow_get(struct sig_state *s, const struct pkt *p, uint32_t now_ms)
{
	struct flow_key k;
	struct flow_rec *f;
	int created;

	flow_key_of(p, &k);
	f = track_get(&s->flows, &k, now_ms, &created);
	f->last_ms = now_ms;
	return f;
}

static int
flow_ctx_slot(const struct flow_rec *f, uint16_t ctx_id)
{
	int i;

	for (i = 0; i < FLOW_CTXS; i++)
		if (f->ctx_iface[i] != IF_NONE && f->ctx_id[i] == ctx_id)
			return i;
	return -1;
}

/* ---- DCE/RPC (connection-oriented, C706 chapter 12, MS-RPCE) ---------------- */

#define RPC_VERS SIG_RPC_VERS
#define RPC_COMMON_LEN SIG_RPC_COMMON_LEN
#define RPC_REQUEST 0
#define RPC_BIND 11
#define RPC_ALTER_CONTEXT 14
#define PFC_FIRST_FRAG 0x01
#define PFC_OBJECT_UUID 0x80
#define DREP_LITTLE_ENDIAN 0x10
#define RPC_REQUEST_LEN 24       /* common header, alloc_hint, p_cont_id, opnum */
#define RPC_BIND_ITEMS 28        /* first p_cont_elem_t of a bind */
#define RPC_CTX_ITEM_LEN 24      /* p_cont_id, n_transfer_syn, reserved, abstract syntax */
#define RPC_SYNTAX_LEN 20        /* UUID and version of a transfer syntax */

/* Opnums of the activation calls that carry the path MS03-026 overflows. */
#define OPNUM_REMOTE_ACTIVATION 0      /* IRemoteActivation::RemoteActivation */
#define OPNUM_REMOTE_GET_CLASS_OBJECT 3  /* ISystemActivator */
#define OPNUM_REMOTE_CREATE_INSTANCE 4   /* ISystemActivator */
/* DSSETUP: DsRolerUpgradeDownlevelServer, removed from the wire by MS04-011. */
#define OPNUM_DSROLER_UPGRADE_DOWNLEVEL 9

struct uuid_fields {
	uint32_t time_low;
	uint16_t time_mid, time_hi;
	uint8_t rest[8];
};

static const struct {
	struct uuid_fields id;
	enum rpc_iface iface;
} tracked_ifaces[] = {
	/* ISystemActivator (MS-DCOM) 000001a0-0000-0000-c000-000000000046 */
	{ { 0x000001a0, 0x0000, 0x0000, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } }, IF_SYSACT },
	/* IRemoteActivation (MS-DCOM) 4d9f4ab8-7d1c-11cf-861e-0020af6e7c57 */
	{ { 0x4d9f4ab8, 0x7d1c, 0x11cf, { 0x86, 0x1e, 0x00, 0x20, 0xaf, 0x6e, 0x7c, 0x57 } }, IF_REMACT },
	/* DSSETUP (MS-DSSP) 3919286a-b10c-11d0-9ba8-00c04fd92ef5 */
	{ { 0x3919286a, 0xb10c, 0x11d0, { 0x9b, 0xa8, 0x00, 0xc0, 0x4f, 0xd9, 0x2e, 0xf5 } }, IF_DSSETUP },
};

/* The interface of the UUID at `off` (encoded per the PDU's data representation). */
static enum rpc_iface
iface_at(const struct span *pdu, uint32_t off, bool le)
{
	struct uuid_fields u;
	size_t i;

	if (!rd32(pdu, off, le, &u.time_low) || !rd16(pdu, off + 4, le, &u.time_mid) ||
	    !rd16(pdu, off + 6, le, &u.time_hi) || pdu->len - off < 16)
		return IF_NONE;
	memcpy(u.rest, pdu->b + off + 8, 8);
	for (i = 0; i < sizeof(tracked_ifaces) / sizeof(tracked_ifaces[0]); i++) {
		const struct uuid_fields *t = &tracked_ifaces[i].id;
		if (u.time_low == t->time_low && u.time_mid == t->time_mid &&
		    u.time_hi == t->time_hi && memcmp(u.rest, t->rest, 8) == 0)
			return tracked_ifaces[i].iface;
	}
	return IF_NONE;
}

/*
 * A bind or alter_context: remembers which context ids name a tracked
 * interface; a context id reused for another interface is forgotten.
 */
static void
rpc_bind(struct sig_state *s, const struct pkt *p, const struct span *pdu, bool le,
    uint32_t now_ms)
{
	uint32_t off = RPC_BIND_ITEMS, i, n;
	struct flow_rec *f = NULL;

	if (pdu->len <= RPC_BIND_ITEMS - 4)
		return;
	n = pdu->b[RPC_BIND_ITEMS - 4];
	for (i = 0; i < n; i++) {
		enum rpc_iface iface;
		uint16_t ctx_id;
		uint32_t nsyn;
		int slot;

		if (!rd16(pdu, off, le, &ctx_id) || pdu->len - off < RPC_CTX_ITEM_LEN)
			return;
		nsyn = pdu->b[off + 2];
		iface = iface_at(pdu, off + 4, le);
		if (f == NULL)
			f = iface != IF_NONE ? flow_get(s, p, now_ms) : flow_find(s, p, now_ms);
		if (f != NULL) {
			slot = flow_ctx_slot(f, ctx_id);
			if (slot < 0 && iface != IF_NONE) {
				slot = f->next_ctx;
				f->next_ctx = (uint8_t)((f->next_ctx + 1) % FLOW_CTXS);
			}
			if (slot >= 0) {
				f->ctx_id[slot] = ctx_id;
				f->ctx_iface[slot] = (uint8_t)iface;
			}
		}
		off += RPC_CTX_ITEM_LEN + nsyn * RPC_SYNTAX_LEN;
	}
}

/*
 * Whether `stub` holds a UTF-16LE UNC path "\\" whose server name (up to the
 * next backslash or NUL) is at least DCOM_SERVER_NAME_MAX code units long.
 * NDR aligns strings, so code units sit at even offsets of the stub.
 */
static bool
unc_server_overlong(const struct span *stub)
{
	const uint8_t *b = stub->b;
	uint32_t i, j, n;

	for (i = 0; i + 4 <= stub->len; i += 2) {
		if (!(b[i] == '\\' && b[i + 1] == 0 && b[i + 2] == '\\' && b[i + 3] == 0))
			continue;
		for (j = i + 4, n = 0; j + 2 <= stub->len; j += 2, n++) {
			if (b[j + 1] == 0 && (b[j] == 0 || b[j] == '\\'))
				break;
			if (n + 1 >= DCOM_SERVER_NAME_MAX)
				return true;
		}
		i = j - 2;   /* go on after the name */
	}
	return false;
}

static const char *
rpc_request(struct sig_state *s, const struct pkt *p, const struct span *pdu, bool le,
    uint8_t pfc_flags, uint16_t frag_len, uint32_t now_ms)
{
	uint32_t alloc_hint, hdr = RPC_REQUEST_LEN, stub_len;
	uint16_t ctx_id, opnum;
	struct flow_rec *f;
	struct span stub;
	int slot;

	/* Only the first fragment holds the start of the arguments. */
	if (!(pfc_flags & PFC_FIRST_FRAG))
		return NULL;
	if (!rd32(pdu, 16, le, &alloc_hint) || !rd16(pdu, 20, le, &ctx_id) ||
	    !rd16(pdu, 22, le, &opnum))
		return NULL;
	if (pfc_flags & PFC_OBJECT_UUID)
		hdr += 16;
	f = flow_find(s, p, now_ms);
	if (f == NULL || (slot = flow_ctx_slot(f, ctx_id)) < 0)
		return NULL;
	if (!sub(pdu, hdr, UINT32_MAX, &stub))
		return NULL;
	switch (f->ctx_iface[slot]) {
	case IF_SYSACT:
		if (opnum != OPNUM_REMOTE_GET_CLASS_OBJECT && opnum != OPNUM_REMOTE_CREATE_INSTANCE)
			return NULL;
		return unc_server_overlong(&stub) ? sig_names[SIG_DCOM_RPC] : NULL;
	case IF_REMACT:
		if (opnum != OPNUM_REMOTE_ACTIVATION)
			return NULL;
		return unc_server_overlong(&stub) ? sig_names[SIG_DCOM_RPC] : NULL;
	case IF_DSSETUP:
		if (opnum != OPNUM_DSROLER_UPGRADE_DOWNLEVEL)
			return NULL;
		/* The arguments' size: what the client announces or what this fragment holds. */
		stub_len = frag_len > hdr ? frag_len - hdr : 0;
		if (alloc_hint > stub_len)
			stub_len = alloc_hint;
		return stub_len >= LSASS_STUB_MIN ? sig_names[SIG_LSASS] : NULL;
	default:
		return NULL;
	}
}

/* The DCE/RPC PDU at the start of `data`: binds are remembered, requests checked. */
static const char *
rpc_pdu(struct sig_state *s, const struct pkt *p, const struct span *data, uint32_t now_ms)
{
	struct span pdu;
	uint16_t frag_len;
	bool le;

	if (!sig_rpc_start(data->b, data->len))
		return NULL;
	le = (data->b[4] & DREP_LITTLE_ENDIAN) != 0;
	if (!rd16(data, 8, le, &frag_len) || frag_len < RPC_COMMON_LEN)
		return NULL;
	/* The PDU as far as this segment holds it. */
	if (!sub(data, 0, frag_len, &pdu))
		return NULL;
	switch (data->b[2]) {
	case RPC_BIND:
	case RPC_ALTER_CONTEXT:
		rpc_bind(s, p, &pdu, le, now_ms);
		return NULL;
	case RPC_REQUEST:
		return rpc_request(s, p, &pdu, le, data->b[3], frag_len, now_ms);
	default:
		return NULL;
	}
}

/* ---- SMBv1 (MS-CIFS) ---------------------------------------------------------- */

#define NBSS_HDR_LEN SIG_NBSS_HDR_LEN
#define SMB1_HDR_LEN SIG_SMB1_HDR_LEN
#define SMB_COM_TRANSACTION 0x25
#define SMB_COM_WRITE_ANDX 0x2f
#define SMB_COM_TRANSACTION2 0x32
#define SMB_COM_TRANSACTION2_SECONDARY 0x33
#define SMB_COM_NT_TRANSACT 0xa0
#define TRANS_TRANSACT_NMPIPE 0x0026
#define TRANS2_SESSION_SETUP 0x000e
#define WRITE_MODE_MSG_START 0x0008   /* named-pipe message: a 2-byte length leads the data */

/* Words (16-bit parameters) of the requests read here. */
#define TRANS_WC_MIN 14               /* Transaction and Transaction2 without setup words */
#define TRANS_W_DATA_COUNT 11
#define TRANS_W_DATA_OFFSET 12
#define TRANS_W_SETUP_COUNT 13        /* low byte */
#define TRANS_W_SETUP0 14
#define WRITE_ANDX_W_MODE 7
#define WRITE_ANDX_W_DATA_LEN 10
#define WRITE_ANDX_W_DATA_OFFSET 11
/* NT Trans parameters are bytes, DWORD counts at odd offsets. */
#define NT_TRANS_WC_MIN 19
#define NT_TRANS_TOTAL_PARAM 3
#define NT_TRANS_TOTAL_DATA 7
#define NT_TRANS_PARAM_COUNT 19
#define NT_TRANS_DATA_COUNT 27
#define NT_TRANS_FUNCTION 36
/*
 * EternalBlue's NT transaction: function 0 (undefined for NT Trans; once the
 * Trans2 secondaries complete it, the server runs it as Trans2 subcommand 0,
 * TRANS2_OPEN2, whose FEA list is what overflows) and more data than a 16-bit
 * Trans2 count can hold.
 */
#define ETERNALBLUE_FUNCTION 0x0000
#define ETERNALBLUE_MIN_TOTAL_DATA 0x10000u

struct smb1_req {
	struct span msg;        /* from the SMB header on, as captured */
	struct span params;     /* the parameter words, all captured */
	uint8_t cmd;
	uint8_t wc;
	uint16_t mid;
};

/* The SMBv1 request at the start of a client segment to 139/445. */
static bool
smb1_request(const struct pkt *p, struct smb1_req *m)
{
	struct span seg = { p->payload, p->payload_len };

	if (!sig_smb1_start(seg.b, seg.len) || !sub(&seg, NBSS_HDR_LEN, UINT32_MAX, &m->msg))
		return false;
	m->cmd = m->msg.b[4];
	if (!rd16(&m->msg, 30, true, &m->mid))
		return false;
	m->wc = m->msg.b[SMB1_HDR_LEN];
	if (!sub(&m->msg, SMB1_HDR_LEN + 1, (uint32_t)m->wc * 2, &m->params) ||
	    m->params.len < (uint32_t)m->wc * 2)
		return false;
	return true;
}

static uint16_t
smb1_word(const struct smb1_req *m, unsigned i)
{
	uint16_t v = 0;

	(void)rd16(&m->params, i * 2, true, &v);   /* callers check wc first */
	return v;
}

/* The named-pipe data of a Transaction (TransactNmPipe) or Write AndX request. */
static bool
smb1_pipe_data(const struct smb1_req *m, struct span *data)
{
	uint16_t count, offset;

	switch (m->cmd) {
	case SMB_COM_TRANSACTION:
		if (m->wc < TRANS_WC_MIN + 1 || (smb1_word(m, TRANS_W_SETUP_COUNT) & 0xff) < 1 ||
		    smb1_word(m, TRANS_W_SETUP0) != TRANS_TRANSACT_NMPIPE)
			return false;
		count = smb1_word(m, TRANS_W_DATA_COUNT);
		offset = smb1_word(m, TRANS_W_DATA_OFFSET);
		return sub(&m->msg, offset, count, data);
	case SMB_COM_WRITE_ANDX:
		if (m->wc != 12 && m->wc != 14)
			return false;
		count = smb1_word(m, WRITE_ANDX_W_DATA_LEN);
		offset = smb1_word(m, WRITE_ANDX_W_DATA_OFFSET);
		if (!sub(&m->msg, offset, count, data))
			return false;
		if ((smb1_word(m, WRITE_ANDX_W_MODE) & WRITE_MODE_MSG_START) && data->len >= 2 &&
		    data->b[0] != RPC_VERS) {
			data->b += 2;
			data->len -= 2;
		}
		return true;
	default:
		return false;
	}
}

static const char *
smb1_sigs(struct sig_state *s, const struct pkt *p, uint32_t now_ms)
{
	struct smb1_req m;
	struct span data;
	uint32_t total_param, total_data, param_count, data_count;
	uint16_t function;
	struct flow_rec *f;

	if (!smb1_request(p, &m))
		return NULL;
	switch (m.cmd) {
	case SMB_COM_NT_TRANSACT:
		if (m.wc < NT_TRANS_WC_MIN ||
		    !rd32(&m.params, NT_TRANS_TOTAL_PARAM, true, &total_param) ||
		    !rd32(&m.params, NT_TRANS_TOTAL_DATA, true, &total_data) ||
		    !rd32(&m.params, NT_TRANS_PARAM_COUNT, true, &param_count) ||
		    !rd32(&m.params, NT_TRANS_DATA_COUNT, true, &data_count) ||
		    !rd16(&m.params, NT_TRANS_FUNCTION, true, &function))
			return NULL;
		if (function == ETERNALBLUE_FUNCTION && total_data >= ETERNALBLUE_MIN_TOTAL_DATA)
			return sig_names[SIG_ETERNALBLUE];
		/* More to come: remember the transaction for its secondaries. */
		if (param_count < total_param || data_count < total_data) {
			f = flow_get(s, p, now_ms);
			f->nt_mid = m.mid;
			f->flags |= FLOW_NT_OPEN;
		}
		return NULL;
	case SMB_COM_TRANSACTION2_SECONDARY:
		/* A Trans2 fragment continuing an NT transaction: the type confusion itself. */
		f = flow_find(s, p, now_ms);
		if (f != NULL && (f->flags & FLOW_NT_OPEN) && f->nt_mid == m.mid)
			return sig_names[SIG_ETERNALBLUE];
		return NULL;
	case SMB_COM_TRANSACTION2:
		if (m.wc >= TRANS_WC_MIN + 1 && (smb1_word(&m, TRANS_W_SETUP_COUNT) & 0xff) >= 1 &&
		    smb1_word(&m, TRANS_W_SETUP0) == TRANS2_SESSION_SETUP)
			return sig_names[SIG_DOUBLEPULSAR];
		return NULL;
	default:
		if (smb1_pipe_data(&m, &data))
			return rpc_pdu(s, p, &data, now_ms);
		return NULL;
	}
}

/* ---- one-packet signatures and dispatch ---------------------------------------- */

static bool
payload_has(const struct pkt *p, const char *needle)
{
	size_t n = strlen(needle);

	if (p->payload_len < n)
		return false;
	return memmem(p->payload, p->payload_len, needle, n) != NULL;
}

static bool
all_bytes(const uint8_t *b, uint32_t len, uint8_t v)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (b[i] != v)
			return false;
	return true;
}

static const char *
tcp_sigs(struct sig_state *s, const struct pkt *p, uint32_t now_ms)
{
	struct span seg = { p->payload, p->payload_len };

	if (!p->has_ports || !sig_tcp_segment(p->dport, p->payload, p->payload_len))
		return NULL;
	switch (p->dport) {
	case BLASTER_SHELL_PORT:
		return payload_has(p, blaster_file) ? sig_names[SIG_BLASTER] : NULL;
	case RPC_PORT:
		return rpc_pdu(s, p, &seg, now_ms);
	case NETBIOS_SSN_PORT:
	case SMB_PORT:
		return smb1_sigs(s, p, now_ms);
	default:
		return NULL;
	}
}

const char *
sig_match(struct sig_state *s, const struct pkt *p, uint32_t now_ms)
{
	switch (p->proto) {
	case IPPROTO_NUM_UDP:
		if (!p->has_ports)
			return NULL;
		if (p->dport == SLAMMER_PORT && p->payload_len == SLAMMER_PAYLOAD_LEN &&
		    p->payload[0] == SLAMMER_FIRST_BYTE)
			return sig_names[SIG_SLAMMER];
		if (p->dport == TFTP_PORT && payload_has(p, blaster_file))
			return sig_names[SIG_BLASTER];
		return NULL;
	case IPPROTO_NUM_TCP:
		return tcp_sigs(s, p, now_ms);
	case IPPROTO_NUM_ICMP:
		if (p->icmp_echo_request && p->payload_len >= WELCHIA_MIN_PAYLOAD &&
		    all_bytes(p->payload, p->payload_len, WELCHIA_FILL))
			return sig_names[SIG_WELCHIA];
		return NULL;
	default:
		return NULL;
	}
}
