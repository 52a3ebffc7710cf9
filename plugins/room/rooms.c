/*
 * plugins/room/rooms.c — the plugin context and rooms: creation (API,
 * config file, implicit on join), lookup, closing (everyone gets
 * roomClosed), random ids, the clock, and the outbox that carries events
 * out of ctx->lock (each queued event holds a handle_ref until pushed).
 */
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include "room.h"
#include "util/setting.h"

typedef struct outbox_item {
	parley_plugin_session *session; /* handle_ref held; may be NULL for a notification */
	json_t *message;                /* owned: {"event":name,"data":payload} */
	json_t *jsep;                   /* owned, may be NULL */
	char *transaction;              /* owned, may be NULL */
	bool notify;                    /* message goes to the event handlers */
} outbox_item;

typedef struct outbox_action {
	parley_plugin_session *session; /* handle_ref held */
	room_action_kind kind;
	int mindex;
	char *room_id;                  /* ROOM_ACTION_SHARE_LOOP's (owned) */
} outbox_action;

int64_t parley_room_clock_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

int64_t parley_room_clock_us(void)
{
	return g_get_monotonic_time();
}

void parley_room_random_id(char *out, size_t length)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t bytes[64];
	if (length > sizeof(bytes))
		length = sizeof(bytes);
	if (getrandom(bytes, length, 0) != (ssize_t)length)
		for (size_t i = 0; i < length; i++)
			bytes[i] = (uint8_t)g_random_int();
	for (size_t i = 0; i < length; i++)
		out[i] = alphabet[bytes[i] % (sizeof(alphabet) - 1)];
	out[length] = '\0';
}

uint32_t parley_room_random_u32(void)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = g_random_int();
	return v != 0 ? v : 1;
}

static void room_free(gpointer data)
{
	room_room *room = data;
	g_hash_table_destroy(room->peers);
	g_hash_table_destroy(room->viewers);
	json_decref(room->metadata);
	g_free(room->id);
	g_free(room);
}

room_ctx *parley_room_ctx_new(const parley_plugin_core *core, const parley_plugin *plugin, room_config *cfg)
{
	room_ctx *ctx = g_new0(room_ctx, 1);
	ctx->core = core;
	ctx->plugin = plugin;
	ctx->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	g_mutex_init(&ctx->lock);
	ctx->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_free);
	ctx->handles = g_hash_table_new(g_direct_hash, g_direct_equal);
	ctx->producers = g_hash_table_new(g_str_hash, g_str_equal);
	ctx->consumers = g_hash_table_new(g_str_hash, g_str_equal);
	ctx->now_ms = parley_room_clock_ms;
	ctx->now_us = parley_room_clock_us;
	return ctx;
}

void parley_room_ctx_free(room_ctx *ctx)
{
	if (ctx == NULL)
		return;
	room_outbox box;
	parley_room_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	GList *rooms = g_hash_table_get_values(ctx->rooms);
	for (GList *l = rooms; l != NULL; l = l->next)
		parley_room_close_locked(ctx, &box, l->data, "shutdown");
	g_list_free(rooms);
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	/* handles still attached (the core destroys them after the plugin on shutdown) */
	GList *sessions = g_hash_table_get_keys(ctx->handles);
	for (GList *l = sessions; l != NULL; l = l->next)
		parley_room_handle_detach(ctx, l->data);
	g_list_free(sessions);
	g_hash_table_destroy(ctx->rooms);
	g_hash_table_destroy(ctx->handles);
	g_hash_table_destroy(ctx->producers);
	g_hash_table_destroy(ctx->consumers);
	g_mutex_clear(&ctx->lock);
	parley_room_config_clear(&ctx->cfg);
	g_free(ctx);
}

/* A client-chosen id: 1..ROOM_MAX_ID of [A-Za-z0-9_-]. */
static bool id_is_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > ROOM_MAX_ID)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(id[i]) && id[i] != '-' && id[i] != '_')
			return false;
	return true;
}

