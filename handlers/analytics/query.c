/*
 * handlers/analytics/query.c — the admin API's query_eventhandler for
 * parley.handler.analytics (and the meeting plugin's stats route through
 * core->query_handler): one table of requests, each with its members
 * checked before anything is read.
 *
 *   {"request": "summary"}
 *   {"request": "room", "room", "plugin"?}
 *   {"request": "participant", "participant", "room"?, "plugin"?}
 *   {"request": "series", "period"?: "hour"|"day", "from"?, "to"?, "kind"?}
 *   {"request": "rooms", "limit"?}
 *
 * Every refusal is {"error": "<why>"}. Queries that read the store first
 * write what waits for it, so they see every event applied before them.
 */
#include <string.h>
#include "analytics.h"

#define MAX_TEXT 256
#define MAX_POINTS 2000

static json_t *refuse(const char *format, const char *member)
{
	char text[200];
	g_snprintf(text, sizeof(text), format, member);
	return json_pack("{s:s}", "error", text);
}

/* An optional string member: true when absent (NULL) or a string of 1..256 bytes. */
static bool text_member(json_t *request, const char *name, const char **out)
{
	json_t *v = json_object_get(request, name);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > MAX_TEXT ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return false;
	*out = json_string_value(v);
	return true;
}

static bool integer_member(json_t *request, const char *name, int64_t min, int64_t max, int64_t *out)
{
	json_t *v = json_object_get(request, name);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return false;
	*out = json_integer_value(v);
	return true;
}

static json_t *sinks_json(void)
{
	json_t *list = json_array();
	for (unsigned i = 0; i < parley_analytics.n_sinks; i++)
		json_array_append_new(list, parley_analytics_sink_stats_json(parley_analytics.sinks[i]));
	return list;
}

static json_t *on_summary(json_t *request)
{
	analytics_state *a = &parley_analytics;
	g_mutex_lock(&a->model_lock);
	json_t *answer = parley_analytics_model_summary(a->model);
	json_t *store = json_pack("{s:s, s:i, s:I}", "path", a->settings.db_path, "records_waiting",
	                          (int)a->records->len, "records_dropped", (json_int_t)a->records_dropped);
	g_mutex_unlock(&a->model_lock);
	g_mutex_lock(&a->store_lock);
	json_object_set_new(store, "flushes", json_integer((json_int_t)a->flushes));
	json_object_set_new(store, "flush_errors", json_integer((json_int_t)a->flush_errors));
	g_mutex_unlock(&a->store_lock);
	json_object_set_new(answer, "store", store);
	json_object_set_new(answer, "sinks", sinks_json());
	json_object_set_new(answer, "started_at", json_integer(a->started_us / 1000));
	return answer;
}

static json_t *on_room(json_t *request)
{
	const char *room, *plugin;
	if (!text_member(request, "room", &room) || !room)
		return refuse("'%s' must be a string of 1 to 256 bytes", "room");
	if (!text_member(request, "plugin", &plugin))
		return refuse("'%s' must be a string of 1 to 256 bytes", "plugin");
	analytics_state *a = &parley_analytics;
	g_mutex_lock(&a->store_lock);
	parley_analytics_flush_locked();
	g_mutex_lock(&a->model_lock);
	json_t *live = parley_analytics_model_room_json(a->model, plugin, room);
	g_mutex_unlock(&a->model_lock);
	json_t *history = parley_analytics_store_rooms(a->store, plugin, room, 10);
	/* who left: since the live one started, else during the latest finished one */
	json_t *latest = json_array_get(history, 0);
	int64_t since = live ? json_integer_value(json_object_get(live, "started_at"))
	                     : json_integer_value(json_object_get(latest, "started_at"));
	json_t *left = live || latest ? parley_analytics_store_participants(a->store, plugin, room, NULL, since, 500)
	                              : json_array();
	g_mutex_unlock(&a->store_lock);
	return json_pack("{s:s, s:b, s:o, s:o, s:o}", "room", room, "found", live != NULL || latest != NULL, "live",
	                 live ? live : json_null(), "history", history, "left", left);
}

static json_t *on_participant(json_t *request)
{
	const char *participant, *room, *plugin;
	if (!text_member(request, "participant", &participant) || !participant)
		return refuse("'%s' must be a string of 1 to 256 bytes", "participant");
	if (!text_member(request, "room", &room))
		return refuse("'%s' must be a string of 1 to 256 bytes", "room");
	if (!text_member(request, "plugin", &plugin))
		return refuse("'%s' must be a string of 1 to 256 bytes", "plugin");
	analytics_state *a = &parley_analytics;
	g_mutex_lock(&a->store_lock);
	parley_analytics_flush_locked();
	g_mutex_lock(&a->model_lock);
	json_t *live = parley_analytics_model_participant_json(a->model, plugin, room, participant);
	g_mutex_unlock(&a->model_lock);
	json_t *history = parley_analytics_store_participants(a->store, plugin, room, participant, 0, 50);
	g_mutex_unlock(&a->store_lock);
	return json_pack("{s:s, s:b, s:o, s:o}", "participant", participant, "found",
	                 json_array_size(live) + json_array_size(history) > 0, "live", live, "history", history);
}

