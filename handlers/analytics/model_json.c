/*
 * handlers/analytics/model_json.c — the model as JSON: the figures of a
 * participant and of a meeting/room (what the queries, the records and the
 * participant_left / room_finished notices carry), the live room and
 * participant views, the list of live rooms and the summary.
 */
#include <string.h>
#include "model_internal.h"

static json_t *ratio_or_null(int64_t part, int64_t whole)
{
	return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

static json_t *ms_since(int64_t from_us, int64_t to_us)
{
	return from_us && to_us >= from_us ? json_integer((to_us - from_us) / 1000) : json_null();
}

json_t *parley_analytics_counters_json(const analytics_counters *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "bytes_in", (json_int_t)c->bytes_in, "bytes_out",
	                 (json_int_t)c->bytes_out, "packets_in", (json_int_t)c->packets_in, "packets_out",
	                 (json_int_t)c->packets_out, "lost_in", (json_int_t)c->lost_in, "lost_out",
	                 (json_int_t)c->lost_out, "nacks", (json_int_t)c->nacks, "plis", (json_int_t)c->plis);
}

static bool has_pending_pc(const analytics_model *m, const analytics_participant *p)
{
	for (int i = 0; i < ANALYTICS_MAX_HANDLES; i++) {
		uint64_t id = p->handles[i];
		const analytics_pc *pc = id ? g_hash_table_lookup(m->pcs, &id) : NULL;
		if (pc && !pc->up_us)
			return true;
	}
	return false;
}

static const char *outcome_of(const analytics_model *m, const analytics_participant *p)
{
	if (p->pcs_up > 0)
		return "connected";
	if (p->pcs_failed > 0)
		return "failed";
	return has_pending_pc(m, p) ? "connecting" : "no-media";
}

json_t *parley_analytics_participant_figures(const analytics_model *m, const analytics_room *room,
                                             const analytics_participant *p, int64_t now_us)
{
	double in, out;
	parley_analytics_participant_rates(m, p, &in, &out);
	json_t *j = parley_analytics_counters_json(&p->totals);
	json_object_set_new(j, "participant", json_string(p->id));
	if (p->name)
		json_object_set_new(j, "name", json_string(p->name));
	if (p->peer)
		json_object_set_new(j, "peer", json_string(p->peer));
	json_object_set_new(j, "room", json_string(room->id));
	json_object_set_new(j, "kind", json_string(parley_analytics_kind_name(room->kind)));
	json_object_set_new(j, "joined_at", json_integer(p->joined_us / 1000));
	json_object_set_new(j, "duration_seconds", json_integer(now_us > p->joined_us ? (now_us - p->joined_us) / G_USEC_PER_SEC : 0));
	json_object_set_new(j, "time_to_connect_ms", ms_since(p->joined_us, p->first_up_us));
	json_object_set_new(j, "time_to_media_ms", ms_since(p->joined_us, p->first_media_us));
	json_object_set_new(j, "outcome", json_string(outcome_of(m, p)));
	json_object_set_new(j, "failure_reason", p->failure ? json_string(p->failure) : json_null());
	json_object_set_new(j, "relay", json_boolean(p->relay));
	json_object_set_new(j, "pcs_connected", json_integer(p->pcs_up));
	json_object_set_new(j, "pcs_failed", json_integer(p->pcs_failed));
	json_object_set_new(j, "bitrate_in", json_integer((json_int_t)in));
	json_object_set_new(j, "bitrate_out", json_integer((json_int_t)out));
	json_object_set_new(j, "loss_in_ratio", ratio_or_null(p->totals.lost_in, p->totals.packets_in + p->totals.lost_in));
	json_object_set_new(j, "rtt_ms", p->rtt_ms > 0 ? json_real(p->rtt_ms) : json_null());
	json_object_set_new(j, "jitter_ms", p->jitter_ms > 0 ? json_real(p->jitter_ms) : json_null());
	json_object_set_new(j, "slow_links", json_integer(p->slow_links));
	json_object_set_new(j, "tracks_published", json_integer(p->tracks_published));
	json_object_set_new(j, "tracks_unpublished", json_integer(p->tracks_unpublished));
	return j;
}

