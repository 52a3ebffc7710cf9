/*
 * plugins/room/simulcast.c — which simulcast layer a subscriber gets: the
 * preferred one, lowered to fit the bandwidth estimate, else the nearest
 * active one. Switches happen on a keyframe of the target layer (forward.c,
 * with util/keyframe.h).
 */
#include <stddef.h>

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
