/* SPDX-License-Identifier: ISC */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the throw-away root directory is made (root's own, always there). */
#define EMPTY_ROOT_TEMPLATE "/tmp/cordon-root.XXXXXX"

int
privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		if (errno == 0 || errno == ENOENT || errno == ESRCH)
			snprintf(err, errlen, "user %s does not exist", name);
		else
			snprintf(err, errlen, "looking up user %s: %s", name, strerror(errno));
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* chdir into a fresh directory, remove it, make it the root. */
static int
enter_empty_root(char *err, size_t errlen)
{
	char dir[] = EMPTY_ROOT_TEMPLATE;

	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "mkdtemp %s: %s", EMPTY_ROOT_TEMPLATE, strerror(errno));
		return -1;
	}
	if (chdir(dir) != 0) {
		snprintf(err, errlen, "chdir %s: %s", dir, strerror(errno));
		rmdir(dir);
		return -1;
	}
	if (rmdir(dir) != 0) {
		snprintf(err, errlen, "rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (chroot(".") != 0 || chdir("/") != 0) {
		snprintf(err, errlen, "chroot to the removed %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every capability the kernel knows but those in `keep` leaves the bounding set. */
static int
drop_bounding(uint64_t keep, char *err, size_t errlen)
{
	int c;

	for (c = 0; c < 64; c++) {
		if (keep & PRIVDROP_CAP(c))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break;                   /* EINVAL: past the last capability */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
			snprintf(err, errlen, "prctl(PR_CAPBSET_DROP, %d): %s", c, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
verify(uid_t uid, gid_t gid, uint64_t keep, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	uint64_t eff, perm, inh;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) {
		snprintf(err, errlen, "getresuid: %s", strerror(errno));
		return -1;
	}
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		snprintf(err, errlen, "ids are uid %ld/%ld/%ld gid %ld/%ld/%ld, not %ld/%ld",
		    (long)ru, (long)eu, (long)su, (long)rg, (long)eg, (long)sg, (long)uid,
		    (long)gid);
		return -1;
	}
	if (getgroups(0, NULL) != 0) {
		snprintf(err, errlen, "supplementary groups are left");
		return -1;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	perm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	inh = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	if (eff != keep || perm != keep || inh != 0) {
		snprintf(err, errlen, "capabilities are effective %#llx permitted %#llx "
		    "inheritable %#llx, not %#llx", (unsigned long long)eff,
		    (unsigned long long)perm, (unsigned long long)inh, (unsigned long long)keep);
		return -1;
	}
	/* Root must be out of reach for good. */
	if (uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "could still become root after dropping privileges");
		return -1;
	}
	return 0;
}

int
privdrop_switch(uid_t uid, gid_t gid, uint64_t keep, int empty_root, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (empty_root && enter_empty_root(err, errlen) != 0)
		return -1;
	/* Dropping from the bounding set needs CAP_SETPCAP: before setuid. */
	if (drop_bounding(keep, err, errlen) != 0)
		return -1;
	/* Keep the permitted set across setuid when some of it is to stay. */
	if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "switching to uid %ld gid %ld: %s", (long)uid, (long)gid,
		    strerror(errno));
		return -1;
	}
	/* setresuid cleared effective (and, without KEEPCAPS, permitted) already
	 * for a uid other than 0; set all three sets whatever the uid. */
	memset(data, 0, sizeof(data));
	data[0].permitted = data[0].effective = (uint32_t)keep;
	data[1].permitted = data[1].effective = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) != 0) {
		snprintf(err, errlen, "capset(%#llx): %s", (unsigned long long)keep,
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
		snprintf(err, errlen, "prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl: %s", strerror(errno));
		return -1;
	}
	return verify(uid, gid, keep, err, errlen);
}
