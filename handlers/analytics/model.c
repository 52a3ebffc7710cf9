/*
 * handlers/analytics/model.c — the model's meetings, rooms and
 * participants: the dispatch of a bus event by type, the plugin lifecycle
 * events by name (one table), starting and finishing a meeting or room,
 * joins and leaves, tracks, the bindings of handles to participants, and
 * the rollup buckets everything counts into. PeerConnections are
 * model_pc.c's, the JSON views model_json.c's.
 */
#include <string.h>
#include "model_internal.h"

/* ---- output ---- */

void parley_analytics_output_init(analytics_output *out)
{
	out->notices = g_ptr_array_new();
	out->records = g_ptr_array_new_with_free_func(parley_analytics_record_free);
}

static void notice_free(gpointer data)
{
	analytics_notice *n = data;
	g_free(n->name);
	json_decref(n->body);
	g_free(n);
}

void parley_analytics_output_clear(analytics_output *out)
{
	if (out->notices) {
		g_ptr_array_set_free_func(out->notices, notice_free);
		g_ptr_array_unref(out->notices);
	}
	if (out->records)
		g_ptr_array_unref(out->records);
	out->notices = out->records = NULL;
}

void parley_analytics_record_free(gpointer data)
{
	analytics_record *r = data;
	if (!r)
		return;
	g_free(r->plugin);
	g_free(r->room);
	g_free(r->participant);
	g_free(r->outcome);
	g_free(r->reason);
	json_decref(r->figures);
	g_free(r);
}

analytics_record *parley_analytics_record_copy(const analytics_record *r)
{
	analytics_record *c = g_new0(analytics_record, 1);
	*c = *r;
	c->plugin = g_strdup(r->plugin);
	c->room = g_strdup(r->room);
	c->participant = g_strdup(r->participant);
	c->outcome = g_strdup(r->outcome);
	c->reason = g_strdup(r->reason);
	c->figures = json_incref(r->figures);
	return c;
}

void parley_analytics_notice(analytics_output *out, const char *name, int64_t ts_us, json_t *body)
{
	analytics_notice *n = g_new0(analytics_notice, 1);
	n->name = g_strdup(name);
	n->body = body;
	n->ts_us = ts_us;
	g_ptr_array_add(out->notices, n);
}

/* ---- rollups ---- */

static guint64 bucket_key(int64_t start, analytics_kind kind)
{
	return (guint64)start * ANALYTICS_KIND_COUNT + (guint64)kind;
}

void parley_analytics_rollups_at(analytics_model *m, int64_t ts_us, analytics_kind kind, analytics_rollup *out[2])
{
	if ((unsigned)kind >= ANALYTICS_KIND_COUNT)
		kind = ANALYTICS_KIND_OTHER;
	int64_t start = parley_analytics_bucket_start(ts_us / G_USEC_PER_SEC, ANALYTICS_PERIOD_HOUR);
	guint64 key = bucket_key(start, kind);
	analytics_bucket *b = g_hash_table_lookup(m->pending, &key);
	if (!b) {
		b = g_new0(analytics_bucket, 1);
		b->start = start;
		b->kind = kind;
		guint64 *k = g_new(guint64, 1);
		*k = key;
		g_hash_table_insert(m->pending, k, b);
	}
	out[0] = &b->rollup;
	out[1] = &m->since_start[kind];
}

void parley_analytics_model_take_pending(analytics_model *m, GArray *into)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, m->pending);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_array_append_val(into, *(analytics_bucket *)value);
	g_hash_table_remove_all(m->pending);
}

void parley_analytics_model_add_pending(const analytics_model *m, analytics_period period, int64_t start, int kind,
                                        analytics_rollup *into)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, m->pending);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const analytics_bucket *b = value;
		if ((kind < 0 || (int)b->kind == kind) && parley_analytics_bucket_start(b->start, period) == start)
			parley_analytics_rollup_merge(into, &b->rollup);
	}
}

const analytics_rollup *parley_analytics_model_since_start(const analytics_model *m, analytics_kind kind)
{
	return &m->since_start[(unsigned)kind < ANALYTICS_KIND_COUNT ? kind : ANALYTICS_KIND_OTHER];
}

