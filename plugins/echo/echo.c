/*
 * echo.c — parley.plugin.echo, the reference plugin: the smallest complete
 * Parley plugin, and the file to copy when writing a new one.
 *
 * What it does:
 *  - a message with a jsep offer is answered with core->sdp_answer (opus,
 *    VP8, VP9, H264; sendrecv) pushed back as the event's jsep; the core
 *    adds ICE/DTLS and runs the PeerConnection;
 *  - incoming_rtp is relayed back on the same handle (same m-line), unless
 *    the client turned that kind off; a PLI from the client is turned into
 *    a PLI towards it (it is both sender and receiver);
 *  - data channels: an offer's m=application line is accepted; every
 *    message (incoming_data) goes back on a channel of the same label,
 *    text as text and binary as binary (an empty one empty);
 *    {"close_data": "<label>"} closes the channels so labelled (stream
 *    reset) and admin handle_info counts messages echoed and dropped;
 *  - setup_media sends a PLI at once and every 3 s during the first 15 s
 *    of video, plus a REMB when a bitrate cap is set; hangup_media resets;
 *  - {"request":"ping"} is answered at once (synchronously) with
 *    {"echotest":"pong"};
 *  - any other message is answered asynchronously: the core replies "ack",
 *    then the plugin pushes {"echotest":"event","result":"ok", ...} carrying
 *    back the fields the client sent;
 *  - "audio", "video" (booleans) and "bitrate" (a non-negative integer) in a
 *    message are stored on the handle and shown by admin handle_info;
 *  - {"restart": true} (no jsep) makes the plugin offer again what it last
 *    answered, with "restart": true in the jsep: the core renews its ICE
 *    credentials (an ICE restart from the server side); the client's jsep
 *    answer to that offer is taken (the core refuses answers nobody asked
 *    for with 469);
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
#include <stddef.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "util/setting.h"

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
	ECHO_ERROR_SDP = 416,
};

#define PLI_INTERVAL_MS 3000
#define PLI_STARTUP_COUNT 5

/* State kept per handle. */
typedef struct echo_handle {
	parley_plugin_session *session;
	bool audio, video;
	json_int_t bitrate;   /* 0 = no cap */
	json_int_t messages;  /* how many messages this handle sent */
	/* Read per packet on the handle's loop without the global lock. */
	gint relay_audio, relay_video;
	parley_timer *pli_timer;  /* start-up PLIs; under handles_lock */
	unsigned plis_left;
	json_int_t packets;       /* relayed back */
	gint data_echoed, data_dropped, data_channels; /* data channels, on the handle's loop (atomics) */
	char *sdp;                /* our last answer (without ICE/DTLS), for restarts; under handles_lock */
	bool restart;             /* this message asks for an ICE restart; under handles_lock */
} echo_handle;

/* An asynchronous answer waiting for its turn on the handle's loop. */
typedef struct echo_job {
	parley_plugin_session *session;  /* holds a handle_ref */
	char *transaction;
	json_t *event;                   /* owned */
	json_t *jsep;                    /* owned, may be NULL */
} echo_job;

static const parley_plugin_core *core;
static const parley_plugin echo_plugin;
static GMutex handles_lock;
static GHashTable *handles;          /* parley_plugin_session* -> echo_handle* (owned) */
static bool notify_events;

#define LOG(level, ...) core->log(level, ECHO_PACKAGE, __VA_ARGS__)

/* ---- lifecycle ---- */

/* parley.plugin.echo.conf (after environment overrides) for util/setting.h. */
static const char *config_get(const void *context, const char *section, const char *key)
{
	return core->config_get(ECHO_PACKAGE, section, key);
}

static void config_warn(const void *context, const char *line)
{
	LOG(PARLEY_LOG_WARN, "%s", line);
}

static const parley_util_setting_source config_source = {config_get, config_warn, NULL};

static void echo_handle_free(void *data)
{
	echo_handle *handle = data;
	g_free(handle->sdp);
	g_free(handle);
}

static int echo_init(const parley_plugin_core *table)
{
	if (table == NULL || table->api_version != PARLEY_PLUGIN_API_VERSION)
		return -1;
	core = table;
	handles = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, echo_handle_free);
	notify_events = parley_util_setting_read_bool(&config_source, "general", "notify_events", true);
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
	handle->relay_audio = handle->relay_video = 1;
	session->plugin_handle = handle;
	g_mutex_lock(&handles_lock);
	g_hash_table_insert(handles, session, handle);
	g_mutex_unlock(&handles_lock);
	return 0;
}

static int echo_destroy_session(parley_plugin_session *session)
{
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL && handle->pli_timer != NULL)
		core->timer_stop(handle->pli_timer);
	bool found = handle != NULL && g_hash_table_remove(handles, session);
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
 * returns 0 when accepted, else the code of *error. Called with
 * handles_lock. */
