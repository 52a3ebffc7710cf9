/*
 * test_analytics_model.c — unit tests of the analytics model
 * (handlers/analytics/model*.c): bus events with chosen timestamps go in,
 * and the figures, notices and records that come out are checked against
 * arithmetic done by hand: a room with two participants (one relayed), its
 * PeerConnections' connect times, stream deltas, loss and RTT; a failed
 * PeerConnection and its reason; a meeting that ends with people in it;
 * rollups split at an hour boundary; limits; and events that make no sense.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "handlers/analytics/model.h"

#define T0 (1705744800LL * 1000000)   /* 2024-01-20T10:00:00Z, an hour's start */
#define MS(ms) (T0 + (int64_t)(ms) * 1000)
#define ROOM "parley.plugin.room"
#define MEETING "parley.plugin.meeting"

enum { SESSION = 1, HANDLE = 2, JSEP = 4, WEBRTC = 8, MEDIA = 16, PLUGIN = 32 };

static analytics_limits limits = { 100, 1000, 1000, 1000 };

static void apply(analytics_model *m, analytics_output *out, int type, int64_t ts, uint64_t handle, json_t *body)
{
	json_t *event = json_pack("{s:i, s:I, s:o}", "type", type, "timestamp", (json_int_t)ts, "event", body);
	if (handle)
		json_object_set_new(event, "handle_id", json_integer((json_int_t)handle));
	parley_analytics_model_apply(m, event, out);
	json_decref(event);
}

static void plugin(analytics_model *m, analytics_output *out, const char *package, int64_t ts, uint64_t handle,
                   json_t *data)
{
	apply(m, out, PLUGIN, ts, handle, json_pack("{s:s, s:s, s:o}", "name", "plugin", "plugin", package, "data", data));
}

static void webrtc(analytics_model *m, analytics_output *out, int64_t ts, uint64_t handle, json_t *body)
{
	apply(m, out, WEBRTC, ts, handle, body);
}

static json_t *stream(int bytes_in, int bytes_out, int packets_in, int lost, int rtt, double jitter, int nacks)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:i, s:i}", "mid", "0", "type",
	                 "video", "bytes-in", bytes_in, "bytes-out", bytes_out, "packets-in", packets_in, "packets-out",
	                 packets_in, "lost", lost, "rtt-ms", rtt, "jitter-ms", jitter, "nacks-in", nacks, "nacks-out", 0,
	                 "plis-in", 1, "plis-out", 0);
}

static const char *notice_name(const analytics_output *out, guint i)
{
	return ((analytics_notice *)out->notices->pdata[i])->name;
}

static json_t *notice_body(const analytics_output *out, guint i)
{
	return ((analytics_notice *)out->notices->pdata[i])->body;
}

