/* SPDX-License-Identifier: ISC */
/*
 * nl_int.h: what the netlink point's modules share, inside switches/netlink/
 * only (the API is netlink.h): the shape of Cordon's rules and routes
 * (struct fib_obj) and the point's state (struct netlink_impl). No libnl
 * here: nl_kernel.c and nl_dump.c include it.
 */
#ifndef CORDON_NL_INT_H
#define CORDON_NL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink.h"

struct nl_sock;

/*
 * Messages go into the fixed-size fields of enforce.h and reconcile's diffs;
 * cutting a long one short is intended, not a fault.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/*
 * Offsets of Cordon's rules from the priority base. The shared rules come
 * before the per-host ones: the kernel keeps rules in a list ordered by
 * priority and looks for an identical rule from its head, so re-adding a
 * shared rule that is there is answered (EEXIST) after a few entries, not
 * after walking every isolated host.
 */
enum rule_slot {
	SLOT_TO_REMEDIATION = 0,    /* to R lookup M (shared) */
	SLOT_FROM_REMEDIATION = 1,  /* from R lookup M (shared) */
	SLOT_CORDON_TABLE = 2,      /* lookup T (shared) */
	SLOT_FROM_HOST = 3,         /* from H <deny> (per IPv4 host) */
	SLOT_COUNT = 4,
};

/* Shared rules of one family: two per remediation prefix and the table rule. */
#define MAX_SHARED (1 + 2 * NETLINK_MAX_REMEDIATION)
/* Objects of one host: what blocks its source, what blocks its address. */
#define HOST_OBJECTS 2

/* Dumps interrupted by a concurrent change are retried this many times. */
#define DUMP_ATTEMPTS 5

enum obj_kind { OBJ_RULE = 0, OBJ_ROUTE = 1 };

/*
 * One rule or route in the shape Cordon makes, ordered by fib_obj_cmp.
 * Addresses in network order; IPv4 in the first 4 bytes, the rest zero.
 */
struct fib_obj {
	uint8_t kind;        /* enum obj_kind */
	uint8_t family;      /* AF_INET, AF_INET6 */
	uint8_t action;      /* rule: FR_ACT_*; route: RTN_* type */
	uint8_t src_len;     /* 0 = any */
	uint8_t dst_len;
	uint32_t prio;       /* rule priority; 0 for routes */
	uint32_t table;      /* rule: FR_ACT_TO_TBL's table, else 0; route: its table */
	uint8_t src[16];
	uint8_t dst[16];
	bool foreign;        /* from a dump: carries selectors Cordon never sets */
};

struct obj_vec {
	struct fib_obj *v;   /* owned */
	size_t n, cap;
};

struct netlink_impl {
	struct netlink_point_config cfg;
	struct nl_sock *sk;                 /* owned; connected inside cfg.netns */
	char where[NETLINK_NETNS_LEN + 16]; /* "netns NAME" or "own netns", for messages */
	/*
	 * Per family (0 IPv4, 1 IPv6): hosts whose source block is in the
	 * kernel, counted from a dump at start and kept by the exact results of
	 * our own adds and deletes. The shared rules go when the last host goes.
	 */
	unsigned hosts[2];
	bool strict_dumps;   /* NETLINK_GET_STRICT_CHK on: the kernel filters route dumps */
};

#endif
