/*
 * transports/websocket/engineio.c — Engine.IO 4 sessions (see engineio.h):
 * the endpoints and their sid tables, the outgoing queue, the
 * heartbeat (ping every ping_interval, close when no pong within
 * ping_timeout), the packet dispatch shared by both transports, and the
 * WebSocket side: direct connections (no sid), the probe/upgrade from
 * long-polling ("2probe" → "3probe", then "5"), reassembly up to
 * max_payload, text frames only.
 *
 * A session is referenced by the sid table (until closed), by each wsi
 * that maps to it (WebSocket, held GET) and by the layer above; it is
 * freed when the last reference goes.
 */
#include "engineio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOG(level, ...) parley_ws.core->log(level, WS_PACKAGE, __VA_ARGS__)

static const parley_eio_handlers *handlers;
static bool context_gone;              /* after lws_context_destroy: no lws call any more */
static parley_eio_endpoint *endpoints; /* every endpoint (their owner keeps them) */
static GHashTable *websockets;         /* wsi → socket (a reference) */

void parley_eio_init(const parley_eio_handlers *h)
{
	handlers = h;
	context_gone = false;
	endpoints = NULL;
	websockets = g_hash_table_new(g_direct_hash, g_direct_equal);
}

void parley_eio_endpoint_init(parley_eio_endpoint *endpoint)
{
	endpoint->sessions = g_hash_table_new(g_str_hash, g_str_equal);
	endpoint->next = endpoints;
	endpoints = endpoint;
}

/* After lws_context_destroy: every wsi is gone, so are the websockets
 * entries; sessions still open are closed here. */
static void close_sessions(parley_eio_endpoint *endpoint)
{
	GList *open = g_hash_table_get_values(endpoint->sessions);
	for (GList *item = open; item != NULL; item = item->next)
		parley_eio_ref(item->data);
	for (GList *item = open; item != NULL; item = item->next) {
		parley_eio_socket *socket = item->data;
		socket->poll = NULL;
		socket->ws = NULL;
		parley_eio_close(socket, "server shutting down");
		parley_eio_unref(socket);
	}
	g_list_free(open);
	g_hash_table_destroy(endpoint->sessions);
	endpoint->sessions = NULL;
}

void parley_eio_destroy(void)
{
	if (websockets == NULL)
		return;
	context_gone = true;
	for (parley_eio_endpoint *endpoint = endpoints; endpoint != NULL; endpoint = endpoint->next)
		close_sessions(endpoint);
	endpoints = NULL;
	g_hash_table_destroy(websockets);
	websockets = NULL;
}

unsigned parley_eio_count(const parley_eio_endpoint *endpoint)
{
	return endpoint->sessions != NULL ? g_hash_table_size(endpoint->sessions) : 0;
}

/* ---- sessions ------------------------------------------------------------- */

parley_eio_socket *parley_eio_ref(parley_eio_socket *socket)
{
	g_atomic_int_inc(&socket->refs);
	return socket;
}

void parley_eio_unref(parley_eio_socket *socket)
{
	if (socket == NULL || !g_atomic_int_dec_and_test(&socket->refs))
		return;
	parley_ws_out_clear(&socket->out);
	g_byte_array_unref(socket->rx);
	g_free(socket);
}

parley_eio_socket *parley_eio_find(parley_eio_endpoint *endpoint, const char *sid)
{
	return endpoint != NULL && endpoint->sessions != NULL ? g_hash_table_lookup(endpoint->sessions, sid) : NULL;
}

/* Queues an encoded packet; false (and the session closes) when the
 * client lets more than max_queue packets pile up. */
static bool enqueue(parley_eio_socket *socket, parley_eio_type type, const char *data, size_t length)
{
	if (socket->closed)
		return false;
	long max_queue = socket->endpoint->config.max_queue;
	if (g_queue_get_length(&socket->out) >= (guint)max_queue) {
		LOG(PARLEY_LOG_WARN, "Engine.IO client %s (%s) too slow: %ld packets pending, closing", socket->sid,
		    socket->remote_ip, max_queue);
		parley_eio_close(socket, "too slow");
		return false;
	}
	parley_ws_out *out = g_new(parley_ws_out, 1);
	out->length = length + 1;
	out->buffer = g_malloc(LWS_PRE + out->length + 1);
	out->buffer[LWS_PRE] = (unsigned char)('0' + (int)type);
	if (length > 0)
		memcpy(out->buffer + LWS_PRE + 1, data, length);
	out->buffer[LWS_PRE + out->length] = '\0';
	g_queue_push_tail(&socket->out, out);
	return true;
}