static int64_t jint(json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static double jreal(json_t *object, const char *key)
{
	json_t *v = json_object_get(object, key);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* Two participants in a room; A connects directly, B through TURN. */
static void test_room_with_two_participants(void **state)
{
	analytics_model *m = parley_analytics_model_new(&limits);
	analytics_output out;
	parley_analytics_output_init(&out);

	plugin(m, &out, ROOM, MS(0), 11, json_pack("{s:s, s:s}", "event", "room_started", "room", "r1"));
	plugin(m, &out, ROOM, MS(0), 11, json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", "r1",
	                                           "participant", "A"));
	plugin(m, &out, ROOM, MS(1000), 21, json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", "r1",
	                                              "participant", "B"));
	plugin(m, &out, ROOM, MS(1100), 22, json_pack("{s:s, s:s, s:s}", "event", "subscriber_attached", "room", "r1",
	                                              "participant", "B"));
	/* A: created at 200 ms, ICE at 400, DTLS up at 500 → 300 ms to connect */
	webrtc(m, &out, MS(200), 11, json_pack("{s:s}", "connection", "new"));
	webrtc(m, &out, MS(400), 11, json_pack("{s:s, s:s, s:s, s:s, s:b}", "ice", "connected", "local_type", "host",
	                                       "remote_type", "host", "protocol", "udp", "relay", 0));
	webrtc(m, &out, MS(500), 11, json_pack("{s:s}", "connection", "webrtcup"));
	apply(m, &out, MEDIA, MS(600), 11, json_pack("{s:s, s:s, s:b}", "mid", "0", "media", "video", "receiving", 1));
	/* B's publisher: created at 1200, up at 2200 (1000 ms), relayed */
	webrtc(m, &out, MS(1200), 21, json_pack("{s:s}", "connection", "new"));
	webrtc(m, &out, MS(2000), 21, json_pack("{s:s, s:s, s:s, s:s, s:b}", "ice", "connected", "local_type", "host",
	                                        "remote_type", "relay", "protocol", "udp", "relay", 1));
	webrtc(m, &out, MS(2200), 21, json_pack("{s:s}", "connection", "webrtcup"));
	/* B's subscriber pc never comes up and ends */
	webrtc(m, &out, MS(1300), 22, json_pack("{s:s}", "connection", "new"));
	webrtc(m, &out, MS(9000), 22, json_pack("{s:s, s:s}", "connection", "hangup", "reason", "ICE failed"));

	/* A's figures: two stats events 5 s apart */
	apply(m, &out, MEDIA, MS(5500), 11, json_pack("{s:[o]}", "stats", stream(50000, 1000, 100, 0, 20, 3.0, 1)));
	apply(m, &out, MEDIA, MS(10500), 11, json_pack("{s:[o]}", "stats", stream(112500, 2000, 300, 6, 40, 5.0, 3)));
	apply(m, &out, MEDIA, MS(10600), 11, json_pack("{s:s, s:s, s:b, s:i}", "mid", "0", "media", "video", "slow_link", 1,
	                                               "lost", 6));

	json_t *live = parley_analytics_model_room_json(m, ROOM, "r1");
	assert_non_null(live);
	assert_int_equal(jint(live, "participants"), 2);
	assert_int_equal(jint(live, "pcs_connected"), 2);
	assert_int_equal(jint(live, "pcs_failed"), 1);
	assert_int_equal(jint(live, "pcs_relay"), 1);
	assert_true(jreal(live, "turn_share") == 0.5);
	assert_true(jreal(live, "success_ratio") == 2.0 / 3.0);
	/* join → first DTLS up: A 500 ms, B 1200 ms */
	assert_true(jreal(live, "avg_time_to_connect_ms") == 850.0);
	assert_int_equal(jint(live, "bytes_in"), 112500);
	assert_int_equal(jint(live, "lost_in"), 6);
	json_decref(live);

	json_t *list = parley_analytics_model_participant_json(m, NULL, "r1", "A");
	assert_int_equal(json_array_size(list), 1);
	json_t *a = json_incref(json_array_get(list, 0));
	json_decref(list);
	assert_int_equal(jint(a, "time_to_connect_ms"), 500);
	assert_int_equal(jint(a, "time_to_media_ms"), 600);
	/* 62500 bytes over 5 s = 100 kbit/s */
	assert_int_equal(jint(a, "bitrate_in"), 100000);
	assert_true(jreal(a, "rtt_ms") == 40.0);
	assert_true(jreal(a, "jitter_ms") == 5.0);
	assert_int_equal(jint(a, "nacks"), 3);
	assert_int_equal(jint(a, "slow_links"), 1);
	assert_true(jreal(a, "loss_in_ratio") == 6.0 / 306.0);
	assert_string_equal(json_string_value(json_object_get(a, "outcome")), "connected");
	json_decref(a);

	/* B leaves at 61 s, A at 121 s: room_finished follows */
	plugin(m, &out, ROOM, MS(61000), 0, json_pack("{s:s, s:s, s:s, s:s}", "event", "participant_left", "room", "r1",
	                                              "participant", "B", "reason", "left"));
	plugin(m, &out, ROOM, MS(121000), 0, json_pack("{s:s, s:s, s:s, s:s}", "event", "participant_left", "room", "r1",
	                                               "participant", "A", "reason", "timeout"));
	plugin(m, &out, ROOM, MS(121000), 0, json_pack("{s:s, s:s, s:s}", "event", "room_finished", "room", "r1",
	                                               "reason", "empty"));
	assert_null(parley_analytics_model_room_json(m, ROOM, "r1"));

	const char *expected[] = { "room_started", "participant_joined", "participant_joined", "participant_left",
	                           "participant_left", "room_finished" };
	assert_int_equal(out.notices->len, G_N_ELEMENTS(expected));
	for (guint i = 0; i < out.notices->len; i++)
		assert_string_equal(notice_name(&out, i), expected[i]);
	json_t *left_b = notice_body(&out, 3);
	assert_string_equal(json_string_value(json_object_get(json_object_get(left_b, "participant"), "identity")), "B");
	json_t *b_stats = json_object_get(left_b, "stats");
	assert_int_equal(jint(b_stats, "duration_seconds"), 60);
	assert_true(json_is_true(json_object_get(b_stats, "relay")));
	assert_int_equal(jint(b_stats, "pcs_failed"), 1);
	assert_string_equal(json_string_value(json_object_get(b_stats, "failure_reason")), "ICE failed");
	json_t *finished = json_object_get(notice_body(&out, 5), "stats");
	assert_int_equal(jint(finished, "duration_seconds"), 121);
	assert_int_equal(jint(finished, "peak_participants"), 2);
	assert_int_equal(jint(finished, "distinct_participants"), 2);
	assert_true(jreal(finished, "avg_participant_seconds") == 90.5);   /* (60 + 121) / 2 */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(notice_body(&out, 5), "room"),
	                                                    "numParticipants")), 0);

	/* records: two participants, one room */
	assert_int_equal(out.records->len, 3);
	analytics_record *rb = out.records->pdata[0], *rr = out.records->pdata[2];
	assert_int_equal(rb->type, ANALYTICS_RECORD_PARTICIPANT);
	assert_string_equal(rb->participant, "B");
	assert_int_equal(rb->start_ms, MS(1000) / 1000);
	assert_int_equal(rb->end_ms, MS(61000) / 1000);
	assert_string_equal(rb->outcome, "connected");
	assert_int_equal(rr->type, ANALYTICS_RECORD_ROOM);
	assert_int_equal(rr->end_ms - rr->start_ms, 121000);

	/* since start, all of it in kind "room" */
	const analytics_rollup *r = parley_analytics_model_since_start(m, ANALYTICS_KIND_ROOM);
	assert_int_equal(r->rooms_started, 1);
	assert_int_equal(r->rooms_finished, 1);
	assert_int_equal(r->room_seconds, 121);
	assert_int_equal(r->duration[parley_analytics_duration_bucket(121)], 1);
	assert_int_equal(r->participants_joined, 2);
	assert_int_equal(r->participants_left, 2);
	assert_int_equal(r->participant_seconds, 181);
	assert_int_equal(r->peak_participants, 2);
	assert_int_equal(r->pcs_connected, 2);
	assert_int_equal(r->pcs_failed, 1);
	assert_int_equal(r->pcs_relay, 1);
	assert_int_equal(r->connect_ms_sum, 300 + 1000);
	assert_int_equal(r->connect_samples, 2);
	assert_int_equal(r->bytes_in, 112500);
	assert_int_equal(r->bytes_out, 2000);
	assert_int_equal(r->nacks, 3);
	assert_int_equal(r->plis, 1);
	assert_int_equal(r->rtt_ms_sum, 60);
	assert_int_equal(r->rtt_samples, 2);
	assert_int_equal(r->slow_links, 1);
	analytics_live live_now;
	parley_analytics_model_live(m, &live_now);
	assert_int_equal(live_now.rooms[ANALYTICS_KIND_ROOM], 0);
	assert_int_equal(live_now.pcs_connected, 2);   /* A and B's publisher have not hung up */
	json_t *summary = parley_analytics_model_summary(m);
	assert_int_equal(jint(json_object_get(summary, "failure_reasons"), "ICE failed"), 1);
	json_decref(summary);

	parley_analytics_output_clear(&out);
	parley_analytics_model_free(m);
}

