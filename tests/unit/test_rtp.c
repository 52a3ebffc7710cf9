/*
 * test_rtp.c — unit tests of core/media/rtp.c and rtp_history.c on
 * hand-built packets: RTX wrap/unwrap, sequence-number extension, the
 * seq/ts rewriter and the NACK history (byte ring and index) across seq and
 * ring wraparound, overwrite and expiry misses, and its sizing from
 * nack_buffer_ms. The header parser they use is tested in test_util_rtp.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/media/rtp.h"
#include "rtp_sample.h"

static void test_rtx(void **state)
{
	uint8_t out[64];
	int n = parley_rtp_rtx_wrap(pkt1, sizeof(pkt1), 97, 0x55667788, 7, out, sizeof(out));
	assert_int_equal(n, 28 + 2 + 3);
	parley_util_rtp_info i;
	assert_int_equal(parley_util_rtp_parse(out, (size_t)n, &i), 0);
	assert_int_equal(i.pt, 97);
	assert_int_equal(i.seq, 7);
	assert_int_equal(i.ssrc, 0x55667788);
	assert_false(i.padding);
	assert_int_equal(out[28], 0x12); /* OSN */
	assert_int_equal(out[29], 0x34);
	assert_int_equal(parley_rtp_rtx_wrap(pkt1, sizeof(pkt1), 97, 1, 7, out, 20), -PARLEY_UTIL_RTP_ENOSPACE);
	n = parley_rtp_rtx_unwrap(out, (size_t)n, 96, 0x11223344);
	assert_int_equal(n, 31);
	assert_int_equal(parley_util_rtp_parse(out, (size_t)n, &i), 0);
	assert_int_equal(i.seq, 0x1234);
	assert_int_equal(i.pt, 96);
	assert_int_equal(i.ssrc, 0x11223344);
	assert_int_equal(i.payload_len, 3);
	assert_memory_equal(out + i.payload_offset, "ABC", 3);
	uint8_t tiny[12] = { 0x80, 97 };
	assert_int_equal(parley_rtp_rtx_unwrap(tiny, 12, 96, 1), -PARLEY_UTIL_RTP_ETOOSHORT);
}

static void test_seq(void **state)
{
	parley_rtp_seq_ext e = { 0 };
	uint64_t a = parley_rtp_seq_extend(&e, 65534);
	assert_int_equal(parley_rtp_seq_extend(&e, 65535), a + 1);
	assert_int_equal(parley_rtp_seq_extend(&e, 0), a + 2);
	assert_int_equal(parley_rtp_seq_extend(&e, 65533), a - 1); /* late packet */
	assert_int_equal(parley_rtp_seq_extend(&e, 3), a + 5);
	assert_int_equal(e.highest, a + 5);
}

static void mk(uint8_t *p, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	memset(p, 0, 12);
	p[0] = 0x80;
	p[1] = 96;
	parley_util_rtp_set_seq(p, seq);
	parley_util_rtp_set_ts(p, ts);
	parley_util_rtp_set_ssrc(p, ssrc);
}

static void send_one(parley_rtp_rewriter *rw, uint16_t seq, uint32_t ts, uint32_t ssrc, int64_t now,
	uint16_t *oseq, uint32_t *ots, int expect)
{
	uint8_t p[12];
	parley_util_rtp_info i;
	mk(p, seq, ts, ssrc);
	assert_int_equal(parley_util_rtp_parse(p, 12, &i), 0);
	assert_int_equal(parley_rtp_rewrite(rw, p, &i, now), expect);
	parley_util_rtp_parse(p, 12, &i);
	*oseq = i.seq;
	*ots = i.ts;
	if (expect == 0)
		assert_int_equal(i.ssrc, 0xabcdef01);
}

