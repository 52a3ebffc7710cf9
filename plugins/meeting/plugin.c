/*
 * plugins/meeting/plugin.c — the meeting plugin's face to the core: the
 * parley_plugin vtable, init/destroy (configuration, database, TTL timer),
 * handle attach/detach, and the hand-off of messages and REST requests to
 * signaling.c and rest.c. All the logic lives in libmeeting.la.
 */
#include <string.h>

#include "meeting.h"

static parley_meeting_ctx *meeting_ctx;
static parley_timer *sweep_timer;
static const parley_plugin meeting_plugin;

static bool sweep_now(void *user_data)
{
	parley_meeting_ctx *ctx = user_data;
	parley_meeting_sweep(ctx, ctx->now_ms());
	return true;
}

static int meeting_init(const parley_plugin_core *core)
{
	parley_meeting_config cfg;
	char *error = NULL;
	if (core == NULL || core->push_event == NULL)
		return -1;
	parley_meeting_config_load(&cfg, core);
	meeting_ctx = parley_meeting_ctx_new(core, &meeting_plugin, &cfg, &error);
	if (meeting_ctx == NULL) {
		if (core->log != NULL)
			core->log(PARLEY_LOG_ERROR, PARLEY_MEETING_PACKAGE, "cannot open the meetings database: %s",
			          error != NULL ? error : "unknown error");
		g_free(error);
		parley_meeting_config_clear(&cfg);
		return -1;
	}
	/* meetings whose TTL ran out while the server was down end now */
	parley_meeting_sweep(meeting_ctx, meeting_ctx->now_ms());
	if (core->timer_start != NULL)
		sweep_timer = core->timer_start(NULL, meeting_ctx->cfg.ttl_check_interval * 1000,
		                                sweep_now, meeting_ctx, NULL);
	if (core->log != NULL)
		core->log(PARLEY_LOG_INFO, PARLEY_MEETING_PACKAGE,
		          "meetings in %s, ttl %" G_GINT64_FORMAT " s, max %d participants, rate limit %u/min",
		          meeting_ctx->cfg.db_path, (gint64)meeting_ctx->cfg.meeting_ttl,
		          meeting_ctx->cfg.default_max_participants, meeting_ctx->cfg.rate_limit);
	return 0;
}

static void meeting_destroy(void)
{
	if (sweep_timer != NULL && meeting_ctx->core->timer_stop != NULL)
		meeting_ctx->core->timer_stop(sweep_timer);
	sweep_timer = NULL;
	parley_meeting_ctx_free(meeting_ctx);
	meeting_ctx = NULL;
}

static int meeting_create_session(parley_plugin_session *session)
{
	if (meeting_ctx == NULL || session == NULL)
		return -1;
	session->plugin_handle = parley_meeting_handle_attach(meeting_ctx, session);
	return 0;
}

static void meeting_handle_message(parley_plugin_session *session, const char *transaction,
                                   json_t *message, json_t *jsep, parley_plugin_result *result)
{
	memset(result, 0, sizeof(*result));
	if (meeting_ctx == NULL || parley_meeting_signal(meeting_ctx, session, transaction, message) != 0) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "No such handle in the meeting plugin", sizeof(result->text));
		return;
	}
	result->kind = PARLEY_PLUGIN_OK_WAIT;
}

static int meeting_destroy_session(parley_plugin_session *session)
{
	if (meeting_ctx == NULL || parley_meeting_handle_detach(meeting_ctx, session) != 0)
		return -1;
	session->plugin_handle = NULL;
	return 0;
}

static json_t *meeting_query_session(parley_plugin_session *session)
{
	return meeting_ctx != NULL ? parley_meeting_handle_query(meeting_ctx, session) : NULL;
}

static int meeting_handle_http(const parley_http_request *request, parley_http_response *response)
{
	if (meeting_ctx == NULL)
		return -1;
	return parley_meeting_rest_handle(meeting_ctx, request, response);
}

static const parley_plugin meeting_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_MEETING_PACKAGE,
	.name = "Meeting",
	.description = "Mesh meetings: REST meeting management, peer-to-peer signaling relay, "
	               "approval, host controls, TTL and analytics",
	.author = "Parley",
	.version_string = "0.1.0",
	.version = 100,
	.init = meeting_init,
	.destroy = meeting_destroy,
	.create_session = meeting_create_session,
	.handle_message = meeting_handle_message,
	.destroy_session = meeting_destroy_session,
	.query_session = meeting_query_session,
	.http_prefix = "/api/meetings/",
	.handle_http = meeting_handle_http,
};

const parley_plugin *parley_plugin_entry(void);

const parley_plugin *parley_plugin_entry(void)
{
	return &meeting_plugin;
}
