/* SPDX-License-Identifier: ISC */
/*
 * daemon_user: cordond needs root only to open its sockets, captures and
 * netlink sockets. Once they are open it becomes an unprivileged user and
 * keeps a single capability, CAP_NET_ADMIN, which changing FIB rules and
 * routes needs on every request. A compromise of the daemon then cannot read
 * other users' files, load modules, or sniff new interfaces. The switch
 * itself is common/privdrop's, shared with cordon-sensor.
 */
#ifndef CORDON_DAEMON_USER_H
#define CORDON_DAEMON_USER_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Hands the `n` paths (the database and its WAL files, the backends'
 * directories with their files, the Unix sensor sockets) to uid/gid so that
 * they stay writable (their modes unchanged); paths
 * that do not exist are skipped. Never anything else: the directory they sit
 * in may be shared (e.g. /var/lib). Then switches to uid/gid with no
 * supplementary groups, keeping only CAP_NET_ADMIN (permitted and
 * effective and bounding) and PR_SET_NO_NEW_PRIVS. Returns 0, or -1 with err.
 */
int daemon_become_user(uid_t uid, gid_t gid, const char *const *paths, size_t n, char *err,
    size_t errlen);

#endif
