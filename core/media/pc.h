/*
 * pc.h — one WebRTC PeerConnection: ICE (ice.h) + DTLS-SRTP (dtls.h,
 * srtp.h) + the negotiated streams of a BUNDLEd Unified Plan session, on one
 * GMainContext (the handle's loop).
 *
 * Files: pc.c (lifetime, ICE/DTLS glue, marshalling onto the loop),
 * pc_sdp.c (negotiation: remote descriptions in, our transport attributes
 * merged into the description we send), pc_media.c (the datagram path:
 * demux, SRTP, RTP/RTCP in and out, NACK, stats, periodic reports),
 * pc_liveness.c (is the peer still there), pc_rewrite.c (what relay_rtp
 * changes in a packet), pc_helpers.c (the SDP helpers plugins get: answer,
 * offer, summary), pc_data.c (data channels: the m=application line, the
 * SCTP association over DTLS and its channels), pc_params.c (a pc
 * negotiated without SDP text: ICE-lite
 * transport, remote DTLS parameters, stream tables from two description
 * models; used by params*.c). The core side (one pc per handle, Janus events, plugin
 * callbacks) is core/webrtc.c, in libparleycore.
 *
 * Threading: functions marked [loop] run on the pc's context thread (use
 * parley_pc_invoke from elsewhere); functions marked [any] may be called
 * from any thread: they take the pc's small send mutex. Callbacks run on
 * the loop thread.
 *
 * Ownership: parley_pc is reference counted; the last unref frees it on its
 * loop. Strings passed in are borrowed; strings returned are g_malloc'd.
 */
#ifndef PARLEY_MEDIA_PC_H
#define PARLEY_MEDIA_PC_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <parley/common.h>
#include "datachannel.h"
#include "ice.h"
#include "sdp.h"

typedef struct parley_pc parley_pc;

typedef enum parley_pc_error {
	PARLEY_PC_OK = 0,
	PARLEY_PC_ERR_SDP = -1,        /* the description does not parse or misses what WebRTC needs */
	PARLEY_PC_ERR_STATE = -2,      /* an answer without an offer, or the pc is closed */
	PARLEY_PC_ERR_ICE = -3,        /* the ICE agent could not be created or refused the credentials */
	PARLEY_PC_ERR_DTLS = -4,       /* no certificate / DTLS session failure */
	PARLEY_PC_ERR_INVALID = -5,    /* bad argument */
	PARLEY_PC_ERR_MISSING = -6,    /* a required member is missing (parameters) */
	PARLEY_PC_ERR_LIMIT = -7,      /* over a limit (streams, encodings, ...) */
} parley_pc_error;

typedef struct parley_pc_settings {
	parley_ice_config ice;        /* controlling is set by the pc; strings borrowed for the process */
	unsigned srtp_profiles;       /* PARLEY_DTLS_SRTP_* bits; 0 = both, GCM first */
	bool gcm_first;               /* order when both are offered (the DTLS layer always puts GCM first) */
	unsigned nack_buffer_ms;      /* retransmission history age; 0 = 1000 */
	unsigned replay_window;       /* SRTP replay window; 0 = 1024 */
	unsigned gather_wait_ms;      /* how long a local description waits for gathering; 0 = 1000 */
	unsigned max_nack_per_packet; /* missing packets asked for per gap; 0 = 16 */
	/* Liveness once DTLS is up (pc_liveness.c): nothing authenticated from
	 * a peer that should be sending for disconnect_timeout_ms makes the pc
	 * "disconnected" (0 = 5000); for consent_timeout_ms it ends with
	 * "consent expired" (0 = 30000, RFC 7675's consent lifetime). */
	unsigned disconnect_timeout_ms;
	unsigned consent_timeout_ms;
	/* Data channels: the largest message we receive and send, announced
	 * as a=max-message-size (0 = PARLEY_DC_DEFAULT_MAX_MESSAGE). */
	size_t sctp_max_message_size;
	/* Seconds between two `stats` callbacks while DTLS is up (0 = none but
	 * the final one). */
	unsigned stats_period_s;
} parley_pc_settings;

