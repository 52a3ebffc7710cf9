/*
 * webrtc.c — PeerConnections as the core sees them: one parley_pc per
 * handle, created on the first jsep on the handle's loop; the client's
 * offers/answers and trickled candidates go in, the plugin's jsep goes out
 * with our transport merged in (then our candidates as trickle events);
 * pc callbacks become Janus events (webrtcup, media, slowlink, hangup),
 * event-bus events and the plugin's media callbacks; a hangup closes the
 * pc. Owns each handle's `webrtc` fields, under the handle's lock.
 * Settings come from parley.conf [media], read once (webrtc_settings.c).
 */
#include <stdio.h>
#include <string.h>
#include "webrtc.h"
#include "webrtc_settings.h"
#include "errors.h"
#include "events.h"
#include "log.h"
#include "loops.h"
#include "media/dtls.h"
#include "media/lite.h"
#include "media/pc.h"
#include "media/pc_helpers.h"
#include "media/sctp.h"
#include "webrtc_data.h"

#define PARLEY_LOG_MODULE "webrtc"

/* ---- settings ---- */

static const parley_pc_settings *media_settings;

static int ensure_settings(char *reason, size_t reason_size)
{
	return parley_webrtc_settings(&media_settings, reason, reason_size);
}

int parley_webrtc_setup(char *reason, size_t reason_size)
{
	return ensure_settings(reason, reason_size);
}

void parley_webrtc_stop(void)
{
	parley_lite_stop();
	parley_sctp_shutdown();   /* usrsctp's last timers, then usrsctp_finish */
}

/* ---- PeerConnections by state, for /metrics ---- */

enum { PC_STATE_NONE, PC_STATE_NEW, PC_STATE_CONNECTED, PC_STATE_DISCONNECTED, PC_STATE_COUNT };
static gint pc_counts[PC_STATE_COUNT];

static void set_pc_state(parley_handle *h, int state)
{
	g_mutex_lock(&h->lock);
	int old = h->webrtc.pc_state;
	/* a closed pc stays closed until a new one is made (pc_get_or_create) */
	if (old == PC_STATE_NONE)
		state = PC_STATE_NONE;
	h->webrtc.pc_state = state;
	g_mutex_unlock(&h->lock);
	if (old == state)
		return;
	if (old != PC_STATE_NONE)
		g_atomic_int_add(&pc_counts[old], -1);
	if (state != PC_STATE_NONE)
		g_atomic_int_inc(&pc_counts[state]);
}

void parley_webrtc_pc_counts(unsigned *fresh, unsigned *connected, unsigned *disconnected)
{
	*fresh = (unsigned)g_atomic_int_get(&pc_counts[PC_STATE_NEW]);
	*connected = (unsigned)g_atomic_int_get(&pc_counts[PC_STATE_CONNECTED]);
	*disconnected = (unsigned)g_atomic_int_get(&pc_counts[PC_STATE_DISCONNECTED]);
}

/* ---- events ---- */

static void notify(parley_handle *h, const char *kind, json_t *event)
{
	json_object_set_new(event, "janus", json_string(kind));
	json_object_set_new(event, "session_id", json_integer((json_int_t)h->session->id));
	json_object_set_new(event, "sender", json_integer((json_int_t)h->id));
	parley_session_notify(h->session, event);
	json_decref(event);
}

static void bus(parley_handle *h, uint32_t type, json_t *event)
{
	if (parley_events_wanted(type))
		parley_events_emit(type, h->session->id, h->id, event);
	json_decref(event);
}

static bool handle_alive(parley_handle *h)
{
	return !g_atomic_int_get(&h->life.destroyed);
}

static void on_local_candidate(void *user_data, const char *mid, int mline, const char *candidate)
{
	parley_handle *h = user_data;
	json_t *c = candidate
		? json_pack("{ss si ss}", "sdpMid", mid, "sdpMLineIndex", mline, "candidate", candidate)
		: json_pack("{sb}", "completed", true);
	notify(h, "trickle", json_pack("{so}", "candidate", c));
}

