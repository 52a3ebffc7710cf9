/*
 * lateness.h — says so in the log when a loop's once-a-second probe runs
 * seconds late, and what its thread did meanwhile: waiting for a CPU
 * (starved: other threads had the cores), on a CPU (busy: its own work), or
 * neither (blocked: asleep on a lock, a condition or a call). The thread's
 * own /proc/thread-self/schedstat (time on CPU, time runnable but waiting)
 * is read once per probe, from the loop's thread; nothing per packet.
 */
#ifndef PARLEY_LATENESS_H
#define PARLEY_LATENESS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define PARLEY_LATENESS_WARN_US (2 * G_USEC_PER_SEC) /* a probe this late is logged */

typedef struct parley_lateness {
	char name[24];
	bool known;       /* run_ns/wait_ns hold a reading */
	uint64_t run_ns;  /* the thread's time on CPU at the previous probe */
	uint64_t wait_ns; /* its time runnable but waiting for a CPU then */
	gint64 at_us;     /* when that reading was taken (monotonic) */
} parley_lateness;

void parley_lateness_init(parley_lateness *l, const char *name);
/* From the loop's thread, at each probe that ran `late_us` after it was
 * due: logs a warning when that is PARLEY_LATENESS_WARN_US or more, and
 * takes the next reading. Returns whether it warned. */
bool parley_lateness_probe(parley_lateness *l, gint64 now_us, gint64 late_us);
/* What a thread did over `wall_us` in which it was `run_ns` on a CPU and
 * `wait_ns` runnable without one: "starved of CPU", "busy" or "blocked". */
const char *parley_lateness_verdict(gint64 wall_us, uint64_t run_ns, uint64_t wait_ns);

/* The main loop's own probe: a 1 s timer on `context` (the daemon's main
 * context) doing the same; parley_lateness_unwatch removes it. */
void parley_lateness_watch(GMainContext *context, const char *name);
void parley_lateness_unwatch(void);

#endif
