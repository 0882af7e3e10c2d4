/* SPDX-License-Identifier: ISC */
/*
 * cordon-lanchatter: the ordinary traffic of one lab host, for real, over
 * sockets in the host's namespace, so that every lab scenario runs on a LAN
 * that is busy the way an office LAN is (docs/lab.md, "Background").
 *
 * Every host:
 * - browses the network once at the start (all four queries below at once),
 *   then asks for names and devices now and then: SSDP M-SEARCH to
 *   239.255.255.250:1900, WS-Discovery Probe to 239.255.255.250:3702, LLMNR
 *   to 224.0.0.252:5355 and NBNS name queries to the subnet's directed
 *   broadcast (udp/137, sent from 137 as Windows does), for peers' names and
 *   sometimes for names nobody has;
 * - answers LLMNR and NBNS queries for its own name, unicast to the
 *   querier's address and port;
 * - answers the NMS's poll (an SNMPv2c get of sysUpTime.0 on udp/161);
 * - renews its DHCP lease with a unicast REQUEST (68 -> 67) when a DHCP
 *   server is given. The lab's addresses stay static: this is traffic, not
 *   address management.
 * Roles (--role, comma-separated) add:
 *   client      sessions to a random file or web server every few seconds
 *   heavy       sessions to every file server in turn, one every 2.5 s (ten
 *               or more servers within a minute: a backup host, a login script)
 *   fileserver  tcp/445 (an SMB2-like exchange); answers WS-Discovery
 *   webserver   tcp/80 (HTTP)
 *   printer     tcp/80 and tcp/9100; answers SSDP and WS-Discovery
 *   nas         tcp/445 and tcp/80; answers SSDP
 *   dhcp        udp/67: ACKs renewals; a DISCOVER gets a conflict-check ping
 *               of the address first, then an OFFER
 *   newclient   once per run, a DHCP DISCOVER from 0.0.0.0 and a REQUEST for
 *               the offer (a laptop joining the LAN)
 *   nms         every cycle pings and polls (udp/161) every --peers host
 *
 * Every packet this program sends carries DSCP 1 (lower effort, RFC 8622)
 * unless --dscp says otherwise: Cordon's detectors do not read the DSCP,
 * the lab's scoreboard does, to tell background packets from worm probes.
 *
 * Safety: unicast goes only to addresses inside --prefix (checked when sent;
 * a violation aborts), multicast only to the three link-local discovery
 * groups with TTL 1, broadcast only to the local /24's directed broadcast and
 * for DHCP to 255.255.255.255. Every loop is bounded in time (--duration, at
 * most an hour) and count (fixed connection and pending tables).
 *
 * Start: the sockets are opened and a "ready" line is logged; traffic starts
 * on SIGUSR1 (so that a lab starts every host's responders before any host
 * asks). --duration counts from that signal (from the process's start while
 * it has not come), so hosts started one after the other under load still
 * end together; in the last second a host answers but asks nothing new, so
 * what it asked is answered before its peers end. SIGTERM or SIGINT end it;
 * a "summary" line gives the counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "labnet.h"
#include "labopt.h"

#define PROG "cordon-lanchatter"

#define MAX_PEERS 254             /* a /24 of hosts */
#define MAX_CONNS 32               /* TCP sessions at once, each direction */
#define MAX_LISTEN 3               /* tcp/445, tcp/80, tcp/9100 */
#define MAX_OFFERS 8               /* DISCOVERs being conflict-checked */
#define MAX_PINGS 64               /* echo requests awaiting a reply */
#define SESSION_TIMEOUT_MS 3000
#define PING_TIMEOUT_MS 2000
#define CONFLICT_PING_MS 500       /* ISC dhcpd waits about this long */
#define NMS_CYCLE_MS 10000
#define NMS_GAP_MS 50              /* one target every 50 ms within a cycle */
#define RENEW_EVERY_MS 60000
#define QUIET_MS 1000             /* the last second of a run asks nothing new */
#define HEAVY_GAP_MS 2500
#define MAX_DURATION_S 3600
#define NAME_LEN 15                /* NetBIOS names are at most 15 characters */

#define DSCP_DEFAULT 1

enum role {
	ROLE_CLIENT = 1 << 0,
	ROLE_HEAVY = 1 << 1,
	ROLE_FILESERVER = 1 << 2,
	ROLE_WEBSERVER = 1 << 3,
	ROLE_PRINTER = 1 << 4,
	ROLE_NAS = 1 << 5,
	ROLE_DHCP = 1 << 6,
	ROLE_NEWCLIENT = 1 << 7,
	ROLE_NMS = 1 << 8,
};

static const struct {
	const char *name;
	unsigned bit;
} roles[] = {
	{ "client", ROLE_CLIENT }, { "heavy", ROLE_HEAVY }, { "fileserver", ROLE_FILESERVER },
	{ "webserver", ROLE_WEBSERVER }, { "printer", ROLE_PRINTER }, { "nas", ROLE_NAS },
	{ "dhcp", ROLE_DHCP }, { "newclient", ROLE_NEWCLIENT }, { "nms", ROLE_NMS },
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

#define SSDP_GROUP 0xeffffffau     /* 239.255.255.250 */
#define LLMNR_GROUP 0xe00000fcu    /* 224.0.0.252 */
#define PORT_NBNS 137
#define PORT_SNMP 161
#define PORT_SSDP 1900
#define PORT_WSD 3702
#define PORT_LLMNR 5355
#define PORT_DHCP_SERVER 67
#define PORT_DHCP_CLIENT 68

/* The SNMPv2c get-request (community "public") for sysUpTime.0 the NMS sends,
 * and the get-response; the 4-byte request-id sits at offset SNMP_ID_AT, the
 * TimeTicks value of the response at SNMP_TICKS_AT. */
static const uint8_t snmp_get[] = {
	0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
	0xa0, 0x1c, 0x02, 0x04, 0, 0, 0, 0, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00,
	0x05, 0x00,
};
static const uint8_t snmp_response[] = {
	0x30, 0x2d, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
	0xa2, 0x20, 0x02, 0x04, 0, 0, 0, 0, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x12, 0x30, 0x10, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00,
	0x43, 0x04, 0, 0, 0, 0,
};
#define SNMP_ID_AT 17
#define SNMP_TICKS_AT 43

/* Names nobody in the lab has: Windows asks for these all day long. */
static const char *const unknown_names[] = { "WPAD", "ISATAP", "PRN-3RD-FLOOR", "OLDNAS" };

enum conn_state { CONN_FREE, CONN_CONNECTING, CONN_WAITING, CONN_SERVING };

struct conn {
	int fd;
	enum conn_state state;
	uint16_t port;             /* the service port */
	int64_t deadline_ms;
	size_t got;
};

struct ping {
	uint32_t target;           /* 0: free */
	uint16_t seq;
	int64_t deadline_ms;
	int offer;                 /* index of the DHCP offer it checks, -1 for the NMS */
};

struct offer {
	bool used;
	uint32_t xid;
	uint8_t chaddr[6];
	uint32_t yiaddr;
	int64_t deadline_ms;       /* no echo reply by then: the address is free, OFFER */
	int tries;
};

struct chatter {
	uint32_t self;
	char name[NAME_LEN + 1];
	struct labnet_prefix prefix;     /* every unicast destination lies in here */
	uint32_t bcast;                  /* the local /24's directed broadcast */
	unsigned roles;
	uint32_t peers[MAX_PEERS], fileservers[MAX_PEERS], webservers[MAX_PEERS];
	size_t npeers, nfileservers, nwebservers;
	uint32_t dhcp_server;            /* 0: none */
	const char *ifname;
	int ifindex;
	uint8_t mac[6];
	int tos;
	struct labnet_rng rng;
	int log_fd;

	/* sockets, -1 when the roles do not need them */
	int nbns_fd, llmnr_fd, snmp_fd, query_fd, ssdp_fd, wsd_fd;
	int dhcpc_fd, dhcps_fd, packet_fd, icmp_fd;
	int listen_fd[MAX_LISTEN];
	uint16_t listen_port[MAX_LISTEN];
	size_t nlisten;
	struct conn conns[2 * MAX_CONNS];
	struct ping pings[MAX_PINGS];
	struct offer offers[MAX_OFFERS];

	/* timers (monotonic ms; 0: not scheduled) */
	int64_t next_discovery, next_session, next_heavy, next_renew, next_newclient;
	int64_t quiet_from;              /* from then on nothing new is asked (the run's last second) */
	int64_t nms_cycle_start;
	bool browsed;                    /* the first discovery (all four kinds) is done */
	size_t nms_next, heavy_next;
	uint16_t next_id, ping_seq, ping_ident;
	uint32_t next_pool;              /* the DHCP server's next address to offer */
	uint32_t newclient_xid;
	int newclient_state;             /* 0 idle, 1 DISCOVER sent, 2 REQUEST sent, 3 done */

	struct {
		uint64_t flows, datagrams, answered, served, sessions, sessions_ok, sessions_failed;
		uint64_t accepted, queries, pings, pings_answered, polls, polls_answered;
		uint64_t renewals, acks, offers, conflicts, ignored, send_errors;
	} n;
	int send_errno;         /* the last failed send's errno (0: none), for the summary */
};

static volatile sig_atomic_t stop_signal, go_signal;

static void on_stop(int sig) { stop_signal = sig; }
static void on_go(int sig) { (void)sig; go_signal = 1; }

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- log ---------------------------------------------------------------------------- */

/* "EHOSTUNREACH" for the summary; "" for none, the number when unnamed. */
static const char *
errno_name(int e)
{
	static char num[16];
	const char *n;

	if (e == 0)
		return "";
	n = strerrorname_np(e);
	if (n != NULL)
		return n;
	snprintf(num, sizeof(num), "%d", e);
	return num;
}

static void log_event(struct chatter *c, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One JSON line per event (labnet_log_line): many hosts may share the log. */
static void
log_event(struct chatter *c, const char *event, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (labnet_log_line(c->log_fd, c->self, event, "", fmt, ap) != 0)
		fprintf(stderr, PROG ": writing the log: %s\n", strerror(errno));
	va_end(ap);
}

/* ---- where packets may go ---------------------------------------------------------- */

/* The name a lab host answers to: LAB-<2nd>-<3rd>-<4th octet>. */
static void
host_name(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "LAB-%u-%u-%u", (unsigned)(addr >> 16 & 0xff), (unsigned)(addr >> 8 & 0xff),
	    (unsigned)(addr & 0xff));
}

/* The rule that must never break: unicast stays inside the lab prefix. */
static bool
unicast_allowed(const struct chatter *c, uint32_t dst)
{
	return labnet_is_target(&c->prefix, dst) && labnet_addr_allowed(dst);
}

static bool
destination_allowed(const struct chatter *c, uint32_t dst)
{
	return unicast_allowed(c, dst) || dst == c->bcast || dst == SSDP_GROUP ||
	    dst == LLMNR_GROUP || dst == 0xffffffffu;
}

/* One datagram from `fd` to dst:port. Aborts on a destination outside the lab. */
static void
send_to(struct chatter *c, int fd, uint32_t dst, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(dst) };

	if (!destination_allowed(c, dst)) {
		char shown[16];
		fprintf(stderr, PROG ": internal error: destination %s outside the lab; aborting\n",
		    labnet_ip_str(dst, shown, sizeof(shown)));
		abort();
	}
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len) {
		c->n.datagrams++;
	} else {
		c->n.send_errors++;
		c->send_errno = errno;
	}
}

