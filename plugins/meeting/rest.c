/*
 * plugins/meeting/rest.c — the meeting service's REST routes under
 * /api/meetings, dispatched by a table of {method, pattern, handler}:
 * create, get, participants, update, end, stats and the per-user listing.
 * Answers {"success":true,...} or {"success":false,"error":"..."} with the
 * matching HTTP status; enforces the per-address rate limit and the body
 * size limit before anything else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meeting.h"

#define MAX_PARAMS 2
#define MAX_SEGMENTS 8

typedef struct rest_call {
	parley_meeting_ctx *ctx;
	const parley_http_request *request;
	char *params[MAX_PARAMS]; /* decoded :params, in order */
	json_t *body;             /* parsed object or NULL (owned by the call) */
	int status;
	json_t *reply;            /* owned by the call until rendered */
} rest_call;

typedef void (*rest_handler)(rest_call *call);

typedef struct rest_route {
	const char *method;
	const char *pattern;
	bool needs_body;
	rest_handler handler;
} rest_route;

static void reply_error(rest_call *call, int status, const char *error)
{
	json_decref(call->reply);
	call->status = status;
	call->reply = json_pack("{s:b, s:s}", "success", 0, "error", error); /* new, owned by call */
}

/* {"success":true, key: value} with `value` stolen. */
static void reply_ok_new(rest_call *call, int status, const char *key, json_t *value)
{
	json_decref(call->reply);
	call->status = status;
	call->reply = json_pack("{s:b, s:o}", "success", 1, key, value); /* new, owned by call */
}

static void reply_bad_field(rest_call *call, const char *field)
{
	char *text = g_strdup_printf("Invalid or missing field: %s", field);
	reply_error(call, 400, text);
	g_free(text);
}

/* The meeting named by :roomId, or NULL after a 404. */
static parley_meeting *load_meeting(rest_call *call)
{
	parley_meeting *m = parley_meeting_db_get(call->ctx->db, call->params[0]);
	if (m == NULL)
		reply_error(call, 404, PARLEY_MEETING_ERR_NOT_FOUND);
	return m;
}

/* Host verification: body.hostId must be the meeting's. */
static bool check_host(rest_call *call, const parley_meeting *m, const char *action)
{
	const char *host_id = NULL;
	if (!parley_meeting_rules_string(call->body, "hostId", true, PARLEY_MEETING_ID_MAX, &host_id)) {
		reply_bad_field(call, "hostId");
		return false;
	}
	if (!parley_meeting_rules_is_host(m, host_id)) {
		char *text = g_strdup_printf("Only the host can %s this meeting", action);
		reply_error(call, 403, text);
		g_free(text);
		return false;
	}
	return true;
}

/* Applies title, description, hostName, scheduledAt and settings from the
 * body onto `m`; false after a 400 naming the field. */
static bool apply_fields(rest_call *call, parley_meeting *m, bool creating)
{
	const char *title, *description, *host_name, *scheduled;
	int64_t scheduled_at = 0;
	json_t *settings = json_object_get(call->body, "settings"); /* borrowed */
	const char *bad = NULL;
	/* A title is required on create and may never be emptied by an update. */
	if (!parley_meeting_rules_string(call->body, "title", creating, PARLEY_MEETING_TITLE_MAX, &title) ||
	    (title != NULL && title[0] == '\0'))
		bad = "title";
	else if (!parley_meeting_rules_string(call->body, "description", false, PARLEY_MEETING_DESCRIPTION_MAX,
	                                      &description))
		bad = "description";
	else if (!parley_meeting_rules_string(call->body, "hostName", false, PARLEY_MEETING_NAME_MAX, &host_name))
		bad = "hostName";
	else if (!parley_meeting_rules_string(call->body, "scheduledAt", false, 64, &scheduled) ||
	         (scheduled != NULL && !parley_meeting_parse_iso8601(scheduled, &scheduled_at)))
		bad = "scheduledAt";
	else if (settings != NULL && !json_is_null(settings) &&
	         parley_meeting_rules_apply_settings(&m->settings, settings,
	                                             call->ctx->cfg.max_participants_limit, &bad) != 0) {
		/* bad names the settings field */
	}
	if (bad != NULL) {
		reply_bad_field(call, bad);
		return false;
	}
	if (title != NULL) {
		g_free(m->title);
		m->title = g_strdup(title);
	}
	if (description != NULL) {
		g_free(m->description);
		m->description = g_strdup(description);
	}
	if (host_name != NULL) {
		g_free(m->host_name);
		m->host_name = g_strdup(host_name);
	}
	if (scheduled != NULL)
		m->scheduled_at = scheduled_at;
	return true;
}

