/*
 * plugins/chat/config.c — the chat plugin's settings
 * (parley.plugin.chat.conf, through core->config_get): [general],
 * [history], [limits], and the rooms of the file. A module cannot list the
 * sections of its file through the core table, so [general] rooms names
 * them: "rooms = 1234, 5678" reads [room-1234] and [room-5678], each as
 * Janus TextRoom's sample describes a room (description, secret, pin,
 * is_private, history) plus history_max_age and allowed.
 *
 * Every value is checked here; a bad one is warned about (one line naming
 * the setting) and the default kept. Rooms become JSON settings
 * (cfg->rooms) that rooms.c turns into rooms like those "create" makes.
 */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "util/setting.h"

static const char *source_get(const void *context, const char *section, const char *key)
{
	const parley_plugin_core *core = context;
	return core->config_get(PARLEY_CHAT_PACKAGE, section, key);
}

static void source_warn(const void *context, const char *line)
{
	const parley_plugin_core *core = context;
	core->log(PARLEY_LOG_WARN, PARLEY_CHAT_PACKAGE, "%s", line);
}

static long read_int(const parley_util_setting_source *source, const char *section, const char *key, long fallback,
                     long min, long max)
{
	return parley_util_setting_read_int(source, section, key, fallback, min, max);
}

/* A comma list into a JSON array of its trimmed, non-empty items (new). */
static json_t *comma_list(const char *text)
{
	json_t *list = json_array();
	char **items = g_strsplit(text != NULL ? text : "", ",", -1);
	for (char **item = items; *item != NULL; item++) {
		char *value = g_strstrip(*item);
		if (*value != '\0')
			json_array_append_new(list, json_string(value));
	}
	g_strfreev(items);
	return list;
}

/* The settings of [room-<id>] (new reference), or NULL after a warning. */
static json_t *read_room(const parley_plugin_core *core, const parley_util_setting_source *source, const char *id)
{
	char section[64];
	snprintf(section, sizeof(section), "room-%s", id);
	json_t *room = json_object();
	static const char *const strings[] = {"description", "secret", "pin"};
	for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
		const char *value = core->config_get(PARLEY_CHAT_PACKAGE, section, strings[i]);
		if (value != NULL && *value != '\0')
			json_object_set_new(room, strings[i], json_string(value));
	}
	json_object_set_new(room, "is_private",
	                    json_boolean(parley_util_setting_read_bool(source, section, "is_private", false)));
	long history = read_int(source, section, "history", -1, 0, 1000000);
	if (history >= 0)
		json_object_set_new(room, "history", json_integer(history));
	long age = read_int(source, section, "history_max_age", -1, 0, 100L * 365 * 86400);
	if (age >= 0)
		json_object_set_new(room, "history_max_age", json_integer(age));
	const char *allowed = core->config_get(PARLEY_CHAT_PACKAGE, section, "allowed");
	if (allowed != NULL && *allowed != '\0')
		json_object_set_new(room, "allowed", comma_list(allowed));
	return room;
}

/* [general] rooms: each a positive integer with its section. */
static json_t *read_rooms(const parley_plugin_core *core, const parley_util_setting_source *source)
{
	json_t *rooms = json_object();
	json_t *ids = comma_list(core->config_get(PARLEY_CHAT_PACKAGE, "general", "rooms"));
	size_t i;
	json_t *item;
	json_array_foreach(ids, i, item) {
		const char *id = json_string_value(item);
		char *end = NULL;
		guint64 value = g_ascii_strtoull(id, &end, 10);
		if (end == NULL || *end != '\0' || value == 0 || strlen(id) > 18 || id[0] == '0') {
			core->log(PARLEY_LOG_WARN, PARLEY_CHAT_PACKAGE,
			          "[general] rooms: '%s' is not a room id (a positive whole number): skipped", id);
			continue;
		}
		json_object_set_new(rooms, id, read_room(core, source, id));
	}
	json_decref(ids);
	return rooms;
}

void parley_chat_config_load(parley_chat_config *cfg, const parley_plugin_core *core)
{
	memset(cfg, 0, sizeof(*cfg));
	const parley_util_setting_source source = { source_get, source_warn, core };
	const char *admin_key = core->config_get(PARLEY_CHAT_PACKAGE, "general", "admin_key");
	cfg->admin_key = admin_key != NULL && *admin_key != '\0' ? g_strdup(admin_key) : NULL;
	cfg->notify_events = parley_util_setting_read_bool(&source, "general", "notify_events", true);
	cfg->implicit_rooms = parley_util_setting_read_bool(&source, "general", "implicit_rooms", false);
	const char *db_path = core->config_get(PARLEY_CHAT_PACKAGE, "general", "db_path");
	if (db_path != NULL && *db_path != '\0')
		cfg->db_path = g_strdup(db_path);
	else
		cfg->db_path = g_build_filename(core->state_dir != NULL && core->state_dir() != NULL ? core->state_dir()
		                                                                                    : ".",
		                                "chat.db", NULL);

	cfg->history_limit = (unsigned)read_int(&source, "history", "limit", 1000, 1, 1000000);
	cfg->history.count = (unsigned)read_int(&source, "history", "count", 0, 0, cfg->history_limit);
	cfg->history.max_age_ms = read_int(&source, "history", "max_age", 0, 0, 100L * 365 * 86400) * 1000;
	cfg->purge_interval = (unsigned)read_int(&source, "history", "purge_interval", 60, 1, 86400);
	cfg->store.batch = (unsigned)read_int(&source, "history", "write_batch", 256, 1, 100000);
	cfg->store.max_pending = (unsigned)read_int(&source, "history", "write_queue", 65536, 16, 10000000);

	cfg->max_rooms = (unsigned)read_int(&source, "limits", "max_rooms", 1000, 1, 1000000);
	cfg->max_participants = (unsigned)read_int(&source, "limits", "max_participants", 1000, 1, 1000000);
	cfg->max_rooms_per_handle = (unsigned)read_int(&source, "limits", "max_rooms_per_handle", 64, 1, 100000);
	cfg->max_text = (size_t)read_int(&source, "limits", "max_message_size", 4096, 1, 16 * 1024 * 1024);
	cfg->max_request = (size_t)read_int(&source, "limits", "max_request_size", 65536, 256, 64 * 1024 * 1024);
	cfg->max_name = (size_t)read_int(&source, "limits", "max_name_size", 256, 1, 65536);
	cfg->rate = (unsigned)read_int(&source, "limits", "message_rate", 5, 0, 100000);
	cfg->burst = (unsigned)read_int(&source, "limits", "message_burst", 10, 1, 100000);
	cfg->history_page = (unsigned)read_int(&source, "limits", "history_page", 100, 1, 100000);
	cfg->send_batch = (unsigned)read_int(&source, "limits", "send_batch", 32, 1, 100000);
	cfg->send_queue = (unsigned)read_int(&source, "limits", "send_queue", 4096, 16, 10000000);
	cfg->send_queue_bytes = (size_t)read_int(&source, "limits", "send_queue_bytes", 16L * 1024 * 1024, 65536,
	                                         1024L * 1024 * 1024);
	cfg->rooms = read_rooms(core, &source);
}

void parley_chat_config_clear(parley_chat_config *cfg)
{
	g_free(cfg->admin_key);
	g_free(cfg->db_path);
	json_decref(cfg->rooms);
	memset(cfg, 0, sizeof(*cfg));
}
