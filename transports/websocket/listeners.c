/*
 * transports/websocket/listeners.c — reading and checking the Socket.IO
 * listeners' settings (see listeners.h): [socketio] for the main port, and
 * [socketio.<name>] for each extra listener [socketio] listeners names.
 */
#include "listeners.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MAIN_SECTION "socketio"
#define DEFAULT_PATH "/socket.io/"

/* The integer settings of a Socket.IO endpoint: the main one's defaults
 * are these; an extra listener's are the main one's values. */
static const struct {
	const char *key;
	size_t offset;
	long fallback, min, max;
} socketio_ints[] = {
	{ "ping_interval", offsetof(parley_wsl_socketio, ping_interval), 25000, 100, 3600000 },
	{ "ping_timeout", offsetof(parley_wsl_socketio, ping_timeout), 20000, 100, 3600000 },
	{ "max_payload", offsetof(parley_wsl_socketio, max_payload), 1000000, 64, 100000000 },
	{ "max_clients", offsetof(parley_wsl_socketio, max_clients), 10000, 0, 10000000 },
};

/* The routes no Socket.IO path may hide (they answer on every listener). */
static const char *const core_routes[] = { "/health", "/api/server-info", "/metrics" };

static const char *const health_names[] = {
	[PARLEY_WSL_HEALTH_GATEWAY] = "gateway",
	[PARLEY_WSL_HEALTH_SFU] = "sfu",
};

const char *parley_wsl_health_name(parley_wsl_health health)
{
	return (size_t)health < G_N_ELEMENTS(health_names) ? health_names[health] : "?";
}

static const char *get_string(const parley_util_setting_source *source, const char *section, const char *key)
{
	const char *value = source->get(source->context, section, key);
	return value != NULL && value[0] != '\0' ? value : NULL;
}

static void warn(const parley_util_setting_source *source, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void warn(const parley_util_setting_source *source, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *line = g_strdup_vprintf(format, args);
	va_end(args);
	source->warn(source->context, line);
	g_free(line);
}

static int refuse(char *reason, size_t reason_size, const char *format, ...) G_GNUC_PRINTF(3, 4);

static int refuse(char *reason, size_t reason_size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	g_vsnprintf(reason, reason_size, format, args);
	va_end(args);
	return -1;
}

/* `path` with a trailing '/' into `out`; false when it does not start with
 * '/' or is too long. */
static bool normalise_path(const char *path, char *out, size_t out_size)
{
	if (path == NULL || path[0] != '/' || strlen(path) > out_size - 2)
		return false;
	g_strlcpy(out, path, out_size);
	if (!g_str_has_suffix(out, "/"))
		g_strlcat(out, "/", out_size);
	return true;
}

/* The endpoint's settings from `section`, each unset one from `base`. */
static void read_socketio(const parley_util_setting_source *source, const char *section,
                          const parley_wsl_socketio *base, parley_wsl_socketio *out)
{
	out->enabled = parley_util_setting_read_bool(source, section, "enabled", base->enabled);
	for (size_t i = 0; i < G_N_ELEMENTS(socketio_ints); i++) {
		const long *fallback = (const long *)((const char *)base + socketio_ints[i].offset);
		long *value = (long *)((char *)out + socketio_ints[i].offset);
		*value = parley_util_setting_read_int(source, section, socketio_ints[i].key, *fallback,
		                                      socketio_ints[i].min, socketio_ints[i].max);
	}
	const char *plugin = get_string(source, section, "plugin");
	g_strlcpy(out->plugin, plugin != NULL ? plugin : "", sizeof(out->plugin));
	/* a listener's own: never taken from [socketio] (another plugin's events) */
	const char *event_name = get_string(source, section, "event_name");
	if (event_name != NULL && strlen(event_name) >= sizeof(out->event_name)) {
		warn(source, "[%s] event_name = '%s' is longer than %zu bytes: not used", section, event_name,
		     sizeof(out->event_name) - 1);
		event_name = NULL;
	}
	g_strlcpy(out->event_name, event_name != NULL ? event_name : "", sizeof(out->event_name));
}

static void read_main(const parley_util_setting_source *source, parley_wsl_socketio *main)
{
	parley_wsl_socketio defaults = { .enabled = true };
	for (size_t i = 0; i < G_N_ELEMENTS(socketio_ints); i++)
		*(long *)((char *)&defaults + socketio_ints[i].offset) = socketio_ints[i].fallback;
	read_socketio(source, MAIN_SECTION, &defaults, main);
	const char *path = get_string(source, MAIN_SECTION, "path");
	if (!normalise_path(path != NULL ? path : DEFAULT_PATH, main->path, sizeof(main->path))) {
		warn(source, "[socketio] path = '%s' must start with '/' (at most %zu bytes): using " DEFAULT_PATH,
		     path, sizeof(main->path) - 2);
		g_strlcpy(main->path, DEFAULT_PATH, sizeof(main->path));
	}
	if (main->enabled && main->plugin[0] == '\0') {
		main->enabled = false;
		warn(source, "the Socket.IO endpoint is off: [socketio] plugin (the plugin its clients attach to) is "
		             "not set");
	}
}

static bool valid_name(const char *name)
{
	if (name[0] == '\0' || strlen(name) >= PARLEY_WSL_NAME_SIZE)
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return false;
	}
	return true;
}