typedef int (*setting_fn)(echo_handle *handle, json_t *value, parley_plugin_error *error);

static int set_audio(echo_handle *handle, json_t *value, parley_plugin_error *error)
{
	if (!json_is_boolean(value))
		return parley_plugin_error_set(error, ECHO_ERROR_INVALID_ELEMENT, "audio must be a boolean");
	handle->audio = json_is_true(value);
	g_atomic_int_set(&handle->relay_audio, handle->audio);
	return 0;
}

static int set_video(echo_handle *handle, json_t *value, parley_plugin_error *error)
{
	if (!json_is_boolean(value))
		return parley_plugin_error_set(error, ECHO_ERROR_INVALID_ELEMENT, "video must be a boolean");
	handle->video = json_is_true(value);
	g_atomic_int_set(&handle->relay_video, handle->video);
	return 0;
}

static int set_bitrate(echo_handle *handle, json_t *value, parley_plugin_error *error)
{
	if (!json_is_integer(value) || json_integer_value(value) < 0)
		return parley_plugin_error_set(error, ECHO_ERROR_INVALID_ELEMENT, "bitrate must be a non-negative integer");
	handle->bitrate = json_integer_value(value);
	return 0;
}

static int set_restart(echo_handle *handle, json_t *value, parley_plugin_error *error)
{
	if (!json_is_boolean(value))
		return parley_plugin_error_set(error, ECHO_ERROR_INVALID_ELEMENT, "restart must be a boolean");
	handle->restart = json_is_true(value);
	return 0;
}

static const struct {
	const char *key;
	setting_fn apply;
} settings[] = {
	{"audio", set_audio},
	{"video", set_video},
	{"bitrate", set_bitrate},
	{"restart", set_restart},
};

/* Applies every setting in `message` to the handle: 0, or the code of
 * *error for the first one refused. */
static int apply_settings(echo_handle *handle, json_t *message, parley_plugin_error *error)
{
	for (size_t i = 0; i < G_N_ELEMENTS(settings); i++) {
		json_t *value = json_object_get(message, settings[i].key);
		int code = value ? settings[i].apply(handle, value, error) : 0;
		if (code != 0)
			return code;
	}
	return 0;
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
	json_decref(job->jsep);
	g_free(job->transaction);
	core->handle_unref(job->session);
	g_free(job);
}

/* Runs once on the handle's event loop: sends the answer. */
static bool job_run(void *data)
{
	echo_job *job = data;
	int rc = core->push_event(job->session, &echo_plugin, job->transaction, job->event, job->jsep);
	if (rc != 0)
		LOG(PARLEY_LOG_VERB, "event not delivered (%d): the handle is gone", rc);
	return false;   /* one shot: job_free runs next */
}

/* Answers later with `event` and `jsep` (both taken; jsep may be NULL): on
 * the handle's loop when a timer can be started, else right away from this
 * worker. */
static void answer_later(parley_plugin_session *session, const char *transaction, json_t *event, json_t *jsep)
{
	echo_job *job = g_new0(echo_job, 1);
	core->handle_ref(session);
	job->session = session;
	job->transaction = g_strdup(transaction);
	job->event = event;
	job->jsep = jsep;
	if (core->timer_start(session, 0, job_run, job, job_free) == NULL) {
		job_run(job);
		job_free(job);
	}
}

/* {"close_data": "<label>"}: closes the data channels so labelled. Not
 * under handles_lock: the core runs it on the handle's loop and waits. */
static void close_channels(parley_plugin_session *session, json_t *label, parley_plugin_error *error)
{
	if (label == NULL)
		return;
	if (!json_is_string(label)) {
		parley_plugin_error_set(error, ECHO_ERROR_INVALID_ELEMENT, "close_data must be a label (string)");
		return;
	}
	if (!PARLEY_PLUGIN_CORE_HAS(core, close_data)) {
		parley_plugin_error_set(error, ECHO_ERROR_NO_MEDIA, "this core has no data channels");
		return;
	}
	int rc = core->close_data(session, json_string_value(label));
	if (rc != 0)
		parley_plugin_error_set(error, ECHO_ERROR_NO_MEDIA, "no data channel \"%s\" to close (%d)",
		                        json_string_value(label), rc);
}

/* Our answer to the client's offer (a new jsep), or NULL with *error.
 * The answer's SDP is kept on the handle for a later restart offer. */
