/*
 * handlers/analytics/sink.h — one destination the analytics handler
 * forwards its events to (a webhook, a Redis stream): a bounded queue that
 * the bus thread appends to without ever waiting for the network, and one
 * thread of its own that delivers from the front in batches, in order,
 * retrying with exponential backoff while the destination is down. What
 * does not fit in the queue is dropped and counted; what is still queued
 * at shutdown gets one last try within `shutdown_ms`, then counts as
 * dropped.
 */
#ifndef PARLEY_ANALYTICS_SINK_H
#define PARLEY_ANALYTICS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "queue.h"

typedef enum analytics_send_result {
	ANALYTICS_SENT = 0,          /* every item delivered */
	ANALYTICS_SEND_RETRY = 1,    /* items[*accepted..] wait and are tried again (destination down) */
	ANALYTICS_SEND_REJECTED = 2, /* items[*accepted..] are refused for good (counted, dropped) */
} analytics_send_result;

/* What a kind of destination does; `impl` is its own state. */
typedef struct analytics_sink_ops {
	const char *name;
	/* Delivers items[0..n) in order, on the sink's thread; sets *accepted
	 * to how many of the first were delivered when it returns other than
	 * SENT, and a reason into error. */
	analytics_send_result (*send)(void *impl, analytics_item **items, unsigned n, unsigned *accepted, char *error,
	                              size_t error_size);
	void (*free)(void *impl);
} analytics_sink_ops;

typedef struct analytics_sink_config {
	unsigned queue_size;       /* items at most */
	unsigned batch_size;       /* items per delivery at most */
	unsigned retry_initial_ms, retry_max_ms;
	unsigned shutdown_ms;      /* the last try at stop */
	char **events;             /* names forwarded (NULL = all); taken */
} analytics_sink_config;

typedef struct analytics_sink_stats {
	uint64_t queued, delivered, dropped, rejected, failures;
	unsigned depth, capacity, backoff_ms;
	int64_t last_delivery_us;   /* wall clock, 0 = never */
	char last_error[256];
} analytics_sink_stats;

typedef struct analytics_sink analytics_sink;

/* Starts the sink's thread; the sink owns `impl` (freed with ops->free). */
analytics_sink *parley_analytics_sink_start(const analytics_sink_ops *ops, void *impl, analytics_sink_config *cfg);
const char *parley_analytics_sink_name(const analytics_sink *sink);
bool parley_analytics_sink_wants(const analytics_sink *sink, const char *event_name);
/* Queues a copy of `item`; false when it was dropped (queue full). Never waits on the network. */
bool parley_analytics_sink_push(analytics_sink *sink, const analytics_item *item);
void parley_analytics_sink_get_stats(analytics_sink *sink, analytics_sink_stats *stats);
json_t *parley_analytics_sink_stats_json(analytics_sink *sink);
/* Stops the thread (after the last try) and frees everything. */
void parley_analytics_sink_stop(analytics_sink *sink);

#endif
