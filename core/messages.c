/*
 * messages.c — plugin messages on the bounded worker pool. A handle's
 * messages run one at a time, in the order the client sent them (a queue per
 * handle behind the one running); events a plugin pushes for that handle
 * from inside its handle_message, on the same thread, are held and sent right
 * after the request's answer (ack before event). Every message is answered
 * exactly once through its connection. A message that stays in its plugin
 * longer than 3 s is named in the log while it is still there.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "errors.h"
#include "log.h"
#include "messages.h"
#include "request.h"
#include "session.h"
#include "webrtc.h"

#define PARLEY_LOG_MODULE "messages"
/* A message answered later than this after it arrived is logged with where
 * the time went (waiting for its turn or a worker, or the plugin). */
#define SLOW_MESSAGE_US (1 * G_USEC_PER_SEC)

static GMutex pool_lock;
static GThreadPool *pool;       /* under pool_lock */
static unsigned pool_workers;
static unsigned max_queued = 1024;

typedef struct message_job {
	parley_conn *conn;
	void *ctx;
	parley_handle *handle;
	char *transaction;
	json_t *body;
	json_t *jsep;
	gint64 submitted;  /* monotonic µs */
} message_job;

/* The messages in a plugin's hands right now, so that one that does not
 * come back is named in the log while it runs (a stuck handle_message holds
 * every later message of its handle): a timer on the main loop looks every
 * second and warns once per message past STUCK_MESSAGE_US. */
#define STUCK_MESSAGE_US (3 * G_USEC_PER_SEC)
typedef struct running_message {
	const message_job *job;
	gint64 started;  /* monotonic µs */
	bool warned;
} running_message;
static GMutex running_lock;
static GArray *running;     /* running_message, under running_lock */
static guint running_watch; /* main-loop timer id */

static void running_add(const message_job *job, gint64 started)
{
	running_message r = { .job = job, .started = started };
	g_mutex_lock(&running_lock);
	g_array_append_val(running, r);
	g_mutex_unlock(&running_lock);
}

static void running_remove(const message_job *job)
{
	g_mutex_lock(&running_lock);
	for (guint i = 0; i < running->len; i++) {
		if (g_array_index(running, running_message, i).job == job) {
			g_array_remove_index_fast(running, i);
			break;
		}
	}
	g_mutex_unlock(&running_lock);
}

static gboolean watch_running(gpointer unused)
{
	gint64 now = g_get_monotonic_time();
	g_mutex_lock(&running_lock);
	for (guint i = 0; i < running->len; i++) {
		running_message *r = &g_array_index(running, running_message, i);
		if (r->warned || now - r->started < STUCK_MESSAGE_US)
			continue;
		r->warned = true;
		const message_job *job = r->job;
		const char *request = json_string_value(json_object_get(job->body, "request"));
		PLOG_WARN("handle %" G_GUINT64_FORMAT ": a %s message (request \"%s\", transaction %s%s) has been "
		          "in the plugin for %" G_GINT64_FORMAT " ms; later messages of this handle wait behind it",
		          job->handle->id, job->handle->plugin->package, request ? request : "?", job->transaction,
		          job->jsep ? ", with a jsep" : "", (now - r->started) / 1000);
	}
	g_mutex_unlock(&running_lock);
	return G_SOURCE_CONTINUE;
}

static void message_job_free(message_job *job)
{
	parley_conn_unref(job->conn);
	parley_handle_unref(job->handle);
	g_free(job->transaction);
	json_decref(job->body);
	json_decref(job->jsep);
	g_free(job);
}

/* Events a plugin pushes for the handle whose handle_message runs on this
 * worker, from inside that call: they are held until the request's answer
 * went out, so a client never sees an event before the ack (or success) of
 * the request that caused it. The list lives on the worker's stack; its
 * array is allocated only when such an event arrives. No lock: only this
 * thread touches it. */
typedef struct held_event {
	json_t *event;   /* reference */
	bool jsep;       /* carries our local description */
} held_event;

typedef struct held_events {
	parley_handle *handle;
	GArray *list;    /* held_event, NULL until the first one */
} held_events;

static __thread held_events *held_here;

