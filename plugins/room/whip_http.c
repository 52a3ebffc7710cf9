/*
 * plugins/room/whip_http.c — the HTTP side of WHIP and WHEP (see whip.h):
 * the routes (a table of kind × path depth × method), and every check a
 * request passes on the transport's thread before its work is queued:
 *
 *   path      /whip/<room>, /whip/<room>/<resource>, /whep/<room>[/<peer>],
 *             /whep/<room>/<resource>; anything else 404; a method a path
 *             does not take 405 with Allow
 *   token     Authorization: Bearer, against [whip] tokens (WHEP: [whep]
 *             tokens) or the core's tokens: 401 with WWW-Authenticate,
 *             before anything else is looked at (never 404)
 *   budget    [whip] rate_limit POSTs per address a minute: 429 Retry-After
 *   type      POST application/sdp (WHEP: or an empty body), PATCH
 *             application/trickle-ice-sdpfrag (WHEP: or application/sdp,
 *             the answer to our offer): 415
 *   size      [whip] max_sdp_size, max_fragment_size: 413
 *   content   the offer parses (the core's SDP summary) and sends (WHIP) or
 *             receives (WHEP) audio or video; a fragment parses: 400 with
 *             the reason
 *   room      no such room (WHIP creates it when implicit_rooms), peer or
 *             resource: 404; a full room, too many viewers or resources: 503
 *
 * What then runs on a worker (whip_publish.c, whep.c) answers 201, 200,
 * 204, 400, 404, 409, 412, 428 or 503 itself. OPTIONS answers 204 with
 * Allow, Accept-Post / Accept-Patch and the ICE servers. Errors are JSON
 * {"error", "status"}; every answer exposes the WHIP headers to scripts of
 * other origins (CORS itself is the transport's).
 */
#include <string.h>

#include "whip.h"

#define EXPOSE "Access-Control-Expose-Headers: Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After, " \
	"WWW-Authenticate\r\n"
#define SDP_TYPE "application/sdp"
#define FRAG_TYPE "application/trickle-ice-sdpfrag"

typedef struct whip_request {
	room_ctx *ctx;
	room_whip *w;
	parley_http_call *call;
	room_whip_kind kind;
	int segments;                       /* after the prefix: 1 or 2 */
	char room_id[ROOM_MAX_ID + 1];
	char second[ROOM_MAX_ID + 1];       /* a resource or (WHEP POST) a peer id */
} whip_request;

/* ---- answers ---- */

static void set_answer(parley_http_call *call, int status, const char *content_type, const char *body,
                       size_t body_length, const char *headers)
{
	g_free(call->response.body);
	call->response.status = status;
	call->response.content_type = content_type != NULL ? content_type : "application/json";
	call->response.body = body != NULL ? g_memdup2(body, body_length + 1) : NULL;
	if (call->response.body != NULL)
		call->response.body[body_length] = '\0';
	call->response.body_length = body != NULL ? body_length : 0;
	g_free(call->headers);
	call->headers = g_strconcat(EXPOSE, headers != NULL ? headers : "", NULL);
}

/* A JSON error, with extra header lines. */
static void set_error(parley_http_call *call, int status, const char *reason, const char *headers)
{
	json_t *body = json_pack("{s:s, s:i}", "error", reason, "status", status);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	set_answer(call, status, NULL, text, text != NULL ? strlen(text) : 0, headers);
	free(text);
}

void parley_room_whip_answer(parley_http_call *call, int status, const char *content_type, const char *body,
                             size_t body_length, const char *headers)
{
	set_answer(call, status, content_type, body, body_length, headers);
	call->finish(call);
}

void parley_room_whip_refuse(parley_http_call *call, int status, const char *reason)
{
	set_error(call, status, reason, NULL);
	call->finish(call);
}

/* Synchronous refusals return this. */
static int refuse_now(whip_request *r, int status, const char *reason)
{
	set_error(r->call, status, reason, NULL);
	return 0;
}

