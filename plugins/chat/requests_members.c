/*
 * plugins/chat/requests_members.c — what a participant does: join (pin,
 * token, ban and capacity checks, the history replayed, "join" to
 * everyone), leave, message (public, or a whisper with "to" / "tos";
 * "ack"), and beyond TextRoom: edit_message and delete_message of one's
 * own stored message (delete_message of anyone's with the room secret),
 * and history (a page of the stored history). Over a data channel or the
 * Janus API; a participant's events take the path of its join.
 */
#include <string.h>

#include "chat.h"

#define PARAMS(list) list, G_N_ELEMENTS(list)

/* The room a join names, made on the spot when [general] implicit_rooms
 * allows it (*made set). NULL with the refusal. */
static parley_chat_room *join_room(parley_chat_request *req, bool *made)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	*made = false;
	if (room != NULL || req->error.code != PARLEY_CHAT_ERROR_NO_SUCH_ROOM || !ctx->cfg.implicit_rooms)
		return room;
	if (g_hash_table_size(ctx->rooms) >= ctx->cfg.max_rooms) {
		parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_LIMIT, "Too many rooms: %u already ([limits] max_rooms)",
		                        ctx->cfg.max_rooms);
		return NULL;
	}
	guint64 id = (guint64)json_integer_value(json_object_get(req->body, "room"));
	json_t *settings = json_object();
	room = parley_chat_room_new(ctx, id, settings, PARLEY_CHAT_ORIGIN_IMPLICIT, &req->error);
	json_decref(settings);
	if (room != NULL) {
		memset(&req->error, 0, sizeof(req->error));
		parley_chat_room_add(ctx, room);
		*made = true;
	}
	return room;
}

/* Every check a join passes before it is in: 0 or the refusal. */
static int admit(parley_chat_request *req, parley_chat_room *room, const char *username)
{
	parley_chat_ctx *ctx = req->ctx;
	int rc = parley_chat_request_check(req, room->pin, "pin");
	if (rc != 0)
		return rc;
	if (parley_chat_participant_of(req->handle, room) != NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_ALREADY_IN_ROOM, "Already in room %s", room->key);
	if (g_hash_table_contains(room->banned, username))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_UNAUTHORIZED,
		                               "Unauthorized (%s is banned from room %s)", username, room->key);
	if (g_hash_table_contains(room->participants, username))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_USERNAME_EXISTS, "Username already taken");
	if (room->check_tokens) {
		const char *token = json_string_value(json_object_get(req->body, "token"));
		if (token == NULL || !g_hash_table_contains(room->allowed, token))
			return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_UNAUTHORIZED,
			                               "Unauthorized (not in the allowed list)");
	}
	if (g_hash_table_size(room->participants) >= ctx->cfg.max_participants)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_LIMIT,
		                               "Room %s is full: %u participants ([limits] max_participants)", room->key,
		                               ctx->cfg.max_participants);
	if (g_hash_table_size(req->handle->rooms) >= ctx->cfg.max_rooms_per_handle)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_LIMIT,
		                               "In %u rooms already ([limits] max_rooms_per_handle)",
		                               ctx->cfg.max_rooms_per_handle);
	return 0;
}

/* The since_ms of a room's history at now_ms (its age bound). */
static int64_t history_since(const parley_chat_room *room, int64_t now_ms)
{
	return room->keep.max_age_ms > 0 ? now_ms - room->keep.max_age_ms : 0;
}

/* The stored history, oldest first, to the one who joins. */
static void replay_history(parley_chat_request *req, parley_chat_participant *p)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = p->room;
	if (!parley_chat_retention_keeps(&room->keep))
		return;
	parley_chat_page page = {
		.limit = room->keep.count > 0 ? room->keep.count : ctx->cfg.history_limit,
		.since_ms = history_since(room, req->now_ms),
	};
	parley_plugin_error error = {0};
	GPtrArray *lines = ctx->store->ops->page(ctx->store, room->key, &page, NULL, &error);
	if (lines == NULL) {
		ctx->core->log(PARLEY_LOG_WARN, PARLEY_CHAT_PACKAGE, "room %s: no history replayed: %s", room->key,
		               error.reason);
		return;
	}
	/* over a data channel, sent in slices on the handle's loop (pump.c);
	 * what the join sends after it waits behind it */
	req->box.paced = true;
	for (guint i = 0; i < lines->len; i++) {
		json_t *event = parley_chat_record_event(room->id, lines->pdata[i]);
		parley_chat_outbox_to(ctx, &req->box, p, event);
		json_decref(event);
	}
	req->box.paced = false;
	g_ptr_array_unref(lines);
}