void parley_analytics_count_reason(analytics_model *m, const char *reason)
{
	if (!reason || !*reason)
		reason = "unknown";
	gpointer have = g_hash_table_lookup(m->reasons, reason);
	if (!have && g_hash_table_size(m->reasons) >= ANALYTICS_MAX_REASONS)
		reason = "other";
	have = g_hash_table_lookup(m->reasons, reason);
	g_hash_table_replace(m->reasons, g_strdup(reason), GSIZE_TO_POINTER(GPOINTER_TO_SIZE(have) + 1));
}

void parley_analytics_counters_add(analytics_counters *into, const analytics_counters *add)
{
	into->bytes_in += add->bytes_in;
	into->bytes_out += add->bytes_out;
	into->packets_in += add->packets_in;
	into->packets_out += add->packets_out;
	into->lost_in += add->lost_in;
	into->lost_out += add->lost_out;
	into->nacks += add->nacks;
	into->plis += add->plis;
}

/* ---- lifetime ---- */

static void participant_free(gpointer data)
{
	analytics_participant *p = data;
	g_free(p->id);
	g_free(p->name);
	g_free(p->peer);
	g_free(p->failure);
	g_free(p);
}

static void room_free(gpointer data)
{
	analytics_room *r = data;
	g_hash_table_destroy(r->participants);
	g_hash_table_destroy(r->distinct);
	g_free(r->key);
	g_free(r->plugin);
	g_free(r->id);
	g_free(r->title);
	g_free(r);
}

static void binding_free(gpointer data)
{
	analytics_binding *b = data;
	g_free(b->room_key);
	g_free(b->participant);
	g_free(b);
}

analytics_model *parley_analytics_model_new(const analytics_limits *limits)
{
	analytics_model *m = g_new0(analytics_model, 1);
	m->limits = *limits;
	m->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_free);
	m->pcs = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, parley_analytics_pc_free);
	m->bindings = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, binding_free);
	m->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	m->reasons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return m;
}

void parley_analytics_model_free(analytics_model *m)
{
	if (!m)
		return;
	g_hash_table_destroy(m->rooms);
	g_hash_table_destroy(m->pcs);
	g_hash_table_destroy(m->bindings);
	g_hash_table_destroy(m->pending);
	g_hash_table_destroy(m->reasons);
	g_free(m);
}

/* ---- rooms ---- */

analytics_kind parley_analytics_kind_of_plugin(const char *plugin)
{
	return plugin && strcmp(plugin, "parley.plugin.meeting") == 0 ? ANALYTICS_KIND_MEETING : ANALYTICS_KIND_ROOM;
}

static char *room_key(const char *plugin, const char *id)
{
	return g_strconcat(plugin ? plugin : "", "\n", id, NULL);
}

analytics_room *parley_analytics_room_find(const analytics_model *m, const char *plugin, const char *id)
{
	if (!id)
		return NULL;
	if (plugin) {
		char *key = room_key(plugin, id);
		analytics_room *r = g_hash_table_lookup(m->rooms, key);
		g_free(key);
		return r;
	}
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, m->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (strcmp(((analytics_room *)value)->id, id) == 0)
			return value;
	return NULL;
}

void parley_analytics_binding_of(const analytics_model *m, uint64_t handle_id, analytics_room **room,
                                 analytics_participant **participant)
{
	*room = NULL;
	*participant = NULL;
	analytics_binding *b = handle_id ? g_hash_table_lookup(m->bindings, &handle_id) : NULL;
	if (!b)
		return;
	*room = g_hash_table_lookup(m->rooms, b->room_key);
	if (*room && b->participant)
		*participant = g_hash_table_lookup((*room)->participants, b->participant);
}

/* One plugin event being applied. */
typedef struct plugin_call {
	analytics_model *m;
	analytics_output *out;
	const char *plugin;
	const char *room;
	json_t *data;
	int64_t ts;
	uint64_t handle_id;
} plugin_call;

