/*
 * plugins/room/media.c — producers (streams a peer publishes) and
 * consumers (a producer forwarded to one subscriber): their lifetimes, the
 * snapshots the media path reads, keyframe requests, and the JSON views.
 * The SDP side (publish answers, subscriber offers) is in negotiate.c.
 */
#include <string.h>

#include "room.h"

void parley_room_producer_ref(room_producer *p)
{
	g_atomic_int_inc(&p->refs);
}

void parley_room_producer_unref(room_producer *p)
{
	if (p == NULL || !g_atomic_int_dec_and_test(&p->refs))
		return;
	/* no snapshot lists it any more: no loop reads its consumer array */
	parley_room_snapshot_clear(&p->consumers);
	json_decref(p->metadata);
	if (p->session != NULL && p->core != NULL && p->core->handle_unref != NULL)
		p->core->handle_unref(p->session);
	g_free(p);
}

void parley_room_consumer_ref(room_consumer *c)
{
	g_atomic_int_inc(&c->refs);
}

void parley_room_consumer_unref(room_consumer *c)
{
	if (c == NULL || !g_atomic_int_dec_and_test(&c->refs))
		return;
	if (c->session != NULL && c->core != NULL && c->core->handle_unref != NULL)
		c->core->handle_unref(c->session);
	parley_room_producer_unref(c->producer);
	json_decref(c->rtp_parameters);
	g_free(c);
}

gpointer parley_room_producer_copy(gpointer p)
{
	parley_room_producer_ref(p);
	return p;
}

gpointer parley_room_consumer_copy(gpointer c)
{
	parley_room_consumer_ref(c);
	return c;
}

static void consumer_unref_cb(gpointer c) { parley_room_consumer_unref(c); }

room_producer *parley_room_producer_new(room_ctx *ctx, room_peer *peer, room_kind kind, int mindex, const char *mid)
{
	room_producer *p = g_new0(room_producer, 1);
	p->refs = 1;
	p->core = ctx->core;
	do
		parley_room_random_id(p->id, ROOM_OBJECT_ID_LEN);
	while (g_hash_table_contains(ctx->producers, p->id));
	g_strlcpy(p->peer_id, peer->id, sizeof(p->peer_id));
	g_strlcpy(p->room_id, peer->room_id, sizeof(p->room_id));
	g_strlcpy(p->mid, mid != NULL ? mid : "", sizeof(p->mid));
	p->kind = kind;
	p->mindex = mindex;
	p->layers = 1;
	p->metadata = json_object();
	p->created_ms = ctx->now_ms();
	p->session = peer->main != NULL ? peer->main->session : NULL;
	if (p->session != NULL && ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(p->session);
	parley_room_snapshot_init(&p->consumers, consumer_unref_cb);
	p->stats_ms = ctx->now_ms();
	g_ptr_array_add(peer->producers, p);   /* the peer's reference */
	g_hash_table_insert(ctx->producers, p->id, p);
	return p;
}

room_producer *parley_room_producer_lookup_locked(room_ctx *ctx, const char *id)
{
	return id != NULL ? g_hash_table_lookup(ctx->producers, id) : NULL;
}

room_consumer *parley_room_consumer_lookup_locked(room_ctx *ctx, const char *id)
{
	return id != NULL ? g_hash_table_lookup(ctx->consumers, id) : NULL;
}

/* A peer or a WHEP player of the room. */
static room_peer *peer_of(room_ctx *ctx, const char *room_id, const char *peer_id)
{
	room_room *room = parley_room_lookup_locked(ctx, room_id);
	if (room == NULL)
		return NULL;
	room_peer *peer = g_hash_table_lookup(room->peers, peer_id);
	return peer != NULL ? peer : g_hash_table_lookup(room->viewers, peer_id);
}

static bool reclaim_now(void *data)
{
	parley_room_snapshot_reclaim(&((room_producer *)data)->consumers);
	return false;
}

static void producer_unref_cb(void *data) { parley_room_producer_unref(data); }

/* Retired consumer arrays hold references (consumer → producer: a cycle
 * while they wait); a one-shot timer on the publisher's loop frees them
 * even when no packet comes. Without a loop (no timers, or the handle is
 * gone) no reader can run, so they go at once. */
static void schedule_reclaim(room_ctx *ctx, room_producer *p)
{
	if (p->session != NULL && ctx->core->timer_start != NULL) {
		parley_room_producer_ref(p);
		if (ctx->core->timer_start(p->session, 0, reclaim_now, p, producer_unref_cb) != NULL)
			return;
		parley_room_producer_unref(p);
	}
	parley_room_snapshot_reclaim(&p->consumers);
}

void parley_room_producer_republish_consumers_locked(room_ctx *ctx, room_producer *p)
{
	GPtrArray *array = g_ptr_array_new();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->consumers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_consumer *c = value;
		if (c->producer == p && !g_atomic_int_get(&c->closed))
			g_ptr_array_add(array, parley_room_consumer_copy(c));
	}
	parley_room_snapshot_publish_array(&p->consumers, array);
	schedule_reclaim(ctx, p);
}

