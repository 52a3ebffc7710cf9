/*
 * transports/common/call.c — route calls made by a web transport (see
 * call.h): the copies a call keeps, its references, the link to the
 * waiting connection, finish from any thread, delivery on the service
 * thread.
 */
#include "call.h"
#include "exchange.h"

#include <string.h>

struct parley_tx_call {
	parley_http_call call;   /* first: what the core and the route see */
	gint refs;
	parley_tx_calls *owner;
	/* under owner->lock */
	struct lws *wsi;         /* the connection waiting, or NULL */
	bool finished;
	/* service thread */
	parley_tx_exchange *ex;  /* valid while wsi is set */
	/* the copies the call's strings point to */
	char *method, *path, *query, *body, *remote_ip, *origin, *authorization, *content_type, *if_match;
};

void parley_tx_calls_init(parley_tx_calls *calls)
{
	memset(calls, 0, sizeof(*calls));
	g_mutex_init(&calls->lock);
	g_queue_init(&calls->ready);
}

void parley_tx_calls_start(parley_tx_calls *calls, struct lws_context *context)
{
	g_mutex_lock(&calls->lock);
	calls->context = context;
	calls->stopped = false;
	g_mutex_unlock(&calls->lock);
}

void parley_tx_calls_stop(parley_tx_calls *calls)
{
	g_mutex_lock(&calls->lock);
	calls->stopped = true;
	calls->context = NULL;
	GQueue ready = calls->ready;
	g_queue_init(&calls->ready);
	g_mutex_unlock(&calls->lock);
	parley_tx_call *call;
	while ((call = g_queue_pop_head(&ready)) != NULL)
		parley_tx_call_unref(call);
}

static void call_free(parley_tx_call *c)
{
	g_free(c->call.response.body);
	g_free(c->call.headers);
	g_free(c->method);
	g_free(c->path);
	g_free(c->query);
	g_free(c->body);
	g_free(c->remote_ip);
	g_free(c->origin);
	g_free(c->authorization);
	g_free(c->content_type);
	g_free(c->if_match);
	g_free(c);
}

void parley_tx_call_unref(parley_tx_call *call)
{
	if (call != NULL && g_atomic_int_dec_and_test(&call->refs))
		call_free(call);
}

/* The route's answer, from any thread. */
static void call_finish(parley_http_call *public)
{
	parley_tx_call *c = (parley_tx_call *)public;
	parley_tx_calls *owner = c->owner;
	struct lws_context *wake = NULL;
	g_mutex_lock(&owner->lock);
	c->finished = true;
	if (c->wsi != NULL && !owner->stopped) {
		g_atomic_int_inc(&c->refs);
		g_queue_push_tail(&owner->ready, c);
		wake = owner->context;
	}
	/* lws_cancel_service under the lock: stop() clears the context first */
	if (wake != NULL)
		lws_cancel_service(wake);
	g_mutex_unlock(&owner->lock);
	parley_tx_call_unref(c); /* the route's */
}

parley_tx_call *parley_tx_call_new(parley_tx_calls *calls, const parley_tx_exchange *ex, const char *content_type,
                                   const char *if_match)
{
	parley_tx_call *c = g_new0(parley_tx_call, 1);
	c->refs = 1; /* the route's, dropped by finish or parley_tx_call_done */
	c->owner = calls;
	c->method = g_strdup(ex->method);
	c->path = g_strdup(ex->path);
	c->query = g_strdup(ex->query);
	if (ex->body != NULL && ex->body->len > 0)
		c->body = g_memdup2(ex->body->data, ex->body->len);
	c->remote_ip = g_strdup(ex->remote_ip);
	c->origin = g_strdup(ex->origin);
	c->authorization = g_strdup(ex->authorization);
	c->content_type = g_strdup(content_type);
	c->if_match = g_strdup(if_match);
	c->call.struct_size = sizeof(parley_http_call);
	c->call.request = (parley_http_request){
		.method = c->method,
		.path = c->path,
		.query = c->query,
		.body = c->body,
		.body_length = c->body != NULL ? ex->body->len : 0,
		.remote_ip = c->remote_ip,
		.origin = c->origin,
		.authorization = c->authorization,
	};
	c->call.content_type = c->content_type;
	c->call.if_match = c->if_match;
	c->call.finish = call_finish;
	c->call.transport_data = c;
	return c;
}

parley_http_call *parley_tx_call_public(parley_tx_call *call)
{
	return &call->call;
}

void parley_tx_call_link(parley_tx_call *call, struct lws *wsi, parley_tx_exchange *ex)
{
	g_atomic_int_inc(&call->refs);
	g_mutex_lock(&call->owner->lock);
	call->wsi = wsi;
	g_mutex_unlock(&call->owner->lock);
	call->ex = ex;
	ex->call = call;
	call->owner->pending++;
}

void parley_tx_call_unlink(parley_tx_call *call)
{
	g_mutex_lock(&call->owner->lock);
	bool linked = call->wsi != NULL;
	call->wsi = NULL;
	g_mutex_unlock(&call->owner->lock);
	if (!linked)
		return;
	if (call->ex != NULL && call->ex->call == call)
		call->ex->call = NULL;
	call->ex = NULL;
	if (call->owner->pending > 0)
		call->owner->pending--;
	parley_tx_call_unref(call); /* the link's */
}

void parley_tx_call_done(parley_tx_call *call)
{
	parley_tx_call_unref(call);
}

void parley_tx_calls_deliver(parley_tx_calls *calls)
{
	for (;;) {
		g_mutex_lock(&calls->lock);
		parley_tx_call *c = g_queue_pop_head(&calls->ready);
		struct lws *wsi = c != NULL ? c->wsi : NULL;
		g_mutex_unlock(&calls->lock);
		if (c == NULL)
			return;
		parley_tx_exchange *ex = c->ex;
		if (wsi != NULL && ex != NULL && ex->call == c) {
			parley_tx_respond_call(ex, wsi, &c->call);
			parley_tx_call_unlink(c);
		}
		parley_tx_call_unref(c); /* the queue's */
	}
}