static json_t *on_series(json_t *request)
{
	const char *period_name, *kind_name;
	if (!text_member(request, "period", &period_name))
		return refuse("'%s' must be \"hour\" or \"day\"", "period");
	int period = period_name ? parley_analytics_period_from_name(period_name) : ANALYTICS_PERIOD_HOUR;
	if (period < 0)
		return refuse("'%s' must be \"hour\" or \"day\"", "period");
	if (!text_member(request, "kind", &kind_name))
		return refuse("'%s' must be \"meeting\", \"room\", \"other\" or \"all\"", "kind");
	int kind = !kind_name || strcmp(kind_name, "all") == 0 ? -1 : parley_analytics_kind_from_name(kind_name);
	if (kind_name && strcmp(kind_name, "all") != 0 && kind < 0)
		return refuse("'%s' must be \"meeting\", \"room\", \"other\" or \"all\"", "kind");
	int64_t size = parley_analytics_period_seconds(period);
	int64_t to = g_get_real_time() / G_USEC_PER_SEC;
	int64_t from = to - (period == ANALYTICS_PERIOD_HOUR ? 24 : 30) * size;
	if (!integer_member(request, "from", 0, G_MAXINT64 / 2, &from))
		return refuse("'%s' must be a unix time in seconds", "from");
	if (!integer_member(request, "to", 0, G_MAXINT64 / 2, &to))
		return refuse("'%s' must be a unix time in seconds", "to");
	from = parley_analytics_bucket_start(from, period);
	to = parley_analytics_bucket_start(to, period);
	if (to < from)
		return refuse("'%s' is before 'from'", "to");
	if ((to - from) / size >= MAX_POINTS)
		return json_pack("{s:s}", "error", "more than 2000 points: narrow from/to or use period \"day\"");
	analytics_state *a = &parley_analytics;
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(analytics_bucket));
	g_mutex_lock(&a->store_lock);
	parley_analytics_flush_locked();
	int rc = parley_analytics_store_series(a->store, period, from, to, kind, rows);
	g_mutex_unlock(&a->store_lock);
	json_t *points = json_array();
	for (guint i = 0; i < rows->len; i++) {
		const analytics_bucket *b = &g_array_index(rows, analytics_bucket, i);
		json_t *point = parley_analytics_rollup_to_json(&b->rollup);
		json_object_set_new(point, "start", json_integer(b->start));
		json_array_append_new(points, point);
	}
	g_array_free(rows, TRUE);
	if (rc != 0) {
		json_decref(points);
		return json_pack("{s:s}", "error", "the store could not be read");
	}
	return json_pack("{s:s, s:s, s:I, s:I, s:o}", "period", parley_analytics_period_name(period), "kind",
	                 kind < 0 ? "all" : parley_analytics_kind_name(kind), "from", (json_int_t)from, "to",
	                 (json_int_t)to, "points", points);
}

static json_t *on_rooms(json_t *request)
{
	int64_t limit = 100;
	if (!integer_member(request, "limit", 1, 1000, &limit))
		return refuse("'%s' must be a whole number from 1 to 1000", "limit");
	analytics_state *a = &parley_analytics;
	g_mutex_lock(&a->store_lock);
	parley_analytics_flush_locked();
	g_mutex_lock(&a->model_lock);
	json_t *live = parley_analytics_model_rooms_json(a->model, (unsigned)limit);
	g_mutex_unlock(&a->model_lock);
	json_t *finished = parley_analytics_store_rooms(a->store, NULL, NULL, (unsigned)limit);
	g_mutex_unlock(&a->store_lock);
	return json_pack("{s:o, s:o}", "live", live, "finished", finished);
}

static const struct {
	const char *name;
	json_t *(*answer)(json_t *request);
} requests[] = {
	{ "summary", on_summary },
	{ "room", on_room },
	{ "participant", on_participant },
	{ "series", on_series },
	{ "rooms", on_rooms },
};

json_t *parley_analytics_handle_request(json_t *request)
{
	analytics_state *a = &parley_analytics;
	const char *name = json_string_value(json_object_get(request, "request"));
	if (!json_is_object(request) || !name)
		return json_pack("{s:s}", "error", "'request' must name one of summary, room, participant, series, rooms");
	json_t *answer = NULL;
	g_rw_lock_reader_lock(&a->life);
	for (size_t i = 0; a->alive && i < G_N_ELEMENTS(requests); i++)
		if (strcmp(name, requests[i].name) == 0)
			answer = requests[i].answer(request);
	bool alive = a->alive;
	g_rw_lock_reader_unlock(&a->life);
	if (!alive)
		return json_pack("{s:s}", "error", "the analytics handler is stopping");
	if (!answer)
		return json_pack("{s:s}", "error", "unknown request: one of summary, room, participant, series, rooms");
	return answer;
}
