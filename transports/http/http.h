/*
 * transports/http/http.h — private state of the HTTP transport, shared by
 * http.c (module, config, lws context and thread, request routing) and
 * janus.c (the Janus API over HTTP: mailboxes, requests, long-polls).
 *
 * Threading: one lws service thread owns every wsi and every per-connection
 * `http_pss`. The core calls send_message / session_created / session_over
 * from any thread; those touch only fields marked "under lock" and wake the
 * service thread with lws_cancel_service. The transport never calls into the
 * core while holding `lock`.
 */
#ifndef PARLEY_TRANSPORT_HTTP_H
#define PARLEY_TRANSPORT_HTTP_H

#include <glib.h>
#include <libwebsockets.h>
#include <parley/transport.h>
#include "../common/exchange.h"

#define HTTP_PACKAGE "parley.transport.http"

typedef struct http_mailbox http_mailbox;
typedef struct http_req http_req;

/* Per-connection data (lws allocates and zeroes it; service thread only). */
typedef struct http_pss {
	parley_tx_exchange ex;
	int kind;              /* HTTP_ROUTE_* chosen from the path */
	http_req *req;         /* the Janus request this transaction waits on */
	bool counted;          /* counted in http_state.connections */
} http_pss;

enum { HTTP_ROUTE_OTHER = 0, HTTP_ROUTE_JANUS, HTTP_ROUTE_ADMIN };

typedef struct http_state {
	const parley_transport_core *core;
	/* configuration (read at init, constant afterwards) */
	char *interface;
	long port, secure_port;
	char *cert_pem, *cert_key;
	char *base_path, *admin_base_path;
	bool admin_enabled;
	char *html_folder;
	char *cors_origins;
	size_t max_body;
	long longpoll_timeout;   /* seconds */
	long rate_limit;         /* requests per second per IP, 0 = off */
	long max_events;         /* queued events per mailbox */
	long keepalive_timeout;  /* idle keep-alive connection, seconds */
	long linger;             /* seconds undelivered events outlive their session */
	bool auth_configured;    /* api_secret or tokens: long-polls prove credentials */
	parley_tx_settings plain_settings, tls_settings;

	struct lws_context *context;
	GThread *thread;
	gint stopping;
	lws_sorted_usec_list_t housekeeping;

	/* under lock */
	GMutex lock;
	GHashTable *sessions;    /* uint64 session id → http_mailbox */
	GHashTable *lingering;   /* uint64 session id → gint64 expiry (monotonic µs) */
	GQueue ready;            /* http_req answered by the core (each holds a ref) */
	GQueue wake;             /* http_mailbox with events or news for a long-poll */
	unsigned mailboxes, longpolls;

	/* service thread only */
	GHashTable *rate;        /* remote ip → rate_slot */
	unsigned connections;
	guint64 requests;
} http_state;

extern http_state parley_http;
extern const parley_transport parley_http_transport;

/* janus.c */
void parley_http_janus_init(void);
void parley_http_janus_destroy(void);
/* A complete request on base_path or admin_base_path. */
void parley_http_janus_dispatch(http_pss *pss, struct lws *wsi, bool admin);
/* LWS_CALLBACK_HTTP_WRITEABLE before the exchange writes: moves an arrived
 * answer into the response. */
void parley_http_janus_writable(http_pss *pss, struct lws *wsi);
/* LWS_CALLBACK_TIMER: a long-poll ran out of time. */
void parley_http_janus_timer(http_pss *pss, struct lws *wsi);
/* The transaction ended or the client went away: drop the request. */
void parley_http_janus_finish(http_pss *pss);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: serve answers and events. */
void parley_http_janus_wakeup(void);
/* Once a second: drop undelivered events of ended sessions. */
void parley_http_janus_housekeeping(void);

int parley_http_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message);
void parley_http_session_created(parley_conn *conn, uint64_t session_id);
void parley_http_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed);

#endif