char *parley_room_whip_location(const room_whip_resource *res)
{
	return g_strdup_printf("%s/%s/%s", res->kind == ROOM_WHIP_INGEST ? "/whip" : "/whep", res->room_id, res->id);
}

static void append_ice_links(room_ctx *ctx, GString *headers)
{
	for (char **link = ctx->cfg.ice_links; link != NULL && *link != NULL; link++)
		g_string_append_printf(headers, "Link: %s\r\n", *link);
}

char *parley_room_whip_created_headers(room_ctx *ctx, const room_whip_resource *res)
{
	GString *headers = g_string_new(NULL);
	char *location = parley_room_whip_location(res);
	g_string_append_printf(headers, "Location: %s\r\nETag: \"%s\"\r\nAccept-Patch: %s%s\r\n", location, res->etag,
	                       FRAG_TYPE, res->server_offer ? ", " SDP_TYPE : "");
	g_free(location);
	append_ice_links(ctx, headers);
	return g_string_free(headers, FALSE);
}

/* ---- checks ---- */

/* A path segment: 1..64 of [A-Za-z0-9_-]. */
static bool take_segment(const char *start, size_t length, char *out, size_t size)
{
	if (length == 0 || length > ROOM_MAX_ID || length >= size)
		return false;
	for (size_t i = 0; i < length; i++)
		if (!g_ascii_isalnum(start[i]) && start[i] != '-' && start[i] != '_')
			return false;
	memcpy(out, start, length);
	out[length] = '\0';
	return true;
}

/* Splits what follows "/whip/" or "/whep/" into one or two segments (a
 * trailing '/' is allowed). */
static bool parse_path(whip_request *r, const char *rest)
{
	const char *slash = strchr(rest, '/');
	size_t first = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (!take_segment(rest, first, r->room_id, sizeof(r->room_id)))
		return false;
	r->segments = 1;
	if (slash == NULL || slash[1] == '\0')
		return true;
	const char *second = slash + 1;
	const char *end = strchr(second, '/');
	size_t length = end != NULL ? (size_t)(end - second) : strlen(second);
	if (end != NULL && end[1] != '\0')
		return false;
	if (!take_segment(second, length, r->second, sizeof(r->second)))
		return false;
	r->segments = 2;
	return true;
}

/* The media type of a Content-Type, without parameters and blanks, is `type`. */
static bool media_type_is(const char *content_type, const char *type)
{
	if (content_type == NULL)
		return false;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	size_t n = strcspn(content_type, ";");
	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	return n == strlen(type) && g_ascii_strncasecmp(content_type, type, n) == 0;
}

