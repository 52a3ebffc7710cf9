/*
 * handlers/analytics/handler.c — parley.handler.analytics: the vtable,
 * settings (parley.handler.analytics.conf, WEBHOOK_URL / WEBHOOK_KEY),
 * start and stop, the bus callback (apply the event to the model, hand the
 * records to the store's queue and the notices to the sinks) and the store
 * thread that writes rollups and records every flush_interval seconds and
 * applies the retention once an hour.
 */
#include <string.h>
#include <curl/curl.h>
#include "analytics.h"
#include "sinks.h"
#include "util/setting.h"

#define LOG(level, ...) parley_analytics.core->log(level, PARLEY_ANALYTICS_PACKAGE, __VA_ARGS__)

analytics_state parley_analytics;

/* ---- settings ---- */

static const char *setting(const char *section, const char *key)
{
	const char *v = parley_analytics.core->config_get(PARLEY_ANALYTICS_PACKAGE, section, key);
	return v && *v ? v : NULL;
}

static const char *source_get(const void *context, const char *section, const char *key)
{
	(void)context;
	return setting(section, key);
}

static void source_warn(const void *context, const char *line)
{
	(void)context;
	LOG(PARLEY_LOG_WARN, "%s", line);
}

static const parley_util_setting_source config_source = { source_get, source_warn, NULL };

static unsigned read_uint(const char *section, const char *key, long fallback, long min, long max)
{
	return (unsigned)parley_util_setting_read_int(&config_source, section, key, fallback, min, max);
}

static void load_settings(analytics_settings *s)
{
	const char *path = setting("store", "db_path");
	const char *state = parley_analytics.core->state_dir ? parley_analytics.core->state_dir() : NULL;
	s->db_path = path ? g_strdup(path) : g_build_filename(state ? state : ".", "analytics.db", NULL);
	s->flush_interval_s = read_uint("store", "flush_interval", 10, 1, 3600);
	s->retention_days = read_uint("store", "retention_days", 30, 0, 36500);
	s->daily_retention_days = read_uint("store", "daily_retention_days", 400, 0, 36500);
	s->max_records = read_uint("limits", "max_records_queued", 10000, 10, 1000000);
	s->limits.max_rooms = read_uint("limits", "max_rooms", 10000, 1, 10000000);
	s->limits.max_participants = read_uint("limits", "max_participants", 100000, 1, 10000000);
	s->limits.max_pcs = read_uint("limits", "max_peerconnections", 100000, 1, 10000000);
	s->limits.max_distinct = read_uint("limits", "max_distinct_per_room", 10000, 1, 10000000);
}

/* [section] events = comma list, or NULL (all). */
static char **event_list(const char *section)
{
	const char *list = setting(section, "events");
	if (!list || strcmp(list, "all") == 0)
		return NULL;
	char **names = g_strsplit(list, ",", -1);
	for (char **n = names; *n; n++)
		g_strstrip(*n);
	return names;
}

static void sink_config(const char *section, analytics_sink_config *cfg, long queue, long batch, long initial,
                        long max)
{
	cfg->queue_size = read_uint(section, "queue_size", queue, 1, 1000000);
	cfg->batch_size = read_uint(section, "batch_size", batch, 1, 1000);
	cfg->retry_initial_ms = read_uint(section, "retry_initial_ms", initial, 10, 600000);
	cfg->retry_max_ms = read_uint(section, "retry_max_ms", max, 10, 3600000);
	cfg->shutdown_ms = read_uint(section, "shutdown_ms", 2000, 0, 60000);
	cfg->events = event_list(section);
}

static void add_sink(analytics_sink *sink, const char *what)
{
	if (!sink)
		return;
	parley_analytics.sinks[parley_analytics.n_sinks++] = sink;
	LOG(PARLEY_LOG_INFO, "forwarding events to %s", what);
}

static void start_sinks(void)
{
	char error[512] = "";
	const char *url = setting("webhook", "url");
	if (url) {
		analytics_sink_config cfg;
		sink_config("webhook", &cfg, 1000, 1, 500, 30000);
		analytics_sink *sink = parley_analytics_webhook_start(url, setting("webhook", "key"),
		                                                      read_uint("webhook", "timeout_ms", 5000, 100, 600000),
		                                                      &cfg, error, sizeof(error));
		g_strfreev(cfg.events);
		if (!sink)
			LOG(PARLEY_LOG_ERROR, "webhook not started: %s", error);
		else if (!setting("webhook", "key"))
			LOG(PARLEY_LOG_WARN, "[webhook] key is not set: webhook requests are not signed");
		add_sink(sink, url);
	}
	url = setting("redis_stream", "url");
	if (url) {
		analytics_sink_config cfg;
		sink_config("redis_stream", &cfg, 10000, 100, 250, 5000);
		const char *stream = setting("redis_stream", "stream");
		analytics_sink *sink = parley_analytics_redis_stream_start(
			url, stream, (long)read_uint("redis_stream", "maxlen", 10000, 1, 1000000000),
			read_uint("redis_stream", "timeout_ms", 2000, 100, 600000), &cfg, error, sizeof(error));
		g_strfreev(cfg.events);
		if (!sink)
			LOG(PARLEY_LOG_ERROR, "Redis stream not started: %s", error);
		add_sink(sink, "a Redis stream");
	}
}

