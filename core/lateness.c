/*
 * lateness.c — see lateness.h. The reading is the thread's schedstat line
 * ("<ns on CPU> <ns waiting for a CPU> <timeslices>"); without it (a kernel
 * without schedstats) the warning says only how late the probe was.
 */
#include "lateness.h"

#include <inttypes.h>
#include <stdio.h>
#include "log.h"

#define PARLEY_LOG_MODULE "loops"

void parley_lateness_init(parley_lateness *l, const char *name)
{
	*l = (parley_lateness){ 0 };
	g_strlcpy(l->name, name, sizeof(l->name));
}

static bool read_schedstat(uint64_t *run_ns, uint64_t *wait_ns)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	if (!f)
		return false;
	bool ok = fscanf(f, "%" SCNu64 " %" SCNu64, run_ns, wait_ns) == 2;
	fclose(f);
	return ok;
}

const char *parley_lateness_verdict(gint64 wall_us, uint64_t run_ns, uint64_t wait_ns)
{
	uint64_t wall_ns = wall_us > 0 ? (uint64_t)wall_us * 1000 : 0;
	if (run_ns + wait_ns < wall_ns / 2)
		return "blocked";   /* asleep most of the time: a lock, a condition, a call */
	return wait_ns > run_ns ? "starved of CPU" : "busy";
}

bool parley_lateness_probe(parley_lateness *l, gint64 now_us, gint64 late_us)
{
	uint64_t run_ns = 0, wait_ns = 0;
	bool known = read_schedstat(&run_ns, &wait_ns);
	bool warn = late_us >= PARLEY_LATENESS_WARN_US;
	if (warn && known && l->known && run_ns >= l->run_ns && wait_ns >= l->wait_ns) {
		gint64 wall_us = now_us - l->at_us;
		uint64_t run = run_ns - l->run_ns, wait = wait_ns - l->wait_ns;
		PLOG_WARN("%s ran %" G_GINT64_FORMAT " ms late: %s (in the last %" G_GINT64_FORMAT
		          " ms its thread was %" PRIu64 " ms on a CPU and %" PRIu64 " ms waiting for one)",
		          l->name, late_us / 1000, parley_lateness_verdict(wall_us, run, wait), wall_us / 1000,
		          run / 1000000, wait / 1000000);
	} else if (warn) {
		PLOG_WARN("%s ran %" G_GINT64_FORMAT " ms late", l->name, late_us / 1000);
	}
	l->known = known;
	l->run_ns = run_ns;
	l->wait_ns = wait_ns;
	l->at_us = now_us;
	return warn;
}

/* ---- the main loop's probe ---- */

#define WATCH_INTERVAL_MS 1000

static struct {
	GSource *source;
	gint64 due_us;
	parley_lateness lateness;
} main_watch;

static gboolean main_probe(gpointer unused)
{
	(void)unused;
	gint64 now = g_get_monotonic_time();
	parley_lateness_probe(&main_watch.lateness, now, now > main_watch.due_us ? now - main_watch.due_us : 0);
	main_watch.due_us = now + WATCH_INTERVAL_MS * 1000;
	return G_SOURCE_CONTINUE;
}

void parley_lateness_watch(GMainContext *context, const char *name)
{
	if (main_watch.source)
		return;
	parley_lateness_init(&main_watch.lateness, name);
	main_watch.due_us = g_get_monotonic_time() + WATCH_INTERVAL_MS * 1000;
	main_watch.source = g_timeout_source_new(WATCH_INTERVAL_MS);
	g_source_set_callback(main_watch.source, main_probe, NULL, NULL);
	g_source_attach(main_watch.source, context);
}

void parley_lateness_unwatch(void)
{
	if (!main_watch.source)
		return;
	g_source_destroy(main_watch.source);
	g_source_unref(main_watch.source);
	main_watch.source = NULL;
}