static gint compare_views(gconstpointer a, gconstpointer b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "username")),
	              json_string_value(json_object_get(*(json_t *const *)b, "username")));
}

/* The others in the room, by username (new reference). */
static json_t *others_of(parley_chat_participant *p)
{
	GPtrArray *views = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, p->room->participants);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (value != p)
			g_ptr_array_add(views, parley_chat_participant_view(value));
	g_ptr_array_sort(views, compare_views);
	json_t *list = json_array();
	for (guint i = 0; i < views->len; i++)
		json_array_append_new(list, views->pdata[i]);
	g_ptr_array_unref(views);
	return list;
}

static const parley_chat_param join_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"username", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_REQUIRED | PARLEY_CHAT_PARAM_NAME},
	{"display", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_NAME},
	{"pin", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"token", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"history", PARLEY_CHAT_PARAM_BOOL, 0},
};

static int on_join(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	bool made;
	parley_chat_room *room = join_room(req, &made);
	if (room == NULL)
		return req->error.code;
	const char *username = json_string_value(json_object_get(req->body, "username"));
	int rc = admit(req, room, username);
	if (rc != 0) {
		if (made)
			parley_chat_room_remove(ctx, room);
		return rc;
	}
	parley_chat_participant *p = g_new0(parley_chat_participant, 1);
	p->handle = req->handle;
	p->room = room;
	p->username = g_strdup(username);
	p->display = g_strdup(json_string_value(json_object_get(req->body, "display")));
	p->via = req->via;
	g_hash_table_insert(room->participants, p->username, p);
	g_hash_table_insert(req->handle->rooms, &room->id, p);
	if (!json_is_false(json_object_get(req->body, "history")))
		replay_history(req, p);
	json_t *event = json_pack("{s:s, s:I, s:s}", "textroom", "join", "room", (json_int_t)room->id, "username",
	                          p->username);
	if (p->display != NULL)
		json_object_set_new(event, "display", json_string(p->display));
	parley_chat_outbox_to(ctx, &req->box, p, event);
	parley_chat_outbox_broadcast(ctx, &req->box, room, p, event);
	json_decref(event);
	parley_chat_outbox_notify(ctx, &req->box, req->handle, "join", room, parley_chat_participant_view(p));
	req->reply = json_pack("{s:s, s:o}", "textroom", "success", "participants", others_of(p));
	return 0;
}

static const parley_chat_param leave_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
};

static int on_leave(parley_chat_request *req)
{
	parley_chat_room *room = parley_chat_request_room(req);
	parley_chat_participant *p = room != NULL ? parley_chat_request_member(req, room) : NULL;
	if (p == NULL)
		return req->error.code;
	json_t *event = json_pack("{s:s, s:I, s:s}", "textroom", "leave", "room", (json_int_t)room->id, "username",
	                          p->username);
	parley_chat_outbox_to(req->ctx, &req->box, p, event);
	parley_chat_outbox_broadcast(req->ctx, &req->box, room, p, event);
	json_decref(event);
	parley_chat_outbox_notify(req->ctx, &req->box, req->handle, "leave", room,
	                          json_pack("{s:s}", "username", p->username));
	parley_chat_participant_remove(req->ctx, p);
	return 0;
}

/* A muted or too eager participant may not write: 0 or 419 / 424. */
static int may_write(parley_chat_request *req, parley_chat_participant *p)
{
	parley_chat_ctx *ctx = req->ctx;
	if (g_hash_table_contains(p->room->muted, p->username))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_UNAUTHORIZED,
		                               "Unauthorized (%s is muted in room %s)", p->username, p->room->key);
	int64_t retry_ms = 0;
	if (!parley_chat_bucket_take(&p->bucket, ctx->cfg.rate, ctx->cfg.burst, req->now_ms, &retry_ms))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_RATE_LIMITED,
		                               "Rate limited: at most %u messages per second (bursts of %u) in room %s;"
		                               " retry in %" G_GINT64_FORMAT " ms",
		                               ctx->cfg.rate, ctx->cfg.burst, p->room->key, (gint64)retry_ms);
	return 0;
}

