/* SPDX-License-Identifier: ISC */
/*
 * cordon-labswitch-agent: the AgentX subagent of a lab switch.
 *
 * A lab switch is a network namespace in which every VLAN is one Linux bridge
 * named br<VID> (this machine's kernel has no bridge VLAN filtering) and every
 * access port is an interface named swp<N>, bridge port N. The port's VLAN is
 * the bridge it is enslaved to. snmpd (the AgentX master, in the same
 * namespace) serves IF-MIB; this subagent serves the bridge MIBs from the
 * kernel's live state, read through rtnetlink at every request, so what a
 * manager reads is always what the bridges do:
 *
 *   BRIDGE-MIB        dot1dBaseNumPorts, dot1dBasePortIfIndex, dot1dTpFdbTable
 *   Q-BRIDGE-MIB      dot1qTpFdbPort/Status, dot1qVlanStaticTable (Name,
 *                     EgressPorts, UntaggedPorts, RowStatus), dot1qPvid
 *                     ("standard" personality only)
 *   CISCO-VTP-MIB     vtpVlanState ("cisco" personality only)
 *   CISCO-VLAN-MEMBERSHIP-MIB vmVlanType, vmVlan, vmPortStatus, vmVoiceVlanId
 *                     ("cisco")
 *   CISCO-PRIVATE-VLAN-MIB cpvlanVlanPrivateVlanType: isolated (3) for the
 *                     quarantine VLAN whose ports are kept apart (-q), else
 *                     normal (1) ("cisco", "ios")
 *
 * Writable: dot1qPvid, dot1qVlanStaticEgressPorts/UntaggedPorts (standard)
 * and vmVlan, vmVoiceVlanId (cisco, ios). In the "ios" personality BRIDGE-MIB is served per
 * VLAN in the contexts "vlan-<VID>" only, as Cisco IOS does. A SET moves a port by enslaving swp<N> to br<VID>; the
 * membership bitmaps are derived from the bridges, so they stay consistent
 * with every move. A SET naming a VLAN with no bridge fails with
 * inconsistentValue, as a real switch refuses a VLAN it does not have.
 *
 * Debian's MIB files are not installable here, so OIDs are numeric constants.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LSW_MAX_PORTS 128          /* swp1..swp128 */
#define LSW_MAX_VLANS 256          /* bridges br1..br4094, at most this many */
#define LSW_MAX_FDB 8192           /* forwarding entries read per request */
#define LSW_PORTLIST_LEN ((LSW_MAX_PORTS + 7) / 8)
#define LSW_OID_LEN 24             /* the longest OID served: dot1qTpFdbPort.fdb.mac = 20 */
#define LSW_NL_MAX_MSGS 100000     /* bound on netlink messages read per dump */

/* Registration roots. */
static const oid OID_DOT1D_BRIDGE[] = {1, 3, 6, 1, 2, 1, 17};
static const oid OID_CISCO_VTP[] = {1, 3, 6, 1, 4, 1, 9, 9, 46};
static const oid OID_CISCO_VM[] = {1, 3, 6, 1, 4, 1, 9, 9, 68};
static const oid OID_CISCO_PVLAN[] = {1, 3, 6, 1, 4, 1, 9, 9, 173};

/* Columns and scalars (the last sub-identifier before the index is the column). */
static const oid OID_DOT1D_BASE_NUM_PORTS[] = {1, 3, 6, 1, 2, 1, 17, 1, 2, 0};
static const oid OID_DOT1D_BASE_PORT_IFINDEX[] = {1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2};
static const oid OID_DOT1D_TP_FDB_ADDRESS[] = {1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 1};
static const oid OID_DOT1D_TP_FDB_PORT[] = {1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2};
static const oid OID_DOT1D_TP_FDB_STATUS[] = {1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 3};
static const oid OID_DOT1Q_TP_FDB_PORT[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2};
static const oid OID_DOT1Q_TP_FDB_STATUS[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 3};
static const oid OID_DOT1Q_VLAN_STATIC_NAME[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 1};
static const oid OID_DOT1Q_VLAN_STATIC_EGRESS[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2};
static const oid OID_DOT1Q_VLAN_STATIC_UNTAGGED[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4};
static const oid OID_DOT1Q_VLAN_STATIC_ROWSTATUS[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 5};
static const oid OID_DOT1Q_PVID[] = {1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 5, 1, 1};
static const oid OID_VTP_VLAN_STATE[] = {1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 3, 1, 1, 2, 1};
/* cpvlanVlanPrivateVlanType, domain 1 (as vtpVlanState) */
static const oid OID_CPVLAN_VLAN_TYPE[] = {1, 3, 6, 1, 4, 1, 9, 9, 173, 1, 1, 1, 1, 1, 1};
static const oid OID_VM_VLAN_TYPE[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 1};
static const oid OID_VM_VLAN[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 2};
static const oid OID_VM_PORT_STATUS[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 3};
static const oid OID_VM_VOICE_VLAN_ID[] = {1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 5, 1, 1, 1};

#define OIDLEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * standard: BRIDGE-MIB + Q-BRIDGE-MIB. cisco: BRIDGE-MIB (all VLANs, default
 * context) + the Cisco VLAN MIBs. ios: like a Cisco IOS switch, BRIDGE-MIB
 * only per VLAN, in the context "vlan-<VID>" (community "community@VID"),
 * and nothing of it in the default context.
 */
enum personality { PERS_STANDARD, PERS_CISCO, PERS_IOS };

static enum personality personality = PERS_STANDARD;

static bool
is_cisco(void)
{
	return personality == PERS_CISCO || personality == PERS_IOS;
}
static const char *switch_name = "labswitch";
static volatile sig_atomic_t stop_requested;

/* ---- the kernel's state, read through rtnetlink ---- */

struct lsw_port {
	bool present;
	int ifindex;
	int vlan;          /* 0: enslaved to no VLAN bridge */
};

struct lsw_vlan {
	int vid;
	int ifindex;       /* of br<vid> */
};

struct lsw_fdb {
	uint8_t mac[6];
	int vlan;
	int port;
};

struct lsw_state {
	int nports;                              /* highest present port number */
	struct lsw_port ports[LSW_MAX_PORTS + 1]; /* indexed by port number */
	int nvlans;
	struct lsw_vlan vlans[LSW_MAX_VLANS];    /* sorted by vid */
	int nfdb;
	struct lsw_fdb *fdb;                     /* owned; LSW_MAX_FDB entries */
};

static int nl_fd = -1;
static uint32_t nl_seq;

static int
nl_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl_fd < 0)
		return -1;
	if (bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	/* A request never waits long on the kernel; a stuck read must not hang the agent. */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

typedef void (*nl_msg_fn)(struct nlmsghdr *h, void *arg);

/*
 * Sends one request and reads the answers until DONE (dump) or the ACK.
 * Returns 0 or a negative errno.
 */
static int
nl_talk(struct nlmsghdr *req, nl_msg_fn fn, void *arg)
{
	static char buf[65536];
	uint32_t seq = ++nl_seq;
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	req->nlmsg_seq = seq;
	if (send(nl_fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	for (int msgs = 0; msgs < LSW_NL_MAX_MSGS;) {
		ssize_t n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n), msgs++) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error != 0 || !dump)
					return e->error;
				continue;
			}
			if (fn)
				fn(h, arg);
		}
	}
	return -E2BIG;
}