/* A reply goes back to the querier only when the querier is a lab host. */
static void
reply_to(struct chatter *c, int fd, const struct sockaddr_in *peer, const void *buf, size_t len)
{
	uint32_t dst = ntohl(peer->sin_addr.s_addr);

	if (!unicast_allowed(c, dst) || dst == c->self) {
		c->n.ignored++;
		return;
	}
	send_to(c, fd, dst, ntohs(peer->sin_port), buf, len);
	c->n.served++;
}

/* ---- sockets ---------------------------------------------------------------------------- */

static int
udp_socket(struct chatter *c, uint32_t addr, uint16_t port, uint32_t group, bool bcast,
    bool to_device)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(addr) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, zero = 0;
	uint8_t ttl = 1;
	struct in_addr ifa = { .s_addr = htonl(c->self) };

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, IPPROTO_IP, IP_TOS, &c->tos, sizeof(c->tos)) != 0 ||
	    (bcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) != 0) ||
	    (to_device && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname,
	    (socklen_t)strlen(c->ifname)) != 0) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	if (group != 0) {
		struct ip_mreq m = { .imr_multiaddr.s_addr = htonl(group), .imr_interface = ifa };
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int
tcp_listener(struct chatter *c, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(c->self) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, IPPROTO_IP, IP_TOS, &c->tos, sizeof(c->tos)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
add_listener(struct chatter *c, uint16_t port)
{
	size_t i;

	for (i = 0; i < c->nlisten; i++)
		if (c->listen_port[i] == port)
			return 0;
	if (c->nlisten == MAX_LISTEN)
		return -1;
	c->listen_fd[c->nlisten] = tcp_listener(c, port);
	if (c->listen_fd[c->nlisten] < 0)
		return -1;
	c->listen_port[c->nlisten++] = port;
	return 0;
}

/* ---- NBNS and LLMNR: names --------------------------------------------------------------- */

/* NetBIOS first-level encoding of `name` (upper case, space padded) with suffix 0x00. */
static void
nbns_encode(const char *name, uint8_t out[34])
{
	char padded[16];
	size_t i;

	memset(padded, ' ', 15);
	for (i = 0; i < NAME_LEN && name[i] != '\0'; i++)
		padded[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	padded[15] = 0x00;
	out[0] = 32;
	for (i = 0; i < 16; i++) {
		out[1 + 2 * i] = (uint8_t)('A' + ((uint8_t)padded[i] >> 4));
		out[2 + 2 * i] = (uint8_t)('A' + ((uint8_t)padded[i] & 0x0f));
	}
	out[33] = 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* A name to ask for: a peer's, or (when `unknown_too`) one time in four one nobody has. */
static void
pick_name(struct chatter *c, bool unknown_too, char *buf, size_t len)
{
	if (c->npeers == 0 || (unknown_too && labnet_rng_below(&c->rng, 4) == 0))
		snprintf(buf, len, "%s", unknown_names[labnet_rng_below(&c->rng,
		    sizeof(unknown_names) / sizeof(unknown_names[0]))]);
	else
		host_name(c->peers[labnet_rng_below(&c->rng, (uint32_t)c->npeers)], buf, len);
}

static void
nbns_query(struct chatter *c, bool unknown_too)
{
	uint8_t q[50] = { 0 };
	char name[NAME_LEN + 1];

	pick_name(c, unknown_too, name, sizeof(name));
	put16(q, ++c->next_id);
	put16(q + 2, 0x0110);              /* query, recursion desired, broadcast */
	put16(q + 4, 1);
	nbns_encode(name, q + 12);
	put16(q + 46, 0x0020);             /* NB */
	put16(q + 48, 0x0001);             /* IN */
	send_to(c, c->nbns_fd, c->bcast, PORT_NBNS, q, sizeof(q));
}

/* A datagram on udp/137: a query for our name gets an answer; an answer to us is counted. */
static void
nbns_input(struct chatter *c, const uint8_t *p, size_t len, const struct sockaddr_in *peer)
{
	uint8_t mine[34], r[62];

	if (len < 12)
		goto ignored;
	if (get16(p + 2) & 0x8000) {
		if (get16(p + 6) >= 1)
			c->n.answered++;
		return;
	}
	if (len != 50 || (get16(p + 2) & 0x7800) != 0 || get16(p + 4) != 1 ||
	    get16(p + 46) != 0x0020 || get16(p + 48) != 0x0001)
		goto ignored;
	nbns_encode(c->name, mine);
	if (memcmp(p + 12, mine, sizeof(mine)) != 0)
		return;                    /* someone else's name */
	memset(r, 0, sizeof(r));
	memcpy(r, p, 2);
	put16(r + 2, 0x8500);              /* response, authoritative, recursion desired */
	put16(r + 6, 1);
	memcpy(r + 12, mine, sizeof(mine));
	put16(r + 46, 0x0020);
	put16(r + 48, 0x0001);
	put32(r + 50, 300000);             /* TTL */
	put16(r + 54, 6);
	put16(r + 56, 0);                  /* B-node, unique */
	put32(r + 58, c->self);
	reply_to(c, c->nbns_fd, peer, r, sizeof(r));
	return;
ignored:
	c->n.ignored++;
}

static void
llmnr_query(struct chatter *c, bool unknown_too)
{
	uint8_t q[12 + 1 + NAME_LEN + 1 + 4] = { 0 };
	char name[NAME_LEN + 1];
	size_t n;

	pick_name(c, unknown_too, name, sizeof(name));
	n = strlen(name);
	put16(q, ++c->next_id);
	put16(q + 4, 1);
	q[12] = (uint8_t)n;
	memcpy(q + 13, name, n);
	q[13 + n] = 0;
	put16(q + 14 + n, 1);              /* A */
	put16(q + 16 + n, 1);              /* IN */
	send_to(c, c->query_fd, LLMNR_GROUP, PORT_LLMNR, q, 18 + n);
}

/* A query on udp/5355: one label, type A, class IN; our name gets an answer. */
static void
llmnr_input(struct chatter *c, const uint8_t *p, size_t len, const struct sockaddr_in *peer)
{
	uint8_t r[12 + 1 + 63 + 1 + 4 + 16];
	size_t n, qlen;

	if (len < 12 + 1 + 1 + 4 || (get16(p + 2) & 0xf800) != 0 || get16(p + 4) != 1) {
		c->n.ignored++;
		return;
	}
	n = p[12];
	if (n == 0 || n > 63 || 13 + n + 1 + 4 > len || p[13 + n] != 0 ||
	    get16(p + 14 + n) != 1 || get16(p + 16 + n) != 1) {
		c->n.ignored++;
		return;
	}
	if (n != strlen(c->name) || strncasecmp((const char *)p + 13, c->name, n) != 0)
		return;
	qlen = 18 + n;
	memcpy(r, p, qlen);
	put16(r + 2, 0x8000);
	put16(r + 6, 1);
	put16(r + 8, 0);
	put16(r + 10, 0);
	put16(r + qlen, 0xc00c);           /* the question's name */
	put16(r + qlen + 2, 1);
	put16(r + qlen + 4, 1);
	put32(r + qlen + 6, 30);
	put16(r + qlen + 10, 4);
	put32(r + qlen + 12, c->self);
	reply_to(c, c->llmnr_fd, peer, r, qlen + 16);
}

/* ---- SSDP and WS-Discovery: devices ------------------------------------------------------ */

static void
uuid_for(struct chatter *c, uint32_t salt, char *buf, size_t len)
{
	snprintf(buf, len, "4c414243-0000-4000-8000-%04x%08x", (unsigned)(salt & 0xffff), c->self);
}

static void
ssdp_search(struct chatter *c)
{
	static const char *const targets[] = { "ssdp:all", "upnp:rootdevice",
	    "urn:schemas-upnp-org:device:Printer:1", "urn:schemas-upnp-org:device:MediaServer:1" };
	char m[256];
	int n = snprintf(m, sizeof(m), "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
	    "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: %s\r\n\r\n",
	    targets[labnet_rng_below(&c->rng, sizeof(targets) / sizeof(targets[0]))]);

	send_to(c, c->query_fd, SSDP_GROUP, PORT_SSDP, m, (size_t)n);
}

static void
ssdp_input(struct chatter *c, const char *p, size_t len, const struct sockaddr_in *peer)
{
	char r[512], uuid[48], self[16];
	int n;

	if (len < 9 || memcmp(p, "M-SEARCH ", 9) != 0 || memmem(p, len, "ssdp:discover", 13) == NULL) {
		c->n.ignored++;        /* NOTIFY and the like: nothing to answer */
		return;
	}
	uuid_for(c, 1, uuid, sizeof(uuid));
	n = snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
	    "LOCATION: http://%s:80/description.xml\r\nSERVER: Linux/5.10 UPnP/1.0 lab/1\r\n"
	    "ST: upnp:rootdevice\r\nUSN: uuid:%s::upnp:rootdevice\r\n\r\n",
	    labnet_ip_str(c->self, self, sizeof(self)), uuid);
	reply_to(c, c->ssdp_fd, peer, r, (size_t)n);
}

static void
wsd_probe(struct chatter *c)
{
	char m[640], uuid[48];
	int n;

	uuid_for(c, ++c->next_id, uuid, sizeof(uuid));
	n = snprintf(m, sizeof(m), "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "
	    "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
	    "xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><soap:Header>"
	    "<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>"
	    "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>"
	    "<wsa:MessageID>urn:uuid:%s</wsa:MessageID></soap:Header><soap:Body>"
	    "<wsd:Probe/></soap:Body></soap:Envelope>", uuid);
	send_to(c, c->query_fd, SSDP_GROUP, PORT_WSD, m, (size_t)n);
}

static void
wsd_input(struct chatter *c, const char *p, size_t len, const struct sockaddr_in *peer)
{
	static const char open_tag[] = "<wsa:MessageID>", close_tag[] = "</wsa:MessageID>";
	const char *id, *end;
	char r[1024], uuid[48], self[16];
	int n, idlen;

	if (memmem(p, len, "<wsd:Probe", 10) == NULL ||
	    (id = memmem(p, len, open_tag, sizeof(open_tag) - 1)) == NULL) {
		c->n.ignored++;
		return;
	}
	id += sizeof(open_tag) - 1;
	end = memmem(id, len - (size_t)(id - p), close_tag, sizeof(close_tag) - 1);
	if (end == NULL || end - id > 64 || end == id) {
		c->n.ignored++;
		return;
	}
	idlen = (int)(end - id);
	uuid_for(c, 2, uuid, sizeof(uuid));
	n = snprintf(r, sizeof(r), "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "
	    "xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
	    "xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><soap:Header>"
	    "<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>"
	    "<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>"
	    "<wsa:RelatesTo>%.*s</wsa:RelatesTo></soap:Header><soap:Body><wsd:ProbeMatches>"
	    "<wsd:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:%s</wsa:Address>"
	    "</wsa:EndpointReference><wsd:XAddrs>http://%s:5357/%s</wsd:XAddrs>"
	    "<wsd:MetadataVersion>1</wsd:MetadataVersion></wsd:ProbeMatch></wsd:ProbeMatches>"
	    "</soap:Body></soap:Envelope>", idlen, id, uuid,
	    labnet_ip_str(c->self, self, sizeof(self)), uuid);
	if (n > 0 && n < (int)sizeof(r))
		reply_to(c, c->wsd_fd, peer, r, (size_t)n);
}

/* Replies to our LLMNR, SSDP and WS-Discovery queries (and anything else) land here. */
static void
query_input(struct chatter *c, const uint8_t *p, size_t len)
{
	if (len >= 12 && (get16(p + 2) & 0x8000) != 0)
		c->n.answered++;                           /* LLMNR answer */
	else if (len >= 12 && memcmp(p, "HTTP/1.1 200", 12) == 0)
		c->n.answered++;                           /* SSDP */
	else if (memmem(p, len, "ProbeMatches", 12) != NULL)
		c->n.answered++;                           /* WS-Discovery */
	else
		c->n.ignored++;
}

/*
 * The first time, a browse of the network (what opening Windows' Network
 * view sends): all four queries at once, names of peers. Then one query at
 * a time, of a random kind, sometimes for a name nobody has.
 */
static void
discovery_tick(struct chatter *c, bool browse)
{
	unsigned kind, first = browse ? 0 : labnet_rng_below(&c->rng, 4), last = browse ? 3 : first;

	for (kind = first; kind <= last; kind++) {
		c->n.flows++;
		c->n.queries++;
		switch (kind) {
		case 0: ssdp_search(c); break;
		case 1: wsd_probe(c); break;
		case 2: llmnr_query(c, !browse); break;
		default: nbns_query(c, !browse); break;
		}
	}
}

/* ---- SNMP poll ------------------------------------------------------------------------------ */

static void
snmp_input(struct chatter *c, const uint8_t *p, size_t len, const struct sockaddr_in *peer,
    int64_t now)
{
	uint8_t r[sizeof(snmp_response)];

	if (len != sizeof(snmp_get) || memcmp(p, snmp_get, SNMP_ID_AT) != 0 ||
	    memcmp(p + SNMP_ID_AT + 4, snmp_get + SNMP_ID_AT + 4, sizeof(snmp_get) - SNMP_ID_AT - 4)
	    != 0) {
		c->n.ignored++;
		return;
	}
	memcpy(r, snmp_response, sizeof(r));
	memcpy(r + SNMP_ID_AT, p + SNMP_ID_AT, 4);
	put32(r + SNMP_TICKS_AT, (uint32_t)(now / 10));
	reply_to(c, c->snmp_fd, peer, r, sizeof(r));
}

/* ---- ICMP echo (the NMS, the DHCP server's conflict check) ---------------------------------- */

static uint16_t
inet_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An echo request to `target`; false when the pending table is full. */
static bool
ping_send(struct chatter *c, uint32_t target, int offer, int64_t now)
{
	uint8_t e[64];
	struct ping *pg = NULL;
	size_t i;

	for (i = 0; i < MAX_PINGS && pg == NULL; i++)
		if (c->pings[i].target == 0)
			pg = &c->pings[i];
	if (pg == NULL)
		return false;
	memset(e, 0, sizeof(e));
	e[0] = 8;
	put16(e + 4, c->ping_ident);
	put16(e + 6, ++c->ping_seq);
	for (i = 8; i < sizeof(e); i++)
		e[i] = (uint8_t)i;         /* ping's own pattern */
	put16(e + 2, inet_sum(e, sizeof(e)));
	pg->target = target;
	pg->seq = c->ping_seq;
	pg->deadline_ms = now + (offer >= 0 ? CONFLICT_PING_MS : PING_TIMEOUT_MS);
	pg->offer = offer;
	send_to(c, c->icmp_fd, target, 0, e, sizeof(e));
	return true;
}

static void dhcp_conflict(struct chatter *c, int offer, int64_t now);

static void
icmp_input(struct chatter *c, const uint8_t *p, size_t len, int64_t now)
{
	size_t ihl, i;
	uint32_t from;

	if (len < 20 || (p[0] >> 4) != 4)
		return;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8 || p[ihl] != 0 || get16(p + ihl + 4) != c->ping_ident)
		return;                    /* not an echo reply to us */
	from = get32(p + 12);
	for (i = 0; i < MAX_PINGS; i++) {
		struct ping *pg = &c->pings[i];
		if (pg->target != from || pg->seq != get16(p + ihl + 6))
			continue;
		pg->target = 0;
		if (pg->offer >= 0) {
			dhcp_conflict(c, pg->offer, now);
		} else {
			c->n.pings_answered++;
			c->n.answered++;
		}
		return;
	}
}

/* ---- DHCP -------------------------------------------------------------------------------------- */

#define DHCP_MIN 300               /* BOOTP's minimum message */
#define DHCP_OPTS 240              /* after the magic cookie */
enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK };

/* A BOOTP message with the cookie; options are appended by the caller from DHCP_OPTS on. */
static void
dhcp_header(uint8_t *m, uint8_t op, uint32_t xid, uint32_t ciaddr, uint32_t yiaddr,
    const uint8_t chaddr[6], bool broadcast)
{
	memset(m, 0, DHCP_MIN);
	m[0] = op;
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, xid);
	if (broadcast)
		put16(m + 10, 0x8000);
	put32(m + 12, ciaddr);
	put32(m + 16, yiaddr);
	memcpy(m + 28, chaddr, 6);
	put32(m + 236, 0x63825363);
}

