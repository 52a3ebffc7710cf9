/*
 * transports/common/listener.h — the listening side of an lws-based
 * transport, shared by the HTTP and WebSocket transports.
 *
 * Owns: the [general] settings both transports listen with (interface,
 * ports, certificates, CORS origins, body limit, admin switch), deciding
 * from them whether a transport listens at all and whether it also listens
 * with TLS (certificate files checked up front), creating the
 * libwebsockets context with explicit vhosts and its plain and TLS vhosts,
 * starting the service thread and the loop it runs, and stopping that
 * thread and destroying the context.
 *
 * Threading: reading the settings, start and close run on the thread that
 * calls the module's init/destroy; parley_tx_service_loop runs on the
 * transport's own service thread. The strings of a parley_tx_listen_conf
 * are the only allocations: parley_tx_listen_conf_free releases them.
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

/* The [general] settings a web transport listens with (read at init,
 * constant until parley_tx_listen_conf_free). */
typedef struct parley_tx_listen_conf {
	char *interface;  /* g_malloc: "0.0.0.0" or "*": every address */
	long port;        /* 0: no plain vhost */
	long secure_port; /* 0: no TLS vhost */
	char *cert_pem;   /* g_malloc or NULL: TLS needs both files */
	char *cert_key;
	char *cors_origins; /* g_malloc or NULL */
	size_t max_body;
	size_t max_head;    /* max_header_size: larger heads get 431 */
	int linger_seconds; /* reading the rest of a body refused with 413 */
	/* failed credential checks per address (throttle.h) */
	long auth_free_failures, auth_block_ms, auth_block_max_ms;
	bool admin_enabled;
	/* vhost user data: what parley_tx_* functions find with lws_get_vhost_user */
	parley_tx_settings plain_settings, tls_settings;
} parley_tx_listen_conf;

/* max_header_size: its default (browsers send up to ~8 KB of cookies) and
 * its bounds. */
#define PARLEY_TX_DEFAULT_MAX_HEAD 16384
#define PARLEY_TX_MIN_MAX_HEAD 4096
#define PARLEY_TX_MAX_MAX_HEAD 1048576

/* Reads interface ("127.0.0.1"), port (`default_port`), secure_port (0),
 * cert_pem, cert_key, cors_origins, max_body (max_message_size; 0 means
 * that too), max_header_size (16384), linger_seconds (5),
 * auth_free_failures (10), auth_block_ms (1000), auth_block_max_ms (60000)
 * and admin_enabled (true) of module `package`, and fills both vhosts' settings from them. */
PARLEY_TX_HIDDEN void parley_tx_listen_conf_read(parley_tx_listen_conf *conf, const parley_transport_core *core,
                                                 const char *package, long default_port);
/* Fills both vhosts' settings from conf's fields (after they were set by
 * hand rather than by parley_tx_listen_conf_read); `owner` becomes the
 * settings' owner. */
PARLEY_TX_HIDDEN void parley_tx_listen_conf_settle(parley_tx_listen_conf *conf, const void *owner);
/* Frees the strings and zeroes `conf`. */
PARLEY_TX_HIDDEN void parley_tx_listen_conf_free(parley_tx_listen_conf *conf);

/* What a transport listens with (everything borrowed, read during the call). */
typedef struct parley_tx_listener {
	const parley_transport_core *core;
	const char *package; /* module whose name log lines carry */
	const char *label;   /* "HTTP", "WebSocket": for log lines */
	const parley_tx_listen_conf *conf;
	const char *plain_name; /* vhost names and URL schemes, e.g. "http" and "https" */
	const char *tls_name;
	/* Vhost names when several listeners share a context (NULL: plain_name
	 * and tls_name); lws keeps the pointers: they outlive the context. */
	const char *plain_vhost;
	const char *tls_vhost;
	const char *path; /* what "listening on" lines add after the port */
	const struct lws_protocols *protocols;
	const char *thread_name;
	GThreadFunc service;               /* the service thread, called with NULL */
	int keepalive_timeout;             /* 0: libwebsockets' default */
	const lws_retry_bo_t *idle_policy; /* NULL: none */
} parley_tx_listener;

/* Starts listening as the settings say: nothing (port 0 and no usable
 * secure_port, logged), or the context (stored into *context before any
 * vhost, since other threads look at it) with the plain vhost when port > 0
 * and the TLS one when secure_port and both certificate files are set and
 * readable (a secure_port without both files is warned about), then the
 * service thread (*thread) and one "listening on" line per vhost.
 * `context_user` is the context's user pointer. -1 when a certificate file
 * cannot be read or lws fails, logged: the caller's destroy then closes
 * *context. */
PARLEY_TX_HIDDEN int parley_tx_listener_start(const parley_tx_listener *listener, void *context_user,
                                              struct lws_context **context, GThread **thread);

/* The same for `count` listeners on one context and one service thread
 * (the first listener's thread_name and service): every listener is
 * planned first (a certificate file that cannot be read refuses them all),
 * then one context with every listening one's vhosts. Nothing listening at
 * all: 0 without a context. -1 when any vhost cannot be created (a port in
 * use ...), logged: the caller's destroy then closes *context. */
PARLEY_TX_HIDDEN int parley_tx_listeners_start(const parley_tx_listener *listeners, size_t count, void *context_user,
                                               struct lws_context **context, GThread **thread);

/* The service thread's loop: services `context` until *stopping is set or
 * lws reports an error. */
PARLEY_TX_HIDDEN void parley_tx_service_loop(struct lws_context *context, gint *stopping);

/* Sets *stopping, then when there is a context: wakes the service thread,
 * joins it, destroys the context (which closes every connection) and clears
 * *thread and *context. */
PARLEY_TX_HIDDEN void parley_tx_listener_close(struct lws_context **context, GThread **thread, gint *stopping);

#endif