/* The selected candidate pair as the `selected_pair` callback reports it.
 * A peer-reflexive remote whose address is one the peer announced as a
 * candidate (SDP or trickle) has that candidate's type: a client behind a
 * TURN relay reaches an ICE-lite server from its relay address. When that
 * candidate is trickled after the check that selected the pair, the pair
 * is reported again with the type. Strings are static. */
typedef struct parley_pc_pair {
	const char *local_type;   /* host, srflx, prflx, relay */
	const char *remote_type;
	const char *protocol;     /* udp, tcp */
	bool relay;               /* either side is a TURN relay */
} parley_pc_pair;

typedef struct parley_pc_callbacks {
	/* A local candidate for trickle ("candidate:..."), or NULL when gathering is done. */
	void (*local_candidate)(void *user_data, const char *mid, int mline, const char *candidate);
	/* DTLS-SRTP is up. */
	void (*webrtc_up)(void *user_data);
	/* A stream started receiving, or stopped for more than a second. */
	void (*media)(void *user_data, int mindex, const char *mid, bool video, bool receiving);
	/* Loss burst: uplink = loss on what the peer sends us. */
	void (*slow_link)(void *user_data, int mindex, const char *mid, bool video, bool uplink,
	                  unsigned lost, unsigned nacks);
	/* The peer went quiet (connected = false) or came back (true); the pc
	 * lives on and keeps sending. */
	void (*connection)(void *user_data, bool connected);
	/* The pc died (ICE failed, consent expired, DTLS alert, ...): the owner
	 * tears it down. */
	void (*failed)(void *user_data, const char *reason);
	void (*incoming_rtp)(void *user_data, parley_rtp_packet *packet);
	void (*incoming_rtcp)(void *user_data, parley_rtcp_packet *packet);
	/* Data channels (see datachannel.h): a whole message; a channel open
	 * or closed, or (channel NULL) the association writable; a message or
	 * DCEP request refused either way. */
	void (*data_message)(void *user_data, const parley_dc_channel_view *channel, bool binary, uint8_t *data,
	                     size_t length);
	void (*data_channel)(void *user_data, const parley_dc_channel_view *channel, parley_dc_event event);
	void (*data_refused)(void *user_data, const parley_dc_refusal *refusal);
	/* ICE connected, reported once with its selected pair, and again when a
	 * later selection changes the pair's types or protocol. */
	void (*selected_pair)(void *user_data, const parley_pc_pair *pair);
	/* Every settings.stats_period_s seconds while DTLS is up, and once with
	 * final = true from parley_pc_close when DTLS was up: the owner may read
	 * parley_pc_streams_json(pc) during the call. */
	void (*stats)(void *user_data, parley_pc *pc, bool final);
} parley_pc_callbacks;

/* Process-wide: loads (cert_pem and key_pem) or generates the DTLS
 * certificate once; later calls return the first result. */
int parley_pc_global_setup(const char *cert_pem, const char *key_pem, char *err, size_t err_size);
const char *parley_pc_strerror(int code);

/* [any] A pc on `context`; settings and callbacks are copied. */
parley_pc *parley_pc_new(GMainContext *context, const parley_pc_settings *settings,
                         const parley_pc_callbacks *callbacks, void *user_data);
void parley_pc_ref(parley_pc *pc);
void parley_pc_unref(parley_pc *pc);
GMainContext *parley_pc_context(parley_pc *pc);
/* [any] Runs fn(data) on the pc's loop and waits for it (directly when
 * already there). */
void parley_pc_invoke(parley_pc *pc, void (*fn)(void *data), void *data);

