/* SPDX-License-Identifier: ISC */
#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LINE_MAX_BYTES (16 * 1024 * 1024)

struct ctl_client {
	int fd;
	char *buf;        /* owned: received bytes */
	size_t len, cap;
	size_t consumed;  /* bytes of the last returned line, dropped on the next read */
};

struct ctl_client *
ctl_client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct ctl_client *cl;
	int fd, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		close(fd);
		errno = saved;
		return NULL;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cl->fd = fd;
	return cl;
}

int
ctl_client_send(struct ctl_client *cl, const char *json)
{
	size_t len = strlen(json), off = 0;

	while (off < len + 1) {
		const char *p = off < len ? json + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(cl->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

const char *
ctl_client_read(struct ctl_client *cl, int timeout_ms)
{
	if (cl->consumed) {
		memmove(cl->buf, cl->buf + cl->consumed, cl->len - cl->consumed);
		cl->len -= cl->consumed;
		cl->consumed = 0;
	}
	for (;;) {
		char *nl = cl->len ? memchr(cl->buf, '\n', cl->len) : NULL;
		struct pollfd pfd = { cl->fd, POLLIN, 0 };
		ssize_t n;
		if (nl != NULL) {
			*nl = '\0';
			cl->consumed = (size_t)(nl - cl->buf) + 1;
			return cl->buf;
		}
		if (cl->len + 4096 > cl->cap) {
			size_t ncap = cl->cap ? cl->cap * 2 : 65536;
			char *nb;
			if (ncap > LINE_MAX_BYTES)
				return NULL;
			nb = realloc(cl->buf, ncap);
			if (nb == NULL)
				return NULL;
			cl->buf = nb;
			cl->cap = ncap;
		}
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return NULL;
		n = recv(cl->fd, cl->buf + cl->len, cl->cap - cl->len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		cl->len += (size_t)n;
	}
}

void
ctl_client_close(struct ctl_client *cl)
{
	if (cl == NULL)
		return;
	close(cl->fd);
	free(cl->buf);
	free(cl);
}
