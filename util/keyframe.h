/*
 * util/keyframe.h — what a video RTP payload says about itself: whether it
 * starts a keyframe, for VP8 (RFC 7741), VP9 (RFC 9628 payload descriptor),
 * H.264 (RFC 6184: single NAL, STAP-A, FU-A/FU-B) and AV1 (AV1 RTP payload
 * format: aggregation header, OBUs); for VP8 also the temporal layer id and
 * layer sync bit that temporal layer dropping needs, and a keyframe's
 * dimensions. Plus the VP8 payload descriptor parser behind them.
 *
 * Pure functions over the caller's bytes: no allocation, no state, never a
 * read past `len`.
 */
#ifndef PARLEY_UTIL_KEYFRAME_H
#define PARLEY_UTIL_KEYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum parley_util_keyframe_codec {
	PARLEY_UTIL_KEYFRAME_OTHER = 0,   /* not inspected (audio, unknown codecs) */
	PARLEY_UTIL_KEYFRAME_VP8,
	PARLEY_UTIL_KEYFRAME_VP9,
	PARLEY_UTIL_KEYFRAME_H264,
	PARLEY_UTIL_KEYFRAME_AV1,
	PARLEY_UTIL_KEYFRAME_CODEC_COUNT
} parley_util_keyframe_codec;

/* What one payload says about itself. */
typedef struct parley_util_keyframe_facts {
	bool keyframe;                 /* starts (or is the start of) a keyframe */
	int temporal;                  /* VP8 TID, -1 unknown */
	bool layer_sync;               /* VP8 Y bit */
	uint16_t width, height;        /* VP8 keyframe dimensions, 0 unknown */
} parley_util_keyframe_facts;

/* Inspects payload[0..len). Unknown codecs, NULL or truncated input give
 * keyframe false, temporal -1 and no dimensions. */
void parley_util_keyframe_inspect(parley_util_keyframe_codec codec, const uint8_t *payload, size_t len,
	parley_util_keyframe_facts *facts);
/* True when the payload starts (or is part of the start of) a keyframe. */
bool parley_util_keyframe_is_key(parley_util_keyframe_codec codec, const uint8_t *payload, size_t len);

/* The VP8 payload descriptor (RFC 7741 §4.2). */
typedef struct parley_util_keyframe_vp8_desc {
	bool start;            /* S: start of a partition */
	uint8_t partition;     /* PID */
	bool non_reference;    /* N */
	bool has_picture_id;
	uint16_t picture_id;   /* 7 or 15 bits */
	bool picture_id_long;  /* M: 15-bit form */
	bool has_tl0picidx;
	uint8_t tl0picidx;
	bool has_tid;
	uint8_t tid;           /* temporal layer id */
	bool layer_sync;       /* Y */
	bool has_keyidx;
	uint8_t keyidx;
	size_t header_len;     /* descriptor length: the VP8 payload starts here */
} parley_util_keyframe_vp8_desc;

/* Returns 0 or -1 on a truncated descriptor. */
int parley_util_keyframe_vp8_parse(const uint8_t *payload, size_t len, parley_util_keyframe_vp8_desc *d);

#endif
