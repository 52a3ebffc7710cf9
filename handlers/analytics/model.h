/*
 * handlers/analytics/model.h — the analytics handler's picture of what is
 * going on, built from bus events only: meetings and rooms in progress,
 * their participants, every PeerConnection by handle, the rollup counters
 * waiting to be written (per hour and kind) and those since start. Applying
 * an event also says what it means to the outside: notices (the LiveKit-like
 * events the sinks forward) and records (a finished meeting or room, a
 * participant who left, for the store).
 *
 * Not thread-safe: the handler holds its model lock around every call.
 * Times come from the events' timestamps (µs, wall clock), so applying the
 * same events gives the same figures (the unit tests rely on it).
 *
 * Plugin events understood (the "data" of a PLUGIN event, any plugin):
 *   room_started, room_finished {reason}, meeting_created {title, host},
 *   meeting_started, meeting_ended {reason}, participant_joined
 *   {participant, name?, peer?}, participant_reconnected,
 *   participant_left {reason}, subscriber_attached, track_published /
 *   track_unpublished {track, kind, source}; all with "room". The event's
 *   handle (if any) is the participant's: its PeerConnection's figures
 *   count for that participant and its meeting or room.
 */
#ifndef PARLEY_ANALYTICS_MODEL_H
#define PARLEY_ANALYTICS_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include "rollup.h"

typedef struct analytics_limits {
	unsigned max_rooms;          /* live meetings and rooms tracked */
	unsigned max_participants;   /* live participants tracked (all rooms) */
	unsigned max_pcs;            /* live PeerConnections tracked */
	unsigned max_distinct;       /* distinct participant ids remembered per room */
} analytics_limits;

/* What an event meant for the sinks: `name` (room_started, ...) and the
 * members to send (room, participant, track, reason, figures). */
typedef struct analytics_notice {
	char *name;
	json_t *body;       /* owned */
	int64_t ts_us;
} analytics_notice;

typedef enum analytics_record_type { ANALYTICS_RECORD_ROOM, ANALYTICS_RECORD_PARTICIPANT } analytics_record_type;

/* A finished meeting/room, or a participant who left, for the store. */
typedef struct analytics_record {
	analytics_record_type type;
	char *plugin;
	analytics_kind kind;
	char *room;
	char *participant;  /* NULL for a room */
	int64_t start_ms, end_ms;
	char *outcome;      /* participants: "connected", "failed", "no-media" (no PeerConnection on the gateway) */
	char *reason;
	json_t *figures;    /* owned: the same object the queries show */
} analytics_record;

typedef struct analytics_output {
	GPtrArray *notices;  /* analytics_notice*, freed with the array */
	GPtrArray *records;  /* analytics_record* */
} analytics_output;

void parley_analytics_output_init(analytics_output *out);
void parley_analytics_output_clear(analytics_output *out);
analytics_record *parley_analytics_record_copy(const analytics_record *r);
void parley_analytics_record_free(gpointer record);

/* One hour's rollup of one kind, waiting for the store. */
typedef struct analytics_bucket {
	int64_t start;   /* unix seconds, start of the hour */
	analytics_kind kind;
	analytics_rollup rollup;
} analytics_bucket;

/* Live figures for gauges. */
typedef struct analytics_live {
	unsigned rooms[ANALYTICS_KIND_COUNT];
	unsigned participants[ANALYTICS_KIND_COUNT];
	unsigned pcs_new, pcs_connected, pcs_disconnected;
} analytics_live;

typedef struct analytics_model analytics_model;

analytics_model *parley_analytics_model_new(const analytics_limits *limits);
void parley_analytics_model_free(analytics_model *m);

/* Applies one bus event (borrowed); what it means outside is appended to `out`. */
void parley_analytics_model_apply(analytics_model *m, json_t *event, analytics_output *out);

/* Moves the rollups waiting to be written into `into` (GArray of analytics_bucket). */
void parley_analytics_model_take_pending(analytics_model *m, GArray *into);
/* The waiting rollups of bucket `start` of `period` (kind -1 = all kinds) added to `into`. */
void parley_analytics_model_add_pending(const analytics_model *m, analytics_period period, int64_t start, int kind,
                                        analytics_rollup *into);
const analytics_rollup *parley_analytics_model_since_start(const analytics_model *m, analytics_kind kind);
void parley_analytics_model_live(const analytics_model *m, analytics_live *live);
/* Events seen, by type bit index (0..8), and those not understood. */
uint64_t parley_analytics_model_events(const analytics_model *m, int type_index);

/* Views (new references). */
json_t *parley_analytics_model_summary(const analytics_model *m);
/* The live meeting/room (plugin may be NULL: any), or NULL. */
json_t *parley_analytics_model_room_json(const analytics_model *m, const char *plugin, const char *room);
/* The live participants with this id (in `room` when not NULL): an array. */
json_t *parley_analytics_model_participant_json(const analytics_model *m, const char *plugin, const char *room,
                                                const char *participant);
/* Every live meeting and room, briefly (at most `limit`). */
json_t *parley_analytics_model_rooms_json(const analytics_model *m, unsigned limit);
/* Histograms since start for /metrics: the duration of finished meetings
 * and rooms by kind is in the rollups; time to connect (ms) here. */
#define ANALYTICS_CONNECT_BUCKETS 8
extern const int64_t parley_analytics_connect_bounds_ms[ANALYTICS_CONNECT_BUCKETS - 1];
void parley_analytics_model_connect_histogram(const analytics_model *m, int64_t counts[ANALYTICS_CONNECT_BUCKETS],
                                              int64_t *sum_ms);

#endif
