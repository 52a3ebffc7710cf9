/*
 * transports/websocket/clients.c — Janus API clients over WebSocket
 * (subprotocols janus-protocol and janus-admin-protocol).
 *
 * Owns ws_client: one per WebSocket, the transport_data of its parley_conn
 * (freed by the conn's free_data when the last reference goes). Incoming
 * text (or binary) messages are reassembled up to max_frame and handed to
 * core->incoming_request as one JSON request each; a message beyond
 * max_frame gets an error reply and the socket closes with 1009. Outgoing
 * messages queue on the client under the transport lock (at most max_queue;
 * beyond that the peer is too slow and the socket closes with 1008) and are
 * written one per writable callback. A message for a closed client is
 * dropped.
 */
#include "websocket.h"

#include <stdio.h>
#include <string.h>

#define LOG(level, ...) parley_ws.core->log(level, WS_PACKAGE, __VA_ARGS__)

struct ws_client {
	parley_conn *conn;
	const ws_flavour *flavour;
	struct lws *wsi; /* service thread; NULL once closed */
	char remote_ip[64];
	/* service thread */
	GByteArray *rx;
	bool rx_overflow;
	/* under lock */
	GQueue out; /* parley_ws_out */
	bool closed;
	bool scheduled; /* in parley_ws.ready */
	bool too_slow;
	bool close_after_flush; /* 1009 after the error reply went out */
};

static void client_free(void *data)
{
	ws_client *client = data;
	parley_ws_out_clear(&client->out);
	if (client->rx != NULL)
		g_byte_array_unref(client->rx);
	g_free(client);
}

/* Queues `message` (borrowed) for `client`. Any thread. */
static int client_queue(ws_client *client, json_t *message)
{
	size_t length = 0;
	unsigned char *buffer = parley_tx_json_buffer(message, &length);
	if (buffer == NULL)
		return -1;
	parley_ws_out *out = g_new(parley_ws_out, 1);
	out->buffer = buffer;
	out->length = length;
	parley_ws.core->conn_ref(client->conn); /* for the ready list, if needed */
	bool schedule = false, dropped = false, slow_now = false;
	g_mutex_lock(&parley_ws.lock);
	if (client->closed || client->too_slow) {
		dropped = true;
	} else if (g_queue_get_length(&client->out) >= (guint)parley_ws.max_queue) {
		client->too_slow = slow_now = dropped = true;
	} else {
		g_queue_push_tail(&client->out, out);
	}
	if ((!dropped || slow_now) && !client->scheduled && !client->closed) {
		client->scheduled = schedule = true;
		g_queue_push_tail(&parley_ws.ready, client);
	}
	g_mutex_unlock(&parley_ws.lock);
	if (dropped)
		parley_ws_out_free(out);
	if (slow_now)
		LOG(PARLEY_LOG_WARN, "client %s too slow (%ld messages pending): closing", client->remote_ip,
		    parley_ws.max_queue);
	if (!schedule)
		parley_ws.core->conn_unref(client->conn);
	else
		lws_cancel_service(parley_ws.context);
	return dropped && !slow_now ? -1 : 0;
}

int parley_ws_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message)
{
	if (parley_ws.context == NULL || g_atomic_int_get(&parley_ws.stopping) || message == NULL)
		return -1;
	ws_client *client = parley_ws.core->conn_data(conn);
	if (client == NULL)
		return -1;
	if (request_ctx != NULL)
		parley_tx_note_answer(parley_ws.throttle, client->remote_ip, message, parley_ws.core, WS_PACKAGE);
	return client_queue(client, message);
}

void parley_ws_clients_wakeup(void)
{
	for (int guard = 0; guard < 100000; guard++) {
		g_mutex_lock(&parley_ws.lock);
		ws_client *client = g_queue_pop_head(&parley_ws.ready);
		if (client != NULL)
			client->scheduled = false;
		g_mutex_unlock(&parley_ws.lock);
		if (client == NULL)
			break;
		if (client->wsi != NULL)
			lws_callback_on_writable(client->wsi);
		parley_ws.core->conn_unref(client->conn);
	}
}

void parley_ws_clients_destroy(void)
{
	g_mutex_lock(&parley_ws.lock);
	GQueue ready = parley_ws.ready;
	g_queue_init(&parley_ws.ready);
	g_mutex_unlock(&parley_ws.lock);
	ws_client *client;
	while ((client = g_queue_pop_head(&ready)) != NULL)
		parley_ws.core->conn_unref(client->conn);
}

/* An error reply the transport makes itself (queued like any answer). */
static void reply_error(ws_client *client, const char *transaction, int code, const char *reason)
{
	json_t *error = parley_ws.core->error_reply(0, transaction, code, reason);
	if (error != NULL) {
		client_queue(client, error);
		json_decref(error);
	}
}