void parley_eio_flush(parley_eio_socket *socket)
{
	if (socket->closed || socket->going_away)
		return;
	if (socket->transport == PARLEY_EIO_TRANSPORT_WEBSOCKET) {
		if (socket->ws != NULL && !g_queue_is_empty(&socket->out))
			lws_callback_on_writable(socket->ws);
	} else if (socket->poll != NULL && (socket->upgrading || !g_queue_is_empty(&socket->out))) {
		parley_eio_http_answer_poll(socket, true);
	}
}

void parley_eio_send(parley_eio_socket *socket, const char *data, size_t length)
{
	if (enqueue(socket, PARLEY_EIO_MESSAGE, data, length))
		parley_eio_flush(socket);
}

static void heartbeat_due(lws_sorted_usec_list_t *sul)
{
	parley_eio_socket *socket = lws_container_of(sul, parley_eio_socket, heartbeat);
	if (socket->closed)
		return;
	if (socket->awaiting_pong) {
		LOG(PARLEY_LOG_VERB, "Engine.IO client %s (%s): no pong within %ld ms, closing", socket->sid,
		    socket->remote_ip, socket->endpoint->config.ping_timeout);
		parley_eio_close(socket, "ping timeout");
		return;
	}
	socket->awaiting_pong = true;
	lws_sul_schedule(parley_ws.context, 0, &socket->heartbeat, heartbeat_due,
	                 (lws_usec_t)socket->endpoint->config.ping_timeout * LWS_US_PER_MS);
	if (enqueue(socket, PARLEY_EIO_PING, NULL, 0))
		parley_eio_flush(socket);
	handlers->heartbeat(socket); /* alive until this ping goes unanswered */
}

static void heartbeat_restart(parley_eio_socket *socket)
{
	socket->awaiting_pong = false;
	lws_sul_schedule(parley_ws.context, 0, &socket->heartbeat, heartbeat_due,
	                 (lws_usec_t)socket->endpoint->config.ping_interval * LWS_US_PER_MS);
}

parley_eio_socket *parley_eio_open(parley_eio_endpoint *endpoint, parley_eio_transport transport, const char *remote_ip)
{
	const parley_eio_config *config = &endpoint->config;
	GHashTable *sessions = endpoint->sessions;
	if (config->max_clients > 0 && g_hash_table_size(sessions) >= (guint)config->max_clients) {
		LOG(PARLEY_LOG_WARN, "refused an Engine.IO session from %s: [%s] max_clients (%ld) reached", remote_ip,
		    endpoint->section, config->max_clients);
		return NULL;
	}
	parley_eio_socket *socket = g_new0(parley_eio_socket, 1);
	socket->refs = 1; /* the sid table's */
	socket->endpoint = endpoint;
	do {
		parley_eio_new_sid(socket->sid);
	} while (g_hash_table_contains(sessions, socket->sid));
	g_strlcpy(socket->remote_ip, remote_ip != NULL ? remote_ip : "", sizeof(socket->remote_ip));
	socket->transport = transport;
	socket->rx = g_byte_array_new();
	g_queue_init(&socket->out);
	g_hash_table_insert(sessions, socket->sid, socket);
	char *open = parley_eio_open_json(socket->sid, config->ping_interval, config->ping_timeout, config->max_payload,
	                                  transport == PARLEY_EIO_TRANSPORT_POLLING);
	enqueue(socket, PARLEY_EIO_OPEN, open, strlen(open));
	g_free(open);
	heartbeat_restart(socket);
	LOG(PARLEY_LOG_VERB, "Engine.IO session %s opened from %s (%s, [%s])", socket->sid, socket->remote_ip,
	    transport == PARLEY_EIO_TRANSPORT_POLLING ? "polling" : "websocket", endpoint->section);
	handlers->opened(socket);
	return socket;
}