/* [loop] A remote description (offer or answer). Returns 0 or an error with
 * a reason in err. An offer on an existing pc renegotiates; new ICE
 * credentials restart ICE. */
int parley_pc_set_remote_description(parley_pc *pc, bool offer, const char *sdp, char *err, size_t err_size);
/* [loop] The description we send: `sdp` (from a plugin, without ICE/DTLS
 * lines) with our ICE credentials, fingerprint, setup, BUNDLE, rtcp-mux and
 * candidates merged in. An offer creates the ICE agent (controlling) when
 * none exists; ice_restart renews our credentials. g_malloc'd or NULL. */
char *parley_pc_local_description(parley_pc *pc, bool offer, const char *sdp, bool ice_restart,
                                  char *err, size_t err_size);
/* [loop] Sends every local candidate gathered so far through the
 * local_candidate callback (then NULL when gathering is done); later ones
 * follow as they come. Call after our description went out. */
void parley_pc_replay_candidates(parley_pc *pc);
/* [loop] A trickled remote candidate ("candidate:..."), or NULL = end of candidates. */
int parley_pc_add_remote_candidate(parley_pc *pc, const char *candidate, char *err, size_t err_size);
/* [loop] Ends the pc: close_notify, ICE stopped; no callback fires afterwards. */
void parley_pc_close(parley_pc *pc);
bool parley_pc_is_closed(parley_pc *pc);
bool parley_pc_has_remote(parley_pc *pc);

/* ---- Negotiation without SDP text (pc_params.c) ----
 *
 * [loop] Creates the pc's transport as our ICE-lite one (settings.ice.lite
 * must be set: [media] ice_lite) and gathers its host candidates. 0, or
 * PARLEY_PC_ERR_STATE (closed, not lite, already has a transport) /
 * PARLEY_PC_ERR_ICE with a reason. */
int parley_pc_open_lite(parley_pc *pc, char *err, size_t err_size);
/* [loop] Our ICE credentials and up to `max` gathered candidates
 * ("candidate:..." lines, owned by the pc until the next restart); returns
 * how many were written. *ufrag and *pwd are NULL without a transport. */
size_t parley_pc_local_ice(parley_pc *pc, const char **ufrag, const char **pwd, const char **candidates,
                           size_t max);
/* [loop] The peer's DTLS identity: we take the client role when
 * `we_are_client`, else the server role; `hash` is the fingerprint's
 * algorithm ("sha-256"). DTLS starts once ICE is connected. Once only:
 * PARLEY_PC_ERR_STATE afterwards. */
int parley_pc_set_remote_dtls(parley_pc *pc, bool we_are_client, const char *hash, const char *fingerprint,
                              char *err, size_t err_size);
/* [loop] New local ICE credentials (the previous ones work until the peer
 * uses the new ones); candidates are gathered again. */
int parley_pc_restart_local_ice(parley_pc *pc, char *err, size_t err_size);
/* [loop] (Re)builds the stream table from two models with as many m-lines
 * each: `remote` says what the peer sends (its SSRCs, rids, extension ids
 * and directions from its side), `local` what we send (our SSRCs, RTX pts).
 * The same steps as a remote offer followed by our answer; no transport
 * attribute is read. `local` may be changed (clashing extension ids are
 * dropped, as for an answer). 0 or an error. */
int parley_pc_apply_streams(parley_pc *pc, const parley_sdp *remote, parley_sdp *local, char *err,
                            size_t err_size);
/* [loop] What drives the pc without SDP (params*.c), freed with
 * free_fn(data) on the pc's loop when the pc is freed; NULL when none. */
void parley_pc_attach(parley_pc *pc, void *data, void (*free_fn)(void *data));
void *parley_pc_attachment(parley_pc *pc);

/* [any] Media out. relay_rtp rewrites the SSRC to the one we announced on
 * the m-line (when we announced one), the payload type and extension ids
 * when the destination negotiated others than the source's, keeps the
 * packet for NACKs, protects into a scratch buffer and sends. 0 or -1. */
