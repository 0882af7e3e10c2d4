/* SPDX-License-Identifier: ISC */
/*
 * sandbox: the seccomp filter cordon-sensor runs under once its capture and
 * output are open and it has given up root (the one module that includes
 * seccomp.h). Only the system calls the capture loops, the detector and the
 * output need from then on are allowed; any other kills the whole process
 * (SIGSYS), and the kernel logs it (audit type SECCOMP, with the call's
 * number). The list and how it was found are in sandbox.c.
 */
#ifndef CORDON_SANDBOX_H
#define CORDON_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Sets PR_SET_NO_NEW_PRIVS and installs the filter. `families` (n of them:
 * AF_UNIX, AF_INET, AF_INET6) are the address families the output may open
 * stream sockets of to reconnect; n = 0 allows no socket at all. Returns 0,
 * or -1 with err. `tls`: the output speaks TLS (tls_calls in sandbox.c).
 */
int sandbox_enter(const int *families, size_t n, bool tls, char *err, size_t errlen);

/* 1 in a sanitizer build, whose runtime reads /proc once confined (no
 * chroot then), else 0. */
int sandbox_needs_file_system(void);

#endif