/* Compares without an early exit on the first different byte. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb > 0 ? lb : 1)]);
	return diff == 0 && lb > 0;
}

/* The token of "Authorization: Bearer <token>" (copied into out), or false. */
static bool bearer_token(const char *authorization, char *out, size_t size)
{
	if (authorization == NULL || g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
		return false;
	const char *token = authorization + 7;
	while (*token == ' ')
		token++;
	size_t n = strlen(token);
	while (n > 0 && token[n - 1] == ' ')
		n--;
	if (n == 0 || n >= size)
		return false;
	memcpy(out, token, n);
	out[n] = '\0';
	return true;
}

/* The token lists of an endpoint: [whip] tokens or [whep] tokens. */
static char **tokens_of(const room_ctx *ctx, room_whip_kind kind)
{
	return kind == ROOM_WHIP_INGEST ? ctx->cfg.whip_tokens : ctx->cfg.whep_tokens;
}

bool parley_room_whip_open(const room_whip *w, room_whip_kind kind)
{
	return tokens_of(w->ctx, kind) == NULL && !w->core_tokens;
}

static bool token_ok(whip_request *r)
{
	char **tokens = tokens_of(r->ctx, r->kind);
	if (parley_room_whip_open(r->w, r->kind))
		return true;
	char token[1024];
	if (!bearer_token(r->call->request.authorization, token, sizeof(token)))
		return false;
	bool ok = false;
	for (char **t = tokens; t != NULL && *t != NULL; t++)
		ok |= same_secret(token, *t);
	if (!ok && r->w->core_tokens)
		ok = r->ctx->core->auth_token_allows(r->ctx->plugin, token);
	return ok;
}

static int refuse_token(whip_request *r)
{
	char *challenge = g_strdup_printf("WWW-Authenticate: Bearer realm=\"%s\"\r\n",
	                                  r->kind == ROOM_WHIP_INGEST ? "whip" : "whep");
	const char *given = r->call->request.authorization;
	set_error(r->call, 401, given != NULL ? "the token is not valid here" : "a Bearer token is required",
	          challenge);
	g_free(challenge);
	return 0;
}

static int refuse_budget(whip_request *r)
{
	set_error(r->call, 429, "too many sessions asked for from this address; try again in a minute",
	          "Retry-After: 60\r\n");
	return 0;
}

/* The request's body as a NUL-terminated SDP (g_malloc'd) after the size
 * and text checks, or NULL with the answer set. */
static char *sdp_body(whip_request *r, size_t limit)
{
	const parley_http_request *req = &r->call->request;
	if (req->body == NULL || req->body_length == 0) {
		refuse_now(r, 400, "the body is empty: an SDP offer is expected");
		return NULL;
	}
	if (req->body_length > limit) {
		char *reason = g_strdup_printf("the body is larger than %zu bytes", limit);
		refuse_now(r, 413, reason);
		g_free(reason);
		return NULL;
	}
	if (memchr(req->body, '\0', req->body_length) != NULL) {
		refuse_now(r, 400, "the body has a NUL byte: SDP is text");
		return NULL;
	}
	return g_strndup(req->body, req->body_length);
}

/* How many audio/video m-lines of a summary carry media in the direction
 * asked for (`sends`: the client sends; else it receives). */
static unsigned media_flowing(json_t *summary, bool sends)
{
	unsigned n = 0;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(summary, "media"), i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *direction = json_string_value(json_object_get(m, "direction"));
		if (json_is_true(json_object_get(m, "rejected")) || type == NULL || direction == NULL ||
		    (strcmp(type, "audio") != 0 && strcmp(type, "video") != 0))
			continue;
		if (strcmp(direction, "sendrecv") == 0 || strcmp(direction, sends ? "sendonly" : "recvonly") == 0)
			n++;
	}
	return n;
}

/* The offer parses and flows the right way: 0, or the answer is set. */
static int check_offer(whip_request *r, const char *sdp, bool sends)
{
	if (r->ctx->sdp.summary == NULL)
		return refuse_now(r, 503, "this core offers no SDP helpers") - 1;
	if (strncmp(sdp, "v=0", 3) != 0)
		return refuse_now(r, 400, "invalid SDP offer: it must start with v=0") - 1;
	json_t *summary = r->ctx->sdp.summary(sdp);
	const char *error = json_string_value(json_object_get(summary, "error"));
	int rc = 0;
	if (summary == NULL || error != NULL) {
		char *reason = g_strdup_printf("invalid SDP offer: %s", error != NULL ? error : "unreadable");
		rc = refuse_now(r, 400, reason) - 1;
		g_free(reason);
	} else if (media_flowing(summary, sends) == 0) {
		rc = refuse_now(r, 400, sends ? "the offer sends no audio or video" : "the offer receives no audio or video") - 1;
	}
	json_decref(summary);
	return rc;
}

/* Queues the resource's job; LATER, or 503 when the work queue is full. */
static int queue_job(whip_request *r, room_whip_job *job, bool forget_on_refusal)
{
	if (parley_room_whip_submit(r->w, job) == 0)
		return PARLEY_HTTP_LATER;
	if (forget_on_refusal)
		parley_room_whip_forget(r->w, job->res);
	parley_room_whip_job_free(job);
	return refuse_now(r, 503, "the server is busy; try again");
}