void parley_room_publish_producer_snapshot_locked(room_ctx *ctx, room_handle *handle, room_peer *peer)
{
	(void)ctx;
	int top = -1;
	for (guint i = 0; peer != NULL && i < peer->producers->len; i++) {
		room_producer *p = peer->producers->pdata[i];
		if (p->mindex > top)
			top = p->mindex;
	}
	room_snapshot_items *items = parley_room_snapshot_items_new((guint)(top + 1));
	for (guint i = 0; peer != NULL && i < peer->producers->len; i++) {
		room_producer *p = peer->producers->pdata[i];
		if (p->mindex >= 0 && items->items[p->mindex] == NULL)
			items->items[p->mindex] = parley_room_producer_copy(p);
	}
	parley_room_snapshot_publish(&handle->producers, items);
}

/* A receive transport's consumers: no slots, the peer's params consumers
 * (RTCP finds them by SSRC). */
static void publish_params_consumers(room_handle *handle, room_peer *peer)
{
	GPtrArray *array = g_ptr_array_new();
	for (guint i = 0; peer != NULL && i < peer->consumers->len; i++) {
		room_consumer *c = peer->consumers->pdata[i];
		if (c->params && !g_atomic_int_get(&c->closed))
			g_ptr_array_add(array, parley_room_consumer_copy(c));
	}
	parley_room_snapshot_publish_array(&handle->consumers, array);
}

void parley_room_publish_consumer_snapshot_locked(room_ctx *ctx, room_handle *handle, room_peer *peer)
{
	(void)ctx;
	if (handle->params) {
		publish_params_consumers(handle, peer);
		return;
	}
	guint n = peer != NULL ? handle->slots->len : 0;
	room_snapshot_items *items = parley_room_snapshot_items_new(n);
	for (guint i = 0; i < n; i++) {
		room_slot *slot = &g_array_index(handle->slots, room_slot, i);
		if (slot->consumer != NULL)
			items->items[i] = parley_room_consumer_copy(slot->consumer);
	}
	parley_room_snapshot_publish(&handle->consumers, items);
}

/* A consumer of `p` for `peer` on its subscriber handle at m-line `mindex`:
 * the fields both kinds share (id, references, layers unset). The caller
 * sets its mid, SSRC, payload type and extension ids, then adds it. */
static room_consumer *consumer_new(room_ctx *ctx, room_peer *peer, room_producer *p, int mindex)
{
	room_consumer *c = g_new0(room_consumer, 1);
	c->refs = 1;
	c->core = ctx->core;
	do
		parley_room_random_id(c->id, ROOM_OBJECT_ID_LEN);
	while (g_hash_table_contains(ctx->consumers, c->id));
	g_strlcpy(c->peer_id, peer->id, sizeof(c->peer_id));
	c->producer = parley_room_producer_copy(p);
	c->session = peer->subscriber->session;
	if (ctx->core->handle_ref != NULL)
		ctx->core->handle_ref(c->session);
	c->mindex = mindex;
	c->preferred_layer = -1;
	c->preferred_temporal = -1;
	c->layer = -1;
	c->target_layer = -1;
	c->stats_ms = ctx->now_ms();
	return c;
}

/* Starts its rewriting at its SSRC (continuing `after`'s numbering when
 * given) and lists it: the peer's and the room's tables, the producer's
 * consumers and the subscriber's snapshot. */
