/*
 * handlers/analytics/sink.c — the sink's queue, thread, batching and
 * backoff (see sink.h). The bus thread only appends under the lock; the
 * sink's thread is the only one that removes, so the items it peeked stay
 * valid while it sends them with the lock released.
 */
#include <string.h>
#include <glib.h>
#include "sink.h"

#define MAX_BATCH 1000

struct analytics_sink {
	const analytics_sink_ops *ops;
	void *impl;
	analytics_sink_config cfg;
	GMutex lock;
	GCond cond;
	analytics_queue queue;
	bool stopping;
	GThread *thread;
	uint64_t delivered, rejected, failures, shutdown_dropped;
	unsigned backoff_ms;
	int64_t last_delivery_us;
	char last_error[256];
};

/* Under the lock: applies the outcome of delivering `n` items. */
static void settle(analytics_sink *s, unsigned n, analytics_send_result result, unsigned accepted, const char *error)
{
	if (result == ANALYTICS_SENT)
		accepted = n;
	if (accepted > n)
		accepted = n;
	parley_analytics_queue_pop(&s->queue, accepted);
	s->delivered += accepted;
	if (accepted > 0)
		s->last_delivery_us = g_get_real_time();
	if (result == ANALYTICS_SEND_REJECTED) {
		parley_analytics_queue_pop(&s->queue, n - accepted);
		s->rejected += n - accepted;
	}
	if (result != ANALYTICS_SENT)
		g_strlcpy(s->last_error, error, sizeof(s->last_error));
	if (result == ANALYTICS_SEND_RETRY) {
		s->failures++;
		s->backoff_ms = parley_analytics_backoff_next(s->backoff_ms, s->cfg.retry_initial_ms, s->cfg.retry_max_ms);
	} else {
		s->backoff_ms = 0;
	}
}

/* Under the lock (released while sending): one delivery of the front batch. */
static analytics_send_result deliver_front(analytics_sink *s)
{
	analytics_item *batch[MAX_BATCH];
	unsigned n = parley_analytics_queue_peek(&s->queue, batch, s->cfg.batch_size);
	if (n == 0)
		return ANALYTICS_SENT;
	g_mutex_unlock(&s->lock);
	unsigned accepted = 0;
	char error[256] = "";
	analytics_send_result result = s->ops->send(s->impl, batch, n, &accepted, error, sizeof(error));
	g_mutex_lock(&s->lock);
	settle(s, n, result, accepted, error);
	return result;
}

static gpointer sink_thread(gpointer data)
{
	analytics_sink *s = data;
	g_mutex_lock(&s->lock);
	while (!s->stopping) {
		if (s->queue.count == 0) {
			g_cond_wait(&s->cond, &s->lock);
			continue;
		}
		if (deliver_front(s) == ANALYTICS_SEND_RETRY) {
			gint64 until = g_get_monotonic_time() + (gint64)s->backoff_ms * 1000;
			while (!s->stopping && g_cond_wait_until(&s->cond, &s->lock, until))
				;
		}
	}
	/* the last try: what is queued, until it fails or the time is up */
	gint64 deadline = g_get_monotonic_time() + (gint64)s->cfg.shutdown_ms * 1000;
	while (s->queue.count > 0 && g_get_monotonic_time() < deadline)
		if (deliver_front(s) == ANALYTICS_SEND_RETRY)
			break;
	s->shutdown_dropped += s->queue.count;
	parley_analytics_queue_pop(&s->queue, s->queue.count);
	g_mutex_unlock(&s->lock);
	return NULL;
}

analytics_sink *parley_analytics_sink_start(const analytics_sink_ops *ops, void *impl, analytics_sink_config *cfg)
{
	analytics_sink *s = g_new0(analytics_sink, 1);
	s->ops = ops;
	s->impl = impl;
	s->cfg = *cfg;
	cfg->events = NULL;   /* taken */
	if (s->cfg.batch_size == 0)
		s->cfg.batch_size = 1;
	if (s->cfg.batch_size > MAX_BATCH)
		s->cfg.batch_size = MAX_BATCH;
	g_mutex_init(&s->lock);
	g_cond_init(&s->cond);
	parley_analytics_queue_init(&s->queue, s->cfg.queue_size);
	char name[16];
	g_snprintf(name, sizeof(name), "an-%s", ops->name);
	s->thread = g_thread_new(name, sink_thread, s);
	return s;
}

const char *parley_analytics_sink_name(const analytics_sink *sink)
{
	return sink->ops->name;
}

bool parley_analytics_sink_wants(const analytics_sink *sink, const char *event_name)
{
	if (!sink->cfg.events)
		return true;
	for (char **e = sink->cfg.events; *e; e++)
		if (strcmp(*e, event_name) == 0)
			return true;
	return false;
}

bool parley_analytics_sink_push(analytics_sink *sink, const analytics_item *item)
{
	analytics_item *copy = parley_analytics_item_copy(item);
	g_mutex_lock(&sink->lock);
	bool queued = !sink->stopping && parley_analytics_queue_push(&sink->queue, copy);
	if (queued)
		g_cond_signal(&sink->cond);
	g_mutex_unlock(&sink->lock);
	if (!queued)
		parley_analytics_item_free(copy);
	return queued;
}

void parley_analytics_sink_get_stats(analytics_sink *sink, analytics_sink_stats *st)
{
	g_mutex_lock(&sink->lock);
	st->queued = sink->queue.queued;
	st->delivered = sink->delivered;
	st->dropped = sink->queue.dropped + sink->shutdown_dropped;
	st->rejected = sink->rejected;
	st->failures = sink->failures;
	st->depth = sink->queue.count;
	st->capacity = sink->queue.capacity;
	st->backoff_ms = sink->backoff_ms;
	st->last_delivery_us = sink->last_delivery_us;
	g_strlcpy(st->last_error, sink->last_error, sizeof(st->last_error));
	g_mutex_unlock(&sink->lock);
}

json_t *parley_analytics_sink_stats_json(analytics_sink *sink)
{
	analytics_sink_stats st;
	parley_analytics_sink_get_stats(sink, &st);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:s}", "sink", sink->ops->name, "queued",
	                 (json_int_t)st.queued, "delivered", (json_int_t)st.delivered, "dropped", (json_int_t)st.dropped,
	                 "rejected", (json_int_t)st.rejected, "failures", (json_int_t)st.failures, "depth",
	                 (int)st.depth, "capacity", (int)st.capacity, "backoff_ms", (int)st.backoff_ms,
	                 "last_delivery", (json_int_t)(st.last_delivery_us / 1000), "last_error", st.last_error);
}

void parley_analytics_sink_stop(analytics_sink *sink)
{
	if (!sink)
		return;
	g_mutex_lock(&sink->lock);
	sink->stopping = true;
	g_cond_broadcast(&sink->cond);
	g_mutex_unlock(&sink->lock);
	g_thread_join(sink->thread);
	sink->ops->free(sink->impl);
	parley_analytics_queue_clear(&sink->queue);
	g_strfreev(sink->cfg.events);
	g_cond_clear(&sink->cond);
	g_mutex_clear(&sink->lock);
	g_free(sink);
}
