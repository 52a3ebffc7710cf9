/*
 * plugins/room/room.h — the room plugin's (parley.plugin.room, the SFU)
 * shared types and the interfaces between its files:
 *  - config.c: settings read through core->config_get;
 *  - rooms.c: the context, rooms (create/destroy/list, config-file rooms,
 *    idle close), the outbox that carries events out of the state lock;
 *  - peers.c: peers (join, leave, reconnect window, heartbeat expiry) and
 *    the periodic sweep;
 *  - requests.c: the table of client requests and the admin requests;
 *  - media.c: producers and consumers (publishing, subscribing), snapshots
 *    read by the media path;
 *  - negotiate.c: publish answers; the subscriber's versioned offers and
 *    answers, ICE restarts, the offer timeout;
 *  - mediasoup.c: the requests of mediasoup-client apps (transports,
 *    producers and consumers described by parameters, no SDP): the send
 *    transport is the main handle's pc, the receive transport a companion
 *    handle's (the peer's subscriber handle); mediasoup_params.c turns
 *    rtpParameters into a producer's facts and back;
 *  - connection.c: what happens to a handle's PeerConnection (up, quiet,
 *    back, ended): the subscriber's pc loss and the per-peer counters;
 *  - forward.c: the per-packet path (parse, rewrite, fan-out);
 *  - rewrite.c: the rewriting context (ssrc/seq/ts continuity);
 *  - simulcast.c: layer choice (payload inspection: util/keyframe.h);
 *  - feedback.c: RTCP from subscribers (PLI/FIR, REMB, RR) to publishers;
 *  - speaker.c: audio levels → activeSpeaker;
 *  - stats.c: bitrate/loss/layer views;
 *  - snapshot.c: loop-reclaimed immutable arrays for the media path;
 *  - whip*.c, whep.c, sdpfrag.c: WHIP ingest and WHEP playback over plain
 *    HTTP (whip.h): a WHIP publisher is a peer whose main handle the plugin
 *    owns; a WHEP player a hidden viewer (room->viewers) whose m-lines are
 *    fixed by its own offer and fed from the room's producers.
 *
 * Locking: ctx->lock serializes every control decision (rooms, peers,
 * producers, consumers). The media path never takes it: it reads
 * immutable snapshots (room_snapshot) owned by the handle whose loop reads
 * them, plus atomics. Events are queued into an outbox while ctx->lock is
 * held and pushed after it is released.
 *
 * Lifetimes: producers and consumers are reference counted (atomic). A
 * snapshot holds a reference on every object it lists; retired snapshots
 * are freed by the reading loop itself, so a reader never sees freed memory.
 */
#ifndef PARLEY_ROOM_H
#define PARLEY_ROOM_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "rewrite.h"
#include "simulcast.h"
#include "util/keyframe.h"
#include "util/rtp.h"

#define PARLEY_ROOM_PACKAGE "parley.plugin.room"
#define ROOM_ID_LEN 10
#define ROOM_PEER_ID_LEN 16
#define ROOM_OBJECT_ID_LEN 12      /* producer and consumer ids */
#define ROOM_MAX_ID 64             /* client-chosen ids: bytes */
#define ROOM_MAX_MLINES 128        /* m-lines per PeerConnection (the core SDP model's PARLEY_SDP_MAX_MEDIA) */
#define ROOM_MAX_LAYERS 3          /* simulcast spatial layers */
#define ROOM_SCRATCH 1600          /* largest RTP packet forwarded */
#define ROOM_KEYFRAME_AGAIN_US 1000000 /* after an answer, the follow-up keyframe request */

/* Relaxed 64-bit counters shared between a loop and readers elsewhere. */
/* One log line through the core, when it offers logging. */
#define ROOM_LOG(ctx, level, ...) \
	do { if ((ctx)->core->log != NULL) (ctx)->core->log(level, PARLEY_ROOM_PACKAGE, __VA_ARGS__); } while (0)
#define ROOM_ADD64(ptr, v) __atomic_fetch_add((ptr), (v), __ATOMIC_RELAXED)
#define ROOM_LOAD64(ptr) __atomic_load_n((ptr), __ATOMIC_RELAXED)
#define ROOM_STORE64(ptr, v) __atomic_store_n((ptr), (v), __ATOMIC_RELAXED)

