/*
 * main.c — parley-loadgen: options and their limits, the run's life
 * (connect the Janus API WebSocket, let the driver set the peers up within
 * --setup-timeout, the media phase of --duration seconds with one 10 ms
 * ticker for every publisher, a drain, the goodbyes), the generator's own
 * CPU measurement, and the output: one JSON line on stdout and a human
 * table on stderr (or stdout with --table-stdout). Exit 0 on success, 1 when
 * the run failed (or --expect-intact found a packet missing), 2 on bad
 * options.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "dtls.h"
#include "janus_ws.h"
#include "sctp.h"
#include "loadgen.h"
#include "session.h"
#include "srtp.h"
#include "stats.h"
#include "textroom_stats.h"

#define TICK_MS 10
#define DRAIN_MS 600
#define CONNECT_TIMEOUT_MS 5000

static const loadgen_driver *const drivers[] = {
	&loadgen_driver_echo, &loadgen_driver_room, &loadgen_driver_videoroom, &loadgen_driver_whip,
	&loadgen_driver_textroom,
};

static void log_line(int verbose, int level, const char *fmt, va_list ap)
{
	if (level > verbose)
		return;
	fprintf(stderr, "[loadgen] ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void loadgen_log(const loadgen_run *run, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(run->options->verbose, level, fmt, ap);
	va_end(ap);
}

static int64_t cpu_time_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
		ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* ---- phases ---- */

static gboolean quit_loop(gpointer data)
{
	loadgen_run *run = data;
	g_main_loop_quit(run->loop);
	return G_SOURCE_REMOVE;
}

/* End of the media window: stop sending, drain, say goodbye, quit. */
static void end_media(loadgen_run *run)
{
	if (run->stopping)
		return;
	run->stopping = true;
	run->media_phase = false;
	if (run->media_start_us) {
		run->media_end_us = g_get_monotonic_time();
		run->cpu_end_us = cpu_time_us();
	}
	g_timeout_add(DRAIN_MS, quit_loop, run);
}

void loadgen_run_finish(loadgen_run *run)
{
	end_media(run);
}

static gboolean media_done(gpointer data)
{
	end_media(data);
	return G_SOURCE_REMOVE;
}

void loadgen_run_fail(loadgen_run *run, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "[loadgen] error: %s\n", text);
	if (run->failure == NULL)
		run->failure = text;
	else
		g_free(text);
	end_media(run);
}

void loadgen_run_add_peer(loadgen_run *run, loadgen_peer *peer)
{
	g_ptr_array_add(run->peers, peer);
}

void loadgen_run_peer_ready(loadgen_run *run, loadgen_peer *peer)
{
	run->peers_ready++;
	loadgen_log(run, 1, "peer %u connected (%d/%d, SRTP %s)", loadgen_peer_publisher_id(peer),
	            run->peers_ready, run->peers_expected, loadgen_peer_srtp_profile(peer));
	if (run->peers_ready < run->peers_expected || run->media_start_us || run->stopping)
		return;
	run->media_start_us = g_get_monotonic_time();
	run->cpu_start_us = cpu_time_us();
	loadgen_log(run, 1, "all %d peers connected after %.0f ms; %s %d s", run->peers_expected,
	            (run->media_start_us - run->start_us) / 1000.0,
	            run->driver->all_ready ? "phases of at most" : "media for", run->options->duration_s);
	if (run->driver->all_ready)
		run->driver->all_ready(run);
	else
		g_timeout_add((guint)run->options->duration_s * 1000, media_done, run);
}

/* Publishers send from the moment they connect; the window that counts
 * starts when every peer is up. */
static gboolean tick(gpointer data)
{
	loadgen_run *run = data;
	if (run->stopping)
		return G_SOURCE_REMOVE;
	int64_t now = g_get_monotonic_time();
	for (guint i = 0; i < run->peers->len; i++)
		loadgen_peer_tick(run->peers->pdata[i], now);
	return G_SOURCE_CONTINUE;
}

static gboolean setup_deadline(gpointer data)
{
	loadgen_run *run = data;
	if (run->media_start_us == 0 && !run->stopping)
		loadgen_run_fail(run, "only %d of %d peers connected within %d s", run->peers_ready,
		                 run->peers_expected, run->options->setup_timeout_s);
	return G_SOURCE_REMOVE;
}

static void ws_closed(void *user_data, const char *why)
{
	loadgen_run *run = user_data;
	if (!run->stopping)
		loadgen_run_fail(run, "Janus API WebSocket: %s", why);
}