static void on_create(rest_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	const char *host_id;
	if (!parley_meeting_rules_string(call->body, "hostId", true, PARLEY_MEETING_ID_MAX, &host_id)) {
		reply_bad_field(call, "hostId");
		return;
	}
	parley_meeting *m = g_new0(parley_meeting, 1);
	m->host_id = g_strdup(host_id);
	m->description = g_strdup("");
	m->created_at = ctx->now_ms();
	m->status = PARLEY_MEETING_STATUS_WAITING;
	parley_meeting_rules_default_settings(&m->settings, ctx->cfg.default_max_participants);
	if (!apply_fields(call, m, true))
		goto done;
	if (m->host_name == NULL)
		m->host_name = g_strdup(host_id);
	m->expires_at = parley_meeting_expiry(ctx, m);
	int rc = 1;
	for (int attempt = 0; attempt < 5 && rc == 1; attempt++) {
		g_free(m->room_id);
		m->room_id = g_malloc(PARLEY_MEETING_ROOM_ID_LEN + 1);
		parley_meeting_random_id(m->room_id, PARLEY_MEETING_ROOM_ID_LEN);
		rc = parley_meeting_db_insert(ctx->db, m);
	}
	if (rc != 0) {
		reply_error(call, 500, "Could not save the meeting");
		goto done;
	}
	if (ctx->core->log != NULL)
		ctx->core->log(PARLEY_LOG_INFO, PARLEY_MEETING_PACKAGE, "meeting %s created by %s",
		               m->room_id, m->host_id);
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	parley_meeting_outbox_notify_new(ctx, &box, NULL,
	                                 json_pack("{s:s, s:s, s:s, s:s}", "event", "meeting_created", "room",
	                                           m->room_id, "title", m->title, "host", m->host_id));
	parley_meeting_outbox_flush(ctx, &box);
	reply_ok_new(call, 201, "meeting", parley_meeting_to_json(m));
done:
	parley_meeting_free(m);
}

static void on_get(rest_call *call)
{
	parley_meeting *m = load_meeting(call);
	if (m == NULL)
		return;
	json_t *j = parley_meeting_to_json(m); /* new; stolen by the reply */
	json_object_set_new(j, "participantCount",
	                    json_integer(call->ctx->store->ops->count(call->ctx->store, m->room_id,
	                                                              PARLEY_MEETING_JOINED)));
	reply_ok_new(call, 200, "meeting", j);
	parley_meeting_free(m);
}

/* A JSON array of the room's participants with one presence (new reference). */
static json_t *participants_json(parley_meeting_ctx *ctx, const char *room_id, parley_meeting_presence presence)
{
	json_t *array = json_array(); /* new, returned */
	GPtrArray *list = ctx->store->ops->list(ctx->store, room_id, presence);
	for (guint i = 0; i < list->len; i++)
		json_array_append_new(array, parley_meeting_participant_detail_to_json(list->pdata[i]));
	g_ptr_array_unref(list);
	return array;
}

static void on_participants(rest_call *call)
{
	parley_meeting *m = load_meeting(call);
	if (m == NULL)
		return;
	json_t *joined = participants_json(call->ctx, m->room_id, PARLEY_MEETING_JOINED); /* stolen below */
	size_t count = json_array_size(joined);
	reply_ok_new(call, 200, "participants", joined);
	json_object_set_new(call->reply, "count", json_integer((json_int_t)count));
	json_object_set_new(call->reply, "waiting", participants_json(call->ctx, m->room_id, PARLEY_MEETING_WAITING));
	parley_meeting_free(m);
}

