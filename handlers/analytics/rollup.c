/*
 * handlers/analytics/rollup.c — the rollup's field table, merging, derived
 * figures and bucket arithmetic (see rollup.h). No state, no locks.
 */
#include <string.h>
#include "rollup.h"

static const char *const kind_names[ANALYTICS_KIND_COUNT] = {
	[ANALYTICS_KIND_MEETING] = "meeting",
	[ANALYTICS_KIND_ROOM] = "room",
	[ANALYTICS_KIND_OTHER] = "other",
};

const char *parley_analytics_kind_name(analytics_kind kind)
{
	return (unsigned)kind < ANALYTICS_KIND_COUNT ? kind_names[kind] : "other";
}

int parley_analytics_kind_from_name(const char *name)
{
	for (int k = 0; name && k < ANALYTICS_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

const int64_t parley_analytics_duration_bounds[ANALYTICS_DURATION_BUCKETS - 1] = {
	60, 300, 900, 1800, 3600, 7200, 14400,
};

#define SUM(field) { #field, offsetof(analytics_rollup, field), ANALYTICS_MERGE_SUM }
#define HIST(i, label) { "duration_le_" label, offsetof(analytics_rollup, duration) + (i) * sizeof(int64_t), \
	                 ANALYTICS_MERGE_SUM }

const analytics_field parley_analytics_fields[] = {
	SUM(rooms_started), SUM(rooms_finished), SUM(room_seconds),
	SUM(participants_joined), SUM(participants_left), SUM(participant_seconds),
	{ "peak_participants", offsetof(analytics_rollup, peak_participants), ANALYTICS_MERGE_MAX },
	SUM(tracks_published),
	SUM(pcs_connected), SUM(pcs_failed), SUM(pcs_relay),
	SUM(connect_ms_sum), SUM(connect_samples), SUM(media_ms_sum), SUM(media_samples),
	SUM(bytes_in), SUM(bytes_out), SUM(packets_in), SUM(packets_out),
	SUM(lost_in), SUM(lost_out), SUM(nacks), SUM(plis), SUM(slow_links),
	SUM(rtt_ms_sum), SUM(rtt_samples), SUM(jitter_ms_sum), SUM(jitter_samples),
	HIST(0, "60"), HIST(1, "300"), HIST(2, "900"), HIST(3, "1800"), HIST(4, "3600"), HIST(5, "7200"),
	HIST(6, "14400"), HIST(7, "inf"),
};
const size_t parley_analytics_field_count = sizeof(parley_analytics_fields) / sizeof(parley_analytics_fields[0]);

/* Every int64_t of the struct is in the table, once. */
_Static_assert(sizeof(parley_analytics_fields) / sizeof(parley_analytics_fields[0]) ==
	       sizeof(analytics_rollup) / sizeof(int64_t), "a rollup counter is missing from the field table");

void parley_analytics_rollup_merge(analytics_rollup *into, const analytics_rollup *from)
{
	for (size_t i = 0; i < parley_analytics_field_count; i++) {
		const analytics_field *f = &parley_analytics_fields[i];
		int64_t *to = parley_analytics_field_ptr(into, f);
		int64_t add = parley_analytics_field_get(from, f);
		if (f->merge == ANALYTICS_MERGE_MAX)
			*to = add > *to ? add : *to;
		else
			*to += add;
	}
}

bool parley_analytics_rollup_is_empty(const analytics_rollup *r)
{
	for (size_t i = 0; i < parley_analytics_field_count; i++)
		if (parley_analytics_field_get(r, &parley_analytics_fields[i]) != 0)
			return false;
	return true;
}

int parley_analytics_duration_bucket(int64_t seconds)
{
	for (int i = 0; i < ANALYTICS_DURATION_BUCKETS - 1; i++)
		if (seconds <= parley_analytics_duration_bounds[i])
			return i;
	return ANALYTICS_DURATION_BUCKETS - 1;
}

void parley_analytics_rollup_add_duration(analytics_rollup *r, int64_t seconds)
{
	if (seconds < 0)
		seconds = 0;
	r->rooms_finished++;
	r->room_seconds += seconds;
	r->duration[parley_analytics_duration_bucket(seconds)]++;
}

double parley_analytics_avg(int64_t sum, int64_t samples)
{
	return samples > 0 ? (double)sum / (double)samples : -1.0;
}

double parley_analytics_success_ratio(const analytics_rollup *r)
{
	return parley_analytics_avg(r->pcs_connected, r->pcs_connected + r->pcs_failed);
}

double parley_analytics_turn_share(const analytics_rollup *r)
{
	return parley_analytics_avg(r->pcs_relay, r->pcs_connected);
}

double parley_analytics_avg_room_seconds(const analytics_rollup *r)
{
	return parley_analytics_avg(r->room_seconds, r->rooms_finished);
}

double parley_analytics_avg_participant_seconds(const analytics_rollup *r)
{
	return parley_analytics_avg(r->participant_seconds, r->participants_left);
}

double parley_analytics_loss_in_ratio(const analytics_rollup *r)
{
	return parley_analytics_avg(r->lost_in, r->packets_in + r->lost_in);
}

static json_t *maybe(double value)
{
	return value < 0 ? json_null() : json_real(value);
}

json_t *parley_analytics_rollup_to_json(const analytics_rollup *r)
{
	json_t *out = json_object();
	for (size_t i = 0; i < parley_analytics_field_count; i++) {
		const analytics_field *f = &parley_analytics_fields[i];
		json_object_set_new(out, f->name, json_integer(parley_analytics_field_get(r, f)));
	}
	json_object_set_new(out, "success_ratio", maybe(parley_analytics_success_ratio(r)));
	json_object_set_new(out, "turn_share", maybe(parley_analytics_turn_share(r)));
	json_object_set_new(out, "avg_room_seconds", maybe(parley_analytics_avg_room_seconds(r)));
	json_object_set_new(out, "avg_participant_seconds", maybe(parley_analytics_avg_participant_seconds(r)));
	json_object_set_new(out, "avg_connect_ms", maybe(parley_analytics_avg(r->connect_ms_sum, r->connect_samples)));
	json_object_set_new(out, "avg_first_media_ms", maybe(parley_analytics_avg(r->media_ms_sum, r->media_samples)));
	json_object_set_new(out, "avg_rtt_ms", maybe(parley_analytics_avg(r->rtt_ms_sum, r->rtt_samples)));
	json_object_set_new(out, "avg_jitter_ms", maybe(parley_analytics_avg(r->jitter_ms_sum, r->jitter_samples)));
	json_object_set_new(out, "loss_in_ratio", maybe(parley_analytics_loss_in_ratio(r)));
	return out;
}

static const char *const period_names[] = { [ANALYTICS_PERIOD_HOUR] = "hour", [ANALYTICS_PERIOD_DAY] = "day" };

const char *parley_analytics_period_name(analytics_period period)
{
	return period == ANALYTICS_PERIOD_DAY ? period_names[ANALYTICS_PERIOD_DAY] : period_names[ANALYTICS_PERIOD_HOUR];
}

int parley_analytics_period_from_name(const char *name)
{
	for (int p = 0; name && p < 2; p++)
		if (strcmp(name, period_names[p]) == 0)
			return p;
	return -1;
}

int64_t parley_analytics_period_seconds(analytics_period period)
{
	return period == ANALYTICS_PERIOD_DAY ? 86400 : 3600;
}

int64_t parley_analytics_bucket_start(int64_t unix_seconds, analytics_period period)
{
	int64_t size = parley_analytics_period_seconds(period);
	int64_t rem = unix_seconds % size;
	if (rem < 0)
		rem += size;
	return unix_seconds - rem;
}