int parley_pc_relay_rtp(parley_pc *pc, const parley_rtp_packet *packet);
int parley_pc_relay_rtcp(parley_pc *pc, const parley_rtcp_packet *packet);
int parley_pc_send_pli(parley_pc *pc, int mindex);   /* -1 = every video stream */
int parley_pc_send_remb(parley_pc *pc, uint32_t bitrate);

/* [loop] Data channels (pc_data.c). send: one message on the oldest open
 * channel labelled `label`, opening it with `open` when there is none
 * (parley_dc_send); 0 or a parley_dc_error with a reason
 * (PARLEY_DC_ERR_CLOSED when no data channel is negotiated or its
 * association is not up). close: resets the channels labelled `label`. */
int parley_pc_send_data(parley_pc *pc, const char *label, const parley_dc_open_options *open, bool binary,
                        const uint8_t *data, size_t length, char *reason, size_t reason_size);
int parley_pc_close_data(parley_pc *pc, const char *label);
/* [any] parley_pc_send_data from any thread: on the pc's loop it sends at
 * once (the real result); elsewhere the message is checked (size against
 * ours, label and protocol), copied and queued for the loop, in order, at
 * most PARLEY_PC_RELAY_QUEUE messages or PARLEY_PC_RELAY_BYTES bytes: 0
 * then means queued, and a refusal on the loop reaches data_refused. */
#define PARLEY_PC_RELAY_QUEUE 1024
#define PARLEY_PC_RELAY_BYTES (16 * 1024 * 1024)
int parley_pc_relay_data(parley_pc *pc, const char *label, const parley_dc_open_options *open, bool binary,
                         const uint8_t *data, size_t length, char *reason, size_t reason_size);
/* [loop] Both descriptions accepted an m=application line. */
bool parley_pc_has_data(parley_pc *pc);

/* [loop] Admin handle_info's "webrtc" object, in the shape of Janus's
 * (new reference): "ice", "dtls", "media", "extensions", "bwe", and
 * Parley's own members beside them (core/media/README.md). */
json_t *parley_pc_info(parley_pc *pc);
/* [loop] What Janus's handle_info shows beside "webrtc" for a handle with
 * a PeerConnection (new reference): "flags", "agent-created", "ice-mode",
 * "ice-role" and "sdps" ({profile, local, remote}). */
json_t *parley_pc_handle_info(parley_pc *pc);
/* [loop] The active streams' figures, as in parley_pc_info's "streams"
 * (new reference). */
json_t *parley_pc_streams_json(parley_pc *pc);
/* The address, port and type of a candidate line ("candidate:f 1 udp p
 * 192.0.2.1 5000 typ relay ...", with or without the "a=" / "candidate:"
 * prefix). 0, or -1 when the line has no such fields. */
int parley_pc_candidate_endpoint(const char *line, char *ip, size_t ip_size, uint16_t *port, char *type,
                                 size_t type_size);

/* Process-wide connectivity events of every pc, for /metrics. */
typedef enum parley_pc_event {
	PARLEY_PC_EVENT_DISCONNECTED,    /* the peer went quiet */
	PARLEY_PC_EVENT_RECOVERED,       /* ... and came back */
	PARLEY_PC_EVENT_ICE_RESTART,     /* new ICE credentials (ours or the peer's) */
	PARLEY_PC_EVENT_ICE_FAILED,      /* checks never connected */
	PARLEY_PC_EVENT_CONSENT_EXPIRED, /* silent for consent_timeout_ms, or no keepalive answered */
	PARLEY_PC_EVENT_DTLS_FAILED,     /* handshake timeout, alert or SRTP setup */
	PARLEY_PC_EVENT_COUNT
} parley_pc_event;
const char *parley_pc_event_name(parley_pc_event event);
guint64 parley_pc_event_count(parley_pc_event event);

#endif