/* ---- options ---- */

static loadgen_options options = {
	.url = NULL, .publishers = 1, .subscribers = 0, .rooms = 1, .duration_s = 10, .setup_timeout_s = 20,
	.bitrate_kbps = 500, .fps = 30, .keyframe_interval_s = 2, .keyframe_gap_ms = 500, .audio_bytes = 80,
	.participants = 50, .messages = 3000, .window = 8, .warmup = 20, .room = 1234,
};
static gboolean table_stdout;

static const GOptionEntry entries[] = {
	{ "url", 'u', 0, G_OPTION_ARG_STRING, &options.url,
	  "Janus API WebSocket (ws://127.0.0.1:8188/); whip: the HTTP base (http://127.0.0.1:8088)", "URL" },
	{ "driver", 'd', 0, G_OPTION_ARG_STRING, &options.driver, "echo, room, videoroom, whip or textroom (echo)", "NAME" },
	{ "token", 0, 0, G_OPTION_ARG_STRING, &options.token, "whip: Bearer token for WHIP and WHEP", "TOKEN" },
	{ "plugin", 0, 0, G_OPTION_ARG_STRING, &options.plugin, "plugin package (the driver's default)", "PKG" },
	{ "publishers", 'p', 0, G_OPTION_ARG_INT, &options.publishers, "publishers in all (1)", "N" },
	{ "subscribers", 's', 0, G_OPTION_ARG_INT, &options.subscribers, "subscribers per publisher (0)", "N" },
	{ "rooms", 'r', 0, G_OPTION_ARG_INT, &options.rooms, "rooms the publishers are spread over (1)", "N" },
	{ "duration", 't', 0, G_OPTION_ARG_INT, &options.duration_s, "media seconds once all are up (10)", "S" },
	{ "setup-timeout", 0, 0, G_OPTION_ARG_INT, &options.setup_timeout_s, "bound on setup (20)", "S" },
	{ "bitrate", 'b', 0, G_OPTION_ARG_INT, &options.bitrate_kbps, "video kbit/s (500)", "KBPS" },
	{ "fps", 0, 0, G_OPTION_ARG_INT, &options.fps, "video frames per second (30)", "N" },
	{ "keyframe-interval", 'k', 0, G_OPTION_ARG_INT, &options.keyframe_interval_s, "seconds between keyframes (2)", "S" },
	{ "keyframe-gap", 0, 0, G_OPTION_ARG_INT, &options.keyframe_gap_ms,
	  "least ms between keyframes that PLI/FIR ask for (500)", "MS" },
	{ "audio-bytes", 0, 0, G_OPTION_ARG_INT, &options.audio_bytes, "Opus payload bytes per 20 ms (80)", "N" },
	{ "mesh", 0, 0, G_OPTION_ARG_NONE, &options.mesh, "room drivers: everyone receives everyone else in the room", NULL },
	{ "no-audio", 0, 0, G_OPTION_ARG_NONE, &options.no_audio, "no audio stream", NULL },
	{ "no-video", 0, 0, G_OPTION_ARG_NONE, &options.no_video, "no video stream", NULL },
	{ "iface", 'i', 0, G_OPTION_ARG_STRING, &options.iface, "ICE interface or IP (lo)", "IF" },
	{ "srtp", 0, 0, G_OPTION_ARG_STRING, &options.srtp, "SRTP profiles offered: all, gcm, cm (all)", "P" },
	{ "expect-intact", 0, 0, G_OPTION_ARG_NONE, &options.expect_intact, "echo: fail unless every packet returns intact", NULL },
	{ "participants", 0, 0, G_OPTION_ARG_INT, &options.participants, "textroom: participants in the room (50)", "N" },
	{ "messages", 0, 0, G_OPTION_ARG_INT, &options.messages, "textroom: measured messages per phase (3000)", "N" },
	{ "window", 0, 0, G_OPTION_ARG_INT, &options.window, "textroom: messages in flight in phase one (8)", "N" },
	{ "warmup", 0, 0, G_OPTION_ARG_INT, &options.warmup, "textroom: unmeasured messages before a phase (20)", "N" },
	{ "phases", 0, 0, G_OPTION_ARG_STRING, &options.phases, "textroom: one,all (both)", "LIST" },
	{ "room", 0, 0, G_OPTION_ARG_INT, &options.room, "textroom: room id, created when missing (1234)", "ID" },
	{ "gateway-pid", 0, 0, G_OPTION_ARG_INT, &options.gateway_pid,
	  "textroom: the gateway's PID, whose utime+stime per phase gives CPU per delivery", "PID" },
	{ "json-only", 0, 0, G_OPTION_ARG_NONE, &options.json_only, "no human table", NULL },
	{ "table-stdout", 0, 0, G_OPTION_ARG_NONE, &table_stdout, "human table on stdout after the JSON line", NULL },
	{ "verbose", 'v', 0, G_OPTION_ARG_INT, &options.verbose, "log level 0..3 (0)", "N" },
	{ NULL },
};