static void consumer_add_locked(room_ctx *ctx, room_peer *peer, room_consumer *c, const room_rewriter *after)
{
	parley_room_rewriter_init(&c->rw, c->out_ssrc, c->producer->codec.clock_rate);
	if (after != NULL) {
		c->rw.started = true;
		c->rw.rebase = true;
		c->rw.last_out_seq = after->last_out_seq;
		c->rw.last_out_ts = after->last_out_ts;
		c->rw.last_us = after->last_us;
		c->rw.segments = after->segments;
	}
	g_ptr_array_add(peer->consumers, c);   /* the peer's reference */
	g_hash_table_insert(ctx->consumers, c->id, c);
	parley_room_producer_republish_consumers_locked(ctx, c->producer);
	parley_room_publish_consumer_snapshot_locked(ctx, peer->subscriber, peer);
}

void parley_room_request_keyframe(room_ctx *ctx, room_producer *p, int64_t now_us)
{
	if (p->kind != ROOM_KIND_VIDEO || p->session == NULL || ctx->core->send_pli == NULL)
		return;
	gint64 last = ROOM_LOAD64(&p->last_pli_us);
	if (last != 0 && now_us - last < (int64_t)ctx->cfg.pli_interval_ms * 1000) {
		/* not dropped: the publisher's next packet after the interval sends
		 * it (a subscriber that never asks again still gets its keyframe) */
		g_atomic_int_set(&p->pli_pending, 1);
		return;
	}
	if (!__atomic_compare_exchange_n(&p->last_pli_us, &last, now_us, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;   /* another loop asked at the same moment */
	g_atomic_int_set(&p->pli_pending, 0);
	g_atomic_int_inc(&p->plis_sent);
	ctx->core->send_pli(p->session, p->mindex);
}

room_consumer *parley_room_consume_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, room_producer *p,
                                          bool paused, parley_plugin_error *error)
{
	room_handle *sub = peer->subscriber;
	if (sub == NULL) {
		parley_plugin_error_set(error, ROOM_ERR_NOT_JOINED,
		                        "attach a subscriber handle first (request attachSubscriber)");
		return NULL;
	}
	if (strcmp(p->room_id, peer->room_id) != 0 || g_atomic_int_get(&p->closed)) {
		parley_plugin_error_set(error, ROOM_ERR_NOT_FOUND, "no such producer in this room");
		return NULL;
	}
	if (sub->params) {
		parley_plugin_error_set(error, ROOM_ERR_CONFLICT,
		                        "the peer receives through a mediasoup transport: consume with rtpCapabilities");
		return NULL;
	}
	for (guint i = 0; i < peer->consumers->len; i++) {
		room_consumer *c = peer->consumers->pdata[i];
		if (c->producer == p)
			return c;   /* consuming it already */
	}
	/* A fresh m-line while the subscriber has fewer than subscriber_mlines;
	 * past that budget an inactive m-line of the same kind is recycled. A
	 * recycled m-line carries a new SSRC, which browsers follow but some
	 * clients do not (aiortc registers a transceiver's SSRCs for routing
	 * once, at its first negotiation): see README.md, "m-line reuse". */
	int index = -1;
	for (guint i = 0; sub->slots->len >= ctx->cfg.mline_budget && i < sub->slots->len; i++) {
		room_slot *slot = &g_array_index(sub->slots, room_slot, i);
		if (slot->consumer == NULL && slot->kind == p->kind) {
			index = (int)i;
			break;
		}
	}
	if (index < 0) {
		if (sub->slots->len >= ROOM_MAX_MLINES) {
			parley_plugin_error_set(error, ROOM_ERR_FULL, "the subscriber's PeerConnection has too many m-lines");
			return NULL;
		}
		room_slot fresh = {.kind = p->kind};
		g_snprintf(fresh.mid, sizeof(fresh.mid), "%u", sub->slots->len);
		g_array_append_val(sub->slots, fresh);
		index = (int)sub->slots->len - 1;
	}
	room_slot *slot = &g_array_index(sub->slots, room_slot, index);
	room_consumer *c = consumer_new(ctx, peer, p, index);
	g_strlcpy(c->mid, slot->mid, sizeof(c->mid));
	c->out_ssrc = parley_room_random_u32();
	c->out_pt = p->out_pt;
	c->ext_mid = 1;
	c->ext_level = 2;
	c->ext_abs = 3;
	c->paused = paused;
	c->held = sub->pc_lost;   /* its pc ended: sent once restartIce made a new one */
	slot->consumer = parley_room_consumer_copy(c);
	slot->codec = p->codec;
	slot->ssrc = c->out_ssrc;
	consumer_add_locked(ctx, peer, c, NULL);
	(void)box;   /* the caller sends the offer once for a batch of consumers */
	return c;
}

room_consumer *parley_room_consume_slot_locked(room_ctx *ctx, room_peer *peer, room_producer *p, guint index)
{
	room_handle *sub = peer->subscriber;
	int codec = parley_room_codec_index(p->codec.name);
	if (sub == NULL || index >= sub->slots->len || codec < 0)
		return NULL;
	room_slot *slot = &g_array_index(sub->slots, room_slot, index);
	if (!slot->fixed || !slot->usable || slot->consumer != NULL || slot->kind != p->kind || slot->pts[codec] == 0)
		return NULL;
	room_consumer *c = consumer_new(ctx, peer, p, (int)index);
	g_strlcpy(c->mid, slot->mid, sizeof(c->mid));
	c->out_ssrc = slot->ssrc;
	c->out_pt = slot->pts[codec];
	c->ext_mid = slot->ext_mid;
	c->ext_level = slot->ext_level;
	c->ext_abs = slot->ext_abs;
	if (peer->layer >= 0) {
		c->preferred_layer = peer->layer;
		c->layer_pinned = true;
	}
	slot->consumer = parley_room_consumer_copy(c);
	slot->codec = p->codec;
	/* the m-line's numbering continues where its previous producer's ended */
	consumer_add_locked(ctx, peer, c, slot->has_last ? &slot->last : NULL);
	return c;
}

room_consumer *parley_room_consume_params_locked(room_ctx *ctx, room_peer *peer, room_producer *p, int mindex,
                                                 json_t *rtp_parameters)
{
	room_consumer *c = consumer_new(ctx, peer, p, mindex);
	c->params = true;
	c->rtp_parameters = json_deep_copy(rtp_parameters);
	parley_room_params_fill_consumer(c, rtp_parameters);
	c->paused = 1;   /* as mediasoup: the client resumes it once its consumer is set up */
	consumer_add_locked(ctx, peer, c, NULL);
	return c;
}

void parley_room_consumer_close_locked(room_ctx *ctx, room_outbox *box, room_consumer *c)
{
	if (g_atomic_int_get(&c->closed))
		return;
	g_atomic_int_set(&c->closed, 1);
	g_hash_table_remove(ctx->consumers, c->id);
	parley_room_producer_republish_consumers_locked(ctx, c->producer);
	room_peer *peer = peer_of(ctx, c->producer->room_id, c->peer_id);
	if (peer == NULL) {
		parley_room_consumer_unref(c);
		return;
	}
	room_handle *sub = peer->subscriber;
	if (c->params) {
		/* the receive transport's stream ends (its mindex may be reused) */
		parley_room_outbox_action(ctx, box, c->session, ROOM_ACTION_CLOSE_STREAM, c->mindex);
		if (g_ptr_array_remove(peer->consumers, c))
			parley_room_consumer_unref(c);
		if (sub != NULL && sub->params)
			parley_room_publish_consumer_snapshot_locked(ctx, sub, peer);
		return;
	}
	bool refill = false;
	if (sub != NULL && c->mindex >= 0 && (guint)c->mindex < sub->slots->len) {
		room_slot *slot = &g_array_index(sub->slots, room_slot, c->mindex);
		if (slot->consumer == c) {
			slot->consumer = NULL;
			if (slot->fixed) {
				/* the next producer on this m-line continues its numbering (the
				 * publisher's loop may still be finishing a packet of c: at worst
				 * the next consumer starts one number early, a duplicate) */
				slot->last = c->rw;
				slot->has_last = c->rw.started;
			}
			parley_room_consumer_unref(c);
			parley_room_publish_consumer_snapshot_locked(ctx, sub, peer);
			if (sub->whep)
				refill = true;   /* another producer takes the m-line, no renegotiation */
			else
				parley_room_subscriber_offer_locked(ctx, box, peer);   /* the m-line goes inactive */
		}
	}
	if (g_ptr_array_remove(peer->consumers, c))
		parley_room_consumer_unref(c);
	if (refill)
		parley_room_whep_refill_locked(ctx, box, peer);
}

void parley_room_producer_tell_consumers_locked(room_ctx *ctx, room_outbox *box, room_producer *p, const char *name)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->consumers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_consumer *c = value;
		room_peer *peer = c->producer == p ? peer_of(ctx, p->room_id, c->peer_id) : NULL;
		if (peer != NULL && peer->main != NULL)
			parley_room_outbox_emit_new(ctx, box, peer->main, name,
			                            json_pack("{s:s, s:s, s:s}", "consumerId", c->id, "producerId", p->id,
			                                      "peerId", p->peer_id));
	}
}

