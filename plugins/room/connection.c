/*
 * plugins/room/connection.c — what happens to the PeerConnection behind a
 * handle, as the core reports it: up (DTLS done: the subscriber's running
 * consumers want a keyframe), quiet and back (connection_state: counted,
 * and the peer's main handle gets connectionState), ended (hangup_media: a
 * publisher's streams close; a subscriber keeps its consumers and m-lines
 * and waits for restartIce, see negotiate.c). The counters live in the
 * peer, one room_pc_health per side (publisher pc on the main handle,
 * subscriber pc), so a peer that comes back on a new main handle keeps
 * them; getRoomInfo, admin info and handle_info show them.
 */
#include <string.h>

#include "room.h"


static const char *const side_names[] = {[ROOM_PC_PUBLISHER] = "publisher", [ROOM_PC_SUBSCRIBER] = "subscriber"};
static const char *const state_names[] = {
	[ROOM_PC_NEW] = "new",
	[ROOM_PC_CONNECTED] = "connected",
	[ROOM_PC_DISCONNECTED] = "disconnected",
	[ROOM_PC_CLOSED] = "closed",
};

/* The joined handle behind `session` with its side, or NULL. */
static room_handle *joined_handle_locked(room_ctx *ctx, parley_plugin_session *session, room_pc_side *side)
{
	room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
	if (handle == NULL || handle->peer == NULL || handle->role == ROOM_ROLE_NONE)
		return NULL;
	*side = handle->role == ROOM_ROLE_SUBSCRIBER ? ROOM_PC_SUBSCRIBER : ROOM_PC_PUBLISHER;
	return handle;
}

typedef void (*joined_fn)(room_ctx *ctx, room_outbox *box, room_handle *handle, room_pc_side side, const void *data);

/* Runs fn under the room lock on the joined handle behind `session` (nothing
 * when there is none), then sends the events it queued in box. */
static void on_joined_handle(room_ctx *ctx, parley_plugin_session *session, joined_fn fn, const void *data)
{
	room_outbox box;
	parley_room_outbox_init(&box);
	room_pc_side side;
	g_mutex_lock(&ctx->lock);
	room_handle *handle = joined_handle_locked(ctx, session, &side);
	if (handle != NULL)
		fn(ctx, &box, handle, side, data);
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
}

static void up_locked(room_ctx *ctx, room_outbox *box, room_handle *handle, room_pc_side side, const void *data)
{
	(void)box;
	(void)data;
	room_peer *peer = handle->peer;
	handle->media_up = true;
	peer->pcs[side].state = ROOM_PC_CONNECTED;
	if (side == ROOM_PC_SUBSCRIBER) {
		int64_t now_us = ctx->now_us();
		for (guint i = 0; i < peer->consumers->len; i++) {
			room_consumer *c = peer->consumers->pdata[i];
			parley_room_request_keyframe(ctx, c->producer, now_us);
			/* a WHEP player's m-lines were fed before its DTLS was up: ask once more
			 * a second later, for a player that sets its receiver up late */
			if (handle->whep)
				ROOM_STORE64(&c->keyframe_again_us, now_us + ROOM_KEYFRAME_AGAIN_US);
		}
	}
}

void parley_room_connection_up(room_ctx *ctx, parley_plugin_session *session)
{
	on_joined_handle(ctx, session, up_locked, NULL);
}

/* data: the parley_connection_state the core reported. */
static void changed_locked(room_ctx *ctx, room_outbox *box, room_handle *handle, room_pc_side side, const void *data)
{
	parley_connection_state state = *(const parley_connection_state *)data;
	room_peer *peer = handle->peer;
	room_pc_health *health = &peer->pcs[side];
	if (state == PARLEY_CONNECTION_DISCONNECTED && health->state != ROOM_PC_DISCONNECTED) {
		health->disconnects++;
		health->state = ROOM_PC_DISCONNECTED;
	} else if (state == PARLEY_CONNECTION_CONNECTED && health->state == ROOM_PC_DISCONNECTED) {
		health->recoveries++;
		health->state = ROOM_PC_CONNECTED;
	} else {
		return;
	}
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "peer %s: the %s pc is %s (%u disconnects, %u recoveries)", peer->id,
	         side_names[side], state_names[health->state], health->disconnects, health->recoveries);
	parley_room_outbox_emit_new(ctx, box, peer->main, "connectionState",
	                            json_pack("{s:s, s:s}", "handle", side_names[side], "state",
	                                      state_names[health->state]));
}

void parley_room_connection_changed(room_ctx *ctx, parley_plugin_session *session, parley_connection_state state)
{
	on_joined_handle(ctx, session, changed_locked, &state);
}

static void ended_locked(room_ctx *ctx, room_outbox *box, room_handle *handle, room_pc_side side, const void *data)
{
	(void)data;
	room_peer *peer = handle->peer;
	handle->media_up = false;
	peer->pcs[side].pc_losses++;
	peer->pcs[side].state = ROOM_PC_CLOSED;
	if (side == ROOM_PC_PUBLISHER) {
		/* its streams went with the pc; the next publish offer makes a new one */
		peer->publisher_ufrag[0] = '\0';
		while (peer->producers->len > 0)
			parley_room_producer_close_locked(ctx, box, peer->producers->pdata[peer->producers->len - 1],
			                                  true);
	} else {
		parley_room_subscriber_pc_lost_locked(ctx, peer);
	}
}

void parley_room_connection_ended(room_ctx *ctx, parley_plugin_session *session)
{
	on_joined_handle(ctx, session, ended_locked, NULL);
}

void parley_room_connection_restarted_locked(room_peer *peer, room_pc_side side)
{
	peer->pcs[side].restarts++;
}

json_t *parley_room_connection_to_json_locked(room_peer *peer)
{
	json_t *out = json_object();
	for (size_t side = 0; side < G_N_ELEMENTS(peer->pcs); side++) {
		const room_pc_health *h = &peer->pcs[side];
		json_object_set_new(out, side_names[side],
		                    json_pack("{s:s, s:i, s:i, s:i, s:i}", "state", state_names[h->state], "disconnects",
		                              (int)h->disconnects, "recoveries", (int)h->recoveries, "pcLosses",
		                              (int)h->pc_losses, "restarts", (int)h->restarts));
	}
	return out;
}
