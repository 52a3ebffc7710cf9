/*
 * pc.c — PeerConnection lifetime and transport glue: the process
 * certificate, creating the ICE agent and the DTLS session on the pc's
 * loop, feeding ICE datagrams to DTLS or the media path (RFC 7983), SRTP
 * keys once DTLS connects, failure → the owner's `failed` callback, clean
 * close (close_notify, ICE stopped), and running calls on the loop (a
 * waiting loop thread runs the calls aimed at its own loop: no cross-loop
 * deadlock).
 */
#include <string.h>
#include <stdio.h>
#include "pc_internal.h"

/* ---- process certificate ---- */

static GMutex global_lock;
static int global_result = 1; /* 1 = not done yet */
static char global_error[256];

int parley_pc_global_setup(const char *cert_pem, const char *key_pem, char *err, size_t err_size)
{
	g_mutex_lock(&global_lock);
	if (global_result == 1) {
		GError *error = NULL;
		global_result = parley_dtls_certificate_setup(cert_pem, key_pem, &error) == 0 ? 0 : PARLEY_PC_ERR_DTLS;
		if (error) {
			snprintf(global_error, sizeof(global_error), "%s", error->message);
			g_error_free(error);
		}
		if (global_result == 0)
			parley_srtp_init();
	}
	int rc = global_result;
	if (rc && err)
		snprintf(err, err_size, "DTLS certificate: %s", global_error);
	g_mutex_unlock(&global_lock);
	return rc;
}

const char *parley_pc_strerror(int code)
{
	static const char *const names[] = {
		[0] = "ok", [1] = "invalid SDP", [2] = "not valid in this state", [3] = "ICE failure",
		[4] = "DTLS failure", [5] = "invalid argument", [6] = "missing member", [7] = "over a limit",
	};
	unsigned i = (unsigned)(-code);
	return i < G_N_ELEMENTS(names) && names[i] ? names[i] : "unknown error";
}

/* ---- lifetime ---- */

parley_pc *parley_pc_new(GMainContext *context, const parley_pc_settings *settings,
                         const parley_pc_callbacks *callbacks, void *user_data)
{
	if (!context || !settings || !callbacks)
		return NULL;
	parley_pc *pc = g_new0(parley_pc, 1);
	pc->refcount = 1;
	pc->context = g_main_context_ref(context);
	pc->settings = *settings;
	pc->cb = *callbacks;
	pc->user_data = user_data;
	g_mutex_init(&pc->lock);
	pc->cname_ssrc = g_random_int() | 1;
	pc_data_init(pc);
	return pc;
}

GMainContext *parley_pc_context(parley_pc *pc)
{
	return pc->context;
}

void parley_pc_ref(parley_pc *pc)
{
	if (pc)
		g_atomic_int_inc(&pc->refcount);
}

static void release_transport(parley_pc *pc)
{
	pc_data_stop(pc);
	pc_media_stop_timer(pc);
	if (pc->dtls) {
		parley_dtls_free(pc->dtls);
		pc->dtls = NULL;
	}
	g_mutex_lock(&pc->lock);
	parley_srtp *srtp = pc->srtp;
	pc->srtp = NULL;
	parley_udp_route_clear(&pc->route);
	g_mutex_unlock(&pc->lock);
	parley_srtp_free(srtp);
	if (pc->ice) {
		pc->ice_ops->free(pc->ice);
		pc->ice = NULL;
	}
}

static void free_on_loop(void *data)
{
	parley_pc *pc = data;
	release_transport(pc);
	if (pc->attachment_free)
		pc->attachment_free(pc->attachment);
	for (size_t i = 0; i < pc->n_streams; i++) {
		pc_stream_free(pc->streams[i]);
		g_free(pc->streams[i]);
	}
	for (size_t i = 0; i < pc->n_local_candidates; i++)
		g_free(pc->local_candidates[i]);
	pc_forget_remote_candidates(pc);
	g_free(pc->local_sdp);
	g_free(pc->remote_sdp);
	g_free(pc->remote_ufrag);
	g_free(pc->remote_pwd);
	g_free(pc->remote_fp_hash);
	g_free(pc->remote_fp);
	pc_data_clear(pc);
	g_mutex_clear(&pc->lock);
	g_main_context_unref(pc->context);
	g_free(pc);
}