static size_t
dhcp_opt(uint8_t *m, size_t at, uint8_t code, const void *val, uint8_t len)
{
	m[at] = code;
	m[at + 1] = len;
	memcpy(m + at + 2, val, len);
	return at + 2 + len;
}

static size_t
dhcp_opt32(uint8_t *m, size_t at, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	return dhcp_opt(m, at, code, b, 4);
}

/* The options of a message we received, bounds-checked. */
struct dhcp_seen {
	uint8_t type;
	uint32_t requested, server;
};

static bool
dhcp_parse(const uint8_t *m, size_t len, uint8_t op, struct dhcp_seen *s)
{
	size_t at = DHCP_OPTS;

	memset(s, 0, sizeof(*s));
	if (len < DHCP_OPTS || m[0] != op || m[1] != 1 || m[2] != 6 || get32(m + 236) != 0x63825363)
		return false;
	while (at < len && m[at] != 255) {
		uint8_t code = m[at], olen;
		if (code == 0) {
			at++;
			continue;
		}
		if (at + 2 > len || at + 2 + (olen = m[at + 1]) > len)
			return false;
		if (code == 53 && olen == 1)
			s->type = m[at + 2];
		else if (code == 50 && olen == 4)
			s->requested = get32(m + at + 2);
		else if (code == 54 && olen == 4)
			s->server = get32(m + at + 2);
		at += 2 + (size_t)olen;
	}
	return s->type != 0;
}

