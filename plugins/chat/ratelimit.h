/*
 * plugins/chat/ratelimit.h — the per-participant message budget: a token
 * bucket of `burst` messages that refills at `rate` messages per second.
 * Pure (the caller passes the clock) and lock-free (the caller holds the
 * lock that guards the participant).
 */
#ifndef PARLEY_CHAT_RATELIMIT_H
#define PARLEY_CHAT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct parley_chat_bucket {
	int64_t milli_tokens;   /* tokens × 1000 (starts full on first use) */
	int64_t last_ms;        /* when it was last refilled; 0 = never used */
} parley_chat_bucket;

/* Takes one message from the bucket at `now_ms`: true when allowed. When
 * refused, *retry_ms (may be NULL) gets how long until one is available.
 * rate 0 = no limit. */
bool parley_chat_bucket_take(parley_chat_bucket *bucket, unsigned rate, unsigned burst, int64_t now_ms,
                             int64_t *retry_ms);

#endif