/* A whisper to each of `names` present in the room; {name: sent} (new). */
static json_t *whisper(parley_chat_request *req, parley_chat_room *room, json_t *names, json_t *event)
{
	json_t *sent = json_object();
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name) {
		parley_chat_participant *target = g_hash_table_lookup(room->participants, json_string_value(name));
		if (target != NULL && json_object_get(sent, json_string_value(name)) == NULL)
			parley_chat_outbox_to(req->ctx, &req->box, target, event);
		json_object_set_new(sent, json_string_value(name), json_boolean(target != NULL));
	}
	return sent;
}

static const parley_chat_param message_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"text", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_REQUIRED | PARLEY_CHAT_PARAM_TEXT},
	{"to", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_NAME},
	{"tos", PARLEY_CHAT_PARAM_STRINGS, PARLEY_CHAT_PARAM_NAME},
	{"ack", PARLEY_CHAT_PARAM_BOOL, 0},
};

static int on_message(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	parley_chat_participant *p = room != NULL ? parley_chat_request_member(req, room) : NULL;
	if (p == NULL)
		return req->error.code;
	json_t *to = json_object_get(req->body, "to"), *tos = json_object_get(req->body, "tos");
	if (to != NULL && tos != NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT, "Both to and tos array provided");
	int rc = may_write(req, p);
	if (rc != 0)
		return rc;
	parley_chat_record record = {
		.kind = PARLEY_CHAT_KIND_MESSAGE, .room = room->key, .sender = p->username, .display = p->display,
		.text = (char *)json_string_value(json_object_get(req->body, "text")), .date_ms = req->now_ms,
	};
	bool whispered = to != NULL || tos != NULL;
	if (!whispered && parley_chat_retention_keeps(&room->keep) &&
	    ctx->store->ops->append(ctx->store, &record, &room->keep, req->now_ms, &record.id, &req->error) != 0)
		return parley_chat_error_recode(&req->error, PARLEY_CHAT_ERROR_UNKNOWN);
	json_t *event = parley_chat_record_event(room->id, &record);
	json_t *sent = NULL;
	if (whispered) {
		json_object_set_new(event, "whisper", json_true());
		json_t *names = to != NULL ? json_pack("[O]", to) : json_incref(tos);
		sent = whisper(req, room, names, event);
		json_decref(names);
	} else {
		parley_chat_outbox_broadcast(ctx, &req->box, room, NULL, event);
		room->messages++;
	}
	json_decref(event);
	ctx->messages++;
	req->reply = parley_chat_success();
	if (sent != NULL)
		json_object_set_new(req->reply, "sent", sent);
	if (record.id > 0)
		json_object_set_new(req->reply, "id", json_integer((json_int_t)record.id));
	/* "ack": false asks for no answer (over the Janus API one is always due) */
	req->silent = req->via == PARLEY_CHAT_VIA_DATA && json_is_false(json_object_get(req->body, "ack"));
	return 0;
}

/* The store's refusal as this plugin's code. */
static int store_refusal(parley_chat_request *req, int rc)
{
	int code = rc == PARLEY_CHAT_STORE_NOT_FOUND ? PARLEY_CHAT_ERROR_NO_SUCH_MESSAGE
	           : rc == PARLEY_CHAT_STORE_NOT_OWNER ? PARLEY_CHAT_ERROR_UNAUTHORIZED
	                                                : PARLEY_CHAT_ERROR_UNKNOWN;
	return parley_chat_error_recode(&req->error, code);
}

static const parley_chat_param edit_message_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"id", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"text", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_REQUIRED | PARLEY_CHAT_PARAM_TEXT},
};

static int on_edit_message(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	parley_chat_participant *p = room != NULL ? parley_chat_request_member(req, room) : NULL;
	if (p == NULL)
		return req->error.code;
	int rc = may_write(req, p);
	if (rc != 0)
		return rc;
	json_int_t id = json_integer_value(json_object_get(req->body, "id"));
	const char *text = json_string_value(json_object_get(req->body, "text"));
	rc = ctx->store->ops->edit(ctx->store, room->key, id, p->username, text, req->now_ms, &req->error);
	if (rc != 0)
		return store_refusal(req, rc);
	char date[32];
	parley_chat_date(req->now_ms, date);
	json_t *event = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}", "textroom", "message_edited", "room",
	                          (json_int_t)room->id, "id", id, "from", p->username, "text", text, "edited", date);
	parley_chat_outbox_broadcast(ctx, &req->box, room, NULL, event);
	json_decref(event);
	return 0;
}

