/*
 * pc_internal.h — what pc.c, pc_sdp.c and pc_media.c share: the
 * PeerConnection struct and its per-m-line streams.
 *
 * Locking: `lock` guards what [any] functions touch: the outbound SRTP
 * context, the send scratch buffer, outgoing stream counters, the
 * retransmission histories and the stream table's shape (replaced only on
 * the loop, under the lock). Inbound state is touched on the loop only.
 */
#ifndef PARLEY_MEDIA_PC_INTERNAL_H
#define PARLEY_MEDIA_PC_INTERNAL_H

#include "pc.h"
#include "datachannel.h"
#include "dtls.h"
#include "rtcp.h"
#include "rtp.h"
#include "sctp.h"
#include "sdp.h"
#include "srtp.h"

/* The seam between a pc and its ICE transport: libnice's agent (ice.c) or
 * the ICE-lite transport (lite.c) fill one table each (pc_transport.c);
 * both report through parley_ice_callbacks, so the pc has no per-transport
 * branch. `t` is the object create() returned. */
typedef struct pc_transport_ops {
	const char *name;
	void *(*create)(GMainContext *context, const parley_ice_config *config, const parley_ice_callbacks *cb,
	                void *user_data, GError **error);
	void (*free)(void *t);
	int (*gather)(void *t, GError **error);
	void (*get_local_credentials)(void *t, const char **ufrag, const char **pwd);
	int (*set_remote_credentials)(void *t, const char *ufrag, const char *pwd);
	int (*add_remote_candidate)(void *t, const char *candidate, GError **error);
	void (*remote_gathering_done)(void *t);
	int (*restart)(void *t);
	int (*send)(void *t, const uint8_t *data, size_t length);
	int (*get_selected_pair)(void *t, parley_ice_pair *pair);
	int (*get_route)(void *t, parley_udp_route *route);
	bool (*is_controlling)(void *t);
	json_t *(*info)(void *t); /* for handle_info (new reference), NULL when the transport has none */
	/* Authenticated traffic came from the peer since the last report tick
	 * (pc_liveness.c); NULL when the transport keeps consent itself. */
	void (*peer_heard)(void *t);
} pc_transport_ops;

extern const pc_transport_ops pc_transport_nice;   /* libnice, full or its lite mode */
extern const pc_transport_ops pc_transport_lite;   /* our ICE-lite on the loop's shared socket */

/* m-lines per PeerConnection: the SDP model's limit. Each stream is over
 * 2 KB, so the table holds pointers and a stream is allocated when a
 * description first names its m-line (never on the packet path). */
#define PC_MAX_STREAMS PARLEY_SDP_MAX_MEDIA
#define PC_MAX_SSRCS 4          /* per stream: simulcast layers */
#define PC_MAX_CANDIDATES 32
#define PC_SCRATCH 1600
#define PC_MAX_NACK 64
#define PC_MAX_FORMATS 32
#define PC_MAX_NOTED_CANDIDATES 16 /* remote candidates remembered for the selected pair's type */
#define PC_EXT_NEGOTIATED_OTHER 0xff /* local_ext_kind: negotiated, a URI we do not interpret */

/* A remote candidate's address and type (loop only). */
typedef struct pc_noted_candidate {
	char ip[48];
	uint16_t port;
	char type[8];
} pc_noted_candidate;

/* One negotiated payload type, as relay_rtp matches it between m-lines. */
typedef struct pc_format {
	uint8_t pt;
	uint8_t codec;               /* parley_sdp_codec */
	uint8_t h264_profile;        /* profile_idc of profile-level-id, 0 when none */
	int8_t h264_mode;            /* packetization-mode, -1 when none */
	uint32_t clock_rate;
} pc_format;

