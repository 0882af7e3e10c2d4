/* SPDX-License-Identifier: ISC */
/*
 * ctl: cordond's control sockets (the protocol: ctl_proto.h and
 * docs/control-protocol.md), a front end of the core.
 */
#ifndef CORDON_CTL_H
#define CORDON_CTL_H

#include <stddef.h>

struct cordon;
struct loop;

/*
 * Listens on the configured control socket (and the read-only one, if set)
 * on `loop`; requests act on `c`. Both are borrowed and must outlive the
 * listeners, which belong to the loop. Returns 0, or -1 with err.
 */
int ctl_start(struct cordon *c, struct loop *loop, char *err, size_t errlen);

#endif
