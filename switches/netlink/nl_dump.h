/* SPDX-License-Identifier: ISC */
/*
 * nl_dump.h: reading Cordon's objects back (nl_dump.c), internal to
 * switches/netlink/.
 */
#ifndef CORDON_NL_DUMP_H
#define CORDON_NL_DUMP_H

#include "nl_int.h"

/* Every Cordon rule and route in the kernel into `out`, sorted. 0, or -1 with err. */
int dump_owned(struct netlink_impl *im, struct obj_vec *out, char *err, size_t errlen);
/* Isolated hosts per family: those whose source block is in the kernel. */
void count_hosts(const struct netlink_impl *im, const struct obj_vec *have, unsigned hosts[2]);

#endif
