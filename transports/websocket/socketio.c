/*
 * transports/websocket/socketio.c — Socket.IO 5 over Engine.IO, mapped to
 * the Janus API (see socketio.h). Generic: nothing here knows the plugin.
 *
 *  - CONNECT "/" (40, optional auth {apisecret, token}): the client acts as
 *    a Janus API client: `create`, then `attach` to its endpoint's plugin
 *    ([socketio] plugin, or that of its [socketio.<name>] listener); the
 *    answer is 40{"sid"}, or CONNECT_ERROR {"message"} with the core's
 *    reason. Other namespaces: CONNECT_ERROR {"message":"Invalid namespace"}.
 *  - EVENT 42[name, data] (ack id optional): a `message` whose body is
 *    {"request": name, ...data's members}; a non-object data becomes
 *    {"request": name, "data": data}.
 *  - Acks: when the client asked for one, the core's answer to that
 *    message is the ack: "success" → [plugindata.data], "ack" (the plugin
 *    answers later with events) → [] (no argument), "error" →
 *    [{"error": reason, "code": code}]. Without an ack id an error answer
 *    is emitted as the event "request-error" {code, reason}.
 *  - Plugin events {"event": name, "data": payload} → 42[name, payload];
 *    with the endpoint's event_name set (e.g. "textroom"), other data
 *    whose member of that name is a string → 42[that string, data];
 *    any other plugin event data → 42["plugin-event", data].
 *  - Each ping sent and each pong received touches the Janus session, so
 *    it lives as long as the socket (given ping_timeout < session_timeout):
 *    Socket.IO clients send no keepalive of their own. DISCONNECT (41)
 *    destroys it; the Engine.IO session closing (or a missed pong) is
 *    core->conn_closed.
 *    The session ending on the core's side (timeout, destroy) sends 41.
 *  - Binary packets and undecodable packets: CONNECT_ERROR {"message"}
 *    and the namespace's Janus session ends.
 *
 * Core answers and events arrive on any thread (send_message): they are
 * queued on the client under parley_ws.lock and handled on the service
 * thread (parley_sio_wakeup), in order. The request_ctx of a request is
 * not a pointer: it encodes the request kind and the ack id.
 */
#include "socketio.h"
#include "socketio_codec.h"

#include <string.h>

#define LOG(level, ...) parley_ws.core->log(level, WS_PACKAGE, __VA_ARGS__)

typedef enum sio_kind {
	SIO_KIND_CREATE = 1,
	SIO_KIND_ATTACH,
	SIO_KIND_MESSAGE,
	SIO_KIND_DESTROY,
	SIO_KIND_SESSION_OVER,
} sio_kind;

typedef enum sio_state {
	SIO_IDLE = 0, /* not connected to "/" */
	SIO_CREATING,
	SIO_ATTACHING,
	SIO_CONNECTED,
} sio_state;

typedef struct sio_item {
	void *ctx;       /* NULL: an event */
	json_t *message; /* a reference, or NULL */
} sio_item;

typedef struct sio_client {
	parley_conn *conn;
	parley_eio_socket *engine; /* a reference */
	/* under parley_ws.lock */
	GQueue inbox; /* sio_item */
	bool scheduled, closed;
	/* service thread */
	sio_state state;
	uint64_t session_id, handle_id;
	char sid[PARLEY_EIO_SID_LENGTH + 1];
	char *apisecret, *token;
	guint64 transactions;
	bool told_stopping; /* the "server-shutdown" event went out */
} sio_client;

static GQueue ready; /* sio_client with inbox items (each holds a conn ref), under parley_ws.lock */
static const parley_transport parley_sio_transport;

G_STATIC_ASSERT(sizeof(void *) >= 8);

static void *make_ctx(sio_kind kind, int64_t ack_id)
{
	return (void *)(uintptr_t)(((uint64_t)(ack_id + 1) << 3) | (uint64_t)kind);
}

static sio_kind ctx_kind(void *ctx)
{
	return (sio_kind)((uintptr_t)ctx & 7);
}

static int64_t ctx_ack_id(void *ctx)
{
	return (int64_t)((uintptr_t)ctx >> 3) - 1;
}

/* ---- the client ----------------------------------------------------------- */

static void item_free(sio_item *item)
{
	json_decref(item->message);
	g_free(item);
}

static void client_free(void *data)
{
	sio_client *client = data;
	sio_item *item;
	while ((item = g_queue_pop_head(&client->inbox)) != NULL)
		item_free(item);
	g_free(client->apisecret);
	g_free(client->token);
	parley_eio_unref(client->engine);
	g_free(client);
}

