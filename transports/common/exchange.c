/*
 * transports/common/exchange.c — one plain-HTTP request/response on a
 * libwebsockets connection (see exchange.h): request parsing, bounded body,
 * CORS, security headers, buffered responses, core routes, static files.
 */
#include "exchange.h"
#include "head.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "util/setting.h"

/* lws method index → method name (the core's parley_http_request.method). */
static const struct {
	int index;
	const char *name;
} method_names[] = {
	{ LWSHUMETH_GET, "GET" },   { LWSHUMETH_POST, "POST" },   { LWSHUMETH_OPTIONS, "OPTIONS" },
	{ LWSHUMETH_PUT, "PUT" },   { LWSHUMETH_PATCH, "PATCH" }, { LWSHUMETH_DELETE, "DELETE" },
	{ LWSHUMETH_HEAD, "HEAD" },
};

/* File extension → content type for static files. */
static const struct {
	const char *extension;
	const char *type;
} content_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".htm", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".map", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".gif", "image/gif" },
	{ ".ico", "image/x-icon" },
	{ ".webp", "image/webp" },
	{ ".woff", "font/woff" },
	{ ".woff2", "font/woff2" },
	{ ".wasm", "application/wasm" },
	{ ".mp3", "audio/mpeg" },
	{ ".ogg", "audio/ogg" },
	{ ".webm", "video/webm" },
	{ ".mp4", "video/mp4" },
};

/* Headers on every response. */
static const struct {
	const char *name;
	const char *value;
} security_headers[] = {
	{ "x-content-type-options:", "nosniff" },
	{ "x-frame-options:", "SAMEORIGIN" },
	{ "referrer-policy:", "no-referrer" },
};

/* Static pages may load their own scripts and styles and connect to the
 * gateway's other ports (WebSocket, HTTP API) on any scheme. */
static const char static_csp[] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
				 "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
				 "connect-src 'self' ws: wss: http: https:; frame-ancestors 'self'";
/* API answers are data, never a document. */
static const char api_csp[] = "default-src 'none'; frame-ancestors 'none'";

static char *copy_header(struct lws *wsi, enum lws_token_indexes token)
{
	int length = lws_hdr_total_length(wsi, token);
	if (length <= 0)
		return NULL;
	char *value = g_malloc((size_t)length + 1);
	if (lws_hdr_copy(wsi, value, length + 1, token) < 0) {
		g_free(value);
		return NULL;
	}
	return value;
}

