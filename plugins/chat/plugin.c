/*
 * plugins/chat/plugin.c — parley.plugin.chat's face to the core: the
 * vtable, init/destroy (settings, store, rooms, the history purge timer),
 * handles, and the hand-off of each path's requests: Janus API messages
 * (setup/ack/restart to negotiate.c, the rest answered synchronously by
 * request.c), data channel messages (incoming_data), the admin API's
 * message_plugin, and the data channels' life (data_ready, hangup_media).
 * Clients may attach to it as janus.plugin.textroom (an alias in
 * parley.conf [plugins]).
 */
#include <string.h>

#include "chat.h"

static parley_chat_ctx *chat_ctx;
static parley_timer *purge_timer;
static const parley_plugin chat_plugin;

#define LOG(level, ...) chat_ctx->core->log(level, PARLEY_CHAT_PACKAGE, __VA_ARGS__)

static bool purge_tick(void *data)
{
	parley_chat_purge_old(data);
	return true;
}

static int chat_init(const parley_plugin_core *core)
{
	if (core == NULL || core->api_version != PARLEY_PLUGIN_API_VERSION || core->log == NULL)
		return -1;
	parley_chat_config cfg;
	parley_chat_config_load(&cfg, core);
	parley_plugin_error error = {0};
	chat_ctx = parley_chat_ctx_new(core, &chat_plugin, &cfg, &error);
	if (chat_ctx == NULL) {
		core->log(PARLEY_LOG_ERROR, PARLEY_CHAT_PACKAGE, "cannot open the chat store: %s", error.reason);
		return -1;
	}
	parley_chat_purge_old(chat_ctx);
	purge_timer = core->timer_start(NULL, chat_ctx->cfg.purge_interval * 1000, purge_tick, chat_ctx, NULL);
	LOG(PARLEY_LOG_INFO, "chat rooms: %u, history in %s, %s rooms %s", g_hash_table_size(chat_ctx->rooms),
	    chat_ctx->cfg.db_path, "implicit", chat_ctx->cfg.implicit_rooms ? "on" : "off");
	return 0;
}

static void chat_destroy(void)
{
	if (chat_ctx == NULL)
		return;
	if (purge_timer != NULL)
		chat_ctx->core->timer_stop(purge_timer);
	purge_timer = NULL;
	parley_chat_ctx_free(chat_ctx);
	chat_ctx = NULL;
}

static int chat_create_session(parley_plugin_session *session)
{
	if (chat_ctx == NULL || session == NULL)
		return -1;
	session->plugin_handle = parley_chat_handle_attach(chat_ctx, session);
	return 0;
}

static int chat_destroy_session(parley_plugin_session *session)
{
	if (chat_ctx == NULL || parley_chat_handle_detach(chat_ctx, session) != 0)
		return -1;
	session->plugin_handle = NULL;
	return 0;
}

static void chat_handle_message(parley_plugin_session *session, const char *transaction, json_t *message,
                                json_t *jsep, parley_plugin_result *result)
{
	memset(result, 0, sizeof(*result));
	if (chat_ctx == NULL) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "the chat plugin is not running", sizeof(result->text));
		return;
	}
	const char *name = json_string_value(json_object_get(message, "request"));
	if (name != NULL && parley_chat_negotiate(chat_ctx, session, name, transaction, jsep, result))
		return;
	result->kind = PARLEY_PLUGIN_OK;
	if (message == NULL)
		result->content = parley_chat_error_reply(PARLEY_CHAT_ERROR_NO_MESSAGE, "No message");
	else
		result->content = parley_chat_request_run(chat_ctx, session, PARLEY_CHAT_VIA_API, NULL, transaction, message);
}

static json_t *chat_handle_admin_message(json_t *message)
{
	if (chat_ctx == NULL)
		return NULL;
	return parley_chat_request_run(chat_ctx, NULL, PARLEY_CHAT_VIA_ADMIN, NULL, NULL, message);
}

static json_t *chat_query_session(parley_plugin_session *session)
{
	return chat_ctx != NULL ? parley_chat_handle_query(chat_ctx, session) : NULL;
}

static json_t *chat_query_status(void)
{
	return chat_ctx != NULL ? parley_chat_status(chat_ctx) : NULL;
}

static void chat_setup_media(parley_plugin_session *session)
{
	LOG(PARLEY_LOG_VERB, "PeerConnection up");
}

static void chat_incoming_data(parley_plugin_session *session, parley_data_packet *packet)
{
	if (chat_ctx != NULL)
		parley_chat_request_data(chat_ctx, session, packet->label, packet->buffer, packet->size, packet->binary);
}

static void chat_data_ready(parley_plugin_session *session, const parley_data_channel *channel,
                            parley_data_event event)
{
	if (chat_ctx != NULL && event == PARLEY_DATA_WRITABLE)
		parley_chat_handle_writable(chat_ctx, session);
}

static void chat_hangup_media(parley_plugin_session *session)
{
	if (chat_ctx != NULL)
		parley_chat_handle_hangup(chat_ctx, session);
}

static const parley_plugin chat_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_CHAT_PACKAGE,
	.name = "Chat",
	.description = "Text rooms speaking Janus TextRoom's protocol over data channels, the Janus API and "
	               "Socket.IO, with history kept in SQLite and moderation",
	.author = "Parley",
	.version_string = "0.1.0",
	.version = 100,
	.init = chat_init,
	.destroy = chat_destroy,
	.create_session = chat_create_session,
	.handle_message = chat_handle_message,
	.handle_admin_message = chat_handle_admin_message,
	.destroy_session = chat_destroy_session,
	.query_session = chat_query_session,
	.setup_media = chat_setup_media,
	.incoming_data = chat_incoming_data,
	.hangup_media = chat_hangup_media,
	.query_status = chat_query_status,
	.data_ready = chat_data_ready,
};

const parley_plugin *parley_plugin_entry(void);

const parley_plugin *parley_plugin_entry(void)
{
	return &chat_plugin;
}
