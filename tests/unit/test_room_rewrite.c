/*
 * tests/unit/test_room_rewrite.c — the room plugin's rewriting context:
 * outgoing seq/ts stay continuous across pause/resume, simulcast layer and
 * source switches, dropped temporal-layer packets, 16-bit wraparound, a
 * segment longer than 32768 packets, and packets older than the current
 * segment are refused (the RTP header itself: test_util_rtp.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/room/rewrite.h"

#define US_PER_FRAME 33333   /* 30 fps */
#define TS_PER_FRAME 3000    /* 90 kHz */

static void map(room_rewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts, int64_t now_us, uint16_t *oseq,
                uint32_t *ots)
{
	assert_int_equal(parley_room_rewriter_map(rw, ssrc, seq, ts, now_us, oseq, ots), ROOM_REWRITE_OK);
}

static void test_first_segment_keeps_numbers(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 0xabcdef01, 90000);
	uint16_t seq;
	uint32_t ts;
	map(&rw, 1111, 500, 90000, 0, &seq, &ts);
	assert_int_equal(seq, 500);
	assert_int_equal(ts, 90000);
	map(&rw, 1111, 501, 93000, US_PER_FRAME, &seq, &ts);
	assert_int_equal(seq, 501);
	assert_int_equal(ts, 93000);
}

static void test_pause_resume_is_continuous(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 1, 90000);
	uint16_t seq = 0, last_seq = 0;
	uint32_t ts = 0, last_ts = 0;
	int64_t now = 0;
	for (int i = 0; i < 10; i++, now += US_PER_FRAME) {
		map(&rw, 7, (uint16_t)(100 + i), (uint32_t)(5000 + i * TS_PER_FRAME), now, &last_seq, &last_ts);
	}
	/* paused: the publisher goes on (seq 110..409), nothing forwarded; 2 s later, resume */
	now += 2000000;
	parley_room_rewriter_switch(&rw);
	map(&rw, 7, 410, 5000 + 310 * TS_PER_FRAME, now, &seq, &ts);
	assert_int_equal(seq, (uint16_t)(last_seq + 1));
	/* the timestamp advanced by the wall time elapsed since the last packet */
	int64_t elapsed_ticks = ((int64_t)(2000000 + US_PER_FRAME) * 90000 + 500000) / 1000000;
	assert_int_equal((int32_t)(ts - last_ts), (int32_t)elapsed_ticks);
	uint16_t next_seq;
	uint32_t next_ts;
	map(&rw, 7, 411, 5000 + 311 * TS_PER_FRAME, now + US_PER_FRAME, &next_seq, &next_ts);
	assert_int_equal(next_seq, (uint16_t)(seq + 1));
	assert_int_equal(next_ts - ts, TS_PER_FRAME);
}

static void test_source_switch_is_continuous(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 1, 90000);
	uint16_t seq, last_seq = 0;
	uint32_t ts, last_ts = 0;
	map(&rw, 1000, 40000, 123456, 0, &last_seq, &last_ts);
	map(&rw, 1000, 40001, 126456, US_PER_FRAME, &last_seq, &last_ts);
	/* a new SSRC (another simulcast layer) with unrelated numbers: a new segment at once */
	map(&rw, 2000, 7, 999999999u, 2 * US_PER_FRAME, &seq, &ts);
	assert_int_equal(seq, (uint16_t)(last_seq + 1));
	assert_int_equal(ts - last_ts, TS_PER_FRAME);
	/* and its own next packet follows */
	map(&rw, 2000, 8, 999999999u + TS_PER_FRAME, 3 * US_PER_FRAME, &seq, &ts);
	assert_int_equal(seq, (uint16_t)(last_seq + 2));
	assert_int_equal(ts - last_ts, 2 * TS_PER_FRAME);
	assert_int_equal(rw.segments, 2);
}