static void test_rewriter(void **state)
{
	parley_rtp_rewriter rw;
	parley_rtp_rewriter_init(&rw, 0xabcdef01, 90000);
	uint16_t s;
	uint32_t t;
	send_one(&rw, 65534, 1000, 1, 0, &s, &t, 0);
	assert_int_equal(s, 65534);
	send_one(&rw, 65535, 4000, 1, 33000, &s, &t, 0);
	/* source switch to ssrc 2 with unrelated numbering, 100 ms later */
	send_one(&rw, 500, 777777, 2, 133000, &s, &t, 0);
	assert_int_equal(s, 0);
	assert_int_equal(t, 4000 + 9000);
	send_one(&rw, 501, 780777, 2, 166000, &s, &t, 0);
	assert_int_equal(s, 1);
	assert_int_equal(t, 16000);
	/* a packet from before the switch is refused */
	send_one(&rw, 499, 774777, 2, 170000, &s, &t, -PARLEY_UTIL_RTP_EOLD);
	/* drop 502: 503 takes its number */
	uint8_t p[12];
	parley_util_rtp_info i;
	mk(p, 502, 783777, 2);
	parley_util_rtp_parse(p, 12, &i);
	parley_rtp_rewriter_drop(&rw, &i);
	send_one(&rw, 503, 786777, 2, 200000, &s, &t, 0);
	assert_int_equal(s, 2);
	/* pause then resume on the same ssrc: continuous again */
	parley_rtp_rewriter_switch(&rw);
	send_one(&rw, 900, 900000, 2, 1200000, &s, &t, 0);
	assert_int_equal(s, 3);
	assert_int_equal(t, 22000 + 90000); /* 503 went out with ts 22000 */
}

static void test_history(void **state)
{
	(void)state;
	assert_null(parley_rtp_history_new(0, 1500));
	assert_null(parley_rtp_history_new(16, 4));
	parley_rtp_history *h = parley_rtp_history_new(100, 65536);
	assert_non_null(h);
	assert_int_equal(parley_rtp_history_capacity(h), 128);
	assert_int_equal(parley_rtp_history_ring_bytes(h), 65536);
	uint8_t p[40];
	for (uint32_t k = 0; k < 300; k++) { /* 65436 .. 199 across the wrap */
		uint16_t seq = (uint16_t)(65436 + k);
		mk(p, seq, k, 9);
		p[20] = (uint8_t)k;
		assert_int_equal(parley_rtp_history_store(h, p, sizeof(p), k * 1000), 0);
	}
	size_t len;
	const uint8_t *g = parley_rtp_history_get(h, 199, 300000, 0, &len);
	assert_non_null(g);
	assert_int_equal(len, 40);
	assert_int_equal(g[20], (uint8_t)299);
	g = parley_rtp_history_get(h, 72, 300000, 0, &len); /* oldest kept in the index: k=172 */
	assert_non_null(g);
	assert_int_equal(g[20], 172);
	assert_null(parley_rtp_history_get(h, 71, 300000, 0, &len)); /* index slot reused */
	assert_null(parley_rtp_history_get(h, 65535, 300000, 0, &len));
	assert_null(parley_rtp_history_get(h, 72, 300000, 50000, &len)); /* too old */
	assert_non_null(parley_rtp_history_get(h, 199, 300000, 50000, &len)); /* 1 ms old */
	assert_int_equal(parley_rtp_history_store(h, p, 11, 0), -PARLEY_UTIL_RTP_EINVAL);
	parley_rtp_history_free(h);
	h = parley_rtp_history_new(16, 100);
	uint8_t big[101] = { 0x80 };
	assert_int_equal(parley_rtp_history_store(h, big, sizeof(big), 0), -PARLEY_UTIL_RTP_ENOSPACE);
	assert_int_equal(parley_rtp_history_store(h, big, 100, 0), 0);
	parley_rtp_history_free(h);
}

/* Packet k of the mix: 1200 bytes for even k, 60 for odd, payload bytes
 * derived from k so that a stale or shifted copy cannot compare equal. */
static size_t mix_packet(uint8_t *p, uint32_t k)
{
	size_t len = (k & 1) ? 60 : 1200;
	mk(p, (uint16_t)(65500 + k), k * 3000, 7);
	for (size_t i = 12; i < len; i++)
		p[i] = (uint8_t)(k * 31 + i * 7);
	return len;
}