room_room *parley_room_lookup_locked(room_ctx *ctx, const char *id)
{
	return id != NULL ? g_hash_table_lookup(ctx->rooms, id) : NULL;
}

room_room *parley_room_create_locked(room_ctx *ctx, const char *id, json_t *metadata, int max_participants,
                                     room_origin origin, parley_plugin_error *error)
{
	char generated[ROOM_ID_LEN + 1];
	if (id != NULL && !id_is_valid(id)) {
		parley_plugin_error_set(error, ROOM_ERR_INVALID,
		                        "roomId must be 1-64 characters of letters, digits, '-' and '_'");
		return NULL;
	}
	if (max_participants < 0 || max_participants > ctx->cfg.max_participants_limit) {
		parley_plugin_error_set(error, ROOM_ERR_INVALID, "maxParticipants is out of range");
		return NULL;
	}
	if (id != NULL && g_hash_table_contains(ctx->rooms, id)) {
		parley_plugin_error_set(error, ROOM_ERR_CONFLICT, "a room with this id exists");
		return NULL;
	}
	if ((int)g_hash_table_size(ctx->rooms) >= ctx->cfg.max_rooms) {
		parley_plugin_error_set(error, ROOM_ERR_FULL, "too many rooms");
		return NULL;
	}
	if (id == NULL) {
		do
			parley_room_random_id(generated, ROOM_ID_LEN);
		while (g_hash_table_contains(ctx->rooms, generated));
		id = generated;
	}
	room_room *room = g_new0(room_room, 1);
	room->id = g_strdup(id);
	room->metadata = metadata != NULL ? json_deep_copy(metadata) : json_object();
	room->max_participants = max_participants > 0 ? max_participants : ctx->cfg.max_participants;
	room->origin = origin;
	room->created_ms = ctx->now_ms();
	room->empty_since_ms = room->created_ms;
	room->peers = g_hash_table_new(g_str_hash, g_str_equal);
	room->viewers = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(ctx->rooms, room->id, room);
	if (ctx->core->log != NULL)
		ctx->core->log(PARLEY_LOG_VERB, PARLEY_ROOM_PACKAGE, "room %s created (max %d)", room->id,
		               room->max_participants);
	return room;
}

void parley_room_close_locked(room_ctx *ctx, room_outbox *box, room_room *room, const char *reason)
{
	json_t *payload = json_pack("{s:s, s:s}", "roomId", room->id, "reason", reason);
	room->closing = reason;   /* what the last peer's removal reports as room_finished's reason */
	GList *peers = g_hash_table_get_values(room->peers);
	for (GList *l = peers; l != NULL; l = l->next) {
		room_peer *peer = l->data;
		if (peer->main != NULL)
			parley_room_outbox_emit_new(ctx, box, peer->main, "roomClosed", json_incref(payload));
	}
	/* players first: the publishers' producers then close with nobody to refill */
	GList *viewers = g_hash_table_get_values(room->viewers);
	for (GList *l = viewers; l != NULL; l = l->next)
		parley_room_viewer_remove_locked(ctx, box, l->data);
	g_list_free(viewers);
	for (GList *l = peers; l != NULL; l = l->next)
		parley_room_peer_remove_locked(ctx, box, l->data, NULL);
	g_list_free(peers);
	json_decref(payload);
	if (ctx->core->log != NULL)
		ctx->core->log(PARLEY_LOG_VERB, PARLEY_ROOM_PACKAGE, "room %s closed (%s)", room->id, reason);
	g_hash_table_remove(ctx->rooms, room->id);
}

unsigned parley_room_count_peers_locked(room_ctx *ctx)
{
	unsigned n = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value))
		n += g_hash_table_size(((room_room *)value)->peers);
	return n;
}