/* The log lines of a pc callback name its handle (the loop thread serves many). */
#define LOG_FOR(h)                                                       \
	parley_log_context saved_log_context = parley_log_context_save(); \
	parley_log_context_set((h)->session->id, (h)->id)
#define LOG_DONE() parley_log_context_restore(&saved_log_context)

static void on_webrtc_up(void *user_data)
{
	parley_handle *h = user_data;
	LOG_FOR(h);
	PLOG_VERB("handle %" G_GUINT64_FORMAT ": WebRTC up", h->id);
	set_pc_state(h, PC_STATE_CONNECTED);
	notify(h, "webrtcup", json_object());
	bus(h, PARLEY_EVENT_WEBRTC, json_pack("{ss}", "connection", "webrtcup"));
	if (handle_alive(h) && h->plugin->setup_media)
		h->plugin->setup_media(&h->psession);
	LOG_DONE();
}

static void on_media(void *user_data, int mindex, const char *mid, bool video, bool receiving)
{
	parley_handle *h = user_data;
	notify(h, "media", json_pack("{ss ss sb}", "mid", mid, "type", video ? "video" : "audio",
	                             "receiving", receiving));
	bus(h, PARLEY_EVENT_MEDIA, json_pack("{ss ss sb}", "mid", mid, "media", video ? "video" : "audio",
	                                     "receiving", receiving));
}

static void on_slow_link(void *user_data, int mindex, const char *mid, bool video, bool uplink,
                         unsigned lost, unsigned nacks)
{
	parley_handle *h = user_data;
	notify(h, "slowlink", json_pack("{ss ss sb si si}", "mid", mid, "media", video ? "video" : "audio",
	                                "uplink", uplink, "lost", (int)lost, "nacks", (int)nacks));
	bus(h, PARLEY_EVENT_MEDIA, json_pack("{ss ss sb si}", "mid", mid, "media", video ? "video" : "audio",
	                                     "slow_link", true, "lost", (int)lost));
	if (handle_alive(h) && h->plugin->slow_link)
		h->plugin->slow_link(&h->psession, mindex, video, uplink);
}

static void on_connection(void *user_data, bool connected)
{
	parley_handle *h = user_data;
	LOG_FOR(h);
	if (connected)
		PLOG_INFO("handle %" G_GUINT64_FORMAT ": the peer is back", h->id);
	else
		PLOG_INFO("handle %" G_GUINT64_FORMAT ": the peer went quiet (disconnected)", h->id);
	set_pc_state(h, connected ? PC_STATE_CONNECTED : PC_STATE_DISCONNECTED);
	bus(h, PARLEY_EVENT_WEBRTC, json_pack("{ss}", "connection", connected ? "connected" : "disconnected"));
	void (*callback)(parley_plugin_session *, parley_connection_state) =
		PARLEY_PLUGIN_FIELD(h->plugin, connection_state);
	if (handle_alive(h) && callback)
		callback(&h->psession, connected ? PARLEY_CONNECTION_CONNECTED : PARLEY_CONNECTION_DISCONNECTED);
	LOG_DONE();
}

typedef struct hangup_job {
	parley_handle *handle; /* a reference */
	char *reason;
} hangup_job;

static gboolean run_hangup(gpointer data)
{
	hangup_job *job = data;
	LOG_FOR(job->handle);
	PLOG_INFO("handle %" G_GUINT64_FORMAT ": PeerConnection ended (%s)", job->handle->id, job->reason);
	parley_webrtc_hangup(job->handle, job->reason);
	LOG_DONE();
	parley_handle_unref(job->handle);
	g_free(job->reason);
	g_free(job);
	return G_SOURCE_REMOVE;
}

/* The pc died: tear it down from a fresh dispatch (never inside ICE's own callback). */
static void on_failed(void *user_data, const char *reason)
{
	parley_handle *h = user_data;
	hangup_job *job = g_new0(hangup_job, 1);
	parley_handle_ref(h);
	job->handle = h;
	job->reason = g_strdup(reason);
	GSource *idle = g_idle_source_new();
	g_source_set_callback(idle, run_hangup, job, NULL);
	g_source_attach(idle, parley_loop_context(__atomic_load_n(&h->loop, __ATOMIC_ACQUIRE)));
	g_source_unref(idle);
}

