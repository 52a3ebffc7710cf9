/*
 * transports/websocket/websocket.h — private state of the WebSocket
 * transport, shared by websocket.c (module, config, its listeners on one
 * lws context and thread, plain-HTTP routes, protocol tables) and clients.c
 * (one parley_conn per Janus WebSocket: framing, outgoing queue, close).
 *
 * Listeners: the main port ([general]: the Janus subprotocols, the core's
 * routes and the [socketio] endpoint) and the extra Socket.IO listeners
 * ([socketio] listeners: their own port, Socket.IO endpoint and plugin, the
 * core's routes, and the /health shape they are set to). Each listener's
 * vhosts carry it as their settings' owner.
 *
 * Threading: one lws service thread owns every wsi. The core calls
 * send_message from any thread: it queues the text under `lock` and wakes
 * the service thread with lws_cancel_service. No core call is made while
 * `lock` is held.
 */
#ifndef PARLEY_TRANSPORT_WEBSOCKET_H
#define PARLEY_TRANSPORT_WEBSOCKET_H

#include <glib.h>
#include <libwebsockets.h>
#include <parley/transport.h>
#include "../common/listener.h"
#include "listeners.h"

#define WS_PACKAGE "parley.transport.websocket"

typedef struct ws_client ws_client;
typedef struct parley_eio_endpoint parley_eio_endpoint;

/* One port (plain and/or TLS vhost) of the transport. */
typedef struct ws_listener {
	const char *name;              /* "" for the main port, else the [socketio.<name>] name */
	parley_tx_listen_conf *conf;   /* &parley_ws.conf, or that in parley_ws.socketio */
	parley_eio_endpoint *endpoint; /* g_malloc'ed; freed after parley_sio_destroy */
	parley_wsl_health health;
	char label[80]; /* for log lines */
	char path[200]; /* what "listening on" lines add */
	char plain_vhost[48], tls_vhost[48];
} ws_listener;

/* What a WebSocket subprotocol carries (the lws protocol's `user`). */
typedef struct ws_flavour {
	const char *name;
	bool admin;
} ws_flavour;

/* Per-connection data of the Janus subprotocols. */
typedef struct ws_pss {
	ws_client *client;
} ws_pss;

typedef struct ws_state {
	const parley_transport_core *core;
	/* configuration */
	parley_tx_listen_conf conf;                /* [general]: the main port */
	parley_wsl_set socketio;                   /* [socketio] and the extra listeners */
	ws_listener listeners[1 + PARLEY_WSL_MAX]; /* [0]: the main port */
	size_t listener_count;
	bool main_listening; /* the Janus subprotocols are served */
	size_t max_frame;
	long max_queue;
	long ping_interval;
	long ping_timeout; /* seconds a ping may wait for its pong */
	long shutdown_grace; /* ms destroy waits for the WebSockets to close */
	lws_retry_bo_t idle_policy;

	struct lws_context *context;
	GThread *thread;
	gint stopping;
	gint notice_due;     /* the server stops: Socket.IO clients get the notice */
	gint notice_sent;    /* the service thread has queued it */
	gint going_away;     /* destroy started: say goodbye, then close */
	parley_tx_throttle *throttle; /* failed credential checks per address (any thread) */
	parley_tx_calls calls;        /* route calls answered later (common/call.h) */
	gint farewell_said;  /* the service thread has asked every client to close */

	/* under lock */
	GMutex lock;
	GQueue ready; /* ws_client with output to write (each holds a conn ref) */

	/* counters (atomic) */
	gint connections;
	gint websockets; /* open WebSockets, Janus and Engine.IO */
	guint64 messages_in, messages_out, http_requests;
} ws_state;

extern ws_state parley_ws;
extern const parley_transport parley_ws_transport;

/* A text frame waiting for its writable callback: buffer is g_malloc'ed,
 * LWS_PRE bytes of headroom, then `length` bytes of text. */
typedef struct parley_ws_out {
	unsigned char *buffer;
	size_t length;
} parley_ws_out;

/* Frees `out` and its buffer. */
void parley_ws_out_free(parley_ws_out *out);
/* Frees every frame in `queue` (of parley_ws_out). */
void parley_ws_out_clear(GQueue *queue);
/* Writes `out` as one text frame, frees it and counts it in messages_out.
 * -1 when the write failed (close the connection). */
int parley_ws_out_write(struct lws *wsi, parley_ws_out *out);
/* Sets the close frame's status and `reason`; returns -1, what the callback
 * returns to close the connection. */
int parley_ws_close(struct lws *wsi, enum lws_close_status status, const char *reason);
/* The listener a connection came in on (the main one when unknown). */
ws_listener *parley_ws_listener_of(struct lws *wsi);
/* Its Socket.IO endpoint. */
parley_eio_endpoint *parley_ws_endpoint_of(struct lws *wsi);
/* Browsers send Origin: when the listener's cors_origins is set, only
 * listed ones may open a WebSocket. A refused one is logged as "refused
 * <what> from origin …". */
bool parley_ws_origin_allowed(struct lws *wsi, const char *what);

/* clients.c: the callback of janus-protocol and janus-admin-protocol. */
int parley_ws_janus_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: ask for writable on clients with output. */
void parley_ws_clients_wakeup(void);
/* After the service thread stopped: drop the queued wake-ups. */
void parley_ws_clients_destroy(void);
int parley_ws_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message);

#endif
