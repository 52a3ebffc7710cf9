/*
 * test_loops.c — the event-loop pool and its timers: least-loaded picking,
 * loops_info (with each loop's load and lag), timers firing on their loop's
 * thread, a timer stopping itself by returning false, stopping from inside
 * the callback and from another thread, stopping an ended timer (a no-op),
 * and timers still pending when the pool stops (their destroy notify runs).
 * Every wait is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "core/loops.h"
#include "core/log.h"

#define WAIT_LIMIT_US (5 * G_USEC_PER_SEC)

typedef struct probe {
	GMutex lock;
	GCond cond;
	int fired;
	int destroyed;
	int stop_after;          /* return false after this many (0 = never) */
	bool stop_inside;        /* call parley_timer_stop from the callback */
	parley_timer *self;
	GThread *expected_thread;
	bool wrong_thread;
} probe;

static bool probe_fire(void *data)
{
	probe *p = data;
	g_mutex_lock(&p->lock);
	p->fired++;
	if (p->expected_thread != NULL && g_thread_self() != p->expected_thread)
		p->wrong_thread = true;
	bool keep = p->stop_after == 0 || p->fired < p->stop_after;
	bool stop_inside = p->stop_inside && p->fired == 1;
	parley_timer *self = p->self;
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->lock);
	if (stop_inside)
		parley_timer_stop(self);
	return keep;
}

static void probe_destroy(void *data)
{
	probe *p = data;
	g_mutex_lock(&p->lock);
	p->destroyed++;
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->lock);
}

/* Waits until *counter >= target or the limit passes; returns the value. */
static int wait_for(probe *p, int *counter, int target)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_LIMIT_US;
	g_mutex_lock(&p->lock);
	while (*counter < target && g_cond_wait_until(&p->cond, &p->lock, deadline))
		;
	int value = *counter;
	g_mutex_unlock(&p->lock);
	return value;
}

static int start_pool(void **state)
{
	return parley_loops_start(3);
}

static int stop_pool(void **state)
{
	parley_loops_stop();
	return 0;
}

static void pick_balances_and_info_reports(void **state)
{
	assert_int_equal(parley_loops_count(), 3);
	parley_loop *a = parley_loops_pick(), *b = parley_loops_pick(), *c = parley_loops_pick();
	assert_true(a != b && b != c && a != c);
	parley_loops_release(b);
	assert_ptr_equal(parley_loops_pick(), b);   /* b is now the least loaded */
	parley_loop *d = parley_loops_pick();        /* all have one: any, but one of them */
	assert_true(d == a || d == b || d == c);

	json_t *info = parley_loops_info();
	assert_true(json_is_array(info));
	assert_int_equal(json_array_size(info), 3);
	json_int_t total = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *loop = json_array_get(info, i);
		assert_int_equal(json_integer_value(json_object_get(loop, "id")), (json_int_t)i);
		assert_non_null(json_string_value(json_object_get(loop, "thread")));
		assert_true(json_integer_value(json_object_get(loop, "tid")) > 0);
		assert_true(json_is_real(json_object_get(loop, "load")));
		double load = json_real_value(json_object_get(loop, "load"));
		assert_true(load >= 0 && load <= 1);
		assert_true(json_is_real(json_object_get(loop, "lag_ms")));
		assert_true(json_real_value(json_object_get(loop, "lag_ms")) >= 0);
		total += json_integer_value(json_object_get(loop, "handles"));
	}
	assert_int_equal(total, 4);
	json_decref(info);
	parley_loops_release(a);
	parley_loops_release(b);
	parley_loops_release(c);
	parley_loops_release(d);
}

static unsigned handles_on(parley_loop *loop)
{
	parley_loop_stats stats[3];
	unsigned n = parley_loops_stats(stats, 3);
	for (unsigned i = 0; i < n; i++)
		if (stats[i].id == parley_loop_id(loop))
			return stats[i].handles;
	fail_msg("loop %u not in the stats", parley_loop_id(loop));
	return 0;
}

