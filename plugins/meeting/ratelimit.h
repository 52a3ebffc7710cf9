/*
 * plugins/meeting/ratelimit.h — a per-key (remote address) request budget
 * for the REST routes: at most N requests per fixed one-minute window.
 * Memory is bounded: when the table reaches its key limit, finished windows
 * are dropped first, and if that is not enough the table starts over.
 */
#ifndef PARLEY_MEETING_RATELIMIT_H
#define PARLEY_MEETING_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct parley_meeting_ratelimit parley_meeting_ratelimit;

/* per_minute 0 = unlimited; max_keys 0 = 65536. */
parley_meeting_ratelimit *parley_meeting_ratelimit_new(unsigned per_minute, unsigned max_keys);
void parley_meeting_ratelimit_free(parley_meeting_ratelimit *rl);
/* Counts one request for `key` at `now_ms`; false when over budget. */
bool parley_meeting_ratelimit_allow(parley_meeting_ratelimit *rl, const char *key, int64_t now_ms);

#endif
