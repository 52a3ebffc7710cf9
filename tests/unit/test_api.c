/*
 * test_api.c — the client API, admin API and plain-HTTP routes, driven the
 * way a transport drives them (incoming_request through the transport core
 * table, answers through send_message): envelope errors, every verb, auth,
 * the echo plugin's synchronous and asynchronous answers (when the build
 * has it), admin requests and /health, /metrics, /api/server-info.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <glib.h>
#include "core/api.h"
#include "core/auth.h"
#include "core/errors.h"
#include "core/loader.h"
#include "core/loops.h"
#include "core/session.h"
#include "core/tables.h"

/* ---- a transport that records answers and events ---------------------------- */

static GMutex lock;
static GCond cond;
static GPtrArray *answers; /* {ctx, message} */
static GPtrArray *events;  /* messages */
static gint next_ctx;

typedef struct answer {
	void *ctx;
	json_t *message;
} answer;

static int rec_send(parley_conn *conn, void *ctx, bool admin, json_t *message)
{
	g_mutex_lock(&lock);
	if (ctx) {
		answer *a = g_new0(answer, 1);
		a->ctx = ctx;
		a->message = json_incref(message);
		g_ptr_array_add(answers, a);
	} else {
		g_ptr_array_add(events, json_incref(message));
	}
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
	return 0;
}

static const parley_transport recorder = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = "parley.transport.recorder",
	.send_message = rec_send,
};

static const parley_transport_core *core;
static parley_conn *conn;
static bool have_echo;

/* Sends a request and waits (≤ 3 s) for its one answer (new reference). */
static json_t *call(bool admin, json_t *request)
{
	void *ctx = GINT_TO_POINTER(g_atomic_int_add(&next_ctx, 1) + 1);
	core->incoming_request(conn, ctx, admin, request);
	json_decref(request);
	json_t *found = NULL;
	gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	g_mutex_lock(&lock);
	while (!found) {
		for (guint i = 0; i < answers->len && !found; i++) {
			answer *a = g_ptr_array_index(answers, i);
			if (a->ctx == ctx) {
				found = a->message;
				g_ptr_array_remove_index(answers, i);
				g_free(a);
			}
		}
		if (!found && !g_cond_wait_until(&cond, &lock, deadline))
			break;
	}
	g_mutex_unlock(&lock);
	assert_non_null(found);
	return found;
}

/* An event of kind `kind` (with `transaction` when non-NULL), waiting ≤ 3 s. */
static json_t *wait_event(const char *kind, const char *transaction)
{
	json_t *found = NULL;
	gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	g_mutex_lock(&lock);
	while (!found) {
		for (guint i = 0; i < events->len && !found; i++) {
			json_t *e = g_ptr_array_index(events, i);
			const char *k = json_string_value(json_object_get(e, "janus"));
			const char *t = json_string_value(json_object_get(e, "transaction"));
			if (strcmp(k, kind) == 0 && (!transaction || (t && strcmp(t, transaction) == 0))) {
				found = e;
				g_ptr_array_steal_index(events, i);
			}
		}
		if (!found && !g_cond_wait_until(&cond, &lock, deadline))
			break;
	}
	g_mutex_unlock(&lock);
	return found;
}

static const char *kind_of(json_t *m)
{
	return json_string_value(json_object_get(m, "janus"));
}

static int code_of(json_t *m)
{
	return (int)json_integer_value(json_object_get(json_object_get(m, "error"), "code"));
}

/* Asserts an error answer with `code` and drops it. */
static void expect_error(json_t *answer, int code)
{
	assert_string_equal(kind_of(answer), "error");
	assert_int_equal(code_of(answer), code);
	assert_non_null(json_string_value(json_object_get(json_object_get(answer, "error"), "reason")));
	json_decref(answer);
}

static json_int_t create_session(void)
{
	json_t *a = call(false, json_pack("{ssss}", "janus", "create", "transaction", "c"));
	assert_string_equal(kind_of(a), "success");
	assert_string_equal(json_string_value(json_object_get(a, "transaction")), "c");
	json_int_t id = json_integer_value(json_object_get(json_object_get(a, "data"), "id"));
	assert_true(id > 0);
	json_decref(a);
	return id;
}

