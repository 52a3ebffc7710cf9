/*
 * transports/redis/redis.c — the Redis transport (parley.transport.redis):
 * the module vtable, its configuration ([general] keys, REDIS_URL and
 * REDIS_KEY_PREFIX arrive through the core's config), the start-up check
 * (Redis unreachable: one error line and the module refuses to load, unless
 * start_without_redis), the loop thread with its own GMainContext, the
 * one-second housekeeping tick (claim passes, session key refresh, idle
 * reply_to conns), the orderly stop and query_transport.
 * Requests in: streams.c; answers and events out: clients.c; the hiredis
 * connections: link.c.
 */
#include "redis.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/setting.h"

rd_state parley_rd;

/* ---- configuration ------------------------------------------------------------ */

static const char *conf(const char *key)
{
	return parley_rd.core->config_get(RD_PACKAGE, "general", key);
}

static char *conf_string(const char *key, const char *fallback)
{
	const char *value = conf(key);
	return g_strdup(value != NULL && *value ? value : fallback);
}

static const char *source_get(const void *context, const char *section, const char *key)
{
	return parley_rd.core->config_get(RD_PACKAGE, section, key);
}

static void source_warn(const void *context, const char *line)
{
	RD_LOG(PARLEY_LOG_WARN, "%s", line);
}

static const parley_util_setting_source settings = { source_get, source_warn, NULL };

static long conf_long(const char *key, long fallback, long min, long max)
{
	return parley_util_setting_read_int(&settings, "general", key, fallback, min, max);
}

static bool conf_bool(const char *key, bool fallback)
{
	return parley_util_setting_read_bool(&settings, "general", key, fallback);
}

static int read_config(void)
{
	parley_rd.url_text = conf_string("url", "redis://127.0.0.1:6379");
	char error[160];
	if (parley_util_redis_url_parse(parley_rd.url_text, &parley_rd.url, error, sizeof(error)) != 0) {
		RD_LOG(PARLEY_LOG_ERROR,
		       "[general] url (REDIS_URL) is not a Redis URL: %s; the Redis transport is not loaded", error);
		return -1;
	}
	parley_rd.prefix = conf_string("key_prefix", "parley:");
	char *fallback_id = g_strdup_printf("%s:%ld", g_get_host_name(), (long)getpid());
	parley_rd.instance_id = conf_string("instance_id", fallback_id);
	g_free(fallback_id);
	parley_rd.group = conf_string("group", "gateways");
	const char *reply_prefix = conf("reply_prefix");
	parley_rd.reply_prefix = g_strdup(reply_prefix != NULL ? reply_prefix : parley_rd.prefix);
	parley_rd.start_without_redis = conf_bool("start_without_redis", false);
	parley_rd.admin_enabled = conf_bool("admin_enabled", true);
	parley_rd.block_ms = conf_long("block_ms", 2000, 10, 60000);
	parley_rd.read_count = conf_long("read_count", 32, 1, 10000);
	parley_rd.max_inflight = conf_long("max_inflight", 256, 1, 100000);
	parley_rd.max_queue = conf_long("max_queue", 10000, 1, 10000000);
	parley_rd.reply_maxlen = conf_long("reply_maxlen", 1000, 1, 100000000);
	parley_rd.session_ttl = conf_long("session_ttl", 90, 3, 86400 * 30);
	parley_rd.claim_idle_ms = conf_long("claim_idle_ms", 30000, 100, 86400000);
	parley_rd.claim_interval = conf_long("claim_interval", 10, 1, 86400);
	parley_rd.reconnect_min_ms = conf_long("reconnect_min_ms", 100, 10, 600000);
	parley_rd.reconnect_max_ms = conf_long("reconnect_max_ms", 5000, parley_rd.reconnect_min_ms, 600000);
	parley_rd.max_clients = conf_long("max_clients", 1024, 1, 1000000);
	parley_rd.client_idle = conf_long("client_idle", 120, 1, 86400 * 30);
	parley_rd.connect_timeout_ms = conf_long("connect_timeout_ms", 2000, 10, 600000);
	long core_max = 262144; /* the core warns about its own unusable value */
	parley_util_setting_int(parley_rd.core->config_get("parley", "limits", "max_message_size"), 1, LONG_MAX,
	                        &core_max);
	parley_rd.max_message = (size_t)conf_long("max_message_size", core_max, 64, 1L << 30);
	parley_rd.key_requests = g_strdup_printf("%srequests", parley_rd.prefix);
	parley_rd.key_admin = g_strdup_printf("%sadmin", parley_rd.prefix);
	parley_rd.key_instance = parley_redis_instance_stream(parley_rd.prefix, parley_rd.instance_id);
	return 0;
}