static void
parse_attrs(struct rtattr *tb[], int max, struct rtattr *rta, int len)
{
	memset(tb, 0, sizeof(struct rtattr *) * (max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type <= max)
			tb[rta->rta_type] = rta;
}

/* "br10" -> 10, "swp3" -> 3; 0 when the name is not prefix + a number in [1, max]. */
static int
name_number(const char *name, const char *prefix, int max)
{
	size_t pl = strlen(prefix);
	if (strncmp(name, prefix, pl) != 0 || name[pl] == '\0')
		return 0;
	char *end;
	long v = strtol(name + pl, &end, 10);
	if (*end != '\0' || name[pl] == '0' || v < 1 || v > max)
		return 0;
	return (int)v;
}

struct link_scan {
	struct lsw_state *st;
	int master_of[LSW_MAX_PORTS + 1];
};

static void
on_link(struct nlmsghdr *h, void *arg)
{
	struct link_scan *ls = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *tb[IFLA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	parse_attrs(tb, IFLA_MAX, IFLA_RTA(ifi), (int)IFLA_PAYLOAD(h));
	if (!tb[IFLA_IFNAME])
		return;
	const char *name = RTA_DATA(tb[IFLA_IFNAME]);
	int vid = name_number(name, "br", 4094);
	int port = name_number(name, "swp", LSW_MAX_PORTS);
	struct lsw_state *st = ls->st;

	if (vid && st->nvlans < LSW_MAX_VLANS) {
		st->vlans[st->nvlans].vid = vid;
		st->vlans[st->nvlans].ifindex = ifi->ifi_index;
		st->nvlans++;
	} else if (port) {
		st->ports[port].present = true;
		st->ports[port].ifindex = ifi->ifi_index;
		ls->master_of[port] = tb[IFLA_MASTER] ? (int)*(uint32_t *)RTA_DATA(tb[IFLA_MASTER]) : 0;
		if (port > st->nports)
			st->nports = port;
	}
}

static int
vlan_cmp(const void *a, const void *b)
{
	return ((const struct lsw_vlan *)a)->vid - ((const struct lsw_vlan *)b)->vid;
}

static const struct lsw_vlan *
vlan_by_ifindex(const struct lsw_state *st, int ifindex)
{
	for (int i = 0; i < st->nvlans; i++)
		if (st->vlans[i].ifindex == ifindex)
			return &st->vlans[i];
	return NULL;
}

static const struct lsw_vlan *
vlan_by_vid(const struct lsw_state *st, long vid)
{
	for (int i = 0; i < st->nvlans; i++)
		if (st->vlans[i].vid == vid)
			return &st->vlans[i];
	return NULL;
}

static int
port_by_ifindex(const struct lsw_state *st, int ifindex)
{
	for (int p = 1; p <= st->nports; p++)
		if (st->ports[p].present && st->ports[p].ifindex == ifindex)
			return p;
	return 0;
}

/*
 * A bridge forwarding entry of the switch from an RTM_NEWNEIGH/RTM_DELNEIGH
 * message: 1 with *f filled, 0 when it is not one (another family, the
 * bridge's own address, a bridge or port that is not the switch's).
 */
static int
fdb_from_neigh(const struct lsw_state *st, struct nlmsghdr *h, struct lsw_fdb *f)
{
	struct ndmsg *nd = NLMSG_DATA(h);
	struct rtattr *tb[NDA_MAX + 1];

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)) || nd->ndm_family != AF_BRIDGE)
		return 0;
	/* The bridge's own addresses (NUD_PERMANENT) are not learned hosts. */
	if (nd->ndm_state & NUD_PERMANENT)
		return 0;
	parse_attrs(tb, NDA_MAX, (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))),
		    (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd))));
	if (!tb[NDA_LLADDR] || RTA_PAYLOAD(tb[NDA_LLADDR]) != 6 || !tb[NDA_MASTER])
		return 0;
	const struct lsw_vlan *v = vlan_by_ifindex(st, (int)*(uint32_t *)RTA_DATA(tb[NDA_MASTER]));
	int port = port_by_ifindex(st, nd->ndm_ifindex);
	if (!v || !port)
		return 0;
	memcpy(f->mac, RTA_DATA(tb[NDA_LLADDR]), 6);
	f->vlan = v->vid;
	f->port = port;
	return 1;
}

static void
on_neigh(struct nlmsghdr *h, void *arg)
{
	struct lsw_state *st = arg;

	if (h->nlmsg_type != RTM_NEWNEIGH || st->nfdb >= LSW_MAX_FDB)
		return;
	st->nfdb += fdb_from_neigh(st, h, &st->fdb[st->nfdb]);
}

static int
fdb_cmp(const void *a, const void *b)
{
	const struct lsw_fdb *x = a, *y = b;
	if (x->vlan != y->vlan)
		return x->vlan - y->vlan;
	return memcmp(x->mac, y->mac, 6);
}

/* Reads links and (when `with_fdb`) the forwarding tables. Returns 0 or -errno. */
static int
state_read(struct lsw_state *st, bool with_fdb)
{
	struct {
		struct nlmsghdr h;
		union {
			struct ifinfomsg ifi;
			struct ndmsg nd;
		} u;
	} req;
	struct link_scan ls;
	struct lsw_fdb *fdb = st->fdb;
	int rc;

	memset(st, 0, sizeof(*st));
	st->fdb = fdb;
	memset(&ls, 0, sizeof(ls));
	ls.st = st;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.u.ifi.ifi_family = AF_UNSPEC;
	if ((rc = nl_talk(&req.h, on_link, &ls)) < 0)
		return rc;
	qsort(st->vlans, (size_t)st->nvlans, sizeof(st->vlans[0]), vlan_cmp);
	for (int p = 1; p <= st->nports; p++) {
		const struct lsw_vlan *v = vlan_by_ifindex(st, ls.master_of[p]);
		st->ports[p].vlan = v ? v->vid : 0;
	}
	if (!with_fdb)
		return 0;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.h.nlmsg_type = RTM_GETNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.u.nd.ndm_family = AF_BRIDGE;
	if ((rc = nl_talk(&req.h, on_neigh, st)) < 0)
		return rc;
	qsort(st->fdb, (size_t)st->nfdb, sizeof(st->fdb[0]), fdb_cmp);
	return 0;
}

/* Moves port `port` into VLAN `vid` (enslaves swp<port> to br<vid>). Returns 0 or -errno. */
/*
 * The quarantine VLAN keeps its hosts apart: a port in it is a bridge
 * "isolated" port (it forwards only to non-isolated ports), so a quarantined
 * host reaches the remediation server's port (left open) but no other
 * quarantined host, as private VLAN isolated ports or protected ports do on
 * real switches. 0 (no -q) turns the feature off.
 */
static int quarantine_vid;
static int open_port;              /* -o: the port in the quarantine VLAN that stays reachable */

/* Sets swp<port>'s bridge "isolated" flag (RTM_SETLINK, AF_BRIDGE, IFLA_PROTINFO). */
static int
port_set_isolated(const struct lsw_state *st, int port, bool on)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		char attrs[32];
	} req;

	if (port < 1 || port > st->nports || !st->ports[port].present)
		return -ENOENT;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.h.nlmsg_type = RTM_SETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.ifi.ifi_family = AF_BRIDGE;
	req.ifi.ifi_index = st->ports[port].ifindex;
	struct rtattr *nest = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
	nest->rta_type = IFLA_PROTINFO | NLA_F_NESTED;
	struct rtattr *flag = (struct rtattr *)((char *)nest + RTA_LENGTH(0));
	flag->rta_type = IFLA_BRPORT_ISOLATED;
	flag->rta_len = RTA_LENGTH(sizeof(uint8_t));
	*(uint8_t *)RTA_DATA(flag) = on ? 1 : 0;
	nest->rta_len = (unsigned short)(RTA_LENGTH(0) + RTA_ALIGN(flag->rta_len));
	req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(nest->rta_len);
	return nl_talk(&req.h, NULL, NULL);
}