/* Error codes in error events and refusals. */
typedef enum room_error {
	ROOM_ERR_INVALID = 400,        /* malformed request */
	ROOM_ERR_UNAUTHORIZED = 401,   /* admin secret / not the owner */
	ROOM_ERR_NOT_FOUND = 404,      /* room, peer, producer or consumer */
	ROOM_ERR_UNKNOWN_REQUEST = 405,
	ROOM_ERR_CONFLICT = 409,       /* exists already, joined already, no offer outstanding */
	ROOM_ERR_STALE = 410,          /* an answer to a subscriber offer since replaced */
	ROOM_ERR_NOT_JOINED = 412,     /* the handle is in no room */
	ROOM_ERR_FULL = 429,           /* max_participants / max_rooms */
	ROOM_ERR_MEDIA = 465,          /* SDP refused */
	ROOM_ERR_UNAVAILABLE = 503,    /* the core offers no SDP helpers (or no parameters API) */
} room_error;

typedef struct room_config {
	int max_participants;          /* [general] max_participants (7) */
	int max_participants_limit;    /* [general] max_participants_limit (100) */
	int max_rooms;                 /* [general] max_rooms (1000) */
	bool implicit_rooms;           /* [general] implicit_rooms (true): joinRoom creates */
	int64_t room_idle_ms;          /* [general] room_idle_timeout s (1800) */
	int64_t peer_timeout_ms;       /* [general] peer_timeout s (60) */
	int64_t reconnect_ms;          /* [general] reconnect_window s (30) */
	unsigned sweep_interval_ms;    /* [general] sweep_interval s (5) */
	int64_t offer_timeout_ms;      /* [general] offer_timeout s (10): an unanswered subscriber offer may be replaced */
	size_t max_metadata;           /* [general] max_metadata bytes (4096) */
	char *admin_key;               /* [general] admin_key: room creation needs it (NULL = open) */
	unsigned pli_interval_ms;      /* [media] pli_interval_ms (500) */
	uint32_t max_bitrate;          /* [media] max_bitrate bps (2500000): REMB cap to publishers */
	bool loop_per_room;            /* [media] loop_per_room (true): a room's handles share one event loop */
	uint32_t remb_interval_ms;     /* [media] remb_interval_ms (1000) */
	bool simulcast;                /* [media] simulcast (true) */
	bool auto_layers;              /* [media] auto_layers (true): layer from subscriber REMB */
	uint32_t layer_bitrates[ROOM_MAX_LAYERS]; /* [media] layer_bitrates "150000,500000,1500000" */
	unsigned speaker_interval_ms;  /* [media] speaker_interval_ms (500; 0 = off) */
	int speaker_threshold;         /* [media] speaker_threshold -dBov (60): quieter is silence */
	char *audio_codecs;            /* [media] audio_codecs ("opus") */
	char *video_codecs;            /* [media] video_codecs ("vp8,h264,vp9") */
	unsigned stats_interval_ms;    /* [media] stats_interval_ms (1000) */
	unsigned mline_budget;         /* [media] subscriber_mlines (32): fresh m-lines until then, reuse after (0 = always reuse) */
	/* WHIP and WHEP (whip.h; README "WHIP and WHEP") */
	bool whip_enabled;             /* [whip] enabled (true) */
	char **whip_tokens;            /* [whip] tokens / WHIP_TOKEN (NULL-terminated; NULL = no token needed) */
	char **whep_tokens;            /* [whep] tokens / WHEP_TOKEN (the same) */
	size_t whip_max_sdp;           /* [whip] max_sdp_size bytes (65536) */
	size_t whip_max_fragment;      /* [whip] max_fragment_size bytes (16384) */
	unsigned whip_rate_limit;      /* [whip] rate_limit: POSTs per address per minute (60; 0 = off) */
	unsigned whip_max_sessions;    /* [whip] max_sessions: WHIP and WHEP resources at once (256) */
	unsigned whip_workers;         /* [whip] workers: threads doing the resources' work (4) */
	unsigned whep_max_viewers;     /* [whep] max_viewers per room (200) */
	char **ice_links;              /* Link header values ([whip] stun_servers, turn_servers, ...) */
} room_config;

void parley_room_config_load(room_config *cfg, const parley_plugin_core *core);
void parley_room_config_clear(room_config *cfg);

/* ---- snapshot.c: an immutable array swapped by writers, read by one loop ---- */
typedef struct room_snapshot_items {
	guint n;
	gpointer items[];              /* each holds a reference (released by the unref fn) */
} room_snapshot_items;

typedef struct room_snapshot {
	room_snapshot_items *current;  /* read with g_atomic_pointer_get */
	GMutex lock;                   /* writers and reclamation only */
	GSList *retired;               /* old arrays waiting for the reader's loop */
	gint has_retired;
	GDestroyNotify unref;          /* drops one item's reference */
} room_snapshot;

typedef gpointer (*room_ref_fn)(gpointer item);
void parley_room_snapshot_init(room_snapshot *s, GDestroyNotify unref);
/* The reader (only ever one loop): frees retired arrays first, then returns
 * the current array (may be NULL). Valid until this loop reads again. */