/* True when a request for `route` would go to the endpoint on `path`. */
static bool path_hides(const char *path, const char *route)
{
	size_t length = strlen(path);
	return strncmp(route, path, length) == 0 ||
	       (strncmp(route, path, length - 1) == 0 && route[length - 1] == '\0');
}

static int read_path(const parley_util_setting_source *source, parley_wsl_listener *l, char *reason, size_t reason_size)
{
	const char *path = get_string(source, l->section, "path");
	if (path == NULL)
		path = DEFAULT_PATH;
	if (!normalise_path(path, l->socketio.path, sizeof(l->socketio.path)))
		return refuse(reason, reason_size, "[%s] path = '%s' must start with '/' (at most %zu bytes)",
		              l->section, path, sizeof(l->socketio.path) - 2);
	for (size_t i = 0; i < G_N_ELEMENTS(core_routes); i++) {
		if (path_hides(l->socketio.path, core_routes[i]))
			return refuse(reason, reason_size, "[%s] path = '%s' would hide %s", l->section, path,
			              core_routes[i]);
	}
	return 0;
}

static int read_health(const parley_util_setting_source *source, parley_wsl_listener *l, char *reason,
                       size_t reason_size)
{
	const char *health = get_string(source, l->section, "health");
	l->health = PARLEY_WSL_HEALTH_GATEWAY;
	if (health == NULL)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(health_names); i++) {
		if (g_ascii_strcasecmp(health, health_names[i]) == 0) {
			l->health = (parley_wsl_health)i;
			return 0;
		}
	}
	return refuse(reason, reason_size, "[%s] health = '%s' is not one of gateway, sfu", l->section, health);
}

/* [general] settings an extra listener takes unless its section sets them. */
static char *inherited(const parley_util_setting_source *source, const char *section, const char *key,
                       const char *general)
{
	const char *value = get_string(source, section, key);
	return g_strdup(value != NULL ? value : general);
}

static int read_extra(const parley_util_setting_source *source, const parley_tx_listen_conf *general,
                      const parley_wsl_socketio *main, parley_wsl_listener *l, char *reason, size_t reason_size)
{
	parley_tx_listen_conf *listen = &l->listen;
	listen->interface = inherited(source, l->section, "interface", general->interface);
	listen->cert_pem = inherited(source, l->section, "cert_pem", general->cert_pem);
	listen->cert_key = inherited(source, l->section, "cert_key", general->cert_key);
	listen->cors_origins = inherited(source, l->section, "cors_origins", general->cors_origins);
	listen->port = parley_util_setting_read_int(source, l->section, "port", PARLEY_WSL_DEFAULT_PORT, 0, 65535);
	listen->secure_port = parley_util_setting_read_int(source, l->section, "secure_port", 0, 0, 65535);
	listen->max_body = general->max_body;
	listen->max_head = general->max_head; /* one lws context: one head buffer */
	listen->linger_seconds = general->linger_seconds;
	listen->admin_enabled = false;
	parley_wsl_socketio base = *main;
	base.enabled = true;
	read_socketio(source, l->section, &base, &l->socketio);
	if (read_path(source, l, reason, reason_size) != 0 || read_health(source, l, reason, reason_size) != 0)
		return -1;
	if (l->socketio.plugin[0] == '\0')
		return refuse(reason, reason_size,
		              "[%s] plugin is not set (the plugin this listener's clients attach to)", l->section);
	bool tls = listen->secure_port > 0 && listen->cert_pem != NULL && listen->cert_key != NULL;
	if (listen->port == 0 && !tls)
		return refuse(reason, reason_size,
		              "[%s] listens on no port (port = 0, and no secure_port with cert_pem and cert_key)",
		              l->section);
	return 0;
}

