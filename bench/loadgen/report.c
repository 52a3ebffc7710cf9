/*
 * report.c — owns what parley-loadgen prints at the end: one JSON summary
 * (sent media, received totals over every receiving peer, loss, order,
 * corrupt payloads, one-way delay p50/p99, join → first packet and → first
 * keyframe p50/p99, the generator's own CPU and RSS), the human table, and
 * the echo check (every packet a peer sent came back, once, in order,
 * decrypted and intact).
 */
#include <stdlib.h>
#include <string.h>
#include "loadgen.h"
#include "session.h"
#include "stats.h"

#define TABLE_MAX_ROWS 40

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* p50/p99 of the values in ms, or null when there are none. */
static json_t *percentiles_ms(GArray *values)
{
	if (values->len == 0)
		return json_pack("{s:n, s:n, s:i}", "p50", "p99", "count", 0);
	g_array_sort(values, compare_int64);
	int64_t *v = (int64_t *)(void *)values->data;
	size_t p50 = (size_t)(0.50 * (values->len - 1) + 0.5), p99 = (size_t)(0.99 * (values->len - 1) + 0.5);
	return json_pack("{s:f, s:f, s:i}", "p50", v[p50] / 1000.0, "p99", v[p99] / 1000.0, "count", (int)values->len);
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static bool is_receiver(loadgen_peer *peer)
{
	return loadgen_peer_get_mode(peer) != LOADGEN_PEER_PUBLISH;
}

static json_t *sent_json(loadgen_run *run, double seconds)
{
	loadgen_rtpgen_counters sum = { 0 };
	int publishers = 0;
	for (guint i = 0; i < run->peers->len; i++) {
		const loadgen_rtpgen_counters *c = loadgen_peer_sent(run->peers->pdata[i]);
		if (c == NULL)
			continue;
		publishers++;
		for (int k = 0; k < LOADGEN_KIND_COUNT; k++) {
			sum.packets[k] += c->packets[k];
			sum.bytes[k] += c->bytes[k];
		}
		sum.frames += c->frames;
		sum.keyframes += c->keyframes;
		sum.keyframe_requests += c->keyframe_requests;
		sum.send_failures += c->send_failures;
	}
	uint64_t bytes = sum.bytes[0] + sum.bytes[1];
	return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "publishers", publishers,
		"audio_packets", (json_int_t)sum.packets[LOADGEN_KIND_AUDIO],
		"video_packets", (json_int_t)sum.packets[LOADGEN_KIND_VIDEO],
		"payload_bytes", (json_int_t)bytes, "video_frames", (json_int_t)sum.frames,
		"keyframes", (json_int_t)sum.keyframes, "keyframe_requests", (json_int_t)sum.keyframe_requests,
		"send_failures", (json_int_t)sum.send_failures,
		"payload_kbps", seconds > 0 ? (double)bytes * 8 / 1000 / seconds : 0.0);
}

