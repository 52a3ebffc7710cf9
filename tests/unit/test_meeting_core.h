/*
 * tests/unit/test_meeting_core.h — the core table for the meeting plugin's
 * unit tests: the recording functions of recording_core.h (events,
 * handle_ref/unref counts, config_get from a table the test fills) plus a
 * state folder, contexts on an in-memory database, and meetings made
 * through the REST handler.
 * Included by one test file at a time.
 */
#ifndef TEST_MEETING_CORE_H
#define TEST_MEETING_CORE_H

#define RECORDING_CORE_LOG_ENV "MEETING_TEST_LOG"
#include "recording_core.h"

#include "plugins/meeting/meeting.h"

static const char *fake_state_dir(void) { return "."; }

static const parley_plugin_core fake_core = {
	RECORDING_CORE_FIELDS,
	.state_dir = fake_state_dir,
};

static const parley_plugin fake_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_MEETING_PACKAGE,
};

/* A context on an in-memory database with the settings set so far. */
static parley_meeting_ctx *fake_ctx_new(void)
{
	parley_meeting_config cfg;
	recording_reset();
	parley_meeting_config_load(&cfg, &fake_core);
	g_free(cfg.db_path);
	cfg.db_path = g_strdup(":memory:");
	g_free(cfg.chat_db_path);
	cfg.chat_db_path = g_strdup(":memory:");
	return parley_meeting_ctx_new(&fake_core, &fake_plugin, &cfg, NULL);
}

static void fake_ctx_free(parley_meeting_ctx *ctx)
{
	parley_meeting_ctx_free(ctx);
	recording_clear();
}

/* Creates a meeting titled `title` (host "host", "Hostess") through the REST
 * handler with `settings` (a JSON object text, or NULL); returns its room id
 * (g_free). */
static inline char *fake_meeting_create(parley_meeting_ctx *ctx, const char *title, const char *settings)
{
	char *body = g_strdup_printf("{\"title\":\"%s\",\"hostId\":\"host\",\"hostName\":\"Hostess\",\"settings\":%s}",
	                             title, settings != NULL ? settings : "{}");
	parley_http_request r = { .method = "POST", .path = "/api/meetings/create", .body = body,
	                          .body_length = strlen(body), .remote_ip = "127.0.0.1" };
	parley_http_response out = { 0 };
	parley_meeting_rest_handle(ctx, &r, &out);
	assert_int_equal(out.status, 201);
	json_t *reply = json_loads(out.body, 0, NULL);
	char *room = g_strdup(json_string_value(json_object_get(json_object_get(reply, "meeting"), "roomId")));
	json_decref(reply);
	g_free(out.body);
	g_free(body);
	return room;
}

#endif