void parley_eio_close(parley_eio_socket *socket, const char *reason)
{
	if (socket->closed)
		return;
	socket->closed = true;
	if (socket->endpoint->sessions != NULL)
		g_hash_table_remove(socket->endpoint->sessions, socket->sid);
	if (!context_gone)
		lws_sul_cancel(&socket->heartbeat);
	if (!socket->going_away)
		parley_ws_out_clear(&socket->out);
	if (socket->poll != NULL) {
		/* The held GET learns the session is over: a close packet. */
		socket->closed = false;
		enqueue(socket, PARLEY_EIO_CLOSE, NULL, 0);
		socket->transport = PARLEY_EIO_TRANSPORT_POLLING;
		parley_eio_http_answer_poll(socket, false);
		socket->closed = true;
	}
	if (socket->ws != NULL) {
		socket->ws_close = true;
		lws_callback_on_writable(socket->ws);
	}
	LOG(PARLEY_LOG_VERB, "Engine.IO session %s (%s) closed: %s", socket->sid, socket->remote_ip, reason);
	handlers->closed(socket, reason);
	parley_eio_unref(socket); /* the sid table's */
}

void parley_eio_notify_stopping(void)
{
	for (parley_eio_endpoint *endpoint = endpoints; endpoint != NULL; endpoint = endpoint->next) {
		if (endpoint->sessions == NULL)
			continue;
		GHashTableIter iter;
		gpointer value;
		g_hash_table_iter_init(&iter, endpoint->sessions);
		while (g_hash_table_iter_next(&iter, NULL, &value))
			handlers->going_away(value); /* queues packets only: the table stays as it is */
	}
}

void parley_eio_going_away(void)
{
	for (parley_eio_endpoint *endpoint = endpoints; endpoint != NULL; endpoint = endpoint->next) {
		if (endpoint->sessions == NULL)
			continue;
		GList *sockets = g_hash_table_get_values(endpoint->sessions);
		for (GList *item = sockets; item != NULL; item = item->next)
			parley_eio_ref(item->data);
		for (GList *item = sockets; item != NULL; item = item->next) {
			parley_eio_socket *socket = item->data;
			socket->going_away = true;
			handlers->going_away(socket);
			parley_eio_close(socket, "server shutting down");
			parley_eio_unref(socket);
		}
		g_list_free(sockets);
	}
}

/* ---- packets from the client (both transports) ---------------------------- */

static void on_close_packet(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws)
{
	parley_eio_close(socket, "client closed");
}

static void on_ping(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws)
{
	bool probe = packet->length == 5 && memcmp(packet->data, "probe", 5) == 0;
	if (probe && via_ws != NULL) {
		if (via_ws != socket->ws || socket->transport != PARLEY_EIO_TRANSPORT_POLLING)
			return;
		socket->upgrading = true;
		socket->probe_reply = true;
		lws_callback_on_writable(via_ws);
		parley_eio_flush(socket); /* a held GET answers (noop) so the client can pause polling */
		return;
	}
	/* Protocol 3 clients ping the server: answer in kind. */
	if (enqueue(socket, PARLEY_EIO_PONG, packet->data, packet->length))
		parley_eio_flush(socket);
}

static void on_pong(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws)
{
	if (!socket->awaiting_pong)
		return;
	heartbeat_restart(socket);
	handlers->heartbeat(socket);
}

static void on_message(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws)
{
	handlers->message(socket, packet->data, packet->length);
}

static void on_upgrade(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws)
{
	if (via_ws == NULL || via_ws != socket->ws || !socket->upgrading)
		return;
	socket->upgrading = false;
	socket->transport = PARLEY_EIO_TRANSPORT_WEBSOCKET;
	if (socket->poll != NULL)
		parley_eio_http_answer_poll(socket, true);
	LOG(PARLEY_LOG_VERB, "Engine.IO session %s upgraded to websocket", socket->sid);
	parley_eio_flush(socket);
}

static void on_ignored(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws) {}