/* A meeting ends with participants in it: they leave with it. */
static void test_meeting_ends_with_people_in_it(void **state)
{
	analytics_model *m = parley_analytics_model_new(&limits);
	analytics_output out;
	parley_analytics_output_init(&out);
	plugin(m, &out, MEETING, MS(0), 0, json_pack("{s:s, s:s, s:s, s:s}", "event", "meeting_created", "room", "m1",
	                                             "title", "Standup", "host", "u1"));
	plugin(m, &out, MEETING, MS(1000), 5, json_pack("{s:s, s:s, s:s}", "event", "meeting_started", "room", "m1",
	                                                "title", "Standup"));
	plugin(m, &out, MEETING, MS(1000), 5, json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "participant_joined", "room",
	                                                "m1", "participant", "u1", "peer", "p1", "name", "Ann"));
	plugin(m, &out, MEETING, MS(2000), 6, json_pack("{s:s, s:s, s:s, s:s}", "event", "participant_joined", "room",
	                                                "m1", "participant", "u2", "peer", "p2"));
	plugin(m, &out, MEETING, MS(3000), 6, json_pack("{s:s, s:s, s:s, s:s}", "event", "participant_left", "room",
	                                                "m1", "participant", "u2", "reason", "left"));
	plugin(m, &out, MEETING, MS(4000), 7, json_pack("{s:s, s:s, s:s, s:s}", "event", "participant_joined", "room",
	                                                "m1", "participant", "u2", "peer", "p3"));
	plugin(m, &out, MEETING, MS(601000), 0, json_pack("{s:s, s:s, s:s}", "event", "meeting_ended", "room", "m1",
	                                                  "reason", "host"));
	const char *expected[] = { "meeting_created", "meeting_started", "participant_joined", "participant_joined",
	                           "participant_left", "participant_joined", "participant_left", "participant_left",
	                           "meeting_ended" };
	assert_int_equal(out.notices->len, G_N_ELEMENTS(expected));
	for (guint i = 0; i < out.notices->len; i++)
		assert_string_equal(notice_name(&out, i), expected[i]);
	assert_string_equal(json_string_value(json_object_get(notice_body(&out, 6), "reason")), "host");
	json_t *ended = json_object_get(notice_body(&out, 8), "stats");
	assert_int_equal(jint(ended, "duration_seconds"), 600);
	assert_int_equal(jint(ended, "joins"), 3);
	assert_int_equal(jint(ended, "distinct_participants"), 2);
	assert_string_equal(json_string_value(json_object_get(ended, "title")), "Standup");
	const analytics_rollup *r = parley_analytics_model_since_start(m, ANALYTICS_KIND_MEETING);
	assert_int_equal(r->rooms_started, 1);
	assert_int_equal(r->participants_joined, 3);
	assert_int_equal(r->participants_left, 3);
	/* 600 + 1 + 597 seconds */
	assert_int_equal(r->participant_seconds, 1198);
	assert_int_equal(r->duration[parley_analytics_duration_bucket(600)], 1);
	assert_int_equal(parley_analytics_model_since_start(m, ANALYTICS_KIND_ROOM)->rooms_started, 0);
	/* no PeerConnection on the gateway in a mesh meeting */
	analytics_record *rec = out.records->pdata[0];
	assert_string_equal(rec->outcome, "no-media");
	parley_analytics_output_clear(&out);
	parley_analytics_model_free(m);
}

