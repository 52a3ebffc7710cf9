/*
 * test_memtrim.c — unit tests of core/memtrim.c: 12 MB freed below a block
 * that lives on stays resident until a check finds it and trims; below
 * the threshold a check leaves it alone; the timer starts and stops.
 * (Under AddressSanitizer malloc is not glibc's: only that nothing fails.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>

#include "core/memtrim.h"

#if defined(__SANITIZE_ADDRESS__)
#define OTHER_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OTHER_MALLOC 1
#endif
#endif

/* ASan's allocator (at build time) or valgrind's (at run time: its
 * preload replaces malloc): glibc's mallinfo2 and malloc_trim do not see
 * their memory, so only the calls themselves are checked there. */
static bool malloc_is_replaced(void)
{
#ifdef OTHER_MALLOC
	return true;
#else
	const char *preload = getenv("LD_PRELOAD");
	return preload != NULL && strstr(preload, "vgpreload") != NULL;
#endif
}

#define BLOCKS 192
#define BLOCK (64 * 1024) /* below glibc's mmap threshold: from the arena */

static uint64_t resident(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	assert_non_null(f);
	unsigned long size, pages;
	assert_int_equal(fscanf(f, "%lu %lu", &size, &pages), 2);
	fclose(f);
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* 12 MB written and freed under a small block that stays: free() cannot
 * give it back (it is not the arena's top). */
static void *free_below_a_fence(void)
{
	void *blocks[BLOCKS];
	for (int i = 0; i < BLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		assert_non_null(blocks[i]);
		memset(blocks[i], 0x5a, BLOCK);
	}
	void *fence = malloc(64);
	assert_non_null(fence);
	for (int i = 0; i < BLOCKS; i++)
		free(blocks[i]);
	return fence;
}

static void trims_what_malloc_holds(void **state)
{
	(void)state;
	parley_memtrim_stats before, after;
	parley_memtrim_get_stats(&before);
	void *fence = free_below_a_fence();
	uint64_t held = resident();
	/* far above what is free: no trim */
	assert_false(parley_memtrim_check((size_t)1 << 40));
	parley_memtrim_get_stats(&after);
	assert_int_equal(after.trims, before.trims);
	if (malloc_is_replaced()) {
		(void)held;
		parley_memtrim_check(1024 * 1024);
		free(fence);
		return;
	}
	assert_int_equal(after.checks, before.checks + 1);
	assert_true(after.free_bytes >= (uint64_t)BLOCKS * BLOCK);
	assert_true(resident() + 4 * 1024 * 1024 > held); /* still resident */
	assert_true(parley_memtrim_check(1024 * 1024));
	uint64_t trimmed = resident();
	assert_true(trimmed + 8 * 1024 * 1024 < held);
	parley_memtrim_get_stats(&after);
	assert_int_equal(after.trims, before.trims + 1);
	assert_true(after.released_bytes >= before.released_bytes + 8 * 1024 * 1024);
	/* the freed memory written again (reused) and freed again: resident
	 * again, and the next check gives it back again */
	void *second = free_below_a_fence();
	held = resident();
	assert_true(trimmed + 8 * 1024 * 1024 < held);
	assert_true(parley_memtrim_check(1024 * 1024));
	assert_true(resident() + 8 * 1024 * 1024 < held);
	parley_memtrim_get_stats(&after);
	assert_int_equal(after.trims, before.trims + 2);
	free(second);
	free(fence);
}

static gboolean quit_later(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

/* The timer checks on the default context, every interval; stop ends it. */
static void timer_runs_on_the_main_context(void **state)
{
	(void)state;
	parley_memtrim_stats before, after;
	parley_memtrim_get_stats(&before);
	assert_true(parley_memtrim_start(0, 0)); /* 0: never */
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
#ifndef OTHER_MALLOC
	assert_true(parley_memtrim_start(10, (size_t)1 << 40));
	g_timeout_add(200, quit_later, loop);
	g_main_loop_run(loop);
	parley_memtrim_get_stats(&after);
	assert_true(after.checks >= before.checks + 2);
	assert_int_equal(after.trims, before.trims);
	parley_memtrim_stop();
	uint64_t stopped = after.checks;
	g_timeout_add(100, quit_later, loop);
	g_main_loop_run(loop);
	parley_memtrim_get_stats(&after);
	assert_int_equal(after.checks, stopped);
#endif
	parley_memtrim_stop();
	g_main_loop_unref(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trims_what_malloc_holds),
		cmocka_unit_test(timer_runs_on_the_main_context),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