room_snapshot_items *parley_room_snapshot_read(room_snapshot *s);
/* Writers (any thread): publishes a new array (taken). */
void parley_room_snapshot_publish(room_snapshot *s, room_snapshot_items *items);
room_snapshot_items *parley_room_snapshot_items_new(guint n);
/* The current array's items copied into a GPtrArray with new references
 * (writers building the next array). */
GPtrArray *parley_room_snapshot_copy(room_snapshot *s, room_ref_fn ref);
/* Publishes `array`'s items (references taken from the array). */
void parley_room_snapshot_publish_array(room_snapshot *s, GPtrArray *array);
/* Frees the retired arrays: only on the reader's loop, outside a read. */
void parley_room_snapshot_reclaim(room_snapshot *s);
/* When no reader can run any more: frees everything. */
void parley_room_snapshot_clear(room_snapshot *s);

/* ---- media objects ---- */
typedef enum room_kind { ROOM_KIND_AUDIO = 0, ROOM_KIND_VIDEO = 1 } room_kind;

/* The negotiated codec of a producer, reused in the subscribers' offers. */
typedef struct room_codec_info {
	char name[16];
	parley_util_keyframe_codec codec;  /* for video payload inspection */
	int pt;
	uint32_t clock_rate;
	uint32_t channels;
	char fmtp[256];
} room_codec_info;

typedef struct room_handle room_handle;
typedef struct room_producer room_producer;

typedef struct room_producer {
	gint refs;
	const parley_plugin_core *core;
	char id[ROOM_OBJECT_ID_LEN + 1];
	char peer_id[ROOM_PEER_ID_LEN + 1];
	char room_id[ROOM_MAX_ID + 1];
	room_kind kind;
	char source[16];               /* "mic", "camera", "screen" */
	json_t *metadata;              /* owned; under ctx->lock */
	int mindex;
	char mid[32];
	room_codec_info codec;
	unsigned layers;               /* simulcast encodings (1 = none) */
	uint8_t ext_abs_send_time;     /* publisher's extension ids (0 = not negotiated) */
	uint8_t out_pt;                /* payload type in the subscribers' offers */
	bool params;                   /* declared with params_receive (a mediasoup producer) */
	int64_t created_ms;            /* when it was made (WHEP players take the oldest first) */
	parley_plugin_session *session;/* publisher's handle (handle_ref held) */
	room_snapshot consumers;       /* room_consumer*, read on the publisher's loop */
	gint paused;                   /* atomic */
	gint closed;                   /* atomic */
	/* media-path state: publisher's loop only */
	uint8_t scratch[ROOM_SCRATCH];
	int64_t layer_seen_us[ROOM_MAX_LAYERS];
	int32_t layer_width[ROOM_MAX_LAYERS];   /* from VP8 keyframes, 0 = unknown */
	int32_t layer_height[ROOM_MAX_LAYERS];
	/* counters: written on the publisher's loop, read anywhere (atomic) */
	gint64 packets, bytes;
	gint64 layer_bytes[ROOM_MAX_LAYERS];
	gint64 last_pli_us;            /* rate limiting, CAS from any loop */
	gint pli_pending;              /* atomic: a request came inside the interval; sent when it ends */
	gint plis_sent;
	gint level_sum, level_count;   /* audio: -dBov sum over the speaker window */
	/* stats (under the stats timer) */
	double bitrate;                /* bps of the last stats window */
	gint64 stats_bytes;
	int64_t stats_ms;
} room_producer;

typedef struct room_consumer {
	gint refs;
	const parley_plugin_core *core;
	char id[ROOM_OBJECT_ID_LEN + 1];
	char peer_id[ROOM_PEER_ID_LEN + 1];   /* the subscriber */
	room_producer *producer;       /* reference */
	parley_plugin_session *session;/* subscriber's handle (handle_ref held) */
	int mindex;                    /* m-line in the subscriber's pc */
	char mid[32];
	uint32_t out_ssrc;
	uint8_t out_pt;                /* payload type sent (the producer's out_pt, or the params consumer's) */
	uint8_t ext_mid, ext_level, ext_abs; /* header extension ids sent (0 = not sent): 1, 2, 3 on SDP m-lines */
	bool params;                   /* declared with params_send on a receive transport */
	json_t *rtp_parameters;        /* params: the consumer's rtpParameters (owned) */
	gint paused;                   /* atomic: by the subscriber (starts paused) */
	gint closed;                   /* atomic */
	gint preferred_layer;          /* atomic: setPreferredLayers spatial (-1 = auto/highest) */
	gint preferred_temporal;       /* atomic: -1 = all */
	bool layer_pinned;             /* preferred_layer is kept whatever the estimate (a WHEP player's layer query) */
	gint remb;                     /* atomic: subscriber's estimate for this stream, bps (0 = none) */
	gint resync;                   /* atomic: next packet re-bases (resume) */
	gint layer;                    /* atomic: the spatial layer forwarded now (-1 none) */
	gint loss;                     /* atomic: fraction lost ×256 from the subscriber's RR */
	gint held;                     /* atomic: the subscriber's pc ended, nothing is sent until restartIce */
	gint64 keyframe_again_us;      /* atomic: ask the publisher for one more keyframe then, 0 = no (a
	                                * subscriber may set its receiver up after the first one passed) */
	/* publisher's loop only */
	room_rewriter rw;
	int target_layer;
	int64_t last_switch_us;
	/* counters */
	gint64 packets, bytes, dropped;
	gint64 stats_bytes;
	int64_t stats_ms;
	double bitrate;
} room_consumer;