/* Isolated exactly when in the quarantine VLAN and not the open port. */
static int
port_apply_isolation(const struct lsw_state *st, int port, int vid)
{
	if (!quarantine_vid)
		return 0;
	return port_set_isolated(st, port, vid == quarantine_vid && port != open_port);
}

static int
port_move(const struct lsw_state *st, int port, int vid)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		char attrs[64];
	} req;
	const struct lsw_vlan *v = vlan_by_vid(st, vid);

	if (!v || port < 1 || port > st->nports || !st->ports[port].present)
		return -ENOENT;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = st->ports[port].ifindex;
	struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
	rta->rta_type = IFLA_MASTER;
	rta->rta_len = RTA_LENGTH(sizeof(uint32_t));
	uint32_t master = (uint32_t)v->ifindex;
	memcpy(RTA_DATA(rta), &master, sizeof(master));
	req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return nl_talk(&req.h, NULL, NULL);
}

/* ---- tagged memberships (a phone's voice VLAN on a PC's access port) ---- */

/*
 * This kernel has no 802.1Q devices and no bridge VLAN filtering (and no
 * tc vlan action), so tagged frames cannot be carried to another VLAN's
 * bridge: a tagged membership lives in the agent's MIB state only. It is
 * served in dot1qVlanStaticEgressPorts (not UntaggedPorts) and written as
 * 802.1Q says (egress member, not untagged: tagged), so that a manager's
 * handling of hybrid ports (what it records, removes and puts back) can be
 * tested; no frame is forwarded by it. -T PORT:VID sets one at start; the
 * set is kept in the persistent directory across agent restarts.
 */
static uint8_t tagged[LSW_MAX_PORTS + 1][4096 / 8];
static char tagged_path[4096];

static bool
tagged_has(int port, int vid)
{
	return tagged[port][vid / 8] & (1u << (vid % 8));
}

static void
tagged_put(int port, int vid, bool on)
{
	if (on)
		tagged[port][vid / 8] |= (uint8_t)(1u << (vid % 8));
	else
		tagged[port][vid / 8] &= (uint8_t)~(1u << (vid % 8));
}

/*
 * The agent's only state of its own (tagged memberships, voice VLANs) is kept
 * in files of "PORT VALUE" lines, written atomically.
 */
static void
pairs_save(const char *path, void (*emit)(FILE *f))
{
	char tmp[4096 + 8];
	if (!path[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snmp_log(LOG_ERR, "%s: %s: %s\n", switch_name, tmp, strerror(errno));
		return;
	}
	emit(f);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		snmp_log(LOG_ERR, "%s: saving %s: %s\n", switch_name, path, strerror(errno));
}

/* Reads a saved file into put(): 1 read, 0 no file, -1 malformed (the line is named). */
static int
pairs_load(const char *path, int vmin, int vmax, void (*put)(int port, int value))
{
	FILE *f = fopen(path, "r");
	int p, v, line = 0;
	if (!f)
		return 0;
	while (fscanf(f, "%d %d", &p, &v) == 2) {
		line++;
		if (p < 1 || p > LSW_MAX_PORTS || v < vmin || v > vmax) {
			fprintf(stderr, "cordon-labswitch-agent: %s line %d: port %d value %d out of range\n",
				path, line, p, v);
			fclose(f);
			return -1;
		}
		put(p, v);
	}
	fclose(f);
	return 1;
}

static void
tagged_emit(FILE *f)
{
	for (int p = 1; p <= LSW_MAX_PORTS; p++)
		for (int v = 1; v <= 4094; v++)
			if (tagged_has(p, v))
				fprintf(f, "%d %d\n", p, v);
}

static void
tagged_save(void)
{
	pairs_save(tagged_path, tagged_emit);
}

static void
tagged_add(int port, int vid)
{
	tagged_put(port, vid, true);
}

/* ---- voice VLANs (cisco: CISCO-VLAN-MEMBERSHIP-MIB vmVoiceVlanId) ---- */

/*
 * A port's voice VLAN as the MIB writes it: 0 (802.1p priority tagging in the
 * access VLAN), 1..4094 (a VLAN the phone tags its frames with), 4095
 * (untagged), 4096 (none). As with tagged memberships, the kernel here cannot
 * carry the phone's tagged frames: the value lives in the agent's MIB state
 * only (-V PORT:VALUE at start, kept in the persistent directory).
 */
#define VOICE_NONE 4096
static int voice_vlan[LSW_MAX_PORTS + 1];
static char voice_path[4096];

static void
voice_put(int port, int value)
{
	voice_vlan[port] = value;
}

static void
voice_emit(FILE *f)
{
	for (int p = 1; p <= LSW_MAX_PORTS; p++)
		if (voice_vlan[p] != VOICE_NONE)
			fprintf(f, "%d %d\n", p, voice_vlan[p]);
}

/* ---- the served view: a sorted list of (OID, value) built from a state ---- */

struct lsw_entry {
	oid name[LSW_OID_LEN];
	size_t len;
	u_char type;
	long ival;
	size_t slen;
	u_char str[LSW_PORTLIST_LEN > 16 ? LSW_PORTLIST_LEN : 16];
};

struct lsw_view {
	size_t n, cap;
	struct lsw_entry *e;   /* owned */
};

static struct lsw_entry *
view_add(struct lsw_view *v, const oid *col, size_t collen, const oid *idx, size_t idxlen)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		struct lsw_entry *e = realloc(v->e, cap * sizeof(*e));
		if (!e)
			return NULL;
		v->e = e;
		v->cap = cap;
	}
	struct lsw_entry *x = &v->e[v->n++];
	memset(x, 0, sizeof(*x));
	memcpy(x->name, col, collen * sizeof(oid));
	memcpy(x->name + collen, idx, idxlen * sizeof(oid));
	x->len = collen + idxlen;
	return x;
}

#define ADD_INT(v, col, idx, idxlen, t, val) do { \
	struct lsw_entry *x_ = view_add(v, col, OIDLEN(col), idx, idxlen); \
	if (!x_) return -1; \
	x_->type = (t); x_->ival = (val); \
} while (0)

#define ADD_STR(v, col, idx, idxlen, buf, n) do { \
	struct lsw_entry *x_ = view_add(v, col, OIDLEN(col), idx, idxlen); \
	if (!x_) return -1; \
	x_->type = ASN_OCTET_STR; memcpy(x_->str, buf, n); x_->slen = (n); \
} while (0)

/* Port list of VLAN `vid` (bit for port 1 is the MSB of octet 0), length (nports+7)/8. */
static size_t
portlist(const struct lsw_state *st, int vid, u_char *out)
{
	size_t len = (size_t)(st->nports + 7) / 8;
	memset(out, 0, LSW_PORTLIST_LEN);
	for (int p = 1; p <= st->nports; p++)
		if (st->ports[p].present && st->ports[p].vlan == vid)
			out[(p - 1) / 8] |= (u_char)(0x80 >> ((p - 1) % 8));
	return len ? len : 1;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct lsw_entry *x = a, *y = b;
	return snmp_oid_compare(x->name, x->len, y->name, y->len);
}

/* fdb entries ordered by MAC, then VLAN: for finding each MAC's lowest-VLAN entry. */
static const struct lsw_fdb *dup_base;

static int
mac_order(const void *a, const void *b)
{
	const struct lsw_fdb *x = &dup_base[*(const int *)a], *y = &dup_base[*(const int *)b];
	int c = memcmp(x->mac, y->mac, 6);
	return c ? c : x->vlan - y->vlan;
}

