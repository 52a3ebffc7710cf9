/*
 * plugins/chat/rooms.c — the room model: rooms made from settings (the
 * file's, a create request's, the store's), the table of rooms, the
 * participants in them and the links between a participant, its room and
 * its handle. Everything here runs with ctx->lock held and sends nothing:
 * the callers queue the events.
 *
 * Room settings (JSON, the shape the store keeps): description, secret,
 * pin, is_private, history (how many messages to keep), history_max_age
 * (seconds), allowed (tokens: their presence turns token checks on),
 * banned and muted (usernames).
 */
#include <string.h>

#include "chat.h"

parley_chat_room *parley_chat_room_find(parley_chat_ctx *ctx, guint64 id)
{
	return g_hash_table_lookup(ctx->rooms, &id);
}

static void participant_free(void *data)
{
	parley_chat_participant *p = data;
	g_free(p->username);
	g_free(p->display);
	g_free(p);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static GHashTable *string_set(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void room_free(parley_chat_room *room)
{
	g_free(room->description);
	g_free(room->secret);
	g_free(room->pin);
	g_hash_table_destroy(room->allowed);
	g_hash_table_destroy(room->banned);
	g_hash_table_destroy(room->muted);
	g_hash_table_destroy(room->participants);
	g_free(room);
}

/* A string setting no longer than max_name, or NULL; 414/425 when wrong. */
static int setting_string(parley_chat_ctx *ctx, json_t *settings, const char *key, char **out,
                          parley_plugin_error *error)
{
	json_t *value = json_object_get(settings, key);
	if (value == NULL || json_is_null(value))
		return 0;
	if (!json_is_string(value))
		return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "Invalid element type (%s should be a string)", key);
	if (json_string_length(value) > ctx->cfg.max_name)
		return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_TOO_LARGE,
		                               "%s is %zu bytes, more than the %zu allowed ([limits] max_name_size)", key,
		                               json_string_length(value), ctx->cfg.max_name);
	/* an empty secret or pin is none */
	*out = json_string_length(value) > 0 ? g_strdup(json_string_value(value)) : NULL;
	return 0;
}

/* The retention asked by `settings` (history, history_max_age) over the
 * defaults; 414 when out of range. */
static int setting_retention(parley_chat_ctx *ctx, json_t *settings, parley_chat_retention *keep,
                             parley_plugin_error *error)
{
	*keep = ctx->cfg.history;
	json_t *count = json_object_get(settings, "history");
	json_t *age = json_object_get(settings, "history_max_age");
	if (count != NULL) {
		if (!json_is_integer(count) || json_integer_value(count) < 0 ||
		    json_integer_value(count) > ctx->cfg.history_limit)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
			                               "history must be a whole number from 0 to %u ([history] limit)",
			                               ctx->cfg.history_limit);
		keep->count = (unsigned)json_integer_value(count);
	}
	if (age != NULL) {
		if (!json_is_integer(age) || json_integer_value(age) < 0 ||
		    json_integer_value(age) > 100LL * 365 * 86400)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
			                               "history_max_age must be a number of seconds (0 = no bound)");
		keep->max_age_ms = json_integer_value(age) * 1000;
	}
	/* an age bound alone keeps at most [history] limit messages */
	if (keep->count == 0 && keep->max_age_ms > 0)
		keep->count = ctx->cfg.history_limit;
	return 0;
}

/* A list of strings (allowed tokens, banned or muted usernames) into
 * `set`; true when the list was there. */
static int setting_set(parley_chat_ctx *ctx, json_t *settings, const char *key, GHashTable *set, bool *present,
                       parley_plugin_error *error)
{
	json_t *list = json_object_get(settings, key);
	*present = list != NULL;
	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "Invalid element type (%s should be an array of strings)", key);
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item) {
		if (!json_is_string(item) || json_string_length(item) > ctx->cfg.max_name)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
			                               "Invalid element in the %s array (not a string of at most %zu bytes)", key,
			                               ctx->cfg.max_name);
		g_hash_table_add(set, g_strdup(json_string_value(item)));
	}
	return 0;
}

/* The sorted members of a string set (new reference). */
static json_t *set_list(GHashTable *set)
{
	GPtrArray *keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, set);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(keys, key);
	g_ptr_array_sort(keys, compare_strings);
	json_t *list = json_array();
	for (guint i = 0; i < keys->len; i++)
		json_array_append_new(list, json_string(keys->pdata[i]));
	g_ptr_array_unref(keys);
	return list;
}

json_t *parley_chat_set_list(GHashTable *set)
{
	return set_list(set);
}

