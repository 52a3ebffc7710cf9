/*
 * plugins/chat/requests_rooms.c — TextRoom's room management requests:
 * list, listparticipants, exists, create, edit, destroy and allowed. They
 * work over every path (a data channel, the Janus API, the admin API);
 * create's, edit's and destroy's answers are named as TextRoom names them
 * over the Janus API ("created", "edited", "destroyed") and "success"
 * over a data channel. "permanent" keeps a room (and its changes) in the
 * store, so it comes back after a restart.
 */
#include <string.h>

#include "chat.h"

#define PARAMS(list) list, G_N_ELEMENTS(list)

static gint compare_rooms(gconstpointer a, gconstpointer b)
{
	const parley_chat_room *x = *(parley_chat_room *const *)a, *y = *(parley_chat_room *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The rooms, by id (a new array of borrowed rooms). */
static GPtrArray *sorted_rooms(parley_chat_ctx *ctx)
{
	GPtrArray *list = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->rooms);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(list, value);
	g_ptr_array_sort(list, compare_rooms);
	return list;
}

/* The answer's name: TextRoom answers these by name over the Janus API. */
static const char *answer_name(const parley_chat_request *req, const char *api_name)
{
	return req->via == PARLEY_CHAT_VIA_DATA ? "success" : api_name;
}

static int save_room(parley_chat_request *req, parley_chat_room *room)
{
	return parley_chat_room_save(req->ctx, room, &req->error);
}

static const parley_chat_param list_params[] = {
	{"admin_key", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
};

static int on_list(parley_chat_request *req)
{
	/* private rooms are listed to the admin API, or with the admin_key */
	bool all = req->via == PARLEY_CHAT_VIA_ADMIN;
	if (!all && req->ctx->cfg.admin_key != NULL && json_object_get(req->body, "admin_key") != NULL) {
		int rc = parley_chat_request_admin_key(req);
		if (rc != 0)
			return rc;
		all = true;
	}
	json_t *list = json_array();
	GPtrArray *rooms = sorted_rooms(req->ctx);
	for (guint i = 0; i < rooms->len; i++) {
		parley_chat_room *room = rooms->pdata[i];
		if (all || !room->is_private)
			json_array_append_new(list, parley_chat_room_view(room));
	}
	g_ptr_array_unref(rooms);
	req->reply = json_pack("{s:s, s:o}", "textroom", "success", "list", list);
	return 0;
}

static const parley_chat_param room_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
};

static gint compare_participants(gconstpointer a, gconstpointer b)
{
	const parley_chat_participant *x = *(parley_chat_participant *const *)a;
	const parley_chat_participant *y = *(parley_chat_participant *const *)b;
	return strcmp(x->username, y->username);
}

static int on_listparticipants(parley_chat_request *req)
{
	parley_chat_room *room = parley_chat_request_room(req);
	if (room == NULL)
		return req->error.code;
	GPtrArray *people = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->participants);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(people, value);
	g_ptr_array_sort(people, compare_participants);
	json_t *list = json_array();
	for (guint i = 0; i < people->len; i++)
		json_array_append_new(list, parley_chat_participant_view(people->pdata[i]));
	g_ptr_array_unref(people);
	req->reply = json_pack("{s:s, s:I, s:o}", "textroom", "success", "room", (json_int_t)room->id, "participants",
	                       list);
	return 0;
}

static int on_exists(parley_chat_request *req)
{
	json_int_t id = json_integer_value(json_object_get(req->body, "room"));
	bool exists = parley_chat_room_find(req->ctx, (guint64)id) != NULL;
	req->reply = json_pack("{s:s, s:I, s:b}", "textroom", "success", "room", id, "exists", exists);
	return 0;
}

