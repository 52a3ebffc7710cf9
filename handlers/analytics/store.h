/*
 * handlers/analytics/store.h — the analytics handler's SQLite file: rollups
 * per hour and per day and kind (counters added, never overwritten, so a
 * restart continues where the last run stopped), finished meetings and
 * rooms, and participants who left, each with their figures as JSON; the
 * retention that deletes old rows. Not thread-safe: the handler's store
 * lock is held around every call.
 */
#ifndef PARLEY_ANALYTICS_STORE_H
#define PARLEY_ANALYTICS_STORE_H

#include <glib.h>
#include <jansson.h>
#include "model.h"
#include "rollup.h"

typedef struct analytics_store analytics_store;

/* Opens (creates) the file; NULL with a reason. */
analytics_store *parley_analytics_store_open(const char *path, char *error, size_t error_size);
void parley_analytics_store_close(analytics_store *store);
const char *parley_analytics_store_error(const analytics_store *store); /* the latest SQLite error */

int parley_analytics_store_begin(analytics_store *store);
int parley_analytics_store_commit(analytics_store *store);
/* Adds `delta` to the row of (period, start, kind). */
int parley_analytics_store_add_rollup(analytics_store *store, analytics_period period, int64_t start,
                                      analytics_kind kind, const analytics_rollup *delta);
int parley_analytics_store_add_record(analytics_store *store, const analytics_record *record);
/* Deletes hourly rollups and records older than hour_days, daily rollups
 * older than day_days (0 = keep). Returns the rows deleted, or -1. */
int parley_analytics_store_prune(analytics_store *store, int64_t now_s, unsigned hour_days, unsigned day_days);
/* Rollups of `period` with from <= start <= to, oldest first, summed over
 * the kinds (kind -1) or of one kind: appended to `out` (analytics_bucket). */
int parley_analytics_store_series(analytics_store *store, analytics_period period, int64_t from, int64_t to, int kind,
                                  GArray *out);
/* Finished meetings/rooms (plugin and room may be NULL: any), newest first. New reference. */
json_t *parley_analytics_store_rooms(analytics_store *store, const char *plugin, const char *room, unsigned limit);
/* Participants who left (any filter may be NULL; since_ms 0 = any time), newest first. */
json_t *parley_analytics_store_participants(analytics_store *store, const char *plugin, const char *room,
                                            const char *participant, int64_t since_ms, unsigned limit);

#endif
