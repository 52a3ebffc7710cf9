/*
 * transports/common/listener.c — the listening side of an lws-based
 * transport (see listener.h): its settings, the listen/TLS decision, the
 * context and its vhosts, the service thread and loop, and the orderly stop.
 */
#include "listener.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LOG(listener, level, ...) (listener)->core->log(level, (listener)->package, __VA_ARGS__)

void parley_tx_listen_conf_read(parley_tx_listen_conf *conf, const parley_transport_core *core, const char *package,
                                long default_port)
{
	size_t max_message = parley_tx_default_max_message(core);
	conf->interface = g_strdup(parley_tx_conf_string(core, package, "interface", "127.0.0.1"));
	conf->port = parley_tx_conf_int(core, package, "port", default_port);
	conf->secure_port = parley_tx_conf_int(core, package, "secure_port", 0);
	conf->cert_pem = g_strdup(parley_tx_conf_string(core, package, "cert_pem", NULL));
	conf->cert_key = g_strdup(parley_tx_conf_string(core, package, "cert_key", NULL));
	conf->cors_origins = g_strdup(parley_tx_conf_string(core, package, "cors_origins", NULL));
	conf->max_body = (size_t)parley_tx_conf_int(core, package, "max_body", (long)max_message);
	if (conf->max_body == 0)
		conf->max_body = max_message;
	conf->admin_enabled = parley_tx_conf_bool(core, package, "admin_enabled", true);
	conf->max_head = (size_t)parley_tx_setting_int(core, package, "general", "max_header_size",
	                                               PARLEY_TX_DEFAULT_MAX_HEAD, PARLEY_TX_MIN_MAX_HEAD,
	                                               PARLEY_TX_MAX_MAX_HEAD);
	conf->linger_seconds = (int)parley_tx_setting_int(core, package, "general", "linger_seconds", 5, 0, 60);
	conf->auth_free_failures = parley_tx_setting_int(core, package, "general", "auth_free_failures", 10, 0, 1000);
	conf->auth_block_ms = parley_tx_setting_int(core, package, "general", "auth_block_ms", 1000, 0, 3600000);
	conf->auth_block_max_ms =
	        parley_tx_setting_int(core, package, "general", "auth_block_max_ms", 60000, 0, 86400000);
	parley_tx_listen_conf_settle(conf, NULL);
}

void parley_tx_listen_conf_settle(parley_tx_listen_conf *conf, const void *owner)
{
	conf->plain_settings = (parley_tx_settings){
		.cors_origins = conf->cors_origins,
		.max_body = conf->max_body,
		.max_head = conf->max_head,
		.linger_seconds = conf->linger_seconds,
		.secure = false,
		.owner = owner,
	};
	conf->tls_settings = conf->plain_settings;
	conf->tls_settings.secure = true;
}

void parley_tx_listen_conf_free(parley_tx_listen_conf *conf)
{
	g_free(conf->interface);
	g_free(conf->cert_pem);
	g_free(conf->cert_key);
	g_free(conf->cors_origins);
	memset(conf, 0, sizeof(*conf));
}

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

typedef enum listen_plan {
	PLAN_FAILED = -1,  /* a certificate file cannot be read (logged) */
	PLAN_DISABLED = 0, /* port 0 and no usable secure_port (logged) */
	PLAN_LISTEN = 1,   /* open it; *tls says whether with TLS */
} listen_plan;

/* Whether to listen, and whether with TLS (secure_port and both
 * certificate files set, and the files readable). */
static listen_plan plan_listening(const parley_tx_listener *listener, bool *tls)
{
	const parley_tx_listen_conf *conf = listener->conf;
	*tls = conf->secure_port > 0 && conf->cert_pem != NULL && conf->cert_key != NULL;
	if (*tls && (!tls_file_readable(listener, "cert_pem", conf->cert_pem) ||
	             !tls_file_readable(listener, "cert_key", conf->cert_key)))
		return PLAN_FAILED;
	if (conf->secure_port > 0 && !*tls)
		LOG(listener, PARLEY_LOG_WARN, "secure_port %ld ignored: cert_pem and cert_key are not both set",
		    conf->secure_port);
	if (conf->port == 0 && !*tls) {
		LOG(listener, PARLEY_LOG_INFO, "%s transport not listening (port 0 and no secure_port)", listener->label);
		return PLAN_DISABLED;
	}
	return PLAN_LISTEN;
}