/* ---- POST ---- */

static int post_ingest(whip_request *r)
{
	if (!token_ok(r))
		return refuse_token(r);
	if (!parley_room_whip_budget_allows(r->w, r->call->request.remote_ip))
		return refuse_budget(r);
	if (!media_type_is(r->call->content_type, SDP_TYPE))
		return refuse_now(r, 415, "a WHIP offer is " SDP_TYPE);
	char *sdp = sdp_body(r, r->ctx->cfg.whip_max_sdp);
	if (sdp == NULL)
		return 0;
	int bad = check_offer(r, sdp, true);
	g_free(sdp);
	if (bad)
		return 0;
	g_mutex_lock(&r->ctx->lock);
	room_room *room = parley_room_lookup_locked(r->ctx, r->room_id);
	bool missing = room == NULL && !r->ctx->cfg.implicit_rooms;
	bool full = room != NULL && (int)g_hash_table_size(room->peers) >= room->max_participants;
	g_mutex_unlock(&r->ctx->lock);
	if (missing)
		return refuse_now(r, 404, "no such room");
	if (full)
		return refuse_now(r, 503, "the room is full");
	room_whip_resource *res = parley_room_whip_resource_new(r->w, ROOM_WHIP_INGEST, r->room_id);
	if (res == NULL)
		return refuse_now(r, 503, "too many WHIP and WHEP sessions");
	g_strlcpy(res->remote_ip, r->call->request.remote_ip != NULL ? r->call->request.remote_ip : "",
	          sizeof(res->remote_ip));
	room_whip_job *job = parley_room_whip_job_new(ROOM_WHIP_JOB_CREATE, res, r->call);
	parley_room_whip_resource_unref(res);
	return queue_job(r, job, true);
}

/* ?layer=0..2 (WHEP): 0, or the answer is set. */
static int take_layer(whip_request *r, int *layer)
{
	*layer = -1;
	const char *query = r->call->request.query;
	gchar **pairs = g_strsplit(query != NULL ? query : "", "&", 16);
	int rc = 0;
	for (gchar **p = pairs; *p != NULL && rc == 0; p++) {
		if (!g_str_has_prefix(*p, "layer="))
			continue;
		const char *value = *p + 6;
		if (strlen(value) != 1 || value[0] < '0' || value[0] >= '0' + ROOM_MAX_LAYERS)
			rc = refuse_now(r, 400, "layer must be 0, 1 or 2 (the simulcast layer, low to high)") - 1;
		else
			*layer = value[0] - '0';
	}
	g_strfreev(pairs);
	return rc;
}

