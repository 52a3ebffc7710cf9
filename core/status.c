/*
 * status.c — the plain-HTTP routes the core serves through any transport:
 * GET /health, GET /api/server-info, GET /metrics (Prometheus text), and
 * every path under a loaded plugin's http_prefix (or one of its
 * http_prefixes), handed to that plugin: as a route call (parley/http.h)
 * when the plugin takes them, else to its handle_http. A transport that
 * knows only plain routes reaches a call-only plugin through a bridge that
 * waits for the answer.
 * Plugins with a query_status callback add their counters to /health and
 * /metrics (/health?plugin=<package>: that plugin's counters only).
 * Routes are a table; a path no route matches returns -1 so the transport
 * answers 404.
 */
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "status.h"
#include "api.h"
#include "config.h"
#include "events.h"
#include "loops.h"
#include "memtrim.h"
#include "metrics.h"
#include "media/udp_batch.h"
#include "media/lite.h"
#include "media/datachannel.h"
#include "media/sctp.h"
#include "webrtc_data.h"
#include "media/pc.h"
#include "registry.h"

#define MAX_MODULES 64
#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ---- process figures ---------------------------------------------------------- */

/* Resident set size in bytes (0 when /proc is unreadable). */
static guint64 resident_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (guint64)resident * (guint64)sysconf(_SC_PAGESIZE);
}

static char *megabytes(size_t bytes)
{
	return g_strdup_printf("%.2fMB", (double)bytes / (1024.0 * 1024.0));
}

/* ---- plugin counters (query_status) -------------------------------------------- */

typedef void (*status_visit_fn)(const parley_plugin *plugin, const char *key, json_t *value, void *data);

/* Calls `visit` for every number every loaded plugin reports, or only
 * plugin `only` (a package) when it is not NULL. */
static void plugin_status_each(const char *only, status_visit_fn visit, void *data)
{
	const parley_plugin *plugins[MAX_MODULES];
	unsigned n = parley_registry_plugins(plugins, MAX_MODULES);
	for (unsigned i = 0; i < n; i++) {
		if (only != NULL && strcmp(plugins[i]->package, only) != 0)
			continue;
		json_t *(*query)(void) = PARLEY_PLUGIN_FIELD(plugins[i], query_status);
		json_t *status = query ? query() : NULL;
		const char *key;
		json_t *value;
		if (json_is_object(status))
			json_object_foreach(status, key, value)
				if (json_is_number(value) && *key)
					visit(plugins[i], key, value, data);
		json_decref(status);
	}
}

/* /health: plugin numbers at the top level, summed across plugins; keys the
 * core already answers are left alone. */
static void merge_into_health(const parley_plugin *plugin, const char *key, json_t *value, void *data)
{
	json_t *body = data, *have = json_object_get(body, key);
	(void)plugin;
	if (have == NULL)
		json_object_set(body, key, value);
	else if (json_is_integer(have) && json_is_integer(value))
		json_object_set_new(body, key, json_integer(json_integer_value(have) + json_integer_value(value)));
	else if (json_is_number(have) && json_is_number(value) && !json_is_integer(have))
		json_object_set_new(body, key, json_real(json_number_value(have) + json_number_value(value)));
}

/* /metrics: one series per key, one sample per plugin. The key is written
 * in snake_case ("packetsForwarded" → parley_plugin_packets_forwarded;
 * characters other than [a-zA-Z0-9] become '_'). */