static struct lws_vhost *create_vhost(const parley_tx_listener *listener, struct lws_context *context, const char *name,
                                      long port, bool tls)
{
	const parley_tx_listen_conf *conf = listener->conf;
	const char *interface = conf->interface;
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.port = (int)port;
	info.iface = strcmp(interface, "0.0.0.0") == 0 || strcmp(interface, "*") == 0 ? NULL : interface;
	info.protocols = listener->protocols;
	/* lws keeps the user pointer as it is: the settings are read, never written */
	info.user = (void *)(tls ? &conf->tls_settings : &conf->plain_settings);
	info.keepalive_timeout = listener->keepalive_timeout;
	info.alpn = "http/1.1";
	info.retry_and_idle_policy = listener->idle_policy;
	if (strchr(interface, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	if (tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = conf->cert_pem;
		info.ssl_private_key_filepath = conf->cert_key;
	}
	struct lws_vhost *vhost = lws_create_vhost(context, &info);
	if (vhost == NULL)
		LOG(listener, PARLEY_LOG_ERROR, "%s: cannot listen on %s:%ld (%s; in use, or not a local address)",
		    listener->label, interface, port, name);
	return vhost;
}

static struct lws_context *open_context(const parley_tx_listener *listener, void *context_user)
{
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	/* OpenSSL initialises itself; only the TLS vhost asks for TLS. A
	 * context with DO_SSL_GLOBAL_INIT would also tear OpenSSL's global state
	 * down when destroyed, under the other transport's live TLS vhost. */
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = context_user;
	/* lws keeps a head in a buffer of this size and drops a connection
	 * whose head does not fit, without an answer: twice the limit, so that
	 * a head just over it is stored whole and gets its 431. */
	info.max_http_header_data2 = (unsigned int)(2 * listener->conf->max_head);
	struct lws_context *context = lws_create_context(&info);
	if (context == NULL)
		LOG(listener, PARLEY_LOG_ERROR, "cannot create the libwebsockets context");
	return context;
}

static int open_vhosts(const parley_tx_listener *listener, bool tls, struct lws_context *context)
{
	const parley_tx_listen_conf *conf = listener->conf;
	const char *plain = listener->plain_vhost != NULL ? listener->plain_vhost : listener->plain_name;
	const char *secure = listener->tls_vhost != NULL ? listener->tls_vhost : listener->tls_name;
	if ((conf->port > 0 && create_vhost(listener, context, plain, conf->port, false) == NULL) ||
	    (tls && create_vhost(listener, context, secure, conf->secure_port, true) == NULL))
		return -1;
	return 0;
}

static void log_listening(const parley_tx_listener *listener, const char *scheme, long port)
{
	LOG(listener, PARLEY_LOG_INFO, "%s transport listening on %s://%s:%ld%s", listener->label, scheme,
	    listener->conf->interface, port, listener->path);
}

int parley_tx_listener_start(const parley_tx_listener *listener, void *context_user, struct lws_context **context,
                             GThread **thread)
{
	return parley_tx_listeners_start(listener, 1, context_user, context, thread);
}

/* At most this many listeners share a context. */
#define MAX_LISTENERS 16

int parley_tx_listeners_start(const parley_tx_listener *listeners, size_t count, void *context_user,
                              struct lws_context **context, GThread **thread)
{
	bool tls[MAX_LISTENERS];
	listen_plan plans[MAX_LISTENERS];
	bool any = false;
	if (count == 0 || count > MAX_LISTENERS)
		return -1;
	for (size_t i = 0; i < count; i++) {
		plans[i] = plan_listening(&listeners[i], &tls[i]);
		if (plans[i] == PLAN_FAILED)
			return -1;
		any = any || plans[i] == PLAN_LISTEN;
	}
	if (!any)
		return 0;
	*context = open_context(&listeners[0], context_user);
	if (*context == NULL)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (plans[i] == PLAN_LISTEN && open_vhosts(&listeners[i], tls[i], *context) != 0)
			return -1;
	}
	*thread = g_thread_new(listeners[0].thread_name, listeners[0].service, NULL);
	for (size_t i = 0; i < count; i++) {
		if (plans[i] != PLAN_LISTEN)
			continue;
		if (listeners[i].conf->port > 0)
			log_listening(&listeners[i], listeners[i].plain_name, listeners[i].conf->port);
		if (tls[i])
			log_listening(&listeners[i], listeners[i].tls_name, listeners[i].conf->secure_port);
	}
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
