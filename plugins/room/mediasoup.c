/*
 * plugins/room/mediasoup.c — the requests of mediasoup-client apps (the
 * SFU service's Socket.IO events): getRouterRtpCapabilities,
 * createWebRtcTransport, connectWebRtcTransport, restartIce with a
 * transportId, produce with rtpParameters and consume with
 * rtpCapabilities. Everything else such a client sends (resumeConsumer,
 * pauseProducer, getProducers, leaveRoom, ...) is requests.c's, shared
 * with SDP clients.
 *
 * Transports map onto the room's two handles of a peer: the send
 * transport is the main handle's PeerConnection (its producers arrive
 * there, as an SDP publisher's do), the receive transport is the
 * subscriber handle's, a companion handle the plugin makes in the
 * client's session (core->handle_companion) since one Socket.IO client is
 * one handle and the core has one PeerConnection per handle. Producers and
 * consumers made here are the room's producers and consumers: announced
 * with newProducer, consumable by SDP subscribers, forwarded by forward.c.
 *
 * Locking: the core's params_* calls run on a handle's loop and wait for
 * it, and those loops take ctx->lock in the plugin's media callbacks; so
 * each request checks under ctx->lock, calls the core with it released
 * (holding a handle_ref), then takes it again, finds the peer once more
 * and applies the result (or undoes the core's side when the peer went).
 */
#include <stddef.h>
#include <string.h>

#include "room.h"

typedef struct msc {
	room_ctx *ctx;
	parley_plugin_session *session;
	json_t *body;
	room_outbox box;
	json_t *answer;              /* owned */
	parley_plugin_error error;   /* code 0 = accepted */
	char room_id[ROOM_MAX_ID + 1];
	char peer_id[ROOM_PEER_ID_LEN + 1];
} msc;

static void refuse(msc *m, int code, const char *message)
{
	parley_plugin_error_set(&m->error, code, "%s", message);
}

static const char *string_member(msc *m, const char *key)
{
	const char *value = json_string_value(json_object_get(m->body, key));
	if (value == NULL || value[0] == '\0') {
		parley_plugin_error_set(&m->error, ROOM_ERR_INVALID, "%s (a string) is required", key);
		return NULL;
	}
	return value;
}

/* The peer behind the client's handle (ctx->lock held), remembered by id
 * for after the unlocked part, or a refusal. */
static room_peer *joined_locked(msc *m)
{
	room_handle *handle = parley_room_handle_lookup_locked(m->ctx, m->session);
	room_peer *peer = handle != NULL && handle->role == ROOM_ROLE_MAIN ? handle->peer : NULL;
	const char *room_id = json_string_value(json_object_get(m->body, "roomId"));
	if (peer == NULL) {
		refuse(m, ROOM_ERR_NOT_JOINED, "join a room first");
		return NULL;
	}
	if (room_id != NULL && strcmp(room_id, peer->room_id) != 0) {
		refuse(m, ROOM_ERR_NOT_JOINED, "this handle is not in that room");
		return NULL;
	}
	g_strlcpy(m->room_id, peer->room_id, sizeof(m->room_id));
	g_strlcpy(m->peer_id, peer->id, sizeof(m->peer_id));
	parley_room_peer_touch_locked(m->ctx, peer);
	return peer;
}

/* The same peer again after the unlocked part, still behind this handle. */
static room_peer *again_locked(msc *m)
{
	room_room *room = parley_room_lookup_locked(m->ctx, m->room_id);
	room_peer *peer = room != NULL ? g_hash_table_lookup(room->peers, m->peer_id) : NULL;
	if (peer == NULL || peer->main == NULL || peer->main->session != m->session) {
		refuse(m, ROOM_ERR_NOT_FOUND, "the peer left the room meanwhile");
		return NULL;
	}
	return peer;
}

/* The handle whose transport is `id`: the peer's main (send) or subscriber (recv). */
static room_handle *transport_locked(msc *m, room_peer *peer, const char *id)
{
	room_handle *handles[] = {peer->main, peer->subscriber};
	for (size_t i = 0; i < G_N_ELEMENTS(handles); i++)
		if (handles[i] != NULL && handles[i]->transport_id[0] != '\0' && strcmp(handles[i]->transport_id, id) == 0)
			return handles[i];
	refuse(m, ROOM_ERR_NOT_FOUND, "no such transport");
	return NULL;
}

