/*
 * plugins/chat/context.c — the chat plugin's context: the store opened and
 * the rooms made at start (the file's, then the store's permanent ones:
 * one the API edited permanently replaces the file's settings), the
 * attached handles and what happens to their rooms when they go (detach)
 * or lose their data channels (hangup), the admin and /health views, and
 * the age trimming of every room's history.
 */
#include <string.h>

#include "chat.h"

int64_t parley_chat_clock_now(void)
{
	return g_get_real_time() / 1000;
}

static void handle_free(void *data)
{
	parley_chat_handle *handle = data;
	g_hash_table_destroy(handle->rooms);
	parley_chat_pump_close(handle->pump);
	parley_chat_pump_unref(handle->pump);
	g_free(handle);
}

/* A room id of the file or the store ("1234"), or 0. */
static guint64 parse_room_id(const char *text)
{
	char *end = NULL;
	guint64 id = g_ascii_strtoull(text, &end, 10);
	return end != NULL && *end == '\0' && text[0] != '\0' && text[0] != '0' ? id : 0;
}

static void load_rooms(parley_chat_ctx *ctx)
{
	const char *key;
	json_t *settings;
	json_object_foreach(ctx->cfg.rooms, key, settings) {
		parley_plugin_error error = {0};
		parley_chat_room *room = parley_chat_room_new(ctx, parse_room_id(key), settings, PARLEY_CHAT_ORIGIN_CONFIG,
		                                              &error);
		if (room == NULL)
			ctx->core->log(PARLEY_LOG_WARN, PARLEY_CHAT_PACKAGE, "[room-%s]: %s: skipped", key, error.reason);
		else
			parley_chat_room_add(ctx, room);
	}
	json_t *saved = ctx->store->ops->rooms(ctx->store); /* new, dropped below */
	json_object_foreach(saved, key, settings) {
		parley_plugin_error error = {0};
		guint64 id = parse_room_id(key);
		if (id == 0)
			continue; /* another plugin's room key */
		parley_chat_room *room = parley_chat_room_find(ctx, id);
		/* a room of the file edited permanently: the saved settings win */
		parley_chat_origin origin = room != NULL ? PARLEY_CHAT_ORIGIN_CONFIG : PARLEY_CHAT_ORIGIN_API;
		parley_chat_room *saved_room = parley_chat_room_new(ctx, id, settings, origin, &error);
		if (saved_room != NULL && room != NULL)
			parley_chat_room_remove(ctx, room);
		room = saved_room;
		if (room == NULL) {
			ctx->core->log(PARLEY_LOG_WARN, PARLEY_CHAT_PACKAGE, "saved room %s: %s: skipped", key, error.reason);
			continue;
		}
		room->permanent = true;
		parley_chat_room_add(ctx, room);
	}
	json_decref(saved);
}

parley_chat_ctx *parley_chat_ctx_new(const parley_plugin_core *core, const parley_plugin *plugin,
                                     parley_chat_config *cfg, parley_plugin_error *error)
{
	parley_chat_store *store = parley_chat_store_sqlite_open_limited(cfg->db_path, &cfg->store, error);
	if (store == NULL) {
		parley_chat_config_clear(cfg);
		return NULL;
	}
	parley_chat_ctx *ctx = g_new0(parley_chat_ctx, 1);
	ctx->core = core;
	ctx->plugin = plugin;
	ctx->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	ctx->store = store;
	g_mutex_init(&ctx->lock);
	ctx->rooms = g_hash_table_new(g_int64_hash, g_int64_equal) /* rooms go by parley_chat_room_remove */;
	ctx->handles = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, handle_free);
	ctx->now_ms = parley_chat_clock_now;
	load_rooms(ctx);
	return ctx;
}

void parley_chat_ctx_free(parley_chat_ctx *ctx)
{
	if (ctx == NULL)
		return;
	GList *rooms = g_hash_table_get_values(ctx->rooms);
	for (GList *l = rooms; l != NULL; l = l->next)
		parley_chat_room_remove(ctx, l->data);
	g_list_free(rooms);
	g_hash_table_destroy(ctx->rooms);
	g_hash_table_destroy(ctx->handles);
	ctx->store->ops->close(ctx->store);
	parley_chat_config_clear(&ctx->cfg);
	g_mutex_clear(&ctx->lock);
	g_free(ctx);
}

parley_chat_handle *parley_chat_handle_attach(parley_chat_ctx *ctx, parley_plugin_session *session)
{
	parley_chat_handle *handle = g_new0(parley_chat_handle, 1);
	handle->session = session;
	handle->rooms = g_hash_table_new(g_int64_hash, g_int64_equal);
	handle->pump = parley_chat_pump_new(ctx->core, session, &ctx->cfg);
	g_mutex_lock(&ctx->lock);
	g_hash_table_insert(ctx->handles, session, handle);
	g_mutex_unlock(&ctx->lock);
	return handle;
}

/* The handle leaves its rooms (those joined by `via`, or all when `all`):
 * the others get "leave"; the handle itself hears nothing more. */