static json_t *answer_offer(parley_plugin_session *session, json_t *jsep, parley_plugin_error *error)
{
	if (core->struct_size < offsetof(parley_plugin_core, sdp_answer) + sizeof(core->sdp_answer) ||
	    core->sdp_answer == NULL) {
		parley_plugin_error_set(error, ECHO_ERROR_SDP, "this core has no SDP helpers");
		return NULL;
	}
	json_t *options = json_pack("{s:{s:[s]}, s:{s:[s,s,s]}, s:b}", "audio", "codecs", "opus",
	                            "video", "codecs", "vp8", "vp9", "h264", "data", 1);
	char reason[256] = "";
	char *sdp = core->sdp_answer(json_string_value(json_object_get(jsep, "sdp")), options, reason, sizeof(reason));
	json_decref(options);
	if (sdp == NULL) {
		parley_plugin_error_set(error, ECHO_ERROR_SDP, "%s", reason);
		return NULL;
	}
	json_t *answer = json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp);
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL) {
		g_free(handle->sdp);
		handle->sdp = sdp;
		sdp = NULL;
	}
	g_mutex_unlock(&handles_lock);
	g_free(sdp);
	return answer;
}

/* Our offer for an ICE restart: what we last answered, with "restart". */
static json_t *restart_offer(parley_plugin_session *session, parley_plugin_error *error)
{
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	json_t *offer = handle != NULL && handle->sdp != NULL ? json_pack("{s:s, s:s, s:b}", "type", "offer", "sdp", handle->sdp,
	                                        "restart", 1) : NULL;
	g_mutex_unlock(&handles_lock);
	if (offer == NULL)
		parley_plugin_error_set(error, ECHO_ERROR_SDP, "nothing to restart: no media negotiated yet");
	return offer;
}

/* The jsep this message gets back (a new reference, or NULL): an answer to
 * an offer, our offer on a restart request, nothing for the answer to our
 * offer. *error is set when the message cannot be honoured. */
static json_t *negotiate(parley_plugin_session *session, json_t *jsep, bool restart, parley_plugin_error *error)
{
	const char *type = jsep != NULL ? json_string_value(json_object_get(jsep, "type")) : NULL;
	if (jsep == NULL)
		return restart ? restart_offer(session, error) : NULL;
	if (type != NULL && strcmp(type, "answer") == 0)
		return NULL;   /* the core checked that our offer was pending */
	if (type == NULL || strcmp(type, "offer") != 0) {
		parley_plugin_error_set(error, ECHO_ERROR_SDP, "jsep type must be offer or answer");
		return NULL;
	}
	return answer_offer(session, jsep, error);
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
	json_t *event, *answer = NULL;
	parley_plugin_error error = {0};
	json_int_t bitrate = 0;
	bool restart = false;
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL) {
		handle->messages++;
		handle->restart = false;
		apply_settings(handle, message, &error);
		bitrate = json_object_get(message, "bitrate") ? handle->bitrate : -1;
		restart = handle->restart;
		handle->restart = false;
	}
	g_mutex_unlock(&handles_lock);
	if (handle == NULL) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_strlcpy(result->text, "no such handle", sizeof(result->text));
		return;
	}
	bool settings_ok = error.code == 0;
	if (settings_ok)
		close_channels(session, json_object_get(message, "close_data"), &error);
	settings_ok = error.code == 0;
	if (request != NULL)
		event = error_event(ECHO_ERROR_UNKNOWN_REQUEST, "unknown request");
	else if (!settings_ok || ((answer = negotiate(session, jsep, restart, &error)) == NULL && error.code != 0))
		event = error_event(error.code, error.reason);
	else {
		event = json_pack("{s:s, s:s}", "echotest", "event", "result", "ok");
		json_object_update_missing(event, message);   /* echo the client's fields */
	}
	if (settings_ok && bitrate > 0)
		core->send_remb(session, (uint32_t)bitrate); /* -1 (no pc yet) is fine: sent again at setup */
	if (notify_events && core->events_enabled())
		core->notify_event(&echo_plugin, session, event);
	result->kind = PARLEY_PLUGIN_OK_WAIT;
	answer_later(session, transaction, event, answer);
}

/* ---- media (on the handle's event loop) ---- */

/* Start-up PLIs: the first frames decode only after a keyframe. */
static bool pli_tick(void *data)
{
	parley_plugin_session *session = data;
	core->send_pli(session, -1);
	bool again = false;
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL) {
		again = handle->plis_left > 0;
		if (again)
			handle->plis_left--;
		else
			handle->pli_timer = NULL;
	}
	g_mutex_unlock(&handles_lock);
	return again;
}

static void unref_session(void *data)
{
	core->handle_unref(data);
}

static void echo_setup_media(parley_plugin_session *session)
{
	LOG(PARLEY_LOG_VERB, "media is up");
	core->send_pli(session, -1);
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	json_int_t bitrate = handle ? handle->bitrate : 0;
	if (handle != NULL && handle->pli_timer == NULL) {
		handle->plis_left = PLI_STARTUP_COUNT;
		core->handle_ref(session);
		handle->pli_timer = core->timer_start(session, PLI_INTERVAL_MS, pli_tick, session, unref_session);
		if (handle->pli_timer == NULL)
			core->handle_unref(session);
	}
	g_mutex_unlock(&handles_lock);
	if (bitrate > 0)
		core->send_remb(session, (uint32_t)bitrate);
}