static void hold(msc *m, parley_plugin_session *session)
{
	m->ctx->core->handle_ref(session);
}

static void release(msc *m, parley_plugin_session *session)
{
	m->ctx->core->handle_unref(session);
}

/* Is `name` in the comma-separated `list` (case-insensitive)? */
static bool listed(const char *list, const char *name)
{
	gchar **parts = g_strsplit(list != NULL ? list : "", ",", -1);
	bool found = false;
	for (gchar **p = parts; *p != NULL && !found; p++)
		found = g_ascii_strcasecmp(g_strstrip(*p), name) == 0;
	g_strfreev(parts);
	return found;
}

/* The core's codecs cut to the room's ([media] audio_codecs, video_codecs),
 * in the core's order; an RTX entry stays with the codec it repairs. */
static void keep_room_codecs(room_ctx *ctx, json_t *caps)
{
	json_t *kept = json_array();
	json_int_t kept_pts[32];
	size_t n_kept = 0, i;
	json_t *codec;
	json_array_foreach(json_object_get(caps, "codecs"), i, codec) {
		const char *mime = json_string_value(json_object_get(codec, "mimeType"));
		const char *slash = mime != NULL ? strchr(mime, '/') : NULL;
		if (slash == NULL)
			continue;
		bool keep = false;
		if (g_ascii_strcasecmp(slash + 1, "rtx") == 0) {
			json_int_t apt = json_integer_value(json_object_get(json_object_get(codec, "parameters"), "apt"));
			for (size_t k = 0; k < n_kept && !keep; k++)
				keep = kept_pts[k] == apt;
		} else {
			keep = listed(g_str_has_prefix(mime, "audio/") ? ctx->cfg.audio_codecs : ctx->cfg.video_codecs,
			              slash + 1);
			if (keep && n_kept < G_N_ELEMENTS(kept_pts))
				kept_pts[n_kept++] = json_integer_value(json_object_get(codec, "preferredPayloadType"));
		}
		if (keep)
			json_array_append(kept, codec);
	}
	json_object_set_new(caps, "codecs", kept);
}

/* {roomId} → {rtpCapabilities}: the core's, with the room's codecs */
static void req_capabilities(msc *m)
{
	json_t *caps = m->ctx->core->params_rtp_capabilities();
	if (caps == NULL) {
		refuse(m, ROOM_ERR_UNAVAILABLE, "no RTP capabilities");
		return;
	}
	keep_room_codecs(m->ctx, caps);
	m->answer = json_pack("{s:o}", "rtpCapabilities", caps);
}

/* The receive transport's handle: the peer's companion, made now when it
 * has none. NULL with a refusal. */
static parley_plugin_session *receive_handle(msc *m)
{
	room_ctx *ctx = m->ctx;
	g_mutex_lock(&ctx->lock);
	room_peer *peer = joined_locked(m);
	room_handle *sub = peer != NULL ? peer->subscriber : NULL;
	parley_plugin_session *existing = NULL;
	if (sub != NULL && (!sub->params || sub->transport_id[0] != '\0'))
		refuse(m, ROOM_ERR_CONFLICT, sub->params ? "a receive transport exists already"
		                                         : "the peer receives through an SDP subscriber handle");
	else if (sub != NULL)
		hold(m, existing = sub->session);   /* made before, its transport failed: again */
	g_mutex_unlock(&ctx->lock);
	if (m->error.code != 0 || existing != NULL)
		return existing;
	parley_plugin_session *made = ctx->core->handle_companion(m->session, &m->error);
	if (made == NULL)
		return NULL;
	g_mutex_lock(&ctx->lock);
	peer = again_locked(m);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, made);
	if (peer != NULL && (peer->subscriber != NULL || handle == NULL))
		refuse(m, ROOM_ERR_CONFLICT, "a receive transport was made meanwhile");
	if (m->error.code == 0) {
		handle->role = ROOM_ROLE_SUBSCRIBER;
		handle->peer = peer;
		handle->params = true;
		handle->companion = true;
		peer->subscriber = handle;
		parley_room_outbox_notify_new(ctx, &m->box, made,
		                              json_pack("{s:s, s:s, s:s}", "event", "subscriber_attached", "room",
		                                        peer->room_id, "participant", peer->id));
		hold(m, made);
	} else {
		parley_room_outbox_action(ctx, &m->box, made, ROOM_ACTION_END_HANDLE, -1);
		made = NULL;
	}
	g_mutex_unlock(&ctx->lock);
	return made;
}