/* Sends a Socket.IO packet (data borrowed) on the client's engine. */
static void send_packet(sio_client *client, parley_sio_type type, const char *nsp, int64_t ack_id, json_t *data)
{
	size_t length = 0;
	char *text = parley_sio_encode(type, nsp, ack_id, data, &length);
	if (text == NULL) {
		LOG(PARLEY_LOG_WARN, "Socket.IO %s: cannot encode a packet", client->sid);
		return;
	}
	parley_eio_send(client->engine, text, length);
	g_free(text);
}

static void emit(sio_client *client, const char *name, json_t *payload)
{
	json_t *args = json_pack("[sO]", name, payload != NULL ? payload : json_null());
	send_packet(client, PARLEY_SIO_EVENT, "/", -1, args);
	json_decref(args);
}

static void connect_error(sio_client *client, const char *nsp, const char *message)
{
	json_t *data = json_pack("{ss}", "message", message);
	send_packet(client, PARLEY_SIO_CONNECT_ERROR, nsp, -1, data);
	json_decref(data);
}

/* A Janus request on the client's conn (`request` is taken). */
static void request(sio_client *client, sio_kind kind, int64_t ack_id, json_t *request)
{
	char transaction[40];
	snprintf(transaction, sizeof(transaction), "sio-%s-%" G_GUINT64_FORMAT, client->sid, ++client->transactions);
	json_object_set_new(request, "transaction", json_string(transaction));
	if (client->session_id != 0)
		json_object_set_new(request, "session_id", json_integer((json_int_t)client->session_id));
	if (client->handle_id != 0 && kind == SIO_KIND_MESSAGE)
		json_object_set_new(request, "handle_id", json_integer((json_int_t)client->handle_id));
	if (client->apisecret != NULL)
		json_object_set_new(request, "apisecret", json_string(client->apisecret));
	if (client->token != NULL)
		json_object_set_new(request, "token", json_string(client->token));
	parley_ws.core->incoming_request(client->conn, make_ctx(kind, ack_id), false, request);
	json_decref(request);
}

/* Leaves "/": the Janus session (and so the plugin handle) ends. */
static void end_namespace(sio_client *client)
{
	if (client->session_id != 0)
		request(client, SIO_KIND_DESTROY, -1, json_pack("{ss}", "janus", "destroy"));
	client->state = SIO_IDLE;
	client->session_id = client->handle_id = 0;
}

/* ---- packets from the client ---------------------------------------------- */

static void set_auth(sio_client *client, json_t *auth)
{
	g_free(client->apisecret);
	g_free(client->token);
	client->apisecret = g_strdup(json_string_value(json_object_get(auth, "apisecret")));
	client->token = g_strdup(json_string_value(json_object_get(auth, "token")));
}

static void on_connect(sio_client *client, parley_sio_packet *packet)
{
	if (client->state != SIO_IDLE)
		return; /* already connected or connecting */
	long blocked_ms = parley_tx_blocked_ms(parley_ws.throttle, client->engine->remote_ip);
	if (blocked_ms > 0) {
		char reason[128];
		connect_error(client, "/", parley_tx_blocked_reason(blocked_ms, reason, sizeof(reason)));
		return;
	}
	set_auth(client, packet->data);
	client->state = SIO_CREATING;
	request(client, SIO_KIND_CREATE, -1, json_pack("{ss}", "janus", "create"));
}

static void on_disconnect(sio_client *client, parley_sio_packet *packet)
{
	end_namespace(client);
}

static void on_event(sio_client *client, parley_sio_packet *packet)
{
	if (client->state != SIO_CONNECTED) {
		if (packet->ack_id >= 0) {
			json_t *args = json_pack("[{ss}]", "error", "not connected");
			send_packet(client, PARLEY_SIO_ACK, "/", packet->ack_id, args);
			json_decref(args);
		}
		return;
	}
	const char *name = json_string_value(json_array_get(packet->data, 0));
	json_t *data = json_array_get(packet->data, 1);
	json_t *body;
	if (json_is_object(data)) {
		body = json_copy(data);
	} else {
		body = json_object();
		if (data != NULL)
			json_object_set(body, "data", data);
	}
	json_object_set_new(body, "request", json_string(name));
	json_t *message = json_pack("{ss so}", "janus", "message", "body", body);
	LOG(PARLEY_LOG_DEBUG, "Socket.IO %s: event %s (ack %" G_GINT64_FORMAT ")", client->sid, name ? name : "?",
	    packet->ack_id);
	request(client, SIO_KIND_MESSAGE, packet->ack_id, message);
}

