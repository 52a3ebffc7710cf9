/*
 * plugins/meeting/context.c — the plugin's state around the logic:
 * configuration (every key read through core->config_get), the context
 * (store, database, chat history, rate limiter, attached handles), random ids, the clock
 * and the outbox that pushes events after the state lock is released.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "meeting.h"
#include "cluster.h"

#define LOG(ctx, level, ...) \
	do { if ((ctx)->core != NULL && (ctx)->core->log != NULL) \
		(ctx)->core->log(level, PARLEY_MEETING_PACKAGE, __VA_ARGS__); } while (0)

static const char *settings_get(const void *context, const char *section, const char *key)
{
	const parley_plugin_core *core = context;
	return core != NULL && core->config_get != NULL ? core->config_get(PARLEY_MEETING_PACKAGE, section, key) : NULL;
}

static void settings_warn(const void *context, const char *line)
{
	const parley_plugin_core *core = context;
	if (core != NULL && core->log != NULL)
		core->log(PARLEY_LOG_WARN, PARLEY_MEETING_PACKAGE, "%s", line);
}

parley_util_setting_source parley_meeting_config_source(const parley_plugin_core *core)
{
	return (parley_util_setting_source){settings_get, settings_warn, core};
}

/* An integer setting within [min, max], or the fallback (with a warning
 * when the value is set but unusable). */
static long conf_int(const parley_util_setting_source *settings, const char *section, const char *key,
                     long fallback, long min, long max)
{
	return parley_util_setting_read_int(settings, section, key, fallback, min, max);
}

static const char *conf_str(const parley_util_setting_source *settings, const char *section, const char *key)
{
	return settings->get(settings->context, section, key);
}

void parley_meeting_config_load(parley_meeting_config *cfg, const parley_plugin_core *core)
{
	memset(cfg, 0, sizeof(*cfg));
	const parley_util_setting_source source = parley_meeting_config_source(core), *settings = &source;
	cfg->max_participants_limit = (int)conf_int(settings, "general", "max_participants_limit", 1000, 1, 100000);
	cfg->default_max_participants = (int)conf_int(settings, "general", "max_participants",
	                                              PARLEY_MEETING_DEFAULT_MAX_PARTICIPANTS, 1,
	                                              cfg->max_participants_limit);
	cfg->meeting_ttl = conf_int(settings, "general", "meeting_ttl", 14400, 0, 31L * 86400);
	cfg->ttl_check_interval = (unsigned)conf_int(settings, "general", "ttl_check_interval", 30, 1, 3600);
	cfg->max_chat_length = (size_t)conf_int(settings, "general", "max_chat_length", 5000, 1, 1 << 20);
	cfg->max_body_size = (size_t)conf_int(settings, "http", "max_body_size", 65536, 256, 16 << 20);
	cfg->rate_limit = (unsigned)conf_int(settings, "http", "rate_limit", 100, 0, 1000000);
	const char *stats_handler = conf_str(settings, "general", "stats_handler");
	cfg->stats_handler = g_strdup(stats_handler != NULL ? stats_handler : "parley.handler.analytics");
	const char *db_path = conf_str(settings, "general", "db_path");
	const char *dir = core != NULL && core->state_dir != NULL ? core->state_dir() : NULL;
	if (db_path != NULL && db_path[0] != '\0')
		cfg->db_path = g_strdup(db_path);
	else
		cfg->db_path = g_build_filename(dir != NULL ? dir : ".", "meetings.db", NULL);
	/* the meetings' chat: in the chat plugin's store unless told otherwise */
	const char *chat_path = conf_str(settings, "chat", "db_path");
	if (chat_path != NULL && chat_path[0] != '\0')
		cfg->chat_db_path = g_strdup(chat_path);
	else
		cfg->chat_db_path = g_build_filename(dir != NULL ? dir : ".", "chat.db", NULL);
	cfg->chat_keep.count = (unsigned)conf_int(settings, "chat", "history", 1000, 0, 1000000);
	cfg->chat_keep.max_age_ms = conf_int(settings, "chat", "max_age", 0, 0, 100L * 365 * 86400) * 1000;
	if (cfg->chat_keep.count == 0 && cfg->chat_keep.max_age_ms > 0)
		cfg->chat_keep.count = 1000000; /* an age bound alone */
	parley_meeting_ice_config_init(&cfg->ice, conf_str(settings, "ice", "stun_servers"),
	                               conf_str(settings, "ice", "turn_server"),
	                               conf_str(settings, "ice", "turn_username"),
	                               conf_str(settings, "ice", "turn_password"),
	                               conf_str(settings, "ice", "turn_secret"),
	                               (unsigned)conf_int(settings, "ice", "turn_ttl",
	                                                  PARLEY_MEETING_TURN_TTL_DEFAULT, 60, 30L * 86400));
}

