/*
 * handlers/analytics/metrics.c — what the analytics handler adds to
 * /metrics (Prometheus text format, version 0.0.4): live meetings, rooms,
 * participants and PeerConnections by state; since-start counters of
 * connections by outcome, relayed connections, joins and time spent; the
 * connection success ratio and TURN share; histograms of meeting/room
 * durations and of the time from a PeerConnection's creation to DTLS up;
 * and each sink's delivered, dropped and refused events and queue depth.
 * Labels take a few fixed values only (kind, state, outcome, sink, result).
 */
#include <string.h>
#include "analytics.h"

static void header(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void append_ratio(GString *out, const char *name, const char *help, double value)
{
	if (value < 0)
		return;   /* no sample yet: no series */
	header(out, name, "gauge", help);
	char number[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append_printf(out, "%s %s\n", name, g_ascii_formatd(number, sizeof(number), "%.9g", value));
}

static void append_duration_histogram(GString *out, const analytics_rollup *since)
{
	const char *name = "parley_analytics_duration_seconds";
	header(out, name, "histogram", "Durations of finished meetings and rooms (first join to end or last leave).");
	for (int k = ANALYTICS_KIND_MEETING; k <= ANALYTICS_KIND_ROOM; k++) {
		const analytics_rollup *r = &since[k];
		const char *kind = parley_analytics_kind_name(k);
		int64_t cumulative = 0;
		for (int b = 0; b < ANALYTICS_DURATION_BUCKETS; b++) {
			cumulative += r->duration[b];
			if (b < ANALYTICS_DURATION_BUCKETS - 1)
				g_string_append_printf(out, "%s_bucket{kind=\"%s\",le=\"%" G_GINT64_FORMAT "\"} %" G_GINT64_FORMAT "\n",
				                       name, kind, parley_analytics_duration_bounds[b], cumulative);
			else
				g_string_append_printf(out, "%s_bucket{kind=\"%s\",le=\"+Inf\"} %" G_GINT64_FORMAT "\n", name, kind,
				                       cumulative);
		}
		g_string_append_printf(out, "%s_sum{kind=\"%s\"} %" G_GINT64_FORMAT "\n%s_count{kind=\"%s\"} %" G_GINT64_FORMAT "\n",
		                       name, kind, r->room_seconds, name, kind, r->rooms_finished);
	}
}

static void append_connect_histogram(GString *out, const int64_t counts[ANALYTICS_CONNECT_BUCKETS], int64_t sum_ms)
{
	const char *name = "parley_analytics_connect_seconds";
	header(out, name, "histogram", "Time from a PeerConnection's creation to DTLS up.");
	int64_t cumulative = 0;
	char number[G_ASCII_DTOSTR_BUF_SIZE];
	for (int b = 0; b < ANALYTICS_CONNECT_BUCKETS; b++) {
		cumulative += counts[b];
		if (b < ANALYTICS_CONNECT_BUCKETS - 1)
			g_string_append_printf(out, "%s_bucket{le=\"%s\"} %" G_GINT64_FORMAT "\n", name,
			                       g_ascii_formatd(number, sizeof(number), "%g",
			                                       (double)parley_analytics_connect_bounds_ms[b] / 1000.0),
			                       cumulative);
		else
			g_string_append_printf(out, "%s_bucket{le=\"+Inf\"} %" G_GINT64_FORMAT "\n", name, cumulative);
	}
	g_string_append_printf(out, "%s_sum %s\n%s_count %" G_GINT64_FORMAT "\n", name,
	                       g_ascii_formatd(number, sizeof(number), "%.9g", (double)sum_ms / 1000.0), name, cumulative);
}

/* One counter family by kind, from a rollup field read by `offset`. */
static void append_by_kind(GString *out, const char *name, const char *help, const analytics_rollup *since,
                           size_t offset, const char *extra_label)
{
	header(out, name, "counter", help);
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++)
		g_string_append_printf(out, "%s{kind=\"%s\"%s} %" G_GINT64_FORMAT "\n", name, parley_analytics_kind_name(k),
		                       extra_label ? extra_label : "", *(const int64_t *)((const char *)&since[k] + offset));
}

static void append_sinks(GString *out)
{
	analytics_state *a = &parley_analytics;
	analytics_sink_stats st[ANALYTICS_MAX_SINKS];
	for (unsigned i = 0; i < a->n_sinks; i++)
		parley_analytics_sink_get_stats(a->sinks[i], &st[i]);
	header(out, "parley_analytics_sink_events_total", "counter",
	       "Events of each sink by result: delivered, dropped (queue full or left at shutdown), rejected (refused by the destination).");
	for (unsigned i = 0; i < a->n_sinks; i++) {
		const char *sink = parley_analytics_sink_name(a->sinks[i]);
		g_string_append_printf(out, "parley_analytics_sink_events_total{sink=\"%s\",result=\"delivered\"} %" G_GUINT64_FORMAT "\n"
		                            "parley_analytics_sink_events_total{sink=\"%s\",result=\"dropped\"} %" G_GUINT64_FORMAT "\n"
		                            "parley_analytics_sink_events_total{sink=\"%s\",result=\"rejected\"} %" G_GUINT64_FORMAT "\n",
		                       sink, st[i].delivered, sink, st[i].dropped, sink, st[i].rejected);
	}
	header(out, "parley_analytics_sink_failures_total", "counter", "Failed deliveries (each retried after a backoff).");
	for (unsigned i = 0; i < a->n_sinks; i++)
		g_string_append_printf(out, "parley_analytics_sink_failures_total{sink=\"%s\"} %" G_GUINT64_FORMAT "\n",
		                       parley_analytics_sink_name(a->sinks[i]), st[i].failures);
	header(out, "parley_analytics_sink_queue_events", "gauge", "Events waiting in each sink's queue.");
	for (unsigned i = 0; i < a->n_sinks; i++)
		g_string_append_printf(out, "parley_analytics_sink_queue_events{sink=\"%s\"} %u\n",
		                       parley_analytics_sink_name(a->sinks[i]), st[i].depth);
}

char *parley_analytics_metrics(void)
{
	analytics_state *a = &parley_analytics;
	g_rw_lock_reader_lock(&a->life);
	if (!a->alive) {
		g_rw_lock_reader_unlock(&a->life);
		return NULL;
	}
	analytics_live live;
	analytics_rollup since[ANALYTICS_KIND_COUNT], all = { 0 };
	int64_t connect[ANALYTICS_CONNECT_BUCKETS], connect_sum;
	g_mutex_lock(&a->model_lock);
	parley_analytics_model_live(a->model, &live);
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++) {
		since[k] = *parley_analytics_model_since_start(a->model, k);
		parley_analytics_rollup_merge(&all, &since[k]);
	}
	parley_analytics_model_connect_histogram(a->model, connect, &connect_sum);
	uint64_t records_dropped = a->records_dropped;
	g_mutex_unlock(&a->model_lock);

	GString *out = g_string_new(NULL);
	header(out, "parley_analytics_rooms", "gauge", "Meetings and rooms in progress.");
	for (int k = ANALYTICS_KIND_MEETING; k <= ANALYTICS_KIND_ROOM; k++)
		g_string_append_printf(out, "parley_analytics_rooms{kind=\"%s\"} %u\n", parley_analytics_kind_name(k),
		                       live.rooms[k]);
	header(out, "parley_analytics_participants", "gauge", "Participants in meetings and rooms in progress.");
	for (int k = ANALYTICS_KIND_MEETING; k <= ANALYTICS_KIND_ROOM; k++)
		g_string_append_printf(out, "parley_analytics_participants{kind=\"%s\"} %u\n", parley_analytics_kind_name(k),
		                       live.participants[k]);
	header(out, "parley_analytics_peerconnections", "gauge", "Live PeerConnections by state.");
	g_string_append_printf(out, "parley_analytics_peerconnections{state=\"new\"} %u\n"
	                            "parley_analytics_peerconnections{state=\"connected\"} %u\n"
	                            "parley_analytics_peerconnections{state=\"disconnected\"} %u\n",
	                       live.pcs_new, live.pcs_connected, live.pcs_disconnected);
	append_by_kind(out, "parley_analytics_connections_total",
	               "PeerConnections by outcome: DTLS came up (connected) or they ended before (failed).", since,
	               offsetof(analytics_rollup, pcs_connected), ",outcome=\"connected\"");
	/* the failed samples of the same family, without a second header */
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++)
		g_string_append_printf(out, "parley_analytics_connections_total{kind=\"%s\",outcome=\"failed\"} %" G_GINT64_FORMAT "\n",
		                       parley_analytics_kind_name(k), since[k].pcs_failed);
	append_by_kind(out, "parley_analytics_relayed_connections_total",
	               "Connected PeerConnections whose selected pair goes through a TURN relay.", since,
	               offsetof(analytics_rollup, pcs_relay), NULL);
	append_by_kind(out, "parley_analytics_participants_joined_total", "Participants who joined.", since,
	               offsetof(analytics_rollup, participants_joined), NULL);
	append_by_kind(out, "parley_analytics_participant_seconds_total", "Time spent by participants who left.", since,
	               offsetof(analytics_rollup, participant_seconds), NULL);
	append_by_kind(out, "parley_analytics_rooms_started_total", "Meetings and rooms started.", since,
	               offsetof(analytics_rollup, rooms_started), NULL);
	append_ratio(out, "parley_analytics_connection_success_ratio",
	             "Connected PeerConnections over those that connected or failed, since start.",
	             parley_analytics_success_ratio(&all));
	append_ratio(out, "parley_analytics_turn_share_ratio", "Share of connected PeerConnections relayed by TURN, since start.",
	             parley_analytics_turn_share(&all));
	append_duration_histogram(out, since);
	append_connect_histogram(out, connect, connect_sum);
	header(out, "parley_analytics_records_dropped_total", "counter",
	       "Finished meetings, rooms and participants not written: the store's queue was full.");
	g_string_append_printf(out, "parley_analytics_records_dropped_total %" G_GUINT64_FORMAT "\n", records_dropped);
	append_sinks(out);
	g_rw_lock_reader_unlock(&a->life);
	return g_string_free(out, FALSE);
}
