/*
 * test_util_keyframe.c — unit tests of util/keyframe.c on hand-built
 * payloads: VP8 (descriptor variants, keyframe bit, start code, TID and
 * layer sync, keyframe dimensions, truncation), VP9 (P/B bits, spatial
 * layer), H264 (single NAL, STAP-A, FU-A) and AV1 (N bit, sequence header
 * OBU with and without length fields, continuation), codecs not inspected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/keyframe.h"

#define KEY(codec, ...) parley_util_keyframe_is_key(codec, (const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_vp8(void **state)
{
	/* X S PID0 | I | M + 15-bit picture id 0x0123 | frame tag P=0 | start code */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_VP8, 0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02));
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP8, 0x90, 0x80, 0x81, 0x23, 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a));
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP8, 0x10, 0x10, 0x02, 0x00, 0x00, 0x00, 0x00)); /* bad start code */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_VP8, 0x10, 0x10, 0x02, 0x00)); /* short: trust the P bit */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP8, 0x00, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a)); /* not a start */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP8, 0x90, 0x80)); /* truncated descriptor */
	parley_util_keyframe_vp8_desc d;
	static const uint8_t tl[] = { 0x90, 0xe0, 0x05, 0x33, 0xa0, 0x11 };
	assert_int_equal(parley_util_keyframe_vp8_parse(tl, sizeof(tl), &d), 0);
	assert_true(d.has_picture_id && !d.picture_id_long);
	assert_int_equal(d.picture_id, 5);
	assert_int_equal(d.tl0picidx, 0x33);
	assert_true(d.has_tid);
	assert_int_equal(d.tid, 2);
	assert_true(d.layer_sync);
	assert_int_equal(d.header_len, 5);
	assert_int_equal(parley_util_keyframe_vp8_parse(tl, 4, &d), -1);
}

static void test_vp9(void **state)
{
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0x88, 0x05, 0x82));           /* I B, pid 5 */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0xc8, 0x05, 0x82));          /* P set */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0x80, 0x05, 0x82));          /* not start of frame */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0xa8, 0x85, 0x00, 0x00, 0x07, 0x82)); /* L, SID 0 */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0xa8, 0x05, 0x02, 0x07, 0x82));      /* SID 1 */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0xa8, 0x85));                /* truncated */
}

static void test_h264(void **state)
{
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x65, 0x88, 0x80));           /* IDR */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x67, 0x42, 0x00, 0x1f));     /* SPS */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x41, 0x9a));                /* non-IDR slice */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce));
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x02, 0x06, 0x05));
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x78, 0x00, 0x09, 0x67));    /* size past the end */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x7c, 0x85, 0x88));           /* FU-A start of IDR */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x7c, 0x05, 0x88));          /* FU-A middle */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x7c, 0x81, 0x88));          /* FU-A non-IDR */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x7c));
}

static void test_av1(void **state)
{
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x18, 0x0a, 0x00));            /* N bit */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x10, 0x0a, 0x0b, 0x00));      /* W=1: sequence header */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x10, 0x32, 0x00));           /* W=1: frame OBU */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x20, 0x01, 0x32, 0x0a, 0x00)); /* W=2: 2nd is seq header */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x00, 0x02, 0x0a, 0x00));      /* W=0 with length */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x00, 0x09, 0x0a, 0x00));     /* length past the end */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x90, 0x0a, 0x00));           /* Z: continuation */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
}

/* A VP8 payload: X with I (15-bit picture id), T (TID/Y) and a 320x240 frame header. */
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

static void test_vp8_facts(void **state)
{
	uint8_t p[32];
	parley_util_keyframe_facts facts;
	size_t n = vp8_packet(p, true, true, 0);
	parley_util_keyframe_inspect(PARLEY_UTIL_KEYFRAME_VP8, p, n, &facts);
	assert_true(facts.keyframe);
	assert_int_equal(facts.temporal, 0);
	assert_true(facts.layer_sync);
	assert_int_equal(facts.width, 320);
	assert_int_equal(facts.height, 240);
	n = vp8_packet(p, true, false, 2);
	parley_util_keyframe_inspect(PARLEY_UTIL_KEYFRAME_VP8, p, n, &facts);
	assert_false(facts.keyframe);
	assert_int_equal(facts.temporal, 2);
	n = vp8_packet(p, false, true, 1);   /* not the start of a partition */
	parley_util_keyframe_inspect(PARLEY_UTIL_KEYFRAME_VP8, p, n, &facts);
	assert_false(facts.keyframe);
	assert_int_equal(facts.temporal, 1);
	/* truncated everywhere: never a keyframe, never past the end */
	n = vp8_packet(p, true, true, 0);
	for (size_t len = 0; len < 6; len++) {
		parley_util_keyframe_inspect(PARLEY_UTIL_KEYFRAME_VP8, p, len, &facts);
		assert_false(facts.keyframe);
	}
	/* no extension byte: plain descriptor, too short for dimensions */
	uint8_t plain[] = {0x10, 0x50, 0x02, 0x00};
	parley_util_keyframe_inspect(PARLEY_UTIL_KEYFRAME_VP8, plain, sizeof(plain), &facts);
	assert_true(facts.keyframe);
	assert_int_equal(facts.temporal, -1);
	assert_int_equal(facts.width, 0);
}

/* Minimal payloads of each codec, and codecs that are not inspected. */
static void test_short_payloads(void **state)
{
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0x08, 0x00));      /* B, not P */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_VP9, 0x48, 0x00));     /* B, P */
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce));
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_H264, 0x18, 0x00, 0x09, 0x67, 0x42));
	assert_true(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x08));            /* N alone */
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_AV1, 0x10));
	assert_false(KEY(PARLEY_UTIL_KEYFRAME_OTHER, 0x08));
	assert_false(KEY((parley_util_keyframe_codec)99, 0x08));
	assert_false(parley_util_keyframe_is_key(PARLEY_UTIL_KEYFRAME_VP8, NULL, 10));
	parley_util_keyframe_facts facts;
	memset(&facts, 0x5a, sizeof(facts));
	parley_util_keyframe_inspect(PARLEY_UTIL_KEYFRAME_OTHER, (const uint8_t *)"x", 1, &facts);
	assert_false(facts.keyframe);
	assert_int_equal(facts.temporal, -1);
	assert_false(facts.layer_sync);
	assert_int_equal(facts.width, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vp8),
		cmocka_unit_test(test_vp9),
		cmocka_unit_test(test_h264),
		cmocka_unit_test(test_av1),
		cmocka_unit_test(test_vp8_facts),
		cmocka_unit_test(test_short_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
