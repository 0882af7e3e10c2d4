/* SPDX-License-Identifier: ISC */
/*
 * fuzz_snmp_decoders: what a broken or hostile switch (or anyone who can send
 * a datagram to the notification port) may put in a notification's bindings,
 * and what a router may answer for its neighbour table. The first byte's low
 * bit says which: 0, the bindings go to snmpn_decode (snmp_notify.c); 1, each
 * is a neighbour-table row for snmpnb_add_row (snmp_neigh.c), then every
 * address kept is looked up.
 * The input is a script of bindings: for each, one byte picks the OID's
 * start among those the decoders look at (low 4 bits) and how many index
 * parts follow (high 4 bits; one byte each, two when the first has its top
 * bit set), then a type, and a value (an integer, or a length and octets;
 * snmpTrapOID.0's value is one of the notifications the decoder knows, or
 * octets). What must always hold, checked here without copying the decoder:
 *
 *   - the result is one of the three, and events come only with SNMPN_EVENTS;
 *   - n <= SNMPN_MAX_EVENTS, every event of a known kind;
 *   - a MAC event has a VLAN in 1..4094, a bridge port > 0, a unicast
 *     non-zero MAC; a move a from-port > 0; a link event an ifIndex > 0;
 *   - why and trap_oid are NUL-terminated within their arrays;
 *   - neighbour rows: each is kept or counted as skipped; a kept one has
 *     family 4 or 6, an ifIndex > 0 and a unicast non-zero MAC, and looking
 *     its address up finds a MAC (or says ambiguous);
 *   - no crash or sanitizer report.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snmp_neigh.h"
#include "snmp_notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const trap_oids[] = {
	"1.3.6.1.6.3.1.1.5.3", "1.3.6.1.6.3.1.1.5.4", "1.3.6.1.4.1.9.9.215.2.0.1",
	"1.3.6.1.4.1.9.9.215.2.0.2", "1.3.6.1.6.3.1.1.5.1",
};

static const struct {
	uint32_t n[16];
	size_t len;
} starts[] = {
	{{1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0}, 11},                      /* snmpTrapOID.0 */
	{{1, 3, 6, 1, 2, 1, 1, 3, 0}, 9},                             /* sysUpTime.0 */
	{{1, 3, 6, 1, 2, 1, 2, 2, 1, 1}, 10},                         /* ifIndex */
	{{1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 1, 8, 1, 2}, 14},           /* cmnHistMacChangedMsg */
	{{1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 3}, 12},                 /* cmnMACMoveAddress */
	{{1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 4}, 12},
	{{1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 5}, 12},
	{{1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 3, 6}, 12},
	{{1, 3, 6, 1, 2, 1, 4, 35, 1, 4}, 10},                        /* ipNetToPhysicalPhysAddress */
	{{1, 3, 6, 1, 2, 1, 4, 22, 1, 2}, 10},                        /* ipNetToMediaPhysAddress */
	{{1, 3, 6, 1, 4, 1}, 6},
};

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t take(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static void check(const struct snmpn_decoded *d)
{
	if (d->result != SNMPN_EVENTS && d->result != SNMPN_IGNORED && d->result != SNMPN_MALFORMED)
		abort();
	if (d->result != SNMPN_EVENTS && d->n != 0)
		abort();
	if (d->n > SNMPN_MAX_EVENTS)
		abort();
	if (!memchr(d->why, '\0', sizeof d->why) || !memchr(d->trap_oid, '\0', sizeof d->trap_oid))
		abort();
	for (size_t i = 0; i < d->n; i++) {
		const struct snmpn_event *e = &d->ev[i];
		switch (e->kind) {
		case SNMPN_LINK_DOWN:
		case SNMPN_LINK_UP:
			if (e->if_index == 0)
				abort();
			break;
		case SNMPN_MAC_MOVED:
			if (e->from_port == 0)
				abort();
			/* fall through */
		case SNMPN_MAC_LEARNT:
		case SNMPN_MAC_REMOVED:
			if (e->vlan < 1 || e->vlan > 4094 || e->bridge_port == 0 || (e->mac[0] & 1))
				abort();
			if (!(e->mac[0] | e->mac[1] | e->mac[2] | e->mac[3] | e->mac[4] | e->mac[5]))
				abort();
			break;
		default:
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snmpc_vb vbs[12];
	struct input in = {data, size};
	size_t n = 0;
	bool neigh = take(&in) & 1;
	while (in.left && n < sizeof vbs / sizeof vbs[0]) {
		struct snmpc_vb *vb = &vbs[n++];
		memset(vb, 0, sizeof *vb);
		uint8_t pick = take(&in);
		size_t s = (size_t)(pick & 15) % (sizeof starts / sizeof starts[0]);
		memcpy(vb->oid.n, starts[s].n, starts[s].len * sizeof(uint32_t));
		vb->oid.len = starts[s].len;
		/* Index parts: few for notifications, up to 19 for an IPv6 neighbour row. */
		for (unsigned extra = pick >> 4; extra && vb->oid.len < SNMPC_MAX_OID; extra--) {
			uint32_t v = take(&in);
			if (v & 0x80)
				v = (v & 0x7f) << 8 | take(&in);
			vb->oid.n[vb->oid.len++] = v;
		}
		uint8_t type = take(&in);
		vb->type = (enum snmpc_type)(type % (SNMPC_OTHER + 1));
		if (s == 0 && (type & 0x80)) {
			/* A known notification's OID, so the decoders behind it are reached. */
			const char *t = trap_oids[((type >> 4) & 7) % (sizeof trap_oids / sizeof trap_oids[0])];
			vb->type = SNMPC_OBJECT_ID;
			vb->slen = strlen(t);
			memcpy(vb->s, t, vb->slen);
			continue;
		}
		if (vb->type == SNMPC_STRING || vb->type == SNMPC_OBJECT_ID) {
			size_t len = take(&in);
			if (len > in.left)
				len = in.left;
			memcpy(vb->s, in.p, len);
			vb->slen = len;
			in.p += len;
			in.left -= len;
		} else {
			int64_t v = 0;
			for (int k = 0; k < 8; k++)
				v = (int64_t)((uint64_t)v << 8 | take(&in));
			if (type & 0x40)
				v &= 0xffff; /* small values are the interesting ones */
			vb->i = v;
		}
	}
	if (!neigh) {
		struct snmpn_decoded d;
		snmpn_decode(vbs, n, &d);
		check(&d);
		return 0;
	}
	struct snmpnb_table t = {0};
	for (size_t i = 0; i < n; i++) {
		enum snmpnb_source src = vbs[i].oid.n[7] == 22 ? SNMPNB_MEDIA : SNMPNB_PHYSICAL;
		if (snmpnb_add_row(&t, src, &vbs[i], vbs[i].i & 1) < 0)
			abort();
	}
	if (t.n + t.skipped != n)
		abort();
	for (size_t i = 0; i < t.n; i++) {
		const struct snmpnb_entry *e = &t.e[i];
		uint8_t mac[6];
		if ((e->family != 4 && e->family != 6) || e->if_index == 0 || (e->mac[0] & 1) ||
		    !(e->mac[0] | e->mac[1] | e->mac[2] | e->mac[3] | e->mac[4] | e->mac[5]))
			abort();
		if (snmpnb_find(&t, e->family, e->ip, mac) == 0)
			abort();
	}
	snmpnb_table_free(&t);
	return 0;
}