/* lws keeps each '&'-separated argument as a fragment. */
char *parley_tx_copy_query(struct lws *wsi, size_t fragment_size, int max_fragments)
{
	int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
	if (total <= 0)
		return NULL;
	GString *query = g_string_sized_new((gsize)total + 8);
	char fragment[PARLEY_TX_QUERY_FRAGMENT_MAX];
	int size = (int)MIN(fragment_size, sizeof(fragment));
	for (int i = 0; i < max_fragments; i++) {
		int n = lws_hdr_copy_fragment(wsi, fragment, size, WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		if (query->len > 0)
			g_string_append_c(query, '&');
		g_string_append_len(query, fragment, n);
	}
	return g_string_free(query, query->len == 0);
}

void parley_tx_reset(parley_tx_exchange *ex)
{
	if (ex->call != NULL)
		parley_tx_call_unlink(ex->call);
	g_free(ex->headers);
	g_free(ex->path);
	g_free(ex->query);
	g_free(ex->origin);
	g_free(ex->authorization);
	if (ex->body != NULL)
		g_byte_array_unref(ex->body);
	g_free(ex->out);
	memset(ex, 0, sizeof(*ex));
}

/* A Content-Length header longer than this is refused as invalid. */
#define HEAD_LENGTH_TEXT 64

/* The head's facts as head.c weighs them (strings in the caller's buffers). */
typedef struct head_facts {
	parley_tx_head head;
	char lengths[PARLEY_TX_HEAD_MAX_LENGTHS][HEAD_LENGTH_TEXT];
	char version[16];
} head_facts;

/* True when the head carries `token`, even with an empty value. */
static bool header_present(struct lws *wsi, enum lws_token_indexes token)
{
	char probe[2];
	return lws_hdr_total_length(wsi, token) > 0 || lws_hdr_copy_fragment(wsi, probe, sizeof(probe), token, 0) >= 0;
}

/* The size is what lws stored of the request line and the headers it
 * knows by name; lws's own buffer (twice max_head, see listener.c) bounds
 * the rest. */
static void read_head(struct lws *wsi, bool upgrade, head_facts *facts)
{
	parley_tx_head *head = &facts->head;
	memset(facts, 0, sizeof(*facts));
	for (int token = 0; token < WSI_TOKEN_COUNT; token++)
		head->size += (size_t)lws_hdr_total_length(wsi, (enum lws_token_indexes)token);
	if (header_present(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH)) {
		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) >= HEAD_LENGTH_TEXT) {
			head->content_length_count = 1; /* content_lengths[0] NULL: invalid */
		} else {
			/* every fragment fits: -1 means there is no such fragment */
			for (int i = 0; i <= PARLEY_TX_HEAD_MAX_LENGTHS; i++) {
				char scratch[HEAD_LENGTH_TEXT];
				char *text = i < PARLEY_TX_HEAD_MAX_LENGTHS ? facts->lengths[i] : scratch;
				if (lws_hdr_copy_fragment(wsi, text, HEAD_LENGTH_TEXT, WSI_TOKEN_HTTP_CONTENT_LENGTH, i) < 0)
					break;
				if (i < PARLEY_TX_HEAD_MAX_LENGTHS)
					head->content_lengths[i] = text;
				head->content_length_count++;
			}
		}
	}
	head->transfer_encoding = header_present(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
	head->upgrade = upgrade;
	if (upgrade && lws_hdr_copy(wsi, facts->version, sizeof(facts->version), WSI_TOKEN_VERSION) >= 0)
		head->websocket_version = facts->version;
}

bool parley_tx_begin(parley_tx_exchange *ex, struct lws *wsi, const char *in, const parley_tx_settings *settings)
{
	parley_tx_reset(ex);
	ex->content_length = -1;
	ex->phase = PARLEY_TX_READING;
	char *uri = NULL;
	int uri_length = 0;
	ex->method_index = lws_http_get_uri_and_method(wsi, &uri, &uri_length);
	ex->method = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(method_names); i++) {
		if (method_names[i].index == ex->method_index)
			ex->method = method_names[i].name;
	}
	ex->path = g_strdup(in != NULL && in[0] != '\0' ? in : "/");
	ex->query = parley_tx_copy_query(wsi, PARLEY_TX_QUERY_FRAGMENT_MAX, 64);
	ex->origin = copy_header(wsi, WSI_TOKEN_ORIGIN);
	ex->authorization = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	head_facts facts;
	read_head(wsi, false, &facts);
	ex->refusal = parley_tx_head_check(&facts.head, settings->max_head, &ex->content_length, ex->refusal_reason,
	                                   sizeof(ex->refusal_reason));
	if (ex->refusal == 0 && ex->method_index == LWSHUMETH_POST && ex->content_length < 0) {
		/* lws would read up to 100 MB as its body */
		ex->refusal = 411;
		snprintf(ex->refusal_reason, sizeof(ex->refusal_reason),
		         "a POST needs a Content-Length (chunked bodies are not accepted)");
	}
	ex->body_done = ex->refusal == 0 && ex->content_length <= 0;
	lws_get_peer_simple(wsi, ex->remote_ip, sizeof(ex->remote_ip));
	ex->body = g_byte_array_new();
	return ex->method != NULL;
}

