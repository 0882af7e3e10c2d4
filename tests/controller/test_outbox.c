/* SPDX-License-Identifier: ISC */
/*
 * outbox: an enforcement point's actions wait until the writes made before
 * them are committed; a point that answers at once gets its next action run
 * in the same flush, after another commit; several hosts' writes share one
 * commit; a point going away drops what waits for it, without callbacks.
 * The point here is a fake that records, at each call, whether a group
 * transaction was still open (it must never be).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "loop.h"
#include "outbox.h"
#include "registry.h"

struct fake {
	struct registry *reg;       /* borrowed */
	int calls;                  /* locate + isolate calls */
	int open_at_call;           /* calls made while a group was open: must stay 0 */
	struct enf_point *self;     /* the wrapped point, for the chained isolate */
};

static struct fake fake_state;

static void
fake_done(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	struct enf_result res;

	(void)p;
	fake_state.calls++;
	if (registry_in_group(fake_state.reg))
		fake_state.open_at_call++;
	memset(&res, 0, sizeof(res));
	if (l != NULL)
		res.loc = *l;
	res.status = ENF_OK;
	cb(arg, &res);
}

static void
fake_locate(struct enf_point *p, const struct enf_host *h, enf_done_fn cb, void *arg)
{
	struct enf_location l;

	memset(&l, 0, sizeof(l));
	l.host = *h;
	fake_done(p, &l, cb, arg);
}

static void
fake_isolate(struct enf_point *p, const struct enf_location *l, enf_done_fn cb, void *arg)
{
	fake_done(p, l, cb, arg);
}

static const struct enf_ops fake_ops = {
	.kind = "fake", .locate = fake_locate, .isolate = fake_isolate,
	.release = fake_isolate, .check = fake_isolate,
};

struct ctx {
	char path[64];
	struct loop *loop;
	struct registry *reg;
	struct outbox *ob;
	struct enf_point *point;    /* the wrapped fake */
};

