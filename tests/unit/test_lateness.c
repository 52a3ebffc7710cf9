/*
 * test_lateness.c — unit tests of core/lateness.c: the verdict from a
 * thread's time on CPU and waiting for one; a probe on time says nothing,
 * a probe seconds late warns (whether or not the kernel keeps schedstats);
 * a thread that slept through the window reads as blocked, one that spun
 * as busy; the main loop's watch starts and stops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "core/lateness.h"

#define MS 1000000ull /* ns */

static void verdict_from_the_thread_times(void **state)
{
	(void)state;
	/* 3 s of wall time */
	assert_string_equal(parley_lateness_verdict(3000000, 10 * MS, 20 * MS), "blocked");
	assert_string_equal(parley_lateness_verdict(3000000, 100 * MS, 2800 * MS), "starved of CPU");
	assert_string_equal(parley_lateness_verdict(3000000, 2900 * MS, 50 * MS), "busy");
	assert_string_equal(parley_lateness_verdict(3000000, 800 * MS, 800 * MS), "busy");
	assert_string_equal(parley_lateness_verdict(0, 0, 0), "busy");
}

/* The times this thread spent on a CPU and waiting, if the kernel says. */
static bool thread_times(uint64_t *run, uint64_t *wait)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	bool ok = f && fscanf(f, "%" SCNu64 " %" SCNu64, run, wait) == 2;
	if (f)
		fclose(f);
	return ok;
}

static void late_probes_warn(void **state)
{
	(void)state;
	parley_lateness l;
	parley_lateness_init(&l, "test-loop");
	assert_string_equal(l.name, "test-loop");
	/* 30 ms on the CPU: the kernel adds a running thread's time to its
	 * schedstat at a tick or a switch, not at each read. */
	gint64 start = g_get_monotonic_time();
	volatile uint64_t spin = 0;
	while (g_get_monotonic_time() - start < 30000)
		spin++;
	gint64 now = g_get_monotonic_time();
	assert_false(parley_lateness_probe(&l, now, 0));
	assert_false(parley_lateness_probe(&l, now + 1000000, PARLEY_LATENESS_WARN_US - 1));
	assert_true(parley_lateness_probe(&l, now + 5000000, PARLEY_LATENESS_WARN_US));
	assert_int_equal(l.at_us, now + 5000000);
	uint64_t run, wait;
	if (thread_times(&run, &wait)) {
		assert_true(l.known);
		assert_true(l.run_ns > 0);
	}
}

static void sleeping_reads_as_blocked_spinning_as_busy(void **state)
{
	(void)state;
	uint64_t run0, wait0, run1, wait1;
	if (!thread_times(&run0, &wait0))
		skip();   /* no schedstats in this kernel */
	gint64 start = g_get_monotonic_time();
	g_usleep(300000);
	assert_true(thread_times(&run1, &wait1));
	assert_string_equal(parley_lateness_verdict(g_get_monotonic_time() - start, run1 - run0, wait1 - wait0),
	                    "blocked");
	start = g_get_monotonic_time();
	volatile uint64_t spin = 0;
	while (g_get_monotonic_time() - start < 300000)
		spin++;
	assert_true(thread_times(&run0, &wait0));
	/* on a CPU or waiting for one (a loaded machine): not blocked */
	assert_string_not_equal(parley_lateness_verdict(g_get_monotonic_time() - start, run0 - run1, wait0 - wait1),
	                        "blocked");
}

static gboolean quit_after(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

static void main_watch_starts_and_stops(void **state)
{
	(void)state;
	GMainContext *context = g_main_context_new();
	GMainLoop *loop = g_main_loop_new(context, FALSE);
	parley_lateness_watch(context, "the test's main loop");
	parley_lateness_watch(context, "twice");   /* one watch: the second call does nothing */
	GSource *quit = g_timeout_source_new(1300);
	g_source_set_callback(quit, quit_after, loop, NULL);
	g_source_attach(quit, context);
	g_source_unref(quit);
	g_main_loop_run(loop);   /* one probe, on time */
	parley_lateness_unwatch();
	parley_lateness_unwatch();
	while (g_main_context_iteration(context, FALSE))
		;
	g_main_loop_unref(loop);
	g_main_context_unref(context);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verdict_from_the_thread_times),
		cmocka_unit_test(late_probes_warn),
		cmocka_unit_test(sleeping_reads_as_blocked_spinning_as_busy),
		cmocka_unit_test(main_watch_starts_and_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