void parley_meeting_config_clear(parley_meeting_config *cfg)
{
	g_free(cfg->db_path);
	g_free(cfg->stats_handler);
	g_free(cfg->chat_db_path);
	parley_meeting_ice_config_clear(&cfg->ice);
	memset(cfg, 0, sizeof(*cfg));
}

int64_t parley_meeting_clock_now(void)
{
	return g_get_real_time() / 1000;
}

void parley_meeting_random_id(char *out, size_t length)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
	unsigned char bytes[64];
	if (length > sizeof(bytes))
		length = sizeof(bytes);
	if (getrandom(bytes, length, 0) != (ssize_t)length)
		for (size_t i = 0; i < length; i++)
			bytes[i] = (unsigned char)g_random_int();
	for (size_t i = 0; i < length; i++)
		out[i] = alphabet[bytes[i] & 63];
	out[length] = '\0';
}

parley_meeting_ctx *parley_meeting_ctx_new(const parley_plugin_core *core, const parley_plugin *plugin,
                                           parley_meeting_config *cfg, char **error)
{
	char *dir = g_path_get_dirname(cfg->db_path);
	if (strcmp(cfg->db_path, ":memory:") != 0 && g_mkdir_with_parents(dir, 0750) != 0) {
		if (error != NULL)
			*error = g_strdup_printf("cannot create %s: %s", dir, g_strerror(errno));
		g_free(dir);
		return NULL;
	}
	g_free(dir);
	parley_meeting_db *db = parley_meeting_db_open(cfg->db_path, error);
	if (db == NULL)
		return NULL;
	parley_chat_store *chat = NULL;
	if (parley_chat_retention_keeps(&cfg->chat_keep)) {
		parley_plugin_error chat_error = {0};
		chat = parley_chat_store_sqlite_open(cfg->chat_db_path, &chat_error);
		if (chat == NULL) {
			if (error != NULL)
				*error = g_strdup_printf("the chat history: %s", chat_error.reason);
			parley_meeting_db_close(db);
			return NULL;
		}
	}
	parley_meeting_ctx *ctx = g_new0(parley_meeting_ctx, 1);
	ctx->core = core;
	ctx->plugin = plugin;
	ctx->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	ctx->db = db;
	ctx->chat = chat;
	ctx->store = parley_meeting_store_memory_new();
	ctx->ratelimit = parley_meeting_ratelimit_new(ctx->cfg.rate_limit, 0);
	g_mutex_init(&ctx->lock);
	ctx->handles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	ctx->sessions = g_hash_table_new(g_direct_hash, g_direct_equal);
	ctx->now_ms = parley_meeting_clock_now;
	return ctx;
}

void parley_meeting_ctx_free(parley_meeting_ctx *ctx)
{
	if (ctx == NULL)
		return;
	g_hash_table_destroy(ctx->sessions);
	g_hash_table_destroy(ctx->handles);
	ctx->store->ops->destroy(ctx->store);
	parley_meeting_db_close(ctx->db);
	if (ctx->chat != NULL)
		ctx->chat->ops->close(ctx->chat);
	parley_meeting_ratelimit_free(ctx->ratelimit);
	parley_meeting_config_clear(&ctx->cfg);
	g_mutex_clear(&ctx->lock);
	g_free(ctx);
}

parley_meeting_handle *parley_meeting_handle_attach(parley_meeting_ctx *ctx, parley_plugin_session *session)
{
	parley_meeting_handle *h = g_new0(parley_meeting_handle, 1);
	h->session = session;
	g_mutex_lock(&ctx->lock);
	do {
		parley_meeting_random_id(h->peer_id, PARLEY_MEETING_PEER_ID_LEN);
		/* cluster mode: the peer id names the instance holding the connection */
		if (ctx->cluster != NULL)
			memcpy(h->peer_id, parley_meeting_cluster_instance(ctx->cluster), PARLEY_MEETING_INSTANCE_ID_LEN);
	} while (g_hash_table_contains(ctx->handles, h->peer_id));
	g_hash_table_insert(ctx->handles, h->peer_id, h);
	g_hash_table_insert(ctx->sessions, session, h);
	g_mutex_unlock(&ctx->lock);
	return h;
}

