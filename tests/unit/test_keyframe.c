/*
 * test_keyframe.c — unit tests of core/media/keyframe.c on hand-built
 * payloads: VP8 (descriptor variants, keyframe bit, TID), VP9 (P/B bits,
 * spatial layer), H264 (single NAL, STAP-A, FU-A) and AV1 (N bit, sequence
 * header OBU with and without length fields, continuation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "media/keyframe.h"

#define KEY(codec, ...) parley_keyframe_is_key(codec, (const uint8_t[]){ __VA_ARGS__ }, \
	sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_vp8(void **state)
{
	/* X S PID0 | I | M + 15-bit picture id 0x0123 | frame tag P=0 | start code */
	assert_true(KEY(PARLEY_KEYFRAME_VP8, 0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02));
	assert_false(KEY(PARLEY_KEYFRAME_VP8, 0x90, 0x80, 0x81, 0x23, 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a));
	assert_false(KEY(PARLEY_KEYFRAME_VP8, 0x10, 0x10, 0x02, 0x00, 0x00, 0x00, 0x00)); /* bad start code */
	assert_true(KEY(PARLEY_KEYFRAME_VP8, 0x10, 0x10, 0x02, 0x00)); /* short: trust the P bit */
	assert_false(KEY(PARLEY_KEYFRAME_VP8, 0x00, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a)); /* not a start */
	assert_false(KEY(PARLEY_KEYFRAME_VP8, 0x90, 0x80)); /* truncated descriptor */
	parley_keyframe_vp8_desc d;
	static const uint8_t tl[] = { 0x90, 0xe0, 0x05, 0x33, 0xa0, 0x11 };
	assert_int_equal(parley_keyframe_vp8_parse(tl, sizeof(tl), &d), 0);
	assert_true(d.has_picture_id && !d.picture_id_long);
	assert_int_equal(d.picture_id, 5);
	assert_int_equal(d.tl0picidx, 0x33);
	assert_true(d.has_tid);
	assert_int_equal(d.tid, 2);
	assert_true(d.layer_sync);
	assert_int_equal(d.header_len, 5);
	assert_int_equal(parley_keyframe_vp8_parse(tl, 4, &d), -1);
	assert_int_equal(parley_keyframe_codec_from_name("vp8"), PARLEY_KEYFRAME_VP8);
	assert_int_equal(parley_keyframe_codec_from_name("opus"), -1);
}

static void test_vp9(void **state)
{
	assert_true(KEY(PARLEY_KEYFRAME_VP9, 0x88, 0x05, 0x82));           /* I B, pid 5 */
	assert_false(KEY(PARLEY_KEYFRAME_VP9, 0xc8, 0x05, 0x82));          /* P set */
	assert_false(KEY(PARLEY_KEYFRAME_VP9, 0x80, 0x05, 0x82));          /* not start of frame */
	assert_true(KEY(PARLEY_KEYFRAME_VP9, 0xa8, 0x85, 0x00, 0x00, 0x07, 0x82)); /* L, SID 0 */
	assert_false(KEY(PARLEY_KEYFRAME_VP9, 0xa8, 0x05, 0x02, 0x07, 0x82));      /* SID 1 */
	assert_false(KEY(PARLEY_KEYFRAME_VP9, 0xa8, 0x85));                /* truncated */
}

static void test_h264(void **state)
{
	assert_true(KEY(PARLEY_KEYFRAME_H264, 0x65, 0x88, 0x80));           /* IDR */
	assert_true(KEY(PARLEY_KEYFRAME_H264, 0x67, 0x42, 0x00, 0x1f));     /* SPS */
	assert_false(KEY(PARLEY_KEYFRAME_H264, 0x41, 0x9a));                /* non-IDR slice */
	assert_true(KEY(PARLEY_KEYFRAME_H264, 0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce));
	assert_false(KEY(PARLEY_KEYFRAME_H264, 0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x02, 0x06, 0x05));
	assert_false(KEY(PARLEY_KEYFRAME_H264, 0x78, 0x00, 0x09, 0x67));    /* size past the end */
	assert_true(KEY(PARLEY_KEYFRAME_H264, 0x7c, 0x85, 0x88));           /* FU-A start of IDR */
	assert_false(KEY(PARLEY_KEYFRAME_H264, 0x7c, 0x05, 0x88));          /* FU-A middle */
	assert_false(KEY(PARLEY_KEYFRAME_H264, 0x7c, 0x81, 0x88));          /* FU-A non-IDR */
	assert_false(KEY(PARLEY_KEYFRAME_H264, 0x7c));
}

static void test_av1(void **state)
{
	assert_true(KEY(PARLEY_KEYFRAME_AV1, 0x18, 0x0a, 0x00));            /* N bit */
	assert_true(KEY(PARLEY_KEYFRAME_AV1, 0x10, 0x0a, 0x0b, 0x00));      /* W=1: sequence header */
	assert_false(KEY(PARLEY_KEYFRAME_AV1, 0x10, 0x32, 0x00));           /* W=1: frame OBU */
	assert_true(KEY(PARLEY_KEYFRAME_AV1, 0x20, 0x01, 0x32, 0x0a, 0x00)); /* W=2: 2nd is seq header */
	assert_true(KEY(PARLEY_KEYFRAME_AV1, 0x00, 0x02, 0x0a, 0x00));      /* W=0 with length */
	assert_false(KEY(PARLEY_KEYFRAME_AV1, 0x00, 0x09, 0x0a, 0x00));     /* length past the end */
	assert_false(KEY(PARLEY_KEYFRAME_AV1, 0x90, 0x0a, 0x00));           /* Z: continuation */
	assert_false(KEY(PARLEY_KEYFRAME_AV1, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vp8),
		cmocka_unit_test(test_vp9),
		cmocka_unit_test(test_h264),
		cmocka_unit_test(test_av1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