typedef struct int_limit {
	const char *name;
	int *value;
	int min, max;
} int_limit;

static bool check_options(const loadgen_driver **driver, char *err, size_t size)
{
	const int_limit limits[] = {
		{ "--publishers", &options.publishers, 1, LOADGEN_MAX_PUBLISHERS },
		{ "--subscribers", &options.subscribers, 0, LOADGEN_MAX_PEERS },
		{ "--rooms", &options.rooms, 1, LOADGEN_MAX_PUBLISHERS },
		{ "--duration", &options.duration_s, 1, LOADGEN_MAX_DURATION_S },
		{ "--setup-timeout", &options.setup_timeout_s, 1, LOADGEN_MAX_SETUP_TIMEOUT_S },
		{ "--bitrate", &options.bitrate_kbps, LOADGEN_MIN_BITRATE_KBPS, LOADGEN_MAX_BITRATE_KBPS },
		{ "--fps", &options.fps, 1, LOADGEN_MAX_FPS },
		{ "--keyframe-interval", &options.keyframe_interval_s, 1, LOADGEN_MAX_KEYFRAME_INTERVAL_S },
		{ "--audio-bytes", &options.audio_bytes, 1, 1000 },
		{ "--keyframe-gap", &options.keyframe_gap_ms, 20, 10000 },
		{ "--verbose", &options.verbose, 0, 3 },
		{ "--participants", &options.participants, 2, LOADGEN_TR_MAX_PARTICIPANTS },
		{ "--messages", &options.messages, 1, LOADGEN_TR_MAX_MESSAGES },
		{ "--window", &options.window, 1, LOADGEN_MAX_WINDOW },
		{ "--warmup", &options.warmup, 0, LOADGEN_MAX_WARMUP },
		{ "--room", &options.room, 1, G_MAXINT },
		{ "--gateway-pid", &options.gateway_pid, 0, G_MAXINT },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
		if (*limits[i].value < limits[i].min || *limits[i].value > limits[i].max) {
			g_snprintf(err, size, "%s must be in %d..%d (got %d)", limits[i].name, limits[i].min,
			           limits[i].max, *limits[i].value);
			return false;
		}
	}
	if ((int64_t)options.publishers * (options.subscribers + 1) > LOADGEN_MAX_PEERS) {
		g_snprintf(err, size, "publishers x (subscribers + 1) must stay within %d peers", LOADGEN_MAX_PEERS);
		return false;
	}
	if (options.rooms > options.publishers) {
		g_snprintf(err, size, "--rooms (%d) cannot exceed --publishers (%d)", options.rooms, options.publishers);
		return false;
	}
	if (options.no_audio && options.no_video) {
		g_snprintf(err, size, "--no-audio and --no-video leave nothing to send");
		return false;
	}
	static const char *const profiles[] = { "all", "gcm", "cm" };
	bool known = false;
	for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++)
		known |= strcmp(options.srtp, profiles[i]) == 0;
	if (!known) {
		g_snprintf(err, size, "--srtp must be all, gcm or cm (got '%s')", options.srtp);
		return false;
	}
	*driver = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(drivers); i++)
		if (strcmp(drivers[i]->name, options.driver) == 0)
			*driver = drivers[i];
	if (*driver == NULL) {
		g_snprintf(err, size, "unknown --driver '%s' (echo, room, videoroom, whip, textroom)", options.driver);
		return false;
	}
	if (!(*driver)->has_rooms && (options.subscribers > 0 || options.mesh || options.rooms > 1)) {
		g_snprintf(err, size, "the %s driver has no rooms or subscribers (--rooms, --subscribers, --mesh)",
		           (*driver)->name);
		return false;
	}
	return (*driver)->check == NULL || (*driver)->check(&options, err, size);
}

static void set_default(char **slot, const char *value)
{
	if (*slot == NULL)
		*slot = g_strdup(value);
}

/* ---- main ---- */