void parley_room_load_config_rooms(room_ctx *ctx)
{
	const char *list = ctx->core->config_get != NULL ?
	                   ctx->core->config_get(PARLEY_ROOM_PACKAGE, "general", "rooms") : NULL;
	if (list == NULL || list[0] == '\0')
		return;
	gchar **ids = g_strsplit(list, ",", -1);
	g_mutex_lock(&ctx->lock);
	for (gchar **id = ids; *id != NULL; id++) {
		g_strstrip(*id);
		if ((*id)[0] == '\0')
			continue;
		char section[ROOM_MAX_ID + 8];
		g_snprintf(section, sizeof(section), "room.%s", *id);
		const char *max = ctx->core->config_get(PARLEY_ROOM_PACKAGE, section, "max_participants");
		const char *description = ctx->core->config_get(PARLEY_ROOM_PACKAGE, section, "description");
		long max_participants = 0;   /* 0: the default */
		if (parley_util_setting_int(max, 1, ctx->cfg.max_participants_limit, &max_participants) ==
		    PARLEY_UTIL_SETTING_INVALID)
			ctx->core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE,
			               "[%s] max_participants = '%s' is not a whole number from 1 to %d: using the default",
			               section, max, ctx->cfg.max_participants_limit);
		json_t *metadata = json_object();
		if (description != NULL)
			json_object_set_new(metadata, "description", json_string(description));
		parley_plugin_error error = {0};
		if (parley_room_create_locked(ctx, *id, metadata, (int)max_participants, ROOM_ORIGIN_CONFIG, &error) == NULL)
			ctx->core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE, "room '%s' from the configuration: %s", *id,
			               error.reason);
		json_decref(metadata);
	}
	g_mutex_unlock(&ctx->lock);
	g_strfreev(ids);
}

/* ---- outbox ---- */

void parley_room_outbox_init(room_outbox *box)
{
	box->items = g_array_new(FALSE, FALSE, sizeof(outbox_item));
	box->actions = g_array_new(FALSE, FALSE, sizeof(outbox_action));
}

