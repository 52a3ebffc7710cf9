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
parley_loop *parley_loops_first(void);
GMainContext *parley_loop_context(parley_loop *loop);
unsigned parley_loop_id(parley_loop *loop);
json_t *parley_loops_info(void);          /* admin loops_info (new reference) */

parley_timer *parley_timer_start(parley_loop *loop, unsigned interval_ms, parley_timer_fn fn,
                                 void *user_data, void (*destroy)(void *));
void parley_timer_stop(parley_timer *timer);

#endif