static void on_incoming_rtp(void *user_data, parley_rtp_packet *packet)
{
	parley_handle *h = user_data;
	if (handle_alive(h) && h->plugin->incoming_rtp)
		h->plugin->incoming_rtp(&h->psession, packet);
}

static void on_incoming_rtcp(void *user_data, parley_rtcp_packet *packet)
{
	parley_handle *h = user_data;
	if (handle_alive(h) && h->plugin->incoming_rtcp)
		h->plugin->incoming_rtcp(&h->psession, packet);
}

static void on_selected_pair(void *user_data, const parley_pc_pair *pair)
{
	parley_handle *h = user_data;
	LOG_FOR(h);
	PLOG_VERB("handle %" G_GUINT64_FORMAT ": ICE connected (%s %s/%s%s)", h->id, pair->protocol, pair->local_type,
	          pair->remote_type, pair->relay ? ", relayed" : "");
	LOG_DONE();
	bus(h, PARLEY_EVENT_WEBRTC, json_pack("{ss ss ss ss sb}", "ice", "connected", "local_type", pair->local_type,
	                                      "remote_type", pair->remote_type, "protocol", pair->protocol,
	                                      "relay", pair->relay));
}

/* Periodic figures (and the last ones when the pc closes), built only when
 * a handler wants them. */
static void on_stats(void *user_data, parley_pc *pc, bool final)
{
	parley_handle *h = user_data;
	if (!parley_events_wanted(PARLEY_EVENT_MEDIA))
		return;
	json_t *event = json_pack("{so}", "stats", parley_pc_streams_json(pc));
	if (final)
		json_object_set_new(event, "final", json_true());
	bus(h, PARLEY_EVENT_MEDIA, event);
}

static const parley_pc_callbacks pc_callbacks = {
	.local_candidate = on_local_candidate,
	.webrtc_up = on_webrtc_up,
	.media = on_media,
	.slow_link = on_slow_link,
	.connection = on_connection,
	.failed = on_failed,
	.incoming_rtp = on_incoming_rtp,
	.incoming_rtcp = on_incoming_rtcp,
	.data_message = parley_webrtc_data_message,
	.data_channel = parley_webrtc_data_channel,
	.data_refused = parley_webrtc_data_refused,
	.selected_pair = on_selected_pair,
	.stats = on_stats,
};

/* ---- the handle's pc ---- */

/* The handle's pc with a reference, or NULL. */
static parley_pc *pc_of(parley_handle *h)
{
	g_mutex_lock(&h->lock);
	parley_pc *pc = h->webrtc.pc;
	parley_pc_ref(pc);
	g_mutex_unlock(&h->lock);
	return pc;
}

/* A handle of a session no connection owns serves a client over plain
 * HTTP (WHIP, WHEP): no trickle reaches it, our description must carry
 * every candidate. */
static const parley_pc_settings *settings_for(parley_handle *h)
{
	const parley_pc_settings *http = NULL;
	char ignored[8];
	if (h->session->owned && parley_webrtc_settings_http(&http, ignored, sizeof(ignored)) == 0)
		return http;
	return media_settings;
}

