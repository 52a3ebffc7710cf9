/*
 * request.c — one JSON API request being answered, for the client and the
 * admin API alike: recording an error, the error reply and its count per
 * code for /metrics, the dispatch by an API's verb table, and sending the
 * answer. What differs between the two APIs is data (parley_request_api).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "request.h"
#include "errors.h"
#include "log.h"

/* Error answers per code: 403..499 → index code - 400. */
static gint error_counts[100];

json_t *parley_request_fail(parley_request *req, int code, const char *format, ...)
{
	req->error = code;
	if (format) {
		va_list args;
		va_start(args, format);
		vsnprintf(req->reason, sizeof(req->reason), format, args);
		va_end(args);
	} else {
		snprintf(req->reason, sizeof(req->reason), "%s", parley_error_reason(code));
	}
	return NULL;
}

json_t *parley_request_keep_reason(parley_request *req, int code)
{
	req->error = code;
	return NULL;
}

json_t *parley_request_error_reply(uint64_t session_id, const char *transaction, int code, const char *reason)
{
	if (code >= 400 && code < 500)
		g_atomic_int_inc(&error_counts[code - 400]);
	json_t *reply = json_pack("{ss}", "janus", "error");
	if (session_id)
		json_object_set_new(reply, "session_id", json_integer((json_int_t)session_id));
	json_object_set_new(reply, "transaction", transaction ? json_string(transaction) : json_null());
	/* A reason may quote the client's bytes (a JSON parser's "near '...'"):
	 * keep it valid UTF-8, or Jansson would drop the whole error object. */
	char *valid = g_utf8_make_valid(reason ? reason : parley_error_reason(code), -1);
	json_object_set_new(reply, "error", json_pack("{siss}", "code", code, "reason", valid));
	g_free(valid);
	return reply;
}

void parley_request_append_error_metrics(GString *out)
{
	g_string_append(out, "# HELP parley_errors_total Error answers by code.\n"
	                     "# TYPE parley_errors_total counter\n");
	for (int code = 0; code < 100; code++) {
		int n = g_atomic_int_get(&error_counts[code]);
		if (n)
			g_string_append_printf(out, "parley_errors_total{code=\"%d\"} %d\n", 400 + code, n);
	}
}

/* ---- dispatch ------------------------------------------------------------------ */

/* The verb's entry and its counter slot (the last one for unknown verbs). */
static const parley_request_verb *find_verb(const parley_request_api *api, const char *name, unsigned *slot)
{
	for (unsigned i = 0; i < api->verb_count; i++)
		if (strcmp(api->verbs[i].name, name) == 0) {
			*slot = i;
			return &api->verbs[i];
		}
	*slot = api->verb_count;
	return NULL;
}

static bool path_ok(parley_path_rule rule, uint64_t id)
{
	return rule == PARLEY_PATH_OPTIONAL || (rule == PARLEY_PATH_ABSENT) == (id == 0);
}

/* Takes the session and handle the verb needs into the request: true, or
 * false with the error recorded on it. */
static bool find_path(const parley_request_api *api, const parley_request_verb *verb, parley_request *req)
{
	if (verb->session == PARLEY_PATH_REQUIRED) {
		if (!req->session_id) {
			parley_request_fail(req, PARLEY_ERROR_MISSING_MANDATORY_ELEMENT,
			                    "Missing mandatory element (session_id)");
			return false;
		}
		req->session = parley_session_find(req->session_id);
		if (!req->session) {
			parley_request_fail(req, PARLEY_ERROR_SESSION_NOT_FOUND, "No such session %" G_GUINT64_FORMAT,
			                    req->session_id);
			return false;
		}
		if (api->touch_session)
			parley_session_touch(req->session);
	}
	if (verb->handle == PARLEY_PATH_REQUIRED) {
		if (!req->handle_id) {
			parley_request_fail(req, PARLEY_ERROR_MISSING_MANDATORY_ELEMENT,
			                    "Missing mandatory element (handle_id)");
			return false;
		}
		req->handle = parley_handle_find(req->session, req->handle_id);
		if (!req->handle) {
			parley_request_fail(req, PARLEY_ERROR_HANDLE_NOT_FOUND, "No such handle %" G_GUINT64_FORMAT
			                    " in session %" G_GUINT64_FORMAT, req->handle_id, req->session_id);
			return false;
		}
	}
	return true;
}

static json_t *dispatch(const parley_request_api *api, parley_request *req);

/* The request's session and handle name the log lines written meanwhile. */
json_t *parley_request_dispatch(const parley_request_api *api, parley_request *req)
{
	parley_log_context saved = parley_log_context_save();
	json_t *reply = dispatch(api, req);
	parley_log_context_restore(&saved);
	return reply;
}

static json_t *dispatch(const parley_request_api *api, parley_request *req)
{
	int code = parley_validate(req->message, api->envelope, req->reason, sizeof(req->reason));
	req->transaction = json_string_value(json_object_get(req->message, "transaction"));
	if (code)
		return parley_request_keep_reason(req, code);
	req->verb = json_string_value(json_object_get(req->message, "janus"));
	req->session_id = (uint64_t)json_integer_value(json_object_get(req->message, "session_id"));
	req->handle_id = (uint64_t)json_integer_value(json_object_get(req->message, "handle_id"));
	parley_log_context_set(req->session_id, req->handle_id);

	unsigned slot;
	const parley_request_verb *verb = find_verb(api, req->verb, &slot);
	if (api->counts)
		g_atomic_int_inc(&api->counts[slot]);
	if (!verb)
		return parley_request_fail(req, PARLEY_ERROR_UNKNOWN_REQUEST, "Unknown request '%s'", req->verb);
	if (api->strict_path &&
	    (!path_ok(verb->session, req->session_id) || !path_ok(verb->handle, req->handle_id) ||
	     (req->handle_id && !req->session_id)))
		return parley_request_fail(req, PARLEY_ERROR_INVALID_REQUEST_PATH,
		                           "Unhandled request '%s' at this path",
		                           req->verb);
	if (verb->needs_auth && api->authorize(req->message))
		return parley_request_fail(req, PARLEY_ERROR_UNAUTHORIZED, NULL);
	if (verb->rules && (code = parley_validate(req->message, verb->rules, req->reason, sizeof(req->reason))))
		return parley_request_keep_reason(req, code);
	if (!find_path(api, verb, req))
		return NULL;
	return verb->handler(req);
}

void parley_request_finish(parley_request *req, bool admin, json_t *reply)
{
	if (reply) {
		parley_conn_send(req->conn, req->ctx, admin, reply);
		json_decref(reply);
	}
	parley_handle_unref(req->handle);
	parley_session_unref(req->session);
	req->handle = NULL;
	req->session = NULL;
}
