/*
 * transports/common/listener.c — the listening side of an lws-based
 * transport (see listener.h): the listen/TLS decision, the context and its
 * vhosts, the service loop, and the orderly stop.
 */
#include "listener.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LOG(listener, level, ...) (listener)->core->log(level, (listener)->package, __VA_ARGS__)

/* A certificate or key file that cannot be read: one clear line at start
 * instead of a vhost that fails later. */
static bool tls_file_readable(const parley_tx_listener *listener, const char *key, const char *path)
{
	FILE *file = fopen(path, "r");
	if (file != NULL) {
		fclose(file);
		return true;
	}
	LOG(listener, PARLEY_LOG_ERROR, "%s %s: cannot be read (%s); the %s transport does not start", key, path,
	    g_strerror(errno), listener->label);
	return false;
}

parley_tx_plan parley_tx_listener_plan(const parley_tx_listener *listener, bool *tls)
{
	*tls = listener->secure_port > 0 && listener->cert_pem != NULL && listener->cert_key != NULL;
	if (*tls && (!tls_file_readable(listener, "cert_pem", listener->cert_pem) ||
	             !tls_file_readable(listener, "cert_key", listener->cert_key)))
		return PARLEY_TX_PLAN_FAILED;
	if (listener->secure_port > 0 && !*tls)
		LOG(listener, PARLEY_LOG_WARN, "secure_port %ld ignored: cert_pem and cert_key are not both set",
		    listener->secure_port);
	if (listener->port == 0 && !*tls) {
		LOG(listener, PARLEY_LOG_INFO, "%s transport disabled (port 0 and no secure_port)", listener->label);
		return PARLEY_TX_PLAN_DISABLED;
	}
	return PARLEY_TX_PLAN_LISTEN;
}

static struct lws_vhost *create_vhost(const parley_tx_listener *listener, struct lws_context *context, const char *name,
                                      long port, bool tls)
{
	const char *interface = listener->interface;
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.port = (int)port;
	info.iface = strcmp(interface, "0.0.0.0") == 0 || strcmp(interface, "*") == 0 ? NULL : interface;
	info.protocols = listener->protocols;
	/* lws keeps the user pointer as it is: the settings are read, never written */
	info.user = (void *)(tls ? listener->tls_settings : listener->plain_settings);
	info.keepalive_timeout = listener->keepalive_timeout;
	info.alpn = "http/1.1";
	info.retry_and_idle_policy = listener->idle_policy;
	if (strchr(interface, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = listener->cert_pem;
		info.ssl_private_key_filepath = listener->cert_key;
	}
	struct lws_vhost *vhost = lws_create_vhost(context, &info);
	if (vhost == NULL)
		LOG(listener, PARLEY_LOG_ERROR, "cannot listen on %s:%ld (%s)", interface, port, name);
	return vhost;
}

int parley_tx_listener_open(const parley_tx_listener *listener, bool tls, void *context_user,
                            struct lws_context **context)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	/* OpenSSL initialises itself; only the TLS vhost asks for TLS. A
	 * context with DO_SSL_GLOBAL_INIT would also tear OpenSSL's global state
	 * down when destroyed, under the other transport's live TLS vhost. */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = context_user;
	*context = lws_create_context(&info);
	if (*context == NULL) {
		LOG(listener, PARLEY_LOG_ERROR, "cannot create the libwebsockets context");
		return -1;
	}
	if ((listener->port > 0 &&
	     create_vhost(listener, *context, listener->plain_name, listener->port, false) == NULL) ||
	    (tls && create_vhost(listener, *context, listener->tls_name, listener->secure_port, true) == NULL))
		return -1;
	return 0;
}

void parley_tx_service_loop(struct lws_context *context, gint *stopping)
{
	while (!g_atomic_int_get(stopping)) {
		if (lws_service(context, 0) < 0)
			break;
	}
}

void parley_tx_listener_close(struct lws_context **context, GThread **thread, gint *stopping)
{
	g_atomic_int_set(stopping, 1);
	if (*context == NULL)
		return;
	lws_cancel_service(*context);
	if (*thread != NULL)
		g_thread_join(*thread);
	*thread = NULL;
	lws_context_destroy(*context);
	*context = NULL;
}