parley_meeting_handle *parley_meeting_handle_lock(parley_meeting_ctx *ctx, parley_plugin_session *session)
{
	g_mutex_lock(&ctx->lock);
	parley_meeting_handle *handle = g_hash_table_lookup(ctx->sessions, session);
	if (handle == NULL)
		g_mutex_unlock(&ctx->lock);
	return handle;
}

int parley_meeting_handle_detach(parley_meeting_ctx *ctx, parley_plugin_session *session)
{
	parley_meeting_handle *handle = parley_meeting_handle_lock(ctx, session);
	if (handle == NULL)
		return -1;
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	parley_meeting_participant *p = ctx->store->ops->get_by_peer(ctx->store, handle->peer_id);
	if (p != NULL) {
		LOG(ctx, PARLEY_LOG_VERB, "%s left %s (connection closed)", p->user_id, p->room_id);
		parley_meeting_leave_locked(ctx, &box, p, "disconnected");
		parley_meeting_participant_free(p);
	}
	g_hash_table_remove(ctx->sessions, session);
	g_hash_table_remove(ctx->handles, handle->peer_id); /* frees the handle */
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
	return 0;
}

json_t *parley_meeting_handle_query(parley_meeting_ctx *ctx, parley_plugin_session *session)
{
	json_t *info = NULL; /* new reference, returned */
	g_mutex_lock(&ctx->lock);
	parley_meeting_handle *handle = g_hash_table_lookup(ctx->sessions, session);
	if (handle != NULL) {
		parley_meeting_participant *p = ctx->store->ops->get_by_peer(ctx->store, handle->peer_id);
		info = json_pack("{s:s}", "peerId", handle->peer_id);
		if (p != NULL) {
			json_object_set_new(info, "roomId", json_string(p->room_id));
			json_object_set_new(info, "userId", json_string(p->user_id));
			json_object_set_new(info, "status", json_string(p->presence == PARLEY_MEETING_JOINED ?
			                                                "joined" : "waiting"));
		}
		parley_meeting_participant_free(p);
	}
	g_mutex_unlock(&ctx->lock);
	return info;
}

/* One queued event: for a local session, or (cluster mode) a message to
 * publish on another instance's or a meeting's channel. */
typedef struct outbox_item {
	parley_plugin_session *session; /* referenced with core->handle_ref; NULL for a channel item */
	char *transaction;
	json_t *message; /* owned */
	char *channel;   /* cluster channel (without prefix), or NULL */
	bool notify;     /* message goes to the event handlers (session may be NULL) */
} outbox_item;

static void queue_channel_new(parley_meeting_outbox *box, char *channel, json_t *message)
{
	outbox_item item = { .channel = channel, .message = message };
	g_array_append_val(box->items, item);
}

void parley_meeting_outbox_init(parley_meeting_outbox *box)
{
	box->items = g_array_new(FALSE, FALSE, sizeof(outbox_item));
}

