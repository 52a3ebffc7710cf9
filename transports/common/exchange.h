/*
 * transports/common/exchange.h — one plain-HTTP request/response on a
 * libwebsockets connection, shared by the HTTP and WebSocket transports.
 *
 * Owns: reading the request line and the headers the core cares about,
 * refusing heads head.c finds unacceptable (431, 400, 411; an upgrade's
 * 426), collecting a bounded body, the lingering close after a 413, CORS
 * (allow-list or "*"), the security headers every response carries,
 * writing a buffered response in two writable steps (headers, then body,
 * with a route call's own header lines), serving static files from inside
 * their folder (symlinks resolved), and handing a request to the core's
 * routes (as a route call, call.h, when the core takes them).
 *
 * Threading: every function here runs on the transport's lws service thread
 * (the exchange lives in the connection's per-session data). Nothing here
 * keeps a json_t: functions taking one borrow it.
 *
 * These symbols are hidden: each module carries its own private copy.
 */
#ifndef PARLEY_TRANSPORT_EXCHANGE_H
#define PARLEY_TRANSPORT_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <parley/transport.h>
#include "throttle.h"
#include "call.h"

#define PARLEY_TX_HIDDEN __attribute__((visibility("hidden")))

/* The settings an exchange needs from its transport (borrowed, read-only). */
typedef struct parley_tx_settings {
	const char *cors_origins; /* NULL: no CORS headers; "*" or a comma list */
	size_t max_body;          /* request bodies larger than this get 413 */
	size_t max_head;          /* request heads larger than this get 431 */
	int linger_seconds;       /* how long the rest of a refused body is read */
	bool secure;              /* HTTPS: adds Strict-Transport-Security */
	const void *owner;        /* the transport's own data for this vhost, or NULL */
} parley_tx_settings;

typedef enum parley_tx_phase {
	PARLEY_TX_IDLE = 0, /* no request yet / reset */
	PARLEY_TX_READING,  /* headers parsed, body being collected */
	PARLEY_TX_WAITING,  /* request complete, answer not decided yet */
	PARLEY_TX_HEADERS,  /* response ready: headers go out next */
	PARLEY_TX_BODY,     /* headers sent: body goes out next */
	PARLEY_TX_FILE,     /* lws is streaming a static file */
	PARLEY_TX_DONE,     /* transaction completed */
	PARLEY_TX_DRAINING, /* refused (413) and answered: the rest of the body
	                     * is read and dropped, then the connection closes */
} parley_tx_phase;

typedef struct parley_tx_exchange {
	parley_tx_phase phase;
	const char *method;  /* static: "GET", "POST", ... */
	int method_index;    /* LWSHUMETH_* */
	char *path;          /* g_malloc: the URI path (lws url-decodes it) */
	char *query;         /* g_malloc: args joined with '&', or NULL */
	char *origin;        /* g_malloc or NULL */
	char *authorization; /* g_malloc or NULL */
	char remote_ip[64];
	long content_length; /* -1 when absent */
	GByteArray *body;    /* collected body (never beyond max_body) */
	bool too_large;
	bool body_done;           /* the whole body was read (or none came) */
	int refusal;              /* 0, or the status the head earned (head.h) */
	char refusal_reason[128]; /* why, when refusal != 0 */
	/* the response */
	int status;
	const char *content_type;
	unsigned char *out;        /* g_malloc: LWS_PRE headroom + body */
	size_t out_length;         /* body length (after the headroom) */
	bool close_after;          /* close the connection once answered */
	bool linger;               /* read the rest of the body before closing */
	bool extra_cors_preflight; /* answer carries the preflight headers */
	char *headers;             /* g_malloc or NULL: a route call's extra response header lines */
	parley_tx_call *call;      /* the route call this request waits for (call.h), or NULL */
} parley_tx_exchange;

/* Starts a request from LWS_CALLBACK_HTTP (`in` is the URI path). Frees
 * whatever the previous transaction on this connection left, and weighs the
 * head (head.h; and a POST without Content-Length, 411): ex->refusal says
 * when it must be refused (answer with parley_tx_respond_refusal). Returns false when the method is not one lws
 * reports (the caller answers 405). */
PARLEY_TX_HIDDEN bool parley_tx_begin(parley_tx_exchange *ex, struct lws *wsi, const char *in,
                                      const parley_tx_settings *settings);
