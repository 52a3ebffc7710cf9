/*
 * admin.c — the admin API: the same envelope as the client API with
 * "admin_secret", one rule table and one handler per request, and the verb
 * table request.c dispatches by. Inspects and ends sessions and handles,
 * changes settings at run time (log level, session timeout, accepting
 * sessions), manages stored tokens and forwards requests to plugins,
 * transports and event handlers.
 */
#include <string.h>
#include <glib.h>
#include "admin.h"
#include "api.h"
#include "auth.h"
#include "errors.h"
#include "events.h"
#include "log.h"
#include "loops.h"
#include "metrics.h"
#include "registry.h"
#include "request.h"
#include "session.h"
#include "validate.h"
#include "webrtc.h"

#define PARLEY_LOG_MODULE "admin"

/* {"janus":"success","transaction",("session_id","handle_id")?} */
static json_t *success(const parley_request *req)
{
	json_t *reply = json_pack("{ssss}", "janus", "success", "transaction", req->transaction);
	if (req->session)
		json_object_set_new(reply, "session_id", json_integer((json_int_t)req->session_id));
	if (req->handle)
		json_object_set_new(reply, "handle_id", json_integer((json_int_t)req->handle_id));
	return reply;
}

/* success() with one more member (`value` is stolen). */
static json_t *success_with(const parley_request *req, const char *key, json_t *value)
{
	json_t *reply = success(req);
	json_object_set_new(reply, key, value);
	return reply;
}

static const char *string_of(const parley_request *req, const char *key)
{
	return json_string_value(json_object_get(req->message, key));
}

/* ---- rule tables ------------------------------------------------------------ */

static const parley_rule envelope_rules[] = {
	{ "transaction", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "janus", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "admin_secret", PARLEY_JSON_STRING, 0 },
	{ "session_id", PARLEY_JSON_INTEGER, PARLEY_RULE_NONNEGATIVE },
	{ "handle_id", PARLEY_JSON_INTEGER, PARLEY_RULE_NONNEGATIVE },
	{ NULL },
};
static const parley_rule level_rules[] = {
	{ "level", PARLEY_JSON_INTEGER, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONNEGATIVE },
	{ NULL },
};
static const parley_rule timeout_rules[] = {
	{ "timeout", PARLEY_JSON_INTEGER, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONNEGATIVE },
	{ NULL },
};
static const parley_rule accept_rules[] = {
	{ "accept", PARLEY_JSON_BOOLEAN, PARLEY_RULE_REQUIRED },
	{ NULL },
};
static const parley_rule plugin_message_rules[] = {
	{ "plugin", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONEMPTY },
	{ "request", PARLEY_JSON_OBJECT, PARLEY_RULE_REQUIRED },
	{ NULL },
};
static const parley_rule transport_query_rules[] = {
	{ "transport", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONEMPTY },
	{ "request", PARLEY_JSON_OBJECT, PARLEY_RULE_REQUIRED },
	{ NULL },
};
static const parley_rule handler_query_rules[] = {
	{ "handler", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONEMPTY },
	{ "request", PARLEY_JSON_OBJECT, PARLEY_RULE_REQUIRED },
	{ NULL },
};
static const parley_rule add_token_rules[] = {
	{ "token", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONEMPTY },
	{ "plugins", PARLEY_JSON_ARRAY, 0 },
	{ NULL },
};
static const parley_rule token_rules[] = {
	{ "token", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONEMPTY },
	{ NULL },
};

/* ---- handlers ----------------------------------------------------------------- */

static json_t *do_info(parley_request *req)
{
	return parley_api_server_info_reply(req->transaction);
}

static json_t *do_ping(parley_request *req)
{
	return json_pack("{ssss}", "janus", "pong", "transaction", req->transaction);
}

/* Janus's names for what both have (its admin page makes a row per key,
 * with the key as the row's element id, and an edit button for the ones it
 * knows: session_timeout, log_level); Parley's own figures under names that
 * neither Janus nor that page use. */
