/*
 * webrtc_settings.h — the PeerConnection settings from parley.conf [media],
 * read once (webrtc_settings.c).
 */
#ifndef PARLEY_WEBRTC_SETTINGS_H
#define PARLEY_WEBRTC_SETTINGS_H

#include <stddef.h>
#include "media/pc.h"

/* Reads the settings the first time (and starts the ICE-lite transport and
 * the DTLS certificate); *settings then points at them for the process.
 * 0, or the setup's error with its reason. */
int parley_webrtc_settings(const parley_pc_settings **settings, char *reason, size_t reason_size);
/* The same for the pc of a handle a plugin made for a client over plain
 * HTTP (WHIP, WHEP), which has no channel for candidates that come after
 * our description: it waits [media] http_gather_wait_ms for gathering. */
int parley_webrtc_settings_http(const parley_pc_settings **settings, char *reason, size_t reason_size);

#endif