/* The handle's pc (a reference), created when missing. */
static parley_pc *pc_get_or_create(parley_handle *h, char *reason, size_t reason_size)
{
	if (ensure_settings(reason, reason_size))
		return NULL;
	/* A detached handle gets no new pc: its release (session.c) has run,
	 * nothing would close it. */
	if (g_atomic_int_get(&h->life.destroyed)) {
		snprintf(reason, reason_size, "the handle is detached");
		return NULL;
	}
	g_mutex_lock(&h->lock);
	if (!h->loop) { /* read under the lock: parley_webrtc_share_loop moves it until a pc exists */
		g_mutex_unlock(&h->lock);
		snprintf(reason, reason_size, "no event loop for this handle");
		return NULL;
	}
	bool created = false;
	if (!h->webrtc.pc) {
		parley_handle_ref(h); /* dropped when the pc is closed */
		h->webrtc.pc = parley_pc_new(parley_loop_context(h->loop), settings_for(h), &pc_callbacks, h);
		h->webrtc.active = true;
		if (h->webrtc.pc_state != PC_STATE_NONE)
			g_atomic_int_add(&pc_counts[h->webrtc.pc_state], -1);
		h->webrtc.pc_state = PC_STATE_NEW;
		g_atomic_int_inc(&pc_counts[PC_STATE_NEW]);
		created = true;
	}
	parley_pc *pc = h->webrtc.pc;
	parley_pc_ref(pc);
	g_mutex_unlock(&h->lock);
	if (created)
		bus(h, PARLEY_EVENT_WEBRTC, json_pack("{ss}", "connection", "new"));
	return pc;
}

typedef struct remote_call {
	parley_pc *pc;
	parley_handle *handle;
	bool offer;
	const char *sdp;
	int rc;
	char err[256];
} remote_call;

static void apply_pending_candidates(parley_handle *h, parley_pc *pc)
{
	g_mutex_lock(&h->lock);
	json_t *pending = h->webrtc.candidates;
	h->webrtc.candidates = json_array();
	g_mutex_unlock(&h->lock);
	size_t i;
	json_t *c;
	char err[128];
	json_array_foreach(pending, i, c) {
		const char *text = json_string_value(json_object_get(c, "candidate"));
		if (text || json_is_true(json_object_get(c, "completed")))
			parley_pc_add_remote_candidate(pc, text, err, sizeof(err));
	}
	json_decref(pending);
}

static void run_remote(void *data)
{
	remote_call *call = data;
	if (parley_pc_attachment(call->pc)) {
		snprintf(call->err, sizeof(call->err), "this PeerConnection is described by parameters, not SDP");
		call->rc = PARLEY_PC_ERR_STATE;
		return;
	}
	call->rc = parley_pc_set_remote_description(call->pc, call->offer, call->sdp, call->err, sizeof(call->err));
	if (call->rc == 0)
		apply_pending_candidates(call->handle, call->pc);
}

int parley_webrtc_remote_jsep(parley_handle *h, json_t *jsep, char *reason, size_t reason_size)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	bool offer = type && !strcmp(type, "offer");
	parley_pc *pc = offer ? pc_get_or_create(h, reason, reason_size) : pc_of(h);
	if (!pc) {
		if (offer)
			return PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size, "Unexpected ANSWER (did we offer?)");
		return PARLEY_ERROR_UNEXPECTED_ANSWER;
	}
	remote_call call = { .pc = pc, .handle = h, .offer = offer,
	                     .sdp = json_string_value(json_object_get(jsep, "sdp")) };
	parley_pc_invoke(pc, run_remote, &call);
	if (call.rc == PARLEY_PC_ERR_STATE && parley_pc_attachment(pc)) {
		snprintf(reason, reason_size, "%s", call.err);
		parley_pc_unref(pc);
		return PARLEY_ERROR_WEBRTC_STATE;
	}
	parley_pc_unref(pc);
	if (call.rc == PARLEY_PC_ERR_STATE && !offer) {
		snprintf(reason, reason_size, "Unexpected ANSWER: %s", call.err);
		return PARLEY_ERROR_UNEXPECTED_ANSWER;
	}
	if (call.rc) {
		snprintf(reason, reason_size, "JSEP error: invalid SDP (%s)", call.err);
		return PARLEY_ERROR_JSEP_INVALID_SDP;
	}
	if (parley_events_wanted(PARLEY_EVENT_JSEP)) {
		json_t *event = json_pack("{ss ss ss}", "owner", "remote", "type", type, "sdp", call.sdp);
		parley_events_emit(PARLEY_EVENT_JSEP, h->session->id, h->id, event);
		json_decref(event);
	}
	return 0;
}

