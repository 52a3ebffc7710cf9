/*
 * handlers/analytics/queue.h — a sink's bounded queue of serialized events
 * and its retry schedule. Pure data structure (the sink's lock guards it):
 * a ring of at most `capacity` items, oldest first; pushing into a full
 * ring refuses the new item and counts it dropped (what is queued keeps
 * its order and is delivered first); a delivery takes up to a batch from
 * the front and removes it only once delivered or given up.
 */
#ifndef PARLEY_ANALYTICS_QUEUE_H
#define PARLEY_ANALYTICS_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

/* One event as the sinks send it. */
typedef struct analytics_item {
	char *id;      /* "EV_..." unique per event: receivers de-duplicate by it */
	char *name;    /* room_started, ... */
	char *body;    /* the event as compact JSON */
	uint64_t sequence;
} analytics_item;

analytics_item *parley_analytics_item_new(const char *id, const char *name, const char *body, uint64_t sequence);
analytics_item *parley_analytics_item_copy(const analytics_item *item);
void parley_analytics_item_free(analytics_item *item);

typedef struct analytics_queue {
	analytics_item **ring;
	unsigned capacity, head, count;
	uint64_t queued, dropped;   /* accepted, refused (full) */
} analytics_queue;

void parley_analytics_queue_init(analytics_queue *q, unsigned capacity);
void parley_analytics_queue_clear(analytics_queue *q);   /* frees what is queued */
/* Takes `item` and returns true, or refuses it (full: the caller still owns
 * it) and counts a drop. */
bool parley_analytics_queue_push(analytics_queue *q, analytics_item *item);
/* Up to `max` items from the front into out[] (still queued, still owned
 * by the queue); returns how many. */
unsigned parley_analytics_queue_peek(const analytics_queue *q, analytics_item **out, unsigned max);
/* Removes and frees the first `n` items. */
void parley_analytics_queue_pop(analytics_queue *q, unsigned n);

/* The wait after a failed delivery: `initial` after the first, doubling
 * each time up to `max` (current 0 = no failure yet). */
unsigned parley_analytics_backoff_next(unsigned current, unsigned initial, unsigned max);

#endif
