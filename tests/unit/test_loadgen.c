/*
 * test_loadgen.c — unit tests of parley-loadgen's media generator and
 * receive accounting (bench/loadgen/rtpgen.c, stats.c): RTP headers, VP8
 * packetization (descriptor with a 15-bit picture id, keyframe detection by
 * util/keyframe.c, marker on the last packet, payload size), the average
 * bitrate and keyframe interval over simulated time, keyframe requests, the
 * payload trailer and intactness check, and loss / out-of-order /
 * duplicate / corrupt accounting and the delay histogram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>

#include "util/keyframe.h"
#include "rtp.h"
#include "rtpgen.h"
#include "stats.h"

#define MAX_CAPTURED 4096

typedef struct capture {
	size_t n;
	size_t len[MAX_CAPTURED];
	uint8_t pkt[MAX_CAPTURED][LOADGEN_PACKET_BUFFER];
} capture;

static int capture_send(void *user_data, uint8_t *packet, size_t length, size_t capacity)
{
	capture *c = user_data;
	assert_true(length <= capacity);
	if (c->n < MAX_CAPTURED) {
		memcpy(c->pkt[c->n], packet, length);
		c->len[c->n++] = length;
	}
	return 0;
}

static const loadgen_rtpgen_config base = {
	.publisher = 7, .audio = true, .video = true, .audio_ssrc = 1111, .video_ssrc = 2222,
	.audio_pt = 111, .video_pt = 96, .audio_bytes = 80, .bitrate_kbps = 500, .fps = 30,
	.keyframe_interval_s = 2,
};

static void test_first_tick(void **state)
{
	capture *c = calloc(1, sizeof(*c));
	loadgen_rtpgen *gen = loadgen_rtpgen_new(&base, capture_send, c);
	assert_non_null(gen);
	loadgen_rtpgen_tick(gen, 1000000);
	assert_true(c->n >= 3);   /* one audio packet, a keyframe of several packets */
	parley_util_rtp_info info;
	assert_int_equal(parley_util_rtp_parse(c->pkt[0], c->len[0], &info), 0);
	assert_int_equal(info.pt, 111);
	assert_int_equal(info.ssrc, 1111);
	assert_int_equal(info.payload_len, 80 + LOADGEN_TRAILER_LEN);
	uint32_t ts = 0;
	uint16_t seq = 0;
	for (size_t i = 1; i < c->n; i++) {
		assert_int_equal(parley_util_rtp_parse(c->pkt[i], c->len[i], &info), 0);
		const uint8_t *payload = c->pkt[i] + info.payload_offset;
		assert_int_equal(info.pt, 96);
		assert_int_equal(info.ssrc, 2222);
		assert_true(info.payload_len <= LOADGEN_MAX_PAYLOAD);
		assert_int_equal(info.marker, i == c->n - 1);
		if (i > 1) {
			assert_int_equal(info.ts, ts);
			assert_int_equal(info.seq, (uint16_t)(seq + 1));
		}
		ts = info.ts;
		seq = info.seq;
		parley_util_keyframe_vp8_desc d;
		assert_int_equal(parley_util_keyframe_vp8_parse(payload, info.payload_len, &d), 0);
		assert_true(d.has_picture_id && d.picture_id_long);
		assert_int_equal(d.start, i == 1);
		assert_int_equal(parley_util_keyframe_is_key(PARLEY_UTIL_KEYFRAME_VP8, payload, info.payload_len), i == 1);
		loadgen_trailer t;
		assert_int_equal(loadgen_rtpgen_trailer_read(payload, info.payload_len, &t), 0);
		assert_int_equal(t.kind, LOADGEN_KIND_VIDEO);
		assert_int_equal(t.publisher, 7);
		assert_int_equal(t.counter, i - 1);
		assert_int_equal(t.send_us, 1000000);
		assert_true(t.flags & LOADGEN_FLAG_KEYFRAME);
		assert_true(loadgen_rtpgen_payload_intact(payload, info.payload_len, &t));
	}
	loadgen_rtpgen_free(gen);
	free(c);
}

static void test_rates(void **state)
{
	capture *c = calloc(1, sizeof(*c));
	loadgen_rtpgen *gen = loadgen_rtpgen_new(&base, capture_send, c);
	int64_t t0 = 5000000;
	for (int64_t t = 0; t < 10000000; t += 10000)
		loadgen_rtpgen_tick(gen, t0 + t);
	const loadgen_rtpgen_counters *k = loadgen_rtpgen_get_counters(gen);
	assert_int_equal(k->packets[LOADGEN_KIND_AUDIO], 500);
	assert_int_equal(k->frames, 300);
	assert_int_equal(k->keyframes, 5);                     /* 0, 2, 4, 6, 8 s */
	uint64_t video_bits = k->bytes[LOADGEN_KIND_VIDEO] * 8;
	assert_true(video_bits > 4500000 && video_bits < 5500000);   /* 500 kbit/s ± 10 % over 10 s */
	/* A stall of one second: bounded catch-up, not a burst of 50 packets. */
	uint64_t before = k->packets[LOADGEN_KIND_AUDIO];
	loadgen_rtpgen_tick(gen, t0 + 11000000);
	assert_true(k->packets[LOADGEN_KIND_AUDIO] - before <= 4);
	loadgen_rtpgen_free(gen);
	free(c);
}