/* A renewal: unicast REQUEST from our address (RFC 2131 4.3.2, RENEWING). */
static void
dhcp_renew(struct chatter *c)
{
	uint8_t m[DHCP_MIN], t = DHCPREQUEST;
	size_t at;
	static const uint8_t params[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252 };

	dhcp_header(m, 1, (uint32_t)labnet_rng_next(&c->rng), c->self, 0, c->mac, false);
	at = dhcp_opt(m, DHCP_OPTS, 53, &t, 1);
	at = dhcp_opt(m, at, 12, c->name, (uint8_t)strlen(c->name));
	at = dhcp_opt(m, at, 55, params, sizeof(params));
	m[at] = 255;
	c->n.flows++;
	c->n.renewals++;
	send_to(c, c->dhcpc_fd, c->dhcp_server, PORT_DHCP_SERVER, m, sizeof(m));
}

/* IPv4 + UDP + DHCP from 0.0.0.0:68 to 255.255.255.255:67 on a packet socket:
 * a client with no address yet, which an ordinary socket cannot send. */
static void
dhcp_send_unconfigured(struct chatter *c, const uint8_t *dhcp, size_t len)
{
	uint8_t f[20 + 8 + DHCP_MIN];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
	    .sll_ifindex = c->ifindex, .sll_halen = 6 };

	memset(to.sll_addr, 0xff, 6);
	memset(f, 0, 28);
	f[0] = 0x45;
	f[1] = (uint8_t)c->tos;
	put16(f + 2, (uint16_t)(28 + len));
	f[8] = 64;
	f[9] = IPPROTO_UDP;
	put32(f + 16, 0xffffffffu);
	put16(f + 10, inet_sum(f, 20));
	put16(f + 20, PORT_DHCP_CLIENT);
	put16(f + 22, PORT_DHCP_SERVER);
	put16(f + 24, (uint16_t)(8 + len));   /* checksum 0: none, allowed for UDP over IPv4 */
	memcpy(f + 28, dhcp, len);
	if (sendto(c->packet_fd, f, 28 + len, 0, (struct sockaddr *)&to, sizeof(to)) ==
	    (ssize_t)(28 + len)) {
		c->n.datagrams++;
	} else {
		c->n.send_errors++;
		c->send_errno = errno;
	}
}

static void
newclient_send(struct chatter *c, uint8_t type, uint32_t requested, uint32_t server)
{
	uint8_t m[DHCP_MIN];
	size_t at;

	dhcp_header(m, 1, c->newclient_xid, 0, 0, c->mac, true);
	at = dhcp_opt(m, DHCP_OPTS, 53, &type, 1);
	if (requested != 0)
		at = dhcp_opt32(m, at, 50, requested);
	if (server != 0)
		at = dhcp_opt32(m, at, 54, server);
	at = dhcp_opt(m, at, 12, c->name, (uint8_t)strlen(c->name));
	m[at] = 255;
	dhcp_send_unconfigured(c, m, sizeof(m));
}