static int run_all(loadgen_run *run)
{
	GError *error = NULL;
	if (parley_dtls_certificate_setup(NULL, NULL, &error) != PARLEY_DTLS_OK || parley_srtp_init() != PARLEY_SRTP_OK) {
		fprintf(stderr, "parley-loadgen: DTLS/SRTP setup: %s\n", error ? error->message : "srtp_init failed");
		g_clear_error(&error);
		return 1;
	}
	if (!run->driver->uses_http)
		run->ws = loadgen_ws_connect(run->context, options.url, CONNECT_TIMEOUT_MS, ws_closed, run, &error);
	if (!run->driver->uses_http && run->ws == NULL) {
		fprintf(stderr, "parley-loadgen: %s\n", error->message);
		g_error_free(error);
		return 1;
	}
	run->start_us = g_get_monotonic_time();
	if (run->driver->start(run, &error) < 0) {
		loadgen_run_fail(run, "%s", error ? error->message : "driver failed to start");
		g_clear_error(&error);
	}
	g_timeout_add_seconds((guint)options.setup_timeout_s, setup_deadline, run);
	g_timeout_add(TICK_MS, tick, run);
	/* The loop ends by itself: media_done or a failure → drain → quit. */
	g_main_loop_run(run->loop);
	run->driver->stop(run);
	json_t *summary = run->driver->report ? run->driver->report(run) : loadgen_report_json(run);
	char why[256] = "";
	bool intact = true;
	if (options.expect_intact) {
		intact = run->failure == NULL && loadgen_report_echo_intact(run, why, sizeof(why));
		json_object_set_new(summary, "echo_check", json_pack("{s:b, s:s}", "intact", intact,
			"detail", run->failure ? run->failure : why));
	}
	char *line = json_dumps(summary, JSON_COMPACT);
	printf("%s\n", line);
	fflush(stdout);
	free(line);
	if (!options.json_only && run->driver->table)
		run->driver->table(run, summary, table_stdout ? stdout : stderr);
	else if (!options.json_only)
		loadgen_report_table(run, summary, table_stdout ? stdout : stderr);
	json_decref(summary);
	return run->failure == NULL && intact ? 0 : 1;
}

int main(int argc, char **argv)
{
	GError *error = NULL;
	GOptionContext *oc = g_option_context_new("— WebRTC load over the Janus API");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_summary(oc, "Opens publishers and subscribers on a Janus-API gateway (Parley or Janus),\n"
		"completes ICE, DTLS and SRTP, sends synthetic Opus-sized audio and VP8 video, and\n"
		"measures loss, order, one-way delay and join times. Drivers: echo, room, videoroom, whip\n"
		"(WHIP publishers and WHEP players of parley.plugin.room over plain HTTP), and textroom\n"
		"(TextRoom participants over data channels: messages/s, delivery latency, CPU per delivery).");
	bool parsed = g_option_context_parse(oc, &argc, &argv, &error);
	g_option_context_free(oc);
	if (!parsed) {
		fprintf(stderr, "parley-loadgen: %s\n", error->message);
		g_error_free(error);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "parley-loadgen: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	set_default(&options.driver, "echo");
	set_default(&options.url, strcmp(options.driver, "whip") == 0 ? "http://127.0.0.1:8088" : "ws://127.0.0.1:8188/");
	set_default(&options.iface, "lo");
	set_default(&options.srtp, "all");
	set_default(&options.phases, "one,all");
	char err[256];
	const loadgen_driver *driver = NULL;
	if (!check_options(&driver, err, sizeof(err))) {
		fprintf(stderr, "parley-loadgen: %s\n", err);
		return 2;
	}
	loadgen_run run = {
		.options = &options, .driver = driver, .plugin = options.plugin ? options.plugin : driver->default_plugin,
		.context = g_main_context_default(), .peers = g_ptr_array_new(), .routes = g_ptr_array_new_with_free_func(g_free), .delays = loadgen_stats_histogram_new(),
	};
	run.loop = g_main_loop_new(run.context, FALSE);
	int rc = run_all(&run);
	loadgen_ws_free(run.ws);
	for (guint i = 0; i < run.peers->len; i++)
		loadgen_peer_free(run.peers->pdata[i]);
	g_ptr_array_free(run.peers, TRUE);
	g_ptr_array_free(run.routes, TRUE);
	run.driver->free(&run);
	loadgen_stats_histogram_free(run.delays);
	g_main_loop_unref(run.loop);
	g_free(run.failure);
	parley_sctp_shutdown();   /* usrsctp's last timers (textroom's associations) */
	parley_dtls_certificate_cleanup();
	return rc;
}