/* ---- the store thread ---- */

void parley_analytics_flush_locked(void)
{
	analytics_state *a = &parley_analytics;
	if (!a->store)
		return;
	GArray *buckets = g_array_new(FALSE, FALSE, sizeof(analytics_bucket));
	g_mutex_lock(&a->model_lock);
	parley_analytics_model_take_pending(a->model, buckets);
	GPtrArray *records = a->records;
	a->records = g_ptr_array_new_with_free_func(parley_analytics_record_free);
	g_mutex_unlock(&a->model_lock);
	if (buckets->len == 0 && records->len == 0) {
		g_array_free(buckets, TRUE);
		g_ptr_array_unref(records);
		return;
	}
	int rc = parley_analytics_store_begin(a->store);
	for (guint i = 0; rc == 0 && i < buckets->len; i++) {
		const analytics_bucket *b = &g_array_index(buckets, analytics_bucket, i);
		rc = parley_analytics_store_add_rollup(a->store, ANALYTICS_PERIOD_HOUR, b->start, b->kind, &b->rollup);
		if (rc == 0)
			rc = parley_analytics_store_add_rollup(a->store, ANALYTICS_PERIOD_DAY,
			                                       parley_analytics_bucket_start(b->start, ANALYTICS_PERIOD_DAY),
			                                       b->kind, &b->rollup);
	}
	for (guint i = 0; rc == 0 && i < records->len; i++)
		rc = parley_analytics_store_add_record(a->store, records->pdata[i]);
	if (rc == 0)
		rc = parley_analytics_store_commit(a->store);
	a->flushes++;
	if (rc != 0) {
		a->flush_errors++;
		if (a->flush_errors == 1 || a->flush_errors % 100 == 0)
			LOG(PARLEY_LOG_ERROR, "cannot write to %s: %s (%" G_GUINT64_FORMAT " failed writes)",
			    a->settings.db_path, parley_analytics_store_error(a->store), a->flush_errors);
		parley_analytics_store_commit(a->store);   /* ends the transaction whatever happened */
	}
	g_array_free(buckets, TRUE);
	g_ptr_array_unref(records);
}

static void prune_locked(void)
{
	analytics_state *a = &parley_analytics;
	int n = parley_analytics_store_prune(a->store, g_get_real_time() / G_USEC_PER_SEC, a->settings.retention_days,
	                                     a->settings.daily_retention_days);
	if (n > 0)
		LOG(PARLEY_LOG_VERB, "retention: %d old rows deleted", n);
	else if (n < 0)
		LOG(PARLEY_LOG_WARN, "retention: %s", parley_analytics_store_error(a->store));
}

static gpointer store_thread(gpointer unused)
{
	analytics_state *a = &parley_analytics;
	gint64 next_prune = 0;
	g_mutex_lock(&a->wake_lock);
	while (!a->stopping) {
		gint64 until = g_get_monotonic_time() + (gint64)a->settings.flush_interval_s * G_USEC_PER_SEC;
		while (!a->stopping && g_cond_wait_until(&a->wake, &a->wake_lock, until))
			;
		g_mutex_unlock(&a->wake_lock);
		g_mutex_lock(&a->store_lock);
		parley_analytics_flush_locked();
		if (g_get_monotonic_time() >= next_prune) {
			prune_locked();
			next_prune = g_get_monotonic_time() + (gint64)3600 * G_USEC_PER_SEC;
		}
		g_mutex_unlock(&a->store_lock);
		g_mutex_lock(&a->wake_lock);
	}
	g_mutex_unlock(&a->wake_lock);
	return NULL;
}

/* ---- the bus ---- */

static void forward(const analytics_notice *n, const char *emitter, uint64_t sequence)
{
	analytics_state *a = &parley_analytics;
	char *uuid = g_uuid_string_random();
	char id[40] = "EV_";
	for (const char *p = uuid; *p && strlen(id) < sizeof(id) - 1; p++)
		if (*p != '-')
			strncat(id, p, 1);
	g_free(uuid);
	json_t *event = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "id", id, "event", n->name, "createdAt",
	                          (json_int_t)(n->ts_us / G_USEC_PER_SEC), "createdAtMs", (json_int_t)(n->ts_us / 1000),
	                          "sequence", (json_int_t)sequence, "emitter", emitter ? emitter : "parley");
	json_object_update(event, n->body);
	char *body = json_dumps(event, JSON_COMPACT);
	json_decref(event);
	if (!body)
		return;
	analytics_item *item = parley_analytics_item_new(id, n->name, body, sequence);
	free(body);
	for (unsigned i = 0; i < a->n_sinks; i++)
		if (parley_analytics_sink_wants(a->sinks[i], n->name))
			parley_analytics_sink_push(a->sinks[i], item);
	parley_analytics_item_free(item);
}