static const char *data_string(const plugin_call *c, const char *key)
{
	return json_string_value(json_object_get(c->data, key));
}

static json_t *room_brief(const analytics_room *r)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:i}", "name", r->id, "kind", parley_analytics_kind_name(r->kind),
	                      "plugin", r->plugin, "creationTime", (json_int_t)(r->started_us / G_USEC_PER_SEC),
	                      "numParticipants", (int)g_hash_table_size(r->participants));
	if (r->title)
		json_object_set_new(j, "title", json_string(r->title));
	return j;
}

static json_t *participant_brief(const analytics_participant *p)
{
	json_t *j = json_pack("{s:s, s:s, s:I}", "identity", p->id, "sid", p->peer ? p->peer : p->id, "joinedAt",
	                      (json_int_t)(p->joined_us / G_USEC_PER_SEC));
	if (p->name)
		json_object_set_new(j, "name", json_string(p->name));
	return j;
}

static const char *started_name(analytics_kind kind)
{
	return kind == ANALYTICS_KIND_MEETING ? "meeting_started" : "room_started";
}

static const char *finished_name(analytics_kind kind)
{
	return kind == ANALYTICS_KIND_MEETING ? "meeting_ended" : "room_finished";
}

/* The meeting or room of the call, started now when it was not (a join
 * after the handler started, or an explicit start). NULL: over a limit. */
static analytics_room *room_start(plugin_call *c)
{
	analytics_room *r = parley_analytics_room_find(c->m, c->plugin, c->room);
	if (r)
		return r;
	if (g_hash_table_size(c->m->rooms) >= c->m->limits.max_rooms) {
		c->m->untracked++;
		return NULL;
	}
	r = g_new0(analytics_room, 1);
	r->key = room_key(c->plugin, c->room);
	r->plugin = g_strdup(c->plugin);
	r->id = g_strdup(c->room);
	r->kind = parley_analytics_kind_of_plugin(c->plugin);
	r->title = g_strdup(data_string(c, "title"));
	r->started_us = c->ts;
	r->participants = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, participant_free);
	r->distinct = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_insert(c->m->rooms, r->key, r);
	c->m->live_rooms[r->kind]++;
	ANALYTICS_COUNT(c->m, c->ts, r->kind, rooms_started, 1);
	parley_analytics_notice(c->out, started_name(r->kind), c->ts, json_pack("{s:o}", "room", room_brief(r)));
	return r;
}

static void participant_leave(analytics_model *m, analytics_output *out, analytics_room *r, analytics_participant *p,
                              int64_t ts, const char *reason)
{
	int64_t duration_us = ts > p->joined_us ? ts - p->joined_us : 0;
	r->leaves++;
	r->participant_seconds += duration_us / G_USEC_PER_SEC;
	ANALYTICS_COUNT(m, ts, r->kind, participants_left, 1);
	ANALYTICS_COUNT(m, ts, r->kind, participant_seconds, duration_us / G_USEC_PER_SEC);
	if (m->live_participants[r->kind] > 0)
		m->live_participants[r->kind]--;
	json_t *figures = parley_analytics_participant_figures(m, r, p, ts);
	analytics_record record = {
		.type = ANALYTICS_RECORD_PARTICIPANT, .plugin = r->plugin, .kind = r->kind, .room = r->id,
		.participant = p->id, .start_ms = p->joined_us / 1000, .end_ms = ts / 1000,
		.outcome = (char *)json_string_value(json_object_get(figures, "outcome")), .reason = (char *)reason,
		.figures = figures,
	};
	g_ptr_array_add(out->records, parley_analytics_record_copy(&record));
	json_t *body = json_pack("{s:o, s:o, s:s, s:O}", "room", room_brief(r), "participant", participant_brief(p),
	                         "reason", reason ? reason : "left", "stats", figures);
	json_decref(figures);
	g_hash_table_remove(r->participants, p->id);
	json_object_set_new(json_object_get(body, "room"), "numParticipants",
	                    json_integer(g_hash_table_size(r->participants)));
	parley_analytics_notice(out, "participant_left", ts, body);
}

