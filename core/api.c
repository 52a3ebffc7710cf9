/*
 * api.c — the Janus-compatible client API: one declarative rule table per
 * verb and the verb table request.c dispatches by, the replies (success /
 * ack / server_info / pong; errors are request.c's), and plugin events
 * pushed to clients. Plugin messages go to the worker pool of messages.c.
 * Every request is answered exactly once through its transport's
 * send_message.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "api.h"
#include "auth.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "messages.h"
#include "registry.h"
#include "request.h"
#include "session.h"
#include "validate.h"
#include "webrtc.h"
#include "media/dtls.h"
#include "media/srtp.h"

#define PARLEY_LOG_MODULE "api"
#define MAX_MODULES 64

/* ---- state ------------------------------------------------------------------ */

static gint accepting = 1;

/* Requests per verb for /metrics (the last slot: unknown verbs). */
#define VERB_SLOTS 16
static gint request_counts[VERB_SLOTS];

bool parley_api_accepting_sessions(void)
{
	return g_atomic_int_get(&accepting) != 0;
}

void parley_api_set_accepting_sessions(bool accept)
{
	g_atomic_int_set(&accepting, accept ? 1 : 0);
}

unsigned parley_api_workers(void)
{
	return parley_messages_workers();
}

unsigned parley_api_session_count(void)
{
	return parley_sessions_count();
}

unsigned parley_api_handle_count(void)
{
	return parley_handles_count();
}

/* ---- replies -------------------------------------------------------------------- */

/* {"janus": kind, "session_id"?, "transaction"} (new reference). */
static json_t *reply_new(const parley_request *req, const char *kind)
{
	json_t *reply = json_pack("{ss}", "janus", kind);
	if (req->session_id)
		json_object_set_new(reply, "session_id", json_integer((json_int_t)req->session_id));
	json_object_set_new(reply, "transaction", json_string(req->transaction));
	return reply;
}

static json_t *reply_with_id(const parley_request *req, uint64_t id)
{
	json_t *reply = reply_new(req, "success");
	json_object_set_new(reply, "data", json_pack("{sI}", "id", (json_int_t)id));
	return reply;
}

/* ---- info ------------------------------------------------------------------------ */

static json_t *module_entry(const char *name, const char *author, const char *description,
                            const char *version_string, int version)
{
	return json_pack("{ss ss ss ss si}", "name", name ? name : "", "author", author ? author : "",
	                 "description", description ? description : "",
	                 "version_string", version_string ? version_string : "", "version", version);
}