void parley_tx_respond_refusal(parley_tx_exchange *ex, struct lws *wsi)
{
	ex->close_after = true;
	parley_tx_respond_error(ex, wsi, ex->refusal, ex->refusal_reason);
}

/* The refusal of an upgrade, written at once: the connection is still
 * plain HTTP/1.1 and lws closes it as soon as the filter says no. */
void parley_tx_write_upgrade_refusal(struct lws *wsi, int status, const char *reason)
{
	unsigned char buffer[LWS_PRE + 1024];
	unsigned char *start = buffer + LWS_PRE, *p = start, *end = buffer + sizeof(buffer) - 1;
	json_t *json = json_pack("{s:s, s:i}", "error", reason, "status", status);
	char *body = json != NULL ? json_dumps(json, JSON_COMPACT) : NULL;
	json_decref(json);
	size_t length = body != NULL ? strlen(body) : 0;
	char length_text[24];
	snprintf(length_text, sizeof(length_text), "%zu", length);
	bool written =
	        lws_add_http_header_status(wsi, (unsigned int)status, &p, end) == 0 &&
	        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, (const unsigned char *)"application/json",
	                                     16, &p, end) == 0 &&
	        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (const unsigned char *)length_text,
	                                     (int)strlen(length_text), &p, end) == 0 &&
	        lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:", (const unsigned char *)"close", 5,
	                                    &p, end) == 0 &&
	        (status != 426 || lws_add_http_header_by_token(wsi, WSI_TOKEN_VERSION, (const unsigned char *)"13", 2,
	                                                        &p, end) == 0) &&
	        lws_finalize_http_header(wsi, &p, end) == 0 && (size_t)(end - p) > length;
	if (written) {
		memcpy(p, body, length);
		p += length;
		lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS);
	}
	free(body);
}

bool parley_tx_refuse_upgrade(struct lws *wsi, const parley_tx_settings *settings, const char *package,
                              const parley_transport_core *core)
{
	head_facts facts;
	read_head(wsi, true, &facts);
	long content_length = -1;
	char reason[128];
	int status = parley_tx_head_check(&facts.head, settings->max_head, &content_length, reason, sizeof(reason));
	if (status == 0)
		return false;
	char ip[64] = "";
	lws_get_peer_simple(wsi, ip, sizeof(ip));
	core->log(PARLEY_LOG_VERB, package, "refused a WebSocket upgrade from %s: %d %s", ip, status, reason);
	parley_tx_write_upgrade_refusal(wsi, status, reason);
	return true;
}

int parley_tx_body_completed(parley_tx_exchange *ex)
{
	if (ex->phase == PARLEY_TX_DRAINING)
		return -1;
	ex->body_done = true;
	return 0;
}

bool parley_tx_expects_body(const parley_tx_exchange *ex)
{
	return ex->content_length > 0;
}

bool parley_tx_body_append(parley_tx_exchange *ex, const void *data, size_t len, size_t max_body)
{
	if (ex->too_large)
		return false;
	if (ex->body->len + len > max_body) {
		ex->too_large = true;
		return false;
	}
	g_byte_array_append(ex->body, data, (guint)len);
	return true;
}

void parley_tx_respond(parley_tx_exchange *ex, struct lws *wsi, int status, const char *content_type, const char *body,
                       size_t length)
{
	g_free(ex->out);
	ex->out = g_malloc(LWS_PRE + length + 1);
	if (length > 0)
		memcpy(ex->out + LWS_PRE, body, length);
	ex->out[LWS_PRE + length] = '\0';
	ex->out_length = length;
	ex->status = status;
	ex->content_type = content_type;
	ex->phase = PARLEY_TX_HEADERS;
	lws_callback_on_writable(wsi);
}

void parley_tx_respond_json(parley_tx_exchange *ex, struct lws *wsi, int status, json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	if (text == NULL) {
		static const char fallback[] = "{\"error\":\"internal error\"}";
		parley_tx_respond(ex, wsi, 500, "application/json", fallback, sizeof(fallback) - 1);
		return;
	}
	parley_tx_respond(ex, wsi, status, "application/json", text, strlen(text));
	free(text);
}

