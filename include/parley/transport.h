/*
 * parley/transport.h — the transport ABI: a module that carries the
 * Janus-compatible JSON API (and plain-HTTP routes) between clients and the
 * core.
 *
 * A transport exports PARLEY_TRANSPORT_ENTRY returning its `const
 * parley_transport` vtable, and reaches the core only through the
 * `parley_transport_core` table handed to init. Ownership and threading:
 * see parley/common.h. In addition:
 *  - A `parley_conn` is one client connection as the core sees it (a
 *    WebSocket, or for HTTP a per-session mailbox). The transport creates it
 *    with conn_new (refcount 1, owned by the transport), tells the core with
 *    conn_closed when the client went away, and drops its reference with
 *    conn_unref. `free_data` runs when the last reference goes.
 *  - incoming_request borrows `message`. The core answers every request
 *    exactly once through send_message with the same `request_ctx`
 *    (possibly later, from another thread); events carry request_ctx NULL.
 *    The transport keeps request_ctx valid until that answer arrives.
 *  - send_message borrows `message` and may be called from any thread.
 *
 * Versioning as in parley/plugin.h: fields are only appended, and the core
 * reads an appended one only when struct_size covers it.
 */
#ifndef PARLEY_TRANSPORT_H
#define PARLEY_TRANSPORT_H

#include <parley/common.h>
#include <parley/http.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_TRANSPORT_API_VERSION 1
#define PARLEY_TRANSPORT_ENTRY "parley_transport_entry"

typedef struct parley_conn parley_conn;
typedef struct parley_transport parley_transport;

typedef struct parley_transport_core {
	uint32_t api_version;
	uint32_t struct_size;

	parley_conn *(*conn_new)(const parley_transport *transport, void *transport_data,
	                         void (*free_data)(void *transport_data));
	void *(*conn_data)(parley_conn *conn);
	void (*conn_ref)(parley_conn *conn);
	void (*conn_unref)(parley_conn *conn);
	/* The client is gone: its sessions end (or wait reclaim_session_timeout). */
	void (*conn_closed)(parley_conn *conn);

	/* One parsed request (borrowed). `admin` selects the admin API. */
	void (*incoming_request)(parley_conn *conn, void *request_ctx, bool admin, json_t *message);
	/* An error answer in the API's shape (new reference), for requests the
	 * transport rejects itself (454 bad JSON, 457 bad path, 403 ...). */
	json_t *(*error_reply)(uint64_t session_id, const char *transaction, int code, const char *reason);
	/* A long-poll or other sign of life for a session: 0, or 458. */
	int (*session_touch)(uint64_t session_id);

	/* Plain-HTTP routes served by the core (/health, /metrics,
	 * /api/server-info) and by plugins (their http_prefix). 0 when
	 * answered, -1 when no route matches. */
	int (*handle_http)(const parley_http_request *request, parley_http_response *response);

	void (*notify_event)(const parley_transport *transport, parley_conn *conn, json_t *event);
	bool (*events_enabled)(void);

	const char *(*config_get)(const char *package, const char *section, const char *key);
	const char *(*state_dir)(void);
	void (*log)(parley_log_level level, const char *module, const char *format, ...)
		__attribute__((format(printf, 3, 4)));

	/* Appended: whether a plugin of that package (or alias) is loaded.
	 * Plugins are loaded before transports, so init may ask. */
	bool (*plugin_loaded)(const char *package_or_alias);

	/* Appended: a plain-HTTP request as a route call (parley/http.h, "Route
	 * calls"): the routes of handle_http, plus request and response headers
	 * and answers that come later. 0 when answered (`call->response` and
	 * `call->headers` filled), PARLEY_HTTP_LATER when the answer comes
	 * through call->finish (from any thread; the transport keeps the call
	 * until then), -1 when no route matches. An OPTIONS request reaches
	 * only routes that take calls (-1 otherwise: the transport answers the
	 * CORS preflight itself). Check with struct_size: an older core has
	 * only handle_http. */
	int (*handle_http_call)(parley_http_call *call);
} parley_transport_core;

struct parley_transport {
	uint32_t api_version; /* PARLEY_TRANSPORT_API_VERSION */
	uint32_t struct_size; /* sizeof(parley_transport) */
	const char *package;  /* "parley.transport.<name>" */
	const char *name;
	const char *description;
	const char *author;
	const char *version_string;
	int version;

	int (*init)(const parley_transport_core *core);
	void (*destroy)(void);

	bool (*is_janus_api_enabled)(void);
	bool (*is_admin_api_enabled)(void);

	/* An answer (request_ctx != NULL) or an event (request_ctx == NULL). */
	int (*send_message)(parley_conn *conn, void *request_ctx, bool admin, json_t *message);
	void (*session_created)(parley_conn *conn, uint64_t session_id);
	/* The session ended (destroyed, timed out, or claimed by another conn). */
	void (*session_over)(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed);
	/* Admin query_transport: the answer (new reference). */
	json_t *(*query_transport)(json_t *request);

	/* Appended (optional): the environment variables that set this
	 * transport's settings (see parley_env_override in parley/common.h),
	 * ending with {NULL}. The core reads them before init when struct_size
	 * covers it (PARLEY_TRANSPORT_FIELD). */
	const parley_env_override *env_overrides;

	/* Appended (optional): the server is stopping (SIGTERM/SIGINT) and is
	 * about to end every session. Called once on the main thread, before the
	 * sessions end, so the transport can tell its clients why; it must
	 * return promptly (it may wait a bounded time for its own thread). */
	void (*stopping)(void);
};

/* An appended vtable field of `transport`, or NULL when the transport was
 * built before the field existed (its struct_size does not cover it). */
#define PARLEY_TRANSPORT_FIELD(transport, field)                                                   \
	((transport)->struct_size >= offsetof(parley_transport, field) + sizeof((transport)->field)   \
	         ? (transport)->field                                                               \
	         : NULL)

typedef const parley_transport *(*parley_transport_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
