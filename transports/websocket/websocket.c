/*
 * transports/websocket/websocket.c — the WebSocket transport
 * (parley.transport.websocket): the module vtable, its configuration, one
 * libwebsockets context (ws and/or wss vhost) serviced by one thread, the
 * protocol table, and the plain-HTTP routes on the same port (every request
 * that is not an upgrade goes to core->handle_http, else 404 JSON), with the
 * shared CORS, security headers and body limits (common/exchange.c).
 * The Janus subprotocols live in clients.c; the Socket.IO endpoints
 * (Engine.IO polling and upgrades on each listener's path) in engineio*.c
 * and socketio*.c, reached through the hooks marked "Socket.IO" below.
 * The extra Socket.IO listeners ([socketio] listeners, read and checked by
 * listeners.c) are more vhosts of the same context: protocol 0 only (plain
 * HTTP and their Socket.IO endpoint), and the /health shape they are set to
 * (health.c).
 */
#include "websocket.h"
#include "health.h"
#include "socketio.h"

#include <stddef.h>
#include <stdio.h>
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

static const parley_tx_settings *settings_of(struct lws *wsi)
{
	return parley_tx_settings_of(wsi, &parley_ws.conf.plain_settings);
}

ws_listener *parley_ws_listener_of(struct lws *wsi)
{
	ws_listener *listener = (ws_listener *)settings_of(wsi)->owner;
	return listener != NULL ? listener : &parley_ws.listeners[0];
}

parley_eio_endpoint *parley_ws_endpoint_of(struct lws *wsi)
{
	return parley_ws_listener_of(wsi)->endpoint;
}

bool parley_ws_origin_allowed(struct lws *wsi, const char *what)
{
	int length = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN);
	const char *cors_origins = settings_of(wsi)->cors_origins;
	if (length <= 0 || cors_origins == NULL)
		return true;
	char *origin = g_malloc((size_t)length + 1);
	bool allowed = lws_hdr_copy(wsi, origin, length + 1, WSI_TOKEN_ORIGIN) >= 0 &&
	               parley_tx_origin_allowed(cors_origins, origin);
	if (!allowed)
		LOG(PARLEY_LOG_WARN, "refused %s from origin %s", what, origin);
	g_free(origin);
	return allowed;
}

static const struct lws_protocols protocols[];

/* ---- plain HTTP on the WebSocket port ------------------------------------- */

/* GET /health on a listener set to the SFU seed's shape: the core's body
 * for this listener's plugin, reshaped. */
static int serve_sfu_health(parley_tx_exchange *ex, struct lws *wsi, ws_listener *listener)
{
	char *query = g_strdup_printf("plugin=%s", listener->endpoint->plugin);
	parley_http_request request = {
		.method = ex->method,
		.path = "/health",
		.query = query,
		.remote_ip = ex->remote_ip,
		.origin = ex->origin,
		.authorization = ex->authorization,
	};
	parley_http_response response = { 0 };
	json_t *gateway = NULL;
	if (parley_ws.core->handle_http(&request, &response) == 0 && response.status == 200 && response.body != NULL)
		gateway = json_loadb(response.body, response.body_length, 0, NULL);
	g_free(response.body);
	g_free(query);
	if (gateway == NULL) {
		parley_tx_respond_error(ex, wsi, 500, "health figures unavailable");
		return 0;
	}
	json_t *body = parley_wsh_sfu(gateway);
	parley_tx_respond_json(ex, wsi, 200, body);
	json_decref(body);
	json_decref(gateway);
	return 0;
}

/* Routes a listener answers itself, by its /health shape (GET and HEAD). */
static const struct {
	const char *path;
	parley_wsl_health health;
	int (*serve)(parley_tx_exchange *ex, struct lws *wsi, ws_listener *listener);
} listener_routes[] = {
	{ "/health", PARLEY_WSL_HEALTH_SFU, serve_sfu_health },
};

