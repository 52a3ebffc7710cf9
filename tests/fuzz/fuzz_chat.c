/*
 * fuzz_chat.c — libFuzzer target for the chat plugin's request path
 * (plugins/chat: the envelope, the member checks, every request of the
 * table, the store on an in-memory SQLite): the input is up to 16
 * requests, one per line. Each goes in as a data channel message from a
 * participant already in room 1 ("alice"); each line that is a JSON value
 * also goes in as a Janus API message body from another ("bob") and as an
 * admin API message. Whatever comes in, every delivery is a JSON object
 * with a "textroom" member, the API paths always answer one, and the
 * handle references taken for deliveries are all given back. A fresh
 * context per input keeps every finding reproducible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>

#include "plugins/chat/chat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int refs;
static GHashTable *settings;

static void check_payload(json_t *json)
{
	if (!json_is_object(json) || !json_is_string(json_object_get(json, "textroom")))
		abort();
}

static int push_event(parley_plugin_session *session, const parley_plugin *plugin, const char *transaction,
                      json_t *message, json_t *jsep)
{
	check_payload(message);
	return 0;
}

static int relay_data(parley_plugin_session *session, parley_data_packet *packet)
{
	if (packet->binary || packet->size != strlen(packet->buffer))
		abort();
	json_t *json = json_loadb(packet->buffer, packet->size, 0, NULL);
	check_payload(json);
	json_decref(json);
	return 0;
}

static void handle_ref(parley_plugin_session *session) { refs++; }
static void handle_unref(parley_plugin_session *session) { refs--; }
static bool events_enabled(void) { return true; }
static void notify_event(const parley_plugin *plugin, parley_plugin_session *session, json_t *event)
{
	if (!json_is_object(event))
		abort();
}
static const char *config_get(const char *package, const char *section, const char *key)
{
	char name[128];
	snprintf(name, sizeof(name), "%s.%s", section, key);
	return g_hash_table_lookup(settings, name);
}
static const char *state_dir(void) { return "."; }
static void log_line(parley_log_level level, const char *module, const char *format, ...) {}

static const parley_plugin_core core = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin_core),
	.push_event = push_event,
	.notify_event = notify_event,
	.events_enabled = events_enabled,
	.handle_ref = handle_ref,
	.handle_unref = handle_unref,
	.relay_data = relay_data,
	.config_get = config_get,
	.state_dir = state_dir,
	.log = log_line,
};

static const parley_plugin plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_CHAT_PACKAGE,
};

static int64_t clock_ms;
static int64_t fake_now(void) { return clock_ms += 250; }

static void setup_settings(void)
{
	if (settings != NULL)
		return;
	settings = g_hash_table_new(g_str_hash, g_str_equal);
	static const char *const pairs[][2] = {
		{"general.rooms", "1,2"}, {"general.implicit_rooms", "true"}, {"room-1.history", "5"},
		{"room-2.secret", "s"},   {"room-2.pin", "p"},                {"room-2.allowed", "t1,t2"},
		{"limits.max_rooms", "16"}, {"limits.max_participants", "8"}, {"limits.max_message_size", "64"},
		{"limits.max_request_size", "1024"}, {"history.limit", "20"},  {"limits.history_page", "10"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++)
		g_hash_table_insert(settings, (char *)pairs[i][0], (char *)pairs[i][1]);
}

static void run_api(parley_chat_ctx *ctx, parley_plugin_session *session, parley_chat_via via, json_t *body)
{
	json_t *reply = parley_chat_request_run(ctx, session, via, NULL, "tx", body);
	check_payload(reply);
	json_decref(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_settings();
	clock_ms = 1700000000000;
	parley_chat_config cfg;
	parley_chat_config_load(&cfg, &core);
	g_free(cfg.db_path);
	cfg.db_path = g_strdup(":memory:");
	parley_plugin_error error = {0};
	parley_chat_ctx *ctx = parley_chat_ctx_new(&core, &plugin, &cfg, &error);
	if (ctx == NULL)
		abort();
	ctx->now_ms = fake_now;
	parley_plugin_session alice = {0}, bob = {0};
	parley_chat_handle_attach(ctx, &alice);
	parley_chat_handle_attach(ctx, &bob);
	static const char join[] = "{\"textroom\":\"join\",\"transaction\":\"j\",\"room\":1,\"username\":\"alice\"}";
	parley_chat_request_data(ctx, &alice, "chat", join, strlen(join), false);

	const char *text = (const char *)data;
	size_t start = 0;
	for (int line = 0; line < 16 && start < size; line++) {
		const char *end = memchr(text + start, '\n', size - start);
		size_t length = end != NULL ? (size_t)(end - (text + start)) : size - start;
		parley_chat_request_data(ctx, &alice, "chat", text + start, length, false);
		json_t *body = json_loadb(text + start, length, JSON_DECODE_ANY, NULL);
		if (body != NULL) {
			run_api(ctx, &bob, PARLEY_CHAT_VIA_API, body);
			run_api(ctx, NULL, PARLEY_CHAT_VIA_ADMIN, body);
		}
		json_decref(body);
		start += length + 1;
	}
	parley_chat_request_data(ctx, &alice, "chat", (const char *)data, size, true);
	parley_chat_handle_hangup(ctx, &alice);
	parley_chat_handle_detach(ctx, &alice);
	parley_chat_handle_detach(ctx, &bob);
	parley_chat_purge_old(ctx);
	parley_chat_ctx_free(ctx);
	if (refs != 0)
		abort();
	return 0;
}
