/* SPDX-License-Identifier: ISC */
#include "daemon_user.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdrop.h"

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
daemon_become_user(uid_t uid, gid_t gid, const char *const *paths, size_t n, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (chown_path(paths[i], uid, gid, err, errlen) != 0)
			return -1;
	/* No chroot: cordond reopens its database and reaches the switches'
	 * settings by path while it runs. */
	return privdrop_switch(uid, gid, PRIVDROP_CAP(CAP_NET_ADMIN), 0, err, errlen);
}