static void groups_share_one_loop(void **state)
{
	parley_loop *a = parley_loops_pick(), *b = parley_loops_pick(), *c = parley_loops_pick();
	assert_true(a != b && b != c && a != c);
	/* the first member's loop becomes the group's; later members' slots move there */
	assert_ptr_equal(parley_loops_group_join(b, "room-1"), b);
	assert_ptr_equal(parley_loops_group_join(a, "room-1"), b);
	assert_ptr_equal(parley_loops_group_join(c, "room-1"), b);
	assert_int_equal(parley_loops_group_members("room-1"), 3);
	assert_int_equal(handles_on(a), 0);
	assert_int_equal(handles_on(b), 3);
	assert_int_equal(handles_on(c), 0);
	/* another group settles where its first member is */
	parley_loop *d = parley_loops_pick();   /* a or c: the least loaded */
	assert_true(d == a || d == c);
	assert_ptr_equal(parley_loops_group_join(d, "room-2"), d);
	assert_int_equal(parley_loops_group_members("room-2"), 1);
	/* leaving keeps the slot where it is; the group ends with its last member */
	parley_loops_group_leave("room-1");
	parley_loops_group_leave("room-1");
	assert_int_equal(parley_loops_group_members("room-1"), 1);
	parley_loops_group_leave("room-1");
	assert_int_equal(parley_loops_group_members("room-1"), 0);
	assert_int_equal(handles_on(b), 3);
	parley_loops_group_leave("room-1");   /* no such group: nothing */
	/* a group of the same name later starts afresh */
	assert_ptr_equal(parley_loops_group_join(d, "room-1"), d);
	parley_loops_group_leave("room-1");
	parley_loops_group_leave("room-2");
	assert_int_equal(parley_loops_group_members("room-2"), 0);
	for (int i = 0; i < 3; i++)
		parley_loops_release(b);
	parley_loops_release(d);
	assert_int_equal(handles_on(a) + handles_on(b) + handles_on(c), 0);
}

static void timers_fire_on_their_loop_thread(void **state)
{
	parley_loop *loops[3] = {parley_loops_pick(), parley_loops_pick(), parley_loops_pick()};
	probe probes[3] = {0};
	for (int i = 0; i < 3; i++) {
		probes[i].stop_after = 3;
		probes[i].expected_thread = parley_loop_thread(loops[i]);
		assert_non_null(parley_timer_start(loops[i], 5, probe_fire, &probes[i], probe_destroy));
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(wait_for(&probes[i], &probes[i].destroyed, 1), 1);
		assert_int_equal(probes[i].fired, 3);    /* returned false on the third */
		assert_false(probes[i].wrong_thread);
		parley_loops_release(loops[i]);
	}
	/* NULL = the first loop */
	probe first = {.stop_after = 1, .expected_thread = parley_loop_thread(parley_loops_first())};
	assert_non_null(parley_timer_start(NULL, 1, probe_fire, &first, probe_destroy));
	assert_int_equal(wait_for(&first, &first.destroyed, 1), 1);
	assert_false(first.wrong_thread);
}

static void stop_from_inside_the_callback(void **state)
{
	probe p = {.stop_inside = true};
	g_mutex_lock(&p.lock);
	p.self = parley_timer_start(parley_loops_first(), 2, probe_fire, &p, probe_destroy);
	g_mutex_unlock(&p.lock);
	assert_non_null(p.self);
	assert_int_equal(wait_for(&p, &p.destroyed, 1), 1);
	g_usleep(30 * 1000);   /* would fire ~15 more times if the stop were lost */
	assert_int_equal(p.fired, 1);
	assert_int_equal(p.destroyed, 1);
	assert_false(parley_timer_active(p.self));
	parley_timer_stop(p.self);   /* stopping an ended timer is a no-op */
	assert_int_equal(p.destroyed, 1);
}

static gpointer stop_in_thread(gpointer timer)
{
	parley_timer_stop(timer);
	return NULL;
}

static void stop_from_another_thread(void **state)
{
	probe p = {0};
	parley_timer *timer = parley_timer_start(parley_loops_first(), 1, probe_fire, &p, probe_destroy);
	assert_non_null(timer);
	assert_true(wait_for(&p, &p.fired, 3) >= 3);
	assert_true(parley_timer_active(timer));
	g_thread_join(g_thread_new("stopper", stop_in_thread, timer));
	assert_int_equal(wait_for(&p, &p.destroyed, 1), 1);
	g_mutex_lock(&p.lock);
	int fired = p.fired;
	g_mutex_unlock(&p.lock);
	g_usleep(20 * 1000);
	assert_int_equal(p.fired, fired);   /* no firing after destroy */
	assert_false(parley_timer_active(timer));
}