int parley_wsl_read(const parley_util_setting_source *source, const parley_tx_listen_conf *general, parley_wsl_set *set,
                    char *reason, size_t reason_size)
{
	memset(set, 0, sizeof(*set));
	read_main(source, &set->main);
	const char *list = get_string(source, MAIN_SECTION, "listeners");
	if (list == NULL)
		return 0;
	char **names = g_strsplit_set(list, ", \t", -1);
	int rc = 0;
	for (char **name = names; *name != NULL && rc == 0; name++) {
		if (**name == '\0')
			continue;
		if (!valid_name(*name)) {
			rc = refuse(
				reason, reason_size,
				"[socketio] listeners: '%s' is not a listener name (letters, digits, '_', '-'; at most "
				"%d)",
				*name, PARLEY_WSL_NAME_SIZE - 1);
			break;
		}
		for (size_t i = 0; i < set->count && rc == 0; i++) {
			if (strcmp(set->extra[i].name, *name) == 0)
				rc = refuse(reason, reason_size, "[socketio] listeners names '%s' twice", *name);
		}
		if (rc == 0 && set->count == PARLEY_WSL_MAX)
			rc = refuse(reason, reason_size, "[socketio] listeners: more than %d listeners",
			            PARLEY_WSL_MAX);
		if (rc != 0)
			break;
		parley_wsl_listener *l = &set->extra[set->count++];
		g_strlcpy(l->name, *name, sizeof(l->name));
		snprintf(l->section, sizeof(l->section), MAIN_SECTION ".%s", *name);
		rc = read_extra(source, general, &set->main, l, reason, reason_size);
	}
	g_strfreev(names);
	return rc;
}

/* ---- the whole set ---------------------------------------------------------- */

typedef struct bound_port {
	const char *owner; /* "[general] port", "[socketio.sfu] secure_port" ... */
	const char *interface;
	long port;
} bound_port;

static bool is_wildcard(const char *interface)
{
	return interface == NULL || strcmp(interface, "0.0.0.0") == 0 || strcmp(interface, "*") == 0 ||
	       strcmp(interface, "::") == 0;
}

static bool same_socket(const bound_port *a, const bound_port *b)
{
	return a->port == b->port &&
	       (is_wildcard(a->interface) || is_wildcard(b->interface) || strcmp(a->interface, b->interface) == 0);
}

int parley_wsl_check(const parley_wsl_set *set, const parley_tx_listen_conf *general,
                     bool (*plugin_loaded)(const char *package), char *reason, size_t reason_size)
{
	/* owners' text lives in `names` until the end */
	char names[2 * (PARLEY_WSL_MAX + 1)][PARLEY_WSL_NAME_SIZE + 32];
	bound_port ports[2 * (PARLEY_WSL_MAX + 1)];
	size_t count = 0;
	struct {
		const char *section;
		const parley_tx_listen_conf *conf;
	} all[PARLEY_WSL_MAX + 1] = { { "general", general } };
	for (size_t i = 0; i < set->count; i++) {
		all[i + 1].section = set->extra[i].section;
		all[i + 1].conf = &set->extra[i].listen;
	}
	for (size_t i = 0; i <= set->count; i++) {
		if (i > 0 && !set->extra[i - 1].socketio.enabled)
			continue;
		const parley_tx_listen_conf *conf = all[i].conf;
		bool tls = conf->cert_pem != NULL && conf->cert_key != NULL; /* else secure_port is ignored */
		const long numbers[2] = { conf->port, tls ? conf->secure_port : 0 };
		static const char *const keys[2] = { "port", "secure_port" };
		for (size_t k = 0; k < 2; k++) {
			if (numbers[k] <= 0)
				continue;
			snprintf(names[count], sizeof(names[count]), "[%s] %s", all[i].section, keys[k]);
			ports[count] = (bound_port){ names[count], conf->interface, numbers[k] };
			for (size_t j = 0; j < count; j++) {
				if (same_socket(&ports[j], &ports[count]))
					return refuse(reason, reason_size,
					              "%s %ld is also %s: each listener needs its own port",
					              ports[count].owner, numbers[k], ports[j].owner);
			}
			count++;
		}
	}
	for (size_t i = 0; i < set->count && plugin_loaded != NULL; i++) {
		const parley_wsl_listener *l = &set->extra[i];
		if (l->socketio.enabled && !plugin_loaded(l->socketio.plugin))
			return refuse(reason, reason_size, "[%s] plugin = %s is not loaded", l->section,
			              l->socketio.plugin);
	}
	return 0;
}

void parley_wsl_free(parley_wsl_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		parley_tx_listen_conf_free(&set->extra[i].listen);
	memset(set, 0, sizeof(*set));
}
