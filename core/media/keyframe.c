/*
 * keyframe.c — keyframe detection for VP8, VP9, H264 and AV1 RTP payloads
 * and the VP8 payload descriptor parser. Dispatch is by table on the codec
 * and, for H264, on the NAL unit type.
 *
 * Complexity: O(1) for VP8/VP9 and H264 single NAL/FU-A; O(payload) for
 * H264 STAP-A and AV1 (walks the aggregated units). No allocation.
 */
#include "keyframe.h"

#include <strings.h>

typedef bool (*key_fn)(const uint8_t *payload, size_t len);

static const struct {
	const char *name;
	key_fn fn;
} codecs[PARLEY_KEYFRAME_CODEC_COUNT] = {
	[PARLEY_KEYFRAME_VP8] = { "VP8", parley_keyframe_vp8 },
	[PARLEY_KEYFRAME_VP9] = { "VP9", parley_keyframe_vp9 },
	[PARLEY_KEYFRAME_H264] = { "H264", parley_keyframe_h264 },
	[PARLEY_KEYFRAME_AV1] = { "AV1", parley_keyframe_av1 },
};

int parley_keyframe_codec_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < PARLEY_KEYFRAME_CODEC_COUNT; i++)
		if (strcasecmp(codecs[i].name, name) == 0)
			return i;
	return -1;
}

bool parley_keyframe_is_key(parley_keyframe_codec codec, const uint8_t *payload, size_t len)
{
	if ((unsigned)codec >= PARLEY_KEYFRAME_CODEC_COUNT || !payload || len == 0)
		return false;
	return codecs[codec].fn(payload, len);
}

/* ---- VP8 ---- */

int parley_keyframe_vp8_parse(const uint8_t *p, size_t len, parley_keyframe_vp8_desc *d)
{
	*d = (parley_keyframe_vp8_desc){ 0 };
	if (!p || len < 1)
		return -1;
	bool x = p[0] & 0x80;
	d->non_reference = p[0] & 0x20;
	d->start = p[0] & 0x10;
	d->partition = p[0] & 0x07;
	size_t pos = 1;
	if (!x) {
		d->header_len = pos;
		return 0;
	}
	if (pos >= len)
		return -1;
	uint8_t ext = p[pos++];
	bool i = ext & 0x80, l = ext & 0x40, t = ext & 0x20, k = ext & 0x10;
	if (i) {
		if (pos >= len)
			return -1;
		d->has_picture_id = true;
		if (p[pos] & 0x80) {
			if (pos + 2 > len)
				return -1;
			d->picture_id_long = true;
			d->picture_id = (uint16_t)((p[pos] & 0x7f) << 8 | p[pos + 1]);
			pos += 2;
		} else {
			d->picture_id = p[pos] & 0x7f;
			pos += 1;
		}
	}
	if (l) {
		if (pos >= len)
			return -1;
		d->has_tl0picidx = true;
		d->tl0picidx = p[pos++];
	}
	if (t || k) {
		if (pos >= len)
			return -1;
		uint8_t b = p[pos++];
		if (t) {
			d->has_tid = true;
			d->tid = b >> 6;
			d->layer_sync = b & 0x20;
		}
		if (k) {
			d->has_keyidx = true;
			d->keyidx = b & 0x1f;
		}
	}
	d->header_len = pos;
	return 0;
}

bool parley_keyframe_vp8(const uint8_t *payload, size_t len)
{
	parley_keyframe_vp8_desc d;
	if (parley_keyframe_vp8_parse(payload, len, &d) < 0)
		return false;
	if (!d.start || d.partition != 0 || len < d.header_len + 3)
		return false;
	const uint8_t *f = payload + d.header_len;
	if (f[0] & 0x01) /* P bit of the frame tag: 0 = keyframe */
		return false;
	/* keyframes carry the start code 9d 01 2a after the 3-byte tag */
	if (len >= d.header_len + 6 && !(f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a))
		return false;
	return true;
}

/* ---- VP9 ---- */

bool parley_keyframe_vp9(const uint8_t *p, size_t len)
{
	if (!p || len < 1)
		return false;
	bool i = p[0] & 0x80, pbit = p[0] & 0x40, l = p[0] & 0x20, f = p[0] & 0x10, b = p[0] & 0x08;
	size_t pos = 1;
	if (i) {
		if (pos >= len)
			return false;
		pos += (p[pos] & 0x80) ? 2 : 1;
	}
	uint8_t sid = 0;
	if (l) {
		if (pos >= len)
			return false;
		sid = (p[pos] >> 1) & 0x07;
		pos += f ? 1 : 2; /* TL0PICIDX follows in non-flexible mode */
	}
	if (pos > len)
		return false;
	/* not inter-picture predicted, start of a frame, base spatial layer */
	return !pbit && b && sid == 0;
}

/* ---- H264 ---- */

static bool h264_nal_is_key(uint8_t type) { return type == 5 || type == 7; }

static bool h264_single(const uint8_t *p, size_t len)
{
	(void)len;
	return h264_nal_is_key(p[0] & 0x1f);
}

static bool h264_stap_a(const uint8_t *p, size_t len)
{
	size_t pos = 1;
	while (pos + 2 <= len) {
		size_t sz = (size_t)p[pos] << 8 | p[pos + 1];
		pos += 2;
		if (sz == 0 || pos + sz > len)
			return false;
		if (h264_nal_is_key(p[pos] & 0x1f))
			return true;
		pos += sz;
	}
	return false;
}

static bool h264_fu(const uint8_t *p, size_t len)
{
	if (len < 2)
		return false;
	return (p[1] & 0x80) && h264_nal_is_key(p[1] & 0x1f);
}

static const key_fn h264_by_type[32] = {
	[1] = h264_single, [2] = h264_single, [3] = h264_single, [4] = h264_single,
	[5] = h264_single, [6] = h264_single, [7] = h264_single, [8] = h264_single,
	[9] = h264_single, [10] = h264_single, [11] = h264_single, [12] = h264_single,
	[24] = h264_stap_a, [28] = h264_fu, [29] = h264_fu,
};

bool parley_keyframe_h264(const uint8_t *p, size_t len)
{
	if (!p || len < 1)
		return false;
	key_fn fn = h264_by_type[p[0] & 0x1f];
	return fn ? fn(p, len) : false;
}

/* ---- AV1 ---- */

#define AV1_OBU_SEQUENCE_HEADER 1

static bool leb128(const uint8_t *p, size_t len, size_t *pos, uint64_t *value)
{
	*value = 0;
	for (int i = 0; i < 8; i++) {
		if (*pos >= len)
			return false;
		uint8_t b = p[(*pos)++];
		*value |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return true;
	}
	return false;
}

bool parley_keyframe_av1(const uint8_t *p, size_t len)
{
	if (!p || len < 2)
		return false;
	bool z = p[0] & 0x80, n = p[0] & 0x08;
	unsigned w = (p[0] >> 4) & 0x03;
	if (n) /* first packet of a coded video sequence */
		return true;
	size_t pos = 1;
	/* elements: each but the W-th has a leb128 length; W==0: all have one */
	for (unsigned el = 1; pos < len; el++) {
		uint64_t sz;
		if (w == 0 || el < w) {
			if (!leb128(p, len, &pos, &sz) || sz > len - pos)
				return false;
		} else {
			sz = len - pos;
		}
		/* the first element continues an OBU from the previous packet */
		if (!(el == 1 && z) && sz > 0 && ((p[pos] >> 3) & 0x0f) == AV1_OBU_SEQUENCE_HEADER)
			return true;
		pos += sz;
		if (w != 0 && el >= w)
			break;
	}
	return false;
}