json_t *loadgen_report_json(loadgen_run *run)
{
	double seconds = run->media_end_us > run->media_start_us
		? (double)(run->media_end_us - run->media_start_us) / G_USEC_PER_SEC : 0;
	GArray *first_packet = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GArray *first_key = g_array_new(FALSE, FALSE, sizeof(int64_t));
	loadgen_stats_totals all = { 0 };
	uint64_t undecryptable = 0, foreign = 0, streams = 0, streams_uncounted = 0;
	int receivers = 0, without_media = 0, connected = 0;
	for (guint i = 0; i < run->peers->len; i++) {
		loadgen_peer *peer = run->peers->pdata[i];
		connected += loadgen_peer_is_connected(peer);
		if (!is_receiver(peer))
			continue;
		receivers++;
		loadgen_stats *s = loadgen_peer_stats(peer);
		loadgen_stats_totals t;
		loadgen_stats_totals_of(s, -1, &t);
		all.received += t.received;
		all.unique += t.unique;
		all.expected += t.expected;
		all.lost += t.lost;
		all.out_of_order += t.out_of_order;
		all.duplicates += t.duplicates;
		all.corrupt += t.corrupt;
		if (t.delay_max_us > all.delay_max_us)
			all.delay_max_us = t.delay_max_us;
		undecryptable += s->undecryptable;
		foreign += s->foreign;
		without_media += s->first_packet_us == 0;
		streams += s->n_streams;
		streams_uncounted += s->too_many_streams;
		if (s->join_us && s->first_packet_us) {
			int64_t d = s->first_packet_us - s->join_us;
			g_array_append_val(first_packet, d);
		}
		if (s->join_us && s->first_keyframe_us) {
			int64_t d = s->first_keyframe_us - s->join_us;
			g_array_append_val(first_key, d);
		}
	}
	double cpu_s = (double)(run->cpu_end_us - run->cpu_start_us) / G_USEC_PER_SEC;
	const char *profile = "none";
	for (guint i = 0; i < run->peers->len && strcmp(profile, "none") == 0; i++)
		profile = loadgen_peer_srtp_profile(run->peers->pdata[i]);
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:f, s:s}",
		"driver", run->driver->name, "plugin", run->plugin, "url", run->options->url,
		"peers", (int)run->peers->len, "peers_connected", connected, "receivers", receivers,
		"media_seconds", seconds, "srtp_profile", profile);
	json_object_set_new(j, "sent", sent_json(run, seconds));
	json_object_set_new(j, "received", json_pack("{s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:i}",
		"packets", (json_int_t)all.received, "unique", (json_int_t)all.unique,
		"expected", (json_int_t)all.expected, "lost", (json_int_t)all.lost,
		"loss_pct", all.expected ? 100.0 * (double)all.lost / (double)all.expected : 0.0,
		"out_of_order", (json_int_t)all.out_of_order, "duplicates", (json_int_t)all.duplicates,
		"corrupt", (json_int_t)all.corrupt, "undecryptable", (json_int_t)undecryptable,
		"foreign", (json_int_t)foreign, "receivers_without_media", without_media));
	json_t *received = json_object_get(j, "received");
	json_object_set_new(received, "streams", json_integer((json_int_t)streams));
	json_object_set_new(received, "packets_beyond_stream_limit", json_integer((json_int_t)streams_uncounted));
	int64_t p50 = loadgen_stats_histogram_percentile(run->delays, 0.50);
	int64_t p99 = loadgen_stats_histogram_percentile(run->delays, 0.99);
	json_object_set_new(j, "delay_ms", json_pack("{s:f, s:f, s:f, s:I}", "p50", p50 / 1000.0,
		"p99", p99 / 1000.0, "max", all.delay_max_us / 1000.0,
		"samples", (json_int_t)loadgen_stats_histogram_count(run->delays)));
	json_object_set_new(j, "join_to_first_packet_ms", percentiles_ms(first_packet));
	json_object_set_new(j, "join_to_first_keyframe_ms", percentiles_ms(first_key));
	json_object_set_new(j, "generator", json_pack("{s:f, s:f, s:i}", "cpu_seconds", cpu_s,
		"cpu_pct_of_core", seconds > 0 ? 100.0 * cpu_s / seconds : 0.0, "rss_kb", (int)rss_kb()));
	if (run->failure)
		json_object_set_new(j, "failure", json_string(run->failure));
	g_array_free(first_packet, TRUE);
	g_array_free(first_key, TRUE);
	return j;
}

bool loadgen_report_echo_intact(loadgen_run *run, char *why, size_t why_size)
{
	int checked = 0;
	for (guint i = 0; i < run->peers->len; i++) {
		loadgen_peer *peer = run->peers->pdata[i];
		if (loadgen_peer_get_mode(peer) != LOADGEN_PEER_ECHO)
			continue;
		const loadgen_rtpgen_counters *sent = loadgen_peer_sent(peer);
		loadgen_stats *s = loadgen_peer_stats(peer);
		uint32_t id = loadgen_peer_publisher_id(peer);
		for (int k = 0; k < LOADGEN_KIND_COUNT; k++) {
			const loadgen_stream_stats *st = loadgen_stats_find(s, id, k);
			uint64_t got = st ? st->received : 0;
			const char *kind = k == LOADGEN_KIND_AUDIO ? "audio" : "video";
			if (sent->packets[k] == 0)
				continue;
			checked++;
			if (st == NULL || got != sent->packets[k] || st->unique != got ||
			    st->first_counter != 0 || st->highest_counter + 1 != sent->packets[k]) {
				g_snprintf(why, why_size, "peer %u %s: sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT
				           " (%" G_GUINT64_FORMAT " unique)", id, kind, sent->packets[k], got, st ? st->unique : 0);
				return false;
			}
			if (st->corrupt || st->out_of_order || st->duplicates) {
				g_snprintf(why, why_size, "peer %u %s: %" G_GUINT64_FORMAT " corrupt, %" G_GUINT64_FORMAT
				           " out of order, %" G_GUINT64_FORMAT " duplicates", id, kind, st->corrupt,
				           st->out_of_order, st->duplicates);
				return false;
			}
		}
		if (s->undecryptable || s->foreign) {
			g_snprintf(why, why_size, "peer %u: %" G_GUINT64_FORMAT " undecryptable, %" G_GUINT64_FORMAT
			           " packets without our trailer", id, s->undecryptable, s->foreign);
			return false;
		}
	}
	if (checked == 0) {
		g_snprintf(why, why_size, "no echo stream sent anything");
		return false;
	}
	g_snprintf(why, why_size, "%d streams: every packet came back intact", checked);
	return true;
}

