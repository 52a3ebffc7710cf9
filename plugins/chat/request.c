/*
 * plugins/chat/request.c — one request, whatever path it came by: the
 * envelope (its name in "textroom" over a data channel, in "request" over
 * the Janus API; a data channel request's mandatory "transaction"), the
 * lookup in the request tables, the declarative member checks, the run
 * under ctx->lock, and the answer: TextRoom's {"textroom": "success", ...}
 * or {"textroom": "error", "error_code", "error"}, with the transaction
 * over a data channel.
 *
 * Also the helpers every request file shares: the room a request names,
 * its secret, the requester's participant.
 */
#include <string.h>

#include "chat.h"

static const struct {
	const parley_chat_request_def *defs;
	const size_t *count;
} request_tables[] = {
	{parley_chat_room_requests, &parley_chat_room_requests_count},
	{parley_chat_member_requests, &parley_chat_member_requests_count},
	{parley_chat_moderation_requests, &parley_chat_moderation_requests_count},
};

static const char *const path_names[] = {
	[PARLEY_CHAT_VIA_DATA] = "a data channel",
	[PARLEY_CHAT_VIA_API] = "the Janus API",
	[PARLEY_CHAT_VIA_ADMIN] = "the admin API",
};

static const parley_chat_request_def *find_request(const char *name)
{
	for (size_t t = 0; t < G_N_ELEMENTS(request_tables); t++)
		for (size_t i = 0; i < *request_tables[t].count; i++)
			if (g_ascii_strcasecmp(request_tables[t].defs[i].name, name) == 0)
				return &request_tables[t].defs[i];
	return NULL;
}

json_t *parley_chat_error_reply(int code, const char *reason)
{
	return json_pack("{s:s, s:i, s:s}", "textroom", "error", "error_code", code, "error", reason);
}

json_t *parley_chat_success(void)
{
	return json_pack("{s:s}", "textroom", "success");
}

bool parley_chat_secret_equal(const char *expected, const char *given)
{
	size_t n = strlen(expected), m = strlen(given);
	unsigned char diff = n != m;
	for (size_t i = 0; i < m; i++)
		diff |= (unsigned char)(given[i] ^ expected[i % (n > 0 ? n : 1)]);
	return diff == 0;
}

parley_chat_room *parley_chat_request_room(parley_chat_request *req)
{
	json_t *id = json_object_get(req->body, "room");
	if (!json_is_integer(id) || json_integer_value(id) <= 0) {
		parley_plugin_error_set(&req->error, id == NULL ? PARLEY_CHAT_ERROR_MISSING_ELEMENT
		                                                : PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                        id == NULL ? "Missing mandatory element (room)"
		                                   : "Invalid element type (room should be a positive integer)");
		return NULL;
	}
	parley_chat_room *room = parley_chat_room_find(req->ctx, (guint64)json_integer_value(id));
	if (room == NULL)
		parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_NO_SUCH_ROOM, "No such room (%" JSON_INTEGER_FORMAT ")",
		                        json_integer_value(id));
	return room;
}

int parley_chat_request_check(parley_chat_request *req, const char *expected, const char *member)
{
	if (expected == NULL)
		return 0;
	json_t *given = json_object_get(req->body, member);
	if (given == NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_MISSING_ELEMENT,
		                               "Missing mandatory element (%s)", member);
	if (!json_is_string(given))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "Invalid element type (%s should be a string)", member);
	if (!parley_chat_secret_equal(expected, json_string_value(given)))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_UNAUTHORIZED, "Unauthorized (wrong %s)", member);
	return 0;
}

int parley_chat_request_secret(parley_chat_request *req, parley_chat_room *room)
{
	if (req->via == PARLEY_CHAT_VIA_ADMIN)
		return 0;
	return parley_chat_request_check(req, room->secret, "secret");
}

/* create and list: the plugin's admin_key, when configured. */
int parley_chat_request_admin_key(parley_chat_request *req)
{
	if (req->via == PARLEY_CHAT_VIA_ADMIN)
		return 0;
	return parley_chat_request_check(req, req->ctx->cfg.admin_key, "admin_key");
}

parley_chat_participant *parley_chat_request_member(parley_chat_request *req, parley_chat_room *room)
{
	parley_chat_participant *p = parley_chat_participant_of(req->handle, room);
	if (p == NULL)
		parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_NOT_IN_ROOM, "Not in room %s", room->key);
	return p;
}

/* The name of the request in `body`, or NULL with the refusal set. */
static const char *request_name(parley_chat_request *req)
{
	const char *first = req->via == PARLEY_CHAT_VIA_DATA ? "textroom" : "request";
	const char *second = req->via == PARLEY_CHAT_VIA_DATA ? "request" : "textroom";
	const char *member = json_object_get(req->body, first) != NULL ? first : second;
	json_t *name = json_object_get(req->body, member);
	if (name == NULL)
		parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_MISSING_ELEMENT, "Missing mandatory element (%s)", first);
	else if (!json_is_string(name))
		parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                        "Invalid element type (%s should be a string)", member);
	return json_string_value(name);
}

