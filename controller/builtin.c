/* builtin: the enforcement backends compiled into cordond. */
#include <stdio.h>

#include "cordon.h"
#include "netlink.h"

/*
 * kind "netlink": every setting of the point's config group except name,
 * kind and prefixes goes to the backend's own parser (see docs/netlink.md).
 */
static struct enf_point *
make_netlink(const struct conf_point *cp, struct loop *loop, char *err, size_t errlen)
{
	struct netlink_point_config nc;
	char why[512];
	size_t i;

	(void)loop;   /* netlink completes synchronously */
	netlink_config_init(&nc);
	for (i = 0; i < cp->nparams; i++) {
		if (netlink_config_set(&nc, cp->params[i].key, cp->params[i].value, why,
			sizeof(why)) != 0) {
			snprintf(err, errlen, "line %d: %s", cp->params[i].line, why);
			return NULL;
		}
	}
	if (netlink_config_validate(&nc, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	return netlink_point_new(cp->name, &nc, err, errlen);
}

void
backends_register_builtin(void)
{
	backend_register("netlink", make_netlink);
}