static json_int_t attach(json_int_t session, const char *plugin)
{
	json_t *a = call(false, json_pack("{sssssIssss}", "janus", "attach", "transaction", "a", "session_id", session,
	                                  "plugin", plugin, "opaque_id", "op-1"));
	assert_string_equal(kind_of(a), "success");
	assert_int_equal(json_integer_value(json_object_get(a, "session_id")), session);
	json_int_t id = json_integer_value(json_object_get(json_object_get(a, "data"), "id"));
	json_decref(a);
	return id;
}

/* ---- fixtures ------------------------------------------------------------------- */

static int group_setup(void **state)
{
	answers = g_ptr_array_new();
	events = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	if (parley_loops_start(1) || parley_api_start(2))
		return -1;
	parley_loader_set_tables(parley_tables_all());
	core = parley_tables_all()->transport;
	const char *builddir = getenv("PARLEY_BUILDDIR");
	if (builddir) {
		char *path = g_build_filename(builddir, "plugins", "echo", ".libs", "parley_plugin_echo.so", NULL);
		have_echo = parley_loader_load_file(path, PARLEY_MODULE_PLUGIN) == 0;
		g_free(path);
		if (!have_echo)
			return -1; /* the build has the echo plugin: failing to load it is a failure */
	}
	return 0;
}

static int group_teardown(void **state)
{
	parley_api_shutdown();
	parley_loops_stop(); /* before unloading: no plugin timer may fire into unloaded code */
	parley_loader_unload_all();
	return 0;
}

static int test_setup(void **state)
{
	parley_auth_reset();
	parley_api_set_accepting_sessions(true);
	conn = core->conn_new(&recorder, NULL, NULL);
	return 0;
}

static int test_teardown(void **state)
{
	core->conn_closed(conn);
	core->conn_unref(conn);
	g_mutex_lock(&lock);
	g_ptr_array_set_size(events, 0);
	g_mutex_unlock(&lock);
	return 0;
}

/* ---- tests ------------------------------------------------------------------------ */

