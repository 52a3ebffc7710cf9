/*
 * handlers/analytics/analytics.h — the analytics handler's shared state
 * (one per process) and what handler.c (vtable, settings, bus, store
 * thread), query.c (admin query_eventhandler) and metrics.c (/metrics)
 * share.
 *
 * Locks: `model_lock` guards the model and the records waiting for the
 * store (held by the bus thread for each event, never while waiting for
 * anything); `store_lock` guards the SQLite file and is taken before
 * model_lock when both are needed (the store thread's flush and the
 * queries that read the store). Sinks have their own locks.
 */
#ifndef PARLEY_ANALYTICS_H
#define PARLEY_ANALYTICS_H

#include <glib.h>
#include <parley/handler.h>
#include "model.h"
#include "sink.h"
#include "store.h"

#define PARLEY_ANALYTICS_PACKAGE "parley.handler.analytics"
#define ANALYTICS_MAX_SINKS 2

typedef struct analytics_settings {
	char *db_path;
	unsigned flush_interval_s;
	unsigned retention_days, daily_retention_days;
	unsigned max_records;           /* records waiting for the store */
	analytics_limits limits;
} analytics_settings;

typedef struct analytics_state {
	const parley_handler_core *core;
	analytics_settings settings;
	GMutex model_lock;
	analytics_model *model;
	GPtrArray *records;             /* analytics_record* waiting for the store; under model_lock */
	uint64_t records_dropped;
	uint64_t sequence;              /* notices made; under model_lock */
	GMutex store_lock;
	analytics_store *store;
	uint64_t flushes, flush_errors; /* under store_lock */
	analytics_sink *sinks[ANALYTICS_MAX_SINKS];
	unsigned n_sinks;
	GThread *store_thread;
	GMutex wake_lock;
	GCond wake;
	bool stopping;                  /* under wake_lock */
	int64_t started_us;
	GRWLock life;                   /* read: a query or /metrics runs; write: destroy begins */
	bool alive;                     /* under life */
} analytics_state;

extern analytics_state parley_analytics;

/* handler.c: writes what waits for the store (store_lock held). */
void parley_analytics_flush_locked(void);

/* query.c */
json_t *parley_analytics_handle_request(json_t *request);

/* metrics.c */
char *parley_analytics_metrics(void);

#endif
