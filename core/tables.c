/*
 * tables.c — the three tables of core services handed to modules at init
 * (plugins, transports, event handlers). Each is a static const struct
 * filled with designated initializers, with api_version and struct_size
 * set; every entry forwards to the core module that owns the service.
 * parleyd hands them to the loader (parley_tables_all).
 */
#include <stdarg.h>
#include <stdio.h>
#include "tables.h"
#include "admin.h"
#include "api.h"
#include "auth.h"
#include "config.h"
#include "errors.h"
#include "events.h"
#include "log.h"
#include "loops.h"
#include "registry.h"
#include "request.h"
#include "session.h"
#include "status.h"
#include "webrtc.h"
#include "webrtc_owned.h"
#include "webrtc_params.h"

/* ---- shared entries ------------------------------------------------------- */

static void module_log(parley_log_level level, const char *module, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void module_log(parley_log_level level, const char *module, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	parley_log_v(level, module, format, args);
	va_end(args);
}

static const char *config_get(const char *package, const char *section, const char *key)
{
	return parley_config_get(package, section, key);
}

static const char *state_dir(void)
{
	return parley_config_state_dir();
}

static void timer_stop(parley_timer *timer)
{
	parley_timer_stop(timer);
}

/* ---- plugins ------------------------------------------------------------------- */

static void plugin_notify_event(const parley_plugin *plugin, parley_plugin_session *psession, json_t *event)
{
	if (!event || !parley_events_wanted(PARLEY_EVENT_PLUGIN))
		return;
	parley_handle *h = parley_handle_from_plugin(psession);
	json_t *wrapped = json_pack("{sssssO}", "name", "plugin", "plugin", plugin ? plugin->package : "",
	                            "data", event);
	parley_events_emit(PARLEY_EVENT_PLUGIN, h ? h->session->id : 0, h ? h->id : 0, wrapped);
	json_decref(wrapped);
}

static bool plugin_events_enabled(void)
{
	return parley_events_wanted(PARLEY_EVENT_PLUGIN);
}

static void handle_ref(parley_plugin_session *psession)
{
	parley_handle_ref(parley_handle_from_plugin(psession));
}

static void handle_unref(parley_plugin_session *psession)
{
	parley_handle_unref(parley_handle_from_plugin(psession));
}

/* A second handle of the parent's client on the same plugin: the
 * session's table holds it, so it ends with the session. */
static parley_plugin_session *handle_companion(parley_plugin_session *parent, parley_plugin_error *error)
{
	parley_handle *h = parley_handle_from_plugin(parent);
	if (!h || g_atomic_int_get(&h->life.destroyed)) {
		parley_plugin_error_set(error, PARLEY_PLUGIN_ERROR_HANDLE_GONE, "the handle is gone");
		return NULL;
	}
	parley_handle *companion = NULL;
	char reason[256] = "";
	int code = parley_handle_create(h->session, h->plugin, h->opaque_id, &companion, reason, sizeof(reason));
	if (code) {
		parley_plugin_error_set(error, code, "%s", reason);
		return NULL;
	}
	parley_plugin_session *psession = &companion->psession;
	parley_handle_unref(companion); /* the session's table keeps its own reference */
	return psession;
}

static parley_timer *plugin_timer_start(parley_plugin_session *psession, unsigned interval_ms,
                                        parley_timer_fn fn, void *user_data, void (*destroy)(void *))
{
	parley_handle *h = parley_handle_from_plugin(psession);
	if (h && g_atomic_int_get(&h->life.destroyed))
		return NULL;
	parley_loop *loop = h ? __atomic_load_n(&h->loop, __ATOMIC_ACQUIRE) : NULL;
	return parley_timer_start(loop ? loop : parley_loops_first(), interval_ms, fn, user_data, destroy);
}

static int handle_share_loop(parley_plugin_session *psession, const char *group, parley_plugin_error *error)
{
	parley_handle *h = parley_handle_from_plugin(psession);
	if (!h)
		return parley_plugin_error_set(error, PARLEY_PLUGIN_ERROR_HANDLE_GONE, "the handle is gone");
	char reason[128] = "";
	int code = parley_webrtc_share_loop(h, group, reason, sizeof(reason));
	return code ? parley_plugin_error_set(error, code, "%s", reason) : 0;
}

static bool auth_token_allows(const parley_plugin *plugin, const char *token)
{
	if (!plugin || !token)
		return false;
	if (parley_auth_signed_token_valid(token, plugin->package))
		return true;
	return parley_auth_stored_tokens_enabled() && parley_auth_token_stored(token) &&
	       parley_auth_allows_plugin(token, plugin->package);
}

static json_t *query_handler(const char *package, json_t *request)
{
	const parley_handler *handler = package ? parley_registry_handler(package) : NULL;
	if (!handler || !handler->handle_request || !request)
		return NULL;
	return handler->handle_request(request);
}

static void plugin_log_context(parley_plugin_session *psession, const char *room)
{
	parley_handle *h = parley_handle_from_plugin(psession);
	parley_log_context_set(h ? h->session->id : 0, h ? h->id : 0);
	parley_log_context_room(room);
}

static const parley_plugin_core plugin_core = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin_core),
	.push_event = parley_api_push_event,
	.notify_event = plugin_notify_event,
	.events_enabled = plugin_events_enabled,
	.handle_ref = handle_ref,
	.handle_unref = handle_unref,
	.end_session = parley_webrtc_owned_end,
	.relay_rtp = parley_webrtc_relay_rtp,
	.relay_rtcp = parley_webrtc_relay_rtcp,
	.relay_data = parley_webrtc_relay_data,
	.send_pli = parley_webrtc_send_pli,
	.send_remb = parley_webrtc_send_remb,
	.close_pc = parley_webrtc_close_pc,
	.timer_start = plugin_timer_start,
	.timer_stop = timer_stop,
	.config_get = config_get,
	.state_dir = state_dir,
	.log = module_log,
	.auth_token_allows = auth_token_allows,
	.sdp_answer = parley_webrtc_sdp_answer,
	.sdp_offer = parley_webrtc_sdp_offer,
	.sdp_summary = parley_webrtc_sdp_summary,
	.params_create_transport = parley_webrtc_params_create_transport,
	.params_connect_transport = parley_webrtc_params_connect_transport,
	.params_restart_ice = parley_webrtc_params_restart_ice,
	.params_receive = parley_webrtc_params_receive,
	.params_send = parley_webrtc_params_send,
	.params_pause = parley_webrtc_params_pause,
	.params_close = parley_webrtc_params_close,
	.params_rtp_capabilities = parley_webrtc_params_rtp_capabilities,
	.handle_companion = handle_companion,
	.close_data = parley_webrtc_close_data,
	.query_handler = query_handler,
	.log_context = plugin_log_context,
	.handle_new = parley_webrtc_owned_handle_new,
	.sdp_remote = parley_webrtc_owned_sdp_remote,
	.sdp_local = parley_webrtc_owned_sdp_local,
	.trickle = parley_webrtc_owned_trickle,
	.handle_share_loop = handle_share_loop,
};

