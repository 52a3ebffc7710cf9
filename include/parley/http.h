/*
 * parley/http.h — the plain-HTTP request and response a transport hands to
 * the core for routes the core or a plugin serves (plugin REST routes such as
 * /api/meetings/..., /health, /metrics, /api/server-info).
 *
 * Ownership: the request and everything it points to belong to the caller
 * (the transport) and are valid only for the call. The callee fills the
 * response; `body` is allocated with g_malloc by the callee and freed with
 * g_free by the caller. `content_type` points to a static string.
 */
#ifndef PARLEY_HTTP_H
#define PARLEY_HTTP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parley_http_request {
	const char *method;      /* "GET", "POST", "PUT", "DELETE", ... */
	const char *path;        /* path without the query, e.g. "/api/meetings/abc" */
	const char *query;       /* raw query string without '?', or NULL */
	const char *body;        /* request body (not NUL-terminated necessarily), or NULL */
	size_t body_length;
	const char *remote_ip;   /* peer address as text */
	const char *origin;      /* Origin header, or NULL */
	const char *authorization; /* Authorization header, or NULL */
} parley_http_request;

typedef struct parley_http_response {
	int status;               /* HTTP status code */
	const char *content_type; /* static string, e.g. "application/json" */
	char *body;               /* g_malloc'ed by the callee, g_free'd by the caller */
	size_t body_length;
} parley_http_response;

#ifdef __cplusplus
}
#endif
#endif
