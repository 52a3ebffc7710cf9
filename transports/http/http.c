/*
 * transports/http/http.c — the HTTP transport (parley.transport.http): the
 * module vtable, its configuration, one libwebsockets context (HTTP and/or
 * HTTPS vhost) serviced by one thread, and request routing:
 *   base_path, admin_base_path  → the Janus API (janus.c)
 *   anything else               → core->handle_http, then static files
 *                                 from html_folder, then 404 JSON.
 * Also: per-IP rate limiting, head checks (431, 400, 411: common/head.c),
 * body limits (413), wrong methods (405), CORS preflight, security headers
 * (common/exchange.c) and query_transport.
 */
#include "http.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/setting.h"

http_state parley_http;

#define LOG(level, ...) parley_http.core->log(level, HTTP_PACKAGE, __VA_ARGS__)

typedef struct rate_slot {
	gint64 second;
	long count;
} rate_slot;

/* ---- routing -------------------------------------------------------------- */

static bool path_under(const char *path, const char *base)
{
	size_t length = strlen(base);
	return strncmp(path, base, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

static int route_kind(const char *path)
{
	if (parley_http.base_path[0] != '\0' && path_under(path, parley_http.base_path))
		return HTTP_ROUTE_JANUS;
	if (parley_http.conf.admin_enabled && path_under(path, parley_http.admin_base_path))
		return HTTP_ROUTE_ADMIN;
	return HTTP_ROUTE_OTHER;
}

/* True when this request goes over the per-IP budget for this second. */
static bool rate_limited(const char *ip)
{
	if (parley_http.rate_limit <= 0)
		return false;
	gint64 second = g_get_monotonic_time() / G_USEC_PER_SEC;
	rate_slot *slot = g_hash_table_lookup(parley_http.rate, ip);
	if (slot == NULL) {
		if (g_hash_table_size(parley_http.rate) >= 65536)
			g_hash_table_remove_all(parley_http.rate);
		slot = g_new0(rate_slot, 1);
		g_hash_table_insert(parley_http.rate, g_strdup(ip), slot);
	}
	if (slot->second != second) {
		slot->second = second;
		slot->count = 0;
	}
	return ++slot->count > parley_http.rate_limit;
}

static const parley_tx_settings *settings_of(struct lws *wsi)
{
	return parley_tx_settings_of(wsi, &parley_http.conf.plain_settings);
}

/* A Janus or admin request from an address blocked for failed credential
 * checks: 429 with the request's transaction, without reaching the core. */
static bool refused_while_blocked(http_pss *pss, struct lws *wsi)
{
	parley_tx_exchange *ex = &pss->ex;
	long blocked_ms = parley_tx_blocked_ms(parley_http.throttle, ex->remote_ip);
	if (blocked_ms <= 0)
		return false;
	json_t *request = ex->body->len > 0 ? json_loadb((const char *)ex->body->data, ex->body->len, 0, NULL) : NULL;
	char reason[128];
	char *text = parley_http_error_text(0, json_string_value(json_object_get(request, "transaction")), 429,
	                                    parley_tx_blocked_reason(blocked_ms, reason, sizeof(reason)));
	json_decref(request);
	parley_tx_respond(ex, wsi, 429, "application/json", text, strlen(text));
	free(text);
	return true;
}

/* The request and its body are complete: answer it. */
static int dispatch(http_pss *pss, struct lws *wsi)
{
	parley_tx_exchange *ex = &pss->ex;
	ex->phase = PARLEY_TX_WAITING;
	if (pss->kind != HTTP_ROUTE_OTHER && refused_while_blocked(pss, wsi))
		return 0;
	if (pss->kind != HTTP_ROUTE_OTHER) {
		parley_http_janus_dispatch(pss, wsi, pss->kind == HTTP_ROUTE_ADMIN);
		return 0;
	}
	if (parley_tx_route_to_core(ex, wsi, parley_http.core, &parley_http.calls) == 0)
		return 0;
	int rc = parley_tx_serve_static(ex, wsi, parley_http.html_folder, settings_of(wsi));
	if (rc < 0)
		return -1;
	if (rc > 0)
		parley_tx_respond_error(ex, wsi, 404, "not found");
	return 0;
}

static int on_http(http_pss *pss, struct lws *wsi, const char *in)
{
	parley_http_janus_finish(pss);
	parley_tx_exchange *ex = &pss->ex;
	const parley_tx_settings *settings = settings_of(wsi);
	bool known = parley_tx_begin(ex, wsi, in, settings);
	if (!pss->counted) {
		pss->counted = true;
		parley_http.connections++;
	}
	parley_http.requests++;
	pss->kind = route_kind(ex->path);
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
		parley_tx_answer_options(ex, wsi, settings, parley_http.core, &parley_http.calls);
		return 0;
	}
	if (rate_limited(ex->remote_ip)) {
		ex->close_after = parley_tx_expects_body(ex);
		parley_tx_respond_error(ex, wsi, 429, "too many requests");
		return 0;
	}
	if (ex->content_length > 0 && (size_t)ex->content_length > settings->max_body) {
		parley_tx_respond_too_large(ex, wsi, settings->max_body);
		return 0;
	}
	if (parley_tx_expects_body(ex))
		return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
	return dispatch(pss, wsi);
}

static int on_body(http_pss *pss, struct lws *wsi, const void *in, size_t len)
{
	parley_tx_exchange *ex = &pss->ex;
	if (ex->phase != PARLEY_TX_READING)
		return 0;
	const parley_tx_settings *settings = settings_of(wsi);
	if (!parley_tx_body_append(ex, in, len, settings->max_body))
		parley_tx_respond_too_large(ex, wsi, settings->max_body);
	return 0;
}

static int on_body_complete(http_pss *pss, struct lws *wsi)
{
	if (parley_tx_body_completed(&pss->ex) != 0)
		return -1;
	if (pss->ex.phase != PARLEY_TX_READING)
		return 0;
	return dispatch(pss, wsi);
}

static int on_writable(http_pss *pss, struct lws *wsi)
{
	parley_http_janus_writable(pss, wsi);
	if (parley_tx_completes_next(&pss->ex)) {
		/* The answer is in the exchange: the request is done, and pss may
		 * be freed by the write below. */
		parley_http_janus_finish(pss);
		if (pss->counted) {
			pss->counted = false;
			parley_http.connections--;
		}
	}
	return parley_tx_writable(&pss->ex, wsi, settings_of(wsi));
}

static void on_closed(http_pss *pss)
{
	parley_http_janus_finish(pss);
	parley_tx_reset(&pss->ex);
	if (pss->counted) {
		pss->counted = false;
		parley_http.connections--;
	}
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	http_pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP: return on_http(pss, wsi, in);
	case LWS_CALLBACK_HTTP_BODY: return on_body(pss, wsi, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: return on_body_complete(pss, wsi);
	case LWS_CALLBACK_HTTP_WRITEABLE: return pss != NULL ? on_writable(pss, wsi) : 0;
	case LWS_CALLBACK_TIMER:
		if (pss != NULL)
			parley_http_janus_timer(pss, wsi);
		return 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss != NULL)
			on_closed(pss);
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* lws would upgrade any path of this port to a bare WebSocket */
		parley_tx_write_upgrade_refusal(wsi, 400, "no WebSocket on this port (the WebSocket transport serves them)");
		return -1;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		parley_http_janus_wakeup();
		parley_tx_calls_deliver(&parley_http.calls);
		return 0;
	default: break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", callback, sizeof(http_pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- life cycle ----------------------------------------------------------- */

static void housekeeping(lws_sorted_usec_list_t *sul)
{
	parley_http_janus_housekeeping();
	lws_sul_schedule(parley_http.context, 0, &parley_http.housekeeping, housekeeping, LWS_US_PER_SEC);
}

static gpointer service_thread(gpointer data)
{
	lws_sul_schedule(parley_http.context, 0, &parley_http.housekeeping, housekeeping, LWS_US_PER_SEC);
	parley_tx_service_loop(parley_http.context, &parley_http.stopping);
	return NULL;
}

static char *conf_dup(const char *key, const char *fallback)
{
	return g_strdup(parley_tx_conf_string(parley_http.core, HTTP_PACKAGE, key, fallback));
}

/* A base path: leading '/', no trailing '/'. */
static char *normalized_path(const char *key, const char *fallback)
{
	char *value = conf_dup(key, fallback);
	g_strstrip(value);
	size_t length = strlen(value);
	while (length > 1 && value[length - 1] == '/')
		value[--length] = '\0';
	if (value[0] != '/') {
		char *prefixed = g_strconcat("/", value, NULL);
		g_free(value);
		value = prefixed;
	}
	return value;
}

static void read_config(void)
{
	const parley_transport_core *core = parley_http.core;
	parley_tx_listen_conf_read(&parley_http.conf, core, HTTP_PACKAGE, 8088);
	parley_http.base_path = normalized_path("base_path", "/janus");
	parley_http.admin_base_path = normalized_path("admin_base_path", "/admin");
	parley_http.html_folder = conf_dup("html_folder", NULL);
	parley_http.longpoll_timeout = parley_tx_conf_int(core, HTTP_PACKAGE, "longpoll_timeout", 30);
	if (parley_http.longpoll_timeout < 1)
		parley_http.longpoll_timeout = 1;
	parley_http.rate_limit = parley_tx_conf_int(core, HTTP_PACKAGE, "rate_limit", 0);
	parley_http.max_events = parley_tx_conf_int(core, HTTP_PACKAGE, "max_events", 1000);
	if (parley_http.max_events < 1)
		parley_http.max_events = 1;
	parley_http.keepalive_timeout = parley_tx_conf_int(core, HTTP_PACKAGE, "keepalive_timeout", 65);
	parley_http.linger = parley_tx_conf_int(core, HTTP_PACKAGE, "event_linger", parley_http.longpoll_timeout);
	const char *api_secret = core->config_get("parley", "auth", "api_secret");
	const char *token_auth = core->config_get("parley", "auth", "token_auth");
	const char *token_secret = core->config_get("parley", "auth", "token_secret");
	bool token_auth_on = false; /* the core warns about its own unusable value */
	parley_util_setting_bool(token_auth, &token_auth_on);
	parley_http.auth_configured = (api_secret != NULL && api_secret[0] != '\0') ||
	                              (token_secret != NULL && token_secret[0] != '\0') || token_auth_on;
}

static void free_config(void)
{
	parley_tx_listen_conf_free(&parley_http.conf);
	g_free(parley_http.base_path);
	g_free(parley_http.admin_base_path);
	g_free(parley_http.html_folder);
}

static void http_destroy(void);

static int http_init(const parley_transport_core *core)
{
	/* handle_http_call is optional: an older core answers plain routes only */
	if (core == NULL || core->api_version != PARLEY_TRANSPORT_API_VERSION ||
	    core->struct_size < offsetof(parley_transport_core, handle_http_call))
		return -1;
	memset(&parley_http, 0, sizeof(parley_http));
	parley_http.core = core;
	g_mutex_init(&parley_http.lock);
	parley_tx_calls_init(&parley_http.calls);
	read_config();
	parley_tx_log_to_core(core);
	parley_http_janus_init();
	parley_http.rate = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	parley_http.throttle = parley_tx_throttle_new((unsigned)parley_http.conf.auth_free_failures,
	                                              parley_http.conf.auth_block_ms, parley_http.conf.auth_block_max_ms);
	char *path = parley_http.conf.admin_enabled
	                     ? g_strdup_printf("%s (admin %s)", parley_http.base_path, parley_http.admin_base_path)
	                     : g_strdup(parley_http.base_path);
	const parley_tx_listener listener = {
		.core = core,
		.package = HTTP_PACKAGE,
		.label = "HTTP",
		.conf = &parley_http.conf,
		.plain_name = "http",
		.tls_name = "https",
		.path = path,
		.protocols = protocols,
		.thread_name = "parley-http",
		.service = service_thread,
		.keepalive_timeout = (int)parley_http.keepalive_timeout,
	};
	int started = parley_tx_listener_start(&listener, &parley_http, &parley_http.context, &parley_http.thread);
	g_free(path);
	parley_tx_calls_start(&parley_http.calls, parley_http.context);
	if (started != 0)
		http_destroy();
	return started;
}

static void http_destroy(void)
{
	if (parley_http.core == NULL)
		return;
	/* route answers that come later are dropped (their lock stays valid) */
	parley_tx_calls_stop(&parley_http.calls);
	parley_tx_listener_close(&parley_http.context, &parley_http.thread, &parley_http.stopping);
	if (parley_http.sessions != NULL)
		parley_http_janus_destroy();
	if (parley_http.rate != NULL)
		g_hash_table_destroy(parley_http.rate);
	parley_http.rate = NULL;
	parley_tx_throttle_free(parley_http.throttle);
	parley_http.throttle = NULL;
	free_config();
	parley_tx_log_to_core(NULL);
	g_mutex_clear(&parley_http.lock);
	parley_http.core = NULL;
}

static bool http_janus_enabled(void)
{
	return parley_http.context != NULL;
}

static bool http_admin_enabled(void)
{
	return parley_http.context != NULL && parley_http.conf.admin_enabled;
}

static json_t *http_query_transport(json_t *request)
{
	g_mutex_lock(&parley_http.lock);
	unsigned mailboxes = parley_http.mailboxes, longpolls = parley_http.longpolls;
	unsigned sessions = parley_http.sessions != NULL ? g_hash_table_size(parley_http.sessions) : 0;
	g_mutex_unlock(&parley_http.lock);
	return json_pack("{s:i, s:i, s:i, s:i, s:I, s:s, s:i, s:i, s:s, s:s, s:b, s:I, s:i, s:i, s:s?}", "connections",
	                 (int)g_atomic_int_get((gint *)&parley_http.connections), "mailboxes", (int)mailboxes,
	                 "longpolls", (int)longpolls, "sessions", (int)sessions, "requests",
	                 (json_int_t)parley_http.requests, "interface",
	                 parley_http.conf.interface ? parley_http.conf.interface : "", "port",
	                 (int)parley_http.conf.port, "secure_port", (int)parley_http.conf.secure_port, "base_path",
	                 parley_http.base_path ? parley_http.base_path : "", "admin_base_path",
	                 parley_http.admin_base_path ? parley_http.admin_base_path : "", "admin_enabled",
	                 parley_http.conf.admin_enabled, "max_body", (json_int_t)parley_http.conf.max_body,
	                 "longpoll_timeout", (int)parley_http.longpoll_timeout, "rate_limit",
	                 (int)parley_http.rate_limit, "cors_origins", parley_http.conf.cors_origins);
}

/* The environment variables of this transport's settings. */
static const parley_env_override http_env_overrides[] = {
	{ "HTTP_PORT", "general", "port" },
	{ "HTTPS_PORT", "general", "secure_port" },
	PARLEY_TX_ENV_OVERRIDES,
	{ NULL },
};

const parley_transport parley_http_transport = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = HTTP_PACKAGE,
	.name = "http",
	.description = "Janus API over HTTP (REST + long-poll), admin API, core and plugin HTTP routes, static files",
	.author = "Parley",
	.version_string = PARLEY_VERSION_STRING,
	.version = PARLEY_VERSION,
	.init = http_init,
	.destroy = http_destroy,
	.is_janus_api_enabled = http_janus_enabled,
	.is_admin_api_enabled = http_admin_enabled,
	.send_message = parley_http_send_message,
	.session_created = parley_http_session_created,
	.session_over = parley_http_session_over,
	.query_transport = http_query_transport,
	.env_overrides = http_env_overrides,
};

__attribute__((visibility("default"))) const parley_transport *parley_transport_entry(void)
{
	return &parley_http_transport;
}