static gboolean free_idle(gpointer data)
{
	free_on_loop(data);
	return G_SOURCE_REMOVE;
}

void parley_pc_unref(parley_pc *pc)
{
	if (!pc || !g_atomic_int_dec_and_test(&pc->refcount))
		return;
	/* Never free an ICE agent from inside its own callback: always defer. */
	GSource *idle = g_idle_source_new();
	g_source_set_callback(idle, free_idle, pc, NULL);
	g_source_attach(idle, pc->context);
	g_source_unref(idle);
}

/* ---- running calls on the loop ----
 *
 * A caller off the pc's loop posts the call there and waits. When that
 * caller is itself another loop's thread it must not simply block: the
 * pc's loop may at the same moment be waiting for a call posted on the
 * caller's loop (a plugin pushing a jsep from one loop to a handle on the
 * other while the other does the same: each waits for the other forever).
 * So every posted call is also listed, and a loop thread that waits runs
 * the calls aimed at its own context meanwhile. Whoever claims a call first
 * (its idle source or a waiting owner) runs it, exactly once. */

typedef struct invoke_call {
	gint refcount;         /* the waiter's and the idle source's */
	GMainContext *context; /* where it must run */
	void (*fn)(void *data);
	void *data;
	bool claimed, done;    /* under invoke_lock */
} invoke_call;

static GMutex invoke_lock;
static GCond invoke_cond;      /* broadcast on every post and every completion */
static GQueue invoke_pending;  /* unclaimed invoke_call *, under invoke_lock */

static void invoke_call_unref(gpointer data)
{
	invoke_call *call = data;
	if (g_atomic_int_dec_and_test(&call->refcount))
		g_free(call);
}

/* Runs a claimed call on its context's thread and wakes the waiters. */
static void invoke_run_claimed(invoke_call *call)
{
	call->fn(call->data);
	g_mutex_lock(&invoke_lock);
	call->done = true;
	g_cond_broadcast(&invoke_cond);
	g_mutex_unlock(&invoke_lock);
}

/* Under invoke_lock: the oldest unclaimed call aimed at context, now
 * claimed; NULL when there is none. */
static invoke_call *invoke_claim_for(GMainContext *context)
{
	for (GList *link = invoke_pending.head; link; link = link->next) {
		invoke_call *call = link->data;
		if (call->context == context) {
			call->claimed = true;
			g_queue_delete_link(&invoke_pending, link);
			return call;
		}
	}
	return NULL;
}

static gboolean run_invoke(gpointer data)
{
	invoke_call *call = data;
	g_mutex_lock(&invoke_lock);
	bool mine = !call->claimed;
	if (mine) {
		call->claimed = true;
		g_queue_remove(&invoke_pending, call);
	}
	g_mutex_unlock(&invoke_lock);
	if (mine)
		invoke_run_claimed(call);
	return G_SOURCE_REMOVE;
}

void parley_pc_invoke(parley_pc *pc, void (*fn)(void *data), void *data)
{
	if (g_main_context_is_owner(pc->context)) {
		fn(data);
		return;
	}
	/* The loop this thread runs, if any: calls aimed at it run here while we wait. */
	GMainContext *own = g_main_context_get_thread_default();
	if (own && !g_main_context_is_owner(own))
		own = NULL;
	invoke_call *call = g_new0(invoke_call, 1);
	call->refcount = 2;
	call->context = pc->context;
	call->fn = fn;
	call->data = data;
	g_mutex_lock(&invoke_lock);
	g_queue_push_tail(&invoke_pending, call);
	g_cond_broadcast(&invoke_cond);
	g_mutex_unlock(&invoke_lock);
	GSource *source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_HIGH);
	g_source_set_callback(source, run_invoke, call, invoke_call_unref);
	g_source_attach(source, pc->context);
	g_source_unref(source);

	g_mutex_lock(&invoke_lock);
	while (!call->done) {
		invoke_call *other = own ? invoke_claim_for(own) : NULL;
		if (other) {
			g_mutex_unlock(&invoke_lock);
			invoke_run_claimed(other);
			g_mutex_lock(&invoke_lock);
			continue;
		}
		g_cond_wait(&invoke_cond, &invoke_lock);
	}
	g_mutex_unlock(&invoke_lock);
	invoke_call_unref(call);
}

