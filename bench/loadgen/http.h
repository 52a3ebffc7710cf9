/*
 * http.h — a minimal HTTP/1.1 client for parley-loadgen's WHIP/WHEP
 * driver: one request per connection ("Connection: close"), asynchronous
 * on the thread-default GMainContext (GIO), bounded by a timeout; the
 * answer's status, the headers WHIP and WHEP need (Location, ETag,
 * Content-Type) and its body. Plain http:// only.
 *
 * Ownership: strings passed in are copied; the response handed to `done`
 * is valid for the call only.
 */
#ifndef PARLEY_LOADGEN_HTTP_H
#define PARLEY_LOADGEN_HTTP_H

#include <stddef.h>
#include <glib.h>

#define LOADGEN_HTTP_MAX_RESPONSE (1u << 20)

typedef struct loadgen_http_response {
	int status;
	const char *location;     /* or NULL */
	const char *etag;         /* or NULL */
	const char *content_type; /* or NULL */
	const char *body;         /* NUL-terminated */
	size_t body_length;
} loadgen_http_response;

/* `response` NULL with `error` when the request failed (connection, timeout,
 * unreadable answer). Called once, on the loop. */
typedef void (*loadgen_http_done_fn)(void *user_data, const loadgen_http_response *response, const char *error);

typedef struct loadgen_http_request {
	const char *method;        /* "POST", "PATCH", "DELETE" */
	const char *url;           /* http://host:port/path */
	const char *content_type;  /* or NULL */
	const char *if_match;      /* or NULL */
	const char *token;         /* Bearer token or NULL */
	const char *body;          /* or NULL */
	size_t body_length;
	unsigned timeout_ms;
} loadgen_http_request;

/* Starts the request; 0, or -1 when the URL is not http://host[:port]/... */
int loadgen_http_send(const loadgen_http_request *request, loadgen_http_done_fn done, void *user_data);
/* The absolute URL of `location` (an absolute path or URL) against `base`
 * (g_malloc'd). */
char *loadgen_http_resolve(const char *base, const char *location);

#endif