/* Answers ex->refusal with its reason, then closes the connection. */
PARLEY_TX_HIDDEN void parley_tx_respond_refusal(parley_tx_exchange *ex, struct lws *wsi);
/* From LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: weighs an upgrade's head
 * (size, framing headers, Sec-WebSocket-Version). True when it was refused:
 * the answer (431, 400, 411, or 426 with Sec-WebSocket-Version: 13) is
 * written and the caller returns -1 so lws closes. */
PARLEY_TX_HIDDEN bool parley_tx_refuse_upgrade(struct lws *wsi, const parley_tx_settings *settings,
                                               const char *package, const parley_transport_core *core);
/* Writes `status` {"error": reason, "status": status} at once on a
 * connection lws is upgrading (426 adds Sec-WebSocket-Version: 13); the
 * caller then returns -1 from the filter callback. */
PARLEY_TX_HIDDEN void parley_tx_write_upgrade_refusal(struct lws *wsi, int status, const char *reason);
/* From LWS_CALLBACK_HTTP_BODY_COMPLETION: -1 when the connection was only
 * draining a refused body (close it now), else 0 (body_done is set). */
PARLEY_TX_HIDDEN int parley_tx_body_completed(parley_tx_exchange *ex);
/* True when a body is expected (Content-Length > 0). */
PARLEY_TX_HIDDEN bool parley_tx_expects_body(const parley_tx_exchange *ex);
/* Appends a body chunk; false (and too_large set) once max_body is passed. */
PARLEY_TX_HIDDEN bool parley_tx_body_append(parley_tx_exchange *ex, const void *data, size_t len, size_t max_body);
/* Frees everything the exchange holds and zeroes it. */
PARLEY_TX_HIDDEN void parley_tx_reset(parley_tx_exchange *ex);

/* Queues a response (body copied) and asks for a writable callback. */
PARLEY_TX_HIDDEN void parley_tx_respond(parley_tx_exchange *ex, struct lws *wsi, int status, const char *content_type,
                                        const char *body, size_t length);
/* Same, with a JSON body (borrowed). */
PARLEY_TX_HIDDEN void parley_tx_respond_json(parley_tx_exchange *ex, struct lws *wsi, int status, json_t *body);
/* {"error": message, "status": status} with that HTTP status. */
PARLEY_TX_HIDDEN void parley_tx_respond_error(parley_tx_exchange *ex, struct lws *wsi, int status, const char *message);
/* 413 {"error": "request body too large (limit N bytes)"}, then a lingering
 * close: plain connections are half-closed (FIN after the answer) and the
 * rest of the body is read and dropped for up to linger_seconds, so a
 * client still sending its body reads the 413 instead of a reset. */
PARLEY_TX_HIDDEN void parley_tx_respond_too_large(parley_tx_exchange *ex, struct lws *wsi, size_t max_body);
/* The answer to an OPTIONS preflight: 204 with CORS headers when the
 * Origin is allowed, 403 otherwise. */
PARLEY_TX_HIDDEN void parley_tx_respond_preflight(parley_tx_exchange *ex, struct lws *wsi,
                                                  const parley_tx_settings *settings);

/* An OPTIONS request: a route call that takes it answers (with the
 * preflight's CORS headers when the Origin is allowed), else the CORS
 * preflight above. */
PARLEY_TX_HIDDEN void parley_tx_answer_options(parley_tx_exchange *ex, struct lws *wsi,
                                               const parley_tx_settings *settings, const parley_transport_core *core,
                                               parley_tx_calls *calls);

/* From LWS_CALLBACK_HTTP_WRITEABLE: writes the next step. Returns -1 when
 * the connection must close, 0 otherwise. When the step completes the
 * transaction, lws may free the per-session data holding `ex`: the caller
 * must not touch it after a call for which parley_tx_completes_next was
 * true. */
PARLEY_TX_HIDDEN bool parley_tx_completes_next(const parley_tx_exchange *ex);
PARLEY_TX_HIDDEN int parley_tx_writable(parley_tx_exchange *ex, struct lws *wsi, const parley_tx_settings *settings);