static void stop_before_first_fire(void **state)
{
	probe p = {0};
	parley_timer *timer = parley_timer_start(NULL, 60 * 1000, probe_fire, &p, probe_destroy);
	assert_true(parley_timer_active(timer));
	parley_timer_stop(timer);
	assert_int_equal(wait_for(&p, &p.destroyed, 1), 1);
	assert_int_equal(p.fired, 0);
}

static void bad_arguments(void **state)
{
	assert_null(parley_timer_start(NULL, 1, NULL, NULL, NULL));
	parley_timer_stop(NULL);
	assert_false(parley_timer_active(NULL));
}

/* Runs without the fixture: timers pending when the pool stops. */
static void stopping_the_pool_ends_pending_timers(void **state)
{
	assert_int_equal(parley_loops_start(2), 0);
	probe p = {0};
	parley_timer *timer = parley_timer_start(NULL, 60 * 1000, probe_fire, &p, probe_destroy);
	assert_non_null(timer);
	parley_loops_stop();
	assert_int_equal(p.destroyed, 1);
	assert_int_equal(p.fired, 0);
	parley_timer_stop(timer);   /* after the pool is gone: still harmless */
	assert_null(parley_timer_start(NULL, 1, probe_fire, &p, probe_destroy));
	assert_int_equal(p.destroyed, 1);
	assert_int_equal(parley_loops_count(), 0);
	assert_null(parley_loops_pick());
}

static bool block_the_loop(void *data)
{
	g_usleep(1500 * 1000);   /* the loop can do nothing else meanwhile */
	*(gint *)data = 1;
	return false;
}

/* A loop kept busy for 1.5 s shows it: the probe due during the block ran
 * at least 0.5 s late, and the window it closes was mostly busy. */
static void load_and_lag_of_a_busy_loop(void **state)
{
	parley_loop_stats stats[4];
	assert_int_equal(parley_loops_stats(stats, 4), 3);
	assert_int_equal(stats[1].id, 1);
	assert_true(stats[0].load >= 0 && stats[0].load <= 1);
	gint done = 0;
	parley_loop *first = parley_loops_first();
	assert_non_null(parley_timer_start(first, 10, block_the_loop, &done, NULL));
	gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	bool seen = false;
	while (!seen && g_get_monotonic_time() < until) {
		g_usleep(50 * 1000);
		parley_loops_stats(stats, 4);
		seen = g_atomic_int_get(&done) && stats[0].lag_seconds >= 0.4 && stats[0].load >= 0.5;
	}
	assert_true(seen);
	assert_true(stats[0].busy_seconds >= 1.4);
}

/* The admin API's loops_info shows the same figures: the blocked loop's
 * load and lag (in ms), the idle ones' low. */
static void loops_info_shows_load_and_lag(void **state)
{
	gint done = 0;
	assert_non_null(parley_timer_start(parley_loops_first(), 10, block_the_loop, &done, NULL));
	gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	bool seen = false;
	while (!seen && g_get_monotonic_time() < until) {
		g_usleep(50 * 1000);
		json_t *info = parley_loops_info();
		json_t *first = json_array_get(info, 0);
		seen = g_atomic_int_get(&done) && json_real_value(json_object_get(first, "load")) >= 0.5 &&
		       json_real_value(json_object_get(first, "lag_ms")) >= 400;
		json_decref(info);
	}
	assert_true(seen);
}

static void default_count_is_one_per_core(void **state)
{
	assert_int_equal(parley_loops_start(0), 0);
	assert_int_equal(parley_loops_count(), g_get_num_processors());
	assert_int_equal(parley_loops_start(1), -1);   /* already running */
	parley_loops_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pick_balances_and_info_reports, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(groups_share_one_loop, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(timers_fire_on_their_loop_thread, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(stop_from_inside_the_callback, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(stop_from_another_thread, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(stop_before_first_fire, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(bad_arguments, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(load_and_lag_of_a_busy_loop, start_pool, stop_pool),
		cmocka_unit_test_setup_teardown(loops_info_shows_load_and_lag, start_pool, stop_pool),
		cmocka_unit_test(stopping_the_pool_ends_pending_timers),
		cmocka_unit_test(default_count_is_one_per_core),
	};
	parley_log_set_level(PARLEY_LOG_FATAL);
	return cmocka_run_group_tests_name("loops", tests, NULL, NULL);
}
