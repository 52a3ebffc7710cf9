/*
 * plugins/room/stats.c — per room, peer, producer and consumer figures
 * (bitrate over the last stats window, packets, loss as reported by the
 * subscriber, simulcast layer and its resolution) for getRoomInfo and the
 * admin API, and the periodic REMB each publisher gets: for a
 * single-layer video stream the minimum of its subscribers' estimates,
 * capped at [media] max_bitrate; for simulcast the cap (subscribers who
 * cannot take the top layer get a lower one instead).
 */
#include <string.h>

#include "room.h"

static double window_bitrate(gint64 bytes, gint64 *stats_bytes, int64_t *stats_ms, int64_t now_ms)
{
	int64_t elapsed = now_ms - *stats_ms;
	if (elapsed <= 0)
		return -1;
	double bps = (double)(bytes - *stats_bytes) * 8000.0 / (double)elapsed;
	*stats_bytes = bytes;
	*stats_ms = now_ms;
	return bps;
}

void parley_room_stats_tick(room_ctx *ctx, int64_t now_ms)
{
	g_mutex_lock(&ctx->lock);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->producers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_producer *p = value;
		double bps = window_bitrate(ROOM_LOAD64(&p->bytes), &p->stats_bytes, &p->stats_ms, now_ms);
		if (bps >= 0)
			p->bitrate = bps;
	}
	g_hash_table_iter_init(&it, ctx->consumers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_consumer *c = value;
		double bps = window_bitrate(ROOM_LOAD64(&c->bytes), &c->stats_bytes, &c->stats_ms, now_ms);
		if (bps >= 0)
			c->bitrate = bps;
	}
	g_mutex_unlock(&ctx->lock);
}

void parley_room_remb_tick(room_ctx *ctx)
{
	if (ctx->core->send_remb == NULL)
		return;
	typedef struct { parley_plugin_session *session; uint32_t bitrate; } remb_job;
	GArray *jobs = g_array_new(FALSE, FALSE, sizeof(remb_job));
	g_mutex_lock(&ctx->lock);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, ctx->producers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_producer *p = value;
		if (p->kind != ROOM_KIND_VIDEO || p->session == NULL)
			continue;
		uint32_t bitrate = ctx->cfg.max_bitrate;
		if (p->layers <= 1) {
			room_snapshot_items *cs = g_atomic_pointer_get(&p->consumers.current);
			for (guint i = 0; cs != NULL && i < cs->n; i++) {
				room_consumer *c = cs->items[i];
				gint estimate = g_atomic_int_get(&c->remb);
				if (estimate > 0 && (uint32_t)estimate < bitrate && !g_atomic_int_get(&c->paused))
					bitrate = (uint32_t)estimate;
			}
		}
		remb_job job = {p->session, bitrate};
		ctx->core->handle_ref(p->session);
		g_array_append_val(jobs, job);
	}
	g_mutex_unlock(&ctx->lock);
	for (guint i = 0; i < jobs->len; i++) {
		remb_job *job = &g_array_index(jobs, remb_job, i);
		ctx->core->send_remb(job->session, job->bitrate);
		ctx->core->handle_unref(job->session);
	}
	g_array_free(jobs, TRUE);
}

json_t *parley_room_room_stats_locked(room_ctx *ctx, room_room *room)
{
	double in = 0, out = 0;
	unsigned producers = 0, consumers = 0;
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->peers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_peer *peer = value;
		for (guint i = 0; i < peer->producers->len; i++, producers++)
			in += ((room_producer *)peer->producers->pdata[i])->bitrate;
		for (guint i = 0; i < peer->consumers->len; i++, consumers++)
			out += ((room_consumer *)peer->consumers->pdata[i])->bitrate;
	}
	(void)ctx;
	return json_pack("{s:f, s:f, s:i, s:i}", "bitrateIn", in, "bitrateOut", out, "producers", (int)producers,
	                 "consumers", (int)consumers);
}

static json_t *layers_json(room_producer *p)
{
	json_t *layers = json_array();
	for (unsigned l = 0; l < p->layers; l++)
		json_array_append_new(layers, json_pack("{s:i, s:i, s:i, s:I}", "layer", (int)l, "width",
		                                        (int)p->layer_width[l], "height", (int)p->layer_height[l],
		                                        "bytes", (json_int_t)ROOM_LOAD64(&p->layer_bytes[l])));
	return layers;
}

json_t *parley_room_room_info_locked(room_ctx *ctx, room_room *room, bool with_stats)
{
	json_t *peers = json_array();
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->peers);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		room_peer *peer = value;
		json_t *view = parley_room_peer_to_json_locked(ctx, peer, with_stats);
		if (with_stats) {
			json_t *producers = json_object_get(view, "producers");
			for (guint i = 0; i < peer->producers->len; i++) {
				room_producer *p = peer->producers->pdata[i];
				json_t *pv = json_array_get(producers, i);
				json_object_set_new(pv, "packets", json_integer(ROOM_LOAD64(&p->packets)));
				json_object_set_new(pv, "plis", json_integer(g_atomic_int_get(&p->plis_sent)));
				if (p->kind == ROOM_KIND_VIDEO)
					json_object_set_new(pv, "simulcast", layers_json(p));
			}
		}
		json_array_append_new(peers, view);
	}
	json_t *info = json_pack("{s:s, s:i, s:i, s:O, s:o}", "roomId", room->id, "peerCount",
	                         (int)g_hash_table_size(room->peers), "maxParticipants", room->max_participants,
	                         "metadata", room->metadata, "peers", peers);
	if (with_stats)
		json_object_set_new(info, "stats", parley_room_room_stats_locked(ctx, room));
	json_object_set_new(info, "viewerCount", json_integer(g_hash_table_size(room->viewers)));
	if (with_stats) {
		/* WHEP players: what each of their m-lines plays */
		json_t *viewers = json_array();
		g_hash_table_iter_init(&it, room->viewers);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			room_peer *viewer = value;
			json_t *consumers = json_array();
			for (guint i = 0; i < viewer->consumers->len; i++)
				json_array_append_new(consumers, parley_room_consumer_to_json(viewer->consumers->pdata[i]));
			json_array_append_new(viewers, json_pack("{s:s, s:s, s:i, s:I, s:o}", "peerId", viewer->id, "follow",
			                                         viewer->follow, "layer", viewer->layer, "joinedFor",
			                                         (json_int_t)((ctx->now_ms() - viewer->joined_ms) / 1000),
			                                         "consumers", consumers));
		}
		json_object_set_new(info, "viewers", viewers);
	}
	if (room->active_speaker[0] != '\0')
		json_object_set_new(info, "activeSpeaker", json_string(room->active_speaker));
	return info;
}