static void room_finish(analytics_model *m, analytics_output *out, analytics_room *r, int64_t ts, const char *reason)
{
	GList *present = g_hash_table_get_values(r->participants);
	for (GList *l = present; l; l = l->next)
		participant_leave(m, out, r, l->data, ts, reason ? reason : "room finished");
	g_list_free(present);
	int64_t seconds = ts > r->started_us ? (ts - r->started_us) / G_USEC_PER_SEC : 0;
	analytics_rollup *rollups[2];
	parley_analytics_rollups_at(m, ts, r->kind, rollups);
	parley_analytics_rollup_add_duration(rollups[0], seconds);
	parley_analytics_rollup_add_duration(rollups[1], seconds);
	if (m->live_rooms[r->kind] > 0)
		m->live_rooms[r->kind]--;
	json_t *figures = parley_analytics_room_figures(m, r, ts);
	analytics_record record = {
		.type = ANALYTICS_RECORD_ROOM, .plugin = r->plugin, .kind = r->kind, .room = r->id,
		.start_ms = r->started_us / 1000, .end_ms = ts / 1000, .reason = (char *)reason, .figures = figures,
	};
	g_ptr_array_add(out->records, parley_analytics_record_copy(&record));
	parley_analytics_notice(out, finished_name(r->kind), ts,
	                        json_pack("{s:o, s:s, s:o}", "room", room_brief(r), "reason", reason ? reason : "finished",
	                                  "stats", figures));
	g_hash_table_remove(m->rooms, r->key);
}

/* ---- bindings ---- */

static void bind_handle(analytics_model *m, uint64_t handle_id, const analytics_room *r, analytics_participant *p)
{
	if (!handle_id)
		return;
	analytics_binding *b = g_new0(analytics_binding, 1);
	b->room_key = g_strdup(r->key);
	b->participant = p ? g_strdup(p->id) : NULL;
	guint64 *key = g_new(guint64, 1);
	*key = handle_id;
	g_hash_table_replace(m->bindings, key, b);
	if (!p)
		return;
	for (int i = 0; i < ANALYTICS_MAX_HANDLES; i++)
		if (p->handles[i] == handle_id)
			return;
	memmove(&p->handles[1], &p->handles[0], sizeof(p->handles[0]) * (ANALYTICS_MAX_HANDLES - 1));
	p->handles[0] = handle_id;
}

/* ---- plugin events ---- */

static void on_room_started(plugin_call *c)
{
	room_start(c);
}

static void on_room_finished(plugin_call *c)
{
	analytics_room *r = parley_analytics_room_find(c->m, c->plugin, c->room);
	if (r) {
		room_finish(c->m, c->out, r, c->ts, data_string(c, "reason"));
		return;
	}
	/* never seen start (the handler started later): passed on as it came */
	analytics_kind kind = parley_analytics_kind_of_plugin(c->plugin);
	parley_analytics_notice(c->out, finished_name(kind), c->ts,
	                        json_pack("{s:{s:s, s:s, s:s}, s:s?}", "room", "name", c->room, "kind",
	                                  parley_analytics_kind_name(kind), "plugin", c->plugin, "reason",
	                                  data_string(c, "reason")));
}

static void on_meeting_created(plugin_call *c)
{
	json_t *room = json_pack("{s:s, s:s, s:s}", "name", c->room, "kind", "meeting", "plugin", c->plugin);
	if (data_string(c, "title"))
		json_object_set_new(room, "title", json_string(data_string(c, "title")));
	json_t *body = json_pack("{s:o}", "room", room);
	if (data_string(c, "host"))
		json_object_set_new(body, "host", json_string(data_string(c, "host")));
	parley_analytics_notice(c->out, "meeting_created", c->ts, body);
}