static void on_ignored_packet(sio_client *client, parley_sio_packet *packet) {}

static void (*const packet_handlers[])(sio_client *, parley_sio_packet *) = {
	[PARLEY_SIO_CONNECT] = on_connect,
	[PARLEY_SIO_DISCONNECT] = on_disconnect,
	[PARLEY_SIO_EVENT] = on_event,
	[PARLEY_SIO_ACK] = on_ignored_packet,           /* the server asks for no acks */
	[PARLEY_SIO_CONNECT_ERROR] = on_ignored_packet, /* server → client only */
};

static void engine_message(parley_eio_socket *engine, const char *data, size_t length)
{
	sio_client *client = engine->user;
	if (client == NULL)
		return;
	parley_sio_packet packet;
	parley_sio_decode_status status = parley_sio_decode(data, length, &packet);
	if (status != PARLEY_SIO_DECODE_OK) {
		const char *what = parley_sio_decode_error(status);
		LOG(PARLEY_LOG_VERB, "Socket.IO %s: refused a packet (%s)", client->sid, what);
		char message[96];
		snprintf(message, sizeof(message), "%c%s", g_ascii_toupper(what[0]), what + 1);
		connect_error(client, "/", message);
		end_namespace(client);
		return;
	}
	if (strcmp(packet.nsp, "/") != 0) {
		connect_error(client, packet.nsp, "Invalid namespace");
	} else if ((size_t)packet.type < G_N_ELEMENTS(packet_handlers) && packet_handlers[packet.type] != NULL) {
		packet_handlers[packet.type](client, &packet);
	}
	parley_sio_packet_clear(&packet);
}

/* ---- answers and events from the core (service thread) -------------------- */

static const char *verb_of(json_t *message)
{
	const char *verb = json_string_value(json_object_get(message, "janus"));
	return verb != NULL ? verb : "";
}

static const char *error_reason(json_t *message, int *code)
{
	json_t *error = json_object_get(message, "error");
	*code = (int)json_integer_value(json_object_get(error, "code"));
	const char *reason = json_string_value(json_object_get(error, "reason"));
	return reason != NULL ? reason : "error";
}

static void on_create_answer(sio_client *client, int64_t ack_id, json_t *message)
{
	int code;
	if (client->state != SIO_CREATING)
		return;
	if (strcmp(verb_of(message), "success") != 0) {
		client->state = SIO_IDLE;
		connect_error(client, "/", error_reason(message, &code));
		return;
	}
	client->session_id = (uint64_t)json_integer_value(json_object_get(json_object_get(message, "data"), "id"));
	client->state = SIO_ATTACHING;
	request(client, SIO_KIND_ATTACH, -1,
	        json_pack("{ss ss}", "janus", "attach", "plugin", client->engine->endpoint->plugin));
}

static void on_attach_answer(sio_client *client, int64_t ack_id, json_t *message)
{
	int code;
	if (client->state != SIO_ATTACHING)
		return;
	if (strcmp(verb_of(message), "success") != 0) {
		connect_error(client, "/", error_reason(message, &code));
		end_namespace(client);
		return;
	}
	client->handle_id = (uint64_t)json_integer_value(json_object_get(json_object_get(message, "data"), "id"));
	client->state = SIO_CONNECTED;
	json_t *data = json_pack("{ss}", "sid", client->sid);
	send_packet(client, PARLEY_SIO_CONNECT, "/", -1, data);
	json_decref(data);
}

static void on_message_answer(sio_client *client, int64_t ack_id, json_t *message)
{
	const char *verb = verb_of(message);
	int code = 0;
	json_t *args = NULL;
	if (strcmp(verb, "success") == 0) {
		json_t *data = json_object_get(json_object_get(message, "plugindata"), "data");
		args = json_pack("[O]", data != NULL ? data : json_object());
	} else if (strcmp(verb, "ack") == 0) {
		args = json_array();
	} else {
		const char *reason = error_reason(message, &code);
		if (ack_id < 0) {
			json_t *event = json_pack("{si ss}", "code", code, "reason", reason);
			emit(client, "request-error", event);
			json_decref(event);
			return;
		}
		args = json_pack("[{ss si}]", "error", reason, "code", code);
	}
	if (ack_id >= 0) {
		LOG(PARLEY_LOG_DEBUG, "Socket.IO %s: ack %" G_GINT64_FORMAT " (%s)", client->sid, ack_id, verb);
		send_packet(client, PARLEY_SIO_ACK, "/", ack_id, args);
	}
	json_decref(args);
}

