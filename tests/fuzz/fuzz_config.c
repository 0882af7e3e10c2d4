/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target: cordond's config file (conf_load), fed through a memfd so
 * that the parser sees a real file, as it does in the daemon.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cordon_conf conf;   /* large: not on the stack */
	char path[64], err[1024];
	int fd = memfd_create("cordon-conf", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		(void)conf_load(path, &conf, err, sizeof(err));
	}
	close(fd);
	return 0;
}