/* Offers the request to the core's routes: as a route call
 * (core->handle_http_call, with the request's Content-Type and If-Match)
 * when the core has them and `calls` is given, else to core->handle_http.
 * 0 when the core answered (the response is queued) or will answer later
 * (the exchange waits for its call: parley_tx_calls_deliver writes it), -1
 * when no core or plugin route matches. An OPTIONS request reaches only
 * route calls; an answer to one from an allowed Origin carries the CORS
 * preflight headers. */
PARLEY_TX_HIDDEN int parley_tx_route_to_core(parley_tx_exchange *ex, struct lws *wsi,
                                             const parley_transport_core *core, parley_tx_calls *calls);
/* Queues a route call's answer (status, content type, body, extra header lines). */
PARLEY_TX_HIDDEN void parley_tx_respond_call(parley_tx_exchange *ex, struct lws *wsi, const parley_http_call *call);

/* Serves ex->path from `folder` (GET/HEAD only). 0: serving started or
 * answered, 1: no such file (nothing sent), -1: close the connection. */
PARLEY_TX_HIDDEN int parley_tx_serve_static(parley_tx_exchange *ex, struct lws *wsi, const char *folder,
                                            const parley_tx_settings *settings);

/* The settings a vhost was created with (its user data), else `fallback`. */
PARLEY_TX_HIDDEN const parley_tx_settings *parley_tx_settings_of(struct lws *wsi, const parley_tx_settings *fallback);

/* The query string (g_malloc, or NULL when there is none): at most
 * `max_fragments` '&'-separated arguments, each cut to fragment_size - 1
 * bytes (fragment_size at most PARLEY_TX_QUERY_FRAGMENT_MAX). */
#define PARLEY_TX_QUERY_FRAGMENT_MAX 1024
PARLEY_TX_HIDDEN char *parley_tx_copy_query(struct lws *wsi, size_t fragment_size, int max_fragments);

/* True when `origin` may use the API: no list configured, "*", or listed. */
PARLEY_TX_HIDDEN bool parley_tx_origin_allowed(const char *cors_origins, const char *origin);

/* Serializes `message` (borrowed) into a g_malloc'ed buffer with LWS_PRE
 * bytes of headroom; the text starts at buffer + LWS_PRE. NULL on failure. */
PARLEY_TX_HIDDEN unsigned char *parley_tx_json_buffer(json_t *message, size_t *length);

/* Failed credential checks (throttle.h). From any thread: the core's
 * answer `message` (borrowed) to a request from `address`; an error 403
 * (secret or token refused) counts as a failed check, logged with the
 * address and the count in a row, never the credential. */
PARLEY_TX_HIDDEN void parley_tx_note_answer(parley_tx_throttle *throttle, const char *address, json_t *message,
                                            const parley_transport_core *core, const char *package);
/* 0, or how many ms `address` stays blocked (the caller answers 429). */
PARLEY_TX_HIDDEN long parley_tx_blocked_ms(parley_tx_throttle *throttle, const char *address);
/* The reason a blocked address is given, written into `reason`
 * (returned). */
PARLEY_TX_HIDDEN char *parley_tx_blocked_reason(long blocked_ms, char *reason, size_t reason_size);

/* Routes lws's own log lines (errors and warnings) to core->log. */
PARLEY_TX_HIDDEN void parley_tx_log_to_core(const parley_transport_core *core);

/* Config helpers for module `package`, section [general] (util/setting.h:
 * an unusable value logs one warning and keeps the fallback). */
PARLEY_TX_HIDDEN const char *parley_tx_conf_string(const parley_transport_core *core, const char *package,
                                                   const char *key, const char *fallback);
PARLEY_TX_HIDDEN long parley_tx_conf_int(const parley_transport_core *core, const char *package, const char *key,
                                         long fallback); /* >= 0 */
PARLEY_TX_HIDDEN bool parley_tx_conf_bool(const parley_transport_core *core, const char *package, const char *key,
                                          bool fallback);
/* The same in any section, integers within [min, max]. */
PARLEY_TX_HIDDEN long parley_tx_setting_int(const parley_transport_core *core, const char *package, const char *section,
                                            const char *key, long fallback, long min, long max);
PARLEY_TX_HIDDEN bool parley_tx_setting_bool(const parley_transport_core *core, const char *package,
                                             const char *section, const char *key, bool fallback);
/* max_message_size from the core's [limits], else 262144. */
PARLEY_TX_HIDDEN size_t parley_tx_default_max_message(const parley_transport_core *core);

#endif