json_t *parley_api_server_info_reply(const char *transaction)
{
	const char *name = parley_config_get_string("parley", "general", "server_name", "parley");
	parley_session_settings s;
	parley_sessions_settings(&s);
	json_t *info = json_pack("{ss si ss ss ss sb sI sI sb sb sb}",
		"name", name, "version", PARLEY_VERSION, "version_string", PARLEY_VERSION_STRING,
		"author", "The Parley authors",
		"server-name", name,
		"data_channels", 1,
		"session-timeout", (json_int_t)s.session_timeout,
		"reclaim-session-timeout", (json_int_t)s.reclaim_session_timeout,
		"accepting-new-sessions", parley_api_accepting_sessions(),
		"api_secret", parley_auth_api_secret_enabled(),
		"auth_token", parley_auth_token_enabled());

	const parley_plugin *plugins[MAX_MODULES];
	json_t *list = json_object();
	unsigned n = parley_registry_plugins(plugins, MAX_MODULES);
	for (unsigned i = 0; i < n; i++)
		json_object_set_new(list, plugins[i]->package,
			module_entry(plugins[i]->name, plugins[i]->author, plugins[i]->description,
			             plugins[i]->version_string, plugins[i]->version));
	json_object_set_new(info, "plugins", list);
	char glib[32];
	g_snprintf(glib, sizeof(glib), "%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
	json_object_set_new(info, "dependencies", json_pack("{ss ss ss ss}", "glib2", glib, "jansson", JANSSON_VERSION,
		"libsrtp", parley_srtp_library_version(), "crypto", parley_dtls_library_version()));

	const parley_transport *transports[MAX_MODULES];
	list = json_object();
	n = parley_registry_transports(transports, MAX_MODULES);
	for (unsigned i = 0; i < n; i++)
		json_object_set_new(list, transports[i]->package,
			module_entry(transports[i]->name, transports[i]->author, transports[i]->description,
			             transports[i]->version_string, transports[i]->version));
	json_object_set_new(info, "transports", list);

	const parley_handler *handlers[MAX_MODULES];
	list = json_object();
	n = parley_registry_handlers(handlers, MAX_MODULES);
	for (unsigned i = 0; i < n; i++)
		json_object_set_new(list, handlers[i]->package,
			module_entry(handlers[i]->name, handlers[i]->author, handlers[i]->description,
			             handlers[i]->version_string, handlers[i]->version));
	json_object_set_new(info, "events", list);
	json_object_set_new(info, "janus", json_string("server_info"));
	json_object_set_new(info, "transaction", json_string(transaction));
	return info;
}

/* ---- rule tables -------------------------------------------------------------------- */

static const parley_rule envelope_rules[] = {
	{ "transaction", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "janus", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "session_id", PARLEY_JSON_INTEGER, PARLEY_RULE_NONNEGATIVE },
	{ "handle_id", PARLEY_JSON_INTEGER, PARLEY_RULE_NONNEGATIVE },
	{ "apisecret", PARLEY_JSON_STRING, 0 },
	{ "token", PARLEY_JSON_STRING, 0 },
	{ NULL },
};
static const parley_rule create_rules[] = {
	{ "id", PARLEY_JSON_INTEGER, PARLEY_RULE_POSITIVE },
	{ NULL },
};
static const parley_rule attach_rules[] = {
	{ "plugin", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED | PARLEY_RULE_NONEMPTY },
	{ "opaque_id", PARLEY_JSON_STRING, 0 },
	{ NULL },
};
static const parley_rule message_rules[] = {
	{ "body", PARLEY_JSON_OBJECT, PARLEY_RULE_REQUIRED },
	{ "jsep", PARLEY_JSON_OBJECT, 0 },
	{ NULL },
};
static const parley_rule jsep_rules[] = {
	{ "type", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "sdp", PARLEY_JSON_STRING, PARLEY_RULE_REQUIRED },
	{ "trickle", PARLEY_JSON_BOOLEAN, 0 },
	{ "e2ee", PARLEY_JSON_BOOLEAN, 0 },
	{ NULL },
};
static const parley_rule trickle_rules[] = {
	{ "candidate", PARLEY_JSON_OBJECT, 0 },
	{ "candidates", PARLEY_JSON_ARRAY, 0 },
	{ NULL },
};
static const parley_rule candidate_rules[] = {
	{ "candidate", PARLEY_JSON_STRING, 0 },
	{ "sdpMid", PARLEY_JSON_STRING, 0 },
	{ "sdpMLineIndex", PARLEY_JSON_INTEGER, PARLEY_RULE_NONNEGATIVE },
	{ "completed", PARLEY_JSON_BOOLEAN, 0 },
	{ NULL },
};

/* ---- verb handlers -------------------------------------------------------------------- */

static json_t *do_info(parley_request *req)
{
	return parley_api_server_info_reply(req->transaction);
}

static json_t *do_ping(parley_request *req)
{
	return reply_new(req, "pong");
}

static json_t *do_create(parley_request *req)
{
	if (!parley_api_accepting_sessions())
		return parley_request_fail(req, PARLEY_ERROR_NOT_ACCEPTING_SESSIONS, NULL);
	json_t *id = json_object_get(req->message, "id");
	parley_session *session = NULL;
	int code = parley_session_create(req->conn, id ? (uint64_t)json_integer_value(id) : 0, &session,
	                                 req->reason, sizeof(req->reason));
	if (code)
		return parley_request_keep_reason(req, code);
	json_t *reply = reply_with_id(req, session->id);
	parley_session_unref(session);
	return reply;
}

static json_t *do_attach(parley_request *req)
{
	const char *name = json_string_value(json_object_get(req->message, "plugin"));
	const parley_plugin *plugin = parley_registry_plugin(name);
	if (!plugin)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_NOT_FOUND, "No such plugin '%s'", name);
	const char *token = json_string_value(json_object_get(req->message, "token"));
	if (!parley_auth_allows_plugin(token, plugin->package))
		return parley_request_fail(req, PARLEY_ERROR_UNAUTHORIZED_PLUGIN,
		                           "Provided token can't access plugin '%s'", name);
	const char *opaque = json_string_value(json_object_get(req->message, "opaque_id"));
	parley_handle *handle = NULL;
	int code = parley_handle_create(req->session, plugin, opaque, &handle, req->reason, sizeof(req->reason));
	if (code)
		return parley_request_keep_reason(req, code);
	json_t *reply = reply_with_id(req, handle->id);
	parley_handle_unref(handle);
	return reply;
}

