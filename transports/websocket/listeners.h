/*
 * transports/websocket/listeners.h — the Socket.IO settings of the
 * WebSocket transport's listeners: the main port's [socketio] section, and
 * the extra Socket.IO listeners that [socketio] listeners names (a, b →
 * sections [socketio.a], [socketio.b]), each with its own address, ports,
 * TLS, Socket.IO path, plugin, limits and /health shape.
 *
 * Owns reading those settings (an extra listener takes what it does not set
 * from [socketio], then from [general]), and the checks that refuse a bad
 * set at start: listener names, a listener without a port, a port two
 * listeners would share, a path that hides a core route, a plugin that is
 * unset or not loaded, an unknown /health shape.
 *
 * Pure: no lws call and no core call. Settings come through a
 * parley_util_setting_source, loaded plugins through a callback. The
 * strings of each extra listener's `listen` are g_malloc'ed:
 * parley_wsl_free releases them.
 */
#ifndef PARLEY_WS_LISTENERS_H
#define PARLEY_WS_LISTENERS_H

#include "../common/listener.h"
#include "util/setting.h"

#define PARLEY_WSL_MAX 4 /* extra listeners */
#define PARLEY_WSL_NAME_SIZE 32
#define PARLEY_WSL_PATH_SIZE 128
#define PARLEY_WSL_PLUGIN_SIZE 128
#define PARLEY_WSL_EVENT_NAME_SIZE 64
/* An extra listener's port when it sets none: the SFU seed's. */
#define PARLEY_WSL_DEFAULT_PORT 3000

/* What GET /health answers on a listener. */
typedef enum parley_wsl_health {
	PARLEY_WSL_HEALTH_GATEWAY = 0, /* the core's /health, every plugin's counters */
	PARLEY_WSL_HEALTH_SFU,         /* the SFU seed's shape, this listener's plugin's counters */
} parley_wsl_health;

/* One Socket.IO endpoint's settings. */
typedef struct parley_wsl_socketio {
	bool enabled;
	char path[PARLEY_WSL_PATH_SIZE];     /* starts and ends with '/' */
	char plugin[PARLEY_WSL_PLUGIN_SIZE]; /* "" = unset */
	/* The member of a plugin event's data that names the event when the
	 * data is not {"event", "data"} ("" = none: such events are
	 * "plugin-event"), e.g. "textroom". */
	char event_name[PARLEY_WSL_EVENT_NAME_SIZE];
	long ping_interval, ping_timeout;    /* ms */
	long max_payload;                    /* bytes */
	long max_clients;                    /* 0 = unlimited */
} parley_wsl_socketio;

typedef struct parley_wsl_listener {
	char name[PARLEY_WSL_NAME_SIZE];
	char section[PARLEY_WSL_NAME_SIZE + 16]; /* "socketio.<name>" */
	parley_tx_listen_conf listen;            /* admin_enabled false; settings not settled */
	parley_wsl_socketio socketio;
	parley_wsl_health health;
} parley_wsl_listener;

typedef struct parley_wsl_set {
	parley_wsl_socketio main; /* [socketio] on [general] port */
	parley_wsl_listener extra[PARLEY_WSL_MAX];
	size_t count;
} parley_wsl_set;

/* Reads [socketio] into set->main (an unusable path or an unset plugin is a
 * warning, as it always was: the default path, the endpoint off), then
 * every listener [socketio] listeners names, with `general` (the main
 * port's [general] settings, borrowed) for what they do not set. 0, or -1
 * with the reason of the refusal in `reason` (set->extra then holds what
 * was read so far: free it). */
int parley_wsl_read(const parley_util_setting_source *source, const parley_tx_listen_conf *general, parley_wsl_set *set,
                    char *reason, size_t reason_size);

/* The checks that need the whole set: ports shared between listeners on
 * one address, and each extra listener's plugin (`plugin_loaded` NULL:
 * not checked). 0, or -1 with the reason. */
int parley_wsl_check(const parley_wsl_set *set, const parley_tx_listen_conf *general,
                     bool (*plugin_loaded)(const char *package), char *reason, size_t reason_size);

/* Frees the extra listeners' strings and zeroes the set. */
void parley_wsl_free(parley_wsl_set *set);

/* "gateway" / "sfu". */
const char *parley_wsl_health_name(parley_wsl_health health);

#endif
