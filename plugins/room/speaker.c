/*
 * plugins/room/speaker.c — active speaker detection from the publishers'
 * ssrc-audio-level (RFC 6464): each audio packet adds its level to its
 * producer's window (publisher's loop, atomics); every speaker_interval_ms
 * the timer picks, per room, the peer with the loudest average level above
 * speaker_threshold and tells the room activeSpeaker {peerId, volume} when
 * it changed. volume is in dBov (0 loudest, negative quieter).
 */
#include <string.h>

#include "room.h"

void parley_room_speaker_sample(room_producer *p, int level, bool voice)
{
	(void)voice;
	if (level < 0 || level > 127)
		return;
	g_atomic_int_add(&p->level_sum, level);
	g_atomic_int_inc(&p->level_count);
}

void parley_room_speaker_tick(room_ctx *ctx)
{
	room_outbox box;
	parley_room_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	GHashTableIter rooms;
	gpointer value;
	g_hash_table_iter_init(&rooms, ctx->rooms);
	while (g_hash_table_iter_next(&rooms, NULL, &value)) {
		room_room *room = value;
		const char *loudest = NULL;
		int best = 128;
		GHashTableIter peers;
		gpointer pv;
		g_hash_table_iter_init(&peers, room->peers);
		while (g_hash_table_iter_next(&peers, NULL, &pv)) {
			room_peer *peer = pv;
			for (guint i = 0; i < peer->producers->len; i++) {
				room_producer *p = peer->producers->pdata[i];
				if (p->kind != ROOM_KIND_AUDIO)
					continue;
				int count = g_atomic_int_and(&p->level_count, 0);
				int sum = g_atomic_int_and(&p->level_sum, 0);
				if (count <= 0 || g_atomic_int_get(&p->paused))
					continue;
				int average = sum / count;
				if (average <= ctx->cfg.speaker_threshold && average < best) {
					best = average;
					loudest = peer->id;
				}
			}
		}
		if (loudest != NULL && strcmp(loudest, room->active_speaker) != 0) {
			g_strlcpy(room->active_speaker, loudest, sizeof(room->active_speaker));
			json_t *event = json_pack("{s:s, s:i}", "peerId", loudest, "volume", -best);
			parley_room_outbox_broadcast(ctx, &box, room, NULL, "activeSpeaker", event);
			json_decref(event);
		}
	}
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
}
