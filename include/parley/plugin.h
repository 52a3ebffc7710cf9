/*
 * parley/plugin.h — the plugin ABI: what a media or signaling plugin exports
 * and the table of core services it receives at init.
 *
 * A plugin is a shared object exporting one symbol, PARLEY_PLUGIN_ENTRY, a
 * function returning a pointer to its `const parley_plugin` vtable (filled
 * with designated initializers). The core checks api_version and
 * struct_size before calling anything else, and refuses, with one log line,
 * a module built for an incompatible ABI. A plugin needs nothing but this
 * header (and GLib/Jansson): every core service comes through the
 * `parley_plugin_core` table handed to init. Build it with
 * -Wl,--no-undefined to prove it.
 *
 * Ownership and threading: see parley/common.h. In addition:
 *  - `parley_plugin_session` is allocated by the core. It is valid from
 *    create_session until destroy_session returns; a plugin that uses it
 *    later (another thread, a queued job) takes core->handle_ref first and
 *    drops it with core->handle_unref.
 *  - handle_message fills `result`: OK with `content` (a new reference the
 *    core takes) answers the request at once ("success" + plugindata);
 *    OK_WAIT makes the core answer "ack" and the plugin sends its answer
 *    later with core->push_event; ERROR answers error 462 with `text`.
 *  - Events for the Socket.IO endpoint: a plugin event whose data is
 *    {"event": "<name>", "data": <payload>} is emitted to a Socket.IO
 *    client as socket.emit("<name>", payload).
 *
 * Versioning: fields are only ever appended. A newer core loads an older
 * plugin (it reads struct_size and treats missing callbacks as NULL:
 * PARLEY_PLUGIN_FIELD below); a plugin whose api_version differs in the
 * major number is refused. The same holds for the core table: a plugin
 * loaded by an older core finds its struct_size smaller and checks a field
 * it needs with PARLEY_PLUGIN_CORE_HAS before calling it. A struct that
 * carries data both ways (parley_data_packet in parley/common.h) grows the
 * same way, and the vtable field appended with its new members says which
 * layout a plugin was built with: the core reads and fills them only for a
 * plugin the field is covered for (PARLEY_PLUGIN_COVERS).
 *
 * Data channels (SCTP over DTLS, RFC 8831/8832), since data_ready and
 * close_data were appended: a plugin accepts them by answering an offer's
 * m=application line (sdp_answer with "data": true) or offering one
 * (sdp_offer with a media of kind "application"); the core runs the SCTP
 * association and DCEP, and the plugin sees whole messages with their
 * channel's label (incoming_data), learns when channels open and close
 * (data_ready) and sends with relay_data (to a label; a new label opens a
 * channel). The largest message either way is [media]
 * sctp_max_message_size (and, for what we send, the peer's
 * a=max-message-size).
 */
#ifndef PARLEY_PLUGIN_H
#define PARLEY_PLUGIN_H

#include <stdarg.h>
#include <stdio.h>
#include <parley/common.h>
#include <parley/http.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_PLUGIN_API_VERSION 1
#define PARLEY_PLUGIN_ENTRY "parley_plugin_entry"

/* A live PeerConnection's connectivity (see connection_state below). */
typedef enum parley_connection_state {
	PARLEY_CONNECTION_CONNECTED = 0,
	PARLEY_CONNECTION_DISCONNECTED = 1,
} parley_connection_state;

/* One handle (one attachment of a client to a plugin) as a plugin sees it. */
typedef struct parley_plugin_session {
	void *core_handle;   /* the core's, opaque: never touch it */
	void *plugin_handle; /* the plugin's per-handle state, set in create_session */
} parley_plugin_session;

typedef enum parley_plugin_result_kind {
	PARLEY_PLUGIN_OK = 0,
	PARLEY_PLUGIN_OK_WAIT = 1,
	PARLEY_PLUGIN_ERROR = 2,
} parley_plugin_result_kind;

typedef struct parley_plugin_result {
	parley_plugin_result_kind kind;
	json_t *content; /* OK: the answer (new reference, taken by the core) */
	char text[256];  /* OK_WAIT: optional hint; ERROR: the reason */
} parley_plugin_result;