typedef struct local_call {
	parley_pc *pc;
	bool offer, restart;
	const char *sdp;
	char *result;
	char err[256];
} local_call;

static void run_local(void *data)
{
	local_call *call = data;
	if (parley_pc_attachment(call->pc)) {
		snprintf(call->err, sizeof(call->err), "this PeerConnection is described by parameters, not SDP");
		return;
	}
	call->result = parley_pc_local_description(call->pc, call->offer, call->sdp, call->restart,
	                                           call->err, sizeof(call->err));
}

json_t *parley_webrtc_local_jsep(parley_handle *h, json_t *jsep, int *code, char *reason, size_t reason_size)
{
	const char *type = json_string_value(json_object_get(jsep, "type"));
	const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
	*code = PARLEY_ERROR_JSEP_INVALID_SDP;
	if (!type || !sdp || (strcmp(type, "offer") && strcmp(type, "answer"))) {
		snprintf(reason, reason_size, "jsep needs type offer|answer and sdp");
		return NULL;
	}
	bool offer = !strcmp(type, "offer");
	parley_pc *pc = offer ? pc_get_or_create(h, reason, reason_size) : pc_of(h);
	if (!pc) {
		if (!offer)
			snprintf(reason, reason_size, "an answer with no offer from the client");
		return NULL;
	}
	local_call call = { .pc = pc, .offer = offer, .sdp = sdp,
	                    .restart = json_is_true(json_object_get(jsep, "restart")) ||
	                               json_is_true(json_object_get(jsep, "iceRestart")) };
	parley_pc_invoke(pc, run_local, &call);
	parley_pc_unref(pc);
	if (!call.result) {
		snprintf(reason, reason_size, "%s", call.err);
		return NULL;
	}
	json_t *out = json_pack("{ss ss}", "type", type, "sdp", call.result);
	if (parley_events_wanted(PARLEY_EVENT_JSEP)) {
		json_t *event = json_pack("{ss ss ss}", "owner", "local", "type", type, "sdp", call.result);
		parley_events_emit(PARLEY_EVENT_JSEP, h->session->id, h->id, event);
		json_decref(event);
	}
	g_free(call.result);
	*code = 0;
	return out;
}

static void run_replay(void *data)
{
	parley_pc_replay_candidates(data);
}

void parley_webrtc_local_jsep_sent(parley_handle *h)
{
	parley_pc *pc = pc_of(h);
	if (!pc)
		return;
	parley_pc_invoke(pc, run_replay, pc);
	parley_pc_unref(pc);
}

typedef struct trickle_call {
	parley_pc *pc;
	const char *candidate;
	int rc;
	char err[200];
} trickle_call;

static void run_trickle(void *data)
{
	trickle_call *call = data;
	if (!parley_pc_has_remote(call->pc)) {
		call->rc = 1; /* keep it until the description arrives */
		return;
	}
	call->rc = parley_pc_add_remote_candidate(call->pc, call->candidate, call->err, sizeof(call->err));
}

int parley_webrtc_trickle(parley_handle *h, json_t *candidate, char *reason, size_t reason_size)
{
	parley_pc *pc = pc_of(h);
	if (!pc)
		return 0;
	trickle_call call = { .pc = pc, .candidate = json_string_value(json_object_get(candidate, "candidate")) };
	if (!call.candidate && !json_is_true(json_object_get(candidate, "completed"))) {
		parley_pc_unref(pc);
		return 1;
	}
	parley_pc_invoke(pc, run_trickle, &call);
	parley_pc_unref(pc);
	if (call.rc == 1)
		return 0;
	if (call.rc)
		PLOG_VERB("handle %" G_GUINT64_FORMAT ": trickled candidate ignored (%s)", h->id, call.err);
	return 1;
}

static void run_close(void *data)
{
	parley_pc_close(data);
}

