/*
 * echo.c — parley.plugin.echo, the reference plugin: the smallest complete
 * Parley plugin, and the file to copy when writing a new one.
 *
 * What it does today (media arrives with the media work):
 *  - {"request":"ping"} is answered at once (synchronously) with
 *    {"echotest":"pong"};
 *  - any other message is answered asynchronously: the core replies "ack",
 *    then the plugin pushes {"echotest":"event","result":"ok", ...} carrying
 *    back the fields the client sent;
 *  - "audio", "video" (booleans) and "bitrate" (a non-negative integer) in a
 *    message are stored on the handle and shown by admin handle_info;
 *  - a message with a jsep gets an error event: this plugin does not
 *    negotiate media yet;
 *  - the admin API's message_plugin gets {"sessions": N}.
 *
 * How a plugin is put together:
 *  1. One exported symbol, parley_plugin_entry, returns a const vtable
 *     filled with designated initializers (bottom of this file).
 *  2. Every core service comes from the table handed to init (`core`):
 *     never call a core symbol directly; build with -Wl,--no-undefined.
 *  3. Per-handle state hangs off session->plugin_handle. Here a global
 *     mutex guards it, because handle_message (worker threads) and
 *     destroy_session may run on different threads.
 *  4. Work that outlives handle_message takes core->handle_ref first and
 *     drops it with core->handle_unref when done.
 *  5. JSON: what we are handed is borrowed; what we return or store in
 *     result->content is a new reference (see parley/common.h).
 */
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#define ECHO_PACKAGE "parley.plugin.echo"
#define ECHO_VERSION 1
#define ECHO_VERSION_STRING "0.1.0"

/* Error codes in the plugin's events. */
enum echo_error {
	ECHO_ERROR_NO_MESSAGE = 411,
	ECHO_ERROR_INVALID_JSON = 412,
	ECHO_ERROR_INVALID_ELEMENT = 413,
	ECHO_ERROR_NO_MEDIA = 414,
	ECHO_ERROR_UNKNOWN_REQUEST = 415,
};

/* State kept per handle. */
typedef struct echo_handle {
	parley_plugin_session *session;
	bool audio, video;
	json_int_t bitrate;   /* 0 = no cap */
	json_int_t messages;  /* how many messages this handle sent */
} echo_handle;

/* An asynchronous answer waiting for its turn on the handle's loop. */
typedef struct echo_job {
	parley_plugin_session *session;  /* holds a handle_ref */
	char *transaction;
	json_t *event;                   /* owned */
} echo_job;

static const parley_plugin_core *core;
static const parley_plugin echo_plugin;
static GMutex handles_lock;
static GHashTable *handles;          /* parley_plugin_session* -> echo_handle* (owned) */
static bool notify_events;

#define LOG(level, ...) core->log(level, ECHO_PACKAGE, __VA_ARGS__)

/* ---- lifecycle ---- */

/* A boolean from parley.plugin.echo.conf (after environment overrides). */
static bool config_bool(const char *section, const char *key, bool fallback)
{
	static const char *const no[] = {"false", "no", "off", "0"};
	static const char *const yes[] = {"true", "yes", "on", "1"};
	const char *value = core->config_get(ECHO_PACKAGE, section, key);
	for (size_t i = 0; value != NULL && i < G_N_ELEMENTS(no); i++) {
		if (g_ascii_strcasecmp(value, no[i]) == 0)
			return false;
		if (g_ascii_strcasecmp(value, yes[i]) == 0)
			return true;
	}
	if (value != NULL)
		LOG(PARLEY_LOG_WARN, "[%s] %s = \"%s\" is not a boolean: using %s", section, key, value,
		    fallback ? "true" : "false");
	return fallback;
}

static int echo_init(const parley_plugin_core *table)
{
	if (table == NULL || table->api_version != PARLEY_PLUGIN_API_VERSION)
		return -1;
	core = table;
	handles = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	notify_events = config_bool("general", "notify_events", true);
	LOG(PARLEY_LOG_VERB, "echo plugin ready (events %s)", notify_events ? "on" : "off");
	return 0;
}

static void echo_destroy(void)
{
	g_mutex_lock(&handles_lock);
	g_clear_pointer(&handles, g_hash_table_destroy);
	g_mutex_unlock(&handles_lock);
	core = NULL;
}

static int echo_create_session(parley_plugin_session *session)
{
	echo_handle *handle = g_new0(echo_handle, 1);
	handle->session = session;
	handle->audio = handle->video = true;
	session->plugin_handle = handle;
	g_mutex_lock(&handles_lock);
	g_hash_table_insert(handles, session, handle);
	g_mutex_unlock(&handles_lock);
	return 0;
}

static int echo_destroy_session(parley_plugin_session *session)
{
	g_mutex_lock(&handles_lock);
	bool found = g_hash_table_remove(handles, session);
	session->plugin_handle = NULL;
	g_mutex_unlock(&handles_lock);
	return found ? 0 : -1;
}

/* ---- messages ---- */

static json_t *error_event(int code, const char *text)
{
	return json_pack("{s:s, s:i, s:s}", "echotest", "event", "error_code", code, "error", text);
}

/* The settings a message may carry, checked and stored on the handle. Each
 * returns NULL when accepted or the error text. Called with handles_lock. */
typedef const char *(*setting_fn)(echo_handle *handle, json_t *value);

static const char *set_audio(echo_handle *handle, json_t *value)
{
	if (!json_is_boolean(value))
		return "audio must be a boolean";
	handle->audio = json_is_true(value);
	return NULL;
}