static int http_dispatch(parley_tx_exchange *ex, struct lws *wsi)
{
	ws_listener *listener = parley_ws_listener_of(wsi);
	ex->phase = PARLEY_TX_WAITING;
	if (parley_eio_claims(listener->endpoint, ex->path)) /* Socket.IO: long-polling */
		return parley_eio_http(listener->endpoint, ex, wsi);
	bool read = ex->method_index == LWSHUMETH_GET || ex->method_index == LWSHUMETH_HEAD;
	for (size_t i = 0; i < G_N_ELEMENTS(listener_routes) && read; i++) {
		if (listener_routes[i].health == listener->health && strcmp(ex->path, listener_routes[i].path) == 0)
			return listener_routes[i].serve(ex, wsi, listener);
	}
	if (parley_tx_route_to_core(ex, wsi, parley_ws.core, &parley_ws.calls) != 0)
		parley_tx_respond_error(ex, wsi, 404, "not found");
	return 0;
}

static int on_http(parley_tx_exchange *ex, struct lws *wsi, const char *in)
{
	const parley_tx_settings *settings = settings_of(wsi);
	__atomic_add_fetch(&parley_ws.http_requests, 1, __ATOMIC_RELAXED);
	bool known = parley_tx_begin(ex, wsi, in, settings);
	if (ex->refusal != 0) {
		parley_tx_respond_refusal(ex, wsi);
		return 0;
	}
	if (!known) {
		ex->close_after = true;
		parley_tx_respond_error(ex, wsi, 405, "method not allowed");
		return 0;
	}
	if (ex->method_index == LWSHUMETH_OPTIONS) {
		parley_tx_answer_options(ex, wsi, settings, parley_ws.core, &parley_ws.calls);
		return 0;
	}
	size_t max_body = parley_eio_body_limit(parley_ws_endpoint_of(wsi), ex->path,
	                                        settings->max_body); /* Socket.IO: max_payload */
	if (ex->content_length > 0 && (size_t)ex->content_length > max_body) {
		parley_tx_respond_too_large(ex, wsi, max_body);
		return 0;
	}
	if (parley_tx_expects_body(ex))
		return 0;
	return http_dispatch(ex, wsi);
}

static int on_http_body_completed(parley_tx_exchange *ex, struct lws *wsi)
{
	if (parley_tx_body_completed(ex) != 0)
		return -1;
	return ex->phase == PARLEY_TX_READING ? http_dispatch(ex, wsi) : 0;
}

static int on_http_body(parley_tx_exchange *ex, struct lws *wsi, const void *in, size_t len)
{
	if (ex->phase != PARLEY_TX_READING)
		return 0;
	size_t max_body = parley_eio_body_limit(parley_ws_endpoint_of(wsi), ex->path,
	                                        settings_of(wsi)->max_body); /* Socket.IO: max_payload */
	if (!parley_tx_body_append(ex, in, len, max_body))
		parley_tx_respond_too_large(ex, wsi, max_body);
	return 0;
}

/* Upgrades that name no subprotocol land on protocol 0, by path: the
 * listener's Socket.IO endpoint (Engine.IO 4 over WebSocket on its path).
 * Its WebSocket callbacks on protocol 0 are forwarded by http_callback. */
static int filter_plain_upgrade(struct lws *wsi)
{
	if (parley_tx_refuse_upgrade(wsi, settings_of(wsi), WS_PACKAGE, parley_ws.core))
		return -1;
	char path[256] = "";
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) < 0)
		return -1;
	if (parley_eio_claims(parley_ws_endpoint_of(wsi), path))
		return parley_eio_ws_callback(wsi, LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION, NULL, NULL, 0);
	LOG(PARLEY_LOG_VERB, "refused a WebSocket on %s without a known subprotocol", path);
	return -1;
}

/* Service thread, once destroy has started: Socket.IO clients get their
 * notice and disconnect (engineio.c, socketio.c), every WebSocket is asked
 * to close with 1001 at its next writable callback. */
