/*
 * tests/unit/test_room_simulcast.c — simulcast layer choice (preference,
 * bandwidth estimate, inactive layers) and payload inspection (VP8
 * keyframes with dimensions and temporal ids, VP9, H.264 single/STAP-A/
 * FU-A, AV1, truncated input).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "simulcast.h"

static const uint32_t bitrates[3] = {150000, 500000, 1500000};

static int choose(unsigned layers, unsigned mask, int preferred, uint32_t estimate, bool auto_layers)
{
	room_layer_input in = {layers, mask, preferred, estimate, auto_layers, bitrates};
	return parley_room_layer_choose(&in);
}

static void test_layer_choice(void **state)
{
	(void)state;
	assert_int_equal(choose(3, 7, -1, 0, true), 2);          /* default: the highest */
	assert_int_equal(choose(3, 7, 0, 0, true), 0);           /* explicit low */
	assert_int_equal(choose(3, 7, 1, 0, true), 1);
	assert_int_equal(choose(3, 7, 5, 0, true), 2);           /* clamped */
	assert_int_equal(choose(3, 7, -1, 600000, true), 1);     /* estimate fits the middle */
	assert_int_equal(choose(3, 7, -1, 100000, true), 0);     /* below everything: the lowest */
	assert_int_equal(choose(3, 7, -1, 100000, false), 2);    /* automatic choice off */
	assert_int_equal(choose(3, 7, 2, 200000, true), 0);      /* the estimate caps a preference */
	assert_int_equal(choose(3, 0x3, -1, 0, true), 1);        /* top layer not sent: next below */
	assert_int_equal(choose(3, 0x4, 0, 0, true), 2);         /* only the top one: above the wish */
	assert_int_equal(choose(3, 0, -1, 0, true), -1);         /* nothing active */
	assert_int_equal(choose(1, 1, 2, 0, true), 0);           /* no simulcast */
	assert_int_equal(choose(0, 1, -1, 0, true), 0);
}

/* A VP8 keyframe payload: X with I (15-bit picture id), T (TID/Y) and a 320x240 frame header. */
static size_t vp8_packet(uint8_t *out, bool start, bool key, int tid)
{
	size_t n = 0;
	out[n++] = 0x80 | (start ? 0x10 : 0);   /* X, S, PID 0 */
	out[n++] = 0x80 | 0x20;                   /* I, T */
	out[n++] = 0x80 | 0x12;                   /* M + 15-bit id */
	out[n++] = 0x34;
	out[n++] = (uint8_t)((tid << 6) | 0x20);  /* TID, Y */
	out[n++] = key ? 0x10 : 0x11;             /* P bit clear on keyframes */
	out[n++] = 0x02;
	out[n++] = 0x00;
	out[n++] = 0x9d;
	out[n++] = 0x01;
	out[n++] = 0x2a;
	out[n++] = 0x40;                          /* 320 */
	out[n++] = 0x01;
	out[n++] = 0xf0;                          /* 240 */
	out[n++] = 0x00;
	return n;
}

static void test_vp8(void **state)
{
	(void)state;
	uint8_t p[32];
	room_payload_info info;
	size_t n = vp8_packet(p, true, true, 0);
	parley_room_payload_inspect(ROOM_PAYLOAD_VP8, p, n, &info);
	assert_true(info.keyframe);
	assert_int_equal(info.temporal, 0);
	assert_true(info.layer_sync);
	assert_int_equal(info.width, 320);
	assert_int_equal(info.height, 240);
	n = vp8_packet(p, true, false, 2);
	parley_room_payload_inspect(ROOM_PAYLOAD_VP8, p, n, &info);
	assert_false(info.keyframe);
	assert_int_equal(info.temporal, 2);
	n = vp8_packet(p, false, true, 1);   /* not the start of a partition */
	parley_room_payload_inspect(ROOM_PAYLOAD_VP8, p, n, &info);
	assert_false(info.keyframe);
	assert_int_equal(info.temporal, 1);
	/* truncated everywhere: never a keyframe, never past the end */
	n = vp8_packet(p, true, true, 0);
	for (size_t len = 0; len < 6; len++) {
		parley_room_payload_inspect(ROOM_PAYLOAD_VP8, p, len, &info);
		assert_false(info.keyframe);
	}
	/* no extension byte: plain descriptor */
	uint8_t plain[] = {0x10, 0x50, 0x02, 0x00};
	parley_room_payload_inspect(ROOM_PAYLOAD_VP8, plain, sizeof(plain), &info);
	assert_true(info.keyframe);
	assert_int_equal(info.temporal, -1);
	assert_int_equal(info.width, 0);
}

static void test_other_codecs(void **state)
{
	(void)state;
	room_payload_info info;
	uint8_t vp9_key[] = {0x08, 0x00};     /* B, not P */
	uint8_t vp9_inter[] = {0x48, 0x00};   /* B, P */
	parley_room_payload_inspect(ROOM_PAYLOAD_VP9, vp9_key, 2, &info);
	assert_true(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_VP9, vp9_inter, 2, &info);
	assert_false(info.keyframe);
	uint8_t idr[] = {0x65, 0x88};
	uint8_t slice[] = {0x41, 0x9a};
	uint8_t stap[] = {0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce};
	uint8_t stap_bad[] = {0x18, 0x00, 0x09, 0x67, 0x42};
	uint8_t fu_start[] = {0x7c, 0x85, 0x00};
	uint8_t fu_middle[] = {0x7c, 0x05, 0x00};
	parley_room_payload_inspect(ROOM_PAYLOAD_H264, idr, 2, &info);
	assert_true(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_H264, slice, 2, &info);
	assert_false(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_H264, stap, sizeof(stap), &info);
	assert_true(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_H264, stap_bad, sizeof(stap_bad), &info);
	assert_false(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_H264, fu_start, 3, &info);
	assert_true(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_H264, fu_middle, 3, &info);
	assert_false(info.keyframe);
	uint8_t av1[] = {0x08};
	parley_room_payload_inspect(ROOM_PAYLOAD_AV1, av1, 1, &info);
	assert_true(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_OTHER, av1, 1, &info);
	assert_false(info.keyframe);
	parley_room_payload_inspect(ROOM_PAYLOAD_VP8, NULL, 10, &info);
	assert_false(info.keyframe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layer_choice),
		cmocka_unit_test(test_vp8),
		cmocka_unit_test(test_other_codecs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
