/* SPDX-License-Identifier: ISC */
/*
 * ident: the host's MAC and where it comes from, the routers' answers, and
 * DHCP moves (see ident.h). Calls the core (audit), the registry and the
 * routers; never the enforcer or the actions above it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_priv.h"
#include "log.h"

static void
mac_text(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* ---- pure decisions ------------------------------------------------------------ */

bool
mac_source_may_replace(enum mac_source cur, enum mac_source next)
{
	return next != MAC_SRC_NONE && next >= cur;
}

enum mac_source
ident_report_source(const struct cordon_conf *conf, const struct ip_addr *ip, const char *sensor)
{
	const struct conf_network *n = conf_network_for(conf, ip);
	size_t i;

	if (n == NULL)
		return MAC_SRC_SENSOR;
	for (i = 0; sensor != NULL && i < n->nsegment_sensors; i++)
		if (strcmp(n->segment_sensors[i], sensor) == 0)
			return MAC_SRC_SEGMENT;
	return MAC_SRC_NONE;
}

bool
ident_needs_lookup(const struct cordon_conf *conf, const struct host_rec *h)
{
	const struct conf_network *n = conf_network_for(conf, &h->ip);

	/* nrouter is wiped once the routers are made: ask the network list
	 * whether it had one through router_line, which stays. */
	if (n == NULL || n->router_line == 0)
		return false;
	return !h->has_mac || h->mac_source < MAC_SRC_ROUTER;
}

bool
ident_take_mac(struct host_rec *h, const uint8_t mac[6], enum mac_source src)
{
	bool changed;

	if (!mac_source_may_replace(h->has_mac ? h->mac_source : MAC_SRC_NONE, src))
		return false;
	/* A recorded location is that MAC's port (what undoes its isolation):
	 * another MAC at the address does not take it over. */
	if (h->has_loc && h->has_mac && memcmp(h->mac, mac, 6) != 0)
		return false;
	changed = !h->has_mac || memcmp(h->mac, mac, 6) != 0 || h->mac_source != src;
	h->has_mac = true;
	memcpy(h->mac, mac, 6);
	h->mac_source = src;
	h->loc.host.has_mac = true;
	memcpy(h->loc.host.mac, mac, 6);
	return changed;
}

/* 2: holds an enforcement state (something to undo or to finish); 1: suspected; 0: neither. */
static int
weight(const struct host_rec *h)
{
	switch (h->state) {
	case HS_QUARANTINING:
	case HS_QUARANTINED:
	case HS_RELEASING:
	case HS_FAILED:
	case HS_PROBATION:
		return 2;
	case HS_SUSPECTED:
		return 1;
	default:
		return 0;
	}
}

int
ident_merge_move(const struct host_rec *moving, const struct host_rec *at_new,
    const struct ip_addr *new_ip, struct host_rec *out, char *why, size_t whylen)
{
	if (at_new != NULL && weight(at_new) == 2 &&
	    !(at_new->has_mac && memcmp(at_new->mac, moving->mac, 6) == 0)) {
		snprintf(why, whylen, "the new address is on record as %s with another MAC",
		    host_state_name(at_new->state));
		return -1;
	}
	if (at_new != NULL && weight(at_new) == 2 && weight(moving) == 2) {
		snprintf(why, whylen, "both addresses are on record as %s and %s",
		    host_state_name(moving->state), host_state_name(at_new->state));
		return -1;
	}
	/* Rules of an address-based point (netlink) hold the old address: the
	 * record must not leave it while they stand (the worm at the new address
	 * would go free while the record says quarantined). */
	if (moving->has_loc && moving->loc.ifindex <= 0) {
		snprintf(why, whylen, "its isolation at %s is by address (%s): release it there first",
		    moving->loc.point, moving->loc.detail[0] ? moving->loc.detail : "address rules");
		return -1;
	}
	/* One MAC, two address families (dual stack): two addresses, no move. */
	if (ip_is_v4(&moving->ip) != ip_is_v4(new_ip)) {
		snprintf(why, whylen, "the two addresses are of different families: a dual-stack host");
		return -1;
	}
	*out = *moving;
	out->ip = *new_ip;
	out->loc.host.ip = *new_ip;
	if (at_new == NULL)
		return 0;
	out->detections += at_new->detections;
	if (at_new->first_seen > 0 && (out->first_seen <= 0 || at_new->first_seen < out->first_seen))
		out->first_seen = at_new->first_seen;
	if (at_new->last_seen > out->last_seen)
		out->last_seen = at_new->last_seen;
	if (weight(at_new) > weight(moving)) {
		/* What was decided about the new address (a suspicion, a wait for
		 * approval, an isolation of this very MAC) stays. */
		out->state = at_new->state;
		memcpy(out->hold, at_new->hold, sizeof(out->hold));
		memcpy(out->failed_op, at_new->failed_op, sizeof(out->failed_op));
		memcpy(out->reason, at_new->reason, sizeof(out->reason));
		memcpy(out->actor, at_new->actor, sizeof(out->actor));
		memcpy(out->point, at_new->point, sizeof(out->point));
		out->has_loc = at_new->has_loc;
		out->loc = at_new->loc;
		out->loc.host.ip = *new_ip;
		out->loc.host.has_mac = true;
		memcpy(out->loc.host.mac, moving->mac, 6);
		out->attempts = at_new->attempts;
		out->next_retry = at_new->next_retry;
		out->probation_until = at_new->probation_until;
		memcpy(out->last_error, at_new->last_error, sizeof(out->last_error));
	}
	return 0;
}

