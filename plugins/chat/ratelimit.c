/*
 * plugins/chat/ratelimit.c — the token bucket of ratelimit.h, in integer
 * milli-tokens so that the refill is exact at any rate.
 */
#include <stddef.h>

#include "ratelimit.h"

bool parley_chat_bucket_take(parley_chat_bucket *bucket, unsigned rate, unsigned burst, int64_t now_ms,
                             int64_t *retry_ms)
{
	if (rate == 0)
		return true;
	if (burst == 0)
		burst = 1;
	int64_t full = (int64_t)burst * 1000;
	if (bucket->last_ms == 0) {
		bucket->milli_tokens = full;
	} else if (now_ms > bucket->last_ms) {
		/* rate tokens per second = rate milli-tokens per millisecond */
		int64_t elapsed = now_ms - bucket->last_ms;
		int64_t refill = elapsed > full ? full : elapsed * (int64_t)rate;
		bucket->milli_tokens = bucket->milli_tokens + refill > full ? full : bucket->milli_tokens + refill;
	}
	bucket->last_ms = now_ms > bucket->last_ms ? now_ms : bucket->last_ms;
	if (bucket->milli_tokens >= 1000) {
		bucket->milli_tokens -= 1000;
		return true;
	}
	if (retry_ms != NULL)
		*retry_ms = (1000 - bucket->milli_tokens + rate - 1) / rate;
	return false;
}