static void test_keyframe_request(void **state)
{
	capture *c = calloc(1, sizeof(*c));
	loadgen_rtpgen_config cfg = base;
	cfg.audio = false;
	cfg.keyframe_interval_s = 100;
	loadgen_rtpgen *gen = loadgen_rtpgen_new(&cfg, capture_send, c);
	const loadgen_rtpgen_counters *k = loadgen_rtpgen_get_counters(gen);
	int64_t t = 0;
	for (; t < 200000; t += 10000)
		loadgen_rtpgen_tick(gen, t);
	assert_int_equal(k->keyframes, 1);
	loadgen_rtpgen_request_keyframe(gen);   /* 200 ms after the first: served at 500 ms */
	for (; t < 490000; t += 10000)
		loadgen_rtpgen_tick(gen, t);
	assert_int_equal(k->keyframes, 1);
	for (; t < 600000; t += 10000)
		loadgen_rtpgen_tick(gen, t);
	assert_int_equal(k->keyframes, 2);
	assert_int_equal(k->keyframe_requests, 1);
	for (; t < 2000000; t += 10000)
		loadgen_rtpgen_tick(gen, t);
	assert_int_equal(k->keyframes, 2);
	loadgen_rtpgen_free(gen);
	free(c);
}

static void test_bad_config(void **state)
{
	loadgen_rtpgen_config cfg = base;
	cfg.fps = 0;
	assert_null(loadgen_rtpgen_new(&cfg, capture_send, NULL));
	cfg = base;
	cfg.audio_bytes = LOADGEN_MAX_PAYLOAD;
	assert_null(loadgen_rtpgen_new(&cfg, capture_send, NULL));
	assert_null(loadgen_rtpgen_new(&base, NULL, NULL));
}

/* Feeds captured audio packet i (payload) to the stats at now_us. */
static void feed(loadgen_stats *s, loadgen_histogram *h, capture *c, size_t i, int64_t now_us)
{
	parley_util_rtp_info info;
	assert_int_equal(parley_util_rtp_parse(c->pkt[i], c->len[i], &info), 0);
	loadgen_stats_packet(s, h, c->pkt[i] + info.payload_offset, info.payload_len, false, now_us);
}

static void test_accounting(void **state)
{
	capture *c = calloc(1, sizeof(*c));
	loadgen_rtpgen_config cfg = base;
	cfg.video = false;
	loadgen_rtpgen *gen = loadgen_rtpgen_new(&cfg, capture_send, c);
	for (int64_t t = 0; t < 200000; t += 20000)
		loadgen_rtpgen_tick(gen, t);
	assert_int_equal(c->n, 10);
	loadgen_stats s = { 0 };
	loadgen_histogram *h = loadgen_stats_histogram_new();
	/* 0 1 3 2 2 5 6 7 8 9 (4 lost, 2 late, 2 twice) and 9 corrupted */
	static const size_t order[] = { 0, 1, 3, 2, 2, 5, 6, 7, 8 };
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
		feed(&s, h, c, order[i], 20000 * (int64_t)order[i] + 20 * (int64_t)(order[i] + 1));
	c->pkt[9][40] ^= 0xFF;
	feed(&s, h, c, 9, 180000 + 3000);
	loadgen_stats_totals tot;
	loadgen_stats_totals_of(&s, -1, &tot);
	assert_int_equal(tot.received, 10);
	assert_int_equal(tot.unique, 9);
	assert_int_equal(tot.expected, 10);
	assert_int_equal(tot.lost, 1);
	assert_int_equal(tot.out_of_order, 1);
	assert_int_equal(tot.duplicates, 1);
	assert_int_equal(tot.corrupt, 1);
	assert_int_equal(s.foreign, 0);
	const loadgen_stream_stats *st = loadgen_stats_find(&s, 7, LOADGEN_KIND_AUDIO);
	assert_non_null(st);
	assert_int_equal(st->highest_counter, 9);
	assert_null(loadgen_stats_find(&s, 7, LOADGEN_KIND_VIDEO));
	/* delays: 20 µs, 40 µs, ... and one of 3 ms */
	assert_int_equal(loadgen_stats_histogram_count(h), 10);
	assert_true(loadgen_stats_histogram_percentile(h, 0.5) <= 200);
	assert_true(loadgen_stats_histogram_percentile(h, 0.99) >= 3000);
	/* A payload without our trailer is foreign. */
	static const uint8_t foreign[40] = { 1, 2, 3 };
	loadgen_stats_packet(&s, h, foreign, sizeof(foreign), false, 0);
	assert_int_equal(s.foreign, 1);
	loadgen_stats_histogram_free(h);
	loadgen_rtpgen_free(gen);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_tick),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_keyframe_request),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