static void collect_metric(const parley_plugin *plugin, const char *key, json_t *value, void *data)
{
	GTree *series = data;
	GString *name = g_string_new("parley_plugin_");
	for (const char *p = key; *p; p++) {
		if (g_ascii_isupper(*p) && p != key && name->str[name->len - 1] != '_')
			g_string_append_c(name, '_');
		g_string_append_c(name, g_ascii_isalnum(*p) ? g_ascii_tolower(*p) : '_');
	}
	GString *samples = g_tree_lookup(series, name->str);
	if (samples == NULL) {
		samples = g_string_new(NULL);
		g_tree_insert(series, g_strdup(name->str), samples);
	}
	char number[G_ASCII_DTOSTR_BUF_SIZE];
	if (json_is_integer(value))
		g_snprintf(number, sizeof(number), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
	else
		g_ascii_dtostr(number, sizeof(number), json_number_value(value));
	g_string_append_printf(samples, "%s{plugin=\"%s\"} %s\n", name->str, plugin->package, number);
	g_string_free(name, TRUE);
}

static gboolean write_series(gpointer key, gpointer value, gpointer data)
{
	const char *name = key;
	GString *samples = value, *out = data;
	g_string_append_printf(out, "# HELP %s A plugin's counter.\n# TYPE %s gauge\n%s", name, name, samples->str);
	return FALSE;
}

static void free_samples(gpointer samples)
{
	g_string_free(samples, TRUE);
}

static gint compare_names(gconstpointer a, gconstpointer b, gpointer data)
{
	(void)data;
	return strcmp(a, b);
}

static void append_plugin_metrics(GString *out)
{
	GTree *series = g_tree_new_full(compare_names, NULL, g_free, free_samples);
	plugin_status_each(NULL, collect_metric, series);
	g_tree_foreach(series, write_series, out);
	g_tree_destroy(series);
}

/* ---- responses ----------------------------------------------------------------------- */

static void respond_json(parley_http_response *response, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	response->status = status;
	response->content_type = JSON_TYPE;
	response->body = g_strdup(text ? text : "{}");
	response->body_length = strlen(response->body);
	free(text);
	json_decref(body);
}

/* The value of `name` in a raw query string (g_free), or NULL. */
static char *query_value(const char *query, const char *name)
{
	char *value = NULL;
	size_t length = strlen(name);
	char **pairs = g_strsplit(query != NULL ? query : "", "&", -1);
	for (char **pair = pairs; *pair != NULL && value == NULL; pair++) {
		if (strncmp(*pair, name, length) == 0 && (*pair)[length] == '=')
			value = g_uri_unescape_string(*pair + length + 1, NULL);
	}
	g_strfreev(pairs);
	return value;
}

/* ?plugin=<package>: the counters of that plugin only (a listener bound to
 * one plugin reports its own rooms and peers). */
static int serve_health(const parley_http_request *request, parley_http_response *response)
{
	struct mallinfo2 heap = mallinfo2();
	char *used = megabytes(heap.uordblks + heap.hblkhd);
	char *total = megabytes(heap.arena + heap.hblkhd);
	json_t *body = json_pack("{ss sI sI sI sI sI s{ss ss sI}}",
		"status", "healthy",
		"uptime", (json_int_t)parley_metrics_uptime_seconds(),
		"sessions", (json_int_t)parley_api_session_count(),
		"handles", (json_int_t)parley_api_handle_count(),
		"eventLoops", (json_int_t)parley_loops_count(),
		"workers", (json_int_t)parley_api_workers(),
		"memory", "used", used, "total", total, "rss", (json_int_t)resident_bytes());
	g_free(used);
	g_free(total);
	char *only = query_value(request->query, "plugin");
	plugin_status_each(only, merge_into_health, body);
	g_free(only);
	respond_json(response, 200, body);
	return 0;
}

static json_t *config_string_or_null(const char *key)
{
	const char *value = parley_config_get("parley", "media", key);
	return value && *value ? json_string(value) : json_null();
}

static int serve_server_info(const parley_http_request *request, parley_http_response *response)
{
	json_t *body = json_object();
	json_object_set_new(body, "announcedIp", config_string_or_null("announced_ip"));
	json_object_set_new(body, "announcedDomain", config_string_or_null("announced_domain"));
	json_object_set_new(body, "rtcPorts", json_pack("{sIsI}",
		"min", (json_int_t)parley_config_get_int("parley", "media", "rtc_min_port", 40000),
		"max", (json_int_t)parley_config_get_int("parley", "media", "rtc_max_port", 49999)));
	respond_json(response, 200, body);
	return 0;
}

static void gauge(GString *out, const char *name, const char *help, const char *type, guint64 value)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n",
	                       name, help, name, type, name, value);
}

