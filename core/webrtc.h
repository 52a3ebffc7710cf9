/*
 * webrtc.h — the WebRTC side of handles (webrtc.c): one PeerConnection
 * (core/media/pc.h) per handle on the handle's loop, the JSEP and trickle
 * paths of the client API, hangups, the Janus events (webrtcup, media,
 * slowlink, hangup, trickle), the plugin's media callbacks, and the media
 * entries of the plugin core table. Settings come from parley.conf [media].
 * It owns each handle's `webrtc` fields (session.h).
 */
#ifndef PARLEY_WEBRTC_H
#define PARLEY_WEBRTC_H

#include <stdbool.h>
#include <jansson.h>
#include "session.h"

/* Reads [media] and sets up DTLS (certificate) and SRTP once for the
 * process; later calls return the first result. 0, or -1 with a reason.
 * parleyd calls it at start; a PeerConnection made first would too. */
int parley_webrtc_setup(char *reason, size_t reason_size);
/* Closes the ICE-lite sockets ([media] ice_lite) and releases usrsctp
 * (data channels) once the loops stopped. */
void parley_webrtc_stop(void);
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
/* A trickled candidate (borrowed): 1 = handed to the pc, 0 = the pc cannot
 * take it yet (none, or no client description): keep it with
 * parley_webrtc_keep_candidate. */
int parley_webrtc_trickle(parley_handle *handle, json_t *candidate, char *reason, size_t reason_size);
/* Keeps a trickled candidate (borrowed) until the pc has the client's
 * description: 0, or 490 over [limits] max_candidates_per_handle. */
int parley_webrtc_keep_candidate(parley_handle *handle, json_t *candidate);
/* Ends the handle's PeerConnection: closes it (close_notify, ICE stopped;
 * a new jsep starts afresh) and, when one was made since the last hangup,
 * calls the plugin's hangup_media and sends the "hangup" event. Returns
 * true when there was one. */
bool parley_webrtc_hangup(parley_handle *handle, const char *reason);
/* Closes the handle's pc with no event and no plugin callback (see
 * parley_handles_set_release). */
void parley_webrtc_release(parley_handle *handle);
/* Puts the handle on the event loop of `group` (core/loops.h; the group is
 * named "<plugin package>/<group>", so plugins never share one; NULL or ""
 * leaves its group and stays where it is), so its PeerConnection will run
 * there. 0 (also when it is in that group already), or 471 when it has a
 * PeerConnection (it stays where it is), 459 when it is detached, with a
 * reason. */
int parley_webrtc_share_loop(parley_handle *handle, const char *group, char *reason, size_t reason_size);
/* Admin handle_info: adds "pc-active", "pending-trickles" (how many
 * trickled candidates wait for the client's description) and "webrtc" (the
 * pc's state in Janus's shape, or null without a pc) to `info`, and with a
 * pc what Janus shows beside it: "flags", "sdps", "agent-created",
 * "ice-mode", "ice-role". */
void parley_webrtc_add_info(parley_handle *handle, json_t *info);

/* The handle's pc (a reference the caller drops with parley_pc_unref):
 * with `create`, made when missing (it needs [media] ice_lite: the pcs of
 * webrtc_params.c); NULL with a reason. */
struct parley_pc *parley_webrtc_pc(parley_handle *handle, bool create, char *reason, size_t reason_size);

/* Plugin table entries. */
int parley_webrtc_relay_rtp(parley_plugin_session *session, parley_rtp_packet *packet);
int parley_webrtc_relay_rtcp(parley_plugin_session *session, parley_rtcp_packet *packet);
/* Data channels (translated by webrtc_data.c). */
int parley_webrtc_relay_data(parley_plugin_session *session, parley_data_packet *packet);
int parley_webrtc_close_data(parley_plugin_session *session, const char *label);
int parley_webrtc_send_pli(parley_plugin_session *session, int mindex);
int parley_webrtc_send_remb(parley_plugin_session *session, uint32_t bitrate);
int parley_webrtc_close_pc(parley_plugin_session *session);
char *parley_webrtc_sdp_answer(const char *offer, json_t *options, char *error, size_t error_size);
char *parley_webrtc_sdp_offer(json_t *description, char *error, size_t error_size);
json_t *parley_webrtc_sdp_summary(const char *sdp);
/* Live PeerConnections by state (for /metrics): created and not yet up,
 * up (DTLS), up but the peer went quiet. */
void parley_webrtc_pc_counts(unsigned *fresh, unsigned *connected, unsigned *disconnected);

#endif