/* ---- failure and close ---- */

/* ---- connectivity events, process-wide (for /metrics) ---- */

static const char *const event_names[PARLEY_PC_EVENT_COUNT] = {
	[PARLEY_PC_EVENT_DISCONNECTED] = "disconnected",
	[PARLEY_PC_EVENT_RECOVERED] = "recovered",
	[PARLEY_PC_EVENT_ICE_RESTART] = "ice_restart",
	[PARLEY_PC_EVENT_ICE_FAILED] = "ice_failed",
	[PARLEY_PC_EVENT_CONSENT_EXPIRED] = "consent_expired",
	[PARLEY_PC_EVENT_DTLS_FAILED] = "dtls_failed",
};
static guint64 event_counts[PARLEY_PC_EVENT_COUNT];

const char *parley_pc_event_name(parley_pc_event event)
{
	return (unsigned)event < PARLEY_PC_EVENT_COUNT ? event_names[event] : "unknown";
}

guint64 parley_pc_event_count(parley_pc_event event)
{
	return (unsigned)event < PARLEY_PC_EVENT_COUNT ? __atomic_load_n(&event_counts[event], __ATOMIC_RELAXED) : 0;
}

void pc_count_event(parley_pc_event event)
{
	if ((unsigned)event < PARLEY_PC_EVENT_COUNT)
		__atomic_add_fetch(&event_counts[event], 1, __ATOMIC_RELAXED);
}

void pc_fail(parley_pc *pc, parley_pc_event cause, const char *reason)
{
	if (pc->closed)
		return;
	pc_count_event(cause);
	pc->closed = true;
	pc_media_stop_timer(pc);
	if (pc->cb.failed)
		pc->cb.failed(pc->user_data, reason);
}

void parley_pc_close(parley_pc *pc)
{
	if (pc->webrtc_up && pc->cb.stats) {
		pc->cb.stats(pc->user_data, pc, true);
		pc->cb.stats = NULL;   /* once */
	}
	pc->closed = true;
	pc_data_stop(pc);   /* SCTP's ABORT before DTLS's close_notify */
	if (pc->dtls)
		parley_dtls_close(pc->dtls);
	release_transport(pc);
	pc->webrtc_up = false;
}

bool parley_pc_is_closed(parley_pc *pc)
{
	return pc->closed;
}

bool parley_pc_has_remote(parley_pc *pc)
{
	return pc->have_remote;
}

/* ---- ICE ---- */

static void on_ice_candidate(void *user_data, const char *candidate)
{
	parley_pc *pc = user_data;
	if (pc->n_local_candidates < PC_MAX_CANDIDATES)
		pc->local_candidates[pc->n_local_candidates++] = g_strdup(candidate);
	if (pc->cb.local_candidate && pc->trickling)
		pc->cb.local_candidate(pc->user_data, pc->bundle_mid, 0, candidate);
}

static void on_ice_gathering_done(void *user_data)
{
	parley_pc *pc = user_data;
	pc->gathering_done = true;
	pc->gathered_us = g_get_monotonic_time();
	if (pc->cb.local_candidate && pc->trickling)
		pc->cb.local_candidate(pc->user_data, pc->bundle_mid, 0, NULL);
}