static json_t *do_get_status(parley_request *req)
{
	parley_session_settings s;
	parley_sessions_settings(&s);
	json_t *status = json_pack("{sb sI sI si ss sb sb sb}",
		"token_auth", parley_auth_stored_tokens_enabled(),
		"session_timeout", (json_int_t)s.session_timeout,
		"reclaim_session_timeout", (json_int_t)s.reclaim_session_timeout,
		"log_level", (int)parley_log_get_level(),
		"log_level_name", parley_log_level_name(parley_log_get_level()),
		"accepting_new_sessions", parley_api_accepting_sessions(),
		"api_secret", parley_auth_api_secret_enabled(),
		"signed_tokens", parley_auth_token_enabled() && !parley_auth_stored_tokens_enabled());
	unsigned fresh, connected, disconnected;
	parley_webrtc_pc_counts(&fresh, &connected, &disconnected);
	json_t *figures = json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI sI}",
		"uptime", (json_int_t)parley_metrics_uptime_seconds(),
		"active_sessions", (json_int_t)parley_sessions_count(),
		"active_handles", (json_int_t)parley_handles_count(),
		"peerconnections_new", (json_int_t)fresh,
		"peerconnections_connected", (json_int_t)connected,
		"peerconnections_disconnected", (json_int_t)disconnected,
		"event_loops", (json_int_t)parley_loops_count(),
		"workers", (json_int_t)parley_api_workers(),
		"events_emitted", (json_int_t)parley_events_emitted(),
		"events_dropped", (json_int_t)parley_events_dropped(),
		"max_sessions", (json_int_t)s.max_sessions,
		"max_sessions_per_connection", (json_int_t)s.max_sessions_per_connection,
		"max_handles_per_session", (json_int_t)s.max_handles_per_session,
		"max_candidates_per_handle", (json_int_t)s.max_candidates_per_handle);
	json_object_update(status, figures);
	json_decref(figures);
	return success_with(req, "status", status);
}

static json_t *do_list_sessions(parley_request *req)
{
	return success_with(req, "sessions", parley_sessions_list());
}

static json_t *do_list_handles(parley_request *req)
{
	return success_with(req, "handles", parley_session_handle_ids(req->session));
}

static json_t *do_handle_info(parley_request *req)
{
	parley_handle *h = req->handle;
	parley_loop *loop = __atomic_load_n(&h->loop, __ATOMIC_ACQUIRE); /* may move until a pc exists */
	parley_session_settings settings;
	parley_sessions_settings(&settings);
	json_t *info = json_pack("{sI sI sI sI sI sI ss sb sI}",
		"session_id", (json_int_t)req->session_id,
		"session_last_activity", (json_int_t)__atomic_load_n(&req->session->last_activity, __ATOMIC_RELAXED),
		"session_timeout", (json_int_t)settings.session_timeout,
		"session_created", (json_int_t)req->session->created,
		"handle_id", (json_int_t)h->id,
		"created", (json_int_t)h->created,
		"plugin", h->plugin->package,
		"loop-running", loop != NULL,
		"current_time", (json_int_t)g_get_monotonic_time());
	parley_conn *conn = parley_session_conn(req->session);
	if (conn && conn->transport && conn->transport->package)
		json_object_set_new(info, "session_transport", json_string(conn->transport->package));
	parley_conn_unref(conn);
	json_object_set_new(info, "opaque_id", h->opaque_id ? json_string(h->opaque_id) : json_null());
	if (loop)
		json_object_set_new(info, "loop-id", json_integer(parley_loop_id(loop)));
	g_mutex_lock(&h->lock);
	if (h->loop_group)
		json_object_set_new(info, "loop-group", json_string(h->loop_group));
	g_mutex_unlock(&h->lock);
	parley_webrtc_add_info(h, info);
	json_t *specific = h->plugin->query_session ? h->plugin->query_session(&h->psession) : NULL;
	json_object_set_new(info, "plugin_specific", specific ? specific : json_object());
	return success_with(req, "info", info);
}

static json_t *do_destroy_session(parley_request *req)
{
	parley_session_destroy(req->session, PARLEY_SESSION_END_ADMIN);
	return success(req);
}

static json_t *do_detach_handle(parley_request *req)
{
	int rc = parley_handle_destroy(req->handle, true);
	if (rc)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_DETACH,
		                           "Couldn't detach from plugin: error '%d'", rc);
	return success(req);
}

static json_t *do_hangup_webrtc(parley_request *req)
{
	parley_webrtc_hangup(req->handle, "Admin API");
	return success(req);
}

static json_t *do_set_log_level(parley_request *req)
{
	json_int_t level = json_integer_value(json_object_get(req->message, "level"));
	if (level > 7)
		return parley_request_fail(req, PARLEY_ERROR_INVALID_ELEMENT_TYPE,
		                           "Invalid element type (level should be between 0 and 7)");
	parley_log_set_level((parley_log_level)(level > PARLEY_LOG_DEBUG ? PARLEY_LOG_DEBUG : level));
	return success_with(req, "level", json_integer((json_int_t)parley_log_get_level()));
}