void parley_room_producer_close_locked(room_ctx *ctx, room_outbox *box, room_producer *p, bool notify)
{
	if (g_atomic_int_get(&p->closed))
		return;
	g_atomic_int_set(&p->closed, 1);
	if (notify)
		parley_room_producer_tell_consumers_locked(ctx, box, p, "consumerClosed");
	GList *consumers = g_hash_table_get_values(ctx->consumers);
	for (GList *l = consumers; l != NULL; l = l->next) {
		room_consumer *c = l->data;
		if (c->producer == p)
			parley_room_consumer_close_locked(ctx, box, c);
	}
	g_list_free(consumers);
	g_hash_table_remove(ctx->producers, p->id);
	parley_room_notify_track_locked(ctx, box, p, "track_unpublished");
	if (p->params)
		parley_room_outbox_action(ctx, box, p->session, ROOM_ACTION_CLOSE_STREAM, p->mindex);
	room_room *room = parley_room_lookup_locked(ctx, p->room_id);
	room_peer *owner = room != NULL ? g_hash_table_lookup(room->peers, p->peer_id) : NULL;
	if (notify && room != NULL) {
		json_t *closed = json_pack("{s:s, s:s}", "producerId", p->id, "peerId", p->peer_id);
		parley_room_outbox_broadcast(ctx, box, room, NULL, "producerClosed", closed);
		json_decref(closed);
	}
	if (owner != NULL && g_ptr_array_remove(owner->producers, p)) {
		if (owner->main != NULL)
			parley_room_publish_producer_snapshot_locked(ctx, owner->main, owner);
		parley_room_producer_unref(p);
	}
}