/* A JSEP's shape: 0 or an error recorded on the request. */
static int check_jsep(parley_request *req, json_t *jsep)
{
	int code = parley_validate(jsep, jsep_rules, req->reason, sizeof(req->reason));
	if (code) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", req->reason);
		parley_request_fail(req, code, "JSEP error: %s", inner);
		return code;
	}
	const char *type = json_string_value(json_object_get(jsep, "type"));
	if (strcmp(type, "offer") != 0 && strcmp(type, "answer") != 0) {
		parley_request_fail(req, PARLEY_ERROR_JSEP_UNKNOWN_TYPE, "JSEP error: unknown message type '%s'", type);
		return req->error;
	}
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	if (strncmp(sdp, "v=0", 3) != 0) {
		parley_request_fail(req, PARLEY_ERROR_JSEP_INVALID_SDP,
		                    "JSEP error: invalid SDP (it must start with v=0)");
		return req->error;
	}
	return 0;
}

static json_t *do_message(parley_request *req)
{
	parley_handle *h = req->handle;
	if (!h->plugin->handle_message)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_MESSAGE,
		                           "Plugin %s doesn't take messages", h->plugin->package);
	json_t *jsep = json_object_get(req->message, "jsep");
	if (jsep && check_jsep(req, jsep))
		return NULL;
	/* The core takes the client's description (ICE, DTLS, streams) before
	 * the plugin sees the jsep. */
	int code = 0;
	if (jsep) {
		/* traced with its answer (messages.c): a negotiation step that
		 * arrived but was never answered shows here alone */
		PLOG_VERB("handle %" G_GUINT64_FORMAT ": %s message with a jsep (transaction %s) arrived",
		          h->id, h->plugin->package, req->transaction ? req->transaction : "none");
		gint64 start = g_get_monotonic_time();
		code = parley_webrtc_remote_jsep(h, jsep, req->reason, sizeof(req->reason));
		gint64 took = g_get_monotonic_time() - start;
		if (took > G_USEC_PER_SEC / 2)
			PLOG_WARN("handle %" G_GUINT64_FORMAT ": taking the client's %s took %" G_GINT64_FORMAT " ms",
			          h->id, json_string_value(json_object_get(jsep, "type")), took / 1000);
	}
	if (code)
		return parley_request_keep_reason(req, code);
	char reason[256];
	int rc = parley_messages_submit(req->conn, req->ctx, h, req->transaction,
	                                json_object_get(req->message, "body"), jsep, reason, sizeof(reason));
	if (rc)
		return parley_request_fail(req, rc, "%s", reason);
	return NULL; /* answered by a worker */
}

/* One trickled candidate: 0 or an error recorded on the request. */
static int take_candidate(parley_request *req, json_t *candidate)
{
	int code = parley_validate(candidate, candidate_rules, req->reason, sizeof(req->reason));
	if (code) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", req->reason);
		parley_request_fail(req, code, "Trickle error: %s", inner);
		return code;
	}
	if (!json_is_true(json_object_get(candidate, "completed"))) {
		if (!json_object_get(candidate, "candidate")) {
			parley_request_fail(req, PARLEY_ERROR_MISSING_MANDATORY_ELEMENT,
			                    "Missing mandatory element (candidate.candidate)");
			return req->error;
		}
		if (!json_object_get(candidate, "sdpMid") && !json_object_get(candidate, "sdpMLineIndex")) {
			parley_request_fail(req, PARLEY_ERROR_MISSING_MANDATORY_ELEMENT,
			                    "Missing mandatory element (sdpMid|sdpMLineIndex)");
			return req->error;
		}
	}
	code = parley_webrtc_trickle(req->handle, candidate, req->reason, sizeof(req->reason));
	if (code == 1)
		return 0; /* handed to the PeerConnection */
	if (parley_webrtc_keep_candidate(req->handle, candidate)) {
		parley_request_fail(req, PARLEY_ERROR_UNKNOWN, "Too many trickled candidates for this handle");
		return req->error;
	}
	return 0;
}