typedef struct pc_stream {
	int mindex;
	char mid[32];
	bool video;
	bool active;                 /* port != 0, audio/video */
	bool we_send, we_receive;
	/* remote (what the peer sends us) */
	uint32_t remote_ssrc[PC_MAX_SSRCS];
	uint32_t remote_rtx_ssrc[PC_MAX_SSRCS];
	char rids[PC_MAX_SSRCS][16];
	size_t n_rids;
	int remote_pt_rtx_apt[128];  /* rtx pt → apt, -1 */
	uint32_t clock_rate;
	uint8_t ext_mid, ext_rid, ext_rrid, ext_audio_level, ext_twcc; /* remote ids */
	uint8_t remote_ext_kind[256];  /* remote extension id → parley_sdp_ext */
	pc_format remote_formats[PC_MAX_FORMATS];
	size_t n_remote_formats;
	/* local (what we send) */
	uint32_t local_ssrc, local_rtx_ssrc;
	int local_rtx_pt[128];       /* pt → our rtx pt, -1 */
	uint8_t local_ext_mid;
	uint8_t local_ext_id[PARLEY_SDP_EXT_COUNT]; /* our id per extension, 0 = not negotiated */
	uint8_t local_ext_kind[256];   /* our id → parley_sdp_ext, PC_EXT_NEGOTIATED_OTHER, 0 = none */
	bool local_known;              /* our description for this m-line went out */
	pc_format local_formats[PC_MAX_FORMATS];
	size_t n_local_formats;
	uint16_t rtx_seq;
	parley_rtp_history *history;
	/* receive statistics (loop only) */
	parley_rtcp_rx_stats rx[PC_MAX_SSRCS];
	uint32_t last_sr_lsr[PC_MAX_SSRCS];
	gint64 last_sr_time[PC_MAX_SSRCS];
	bool rx_seen[PC_MAX_SSRCS];
	uint16_t rx_highest[PC_MAX_SSRCS];
	gint64 last_rx_us;
	bool receiving;
	uint32_t lost_prev;
	uint64_t nacks_sent_prev;
	/* counters */
	uint64_t packets_in, bytes_in, packets_out, bytes_out;
	uint64_t nacks_in, nacks_out, plis_in, plis_out, retransmitted;
	/* send side (under lock) */
	uint32_t sr_packets, sr_octets, last_out_ts;
	gint64 last_out_time;
	int64_t rtt_us;
	uint32_t remote_lost;
	uint32_t remote_jitter;
} pc_stream;

/* Data channels (pc_data.c), loop only. */
typedef struct pc_data {
	int remote_index;             /* the peer's data m-line, -1 when none */
	bool remote_accepts, local_accepts; /* each description has it with a port */
	uint16_t remote_port, local_port;   /* SCTP ports */
	int64_t remote_max_message_size;    /* a=max-message-size: -1 absent, 0 unlimited */
	parley_sctp *sctp;            /* once DTLS is up and both accept */
	parley_dc *dc;
	uint64_t dropped;             /* DTLS application data before the association existed */
	uint64_t start_failures;
	/* messages parley_pc_relay_data queued from other threads, under relay_lock
	 * (a lock of the data path only) */
	GMutex relay_lock;
	GQueue relay;                 /* pc_relay_job * */
	size_t relay_bytes;
	bool relay_wake;              /* a drain is scheduled on the loop */
	uint64_t relay_refused;       /* queued, then refused on the loop */
} pc_data;

struct parley_pc {
	gint refcount;
	GMainContext *context;
	parley_pc_settings settings;
	parley_pc_callbacks cb;
	void *user_data;
	GMutex lock;

	bool closed;
	bool have_remote, have_local;
	bool offerer;                /* we sent the last offer */
	size_t offered_media;        /* m-lines in that offer (streams[i]->mid are its mids) */
	bool last_local_offer;       /* our last description was an offer (answered or not) */
	bool remote_ice_lite;
	void *ice;                   /* the transport, driven through ice_ops */
	const pc_transport_ops *ice_ops;
	parley_ice_state ice_state;
	bool gathering_done;
	bool trickling;               /* local candidates go out as they come */
	char *local_candidates[PC_MAX_CANDIDATES];
	size_t n_local_candidates;
	char *remote_candidates[PC_MAX_CANDIDATES]; /* as the peer sent them, for handle_info */
	size_t n_remote_candidates;
	char *remote_ufrag, *remote_pwd;
	char *remote_fp_hash, *remote_fp;
	parley_sdp_setup remote_setup;
	parley_dtls *dtls;
	parley_dtls_role role;
	bool role_known;
	parley_srtp *srtp;           /* inbound under loop, outbound under lock */
	parley_udp_route route;      /* the selected pair beside libnice; under lock */
	bool webrtc_up;
	bool got_offer, got_answer;  /* descriptions the peer sent, ever */
	char *local_sdp, *remote_sdp; /* the last descriptions each way, for handle_info */
	/* when things happened (monotonic µs, 0 = not yet), for handle_info */
	gint64 transport_created_us, gathered_us, ice_connected_us, dtls_started_us, dtls_connected_us;
	guint timer_id;
	GSource *timer;
	uint32_t cname_ssrc;         /* our RTCP sender SSRC */
	char bundle_mid[32];