/* Closes and drops the handle's pc (no event); true when there was one. */
static bool close_pc(parley_handle *h)
{
	g_mutex_lock(&h->lock);
	parley_pc *pc = h->webrtc.pc;
	h->webrtc.pc = NULL;
	g_mutex_unlock(&h->lock);
	if (!pc)
		return false;
	set_pc_state(h, PC_STATE_NONE);
	parley_pc_invoke(pc, run_close, pc);
	parley_pc_unref(pc);
	parley_handle_unref(h); /* the pc's */
	return true;
}

void parley_webrtc_release(parley_handle *h)
{
	g_mutex_lock(&h->lock);
	h->webrtc.active = false;
	g_mutex_unlock(&h->lock);
	close_pc(h);
}

int parley_webrtc_share_loop(parley_handle *h, const char *group, char *reason, size_t reason_size)
{
	bool leave = group == NULL || group[0] == '\0';
	/* the plugin's name for it, in the plugin's own namespace */
	char *key = leave ? NULL : g_strdup_printf("%s/%s", h->plugin->package, group);
	int code = 0;
	g_mutex_lock(&h->lock);
	if (g_atomic_int_get(&h->life.destroyed)) {
		code = PARLEY_ERROR_HANDLE_NOT_FOUND;
		snprintf(reason, reason_size, "the handle is detached");
	} else if (g_strcmp0(h->loop_group, key) == 0) {
		/* there already */
	} else if (h->webrtc.pc && !leave) {
		code = PARLEY_ERROR_WEBRTC_STATE;
		snprintf(reason, reason_size, "the handle has a PeerConnection on its loop already");
	} else if (!h->loop) {
		code = PARLEY_ERROR_WEBRTC_STATE;
		snprintf(reason, reason_size, "no event loop for this handle");
	} else {
		if (h->loop_group)
			parley_loops_group_leave(h->loop_group);
		g_clear_pointer(&h->loop_group, g_free);
		if (!leave) {
			__atomic_store_n(&h->loop, parley_loops_group_join(h->loop, key), __ATOMIC_RELEASE);
			h->loop_group = g_steal_pointer(&key);
		}
	}
	g_mutex_unlock(&h->lock);
	g_free(key);
	return code;
}

bool parley_webrtc_hangup(parley_handle *h, const char *reason)
{
	g_mutex_lock(&h->lock);
	bool active = h->webrtc.active;
	h->webrtc.active = false;
	g_mutex_unlock(&h->lock);
	close_pc(h); /* close_notify, ICE stopped; a new jsep starts afresh */
	if (!active)
		return false;
	if (h->plugin->hangup_media)
		h->plugin->hangup_media(&h->psession);
	notify(h, "hangup", json_pack("{ssss}", "janus", "hangup", "reason", reason ? reason : "Hangup"));
	bus(h, PARLEY_EVENT_WEBRTC, json_pack("{ssss}", "connection", "hangup", "reason", reason ? reason : "Hangup"));
	return true;
}

int parley_webrtc_keep_candidate(parley_handle *h, json_t *candidate)
{
	parley_session_settings limits;
	parley_sessions_settings(&limits);
	unsigned max = limits.max_candidates_per_handle;
	int rc = 0;
	g_mutex_lock(&h->lock);
	if (max && json_array_size(h->webrtc.candidates) >= max)
		rc = PARLEY_ERROR_UNKNOWN;
	else
		json_array_append(h->webrtc.candidates, candidate);
	g_mutex_unlock(&h->lock);
	return rc;
}

typedef struct info_call {
	parley_pc *pc;
	json_t *webrtc;  /* the pc's "webrtc" object */
	json_t *handle;  /* what Janus shows beside it: flags, sdps, ICE mode and role */
} info_call;

static void run_info(void *data)
{
	info_call *call = data;
	call->webrtc = parley_pc_info(call->pc);
	call->handle = parley_pc_handle_info(call->pc);
}

