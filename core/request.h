/*
 * request.h — one JSON API request being answered (request.c), shared by
 * the client API (api.c) and the admin API (admin.c): the envelope, how a
 * verb handler records an error, the error reply, and the dispatch by a
 * verb table (envelope rules, verb lookup, path, authorization, the verb's
 * rules, then the session and handle the verb needs).
 */
#ifndef PARLEY_REQUEST_H
#define PARLEY_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>
#include "session.h"
#include "validate.h"

typedef struct parley_request {
	parley_conn *conn;
	void *ctx;                /* the transport's request_ctx */
	json_t *message;          /* borrowed */
	const char *transaction;  /* in message */
	const char *verb;         /* in message ("janus") */
	uint64_t session_id, handle_id;
	parley_session *session;  /* a reference, when the verb needs one */
	parley_handle *handle;    /* a reference, when the verb needs one */
	int error;                /* 0, or the code a handler recorded */
	char reason[256];
} parley_request;

/* Records an error (`format` NULL = the code's default reason) and returns
 * NULL, so a handler can `return parley_request_fail(...)`. */
json_t *parley_request_fail(parley_request *req, int code, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
/* Records an error whose reason is already in req->reason; returns NULL. */
json_t *parley_request_keep_reason(parley_request *req, int code);

/* {"janus":"error","session_id"?,"transaction","error":{"code","reason"}}
 * (new reference); `reason` NULL = the code's default reason. Counts the
 * error for /metrics. */
json_t *parley_request_error_reply(uint64_t session_id, const char *transaction, int code, const char *reason);
/* Prometheus lines for the error answers by code. */
void parley_request_append_error_metrics(GString *out);

/* Where a verb may be sent: one rule for session_id, one for handle_id.
 * A handle is looked up in the verb's session, so a verb that requires a
 * handle requires a session too. */
typedef enum parley_path_rule {
	PARLEY_PATH_ABSENT,   /* must not be given */
	PARLEY_PATH_OPTIONAL, /* ignored when given */
	PARLEY_PATH_REQUIRED, /* must be given and exist; the request then holds it */
} parley_path_rule;

typedef struct parley_request_verb {
	const char *name;
	parley_path_rule session;
	parley_path_rule handle;
	bool needs_auth;
	const parley_rule *rules;  /* checked after the envelope's, or NULL */
	/* A reply (new reference), or NULL with req->error set, or NULL with
	 * no error when the answer is sent later by someone else. */
	json_t *(*handler)(parley_request *req);
} parley_request_verb;

/* One JSON API: its envelope and verbs and how strictly it reads them. */
typedef struct parley_request_api {
	const parley_rule *envelope;
	const parley_request_verb *verbs;
	unsigned verb_count;
	/* 0 when the request may run a verb that needs_auth. */
	int (*authorize)(json_t *message);
	/* The ids must fit the verb's path before anything else is checked
	 * (457); otherwise a missing required id is 456 and extra ids are
	 * ignored. */
	bool strict_path;
	bool touch_session;        /* a found session counts as active */
	gint *counts;              /* verb_count + 1 counters (the last: unknown verbs), or NULL */
} parley_request_api;

/* Validates, authorizes and finds what the verb needs; then runs it.
 * Returns what the handler returned, or NULL with req->error set. */
json_t *parley_request_dispatch(const parley_request_api *api, parley_request *req);

/* Sends `reply` (taken; NULL sends nothing) through the request's
 * connection and drops the session and handle the request held. */
void parley_request_finish(parley_request *req, bool admin, json_t *reply);

#endif