/* dup[i] = fdb[i]'s MAC is also learned in a lower VLAN. O(n log n). */
static void
mark_duplicate_macs(const struct lsw_state *st, bool *dup, int *order)
{
	for (int i = 0; i < st->nfdb; i++) {
		order[i] = i;
		dup[i] = false;
	}
	dup_base = st->fdb;
	qsort(order, (size_t)st->nfdb, sizeof(int), mac_order);
	for (int k = 1; k < st->nfdb; k++)
		if (memcmp(st->fdb[order[k]].mac, st->fdb[order[k - 1]].mac, 6) == 0)
			dup[order[k]] = true;
}

static bool dup_mac[LSW_MAX_FDB];
static int dup_order[LSW_MAX_FDB];

/* `ctx_vlan` > 0: the view of one VLAN's bridge context (ports and MACs of that VLAN only). */
static int
view_build(struct lsw_view *v, const struct lsw_state *st, int ctx_vlan)
{
	oid idx[7];
	u_char pl[LSW_PORTLIST_LEN];
	int nports = 0;

	v->n = 0;
	for (int p = 1; p <= st->nports; p++)
		nports += st->ports[p].present && (!ctx_vlan || st->ports[p].vlan == ctx_vlan);
	idx[0] = 0;
	ADD_INT(v, OID_DOT1D_BASE_NUM_PORTS, idx, 0, ASN_INTEGER, ctx_vlan ? nports : st->nports);
	for (int p = 1; p <= st->nports; p++) {
		if (!st->ports[p].present || (ctx_vlan && st->ports[p].vlan != ctx_vlan))
			continue;
		idx[0] = (oid)p;
		ADD_INT(v, OID_DOT1D_BASE_PORT_IFINDEX, idx, 1, ASN_INTEGER, st->ports[p].ifindex);
		if (personality == PERS_STANDARD && st->ports[p].vlan)
			ADD_INT(v, OID_DOT1Q_PVID, idx, 1, ASN_GAUGE, st->ports[p].vlan);
		if (is_cisco() && !ctx_vlan) {
			idx[0] = (oid)st->ports[p].ifindex;
			ADD_INT(v, OID_VM_VLAN_TYPE, idx, 1, ASN_INTEGER, 1);          /* static(1) */
			ADD_INT(v, OID_VM_VLAN, idx, 1, ASN_INTEGER, st->ports[p].vlan);
			ADD_INT(v, OID_VM_PORT_STATUS, idx, 1, ASN_INTEGER, st->ports[p].vlan ? 2 : 1); /* active(2) */
			ADD_INT(v, OID_VM_VOICE_VLAN_ID, idx, 1, ASN_INTEGER, voice_vlan[p]);
		}
	}
	/* BRIDGE-MIB's table is indexed by MAC alone: the lowest VLAN's entry wins. */
	mark_duplicate_macs(st, dup_mac, dup_order);
	for (int i = 0; i < st->nfdb; i++) {
		const struct lsw_fdb *f = &st->fdb[i];
		bool dup = dup_mac[i];
		if (ctx_vlan && f->vlan != ctx_vlan)
			continue;
		for (int k = 0; k < 6; k++)
			idx[k] = f->mac[k];
		if (!dup) {
			ADD_STR(v, OID_DOT1D_TP_FDB_ADDRESS, idx, 6, f->mac, 6);
			ADD_INT(v, OID_DOT1D_TP_FDB_PORT, idx, 6, ASN_INTEGER, f->port);
			ADD_INT(v, OID_DOT1D_TP_FDB_STATUS, idx, 6, ASN_INTEGER, 3);  /* learned(3) */
		}
		if (personality == PERS_STANDARD && !ctx_vlan) {
			/* dot1qFdbId: this switch uses the VLAN ID as its FDB ID (one bridge per VLAN). */
			idx[0] = (oid)f->vlan;
			for (int k = 0; k < 6; k++)
				idx[k + 1] = f->mac[k];
			ADD_INT(v, OID_DOT1Q_TP_FDB_PORT, idx, 7, ASN_INTEGER, f->port);
			ADD_INT(v, OID_DOT1Q_TP_FDB_STATUS, idx, 7, ASN_INTEGER, 3);
		}
	}
	for (int i = 0; i < st->nvlans; i++) {
		int vid = st->vlans[i].vid;
		idx[0] = (oid)vid;
		if (personality == PERS_STANDARD) {
			char name[16];
			int n = snprintf(name, sizeof(name), "VLAN%04d", vid);
			ADD_STR(v, OID_DOT1Q_VLAN_STATIC_NAME, idx, 1, name, (size_t)n);
			size_t len = portlist(st, vid, pl);
			ADD_STR(v, OID_DOT1Q_VLAN_STATIC_UNTAGGED, idx, 1, pl, len);
			for (int p = 1; p <= st->nports; p++)
				if (st->ports[p].present && tagged_has(p, vid))
					pl[(p - 1) / 8] |= (u_char)(0x80 >> ((p - 1) % 8));
			ADD_STR(v, OID_DOT1Q_VLAN_STATIC_EGRESS, idx, 1, pl, len);
			ADD_INT(v, OID_DOT1Q_VLAN_STATIC_ROWSTATUS, idx, 1, ASN_INTEGER, 1); /* active(1) */
		} else if (!ctx_vlan) {
			ADD_INT(v, OID_VTP_VLAN_STATE, idx, 1, ASN_INTEGER, 1);  /* operational(1) */
			/* The quarantine VLAN with its ports kept apart (-q) is what a
			 * Cisco switch calls an isolated private VLAN (3); others normal (1). */
			ADD_INT(v, OID_CPVLAN_VLAN_TYPE, idx, 1, ASN_INTEGER,
				quarantine_vid && vid == quarantine_vid ? 3 : 1);
		}
	}
	qsort(v->e, v->n, sizeof(v->e[0]), entry_cmp);
	return 0;
}

