/* SPDX-License-Identifier: ISC */
/* labnet: lab address rules and PRNG (see labnet.h). */
#include "labnet.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Where lab traffic may go: RFC 1918 private space and RFC 5737 TEST-NETs. */
static const struct labnet_prefix allowed_ranges[] = {
	{ 0x0a000000u, 8 },      /* 10.0.0.0/8 */
	{ 0xac100000u, 12 },     /* 172.16.0.0/12 */
	{ 0xc0a80000u, 16 },     /* 192.168.0.0/16 */
	{ 0xc0000200u, 24 },     /* 192.0.2.0/24, TEST-NET-1 */
	{ 0xc6336400u, 24 },     /* 198.51.100.0/24, TEST-NET-2 */
	{ 0xcb007100u, 24 },     /* 203.0.113.0/24, TEST-NET-3 */
};
#define NALLOWED (sizeof(allowed_ranges) / sizeof(allowed_ranges[0]))

int
labnet_parse_ip(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -1;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0')
		return -1;
	*addr = a;
	return 0;
}

uint32_t
labnet_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int
labnet_parse_prefix(const char *s, struct labnet_prefix *p, char *err, size_t errlen)
{
	char buf[32], *slash, *end;
	uint32_t addr;
	long len;
	char shown[16];

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%s' is not a prefix (A.B.C.D/LEN)", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL) {
		snprintf(err, errlen, "'%s' has no /LEN (e.g. 10.10.0.0/24)", s);
		return -1;
	}
	*slash = '\0';
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (labnet_parse_ip(buf, &addr) != 0 || errno != 0 || end == slash + 1 || *end != '\0' ||
	    len < 0 || len > 32) {
		snprintf(err, errlen, "'%s' is not a prefix (A.B.C.D/LEN, LEN 0-32)", s);
		return -1;
	}
	if ((addr & ~labnet_mask((uint8_t)len)) != 0) {
		snprintf(err, errlen, "'%s' has host bits set (did you mean %s/%ld?)", s,
		    labnet_ip_str(addr & labnet_mask((uint8_t)len), shown, sizeof(shown)), len);
		return -1;
	}
	p->net = addr;
	p->len = (uint8_t)len;
	return 0;
}

bool
labnet_contains(const struct labnet_prefix *p, uint32_t addr)
{
	return (addr & labnet_mask(p->len)) == p->net;
}

uint32_t
labnet_broadcast(const struct labnet_prefix *p)
{
	return p->net | ~labnet_mask(p->len);
}

bool
labnet_addr_allowed(uint32_t addr)
{
	size_t i;

	for (i = 0; i < NALLOWED; i++)
		if (labnet_contains(&allowed_ranges[i], addr))
			return true;
	return false;
}

bool
labnet_prefix_allowed(const struct labnet_prefix *p, char *err, size_t errlen)
{
	char shown[16];
	size_t i;

	for (i = 0; i < NALLOWED; i++) {
		/* Inside a range: at least as long, and its network in the range. */
		if (p->len >= allowed_ranges[i].len && labnet_contains(&allowed_ranges[i], p->net))
			break;
	}
	if (i == NALLOWED) {
		snprintf(err, errlen, "prefix %s/%u is not inside private or documentation "
		    "space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 192.0.2.0/24, "
		    "198.51.100.0/24, 203.0.113.0/24): lab traffic never leaves the lab",
		    labnet_ip_str(p->net, shown, sizeof(shown)), p->len);
		return false;
	}
	if (p->len > 30) {
		snprintf(err, errlen, "prefix %s/%u holds no hosts to target (at most /30)",
		    labnet_ip_str(p->net, shown, sizeof(shown)), p->len);
		return false;
	}
	return true;
}

struct labnet_prefix
labnet_local_block(const struct labnet_prefix *p, uint32_t addr, uint8_t len)
{
	struct labnet_prefix b;

	if (len <= p->len)
		return *p;
	b.len = len;
	b.net = addr & labnet_mask(len);
	return b;
}

bool
labnet_is_target(const struct labnet_prefix *p, uint32_t addr)
{
	return labnet_contains(p, addr) && addr != p->net && addr != labnet_broadcast(p);
}

char *
labnet_ip_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

uint64_t
labnet_rng_next(struct labnet_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
labnet_rng_below(struct labnet_rng *r, uint32_t n)
{
	return (uint32_t)(labnet_rng_next(r) % n);
}

double
labnet_rng_unit(struct labnet_rng *r)
{
	return (double)(labnet_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

void
labnet_json_times(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "\"time\":%lld.%06ld,\"utc\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

int
labnet_log_line(int fd, uint32_t self, const char *event, const char *members,
    const char *fmt, va_list ap)
{
	char line[1024], when[128], ip[16];
	size_t n;
	ssize_t w;
	int k;

	labnet_json_times(when, sizeof(when));
	k = snprintf(line, sizeof(line), "{%s,\"event\":\"%s\",\"host\":\"%s\"%s", when, event,
	    labnet_ip_str(self, ip, sizeof(ip)), members);
	if (k < 0) {
		errno = EINVAL;     /* a line without its time and host is no event */
		return -1;
	}
	n = (size_t)k;
	if (n < sizeof(line)) {
		k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n += k < 0 ? 0 : (size_t)k;
	}
	/* Room for the closing brace and the newline, whatever was cut. */
	if (n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	line[n++] = '}';
	line[n++] = '\n';
	w = write(fd, line, n);
	if (w != (ssize_t)n) {
		if (w >= 0)
			errno = EIO;     /* short: nothing else says why */
		return -1;
	}
	return 0;
}
