/*
 * handlers/analytics/sinks.h — the two kinds of sink (sink.h): signed HTTP
 * webhooks (webhook.c) and a Redis stream (redis_stream.c). Each returns a
 * started sink, or NULL with the reason in error.
 */
#ifndef PARLEY_ANALYTICS_SINKS_H
#define PARLEY_ANALYTICS_SINKS_H

#include <parley/common.h>
#include "sink.h"

analytics_sink *parley_analytics_webhook_start(const char *url, const char *key, unsigned timeout_ms,
                                               analytics_sink_config *cfg, char *error, size_t error_size);
analytics_sink *parley_analytics_redis_stream_start(const char *url, const char *stream, long maxlen,
                                                    unsigned timeout_ms, analytics_sink_config *cfg, char *error,
                                                    size_t error_size);

#endif