static void on_participant_joined(plugin_call *c)
{
	const char *id = data_string(c, "participant");
	if (!id)
		return;
	analytics_room *r = room_start(c);
	if (!r)
		return;
	analytics_participant *p = g_hash_table_lookup(r->participants, id);
	if (p) {   /* joined again without leaving: a new handle for the same place */
		bind_handle(c->m, c->handle_id, r, p);
		return;
	}
	unsigned live = 0;
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++)
		live += c->m->live_participants[k];
	if (live >= c->m->limits.max_participants) {
		c->m->untracked++;
		return;
	}
	p = g_new0(analytics_participant, 1);
	p->id = g_strdup(id);
	p->name = g_strdup(data_string(c, "name"));
	p->peer = g_strdup(data_string(c, "peer"));
	p->joined_us = c->ts;
	g_hash_table_insert(r->participants, p->id, p);
	if (g_hash_table_size(r->distinct) < c->m->limits.max_distinct && !g_hash_table_contains(r->distinct, id))
		g_hash_table_add(r->distinct, g_strdup(id));
	r->joins++;
	if (g_hash_table_size(r->participants) > r->peak)
		r->peak = g_hash_table_size(r->participants);
	c->m->live_participants[r->kind]++;
	analytics_rollup *rollups[2];
	parley_analytics_rollups_at(c->m, c->ts, r->kind, rollups);
	for (int i = 0; i < 2; i++) {
		rollups[i]->participants_joined++;
		if (rollups[i]->peak_participants < c->m->live_participants[r->kind])
			rollups[i]->peak_participants = c->m->live_participants[r->kind];
	}
	bind_handle(c->m, c->handle_id, r, p);
	parley_analytics_notice(c->out, "participant_joined", c->ts,
	                        json_pack("{s:o, s:o}", "room", room_brief(r), "participant", participant_brief(p)));
}

static void on_participant_bound(plugin_call *c)
{
	const char *id = data_string(c, "participant");
	analytics_room *r = parley_analytics_room_find(c->m, c->plugin, c->room);
	if (!r || !id)
		return;
	bind_handle(c->m, c->handle_id, r, g_hash_table_lookup(r->participants, id));
}

static void on_participant_left(plugin_call *c)
{
	const char *id = data_string(c, "participant");
	analytics_room *r = parley_analytics_room_find(c->m, c->plugin, c->room);
	analytics_participant *p = r && id ? g_hash_table_lookup(r->participants, id) : NULL;
	if (p)
		participant_leave(c->m, c->out, r, p, c->ts, data_string(c, "reason"));
}

static json_t *track_json(const plugin_call *c)
{
	const char *kind = data_string(c, "kind");
	const char *source = data_string(c, "source");
	static const struct { const char *from, *to; } sources[] = {
		{ "camera", "CAMERA" }, { "mic", "MICROPHONE" }, { "microphone", "MICROPHONE" },
		{ "screen", "SCREEN_SHARE" }, { "screen_audio", "SCREEN_SHARE_AUDIO" },
	};
	const char *named = "UNKNOWN";
	for (size_t i = 0; source && i < G_N_ELEMENTS(sources); i++)
		if (strcmp(source, sources[i].from) == 0)
			named = sources[i].to;
	return json_pack("{s:s?, s:s, s:s}", "sid", data_string(c, "track"), "type",
	                 kind && strcmp(kind, "audio") == 0 ? "AUDIO" : kind && strcmp(kind, "video") == 0 ? "VIDEO" : "DATA",
	                 "source", named);
}

static void on_track(plugin_call *c, bool published)
{
	analytics_room *r = parley_analytics_room_find(c->m, c->plugin, c->room);
	if (!r)
		return;
	const char *id = data_string(c, "participant");
	analytics_participant *p = id ? g_hash_table_lookup(r->participants, id) : NULL;
	if (published) {
		r->tracks_live++;
		r->tracks_published++;
		ANALYTICS_COUNT(c->m, c->ts, r->kind, tracks_published, 1);
		if (p)
			p->tracks_published++;
	} else {
		if (r->tracks_live > 0)
			r->tracks_live--;
		if (p)
			p->tracks_unpublished++;
	}
	json_t *body = json_pack("{s:o, s:o}", "room", room_brief(r), "track", track_json(c));
	if (p)
		json_object_set_new(body, "participant", participant_brief(p));
	else if (id)
		json_object_set_new(body, "participant", json_pack("{s:s}", "identity", id));
	parley_analytics_notice(c->out, published ? "track_published" : "track_unpublished", c->ts, body);
}