static int
setup(void **state)
{
	static struct ctx c;
	char err[256];
	struct enf_point *real;
	int fd;

	memset(&c, 0, sizeof(c));
	snprintf(c.path, sizeof(c.path), "/tmp/cordon-test-outbox-XXXXXX");
	fd = mkstemp(c.path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(c.path);
	c.loop = loop_new();
	c.reg = registry_open(REGISTRY_SQLITE, c.path, err, sizeof(err));
	if (c.loop == NULL || c.reg == NULL)
		return -1;
	c.ob = outbox_new(c.loop, c.reg);
	real = calloc(1, sizeof(*real));
	if (c.ob == NULL || real == NULL)
		return -1;
	real->ops = &fake_ops;
	snprintf(real->name, sizeof(real->name), "fake");
	c.point = outbox_wrap(c.ob, real);
	if (c.point == NULL)
		return -1;
	memset(&fake_state, 0, sizeof(fake_state));
	fake_state.reg = c.reg;
	fake_state.self = c.point;
	*state = &c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;
	char p[96];

	enf_destroy(c->point);
	outbox_free(c->ob);
	registry_close(c->reg);
	loop_free(c->loop);
	unlink(c->path);
	snprintf(p, sizeof(p), "%s-wal", c->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", c->path);
	unlink(p);
	return 0;
}

static int done_calls;

static void
count_done(void *arg, const struct enf_result *res)
{
	(void)arg;
	assert_int_equal(res->status, ENF_OK);
	done_calls++;
}

static void
put_host(struct registry *reg, const char *ip, enum host_state st)
{
	struct host_rec h;

	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str(ip, &h.ip), 0);
	h.state = st;
	assert_int_equal(registry_put(reg, &h), 0);
}

static void
test_action_waits_for_the_commit(void **state)
{
	struct ctx *c = *state;
	struct enf_location l;
	struct host_rec got;

	done_calls = 0;
	put_host(c->reg, "10.0.0.1", HS_QUARANTINING);
	assert_true(registry_in_group(c->reg));
	memset(&l, 0, sizeof(l));
	assert_int_equal(ip_from_str("10.0.0.1", &l.host.ip), 0);
	enf_isolate(c->point, &l, count_done, NULL);
	/* Queued: nothing reached the point, nothing answered yet. */
	assert_int_equal(fake_state.calls, 0);
	assert_int_equal(done_calls, 0);
	outbox_flush(c->ob);
	assert_int_equal(fake_state.calls, 1);
	assert_int_equal(fake_state.open_at_call, 0);
	assert_int_equal(done_calls, 1);
	assert_false(registry_in_group(c->reg));
	/* The write is on disk: another connection's reopen sees it. */
	{
		char err[256];
		struct registry *other = registry_open(REGISTRY_SQLITE, c->path, err, sizeof(err));
		assert_non_null(other);
		assert_int_equal(registry_get(other, &l.host.ip, &got), 1);
		assert_int_equal(got.state, HS_QUARANTINING);
		registry_close(other);
	}
}

/* A located host's next step: a write, then the isolate, from the answer. */
static void
located_then_isolate(void *arg, const struct enf_result *res)
{
	struct ctx *c = arg;

	assert_int_equal(res->status, ENF_OK);
	put_host(c->reg, "10.0.0.2", HS_QUARANTINING);
	enf_isolate(c->point, &res->loc, count_done, NULL);
}

static void
test_chained_steps_in_one_flush(void **state)
{
	struct ctx *c = *state;
	struct enf_host h;

	done_calls = 0;
	put_host(c->reg, "10.0.0.2", HS_QUARANTINING);
	memset(&h, 0, sizeof(h));
	assert_int_equal(ip_from_str("10.0.0.2", &h.ip), 0);
	enf_locate(c->point, &h, located_then_isolate, c);
	outbox_flush(c->ob);
	/* locate, its write committed, then isolate: both in this flush. */
	assert_int_equal(fake_state.calls, 2);
	assert_int_equal(fake_state.open_at_call, 0);
	assert_int_equal(done_calls, 1);
	assert_false(registry_in_group(c->reg));
}

static void
test_many_hosts_one_commit(void **state)
{
	struct ctx *c = *state;
	char ip[32];
	int i;

	done_calls = 0;
	for (i = 0; i < 50; i++) {
		struct enf_location l;
		snprintf(ip, sizeof(ip), "10.0.1.%d", i + 1);
		put_host(c->reg, ip, HS_QUARANTINING);
		memset(&l, 0, sizeof(l));
		assert_int_equal(ip_from_str(ip, &l.host.ip), 0);
		enf_isolate(c->point, &l, count_done, NULL);
		/* still the one group the first write opened */
		assert_true(registry_in_group(c->reg));
	}
	assert_int_equal(fake_state.calls, 0);
	outbox_flush(c->ob);
	assert_int_equal(fake_state.calls, 50);
	assert_int_equal(fake_state.open_at_call, 0);
	assert_int_equal(done_calls, 50);
}

static void
never_called(void *arg, const struct enf_result *res)
{
	(void)arg;
	(void)res;
	fail_msg("a dropped action was answered");
}

static void
test_destroyed_point_drops_its_queue(void **state)
{
	struct ctx *c = *state;
	struct enf_location l;
	struct enf_point *real = calloc(1, sizeof(*real)), *w;

	assert_non_null(real);
	real->ops = &fake_ops;
	w = outbox_wrap(c->ob, real);
	assert_non_null(w);
	assert_string_equal(w->name, "");
	assert_string_equal(w->ops->kind, "fake");
	memset(&l, 0, sizeof(l));
	put_host(c->reg, "10.0.0.3", HS_RELEASING);
	enf_release(w, &l, never_called, NULL);
	enf_destroy(w);
	outbox_flush(c->ob);
	assert_int_equal(fake_state.calls, 0);
	assert_false(registry_in_group(c->reg));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_action_waits_for_the_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chained_steps_in_one_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_hosts_one_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroyed_point_drops_its_queue, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
