/*
 * pc_core.h — the core side of PeerConnections (pc_core.c, built into
 * libparleycore): one parley_pc per handle on the handle's loop, the JSEP
 * and trickle paths of the client API, the Janus events (webrtcup, media,
 * slowlink, hangup, trickle), the plugin's media callbacks, and the media
 * entries of the plugin core table. Settings come from parley.conf [media].
 */
#ifndef PARLEY_MEDIA_PC_CORE_H
#define PARLEY_MEDIA_PC_CORE_H

#include <stdbool.h>
#include <jansson.h>
#include "session.h"

/* Reads [media] and sets up DTLS (certificate) and SRTP once for the
 * process; later calls return the first result. 0, or -1 with a reason.
 * parleyd calls it at start; a PeerConnection made first would too. */
int parley_webrtc_setup(char *reason, size_t reason_size);
/* A client's jsep (borrowed, already shape-checked): offer or answer.
 * 0, or an API error code (465 invalid SDP, 469 unexpected answer, 490)
 * with a reason. */
int parley_webrtc_remote_jsep(parley_handle *handle, json_t *jsep, char *reason, size_t reason_size);
/* A plugin's jsep (borrowed) on its way to the client: a new jsep with our
 * transport merged in (new reference), or NULL with an error code. */
json_t *parley_webrtc_local_jsep(parley_handle *handle, json_t *jsep, int *code, char *reason, size_t reason_size);
/* After the event carrying our jsep went out: the server candidates as
 * trickle events, then completed. */
void parley_webrtc_local_jsep_sent(parley_handle *handle);
/* A trickled candidate (borrowed): 1 = handed to the pc, 0 = no pc yet
 * (the caller keeps it), or an API error code. */
int parley_webrtc_trickle(parley_handle *handle, json_t *candidate, char *reason, size_t reason_size);
/* Closes and drops the handle's pc (no event); true when there was one. */
bool parley_webrtc_close(parley_handle *handle);
/* Admin handle_info "webrtc" (new reference) or NULL without a pc. */
json_t *parley_webrtc_info(parley_handle *handle);

/* Plugin table entries. */
int parley_webrtc_relay_rtp(parley_plugin_session *session, parley_rtp_packet *packet);
int parley_webrtc_relay_rtcp(parley_plugin_session *session, parley_rtcp_packet *packet);
int parley_webrtc_send_pli(parley_plugin_session *session, int mindex);
int parley_webrtc_send_remb(parley_plugin_session *session, uint32_t bitrate);
int parley_webrtc_close_pc(parley_plugin_session *session);
char *parley_webrtc_sdp_answer(const char *offer, json_t *options, char *error, size_t error_size);
char *parley_webrtc_sdp_offer(json_t *description, char *error, size_t error_size);
json_t *parley_webrtc_sdp_summary(const char *sdp);

#endif
