/* SPDX-License-Identifier: ISC */
/*
 * nl_config.h: beyond netlink.h, what the point needs of its configuration
 * (nl_config.c). Internal to switches/netlink/.
 */
#ifndef CORDON_NL_CONFIG_H
#define CORDON_NL_CONFIG_H

#include "netlink.h"

/* The address is inside the remediation prefix, of the same family. */
bool netlink_remediation_contains(const struct prefix *p, const struct ip_addr *a);

#endif