static const char *set_video(echo_handle *handle, json_t *value)
{
	if (!json_is_boolean(value))
		return "video must be a boolean";
	handle->video = json_is_true(value);
	return NULL;
}

static const char *set_bitrate(echo_handle *handle, json_t *value)
{
	if (!json_is_integer(value) || json_integer_value(value) < 0)
		return "bitrate must be a non-negative integer";
	handle->bitrate = json_integer_value(value);
	return NULL;
}

static const struct {
	const char *key;
	setting_fn apply;
} settings[] = {
	{"audio", set_audio},
	{"video", set_video},
	{"bitrate", set_bitrate},
};

/* Applies every setting in `message` to the handle; NULL or the error. */
static const char *apply_settings(echo_handle *handle, json_t *message)
{
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++) {
		json_t *value = json_object_get(message, settings[i].key);
		const char *error = value ? settings[i].apply(handle, value) : NULL;
		if (error != NULL)
			return error;
	}
	return NULL;
}

/* Synchronous requests: answered in result->content. */
static void request_ping(parley_plugin_session *session, json_t *message, parley_plugin_result *result)
{
	result->kind = PARLEY_PLUGIN_OK;
	result->content = json_pack("{s:s}", "echotest", "pong");
}

static const struct {
	const char *name;
	void (*handle)(parley_plugin_session *session, json_t *message, parley_plugin_result *result);
} sync_requests[] = {
	{"ping", request_ping},
};

static void job_free(void *data)
{
	echo_job *job = data;
	json_decref(job->event);
	g_free(job->transaction);
	core->handle_unref(job->session);
	g_free(job);
}

/* Runs once on the handle's event loop: sends the answer. */
static bool job_run(void *data)
{
	echo_job *job = data;
	int rc = core->push_event(job->session, &echo_plugin, job->transaction, job->event, NULL);
	if (rc != 0)
		LOG(PARLEY_LOG_VERB, "event not delivered (%d): the handle is gone", rc);
	return false;   /* one shot: job_free runs next */
}

/* Answers later with `event` (taken): on the handle's loop when a timer can
 * be started, else right away from this worker. */
static void answer_later(parley_plugin_session *session, const char *transaction, json_t *event)
{
	echo_job *job = g_new0(echo_job, 1);
	core->handle_ref(session);
	job->session = session;
	job->transaction = g_strdup(transaction);
	job->event = event;
	if (core->timer_start(session, 0, job_run, job, job_free) == NULL) {
		job_run(job);
		job_free(job);
	}
}

static void echo_handle_message(parley_plugin_session *session, const char *transaction,
                                json_t *message, json_t *jsep, parley_plugin_result *result)
{
	if (message == NULL) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "no message", sizeof(result->text));
		return;
	}
	if (!json_is_object(message)) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "the message is not a JSON object", sizeof(result->text));
		return;
	}
	json_t *request = json_object_get(message, "request");
	if (request != NULL && !json_is_string(request)) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "request must be a string", sizeof(result->text));
		return;
	}
	for (size_t i = 0; request && i < G_N_ELEMENTS(sync_requests); i++) {
		if (strcmp(json_string_value(request), sync_requests[i].name) == 0) {
			sync_requests[i].handle(session, message, result);
			return;
		}
	}

	/* Everything else is asynchronous: "ack" now, an event later. */
	json_t *event;
	const char *error = NULL;
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL) {
		handle->messages++;
		error = apply_settings(handle, message);
	}
	g_mutex_unlock(&handles_lock);
	if (handle == NULL) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "no such handle", sizeof(result->text));
		return;
	}
	if (request != NULL)
		event = error_event(ECHO_ERROR_UNKNOWN_REQUEST, "unknown request");
	else if (error != NULL)
		event = error_event(ECHO_ERROR_INVALID_ELEMENT, error);
	else if (jsep != NULL)
		event = error_event(ECHO_ERROR_NO_MEDIA, "this echo plugin does not negotiate media yet");
	else {
		event = json_pack("{s:s, s:s}", "echotest", "event", "result", "ok");
		json_object_update_missing(event, message);   /* echo the client's fields */
	}
	if (notify_events && core->events_enabled())
		core->notify_event(&echo_plugin, session, event);
	result->kind = PARLEY_PLUGIN_OK_WAIT;
	answer_later(session, transaction, event);
}

/* ---- admin ---- */

static json_t *echo_handle_admin_message(json_t *message)
{
	g_mutex_lock(&handles_lock);
	unsigned n = handles ? g_hash_table_size(handles) : 0;
	g_mutex_unlock(&handles_lock);
	return json_pack("{s:i}", "sessions", (int)n);
}

static json_t *echo_query_session(parley_plugin_session *session)
{
	json_t *info = NULL;
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL)
		info = json_pack("{s:b, s:b, s:I, s:I}", "audio", handle->audio, "video", handle->video,
		                 "bitrate", handle->bitrate, "messages", handle->messages);
	g_mutex_unlock(&handles_lock);
	return info;
}

/* ---- the vtable and the entry symbol ---- */

static const parley_plugin echo_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = ECHO_PACKAGE,
	.name = "Echo",
	.description = "Echoes messages back (and, with the media work, audio and video)",
	.author = "Parley",
	.version_string = ECHO_VERSION_STRING,
	.version = ECHO_VERSION,

	.init = echo_init,
	.destroy = echo_destroy,
	.create_session = echo_create_session,
	.handle_message = echo_handle_message,
	.handle_admin_message = echo_handle_admin_message,
	.destroy_session = echo_destroy_session,
	.query_session = echo_query_session,
};

const parley_plugin *parley_plugin_entry(void);
const parley_plugin *parley_plugin_entry(void)
{
	return &echo_plugin;
}
