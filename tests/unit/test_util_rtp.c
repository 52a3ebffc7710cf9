/*
 * test_util_rtp.c — unit tests of util/rtp.c on hand-built packets: header
 * fields, CSRCs and padding, malformed headers, one- and two-byte
 * extensions (lookup, id rewriting, the well-known values), the in-place
 * writers and sequence arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/rtp.h"
#include "rtp_sample.h"

static void test_parse_fields(void **state)
{
	parley_util_rtp_info i;
	assert_int_equal(parley_util_rtp_parse(pkt1, sizeof(pkt1), &i), 0);
	assert_int_equal(i.version, 2);
	assert_true(i.padding && i.extension && i.marker);
	assert_int_equal(i.csrc_count, 1);
	assert_int_equal(i.pt, 96);
	assert_int_equal(i.seq, 0x1234);
	assert_int_equal(i.ts, 0xdeadbeef);
	assert_int_equal(i.ssrc, 0x11223344);
	assert_int_equal(i.ext_profile, 0xbede);
	assert_int_equal(i.ext_offset, 20);
	assert_int_equal(i.ext_len, 8);
	assert_int_equal(i.payload_offset, 28);
	assert_int_equal(i.payload_len, 3);
	assert_int_equal(i.padding_len, 2);
	assert_memory_equal(pkt1 + i.payload_offset, "ABC", 3);
	assert_true(parley_util_rtp_is_rtp(pkt1, sizeof(pkt1)));
	const uint8_t *d;
	size_t l;
	assert_int_equal(parley_util_rtp_ext_find(pkt1, &i, 1, &d, &l), 0);
	assert_int_equal(l, 1);
	assert_int_equal(d[0], 0x85);
	bool voice;
	uint8_t level;
	assert_int_equal(parley_util_rtp_ext_audio_level(pkt1, &i, 1, &voice, &level), 0);
	assert_true(voice);
	assert_int_equal(level, 5);
	uint16_t tseq;
	assert_int_equal(parley_util_rtp_ext_transport_seq(pkt1, &i, 3, &tseq), 0);
	assert_int_equal(tseq, 0x0007);
	assert_int_equal(parley_util_rtp_ext_find(pkt1, &i, 2, &d, &l), -PARLEY_UTIL_RTP_ENOTFOUND);
}

static void test_parse_errors(void **state)
{
	parley_util_rtp_info i;
	uint8_t b[sizeof(pkt1)];
	assert_int_equal(parley_util_rtp_parse(pkt1, 11, &i), -PARLEY_UTIL_RTP_ETOOSHORT);
	memcpy(b, pkt1, sizeof(b));
	b[0] = 0x71; /* version 1 */
	assert_int_equal(parley_util_rtp_parse(b, sizeof(b), &i), -PARLEY_UTIL_RTP_EVERSION);
	memcpy(b, pkt1, sizeof(b));
	b[sizeof(b) - 1] = 9; /* padding longer than the payload */
	assert_int_equal(parley_util_rtp_parse(b, sizeof(b), &i), -PARLEY_UTIL_RTP_EPADDING);
	b[sizeof(b) - 1] = 0;
	assert_int_equal(parley_util_rtp_parse(b, sizeof(b), &i), -PARLEY_UTIL_RTP_EPADDING);
	memcpy(b, pkt1, sizeof(b));
	b[19] = 0x20; /* extension length past the end */
	assert_int_equal(parley_util_rtp_parse(b, sizeof(b), &i), -PARLEY_UTIL_RTP_ETOOSHORT);
	memcpy(b, pkt1, sizeof(b));
	b[20] = 0x1f; /* element claims 16 bytes */
	assert_int_equal(parley_util_rtp_parse(b, sizeof(b), &i), 0);
	const uint8_t *d;
	size_t l;
	assert_int_equal(parley_util_rtp_ext_find(b, &i, 1, &d, &l), -PARLEY_UTIL_RTP_EEXTENSION);
	uint8_t rtcp[12] = { 0x80, 200 };
	assert_false(parley_util_rtp_is_rtp(rtcp, sizeof(rtcp)));
	assert_string_equal(parley_util_rtp_strerror(-PARLEY_UTIL_RTP_EVERSION), "RTP version is not 2");
}

static void test_two_byte_rewrite_and_writers(void **state)
{
	/* two-byte header (0x1000): id 20 len 2, id 0 pad, id 5 len 0, id 7 len 1 */
	uint8_t p[] = { 0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9,
		0x10, 0x00, 0x00, 0x03, 20, 2, 0xab, 0xcd, 0, 5, 0, 7, 1, 0xee, 0, 0, 'x' };
	parley_util_rtp_info i;
	assert_int_equal(parley_util_rtp_parse(p, sizeof(p), &i), 0);
	const uint8_t *d;
	size_t l;
	assert_int_equal(parley_util_rtp_ext_find(p, &i, 20, &d, &l), 0);
	assert_int_equal(l, 2);
	assert_int_equal(d[1], 0xcd);
	assert_int_equal(parley_util_rtp_ext_find(p, &i, 5, &d, &l), 0);
	assert_int_equal(l, 0);
	assert_int_equal(parley_util_rtp_ext_find(p, &i, 7, &d, &l), 0);
	assert_int_equal(d[0], 0xee);
	assert_int_equal(parley_util_rtp_ext_rewrite_id(p, &i, 20, 200), 1);
	assert_int_equal(p[16], 200);
	/* one-byte: ids limited to 1..14 */
	uint8_t q[sizeof(pkt1)];
	memcpy(q, pkt1, sizeof(q));
	assert_int_equal(parley_util_rtp_parse(q, sizeof(q), &i), 0);
	assert_int_equal(parley_util_rtp_ext_rewrite_id(q, &i, 3, 15), -PARLEY_UTIL_RTP_EINVAL);
	assert_int_equal(parley_util_rtp_ext_rewrite_id(q, &i, 3, 9), 1);
	assert_int_equal(q[22], 0x91);
	assert_int_equal(parley_util_rtp_ext_transport_seq(q, &i, 9, &(uint16_t){ 0 }), 0);
	parley_util_rtp_set_seq(q, 0xfffe);
	parley_util_rtp_set_ts(q, 0x01020304);
	parley_util_rtp_set_ssrc(q, 0xcafebabe);
	parley_util_rtp_set_pt(q, 111);
	parley_util_rtp_set_marker(q, false);
	assert_int_equal(parley_util_rtp_parse(q, sizeof(q), &i), 0);
	assert_int_equal(i.seq, 0xfffe);
	assert_int_equal(i.ts, 0x01020304);
	assert_int_equal(i.ssrc, 0xcafebabe);
	assert_int_equal(i.pt, 111);
	assert_false(i.marker);
}