void
ident_router_refusal(const struct snmprt_answer *a, const char *router, const char *ipt,
    char *buf, size_t len)
{
	switch (a->status) {
	case SNMPRT_NOT_FOUND:
		snprintf(buf, len, "router %s has no neighbour entry for %s (table %.0f s old)",
		    router, ipt, a->age_s);
		break;
	case SNMPRT_AMBIGUOUS:
		snprintf(buf, len, "router %s names different MACs for %s on different interfaces",
		    router, ipt);
		break;
	default:
		snprintf(buf, len, "router %s could not be asked for %s: %s", router, ipt, a->message);
		break;
	}
}

/* ---- with the daemon's state ---------------------------------------------------- */

int
ident_learn(struct cordon *c, struct host_rec *h, const uint8_t mac[6], enum mac_source src,
    const char *actor)
{
	struct host_rec old, merged;
	char oldt[64], newt[64], mt[24], why[200], reason[300], result[220];
	int rc;

	if (!mac_source_may_replace(h->has_mac ? h->mac_source : MAC_SRC_NONE, src))
		return 0;
	if (!ident_take_mac(h, mac, src) && !(h->has_mac && memcmp(h->mac, mac, 6) == 0)) {
		mac_text(mac, mt, sizeof(mt));
		log_warnx("%s: another MAC (%s) at the address of a host with a recorded location; "
		    "the record keeps its own", ip_to_str(&h->ip, newt, sizeof(newt)), mt);
		return 0;
	}
	if (src < MAC_SRC_ROUTER)
		return 0;
	rc = registry_find_mac(c->reg, mac, &h->ip, &old);
	if (rc < 0) {
		log_warnx("cannot look for a move of %s: %s", ip_to_str(&h->ip, newt, sizeof(newt)),
		    registry_error(c->reg));
		return -1;
	}
	if (rc == 0)
		return 0;
	ip_to_str(&old.ip, oldt, sizeof(oldt));
	ip_to_str(&h->ip, newt, sizeof(newt));
	mac_text(mac, mt, sizeof(mt));
	snprintf(reason, sizeof(reason), "%s moved from %s to %s (%s)", mt, oldt, newt,
	    mac_source_name(src));
	if (cordon_op_running(c, &old.ip) || cordon_op_running(c, &h->ip)) {
		log_warnx("%s: not recorded now, an enforcement operation is running", reason);
		return 0;
	}
	/* The MAC keeps the source it has on record when that ranks higher. */
	if (mac_source_may_replace(src, old.mac_source))
		src = old.mac_source;
	old.mac_source = src;
	if (ident_merge_move(&old, h, &h->ip, &merged, why, sizeof(why)) != 0) {
		log_warnx("ALERT: %s: not recorded: %s", reason, why);
		snprintf(result, sizeof(result), "refused: %s", why);
		cordon_audit(c, actor, "move", &h->ip, reason, result);
		return 0;
	}
	merged.updated = loop_now();
	if (registry_move(c->reg, &old.ip, &merged) != 0) {
		log_warnx("ALERT: %s: cannot record it: %s", reason, registry_error(c->reg));
		return -1;
	}
	log_notice("%s: its record (%s) follows it", reason, host_state_name(merged.state));
	cordon_audit(c, actor, "move", &h->ip, reason, "ok");
	*h = merged;
	return 0;
}

static void
on_router_answer(void *arg, const struct ip_addr *ip, const struct snmprt_answer *a)
{
	struct ident_lookup *l = arg, **pp;
	struct cordon *c = l->c;
	char router[200];

	for (pp = &c->lookups; *pp && *pp != l; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = l->next;
	snprintf(router, sizeof(router), "%s (%s)", snmprt_name(c->routers[l->network]),
	    snmprt_address(c->routers[l->network]));
	l->fn(c, l->arg, ip, a, router);
	free(l);
}

int
ident_lookup(struct cordon *c, const struct ip_addr *ip, ident_lookup_fn fn, void *arg,
    char *why, size_t whylen)
{
	const struct conf_network *n = conf_network_for(&c->conf, ip);
	struct ident_lookup *l;
	size_t i;

	if (n == NULL || c->routers[n - c->conf.networks] == NULL) {
		snprintf(why, whylen, "no network with a router holds this address");
		return -1;
	}
	i = (size_t)(n - c->conf.networks);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	l->c = c;
	l->fn = fn;
	l->arg = arg;
	l->network = i;
	if (snmprt_lookup(c->routers[i], ip, on_router_answer, l) != 0) {
		snprintf(why, whylen, "router %s (%s): too many lookups waiting",
		    snmprt_name(c->routers[i]), snmprt_address(c->routers[i]));
		free(l);
		return -1;
	}
	l->next = c->lookups;
	c->lookups = l;
	return 0;
}
