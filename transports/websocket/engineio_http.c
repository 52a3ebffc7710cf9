/*
 * transports/websocket/engineio_http.c — the Engine.IO long-polling
 * transport on an endpoint's path: the handshake GET (open packet), held GETs
 * answered with the queued packets joined by 0x1e (or a noop during an
 * upgrade, or a close packet), POSTs of client payloads (answered "ok"),
 * the reference server's error answers (400/403 {"code","message"}), the
 * Origin check against cors_origins, and the body limit (max_payload).
 *
 * Service thread only. A held GET maps its wsi to the session (with a
 * reference) until it is answered or its connection closes; a GET whose
 * connection closes early ends the session, as the reference server does.
 */
#include "engineio.h"

#include <string.h>

#define LOG(level, ...) parley_ws.core->log(level, WS_PACKAGE, __VA_ARGS__)

#define POLL_CONTENT_TYPE "text/plain; charset=UTF-8"
/* Packets accepted in one POST. */
#define MAX_PAYLOAD_PACKETS 4096

static GHashTable *polls; /* wsi → socket (a reference) */

bool parley_eio_claims(const parley_eio_endpoint *endpoint, const char *path)
{
	if (endpoint == NULL || !endpoint->config.enabled || path == NULL)
		return false;
	/* "/socket.io/" and "/socket.io" both name the endpoint. */
	const char *own = endpoint->config.path;
	size_t length = strlen(own);
	return strncmp(path, own, length) == 0 || (strncmp(path, own, length - 1) == 0 && path[length - 1] == '\0');
}

size_t parley_eio_body_limit(const parley_eio_endpoint *endpoint, const char *path, size_t fallback)
{
	return parley_eio_claims(endpoint, path) ? (size_t)endpoint->config.max_payload : fallback;
}

/* Engine.IO's handshake query is short: 32 arguments of up to 511 bytes. */
char *parley_eio_copy_query(struct lws *wsi)
{
	return parley_tx_copy_query(wsi, 512, 32);
}

static void respond_error(parley_tx_exchange *ex, struct lws *wsi, parley_eio_error code)
{
	char *body = parley_eio_error_body(code);
	parley_tx_respond(ex, wsi, parley_eio_error_http_status(code), "application/json", body, strlen(body));
	g_free(body);
}

static void forget_poll(struct lws *wsi)
{
	parley_eio_socket *socket = NULL;
	if (polls != NULL && g_hash_table_steal_extended(polls, wsi, NULL, (gpointer *)&socket))
		parley_eio_unref(socket);
}

void parley_eio_http_answer_poll(parley_eio_socket *socket, bool noop_if_empty)
{
	if (socket->poll == NULL)
		return;
	GString *payload = g_string_sized_new(256);
	if (socket->transport == PARLEY_EIO_TRANSPORT_POLLING && !socket->upgrading) {
		parley_ws_out *out;
		while ((out = g_queue_pop_head(&socket->out)) != NULL) {
			parley_eio_payload_append(payload, (const char *)out->buffer + LWS_PRE, out->length);
			parley_ws_out_free(out);
		}
	}
	if (payload->len == 0) {
		if (!noop_if_empty) {
			g_string_free(payload, TRUE);
			return;
		}
		parley_eio_encode_packet(payload, PARLEY_EIO_NOOP, NULL, 0);
	}
	struct lws *wsi = socket->poll;
	parley_tx_exchange *ex = socket->poll_ex;
	socket->poll = NULL;
	socket->poll_ex = NULL;
	parley_tx_respond(ex, wsi, 200, POLL_CONTENT_TYPE, payload->str, payload->len);
	__atomic_add_fetch(&parley_ws.messages_out, 1, __ATOMIC_RELAXED);
	g_string_free(payload, TRUE);
	forget_poll(wsi);
}

void parley_eio_http_closed(struct lws *wsi)
{
	parley_eio_socket *socket = polls != NULL ? g_hash_table_lookup(polls, wsi) : NULL;
	if (socket == NULL)
		return;
	parley_eio_ref(socket);
	forget_poll(wsi);
	if (socket->poll == wsi) {
		socket->poll = NULL;
		socket->poll_ex = NULL;
		parley_eio_close(socket, "poll connection closed prematurely");
	}
	parley_eio_unref(socket);
}

