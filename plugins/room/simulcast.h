/*
 * plugins/room/simulcast.h — simulcast layer choice. The codec payload
 * facts the forwarding path needs (keyframes, VP8 temporal layer ids,
 * keyframe dimensions) come from util/keyframe.h. Pure functions.
 */
#ifndef PARLEY_ROOM_SIMULCAST_H
#define PARLEY_ROOM_SIMULCAST_H

#include <stdbool.h>
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

#endif