json_t *parley_analytics_room_figures(const analytics_model *m, const analytics_room *r, int64_t now_us)
{
	double in = 0, out = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, r->participants);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		double pin, pout;
		parley_analytics_participant_rates(m, value, &pin, &pout);
		in += pin;
		out += pout;
	}
	json_t *j = parley_analytics_counters_json(&r->totals);
	json_object_set_new(j, "room", json_string(r->id));
	json_object_set_new(j, "plugin", json_string(r->plugin));
	json_object_set_new(j, "kind", json_string(parley_analytics_kind_name(r->kind)));
	if (r->title)
		json_object_set_new(j, "title", json_string(r->title));
	json_object_set_new(j, "started_at", json_integer(r->started_us / 1000));
	json_object_set_new(j, "duration_seconds", json_integer(now_us > r->started_us ? (now_us - r->started_us) / G_USEC_PER_SEC : 0));
	json_object_set_new(j, "participants", json_integer(g_hash_table_size(r->participants)));
	json_object_set_new(j, "peak_participants", json_integer(r->peak));
	json_object_set_new(j, "joins", json_integer(r->joins));
	json_object_set_new(j, "leaves", json_integer(r->leaves));
	json_object_set_new(j, "distinct_participants", json_integer(g_hash_table_size(r->distinct)));
	json_object_set_new(j, "tracks_live", json_integer(r->tracks_live));
	json_object_set_new(j, "tracks_published", json_integer(r->tracks_published));
	json_object_set_new(j, "pcs_connected", json_integer(r->pcs_up));
	json_object_set_new(j, "pcs_failed", json_integer(r->pcs_failed));
	json_object_set_new(j, "pcs_relay", json_integer(r->pcs_relay));
	json_object_set_new(j, "success_ratio", ratio_or_null(r->pcs_up, r->pcs_up + r->pcs_failed));
	json_object_set_new(j, "turn_share", ratio_or_null(r->pcs_relay, r->pcs_up));
	json_object_set_new(j, "avg_time_to_connect_ms", ratio_or_null(r->connect_ms_sum, r->connect_samples));
	json_object_set_new(j, "avg_time_to_media_ms", ratio_or_null(r->media_ms_sum, r->media_samples));
	json_object_set_new(j, "avg_participant_seconds", ratio_or_null(r->participant_seconds, r->leaves));
	json_object_set_new(j, "loss_in_ratio", ratio_or_null(r->totals.lost_in, r->totals.packets_in + r->totals.lost_in));
	json_object_set_new(j, "bitrate_in", json_integer((json_int_t)in));
	json_object_set_new(j, "bitrate_out", json_integer((json_int_t)out));
	return j;
}

json_t *parley_analytics_model_room_json(const analytics_model *m, const char *plugin, const char *room)
{
	const analytics_room *r = parley_analytics_room_find(m, plugin, room);
	if (!r)
		return NULL;
	int64_t now = g_get_real_time();
	json_t *j = parley_analytics_room_figures(m, r, now);
	json_t *present = json_array();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, r->participants);
	while (g_hash_table_iter_next(&it, NULL, &value))
		json_array_append_new(present, parley_analytics_participant_figures(m, r, value, now));
	json_object_set_new(j, "present", present);
	json_object_set_new(j, "live", json_true());
	return j;
}

json_t *parley_analytics_model_participant_json(const analytics_model *m, const char *plugin, const char *room,
                                                const char *participant)
{
	json_t *found = json_array();
	int64_t now = g_get_real_time();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, m->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const analytics_room *r = value;
		if ((plugin && strcmp(plugin, r->plugin) != 0) || (room && strcmp(room, r->id) != 0))
			continue;
		const analytics_participant *p = g_hash_table_lookup(r->participants, participant);
		if (p) {
			json_t *f = parley_analytics_participant_figures(m, r, p, now);
			json_object_set_new(f, "live", json_true());
			json_array_append_new(found, f);
		}
	}
	return found;
}

json_t *parley_analytics_model_rooms_json(const analytics_model *m, unsigned limit)
{
	json_t *list = json_array();
	int64_t now = g_get_real_time();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, m->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value) && json_array_size(list) < limit) {
		const analytics_room *r = value;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:i, s:i}", "room", r->id, "plugin",
		                                      r->plugin, "kind", parley_analytics_kind_name(r->kind), "started_at",
		                                      (json_int_t)(r->started_us / 1000), "duration_seconds",
		                                      (json_int_t)(now > r->started_us ? (now - r->started_us) / G_USEC_PER_SEC : 0),
		                                      "participants", (int)g_hash_table_size(r->participants),
		                                      "tracks_live", (int)r->tracks_live));
	}
	return list;
}

json_t *parley_analytics_model_summary(const analytics_model *m)
{
	analytics_live live;
	parley_analytics_model_live(m, &live);
	json_t *rooms = json_object(), *participants = json_object(), *since = json_object();
	analytics_rollup all = { 0 };
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++) {
		const char *name = parley_analytics_kind_name(k);
		if (k != ANALYTICS_KIND_OTHER) {
			json_object_set_new(rooms, name, json_integer(live.rooms[k]));
			json_object_set_new(participants, name, json_integer(live.participants[k]));
		}
		json_object_set_new(since, name, parley_analytics_rollup_to_json(&m->since_start[k]));
		parley_analytics_rollup_merge(&all, &m->since_start[k]);
	}
	json_object_set_new(since, "all", parley_analytics_rollup_to_json(&all));
	json_t *reasons = json_object();
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, m->reasons);
	while (g_hash_table_iter_next(&it, &key, &value))
		json_object_set_new(reasons, key, json_integer((json_int_t)GPOINTER_TO_SIZE(value)));
	static const char *const type_names[10] = { "session", "handle", "jsep", "webrtc", "media", "plugin",
	                                            "transport", "core", "external", "not_understood" };
	json_t *events = json_object();
	for (int i = 0; i < 10; i++)
		json_object_set_new(events, type_names[i], json_integer((json_int_t)m->events[i]));
	json_object_set_new(events, "untracked", json_integer((json_int_t)m->untracked));
	return json_pack("{s:{s:o, s:o, s:{s:i, s:i, s:i}}, s:o, s:o, s:o}", "live", "rooms", rooms, "participants",
	                 participants, "peerconnections", "new", (int)live.pcs_new, "connected",
	                 (int)live.pcs_connected, "disconnected", (int)live.pcs_disconnected, "since_start", since,
	                 "failure_reasons", reasons, "events", events);
}