/* A 4000-byte ring: one lap holds 1200,60,1200,60,1200,60 (3780 bytes), the
 * next 1200 starts a new lap. Checks exact bytes, misses on overwritten
 * bytes, seq wraparound (65500 + k) and ring wraparound. */
static void test_history_byte_ring(void **state)
{
	(void)state;
	parley_rtp_history *h = parley_rtp_history_new(256, 4000);
	assert_non_null(h);
	uint8_t p[1200], want[1200];
	for (uint32_t k = 0; k < 100; k++) {
		size_t len = mix_packet(p, k);
		assert_int_equal(parley_rtp_history_store(h, p, len, (int64_t)k * 1000), 0);
		unsigned hits = 0;
		for (uint32_t j = 0; j <= k; j++) {
			size_t got = 0;
			const uint8_t *g = parley_rtp_history_get(h, (uint16_t)(65500 + j), (int64_t)k * 1000, 0, &got);
			size_t wlen = mix_packet(want, j);
			if (k - j < 3) /* the last three are always whole (≤ 2460 bytes) */
				assert_non_null(g);
			if (k - j >= 7) /* j..k is 8 packets, ≥ 5040 bytes: more than the ring */
				assert_null(g);
			if (!g)
				continue;
			hits++;
			assert_int_equal(got, wlen);
			assert_memory_equal(g, want, wlen);
		}
		/* laps are 6 packets: between 3 (a lap just started) and 6+ kept */
		assert_true(hits >= (k < 3 ? k + 1 : 3));
		assert_true(hits <= 7);
	}
	/* k=96 started lap 16 at offset 0 and 96..99 took [0, 2520): of the
	 * previous lap (90..95), 93 at [2460, 2520) is gone, 94 at [2520, 3720)
	 * is still whole. */
	size_t got;
	assert_null(parley_rtp_history_get(h, (uint16_t)(65500 + 93), 99000, 0, &got));
	const uint8_t *g = parley_rtp_history_get(h, (uint16_t)(65500 + 94), 99000, 0, &got);
	assert_non_null(g);
	assert_int_equal(got, mix_packet(want, 94));
	assert_memory_equal(g, want, got);
	/* stored at 94 ms: expired for a 4 ms age at 99 ms, kept for 5 ms */
	assert_null(parley_rtp_history_get(h, (uint16_t)(65500 + 94), 99000, 4000, &got));
	assert_non_null(parley_rtp_history_get(h, (uint16_t)(65500 + 94), 99000, 5000, &got));
	parley_rtp_history_free(h);
}

/* new_for sizes from nack_buffer_ms and reuses the ring once its oldest
 * bytes are older than that, so a slow stream touches only a small part. */
static void test_history_sized_by_time(void **state)
{
	(void)state;
	assert_null(parley_rtp_history_new_for(false, 0, 0));
	parley_rtp_history *h = parley_rtp_history_new_for(true, 1000, 0); /* 5 Mbit/s x 1 s */
	assert_non_null(h);
	assert_int_equal(parley_rtp_history_ring_bytes(h), 625000);
	assert_int_equal(parley_rtp_history_capacity(h), 32); /* grows with the packet rate */
	assert_int_equal(parley_rtp_history_max_capacity(h), 1024);
	parley_rtp_history_free(h);
	h = parley_rtp_history_new_for(true, 10000, 100000000); /* ceiling */
	assert_int_equal(parley_rtp_history_ring_bytes(h), 16u * 1024 * 1024);
	parley_rtp_history_free(h);
	h = parley_rtp_history_new_for(false, 100, 0); /* floor */
	assert_int_equal(parley_rtp_history_ring_bytes(h), 32u * 1024);
	assert_int_equal(parley_rtp_history_capacity(h), 32);
	assert_int_equal(parley_rtp_history_max_capacity(h), 64);
	/* 60-byte packets every 20 ms for 10 s (30 kB written): with a 100 ms
	 * age the ring is reused after ~6 packets, never spreading past ~1 kB. */
	uint8_t p[60];
	const uint8_t *lo = NULL, *hi = NULL;
	for (uint32_t k = 0; k < 500; k++) {
		mk(p, (uint16_t)(65000 + k), k * 960, 3);
		memset(p + 12, (int)(k & 0xff), sizeof(p) - 12);
		int64_t now = (int64_t)k * 20000;
		assert_int_equal(parley_rtp_history_store(h, p, sizeof(p), now), 0);
		size_t got;
		const uint8_t *g = parley_rtp_history_get(h, (uint16_t)(65000 + k), now, 100000, &got);
		assert_non_null(g);
		assert_int_equal(got, 60);
		assert_memory_equal(g, p, 60);
		if (!lo || g < lo)
			lo = g;
		if (!hi || g > hi)
			hi = g;
		if (k >= 4) { /* 80 ms old: still there */
			g = parley_rtp_history_get(h, (uint16_t)(65000 + k - 4), now, 100000, &got);
			assert_non_null(g);
			assert_int_equal(g[12], (uint8_t)(k - 4));
		}
		if (k >= 6) /* 120 ms old: expired */
			assert_null(parley_rtp_history_get(h, (uint16_t)(65000 + k - 6), now, 100000, &got));
	}
	assert_true(hi - lo < 1024);
	assert_int_equal(parley_rtp_history_capacity(h), 32); /* 5 packets per 100 ms never needed more */
	parley_rtp_history_free(h);
}