void parley_tx_respond_error(parley_tx_exchange *ex, struct lws *wsi, int status, const char *message)
{
	json_t *body = json_pack("{s:s, s:i}", "error", message, "status", status);
	parley_tx_respond_json(ex, wsi, status, body);
	json_decref(body);
}

void parley_tx_respond_too_large(parley_tx_exchange *ex, struct lws *wsi, size_t max_body)
{
	char message[96];
	snprintf(message, sizeof(message), "request body too large (limit %zu bytes)", max_body);
	ex->close_after = true;
	ex->linger = !ex->body_done;
	parley_tx_respond_error(ex, wsi, 413, message);
}

const parley_tx_settings *parley_tx_settings_of(struct lws *wsi, const parley_tx_settings *fallback)
{
	const parley_tx_settings *settings = lws_get_vhost_user(lws_get_vhost(wsi));
	return settings != NULL ? settings : fallback;
}

bool parley_tx_origin_allowed(const char *cors_origins, const char *origin)
{
	if (cors_origins == NULL || origin == NULL)
		return true;
	gchar **allowed = g_strsplit(cors_origins, ",", -1);
	bool found = false;
	for (gchar **item = allowed; *item != NULL && !found; item++) {
		gchar *candidate = g_strstrip(*item);
		found = strcmp(candidate, "*") == 0 || g_ascii_strcasecmp(candidate, origin) == 0;
	}
	g_strfreev(allowed);
	return found;
}

void parley_tx_respond_preflight(parley_tx_exchange *ex, struct lws *wsi, const parley_tx_settings *settings)
{
	if (settings->cors_origins == NULL || ex->origin == NULL ||
	    !parley_tx_origin_allowed(settings->cors_origins, ex->origin)) {
		parley_tx_respond_error(ex, wsi, 403, "origin not allowed");
		return;
	}
	ex->extra_cors_preflight = true;
	parley_tx_respond(ex, wsi, 204, "text/plain", NULL, 0);
}

void parley_tx_answer_options(parley_tx_exchange *ex, struct lws *wsi, const parley_tx_settings *settings,
                              const parley_transport_core *core, parley_tx_calls *calls)
{
	ex->phase = PARLEY_TX_WAITING;
	ex->extra_cors_preflight = settings->cors_origins != NULL && ex->origin != NULL &&
	                           parley_tx_origin_allowed(settings->cors_origins, ex->origin);
	if (parley_tx_route_to_core(ex, wsi, core, calls) == 0)
		return;
	parley_tx_respond_preflight(ex, wsi, settings);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
	                                   (int)strlen(value), p, end);
}

/* Security headers, CORS headers and HSTS (shared by buffered responses and
 * static files). */
static int add_policy_headers(parley_tx_exchange *ex, struct lws *wsi, const parley_tx_settings *settings,
                              bool static_page, unsigned char **p, unsigned char *end)
{
	for (size_t i = 0; i < G_N_ELEMENTS(security_headers); i++) {
		if (add_header(wsi, security_headers[i].name, security_headers[i].value, p, end))
			return -1;
	}
	if (add_header(wsi, "content-security-policy:", static_page ? static_csp : api_csp, p, end))
		return -1;
	if (settings->secure &&
	    add_header(wsi, "strict-transport-security:", "max-age=31536000; includeSubDomains", p, end))
		return -1;
	if (settings->cors_origins != NULL && ex->origin != NULL &&
	    parley_tx_origin_allowed(settings->cors_origins, ex->origin)) {
		/* only a "*" entry accepts an origin no browser sends */
		bool any = parley_tx_origin_allowed(settings->cors_origins, "\x01");
		if (add_header(wsi, "access-control-allow-origin:", any ? "*" : ex->origin, p, end))
			return -1;
		if (!any && add_header(wsi, "vary:", "Origin", p, end))
			return -1;
		if (ex->extra_cors_preflight) {
			if (add_header(wsi, "access-control-allow-methods:", "GET, POST, PUT, PATCH, DELETE, OPTIONS",
			               p, end) ||
			    add_header(wsi, "access-control-allow-headers:",
			               "Content-Type, Authorization, X-Requested-With, If-Match", p, end) ||
			    add_header(wsi, "access-control-max-age:", "86400", p, end))
				return -1;
		}
	}
	if (ex->close_after && add_header(wsi, "connection:", "close", p, end))
		return -1;
	return 0;
}

