/*
 * transports/websocket/websocket.c — the WebSocket transport
 * (parley.transport.websocket): the module vtable, its configuration, one
 * libwebsockets context (ws and/or wss vhost) serviced by one thread, the
 * protocol table, and the plain-HTTP routes on the same port (every request
 * that is not an upgrade goes to core->handle_http, else 404 JSON), with the
 * shared CORS, security headers and body limits (common/exchange.c).
 * The Janus subprotocols live in clients.c; the Socket.IO endpoint
 * ([socketio] path: Engine.IO polling and upgrades) in engineio*.c and
 * socketio*.c, reached through the hooks marked "Socket.IO" below.
 */
#include "websocket.h"
#include "socketio.h"

#include <string.h>

ws_state parley_ws;

#define LOG(level, ...) parley_ws.core->log(level, WS_PACKAGE, __VA_ARGS__)

static const ws_flavour janus_flavour = { "janus-protocol", false };
static const ws_flavour admin_flavour = { "janus-admin-protocol", true };

/* ---- what the Janus and Engine.IO WebSockets share ------------------------ */

void parley_ws_out_free(parley_ws_out *out)
{
	g_free(out->buffer);
	g_free(out);
}

void parley_ws_out_clear(GQueue *queue)
{
	parley_ws_out *out;
	while ((out = g_queue_pop_head(queue)) != NULL)
		parley_ws_out_free(out);
}

int parley_ws_out_write(struct lws *wsi, parley_ws_out *out)
{
	int written = lws_write(wsi, out->buffer + LWS_PRE, out->length, LWS_WRITE_TEXT);
	parley_ws_out_free(out);
	if (written < 0)
		return -1;
	__atomic_add_fetch(&parley_ws.messages_out, 1, __ATOMIC_RELAXED);
	return 0;
}

int parley_ws_close(struct lws *wsi, enum lws_close_status status, const char *reason)
{
	lws_close_reason(wsi, status, (unsigned char *)reason, strlen(reason));
	return -1;
}

bool parley_ws_origin_allowed(struct lws *wsi, const char *what)
{
	int length = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
	if (length <= 0 || parley_ws.conf.cors_origins == NULL)
		return true;
	char *origin = g_malloc((size_t)length + 1);
	bool allowed = lws_hdr_copy(wsi, origin, length + 1, WSI_TOKEN_ORIGIN) >= 0 &&
	               parley_tx_origin_allowed(parley_ws.conf.cors_origins, origin);
	if (!allowed)
		LOG(PARLEY_LOG_WARN, "refused %s from origin %s", what, origin);
	g_free(origin);
	return allowed;
}

/* ---- plain HTTP on the WebSocket port ------------------------------------- */

static const parley_tx_settings *settings_of(struct lws *wsi)
{
	return parley_tx_settings_of(wsi, &parley_ws.conf.plain_settings);
}

static int http_dispatch(parley_tx_exchange *ex, struct lws *wsi)
{
	ex->phase = PARLEY_TX_WAITING;
	if (parley_eio_claims(ex->path)) /* Socket.IO: long-polling */
		return parley_eio_http(ex, wsi);
	if (parley_tx_route_to_core(ex, wsi, parley_ws.core) != 0)
		parley_tx_respond_error(ex, wsi, 404, "not found");
	return 0;
}

static int on_http(parley_tx_exchange *ex, struct lws *wsi, const char *in)
{
	const parley_tx_settings *settings = settings_of(wsi);
	__atomic_add_fetch(&parley_ws.http_requests, 1, __ATOMIC_RELAXED);
	if (!parley_tx_begin(ex, wsi, in)) {
		ex->close_after = true;
		parley_tx_respond_error(ex, wsi, 405, "method not allowed");
		return 0;
	}
	if (ex->method_index == LWSHUMETH_OPTIONS) {
		parley_tx_respond_preflight(ex, wsi, settings);
		return 0;
	}
	size_t max_body = parley_eio_body_limit(ex->path, settings->max_body); /* Socket.IO: max_payload */
	if (ex->content_length > 0 && (size_t)ex->content_length > max_body) {
		parley_tx_respond_too_large(ex, wsi, max_body);
		return 0;
	}
	if (parley_tx_expects_body(ex))
		return 0;
	return http_dispatch(ex, wsi);
}

static int on_http_body(parley_tx_exchange *ex, struct lws *wsi, const void *in, size_t len)
{
	if (ex->phase != PARLEY_TX_READING)
		return 0;
	size_t max_body = parley_eio_body_limit(ex->path, settings_of(wsi)->max_body); /* Socket.IO: max_payload */
	if (!parley_tx_body_append(ex, in, len, max_body))
		parley_tx_respond_too_large(ex, wsi, max_body);
	return 0;
}

