/*
 * parley/handler.h — the event-handler ABI: a module that consumes the
 * core's event bus (sessions, handles, WebRTC state, media, plugin and
 * transport events) to keep analytics or forward events elsewhere.
 *
 * A handler exports PARLEY_HANDLER_ENTRY returning its `const
 * parley_handler` vtable. incoming_event runs on the event bus thread,
 * borrows the event and must not block for long: the bus queue is bounded
 * and events beyond it are dropped and counted. Event shape:
 *   {"type": <parley_event_type bit>, "timestamp": <µs, wall clock>,
 *    "session_id": N?, "handle_id": N?, "emitter": "<server name>",
 *    "event": {...}}
 * Ownership and threading: see parley/common.h.
 *
 * What "event" holds, by type (members marked ? may be absent):
 *  SESSION   {"name": "created"|"destroyed"|"timeout"|..., "transport"?}
 *  HANDLE    {"name": "attached"|"detached", "plugin", "opaque_id"?}
 *  JSEP      {"owner": "remote"|"local", "type": "offer"|"answer", "sdp"}
 *  WEBRTC    the handle's PeerConnection:
 *            {"connection": "new"}          created (first jsep, or a
 *                                           transport made from parameters)
 *            {"ice": "connected", "local_type", "remote_type", "protocol",
 *             "relay"}                      ICE connected; again when the
 *                                           selected pair changes later.
 *                                           Types are host|srflx|prflx|relay
 *                                           (a peer-reflexive remote that
 *                                           matches a candidate the peer
 *                                           sent takes that candidate's
 *                                           type); relay: either side is a
 *                                           TURN relay
 *            {"connection": "webrtcup"}     DTLS-SRTP is up
 *            {"connection": "disconnected"|"connected"}  the peer went
 *                                           quiet / came back
 *            {"connection": "hangup", "reason"}  the PeerConnection ended
 *                                           ("ICE failed", "DTLS timeout",
 *                                           "consent expired", "Close PC",
 *                                           "Admin API", "Hangup", ...)
 *  MEDIA     {"mid", "media": "audio"|"video", "receiving": bool}
 *            {"mid", "media", "slow_link": true, "lost"}
 *            {"stats": [stream, ...], "final"?: true}  every [events]
 *                                           stats_period seconds while
 *                                           DTLS is up, and once when the
 *                                           PeerConnection closes (final);
 *                                           a stream is admin handle_info's
 *                                           (mid, type, packets-in/out,
 *                                           bytes-in/out, lost, jitter-ms,
 *                                           rtt-ms, lost-by-peer,
 *                                           nacks-in/out, plis-in/out, ...)
 *  PLUGIN    {"name": "plugin", "plugin": "<package>", "data": {...}}: what
 *            the plugin passed to notify_event. The lifecycle events of the
 *            room and meeting plugins have "data": {"event": <name>, "room",
 *            ...} (see handlers/analytics/README.md for the list).
 *  TRANSPORT {"name": "transport", "transport", "id", "data": {...}}
 */
#ifndef PARLEY_HANDLER_H
#define PARLEY_HANDLER_H

#include <parley/common.h>
#include <parley/http.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_HANDLER_API_VERSION 1
#define PARLEY_HANDLER_ENTRY "parley_handler_entry"

typedef enum parley_event_type {
	PARLEY_EVENT_SESSION = 1u << 0,
	PARLEY_EVENT_HANDLE = 1u << 1,
	PARLEY_EVENT_JSEP = 1u << 2,
	PARLEY_EVENT_WEBRTC = 1u << 3,
	PARLEY_EVENT_MEDIA = 1u << 4,
	PARLEY_EVENT_PLUGIN = 1u << 5,
	PARLEY_EVENT_TRANSPORT = 1u << 6,
	PARLEY_EVENT_CORE = 1u << 7,
	PARLEY_EVENT_EXTERNAL = 1u << 8,
	PARLEY_EVENT_ALL = 0x1ffu,
} parley_event_type;

typedef struct parley_handler parley_handler;

typedef struct parley_handler_core {
	uint32_t api_version;
	uint32_t struct_size;
	const char *(*config_get)(const char *package, const char *section, const char *key);
	const char *(*state_dir)(void);
	void (*log)(parley_log_level level, const char *module, const char *format, ...)
		__attribute__((format(printf, 3, 4)));
	parley_timer *(*timer_start)(void *unused_must_be_null, unsigned interval_ms,
	                             parley_timer_fn fn, void *user_data, void (*destroy)(void *));
	void (*timer_stop)(parley_timer *timer);
} parley_handler_core;

struct parley_handler {
	uint32_t api_version; /* PARLEY_HANDLER_API_VERSION */
	uint32_t struct_size; /* sizeof(parley_handler) */
	const char *package;  /* "parley.handler.<name>" */
	const char *name;
	const char *description;
	const char *author;
	const char *version_string;
	int version;
	uint32_t events_mask; /* parley_event_type bits it wants */

	int (*init)(const parley_handler_core *core);
	void (*destroy)(void);
	void (*incoming_event)(json_t *event);
	/* Admin query_eventhandler: the answer (new reference). */
	json_t *(*handle_request)(json_t *request);
	/* Optional text appended to /metrics (Prometheus format, g_malloc'ed,
	 * freed by the core), or NULL. */
	char *(*metrics)(void);

	/* Appended (optional): the environment variables that set this
	 * handler's settings (see parley_env_override in parley/common.h),
	 * ending with {NULL}. The core reads them before init when struct_size
	 * covers it (PARLEY_HANDLER_FIELD). */
	const parley_env_override *env_overrides;
};

/* An appended vtable field of `handler`, or NULL when the handler was built
 * before the field existed (its struct_size does not cover it). */
#define PARLEY_HANDLER_FIELD(handler, field)                                                        \
	((handler)->struct_size >= offsetof(parley_handler, field) + sizeof((handler)->field)        \
	         ? (handler)->field                                                                   \
	         : NULL)

typedef const parley_handler *(*parley_handler_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