/* The answer to a refused body is out: half-close a plain connection (the
 * client reads the answer and EOF), then read and drop the rest of the body
 * until it ends (parley_tx_body_completed) or linger_seconds pass. */
static int start_draining(parley_tx_exchange *ex, struct lws *wsi, const parley_tx_settings *settings)
{
	if (settings->linger_seconds <= 0)
		return -1;
	if (!lws_is_ssl(wsi))
		shutdown(lws_get_socket_fd(wsi), SHUT_WR);
	ex->phase = PARLEY_TX_DRAINING;
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, settings->linger_seconds);
	return 0;
}

/* Response headers a route call may not set: the transport's own. */
static const char *const reserved_headers[] = {
	"content-type", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade",
	"vary", "strict-transport-security", "content-security-policy", "x-content-type-options",
	"x-frame-options", "referrer-policy", "access-control-allow-origin", "access-control-allow-methods",
	"access-control-allow-headers", "access-control-max-age", "access-control-allow-credentials",
};

/* One "Name: value" line of a route call's headers, checked and written:
 * a token name, no control characters, not a reserved name. */
static int add_call_header(struct lws *wsi, const char *line, size_t length, unsigned char **p, unsigned char *end)
{
	const char *colon = memchr(line, ':', length);
	if (colon == NULL || colon == line || (size_t)(colon - line) > 64)
		return 0;
	char name[72];
	size_t n = (size_t)(colon - line);
	for (size_t i = 0; i < n; i++) {
		char c = line[i];
		if (!g_ascii_isalnum(c) && c != '-' && c != '_')
			return 0;
		name[i] = g_ascii_tolower(c);
	}
	name[n] = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(reserved_headers); i++)
		if (strcmp(name, reserved_headers[i]) == 0)
			return 0;
	const char *value = colon + 1;
	size_t value_length = length - n - 1;
	while (value_length > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		value_length--;
	}
	for (size_t i = 0; i < value_length; i++)
		if ((unsigned char)value[i] < 0x20 && value[i] != '\t')
			return 0;
	name[n] = ':';
	name[n + 1] = '\0';
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
	                                   (int)value_length, p, end);
}

static int add_call_headers(parley_tx_exchange *ex, struct lws *wsi, unsigned char **p, unsigned char *end)
{
	for (const char *line = ex->headers; line != NULL && *line != '\0';) {
		const char *eol = strstr(line, "\r\n");
		size_t length = eol != NULL ? (size_t)(eol - line) : strlen(line);
		if (add_call_header(wsi, line, length, p, end))
			return -1;
		line = eol != NULL ? eol + 2 : line + length;
	}
	return 0;
}