static int post_playback(whip_request *r)
{
	if (!token_ok(r))
		return refuse_token(r);
	if (!parley_room_whip_budget_allows(r->w, r->call->request.remote_ip))
		return refuse_budget(r);
	int layer;
	if (take_layer(r, &layer) != 0)
		return 0;
	/* what to play first: a room or peer that is not there is 404 whatever the body */
	g_mutex_lock(&r->ctx->lock);
	room_room *room = parley_room_lookup_locked(r->ctx, r->room_id);
	bool no_peer = room != NULL && r->segments == 2 && g_hash_table_lookup(room->peers, r->second) == NULL;
	bool crowded = room != NULL && g_hash_table_size(room->viewers) >= r->ctx->cfg.whep_max_viewers;
	g_mutex_unlock(&r->ctx->lock);
	if (room == NULL)
		return refuse_now(r, 404, "no such room");
	if (no_peer)
		return refuse_now(r, 404, "no such peer in that room");
	if (crowded)
		return refuse_now(r, 503, "the room has as many players as it takes");
	bool server_offer = r->call->request.body_length == 0;
	if (!server_offer) {
		if (!media_type_is(r->call->content_type, SDP_TYPE))
			return refuse_now(r, 415, "a WHEP offer is " SDP_TYPE " (or send an empty body for ours)");
		char *sdp = sdp_body(r, r->ctx->cfg.whip_max_sdp);
		if (sdp == NULL)
			return 0;
		int bad = check_offer(r, sdp, false);
		g_free(sdp);
		if (bad)
			return 0;
	} else if (r->ctx->sdp.offer == NULL) {
		return refuse_now(r, 503, "this core offers no SDP helpers");
	}
	room_whip_resource *res = parley_room_whip_resource_new(r->w, ROOM_WHIP_PLAYBACK, r->room_id);
	if (res == NULL)
		return refuse_now(r, 503, "too many WHIP and WHEP sessions");
	g_strlcpy(res->remote_ip, r->call->request.remote_ip != NULL ? r->call->request.remote_ip : "",
	          sizeof(res->remote_ip));
	if (r->segments == 2)
		g_strlcpy(res->follow, r->second, sizeof(res->follow));
	res->layer = layer;
	res->server_offer = server_offer;
	room_whip_job *job = parley_room_whip_job_new(ROOM_WHIP_JOB_CREATE, res, r->call);
	parley_room_whip_resource_unref(res);
	return queue_job(r, job, true);
}

/* ---- the resource: PATCH, DELETE ---- */

/* The resource the path names (a reference), or NULL with 404 set. */
static room_whip_resource *resource_of(whip_request *r)
{
	room_whip_resource *res = parley_room_whip_lookup(r->w, r->kind, r->room_id, r->second);
	if (res == NULL)
		refuse_now(r, 404, "no such resource (ended, or never made)");
	return res;
}

static int patch_resource(whip_request *r)
{
	if (!token_ok(r))
		return refuse_token(r);
	room_whip_resource *res = resource_of(r);
	if (res == NULL)
		return 0;
	const char *type = r->call->content_type;
	bool frag = media_type_is(type, FRAG_TYPE);
	bool sdp = r->kind == ROOM_WHIP_PLAYBACK && media_type_is(type, SDP_TYPE);
	room_whip_job *job = NULL;
	const parley_http_request *req = &r->call->request;
	if (!frag && !sdp) {
		refuse_now(r, 415, r->kind == ROOM_WHIP_PLAYBACK ? "a PATCH is " FRAG_TYPE " (or " SDP_TYPE ", the answer to our offer)"
		                                                : "a PATCH is " FRAG_TYPE);
	} else if (req->body_length > (frag ? r->ctx->cfg.whip_max_fragment : r->ctx->cfg.whip_max_sdp)) {
		refuse_now(r, 413, "the body is larger than the limit");
	} else if (sdp) {
		job = parley_room_whip_job_new(ROOM_WHIP_JOB_PATCH, res, r->call);
		job->sdp_answer = true;
	} else {
		room_sdpfrag *parsed = g_new0(room_sdpfrag, 1);
		char reason[256] = "", message[320];
		if (parley_room_sdpfrag_parse(req->body, req->body_length, parsed, reason, sizeof(reason)) != 0) {
			g_snprintf(message, sizeof(message), "invalid %s: %s", FRAG_TYPE, reason);
			refuse_now(r, 400, message);
			g_free(parsed);
		} else {
			job = parley_room_whip_job_new(ROOM_WHIP_JOB_PATCH, res, r->call);
			job->frag = parsed;
		}
	}
	parley_room_whip_resource_unref(res);
	return job != NULL ? queue_job(r, job, false) : 0;
}

static int delete_resource(whip_request *r)
{
	if (!token_ok(r))
		return refuse_token(r);
	room_whip_resource *res = resource_of(r);
	if (res == NULL)
		return 0;
	room_whip_job *job = parley_room_whip_job_new(ROOM_WHIP_JOB_DELETE, res, r->call);
	parley_room_whip_resource_unref(res);
	return queue_job(r, job, false);
}