/* The one error convention of plugins, the core's own: a refusal is a
 * code and a reason. A function that can fail returns 0 or the code (one
 * that returns a pointer returns NULL) and writes both into a
 * parley_plugin_error its caller owns, usually on the caller's stack; the
 * reason is never a static, thread-local or heap buffer. The codes are the
 * plugin's protocol's (what its clients see); handle_message turns one into
 * an ERROR result. */
typedef struct parley_plugin_error {
	int code;          /* 0 = no error */
	char reason[512];
} parley_plugin_error;

/* Fills `error` (NULL: ignored) with `code` and the formatted reason, and
 * returns `code`, so a refusal reads `return parley_plugin_error_set(...)`. */
static inline int parley_plugin_error_set(parley_plugin_error *error, int code, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
static inline int parley_plugin_error_set(parley_plugin_error *error, int code, const char *format, ...)
{
	if (error != NULL) {
		va_list args;
		va_start(args, format);
		error->code = code;
		vsnprintf(error->reason, sizeof(error->reason), format, args);
		va_end(args);
	}
	return code;
}

typedef struct parley_plugin parley_plugin;

/* Services the core offers a plugin. Every function may be called from any
 * thread unless noted. */
typedef struct parley_plugin_core {
	uint32_t api_version;
	uint32_t struct_size;

	/* Sends an event to the client owning `session`: {"janus":"event",
	 * "plugindata":{"plugin":package,"data":message}, "jsep":jsep}.
	 * `transaction` may be NULL; `jsep` may be NULL. Borrowed. 0 or an
	 * error code (458/459 when the session or handle is gone). */
	int (*push_event)(parley_plugin_session *session, const parley_plugin *plugin,
	                  const char *transaction, json_t *message, json_t *jsep);
	/* Hands an event to the event handlers (borrowed). */
	void (*notify_event)(const parley_plugin *plugin, parley_plugin_session *session, json_t *event);
	bool (*events_enabled)(void);

	/* Lifetime of a parley_plugin_session beyond destroy_session. */
	void (*handle_ref)(parley_plugin_session *session);
	void (*handle_unref)(parley_plugin_session *session);
	/* Detaches the handle from the plugin's side (the client gets "detached"). */
	void (*end_session)(parley_plugin_session *session);

	/* Media (no-ops that return -1 when the handle has no PeerConnection).
	 *
	 * relay_rtp sends `packet` (plaintext RTP, borrowed; copied before it
	 * returns) on m-line packet->mindex of `session`'s PeerConnection. It
	 * may be called from any thread (another handle's loop included). What
	 * it changes, in its own copy, so the packet matches the destination's
	 * negotiation:
	 *  - SSRC: the one we announced on that m-line, when we announced one
	 *    (a plugin that rewrites seq/ts keeps doing so itself);
	 *  - header extensions: with packet->source set (a packet the core
	 *    handed to incoming_rtp), each element is mapped by its meaning on
	 *    the source m-line to the id the destination negotiated and dropped
	 *    when the destination did not negotiate it; with source NULL (a
	 *    packet the plugin built) ids are taken as the destination's and
	 *    only unnegotiated ones are dropped. The mid extension carries the
	 *    destination's mid. The block is one-byte when every element fits,
	 *    else two-byte;
	 *  - payload type: with packet->source set, the source pt's codec (H264:
	 *    packetization-mode, then profile) becomes the destination's pt for
	 *    that codec; a codec the destination did not negotiate is not sent
	 *    (-1).
	 * It then keeps the packet for NACKs (RTX when negotiated), protects and
	 * sends it. 0 or -1 (no PeerConnection, not connected, malformed, codec
	 * not negotiated). */
	int (*relay_rtp)(parley_plugin_session *session, parley_rtp_packet *packet);
	int (*relay_rtcp)(parley_plugin_session *session, parley_rtcp_packet *packet);
	/* relay_data sends one data channel message (packet borrowed; copied
	 * before it returns): packet->size bytes of packet->buffer (a plugin
	 * built before data_ready: packet->length), binary or text, on the
	 * oldest open channel labelled packet->label (NULL: the oldest open
	 * channel). A label no channel has opens one: DCEP OPEN on a free
	 * stream id of our DTLS role's parity, with packet->protocol,
	 * unordered, reliability and reliability_value (an older plugin's:
	 * reliable, ordered, no protocol); the message follows at once, and
	 * data_ready reports PARLEY_DATA_OPEN when the peer acknowledges.
	 * An empty message (size 0) goes with the empty-message PPIDs.
	 * Any thread. On the handle's loop (incoming_data, data_ready, a
	 * timer of the handle) it is sent before relay_data returns and the
	 * result is the real one. From another thread it is queued for the
	 * handle's loop (in order; at most 1024 messages or 16 MiB waiting)
	 * and 0 means queued: a refusal there is logged and counted, not
	 * returned. 0 or a PARLEY_DATA_ERR_* code below. */
	int (*relay_data)(parley_plugin_session *session, parley_data_packet *packet);
	int (*send_pli)(parley_plugin_session *session, int mindex);
	int (*send_remb)(parley_plugin_session *session, uint32_t bitrate);
	int (*close_pc)(parley_plugin_session *session);

	/* Timers. With a session, the timer runs on that handle's event loop;
	 * with NULL, on the first loop. `fn` returns true to fire again.
	 * `destroy` (may be NULL) is called with user_data once the timer can
	 * no longer fire. timer_stop may be called from any thread, also from
	 * inside `fn`. */
	parley_timer *(*timer_start)(parley_plugin_session *session, unsigned interval_ms,
	                             parley_timer_fn fn, void *user_data, void (*destroy)(void *));
	void (*timer_stop)(parley_timer *timer);

	/* Configuration: the value of `key` in [section] of the module's
	 * configuration (<configs_folder>/<package>.conf), after environment
	 * overrides; NULL when unset. The string lives as long as the process. */
	const char *(*config_get)(const char *package, const char *section, const char *key);
	/* A folder where the module may keep files (SQLite databases). */
	const char *(*state_dir)(void);
	void (*log)(parley_log_level level, const char *module, const char *format, ...)
		__attribute__((format(printf, 3, 4)));

	/* Signed tokens: true when `token` is a valid, unexpired signed token
	 * that grants access to `plugin`. */
	bool (*auth_token_allows)(const parley_plugin *plugin, const char *token);

	/* SDP helpers (plugins cannot link core code: text in, text or JSON
	 * out). The SDP they return has no ICE/DTLS lines: the core merges its
	 * own ICE credentials, fingerprint, a=setup, BUNDLE, rtcp-mux and
	 * candidates when the jsep goes out through push_event (a jsep with
	 * "restart": true renews our ICE credentials). A plugin checks
	 * struct_size before using them (older cores lack them).
	 *
	 * sdp_answer: an answer to `offer` that keeps only what `options`
	 * (borrowed, may be NULL) accepts: {"audio": {"codecs": ["opus"],
	 * "direction": "sendrecv"} | false, "video": {"codecs": ["vp8", "vp9",
	 * "h264"], "direction": ...} | false, "extensions": [uri, ...],
	 * "simulcast": bool, "data": bool}. Defaults: opus, VP8, VP9, H264,
	 * sendrecv, the mid/audio-level/abs-send-time/video-orientation/rid
	 * extensions. Each sending m-line gets a random SSRC (and an RTX SSRC
	 * for video). Returns g_malloc'd SDP, or NULL with `error` filled. */
	char *(*sdp_answer)(const char *offer, json_t *options, char *error, size_t error_size);
	/* sdp_offer: an offer from `description` (borrowed): {"media": [{"mid",
	 * "kind": "audio"|"video"|"application", "codec": "vp8", "pt": 96,
	 * "rtx_pt": 97 (or "codecs": [{"name","pt","rtx_pt","fmtp"}]), "ssrc",
	 * "rtx_ssrc", "msid": "stream track", "direction", "extensions":
	 * [uri | {"id","uri"}]}], "session_id", "version"}. g_malloc'd SDP, or
	 * NULL with `error` filled. */
	char *(*sdp_offer)(json_t *description, char *error, size_t error_size);
	/* sdp_summary: {"media": [{"index","mid","type","direction","rejected",
	 * "codecs": [{"pt","name","clock_rate","channels","fmtp","apt"}],
	 * "ssrcs", "ssrc_groups", "rids": [{"id","direction"}], "extmap":
	 * {uri: id}}], "ice_ufrag"} or {"error": text}; a new reference, NULL
	 * when `sdp` is NULL. */
	json_t *(*sdp_summary)(const char *sdp);

	/* Appended: PeerConnections described by parameters, without SDP
	 * (mediasoup's shapes: a mediasoup-client app's transport is one
	 * handle). The core reads nothing new from older plugins; a plugin
	 * checks that the core it runs in has them with
	 * PARLEY_PLUGIN_CORE_HAS(core, params_create_transport) (an older core
	 * has a smaller struct_size). api_version is unchanged: nothing before
	 * moved.
	 *
	 * The handle's PeerConnection uses the ICE-lite transport ([media]
	 * ice_lite = true, one UDP port): the client never sends ICE
	 * credentials. Once connected, media flows exactly as on the SDP path:
	 * incoming_rtp with packet->mindex, relay_rtp to a declared outgoing
	 * stream's mindex (SSRC, payload type and header extensions rewritten
	 * to what it declared), NACK/RTX, RTCP, PLI/REMB, simulcast layers from
	 * rids or SSRCs, stats in handle_info, setup_media / hangup_media /
	 * connection_state, close_pc. Such a handle refuses a jsep.
	 *
	 * Errors: a refusal fills `error` with one of the PARLEY_PLUGIN_ERROR_*
	 * codes below and a reason naming the member at fault (e.g.
	 * "rtpParameters.encodings[1].ssrc: ..."). JSON in is borrowed; JSON
	 * returned is a new reference the caller owns. Any thread (the work
	 * runs on the handle's loop; the call waits for it). Limits: 128
	 * streams per handle (a closed stream's index is given to a later
	 * one), 4 encodings (simulcast layers) per stream, 16 codecs and 16
	 * header extensions per rtpParameters.
	 *
	 * params_create_transport: makes the handle's PeerConnection and
	 * returns {iceParameters: {usernameFragment, password, iceLite: true},
	 * iceCandidates: [{foundation, priority, ip, address, port, protocol:
	 * "udp", type: "host"}, and with [media] tcp_port also {..., protocol:
	 * "tcp", type: "host", tcpType: "passive"}], dtlsParameters: {role: "auto", fingerprints:
	 * [{algorithm: "sha-256", value}]}}, or NULL (471 when the handle has a
	 * PeerConnection already or ICE-lite is off). */
	json_t *(*params_create_transport)(parley_plugin_session *session, parley_plugin_error *error);
	/* params_connect_transport: the client's dtlsParameters {role?,
	 * fingerprints: [{algorithm, value}]} (the first fingerprint of a
	 * supported algorithm is used). As mediasoup: role "client" makes us
	 * the DTLS server; "server", "auto" or none make us the client. DTLS
	 * starts once the client's ICE checks arrive. Once per transport. */
	int (*params_connect_transport)(parley_plugin_session *session, json_t *dtls_parameters,
	                                parley_plugin_error *error);
	/* params_restart_ice: new ICE credentials, returned as iceParameters;
	 * the previous ones work until the client uses the new ones. */
	json_t *(*params_restart_ice)(parley_plugin_session *session, parley_plugin_error *error);
	/* params_receive: declares one stream the client sends (a mediasoup
	 * producer): kind "audio"|"video" and its rtpParameters {mid, codecs:
	 * [{mimeType, payloadType, clockRate, channels?, parameters?,
	 * rtcpFeedback?}] (RTX as "video/rtx" with parameters.apt; every other
	 * codec must be in params_rtp_capabilities), headerExtensions?: [{uri,
	 * id}], encodings: [{ssrc, rtx?: {ssrc}}] or [{rid, scalabilityMode?}]
	 * (simulcast: up to 4), rtcp?: {cname, reducedSize}}. Its packets reach
	 * incoming_rtp with packet->mindex = *mindex (simulcast_layer from the
	 * encoding's rank). The mid must not be in use on the handle. */
	int (*params_receive)(parley_plugin_session *session, const char *kind, json_t *rtp_parameters, int *mindex,
	                      parley_plugin_error *error);
	/* params_send: declares one stream we send (a mediasoup consumer):
	 * options {kind, rtpCapabilities (the client's), codecs?: [mimeType or
	 * {mimeType, parameters}, ...] (limit the choice, e.g. to the
	 * producer's codec: with its parameters, an H264 one picks the
	 * capability of the same packetization-mode and profile), cname?,
	 * paused?}. The codec is the first of params_rtp_capabilities of that
	 * kind the client supports, with its RTX when the client has
	 * video/rtx, and the header extensions both support. Returns {mindex,
	 * rtpParameters: {mid (assigned here), codecs, headerExtensions,
	 * encodings: [{ssrc, rtx?: {ssrc}}], rtcp: {cname, reducedSize: true,
	 * mux: true}}}: relay_rtp with packet->mindex = mindex reaches it. */
	json_t *(*params_send)(parley_plugin_session *session, json_t *options, parley_plugin_error *error);
	/* params_pause: pauses (true) or resumes a declared stream: a paused
	 * outgoing stream sends nothing (relay_rtp -1), a paused incoming one
	 * reaches no plugin. */
	int (*params_pause)(parley_plugin_session *session, int mindex, bool paused, parley_plugin_error *error);
	/* params_close: ends a declared stream; its mindex may be reused. */
	int (*params_close)(parley_plugin_session *session, int mindex, parley_plugin_error *error);
	/* params_rtp_capabilities: mediasoup's RtpCapabilities of what the core
	 * negotiates: {codecs: [{kind, mimeType, preferredPayloadType,
	 * clockRate, channels?, parameters, rtcpFeedback: [{type,
	 * parameter}]}] (opus; VP8, VP9, H264 each followed by its video/rtx),
	 * headerExtensions: [{kind, uri, preferredId, preferredEncrypt,
	 * direction}]}. A new reference. */
	json_t *(*params_rtp_capabilities)(void);

	/* Appended: a companion handle. The core's model is one PeerConnection
	 * per handle; a client that needs two (a mediasoup-client app: a send
	 * and a receive transport) on one attachment gets the second through
	 * this. handle_companion makes a new handle in the Janus session of
	 * `parent`, attached to the same plugin (the plugin's create_session
	 * runs before it returns: do not hold a lock create_session takes) with
	 * the parent's opaque_id, its own event loop and its own
	 * PeerConnection. Its events (push_event) reach the same client as the
	 * parent's, with its own "sender". It lives like any handle: until its
	 * session ends (destroy_session is called then) or the plugin releases
	 * it with end_session. The returned pointer is valid until its
	 * destroy_session returns (handle_ref to keep it longer). NULL with
	 * `error` filled: 459 the parent is gone, or the core's attach refusal
	 * (e.g. [limits] max_handles_per_session). Any thread. Check with
	 * PARLEY_PLUGIN_CORE_HAS(core, handle_companion). */
	parley_plugin_session *(*handle_companion)(parley_plugin_session *parent, parley_plugin_error *error);

	/* Appended with data_ready: closes every open data channel labelled
	 * `label` (NULL: every channel). RFC 8831 §6.7: its stream is reset,
	 * the peer resets its own in turn; data_ready reports
	 * PARLEY_DATA_CLOSED for each. Any thread (the work runs on the
	 * handle's loop; the call waits for it). 0, or a PARLEY_DATA_ERR_*
	 * code (NO_CHANNEL when none has that label). Check with
	 * PARLEY_PLUGIN_CORE_HAS(core, close_data). */
	int (*close_data)(parley_plugin_session *session, const char *label);
	/* Appended: asks a loaded event handler (its package, e.g.
	 * "parley.handler.analytics") what it would answer the admin request
	 * query_eventhandler with `request` (borrowed): the answer (a new
	 * reference) or NULL when no such handler is loaded or it gave no
	 * answer. How a plugin shows a handler's figures in its own routes
	 * (the meeting plugin's GET /api/meetings/:roomId/stats) without
	 * knowing the handler. Any thread; the handler's answer may read its
	 * store, so not from a media callback. Check with
	 * PARLEY_PLUGIN_CORE_HAS(core, query_handler). */
	json_t *(*query_handler)(const char *package, json_t *request);

	/* Appended: names what the calling thread's next log lines are about,
	 * for the JSON log format ([general] log_format = json): the handle's
	 * session and handle ids (NULL: none) and a room (NULL or "" = none).
	 * The core sets the handle itself around the callbacks it makes for a
	 * handle (handle_message, PeerConnection events) and forgets both when
	 * they return; a plugin that sets them on its own thread calls
	 * log_context(NULL, NULL) when done.
	 * Check with PARLEY_PLUGIN_CORE_HAS(core, log_context). */
	void (*log_context)(parley_plugin_session *session, const char *room);
	/* Appended: handles the plugin owns, and the SDP of their
	 * PeerConnections given and taken as text. For clients that reach a
	 * plugin without the Janus API (WHIP and WHEP resources over plain
	 * HTTP, see handle_http_call): the plugin makes the handle, hands the
	 * client's description to the core and answers with ours. Check with
	 * PARLEY_PLUGIN_CORE_HAS(core, handle_new) (and the same for the
	 * others); api_version is unchanged.
	 *
	 * handle_new: a handle of `plugin` in a session of its own that no
	 * client connection owns (events pushed to it go nowhere), that the idle
	 * watchdog leaves alone, and that admin list_sessions shows. Like any
	 * handle it has its own event loop and PeerConnection, the plugin's
	 * create_session runs before it returns (do not hold a lock
	 * create_session takes) and destroy_session when it ends: end_session
	 * ends it with its session, and so does the server's shutdown. The
	 * pointer is valid until destroy_session returns (handle_ref to keep it
	 * longer). NULL with `error` filled: 490 over [limits] max_sessions, or
	 * the plugin's create_session refused (461). Any thread.
	 *
	 * sdp_remote: the client's description (`type` "offer" or "answer"),
	 * as a Janus API jsep: ICE credentials, fingerprint, candidates and
	 * streams; an offer makes the handle's PeerConnection when it has none,
	 * an offer with new ICE credentials restarts ICE. 0, or 465 (invalid
	 * SDP, with the parser's reason), 469 (an answer we did not ask for),
	 * 459 (the handle is gone), 490. Any thread (it waits for the handle's
	 * loop).
	 *
	 * sdp_local: our description: `sdp` (built with the SDP helpers above)
	 * with our ICE credentials, fingerprint, setup, BUNDLE and the gathered
	 * candidates merged in (it waits up to [media] gather_wait_ms for
	 * gathering), exactly what push_event would send in a jsep;
	 * `ice_restart` renews our credentials first (an offer). g_malloc'd, or
	 * NULL with `error` filled (465, 459). Any thread.
	 *
	 * trickle: one of the client's candidates, "candidate:..." (a leading
	 * "a=" is accepted), or NULL for the end of its candidates; kept until
	 * the PeerConnection has the client's description. 0, or 465 (not a
	 * candidate), 490 (over [limits] max_candidates_per_handle), 459. Any
	 * thread. */
	parley_plugin_session *(*handle_new)(const parley_plugin *plugin, const char *opaque_id,
	                                     parley_plugin_error *error);
	int (*sdp_remote)(parley_plugin_session *session, const char *type, const char *sdp,
	                  parley_plugin_error *error);
	char *(*sdp_local)(parley_plugin_session *session, const char *type, const char *sdp, bool ice_restart,
	                   parley_plugin_error *error);
	int (*trickle)(parley_plugin_session *session, const char *candidate, parley_plugin_error *error);
	/* Appended: event-loop affinity. A handle's PeerConnection runs on one
	 * event loop, picked (the least loaded) when the handle attached.
	 * handle_share_loop puts the handle into a named group (a room's id,
	 * say; groups are the plugin's own) whose handles share one loop: the group settles on the loop of
	 * its first member, a later member moves there. Media a plugin relays
	 * between a group's handles (relay_rtp from one's incoming_rtp to
	 * another) then stays on one thread, as a mediasoup Router's stays in
	 * one worker: no packet, lock or counter crosses a core. The price is
	 * that one group can use one core; a plugin with groups larger than a
	 * core can forward leaves them apart (relaying across loops works).
	 * Call it before the handle's PeerConnection exists (before its jsep,
	 * transport or sdp_remote): its loop is fixed from then on. NULL or ""
	 * leaves the group (the handle stays where it is); the handle leaves
	 * it anyway when it ends. Returns 0 (also when it is in that group
	 * already), or fills `error` and returns 471 (it has a PeerConnection
	 * already: it stays where it is) or 459 (the handle is gone). Any
	 * thread. Check with PARLEY_PLUGIN_CORE_HAS(core, handle_share_loop). */
	int (*handle_share_loop)(parley_plugin_session *session, const char *group, parley_plugin_error *error);
} parley_plugin_core;

/* relay_data's and close_data's refusals (0 = sent, or queued). */
#define PARLEY_DATA_ERR_NOT_CONNECTED -1 /* no PeerConnection, no data channel negotiated, or its SCTP
                                          * association is not up (yet: wait for PARLEY_DATA_WRITABLE) */
#define PARLEY_DATA_ERR_TOO_LARGE -2     /* over [media] sctp_max_message_size or the peer's a=max-message-size */
#define PARLEY_DATA_ERR_BUSY -3          /* the SCTP send buffer is full: data_ready says PARLEY_DATA_WRITABLE
                                          * when it has room again */
#define PARLEY_DATA_ERR_INVALID -4       /* a label or protocol not UTF-8 or over 1024 bytes, an unknown
                                          * reliability, no buffer */
#define PARLEY_DATA_ERR_LIMIT -5         /* no free stream id for a new channel, or the queue is full */
#define PARLEY_DATA_ERR_NO_CHANNEL -6    /* no channel open (label NULL), or none labelled so (close_data) */
#define PARLEY_DATA_ERR_SEND -7          /* SCTP refused the message */

/* Codes of the core table's own refusals (the client API's numbers). */
#define PARLEY_PLUGIN_ERROR_MISSING_ELEMENT 456 /* a required member is absent */
#define PARLEY_PLUGIN_ERROR_INVALID_ELEMENT 467 /* a member of the wrong type or value, or over a limit */
#define PARLEY_PLUGIN_ERROR_WEBRTC_STATE 471    /* not now: no transport, connected already, closed, no ICE-lite */
#define PARLEY_PLUGIN_ERROR_HANDLE_GONE 459     /* the handle is being destroyed */
#define PARLEY_PLUGIN_ERROR_UNKNOWN 490         /* ICE or DTLS could not start */

/* True when the core table `core` (from init) has `field`: a core older
 * than the field has a smaller struct_size. */
#define PARLEY_PLUGIN_CORE_HAS(core, field)                                                         \
	((core)->struct_size >= offsetof(parley_plugin_core, field) + sizeof((core)->field) && (core)->field != NULL)

struct parley_plugin {
	uint32_t api_version; /* PARLEY_PLUGIN_API_VERSION */
	uint32_t struct_size; /* sizeof(parley_plugin) */
	const char *package;  /* "parley.plugin.<name>" */
	const char *name;
	const char *description;
	const char *author;
	const char *version_string;
	int version;

	/* 0 on success; anything else and the plugin is not loaded. */
	int (*init)(const parley_plugin_core *core);
	void (*destroy)(void);

	/* A client attached: 0 or an error code. */
	int (*create_session)(parley_plugin_session *session);
	/* Borrowed message and jsep (jsep may be NULL). Runs on a worker. */
	void (*handle_message)(parley_plugin_session *session, const char *transaction,
	                       json_t *message, json_t *jsep, parley_plugin_result *result);
	/* Admin message_plugin: the answer (new reference), or NULL. */
	json_t *(*handle_admin_message)(json_t *message);
	/* The handle goes away: 0 or an error code. */
	int (*destroy_session)(parley_plugin_session *session);
	/* What admin handle_info shows for this handle (new reference) or NULL. */
	json_t *(*query_session)(parley_plugin_session *session);

	/* Plain-HTTP routes under `http_prefix` (e.g. "/api/meetings/"); NULL
	 * when the plugin serves none. Returns 0 when it answered. */
	const char *http_prefix;
	int (*handle_http)(const parley_http_request *request, parley_http_response *response);

	/* Media callbacks (all optional), on the handle's event loop. */
	void (*setup_media)(parley_plugin_session *session);
	void (*incoming_rtp)(parley_plugin_session *session, parley_rtp_packet *packet);
	void (*incoming_rtcp)(parley_plugin_session *session, parley_rtcp_packet *packet);
	/* incoming_data: one whole data channel message. packet->buffer is the
	 * core's (writable, valid during the call), packet->label and
	 * packet->protocol its channel's; packet->size its length (0 for an
	 * empty message), packet->length the smaller of size and 65535. A
	 * plugin built before data_ready never gets a message over 65535
	 * bytes (dropped and logged: its `length` could not say the size). */
	void (*incoming_data)(parley_plugin_session *session, parley_data_packet *packet);
	void (*slow_link)(parley_plugin_session *session, int mindex, bool video, bool uplink);
	void (*hangup_media)(parley_plugin_session *session);

	/* Appended (optional): the plugin's counters for GET /health, e.g.
	 * {"rooms": 3, "peers": 17} (a new reference the core takes, or NULL).
	 * Numbers are merged into /health (summed when several plugins report
	 * the same key) and shown in /metrics as parley_plugin_<key>{plugin=
	 * "<package>"} gauges; other values are ignored. Any thread. The core
	 * reads it only when struct_size covers it. */
	json_t *(*query_status)(void);

	/* Appended (optional): the PeerConnection's connectivity changed while
	 * it lives. DISCONNECTED: nothing authenticated came from the peer for
	 * [media] disconnect_timeout_ms although media was flowing (a frozen
	 * or lossy client); media still goes out, and the call is not over.
	 * CONNECTED: traffic came back after a DISCONNECTED. When consent
	 * really expires the core hangs up as before (hangup_media, reason
	 * "consent expired"). On the handle's event loop; the core reads it
	 * only when struct_size covers it. */
	void (*connection_state)(parley_plugin_session *session, parley_connection_state state);

	/* Appended (optional): the environment variables that set this
	 * plugin's settings (see parley_env_override in parley/common.h),
	 * ending with {NULL}. The core reads them before init when struct_size
	 * covers it. */
	const parley_env_override *env_overrides;

	/* Appended (optional): data channels. A plugin built with this field
	 * (whatever its value) gets and gives parley_data_packet with its
	 * appended members (protocol, size, the reliability of a channel
	 * relay_data opens). data_ready tells it, on the handle's loop:
	 * PARLEY_DATA_OPEN with the channel (the peer opened it and we
	 * acknowledged, or the peer acknowledged ours), PARLEY_DATA_CLOSED with
	 * the channel (closed by either side, or the PeerConnection's SCTP
	 * association ended), PARLEY_DATA_WRITABLE with channel NULL (the
	 * association is up: relay_data may open channels now; or the send
	 * buffer has room again after PARLEY_DATA_ERR_BUSY). The core reads
	 * it only when struct_size covers it. */
	void (*data_ready)(parley_plugin_session *session, const parley_data_channel *channel,
	                   parley_data_event event);
	/* Appended (optional): routes that need request and response headers
	 * or answer later (parley/http.h, "Route calls"): when set, the core
	 * hands every request under the plugin's prefixes to it instead of
	 * handle_http, OPTIONS included (for a plugin without it, the transport
	 * answers OPTIONS as a CORS preflight). Returns 0 when it answered,
	 * PARLEY_HTTP_LATER when it will call call->finish, -1 when the path is
	 * not one of its own (the transport goes on: static files, then 404).
	 * Any thread: the transport's, so it must not block; work that waits
	 * (a PeerConnection's loop, ICE gathering) goes elsewhere and answers
	 * later. The core reads it only when struct_size covers it. */
	int (*handle_http_call)(parley_http_call *call);
	/* Appended (optional): more path prefixes the plugin serves beside
	 * http_prefix, each starting with '/', ending with NULL (e.g. {"/whep/",
	 * NULL}). Needs handle_http or handle_http_call. */
	const char *const *http_prefixes;
};

/* True when `plugin` was built with the vtable field `field` (its
 * struct_size covers it), whatever the field's value. */
#define PARLEY_PLUGIN_COVERS(plugin, field)                                                        \
	((plugin)->struct_size >= offsetof(parley_plugin, field) + sizeof((plugin)->field))

/* An appended vtable field of `plugin`, or NULL when the plugin was built
 * before the field existed (its struct_size does not cover it). */
#define PARLEY_PLUGIN_FIELD(plugin, field) (PARLEY_PLUGIN_COVERS(plugin, field) ? (plugin)->field : NULL)

/* The one symbol a plugin exports. */
typedef const parley_plugin *(*parley_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