void parley_room_producer_ref(room_producer *p);
void parley_room_producer_unref(room_producer *p);
void parley_room_consumer_ref(room_consumer *c);
void parley_room_consumer_unref(room_consumer *c);
/* room_ref_fn-shaped wrappers for snapshots. */
gpointer parley_room_producer_copy(gpointer p);
gpointer parley_room_consumer_copy(gpointer c);

#define ROOM_CODEC_COUNT 5         /* the codecs we forward (negotiate.c's table): opus, VP8, VP9, H264, AV1 */

/* One slot (m-line) of a subscriber's downstream offer. */
typedef struct room_slot {
	char mid[32];
	room_kind kind;
	room_consumer *consumer;       /* reference, NULL = inactive */
	room_codec_info codec;         /* last codec offered on this m-line */
	uint32_t ssrc;
	/* A WHEP player's m-line, fixed by its offer (whep.c): what was
	 * negotiated there, whichever producer feeds it. */
	bool fixed;
	bool usable;                   /* accepted, and we send on it */
	uint8_t pts[ROOM_CODEC_COUNT]; /* the player's payload type per codec (0 = not negotiated) */
	uint8_t ext_mid, ext_level, ext_abs;
	bool has_last;                 /* `last`: where the previous consumer's numbering ended */
	room_rewriter last;
} room_slot;

typedef enum room_role { ROOM_ROLE_NONE = 0, ROOM_ROLE_MAIN, ROOM_ROLE_SUBSCRIBER } room_role;

typedef struct room_peer room_peer;

/* One attached handle. */
struct room_handle {
	parley_plugin_session *session;
	room_role role;
	room_peer *peer;               /* under ctx->lock; NULL = in no room */
	room_snapshot producers;       /* main: room_producer* by position; read on its loop */
	room_snapshot consumers;       /* subscriber: room_consumer* by position; read on its loop */
	gint64 traffic;                /* atomic: packets received (liveness) */
	/* negotiation (under ctx->lock) */
	GArray *slots;                 /* subscriber: room_slot per offered m-line */
	bool offer_pending;            /* an offer was sent, its answer not received yet */
	bool offer_again;              /* something changed while an offer was pending */
	bool offer_spoiled;            /* the core took a refused answer for the pending offer: replace it at once */
	bool pc_lost;                  /* subscriber: the pc ended; no offer until restartIce */
	uint64_t offer_version;        /* version of the last offer sent */
	int64_t offer_sent_ms;         /* when the pending offer went out */
	json_t *offered_mids;          /* owned: the pending offer's mids, in m-line order (NULL = none) */
	bool media_up;
	/* a pc described by parameters (mediasoup.c; under ctx->lock) */
	bool params;                   /* its pc is a mediasoup transport (main: send, subscriber: recv) */
	bool companion;                /* made by the plugin through core->handle_companion */
	bool http;                     /* made by the plugin for a WHIP or WHEP resource (core->handle_new) */
	bool whep;                     /* a WHEP player's: its slots are fixed, never re-offered */
	char transport_id[ROOM_OBJECT_ID_LEN + 1]; /* "" = no transport yet */
};

/* Connectivity of one of a peer's PeerConnections (its publisher pc on
 * the main handle or its subscriber pc), counted over the peer's life. */
typedef enum room_pc_state {
	ROOM_PC_NEW = 0,               /* no media yet */
	ROOM_PC_CONNECTED,
	ROOM_PC_DISCONNECTED,          /* quiet for the core's disconnect timeout; media still goes out */
	ROOM_PC_CLOSED,                /* the pc ended (ICE failure, DTLS alert, hangup, consent expired) */
} room_pc_state;

typedef struct room_pc_health {
	room_pc_state state;
	unsigned disconnects;          /* CONNECTED → DISCONNECTED */
	unsigned recoveries;           /* DISCONNECTED → CONNECTED */
	unsigned pc_losses;            /* hangups of the pc */
	unsigned restarts;             /* subscriber: restartIce; publisher: offers with new ICE credentials */
} room_pc_health;