/* {roomId, direction: "send"|"recv"} → {id, iceParameters, iceCandidates, dtlsParameters} */
static void req_create_transport(msc *m)
{
	room_ctx *ctx = m->ctx;
	const char *direction = string_member(m, "direction");
	if (direction == NULL)
		return;
	bool send = strcmp(direction, "send") == 0;
	if (!send && strcmp(direction, "recv") != 0) {
		refuse(m, ROOM_ERR_INVALID, "direction must be \"send\" or \"recv\"");
		return;
	}
	parley_plugin_session *target = NULL;
	if (send) {
		g_mutex_lock(&ctx->lock);
		room_peer *peer = joined_locked(m);
		if (peer != NULL && peer->main->transport_id[0] != '\0')
			refuse(m, ROOM_ERR_CONFLICT, "a send transport exists already");
		else if (peer != NULL)
			hold(m, target = m->session);
		g_mutex_unlock(&ctx->lock);
	} else {
		target = receive_handle(m);
	}
	if (target == NULL)
		return;
	parley_room_share_loop(ctx, target, m->room_id);   /* before its pc exists */
	json_t *transport = ctx->core->params_create_transport(target, &m->error);
	g_mutex_lock(&ctx->lock);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, target);
	room_peer *peer = transport != NULL ? again_locked(m) : NULL;
	if (peer != NULL && handle != NULL && (handle == peer->main || handle == peer->subscriber)) {
		handle->params = true;
		parley_room_random_id(handle->transport_id, ROOM_OBJECT_ID_LEN);
		m->answer = json_pack("{s:s, s:s, s:O, s:O, s:O}", "id", handle->transport_id, "direction", direction,
		                      "iceParameters", json_object_get(transport, "iceParameters"), "iceCandidates",
		                      json_object_get(transport, "iceCandidates"), "dtlsParameters",
		                      json_object_get(transport, "dtlsParameters"));
	} else if (transport != NULL) {
		if (m->error.code == 0)
			refuse(m, ROOM_ERR_NOT_FOUND, "the peer left the room meanwhile");
		parley_room_outbox_action(ctx, &m->box, target, ROOM_ACTION_CLOSE_PC, -1);
	}
	g_mutex_unlock(&ctx->lock);
	json_decref(transport);
	release(m, target);
}

/* The session of the transport named by transportId, held; NULL with a refusal. */
static parley_plugin_session *transport_session(msc *m, bool *is_send)
{
	const char *id = string_member(m, "transportId");
	if (id == NULL)
		return NULL;
	parley_plugin_session *session = NULL;
	g_mutex_lock(&m->ctx->lock);
	room_peer *peer = joined_locked(m);
	room_handle *handle = peer != NULL ? transport_locked(m, peer, id) : NULL;
	if (handle != NULL) {
		hold(m, session = handle->session);
		if (is_send != NULL)
			*is_send = handle == peer->main;
	}
	g_mutex_unlock(&m->ctx->lock);
	return session;
}

/* {roomId, transportId, dtlsParameters} → {success} */
static void req_connect_transport(msc *m)
{
	json_t *dtls = json_object_get(m->body, "dtlsParameters");
	if (!json_is_object(dtls)) {
		refuse(m, ROOM_ERR_INVALID, "dtlsParameters (an object) is required");
		return;
	}
	parley_plugin_session *session = transport_session(m, NULL);
	if (session == NULL)
		return;
	if (m->ctx->core->params_connect_transport(session, dtls, &m->error) == 0)
		m->answer = json_pack("{s:b}", "success", true);
	release(m, session);
}

/* {roomId, transportId} → {iceParameters} */
static void req_restart_ice(msc *m)
{
	parley_plugin_session *session = transport_session(m, NULL);
	if (session == NULL)
		return;
	json_t *ice = m->ctx->core->params_restart_ice(session, &m->error);
	if (ice != NULL)
		m->answer = json_pack("{s:o}", "iceParameters", ice);
	release(m, session);
}

