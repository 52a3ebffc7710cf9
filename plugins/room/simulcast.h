/*
 * plugins/room/simulcast.h — simulcast layer choice and the codec payload
 * facts the forwarding path needs (keyframes, VP8 temporal layer ids,
 * keyframe dimensions). Pure functions over the caller's bytes.
 */
#ifndef PARLEY_ROOM_SIMULCAST_H
#define PARLEY_ROOM_SIMULCAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROOM_LAYER_STALE_US 1500000   /* a layer unseen for this long is gone */

typedef struct room_layer_input {
	unsigned layers;               /* encodings the publisher sends (1..3) */
	unsigned active_mask;          /* bit i: layer i seen recently */
	int preferred;                 /* setPreferredLayers spatial, -1 = auto */
	uint32_t estimate;             /* subscriber's bandwidth estimate, 0 = unknown */
	bool auto_layers;              /* let the estimate lower the choice */
	const uint32_t *layer_bitrates;/* bps each layer needs (layers entries) */
} room_layer_input;

/* The spatial layer to forward, or -1 when no layer is active. */
int parley_room_layer_choose(const room_layer_input *in);

/* What one video payload says about itself. */
typedef struct room_payload_info {
	bool keyframe;                 /* starts a keyframe */
	int temporal;                  /* VP8 TID, -1 unknown */
	bool layer_sync;               /* VP8 Y bit */
	uint16_t width, height;        /* VP8 keyframe dimensions, 0 unknown */
} room_payload_info;

typedef enum room_payload_codec {
	ROOM_PAYLOAD_OTHER = 0, ROOM_PAYLOAD_VP8, ROOM_PAYLOAD_VP9, ROOM_PAYLOAD_H264, ROOM_PAYLOAD_AV1,
} room_payload_codec;

/* Inspects payload[0..len). Unknown or truncated input gives keyframe
 * false and temporal -1 (never reads past len). */
void parley_room_payload_inspect(room_payload_codec codec, const uint8_t *payload, size_t len,
                                 room_payload_info *info);

#endif