static void (*const receivers[])(parley_eio_socket *, const parley_eio_packet *, struct lws *) = {
	[PARLEY_EIO_OPEN] = on_ignored, [PARLEY_EIO_CLOSE] = on_close_packet, [PARLEY_EIO_PING] = on_ping,
	[PARLEY_EIO_PONG] = on_pong,    [PARLEY_EIO_MESSAGE] = on_message,    [PARLEY_EIO_UPGRADE] = on_upgrade,
	[PARLEY_EIO_NOOP] = on_ignored,
};

void parley_eio_receive(parley_eio_socket *socket, const parley_eio_packet *packet, struct lws *via_ws)
{
	if (socket->closed || (size_t)packet->type >= G_N_ELEMENTS(receivers))
		return;
	receivers[packet->type](socket, packet, via_ws);
}

/* ---- WebSocket transport -------------------------------------------------- */

/* The session a WebSocket upgrade asks for: NULL + *error when refused,
 * NULL + *error == -1 for a new session. */
static parley_eio_socket *check_upgrade(parley_eio_endpoint *endpoint, struct lws *wsi, int *error)
{
	char *query = parley_eio_copy_query(wsi);
	parley_eio_query q;
	parley_eio_query_parse(query, &q);
	g_free(query);
	*error = parley_eio_query_check(&q, true);
	if (*error < 0 && q.transport != PARLEY_EIO_TRANSPORT_WEBSOCKET)
		*error = PARLEY_EIO_ERR_BAD_REQUEST;
	if (*error >= 0 || q.sid[0] == '\0')
		return NULL;
	parley_eio_socket *socket = parley_eio_find(endpoint, q.sid);
	if (socket == NULL)
		*error = PARLEY_EIO_ERR_UNKNOWN_SID;
	else if (socket->transport != PARLEY_EIO_TRANSPORT_POLLING || socket->ws != NULL)
		*error = PARLEY_EIO_ERR_BAD_REQUEST;
	return *error >= 0 ? NULL : socket;
}

static int ws_filter(struct lws *wsi)
{
	int error;
	parley_eio_endpoint *endpoint = parley_ws_endpoint_of(wsi);
	if (endpoint == NULL || !endpoint->config.enabled || !parley_ws_origin_allowed(wsi, "an Engine.IO WebSocket"))
		return -1;
	check_upgrade(endpoint, wsi, &error);
	if (error >= 0) {
		LOG(PARLEY_LOG_VERB, "refused an Engine.IO WebSocket: %s", parley_eio_error_message(error));
		return -1;
	}
	return 0;
}

static int ws_established(struct lws *wsi)
{
	int error;
	parley_eio_endpoint *endpoint = parley_ws_endpoint_of(wsi);
	if (endpoint == NULL)
		return -1;
	parley_eio_socket *socket = check_upgrade(endpoint, wsi, &error);
	if (error >= 0)
		return -1;
	if (socket == NULL) {
		char ip[64] = "";
		lws_get_peer_simple(wsi, ip, sizeof(ip));
		socket = parley_eio_open(endpoint, PARLEY_EIO_TRANSPORT_WEBSOCKET, ip);
		if (socket == NULL)
			return -1;
	}
	socket->ws = wsi;
	socket->ws_close = socket->ws_binary = false;
	g_byte_array_set_size(socket->rx, 0);
	socket->rx_overflow = false;
	g_hash_table_insert(websockets, wsi, parley_eio_ref(socket));
	g_atomic_int_inc(&parley_ws.websockets);
	parley_eio_flush(socket);
	return 0;
}

static void ws_message(parley_eio_socket *socket, struct lws *wsi, const char *text, size_t length)
{
	parley_eio_packet packet;
	parley_eio_decode_status status = parley_eio_decode_packet(text, length, &packet);
	if (status != PARLEY_EIO_DECODE_OK) {
		LOG(PARLEY_LOG_VERB, "Engine.IO session %s: undecodable packet (%d), closing", socket->sid,
		    (int)status);
		parley_eio_close(socket, "parse error");
		return;
	}
	parley_eio_receive(socket, &packet, wsi);
}