/* Upgrades that name no subprotocol land on protocol 0, by path: the
 * Socket.IO endpoint (Engine.IO 4 over WebSocket on [socketio] path). Its
 * WebSocket callbacks on protocol 0 are forwarded by http_callback. */
static const struct {
	const char *path_prefix;
	lws_callback_function *callback;
} upgrade_routes[] = {
	{ parley_eio.path, parley_eio_ws_callback },
};

static int filter_plain_upgrade(struct lws *wsi)
{
	char path[256] = "";
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) < 0)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(upgrade_routes); i++) {
		if (upgrade_routes[i].path_prefix != NULL && upgrade_routes[i].path_prefix[0] != '\0' &&
		    g_str_has_prefix(path, upgrade_routes[i].path_prefix))
			return upgrade_routes[i].callback(wsi, LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION, NULL, NULL, 0);
	}
	LOG(PARLEY_LOG_VERB, "refused a WebSocket on %s without a known subprotocol", path);
	return -1;
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	parley_tx_exchange *ex = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP: return on_http(ex, wsi, in);
	case LWS_CALLBACK_HTTP_BODY: return on_http_body(ex, wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: return ex->phase == PARLEY_TX_READING ? http_dispatch(ex, wsi) : 0;
	case LWS_CALLBACK_HTTP_WRITEABLE: return ex != NULL ? parley_tx_writable(ex, wsi, settings_of(wsi)) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		parley_eio_http_closed(wsi); /* Socket.IO: a held poll */
		if (ex != NULL)
			parley_tx_reset(ex);
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return filter_plain_upgrade(wsi);
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		parley_ws_clients_wakeup();
		parley_sio_wakeup();
		return 0;
	case LWS_CALLBACK_ESTABLISHED: /* Socket.IO: upgrades accepted by filter_plain_upgrade */
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLOSED: return parley_eio_ws_callback(wsi, reason, user, in, len);
	default: break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Protocol 0 serves plain HTTP (and upgrades without a subprotocol); the
 * others are chosen by Sec-WebSocket-Protocol. */
static const struct lws_protocols protocols[] = {
	{ "http", http_callback, sizeof(parley_tx_exchange), 0, 0, NULL, 0 },
	{ "janus-protocol", parley_ws_janus_callback, sizeof(ws_pss), 0, 1, (void *)&janus_flavour, 0 },
	{ "janus-admin-protocol", parley_ws_janus_callback, sizeof(ws_pss), 0, 2, (void *)&admin_flavour, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- life cycle ----------------------------------------------------------- */

static gpointer service_thread(gpointer data)
{
	parley_tx_service_loop(parley_ws.context, &parley_ws.stopping);
	return NULL;
}

static void read_config(void)
{
	const parley_transport_core *core = parley_ws.core;
	size_t max_message = parley_tx_default_max_message(core);
	parley_tx_listen_conf_read(&parley_ws.conf, core, WS_PACKAGE, 8188);
	parley_ws.max_frame = (size_t)parley_tx_conf_int(core, WS_PACKAGE, "max_frame", (long)max_message);
	if (parley_ws.max_frame == 0)
		parley_ws.max_frame = max_message;
	parley_ws.max_queue = parley_tx_conf_int(core, WS_PACKAGE, "max_queue", 1000);
	if (parley_ws.max_queue < 1)
		parley_ws.max_queue = 1;
	parley_ws.ping_interval = parley_tx_conf_int(core, WS_PACKAGE, "ping_interval", 30);
	if (parley_ws.ping_interval > 3600)
		parley_ws.ping_interval = 3600;
	parley_ws.ping_timeout = parley_tx_conf_int(core, WS_PACKAGE, "ping_timeout", parley_ws.ping_interval + 5);
	if (parley_ws.ping_timeout < 1)
		parley_ws.ping_timeout = 1;
	if (parley_ws.ping_timeout > 3600)
		parley_ws.ping_timeout = 3600;
	/* A ping after ping_interval idle seconds; no pong within ping_timeout
	 * more seconds hangs up. */
	parley_ws.idle_policy.secs_since_valid_ping = (uint16_t)parley_ws.ping_interval;
	parley_ws.idle_policy.secs_since_valid_hangup = (uint16_t)(parley_ws.ping_interval + parley_ws.ping_timeout);
}

static void ws_destroy(void);

static int ws_init(const parley_transport_core *core)
{
	if (core == NULL || core->api_version != PARLEY_TRANSPORT_API_VERSION ||
	    core->struct_size < sizeof(parley_transport_core))
		return -1;
	memset(&parley_ws, 0, sizeof(parley_ws));
	parley_ws.core = core;
	g_mutex_init(&parley_ws.lock);
	g_queue_init(&parley_ws.ready);
	read_config();
	parley_sio_init();
	parley_tx_log_to_core(core);
	const parley_tx_listener listener = {
		.core = core,
		.package = WS_PACKAGE,
		.label = "WebSocket",
		.conf = &parley_ws.conf,
		.plain_name = "ws",
		.tls_name = "wss",
		.path = "/ (janus-protocol, janus-admin-protocol)",
		.protocols = protocols,
		.thread_name = "parley-ws",
		.service = service_thread,
		.idle_policy = parley_ws.ping_interval > 0 ? &parley_ws.idle_policy : NULL,
	};
	if (parley_tx_listener_start(&listener, &parley_ws, &parley_ws.context, &parley_ws.thread) != 0) {
		ws_destroy();
		return -1;
	}
	return 0;
}

static void ws_destroy(void)
{
	if (parley_ws.core == NULL)
		return;
	/* Destroying the context closes every socket: each client's
	 * conn_closed + conn_unref. */
	parley_tx_listener_close(&parley_ws.context, &parley_ws.thread, &parley_ws.stopping);
	parley_ws_clients_destroy();
	parley_sio_destroy();
	parley_tx_listen_conf_free(&parley_ws.conf);
	parley_tx_log_to_core(NULL);
	g_mutex_clear(&parley_ws.lock);
	parley_ws.core = NULL;
}

static bool ws_janus_enabled(void)
{
	return parley_ws.context != NULL;
}

static bool ws_admin_enabled(void)
{
	return parley_ws.context != NULL && parley_ws.conf.admin_enabled;
}

static void ws_session_created(parley_conn *conn, uint64_t session_id)
{
	/* Sessions follow the connection: nothing to map. */
}

static void ws_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed) {}

static json_t *ws_query_transport(json_t *request)
{
	return json_pack("{s:i, s:I, s:I, s:I, s:s, s:i, s:i, s:I, s:i, s:i, s:b, s:s?, s:o}", "connections",
	                 g_atomic_int_get(&parley_ws.connections), "messages_in",
	                 (json_int_t)__atomic_load_n(&parley_ws.messages_in, __ATOMIC_RELAXED), "messages_out",
	                 (json_int_t)__atomic_load_n(&parley_ws.messages_out, __ATOMIC_RELAXED), "http_requests",
	                 (json_int_t)__atomic_load_n(&parley_ws.http_requests, __ATOMIC_RELAXED), "interface",
	                 parley_ws.conf.interface ? parley_ws.conf.interface : "", "port", (int)parley_ws.conf.port,
	                 "secure_port", (int)parley_ws.conf.secure_port, "max_frame", (json_int_t)parley_ws.max_frame,
	                 "max_queue", (int)parley_ws.max_queue, "ping_interval", (int)parley_ws.ping_interval,
	                 "admin_enabled", parley_ws.conf.admin_enabled, "cors_origins", parley_ws.conf.cors_origins,
	                 "socketio", parley_sio_status());
}

/* The environment variables of this transport's settings. */
static const parley_env_override ws_env_overrides[] = {
	{ "PORT", "general", "port" },
	PARLEY_TX_ENV_OVERRIDES,
	{ "SOCKET_PING_TIMEOUT", "socketio", "ping_timeout" },
	{ NULL },
};

const parley_transport parley_ws_transport = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = WS_PACKAGE,
	.name = "websocket",
	.description = "Janus API over WebSocket (janus-protocol, janus-admin-protocol) and plain-HTTP routes",
	.author = "Parley",
	.version_string = PARLEY_VERSION_STRING,
	.version = PARLEY_VERSION,
	.init = ws_init,
	.destroy = ws_destroy,
	.is_janus_api_enabled = ws_janus_enabled,
	.is_admin_api_enabled = ws_admin_enabled,
	.send_message = parley_ws_send_message,
	.session_created = ws_session_created,
	.session_over = ws_session_over,
	.query_transport = ws_query_transport,
	.env_overrides = ws_env_overrides,
};

__attribute__((visibility("default"))) const parley_transport *parley_transport_entry(void)
{
	return &parley_ws_transport;
}
