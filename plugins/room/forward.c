/*
 * plugins/room/forward.c — the per-packet path, on the publisher's loop:
 * find the producer by m-line (snapshot read, no lock), count, feed the
 * speaker detector, inspect the video payload once, then for every
 * consumer of the producer choose the simulcast layer (switching only on a
 * keyframe of the target layer, asking the publisher for one, rate
 * limited), drop VP8 temporal layers above the subscriber's choice, map
 * ssrc/seq/ts through the consumer's rewriting context and build the
 * outgoing packet in the producer's scratch buffer: the consumer's payload
 * type and header extensions (mid, audio level, abs-send-time copied from
 * the publisher; our ids on an SDP m-line, the declared ones on a
 * receive transport), then core->relay_rtp to the subscriber's handle (skipped
 * while the subscriber's pc is gone: held consumers). Nothing is
 * allocated and no lock is taken per packet.
 */
#include <string.h>

#include "room.h"

/* Writes the outgoing packet into `out`: the consumer's payload type and
 * header extension ids (mid, audio level, abs-send-time; an id 0 is not
 * written). Its length, or 0 when it does not fit. */
static size_t build_packet(uint8_t *out, const uint8_t *in, const parley_util_rtp_info *view, const room_consumer *c,
                           uint16_t seq, uint32_t ts, const parley_rtp_packet *packet, const uint8_t *abs_send_time)
{
	size_t csrc_len = 4u * (in[0] & 0x0f);
	size_t mid_len = c->ext_mid != 0 ? strlen(c->mid) : 0;
	bool level = !packet->video && packet->audio_level >= 0 && c->ext_level != 0;
	bool abs = abs_send_time != NULL && c->ext_abs != 0;
	size_t ext_len = (mid_len > 0 ? 1 + mid_len : 0) + (level ? 2 : 0) + (abs ? 4 : 0);
	size_t ext_words = (ext_len + 3) / 4;
	size_t total = 12 + csrc_len + (ext_words > 0 ? 4 + 4 * ext_words : 0) + view->payload_len;
	if (total > ROOM_SCRATCH || (c->ext_mid != 0 && mid_len == 0) || mid_len > 16 || c->ext_mid > 14 ||
	    c->ext_level > 14 || c->ext_abs > 14)
		return 0;
	out[0] = (uint8_t)(0x80 | (ext_words > 0 ? 0x10 : 0) | (in[0] & 0x0f));   /* V=2, no padding, X, CC */
	out[1] = (uint8_t)((in[1] & 0x80) | (c->out_pt & 0x7f));
	parley_util_rtp_set_seq(out, seq);
	parley_util_rtp_set_ts(out, ts);
	parley_util_rtp_set_ssrc(out, c->out_ssrc);
	memcpy(out + 12, in + 12, csrc_len);
	uint8_t *e = out + 12 + csrc_len;
	if (ext_words > 0) {
		uint8_t *ext = e;
		ext[0] = 0xBE;
		ext[1] = 0xDE;
		ext[2] = (uint8_t)(ext_words >> 8);
		ext[3] = (uint8_t)ext_words;
		e = ext + 4;
		if (mid_len > 0) {
			*e++ = (uint8_t)((c->ext_mid << 4) | (mid_len - 1));
			memcpy(e, c->mid, mid_len);
			e += mid_len;
		}
		if (level) {
			*e++ = (uint8_t)(c->ext_level << 4);
			*e++ = (uint8_t)((packet->voice_activity ? 0x80 : 0) | (packet->audio_level & 0x7f));
		}
		if (abs) {
			*e++ = (uint8_t)((c->ext_abs << 4) | 2);
			memcpy(e, abs_send_time, 3);
			e += 3;
		}
		while (e < ext + 4 + 4 * ext_words)
			*e++ = 0;
	}
	memcpy(e, in + view->payload_offset, view->payload_len);
	return total;
}

typedef struct packet_facts {
	const uint8_t *buf;
	parley_util_rtp_info view;
	parley_rtp_packet *packet;
	int layer;
	unsigned active_mask;
	parley_util_keyframe_facts info;
	const uint8_t *abs_send_time;
	int64_t now_us;
} packet_facts;

/* Video: may this packet go to `c` (layer choice and switching)? */
static bool video_admits(room_ctx *ctx, room_producer *p, room_consumer *c, const packet_facts *f)
{
	room_layer_input in = {
		.layers = p->layers,
		.active_mask = f->active_mask,
		.preferred = g_atomic_int_get(&c->preferred_layer),
		.estimate = (uint32_t)g_atomic_int_get(&c->remb),
		.auto_layers = ctx->cfg.auto_layers && !c->layer_pinned,
		.layer_bitrates = ctx->cfg.layer_bitrates,
	};
	int target = parley_room_layer_choose(&in);
	int current = g_atomic_int_get(&c->layer);
	c->target_layer = target;
	if (f->layer != current) {
		if (f->layer != target)
			return false;
		if (!f->info.keyframe) {
			parley_room_request_keyframe(ctx, p, f->now_us);
			return false;
		}
		/* a keyframe of the target layer: switch here */
		g_atomic_int_set(&c->layer, f->layer);
		c->last_switch_us = f->now_us;
		parley_room_rewriter_switch(&c->rw);
	} else if (target >= 0 && target != current) {
		parley_room_request_keyframe(ctx, p, f->now_us);   /* keep sending until the switch */
	}
	int temporal = g_atomic_int_get(&c->preferred_temporal);
	if (f->info.temporal >= 0 && temporal >= 0 && f->info.temporal > temporal) {
		parley_room_rewriter_drop(&c->rw, f->view.ssrc, f->view.seq);
		ROOM_ADD64(&c->dropped, 1);
		return false;
	}
	return true;
}