static json_t *do_trickle(parley_request *req)
{
	json_t *one = json_object_get(req->message, "candidate");
	json_t *many = json_object_get(req->message, "candidates");
	if (!one && !many)
		return parley_request_fail(req, PARLEY_ERROR_MISSING_MANDATORY_ELEMENT,
		                           "Missing mandatory element (candidate|candidates)");
	if (one && take_candidate(req, one))
		return NULL;
	size_t i;
	json_t *candidate;
	json_array_foreach(many, i, candidate)
		if (take_candidate(req, candidate))
			return NULL;
	return reply_new(req, "ack");
}

static json_t *do_keepalive(parley_request *req)
{
	return reply_new(req, "ack");
}

static json_t *do_detach(parley_request *req)
{
	int rc = parley_handle_destroy(req->handle, true);
	if (rc)
		return parley_request_fail(req, PARLEY_ERROR_PLUGIN_DETACH,
		                           "Couldn't detach from plugin: error '%d'", rc);
	return reply_new(req, "success");
}

static json_t *do_hangup(parley_request *req)
{
	parley_webrtc_hangup(req->handle, "Janus API");
	return reply_new(req, "success");
}

static json_t *do_destroy(parley_request *req)
{
	parley_session_destroy(req->session, PARLEY_SESSION_END_REQUEST);
	return reply_new(req, "success");
}

