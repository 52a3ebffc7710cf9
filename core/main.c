/*
 * main.c — parleyd: the command line, the start-up order and the shutdown.
 *
 * Start-up: configuration (files, environment, then command-line flags on
 * top), logging, event loops, event bus, the JSON API's worker pool, media,
 * then plugins, transports and event handlers, each given its table of core
 * services (tables.c) through the loader. No transport loaded is fatal.
 *
 * Signals (through the main GMainLoop, so handlers run as ordinary code):
 * SIGINT/SIGTERM start a graceful shutdown — transports that ask for it
 * learn the server stops (the WebSocket transport tells Socket.IO clients),
 * the API tells every client (hangup, detached) and destroys the sessions, then transports get up to
 * [general] shutdown_grace ms to flush before the modules are unloaded and
 * the process exits 0. A second SIGINT/SIGTERM exits at once. SIGHUP reopens
 * the log file.
 *
 * The whole shutdown is bounded: a watchdog thread started with it exits 0
 * (after one log line naming the step that did not finish) when the drain,
 * the flush and the unloading are not done shutdown_grace + FLUSH_MARGIN_MS
 * after the signal, so a stuck module or connection never keeps the process.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "api.h"
#include "config.h"
#include "events.h"
#include "loader.h"
#include "log.h"
#include "loops.h"
#include "memtrim.h"
#include "lateness.h"
#include "registry.h"
#include "tables.h"
#include "webrtc.h"

#define PARLEY_LOG_MODULE "main"

#ifndef PARLEY_SYSCONFDIR
#define PARLEY_SYSCONFDIR "/etc/parley"
#endif
#ifndef PARLEY_PLUGINDIR
#define PARLEY_PLUGINDIR "/usr/lib/parley/plugins"
#endif
#ifndef PARLEY_TRANSPORTDIR
#define PARLEY_TRANSPORTDIR "/usr/lib/parley/transports"
#endif
#ifndef PARLEY_HANDLERDIR
#define PARLEY_HANDLERDIR "/usr/lib/parley/handlers"
#endif

/* A flush margin: once every session is gone, transports still get this
 * long (or the whole grace period when it is shorter) to send the last
 * messages. */
#define FLUSH_MARGIN_MS 200
#define GRACE_TICK_MS 50

/* Command-line values; NULL / -1 when not given. */
static struct {
	char *configs_folder, *plugins_folder, *transports_folder, *handlers_folder;
	char *log_level, *log_file, *server_name, *interface;
	gboolean log_json, version;
	gint event_loops, session_timeout;
} cli = {.event_loops = -1, .session_timeout = -1};

static const GOptionEntry option_entries[] = {
	{"configs-folder", 'F', 0, G_OPTION_ARG_FILENAME, &cli.configs_folder,
	 "Folder of parley.conf and the modules' <package>.conf (default " PARLEY_SYSCONFDIR ")", "DIR"},
	{"plugins-folder", 'P', 0, G_OPTION_ARG_FILENAME, &cli.plugins_folder, "Folder of the plugins", "DIR"},
	{"transports-folder", 'T', 0, G_OPTION_ARG_FILENAME, &cli.transports_folder, "Folder of the transports", "DIR"},
	{"handlers-folder", 0, 0, G_OPTION_ARG_FILENAME, &cli.handlers_folder, "Folder of the event handlers", "DIR"},
	{"log-level", 'd', 0, G_OPTION_ARG_STRING, &cli.log_level,
	 "Log level: 0-6 or fatal, error, warn, info, verb, debug (default info)", "LEVEL"},
	{"log-file", 'L', 0, G_OPTION_ARG_FILENAME, &cli.log_file, "Log to this file instead of stderr", "FILE"},
	{"log-json", 0, 0, G_OPTION_ARG_NONE, &cli.log_json, "Log JSON lines", NULL},
	{"event-loops", 0, 0, G_OPTION_ARG_INT, &cli.event_loops, "Event-loop threads (0 = one per core)", "N"},
	{"session-timeout", 0, 0, G_OPTION_ARG_INT, &cli.session_timeout,
	 "Seconds without activity before a session times out (0 = never)", "S"},
	{"server-name", 0, 0, G_OPTION_ARG_STRING, &cli.server_name, "Name of this server (events, info)", "NAME"},
	{"interface", 0, 0, G_OPTION_ARG_STRING, &cli.interface,
	 "Address the HTTP and WebSocket transports bind", "IP"},
	{"version", 'V', 0, G_OPTION_ARG_NONE, &cli.version, "Print the version and exit", NULL},
	{NULL},
};