/* udp/68: ACKs of our renewals; the OFFER and ACK of the new client's exchange. */
static void
dhcpc_input(struct chatter *c, const uint8_t *m, size_t len)
{
	struct dhcp_seen s;

	if (!dhcp_parse(m, len, 2, &s) || memcmp(m + 28, c->mac, 6) != 0)
		return;                    /* not for this host */
	if (c->newclient_state == 1 && get32(m + 4) == c->newclient_xid && s.type == DHCPOFFER &&
	    unicast_allowed(c, get32(m + 16))) {
		newclient_send(c, DHCPREQUEST, get32(m + 16), s.server);
		c->newclient_state = 2;
		return;
	}
	if (s.type == DHCPACK) {
		if (c->newclient_state == 2 && get32(m + 4) == c->newclient_xid)
			c->newclient_state = 3;
		c->n.acks++;
		c->n.answered++;
	}
}

static void
dhcps_reply(struct chatter *c, uint8_t type, uint32_t xid, uint32_t ciaddr, uint32_t yiaddr,
    const uint8_t chaddr[6], uint32_t to)
{
	uint8_t m[DHCP_MIN];
	size_t at;

	dhcp_header(m, 2, xid, ciaddr, yiaddr, chaddr, to == 0xffffffffu);
	at = dhcp_opt(m, DHCP_OPTS, 53, &type, 1);
	at = dhcp_opt32(m, at, 54, c->self);
	at = dhcp_opt32(m, at, 51, 8 * 3600);
	at = dhcp_opt32(m, at, 1, labnet_mask(24));
	m[at] = 255;
	send_to(c, c->dhcps_fd, to, PORT_DHCP_CLIENT, m, sizeof(m));
	c->n.served++;
}

/* The next pool address (.150 to .239 of the local /24): nobody in the lab uses these. */
static uint32_t
pool_next(struct chatter *c)
{
	uint32_t a = c->next_pool;

	c->next_pool = (a & 0xff) >= 239 ? (a & ~0xffu) | 150 : a + 1;
	return a;
}

static void
dhcp_conflict(struct chatter *c, int i, int64_t now)
{
	struct offer *o = &c->offers[i];

	/* The address answered: in use. Try the next one, a few times at most. */
	c->n.conflicts++;
	o->yiaddr = pool_next(c);
	if (++o->tries > 3 || !ping_send(c, o->yiaddr, i, now))
		o->used = false;
	else
		o->deadline_ms = now + CONFLICT_PING_MS;
}

static void
dhcps_input(struct chatter *c, const uint8_t *m, size_t len, int64_t now)
{
	struct dhcp_seen s;
	uint32_t ciaddr, xid;
	int i;

	if (!dhcp_parse(m, len, 1, &s)) {
		c->n.ignored++;
		return;
	}
	ciaddr = get32(m + 12);
	xid = get32(m + 4);
	if (s.type == DHCPREQUEST && ciaddr != 0) {
		/* RENEWING: unicast, straight back to the client's address. */
		if (unicast_allowed(c, ciaddr))
			dhcps_reply(c, DHCPACK, xid, ciaddr, ciaddr, m + 28, ciaddr);
		return;
	}
	if (s.type == DHCPREQUEST && s.server == c->self && s.requested != 0) {
		/* SELECTING: the client took our offer; it has no address yet. */
		if (unicast_allowed(c, s.requested))
			dhcps_reply(c, DHCPACK, xid, 0, s.requested, m + 28, 0xffffffffu);
		return;
	}
	if (s.type != DHCPDISCOVER)
		return;
	for (i = 0; i < MAX_OFFERS; i++)
		if (c->offers[i].used && c->offers[i].xid == xid)
			return;            /* a retransmission: already being checked */
	for (i = 0; i < MAX_OFFERS && c->offers[i].used; i++)
		;
	if (i == MAX_OFFERS)
		return;
	c->offers[i] = (struct offer){ .used = true, .xid = xid, .yiaddr = pool_next(c),
	    .deadline_ms = now + CONFLICT_PING_MS };
	memcpy(c->offers[i].chaddr, m + 28, 6);
	c->n.flows++;
	if (!ping_send(c, c->offers[i].yiaddr, i, now))
		c->offers[i].used = false;
}

/* ---- TCP sessions ----------------------------------------------------------------------------- */

static const char smb_request[] = "\x00\x00\x00\x48\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x24\x00\x02\x00\x01\x00\x00\x00\x7f\x00\x00\x00\x02\x02\x10\x02";
static const char smb_response[] = "\x00\x00\x00\x50\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00"
    "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\x00\x00\x41\x00\x01\x00\x10\x02\x4c\x41\x42\x2d\x53\x4d\x42\x2d\x53\x45\x52\x56\x45\x52"
    "\x00\x00";
static const char http_response[] = "HTTP/1.1 200 OK\r\nServer: lab\r\nContent-Type: text/html\r\n"
    "Content-Length: 44\r\nConnection: close\r\n\r\n<html><body>lab intranet page</body></html>";

static struct conn *
conn_slot(struct chatter *c, bool inbound)
{
	size_t i, from = inbound ? MAX_CONNS : 0;

	for (i = from; i < from + MAX_CONNS; i++)
		if (c->conns[i].state == CONN_FREE)
			return &c->conns[i];
	return NULL;
}

static void
conn_close(struct conn *k)
{
	close(k->fd);
	k->fd = -1;
	k->state = CONN_FREE;
}

static void
session_open(struct chatter *c, uint32_t server, uint16_t port, int64_t now)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
	    .sin_addr.s_addr = htonl(server) };
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(c->self) };
	struct conn *k = conn_slot(c, false);
	int fd;

	if (k == NULL || !unicast_allowed(c, server))
		return;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (setsockopt(fd, IPPROTO_IP, IP_TOS, &c->tos, sizeof(c->tos)) != 0 ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0 ||
	    (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		c->n.sessions_failed++;
		return;
	}
	c->n.flows++;
	c->n.sessions++;
	*k = (struct conn){ .fd = fd, .state = CONN_CONNECTING, .port = port,
	    .deadline_ms = now + SESSION_TIMEOUT_MS };
}

static void
http_request(struct chatter *c, struct conn *k, char *buf, size_t len, size_t *n)
{
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char shown[16] = "lab";

	if (getpeername(k->fd, (struct sockaddr *)&peer, &plen) == 0)
		labnet_ip_str(ntohl(peer.sin_addr.s_addr), shown, sizeof(shown));
	*n = (size_t)snprintf(buf, len, "GET /index.html HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: text/html\r\n"
	    "Connection: close\r\n\r\n", shown);
	(void)c;
}