void parley_webrtc_add_info(parley_handle *h, json_t *info)
{
	g_mutex_lock(&h->lock);
	json_object_set_new(info, "pc-active", json_boolean(h->webrtc.active));
	json_object_set_new(info, "pending-trickles", json_integer((json_int_t)json_array_size(h->webrtc.candidates)));
	g_mutex_unlock(&h->lock);
	parley_pc *pc = pc_of(h);
	info_call call = { .pc = pc };
	if (pc) {
		parley_pc_invoke(pc, run_info, &call);
		parley_pc_unref(pc);
	}
	if (call.handle)
		json_object_update(info, call.handle);
	json_decref(call.handle);
	json_object_set_new(info, "webrtc", call.webrtc ? call.webrtc : json_null());
}

parley_pc *parley_webrtc_pc(parley_handle *h, bool create, char *reason, size_t reason_size)
{
	if (!create) {
		parley_pc *pc = pc_of(h);
		if (!pc)
			snprintf(reason, reason_size, "no PeerConnection");
		return pc;
	}
	if (ensure_settings(reason, reason_size))
		return NULL;
	if (!media_settings->ice.lite) {
		snprintf(reason, reason_size, "a transport without SDP needs the ICE-lite transport ([media] ice_lite = true)");
		return NULL;
	}
	return pc_get_or_create(h, reason, reason_size);
}

/* ---- plugin table entries ---- */

/* The pc of a plugin's session with a reference, or NULL. The pointer read
 * takes the handle's lock only briefly; never per publisher/subscriber pair. */
static parley_pc *pc_of_plugin_session(parley_plugin_session *session)
{
	parley_handle *h = parley_handle_from_plugin(session);
	return h ? pc_of(h) : NULL;
}

int parley_webrtc_relay_rtp(parley_plugin_session *session, parley_rtp_packet *packet)
{
	parley_pc *pc = pc_of_plugin_session(session);
	int rc = pc ? parley_pc_relay_rtp(pc, packet) : -1;
	parley_pc_unref(pc);
	return rc;
}

int parley_webrtc_relay_rtcp(parley_plugin_session *session, parley_rtcp_packet *packet)
{
	parley_pc *pc = pc_of_plugin_session(session);
	int rc = pc ? parley_pc_relay_rtcp(pc, packet) : -1;
	parley_pc_unref(pc);
	return rc;
}

int parley_webrtc_relay_data(parley_plugin_session *session, parley_data_packet *packet)
{
	parley_handle *h = parley_handle_from_plugin(session);
	parley_pc *pc = h ? pc_of(h) : NULL;
	int rc = parley_webrtc_data_relay(h, pc, packet);
	parley_pc_unref(pc);
	return rc;
}

int parley_webrtc_close_data(parley_plugin_session *session, const char *label)
{
	parley_handle *h = parley_handle_from_plugin(session);
	parley_pc *pc = h ? pc_of(h) : NULL;
	int rc = parley_webrtc_data_close(h, pc, label);
	parley_pc_unref(pc);
	return rc;
}

int parley_webrtc_send_pli(parley_plugin_session *session, int mindex)
{
	parley_pc *pc = pc_of_plugin_session(session);
	int rc = pc ? parley_pc_send_pli(pc, mindex) : -1;
	parley_pc_unref(pc);
	return rc;
}

int parley_webrtc_send_remb(parley_plugin_session *session, uint32_t bitrate)
{
	parley_pc *pc = pc_of_plugin_session(session);
	int rc = pc ? parley_pc_send_remb(pc, bitrate) : -1;
	parley_pc_unref(pc);
	return rc;
}

int parley_webrtc_close_pc(parley_plugin_session *session)
{
	parley_handle *h = parley_handle_from_plugin(session);
	if (!h)
		return -1;
	return parley_webrtc_hangup(h, "Close PC") ? 0 : -1;
}

char *parley_webrtc_sdp_answer(const char *offer, json_t *options, char *error, size_t error_size)
{
	return parley_pc_helper_sdp_answer(offer, options, error, error_size);
}

char *parley_webrtc_sdp_offer(json_t *description, char *error, size_t error_size)
{
	return parley_pc_helper_sdp_offer(description, error, error_size);
}

json_t *parley_webrtc_sdp_summary(const char *sdp)
{
	return parley_pc_helper_sdp_summary(sdp);
}
