/*
 * plugins/room/peers.c — handles and peers: attaching/detaching handles
 * (a client's main handle signals and publishes, its subscriber handle
 * receives), joining a room (capacity, reconnect with the same peerId
 * within the reconnect window), leaving, removal on heartbeat expiry, and
 * the periodic sweep that also closes idle rooms and replaces subscriber
 * offers left unanswered (offer_timeout) while changes wait.
 */
#include <string.h>

#include "room.h"


static void producer_unref_cb(gpointer p) { parley_room_producer_unref(p); }
static void consumer_unref_cb(gpointer c) { parley_room_consumer_unref(c); }

room_handle *parley_room_handle_attach(room_ctx *ctx, parley_plugin_session *session)
{
	room_handle *handle = g_new0(room_handle, 1);
	handle->session = session;
	parley_room_snapshot_init(&handle->producers, producer_unref_cb);
	parley_room_snapshot_init(&handle->consumers, consumer_unref_cb);
	handle->slots = g_array_new(FALSE, TRUE, sizeof(room_slot));
	g_mutex_lock(&ctx->lock);
	g_hash_table_insert(ctx->handles, session, handle);
	g_mutex_unlock(&ctx->lock);
	return handle;
}

room_handle *parley_room_handle_lookup_locked(room_ctx *ctx, parley_plugin_session *session)
{
	return session != NULL ? g_hash_table_lookup(ctx->handles, session) : NULL;
}

/* Drops every consumer of the peer (its subscriber pc is gone or resets). */
static void close_consumers_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	while (peer->consumers->len > 0)
		parley_room_consumer_close_locked(ctx, box, peer->consumers->pdata[peer->consumers->len - 1]);
}

static void close_producers_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, bool notify)
{
	while (peer->producers->len > 0)
		parley_room_producer_close_locked(ctx, box, peer->producers->pdata[peer->producers->len - 1], notify);
}

static void slots_clear(room_handle *handle)
{
	parley_room_subscriber_reset(handle);
}

int parley_room_handle_detach(room_ctx *ctx, parley_plugin_session *session)
{
	room_outbox box;
	parley_room_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
	if (handle == NULL) {
		g_mutex_unlock(&ctx->lock);
		parley_room_outbox_flush(ctx, &box);
		return -1;
	}
	room_peer *peer = handle->peer;
	if (peer != NULL && handle->role == ROOM_ROLE_SUBSCRIBER) {
		peer->subscriber = NULL;   /* first: closing consumers offers nothing */
		slots_clear(handle);
		close_consumers_locked(ctx, &box, peer);
	} else if (peer != NULL && handle->role == ROOM_ROLE_MAIN) {
		parley_room_peer_disconnect_locked(ctx, &box, peer);
	}
	slots_clear(handle);
	handle->peer = NULL;
	handle->session = NULL;
	g_hash_table_remove(ctx->handles, session);
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	/* the core runs no media callback for this handle any more */
	parley_room_snapshot_clear(&handle->producers);
	parley_room_snapshot_clear(&handle->consumers);
	g_array_free(handle->slots, TRUE);
	g_free(handle);
	return 0;
}

void parley_room_peer_touch_locked(room_ctx *ctx, room_peer *peer)
{
	peer->last_seen_ms = ctx->now_ms();
}

/* The peer's subscriber handle leaves it: a receive transport's companion
 * handle ends (queued), its consumers close. */
static void release_subscriber_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	if (peer->subscriber != NULL) {
		room_handle *sub = peer->subscriber;
		peer->subscriber = NULL;   /* first: closing consumers offers nothing */
		sub->peer = NULL;
		sub->role = ROOM_ROLE_NONE;
		slots_clear(sub);
		parley_room_publish_consumer_snapshot_locked(ctx, sub, NULL);
		if (sub->companion)   /* the receive transport's handle ends with the peer */
			parley_room_outbox_action(ctx, box, sub->session, ROOM_ACTION_END_HANDLE, -1);
	}
	close_consumers_locked(ctx, box, peer);
}

/* The peer's main handle leaves it (its producers are closed already): a
 * send transport's pc closes (queued) and the handle may make a new one. */
static void release_main_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	room_handle *main = peer->main;
	if (main == NULL)
		return;
	main->peer = NULL;
	parley_room_publish_producer_snapshot_locked(ctx, main, NULL);
	if (main->http)   /* a WHIP publisher: its resource ends with its place */
		parley_room_outbox_action(ctx, box, main->session, ROOM_ACTION_HTTP_CLOSE, -1);
	if (main->params) {   /* the send transport ends with the peer's place on this handle */
		parley_room_outbox_action(ctx, box, main->session, ROOM_ACTION_CLOSE_PC, -1);
		main->params = false;
		main->transport_id[0] = '\0';
	}
	peer->main = NULL;
}

/* The peer loses its main handle and keeps its place: what lived on the
 * client's connection ends (producers, a mediasoup receive transport). */