static int ws_receive(parley_eio_socket *socket, struct lws *wsi, const void *in, size_t len)
{
	if (socket->ws_binary)
		return 0;
	if (lws_frame_is_binary(wsi)) {
		/* What is queued (e.g. the Socket.IO layer's refusal of a binary
		 * event) goes out first, then the socket closes with 1003. */
		LOG(PARLEY_LOG_VERB, "Engine.IO session %s: binary frame refused, closing", socket->sid);
		socket->ws_binary = true;
		lws_callback_on_writable(wsi);
		return 0;
	}
	long max_payload = socket->endpoint->config.max_payload;
	if (socket->rx->len + len > (size_t)max_payload) {
		LOG(PARLEY_LOG_VERB, "Engine.IO session %s: message over max_payload (%ld), closing", socket->sid,
		    max_payload);
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message larger than maxPayload");
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0) {
		g_byte_array_append(socket->rx, in, (guint)len);
		return 0;
	}
	parley_eio_ref(socket);
	if (socket->rx->len == 0) {
		ws_message(socket, wsi, in, len);
	} else {
		g_byte_array_append(socket->rx, in, (guint)len);
		GByteArray *whole = socket->rx;
		socket->rx = g_byte_array_new();
		ws_message(socket, wsi, (const char *)whole->data, whole->len);
		g_byte_array_unref(whole);
	}
	parley_eio_unref(socket);
	return 0;
}

/* The last packets of a session closed because the server stops, then
 * close 1001. */
static int ws_write_farewell(parley_eio_socket *socket, struct lws *wsi)
{
	parley_ws_out *out = g_queue_pop_head(&socket->out);
	if (out == NULL)
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
	if (parley_ws_out_write(wsi, out) != 0)
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int ws_writable(parley_eio_socket *socket, struct lws *wsi)
{
	if (socket->going_away && socket->ws == wsi && socket->transport == PARLEY_EIO_TRANSPORT_WEBSOCKET)
		return ws_write_farewell(socket, wsi);
	if (socket->closed || socket->ws != wsi || socket->ws_close)
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_NORMAL, "session closed");
	if (socket->probe_reply) {
		unsigned char probe[LWS_PRE + 8];
		memcpy(probe + LWS_PRE, "3probe", 6);
		socket->probe_reply = false;
		return lws_write(wsi, probe + LWS_PRE, 6, LWS_WRITE_TEXT) < 0 ? -1 : 0;
	}
	parley_ws_out *out = socket->transport == PARLEY_EIO_TRANSPORT_WEBSOCKET ? g_queue_pop_head(&socket->out)
	                                                                         : NULL;
	if (out == NULL && socket->ws_binary)
		return parley_ws_close(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "binary frames are not supported");
	if (out == NULL)
		return 0;
	if (parley_ws_out_write(wsi, out) != 0)
		return -1;
	if (!g_queue_is_empty(&socket->out) || socket->ws_binary)
		lws_callback_on_writable(wsi);
	return 0;
}

static void ws_closed(struct lws *wsi)
{
	parley_eio_socket *socket = NULL;
	if (!g_hash_table_steal_extended(websockets, wsi, NULL, (gpointer *)&socket))
		return;
	g_atomic_int_add(&parley_ws.websockets, -1);
	if (socket->ws == wsi) {
		socket->ws = NULL;
		if (socket->transport == PARLEY_EIO_TRANSPORT_WEBSOCKET)
			parley_eio_close(socket, "transport close");
		else
			socket->upgrading = socket->probe_reply = false; /* the probe failed: stay on polling */
	}
	parley_eio_unref(socket);
}

int parley_eio_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	parley_eio_socket *socket;
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return ws_filter(wsi);
	case LWS_CALLBACK_ESTABLISHED: return ws_established(wsi);
	case LWS_CALLBACK_RECEIVE:
		socket = g_hash_table_lookup(websockets, wsi);
		__atomic_add_fetch(&parley_ws.messages_in, 1, __ATOMIC_RELAXED);
		return socket != NULL && socket->ws == wsi && !socket->closed ? ws_receive(socket, wsi, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		socket = g_hash_table_lookup(websockets, wsi);
		return socket != NULL ? ws_writable(socket, wsi) : -1;
	case LWS_CALLBACK_CLOSED: ws_closed(wsi); return 0;
	default: return 0;
	}
}
