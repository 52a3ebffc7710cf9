/*
 * loops.h — the fixed pool of event-loop threads. Each loop is a GLib
 * GMainContext run by one thread; every handle is pinned to one loop for its
 * whole life. Timers are GSources attached to a loop's context.
 */
#ifndef PARLEY_LOOPS_H
#define PARLEY_LOOPS_H

#include <glib.h>
#include <jansson.h>
#include <parley/common.h>

typedef struct parley_loop parley_loop;

int parley_loops_start(unsigned count);   /* 0 = one per core */
void parley_loops_stop(void);
unsigned parley_loops_count(void);
parley_loop *parley_loops_pick(void);      /* the least-loaded loop; the caller then owns one "handle" slot */
void parley_loops_release(parley_loop *loop); /* gives the slot back */
/* Groups of handles that share one loop (see loops.c). A handle holding a
 * slot on `from` joins `group`: a new group settles on `from`; otherwise
 * the slot moves to the group's loop. Returns the loop the slot is on now
 * (release it there). Each join is matched by one leave; the group ends
 * with its last member. */
parley_loop *parley_loops_group_join(parley_loop *from, const char *group);
void parley_loops_group_leave(const char *group);
unsigned parley_loops_group_members(const char *group); /* 0: no such group */
parley_loop *parley_loops_first(void);
GMainContext *parley_loop_context(parley_loop *loop);
GMainContext *parley_loops_context_at(unsigned index); /* NULL past the last loop */
unsigned parley_loop_id(parley_loop *loop);
GThread *parley_loop_thread(parley_loop *loop);
json_t *parley_loops_info(void);          /* admin loops_info (new reference):
                                           * [{"id","handles","thread","tid",
                                           *   "load" (busy share of the last second, 0-1),
                                           *   "lag_ms" (lateness of the latest probe)}] */

/* One loop's load and lag, for /metrics. */
typedef struct parley_loop_stats {
	unsigned id, handles;
	double load;          /* busy share of the last second, 0..1 */
	double lag_seconds;   /* how late the last 1 s probe ran */
	double busy_seconds;  /* time not spent waiting in poll since the start */
} parley_loop_stats;
/* Fills up to `max` entries (loops in id order); returns how many. */
unsigned parley_loops_stats(parley_loop_stats *out, unsigned max);

parley_timer *parley_timer_start(parley_loop *loop, unsigned interval_ms, parley_timer_fn fn,
                                 void *user_data, void (*destroy)(void *));
/* Timers: `loop` NULL = the first loop. `fn` runs on the loop's thread and
 * returns true to fire again; `destroy` (may be NULL) gets user_data once the
 * timer can no longer fire. NULL when no loop runs (then destroy is not
 * called). The handle is an id that is never reused: parley_timer_stop is
 * safe from any thread, inside `fn`, and after the timer ended (no-op). */
void parley_timer_stop(parley_timer *timer);
bool parley_timer_active(parley_timer *timer);   /* not yet ended */

#endif