/* {roomId, transportId, kind, rtpParameters, appData?, paused?} → {producerId, id} */
static void req_produce(msc *m)
{
	room_ctx *ctx = m->ctx;
	room_kind kind;
	if (parley_room_params_check_produce(m->body, &kind, &m->error) != 0)
		return;
	bool is_send = false;
	parley_plugin_session *session = transport_session(m, &is_send);
	if (session == NULL)
		return;
	json_t *rtp = json_object_get(m->body, "rtpParameters");
	int mindex = -1;
	if (!is_send)
		refuse(m, ROOM_ERR_INVALID, "produce needs the send transport");
	else
		ctx->core->params_receive(session, kind == ROOM_KIND_AUDIO ? "audio" : "video", rtp, &mindex, &m->error);
	if (m->error.code != 0) {
		release(m, session);
		return;
	}
	g_mutex_lock(&ctx->lock);
	room_peer *peer = again_locked(m);
	if (peer == NULL) {
		parley_room_outbox_action(ctx, &m->box, session, ROOM_ACTION_CLOSE_STREAM, mindex);
	} else {
		json_t *app_data = json_object_get(m->body, "appData");
		room_producer *p = parley_room_producer_new(ctx, peer, kind, mindex,
		                                            json_string_value(json_object_get(rtp, "mid")));
		p->params = true;
		parley_room_params_fill_producer(ctx, p, rtp);
		parley_room_pick_source(peer, json_string_value(json_object_get(app_data, "source")), kind, p->source,
		                        sizeof(p->source));
		if (json_is_object(app_data))
			json_object_update(p->metadata, app_data);
		json_object_set_new(p->metadata, "source", json_string(p->source));
		bool paused = json_is_true(json_object_get(m->body, "paused"));
		g_atomic_int_set(&p->paused, paused);   /* before any packet: the snapshot is published next */
		parley_room_publish_producer_snapshot_locked(ctx, peer->main, peer);
		room_room *room = parley_room_lookup_locked(ctx, peer->room_id);
		json_t *announce = json_pack("{s:s, s:s, s:s, s:O, s:b}", "producerId", p->id, "peerId", peer->id, "kind",
		                             kind == ROOM_KIND_AUDIO ? "audio" : "video", "metadata", p->metadata,
		                             "paused", paused);
		parley_room_outbox_broadcast(ctx, &m->box, room, peer->id, "newProducer", announce);
		json_decref(announce);
		parley_room_notify_track_locked(ctx, &m->box, p, "track_published");
		if (room != NULL)
			parley_room_whep_refill_room_locked(ctx, &m->box, room);
		m->answer = json_pack("{s:s, s:s}", "producerId", p->id, "id", p->id);
	}
	g_mutex_unlock(&ctx->lock);
	release(m, session);
}

/* {roomId, producerId, rtpCapabilities} → {id, producerId, kind, rtpParameters, type, producerPaused} */
static void req_consume(msc *m)
{
	room_ctx *ctx = m->ctx;
	json_t *caps = json_object_get(m->body, "rtpCapabilities");
	const char *producer_id = string_member(m, "producerId");
	if (producer_id == NULL)
		return;
	if (!json_is_object(caps)) {
		refuse(m, ROOM_ERR_INVALID, "rtpCapabilities must be an object");
		return;
	}
	json_t *options = NULL;
	parley_plugin_session *session = NULL;
	g_mutex_lock(&ctx->lock);
	room_peer *peer = joined_locked(m);
	room_producer *p = peer != NULL ? parley_room_producer_lookup_locked(ctx, producer_id) : NULL;
	room_handle *sub = peer != NULL ? peer->subscriber : NULL;
	if (peer != NULL && (sub == NULL || !sub->params || sub->transport_id[0] == '\0'))
		refuse(m, ROOM_ERR_NOT_JOINED, "create a receive transport first (createWebRtcTransport, direction recv)");
	else if (peer != NULL && (p == NULL || strcmp(p->room_id, peer->room_id) != 0 || g_atomic_int_get(&p->closed)))
		refuse(m, ROOM_ERR_NOT_FOUND, "no such producer in this room");
	if (m->error.code == 0) {
		options = json_pack("{s:s, s:O, s:o, s:s}", "kind", p->kind == ROOM_KIND_AUDIO ? "audio" : "video",
		                    "rtpCapabilities", caps, "codecs", parley_room_params_codecs_for(p), "cname",
		                    p->peer_id);
		hold(m, session = sub->session);
	}
	g_mutex_unlock(&ctx->lock);
	if (session == NULL)
		return;
	json_t *sent = ctx->core->params_send(session, options, &m->error);
	json_decref(options);
	int mindex = sent != NULL ? (int)json_integer_value(json_object_get(sent, "mindex")) : -1;
	json_t *rtp = json_object_get(sent, "rtpParameters");
	g_mutex_lock(&ctx->lock);
	peer = sent != NULL ? again_locked(m) : NULL;
	p = peer != NULL ? parley_room_producer_lookup_locked(ctx, producer_id) : NULL;
	if (peer != NULL && p != NULL && peer->subscriber != NULL && peer->subscriber->session == session) {
		room_consumer *c = parley_room_consume_params_locked(ctx, peer, p, mindex, rtp);
		m->answer = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:b}", "id", c->id, "consumerId", c->id,
		                      "producerId", p->id, "peerId", p->peer_id, "kind",
		                      p->kind == ROOM_KIND_AUDIO ? "audio" : "video", "rtpParameters", rtp, "type",
		                      p->layers > 1 ? "simulcast" : "simple", "producerPaused",
		                      g_atomic_int_get(&p->paused) != 0);
	} else if (sent != NULL) {
		if (m->error.code == 0)
			refuse(m, ROOM_ERR_NOT_FOUND, "the producer closed meanwhile");
		parley_room_outbox_action(ctx, &m->box, session, ROOM_ACTION_CLOSE_STREAM, mindex);
	}
	g_mutex_unlock(&ctx->lock);
	json_decref(sent);
	release(m, session);
}