static void on_destroy_answer(sio_client *client, int64_t ack_id, json_t *message) {}

static void on_session_over(sio_client *client, int64_t ack_id, json_t *message)
{
	if (client->state == SIO_IDLE)
		return;
	client->state = SIO_IDLE;
	client->session_id = client->handle_id = 0;
	send_packet(client, PARLEY_SIO_DISCONNECT, "/", -1, NULL);
}

static void (*const answer_handlers[])(sio_client *, int64_t, json_t *) = {
	[SIO_KIND_CREATE] = on_create_answer,      [SIO_KIND_ATTACH] = on_attach_answer,
	[SIO_KIND_MESSAGE] = on_message_answer,    [SIO_KIND_DESTROY] = on_destroy_answer,
	[SIO_KIND_SESSION_OVER] = on_session_over,
};

static void on_event_message(sio_client *client, json_t *message)
{
	if (client->state != SIO_CONNECTED || strcmp(verb_of(message), "event") != 0)
		return; /* hangup, detached, media ...: nothing to tell a signaling client */
	json_t *data = json_object_get(json_object_get(message, "plugindata"), "data");
	const char *name = json_string_value(json_object_get(data, "event"));
	const char *event_name = client->engine->endpoint->event_name;
	const char *named = event_name[0] != '\0' ? json_string_value(json_object_get(data, event_name)) : NULL;
	if (name != NULL)
		emit(client, name, json_object_get(data, "data"));
	else if (named != NULL && named[0] != '\0')
		emit(client, named, data);
	else if (data != NULL)
		emit(client, "plugin-event", data);
}

static void handle_item(sio_client *client, sio_item *item)
{
	if (item->ctx == NULL) {
		on_event_message(client, item->message);
		return;
	}
	sio_kind kind = ctx_kind(item->ctx);
	if ((size_t)kind < G_N_ELEMENTS(answer_handlers) && answer_handlers[kind] != NULL)
		answer_handlers[kind](client, ctx_ack_id(item->ctx), item->message);
}

void parley_sio_wakeup(void)
{
	for (int guard = 0; guard < 100000; guard++) {
		g_mutex_lock(&parley_ws.lock);
		sio_client *client = g_queue_pop_head(&ready);
		GQueue items = G_QUEUE_INIT;
		bool closed = false;
		if (client != NULL) {
			client->scheduled = false;
			items = client->inbox;
			g_queue_init(&client->inbox);
			closed = client->closed;
		}
		g_mutex_unlock(&parley_ws.lock);
		if (client == NULL)
			break;
		sio_item *item;
		while ((item = g_queue_pop_head(&items)) != NULL) {
			if (!closed && !client->engine->closed)
				handle_item(client, item);
			item_free(item);
		}
		parley_ws.core->conn_unref(client->conn);
	}
}

/* Any thread: queues an answer or event for the service thread. */
static int push_item(sio_client *client, void *ctx, json_t *message)
{
	sio_item *item = g_new(sio_item, 1);
	item->ctx = ctx;
	item->message = json_incref(message);
	parley_ws.core->conn_ref(client->conn);
	bool queued = false, schedule = false;
	g_mutex_lock(&parley_ws.lock);
	if (!client->closed) {
		g_queue_push_tail(&client->inbox, item);
		queued = true;
		if (!client->scheduled) {
			client->scheduled = schedule = true;
			g_queue_push_tail(&ready, client);
		}
	}
	g_mutex_unlock(&parley_ws.lock);
	if (!queued)
		item_free(item);
	if (schedule)
		lws_cancel_service(parley_ws.context);
	else
		parley_ws.core->conn_unref(client->conn);
	return queued ? 0 : -1;
}

static int sio_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message)
{
	if (parley_ws.context == NULL || g_atomic_int_get(&parley_ws.stopping) || message == NULL)
		return -1;
	sio_client *client = parley_ws.core->conn_data(conn);
	if (client == NULL)
		return -1;
	if (request_ctx != NULL)
		parley_tx_note_answer(parley_ws.throttle, client->engine->remote_ip, message, parley_ws.core, WS_PACKAGE);
	__atomic_add_fetch(&parley_ws.messages_out, request_ctx == NULL ? 1 : 0, __ATOMIC_RELAXED);
	return push_item(client, request_ctx, message);
}