static const parley_chat_param delete_message_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"id", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
};

static int on_delete_message(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	if (room == NULL)
		return req->error.code;
	/* with the room's secret (or from the admin API) any message goes; else one's own */
	const char *sender = NULL;
	bool moderator = req->via == PARLEY_CHAT_VIA_ADMIN ||
	                 (room->secret != NULL && json_object_get(req->body, "secret") != NULL);
	if (moderator) {
		int rc = parley_chat_request_secret(req, room);
		if (rc != 0)
			return rc;
	} else {
		parley_chat_participant *p = parley_chat_request_member(req, room);
		if (p == NULL)
			return req->error.code;
		sender = p->username;
	}
	json_int_t id = json_integer_value(json_object_get(req->body, "id"));
	int rc = ctx->store->ops->remove(ctx->store, room->key, id, sender, &req->error);
	if (rc != 0)
		return store_refusal(req, rc);
	json_t *event = json_pack("{s:s, s:I, s:I}", "textroom", "message_deleted", "room", (json_int_t)room->id, "id",
	                          id);
	parley_chat_outbox_broadcast(ctx, &req->box, room, NULL, event);
	json_decref(event);
	return 0;
}

static const parley_chat_param history_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"before", PARLEY_CHAT_PARAM_POSITIVE, 0},
	{"limit", PARLEY_CHAT_PARAM_POSITIVE, 0},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
};

static int on_history(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = parley_chat_request_room(req);
	if (room == NULL)
		return req->error.code;
	/* participants read their room's history; others need its secret */
	if (req->via != PARLEY_CHAT_VIA_ADMIN && parley_chat_participant_of(req->handle, room) == NULL) {
		if (room->secret == NULL || json_object_get(req->body, "secret") == NULL)
			return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_NOT_IN_ROOM,
			                               "Not in room %s (join it, or give its secret)", room->key);
		int rc = parley_chat_request_secret(req, room);
		if (rc != 0)
			return rc;
	}
	json_t *limit = json_object_get(req->body, "limit");
	parley_chat_page page = {
		.before_id = json_integer_value(json_object_get(req->body, "before")),
		.limit = limit != NULL && json_integer_value(limit) < ctx->cfg.history_page ? (unsigned)json_integer_value(limit)
		                                                                              : ctx->cfg.history_page,
		.since_ms = history_since(room, req->now_ms),
	};
	int64_t total = 0;
	GPtrArray *lines = ctx->store->ops->page(ctx->store, room->key, &page, &total, &req->error);
	if (lines == NULL)
		return parley_chat_error_recode(&req->error, PARLEY_CHAT_ERROR_UNKNOWN);
	json_t *messages = json_array();
	for (guint i = 0; i < lines->len; i++)
		json_array_append_new(messages, parley_chat_record_event(room->id, lines->pdata[i]));
	g_ptr_array_unref(lines);
	req->reply = json_pack("{s:s, s:I, s:o, s:I}", "textroom", "success", "room", (json_int_t)room->id, "messages",
	                       messages, "total", (json_int_t)total);
	return 0;
}

const parley_chat_request_def parley_chat_member_requests[] = {
	{"join", on_join, PARAMS(join_params), PARLEY_CHAT_PATHS_CLIENT},
	{"leave", on_leave, PARAMS(leave_params), PARLEY_CHAT_PATHS_CLIENT},
	{"message", on_message, PARAMS(message_params), PARLEY_CHAT_PATHS_CLIENT},
	{"edit_message", on_edit_message, PARAMS(edit_message_params), PARLEY_CHAT_PATHS_CLIENT},
	{"delete_message", on_delete_message, PARAMS(delete_message_params), PARLEY_CHAT_PATHS_ALL},
	{"history", on_history, PARAMS(history_params), PARLEY_CHAT_PATHS_ALL},
};
const size_t parley_chat_member_requests_count = G_N_ELEMENTS(parley_chat_member_requests);
