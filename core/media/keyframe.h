/*
 * keyframe.h — keyframe detection on RTP payloads for VP8 (RFC 7741), VP9
 * (RFC 9628 payload descriptor), H264 (RFC 6184: single NAL, STAP-A, FU-A)
 * and AV1 (AV1 RTP payload format: aggregation header, OBUs), plus the VP8
 * payload descriptor (picture id, TL0PICIDX, temporal layer id) that layer
 * dropping needs.
 */
#ifndef PARLEY_MEDIA_KEYFRAME_H
#define PARLEY_MEDIA_KEYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum parley_keyframe_codec {
	PARLEY_KEYFRAME_VP8,
	PARLEY_KEYFRAME_VP9,
	PARLEY_KEYFRAME_H264,
	PARLEY_KEYFRAME_AV1,
	PARLEY_KEYFRAME_CODEC_COUNT
} parley_keyframe_codec;

/* Maps an rtpmap encoding name ("VP8", "h264", ...) to a codec; -1 if none. */
int parley_keyframe_codec_from_name(const char *name);
/* True when the RTP payload starts (or is part of the start of) a keyframe. */
bool parley_keyframe_is_key(parley_keyframe_codec codec, const uint8_t *payload, size_t len);

bool parley_keyframe_vp8(const uint8_t *payload, size_t len);
bool parley_keyframe_vp9(const uint8_t *payload, size_t len);
bool parley_keyframe_h264(const uint8_t *payload, size_t len);
bool parley_keyframe_av1(const uint8_t *payload, size_t len);

/* The VP8 payload descriptor (RFC 7741 §4.2). */
typedef struct parley_keyframe_vp8_desc {
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
} parley_keyframe_vp8_desc;

/* Returns 0 or -1 on a truncated descriptor. */
int parley_keyframe_vp8_parse(const uint8_t *payload, size_t len, parley_keyframe_vp8_desc *d);

#endif