static void on_update(rest_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	g_mutex_lock(&ctx->lock);
	parley_meeting *m = load_meeting(call);
	if (m == NULL || !check_host(call, m, "update"))
		goto done;
	if (m->status == PARLEY_MEETING_STATUS_ENDED) {
		reply_error(call, 409, PARLEY_MEETING_ERR_ENDED);
		goto done;
	}
	if (!apply_fields(call, m, false))
		goto done;
	m->expires_at = parley_meeting_expiry(ctx, m);
	if (parley_meeting_db_update(ctx->db, m) != 0)
		reply_error(call, 500, "Could not save the meeting");
	else
		reply_ok_new(call, 200, "meeting", parley_meeting_to_json(m));
done:
	g_mutex_unlock(&ctx->lock);
	parley_meeting_free(m);
}

static void on_end(rest_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	parley_meeting_outbox box;
	parley_meeting_outbox_init(&box);
	g_mutex_lock(&ctx->lock);
	parley_meeting *m = load_meeting(call);
	if (m == NULL || !check_host(call, m, "end"))
		goto done;
	if (m->status == PARLEY_MEETING_STATUS_ENDED)
		reply_error(call, 409, "Meeting already ended");
	else if (parley_meeting_end_locked(ctx, &box, m, "host") != 0)
		reply_error(call, 500, "Could not save the meeting");
	else
		reply_ok_new(call, 200, "meeting", parley_meeting_to_json(m));
done:
	g_mutex_unlock(&ctx->lock);
	parley_meeting_outbox_flush(ctx, &box);
	parley_meeting_free(m);
}

/* The figures an event handler keeps about the meeting ([general]
 * stats_handler, through core->query_handler): its answer to
 * {"request":"room", "plugin", "room"} (new reference), or NULL when no such
 * handler is loaded or it knows nothing of the meeting. */
static json_t *handler_figures(parley_meeting_ctx *ctx, const char *room_id)
{
	if (!PARLEY_PLUGIN_CORE_HAS(ctx->core, query_handler) || ctx->cfg.stats_handler == NULL ||
	    ctx->cfg.stats_handler[0] == '\0')
		return NULL;
	json_t *request = json_pack("{s:s, s:s, s:s}", "request", "room", "plugin", PARLEY_MEETING_PACKAGE, "room", room_id);
	json_t *answer = ctx->core->query_handler(ctx->cfg.stats_handler, request);
	json_decref(request);
	if (answer != NULL && (!json_is_object(answer) || json_object_get(answer, "error") != NULL)) {
		json_decref(answer);
		answer = NULL;
	}
	return answer;
}

static void on_stats(rest_call *call)
{
	parley_meeting_ctx *ctx = call->ctx;
	parley_meeting *m = load_meeting(call);
	parley_meeting_stats stats;
	if (m == NULL)
		return;
	if (parley_meeting_db_get_stats(ctx->db, m->room_id, &stats) != 0) {
		reply_error(call, 500, "Could not read the stats");
	} else {
		unsigned joined = ctx->store->ops->count(ctx->store, m->room_id, PARLEY_MEETING_JOINED);
		unsigned waiting = ctx->store->ops->count(ctx->store, m->room_id, PARLEY_MEETING_WAITING);
		json_t *view = parley_meeting_stats_to_json(m, &stats, joined, waiting, ctx->now_ms());
		json_t *figures = handler_figures(ctx, m->room_id);
		if (figures != NULL)
			json_object_set_new(view, "analytics", figures);
		reply_ok_new(call, 200, "stats", view);
	}
	parley_meeting_free(m);
}

/* A query integer in [min, max] (clamped above), fallback when absent; false when malformed. */
static bool query_int(GHashTable *query, const char *key, long fallback, long min, long max, long *out)
{
	const char *text = query != NULL ? g_hash_table_lookup(query, key) : NULL;
	*out = fallback;
	if (text == NULL || text[0] == '\0')
		return true;
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min)
		return false;
	*out = value > max ? max : value;
	return true;
}