/* Where each command-line string goes in the configuration. */
static const struct {
	char **value;
	const char *module, *section, *key;
} cli_strings[] = {
	{&cli.plugins_folder, "parley", "general", "plugins_folder"},
	{&cli.transports_folder, "parley", "general", "transports_folder"},
	{&cli.handlers_folder, "parley", "general", "handlers_folder"},
	{&cli.log_level, "parley", "general", "log_level"},
	{&cli.log_file, "parley", "general", "log_file"},
	{&cli.server_name, "parley", "general", "server_name"},
	{&cli.interface, "parley.transport.http", "general", "interface"},
	{&cli.interface, "parley.transport.websocket", "general", "interface"},
};
static const struct {
	gint *value;
	const char *key;
} cli_ints[] = {
	{&cli.event_loops, "event_loops"},
	{&cli.session_timeout, "session_timeout"},
};

/* The module folders, in loading order. */
static const struct {
	parley_module_kind kind;
	const char *folder_key, *default_folder, *disable_section;
} module_folders[] = {
	{PARLEY_MODULE_PLUGIN, "plugins_folder", PARLEY_PLUGINDIR, "plugins"},
	{PARLEY_MODULE_TRANSPORT, "transports_folder", PARLEY_TRANSPORTDIR, "transports"},
	{PARLEY_MODULE_HANDLER, "handlers_folder", PARLEY_HANDLERDIR, "handlers"},
};

static struct {
	GMainLoop *loop;
	bool stopping;
	gint64 stop_started;   /* monotonic µs */
	long grace_ms;
} daemon_state;

/* The shutdown watchdog: `done` once the process is about to return. */
static struct {
	GMutex lock;
	GCond cond;
	bool done;
	const char *step;      /* what the shutdown is doing; under lock */
	GThread *thread;
} watchdog;

static void shutdown_step(const char *step)
{
	g_mutex_lock(&watchdog.lock);
	watchdog.step = step;
	g_mutex_unlock(&watchdog.lock);
}

static gpointer watchdog_run(gpointer unused)
{
	gint64 deadline = daemon_state.stop_started +
	                  (gint64)(daemon_state.grace_ms + FLUSH_MARGIN_MS) * G_TIME_SPAN_MILLISECOND;
	g_mutex_lock(&watchdog.lock);
	while (!watchdog.done && g_cond_wait_until(&watchdog.cond, &watchdog.lock, deadline))
		;
	bool done = watchdog.done;
	const char *step = watchdog.step;
	g_mutex_unlock(&watchdog.lock);
	if (!done) {
		PLOG_WARN("shutdown still %s %ld ms after the signal (shutdown_grace %ld ms): abandoned, exiting",
		          step, daemon_state.grace_ms + FLUSH_MARGIN_MS, daemon_state.grace_ms);
		_exit(0);
	}
	return NULL;
}

static void watchdog_finish(void)
{
	if (!watchdog.thread)
		return;
	g_mutex_lock(&watchdog.lock);
	watchdog.done = true;
	g_cond_signal(&watchdog.cond);
	g_mutex_unlock(&watchdog.lock);
	g_thread_join(watchdog.thread);
	watchdog.thread = NULL;
}

static void apply_command_line(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cli_strings); i++) {
		if (*cli_strings[i].value != NULL)
			parley_config_set(cli_strings[i].module, cli_strings[i].section, cli_strings[i].key,
			                  *cli_strings[i].value);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(cli_ints); i++) {
		if (*cli_ints[i].value >= 0) {
			char text[32];
			g_snprintf(text, sizeof(text), "%d", *cli_ints[i].value);
			parley_config_set("parley", "general", cli_ints[i].key, text);
		}
	}
	if (cli.log_json)
		parley_config_set("parley", "general", "log_format", "json");
}