static const parley_chat_param create_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, 0},
	{"admin_key", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"description", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_NAME},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"pin", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"is_private", PARLEY_CHAT_PARAM_BOOL, 0},
	{"history", PARLEY_CHAT_PARAM_COUNT, 0},
	{"history_max_age", PARLEY_CHAT_PARAM_COUNT, 0},
	{"allowed", PARLEY_CHAT_PARAM_STRINGS, PARLEY_CHAT_PARAM_SHORT},
	{"post", PARLEY_CHAT_PARAM_STRING, 0},
	{"permanent", PARLEY_CHAT_PARAM_BOOL, 0},
};

static int on_create(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	int rc = parley_chat_request_admin_key(req);
	if (rc != 0)
		return rc;
	if (json_object_get(req->body, "post") != NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "post (an HTTP backend for messages) is not supported");
	json_t *id = json_object_get(req->body, "room");
	guint64 room_id = id != NULL ? (guint64)json_integer_value(id) : parley_chat_room_new_id(ctx);
	if (parley_chat_room_find(ctx, room_id) != NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_ROOM_EXISTS,
		                               "Room %" G_GUINT64_FORMAT " already exists", room_id);
	if (g_hash_table_size(ctx->rooms) >= ctx->cfg.max_rooms)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_LIMIT,
		                               "Too many rooms: %u already ([limits] max_rooms)", ctx->cfg.max_rooms);
	parley_chat_room *room = parley_chat_room_new(ctx, room_id, req->body, PARLEY_CHAT_ORIGIN_API, &req->error);
	if (room == NULL)
		return req->error.code;
	if (json_is_true(json_object_get(req->body, "permanent")) && (rc = save_room(req, room)) != 0) {
		parley_chat_room_add(ctx, room);
		parley_chat_room_remove(ctx, room);
		return rc;
	}
	parley_chat_room_add(ctx, room);
	parley_chat_outbox_notify(ctx, &req->box, req->handle, "created", room, NULL);
	req->reply = json_pack("{s:s, s:I, s:b}", "textroom", answer_name(req, "created"), "room", (json_int_t)room->id,
	                       "permanent", room->permanent);
	return 0;
}

static const parley_chat_param edit_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"new_description", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_NAME},
	{"new_secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"new_pin", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"new_is_private", PARLEY_CHAT_PARAM_BOOL, 0},
	{"new_history", PARLEY_CHAT_PARAM_COUNT, 0},
	{"new_history_max_age", PARLEY_CHAT_PARAM_COUNT, 0},
	{"new_post", PARLEY_CHAT_PARAM_STRING, 0},
	{"permanent", PARLEY_CHAT_PARAM_BOOL, 0},
};

/* edit's "new_<x>" members and the settings they change. */
static const char *const edit_members[][2] = {
	{"new_description", "description"}, {"new_secret", "secret"},   {"new_pin", "pin"},
	{"new_is_private", "is_private"},   {"new_history", "history"}, {"new_history_max_age", "history_max_age"},
};

static int on_edit(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	if (room == NULL)
		return req->error.code;
	int rc = parley_chat_request_secret(req, room);
	if (rc != 0)
		return rc;
	if (json_object_get(req->body, "new_post") != NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "new_post (an HTTP backend for messages) is not supported");
	json_t *settings = parley_chat_room_settings(room);
	for (size_t i = 0; i < G_N_ELEMENTS(edit_members); i++) {
		json_t *value = json_object_get(req->body, edit_members[i][0]);
		if (value != NULL)
			json_object_set(settings, edit_members[i][1], value);
	}
	rc = parley_chat_room_update(ctx, room, settings, &req->error);
	json_decref(settings);
	if (rc != 0)
		return rc;
	if (parley_chat_retention_keeps(&room->keep))
		ctx->store->ops->trim(ctx->store, room->key, &room->keep, req->now_ms);
	bool permanent = json_is_true(json_object_get(req->body, "permanent"));
	if ((permanent || room->permanent) && (rc = save_room(req, room)) != 0)
		return rc;
	parley_chat_outbox_notify(ctx, &req->box, req->handle, "edited", room, NULL);
	req->reply = json_pack("{s:s, s:I, s:b}", "textroom", answer_name(req, "edited"), "room", (json_int_t)room->id,
	                       "permanent", permanent);
	return 0;
}

