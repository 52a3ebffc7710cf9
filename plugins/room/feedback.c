/*
 * plugins/room/feedback.c — RTCP from a subscriber, on the subscriber's
 * loop: PLI and FIR become a (rate-limited) keyframe request to the
 * publisher; REMB estimates are kept per consumer (they drive the
 * automatic layer choice and the publisher's aggregated REMB); receiver
 * reports give each consumer's loss. NACKs and transport-cc are handled by
 * the core. The consumer is found by the SSRC we send it with (snapshot of
 * the subscriber handle, no lock).
 */
#include <string.h>

#include "room.h"

#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_RTPFB 205
#define RTCP_PSFB 206

static uint32_t read32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static room_consumer *consumer_by_ssrc(room_snapshot_items *consumers, uint32_t ssrc)
{
	for (guint i = 0; consumers != NULL && i < consumers->n; i++) {
		room_consumer *c = consumers->items[i];
		if (c != NULL && c->out_ssrc == ssrc)
			return c;
	}
	return NULL;
}

static void report_blocks(room_snapshot_items *consumers, const uint8_t *blocks, size_t len, unsigned count)
{
	for (unsigned i = 0; i < count && (i + 1) * 24 <= len; i++) {
		const uint8_t *b = blocks + i * 24;
		room_consumer *c = consumer_by_ssrc(consumers, read32(b));
		if (c != NULL)
			g_atomic_int_set(&c->loss, b[4]);
	}
}

/* REMB (draft-alvestrand-rmcat-remb): "REMB", count, exp/mantissa, ssrcs.
 * The estimate covers every listed stream: each video consumer gets its share. */
static void remb(room_snapshot_items *consumers, const uint8_t *fci, size_t len)
{
	if (len < 8 || memcmp(fci, "REMB", 4) != 0)
		return;
	unsigned n = fci[4];
	unsigned exp = fci[5] >> 2;
	uint64_t mantissa = ((uint64_t)(fci[5] & 0x03) << 16) | ((uint64_t)fci[6] << 8) | fci[7];
	uint64_t bitrate = exp > 40 ? UINT32_MAX : mantissa << exp;
	if (bitrate > INT32_MAX)
		bitrate = INT32_MAX;
	room_consumer *listed[ROOM_MAX_MLINES];
	unsigned videos = 0;
	for (unsigned i = 0; i < n && 8 + (i + 1) * 4 <= len && videos < ROOM_MAX_MLINES; i++) {
		room_consumer *c = consumer_by_ssrc(consumers, read32(fci + 8 + i * 4));
		if (c != NULL && c->producer->kind == ROOM_KIND_VIDEO)
			listed[videos++] = c;
	}
	for (unsigned i = 0; i < videos; i++)
		g_atomic_int_set(&listed[i]->remb, (gint)(bitrate / videos));
}

void parley_room_incoming_rtcp(room_ctx *ctx, room_handle *handle, parley_rtcp_packet *packet)
{
	ROOM_ADD64(&handle->traffic, 1);
	if (packet == NULL || packet->buffer == NULL)
		return;
	room_snapshot_items *consumers = parley_room_snapshot_read(&handle->consumers);
	if (consumers == NULL)
		return;
	const uint8_t *buf = (const uint8_t *)packet->buffer;
	size_t len = packet->length;
	int64_t now_us = ctx->now_us();
	for (size_t off = 0, guard = 0; off + 8 <= len && guard < 64; guard++) {
		const uint8_t *h = buf + off;
		if ((h[0] >> 6) != 2)
			return;
		size_t size = 4 * ((size_t)((h[2] << 8) | h[3]) + 1);
		if (off + size > len)
			return;
		unsigned fmt = h[0] & 0x1f;
		switch (h[1]) {
		case RTCP_SR:
			if (size >= 28)
				report_blocks(consumers, h + 28, size - 28, fmt);
			break;
		case RTCP_RR:
			report_blocks(consumers, h + 8, size - 8, fmt);
			break;
		case RTCP_PSFB:
			if (fmt == 1 && size >= 12) {          /* PLI */
				room_consumer *c = consumer_by_ssrc(consumers, read32(h + 8));
				if (c != NULL)
					parley_room_request_keyframe(ctx, c->producer, now_us);
			} else if (fmt == 4 && size >= 20) {   /* FIR: the target is in the FCI */
				room_consumer *c = consumer_by_ssrc(consumers, read32(h + 12));
				if (c != NULL)
					parley_room_request_keyframe(ctx, c->producer, now_us);
			} else if (fmt == 15 && size >= 12) {  /* application layer: REMB */
				remb(consumers, h + 12, size - 12);
			}
			break;
		default:
			break;
		}
		off += size;
	}
}
