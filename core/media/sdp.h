/*
 * sdp.h — Parley's SDP model (RFC 8866 with the WebRTC attributes of
 * RFC 8829/8843/8853/8851/8285/8839/8841/8122), its parser (sdp_parse.c),
 * writer (sdp_write.c), model helpers (sdp_model.c) and the answer/offer
 * builders for plugins (sdp_answer.c).
 *
 * Ownership: a parley_sdp and everything it points to is heap memory owned
 * by the parley_sdp; free it with parley_sdp_free. Strings passed to the
 * builders are borrowed (copied). parley_sdp_write returns a malloc'd
 * string the caller frees with free().
 */
#ifndef PARLEY_MEDIA_SDP_H
#define PARLEY_MEDIA_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* m-lines per session description: enough for one subscriber PeerConnection
 * carrying 50 peers x (audio + video) plus screen shares. The model is
 * allocated per negotiation, never per packet. */
#define PARLEY_SDP_MAX_MEDIA 128
/* Text and line limits sized for that many m-lines (a browser's answer
 * spends ~1-2 KB and ~30 lines per m-line). */
#define PARLEY_SDP_MAX_LENGTH 262144
#define PARLEY_SDP_MAX_LINES 8192

/* Limits enforced by the parser (and the builders). 0 in a field = default. */
typedef struct parley_sdp_limits {
	size_t max_length;      /* whole text in bytes (PARLEY_SDP_MAX_LENGTH) */
	size_t max_line;        /* one line in bytes (4096) */
	size_t max_lines;       /* lines in total (PARLEY_SDP_MAX_LINES) */
	size_t max_media;       /* m-lines (PARLEY_SDP_MAX_MEDIA) */
	size_t max_formats;     /* formats per m-line (64) */
	size_t max_rtcp_fb;     /* rtcp-fb per format (16) */
	size_t max_candidates;  /* candidates per m-line (64) */
	size_t max_attributes;  /* unknown attributes / other lines per section (64) */
	size_t max_extmaps;     /* extmap per m-line (32) */
	size_t max_ssrcs;       /* ssrcs and ssrc-groups per m-line (32) */
	size_t max_rids;        /* rids per m-line (16) */
} parley_sdp_limits;

/* Fills every zero field of *limits with its default. */
void parley_sdp_limits_default(parley_sdp_limits *limits);

typedef enum parley_sdp_direction {
	PARLEY_SDP_DIR_UNSET = 0,
	PARLEY_SDP_SENDRECV,
	PARLEY_SDP_SENDONLY,
	PARLEY_SDP_RECVONLY,
	PARLEY_SDP_INACTIVE,
} parley_sdp_direction;

typedef enum parley_sdp_setup {
	PARLEY_SDP_SETUP_UNSET = 0,
	PARLEY_SDP_SETUP_ACTPASS,
	PARLEY_SDP_SETUP_ACTIVE,
	PARLEY_SDP_SETUP_PASSIVE,
	PARLEY_SDP_SETUP_HOLDCONN,
} parley_sdp_setup;

typedef enum parley_sdp_media_type {
	PARLEY_SDP_MEDIA_OTHER = 0,
	PARLEY_SDP_MEDIA_AUDIO,
	PARLEY_SDP_MEDIA_VIDEO,
	PARLEY_SDP_MEDIA_APPLICATION,
} parley_sdp_media_type;

typedef enum parley_sdp_codec {
	PARLEY_SDP_CODEC_UNKNOWN = 0,
	PARLEY_SDP_CODEC_OPUS,
	PARLEY_SDP_CODEC_VP8,
	PARLEY_SDP_CODEC_VP9,
	PARLEY_SDP_CODEC_H264,
	PARLEY_SDP_CODEC_AV1,
	PARLEY_SDP_CODEC_RTX,
	PARLEY_SDP_CODEC_RED,
	PARLEY_SDP_CODEC_ULPFEC,
	PARLEY_SDP_CODEC_FLEXFEC,
	PARLEY_SDP_CODEC_G722,
	PARLEY_SDP_CODEC_PCMU,
	PARLEY_SDP_CODEC_PCMA,
	PARLEY_SDP_CODEC_TELEPHONE_EVENT,
	PARLEY_SDP_CODEC_CN,
	PARLEY_SDP_CODEC_COUNT
} parley_sdp_codec;

