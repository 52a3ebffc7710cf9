/*
 * memtrim.c — owns the timer that returns malloc's free memory to the
 * system (see memtrim.h for why and when). The counters are atomics: the
 * timer runs on the main thread, /metrics reads them from a transport's.
 */
#include "memtrim.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_TRIM 1
#endif

#define PARLEY_LOG_MODULE "memtrim"
#include "log.h"

static struct {
	guint source;
	size_t min_free;
	parley_memtrim_stats stats;
} trim;

static void count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static int64_t thread_cpu_us(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Resident bytes of this process, 0 when unknown. */
static uint64_t resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	unsigned long size = 0, resident = 0;
	int n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

bool parley_memtrim_check(size_t min_free_bytes)
{
#ifdef HAVE_TRIM
	struct mallinfo2 info = mallinfo2();
	/* fordblks counts the arenas' tops too (keepcost: the main arena's);
	 * free() already trims a top above M_TRIM_THRESHOLD. */
	size_t free_bytes = info.fordblks > info.keepcost ? info.fordblks - info.keepcost : 0;
	count(&trim.stats.checks, 1);
	__atomic_store_n(&trim.stats.free_bytes, (uint64_t)free_bytes, __ATOMIC_RELAXED);
	/* Free bytes alone cannot tell pages given back already from pages
	 * reused and freed again since: trim whenever there are enough. Seen
	 * with 31 PeerConnections (5 MB free): the first trim after their
	 * set-up gave back 1.6 MB in 8 ms of CPU, the next ones, with nothing
	 * new to give back, took 0.2 ms. */
	if (free_bytes < min_free_bytes)
		return false;
	uint64_t before = resident_bytes();
	gint64 started = g_get_monotonic_time();
	int64_t cpu = thread_cpu_us();
	malloc_trim(0);
	cpu = thread_cpu_us() - cpu;
	gint64 took = g_get_monotonic_time() - started;
	uint64_t after = resident_bytes();
	count(&trim.stats.trims, 1);
	if (before > after)
		count(&trim.stats.released_bytes, before - after);
	PLOG_DEBUG("memory trim: %zu kB free in malloc's arenas, resident %" G_GUINT64_FORMAT " kB -> %" G_GUINT64_FORMAT
	           " kB in %" G_GINT64_FORMAT " us (%" G_GINT64_FORMAT " us on CPU)",
	           free_bytes / 1024, before / 1024, after / 1024, took, (gint64)cpu);
	return true;
#else
	(void)min_free_bytes;
	return false;
#endif
}

static gboolean on_timer(gpointer unused)
{
	(void)unused;
	parley_memtrim_check(trim.min_free);
	return G_SOURCE_CONTINUE;
}

bool parley_memtrim_start(unsigned interval_ms, size_t min_free_bytes)
{
	parley_memtrim_stop();
	if (interval_ms == 0)
		return true;
#ifdef HAVE_TRIM
	trim.min_free = min_free_bytes;
	trim.source = g_timeout_add(interval_ms, on_timer, NULL);
	return true;
#else
	PLOG_WARN("[general] memory_trim_interval: this C library has no mallinfo2/malloc_trim, memory is not trimmed");
	return false;
#endif
}

void parley_memtrim_stop(void)
{
	if (trim.source)
		g_source_remove(trim.source);
	trim.source = 0;
}

void parley_memtrim_get_stats(parley_memtrim_stats *stats)
{
	stats->checks = __atomic_load_n(&trim.stats.checks, __ATOMIC_RELAXED);
	stats->trims = __atomic_load_n(&trim.stats.trims, __ATOMIC_RELAXED);
	stats->released_bytes = __atomic_load_n(&trim.stats.released_bytes, __ATOMIC_RELAXED);
	stats->free_bytes = __atomic_load_n(&trim.stats.free_bytes, __ATOMIC_RELAXED);
}