static void on_track_published(plugin_call *c)
{
	on_track(c, true);
}

static void on_track_unpublished(plugin_call *c)
{
	on_track(c, false);
}

static const struct {
	const char *name;
	void (*apply)(plugin_call *c);
} plugin_events[] = {
	{ "room_started", on_room_started },
	{ "meeting_started", on_room_started },
	{ "room_finished", on_room_finished },
	{ "meeting_ended", on_room_finished },
	{ "meeting_created", on_meeting_created },
	{ "participant_joined", on_participant_joined },
	{ "participant_reconnected", on_participant_bound },
	{ "subscriber_attached", on_participant_bound },
	{ "participant_left", on_participant_left },
	{ "track_published", on_track_published },
	{ "track_unpublished", on_track_unpublished },
};

static bool plugin_event(analytics_model *m, analytics_output *out, uint64_t handle_id, int64_t ts, json_t *body)
{
	json_t *data = json_object_get(body, "data");
	plugin_call c = {
		.m = m, .out = out, .plugin = json_string_value(json_object_get(body, "plugin")),
		.data = data, .ts = ts, .handle_id = handle_id,
		.room = json_string_value(json_object_get(data, "room")),
	};
	const char *name = json_string_value(json_object_get(data, "event"));
	if (!c.plugin || !c.room || !name || !*c.room || strlen(c.room) > 256)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(plugin_events); i++)
		if (strcmp(name, plugin_events[i].name) == 0) {
			plugin_events[i].apply(&c);
			return true;
		}
	return false;
}

/* ---- dispatch ---- */

static bool handle_event(analytics_model *m, analytics_output *out, uint64_t handle_id, int64_t ts, json_t *body)
{
	const char *name = json_string_value(json_object_get(body, "name"));
	if (!name || !handle_id)
		return false;
	if (strcmp(name, "detached") == 0) {
		parley_analytics_pc_end(m, handle_id, ts, "detached");
		g_hash_table_remove(m->bindings, &handle_id);
	}
	return true;
}

void parley_analytics_model_apply(analytics_model *m, json_t *event, analytics_output *out)
{
	json_int_t type = json_integer_value(json_object_get(event, "type"));
	json_t *ts_value = json_object_get(event, "timestamp");
	int64_t ts = json_is_integer(ts_value) ? json_integer_value(ts_value) : g_get_real_time();
	uint64_t handle_id = (uint64_t)json_integer_value(json_object_get(event, "handle_id"));
	json_t *body = json_object_get(event, "event");
	int index = type > 0 && (type & (type - 1)) == 0 ? __builtin_ctzll((unsigned long long)type) : 9;
	if (index > 8)
		index = 9;
	m->events[index]++;
	if (!json_is_object(body) || ts <= 0)
		return;
	bool understood = true;
	switch (type) {
	case 1u << 1:
		understood = handle_event(m, out, handle_id, ts, body);
		break;
	case 1u << 3:
		if (handle_id)
			parley_analytics_pc_event(m, handle_id, ts, body);
		break;
	case 1u << 4:
		if (handle_id)
			parley_analytics_media_event(m, handle_id, ts, body);
		break;
	case 1u << 5:
		understood = plugin_event(m, out, handle_id, ts, body);
		break;
	default:
		break;
	}
	if (!understood)
		m->events[9]++;
}

uint64_t parley_analytics_model_events(const analytics_model *m, int type_index)
{
	return type_index >= 0 && type_index < 10 ? m->events[type_index] : 0;
}

void parley_analytics_model_live(const analytics_model *m, analytics_live *live)
{
	memset(live, 0, sizeof(*live));
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++) {
		live->rooms[k] = m->live_rooms[k];
		live->participants[k] = m->live_participants[k];
	}
	live->pcs_new = m->pcs_by_state[ANALYTICS_PC_NEW];
	live->pcs_connected = m->pcs_by_state[ANALYTICS_PC_CONNECTED];
	live->pcs_disconnected = m->pcs_by_state[ANALYTICS_PC_DISCONNECTED];
}
