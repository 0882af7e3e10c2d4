/* SPDX-License-Identifier: ISC */
/*
 * privdrop: the one way Cordon's daemons give up root once their sockets,
 * captures and files are open, as OpenBSD's daemons do: no supplementary
 * groups, real, effective and saved ids all the unprivileged user's (checked
 * afterwards), no capabilities but those a caller names (permitted,
 * effective and bounding set alike; none inheritable or ambient),
 * PR_SET_NO_NEW_PRIVS, and optionally a chroot to an empty directory.
 */
#ifndef CORDON_PRIVDROP_H
#define CORDON_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A capability number (CAP_NET_ADMIN...) as a bit for privdrop_switch(). */
#define PRIVDROP_CAP(c) ((uint64_t)1 << (c))

/*
 * Looks up user `name` (before any chroot: the password database is a file).
 * Returns 0 with its uid and primary gid, or -1 with "user NAME does not
 * exist" (or the lookup's error) in err.
 */
int privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/*
 * Becomes uid/gid for good, keeping only the capabilities in `keep` (a mask
 * of PRIVDROP_CAP() bits; 0 for none). With `empty_root` the process is
 * first confined to an empty directory: a fresh one, removed again once the
 * process is inside, so that nothing can ever be created in it (not even by
 * root) and nothing is left on disk. Needs root. Verifies what it did:
 * getresuid/getresgid report uid/gid three times, no supplementary group is
 * left, the capability sets are exactly `keep`, and setuid(0) fails.
 * Returns 0, or -1 with what failed in err (the process may then be
 * half-dropped: the caller exits).
 */
int privdrop_switch(uid_t uid, gid_t gid, uint64_t keep, int empty_root, char *err,
    size_t errlen);

#endif