/* The ICE-lite transport's counters (all zero while it is not in use). */
static void append_lite_metrics(GString *out)
{
	parley_lite_stats lite;
	parley_lite_get_stats(&lite);
	static const struct {
		const char *name, *help;
		size_t offset;
	} counters[] = {
		{ "parley_ice_lite_datagrams_received_total",
		  "Datagrams read from the ICE-lite sockets, and frames read from its ICE-TCP connections.",
		  offsetof(parley_lite_stats, datagrams) },
		{ "parley_ice_lite_datagrams_sent_total",
		  "Datagrams the ICE-lite transport sent itself (STUN answers, DTLS, RTCP; "
		  "the send batch's are in parley_udp_batched_datagrams_total), and frames queued on ICE-TCP.",
		  offsetof(parley_lite_stats, sent) },
		{ "parley_ice_lite_stun_requests_total", "Valid binding requests, answered with success.",
		  offsetof(parley_lite_stats, requests) },
		{ "parley_ice_lite_stun_error_answers_total", "Binding requests answered with an error (400, 401, 420, 487).",
		  offsetof(parley_lite_stats, rejected) },
		{ "parley_ice_lite_datagrams_dropped_total", "Datagrams dropped (unanswered STUN, unknown 5-tuple, unusable).",
		  offsetof(parley_lite_stats, dropped) },
		{ "parley_ice_lite_unknown_address_dropped_total",
		  "Of those, datagrams other than STUN from a 5-tuple no valid request proved.",
		  offsetof(parley_lite_stats, unknown_address) },
		{ "parley_ice_lite_handed_over_total", "Datagrams passed to the event loop owning their PeerConnection.",
		  offsetof(parley_lite_stats, handed_over) },
		{ "parley_ice_lite_handover_full_total",
		  "Of the dropped, datagrams the owning loop's hand-over ring had no room for (lite_handover_kb).",
		  offsetof(parley_lite_stats, handover_full) },
		{ "parley_ice_lite_stale_dropped_total",
		  "Of the dropped, RTP datagrams that had waited in the socket's queue past lite_stale_media_ms "
		  "(the loop fell behind).",
		  offsetof(parley_lite_stats, stale) },
		{ "parley_ice_lite_paths_selected_total", "Transports that selected their first path (ICE connected).",
		  offsetof(parley_lite_stats, selections) },
		{ "parley_ice_lite_path_switches_total", "Selected paths changed to another 5-tuple (renomination).",
		  offsetof(parley_lite_stats, switches) },
		{ "parley_ice_lite_consent_expiries_total", "Selected paths without a valid request for the consent timeout.",
		  offsetof(parley_lite_stats, consent_expiries) },
		{ "parley_ice_lite_connect_timeouts_total", "Transports that selected no path within the connect timeout.",
		  offsetof(parley_lite_stats, connect_timeouts) },
		{ "parley_ice_lite_restarts_total", "ICE restarts (new local credentials).", offsetof(parley_lite_stats, restarts) },
		{ "parley_ice_lite_tcp_accepted_total", "ICE-TCP connections accepted.",
		  offsetof(parley_lite_stats, tcp_accepted) },
		{ "parley_ice_lite_tcp_refused_total",
		  "ICE-TCP connections closed at once: too many waiting for a valid request (tcp_max_pending).",
		  offsetof(parley_lite_stats, tcp_refused) },
		{ "parley_ice_lite_tcp_bad_total",
		  "ICE-TCP connections closed for bad framing, or for other than STUN before a valid request.",
		  offsetof(parley_lite_stats, tcp_bad) },
		{ "parley_ice_lite_tcp_timed_out_total",
		  "ICE-TCP connections closed without a valid request within tcp_auth_timeout_ms.",
		  offsetof(parley_lite_stats, tcp_timed_out) },
		{ "parley_ice_lite_tcp_dropped_total", "Packets not sent on ICE-TCP: the connection's output ring was full.",
		  offsetof(parley_lite_stats, tcp_dropped) },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(counters); i++)
		gauge(out, counters[i].name, counters[i].help, "counter",
		      *(const uint64_t *)((const char *)&lite + counters[i].offset));
	g_string_append(out, "# HELP parley_ice_lite_stun_rejected_total Binding requests without a success answer, by "
	                     "reason (the first four are answered with 400, 401, 420, 487).\n"
	                     "# TYPE parley_ice_lite_stun_rejected_total counter\n");
	for (int r = 0; r < PARLEY_LITE_REJECT_COUNT; r++)
		g_string_append_printf(out, "parley_ice_lite_stun_rejected_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
		                       parley_lite_reject_name(r), lite.rejects[r]);
}

