/*
 * handlers/analytics/queue.c — the sinks' bounded queue and retry
 * schedule (see queue.h).
 */
#include <glib.h>
#include "queue.h"

analytics_item *parley_analytics_item_new(const char *id, const char *name, const char *body, uint64_t sequence)
{
	analytics_item *item = g_new0(analytics_item, 1);
	item->id = g_strdup(id);
	item->name = g_strdup(name);
	item->body = g_strdup(body);
	item->sequence = sequence;
	return item;
}

analytics_item *parley_analytics_item_copy(const analytics_item *item)
{
	return parley_analytics_item_new(item->id, item->name, item->body, item->sequence);
}

void parley_analytics_item_free(analytics_item *item)
{
	if (!item)
		return;
	g_free(item->id);
	g_free(item->name);
	g_free(item->body);
	g_free(item);
}

void parley_analytics_queue_init(analytics_queue *q, unsigned capacity)
{
	q->capacity = capacity ? capacity : 1;
	q->ring = g_new0(analytics_item *, q->capacity);
	q->head = q->count = 0;
	q->queued = q->dropped = 0;
}

void parley_analytics_queue_clear(analytics_queue *q)
{
	parley_analytics_queue_pop(q, q->count);
	g_free(q->ring);
	q->ring = NULL;
	q->capacity = 0;
}

bool parley_analytics_queue_push(analytics_queue *q, analytics_item *item)
{
	if (!item || q->count >= q->capacity) {
		q->dropped++;
		return false;
	}
	q->ring[(q->head + q->count) % q->capacity] = item;
	q->count++;
	q->queued++;
	return true;
}

unsigned parley_analytics_queue_peek(const analytics_queue *q, analytics_item **out, unsigned max)
{
	unsigned n = q->count < max ? q->count : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = q->ring[(q->head + i) % q->capacity];
	return n;
}

void parley_analytics_queue_pop(analytics_queue *q, unsigned n)
{
	if (n > q->count)
		n = q->count;
	for (unsigned i = 0; i < n; i++) {
		parley_analytics_item_free(q->ring[q->head]);
		q->ring[q->head] = NULL;
		q->head = (q->head + 1) % q->capacity;
	}
	q->count -= n;
}

unsigned parley_analytics_backoff_next(unsigned current, unsigned initial, unsigned max)
{
	if (initial == 0)
		initial = 1;
	if (max < initial)
		max = initial;
	if (current == 0)
		return initial;
	return current >= max / 2 ? max : current * 2;
}