static void sio_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed)
{
	sio_client *client = parley_ws.core->conn_data(conn);
	if (client != NULL && parley_ws.context != NULL)
		push_item(client, make_ctx(SIO_KIND_SESSION_OVER, -1), NULL);
}

static void sio_session_created(parley_conn *conn, uint64_t session_id) {}

/* The vtable of Socket.IO conns: the core answers through it. It is never
 * loaded as a module (the WebSocket transport's vtable is). */
static const parley_transport parley_sio_transport = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = WS_PACKAGE,
	.name = "websocket-socketio",
	.description = "Socket.IO clients of the WebSocket transport",
	.author = "Parley",
	.version_string = PARLEY_VERSION_STRING,
	.version = PARLEY_VERSION,
	.send_message = sio_send_message,
	.session_created = sio_session_created,
	.session_over = sio_session_over,
};

/* ---- Engine.IO sessions --------------------------------------------------- */

static void engine_opened(parley_eio_socket *engine)
{
	sio_client *client = g_new0(sio_client, 1);
	g_queue_init(&client->inbox);
	parley_eio_new_sid(client->sid);
	client->engine = parley_eio_ref(engine);
	client->conn = parley_ws.core->conn_new(&parley_sio_transport, client, client_free);
	if (client->conn == NULL) {
		client_free(client);
		return;
	}
	engine->user = client; /* holds the conn's first reference */
	g_atomic_int_inc(&parley_ws.connections);
}

static void engine_heartbeat(parley_eio_socket *engine)
{
	sio_client *client = engine->user;
	if (client != NULL && client->session_id != 0)
		parley_ws.core->session_touch(client->session_id);
}

static void engine_closed(parley_eio_socket *engine, const char *reason)
{
	sio_client *client = engine->user;
	if (client == NULL)
		return;
	engine->user = NULL;
	g_mutex_lock(&parley_ws.lock);
	client->closed = true;
	g_mutex_unlock(&parley_ws.lock);
	g_atomic_int_add(&parley_ws.connections, -1);
	LOG(PARLEY_LOG_VERB, "Socket.IO client %s (%s) gone: %s", client->sid, engine->remote_ip, reason);
	parley_ws.core->conn_closed(client->conn);
	parley_ws.core->conn_unref(client->conn);
}

/* The server is stopping: a client in "/" gets the "server-shutdown"
 * event once; its session's end then brings the namespace's disconnect
 * (socket.io-client reports "io server disconnect" and does not reconnect
 * by itself). Called when the stop starts (the notice) and again when the
 * transport closes (the disconnect, if the session has not ended yet). */
static void engine_going_away(parley_eio_socket *engine)
{
	sio_client *client = engine->user;
	if (client == NULL || client->state == SIO_IDLE)
		return;
	if (!client->told_stopping) {
		client->told_stopping = true;
		json_t *notice = json_pack("{ss}", "message", "server shutting down");
		emit(client, "server-shutdown", notice);
		json_decref(notice);
	}
	if (engine->going_away)
		send_packet(client, PARLEY_SIO_DISCONNECT, "/", -1, NULL);
}

static const parley_eio_handlers engine_handlers = {
	.opened = engine_opened,
	.message = engine_message,
	.heartbeat = engine_heartbeat,
	.closed = engine_closed,
	.going_away = engine_going_away,
};

void parley_sio_init(void)
{
	g_queue_init(&ready);
	parley_eio_init(&engine_handlers);
}

void parley_sio_destroy(void)
{
	parley_eio_destroy();
	g_mutex_lock(&parley_ws.lock);
	GQueue pending = ready;
	g_queue_init(&ready);
	g_mutex_unlock(&parley_ws.lock);
	sio_client *client;
	while ((client = g_queue_pop_head(&pending)) != NULL)
		parley_ws.core->conn_unref(client->conn);
}

json_t *parley_sio_status(const parley_eio_endpoint *endpoint)
{
	const parley_eio_config *config = &endpoint->config;
	return json_pack("{sb ss ss sI sI sI sI si}", "enabled", config->enabled, "path", config->path, "plugin",
	                 endpoint->plugin, "ping_interval", (json_int_t)config->ping_interval, "ping_timeout",
	                 (json_int_t)config->ping_timeout, "max_payload", (json_int_t)config->max_payload,
	                 "max_clients", (json_int_t)config->max_clients, "sessions", (int)parley_eio_count(endpoint));
}