/* One complete message: parse it and hand it to the core. */
static void handle_message(ws_client *client, const char *text, size_t length)
{
	__atomic_add_fetch(&parley_ws.messages_in, 1, __ATOMIC_RELAXED);
	json_error_t error;
	json_t *message = json_loadb(text, length, JSON_DECODE_ANY, &error);
	if (message == NULL) {
		char reason[256];
		snprintf(reason, sizeof(reason), "JSON error: on line %d: %s", error.line, error.text);
		reply_error(client, NULL, 454, reason);
		return;
	}
	if (!json_is_object(message)) {
		reply_error(client, NULL, 455, "JSON error: not an object");
		json_decref(message);
		return;
	}
	long blocked_ms = parley_tx_blocked_ms(parley_ws.throttle, client->remote_ip);
	if (blocked_ms > 0) {
		char reason[128];
		reply_error(client, json_string_value(json_object_get(message, "transaction")), 429,
		            parley_tx_blocked_reason(blocked_ms, reason, sizeof(reason)));
		json_decref(message);
		return;
	}
	parley_ws.core->incoming_request(client->conn, client, client->flavour->admin, message);
	json_decref(message);
}

static void on_receive(ws_client *client, struct lws *wsi, const void *in, size_t len)
{
	bool last = lws_is_final_fragment(wsi);
	if (client->rx_overflow)
		return;
	if (client->rx->len + len > parley_ws.max_frame) {
		client->rx_overflow = true;
		g_byte_array_set_size(client->rx, 0);
		char reason[96];
		snprintf(reason, sizeof(reason), "Message too large (limit %zu bytes)", parley_ws.max_frame);
		reply_error(client, NULL, 450, reason);
		g_mutex_lock(&parley_ws.lock);
		client->close_after_flush = true;
		g_mutex_unlock(&parley_ws.lock);
		lws_callback_on_writable(wsi);
		return;
	}
	if (!last || lws_remaining_packet_payload(wsi) > 0) {
		g_byte_array_append(client->rx, in, (guint)len);
		return;
	}
	if (client->rx->len == 0) {
		handle_message(client, in, len); /* common case: one fragment */
	} else {
		g_byte_array_append(client->rx, in, (guint)len);
		handle_message(client, (const char *)client->rx->data, client->rx->len);
		g_byte_array_set_size(client->rx, 0);
	}
}

static int on_writable(ws_client *client, struct lws *wsi)
{
	if (g_atomic_int_get(&parley_ws.going_away))
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
	g_mutex_lock(&parley_ws.lock);
	parley_ws_out *out = client->too_slow ? NULL : g_queue_pop_head(&client->out);
	bool more = !g_queue_is_empty(&client->out);
	bool too_slow = client->too_slow, close_now = client->close_after_flush && out == NULL;
	g_mutex_unlock(&parley_ws.lock);
	if (too_slow)
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too slow");
	if (close_now)
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
	if (out == NULL)
		return 0;
	if (parley_ws_out_write(wsi, out) != 0)
		return -1;
	if (more || client->close_after_flush)
		lws_callback_on_writable(wsi);
	return 0;
}

static int on_established(ws_pss *pss, struct lws *wsi)
{
	ws_client *client = g_new0(ws_client, 1);
	client->flavour = lws_get_protocol(wsi)->user;
	client->wsi = wsi;
	client->rx = g_byte_array_new();
	g_queue_init(&client->out);
	lws_get_peer_simple(wsi, client->remote_ip, sizeof(client->remote_ip));
	client->conn = parley_ws.core->conn_new(&parley_ws_transport, client, client_free);
	if (client->conn == NULL) {
		client_free(client);
		return -1;
	}
	pss->client = client;
	g_atomic_int_inc(&parley_ws.connections);
	g_atomic_int_inc(&parley_ws.websockets);
	LOG(PARLEY_LOG_VERB, "%s client connected from %s", client->flavour->name, client->remote_ip);
	return 0;
}

static void on_closed(ws_pss *pss)
{
	ws_client *client = pss->client;
	if (client == NULL)
		return;
	pss->client = NULL;
	g_mutex_lock(&parley_ws.lock);
	client->closed = true;
	parley_ws_out_clear(&client->out);
	g_mutex_unlock(&parley_ws.lock);
	client->wsi = NULL;
	g_atomic_int_add(&parley_ws.connections, -1);
	g_atomic_int_add(&parley_ws.websockets, -1);
	LOG(PARLEY_LOG_VERB, "%s client %s went away", client->flavour->name, client->remote_ip);
	parley_ws.core->conn_closed(client->conn);
	parley_ws.core->conn_unref(client->conn);
}

/* The admin protocol only when admin_enabled; browsers only from allowed origins. */
static int filter_connection(struct lws *wsi)
{
	const ws_flavour *flavour = lws_get_protocol(wsi)->user;
	if (flavour->admin && !parley_ws.conf.admin_enabled)
		return -1;
	if (parley_tx_refuse_upgrade(wsi, parley_tx_settings_of(wsi, &parley_ws.conf.plain_settings), WS_PACKAGE,
	                             parley_ws.core))
		return -1;
	return parley_ws_origin_allowed(wsi, "a WebSocket") ? 0 : -1;
}

int parley_ws_janus_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	ws_pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return filter_connection(wsi);
	case LWS_CALLBACK_ESTABLISHED: return on_established(pss, wsi);
	case LWS_CALLBACK_RECEIVE:
		if (pss->client != NULL)
			on_receive(pss->client, wsi, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE: return pss->client != NULL ? on_writable(pss->client, wsi) : 0;
	case LWS_CALLBACK_CLOSED: on_closed(pss); return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: parley_ws_clients_wakeup(); return 0;
	default: return 0;
	}
}
