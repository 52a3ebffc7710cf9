/*
 * events.h — the internal event bus. Emitting never blocks: events go into
 * a bounded queue drained by one thread that hands them to every handler
 * whose mask matches; a full queue drops the event and counts it.
 */
#ifndef PARLEY_EVENTS_H
#define PARLEY_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <parley/handler.h>

int parley_events_start(unsigned queue_size);
void parley_events_stop(void);
bool parley_events_wanted(uint32_t type);   /* any handler subscribed to `type` */
/* Borrows `event`. session_id/handle_id 0 when not applicable. */
void parley_events_emit(uint32_t type, uint64_t session_id, uint64_t handle_id, json_t *event);
uint64_t parley_events_dropped(void);
uint64_t parley_events_emitted(void);

#endif