static void free_config(void)
{
	g_free(parley_rd.url_text);
	parley_util_redis_url_clear(&parley_rd.url);
	g_free(parley_rd.prefix);
	g_free(parley_rd.instance_id);
	g_free(parley_rd.group);
	g_free(parley_rd.reply_prefix);
	g_free(parley_rd.key_requests);
	g_free(parley_rd.key_admin);
	g_free(parley_rd.key_instance);
}

/* ---- the loop thread ---------------------------------------------------------------- */

void parley_rd_on_loop(GSourceFunc fn, void *data)
{
	GSource *source = g_idle_source_new();
	g_source_set_callback(source, fn, data, NULL);
	g_source_attach(source, parley_rd.context);
	g_source_unref(source);
}

static gboolean on_tick(gpointer data)
{
	static guint64 seconds;
	seconds++;
	if (seconds % (guint64)parley_rd.claim_interval == 0)
		parley_rd_streams_claim();
	if (seconds % (guint64)MAX(1, parley_rd.session_ttl / 3) == 0)
		parley_rd_sessions_refresh();
	if (seconds % 5 == 0)
		parley_rd_clients_sweep();
	parley_rd_streams_read();
	return G_SOURCE_CONTINUE;
}

static gboolean on_start(gpointer data)
{
	parley_rd_link_start();
	GSource *tick = g_timeout_source_new_seconds(1);
	g_source_set_callback(tick, on_tick, NULL, NULL);
	g_source_attach(tick, parley_rd.context);
	g_source_unref(tick);
	return G_SOURCE_REMOVE;
}

static gpointer loop_thread(gpointer data)
{
	g_main_context_push_thread_default(parley_rd.context);
	g_main_loop_run(parley_rd.loop);
	g_main_context_pop_thread_default(parley_rd.context);
	return NULL;
}

/* Stopping: the reader goes at once, the writer gets up to a second to
 * flush what is queued (session keys being deleted, last answers). */
static gint64 stop_deadline;