static const char *const kind_names[] = {[ROOM_KIND_AUDIO] = "audio", [ROOM_KIND_VIDEO] = "video"};

void parley_room_notify_track_locked(room_ctx *ctx, room_outbox *box, room_producer *p, const char *name)
{
	parley_room_outbox_notify_new(ctx, box, p->session,
	                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "event", name, "room", p->room_id,
	                                        "participant", p->peer_id, "track", p->id, "kind", kind_names[p->kind],
	                                        "source", p->source, "layers", (int)p->layers));
}

json_t *parley_room_producer_to_json(const room_producer *p)
{
	json_t *metadata = json_deep_copy(p->metadata);
	json_object_set_new(metadata, "source", json_string(p->source));
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:b, s:i, s:f}", "producerId", p->id, "peerId", p->peer_id,
	                 "kind", kind_names[p->kind], "metadata", metadata, "mid", p->mid, "codec", p->codec.name,
	                 "paused", g_atomic_int_get((gint *)&p->paused) != 0, "layers", (int)p->layers,
	                 "bitrate", p->bitrate);
}

json_t *parley_room_consumer_to_json(const room_consumer *c)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:i, s:f, s:f, s:I, s:I}", "consumerId", c->id,
	                 "producerId", c->producer->id, "peerId", c->producer->peer_id, "kind",
	                 kind_names[c->producer->kind], "mid", c->mid, "paused",
	                 g_atomic_int_get((gint *)&c->paused) != 0, "layer", g_atomic_int_get((gint *)&c->layer),
	                 "preferredLayer", g_atomic_int_get((gint *)&c->preferred_layer), "bitrate", c->bitrate,
	                 "loss", g_atomic_int_get((gint *)&c->loss) / 256.0, "packets",
	                 (json_int_t)ROOM_LOAD64((gint64 *)&c->packets), "dropped",
	                 (json_int_t)ROOM_LOAD64((gint64 *)&c->dropped));
}
