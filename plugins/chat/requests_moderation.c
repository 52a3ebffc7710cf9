/*
 * plugins/chat/requests_moderation.c — what a room's owner does with its
 * secret: TextRoom's kick and announcement, and beyond TextRoom ban /
 * unban (a banned username cannot join; a present one is kicked), mute /
 * unmute (a muted username cannot write; it holds across re-joins) and
 * purge (the room's stored history is deleted). A permanent room keeps
 * its bans and mutes in the store. The admin API needs no secret.
 */
#include <string.h>

#include "chat.h"

#define PARAMS(list) list, G_N_ELEMENTS(list)

static const parley_chat_param user_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"username", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_REQUIRED | PARLEY_CHAT_PARAM_NAME},
};

/* The room and its secret checked: the room, or NULL with the refusal. */
static parley_chat_room *owned_room(parley_chat_request *req)
{
	parley_chat_room *room = parley_chat_request_room(req);
	if (room != NULL && parley_chat_request_secret(req, room) != 0)
		return NULL;
	return room;
}

/* A permanent room's bans and mutes are kept with it. */
static int keep_permanent(parley_chat_request *req, parley_chat_room *room)
{
	return room->permanent ? parley_chat_room_save(req->ctx, room, &req->error) : 0;
}

/* "kicked" to everyone (the kicked one included), then out: an implicit
 * room may go with its last participant (not one with bans), so `room`
 * is used no more after a plain kick. */
static void kick_out(parley_chat_request *req, parley_chat_participant *p, bool banned)
{
	parley_chat_room *room = p->room;
	json_t *event = json_pack("{s:s, s:I, s:s}", "textroom", "kicked", "room", (json_int_t)room->id, "username",
	                          p->username);
	if (banned)
		json_object_set_new(event, "banned", json_true());
	parley_chat_outbox_broadcast(req->ctx, &req->box, room, NULL, event);
	json_decref(event);
	parley_chat_outbox_notify(req->ctx, &req->box, req->handle, "kicked", room,
	                          json_pack("{s:s, s:b}", "username", p->username, "banned", banned));
	parley_chat_participant_remove(req->ctx, p);
}

static int on_kick(parley_chat_request *req)
{
	parley_chat_room *room = owned_room(req);
	if (room == NULL)
		return req->error.code;
	const char *username = json_string_value(json_object_get(req->body, "username"));
	parley_chat_participant *p = g_hash_table_lookup(room->participants, username);
	if (p == NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_NO_SUCH_USER, "No such user %s in room %s",
		                               username, room->key);
	kick_out(req, p, false);
	return 0;
}

static int on_ban(parley_chat_request *req)
{
	parley_chat_room *room = owned_room(req);
	if (room == NULL)
		return req->error.code;
	const char *username = json_string_value(json_object_get(req->body, "username"));
	g_hash_table_add(room->banned, g_strdup(username));
	parley_chat_participant *p = g_hash_table_lookup(room->participants, username);
	bool present = p != NULL;
	if (present)
		kick_out(req, p, true);
	req->reply = json_pack("{s:s, s:I, s:s, s:b}", "textroom", "success", "room", (json_int_t)room->id, "username",
	                       username, "kicked", present);
	return keep_permanent(req, room);
}

static int on_unban(parley_chat_request *req)
{
	parley_chat_room *room = owned_room(req);
	if (room == NULL)
		return req->error.code;
	const char *username = json_string_value(json_object_get(req->body, "username"));
	if (!g_hash_table_remove(room->banned, username))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_NO_SUCH_USER, "%s is not banned from room %s",
		                               username, room->key);
	return keep_permanent(req, room);
}

/* mute and unmute: the set changes and everyone hears of it. */
static int set_muted(parley_chat_request *req, bool muted)
{
	parley_chat_room *room = owned_room(req);
	if (room == NULL)
		return req->error.code;
	const char *username = json_string_value(json_object_get(req->body, "username"));
	if (muted)
		g_hash_table_add(room->muted, g_strdup(username));
	else if (!g_hash_table_remove(room->muted, username))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_NO_SUCH_USER, "%s is not muted in room %s",
		                               username, room->key);
	json_t *event = json_pack("{s:s, s:I, s:s, s:b}", "textroom", "muted", "room", (json_int_t)room->id, "username",
	                          username, "muted", muted);
	parley_chat_outbox_broadcast(req->ctx, &req->box, room, NULL, event);
	json_decref(event);
	return keep_permanent(req, room);
}

static int on_mute(parley_chat_request *req)
{
	return set_muted(req, true);
}

static int on_unmute(parley_chat_request *req)
{
	return set_muted(req, false);
}

static const parley_chat_param announcement_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
	{"text", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_REQUIRED | PARLEY_CHAT_PARAM_TEXT},
};

static int on_announcement(parley_chat_request *req)
{
	parley_chat_ctx *ctx = req->ctx;
	parley_chat_room *room = owned_room(req);
	if (room == NULL)
		return req->error.code;
	parley_chat_record record = {
		.kind = PARLEY_CHAT_KIND_ANNOUNCEMENT, .room = room->key,
		.text = (char *)json_string_value(json_object_get(req->body, "text")), .date_ms = req->now_ms,
	};
	if (parley_chat_retention_keeps(&room->keep) &&
	    ctx->store->ops->append(ctx->store, &record, &room->keep, req->now_ms, &record.id, &req->error) != 0)
		return parley_chat_error_recode(&req->error, PARLEY_CHAT_ERROR_UNKNOWN);
	json_t *event = parley_chat_record_event(room->id, &record);
	parley_chat_outbox_broadcast(ctx, &req->box, room, NULL, event);
	json_decref(event);
	return 0;
}

static const parley_chat_param purge_params[] = {
	{"room", PARLEY_CHAT_PARAM_POSITIVE, PARLEY_CHAT_PARAM_REQUIRED},
	{"secret", PARLEY_CHAT_PARAM_STRING, PARLEY_CHAT_PARAM_SHORT},
};

static int on_purge(parley_chat_request *req)
{
	parley_chat_room *room = owned_room(req);
	if (room == NULL)
		return req->error.code;
	int64_t removed = req->ctx->store->ops->purge(req->ctx->store, room->key);
	if (removed < 0)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_UNKNOWN, "the history of room %s could not be purged",
		                               room->key);
	req->reply = json_pack("{s:s, s:I, s:I}", "textroom", "success", "room", (json_int_t)room->id, "removed",
	                       (json_int_t)removed);
	return 0;
}

const parley_chat_request_def parley_chat_moderation_requests[] = {
	{"kick", on_kick, PARAMS(user_params), PARLEY_CHAT_PATHS_ALL},
	{"ban", on_ban, PARAMS(user_params), PARLEY_CHAT_PATHS_ALL},
	{"unban", on_unban, PARAMS(user_params), PARLEY_CHAT_PATHS_ALL},
	{"mute", on_mute, PARAMS(user_params), PARLEY_CHAT_PATHS_ALL},
	{"unmute", on_unmute, PARAMS(user_params), PARLEY_CHAT_PATHS_ALL},
	{"announcement", on_announcement, PARAMS(announcement_params), PARLEY_CHAT_PATHS_ALL},
	{"purge", on_purge, PARAMS(purge_params), PARLEY_CHAT_PATHS_ALL},
};
const size_t parley_chat_moderation_requests_count = G_N_ELEMENTS(parley_chat_moderation_requests);