/* Stores `count` 600-byte packets from seq `first`, one every `gap_us`
 * from `start_us`, and checks that every packet younger than the
 * history's age (and still in its ring) is served at the end. Returns the
 * index size after the first `count / 2` packets through *half. */
static void feed_video(parley_rtp_history *h, uint16_t first, uint32_t count, int64_t start_us, int64_t gap_us,
                       size_t *half)
{
	uint8_t p[600];
	int64_t now = start_us;
	for (uint32_t k = 0; k < count; k++) {
		uint16_t seq = (uint16_t)(first + k);
		mk(p, seq, k * 3000, 5);
		p[20] = (uint8_t)k;
		now = start_us + (int64_t)k * gap_us;
		assert_int_equal(parley_rtp_history_store(h, p, sizeof(p), now), 0);
		if (k + 1 == count / 2)
			*half = parley_rtp_history_capacity(h);
	}
	int64_t age = parley_rtp_history_age_us(h);
	for (uint32_t k = 0; k < count; k++) {
		int64_t at = start_us + (int64_t)k * gap_us;
		if (now - at >= age || (uint64_t)(count - k) * sizeof(p) > parley_rtp_history_ring_bytes(h))
			continue;
		size_t got;
		const uint8_t *g = parley_rtp_history_get(h, (uint16_t)(first + k), now, 0, &got);
		assert_non_null(g);
		assert_int_equal(got, sizeof(p));
		assert_int_equal(g[20], (uint8_t)k);
	}
}

/* The index follows the stream's packet rate: a slow stream keeps a small
 * one, a fast one grows it until every packet younger than the age is
 * found (then it stops: no allocation in steady state), a faster one stops
 * at the ceiling nack_buffer_ms gives, and a slower path (larger age)
 * grows it again. */