typedef enum parley_sdp_ext {
	PARLEY_SDP_EXT_UNKNOWN = 0,
	PARLEY_SDP_EXT_MID,
	PARLEY_SDP_EXT_RID,
	PARLEY_SDP_EXT_REPAIRED_RID,
	PARLEY_SDP_EXT_AUDIO_LEVEL,
	PARLEY_SDP_EXT_ABS_SEND_TIME,
	PARLEY_SDP_EXT_TRANSPORT_CC,
	PARLEY_SDP_EXT_VIDEO_ORIENTATION,
	PARLEY_SDP_EXT_COUNT
} parley_sdp_ext;

/* An attribute kept as text: `a=name` (value NULL) or `a=name:value`. */
typedef struct parley_sdp_attr {
	char *name;
	char *value;
} parley_sdp_attr;

/* Another line kept as text (b=, i=, k=, ...). */
typedef struct parley_sdp_line {
	char type;
	char *value;
} parley_sdp_line;

typedef struct parley_sdp_candidate {
	char *foundation;
	uint32_t component;
	char *transport;       /* "udp", "tcp" (as written) */
	uint64_t priority;
	char *address;
	uint16_t port;
	char *type;            /* host, srflx, prflx, relay */
	char *raddr;           /* NULL when absent */
	int32_t rport;         /* -1 when absent */
	char *tcptype;         /* NULL when absent */
	int64_t generation;    /* -1 when absent */
	char *extra;           /* remaining "name value" pairs, NULL when none */
} parley_sdp_candidate;

typedef struct parley_sdp_format {
	char *fmt;             /* the token of the m-line */
	int pt;                /* 0..127 for RTP formats, -1 otherwise */
	bool has_rtpmap;
	parley_sdp_codec codec;
	char *name;            /* encoding name as written */
	uint32_t clock_rate;
	uint32_t channels;     /* 0 when absent */
	char *fmtp;            /* raw parameters, NULL when absent */
	int apt;               /* RTX: associated pt, -1 */
	int vp9_profile;       /* profile-id, -1 */
	int packetization_mode;/* H264, -1 */
	int level_asymmetry;   /* H264 level-asymmetry-allowed, -1 */
	uint32_t profile_level_id; /* H264, valid when has_profile_level_id */
	bool has_profile_level_id;
	char **rtcp_fb;        /* values after "a=rtcp-fb:<pt> " */
	size_t n_rtcp_fb;
} parley_sdp_format;

typedef struct parley_sdp_extmap {
	uint16_t id;
	parley_sdp_direction direction; /* UNSET when not written */
	char *uri;
	parley_sdp_ext ext;
	char *attributes;      /* extension attributes, NULL when none */
} parley_sdp_extmap;

typedef struct parley_sdp_ssrc {
	uint32_t ssrc;
	char *cname;
	char *msid;
	parley_sdp_attr *attrs; /* other source attributes in order */
	size_t n_attrs;
} parley_sdp_ssrc;

#define PARLEY_SDP_MAX_GROUP_SSRCS 8
typedef struct parley_sdp_ssrc_group {
	char *semantics;       /* FID, SIM, FEC-FR, ... */
	uint32_t ssrcs[PARLEY_SDP_MAX_GROUP_SSRCS];
	size_t n_ssrcs;
} parley_sdp_ssrc_group;

#define PARLEY_SDP_MAX_RID_PTS 16
typedef struct parley_sdp_rid {
	char *id;
	bool send;             /* send or recv */
	int pts[PARLEY_SDP_MAX_RID_PTS];
	size_t n_pts;
	char *params;          /* restrictions other than pt=, NULL when none */
} parley_sdp_rid;

typedef struct parley_sdp_fingerprint {
	char *hash;            /* "sha-256" */
	char *value;
} parley_sdp_fingerprint;

typedef struct parley_sdp_group {
	char *semantics;       /* BUNDLE, LS, ... */
	char **mids;
	size_t n_mids;
} parley_sdp_group;

typedef struct parley_sdp_media {
	parley_sdp_media_type type;
	char *type_name;
	uint16_t port;
	uint16_t port_count;   /* 0 when not written */
	char *proto;
	parley_sdp_format *formats;
	size_t n_formats;
	char *connection;      /* c= value */
	parley_sdp_line *lines;
	size_t n_lines;
	char *rtcp;            /* a=rtcp value */
	char *mid;
	parley_sdp_direction direction;
	bool rtcp_mux;
	bool rtcp_mux_only;
	bool rtcp_rsize;
	bool bundle_only;      /* a=bundle-only (RFC 8843): port 0, yet it carries media in its BUNDLE group */
	bool extmap_allow_mixed;
	char *ice_ufrag;
	char *ice_pwd;
	char *ice_options;
	parley_sdp_fingerprint fingerprint;
	parley_sdp_setup setup;
	char *msid;            /* "stream track" */
	parley_sdp_extmap *extmaps;
	size_t n_extmaps;
	parley_sdp_ssrc *ssrcs;
	size_t n_ssrcs;
	parley_sdp_ssrc_group *ssrc_groups;
	size_t n_ssrc_groups;
	parley_sdp_rid *rids;
	size_t n_rids;
	char *simulcast_send;  /* a=simulcast stream lists, NULL when absent */
	char *simulcast_recv;
	parley_sdp_candidate *candidates;
	size_t n_candidates;
	bool end_of_candidates;
	int32_t sctp_port;     /* -1 when absent */
	int64_t max_message_size; /* -1 when absent */
	parley_sdp_attr *attrs; /* unknown attributes in order */
	size_t n_attrs;
} parley_sdp_media;