static gboolean grace_tick(gpointer unused)
{
	long elapsed = (long)((g_get_monotonic_time() - daemon_state.stop_started) / 1000);
	bool drained = parley_api_session_count() == 0 && parley_api_handle_count() == 0;
	long margin = daemon_state.grace_ms < FLUSH_MARGIN_MS ? daemon_state.grace_ms : FLUSH_MARGIN_MS;
	if (elapsed >= daemon_state.grace_ms || (drained && elapsed >= margin)) {
		g_main_loop_quit(daemon_state.loop);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

/* Transports that want it learn the server stops before the sessions end. */
static void tell_transports_stopping(void)
{
	const parley_transport *transports[64];
	unsigned count = parley_registry_transports(transports, G_N_ELEMENTS(transports));
	for (unsigned i = 0; i < count && i < G_N_ELEMENTS(transports); i++) {
		void (*stopping)(void) = PARLEY_TRANSPORT_FIELD(transports[i], stopping);
		if (stopping != NULL)
			stopping();
	}
}

static gboolean on_stop_signal(gpointer data)
{
	const char *name = data;
	if (daemon_state.stopping) {
		PLOG_WARN("%s again: exiting now", name);
		_exit(1);
	}
	daemon_state.stopping = true;
	daemon_state.stop_started = g_get_monotonic_time();
	PLOG_INFO("%s: shutting down (grace %ld ms)", name, daemon_state.grace_ms);
	watchdog.step = "telling the clients and ending the sessions";
	watchdog.thread = g_thread_new("parley-shutdown", watchdog_run, NULL);
	tell_transports_stopping();
	parley_api_shutdown();
	shutdown_step("flushing the transports");
	g_timeout_add(GRACE_TICK_MS, grace_tick, NULL);
	return G_SOURCE_CONTINUE;
}

static gboolean on_sighup(gpointer unused)
{
	parley_log_reopen();
	return G_SOURCE_CONTINUE;
}

/* Parses the command line; returns -1 (after printing why) on bad input. */
static int parse_command_line(int *argc, char ***argv)
{
	GOptionContext *context = g_option_context_new("- Parley WebRTC gateway");
	g_option_context_set_summary(context,
		"Settings come from the command line, then environment variables, then\n"
		"<configs-folder>/parley.conf and <package>.conf, then built-in defaults.");
	g_option_context_add_main_entries(context, option_entries, NULL);
	GError *error = NULL;
	bool ok = g_option_context_parse(context, argc, argv, &error);
	g_option_context_free(context);
	if (!ok) {
		fprintf(stderr, "parleyd: %s (try --help)\n", error->message);
		g_error_free(error);
		return -1;
	}
	if (*argc > 1) {
		fprintf(stderr, "parleyd: unexpected argument \"%s\" (try --help)\n", (*argv)[1]);
		return -1;
	}
	return 0;
}

/* Logging from the configuration; -1 with a message on a bad value. */
static int open_log(void)
{
	const char *level_text = parley_config_get_string("parley", "general", "log_level", "info");
	parley_log_level level;
	if (parley_log_level_parse(level_text, &level) != 0) {
		fprintf(stderr, "parleyd: log_level \"%s\" is not 0-6 or fatal/error/warn/info/verb/debug\n",
		        level_text);
		return -1;
	}
	parley_log_set_level(level);
	/* log_format (text or json); log_json = true is its older spelling */
	const char *format = parley_config_get("parley", "general", "log_format");
	bool json = parley_config_get_bool("parley", "general", "log_json", false);
	if (format && *format) {
		if (g_ascii_strcasecmp(format, "json") != 0 && g_ascii_strcasecmp(format, "text") != 0) {
			fprintf(stderr, "parleyd: log_format \"%s\" is not text or json\n", format);
			return -1;
		}
		json = g_ascii_strcasecmp(format, "json") == 0;
	}
	return parley_log_open(parley_config_get("parley", "general", "log_file"), json);
}

/* Non-negative integer setting, or -1 with a log line. */
static long read_count(const char *section, const char *key, long fallback, long max)
{
	long value = parley_config_get_int("parley", section, key, fallback);
	if (value < 0 || value > max) {
		PLOG_ERR("[%s] %s = %ld is out of range (0-%ld)", section, key, value, max);
		return -1;
	}
	return value;
}

static unsigned load_modules(void)
{
	parley_loader_set_tables(parley_tables_all());
	unsigned transports = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(module_folders); i++) {
		const char *folder = parley_config_get_string("parley", "general", module_folders[i].folder_key,
		                                              module_folders[i].default_folder);
		const char *disabled = parley_config_get("parley", module_folders[i].disable_section, "disable");
		int n = parley_loader_load_folder(folder, module_folders[i].kind, disabled);
		if (module_folders[i].kind == PARLEY_MODULE_TRANSPORT)
			transports = (unsigned)n;
	}
	return transports;
}

static void stop_runtime(void)
{
	parley_lateness_unwatch();
	parley_memtrim_stop();
	parley_events_stop();
	parley_loops_stop();
	parley_webrtc_stop();
	parley_loader_unload_all();
}

int main(int argc, char **argv)
{
	if (parse_command_line(&argc, &argv) != 0)
		return 2;
	if (cli.version) {
		printf("parleyd %s\n", PARLEY_VERSION_STRING);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	const char *folder = cli.configs_folder ? cli.configs_folder : PARLEY_SYSCONFDIR;
	if (parley_config_load(folder) != 0) {
		fprintf(stderr, "parleyd: the configuration in %s has errors (see above)\n", folder);
		return 1;
	}
	apply_command_line();
	if (open_log() != 0)
		return 1;
	parley_log_capture_glib();
	PLOG_INFO("parleyd %s starting (configs folder %s)", PARLEY_VERSION_STRING, folder);
	parley_config_state_dir();

	long loops = read_count("general", "event_loops", 0, 1024);
	long queue = read_count("events", "queue_size", 4096, 1 << 20);
	long workers = read_count("general", "workers", 4, 1024);
	daemon_state.grace_ms = read_count("general", "shutdown_grace", 2000, 600000);
	long trim_ms = read_count("general", "memory_trim_interval", 5000, 3600000);
	long trim_min_kb = read_count("general", "memory_trim_min_kb", 1024, 1 << 22);
	if (loops < 0 || queue < 0 || workers < 0 || daemon_state.grace_ms < 0 || trim_ms < 0 || trim_min_kb < 0)
		return 1;
	/* The signals are watched before any module opens a port, so a client
	 * that has seen /health answer can always stop the server gracefully; a
	 * signal during start-up is handled once the main loop runs. */
	daemon_state.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_stop_signal, "SIGINT");
	g_unix_signal_add(SIGTERM, on_stop_signal, "SIGTERM");
	g_unix_signal_add(SIGHUP, on_sighup, NULL);
	if (parley_loops_start((unsigned)loops) != 0)
		return 1;
	if (parley_events_start((unsigned)queue) != 0 || parley_api_start((unsigned)workers) != 0) {
		PLOG_ERR("cannot start the core");
		parley_events_stop();
		parley_loops_stop();
		return 1;
	}
	/* Media (DTLS certificate, SRTP, [media]) at start rather than at the
	 * first PeerConnection; a failure is logged there and refuses pcs. */
	char media_error[256];
	(void)parley_webrtc_setup(media_error, sizeof(media_error));
	if (load_modules() == 0) {
		PLOG_ERR("no transport loaded (transports_folder %s): nothing could reach this server, exiting",
		         parley_config_get_string("parley", "general", "transports_folder", PARLEY_TRANSPORTDIR));
		parley_api_shutdown();
		stop_runtime();
		parley_log_close();
		parley_config_free();
		return 1;
	}

	parley_memtrim_start((unsigned)trim_ms, (size_t)trim_min_kb * 1024);
	parley_lateness_watch(g_main_loop_get_context(daemon_state.loop), "the main loop");
	PLOG_INFO("running (%u plugins, %u transports, %u handlers, %u event loops)",
	          parley_registry_plugins(NULL, 0), parley_registry_transports(NULL, 0),
	          parley_registry_handlers(NULL, 0), parley_loops_count());
	g_main_loop_run(daemon_state.loop);

	gint64 drained_at = g_get_monotonic_time();
	shutdown_step("stopping the event loops and unloading the modules");
	stop_runtime();
	watchdog_finish();
	if (daemon_state.stopping) {
		gint64 now = g_get_monotonic_time();
		PLOG_INFO("bye (shutdown took %ld ms: %ld ms ending the sessions and flushing, %ld ms unloading)",
		          (long)((now - daemon_state.stop_started) / 1000),
		          (long)((drained_at - daemon_state.stop_started) / 1000), (long)((now - drained_at) / 1000));
	} else {
		PLOG_INFO("bye");
	}
	g_main_loop_unref(daemon_state.loop);
	parley_log_close();
	parley_config_free();
	return 0;
}