typedef enum room_pc_side { ROOM_PC_PUBLISHER = 0, ROOM_PC_SUBSCRIBER = 1 } room_pc_side;

struct room_peer {
	char id[ROOM_PEER_ID_LEN + 1];
	char *room_id;
	json_t *metadata;              /* owned */
	room_handle *main;             /* NULL while disconnected */
	room_handle *subscriber;       /* NULL when none attached */
	int64_t joined_ms;
	int64_t last_seen_ms;          /* heartbeat, requests, traffic */
	int64_t disconnected_ms;       /* 0 = connected */
	gint64 traffic_seen;           /* main+subscriber traffic at the last sweep */
	GPtrArray *producers;          /* room_producer* (references) */
	GPtrArray *consumers;          /* room_consumer* (references) */
	room_pc_health pcs[2];         /* by room_pc_side */
	char publisher_ufrag[64];      /* ICE ufrag of the last publish offer ("" = none yet) */
	/* a WHEP player (in room->viewers, not room->peers: nobody sees it) */
	bool viewer;
	char follow[ROOM_PEER_ID_LEN + 1]; /* the peer it plays, "" = the room */
	int layer;                     /* the simulcast layer it asked for, -1 = by its estimate */
};

typedef enum room_origin { ROOM_ORIGIN_API = 0, ROOM_ORIGIN_CONFIG, ROOM_ORIGIN_IMPLICIT } room_origin;

typedef struct room_room {
	char *id;
	json_t *metadata;              /* owned */
	int max_participants;
	room_origin origin;
	int64_t created_ms;
	int64_t empty_since_ms;        /* 0 = someone is in */
	GHashTable *peers;             /* peer id → room_peer* (owned) */
	GHashTable *viewers;           /* peer id → room_peer* (owned): WHEP players */
	char active_speaker[ROOM_PEER_ID_LEN + 1];
	const char *closing;           /* static reason while parley_room_close_locked runs, else NULL */
} room_room;

typedef struct room_outbox {
	GArray *items;
	GArray *actions;               /* room_outbox_action: core calls that may wait on a loop */
} room_outbox;

/* What the outbox does with a handle after the events, outside ctx->lock
 * (these core calls run on the handle's loop and wait for it). */
typedef enum room_action_kind {
	ROOM_ACTION_CLOSE_STREAM = 0,  /* params_close(mindex) */
	ROOM_ACTION_CLOSE_PC,          /* close_pc */
	ROOM_ACTION_END_HANDLE,        /* end_session: a companion handle the plugin made */
	ROOM_ACTION_HTTP_CLOSE,        /* the WHIP/WHEP resource of this handle ends (whip.h) */
	ROOM_ACTION_SHARE_LOOP,        /* onto its room's loop (parley_room_share_loop); runs before the events */
} room_action_kind;

/* SDP helpers the core may offer (filled from the core table when it has them). */
typedef struct room_sdp_ops {
	char *(*answer)(const char *offer, json_t *options, char *error, size_t error_size);
	char *(*offer)(json_t *description, char *error, size_t error_size);
	json_t *(*summary)(const char *sdp);
} room_sdp_ops;

typedef struct room_whip room_whip;

typedef struct room_ctx {
	const parley_plugin_core *core;
	const parley_plugin *plugin;
	room_config cfg;
	room_sdp_ops sdp;
	GMutex lock;
	GHashTable *rooms;             /* id → room_room* (owned) */
	GHashTable *handles;           /* session → room_handle* (owned) */
	GHashTable *producers;         /* id → room_producer* (borrowed from the peers) */
	GHashTable *consumers;         /* id → room_consumer* (borrowed from the peers) */
	int64_t (*now_ms)(void);       /* clock (replaceable in tests) */
	int64_t (*now_us)(void);
	gint64 packets_forwarded;      /* atomic */
	room_whip *whip;               /* WHIP and WHEP resources (whip.h), or NULL */
} room_ctx;

/* ---- rooms.c ---- */
room_ctx *parley_room_ctx_new(const parley_plugin_core *core, const parley_plugin *plugin, room_config *cfg);
void parley_room_ctx_free(room_ctx *ctx);
int64_t parley_room_clock_ms(void);
int64_t parley_room_clock_us(void);
void parley_room_random_id(char *out, size_t length);
uint32_t parley_room_random_u32(void);
/* Rooms named in [general] rooms, with their [room.<id>] settings. */
void parley_room_load_config_rooms(room_ctx *ctx);
/* Under ctx->lock. NULL with *error on refusal. */
room_room *parley_room_create_locked(room_ctx *ctx, const char *id, json_t *metadata, int max_participants,
                                     room_origin origin, parley_plugin_error *error);
