#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
chown_tree(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;

	if (chown(dir, uid, gid) != 0) {
		snprintf(err, errlen, "chown %s: %s", dir, strerror(errno));
		return -1;
	}
	d = opendir(dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* One level: the database, its WAL and shared-memory files, the
	 * backends' directories (the SNMP library's persistent state). */
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lchown(path, uid, gid) != 0) {
			snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int
privdrop(uid_t uid, gid_t gid, const char *state_dir, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (chown_tree(state_dir, uid, gid, err, errlen) != 0)
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