typedef struct parley_sdp {
	int version;
	char *origin_username;
	char *origin_sess_id;
	char *origin_sess_version;
	char *origin_address;  /* "IN IP4 127.0.0.1" */
	char *name;
	char *timing;          /* t= value */
	char *connection;
	parley_sdp_line *lines;
	size_t n_lines;
	parley_sdp_group *groups;
	size_t n_groups;
	bool ice_lite;
	char *ice_ufrag;
	char *ice_pwd;
	char *ice_options;
	parley_sdp_fingerprint fingerprint;
	parley_sdp_setup setup;
	parley_sdp_direction direction;
	char *msid_semantic;   /* value as written after "a=msid-semantic:" */
	bool extmap_allow_mixed;
	parley_sdp_attr *attrs;
	size_t n_attrs;
	parley_sdp_media *media;
	size_t n_media;
	parley_sdp_limits limits;
} parley_sdp;

/* ---- parse / write ---- */

/* Parses text[0..len). NULL on error with a message in err ("line N: ..."). */
parley_sdp *parley_sdp_parse(const char *text, size_t len, const parley_sdp_limits *limits,
	char *err, size_t err_len);
/* Writes the model as SDP text (CRLF, fixed order). NULL on out of memory. */
char *parley_sdp_write(const parley_sdp *sdp, size_t *len);
void parley_sdp_free(parley_sdp *sdp);

/* ---- names ---- */
const char *parley_sdp_direction_name(parley_sdp_direction d);
const char *parley_sdp_setup_name(parley_sdp_setup s);
const char *parley_sdp_codec_name(parley_sdp_codec c);
parley_sdp_codec parley_sdp_codec_from_name(const char *name);
const char *parley_sdp_ext_uri(parley_sdp_ext e);
parley_sdp_ext parley_sdp_ext_from_uri(const char *uri);

/* ---- lookups ---- */
parley_sdp_media *parley_sdp_media_by_mid(const parley_sdp *sdp, const char *mid);
parley_sdp_format *parley_sdp_format_by_pt(const parley_sdp_media *m, int pt);
/* Extension id for a known extension, 0 when not negotiated. */
int parley_sdp_extmap_id(const parley_sdp_media *m, parley_sdp_ext ext);
/* RTX pt whose apt is `pt`, -1 when none. */
int parley_sdp_rtx_pt(const parley_sdp_media *m, int pt);
/* Effective direction: the m-line's, else the session's, else sendrecv. */
parley_sdp_direction parley_sdp_media_direction(const parley_sdp *sdp, const parley_sdp_media *m);
/* True when the mid is in an a=group:BUNDLE. */
bool parley_sdp_is_bundled(const parley_sdp *sdp, const char *mid);

/* ---- model building (sdp_model.c); each returns NULL/-1 past a limit ---- */
parley_sdp *parley_sdp_new(const parley_sdp_limits *limits);
parley_sdp_media *parley_sdp_add_media(parley_sdp *sdp, parley_sdp_media_type type, const char *proto);
parley_sdp_format *parley_sdp_add_format(parley_sdp *sdp, parley_sdp_media *m, int pt, const char *name,
	uint32_t clock_rate, uint32_t channels, const char *fmtp);
int parley_sdp_add_rtcp_fb(parley_sdp *sdp, parley_sdp_format *f, const char *value);
/* Parses fmtp parameters into the format's structured fields. */
void parley_sdp_format_set_fmtp(parley_sdp_format *f, const char *fmtp);
int parley_sdp_add_extmap(parley_sdp *sdp, parley_sdp_media *m, uint16_t id, const char *uri);
int parley_sdp_add_ssrc(parley_sdp *sdp, parley_sdp_media *m, uint32_t ssrc, const char *cname, const char *msid);
int parley_sdp_add_ssrc_group(parley_sdp *sdp, parley_sdp_media *m, const char *semantics,
	const uint32_t *ssrcs, size_t n);