parley_chat_room *parley_chat_room_new(parley_chat_ctx *ctx, guint64 id, json_t *settings, parley_chat_origin origin,
                                       parley_plugin_error *error)
{
	parley_chat_room *room = g_new0(parley_chat_room, 1);
	room->id = id;
	snprintf(room->key, sizeof(room->key), "%" G_GUINT64_FORMAT, id);
	room->origin = origin;
	room->allowed = string_set();
	room->banned = string_set();
	room->muted = string_set();
	room->participants = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, participant_free);
	json_t *is_private = json_object_get(settings, "is_private");
	int rc = 0;
	if (is_private != NULL && !json_is_boolean(is_private))
		rc = parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                             "Invalid element type (is_private should be a boolean)");
	room->is_private = json_is_true(is_private);
	if (rc == 0)
		rc = setting_string(ctx, settings, "description", &room->description, error);
	if (rc == 0)
		rc = setting_string(ctx, settings, "secret", &room->secret, error);
	if (rc == 0)
		rc = setting_string(ctx, settings, "pin", &room->pin, error);
	if (rc == 0)
		rc = setting_retention(ctx, settings, &room->keep, error);
	bool present = false;
	if (rc == 0)
		rc = setting_set(ctx, settings, "allowed", room->allowed, &room->check_tokens, error);
	if (rc == 0)
		rc = setting_set(ctx, settings, "banned", room->banned, &present, error);
	if (rc == 0)
		rc = setting_set(ctx, settings, "muted", room->muted, &present, error);
	if (rc != 0) {
		room_free(room);
		return NULL;
	}
	if (room->description == NULL)
		room->description = g_strdup_printf("Room %s", room->key);
	return room;
}

int parley_chat_room_update(parley_chat_ctx *ctx, parley_chat_room *room, json_t *settings,
                            parley_plugin_error *error)
{
	parley_chat_room *changed = parley_chat_room_new(ctx, room->id, settings, room->origin, error);
	if (changed == NULL)
		return error->code;
	/* the new settings move into the room; the old ones go with `changed` */
	char *swap;
	swap = room->description, room->description = changed->description, changed->description = swap;
	swap = room->secret, room->secret = changed->secret, changed->secret = swap;
	swap = room->pin, room->pin = changed->pin, changed->pin = swap;
	room->is_private = changed->is_private;
	room->keep = changed->keep;
	room_free(changed);
	return 0;
}

void parley_chat_room_add(parley_chat_ctx *ctx, parley_chat_room *room)
{
	g_hash_table_insert(ctx->rooms, &room->id, room);
}

void parley_chat_room_remove(parley_chat_ctx *ctx, parley_chat_room *room)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->participants);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		parley_chat_participant *p = value;
		g_hash_table_remove(p->handle->rooms, &room->id);
	}
	g_hash_table_steal(ctx->rooms, &room->id);
	room_free(room);
}

json_t *parley_chat_room_settings(const parley_chat_room *room)
{
	json_t *settings = json_pack("{s:s, s:b, s:I, s:I}", "description", room->description, "is_private",
	                             room->is_private, "history", (json_int_t)room->keep.count, "history_max_age",
	                             (json_int_t)(room->keep.max_age_ms / 1000));
	if (room->secret != NULL)
		json_object_set_new(settings, "secret", json_string(room->secret));
	if (room->pin != NULL)
		json_object_set_new(settings, "pin", json_string(room->pin));
	if (room->check_tokens)
		json_object_set_new(settings, "allowed", set_list(room->allowed));
	if (g_hash_table_size(room->banned) > 0)
		json_object_set_new(settings, "banned", set_list(room->banned));
	if (g_hash_table_size(room->muted) > 0)
		json_object_set_new(settings, "muted", set_list(room->muted));
	return settings;
}

int parley_chat_room_save(parley_chat_ctx *ctx, parley_chat_room *room, parley_plugin_error *error)
{
	json_t *settings = parley_chat_room_settings(room);
	int rc = ctx->store->ops->room_save(ctx->store, room->key, settings, error);
	json_decref(settings);
	if (rc != 0)
		return parley_chat_error_recode(error, PARLEY_CHAT_ERROR_UNKNOWN);
	room->permanent = true;
	return 0;
}

guint64 parley_chat_room_new_id(parley_chat_ctx *ctx)
{
	for (;;) {
		/* 53 bits: an id JavaScript clients hold exactly */
		guint64 id = ((guint64)g_random_int() << 21) ^ (guint64)g_random_int();
		id &= (G_GUINT64_CONSTANT(1) << 53) - 1;
		if (id != 0 && parley_chat_room_find(ctx, id) == NULL)
			return id;
	}
}

parley_chat_participant *parley_chat_participant_of(parley_chat_handle *handle, parley_chat_room *room)
{
	return handle != NULL ? g_hash_table_lookup(handle->rooms, &room->id) : NULL;
}

void parley_chat_participant_remove(parley_chat_ctx *ctx, parley_chat_participant *p)
{
	parley_chat_room *room = p->room;
	g_hash_table_remove(p->handle->rooms, &room->id);
	g_hash_table_remove(room->participants, p->username); /* frees p */
	/* an implicit room goes once empty, unless it holds bans or mutes */
	if (room->origin == PARLEY_CHAT_ORIGIN_IMPLICIT && g_hash_table_size(room->participants) == 0 &&
	    g_hash_table_size(room->banned) == 0 && g_hash_table_size(room->muted) == 0)
		parley_chat_room_remove(ctx, room);
}