static void test_seq_arithmetic(void **state)
{
	assert_true(parley_util_rtp_seq_newer(1, 65535));
	assert_false(parley_util_rtp_seq_newer(65535, 1));
	assert_int_equal(parley_util_rtp_seq_diff(2, 65534), 4);
	assert_int_equal(parley_util_rtp_seq_diff(65534, 2), -4);
	assert_int_equal(parley_util_rtp_ts_diff(5, 0xfffffffb), 10);
}

/* A packet without CSRCs: one-byte block with id 1 (2 bytes), 4 bytes of payload. */
static void test_plain_header_and_padding(void **state)
{
	uint8_t pkt[64] = {0x90, 0xe0, 0x12, 0x34, 0, 0, 0x10, 0, 0xde, 0xad, 0xbe, 0xef,
	                   0xbe, 0xde, 0x00, 0x01, 0x10, 0x41, 0x00, 0x00, 1, 2, 3, 4};
	parley_util_rtp_info v;
	assert_int_equal(parley_util_rtp_parse(pkt, 24, &v), 0);
	assert_true(v.marker);
	assert_int_equal(v.pt, 96);
	assert_int_equal(v.seq, 0x1234);
	assert_int_equal(v.ts, 0x1000);
	assert_int_equal(v.ssrc, 0xdeadbeef);
	assert_int_equal(v.payload_offset, 20);
	assert_int_equal(v.payload_len, 4);
	parley_util_rtp_set_ssrc(pkt, 0x01020304);
	parley_util_rtp_set_seq(pkt, 7);
	parley_util_rtp_set_ts(pkt, 9);
	assert_int_equal(parley_util_rtp_parse(pkt, 24, &v), 0);
	assert_int_equal(v.ssrc, 0x01020304);
	assert_int_equal(v.seq, 7);
	assert_int_equal(v.ts, 9);
	/* padding */
	pkt[0] |= 0x20;
	pkt[23] = 2;
	assert_int_equal(parley_util_rtp_parse(pkt, 24, &v), 0);
	assert_int_equal(v.payload_len, 2);
	assert_int_equal(v.padding_len, 2);
	pkt[23] = 0;
	assert_int_equal(parley_util_rtp_parse(pkt, 24, &v), -PARLEY_UTIL_RTP_EPADDING);
	/* malformed: short, wrong version, extension past the end, no buffer */
	assert_int_equal(parley_util_rtp_parse(pkt, 11, &v), -PARLEY_UTIL_RTP_ETOOSHORT);
	pkt[0] = 0x40;
	assert_int_equal(parley_util_rtp_parse(pkt, 24, &v), -PARLEY_UTIL_RTP_EVERSION);
	pkt[0] = 0x90;
	pkt[14] = 0x10;
	assert_int_equal(parley_util_rtp_parse(pkt, 24, &v), -PARLEY_UTIL_RTP_ETOOSHORT);
	assert_int_equal(parley_util_rtp_parse(NULL, 24, &v), -PARLEY_UTIL_RTP_EINVAL);
}

/* abs-send-time (3 bytes) after a mid, and a value too short for it. */
static void test_abs_send_time(void **state)
{
	uint8_t pkt[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9,
	                 0xbe, 0xde, 0x00, 0x02, 0x10, 'a', 0x32, 0x12, 0x34, 0x56, 0x40, 0x77, 'x'};
	parley_util_rtp_info i;
	assert_int_equal(parley_util_rtp_parse(pkt, sizeof(pkt), &i), 0);
	uint32_t value = 0;
	assert_int_equal(parley_util_rtp_ext_abs_send_time(pkt, &i, 3, &value), 0);
	assert_int_equal(value, 0x123456);
	assert_int_equal(parley_util_rtp_ext_abs_send_time(pkt, &i, 4, &value), -PARLEY_UTIL_RTP_EEXTENSION);
	assert_int_equal(parley_util_rtp_ext_abs_send_time(pkt, &i, 5, &value), -PARLEY_UTIL_RTP_ENOTFOUND);
	size_t offset, len;
	assert_int_equal(parley_util_rtp_ext_value_offset(pkt, &i, 3, &offset, &len), 0);
	assert_int_equal(offset, 19);
	assert_int_equal(len, 3);
	/* an extension profile that is neither one- nor two-byte has no elements */
	pkt[12] = 0xab;
	assert_int_equal(parley_util_rtp_parse(pkt, sizeof(pkt), &i), 0);
	assert_int_equal(parley_util_rtp_ext_abs_send_time(pkt, &i, 3, &value), -PARLEY_UTIL_RTP_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_two_byte_rewrite_and_writers),
		cmocka_unit_test(test_seq_arithmetic),
		cmocka_unit_test(test_plain_header_and_padding),
		cmocka_unit_test(test_abs_send_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
