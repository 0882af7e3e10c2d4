/* SPDX-License-Identifier: ISC */
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A path, and for a directory the entries in it (one level). */
static int
chown_path(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
	if (lchown(path, uid, gid) != 0) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return 0;
	d = opendir(path);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lchown(sub, uid, gid) != 0) {
			snprintf(err, errlen, "chown %s: %s", sub, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int
privdrop(uid_t uid, gid_t gid, const char *const *paths, size_t n, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	size_t i;

	for (i = 0; i < n; i++)
		if (chown_path(paths[i], uid, gid, err, errlen) != 0)
			return -1;
	/* Keep the permitted set across setuid, then narrow it to NET_ADMIN. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "switching to uid %ld gid %ld: %s", (long)uid, (long)gid,
		    strerror(errno));
		return -1;
	}
	memset(data, 0, sizeof(data));
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective = CAP_TO_MASK(CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data) != 0) {
		snprintf(err, errlen, "capset(CAP_NET_ADMIN): %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl: %s", strerror(errno));
		return -1;
	}
	/* Root must be out of reach for good. */
	if (setuid(0) == 0) {
		snprintf(err, errlen, "could still become root after dropping privileges");
		return -1;
	}
	return 0;
}