/* Our side of a session: connected -> request; reply read to the end -> done. */
static void
session_event(struct chatter *c, struct conn *k, short revents)
{
	char buf[512];
	ssize_t r;

	if (k->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		size_t n;
		if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
			c->n.sessions_failed++;
			conn_close(k);
			return;
		}
		if (k->port == 80) {
			http_request(c, k, buf, sizeof(buf), &n);
		} else {
			n = sizeof(smb_request) - 1;
			memcpy(buf, smb_request, n);
		}
		if (send(k->fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n) {
			c->n.sessions_failed++;
			conn_close(k);
			return;
		}
		k->state = CONN_WAITING;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	r = recv(k->fd, buf, sizeof(buf), 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0) {
		k->got += (size_t)r;
		return;
	}
	/* The server closed after its reply (or failed): the session is over. */
	if (k->got > 0) {
		c->n.sessions_ok++;
		c->n.answered++;
	} else {
		c->n.sessions_failed++;
	}
	conn_close(k);
}

static void
accept_sessions(struct chatter *c, size_t li, int64_t now)
{
	int burst;

	for (burst = 0; burst < MAX_CONNS; burst++) {
		struct conn *k = conn_slot(c, true);
		int fd;
		if (k == NULL)
			return;        /* the rest wait in the backlog */
		fd = accept4(c->listen_fd[li], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c->n.accepted++;
		*k = (struct conn){ .fd = fd, .state = CONN_SERVING, .port = c->listen_port[li],
		    .deadline_ms = now + SESSION_TIMEOUT_MS };
	}
}

/* The server side: read the request, answer, close (tcp/9100 takes a print job and says nothing). */
static void
serve_event(struct chatter *c, struct conn *k)
{
	char buf[2048];
	ssize_t r = recv(k->fd, buf, sizeof(buf), 0);
	const char *reply = NULL;
	size_t n = 0;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		conn_close(k);
		return;
	}
	k->got += (size_t)r;
	if (k->port == 445 && k->got < sizeof(smb_request) - 1)
		return;            /* the rest of the request is on its way */
	if (k->port == 80 && memmem(buf, (size_t)r, "\r\n\r\n", 4) == NULL && k->got < 4096)
		return;
	if (k->port == 445) {
		reply = smb_response;
		n = sizeof(smb_response) - 1;
	} else if (k->port == 80) {
		reply = http_response;
		n = sizeof(http_response) - 1;
	}
	/* A few hundred bytes into an empty socket buffer: never short. */
	if (reply != NULL && send(k->fd, reply, n, MSG_NOSIGNAL) == (ssize_t)n)
		c->n.served++;
	conn_close(k);
}

/* ---- the schedule ----------------------------------------------------------------------------- */

/* A delay from lo to hi ms, drawn from the host's own sequence. */
static int64_t
jitter(struct chatter *c, int64_t lo, int64_t hi)
{
	return lo + (int64_t)labnet_rng_below(&c->rng, (uint32_t)(hi - lo + 1));
}

static void
schedule_start(struct chatter *c, int64_t now)
{
	c->next_discovery = now + jitter(c, 200, 6000);
	if (c->roles & ROLE_CLIENT && c->nfileservers + c->nwebservers > 0)
		c->next_session = now + jitter(c, 500, 4000);
	if (c->roles & ROLE_HEAVY && c->nfileservers > 0)
		c->next_heavy = now + jitter(c, 500, 1500);
	if (c->dhcp_server != 0 && c->dhcpc_fd >= 0)
		c->next_renew = now + jitter(c, 1000, 20000);
	if (c->roles & ROLE_NEWCLIENT)
		c->next_newclient = now + jitter(c, 2000, 12000);
	if (c->roles & ROLE_NMS && c->npeers > 0)
		c->nms_cycle_start = now + jitter(c, 100, 1000);
}

static void
timers(struct chatter *c, int64_t now)
{
	size_t i;

	if (now >= c->quiet_from)
		return;

	if (c->next_discovery != 0 && now >= c->next_discovery) {
		discovery_tick(c, !c->browsed);
		c->browsed = true;
		c->next_discovery = now + jitter(c, 4000, 10000);
	}
	if (c->next_session != 0 && now >= c->next_session) {
		size_t total = c->nfileservers + c->nwebservers, pick = labnet_rng_below(&c->rng, (uint32_t)total);
		if (pick < c->nfileservers)
			session_open(c, c->fileservers[pick], 445, now);
		else
			session_open(c, c->webservers[pick - c->nfileservers], 80, now);
		c->next_session = now + jitter(c, 3000, 7000);
	}
	if (c->next_heavy != 0 && now >= c->next_heavy) {
		session_open(c, c->fileservers[c->heavy_next], 445, now);
		c->heavy_next = (c->heavy_next + 1) % c->nfileservers;
		c->next_heavy = now + HEAVY_GAP_MS;
	}
	if (c->next_renew != 0 && now >= c->next_renew) {
		dhcp_renew(c);
		c->next_renew = now + RENEW_EVERY_MS;
	}
	if (c->next_newclient != 0 && now >= c->next_newclient) {
		if (c->newclient_state == 0) {
			c->newclient_xid = (uint32_t)labnet_rng_next(&c->rng);
			newclient_send(c, DHCPDISCOVER, 0, 0);
			c->n.flows++;
			c->newclient_state = 1;
			c->next_newclient = now + 4000;    /* no OFFER by then: give up */
		} else {
			c->next_newclient = 0;
		}
	}
	/* The NMS: one target every NMS_GAP_MS, a new cycle every NMS_CYCLE_MS. */
	while (c->nms_cycle_start != 0 && c->nms_next < c->npeers &&
	    now >= c->nms_cycle_start + (int64_t)c->nms_next * NMS_GAP_MS) {
		uint32_t t = c->peers[c->nms_next++];
		uint8_t q[sizeof(snmp_get)];
		if (t == c->self)
			continue;
		if (ping_send(c, t, -1, now)) {
			c->n.pings++;
			c->n.flows++;
		}
		memcpy(q, snmp_get, sizeof(q));
		put32(q + SNMP_ID_AT, (uint32_t)labnet_rng_next(&c->rng) & 0x7fffffff);
		send_to(c, c->query_fd, t, PORT_SNMP, q, sizeof(q));
		c->n.polls++;
		c->n.flows++;
	}
	if (c->nms_cycle_start != 0 && c->nms_next >= c->npeers &&
	    now >= c->nms_cycle_start + NMS_CYCLE_MS) {
		c->nms_cycle_start += NMS_CYCLE_MS;
		c->nms_next = 0;
	}
	for (i = 0; i < MAX_PINGS; i++)
		if (c->pings[i].target != 0 && now >= c->pings[i].deadline_ms && c->pings[i].offer < 0)
			c->pings[i].target = 0;
	for (i = 0; i < MAX_OFFERS; i++) {
		struct offer *o = &c->offers[i];
		size_t j;
		if (!o->used || now < o->deadline_ms)
			continue;
		/* No echo reply: the address is free. */
		for (j = 0; j < MAX_PINGS; j++)
			if (c->pings[j].offer == (int)i && c->pings[j].target != 0)
				c->pings[j].target = 0;
		dhcps_reply(c, DHCPOFFER, o->xid, 0, o->yiaddr, o->chaddr, 0xffffffffu);
		c->n.offers++;
		o->used = false;
	}
}

/* The earliest timer after `now`, capped at `cap`. */
static int64_t
next_wake(const struct chatter *c, int64_t cap)
{
	int64_t w = cap, t[] = { c->next_discovery, c->next_session, c->next_heavy, c->next_renew,
	    c->next_newclient, 0 };
	size_t i;

	if (c->nms_cycle_start != 0)
		t[5] = c->nms_next < c->npeers ?
		    c->nms_cycle_start + (int64_t)c->nms_next * NMS_GAP_MS : c->nms_cycle_start + NMS_CYCLE_MS;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] != 0 && t[i] < w)
			w = t[i];
	for (i = 0; i < MAX_PINGS; i++)
		if (c->pings[i].target != 0 && c->pings[i].deadline_ms < w)
			w = c->pings[i].deadline_ms;
	for (i = 0; i < MAX_OFFERS; i++)
		if (c->offers[i].used && c->offers[i].deadline_ms < w)
			w = c->offers[i].deadline_ms;
	for (i = 0; i < 2 * MAX_CONNS; i++)
		if (c->conns[i].state != CONN_FREE && c->conns[i].deadline_ms < w)
			w = c->conns[i].deadline_ms;
	return w;
}

/* ---- the loop --------------------------------------------------------------------------------- */

enum { FD_NBNS, FD_LLMNR, FD_SNMP, FD_QUERY, FD_SSDP, FD_WSD, FD_DHCPC, FD_DHCPS, FD_ICMP, NFIXED };

static void
datagrams(struct chatter *c, int which, int fd, int64_t now)
{
	int burst;

	for (burst = 0; burst < 64; burst++) {
		uint8_t buf[2048];
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&peer, &len);

		if (n < 0)
			return;
		switch (which) {
		case FD_NBNS: nbns_input(c, buf, (size_t)n, &peer); break;
		case FD_LLMNR: llmnr_input(c, buf, (size_t)n, &peer); break;
		case FD_SNMP: snmp_input(c, buf, (size_t)n, &peer, now); break;
		case FD_SSDP: ssdp_input(c, (const char *)buf, (size_t)n, &peer); break;
		case FD_WSD: wsd_input(c, (const char *)buf, (size_t)n, &peer); break;
		case FD_DHCPC: dhcpc_input(c, buf, (size_t)n); break;
		case FD_DHCPS: dhcps_input(c, buf, (size_t)n, now); break;
		case FD_ICMP: icmp_input(c, buf, (size_t)n, now); break;
		default:
			if (which == FD_QUERY && ntohs(peer.sin_port) == PORT_SNMP &&
			    (size_t)n == sizeof(snmp_response)) {
				c->n.polls_answered++;
				c->n.answered++;
			} else {
				query_input(c, buf, (size_t)n);
			}
			break;
		}
	}
}