/* Counts go into the hour of their event; taking them empties the model. */
static void test_hour_buckets(void **state)
{
	analytics_model *m = parley_analytics_model_new(&limits);
	analytics_output out;
	parley_analytics_output_init(&out);
	plugin(m, &out, ROOM, MS(-1000), 1, json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", "r",
	                                              "participant", "x"));
	plugin(m, &out, ROOM, MS(1000), 2, json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", "r",
	                                             "participant", "y"));
	analytics_rollup hour = { 0 };
	parley_analytics_model_add_pending(m, ANALYTICS_PERIOD_HOUR, T0 / G_USEC_PER_SEC, -1, &hour);
	assert_int_equal(hour.participants_joined, 1);
	assert_int_equal(hour.peak_participants, 2);
	analytics_rollup day = { 0 };
	parley_analytics_model_add_pending(m, ANALYTICS_PERIOD_DAY,
	                                   parley_analytics_bucket_start(T0 / G_USEC_PER_SEC, ANALYTICS_PERIOD_DAY), -1, &day);
	assert_int_equal(day.participants_joined, 2);
	assert_int_equal(day.rooms_started, 1);
	GArray *taken = g_array_new(FALSE, FALSE, sizeof(analytics_bucket));
	parley_analytics_model_take_pending(m, taken);
	assert_int_equal(taken->len, 2);
	int64_t starts = 0;
	for (guint i = 0; i < taken->len; i++) {
		analytics_bucket *b = &g_array_index(taken, analytics_bucket, i);
		assert_int_equal(b->kind, ANALYTICS_KIND_ROOM);
		starts += b->start;
	}
	assert_int_equal(starts, 2 * (T0 / G_USEC_PER_SEC) - 3600);
	g_array_set_size(taken, 0);
	parley_analytics_model_take_pending(m, taken);
	assert_int_equal(taken->len, 0);
	/* since start keeps everything */
	assert_int_equal(parley_analytics_model_since_start(m, ANALYTICS_KIND_ROOM)->participants_joined, 2);
	g_array_free(taken, TRUE);
	parley_analytics_output_clear(&out);
	parley_analytics_model_free(m);
}

