/*
 * util/keyframe.c — payload inspection for VP8, VP9, H.264 and AV1 (see
 * keyframe.h). Dispatch is by table on the codec and, for H.264, on the
 * NAL unit type.
 *
 * Complexity: O(1) for VP8/VP9 and H.264 single NAL/FU; O(payload) for
 * H.264 STAP-A and AV1 (walks the aggregated units). No allocation.
 */
#include "util/keyframe.h"

#include <string.h>

typedef void (*inspect_fn)(const uint8_t *payload, size_t len, parley_util_keyframe_facts *facts);

/* ---- VP8 ---- */

/* The descriptor parser, inline so the per-packet inspection pays no call. */
static inline int vp8_descriptor(const uint8_t *p, size_t len, parley_util_keyframe_vp8_desc *d)
{
	*d = (parley_util_keyframe_vp8_desc){ 0 };
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

int parley_util_keyframe_vp8_parse(const uint8_t *p, size_t len, parley_util_keyframe_vp8_desc *d)
{
	return vp8_descriptor(p, len, d);
}

static void inspect_vp8(const uint8_t *p, size_t len, parley_util_keyframe_facts *facts)
{
	parley_util_keyframe_vp8_desc d;
	if (vp8_descriptor(p, len, &d) < 0)
		return;
	if (d.has_tid) {
		facts->temporal = d.tid;
		facts->layer_sync = d.layer_sync;
	}
	if (!d.start || d.partition != 0 || len < d.header_len + 3)
		return;
	const uint8_t *f = p + d.header_len;
	size_t n = len - d.header_len;
	if (f[0] & 0x01) /* P bit of the frame tag: 0 = keyframe */
		return;
	/* keyframes carry the start code 9d 01 2a after the 3-byte tag, then
	 * 14-bit width and height (little endian, 2 bits of scale above) */
	bool start_code = n >= 6 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a;
	if (n >= 6 && !start_code)
		return;
	facts->keyframe = true;
	if (start_code && n >= 10) {
		facts->width = (uint16_t)((f[6] | f[7] << 8) & 0x3fff);
		facts->height = (uint16_t)((f[8] | f[9] << 8) & 0x3fff);
	}
}

/* ---- VP9 ---- */

static void inspect_vp9(const uint8_t *p, size_t len, parley_util_keyframe_facts *facts)
{
	bool i = p[0] & 0x80, pbit = p[0] & 0x40, l = p[0] & 0x20, f = p[0] & 0x10, b = p[0] & 0x08;
	size_t pos = 1;
	if (i) {
		if (pos >= len)
			return;
		pos += (p[pos] & 0x80) ? 2 : 1;
	}
	uint8_t sid = 0;
	if (l) {
		if (pos >= len)
			return;
		sid = (p[pos] >> 1) & 0x07;
		pos += f ? 1 : 2; /* TL0PICIDX follows in non-flexible mode */
	}
	if (pos > len)
		return;
	/* not inter-picture predicted, start of a frame, base spatial layer */
	facts->keyframe = !pbit && b && sid == 0;
}

/* ---- H.264 ---- */

typedef bool (*nal_fn)(const uint8_t *p, size_t len);

static bool h264_nal_is_key(uint8_t nal)
{
	uint8_t type = nal & 0x1f;
	return type == 5 || type == 7; /* IDR slice, sequence parameter set */
}

static bool h264_single(const uint8_t *p, size_t len)
{
	(void)len;
	return h264_nal_is_key(p[0]);
}

static bool h264_stap_a(const uint8_t *p, size_t len)
{
	size_t pos = 1;
	while (pos + 2 <= len) {
		size_t sz = (size_t)p[pos] << 8 | p[pos + 1];
		pos += 2;
		if (sz == 0 || pos + sz > len)
			return false;
		if (h264_nal_is_key(p[pos]))
			return true;
		pos += sz;
	}
	return false;
}

static bool h264_fu(const uint8_t *p, size_t len)
{
	return len >= 2 && (p[1] & 0x80) && h264_nal_is_key(p[1]);
}

static const nal_fn h264_by_type[32] = {
	[1] = h264_single, [2] = h264_single, [3] = h264_single, [4] = h264_single,
	[5] = h264_single, [6] = h264_single, [7] = h264_single, [8] = h264_single,
	[9] = h264_single, [10] = h264_single, [11] = h264_single, [12] = h264_single,
	[24] = h264_stap_a, [28] = h264_fu, [29] = h264_fu,
};

static void inspect_h264(const uint8_t *p, size_t len, parley_util_keyframe_facts *facts)
{
	nal_fn fn = h264_by_type[p[0] & 0x1f];
	facts->keyframe = fn != NULL && fn(p, len);
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

/* An OBU element of the packet is a sequence header (the aggregation
 * header's W counts the elements; all but the last carry a length). */
static bool av1_has_sequence_header(const uint8_t *p, size_t len)
{
	bool z = p[0] & 0x80;
	unsigned w = (p[0] >> 4) & 0x03;
	size_t pos = 1;
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

static void inspect_av1(const uint8_t *p, size_t len, parley_util_keyframe_facts *facts)
{
	/* N: the first packet of a coded video sequence */
	facts->keyframe = (p[0] & 0x08) || av1_has_sequence_header(p, len);
}

/* ---- dispatch ---- */

static const inspect_fn inspectors[PARLEY_UTIL_KEYFRAME_CODEC_COUNT] = {
	[PARLEY_UTIL_KEYFRAME_VP8] = inspect_vp8,
	[PARLEY_UTIL_KEYFRAME_VP9] = inspect_vp9,
	[PARLEY_UTIL_KEYFRAME_H264] = inspect_h264,
	[PARLEY_UTIL_KEYFRAME_AV1] = inspect_av1,
};

void parley_util_keyframe_inspect(parley_util_keyframe_codec codec, const uint8_t *payload, size_t len,
	parley_util_keyframe_facts *facts)
{
	*facts = (parley_util_keyframe_facts){ .temporal = -1 };
	if ((unsigned)codec >= PARLEY_UTIL_KEYFRAME_CODEC_COUNT || inspectors[codec] == NULL || !payload || len == 0)
		return;
	inspectors[codec](payload, len, facts);
}

bool parley_util_keyframe_is_key(parley_util_keyframe_codec codec, const uint8_t *payload, size_t len)
{
	parley_util_keyframe_facts facts;
	parley_util_keyframe_inspect(codec, payload, len, &facts);
	return facts.keyframe;
}