/* a=rid:<id> send|recv (no restrictions). */
int parley_sdp_add_rid(parley_sdp *sdp, parley_sdp_media *m, const char *id, bool send);
int parley_sdp_add_candidate(parley_sdp *sdp, parley_sdp_media *m, const parley_sdp_candidate *c);
int parley_sdp_add_group(parley_sdp *sdp, const char *semantics, const char *const *mids, size_t n);
int parley_sdp_add_attr(parley_sdp *sdp, parley_sdp_media *m, const char *name, const char *value);
/* Replaces *slot with a copy of value (NULL clears). 0 or -1. */
int parley_sdp_set_string(char **slot, const char *value);

/* ---- answer / offer builders (sdp_answer.c) ---- */

/* ICE/DTLS values supplied by the caller (not generated here). */
typedef struct parley_sdp_transport {
	const char *ice_ufrag;
	const char *ice_pwd;
	bool ice_lite;
	bool trickle;               /* a=ice-options:trickle */
	const char *fingerprint_hash; /* "sha-256" */
	const char *fingerprint;
	parley_sdp_setup setup;     /* UNSET: active in answers, actpass in offers */
	const parley_sdp_candidate *candidates;
	size_t n_candidates;
	bool end_of_candidates;
	const char *address;        /* c= address, default 0.0.0.0 */
	uint16_t port;              /* m= port, default 9 */
} parley_sdp_transport;

/* What the answerer sends on one m-line (used when the direction includes send). */
typedef struct parley_sdp_local_track {
	uint32_t ssrc;
	uint32_t rtx_ssrc;          /* 0 = none */
	const char *cname;
	const char *msid_stream;
	const char *msid_track;
} parley_sdp_local_track;

typedef struct parley_sdp_answer_options {
	/* encoding names in order of preference ("opus", "VP8", "H264", ...);
	 * "rtx" is implied for every kept video codec when the offer has it */
	const char *const *codecs;
	size_t n_codecs;
	unsigned max_codecs_per_media;  /* 0 = every allowed codec offered */
	int h264_packetization_mode;    /* -1 any, else required value */
	const char *const *extensions;  /* accepted extension URIs */
	size_t n_extensions;
	const parley_sdp_direction *directions; /* per m-line wish; UNSET = sendrecv */
	size_t n_directions;
	const parley_sdp_local_track *tracks;    /* per m-line, may be NULL */
	size_t n_tracks;
	bool accept_simulcast;
	bool accept_data;
	bool rtcp_rsize;                /* answer rtcp-rsize when offered */
	const char *session_id;         /* o= session id, default "1" */
	parley_sdp_transport transport;
} parley_sdp_answer_options;

/* Builds an answer model to `offer`. NULL with err set on failure. */
parley_sdp *parley_sdp_build_answer(const parley_sdp *offer, const parley_sdp_answer_options *opts,
	char *err, size_t err_len);

typedef struct parley_sdp_offer_codec {
	const char *name;       /* encoding name */
	int pt;
	uint32_t clock_rate;
	uint32_t channels;      /* 0 = omit */
	const char *fmtp;       /* NULL = none */
	const char *const *rtcp_fb;
	size_t n_rtcp_fb;
	int rtx_pt;             /* -1 = none */
} parley_sdp_offer_codec;

typedef struct parley_sdp_offer_media {
	parley_sdp_media_type type;
	const char *mid;
	parley_sdp_direction direction;
	const parley_sdp_offer_codec *codecs;  /* not for application */
	size_t n_codecs;
	const uint16_t *extmap_ids;
	const char *const *extmap_uris;
	size_t n_extmaps;
	parley_sdp_local_track track;          /* ssrc 0 = no a=ssrc/a=msid */
	int32_t sctp_port;                     /* application: default 5000 */
	int64_t max_message_size;              /* application: -1 = omit */
} parley_sdp_offer_media;

typedef struct parley_sdp_offer_options {
	const parley_sdp_offer_media *media;
	size_t n_media;
	bool bundle;
	bool rtcp_rsize;
	const char *session_id;
	uint64_t session_version;
	parley_sdp_transport transport;
} parley_sdp_offer_options;

parley_sdp *parley_sdp_build_offer(const parley_sdp_offer_options *opts, char *err, size_t err_len);

/* An m-line that carries media: it has a port, or it is an offerer's
 * bundle-only one (port 0 and a=bundle-only, RFC 8843 section 6: a
 * max-bundle offer's m-lines after the first). */
static inline bool parley_sdp_media_in_use(const parley_sdp_media *m)
{
	return m->port != 0 || m->bundle_only;
}

#endif