static void say_farewell(void)
{
	if (g_atomic_int_get(&parley_ws.notice_due) && !g_atomic_int_get(&parley_ws.notice_sent)) {
		parley_eio_notify_stopping();
		g_atomic_int_set(&parley_ws.notice_sent, 1);
	}
	if (!g_atomic_int_get(&parley_ws.going_away) || g_atomic_int_get(&parley_ws.farewell_said))
		return;
	parley_eio_going_away();
	for (size_t i = 1; protocols[i].name != NULL; i++)
		lws_callback_on_writable_all_protocol(parley_ws.context, &protocols[i]);
	g_atomic_int_set(&parley_ws.farewell_said, 1);
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	parley_tx_exchange *ex = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP: return on_http(ex, wsi, in);
	case LWS_CALLBACK_HTTP_BODY: return on_http_body(ex, wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: return on_http_body_completed(ex, wsi);
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
		parley_tx_calls_deliver(&parley_ws.calls);
		say_farewell();
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

/* The extra Socket.IO listeners: plain HTTP and their endpoint only. */
static const struct lws_protocols socketio_protocols[] = {
	{ "http", http_callback, sizeof(parley_tx_exchange), 0, 0, NULL, 0 },
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
	parley_ws.shutdown_grace = parley_tx_setting_int(core, WS_PACKAGE, "general", "shutdown_grace", 1000, 0, 10000);
}

/* ---- listeners ------------------------------------------------------------ */

static const char *source_get(const void *context, const char *section, const char *key)
{
	return parley_ws.core->config_get(WS_PACKAGE, section, key);
}

static void source_warn(const void *context, const char *line)
{
	LOG(PARLEY_LOG_WARN, "%s", line);
}

static void endpoint_new(ws_listener *listener, const char *section, const parley_wsl_socketio *settings)
{
	parley_eio_endpoint *endpoint = g_new0(parley_eio_endpoint, 1);
	endpoint->config = (parley_eio_config){
		.enabled = settings->enabled,
		.ping_interval = settings->ping_interval,
		.ping_timeout = settings->ping_timeout,
		.max_payload = settings->max_payload,
		.max_clients = settings->max_clients,
		.max_queue = parley_ws.max_queue,
	};
	g_strlcpy(endpoint->config.path, settings->path, sizeof(endpoint->config.path));
	g_strlcpy(endpoint->section, section, sizeof(endpoint->section));
	g_strlcpy(endpoint->plugin, settings->plugin, sizeof(endpoint->plugin));
	g_strlcpy(endpoint->event_name, settings->event_name, sizeof(endpoint->event_name));
	parley_eio_endpoint_init(endpoint);
	listener->endpoint = endpoint;
}

/* The core tells whether a plugin is loaded when it is recent enough. */
static bool (*plugin_check(const parley_transport_core *core))(const char *)
{
	bool covered = core->struct_size >=
	               offsetof(parley_transport_core, plugin_loaded) + sizeof(core->plugin_loaded);
	return covered ? core->plugin_loaded : NULL;
}

/* Reads and checks [socketio] and the extra listeners, and makes
 * parley_ws.listeners from them. -1 (logged) refuses the transport. */
static int setup_listeners(void)
{
	char reason[256];
	const parley_util_setting_source source = { source_get, source_warn, NULL };
	bool (*loaded)(const char *) = plugin_check(parley_ws.core);
	parley_wsl_set *set = &parley_ws.socketio;
	if (parley_wsl_read(&source, &parley_ws.conf, set, reason, sizeof(reason)) != 0 ||
	    parley_wsl_check(set, &parley_ws.conf, loaded, reason, sizeof(reason)) != 0) {
		LOG(PARLEY_LOG_ERROR, "%s: the WebSocket transport does not start", reason);
		return -1;
	}
	if (set->main.enabled && loaded != NULL && !loaded(set->main.plugin))
		LOG(PARLEY_LOG_WARN, "[socketio] plugin = %s is not loaded: Socket.IO clients cannot connect",
		    set->main.plugin);
	ws_listener *main = &parley_ws.listeners[0];
	main->name = "";
	main->conf = &parley_ws.conf;
	main->health = PARLEY_WSL_HEALTH_GATEWAY;
	g_strlcpy(main->label, "WebSocket", sizeof(main->label));
	g_strlcpy(main->path, "/ (janus-protocol, janus-admin-protocol)", sizeof(main->path));
	g_strlcpy(main->plain_vhost, "ws", sizeof(main->plain_vhost));
	g_strlcpy(main->tls_vhost, "wss", sizeof(main->tls_vhost));
	parley_tx_listen_conf_settle(&parley_ws.conf, main);
	endpoint_new(main, "socketio", &set->main);
	parley_ws.listener_count = 1;
	for (size_t i = 0; i < set->count; i++) {
		parley_wsl_listener *extra = &set->extra[i];
		if (!extra->socketio.enabled) {
			LOG(PARLEY_LOG_INFO, "[%s] enabled = false: that listener is off", extra->section);
			continue;
		}
		ws_listener *listener = &parley_ws.listeners[parley_ws.listener_count++];
		listener->name = extra->name;
		listener->conf = &extra->listen;
		listener->health = extra->health;
		snprintf(listener->label, sizeof(listener->label), "WebSocket [%s]", extra->section);
		snprintf(listener->path, sizeof(listener->path), "%s (Socket.IO to %s, /health: %s)",
		         extra->socketio.path, extra->socketio.plugin, parley_wsl_health_name(extra->health));
		snprintf(listener->plain_vhost, sizeof(listener->plain_vhost), "ws-%s", extra->name);
		snprintf(listener->tls_vhost, sizeof(listener->tls_vhost), "wss-%s", extra->name);
		parley_tx_listen_conf_settle(&extra->listen, listener);
		endpoint_new(listener, extra->section, &extra->socketio);
	}
	const parley_tx_listen_conf *conf = &parley_ws.conf;
	parley_ws.main_listening = conf->port > 0 || (conf->secure_port > 0 && conf->cert_pem && conf->cert_key);
	return 0;
}

static int start_listeners(void)
{
	parley_tx_listener all[1 + PARLEY_WSL_MAX];
	for (size_t i = 0; i < parley_ws.listener_count; i++) {
		const ws_listener *listener = &parley_ws.listeners[i];
		all[i] = (parley_tx_listener){
			.core = parley_ws.core,
			.package = WS_PACKAGE,
			.label = listener->label,
			.conf = listener->conf,
			.plain_name = "ws",
			.tls_name = "wss",
			.plain_vhost = listener->plain_vhost,
			.tls_vhost = listener->tls_vhost,
			.path = listener->path,
			.protocols = i == 0 ? protocols : socketio_protocols,
			.thread_name = "parley-ws",
			.service = service_thread,
			.idle_policy = parley_ws.ping_interval > 0 ? &parley_ws.idle_policy : NULL,
		};
	}
	return parley_tx_listeners_start(all, parley_ws.listener_count, &parley_ws, &parley_ws.context,
	                                 &parley_ws.thread);
}

/* ---- life cycle (continued) ----------------------------------------------- */

static void ws_destroy(void);

static int ws_init(const parley_transport_core *core)
{
	if (core == NULL || core->api_version != PARLEY_TRANSPORT_API_VERSION ||
	    core->struct_size < offsetof(parley_transport_core, log) + sizeof(core->log))
		return -1;
	memset(&parley_ws, 0, sizeof(parley_ws));
	parley_ws.core = core;
	g_mutex_init(&parley_ws.lock);
	g_queue_init(&parley_ws.ready);
	parley_tx_calls_init(&parley_ws.calls);
	read_config();
	parley_ws.throttle = parley_tx_throttle_new((unsigned)parley_ws.conf.auth_free_failures,
	                                            parley_ws.conf.auth_block_ms, parley_ws.conf.auth_block_max_ms);
	parley_sio_init();
	parley_tx_log_to_core(core);
	if (setup_listeners() != 0 || start_listeners() != 0) {
		ws_destroy();
		return -1;
	}
	parley_tx_calls_start(&parley_ws.calls, parley_ws.context);
	return 0;
}

/* Waits (up to shutdown_grace ms) until `done` says the service thread
 * did what it was woken for. */
static void wait_for_service(bool (*done)(void))
{
	lws_cancel_service(parley_ws.context);
	gint64 deadline = g_get_monotonic_time() + parley_ws.shutdown_grace * G_TIME_SPAN_MILLISECOND;
	while (g_get_monotonic_time() < deadline && !done())
		g_usleep(5 * G_TIME_SPAN_MILLISECOND);
}

static bool notice_sent(void)
{
	return g_atomic_int_get(&parley_ws.notice_sent);
}

static bool every_websocket_closed(void)
{
	return g_atomic_int_get(&parley_ws.farewell_said) && g_atomic_int_get(&parley_ws.websockets) == 0;
}

/* The server stops and is about to end every session: Socket.IO clients
 * get the "server-shutdown" event before their session's disconnect. */
static void ws_stopping(void)
{
	if (parley_ws.context == NULL || parley_ws.thread == NULL)
		return;
	g_atomic_int_set(&parley_ws.notice_due, 1);
	wait_for_service(notice_sent);
}

/* Before the context goes: clients are told (close 1001, the Socket.IO
 * notice when ws_stopping did not run) and given up to shutdown_grace ms
 * to see it. */
static void say_farewell_and_wait(void)
{
	if (parley_ws.context == NULL || parley_ws.thread == NULL)
		return;
	g_atomic_int_set(&parley_ws.going_away, 1);
	wait_for_service(every_websocket_closed);
}

static void ws_destroy(void)
{
	if (parley_ws.core == NULL)
		return;
	say_farewell_and_wait();
	/* route answers that come later are dropped (their lock stays valid) */
	parley_tx_calls_stop(&parley_ws.calls);
	/* Destroying the context closes every socket: each client's
	 * conn_closed + conn_unref. */
	parley_tx_listener_close(&parley_ws.context, &parley_ws.thread, &parley_ws.stopping);
	parley_ws_clients_destroy();
	parley_sio_destroy();
	for (size_t i = 0; i < parley_ws.listener_count; i++)
		g_free(parley_ws.listeners[i].endpoint);
	parley_ws.listener_count = 0;
	parley_wsl_free(&parley_ws.socketio);
	parley_tx_throttle_free(parley_ws.throttle);
	parley_ws.throttle = NULL;
	parley_tx_listen_conf_free(&parley_ws.conf);
	parley_tx_log_to_core(NULL);
	g_mutex_clear(&parley_ws.lock);
	parley_ws.core = NULL;
}

static bool ws_janus_enabled(void)
{
	return parley_ws.context != NULL && parley_ws.main_listening;
}

static bool ws_admin_enabled(void)
{
	return ws_janus_enabled() && parley_ws.conf.admin_enabled;
}

static void ws_session_created(parley_conn *conn, uint64_t session_id)
{
	/* Sessions follow the connection: nothing to map. */
}

static void ws_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed) {}

/* The extra listeners for query_transport (new reference). */
static json_t *listeners_status(void)
{
	json_t *list = json_array();
	for (size_t i = 1; i < parley_ws.listener_count; i++) {
		const ws_listener *listener = &parley_ws.listeners[i];
		json_array_append_new(list,
		                      json_pack("{s:s, s:s, s:i, s:i, s:s, s:o}", "name", listener->name, "interface",
		                                listener->conf->interface, "port", (int)listener->conf->port,
		                                "secure_port", (int)listener->conf->secure_port, "health",
		                                parley_wsl_health_name(listener->health), "socketio",
		                                parley_sio_status(listener->endpoint)));
	}
	return list;
}

static json_t *ws_query_transport(json_t *request)
{
	json_t *socketio = parley_ws.listener_count > 0 ? parley_sio_status(parley_ws.listeners[0].endpoint)
	                                                : json_null();
	return json_pack("{s:i, s:I, s:I, s:I, s:s, s:i, s:i, s:I, s:i, s:i, s:b, s:s?, s:o, s:o}", "connections",
	                 g_atomic_int_get(&parley_ws.connections), "messages_in",
	                 (json_int_t)__atomic_load_n(&parley_ws.messages_in, __ATOMIC_RELAXED), "messages_out",
	                 (json_int_t)__atomic_load_n(&parley_ws.messages_out, __ATOMIC_RELAXED), "http_requests",
	                 (json_int_t)__atomic_load_n(&parley_ws.http_requests, __ATOMIC_RELAXED), "interface",
	                 parley_ws.conf.interface ? parley_ws.conf.interface : "", "port", (int)parley_ws.conf.port,
	                 "secure_port", (int)parley_ws.conf.secure_port, "max_frame", (json_int_t)parley_ws.max_frame,
	                 "max_queue", (int)parley_ws.max_queue, "ping_interval", (int)parley_ws.ping_interval,
	                 "admin_enabled", parley_ws.conf.admin_enabled, "cors_origins", parley_ws.conf.cors_origins,
	                 "socketio", socketio, "listeners", listeners_status());
}

/* The environment variables of this transport's settings. */
static const parley_env_override ws_env_overrides[] = {
	{ "PORT", "general", "port" },
	PARLEY_TX_ENV_OVERRIDES,
	{ "SOCKET_PING_TIMEOUT", "socketio", "ping_timeout" },
	{ "SFU_PORT", "socketio.sfu", "port" },
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
	.stopping = ws_stopping,
};

__attribute__((visibility("default"))) const parley_transport *parley_transport_entry(void)
{
	return &parley_ws_transport;
}
