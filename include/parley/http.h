/*
 * parley/http.h — the plain-HTTP request and response a transport hands to
 * the core for routes the core or a plugin serves (plugin REST routes such as
 * /api/meetings/..., /health, /metrics, /api/server-info).
 *
 * Ownership: the request and everything it points to belong to the caller
 * (the transport) and are valid only for the call. The callee fills the
 * response; `body` is allocated with g_malloc by the callee and freed with
 * g_free by the caller. `content_type` points to a static string.
 *
 * Versioning: parley_http_request and parley_http_response are frozen (they
 * carry no size, and modules built against them allocate them on their
 * stack). What a route needs beyond them comes in parley_http_call, which
 * starts with its struct_size and only ever grows by appending fields: a
 * reader checks a field with PARLEY_HTTP_CALL_HAS before it reads it, and a
 * module built before the field existed never sees it. A new field that a
 * reader cannot do without means a new struct, never a changed one.
 */
#ifndef PARLEY_HTTP_H
#define PARLEY_HTTP_H

#include <stddef.h>
#include <stdint.h>

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

/* ---- Route calls (appended; see "Versioning" above) -----------------------
 *
 * One plain-HTTP request to a route that needs more than the two structs
 * above: request headers (Content-Type, If-Match), response headers
 * (Location, ETag, Link, ...) and an answer given later from another
 * thread. A transport makes it (the transport table's handle_http_call),
 * the core routes it, and a plugin with handle_http_call answers it.
 *
 * Ownership and lifetime: the call and everything it points to belong to
 * the transport. The callee either answers before it returns (return 0:
 * `response` and `headers` filled), or returns PARLEY_HTTP_LATER and
 * answers later, from any thread, by filling `response` and `headers` and
 * calling call->finish(call) exactly once; until then every string of the
 * call stays valid (the transport keeps its own copies, also when the client
 * went away meanwhile), and after finish the callee must not touch the call.
 * `response.body` and `headers` are g_malloc'd by the callee and g_free'd
 * by the transport; `response.content_type` points to a static string.
 *
 * `headers` are extra response header lines, each "Name: value\r\n" (e.g.
 * "Location: /whip/room/abc\r\nETag: \"x1\"\r\n"); a name may repeat (several
 * Link lines). The transport writes them after its own; names it sets
 * itself (Content-Type, Content-Length, Connection, the CORS and security
 * headers) and lines with control characters are dropped. */
#define PARLEY_HTTP_LATER 1

typedef struct parley_http_call parley_http_call;
struct parley_http_call {
	uint32_t struct_size;          /* sizeof(parley_http_call) of the transport that made it */
	parley_http_request request;   /* as for a plain route */
	const char *content_type;      /* the request's Content-Type, or NULL */
	const char *if_match;          /* the request's If-Match, or NULL */
	parley_http_response response; /* the answer */
	char *headers;                 /* extra response header lines, or NULL */
	/* Set by the transport: the answer is complete (see above). */
	void (*finish)(parley_http_call *call);
	void *transport_data;          /* the transport's */
};

/* True when `call` (made by a transport of any version) has `field`. */
#define PARLEY_HTTP_CALL_HAS(call, field)                                                          \
	((call)->struct_size >= offsetof(parley_http_call, field) + sizeof((call)->field))

#ifdef __cplusplus
}
#endif
#endif