static void echo_incoming_rtp(parley_plugin_session *session, parley_rtp_packet *packet)
{
	echo_handle *handle = session->plugin_handle;
	if (handle == NULL)
		return;
	if (!g_atomic_int_get(packet->video ? &handle->relay_video : &handle->relay_audio))
		return;
	if (core->relay_rtp(session, packet) == 0)
		handle->packets++;
}

/* The client asks for a keyframe of what we send it, which is its own
 * video: ask it for one. */
static void echo_incoming_rtcp(parley_plugin_session *session, parley_rtcp_packet *packet)
{
	const uint8_t *p = (const uint8_t *)packet->buffer;
	size_t left = packet->length;
	while (left >= 4) {
		size_t len = ((size_t)((p[2] << 8) | p[3]) + 1) * 4;
		uint8_t fmt = p[0] & 0x1f;
		if (len > left)
			break;
		if (p[1] == 206 && (fmt == 1 || fmt == 4)) {
			core->send_pli(session, packet->mindex);
			return;
		}
		p += len;
		left -= len;
	}
}

/* Data channels: each message back on a channel of its label, as it came
 * (text or binary, the channel's own reliability). On the handle's loop,
 * so relay_data sends at once; a full send buffer drops the echo. */
static void echo_incoming_data(parley_plugin_session *session, parley_data_packet *packet)
{
	echo_handle *handle = session->plugin_handle;
	if (handle == NULL)
		return;
	parley_data_packet reply = {
		.buffer = packet->buffer, .length = packet->length, .label = packet->label, .binary = packet->binary,
		.protocol = packet->protocol, .size = packet->size,
	};
	int rc = core->relay_data(session, &reply);
	g_atomic_int_inc(rc == 0 ? &handle->data_echoed : &handle->data_dropped);
	if (rc != 0)
		LOG(PARLEY_LOG_VERB, "a %zu-byte message on \"%s\" not echoed (%d)", packet->size, packet->label, rc);
}

static void echo_data_ready(parley_plugin_session *session, const parley_data_channel *channel,
                            parley_data_event event)
{
	echo_handle *handle = session->plugin_handle;
	if (handle == NULL || channel == NULL)
		return;
	if (event == PARLEY_DATA_OPEN)
		g_atomic_int_inc(&handle->data_channels);
	else if (event == PARLEY_DATA_CLOSED)
		g_atomic_int_add(&handle->data_channels, -1);
	LOG(PARLEY_LOG_VERB, "data channel \"%s\" %s", channel->label, event == PARLEY_DATA_OPEN ? "open" : "closed");
}

static void echo_hangup_media(parley_plugin_session *session)
{
	LOG(PARLEY_LOG_VERB, "media hung up: state reset");
	g_mutex_lock(&handles_lock);
	echo_handle *handle = handles ? g_hash_table_lookup(handles, session) : NULL;
	if (handle != NULL) {
		if (handle->pli_timer != NULL)
			core->timer_stop(handle->pli_timer);
		handle->pli_timer = NULL;
		handle->audio = handle->video = true;
		handle->bitrate = 0;
		handle->packets = 0;
		g_atomic_int_set(&handle->data_channels, 0);
		g_clear_pointer(&handle->sdp, g_free);
		g_atomic_int_set(&handle->relay_audio, 1);
		g_atomic_int_set(&handle->relay_video, 1);
	}
	g_mutex_unlock(&handles_lock);
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
		info = json_pack("{s:b, s:b, s:I, s:I, s:I, s:{s:i, s:i, s:i}}", "audio", handle->audio,
		                 "video", handle->video, "bitrate", handle->bitrate, "messages", handle->messages,
		                 "relayed", handle->packets, "data", "channels", g_atomic_int_get(&handle->data_channels),
		                 "echoed", g_atomic_int_get(&handle->data_echoed),
		                 "dropped", g_atomic_int_get(&handle->data_dropped));
	g_mutex_unlock(&handles_lock);
	return info;
}

/* ---- the vtable and the entry symbol ---- */

static const parley_plugin echo_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = ECHO_PACKAGE,
	.name = "Echo",
	.description = "Echoes audio, video and messages back",
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

	.setup_media = echo_setup_media,
	.incoming_rtp = echo_incoming_rtp,
	.incoming_rtcp = echo_incoming_rtcp,
	.incoming_data = echo_incoming_data,
	.hangup_media = echo_hangup_media,
	.data_ready = echo_data_ready,
};

const parley_plugin *parley_plugin_entry(void);
const parley_plugin *parley_plugin_entry(void)
{
	return &echo_plugin;
}
