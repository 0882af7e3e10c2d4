/* SPDX-License-Identifier: ISC */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static const char *log_ident = "cordon";
static bool log_syslog;
static int log_verbose;

void
log_init(const char *ident, bool to_syslog, int verbose)
{
	log_ident = ident;
	log_syslog = to_syslog;
	log_verbose = verbose;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event, one line: a newline in a value must not forge a second entry. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (log_syslog) {
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	} else {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s: %s%s%s\n", ts, log_ident, msg, suffix ? ": " : "",
		    suffix ? suffix : "");
		fflush(stderr);
	}
}

#define LOGFN(name, pri, cond)                                  \
	void name(const char *fmt, ...)                         \
	{                                                       \
		va_list ap;                                     \
		if (!(cond))                                    \
			return;                                 \
		va_start(ap, fmt);                              \
		vlog(pri, fmt, ap, NULL);                       \
		va_end(ap);                                     \
	}
LOGFN(log_info, LOG_INFO, 1)
LOGFN(log_notice, LOG_NOTICE, 1)
LOGFN(log_debug, LOG_DEBUG, log_verbose > 0)
LOGFN(log_warnx, LOG_WARNING, 1)
#undef LOGFN

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