/* ---- transports ------------------------------------------------------------------ */

static void *conn_data(parley_conn *conn)
{
	return conn ? conn->data : NULL;
}

static void transport_incoming(parley_conn *conn, void *request_ctx, bool admin, json_t *message)
{
	if (admin)
		parley_admin_incoming(conn, request_ctx, message);
	else
		parley_api_incoming(conn, request_ctx, message);
}

static int session_touch(uint64_t session_id)
{
	parley_session *s = parley_session_find(session_id);
	if (!s)
		return PARLEY_ERROR_SESSION_NOT_FOUND;
	parley_session_touch(s);
	parley_session_unref(s);
	return 0;
}

static void transport_notify_event(const parley_transport *transport, parley_conn *conn, json_t *event)
{
	if (!event || !parley_events_wanted(PARLEY_EVENT_TRANSPORT))
		return;
	char id[32];
	snprintf(id, sizeof(id), "%p", (void *)conn);
	json_t *wrapped = json_pack("{sssssssO}", "name", "transport",
	                            "transport", transport ? transport->package : "", "id", id, "data", event);
	parley_events_emit(PARLEY_EVENT_TRANSPORT, 0, 0, wrapped);
	json_decref(wrapped);
}

static bool transport_events_enabled(void)
{
	return parley_events_wanted(PARLEY_EVENT_TRANSPORT);
}

static bool transport_plugin_loaded(const char *package_or_alias)
{
	return package_or_alias != NULL && parley_registry_plugin(package_or_alias) != NULL;
}

static const parley_transport_core transport_core = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport_core),
	.conn_new = parley_conn_new,
	.conn_data = conn_data,
	.conn_ref = parley_conn_ref,
	.conn_unref = parley_conn_unref,
	.conn_closed = parley_conn_closed,
	.incoming_request = transport_incoming,
	.error_reply = parley_request_error_reply,
	.session_touch = session_touch,
	.handle_http = parley_status_handle_http,
	.notify_event = transport_notify_event,
	.events_enabled = transport_events_enabled,
	.config_get = config_get,
	.state_dir = state_dir,
	.log = module_log,
	.plugin_loaded = transport_plugin_loaded,
	.handle_http_call = parley_status_handle_http_call,
};

/* ---- event handlers ---------------------------------------------------------------- */

static parley_timer *handler_timer_start(void *unused_must_be_null, unsigned interval_ms,
                                         parley_timer_fn fn, void *user_data, void (*destroy)(void *))
{
	return parley_timer_start(parley_loops_first(), interval_ms, fn, user_data, destroy);
}

static const parley_handler_core handler_core = {
	.api_version = PARLEY_HANDLER_API_VERSION,
	.struct_size = sizeof(parley_handler_core),
	.config_get = config_get,
	.state_dir = state_dir,
	.log = module_log,
	.timer_start = handler_timer_start,
	.timer_stop = timer_stop,
};

/* ---- all three ------------------------------------------------------------------------ */

static const parley_loader_tables all_tables = {
	.plugin = &plugin_core,
	.transport = &transport_core,
	.handler = &handler_core,
};

const parley_loader_tables *parley_tables_all(void)
{
	return &all_tables;
}