/* Sends what was held, in push order, and frees the list. */
static void release_held_events(held_events *hold)
{
	if (!hold->list)
		return;
	for (guint i = 0; i < hold->list->len; i++) {
		held_event *e = &g_array_index(hold->list, held_event, i);
		int rc = parley_session_notify(hold->handle->session, e->event);
		if (e->jsep && rc >= 0)
			parley_webrtc_local_jsep_sent(hold->handle);
		json_decref(e->event);
	}
	g_array_free(hold->list, TRUE);
	hold->list = NULL;
}

/* Hands one message to the plugin and answers it; frees the job. */
static void run_one_message(message_job *job)
{
	parley_handle *h = job->handle;
	uint64_t session_id = h->session->id;
	held_events hold = { .handle = h, .list = NULL };
	/* what the plugin logs meanwhile names the handle (and the room it names) */
	parley_log_context saved = parley_log_context_save();
	parley_log_context_set(session_id, h->id);
	parley_log_context_room(NULL);
	json_t *reply;
	gint64 started = g_get_monotonic_time();
	if (g_atomic_int_get(&h->life.destroyed)) {
		char reason[96];
		snprintf(reason, sizeof(reason), "No such handle %" G_GUINT64_FORMAT, h->id);
		reply = parley_request_error_reply(session_id, job->transaction, PARLEY_ERROR_HANDLE_NOT_FOUND, reason);
	} else {
		parley_plugin_result result = { .kind = PARLEY_PLUGIN_ERROR };
		held_here = &hold;
		running_add(job, started);
		h->plugin->handle_message(&h->psession, job->transaction, job->body, job->jsep, &result);
		running_remove(job);
		held_here = NULL;
		if (result.kind == PARLEY_PLUGIN_OK) {
			reply = json_pack("{sssIsssI}", "janus", "success", "session_id", (json_int_t)session_id,
			                  "transaction", job->transaction, "sender", (json_int_t)h->id);
			json_object_set_new(reply, "plugindata", json_pack("{ssso}", "plugin", h->plugin->package,
				"data", result.content ? result.content : json_object()));
			result.content = NULL;
		} else if (result.kind == PARLEY_PLUGIN_OK_WAIT) {
			reply = json_pack("{sssIss}", "janus", "ack", "session_id", (json_int_t)session_id,
			                  "transaction", job->transaction);
			if (result.text[0])
				json_object_set_new(reply, "hint", json_string(result.text));
		} else {
			reply = parley_request_error_reply(session_id, job->transaction, PARLEY_ERROR_PLUGIN_MESSAGE,
			                               result.text[0] ? result.text : NULL);
		}
		json_decref(result.content);
	}
	parley_conn_send(job->conn, job->ctx, false, reply);
	char answered[16];
	g_strlcpy(answered, json_string_value(json_object_get(reply, "janus")), sizeof(answered));
	json_decref(reply);
	release_held_events(&hold);
	gint64 ended = g_get_monotonic_time();
	/* Negotiation steps (a message with a jsep) are few: each one's answer
	 * is traced, so a client that says it got none can be checked. */
	if (job->jsep)
		PLOG_VERB("handle %" G_GUINT64_FORMAT ": %s message with a jsep (transaction %s) answered \"%s\" "
		          "after %" G_GINT64_FORMAT " ms",
		          h->id, h->plugin->package, job->transaction,
		          answered, (ended - job->submitted) / 1000);
	if (ended - job->submitted > SLOW_MESSAGE_US)
		PLOG_WARN("handle %" G_GUINT64_FORMAT ": a %s message answered after %" G_GINT64_FORMAT " ms "
		          "(%" G_GINT64_FORMAT " ms waiting for its turn, %" G_GINT64_FORMAT " ms in the plugin)",
		          h->id, h->plugin->package, (ended - job->submitted) / 1000,
		          (started - job->submitted) / 1000, (ended - started) / 1000);
	parley_log_context_restore(&saved);
	message_job_free(job);
}

/* Runs on a worker: the job, then every message of the same handle that
 * queued up behind it, in order. A handle's messages never run on two
 * workers at once, so a plugin sees them in the order the client sent them. */
static void run_message_job(gpointer data, gpointer unused)
{
	message_job *job = data;
	parley_handle *h = job->handle;
	parley_handle_ref(h);
	while (job) {
		run_one_message(job);
		g_mutex_lock(&h->lock);
		job = g_queue_pop_head(&h->messages.pending);
		if (!job)
			h->messages.running = false;
		g_mutex_unlock(&h->lock);
	}
	parley_handle_unref(h);
}

