/*
 * fuzz_json_api.c — libFuzzer target for the core's client API request
 * path: bytes go through what a transport does with a message (JSON
 * decoding; 454/455 for what is not an object) and then through the core's
 * incoming_request (envelope and verb validation, auth, dispatch, sessions
 * and handles, plugin messages on the worker pool) with the real echo
 * plugin loaded and an in-process transport that records every message.
 *
 * The input is one request per line (up to 16 lines). In a request,
 * "session_id": 1 and "handle_id": 1 stand for the last session and handle
 * the previous lines created, so a seed can walk create → attach → message
 * → trickle → detach → destroy. Every request must be answered exactly
 * once, within 8 s, with a well-formed answer (success, error with a code
 * and reason, ack, pong or server_info) carrying the request's transaction;
 * every event must be well-formed too. Anything else aborts.
 *
 * The echo plugin comes from $PARLEY_BUILDDIR/plugins/echo/.libs/, else
 * from the build folder two levels above this program. PARLEY_FUZZ_TRACE=1
 * prints every request and its answer (to check what a seed reaches).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "core/api.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/loops.h"
#include "core/tables.h"

#define MAX_LINES 16
#define ANSWER_WAIT_US (8 * G_USEC_PER_SEC) /* generous: valgrind runs the replay too */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the recording transport ------------------------------------------------ */

static GMutex lock;
static GCond cond;
static void *expected_ctx;     /* under lock */
static json_t *answer;         /* under lock: the answer to expected_ctx */
static unsigned answers_seen;  /* under lock: answers to expected_ctx */

static bool one_of(const char *value, const char *const *list)
{
	for (; value && *list; list++)
		if (strcmp(value, *list) == 0)
			return true;
	return false;
}

/* What every event must look like; aborts otherwise. */
static void check_event(json_t *event)
{
	static const char *const kinds[] = { "event", "detached", "hangup", "timeout", "webrtcup", "media",
	                                     "slowlink", "trickle", NULL };
	const char *kind = json_string_value(json_object_get(event, "janus"));
	if (!one_of(kind, kinds) || !json_is_integer(json_object_get(event, "session_id")))
		abort();
	if (strcmp(kind, "event") == 0) {
		json_t *plugindata = json_object_get(event, "plugindata");
		if (!json_is_string(json_object_get(plugindata, "plugin")) ||
		    !json_is_object(json_object_get(plugindata, "data")))
			abort();
	}
}

static int record(parley_conn *conn, void *ctx, bool admin, json_t *message)
{
	if (!json_is_object(message))
		abort();
	if (!ctx) {
		check_event(message);
		return 0;
	}
	g_mutex_lock(&lock);
	if (ctx == expected_ctx) {
		answers_seen++;
		if (!answer)
			answer = json_incref(message);
		g_cond_broadcast(&cond);
	} else {
		abort(); /* an answer to a request that was already answered */
	}
	g_mutex_unlock(&lock);
	return 0;
}

static const parley_transport recorder = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = "parley.transport.fuzz",
	.send_message = record,
};

/* ---- checks ------------------------------------------------------------------- */

/* A well-formed answer to a request whose transaction is `transaction`
 * (NULL when it had none usable). */
static void fail_answer(json_t *reply, const char *why)
{
	char *shown = json_dumps(reply, JSON_COMPACT);
	fprintf(stderr, "fuzz_json_api: %s: %.500s\n", why, shown ? shown : "?");
	free(shown);
	abort();
}

static void check_answer(json_t *reply, const char *transaction)
{
	static const char *const kinds[] = { "success", "error", "ack", "pong", "server_info", NULL };
	const char *kind = json_string_value(json_object_get(reply, "janus"));
	if (!one_of(kind, kinds))
		fail_answer(reply, "not an answer kind");
	json_t *t = json_object_get(reply, "transaction");
	if (transaction ? !json_is_string(t) || strcmp(json_string_value(t), transaction) != 0
	                : t != NULL && !json_is_null(t))
		fail_answer(reply, "wrong transaction");
	if (strcmp(kind, "error") == 0) {
		json_t *error = json_object_get(reply, "error");
		json_int_t code = json_integer_value(json_object_get(error, "code"));
		const char *reason = json_string_value(json_object_get(error, "reason"));
		if (code < 400 || code > 499 || !reason || !reason[0])
			fail_answer(reply, "error without a code in 400..499 and a reason");
	}
}

/* ---- set-up ----------------------------------------------------------------------- */

static const parley_transport_core *core;
static bool trace; /* PARLEY_FUZZ_TRACE set: print every request and its answer */

static char *echo_path(void)
{
	const char *builddir = getenv("PARLEY_BUILDDIR");
	if (builddir)
		return g_build_filename(builddir, "plugins", "echo", ".libs", "parley_plugin_echo.so", NULL);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *dir = g_path_get_dirname(self);      /* <build>/tests/<x> */
	char *top = g_build_filename(dir, "..", "..", "plugins", "echo", ".libs", "parley_plugin_echo.so", NULL);
	g_free(dir);
	return top;
}

/* The order of parleyd's own shutdown: the loops stop before the modules
 * are unloaded, so no plugin timer can fire into unloaded code. */