/* A PeerConnection of no room counts as "other"; detaching before DTLS is a failure. */
static void test_other_and_detach(void **state)
{
	analytics_model *m = parley_analytics_model_new(&limits);
	analytics_output out;
	parley_analytics_output_init(&out);
	webrtc(m, &out, MS(0), 9, json_pack("{s:s}", "connection", "new"));
	webrtc(m, &out, MS(100), 9, json_pack("{s:s}", "connection", "webrtcup"));
	webrtc(m, &out, MS(200), 9, json_pack("{s:s}", "connection", "disconnected"));
	analytics_live live;
	parley_analytics_model_live(m, &live);
	assert_int_equal(live.pcs_disconnected, 1);
	webrtc(m, &out, MS(300), 10, json_pack("{s:s}", "connection", "new"));
	apply(m, &out, HANDLE, MS(400), 10, json_pack("{s:s, s:s}", "name", "detached", "plugin", "parley.plugin.echo"));
	const analytics_rollup *r = parley_analytics_model_since_start(m, ANALYTICS_KIND_OTHER);
	assert_int_equal(r->pcs_connected, 1);
	assert_int_equal(r->pcs_failed, 1);
	assert_int_equal(r->connect_ms_sum, 100);
	parley_analytics_model_live(m, &live);
	assert_int_equal(live.pcs_new, 0);
	assert_int_equal(live.pcs_disconnected, 1);
	/* the relay candidate was trickled after DTLS came up: counted once, then */
	webrtc(m, &out, MS(450), 9, json_pack("{s:s, s:s, s:s, s:s, s:b}", "ice", "connected", "local_type", "host",
	                                      "remote_type", "relay", "protocol", "udp", "relay", 1));
	webrtc(m, &out, MS(460), 9, json_pack("{s:s, s:s, s:s, s:s, s:b}", "ice", "connected", "local_type", "host",
	                                      "remote_type", "relay", "protocol", "udp", "relay", 1));
	assert_int_equal(r->pcs_relay, 1);
	assert_true(parley_analytics_turn_share(r) == 1.0);
	webrtc(m, &out, MS(500), 9, json_pack("{s:s, s:s}", "connection", "hangup", "reason", "Hangup"));
	parley_analytics_model_live(m, &live);
	assert_int_equal(live.pcs_disconnected + live.pcs_connected + live.pcs_new, 0);
	assert_int_equal(r->pcs_failed, 1);   /* a hangup after DTLS up is no failure */
	assert_int_equal(out.notices->len, 0);
	parley_analytics_output_clear(&out);
	parley_analytics_model_free(m);
}