void parley_room_outbox_action(room_ctx *ctx, room_outbox *box, parley_plugin_session *session,
                               room_action_kind kind, int mindex)
{
	if (session == NULL)
		return;
	outbox_action action = {.session = session, .kind = kind, .mindex = mindex};
	if (ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(session);
	g_array_append_val(box->actions, action);
}

void parley_room_outbox_share_loop(room_ctx *ctx, room_outbox *box, parley_plugin_session *session,
                                   const char *room_id)
{
	if (session == NULL || !ctx->cfg.loop_per_room)
		return;
	parley_room_outbox_action(ctx, box, session, ROOM_ACTION_SHARE_LOOP, -1);
	g_array_index(box->actions, outbox_action, box->actions->len - 1).room_id = g_strdup(room_id);
}

void parley_room_share_loop(room_ctx *ctx, parley_plugin_session *session, const char *room_id)
{
	if (!ctx->cfg.loop_per_room || !PARLEY_PLUGIN_CORE_HAS(ctx->core, handle_share_loop))
		return;
	parley_plugin_error error = {0};
	if (ctx->core->handle_share_loop(session, room_id, &error) != 0)
		ROOM_LOG(ctx, PARLEY_LOG_VERB, "room %s: a handle stays on its own loop: %s", room_id, error.reason);
}

static void run_action(room_ctx *ctx, const outbox_action *action)
{
	const parley_plugin_core *core = ctx->core;
	parley_plugin_error error = {0};
	switch (action->kind) {
	case ROOM_ACTION_CLOSE_STREAM:
		if (PARLEY_PLUGIN_CORE_HAS(core, params_close))
			core->params_close(action->session, action->mindex, &error);
		break;
	case ROOM_ACTION_CLOSE_PC:
		if (core->close_pc != NULL)
			core->close_pc(action->session);
		break;
	case ROOM_ACTION_END_HANDLE:
		if (core->end_session != NULL)
			core->end_session(action->session);
		break;
	case ROOM_ACTION_HTTP_CLOSE:
		parley_room_whip_session_ended(ctx, action->session, "left the room");
		break;
	case ROOM_ACTION_SHARE_LOOP:
		parley_room_share_loop(ctx, action->session, action->room_id);
		break;
	}
	if (error.code != 0)
		ROOM_LOG(ctx, PARLEY_LOG_VERB, "closing stream %d: %d %s", action->mindex, error.code, error.reason);
}

void parley_room_outbox_jsep_new(room_ctx *ctx, room_outbox *box, room_handle *handle, const char *name,
                                 json_t *payload, json_t *jsep)
{
	parley_room_outbox_reply_new(ctx, box, handle, NULL, name, payload, jsep);
}

void parley_room_outbox_reply_new(room_ctx *ctx, room_outbox *box, room_handle *handle, const char *transaction,
                                  const char *name, json_t *payload, json_t *jsep)
{
	/* a WHIP/WHEP resource's handle has no client that reads events */
	if (handle == NULL || handle->session == NULL || handle->http) {
		json_decref(payload);
		json_decref(jsep);
		return;
	}
	outbox_item item = {
		.session = handle->session,
		.message = json_pack("{s:s, s:o}", "event", name, "data", payload != NULL ? payload : json_object()),
		.jsep = jsep,
		.transaction = g_strdup(transaction),
	};
	if (ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(item.session);
	g_array_append_val(box->items, item);
}

void parley_room_outbox_notify_new(room_ctx *ctx, room_outbox *box, parley_plugin_session *session, json_t *data)
{
	if (data == NULL)
		return;
	if (ctx->core->notify_event == NULL || ctx->core->events_enabled == NULL || !ctx->core->events_enabled()) {
		json_decref(data);
		return;
	}
	outbox_item item = { .session = session, .message = data, .notify = true };
	if (session != NULL && ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(session);
	g_array_append_val(box->items, item);
}

void parley_room_outbox_emit_new(room_ctx *ctx, room_outbox *box, room_handle *handle, const char *name,
                                 json_t *payload)
{
	parley_room_outbox_jsep_new(ctx, box, handle, name, payload, NULL);
}

void parley_room_outbox_broadcast(room_ctx *ctx, room_outbox *box, room_room *room, const char *except,
                                  const char *name, json_t *payload)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->peers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_peer *peer = value;
		if (peer->main == NULL || (except != NULL && strcmp(peer->id, except) == 0))
			continue;
		parley_room_outbox_emit_new(ctx, box, peer->main, name, json_incref(payload));
	}
}

/* Runs the actions of one kind (or all but it), drops their references. */
static void run_actions(room_ctx *ctx, room_outbox *box, bool share_loop)
{
	for (guint i = 0; i < box->actions->len; i++) {
		outbox_action *action = &g_array_index(box->actions, outbox_action, i);
		if ((action->kind == ROOM_ACTION_SHARE_LOOP) != share_loop)
			continue;
		run_action(ctx, action);
		g_free(action->room_id);
		if (ctx->core->handle_unref != NULL)
			ctx->core->handle_unref(action->session);
	}
}

void parley_room_outbox_flush(room_ctx *ctx, room_outbox *box)
{
	run_actions(ctx, box, true);   /* before an event's jsep makes the handle's pc */
	for (guint i = 0; i < box->items->len; i++) {
		outbox_item *item = &g_array_index(box->items, outbox_item, i);
		int rc = item->notify ? 0 : ctx->core->push_event(item->session, ctx->plugin, item->transaction,
		                                                  item->message, item->jsep);
		if (item->notify)
			ctx->core->notify_event(ctx->plugin, item->session, item->message);
		if (rc != 0 && ctx->core->log != NULL)
			ctx->core->log(PARLEY_LOG_VERB, PARLEY_ROOM_PACKAGE, "event %s not delivered (%d)",
			               json_string_value(json_object_get(item->message, "event")), rc);
		json_decref(item->message);
		json_decref(item->jsep);
		g_free(item->transaction);
		if (item->session != NULL && ctx->core->handle_unref != NULL)
			ctx->core->handle_unref(item->session);
	}
	g_array_free(box->items, TRUE);
	box->items = NULL;
	run_actions(ctx, box, false);
	g_array_free(box->actions, TRUE);
	box->actions = NULL;
}
