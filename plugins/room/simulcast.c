/*
 * plugins/room/simulcast.c — which simulcast layer a subscriber gets, and
 * the payload inspection behind layer switches: a switch happens only on
 * a keyframe of the target layer; VP8 temporal layers above the target are
 * dropped (RFC 7741 payload descriptor); keyframe dimensions are kept for
 * stats. VP9 (draft-ietf-payload-vp9), H.264 (RFC 6184) and AV1 keyframe
 * starts are recognised too.
 */
#include "simulcast.h"

int parley_room_layer_choose(const room_layer_input *in)
{
	unsigned layers = in->layers == 0 ? 1 : in->layers;
	int want = (int)layers - 1;
	if (in->preferred >= 0 && in->preferred < want)
		want = in->preferred;
	if (in->auto_layers && in->estimate > 0 && in->layer_bitrates != NULL) {
		while (want > 0 && in->layer_bitrates[want] > in->estimate)
			want--;
	}
	/* the wanted layer, else the best active below it, else above it */
	for (int l = want; l >= 0; l--)
		if (in->active_mask & (1u << l))
			return l;
	for (int l = want + 1; l < (int)layers; l++)
		if (in->active_mask & (1u << l))
			return l;
	return -1;
}

static void inspect_vp8(const uint8_t *p, size_t len, room_payload_info *info)
{
	if (len < 1)
		return;
	size_t off = 1;
	bool start = (p[0] & 0x10) != 0;
	unsigned partition = p[0] & 0x07;
	if (p[0] & 0x80) {   /* X: extension byte */
		if (len < 2)
			return;
		uint8_t x = p[1];
		off = 2;
		if (x & 0x80) {   /* I: picture id, 7 or 15 bits */
			if (off >= len)
				return;
			off += (p[off] & 0x80) ? 2 : 1;
		}
		if (x & 0x40)     /* L: TL0PICIDX */
			off++;
		if (x & 0x30) {   /* T or K: TID/Y/KEYIDX */
			if (off >= len)
				return;
			if (x & 0x20) {
				info->temporal = p[off] >> 6;
				info->layer_sync = (p[off] & 0x20) != 0;
			}
			off++;
		}
	}
	if (off >= len || !start || partition != 0)
		return;
	const uint8_t *vp8 = p + off;
	size_t n = len - off;
	if ((vp8[0] & 0x01) != 0)
		return;   /* P bit set: interframe */
	info->keyframe = true;
	if (n >= 10 && vp8[3] == 0x9d && vp8[4] == 0x01 && vp8[5] == 0x2a) {
		info->width = (uint16_t)((vp8[6] | (vp8[7] << 8)) & 0x3fff);
		info->height = (uint16_t)((vp8[8] | (vp8[9] << 8)) & 0x3fff);
	}
}

static void inspect_vp9(const uint8_t *p, size_t len, room_payload_info *info)
{
	if (len < 1)
		return;
	bool inter = (p[0] & 0x40) != 0;   /* P */
	bool begin = (p[0] & 0x08) != 0;   /* B */
	info->keyframe = !inter && begin;
}

static bool h264_nal_is_key(uint8_t nal)
{
	uint8_t type = nal & 0x1f;
	return type == 5 || type == 7;
}

static void inspect_h264(const uint8_t *p, size_t len, room_payload_info *info)
{
	if (len < 1)
		return;
	uint8_t type = p[0] & 0x1f;
	if (type == 24) {   /* STAP-A: 16-bit sizes then NAL units */
		size_t off = 1;
		for (unsigned guard = 0; off + 2 < len && guard < 64; guard++) {
			size_t size = ((size_t)p[off] << 8) | p[off + 1];
			off += 2;
			if (size == 0 || off + size > len)
				return;
			if (h264_nal_is_key(p[off])) {
				info->keyframe = true;
				return;
			}
			off += size;
		}
		return;
	}
	if (type == 28) {   /* FU-A: start bit and the inner type */
		if (len >= 2 && (p[1] & 0x80) && h264_nal_is_key(p[1]))
			info->keyframe = true;
		return;
	}
	info->keyframe = h264_nal_is_key(p[0]);
}

static void inspect_av1(const uint8_t *p, size_t len, room_payload_info *info)
{
	if (len >= 1)
		info->keyframe = (p[0] & 0x08) != 0;   /* N: new coded video sequence */
}

void parley_room_payload_inspect(room_payload_codec codec, const uint8_t *payload, size_t len,
                                 room_payload_info *info)
{
	static void (*const inspectors[])(const uint8_t *, size_t, room_payload_info *) = {
		[ROOM_PAYLOAD_VP8] = inspect_vp8,
		[ROOM_PAYLOAD_VP9] = inspect_vp9,
		[ROOM_PAYLOAD_H264] = inspect_h264,
		[ROOM_PAYLOAD_AV1] = inspect_av1,
	};
	info->keyframe = false;
	info->temporal = -1;
	info->layer_sync = false;
	info->width = info->height = 0;
	if (payload == NULL || (unsigned)codec >= sizeof(inspectors) / sizeof(inspectors[0]) ||
	    inspectors[codec] == NULL)
		return;
	inspectors[codec](payload, len, info);
}
