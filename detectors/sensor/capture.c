/* SPDX-License-Identifier: ISC */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LIVE_BUFFER_BYTES (64 * 1024 * 1024)
#define LIVE_SNAPLEN 65535

struct capture {
	pcap_t *p;               /* owned */
	int linktype;            /* LINKTYPE_* */
	int live;
	struct bpf_program prog; /* owned when has_prog: a file's filter */
	int has_prog;
	uint64_t index;          /* packets read so far, filtered or not */
	capture_packet_fn fn;    /* set during a dispatch */
	void *arg;
};

static struct capture *
wrap(pcap_t *p, int live)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		pcap_close(p);
		return NULL;
	}
	c->p = p;
	c->live = live;
	/* The DLT a handle reports is the in-memory one; files store LINKTYPE
	 * numbers, which differ for a few types (raw IP among them). */
	c->linktype = pcap_datalink(p);
	if (c->linktype == DLT_RAW)
		c->linktype = 101;     /* LINKTYPE_RAW */
	return c;
}

struct capture *
capture_open_file(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct stat sb;
	pcap_t *p;
	struct capture *c;

	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a capture file", path);
		return NULL;
	}
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "%s: not a readable pcap or pcapng file: %s", path, ebuf);
		return NULL;
	}
	c = wrap(p, 0);
	if (c == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	return c;
}

struct capture *
capture_open_live(const char *ifname, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int rc;
	struct capture *c;

	p = pcap_create(ifname, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, LIVE_SNAPLEN);
	pcap_set_promisc(p, 1);
	/* Without immediate mode a partial block is never delivered with timeout 0. */
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, LIVE_BUFFER_BYTES);
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
		    rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, ebuf) != 0) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		pcap_close(p);
		return NULL;
	}
	c = wrap(p, 1);
	if (c == NULL)
		snprintf(err, errlen, "interface %s: out of memory", ifname);
	return c;
}

int
capture_set_filter(struct capture *c, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(c->p));
		return -1;
	}
	if (!c->live) {
		/* Filtered here, not by libpcap, so that packet indexes stay
		 * those of the file. */
		if (c->has_prog)
			pcap_freecode(&c->prog);
		c->prog = prog;
		c->has_prog = 1;
		return 0;
	}
	if (pcap_setfilter(c->p, &prog) != 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(c->p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int
capture_linktype(const struct capture *c)
{
	return c->linktype;
}

const char *
capture_linktype_name(const struct capture *c)
{
	const char *n = pcap_datalink_val_to_name(pcap_datalink(c->p));
	return n ? n : "unknown";
}

static inline void
deliver(struct capture *c, const struct pcap_pkthdr *h, const u_char *bytes)
{
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;

	c->fn(c->arg, bytes, h->caplen, h->len, ts, c->index);
}

/* Every packet: a tail call to the consumer, with nothing to save around it. */
static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	c->index++;
	deliver(c, h, bytes);
}

/* A file read with a filter: packets it rejects are counted, not delivered. */
static void
on_packet_filtered(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	c->index++;
	if (pcap_offline_filter(&c->prog, h, bytes))
		deliver(c, h, bytes);
}

int
capture_dispatch(struct capture *c, int max, capture_packet_fn fn, void *arg,
    char *err, size_t errlen)
{
	int n;

	c->fn = fn;
	c->arg = arg;
	n = pcap_dispatch(c->p, max <= 0 ? -1 : max,
	    c->has_prog ? on_packet_filtered : on_packet, (u_char *)c);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "capture: %s", pcap_geterr(c->p));
		return -1;
	}
	if (n < 0)      /* PCAP_ERROR_BREAK: nothing was delivered */
		return 0;
	return n;
}

int
capture_fd(const struct capture *c)
{
	return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

void
capture_drops(struct capture *c, uint64_t *dropped, uint64_t *if_dropped)
{
	struct pcap_stat ps;

	*dropped = *if_dropped = 0;
	if (!c->live || pcap_stats(c->p, &ps) != 0)
		return;
	*dropped = ps.ps_drop;
	*if_dropped = ps.ps_ifdrop;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->has_prog)
		pcap_freecode(&c->prog);
	pcap_close(c->p);
	free(c);
}