static void leave_rooms_locked(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_handle *handle, bool all,
                               parley_chat_via via)
{
	GPtrArray *leaving = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, handle->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		parley_chat_participant *p = value;
		if (all || p->via == via)
			g_ptr_array_add(leaving, p);
	}
	for (guint i = 0; i < leaving->len; i++) {
		parley_chat_participant *p = leaving->pdata[i];
		json_t *event = json_pack("{s:s, s:I, s:s}", "textroom", "leave", "room", (json_int_t)p->room->id, "username",
		                          p->username);
		parley_chat_outbox_broadcast(ctx, box, p->room, p, event);
		json_decref(event);
		parley_chat_outbox_notify(ctx, box, handle, "leave", p->room, json_pack("{s:s}", "username", p->username));
		parley_chat_participant_remove(ctx, p);
	}
	g_ptr_array_unref(leaving);
}

int parley_chat_handle_detach(parley_chat_ctx *ctx, parley_plugin_session *session)
{
	parley_chat_outbox box;
	parley_chat_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	parley_chat_handle *handle = g_hash_table_lookup(ctx->handles, session);
	if (handle != NULL) {
		leave_rooms_locked(ctx, &box, handle, true, PARLEY_CHAT_VIA_DATA);
		parley_chat_pump_close(handle->pump);
		g_hash_table_remove(ctx->handles, session);
	}
	g_mutex_unlock(&ctx->lock);
	parley_chat_outbox_flush(ctx, &box);
	parley_chat_outbox_clear(&box);
	return handle != NULL ? 0 : -1;
}

void parley_chat_handle_hangup(parley_chat_ctx *ctx, parley_plugin_session *session)
{
	parley_chat_outbox box;
	parley_chat_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	parley_chat_handle *handle = g_hash_table_lookup(ctx->handles, session);
	if (handle != NULL) {
		leave_rooms_locked(ctx, &box, handle, false, PARLEY_CHAT_VIA_DATA);
		handle->setup = false;
		handle->writable = false;
		parley_chat_pump_close(handle->pump);
	}
	g_mutex_unlock(&ctx->lock);
	parley_chat_outbox_flush(ctx, &box);
	parley_chat_outbox_clear(&box);
}

void parley_chat_handle_writable(parley_chat_ctx *ctx, parley_plugin_session *session)
{
	g_mutex_lock(&ctx->lock);
	parley_chat_handle *handle = g_hash_table_lookup(ctx->handles, session);
	parley_chat_pump *pump = NULL;
	if (handle != NULL) {
		if (!handle->writable)
			parley_chat_pump_reopen(handle->pump);
		handle->writable = true;
		pump = parley_chat_pump_ref(handle->pump);
	}
	g_mutex_unlock(&ctx->lock);
	if (pump != NULL) {
		parley_chat_pump_resume(pump);
		parley_chat_pump_unref(pump);
	}
}

json_t *parley_chat_handle_query(parley_chat_ctx *ctx, parley_plugin_session *session)
{
	json_t *info = NULL;
	g_mutex_lock(&ctx->lock);
	parley_chat_handle *handle = g_hash_table_lookup(ctx->handles, session);
	if (handle != NULL) {
		json_t *rooms = json_array();
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, handle->rooms);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			parley_chat_participant *p = value;
			json_t *view = parley_chat_participant_view(p);
			json_object_set_new(view, "room", json_integer((json_int_t)p->room->id));
			json_object_set_new(view, "via", json_string(p->via == PARLEY_CHAT_VIA_DATA ? "datachannel" : "api"));
			json_array_append_new(rooms, view);
		}
		info = json_pack("{s:b, s:b, s:I, s:o, s:o}", "setup", handle->setup, "writable", handle->writable,
		                 "requests", (json_int_t)handle->requests, "rooms", rooms, "send_queue",
		                 parley_chat_pump_info(handle->pump));
	}
	g_mutex_unlock(&ctx->lock);
	return info;
}

json_t *parley_chat_status(parley_chat_ctx *ctx)
{
	g_mutex_lock(&ctx->lock);
	json_int_t participants = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value))
		participants += g_hash_table_size(((parley_chat_room *)value)->participants);
	json_t *status = json_pack("{s:I, s:I, s:I}", "chatRooms", (json_int_t)g_hash_table_size(ctx->rooms),
	                           "chatParticipants", participants, "chatMessages", (json_int_t)ctx->messages);
	g_mutex_unlock(&ctx->lock);
	return status;
}

typedef struct aging_room {
	char key[24];
	parley_chat_retention keep;
} aging_room;

void parley_chat_purge_old(parley_chat_ctx *ctx)
{
	GArray *aging = g_array_new(FALSE, FALSE, sizeof(aging_room));
	g_mutex_lock(&ctx->lock);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		parley_chat_room *room = value;
		if (room->keep.max_age_ms > 0) {
			aging_room a = { .keep = room->keep };
			memcpy(a.key, room->key, sizeof(a.key));
			g_array_append_val(aging, a);
		}
	}
	int64_t now = ctx->now_ms();
	g_mutex_unlock(&ctx->lock);
	for (guint i = 0; i < aging->len; i++) {
		aging_room *a = &g_array_index(aging, aging_room, i);
		ctx->store->ops->trim(ctx->store, a->key, &a->keep, now);
	}
	g_array_unref(aging);
}
