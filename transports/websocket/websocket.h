/*
 * transports/websocket/websocket.h — private state of the WebSocket
 * transport, shared by websocket.c (module, config, lws context and thread,
 * plain-HTTP routes, protocol table) and clients.c (one parley_conn per
 * Janus WebSocket: framing, outgoing queue, close).
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

#define WS_PACKAGE "parley.transport.websocket"

typedef struct ws_client ws_client;

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
	parley_tx_listen_conf conf;
	size_t max_frame;
	long max_queue;
	long ping_interval;
	long ping_timeout; /* seconds a ping may wait for its pong */
	lws_retry_bo_t idle_policy;

	struct lws_context *context;
	GThread *thread;
	gint stopping;

	/* under lock */
	GMutex lock;
	GQueue ready; /* ws_client with output to write (each holds a conn ref) */

	/* counters (atomic) */
	gint connections;
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
/* Browsers send Origin: when cors_origins is set, only listed ones may open
 * a WebSocket. A refused one is logged as "refused <what> from origin …". */
bool parley_ws_origin_allowed(struct lws *wsi, const char *what);

/* clients.c: the callback of janus-protocol and janus-admin-protocol. */
int parley_ws_janus_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: ask for writable on clients with output. */
void parley_ws_clients_wakeup(void);
/* After the service thread stopped: drop the queued wake-ups. */
void parley_ws_clients_destroy(void);
int parley_ws_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message);

#endif
