/* SPDX-License-Identifier: ISC */
/*
 * labnet: the address rules every lab traffic tool obeys, in one place.
 *
 * The worm emulators may only ever aim at addresses inside a lab prefix, and
 * a lab prefix must lie inside private (RFC 1918) or documentation
 * (RFC 5737) space, so that a mistyped option can never point them at a real
 * network. Also the deterministic PRNG both tools draw their choices from.
 * Addresses are IPv4 in host byte order.
 */
#ifndef CORDON_LABNET_H
#define CORDON_LABNET_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct labnet_prefix {
	uint32_t net;            /* network address, host bits zero */
	uint8_t len;             /* prefix length */
};

/* Dotted quad "A.B.C.D", nothing else. 0, or -1 when malformed. */
int labnet_parse_ip(const char *s, uint32_t *addr);

/* "A.B.C.D/LEN" (LEN 0-32). 0, or -1 with a reason in `err`. */
int labnet_parse_prefix(const char *s, struct labnet_prefix *p, char *err, size_t errlen);

/*
 * Whether `p` may be a lab prefix: entirely inside 10/8, 172.16/12,
 * 192.168/16, 192.0.2/24, 198.51.100/24 or 203.0.113/24, and at most /30 so
 * that it holds hosts. false with a reason (naming the prefix) in `err`.
 */
bool labnet_prefix_allowed(const struct labnet_prefix *p, char *err, size_t errlen);

/* Whether `addr` lies inside one of the ranges above. */
bool labnet_addr_allowed(uint32_t addr);

uint32_t labnet_mask(uint8_t len);
bool labnet_contains(const struct labnet_prefix *p, uint32_t addr);
uint32_t labnet_broadcast(const struct labnet_prefix *p);

/*
 * The block of length `len` around `addr` (e.g. its /24), narrowed to `p`
 * when `p` is the smaller: a worm's "local subnet" never reaches outside the
 * lab prefix. `addr` must be inside `p`.
 */
struct labnet_prefix labnet_local_block(const struct labnet_prefix *p, uint32_t addr, uint8_t len);

/* Whether `addr` can be a unicast target in `p`: inside it, neither its network nor broadcast address. */
bool labnet_is_target(const struct labnet_prefix *p, uint32_t addr);

/* "A.B.C.D" into buf (at least 16 bytes); returns buf. */
char *labnet_ip_str(uint32_t addr, char *buf, size_t len);

/*
 * The wall-clock time as two JSON members, "time" (Unix seconds with a
 * fraction: what the lab's scoreboard subtracts) and "utc" (ISO 8601 with
 * milliseconds: what a person lines up with the sensor's events), written
 * into buf without braces.
 */
void labnet_json_times(char *buf, size_t len);

/*
 * Writes one JSON event line to `fd`: the times, "event", "host" (`self`),
 * then `members` (more members, each with a leading comma; may be ""), then
 * what `fmt` adds (the same). One write(2) per line on an O_APPEND file, so
 * the lines of many hosts sharing a log never interleave; a line too long
 * is cut, still closed. Returns 0, or -1 (errno set) when it was not written
 * whole.
 */
int labnet_log_line(int fd, uint32_t self, const char *event, const char *members,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* splitmix64: small, and the same sequence on every platform. */
struct labnet_rng {
	uint64_t state;
};
uint64_t labnet_rng_next(struct labnet_rng *r);
/* Uniform in [0, n), n > 0. */
uint32_t labnet_rng_below(struct labnet_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double labnet_rng_unit(struct labnet_rng *r);

#endif