static gboolean on_stop_poll(gpointer data)
{
	if (parley_rd.writer.ac == NULL || g_get_monotonic_time() > stop_deadline) {
		parley_rd_link_stop();
		g_main_loop_quit(parley_rd.loop);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_stop(gpointer data)
{
	parley_rd_ops_run();
	stop_deadline = g_get_monotonic_time() + G_USEC_PER_SEC;
	if (parley_rd.read_retry_timer != NULL) {
		g_source_destroy(parley_rd.read_retry_timer);
		g_source_unref(parley_rd.read_retry_timer);
		parley_rd.read_retry_timer = NULL;
	}
	if (parley_rd.reader.ac != NULL) {
		redisAsyncContext *reader = parley_rd.reader.ac;
		parley_rd.reader.ac = NULL;
		parley_rd.reader.ready = false;
		redisAsyncFree(reader);
	}
	if (parley_rd.writer.ac != NULL)
		redisAsyncDisconnect(parley_rd.writer.ac);
	GSource *poll = g_timeout_source_new(10);
	g_source_set_callback(poll, on_stop_poll, NULL, NULL);
	g_source_attach(poll, parley_rd.context);
	g_source_unref(poll);
	return G_SOURCE_REMOVE;
}

/* ---- life cycle -------------------------------------------------------------------------- */

static void rd_destroy(void);

static int rd_init(const parley_transport_core *core)
{
	if (core == NULL || core->api_version != PARLEY_TRANSPORT_API_VERSION ||
	    core->struct_size < sizeof(parley_transport_core))
		return -1;
	memset(&parley_rd, 0, sizeof(parley_rd));
	parley_rd.core = core;
	if (read_config() != 0) {
		free_config();
		parley_rd.core = NULL;
		return -1;
	}
	char error[256];
	if (parley_rd_link_probe(error, sizeof(error)) != 0) {
		if (!parley_rd.start_without_redis) {
			RD_LOG(PARLEY_LOG_ERROR,
			       "cannot reach Redis at %s:%d (%s): the Redis transport is not loaded "
			       "(set [general] start_without_redis = true to start and keep retrying)",
			       parley_rd.url.host, parley_rd.url.port, error);
			free_config();
			parley_rd.core = NULL;
			return -1;
		}
		RD_LOG(PARLEY_LOG_WARN, "cannot reach Redis at %s:%d (%s): starting anyway, retrying in the background",
		       parley_rd.url.host, parley_rd.url.port, error);
	}
	g_mutex_init(&parley_rd.lock);
	g_queue_init(&parley_rd.ops);
	g_queue_init(&parley_rd.backlog);
	parley_rd.pending = g_hash_table_new(g_str_hash, g_str_equal);
	parley_rd.clients = g_hash_table_new(g_str_hash, g_str_equal);
	parley_rd.sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	parley_rd.context = g_main_context_new();
	parley_rd.loop = g_main_loop_new(parley_rd.context, FALSE);
	parley_rd_on_loop(on_start, NULL);
	parley_rd.thread = g_thread_new("parley-redis", loop_thread, NULL);
	RD_LOG(PARLEY_LOG_INFO, "Redis transport started: %s, key prefix %s, instance %s", parley_rd.url_text,
	       parley_rd.prefix, parley_rd.instance_id);
	return 0;
}

static void rd_destroy(void)
{
	if (parley_rd.core == NULL || parley_rd.thread == NULL)
		return;
	g_atomic_int_set(&parley_rd.stopping, 1);
	parley_rd_on_loop(on_stop, NULL);
	g_thread_join(parley_rd.thread);
	parley_rd.thread = NULL;
	parley_rd_link_stop();
	parley_rd_clients_destroy();
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init(&iter, parley_rd.pending);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		parley_rd_ctx_free(value);
	g_hash_table_destroy(parley_rd.pending);
	g_hash_table_destroy(parley_rd.clients);
	g_hash_table_destroy(parley_rd.sessions);
	g_main_loop_unref(parley_rd.loop);
	g_main_context_unref(parley_rd.context);
	parley_rd.context = NULL;
	g_mutex_clear(&parley_rd.lock);
	free_config();
	parley_rd.core = NULL;
}

static bool rd_janus_enabled(void)
{
	return parley_rd.thread != NULL;
}

static bool rd_admin_enabled(void)
{
	return parley_rd.thread != NULL && parley_rd.admin_enabled;
}

#define COUNTER(name) (json_int_t) __atomic_load_n(&parley_rd.name, __ATOMIC_RELAXED)

static json_t *rd_query_transport(json_t *request)
{
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	                 "connected", g_atomic_int_get(&parley_rd.online) != 0, "host", parley_rd.url.host,
	                 "key_prefix", parley_rd.prefix, "instance_id", parley_rd.instance_id, "group", parley_rd.group,
	                 "requests_stream", parley_rd.key_requests, "admin_stream",
	                 parley_rd.admin_enabled ? parley_rd.key_admin : NULL, "port", (json_int_t)parley_rd.url.port,
	                 "requests_in", COUNTER(requests_in), "replies_out", COUNTER(replies_out), "events_out",
	                 COUNTER(events_out), "forwarded", COUNTER(forwarded), "claimed", COUNTER(claimed), "dropped",
	                 COUNTER(dropped), "reconnects", COUNTER(reconnects), "max_inflight",
	                 (json_int_t)parley_rd.max_inflight);
}

/* The environment variables of this transport's settings (the meeting
 * plugin reads the same two for its cluster mode). */
static const parley_env_override rd_env_overrides[] = {
	{ "REDIS_URL", "general", "url" },
	{ "REDIS_KEY_PREFIX", "general", "key_prefix" },
	{ NULL },
};

const parley_transport parley_rd_transport = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = RD_PACKAGE,
	.name = "redis",
	.description = "Janus and admin API requests through Redis streams; answers and events back through Redis",
	.author = "Parley",
	.version_string = PARLEY_VERSION_STRING,
	.version = PARLEY_VERSION,
	.init = rd_init,
	.destroy = rd_destroy,
	.is_janus_api_enabled = rd_janus_enabled,
	.is_admin_api_enabled = rd_admin_enabled,
	.send_message = parley_rd_send_message,
	.session_created = parley_rd_session_created,
	.session_over = parley_rd_session_over,
	.query_transport = rd_query_transport,
	.env_overrides = rd_env_overrides,
};

__attribute__((visibility("default"))) const parley_transport *parley_transport_entry(void)
{
	return &parley_rd_transport;
}