static void incoming_event(json_t *event)
{
	analytics_state *a = &parley_analytics;
	analytics_output out;
	parley_analytics_output_init(&out);
	g_mutex_lock(&a->model_lock);
	parley_analytics_model_apply(a->model, event, &out);
	for (guint i = 0; i < out.records->len; i++) {
		if (a->records->len >= a->settings.max_records) {
			a->records_dropped++;
			continue;
		}
		g_ptr_array_add(a->records, out.records->pdata[i]);
		out.records->pdata[i] = NULL;
	}
	uint64_t first = a->sequence + 1;
	a->sequence += out.notices->len;
	g_mutex_unlock(&a->model_lock);
	const char *emitter = json_string_value(json_object_get(event, "emitter"));
	for (guint i = 0; i < out.notices->len; i++)
		forward(out.notices->pdata[i], emitter, first + i);
	parley_analytics_output_clear(&out);
}

/* ---- lifetime ---- */

static int analytics_init(const parley_handler_core *core)
{
	analytics_state *a = &parley_analytics;
	memset(a, 0, sizeof(*a));
	a->core = core;
	a->started_us = g_get_real_time();
	load_settings(&a->settings);
	char error[512] = "";
	char *dir = g_path_get_dirname(a->settings.db_path);
	if (g_mkdir_with_parents(dir, 0750) != 0)
		LOG(PARLEY_LOG_WARN, "cannot create %s for the analytics database", dir);
	g_free(dir);
	a->store = parley_analytics_store_open(a->settings.db_path, error, sizeof(error));
	if (!a->store) {
		LOG(PARLEY_LOG_ERROR, "cannot open the analytics database %s", error);
		g_free(a->settings.db_path);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		LOG(PARLEY_LOG_ERROR, "libcurl could not be initialised");
		parley_analytics_store_close(a->store);
		g_free(a->settings.db_path);
		return -1;
	}
	g_mutex_init(&a->model_lock);
	g_mutex_init(&a->store_lock);
	g_mutex_init(&a->wake_lock);
	g_cond_init(&a->wake);
	a->model = parley_analytics_model_new(&a->settings.limits);
	a->records = g_ptr_array_new_with_free_func(parley_analytics_record_free);
	start_sinks();
	a->store_thread = g_thread_new("an-store", store_thread, NULL);
	a->alive = true;   /* `life` is zeroed static storage: a valid GRWLock without init */
	LOG(PARLEY_LOG_INFO, "analytics in %s (flush every %u s, retention %u days hourly, %u days daily)",
	    a->settings.db_path, a->settings.flush_interval_s, a->settings.retention_days,
	    a->settings.daily_retention_days);
	return 0;
}

static void analytics_destroy(void)
{
	analytics_state *a = &parley_analytics;
	g_rw_lock_writer_lock(&a->life);   /* waits for running queries; later ones see !alive */
	a->alive = false;
	g_rw_lock_writer_unlock(&a->life);
	g_mutex_lock(&a->wake_lock);
	a->stopping = true;
	g_cond_signal(&a->wake);
	g_mutex_unlock(&a->wake_lock);
	g_thread_join(a->store_thread);
	for (unsigned i = 0; i < a->n_sinks; i++)
		parley_analytics_sink_stop(a->sinks[i]);
	a->n_sinks = 0;
	g_mutex_lock(&a->store_lock);
	parley_analytics_flush_locked();
	parley_analytics_store_close(a->store);
	a->store = NULL;
	g_mutex_unlock(&a->store_lock);
	parley_analytics_model_free(a->model);
	g_ptr_array_unref(a->records);
	curl_global_cleanup();
	g_free(a->settings.db_path);
	g_cond_clear(&a->wake);
	g_mutex_clear(&a->wake_lock);
	g_mutex_clear(&a->store_lock);
	g_mutex_clear(&a->model_lock);
	g_rw_lock_clear(&a->life);
}

static const parley_env_override env_overrides[] = {
	{ "WEBHOOK_URL", "webhook", "url" },
	{ "WEBHOOK_KEY", "webhook", "key" },
	{ NULL },
};

static const parley_handler analytics_handler = {
	.api_version = PARLEY_HANDLER_API_VERSION,
	.struct_size = sizeof(parley_handler),
	.package = PARLEY_ANALYTICS_PACKAGE,
	.name = "Analytics",
	.description = "Meeting, room and media analytics (SQLite rollups), signed webhooks and a Redis stream",
	.author = "Parley",
	.version_string = PARLEY_VERSION_STRING,
	.version = PARLEY_VERSION,
	.events_mask = PARLEY_EVENT_HANDLE | PARLEY_EVENT_WEBRTC | PARLEY_EVENT_MEDIA | PARLEY_EVENT_PLUGIN |
	               PARLEY_EVENT_SESSION,
	.init = analytics_init,
	.destroy = analytics_destroy,
	.incoming_event = incoming_event,
	.handle_request = parley_analytics_handle_request,
	.metrics = parley_analytics_metrics,
	.env_overrides = env_overrides,
};

__attribute__((visibility("default"))) const parley_handler *parley_handler_entry(void)
{
	return &analytics_handler;
}
