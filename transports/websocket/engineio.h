/*
 * transports/websocket/engineio.h — the Engine.IO 4 server on the WebSocket
 * transport's port: sessions (sid), their two transports (HTTP long-polling
 * and WebSocket) and the upgrade between them, the heartbeat (the server
 * pings, a missed pong closes), the outgoing packet queue and the limits
 * ([socketio] path, ping_interval, ping_timeout, max_payload, max_clients).
 *
 * engineio.c owns sessions, the queue, heartbeats and the WebSocket side;
 * engineio_http.c owns the long-polling requests. Whoever sits on top
 * (socketio.c) sees only parley_eio_handlers and parley_eio_send/close.
 *
 * Threading: everything here runs on the transport's lws service thread,
 * except parley_eio_ref/unref (atomic, any thread) and reading the config.
 */
#ifndef PARLEY_ENGINEIO_H
#define PARLEY_ENGINEIO_H

#include "websocket.h"
#include "engineio_codec.h"

typedef struct parley_eio_socket parley_eio_socket;

struct parley_eio_socket {
	gint refs;
	char sid[PARLEY_EIO_SID_LENGTH + 1];
	char remote_ip[64];
	parley_eio_transport transport; /* the one packets go out on */
	struct lws *ws;                 /* the WebSocket (active or probing) */
	bool upgrading;                 /* a probing WebSocket answered 3probe */
	bool probe_reply;               /* "3probe" still to write on ws */
	bool ws_close;                  /* close ws at its next writable */
	bool ws_binary;                 /* a binary frame came: close once flushed */
	struct lws *poll;               /* the held long-polling GET */
	parley_tx_exchange *poll_ex;
	GQueue out; /* parley_ws_out: encoded packets */
	lws_sorted_usec_list_t heartbeat;
	bool awaiting_pong;
	bool closed;
	GByteArray *rx; /* WebSocket message reassembly */
	bool rx_overflow;
	void *user; /* the layer above's (socketio.c) */
};

typedef struct parley_eio_config {
	bool enabled;
	char path[128];                   /* with the trailing '/' */
	long ping_interval, ping_timeout; /* ms */
	long max_payload;                 /* bytes */
	long max_clients;                 /* 0 = unlimited */
	long max_queue;                   /* packets waiting per socket */
} parley_eio_config;

/* What the layer above does with a session. Service thread. */
typedef struct parley_eio_handlers {
	void (*opened)(parley_eio_socket *socket);
	void (*message)(parley_eio_socket *socket, const char *data, size_t length);
	void (*heartbeat)(parley_eio_socket *socket); /* a pong arrived */
	void (*closed)(parley_eio_socket *socket, const char *reason);
} parley_eio_handlers;

extern parley_eio_config parley_eio;

/* engineio.c */
void parley_eio_init(const parley_eio_handlers *handlers);
void parley_eio_destroy(void);
parley_eio_socket *parley_eio_ref(parley_eio_socket *socket);
void parley_eio_unref(parley_eio_socket *socket);
/* Queues a message packet ("4" + data) and flushes what the transport can take. */
void parley_eio_send(parley_eio_socket *socket, const char *data, size_t length);
/* Ends the session (handlers->closed runs once). */
void parley_eio_close(parley_eio_socket *socket, const char *reason);
/* Ws callback for upgrades on [socketio] path (protocol 0's filter, then
 * ESTABLISHED, RECEIVE, SERVER_WRITEABLE, CLOSED). */
int parley_eio_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
unsigned parley_eio_count(void);

/* shared by engineio.c and engineio_http.c */
parley_eio_socket *parley_eio_find(const char *sid);
/* A new session on `transport` (open packet queued), or NULL when
 * max_clients sockets exist already. */
parley_eio_socket *parley_eio_open(parley_eio_transport transport, const char *remote_ip);
/* Handles one packet from the client, whichever transport carried it. */
void parley_eio_receive(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws);
void parley_eio_flush(parley_eio_socket *socket);

/* engineio_http.c */
bool parley_eio_claims(const char *path);
/* A complete request on the Engine.IO path: always answered (now or, for
 * a held GET, later). */
int parley_eio_http(parley_tx_exchange *ex, struct lws *wsi);
/* The held GET answers with the queued packets (or a noop). */
void parley_eio_http_answer_poll(parley_eio_socket *socket, bool noop_if_empty);
/* LWS_CALLBACK_CLOSED_HTTP: a held GET whose client went away. */
void parley_eio_http_closed(struct lws *wsi);
/* The body limit for a request on `path`: max_payload on the Engine.IO
 * path, else `fallback`. */
size_t parley_eio_body_limit(const char *path, size_t fallback);
/* The query string of an upgrade request (g_free), or NULL. */
char *parley_eio_copy_query(struct lws *wsi);

#endif