static void test_old_packet_after_switch_is_refused(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 1, 90000);
	uint16_t seq;
	uint32_t ts;
	map(&rw, 5, 10, 0, 0, &seq, &ts);
	parley_room_rewriter_switch(&rw);
	map(&rw, 5, 20, 3000, US_PER_FRAME, &seq, &ts);
	assert_int_equal(parley_room_rewriter_map(&rw, 5, 19, 2900, US_PER_FRAME, &seq, &ts), ROOM_REWRITE_OLD);
	/* reordering within the segment is kept (mapped, not refused) */
	map(&rw, 5, 22, 3000, US_PER_FRAME, &seq, &ts);
	uint16_t late;
	map(&rw, 5, 21, 3000, US_PER_FRAME, &late, &ts);
	assert_int_equal((uint16_t)(late + 1), seq);
}

static void test_wraparound(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 1, 48000);
	uint16_t seq, prev = 0;
	uint32_t ts, prev_ts = 0;
	int64_t now = 0;
	for (uint32_t i = 0; i < 20; i++, now += 20000) {
		map(&rw, 9, (uint16_t)(65530 + i), 0xfffffc00u + i * 960, now, &seq, &ts);
		if (i > 0) {
			assert_int_equal((uint16_t)(seq - prev), 1);
			assert_int_equal(ts - prev_ts, 960);
		}
		prev = seq;
		prev_ts = ts;
	}
	/* a switch across the wrap still continues by one */
	parley_room_rewriter_switch(&rw);
	map(&rw, 9, 3, 5, now, &seq, &ts);
	assert_int_equal((uint16_t)(seq - prev), 1);
	assert_true((int32_t)(ts - prev_ts) > 0);
}

/* A call longer than 32768 packets of one segment (11 minutes of 50 pps
 * audio) keeps being forwarded, and late packets far into it still map. */
static void test_long_segment_keeps_forwarding(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 1, 48000);
	uint16_t seq, prev = 0;
	uint32_t ts;
	for (uint32_t i = 0; i < 200000; i++) {
		map(&rw, 4, (uint16_t)(1000 + i), i * 960, (int64_t)i * 20000, &seq, &ts);
		if (i > 0)
			assert_int_equal((uint16_t)(seq - prev), 1);
		prev = seq;
	}
	uint16_t late;
	map(&rw, 4, (uint16_t)(1000 + 199990), 199990 * 960, 200000LL * 20000, &late, &ts);
	assert_int_equal((uint16_t)(seq - late), 9);
	/* after a switch, the previous segment's packets are refused again */
	parley_room_rewriter_switch(&rw);
	map(&rw, 4, (uint16_t)(1000 + 200100), 200100 * 960, 200101LL * 20000, &seq, &ts);
	assert_int_equal(parley_room_rewriter_map(&rw, 4, (uint16_t)(1000 + 200099), 200099 * 960, 200101LL * 20000,
	                                          &late, &ts), ROOM_REWRITE_OLD);
}

static void test_dropped_packets_leave_no_gap(void **state)
{
	(void)state;
	room_rewriter rw;
	parley_room_rewriter_init(&rw, 1, 90000);
	uint16_t seq, prev;
	uint32_t ts;
	map(&rw, 3, 65534, 0, 0, &prev, &ts);
	parley_room_rewriter_drop(&rw, 3, 65535);   /* a TL1 packet dropped */
	parley_room_rewriter_drop(&rw, 3, 0);       /* and another, across the wrap */
	map(&rw, 3, 1, 3000, US_PER_FRAME, &seq, &ts);
	assert_int_equal((uint16_t)(seq - prev), 1);
	/* a late duplicate drop changes nothing */
	parley_room_rewriter_drop(&rw, 3, 0);
	uint16_t next;
	map(&rw, 3, 2, 6000, 2 * US_PER_FRAME, &next, &ts);
	assert_int_equal((uint16_t)(next - seq), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_segment_keeps_numbers),
		cmocka_unit_test(test_pause_resume_is_continuous),
		cmocka_unit_test(test_source_switch_is_continuous),
		cmocka_unit_test(test_old_packet_after_switch_is_refused),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_long_segment_keeps_forwarding),
		cmocka_unit_test(test_dropped_packets_leave_no_gap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
