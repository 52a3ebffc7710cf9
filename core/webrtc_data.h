/*
 * webrtc_data.h — data channels as the core sees them (webrtc_data.c):
 * the PeerConnection's data callbacks become the plugin's incoming_data
 * and data_ready, in the parley_data_packet layout the plugin was built
 * with; refusals are logged and counted; the plugin table's relay_data and
 * close_data (their entries are in webrtc.c, which finds the handle's pc)
 * are translated here. The pc callbacks' user_data is the parley_handle.
 */
#ifndef PARLEY_WEBRTC_DATA_H
#define PARLEY_WEBRTC_DATA_H

#include <stdbool.h>
#include <stdint.h>
#include <parley/plugin.h>
#include "session.h"
#include "media/pc.h"

/* parley_pc_callbacks entries, on the handle's loop. */
void parley_webrtc_data_message(void *user_data, const parley_dc_channel_view *channel, bool binary, uint8_t *data,
                                size_t length);
void parley_webrtc_data_channel(void *user_data, const parley_dc_channel_view *channel, parley_dc_event event);
void parley_webrtc_data_refused(void *user_data, const parley_dc_refusal *refusal);

/* relay_data / close_data on the handle's pc (NULL: none): 0 or a
 * PARLEY_DATA_ERR_* code. Any thread. */
int parley_webrtc_data_relay(parley_handle *handle, parley_pc *pc, parley_data_packet *packet);
int parley_webrtc_data_close(parley_handle *handle, parley_pc *pc, const char *label);

/* Process counters for /metrics (relaxed atomics). */
typedef struct parley_webrtc_data_stats {
	uint64_t refused_in;          /* messages and DCEP requests from peers refused */
	uint64_t refused_out;         /* messages from plugins refused (relay_data, and on the loop) */
	uint64_t too_large_for_plugin; /* over 65535 bytes for a plugin built before data_ready */
} parley_webrtc_data_stats;
void parley_webrtc_data_get_stats(parley_webrtc_data_stats *stats);

#endif