static void test_limits_and_nonsense(void **state)
{
	analytics_limits tight = { 1, 1, 1, 1 };
	analytics_model *m = parley_analytics_model_new(&tight);
	analytics_output out;
	parley_analytics_output_init(&out);
	plugin(m, &out, ROOM, MS(0), 1, json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", "a",
	                                          "participant", "x"));
	plugin(m, &out, ROOM, MS(0), 2, json_pack("{s:s, s:s, s:s}", "event", "participant_joined", "room", "a",
	                                          "participant", "y"));   /* over max_participants */
	plugin(m, &out, ROOM, MS(0), 3, json_pack("{s:s, s:s}", "event", "room_started", "room", "b"));  /* over max_rooms */
	webrtc(m, &out, MS(0), 1, json_pack("{s:s}", "connection", "new"));
	webrtc(m, &out, MS(0), 2, json_pack("{s:s}", "connection", "new"));   /* over max_pcs */
	json_t *summary = parley_analytics_model_summary(m);
	assert_int_equal(jint(json_object_get(summary, "events"), "untracked"), 3);
	json_decref(summary);
	/* nonsense: no crash, counted */
	json_t *bad[] = {
		json_pack("{s:s}", "type", "x"),
		json_pack("{s:i, s:I, s:s}", "type", PLUGIN, "timestamp", (json_int_t)MS(0), "event", "text"),
		json_pack("{s:i, s:I, s:{s:s}}", "type", PLUGIN, "timestamp", (json_int_t)MS(0), "event", "data", "x"),
		json_pack("{s:i, s:I, s:{s:s, s:{s:i, s:i}}}", "type", PLUGIN, "timestamp", (json_int_t)MS(0), "event",
		          "plugin", "p", "data", "event", 1, "room", 2),
		json_pack("{s:i, s:I, s:I, s:{s:[i]}}", "type", MEDIA, "timestamp", (json_int_t)MS(0), "handle_id",
		          (json_int_t)1, "event", "stats", 5),
		json_pack("{s:i, s:I, s:I, s:{s:i}}", "type", WEBRTC, "timestamp", (json_int_t)-5, "handle_id",
		          (json_int_t)1, "event", "connection", 1),
		json_pack("{s:i, s:I, s:{s:s, s:s, s:{s:s, s:s}}}", "type", PLUGIN, "timestamp", (json_int_t)MS(0), "event",
		          "name", "plugin", "plugin", ROOM, "data", "event", "participant_left", "room", "nowhere"),
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		parley_analytics_model_apply(m, bad[i], &out);
		json_decref(bad[i]);
	}
	assert_true(parley_analytics_model_events(m, 9) >= 2);
	parley_analytics_output_clear(&out);
	parley_analytics_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_with_two_participants),
		cmocka_unit_test(test_meeting_ends_with_people_in_it),
		cmocka_unit_test(test_hour_buckets),
		cmocka_unit_test(test_other_and_detach),
		cmocka_unit_test(test_limits_and_nonsense),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
