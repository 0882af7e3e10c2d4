/* SPDX-License-Identifier: ISC */
/*
 * recording: the in-memory enforcement point of the controller's tests and
 * benchmarks (see recording.h).
 */
#include "recording.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* One host's port: which VLAN it is in now. */
struct port_slot {
	struct ip_addr ip;
	int32_t vlan;
	bool used;
};

struct recording {
	int32_t quarantine_vlan;
	int log_fd;                /* owned; -1 without a log */
	char log_path[256];
	/* Open addressing, linear probing; a benchmark puts tens of thousands
	 * of hosts here, so a list would make the backend the bottleneck. */
	struct port_slot *slots;   /* owned */
	size_t nslots, nused;      /* nslots is a power of two */
};

static uint32_t
port_number(const struct ip_addr *ip)
{
	return (uint32_t)ip->b[12] << 24 | (uint32_t)ip->b[13] << 16 |
	    (uint32_t)ip->b[14] << 8 | ip->b[15];
}

static size_t
slot_hash(const struct ip_addr *ip)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	int i;

	for (i = 0; i < 16; i++) {
		h ^= ip->b[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The slot holding `ip`, or the empty slot where it would go. */
static struct port_slot *
slot_find(struct recording *r, const struct ip_addr *ip)
{
	size_t i = slot_hash(ip) & (r->nslots - 1);

	while (r->slots[i].used && memcmp(&r->slots[i].ip, ip, sizeof(*ip)) != 0)
		i = (i + 1) & (r->nslots - 1);
	return &r->slots[i];
}

static int
slots_grow(struct recording *r)
{
	struct port_slot *old = r->slots;
	size_t oldn = r->nslots, i;

	r->slots = calloc(oldn * 2, sizeof(*r->slots));
	if (r->slots == NULL) {
		r->slots = old;
		return -1;
	}
	r->nslots = oldn * 2;
	for (i = 0; i < oldn; i++)
		if (old[i].used)
			*slot_find(r, &old[i].ip) = old[i];
	free(old);
	return 0;
}

/* The VLAN the host's port is in now: RECORDING_ORIG_VLAN until changed. */
static int32_t
port_vlan(struct recording *r, const struct ip_addr *ip)
{
	struct port_slot *s = slot_find(r, ip);

	return s->used ? s->vlan : RECORDING_ORIG_VLAN;
}

static int
port_set_vlan(struct recording *r, const struct ip_addr *ip, int32_t vlan)
{
	struct port_slot *s;

	/* Kept at most half full so that probing stays short. */
	if ((r->nused + 1) * 2 > r->nslots && slots_grow(r) != 0)
		return -1;
	s = slot_find(r, ip);
	if (!s->used) {
		s->used = true;
		s->ip = *ip;
		r->nused++;
	}
	s->vlan = vlan;
	return 0;
}

/* Appends "OP HOST PORT RESULT DETAIL" to the log, in one write so that a
 * line is whole even when the daemon is killed right after. */
static void
log_op(struct recording *r, const char *op, const struct ip_addr *ip,
    const char *port, const struct enf_result *res)
{
	char line[512], ipt[64];
	int n;

	if (r->log_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s %s %s %s\n", op,
	    ip_to_str(ip, ipt, sizeof(ipt)), port, enf_status_name(res->status),
	    res->status == ENF_OK ? res->loc.detail : res->message);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {   /* cut, but still one whole line */
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(r->log_fd, line, (size_t)n) != n)
		log_warnx("recording: cannot append to %s: %s", r->log_path, strerror(errno));
}

static void
result_init(struct enf_result *res, const struct enf_location *l)
{
	memset(res, 0, sizeof(*res));
	if (l != NULL)
		res->loc = *l;
}

static void
rec_locate(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg)
{
	struct recording *r = p->impl;
	struct enf_result res;
	uint32_t n = port_number(&h->ip);

	result_init(&res, NULL);
	snprintf(res.loc.point, sizeof(res.loc.point), "%s", p->name);
	snprintf(res.loc.port, sizeof(res.loc.port), "port-%u", n);
	res.loc.ifindex = (int32_t)(n % 1000000u) + 1;
	res.loc.bridge_port = res.loc.ifindex;
	/* What is there now, as a switch would report it: a port already in the
	 * quarantine VLAN shows that VLAN, which makes a controller that
	 * re-locates an isolated host record the wrong undo, visibly. */
	res.loc.orig_vlan = port_vlan(r, &h->ip);
	res.loc.quarantine_vlan = r->quarantine_vlan;
	res.loc.host = *h;
	snprintf(res.loc.detail, sizeof(res.loc.detail), "%s VLAN %d", res.loc.port,
	    res.loc.orig_vlan);
	res.status = ENF_OK;
	log_op(r, "locate", &h->ip, res.loc.port, &res);
	cb(arg, &res);
}

static void
rec_isolate(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct recording *r = p->impl;
	struct enf_result res;

	result_init(&res, l);
	if (l->quarantine_vlan < 1 || l->quarantine_vlan > 4094) {
		res.status = ENF_BAD_REQUEST;
		snprintf(res.message, sizeof(res.message), "%s: no VLAN %d on this point",
		    l->port, l->quarantine_vlan);
	} else if (port_set_vlan(r, &l->host.ip, l->quarantine_vlan) != 0) {
		res.status = ENF_ERROR;
		snprintf(res.message, sizeof(res.message), "out of memory");
	} else {
		res.status = ENF_OK;
		snprintf(res.loc.detail, sizeof(res.loc.detail), "%s VLAN %d -> %d", l->port,
		    l->orig_vlan, l->quarantine_vlan);
	}
	log_op(r, "isolate", &l->host.ip, l->port, &res);
	cb(arg, &res);
}

static void
rec_release(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct recording *r = p->impl;
	struct enf_result res;

	result_init(&res, l);
	if (l->orig_vlan < 1 || l->orig_vlan > 4094) {
		res.status = ENF_BAD_REQUEST;
		snprintf(res.message, sizeof(res.message), "%s: no VLAN %d to restore",
		    l->port, l->orig_vlan);
	} else if (port_set_vlan(r, &l->host.ip, l->orig_vlan) != 0) {
		res.status = ENF_ERROR;
		snprintf(res.message, sizeof(res.message), "out of memory");
	} else {
		res.status = ENF_OK;
		snprintf(res.loc.detail, sizeof(res.loc.detail), "%s VLAN %d -> %d", l->port,
		    l->quarantine_vlan, l->orig_vlan);
	}
	log_op(r, "release", &l->host.ip, l->port, &res);
	cb(arg, &res);
}

static void
rec_check(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct recording *r = p->impl;
	struct enf_result res;
	int32_t now = port_vlan(r, &l->host.ip);

	result_init(&res, l);
	if (now == l->quarantine_vlan) {
		res.status = ENF_OK;
		snprintf(res.loc.detail, sizeof(res.loc.detail), "%s VLAN %d", l->port, now);
	} else {
		res.status = ENF_MISMATCH;
		snprintf(res.message, sizeof(res.message), "%s is in VLAN %d, not %d", l->port,
		    now, l->quarantine_vlan);
	}
	log_op(r, "check", &l->host.ip, l->port, &res);
	cb(arg, &res);
}

static void
rec_destroy(struct enf_point *p)
{
	struct recording *r = p->impl;

	if (r == NULL)
		return;
	if (r->log_fd >= 0)
		close(r->log_fd);
	free(r->slots);
	free(r);
	p->impl = NULL;
}

static const struct enf_ops recording_ops = {
	.kind = "recording", .locate = rec_locate, .isolate = rec_isolate,
	.release = rec_release, .check = rec_check, .destroy = rec_destroy,
};

struct enf_point *
recording_point_new(const struct conf_point *cp, struct loop *loop, char *err,
    size_t errlen)
{
	struct enf_point *p;
	struct recording *r;
	size_t i;

	(void)loop;   /* every operation completes before it returns */
	p = calloc(1, sizeof(*p));
	r = calloc(1, sizeof(*r));
	if (p == NULL || r == NULL) {
		free(p);
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->ops = &recording_ops;
	p->impl = r;
	snprintf(p->name, sizeof(p->name), "%s", cp->name);
	r->log_fd = -1;
	r->quarantine_vlan = RECORDING_DEFAULT_QUARANTINE_VLAN;
	r->nslots = 1024;
	r->slots = calloc(r->nslots, sizeof(*r->slots));
	if (r->slots == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < cp->nparams; i++) {
		const struct conf_param *pa = &cp->params[i];
		if (strcmp(pa->key, "quarantine_vlan") == 0) {
			char *end;
			long v = strtol(pa->value, &end, 10);
			if (pa->value[0] == '\0' || *end != '\0' || v < 1 || v > 4094) {
				snprintf(err, errlen, "line %d: quarantine_vlan: '%s' is not a VLAN from 1 to 4094",
				    pa->line, pa->value);
				goto fail;
			}
			r->quarantine_vlan = (int32_t)v;
		} else if (strcmp(pa->key, "log") == 0) {
			if (r->log_fd >= 0)
				close(r->log_fd);
			snprintf(r->log_path, sizeof(r->log_path), "%s", pa->value);
			r->log_fd = open(pa->value, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (r->log_fd < 0) {
				snprintf(err, errlen, "line %d: log: %s: %s", pa->line, pa->value,
				    strerror(errno));
				goto fail;
			}
		} else {
			snprintf(err, errlen, "line %d: unknown setting '%s' (recording: quarantine_vlan, log)",
			    pa->line, pa->key);
			goto fail;
		}
	}
	return p;
fail:
	enf_destroy(p);
	return NULL;
}