static void on_user_meetings(rest_call *call)
{
	GHashTable *query = NULL;
	const char *raw = call->request->query;
	if (raw != NULL && raw[0] != '\0') {
		query = g_uri_parse_params(raw, -1, "&", G_URI_PARAMS_NONE, NULL);
		if (query == NULL) {
			reply_error(call, 400, "Invalid query string");
			return;
		}
	}
	const char *status_text = query != NULL ? g_hash_table_lookup(query, "status") : NULL;
	int status = status_text != NULL && status_text[0] != '\0' ? parley_meeting_status_parse(status_text) : -1;
	long limit, skip;
	if (status_text != NULL && status_text[0] != '\0' && status < 0)
		reply_bad_field(call, "status");
	else if (!query_int(query, "limit", 20, 1, 100, &limit))
		reply_bad_field(call, "limit");
	else if (!query_int(query, "skip", 0, 0, 1000000, &skip))
		reply_bad_field(call, "skip");
	else if (strlen(call->params[0]) > PARLEY_MEETING_ID_MAX)
		reply_bad_field(call, "userId");
	else {
		int64_t total = 0;
		GPtrArray *list = parley_meeting_db_list_for_user(call->ctx->db, call->params[0], status,
		                                                  (int)limit, (int)skip, &total);
		json_t *meetings = json_array(); /* new; stolen by the reply */
		for (guint i = 0; i < list->len; i++)
			json_array_append_new(meetings, parley_meeting_to_json(list->pdata[i]));
		g_ptr_array_unref(list);
		reply_ok_new(call, 200, "meetings", meetings);
		json_object_set_new(call->reply, "total", json_integer(total));
		json_object_set_new(call->reply, "limit", json_integer(limit));
		json_object_set_new(call->reply, "skip", json_integer(skip));
	}
	if (query != NULL)
		g_hash_table_unref(query);
}

/* GET /api/meetings/:roomId/chat?limit=&before=: the meeting's kept chat,
 * oldest first, the newest `limit` (1..100, default 50) before the id
 * `before`. */
static void on_chat(rest_call *call)
{
	parley_meeting *m = load_meeting(call);
	if (m == NULL)
		return;
	GHashTable *query = NULL;
	const char *raw = call->request->query;
	if (raw != NULL && raw[0] != '\0' && (query = g_uri_parse_params(raw, -1, "&", G_URI_PARAMS_NONE, NULL)) == NULL) {
		reply_error(call, 400, "Invalid query string");
	} else {
		long limit, before;
		if (!query_int(query, "limit", 50, 1, 100, &limit)) {
			reply_bad_field(call, "limit");
		} else if (!query_int(query, "before", 0, 1, G_MAXLONG, &before)) {
			reply_bad_field(call, "before");
		} else {
			json_t *page = parley_meeting_chat_page(call->ctx, m->room_id, before, (unsigned)limit); /* new */
			if (page == NULL) {
				reply_error(call, 500, "Could not read the chat");
			} else {
				json_decref(call->reply);
				call->status = 200;
				call->reply = page;
				json_object_set_new(call->reply, "success", json_true());
			}
		}
	}
	if (query != NULL)
		g_hash_table_unref(query);
	parley_meeting_free(m);
}

/* Order matters: the literal "user" route is tried before ":roomId". */
static const rest_route routes[] = {
	{ "POST", "/api/meetings/create", true, on_create },
	{ "GET", "/api/meetings/user/:userId", false, on_user_meetings },
	{ "GET", "/api/meetings/:roomId", false, on_get },
	{ "PUT", "/api/meetings/:roomId", true, on_update },
	{ "GET", "/api/meetings/:roomId/participants", false, on_participants },
	{ "POST", "/api/meetings/:roomId/end", true, on_end },
	{ "GET", "/api/meetings/:roomId/stats", false, on_stats },
	{ "GET", "/api/meetings/:roomId/chat", false, on_chat },
};

/* Splits a path into non-empty segments (new strv). */
static char **split_path(const char *path)
{
	char **parts = g_strsplit(path, "/", MAX_SEGMENTS + 2);
	GPtrArray *segments = g_ptr_array_new();
	for (char **p = parts; *p != NULL; p++)
		if ((*p)[0] != '\0')
			g_ptr_array_add(segments, g_strdup(*p));
	g_strfreev(parts);
	g_ptr_array_add(segments, NULL);
	return (char **)g_ptr_array_free(segments, FALSE);
}

