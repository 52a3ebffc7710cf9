/*
 * session.h — one WebRTC peer of parley-loadgen, built from Parley's media
 * library: ICE (ice.h, libnice), DTLS-SRTP (dtls.h, srtp.h), SDP (sdp.h:
 * our offers and answers are built with its builders, remote ones parsed
 * with its parser), RTP/RTCP parsing and VP8 keyframe detection. A peer
 * publishes (synthetic RTP from rtpgen), subscribes (stats), or both (echo),
 * or, in data mode, answers a data-channel-only offer and carries text
 * messages over SCTP (session_data.c).
 *
 * All peers share the run's GMainContext: no thread per peer. A peer is
 * freed only outside its own callbacks (the run frees them at the end).
 */
#ifndef PARLEY_LOADGEN_SESSION_H
#define PARLEY_LOADGEN_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include "loadgen.h"
#include "rtpgen.h"
#include "stats.h"

typedef enum loadgen_peer_mode {
	LOADGEN_PEER_PUBLISH,     /* sendonly offer, sends media */
	LOADGEN_PEER_SUBSCRIBE,   /* answers a sendonly offer, receives */
	LOADGEN_PEER_ECHO,        /* sendrecv offer, sends and receives */
	LOADGEN_PEER_PLAY,        /* recvonly offer, receives (a WHEP player) */
	LOADGEN_PEER_DATA,        /* answers an m=application offer: data channels only */
} loadgen_peer_mode;

typedef struct loadgen_peer_callbacks {
	/* Our description is ready ("offer" or "answer"; sdp borrowed). */
	void (*local_description)(void *user_data, loadgen_peer *peer, const char *type, const char *sdp);
	/* DTLS-SRTP is up. */
	void (*connected)(void *user_data, loadgen_peer *peer);
	/* ICE or DTLS failed (or, data mode, the association or channel). */
	void (*failed)(void *user_data, loadgen_peer *peer, const char *reason);
	/* Data mode: the SCTP association is up and can send (once). */
	void (*data_writable)(void *user_data, loadgen_peer *peer);
	/* Data mode: a whole text message (borrowed for the call). */
	void (*data_text)(void *user_data, loadgen_peer *peer, const char *text, size_t length);
} loadgen_peer_callbacks;

/* What drivers keep on a peer (the Janus ids), read and written freely. */
typedef struct loadgen_peer_janus {
	uint64_t session_id, handle_id;
	uint64_t main_handle_id;   /* room: the participant's signaling handle when not handle_id */
	bool owns_session;         /* false when the session belongs to another peer */
	char participant[72];      /* room: the participant's peerId */
	uint32_t owner;            /* room: publisher id of the participant a subscriber belongs to (0 = viewer) */
	unsigned consumed;         /* room: producers of the room already consumed */
	uint64_t feed_id;          /* videoroom/room: publisher id (ours or the one we watch) */
	unsigned room_index;
	guint keepalive_source;
	guint retry_source;        /* videoroom: a subscriber's join asked again later */
	unsigned join_tries;       /* videoroom: joins refused because the feed was not up yet */
} loadgen_peer_janus;

loadgen_peer *loadgen_peer_new(loadgen_run *run, loadgen_peer_mode mode, uint32_t publisher_id,
                               const loadgen_peer_callbacks *callbacks, void *user_data, GError **error);
void loadgen_peer_free(loadgen_peer *peer);
/* Gathers, then hands our offer to local_description. */
int loadgen_peer_create_offer(loadgen_peer *peer, GError **error);
/* The remote "offer" (we gather and answer) or "answer". */
int loadgen_peer_set_remote(loadgen_peer *peer, const char *type, const char *sdp, GError **error);
/* A trickled Janus candidate object ({"candidate","sdpMid",...} or {"completed":true}). */
void loadgen_peer_trickle(loadgen_peer *peer, json_t *candidate);
/* Data mode: sends text on the channel `label` (opened on first use).
 * 0, or -1 with a reason (the association is not up, the buffer is full). */
int loadgen_peer_send_text(loadgen_peer *peer, const char *label, const char *text, size_t length,
                           char *reason, size_t reason_size);
/* Data mode: messages refused for a full SCTP send buffer. */
uint64_t loadgen_peer_data_busy(const loadgen_peer *peer);
/* Sends due media when publishing and connected. */
void loadgen_peer_tick(loadgen_peer *peer, int64_t now_us);

loadgen_peer_janus *loadgen_peer_janus_ids(loadgen_peer *peer);
loadgen_peer_mode loadgen_peer_get_mode(const loadgen_peer *peer);
bool loadgen_peer_is_connected(const loadgen_peer *peer);
uint32_t loadgen_peer_publisher_id(const loadgen_peer *peer);
loadgen_stats *loadgen_peer_stats(loadgen_peer *peer);
/* NULL unless the peer publishes. */
const loadgen_rtpgen_counters *loadgen_peer_sent(const loadgen_peer *peer);
const char *loadgen_peer_srtp_profile(const loadgen_peer *peer);
/* Times of the setup milestones (0 = not reached). */
int64_t loadgen_peer_connected_us(const loadgen_peer *peer);

#endif