/* Everything before the run: 0 and *def, or the refusal. */
static int check_envelope(parley_chat_request *req, const parley_chat_request_def **def)
{
	if (!json_is_object(req->body))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_JSON, "JSON error: not an object");
	json_t *transaction = json_object_get(req->body, "transaction");
	if (req->via == PARLEY_CHAT_VIA_DATA && json_is_string(transaction))
		req->transaction = json_string_value(transaction); /* answered with it, even when refused */
	req->name = request_name(req);
	if (req->name == NULL)
		return req->error.code;
	if (req->via == PARLEY_CHAT_VIA_DATA) {
		if (transaction == NULL)
			return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_MISSING_ELEMENT,
			                               "Missing mandatory element (transaction)");
		if (!json_is_string(transaction))
			return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
			                               "Invalid element type (transaction should be a string)");
	}
	*def = find_request(req->name);
	if (*def == NULL)
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_REQUEST, "Unknown request '%s'",
		                               req->name);
	if (!((*def)->paths & (1u << req->via)))
		return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_INVALID_REQUEST,
		                               "Request '%s' is not available over %s", req->name, path_names[req->via]);
	return parley_chat_params_check(&req->ctx->cfg, req->body, (*def)->params, (*def)->n_params, &req->error);
}

/* The run, under the lock: 0 or the refusal. */
static int run_locked(parley_chat_request *req, parley_plugin_session *session, const parley_chat_request_def *def)
{
	if (session != NULL) {
		req->handle = g_hash_table_lookup(req->ctx->handles, session);
		if (req->handle == NULL)
			return parley_plugin_error_set(&req->error, PARLEY_CHAT_ERROR_UNKNOWN,
			                               "No session associated with this handle");
		req->handle->requests++;
		if (req->via == PARLEY_CHAT_VIA_DATA)
			req->box.loop_handle = req->handle; /* incoming_data runs on its loop */
	}
	return def->run(req);
}

json_t *parley_chat_request_run(parley_chat_ctx *ctx, parley_plugin_session *session, parley_chat_via via,
                                const char *label, const char *transaction, json_t *body)
{
	parley_chat_request req = {
		.ctx = ctx, .via = via, .label = label, .transaction = transaction, .body = body,
		.now_ms = ctx->now_ms(),
	};
	parley_chat_outbox_init(&req.box);
	const parley_chat_request_def *def = NULL;
	int code = check_envelope(&req, &def);
	g_mutex_lock(&ctx->lock);
	if (code == 0)
		code = run_locked(&req, session, def);
	if (code != 0) {
		ctx->refused++;
		json_decref(req.reply);
		req.reply = parley_chat_error_reply(code, req.error.reason);
		req.silent = false;
	} else if (req.reply == NULL) {
		req.reply = parley_chat_success();
	}
	if (via == PARLEY_CHAT_VIA_DATA && !req.silent) {
		if (req.transaction != NULL)
			json_object_set_new(req.reply, "transaction", json_string(req.transaction));
		parley_chat_handle *handle = req.handle != NULL ? req.handle : g_hash_table_lookup(ctx->handles, session);
		parley_chat_outbox_send(ctx, &req.box, handle, PARLEY_CHAT_VIA_DATA, label, NULL, req.reply);
	}
	g_mutex_unlock(&ctx->lock);
	if (code != 0)
		ctx->core->log(PARLEY_LOG_VERB, PARLEY_CHAT_PACKAGE, "%s refused (%d): %s",
		               req.name != NULL ? req.name : "a request", code, req.error.reason);
	parley_chat_outbox_flush(ctx, &req.box);
	parley_chat_outbox_clear(&req.box);
	if (via == PARLEY_CHAT_VIA_DATA) {
		json_decref(req.reply);
		return NULL;
	}
	return req.reply;
}

/* Answers a data channel message that is not a request (refused before
 * any run) on its channel. */
static void refuse_data(parley_chat_ctx *ctx, parley_plugin_session *session, const char *label, int code,
                        const char *reason)
{
	parley_chat_outbox box;
	parley_chat_outbox_init(&box);
	json_t *reply = parley_chat_error_reply(code, reason);
	g_mutex_lock(&ctx->lock);
	ctx->refused++;
	box.loop_handle = g_hash_table_lookup(ctx->handles, session);
	parley_chat_outbox_send(ctx, &box, g_hash_table_lookup(ctx->handles, session), PARLEY_CHAT_VIA_DATA, label, NULL,
	                        reply);
	g_mutex_unlock(&ctx->lock);
	json_decref(reply);
	parley_chat_outbox_flush(ctx, &box);
	parley_chat_outbox_clear(&box);
}

void parley_chat_request_data(parley_chat_ctx *ctx, parley_plugin_session *session, const char *label,
                              const char *text, size_t size, bool binary)
{
	if (binary) {
		refuse_data(ctx, session, label, PARLEY_CHAT_ERROR_INVALID_JSON,
		            "Binary messages are not requests: send JSON as text");
		return;
	}
	if (size == 0) {
		refuse_data(ctx, session, label, PARLEY_CHAT_ERROR_NO_MESSAGE, "No message");
		return;
	}
	if (size > ctx->cfg.max_request) {
		char reason[160];
		snprintf(reason, sizeof(reason), "The request is %zu bytes, more than the %zu allowed ([limits] max_request_size)",
		         size, ctx->cfg.max_request);
		refuse_data(ctx, session, label, PARLEY_CHAT_ERROR_TOO_LARGE, reason);
		return;
	}
	json_error_t parse_error;
	json_t *body = json_loadb(text, size, JSON_REJECT_DUPLICATES, &parse_error); /* new, dropped below */
	if (body == NULL) {
		char reason[256];
		snprintf(reason, sizeof(reason), "JSON error: on line %d: %s", parse_error.line, parse_error.text);
		refuse_data(ctx, session, label, PARLEY_CHAT_ERROR_INVALID_JSON, reason);
		return;
	}
	json_t *reply = parley_chat_request_run(ctx, session, PARLEY_CHAT_VIA_DATA, label, NULL, body);
	json_decref(reply);
	json_decref(body);
}