int parley_tx_writable(parley_tx_exchange *ex, struct lws *wsi, const parley_tx_settings *settings)
{
	if (ex->phase == PARLEY_TX_HEADERS) {
		size_t size = LWS_PRE + 2048 + (ex->headers != NULL ? strlen(ex->headers) + 256 : 0);
		unsigned char *buffer = g_malloc(size);
		unsigned char *start = buffer + LWS_PRE, *p = start, *end = buffer + size - 1;
		int rc = lws_add_http_common_headers(wsi, (unsigned int)ex->status, ex->content_type,
		                                     (lws_filepos_t)ex->out_length, &p, end) ||
		         add_policy_headers(ex, wsi, settings, false, &p, end) || add_call_headers(ex, wsi, &p, end) ||
		         lws_finalize_write_http_header(wsi, start, &p, end);
		g_free(buffer);
		if (rc)
			return -1;
		ex->phase = PARLEY_TX_BODY;
		if (ex->out_length > 0) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	} else if (ex->phase == PARLEY_TX_BODY) {
		if (lws_write(wsi, ex->out + LWS_PRE, ex->out_length, LWS_WRITE_HTTP_FINAL) < (int)ex->out_length)
			return -1;
	} else {
		return 0;
	}
	/* lws frees the per-session data (and so `ex`) while completing the
	 * transaction: release everything first, touch nothing after. */
	bool close_after = ex->close_after;
	bool linger = ex->linger && !ex->body_done;
	parley_tx_reset(ex);
	ex->phase = PARLEY_TX_DONE;
	if (linger)
		return start_draining(ex, wsi, settings);
	if (close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

bool parley_tx_completes_next(const parley_tx_exchange *ex)
{
	return ex->phase == PARLEY_TX_BODY || (ex->phase == PARLEY_TX_HEADERS && ex->out_length == 0);
}

void parley_tx_respond_call(parley_tx_exchange *ex, struct lws *wsi, const parley_http_call *call)
{
	const parley_http_response *response = &call->response;
	parley_tx_respond(ex, wsi, response->status > 0 ? response->status : 200,
	                  response->content_type != NULL ? response->content_type : "application/json", response->body,
	                  response->body != NULL ? response->body_length : 0);
	g_free(ex->headers);
	ex->headers = g_strdup(call->headers);
}

static bool core_takes_calls(const parley_transport_core *core)
{
	return core->struct_size >= offsetof(parley_transport_core, handle_http_call) + sizeof(core->handle_http_call) &&
	       core->handle_http_call != NULL;
}

/* The request as a route call: answered now, later, or not a route. */
static int route_call(parley_tx_exchange *ex, struct lws *wsi, const parley_transport_core *core,
                      parley_tx_calls *calls)
{
	char content_type[256] = "", if_match[256] = "";
	bool has_type = lws_hdr_copy(wsi, content_type, sizeof(content_type), WSI_TOKEN_HTTP_CONTENT_TYPE) > 0;
	bool has_match = lws_hdr_copy(wsi, if_match, sizeof(if_match), WSI_TOKEN_HTTP_IF_MATCH) > 0;
	parley_tx_call *call = parley_tx_call_new(calls, ex, has_type ? content_type : NULL, has_match ? if_match : NULL);
	/* linked first: the route may finish from another thread before it returns */
	parley_tx_call_link(call, wsi, ex);
	int rc = core->handle_http_call(parley_tx_call_public(call));
	if (rc == PARLEY_HTTP_LATER) {
		ex->phase = PARLEY_TX_WAITING;
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 120);
		return 0;
	}
	if (rc == 0)
		parley_tx_respond_call(ex, wsi, parley_tx_call_public(call));
	parley_tx_call_unlink(call);
	parley_tx_call_done(call);
	return rc == 0 ? 0 : -1;
}

int parley_tx_route_to_core(parley_tx_exchange *ex, struct lws *wsi, const parley_transport_core *core,
                            parley_tx_calls *calls)
{
	if (calls != NULL && core_takes_calls(core))
		return route_call(ex, wsi, core, calls);
	if (ex->method_index == LWSHUMETH_OPTIONS)
		return -1;
	parley_http_request request = {
		.method = ex->method,
		.path = ex->path,
		.query = ex->query,
		.body = ex->body->len > 0 ? (const char *)ex->body->data : NULL,
		.body_length = ex->body->len,
		.remote_ip = ex->remote_ip,
		.origin = ex->origin,
		.authorization = ex->authorization,
	};
	parley_http_response response = { 0 };
	if (core->handle_http(&request, &response) != 0) {
		g_free(response.body);
		return -1;
	}
	parley_tx_respond(ex, wsi, response.status > 0 ? response.status : 200,
	                  response.content_type != NULL ? response.content_type : "application/json", response.body,
	                  response.body != NULL ? response.body_length : 0);
	g_free(response.body);
	return 0;
}

static const char *content_type_for(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot != NULL && strchr(dot, '/') == NULL) {
		for (size_t i = 0; i < G_N_ELEMENTS(content_types); i++) {
			if (g_ascii_strcasecmp(dot, content_types[i].extension) == 0)
				return content_types[i].type;
		}
	}
	return "application/octet-stream";
}