/* True when `path` segments fit `pattern`; fills the decoded params. */
static bool route_matches(const rest_route *route, char **path, char *params[MAX_PARAMS])
{
	char **pattern = split_path(route->pattern);
	bool ok = g_strv_length(pattern) == g_strv_length(path);
	int n = 0;
	for (int i = 0; ok && pattern[i] != NULL; i++) {
		if (pattern[i][0] == ':') {
			char *value = g_uri_unescape_string(path[i], "/");
			ok = value != NULL && value[0] != '\0' && n < MAX_PARAMS;
			if (ok)
				params[n++] = value;
			else
				g_free(value);
		} else {
			ok = strcmp(pattern[i], path[i]) == 0;
		}
	}
	g_strfreev(pattern);
	if (!ok)
		for (int i = 0; i < n; i++) {
			g_free(params[i]);
			params[i] = NULL;
		}
	return ok;
}

/* Reads the body as a JSON object; false after a 400. */
static bool parse_body(rest_call *call)
{
	const parley_http_request *r = call->request;
	json_error_t error;
	if (r->body == NULL || r->body_length == 0) {
		reply_error(call, 400, "Request body must be a JSON object");
		return false;
	}
	call->body = json_loadb(r->body, r->body_length, JSON_REJECT_DUPLICATES, &error); /* owned by call */
	if (!json_is_object(call->body)) {
		reply_error(call, 400, "Request body must be a JSON object");
		return false;
	}
	return true;
}

static void dispatch(rest_call *call)
{
	const parley_http_request *r = call->request;
	parley_meeting_ctx *ctx = call->ctx;
	if (!parley_meeting_ratelimit_allow(ctx->ratelimit, r->remote_ip, ctx->now_ms())) {
		reply_error(call, 429, "Too many requests, please try again later");
		return;
	}
	if (r->body_length > ctx->cfg.max_body_size) {
		reply_error(call, 413, "Request body too large");
		return;
	}
	if (r->method == NULL || r->path == NULL) {
		reply_error(call, 400, "Invalid request");
		return;
	}
	char **path = split_path(r->path);
	const rest_route *found = NULL;
	bool path_known = false;
	for (size_t i = 0; i < G_N_ELEMENTS(routes) && found == NULL; i++) {
		if (!route_matches(&routes[i], path, call->params))
			continue;
		if (strcmp(routes[i].method, r->method) == 0) {
			found = &routes[i];
		} else {
			path_known = true;
			for (int k = 0; k < MAX_PARAMS; k++) {
				g_free(call->params[k]);
				call->params[k] = NULL;
			}
		}
	}
	g_strfreev(path);
	if (found == NULL && path_known && strcmp(r->method, "OPTIONS") == 0) {
		call->status = 204;
		return;
	}
	if (found == NULL) {
		reply_error(call, path_known ? 405 : 404, path_known ? "Method not allowed" : "Route not found");
		return;
	}
	if (found->needs_body && !parse_body(call))
		return;
	found->handler(call);
}

int parley_meeting_rest_handle(parley_meeting_ctx *ctx, const parley_http_request *request,
                               parley_http_response *response)
{
	rest_call call = { .ctx = ctx, .request = request, .status = 500 };
	dispatch(&call);
	if (call.reply == NULL && call.status != 204)
		reply_error(&call, 500, "Internal error");
	response->status = call.status;
	response->content_type = "application/json";
	response->body = NULL;
	response->body_length = 0;
	if (call.reply != NULL) {
		char *text = json_dumps(call.reply, JSON_COMPACT); /* malloc'ed, copied below */
		response->body = g_strdup(text != NULL ? text : "{}");
		response->body_length = strlen(response->body);
		free(text);
	}
	json_decref(call.reply);
	json_decref(call.body);
	for (int i = 0; i < MAX_PARAMS; i++)
		g_free(call.params[i]);
	return 0;
}