static json_t *do_set_session_timeout(parley_request *req)
{
	json_int_t timeout = json_integer_value(json_object_get(req->message, "timeout"));
	if (timeout > G_MAXUINT32 / 2)
		return parley_request_fail(req, PARLEY_ERROR_INVALID_ELEMENT_TYPE,
		                           "Invalid element type (timeout is too large)");
	parley_sessions_set_timeout((unsigned)timeout);
	return success_with(req, "timeout", json_integer(timeout));
}

static json_t *do_accept_new_sessions(parley_request *req)
{
	bool accept = json_is_true(json_object_get(req->message, "accept"));
	parley_api_set_accepting_sessions(accept);
	return success_with(req, "accept", json_boolean(accept));
}

static json_t *do_message_plugin(parley_request *req)
{
	const char *name = string_of(req, "plugin");
	const parley_plugin *plugin = parley_registry_plugin(name);
	if (!plugin)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_NOT_FOUND, "No such plugin '%s'", name);
	if (!plugin->handle_admin_message)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE,
		                           "Plugin '%s' takes no admin messages", name);
	json_t *response = plugin->handle_admin_message(json_object_get(req->message, "request"));
	if (!response)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE, "Plugin '%s' gave no response", name);
	return success_with(req, "response", response);
}

static json_t *do_query_transport(parley_request *req)
{
	const char *name = string_of(req, "transport");
	const parley_transport *transport = parley_registry_transport(name);
	if (!transport)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_NOT_FOUND, "No such transport '%s'", name);
	if (!transport->query_transport)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE, "Transport '%s' takes no queries", name);
	json_t *response = transport->query_transport(json_object_get(req->message, "request"));
	if (!response)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE, "Transport '%s' gave no response", name);
	return success_with(req, "response", response);
}

static json_t *do_query_eventhandler(parley_request *req)
{
	const char *name = string_of(req, "handler");
	const parley_handler *handler = parley_registry_handler(name);
	if (!handler)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_NOT_FOUND, "No such event handler '%s'", name);
	if (!handler->handle_request)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE,
		                           "Event handler '%s' takes no queries", name);
	json_t *response = handler->handle_request(json_object_get(req->message, "request"));
	if (!response)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE,
		                           "Event handler '%s' gave no response", name);
	return success_with(req, "response", response);
}

static bool stored_tokens_off(parley_request *req)
{
	if (parley_auth_stored_tokens_enabled())
		return false;
	parley_request_fail(req, PARLEY_ERROR_UNKNOWN, "Stored-token authentication is disabled ([auth] token_auth)");
	return true;
}

static json_t *do_add_token(parley_request *req)
{
	if (stored_tokens_off(req))
		return NULL;
	json_t *plugins = json_object_get(req->message, "plugins");
	size_t i;
	json_t *name;
	json_array_foreach(plugins, i, name) {
		if (!json_is_string(name))
			return parley_request_fail(req, PARLEY_ERROR_INVALID_ELEMENT_TYPE,
			                           "Invalid element type (plugins should be strings)");
		if (!parley_registry_plugin(json_string_value(name)))
			return parley_request_fail(req, PARLEY_ERROR_PLUGIN_NOT_FOUND,
			                           "No such plugin '%s'", json_string_value(name));
	}
	const char *token = string_of(req, "token");
	parley_auth_token_add(token, plugins);
	json_t *allowed = parley_auth_token_plugins(token);
	return success_with(req, "data", json_pack("{so}", "plugins", allowed ? allowed : json_array()));
}

static json_t *do_list_tokens(parley_request *req)
{
	if (stored_tokens_off(req))
		return NULL;
	return success_with(req, "data", json_pack("{so}", "tokens", parley_auth_token_list()));
}

static json_t *do_remove_token(parley_request *req)
{
	if (stored_tokens_off(req))
		return NULL;
	const char *token = string_of(req, "token");
	if (parley_auth_token_remove(token))
		return parley_request_fail(req, PARLEY_ERROR_TOKEN_NOT_FOUND, "Token '%s' not found", token);
	return success(req);
}

static json_t *do_loops_info(parley_request *req)
{
	json_t *loops = parley_loops_info();
	return success_with(req, "loops", loops ? loops : json_array());
}

/* Requests of Janus's admin API that Parley has nothing to act on: answered
 * (after the admin secret is checked) with Janus's error for a request the
 * server does not handle, 453, and a reason saying why, so a tool written
 * for Janus shows it instead of failing. One list, two tables below. */