/* folder + path, refusing "..", empty-name tricks and control characters.
 * A trailing '/' means index.html. NULL when the path is not acceptable. */
static char *safe_join(const char *folder, const char *path)
{
	if (path[0] != '/')
		return NULL;
	for (const char *c = path; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == '\\')
			return NULL;
	}
	gchar **parts = g_strsplit(path + 1, "/", -1);
	bool ok = true;
	for (gchar **part = parts; *part != NULL && ok; part++)
		ok = strcmp(*part, "..") != 0 && strcmp(*part, ".") != 0;
	g_strfreev(parts);
	if (!ok)
		return NULL;
	size_t length = strlen(path);
	return g_strconcat(folder, path, path[length - 1] == '/' ? "index.html" : "", NULL);
}

/* The real path (malloc'ed) of folder + path once every symlink is
 * resolved, or NULL when the path is not acceptable, does not exist, or
 * resolves to somewhere outside the folder's own real path. */
static char *inside_folder(const char *folder, const char *path)
{
	char *joined = safe_join(folder, path);
	if (joined == NULL)
		return NULL;
	char *file = realpath(joined, NULL);
	g_free(joined);
	char *root = file != NULL ? realpath(folder, NULL) : NULL;
	size_t length = root != NULL ? strlen(root) : 0;
	bool inside = root != NULL && strncmp(file, root, length) == 0 &&
	              (file[length] == '/' || (length == 1 && root[0] == '/'));
	free(root);
	if (!inside) {
		free(file);
		return NULL;
	}
	return file;
}

int parley_tx_serve_static(parley_tx_exchange *ex, struct lws *wsi, const char *folder,
                           const parley_tx_settings *settings)
{
	if (folder == NULL || (ex->method_index != LWSHUMETH_GET && ex->method_index != LWSHUMETH_HEAD))
		return 1;
	char *file = inside_folder(folder, ex->path);
	if (file == NULL)
		return 1;
	struct stat st;
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(file);
		return 1;
	}
	unsigned char headers[1024];
	unsigned char *p = headers, *end = headers + sizeof(headers) - 1;
	if (add_policy_headers(ex, wsi, settings, true, &p, end)) {
		free(file);
		return -1;
	}
	ex->phase = PARLEY_TX_FILE;
	int rc = lws_serve_http_file(wsi, file, content_type_for(file), (const char *)headers, (int)(p - headers));
	free(file);
	if (rc < 0)
		return -1;
	if (rc > 0)
		ex->phase = PARLEY_TX_DONE;
	return 0;
}

unsigned char *parley_tx_json_buffer(json_t *message, size_t *length)
{
	size_t size = json_dumpb(message, NULL, 0, JSON_COMPACT);
	if (size == 0)
		return NULL;
	unsigned char *buffer = g_malloc(LWS_PRE + size + 1);
	if (json_dumpb(message, (char *)buffer + LWS_PRE, size, JSON_COMPACT) != size) {
		g_free(buffer);
		return NULL;
	}
	buffer[LWS_PRE + size] = '\0';
	*length = size;
	return buffer;
}