room_room *parley_room_lookup_locked(room_ctx *ctx, const char *id);
/* Tells everyone roomClosed {reason}, removes every peer and frees the room. */
void parley_room_close_locked(room_ctx *ctx, room_outbox *box, room_room *room, const char *reason);
unsigned parley_room_count_peers_locked(room_ctx *ctx);

void parley_room_outbox_init(room_outbox *box);
/* Queues {"event":name,"data":payload (stolen)} for `handle` (NULL = dropped). */
void parley_room_outbox_emit_new(room_ctx *ctx, room_outbox *box, room_handle *handle, const char *name,
                                 json_t *payload);
/* Queues an event with a jsep (both stolen). */
void parley_room_outbox_jsep_new(room_ctx *ctx, room_outbox *box, room_handle *handle, const char *name,
                                 json_t *payload, json_t *jsep);
/* The same with the client's transaction (an answer to its request). */
void parley_room_outbox_reply_new(room_ctx *ctx, room_outbox *box, room_handle *handle, const char *transaction,
                                  const char *name, json_t *payload, json_t *jsep);
/* Same payload (borrowed) to every connected peer of the room but `except`. */
void parley_room_outbox_broadcast(room_ctx *ctx, room_outbox *box, room_room *room, const char *except,
                                  const char *name, json_t *payload);
/* Queues `data` (stolen) for the event handlers (core->notify_event from
 * `session`, which may be NULL); dropped at once when no handler wants
 * plugin events. The plugin's lifecycle events: {"event": "room_started" |
 * "room_finished" | "participant_joined" | "participant_reconnected" |
 * "participant_left" | "subscriber_attached" | "track_published" |
 * "track_unpublished", "room", ...} (README "Events for event handlers"). */
void parley_room_outbox_notify_new(room_ctx *ctx, room_outbox *box, parley_plugin_session *session, json_t *data);
/* Queues `kind` on `session` (a handle_ref is held until it ran). */
void parley_room_outbox_action(room_ctx *ctx, room_outbox *box, parley_plugin_session *session,
                               room_action_kind kind, int mindex);
/* Queues putting `session` on the event loop of `room_id`'s handles
 * ([media] loop_per_room), done before the box's events go out, so before
 * an offer in them makes the handle's pc. */
void parley_room_outbox_share_loop(room_ctx *ctx, room_outbox *box, parley_plugin_session *session,
                                   const char *room_id);
/* The same now (ctx->lock NOT held): core->handle_share_loop with the room's
 * id as the group; a handle whose pc exists already stays where it is. */
void parley_room_share_loop(room_ctx *ctx, parley_plugin_session *session, const char *room_id);
/* Runs the loop moves, pushes everything, then runs the other actions
 * (ctx->lock NOT held), and empties the box. */
void parley_room_outbox_flush(room_ctx *ctx, room_outbox *box);

/* ---- peers.c (all _locked with ctx->lock held) ---- */
room_handle *parley_room_handle_attach(room_ctx *ctx, parley_plugin_session *session);
/* The handle goes away: a main handle's peer enters the reconnect window. */
int parley_room_handle_detach(room_ctx *ctx, parley_plugin_session *session);
room_handle *parley_room_handle_lookup_locked(room_ctx *ctx, parley_plugin_session *session);
/* Joins `handle` to `room` (peer_id NULL = new id; a known disconnected
 * or same-room peer id = reconnect). NULL with *error on refusal. */
room_peer *parley_room_peer_join_locked(room_ctx *ctx, room_outbox *box, room_room *room, room_handle *handle,
                                        const char *peer_id, json_t *metadata, bool *reconnected,
                                        parley_plugin_error *error);
/* Removes the peer and frees it; others get peerLeft {peerId, reason}
 * unless reason is NULL (the whole room is closing). */
void parley_room_peer_remove_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, const char *reason);
/* The handle's peer lost its main handle: its producers close, it waits
 * for the reconnect window. */
void parley_room_peer_disconnect_locked(room_ctx *ctx, room_outbox *box, room_peer *peer);
void parley_room_peer_touch_locked(room_ctx *ctx, room_peer *peer);
json_t *parley_room_peer_to_json_locked(room_ctx *ctx, room_peer *peer, bool with_stats);
/* Expired peers and idle rooms at `now_ms`; returns how many objects went. */
unsigned parley_room_sweep(room_ctx *ctx, int64_t now_ms);

/* ---- media.c and negotiate.c (all _locked with ctx->lock held) ---- */
/* A producer on the peer's main handle at m-line `mindex` (the peer's list
 * holds the returned reference; ctx->producers indexes it). */
room_producer *parley_room_producer_new(room_ctx *ctx, room_peer *peer, room_kind kind, int mindex, const char *mid);
/* A publish offer on the peer's main handle: producers created/closed,
 * the answer queued. 0 or the code of *error. */
