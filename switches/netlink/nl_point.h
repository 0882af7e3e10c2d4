/* SPDX-License-Identifier: ISC */
/*
 * nl_point.h: what reconcile needs of the point (nl_point.c), internal to
 * switches/netlink/.
 */
#ifndef CORDON_NL_POINT_H
#define CORDON_NL_POINT_H

#include "nl_int.h"

struct netlink_impl *impl_of(const struct enf_point *p);
/* A zeroed result for location `l` (NULL: none). */
void result_init(struct enf_result *res, const struct enf_location *l);
/* Whether a stored location is one this point can act on; fills res and returns false when not. */
bool location_usable(struct enf_point *p, const struct enf_location *l, const char *op,
		     struct enf_result *res);
/* Shared rules of the host's family, then its own objects. Returns the count. */
unsigned all_objs(const struct netlink_point_config *c, const struct ip_addr *host,
		  struct fib_obj out[MAX_SHARED + HOST_OBJECTS]);
/* Adds whichever shared rules of the family are missing; 0 or the first error (its rule in `what`). */
int ensure_shared(struct netlink_impl *im, uint8_t family, char *what, size_t whatlen);
/* Removes the shared rules of a family; 0 or the first error. */
int remove_shared(struct netlink_impl *im, uint8_t family, char *what, size_t whatlen);

#endif