void parley_meeting_outbox_emit_new(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                    const char *peer_id, const char *transaction,
                                    const char *name, json_t *payload)
{
	parley_meeting_handle *h = peer_id != NULL ? g_hash_table_lookup(ctx->handles, peer_id) : NULL;
	if (h == NULL && payload != NULL && ctx->cluster != NULL &&
	    strlen(peer_id) == PARLEY_MEETING_PEER_ID_LEN &&
	    strncmp(peer_id, parley_meeting_cluster_instance(ctx->cluster), PARLEY_MEETING_INSTANCE_ID_LEN) != 0) {
		/* a connection on another instance: through that instance's channel */
		queue_channel_new(box, g_strdup_printf("instance:%.8s", peer_id),
		                  json_pack("{s:s, s:s, s:s, s:s, s:o, s:s?}", "o",
		                            parley_meeting_cluster_instance(ctx->cluster), "k", "peer", "p", peer_id,
		                            "n", name, "d", payload, "t", transaction));
		return;
	}
	if (h == NULL || payload == NULL) {
		json_decref(payload);
		return;
	}
	if (ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(h->session);
	outbox_item item = {
		.session = h->session,
		.transaction = g_strdup(transaction),
		/* new reference owned by the item; steals payload */
		.message = json_pack("{s:s, s:o}", "event", name, "data", payload),
	};
	g_array_append_val(box->items, item);
}

void parley_meeting_outbox_deliver_local(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                         const char *room_id, const char *except_peer,
                                         const char *name, json_t *payload)
{
	if (room_id == NULL || name == NULL || payload == NULL)
		return;
	GPtrArray *members = ctx->store->ops->list(ctx->store, room_id, PARLEY_MEETING_JOINED);
	for (guint i = 0; i < members->len; i++) {
		parley_meeting_participant *p = members->pdata[i];
		if ((except_peer != NULL && p->peer_id != NULL && strcmp(p->peer_id, except_peer) == 0) ||
		    p->peer_id == NULL || !g_hash_table_contains(ctx->handles, p->peer_id))
			continue;
		parley_meeting_outbox_emit_new(ctx, box, p->peer_id, NULL, name, json_deep_copy(payload));
	}
	g_ptr_array_unref(members);
}

void parley_meeting_outbox_broadcast(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                     const char *room_id, const char *except_peer,
                                     const char *name, json_t *payload)
{
	if (ctx->cluster != NULL) {
		/* this instance's members now, every other instance through the meeting channel */
		parley_meeting_outbox_deliver_local(ctx, box, room_id, except_peer, name, payload);
		queue_channel_new(box, g_strdup_printf("meeting:%s", room_id),
		                  json_pack("{s:s, s:s, s:s, s:s?, s:s, s:O}", "o",
		                            parley_meeting_cluster_instance(ctx->cluster), "k", "room", "r", room_id,
		                            "x", except_peer, "n", name, "d", payload));
		return;
	}
	GPtrArray *members = ctx->store->ops->list(ctx->store, room_id, PARLEY_MEETING_JOINED);
	for (guint i = 0; i < members->len; i++) {
		parley_meeting_participant *p = members->pdata[i];
		if (except_peer != NULL && p->peer_id != NULL && strcmp(p->peer_id, except_peer) == 0)
			continue;
		/* each recipient gets its own copy, stolen by emit_new */
		parley_meeting_outbox_emit_new(ctx, box, p->peer_id, NULL, name, json_deep_copy(payload));
	}
	g_ptr_array_unref(members);
}

void parley_meeting_outbox_notify_new(parley_meeting_ctx *ctx, parley_meeting_outbox *box, const char *peer_id,
                                      json_t *data)
{
	if (data == NULL)
		return;
	if (ctx->core->notify_event == NULL || ctx->core->events_enabled == NULL || !ctx->core->events_enabled()) {
		json_decref(data);
		return;
	}
	parley_meeting_handle *h = peer_id != NULL ? g_hash_table_lookup(ctx->handles, peer_id) : NULL;
	outbox_item item = { .session = h != NULL ? h->session : NULL, .message = data, .notify = true };
	if (item.session != NULL && ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(item.session);
	g_array_append_val(box->items, item);
}

void parley_meeting_outbox_error(parley_meeting_ctx *ctx, parley_meeting_outbox *box,
                                 const char *peer_id, const char *transaction, const char *error)
{
	parley_meeting_outbox_emit_new(ctx, box, peer_id, transaction, "meeting-error",
	                               json_pack("{s:s}", "error", error));
}

bool parley_meeting_outbox_has_error(const parley_meeting_outbox *box, const char *transaction)
{
	for (guint i = 0; i < box->items->len; i++) {
		const outbox_item *item = &g_array_index(box->items, outbox_item, i);
		const char *event = json_string_value(json_object_get(item->message, "event"));
		if (item->session != NULL && !item->notify && g_strcmp0(item->transaction, transaction) == 0 && event != NULL &&
		    strcmp(event, "meeting-error") == 0)
			return true;
	}
	return false;
}

void parley_meeting_outbox_flush(parley_meeting_ctx *ctx, parley_meeting_outbox *box)
{
	for (guint i = 0; i < box->items->len; i++) {
		outbox_item *item = &g_array_index(box->items, outbox_item, i);
		if (item->channel != NULL) {
			if (ctx->cluster != NULL && item->message != NULL)
				parley_meeting_cluster_publish(ctx->cluster, item->channel, item->message);
			json_decref(item->message);
			g_free(item->channel);
			continue;
		}
		if (item->notify)
			ctx->core->notify_event(ctx->plugin, item->session, item->message);
		else if (ctx->core->push_event != NULL)
			ctx->core->push_event(item->session, ctx->plugin, item->transaction, item->message, NULL);
		if (item->session != NULL && ctx->core->handle_unref != NULL)
			ctx->core->handle_unref(item->session);
		json_decref(item->message);
		g_free(item->transaction);
	}
	g_array_free(box->items, TRUE);
	box->items = NULL;
}
