/*
 * plugins/chat/negotiate.c — the data channel's negotiation, as TextRoom
 * does it over the Janus API: "setup" makes the plugin offer an SDP with
 * one m=application line (data channels only), "ack" carries the client's
 * answer, "restart" offers again with "restart": true (the core renews its
 * ICE credentials). Each is answered "ack" at once and then by the event
 * {"textroom": "event", "result": "ok"} (with the offer's jsep) or
 * {"textroom": "error", ...}, pushed from the handle's own loop.
 */
#include <string.h>

#include "chat.h"

typedef enum negotiation {
	NEGOTIATE_SETUP,
	NEGOTIATE_ACK,
	NEGOTIATE_RESTART,
} negotiation;

static const struct {
	const char *name;
	negotiation kind;
} negotiations[] = {
	{"setup", NEGOTIATE_SETUP},
	{"ack", NEGOTIATE_ACK},
	{"restart", NEGOTIATE_RESTART},
};

/* An answer waiting for its turn on the handle's loop. */
typedef struct later_job {
	const parley_chat_ctx *ctx;
	parley_plugin_session *session; /* holds a handle_ref */
	char *transaction;
	json_t *event; /* owned */
	json_t *jsep;  /* owned, may be NULL */
} later_job;

static void job_free(void *data)
{
	later_job *job = data;
	job->ctx->core->handle_unref(job->session);
	json_decref(job->event);
	json_decref(job->jsep);
	g_free(job->transaction);
	g_free(job);
}

static bool job_run(void *data)
{
	later_job *job = data;
	int rc = job->ctx->core->push_event(job->session, job->ctx->plugin, job->transaction, job->event, job->jsep);
	if (rc != 0)
		job->ctx->core->log(PARLEY_LOG_VERB, PARLEY_CHAT_PACKAGE, "negotiation event not delivered (%d)", rc);
	return false;
}

/* Pushes `event` and `jsep` (both taken) after the core's "ack": from the
 * handle's loop, or from here when no timer can be started. */
static void answer_later(const parley_chat_ctx *ctx, parley_plugin_session *session, const char *transaction,
                         json_t *event, json_t *jsep)
{
	later_job *job = g_new0(later_job, 1);
	job->ctx = ctx;
	ctx->core->handle_ref(session);
	job->session = session;
	job->transaction = g_strdup(transaction);
	job->event = event;
	job->jsep = jsep;
	if (ctx->core->timer_start == NULL || ctx->core->timer_start(session, 0, job_run, job, job_free) == NULL) {
		job_run(job);
		job_free(job);
	}
}

/* Our data-only offer (a new jsep), or NULL with `error`. */
static json_t *make_offer(parley_chat_ctx *ctx, guint64 session_id, guint64 version, bool restart,
                          parley_plugin_error *error)
{
	if (!PARLEY_PLUGIN_CORE_HAS(ctx->core, sdp_offer)) {
		parley_plugin_error_set(error, PARLEY_CHAT_ERROR_UNKNOWN, "this core cannot make SDP offers");
		return NULL;
	}
	char id[24];
	snprintf(id, sizeof(id), "%" G_GUINT64_FORMAT, session_id);
	json_t *description = json_pack("{s:[{s:s, s:s}], s:s, s:I}", "media", "mid", "0", "kind", "application",
	                                "session_id", id, "version", (json_int_t)version);
	char reason[256] = "";
	char *sdp = ctx->core->sdp_offer(description, reason, sizeof(reason));
	json_decref(description);
	if (sdp == NULL) {
		parley_plugin_error_set(error, PARLEY_CHAT_ERROR_UNKNOWN, "cannot make the offer: %s", reason);
		return NULL;
	}
	json_t *jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", sdp);
	if (restart)
		json_object_set_new(jsep, "restart", json_true());
	g_free(sdp);
	return jsep;
}

/* The state change a negotiation makes (lock held): 0, or the refusal. */
static int negotiate_locked(parley_chat_handle *handle, negotiation kind, json_t *jsep, bool *offer,
                            parley_plugin_error *error)
{
	*offer = false;
	switch (kind) {
	case NEGOTIATE_SETUP:
		if (handle->setup)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_ALREADY_SETUP, "PeerConnection already setup");
		handle->setup = true;
		handle->sdp_session = ((guint64)g_random_int() << 20) ^ g_random_int();
		handle->sdp_version = 1;
		*offer = true;
		return 0;
	case NEGOTIATE_RESTART:
		if (!handle->setup)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_ALREADY_SETUP, "PeerConnection not setup");
		handle->sdp_version++;
		*offer = true;
		return 0;
	case NEGOTIATE_ACK: {
		const char *type = json_string_value(json_object_get(jsep, "type"));
		if (jsep != NULL && g_strcmp0(type, "answer") != 0)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
			                               "ack carries the answer to our offer (a jsep of type answer)");
		return 0;
	}
	}
	return 0;
}

bool parley_chat_negotiate(parley_chat_ctx *ctx, parley_plugin_session *session, const char *name,
                           const char *transaction, json_t *jsep, parley_plugin_result *result)
{
	size_t i = 0;
	while (i < G_N_ELEMENTS(negotiations) && g_ascii_strcasecmp(negotiations[i].name, name) != 0)
		i++;
	if (i == G_N_ELEMENTS(negotiations))
		return false;
	negotiation kind = negotiations[i].kind;
	parley_plugin_error error = {0};
	bool offer = false;
	guint64 session_id = 0, version = 0;
	g_mutex_lock(&ctx->lock);
	parley_chat_handle *handle = g_hash_table_lookup(ctx->handles, session);
	int rc = handle != NULL ? negotiate_locked(handle, kind, jsep, &offer, &error)
	                        : parley_plugin_error_set(&error, PARLEY_CHAT_ERROR_UNKNOWN,
	                                                  "No session associated with this handle");
	if (handle != NULL) {
		session_id = handle->sdp_session;
		version = handle->sdp_version;
	}
	g_mutex_unlock(&ctx->lock);
	json_t *offer_jsep = rc == 0 && offer ? make_offer(ctx, session_id, version, kind == NEGOTIATE_RESTART, &error)
	                                      : NULL;
	if (rc == 0 && offer && offer_jsep == NULL) {
		rc = error.code;
		if (kind == NEGOTIATE_SETUP) { /* nothing went out: setup may be asked again */
			g_mutex_lock(&ctx->lock);
			handle = g_hash_table_lookup(ctx->handles, session);
			if (handle != NULL)
				handle->setup = false;
			g_mutex_unlock(&ctx->lock);
		}
	}
	json_t *event = rc == 0 ? json_pack("{s:s, s:s}", "textroom", "event", "result", "ok")
	                        : parley_chat_error_reply(rc, error.reason);
	memset(result, 0, sizeof(*result));
	result->kind = PARLEY_PLUGIN_OK_WAIT;
	answer_later(ctx, session, transaction, event, offer_jsep);
	return true;
}