/* Index of the first entry whose OID is > (strict) or >= (!strict) `name`. */
static size_t
view_lower_bound(const struct lsw_view *v, const oid *name, size_t len, bool strict)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = snmp_oid_compare(v->e[mid].name, v->e[mid].len, name, len);
		if (c < 0 || (strict && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- SET: a whole request is checked first, then applied, undone on failure ---- */

static bool
has_prefix(const oid *name, size_t len, const oid *col, size_t collen)
{
	return len > collen && snmp_oid_compare(name, collen, col, collen) == 0;
}

#define LSW_TXN_EGRESS 16          /* EgressPorts varbinds in one SET */

struct lsw_txn {
	int desired[LSW_MAX_PORTS + 1];   /* 0: unchanged */
	int leaving[LSW_MAX_PORTS + 1];   /* a bitmap write takes the port out of this VLAN */
	int undo[LSW_MAX_PORTS + 1];      /* VLAN before ACTION moved the port; 0: not moved */
	/* EgressPorts written: decided after every varbind is seen (UntaggedPorts may follow). */
	int negress;
	struct {
		int vid;
		size_t len;
		u_char bits[LSW_PORTLIST_LEN];
	} egress[LSW_TXN_EGRESS];
	bool tagged_applied;
	uint8_t tagged_before[LSW_MAX_PORTS + 1][4096 / 8]; /* for the undo */
	int voice[LSW_MAX_PORTS + 1];     /* vmVoiceVlanId written + 1; 0: unchanged */
	bool voice_applied;
	int voice_before[LSW_MAX_PORTS + 1];
};

static struct lsw_txn txn;

/* Records that `port` must end in `vid`; a request that says two things about one port is refused. */
static int
txn_want(int port, int vid)
{
	if (txn.desired[port] && txn.desired[port] != vid)
		return SNMP_ERR_INCONSISTENTVALUE;
	txn.desired[port] = vid;
	return SNMP_ERR_NOERROR;
}

static int
check_vlan_value(const struct lsw_state *st, long vid)
{
	if (vid < 1 || vid > 4094)
		return SNMP_ERR_WRONGVALUE;
	if (!vlan_by_vid(st, vid)) {
		snmp_log(LOG_WARNING, "%s: refused: VLAN %ld does not exist on this switch\n",
			 switch_name, vid);
		return SNMP_ERR_INCONSISTENTVALUE;
	}
	return SNMP_ERR_NOERROR;
}

/* One varbind of a SET: its checks and what it asks for. Returns an SNMP error status. */
static int
txn_add(const struct lsw_state *st, netsnmp_variable_list *var)
{
	const oid *name = var->name;
	size_t len = var->name_length;

	if (personality == PERS_STANDARD && has_prefix(name, len, OID_DOT1Q_PVID, OIDLEN(OID_DOT1Q_PVID))) {
		if (len != OIDLEN(OID_DOT1Q_PVID) + 1)
			return SNMP_ERR_NOCREATION;
		oid port = name[len - 1];
		if (port < 1 || port > (oid)st->nports || !st->ports[port].present)
			return SNMP_ERR_NOCREATION;
		if (var->type != ASN_GAUGE && var->type != ASN_UNSIGNED)
			return SNMP_ERR_WRONGTYPE;
		long vid = (long)*var->val.integer;
		int rc = check_vlan_value(st, vid);
		return rc ? rc : txn_want((int)port, (int)vid);
	}
	if (personality == PERS_STANDARD &&
	    (has_prefix(name, len, OID_DOT1Q_VLAN_STATIC_EGRESS, OIDLEN(OID_DOT1Q_VLAN_STATIC_EGRESS)) ||
	     has_prefix(name, len, OID_DOT1Q_VLAN_STATIC_UNTAGGED, OIDLEN(OID_DOT1Q_VLAN_STATIC_UNTAGGED)))) {
		if (len != OIDLEN(OID_DOT1Q_VLAN_STATIC_EGRESS) + 1)
			return SNMP_ERR_NOCREATION;
		long vid = (long)name[len - 1];
		if (!vlan_by_vid(st, vid))
			return SNMP_ERR_NOCREATION;
		if (var->type != ASN_OCTET_STR)
			return SNMP_ERR_WRONGTYPE;
		if (var->val_len > LSW_PORTLIST_LEN)
			return SNMP_ERR_WRONGLENGTH;
		bool egress = has_prefix(name, len, OID_DOT1Q_VLAN_STATIC_EGRESS,
					 OIDLEN(OID_DOT1Q_VLAN_STATIC_EGRESS));
		for (size_t bit = 0; bit < var->val_len * 8; bit++) {
			int port = (int)bit + 1;
			bool member = var->val.string[bit / 8] & (0x80 >> (bit % 8));
			bool exists = port <= st->nports && st->ports[port].present;
			if (member && !exists)
				return SNMP_ERR_WRONGVALUE;   /* no such port */
			if (!exists)
				continue;
			/* Untagged membership is the access VLAN; an egress one alone is tagged (txn_check). */
			if (member && !egress && st->ports[port].vlan != vid) {
				int rc = txn_want(port, (int)vid);
				if (rc)
					return rc;
			} else if (!member && st->ports[port].vlan == vid) {
				txn.leaving[port] = (int)vid;
			}
		}
		if (egress) {
			if (txn.negress == LSW_TXN_EGRESS)
				return SNMP_ERR_TOOBIG;
			txn.egress[txn.negress].vid = (int)vid;
			txn.egress[txn.negress].len = var->val_len;
			memcpy(txn.egress[txn.negress].bits, var->val.string, var->val_len);
			txn.negress++;
		}
		return SNMP_ERR_NOERROR;
	}
	if (is_cisco() && has_prefix(name, len, OID_VM_VLAN, OIDLEN(OID_VM_VLAN))) {
		if (len != OIDLEN(OID_VM_VLAN) + 1)
			return SNMP_ERR_NOCREATION;
		int port = port_by_ifindex(st, (int)name[len - 1]);
		if (!port)
			return SNMP_ERR_NOCREATION;
		if (var->type != ASN_INTEGER)
			return SNMP_ERR_WRONGTYPE;
		long vid = *var->val.integer;
		int rc = check_vlan_value(st, vid);
		return rc ? rc : txn_want(port, (int)vid);
	}
	if (is_cisco() && has_prefix(name, len, OID_VM_VOICE_VLAN_ID, OIDLEN(OID_VM_VOICE_VLAN_ID))) {
		if (len != OIDLEN(OID_VM_VOICE_VLAN_ID) + 1)
			return SNMP_ERR_NOCREATION;
		int port = port_by_ifindex(st, (int)name[len - 1]);
		if (!port)
			return SNMP_ERR_NOCREATION;
		if (var->type != ASN_INTEGER)
			return SNMP_ERR_WRONGTYPE;
		long value = *var->val.integer;
		if (value < 0 || value > VOICE_NONE)
			return SNMP_ERR_WRONGVALUE;
		/* A voice VLAN is a VLAN of the switch; 0, 4095 and 4096 are not VLANs. */
		int rc = value >= 1 && value <= 4094 ? check_vlan_value(st, value) : SNMP_ERR_NOERROR;
		if (rc)
			return rc;
		if (txn.voice[port] && txn.voice[port] != value + 1)
			return SNMP_ERR_INCONSISTENTVALUE;
		txn.voice[port] = (int)value + 1;
		return SNMP_ERR_NOERROR;
	}
	return SNMP_ERR_NOTWRITABLE;
}

/* After all varbinds: an access port must end up untagged in exactly one VLAN. */
static int
txn_check(const struct lsw_state *st)
{
	for (int p = 1; p <= LSW_MAX_PORTS; p++)
		if (txn.leaving[p] && (!txn.desired[p] || txn.desired[p] == txn.leaving[p]))
			return SNMP_ERR_INCONSISTENTVALUE;
	/* 802.1Q: a port's untagged VLAN is among its egress VLANs. */
	for (int i = 0; i < txn.negress; i++) {
		const u_char *bits = txn.egress[i].bits;
		for (int p = 1; p <= st->nports; p++) {
			if (!st->ports[p].present)
				continue;
			bool member = (size_t)(p - 1) / 8 < txn.egress[i].len &&
				      (bits[(p - 1) / 8] & (0x80 >> ((p - 1) % 8)));
			int access = txn.desired[p] ? txn.desired[p] : st->ports[p].vlan;
			if (!member && access == txn.egress[i].vid)
				return SNMP_ERR_INCONSISTENTVALUE;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* The tagged memberships the SET leaves: egress members that are not the port's access VLAN. */
static void
txn_apply_tagged(const struct lsw_state *st)
{
	memcpy(txn.tagged_before, tagged, sizeof(tagged));
	txn.tagged_applied = true;
	for (int i = 0; i < txn.negress; i++) {
		int vid = txn.egress[i].vid;
		const u_char *bits = txn.egress[i].bits;
		for (int p = 1; p <= st->nports; p++) {
			if (!st->ports[p].present)
				continue;
			bool member = (size_t)(p - 1) / 8 < txn.egress[i].len &&
				      (bits[(p - 1) / 8] & (0x80 >> ((p - 1) % 8)));
			int access = txn.desired[p] ? txn.desired[p] : st->ports[p].vlan;
			tagged_put(p, vid, member && access != vid);
		}
	}
	/* A port moved into a VLAN it was tagged in now carries it untagged. */
	for (int p = 1; p <= st->nports; p++)
		if (txn.desired[p])
			tagged_put(p, txn.desired[p], false);
	if (memcmp(txn.tagged_before, tagged, sizeof(tagged)) != 0)
		tagged_save();
}

static int
txn_apply(const struct lsw_state *st)
{
	for (int p = 1; p <= st->nports; p++) {
		if (!txn.desired[p] || txn.desired[p] == st->ports[p].vlan)
			continue;
		int rc = port_move(st, p, txn.desired[p]);
		if (rc == 0) {
			/* Moved: from here on the undo must move it back, whatever follows. */
			txn.undo[p] = st->ports[p].vlan;
			rc = port_apply_isolation(st, p, txn.desired[p]);
		}
		if (rc < 0) {
			snmp_log(LOG_ERR, "%s: moving swp%d to br%d: %s\n", switch_name, p,
				 txn.desired[p], strerror(-rc));
			return -1;
		}
		snmp_log(LOG_INFO, "%s: swp%d VLAN %d -> %d\n", switch_name, p,
			 st->ports[p].vlan, txn.desired[p]);
	}
	txn_apply_tagged(st);
	memcpy(txn.voice_before, voice_vlan, sizeof(voice_vlan));
	txn.voice_applied = true;
	for (int p = 1; p <= LSW_MAX_PORTS; p++)
		if (txn.voice[p])
			voice_vlan[p] = txn.voice[p] - 1;
	if (memcmp(txn.voice_before, voice_vlan, sizeof(voice_vlan)) != 0)
		pairs_save(voice_path, voice_emit);
	return 0;
}

static void
txn_undo(const struct lsw_state *st)
{
	if (txn.voice_applied && memcmp(txn.voice_before, voice_vlan, sizeof(voice_vlan)) != 0) {
		memcpy(voice_vlan, txn.voice_before, sizeof(voice_vlan));
		pairs_save(voice_path, voice_emit);
	}
	if (txn.tagged_applied && memcmp(txn.tagged_before, tagged, sizeof(tagged)) != 0) {
		memcpy(tagged, txn.tagged_before, sizeof(tagged));
		tagged_save();
	}
	for (int p = 1; p <= st->nports; p++)
		if (txn.undo[p] && (port_move(st, p, txn.undo[p]) < 0 ||
				    port_apply_isolation(st, p, txn.undo[p]) < 0))
			snmp_log(LOG_ERR, "%s: undo: swp%d back to VLAN %d failed\n", switch_name, p,
				 txn.undo[p]);
}

/* ---- the handler ---- */

static struct lsw_state cur_state;
static struct lsw_view cur_view;

/*
 * The master agent turns a GETBULK into one AgentX GETNEXT per repetition.
 * Reading the bridges (a netlink dump of every link and forwarding entry)
 * and building the view at each of them made a 40-row bulk on a 106-port
 * switch take 40 ms, far slower than a real switch answers. A read is
 * therefore reused until the kernel reports a change of a link or a
 * forwarding entry (on_bridge_events), and for at most LSW_STATE_REUSE_MS
 * (events can be dropped when the socket overflows). A SET always reads
 * afresh, and the first read after it does too, so a write is read back as
 * it was applied.
 */
#define LSW_STATE_REUSE_MS 50

static int64_t state_read_ms = -1;       /* when cur_state was read; -1: stale */
static bool state_has_fdb;
static bool view_valid;                  /* cur_view built from cur_state ... */
static int view_ctx;                     /* ... for this context's VLAN */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
state_read_shared(bool set, bool with_fdb)
{
	int64_t now = mono_ms();
	int rc;

	if (!set && state_read_ms >= 0 && now - state_read_ms < LSW_STATE_REUSE_MS &&
	    (state_has_fdb || !with_fdb))
		return 0;
	view_valid = false;
	state_read_ms = -1;
	if ((rc = state_read(&cur_state, with_fdb)) < 0)
		return rc;
	state_read_ms = set ? -1 : now;
	state_has_fdb = with_fdb;
	return 0;
}

static bool
request_needs_fdb(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	if (reqinfo->mode != MODE_GET)
		return reqinfo->mode == MODE_GETNEXT || reqinfo->mode == MODE_GETBULK;
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		const netsnmp_variable_list *var = r->requestvb;
		if (has_prefix(var->name, var->name_length, OID_DOT1D_TP_FDB_ADDRESS, 9) ||
		    has_prefix(var->name, var->name_length, OID_DOT1Q_TP_FDB_PORT, 11))
			return true;
	}
	return false;
}

/* The VLAN of a registration in a "vlan-<VID>" context; 0 for the default context. */
static int
context_vlan(const netsnmp_handler_registration *reginfo)
{
	if (!reginfo->contextName || strncmp(reginfo->contextName, "vlan-", 5) != 0)
		return 0;
	return atoi(reginfo->contextName + 5);
}

static int
bridge_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reginfo,
	       netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)handler;
	bool set = reqinfo->mode != MODE_GET && reqinfo->mode != MODE_GETNEXT &&
		   reqinfo->mode != MODE_GETBULK;

	if (set && (reqinfo->mode == MODE_SET_COMMIT || reqinfo->mode == MODE_SET_FREE)) {
		memset(&txn, 0, sizeof(txn));
		return SNMP_ERR_NOERROR;
	}
	int rc = state_read_shared(set, !set && request_needs_fdb(reqinfo, requests));
	if (rc < 0) {
		snmp_log(LOG_ERR, "%s: reading the bridges: %s\n", switch_name, strerror(-rc));
		netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_GENERR);
		return SNMP_ERR_NOERROR;
	}

	switch (reqinfo->mode) {
	case MODE_GET:
	case MODE_GETNEXT:
		if (!view_valid || view_ctx != context_vlan(reginfo)) {
			if (view_build(&cur_view, &cur_state, context_vlan(reginfo)) < 0) {
				netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_GENERR);
				return SNMP_ERR_NOERROR;
			}
			view_valid = true;
			view_ctx = context_vlan(reginfo);
		}
		for (netsnmp_request_info *r = requests; r; r = r->next) {
			netsnmp_variable_list *var = r->requestvb;
			if (r->processed)
				continue;
			size_t i = view_lower_bound(&cur_view, var->name, var->name_length,
						    reqinfo->mode == MODE_GETNEXT);
			const struct lsw_entry *e = i < cur_view.n ? &cur_view.e[i] : NULL;
			if (reqinfo->mode == MODE_GET) {
				if (!e || snmp_oid_compare(e->name, e->len, var->name, var->name_length)) {
					netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
					continue;
				}
			} else {
				/* Past our registration: leave it for the next one. */
				if (!e || snmp_oid_compare(e->name, reginfo->rootoid_len, reginfo->rootoid,
							   reginfo->rootoid_len) != 0)
					continue;
				snmp_set_var_objid(var, e->name, e->len);
			}
			if (e->type == ASN_OCTET_STR)
				snmp_set_var_typed_value(var, e->type, e->str, e->slen);
			else
				snmp_set_var_typed_value(var, e->type, &e->ival, sizeof(e->ival));
		}
		break;
	case MODE_SET_RESERVE1:
		memset(&txn, 0, sizeof(txn));
		for (netsnmp_request_info *r = requests; r; r = r->next) {
			int err = txn_add(&cur_state, r->requestvb);
			if (err) {
				netsnmp_set_request_error(reqinfo, r, err);
				return SNMP_ERR_NOERROR;
			}
		}
		if ((rc = txn_check(&cur_state)) != 0)
			netsnmp_set_request_error(reqinfo, requests, rc);
		break;
	case MODE_SET_RESERVE2:
		break;
	case MODE_SET_ACTION:
		if (txn_apply(&cur_state) < 0)
			netsnmp_set_request_error(reqinfo, requests, SNMP_ERR_COMMITFAILED);
		break;
	case MODE_SET_UNDO:
		txn_undo(&cur_state);
		memset(&txn, 0, sizeof(txn));
		break;
	default:
		break;
	}
	return SNMP_ERR_NOERROR;
}