/* name, the member that makes a request of that name a mediasoup one (NULL: the name alone), handler */
static const struct {
	const char *name;
	const char *member;
	void (*handle)(msc *m);
} requests[] = {
	{"getRouterRtpCapabilities", NULL, req_capabilities},
	{"createWebRtcTransport", NULL, req_create_transport},
	{"connectWebRtcTransport", NULL, req_connect_transport},
	{"restartIce", "transportId", req_restart_ice},
	{"produce", "rtpParameters", req_produce},
	{"consume", "rtpCapabilities", req_consume},
};

static int request_index(const char *name, json_t *body)
{
	for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(requests); i++)
		if (strcmp(requests[i].name, name) == 0 &&
		    (requests[i].member == NULL || json_object_get(body, requests[i].member) != NULL))
			return (int)i;
	return -1;
}

bool parley_room_mediasoup_wants(const char *name, json_t *body)
{
	return request_index(name, body) >= 0;
}

/* Does this core have the parameters API and companion handles? */
static bool core_ready(const parley_plugin_core *core)
{
	return PARLEY_PLUGIN_CORE_HAS(core, params_rtp_capabilities) && PARLEY_PLUGIN_CORE_HAS(core, handle_companion) &&
	       core->params_create_transport != NULL && core->params_connect_transport != NULL &&
	       core->params_restart_ice != NULL && core->params_receive != NULL && core->params_send != NULL;
}

void parley_room_mediasoup_request(room_ctx *ctx, parley_plugin_session *session, const char *transaction,
                                   const char *name, json_t *body, parley_plugin_result *result)
{
	memset(result, 0, sizeof(*result));
	msc m = {.ctx = ctx, .session = session, .body = body};
	parley_room_outbox_init(&m.box);
	int index = request_index(name, body);
	if (index < 0)
		refuse(&m, ROOM_ERR_UNKNOWN_REQUEST, "unknown request");
	else if (!core_ready(ctx->core))
		refuse(&m, ROOM_ERR_UNAVAILABLE, "this core has no parameters API: mediasoup clients are unavailable");
	else
		requests[index].handle(&m);
	if (m.error.code != 0) {
		json_decref(m.answer);
		m.answer = NULL;
		g_mutex_lock(&ctx->lock);
		room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
		if (handle != NULL)
			parley_room_outbox_reply_new(ctx, &m.box, handle, transaction, "error",
			                             json_pack("{s:i, s:s, s:s}", "code", m.error.code, "message",
			                                       m.error.reason, "request", name), NULL);
		g_mutex_unlock(&ctx->lock);
	}
	parley_room_outbox_flush(ctx, &m.box);
	if (m.error.code != 0) {
		result->kind = PARLEY_PLUGIN_ERROR;
		g_snprintf(result->text, sizeof(result->text), "%d %s", m.error.code, m.error.reason);
		return;
	}
	result->kind = PARLEY_PLUGIN_OK;
	result->content = m.answer != NULL ? m.answer : json_pack("{s:b}", "success", true);
}