/* ---- OPTIONS ---- */

static const char *allowed_methods(room_whip_kind kind, int segments);

static int options(whip_request *r)
{
	GString *headers = g_string_new(NULL);
	g_string_append_printf(headers, "Allow: %s\r\n", allowed_methods(r->kind, r->segments));
	bool endpoint = r->segments == 1 || r->kind == ROOM_WHIP_PLAYBACK;
	bool resource = r->segments == 2;
	if (endpoint)
		g_string_append(headers, "Accept-Post: " SDP_TYPE "\r\n");
	if (resource)
		g_string_append_printf(headers, "Accept-Patch: %s%s\r\n", FRAG_TYPE,
		                       r->kind == ROOM_WHIP_PLAYBACK ? ", " SDP_TYPE : "");
	if (endpoint)
		append_ice_links(r->ctx, headers);
	set_answer(r->call, 204, "text/plain", NULL, 0, headers->str);
	g_string_free(headers, TRUE);
	return 0;
}

/* ---- the route table ---- */

typedef int (*whip_handler)(whip_request *r);

static const struct {
	room_whip_kind kind;
	int segments;
	const char *method;
	whip_handler handle;
} routes[] = {
	{ROOM_WHIP_INGEST, 1, "POST", post_ingest},
	{ROOM_WHIP_INGEST, 1, "OPTIONS", options},
	{ROOM_WHIP_INGEST, 2, "PATCH", patch_resource},
	{ROOM_WHIP_INGEST, 2, "DELETE", delete_resource},
	{ROOM_WHIP_INGEST, 2, "OPTIONS", options},
	{ROOM_WHIP_PLAYBACK, 1, "POST", post_playback},
	{ROOM_WHIP_PLAYBACK, 1, "OPTIONS", options},
	{ROOM_WHIP_PLAYBACK, 2, "POST", post_playback},   /* one peer's audio and video */
	{ROOM_WHIP_PLAYBACK, 2, "PATCH", patch_resource},
	{ROOM_WHIP_PLAYBACK, 2, "DELETE", delete_resource},
	{ROOM_WHIP_PLAYBACK, 2, "OPTIONS", options},
};

static const char *allowed_methods(room_whip_kind kind, int segments)
{
	if (segments == 1)
		return "OPTIONS, POST";
	return kind == ROOM_WHIP_INGEST ? "OPTIONS, PATCH, DELETE" : "OPTIONS, POST, PATCH, DELETE";
}

int parley_room_whip_http_call(room_ctx *ctx, parley_http_call *call)
{
	const char *path = call->request.path, *method = call->request.method;
	whip_request r = {.ctx = ctx, .w = ctx->whip, .call = call};
	if (path == NULL || method == NULL)
		return -1;
	if (g_str_has_prefix(path, "/whip/"))
		r.kind = ROOM_WHIP_INGEST;
	else if (g_str_has_prefix(path, "/whep/"))
		r.kind = ROOM_WHIP_PLAYBACK;
	else
		return refuse_now(&r, 404, "no such endpoint: /whip/<roomId> or /whep/<roomId>[/<peerId>]");
	if (r.w == NULL || !ctx->cfg.whip_enabled)
		return refuse_now(&r, 404, "WHIP and WHEP are off on this server ([whip] enabled)");
	if (!parse_path(&r, path + 6))
		return refuse_now(&r, 404, "no such endpoint: /whip/<roomId> or /whep/<roomId>[/<peerId>]");
	for (size_t i = 0; i < G_N_ELEMENTS(routes); i++)
		if (routes[i].kind == r.kind && routes[i].segments == r.segments && strcmp(routes[i].method, method) == 0)
			return routes[i].handle(&r);
	char *allow = g_strdup_printf("Allow: %s\r\n", allowed_methods(r.kind, r.segments));
	set_error(call, 405, "method not allowed here", allow);
	g_free(allow);
	return 0;
}