void parley_pc_replay_candidates(parley_pc *pc)
{
	if (pc->closed || pc->trickling || !pc->have_local || !pc->cb.local_candidate)
		return;
	pc->trickling = true;
	for (size_t i = 0; i < pc->n_local_candidates; i++)
		pc->cb.local_candidate(pc->user_data, pc->bundle_mid, 0, pc->local_candidates[i]);
	if (pc->gathering_done)
		pc->cb.local_candidate(pc->user_data, pc->bundle_mid, 0, NULL);
}

/* Takes the selected pair's socket and address for the media path, which
 * then sends beside libnice (batched per loop iteration); a relayed pair
 * has no such route and keeps going through libnice. */
static void refresh_route(parley_pc *pc)
{
	parley_udp_route route = { 0 };
	bool usable = pc->ice_state == PARLEY_ICE_STATE_CONNECTED || pc->ice_state == PARLEY_ICE_STATE_READY;
	if (usable && pc->ice)
		pc->ice_ops->get_route(pc->ice, &route);
	g_mutex_lock(&pc->lock);
	parley_udp_route_clear(&pc->route);
	pc->route = route;    /* the reference moves with it */
	g_mutex_unlock(&pc->lock);
}

static void on_ice_selected_pair(void *user_data)
{
	refresh_route(user_data);
	pc_report_selected_pair(user_data);
}

static void on_ice_state(void *user_data, parley_ice_state state)
{
	parley_pc *pc = user_data;
	pc->ice_state = state;
	bool connected = state == PARLEY_ICE_STATE_CONNECTED || state == PARLEY_ICE_STATE_READY;
	if (connected && !pc->ice_connected_us)
		pc->ice_connected_us = g_get_monotonic_time();
	refresh_route(pc);
	if (state == PARLEY_ICE_STATE_FAILED) {
		/* Once up, libnice fails a pair only when its keepalive checks went
		 * unanswered for 50 s: consent is gone (pc_liveness.c usually says
		 * so first). */
		if (pc->webrtc_up)
			pc_fail(pc, PARLEY_PC_EVENT_CONSENT_EXPIRED, "consent expired");
		else
			pc_fail(pc, PARLEY_PC_EVENT_ICE_FAILED, "ICE failed");
		return;
	}
	if (connected && pc->dtls && parley_dtls_get_state(pc->dtls) == PARLEY_DTLS_STATE_NEW)
		pc_start_dtls_handshake(pc);
	pc_report_selected_pair(pc);
}

static void on_ice_receive(void *user_data, const uint8_t *data, size_t length)
{
	parley_pc *pc = user_data;
	if (pc->closed || length == 0)
		return;
	switch (parley_dtls_classify(data, length)) {
	case PARLEY_PACKET_DTLS:
		if (pc->dtls)
			parley_dtls_incoming(pc->dtls, data, length);
		pc->heard++;   /* a DTLS record only our peer can send */
		break;
	case PARLEY_PACKET_RTP:
	case PARLEY_PACKET_RTCP:
		/* libnice hands us its receive buffer: unprotect in place. */
		pc_media_incoming(pc, (uint8_t *)data, length);
		break;
	default:
		break;
	}
}

static const parley_ice_callbacks ice_callbacks = {
	.candidate = on_ice_candidate,
	.gathering_done = on_ice_gathering_done,
	.state_changed = on_ice_state,
	.receive = on_ice_receive,
	.selected_pair_changed = on_ice_selected_pair,
};

void pc_send_datagram(parley_pc *pc, const uint8_t *data, size_t length)
{
	if (pc->ice)
		pc->ice_ops->send(pc->ice, data, length);
}

int pc_ensure_transport(parley_pc *pc, bool controlling, char *err, size_t err_size)
{
	if (pc->ice)
		return 0;
	parley_ice_config config = pc->settings.ice;
	config.controlling = controlling && !config.lite;
	/* ice_lite selects our own lite transport on the loop's shared socket. */
	pc->ice_ops = config.lite ? &pc_transport_lite : &pc_transport_nice;
	GError *error = NULL;
	pc->ice = pc->ice_ops->create(pc->context, &config, &ice_callbacks, pc, &error);
	if (!pc->ice || pc->ice_ops->gather(pc->ice, &error) != 0) {
		snprintf(err, err_size, "ICE: %s", error ? error->message : "cannot create the agent");
		g_clear_error(&error);
		if (pc->ice)
			pc->ice_ops->free(pc->ice);
		pc->ice = NULL;
		return PARLEY_PC_ERR_ICE;
	}
	pc->transport_created_us = g_get_monotonic_time();
	return 0;
}