static void test_history_index_grows(void **state)
{
	(void)state;
	size_t half;
	/* 50 packets/s, 300 ms age: ~15 packets to keep */
	parley_rtp_history *h = parley_rtp_history_new_for(true, 1000, 0);
	feed_video(h, 65000, 500, 0, 20000, &half);
	assert_int_equal(parley_rtp_history_capacity(h), 32);
	assert_int_equal(half, 32);
	parley_rtp_history_free(h);

	/* 1000 packets/s (4.8 Mbit/s): ~300 packets younger than 300 ms */
	h = parley_rtp_history_new_for(true, 1000, 0);
	feed_video(h, 65000, 4000, 0, 1000, &half);
	size_t grown = parley_rtp_history_capacity(h);
	assert_true(grown >= 512 && grown <= 1024);
	assert_int_equal(half, grown); /* grew in the first second, not since */
	/* the path's RTT rises: 1 s of packets to keep, the ceiling */
	parley_rtp_history_follow_rtt(h, 200000);
	feed_video(h, (uint16_t)(65000 + 4000), 4000, 4000000, 1000, &half);
	assert_int_equal(parley_rtp_history_capacity(h), 1024);
	parley_rtp_history_free(h);

	/* 5000 packets/s: the index stops at its ceiling, the newest 1024 are
	 * served and older ones miss (the slot was reused) */
	h = parley_rtp_history_new_for(true, 1000, 0);
	uint8_t p[600];
	for (uint32_t k = 0; k < 5000; k++) {
		mk(p, (uint16_t)k, k, 5);
		assert_int_equal(parley_rtp_history_store(h, p, sizeof(p), (int64_t)k * 200), 0);
	}
	assert_int_equal(parley_rtp_history_capacity(h), 1024);
	size_t got;
	assert_non_null(parley_rtp_history_get(h, (uint16_t)(4999 - 1023), 1000000, 0, &got));
	assert_null(parley_rtp_history_get(h, (uint16_t)(4999 - 1024), 1000000, 0, &got));
	parley_rtp_history_free(h);

	/* a history with a fixed index never grows */
	h = parley_rtp_history_new(16, 65536);
	feed_video(h, 0, 100, 0, 1000, &half);
	assert_int_equal(parley_rtp_history_capacity(h), 16);
	parley_rtp_history_free(h);
}

/* The age follows the RTT (10 x RTT + 100 ms, 300 ms .. nack_buffer_ms):
 * with 1000-byte packets at 100/s, a packet 700 ms old has been
 * overwritten when the age is 300 ms (laps of ~30 kB), and is kept when a
 * slow path raised it to the full second. */
static void test_history_follows_rtt(void **state)
{
	(void)state;
	parley_rtp_history *h = parley_rtp_history_new_for(true, 1000, 0);
	assert_int_equal(parley_rtp_history_age_us(h), 300000);
	parley_rtp_history_follow_rtt(h, 50000);
	assert_int_equal(parley_rtp_history_age_us(h), 600000);
	parley_rtp_history_follow_rtt(h, 200000);
	assert_int_equal(parley_rtp_history_age_us(h), 1000000);
	parley_rtp_history_follow_rtt(h, 1000);
	assert_int_equal(parley_rtp_history_age_us(h), 300000);
	parley_rtp_history_follow_rtt(h, -1); /* unknown: unchanged */
	assert_int_equal(parley_rtp_history_age_us(h), 300000);
	parley_rtp_history *plain = parley_rtp_history_new(64, 4096); /* no age to follow */
	parley_rtp_history_follow_rtt(plain, 50000);
	assert_int_equal(parley_rtp_history_age_us(plain), 0);
	parley_rtp_history_free(plain);
	parley_rtp_history *small = parley_rtp_history_new_for(false, 100, 0); /* below the floor */
	assert_int_equal(parley_rtp_history_age_us(small), 100000);
	parley_rtp_history_follow_rtt(small, 50000);
	assert_int_equal(parley_rtp_history_age_us(small), 100000);
	parley_rtp_history_free(small);

	uint8_t p[1000];
	for (int pass = 0; pass < 2; pass++) {
		parley_rtp_history_follow_rtt(h, pass == 0 ? 1000 : 200000);
		for (uint32_t k = 0; k < 200; k++) {
			uint16_t seq = (uint16_t)(pass * 1000 + k);
			mk(p, seq, k * 900, 3);
			int64_t now = (int64_t)(pass * 200 + k) * 10000;
			assert_int_equal(parley_rtp_history_store(h, p, sizeof(p), now), 0);
			if (k < 100)
				continue;
			size_t got;
			const uint8_t *g = parley_rtp_history_get(h, (uint16_t)(seq - 70), now, 0, &got);
			if (pass == 0)
				assert_null(g);
			else {
				assert_non_null(g);
				assert_int_equal(got, sizeof(p));
				assert_int_equal(g[2] << 8 | g[3], (uint16_t)(seq - 70));
			}
		}
	}
	parley_rtp_history_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtx),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_rewriter),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_byte_ring),
		cmocka_unit_test(test_history_sized_by_time),
		cmocka_unit_test(test_history_follows_rtt),
		cmocka_unit_test(test_history_index_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