static void stop_core(void)
{
	parley_api_shutdown();
	parley_loops_stop();
	parley_loader_unload_all();
}

static void start_core(void)
{
	parley_log_set_level(PARLEY_LOG_FATAL);
	/* OpenSSL's exit handler must be registered before stop_core's so it
	 * runs after it (atexit runs handlers in reverse order): else the loop
	 * threads' OpenSSL state is orphaned when they are joined. Options 0
	 * would return at once without registering it. */
	OPENSSL_init_crypto(OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL);
	if (parley_loops_start(1) || parley_api_start(2)) {
		fprintf(stderr, "fuzz_json_api: cannot start the core\n");
		abort();
	}
	parley_loader_set_tables(parley_tables_all());
	char *path = echo_path();
	if (!path || parley_loader_load_file(path, PARLEY_MODULE_PLUGIN) != 0) {
		fprintf(stderr, "fuzz_json_api: cannot load the echo plugin (%s); set PARLEY_BUILDDIR\n",
		        path ? path : "?");
		abort();
	}
	g_free(path);
	/* As in the sample configuration: janus.js's plugin name reaches echo. */
	parley_registry_set_aliases("janus.plugin.echotest=parley.plugin.echo");
	core = parley_tables_all()->transport;
	trace = getenv("PARLEY_FUZZ_TRACE") != NULL;
	atexit(stop_core);
}

/* ---- one request ------------------------------------------------------------------- */

typedef struct walk {
	parley_conn *conn;
	json_int_t session_id, handle_id;
	intptr_t next_ctx;
} walk;

/* "session_id": 1 / "handle_id": 1 → the last created ones. */
static void substitute(json_t *request, const walk *w)
{
	static const char *const keys[] = { "session_id", "handle_id" };
	const json_int_t ids[] = { w->session_id, w->handle_id };
	for (int i = 0; i < 2; i++) {
		json_t *v = json_object_get(request, keys[i]);
		if (json_is_integer(v) && json_integer_value(v) == 1 && ids[i])
			json_object_set_new(request, keys[i], json_integer(ids[i]));
	}
}

static void run_line(walk *w, const char *text, size_t length)
{
	json_error_t error;
	json_t *request = json_loadb(text, length, JSON_DECODE_ANY, &error);
	if (!request || !json_is_object(request)) {
		/* What the transports answer themselves. */
		json_t *reply = core->error_reply(0, NULL, request ? 455 : 454, request ? "not an object" : error.text);
		check_answer(reply, NULL);
		json_decref(reply);
		json_decref(request);
		return;
	}
	substitute(request, w);
	json_t *t = json_object_get(request, "transaction");
	char *transaction = json_is_string(t) ? g_strdup(json_string_value(t)) : NULL;
	const char *verb = json_string_value(json_object_get(request, "janus"));
	bool creates = verb && (strcmp(verb, "create") == 0 || strcmp(verb, "attach") == 0);
	bool attach = verb && strcmp(verb, "attach") == 0;

	void *ctx = (void *)++w->next_ctx;
	g_mutex_lock(&lock);
	expected_ctx = ctx;
	answer = NULL;
	answers_seen = 0;
	g_mutex_unlock(&lock);
	core->incoming_request(w->conn, ctx, false, request);
	json_decref(request);

	gint64 deadline = g_get_monotonic_time() + ANSWER_WAIT_US;
	g_mutex_lock(&lock);
	while (!answer && g_cond_wait_until(&cond, &lock, deadline))
		;
	json_t *reply = answer;
	answer = NULL;
	unsigned seen = answers_seen;
	expected_ctx = NULL;
	g_mutex_unlock(&lock);
	if (!reply || seen != 1) {
		fprintf(stderr, "fuzz_json_api: %u answers to one request\n", seen);
		abort();
	}
	check_answer(reply, transaction);
	if (trace) {
		char *shown = json_dumps(reply, JSON_COMPACT);
		fprintf(stderr, "%.*s\n  -> %.300s\n", (int)(length > 300 ? 300 : length), text, shown ? shown : "?");
		free(shown);
	}
	const char *kind = json_string_value(json_object_get(reply, "janus"));
	json_int_t id = json_integer_value(json_object_get(json_object_get(reply, "data"), "id"));
	if (creates && strcmp(kind, "success") == 0) {
		if (id <= 0)
			abort();
		if (attach)
			w->handle_id = id;
		else
			w->session_id = id;
	}
	json_decref(reply);
	g_free(transaction);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gsize started;
	if (g_once_init_enter(&started)) {
		start_core();
		g_once_init_leave(&started, 1);
	}
	walk w = { .conn = core->conn_new(&recorder, NULL, NULL) };
	const char *text = (const char *)data;
	size_t pos = 0;
	for (int line = 0; line < MAX_LINES && pos < size; line++) {
		const char *end = memchr(text + pos, '\n', size - pos);
		size_t length = end ? (size_t)(end - (text + pos)) : size - pos;
		run_line(&w, text + pos, length);
		pos += length + 1;
	}
	/* Sessions of a closed connection end at once (reclaim 0). */
	core->conn_closed(w.conn);
	core->conn_unref(w.conn);
	return 0;
}