static const char *
run(struct chatter *c, int64_t duration_ms)
{
	int64_t start = now_ms(), end = start + duration_ms;
	/* Every turn handles an event or sleeps until the next deadline; the cap
	 * is a second guard besides the clock. */
	uint64_t turns, max_turns = 2 * (uint64_t)duration_ms * 1000 + 1000;  /* before and after the start */
	bool started = false;

	for (turns = 0; turns < max_turns; turns++) {
		struct pollfd pfd[NFIXED + MAX_LISTEN + 2 * MAX_CONNS];
		int fixed[NFIXED] = { c->nbns_fd, c->llmnr_fd, c->snmp_fd, c->query_fd, c->ssdp_fd,
		    c->wsd_fd, c->dhcpc_fd, c->dhcps_fd, c->icmp_fd };
		struct conn *pc[2 * MAX_CONNS];
		int64_t now = now_ms(), wake;
		int n = 0, nc = 0, i, timeout;

		if (stop_signal != 0)
			return "signal";
		if (now >= end)
			return "duration";
		if (go_signal && !started) {
			started = true;
			end = now + duration_ms;
			c->quiet_from = end - (duration_ms > 2 * QUIET_MS ? QUIET_MS : 0);
			schedule_start(c, now);
			log_event(c, "started", "%s", "");
		}
		if (started)
			timers(c, now);
		for (i = 0; i < 2 * MAX_CONNS; i++) {
			struct conn *k = &c->conns[i];
			if (k->state == CONN_FREE)
				continue;
			if (now >= k->deadline_ms) {
				if (k->state != CONN_SERVING)
					c->n.sessions_failed++;
				conn_close(k);
			}
		}
		wake = next_wake(c, end);
		for (i = 0; i < NFIXED; i++) {
			pfd[n].fd = fixed[i];      /* -1 is skipped by poll() */
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < (int)c->nlisten; i++) {
			pfd[n].fd = c->listen_fd[i];
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < 2 * MAX_CONNS; i++) {
			struct conn *k = &c->conns[i];
			if (k->state == CONN_FREE)
				continue;
			pc[nc++] = k;
			pfd[n].fd = k->fd;
			pfd[n++].events = k->state == CONN_CONNECTING ? POLLOUT : POLLIN;
		}
		timeout = wake > now ? (int)(wake - now) : 0;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
			return "error";
		}
		now = now_ms();
		for (i = 0; i < NFIXED; i++)
			if (fixed[i] >= 0 && pfd[i].revents != 0)
				datagrams(c, i, fixed[i], now);
		for (i = 0; i < (int)c->nlisten; i++)
			if (pfd[NFIXED + i].revents != 0)
				accept_sessions(c, (size_t)i, now);
		for (i = 0; i < nc; i++) {
			short rev = pfd[NFIXED + (int)c->nlisten + i].revents;
			if (rev == 0 || pc[i]->state == CONN_FREE)
				continue;
			if (pc[i]->state == CONN_SERVING)
				serve_event(c, pc[i]);
			else
				session_event(c, pc[i], rev);
		}
	}
	return "turns";
}

/* ---- set-up ----------------------------------------------------------------------------------- */

/* "IP,IP,..." into `out`; every address must be a host of the lab prefix. */
static int
parse_list(const struct chatter *c, const char *opt, const char *arg, uint32_t *out, size_t *n)
{
	char buf[MAX_PEERS * 16], *tok, *save = NULL;

	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, PROG ": %s: at most %d addresses\n", opt, MAX_PEERS);
		return -1;
	}
	strcpy(buf, arg);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		uint32_t a;
		if (labnet_parse_ip(tok, &a) != 0 || !unicast_allowed(c, a)) {
			fprintf(stderr, PROG ": %s: '%s' is not a host address of --prefix\n", opt, tok);
			return -1;
		}
		if (*n == MAX_PEERS) {
			fprintf(stderr, PROG ": %s: at most %d addresses\n", opt, MAX_PEERS);
			return -1;
		}
		out[(*n)++] = a;
	}
	return 0;
}

static int
parse_roles(const char *arg, unsigned *out)
{
	char buf[256], *tok, *save = NULL;
	size_t i;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NROLES && strcmp(tok, roles[i].name) != 0; i++)
			;
		if (i == NROLES) {
			fprintf(stderr, PROG ": --role '%s': one of client, heavy, fileserver, webserver, "
			    "printer, nas, dhcp, newclient, nms (comma-separated)\n", tok);
			return -1;
		}
		*out |= roles[i].bit;
	}
	return 0;
}

static int
open_sockets(struct chatter *c)
{
	struct ifreq ifr;
	int fd;

	if (strlen(c->ifname) >= IFNAMSIZ)
		return -1;
	c->ifindex = (int)if_nametoindex(c->ifname);
	if (c->ifindex == 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, c->ifname, strlen(c->ifname));
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	memcpy(c->mac, ifr.ifr_hwaddr.sa_data, 6);

	/* Every host: names, the poll, its own queries, renewals. */
	if ((c->nbns_fd = udp_socket(c, 0, PORT_NBNS, 0, true, false)) < 0 ||
	    (c->llmnr_fd = udp_socket(c, 0, PORT_LLMNR, LLMNR_GROUP, false, false)) < 0 ||
	    (c->snmp_fd = udp_socket(c, c->self, PORT_SNMP, 0, false, false)) < 0 ||
	    (c->query_fd = udp_socket(c, c->self, 0, 0, false, false)) < 0)
		return -1;
	if ((c->dhcp_server != 0 || c->roles & ROLE_NEWCLIENT) &&
	    (c->dhcpc_fd = udp_socket(c, 0, PORT_DHCP_CLIENT, 0, true, true)) < 0)
		return -1;
	if (c->roles & (ROLE_PRINTER | ROLE_NAS) &&
	    (c->ssdp_fd = udp_socket(c, 0, PORT_SSDP, SSDP_GROUP, false, false)) < 0)
		return -1;
	if (c->roles & (ROLE_PRINTER | ROLE_FILESERVER) &&
	    (c->wsd_fd = udp_socket(c, 0, PORT_WSD, SSDP_GROUP, false, false)) < 0)
		return -1;
	if (c->roles & ROLE_DHCP &&
	    (c->dhcps_fd = udp_socket(c, 0, PORT_DHCP_SERVER, 0, true, true)) < 0)
		return -1;
	if (c->roles & ROLE_NEWCLIENT) {
		struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = c->ifindex };
		c->packet_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		/* Send only: protocol 0 receives nothing; bound to the interface. */
		if (c->packet_fd < 0 || bind(c->packet_fd, (struct sockaddr *)&ll, sizeof(ll)) != 0)
			return -1;
	}
	if (c->roles & (ROLE_NMS | ROLE_DHCP)) {
		c->icmp_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (c->icmp_fd < 0 || setsockopt(c->icmp_fd, IPPROTO_IP, IP_TOS, &c->tos,
		    sizeof(c->tos)) != 0)
			return -1;
	}
	if (c->roles & (ROLE_FILESERVER | ROLE_NAS) && add_listener(c, 445) != 0)
		return -1;
	if (c->roles & (ROLE_WEBSERVER | ROLE_PRINTER | ROLE_NAS) && add_listener(c, 80) != 0)
		return -1;
	if (c->roles & ROLE_PRINTER && add_listener(c, 9100) != 0)
		return -1;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: " PROG " --self IP --prefix CIDR [--role R,...] [--peers IP,...]\n"
	    "                         [--fileservers IP,...] [--webservers IP,...] [--dhcp-server IP]\n"
	    "                         [--duration S] [--seed S] [--dscp N] [--ifname IF] [--log FILE]\n"
	    "One lab host's ordinary LAN traffic (discovery, names, DHCP renewals, file and web\n"
	    "sessions, the NMS's polls). Sockets open at start (a \"ready\" line is logged);\n"
	    "traffic starts on SIGUSR1; SIGTERM or the end of --duration (counted from SIGUSR1)\n"
	    "stops it.\n"
	    "  --self IP            this host's address (inside --prefix)\n"
	    "  --prefix CIDR        every unicast destination lies here (private or documentation\n"
	    "                       space); broadcasts go to the local /24's directed broadcast\n"
	    "  --role R,...         client, heavy, fileserver, webserver, printer, nas, dhcp,\n"
	    "                       newclient, nms (see the source's header)\n"
	    "  --peers IP,...       hosts whose names this host asks for; the NMS polls them\n"
	    "  --fileservers IP,... tcp/445 servers for client and heavy\n"
	    "  --webservers IP,...  tcp/80 servers for client\n"
	    "  --dhcp-server IP     renew the lease with this server\n"
	    "  --duration S         exit S seconds after SIGUSR1 (default 300, at most %d)\n"
	    "  --seed S             PRNG seed (default: from --self)\n"
	    "  --dscp N             DSCP of every packet sent (default %d)\n"
	    "  --ifname IF          the host's interface (default eth0)\n"
	    "  --log FILE           JSON lines appended here (default stdout)\n",
	    MAX_DURATION_S, DSCP_DEFAULT);
}