/* `context`: NULL for the default context, else e.g. "vlan-10" (copied). */
static int
register_subtree(const char *name, const oid *root, size_t len, const char *context)
{
	netsnmp_handler_registration *reg = netsnmp_create_handler_registration(
		name, bridge_handler, root, len, HANDLER_CAN_RWRITE);
	if (reg && context && !(reg->contextName = strdup(context))) {
		netsnmp_handler_registration_free(reg);
		reg = NULL;
	}
	if (!reg || netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
		snmp_log(LOG_ERR, "%s: cannot register %s\n", switch_name, name);
		return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ---- MAC-change notifications (CISCO-MAC-NOTIFICATION-MIB), -m ---- */

/*
 * With -m the switch tells its managers where hosts appear, as a Cisco switch
 * with `mac address-table notification change` does: the kernel's bridge
 * forwarding-table events (RTNLGRP_NEIGH) become cmnMacChangedNotification,
 * each carrying one cmnHistMacChangedMsg of up to 23 11-octet tuples
 * <operation 1 learnt / 2 removed><VLAN 2><MAC 6><dot1dBasePort 2>. snmpd (the
 * master agent) sends them to the sinks in its configuration.
 */
static const oid OID_SNMP_TRAP_OID[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
static const oid OID_CMN_MAC_CHANGED[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 2, 0, 1};
static const oid OID_CMN_HIST_MSG[] = {1, 3, 6, 1, 4, 1, 9, 9, 215, 1, 1, 8, 1, 2};

#define LSW_TUPLES_PER_MSG 23      /* 23 * 11 = 253 octets: cmnHistMacChangedMsg is 1..254 */
#define LSW_EVENTS_PER_WAKE 1024   /* bound on kernel events handled per wake-up */

static bool notify_mac_changes;
static int nl_events_fd = -1;
static unsigned long hist_index;   /* cmnHistIndex: 1, 2, ... */
static struct lsw_state ev_state;  /* links only, for mapping the events */

static void
send_mac_changed(const uint8_t *msg, size_t len)
{
	oid name[OIDLEN(OID_CMN_HIST_MSG) + 1];
	netsnmp_variable_list *vars = NULL;

	memcpy(name, OID_CMN_HIST_MSG, sizeof(OID_CMN_HIST_MSG));
	name[OIDLEN(OID_CMN_HIST_MSG)] = ++hist_index;
	if (!snmp_varlist_add_variable(&vars, OID_SNMP_TRAP_OID, OIDLEN(OID_SNMP_TRAP_OID),
				       ASN_OBJECT_ID, (const u_char *)OID_CMN_MAC_CHANGED,
				       sizeof(OID_CMN_MAC_CHANGED)) ||
	    !snmp_varlist_add_variable(&vars, name, OIDLEN(name), ASN_OCTET_STR, msg, len)) {
		snmp_log(LOG_ERR, "%s: MAC notification: out of memory\n", switch_name);
		snmp_free_varbind(vars);
		return;
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

/*
 * The kernel reported changes of links or forwarding entries: the handler's
 * next read is fresh, and with -m the learnt and removed MACs are sent as
 * notifications.
 */
static void
on_bridge_events(int fd, void *arg)
{
	static char buf[65536];
	uint8_t msg[LSW_TUPLES_PER_MSG * 11];
	size_t len = 0;
	int handled = 0, sent = 0;
	(void)arg;

	state_read_ms = -1;
	if (!notify_mac_changes) {
		while (handled++ < LSW_EVENTS_PER_WAKE && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		return;
	}
	/* Ports and bridges may have changed since the last events: map with today's. */
	if (state_read(&ev_state, false) < 0)
		return;
	while (handled < LSW_EVENTS_PER_WAKE) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break; /* EAGAIN: all read; ENOBUFS: the kernel dropped some, go on */
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n), handled++) {
			struct lsw_fdb f;
			if ((h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) ||
			    !fdb_from_neigh(&ev_state, h, &f))
				continue;
			uint8_t *t = msg + len;
			t[0] = h->nlmsg_type == RTM_NEWNEIGH ? 1 : 2;
			t[1] = (uint8_t)(f.vlan >> 8);
			t[2] = (uint8_t)f.vlan;
			memcpy(t + 3, f.mac, 6);
			t[9] = (uint8_t)(f.port >> 8);
			t[10] = (uint8_t)f.port;
			len += 11;
			if (len == sizeof(msg)) {
				send_mac_changed(msg, len);
				sent++;
				len = 0;
			}
		}
	}
	if (len) {
		send_mac_changed(msg, len);
		sent++;
	}
	if (sent)
		snmp_log(LOG_INFO, "%s: %d MAC-change notification(s) sent\n", switch_name, sent);
}

/* Subscribes to the bridges' link and forwarding-table events. Returns 0 or -errno. */
static int
bridge_events_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_NEIGH | RTMGRP_LINK};

	nl_events_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (nl_events_fd < 0)
		return -errno;
	if (bind(nl_events_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/*
 * One turn of the agent's loop: what agent_check_and_process(1) does, plus the
 * forwarding-table events socket, which it does not watch. A signal ends the
 * wait (EINTR) so SIGTERM is seen at once.
 */
static void
agent_run_once(void)
{
	fd_set fds;
	struct timeval tv;
	int numfds = 0, block = 1;

	FD_ZERO(&fds);
	timerclear(&tv);
	snmp_select_info(&numfds, &fds, &tv, &block);
	if (nl_events_fd >= 0) {
		FD_SET(nl_events_fd, &fds);
		if (nl_events_fd >= numfds)
			numfds = nl_events_fd + 1;
	}
	int n = select(numfds, &fds, NULL, NULL, block ? NULL : &tv);
	if (n > 0) {
		if (nl_events_fd >= 0 && FD_ISSET(nl_events_fd, &fds)) {
			on_bridge_events(nl_events_fd, NULL);
			FD_CLR(nl_events_fd, &fds);
		}
		snmp_read(&fds);
	} else if (n == 0) {
		snmp_timeout();
	}
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: cordon-labswitch-agent -x AGENTX_SOCKET [-P standard|cisco|ios] [-n NAME]\n"
		"                              [-d PERSISTENT_DIR] [-q QUARANTINE_VLAN [-o OPEN_PORT]] [-m]\n"
		"                              [-T PORT:VLAN]... [-V PORT:VOICE]...\n"
		"Serves BRIDGE-MIB, Q-BRIDGE-MIB (standard) or CISCO-VLAN-MEMBERSHIP-MIB (cisco;\n"
		"ios: BRIDGE-MIB per VLAN context \"vlan-<VID>\" only, as Cisco IOS)\n"
		"for the bridges br<VID> and ports swp<N> of the current network namespace.\n"
		"-q: ports in that VLAN are isolated from each other (bridge port isolation),\n"
		"except OPEN_PORT (the remediation server's), which they all reach.\n"
		"-m: send cmnMacChangedNotification (CISCO-MAC-NOTIFICATION-MIB) for every MAC the\n"
		"bridges learn or forget, through snmpd's notification sinks.\n"
		"-T: PORT is a tagged member of VLAN (Q-BRIDGE EgressPorts only: this kernel\n"
		"cannot forward tagged frames); kept in PERSISTENT_DIR across restarts.\n"
		"-V: PORT's voice VLAN (cisco vmVoiceVlanId: 0 dot1p, 1..4094, 4095 untagged;\n"
		"default 4096, none); MIB state only, kept in PERSISTENT_DIR like -T.\n");
}

int
main(int argc, char **argv)
{
	const char *xsock = NULL, *pdir = NULL;
	static int initial_tagged[LSW_MAX_PORTS][2], initial_voice[LSW_MAX_PORTS][2];
	int ninitial_tagged = 0, ninitial_voice = 0;
	int c;

	while ((c = getopt(argc, argv, "x:P:n:d:q:o:mT:V:h")) != -1) {
		switch (c) {
		case 'q':
		case 'o': {
			char *end;
			long v = strtol(optarg, &end, 10);
			long max = c == 'q' ? 4094 : LSW_MAX_PORTS;
			if (*end || end == optarg || v < 1 || v > max) {
				fprintf(stderr, "cordon-labswitch-agent: -%c '%s': not a %s in 1..%ld\n", c,
					optarg, c == 'q' ? "VLAN" : "port", max);
				return 2;
			}
			*(c == 'q' ? &quarantine_vid : &open_port) = (int)v;
			break;
		}
		case 'x': xsock = optarg; break;
		case 'm': notify_mac_changes = true; break;
		case 'T':
		case 'V': {
			char *end;
			long port = strtol(optarg, &end, 10), vid = -1;
			long vmin = c == 'T' ? 1 : 0, vmax = c == 'T' ? 4094 : VOICE_NONE;
			int (*into)[2] = c == 'T' ? initial_tagged : initial_voice;
			int *n = c == 'T' ? &ninitial_tagged : &ninitial_voice;
			if (*end == ':')
				vid = strtol(end + 1, &end, 10);
			if (*end || port < 1 || port > LSW_MAX_PORTS || vid < vmin || vid > vmax) {
				fprintf(stderr, "cordon-labswitch-agent: -%c '%s': not PORT:VALUE "
					"(port 1..%d, value %ld..%ld)\n", c, optarg, LSW_MAX_PORTS, vmin, vmax);
				return 2;
			}
			into[*n][0] = (int)port;
			into[*n][1] = (int)vid;
			if (++*n == LSW_MAX_PORTS) {
				fprintf(stderr, "cordon-labswitch-agent: too many -%c\n", c);
				return 2;
			}
			break;
		}
		case 'n': switch_name = optarg; break;
		case 'd': pdir = optarg; break;
		case 'P':
			if (strcmp(optarg, "standard") == 0)
				personality = PERS_STANDARD;
			else if (strcmp(optarg, "cisco") == 0)
				personality = PERS_CISCO;
			else if (strcmp(optarg, "ios") == 0)
				personality = PERS_IOS;
			else {
				fprintf(stderr, "cordon-labswitch-agent: unknown personality '%s' "
					"(standard, cisco or ios)\n", optarg);
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!xsock || optind != argc) {
		usage();
		return 2;
	}
	/* Tagged memberships: what the agent saved last time, else -T. */
	if (pdir) {
		snprintf(tagged_path, sizeof(tagged_path), "%s/tagged-memberships", pdir);
		snprintf(voice_path, sizeof(voice_path), "%s/voice-vlans", pdir);
	}
	int loaded = tagged_path[0] ? pairs_load(tagged_path, 1, 4094, tagged_add) : 0;
	if (loaded < 0)
		return 1;
	for (int i = 0; !loaded && i < ninitial_tagged; i++)
		tagged_put(initial_tagged[i][0], initial_tagged[i][1], true);
	/* Voice VLANs the same way: saved ones, else -V; every other port none. */
	for (int p = 0; p <= LSW_MAX_PORTS; p++)
		voice_vlan[p] = VOICE_NONE;
	loaded = voice_path[0] ? pairs_load(voice_path, 0, VOICE_NONE, voice_put) : 0;
	if (loaded < 0)
		return 1;
	for (int i = 0; !loaded && i < ninitial_voice; i++)
		voice_put(initial_voice[i][0], initial_voice[i][1]);
	cur_state.fdb = calloc(LSW_MAX_FDB, sizeof(*cur_state.fdb));
	if (!cur_state.fdb || nl_open() < 0) {
		fprintf(stderr, "cordon-labswitch-agent: %s: rtnetlink: %s\n", switch_name, strerror(errno));
		return 1;
	}

	/* No MIB files here: every OID is numeric, and loading none keeps the log quiet. */
	setenv("MIBS", "", 1);
	snmp_enable_stderrlog();
	if (pdir)
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, pdir);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, xsock);
	init_agent("cordon-labswitch");

	if (personality != PERS_IOS &&
	    register_subtree("cordonBridge", OID_DOT1D_BRIDGE, OIDLEN(OID_DOT1D_BRIDGE), NULL) < 0)
		return 1;
	if (personality == PERS_IOS) {
		/* One BRIDGE-MIB per VLAN that exists now (the lab creates VLANs before the agent). */
		int rc = state_read(&cur_state, false);
		if (rc < 0) {
			fprintf(stderr, "cordon-labswitch-agent: %s: %s\n", switch_name, strerror(-rc));
			return 1;
		}
		for (int i = 0; i < cur_state.nvlans; i++) {
			char ctx[32];
			snprintf(ctx, sizeof(ctx), "vlan-%d", cur_state.vlans[i].vid);
			if (register_subtree("cordonBridgeVlan", OID_DOT1D_BRIDGE,
					     OIDLEN(OID_DOT1D_BRIDGE), ctx) < 0)
				return 1;
		}
	}
	if (is_cisco() &&
	    (register_subtree("cordonCiscoVtp", OID_CISCO_VTP, OIDLEN(OID_CISCO_VTP), NULL) < 0 ||
	     register_subtree("cordonCiscoVm", OID_CISCO_VM, OIDLEN(OID_CISCO_VM), NULL) < 0 ||
	     register_subtree("cordonCiscoPvlan", OID_CISCO_PVLAN, OIDLEN(OID_CISCO_PVLAN), NULL) < 0))
		return 1;

	if (quarantine_vid) {
		/* Ports already in the quarantine VLAN (a restart) are kept apart at once. */
		int rc = state_read(&cur_state, false);
		for (int p = 1; rc == 0 && p <= cur_state.nports; p++)
			if (cur_state.ports[p].present)
				rc = port_apply_isolation(&cur_state, p, cur_state.ports[p].vlan);
		if (rc < 0) {
			fprintf(stderr, "cordon-labswitch-agent: %s: port isolation: %s\n", switch_name,
				strerror(-rc));
			return 1;
		}
	}

	init_snmp("cordon-labswitch");
	{
		int rc = bridge_events_open();
		if (rc < 0) {
			fprintf(stderr, "cordon-labswitch-agent: %s: bridge events: %s\n",
				switch_name, strerror(-rc));
			return 1;
		}
	}
	/* After init_snmp, or a restarted snmpd is found only after the default 15 s. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, 1);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	snmp_log(LOG_INFO, "%s: subagent up (%s personality)\n", switch_name,
		 personality == PERS_CISCO ? "cisco" : personality == PERS_IOS ? "ios" : "standard");
	while (!stop_requested)
		agent_run_once();

	snmp_shutdown("cordon-labswitch");
	free(cur_view.e);
	free(cur_state.fdb);
	if (nl_events_fd >= 0)
		close(nl_events_fd);
	close(nl_fd);
	return 0;
}