static const parley_chat_param destroy_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"permanent", PARLEY_CHAT_PARAM_BOOL, 0},
};

static int on_destroy(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	if (room == NULL)
		return req->error.code;
	int rc = parley_chat_request_secret(req, room);
	if (rc != 0)
		return rc;
	bool permanent = json_is_true(json_object_get(req->body, "permanent"));
	if (permanent && room->permanent && ctx->store->ops->room_delete(ctx->store, room->key, &req->error) != 0)
		return parley_chat_error_recode(&req->error, PARLEY_CHAT_ERROR_UNKNOWN);
	json_t *event = json_pack("{s:s, s:I}", "textroom", "destroyed", "room", (json_int_t)room->id);
	parley_chat_outbox_broadcast(ctx, &req->box, room, NULL, event);
	json_decref(event);
	parley_chat_outbox_notify(ctx, &req->box, req->handle, "destroyed", room, NULL);
	ctx->store->ops->purge(ctx->store, room->key);
	guint64 id = room->id;
	parley_chat_room_remove(ctx, room);
	req->reply = json_pack("{s:s, s:I, s:b}", "textroom", answer_name(req, "destroyed"), "room", (json_int_t)id,
	                       "permanent", permanent);
	return 0;
}

static const parley_chat_param allowed_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"action", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_REQUIRED},
	{"allowed", PARLEY_CHAT_PARAM_STRINGS, PARLEY_CHAT_PARAM_SHORT},
};

static int on_allowed(parley_chat_request *req)
{
	parley_chat_room *room = parley_chat_request_room(req);
	if (room == NULL)
		return req->error.code;
	int rc = parley_chat_request_secret(req, room);
	if (rc != 0)
		return rc;
	const char *action = json_string_value(json_object_get(req->body, "action"));
	json_t *tokens = json_object_get(req->body, "allowed");
	bool add = strcmp(action, "add") == 0, remove = strcmp(action, "remove") == 0;
	if (!add && !remove && strcmp(action, "enable") != 0 && strcmp(action, "disable") != 0)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "Unsupported action '%s' (allowed)", action);
	if ((add || remove) && tokens == NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_MISSING_ELEMENT,
		                               "Missing mandatory element (allowed)");
	size_t i;
	json_t *token;
	json_array_foreach(tokens, i, token) {
		if (add)
			g_hash_table_add(room->allowed, g_strdup(json_string_value(token)));
		else if (remove)
			g_hash_table_remove(room->allowed, json_string_value(token));
	}
	if (strcmp(action, "enable") == 0)
		room->check_tokens = true;
	else if (strcmp(action, "disable") == 0)
		room->check_tokens = false;
	if (room->permanent && (rc = save_room(req, room)) != 0)
		return rc;
	req->reply = json_pack("{s:s, s:I}", "textroom", "success", "room", (json_int_t)room->id);
	if (strcmp(action, "disable") != 0)
		json_object_set_new(req->reply, "allowed", parley_chat_set_list(room->allowed));
	return 0;
}

const parley_chat_request_def parley_chat_room_requests[] = {
	{"list", on_list, PARAMS(list_params), PARLEY_CHAT_PATHS_ALL},
	{"listparticipants", on_listparticipants, PARAMS(room_params), PARLEY_CHAT_PATHS_ALL},
	{"exists", on_exists, PARAMS(room_params), PARLEY_CHAT_PATHS_ALL},
	{"create", on_create, PARAMS(create_params), PARLEY_CHAT_PATHS_ALL},
	{"edit", on_edit, PARAMS(edit_params), PARLEY_CHAT_PATHS_ALL},
	{"destroy", on_destroy, PARAMS(destroy_params), PARLEY_CHAT_PATHS_ALL},
	{"allowed", on_allowed, PARAMS(allowed_params), PARLEY_CHAT_PATHS_ALL},
};
const size_t parley_chat_room_requests_count = G_N_ELEMENTS(parley_chat_room_requests);