	pc_stream *streams[PC_MAX_STREAMS]; /* [0, n_streams) allocated, stable until the pc is freed */
	size_t n_streams;
	uint8_t scratch[PC_SCRATCH + PARLEY_SRTP_MAX_TAIL_ROOM];
	uint8_t rtcp_scratch[PC_SCRATCH + PARLEY_SRTP_MAX_TAIL_ROOM];
	uint64_t dtls_failures;
	/* liveness (pc_liveness.c, loop only) */
	uint64_t heard;              /* authenticated datagrams from the peer */
	uint64_t heard_at_tick;      /* `heard` at the last tick */
	gint64 last_heard_us;        /* when `heard` last moved (or nothing was expected) */
	bool disconnected;
	uint64_t disconnects, recoveries, ice_restarts;
	pc_data data;
	/* selected pair reports and stats callbacks (loop only) */
	pc_noted_candidate noted[PC_MAX_NOTED_CANDIDATES];
	size_t n_noted;              /* written so far; the ring keeps the latest */
	char reported_pair[32];      /* "local/remote/protocol" last reported, "" before */
	unsigned stats_ticks;
	/* what negotiates this pc without SDP text (pc_params.c): freed with the pc on its loop */
	void *attachment;
	void (*attachment_free)(void *attachment);
};

/* pc.c */
void pc_fail(parley_pc *pc, parley_pc_event cause, const char *reason);
void pc_count_event(parley_pc_event event);
int pc_ensure_transport(parley_pc *pc, bool controlling, char *err, size_t err_size);
int pc_start_dtls(parley_pc *pc, char *err, size_t err_size);
void pc_send_datagram(parley_pc *pc, const uint8_t *data, size_t length);
void pc_note_remote_candidate(parley_pc *pc, const char *ip, uint16_t port, const char *type);
void pc_note_remote_candidate_line(parley_pc *pc, const char *line);
void pc_start_dtls_handshake(parley_pc *pc);

/* pc_info.c */
void pc_keep_remote_candidate(parley_pc *pc, const char *line);
void pc_forget_remote_candidates(parley_pc *pc);
void pc_keep_description(char **slot, const char *sdp);
void pc_report_selected_pair(parley_pc *pc);

/* pc_sdp.c: the negotiation steps the SDP path and pc_params.c share */
void pc_take_remote_streams(parley_pc *pc, const parley_sdp *sdp);
void pc_take_local_streams(parley_pc *pc, const parley_sdp *sdp);
void pc_restart_ice(parley_pc *pc);

/* pc_rewrite.c */
void pc_formats_from_sdp(const parley_sdp_media *m, pc_format *formats, size_t *n);
size_t pc_rewrite_rtp(uint8_t *out, size_t capacity, const uint8_t *in, const parley_util_rtp_info *info,
                      const pc_stream *src, const pc_stream *dst);
int pc_bundle_extmaps(parley_sdp *sdp);

/* pc_media.c */
void pc_media_incoming(parley_pc *pc, uint8_t *data, size_t length);
void pc_media_start_timer(parley_pc *pc);
void pc_media_stop_timer(parley_pc *pc);
void pc_stream_reset_remote(pc_stream *s);
void pc_stream_free(pc_stream *s);
json_t *pc_media_stream_info(parley_pc *pc, pc_stream *s);

/* pc_data.c */
void pc_data_init(parley_pc *pc);
void pc_data_clear(parley_pc *pc);
void pc_data_take_remote(parley_pc *pc, const parley_sdp *sdp);
void pc_data_take_local(parley_pc *pc, const parley_sdp *sdp);
int pc_data_merge_local(parley_pc *pc, parley_sdp *sdp);
void pc_data_maybe_start(parley_pc *pc);
void pc_data_stop(parley_pc *pc);
void pc_data_incoming(parley_pc *pc, const uint8_t *data, size_t length);
json_t *pc_data_info(parley_pc *pc);

/* pc_liveness.c */
void pc_liveness_tick(parley_pc *pc, gint64 now);
void pc_liveness_restart(parley_pc *pc);

#endif
