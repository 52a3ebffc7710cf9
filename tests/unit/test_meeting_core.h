/*
 * tests/unit/test_meeting_core.h — the core table for the meeting plugin's
 * unit tests: the recording functions of recording_core.h (events,
 * handle_ref/unref counts, config_get from a table the test fills) plus a
 * state folder, and contexts on an in-memory database.
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

#endif