int
main(int argc, char **argv)
{
	enum { OPT_SELF = 256, OPT_PREFIX, OPT_ROLE, OPT_PEERS, OPT_FILES, OPT_WEBS, OPT_DHCP,
	       OPT_DUR, OPT_SEED, OPT_DSCP, OPT_IF, OPT_LOG };
	static const struct option longopts[] = {
		{ "self", required_argument, NULL, OPT_SELF },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "peers", required_argument, NULL, OPT_PEERS },
		{ "fileservers", required_argument, NULL, OPT_FILES },
		{ "webservers", required_argument, NULL, OPT_WEBS },
		{ "dhcp-server", required_argument, NULL, OPT_DHCP },
		{ "duration", required_argument, NULL, OPT_DUR },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "dscp", required_argument, NULL, OPT_DSCP },
		{ "ifname", required_argument, NULL, OPT_IF },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct chatter c;
	const char *self_arg = NULL, *prefix_arg = NULL, *peers_arg = NULL, *files_arg = NULL;
	const char *webs_arg = NULL, *dhcp_arg = NULL, *log_path = NULL, *exit_reason;
	const char *roles_arg = "";
	uint64_t duration_s = 300, seed = 0, dscp = DSCP_DEFAULT;
	bool seed_set = false;
	char err[256];
	struct sigaction sa;
	int opt;
	size_t i;

	c.ifname = "eth0";
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SELF: self_arg = optarg; break;
		case OPT_PREFIX: prefix_arg = optarg; break;
		case OPT_ROLE:
			roles_arg = optarg;
			if (parse_roles(optarg, &c.roles) != 0)
				return 2;
			break;
		case OPT_PEERS: peers_arg = optarg; break;
		case OPT_FILES: files_arg = optarg; break;
		case OPT_WEBS: webs_arg = optarg; break;
		case OPT_DHCP: dhcp_arg = optarg; break;
		case OPT_IF: c.ifname = optarg; break;
		case OPT_LOG: log_path = optarg; break;
		case OPT_DUR:
			duration_s = labopt_arg_u64(PROG, "--duration", optarg, 1, MAX_DURATION_S);
			break;
		case OPT_SEED:
			seed = labopt_arg_u64(PROG, "--seed", optarg, 0, UINT64_MAX);
			seed_set = true;
			break;
		case OPT_DSCP:
			dscp = labopt_arg_u64(PROG, "--dscp", optarg, 0, 63);
			break;
		default:
			return labopt_other(opt, usage);
		}
	}
	if (labopt_no_operands(PROG, argc, argv) != 0)
		return 2;
	if (self_arg == NULL || prefix_arg == NULL) {
		fprintf(stderr, PROG ": --self and --prefix are required\n");
		usage(stderr);
		return 2;
	}
	if (labnet_parse_prefix(prefix_arg, &c.prefix, err, sizeof(err)) != 0 ||
	    !labnet_prefix_allowed(&c.prefix, err, sizeof(err))) {
		fprintf(stderr, PROG ": --prefix: %s\n", err);
		return 2;
	}
	if (labnet_parse_ip(self_arg, &c.self) != 0 || !unicast_allowed(&c, c.self)) {
		fprintf(stderr, PROG ": --self '%s': not a host address of --prefix %s\n", self_arg,
		    prefix_arg);
		return 2;
	}
	{
		struct labnet_prefix local = labnet_local_block(&c.prefix, c.self, 24);
		c.bcast = labnet_broadcast(&local);
		c.next_pool = (local.net & ~0xffu) | 150;
	}
	if ((peers_arg != NULL && parse_list(&c, "--peers", peers_arg, c.peers, &c.npeers) != 0) ||
	    (files_arg != NULL && parse_list(&c, "--fileservers", files_arg, c.fileservers,
	    &c.nfileservers) != 0) ||
	    (webs_arg != NULL && parse_list(&c, "--webservers", webs_arg, c.webservers,
	    &c.nwebservers) != 0))
		return 2;
	if (dhcp_arg != NULL && (labnet_parse_ip(dhcp_arg, &c.dhcp_server) != 0 ||
	    !unicast_allowed(&c, c.dhcp_server))) {
		fprintf(stderr, PROG ": --dhcp-server '%s': not a host address of --prefix\n", dhcp_arg);
		return 2;
	}
	c.tos = (int)dscp << 2;
	host_name(c.self, c.name, sizeof(c.name));
	c.rng.state = seed_set ? seed : 0x6c616e2d63686174ULL ^ c.self;
	c.ping_ident = (uint16_t)(getpid() ^ c.self);
	c.nbns_fd = c.llmnr_fd = c.snmp_fd = c.query_fd = c.ssdp_fd = c.wsd_fd = -1;
	c.dhcpc_fd = c.dhcps_fd = c.packet_fd = c.icmp_fd = -1;
	for (i = 0; i < 2 * MAX_CONNS; i++)
		c.conns[i].fd = -1;

	if (log_path != NULL) {
		c.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (c.log_fd < 0) {
			fprintf(stderr, PROG ": --log %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	} else {
		c.log_fd = STDOUT_FILENO;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_go;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (open_sockets(&c) != 0) {
		fprintf(stderr, PROG ": %s: opening the sockets: %s\n", self_arg, strerror(errno));
		return 1;
	}
	log_event(&c, "ready", ",\"name\":\"%s\",\"roles\":\"%s\",\"tcp_listeners\":%zu", c.name,
	    roles_arg, c.nlisten);
	exit_reason = run(&c, (int64_t)duration_s * 1000);
	log_event(&c, "summary", ",\"flows\":%" PRIu64 ",\"datagrams\":%" PRIu64
	    ",\"answered\":%" PRIu64 ",\"served\":%" PRIu64 ",\"queries\":%" PRIu64
	    ",\"sessions\":%" PRIu64 ",\"sessions_ok\":%" PRIu64 ",\"sessions_failed\":%" PRIu64
	    ",\"accepted\":%" PRIu64 ",\"pings\":%" PRIu64 ",\"pings_answered\":%" PRIu64
	    ",\"polls\":%" PRIu64 ",\"polls_answered\":%" PRIu64 ",\"renewals\":%" PRIu64
	    ",\"acks\":%" PRIu64 ",\"offers\":%" PRIu64 ",\"conflicts\":%" PRIu64
	    ",\"ignored\":%" PRIu64 ",\"send_errors\":%" PRIu64 ",\"send_errno\":\"%s\",\"exit\":\"%s\"",
	    c.n.flows, c.n.datagrams, c.n.answered, c.n.served, c.n.queries, c.n.sessions,
	    c.n.sessions_ok, c.n.sessions_failed, c.n.accepted, c.n.pings, c.n.pings_answered,
	    c.n.polls, c.n.polls_answered, c.n.renewals, c.n.acks, c.n.offers, c.n.conflicts,
	    c.n.ignored, c.n.send_errors, errno_name(c.send_errno),
	    exit_reason);
	for (i = 0; i < 2 * MAX_CONNS; i++)
		if (c.conns[i].fd >= 0)
			close(c.conns[i].fd);
	for (i = 0; i < c.nlisten; i++)
		close(c.listen_fd[i]);
	{
		int fds[] = { c.nbns_fd, c.llmnr_fd, c.snmp_fd, c.query_fd, c.ssdp_fd, c.wsd_fd,
		    c.dhcpc_fd, c.dhcps_fd, c.packet_fd, c.icmp_fd };
		for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	if (log_path != NULL)
		close(c.log_fd);
	return 0;
}
