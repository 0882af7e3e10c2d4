/* SPDX-License-Identifier: ISC */
/*
 * nl_objects.h: Cordon's rules and routes as values (nl_objects.c). Internal
 * to switches/netlink/.
 */
#ifndef CORDON_NL_OBJECTS_H
#define CORDON_NL_OBJECTS_H

#include "nl_int.h"

/* 0 for IPv4, 1 for IPv6 (index of netlink_impl.hosts). */
unsigned fam_index(uint8_t family);
/* Family and bytes of a project address, as the kernel carries them. */
uint8_t addr_to_kernel(const struct ip_addr *a, uint8_t out[16]);
void kernel_to_addr(uint8_t family, const uint8_t bytes[16], struct ip_addr *a);
/* The shared rules of `family`, in the order they are added; returns their count. */
unsigned shared_objs(const struct netlink_point_config *c, uint8_t family,
		     struct fib_obj out[MAX_SHARED]);
/* The objects of one host, in the order isolate adds them (the first marks the host isolated). */
void host_objs(const struct netlink_point_config *c, const struct ip_addr *host,
	       struct fib_obj out[HOST_OBJECTS]);
/* qsort/bsearch order of struct fib_obj. */
int fib_obj_cmp(const void *pa, const void *pb);
/* `ip` syntax: "rule pref 9103 from 10.1.0.5 prohibit", "route prohibit 10.1.0.5 table 9100". */
void obj_text(const struct fib_obj *s, char *buf, size_t len);
/* The host a per-host object is about; false for shared rules and foreign shapes. */
bool obj_host(const struct fib_obj *s, uint32_t base, struct ip_addr *host, bool *marker);

/* Sorted vectors of objects; -1 when out of memory. */
int vec_push(struct obj_vec *v, const struct fib_obj *s);
void vec_sort(struct obj_vec *v);
bool vec_contains(const struct obj_vec *v, const struct fib_obj *s);
void vec_free(struct obj_vec *v);

#endif
