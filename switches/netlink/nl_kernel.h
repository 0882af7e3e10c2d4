/* SPDX-License-Identifier: ISC */
/*
 * nl_kernel.h: the kernel through libnl (nl_kernel.c), internal to
 * switches/netlink/. Errors are libnl's negative codes, read through the
 * predicates below so that no other module needs libnl.
 */
#ifndef CORDON_NL_KERNEL_H
#define CORDON_NL_KERNEL_H

#include "nl_int.h"

/* The route socket, inside cfg.netns; im->sk and im->strict_dumps set. 0 or -1 with err. */
int open_route_socket(struct netlink_impl *im, char *err, size_t errlen);
void kernel_close(struct netlink_impl *im);

/* Adds one object; 0 or a negative error (kernel_exists: an identical one is there). */
int kernel_add(struct netlink_impl *im, const struct fib_obj *s);
/* Deletes one object; 0 or a negative error (kernel_absent: it was not there). */
int kernel_del(struct netlink_impl *im, const struct fib_obj *s);

bool kernel_exists(int rc);
bool kernel_absent(int rc);
/* The kernel refuses the object's shape (e.g. IPv6 source routes without subtrees). */
bool kernel_unsupported(int rc);
/* The status and text of an error. */
enum enf_status status_of(int nlerr);
const char *error_text(int nlerr);

#endif