void parley_tx_note_answer(parley_tx_throttle *throttle, const char *address, json_t *message,
                           const parley_transport_core *core, const char *package)
{
	const char *verb = json_string_value(json_object_get(message, "janus"));
	json_int_t code = json_integer_value(json_object_get(json_object_get(message, "error"), "code"));
	if (throttle == NULL || verb == NULL || strcmp(verb, "error") != 0 || code != 403)
		return;
	long blocked_ms = 0;
	unsigned failures = parley_tx_throttle_failed(throttle, address, g_get_monotonic_time(), &blocked_ms);
	if (failures == 0)
		return;
	if (blocked_ms > 0)
		core->log(PARLEY_LOG_WARN, package, "failed credential check from %s (%u in a row): blocked for %ld ms",
		          address, failures, blocked_ms);
	else
		core->log(PARLEY_LOG_INFO, package, "failed credential check from %s (%u in a row)", address, failures);
}

long parley_tx_blocked_ms(parley_tx_throttle *throttle, const char *address)
{
	return parley_tx_throttle_blocked_ms(throttle, address, g_get_monotonic_time());
}

char *parley_tx_blocked_reason(long blocked_ms, char *reason, size_t reason_size)
{
	snprintf(reason, reason_size, "Too many failed credential checks from this address: retry in %ld ms",
	         blocked_ms);
	return reason;
}

static const parley_transport_core *log_core;

static void emit_lws_line(int level, const char *line)
{
	const parley_transport_core *core = log_core;
	if (core == NULL)
		return;
	size_t length = strlen(line);
	while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
		length--;
	core->log(level == LLL_ERR ? PARLEY_LOG_ERROR : PARLEY_LOG_WARN, "lws", "%.*s", (int)length, line);
}

void parley_tx_log_to_core(const parley_transport_core *core)
{
	log_core = core;
	lws_set_log_level(LLL_ERR | LLL_WARN, core != NULL ? emit_lws_line : NULL);
}

const char *parley_tx_conf_string(const parley_transport_core *core, const char *package, const char *key,
                                  const char *fallback)
{
	const char *value = core->config_get(package, "general", key);
	return value != NULL && value[0] != '\0' ? value : fallback;
}

/* A transport's settings as a source for util/setting.h. */
typedef struct tx_settings {
	const parley_transport_core *core;
	const char *package;
} tx_settings;

static const char *tx_settings_get(const void *context, const char *section, const char *key)
{
	const tx_settings *settings = context;
	return settings->core->config_get(settings->package, section, key);
}

static void tx_settings_warn(const void *context, const char *line)
{
	const tx_settings *settings = context;
	settings->core->log(PARLEY_LOG_WARN, settings->package, "%s", line);
}

long parley_tx_setting_int(const parley_transport_core *core, const char *package, const char *section, const char *key,
                           long fallback, long min, long max)
{
	const tx_settings context = { core, package };
	const parley_util_setting_source source = { tx_settings_get, tx_settings_warn, &context };
	return parley_util_setting_read_int(&source, section, key, fallback, min, max);
}

bool parley_tx_setting_bool(const parley_transport_core *core, const char *package, const char *section,
                            const char *key, bool fallback)
{
	const tx_settings context = { core, package };
	const parley_util_setting_source source = { tx_settings_get, tx_settings_warn, &context };
	return parley_util_setting_read_bool(&source, section, key, fallback);
}

long parley_tx_conf_int(const parley_transport_core *core, const char *package, const char *key, long fallback)
{
	return parley_tx_setting_int(core, package, "general", key, fallback, 0, LONG_MAX);
}

bool parley_tx_conf_bool(const parley_transport_core *core, const char *package, const char *key, bool fallback)
{
	return parley_tx_setting_bool(core, package, "general", key, fallback);
}

size_t parley_tx_default_max_message(const parley_transport_core *core)
{
	long number = 262144; /* the core warns about its own unusable value */
	parley_util_setting_int(core->config_get("parley", "limits", "max_message_size"), 1, LONG_MAX, &number);
	return (size_t)number;
}