/* ---- DTLS ---- */

static void on_dtls_send(void *user_data, const uint8_t *data, size_t length)
{
	pc_send_datagram(user_data, data, length);
}

static void on_dtls_connected(void *user_data, const parley_srtp_keys *keys)
{
	parley_pc *pc = user_data;
	GError *error = NULL;
	parley_srtp *srtp = parley_srtp_new(keys, pc->settings.replay_window, &error);
	if (!srtp) {
		g_clear_error(&error);
		pc_fail(pc, PARLEY_PC_EVENT_DTLS_FAILED, "SRTP setup failed");
		return;
	}
	g_mutex_lock(&pc->lock);
	parley_srtp *old = pc->srtp;
	pc->srtp = srtp;
	g_mutex_unlock(&pc->lock);
	parley_srtp_free(old);
	if (!pc->webrtc_up) {
		pc->webrtc_up = true;
		pc->dtls_connected_us = g_get_monotonic_time();
		pc_liveness_restart(pc);
		pc_media_start_timer(pc);
		if (pc->cb.webrtc_up)
			pc->cb.webrtc_up(pc->user_data);
	}
	pc_data_maybe_start(pc);
}

static void on_dtls_failed(void *user_data, int code, const char *reason)
{
	parley_pc *pc = user_data;
	(void)reason;   /* the DTLS layer logs it; the event names the class */
	pc->dtls_failures++;
	pc_fail(pc, PARLEY_PC_EVENT_DTLS_FAILED, code == PARLEY_DTLS_ERR_TIMEOUT ? "DTLS timeout" : "DTLS alert");
}

static void on_dtls_closed(void *user_data)
{
	pc_fail(user_data, PARLEY_PC_EVENT_DTLS_FAILED, "DTLS alert");
}

/* DTLS application data is SCTP (RFC 8261). */
static void on_dtls_data(void *user_data, const uint8_t *data, size_t length)
{
	pc_data_incoming(user_data, data, length);
}

static const parley_dtls_callbacks dtls_callbacks = {
	.send = on_dtls_send,
	.data = on_dtls_data,
	.connected = on_dtls_connected,
	.failed = on_dtls_failed,
	.closed = on_dtls_closed,
};

/* Creates the DTLS session once both our role and the peer's fingerprint
 * are known; starts it when ICE is already connected. */
int pc_start_dtls(parley_pc *pc, char *err, size_t err_size)
{
	if (pc->dtls || !pc->role_known || !pc->remote_fp)
		return 0;
	parley_dtls_options options = {
		.role = pc->role,
		.remote_fingerprint_hash = pc->remote_fp_hash,
		.remote_fingerprint = pc->remote_fp,
		.srtp_profiles = pc->settings.srtp_profiles,
	};
	GError *error = NULL;
	pc->dtls = parley_dtls_new(pc->context, &options, &dtls_callbacks, pc, &error);
	if (!pc->dtls) {
		snprintf(err, err_size, "DTLS: %s", error ? error->message : "cannot create the session");
		g_clear_error(&error);
		return PARLEY_PC_ERR_DTLS;
	}
	if (pc->ice_state == PARLEY_ICE_STATE_CONNECTED || pc->ice_state == PARLEY_ICE_STATE_READY)
		pc_start_dtls_handshake(pc);
	return 0;
}

/* Starts the handshake (our role decides who speaks first) and notes when. */
void pc_start_dtls_handshake(parley_pc *pc)
{
	if (!pc->dtls_started_us)
		pc->dtls_started_us = g_get_monotonic_time();
	parley_dtls_start(pc->dtls);
}