int parley_room_publish_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, const char *offer_sdp,
                               json_t *body, json_t **answer_out, parley_plugin_error *error);
void parley_room_producer_close_locked(room_ctx *ctx, room_outbox *box, room_producer *p, bool notify);
/* Queues `name` (track_published, track_unpublished) about `p` for the event handlers. */
void parley_room_notify_track_locked(room_ctx *ctx, room_outbox *box, room_producer *p, const char *name);
room_producer *parley_room_producer_lookup_locked(room_ctx *ctx, const char *id);
/* Queues `name` {consumerId, producerId, peerId (the producer's)} to the
 * peer of each of p's consumers (consumerClosed, consumerPaused,
 * consumerResumed: what happened to the producer, per consumer). */
void parley_room_producer_tell_consumers_locked(room_ctx *ctx, room_outbox *box, room_producer *p, const char *name);
/* Subscribes the peer to producer `p` (its m-line is ready; the caller then
 * sends the subscriber offer with parley_room_subscriber_offer_locked). */
room_consumer *parley_room_consume_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, room_producer *p,
                                          bool paused, parley_plugin_error *error);
void parley_room_consumer_close_locked(room_ctx *ctx, room_outbox *box, room_consumer *c);
room_consumer *parley_room_consumer_lookup_locked(room_ctx *ctx, const char *id);
/* (Re)sends the subscriber's offer after a change: not while its pc is
 * lost, and while an offer is pending only once that one expired
 * (offer_timeout) or was spoiled; otherwise the change waits for the
 * answer (offer_again). */
void parley_room_subscriber_offer_locked(room_ctx *ctx, room_outbox *box, room_peer *peer);
/* The subscriber's answer arrived; `version` is the offer it answers (-1 =
 * the outstanding one). 0 or the code of *error. */
int parley_room_subscriber_answer_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, const char *sdp,
                                         json_int_t version, parley_plugin_error *error);
/* restartIce: a full offer of every slot, replacing any pending one; on a
 * live pc with new ICE credentials, after a pc loss on a fresh pc.
 * *offered tells whether an offer went out (none without slots). 0 or the
 * code of *error. */
int parley_room_subscriber_restart_locked(room_ctx *ctx, room_outbox *box, room_peer *peer, bool *offered,
                                          parley_plugin_error *error);
/* The subscriber's pc ended: slots and consumers stay, forwarding holds,
 * nothing is offered until restartIce. */
void parley_room_subscriber_pc_lost_locked(room_ctx *ctx, room_peer *peer);
/* The sweep: a spoiled pending offer, or an expired one with changes waiting, is replaced. */
void parley_room_subscriber_check_offer_locked(room_ctx *ctx, room_outbox *box, room_peer *peer);
/* Forgets the subscriber's negotiation (slots, pending offer, pc loss). */
void parley_room_subscriber_reset(room_handle *handle);
/* "camera"/"screen"/"mic" for a new producer: `given` when set; else audio
 * is mic, the first video camera, any further video screen. */
void parley_room_pick_source(room_peer *peer, const char *given, room_kind kind, char *out, size_t size);
/* The producer's codec from a summary codec {name, pt, clock_rate,
 * channels, fmtp} (sdp_summary's shape), with our payload type towards SDP
 * subscribers. */
void parley_room_fill_codec(room_producer *p, json_t *codec);
/* The index of codec `name` in the table of codecs we forward
 * (ROOM_CODEC_COUNT entries), or -1. */
int parley_room_codec_index(const char *name);
/* Entry `index` of that table: its name and our payload types (rtx_pt -1
 * when none); false past the end. */
bool parley_room_codec_at(int index, const char **name, int *pt, int *rtx_pt);
/* A consumer of `p` on the fixed slot `index` of a WHEP player (its
 * negotiated SSRC, payload type and extension ids; numbering continues
 * where the slot's previous consumer ended). NULL when p's codec was not
 * negotiated there. */
room_consumer *parley_room_consume_slot_locked(room_ctx *ctx, room_peer *peer, room_producer *p, guint index);
/* A consumer of `p` on the peer's receive transport, declared there as
 * `mindex` with `rtp_parameters` (borrowed; copied), paused. */
room_consumer *parley_room_consume_params_locked(room_ctx *ctx, room_peer *peer, room_producer *p, int mindex,
                                                 json_t *rtp_parameters);
/* Republishes the snapshots read by the media path after a change. */
void parley_room_publish_producer_snapshot_locked(room_ctx *ctx, room_handle *handle, room_peer *peer);
void parley_room_publish_consumer_snapshot_locked(room_ctx *ctx, room_handle *handle, room_peer *peer);
void parley_room_producer_republish_consumers_locked(room_ctx *ctx, room_producer *p);
json_t *parley_room_producer_to_json(const room_producer *p);
json_t *parley_room_consumer_to_json(const room_consumer *c);
void parley_room_request_keyframe(room_ctx *ctx, room_producer *p, int64_t now_us);

