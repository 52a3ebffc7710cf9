/*
 * transports/http/http.h — private state of the HTTP transport, shared by
 * http.c (module, config, lws context and thread, request routing),
 * janus.c (the Janus API over HTTP: mailboxes, requests) and longpoll.c
 * (long-polls).
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
#include "../common/listener.h"

#define HTTP_PACKAGE "parley.transport.http"

typedef struct http_mailbox http_mailbox;
typedef struct http_req http_req;

/* Per-connection data (lws allocates and zeroes it; service thread only). */
typedef struct http_pss {
	parley_tx_exchange ex;
	int kind;      /* HTTP_ROUTE_* chosen from the path */
	http_req *req; /* the Janus request this transaction waits on */
	bool counted;  /* counted in http_state.connections */
} http_pss;

enum {
	HTTP_ROUTE_OTHER = 0,
	HTTP_ROUTE_JANUS,
	HTTP_ROUTE_ADMIN
};

typedef struct http_state {
	const parley_transport_core *core;
	/* configuration (read at init, constant afterwards) */
	parley_tx_listen_conf conf;
	char *base_path, *admin_base_path;
	char *html_folder;
	long longpoll_timeout;  /* seconds */
	long rate_limit;        /* requests per second per IP, 0 = off */
	long max_events;        /* queued events per mailbox */
	long keepalive_timeout; /* idle keep-alive connection, seconds */
	long linger;            /* seconds undelivered events outlive their session */
	bool auth_configured;   /* api_secret or tokens: long-polls prove credentials */

	struct lws_context *context;
	GThread *thread;
	gint stopping;
	lws_sorted_usec_list_t housekeeping;

	/* under lock */
	GMutex lock;
	GHashTable *sessions;  /* uint64 session id → http_mailbox */
	GHashTable *lingering; /* uint64 session id → gint64 expiry (monotonic µs) */
	GQueue ready;          /* http_req answered by the core (each holds a ref) */
	GQueue wake;           /* http_mailbox with events or news for a long-poll */
	unsigned mailboxes, longpolls;

	parley_tx_throttle *throttle; /* failed credential checks per address (any thread) */
	parley_tx_calls calls;        /* route calls answered later (common/call.h) */

	/* service thread only */
	GHashTable *rate; /* remote ip → rate_slot */
	unsigned connections;
	guint64 requests;
} http_state;

extern http_state parley_http;
extern const parley_transport parley_http_transport;

/* ---- janus.c and longpoll.c: mailboxes and requests ---------------------- */

/* A mailbox is the parley_conn of one HTTP session; a request the
 * request_ctx handed to the core (see janus.c). */
struct http_mailbox {
	parley_conn *conn;
	GQueue events;      /* char * (malloc'ed JSON text), under lock */
	http_req *poll;     /* waiting long-poll (holds a ref), under lock */
	unsigned sessions;  /* live sessions mapped to it, under lock */
	unsigned lingering; /* ended sessions with undelivered events, under lock */
	unsigned inflight;  /* requests the core has not answered, under lock */
	bool queued;        /* in parley_http.wake, under lock */
	bool released;      /* the transport dropped its reference, under lock */
};

struct http_req {
	gint refs;
	struct lws *wsi;       /* service thread; NULL once the client is gone */
	http_mailbox *mailbox; /* holds a conn reference, or NULL */
	bool longpoll;
	int maxev;
	uint64_t session_id;
	http_req *probe_for; /* a credential probe: the long-poll it unlocks (ref) */
	char remote_ip[64];  /* whose credentials the answer judges */
	/* under lock */
	bool gone;
	char *answer; /* malloc'ed JSON text waiting to be written */
};

typedef struct janus_path {
	int segments; /* ids after the base path: 0, 1 or 2 */
	bool info;    /* base_path/info */
	uint64_t session_id, handle_id;
} janus_path;

/* A fresh mailbox: the transport's reference plus one for the caller. */
http_mailbox *parley_http_mailbox_new(void);
/* Service thread: lets the mailbox go when nothing needs it any more. */
void parley_http_mailbox_maybe_release(http_mailbox *mailbox);
/* The mailbox of a live session (with a conn reference for the caller), or
 * NULL; *lingering tells whether the session ended with events undelivered. */
http_mailbox *parley_http_mailbox_of(uint64_t session_id, bool *lingering);
http_req *parley_http_req_new(struct lws *wsi, http_mailbox *mailbox);
void parley_http_req_unref(http_req *req);
/* Service thread: hands `text` (malloc'ed, taken) to the waiting transaction. */
void parley_http_req_answer(http_req *req, char *text);
/* malloc'ed JSON texts. */
char *parley_http_keepalive_text(int maxev);
char *parley_http_error_text(uint64_t session_id, const char *transaction, int code, const char *reason);
/* Under lock: up to `maxev` queued events (one object, or an array when
 * maxev > 1), or NULL when none. */
char *parley_http_take_events_locked(http_mailbox *mailbox, int maxev);
void parley_http_respond_error(http_pss *pss, struct lws *wsi, uint64_t session_id, const char *transaction, int code,
                               const char *reason);
/* The transaction waits for the core or for events. */
void parley_http_wait_for_answer(http_pss *pss, struct lws *wsi);

/* longpoll.c */
/* GET base_path/<session>: starts a long-poll (or answers at once). */
void parley_http_longpoll_get(http_pss *pss, struct lws *wsi, bool admin, const janus_path *path);
/* The core answered a long-poll's credential probe. */
void parley_http_longpoll_probe_answered(http_req *probe);
/* Serves mailboxes with news for their long-poll (after the answers). */
void parley_http_longpoll_wakeup(void);

/* janus.c */
void parley_http_janus_init(void);
void parley_http_janus_destroy(void);
/* A complete request on base_path or admin_base_path. */
void parley_http_janus_dispatch(http_pss *pss, struct lws *wsi, bool admin);
/* LWS_CALLBACK_HTTP_WRITEABLE before the exchange writes: moves an arrived
 * answer into the response. */
void parley_http_janus_writable(http_pss *pss, struct lws *wsi);
/* LWS_CALLBACK_TIMER: a long-poll ran out of time (longpoll.c). */
void parley_http_janus_timer(http_pss *pss, struct lws *wsi);
/* The transaction ended or the client went away: drop the request. */
void parley_http_janus_finish(http_pss *pss);
/* LWS_CALLBACK_EVENT_WAIT_CANCELLED: serve answers and events. */
void parley_http_janus_wakeup(void);
/* Once a second: drop undelivered events of ended sessions (longpoll.c). */
void parley_http_janus_housekeeping(void);

int parley_http_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message);
void parley_http_session_created(parley_conn *conn, uint64_t session_id);
void parley_http_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed);

#endif
