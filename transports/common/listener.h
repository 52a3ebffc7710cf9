/*
 * transports/common/listener.h — the listening side of an lws-based
 * transport, shared by the HTTP and WebSocket transports.
 *
 * Owns: deciding from the configuration whether a transport listens at all
 * and whether it also listens with TLS (certificate files checked up front),
 * creating the libwebsockets context with explicit vhosts and its plain and
 * TLS vhosts, the service loop its thread runs, and stopping that thread and
 * destroying the context.
 *
 * Threading: plan/open/close run on the thread that calls the module's
 * init/destroy; parley_tx_service_loop runs on the transport's own service
 * thread. Nothing here allocates what the caller must free.
 *
 * These symbols are hidden: each module carries its own private copy.
 */
#ifndef PARLEY_TRANSPORT_LISTENER_H
#define PARLEY_TRANSPORT_LISTENER_H

#include "exchange.h"

/* Entries of a web transport's env_overrides (parley/common.h): the
 * variables of the [general] keys both transports read alike. CORS_ORIGINS
 * comes before FRONTEND_URL, so it wins when both are set. */
#define PARLEY_TX_ENV_OVERRIDES                                                                \
	{ "SSL_CERT_PATH", "general", "cert_pem" }, { "SSL_KEY_PATH", "general", "cert_key" }, \
		{ "CORS_ORIGINS", "general", "cors_origins" },                                 \
	{                                                                                      \
		"FRONTEND_URL", "general", "cors_origins"                                      \
	}

/* What a transport listens with (everything borrowed, read during the call). */
typedef struct parley_tx_listener {
	const parley_transport_core *core;
	const char *package;   /* module whose name log lines carry */
	const char *label;     /* "HTTP", "WebSocket": for log lines */
	const char *interface; /* "0.0.0.0" or "*": every address */
	long port;             /* 0: no plain vhost */
	long secure_port;      /* 0: no TLS vhost */
	const char *cert_pem;  /* TLS needs both files */
	const char *cert_key;
	const char *plain_name; /* vhost names, e.g. "http" and "https" */
	const char *tls_name;
	const struct lws_protocols *protocols;
	/* vhost user data: what parley_tx_* functions find with lws_get_vhost_user */
	const parley_tx_settings *plain_settings;
	const parley_tx_settings *tls_settings;
	int keepalive_timeout;             /* 0: libwebsockets' default */
	const lws_retry_bo_t *idle_policy; /* NULL: none */
} parley_tx_listener;

typedef enum parley_tx_plan {
	PARLEY_TX_PLAN_FAILED = -1,  /* a certificate file cannot be read (logged) */
	PARLEY_TX_PLAN_DISABLED = 0, /* port 0 and no usable secure_port (logged) */
	PARLEY_TX_PLAN_LISTEN = 1,   /* open it; *tls says whether with TLS */
} parley_tx_plan;

/* Reads the listener's ports and certificates: whether to listen, and
 * whether with TLS (secure_port and both certificate files set, and the
 * files readable). A secure_port without both files is warned about. */
PARLEY_TX_HIDDEN parley_tx_plan parley_tx_listener_plan(const parley_tx_listener *listener, bool *tls);

/* Creates the context (stored into *context before any vhost, since other
 * threads look at it), then the plain vhost when port > 0 and the TLS one
 * when `tls`. -1 on failure, logged: the caller's destroy then closes
 * *context. `context_user` is the context's user pointer. */
PARLEY_TX_HIDDEN int parley_tx_listener_open(const parley_tx_listener *listener, bool tls, void *context_user,
                                             struct lws_context **context);

/* The service thread's loop: services `context` until *stopping is set or
 * lws reports an error. */
PARLEY_TX_HIDDEN void parley_tx_service_loop(struct lws_context *context, gint *stopping);

/* Sets *stopping, then when there is a context: wakes the service thread,
 * joins it, destroys the context (which closes every connection) and clears
 * *thread and *context. */
PARLEY_TX_HIDDEN void parley_tx_listener_close(struct lws_context **context, GThread **thread, gint *stopping);

#endif