static void forward_one(room_ctx *ctx, room_producer *p, room_consumer *c, const packet_facts *f)
{
	if (g_atomic_int_get(&c->closed) || g_atomic_int_get(&c->paused) || g_atomic_int_get(&c->held))
		return;
	if (g_atomic_int_get(&c->resync)) {
		g_atomic_int_set(&c->resync, 0);
		parley_room_rewriter_switch(&c->rw);
		if (p->kind == ROOM_KIND_VIDEO)
			g_atomic_int_set(&c->layer, -1);   /* restart on a keyframe */
	}
	if (p->kind == ROOM_KIND_VIDEO) {
		gint64 again = ROOM_LOAD64(&c->keyframe_again_us);
		if (again != 0 && f->now_us >= again) {
			ROOM_STORE64(&c->keyframe_again_us, 0);
			parley_room_request_keyframe(ctx, p, f->now_us);
		}
		if (!video_admits(ctx, p, c, f))
			return;
	}
	uint16_t seq;
	uint32_t ts;
	if (parley_room_rewriter_map(&c->rw, f->view.ssrc, f->view.seq, f->view.ts, f->now_us, &seq, &ts) !=
	    ROOM_REWRITE_OK)
		return;
	size_t len = build_packet(p->scratch, f->buf, &f->view, c, seq, ts, f->packet, f->abs_send_time);
	if (len == 0) {
		ROOM_ADD64(&c->dropped, 1);
		return;
	}
	parley_rtp_packet out = {
		.buffer = (char *)p->scratch,
		.length = (uint16_t)len,
		.mindex = (uint8_t)c->mindex,
		.video = f->packet->video,
		.simulcast_layer = 0,
		.audio_level = f->packet->audio_level,
		.voice_activity = f->packet->voice_activity,
	};
	if (ctx->core->relay_rtp(c->session, &out) == 0) {
		ROOM_ADD64(&c->packets, 1);
		ROOM_ADD64(&c->bytes, (gint64)len);
		ROOM_ADD64(&ctx->packets_forwarded, 1);
	}
}

void parley_room_incoming_rtp(room_ctx *ctx, room_handle *handle, parley_rtp_packet *packet)
{
	ROOM_ADD64(&handle->traffic, 1);
	room_snapshot_items *producers = parley_room_snapshot_read(&handle->producers);
	if (producers == NULL || packet == NULL || packet->buffer == NULL || packet->mindex >= producers->n)
		return;
	room_producer *p = producers->items[packet->mindex];
	if (p == NULL || g_atomic_int_get(&p->closed))
		return;
	packet_facts f = {.buf = (const uint8_t *)packet->buffer, .packet = packet};
	if (parley_util_rtp_parse(f.buf, packet->length, &f.view) != 0)
		return;
	f.layer = packet->simulcast_layer < p->layers ? packet->simulcast_layer : (int)p->layers - 1;
	f.now_us = ctx->now_us();
	ROOM_ADD64(&p->packets, 1);
	ROOM_ADD64(&p->bytes, (gint64)packet->length);
	ROOM_ADD64(&p->layer_bytes[f.layer], (gint64)packet->length);
	p->layer_seen_us[f.layer] = f.now_us;
	if (g_atomic_int_get(&p->paused))
		return;
	if (g_atomic_int_get(&p->pli_pending))
		parley_room_request_keyframe(ctx, p, f.now_us);   /* a deferred request, once its interval ended */
	if (p->kind == ROOM_KIND_AUDIO) {
		if (packet->audio_level >= 0)
			parley_room_speaker_sample(p, packet->audio_level, packet->voice_activity);
	} else {
		parley_util_keyframe_inspect(p->codec.codec, f.buf + f.view.payload_offset, f.view.payload_len, &f.info);
		if (f.info.keyframe && f.info.width != 0) {
			p->layer_width[f.layer] = f.info.width;
			p->layer_height[f.layer] = f.info.height;
		}
		for (unsigned l = 0; l < p->layers; l++)
			if (p->layer_seen_us[l] != 0 && f.now_us - p->layer_seen_us[l] < ROOM_LAYER_STALE_US)
				f.active_mask |= 1u << l;
	}
	size_t abs_len = 0;
	if (parley_util_rtp_ext_find(f.buf, &f.view, p->ext_abs_send_time, &f.abs_send_time, &abs_len) != 0 ||
	    abs_len != 3)
		f.abs_send_time = NULL;
	room_snapshot_items *consumers = parley_room_snapshot_read(&p->consumers);
	for (guint i = 0; consumers != NULL && i < consumers->n; i++)
		forward_one(ctx, p, consumers->items[i], &f);
}