static json_t *do_claim(parley_request *req)
{
	int code = parley_session_claim(req->session, req->conn, req->reason, sizeof(req->reason));
	if (code)
		return parley_request_keep_reason(req, code);
	return reply_new(req, "success");
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static const parley_request_verb verbs[] = {
	{ "info", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, false, NULL, do_info },
	{ "ping", PARLEY_PATH_OPTIONAL, PARLEY_PATH_OPTIONAL, false, NULL, do_ping },
	{ "create", PARLEY_PATH_ABSENT, PARLEY_PATH_ABSENT, true, create_rules, do_create },
	{ "attach", PARLEY_PATH_REQUIRED, PARLEY_PATH_ABSENT, true, attach_rules, do_attach },
	{ "keepalive", PARLEY_PATH_REQUIRED, PARLEY_PATH_OPTIONAL, true, NULL, do_keepalive },
	{ "destroy", PARLEY_PATH_REQUIRED, PARLEY_PATH_ABSENT, true, NULL, do_destroy },
	{ "claim", PARLEY_PATH_REQUIRED, PARLEY_PATH_ABSENT, true, NULL, do_claim },
	{ "message", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, message_rules, do_message },
	{ "trickle", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, trickle_rules, do_trickle },
	{ "detach", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, NULL, do_detach },
	{ "hangup", PARLEY_PATH_REQUIRED, PARLEY_PATH_REQUIRED, true, NULL, do_hangup },
};
#define VERB_COUNT (sizeof(verbs) / sizeof(verbs[0]))
G_STATIC_ASSERT(VERB_COUNT < VERB_SLOTS);

static int authorize(json_t *message)
{
	return parley_auth_check_request(json_string_value(json_object_get(message, "apisecret")),
	                                 json_string_value(json_object_get(message, "token")));
}

static const parley_request_api client_api = {
	.envelope = envelope_rules,
	.verbs = verbs,
	.verb_count = VERB_COUNT,
	.authorize = authorize,
	.strict_path = true,
	.touch_session = true,
	.counts = request_counts,
};

void parley_api_incoming(parley_conn *conn, void *request_ctx, json_t *message)
{
	parley_request req = { .conn = conn, .ctx = request_ctx, .message = message };
	json_t *reply = parley_request_dispatch(&client_api, &req);
	if (!reply && req.error)
		reply = parley_request_error_reply(req.session_id, req.transaction, req.error, req.reason);
	parley_request_finish(&req, false, reply); /* no reply: a worker answers */
}

/* ---- plugin events --------------------------------------------------------------------------- */

int parley_api_push_event(parley_plugin_session *psession, const parley_plugin *plugin,
                          const char *transaction, json_t *message, json_t *jsep)
{
	parley_handle *h = parley_handle_from_plugin(psession);
	if (!h || g_atomic_int_get(&h->life.destroyed))
		return PARLEY_ERROR_HANDLE_NOT_FOUND;
	if (g_atomic_int_get(&h->session->destroyed))
		return PARLEY_ERROR_SESSION_NOT_FOUND;
	if (!json_is_object(message))
		return PARLEY_ERROR_INVALID_JSON_OBJECT;
	json_t *event = json_pack("{sssIsI}", "janus", "event", "session_id", (json_int_t)h->session->id,
	                          "sender", (json_int_t)h->id);
	if (transaction)
		json_object_set_new(event, "transaction", json_string(transaction));
	json_object_set_new(event, "plugindata", json_pack("{sssO}", "plugin",
		(plugin ? plugin : h->plugin)->package, "data", message));
	if (jsep) {
		/* Our ICE credentials, fingerprint and candidates go into the
		 * plugin's description. */
		int code = 0;
		char reason[256];
		json_t *merged = parley_webrtc_local_jsep(h, jsep, &code, reason, sizeof(reason));
		if (!merged) {
			PLOG_WARN("handle %" G_GUINT64_FORMAT ": %s's jsep refused: %s", h->id,
			          (plugin ? plugin : h->plugin)->package, reason);
			json_decref(event);
			return code ? code : PARLEY_ERROR_JSEP_INVALID_SDP;
		}
		json_object_set_new(event, "jsep", merged);
	}
	/* Pushed from inside this handle's handle_message on this thread:
	 * delivered right after the request's answer. */
	if (parley_messages_hold(h, event, jsep != NULL))
		return 0;
	int rc = parley_session_notify(h->session, event);
	json_decref(event);
	if (jsep && rc >= 0)
		parley_webrtc_local_jsep_sent(h);
	return rc < 0 ? PARLEY_ERROR_SESSION_NOT_FOUND : 0;
}

/* ---- metrics ------------------------------------------------------------------------------------- */

char *parley_api_metrics_text(void)
{
	GString *out = g_string_new("# HELP parley_requests_total Client API requests by verb.\n"
	                            "# TYPE parley_requests_total counter\n");
	for (unsigned i = 0; i < VERB_COUNT; i++)
		g_string_append_printf(out, "parley_requests_total{verb=\"%s\"} %d\n", verbs[i].name,
		                       g_atomic_int_get(&request_counts[i]));
	g_string_append_printf(out, "parley_requests_total{verb=\"unknown\"} %d\n",
	                       g_atomic_int_get(&request_counts[VERB_COUNT]));
	parley_request_append_error_metrics(out);
	return g_string_free(out, FALSE);
}

/* ---- start and stop ------------------------------------------------------------------------------ */

static unsigned config_unsigned(const char *section, const char *key, long fallback)
{
	long v = parley_config_get_int("parley", section, key, fallback);
	return v < 0 ? 0 : (unsigned)v;
}

int parley_api_start(unsigned workers)
{
	if (!workers)
		workers = config_unsigned("general", "workers", 4);
	if (!workers)
		workers = 4;
	parley_session_settings s = {
		.session_timeout = config_unsigned("general", "session_timeout", 60),
		.reclaim_session_timeout = config_unsigned("general", "reclaim_session_timeout", 0),
		.max_sessions = config_unsigned("limits", "max_sessions", 0),
		.max_sessions_per_connection = config_unsigned("limits", "max_sessions_per_connection", 0),
		.max_handles_per_session = config_unsigned("limits", "max_handles_per_session", 0),
		.max_candidates_per_handle = config_unsigned("limits", "max_candidates_per_handle", 256),
	};
	parley_sessions_configure(&s);
	parley_handles_set_hangup(parley_webrtc_hangup);
	parley_handles_set_release(parley_webrtc_release);
	parley_auth_configure(NULL);
	parley_api_set_accepting_sessions(true);

	char error[256];
	if (parley_messages_start(workers, config_unsigned("limits", "max_queued_messages", 1024),
	                          error, sizeof(error)) != 0) {
		PLOG_ERR("cannot start %u plugin workers: %s", workers, error);
		return -1;
	}
	if (parley_sessions_start() != 0)
		return -1;
	PLOG_INFO("API ready: %u workers, session timeout %u s", workers, s.session_timeout);
	return 0;
}

void parley_api_shutdown(void)
{
	parley_api_set_accepting_sessions(false);
	parley_messages_stop();
	parley_sessions_stop();
	parley_sessions_destroy_all(PARLEY_SESSION_END_SHUTDOWN);
}
