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
typedef struct parley_eio_endpoint parley_eio_endpoint;

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
	bool going_away; /* the server is stopping: queue held until the close */
	GByteArray *rx; /* WebSocket message reassembly */
	bool rx_overflow;
	void *user; /* the layer above's (socketio.c) */
	parley_eio_endpoint *endpoint;
};

typedef struct parley_eio_config {
	bool enabled;
	char path[128];                   /* with the trailing '/' */
	long ping_interval, ping_timeout; /* ms */
	long max_payload;                 /* bytes */
	long max_clients;                 /* 0 = unlimited */
	long max_queue;                   /* packets waiting per socket */
} parley_eio_config;

/* One listener's Engine.IO server. The owner (websocket.c) fills `config`,
 * `section` and `plugin`, then calls parley_eio_endpoint_init. */
struct parley_eio_endpoint {
	parley_eio_config config;
	char section[64];          /* "socketio" or "socketio.<name>": for log lines */
	char plugin[128];          /* the layer above's: the plugin its clients attach to */
	char event_name[64];       /* the layer above's: the member naming a plugin's events ("" = none) */
	GHashTable *sessions;      /* sid → socket (a reference) */
	parley_eio_endpoint *next; /* every endpoint, for parley_eio_destroy */
};

/* What the layer above does with a session. Service thread. */
typedef struct parley_eio_handlers {
	void (*opened)(parley_eio_socket *socket);
	void (*message)(parley_eio_socket *socket, const char *data, size_t length);
	void (*heartbeat)(parley_eio_socket *socket); /* a ping went out or its pong came back */
	void (*closed)(parley_eio_socket *socket, const char *reason);
	void (*going_away)(parley_eio_socket *socket); /* queue the notice before the close */
} parley_eio_handlers;

/* engineio.c */
void parley_eio_init(const parley_eio_handlers *handlers);
/* Before the service thread starts; the endpoint lives until
 * parley_eio_destroy. */
void parley_eio_endpoint_init(parley_eio_endpoint *endpoint);
/* After the lws context is gone: closes every endpoint's sessions. */
void parley_eio_destroy(void);
parley_eio_socket *parley_eio_ref(parley_eio_socket *socket);
void parley_eio_unref(parley_eio_socket *socket);
/* Queues a message packet ("4" + data) and flushes what the transport can take. */
void parley_eio_send(parley_eio_socket *socket, const char *data, size_t length);
/* The server is stopping: every session of every endpoint gets the layer
 * above's notice (handlers->going_away), then its queued packets and the
 * end: a close packet on a held poll, close 1001 on a WebSocket. */
void parley_eio_going_away(void);
/* The server stops: every session gets the layer above's notice
 * (handlers->going_away) at once, its sessions are ended later. */
void parley_eio_notify_stopping(void);
/* Ends the session (handlers->closed runs once). */
void parley_eio_close(parley_eio_socket *socket, const char *reason);
/* Ws callback for upgrades on an endpoint's path (protocol 0's filter, then
 * ESTABLISHED, RECEIVE, SERVER_WRITEABLE, CLOSED); the endpoint is that of
 * the wsi's listener (parley_ws_endpoint_of). */
int parley_eio_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
unsigned parley_eio_count(const parley_eio_endpoint *endpoint);

/* shared by engineio.c and engineio_http.c */
parley_eio_socket *parley_eio_find(parley_eio_endpoint *endpoint, const char *sid);
/* A new session of `endpoint` on `transport` (open packet queued), or NULL
 * when the endpoint has max_clients sockets already. */
parley_eio_socket *parley_eio_open(parley_eio_endpoint *endpoint, parley_eio_transport transport,
                                   const char *remote_ip);
/* Handles one packet from the client, whichever transport carried it. */
void parley_eio_receive(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws);
void parley_eio_flush(parley_eio_socket *socket);

/* engineio_http.c */
/* True when `path` is the endpoint's (NULL endpoint: false). */
bool parley_eio_claims(const parley_eio_endpoint *endpoint, const char *path);
/* A complete request on the endpoint's path: always answered (now or, for
 * a held GET, later). */
int parley_eio_http(parley_eio_endpoint *endpoint, parley_tx_exchange *ex, struct lws *wsi);
/* The held GET answers with the queued packets (or a noop). */
void parley_eio_http_answer_poll(parley_eio_socket *socket, bool noop_if_empty);
/* LWS_CALLBACK_CLOSED_HTTP: a held GET whose client went away. */
void parley_eio_http_closed(struct lws *wsi);
/* The body limit for a request on `path`: max_payload on the endpoint's
 * path, else `fallback`. */
size_t parley_eio_body_limit(const parley_eio_endpoint *endpoint, const char *path, size_t fallback);
/* The query string of an upgrade request (g_free), or NULL. */
char *parley_eio_copy_query(struct lws *wsi);

#endif
