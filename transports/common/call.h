/*
 * transports/common/call.h — route calls (parley/http.h, "Route calls")
 * made by the HTTP and WebSocket transports: a request handed to the
 * core's handle_http_call with its own copies of everything it points to,
 * the link between a call answered later and the connection waiting for
 * it, and the delivery of such answers on the service thread.
 *
 * Threading: a call is made, linked and delivered on the transport's lws
 * service thread; its finish (the plugin's answer) may come from any
 * thread: it queues the call under the owner's lock and wakes the service
 * thread (lws_cancel_service), whose EVENT_WAIT_CANCELLED callback runs
 * parley_tx_calls_deliver. A connection that closes first unlinks its call
 * (parley_tx_call_unlink, from parley_tx_reset), and the late answer is
 * dropped. Calls are reference counted: one for the connection's link, one
 * for the route until finish, one while queued.
 *
 * These symbols are hidden: each module carries its own private copy.
 */
#ifndef PARLEY_TRANSPORT_CALL_H
#define PARLEY_TRANSPORT_CALL_H

#include <stdbool.h>
#include <glib.h>
#include <libwebsockets.h>
#include <parley/transport.h>

#define PARLEY_TX_CALL_HIDDEN __attribute__((visibility("hidden")))

/* The calls of one transport (one per module, in its state). */
typedef struct parley_tx_calls {
	GMutex lock;
	GQueue ready;                 /* answered calls for the service thread (each holds a reference); under lock */
	struct lws_context *context;  /* under lock; NULL before start and after stop */
	bool stopped;                 /* under lock: late answers are dropped */
	unsigned pending;             /* calls made and not answered yet (service thread) */
} parley_tx_calls;

typedef struct parley_tx_call parley_tx_call;
struct parley_tx_exchange;

PARLEY_TX_CALL_HIDDEN void parley_tx_calls_init(parley_tx_calls *calls);
/* The context whose service thread delivers answers. */
PARLEY_TX_CALL_HIDDEN void parley_tx_calls_start(parley_tx_calls *calls, struct lws_context *context);
/* The transport stops (before its context is destroyed): answers that
 * come later are dropped; queued ones are freed. */
PARLEY_TX_CALL_HIDDEN void parley_tx_calls_stop(parley_tx_calls *calls);

/* Service thread: a call for the exchange's request (strings copied). */
PARLEY_TX_CALL_HIDDEN parley_tx_call *parley_tx_call_new(parley_tx_calls *calls, const struct parley_tx_exchange *ex,
                                                         const char *content_type, const char *if_match);
PARLEY_TX_CALL_HIDDEN parley_http_call *parley_tx_call_public(parley_tx_call *call);
/* Service thread: links the call to the connection that waits for it
 * (the link holds a reference, kept in ex->call). */
PARLEY_TX_CALL_HIDDEN void parley_tx_call_link(parley_tx_call *call, struct lws *wsi, struct parley_tx_exchange *ex);
/* Service thread: the connection no longer waits (answered, closed, reset). */
PARLEY_TX_CALL_HIDDEN void parley_tx_call_unlink(parley_tx_call *call);
/* The route answered at once or declined: drops the route's reference. */
PARLEY_TX_CALL_HIDDEN void parley_tx_call_done(parley_tx_call *call);
PARLEY_TX_CALL_HIDDEN void parley_tx_call_unref(parley_tx_call *call);

/* Service thread (EVENT_WAIT_CANCELLED): writes every answer that arrived
 * to the connection still waiting for it (parley_tx_respond_call). */
PARLEY_TX_CALL_HIDDEN void parley_tx_calls_deliver(parley_tx_calls *calls);

#endif
