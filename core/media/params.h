/*
 * params.h — PeerConnections described by mediasoup-style parameters
 * instead of SDP: the translation between those parameters and the SDP
 * model (sdp.h), the RTP capabilities, and one pc's declared streams.
 *
 * Files:
 *  - params_rtp.c: rtpParameters <-> one m-line of the SDP model (codecs
 *    with RTX, header extensions, encodings by SSRC or rid, rtcp).
 *  - params_caps.c: the RTP capabilities (what the pc negotiates on the
 *    SDP path too), the check of a produced stream's codecs against them,
 *    and the codecs and extensions of an outgoing stream from a consumer's
 *    rtpCapabilities.
 *  - params_session.c: one pc driven by parameters — its ICE/DTLS
 *    parameters, the streams declared on it, and the two description
 *    models rebuilt from them and handed to the pc on every change
 *    (parley_pc_apply_streams).
 *
 * Errors: functions return 0 or a parley_pc_error (INVALID for a bad
 * member, MISSING for an absent one, LIMIT, STATE) and write the reason,
 * naming the member ("rtpParameters.codecs[1].payloadType: ..."), into
 * err. JSON passed in is borrowed; JSON returned (or stored into *out) is a
 * new reference the caller owns.
 *
 * Threading: params_session.c functions run on the pc's loop [loop];
 * params_rtp.c and params_caps.c functions keep no state [any].
 */
#ifndef PARLEY_MEDIA_PARAMS_H
#define PARLEY_MEDIA_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "pc.h"
#include "sdp.h"

#define PARLEY_PARAMS_MAX_ENCODINGS 4   /* simulcast layers per stream (the pc's) */
#define PARLEY_PARAMS_MAX_CODECS 16     /* codecs per rtpParameters */
#define PARLEY_PARAMS_MAX_EXTENSIONS 16 /* header extensions per rtpParameters */
#define PARLEY_PARAMS_MAX_FEEDBACK 16   /* rtcpFeedback per codec */
#define PARLEY_PARAMS_MAX_MID 31        /* characters of a mid */
#define PARLEY_PARAMS_MAX_RID 15        /* characters of a rid */
#define PARLEY_PARAMS_MAX_FMTP 512      /* a codec's parameters written as fmtp */

/* ---- params_rtp.c ---- */

/* Which sources of rtpParameters an m-line carries. */
typedef enum parley_params_sources {
	PARLEY_PARAMS_NO_SOURCES = 0, /* codecs, extensions and mid only */
	PARLEY_PARAMS_SOURCES,        /* also a=ssrc (+ FID) or a=rid send + a=simulcast */
} parley_params_sources;

/* Checks `rtp` (rtpParameters of `type`, audio or video) and fills m,
 * an m-line already added to sdp: mid, formats with fmtp and rtcp-fb,
 * extmaps, rtcp-rsize and, with PARLEY_PARAMS_SOURCES, the encodings. */
int parley_params_rtp_to_media(json_t *rtp, parley_sdp_media_type type, parley_params_sources sources, parley_sdp *sdp,
                               parley_sdp_media *m, char *err, size_t err_size);
/* The rtpParameters an m-line describes (new reference): {mid, codecs,
 * headerExtensions, encodings (from a=ssrc + FID, else a=rid), rtcp}. */
json_t *parley_params_rtp_from_media(const parley_sdp_media *m);
/* fmtp "k=v;k=v" as a codec's parameters object (new reference): numbers
 * become integers, profile-level-id stays a string. */
json_t *parley_params_fmtp_object(const char *fmtp);

/* ---- params_caps.c ---- */

/* The RTP capabilities (new reference): {codecs: [{kind, mimeType,
 * preferredPayloadType, clockRate, channels?, parameters, rtcpFeedback}],
 * headerExtensions: [{kind, uri, preferredId, preferredEncrypt,
 * direction}]}. */
json_t *parley_params_capabilities(void);
/* 0 when every media codec of m (RTX aside) is one of the capabilities. */
int parley_params_caps_accept(const parley_sdp_media *m, char *err, size_t err_size);
/* Fills m (type audio or video) with what we send to a consumer: the first
 * capability codec of that type that `consumer` (its rtpCapabilities,
 * borrowed) supports — among `wanted` (mimeTypes or {mimeType, parameters},
 * H264 then matched by packetization-mode and profile) when it is an array — with
 * its RTX when the consumer has video/rtx, our payload types, the rtcp-fb
 * both support, and the header extensions both support with our ids. */
int parley_params_caps_fill_send(json_t *consumer, json_t *wanted, parley_sdp *sdp, parley_sdp_media *m, char *err,
                                 size_t err_size);

/* ---- params_session.c [loop] ---- */

/* Opens pc's transport as ICE-lite and attaches the stream set; *out:
 * {iceParameters: {usernameFragment, password, iceLite: true},
 * iceCandidates: [{foundation, priority, ip, address, port, protocol,
 * type}], dtlsParameters: {role: "auto", fingerprints: [{algorithm,
 * value}]}}. */
int parley_params_open(parley_pc *pc, json_t **out, char *err, size_t err_size);
/* The peer's dtlsParameters {role?, fingerprints}: role "client" makes us
 * the DTLS server; "server", "auto" or none make us the client (we are the
 * ICE-controlled side), as mediasoup does. */
int parley_params_connect(parley_pc *pc, json_t *dtls_parameters, char *err, size_t err_size);
/* New ICE credentials; *out: {usernameFragment, password, iceLite: true}. */
int parley_params_restart_ice(parley_pc *pc, json_t **out, char *err, size_t err_size);
/* Declares one stream the peer sends (a producer): kind "audio"|"video"
 * and its rtpParameters (encodings: SSRCs with optional RTX, or rids);
 * *mindex: the m-line index its packets carry in incoming_rtp. */
int parley_params_receive(parley_pc *pc, const char *kind, json_t *rtp, int *mindex, char *err, size_t err_size);
/* Declares one stream we send (a consumer). options: {kind, rtpCapabilities
 * (the consumer's), codecs?: [mimeType, ...], cname?, paused?}. *out:
 * {mindex, rtpParameters} with the mid we assign, our SSRC and RTX SSRC. */
int parley_params_send(parley_pc *pc, json_t *options, json_t **out, char *err, size_t err_size);
/* Pauses (true) or resumes a declared stream; a paused stream neither
 * sends nor takes packets. */
int parley_params_pause(parley_pc *pc, int mindex, bool paused, char *err, size_t err_size);
/* Closes a declared stream: its m-line is rejected (port 0); the index
 * may be given to a later stream. */
int parley_params_close(parley_pc *pc, int mindex, char *err, size_t err_size);

/* The files' one refusal: writes the reason into err and returns code. */
__attribute__((format(printf, 4, 5))) int parley_params_fail(char *err, size_t err_size, int code, const char *format,
                                                             ...);

#endif