static void hold_poll(parley_eio_socket *socket, parley_tx_exchange *ex, struct lws *wsi)
{
	if (polls == NULL)
		polls = g_hash_table_new(g_direct_hash, g_direct_equal);
	socket->poll = wsi;
	socket->poll_ex = ex;
	g_hash_table_insert(polls, wsi, parley_eio_ref(socket));
	/* the heartbeat answers a held GET within ping_interval */
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK,
	                (int)((socket->endpoint->config.ping_interval + socket->endpoint->config.ping_timeout) / 1000) +
	                        10);
	parley_eio_flush(socket);
}

static void on_get(parley_eio_socket *socket, parley_tx_exchange *ex, struct lws *wsi)
{
	if (socket->transport != PARLEY_EIO_TRANSPORT_POLLING) {
		respond_error(ex, wsi, PARLEY_EIO_ERR_BAD_REQUEST);
		return;
	}
	if (socket->poll != NULL) {
		LOG(PARLEY_LOG_VERB, "Engine.IO session %s: overlapping GET, closing", socket->sid);
		respond_error(ex, wsi, PARLEY_EIO_ERR_BAD_REQUEST);
		parley_eio_close(socket, "overlapping poll");
		return;
	}
	hold_poll(socket, ex, wsi);
}

static void on_post(parley_eio_socket *socket, parley_tx_exchange *ex, struct lws *wsi)
{
	size_t count = 0;
	parley_eio_packet *packets = g_new(parley_eio_packet, MAX_PAYLOAD_PACKETS);
	parley_eio_decode_status status = parley_eio_decode_payload((const char *)ex->body->data, ex->body->len,
	                                                            packets, MAX_PAYLOAD_PACKETS, &count);
	if (status != PARLEY_EIO_DECODE_OK) {
		LOG(PARLEY_LOG_VERB, "Engine.IO session %s: %s payload, closing", socket->sid,
		    status == PARLEY_EIO_DECODE_BINARY ? "binary (unsupported)" : "undecodable");
		respond_error(ex, wsi, PARLEY_EIO_ERR_BAD_REQUEST);
		parley_eio_close(socket, "parse error");
		g_free(packets);
		return;
	}
	for (size_t i = 0; i < count && !socket->closed; i++)
		parley_eio_receive(socket, &packets[i], NULL);
	g_free(packets);
	__atomic_add_fetch(&parley_ws.messages_in, 1, __ATOMIC_RELAXED);
	parley_tx_respond(ex, wsi, 200, "text/html", "ok", 2);
}

int parley_eio_http(parley_eio_endpoint *endpoint, parley_tx_exchange *ex, struct lws *wsi)
{
	parley_eio_query query;
	parley_eio_query_parse(ex->query, &query);
	bool is_get = ex->method_index == LWSHUMETH_GET, is_post = ex->method_index == LWSHUMETH_POST;
	const char *cors_origins = parley_tx_settings_of(wsi, &parley_ws.conf.plain_settings)->cors_origins;
	if (cors_origins != NULL && ex->origin != NULL && !parley_tx_origin_allowed(cors_origins, ex->origin)) {
		respond_error(ex, wsi, PARLEY_EIO_ERR_FORBIDDEN);
		return 0;
	}
	int error = parley_eio_query_check(&query, is_get);
	if (error < 0 && (query.transport != PARLEY_EIO_TRANSPORT_POLLING || !(is_get || is_post)))
		error = PARLEY_EIO_ERR_BAD_REQUEST; /* websocket needs an upgrade; polling is GET/POST */
	if (error < 0 && query.sid[0] == '\0') {
		parley_eio_socket *socket = parley_eio_open(endpoint, PARLEY_EIO_TRANSPORT_POLLING, ex->remote_ip);
		if (socket == NULL) {
			static const char full[] = "{\"code\":3,\"message\":\"Too many sessions (max_clients)\"}";
			parley_tx_respond(ex, wsi, 503, "application/json", full, sizeof(full) - 1);
			return 0;
		}
		hold_poll(socket, ex, wsi); /* answers at once with the open packet */
		return 0;
	}
	parley_eio_socket *socket = error < 0 ? parley_eio_find(endpoint, query.sid) : NULL;
	if (error < 0 && socket == NULL)
		error = PARLEY_EIO_ERR_UNKNOWN_SID;
	if (error >= 0) {
		respond_error(ex, wsi, (parley_eio_error)error);
		return 0;
	}
	parley_eio_ref(socket);
	if (is_get)
		on_get(socket, ex, wsi);
	else
		on_post(socket, ex, wsi);
	parley_eio_unref(socket);
	return 0;
}