static void lose_main_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	/* a mediasoup client's receive transport lives in its socket's session:
	 * it goes too, and the client makes a new one when it joins again */
	if (peer->subscriber != NULL && peer->subscriber->companion) {
		release_subscriber_locked(ctx, box, peer);
		peer->pcs[ROOM_PC_SUBSCRIBER].state = ROOM_PC_CLOSED;
	}
	/* the publishing pc (an SDP publisher's or the send transport) went
	 * with the handle: its streams end now */
	close_producers_locked(ctx, box, peer, true);
	release_main_locked(ctx, box, peer);
	peer->disconnected_ms = ctx->now_ms();
	peer->publisher_ufrag[0] = '\0';   /* a new main handle publishes on a new pc */
	peer->pcs[ROOM_PC_PUBLISHER].state = ROOM_PC_CLOSED;
}

static room_peer *peer_new(room_ctx *ctx, room_room *room, json_t *metadata)
{
	room_peer *peer = g_new0(room_peer, 1);
	do
		parley_room_random_id(peer->id, ROOM_PEER_ID_LEN);
	while (g_hash_table_contains(room->peers, peer->id));
	peer->room_id = g_strdup(room->id);
	peer->metadata = metadata != NULL ? json_deep_copy(metadata) : json_object();
	peer->joined_ms = peer->last_seen_ms = ctx->now_ms();
	peer->producers = g_ptr_array_new();
	peer->consumers = g_ptr_array_new();
	return peer;
}

room_peer *parley_room_peer_join_locked(room_ctx *ctx, room_outbox *box, room_room *room, room_handle *handle,
                                        const char *peer_id, json_t *metadata, bool *reconnected,
                                        parley_plugin_error *error)
{
	*reconnected = false;
	if (handle->peer != NULL) {
		parley_plugin_error_set(error, ROOM_ERR_CONFLICT, "this handle is in a room already");
		return NULL;
	}
	if (handle->role == ROOM_ROLE_SUBSCRIBER) {
		parley_plugin_error_set(error, ROOM_ERR_CONFLICT, "a subscriber handle cannot join; use the main handle");
		return NULL;
	}
	room_peer *peer = peer_id != NULL ? g_hash_table_lookup(room->peers, peer_id) : NULL;
	if (peer != NULL) {
		/* the same peer back (after a drop, or before its old handle was noticed gone) */
		if (peer->main != NULL) {
			room_handle *old = peer->main;
			lose_main_locked(ctx, box, peer);
			old->peer = NULL;
			old->role = ROOM_ROLE_NONE;
			parley_room_outbox_emit_new(ctx, box, old, "error",
			                            json_pack("{s:i, s:s}", "code", ROOM_ERR_CONFLICT, "message",
			                                      "this peer joined again from another handle"));
		}
		if (metadata != NULL) {
			json_decref(peer->metadata);
			peer->metadata = json_deep_copy(metadata);
		}
		*reconnected = true;
		parley_room_outbox_notify_new(ctx, box, handle->session,
		                              json_pack("{s:s, s:s, s:s}", "event", "participant_reconnected", "room",
		                                        room->id, "participant", peer->id));
	} else {
		if ((int)g_hash_table_size(room->peers) >= room->max_participants) {
			parley_plugin_error_set(error, ROOM_ERR_FULL, "the room is full");
			return NULL;
		}
		peer = peer_new(ctx, room, metadata);
		if (g_hash_table_size(room->peers) == 0)
			parley_room_outbox_notify_new(ctx, box, handle->session,
			                              json_pack("{s:s, s:s}", "event", "room_started", "room", room->id));
		g_hash_table_insert(room->peers, peer->id, peer);
		parley_room_outbox_notify_new(ctx, box, handle->session,
		                              json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", room->id,
		                                        "participant", peer->id));
		json_t *joined = json_pack("{s:s, s:O}", "peerId", peer->id, "metadata", peer->metadata);
		parley_room_outbox_broadcast(ctx, box, room, peer->id, "peerJoined", joined);
		json_decref(joined);
		ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s joined room %s (%u in)", peer->id, room->id,
		    g_hash_table_size(room->peers));
	}
	peer->main = handle;
	peer->disconnected_ms = 0;
	handle->peer = peer;
	handle->role = ROOM_ROLE_MAIN;
	parley_room_outbox_share_loop(ctx, box, handle->session, room->id);
	parley_room_peer_touch_locked(ctx, peer);
	room->empty_since_ms = 0;
	return peer;
}

void parley_room_peer_disconnect_locked(room_ctx *ctx, room_outbox *box, room_peer *peer)
{
	lose_main_locked(ctx, box, peer);
	if (ctx->cfg.reconnect_ms == 0) {
		parley_room_peer_remove_locked(ctx, box, peer, "left");
		return;
	}
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s disconnected; its place is kept for %" G_GINT64_FORMAT " ms", peer->id,
	    (gint64)ctx->cfg.reconnect_ms);
}

