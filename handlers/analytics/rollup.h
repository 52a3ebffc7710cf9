/*
 * handlers/analytics/rollup.h — one rollup: the counters the analytics
 * handler adds up per hour and per day (and since it started), for one
 * kind of call (meetings, rooms, PeerConnections of no room). Pure
 * arithmetic over plain structs: the field table that names every counter
 * (for SQL, JSON and Prometheus alike), merging, the derived ratios and
 * averages, the meeting/room duration histogram and the bucket starts.
 */
#ifndef PARLEY_ANALYTICS_ROLLUP_H
#define PARLEY_ANALYTICS_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef enum analytics_kind {
	ANALYTICS_KIND_MEETING = 0, /* parley.plugin.meeting's meetings (mesh: no gateway PeerConnection) */
	ANALYTICS_KIND_ROOM = 1,    /* rooms of the room plugin (and of any other plugin using the vocabulary) */
	ANALYTICS_KIND_OTHER = 2,   /* PeerConnections of handles in no room (echo, ...) */
	ANALYTICS_KIND_COUNT
} analytics_kind;

const char *parley_analytics_kind_name(analytics_kind kind);
/* The kind named `name`, or -1. */
int parley_analytics_kind_from_name(const char *name);

/* Upper bounds (seconds) of the duration histogram's buckets; the last
 * bucket is +Inf. */
#define ANALYTICS_DURATION_BUCKETS 8
extern const int64_t parley_analytics_duration_bounds[ANALYTICS_DURATION_BUCKETS - 1];

typedef struct analytics_rollup {
	int64_t rooms_started, rooms_finished, room_seconds;
	int64_t participants_joined, participants_left, participant_seconds;
	int64_t peak_participants;        /* the most at once (merged with MAX) */
	int64_t tracks_published;
	int64_t pcs_connected, pcs_failed, pcs_relay;
	int64_t connect_ms_sum, connect_samples; /* PeerConnection created → DTLS up */
	int64_t media_ms_sum, media_samples;     /* PeerConnection created → first media */
	int64_t bytes_in, bytes_out, packets_in, packets_out;
	int64_t lost_in, lost_out, nacks, plis, slow_links;
	int64_t rtt_ms_sum, rtt_samples, jitter_ms_sum, jitter_samples;
	int64_t duration[ANALYTICS_DURATION_BUCKETS]; /* finished meetings/rooms per duration bucket */
} analytics_rollup;

typedef enum analytics_merge { ANALYTICS_MERGE_SUM, ANALYTICS_MERGE_MAX } analytics_merge;

typedef struct analytics_field {
	const char *name;  /* SQL column and JSON member */
	size_t offset;     /* of an int64_t in analytics_rollup */
	analytics_merge merge;
} analytics_field;

/* Every counter of analytics_rollup, in struct order (ANALYTICS_FIELD_COUNT). */
extern const analytics_field parley_analytics_fields[];
extern const size_t parley_analytics_field_count;

static inline int64_t *parley_analytics_field_ptr(analytics_rollup *r, const analytics_field *f)
{
	return (int64_t *)((char *)r + f->offset);
}
static inline int64_t parley_analytics_field_get(const analytics_rollup *r, const analytics_field *f)
{
	return *(const int64_t *)((const char *)r + f->offset);
}

void parley_analytics_rollup_merge(analytics_rollup *into, const analytics_rollup *from);
bool parley_analytics_rollup_is_empty(const analytics_rollup *r);
/* A finished meeting or room that lasted `seconds` (negative: 0). */
void parley_analytics_rollup_add_duration(analytics_rollup *r, int64_t seconds);
/* The histogram bucket of `seconds`. */
int parley_analytics_duration_bucket(int64_t seconds);

/* Derived figures; each is < 0 when it has no sample. */
double parley_analytics_success_ratio(const analytics_rollup *r); /* connected / (connected + failed) */
double parley_analytics_turn_share(const analytics_rollup *r);    /* relayed / connected */
double parley_analytics_avg_room_seconds(const analytics_rollup *r);
double parley_analytics_avg_participant_seconds(const analytics_rollup *r);
double parley_analytics_avg(int64_t sum, int64_t samples);
double parley_analytics_loss_in_ratio(const analytics_rollup *r);  /* lost_in / (packets_in + lost_in) */

/* Every counter and the derived figures (null when without sample). New reference. */
json_t *parley_analytics_rollup_to_json(const analytics_rollup *r);

typedef enum analytics_period { ANALYTICS_PERIOD_HOUR = 0, ANALYTICS_PERIOD_DAY = 1 } analytics_period;
const char *parley_analytics_period_name(analytics_period period);
int parley_analytics_period_from_name(const char *name); /* or -1 */
int64_t parley_analytics_period_seconds(analytics_period period);
/* The start (unix seconds, UTC) of the bucket holding `unix_seconds`. */
int64_t parley_analytics_bucket_start(int64_t unix_seconds, analytics_period period);

#endif