static void labelled(GString *out, const char *name, const char *help, const char *label,
                     const char *const *values, const guint64 *counts, size_t n)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(out, "%s{%s=\"%s\"} %" G_GUINT64_FORMAT "\n", name, label, values[i], counts[i]);
}

/* Data channels and their SCTP associations (all zero until one is used). */
static void append_data_metrics(GString *out)
{
	parley_dc_counters dc;
	parley_dc_get_totals(&dc);
	parley_sctp_stats sctp;
	parley_sctp_get_stats(&sctp);
	parley_webrtc_data_stats core;
	parley_webrtc_data_get_stats(&core);
	static const char *const directions[] = { "in", "out" };
	labelled(out, "parley_datachannel_messages_total", "Data channel messages received from peers (in) and sent "
	         "to them (out).", "direction", directions, (guint64[]){ dc.messages_in, dc.messages_out }, 2);
	labelled(out, "parley_datachannel_bytes_total", "Bytes of those messages.", "direction", directions,
	         (guint64[]){ dc.bytes_in, dc.bytes_out }, 2);
	static const char *const reasons[] = { "too_large_in", "too_large_out", "dcep", "bad_ppid", "unknown_stream",
	                                       "old_plugin" };
	labelled(out, "parley_datachannel_refused_total", "Data channel messages and DCEP requests refused: over "
	         "[media] sctp_max_message_size from the peer (too_large_in) or over it or the peer's "
	         "a=max-message-size from a plugin (too_large_out), malformed or misplaced DCEP, a PPID that is "
	         "not a message's, a message on a stream with no open channel, over 65535 bytes for a plugin built "
	         "before data_ready.", "reason", reasons,
	         (guint64[]){ dc.too_large_in, dc.too_large_out, dc.dcep_errors, dc.bad_ppid, dc.unknown_stream,
	                      core.too_large_for_plugin }, 6);
	gauge(out, "parley_datachannel_busy_total", "Sends refused because the SCTP send buffer was full "
	      "(PARLEY_DATA_ERR_BUSY).", "counter", dc.busy);
	gauge(out, "parley_datachannel_opened_total", "Data channels opened (by peers or plugins).", "counter", dc.opened);
	gauge(out, "parley_datachannel_closed_total", "Data channels closed.", "counter", dc.closed);
	gauge(out, "parley_datachannel_open", "Data channels open now.", "gauge", parley_dc_open_channels());
	gauge(out, "parley_sctp_associations", "SCTP associations (PeerConnections with data channels) now.", "gauge",
	      sctp.associations);
	gauge(out, "parley_sctp_associations_opened_total", "SCTP associations started.", "counter", sctp.opened);
	labelled(out, "parley_sctp_packets_total", "SCTP packets from DTLS (in) and into DTLS (out).", "direction",
	         directions, (guint64[]){ sctp.packets_in, sctp.packets_out }, 2);
	gauge(out, "parley_sctp_stale_callbacks_total", "usrsctp callbacks for an association already closed "
	      "(dropped).", "counter", sctp.stale_callbacks);
}