/* This handle's running message was refused before it reached a worker:
 * start the next queued one on a worker of its own, or clear the turn. */
static void hand_over_turn(parley_handle *h)
{
	g_mutex_lock(&h->lock);
	message_job *next = g_queue_pop_head(&h->messages.pending);
	if (!next)
		h->messages.running = false;
	g_mutex_unlock(&h->lock);
	if (!next)
		return;
	g_mutex_lock(&pool_lock);
	bool pushed = pool != NULL;
	if (pushed)
		g_thread_pool_push(pool, next, NULL);
	g_mutex_unlock(&pool_lock);
	if (!pushed)
		run_message_job(next, NULL); /* no workers any more: answer it here */
}

int parley_messages_submit(parley_conn *conn, void *ctx, parley_handle *h, const char *transaction,
                           json_t *body, json_t *jsep, char *reason, size_t reason_size)
{
	message_job *job = g_new0(message_job, 1);
	parley_conn_ref(conn);
	job->conn = conn;
	job->ctx = ctx;
	parley_handle_ref(h);
	job->handle = h;
	job->transaction = g_strdup(transaction);
	job->body = json_incref(body);
	job->jsep = json_incref(jsep);
	job->submitted = g_get_monotonic_time();

	/* Behind a message of the same handle still running: wait in its queue. */
	int code = 0;
	bool queued = false;
	g_mutex_lock(&h->lock);
	if (h->messages.running && g_queue_get_length(&h->messages.pending) >= max_queued) {
		code = PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size, "Too many queued plugin messages for this handle "
		         "(limit [limits] max_queued_messages = %u)", max_queued);
	} else if (h->messages.running) {
		g_queue_push_tail(&h->messages.pending, job);
		queued = true;
	} else {
		h->messages.running = true;
	}
	g_mutex_unlock(&h->lock);
	if (code) {
		message_job_free(job);
		return code;
	}
	if (queued)
		return 0; /* the worker running this handle answers it in turn */

	g_mutex_lock(&pool_lock);
	if (!pool) {
		code = PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size, "The server is not running plugin workers");
	} else if (g_thread_pool_unprocessed(pool) >= max_queued) {
		code = PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size, "Too many queued plugin messages (limit [limits] max_queued_messages = %u)",
		         max_queued);
	} else {
		g_thread_pool_push(pool, job, NULL);
	}
	g_mutex_unlock(&pool_lock);
	if (code) {
		/* Refused: give the turn to whatever queued up behind it meanwhile. */
		message_job_free(job);
		hand_over_turn(h);
	}
	return code;
}

bool parley_messages_hold(parley_handle *h, json_t *event, bool jsep)
{
	held_events *hold = held_here;
	if (!hold || hold->handle != h)
		return false;
	if (!hold->list)
		hold->list = g_array_new(FALSE, FALSE, sizeof(held_event));
	held_event e = { .event = event, .jsep = jsep };
	g_array_append_val(hold->list, e);
	return true;
}

int parley_messages_start(unsigned workers, unsigned queue_limit, char *error_text, size_t error_size)
{
	GError *error = NULL;
	max_queued = queue_limit ? queue_limit : 1024;
	g_mutex_lock(&pool_lock);
	if (!pool)
		pool = g_thread_pool_new(run_message_job, NULL, (gint)workers, FALSE, &error);
	g_mutex_unlock(&pool_lock);
	g_mutex_lock(&running_lock);
	if (!running)
		running = g_array_new(FALSE, FALSE, sizeof(running_message));
	g_mutex_unlock(&running_lock);
	if (!running_watch)
		running_watch = g_timeout_add_seconds(1, watch_running, NULL);
	if (error) {
		snprintf(error_text, error_size, "%s", error->message);
		g_error_free(error);
		return -1;
	}
	pool_workers = workers;
	return 0;
}

void parley_messages_stop(void)
{
	g_mutex_lock(&pool_lock);
	GThreadPool *p = pool;
	pool = NULL;
	g_mutex_unlock(&pool_lock);
	if (p)
		g_thread_pool_free(p, FALSE, TRUE); /* answers every queued message */
	if (running_watch) {
		g_source_remove(running_watch);
		running_watch = 0;
	}
	g_mutex_lock(&running_lock);
	if (running)
		g_array_free(running, TRUE);
	running = NULL;
	g_mutex_unlock(&running_lock);
}

unsigned parley_messages_workers(void)
{
	return pool_workers;
}
