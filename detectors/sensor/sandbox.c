/* SPDX-License-Identifier: ISC */
/*
 * The list below is what cordon-sensor was seen to call once confined, with
 * `strace -f` from the confine point on (tests/detectors/sensor_sandbox.sh
 * and sensor_cli.sh cover each path): reading a file to stdout, to a Unix
 * socket and to TCP, with the peer there, absent and restarted; a live
 * capture on libevent with SIGUSR1, SIGTERM, the interface taken down and
 * the summary at exit.
 *
 *   every run      read write close exit_group brk mmap munmap mremap madvise
 *                  getrusage rt_sigaction rt_sigprocmask rt_sigreturn
 *                  clock_gettime gettimeofday poll (drain waits)
 *   live capture   epoll_wait epoll_ctl (libevent), sendto (its signal
 *                  pipe), getsockopt (PACKET_STATISTICS, SO_ERROR),
 *                  getsockname and ioctl(SIOCGIFFLAGS) (libpcap when the
 *                  interface goes down), setsockopt(SOL_PACKET) (libpcap
 *                  tearing down its ring at exit)
 *   reconnecting   socket (of the output's families, stream only), connect,
 *                  getsockopt (SO_ERROR), poll, sendto
 *   tls: output    getrandom, getpid, futex (OpenSSL: reseeding, its fork
 *                  check, its locks); the records themselves are read and write
 *
 * openat fails with EACCES instead of killing: libpcap's statistics try
 * /sys/class/net/IF/statistics for the interface's own drop counters, and
 * the summary goes on without them. No other file is opened once confined:
 * the time zone and jansson's seed are read before (main.c).
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/sockios.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* Allowed whatever their arguments. */
static const int always[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(close), SCMP_SYS(exit_group),
	SCMP_SYS(exit), SCMP_SYS(restart_syscall),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(getrusage), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl), SCMP_SYS(sendto), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
};

/* A tls: output: OpenSSL reseeds its generator from the kernel, checks its
 * process id (a fork would share the generator's state) and takes its locks. */
static const int tls_calls[] = {
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(futex),
};

#ifdef CORDON_SANDBOX_SANITIZERS
#include <sanitizer/lsan_interface.h>
/*
 * A sanitizer build only (CORDON_SANITIZE, CORDON_FUZZ), never the shipped
 * program: AddressSanitizer's and UBSan's reports read /proc/self/maps and
 * the binaries (open, stat, lseek, readlink), use their own stack and locks
 * (sigaltstack, futex, mprotect) and may map any memory. So such a build
 * opens files and has no chroot (sandbox_needs_file_system).
 * LeakSanitizer's check cannot run confined at all: it stops the world with
 * a ptrace()ing clone and lists /proc/PID/task, which a process that changed
 * its user may not be traced for; it runs once just before the filter is
 * loaded instead (__lsan_do_leak_check, which also turns off the check at
 * exit). The confined code's own leaks are checked by the unit tests that
 * run it unconfined (detectors.test_output, detectors.test_captures).
 */
static const int sanitizers[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(newfstatat), SCMP_SYS(fstat),
	SCMP_SYS(lseek), SCMP_SYS(readlink), SCMP_SYS(getdents64), SCMP_SYS(mprotect),
	SCMP_SYS(sched_yield), SCMP_SYS(futex), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(sigaltstack), SCMP_SYS(tgkill), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(uname), SCMP_SYS(prctl),
	SCMP_SYS(mmap),
};
#endif

/* Argument `arg` compared with `op` to a (and b); every field given, which
 * libseccomp's SCMP_A* macros do not do. */
static struct scmp_arg_cmp
arg_cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp c = { arg, op, a, b };
	return c;
}

static int
add(scmp_filter_ctx ctx, int sys, unsigned n, const struct scmp_arg_cmp *cmp, char *err,
    size_t errlen)
{
	int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, sys, n, cmp);

	if (rc != 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, sys);
		snprintf(err, errlen, "seccomp rule for %s: %s", name ? name : "?", strerror(-rc));
		free(name);
		return -1;
	}
	return 0;
}

int
sandbox_needs_file_system(void)
{
#ifdef CORDON_SANDBOX_SANITIZERS
	return 1;
#else
	return 0;
#endif
}

int
sandbox_enter(const int *families, size_t n, bool tls, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	size_t i;
	int rc;

	/* Also set by privdrop_switch; a sensor that did not start as root
	 * needs it here to install a filter at all. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	/* Killed calls are logged (audit SECCOMP records: syscall= and comm=). */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp logging: %s", strerror(-rc));
		goto fail;
	}
	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (add(ctx, always[i], 0, NULL, err, errlen) != 0)
			goto fail;
	for (i = 0; tls && i < sizeof(tls_calls) / sizeof(tls_calls[0]); i++)
		if (add(ctx, tls_calls[i], 0, NULL, err, errlen) != 0)
			goto fail;
	/* Memory, but never executable: no new code once confined. */
	{
		struct scmp_arg_cmp noexec = arg_cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
		if (add(ctx, SCMP_SYS(mmap), 1, &noexec, err, errlen) != 0)
			goto fail;
	}
	/* libpcap: interface flags when the interface went down; its ring's
	 * teardown at exit. */
	{
		struct scmp_arg_cmp flags = arg_cmp(1, SCMP_CMP_EQ, SIOCGIFFLAGS, 0);
		struct scmp_arg_cmp packet = arg_cmp(1, SCMP_CMP_EQ, SOL_PACKET, 0);
		if (add(ctx, SCMP_SYS(ioctl), 1, &flags, err, errlen) != 0 ||
		    add(ctx, SCMP_SYS(setsockopt), 1, &packet, err, errlen) != 0)
			goto fail;
	}
#ifndef CORDON_SANDBOX_SANITIZERS
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp rule for openat: %s", strerror(-rc));
		goto fail;
	}
#endif
	/* Reconnecting the output: stream sockets of its families only. */
	for (i = 0; i < n; i++) {
		struct scmp_arg_cmp sock[2];
		sock[0] = arg_cmp(0, SCMP_CMP_EQ, (scmp_datum_t)families[i], 0);
		sock[1] = arg_cmp(1, SCMP_CMP_EQ, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (add(ctx, SCMP_SYS(socket), 2, sock, err, errlen) != 0)
			goto fail;
	}
	if (n > 0 && add(ctx, SCMP_SYS(connect), 0, NULL, err, errlen) != 0)
		goto fail;
#ifdef CORDON_SANDBOX_SANITIZERS
	for (i = 0; i < sizeof(sanitizers) / sizeof(sanitizers[0]); i++)
		if (add(ctx, sanitizers[i], 0, NULL, err, errlen) != 0)
			goto fail;
	__lsan_do_leak_check();
#endif
	rc = seccomp_load(ctx);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