static void envelope_errors(void **state)
{
	json_t *a = call(false, json_pack("[s]", "create"));
	assert_true(json_is_null(json_object_get(a, "transaction")));
	expect_error(a, PARLEY_ERROR_INVALID_JSON_OBJECT);
	a = call(false, json_pack("{ss}", "janus", "create"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "error"), "reason")),
	                    "Missing mandatory element (transaction)");
	expect_error(a, PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	expect_error(call(false, json_pack("{sssi}", "janus", "create", "transaction", 5)),
	             PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	expect_error(call(false, json_pack("{ss}", "transaction", "t")), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	expect_error(call(false, json_pack("{sbss}", "janus", 1, "transaction", "t")), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	a = call(false, json_pack("{ssss}", "janus", "dance", "transaction", "t"));
	assert_string_equal(json_string_value(json_object_get(a, "transaction")), "t");
	expect_error(a, PARLEY_ERROR_UNKNOWN_REQUEST);
	expect_error(call(false, json_pack("{ssssss}", "janus", "keepalive", "transaction", "t", "session_id", "1")),
	             PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	expect_error(call(false, json_pack("{sssssi}", "janus", "create", "transaction", "t", "id", -4)),
	             PARLEY_ERROR_INVALID_ELEMENT_TYPE);
}

static void ping_and_info(void **state)
{
	json_t *a = call(false, json_pack("{ssss}", "janus", "ping", "transaction", "p"));
	assert_string_equal(kind_of(a), "pong");
	assert_string_equal(json_string_value(json_object_get(a, "transaction")), "p");
	json_decref(a);
	a = call(false, json_pack("{ssss}", "janus", "info", "transaction", "i"));
	assert_string_equal(kind_of(a), "server_info");
	assert_string_equal(json_string_value(json_object_get(a, "version_string")), PARLEY_VERSION_STRING);
	assert_true(json_is_object(json_object_get(a, "plugins")));
	assert_true(json_is_object(json_object_get(a, "transports")));
	assert_true(json_is_object(json_object_get(a, "events")));
	assert_true(json_is_integer(json_object_get(a, "session-timeout")));
	assert_true(json_is_false(json_object_get(a, "api_secret")));
	assert_true(json_is_true(json_object_get(a, "data_channels")));
	/* Janus's "dependencies": library → version */
	json_t *deps = json_object_get(a, "dependencies");
	for (const char *const *lib = (const char *const[]){ "glib2", "jansson", "libsrtp", "crypto", NULL }; *lib; lib++)
		assert_true(strlen(json_string_value(json_object_get(deps, *lib))) > 0);
	if (have_echo)
		assert_non_null(json_object_get(json_object_get(a, "plugins"), "parley.plugin.echo"));
	json_decref(a);
}

static void session_verbs_and_paths(void **state)
{
	json_int_t s = create_session();
	json_t *a = call(false, json_pack("{sssssI}", "janus", "keepalive", "transaction", "k", "session_id", s));
	assert_string_equal(kind_of(a), "ack");
	assert_int_equal(json_integer_value(json_object_get(a, "session_id")), s);
	json_decref(a);
	/* Wrong paths. */
	expect_error(call(false, json_pack("{sssssI}", "janus", "create", "transaction", "x", "session_id", s)),
	             PARLEY_ERROR_INVALID_REQUEST_PATH);
	expect_error(call(false, json_pack("{sssssI}", "janus", "detach", "transaction", "x", "session_id", s)),
	             PARLEY_ERROR_INVALID_REQUEST_PATH);
	expect_error(call(false, json_pack("{ssss}", "janus", "attach", "transaction", "x")),
	             PARLEY_ERROR_INVALID_REQUEST_PATH);
	/* Unknown session, unknown handle, unknown or missing plugin. */
	expect_error(call(false, json_pack("{sssssI}", "janus", "keepalive", "transaction", "x", "session_id", s + 1)),
	             PARLEY_ERROR_SESSION_NOT_FOUND);
	expect_error(call(false, json_pack("{sssssIsIs{}}", "janus", "message", "transaction", "x", "session_id", s,
	                                   "handle_id", (json_int_t)77, "body")),
	             PARLEY_ERROR_HANDLE_NOT_FOUND);
	expect_error(call(false, json_pack("{sssssIss}", "janus", "attach", "transaction", "x", "session_id", s,
	                                   "plugin", "parley.plugin.none")), PARLEY_ERROR_PLUGIN_NOT_FOUND);
	expect_error(call(false, json_pack("{sssssI}", "janus", "attach", "transaction", "x", "session_id", s)),
	             PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	/* A requested id, then a conflict. */
	json_t *c = call(false, json_pack("{sssssI}", "janus", "create", "transaction", "x", "id", s));
	expect_error(c, PARLEY_ERROR_SESSION_CONFLICT);
	/* Destroy, then the session is gone. */
	a = call(false, json_pack("{sssssI}", "janus", "destroy", "transaction", "d", "session_id", s));
	assert_string_equal(kind_of(a), "success");
	assert_int_equal(json_integer_value(json_object_get(a, "session_id")), s);
	json_decref(a);
	expect_error(call(false, json_pack("{sssssI}", "janus", "keepalive", "transaction", "x", "session_id", s)),
	             PARLEY_ERROR_SESSION_NOT_FOUND);
	assert_int_equal(core->session_touch((uint64_t)s), PARLEY_ERROR_SESSION_NOT_FOUND);
}

static void api_secret_and_accepting(void **state)
{
	parley_auth_settings settings = { .api_secret = "pw" };
	parley_auth_configure(&settings);
	expect_error(call(false, json_pack("{ssss}", "janus", "create", "transaction", "x")), PARLEY_ERROR_UNAUTHORIZED);
	expect_error(call(false, json_pack("{ssssss}", "janus", "create", "transaction", "x", "apisecret", "no")),
	             PARLEY_ERROR_UNAUTHORIZED);
	json_t *a = call(false, json_pack("{ssssss}", "janus", "create", "transaction", "x", "apisecret", "pw"));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	a = call(false, json_pack("{ssss}", "janus", "ping", "transaction", "x")); /* no secret needed */
	assert_string_equal(kind_of(a), "pong");
	json_decref(a);
	parley_auth_reset();
	parley_api_set_accepting_sessions(false);
	expect_error(call(false, json_pack("{ssss}", "janus", "create", "transaction", "x")),
	             PARLEY_ERROR_NOT_ACCEPTING_SESSIONS);
}

static void echo_plugin_messages(void **state)
{
	if (!have_echo)
		skip();
	json_int_t s = create_session();
	json_int_t h = attach(s, "parley.plugin.echo");
	/* Synchronous answer. */
	json_t *a = call(false, json_pack("{sssssIsIs{ss}}", "janus", "message", "transaction", "m1", "session_id", s,
	                                  "handle_id", h, "body", "request", "ping"));
	assert_string_equal(kind_of(a), "success");
	assert_int_equal(json_integer_value(json_object_get(a, "sender")), h);
	json_t *pd = json_object_get(a, "plugindata");
	assert_string_equal(json_string_value(json_object_get(pd, "plugin")), "parley.plugin.echo");
	assert_string_equal(json_string_value(json_object_get(json_object_get(pd, "data"), "echotest")), "pong");
	json_decref(a);
	/* Asynchronous: ack, then an event with the same transaction. */
	a = call(false, json_pack("{sssssIsIs{si}}", "janus", "message", "transaction", "m2", "session_id", s,
	                          "handle_id", h, "body", "n", 5));
	assert_string_equal(kind_of(a), "ack");
	json_decref(a);
	json_t *e = wait_event("event", "m2");
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "sender")), h);
	assert_int_equal(json_integer_value(json_object_get(e, "session_id")), s);
	json_decref(e);
	/* Bad messages. */
	expect_error(call(false, json_pack("{sssssIsI}", "janus", "message", "transaction", "x", "session_id", s,
	                                   "handle_id", h)), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	expect_error(call(false, json_pack("{sssssIsIss}", "janus", "message", "transaction", "x", "session_id", s,
	                                   "handle_id", h, "body", "text")), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	expect_error(call(false, json_pack("{sssssIsIs{}s{ssss}}", "janus", "message", "transaction", "x",
	                                   "session_id", s, "handle_id", h, "body", "jsep", "type", "pranswer",
	                                   "sdp", "v=0\r\n")), PARLEY_ERROR_JSEP_UNKNOWN_TYPE);
	expect_error(call(false, json_pack("{sssssIsIs{}s{ssss}}", "janus", "message", "transaction", "x",
	                                   "session_id", s, "handle_id", h, "body", "jsep", "type", "offer",
	                                   "sdp", "hello")), PARLEY_ERROR_JSEP_INVALID_SDP);
	expect_error(call(false, json_pack("{sssssIsIs{}s{ss}}", "janus", "message", "transaction", "x",
	                                   "session_id", s, "handle_id", h, "body", "jsep", "type", "offer")),
	             PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	/* Trickle. */
	a = call(false, json_pack("{sssssIsIs{sssssi}}", "janus", "trickle", "transaction", "t", "session_id", s,
	                          "handle_id", h, "candidate", "candidate", "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
	                          "sdpMid", "0", "sdpMLineIndex", 0));
	assert_string_equal(kind_of(a), "ack");
	json_decref(a);
	a = call(false, json_pack("{sssssIsIs[{sb}]}", "janus", "trickle", "transaction", "t", "session_id", s,
	                          "handle_id", h, "candidates", "completed", 1));
	assert_string_equal(kind_of(a), "ack");
	json_decref(a);
	expect_error(call(false, json_pack("{sssssIsI}", "janus", "trickle", "transaction", "t", "session_id", s,
	                                   "handle_id", h)), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	expect_error(call(false, json_pack("{sssssIsIs{si}}", "janus", "trickle", "transaction", "t", "session_id", s,
	                                   "handle_id", h, "candidate", "candidate", 3)), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	/* Admin handle_info sees the plugin's view and the pending candidates. */
	a = call(true, json_pack("{sssssIsI}", "janus", "handle_info", "transaction", "hi", "session_id", s,
	                         "handle_id", h));
	assert_string_equal(kind_of(a), "success");
	json_t *info = json_object_get(a, "info");
	assert_string_equal(json_string_value(json_object_get(info, "plugin")), "parley.plugin.echo");
	assert_string_equal(json_string_value(json_object_get(info, "opaque_id")), "op-1");
	/* Janus's shapes: a count of pending trickles, the session's timeout;
	 * no PeerConnection yet, so no flags or sdps and a null "webrtc" */
	assert_int_equal(json_integer_value(json_object_get(info, "pending-trickles")), 2);
	assert_true(json_is_integer(json_object_get(info, "session_timeout")));
	assert_true(json_is_null(json_object_get(info, "webrtc")));
	assert_null(json_object_get(info, "flags"));
	assert_true(json_is_object(json_object_get(info, "plugin_specific")));
	json_decref(a);
	/* Hangup (no PeerConnection yet), then detach with its event. */
	a = call(false, json_pack("{sssssIsI}", "janus", "hangup", "transaction", "h", "session_id", s, "handle_id", h));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	a = call(false, json_pack("{sssssIsI}", "janus", "detach", "transaction", "d", "session_id", s, "handle_id", h));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	e = wait_event("detached", NULL);
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "sender")), h);
	json_decref(e);
	expect_error(call(false, json_pack("{sssssIsIs{}}", "janus", "message", "transaction", "x", "session_id", s,
	                                   "handle_id", h, "body")), PARLEY_ERROR_HANDLE_NOT_FOUND);
}

static void signed_token_limits_plugins(void **state)
{
	if (!have_echo)
		skip();
	parley_auth_settings settings = { .token_secret = "k" };
	parley_auth_configure(&settings);
	const char *other[] = { "parley.plugin.room", NULL };
	const char *echo[] = { "parley.plugin.echo", NULL };
	char *room_token = parley_auth_sign_token((int64_t)time(NULL) + 60, other);
	char *echo_token = parley_auth_sign_token((int64_t)time(NULL) + 60, echo);
	json_t *a = call(false, json_pack("{ssssss}", "janus", "create", "transaction", "c", "token", room_token));
	json_int_t s = json_integer_value(json_object_get(json_object_get(a, "data"), "id"));
	json_decref(a);
	expect_error(call(false, json_pack("{sssssIssss}", "janus", "attach", "transaction", "a", "session_id", s,
	                                   "plugin", "parley.plugin.echo", "token", room_token)),
	             PARLEY_ERROR_UNAUTHORIZED_PLUGIN);
	a = call(false, json_pack("{sssssIssss}", "janus", "attach", "transaction", "a", "session_id", s,
	                          "plugin", "parley.plugin.echo", "token", echo_token));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	expect_error(call(false, json_pack("{sssssIss}", "janus", "keepalive", "transaction", "k", "session_id", s,
	                                   "token", "1,parley,x:AAAA")), PARLEY_ERROR_UNAUTHORIZED);
	g_free(room_token);
	g_free(echo_token);
}

static void admin_requests(void **state)
{
	json_int_t s = create_session();
	parley_auth_settings settings = { .admin_secret = "adm", .token_auth = true };
	parley_auth_configure(&settings);
	expect_error(call(true, json_pack("{ssss}", "janus", "list_sessions", "transaction", "l")),
	             PARLEY_ERROR_UNAUTHORIZED);
	json_t *a = call(true, json_pack("{ssssss}", "janus", "list_sessions", "transaction", "l", "admin_secret", "adm"));
	assert_string_equal(kind_of(a), "success");
	bool seen = false;
	size_t i;
	json_t *id;
	json_array_foreach(json_object_get(a, "sessions"), i, id)
		seen = seen || json_integer_value(id) == s;
	assert_true(seen);
	json_decref(a);
	a = call(true, json_pack("{ssssss}", "janus", "ping", "transaction", "p", "admin_secret", "adm"));
	assert_string_equal(kind_of(a), "pong");
	json_decref(a);
	a = call(true, json_pack("{sssssssI}", "janus", "list_handles", "transaction", "l", "admin_secret", "adm",
	                         "session_id", s));
	assert_int_equal(json_array_size(json_object_get(a, "handles")), 0);
	json_decref(a);
	a = call(true, json_pack("{sssssssi}", "janus", "set_session_timeout", "transaction", "t", "admin_secret", "adm",
	                         "timeout", 120));
	assert_int_equal(json_integer_value(json_object_get(a, "timeout")), 120);
	json_decref(a);
	a = call(true, json_pack("{ssssss}", "janus", "get_status", "transaction", "g", "admin_secret", "adm"));
	json_t *status = json_object_get(a, "status");
	assert_int_equal(json_integer_value(json_object_get(status, "session_timeout")), 120);
	/* Janus's names for what both have; Parley's figures under names that
	 * are not element ids of Janus's admin page ("sessions", "handles"),
	 * and every member a scalar (the page makes a table row of each) */
	assert_true(json_is_boolean(json_object_get(status, "token_auth")));
	assert_true(json_is_integer(json_object_get(status, "log_level")));
	assert_true(json_is_integer(json_object_get(status, "reclaim_session_timeout")));
	assert_true(json_is_integer(json_object_get(status, "active_sessions")));
	assert_true(json_is_integer(json_object_get(status, "active_handles")));
	assert_true(json_is_integer(json_object_get(status, "max_handles_per_session")));
	static const char *const page_ids[] = { "sessions", "handles", "info", "settings", "tokens", "plugins",
	                                        "transports", "options", "home" };
	for (size_t i = 0; i < G_N_ELEMENTS(page_ids); i++)
		assert_null(json_object_get(status, page_ids[i]));
	const char *key;
	json_t *value;
	json_object_foreach(status, key, value)
		assert_false(json_is_object(value) || json_is_array(value));
	/* Parley's extras: the process's uptime, PeerConnections by state */
	assert_true(json_is_integer(json_object_get(status, "uptime")));
	assert_true(json_integer_value(json_object_get(status, "uptime")) >= 0);
	assert_true(json_is_integer(json_object_get(status, "peerconnections_new")));
	assert_true(json_is_integer(json_object_get(status, "peerconnections_connected")));
	assert_true(json_is_integer(json_object_get(status, "peerconnections_disconnected")));
	json_decref(a);
	/* Janus admin requests Parley cannot honour: 453 with the reason, after
	 * the secret is checked */
	static const char *const janus_only[] = { "set_locking_debug", "set_refcount_debug", "set_log_colors",
	                                          "set_libnice_debug", "start_pcap", "stop_text2pcap", "test_stun" };
	for (size_t i = 0; i < G_N_ELEMENTS(janus_only); i++) {
		a = call(true, json_pack("{sssssssb}", "janus", janus_only[i], "transaction", "t", "admin_secret", "adm",
		                         "debug", 1));
		assert_int_equal(code_of(a), PARLEY_ERROR_UNKNOWN_REQUEST);
		const char *reason = json_string_value(json_object_get(json_object_get(a, "error"), "reason"));
		assert_non_null(reason);
		assert_non_null(strstr(reason, "Unsupported request"));
		assert_non_null(strstr(reason, janus_only[i]));
		json_decref(a);
	}
	expect_error(call(true, json_pack("{ssssss}", "janus", "set_locking_debug", "transaction", "t",
	                                  "admin_secret", "wrong")), PARLEY_ERROR_UNAUTHORIZED);
	expect_error(call(true, json_pack("{sssssssi}", "janus", "set_log_level", "transaction", "t",
	                                  "admin_secret", "adm", "level", 9)), PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	expect_error(call(true, json_pack("{ssssss}", "janus", "set_log_level", "transaction", "t",
	                                  "admin_secret", "adm")), PARLEY_ERROR_MISSING_MANDATORY_ELEMENT);
	a = call(true, json_pack("{sssssssb}", "janus", "accept_new_sessions", "transaction", "t", "admin_secret", "adm",
	                         "accept", 0));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	expect_error(call(false, json_pack("{ssssss}", "janus", "create", "transaction", "x", "token", "tk")),
	             PARLEY_ERROR_UNAUTHORIZED); /* no such stored token yet */
	a = call(true, json_pack("{ssssssss}", "janus", "add_token", "transaction", "t", "admin_secret", "adm",
	                         "token", "tk"));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	expect_error(call(false, json_pack("{ssssss}", "janus", "create", "transaction", "x", "token", "tk")),
	             PARLEY_ERROR_NOT_ACCEPTING_SESSIONS);
	a = call(true, json_pack("{ssssss}", "janus", "list_tokens", "transaction", "t", "admin_secret", "adm"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(a, "data"), "tokens")), 1);
	json_decref(a);
	a = call(true, json_pack("{ssssssss}", "janus", "remove_token", "transaction", "t", "admin_secret", "adm",
	                         "token", "tk"));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	expect_error(call(true, json_pack("{ssssssss}", "janus", "remove_token", "transaction", "t",
	                                  "admin_secret", "adm", "token", "tk")), PARLEY_ERROR_TOKEN_NOT_FOUND);
	expect_error(call(true, json_pack("{ssssss}", "janus", "nap", "transaction", "t", "admin_secret", "adm")),
	             PARLEY_ERROR_UNKNOWN_REQUEST);
	a = call(true, json_pack("{ssssss}", "janus", "loops_info", "transaction", "t", "admin_secret", "adm"));
	assert_int_equal(json_array_size(json_object_get(a, "loops")), 1);
	assert_true(json_is_real(json_object_get(json_array_get(json_object_get(a, "loops"), 0), "load")));
	json_decref(a);
	if (have_echo) {
		a = call(true, json_pack("{sssssssss{}}", "janus", "message_plugin", "transaction", "t",
		                         "admin_secret", "adm", "plugin", "parley.plugin.echo", "request"));
		assert_true(json_is_object(json_object_get(a, "response")));
		json_decref(a);
	}
	a = call(true, json_pack("{sssssssI}", "janus", "destroy_session", "transaction", "t", "admin_secret", "adm",
	                         "session_id", s));
	assert_string_equal(kind_of(a), "success");
	json_decref(a);
	expect_error(call(true, json_pack("{sssssssI}", "janus", "list_handles", "transaction", "t",
	                                  "admin_secret", "adm", "session_id", s)), PARLEY_ERROR_SESSION_NOT_FOUND);
	parley_sessions_set_timeout(60);
}

static int http_get(const char *path, parley_http_response *response)
{
	parley_http_request request = { .method = "GET", .path = path, .remote_ip = "127.0.0.1" };
	memset(response, 0, sizeof(*response));
	return core->handle_http(&request, response);
}

static void status_routes(void **state)
{
	json_int_t s = create_session();
	parley_http_response r;
	assert_int_equal(http_get("/health", &r), 0);
	assert_int_equal(r.status, 200);
	json_t *body = json_loadb(r.body, r.body_length, 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_string_value(json_object_get(body, "status")), "healthy");
	assert_true(json_integer_value(json_object_get(body, "sessions")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(body, "eventLoops")), 1);
	assert_true(json_integer_value(json_object_get(json_object_get(body, "memory"), "rss")) > 0);
	json_decref(body);
	g_free(r.body);

	assert_int_equal(http_get("/api/server-info", &r), 0);
	body = json_loadb(r.body, r.body_length, 0, NULL);
	assert_true(json_is_null(json_object_get(body, "announcedIp")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(body, "rtcPorts"), "min")), 40000);
	json_decref(body);
	g_free(r.body);

	assert_int_equal(http_get("/metrics", &r), 0);
	assert_non_null(strstr(r.body, "parley_requests_total{verb=\"create\"}"));
	assert_non_null(strstr(r.body, "\nparley_sessions "));
	assert_non_null(strstr(r.body, "parley_events_dropped_total"));
	g_free(r.body);

	assert_int_equal(http_get("/nothing-here", &r), -1);
	parley_http_request post = { .method = "POST", .path = "/health" };
	memset(&r, 0, sizeof(r));
	assert_int_equal(core->handle_http(&post, &r), 0);
	assert_int_equal(r.status, 405);
	g_free(r.body);
	json_decref(call(false, json_pack("{sssssI}", "janus", "destroy", "transaction", "d", "session_id", s)));
}

static void error_reply_for_transports(void **state)
{
	json_t *e = core->error_reply(12, "tx", PARLEY_ERROR_INVALID_JSON, NULL);
	assert_string_equal(kind_of(e), "error");
	assert_int_equal(json_integer_value(json_object_get(e, "session_id")), 12);
	assert_int_equal(code_of(e), PARLEY_ERROR_INVALID_JSON);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "error"), "reason")), "Invalid JSON");
	json_decref(e);
	e = core->error_reply(0, NULL, PARLEY_ERROR_TRANSPORT_SPECIFIC, "too big");
	assert_null(json_object_get(e, "session_id"));
	assert_true(json_is_null(json_object_get(e, "transaction")));
	json_decref(e);
	const parley_plugin_core *p = parley_tables_all()->plugin;
	assert_int_equal(p->api_version, PARLEY_PLUGIN_API_VERSION);
	assert_int_equal(p->struct_size, sizeof(parley_plugin_core));
	assert_int_equal(p->relay_rtp(NULL, NULL), -1);
	assert_int_equal(parley_tables_all()->handler->struct_size, sizeof(parley_handler_core));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(envelope_errors, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(ping_and_info, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(session_verbs_and_paths, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(api_secret_and_accepting, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(echo_plugin_messages, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(signed_token_limits_plugins, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(admin_requests, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(status_routes, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(error_reply_for_transports, test_setup, test_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