static double jnum(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(b ? json_object_get(o, a) : o, b ? b : a);
	return json_is_number(v) ? json_number_value(v) : -1;
}

void loadgen_report_table(loadgen_run *run, json_t *j, FILE *out)
{
	fprintf(out, "parley-loadgen  driver %s  plugin %s  peers %d (%d connected, %d receivers)  media %.1f s  srtp %s\n",
		run->driver->name, run->plugin, (int)jnum(j, "peers", NULL), (int)jnum(j, "peers_connected", NULL),
		(int)jnum(j, "receivers", NULL), jnum(j, "media_seconds", NULL),
		json_string_value(json_object_get(j, "srtp_profile")));
	fprintf(out, "%-28s %12s\n", "metric", "value");
	static const struct { const char *label, *a, *b; } rows[] = {
		{ "sent audio packets", "sent", "audio_packets" }, { "sent video packets", "sent", "video_packets" },
		{ "sent keyframes", "sent", "keyframes" }, { "sent payload kbit/s", "sent", "payload_kbps" },
		{ "received packets", "received", "packets" }, { "lost", "received", "lost" },
		{ "loss %", "received", "loss_pct" }, { "out of order", "received", "out_of_order" },
		{ "duplicates", "received", "duplicates" }, { "corrupt", "received", "corrupt" },
		{ "undecryptable", "received", "undecryptable" },
		{ "receivers without media", "received", "receivers_without_media" },
		{ "delay p50 ms", "delay_ms", "p50" }, { "delay p99 ms", "delay_ms", "p99" },
		{ "delay max ms", "delay_ms", "max" },
		{ "join->first packet p50 ms", "join_to_first_packet_ms", "p50" },
		{ "join->first packet p99 ms", "join_to_first_packet_ms", "p99" },
		{ "join->first keyframe p50 ms", "join_to_first_keyframe_ms", "p50" },
		{ "join->first keyframe p99 ms", "join_to_first_keyframe_ms", "p99" },
		{ "generator CPU % of a core", "generator", "cpu_pct_of_core" }, { "generator RSS kB", "generator", "rss_kb" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		fprintf(out, "%-28s %12.2f\n", rows[i].label, jnum(j, rows[i].a, rows[i].b));
	fprintf(out, "%-6s %-5s %9s %7s %6s %9s %9s %9s\n", "peer", "mode", "received", "lost", "ooo",
	        "mean ms", "->pkt ms", "->key ms");
	int rows_out = 0;
	for (guint i = 0; i < run->peers->len && rows_out < TABLE_MAX_ROWS; i++) {
		loadgen_peer *peer = run->peers->pdata[i];
		if (!is_receiver(peer))
			continue;
		rows_out++;
		loadgen_stats *s = loadgen_peer_stats(peer);
		loadgen_stats_totals t;
		loadgen_stats_totals_of(s, -1, &t);
		fprintf(out, "%-6u %-5s %9" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT " %6" G_GUINT64_FORMAT " %9.2f %9.1f %9.1f\n",
			i, loadgen_peer_get_mode(peer) == LOADGEN_PEER_ECHO ? "echo" : "sub", t.received, t.lost,
			t.out_of_order, t.received ? (double)t.delay_sum_us / (double)t.received / 1000.0 : -1.0,
			s->first_packet_us ? (s->first_packet_us - s->join_us) / 1000.0 : -1.0,
			s->first_keyframe_us ? (s->first_keyframe_us - s->join_us) / 1000.0 : -1.0);
	}
	if (run->failure)
		fprintf(out, "FAILED: %s\n", run->failure);
}
