/* SPDX-License-Identifier: ISC */
/*
 * log: one line per event, to stderr or syslog, in the style of OpenBSD's
 * daemons: log_warn appends strerror(errno), log_warnx does not; fatal and
 * fatalx log and exit(1). Messages never carry secrets: callers pass names,
 * not credentials.
 */
#ifndef CORDON_LOG_H
#define CORDON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* `ident` is borrowed for the process lifetime. */
void log_init(const char *ident, bool to_syslog, int verbose);
void log_setverbose(int verbose);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