/* ---- whep.c (with ctx->lock held) ---- */
/* Fills the empty slots of every WHEP player of `room` from its producers
 * (after a producer came or went). */
void parley_room_whep_refill_room_locked(room_ctx *ctx, room_outbox *box, room_room *room);
void parley_room_whep_refill_locked(room_ctx *ctx, room_outbox *box, room_peer *viewer);
/* Removes a WHEP player from its room (its consumers close; the resource
 * behind its handle is told to end through the outbox). */
void parley_room_viewer_remove_locked(room_ctx *ctx, room_outbox *box, room_peer *viewer);

/* ---- connection.c: the PeerConnection callbacks of the core (locks itself) ---- */
void parley_room_connection_up(room_ctx *ctx, parley_plugin_session *session);
void parley_room_connection_changed(room_ctx *ctx, parley_plugin_session *session, parley_connection_state state);
void parley_room_connection_ended(room_ctx *ctx, parley_plugin_session *session);
/* Under ctx->lock: counts a restart of the peer's pc on `side`. */
void parley_room_connection_restarted_locked(room_peer *peer, room_pc_side side);
/* {"publisher": {state, disconnects, recoveries, pcLosses, restarts}, "subscriber": {...}} */
json_t *parley_room_connection_to_json_locked(room_peer *peer);

/* ---- forward.c (publisher's / subscriber's loop) ---- */
void parley_room_incoming_rtp(room_ctx *ctx, room_handle *handle, parley_rtp_packet *packet);
void parley_room_incoming_rtcp(room_ctx *ctx, room_handle *handle, parley_rtcp_packet *packet);

/* ---- speaker.c ---- */
/* Called by the speaker timer: picks each room's loudest peer over the last
 * window and queues activeSpeaker when it changed. */
void parley_room_speaker_tick(room_ctx *ctx);
/* One audio packet's level (-dBov, 0 loudest .. 127 silence). */
void parley_room_speaker_sample(room_producer *p, int level, bool voice);

/* ---- stats.c ---- */
void parley_room_stats_tick(room_ctx *ctx, int64_t now_ms);
json_t *parley_room_room_stats_locked(room_ctx *ctx, room_room *room);
json_t *parley_room_room_info_locked(room_ctx *ctx, room_room *room, bool with_stats);
/* Aggregated REMB for every publisher (min of subscribers, capped). */
void parley_room_remb_tick(room_ctx *ctx);

/* ---- mediasoup.c ---- */
/* True when `name` with `body` is a mediasoup-client request (new names,
 * or produce/consume/restartIce carrying rtpParameters, rtpCapabilities,
 * transportId). */
bool parley_room_mediasoup_wants(const char *name, json_t *body);
/* Runs it: locks ctx->lock itself, never across a params_* call. */
void parley_room_mediasoup_request(room_ctx *ctx, parley_plugin_session *session, const char *transaction,
                                   const char *name, json_t *body, parley_plugin_result *result);

/* ---- mediasoup_params.c ---- */
/* A producer's codec, layers and extension ids from its rtpParameters. */
void parley_room_params_fill_producer(room_ctx *ctx, room_producer *p, json_t *rtp_parameters);
/* A params consumer's SSRC, payload type and extension ids from the
 * rtpParameters params_send returned. */
void parley_room_params_fill_consumer(room_consumer *c, json_t *rtp_parameters);
/* params_send's codec limit for a consumer of `p`: [{mimeType, parameters}]. */
json_t *parley_room_params_codecs_for(const room_producer *p);
/* Checks the shape of produce/consume members before they reach the core:
 * 0 or ROOM_ERR_INVALID in *error. */
int parley_room_params_check_produce(json_t *body, room_kind *kind, parley_plugin_error *error);

/* ---- whip*.c: WHIP and WHEP resources (whip.h has the rest) ---- */
/* The handle behind `session` lost its PeerConnection, or its room place
 * (ROOM_ACTION_HTTP_CLOSE): when it is a WHIP or WHEP resource's, the
 * resource ends. Without ctx->lock. */
void parley_room_whip_session_ended(room_ctx *ctx, parley_plugin_session *session, const char *reason);

/* ---- requests.c ---- */
/* Handles one client request; fills `result` (OK with content, or ERROR). */
void parley_room_handle_request(room_ctx *ctx, parley_plugin_session *session, const char *transaction,
                                json_t *body, json_t *jsep, parley_plugin_result *result);
json_t *parley_room_handle_admin(room_ctx *ctx, json_t *body);

#endif