#define JANUS_ONLY_VERBS(X) \
	X("set_locking_debug", "Parley has no lock debugging") \
	X("set_refcount_debug", "Parley has no reference counter debugging") \
	X("set_log_timestamps", "every log line has its timestamp") \
	X("set_log_colors", "the log has no colors") \
	X("set_libnice_debug", "libnice's messages go through the log: raise the log level") \
	X("set_min_nack_queue", "the retransmission history is [media] nack_buffer_ms") \
	X("set_no_media_timer", "a silent peer is noticed after [media] disconnect_timeout_ms") \
	X("set_slowlink_threshold", "slow links are reported from RTCP loss, without a threshold") \
	X("query_logger", "Parley has no logger plugins") \
	X("custom_event", "event handlers get Parley's own events only") \
	X("custom_logline", "Parley takes no log lines from the admin API") \
	X("resolve_address", "Parley resolves no addresses for the admin API") \
	X("test_stun", "Parley sends no STUN tests for the admin API") \
	X("start_pcap", "Parley does not capture traffic") \
	X("stop_pcap", "Parley does not capture traffic") \
	X("start_text2pcap", "Parley does not capture traffic") \
	X("stop_text2pcap", "Parley does not capture traffic")

#define AS_REASON(name, why) { name, why },
static const struct {
	const char *verb;
	const char *why;
} unsupported[] = { JANUS_ONLY_VERBS(AS_REASON) };

static json_t *do_unsupported(parley_request *req)
{
	const char *why = "not supported";
	for (size_t i = 0; i < G_N_ELEMENTS(unsupported); i++)
		if (strcmp(unsupported[i].verb, req->verb) == 0)
			why = unsupported[i].why;
	return parley_request_fail(req, PARLEY_ERROR_UNKNOWN_REQUEST, "Unsupported request '%s': %s", req->verb, why);
}

#define AS_VERB(name, why) { name, PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, NULL, do_unsupported },

/* ---- dispatch -------------------------------------------------------------------- */

static const parley_request_verb verbs[] = {
	{ "info", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, false, NULL, do_info },
	{ "ping", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, false, NULL, do_ping },
	{ "get_status", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, NULL, do_get_status },
	{ "list_sessions", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, NULL, do_list_sessions },
	{ "list_handles", PARLEY_PATH_REQUIRED, PARLEY_PATH_OPTIONAL, true, NULL, do_list_handles },
	{ "handle_info", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, NULL, do_handle_info },
	{ "destroy_session", PARLEY_PATH_REQUIRED, PARLEY_PATH_OPTIONAL, true, NULL, do_destroy_session },
	{ "detach_handle", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, NULL, do_detach_handle },
	{ "hangup_webrtc", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, NULL, do_hangup_webrtc },
	{ "set_log_level", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, level_rules, do_set_log_level },
	{ "set_session_timeout", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, timeout_rules,
	  do_set_session_timeout },
	{ "accept_new_sessions", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, accept_rules,
	  do_accept_new_sessions },
	{ "message_plugin", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, plugin_message_rules, do_message_plugin },
	{ "query_transport", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, transport_query_rules,
	  do_query_transport },
	{ "query_eventhandler", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, handler_query_rules,
	  do_query_eventhandler },
	{ "add_token", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, add_token_rules, do_add_token },
	{ "list_tokens", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, NULL, do_list_tokens },
	{ "remove_token", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, token_rules, do_remove_token },
	{ "loops_info", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, true, NULL, do_loops_info },
	JANUS_ONLY_VERBS(AS_VERB)
};

static int authorize(json_t *message)
{
	return parley_auth_check_admin(json_string_value(json_object_get(message, "admin_secret")));
}

/* Extra ids are ignored; the session is not touched (an admin looking does
 * not keep it alive). */
static const parley_request_api admin_api = {
	.envelope = envelope_rules,
	.verbs = verbs,
	.verb_count = G_N_ELEMENTS(verbs),
	.authorize = authorize,
};

void parley_admin_incoming(parley_conn *conn, void *request_ctx, json_t *message)
{
	parley_request req = { .conn = conn, .ctx = request_ctx, .message = message };
	json_t *reply = parley_request_dispatch(&admin_api, &req);
	if (!reply)
		reply = parley_request_error_reply(0, req.transaction, req.error ? req.error : PARLEY_ERROR_UNKNOWN,
		                                   req.error ? req.reason : NULL);
	if (req.session_id && req.error != PARLEY_ERROR_SESSION_NOT_FOUND && !json_object_get(reply, "session_id"))
		json_object_set_new(reply, "session_id", json_integer((json_int_t)req.session_id));
	parley_request_finish(&req, true, reply);
}