static int serve_metrics(const parley_http_request *request, parley_http_response *response)
{
	GString *out = g_string_new(NULL);
	gauge(out, "parley_sessions", "Active sessions.", "gauge", parley_api_session_count());
	gauge(out, "parley_handles", "Active handles.", "gauge", parley_api_handle_count());
	char *api = parley_api_metrics_text();
	g_string_append(out, api);
	g_free(api);
	gauge(out, "parley_events_emitted_total", "Events put on the event bus.", "counter", parley_events_emitted());
	gauge(out, "parley_events_dropped_total", "Events dropped because the bus queue was full.", "counter",
	      parley_events_dropped());
	parley_udp_batch_stats udp;
	parley_udp_batch_get_stats(&udp);
	gauge(out, "parley_udp_batched_datagrams_total", "Media datagrams sent through the loops' send batches.",
	      "counter", udp.datagrams);
	gauge(out, "parley_udp_batch_sends_total", "Messages that carried them (a datagram, or a GSO run of them).",
	      "counter", udp.sends);
	gauge(out, "parley_udp_gso_sends_total", "Of those, UDP GSO sends of more than one datagram.", "counter",
	      udp.gso_sends);
	gauge(out, "parley_udp_batch_syscalls_total",
	      "sendmmsg() calls (and sendmsg() ones resending a refused GSO run) that handed them to the kernel.", "counter",
	      udp.syscalls);
	gauge(out, "parley_udp_batch_dropped_total", "Batched datagrams the kernel refused.", "counter", udp.dropped);
	gauge(out, "parley_udp_gso_enabled", "1 while UDP GSO is in use.", "gauge", udp.gso_enabled);
	g_string_append(out, "# HELP parley_webrtc_connection_events_total PeerConnection connectivity events by kind "
	                     "(disconnected, recovered, ice_restart, ice_failed, consent_expired, dtls_failed).\n"
	                     "# TYPE parley_webrtc_connection_events_total counter\n");
	for (parley_pc_event e = 0; e < PARLEY_PC_EVENT_COUNT; e++)
		g_string_append_printf(out, "parley_webrtc_connection_events_total{event=\"%s\"} %" G_GUINT64_FORMAT "\n",
		                       parley_pc_event_name(e), parley_pc_event_count(e));
	append_lite_metrics(out);
	append_data_metrics(out);
	gauge(out, "parley_process_resident_memory_bytes", "Resident set size.", "gauge", resident_bytes());
	parley_memtrim_stats trim;
	parley_memtrim_get_stats(&trim);
	gauge(out, "parley_memory_trims_total", "malloc_trim calls: malloc held memory_trim_min_kb or more free.",
	      "counter", trim.trims);
	gauge(out, "parley_memory_trim_released_bytes_total", "Resident memory those calls gave back to the system.",
	      "counter", trim.released_bytes);
	gauge(out, "parley_memory_malloc_free_bytes", "Memory malloc held free at the last check (memory_trim_interval).",
	      "gauge", trim.free_bytes);
	gauge(out, "parley_uptime_seconds", "Seconds since the process started.", "gauge",
	      parley_metrics_uptime_seconds());
	parley_metrics_append_runtime(out);

	append_plugin_metrics(out);

	const parley_handler *handlers[MAX_MODULES];
	unsigned n = parley_registry_handlers(handlers, MAX_MODULES);
	for (unsigned i = 0; i < n; i++) {
		if (!handlers[i]->metrics)
			continue;
		char *text = handlers[i]->metrics();
		if (text) {
			g_string_append(out, text);
			if (out->len && out->str[out->len - 1] != '\n')
				g_string_append_c(out, '\n');
		}
		g_free(text);
	}
	response->status = 200;
	response->content_type = METRICS_TYPE;
	response->body_length = out->len;
	response->body = g_string_free(out, FALSE);
	return 0;
}

/* ---- routing ----------------------------------------------------------------------------- */

typedef struct status_route {
	const char *path;
	int (*serve)(const parley_http_request *request, parley_http_response *response);
} status_route;

static const status_route routes[] = {
	{ "/health", serve_health },
	{ "/api/server-info", serve_server_info },
	{ "/metrics", serve_metrics },
};

static bool is_read(const char *method)
{
	return method && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
}

/* True when `path` is under `prefix` ("/api/meetings/" also owns
 * "/api/meetings" itself). */
static bool path_under_prefix(const char *path, const char *prefix)
{
	size_t len = prefix ? strlen(prefix) : 0;
	if (len == 0)
		return false;
	return strncmp(path, prefix, len) == 0 ||
	       (prefix[len - 1] == '/' && strlen(path) == len - 1 && strncmp(path, prefix, len - 1) == 0);
}

/* The plugin serving `path` (its http_prefix or one of its http_prefixes), or NULL. */
static const parley_plugin *plugin_for_path(const char *path)
{
	const parley_plugin *plugins[MAX_MODULES];
	unsigned n = parley_registry_plugins(plugins, MAX_MODULES);
	for (unsigned i = 0; i < n; i++) {
		if (path_under_prefix(path, plugins[i]->http_prefix))
			return plugins[i];
		const char *const *more = PARLEY_PLUGIN_FIELD(plugins[i], http_prefixes);
		for (size_t k = 0; more != NULL && more[k] != NULL; k++)
			if (path_under_prefix(path, more[k]))
				return plugins[i];
	}
	return NULL;
}