void parley_room_peer_remove_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, const char *reason)
{
	room_room *room = parley_room_lookup_locked(ctx, peer->room_id);
	release_subscriber_locked(ctx, box, peer);
	close_producers_locked(ctx, box, peer, reason != NULL);
	release_main_locked(ctx, box, peer);
	if (room != NULL) {
		g_hash_table_remove(room->peers, peer->id);
		if (reason != NULL) {
			json_t *left = json_pack("{s:s, s:s}", "peerId", peer->id, "reason", reason);
			parley_room_outbox_broadcast(ctx, box, room, NULL, "peerLeft", left);
			json_decref(left);
		}
		parley_room_outbox_notify_new(ctx, box, NULL,
		                              json_pack("{s:s, s:s, s:s, s:s}", "event", "participant_left", "room",
		                                        room->id, "participant", peer->id, "reason",
		                                        reason ? reason : room->closing ? room->closing : "closed"));
		if (g_hash_table_size(room->peers) == 0) {
			room->empty_since_ms = ctx->now_ms();
			parley_room_outbox_notify_new(ctx, box, NULL,
			                              json_pack("{s:s, s:s, s:s}", "event", "room_finished", "room", room->id,
			                                        "reason", room->closing ? room->closing : "empty"));
		}
		ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s left room %s (%s)", peer->id, room->id, reason ? reason : "closed");
	}
	g_ptr_array_free(peer->producers, TRUE);
	g_ptr_array_free(peer->consumers, TRUE);
	json_decref(peer->metadata);
	g_free(peer->room_id);
	g_free(peer);
}

json_t *parley_room_peer_to_json_locked(room_ctx *ctx, room_peer *peer, bool with_stats)
{
	json_t *producers = json_array();
	for (guint i = 0; i < peer->producers->len; i++)
		json_array_append_new(producers, parley_room_producer_to_json(peer->producers->pdata[i]));
	json_t *out = json_pack("{s:s, s:O, s:b, s:I, s:o}", "peerId", peer->id, "metadata", peer->metadata,
	                        "connected", peer->main != NULL, "joinedFor",
	                        (json_int_t)((ctx->now_ms() - peer->joined_ms) / 1000), "producers", producers);
	if (with_stats) {
		json_t *consumers = json_array();
		for (guint i = 0; i < peer->consumers->len; i++)
			json_array_append_new(consumers, parley_room_consumer_to_json(peer->consumers->pdata[i]));
		json_object_set_new(out, "consumers", consumers);
		json_object_set_new(out, "lastSeen", json_integer((ctx->now_ms() - peer->last_seen_ms) / 1000));
		json_object_set_new(out, "connection", parley_room_connection_to_json_locked(peer));
	}
	return out;
}

/* Liveness from media: any packet on either handle since the last sweep. */
static void notice_traffic(room_ctx *ctx, room_peer *peer, int64_t now_ms)
{
	gint64 traffic = 0;
	if (peer->main != NULL)
		traffic += ROOM_LOAD64(&peer->main->traffic);
	if (peer->subscriber != NULL)
		traffic += ROOM_LOAD64(&peer->subscriber->traffic);
	if (traffic != peer->traffic_seen) {
		peer->traffic_seen = traffic;
		peer->last_seen_ms = now_ms;
	}
	(void)ctx;
}

unsigned parley_room_sweep(room_ctx *ctx, int64_t now_ms)
{
	unsigned gone = 0;
	room_outbox box;
	parley_room_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	GList *rooms = g_hash_table_get_values(ctx->rooms);
	for (GList *r = rooms; r != NULL; r = r->next) {
		room_room *room = r->data;
		GList *peers = g_hash_table_get_values(room->peers);
		for (GList *l = peers; l != NULL; l = l->next) {
			room_peer *peer = l->data;
			notice_traffic(ctx, peer, now_ms);
			if (peer->disconnected_ms != 0 && now_ms - peer->disconnected_ms >= ctx->cfg.reconnect_ms) {
				parley_room_peer_remove_locked(ctx, &box, peer, "disconnected");
				gone++;
			} else if (now_ms - peer->last_seen_ms >= ctx->cfg.peer_timeout_ms) {
				if (peer->main != NULL)
					parley_room_outbox_emit_new(ctx, &box, peer->main, "error",
					                            json_pack("{s:i, s:s}", "code", 408, "message",
					                                      "removed from the room: no heartbeat or traffic"));
				parley_room_peer_remove_locked(ctx, &box, peer, "timeout");
				gone++;
			} else {
				parley_room_subscriber_check_offer_locked(ctx, &box, peer);
			}
		}
		g_list_free(peers);
		if (g_hash_table_size(room->peers) == 0 && room->origin != ROOM_ORIGIN_CONFIG &&
		    room->empty_since_ms != 0 && now_ms - room->empty_since_ms >= ctx->cfg.room_idle_ms) {
			parley_room_close_locked(ctx, &box, room, "idle");
			gone++;
		}
	}
	g_list_free(rooms);
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	return gone;
}
