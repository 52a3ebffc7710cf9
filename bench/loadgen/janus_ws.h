/*
 * janus_ws.h — a minimal WebSocket client (RFC 6455 on plain sockets:
 * HTTP/1.1 upgrade, masked client frames, fragments, ping/pong, close) for
 * the Janus API ("janus-protocol"), on a GMainContext: requests with
 * generated transactions and a per-request time limit, answers matched by
 * transaction, events without a transaction routed by "sender" handle id.
 *
 * Ownership: requests are borrowed (the transaction is added to a copy);
 * replies and events handed to callbacks are borrowed for the call.
 */
#ifndef PARLEY_LOADGEN_JANUS_WS_H
#define PARLEY_LOADGEN_JANUS_WS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>

#define LOADGEN_WS_MAX_MESSAGE (4u << 20)   /* largest message accepted */
#define LOADGEN_WS_MAX_PENDING 65536        /* requests waiting at once */

typedef struct loadgen_ws loadgen_ws;

/* The answer to a request, or NULL when it timed out or the socket closed
 * (`why` says which). Called once. */
typedef void (*loadgen_ws_reply_fn)(void *user_data, json_t *reply, const char *why);
/* An event without a known transaction for a watched handle. */
typedef void (*loadgen_ws_event_fn)(void *user_data, json_t *event);
/* The connection ended (read error, close frame, protocol error). */
typedef void (*loadgen_ws_closed_fn)(void *user_data, const char *why);

/* Connects to ws://host:port/path and completes the upgrade within
 * timeout_ms (blocking, once at start). NULL + error on failure. */
loadgen_ws *loadgen_ws_connect(GMainContext *context, const char *url, unsigned timeout_ms,
                               loadgen_ws_closed_fn closed, void *closed_data, GError **error);
/* Sends a close frame (best effort) and frees; pending requests end without
 * their callback: each one's user_data goes to its drop function. */
void loadgen_ws_free(loadgen_ws *ws);

/* Sends `request` with a new transaction. With wait_event, an "ack" is
 * skipped and the next message with the same transaction is the answer
 * (plugin messages); otherwise the first one is. fn gets user_data once
 * (answer, error, timeout or closed connection); if the connection is
 * freed first, drop (may be NULL) gets it instead. 0, or -1 with error
 * (neither is called). */
int loadgen_ws_request(loadgen_ws *ws, json_t *request, bool wait_event, unsigned timeout_ms,
                       loadgen_ws_reply_fn fn, void *user_data, GDestroyNotify drop, GError **error);
/* Sends without waiting for anything (keepalive, trickle, detach at the end). */
int loadgen_ws_send_json(loadgen_ws *ws, json_t *message, GError **error);

void loadgen_ws_watch_handle(loadgen_ws *ws, uint64_t handle_id, loadgen_ws_event_fn fn, void *user_data);
void loadgen_ws_unwatch_handle(loadgen_ws *ws, uint64_t handle_id);

/* Messages sent and received so far. */
uint64_t loadgen_ws_messages_sent(const loadgen_ws *ws);
uint64_t loadgen_ws_messages_received(const loadgen_ws *ws);

#endif