/* A plugin that takes only route calls, reached through a transport that
 * knows only plain routes: the call is made here and waited for (bounded);
 * response headers are lost on the way. */
typedef struct bridge_call {
	parley_http_call call;
	GMutex lock;
	GCond done_cond;
	bool done;
	bool abandoned; /* the waiter gave up: finish frees */
} bridge_call;

static void bridge_free(bridge_call *b)
{
	g_free(b->call.response.body);
	g_free(b->call.headers);
	g_mutex_clear(&b->lock);
	g_cond_clear(&b->done_cond);
	g_free(b);
}

static void bridge_finish(parley_http_call *call)
{
	bridge_call *b = (bridge_call *)call;
	g_mutex_lock(&b->lock);
	b->done = true;
	bool abandoned = b->abandoned;
	g_cond_signal(&b->done_cond);
	g_mutex_unlock(&b->lock);
	if (abandoned)
		bridge_free(b);
}

#define BRIDGE_WAIT_US (30 * G_USEC_PER_SEC)

static int bridge_to_call(int (*serve)(parley_http_call *call), const parley_http_request *request,
                          parley_http_response *response)
{
	bridge_call *b = g_new0(bridge_call, 1);
	g_mutex_init(&b->lock);
	g_cond_init(&b->done_cond);
	b->call.struct_size = sizeof(parley_http_call);
	b->call.request = *request;
	b->call.finish = bridge_finish;
	int rc = serve(&b->call);
	if (rc == PARLEY_HTTP_LATER) {
		gint64 deadline = g_get_monotonic_time() + BRIDGE_WAIT_US;
		g_mutex_lock(&b->lock);
		while (!b->done && g_cond_wait_until(&b->done_cond, &b->lock, deadline))
			;
		bool done = b->done;
		b->abandoned = !done;
		g_mutex_unlock(&b->lock);
		if (!done) {
			respond_json(response, 504, json_pack("{ss}", "error", "the route did not answer in time"));
			return 0; /* bridge_finish frees the call */
		}
		rc = 0;
	}
	if (rc == 0) {
		*response = b->call.response;
		b->call.response.body = NULL;
	}
	bridge_free(b);
	return rc == 0 ? 0 : -1;
}

static int route_to_plugin(const parley_http_request *request, parley_http_response *response)
{
	const parley_plugin *plugin = plugin_for_path(request->path);
	if (!plugin)
		return -1;
	int (*serve_call)(parley_http_call *) = PARLEY_PLUGIN_FIELD(plugin, handle_http_call);
	if (serve_call)
		return bridge_to_call(serve_call, request, response);
	if (!plugin->handle_http)
		return -1;
	return plugin->handle_http(request, response) == 0 ? 0 : -1;
}

static bool is_options(const char *method)
{
	return method && strcmp(method, "OPTIONS") == 0;
}

/* One of the core's own routes for `request`: 0 answered, -1 not one. */
static int serve_core_route(const parley_http_request *request, parley_http_response *response)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(request->path, routes[i].path) != 0)
			continue;
		if (!is_read(request->method)) {
			respond_json(response, 405, json_pack("{ss}", "error", "Method not allowed"));
			return 0;
		}
		return routes[i].serve(request, response);
	}
	return -1;
}

int parley_status_handle_http(const parley_http_request *request, parley_http_response *response)
{
	if (!request || !request->path || !response)
		return -1;
	if (serve_core_route(request, response) == 0)
		return 0;
	return route_to_plugin(request, response);
}

int parley_status_handle_http_call(parley_http_call *call)
{
	if (!call || !call->request.path || !call->request.method)
		return -1;
	const parley_http_request *request = &call->request;
	bool core_path = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		core_path |= strcmp(request->path, routes[i].path) == 0;
	if (core_path)
		return is_options(request->method) ? -1 : serve_core_route(request, &call->response);
	const parley_plugin *plugin = plugin_for_path(request->path);
	if (!plugin)
		return -1;
	int (*serve_call)(parley_http_call *) = PARLEY_PLUGIN_FIELD(plugin, handle_http_call);
	if (serve_call)
		return serve_call(call);
	if (is_options(request->method) || !plugin->handle_http)
		return -1;
	return plugin->handle_http(request, &call->response) == 0 ? 0 : -1;
}
